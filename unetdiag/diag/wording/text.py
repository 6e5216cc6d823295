"""Small pieces of English shared by every sentence unetdiag writes.

>>> plural(1, "mask"), plural(3, "mask")
('1 mask', '3 masks')
>>> join_names(["a", "b", "c"])
'a, b and c'
>>> percent(0.995), percent(0.0004)
('99.5 %', '0.04 %')
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """``"1 mask"``, ``"3 masks"``; ``plural_word`` where adding an "s" is wrong."""
    return f"{count} {word if count == 1 else (plural_word or word + 's')}"


def verb(count: int, singular: str, plural_form: str) -> str:
    """``singular`` for one, ``plural_form`` for any other count (``is``/``are``)."""
    return singular if count == 1 else plural_form


def join_names(names: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; ``[]`` -> ``""``."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def percent(fraction: float) -> str:
    """A fraction as a percentage with three significant digits: ``0.995`` -> ``"99.5 %"``."""
    return f"{100 * fraction:.3g} %"


def _three_digits(value: float, rounding) -> float:
    """``value`` (> 0) to three significant digits by ``rounding`` (math.floor or math.ceil),
    after cutting off float noise (99.5 stored as 99.49999999999999 stays 99.5)."""
    step = 10.0 ** (math.floor(math.log10(value)) - 2)
    return rounding(round(value / step, 6)) * step


def percent_at_least(fraction: float) -> str:
    """A lower bound as :func:`percent` words it, rounded down so that "at least" stays true.

    >>> percent_at_least(0.8806), percent_at_least(0.995), percent(0.8806)
    ('88 %', '99.5 %', '88.1 %')
    """
    if fraction <= 0:
        return percent(fraction)
    return f"{_three_digits(100 * fraction, math.floor):.3g} %"


def percent_at_most(fraction: float) -> str:
    """An upper bound as :func:`percent` words it, rounded up so that "at most" stays true.

    >>> percent_at_most(0.11543), percent_at_most(0.027)
    ('11.6 %', '2.7 %')
    """
    if fraction <= 0:
        return percent(fraction)
    return f"{_three_digits(100 * fraction, math.ceil):.3g} %"


def near_zero(value: float) -> str:
    """A score at or near 0 as the log holds it: ``"0"``, or ``"at most 4.1e-05"`` (Keras prints
    values under 1e-3 in e-notation, never as 0.0000).

    >>> near_zero(0.0), near_zero(4.1e-05), near_zero(4.149e-05)
    ('0', 'at most 4.1e-05', 'at most 4.2e-05')
    """
    if value == 0:
        return "0"
    # rounded up, so that "at most" stays true (4.149e-05 is at most 4.2e-05)
    step = 10.0 ** (math.floor(math.log10(abs(value))) - 1)
    return f"at most {math.ceil(value / step - 1e-9) * step:.2g}"  # 4.1e-05 / 1e-06 > 41


def capitalised(sentence: str) -> str:
    """The sentence with its first letter in upper case (the rest untouched)."""
    return sentence[:1].upper() + sentence[1:]


#: A sentence quotes at most this many values one by one (the evidence holds them all).
QUOTED_VALUES = 12


def values_text(values: list[int], counted: bool = True) -> str:
    """``"1, 2 and 3"``; a long run of whole numbers as ``"12 values, 0..11"`` (``"0..11"``
    when not ``counted``).

    >>> values_text([1, 2, 3]), values_text(list(range(12))), values_text([0, 1, 2, 255])
    ('1, 2 and 3', '12 values, 0..11', '0, 1, 2 and 255')
    >>> values_text(list(range(1, 1025)), counted=False)
    '1..1024'
    """
    values = sorted(values)
    if len(values) > 4 and values == list(range(values[0], values[-1] + 1)):
        return (f"{len(values)} values, " if counted else "") + f"{values[0]}..{values[-1]}"
    if len(values) > QUOTED_VALUES:
        return (f"{len(values)} values ({', '.join(str(v) for v in values[:QUOTED_VALUES])}, "
                f"...)")
    return join_names([str(value) for value in values])
