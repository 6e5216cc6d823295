"""How Dice smoothing and reduction are judged: the one place that does it.

A soft Dice ``(2I + s_n) / (T + P + s_d)`` has two knobs besides the data: the smoothing
constants and whether the sums run over each image (``per_image``) or the whole batch
(``batch``). Both decide what empty masks score and how hard they pull on the model:

* **Empty batches explode with tiny smoothing.** On an empty mask the loss gradient per pixel
  is ``s_n / (P + s_d)**2``. The original project's ``s = 1e-6`` gives 2.5e5 when the
  prediction sums to 1e-6 (loss 0.5); ``s = 1`` keeps it at or below 1.
* **Empty masks are scored by convention.** With numerator smoothing an empty mask predicted
  empty scores 1; without it (Keras) 0, with zero gradient.
* **Per-image and batch Dice disagree** when empty masks are common: per-image averaging
  counts each empty image as a perfect 1 while batch pooling ignores it (e.g. 0.70 vs 0.40 on
  a batch of 8 with 4 empty masks). That gap is the "saturated metric" look.
* **Smoothing can be the number.** On small objects, ``s_n / (T + s_d)`` of the Dice comes
  from the constant alone.

:func:`check_dice_config` judges a convention before training from the dataset's foreground
counts; :func:`check_dice_stability` judges it at the end of each epoch on a fixed validation
probe batch. All arithmetic comes from :mod:`unetdiag.diag.core.dice`.

>>> from unetdiag.diag.core.dice import SEED_DICE
>>> findings = check_dice_config(SEED_DICE, [0] * 95 + [500] * 5, [4096] * 100, batch_size=16)
>>> [(f.id, f.severity.value) for f in findings][0]
('dice.gradient_explodes_on_empty', 'error')
>>> findings[0].evidence["empty_batch_max_gradient"]
250000.0
"""

from __future__ import annotations

import math

import numpy as np

from unetdiag.diag.checks.masks import validated_counts
from unetdiag.diag.core.dice import (
    DEFAULT_DICE,
    DiceConfig,
    dice_loss_gradient_max,
    overlap_sums,
    smoothing_share,
    soft_dice_from_sums,
    trivial_baselines,
)
from unetdiag.diag.core.findings import Finding, Severity

#: A mask (or a whole batch, under batch reduction) with less foreground than this counts as
#: empty. Below one pixel of foreground the Dice denominator shrinks to the size of the
#: smoothing, and the gradient bound ``s / (P + s)**2`` is no longer held down by the data.
NEAR_EMPTY_FOREGROUND_PIXELS = 1.0
#: The summed prediction of a model that has learnt to output ~0 on background (sigmoid
#: outputs of 1e-10 over 10^4 pixels): the notes' measured case, where s = 1e-6 gives
#: loss 0.5 and gradient 2.5e5.
NEAR_ZERO_PREDICTION_SUM = 1e-6
#: Summed predictions at which the empty-batch loss and gradient are tabulated (the columns
#: of the measured table: from "almost nothing" to "one false-positive pixel").
PREDICTION_SUMS_SCANNED = (1e-6, 1e-4, 1e-2, 1.0)
#: Per-pixel Dice-loss gradient on an empty batch above which it "explodes". With smoothing 1
#: the bound is 1, and on real objects the gradient is about 2 / (T + P), far below 1; a
#: hundred times that bound swamps gradient clipping (the original used clipnorm=1) and
#: Adam's moment estimates from a single batch.
EMPTY_GRADIENT_WARNING = 100.0
#: Expected number of exploding batches per epoch from which the gradient finding is an
#: error: at one or more, it happens every epoch rather than by bad luck.
EXPLODING_BATCHES_PER_EPOCH_FOR_ERROR = 1.0
#: A smoothing share (Dice points contributed by the constants) at or above this is reported:
#: 0.05 Dice is more than the differences users read between variants.
SMOOTHING_SHARE_WARNING = 0.05
#: The "small object" of a dataset: this quantile of the non-empty masks' foreground counts.
SMALL_OBJECT_QUANTILE = 0.1
#: Per-image mean minus batch Dice at or above this (in Dice points) is reported: a healthy
#: run with objects of varied size differs by a few points; 0.1 means the reduction, not the
#: model, sets the number.
PER_IMAGE_BATCH_GAP_WARNING = 0.1
#: Under per-image averaging, empty images whose largest per-pixel gradient is this many
#: times that of the images with objects dominate training and pull it toward predicting
#: nothing (the notes measured 30x with s = 1).
EMPTY_GRADIENT_RATIO_WARNING = 10.0

_SAFE_FIX = ("Use unetdiag's default: batch Dice with smoothing 1 (--dice-preset default, or "
             "--dice-smoothing 1 --dice-reduction batch).")
_OTHER_TOOLS = ("Tools disagree here: nnU-Net and MONAI's DiceMetric leave such cases out "
                "(NaN), Metrics Reloaded scores them 1, Keras's Dice 0.")


def _per_image(config: DiceConfig) -> DiceConfig:
    return DiceConfig(config.smooth_numerator, config.smooth_denominator, "per_image")


def _batch(config: DiceConfig) -> DiceConfig:
    return DiceConfig(config.smooth_numerator, config.smooth_denominator, "batch")


def empty_mask_score(config: DiceConfig, prediction_sum: float = 0.0) -> float:
    """Soft Dice of one empty mask whose prediction sums to ``prediction_sum``.

    >>> empty_mask_score(DiceConfig(1e-6, 1e-6), 1e-6)
    0.5
    >>> empty_mask_score(DiceConfig(0.0, 1e-7))    # Keras: an empty mask always scores 0
    0.0
    """
    return soft_dice_from_sums([0.0], [0.0], [prediction_sum], config)


def empty_batch_response(config: DiceConfig, batch_size: int,
                         prediction_sums=PREDICTION_SUMS_SCANNED) -> list[dict[str, float]]:
    """Loss and largest per-pixel gradient of the Dice loss on a batch of empty masks.

    ``prediction_sum`` is the summed prediction inside one Dice ratio: over the whole batch
    under batch reduction, over each image under per-image reduction (where each image's
    gradient is also divided by ``batch_size``, the mean over images).

    >>> row = empty_batch_response(DiceConfig(1e-6, 1e-6), 16, [1e-6])[0]
    >>> row["loss"], row["max_gradient"]
    (0.5, 250000.0)
    """
    images = 1 if config.reduction == "batch" else batch_size
    rows = []
    for total in prediction_sums:
        zeros, sums = np.zeros(images), np.full(images, float(total))
        rows.append({"prediction_sum": float(total),
                     "loss": 1.0 - soft_dice_from_sums(zeros, zeros, sums, config),
                     "max_gradient": dice_loss_gradient_max(zeros, zeros, sums, config)})
    return rows


def _probability_all_from(chosen: int, total: int, draws: int) -> float:
    """Probability that ``draws`` items taken without replacement from ``total`` all come
    from a group of ``chosen`` (hypergeometric, as in a shuffled epoch)."""
    draws = min(draws, total)
    if chosen < draws:
        return 0.0
    return math.prod((chosen - i) / (total - i) for i in range(draws))


def _empty_exposure(empty: int, images: int, batch_size: int) -> dict[str, float]:
    """How often a shuffled batch is all empty, or holds at least one empty mask."""
    batches = math.ceil(images / batch_size)
    all_empty = _probability_all_from(empty, images, batch_size)
    any_empty = 1.0 - _probability_all_from(images - empty, images, batch_size)
    return {"batch_size": batch_size, "batches_per_epoch": batches,
            "probability_batch_all_empty": all_empty,
            "probability_batch_has_empty": any_empty,
            "all_empty_batches_per_epoch": all_empty * batches,
            "batches_with_empty_per_epoch": any_empty * batches}


# --------------------------------------------------------------------------- before training


def check_dice_config(config: DiceConfig, foreground_counts, pixel_counts, batch_size: int,
                      source: str = "") -> list[Finding]:
    """Judge a Dice convention against a dataset's statistics, before training.

    Args:
        config: the Dice loss/metric convention of the run.
        foreground_counts: foreground pixels of each training mask.
        pixel_counts: pixels of each training mask (at the training resolution).
        batch_size: the training batch size.
        source: where the counts came from.

    Returns, when they apply: ``dice.gradient_explodes_on_empty`` (error/warning/info),
    ``dice.smoothing_dominates`` (warning), ``dice.per_image_vs_batch_gap`` (warning under
    per-image reduction, info under batch), and always ``dice.empty_mask_convention`` (info,
    or warning when per-image Dice without numerator smoothing caps the mean).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, not {batch_size}")
    foreground, pixels = validated_counts(foreground_counts, pixel_counts)
    empty = int((foreground < NEAR_EMPTY_FOREGROUND_PIXELS).sum())
    exposure = _empty_exposure(empty, foreground.size, batch_size)
    findings = []
    exploding = _config_gradient_finding(config, empty, foreground.size, exposure, source)
    if exploding is not None:
        findings.append(exploding)
    dominated = _config_smoothing_finding(config, foreground, batch_size, source)
    if dominated is not None:
        findings.append(dominated)
    gap = _config_gap_finding(config, foreground, pixels, empty, source)
    if gap is not None:
        findings.append(gap)
    findings.append(_config_empty_convention_finding(config, empty, foreground.size, exposure,
                                                     source))
    return findings


def _config_gradient_finding(config, empty, images, exposure, source) -> Finding | None:
    table = empty_batch_response(config, exposure["batch_size"])
    headline = next(r for r in table if r["prediction_sum"] == NEAR_ZERO_PREDICTION_SUM)
    if headline["max_gradient"] < EMPTY_GRADIENT_WARNING:
        return None
    safe = empty_batch_response(_with_reduction(DEFAULT_DICE, config.reduction),
                                exposure["batch_size"], [NEAR_ZERO_PREDICTION_SUM])[0]
    if config.reduction == "batch":
        per_epoch = exposure["all_empty_batches_per_epoch"]
        probability = exposure["probability_batch_all_empty"]
        when = (f"a batch of {exposure['batch_size']} holds only empty masks with probability "
                f"{probability:.3g}: about {per_epoch:.3g} of the {exposure['batches_per_epoch']}"
                " batches of each epoch")
        subject = "a batch whose masks are all empty"
    else:
        per_epoch = exposure["batches_with_empty_per_epoch"]
        probability = exposure["probability_batch_has_empty"]
        when = (f"a batch of {exposure['batch_size']} holds at least one empty mask with "
                f"probability {probability:.3g}: about {per_epoch:.3g} of the "
                f"{exposure['batches_per_epoch']} batches of each epoch")
        subject = "an empty mask (per-image Dice scores each image alone)"
    if empty == 0:
        severity = Severity.INFO
        exposure_text = ("No mask in this dataset is empty, so it cannot happen here, but a "
                         "random crop or a new dataset would trigger it.")
    else:
        severity = (Severity.ERROR if per_epoch >= EXPLODING_BATCHES_PER_EPOCH_FOR_ERROR
                    else Severity.WARNING)
        exposure_text = f"{empty} of {images} masks ({empty / images:.1%}) are empty, so {when}."
    others = [r for r in table if r["prediction_sum"] != NEAR_ZERO_PREDICTION_SUM]
    scan = "; ".join(f"sum {r['prediction_sum']:g}: loss {r['loss']:.3g}, gradient "
                     f"{r['max_gradient']:.3g}" for r in others)
    return Finding(
        id="dice.gradient_explodes_on_empty", severity=severity,
        title=(f"An empty batch gives Dice-loss gradients of {headline['max_gradient']:.3g} "
               "per pixel"),
        explanation=(f"Under {config.describe()}, {subject} with a prediction summing to "
                     f"{NEAR_ZERO_PREDICTION_SUM:g} has loss {headline['loss']:.3g} and a "
                     f"per-pixel gradient of {headline['max_gradient']:.3g} (s / (P + s)^2), "
                     f"{headline['max_gradient'] / max(safe['max_gradient'], 1e-300):.3g} "
                     f"times the {safe['max_gradient']:.3g} of smoothing 1. For other sums: "
                     f"{scan}; so the loss on such a batch jumps between 0 and 1 as the "
                     f"prediction moves by a hair. {exposure_text}"),
        fix=_SAFE_FIX,
        evidence={"empty_batch_loss": headline["loss"],
                  "empty_batch_max_gradient": headline["max_gradient"],
                  "prediction_sum": NEAR_ZERO_PREDICTION_SUM,
                  "smoothing_1_max_gradient": safe["max_gradient"],
                  "threshold": EMPTY_GRADIENT_WARNING, "empty_batch_table": table,
                  "empty_masks": empty, "masks": images, **exposure,
                  "dice_config": config.to_dict()},
        source=source)


def _with_reduction(config: DiceConfig, reduction: str) -> DiceConfig:
    return _batch(config) if reduction == "batch" else _per_image(config)


def _config_smoothing_finding(config, foreground, batch_size, source) -> Finding | None:
    objects = foreground[foreground >= NEAR_EMPTY_FOREGROUND_PIXELS]
    if objects.size == 0:
        return None
    small = float(np.quantile(objects, SMALL_OBJECT_QUANTILE, method="lower"))  # a real mask
    typical = float(np.median(objects))
    # Dice of predicting nothing: without smoothing it is 0, so all of it is smoothing, and
    # no prediction on the same masks gets more from the constant.
    copies = batch_size if config.reduction == "batch" else 1

    def share(count: float) -> float:
        counts = np.full(copies, count)
        return smoothing_share(np.zeros(copies), counts, np.zeros(copies), config)

    small_share, typical_share = share(small), share(typical)
    if small_share < SMOOTHING_SHARE_WARNING:
        return None
    if config.reduction == "batch":
        case = (f"a batch of {batch_size} small masks ({small:g} foreground pixels each, the "
                f"{SMALL_OBJECT_QUANTILE:.0%} quantile)")
        fix = ("Lower the smoothing well below the batch's foreground (e.g. "
               f"--dice-smoothing {_power_of_ten_below(small * batch_size / 100):g}), or "
               "train with larger batches.")
    else:
        case = (f"a small mask ({small:g} foreground pixels: {SMALL_OBJECT_QUANTILE:.0%} of "
                "the masks with an object have no more)")
        fix = ("Pool the Dice over the batch (--dice-reduction batch, unetdiag's default), "
               "where the constant is shared by the whole batch's foreground, or lower the "
               f"smoothing to about --dice-smoothing {_power_of_ten_below(small / 100):g}.")
    return Finding(
        id="dice.smoothing_dominates", severity=Severity.WARNING,
        title=f"Dice smoothing alone is worth {small_share:.3f} Dice on small objects",
        explanation=(f"Under {config.describe()}, a model that predicts nothing on {case} "
                     f"scores Dice {small_share:.3f}, all of it from the smoothing constant "
                     f"(on a typical mask, {typical:g} pixels: {typical_share:.3g}). The "
                     "constant can add up to that much to any prediction on such masks, so "
                     "Dice differences of that size are the constant, not the model."),
        fix=fix,
        evidence={"small_object_pixels": small, "typical_object_pixels": typical,
                  "small_object_quantile": SMALL_OBJECT_QUANTILE,
                  "smoothing_share_small": small_share,
                  "smoothing_share_typical": typical_share,
                  "threshold": SMOOTHING_SHARE_WARNING, "batch_size": batch_size,
                  "dice_config": config.to_dict()},
        source=source)


def _power_of_ten_below(value: float) -> float:
    return 10.0 ** math.floor(math.log10(value)) if value > 0 else 0.0


def _config_gap_finding(config, foreground, pixels, empty, source) -> Finding | None:
    per_image = trivial_baselines(foreground, pixels, _per_image(config))["all_zeros"].soft_dice
    pooled = trivial_baselines(foreground, pixels, _batch(config))["all_zeros"].soft_dice
    gap = per_image - pooled
    if abs(gap) < PER_IMAGE_BATCH_GAP_WARNING:
        return None
    images = foreground.size
    if config.reduction == "per_image":
        severity = Severity.WARNING
        meaning = (f"This run reports per-image Dice, so it starts at {per_image:.3f} before "
                   "learning anything, and a high, flat Dice may be the empty images alone.")
    else:
        severity = Severity.INFO
        meaning = ("This run pools its Dice over the batch; a per-image Dice of the same "
                   f"predictions (MONAI's default) would read {gap:.3f} higher.")
    return Finding(
        id="dice.per_image_vs_batch_gap", severity=severity,
        title=(f"Predicting nothing scores per-image Dice {per_image:.3f} but batch Dice "
               f"{pooled:.3f}"),
        explanation=(f"{empty} of {images} masks ({empty / images:.1%}) are empty. Averaged "
                     f"per image, each counts as a perfect {empty_mask_score(config):g} when "
                     "predicted empty (numerator smoothing "
                     f"{config.smooth_numerator:g}); pooled over a batch, they add nothing. "
                     f"{meaning}"),
        fix=("Report batch Dice, or per-image Dice over the masks that contain an object "
             "only, and say how many empty masks were left out. " + _SAFE_FIX),
        evidence={"per_image_dice_all_zeros": per_image, "batch_dice_all_zeros": pooled,
                  "gap": gap, "threshold": PER_IMAGE_BATCH_GAP_WARNING, "empty_masks": empty,
                  "masks": images, "dice_config": config.to_dict()},
        source=source)


def _empty_scores(config: DiceConfig) -> dict[str, float]:
    return {f"{total:g}": empty_mask_score(config, total)
            for total in (0.0, *PREDICTION_SUMS_SCANNED)}


def _convention_text(config: DiceConfig) -> str:
    perfect = empty_mask_score(config)
    near_zero = empty_mask_score(config, NEAR_ZERO_PREDICTION_SUM)
    one_pixel = empty_mask_score(config, 1.0)
    text = (f"Under {config.describe()} an empty mask scores {perfect:.3g} when the prediction "
            f"is exactly empty, {near_zero:.3g} when it sums to {NEAR_ZERO_PREDICTION_SUM:g}, "
            f"and {one_pixel:.3g} with one false-positive pixel.")
    if config.smooth_numerator == 0:
        text += (" Without numerator smoothing it always scores 0 and gives no gradient "
                 "(Keras's convention): empty images teach the model nothing through Dice.")
    elif near_zero < 0.9 * perfect:
        text += (" The smoothing is so small that the score swings on invisible amounts of "
                 "predicted foreground.")
    return text


def _config_empty_convention_finding(config, empty, images, exposure, source) -> Finding:
    share = empty / images
    severity = Severity.INFO
    text = f"{empty} of {images} masks ({share:.1%}) are empty. {_convention_text(config)}"
    if config.reduction == "batch":
        text += (" Under batch reduction that only matters when a whole batch is empty "
                 f"(probability {exposure['probability_batch_all_empty']:.3g} for batches of "
                 f"{exposure['batch_size']}).")
    else:
        text += (" Under per-image reduction every empty mask is scored alone (a batch of "
                 f"{exposure['batch_size']} holds one with probability "
                 f"{exposure['probability_batch_has_empty']:.3g}).")
        if config.smooth_numerator == 0 and empty:
            severity = Severity.WARNING
            text += (f" So the mean per-image Dice can never exceed {1 - share:.3f}, however "
                     "good the model.")
    return Finding(
        id="dice.empty_mask_convention", severity=severity,
        title=(f"{empty} empty masks; an empty mask predicted empty scores "
               f"{empty_mask_score(config):g} under this Dice"),
        explanation=f"{text} {_OTHER_TOOLS}",
        fix=("Nothing to fix if the convention is intended; say which one when comparing "
             "numbers with other tools." if severity is Severity.INFO else _SAFE_FIX),
        evidence={"empty_masks": empty, "masks": images, "share": share,
                  "empty_mask_score_by_prediction_sum": _empty_scores(config),
                  "convention": config.describe(), "dice_config": config.to_dict(),
                  **exposure},
        source=source)


# --------------------------------------------------------------------------- at epoch end


def check_dice_stability(y_true: np.ndarray, y_pred: np.ndarray, config: DiceConfig,
                         source: str = "") -> list[Finding]:
    """Judge the run's Dice convention on a fixed validation probe batch, at epoch end.

    Args:
        y_true: the probe's masks, ``(N, H, W[, 1])`` with values in {0, 1}.
        y_pred: the model's predicted probabilities for them, same shape.
        config: the run's Dice convention.
        source: e.g. ``"train:MP_Tr_Dice epoch 3"``.

    Returns, when they apply: ``dice.smoothing_dominates``, ``dice.per_image_vs_batch_gap``,
    ``dice.empty_mask_convention`` (info), ``dice.gradient_explodes_on_empty``,
    ``dice.empty_images_dominate_gradient`` (per-image reduction), or a single
    ``dice.probe_non_finite`` when the probe holds NaN/Inf (nothing else can be judged).

    >>> y_true = np.zeros((2, 4, 4)); y_true[0, :2] = 1
    >>> [f.id for f in check_dice_stability(y_true, y_true.copy(), DiceConfig(1.0, 1.0))]
    ['dice.empty_mask_convention']
    """
    y_true, y_pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if y_true.size == 0:
        raise ValueError("the probe batch holds no pixels")
    intersection, sum_true, sum_pred, pixels = overlap_sums(y_true, y_pred)  # checks shapes
    non_finite = {"labels": int((~np.isfinite(y_true)).sum()),
                  "predictions": int((~np.isfinite(y_pred)).sum())}
    if any(non_finite.values()):
        return [Finding(
            id="dice.probe_non_finite", severity=Severity.WARNING,
            title="Dice stability not judged: the probe batch holds NaN or Inf",
            explanation=(f"The validation probe has {non_finite['labels']} non-finite labels "
                         f"and {non_finite['predictions']} non-finite predictions, so no Dice "
                         "on it means anything this epoch."),
            fix=("See labels.non_finite for the labels and the NaN guard's findings for the "
                 "model; non-finite predictions mean the weights are already NaN or Inf."),
            evidence=non_finite, source=source)]
    empty = sum_true < NEAR_EMPTY_FOREGROUND_PIXELS
    findings = []
    for finding in (
        _probe_smoothing_finding(config, intersection, sum_true, sum_pred, empty, source),
        _probe_gap_finding(config, intersection, sum_true, sum_pred, empty, source),
        _probe_empty_finding(config, intersection, sum_true, sum_pred, empty, source),
        _probe_gradient_finding(config, intersection, sum_true, sum_pred, pixels, empty,
                                source),
        _probe_gradient_ratio_finding(config, intersection, sum_true, sum_pred, empty, source),
    ):
        if finding is not None:
            findings.append(finding)
    return findings


def _probe_smoothing_finding(config, intersection, sum_true, sum_pred, empty,
                             source) -> Finding | None:
    value = soft_dice_from_sums(intersection, sum_true, sum_pred, config)
    share = smoothing_share(intersection, sum_true, sum_pred, config)
    if share < SMOOTHING_SHARE_WARNING:
        return None
    images = intersection.size
    evidence = {"dice": value, "dice_without_smoothing": value - share, "smoothing_share": share,
                "fraction_of_value": share / value if value > 0 else float("nan"),
                "threshold": SMOOTHING_SHARE_WARNING, "empty_masks": int(empty.sum()),
                "images": images, "dice_config": config.to_dict()}
    detail = ""
    if config.reduction == "per_image" and empty.any():
        # Each image weighs 1/N in the per-image mean.
        from_empty = smoothing_share(intersection[empty], sum_true[empty], sum_pred[empty],
                                     config) * int(empty.sum()) / images
        evidence["share_from_empty_masks"] = from_empty
        detail = (f" Of that, {from_empty:.3f} comes from the {int(empty.sum())} empty masks, "
                  "which score only through the constant.")
    return Finding(
        id="dice.smoothing_dominates", severity=Severity.WARNING,
        title=f"{share:.3f} of the probe's Dice {value:.3f} is the smoothing constant",
        explanation=(f"On the {images}-image probe batch the Dice is {value:.3f} under "
                     f"{config.describe()} but {value - share:.3f} without smoothing: the "
                     f"constant contributes {share:.3f}"
                     + (f" ({share / value:.0%} of the value)." if value > 0 else ".")
                     + detail),
        fix=("Read the Dice without smoothing (in this finding's evidence) when judging the "
             "model. " + _SAFE_FIX),
        evidence=evidence, source=source)


def _probe_gap_finding(config, intersection, sum_true, sum_pred, empty, source) -> Finding | None:
    per_image = soft_dice_from_sums(intersection, sum_true, sum_pred, _per_image(config))
    pooled = soft_dice_from_sums(intersection, sum_true, sum_pred, _batch(config))
    gap = per_image - pooled
    if abs(gap) < PER_IMAGE_BATCH_GAP_WARNING:
        return None
    images, empty_count = intersection.size, int(empty.sum())
    evidence = {"per_image_dice": per_image, "batch_dice": pooled, "gap": gap,
                "threshold": PER_IMAGE_BATCH_GAP_WARNING, "empty_masks": empty_count,
                "images": images, "dice_config": config.to_dict()}
    parts = []
    if empty_count:
        empty_mean = soft_dice_from_sums(intersection[empty], sum_true[empty], sum_pred[empty],
                                         _per_image(config))
        evidence["empty_mask_mean_dice"] = empty_mean
        parts.append(f"{empty_count} of the {images} masks are empty and score {empty_mean:.3f} "
                     "on average, each weighing as much as an image with an object")
    if empty_count < images:
        objects = ~empty
        objects_mean = soft_dice_from_sums(intersection[objects], sum_true[objects],
                                           sum_pred[objects], _per_image(config))
        evidence["object_mask_mean_dice"] = objects_mean
        parts.append(f"the {images - empty_count} masks with objects average {objects_mean:.3f}")
    per_image_reported = config.reduction == "per_image"
    return Finding(
        id="dice.per_image_vs_batch_gap",
        severity=Severity.WARNING if per_image_reported else Severity.INFO,
        title=f"Per-image Dice {per_image:.3f} vs batch Dice {pooled:.3f} on the probe",
        explanation=(f"On the probe batch the mean per-image Dice is {per_image:.3f} and the "
                     f"batch (pooled) Dice {pooled:.3f}: {'; '.join(parts)}. Per-image "
                     "averaging also weighs a tiny object like a large one. "
                     + ("This run reports the per-image number, so its Dice is set by the "
                        "reduction as much as by the model: the saturated-metric look."
                        if per_image_reported else
                        "This run reports the batch number; a per-image Dice of the same "
                        f"predictions would read {gap:+.3f}.")),
        fix=("Report batch Dice, or per-image Dice over masks with objects only, next to the "
             "number of empty masks. " + _SAFE_FIX),
        evidence=evidence, source=source)


def _probe_empty_finding(config, intersection, sum_true, sum_pred, empty,
                         source) -> Finding | None:
    if not empty.any():
        return None
    scores = [soft_dice_from_sums(intersection[[i]], sum_true[[i]], sum_pred[[i]], config)
              for i in np.flatnonzero(empty)]
    count = len(scores)
    return Finding(
        id="dice.empty_mask_convention", severity=Severity.INFO,
        title=(f"{count} of {intersection.size} probe masks are empty; the Dice loss's soft "
               f"Dice scores them {np.mean(scores):.3f} on average"),
        explanation=(f"{count} of the {intersection.size} probe masks are empty. The model's "
                     f"predictions on them sum to {_range_text(sum_pred[empty])} and score "
                     f"{_range_text(np.asarray(scores))}. {_convention_text(config)} "
                     + _OTHER_TOOLS),
        fix="Nothing to fix if the convention is intended; say which one when comparing.",
        evidence={"empty_masks": count, "images": int(intersection.size),
                  "empty_mask_scores": scores,
                  "empty_mask_prediction_sums": sum_pred[empty].tolist(),
                  "empty_mask_score_by_prediction_sum": _empty_scores(config),
                  "convention": config.describe(), "dice_config": config.to_dict()},
        source=source)


def _range_text(values: np.ndarray) -> str:
    low, high = float(values.min()), float(values.max())
    return f"{low:.3g}" if math.isclose(low, high) else f"{low:.3g} to {high:.3g}"


def _probe_gradient_finding(config, intersection, sum_true, sum_pred, pixels, empty,
                            source) -> Finding | None:
    images = intersection.size
    probe_gradient = dice_loss_gradient_max(intersection, sum_true, sum_pred, config)
    if empty.any():
        measured = True
        # Batch: a batch made of the probe's empty images alone; per image: their own
        # gradients, each divided by N like in the mean over the probe.
        sums = sum_pred[empty]
        weight = 1.0 if config.reduction == "batch" else sums.size / images
    else:
        measured = False
        # No empty mask: an empty image would get the model's background prediction, scaled
        # from the background pixels it has to the full image.
        background = pixels - sum_true
        usable = background > 0
        if not usable.any():
            return None
        sums = ((sum_pred - intersection)[usable] * pixels[usable] / background[usable])
        weight = sums.size / images if config.reduction == "per_image" else 1.0
    zeros = np.zeros_like(sums)
    near_empty = dice_loss_gradient_max(zeros, zeros, sums, config) * weight
    near_empty_loss = 1.0 - soft_dice_from_sums(zeros, zeros, sums, config)
    if near_empty < EMPTY_GRADIENT_WARNING:
        return None
    where = ("measured on the probe's empty masks" if measured else
             "estimated for an empty mask from the model's prediction on background pixels")
    total = float(sums.sum())
    return Finding(
        id="dice.gradient_explodes_on_empty", severity=Severity.WARNING,
        title=f"Near an empty mask the Dice-loss gradient reaches {near_empty:.3g} per pixel",
        explanation=(f"Under {config.describe()}, the model now predicts almost nothing on "
                     f"empty masks (summed prediction {total:.3g}, {where}). There the loss is "
                     f"{near_empty_loss:.3g} but its per-pixel gradient is {near_empty:.3g}, "
                     f"against {probe_gradient:.3g} on the probe batch as a whole: an empty "
                     "batch would hit the weights with a step the data cannot justify."),
        fix=_SAFE_FIX,
        evidence={"near_empty_max_gradient": near_empty, "near_empty_loss": near_empty_loss,
                  "near_empty_prediction_sum": total, "measured": measured,
                  "probe_max_gradient": probe_gradient, "threshold": EMPTY_GRADIENT_WARNING,
                  "empty_masks": int(empty.sum()), "images": images,
                  "dice_config": config.to_dict()},
        source=source)


def _probe_gradient_ratio_finding(config, intersection, sum_true, sum_pred, empty,
                                  source) -> Finding | None:
    if config.reduction != "per_image" or not empty.any() or empty.all():
        return None
    objects = ~empty
    # dice_loss_gradient_max divides by the group's size (a per-image mean over the group);
    # times that size gives each group's own per-image gradient, over N its share of the probe.
    empty_gradient = dice_loss_gradient_max(intersection[empty], sum_true[empty],
                                            sum_pred[empty], config) * int(empty.sum())
    object_gradient = dice_loss_gradient_max(intersection[objects], sum_true[objects],
                                             sum_pred[objects], config) * int(objects.sum())
    ratio = empty_gradient / object_gradient if object_gradient > 0 else float("inf")
    if ratio < EMPTY_GRADIENT_RATIO_WARNING:
        return None
    images = intersection.size
    return Finding(
        id="dice.empty_images_dominate_gradient", severity=Severity.WARNING,
        title=f"Empty masks pull {ratio:.3g}x harder on the model than masks with objects",
        explanation=(f"Under {config.describe()}, the largest per-pixel Dice-loss gradient on "
                     f"the probe's {int(empty.sum())} empty masks is {empty_gradient / images:.3g}"
                     f", against {object_gradient / images:.3g} on the {int(objects.sum())} "
                     f"masks with objects: {ratio:.3g} times more. Training is spent driving "
                     "the prediction on empty images to zero, which pushes the model toward "
                     "predicting nothing."),
        fix=("Pool the Dice over the batch (--dice-reduction batch), where empty images are "
             "ordinary background pixels. " + _SAFE_FIX),
        evidence={"empty_max_gradient": empty_gradient / images,
                  "object_max_gradient": object_gradient / images, "ratio": ratio,
                  "threshold": EMPTY_GRADIENT_RATIO_WARNING, "empty_masks": int(empty.sum()),
                  "images": images, "dice_config": config.to_dict()},
        source=source)
