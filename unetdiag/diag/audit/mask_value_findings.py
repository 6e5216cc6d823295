"""``mask.*`` findings of ``audit-data`` on what the masks' values say: ``mask.non_finite``
(error) and ``mask.non_binary`` (warning), the listed masks worst first. Label maps are left
out of ``mask.non_binary``: their values are classes, described by ``mask.label_map``
(:mod:`unetdiag.diag.audit.label_findings`). Masks a value policy reads exactly
(:func:`read_exactly`) hold no value between classes.
"""

from __future__ import annotations

import math

import numpy as np

from unetdiag.diag.audit.findings import audit_finding, by_file, listed_names
from unetdiag.diag.audit.mixed_scales import POLICY_FIX
from unetdiag.diag.audit.storage_findings import NON_FINITE_CAUSE
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.checks.masks import (
    EDGE_SHARE_FOR_RESAMPLING,
    RIM_SHARE_FOR_RESAMPLING,
    non_binary_reading,
)
from unetdiag.diag.checks.masks_wording import (
    ON_OBJECT_EDGES,
    SOFT_VALUES_FIX,
    fading_values,
    regions_cause,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import join_names, plural, verb


def compact_percent(value: float) -> str:
    """``"12.3%"``: one decimal, no space; three decimals for a non-zero share below 0.1 %
    (so a few pixels never read as ``"0.0%"``)."""
    return f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.3%}"



def value_findings(tally: AuditTally, masks_read: int, policy: MaskPolicy) -> list[Finding]:
    columns = tally.columns
    paths = tally.mask_paths
    """``mask.non_finite`` and ``mask.non_binary`` of the masks read."""
    findings = []
    nonfinite = columns["mask_nonfinite"] > 0
    if nonfinite.any():
        count, listed = tally.select(nonfinite, columns["mask_nonfinite"] / columns["pixels"])
        cause, fix, declared = _non_finite_cause(tally, nonfinite, count)
        classes = whole_numbers_beside_nan(tally, nonfinite) if not declared else None
        if classes is not None:
            # the usual cause (0/0 of a mask normalised by its maximum) leaves no class numbers
            held = int(columns["mask_nonfinite"][nonfinite].sum())
            held_share = held / float(columns["pixels"][nonfinite].sum())
            cause = (f"{'They hold' if count > 1 else 'It holds'} {held:,} non-finite "
                     "pixels in all "
                     f"({compact_percent(held_share)} of "
                     f"{'their' if count > 1 else 'its'} pixels), beside "
                     "finite values that are only the whole numbers "
                     f"{join_names([f'{value:g}' for value in classes])}: consistent with a "
                     "class map in which those pixels were left without a class.")
            fix = ("Store those pixels as a number passed to --ignore-values "
                   "(numpy.nan_to_num(mask, nan=255)) or as the background class.")
        title = (f"{plural(count, 'mask')} {verb(count, 'holds', 'hold')} NaN, declared "
                 f"no-data by {verb(count, 'its', 'their')} GDAL_NODATA tag" if declared == count
                 else f"{plural(count, 'mask')} {verb(count, 'holds', 'hold')} NaN or infinite "
                 "values")
        findings.append(audit_finding(
            "mask.non_finite", Severity.ERROR, title,
            "unetdiag decodes non-finite mask values as background, but a loader that passes "
            f"them on makes the loss NaN for the whole batch. {cause}", fix,
            {"masks": count,
             "non_finite_pixels": by_file(paths, listed, columns["mask_nonfinite"], int),
             "nan_declared_nodata": declared},
            listed_names(paths, listed)))
    # two values the policy splits into object and background are a binary mask whatever
    # the levels (0/128): nothing sits between two classes
    two_levels = ((columns["distinct_values"] == 2) & (columns["foreground"] > 0)
                  & (columns["foreground"] < tally.counted_pixels()))
    pictures = tally.mask_is_picture()  # a photograph's values: its own finding
    # NaN or infinite values lie on no scale: mask.non_finite names them, not this finding
    finite_between = columns["nonbinary"] * columns["pixels"] - columns["mask_nonfinite"] > 0.5
    exact = read_exactly(tally, policy)
    nonbinary = ((columns["nonbinary"] > 0) & columns["mask_read"] & ~columns["label_map"]
                 & ~two_levels & ~pictures & finite_between & ~exact)
    if nonbinary.any():
        count, listed = tally.select(nonbinary, columns["nonbinary"])
        nonbinary_pixels = columns["nonbinary"] * columns["pixels"]
        edge, rim = where_between(tally, nonbinary)
        share = float(nonbinary_pixels[nonbinary].sum() / columns["pixels"][
            columns["mask_read"] & ~columns["label_map"]].sum())
        # NaN: no value strictly between the ends was measured; a lossy 0/1 mask's values
        # above 1 are JPEG's overshoot (the edge test is not run on palette labels)
        beyond_ends = math.isnan(edge) and bool(columns["lossy"][nonbinary].all())
        fix = ("Resize masks with nearest-neighbour only, store them as PNG, and keep two "
               "values. ")
        nan_classes = whole_numbers_beside_nan(tally, nonbinary)
        if np.all(columns["distinct_values"][nonbinary] == 1):
            # one level over the whole mask (a two-colour set's image of the wall alone): no
            # region or edge lies between two others, so nothing reads as soft
            cause = (f"{'It holds' if count == 1 else 'Each holds'} one value over the whole "
                     "mask, no edge and no second region: a class alone in its image, or a "
                     "blank saved at that level, not soft labels.")
            fix = ("Look at the listed masks beside their images: the threshold reads each "
                   "whole as one class, the side of the threshold its value falls on. ")
        elif nan_classes is not None:
            nan_pixels = int(columns["mask_nonfinite"][nonbinary].sum())
            nan_share = nan_pixels / float(columns["pixels"][nonbinary].sum())
            cause = (f"{nan_pixels:,} of them are NaN or infinite ({compact_percent(nan_share)} "
                     "of these masks' pixels, see "
                     "mask.non_finite); the masks' finite values are only the whole numbers "
                     f"{join_names([f'{value:g}' for value in nan_classes])}, as class numbers "
                     "are: consistent with a class map in which some pixels are not finite, "
                     "not with soft labels or probabilities.")
            fix = ("Choose the object's class numbers with --foreground-values (a value policy "
                   "reads whole numbers exactly), and store the NaN pixels as a number passed "
                   "to --ignore-values (numpy.nan_to_num(mask, nan=255)) or as background. ")
        elif beyond_ends:
            cause = ("They lie beyond their scale's ends (JPEG's overshoot: values above 1 in "
                     "masks that hold 0 and 1), and the threshold reads them as the nearer "
                     "class.")
        elif math.isnan(edge) and _all_palette(tally, nonbinary):
            cause = "They are palette labels beyond two classes, so where they sit is moot."
        elif math.isnan(edge):
            cause = "Where they sit (on object edges or inside regions) could not be measured."
        elif non_binary_reading(edge, rim) == "soft":
            # near both classes, but fading over several pixels: no rim a tool or resize leaves
            cause = f"{edge:.0%} of them lie " + fading_values(rim, "either end value")
            fix = SOFT_VALUES_FIX
        elif non_binary_reading(edge, rim) == "resampling":
            cause = (f"{edge:.0%} of them sit {ON_OBJECT_EDGES}: "
                     f"{edge_values_cause(columns['lossy'][nonbinary])}.")
        else:
            jpeg = int(columns["lossy"][nonbinary].sum())
            cause = (f"Only {edge:.0%} of them sit {ON_OBJECT_EDGES}; the rest are spread "
                     f"through whole regions: {regions_cause(jpeg)}"
                     + (" (see mask.lossy)." if jpeg else "."))
        worst = int(listed[0])
        findings.append(audit_finding(
            "mask.non_binary", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'holds', 'hold')} values "
            f"{'beyond' if beyond_ends else 'between'} {verb(count, 'its', 'their')} two ends",
            f"{compact_percent(share)} of all mask pixels, in {count} of {masks_read} masks, are "
            "neither background nor foreground on their scale (worst: "
            f"{compact_percent(float(columns['nonbinary'][worst]))} of {paths[worst]}). {cause} "
            "Under the policy they are thresholded, so the labels are whatever the threshold "
            "makes of them.",
            fix + POLICY_FIX,
            {"masks": count, "nonbinary_pixel_fraction": share, "share_on_edges": edge,
             "share_in_rims": rim, "rim_share_for_resampling": RIM_SHARE_FOR_RESAMPLING,
             "edge_share_for_resampling": EDGE_SHARE_FOR_RESAMPLING,
             "per_file": [{"file": paths[i], "nonbinary_fraction": float(columns["nonbinary"][i]),
                           "share_on_edges": float(columns["edge_share"][i]),
                           "share_in_rims": float(columns["rim_share"][i]),
                           "distinct_values": int(columns["distinct_values"][i])}
                          for i in listed.tolist()]},
            listed_names(paths, listed)))
    return findings


#: Under a value policy, a lossless integer mask of at most this many values is read exactly:
#: no value lies "between" classes (scribbles 0/1/2, VisA 0/3 beside 0/255). Interpolation or
#: anti-aliasing leaves more levels than this along every edge.
MAX_VALUES_READ_EXACTLY = 4


def read_exactly(tally: AuditTally, policy: MaskPolicy) -> np.ndarray:
    """Per pair: the value policy in force reads the mask by its few whole values, with no
    threshold (False for every mask under a threshold policy)."""
    columns = tally.columns
    if not policy.by_values:
        return np.zeros(columns["mask_read"].shape, dtype=bool)
    # a float32 class map (a NIfTI or SimpleITK export) holds whole numbers as integers do
    whole = [key.dtype.startswith(("uint", "int")) or (
        key.dtype.startswith("float") and tally.encoding_values[key].complete
        and all(float(value).is_integer() for value in tally.encoding_values[key].values))
        for key in tally.encodings]
    integer = np.array([number >= 0 and whole[number] for number in tally.encoding_ids.tolist()],
                       dtype=bool)
    colour = np.array([number >= 0 and tally.encodings[number].is_colour
                       for number in tally.encoding_ids.tolist()], dtype=bool)
    # NaN counts among the distinct values, but is no class (mask.non_finite names it)
    finite_values = columns["distinct_values"] - (columns["mask_nonfinite"] > 0)
    return (columns["mask_read"] & ~columns["lossy"] & integer & ~colour
            & (finite_values <= MAX_VALUES_READ_EXACTLY))


def whole_numbers_beside_nan(tally: AuditTally, chosen: np.ndarray) -> list[float] | None:
    """The finite values of the ``chosen`` masks when every one is stored as floats holding
    NaN (or infinities) beside whole numbers only, three or more, all of them known (a float32
    class map with NaN pixels); None otherwise (a 0/1 mask with NaN is no class map)."""
    columns = tally.columns
    held: set[float] = set()
    for index in np.flatnonzero(chosen).tolist():
        number = int(tally.encoding_ids[index])
        key = tally.encodings[number] if number >= 0 else None
        values = tally.encoding_values.get(key) if key is not None else None
        if (key is None or values is None or not key.dtype.startswith("float")
                or key.is_colour or not columns["mask_nonfinite"][index] or not values.complete
                or not all(float(value).is_integer() for value in values.values)):
            return None
        held.update(float(value) for value in values.values)
    return sorted(held) if len(held) >= 3 else None


def _all_palette(tally: AuditTally, chosen: np.ndarray) -> bool:
    """Every chosen mask is stored as palette labels."""
    ids = tally.encoding_ids[chosen]
    return bool(ids.size) and all(ids >= 0) and all(
        tally.encodings[number].palette == "labels" for number in ids.tolist())


def _non_finite_cause(tally: AuditTally, nonfinite: np.ndarray, count: int
                      ) -> tuple[str, str, int]:
    """Why masks hold NaN, the fix, and how many of them declare NaN no-data (GDAL_NODATA
    "nan") and hold no other non-finite value: there the NaNs are the file's no-data."""
    columns = tally.columns
    declared = (nonfinite & columns["mask_nodata_declared"] & np.isnan(columns["mask_nodata"])
                & (columns["mask_nodata_pixels"] == columns["mask_nonfinite"]))
    number = int(declared.sum())
    plain_fix = "Re-export the listed masks with finite values."
    if not number:
        return NON_FINITE_CAUSE, plain_fix, 0
    nan_pixels = int(columns["mask_nodata_pixels"][declared].sum())
    share = nan_pixels / max(1, int(columns["pixels"][columns["mask_read"]].sum()))
    which = (f"In {'each of them' if number == count else f'{number} of them'}"
             if count > 1 else "In it")
    cause = (f"{which} the file's GDAL_NODATA tag declares NaN no-data: the NaNs are the "
             "file's pixels without valid data (GDAL and rasterio mark those outside a "
             "scene's footprint so). unetdiag reads them as background: "
             f"{compact_percent(share)} of all mask pixels train as background though "
             "nothing was labelled there.")
    images = declared & np.isfinite(columns["mask_nodata_image_share"])
    if images.any():
        lowest = float(columns["mask_nodata_image_share"][images].min())
        values = sorted({f"{v:g}" for v in columns["image_nodata"][images].tolist()})
        where = ("at every one of those pixels" if lowest >= 1
                 else f"at {lowest:.1%} or more of those pixels in each mask")
        cause += (f" The images declare no-data too ({join_names(values)}) and hold it in every "
                  f"band {where}.")
    if number < count:
        cause += (f" In the other {count - number}: "
                  f"{NON_FINITE_CAUSE[0].lower()}{NON_FINITE_CAUSE[1:]}")
    fix = ("Write the masks with a finite no-data value (e.g. 255 in 8-bit: rasterio's "
           "nodata=255, or numpy.nan_to_num(mask, nan=255)) and pass --ignore-values 255 to "
           "audit-data and train, so those pixels weigh nothing.")
    return cause, fix, number



def where_between(tally: AuditTally, chosen: np.ndarray) -> tuple[float, float]:
    """Of the values between the ends in the ``chosen`` masks (pixel-weighted): the share on
    object edges and the share in thin rims (NaN where not measured)."""
    columns = tally.columns
    pixels = columns["nonbinary"] * columns["pixels"]
    judged = chosen & np.isfinite(columns["edge_share"])
    judged_pixels = float(pixels[judged].sum())
    edge = (float((pixels[judged] * columns["edge_share"][judged]).sum()) / judged_pixels
            if judged_pixels else math.nan)
    rimmed = judged & np.isfinite(columns["rim_share"])
    rim = (float((pixels[rimmed] * columns["rim_share"][rimmed]).sum())
           / float(pixels[rimmed].sum()) if rimmed.any() else math.nan)
    return edge, rim




def edge_values_cause(lossy: np.ndarray) -> str:
    """What grey values on the edges are consistent with, told by the masks' formats: JPEG's
    compression rings, and in a lossless file anti-aliased drawing or interpolated resizing
    (or a JPEG copy saved again losslessly, which the file cannot show)."""
    lossless_causes = ("anti-aliased drawing (a tool's smooth brush or polygon fill), "
                       "resizing with interpolation, or a JPEG copy saved again losslessly")
    jpeg_count, lossless_count = int(lossy.sum()), int((~lossy).sum())
    if not lossless_count:
        return "the mark of JPEG compression"
    if not jpeg_count:
        return f"consistent with {lossless_causes} (these files are lossless)"
    return (f"consistent with compression in the {plural(jpeg_count, 'JPEG mask')} and, in "
            f"the {lossless_count} lossless ones, with {lossless_causes}")
