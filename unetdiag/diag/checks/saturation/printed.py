"""How Keras's progress bar prints a metric's value, the one copy of its rule.

Keras 3.15 (``keras/src/utils/progbar.py``, ``Progbar.update``) prints each value with
``f"{avg:.4f}"`` when ``abs(avg) > 1e-3`` on the bar (``verbose=1``) and ``f"{avg:.4e}"``
otherwise; its ``verbose=2`` line tests ``avg > 1e-3`` without ``abs``, as Keras 2's
``generic_utils.Progbar`` did, so a negative value prints in e-notation there
(``-5.0000e-01``), the same value in one more digit. A value of exactly 1e-3 prints
``1.0000e-03`` either way.

>>> keras_printed(0.5), keras_printed(0.001), keras_printed(-0.0192), keras_printed(2e-5)
('0.5000', '1.0000e-03', '-0.0192', '2.0000e-05')
"""

from __future__ import annotations

#: Keras prints four decimals above this magnitude, e-notation at or below it.
DECIMALS_ABOVE = 1e-3


def keras_printed(value: float) -> str:
    """``value`` as Keras's progress bar prints it (the bar's rule, with ``abs``)."""
    return f"{value:.4f}" if abs(value) > DECIMALS_ABOVE else f"{value:.4e}"
