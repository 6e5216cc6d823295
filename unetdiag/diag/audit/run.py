"""``unetdiag audit-data``: what is wrong with a dataset before any training, in seconds.

:func:`audit_dataset` pairs the files exactly as the trainer does
(:func:`~unetdiag.diag.data.pairing.discover_pairs`, then the trainer's
:func:`~unetdiag.diag.data.split.split_pairs`), reads every image and mask once, alone or in a
pool of worker processes (:mod:`unetdiag.diag.audit.readers`; :mod:`unetdiag.diag.audit.read`:
the trainer's own reader and mask decoding), folds each small record into a running tally as
it arrives (:mod:`unetdiag.diag.audit.tally`; no pixels are kept) and turns the tally into
findings:

* pairing (``pairing.*``): missing, orphan and duplicate-stem files, images used as their own
  masks, masks whose content is their image or a threshold of it;
* readability (``file.*``): empty, truncated, corrupt, non-image files, decompression bombs,
  unsupported modes, each file named with its reason; none of them stops the audit;
* geometry (``geometry.*``), with masks offset from or flipped against their images
  (:mod:`unetdiag.diag.audit.alignment_findings`), mask encoding (``mask.*``), image sanity
  (``image.*``);
* label maps and what the policy makes of them (``mask.label_map``, ``mask.decodes_empty``,
  :mod:`unetdiag.diag.audit.label_findings`, :mod:`unetdiag.diag.audit.decodes_empty`), masks
  that are one region drawn again and again
  (``mask.nearly_identical``, :mod:`unetdiag.diag.audit.sameness`);
* imbalance and polarity (``imbalance.*``, from :mod:`unetdiag.diag.checks.masks`), with the
  smallest connected object of each mask and its small objects; when the policy in force
  leaves every mask empty and the label maps suggest a policy, these are measured under that
  proposed policy and say so;
* trivial baselines (``baseline.*``, from :mod:`unetdiag.diag.checks.baselines`) under the
  trainer's default Dice;
* duplicates and leakage across the split (``duplicates.*``), overlapping tiles and flipped
  copies among them (:mod:`unetdiag.diag.audit.overlap_findings`), names of several views of
  one subject (:mod:`unetdiag.diag.audit.subject_findings`).

Files are opened read-only and never written. TensorFlow is never imported.

>>> import tempfile
>>> from unetdiag.diag.synth.generator import SynthSpec, write_dataset
>>> folder = Path(tempfile.mkdtemp()) / "cells"
>>> _ = write_dataset(folder, SynthSpec(n_pairs=6, size=96))
>>> report = audit_dataset(folder, workers=1)
>>> report.command, report.headline.startswith("No problems that would make metrics lie")
('audit-data', True)
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.audit.alignment_findings import alignment_findings
from unetdiag.diag.audit.colour_pairs import (
    colour_pair_mostly_foreground,
    two_colour_levels,
)
from unetdiag.diag.audit.decodes_empty import decodes_empty_finding
from unetdiag.diag.audit.duplicates import (
    DuplicateGroup,
    duplicate_groups,
    exact_duplicate_groups,
    near_duplicate_pairs,
)
from unetdiag.diag.audit.empty_causes import (
    empty_masks_of_one_value_jpegs,
    empty_masks_on_blank_frames,
)
from unetdiag.diag.audit.field_of_view import field_of_view_findings
from unetdiag.diag.audit.file_findings import blank_empty_masks, unreadable_findings
from unetdiag.diag.audit.findings import (
    content_findings,
    duplicate_findings,
    geometry_findings,
    image_findings,
)
from unetdiag.diag.audit.headline import audit_headline
from unetdiag.diag.audit.label_findings import label_map_finding
from unetdiag.diag.audit.label_rims_wording import interpolated_labels_finding
from unetdiag.diag.audit.label_verdict import LISTED_LABEL_VALUES, LabelVerdict
from unetdiag.diag.audit.labels import counts_under, judge_label_maps, one_value_files
from unetdiag.diag.audit.mask_findings import encoding_rows, mask_findings
from unetdiag.diag.audit.overlap_findings import overlap_findings
from unetdiag.diag.audit.polarity_evidence import background_placement
from unetdiag.diag.audit.polarity_wording import placed_mostly_foreground
from unetdiag.diag.audit.readers import read_all, worker_count
from unetdiag.diag.audit.sameness import nearly_identical_finding
from unetdiag.diag.audit.shape_findings import SHAPE_FINDINGS, shape_findings
from unetdiag.diag.audit.side_by_side import side_by_side_findings
from unetdiag.diag.audit.storage_findings import storage_findings, unknown_masks
from unetdiag.diag.audit.stroke_wording import strokes_mostly_foreground
from unetdiag.diag.audit.subject_findings import subject_findings
from unetdiag.diag.audit.tally import (
    EMPTY_RULE,
    LISTED_PER_QUESTION,
    THRESHOLD_SPREAD_TOLERANCE,
    AuditTally,
)
from unetdiag.diag.audit.threshold_findings import threshold_rows
from unetdiag.diag.audit.value_sides import two_classes
from unetdiag.diag.audit.white_is_zero import (
    white_is_zero_findings,
    white_is_zero_mostly_foreground,
)
from unetdiag.diag.checks.baselines import baseline_findings
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.core.dice import DEFAULT_DICE, trivial_baselines
from unetdiag.diag.core.findings import Finding, Report
from unetdiag.diag.data.decoding import MAX_LISTED_VALUES
from unetdiag.diag.data.labelmaps import colour_rgb
from unetdiag.diag.data.pairing import MASK_SUFFIXES, Pair, discover_pairs
from unetdiag.diag.data.pairing_findings import SOURCE as PAIRING_SOURCE
from unetdiag.diag.data.pairing_findings import instance_objects
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.data.split import split_pairs
from unetdiag.diag.wording.text import plural
from unetdiag.exitcodes import ExitCode, UserError

ProgressCallback = Callable[[int, int], None]

SOURCE = "audit"
#: Findings about the foreground the policy in force decodes, left out where that foreground
#: is no reading's (:attr:`~unetdiag.diag.audit.labels.LabelVerdict.decoded_is_no_reading`:
#: strokes got readings): outlines or points, one region in every mask (a field-of-view void
#: around scribbles), and a constant model's scores on it (a void band's accuracy).
#: ``imbalance.mostly_foreground`` is reworded instead (``strokes_mostly_foreground``).
NO_READING_FINDINGS = (*SHAPE_FINDINGS, "mask.nearly_identical",
                       "baseline.accuracy_uninformative", "baseline.dice_uninformative")
#: The polarity advice under a value policy names at most this many background values.
MAX_NAMED_BACKGROUND_VALUES = 3
#: Rows of a summary table that lists files (the findings carry the full counts).
SUMMARY_ROWS = 10


def audit_dataset(images_dir: Path | str, masks_dir: Path | str | None = None,
                  mask_suffixes: Sequence[str] = MASK_SUFFIXES,
                  policy: MaskPolicy = DEFAULT_POLICY, val_fraction: float = 0.2,
                  seed: int = 42, workers: int | None = None,
                  progress: ProgressCallback | None = None,
                  mask_pattern: str | None = None) -> Report:
    """Audit an image/mask dataset as the trainer would read it; return the findings.

    Args:
        images_dir: the image folder (and, without ``masks_dir``, the suffixed masks).
        masks_dir: the mask folder, matched by stem; ``None``: masks sit beside the images.
        mask_suffixes: stem suffixes that mark a mask (``cell_001_mask.png``).
        mask_pattern: pair by this mask-name pattern instead (``"{key}_manual1"``).
        policy: how mask values become {0, 1} (the trainer's ``--mask-*`` options).
        val_fraction, seed: the trainer's split, to find duplicates that straddle it.
        workers: processes reading files, this one included (``workers - 1`` are started);
            ``None``: one per available CPU; 1: everything in this process.
        progress: called as ``progress(done, total)`` as pairs are read (no terminal code
            here: the CLI draws the bar).

    Returns:
        A :class:`~unetdiag.diag.core.findings.Report` (command ``"audit-data"``) with a plain-words
        headline, the findings and summary tables.

    Raises:
        UserError: a folder is missing or empty, no pair can be formed, or the split settings
            are invalid. Bad *files* never raise: they become ``file.*`` findings.
    """
    started = time.perf_counter()
    pairing = discover_pairs(images_dir, masks_dir, mask_suffixes=mask_suffixes,
                             allow_same_file=True, mask_pattern=mask_pattern)
    pairs = pairing.pairs
    # links are looked for (two stat calls a pair) only when pairing saw one
    links = any(finding.id == "pairing.same_file" for finding in pairing.findings)
    same_file = np.array([pair.image == pair.mask or (links and _is_same_file(pair))
                          for pair in pairs], dtype=bool)
    sides = _split_sides(pairs, same_file, val_fraction, seed)
    tally = AuditTally([str(pair.image) for pair in pairs], [str(pair.mask) for pair in pairs],
                       same_file)
    allowed = worker_count(workers, len(pairs))
    read_started = time.perf_counter()
    done = 0
    if progress is not None:
        progress(0, len(pairs))
    readers: list[int] = []
    for chunk in read_all(pairs, policy, allowed, readers):
        done += tally.add(chunk)
        if progress is not None:
            progress(done, len(pairs))
    read_seconds = time.perf_counter() - read_started
    tally.settle_scribbles()

    findings = [_audit_same_file(finding) for finding in pairing.findings]
    findings += field_of_view_findings(images_dir, masks_dir, [pair.image for pair in pairs],
                                       PAIRING_SOURCE)
    findings += content_findings(tally)
    findings += side_by_side_findings(tally)
    findings += unreadable_findings(tally)
    findings += geometry_findings(tally)
    findings += mask_findings(tally, policy)
    findings += shape_findings(tally)
    verdict = judge_label_maps(tally, policy)
    if verdict is not None:
        findings.append(label_map_finding(verdict, tally, policy))
        if verdict.rims is not None:
            findings.append(interpolated_labels_finding(verdict.rims))
    decodes_empty = decodes_empty_finding(tally, policy, verdict)
    if decodes_empty is not None:
        findings.append(decodes_empty)
    same_region = nearly_identical_finding(tally)
    if same_region is not None:
        findings.append(same_region)
    else:  # one region drawn again and again: its pairs are not independent evidence
        findings += alignment_findings(tally)
    findings += image_findings(tally)
    findings += storage_findings(tally)
    # colours the decoder cannot tell apart: the in-force foreground shares mean nothing
    colours_alike = (verdict is not None and verdict.colour and verdict.shared_brightest
                     and not policy.by_values)
    classes_split = _threshold_splits_classes(verdict, policy)
    # the void band alone decoded as foreground (VOC's 255 round objects of class 1)
    void_band = verdict is not None and not policy.by_values and verdict.decoded_is_void_band
    findings += _mask_content_findings(
        tally, verdict, decodes_empty is not None or colours_alike or classes_split
        or void_band or _decodes_full(verdict, policy), policy)
    findings += _object_findings(tally)
    findings += white_is_zero_findings(tally, findings)
    findings = empty_masks_on_blank_frames(findings, blank_empty_masks(tally))
    findings = empty_masks_of_one_value_jpegs(findings, int(np.count_nonzero(
        tally["mask_read"] & tally["lossy"] & (tally["foreground"] == 0)
        & (tally["distinct_values"] <= 1))))
    if verdict is not None and (verdict.decoded_is_no_reading or classes_split or void_band):
        findings = [finding for finding in findings if finding.id not in NO_READING_FINDINGS]
    groups = _duplicates(tally, sides)
    split = {"val_fraction": val_fraction, "seed": seed}
    findings += duplicate_findings(groups, tally, split)
    findings += overlap_findings(tally, sides, split)
    findings += subject_findings(pairs, sides, split, tally.thumbnails, tally["image_read"])

    folder = str(images_dir) if masks_dir is None else f"{images_dir} --masks {masks_dir}"
    return Report(
        title=f"unetdiag audit-data {folder}", command="audit-data", findings=findings,
        headline=audit_headline(findings, tally),
        summary=_summary(tally, sides, groups, pairing.findings, policy, verdict),
        meta={"images_dir": str(images_dir),
              "masks_dir": None if masks_dir is None else str(masks_dir),
              "mask_suffixes": list(mask_suffixes), "pairing": pairing.rule.to_dict(),
              "policy": policy.to_dict(),
              "dice": DEFAULT_DICE.to_dict(), "dice_convention": DEFAULT_DICE.describe(),
              "empty_rule": EMPTY_RULE, "val_fraction": val_fraction, "seed": seed,
              "pairs": len(pairs), "workers": allowed, "readers": readers[0],
              "read_seconds": read_seconds,
              "seconds": time.perf_counter() - started})


# --------------------------------------------------------------------------- pairing, split


def _is_same_file(pair: Pair) -> bool:
    if pair.image == pair.mask:
        return True
    try:
        return os.path.samefile(pair.image, pair.mask)
    except OSError:
        return False


def _split_sides(pairs: list[Pair], same_file: np.ndarray, val_fraction: float,
                 seed: int) -> list[str]:
    """Each pair's side under the trainer's split; "" for pairs the trainer would refuse.

    The trainer refuses same-file pairs unless told otherwise, and splits the others.
    """
    used = [pair for pair, same in zip(pairs, same_file, strict=True) if not same]
    try:
        train, validation = split_pairs(used, val_fraction, seed)
    except ValueError as error:
        raise UserError(str(error), ExitCode.USAGE) from None
    side_of = {id(pair): "train" for pair in train}
    side_of.update({id(pair): "validation" for pair in validation})
    return [side_of.get(id(pair), "") for pair in pairs]


# --------------------------------------------------------------------------- reading


# --------------------------------------------------------------------------- findings


def _audit_same_file(finding: Finding) -> Finding:
    """pairing.same_file as the audit sees it: refused by the trainer, inspected here."""
    if finding.id != "pairing.same_file":
        return finding
    count = finding.evidence.get("same_file_pairs", len(finding.files))
    cause = ("the mask folder is the image folder, so every image without a suffixed mask is "
             "its own mask (the original project's layout)"
             if finding.evidence.get("mask_folder_is_image_folder") else
             "the mask path links to the image file")
    explanation = (f"For {count} pairs the image and the mask are the same file: {cause}. "
                   "`unetdiag train` refuses these pairs (unless --allow-same-file-masks); "
                   "the audit reads them anyway to show what such a mask decodes to. Trained "
                   "on them, the model learns to reproduce a threshold of its own input, and "
                   "Dice measures that, not segmentation.")
    return dataclasses.replace(
        finding, explanation=explanation,
        evidence={**finding.evidence, "kept": False, "inspected_by_audit": True})


def _decodes_full(verdict: LabelVerdict | None, policy: MaskPolicy) -> bool:
    """Every mask read is a label map whose every value the threshold in force reads as
    foreground, and a value policy is proposed (ilastik's headless Simple Segmentation,
    labels 1 and 2 stored as 255 and 254: every pixel above the midpoint): the shares of a
    whole-foreground reading restate the policy, not the objects."""
    return (verdict is not None and not policy.by_values and verdict.proposal is not None
            and not verdict.in_force_as_proposed and verdict.masks == verdict.masks_read
            and all(entry.in_force == "foreground" for entry in verdict.values))


def _threshold_splits_classes(verdict: LabelVerdict | None, policy: MaskPolicy) -> bool:
    """Most masks are multi-class label maps with no proposal (COCO-stuff's 0 .. 181 and 255,
    Cityscapes' trainIds) read under a threshold: the foreground it decodes is the classes
    numbered above it, no object's, so its shares, shapes and constant-model scores are left
    out (``mask.label_map`` gives every value's share)."""
    return (verdict is not None and not policy.by_values and verdict.multi_class
            and verdict.proposal is None and not verdict.readings
            and not verdict.in_force_as_proposed and not verdict.numbered_objects_possible
            and 2 * verdict.masks >= verdict.masks_read)


def _mask_content_findings(tally: AuditTally, verdict: LabelVerdict | None,
                           policy_empties: bool, policy: MaskPolicy) -> list[Finding]:
    """imbalance.* and baseline.* over every readable mask (from checks/).

    When the policy in force leaves every mask empty, or reads colour label maps whose colours
    it cannot tell apart (``policy_empties``), these numbers would only restate it: they are
    measured under the label maps' proposed policy when there is one (``verdict``), and left
    out otherwise.
    """
    if policy_empties:
        return _proposed_content_findings(tally, verdict)
    counted = tally.counted_pixels()
    # 16-bit colour masks read as one value: what they hold is unknown (mask.sixteen_bit_colour)
    # (and side-by-side pictures: a photograph's values are no labels)
    read = (tally["mask_read"] & (counted > 0) & ~unknown_masks(tally)
            & ~tally.mask_is_picture())
    if not read.any():
        return []
    foreground, pixels = tally["foreground"][read], counted[read]
    files = [path for path, ok in zip(tally.mask_paths, read.tolist(), strict=True) if ok]
    findings = check_imbalance(foreground, pixels, files=files, source=SOURCE,
                               smallest_object_pixels=tally["smallest_object"][read],
                               small_object_pixels=tally["small_object_pixels"][read],
                               speck_pixels=tally["speck_pixels"][read],
                               border_pixels=tally["small_border_pixels"][read],
                               lossy=tally["lossy"][read],
                               threshold_sides=tally["threshold_side"][read],
                               ignored_pixels=float(tally["ignored"][read].sum()),
                               single_valued=tally["distinct_values"][read] == 1,
                               dark_is_foreground=policy.dark_is_foreground,
                               by_values=policy.by_values,
                               background_values=_background_values(tally, policy, verdict),
                               two_classes=two_classes(tally, np.flatnonzero(read), policy))
    findings += baseline_findings(foreground, pixels, DEFAULT_DICE, empty=EMPTY_RULE,
                                  source=SOURCE)
    levels = two_colour_levels(tally, policy)
    placement = background_placement(tally, read)
    reworded = []
    for finding in findings:
        finding = placed_mostly_foreground(_nodata_cause(finding, tally, files), placement)
        finding = strokes_mostly_foreground(white_is_zero_mostly_foreground(finding), verdict)
        reworded.append(colour_pair_mostly_foreground(finding, levels, policy))
    return reworded


def _nodata_cause(finding: Finding, tally: AuditTally, files: list[str]) -> Finding:
    """``imbalance.mostly_foreground`` whose masks hold their declared no-data read as a
    class: "large objects, or the other convention" is not why. A float raster's no-data
    (-9999) stretches its scale, so the midpoint lies below both classes and the whole
    valid footprint decodes as object."""
    if finding.id != "imbalance.mostly_foreground":
        return finding
    listed = set(finding.files) & set(files)
    nodata = tally.nodata_read_as_class()
    held = [index for index, path in enumerate(tally.mask_paths)
            if nodata[index] and path in listed]
    values = sorted({float(tally["mask_nodata"][index]) for index in held})
    if not held or len(held) < len(listed) or not all(value < 0 for value in values):
        return finding  # a no-data value above the classes (255) is no such stretch
    names = ", ".join(f"{value:g}" for value in values)
    return dataclasses.replace(
        finding,
        explanation=(finding.explanation.split(". ")[0].replace(
            "the object covers", "the decoded foreground covers")
                     + ". Every listed mask holds its "
                     f"file's declared no-data value ({names}, GDAL_NODATA) on pixels the "
                     "policy in force reads as a class: on a scale that runs from the "
                     "no-data value to the classes, the threshold falls below every class, "
                     "so the whole valid footprint decodes as object (see mask.label_map): "
                     "that, not large objects or masks of the other convention, is why."),
        fix=("Pass the value policy the label maps need (mask.label_map proposes "
             "--foreground-values with --ignore-values for the no-data value) to audit-data "
             "and train."),
        evidence={**finding.evidence, "declared_nodata_read_as_class": len(held)})


def _background_values(tally: AuditTally, policy: MaskPolicy,
                       verdict: LabelVerdict | None) -> tuple[float, ...]:
    """Under a value policy, the stored values it reads as background (none when they are
    not all listed, or are many: the user names them better), but for the values the label
    maps' verdict takes for a void or unlabelled (a trimap's border is no object)."""
    stored = tally.stored_values() if policy.by_values else None
    if stored is None:
        return ()
    kept = set(policy.foreground_values) | set(policy.ignore_values)
    if verdict is not None:
        kept |= set(verdict.unlabelled) | ({verdict.void} if verdict.void is not None else set())
    others = tuple(value for value in stored if value not in kept)
    return others if len(others) <= MAX_NAMED_BACKGROUND_VALUES else ()


def _object_findings(tally: AuditTally) -> list[Finding]:
    """mask.instance_objects, for masks that are folders of object masks."""
    folders = tally["object_files"] > 0
    if not folders.any():
        return []
    indices = np.flatnonzero(folders).tolist()
    return [instance_objects([tally.mask_paths[index] for index in indices],
                             tally["object_files"][folders].tolist(),
                             tally["object_overlap"][folders].tolist(), SOURCE)]


def _in_force_reading(verdict: LabelVerdict) -> str:
    """What the policy in force makes of the label maps, whose numbers it is not fit for."""
    if verdict.decoded_is_void_band:
        return f"reads the void band ({verdict.void:g}) alone as foreground"
    if all(entry.in_force != "foreground" for entry in verdict.values):
        return "leaves every mask empty"
    if all(entry.in_force == "foreground" for entry in verdict.values):
        return "reads every pixel as foreground"
    if verdict.colour and verdict.shared_brightest:
        return "cannot tell their colours apart"
    return "reads them by a threshold, not by the values that mark the object"


def _proposed_content_findings(tally: AuditTally, verdict: LabelVerdict | None
                               ) -> list[Finding]:
    """imbalance.* and baseline.* of the label maps under their proposed policy, marked."""
    if verdict is None or verdict.proposal is None:
        return []
    lone = one_value_files(tally, verdict)
    indices = np.concatenate([verdict.indices, lone])
    foreground, counted = counts_under(tally, verdict, verdict.proposal, indices)
    usable = counted > 0
    if not usable.any():
        return []
    files = [tally.mask_paths[index] for index in indices[usable].tolist()]
    # read by values: the other class is named by its values, not by a polarity
    background = tuple(entry.value for entry in verdict.values if entry.proposed == "background")
    findings = check_imbalance(
        foreground[usable], counted[usable], files=files, source=SOURCE,
        single_valued=tally["distinct_values"][indices[usable]] == 1,
        by_values=verdict.proposal.by_values,
        background_values=background if len(background) <= MAX_NAMED_BACKGROUND_VALUES else (),
        two_classes=two_classes(tally, indices[usable], verdict.proposal))
    findings += baseline_findings(foreground[usable], counted[usable], DEFAULT_DICE,
                                  empty=EMPTY_RULE, source=SOURCE)
    flags = verdict.proposal.flags()
    maps = int(usable[:verdict.masks].sum())
    others = int(usable[verdict.masks:].sum())
    # files of one value the maps hold are read alike (an all-0 file is an empty mask there)
    measured = (plural(maps, "label-map mask") if not others else
                f"{plural(maps + others, 'mask')} ({maps} label {'map' if maps == 1 else 'maps'}"
                f" and {others} holding one of their values alone)")
    return [dataclasses.replace(
        finding, title=f"{finding.title} (under the proposed policy)",
        explanation=(f"Measured under the proposed policy ({flags}) over the {measured}, not "
                     f"under the policy in force, which {_in_force_reading(verdict)}. "
                     f"{finding.explanation}"),
        evidence={**finding.evidence, "policy": verdict.proposal.to_dict(),
                  "policy_is_proposed": True}) for finding in findings]


def _duplicates(tally: AuditTally, sides: list[str]) -> list[DuplicateGroup]:
    # CRC of the pixels beside the size: equal keys and equal thumbnails make a copy
    keys = ((tally["image_hash"].astype(np.uint64) << np.uint64(32))
            | (tally["image_width"].astype(np.uint64) << np.uint64(16))
            | tally["image_height"].astype(np.uint64))
    exact = exact_duplicate_groups(keys, tally.thumbnails, tally["image_read"])
    near_pairs, near_scores = near_duplicate_pairs(tally.thumbnails, tally["image_read"])
    if exact and near_pairs.size:
        exact_of = {member: number for number, group in enumerate(exact) for member in group}
        keep = np.array([exact_of.get(first, -1) != exact_of.get(second, -2)
                         for first, second in near_pairs.tolist()], dtype=bool)
        near_pairs, near_scores = near_pairs[keep], near_scores[keep]
    return duplicate_groups(exact, near_pairs, near_scores, sides)


# --------------------------------------------------------------------------- summary


def _summary(tally: AuditTally, sides: list[str], groups: list[DuplicateGroup],
             pairing_findings: list[Finding], policy: MaskPolicy,
             verdict: LabelVerdict | None) -> dict[str, list[dict[str, Any]]]:
    columns = tally.columns
    read_masks = columns["mask_read"]
    summary: dict[str, list[dict[str, Any]]] = {"pairs": [{
        "pairs": tally.pair_count,
        "images read": int(columns["image_read"].sum()),
        "masks read": int(read_masks.sum()),
        "train": sides.count("train"), "validation": sides.count("validation"),
        "not used by the trainer": sides.count(""),
        "pairing findings": ", ".join(f.id for f in pairing_findings) or "none"}]}
    if tally.unreadable:
        summary["unreadable files"] = [
            {"file": entry.path, "role": entry.role, "reason": entry.reason}
            for entry in sorted(tally.unreadable, key=lambda e: e.index)[:SUMMARY_ROWS]]
    read = columns["image_read"]
    if read.any():
        sizes = Counter(zip(columns["image_width"][read].tolist(),
                            columns["image_height"][read].tolist(),
                            tally.bit_depth_names()[read].tolist(),
                            columns["image_channels"][read].tolist(), strict=True))
        summary["images"] = [{"size": f"{width}x{height}", "bit depth": depth,
                              "channels": channels, "images": count}
                             for (width, height, depth, channels), count
                             in sizes.most_common(LISTED_PER_QUESTION)]
    if read_masks.any():
        summary["mask encodings"] = [
            {**{key: row[key] for key in ("masks", "format", "mode", "dtype", "scale")},
             "values": _listed_values(row), "example": row["example"]}
            for row in encoding_rows(tally)]
        if verdict is not None:
            summary["label values"] = [
                {"value": str(colour_rgb(entry.value)) if verdict.colour else entry.value,
                 "share of pixels": entry.share, "masks": entry.masks,
                 "policy in force": entry.in_force, "proposed": entry.proposed}
                for entry in verdict.values[:LISTED_LABEL_VALUES]]
        spread = tally.threshold_spread(not policy.by_values)
        with np.errstate(invalid="ignore"):
            sensitive = ((spread > THRESHOLD_SPREAD_TOLERANCE) & read_masks
                         & ~tally.mask_is_picture())
        if sensitive.any():
            _, worst = tally.select(sensitive, spread, SUMMARY_ROWS)
            summary["threshold sensitivity (worst first)"] = threshold_rows(tally, worst)
        for name, rows in (("foreground (most first)", _foreground_rows(tally)),
                           ("baselines", _baseline_rows(tally, sides))):
            if rows:  # none when every mask is a picture of the labels
                summary[name] = rows
    if groups:
        summary["duplicates"] = [
            {"images": ", ".join(tally.image_paths[member] for member in group.members),
             "exact": group.exact, "sides": ", ".join(side or "unused" for side in group.sides),
             "correlation": group.best_correlation}
            for group in groups[:SUMMARY_ROWS]]
    return summary


def _foreground_rows(tally: AuditTally) -> list[dict[str, Any]]:
    share = tally.foreground_share()
    labels = tally["mask_read"] & ~tally.mask_is_picture()  # pictures hold no labels
    _, worst = tally.select(labels, np.nan_to_num(share, nan=-1.0), SUMMARY_ROWS)
    object_files = tally["object_files"]
    rows = []
    for index in worst.tolist():
        row = {"mask": tally.mask_paths[index], "foreground": float(share[index]),
               "foreground > 0": float(tally["foreground_at_zero"][index]),
               "objects": int(tally["object_count"][index]),
               "smallest object (px)": int(tally["smallest_object"][index])}
        if object_files.any():  # folders of object masks: one file per object
            row["object files"] = int(object_files[index])
        rows.append(row)
    return rows


def _baseline_rows(tally: AuditTally, sides: list[str]) -> list[dict[str, Any]]:
    rows = []
    validation = np.array([side == "validation" for side in sides], dtype=bool)
    read = tally["mask_read"] & ~tally.mask_is_picture()  # pictures hold no labels
    counted = tally.counted_pixels()
    read = read & (counted > 0)
    for name, selected in (("all pairs", read), ("validation split", read & validation)):
        if not selected.any():
            continue
        scores = trivial_baselines(tally["foreground"][selected], counted[selected],
                                   DEFAULT_DICE, EMPTY_RULE)
        for predictor, label in (("all_zeros", "all background"), ("all_ones", "all foreground")):
            trivial = scores[predictor]
            rows.append({"masks": name, "predictor": label, "accuracy": trivial.accuracy,
                         "soft Dice": trivial.soft_dice, "hard Dice": trivial.hard_dice,
                         "IoU": trivial.hard_iou})
    return rows


def _listed_values(row: dict[str, Any]) -> list[float | int] | str:
    """An encoding's values as listed, or, when the masks hold more than the list keeps,
    how many at least and their range (the first few of a JPEG's 80 would read as all)."""
    if row["values_complete"]:
        return row["values"]
    low, high = row["value_range"]
    return f"more than {MAX_LISTED_VALUES} values, {low}..{high}"
