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
probe batch. All arithmetic comes from :mod:`unetdiag.diag.core.dice`; this module decides
what is reported, how severely and with which numbers, and
:mod:`unetdiag.diag.checks.dice_wording` says it.

>>> from unetdiag.diag.core.dice import SEED_DICE
>>> findings = check_dice_config(SEED_DICE, [0] * 95 + [500] * 5, [4096] * 100, batch_size=16)
>>> [(f.id, f.severity.value) for f in findings][0]
('dice.gradient_explodes_on_empty', 'error')
>>> findings[0].evidence["empty_batch_max_gradient"]
250000.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from unetdiag.diag.checks import dice_wording as wording
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
PREDICTION_SUMS_SCANNED = (NEAR_ZERO_PREDICTION_SUM, 1e-4, 1e-2, 1.0)
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


def empty_mask_score(config: DiceConfig, prediction_sum: float = 0.0) -> float:
    """Soft Dice of one empty mask whose prediction sums to ``prediction_sum``.

    >>> empty_mask_score(DiceConfig(1e-6, 1e-6), 1e-6)
    0.5
    >>> empty_mask_score(DiceConfig(0.0, 1e-7))    # Keras: an empty mask always scores 0
    0.0
    """
    return soft_dice_from_sums([0.0], [0.0], [prediction_sum], config)


def _empty_scores(config: DiceConfig) -> dict[str, float]:
    """What an empty mask scores when the prediction sums to 0 and to each scanned sum."""
    return {f"{total:g}": empty_mask_score(config, total)
            for total in (0.0, *PREDICTION_SUMS_SCANNED)}


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


def _empty_exposure(empty: int, images: int, batch_size: int, passes_per_epoch: int = 1
                    ) -> dict[str, float]:
    """How often a shuffled batch is all empty, or holds at least one empty mask; an epoch of
    ``passes_per_epoch`` passes over the images holds that many times more batches."""
    batches = math.ceil(passes_per_epoch * images / batch_size)
    all_empty = _probability_all_from(empty, images, batch_size)
    any_empty = 1.0 - _probability_all_from(images - empty, images, batch_size)
    return {"batch_size": batch_size, "batches_per_epoch": batches,
            "probability_batch_all_empty": all_empty,
            "probability_batch_has_empty": any_empty,
            "all_empty_batches_per_epoch": all_empty * batches,
            "batches_with_empty_per_epoch": any_empty * batches}


# --------------------------------------------------------------------------- before training


def check_dice_config(config: DiceConfig, foreground_counts, pixel_counts, batch_size: int,
                      source: str = "", passes_per_epoch: int = 1) -> list[Finding]:
    """Judge a Dice convention against a dataset's statistics, before training.

    Args:
        config: the Dice loss/metric convention of the run.
        foreground_counts: foreground pixels of each training mask.
        pixel_counts: pixels of each training mask (at the training resolution).
        batch_size: the training batch size.
        source: where the counts came from.
        passes_per_epoch: passes over the training masks in one epoch (``unetdiag train``
            passes a small training set several times: ``--min-steps-per-epoch``).

    Returns, when they apply: ``dice.gradient_explodes_on_empty`` (error/warning/info),
    ``dice.smoothing_dominates`` (warning), ``dice.per_image_vs_batch_gap`` (warning under
    per-image reduction, info under batch), and always ``dice.empty_mask_convention`` (info,
    or warning when per-image Dice without numerator smoothing caps the mean).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, not {batch_size}")
    foreground, pixels = validated_counts(foreground_counts, pixel_counts)
    empty = int((foreground < NEAR_EMPTY_FOREGROUND_PIXELS).sum())
    exposure = _empty_exposure(empty, foreground.size, batch_size, passes_per_epoch)
    findings = [
        _config_gradient_finding(config, empty, foreground.size, exposure, source),
        _config_smoothing_finding(config, foreground, batch_size, source),
        _config_gap_finding(config, foreground, pixels, empty, source),
        _config_empty_convention_finding(config, empty, foreground.size, exposure, source),
    ]
    return [finding for finding in findings if finding is not None]


def _config_gradient_finding(config, empty, images, exposure, source) -> Finding | None:
    table = empty_batch_response(config, exposure["batch_size"])
    headline = next(r for r in table if r["prediction_sum"] == NEAR_ZERO_PREDICTION_SUM)
    if headline["max_gradient"] < EMPTY_GRADIENT_WARNING:
        return None
    safe = empty_batch_response(replace(DEFAULT_DICE, reduction=config.reduction),
                                exposure["batch_size"], [NEAR_ZERO_PREDICTION_SUM])[0]
    per_epoch = exposure["all_empty_batches_per_epoch" if config.reduction == "batch"
                         else "batches_with_empty_per_epoch"]
    if empty == 0:
        severity = Severity.INFO
    elif per_epoch >= EXPLODING_BATCHES_PER_EPOCH_FOR_ERROR:
        severity = Severity.ERROR
    else:
        severity = Severity.WARNING
    evidence = {"empty_batch_loss": headline["loss"],
                "empty_batch_max_gradient": headline["max_gradient"],
                "prediction_sum": NEAR_ZERO_PREDICTION_SUM,
                "smoothing_1_max_gradient": safe["max_gradient"],
                "threshold": EMPTY_GRADIENT_WARNING, "empty_batch_table": table,
                "empty_masks": empty, "masks": images, **exposure,
                "dice_config": config.to_dict()}
    return wording.config_gradient(config, evidence).finding(
        "dice.gradient_explodes_on_empty", severity, evidence, source)


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
    evidence = {"small_object_pixels": small, "typical_object_pixels": typical,
                "small_object_quantile": SMALL_OBJECT_QUANTILE,
                "smoothing_share_small": small_share,
                "smoothing_share_typical": typical_share,
                "threshold": SMOOTHING_SHARE_WARNING, "batch_size": batch_size,
                "dice_config": config.to_dict()}
    return wording.config_smoothing(config, evidence).finding(
        "dice.smoothing_dominates", Severity.WARNING, evidence, source)


def _config_gap_finding(config, foreground, pixels, empty, source) -> Finding | None:
    per_image = trivial_baselines(foreground, pixels, replace(config, reduction="per_image")
                                  )["all_zeros"].soft_dice
    pooled = trivial_baselines(foreground, pixels, replace(config, reduction="batch")
                               )["all_zeros"].soft_dice
    gap = per_image - pooled
    if abs(gap) < PER_IMAGE_BATCH_GAP_WARNING:
        return None
    evidence = {"per_image_dice_all_zeros": per_image, "batch_dice_all_zeros": pooled,
                "gap": gap, "threshold": PER_IMAGE_BATCH_GAP_WARNING, "empty_masks": empty,
                "masks": foreground.size, "dice_config": config.to_dict()}
    severity = Severity.WARNING if config.reduction == "per_image" else Severity.INFO
    return wording.config_gap(config, evidence, empty_mask_score(config)).finding(
        "dice.per_image_vs_batch_gap", severity, evidence, source)


def _config_empty_convention_finding(config, empty, images, exposure, source) -> Finding:
    # per-image Dice without numerator smoothing scores every empty mask 0: a capped mean
    capped = config.reduction != "batch" and config.smooth_numerator == 0 and empty
    evidence = {"empty_masks": empty, "masks": images, "share": empty / images,
                "empty_mask_score_by_prediction_sum": _empty_scores(config),
                "convention": config.describe(), "dice_config": config.to_dict(),
                **exposure}
    return wording.config_empty_convention(config, evidence, bool(capped),
                                          NEAR_ZERO_PREDICTION_SUM).finding(
        "dice.empty_mask_convention", Severity.WARNING if capped else Severity.INFO,
        evidence, source)


# --------------------------------------------------------------------------- at epoch end


def check_dice_stability(y_true: np.ndarray, y_pred: np.ndarray, config: DiceConfig,
                         source: str = "", *, dice_loss: bool = True) -> list[Finding]:
    """Judge the run's Dice convention on a fixed validation probe batch, at epoch end.

    Args:
        y_true: the probe's masks, ``(N, H, W[, 1])`` with values in {0, 1}.
        y_pred: the model's predicted probabilities for them, same shape.
        config: the run's Dice loss convention.
        source: e.g. ``"train:MP_Tr_Dice epoch 3"``.
        dice_loss: whether the model trains with ``config`` as its loss; False for a
            cross-entropy variant: only ``dice.empty_mask_convention`` is given, saying the
            variant has no Dice loss (the smoothing, reduction and gradient findings are of
            a loss it does not compute).

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
    sums = overlap_sums(y_true, y_pred)  # checks shapes
    non_finite = {"labels": int((~np.isfinite(y_true)).sum()),
                  "predictions": int((~np.isfinite(y_pred)).sum())}
    if any(non_finite.values()):
        return [wording.probe_non_finite(non_finite).finding(
            "dice.probe_non_finite", Severity.WARNING, non_finite, source)]
    probe = _Probe(config, *sums)
    if not dice_loss:
        findings = [_probe_empty_finding(probe, source, dice_loss)]
    else:
        findings = [_probe_smoothing_finding(probe, source), _probe_gap_finding(probe, source),
                    _probe_empty_finding(probe, source, dice_loss),
                    _probe_gradient_finding(probe, source),
                    _probe_gradient_ratio_finding(probe, source)]
    return [finding for finding in findings if finding is not None]


@dataclass(frozen=True)
class _Probe:
    """The per-image sums of a probe batch, under the run's Dice convention."""

    config: DiceConfig
    intersection: np.ndarray
    sum_true: np.ndarray
    sum_pred: np.ndarray
    pixels: np.ndarray

    @property
    def images(self) -> int:
        return self.intersection.size

    @property
    def empty(self) -> np.ndarray:
        return self.sum_true < NEAR_EMPTY_FOREGROUND_PIXELS

    def _sums(self, which) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.intersection[which], self.sum_true[which], self.sum_pred[which]

    def dice(self, which=slice(None), reduction: str | None = None) -> float:
        """Soft Dice of the chosen images, under another reduction if one is given."""
        config = self.config if reduction is None else replace(self.config, reduction=reduction)
        return soft_dice_from_sums(*self._sums(which), config)

    def smoothing(self, which=slice(None)) -> float:
        return smoothing_share(*self._sums(which), self.config)

    def max_gradient(self, which=slice(None)) -> float:
        return dice_loss_gradient_max(*self._sums(which), self.config)


def _probe_smoothing_finding(probe: _Probe, source: str) -> Finding | None:
    value, share = probe.dice(), probe.smoothing()
    if share < SMOOTHING_SHARE_WARNING:
        return None
    empty = probe.empty
    evidence = {"dice": value, "dice_without_smoothing": value - share, "smoothing_share": share,
                "fraction_of_value": share / value if value > 0 else float("nan"),
                "threshold": SMOOTHING_SHARE_WARNING, "empty_masks": int(empty.sum()),
                "images": probe.images, "dice_config": probe.config.to_dict()}
    if probe.config.reduction == "per_image" and empty.any():
        # Each image weighs 1/N in the per-image mean.
        evidence["share_from_empty_masks"] = (probe.smoothing(empty) * int(empty.sum())
                                              / probe.images)
    return wording.probe_smoothing(probe.config, evidence).finding(
        "dice.smoothing_dominates", Severity.WARNING, evidence, source)


def _probe_gap_finding(probe: _Probe, source: str) -> Finding | None:
    per_image, pooled = probe.dice(reduction="per_image"), probe.dice(reduction="batch")
    gap = per_image - pooled
    if abs(gap) < PER_IMAGE_BATCH_GAP_WARNING:
        return None
    empty = probe.empty
    evidence = {"per_image_dice": per_image, "batch_dice": pooled, "gap": gap,
                "threshold": PER_IMAGE_BATCH_GAP_WARNING, "empty_masks": int(empty.sum()),
                "images": probe.images, "dice_config": probe.config.to_dict()}
    if empty.any():
        evidence["empty_mask_mean_dice"] = probe.dice(empty, reduction="per_image")
    if not empty.all():
        evidence["object_mask_mean_dice"] = probe.dice(~empty, reduction="per_image")
    severity = Severity.WARNING if probe.config.reduction == "per_image" else Severity.INFO
    return wording.probe_gap(probe.config, evidence).finding(
        "dice.per_image_vs_batch_gap", severity, evidence, source)


def _probe_empty_finding(probe: _Probe, source: str, dice_loss: bool) -> Finding | None:
    empty = probe.empty
    if not empty.any():
        return None
    scores = [probe.dice([i]) for i in np.flatnonzero(empty)]
    evidence = {"empty_masks": len(scores), "images": int(probe.images),
                "empty_mask_scores": scores,
                "empty_mask_prediction_sums": probe.sum_pred[empty].tolist(),
                "empty_mask_score_by_prediction_sum": _empty_scores(probe.config),
                "convention": probe.config.describe(), "dice_config": probe.config.to_dict(),
                "dice_loss": dice_loss}
    return wording.probe_empty(probe.config, evidence, NEAR_ZERO_PREDICTION_SUM).finding(
        "dice.empty_mask_convention", Severity.INFO, evidence, source)


def _probe_gradient_finding(probe: _Probe, source: str) -> Finding | None:
    config, empty = probe.config, probe.empty
    if empty.any():
        measured = True
        # Batch: a batch made of the probe's empty images alone; per image: their own
        # gradients, each divided by N like in the mean over the probe.
        sums = probe.sum_pred[empty]
        weight = 1.0 if config.reduction == "batch" else sums.size / probe.images
    else:
        measured = False
        # No empty mask: an empty image would get the model's background prediction, scaled
        # from the background pixels it has to the full image.
        background = probe.pixels - probe.sum_true
        usable = background > 0
        if not usable.any():
            return None
        sums = ((probe.sum_pred - probe.intersection)[usable] * probe.pixels[usable]
                / background[usable])
        weight = sums.size / probe.images if config.reduction == "per_image" else 1.0
    zeros = np.zeros_like(sums)
    near_empty = dice_loss_gradient_max(zeros, zeros, sums, config) * weight
    if near_empty < EMPTY_GRADIENT_WARNING:
        return None
    evidence = {"near_empty_max_gradient": near_empty,
                "near_empty_loss": 1.0 - soft_dice_from_sums(zeros, zeros, sums, config),
                "near_empty_prediction_sum": float(sums.sum()), "measured": measured,
                "probe_max_gradient": probe.max_gradient(), "threshold": EMPTY_GRADIENT_WARNING,
                "empty_masks": int(empty.sum()), "images": probe.images,
                "dice_config": config.to_dict()}
    return wording.probe_gradient(config, evidence).finding(
        "dice.gradient_explodes_on_empty", Severity.WARNING, evidence, source)


def _probe_gradient_ratio_finding(probe: _Probe, source: str) -> Finding | None:
    empty = probe.empty
    if probe.config.reduction != "per_image" or not empty.any() or empty.all():
        return None
    objects = ~empty
    # dice_loss_gradient_max divides by the group's size (a per-image mean over the group);
    # times that size gives each group's own per-image gradient, over N its share of the probe.
    empty_gradient = probe.max_gradient(empty) * int(empty.sum())
    object_gradient = probe.max_gradient(objects) * int(objects.sum())
    ratio = empty_gradient / object_gradient if object_gradient > 0 else float("inf")
    if ratio < EMPTY_GRADIENT_RATIO_WARNING:
        return None
    evidence = {"empty_max_gradient": empty_gradient / probe.images,
                "object_max_gradient": object_gradient / probe.images, "ratio": ratio,
                "threshold": EMPTY_GRADIENT_RATIO_WARNING, "empty_masks": int(empty.sum()),
                "images": probe.images, "dice_config": probe.config.to_dict()}
    return wording.probe_gradient_ratio(probe.config, evidence).finding(
        "dice.empty_images_dominate_gradient", Severity.WARNING, evidence, source)
