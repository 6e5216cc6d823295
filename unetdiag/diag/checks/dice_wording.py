"""The sentences of the ``dice.*`` findings: evidence in, :class:`Sentences` out.

:mod:`unetdiag.diag.checks.dice_stability` measures and decides; every number quoted here
comes from the evidence it reports (or is passed in by name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.dice import DiceConfig

SAFE_FIX = ("Use unetdiag's default: batch Dice with smoothing 1 (--dice-preset default, or "
            "--dice-smoothing 1 --dice-reduction batch).")
OTHER_TOOLS = ("Tools disagree on an empty mask: nnU-Net leaves it out (NaN) only when the "
               "prediction is empty too and scores 0 otherwise; MONAI's DiceMetric with "
               "ignore_empty leaves out every image whose mask is empty; Metrics Reloaded "
               "scores empty-with-empty 1, Keras's Dice 0.")


def _range_text(values: np.ndarray) -> str:
    low, high = float(values.min()), float(values.max())
    return f"{low:.3g}" if math.isclose(low, high) else f"{low:.3g} to {high:.3g}"


def _power_of_ten_below(value: float) -> float:
    return 10.0 ** math.floor(math.log10(value)) if value > 0 else 0.0


def convention_text(config: DiceConfig, scores: Mapping[str, float],
                    near_zero_sum: float) -> str:
    """What an empty mask scores under ``config``, from its scores by prediction sum."""
    perfect, near_zero, one_pixel = (scores[f"{total:g}"] for total in (0.0, near_zero_sum, 1.0))
    text = (f"Under {config.describe()} an empty mask scores {perfect:.3g} when the prediction "
            f"is exactly empty, {near_zero:.3g} when it sums to {near_zero_sum:g}, "
            f"and {one_pixel:.3g} with one false-positive pixel.")
    if config.smooth_numerator == 0 and config.reduction == "batch":
        # pooled, an empty mask's predicted foreground adds to the denominator of a batch
        # whose other masks hold objects, and the loss's gradient pushes it down
        text += (" Without numerator smoothing, scored alone it always scores 0 and gives no "
                 "gradient (Keras's convention): through the pooled Dice an empty mask "
                 "teaches the model only in a batch holding objects, where its predicted "
                 "foreground lowers the batch's Dice; a batch of empty masks teaches nothing.")
    elif config.smooth_numerator == 0:
        text += (" Without numerator smoothing it always scores 0 and gives no gradient "
                 "(Keras's convention): empty images teach the model nothing through Dice.")
    elif near_zero < 0.9 * perfect:
        text += (" The smoothing is so small that the score swings on invisible amounts of "
                 "predicted foreground.")
    return text


# --------------------------------------------------------------------------- before training


def config_gradient(config: DiceConfig, evidence: Mapping) -> Sentences:
    gradient, safe = evidence["empty_batch_max_gradient"], evidence["smoothing_1_max_gradient"]
    batch_size, batches = evidence["batch_size"], evidence["batches_per_epoch"]
    if config.reduction == "batch":
        when = (f"a batch of {batch_size} holds only empty masks with probability "
                f"{evidence['probability_batch_all_empty']:.3g}: about "
                f"{evidence['all_empty_batches_per_epoch']:.3g} of the {batches}"
                " batches of each epoch")
        subject = "a batch whose masks are all empty"
    else:
        when = (f"a batch of {batch_size} holds at least one empty mask with "
                f"probability {evidence['probability_batch_has_empty']:.3g}: about "
                f"{evidence['batches_with_empty_per_epoch']:.3g} of the "
                f"{batches} batches of each epoch")
        subject = "an empty mask (per-image Dice scores each image alone)"
    empty, images = evidence["empty_masks"], evidence["masks"]
    if empty == 0:
        exposure_text = ("No mask in this dataset is empty, so it cannot happen here, but a "
                         "random crop or a new dataset would trigger it.")
    else:
        exposure_text = f"{empty} of {images} masks ({empty / images:.1%}) are empty, so {when}."
    near_zero_sum = evidence["prediction_sum"]
    scan = "; ".join(f"sum {r['prediction_sum']:g}: loss {r['loss']:.3g}, gradient "
                     f"{r['max_gradient']:.3g}" for r in evidence["empty_batch_table"]
                     if r["prediction_sum"] != near_zero_sum)
    return Sentences(
        title=f"An empty batch gives Dice-loss gradients of {gradient:.3g} per pixel",
        explanation=(f"Under {config.describe()}, {subject} with a prediction summing to "
                     f"{near_zero_sum:g} has loss {evidence['empty_batch_loss']:.3g} and a "
                     f"per-pixel gradient of {gradient:.3g} (s / (P + s)^2), "
                     f"{gradient / max(safe, 1e-300):.3g} "
                     f"times the {safe:.3g} of smoothing 1. For other sums: "
                     f"{scan}; so the loss on such a batch jumps between 0 and 1 as the "
                     f"prediction moves by a hair. {exposure_text}"),
        fix=SAFE_FIX)


def config_smoothing(config: DiceConfig, evidence: Mapping) -> Sentences:
    small, typical = evidence["small_object_pixels"], evidence["typical_object_pixels"]
    small_share = evidence["smoothing_share_small"]
    quantile, batch_size = evidence["small_object_quantile"], evidence["batch_size"]
    if config.reduction == "batch":
        case = (f"a batch of {batch_size} small masks ({small:g} foreground pixels each, the "
                f"{quantile:.0%} quantile)")
        fix = ("Lower the smoothing well below the batch's foreground (e.g. "
               f"--dice-smoothing {_power_of_ten_below(small * batch_size / 100):g}), or "
               "train with larger batches.")
    else:
        case = (f"a small mask ({small:g} foreground pixels: {quantile:.0%} of "
                "the masks with an object have no more)")
        fix = ("Pool the Dice over the batch (--dice-reduction batch, unetdiag's default), "
               "where the constant is shared by the whole batch's foreground, or lower the "
               f"smoothing to about --dice-smoothing {_power_of_ten_below(small / 100):g}.")
    return Sentences(
        title=f"Dice smoothing alone is worth {small_share:.3f} Dice on small objects",
        explanation=(f"Under {config.describe()}, a model that predicts nothing on {case} "
                     f"scores Dice {small_share:.3f}, all of it from the smoothing constant "
                     f"(on a typical mask, {typical:g} pixels: "
                     f"{evidence['smoothing_share_typical']:.3g}). The constant can add up to "
                     "that much to any prediction on such masks, so Dice differences of that "
                     "size are the constant, not the model."),
        fix=fix)


def config_gap(config: DiceConfig, evidence: Mapping, empty_mask_score: float) -> Sentences:
    """``empty_mask_score``: what an empty mask predicted empty scores under ``config``."""
    per_image, pooled = evidence["per_image_dice_all_zeros"], evidence["batch_dice_all_zeros"]
    empty, images = evidence["empty_masks"], evidence["masks"]
    if config.reduction == "per_image":
        meaning = (f"The Dice loss averages per image, so its Dice starts at {per_image:.3f} "
                   "before learning anything, and a high, flat value of it may be the empty "
                   "images alone.")
    else:
        meaning = ("The Dice loss pools the batch; a per-image Dice of the same "
                   f"predictions (MONAI's default) would read {evidence['gap']:.3f} higher.")
    return Sentences(
        title=(f"Predicting nothing scores per-image Dice {per_image:.3f} but batch Dice "
               f"{pooled:.3f}"),
        explanation=(f"{empty} of {images} masks ({empty / images:.1%}) are empty. Averaged "
                     f"per image, each counts as a perfect {empty_mask_score:g} when "
                     "predicted empty (numerator smoothing "
                     f"{config.smooth_numerator:g}); pooled over a batch, they add nothing. "
                     f"{meaning}"),
        fix=("Report batch Dice, or per-image Dice over the masks that contain an object "
             "only, and say how many empty masks were left out. " + SAFE_FIX))


def config_empty_convention(config: DiceConfig, evidence: Mapping, capped: bool,
                            near_zero_sum: float) -> Sentences:
    """``capped``: per-image Dice that scores every empty mask 0 caps the mean."""
    empty, images, share = evidence["empty_masks"], evidence["masks"], evidence["share"]
    scores = evidence["empty_mask_score_by_prediction_sum"]
    text = (f"{empty} of {images} masks ({share:.1%}) are empty. "
            f"{convention_text(config, scores, near_zero_sum)}")
    batch_size = evidence["batch_size"]
    if config.reduction == "batch":
        text += (" Under batch reduction that only matters when a whole batch is empty "
                 f"(probability {evidence['probability_batch_all_empty']:.3g} for batches of "
                 f"{batch_size}).")
    else:
        text += (" Under per-image reduction every empty mask is scored alone (a batch of "
                 f"{batch_size} holds one with probability "
                 f"{evidence['probability_batch_has_empty']:.3g}).")
    if capped:
        text += (f" So the mean per-image Dice can never exceed {1 - share:.3f}, however "
                 "good the model.")
    perfect = scores[f"{0.0:g}"]
    return Sentences(
        title=(f"{empty} empty masks; the Dice loss (batch Dice) counts them only through the "
               "foreground predicted on them, unless a whole batch is empty (then "
               f"{perfect:g} when predicted empty)" if config.reduction == "batch" else
               f"{empty} empty masks; the Dice loss (per-image Dice) scores an empty mask "
               f"predicted empty {perfect:g}"),
        explanation=f"{text} {REPORTED_DICE} {OTHER_TOOLS}",
        fix=(SAFE_FIX if capped else "Nothing to fix if the convention is intended; say which "
             "one when comparing numbers with other tools."))


# --------------------------------------------------------------------------- at epoch end


def probe_non_finite(evidence: Mapping) -> Sentences:
    return Sentences(
        title="Dice stability not judged: the probe batch holds NaN or Inf",
        explanation=(f"The validation probe has {evidence['labels']} non-finite labels "
                     f"and {evidence['predictions']} non-finite predictions, so no Dice "
                     "on it means anything this epoch."),
        fix=("See labels.non_finite for the labels and the NaN guard's findings for the "
             "model; non-finite predictions mean the weights are already NaN or Inf."))


def probe_smoothing(config: DiceConfig, evidence: Mapping) -> Sentences:
    value, share = evidence["dice"], evidence["smoothing_share"]
    detail = ""
    if "share_from_empty_masks" in evidence:
        detail = (f" Of that, {evidence['share_from_empty_masks']:.3f} comes from the "
                  f"{evidence['empty_masks']} empty masks, which score only through the "
                  "constant.")
    return Sentences(
        title=f"{share:.3f} of the probe's Dice {value:.3f} is the smoothing constant",
        explanation=(f"On the {evidence['images']}-image probe batch the Dice is {value:.3f} "
                     f"under {config.describe()} but {evidence['dice_without_smoothing']:.3f} "
                     f"without smoothing: the constant contributes {share:.3f}"
                     + (f" ({share / value:.0%} of the value)." if value > 0 else ".")
                     + detail),
        fix=("Read the Dice without smoothing (in this finding's evidence) when judging the "
             "model. " + SAFE_FIX))


def probe_gap(config: DiceConfig, evidence: Mapping) -> Sentences:
    per_image, pooled = evidence["per_image_dice"], evidence["batch_dice"]
    images, empty = evidence["images"], evidence["empty_masks"]
    parts = []
    if "empty_mask_mean_dice" in evidence:
        parts.append(f"{empty} of the {images} masks are empty and score "
                     f"{evidence['empty_mask_mean_dice']:.3f} on average, each weighing as "
                     "much as an image with an object")
    if "object_mask_mean_dice" in evidence:
        parts.append(f"the {images - empty} masks with objects average "
                     f"{evidence['object_mask_mean_dice']:.3f}")
    return Sentences(
        title=f"Per-image Dice {per_image:.3f} vs batch Dice {pooled:.3f} on the probe",
        explanation=(f"On the probe batch the mean per-image Dice is {per_image:.3f} and the "
                     f"batch (pooled) Dice {pooled:.3f}: {'; '.join(parts)}. Per-image "
                     "averaging also weighs a tiny object like a large one. "
                     + ("The Dice loss averages per image, so its value is set by the "
                        "reduction as much as by the model: the saturated-metric look."
                        if config.reduction == "per_image" else
                        f"The Dice loss pools the batch (the {pooled:.3f}), "
                        f"{abs(pooled - per_image):.3f} "
                        f"{'above' if pooled >= per_image else 'below'} the per-image mean of "
                        "the same predictions.")),
        fix=("Report batch Dice, or per-image Dice over masks with objects only, next to the "
             "number of empty masks. " + SAFE_FIX))


#: What a run's reported dice does with empty masks (train's hard per-image metrics).
REPORTED_DICE = ("The dice and iou the run reports are hard per-image scores (predictions "
                 "thresholded); what they do with an empty mask --empty-rule sets (config.json).")


def probe_empty(config: DiceConfig, evidence: Mapping, near_zero_sum: float) -> Sentences:
    """``evidence["dice_loss"]``: whether the model trains with the Dice of ``config`` (a
    cross-entropy variant does not: the scores are then what that Dice would give)."""
    count, images = evidence["empty_masks"], evidence["images"]
    scores = np.asarray(evidence["empty_mask_scores"])
    convention = convention_text(config, evidence["empty_mask_score_by_prediction_sum"],
                                 near_zero_sum)
    mean, sums = np.mean(scores), _range_text(np.asarray(evidence["empty_mask_prediction_sums"]))
    alone = "each" if count > 1 else "it"
    if not evidence.get("dice_loss", True):
        title = (f"{count} of {images} probe masks are empty; this variant trains with "
                 "cross-entropy, not the Dice loss")
        said = (f"The model's predictions on them sum to {sums}. The run's Dice loss "
                f"(summary.json's dice_loss, the _Dice variants' loss) would score {alone} alone "
                f"{_range_text(scores)}; this variant's loss holds no Dice. {convention}")
    elif config.reduction == "batch":
        title = (f"{count} of {images} probe masks are empty; scored alone, the Dice loss's "
                 f"soft Dice gives them {mean:.3f} on average")
        said = (f"The model's predictions on them sum to {sums} and, scored alone, score "
                f"{_range_text(scores)}. The loss pools the whole batch: an empty mask adds "
                "its predicted sum to the batch's, and is scored alone only in a batch whose "
                f"masks are all empty. {convention}")
    else:
        title = (f"{count} of {images} probe masks are empty; the Dice loss's per-image soft "
                 f"Dice scores them {mean:.3f} on average")
        said = (f"The model's predictions on them sum to {sums} and score "
                f"{_range_text(scores)}. {convention}")
    return Sentences(
        title=title,
        explanation=(f"{count} of the {images} probe masks are empty. {said} {REPORTED_DICE} "
                     + OTHER_TOOLS),
        fix="Nothing to fix if the convention is intended; say which one when comparing.")


def probe_gradient(config: DiceConfig, evidence: Mapping) -> Sentences:
    gradient = evidence["near_empty_max_gradient"]
    where = ("measured on the probe's empty masks" if evidence["measured"] else
             "estimated for an empty mask from the model's prediction on background pixels")
    return Sentences(
        title=f"Near an empty mask the Dice-loss gradient reaches {gradient:.3g} per pixel",
        explanation=(f"Under {config.describe()}, the model now predicts almost nothing on "
                     f"empty masks (summed prediction "
                     f"{evidence['near_empty_prediction_sum']:.3g}, {where}). There the loss "
                     f"is {evidence['near_empty_loss']:.3g} but its per-pixel gradient is "
                     f"{gradient:.3g}, against {evidence['probe_max_gradient']:.3g} on the "
                     "probe batch as a whole: an empty batch would hit the weights with a "
                     "step the data cannot justify."),
        fix=SAFE_FIX)


def probe_gradient_ratio(config: DiceConfig, evidence: Mapping) -> Sentences:
    ratio, empty, images = evidence["ratio"], evidence["empty_masks"], evidence["images"]
    return Sentences(
        title=f"Empty masks pull {ratio:.3g}x harder on the model than masks with objects",
        explanation=(f"Under {config.describe()}, the largest per-pixel Dice-loss gradient on "
                     f"the probe's {empty} empty masks is {evidence['empty_max_gradient']:.3g}"
                     f", against {evidence['object_max_gradient']:.3g} on the "
                     f"{images - empty} masks with objects: {ratio:.3g} times "
                     "more. Training is spent driving the prediction on empty images to zero, "
                     "which pushes the model toward predicting nothing."),
        fix=("Pool the Dice over the batch (--dice-reduction batch), where empty images are "
             "ordinary background pixels. " + SAFE_FIX))
