"""``mask.*`` findings of ``audit-data`` on how the masks are stored: ``mask.encodings``
(info) always lists the storages met; ``mask.mixed_scales`` (in
:mod:`unetdiag.diag.audit.mixed_scales`), ``mask.unusual_encoding`` (naming the values held) and
``mask.lossy`` (warnings) name the masks concerned, worst first (the table of every audit id
is in :mod:`unetdiag.diag.audit.findings`). What the values say is in
:mod:`unetdiag.diag.audit.mask_value_findings` (``mask.non_finite``, ``mask.non_binary``) and
:mod:`unetdiag.diag.audit.threshold_findings` (``mask.threshold_sensitive``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unetdiag.diag.audit.encodings import EncodingKey, StoredValues
from unetdiag.diag.audit.findings import audit_finding, by_file, listed_names
from unetdiag.diag.audit.mask_value_findings import value_findings
from unetdiag.diag.audit.mixed_scales import POLICY_FIX, mixed_scales_finding
from unetdiag.diag.audit.storage_findings import UNIT_JPEG_LOSS
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, AuditTally
from unetdiag.diag.audit.threshold_findings import threshold_findings
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.reading import UINT8_MAX
from unetdiag.diag.wording.text import join_names, plural, verb


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
        stored = tally.encoding_values.get(key)
        rows.append({"masks": int(counts[number]), "format": _format_name(key),
                     "mode": key.mode, "dtype": key.dtype, "scale": key.scale,
                     "channels": key.channels, "palette": key.palette,
                     "colour": key.is_colour, "lossy": key.lossy, "alpha": key.alpha,
                     "values": stored.values if stored else [],
                     # the list holds the smallest values only: say so, and where they end
                     "values_complete": stored.complete if stored else True,
                     "value_range": (_as_number(stored.low), _as_number(stored.high))
                     if stored and np.isfinite(stored.low) else (),
                     "example": tally.mask_paths[first]})
    return rows


def _as_number(value: float) -> float | int:
    """A whole-number value as an int (as the listed values are), others as floats."""
    return int(value) if float(value).is_integer() else float(value)


def _scale_words(row: dict[str, Any]) -> str:
    """An encoding's scale; a colour mask's single value is that of its brightest channel,
    which is what the decoder reads (the colours may be several)."""
    if row["colour"] and row["scale"].startswith("one value"):
        return f"brightest channel {row['scale']}"
    return row["scale"]


def _mode_words(mode: str) -> str:
    """Pillow's mode, with the stored bit depth of a 2- or 4-bit grey PNG (noted as
    ``L;2``, ``L;4`` by the reader: Pillow itself says ``L``)."""
    bits = _low_grey_bits(mode)
    return f"L {bits}-bit grey" if bits else mode


def _low_grey_bits(mode: str) -> int:
    return int(mode[2:]) if mode.startswith("L;") and mode[2:].isdigit() else 0


def _low_bit_sentence(rows: list[dict[str, Any]]) -> str:
    """How the 2- and 4-bit grey PNGs' samples were read: as stored (0/1 at 2 bits), or as
    Pillow scales them to 0..255 when they hold their top sample."""
    sentences = []
    for row in rows:
        bits = _low_grey_bits(row["mode"])
        if not bits or not row["values"]:
            continue
        top, step = 2**bits - 1, UINT8_MAX // (2**bits - 1)
        values = [int(value) for value in row["values"]]
        if max(values) >= top and any(value % step for value in values):
            # masks of one storage and scale, some holding their top sample, others not
            sentences.append(
                f" {plural(row['masks'], 'mask')} {verb(row['masks'], 'is a', 'are')} "
                f"{bits}-bit grey PNG{'' if row['masks'] == 1 else 's'}: those holding the top "
                f"sample ({top}) are read as Pillow scales the samples to 0..255, the others "
                "as the samples stored.")
        elif max(values) < top:
            sentences.append(
                f" {plural(row['masks'], 'mask')} {verb(row['masks'], 'is a', 'are')} "
                f"{bits}-bit grey PNG{'' if row['masks'] == 1 else 's'} never holding "
                f"{verb(row['masks'], 'its', 'their')} top sample ({top}): read as the "
                f"samples stored ({join_names([str(value) for value in values])}), as the "
                "same numbers saved at 8 bits read, not as Pillow scales them to 0..255 ("
                + join_names([str(value * step) for value in values]) + ").")
        else:
            sentences.append(
                f" {plural(row['masks'], 'mask')} {verb(row['masks'], 'is a', 'are')} "
                f"{bits}-bit grey PNG{'' if row['masks'] == 1 else 's'} holding the top "
                f"sample ({top}): read as Pillow scales the samples to 0..255 ({top} as 255).")
    return "".join(sentences)


def mask_findings(tally: AuditTally, policy: MaskPolicy) -> list[Finding]:
    columns = tally.columns
    masks_read = int(columns["mask_read"].sum())
    if not masks_read:
        return []
    rows = encoding_rows(tally)
    findings = [audit_finding(
        "mask.encodings", Severity.INFO,
        f"Masks are stored in {plural(len(rows), 'way')}: "
        + ", ".join(f"{row['format']} {_mode_words(row['mode'])} {_scale_words(row)}"
                    + _ALPHA_WORDS.get(row["alpha"], "") + f" ({row['masks']})"
                    for row in rows[:3])
        + (", ..." if len(rows) > 3 else ""),
        f"{masks_read} masks read. They are decoded under the policy in force: "
        f"{policy.describe()}." + _low_bit_sentence(rows),
        "Nothing to fix: this is how the masks are stored. " + POLICY_FIX,
        {"masks": masks_read, "encodings": rows[:LISTED_PER_QUESTION],
         "policy": policy.to_dict()},
        [row["example"] for row in rows])]
    findings += _encoding_findings(tally, policy)
    findings += value_findings(tally, masks_read, policy)
    findings += threshold_findings(tally, masks_read, policy)
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
