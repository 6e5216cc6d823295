"""Typed evidence of the checks that compare runs (identical metrics, a constant predictor
fitted on another run's data, step-time outliers) and of the probe batch's prediction
collapse; the claims of one run's series are in :mod:`.evidence`."""

from __future__ import annotations

from dataclasses import dataclass, field

from unetdiag.diag.checks.saturation.algebra import Assumption
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, Claim, PhaseFingerprint
from unetdiag.diag.core.findings import Severity

# --------------------------------------------------------------------------- across runs


@dataclass(frozen=True)
class IdenticalAcrossRuns(Claim):
    """A validation metric equal in several runs at every common epoch. ``replicas``: every
    metric they share agrees too, the training loss included, while the metric moves: the
    numbers of one training repeated (a fixed seed with deterministic operations)."""

    metric: str
    runs: list[str]
    value: float
    values: dict[str, list[float]]
    common_epochs: int
    constant_across_epochs: bool
    tolerance: float
    replicas: bool
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

    def reported(self) -> dict:
        evidence = super().reported()
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

    def reported(self) -> dict:
        evidence = super().reported()
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

    def reported(self) -> dict:
        evidence = super().reported()
        if self.data_constant is False:
            evidence.update(constant_accuracy=self.constant_accuracy,
                            constant_dice=self.constant_dice)
        return evidence
