"""``mask.*`` findings of ``audit-data``: how the masks are stored and what their values say.

``mask.encodings`` (info) always lists the storages met; ``mask.mixed_scales`` (in
:mod:`unetdiag.diag.audit.mixed_scales`),
``mask.unusual_encoding`` (naming the values held), ``mask.lossy``, ``mask.non_binary`` and
``mask.threshold_sensitive`` (warnings) and ``mask.non_finite`` (error) name the masks
concerned, worst first (the table of every audit id is in
:mod:`unetdiag.diag.audit.findings`). Label maps are left out of ``mask.non_binary`` and
``mask.threshold_sensitive``: their values are classes, described by ``mask.label_map``
(:mod:`unetdiag.diag.audit.label_findings`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from unetdiag.diag.audit.encodings import EncodingKey, StoredValues
from unetdiag.diag.audit.findings import audit_finding, by_file, listed_names
from unetdiag.diag.audit.mixed_scales import POLICY_FIX, mixed_scales_finding
from unetdiag.diag.audit.storage_findings import NON_FINITE_CAUSE, UNIT_JPEG_LOSS
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, THRESHOLD_SPREAD_TOLERANCE, AuditTally
from unetdiag.diag.checks.masks import (
    EDGE_SHARE_FOR_RESAMPLING,
    RIM_SHARE_FOR_RESAMPLING,
    non_binary_reading,
)
from unetdiag.diag.checks.masks_wording import SOFT_VALUES_FIX, fading_values
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.decoding import resolve_threshold
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import join_names, plural, verb


def _compact_percent(value: float) -> str:
    """``"12.3%"``: one decimal, no space; three decimals for a non-zero share below 0.1 %
    (so a few pixels never read as ``"0.0%"``)."""
    return f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value:.3%}"


def _format_name(key: EncodingKey) -> str:
    """The file format as the files are named: Pillow calls every Netpbm file PPM, whose
    one-bit and grey members are PBM and PGM."""
    if key.file_format == "PPM" and not key.is_colour:
        return "PBM" if key.mode == "1" else "PGM"
    return key.file_format


def encoding_rows(tally: AuditTally) -> list[dict[str, Any]]:
    """One row per distinct mask encoding, commonest first, with an example file."""
    counts = np.bincount(tally.encoding_ids[tally.encoding_ids >= 0],
                         minlength=len(tally.encodings))
    rows = []
    for number in np.argsort(-counts, kind="stable").tolist():
        key = tally.encodings[number]
        first = int(np.flatnonzero(tally.encoding_ids == number)[0])
        rows.append({"masks": int(counts[number]), "format": _format_name(key),
                     "mode": key.mode, "dtype": key.dtype, "scale": key.scale,
                     "channels": key.channels, "palette": key.palette,
                     "colour": key.is_colour, "lossy": key.lossy, "alpha": key.alpha,
                     "values": (tally.encoding_values[key].values
                                if key in tally.encoding_values else []),
                     "example": tally.mask_paths[first]})
    return rows


def _scale_words(row: dict[str, Any]) -> str:
    """An encoding's scale; a colour mask's single value is that of its brightest channel,
    which is what the decoder reads (the colours may be several)."""
    if row["colour"] and row["scale"].startswith("one value"):
        return f"brightest channel {row['scale']}"
    return row["scale"]


def mask_findings(tally: AuditTally, policy: MaskPolicy) -> list[Finding]:
    columns = tally.columns
    masks_read = int(columns["mask_read"].sum())
    if not masks_read:
        return []
    rows = encoding_rows(tally)
    findings = [audit_finding(
        "mask.encodings", Severity.INFO,
        f"Masks are stored in {plural(len(rows), 'way')}: "
        + ", ".join(f"{row['format']} {row['mode']} {_scale_words(row)}"
                    + _ALPHA_WORDS.get(row["alpha"], "") + f" ({row['masks']})"
                    for row in rows[:3])
        + (", ..." if len(rows) > 3 else ""),
        f"{masks_read} masks read. They are decoded under the policy in force: "
        f"{policy.describe()}.",
        "Nothing to fix: this is how the masks are stored. " + POLICY_FIX,
        {"masks": masks_read, "encodings": rows[:LISTED_PER_QUESTION],
         "policy": policy.to_dict()},
        [row["example"] for row in rows])]
    findings += _encoding_findings(tally, policy)
    findings += _value_findings(tally, masks_read, policy)
    return findings


def stored_values_text(values: StoredValues) -> str:
    """The values an encoding holds, for a sentence: ``"0.0 and 255.0"`` when a few are
    known exactly, else their range (``"values from 0 to 65535"``).

    >>> stored_values_text(StoredValues([0.0, 255.0], True, 0.0, 255.0))
    '0.0 and 255.0'
    >>> stored_values_text(StoredValues([0, 1, 2], False, 0.0, 65535.0))
    'values from 0 to 65535'
    >>> stored_values_text(StoredValues([0.0, 1e-06], True, 0.0, 1e-06))
    '0.0 and 1e-06'
    """
    if values.complete and 0 < len(values.values) <= 4:
        # floats as nnU-Net prints them ("0.0", "255.0"), never rounded away ("1e-06")
        return join_names([(f"{value:.1f}" if float(value * 10).is_integer() else f"{value:g}")
                           if isinstance(value, float) else str(value)
                           for value in values.values])
    return f"values from {values.low:g} to {values.high:g}"


def _encoding_findings(tally: AuditTally, policy: MaskPolicy) -> list[Finding]:
    findings = []
    columns = tally.columns
    pictures = tally.mask_is_picture()  # pictures of the labels: their own finding
    mixed = mixed_scales_finding(tally, policy)
    if mixed is not None:
        findings.append(mixed)
    unusual: dict[str, list[int]] = {}
    for number, key in enumerate(tally.encodings):
        kind = _unusual(key)
        if kind:
            unusual.setdefault(kind, []).append(number)
    if not (np.isin(tally.encoding_ids, [n for ns in unusual.values() for n in ns])
            & ~pictures).any():
        unusual = {}  # only pictures of the labels are stored so
    if unusual:
        per_kind = {kind: int(np.isin(tally.encoding_ids, numbers).sum())
                    for kind, numbers in unusual.items()}
        held: dict[str, str] = {}
        for kind, numbers in unusual.items():
            values = tally.encoding_values.get(tally.encodings[numbers[0]])
            for number in numbers[1:]:
                other = tally.encoding_values.get(tally.encodings[number])
                if values is not None and other is not None:
                    values = values.merged(other)
            if values is not None and not tally.encodings[numbers[0]].is_colour:
                # (a colour mask's plane is its brightest channel: no stored value to name)
                held[kind] = stored_values_text(values)
        matches = np.isin(tally.encoding_ids, [n for ns in unusual.values() for n in ns])
        count, listed = tally.select(matches)
        findings.append(audit_finding(
            "mask.unusual_encoding", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'is', 'are')} stored as "
            + ", ".join(f"{kind}{'' if len(per_kind) == 1 else f' ({per_kind[kind]})'}"
                        + (f" holding {held[kind]}" if kind in held else "")
                        for kind in per_kind),
            "unetdiag decodes these masks, but common loaders do not: `convert('L')` maps a "
            "dark-red palette class to grey 38 and pure red to 76 (empty under a 127 "
            "threshold), `/ 255` turns 16-bit 65535 into 257 (Dice above 1) and float 1.0 "
            "into 0.004, a colour mask with several colours is several classes collapsed "
            "into one foreground, and `convert('L')` drops the alpha channel (or a "
            "palette's transparent entry) that holds an alpha-channel mask's object.",
            "If another tool will read these masks, re-save them as 8-bit grey PNGs: a binary "
            "mask with its two values, a label map with its class or object numbers where "
            "they fit in 0..255; check colour masks hold one class only.",
            {"masks_per_encoding": per_kind, "values_held": held},
            listed_names(tally.mask_paths, listed)))
    lossy = columns["lossy"] & columns["mask_read"] & ~pictures
    if lossy.any():
        count, listed = tally.select(lossy, columns["nonbinary"])
        # 0/1 masks holding both levels (is_lossy_unit_mask, train's rule too): JPEG's error
        # of a level is the whole scale
        scales = np.array([tally.encodings[index].scale if index >= 0 else ""
                           for index in tally.encoding_ids.tolist()], dtype=object)
        units = int((lossy & columns["lossy_unit"]).sum())
        # a JPEG that decodes to one value kept no object the threshold could find: an empty
        # mask, or a 0/1 mask whose one-level objects the compression erased (redteam 4c)
        single = int((lossy & ~columns["lossy_unit"] & (columns["distinct_values"] <= 1)).sum())
        graded = lossy & ~columns["lossy_unit"] & (columns["distinct_values"] > 1)
        recovered = ""
        if units:
            recovered += (f" {'They' if units == count else f'{units} of them'} are 0/1 "
                          "masks, where " + UNIT_JPEG_LOSS)
        if single:
            recovered += (
                f" {'They' if single == count else f'{single} of them'} "
                f"{verb(single, 'holds', 'hold')} a single value: "
                f"{'an empty mask' if single == 1 else 'empty masks'}, or 0/1 masks whose "
                "objects, one level above the background, the compression erased (thin ones "
                "entirely); no threshold recovers those.")
        if (graded & (scales == "uint8")).any():
            recovered += (f" {'On the 0..255 ones, the' if units or single else 'The'} "
                          "midpoint threshold recovers the objects to within a pixel or so.")
        findings.append(audit_finding(
            "mask.lossy", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'is', 'are')} JPEG-compressed"
            + ((", each a 0/1 mask" if units == count else f", {units} of them 0/1 masks")
               if units else ""),
            "JPEG is lossy: it rings around every edge, so a two-valued mask comes back with "
            "other values near its objects, and `> 0` inflates the foreground with halos and "
            "specks." + recovered,
            "Store masks as PNG (lossless); regenerate them from the source labels if you "
            "can, since the JPEG round trip cannot be undone exactly.",
            {"masks": count, "masks_holding_0_and_1": units, "masks_of_one_value": single,
             "nonbinary_fraction": by_file(tally.mask_paths, listed, columns["nonbinary"])},
            listed_names(tally.mask_paths, listed)))
    return findings


#: How an encoding's alpha was read, as the encodings title says it (nothing for none or
#: opaque; keys of :class:`~unetdiag.diag.data.decoding.MaskEncoding`'s ``alpha``).
_ALPHA_WORDS = {"mask": " read from the alpha channel",
                "composited": " with transparent parts as background",
                "unused": " with an alpha of 0 everywhere, ignored"}


def _unusual(key: EncodingKey) -> str:
    """Which storage, if any, common loaders misread: "" for 8-bit grey or 0/1."""
    if key.palette == "labels":
        return "colour palette (indices are labels)"
    if key.alpha == "mask" and key.mode == "P":
        return "a grey palette (its transparent entry the background)"
    if key.alpha == "mask":
        return f"{key.mode} with the object in the alpha channel"
    if key.is_colour:
        return f"colour ({key.mode})" if key.mode in ("RGB", "RGBA") else "colour"
    if key.dtype.startswith("float"):
        return "floating point"
    if key.dtype == "int32" and key.file_format == "PPM":
        return "16-bit"  # Netpbm's maxval is below 65536; Pillow widens it to mode I
    if key.dtype == "int32":
        return "signed or 32-bit integers"  # Pillow's mode I holds both
    if key.scale == "uint16" or key.dtype == "uint16":
        return "16-bit"
    return ""


def _value_findings(tally: AuditTally, masks_read: int, policy: MaskPolicy) -> list[Finding]:
    columns = tally.columns
    paths = tally.mask_paths
    findings = []
    nonfinite = columns["mask_nonfinite"] > 0
    if nonfinite.any():
        count, listed = tally.select(nonfinite, columns["mask_nonfinite"] / columns["pixels"])
        cause, fix, declared = _non_finite_cause(tally, nonfinite, count)
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
        edge, rim = _where_between(tally, nonbinary)
        share = float(nonbinary_pixels[nonbinary].sum() / columns["pixels"][
            columns["mask_read"] & ~columns["label_map"]].sum())
        # NaN: no value strictly between the ends was measured; a lossy 0/1 mask's values
        # above 1 are JPEG's overshoot (the edge test is not run on palette labels)
        beyond_ends = math.isnan(edge) and bool(columns["lossy"][nonbinary].all())
        fix = ("Resize masks with nearest-neighbour only, store them as PNG, and keep two "
               "values. ")
        if np.all(columns["distinct_values"][nonbinary] == 1):
            # one level over the whole mask (a two-colour set's image of the wall alone): no
            # region or edge lies between two others, so nothing reads as soft
            cause = (f"{'It holds' if count == 1 else 'Each holds'} one value over the whole "
                     "mask, no edge and no second region: a class alone in its image, or a "
                     "blank saved at that level, not soft labels.")
            fix = ("Look at the listed masks beside their images: the threshold reads each "
                   "whole as one class, the side of the threshold its value falls on. ")
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
            cause = (f"{edge:.0%} of them sit on object edges, next to both background and "
                     f"foreground: {_edge_values_cause(columns['lossy'][nonbinary])}.")
        else:
            cause = (f"Only {edge:.0%} of them sit on object edges; the rest are spread "
                     "through whole regions: soft labels, probability maps, or photographs "
                     "used as masks.")
        worst = int(listed[0])
        findings.append(audit_finding(
            "mask.non_binary", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'holds', 'hold')} values "
            f"{'beyond' if beyond_ends else 'between'} {verb(count, 'its', 'their')} two ends",
            f"{_compact_percent(share)} of all mask pixels, in {count} of {masks_read} masks, are "
            "neither background nor foreground on their scale (worst: "
            f"{_compact_percent(float(columns['nonbinary'][worst]))} of {paths[worst]}). {cause} "
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
    spread = tally.threshold_spread(not policy.by_values)
    with np.errstate(invalid="ignore"):
        sensitive = (spread > THRESHOLD_SPREAD_TOLERANCE) & columns["mask_read"] & ~pictures
    if sensitive.any():
        blanks = blanks_beside_two_values(tally, sensitive)
        count, listed = tally.select(sensitive, np.where(blanks, spread - 1, spread))
        rows = threshold_rows(tally, listed)
        worst = rows[0]
        cause, fix, read_apart = _threshold_cause(tally, sensitive, int(listed[0]), policy,
                                                  blanks)
        findings.append(audit_finding(
            # the policy in force reads them apart: only other tools' rules differ
            "mask.threshold_sensitive", Severity.INFO if read_apart else Severity.WARNING,
            f"The foreground of {plural(count, 'mask')} depends on the threshold",
            f"In {count} of {masks_read} masks the foreground share changes by more than "
            f"{THRESHOLD_SPREAD_TOLERANCE:.1%} of the pixels between `value > 0` (the original "
            "project's rule), the midpoint of the scale and the policy in force. Worst: "
            f"{worst['mask']}: {_compact_percent(worst['foreground > 0'])} under `> 0`, "
            f"{_compact_percent(worst['foreground at midpoint'])} at the midpoint, "
            f"{_compact_percent(worst['foreground under policy'])} under the policy. {cause}",
            fix + " " + POLICY_FIX,
            {"masks": count, "tolerance": THRESHOLD_SPREAD_TOLERANCE, "foreground": rows},
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
    return (columns["mask_read"] & ~columns["lossy"] & integer & ~colour
            & (columns["distinct_values"] <= MAX_VALUES_READ_EXACTLY))


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
             f"{_compact_percent(share)} of all mask pixels train as background though "
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


def blanks_beside_two_values(tally: AuditTally, sensitive: np.ndarray) -> np.ndarray:
    """The sensitive masks holding one value over the whole mask when every other sensitive
    mask holds two, or there is no other (a mask of one value saved through a colormap, at
    its low end, alone or beside the others); none otherwise."""
    blanks = sensitive & (tally["distinct_values"] == 1)
    others = sensitive & ~blanks
    if others.any() and not np.all(tally["distinct_values"][others] == 2):
        return np.zeros_like(blanks)
    return blanks


def _threshold_cause(tally: AuditTally, sensitive: np.ndarray, worst: int,
                     policy: MaskPolicy, blanks: np.ndarray) -> tuple[str, str, bool]:
    """Why the rules disagree, the fix, and whether the policy in force reads the masks
    apart (:func:`_cause_of_disagreement`, of the masks that are not ``blanks``), and a
    sentence on the ``blanks`` (:func:`blanks_beside_two_values`), listed after the others;
    blanks are read apart when the policy reads each as all background."""
    others = sensitive & ~blanks
    if not blanks.any():
        return _cause_of_disagreement(tally, sensitive, worst, policy)
    shares = tally.foreground_share()[blanks]
    count, first = int(blanks.sum()), int(np.flatnonzero(blanks)[0])
    read = ("all background" if shares[0] == 0 else "all foreground" if shares[0] == 1
            else f"{_compact_percent(float(shares[0]))} foreground")
    blank_sentence = (
        f"{verb(count, 'holds', 'hold')} one value over the whole mask, not 0 "
        f"({tally.mask_paths[first]}): consistent with a mask of one value saved through a "
        "colormap, which plt.imsave writes at the colormap's low end whatever the value, so an "
        "empty mask and one whose object covers every pixel are the same file; `> 0` reads such "
        f"a mask as all foreground and the policy in force as {read}.")
    if not others.any():
        return (f"{'Each of them' if count > 1 else 'It'} {blank_sentence}",
                "Nothing to fix for unetdiag if the masks are empty and the policy reads them "
                "as background; otherwise, and for tools that binarise with `> 0`, save the "
                "masks again from their arrays as 0/255 (or 0/1) grey.",
                bool(np.all(shares == 0)))
    cause, fix, read_apart = _cause_of_disagreement(tally, others, worst, policy)
    # the sentence said of every listed mask is true of the others only
    held = int(others.sum())
    cause = cause.replace("Each of them holds ", f"{held} of them {verb(held, 'holds', 'hold')} ",
                          1)
    one_valued = ("Of the mask of one value: nothing to fix if it is empty; if its object "
                  "covers every pixel, save it again from its array as 0/255 grey."
                  if count == 1 else
                  f"Of the {count} masks of one value: nothing to fix for those that are empty; "
                  "save any whose object covers every pixel again from its array as 0/255 grey.")
    return (f"{cause} {plural(count, 'more mask')} {blank_sentence}", f"{fix} {one_valued}",
            read_apart and bool(np.all(shares == 0)))


def _cause_of_disagreement(tally: AuditTally, sensitive: np.ndarray, worst: int,
                           policy: MaskPolicy) -> tuple[str, str, bool]:
    """Why the rules disagree, the fix, and whether the policy in force reads the masks
    apart: intermediate values, or (every such mask holding two values) a lower value that
    is not 0 or two values on one side of the midpoint, which a value policy or a threshold
    between the two values in force already reads apart."""
    key = tally.encodings[tally.encoding_ids[worst]]
    stored = tally.encoding_values.get(key)
    two_values = (np.all(tally["distinct_values"][sensitive] == 2) and stored is not None
                  and len(stored.values) == 2)
    # two values in each mask, not the same two in all (70/162 beside 0/255 masks)
    levels = None if two_values else _levels_per_mask(tally, sensitive)
    two_values = two_values or levels is not None
    if not two_values and bool(np.all(read_exactly(tally, policy)[sensitive])):
        held = sorted(tally.label_counts.get(worst, {})) or (
            stored.values if stored is not None and stored.complete else [])
        listed = f" ({join_names([f'{value:g}' for value in held])} in the worst)" if held else ""
        return (f"Each of them holds a few whole values{listed}, stored losslessly, and the "
                "value policy in force reads them exactly, with no threshold: only other "
                "tools' rules (`> 0`, the midpoint) read them differently.",
                "Nothing to fix for unetdiag, which reads them by the values named; pass the "
                "same options to train. Tools that binarise with `> 0` or at the midpoint "
                "need the masks saved again as 0/255 (or 0/1) grey.", True)
    if not two_values:
        # where the values lie (mask.non_binary's measure) names the cause they show
        edge, rim = _where_between(tally, sensitive & (tally["nonbinary"] > 0))
        if non_binary_reading(edge, rim) == "resampling":
            return (f"Such masks hold intermediate values, {edge:.0%} of them on object edges "
                    f"next to both classes ({_edge_values_cause(tally['lossy'][sensitive])}): "
                    "where an edge falls depends on a threshold nobody wrote down.",
                    "Store masks losslessly (PNG) with two values.", False)
        return ("Such masks hold intermediate values (compression, interpolation, soft "
                "labels, photographs), and what the model is asked to learn depends on a "
                "choice nobody wrote down.",
                "Store masks losslessly with two values; if they are soft, choose the threshold "
                "on purpose.", False)
    low, high = levels[worst] if levels is not None else stored.values
    channel = ", of the brightest channel, which the decoder reads" if key.is_colour else ""
    values = f"two values only ({low:g} and {high:g} in the worst{channel}), nothing in between"
    if policy.by_values:
        return (f"Each of them holds {values}: `> 0` and the midpoint read them differently, "
                "and the value policy in force chose between them.",
                "Nothing to fix for unetdiag, which reads them by the values named; for tools "
                "that binarise with `> 0` or at the midpoint, save the masks again as 0/255 "
                "(or 0/1) grey.", True)
    # the midpoint in force splits two levels above 0 (70/162: a two-colour ADE20K mask read
    # by its brightest channel) as a threshold given would: only `> 0` reads them otherwise
    threshold = resolve_threshold(np.array([low, high]), key.scale, policy)
    if low <= threshold < high and (levels is None or all(
            first <= resolve_threshold(np.array([first, second]), _scale(tally, index),
                                       policy) < second
            for index, (first, second) in levels.items())):
        if policy.threshold is None:
            return (f"Each of them holds {values}: `> 0` makes every pixel foreground because "
                    f"the lower value is not 0; the midpoint in force ({threshold:g}) reads "
                    "them apart.",
                    "Nothing to fix for unetdiag; for tools that binarise with `> 0`, save the "
                    "masks again as 0/255 (or 0/1) grey.", True)
        return (f"Each of them holds {values}: `> 0` and the midpoint read them differently, "
                f"and the threshold in force ({threshold:g}) reads them apart.",
                "Nothing to fix for unetdiag; for tools that binarise with `> 0` or at the "
                "midpoint, save the masks again as 0/255 (or 0/1) grey.", True)
    if low > 0:
        return (f"Each of them holds {values}: the rules disagree because the lower value is "
                "not 0, so `> 0` makes every pixel foreground.",
                "Nothing is intermediate: any threshold between the two values reads them "
                "apart, `> 0` does not; for tools that binarise with `> 0`, save the masks "
                "again as 0/255 (or 0/1) grey.", False)
    return (f"Each of them holds {values}: the rules disagree because both values lie on one "
            "side of the midpoint.",
            f"Nothing is intermediate: pass a --mask-threshold between {low:g} and {high:g}.",
            False)


def _levels_per_mask(tally: AuditTally, sensitive: np.ndarray
                     ) -> dict[int, tuple[float, float]] | None:
    """``{mask index: (low, high)}`` when every ``sensitive`` mask is a grey lossless integer
    mask holding two values (their counts kept while reading), else None."""
    levels = {}
    for index in np.flatnonzero(sensitive).tolist():
        counts = tally.label_counts.get(index, {})
        encoding = tally.encodings[tally.encoding_ids[index]]
        if len(counts) != 2 or encoding.is_colour or tally["lossy"][index]:
            return None
        levels[index] = tuple(float(value) for value in sorted(counts))
    return levels or None


def _scale(tally: AuditTally, index: int) -> str:
    return tally.encodings[tally.encoding_ids[index]].scale


def _where_between(tally: AuditTally, chosen: np.ndarray) -> tuple[float, float]:
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


def threshold_rows(tally: AuditTally, indices: np.ndarray) -> list[dict[str, Any]]:
    columns = tally.columns
    share = tally.foreground_share()
    return [{"mask": tally.mask_paths[i],
             "foreground > 0": float(columns["foreground_at_zero"][i]),
             "foreground at midpoint": float(columns["foreground_at_midpoint"][i]),
             "foreground under policy": float(share[i])} for i in indices.tolist()]


def _edge_values_cause(lossy: np.ndarray) -> str:
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
