"""Typed evidence of the metric-series checks: each claim, its severity and what it rests on.

A claim holds the numbers a finding reports (:meth:`Claim.as_evidence` gives the finding's
``evidence``) and the assumptions it rests on (:class:`~.algebra.Assumption`); the wording
(:mod:`.wording`) turns it into sentences and nothing here knows any English.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar

from unetdiag.diag.checks.saturation.algebra import (
    WORSE_THAN_ANY_CONSTANT_ACCURACY,
    Assumption,
    ConstantPredictorFit,
)
from unetdiag.diag.checks.saturation.metrics import is_validation
from unetdiag.diag.core.findings import Severity

#: Field metadata of a number the wording needs but the finding does not report.
NOT_REPORTED = {"reported": False}


class Claim:
    """What every claim offers: its evidence dict, severity, source and assumptions."""

    assumptions: ClassVar[tuple[Assumption, ...]] = ()
    severity: Severity

    @property
    def source(self) -> str:
        return self.run  # type: ignore[attr-defined]

    def as_evidence(self) -> dict:
        """The reported fields, in order (a field's metadata can keep it out)."""
        return {item.name: getattr(self, item.name) for item in fields(self)  # type: ignore[arg-type]
                if item.metadata.get("reported", True)}


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class MetricsClaim(Claim):
    """A claim about some metrics of one run: metric name -> the numbers reported for it."""

    run: str
    metrics: dict[str, dict]

    def extreme(self, key: str, highest: bool = True) -> tuple[str, float]:
        """The metric whose ``key`` number is the highest (or lowest), and that number."""
        pick = max if highest else min
        name = pick(self.metrics, key=lambda metric: self.metrics[metric][key])
        return name, self.metrics[name][key]


@dataclass(frozen=True)
class NonFiniteOnset(Claim):
    """Metrics that turn NaN or infinite; epochs are 1-based."""

    run: str
    onset_epoch: int
    metrics_at_onset: list[str]
    first_non_finite_epoch: dict[str, int]
    last_finite_before_onset: dict[str, float]
    recovered: list[str]
    epochs: int
    only_nan: bool = field(metadata=NOT_REPORTED)

    severity: ClassVar[Severity] = Severity.ERROR

    @property
    def later(self) -> list[str]:
        """Metrics that turn non-finite after the onset."""
        return sorted(set(self.first_non_finite_epoch) - set(self.metrics_at_onset))


@dataclass(frozen=True)
class DiceAboveOne(MetricsClaim):
    """A Dice above 1: the labels are larger than 1.

    ``metrics``: name -> max, first_epoch_of_max, first_epoch_above_one.
    """

    mean_label_if_all_ones: float
    final_accuracy: dict[str, float]

    severity: ClassVar[Severity] = Severity.ERROR
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.PREDICTIONS_IN_UNIT_INTERVAL,)

    @property
    def accuracies_below_any_constant(self) -> dict[str, float]:
        """Final accuracies lower than predicting the majority class could score."""
        return {name: value for name, value in self.final_accuracy.items()
                if value < WORSE_THAN_ANY_CONSTANT_ACCURACY}


@dataclass(frozen=True)
class NegativeLoss(MetricsClaim):
    """A loss below 0 that is not a negated score: the labels are larger than 1.

    ``metrics``: name -> min, epoch_of_min, first_negative_epoch.
    """

    severity: ClassVar[Severity] = Severity.ERROR
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.PREDICTIONS_IN_UNIT_INTERVAL,)


@dataclass(frozen=True)
class OutOfRange(MetricsClaim):
    """Accuracy, Dice or IoU outside [0, 1] (other than a Dice above 1).

    ``metrics``: name -> min, max.
    """

    severity: ClassVar[Severity] = Severity.ERROR


@dataclass(frozen=True)
class BoundBreach:
    """The epoch where a phase's Dice most exceeds the bound its accuracy allows."""

    dice_metric: str
    accuracy_metric: str
    epoch: int
    dice: float
    accuracy: float
    max_dice: float
    epochs_above_bound: list[int]


@dataclass(frozen=True)
class AccuracyBoundBreach(Claim):
    """A Dice no prediction can score at its accuracy with labels in [0, 1]."""

    run: str
    phases: dict[str, BoundBreach]  # validation first

    severity: ClassVar[Severity] = Severity.ERROR
    assumptions: ClassVar[tuple[Assumption, ...]] = (
        Assumption.PREDICTIONS_IN_UNIT_INTERVAL, Assumption.ACCURACY_THRESHOLD_HALF,
        Assumption.SAME_DATA)

    @property
    def main(self) -> BoundBreach:
        return next(iter(self.phases.values()))

    def as_evidence(self) -> dict:
        phases = {name: asdict(breach) for name, breach in self.phases.items()}
        return {"run": self.run, **next(iter(phases.values())), "phases": phases}


@dataclass(frozen=True)
class PhaseFingerprint:
    """A constant predictor that one phase's metrics sit on at its last epoch."""

    fit: ConstantPredictorFit
    accuracy_metric: str
    dice_metric: str | None
    iou_metric: str | None
    epochs_matched: list[int]
    epochs: int

    def as_dict(self) -> dict:
        return {**self.fit.as_dict(), "accuracy_metric": self.accuracy_metric,
                "dice_metric": self.dice_metric, "iou_metric": self.iou_metric,
                "epochs_matched": self.epochs_matched, "epochs": self.epochs}


@dataclass(frozen=True)
class ConstantPredictorRun(Claim):
    """A run whose numbers are those of one constant predictor, in one or both phases."""

    run: str
    predictor: str
    phases: dict[str, PhaseFingerprint]  # validation first

    @property
    def main_phase(self) -> str:
        return "validation" if "validation" in self.phases else "training"

    @property
    def main(self) -> PhaseFingerprint:
        return self.phases[self.main_phase]

    @property
    def severity(self) -> Severity:  # type: ignore[override]
        return Severity.ERROR if self.main_phase == "validation" else Severity.WARNING

    @property
    def assumptions(self) -> tuple[Assumption, ...]:  # type: ignore[override]
        return self.main.fit.assumptions

    def as_evidence(self) -> dict:
        return {"run": self.run, "predictor": self.predictor,
                "foreground_fraction": self.main.fit.foreground_fraction,
                "phases": {name: phase.as_dict() for name, phase in self.phases.items()}}


@dataclass(frozen=True)
class AtBaseline(MetricsClaim):
    """Metrics whose last value is a constant predictor's score on the same data.

    ``metrics``: name -> value, baseline, residual, predictor, epochs_at_baseline, epochs.
    """

    tolerance: float
    severity: Severity = field(metadata=NOT_REPORTED)

    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.SAME_DATA,)


@dataclass(frozen=True)
class NearMajority(MetricsClaim):
    """Accuracies barely above predicting the majority class everywhere.

    ``metrics``: name -> value, majority_share, share_of_headroom_closed.
    """

    severity: ClassVar[Severity] = Severity.WARNING
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.SAME_DATA,)

    def as_evidence(self) -> dict:
        """The first accuracy's numbers at the top level, every accuracy's in ``metrics``."""
        first = next(iter(self.metrics))
        return {"run": self.run, "metric": first, **self.metrics[first],
                "metrics": self.metrics}


@dataclass(frozen=True)
class FlatTail(MetricsClaim):
    """Metrics whose last epochs do not move.

    ``metrics``: name -> value, flat_epochs, from_epoch, epochs.
    """

    spread: float
    severity: Severity = field(metadata=NOT_REPORTED)

    @property
    def validation(self) -> bool:
        return any(is_validation(name) for name in self.metrics)


@dataclass(frozen=True)
class TrainValGap(MetricsClaim):
    """Training and validation far apart at the last epoch.

    ``metrics``: training name -> train, validation, and ratio (a loss) or gap (a score).
    """

    severity: Severity = field(metadata=NOT_REPORTED)

    @property
    def overfit(self) -> bool:
        """Training better than validation somewhere (what makes the gap a warning)."""
        return self.severity is Severity.WARNING


# --------------------------------------------------------------------------- across runs


@dataclass(frozen=True)
class IdenticalAcrossRuns(Claim):
    """A validation metric equal in several runs at every common epoch."""

    metric: str
    runs: list[str]
    value: float
    values: dict[str, list[float]]
    common_epochs: int
    constant_across_epochs: bool
    tolerance: float
    all_runs: bool = field(metadata=NOT_REPORTED)
    severity: Severity = field(metadata=NOT_REPORTED)

    @property
    def source(self) -> str:
        return ", ".join(self.runs)


@dataclass(frozen=True)
class BaselineFromOtherRun(Claim):
    """A run whose validation accuracy is the constant predictor another run's numbers pin."""

    run: str
    metric: str
    value: float
    baseline: float
    predictor: str
    foreground_fraction: float
    inferred_from: str
    dice_metric: str | None
    dice_value: float | None
    predictor_dice: float
    epochs_at_baseline: list[int]
    epochs: int
    reference: PhaseFingerprint = field(metadata=NOT_REPORTED)
    severity: Severity = field(metadata=NOT_REPORTED)

    @property
    def assumptions(self) -> tuple[Assumption, ...]:  # type: ignore[override]
        return (Assumption.SAME_DATA, *self.reference.fit.assumptions)

    def as_evidence(self) -> dict:
        evidence = super().as_evidence()
        at_baseline = {"value": self.value, "baseline": self.baseline,
                       "residual": self.value - self.baseline, "predictor": self.predictor,
                       "epochs_at_baseline": self.epochs_at_baseline, "epochs": self.epochs}
        return {"run": self.run, "metric": self.metric, "value": self.value,
                "metrics": {self.metric: at_baseline},
                **{k: v for k, v in evidence.items() if k not in ("run", "metric", "value")}}


@dataclass(frozen=True)
class StepTimeOutlier(Claim):
    """A run much slower per step than the median of the others."""

    run: str
    step_seconds: float
    ratio: float
    other_runs_step_seconds: dict[str, float]
    reference_seconds: float = field(metadata=NOT_REPORTED)  # the others' median
    steps_per_epoch: float | None = field(metadata=NOT_REPORTED)
    other_runs_steps_per_epoch: float | None = field(metadata=NOT_REPORTED)
    severity: Severity = field(metadata=NOT_REPORTED)

    @property
    def steps_known(self) -> bool:
        return bool(self.steps_per_epoch and self.other_runs_steps_per_epoch)

    def as_evidence(self) -> dict:
        evidence = super().as_evidence()
        if self.steps_known:
            evidence.update(steps_per_epoch=self.steps_per_epoch,
                            other_runs_steps_per_epoch=self.other_runs_steps_per_epoch,
                            epoch_seconds=self.step_seconds * self.steps_per_epoch,
                            other_runs_epoch_seconds=(self.reference_seconds
                                                      * self.other_runs_steps_per_epoch))
        return evidence


# --------------------------------------------------------------------------- a probe batch


@dataclass(frozen=True)
class PredictionCollapse(Claim):
    """A probe batch predicted (almost) all one class."""

    run: str
    predicted_positive_fraction: float
    foreground_fraction: float | None
    collapsed_to: str
    tolerance: float
    severity: Severity = field(metadata=NOT_REPORTED)
    data_constant: bool | None = field(metadata=NOT_REPORTED)  # None: masks unknown
    constant_accuracy: float | None = field(default=None, metadata=NOT_REPORTED)
    constant_dice: float | None = field(default=None, metadata=NOT_REPORTED)

    def as_evidence(self) -> dict:
        evidence = super().as_evidence()
        if self.data_constant is False:
            evidence.update(constant_accuracy=self.constant_accuracy,
                            constant_dice=self.constant_dice)
        return evidence
