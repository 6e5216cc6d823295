"""Label maps the trainer decodes under the default threshold: class or object numbers read
as grey levels.

``audit-data`` weighs label maps over the whole dataset and proposes a value policy
(:mod:`unetdiag.diag.audit.labels`). ``train`` decodes one file at a time; its decoder notes
each mask that is a label map (:func:`~unetdiag.diag.data.labelmaps.label_layout`) and this
module words what the midpoint threshold made of them, so a run on label maps never trains
silently on whatever that threshold keeps (objects numbered above 127 of an instance label
image, none of a trimap).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from unetdiag.diag.audit.label_rims_wording import rims_phrase
from unetdiag.diag.core.findings import LISTED_FILES, Finding, Severity
from unetdiag.diag.data.instances import load_mask
from unetdiag.diag.data.label_rims import interpolation_rims
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.reading import ImageReadError
from unetdiag.diag.data.rules import VOID_INDEX
from unetdiag.diag.wording.text import capitalised, plural, values_text, verb

#: What palette index 255 is (``audit-data``'s ``mask.label_map`` and ``train`` say it so).
PALETTE_VOID = ("palette index 255, PASCAL VOC's void label (object borders and regions left "
                "unlabelled)")

#: What a mask with one number per object is, where such masks come from.
NUMBERED_OBJECTS = ("an instance label image, as Cellpose, StarDist and the Cell Tracking "
                    "Challenge store them")


def numbered_objects_choice(policy: MaskPolicy) -> str:
    """What to pass for masks of many values on 0, given the policy in force: ``"if every
    value but 0 is an object, pass --mask-threshold 0; if they are classes, choose them with
    --foreground-values"`` (under ``--mask-polarity dark`` a threshold of 0 makes only 0
    foreground, so the flag goes too)."""
    flag = "--mask-threshold 0" + (" without --mask-polarity dark"
                                   if policy.dark_is_foreground else "")
    return (f"if every value but 0 is an object, pass {flag}; if they are classes, choose "
            "them with --foreground-values")


def _rims_exception(paths: list[str], values: list[int]) -> str:
    """The values lying in thin rims between two others (``audit-data``'s
    ``mask.interpolated_labels``, :func:`~unetdiag.diag.data.label_rims.interpolation_rims`),
    as an exception to "covering whole regions"; "" when none does."""
    rims = interpolation_rims(paths, values)
    if rims is None:
        return ""
    named = "; ".join(f"{entry['value']} {rims_phrase(entry)}" for entry in rims["rims"])
    drawn_alike = all(entry["thin_everywhere"] for entry in rims["rims"])
    return (f" but for this: {named}, consistent with "
            f"{'a boundary class drawn there or with ' if drawn_alike else ''}"
            "maps resized by interpolation (if so, "
            "resizing them with nearest neighbour leaves no rims; `unetdiag audit-data` counts "
            "them)")


def threshold_on_label_maps(label_maps: Mapping[str, Sequence[int]], masks: int,
                            policy: MaskPolicy, source: str) -> Finding | None:
    """``mask.label_map`` (warning) when the decoder read label maps under a threshold that
    left some of their labelled values background
    (:func:`~unetdiag.diag.data.labelmaps.read_by_numbering`); None when there are none.

    ``label_maps``: mask path -> the values it holds; ``masks``: every mask decoded.

    >>> finding = threshold_on_label_maps({"a.tif": [0, 1, 2, 3]}, 4, MaskPolicy(), "data")
    >>> finding.title
    '1 of 4 masks is a label map holding 0, 1, 2 and 3, read under a threshold'
    """
    if not label_maps:
        return None
    values = sorted({value for held in label_maps.values() for value in held})
    count = len(label_maps)
    first = min(label_maps)
    return Finding(
        "mask.label_map", Severity.WARNING,
        f"{count} of {plural(masks, 'mask')} {'is a label map' if count == 1 else 'are label maps'}"
        f" holding {values_text(values)}, read under a threshold",
        f"{plural(count, 'mask')} ({'first: ' if count > 1 else ''}{first}) "
        f"{verb(count, 'holds', 'hold')} whole numbers covering whole regions"
        f"{_rims_exception(sorted(label_maps), values)}, "
        "stored losslessly: class or object numbers, not grey levels. The policy in force "
        f"({policy.describe()}) thresholds them as grey levels, so which of them train as "
        "foreground depends on their numbers, not on what they label.",
        "Run `unetdiag audit-data` on the dataset: it names each value and proposes a policy. "
        + (f"{capitalised(numbered_objects_choice(policy))} ({NUMBERED_OBJECTS} for the first)."
           if 0 in values else
           # no 0 to be the background (trimaps: 1, 2, 3): --mask-threshold 0 would make
           # every pixel foreground
           f"Name the object's values with --foreground-values (and a border or void value "
           f"with --ignore-values): none of {values_text(values)} is 0, so a threshold of 0 "
           "would make every pixel foreground."),
        {"label_maps": count, "masks": masks, "values": values[:256],
         "policy": policy.to_dict()},
        tuple(sorted(label_maps)[:LISTED_FILES]), source)


def declared_nodata_read_as_class(nodata_masks: Mapping[str, tuple[float, int, int]],
                                  masks: int, policy: MaskPolicy, source: str
                                  ) -> Finding | None:
    """``mask.nodata`` (warning) when the decoder met masks holding the no-data value their
    GDAL_NODATA tag declares, on pixels the policy does not ignore: they train as a class.
    ``nodata_masks``: mask path -> (value, its pixels, those decoded as foreground).

    >>> finding = declared_nodata_read_as_class({"t.tif": (255.0, 40, 40)}, 4, MaskPolicy(),
    ...                                         "data")
    >>> finding.title
    '1 of 4 masks holds the no-data value its GDAL_NODATA tag declares, trained as a class'
    """
    if not nodata_masks:
        return None
    count = len(nodata_masks)
    first = min(nodata_masks)
    values = sorted({value for value, _, _ in nodata_masks.values()}, key=str)
    named = ", ".join("NaN" if value != value else f"{value:g}" for value in values)
    pixels = sum(held for _, held, _ in nodata_masks.values())
    foreground = sum(fore for _, _, fore in nodata_masks.values())
    finite = [f"{value:g}" for value in values if value == value]
    fix = (f"Pass --ignore-values {','.join(finite)} so those pixels weigh nothing (with "
           "--foreground-values naming the object values; `unetdiag audit-data` proposes both "
           "from the values)." if finite else "")
    if len(finite) < len(values):
        fix += (" NaN cannot be named in --ignore-values: write those masks with a finite "
                "no-data value (e.g. 255 in 8-bit) and ignore it.")
    return Finding(
        "mask.nodata", Severity.WARNING,
        f"{count} of {plural(masks, 'mask')} {verb(count, 'holds', 'hold')} the no-data value "
        f"{verb(count, 'its', 'their')} GDAL_NODATA tag declares, trained as a class",
        f"{plural(count, 'mask')} ({'first: ' if count > 1 else ''}{first}) "
        f"{verb(count, 'holds', 'hold')} {named} on {pixels} pixels, and each file's "
        "GDAL_NODATA tag declares that value no-data (pixels without valid data, outside a "
        "scene's footprint as GDAL and rasterio write them). The policy in force "
        f"({policy.describe()}) does not ignore it: {foreground} of those pixels train as "
        f"foreground and {pixels - foreground} as background.",
        fix.strip(),
        {"masks": count, "masks_decoded": masks, "values": [str(value) for value in values],
         "pixels": pixels, "as_foreground": foreground, "policy": policy.to_dict()},
        tuple(sorted(nodata_masks)[:LISTED_FILES]), source)


def palette_two_levels(paths: Iterable[str]) -> bool:
    """Every one of these palette masks holds the indices 0 and 255 only: no class for a void
    border to surround, so binary masks saved with a palette, as ``audit-data`` reads them
    (:mod:`unetdiag.diag.audit.two_levels`). Read again here, each file once, the first
    holding another index ending the search (PASCAL VOC's first mask does); a file that
    cannot be read says no."""
    for path in paths:
        try:
            values = np.asarray(load_mask(path).values)
        except (ImageReadError, OSError, ValueError):
            return False
        if values.ndim != 2 or not set(np.unique(values).tolist()) <= {0, VOID_INDEX}:
            return False
    return True


def _two_levels_finding(void_masks: Mapping[str, tuple[int, int, int]], masks: int,
                        policy: MaskPolicy, source: str) -> Finding:
    """``mask.two_levels_one_class`` (warning), as ``audit-data`` names it: palette masks of
    indices 0 and 255 only, whose 255 the palette rule trains as background."""
    count = len(void_masks)
    return Finding(
        "mask.two_levels_one_class", Severity.WARNING,
        f"{count} of {plural(masks, 'mask')} {verb(count, 'holds', 'hold')} only the palette "
        f"indices 0 and {VOID_INDEX}, read as one class",
        f"Every one of these palette masks (first: {min(void_masks)}) holds index 0 and index "
        f"{VOID_INDEX} and none holds any other index: binary masks (0 background, "
        f"{VOID_INDEX} object) saved with a colour palette, not label maps with PASCAL VOC's "
        f"void, which needs classes to surround. The policy in force ({policy.describe()}) "
        f"reads index {VOID_INDEX} as background as the palette rule does, so the masks train "
        "empty.",
        f"Pass --foreground-values {VOID_INDEX} to both audit-data and train (what "
        "`unetdiag audit-data` proposes for the same masks).",
        {"masks": count, "masks_decoded": masks, "levels": [0, VOID_INDEX],
         "rule": "palette_without_classes", "policy": policy.to_dict()},
        tuple(sorted(void_masks)[:LISTED_FILES]), source)


def palette_void_not_ignored(void_masks: Mapping[str, tuple[int, int, int]], masks: int,
                             policy: MaskPolicy, source: str) -> Finding | None:
    """``mask.palette_void`` (warning) when the decoder met palette masks holding index 255
    that the policy does not ignore: void pixels train as a class (background under the
    palette rule), as ``audit-data`` warns of them. ``void_masks``: mask path -> (void
    pixels, all pixels, void pixels decoded as foreground).

    >>> finding = palette_void_not_ignored({"a.png": (55, 1000, 0)}, 2, MaskPolicy(), "data")
    >>> finding.title
    '1 of 2 masks holds palette index 255 (void) on 5.5 % of its pixels, trained as background'
    """
    if not void_masks:
        return None
    count = len(void_masks)
    void = sum(held for held, _, _ in void_masks.values())
    pixels = sum(total for _, total, _ in void_masks.values())
    foreground = sum(fore for _, _, fore in void_masks.values())
    if palette_two_levels(void_masks):
        return None if foreground == void else _two_levels_finding(void_masks, masks, policy,
                                                                   source)
    trained_as = ("background" if foreground == 0 else "foreground" if foreground == void
                  else f"foreground ({foreground} pixels) and background ({void - foreground})")
    first = min(void_masks)
    return Finding(
        "mask.palette_void", Severity.WARNING,
        f"{count} of {plural(masks, 'mask')} {verb(count, 'holds', 'hold')} palette index 255 "
        f"(void) on {100 * void / pixels:.3g} % of {verb(count, 'its', 'their')} pixels, "
        f"trained as {trained_as}",
        f"{plural(count, 'mask')} ({'first: ' if count > 1 else ''}{first}) "
        f"{verb(count, 'is a palette image', 'are palette images')} holding index 255 on "
        f"{void} of {pixels} pixels: {PALETTE_VOID}. The policy in force ({policy.describe()}) "
        f"does not ignore it, so those pixels weigh as much as any other in the loss and the "
        f"metrics, as {trained_as}.",
        "Pass --ignore-values 255 to leave them out of the loss and the metrics (what "
        "`unetdiag audit-data` proposes for the same masks); pass it to evaluate too.",
        {"masks": count, "masks_decoded": masks, "void_pixels": void, "pixels": pixels,
         "as_foreground": foreground, "policy": policy.to_dict()},
        tuple(sorted(void_masks)[:LISTED_FILES]), source)
