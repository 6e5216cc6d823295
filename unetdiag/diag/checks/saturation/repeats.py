"""The two-epoch repeat rule: two last epochs that repeat every printed value of several
metrics are flat even when the run is too short for the flat check's window (autokeras#928:
loss, accuracy, val_loss and val_accuracy alike at epochs 1 and 2)."""

from __future__ import annotations

import numpy as np

from unetdiag.diag.checks.saturation.metrics import Series, is_validation, metric_kind
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds


def every_value_repeats(series: Series, thresholds: SaturationThresholds) -> bool:
    """The last two epochs repeat every value (see :attr:`~.SaturationThresholds.
    min_repeated_values`), no loss at 0 among them: a perfect fit stays there."""
    lasts = {name: item.values[-2:] for name, item in series.items()}
    return (len(lasts) >= thresholds.min_repeated_values
            and any(metric_kind(name) == "loss" and not is_validation(name) for name in series)
            and any(is_validation(name) for name in series)
            and all(values.size == 2 and bool(np.isfinite(values).all())
                    and values[0] == values[1] for values in lasts.values())
            and all(abs(values[0]) > thresholds.flat_spread for name, values in lasts.items()
                    if metric_kind(name) == "loss"))
