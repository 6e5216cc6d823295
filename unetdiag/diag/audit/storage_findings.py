"""Findings about what a file stores that Pillow's reading leaves out, from the columns
:mod:`unetdiag.diag.audit.storage` fills (the sentences are in
:mod:`unetdiag.diag.audit.storage_wording`):

=================================  ========  ====================================================
id                                 severity  when
=================================  ========  ====================================================
``image.sixteen_bit_colour``       warning   16-bit-per-channel colour images, read at 8 bits
``mask.sixteen_bit_colour``        error     16-bit-per-channel colour masks, read at 8 bits,
                                             some reading as one value (warning when every one
                                             reads with several values)
``image.transparent``              warning   images with alpha below 255 somewhere: the trainer
                                             drops the alpha
``image.dropped_samples``          warning   TIFFs with more samples per pixel than Pillow's
                                             bands (a near-infrared extra sample): dropped
``image.out_of_range``             warning   float images outside [0, 1], or integer images
                                             (signed 16-bit, Pillow's 32-bit mode) whose
                                             division by 65535 leaves [0, 1]
=================================  ========  ====================================================

The trainer's decoder notes 16-bit colour files as it reads them; :func:`decoded_top_byte`
words what it noted as the audit words its columns, and :func:`unreadable_top_byte_masks` is
its refusal when every such mask reads as a single value. :func:`lossy_unit_masks_finding`
and :func:`nonfinite_masks_finding` word what the decoder noted of JPEG 0/1 masks and of
masks holding NaN or infinite values, under audit-data's ids.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from unetdiag.diag.audit import storage_wording as wording
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.core.findings import LISTED_FILES, Finding, Severity, listing_finding
from unetdiag.diag.wording.text import plural, verb

SOURCE = "audit"
#: The usual cause of NaN in a mask (audit-data's mask.non_finite and train's).
NON_FINITE_CAUSE = "Usually a mask normalised by its own maximum (0/0 on an empty mask)."
#: Why JPEG's 0/1 masks cannot be read back (audit-data's mask.lossy and train's).
UNIT_JPEG_LOSS = ("JPEG's errors of one level are the whole scale: a 1 that came back as 0 "
                  "reads as background, with nothing in the file to tell it so: no threshold "
                  "recovers the objects, and thin ones may lose much of their area.")
_FLOAT_DEPTHS = ("float32", "float64")


def _finding(finding_id: str, severity: Severity, words: wording.Sentences, evidence: dict,
             files: list[str], source: str = SOURCE) -> Finding:
    return listing_finding(finding_id, severity, words.title, words.explanation, words.fix,
                           evidence, files, source)


def unknown_masks(tally: AuditTally) -> np.ndarray:
    """Masks of 16 bits per colour channel that read as a single value: what they store
    cannot be told from what Pillow gives (left out of the foreground figures)."""
    columns = tally.columns
    return ((columns["mask_top_byte"] > 0) & columns["mask_read"]
            & (columns["distinct_values"] == 1))


def storage_findings(tally: AuditTally) -> list[Finding]:
    """``image.sixteen_bit_colour``, ``mask.sixteen_bit_colour``, ``image.transparent`` and
    ``image.dropped_samples``."""
    found = (_top_byte_images(tally), _top_byte_masks(tally), _transparent(tally),
             _dropped_samples(tally))
    return [finding for finding in found if finding is not None]


def _dropped_samples(tally: AuditTally) -> Finding | None:
    columns = tally.columns
    chosen = columns["image_read"] & (columns["image_dropped_samples"] > 0)
    if not chosen.any():
        return None
    count, listed = tally.select(chosen, columns["image_dropped_samples"].astype(np.float64))
    samples, dropped = columns["image_samples"], columns["image_dropped_samples"]
    records = {tally.image_paths[i]: (int(samples[i]), int(samples[i] - dropped[i]))
               for i in np.flatnonzero(chosen).tolist()}
    return dropped_samples_finding(records, SOURCE, [tally.image_paths[i]
                                                     for i in listed.tolist()])


def dropped_samples_finding(records: Mapping[str, tuple[int, int]], source: str,
                            listed: list[str] | None = None) -> Finding:
    """``image.dropped_samples`` of images whose file stores more samples per pixel than
    the bands Pillow reads: ``records`` maps a path to ``(samples stored, bands read)``."""
    listed = sorted(records) if listed is None else listed
    evidence = {"images": len(records),
                "samples_stored": sorted({stored for stored, _ in records.values()}),
                "bands_read": sorted({read for _, read in records.values()}),
                "samples_and_bands": {path: list(records[path])
                                      for path in listed[:LISTED_FILES]}}
    return _finding("image.dropped_samples", Severity.WARNING,
                    wording.dropped_samples(evidence), evidence, listed, source)


def _top_byte_images(tally: AuditTally) -> Finding | None:
    columns = tally.columns
    chosen = columns["image_read"] & columns["image_top_byte"]
    if not chosen.any():
        return None
    low, high = columns["image_min"][chosen], columns["image_max"][chosen]
    count, listed = tally.select(chosen, columns["image_max"])
    evidence = {"images": count, "stored_bits": int(columns["image_stored_bits"][chosen].max()),
                "largest_read": float(high.max()),
                "levels_per_channel": float((high - low).max() + 1),
                "read_as_one_value": int(np.count_nonzero(low == high)),
                "read_range": {tally.image_paths[i]: [float(columns["image_min"][i]),
                                                      float(columns["image_max"][i])]
                               for i in listed.tolist()}}
    return _finding("image.sixteen_bit_colour", Severity.WARNING,
                    wording.top_byte_images(evidence), evidence,
                    [tally.image_paths[i] for i in listed.tolist()])


def _top_byte_masks(tally: AuditTally) -> Finding | None:
    columns = tally.columns
    chosen = columns["mask_read"] & (columns["mask_top_byte"] > 0) & ~tally.same_file
    if not chosen.any():
        return None
    unknown = unknown_masks(tally) & chosen
    count, listed = tally.select(chosen, unknown.astype(np.float64))
    single = sorted({value for index in np.flatnonzero(unknown).tolist()
                     for value in tally.label_counts.get(index, {})})
    evidence = {"masks": count, "stored_bits": int(columns["mask_top_byte"][chosen].max()),
                "read_as_one_value": int(unknown.sum()), "single_values": single,
                "distinct_values_read": {tally.mask_paths[i]: int(columns["distinct_values"][i])
                                         for i in listed.tolist()}}
    severity = Severity.ERROR if unknown.any() else Severity.WARNING
    return _finding("mask.sixteen_bit_colour", severity, wording.top_byte_masks(evidence),
                    evidence, [tally.mask_paths[i] for i in listed.tolist()])


def _transparent(tally: AuditTally) -> Finding | None:
    columns = tally.columns
    share = columns["image_transparent"]
    chosen = columns["image_read"] & (share > 0)
    if not chosen.any():
        return None
    count, listed = tally.select(chosen, share)
    worst = int(listed[0])
    pixels = (columns["image_width"][chosen].astype(np.float64)
              * columns["image_height"][chosen])
    evidence = {"images": count, "worst_file": tally.image_paths[worst],
                "worst_share": float(share[worst]),
                "share": float((share[chosen] * pixels).sum() / pixels.sum()),
                "transparent_share": {tally.image_paths[i]: float(share[i])
                                      for i in listed.tolist()}}
    return _finding("image.transparent", Severity.WARNING, wording.transparent_images(evidence),
                    evidence, [tally.image_paths[i] for i in listed.tolist()])


def out_of_range_finding(tally: AuditTally, out_of_range: np.ndarray,
                         excess: np.ndarray) -> Finding:
    """``image.out_of_range`` for the images ``out_of_range`` marks (``excess``: how far each
    lies outside [0, 1] after the trainer's scaling), worded by their type."""
    columns = tally.columns
    depths = tally.bit_depth_names()
    scaled_min, scaled_max = tally.scaled_image_range()
    count, listed = tally.select(out_of_range, excess)
    is_float = np.isin(depths, _FLOAT_DEPTHS)
    evidence: dict = {"images": count, "ranges": [
        {"file": tally.image_paths[i], "bit_depth": str(depths[i]),
         "min": float(columns["image_min"][i]), "max": float(columns["image_max"][i])}
        for i in listed.tolist()]}
    for kind, chosen in (("float", out_of_range & is_float),
                         ("integer", out_of_range & ~is_float)):
        if not chosen.any():
            continue
        worst = int(np.flatnonzero(chosen)[np.argmax(excess[chosen])])
        evidence[kind] = {"images": int(chosen.sum()), "file": tally.image_paths[worst],
                          "depth": str(depths[worst]),
                          "min": float(columns["image_min"][worst]),
                          "max": float(columns["image_max"][worst]),
                          "scaled_min": float(scaled_min[worst]),
                          "scaled_max": float(scaled_max[worst]),
                          "scaled_span": float(scaled_max[worst] - scaled_min[worst]),
                          "negative_images": int(np.count_nonzero(
                              chosen & (columns["image_min"] < 0))),
                          "above_range_images": int(np.count_nonzero(
                              chosen & (columns["image_min"] >= 0)))}
    evidence["scaled_images"] = int(np.count_nonzero(columns["image_read"] & ~is_float
                                                     & ~out_of_range))
    return _finding("image.out_of_range", Severity.WARNING, wording.out_of_range(evidence),
                    evidence, [tally.image_paths[i] for i in listed.tolist()])


def decoded_top_byte(images: Mapping[str, tuple[int, float, float]],
                     masks: Mapping[str, tuple[int, int, float]],
                     source: str) -> list[Finding]:
    """``image.sixteen_bit_colour`` and ``mask.sixteen_bit_colour`` of the files the trainer
    decoded: ``images`` maps a path to ``(stored bits, lowest, highest value read)``, ``masks``
    to ``(stored bits, number of distinct values read, lowest value read)``."""
    findings: list[Finding] = []
    if images:
        ranges = {path: [low, high] for path, (_, low, high) in sorted(images.items())}
        lows, highs = (np.array([r[i] for r in ranges.values()]) for i in (0, 1))
        evidence = {"images": len(images), "stored_bits": max(b for b, _, _ in images.values()),
                    "largest_read": float(highs.max()),
                    "levels_per_channel": float((highs - lows).max() + 1),
                    "read_as_one_value": int(np.count_nonzero(lows == highs)),
                    "read_range": dict(list(ranges.items())[:LISTED_FILES])}
        findings.append(_finding("image.sixteen_bit_colour", Severity.WARNING,
                                 wording.top_byte_images(evidence), evidence, list(ranges),
                                 source))
    if masks:
        unknown = sorted(path for path, (_, distinct, _) in masks.items() if distinct == 1)
        evidence = _top_byte_mask_evidence(masks, unknown)
        severity = Severity.ERROR if unknown else Severity.WARNING
        findings.append(_finding("mask.sixteen_bit_colour", severity,
                                 wording.top_byte_masks(evidence), evidence,
                                 unknown + sorted(set(masks) - set(unknown)), source))
    return findings


def unreadable_top_byte_masks(masks: Mapping[str, tuple[int, int, float]]) -> str | None:
    """The trainer's reason to refuse a run whose 16-bit colour masks (``masks`` as in
    :func:`decoded_top_byte`) all read as a single value; None when one reads several (the
    others may be empty masks: the finding says so)."""
    if not masks or any(distinct > 1 for _, distinct, _ in masks.values()):
        return None
    evidence = _top_byte_mask_evidence(masks, sorted(masks))
    return wording.unreadable_masks({**evidence, "file": min(masks)})


def _top_byte_mask_evidence(masks: Mapping[str, tuple[int, int, float]],
                            unknown: list[str]) -> dict:
    return {"masks": len(masks), "stored_bits": max(bits for bits, _, _ in masks.values()),
            "read_as_one_value": len(unknown),
            "single_values": sorted({masks[path][2] for path in unknown}),
            "distinct_values_read": {path: distinct for path, (_, distinct, _)
                                     in sorted(masks.items())[:LISTED_FILES]},
            "left_out": False}


def lossy_unit_masks_finding(paths: set[str], masks: int, source: str) -> Finding | None:
    """``mask.lossy`` (warning) from train/evaluate's decoder: 0/1 masks stored as JPEG
    (``paths``), of ``masks`` decoded; None when there are none.

    >>> lossy_unit_masks_finding({"a.jpg"}, 2, "data").title
    '1 of 2 masks is a 0/1 mask stored as JPEG: foreground lost to compression reads as background'
    """
    if not paths:
        return None
    count = len(paths)
    return listing_finding(
        "mask.lossy", Severity.WARNING,
        f"{count} of {plural(masks, 'mask')} {verb(count, 'is a 0/1 mask', 'are 0/1 masks')} "
        "stored as JPEG: foreground lost to compression reads as background",
        f"{'It is' if count == 1 else 'They are'} JPEG-compressed 0/1 masks, where "
        + UNIT_JPEG_LOSS + " The model trains and is scored on what the files hold now.",
        "Store masks as PNG (lossless), regenerated from the source labels; `unetdiag "
        "audit-data` lists every lossy mask.",
        {"masks": count, "masks_decoded": masks}, sorted(paths), source)


def nonfinite_masks_finding(masks: Mapping[str, tuple[int, int]], decoded: int, source: str
                            ) -> Finding | None:
    """``mask.non_finite`` (error) from train/evaluate's decoder: masks holding NaN or
    infinite values (``path -> (non-finite pixels, pixels)``), of ``decoded`` masks, as
    audit-data's finding of that id; None when there are none.

    >>> nonfinite_masks_finding({"a.tif": (3, 100)}, 2, "data").title
    '1 of 2 masks holds NaN or infinite values, decoded as background'
    """
    if not masks:
        return None
    count = len(masks)
    pixels = sum(nonfinite for nonfinite, _ in masks.values())
    return listing_finding(
        "mask.non_finite", Severity.ERROR,
        f"{count} of {plural(decoded, 'mask')} {verb(count, 'holds', 'hold')} NaN or infinite "
        "values, decoded as background",
        f"{plural(pixels, 'pixel')} of {verb(count, 'it', 'them')} {verb(pixels, 'is', 'are')} "
        "NaN or infinite: unetdiag decodes them as background, so the model trains and is "
        "scored on background there whatever the annotation meant. " + NON_FINITE_CAUSE,
        "Re-export the listed masks with finite values; `unetdiag audit-data` lists every one.",
        {"masks": count, "masks_decoded": decoded, "non_finite_pixels": dict(sorted(
            (path, nonfinite) for path, (nonfinite, _) in masks.items()))},
        sorted(masks), source)
