"""What the decoded masks of a run hold, measured before training: foreground counts per
split, what constant predictors score on the validation split, and the findings about both."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from unetdiag.config import VARIANTS, TrainConfig
from unetdiag.diag.audit.file_findings import blank_first_frames, decoded_multi_frame
from unetdiag.diag.audit.polarity_evidence import placement_of_masks
from unetdiag.diag.audit.polarity_wording import placed_mostly_foreground
from unetdiag.diag.audit.sameness import same_region_finding
from unetdiag.diag.audit.storage_findings import (
    decoded_top_byte,
    dropped_samples_finding,
    lossy_unit_masks_finding,
    nonfinite_masks_finding,
)
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE, mask_thumbnail
from unetdiag.diag.checks.baselines import baseline_findings
from unetdiag.diag.checks.dice_stability import check_dice_config
from unetdiag.diag.checks.geometry import PairSizes, geometry_findings
from unetdiag.diag.checks.intensity import narrow_range_training
from unetdiag.diag.checks.label_maps import (
    declared_nodata_read_as_class,
    palette_void_not_ignored,
    threshold_on_label_maps,
)
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.checks.soft_masks import soft_values_thresholded
from unetdiag.diag.core.dice import EmptyRule, trivial_baselines
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data.image_kinds import summarise_kinds
from unetdiag.diag.data.orientation import read_orientation
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.training.decoder import DecodeLog

#: Validation metrics compared with the trivial predictors' scores, and the field of
#: :class:`~unetdiag.diag.core.dice.TrivialScores` under the trainer's metric conventions.
BASELINE_METRICS = {"val_accuracy": "accuracy", "val_dice": "hard_dice", "val_iou": "hard_iou"}
#: Bounds of the automatic foreground weight of the weighted cross-entropy.
MAX_FOREGROUND_WEIGHT = 100.0
MIN_FOREGROUND_WEIGHT = 1 / MAX_FOREGROUND_WEIGHT


@dataclass
class MaskCounts:
    """Foreground and pixel counts of each mask of one split, at the training resolution
    (ignored pixels in neither), and the largest image value (after the nominal scaling; NaN
    and Inf left out)."""

    foreground: list[float]
    pixels: list[float]
    image_max: float = 0.0
    #: masks left out because every pixel of theirs is ignored (a nodata tile)
    unscored: int = 0
    #: pixels of the masks counted that are ignored (in no ``pixels``)
    ignored: float = 0.0
    #: per mask counted, its 16x16 thumbnail (foreground share per cell times 255)
    thumbnails: list[np.ndarray] = field(default_factory=list)
    #: per mask counted, its ignored pixels (read as background in its thumbnail)
    mask_ignored: list[float] = field(default_factory=list)
    #: per mask counted, its smaller side in pixels
    smaller_sides: list[int] = field(default_factory=list)

    @property
    def foreground_fraction(self) -> float:
        total = sum(self.pixels)
        return sum(self.foreground) / total if total else math.nan


def stream_mask_counts(dataset: tf.data.Dataset) -> MaskCounts:
    """Count each decoded mask's foreground (``> 0.5``) and pixels, both among the pixels
    scored (weight 1: elements are ``(image, mask[, weight])``), and find the largest image
    value, one element at a time (the split is never all held in memory). A mask whose
    every pixel is ignored has nothing to count: it is left out, and counted as such."""
    foreground, pixels = [], []
    image_max = 0.0
    unscored = 0
    ignored = 0.0
    thumbnails: list[np.ndarray] = []
    mask_ignored: list[float] = []
    smaller_sides: list[int] = []
    for image, mask, *weight in dataset.as_numpy_iterator():
        image_max = max(image_max, float(np.max(image, where=np.isfinite(image),
                                                initial=0.0)))
        scored = weight[0] > 0.5 if weight else np.ones(mask.shape, bool)
        if not scored.any():
            unscored += 1
            continue
        decoded = (mask > 0.5) & scored
        foreground.append(float(decoded.sum()))
        pixels.append(float(scored.sum()))
        mask_ignored.append(float(scored.size - pixels[-1]))
        ignored += mask_ignored[-1]
        thumbnails.append(mask_thumbnail(decoded.reshape(decoded.shape[:2])))
        smaller_sides.append(min(decoded.shape[:2]))
    return MaskCounts(foreground, pixels, image_max, unscored, ignored, thumbnails,
                      mask_ignored, smaller_sides)


def placed_imbalance(findings: Sequence[Finding], counts: MaskCounts) -> list[Finding]:
    """``findings`` with ``imbalance.mostly_foreground`` worded by where the background of
    ``counts``' mostly-foreground masks lies, measured on the thumbnails the count kept as
    ``audit-data`` measures it (:mod:`unetdiag.diag.audit.polarity_evidence`): inverted
    polarity is said only where the background lies inside the image, large objects where it
    gathers along the border."""
    if not counts.thumbnails or not any(
            finding.id == "imbalance.mostly_foreground" for finding in findings):
        return list(findings)
    placement = placement_of_masks(
        np.stack(counts.thumbnails), np.asarray(counts.foreground) / np.asarray(counts.pixels),
        np.ones(len(counts.thumbnails), bool), np.asarray(counts.mask_ignored) > 0,
        np.asarray(counts.smaller_sides) < THUMBNAIL_SIDE)
    return [placed_mostly_foreground(finding, placement) for finding in findings]


def balanced_foreground_weight(counts: MaskCounts) -> float:
    """The foreground weight that makes both classes weigh the same in a weighted
    cross-entropy: background pixels / foreground pixels, kept within
    [:data:`MIN_FOREGROUND_WEIGHT`, :data:`MAX_FOREGROUND_WEIGHT`] (a split with almost no
    foreground would otherwise get a weight that makes every step a jump).

    >>> balanced_foreground_weight(MaskCounts([10.0, 30.0], [100.0, 100.0]))
    4.0
    >>> balanced_foreground_weight(MaskCounts([0.0], [100.0]))
    100.0
    """
    foreground = sum(counts.foreground)
    background = sum(counts.pixels) - foreground
    if foreground == 0:
        return MAX_FOREGROUND_WEIGHT
    return min(MAX_FOREGROUND_WEIGHT, max(MIN_FOREGROUND_WEIGHT, background / foreground))


def split_masks(train_counts: MaskCounts, val_counts: MaskCounts) -> dict[str, dict[str, float]]:
    """Each split's masks counted, empty ones among them and foreground fraction (what the
    saturation checks state beside a train/validation gap)."""
    return {name: {"masks": len(counts.foreground),
                   "empty_masks": sum(value == 0 for value in counts.foreground),
                   "foreground_fraction": counts.foreground_fraction}
            for name, counts in (("training", train_counts), ("validation", val_counts))}


def validation_baselines(val_counts: MaskCounts, empty: EmptyRule) -> dict[str, Any]:
    """What all-background and all-foreground predictions score on the validation split,
    under the trainer's metric conventions (hard Dice/IoU per image, empty masks scored by
    ``empty``): ``{"all_zeros": TrivialScores.to_dict(), "all_ones": ...}``."""
    baselines = trivial_baselines(val_counts.foreground, val_counts.pixels, empty=empty)
    return {name: scores.to_dict() for name, scores in baselines.items()}


def metric_baselines(val_baselines: dict[str, dict[str, float]]) -> dict[str, float]:
    """The best score a constant predictor gets on each validation metric of the trainer.

    ``val_baselines`` is ``{"all_zeros": scores, "all_ones": scores}`` under the trainer's
    metric conventions (hard Dice/IoU per image, its empty rule); an undefined score
    (NaN: e.g. the hard Dice when every mask is empty) is left out.

    >>> metric_baselines({"all_zeros": {"accuracy": 0.005, "hard_dice": 0.0, "hard_iou": 0.0},
    ...                   "all_ones": {"accuracy": 0.995, "hard_dice": 0.9975,
    ...                                "hard_iou": 0.995}})
    {'val_accuracy': 0.995, 'val_dice': 0.9975, 'val_iou': 0.995}

    Validation masks of one class only (every mask empty) have no baseline to be told from:
    the constant predictor of that class is right everywhere, any score a model gets is one
    of a constant's, and the data findings say why.

    >>> metric_baselines({"all_zeros": {"accuracy": 1.0, "hard_dice": math.nan,
    ...                                 "hard_iou": math.nan},
    ...                   "all_ones": {"accuracy": 0.0, "hard_dice": 0.0, "hard_iou": 0.0}})
    {}
    """
    if any(predictor["accuracy"] == 1.0 for predictor in val_baselines.values()):
        return {}  # one class only: the constant that is always right is no baseline to beat
    baselines = {}
    for metric, field_name in BASELINE_METRICS.items():
        scores = [predictor[field_name] for predictor in val_baselines.values()
                  if math.isfinite(predictor[field_name])]
        if scores:
            baselines[metric] = max(scores)
    return baselines


def data_findings(config: TrainConfig, train_counts: MaskCounts, val_counts: MaskCounts,
                  passes_per_epoch: int = 1, photometric_scale: float = 1.0) -> list[Finding]:
    """Before training: how the decoded masks are balanced, what constant predictors score
    on the validation split, (when a Dice variant trains) how the Dice loss's convention
    fits the training masks, and whether the augmentation's brightness and noise were scaled
    (``photometric_scale``, as applied) to images that use little of their range."""
    findings = placed_imbalance(check_imbalance(
        train_counts.foreground, train_counts.pixels, source="data:train",
        ignored_pixels=train_counts.ignored,
        dark_is_foreground=config.mask_policy.dark_is_foreground,
        by_values=config.mask_policy.by_values), train_counts)
    if train_counts.thumbnails:
        same_region = same_region_finding(
            np.stack(train_counts.thumbnails),
            np.asarray(train_counts.foreground) / np.asarray(train_counts.pixels), [],
            "data:train", where=" (training masks as decoded)")
        findings += [same_region] if same_region is not None else []
    findings += baseline_findings(val_counts.foreground, val_counts.pixels, config.dice,
                                  empty=config.empty_rule, source="data:val",
                                  scored_only=val_counts.ignored > 0)
    if any(VARIANTS[name].loss == "dice" for name in config.variants):
        findings += check_dice_config(config.dice, train_counts.foreground,
                                      train_counts.pixels, config.batch_size,
                                      source="data:train", passes_per_epoch=passes_per_epoch)
    if photometric_scale < 1.0:
        findings.append(narrow_range_training(train_counts.image_max, photometric_scale,
                                              source="data:train"))
    return findings


def images_record(decode_log: DecodeLog, pairs: Sequence[Pair]) -> dict[str, Any]:
    """What kind of images ``pairs`` hold as the decoder read them (grey or colour, bit
    depth, values after the nominal scaling, aspect ratios): ``train`` records it for its
    training images, ``evaluate`` compares its images with that record."""
    kinds = decode_log.image_kinds
    read = [kinds[str(pair.image)] for pair in pairs if str(pair.image) in kinds]
    record = summarise_kinds(read)
    # predict names an image at another scale only outside them (training sizes may mix)
    for side in ("height", "width"):
        sizes = [getattr(kind, side) for kind in read]
        record[f"{side}_min"] = float(min(sizes)) if sizes else math.nan
        record[f"{side}_max"] = float(max(sizes)) if sizes else math.nan
    return record


def decoded_findings(decode_log: DecodeLog, policy: MaskPolicy,
                     use: str = "train") -> list[Finding]:
    """What the decoder saw: pairs with an image and a mask of different sizes (the resize
    to the model's input hides them), worded as ``audit-data`` words them, the EXIF
    orientation read from the headers of those images and masks; label maps read under the
    automatic threshold; masks holding values between their two ends, thresholded (``use``:
    ``"train"`` or ``"evaluate"``, what the thresholded masks serve); palette void (index
    255) the policy does not ignore; files of 16 bits per colour channel read at 8; masks
    holding NaN or infinite values (decoded as background); masks of several frames (the
    first read); and images whose samples Pillow
    leaves out."""
    pairs = [PairSizes(image, mask, image_size, mask_size, read_orientation(image),
                       read_orientation(mask))
             for image, (mask, image_size, mask_size)
             in sorted(decode_log.size_mismatches.items())]
    findings = geometry_findings(pairs, source="data")
    label_maps = threshold_on_label_maps(decode_log.label_maps, len(decode_log.decoded_masks),
                                         policy, source="data")
    findings += decoded_top_byte(decode_log.top_byte_images, decode_log.top_byte_masks,
                                 source="data")
    if decode_log.dropped_samples:
        findings.append(dropped_samples_finding(decode_log.dropped_samples, source="data"))
    if decode_log.multi_frame_masks:
        findings.append(decoded_multi_frame(dict(sorted(decode_log.multi_frame_masks.items())),
                                            source="data"))
    if decode_log.blank_first_frames:
        findings.append(blank_first_frames(dict(sorted(decode_log.blank_first_frames.items())),
                                           source="data"))
    nodata = declared_nodata_read_as_class(decode_log.nodata_masks,
                                           len(decode_log.decoded_masks), policy, source="data")
    void = palette_void_not_ignored(decode_log.void_masks, len(decode_log.decoded_masks),
                                    policy, source="data")
    lossy = lossy_unit_masks_finding(decode_log.lossy_unit_masks,
                                     len(decode_log.decoded_masks), source="data")
    soft = soft_values_thresholded(dict(sorted(decode_log.soft_values.items())),
                                   len(decode_log.decoded_masks), "data", use)
    nonfinite = nonfinite_masks_finding(decode_log.nonfinite_masks,
                                        len(decode_log.decoded_masks), source="data")
    return findings + [finding for finding in (nonfinite, label_maps, soft, nodata, void, lossy)
                       if finding is not None]
