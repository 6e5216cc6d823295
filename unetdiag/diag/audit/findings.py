"""Findings of ``audit-data`` from a finished :class:`~unetdiag.diag.audit.tally.AuditTally`.

One function per question family; each returns ``list[Finding]`` (source ``"audit"``) that
name the offending files worst first, with the numbers as evidence (:func:`audit_finding`).
The ``mask.*`` families are in :mod:`unetdiag.diag.audit.mask_findings`,
:mod:`unetdiag.diag.audit.label_findings` and :mod:`unetdiag.diag.audit.sameness`. The ids are
a public contract:

=====================================  ========  ================================================
id                                     severity  when
=====================================  ========  ================================================
``pairing.mask_is_image``              error     a photo-like mask equals or mirrors its image
``pairing.mask_is_overlay``            error     a photo-like mask equals its image on half or
                                                 more of it: a picture drawn over the image
``pairing.mask_is_side_by_side``       error     a mask twice its image's width or height holds
                                                 the image in one half: a visualisation (in
                                                 :mod:`unetdiag.diag.audit.side_by_side`)
``pairing.mask_thresholds_image``      warning   one threshold of the image reproduces the mask
``file.empty``, ``file.cannot_open``,  error     a file cannot be read, one id per reason; each
``file.decompression_bomb``,                     file is named with the reader's words
``file.not_regular``,
``file.not_an_image``, ``file.lfs_pointer``,
``file.truncated``, ``file.corrupt``,
``file.unsupported_mode``,
``file.unsupported_tiff``,
``file.too_large``,
``file.audit_failed``,
``file.unreadable``
``file.multi_frame``                   info      only the first frame of a file is used
``file.blank_first_frame``             warning   a mask's first frame (the one read) holds one
                                                 value, a later frame several
``geometry.size_mismatch``,            error     image and mask sizes differ, but for side-by-side
                                                 pictures (see
``geometry.exif_displayed_size``,                :mod:`unetdiag.diag.checks.geometry`)
``image.exif_orientation``
``geometry.mask_offset``,              warning   most masks' outlines follow their images' edges
``geometry.mask_flipped``,                       best shifted by one offset, or flipped,
``geometry.mask_rotated``                        transposed or rotated (see
                                                 :mod:`unetdiag.diag.audit.alignment_findings`)
``geometry.mask_offset_per_file``      warning   single masks' outlines follow their images'
                                                 edges far better shifted, each by its own
                                                 offset
``geometry.mask_turned_per_file``      warning   single masks' outlines follow their images'
                                                 edges far better turned back (each its own
                                                 way)
``geometry.mixed_sizes``               info      images of several sizes (warning when their
                                                 aspect ratios differ)
``geometry.mixed_channels``            warning   grey and colour images mixed
``geometry.grey_stored_as_colour``     info      the colour images among grey ones hold grey
``mask.encodings``                     info      how the masks are stored (always)
``mask.mixed_scales``                  warning   some masks 0/1, others 0/255, 16-bit...
``mask.unusual_encoding``              warning   16-bit, float, colour or palette-label masks
``mask.lossy``                         warning   masks stored as JPEG
``mask.non_binary``                    warning   values between the two ends of the scale
``mask.threshold_sensitive``           warning   foreground depends on the threshold chosen
``mask.non_finite``                    error     NaN or infinite mask values
``mask.label_map``                     warning   masks are label maps: each value with its share,
                                                 and the value policy proposed, or both readings
                                                 of nested values (info when the policy in
                                                 force reads them so)
``mask.two_levels_one_class``          warning   masks holding only 0 and their scale's top that
                                                 the policy in force reads as one class (0/255
                                                 saved with a colour palette): binary, not label
                                                 maps; info when the policy reads them as two
``mask.decodes_empty``                 error     every mask decodes empty under the policy in
                                                 force, though some hold several values
``mask.nearly_identical``              warning   the masks are nearly one region in every image
                                                 (field-of-view masks given as targets)
``image.non_finite``                   error     NaN or infinite image pixels
``image.constant``                     warning   an image holds one value only
``image.out_of_range``                 warning   images outside [0, 1] after the trainer's
                                                 scaling (float, signed or 32-bit integers)
``image.mixed_bit_depths``             warning   8-bit, 16-bit and float images mixed
``duplicates.exact``                   warning   identical images under several names
``duplicates.near``                    warning   near-identical images
``duplicates.split_leak``              error     copies on both sides of the split (warning
                                                 when only near-copies straddle it)
``duplicates.overlapping_tiles``       warning   validation images hold whole pixel rows or
                                                 columns of training images, shifted (info:
                                                 images do, none across the split)
``duplicates.mirrored_copies``         warning   validation images are flipped training images
                                                 (info: flipped copies, none across the split)
``duplicates.subject_views``            warning   names group into subjects of several views
                                                 (``<subject>_<n>``; frames in order,
                                                 ``<sequence>_<frame>``) split across train and
                                                 validation (info: none across the split)
=====================================  ========  ================================================
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from unetdiag.diag.audit.duplicates import (
    DIFFERENT_LABELS_DICE,
    NEAR_DUPLICATE_CORRELATION,
    DuplicateGroup,
    masks_all_differ,
)
from unetdiag.diag.audit.similarity import PHOTO_LIKE_NONBINARY_FRACTION
from unetdiag.diag.audit.storage import BIT_DEPTHS, NOMINAL_RANGES
from unetdiag.diag.audit.storage_findings import out_of_range_finding
from unetdiag.diag.audit.tally import (
    IDENTICAL_CONTENT_FRACTION,
    IMAGE_LIKE_CORRELATION,
    LISTED_PER_QUESTION,
    OVERLAY_IDENTICAL_FRACTION,
    AuditTally,
)
from unetdiag.diag.checks.geometry import PairSizes
from unetdiag.diag.checks.geometry import geometry_findings as size_findings
from unetdiag.diag.checks.intensity import narrow_range_audit
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.intensity import NARROW_RANGE
from unetdiag.diag.data.orientation import UPRIGHT
from unetdiag.diag.wording.text import plural, verb

SOURCE = "audit"
#: Images whose aspect ratios (width / height) differ by more than this factor are squashed
#: by different amounts when resized to one square input.
ASPECT_RATIO_TOLERANCE = 1.1


def audit_finding(finding_id: str, severity: Severity, title: str, explanation: str, fix: str,
                  evidence: dict[str, Any], files: Sequence[str] = ()) -> Finding:
    """A finding of the audit (:func:`~unetdiag.diag.core.findings.listing_finding`)."""
    return listing_finding(finding_id, severity, title, explanation, fix, evidence, files,
                           SOURCE)


def listed_names(paths: list[str], indices: np.ndarray) -> list[str]:
    """The paths of the pairs at ``indices``, in that order."""
    return [paths[index] for index in indices.tolist()]


def by_file(paths: list[str], indices: np.ndarray, values: np.ndarray,
            convert: Callable[[Any], Any] = float) -> dict[str, Any]:
    """``{path: convert(value)}`` for the pairs at ``indices`` (evidence per listed file)."""
    return {paths[index]: convert(values[index]) for index in indices.tolist()}


# --------------------------------------------------------------------------- geometry


def geometry_findings(tally: AuditTally) -> list[Finding]:
    columns = tally.columns
    both_read = columns["image_read"] & columns["mask_read"]
    # a mask that is its image and a second picture side by side has its own finding
    concerned = both_read & ~tally.mask_is_side_by_side() & (
        tally.size_mismatch() | (columns["image_orientation"] != UPRIGHT)
        | (columns["mask_orientation"] != UPRIGHT))
    findings = size_findings(
        [PairSizes(tally.image_paths[i], tally.mask_paths[i],
                   (int(columns["image_width"][i]), int(columns["image_height"][i])),
                   (int(columns["mask_width"][i]), int(columns["mask_height"][i])),
                   int(columns["image_orientation"][i]), int(columns["mask_orientation"][i]))
         for i in np.flatnonzero(concerned).tolist()], SOURCE)
    read = columns["image_read"]
    sizes = Counter(zip(columns["image_width"][read].tolist(),
                        columns["image_height"][read].tolist(), strict=True))
    if len(sizes) > 1:
        ranked = sizes.most_common()
        ratios = [width / height for width, height in sizes]
        aspect_spread = max(ratios) / min(ratios)
        distorting = aspect_spread > ASPECT_RATIO_TOLERANCE
        examples = {}
        for index in np.flatnonzero(read).tolist():
            size = (int(columns["image_width"][index]), int(columns["image_height"][index]))
            examples.setdefault(size, tally.image_paths[index])
        rarest_first = [examples[size] for size, _ in reversed(ranked)]
        top_count = ranked[0][1]
        tied = sum(1 for _, count in ranked if count == top_count)
        others = sum(count for _, count in ranked[1:])
        commonest = (f"The commonest size is {ranked[0][0][0]}x{ranked[0][0][1]} "
                     f"({plural(top_count, 'image')}); {plural(others, 'image')} "
                     f"{verb(others, 'has another size', 'have other sizes')}." if tied == 1 else
                     f"No size is the commonest: {tied} sizes have "
                     f"{plural(top_count, 'image')} each.")
        findings.append(audit_finding(
            "geometry.mixed_sizes", Severity.WARNING if distorting else Severity.INFO,
            f"Images come in {len(sizes)} sizes",
            f"{commonest} Every image is resized to the model's square input, so "
            + ("their aspect ratios, which differ by a factor of "
               f"{aspect_spread:.2f}, squash objects by different amounts." if distorting else
               "objects change scale from one image to another, though not shape."),
            "Fine if intended; otherwise crop or pad to one aspect ratio, or train on tiles.",
            {"sizes": {f"{w}x{h}": count for (w, h), count in ranked[:LISTED_PER_QUESTION]},
             "distinct_sizes": len(sizes), "aspect_ratio_spread": aspect_spread},
            rarest_first))
    findings.extend(_channel_findings(tally, read))
    return findings


def _channel_findings(tally: AuditTally, read: np.ndarray) -> list[Finding]:
    """Grey and colour images mixed: a warning when the colour images hold colour; info when
    every colour image is grey stored as colour (equal channels), which converts losslessly."""
    columns = tally.columns
    channels = Counter(columns["image_channels"][read].tolist())
    if len(channels) < 2:
        return []
    commonest = channels.most_common(1)[0][0]
    _, listed = tally.select(read & (columns["image_channels"] != commonest))
    per_count = ", ".join(f"{count} with {channel}" for channel, count in channels.items())
    colour = read & (columns["image_channels"] > 1)
    grey_in_colour = colour & columns["image_grey_in_colour"]
    evidence = {"images_per_channel_count": {str(k): v for k, v in channels.items()},
                "colour_images_with_equal_channels": int(grey_in_colour.sum())}
    if grey_in_colour.sum() == colour.sum():
        return [audit_finding(
            "geometry.grey_stored_as_colour", Severity.INFO,
            f"{plural(int(colour.sum()), 'grey image')} stored as colour",
            f"Images per channel count: {per_count}. Every image with several channels holds "
            "the same value in each of them at every pixel, so every image is grey and the "
            "trainer's conversion to one channel count loses nothing.",
            "Nothing to fix; re-save them as grey to save space if you like.",
            evidence, listed_names(tally.image_paths, listed))]
    partly = (f" ({plural(int(grey_in_colour.sum()), 'of them holds', 'of them hold')} "
              "the same value in every channel: grey stored as colour)"
              if grey_in_colour.any() else "")
    return [audit_finding(
        "geometry.mixed_channels", Severity.WARNING,
        "Grey and colour images are mixed",
        f"Images per channel count: {per_count}{partly}. The trainer converts every image to "
        "the channel count it is configured with (grey replicated to RGB, colour to luma), so "
        "colour information is used for some images and not for others.",
        "Check the listed (minority) images belong to this dataset; convert all images "
        "to one mode.",
        evidence, listed_names(tally.image_paths, listed))]


# --------------------------------------------------------------------------- images


def image_findings(tally: AuditTally) -> list[Finding]:
    columns = tally.columns
    paths = tally.image_paths
    read = columns["image_read"]
    findings = []
    nonfinite = columns["image_nonfinite"] > 0
    if nonfinite.any():
        count, listed = tally.select(nonfinite, columns["image_nonfinite"].astype(np.float64))
        findings.append(audit_finding(
            "image.non_finite", Severity.ERROR,
            f"{plural(count, 'image')} {verb(count, 'holds', 'hold')} NaN or infinite "
            "pixels",
            "A single NaN input pixel makes the activations, the loss and then the weights "
            "NaN; max-pooling and some CPU kernels can hide it for a while, so metrics freeze "
            "or turn NaN later, far from the cause.",
            "Fix the processing step that wrote them (often a division by zero); replace "
            "non-finite pixels before training.",
            {"images": count,
             "non_finite_pixels": by_file(paths, listed, columns["image_nonfinite"], int)},
            listed_names(paths, listed)))
    # 16-bit colour read as one value may hold several: image.sixteen_bit_colour says so
    constant = read & (columns["image_min"] == columns["image_max"]) & ~columns["image_top_byte"]
    if constant.any():
        count, listed = tally.select(constant)
        findings.append(audit_finding(
            "image.constant", Severity.WARNING,
            f"{plural(count, 'image')} {verb(count, 'holds', 'hold')} a single value",
            "A constant image carries no information: its mask cannot be predicted from it. "
            "Blank frames, failed exports and all-black tiles look like this.",
            "Check the listed images; remove them with their masks if they are blank.",
            {"images": count, "values": by_file(paths, listed, columns["image_min"])},
            listed_names(paths, listed)))
    scaled_min, scaled_max = tally.scaled_image_range()
    with np.errstate(invalid="ignore"):
        excess = np.fmax(-scaled_min, scaled_max - 1)
        out_of_range = read & (excess > 0)
    if out_of_range.any():
        findings.append(out_of_range_finding(tally, out_of_range, excess))
    depths = tally.bit_depth_names()
    findings += _narrow_range(tally, read, depths)
    # 16-bit colour read at 8 bits reaches the network like 8-bit data: image.sixteen_bit_colour
    per_depth = Counter(depths[read & ~columns["image_top_byte"]].tolist())
    if len(per_depth) > 1:
        commonest = per_depth.most_common(1)[0][0]
        _, listed = tally.select(read & ~columns["image_top_byte"] & (depths != commonest))
        findings.append(audit_finding(
            "image.mixed_bit_depths", Severity.WARNING,
            "Images of several bit depths are mixed: "
            + ", ".join(f"{count} {depth}" for depth, count in per_depth.most_common()),
            "Each image is scaled by its own type's range (255, 65535, or not at all for "
            "float), so the same scene stored at two depths can reach the network at very "
            "different brightness: a 12-bit camera image in a 16-bit file is 16 times darker "
            "than its 8-bit export.",
            "Convert all images to one bit depth with one intensity mapping.",
            {"images_per_bit_depth": dict(per_depth)}, listed_names(paths, listed)))
    return findings


def _narrow_range(tally: AuditTally, read: np.ndarray, depths: np.ndarray) -> list[Finding]:
    """``image.narrow_range`` for the integer images of one bit depth (8 or 16-bit) when
    none of them reaches :data:`~unetdiag.diag.data.intensity.NARROW_RANGE` of its range
    (all-black images, largest value 0, are ``image.constant``'s)."""
    _, scaled_max = tally.scaled_image_range()
    measured = read & np.isfinite(scaled_max)
    every_image_narrow = bool(measured.any()) and float(scaled_max[measured].max()) < NARROW_RANGE
    findings = []
    for depth in ("8-bit", "16-bit"):
        chosen = measured & (depths == depth)
        if not chosen.any() or not 0 < float(scaled_max[chosen].max()) < NARROW_RANGE:
            continue
        count, listed = tally.select(chosen, -scaled_max)
        findings.append(narrow_range_audit(
            count, float(tally.columns["image_max"][chosen].max()),
            NOMINAL_RANGES[BIT_DEPTHS.index(depth)], depth,
            listed_names(tally.image_paths, listed), every_image_narrow))
    return findings


# --------------------------------------------------------------------------- image vs mask


def copies_phrase(count: int, equal: int) -> str:
    """What ``count`` masks that are their images are, ``equal`` of them equal to it on
    :data:`IDENTICAL_CONTENT_FRACTION` of the pixels and the rest only correlated with it
    (a posterised or re-scaled copy equals its image nowhere)."""
    if equal == count:
        return verb(count, "is a copy of its image", "are copies of their images")
    if equal == 0:
        return verb(count, "follows its image's grey levels", "follow their images' grey levels")
    return (f"are copies of their images or follow their grey levels ({equal} of {count} "
            "equal)")


def _copies_title(count: int, equal: int) -> str:
    return f"{plural(count, 'mask')} {copies_phrase(count, equal)}"


def _copies_reading(count: int, equal: int) -> str:
    if equal == count:
        return "they equal their own image"
    return (f"they equal their own image on at least {IDENTICAL_CONTENT_FRACTION:.0%} of the "
            f"sampled pixels or follow its grey level with a correlation of at least "
            f"{IMAGE_LIKE_CORRELATION:.2f} ({equal} of {count} equal it)")


def content_findings(tally: AuditTally) -> list[Finding]:
    """``pairing.mask_is_image``, ``pairing.mask_is_overlay`` and
    ``pairing.mask_thresholds_image``."""
    columns = tally.columns
    paths = tally.mask_paths
    findings = []
    is_image = tally.mask_is_image()
    if is_image.any():
        count, listed = tally.select(is_image, np.nan_to_num(columns["identical"]))
        worst = int(listed[0])
        equal = int(tally.mask_equals_image().sum())
        findings.append(audit_finding(
            "pairing.mask_is_image", Severity.ERROR,
            _copies_title(count, equal),
            f"These masks are photographs, not labels: at least "
            f"{PHOTO_LIKE_NONBINARY_FRACTION:.0%} of their pixels sit between the two ends of "
            f"the scale, and {_copies_reading(count, equal)} (worst: {paths[worst]}, equal on "
            f"{columns['identical'][worst]:.1%} of sampled pixels, correlation "
            f"{columns['correlation'][worst]:.3f} with its grey level). Thresholded, such a "
            "mask is the bright (or dark) part of the image, and Dice measures how well the "
            "model reproduces a threshold of its input. The original project paired each "
            "photograph with itself this way and logged Dice 0.9975.",
            "Point the mask folder at the labels, not at the images.",
            {"masks": count, "identical_fraction_min": IDENTICAL_CONTENT_FRACTION,
             "correlation_min": IMAGE_LIKE_CORRELATION,
             "per_file": [{"mask": paths[i], "identical_fraction": float(columns["identical"][i]),
                           "correlation": float(columns["correlation"][i])}
                          for i in listed.tolist()]},
            listed_names(paths, listed)))
    overlaid = tally.mask_is_overlay()
    if overlaid.any():
        count, listed = tally.select(overlaid, np.nan_to_num(columns["identical"]))
        lowest = float(np.nanmin(columns["identical"][overlaid]))
        findings.append(audit_finding(
            "pairing.mask_is_overlay", Severity.ERROR,
            f"{plural(count, 'mask')} {verb(count, 'is its image', 'are their images')} with "
            f"something drawn over {verb(count, 'part of it', 'parts of them')}",
            f"These masks are photographs, not labels: at least "
            f"{PHOTO_LIKE_NONBINARY_FRACTION:.0%} of their pixels sit between the two ends of "
            f"the scale, and each equals its own image on {lowest:.0%} or more of the sampled "
            "pixels while differing on the rest. No label equals a photograph on half its "
            "pixels: these are pictures of the labels drawn over the images (labelme's "
            "SegmentationClassVisualization and label_viz.png tint each object), or the images "
            "edited. Thresholded, they are the bright part of the picture, not the objects.",
            "Point the mask folder at the label files (labelme: SegmentationClass/ or "
            "label.png; any export that stores class numbers), not at the visualisations.",
            {"masks": count, "identical_fraction_min": OVERLAY_IDENTICAL_FRACTION,
             "per_file": [{"mask": paths[i], "identical_fraction": float(columns["identical"][i]),
                           "correlation": float(columns["correlation"][i])}
                          for i in listed.tolist()]},
            listed_names(paths, listed)))
    thresholds = tally.mask_thresholds_image()
    if thresholds.any():
        count, listed = tally.select(thresholds, columns["threshold_gap"])
        findings.append(audit_finding(
            "pairing.mask_thresholds_image", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'is a threshold', 'are thresholds')} of "
            f"{verb(count, 'its', 'their')} own image",
            "For these pairs one grey-level threshold of the image gives the mask exactly: "
            "every pixel of one class is brighter than every pixel of the other (the gap "
            "between them is in the evidence). Either the masks were made by thresholding "
            "(the model then learns that threshold, and Dice measures agreement with it, not "
            "with an annotator) or the mask path points at binarised copies of the images.",
            "Check how the listed masks were made; use independent annotations to evaluate.",
            {"masks": count,
             "grey_level_gap": by_file(paths, listed, columns["threshold_gap"])},
            listed_names(paths, listed)))
    return findings


# --------------------------------------------------------------------------- duplicates


def duplicate_findings(groups: list[DuplicateGroup], tally: AuditTally,
                       split: dict[str, Any]) -> list[Finding]:
    paths = tally.image_paths
    findings = []

    def group_files(selected: list[DuplicateGroup]) -> list[str]:
        return [paths[member] for group in selected for member in group.members]

    def describe(group: DuplicateGroup) -> dict[str, Any]:
        return {"images": [paths[member] for member in group.members],
                "sides": list(group.sides), "exact": group.exact,
                "correlation": group.best_correlation}

    exact = [group for group in groups if group.exact]
    # copies whose masks all differ are one input with several labels: no memorised answer
    # scores on the other copy, so they are no leak (redteam 4b)
    relabelled = [group for group in exact if masks_all_differ(
        [tally.mask_paths[member] for member in group.members])]
    if exact:
        copies = sum(len(group.members) for group in exact)
        same = len(exact) - len(relabelled)
        differ = (f" In {plural(len(relabelled), 'group')} the masks differ (Dice of their "
                  f"marked pixels under {DIFFERENT_LABELS_DICE}): one input with contradictory "
                  "labels (blank tiles with different masks, say), which no model fits both "
                  "of; split apart, an answer memorised from one scores little against the "
                  "other, so they are not counted as copies that straddle the split."
                  if relabelled else "")
        findings.append(audit_finding(
            "duplicates.exact", Severity.WARNING,
            f"{plural(len(exact), 'image')} {verb(len(exact), 'appears', 'appear')} more "
            f"than once ({copies} files)",
            f"{plural(len(exact), 'group')} of image files hold identical pixels under "
            "different names."
            + (" Copies with the same mask weigh double in training and, split apart, score "
               "the model on images it has memorised." if same else "") + differ,
            "Keep one file of each group" + (", and find out which mask is right where they "
                                             "differ." if relabelled else "."),
            {"groups": len(exact), "files": copies,
             "groups_with_masks_differing": len(relabelled),
             "examples": [describe(group) for group in exact[:LISTED_PER_QUESTION]]},
            group_files(exact)))
    near = [group for group in groups if not group.exact]
    if near:
        findings.append(audit_finding(
            "duplicates.near", Severity.WARNING,
            f"{plural(len(near), 'group')} of near-identical images",
            f"{sum(len(group.members) for group in near)} images are near-copies of another: "
            "their 16x16 thumbnails, beyond what every image of the dataset shares, correlate "
            f"at {NEAR_DUPLICATE_CORRELATION} or more. Consecutive video frames, overlapping "
            "tiles and re-saved copies look like this.",
            "Split by source (video, patient, slide), not by file, or keep one of each group.",
            {"groups": len(near), "correlation_min": NEAR_DUPLICATE_CORRELATION,
             "examples": [describe(group) for group in near[:LISTED_PER_QUESTION]]},
            group_files(near)))
    crossing = [group for group in groups
                if group.crosses_split and not any(group is other for other in relabelled)]
    if crossing:
        exact_cross = [group for group in crossing if group.exact_crosses_split]
        validation = sum(side == "validation" for group in crossing for side in group.sides)
        findings.append(audit_finding(
            "duplicates.split_leak", Severity.ERROR if exact_cross else Severity.WARNING,
            f"{plural(len(crossing), 'group')} of copies "
            f"{verb(len(crossing), 'straddles', 'straddle')} the train/validation split",
            f"With the trainer's split (validation fraction {split['val_fraction']}, seed "
            f"{split['seed']}), {plural(len(crossing), 'group')} of copies or near-copies "
            f"have members in both training and validation ({validation} validation images; "
            f"{len(exact_cross)} groups of exact copies). The model is validated on images it "
            "trained on, so validation Dice overstates how it does on new data.",
            "Remove the copies, or split by source so that a group stays on one side.",
            {"groups": len(crossing), "exact_groups": len(exact_cross),
             "validation_images": validation, **split,
             "examples": [describe(group) for group in crossing[:LISTED_PER_QUESTION]]},
            group_files(crossing)))
    return findings
