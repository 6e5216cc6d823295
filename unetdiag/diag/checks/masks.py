"""Checks on mask values and on how foreground is spread over a dataset.

Two questions, both answered from plain NumPy arrays so the same code serves the Keras batch
audit (the tensors ``fit()`` actually receives), ``audit-data`` (decoded files) and the tests:

* :func:`check_label_values`: are the labels 0/1, finite, single-channel? 0/255 masks,
  interpolated or JPEG-compressed masks and NaN labels all train "fine" and report nonsense.
* :func:`check_imbalance`: how much of each mask is foreground? Empty masks, masks that are
  mostly foreground (inverted polarity, or a photograph binarised with ``> 0``), extreme
  imbalance and tiny objects each change what the metrics can mean.

This module measures and decides (which finding, how severe, with which numbers);
:mod:`unetdiag.diag.checks.masks_wording` says it, and :mod:`unetdiag.diag.checks.edges` tells
where non-binary pixels sit.

>>> import numpy as np
>>> masks = np.zeros((2, 8, 8)); masks[0, 2:6, 2:6] = 255
>>> [f.id for f in check_label_values(masks)]
['labels.out_of_range']
>>> [f.id for f in check_imbalance(*foreground_counts(masks > 0))]
['imbalance.empty_masks', 'imbalance.summary']
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from unetdiag.diag.checks import masks_wording as wording
from unetdiag.diag.checks.edges import edge_share, pooled_rim_share
from unetdiag.diag.core.dice import DEFAULT_DICE, soft_dice
from unetdiag.diag.core.findings import Finding, Severity

#: How many distinct label values a finding quotes (evenly spaced over the sorted values,
#: always including the smallest and largest).
DISTINCT_VALUE_SAMPLE = 12
#: Whole-number labels in [0, 255) with at most this many distinct values are read as the
#: class indices of a multi-class mask rather than as a blurred 0/255 mask.
MAX_CLASS_INDEX_VALUES = 16
#: A finding names at most this many files; the evidence carries the full count.
MAX_FILES_LISTED = 50
#: Above this share of non-binary pixels on edges (:func:`~unetdiag.diag.checks.edges.edge_share`),
#: the cause is resampling or lossy compression of a real mask; below it, values are spread
#: through regions (soft labels, probability maps, or an image used as its own mask).
EDGE_SHARE_FOR_RESAMPLING = 0.8
#: Below this share of non-binary values in rims (:func:`~unetdiag.diag.checks.edges.rim_share`,
#: weighted by pixels) values near both classes are not a drawing tool's, JPEG's or a small
#: resize's: DRIVE and ISBI 2012 masks resized 5x to 10x down or 2x up measure 0.95 to 1.0,
#: saved as JPEG 1.0, 2x down and up again 0.52 to 0.56 (bilinear) and 0.90 to 0.99
#: (bicubic); 3x down and up 0.32 to 0.74, enlarged 8x 0.25 to 0.44, blurred 0.01 to 0.25
#: (0.78 for the slightest blur, sigma 0.7, which a resize's filter resembles). DRIVE's
#: blurred vessel maps (sigma 1.2) stay below it when a pipeline shrinks them with
#: nearest-neighbour: 0.10 at 96 px, 0.15 at 64, 0.20 at 48, 0.28 at 32.
RIM_SHARE_FOR_RESAMPLING = 0.5

#: A mask with more foreground than this fraction is "mostly foreground": often inverted
#: polarity (objects read dark) or a photograph binarised with ``> 0``.
MOSTLY_FOREGROUND_FRACTION = 0.5
#: Mostly-foreground masks are a warning when they are at least this share of the masks (a
#: few large objects, as Kvasir-SEG's 3 polyps of 200 above 50 %, are information); inverted
#: polarity of the whole dataset needs a majority of them.
MOSTLY_FOREGROUND_WARNING_SHARE = 0.1
#: Masks stored with both polarities: the mostly-foreground masks and the others are each at
#: least MOSTLY_FOREGROUND_WARNING_SHARE of the masks (and two), no mask's foreground lies
#: within this band between the two groups, and the first group's shares turned over
#: (1 - share) overlap the second's range or have a median within MIRROR_TOLERANCE of its
#: median (BioHit/TongeImageDataset#1: "in a few of the masks ... the foreground and
#: background have been swapped").
MIXED_POLARITY_GAP = 0.4
MIRROR_TOLERANCE = 0.1
#: Overall foreground fraction outside [EXTREME, 1 - EXTREME] makes a constant predictor
#: at least 99 % accurate.
EXTREME_FOREGROUND_FRACTION = 0.01
#: Above this share of empty masks they are a warning, not just a fact: a model predicting
#: nothing is then right on almost a third of the images, and the empty-mask convention of
#: per-image metrics moves the mean by that much.
EMPTY_MASK_WARNING_SHARE = 0.3
#: Objects smaller than this many pixels (a 4x4 blob) shrink below one cell after two
#: down-sampling steps, and one missed pixel costs them more than 3 Dice points.
TINY_OBJECT_PIXELS = 16
#: Tiny objects are a warning when at least this share of non-empty masks has one (that
#: matters: see below).
TINY_OBJECT_WARNING_SHARE = 0.1
#: When the pixels of each mask's small objects are known, a mask's small objects matter only
#: when they hold at least this share of its foreground (less moves its Dice by under half a
#: point): fragments of thin structures and compression specks do not; a population of small
#: objects does.
SMALL_OBJECT_FOREGROUND_SHARE = 0.01
#: Per-image foreground fractions quoted in the summary.
FOREGROUND_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def foreground_counts(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and total pixels of each mask in a batch of {0, 1} masks.

    Args:
        masks: ``(N, H, W)``, ``(N, H, W, 1)`` or a single ``(H, W)`` mask. A pixel is
            foreground when its value is above 0.5 (NaN is not foreground).

    Returns:
        ``(foreground, pixels)``: two int64 arrays of length N.

    >>> foreground_counts(np.array([[[1, 0], [0, 0]], [[0, 0], [0, 0]]]))
    (array([1, 0]), array([4, 4]))
    """
    array = np.asarray(masks)
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(f"expected masks shaped (N, H, W) or (N, H, W, 1), got {array.shape}")
    flat = array.reshape(array.shape[0], -1)
    foreground = np.count_nonzero(flat > 0.5, axis=1).astype(np.int64)
    pixels = np.full(array.shape[0], flat.shape[1], dtype=np.int64)
    return foreground, pixels


# --------------------------------------------------------------------------- label values


def check_label_values(masks: np.ndarray, source: str = "",
                       files: Sequence[str] = ()) -> list[Finding]:
    """Are these labels finite, single-channel and binary in [0, 1]?

    Args:
        masks: labels exactly as the loss sees them: any shape and dtype; axis 0 indexes the
            images when there are 3 or more axes (a 2-D array is one mask).
        source: where the masks came from (``"audit"``, ``"train:MP_Tr_BCE"``...).
        files: one path per image (axis 0), or one path for the whole array, or nothing.

    Returns findings with ids ``labels.wrong_dtype_or_shape``, ``labels.non_finite``,
    ``labels.out_of_range`` and ``labels.non_binary`` (nothing when the labels are clean).

    >>> [f.id for f in check_label_values(np.array([[0.0, 0.5], [1.0, 1.0]]))]
    ['labels.non_binary']
    """
    array = np.asarray(masks)
    images = 1 if array.ndim < 3 else array.shape[0]
    files = _files_per_image(files, images)
    structural, usable = _check_dtype_and_shape(array, source, files)
    if not usable:
        return structural
    values = array.astype(np.float64, copy=False).reshape(images, -1)
    findings = list(structural)
    finite = np.isfinite(values)
    if not finite.all():
        findings.append(_non_finite_finding(values, finite, source, files))
    if not finite.any():
        return findings
    outside = finite & ((values < 0) | (values > 1))
    if outside.any():
        findings.append(_out_of_range_finding(array, values, finite, outside, source,
                                                  files))
    between = finite & (values > 0) & (values < 1)
    if between.any():
        findings.append(_non_binary_finding(array, values, between, source, files))
    return findings


def _files_per_image(files: Sequence[str], images: int) -> list[str]:
    files = [str(f) for f in files]
    if not files:
        return []
    if len(files) == 1:
        return files * max(images, 1)  # an empty array still names its file
    if len(files) != images:
        raise ValueError(f"got {len(files)} file names for {images} masks: pass one per mask "
                         "(axis 0), one for the whole array, or none")
    return files


def _files_by_count(counts: np.ndarray, files: list[str]) -> tuple[str, ...]:
    """Files of the images with a non-zero count, worst first, each named once."""
    if not files:
        return ()
    order = np.argsort(-counts, kind="stable")
    named: list[str] = []
    for index in order:
        if counts[index] > 0 and files[index] not in named:
            named.append(files[index])
    return tuple(named[:MAX_FILES_LISTED])


def _value_sample(values: np.ndarray) -> tuple[list[float], int]:
    distinct = np.unique(values)
    if distinct.size <= DISTINCT_VALUE_SAMPLE:
        return distinct.tolist(), int(distinct.size)
    picks = np.linspace(0, distinct.size - 1, DISTINCT_VALUE_SAMPLE).round().astype(int)
    return distinct[picks].tolist(), int(distinct.size)


def _check_dtype_and_shape(array: np.ndarray, source: str,
                           files: list[str]) -> tuple[list[Finding], bool]:
    """Findings about dtype and shape, and whether the values can still be checked."""
    if array.dtype.kind not in "biuf":
        evidence = {"dtype": str(array.dtype), "shape": list(array.shape)}
        words, usable = wording.not_numbers(evidence), False
    elif array.size == 0 or array.ndim < 2 or array.ndim > 4:
        evidence = {"shape": list(array.shape), "dtype": str(array.dtype)}
        words, usable = wording.wrong_shape(evidence), array.size > 0
    elif array.ndim == 4 and array.shape[-1] != 1:
        evidence = {"shape": list(array.shape), "channels": int(array.shape[-1]),
                    "channels_identical": bool(np.all(array == array[..., :1]))}
        words, usable = wording.channels(evidence), True
    else:
        return [], True
    every_file = tuple(dict.fromkeys(files))[:MAX_FILES_LISTED]
    return [words.finding("labels.wrong_dtype_or_shape", Severity.ERROR, evidence, source,
                          every_file)], usable


def _non_finite_finding(values, finite, source, files) -> Finding:
    per_image = (~finite).sum(axis=1)
    total = int((~finite).sum())
    evidence = {"non_finite_pixels": total, "fraction": total / values.size,
                "nan": int(np.isnan(values).sum()), "positive_inf": int(np.isposinf(values).sum()),
                "negative_inf": int(np.isneginf(values).sum()),
                "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])}
    return wording.non_finite(evidence, values.size).finding(
        "labels.non_finite", Severity.ERROR, evidence, source, _files_by_count(per_image, files))


def _out_of_range_finding(array, values, finite, outside, source, files) -> Finding:
    finite_values = values[finite]
    low, high = float(finite_values.min()), float(finite_values.max())
    count = int(outside.sum())
    per_image = outside.sum(axis=1)
    sample, distinct = _value_sample(finite_values)
    evidence = {"min": low, "max": high, "pixels_outside": count,
                "fraction_outside": count / int(finite.sum()),
                "distinct_values": sample, "distinct_value_count": distinct,
                "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])}
    if high > 1:
        # What a model that finds every object exactly would report with these labels.
        labels = np.where(finite, values, 0.0)
        evidence.update(
            perfect_prediction_dice=soft_dice(labels, (labels > 0).astype(np.float64),
                                              DEFAULT_DICE),
            intermediate_fraction=float(((finite_values > 0) & (finite_values < high)).mean()))
        evidence["looks_like_class_indices"] = (
            low >= 0 and high < 255 and distinct <= MAX_CLASS_INDEX_VALUES
            and bool(np.all(finite_values == np.round(finite_values))))
        if (low >= 0 and evidence["intermediate_fraction"] > 0
                and not evidence["looks_like_class_indices"]):
            # where the values between 0 and the top sit, as for labels.non_binary
            edge, rim = _where_between(array.astype(np.float64, copy=False), high)
            evidence.update(edge_share=edge, rim_share=rim,
                            intermediate_reading=non_binary_reading(edge, rim))
    return wording.out_of_range(evidence).finding(
        "labels.out_of_range", Severity.ERROR, evidence, source,
        _files_by_count(per_image, files))


def non_binary_reading(edge: float, rim: float) -> str:
    """What values between a mask's two ends read as, from where they sit:
    ``"no_layout"`` (``edge`` NaN: not measured), ``"regions"`` (spread through whole
    regions: under :data:`EDGE_SHARE_FOR_RESAMPLING` of them on object edges), ``"soft"``
    (near both classes but fading over several pixels: under
    :data:`RIM_SHARE_FOR_RESAMPLING` of them in rims; soft labels, probability maps or a
    large interpolated resize) or ``"resampling"`` (a thin rim along the edges: anti-aliased
    drawing, JPEG, a small interpolated resize; also when ``rim`` is NaN). ``edge`` and
    ``rim``: :func:`~unetdiag.diag.checks.edges.edge_share` and
    :func:`~unetdiag.diag.checks.edges.rim_share` of those values. ``audit-data`` and the
    label checks of ``train`` decide with this one rule.

    >>> non_binary_reading(0.89, 0.10), non_binary_reading(0.95, 0.98)
    ('soft', 'resampling')
    """
    if math.isnan(edge):
        return "no_layout"
    if edge < EDGE_SHARE_FOR_RESAMPLING:
        return "regions"
    return "soft" if rim < RIM_SHARE_FOR_RESAMPLING else "resampling"


def _where_between(labels: np.ndarray, top: float) -> tuple[float, float]:
    """(edge share, rim share) of the values strictly between 0 and ``top`` of labels shaped
    as :func:`check_label_values` takes them (non-finite values read as 0)."""
    scaled = np.where(np.isfinite(labels), labels, 0.0) / top
    return edge_share(scaled), pooled_rim_share(scaled, 0.0, 1.0)


def _non_binary_finding(array, values, between, source, files) -> Finding:
    count = int(between.sum())
    per_image = between.sum(axis=1)
    sample, distinct = _value_sample(values[between])
    share_on_edges, share_in_rims = _where_between(array.astype(np.float64, copy=False), 1.0)
    evidence = {"pixels_between": count, "fraction": count / values.size,
                "distinct_values": sample, "distinct_value_count": distinct,
                "edge_share": share_on_edges, "rim_share": share_in_rims,
                "masks_affected": int((per_image > 0).sum()), "masks": int(values.shape[0])}
    cause = non_binary_reading(share_on_edges, share_in_rims)
    return wording.non_binary(evidence, cause).finding(
        "labels.non_binary", Severity.WARNING, evidence, source,
        _files_by_count(per_image, files))


# --------------------------------------------------------------------------- imbalance


def validated_counts(foreground_counts, pixel_counts) -> tuple[np.ndarray, np.ndarray]:
    """Per-mask foreground and pixel counts as float64 vectors; ValueError if inconsistent."""
    foreground = np.asarray(foreground_counts, dtype=np.float64).reshape(-1)
    pixels = np.asarray(pixel_counts, dtype=np.float64).reshape(-1)
    if foreground.shape != pixels.shape or foreground.size == 0:
        raise ValueError("need one foreground count and one pixel count per image "
                         f"(got {foreground.size} and {pixels.size})")
    if not (np.isfinite(foreground).all() and np.isfinite(pixels).all()):
        raise ValueError("foreground and pixel counts must be finite")
    if (pixels <= 0).any() or (foreground < 0).any() or (foreground > pixels).any():
        raise ValueError("counts must satisfy 0 <= foreground <= pixels and pixels > 0")
    return foreground, pixels


def _aligned_files(files: Sequence[str], images: int) -> list[str]:
    files = [str(f) for f in files]
    if files and len(files) != images:
        raise ValueError(f"got {len(files)} file names for {images} masks")
    return files


def _named(indices: np.ndarray, files: list[str]) -> tuple[str, ...]:
    return tuple(files[i] for i in indices[:MAX_FILES_LISTED]) if files else ()


def check_imbalance(foreground_counts, pixel_counts, files: Sequence[str] = (), source: str = "",
                    smallest_object_pixels=None, *, small_object_pixels=None,
                    speck_pixels=None, single_valued=None,
                    dark_is_foreground: bool = False, by_values: bool = False,
                    background_values: Sequence[float] = (), border_pixels=None,
                    lossy=None, ignored_pixels: float = 0.0,
                    threshold_sides=None, two_classes: bool = False) -> list[Finding]:
    """How foreground is spread over a dataset (or a batch).

    Args:
        foreground_counts: foreground pixels of each mask.
        pixel_counts: pixels of each mask.
        files: one path per mask, or none.
        source: where the counts came from.
        smallest_object_pixels: optional, per mask, the pixel count of its smallest connected
            object (0 or NaN for empty masks). Without it, only masks whose whole foreground
            is tiny can be found.
        small_object_pixels: optional, per mask, the pixels of its objects under
            :data:`TINY_OBJECT_PIXELS`; with it, tiny objects are a warning only where they
            hold at least :data:`SMALL_OBJECT_FOREGROUND_SHARE` of a mask's foreground.
        speck_pixels: optional, per mask, the part of ``small_object_pixels`` that sits where
            a lossy format leaves specks (next to a larger object of a JPEG mask): not counted
            as small objects.
        border_pixels: optional, per mask, the part of ``small_object_pixels`` in objects
            touching the mask's border (cut by the image's edge, as in tiles).
        lossy: optional, per mask, True for a lossy (JPEG) mask; without it any mask may be.
        single_valued: optional, per mask, True when the stored mask holds a single value;
            an empty mask that holds several values is said to *decode* empty, not to be empty.
        dark_is_foreground: the masks were decoded with the dark class as foreground
            (``--mask-polarity dark``): mostly-foreground masks then advise dropping it.
        by_values: the policy names its foreground by value (``--foreground-values``), which
            ``--mask-polarity`` cannot be combined with: mostly-foreground masks then advise
            naming the other values...
        background_values: ...these, the stored values the policy reads as background, when
            they are known.
        threshold_sides: optional, per mask, 1 (or -1) when one threshold of its image gives
            the mask with the foreground the brighter (darker) side, NaN otherwise: masks
            whose shares fall in two mirrored groups are not said to mix polarities when
            every one of them is such a threshold with the foreground on the same side.
        ignored_pixels: pixels of these masks left out (ignored values), in none of
            ``pixel_counts``: the summary then says its fraction is of the pixels scored.
        two_classes: every mask holds exactly two stored values, none ignored: under a value
            policy too, a mask turned over is its two values swapped, so mirrored groups of
            shares are told (``{1, 2}`` masks with the object 1 in some files, 2 in others).

    Returns ``imbalance.empty_masks``, ``imbalance.mostly_foreground``, ``imbalance.extreme``,
    ``imbalance.tiny_objects`` when they apply, and always ``imbalance.summary`` (last).
    """
    foreground, pixels = validated_counts(foreground_counts, pixel_counts)
    files = _aligned_files(files, foreground.size)
    fractions = foreground / pixels
    overall = float(foreground.sum() / pixels.sum())
    images = foreground.size
    empty = np.flatnonzero(foreground == 0)
    mostly = np.flatnonzero(fractions > MOSTLY_FOREGROUND_FRACTION)
    mostly = mostly[np.argsort(-fractions[mostly], kind="stable")]
    findings = [
        _empty_masks_finding(empty, images, files, source, single_valued)
        if empty.size else None,
        _mostly_foreground_finding(mostly, fractions, files, source, dark_is_foreground,
                                   by_values, background_values, threshold_sides, two_classes,
                                   ignored_pixels > 0)
        if mostly.size else None,
        _extreme_finding(overall, pixels, source),
        _tiny_objects_finding(foreground, smallest_object_pixels, files, source,
                              small_object_pixels, speck_pixels, border_pixels, lossy),
    ]
    quantiles = np.quantile(fractions, FOREGROUND_QUANTILES)
    evidence = {"masks": images, "foreground_fraction": overall,
                "foreground_pixels": int(foreground.sum()), "pixels": int(pixels.sum()),
                "per_mask_min": float(fractions.min()), "per_mask_max": float(fractions.max()),
                "per_mask_quantiles": {
                    f"q{round(q * 100):02d}": float(v)
                    for q, v in zip(FOREGROUND_QUANTILES, quantiles, strict=True)},
                "empty_masks": int(empty.size), "mostly_foreground_masks": int(mostly.size)}
    if ignored_pixels > 0:
        evidence["ignored_pixels"] = int(ignored_pixels)
        evidence["foreground_of_all_pixels"] = float(
            foreground.sum() / (pixels.sum() + ignored_pixels))
    summary = wording.imbalance_summary(evidence, float(np.median(fractions)),
                                        MOSTLY_FOREGROUND_FRACTION)
    findings.append(summary.finding("imbalance.summary", Severity.INFO, evidence, source))
    return [finding for finding in findings if finding is not None]


def _empty_masks_finding(empty: np.ndarray, images: int, files: list[str],
                         source: str, single_valued=None) -> Finding:
    share = empty.size / images
    if empty.size == images:
        severity = Severity.ERROR
    else:
        severity = Severity.WARNING if share >= EMPTY_MASK_WARNING_SHARE else Severity.INFO
    several = None
    if single_valued is not None:
        several = int(np.count_nonzero(~np.asarray(single_valued, dtype=bool).reshape(-1)[empty]))
    evidence = {"empty_masks": int(empty.size), "masks": images, "share": share,
                "warning_share": EMPTY_MASK_WARNING_SHARE,
                # unknown (the trainer counts decoded masks): not said to be none
                **({"several_values": several} if several is not None else {})}
    return wording.empty_masks(evidence).finding(
        "imbalance.empty_masks", severity, evidence, source, _named(empty, files))


def _mostly_foreground_finding(mostly: np.ndarray, fractions: np.ndarray, files: list[str],
                               source: str, dark_is_foreground: bool, by_values: bool,
                               background_values: Sequence[float],
                               threshold_sides=None, two_classes: bool = False,
                               scored_only: bool = False) -> Finding:
    """``mostly``: the masks above :data:`MOSTLY_FOREGROUND_FRACTION`, fullest first;
    ``scored_only``: some pixels are ignored, so the fractions are of the pixels scored."""
    share = mostly.size / fractions.size
    mixed = None if by_values and not two_classes else _mirrored_groups(mostly, fractions)
    one_side = None
    if mixed and threshold_sides is not None:
        sides = np.asarray(threshold_sides, np.float64)[fractions > 0]
        if sides.size and np.all(sides == sides[0]) and abs(sides[0]) == 1:
            # every non-empty mask a threshold of its image, the object on one side: the
            # polarity is known, and the two groups are objects of two sizes
            one_side, mixed = ("brighter" if sides[0] > 0 else "darker"), None
    evidence = {"masks": int(mostly.size), "share": share,
                "threshold": MOSTLY_FOREGROUND_FRACTION,
                "largest_fraction": float(fractions[mostly[0]]),
                "majority": bool(mostly.size > fractions.size / 2),
                "warning_share": MOSTLY_FOREGROUND_WARNING_SHARE,
                "dark_is_foreground": dark_is_foreground, "by_values": by_values,
                "background_values": list(background_values),
                # foreground at every pixel: no object under either polarity (redteam 2)
                "full_masks": int(np.count_nonzero(fractions[mostly] >= 1.0)),
                "of_pixels_scored": scored_only,
                **({"mixed_polarity": mixed} if mixed else {}),
                **({"object_side": one_side} if one_side else {})}
    severity = (Severity.WARNING if share >= MOSTLY_FOREGROUND_WARNING_SHARE and not one_side
                else Severity.INFO)
    return wording.mostly_foreground(evidence, fractions.size).finding(
        "imbalance.mostly_foreground", severity, evidence, source, _named(mostly, files))


def _mirrored_groups(mostly: np.ndarray, fractions: np.ndarray) -> dict | None:
    """The two groups of a set whose masks look stored with both polarities (see
    :data:`MIXED_POLARITY_GAP`): their counts and foreground ranges; None otherwise."""
    high = fractions[mostly]
    low = fractions[(fractions > 0) & (fractions <= MOSTLY_FOREGROUND_FRACTION)]
    needed = max(2, int(np.ceil(MOSTLY_FOREGROUND_WARNING_SHARE * fractions.size)))
    # a full mask turned over is empty: an empty mask stored the other way, never an object,
    # so full masks alone are no group of objects stored inverted (redteam 2b)
    if np.count_nonzero(high < 1.0) < needed or low.size < needed:
        return None
    if float(high.min() - low.max()) < MIXED_POLARITY_GAP:
        return None
    turned = 1.0 - high
    overlap = turned.max() >= low.min() and turned.min() <= low.max()
    if not overlap and abs(float(np.median(turned) - np.median(low))) > MIRROR_TOLERANCE:
        return None
    return {"mostly_foreground_masks": int(high.size), "other_masks": int(low.size),
            "mostly_foreground_range": [float(high.min()), float(high.max())],
            "other_range": [float(low.min()), float(low.max())],
            "turned_range": [float(turned.min()), float(turned.max())],
            "gap": MIXED_POLARITY_GAP}


def _extreme_finding(overall: float, pixels: np.ndarray, source: str) -> Finding | None:
    if EXTREME_FOREGROUND_FRACTION <= overall <= 1 - EXTREME_FOREGROUND_FRACTION:
        return None
    evidence = {"foreground_fraction": overall,
                "constant_predictor_accuracy": max(overall, 1 - overall),
                "threshold": EXTREME_FOREGROUND_FRACTION}
    return wording.extreme(evidence, int(pixels.sum())).finding(
        "imbalance.extreme", Severity.WARNING, evidence, source)


def _tiny_objects_finding(foreground, smallest_object_pixels, files, source,
                          small_object_pixels=None, speck_pixels=None, border_pixels=None,
                          lossy=None) -> Finding | None:
    non_empty = foreground > 0
    if not non_empty.any():
        return None
    if smallest_object_pixels is not None:
        smallest = np.asarray(smallest_object_pixels, dtype=np.float64).reshape(-1)
        if smallest.shape != foreground.shape:
            raise ValueError("smallest_object_pixels needs one value per mask")
    else:
        # The whole foreground of a mask bounds its smallest object from above.
        smallest = foreground
    tiny = non_empty & np.isfinite(smallest) & (smallest > 0) & (smallest < TINY_OBJECT_PIXELS)
    if not tiny.any():
        return None
    evidence: dict = {"threshold_pixels": TINY_OBJECT_PIXELS,
                      "measured_from": ("smallest_object_pixels" if smallest_object_pixels
                                        is not None else "foreground_counts")}
    matters = tiny
    if small_object_pixels is not None:
        small = np.asarray(small_object_pixels, dtype=np.float64).reshape(-1)
        specks = (np.zeros_like(small) if speck_pixels is None
                  else np.asarray(speck_pixels, dtype=np.float64).reshape(-1))
        if small.shape != foreground.shape or specks.shape != foreground.shape:
            raise ValueError("small_object_pixels and speck_pixels need one value per mask")
        with np.errstate(invalid="ignore", divide="ignore"):
            real_share = np.where(non_empty, (small - specks) / foreground, 0.0)
        matters = tiny & (real_share >= SMALL_OBJECT_FOREGROUND_SHARE)
        evidence.update(
            masks_where_they_matter=int(matters.sum()),
            matter_share=SMALL_OBJECT_FOREGROUND_SHARE,
            largest_foreground_share=float(real_share[tiny].max()),
            speck_masks=int(np.count_nonzero(tiny & (specks > 0))),
            speck_pixels=int(specks[tiny].sum()))
        if border_pixels is not None:
            border = np.asarray(border_pixels, dtype=np.float64).reshape(-1)
            evidence.update(border_masks=int(np.count_nonzero(tiny & (border > 0))),
                            border_pixels=int(border[tiny].sum()),
                            border_share=float(border[tiny].sum() / max(small[tiny].sum(), 1)))
    if lossy is not None:
        evidence["lossy_masks"] = int(np.count_nonzero(tiny & np.asarray(lossy, dtype=bool)))
    order = np.flatnonzero(tiny)
    order = order[np.argsort(smallest[order], kind="stable")]
    share = int(matters.sum()) / int(non_empty.sum())
    evidence.update(masks=int(order.size), share_of_non_empty=order.size / int(non_empty.sum()),
                    smallest_pixels=float(smallest[order[0]]))
    evidence["they_matter"] = share >= TINY_OBJECT_WARNING_SHARE
    severity = Severity.WARNING if evidence["they_matter"] else Severity.INFO
    return wording.tiny_objects(evidence, int(non_empty.sum())).finding(
        "imbalance.tiny_objects", severity, evidence, source, _named(order, files))
