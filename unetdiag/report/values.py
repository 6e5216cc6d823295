"""Evidence values written for people: numbers to a few significant digits, long lists and
strings cut, in one line, whatever the value's type.

Every rendering (console, text and HTML files) writes values through :func:`format_value`.

>>> format_value({"dice": 0.99749373, "files": [f"f{i}.png" for i in range(8)]})
'{dice: 0.9975, files: [f0.png, f1.png, f2.png, f3.png, f4.png, f5.png, … +2 more]}'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Ends a cut string and stands for what a cut container left out.
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class NumberStyle:
    """How floats are written.

    Attributes:
        significant_digits: floats are rounded to this many significant digits.
        scientific_below: non-zero floats smaller than this in magnitude use scientific
            notation (``1e-6``, ``2.5e-4``).
        scientific_from: floats at least this large in magnitude use scientific notation.
    """

    significant_digits: int = 4
    scientific_below: float = 1e-3
    scientific_from: float = 1e6


DEFAULT_NUMBER_STYLE = NumberStyle()


@dataclass(frozen=True)
class DisplayLimits:
    """How much of a long value is shown, and how its numbers are written.

    Attributes:
        list_items: items shown of a list before ``+N more``.
        mapping_items: entries shown of a dict before ``+N more``.
        nesting_depth: containers nested deeper than this are shown as ``[...]``/``{...}``.
        text_chars: strings longer than this are cut, ending in an ellipsis.
        files: file names shown per finding before ``+N more``.
        numbers: how the numbers are written.
    """

    list_items: int = 6
    mapping_items: int = 6
    nesting_depth: int = 2
    text_chars: int = 200
    files: int = 5
    numbers: NumberStyle = DEFAULT_NUMBER_STYLE


#: The default view: short lists, the first few files.
COMPACT_LIMITS = DisplayLimits()
#: The verbose view (and the report files): long lists and many files, still bounded so a
#: million-element evidence list cannot flood the terminal.
VERBOSE_LIMITS = DisplayLimits(list_items=100, mapping_items=100, nesting_depth=4,
                               text_chars=4000, files=200)


def files_heading(files: int) -> str:
    """The heading of a finding's file list: a check names at most some of the files it
    speaks of (its title counts them all), so the count is of the files listed.

    >>> files_heading(20)
    'Files listed (20)'
    """
    return f"Files listed ({files})"


def format_number(number: int | float, style: NumberStyle = DEFAULT_NUMBER_STYLE) -> str:
    """Write a number for people: ints exactly, floats to a few significant digits.

    >>> [format_number(x) for x in (5912, 0.99749373, 1e-6, 0.000254, 3.2e7, 12345.67, 0.5)]
    ['5912', '0.9975', '1e-6', '2.54e-4', '3.2e7', '12350', '0.5']
    >>> format_number(float("nan")), format_number(float("-inf"))
    ('nan', '-inf')
    """
    if isinstance(number, bool):
        return "true" if number else "false"
    if isinstance(number, int):
        return str(number)
    number = float(number)
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if number == 0:
        return "0"
    magnitude = abs(number)
    if magnitude < style.scientific_below or magnitude >= style.scientific_from:
        mantissa, exponent = f"{number:.{style.significant_digits - 1}e}".split("e")
        return f"{_strip_zeros(mantissa)}e{int(exponent)}"
    decimals = style.significant_digits - 1 - math.floor(math.log10(magnitude))
    return _strip_zeros(f"{round(number, decimals):.{max(decimals, 0)}f}")


def _strip_zeros(decimal_text: str) -> str:
    return decimal_text.rstrip("0").rstrip(".") if "." in decimal_text else decimal_text


def format_value(value: Any, limits: DisplayLimits = COMPACT_LIMITS) -> str:
    """One line for any evidence value: numbers rounded, long lists and strings cut.

    Never raises: NaN, infinities, NumPy values, nested containers and objects of any type
    are all written as something readable.

    >>> format_value(list(range(10)))
    '[0, 1, 2, 3, 4, 5, … +4 more]'
    >>> format_value({"dice": 0.99749, "nested": {"deeper": {"deepest": 1}}})
    '{dice: 0.9975, nested: {deeper: {…}}}'
    """
    return _format_nested(value, limits, depth=0)


def _format_nested(value: Any, limits: DisplayLimits, depth: int) -> str:
    value = as_plain_python(value)
    if value is None:
        return "none"
    if isinstance(value, (bool, int, float)):
        return format_number(value, limits.numbers)
    if isinstance(value, str):
        return _shortened(value, limits.text_chars)
    if isinstance(value, Mapping):
        if depth >= limits.nesting_depth:
            return "{" + ELLIPSIS + "}" if value else "{}"
        items = [f"{_shortened(str(key), limits.text_chars)}: "
                 f"{_format_nested(item, limits, depth + 1)}"
                 for key, item in list(value.items())[:limits.mapping_items]]
        return "{" + ", ".join(items + _left_out(len(value), limits.mapping_items)) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        if depth >= limits.nesting_depth:
            return "[" + ELLIPSIS + "]" if value else "[]"
        ordered = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        items = [_format_nested(item, limits, depth + 1)
                 for item in list(ordered)[:limits.list_items]]
        return "[" + ", ".join(items + _left_out(len(value), limits.list_items)) + "]"
    try:
        return _shortened(str(value), limits.text_chars)
    except Exception:  # a broken __str__ must not take the whole report down
        return f"<{type(value).__name__}>"


def as_plain_python(value: Any) -> Any:
    """NumPy scalars and arrays as Python numbers and lists (duck-typed: no NumPy import)."""
    if isinstance(value, (str, bytes)):
        return value
    if getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None)):
        return value.item()
    if callable(getattr(value, "tolist", None)):
        return value.tolist()
    return value


def summary_rows(rows: Any) -> list[Mapping[str, Any]]:
    """A report's summary table as a list of dicts, whatever a producer put there: a dict is
    one row, a scalar or a row that is not a dict becomes a ``value`` column.

    >>> summary_rows({"a": 1}), summary_rows(5), summary_rows([{"a": 1}, "x"])
    ([{'a': 1}], [{'value': 5}], [{'a': 1}, {'value': 'x'}])
    """
    if isinstance(rows, Mapping):
        return [rows]
    if not isinstance(rows, (list, tuple)):
        return [{"value": rows}]
    return [row if isinstance(row, Mapping) else {"value": row} for row in rows]


def summary_columns(rows: list[Mapping[str, Any]]) -> list[str]:
    """The column names of :func:`summary_rows`' rows, in order of first use."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(str(key) for key in row))
    return list(columns)


def _left_out(total: int, shown: int) -> list[str]:
    """``["… +N more"]`` when ``shown`` of ``total`` items are shown, else nothing."""
    return [f"{ELLIPSIS} +{total - shown} more"] if total > shown else []


def _shortened(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[:max_chars - 1] + ELLIPSIS
