"""Judgements over metric series: when a run's numbers are arithmetic, not learning.

This is the one module that judges metric series. ``unetdiag explain-log`` calls it on a
parsed log; the trainer's callback calls it with the live ``History`` and with baselines
measured from the data. Everything here is pure NumPy.

Some saturated numbers are fingerprints. For a pooled (whole-set) hard Dice, an accuracy
``a`` and a Dice ``d`` satisfy ``d = 2a/(1+a)`` exactly when no background pixel is predicted
background, i.e. the model predicts foreground everywhere on data whose foreground fraction
is ``a`` (the IoU of that predictor is ``a`` too). The original project logged val_accuracy
0.9950 and val_dice_coef 0.9975 = 2*0.995/1.995: an all-ones predictor on masks that are
99.5 % foreground. A Dice near 0 next to a high accuracy is the all-zeros predictor, with
foreground fraction ``1 - a``. A Dice above 1 or a negative loss means labels above 1.

>>> fingerprint_all_ones(0.9950, dice=0.9975)["foreground_fraction"]
0.995
>>> [f.id for f in check_series("MP_Tr_Dice", {"val_accuracy": [0.995] * 3,
...                                            "val_dice_coef": [0.9975] * 3})]
['saturation.all_ones_predictor', 'saturation.flat_metric']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from unetdiag.diag.core.dice import all_ones_dice
from unetdiag.diag.core.findings import Finding, Severity

ALL_ONES_PREDICTOR = "saturation.all_ones_predictor"
ALL_ZEROS_PREDICTOR = "saturation.all_zeros_predictor"
METRIC_AT_BASELINE = "saturation.metric_at_baseline"
ACCURACY_IS_MAJORITY_CLASS = "saturation.accuracy_is_majority_class"
FLAT_METRIC = "saturation.flat_metric"
IDENTICAL_ACROSS_RUNS = "saturation.identical_across_runs"
DICE_ABOVE_ONE = "saturation.dice_above_one"
DICE_EXCEEDS_ACCURACY_BOUND = "saturation.dice_exceeds_accuracy_bound"
NEGATIVE_LOSS = "saturation.negative_loss"
METRIC_OUT_OF_RANGE = "saturation.metric_out_of_range"
NON_FINITE = "saturation.non_finite"
PREDICTIONS_COLLAPSED = "saturation.predictions_collapsed"
TRAIN_VAL_GAP = "saturation.train_val_gap"
STEP_TIME_OUTLIER = "saturation.step_time_outlier"

#: Finding ids that mean the labels are not in [0, 1].
LABEL_SCALE_IDS = frozenset({DICE_ABOVE_ONE, DICE_EXCEEDS_ACCURACY_BOUND, NEGATIVE_LOSS,
                             METRIC_OUT_OF_RANGE})

VALIDATION_PREFIX = "val_"
#: Optional history keys read by :func:`check_across_runs`: seconds per training step and
#: steps per epoch, one value (or ``None``) per epoch.
STEP_SECONDS_KEY = "step_seconds"
STEPS_PER_EPOCH_KEY = "steps_per_epoch"
#: History keys that are bookkeeping, never judged as metrics.
NON_METRIC_KEYS = frozenset({"epoch", "lr", "learning_rate", STEP_SECONDS_KEY,
                             STEPS_PER_EPOCH_KEY, "batch_size", "time", "epoch_seconds"})
#: A binary accuracy below this is worse than predicting the majority class everywhere
#: (which scores max(f, 1 - f) >= 0.5); with a Dice above 1 it points at raw 0-255 labels.
WORSE_THAN_ANY_CONSTANT_ACCURACY = 0.5
#: Keys of ``baselines`` that give a foreground fraction instead of a metric's baseline.
FOREGROUND_FRACTION_KEY = "foreground_fraction"
VAL_FOREGROUND_FRACTION_KEY = "val_foreground_fraction"


@dataclass(frozen=True)
class SaturationThresholds:
    """Every numerical choice of the saturation checks, named.

    Attributes:
        flat_spread: a series whose last values stay within this of each other is flat (Keras
            prints four decimals, so 1e-4 is "the same number as printed")...
        flat_relative_spread: ...and within this share of their size (so a loss falling from
            3e-5 to 2e-5 is not flat). A score at 1 (perfect, within ``flat_spread``) is never
            called flat or identical: perfect scores agree trivially.
        min_flat_epochs: how many final epochs must be flat before it is reported.
        min_identical_epochs: common epochs two runs need before "identical" is claimed.
        max_true_negative_share: an (accuracy, Dice) pair matches the all-ones fingerprint
            only if the share of pixels it implies were correctly predicted background is at
            most this (near a = 1 every model's Dice approaches 2a/(1+a); this keeps a good
            model on balanced data from passing for a constant one).
        empty_prediction_dice: a Dice up to this (or ``tolerance``, if larger) counts as the
            0 of an empty prediction: a smoothed Dice scores an empty prediction s/(T+s), at
            most 0.01 with s = 1 on objects of 100 pixels or more.
        range_slack: float error allowed outside [0, 1] before a metric is out of range.
        gap_score: train minus validation Dice/IoU/accuracy above this is a gap.
        gap_loss_ratio: validation loss above this multiple of the training loss is a gap...
        gap_loss_min: ...when it is also at least this much larger.
        majority_headroom_share: an accuracy that closes less than this share of the way
            from the majority-class share to 1 is "barely above the majority class".
        step_time_info_ratio: a run this many times slower per step than the others: info.
        step_time_warning_ratio: ...and this many times slower: warning.
    """

    flat_spread: float = 1e-4
    flat_relative_spread: float = 0.01
    min_flat_epochs: int = 3
    min_identical_epochs: int = 2
    max_true_negative_share: float = 0.05
    empty_prediction_dice: float = 0.01
    range_slack: float = 1e-6
    gap_score: float = 0.10
    gap_loss_ratio: float = 2.0
    gap_loss_min: float = 0.05
    majority_headroom_share: float = 0.5
    step_time_info_ratio: float = 3.0
    step_time_warning_ratio: float = 10.0


DEFAULT_THRESHOLDS = SaturationThresholds()


# --------------------------------------------------------------------------- names


def is_validation(metric: str) -> bool:
    return metric.startswith(VALIDATION_PREFIX)


def metric_kind(metric: str) -> str:
    """``"loss"``, ``"dice"``, ``"iou"``, ``"accuracy"``, ``"bookkeeping"`` or ``"other"``.

    >>> [metric_kind(m) for m in ("val_dice_coef", "dice_loss", "binary_io_u", "val_acc", "lr")]
    ['dice', 'loss', 'iou', 'accuracy', 'bookkeeping']
    """
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


# --------------------------------------------------------------------------- series


@dataclass(frozen=True)
class _Series:
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


def _metric_series(history: Mapping[str, Sequence[float | None]]) -> dict[str, _Series]:
    """Judgeable metrics of a history; ``None`` entries are "not logged" (never NaN)."""
    result = {}
    for name, values in history.items():
        if metric_kind(name) == "bookkeeping" or isinstance(values, (str, bytes)):
            continue
        raw = list(values)
        logged = np.array([v is not None for v in raw], dtype=bool)
        numbers = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
        if logged.any():
            result[name] = _Series(name, numbers, logged)
    return result


def _phase_metrics(series: Mapping[str, _Series], validation: bool) -> dict[str, _Series]:
    """The first metric of each kind in one phase: ``{"accuracy": ..., "dice": ...}``."""
    chosen: dict[str, _Series] = {}
    for name, item in series.items():
        if is_validation(name) == validation:
            chosen.setdefault(metric_kind(name), item)
    return chosen


def _epochs(indices: Sequence[int] | np.ndarray) -> list[int]:
    """0-based positions -> the 1-based epoch numbers people read in logs."""
    return [int(i) + 1 for i in indices]


def join_names(names: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def format_percent(fraction: float) -> str:
    """``0.995`` -> ``"99.5 %"`` (three significant digits)."""
    return f"{100 * fraction:.3g} %"


def _epoch_list(epochs: Sequence[int], total: int) -> str:
    if len(epochs) == total:
        return f"every one of the {total} epochs" if total > 1 else "the only epoch"
    return f"epoch{'s' if len(epochs) > 1 else ''} {', '.join(map(str, epochs))} of {total}"


# --------------------------------------------------------------------------- fingerprints


def _usable(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def fingerprint_all_ones(accuracy: float, dice: float | None = None, iou: float | None = None,
                         tolerance: float = 1e-3, *,
                         thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> dict | None:
    """Do these numbers say "every pixel predicted foreground"? The evidence, or ``None``.

    Predicting foreground everywhere on data with foreground fraction ``f`` scores accuracy
    ``f``, Dice ``2f/(1+f)`` (:func:`unetdiag.diag.core.dice.all_ones_dice`) and IoU ``f``. So the
    accuracy gives ``f`` and the Dice and/or IoU must follow within ``tolerance``. Smoothing
    constants up to 1 move these values by less than 1e-3 on images of 32x32 pixels or more,
    so the same test covers smoothed and unsmoothed Dice; a per-image Dice over masks of very
    different fill can fall below ``2f/(1+f)`` and is then not recognised.

    Returns ``None`` without a Dice or IoU (accuracy alone fits any ``f``), when a value is
    not finite, when the numbers do not fit, or when they cannot tell all-ones from a good
    model (see :attr:`SaturationThresholds.max_true_negative_share`). Otherwise a dict with
    ``foreground_fraction``, the expected values, the residuals (observed - expected) and
    ``true_negative_share`` (the share of pixels implied to be correctly predicted
    background: 0 for all-ones).

    >>> fp = fingerprint_all_ones(0.9950, dice=0.9975)
    >>> round(fp["expected_dice"], 5), round(fp["dice_residual"], 6)
    (0.99749, 6e-06)
    >>> fingerprint_all_ones(0.9950, dice=0.9954) is None   # a soft Dice a little below
    True
    """
    if not _usable(accuracy) or not 0.0 < accuracy < 1.0:
        return None
    if not (_usable(dice) or _usable(iou)):
        return None
    fraction = float(accuracy)
    result: dict = {"predictor": "all_ones", "foreground_fraction": fraction,
                    "accuracy": fraction}
    true_negative_shares = []
    if _usable(dice):
        expected = all_ones_dice(fraction)
        if dice >= 1.0 or expected <= 2 * tolerance:
            return None
        # pooled hard Dice with TN = share of pixels correctly predicted background:
        # d = 2(a - TN) / (1 + a - 2 TN)  =>  TN = (2a - d(1 + a)) / (2(1 - d))
        true_negative_shares.append((2 * fraction - dice * (1 + fraction)) / (2 * (1 - dice)))
        result.update(dice=float(dice), expected_dice=expected,
                      dice_residual=float(dice) - expected, dice_formula="2f/(1+f)")
    if _usable(iou):
        if iou >= 1.0:
            return None
        # IoU = (a - TN) / (1 - TN)  =>  TN = (a - IoU) / (1 - IoU)
        true_negative_shares.append((fraction - iou) / (1 - iou))
        result.update(iou=float(iou), expected_iou=fraction, iou_residual=float(iou) - fraction,
                      iou_formula="f")
    residuals = [abs(result[key]) for key in ("dice_residual", "iou_residual") if key in result]
    true_negative_share = max(true_negative_shares, key=abs)
    if max(residuals) > tolerance or abs(true_negative_share) > thresholds.max_true_negative_share:
        return None
    result["true_negative_share"] = true_negative_share
    return result


def fingerprint_all_zeros(accuracy: float, dice: float | None = None, iou: float | None = None,
                          tolerance: float = 1e-3, *,
                          thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> dict | None:
    """Do these numbers say "no pixel predicted foreground"? The evidence, or ``None``.

    An empty prediction scores Dice 0 and IoU 0 (no true positive) and accuracy ``1 - f``:
    so ``1 - accuracy`` is the foreground fraction (an upper bound if the model also predicts
    a few wrong pixels). With smoothing ``s`` its Dice is ``s/(T+s)`` per image, near 0 for
    objects of more than a few pixels (see
    :attr:`SaturationThresholds.empty_prediction_dice`); but an empty mask predicted empty
    scores 1, so under a smoothed per-image Dice the empty prediction scores the share of
    empty masks, which a log does not show: that form is left to callers who know the data
    (``baselines``).

    >>> round(fingerprint_all_zeros(0.9210, dice=0.0)["foreground_fraction"], 3)
    0.079
    """
    if not _usable(accuracy) or not 0.0 < accuracy < 1.0:
        return None
    if not (_usable(dice) or _usable(iou)):
        return None
    # the all-ones alternative must be told apart: its Dice 2a/(1+a) has to be clearly > 0
    if all_ones_dice(accuracy) <= 2 * tolerance:
        return None
    result: dict = {"predictor": "all_zeros", "foreground_fraction": 1.0 - float(accuracy),
                    "accuracy": float(accuracy)}
    near_zero = max(tolerance, thresholds.empty_prediction_dice)
    for key, value in (("dice", dice), ("iou", iou)):
        if _usable(value):
            if abs(value) > near_zero:
                return None
            result.update({key: float(value), f"expected_{key}": 0.0,
                           f"{key}_residual": float(value)})
    return result


def _fingerprint_phase(phase: Mapping[str, _Series], tolerance: float,
                       thresholds: SaturationThresholds) -> dict | None:
    """The constant predictor a phase's (accuracy, Dice, IoU) sit on at its last epoch."""
    accuracy = phase.get("accuracy")
    if accuracy is None:
        return None
    dice, iou = phase.get("dice"), phase.get("iou")
    finite_epochs = np.flatnonzero(accuracy.finite)
    if not finite_epochs.size:
        return None

    def value(item: _Series | None, epoch: int) -> float | None:
        return None if item is None or not item.finite[epoch] else float(item.values[epoch])

    matches: dict[str, list[int]] = {"all_ones": [], "all_zeros": []}
    last: dict[str, dict] = {}
    for epoch in finite_epochs:
        arguments = (float(accuracy.values[epoch]), value(dice, epoch), value(iou, epoch))
        for predictor, test in (("all_ones", fingerprint_all_ones),
                                ("all_zeros", fingerprint_all_zeros)):
            found = test(*arguments, tolerance=tolerance, thresholds=thresholds)
            if found is not None:
                matches[predictor].append(int(epoch))
                last[predictor] = found
    final = int(finite_epochs[-1])
    hits = [p for p in matches if matches[p] and matches[p][-1] == final]
    if len(hits) != 1:  # none, or both (numbers too small to tell them apart)
        return None
    predictor = hits[0]
    return {**last[predictor], "accuracy_metric": accuracy.name,
            "dice_metric": dice.name if dice is not None and "dice" in last[predictor] else None,
            "iou_metric": iou.name if iou is not None and "iou" in last[predictor] else None,
            "epochs_matched": _epochs(matches[predictor]), "epochs": len(finite_epochs)}


def describe_fingerprint(fingerprint: Mapping) -> str:
    """The numbers a fingerprint matched: ``"val_accuracy 0.9950 and val_dice_coef 0.9975"``."""
    parts = [f"{fingerprint['accuracy_metric']} {fingerprint['accuracy']:.4f}"]
    for kind in ("dice", "iou"):
        if fingerprint.get(f"{kind}_metric"):
            parts.append(f"{fingerprint[f'{kind}_metric']} {fingerprint[kind]:.4f}")
    return join_names(parts)


def all_ones_formula(fraction: float) -> str:
    """``"2*0.995/1.995 = 0.99749"``: the all-ones Dice, spelled out."""
    return f"2*{fraction:.4g}/{1 + fraction:.4g} = {all_ones_dice(fraction):.5f}"


def _fingerprint_finding(run: str, predictor: str, phases: Mapping[str, dict]) -> Finding:
    main_phase = "validation" if "validation" in phases else "training"
    main = phases[main_phase]
    fraction = main["foreground_fraction"]
    matched = _epoch_list(main["epochs_matched"], main["epochs"])
    if predictor == "all_ones":
        title = (f"{run} predicts every pixel as foreground ({main_phase} data: "
                 f"{format_percent(fraction)} foreground)")
        sentences = []
        if main.get("dice_metric"):
            sentences.append(
                f"{main['dice_metric']} {main['dice']:.4f} is exactly what predicting every pixel "
                f"as foreground scores when {format_percent(fraction)} of pixels are foreground: "
                f"Dice = 2f/(1+f) = {all_ones_formula(fraction)}.")
        if main.get("iou_metric"):
            sentences.append(f"{main['iou_metric']} {main['iou']:.4f} is that predictor's IoU, "
                             f"which equals f.")
        sentences.append(
            f"{main['accuracy_metric']} {main['accuracy']:.4f} is f itself: every foreground "
            "pixel right, every background pixel wrong.")
        if fraction >= 0.5:  # foreground is the majority: suspect the masks first
            fix = ("Look at the masks before the model: a data set that is "
                   f"{format_percent(fraction)} foreground is rarely what was meant (a mask "
                   "that is the image itself, binarised with > 0, looks like this); `unetdiag "
                   "audit-data` shows every mask's foreground fraction. If the masks are right, "
                   "judge the model by the Dice of the background class, not by accuracy.")
        else:
            fix = ("The model collapsed to all-foreground: check that images and masks are "
                   "paired correctly, that the mask polarity is right (foreground bright), and "
                   "lower the learning rate if the output saturated in the first epoch.")
    else:
        title = (f"{run} predicts no foreground at all ({main_phase} data: "
                 f"{format_percent(fraction)} foreground)")
        sentences = [
            f"{describe_fingerprint(main)}: an empty prediction scores Dice 0 and IoU 0 and "
            f"an accuracy equal to the share of background, so these are the numbers of a model "
            f"that predicts background everywhere on data that is {format_percent(fraction)} "
            f"foreground (f = 1 - {main['accuracy']:.4f})."]
        fix = ("Predicting nothing is the cheapest answer when foreground is rare: train with a "
               "Dice or focal loss (or weight the foreground in BCE), check that the masks are "
               "not inverted (foreground dark) and that images and masks are paired correctly.")
    sentences.append(f"The numbers fit at {matched}.")
    other = "training" if main_phase == "validation" else None
    if other and other in phases:
        sentences.append(
            f"The training numbers fit too ({describe_fingerprint(phases[other])}: "
            f"f = {phases[other]['foreground_fraction']:.4g}).")
    sentences.append("The scores measure the masks, not the model.")
    return Finding(
        id=ALL_ONES_PREDICTOR if predictor == "all_ones" else ALL_ZEROS_PREDICTOR,
        severity=Severity.ERROR if main_phase == "validation" else Severity.WARNING,
        title=title, explanation=" ".join(sentences), fix=fix,
        evidence={"run": run, "predictor": predictor, "foreground_fraction": fraction,
                  "phases": dict(phases)},
        source=run)


# --------------------------------------------------------------------------- per run


def _non_finite(run: str, series: Mapping[str, _Series]) -> list[Finding]:
    first_bad: dict[str, int] = {}
    recovered: list[str] = []
    for name, item in series.items():
        bad = np.flatnonzero(item.logged & ~np.isfinite(item.values))
        if bad.size:
            first_bad[name] = int(bad[0])
            if np.any(item.finite[bad[0]:]):
                recovered.append(name)
    if not first_bad:
        return []
    onset = min(first_bad.values())
    at_onset = [name for name, epoch in first_bad.items() if epoch == onset]
    total = max(item.values.size for item in series.values())
    kinds = {("NaN" if math.isnan(series[n].values[first_bad[n]]) else "infinite")
             for n in first_bad}
    word = "NaN" if kinds == {"NaN"} else "non-finite"
    last_finite = {name: float(series[name].values[onset - 1]) for name in series
                   if onset > 0 and series[name].finite[onset - 1]}
    when = "from the very first epoch" if onset == 0 else f"from epoch {onset + 1} of {total}"
    explanation = (
        f"{join_names(at_onset)} {'is' if len(at_onset) == 1 else 'are'} {word} {when}"
        + (f" (later also {join_names(sorted(set(first_bad) - set(at_onset)))})"
           if len(first_bad) > len(at_onset) else "")
        + ". Keras shows the running mean of each epoch, so a single bad batch turns the whole "
        "epoch's number into NaN; once the weights are NaN, every later number is too"
        + (f" ({join_names(recovered)} came back, so the weights survived)" if recovered else "")
        + ". Usual causes: labels outside [0, 1] (0/255 masks) driving the loss to diverge, a "
        "log(0) or 0/0 in a hand-written loss or a Dice without a smoothing term, float16 "
        "overflow, or corrupt input images.")
    return [Finding(
        id=NON_FINITE, severity=Severity.ERROR,
        title=f"{run}: {join_names(at_onset)} became {word} at epoch {onset + 1}",
        explanation=explanation,
        fix=("Check the masks' values first (`unetdiag audit-data`); then give every Dice a "
             "smoothing term, compute losses in float32 and lower the learning rate. "
             "`unetdiag train` stops at the first non-finite gradient and names the batch."),
        evidence={"run": run, "onset_epoch": onset + 1, "metrics_at_onset": at_onset,
                  "first_non_finite_epoch": {n: e + 1 for n, e in first_bad.items()},
                  "last_finite_before_onset": last_finite, "recovered": recovered,
                  "epochs": total},
        source=run)]


def _extreme(item: _Series, above: bool) -> tuple[float, int]:
    """(most extreme finite value, its first 1-based epoch)."""
    values = np.where(item.finite, item.values, -np.inf if above else np.inf)
    index = int(np.argmax(values) if above else np.argmin(values))
    return float(item.values[index]), index + 1


def _label_scale(run: str, series: Mapping[str, _Series], tolerance: float,
                 thresholds: SaturationThresholds) -> list[Finding]:
    slack = thresholds.range_slack
    findings = []
    above: dict[str, dict] = {}
    negative: dict[str, dict] = {}
    out_of_range: dict[str, dict] = {}
    for name, item in series.items():
        kind = metric_kind(name)
        finite = item.values[item.finite]
        if not finite.size:
            continue
        if kind == "dice" and finite.max() > 1 + slack:
            value, epoch = _extreme(item, above=True)
            above[name] = {"max": value, "first_epoch_of_max": epoch,
                           "first_epoch_above_one": int(np.flatnonzero(
                               item.finite & (item.values > 1 + slack))[0]) + 1}
        elif kind in ("dice", "iou", "accuracy") and (finite.min() < -slack
                                                        or finite.max() > 1 + slack):
            out_of_range[name] = {"min": float(finite.min()), "max": float(finite.max())}
        elif kind == "loss" and finite.min() < -slack and not _is_negated_score(
                name, item, series, tolerance):
            value, epoch = _extreme(item, above=False)
            negative[name] = {"min": value, "epoch_of_min": epoch,
                              "first_negative_epoch": int(np.flatnonzero(
                                  item.finite & (item.values < -slack))[0]) + 1}
    accuracies = {name: item.last_finite()[1] for name, item in series.items()
                  if metric_kind(name) == "accuracy" and item.last_finite() is not None}
    low_accuracy = {n: v for n, v in accuracies.items()
                    if v < WORSE_THAN_ANY_CONSTANT_ACCURACY}
    if above:
        worst_name = max(above, key=lambda n: above[n]["max"])
        worst = above[worst_name]["max"]
        mean_label = worst / (2 - worst) if worst < 2 else math.inf
        explanation = (
            f"{worst_name} reaches {worst:.4f}. With labels and predictions in [0, 1] a Dice "
            "cannot exceed 1 (2*sum(t*p) <= sum(t) + sum(p)), so the labels are larger than 1: "
            "almost always masks stored as 0/255 (8-bit PNG or JPEG) that were never divided "
            "by 255, or grayscale masks that were never thresholded. Predicting 1 everywhere "
            "scores 2m/(1+m), where m is the mean label value; "
            f"{worst:.4f} gives m = {mean_label:.3g}, a 0-255 scale.")
        if low_accuracy:
            name, value = next(iter(low_accuracy.items()))
            explanation += (
                f" {name} {value:.4f} fits too: binary accuracy compares the thresholded "
                "prediction (0 or 1) with the raw label, and a label of 255 never equals 1.")
        findings.append(Finding(
            id=DICE_ABOVE_ONE, severity=Severity.ERROR,
            title=f"{run}: {worst_name} reaches {worst:.4f}, so the masks are not in [0, 1] "
                  "(labels 0/255?)",
            explanation=explanation,
            fix=("Map every mask to {0, 1} before training, e.g. mask = (mask > 127) for 8-bit "
                 "masks; `unetdiag audit-data` lists each mask's values. unetdiag's MaskPolicy "
                 "does this and records the threshold it used."),
            evidence={"run": run, "metrics": above, "mean_label_if_all_ones": mean_label,
                      "final_accuracy": accuracies},
            source=run))
    if negative:
        worst_name = min(negative, key=lambda n: negative[n]["min"])
        worst = negative[worst_name]["min"]
        findings.append(Finding(
            id=NEGATIVE_LOSS, severity=Severity.ERROR,
            title=f"{run}: {worst_name} goes negative ({worst:.4g}): labels above 1",
            explanation=(
                f"{join_names(sorted(negative))} "
                f"{'falls' if len(negative) == 1 else 'fall'} below 0 "
                f"(lowest {worst:.4g} at epoch {negative[worst_name]['epoch_of_min']}). Binary "
                "cross-entropy is never negative for labels in [0, 1], and a Dice loss 1 - Dice "
                "is negative only when the Dice exceeds 1. A negative loss means labels above "
                "1 (masks on a 0-255 scale): the loss can fall without bound and the gradients "
                "are hundreds of times too large."),
            fix=("Map every mask to {0, 1} before training (threshold 8-bit masks at 127); "
                 "if the loss is meant to be negative (e.g. loss = -Dice), log the Dice too so "
                 "this check can see it."),
            evidence={"run": run, "metrics": negative}, source=run))
    if out_of_range:
        findings.append(Finding(
            id=METRIC_OUT_OF_RANGE, severity=Severity.ERROR,
            title=f"{run}: {join_names(sorted(out_of_range))} outside [0, 1]",
            explanation=(
                "Accuracy, Dice and IoU of binary masks lie in [0, 1]. Values outside mean "
                "the labels or the predictions are not in [0, 1] (masks on a 0-255 scale, or a "
                "metric fed logits instead of probabilities), or a custom metric is wrong."),
            fix=("Map masks to {0, 1}, give metrics the sigmoid output, and test a custom "
                 "metric on a hand-computed example."),
            evidence={"run": run, "metrics": out_of_range}, source=run))
    return findings


def max_soft_dice(accuracy: float) -> float:
    """The highest soft Dice any prediction can score at this pixel accuracy, labels in [0, 1].

    Accuracy thresholds the prediction at 0.5; a soft Dice uses the probabilities. The best
    case predicts 1 on every pixel counted right (all foreground) and 0.5 on every pixel
    counted wrong (all foreground too), giving ``2(1+a)/(3+a)``; a hard Dice is bounded by
    the lower ``2a/(1+a)``. The bound is concave in ``a``, so it holds for epoch means too.

    >>> round(max_soft_dice(0.24), 4)
    0.7654
    """
    return 2.0 * (1.0 + accuracy) / (3.0 + accuracy)


def _dice_accuracy_bound(run: str, series: Mapping[str, _Series], tolerance: float,
                         thresholds: SaturationThresholds) -> list[Finding]:
    phases: dict[str, dict] = {}
    for phase_name, validation in (("validation", True), ("training", False)):
        phase = _phase_metrics(series, validation)
        accuracy, dice = phase.get("accuracy"), phase.get("dice")
        if accuracy is None or dice is None:
            continue
        both = accuracy.finite & dice.finite & (dice.values <= 1 + thresholds.range_slack)
        bound = max_soft_dice(accuracy.values)
        excess = np.where(both, dice.values - bound, -np.inf)
        if not both.any() or excess.max() <= tolerance:
            continue
        worst = int(np.argmax(excess))
        phases[phase_name] = {
            "dice_metric": dice.name, "accuracy_metric": accuracy.name, "epoch": worst + 1,
            "dice": float(dice.values[worst]), "accuracy": float(accuracy.values[worst]),
            "max_dice": float(bound[worst]),
            "epochs_above_bound": _epochs(np.flatnonzero(both & (dice.values - bound
                                                                 > tolerance)))}
    if not phases:
        return []
    main = next(iter(phases.values()))
    d, a, b = main["dice"], main["accuracy"], main["max_dice"]
    return [Finding(
        id=DICE_EXCEEDS_ACCURACY_BOUND, severity=Severity.ERROR,
        title=f"{run}: {main['dice_metric']} {d:.4f} is impossible next to "
              f"{main['accuracy_metric']} {a:.4f} with labels in [0, 1]",
        explanation=(
            f"At epoch {main['epoch']}, {main['dice_metric']} is {d:.4f} while "
            f"{main['accuracy_metric']} is {a:.4f}. With labels in [0, 1], a prediction that "
            "gets only that share of pixels right (thresholded at 0.5) scores a Dice of at most "
            f"2(1+a)/(3+a) = {b:.4f}, even if every wrong pixel sits at 0.5. A higher Dice "
            "means the labels are larger than 1 (masks on a 0-255 scale, whose pixels a "
            "thresholded prediction never matches), or the two metrics see different labels."
            + (" The training numbers break the bound too." if len(phases) == 2 else "")),
        fix=("Map every mask to {0, 1} before training (threshold 8-bit masks at 127); "
             "`unetdiag audit-data` lists each mask's values."),
        evidence={"run": run, **main, "phases": phases},
        source=run)]


def _is_negated_score(name: str, loss: _Series, series: Mapping[str, _Series],
                      tolerance: float) -> bool:
    """A loss defined as -Dice (negative by design) mirrors a logged Dice in [0, 1]."""
    scores = [s for n, s in series.items() if metric_kind(n) in ("dice", "iou")
              and is_validation(n) == is_validation(name)]
    for score in scores:
        both = loss.finite & score.finite
        if (both.any() and np.all(np.abs(loss.values[both] + score.values[both]) <= tolerance)
                and np.all(score.values[both] <= 1)):
            return True
    return False


def _fingerprints(run: str, series: Mapping[str, _Series], tolerance: float,
                  thresholds: SaturationThresholds) -> list[Finding]:
    found: dict[str, dict[str, dict]] = {}
    for phase_name, validation in (("validation", True), ("training", False)):
        fingerprint = _fingerprint_phase(_phase_metrics(series, validation), tolerance,
                                         thresholds)
        if fingerprint is not None:
            found.setdefault(fingerprint["predictor"], {})[phase_name] = fingerprint
    return [_fingerprint_finding(run, predictor, phases) for predictor, phases in found.items()]


def resolve_baselines(series_names: Sequence[str],
                      baselines: Mapping[str, float] | None) -> dict[str, dict]:
    """``{metric: {"value": baseline, "predictor": ...}}`` for the metrics a caller's
    ``baselines`` cover.

    ``baselines`` maps metric names to the best score a constant predictor gets on the same
    data (accuracy: the majority-class share; Dice: the all-ones Dice; IoU: f). It may
    instead (or also) give ``"foreground_fraction"`` (training data) and/or
    ``"val_foreground_fraction"``: the baselines of every accuracy, Dice and IoU metric of
    that phase then follow from :mod:`unetdiag.diag.core.dice`. Explicit metric names win.
    """
    resolved: dict[str, dict] = {}
    if not baselines:
        return resolved
    for name in series_names:
        validation = is_validation(name)
        fraction = baselines.get(VAL_FOREGROUND_FRACTION_KEY if validation
                                 else FOREGROUND_FRACTION_KEY)
        kind = metric_kind(name)
        if name in baselines:
            resolved[name] = {"value": float(baselines[name]), "predictor": "given"}
        elif fraction is not None and kind == "accuracy":
            majority = "all_ones" if fraction >= 0.5 else "all_zeros"
            resolved[name] = {"value": max(fraction, 1 - fraction), "predictor": majority,
                              "foreground_fraction": fraction}
        elif fraction is not None and kind == "dice":
            resolved[name] = {"value": all_ones_dice(fraction), "predictor": "all_ones",
                              "foreground_fraction": fraction}
        elif fraction is not None and kind == "iou":
            resolved[name] = {"value": float(fraction), "predictor": "all_ones",
                              "foreground_fraction": fraction}
    return resolved


def _at_baselines(run: str, series: Mapping[str, _Series], baselines: Mapping[str, float],
                  tolerance: float, thresholds: SaturationThresholds) -> list[Finding]:
    findings = []
    at_baseline: dict[str, dict] = {}
    near_majority: dict[str, dict] = {}
    for name, baseline in resolve_baselines(list(series), baselines).items():
        item = series[name]
        last = item.last_finite()
        if last is None:
            continue
        epoch, value = last
        on = np.flatnonzero(item.finite & (np.abs(item.values - baseline["value"]) <= tolerance))
        if abs(value - baseline["value"]) <= tolerance:
            at_baseline[name] = {"value": value, "baseline": baseline["value"],
                                 "residual": value - baseline["value"],
                                 "predictor": baseline["predictor"],
                                 "epochs_at_baseline": _epochs(on),
                                 "epochs": int(item.finite.sum())}
        elif metric_kind(name) == "accuracy" and value > baseline["value"]:
            headroom = 1.0 - baseline["value"]
            share = (value - baseline["value"]) / headroom if headroom > 0 else 1.0
            if share < thresholds.majority_headroom_share:
                near_majority[name] = {"value": value, "majority_share": baseline["value"],
                                       "share_of_headroom_closed": share}
    if at_baseline:
        validation = any(is_validation(n) for n in at_baseline)
        details = "; ".join(
            f"{n} {d['value']:.4f} vs {d['baseline']:.4f} at "
            f"{_epoch_list(d['epochs_at_baseline'], d['epochs'])}"
            for n, d in at_baseline.items())
        findings.append(Finding(
            id=METRIC_AT_BASELINE, severity=Severity.ERROR if validation else Severity.WARNING,
            title=(f"{run}: {join_names(list(at_baseline))} "
                   f"{'sits' if len(at_baseline) == 1 else 'sit'} at the score of a constant "
                   "predictor"),
            explanation=(
                f"{details}. The baseline is what predicting one class everywhere scores on "
                "the same data, measured from its masks; a model at the baseline has learnt "
                "nothing the metric can see."),
            fix=("Check the masks' foreground fraction (`unetdiag audit-data`); if it is "
                 "extreme, train with a Dice loss or class weights and judge by foreground Dice."),
            evidence={"run": run, "metrics": at_baseline, "tolerance": tolerance}, source=run))
    if near_majority:
        name, data = next(iter(near_majority.items()))
        others = [f"{n} {d['value']:.4f} vs {d['majority_share']:.4f}"
                  for n, d in near_majority.items() if n != name]
        findings.append(Finding(
            id=ACCURACY_IS_MAJORITY_CLASS, severity=Severity.WARNING,
            title=f"{run}: {name} {data['value']:.4f} is barely above the "
                  f"{data['majority_share']:.4f} of predicting the majority class",
            explanation=(
                f"{format_percent(data['majority_share'])} of pixels belong to one class, so "
                f"predicting that class everywhere scores {data['majority_share']:.4f}. "
                f"{data['value']:.4f} closes only {data['share_of_headroom_closed']:.0%} of the "
                "gap from there to 1: pixel accuracy says little about this model."
                + (f" Likewise: {'; '.join(others)}." if others else "")),
            fix="Judge the model by the Dice or IoU of the foreground class, not by accuracy.",
            evidence={"run": run, "metric": name, **data, "metrics": near_majority},
            source=run))
    return findings


def _flat_tail(item: _Series, thresholds: SaturationThresholds) -> int:
    """How many final epochs stay flat (see :class:`SaturationThresholds`); 0 for a perfect
    score, which cannot move."""
    values = item.values
    last = item.last_finite()
    if (last is None or metric_kind(item.name) in ("accuracy", "dice", "iou")
            and last[1] >= 1 - thresholds.flat_spread):
        return 0
    count, low, high = 0, math.inf, -math.inf
    for index in range(values.size - 1, -1, -1):
        if not item.finite[index]:
            break
        low, high = min(low, values[index]), max(high, values[index])
        allowed = min(thresholds.flat_spread,
                      thresholds.flat_relative_spread * max(abs(low), abs(high)))
        if high - low > allowed + 1e-12:
            break
        count += 1
    return count


def _flat(run: str, series: Mapping[str, _Series],
          thresholds: SaturationThresholds) -> list[Finding]:
    flat: dict[str, dict] = {}
    for name, item in series.items():
        epochs = item.values.size
        tail = _flat_tail(item, thresholds)
        if tail >= thresholds.min_flat_epochs:
            flat[name] = {"value": float(item.values[-1]), "flat_epochs": tail,
                          "from_epoch": epochs - tail + 1, "epochs": epochs}
    if not flat:
        return []
    never = [n for n, d in flat.items() if d["flat_epochs"] == d["epochs"]]
    later = [n for n in flat if n not in never]
    validation = [n for n in flat if is_validation(n)]
    parts = []
    if never:
        parts.append(f"{join_names(never)} never moved over {flat[never[0]]['epochs']} epochs")
    by_start: dict[int, list[str]] = {}
    for name in later:
        by_start.setdefault(flat[name]["from_epoch"] - 1, []).append(name)
    parts += [f"{join_names(names)} stopped moving after epoch {epoch}"
              for epoch, names in by_start.items()]
    details = "; ".join(
        f"{n} {d['value']:.4f} at "
        + _epoch_list(range(d["from_epoch"], d["epochs"] + 1), d["epochs"])
        for n, d in flat.items())
    return [Finding(
        id=FLAT_METRIC, severity=Severity.WARNING if validation else Severity.INFO,
        title=f"{run}: " + "; ".join(parts),
        explanation=(
            f"{details} (constant to within {thresholds.flat_spread:g}). "
            + ("A validation metric that does not change from epoch to epoch means the "
               "model's predictions on the validation set do not change in any way the metric "
               "can see: typically a model that predicts the same class everywhere, or one "
               "that stopped learning. " if validation else
               "The training metrics reached a plateau. ")
            + "Compare the value with what a constant prediction scores on the same data."),
        fix=("Compare against the trivial baselines (`unetdiag audit-data`); if the model is "
             "at one, fix the data or the loss, not the number of epochs."),
        evidence={"run": run, "metrics": flat, "spread": thresholds.flat_spread}, source=run)]


def _train_val_gap(run: str, series: Mapping[str, _Series],
                   thresholds: SaturationThresholds) -> list[Finding]:
    gaps: dict[str, dict] = {}
    severity = Severity.INFO
    sentences = []
    for name, item in series.items():
        partner = series.get(VALIDATION_PREFIX + name)
        kind = metric_kind(name)
        if is_validation(name) or partner is None or kind in ("other", "bookkeeping"):
            continue
        train_last, val_last = item.last_finite(), partner.last_finite()
        if train_last is None or val_last is None:
            continue
        train, val = train_last[1], val_last[1]
        if kind == "loss":
            if val > thresholds.gap_loss_ratio * train and val - train >= thresholds.gap_loss_min:
                gaps[name] = {"train": train, "validation": val, "ratio": val / max(train, 1e-12)}
                severity = Severity.WARNING
                sentences.append(f"{partner.name} {val:.4g} is {val / max(train, 1e-12):.1f}x "
                                 f"{name} {train:.4g}")
        elif train - val > thresholds.gap_score:
            gaps[name] = {"train": train, "validation": val, "gap": train - val}
            severity = Severity.WARNING
            sentences.append(f"{name} {train:.4f} vs {partner.name} {val:.4f}")
        elif val - train > thresholds.gap_score:
            gaps[name] = {"train": train, "validation": val, "gap": train - val}
            sentences.append(f"{partner.name} {val:.4f} is above {name} {train:.4f}")
    if not gaps:
        return []
    overfit = severity is Severity.WARNING
    return [Finding(
        id=TRAIN_VAL_GAP, severity=severity,
        title=f"{run}: " + ("training and validation disagree at the last epoch" if overfit
                            else "validation scores above training"),
        explanation=(
            "; ".join(sentences) + ". "
            + ("Training numbers well above validation ones mean the model fits the training "
               "images better than unseen ones (overfitting), or the two sets differ." if overfit
               else "Validation above training happens with strong augmentation or dropout at "
               "training time, but also when the validation set is easier or trivial (e.g. "
               "mostly empty or mostly full masks).")),
        fix=("Check that training and validation come from the same distribution; use more "
             "data or augmentation, or stop earlier." if overfit else
             "Compare both sets' foreground fractions (`unetdiag audit-data`)."),
        evidence={"run": run, "metrics": gaps}, source=run)]


def check_series(run: str, history: Mapping[str, Sequence[float]],
                 baselines: Mapping[str, float] | None = None, tolerance: float = 1e-3, *,
                 thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Judge one run's metric series (a Keras ``History.history``-like mapping).

    Args:
        run: the run's name (used in titles, evidence and ``source``).
        history: metric name -> one value per epoch. ``None`` marks an epoch whose value was
            not logged (it is skipped, never taken for NaN). Keys in :data:`NON_METRIC_KEYS`
            (``lr``, ``step_seconds``...) are ignored.
        baselines: what a trivial predictor scores on the same data, when the caller knows
            it (see :func:`resolve_baselines`); without it the constant predictors are
            inferred from the fingerprints alone.
        tolerance: how close a value must be to a formula or a baseline to match it.
        thresholds: the other numerical choices.

    Returns findings among ``saturation.non_finite``, ``saturation.dice_above_one``,
    ``saturation.dice_exceeds_accuracy_bound``,
    ``saturation.negative_loss``, ``saturation.metric_out_of_range``,
    ``saturation.all_ones_predictor``, ``saturation.all_zeros_predictor``,
    ``saturation.metric_at_baseline``, ``saturation.accuracy_is_majority_class``,
    ``saturation.flat_metric`` and ``saturation.train_val_gap``.
    """
    series = _metric_series(history)
    findings = _non_finite(run, series)
    findings += _label_scale(run, series, tolerance, thresholds)
    findings += _dice_accuracy_bound(run, series, tolerance, thresholds)
    findings += _fingerprints(run, series, tolerance, thresholds)
    if baselines:
        findings += _at_baselines(run, series, baselines, tolerance, thresholds)
    findings += _flat(run, series, thresholds)
    findings += _train_val_gap(run, series, thresholds)
    return findings


# --------------------------------------------------------------------------- across runs


def _agree(first: _Series, second: _Series, tolerance: float,
           thresholds: SaturationThresholds) -> int:
    """Common epochs on which both are finite and within ``tolerance`` (0: they disagree)."""
    length = min(first.values.size, second.values.size)
    both = first.finite[:length] & second.finite[:length]
    if both.sum() < thresholds.min_identical_epochs:
        return 0
    difference = np.abs(first.values[:length][both] - second.values[:length][both])
    return int(both.sum()) if difference.max() <= tolerance else 0


def _identical(by_run: Mapping[str, Mapping[str, _Series]], tolerance: float,
               thresholds: SaturationThresholds) -> list[Finding]:
    findings = []
    names: dict[str, None] = {}
    for series in by_run.values():
        names.update(dict.fromkeys(n for n in series if is_validation(n)))
    for metric in names:
        runs = [run for run, series in by_run.items() if metric in series]
        unassigned = list(runs)
        while unassigned:
            first = unassigned.pop(0)
            group = [first]
            common = []
            for other in list(unassigned):
                epochs = _agree(by_run[first][metric], by_run[other][metric], tolerance,
                                thresholds)
                if epochs:
                    group.append(other)
                    common.append(epochs)
                    unassigned.remove(other)
            if len(group) < 2:
                continue
            series = [by_run[r][metric] for r in group]
            constant = all(_flat_tail(s, thresholds) == s.values.size for s in series)
            value = series[0].last_finite()[1]
            if metric_kind(metric) in ("accuracy", "dice", "iou") and (
                    value >= 1 - thresholds.flat_spread):
                continue  # perfect scores agree trivially
            everyone = len(group) == len(by_run)
            who = f"all {len(group)} runs" if everyone else join_names(group)
            title = (f"{metric} is {value:.4f} in {who}"
                     + (" at every epoch" if constant else " (identical at every common epoch)"))
            explanation = (
                f"In {join_names(group)}, {metric} agrees to within {tolerance:g} at every one of "
                f"their {min(common)} common epochs"
                + (", and it never changes from one epoch to the next" if constant else "")
                + ". Different models that learn from the images do not produce the same "
                "validation numbers to four decimals: a number that does not depend on the "
                "model is a property of the data, such as what a constant prediction scores "
                "on this validation set.")
            findings.append(Finding(
                id=IDENTICAL_ACROSS_RUNS,
                severity=Severity.ERROR if constant else Severity.WARNING,
                title=title, explanation=explanation,
                fix=("Unless these runs are the same model trained with the same seed, compare "
                     "the value with the trivial baselines of the validation masks "
                     "(`unetdiag audit-data`): the models are not learning from the data."),
                evidence={"metric": metric, "runs": group, "value": value,
                          "values": {r: by_run[r][metric].values.tolist() for r in group},
                          "common_epochs": min(common), "constant_across_epochs": constant,
                          "tolerance": tolerance},
                source=", ".join(group)))
    return findings


def _baseline_from_other_runs(by_run: Mapping[str, Mapping[str, _Series]], tolerance: float,
                              thresholds: SaturationThresholds) -> list[Finding]:
    """A fingerprinted run pins the validation set's foreground fraction; a run whose
    val accuracy equals that constant predictor's accuracy sits on it too."""
    references = {}
    for run, series in by_run.items():
        fingerprint = _fingerprint_phase(_phase_metrics(series, True), tolerance, thresholds)
        if fingerprint is not None:
            references[run] = fingerprint
    findings = []
    if not references:
        return findings
    for run, series in by_run.items():
        if run in references:
            continue
        phase = _phase_metrics(series, True)
        accuracy = phase.get("accuracy")
        if accuracy is None or accuracy.last_finite() is None:
            continue
        value = accuracy.last_finite()[1]
        for reference_run, reference in references.items():
            if accuracy.name != reference["accuracy_metric"] or abs(
                    value - reference["accuracy"]) > tolerance:
                continue
            fraction = reference["foreground_fraction"]
            predictor = reference["predictor"]
            expected_dice = all_ones_dice(fraction) if predictor == "all_ones" else 0.0
            dice = phase.get("dice")
            dice_value = dice.last_finite()[1] if dice is not None and dice.last_finite() else None
            if dice_value is not None and dice_value > expected_dice + tolerance:
                continue  # better than the constant predictor on Dice: not that predictor
            on = np.flatnonzero(accuracy.finite & (np.abs(
                accuracy.values - reference["accuracy"]) <= tolerance))
            total = int(accuracy.finite.sum())
            steady = len(on) >= min(total, thresholds.min_flat_epochs)
            what = ("predicting every pixel as foreground" if predictor == "all_ones"
                    else "predicting no foreground at all")
            explanation = (
                f"{accuracy.name} is {value:.4f} at {_epoch_list(_epochs(on), total)}: exactly "
                f"what {what} scores on this validation data, whose foreground fraction "
                f"{reference_run}'s numbers pin at f = {fraction:.4g} "
                f"({describe_fingerprint(reference)}"
                + (f" = {all_ones_formula(fraction)}" if predictor == "all_ones"
                   and reference.get("dice_metric") else "")
                + f"). Thresholded at 0.5, {run}'s predictions score like that constant "
                "predictor (assuming both runs validate on the same data, as runs in one log "
                "do).")
            if dice_value is not None and predictor == "all_ones":
                explanation += (
                    f" Its {dice.name} {dice_value:.4f} sits just below the all-ones "
                    f"{expected_dice:.4f} because a soft Dice uses the probabilities, which "
                    "stay a little under 1.")
            findings.append(Finding(
                id=METRIC_AT_BASELINE,
                severity=Severity.ERROR if steady else Severity.WARNING,
                title=(f"{run}: {accuracy.name} {value:.4f} is exactly the "
                       f"{'all-ones' if predictor == 'all_ones' else 'all-zeros'} score "
                       f"(foreground fraction {fraction:.4g})"),
                explanation=explanation,
                fix=("Check the validation masks' foreground fraction (`unetdiag audit-data`); "
                     "a model at a constant predictor's score has learnt nothing."),
                evidence={"run": run, "metric": accuracy.name, "value": value,
                          "metrics": {accuracy.name: {
                              "value": value, "baseline": reference["accuracy"],
                              "residual": value - reference["accuracy"],
                              "predictor": predictor, "epochs_at_baseline": _epochs(on),
                              "epochs": total}},
                          "baseline": reference["accuracy"], "predictor": predictor,
                          "foreground_fraction": fraction, "inferred_from": reference_run,
                          "dice_metric": dice.name if dice is not None else None,
                          "dice_value": dice_value, "predictor_dice": expected_dice,
                          "epochs_at_baseline": _epochs(on), "epochs": total},
                source=run))
            break
    return findings


def _median(values: Sequence[float | None]) -> float | None:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.median(finite)) if finite else None


def _step_time_outliers(histories: Mapping[str, Mapping[str, Sequence[float | None]]],
                        thresholds: SaturationThresholds) -> list[Finding]:
    step = {run: _median(h.get(STEP_SECONDS_KEY, ())) for run, h in histories.items()}
    step = {run: value for run, value in step.items() if value}
    steps = {run: _median(h.get(STEPS_PER_EPOCH_KEY, ())) for run, h in histories.items()}
    findings = []
    if len(step) < 2:
        return findings
    for run, seconds in step.items():
        others = {o: v for o, v in step.items() if o != run}
        reference = float(np.median(list(others.values())))
        ratio = seconds / reference
        if ratio < thresholds.step_time_info_ratio:
            continue
        severity = (Severity.WARNING if ratio >= thresholds.step_time_warning_ratio
                    else Severity.INFO)
        run_steps = steps.get(run)
        other_steps = _median([steps.get(o) for o in others])
        explanation = f"{run} took {seconds:g} s per step; the other runs took {reference:g} s."
        evidence = {"run": run, "step_seconds": seconds, "ratio": ratio,
                    "other_runs_step_seconds": others}
        if run_steps and other_steps:
            epoch_ratio = seconds * run_steps / (reference * other_steps)
            evidence.update(steps_per_epoch=run_steps, other_runs_steps_per_epoch=other_steps,
                            epoch_seconds=seconds * run_steps,
                            other_runs_epoch_seconds=reference * other_steps)
            if run_steps != other_steps:
                explanation += (
                    f" It also ran {run_steps:g} steps per epoch instead of {other_steps:g} "
                    f"(smaller batches), so each epoch took {epoch_ratio:.0f}x as long "
                    f"({_duration(seconds * run_steps)} instead of "
                    f"{_duration(reference * other_steps)}). Smaller batches make steps "
                    "cheaper, not dearer.")
        explanation += (" Something outside the model changed between runs: the device (a GPU "
                        "run falling back to the CPU), memory (swapping when every image is "
                        "held in RAM), or the input pipeline (no parallel decoding, caching or "
                        "prefetching).")
        findings.append(Finding(
            id=STEP_TIME_OUTLIER, severity=severity,
            title=f"{run} ran {ratio:.1f}x slower per step than the other runs "
                  f"({seconds:g} s/step vs {reference:g} s/step)",
            explanation=explanation,
            fix=("Compare the device and batch size printed at the start of each run, and the "
                 "machine's memory use while it trains."),
            evidence=evidence, source=run))
    return findings


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def check_across_runs(histories: Mapping[str, Mapping[str, Sequence[float]]],
                      tolerance: float = 1e-3, *,
                      thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Judge several runs together (the variants of one experiment, one log).

    Args:
        histories: run name -> history (as for :func:`check_series`). An optional
            ``"step_seconds"`` list (and ``"steps_per_epoch"``) per run enables the
            step-time comparison.
        tolerance: how close two runs' values must be to count as identical.

    Returns ``saturation.identical_across_runs`` (a validation metric equal in several runs
    at every common epoch: error when it is also constant across epochs),
    ``saturation.metric_at_baseline`` (a run whose validation accuracy equals the constant
    predictor another run's fingerprint pinned) and ``saturation.step_time_outlier``.
    """
    by_run = {run: _metric_series(history) for run, history in histories.items()}
    findings = _identical(by_run, tolerance, thresholds)
    findings += _baseline_from_other_runs(by_run, tolerance, thresholds)
    findings += _step_time_outliers(histories, thresholds)
    return findings


# --------------------------------------------------------------------------- predictions


def check_prediction_collapse(run: str, predicted_positive_fraction: float,
                              foreground_fraction: float | None, tolerance: float = 1e-3
                              ) -> list[Finding]:
    """Has the model collapsed to a constant on a probe batch?

    Args:
        predicted_positive_fraction: share of probe pixels predicted foreground
            (probability above the threshold).
        foreground_fraction: share of the probe masks' pixels that are foreground, if known.
        tolerance: within this of 0 or 1 the prediction counts as constant.

    Returns ``saturation.predictions_collapsed``: an error when the masks are not themselves
    (almost) all one class, otherwise a warning that the data, not the model, is constant.

    >>> check_prediction_collapse("MP_Tr_BCE", 1.0, 0.995)[0].severity.value
    'error'
    >>> check_prediction_collapse("MP_Tr_BCE", 0.42, 0.4)
    []
    """
    positive = float(predicted_positive_fraction)
    if not math.isfinite(positive) or tolerance < positive < 1 - tolerance:
        return []
    collapsed_to = "all_ones" if positive >= 1 - tolerance else "all_zeros"
    what = "foreground" if collapsed_to == "all_ones" else "background"
    evidence = {"run": run, "predicted_positive_fraction": positive,
                "foreground_fraction": foreground_fraction, "collapsed_to": collapsed_to,
                "tolerance": tolerance}
    constant_share = positive if collapsed_to == "all_ones" else 1 - positive
    explanation = (f"On the probe batch the model predicts {what} for "
                   f"{format_percent(constant_share)} of pixels")
    severity = Severity.WARNING
    if foreground_fraction is not None and math.isfinite(foreground_fraction):
        data_constant = (foreground_fraction >= 1 - tolerance if collapsed_to == "all_ones"
                         else foreground_fraction <= tolerance)
        share = foreground_fraction if collapsed_to == "all_ones" else 1 - foreground_fraction
        explanation += f"; the masks have {format_percent(share)} {what}."
        if data_constant:
            explanation += " The masks themselves are (almost) all one class: the data, not "
            explanation += "the model, is constant."
        else:
            severity = Severity.ERROR
            if collapsed_to == "all_ones":
                accuracy, dice = foreground_fraction, all_ones_dice(foreground_fraction)
            else:
                accuracy, dice = 1 - foreground_fraction, 0.0
            evidence.update(constant_accuracy=accuracy, constant_dice=dice)
            explanation += (f" The model has collapsed to a constant; on these masks that "
                            f"constant scores accuracy {accuracy:.4f} and Dice {dice:.4f} "
                            "without looking at the images.")
    else:
        explanation += ", as if it had collapsed to a constant (the masks' share is unknown)."
    return [Finding(
        id=PREDICTIONS_COLLAPSED, severity=severity,
        title=f"{run}: predictions collapsed to all-{what} "
              f"({format_percent(positive)} of pixels predicted foreground)",
        explanation=explanation,
        fix=("Check the masks' foreground fraction and polarity (`unetdiag audit-data`), then "
             "the loss (Dice or weighted BCE for rare foreground) and the learning rate."),
        evidence=evidence, source=run)]
