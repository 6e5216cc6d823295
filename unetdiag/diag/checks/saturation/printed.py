"""How Keras's progress bar prints a metric's value, the one copy of its rule, and the
decimals of a log that printed more than it.

Keras 3.15 (``keras/src/utils/progbar.py``, ``Progbar.update``) prints each value with
``f"{avg:.4f}"`` when ``abs(avg) > 1e-3`` on the bar (``verbose=1``) and ``f"{avg:.4e}"``
otherwise; its ``verbose=2`` line tests ``avg > 1e-3`` without ``abs``, as Keras 2's
``generic_utils.Progbar`` did, so a negative value prints in e-notation there
(``-8.5123e-01``: five decimals of -0.85123). A value of exactly 1e-3 prints ``1.0000e-03``.

>>> keras_printed(0.5), keras_printed(0.001), keras_printed(-0.0192), keras_printed(2e-5)
('0.5000', '1.0000e-03', '-0.0192', '2.0000e-05')
>>> decimals = printed_decimals([-0.85121, -0.85124], half_unit=5e-6)   # -8.5121e-01 ...
>>> decimals, printed_text(-0.85121, decimals), printed_text(-0.85121, None)
(5, '-0.85121', '-0.8512')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

#: Keras prints four decimals above this magnitude, e-notation at or below it.
DECIMALS_ABOVE = 1e-3
#: Half a unit of the bar's fourth decimal: how far a value behind a four-decimal print lies.
BAR_HALF_UNIT = 5e-5


def keras_printed(value: float) -> str:
    """``value`` as Keras's progress bar prints it (the bar's rule, with ``abs``)."""
    return f"{value:.4f}" if abs(value) > DECIMALS_ABOVE else f"{value:.4e}"


def printed_decimals(values: Iterable[float], half_unit: float | None) -> int | None:
    """The decimals a log printed ``values`` to, where they are more than the bar's four:
    ``half_unit`` (half a unit of the prints' last digit, as the parser measured it) finer
    than :data:`BAR_HALF_UNIT` and every value above :data:`DECIMALS_ABOVE` in magnitude
    (Keras's ``verbose=2`` line's negative values, a custom loop's six decimals); None when
    the bar's rule says how they printed, or the log does not say (a CSV's full floats)."""
    if half_unit is None or not half_unit < BAR_HALF_UNIT \
            or not all(abs(value) > DECIMALS_ABOVE for value in values):
        return None
    return round(-math.log10(2 * half_unit))


def as_printed(value: float, decimals: int | None) -> float:
    """``value`` as printed: to ``decimals`` (:func:`printed_decimals`), else by the bar's
    rule (a CSV's float32 noise below the print is no change)."""
    return round(value, decimals) if decimals is not None else float(keras_printed(value))


def printed_text(value: float, decimals: int | None) -> str:
    """``value`` written as :func:`as_printed` reads it."""
    return f"{value:.{decimals}f}" if decimals is not None else keras_printed(value)


def printed_ends(flat: Mapping) -> tuple[str, str]:
    """A flat stretch's ``moved_between`` ends as the log printed them (its
    ``printed_decimals`` when recorded)."""
    low, high = flat["moved_between"]
    decimals = flat.get("printed_decimals")
    return printed_text(low, decimals), printed_text(high, decimals)
