"""Field-of-view masks shipped beside the annotations, in a folder of their own: DRIVE as
distributed holds ``training/images/21_training.tif``, the vessels in
``training/1st_manual/21_manual1.gif`` and the field of view in
``training/mask/21_training_mask.gif``. Paired with ``--masks training/1st_manual``, the audit
said nothing of ``mask/``; a user who knows DRIVE expects to hear that the field-of-view masks
were seen, what they are, and that nothing trains on them.

A folder beside the mask folder (or beside the image folder), neither of them, is looked at
when at least half of the paired images (and two) have a file there named
``<image stem><tail>``, one tail for the set (:func:`~unetdiag.diag.data.companions.companion_sets`:
``21_training_mask`` for ``21_training``). Up to :data:`MAX_READ` of those files are decoded
under the default policy; they are named (``pairing.field_of_view_masks``, info) only when
they cover nearly the same region in every image, as the audit judges a mask folder that is
one region drawn again and again (:func:`~unetdiag.diag.audit.sameness.same_region`). Other
sets say nothing here: names alone do not tell what a file is.

One region beside the masks is not always a field of view: a second annotator's masks of
centred lesions (``annotator2/lesion_000_annotator2.png``) are one region too. When the mask
folder is itself nearly one region, or its median shape overlaps the set's closely, the
finding names that alternative (a second annotation of the same objects), and what it says
of scoring outside the field of view and how to ignore it is said only if they are
field-of-view masks.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from unetdiag.diag.audit.sameness import NEARLY_IDENTICAL_IOU, same_region, soft_iou
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE, mask_thumbnail
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.companions import companion_sets
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.data.pairing_rules import stem_key
from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS, ImageReadError

#: At most this many files of a set are decoded (at full size, once each).
MAX_READ = 20
#: At most this many folders beside the mask and image folders are listed.
MAX_FOLDERS = 16


def _beside(images_dir: Path, masks_dir: Path) -> list[Path]:
    """Folders next to the mask folder and the image folder, neither of them (hidden ones
    left out), at most :data:`MAX_FOLDERS`."""
    taken = {images_dir.resolve(), masks_dir.resolve()}
    found: list[Path] = []
    for parent in dict.fromkeys((masks_dir.parent, images_dir.parent)):
        try:
            entries = sorted(os.scandir(parent), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if (entry.is_dir() and not entry.name.startswith(".")
                    and path.resolve() not in taken and path not in found):
                found.append(path)
    return found[:MAX_FOLDERS]


def _files(folder: Path) -> list[tuple[str, Path]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return [(stem_key(Path(entry.name)), Path(entry.path)) for entry in entries
            if entry.is_file() and not entry.name.startswith(".")
            and Path(entry.name).suffix.lower() in SUPPORTED_EXTENSIONS]


def field_of_view_findings(images_dir: Path | str, masks_dir: Path | str | None,
                           image_paths: Sequence[Path], source: str) -> list[Finding]:
    """``pairing.field_of_view_masks`` (info) for each set of files beside the mask folder
    named after the paired images (``image_paths``) that covers nearly one region in every
    image; none without a mask folder."""
    if masks_dir is None or not image_paths:
        return []
    images_dir, masks_dir = Path(images_dir), Path(masks_dir)
    stem_of = {stem_key(path): path for path in image_paths}
    findings = []
    for folder in _beside(images_dir, masks_dir):
        for tail, paths in companion_sets(stem_of, _files(folder), len(image_paths)):
            finding = _field_of_view(folder, tail, paths, stem_of, len(image_paths),
                                     masks_dir, source)
            if finding is not None:
                findings.append(finding)
    return findings


def _read(paths: Sequence[Path]) -> tuple[list[np.ndarray], list[float], list[Path]]:
    """Thumbnails, foreground shares and paths of the first :data:`MAX_READ` files that
    decode as masks under the default policy."""
    thumbnails, shares, read = [], [], []
    for path in paths[:MAX_READ]:
        try:
            decoded, _ = decode_mask(path)
        except (ImageReadError, OSError, ValueError):
            continue
        thumbnails.append(mask_thumbnail(decoded))
        shares.append(float(decoded.mean()))
        read.append(path)
    return thumbnails, shares, read


def cover_one_region(paths: Sequence[Path]) -> bool:
    """Whether the first :data:`MAX_READ` of ``paths`` that decode as masks cover nearly one
    region in every image (:func:`~.sameness.same_region`), as field-of-view masks do: what
    the root-folder hint asks of a folder before it offers it as ``--masks``."""
    thumbnails, shares, _ = _read(paths)
    return bool(thumbnails) and same_region(np.stack(thumbnails), np.array(shares)) is not None


def _like_the_masks(masks_dir: Path, median: np.ndarray) -> tuple[bool, float | None]:
    """Whether the mask folder is itself nearly one region, and the soft IoU of its masks'
    median shape with ``median`` (the set's, cells in 0..1); None when no mask decodes."""
    thumbnails, shares, _ = _read(sorted(path for _, path in _files(masks_dir)))
    if not thumbnails:
        return False, None
    stacked = np.stack(thumbnails)
    one_region = same_region(stacked, np.array(shares)) is not None
    masks_median = np.median(stacked.astype(np.float64) / 255, axis=0)
    return one_region, float(soft_iou(masks_median[None], median)[0])


def _field_of_view(folder: Path, tail: str, paths: list[Path], stem_of: dict[str, Path],
                   pairs: int, masks_dir: Path, source: str) -> Finding | None:
    thumbnails, shares, read = _read(paths)
    if not read:
        return None
    region = same_region(np.stack(thumbnails), np.array(shares))
    if region is None:
        return None
    indices, overlap = region
    close = int((overlap >= NEARLY_IDENTICAL_IOU).sum())
    example = paths[0]
    image = stem_of[stem_key(example)[: -len(tail)]].name
    cover = float(np.mean([shares[index] for index in indices]))
    median = np.median(np.stack(thumbnails)[indices].astype(np.float64) / 255, axis=0)
    masks_one_region, with_masks = _like_the_masks(masks_dir, median)
    annotation = masks_one_region or (with_masks is not None
                                      and with_masks >= NEARLY_IDENTICAL_IOU)
    what = ("field-of-view masks or a second annotation of the same objects" if annotation
            else "field-of-view masks")
    why_annotation = ""
    if annotation:
        shapes = (f"{masks_dir.name}/ is itself nearly one region" if masks_one_region
                  else f"the masks in {masks_dir.name}/")
        why_annotation = (
            f" Or a second annotation of the same objects (another annotator's masks): "
            f"{shapes}, and {'its' if masks_one_region else 'their'} median shape overlaps "
            f"these files' with soft IoU {with_masks:.2f}, so the shape alone does not tell "
            "the two apart.")
    return listing_finding(
        "pairing.field_of_view_masks", Severity.INFO,
        f"{folder.name}/ holds {len(paths)} files named after the images ({example.name} for "
        f"{image}), nearly one region in each: consistent with {what}; not used",
        f"{folder} holds a file named <image name>{tail} for {len(paths)} of the {pairs} "
        f"paired images. Of the {len(read)} read, {close} cover nearly the same region (soft "
        f"IoU {float(np.median(overlap)):.2f} median with their median shape, on "
        f"{THUMBNAIL_SIDE}x{THUMBNAIL_SIDE} thumbnails), {cover:.0%} of the image on average: "
        "consistent with field-of-view masks (where the camera saw, as DRIVE ships them in "
        f"mask/){'' if annotation else ', not annotations'}.{why_annotation} Nothing pairs "
        f"or trains on them: the masks used are those in {masks_dir.name}/. If they are "
        "field-of-view masks, every pixel is scored, those outside the field of view "
        "included (background in the annotations, easy to get right), so accuracy and the "
        "all-background baseline count them; DRIVE's own evaluation counts only the pixels inside.",
        "Nothing to change for training. If they are field-of-view masks and you want to "
        "score inside the field of view only, write the masks with a value of their own "
        "outside it (e.g. 128 where the field-of-view mask is 0, the objects kept as they "
        "are) and pass --ignore-values 128, with --foreground-values naming the objects' "
        "value, to audit-data and train."
        + (" If they are a second annotation, nothing to change; compare the two "
           "annotators' masks to see how far they agree." if annotation else ""),
        {"folder": str(folder), "tail": tail, "count": len(paths), "pairs": pairs,
         "read": len(read), "nearly_same": close,
         "median_iou": float(np.median(overlap)), "mean_cover": cover,
         "iou_threshold": NEARLY_IDENTICAL_IOU, "masks_one_region": masks_one_region,
         "iou_with_masks": with_masks, "second_annotation_possible": annotation},
        [str(path) for path in paths], source)
