"""The audit's findings about files themselves: files no reader can decode (one
``file.*`` id per reason, each file named with the reader's words; Git LFS pointers among
them) and masks whose first frame is blank while a later one holds the annotation. The ids
are listed with the other audit findings in :mod:`unetdiag.diag.audit.findings`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from unetdiag.diag.audit.findings import SOURCE, audit_finding
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, AuditTally, read_failure_kind
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.frames import MAX_FRAMES_EXAMINED
from unetdiag.diag.wording.text import plural, verb

#: Per reason: what one file is or does, as the predicate of a title ("1 file cannot be
#: opened"; :func:`_predicate` puts it in the plural), and the usual cause.
_UNREADABLE_TEXT = {
    "file.empty": ("is empty (0 bytes)",
                   "A zero-byte file is usually a failed export or a full disk."),
    "file.not_regular": ("is not a regular file",
                         "It is a FIFO, socket or device named like an image: reading one can "
                         "wait for a writer or never end, so it is not opened."),
    "file.cannot_open": ("cannot be opened",
                         "The operating system refused to open it (permissions, a broken "
                         "link, or a file that vanished)."),
    "file.decompression_bomb": ("was refused as a decompression bomb",
                                "Its header claims more pixels than Pillow's safety limit: "
                                "either a hostile file or a huge scan that needs tiling."),
    "file.not_an_image": ("is not an image",
                          "Its content is not an image format Pillow knows, whatever the "
                          "extension says: often an HTML error page saved by a download "
                          "script."),
    "file.lfs_pointer": ("is a Git LFS pointer, not the file",
                         "Its content is the text Git LFS stores in the repository in place "
                         "of the file (`version https://git-lfs.github.com/spec/v1`, the "
                         "file's hash and size): the repository was cloned or downloaded "
                         "without Git LFS, so the real file was never fetched."),
    "file.unsupported_tiff": ("is a TIFF Pillow cannot open",
                              "The file starts as a TIFF does, but Pillow cannot open it: "
                              "either its bands or sample type have no Pillow mode (5 or more "
                              "bands, 4 bands not tagged as RGB or RGBA, or colour in "
                              "floating point), and the file may well be intact, or its "
                              "header is damaged."),
    "file.truncated": ("is truncated",
                       "Pillow reached the end of the file before the end of the image data: "
                       "a file cut short by an interrupted copy or download, or a JPEG that "
                       "lacks only its closing marker (other readers then show it whole)."),
    "file.corrupt": ("is corrupt",
                     "The header is valid but the compressed pixels cannot be decoded: a bad "
                     "sector, a broken transfer or an editor crash."),
    "file.unsupported_mode": ("is in an unsupported pixel mode",
                              "Pillow opens it but its mode cannot be turned into pixels."),
    "file.too_large": ("is too large to decode", "Decoding ran out of memory."),
    "file.audit_failed": ("is not auditable",
                          "The audit itself failed on it: a bug in unetdiag; please report "
                          "it with the file."),
    "file.unreadable": ("is unreadable", "Pillow raised an error while reading it."),
}


#: Predicates whose plural is not the singular with "is" -> "are" and "was" -> "were".
_PLURAL_PREDICATES = {"is a TIFF Pillow cannot open": "are TIFFs Pillow cannot open",
                      "is a Git LFS pointer, not the file":
                          "are Git LFS pointers, not the files"}


def _predicate(singular: str, count: int) -> str:
    """``singular`` (a predicate of one file) for ``count`` files.

    >>> _predicate("is truncated", 2), _predicate("cannot be opened", 2)
    ('are truncated', 'cannot be opened')
    """
    if count == 1:
        return singular
    if singular in _PLURAL_PREDICATES:
        return _PLURAL_PREDICATES[singular]
    for one, many in (("is ", "are "), ("was ", "were ")):
        if singular.startswith(one):
            return many + singular[len(one):]
    return singular


_UNREADABLE_FIXES = {
    "file.lfs_pointer": ("In the clone, run `git lfs install` then `git lfs pull`. A ZIP "
                         "of the repository can hold the pointers too: download the files "
                         "themselves (or clone with Git LFS installed)."),
    "file.truncated": ("Re-export or re-download the listed files; a JPEG that a viewer shows "
                       "whole lacks only its end marker: re-save it (or append the bytes "
                       "FF D9). Or move them (and their pairs) out of the dataset folder."),
    "file.unsupported_tiff": ("Open one with tifffile or GDAL (tifffile.imread(path).shape): "
                              "if it reads, write the bands the model should see to files "
                              "Pillow reads (8-bit grey or RGB, 16-bit or float grey) in a new "
                              "folder and audit that; if not, re-export it."),
}


def unreadable_findings(tally: AuditTally) -> list[Finding]:
    """``file.*`` errors, one finding per reason, every file named with the reader's words;
    and ``file.multi_frame``."""
    by_kind: dict[str, list] = {}
    for entry in sorted(tally.unreadable, key=lambda entry: entry.index):
        by_kind.setdefault(read_failure_kind(entry.reason), []).append(entry)
    findings = []
    for kind, entries in sorted(by_kind.items()):
        what, cause = _UNREADABLE_TEXT[kind]
        listed = entries[:LISTED_PER_QUESTION]
        first = listed[0]
        findings.append(audit_finding(
            kind, Severity.ERROR,
            f"{plural(len(entries), 'file')} {_predicate(what, len(entries))}",
            f"{first.path} ({first.role}): {first.reason}. {cause} Training stops at the "
            "first such file (unetdiag checks every file before the first epoch); the audit "
            "goes on without it."
            + (f" {len(entries) - 1} more: see the evidence." if len(entries) > 1 else ""),
            _UNREADABLE_FIXES.get(kind, "Re-export or re-download the listed files, or move "
                                  "them (and their pairs) out of the dataset folder."),
            {"files": len(entries), "roles": sorted({entry.role for entry in entries}),
             "reasons": {entry.path: entry.reason for entry in listed}},
            [entry.path for entry in listed]))
    columns = tally.columns
    multi_image = columns["image_frames"] > 1
    multi_mask = (columns["mask_frames"] > 1) & ~tally.same_file
    if multi_image.any() or multi_mask.any():
        frames = {**{tally.image_paths[i]: int(columns["image_frames"][i])
                     for i in np.flatnonzero(multi_image)[:LISTED_PER_QUESTION]},
                  **{tally.mask_paths[i]: int(columns["mask_frames"][i])
                     for i in np.flatnonzero(multi_mask)[:LISTED_PER_QUESTION]}}
        count = int(multi_image.sum() + multi_mask.sum())
        findings.append(audit_finding("file.multi_frame", Severity.INFO,
                                      *_multi_frame_words(count, frames),
                                      {"files": count, "frames": frames}, list(frames)))
    blank = blank_first_frame_finding(tally)
    return findings + ([blank] if blank is not None else [])


def _multi_frame_words(count: int, frames: Mapping[str, int]) -> tuple[str, str, str]:
    """Title, explanation and fix of ``file.multi_frame``: ``count`` files holding several
    frames, ``frames`` (path -> frames) those listed."""
    return (f"{plural(count, 'file')} {verb(count, 'holds', 'hold')} several frames; only "
            "the first is used",
            "Multi-page TIFFs and animated GIFs are read at their first frame, as Pillow "
            f"opens them (up to {max(frames.values())} frames here).",
            "Split stacks into one file per frame if the other frames are data.")


def decoded_multi_frame(frames: Mapping[str, int], source: str) -> Finding:
    """``file.multi_frame`` from train/evaluate's decoder: the masks holding several frames
    (``frames``: path -> frames, in the order to list them), read at their first.

    >>> decoded_multi_frame({"a.gif": 3}, "data").title
    '1 file holds several frames; only the first is used'
    """
    listed = dict(list(frames.items())[:LISTED_PER_QUESTION])
    return listing_finding("file.multi_frame", Severity.INFO,
                           *_multi_frame_words(len(frames), listed),
                           {"files": len(frames), "frames": listed}, list(frames), source)


def blank_first_frame_finding(tally: AuditTally) -> Finding | None:
    """``file.blank_first_frame`` of the audited masks (see :func:`blank_first_frames`)."""
    columns = tally.columns
    later = columns["mask_later_frame"]
    found = np.flatnonzero((later > 0) & ~tally.same_file)
    if not found.size:
        return None
    records = {tally.mask_paths[index]: (int(columns["mask_frames"][index]), int(later[index]),
                                         int(columns["mask_frames_examined"][index]))
               for index in found.tolist()}
    return blank_first_frames(records, SOURCE)


def blank_first_frames(records: Mapping[str, tuple[int, int, int]], source: str) -> Finding:
    """``file.blank_first_frame``: multi-frame masks whose first frame, the only one read,
    holds a single value while a later frame holds several. ``records`` maps a mask to
    ``(frames, the first later frame with several values, frames examined)``, in the order
    to list them."""
    paths = list(records)
    count, first = len(paths), paths[0]
    examined = max(record[2] for record in records.values())
    return listing_finding(
        "file.blank_first_frame", Severity.WARNING,
        f"{plural(count, 'mask')} {verb(count, 'holds', 'hold')} a single value on "
        f"{verb(count, 'its', 'their')} first frame and several on a later one",
        f"unetdiag and the trainer read a mask's first frame only. The first frame of "
        f"{first} holds one value, its frame {records[first][1]} several: "
        "the annotation is probably on the later frames (an animation or a stack exported "
        "with a blank first frame), and what is read is a blank mask. Each file's frames "
        f"were looked at in order up to the first that holds several values (at most "
        f"{MAX_FRAMES_EXAMINED}).",
        "Export each mask as a single-frame file holding the annotation (e.g. with Pillow: "
        "image.seek(frame - 1), then save that frame as PNG).",
        {"masks": count, "frames_examined_at_most": examined,
         "frames": {path: {"frames": frames, "first_with_several_values": later,
                           "frames_examined": looked}
                    for path, (frames, later, looked)
                    in list(records.items())[:LISTED_PER_QUESTION]}},
        paths, source)


def blank_empty_masks(tally: AuditTally) -> int:
    """Audited masks that are empty on a blank first frame with a later frame of values."""
    columns = tally.columns
    return int(np.count_nonzero((columns["mask_later_frame"] > 0) & ~tally.same_file
                                & columns["mask_read"] & (columns["foreground"] == 0)))


