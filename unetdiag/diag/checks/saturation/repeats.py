"""The two-epoch repeat rule: two last epochs that repeat every printed value of several
metrics are flat even when the run is too short for the flat check's window (autokeras#928:
loss, accuracy, val_loss and val_accuracy alike at epochs 1 and 2)."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np

from unetdiag.diag.checks.saturation.metrics import Series, is_validation, metric_kind
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds


def _significant_digits(value: float) -> int:
    """Significant digits of a value as Keras prints it: four decimals at least (0.0091 -> 2,
    0.5000 -> 4), more where the value holds more (an exponent's 9.1234e-03 -> 5)."""
    if value == 0:
        return 0
    decimals = max(4, -Decimal(repr(value)).as_tuple().exponent)
    return math.floor(math.log10(abs(value))) + 1 + decimals


def _converged_or_rounded(series: Series, thresholds: SaturationThresholds) -> bool:
    """The training loss fell by a large share before the repeat, or repeats too few digits
    for the repeat to mean anything."""
    for name, item in series.items():
        if metric_kind(name) != "loss" or is_validation(name):
            continue
        finite = [float(value) for value in item.values if math.isfinite(value)]
        if not finite:
            continue
        first, last = finite[0], finite[-1]
        if (first > 0 and (first - last) > thresholds.max_repeat_fall * first) \
                or _significant_digits(last) < thresholds.min_repeat_digits:
            return True
    return False


def every_value_repeats(series: Series, thresholds: SaturationThresholds) -> bool:
    """The last two epochs repeat every value (see :attr:`~.SaturationThresholds.
    min_repeated_values`), no loss at 0 among them: a perfect fit stays there; nor after a
    large fall of the training loss, nor at under 3 significant digits (see
    :attr:`~.SaturationThresholds.max_repeat_fall`)."""
    if _converged_or_rounded(series, thresholds):
        return False
    lasts = {name: item.values[-2:] for name, item in series.items()}
    return (len(lasts) >= thresholds.min_repeated_values
            and any(metric_kind(name) == "loss" and not is_validation(name) for name in series)
            and any(is_validation(name) for name in series)
            and all(values.size == 2 and bool(np.isfinite(values).all())
                    and values[0] == values[1] for values in lasts.values())
            and all(abs(values[0]) > thresholds.flat_spread for name, values in lasts.items()
                    if metric_kind(name) == "loss"))
