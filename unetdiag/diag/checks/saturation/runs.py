"""What several runs of one experiment show together: numbers that do not depend on the
model, and a run far slower than the others. Each function returns typed claims."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from unetdiag.diag.checks.saturation.evidence_runs import (
    IdenticalAcrossRuns,
    StepTimeOutlier,
)
from unetdiag.diag.checks.saturation.metrics import (
    SCORE_KINDS,
    STEP_SECONDS_KEY,
    STEPS_PER_EPOCH_KEY,
    MetricSeries,
    Series,
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.series import flat_tail
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity

Runs = Mapping[str, Series]


def _aligned(series: Sequence[MetricSeries]) -> list[np.ndarray]:
    """Each series' positions of the epochs all of them log, matched by epoch number (a
    paste cut inside a run holds epochs 1, 2, 11, 12), or by position when a series numbers
    two epochs alike."""
    if all(np.unique(item.numbers).size == item.numbers.size for item in series):
        common = series[0].numbers
        for item in series[1:]:
            common = np.intersect1d(common, item.numbers)
        return [np.flatnonzero(np.isin(item.numbers, common)) for item in series]
    length = min(item.values.size for item in series)
    return [np.arange(length)] * len(series)


def _agree(first: MetricSeries, second: MetricSeries, tolerance: float,
           thresholds: SaturationThresholds) -> int:
    """Common epochs on which both are finite and within ``tolerance`` of the larger value
    (0: they disagree). Relative, because two folds' losses of 0.036 and 0.037 are within an
    absolute 0.001 and are not the same number."""
    mine, yours = _aligned([first, second])
    both = first.finite[mine] & second.finite[yours]
    if both.sum() < thresholds.min_identical_epochs:
        return 0
    ours, theirs = first.values[mine][both], second.values[yours][both]
    allowed = tolerance * np.maximum(np.abs(ours), np.abs(theirs))
    return int(both.sum()) if (np.abs(ours - theirs) <= allowed).all() else 0


def _common_finite(series: Sequence[MetricSeries]) -> tuple[np.ndarray, np.ndarray]:
    """(the first series' positions of the epochs all of them log, which of those every
    series logs finite)."""
    positions = _aligned(series)
    finite = np.logical_and.reduce([item.finite[at]
                                    for item, at in zip(series, positions, strict=True)])
    return positions[0], np.asarray(finite, dtype=bool)


def _last_common_value(series: Sequence[MetricSeries]) -> float:
    """The first run's value at the last epoch every run logs finite (the runs agree there;
    a group is only formed with enough such epochs, see :func:`identical_across_runs`)."""
    positions, finite = _common_finite(series)
    return float(series[0].values[positions][finite][-1])


def _replicas(first: Series, second: Series, tolerance: float,
              thresholds: SaturationThresholds) -> bool:
    """Both log a training loss, and every metric they both log agrees at their common
    epochs (a validation loss 1.5x apart, or a training accuracy of 0.93 against 0.83, is
    another training, whatever the training loss says)."""
    shared = [name for name in first if name in second]
    return "loss" in shared and all(_agree(first[name], second[name], tolerance, thresholds)
                                    for name in shared)


def identical_across_runs(by_run: Runs, tolerance: float,
                          thresholds: SaturationThresholds) -> list[IdenticalAcrossRuns]:
    """Groups of runs whose validation metric agrees at every common epoch."""
    claims = []
    names: dict[str, None] = {}
    for series in by_run.values():
        names.update(dict.fromkeys(n for n in series if is_validation(n)))
    for metric in names:
        unassigned = [run for run, series in by_run.items() if metric in series]
        while unassigned:
            first = unassigned.pop(0)
            group = [first]
            for other in list(unassigned):
                epochs = _agree(by_run[first][metric], by_run[other][metric], tolerance,
                                thresholds)
                # each pair agreeing is not enough: runs 1-4, 3-4 and 1-2 agree two by two
                # with no epoch common to the three
                together = [by_run[r][metric] for r in (*group, other)]
                if epochs and (_common_finite(together)[1].sum()
                               >= thresholds.min_identical_epochs):
                    group.append(other)
                    unassigned.remove(other)
            if len(group) < 2:
                continue
            series = [by_run[r][metric] for r in group]
            value = _last_common_value(series)
            common = int(_common_finite(series)[1].sum())
            constant = all(flat_tail(s, thresholds) == s.values.size for s in series)
            if metric_kind(metric) in SCORE_KINDS and value >= 1 - thresholds.flat_spread:
                continue  # perfect scores agree trivially
            # whatever this metric does: a constant val_accuracy in two runs whose every
            # number agrees, the loss moving, is one run's flat metric twice, not a number
            # that ignores the model; with nothing moving, nothing tells the runs apart
            moving = any(flat_tail(s, thresholds) < s.values.size
                         for r in group for s in by_run[r].values())
            replicas = moving and all(_replicas(by_run[first], by_run[r], tolerance,
                                                thresholds) for r in group[1:])
            claims.append(IdenticalAcrossRuns(
                metric, group, value, {r: by_run[r][metric].values.tolist() for r in group},
                common_epochs=common,
                constant_across_epochs=constant,
                tolerance=tolerance, replicas=replicas, all_runs=len(group) == len(by_run),
                severity=(Severity.ERROR if constant and not replicas
                          else Severity.WARNING)))
    return claims


def _median(values: Sequence[float | None]) -> float | None:
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return float(np.median(finite)) if finite else None


def step_time_outliers(histories: Mapping[str, Mapping[str, Sequence[float | None]]],
                       thresholds: SaturationThresholds) -> list[StepTimeOutlier]:
    """Runs at least :attr:`~.SaturationThresholds.step_time_info_ratio` times slower per
    step than the median of the others."""
    step = {run: _median(h.get(STEP_SECONDS_KEY, ())) for run, h in histories.items()}
    step = {run: value for run, value in step.items() if value}
    steps = {run: _median(h.get(STEPS_PER_EPOCH_KEY, ())) for run, h in histories.items()}
    claims: list[StepTimeOutlier] = []
    if len(step) < 2:
        return claims
    for run, seconds in step.items():
        others = {o: v for o, v in step.items() if o != run}
        reference = float(np.median(list(others.values())))
        ratio = seconds / reference
        if ratio < thresholds.step_time_info_ratio:
            continue
        claims.append(StepTimeOutlier(
            run, seconds, ratio, others, reference_seconds=reference,
            steps_per_epoch=steps.get(run),
            other_runs_steps_per_epoch=_median([steps.get(o) for o in others]),
            severity=(Severity.WARNING if ratio >= thresholds.step_time_warning_ratio
                      else Severity.INFO)))
    return claims
