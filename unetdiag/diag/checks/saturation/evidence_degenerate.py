"""Typed evidence of the fingerprints of a degenerate run (:mod:`.degenerate`): a MeanIoU
stuck on one class, a perfect accuracy, a loss at the class prior's entropy or at ln 2, a
Dice or IoU that collapsed to 0 or stayed there. Like :mod:`.evidence`, no English here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from unetdiag.diag.checks.saturation.algebra import Assumption
from unetdiag.diag.checks.saturation.evidence import NOT_REPORTED, MetricsClaim
from unetdiag.diag.core.findings import Severity


@dataclass(frozen=True)
class MeanIouOneClass(MetricsClaim):
    """Keras ``MeanIoU`` series (default names ``mean_io_u``, ``mean_io_u_1``...) of a binary
    run that stay below 0.5 and barely move while another Dice/IoU of the same phase moves.

    ``metrics``: name -> low, high, median, epochs, background_share (``2 * median``: the
    background share of the labels if the foreground IoU is 0), moving (the other score's
    name), moving_low, moving_high.
    """

    severity: Severity = field(default=Severity.WARNING, metadata=NOT_REPORTED)


@dataclass(frozen=True)
class PerfectAccuracy(MetricsClaim):
    """A validation accuracy that prints 1.0000: every prediction right to four decimals.

    ``metrics``: name -> value, epochs_at_one, epochs (training accuracies at 1 too);
    ``losses``: each phase's loss at the last epoch; ``segmentation``: the run logs a Dice or
    an IoU, so its accuracy counts pixels (else it may count a classifier's samples).
    """

    losses: dict[str, float]
    segmentation: bool = True
    severity: ClassVar[Severity] = Severity.WARNING


@dataclass(frozen=True)
class ClassPriorLoss(MetricsClaim):
    """A loss equal to the binary entropy H(f) of the class fraction its frozen accuracy
    implies: the cross-entropy of predicting the prior f at every pixel.

    ``metrics``: loss name -> value, entropy, prior, accuracy_metric, accuracy,
    epochs_matched, epochs.
    """

    severity: Severity = field(metadata=NOT_REPORTED)
    assumptions: ClassVar[tuple[Assumption, ...]] = (
        Assumption.BINARY_LABELS, Assumption.LOSS_IS_BINARY_CROSSENTROPY,
        Assumption.ACCURACY_THRESHOLD_HALF)


@dataclass(frozen=True)
class UniformPredictionLoss(MetricsClaim):
    """Losses stuck at ln 2: the cross-entropy of predicting 0.5 for two classes everywhere.

    ``metrics``: name -> value, epochs_at_ln2, epochs.
    """

    severity: ClassVar[Severity] = Severity.WARNING
    assumptions: ClassVar[tuple[Assumption, ...]] = (Assumption.LOSS_IS_BINARY_CROSSENTROPY,)


@dataclass(frozen=True)
class ScoreCollapse(MetricsClaim):
    """A Dice or IoU that fell from a real value to the 0 of an empty prediction and stayed.

    ``metrics``: name -> epoch (of the fall), before, before_epoch, value (the last),
    exactly_zero (every value since the fall is 0: not one true positive);
    ``losses``: the phase's loss at the epoch of the fall; ``zero_tolerance``: the largest
    value counted as that 0.
    """

    losses: dict[str, float]
    severity: Severity = field(metadata=NOT_REPORTED)
    zero_tolerance: float = 0.0


@dataclass(frozen=True)
class ScoreZeroThroughout(MetricsClaim):
    """A Dice or IoU at the 0 of no true positive at every epoch logged.

    ``metrics``: name -> value (the largest), epochs.
    """

    severity: Severity = field(metadata=NOT_REPORTED)
