"""Findings on what the masks' objects are drawn as (measured by :mod:`.shapes`).

==============================  ========  =====================================================
id                              severity  when
==============================  ========  =====================================================
``mask.outlines``               warning   in nearly every mask every object is a thin closed
                                          ring around one hole, the holes larger than the rings
``mask.point_annotations``      warning   nearly every object of the dataset has one tiny size
                                          (at most a 7x7 square's pixels)
==============================  ========  =====================================================

Both are about the dataset as a whole: one ring or one dot is an ordinary object; every object
drawn alike in every mask is a way of annotating. The masks cannot say what the annotator meant,
so the wording is "consistent with", and the fix is conditional on the objects being regions.
"""

from __future__ import annotations

import numpy as np

from unetdiag.diag.audit.shapes import DOT_MAX_PIXELS
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.core.findings import LISTED_FILES, Finding, Severity, listing_finding
from unetdiag.diag.wording.text import plural

SOURCE = "audit"
#: The ids this module produces.
SHAPE_FINDINGS = ("mask.outlines", "mask.point_annotations")
#: Shares of masks and of objects that must agree ("nearly every").
NEARLY_ALL = 0.9
#: Fewer non-empty masks than this say nothing; nor, for dots, fewer objects than
#: :data:`MIN_OBJECTS`.
MIN_MASKS = 3
MIN_OBJECTS = 10
#: Dots: objects of the common size hold at least this share of all foreground pixels.
DOT_PIXEL_SHARE = 0.8
#: Dots: at least this many objects per mask on average (one tiny object per image is as
#: consistent with a small target as with a click).
MIN_DOTS_PER_MASK = 2.0
#: Outlines: the filled foreground is at least this many times the stored one.
MIN_FILLED_RATIO = 2.0


def _masks(tally: AuditTally) -> np.ndarray:
    """Masks read with foreground, that are masks (not pictures)."""
    return (tally["mask_read"] & (tally["object_count"] > 0) & ~tally.mask_is_side_by_side()
            & ~tally.mask_is_image())


def _files(tally: AuditTally, chosen: np.ndarray) -> list[str]:
    return [tally.mask_paths[index] for index in np.flatnonzero(chosen)[:LISTED_FILES].tolist()]


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def shape_findings(tally: AuditTally) -> list[Finding]:
    """``mask.outlines`` and ``mask.point_annotations`` when the masks show them."""
    read = _masks(tally)
    masks = int(np.count_nonzero(read))
    objects = int(tally["object_count"][read].sum())
    if masks < MIN_MASKS:
        return []
    findings = []
    outlines = _outlines(tally, read, masks, objects)
    if outlines is not None:
        findings.append(outlines)
    points = _points(tally, read, masks, objects)
    if points is not None:
        findings.append(points)
    return findings


def _outlines(tally: AuditTally, read: np.ndarray, masks: int, objects: int) -> Finding | None:
    rings = tally["ring_objects"]
    all_rings = read & (rings == tally["object_count"])
    ring_masks = int(np.count_nonzero(all_rings))
    ring_objects = int(rings[read].sum())
    if ring_masks < NEARLY_ALL * masks or ring_objects < NEARLY_ALL * objects:
        return None
    stored = int(tally["foreground"][all_rings].sum())
    holes = int(tally["hole_pixels"][all_rings].sum())
    filled = stored + holes
    if stored <= 0 or filled < MIN_FILLED_RATIO * stored:
        return None
    every = "every mask" if ring_masks == masks else f"{ring_masks} of {masks} masks"
    return listing_finding(
        "mask.outlines", Severity.WARNING,
        f"In {every} every object is a thin closed ring around background: consistent "
        "with outlines drawn instead of filled regions",
        f"In {ring_masks} of {masks} masks with foreground, every object (8-connected; "
        f"{ring_objects} of {objects} objects over all masks) is a thin line closed around one "
        "hole of background. Filled, the foreground of those masks "
        f"would be {filled:,} pixels instead of {stored:,} ({filled / stored:.1f} times; the "
        f"holes are {_percent(holes / filled)} of the filled area). Masks drawn "
        "with cv2.drawContours or cv2.polylines at a thickness, and never filled, look like "
        "this. A model trained on them learns to draw outlines, and Dice against them scores "
        "outlines. If the objects are thin closed structures by nature (a tube's wall, a "
        "ring), this is no fault.",
        "If the objects are meant as regions, fill the masks once into a new folder "
        "(scipy.ndimage.binary_fill_holes(mask), or redraw the polygons with cv2.fillPoly or "
        "cv2.drawContours(..., thickness=-1)) and train on that folder.",
        {"masks": masks, "masks_all_rings": ring_masks, "objects": objects,
         "ring_objects": ring_objects, "stored_foreground_pixels": stored,
         "filled_foreground_pixels": filled, "connectivity": 8},
        _files(tally, all_rings), SOURCE)


def _points(tally: AuditTally, read: np.ndarray, masks: int, objects: int) -> Finding | None:
    smallest = tally["smallest_object"][read]
    if objects < MIN_OBJECTS or objects < MIN_DOTS_PER_MASK * masks:
        return None
    values, counts = np.unique(smallest, return_counts=True)
    size = int(values[np.argmax(counts)])
    if size > DOT_MAX_PIXELS:
        return None
    same_size = read & (tally["smallest_object"] == size)
    dots = int(tally["smallest_object_count"][same_size].sum())
    foreground = int(tally["foreground"][read].sum())
    if dots < NEARLY_ALL * objects or dots * size < DOT_PIXEL_SHARE * foreground:
        return None
    heights, widths = tally["dot_height"][same_size], tally["dot_width"][same_size]
    measured = heights > 0
    boxes = set(zip(heights[measured].tolist(), widths[measured].tolist(), strict=True))
    box = "{}x{}".format(*boxes.pop()) if len(boxes) == 1 else None
    shape = f"{size}-pixel" + (f" ({box} box)" if box else "")
    return listing_finding(
        "mask.point_annotations", Severity.WARNING,
        f"{dots} of {plural(objects, 'object')} are the same {shape} mark: consistent with "
        "point annotations, not segmentations",
        f"Over {masks} masks with foreground, {dots} of the {objects} objects (8-connected) "
        f"have the same size, {size} pixels"
        + (f", each in a {box} box where measured" if box else "")
        + f", and they hold {_percent(dots * size / foreground)} of the foreground. Regions "
        "drawn round real objects vary in size and shape; one mark of one size per object is "
        "how point (click, centre) annotations are stored. A segmentation model trained on "
        "them learns to draw dots, and Dice or IoU against them measures dots, not objects. "
        "If the objects really are this small and this regular, this is no fault.",
        "If the marks stand for larger objects, draw region masks for them; or keep the points "
        "and train a method meant for them (point-supervised segmentation, or density or "
        "heat-map regression for counting and locating) instead of pixel-wise segmentation "
        "against the dots.",
        {"masks": masks, "objects": objects, "same_size_objects": dots,
         "object_pixels": size, "box": box,
         "foreground_in_those_objects": round(dots * size / foreground, 4),
         "connectivity": 8},
        _files(tally, same_size), SOURCE)
