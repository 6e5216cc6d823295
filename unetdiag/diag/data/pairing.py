"""Finding image/mask pairs in folders, and splitting them into training and validation.

Two layouts are understood:

* **Separate folders** (``masks_dir`` given): ``images/cell_001.png`` pairs with the mask in
  ``masks/`` whose stem is ``cell_001`` or ``cell_001`` plus a mask suffix
  (``cell_001_mask.gif``), whatever the extensions.
* **One folder** (``masks_dir`` omitted): a mask sits beside its image and carries a suffix:
  ``cell_001.png`` + ``cell_001_mask.png``.

Giving the image folder as the mask folder (the original project's layout) is the one-folder
layout in which every image without a suffixed mask would be its own mask: those pairs are
refused (``pairing.same_file``) unless ``allow_same_file=True``.

Extensions are matched case-insensitively
(:data:`~unetdiag.diag.data.reading.SUPPORTED_EXTENSIONS`), stems exactly; hidden files are
skipped; results are sorted by stem. Files are only listed, never opened: reading them is
:mod:`unetdiag.diag.data.reading`'s job.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS
from unetdiag.exitcodes import UserError

#: Suffixes that mark a mask file's stem (``cell_001_mask.png``); matched case-insensitively.
MASK_SUFFIXES = ("_mask", "_seg", "_label")
#: At most this many files are named in a finding (its evidence gives the full count).
MAX_LISTED_FILES = 20
#: At most this many names are quoted in a one-line error message.
MAX_NAMES_IN_MESSAGE = 3
SOURCE = "pairing"


@dataclass(frozen=True)
class Pair:
    """One image and its mask. ``stem`` is the image's file name without its extension."""

    stem: str
    image: Path
    mask: Path


@dataclass
class PairingResult:
    """What :func:`discover_pairs` found: usable pairs and findings about everything else.

    ``masks_dir`` is ``None`` when masks were looked for beside the images.
    """

    pairs: list[Pair]
    findings: list[Finding]
    images_dir: Path
    masks_dir: Path | None


@dataclass
class _Listing:
    """The visible entries of one folder: supported files by name, everything else apart."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    subfolders: list[Path] = field(default_factory=list)


def _list_folder(folder: Path, role: str) -> _Listing:
    if not folder.exists():
        raise UserError(f"{role} folder not found: {folder}")
    if not folder.is_dir():
        raise UserError(f"{role} path is not a folder: {folder}")
    listing = _Listing(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as error:
        raise UserError(f"cannot read {role} folder {folder}: "
                        f"{error.strerror or error}") from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = folder / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            listing.subfolders.append(path)
        elif path.suffix.lower() in SUPPORTED_EXTENSIONS:
            listing.files.append(path)
        else:
            listing.ignored.append(path)
    if not listing.files:
        raise UserError(_no_images_message(listing, role))
    return listing


def _no_images_message(listing: _Listing, role: str) -> str:
    noun = "images" if role == "image" else "masks"
    if not (listing.ignored or listing.subfolders):
        return f"{role} folder is empty: {listing.folder}"
    found = []
    if listing.ignored:
        found.append(f"{len(listing.ignored)} other files ({_names(listing.ignored)})")
    if listing.subfolders:
        found.append(f"{len(listing.subfolders)} folders ({_names(listing.subfolders, '/')})")
    return (f"no {noun} in {listing.folder}: {' and '.join(found)}, no file with a supported "
            f"extension ({' '.join(SUPPORTED_EXTENSIONS)}); sub-folders are not searched")


def _names(paths: Sequence[Path], ending: str = "") -> str:
    names = [path.name + ending for path in paths[:MAX_NAMES_IN_MESSAGE]]
    return ", ".join(names) + (", ..." if len(paths) > MAX_NAMES_IN_MESSAGE else "")


def _strip_suffix(stem: str, suffixes: Sequence[str]) -> str | None:
    """The image stem a suffixed mask stem belongs to, or None when it carries no suffix."""
    lowered = stem.lower()
    for suffix in suffixes:
        if suffix and lowered.endswith(suffix.lower()) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return None


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def _capped(files: Iterable[Path | str]) -> tuple[str, ...]:
    return tuple(str(f) for f in list(files)[:MAX_LISTED_FILES])


def _finding(finding_id: str, severity: Severity, title: str, explanation: str, fix: str,
             evidence: dict, files: Sequence[Path | str]) -> Finding:
    evidence = {**evidence, "files_listed": min(len(files), MAX_LISTED_FILES)}
    return Finding(finding_id, severity, title, explanation, fix, evidence, _capped(files),
                   SOURCE)


@dataclass
class _Matching:
    """Work in progress of one discovery: who pairs with whom, and what went wrong."""

    pairs: list[Pair] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    duplicates: dict[str, list[Path]] = field(default_factory=dict)
    same_file: list[Pair] = field(default_factory=list)
    image_count: int = 0
    mask_count: int = 0


def _group(files: Iterable[tuple[str, Path]]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for key, path in files:
        groups.setdefault(key, []).append(path)
    return groups


def _match_beside(listing: _Listing, suffixes: Sequence[str], same_folder: bool) -> _Matching:
    """One folder: ``<stem>.<ext>`` images with ``<stem><suffix>.<ext>`` masks beside them.

    With ``same_folder`` (the mask folder was given and is the image folder), an image with
    no suffixed mask is paired with itself, as the original project did.
    """
    images: list[tuple[str, Path]] = []
    masks: list[tuple[str, Path]] = []
    for path in listing.files:
        base = _strip_suffix(path.stem, suffixes)
        (masks if base is not None else images).append((base or path.stem, path))
    image_groups, mask_groups = _group(images), _group(masks)
    matching = _Matching(image_count=len(images), mask_count=len(masks))
    for stem in sorted(image_groups):
        candidates = mask_groups.get(stem, [])
        if len(image_groups[stem]) > 1 or len(candidates) > 1:
            matching.duplicates[stem] = image_groups[stem] + candidates
        elif candidates:
            matching.pairs.append(Pair(stem, image_groups[stem][0], candidates[0]))
        elif same_folder:
            matching.same_file.append(Pair(stem, image_groups[stem][0], image_groups[stem][0]))
        else:
            matching.missing.append(image_groups[stem][0])
    matching.orphans = [path for stem in sorted(mask_groups) if stem not in image_groups
                        for path in mask_groups[stem]]
    return matching


def _match_separate(images: _Listing, masks: _Listing, suffixes: Sequence[str]) -> _Matching:
    """Two folders: a mask's stem is the image's stem, with or without a mask suffix."""
    image_groups = _group((path.stem, path) for path in images.files)
    masks_by_key: dict[str, list[Path]] = {}
    for path in masks.files:
        keys = {path.stem, _strip_suffix(path.stem, suffixes) or path.stem}
        for key in keys:
            masks_by_key.setdefault(key, []).append(path)
    matching = _Matching(image_count=len(images.files), mask_count=len(masks.files))
    claimed: set[Path] = set()
    for stem in sorted(image_groups):
        candidates = sorted(masks_by_key.get(stem, []))
        claimed.update(candidates)
        if len(image_groups[stem]) > 1 or len(candidates) > 1:
            matching.duplicates[stem] = image_groups[stem] + candidates
        elif candidates:
            pair = Pair(stem, image_groups[stem][0], candidates[0])
            (matching.same_file if _same_file(pair.image, pair.mask) else matching.pairs).append(
                pair)
        else:
            matching.missing.append(image_groups[stem][0])
    matching.orphans = sorted((path for path in masks.files if path not in claimed),
                              key=lambda path: (path.stem, path.name))
    return matching


def _where_masks_are_looked_for(masks_dir: Path | None, suffixes: Sequence[str]) -> str:
    first, others = (suffixes[0], suffixes[1:]) if suffixes else ("_mask", ())
    alternatives = f" (or {', '.join(others)})" if others else ""
    if masks_dir is None:
        return (f"masks are looked for as <stem>{first}.<ext>{alternatives} beside each image; "
                "give the mask folder if masks live elsewhere")
    return (f"masks are looked for as <stem>.<ext> or <stem>{first}.<ext>{alternatives} "
            f"in {masks_dir}")


def discover_pairs(images_dir: Path | str, masks_dir: Path | str | None = None,
                   mask_suffixes: Sequence[str] = MASK_SUFFIXES,
                   allow_same_file: bool = False) -> PairingResult:
    """Pair every image with its mask and report every file that could not be paired.

    Args:
        images_dir: folder of images (and, without ``masks_dir``, of suffixed masks).
        masks_dir: folder of masks matched by stem; ``None``: masks sit beside the images.
        mask_suffixes: stem suffixes that mark a mask (case-insensitive).
        allow_same_file: keep pairs whose mask is the image file itself (only to reproduce
            the original project's bug); ``pairing.same_file`` is reported either way.

    Returns:
        A :class:`PairingResult`; its findings (source ``"pairing"``) are
        ``pairing.missing_mask`` (warning), ``pairing.orphan_mask`` (warning),
        ``pairing.duplicate_stem`` (error: several files claim one stem; none of them is
        used), ``pairing.same_file`` (error) and ``pairing.ignored_files`` (info).

    Raises:
        UserError: a folder is missing, not a folder, empty or holds no supported files, or
            not a single pair was found (the message says what was found instead).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("cell_1.png", "cell_1_mask.png", "cell_2.png", "notes.txt"):
    ...     _ = (folder / name).write_bytes(b"")
    >>> result = discover_pairs(folder)
    >>> [pair.mask.name for pair in result.pairs], [f.id for f in result.findings]
    (['cell_1_mask.png'], ['pairing.missing_mask', 'pairing.ignored_files'])
    """
    images_dir = Path(images_dir)
    masks_path = Path(masks_dir) if masks_dir is not None else None
    images = _list_folder(images_dir, "image")
    same_folder = masks_path is not None and _same_file(images_dir, masks_path)
    if masks_path is None or same_folder:
        masks = None
        matching = _match_beside(images, mask_suffixes, same_folder)
    else:
        masks = _list_folder(masks_path, "mask")
        matching = _match_separate(images, masks, mask_suffixes)

    findings = _findings(matching, images, masks, masks_path, mask_suffixes, same_folder,
                         allow_same_file)
    pairs = list(matching.pairs)
    if allow_same_file:
        pairs = sorted(pairs + matching.same_file, key=lambda pair: pair.stem)
    if not pairs:
        raise UserError(_no_pairs_message(matching, images_dir, masks_path, mask_suffixes,
                                          same_folder))
    return PairingResult(pairs, findings, images_dir, masks_path)


def _no_pairs_message(matching: _Matching, images_dir: Path, masks_dir: Path | None,
                      suffixes: Sequence[str], same_folder: bool) -> str:
    message = (f"no image/mask pairs in {images_dir}: {matching.image_count} images, "
               f"{matching.mask_count} masks")
    if matching.same_file:
        where = "the mask folder is the image folder" if same_folder else "links to one file"
        return (f"{message}; all {len(matching.same_file)} candidate pairs use the image file "
                f"as its own mask ({where}); give a separate mask folder or name masks "
                f"<stem>{suffixes[0] if suffixes else '_mask'}.<ext>")
    if matching.duplicates:
        stems = list(matching.duplicates)
        names = ", ".join(stems[:MAX_NAMES_IN_MESSAGE])
        more = ", ..." if len(stems) > MAX_NAMES_IN_MESSAGE else ""
        message += (f"; {len(stems)} stems have several files and were left out "
                    f"({names}{more})")
    return f"{message}; {_where_masks_are_looked_for(masks_dir, suffixes)}"


def _findings(matching: _Matching, images: _Listing, masks: _Listing | None,
              masks_dir: Path | None, suffixes: Sequence[str], same_folder: bool,
              allow_same_file: bool) -> list[Finding]:
    findings: list[Finding] = []
    counts = {"images": matching.image_count, "masks": matching.mask_count,
              "pairs": len(matching.pairs) + (len(matching.same_file) if allow_same_file else 0)}
    if matching.same_file:
        cause = ("the mask folder is the image folder, so every image without a suffixed mask "
                 "is its own mask (the original project's layout)" if same_folder else
                 "the mask path links to the image file (symbolic or hard link)")
        fate = ("They are kept because same-file masks were explicitly allowed: every metric "
                "will score the model on reproducing its input." if allow_same_file else
                "They are refused.")
        findings.append(_finding(
            "pairing.same_file", Severity.ERROR,
            f"{len(matching.same_file)} images are their own masks",
            f"For {len(matching.same_file)} pairs the image and the mask are the same file: "
            f"{cause}. The model is then trained to reproduce a thresholded copy of its own "
            f"input, and Dice measures that, not segmentation. {fate}",
            "Give the folder that holds the masks, or name each mask <stem>"
            f"{suffixes[0] if suffixes else '_mask'}.<ext> beside its image.",
            {**counts, "same_file_pairs": len(matching.same_file), "kept": allow_same_file,
             "mask_folder_is_image_folder": same_folder},
            [pair.image for pair in matching.same_file]))
    if matching.duplicates:
        duplicate_files = [path for paths in matching.duplicates.values() for path in paths]
        findings.append(_finding(
            "pairing.duplicate_stem", Severity.ERROR,
            f"{len(matching.duplicates)} stems match several files; none of them is used",
            "More than one image, or more than one mask, has the same stem (e.g. a.png and "
            "a.jpg). Picking one would be a guess (one may be a lossy re-save of the other), "
            "so every file of such a stem is left out of training and validation.",
            "Keep exactly one image and one mask per stem; delete or rename the others.",
            {**counts, "duplicate_stems": len(matching.duplicates),
             "duplicate_files": len(duplicate_files),
             "stems": list(matching.duplicates)[:MAX_LISTED_FILES]},
            duplicate_files))
    if matching.missing:
        findings.append(_finding(
            "pairing.missing_mask", Severity.WARNING,
            f"{len(matching.missing)} of {matching.image_count} images have no mask",
            f"These images are left out of training and validation; "
            f"{_where_masks_are_looked_for(masks_dir, suffixes)}.",
            "Add the missing masks, or move the images out of the folder.",
            {**counts, "missing_masks": len(matching.missing)},
            matching.missing))
    if matching.orphans:
        findings.append(_finding(
            "pairing.orphan_mask", Severity.WARNING,
            f"{len(matching.orphans)} of {matching.mask_count} masks have no image",
            "No image has the stem these masks point to; they are not used. A renamed image "
            "or a typo in a stem often explains a handful of these.",
            "Check the names, or remove the masks.",
            {**counts, "orphan_masks": len(matching.orphans)},
            matching.orphans))
    listings = [images] + ([masks] if masks is not None else [])
    ignored = [path for listing in listings for path in listing.ignored]
    subfolders = [path for listing in listings for path in listing.subfolders]
    if ignored or subfolders:
        findings.append(_finding(
            "pairing.ignored_files", Severity.INFO,
            f"{len(ignored)} files and {len(subfolders)} folders were ignored",
            "Only files with a supported extension "
            f"({' '.join(SUPPORTED_EXTENSIONS)}) are paired; sub-folders are not searched.",
            "Nothing to do unless one of these is an image or mask in an unsupported format.",
            {"ignored_files": len(ignored), "ignored_folders": len(subfolders)},
            ignored + [f"{path}/" for path in subfolders]))
    return findings


def validation_count(pair_count: int, val_fraction: float) -> int:
    """How many of ``pair_count`` pairs :func:`split_pairs` puts in validation.

    ``round(pair_count * val_fraction)`` (Python's round, halves to even), at least 1 when
    there are two or more pairs and ``val_fraction > 0``, and never all of them.

    >>> validation_count(7390, 0.2), validation_count(3, 0.2), validation_count(1, 0.2)
    (1478, 1, 0)
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    count = round(pair_count * val_fraction)
    if val_fraction > 0 and pair_count >= 2:
        count = max(count, 1)
    return min(count, max(pair_count - 1, 0))


def _rank_key(pair: Pair, seed: int) -> tuple[bytes, str]:
    return hashlib.sha256(f"{seed}\0{pair.stem}".encode()).digest(), str(pair.image)


def split_pairs(pairs: Sequence[Pair], val_fraction: float = 0.2,
                seed: int = 42) -> tuple[list[Pair], list[Pair]]:
    """Split pairs into ``(train, validation)`` by file, deterministically.

    Pairs are ranked by SHA-256 of ``(seed, stem)`` and the first
    :func:`validation_count` go to validation. A pair's side depends only on its own hash
    and the number of pairs, never on listing order or on other names: adding one file
    moves at most one other file across the split (the one at the boundary), where
    re-shuffling (``train_test_split``) would move about a third of them. Both lists come
    back sorted by stem.

    >>> pairs = [Pair(f"p{i}", Path(f"p{i}.png"), Path(f"p{i}_mask.png")) for i in range(10)]
    >>> train, validation = split_pairs(pairs)
    >>> len(train), len(validation), split_pairs(pairs[::-1]) == (train, validation)
    (8, 2, True)
    """
    count = validation_count(len(pairs), val_fraction)
    ranked = sorted(pairs, key=lambda pair: _rank_key(pair, seed))
    validation = sorted(ranked[:count], key=lambda pair: (pair.stem, str(pair.image)))
    train = sorted(ranked[count:], key=lambda pair: (pair.stem, str(pair.image)))
    return train, validation
