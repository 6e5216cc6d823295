"""Phrases every metric-series finding shares: epochs, fingerprints, causes.

>>> all_ones_formula(0.995)
'2*0.995/1.995 = 0.99749'
>>> epoch_span([1, 2, 3, 5, 25, 26, 27])
'1-3, 5 and 25-27'
>>> epoch_list([25, 26, 27], 10)
'epochs 25-27 (3 of the 10 logged)'
>>> consistent_with(["labels_above_one"])
'consistent with labels above 1 (masks on a 0-255 scale, never divided by 255)'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from unetdiag.diag.checks.saturation.algebra import ConstantPredictorFit
from unetdiag.diag.checks.saturation.evidence import Cause, Claim
from unetdiag.diag.checks.saturation.thresholds import SATURATION_TOLERANCE
from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.dice import all_ones_dice
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import (
    capitalised,
    join_names,
    percent,
    percent_at_least,
    percent_at_most,
)

#: What each cause of an impossible value is, in a few words.
CAUSE_WORDS = {
    Cause.LABELS_ABOVE_ONE.value: "labels above 1 (masks on a 0-255 scale, never divided by 255)",
    Cause.LABELS_NOT_BINARY.value: ("soft labels between 0 and 1 (e.g. JPEG masks divided by "
                                    "255 and never thresholded)"),
    Cause.PREDICTIONS_OUTSIDE_UNIT_INTERVAL.value: (
        "predictions outside [0, 1] (a model without a final sigmoid, or a metric fed logits)"),
    Cause.LOSS_BELOW_ZERO_BY_DESIGN.value: (
        "a loss whose minimum is below 0 by construction (e.g. loss = -Dice, or class "
        "weights that sum to more than 1)"),
    Cause.ACCURACY_NOT_BINARY_PIXEL_ACCURACY.value: (
        "an accuracy that is not the binary pixel accuracy of these masks (a categorical "
        "accuracy, or another output's)"),
    Cause.METRIC_IN_PERCENT.value: (
        "an accuracy in percent (every value lies in [0, 100]: a custom metric or print "
        "that multiplies by 100)"),
    Cause.METRIC_COMPUTED_WRONGLY.value: (
        "a metric computed wrongly (a custom function, sample weights, or labels and "
        "predictions of mismatched shapes)"),
}
#: The fix for masks that are not {0, 1}.
MAP_MASKS = "Map every mask to {0, 1} before training (threshold 8-bit masks at 127)"


@dataclass(frozen=True)
class SeriesSubject:
    """What a metric series was measured on, as its findings name it: by default a training
    run, one value per epoch on its training and validation data; or numbers measured once
    on one set of images (``unetdiag evaluate``), which have no epochs and no phases."""

    #: the data every number was measured on; None: a run's, named by phase
    data: str | None = None
    #: the metrics as the sentences name them, by history key (other keys are quoted as such)
    metric_words: Mapping[str, str] = field(default_factory=dict)
    per_epoch: bool = True

    def data_of(self, phase: str) -> str:
        """``"the validation data"``, or the data every number was measured on."""
        return self.data or f"the {phase} data"

    def metric(self, name: str) -> str:
        return self.metric_words.get(name, name)

    def opening(self, sentence: str) -> str:
        """A sentence that may open with a metric: capitalised when metrics are named in
        words; a logged key (``val_dice``) is quoted as logged."""
        return capitalised(sentence) if self.metric_words else sentence

    def at_epochs(self, epochs: Sequence[int], total: int) -> str:
        """``" at epochs 2-3 (2 of the 5 logged)"``; nothing for numbers measured once."""
        return f" at {epoch_list(epochs, total)}" if self.per_epoch else ""


#: The subject of a training log or history: a run's epochs.
TRAINING_RUN = SeriesSubject()


def finding(finding_id: str, claim: Claim, title: str, explanation: str, fix: str) -> Finding:
    """The finding saying ``claim``: its evidence (with ``"assumes"``), severity and source."""
    return Sentences(title, explanation, fix).finding(finding_id, claim.severity,
                                                      claim.as_evidence(), claim.source)


def consistent_with(found: Sequence[str]) -> str:
    """``"consistent with A, B or C"`` for causes (:class:`~.evidence.Cause` values)."""
    words = [CAUSE_WORDS[cause] for cause in found]
    if len(words) <= 1:
        return "consistent with " + "".join(words)
    return "consistent with " + ", ".join(words[:-1]) + " or " + words[-1]


def epoch_span(epochs: Sequence[int]) -> str:
    """``[1, 2, 3, 5, 25, 26]`` -> ``"1-3, 5 and 25-26"``."""
    ranges: list[list[int]] = []
    for epoch in epochs:
        if ranges and epoch == ranges[-1][1] + 1:
            ranges[-1][1] = epoch
        else:
            ranges.append([epoch, epoch])
    return join_names([f"{first}-{last}" if last > first else str(first)
                       for first, last in ranges])


def printed_range(data: Mapping) -> str:
    """``"0.3561-0.3563"`` when a value's ``low`` and ``high`` differ at four decimals,
    else ``"0.3405"``."""
    low, high = f"{data['low']:.4f}", f"{data['high']:.4f}"
    return low if low == high else f"{low}-{high}"


def epoch_list(epochs: Sequence[int], total: int) -> str:
    """``"epochs 2-3 (2 of the 5 logged)"``, or ``"every one of the 5 epochs"`` when all."""
    epochs = list(epochs)
    if len(epochs) == total:
        return f"every one of the {total} epochs" if total > 1 else "the only epoch"
    return (f"epoch{'s' if len(epochs) > 1 else ''} {epoch_span(epochs)} "
            f"({len(epochs)} of the {total} logged)")


def epoch_of(epoch: int, epochs: int, last_epoch: int) -> str:
    """``"epoch 3 of the 5 logged"`` when the log counts epochs from 1, else ``"epoch 20"``
    (the number of epochs a run was given is not known: a log can stop early)."""
    if last_epoch != epochs:
        return f"epoch {epoch}"
    return f"epoch {epoch}, the only one logged" if epochs == 1 else \
        f"epoch {epoch} of the {epochs} logged"


def non_finite_word(values_at_onset: Sequence[str]) -> str:
    """``"NaN"``, ``"infinite"`` or ``"NaN or infinite"``, as the values printed."""
    kinds = set(values_at_onset)
    return "NaN" if kinds == {"NaN"} else "infinite" if "NaN" not in kinds else \
        "NaN or infinite"


def non_finite_when(evidence: Mapping) -> str | None:
    """``"at epoch 39, finite from epoch 40 on"`` or ``"at epochs 4 and 7-12"`` when the
    metrics of the onset are not non-finite at every epoch from it to the last; None when
    they are (the wording says "from" then)."""
    epochs, onset, last = (evidence["non_finite_epochs"], evidence["onset_epoch"],
                           evidence["last_epoch"])
    if epochs and epochs[-1] == last and epochs == list(range(onset, last + 1)):
        return None
    where = f"at epoch {epochs[0]}" if len(epochs) == 1 else f"at epochs {epoch_span(epochs)}"
    return where + (f", finite from epoch {epochs[-1] + 1} on" if epochs[-1] < last else "")


def describe_fingerprint(fingerprint: Mapping, subject: SeriesSubject = TRAINING_RUN) -> str:
    """The numbers a fingerprint matched: ``"val_accuracy 0.9950 and val_dice_coef 0.9975"``."""
    parts = [f"{subject.metric(fingerprint['accuracy_metric'])} {fingerprint['accuracy']:.4f}"]
    for kind in ("dice", "iou"):
        if fingerprint.get(f"{kind}_metric"):
            parts.append(f"{subject.metric(fingerprint[f'{kind}_metric'])} "
                         f"{fingerprint[kind]:.4f}")
    return join_names(parts)


def all_ones_formula(fraction: float) -> str:
    """``"2*0.995/1.995 = 0.99749"``: the all-ones Dice, spelled out."""
    return f"2*{fraction:.4g}/{1 + fraction:.4g} = {all_ones_dice(fraction):.5f}"


#: How a fingerprint's foreground fraction relates to the true one: measured, or bounded.
_FRACTION_RELATION = {"exact": "=", "lower": ">=", "upper": "<="}


def fraction_relation(fit: ConstantPredictorFit) -> str:
    """ "f >= 0.8": the foreground fraction a fingerprint measures (proven) or bounds, from
    below for all-ones (TP = accuracy, FN unknown), from above for all-zeros (``1 - a + TP``:
    a Dice near 0 allows a few true positives)."""
    value = {"upper": fit.fraction_at_most, "lower": fit.fraction_at_least}.get(
        fit.fraction_bound, fit.foreground_fraction)
    return f"f {_FRACTION_RELATION[fit.fraction_bound]} {value:.4g}"


_DECIMAL_WORDS = {1: ("one", "first"), 2: ("two", "second"), 3: ("three", "third")}


def decimal_prints(decimals: int | None, ordinal: bool = False) -> str:
    """ "four-decimal prints" (Keras's), or the fewer decimals a log printed every value with
    (:func:`~unetdiag.diag.checks.saturation.algebra.printed_decimals`); ``ordinal``: "fourth
    decimal"."""
    cardinal, nth = _DECIMAL_WORDS.get(decimals or 4, ("four", "fourth"))
    return f"{nth} decimal" if ordinal else f"{cardinal}-decimal prints"


def last_decimal(fit: ConstantPredictorFit) -> str:
    """ "fourth decimal", or "last printed decimal" where the reader measured a print's own
    (a percentage beside four-decimal values: the prints do not share one count)."""
    if fit.printed_half_units:
        return "last printed decimal"
    return decimal_prints(fit.printed_decimals, ordinal=True)


def true_negative_words(evidence: Mapping) -> str:
    """An all-ones fit's TN share: "3.35 %" at full precision, "between 1.92 % and 4.74 %"
    where the rounding of the printed values leaves that range."""
    if "true_negative_share_between" in evidence:
        low, high = evidence["true_negative_share_between"]
        return f"between {percent_at_least(low)} and {percent_at_most(high)}"
    return percent(evidence.get("true_negative_share") or 0.0)


def all_ones_reading(fit: ConstantPredictorFit, data: str, what: str) -> str:
    """What an all-ones fit's numbers say of TN and f (binary labels, thresholded predictions,
    a pooled Dice): TN = 0 and f >= a; TN = 0 as printed, but the rounding of the prints
    allowing more (f then bounded by that rounding); or a TN of its own (red team s32:
    accuracy 0.9900 and Dice 0.9948 are also TP 0.9565, TN 0.0335, FN 0.01, FP 0)."""
    at_least = percent_at_least(fit.fraction_at_least)
    assumed = "for binary labels, thresholded predictions and a pooled Dice"
    if fit.true_negatives_seen:
        return ("Together the numbers put the pixels correctly predicted background at "
                f"{true_negative_words(fit.as_dict())} (TN, {assumed}; 0 for that "
                f"predictor), so at least {at_least} of {data} is foreground: consistent with "
                f"{what} only if rounding or a smoothing term makes up that share; a model "
                "that predicts that much background right scores the same.")
    if fit.rounding_hides_true_negatives:
        return ("Together the printed numbers say that no pixel is correctly predicted "
                f"background (TN = 0, {assumed}), but each print stands for any value within "
                f"half a unit of its {last_decimal(fit)}, "
                "which near a = 1 allows a TN of up to "
                f"{percent_at_most(fit.true_negative_share_at_most)} of the pixels: so at least "
                f"{at_least} of {data} is foreground, consistent with {what}; a model that "
                "gets that share of the pixels right as background, or that misses some "
                "foreground, scores the same.")
    return ("Together the numbers say that no pixel is correctly predicted background (TN = "
            f"0, {assumed}), so at least {at_least} of {data} is foreground: consistent with "
            f"{what}, the one such prediction when {at_least} of {data} is foreground; a "
            "model that also misses some foreground scores the same on data with more "
            "foreground.")


def all_ones_bound(phase: dict, phase_name: str) -> str:
    """The headline's sentence on what an all-ones fit's numbers (its ``phase`` evidence) say
    of TN and f, with the TN the Dice leaves (red team
    s32) or that the rounding of the prints allows near a = 1."""
    at_least = percent_at_least(phase.get("foreground_fraction_at_least",
                                          phase["foreground_fraction"]))
    assumed = "for binary labels, thresholded predictions and a pooled Dice"
    true_negatives = phase.get("true_negative_share", 0.0)
    if true_negatives > SATURATION_TOLERANCE:
        return (f"So {true_negative_words(phase)} of the {phase_name} pixels are correctly "
                f"predicted background (TN, {assumed}; 0 for that predictor) and the "
                f"{phase_name} data is at least {at_least} foreground")
    if "true_negative_share_at_most" in phase:
        prints = ("the prints" if phase.get("printed_half_units")
                  else decimal_prints(phase.get("printed_decimals")))
        return (f"So no {phase_name} pixel is correctly predicted background as printed (TN = "
                f"0, {assumed}), though the rounding of {prints} allows up to "
                f"{percent_at_most(phase['true_negative_share_at_most'])}, and the "
                f"{phase_name} data is at least {at_least} foreground")
    return (f"So no {phase_name} pixel is correctly predicted background (TN = 0, {assumed}) "
            f"and the {phase_name} data is at least {at_least} foreground (exactly that if "
            "every pixel is predicted foreground, more if some foreground is missed)")
