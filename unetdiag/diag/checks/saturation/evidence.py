"""Typed evidence of the metric-series checks: each claim, its severity and what it rests on.

A claim holds the numbers a finding reports (:meth:`Claim.as_evidence` gives the finding's
``evidence``, with the assumptions it rests on under ``"assumes"``: see
:class:`~.algebra.Assumption`); the wording (:mod:`.wording`) turns it into sentences and
nothing here knows any English. A claim about values no healthy run produces also says what
they are consistent with (``consistent_with``: :class:`Cause` values), when the numbers admit
more than one explanation.
"""

from __future__ import annotations

import enum
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
#: A field left out of the evidence while empty or None (a list of none, no epoch): noise
#: in every finding that lacks it.
OMIT_EMPTY = {"omit_empty": True}


class Cause(str, enum.Enum):
    """What values outside the range of healthy metrics can come from.

    - ``LABELS_ABOVE_ONE``: masks on a 0-255 scale never divided by 255.
    - ``LABELS_NOT_BINARY``: labels in [0, 1] that are not exactly 0 or 1: soft masks (JPEG
      masks divided by 255 and never thresholded); Keras's binary accuracy compares labels
      exactly.
    - ``PREDICTIONS_OUTSIDE_UNIT_INTERVAL``: a model without a final sigmoid, or a metric fed
      logits.
    - ``LOSS_BELOW_ZERO_BY_DESIGN``: a loss whose minimum is below 0 by construction (-Dice,
      class weights summing above 1).
    - ``ACCURACY_NOT_BINARY_PIXEL_ACCURACY``: the accuracy is not a binary pixel accuracy of
      these masks (categorical, another output).
    - ``METRIC_IN_PERCENT``: an accuracy whose every value lies in [0, 100], as one a custom
      metric or print multiplies by 100 gives (91.4 for 0.914).
    - ``METRIC_COMPUTED_WRONGLY``: the metric itself is computed wrongly (no label or
      prediction scale can explain it).
    """

    LABELS_ABOVE_ONE = "labels_above_one"
    LABELS_NOT_BINARY = "labels_not_binary"
    PREDICTIONS_OUTSIDE_UNIT_INTERVAL = "predictions_outside_unit_interval"
    LOSS_BELOW_ZERO_BY_DESIGN = "loss_below_zero_by_design"
    ACCURACY_NOT_BINARY_PIXEL_ACCURACY = "accuracy_not_binary_pixel_accuracy"
    METRIC_IN_PERCENT = "metric_in_percent"
    METRIC_COMPUTED_WRONGLY = "metric_computed_wrongly"


def causes(*members: Cause) -> tuple[str, ...]:
    """Causes as the strings the evidence reports."""
    return tuple(member.value for member in members)


class Claim:
    """What every claim offers: its evidence dict, severity, source and assumptions."""

    assumptions: ClassVar[tuple[Assumption, ...]] = ()
    severity: Severity

    @property
    def source(self) -> str:
        return self.run  # type: ignore[attr-defined]

    def reported(self) -> dict:
        """The reported fields, in order (a field's metadata can keep it out); tuples as
        lists, as JSON has them."""
        values = {item.name: getattr(self, item.name) for item in fields(self)  # type: ignore[arg-type]
                  if item.metadata.get("reported", True)
                  and not (item.metadata.get("omit_empty")
                           and getattr(self, item.name) in (None, [], {}, ()))}
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in values.items()}

    def as_evidence(self) -> dict:
        """The finding's evidence: :meth:`reported`, and ``"assumes"`` when the claim rests
        on assumptions."""
        evidence = self.reported()
        if self.assumptions:
            evidence["assumes"] = [assumption.value for assumption in self.assumptions]
        return evidence


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
    #: metrics non-finite at some epoch and finite at their last
    recovered: list[str]
    #: the epochs (as the log counts them) at which a metric of the onset is not finite
    non_finite_epochs: list[int]
    epochs: int
    finite_throughout: list[str]
    last_epoch: int
    #: how the metrics of the onset printed at those epochs: a sorted subset of "NaN",
    #: "inf", "-inf"
    values_at_onset: list[str]
    #: training losses finite at the onset epoch, and at an epoch after it
    training_loss_finite_at_onset: list[str] = field(default_factory=list)
    training_loss_finite_after_onset: list[str] = field(default_factory=list)
    #: the numbers are a custom training loop's prints: how it averaged them is its own
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)
    #: the run logs an accuracy, Dice or IoU, a top-k accuracy or a loss named after one
    #: (metrics.names_a_score); without one it may be a regressor, whose targets any scale
    #: suits
    scores_logged: bool = field(default=True, metadata=NOT_REPORTED)

    severity: ClassVar[Severity] = Severity.ERROR

    @property
    def later(self) -> list[str]:
        """Metrics that turn non-finite after the onset."""
        return sorted(set(self.first_non_finite_epoch) - set(self.metrics_at_onset))

    @property
    def validation_only(self) -> bool:
        """Only validation numbers turn non-finite, and a training loss is finite at that
        epoch (Keras's mean over the epoch, before its last update)."""
        return (all(is_validation(name) for name in self.first_non_finite_epoch)
                and bool(self.training_loss_finite_at_onset))

    @property
    def metric_only(self) -> bool:
        """Only training metrics that are no loss turn non-finite at the onset, and a
        training loss is finite at that epoch: the metric's own computation, not the
        weights (NaN weights make the loss NaN too)."""
        return (not any(is_validation(name) or "loss" in name.lower()
                        for name in self.metrics_at_onset)
                and bool(self.training_loss_finite_at_onset))

    @property
    def weights_finite(self) -> bool:
        """A training loss is finite at a later epoch: the weights were finite after the
        onset, which an update that made them NaN would not allow."""
        return self.validation_only and bool(self.training_loss_finite_after_onset)


@dataclass(frozen=True)
class ScaleClaim(MetricsClaim):
    """Values labels and predictions in [0, 1] cannot produce, and what they fit."""

    consistent_with: tuple[str, ...]

    @property
    def labels_only(self) -> bool:
        """The numbers point at the labels alone (an accuracy rules the predictions out)."""
        return self.consistent_with == causes(Cause.LABELS_ABOVE_ONE)


@dataclass(frozen=True)
class DiceAboveOne(ScaleClaim):
    """A Dice above 1: labels or predictions above 1.

    ``metrics``: name -> max, first_epoch_of_max, first_epoch_above_one. An accuracy below
    any constant predictor's points at the labels: a binary accuracy compares the thresholded
    prediction with the label, and a label of 255 never equals it.
    """

    mean_label_if_all_ones: float
    final_accuracy: dict[str, float]

    severity: ClassVar[Severity] = Severity.ERROR

    @property
    def assumptions(self) -> tuple[Assumption, ...]:  # type: ignore[override]
        if self.labels_only:
            return Assumption.ACCURACY_THRESHOLD_HALF, Assumption.SAME_DATA
        return ()

    @property
    def accuracies_below_any_constant(self) -> dict[str, float]:
        """Final accuracies lower than predicting the majority class could score."""
        return {name: value for name, value in self.final_accuracy.items()
                if value < WORSE_THAN_ANY_CONSTANT_ACCURACY}


@dataclass(frozen=True)
class NegativeLoss(ScaleClaim):
    """A loss below 0 that is not a negated score and that the run's scores do not explain.

    ``metrics``: name -> min, epoch_of_min, first_negative_epoch. ``scores_logged``: whether
    the run logs a Dice, IoU or F1 of that phase (without one the cause cannot be told).
    """

    scores_logged: bool
    severity: Severity = field(metadata=NOT_REPORTED)


@dataclass(frozen=True)
class NegativeLossScoresInRange(MetricsClaim):
    """A small negative loss while every Dice/IoU/F1 of its phase stays in [0, 1]: below 0 by
    the loss's own construction, not labels on a 0-255 scale (which push the scores above 1).

    ``metrics``: loss name -> min, epoch_of_min, first_negative_epoch; ``scores``: score name
    -> min, max over the epochs where the loss is negative.
    """

    scores: dict[str, dict]
    consistent_with: tuple[str, ...] = causes(Cause.LOSS_BELOW_ZERO_BY_DESIGN)
    #: the losses are named after a score and within [-1, 0] at every epoch: -score (then
    #: ``metrics`` also hold each one's max, and ``scores`` is empty)
    negated_score: bool = False

    severity: ClassVar[Severity] = Severity.INFO
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.SAME_DATA,)


@dataclass(frozen=True)
class OutOfRange(ScaleClaim):
    """Accuracy, Dice or IoU outside [0, 1] (other than a Dice above 1).

    ``metrics``: name -> min, max, kind.
    """

    severity: ClassVar[Severity] = Severity.ERROR

    @property
    def accuracies(self) -> list[str]:
        return [name for name, data in self.metrics.items() if data["kind"] == "accuracy"]


@dataclass(frozen=True)
class BoundBreach:
    """The epoch where a phase's Dice (or IoU) most exceeds the bound its accuracy allows."""

    score_metric: str
    accuracy_metric: str
    epoch: int
    score: float
    accuracy: float
    max_score: float
    epochs_above_bound: list[int]

    def as_dict(self, kind: str) -> dict:
        """The breach with the score's keys named by its kind: ``dice_metric``, ``dice``,
        ``max_dice`` (or ``iou_...``)."""
        named = {"score_metric": f"{kind}_metric", "score": kind, "max_score": f"max_{kind}"}
        return {named.get(key, key): value for key, value in asdict(self).items()}


@dataclass(frozen=True)
class AccuracyBoundBreach(Claim):
    """A Dice (or IoU) no prediction in [0, 1] can score at its accuracy with binary labels:
    the accuracy and the score cannot both be a binary pixel accuracy and a Dice of the same
    {0, 1} masks."""

    run: str
    kind: str  # "dice" or "iou"
    phases: dict[str, BoundBreach]  # validation first
    consistent_with: tuple[str, ...] = causes(
        Cause.LABELS_ABOVE_ONE, Cause.LABELS_NOT_BINARY, Cause.PREDICTIONS_OUTSIDE_UNIT_INTERVAL,
        Cause.ACCURACY_NOT_BINARY_PIXEL_ACCURACY)

    severity: ClassVar[Severity] = Severity.ERROR
    assumptions: ClassVar[tuple[Assumption, ...]] = (
        Assumption.BINARY_LABELS, Assumption.PREDICTIONS_IN_UNIT_INTERVAL,
        Assumption.ACCURACY_THRESHOLD_HALF, Assumption.SAME_DATA)

    @property
    def main(self) -> BoundBreach:
        return next(iter(self.phases.values()))

    def reported(self) -> dict:
        phases = {name: breach.as_dict(self.kind) for name, breach in self.phases.items()}
        return {"run": self.run, **next(iter(phases.values())), "phases": phases,
                "consistent_with": list(self.consistent_with)}


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
        # numbers near the all-ones scores that leave background predicted background fit a
        # model with few errors as well as the constant one
        near_only = self.predictor == "all_ones" and self.main.fit.true_negatives_seen
        return (Severity.ERROR if self.main_phase == "validation" and not near_only
                else Severity.WARNING)

    @property
    def assumptions(self) -> tuple[Assumption, ...]:  # type: ignore[override]
        return self.main.fit.assumptions

    def reported(self) -> dict:
        return {"run": self.run, "predictor": self.predictor,
                "foreground_fraction": self.main.fit.foreground_fraction,
                "proven": self.main.fit.proven,
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

    ``metrics``: name -> value, majority_share, share_of_headroom_closed, and
    foreground_scores: the Dice/IoU series the run logs in the same phase. A warning when some
    accuracy has none (accuracy is then the only measure the log gives of that phase); info
    when every one has (the advice "judge by Dice" is already followed).
    """

    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.SAME_DATA,)

    @property
    def severity(self) -> Severity:  # type: ignore[override]
        judged_by_accuracy_alone = any(not data["foreground_scores"]
                                       for data in self.metrics.values())
        return Severity.WARNING if judged_by_accuracy_alone else Severity.INFO

    def reported(self) -> dict:
        """The first accuracy's numbers at the top level, every accuracy's in ``metrics``."""
        first = next(iter(self.metrics))
        return {"run": self.run, "metric": first, **self.metrics[first],
                "metrics": self.metrics}


@dataclass(frozen=True)
class FlatTail(MetricsClaim):
    """Metrics whose last epochs do not move.

    ``metrics``: name -> value, flat_epochs, from_epoch (the epoch number the flat stretch
    starts at), epochs, moved_between (the lowest and highest value of the stretch as Keras
    prints it, four decimals or e-notation below 1e-3, when they differ; to
    printed_decimals decimals where the log printed more), and when the log
    shows the learning rate: learning_rate (at from_epoch) and schedule (whether the rate
    was cut to a small share of its highest by then). ``highest_learning_rate`` is the
    highest the log shows, a lower bound of the run's when ``first_learning_rate_known`` is
    false (ReduceLROnPlateau messages print only the rate after each cut).
    ``uninformative``: accuracies frozen near 0 while their phase's loss moves; ``stuck``: the
    training loss and every training metric are flat; ``moving_scores``: per flat validation
    accuracy, the validation Dice and IoU series that moved over its flat stretch (the
    predictions then change); ``custom_loop``: read from a custom loop's own prints.
    """

    spread: float
    highest_learning_rate: float | None
    final_learning_rate: float | None
    first_learning_rate_known: bool
    uninformative: list[str]
    stuck: bool
    multiclass: bool
    severity: Severity = field(metadata=NOT_REPORTED)
    moving_scores: dict[str, list[str]] = field(default_factory=dict)
    #: flat only by the two-epoch repeat (every value alike at the last two epochs): too
    #: short a stretch to call training stuck, said as values that repeat
    repeated: bool = False
    #: the numbers are a custom training loop's prints: what it prints for a term it never
    #: computed in validation is its own
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)

    @property
    def validation(self) -> bool:
        return any(is_validation(name) for name in self.metrics)

    def explained_by_schedule(self, name: str) -> bool:
        return bool(self.metrics[name].get("schedule"))


@dataclass(frozen=True)
class TrainValGap(MetricsClaim):
    """Training and validation far apart at their last finite epochs.

    ``metrics``: training name -> train, validation, ratio (a loss) or gap (a score), and
    epoch (of both values: the last at which both are finite); over a run logged from its
    first epoch, a score validation is above also holds validation_above_since, the first
    epoch of the unbroken stretch up to the last at which validation was above training,
    and training_rise_last_epoch, the training value's change over its last epoch (an epoch
    mean lags the end-of-epoch model by up to that much).
    ``diverged``: losses whose validation value is orders of magnitude above training.
    ``last_epoch``: the run's last epoch, finite or not.
    ``no_overlap``: Dice/IoU scores whose validation value never rose above a floor while
    the training one learned (each gap then also holds validation_highest and
    validation_epochs, how many epochs logged it).
    ``lead``: the gap said first: the overlap score (Dice, IoU) with the largest relative
    gap when training scores above validation, else the first gap.
    ``stop_earlier``: whether the run is long enough for "stop earlier" to mean anything.
    ``short_no_overlap``: a ``no_overlap`` score logged at fewer epochs than that (too few
    to rule out a model still settling, such as BatchNormalization's statistics).
    ``mixed``: per family of one score at several thresholds (``dice``, ``dice_60``), the
    members training scores above validation and those validation scores above training,
    when both exist: no consistent gap, so none of them makes the finding a warning.
    ``within_swing``: scores whose last-epoch gap is no larger than its typical change from
    one epoch to the next and changed sign at ``reversed_epochs`` of the last ones (left out
    of the gaps: one draw of the noise; a gap that keeps its sign is a gap).
    ``early``: the run's last epoch is at most ``early_gap_epochs``.
    ``train_mode``: what the caller knows makes the training figures training-mode ones
    (BatchNormalization, augmentation, dropout); empty: known none; None: unknown (a log).
    ``custom_loop``: the numbers come from a custom training loop's own prints, not from
    Keras's fit(): how each phase was measured is the loop's choice, not Keras's.
    ``splits``: what the caller measured of each split's masks ("training", "validation":
    masks, empty_masks, foreground_fraction); empty when it does not know (a log).
    """

    diverged: list[str]
    last_epoch: int
    severity: Severity = field(metadata=NOT_REPORTED)
    no_overlap: list[str] = field(default_factory=list, metadata=OMIT_EMPTY)
    lead: str = field(default="", metadata=NOT_REPORTED)
    stop_earlier: bool = field(default=True, metadata=NOT_REPORTED)
    short_no_overlap: bool = field(default=False, metadata=NOT_REPORTED)
    mixed: dict[str, dict[str, list[str]]] = field(default_factory=dict, metadata=OMIT_EMPTY)
    within_swing: dict[str, dict] = field(default_factory=dict, metadata=OMIT_EMPTY)
    early: bool = field(default=False, metadata=NOT_REPORTED)
    train_mode: list[str] | None = field(default=None, metadata=OMIT_EMPTY)
    custom_loop: bool = field(default=False, metadata=NOT_REPORTED)
    splits: dict[str, dict[str, float]] = field(default_factory=dict, metadata=OMIT_EMPTY)

    @property
    def overfit(self) -> bool:
        """Training better than validation somewhere (what makes the gap a warning)."""
        return self.severity is Severity.WARNING


@dataclass(frozen=True)
class StillImproving(MetricsClaim):
    """Validation scores best at their last epoch and still rising over the final epochs.

    ``metrics``: name -> last (value at the last epoch), earlier (the value ``over_epochs``
    epochs before, the log showing each of them; earlier_epoch: its epoch), gain,
    over_epochs, last_epoch (as the log counts), epochs (how many finite values), swing (the
    median change between consecutive epochs over the last ten; below gain), above (last
    minus the highest of the ``over_epochs`` values before it) and fall (the largest fall
    between consecutive epochs among the last ``over_epochs``, 0 if none; below above;
    fall_epochs: the two epochs it lies between, absent when none).
    """

    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)


@dataclass(frozen=True)
class ValidationLossRising(MetricsClaim):
    """Validation losses that rose after their best epoch while the training loss fell.

    ``metrics``: validation loss name -> best, best_epoch, last, last_epoch (the last finite
    one), rise (last / best - 1), epochs_after_best (last_epoch - best_epoch, as the log
    counts them), training (the training loss's name), training_at_best, training_last, and
    scores_held (validation Dice, IoU and accuracy scores no lower at the last epoch than at
    the best one: name -> [at best, at last], then its lowest between and that epoch for
    one that fell between them) when a Dice or IoU score rose meanwhile.
    ``restored_epoch``: the epoch whose weights EarlyStopping restored at the end, as the log
    says (0: restored, epoch not named; None: the log does not say).
    """

    restored_epoch: int | None = field(default=None, metadata=OMIT_EMPTY)
    severity: Severity = field(default=Severity.INFO, metadata=NOT_REPORTED)
