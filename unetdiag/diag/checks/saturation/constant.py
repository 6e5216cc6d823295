"""Which constant predictor a run sits on: from its own numbers, from measured baselines,
from another run's numbers, or from a probe batch's predictions.

Each function returns typed claims (:mod:`.evidence`); the arithmetic is :mod:`.algebra`'s.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np

from unetdiag.diag.checks.saturation.algebra import (
    CONSTANT_PREDICTORS,
    constant_baseline,
    constant_fit,
    constant_scores,
    printed_decimals,
    share_of_headroom_closed,
)
from unetdiag.diag.checks.saturation.evidence import (
    AtBaseline,
    ConstantPredictorRun,
    NearMajority,
    PhaseFingerprint,
)
from unetdiag.diag.checks.saturation.evidence_runs import (
    BaselineFromOtherRun,
    PredictionCollapse,
)
from unetdiag.diag.checks.saturation.metrics import (
    MetricSeries,
    Series,
    is_validation,
    metric_kind,
    multiclass_metrics,
    phase_metrics,
    phases,
)
from unetdiag.diag.checks.saturation.scale import accuracy_fits_scores
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity

#: Keys of ``baselines`` that give a foreground fraction instead of a metric's baseline.
FOREGROUND_FRACTION_KEY = "foreground_fraction"
VAL_FOREGROUND_FRACTION_KEY = "val_foreground_fraction"


def phase_fingerprint(phase: Mapping[str, MetricSeries], tolerance: float,
                      thresholds: SaturationThresholds,
                      known_fraction: float | None = None,
                      decimals: int | None = None,
                      half_units: Mapping[str, float] | None = None
                      ) -> PhaseFingerprint | None:
    """The constant predictor a phase's (accuracy, Dice, IoU) fit at its last epoch; ``None``
    when the accuracy cannot be a binary pixel accuracy of the masks the Dice/IoU score.
    ``known_fraction``: the phase's measured foreground fraction; when the fit's equals it,
    the fit is proven (the empty prediction's only with a Dice/IoU of exactly 0).
    ``decimals``: how many the log printed every value with, where fewer than four;
    ``half_units``: metric -> the half unit of its prints, where its values do not say it."""
    accuracy = phase.get("accuracy")
    if accuracy is None or not accuracy_fits_scores(phase, tolerance, thresholds):
        return None
    dice, iou = phase.get("dice"), phase.get("iou")
    finite_epochs = np.flatnonzero(accuracy.finite)
    if not finite_epochs.size:
        return None
    matches: dict[str, list[int]] = {predictor: [] for predictor in CONSTANT_PREDICTORS}
    last = {}
    for epoch in finite_epochs:
        arguments = (float(accuracy.values[epoch]),
                     None if dice is None else dice.value_at(epoch),
                     None if iou is None else iou.value_at(epoch))
        for predictor in CONSTANT_PREDICTORS:
            fit = constant_fit(predictor, *arguments, tolerance=tolerance, thresholds=thresholds)
            if fit is not None:
                matches[predictor].append(int(epoch))
                last[predictor] = fit
    final = int(finite_epochs[-1])
    hits = [p for p in matches if matches[p] and matches[p][-1] == final]
    if len(hits) != 1:  # none, or both (numbers too small to tell them apart)
        return None
    fit = dataclasses.replace(last[hits[0]], printed_decimals=decimals)
    # a print's own half unit where it is not what the run's decimals give its value (a
    # percentage's 99.5%, a three-decimal Dice beside four-decimal values)
    own = tuple((role, float((half_units or {})[item.name])) for role, item in
                (("accuracy", accuracy), ("dice", dice), ("iou", iou))
                if item is not None and item.name in (half_units or {})
                and getattr(fit, role) is not None
                and not math.isclose((half_units or {})[item.name], fit.half_unit(role)))
    fit = dataclasses.replace(fit, printed_half_units=own)
    if known_fraction is not None and abs(fit.foreground_fraction - known_fraction) <= tolerance:
        # a Dice near 0 but not 0 leaves true positives: the empty prediction is then only
        # the nearest constant, whatever the measured fraction
        fit = dataclasses.replace(fit, measured_fraction=float(known_fraction),
                                  proven=(fit.fraction_at_least == fit.foreground_fraction
                                          if fit.predictor == "all_ones"
                                          else fit.scores_exactly_zero))
    return PhaseFingerprint(
        fit, accuracy.name,
        dice_metric=dice.name if dice is not None and fit.dice is not None else None,
        iou_metric=iou.name if iou is not None and fit.iou is not None else None,
        epochs_matched=accuracy.epochs_at(matches[hits[0]]), epochs=len(finite_epochs))


def known_fractions(baselines: Mapping[str, float] | None) -> dict[str, float]:
    """``{"validation": f, "training": f}`` from a caller's ``baselines``, where given."""
    keys = {"validation": VAL_FOREGROUND_FRACTION_KEY, "training": FOREGROUND_FRACTION_KEY}
    return {phase: float(baselines[key]) for phase, key in keys.items()
            if baselines and baselines.get(key) is not None}


def constant_predictor_runs(run: str, series: Series, tolerance: float,
                            thresholds: SaturationThresholds, multiclass: bool = False,
                            fractions: Mapping[str, float] | None = None,
                            half_units: Mapping[str, float] | None = None
                            ) -> list[ConstantPredictorRun]:
    """One claim per constant predictor that a phase of a binary run fits (``fractions``:
    measured foreground fractions by phase, which prove a fit they equal; ``half_units``:
    metric -> the half unit of its prints, where its values do not say it)."""
    if multiclass:
        return []
    found: dict[str, dict[str, PhaseFingerprint]] = {}
    # the whole run's prints: Keras prints every metric alike, so one four-decimal value
    # says a flat 0.9900 lost its trailing zeros (a print the reader measured is then
    # bounded by its own half unit instead)
    decimals = printed_decimals(value for item in series.values() for value in item.values)
    for phase_name, phase in phases(series):
        measured = (fractions or {}).get(phase_name)
        if measured in (0.0, 1.0):
            continue  # one class only: the fingerprints' formulas fit trivially, prove nothing
        fingerprint = phase_fingerprint(phase, tolerance, thresholds, measured, decimals,
                                        half_units)
        if fingerprint is not None:
            found.setdefault(fingerprint.fit.predictor, {})[phase_name] = fingerprint
    return [ConstantPredictorRun(run, predictor, phases) for predictor, phases in found.items()]


def resolve_baselines(series_names: Sequence[str],
                      baselines: Mapping[str, float] | None) -> dict[str, dict]:
    """``{metric: {"value": baseline, "predictor": ...}}`` for the metrics a caller's
    ``baselines`` cover.

    ``baselines`` maps metric names to the best score a constant predictor gets on the same
    data (accuracy: the majority-class share; Dice: the all-ones Dice; IoU: f). It may
    instead (or also) give ``"foreground_fraction"`` (training data) and/or
    ``"val_foreground_fraction"``: the baselines of every accuracy, Dice and IoU metric of
    that phase then follow from :mod:`unetdiag.diag.core.dice`. Explicit metric names win.

    >>> resolve_baselines(["val_accuracy", "val_loss"], {"val_foreground_fraction": 0.995})
    {'val_accuracy': {'value': 0.995, 'predictor': 'all_ones', 'foreground_fraction': 0.995}}
    """
    resolved: dict[str, dict] = {}
    if not baselines:
        return resolved
    for name in series_names:
        if name in baselines:
            resolved[name] = {"value": float(baselines[name]), "predictor": "given"}
            continue
        fraction = baselines.get(VAL_FOREGROUND_FRACTION_KEY if is_validation(name)
                                 else FOREGROUND_FRACTION_KEY)
        baseline = None if fraction is None else constant_baseline(metric_kind(name), fraction)
        if baseline is not None:
            resolved[name] = {"value": baseline[0], "predictor": baseline[1],
                              "foreground_fraction": fraction}
    return resolved


def at_baselines(run: str, series: Series, baselines: Mapping[str, float], tolerance: float,
                 thresholds: SaturationThresholds) -> list[AtBaseline | NearMajority]:
    """Metrics whose last value is a measured baseline, and accuracies barely above one."""
    at_baseline: dict[str, dict] = {}
    near_majority: dict[str, dict] = {}
    for name, baseline in resolve_baselines(list(series), baselines).items():
        if baseline.get("foreground_fraction") in (0.0, 1.0):
            continue  # one class only: a score at a constant's proves nothing
        item = series[name]
        last = item.last_finite()
        if last is None:
            continue
        value = last[1]
        on = np.flatnonzero(item.finite & (np.abs(item.values - baseline["value"]) <= tolerance))
        if abs(value - baseline["value"]) <= tolerance:
            at_baseline[name] = {"value": value, "baseline": baseline["value"],
                                 "residual": value - baseline["value"],
                                 "predictor": baseline["predictor"],
                                 "epochs_at_baseline": item.epochs_at(on),
                                 "epochs": int(item.finite.sum())}
        elif metric_kind(name) == "accuracy" and value > baseline["value"]:
            share = share_of_headroom_closed(value, baseline["value"])
            if share < thresholds.majority_headroom_share:
                scores = [other for other in series
                          if is_validation(other) == is_validation(name)
                          and metric_kind(other) in ("dice", "iou")]
                near_majority[name] = {"value": value, "majority_share": baseline["value"],
                                       "share_of_headroom_closed": share,
                                       "foreground_scores": scores}
    claims: list[AtBaseline | NearMajority] = []
    if at_baseline:
        validation = any(is_validation(name) for name in at_baseline)
        claims.append(AtBaseline(run, at_baseline, tolerance,
                                 Severity.ERROR if validation else Severity.WARNING))
    if near_majority:
        claims.append(NearMajority(run, near_majority))
    return claims


def _last_value(item: MetricSeries | None) -> float | None:
    last = None if item is None else item.last_finite()
    return None if last is None else last[1]


def baselines_from_other_runs(by_run: Mapping[str, Series], tolerance: float,
                              thresholds: SaturationThresholds) -> list[BaselineFromOtherRun]:
    """A fingerprinted run pins the validation set's foreground fraction; a run whose
    val accuracy equals that constant predictor's accuracy sits on it too."""
    references = {}
    binary = {run: not multiclass_metrics(list(series)) for run, series in by_run.items()}
    for run, series in by_run.items():
        fingerprint = (phase_fingerprint(phase_metrics(series, True), tolerance, thresholds)
                       if binary[run] else None)
        if fingerprint is not None:
            references[run] = fingerprint
    claims: list[BaselineFromOtherRun] = []
    if not references:
        return claims
    for run, series in by_run.items():
        if run in references or not binary[run]:
            continue
        phase = phase_metrics(series, True)
        accuracy = phase.get("accuracy")
        value = _last_value(accuracy)
        if value is None:
            continue
        for reference_run, reference in references.items():
            fit = reference.fit
            if accuracy.name != reference.accuracy_metric or abs(
                    value - fit.accuracy) > tolerance:
                continue
            expected_dice = constant_scores(fit.predictor, fit.foreground_fraction)[1]
            dice = phase.get("dice")
            dice_value = _last_value(dice)
            if dice_value is not None and dice_value > expected_dice + tolerance:
                continue  # better than the constant predictor on Dice: not that predictor
            on = np.flatnonzero(accuracy.finite & (np.abs(
                accuracy.values - fit.accuracy) <= tolerance))
            total = int(accuracy.finite.sum())
            claims.append(BaselineFromOtherRun(
                run, accuracy.name, value, baseline=fit.accuracy, predictor=fit.predictor,
                foreground_fraction=fit.foreground_fraction, inferred_from=reference_run,
                dice_metric=dice.name if dice is not None else None, dice_value=dice_value,
                predictor_dice=expected_dice, epochs_at_baseline=accuracy.epochs_at(on),
                epochs=total, reference=reference,
                severity=(Severity.ERROR if len(on) >= min(total, thresholds.min_flat_epochs)
                          else Severity.WARNING)))
            break
    return claims


def prediction_collapse(run: str, predicted_positive_fraction: float,
                        foreground_fraction: float | None, tolerance: float
                        ) -> PredictionCollapse | None:
    """A probe batch predicted (almost) all one class, judged against its masks' share."""
    positive = float(predicted_positive_fraction)
    if not math.isfinite(positive) or tolerance < positive < 1 - tolerance:
        return None
    collapsed_to = "all_ones" if positive >= 1 - tolerance else "all_zeros"
    if foreground_fraction is None or not math.isfinite(foreground_fraction):
        return PredictionCollapse(run, positive, foreground_fraction, collapsed_to, tolerance,
                                  Severity.WARNING, data_constant=None)
    if (foreground_fraction >= 1 - tolerance if collapsed_to == "all_ones"
            else foreground_fraction <= tolerance):
        return PredictionCollapse(run, positive, foreground_fraction, collapsed_to, tolerance,
                                  Severity.WARNING, data_constant=True)
    accuracy, dice = constant_scores(collapsed_to, foreground_fraction)
    return PredictionCollapse(run, positive, foreground_fraction, collapsed_to, tolerance,
                              Severity.ERROR, data_constant=False, constant_accuracy=accuracy,
                              constant_dice=dice)
