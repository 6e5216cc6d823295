"""What a constant predictor scores, and which logged numbers only a constant can score.

Pure arithmetic on (accuracy, Dice, IoU) triples; every result records the assumptions its
claim rests on (:class:`Assumption`), so a claim can be read apart from its wording.

For binary labels and a pooled (whole-set) hard Dice, an accuracy ``a`` and a Dice ``d``
satisfy ``d = 2a/(1+a)`` exactly when no pixel is correctly predicted background (TN = 0),
and then the IoU is ``a`` too. Predicting foreground everywhere is one such prediction: the
only one when the foreground fraction is ``a`` (no false negative either); otherwise the
fraction is above ``a``. A Dice or IoU of 0 means no true positive (TP = 0); the accuracy is
then the share of pixels correctly predicted background, so the foreground fraction is at
most ``1 - a``, with equality for predicting no foreground at all. A Dice near 0 but not 0
(up to :attr:`~.SaturationThresholds.empty_prediction_dice`) still fits, as *almost* no true
positive: for a pooled hard Dice ``d``, ``TP = d(1-a)/(2(1-d))`` and the bound is
``1 - a + TP``. The numbers of a log are therefore *consistent with* a constant predictor;
they prove it only next to a measured foreground fraction, and for the empty prediction only
with a Dice or IoU of exactly 0 as printed (``ConstantPredictorFit.proven``).

>>> fit = constant_fit("all_ones", 0.9950, dice=0.9975)
>>> fit.foreground_fraction, [a.value for a in fit.assumptions]
(0.995, ['binary_labels', 'pooled_dice', 'true_negatives_zero', 'false_negatives_zero'])
>>> round(max_soft_dice(0.24), 4), round(binary_entropy(0.5), 6)
(0.7654, 0.693147)
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass

from unetdiag.diag.checks.saturation.thresholds import (
    DEFAULT_THRESHOLDS,
    SATURATION_TOLERANCE,
    SaturationThresholds,
)
from unetdiag.diag.core.dice import all_ones_dice

#: A binary accuracy below this is worse than predicting the majority class everywhere
#: (which scores max(f, 1 - f) >= 0.5); with a Dice above 1 it points at raw 0-255 labels.
WORSE_THAN_ANY_CONSTANT_ACCURACY = 0.5


class Assumption(str, enum.Enum):
    """A precondition a claim rests on: the claim is only as true as its assumptions."""

    #: Every label is 0 or 1.
    BINARY_LABELS = "binary_labels"
    #: Every prediction is a probability in [0, 1] (a sigmoid output, not a logit).
    PREDICTIONS_IN_UNIT_INTERVAL = "predictions_in_unit_interval"
    #: Accuracy compares the prediction thresholded at 0.5 with the label.
    ACCURACY_THRESHOLD_HALF = "accuracy_threshold_half"
    #: The Dice pools every pixel of the set (or every image has the same fill), and its
    #: smoothing is negligible next to the foreground.
    POOLED_DICE = "pooled_dice"
    #: No pixel is correctly predicted background (the numbers imply a share near 0).
    TRUE_NEGATIVES_ZERO = "true_negatives_zero"
    #: No pixel is correctly predicted foreground.
    TRUE_POSITIVES_ZERO = "true_positives_zero"
    #: No foreground pixel is predicted background (with TN = 0: foreground everywhere).
    FALSE_NEGATIVES_ZERO = "false_negatives_zero"
    #: No background pixel is predicted foreground (with TP = 0: background everywhere).
    FALSE_POSITIVES_ZERO = "false_positives_zero"
    #: The loss is binary cross-entropy of probabilities (Keras clips them to [1e-7, 1 - 1e-7]).
    LOSS_IS_BINARY_CROSSENTROPY = "loss_is_binary_crossentropy"
    #: The numbers compared were measured on the same images and labels.
    SAME_DATA = "same_data"
    #: Both phases weight the parts of a total loss alike (Keras applies the compiled
    #: loss_weights to training and validation).
    SAME_LOSS_WEIGHTS = "same_loss_weights"


#: Half a unit of the fourth decimal Keras prints a value to: the value it stands for lies
#: within this of the print.
PRINTED_HALF_UNIT = 5e-5


def _decimals(value: float) -> int | None:
    """The decimals of a number as read back from a log (None: a full-precision float, with
    more than eight, or an exponent)."""
    text = repr(float(value))
    if "e" in text:
        return None
    decimals = len(text.split(".")[1]) if "." in text else 0
    return None if decimals > 8 else decimals


def printed_half_unit(value: float, fewest_decimals: int = 4) -> float:
    """How far the value a number stands for may lie from it: half a unit of its last
    decimal, of the ``fewest_decimals``-th at least (Keras prints four; a shorter number lost
    its trailing zeros), and 0 for a number with more than eight decimals (a full-precision
    float, as CSVLogger or a trainer's own history hold them)."""
    decimals = _decimals(value)
    return 0.0 if decimals is None else 0.5 * 10.0 ** -max(decimals, fewest_decimals)


def printed_decimals(values: Iterable[float]) -> int | None:
    """The decimals a log printed these values with, where every one is a short print with
    fewer than four: a log that prints three (0.990, 0.995) stands for values up to 0.0005
    away, not the 0.00005 of Keras's four. None where any has four or more (a four-decimal
    format, whose trailing zeros a flat 0.9900 lost) or is a full-precision float (a printer
    that does not round every value). At least one: a 1 or a 0 alone does not say how the
    others were printed."""
    found = [_decimals(value) for value in values if math.isfinite(value)]
    if not found or None in found or max(found) >= 4:
        return None
    return max(max(found), 1)


#: The two constant predictors: every pixel foreground, or none.
CONSTANT_PREDICTORS = ("all_ones", "all_zeros")
#: The formula behind each expected score of the all-ones predictor.
ALL_ONES_FORMULAS = {"dice": "2f/(1+f)", "iou": "f"}


@dataclass(frozen=True)
class ConstantPredictorFit:
    """Logged numbers that match what predicting one class everywhere scores.

    ``true_negative_share`` (all-ones only) is the share of pixels the numbers imply were
    correctly predicted background: 0 for the all-ones predictor itself.
    ``foreground_fraction`` is the fraction the constant predictor would have: a lower bound
    (all-ones: f = a + FN) or an upper bound (all-zeros: f = 1 - a - FP) for any other
    prediction with the same numbers. ``proven``: a measured foreground fraction equals it,
    (all-zeros) every Dice/IoU is exactly 0, so the numbers admit only the constant predictor.
    ``zero_tolerance`` (all-zeros only): the largest Dice/IoU counted as the 0 of an empty
    prediction; a Dice below it but not 0 leaves a few true positives
    (:attr:`true_positive_share`), and the fit is then only consistent with predicting no
    foreground. ``measured_fraction``: the caller's measured foreground fraction, when the
    fit's equals it (within the tolerance).
    """

    predictor: str  # "all_ones" or "all_zeros"
    foreground_fraction: float
    accuracy: float
    dice: float | None = None
    expected_dice: float | None = None
    iou: float | None = None
    expected_iou: float | None = None
    true_negative_share: float | None = None
    proven: bool = False
    zero_tolerance: float | None = None
    measured_fraction: float | None = None
    #: the decimals the log printed every value with, where fewer than four
    #: (:func:`printed_decimals`); None: four at least, or full precision
    printed_decimals: int | None = None
    #: (role, half unit) for the accuracy, Dice or IoU whose prints the log reader measured
    #: (a percentage: ``99.5%`` read as 0.995 stands for 0.9945-0.9955, which the value
    #: alone cannot tell from a four-decimal 0.9950); the others' from their own decimals
    printed_half_units: tuple[tuple[str, float], ...] = ()

    def half_unit(self, role: str) -> float:
        """How far the value the printed ``role`` ("accuracy", "dice", "iou") stands for may
        lie from it: its own print's half unit where the reader measured it, else half a
        unit of its last decimal (:func:`printed_half_unit`)."""
        measured = dict(self.printed_half_units)
        if role in measured:
            return measured[role]
        return printed_half_unit(getattr(self, role), self.printed_decimals or 4)

    @property
    def scores_exactly_zero(self) -> bool:
        """Every Dice/IoU matched is 0 as printed (all-zeros: then TP = 0, not only near)."""
        return all(value == 0.0 for value in (self.dice, self.iou) if value is not None)

    @property
    def true_positive_share(self) -> float:
        """All-zeros: the share of pixels a pooled hard Dice ``d`` (``TP = d(1-a)/(2(1-d))``)
        or IoU ``j`` (``TP = j(1-a)/(1-j)``) implies are true positives, the larger of the
        two; 0 for scores of exactly 0. A smoothing term makes the true share smaller."""
        shares = [0.0]
        if self.dice is not None and self.dice < 1:
            shares.append(self.dice * (1 - self.accuracy) / (2 * (1 - self.dice)))
        if self.iou is not None and self.iou < 1:
            shares.append(self.iou * (1 - self.accuracy) / (1 - self.iou))
        return max(shares)

    @property
    def true_negatives_seen(self) -> bool:
        """All-ones: the Dice/IoU against the accuracy leave more than the tolerance of the
        pixels correctly predicted background (TN > 0), which that predictor never does: the
        numbers are then near its scores, not its scores."""
        return (self.true_negative_share or 0.0) > SATURATION_TOLERANCE

    @property
    def true_positive_share_at_least(self) -> float:
        """All-ones: the smallest TP share (``TP <= f``) the Dice (``d(1-a)/(2(1-d))``) or IoU
        (``j(1-a)/(1-j)``) gives with each printed value anywhere within half a unit of its
        last printed decimal (the fourth, as Keras prints it, or :attr:`printed_decimals`):
        near a = 1 that rounding hides a TN of a few percent (0.9950 and 0.9975 allow TP
        0.968, TN 0.027; 0.990 and 0.995 printed to three decimals TP 0.859, TN 0.132)."""
        accuracy = min(self.accuracy + self.half_unit("accuracy"), 1.0)
        shares = [0.0]
        if self.dice is not None and self.dice < 1:
            dice = self.dice - self.half_unit("dice")
            shares.append(dice * (1 - accuracy) / (2 * (1 - dice)))
        if self.iou is not None and self.iou < 1:
            iou = self.iou - self.half_unit("iou")
            shares.append(iou * (1 - accuracy) / (1 - iou))
        return max(shares)

    @property
    def rounding_hides_true_negatives(self) -> bool:
        """All-ones: TN = 0 as printed, but the rounding of the printed values allows a TN
        above the tolerance (the bound on f then comes from that rounding)."""
        return (not self.true_negatives_seen and self.foreground_fraction
                - self.true_positive_share_at_least > SATURATION_TOLERANCE)

    @property
    def true_negative_share_range(self) -> tuple[float, float]:
        """All-ones: the least and most TN (``a - TP``) the Dice/IoU against the accuracy
        give with each printed value anywhere within half a unit of its last decimal: 0.9900
        and 0.9948 stand for TN 0.019 to 0.047, not only the 0.0335 they give as printed."""
        low = self.accuracy - self.half_unit("accuracy")
        most_true_positives = [low]
        for role, value, share in (
                ("dice", self.dice, lambda d: d * (1 - low) / (2 * (1 - d))),
                ("iou", self.iou, lambda j: j * (1 - low) / (1 - j))):
            if value is not None and value + self.half_unit(role) < 1:
                most_true_positives.append(share(value + self.half_unit(role)))
        high = min(self.accuracy + self.half_unit("accuracy"), 1.0)
        return (max(low - min(most_true_positives), 0.0),
                high - self.true_positive_share_at_least)

    @property
    def true_negative_share_at_most(self) -> float:
        """All-ones: the most TN the rounding of the printed values allows, ``a - TP`` (an
        accuracy is at most 1, however wide its print's rounding)."""
        return min(self.accuracy + self.half_unit("accuracy"), 1.0) - self.fraction_at_least

    @property
    def fraction_at_least(self) -> float:
        """All-ones: the lowest foreground fraction these numbers allow, ``a - TN``
        (``TP = a - TN <= f``); a TN within the tolerance counts as the predictor's 0 unless
        the rounding of the printed values allows more (:attr:`true_positive_share_at_least`)."""
        at_least = self.foreground_fraction - (
            self.true_negative_share or 0.0 if self.true_negatives_seen else 0.0)
        rounded = self.true_positive_share_at_least
        return rounded if at_least - rounded > SATURATION_TOLERANCE else at_least

    @property
    def fraction_at_most(self) -> float:
        """All-zeros: the highest foreground fraction these numbers allow, ``1 - a + TP``
        (``f = 1 - a - FP + TP``)."""
        return self.foreground_fraction + self.true_positive_share

    @property
    def assumptions(self) -> tuple[Assumption, ...]:
        if self.predictor == "all_ones":
            implied = (Assumption.BINARY_LABELS, Assumption.POOLED_DICE,
                       Assumption.TRUE_NEGATIVES_ZERO)
            return implied if self.proven else (*implied, Assumption.FALSE_NEGATIVES_ZERO)
        if not self.scores_exactly_zero:  # TP near 0, bounded through a pooled Dice
            return (Assumption.BINARY_LABELS, Assumption.POOLED_DICE,
                    Assumption.FALSE_POSITIVES_ZERO)
        implied = (Assumption.BINARY_LABELS, Assumption.TRUE_POSITIVES_ZERO)
        return implied if self.proven else (*implied, Assumption.FALSE_POSITIVES_ZERO)

    @property
    def fraction_bound(self) -> str:
        """``"exact"`` (proven), ``"lower"`` (all-ones) or ``"upper"`` (all-zeros)."""
        if self.proven:
            return "exact"
        return "lower" if self.predictor == "all_ones" else "upper"

    def as_dict(self) -> dict:
        """The fit as evidence: observed and expected values, residuals (observed -
        expected), the formulas of the all-ones predictor and its true-negative share."""
        result: dict = {"predictor": self.predictor,
                        "foreground_fraction": self.foreground_fraction,
                        "foreground_fraction_bound": self.fraction_bound,
                        "proven": self.proven, "accuracy": self.accuracy}
        formulas = ALL_ONES_FORMULAS if self.predictor == "all_ones" else {}
        for key, value, expected in (("dice", self.dice, self.expected_dice),
                                     ("iou", self.iou, self.expected_iou)):
            if value is not None:
                result.update({key: value, f"expected_{key}": expected,
                               f"{key}_residual": value - expected})
                if key in formulas:
                    result[f"{key}_formula"] = formulas[key]
        if self.true_negative_share is not None:
            result["true_negative_share"] = self.true_negative_share
            if self.fraction_at_least < self.foreground_fraction:
                result["foreground_fraction_at_least"] = self.fraction_at_least
            low, high = self.true_negative_share_range
            if self.true_negatives_seen and high - low > SATURATION_TOLERANCE:
                result["true_negative_share_between"] = [low, high]
            if self.rounding_hides_true_negatives:
                result["true_negative_share_at_most"] = self.true_negative_share_at_most
                if self.printed_decimals is not None:
                    result["printed_decimals"] = self.printed_decimals
                if self.printed_half_units:
                    result["printed_half_units"] = dict(self.printed_half_units)
        if self.predictor == "all_zeros":
            result.update({"scores_exactly_zero": self.scores_exactly_zero,
                           "zero_tolerance": self.zero_tolerance})
            if not self.scores_exactly_zero:
                result.update({"true_positive_share": self.true_positive_share,
                               "foreground_fraction_at_most": self.fraction_at_most})
        if self.measured_fraction is not None:
            result["measured_foreground_fraction"] = self.measured_fraction
        return result


def _usable(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def true_negative_share_from_dice(accuracy: float, dice: float) -> float:
    """The share of pixels correctly predicted background behind a pooled hard Dice:
    ``d = 2(a - TN) / (1 + a - 2 TN)``, so ``TN = (2a - d(1 + a)) / (2(1 - d))``."""
    return (2 * accuracy - dice * (1 + accuracy)) / (2 * (1 - dice))


def true_negative_share_from_iou(accuracy: float, iou: float) -> float:
    """``IoU = (a - TN) / (1 - TN)``, so ``TN = (a - IoU) / (1 - IoU)``."""
    return (accuracy - iou) / (1 - iou)


def constant_fit(predictor: str, accuracy: float, dice: float | None = None,
                 iou: float | None = None, tolerance: float = SATURATION_TOLERANCE, *,
                 thresholds: SaturationThresholds = DEFAULT_THRESHOLDS
                 ) -> ConstantPredictorFit | None:
    """How these numbers fit ``"all_ones"`` or ``"all_zeros"``, or ``None`` when they do not
    (see :func:`fingerprint_all_ones` and :func:`fingerprint_all_zeros`)."""
    if not _usable(accuracy) or not 0.0 < accuracy < 1.0:
        return None
    if not (_usable(dice) or _usable(iou)):
        return None
    if predictor == "all_ones":
        return _all_ones_fit(accuracy, dice, iou, tolerance, thresholds)
    return _all_zeros_fit(accuracy, dice, iou, tolerance, thresholds)


def _all_ones_fit(accuracy, dice, iou, tolerance, thresholds) -> ConstantPredictorFit | None:
    fraction = float(accuracy)
    if 1.0 - fraction <= tolerance:
        return None  # a perfect model scores the same accuracy, Dice and IoU: no telling
    expected_dice = observed_dice = observed_iou = None
    true_negative_shares = []
    residuals = []
    if _usable(dice):
        expected_dice = all_ones_dice(fraction)
        if dice >= 1.0 or expected_dice <= 2 * tolerance:
            return None
        true_negative_shares.append(true_negative_share_from_dice(fraction, dice))
        observed_dice = float(dice)
        residuals.append(abs(observed_dice - expected_dice))
    if _usable(iou):
        if iou >= 1.0:
            return None
        true_negative_shares.append(true_negative_share_from_iou(fraction, iou))
        observed_iou = float(iou)
        residuals.append(abs(observed_iou - fraction))
    true_negative_share = max(true_negative_shares, key=abs)
    if max(residuals) > tolerance or abs(true_negative_share) > thresholds.max_true_negative_share:
        return None
    return ConstantPredictorFit(
        "all_ones", fraction, fraction, dice=observed_dice, expected_dice=expected_dice,
        iou=observed_iou, expected_iou=fraction if observed_iou is not None else None,
        true_negative_share=true_negative_share)


def _all_zeros_fit(accuracy, dice, iou, tolerance, thresholds) -> ConstantPredictorFit | None:
    # the all-ones alternative must be told apart: its Dice 2a/(1+a) has to be clearly > 0
    if all_ones_dice(accuracy) <= 2 * tolerance:
        return None
    near_zero = max(tolerance, thresholds.empty_prediction_dice)
    observed = {}
    for key, value in (("dice", dice), ("iou", iou)):
        if _usable(value):
            if abs(value) > near_zero:
                return None
            observed[key] = float(value)
    return ConstantPredictorFit(
        "all_zeros", 1.0 - float(accuracy), float(accuracy),
        dice=observed.get("dice"), expected_dice=0.0 if "dice" in observed else None,
        iou=observed.get("iou"), expected_iou=0.0 if "iou" in observed else None,
        zero_tolerance=near_zero)


def fingerprint_all_ones(accuracy: float, dice: float | None = None, iou: float | None = None,
                         tolerance: float = SATURATION_TOLERANCE, *,
                         thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> dict | None:
    """Are these numbers what predicting every pixel as foreground scores? The evidence, or
    ``None``.

    Predicting foreground everywhere on data with foreground fraction ``f`` scores accuracy
    ``f``, Dice ``2f/(1+f)`` (:func:`unetdiag.diag.core.dice.all_ones_dice`) and IoU ``f``. So the
    accuracy gives ``f`` and the Dice and/or IoU must follow within ``tolerance``. Any
    prediction with no true negative scores the same Dice and IoU for its accuracy (its
    foreground fraction is then above ``a``), so the numbers are consistent with the all-ones
    predictor, not proof of it. Smoothing
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
    fit = constant_fit("all_ones", accuracy, dice, iou, tolerance, thresholds=thresholds)
    return None if fit is None else fit.as_dict()


def fingerprint_all_zeros(accuracy: float, dice: float | None = None, iou: float | None = None,
                          tolerance: float = SATURATION_TOLERANCE, *,
                          thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> dict | None:
    """Are these numbers what predicting no foreground at all scores? The evidence, or ``None``.

    An empty prediction scores Dice 0 and IoU 0 (no true positive) and accuracy ``1 - f``:
    so ``1 - accuracy`` is the foreground fraction. A Dice of 0 only says there is no true
    positive: a model that predicts some foreground, all of it wrong, scores it too, on data
    with less foreground than ``1 - accuracy`` (an upper bound). With smoothing ``s`` its
    Dice is ``s/(T+s)`` per image, near 0 for objects of more than a few pixels (see
    :attr:`SaturationThresholds.empty_prediction_dice`); but an empty mask predicted empty
    scores 1, so under a smoothed per-image Dice the empty prediction scores the share of
    empty masks, which a log does not show: that form is left to callers who know the data
    (``baselines``).

    >>> round(fingerprint_all_zeros(0.9210, dice=0.0)["foreground_fraction"], 3)
    0.079
    """
    fit = constant_fit("all_zeros", accuracy, dice, iou, tolerance, thresholds=thresholds)
    return None if fit is None else fit.as_dict()


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


def max_soft_iou(accuracy: float) -> float:
    """The highest soft IoU any prediction can score at this pixel accuracy, labels in [0, 1]:
    ``J = d/(2-d)`` of :func:`max_soft_dice`, i.e. ``(1+a)/2``. A hard IoU is bounded by the
    lower ``a``.

    >>> max_soft_iou(0.0868)
    0.5434
    """
    return (1.0 + accuracy) / 2.0


def binary_entropy(fraction: float) -> float:
    """``H(f) = -f ln f - (1-f) ln(1-f)``: the binary cross-entropy of predicting the
    probability ``f`` at every pixel of data whose foreground fraction is ``f`` (the class
    prior). ``H(0.5) = ln 2`` is also the cross-entropy of predicting 0.5 on any data."""
    if not 0.0 < fraction < 1.0:
        return 0.0
    return -(fraction * math.log(fraction) + (1 - fraction) * math.log(1 - fraction))


def mean_label_if_all_ones(dice: float) -> float:
    """The mean label value ``m`` at which predicting 1 everywhere scores this Dice:
    ``d = 2m/(1+m)``, so ``m = d/(2-d)`` (infinite from ``d = 2`` on)."""
    return dice / (2 - dice) if dice < 2 else math.inf


def constant_scores(predictor: str, foreground_fraction: float) -> tuple[float, float]:
    """(accuracy, hard Dice) of ``"all_ones"`` or ``"all_zeros"`` on binary masks."""
    if predictor == "all_ones":
        return foreground_fraction, all_ones_dice(foreground_fraction)
    return 1 - foreground_fraction, 0.0


def constant_baseline(kind: str, foreground_fraction: float) -> tuple[float, str] | None:
    """(best score of a constant predictor, which predictor) for an accuracy, Dice or IoU
    metric on data with this foreground fraction; ``None`` for other kinds."""
    if kind == "accuracy":
        majority = "all_ones" if foreground_fraction >= 0.5 else "all_zeros"
        return max(foreground_fraction, 1 - foreground_fraction), majority
    if kind == "dice":
        return all_ones_dice(foreground_fraction), "all_ones"
    if kind == "iou":
        return float(foreground_fraction), "all_ones"
    return None


def share_of_headroom_closed(value: float, majority_share: float) -> float:
    """How much of the way from the majority-class share to 1 an accuracy has come."""
    headroom = 1.0 - majority_share
    return (value - majority_share) / headroom if headroom > 0 else 1.0
