"""Metric names and series: which history keys are judged, what kind each one is.

A history (Keras ``History.history``, a parsed log) maps names to one value per epoch. The
kind of a metric is read from its name alone; bookkeeping keys (learning rate, timings) are
never judged. ``None`` marks an epoch whose value was not logged, which is never taken for
NaN.

>>> [metric_kind(m) for m in ("val_dice_coef", "dice_loss", "binary_io_u", "val_acc", "lr")]
['dice', 'loss', 'iou', 'accuracy', 'bookkeeping']
>>> series = metric_series({"val_dice": [0.5, None, 0.7], "lr": [1e-3] * 3})
>>> list(series), series["val_dice"].last_finite()
(['val_dice'], (2, 0.7))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

VALIDATION_PREFIX = "val_"
#: Optional history keys read by :func:`unetdiag.diag.checks.saturation.check_across_runs`:
#: seconds per training step and steps per epoch, one value (or ``None``) per epoch.
STEP_SECONDS_KEY = "step_seconds"
STEPS_PER_EPOCH_KEY = "steps_per_epoch"
#: History keys that are bookkeeping, never judged as metrics.
NON_METRIC_KEYS = frozenset({"epoch", "lr", "learning_rate", STEP_SECONDS_KEY,
                             STEPS_PER_EPOCH_KEY, "batch_size", "time", "epoch_seconds"})
#: Kinds whose values lie in [0, 1] for labels and predictions in [0, 1].
SCORE_KINDS = ("accuracy", "dice", "iou")
#: The two phases of a run, most telling first, with whether their names carry ``val_``.
PHASES = (("validation", True), ("training", False))


def is_validation(metric: str) -> bool:
    return metric.startswith(VALIDATION_PREFIX)


def metric_kind(metric: str) -> str:
    """``"loss"``, ``"dice"``, ``"iou"``, ``"accuracy"``, ``"bookkeeping"`` or ``"other"``."""
    base = metric[len(VALIDATION_PREFIX):] if is_validation(metric) else metric
    base = base.lower()
    if base in NON_METRIC_KEYS:
        return "bookkeeping"
    if "loss" in base or base in ("bce", "binary_crossentropy", "crossentropy"):
        return "loss"
    if "dice" in base:
        return "dice"
    if "iou" in base or "io_u" in base or "jaccard" in base:
        return "iou"
    if base in ("acc", "accuracy") or base.endswith(("accuracy", "_acc")):
        return "accuracy"
    return "other"


@dataclass(frozen=True)
class MetricSeries:
    """One metric over the epochs of a run."""

    name: str
    values: np.ndarray  # float64; NaN where not logged
    logged: np.ndarray  # bool

    @property
    def finite(self) -> np.ndarray:
        return self.logged & np.isfinite(self.values)

    def last_finite(self) -> tuple[int, float] | None:
        """(0-based epoch, value) of the last finite value."""
        indices = np.flatnonzero(self.finite)
        return (int(indices[-1]), float(self.values[indices[-1]])) if indices.size else None

    def value_at(self, epoch: int) -> float | None:
        """The value at a 0-based epoch, ``None`` where it is not finite."""
        return float(self.values[epoch]) if self.finite[epoch] else None


Series = Mapping[str, MetricSeries]


def metric_series(history: Mapping[str, Sequence[float | None]]) -> dict[str, MetricSeries]:
    """Judgeable metrics of a history; ``None`` entries are "not logged" (never NaN)."""
    result = {}
    for name, values in history.items():
        if metric_kind(name) == "bookkeeping" or isinstance(values, (str, bytes)):
            continue
        raw = list(values)
        logged = np.array([v is not None for v in raw], dtype=bool)
        numbers = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
        if logged.any():
            result[name] = MetricSeries(name, numbers, logged)
    return result


def phase_metrics(series: Series, validation: bool) -> dict[str, MetricSeries]:
    """The first metric of each kind in one phase: ``{"accuracy": ..., "dice": ...}``."""
    chosen: dict[str, MetricSeries] = {}
    for name, item in series.items():
        if is_validation(name) == validation:
            chosen.setdefault(metric_kind(name), item)
    return chosen


def phases(series: Series) -> list[tuple[str, dict[str, MetricSeries]]]:
    """``("validation", ...)`` then ``("training", ...)``: each phase's :func:`phase_metrics`."""
    return [(name, phase_metrics(series, validation)) for name, validation in PHASES]


def epoch_numbers(indices: Sequence[int] | np.ndarray) -> list[int]:
    """0-based positions -> the 1-based epoch numbers people read in logs."""
    return [int(i) + 1 for i in indices]
