"""Masks that cover nearly the same region in every image: a field-of-view or region-of-
interest mask given as the targets (DRIVE ships its field-of-view discs in ``mask/`` beside
the vessel annotations in ``1st_manual/``).

Each decoded mask is kept as a 16x16 thumbnail (the foreground share of each cell); the masks
are compared with their median shape by a soft IoU (sum of the cell-wise minimum over the sum
of the maximum). A region mask has a solid median (nearly every cell empty or full) and every
mask overlaps it closely; thin or scattered structures (vessels, membranes) never give a solid
median, and objects that move from image to image never overlap it closely.

>>> import numpy as np
>>> disc = np.zeros((16, 16)); disc[3:13, 3:13] = 1
>>> float(soft_iou(np.stack([disc, disc * 0.5]), disc)[1])
0.5
"""

from __future__ import annotations

import numpy as np

from unetdiag.diag.audit.findings import SOURCE
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.wording.text import plural

#: A mask is nearly its dataset's median shape when their soft IoU is at least this...
NEARLY_IDENTICAL_IOU = 0.9
#: ...and the masks are nearly identical when at least this share of the masks read are.
NEARLY_IDENTICAL_SHARE = 0.9
#: Fewer masks than this say nothing about a dataset.
MIN_MASKS = 5
#: The median shape is a region when at least this share of its cells is solid: foreground
#: share within :data:`SOLID_LEVEL` of 0 or of 1.
SOLID_CELL_SHARE = 0.8
SOLID_LEVEL = 0.1
#: Only masks with a foreground share in this range are compared (an empty or a full mask is
#: the same as every other trivially).
COMPARED_FOREGROUND = (0.01, 0.99)
_UINT8_MAX = 255


def soft_iou(thumbnails: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Per thumbnail, ``sum(min(t, shape)) / sum(max(t, shape))`` over the cells."""
    cells = thumbnails.reshape(thumbnails.shape[0], -1)
    reference = shape.reshape(1, -1)
    union = np.maximum(cells, reference).sum(axis=1)
    return np.minimum(cells, reference).sum(axis=1) / np.maximum(union, 1e-12)


def nearly_identical_finding(tally: AuditTally) -> Finding | None:
    """``mask.nearly_identical`` (warning) when the masks are one region drawn again and
    again; None otherwise."""
    # a figure's axes box is no region; nor is a frame the policy reads as a class (255
    # outside a field of view round 0/1 vessels): the same region in every mask, but no
    # target (mask.label_map offers reading it as no-data)
    read = tally["mask_read"] & ~tally.mask_is_picture() & ~tally.frame_read_as_class()
    return same_region_finding(tally.mask_thumbnails[read], tally.foreground_share()[read],
                               [path for path, ok in zip(tally.mask_paths, read.tolist(),
                                                         strict=True) if ok], SOURCE)


def same_region(thumbnails: np.ndarray, share: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """When the masks (each one's 16x16 thumbnail, foreground share per cell times 255, one
    row per mask, and its foreground share) are nearly one region: the indices of those
    compared and their soft IoU with the median shape; None otherwise."""
    with np.errstate(invalid="ignore"):
        compared = (share > COMPARED_FOREGROUND[0]) & (share < COMPARED_FOREGROUND[1])
    masks_read = int(share.size)
    if compared.sum() < max(MIN_MASKS, NEARLY_IDENTICAL_SHARE * masks_read):
        return None
    indices = np.flatnonzero(compared)
    thumbnails = thumbnails[indices].astype(np.float64) / _UINT8_MAX
    median = np.median(thumbnails, axis=0)
    solid = (median <= SOLID_LEVEL) | (median >= 1 - SOLID_LEVEL)
    if (solid.mean() < SOLID_CELL_SHARE or not (median >= 1 - SOLID_LEVEL).any()
            or not (median <= SOLID_LEVEL).any()):
        return None
    overlap = soft_iou(thumbnails, median)
    if (overlap >= NEARLY_IDENTICAL_IOU).sum() < NEARLY_IDENTICAL_SHARE * masks_read:
        return None
    return indices, overlap


def same_region_finding(thumbnails: np.ndarray, share: np.ndarray, paths: list[str],
                        source: str, where: str = "") -> Finding | None:
    """``mask.nearly_identical`` from each decoded mask's 16x16 thumbnail (foreground share
    per cell times 255, one row per mask), its foreground share and path (audit-data's
    masks; or train's decoded ones, ``paths`` empty: ``where`` is then appended to the
    title)."""
    region = same_region(thumbnails, share)
    if region is None:
        return None
    indices, overlap = region
    masks_read = int(share.size)
    count = int((overlap >= NEARLY_IDENTICAL_IOU).sum())
    side = f"{THUMBNAIL_SIDE}x{THUMBNAIL_SIDE}"
    return listing_finding(
        "mask.nearly_identical", Severity.WARNING,
        f"{count} of {masks_read} masks cover nearly the same region{where}",
        f"{plural(count, 'mask')} overlap the median shape of all masks with IoU "
        f"{NEARLY_IDENTICAL_IOU:.2f} or more (median {float(np.median(overlap)):.2f}, lowest "
        f"{float(overlap.min()):.2f}; measured on {side} thumbnails of the decoded masks): the "
        "same region in every image, consistent with a field-of-view or region-of-interest "
        "mask (where the image holds data) rather than a segmentation of what each image "
        f"shows. A model that draws this one shape on every image scores IoU about "
        f"{float(overlap.mean()):.2f} without looking at the images.",
        "Check that the mask folder holds the targets: DRIVE, for one, ships the vessel "
        "annotations in 1st_manual/ (21_manual1.gif) and the field of view in mask/ "
        "(21_training_mask.gif, which the default --mask-suffix _mask pairs when both sit "
        "beside the images: pass --mask-suffix _manual1). If one region really is the target "
        "in every image, the metrics say nothing about the model.",
        {"masks": count, "masks_read": masks_read, "iou_threshold": NEARLY_IDENTICAL_IOU,
         "median_iou": float(np.median(overlap)), "lowest_iou": float(overlap.min()),
         "mean_iou": float(overlap.mean()), "thumbnail_side": THUMBNAIL_SIDE},
        [paths[index] for index in indices[np.argsort(-overlap, kind="stable")].tolist()]
        if paths else [], source)
