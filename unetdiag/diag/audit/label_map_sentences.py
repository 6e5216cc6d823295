"""The sentences of ``mask.label_map``'s explanation that describe particular values: the
void band, no-data, values kept from two-valued masks, a ring between objects and background,
contour labels, a frame, VOC's colours in grey, and which values a policy makes foreground.

Moved out of :mod:`unetdiag.diag.audit.label_findings`, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unetdiag.diag.audit.frame_wording import FRAME_LIES, frame_image_sentence
from unetdiag.diag.audit.label_readings import ring_foreground_share
from unetdiag.diag.audit.label_values_wording import (
    value_names,
)
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.labels import ScaleReading
from unetdiag.diag.audit.voc_grey import verdict_voc_grey, voc_grey_sentence
from unetdiag.diag.checks.label_maps import (
    PALETTE_VOID,
)
from unetdiag.diag.data.labelmaps import SEPARATOR_LEAK
from unetdiag.diag.wording.text import (
    capitalised,
    join_names,
    percent,
    plural,
    verb,
)


def _class_parts(verdict: LabelVerdict, classes: Mapping[int, str]) -> str:
    """``"0..127 are background; 128 is foreground"``: values grouped by ``classes``."""
    groups: dict[str, list[int]] = {"foreground": [], "background": [], "ignored": []}
    for value, kind in classes.items():
        groups[kind].append(value)
    return "; ".join(f"{value_names(verdict, values)} {verb(len(values), 'is', 'are')} {kind}"
                     for kind, values in groups.items() if values)


def classes_sentence(verdict: LabelVerdict, field: str, what: str) -> str:
    """Which values ``what`` (the policy in force, the proposal) makes foreground, background
    and ignored."""
    classes = {entry.value: getattr(entry, field) for entry in verdict.values}
    return f"Under {what}, {_class_parts(verdict, classes)}."


def scale_classes_sentence(verdict: LabelVerdict, readings: Sequence[ScaleReading],
                           what: str) -> str:
    """:func:`classes_sentence` per scale, when ``what`` reads a value differently on the
    label maps of two scales (:func:`~unetdiag.diag.audit.labels.readings_by_scale`)."""
    parts = [f"in the {plural(reading.masks, 'mask')} on the {reading.scale} scale "
             f"(threshold {reading.threshold:g}), {_class_parts(verdict, reading.classes)}"
             for reading in readings]
    return (f"Under {what}, a value is not read alike in every mask: " + "; ".join(parts)
            + ".")


def void_sentence(verdict: LabelVerdict) -> str:
    void = verdict.void
    if void is None:
        return ""
    entry = verdict.value(void)
    if verdict.void_is_band:
        where = (f"a band that separates the other values from each other (at most "
                 f"{SEPARATOR_LEAK:.0%} of their contacts bypass it) in "
                 f"{entry.separating_masks} of the {entry.masks} masks holding it: a void or "
                 "border ('not classified') label drawn along the outlines, as PASCAL VOC's "
                 "255 and the Oxford-IIIT Pet trimaps' 3")
    else:
        where = PALETTE_VOID
    return f" Value {void} ({percent(entry.share)} of pixels) is {where}."


def nodata_clause(verdict: LabelVerdict) -> str:
    """``"255 declared no-data by the files' GDAL_NODATA tag"`` ("" without no-data)."""
    if not verdict.nodata:
        return ""
    names = join_names([str(value) for value in verdict.nodata])
    return f"{names} declared no-data by the files' GDAL_NODATA tag"


def nodata_sentence(verdict: LabelVerdict) -> str:
    """Which values the files declare no-data, how many pixels and masks hold them, and
    what the images hold there."""
    parts = []
    for value in verdict.nodata:
        entry = verdict.value(value)
        parts.append(f" Value {value} ({percent(entry.share)} of pixels, in "
                     f"{plural(entry.masks, 'mask')}) is no-data, not a class: in "
                     f"{'the mask' if entry.masks == 1 else f'each of the {entry.masks} masks'}"
                     f" holding it, the file's GDAL_NODATA tag declares {value} no-data (GDAL "
                     "and rasterio mark the pixels outside a raster's valid footprint so).")
    share = verdict.nodata_image_share
    if share is not None and verdict.image_nodata:
        images = join_names([f"{value:g}" for value in verdict.image_nodata])
        where = ("at every one of those pixels" if share >= 1 else
                 f"at {percent(share)} or more of those pixels in each mask")
        parts.append(f" The images declare no-data too ({images}), and hold it in every band "
                     f"{where}.")
    return "".join(parts)


def kept_clause(verdict: LabelVerdict) -> str:
    """``"10 other masks hold 0 and 255, 255 their object"`` ("" when there are none)."""
    if not verdict.kept:
        return ""
    names = join_names([str(value) for value in verdict.kept])
    return (f"{plural(verdict.kept_masks, 'other mask')} "
            f"{verb(verdict.kept_masks, 'holds', 'hold')} two values with {names} as "
            f"{verb(verdict.kept_masks, 'its', 'their')} object")


def kept_sentence(verdict: LabelVerdict) -> str:
    """Why the proposal names values no label map holds."""
    if not verdict.kept:
        return ""
    names = join_names([str(value) for value in verdict.kept])
    return (f" {capitalised(kept_clause(verdict))} under the policy in force (it reads "
            "them as two classes, so they are no label maps): consistent with one object "
            f"stored with {plural(len(verdict.kept) + len(verdict.objects), 'value')} "
            "(a set partly rescaled, as VisA's masks before and after its prepare "
            "script: class ids or 0/255). A policy naming only the label maps' values "
            f"would empty those masks; the proposal names {names} too.")


def ring_sentence(verdict: LabelVerdict) -> str:
    """Why the value between the objects and the background may be a region or a band: a band
    of width w round a disc of radius R outweighs it whenever R < (1 + sqrt 2) w, so the shares
    cannot tell (redteam 1: a matting trimap's 12-pixel unknown band round discs of radius 6
    to 18 outweighed them)."""
    ring = verdict.ring
    if ring is None:
        return ""
    entry = verdict.value(ring)
    inner = join_names([str(value) for value in verdict.objects])
    inner_share = sum(verdict.value(value).share for value in verdict.objects)
    share = ring_foreground_share(verdict)
    return (f" Value {ring} ({percent(entry.share)} of pixels) separates {inner} from the "
            f"background in {entry.separating_masks} of the {entry.masks} masks holding it: "
            f"{inner} {verb(len(verdict.objects), 'lies', 'lie')} inside {ring}. It holds "
            f"more pixels than the {inner} it encloses ({percent(inner_share)}), as a region "
            "round them does (an optic disc's rim round its cup), and as a band nobody "
            "classified does round objects whose radius is under about 2.4 times its width "
            "(the unknown band of an alpha-matting trimap: 0 background, 128 unknown, 255 "
            "foreground); the shares cannot tell which."
            + (f" The policy in force counts {ring} as foreground: {percent(share)} of the "
               "foreground." if share is not None else ""))


def contour_sentence(verdict: LabelVerdict) -> str:
    """Why 1 and 2 are proposed together: 2 rims every 1-region thinly
    (:mod:`unetdiag.diag.audit.contours`)."""
    contour = verdict.contour
    if contour is None:
        return ""
    measured = contour["masks_measured"]
    return (f" Value 2 encloses value 1: {percent(contour['enclosed_share'])} of the "
            "contacts between a 1-pixel and another value are with 2, and "
            f"{percent(contour['thin_share'])} of the 2-pixels lie within {contour['radius']} "
            f"pixels of a 1 ({plural(measured, 'mask')} measured), a thin ring round each "
            "1-region: consistent with contour-aware labels (0 background, 1 each object's "
            "interior, 2 its boundary, as DCAN and nuclei pipelines store them to part "
            "touching objects), whose objects are 1 and 2 together. The values cannot tell "
            "that from a band nobody classified (as the border of the Oxford-IIIT Pet "
            "trimaps: pass --foreground-values 1 --ignore-values 2) or from a thin class of "
            "its own nested round 1 (an optic disc's rim round its cup, cytoplasm round a "
            "nucleus: choose the class with --foreground-values).")


def frame_sentence(verdict: LabelVerdict) -> str:
    """Why a value far above the class numbers may be no-data outside a footprint."""
    frame = verdict.frame
    if frame is None:
        return ""
    entry = verdict.value(frame)
    others = join_names([str(value) for value in (verdict.background, *verdict.objects)
                         if value is not None])
    each = "the mask" if entry.masks == 1 else f"each of the {entry.masks} masks"
    return (f" Value {frame} ({percent(entry.share)} of pixels, in "
            f"{plural(entry.masks, 'mask')}) lies far above the class numbers beside it "
            f"({others}) and {FRAME_LIES} in {each} holding it: consistent with no-data "
            "outside a raster's footprint (GDAL and rasterio "
            "burn such a value where a scene has no data; a PNG keeps no tag saying so), or "
            "with an object cut by the image's edge. The values alone cannot tell which."
            + frame_image_sentence(verdict.frame_image))


def voc_grey_note(verdict: LabelVerdict) -> str:
    """Values that read as VOC's palette colours in grey, named (:mod:`.voc_grey`)."""
    voc_grey = verdict_voc_grey(verdict)
    return "" if voc_grey is None else f" {capitalised(voc_grey_sentence(voc_grey))}."
