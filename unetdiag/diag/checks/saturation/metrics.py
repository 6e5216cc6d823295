"""Metric names and series: which history keys are judged, what kind each one is.

A history (Keras ``History.history``, a parsed log) maps names to one value per epoch. The
kind of a metric is read from its name alone; bookkeeping keys (learning rate, timings, the
epoch numbers) are never judged. ``None`` marks an epoch whose value was not logged, which is
never taken for NaN. An optional ``"epoch"`` list gives the epochs' numbers as the log counts
them (a pasted excerpt may start at epoch 96); findings quote those numbers.

>>> [metric_kind(m) for m in ("val_dice_coef", "dice_loss", "binary_io_u", "val_acc", "lr",
...                          "val_top_k_categorical_accuracy", "top1_accuracy",
...                          "val_TopKCategoricalAccuracy", "top-5-accuracy", "val_bce_dice")]
['dice', 'loss', 'iou', 'accuracy', 'bookkeeping', 'other', 'accuracy', 'other', 'other', 'loss']
>>> series = metric_series({"val_dice": [0.5, None, 0.7], "lr": [1e-3] * 3, "epoch": [8, 9, 10]})
>>> list(series), series["val_dice"].last_finite(), series["val_dice"].epoch(2)
(['val_dice'], (2, 0.7), 10)
>>> multiclass_metrics(["loss", "sparse_categorical_accuracy"]), is_class_mean("mean_io_u_5")
(['sparse_categorical_accuracy'], True)
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

VALIDATION_PREFIX = "val_"
#: Optional history key: each epoch's number as the log counts them (default 1, 2, 3...).
EPOCH_KEY = "epoch"
#: History keys that hold the learning rate of each epoch (CSVLogger, ``lr:`` in a summary).
LEARNING_RATE_KEYS = ("lr", "learning_rate")
#: Optional history keys read by :func:`unetdiag.diag.checks.saturation.check_across_runs`:
#: seconds per training step and steps per epoch, one value (or ``None``) per epoch.
STEP_SECONDS_KEY = "step_seconds"
STEPS_PER_EPOCH_KEY = "steps_per_epoch"
#: History keys that are bookkeeping, never judged as metrics.
NON_METRIC_KEYS = frozenset({EPOCH_KEY, *LEARNING_RATE_KEYS, STEP_SECONDS_KEY,
                             STEPS_PER_EPOCH_KEY, "batch_size", "time", "epoch_seconds",
                             "step"})
#: Kinds whose values lie in [0, 1] for labels and predictions in [0, 1].
SCORE_KINDS = ("accuracy", "dice", "iou")
#: The two phases of a run, most telling first, with whether their names carry ``val_``.
PHASES = (("validation", True), ("training", False))
# Names that only a multi-class (softmax) model logs.
_MULTICLASS_WORDS = ("categorical", "softmax")
# A score averaged over classes (background included) is not the foreground class's score.
_CLASS_MEAN_RE = re.compile(r"(?:^|_)(?:mean_?io_?u|miou|mean_?dice|m?iou_avg|avg_iou|"
                            r"dice_avg|avg_dice)(?:_\d+)?$", re.IGNORECASE)
# A top-k accuracy counts a sample right when its class is among the k likeliest: 1 whenever
# k reaches the number of classes, and bounded by none of a plain accuracy's algebra (a top-1
# accuracy is the plain one).
_TOP_K_RE = re.compile(r"(?:^|[_-])top[_-]?(?:k|[2-9]|[1-9]\d+)(?:[_-]|$)", re.IGNORECASE)
# A loss that sums a cross-entropy (or focal, Tversky, Lovasz) term and a Dice or IoU one,
# logged under its function's name as a metric (``bce_dice``: BCE + 1 - Dice, above 1 often).
_SUM_LOSS_RE = re.compile(r"(?:^|_)(?:w?bce|ce|(?:binary_|categorical_)?crossentropy|focal|"
                          r"lovasz|tversky)(?:_|$)")
# Keras 3's class names and their like (``TopKCategoricalAccuracy``, ``Top5Accuracy``).
_CAMEL_TOP_K_RE = re.compile(r"(?:^|[_-])Top(?:K|[2-9]|[1-9]\d+)[A-Z]")


def is_validation(metric: str) -> bool:
    return metric.startswith(VALIDATION_PREFIX)


def validation_first(metrics: Iterable[str]) -> str:
    """The first validation metric of ``metrics``, else the first one (never empty)."""
    names = list(metrics)
    return next((name for name in names if is_validation(name)), names[0])


def base_name(metric: str) -> str:
    """The name without its ``val_`` prefix."""
    return metric[len(VALIDATION_PREFIX):] if is_validation(metric) else metric


def is_top_k(metric: str) -> bool:
    """A top-k accuracy (``top_k_categorical_accuracy``, ``val_top5_acc``), k above 1."""
    base = base_name(metric)
    return bool(_TOP_K_RE.search(base) or _CAMEL_TOP_K_RE.search(base))


# A loss only a classifier or a segmenter computes (a regressor's is mse, mae, huber...).
_CLASSIFIER_LOSS_RE = re.compile(r"dice|jaccard|iou|io_u|bce|crossentropy|focal|tversky",
                                 re.IGNORECASE)


def names_a_score(metric: str) -> bool:
    """An accuracy, Dice or IoU, a top-k accuracy, or a loss named after one or after a
    cross-entropy (``dice_loss``, ``bce``): a classifier's or a segmenter's, no regressor's."""
    kind = metric_kind(metric)
    return (kind in SCORE_KINDS or is_top_k(metric)
            or kind == "loss" and bool(_CLASSIFIER_LOSS_RE.search(metric)))


def is_class_mean(metric: str) -> bool:
    """A score averaged over classes (``mean_io_u``, ``iou_avg``), background included."""
    return bool(_CLASS_MEAN_RE.search(base_name(metric)))


def multiclass_metrics(names: Sequence[str]) -> list[str]:
    """The metrics whose names say the model is multi-class (categorical, softmax)."""
    return [name for name in names if any(word in name.lower() for word in _MULTICLASS_WORDS)]


def learning_rates(history: Mapping[str, Sequence[float | None]]) -> list[float | None] | None:
    """The learning rate of each epoch, when the history holds it."""
    for key in LEARNING_RATE_KEYS:
        if key in history and not isinstance(history[key], (str, bytes)):
            return [None if value is None else float(value) for value in history[key]]
    return None


def metric_kind(metric: str) -> str:
    """``"loss"``, ``"dice"``, ``"iou"``, ``"accuracy"``, ``"bookkeeping"`` or ``"other"``."""
    base = base_name(metric).lower()
    if base in NON_METRIC_KEYS:
        return "bookkeeping"
    if base.endswith("_percent"):  # a score a loop printed in percent (custom_loop.py): no
        return "other"  # fraction, kept out of every check that reads one
    if ("loss" in base or base in ("bce", "binary_crossentropy", "crossentropy")
            or _SUM_LOSS_RE.search(base) and re.search(r"dice|iou|io_u|jaccard", base)):
        return "loss"
    if "distance" in base:  # jaccard_distance = 1 - IoU: lower is better, 0 is perfect
        return "other"
    if "dice" in base or re.search(r"(?:^|_)f1(?:[-_]?score)?(?:$|_)|fscore", base):
        return "dice"  # F1 of a binary mask is its Dice
    if "iou" in base or "io_u" in base or "jaccard" in base:
        return "iou"
    if is_top_k(metric):  # its case: Keras 3's TopKCategoricalAccuracy
        return "other"
    if base in ("acc", "accuracy") or base.endswith(("accuracy", "_acc")):
        return "accuracy"
    return "other"


@dataclass(frozen=True)
class MetricSeries:
    """One metric over the epochs of a run."""

    name: str
    values: np.ndarray  # float64; NaN where not logged
    logged: np.ndarray  # bool
    numbers: np.ndarray  # int: each epoch's number as the log counts them

    @property
    def finite(self) -> np.ndarray:
        return self.logged & np.isfinite(self.values)

    def last_finite(self) -> tuple[int, float] | None:
        """(0-based epoch, value) of the last finite value."""
        indices = np.flatnonzero(self.finite)
        return (int(indices[-1]), float(self.values[indices[-1]])) if indices.size else None

    def epoch(self, index: int) -> int:
        """The epoch number (as the log counts them) at a 0-based position."""
        return int(self.numbers[index])

    def epochs_at(self, indices: Sequence[int] | np.ndarray) -> list[int]:
        """The epoch numbers at 0-based positions."""
        return [int(self.numbers[i]) for i in indices]

    def value_at(self, epoch: int) -> float | None:
        """The value at a 0-based epoch, ``None`` where it is not finite."""
        return float(self.values[epoch]) if self.finite[epoch] else None


Series = Mapping[str, MetricSeries]


def metric_series(history: Mapping[str, Sequence[float | None]]) -> dict[str, MetricSeries]:
    """Judgeable metrics of a history; ``None`` entries are "not logged" (never NaN)."""
    result = {}
    given = history.get(EPOCH_KEY)
    for name, values in history.items():
        if metric_kind(name) == "bookkeeping" or isinstance(values, (str, bytes)):
            continue
        raw = list(values)
        logged = np.array([v is not None for v in raw], dtype=bool)
        values_array = np.array([math.nan if v is None else float(v) for v in raw],
                                dtype=np.float64)
        if logged.any():
            result[name] = MetricSeries(name, values_array, logged,
                                        _epoch_numbers(given, len(raw)))
    return result


def _epoch_numbers(given: Sequence[float | None] | None, length: int) -> np.ndarray:
    """The history's epoch numbers when it gives one per epoch, else 1, 2, 3..."""
    if given is not None and len(given) >= length and all(v is not None for v in given):
        return np.array([int(v) for v in list(given)[:length]], dtype=np.int64)
    return np.arange(1, length + 1, dtype=np.int64)


def loss_first(names: Iterable[str]) -> list[str]:
    """``names`` in their order, but ``loss`` / ``val_loss`` first: the loss the model
    minimises comes before any other name holding "loss" (a ``PSNRLoss`` metric)."""
    return sorted(names, key=lambda name: base_name(name) != "loss")


def phase_metrics(series: Series, validation: bool) -> dict[str, MetricSeries]:
    """The first metric of each kind in one phase: ``{"accuracy": ..., "dice": ...}``; a
    score averaged over classes (:func:`is_class_mean`) is never the phase's Dice or IoU, and
    the metric named ``loss`` is the phase's loss before any other name holding "loss" (a
    ``PSNRLoss`` metric is not what the model minimises)."""
    chosen: dict[str, MetricSeries] = {}
    for name in loss_first(series):
        item = series[name]
        if is_validation(name) == validation and not is_class_mean(name):
            chosen.setdefault(metric_kind(name), item)
    return chosen


def phases(series: Series) -> list[tuple[str, dict[str, MetricSeries]]]:
    """``("validation", ...)`` then ``("training", ...)``: each phase's :func:`phase_metrics`."""
    return [(name, phase_metrics(series, validation)) for name, validation in PHASES]


def without_broken_epochs(series: Series) -> dict[str, MetricSeries]:
    """``series`` with each phase's scores taken as not logged at the epochs before their
    last value where the phase's loss is NaN or infinite: a Dice of 0 beside a NaN
    validation loss measures no predictions, so no change is measured from it (red team
    s31: "up 0.7800 over its last 3 epochs" from such a 0). The last value stays, so what is
    said of the last epoch stays of it (the non-finite finding names its broken loss)."""
    result = dict(series)
    for _, phase in phases(series):
        loss = phase.get("loss")
        if loss is None:
            continue
        broken = loss.logged & ~np.isfinite(loss.values)
        for name, item in series.items():
            if metric_kind(name) in SCORE_KINDS and is_validation(name) == is_validation(
                    loss.name) and broken.any():
                finite = np.flatnonzero(item.finite)
                length = min(item.logged.size, broken.size,
                             int(finite[-1]) if finite.size else 0)
                logged = item.logged.copy()
                logged[:length] &= ~broken[:length]
                result[name] = replace(item, logged=logged)
    return result
