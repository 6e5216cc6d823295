"""Finding image/mask pairs in folders, and splitting them into training and validation.

These layouts are understood:

* **Separate folders** (``masks_dir`` given): ``images/cell_001.png`` pairs with the mask in
  ``masks/`` whose stem is ``cell_001`` or ``cell_001`` plus a mask suffix
  (``cell_001_mask.gif``), whatever the extensions.
* **One folder** (``masks_dir`` omitted): a mask sits beside its image and carries a suffix:
  ``cell_001.png`` + ``cell_001_mask.png``.
* **Instance folders** (:mod:`unetdiag.diag.data.instances`): ``<id>/images/<id>.png`` with
  one file per object in ``<id>/masks/``; the pair's mask is that folder.
* **Case folders** (``masks_dir`` omitted, no image at the top): one folder per case
  (patient, scan, video) holding its images and their suffixed masks, as the one-folder
  layout (``TCGA_CS_4941/TCGA_CS_4941_1.tif`` + ``TCGA_CS_4941/TCGA_CS_4941_1_mask.tif``). Each
  pair's ``group`` is its case folder, and :func:`split_pairs` keeps a case on one side: slices
  of one patient on both sides of a split let validation score what training has seen.
  labelme_json_to_dataset's folders (``<name>_json/img.png`` with ``label.png``) are case
  folders of one pair each (:mod:`unetdiag.diag.data.pairing_trees`).
* **Mirrored folders** (``masks_dir`` given, both holding folders, not files):
  ``images/<case>/<n>.png`` pairs with ``masks/<case>/<n>.png``, folder by folder, each folder
  a group as a case folder is (:mod:`unetdiag.diag.data.pairing_trees`).

When the default names pair nothing or leave images without a mask, the names are searched
for the one rule that pairs every file one to one (:mod:`unetdiag.diag.data.pairing_rules`:
``Image_01L.jpg`` + ``Image_01L_1stHO.png``, ``21_training.tif`` + ``21_manual1.gif``); the
pairing then follows it and says so (``pairing.rule_inferred``), or stops naming the option
that would pair the files. ``mask_pattern`` gives such a rule explicitly. Masks that follow a
second rule for the same images (a second annotator) are named, never counted as images.
Image and mask TIFF stacks of equal length are paired page by page
(:mod:`unetdiag.diag.data.stacks`).

Giving the image folder as the mask folder (the original project's layout) is the one-folder
layout in which every image without a suffixed mask would be its own mask: those pairs are
refused (``pairing.same_file``) unless ``allow_same_file=True``.

Extensions are matched case-insensitively
(:data:`~unetdiag.diag.data.reading.SUPPORTED_EXTENSIONS`), stems exactly; hidden files are
skipped; results are sorted by stem. Files are listed, not read (TIFF headers are, to count
pages): reading them is :mod:`unetdiag.diag.data.reading`'s job.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data import pairing_pages as page_words
from unetdiag.diag.data.companions import files_of, named_companions
from unetdiag.diag.data.folders import (
    Listing,
    case_listings,
    csv_files,
    folders_hint,
    list_folder,
    no_images_message,
    rle_hint,
    same_names_hint,
    split_folders,
)
from unetdiag.diag.data.instances import (
    IMAGES_FOLDER,
    MASKS_FOLDER,
    OBJECT_FILES_MARK,
    OBJECT_FILES_SEPARATOR,
    find_instance_layout,
    is_instance_layout,
    object_files_reference,
)
from unetdiag.diag.data.pairing_findings import (
    MAX_LISTED_FILES,
    MAX_NAMES_IN_MESSAGE,
    SOURCE,
)
from unetdiag.diag.data.pairing_rules import (
    Inference,
    MaskPattern,
    RuleMatch,
    infer_rule,
    match_one_folder,
    match_pattern,
    padding_hint,
    set_alternatives_apart,
    stem_key,
    with_alternatives,
)
from unetdiag.diag.data.stacks import PagedPairs, pair_pages, stacks_among
from unetdiag.diag.data.tiles import tile_sources
from unetdiag.diag.wording.text import plural
from unetdiag.exitcodes import ExitCode, UserError

#: Suffixes that mark a mask file's stem (``cell_001_mask.png``); matched case-insensitively.
MASK_SUFFIXES = ("_mask", "_seg", "_label")
#: A further mask of a paired one: ``<its stem>_<n>`` (BUSI's ``benign (4)_mask_1.png``).
_NUMBERED_MASK = re.compile(r"^(?P<mask_stem>.+)_(?P<number>[0-9]+)$")

__all__ = ["MASK_SUFFIXES", "MAX_LISTED_FILES", "MAX_NAMES_IN_MESSAGE", "SOURCE", "Pair",
           "PairingResult", "PairingRule", "discover_pairs"]


@dataclass(frozen=True)
class Pair:
    """One image and its mask. ``stem`` is the image's file name without its extension.

    ``mask`` is a folder of object masks in the instance layout; ``image`` and ``mask`` are
    page references (``stack.tif#page=3``) for the pages of a stack, and ``stem`` then ends
    in ``#page=3`` too. Every reader takes all three forms.
    """

    stem: str
    image: Path
    mask: Path
    group: str = ""  # the case folder (case-folder layout): split as one


RuleSource = Literal["default", "given", "inferred", "instance folders"]


@dataclass(frozen=True)
class PairingRule:
    """How images were paired with masks, as the audit report and ``data.json`` record it.

    Attributes:
        source: ``"default"`` (same stem, or a default suffix), ``"given"`` (the caller's
            suffixes or pattern), ``"inferred"`` (found from the names) or
            ``"instance folders"``.
        layout: ``"separate folders"``, ``"one folder"``, ``"case folders"``,
            ``"mirrored folders"`` or ``"instance folders"``.
        mask_suffixes: the suffixes matched (when pairing by suffix).
        mask_pattern: the pattern paired by (``"{key}_manual1"``), else None.
        flag: the command-line option that gives this rule explicitly ("" for the default).
        example: one pair's file names.
        alternatives: options that would pair the same images with their other masks.
        stacks: image stacks paired page by page.
        groups: case folders (the case-folder layout), each kept whole by the split.
    """

    source: RuleSource
    layout: str
    mask_suffixes: tuple[str, ...] = ()
    mask_pattern: str | None = None
    flag: str = ""
    example: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()
    stacks: int = 0
    groups: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "layout": self.layout,
                "mask_suffixes": list(self.mask_suffixes), "mask_pattern": self.mask_pattern,
                "flag": self.flag, "example": list(self.example),
                "alternatives": list(self.alternatives), "stacks": self.stacks,
                "groups": self.groups}


@dataclass
class PairingResult:
    """What :func:`discover_pairs` found: usable pairs and findings about everything else.

    ``masks_dir`` is ``None`` when masks were looked for beside the images (or in instance
    folders); ``rule`` says how the pairs were formed.
    """

    pairs: list[Pair]
    findings: list[Finding]
    images_dir: Path
    masks_dir: Path | None
    rule: PairingRule


def _names_a_set(name: str) -> bool:
    """A file name that cannot go into an object-files reference (it holds its separators)."""
    return OBJECT_FILES_MARK in name or OBJECT_FILES_SEPARATOR in name


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
    alternatives: list[tuple[MaskPattern, list[Path]]] = field(default_factory=list)
    pattern: MaskPattern | None = None  # None: matched by suffixes
    keys: list[str] = field(default_factory=list)  # each pair's key, when matched by pattern
    numbered: dict[str, list[Path]] = field(default_factory=dict)  # stem -> its _mask_<n>
    companions: list[tuple[str, list[Path]]] = field(default_factory=list)  # diag/data/companions

    def attach_numbered_masks(self, leftovers: list[Path]) -> list[Path]:
        """Merge files named ``<a paired mask's stem>_<n>`` into that pair's mask (BUSI's
        ``benign (4)_mask_1.png``: a second lesion); return the leftovers that are not."""
        by_mask_stem = {pair.mask.stem: index for index, pair in enumerate(self.pairs)
                        if not _names_a_set(pair.mask.name)}
        kept, numbered = [], {}
        for path in leftovers:
            match = _NUMBERED_MASK.match(path.stem)
            index = by_mask_stem.get(match["mask_stem"]) if match else None
            if (index is None or path.parent != self.pairs[index].mask.parent
                    or _names_a_set(path.name)):
                kept.append(path)
                continue
            numbered.setdefault(self.pairs[index].stem, []).append(path)
        if len(numbered) > len(self.pairs) / 2:
            # most masks have a numbered twin: a second annotation set, not further objects
            return kept + sorted(path for paths in numbered.values() for path in paths)
        self.numbered = numbered
        for index, pair in enumerate(self.pairs):
            if pair.stem in self.numbered:
                self.pairs[index] = replace(pair, mask=object_files_reference(
                    pair.mask, sorted(self.numbered[pair.stem])))
        return kept

    @classmethod
    def of_rule(cls, match: RuleMatch) -> _Matching:
        """A pairing by pattern, with its same-file pairs (links) set apart."""
        matching = cls(missing=list(match.missing), orphans=list(match.orphans),
                       duplicates=dict(match.duplicates), image_count=match.image_count,
                       mask_count=match.mask_count, alternatives=list(match.alternatives),
                       pattern=match.pattern, companions=list(match.companions))
        for image, mask, key in match.pairs:
            pair = Pair(image.stem, image, mask)
            if _same_file(image, mask):
                matching.same_file.append(pair)
            else:
                matching.pairs.append(pair)
                matching.keys.append(key)
        return matching

    @property
    def whole_stem_keys(self) -> bool:
        """Every pair is keyed by its image's whole stem (a plain suffix names its mask)."""
        return self.pattern is None or all(
            pair.stem == key for pair, key in zip(self.pairs, self.keys, strict=True))


def _group(files: Iterable[tuple[str, Path]]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for key, path in files:
        groups.setdefault(key, []).append(path)
    return groups


def _match_beside(listing: Listing, suffixes: Sequence[str], same_folder: bool) -> _Matching:
    """One folder: ``<stem>.<ext>`` images with ``<stem><suffix>.<ext>`` masks beside them.

    With ``same_folder`` (the mask folder was given and is the image folder), an image with
    no suffixed mask is paired with itself, as the original project did.
    """
    images: list[tuple[str, Path]] = []
    masks: list[tuple[str, Path]] = []
    for path in listing.files:
        base = _strip_suffix(stem_key(path), suffixes)
        (masks if base is not None else images).append((base or stem_key(path), path))
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
    matching.missing = matching.attach_numbered_masks(matching.missing)
    attached = sum(len(paths) for paths in matching.numbered.values())
    matching.image_count -= attached  # they were counted as images without masks
    matching.mask_count += attached
    return matching


def _match_separate(images: Listing, masks: Listing, suffixes: Sequence[str]) -> _Matching:
    """Two folders: a mask's stem is the image's stem, with or without a mask suffix."""
    image_groups = _group((stem_key(path), path) for path in images.files)
    masks_by_key: dict[str, list[Path]] = {}
    for path in masks.files:
        keys = {stem_key(path), _strip_suffix(stem_key(path), suffixes) or stem_key(path)}
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
    matching.orphans = matching.attach_numbered_masks(sorted(
        (path for path in masks.files if path not in claimed),
        key=lambda path: (path.stem, path.name)))
    return matching


def _parse_pattern(mask_pattern: str | None, one_folder: bool) -> MaskPattern | None:
    if mask_pattern is None:
        return None
    try:
        pattern = MaskPattern.parse(mask_pattern)
    except ValueError as error:
        raise UserError(str(error), ExitCode.USAGE) from None
    if one_folder and not pattern.names_masks:
        raise UserError(f"the mask pattern {pattern.text!r} names every file when masks sit "
                        "beside the images; give a suffix or prefix, e.g. '{key}_mask'",
                        ExitCode.USAGE)
    return pattern


def discover_pairs(images_dir: Path | str, masks_dir: Path | str | None = None,
                   mask_suffixes: Sequence[str] = MASK_SUFFIXES,
                   allow_same_file: bool = False,
                   mask_pattern: str | None = None) -> PairingResult:
    """Pair every image with its mask and report every file that could not be paired.

    Args:
        images_dir: folder of images (and, without ``masks_dir``, of suffixed masks), or of
            instance folders (``<id>/images/``, ``<id>/masks/``).
        masks_dir: folder of masks matched by stem; ``None``: masks sit beside the images.
        mask_suffixes: stem suffixes that mark a mask (case-insensitive).
        allow_same_file: keep pairs whose mask is the image file itself (only to reproduce
            the original project's bug); ``pairing.same_file`` is reported either way.
        mask_pattern: pair by this pattern (``"{key}_manual1"``, see
            :mod:`~unetdiag.diag.data.pairing_rules`) instead of by suffixes.

    With the default suffixes and no pattern, a pairing that leaves images without a mask
    is replaced by the one rule the names follow, if exactly one pairs every file one to one.

    Returns:
        A :class:`PairingResult`; its findings (source ``"pairing"``) are
        ``pairing.missing_mask`` (warning), ``pairing.orphan_mask`` (warning),
        ``pairing.duplicate_stem`` (error: several files claim one stem; none of them is
        used), ``pairing.same_file`` (error), ``pairing.ignored_files`` (info),
        ``pairing.rule_inferred`` (info), ``pairing.alternative_masks`` (info),
        ``pairing.instance_folders`` (info), ``pairing.stack_pages`` (info),
        ``pairing.stack_mismatch`` (warning), ``pairing.overview_pages`` (info: TIFF
        overviews left out of the pages), ``pairing.numbered_masks`` (info),
        ``pairing.companion_files`` (info) and ``pairing.tiles`` (info).

    Raises:
        UserError: a folder is missing, not a folder, empty or holds no supported files, the
            pattern is malformed, or not a single pair was found (the message says what was
            found instead, and which option would pair the files).

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
    pattern = _parse_pattern(mask_pattern, masks_path is None)
    images = list_folder(images_dir, "image", require_files=False)
    if masks_path is None and is_instance_layout(images.subfolders):
        if pattern is not None or tuple(mask_suffixes) != MASK_SUFFIXES:
            raise UserError(f"{images_dir} holds one folder per image (<id>/{IMAGES_FOLDER}/, "
                            f"<id>/{MASKS_FOLDER}/): each image's mask is its {MASKS_FOLDER}/ "
                            "folder, so --mask-suffix and --mask-pattern do not apply",
                            ExitCode.USAGE)
        return _instance_folders(images)  # files beside the sample folders are ignored
    searched: Literal["not searched", "empty", "unpaired"] = "not searched"
    # an images/ and a masks/ folder are two folders to pass, not two cases
    hint = folders_hint(images) if not images.files else ""
    if not images.files and masks_path is None and not hint:
        cases = case_listings(images)
        from unetdiag.diag.data.pairing_trees import pair_case_folders  # builds on this module

        result = pair_case_folders(images, cases, mask_suffixes, pattern) if cases else None
        if result is not None:
            return result
        if not split_folders(images):
            searched = "unpaired" if cases else "empty"
        hint = same_names_hint(cases)
        if not hint and cases:
            from unetdiag.diag.data.pairing_trees import root_parts_hint

            hint = root_parts_hint(images, cases, mask_suffixes)
    if not images.files and masks_path is not None:
        from unetdiag.diag.data.pairing_trees import pair_mirrored  # it builds on this module

        mirrored = pair_mirrored(images, masks_path, mask_suffixes, pattern)
        if mirrored is not None:
            return mirrored
    if not images.files:
        raise UserError(no_images_message(images, "image", searched, hint))
    same_folder = masks_path is not None and _same_file(images_dir, masks_path)
    masks = None if masks_path is None or same_folder else _list_masks(masks_path, images,
                                                                        mask_suffixes)
    one_folder = masks is None
    mask_files = None if masks is None else masks.files
    source: RuleSource = ("given" if pattern is not None or tuple(mask_suffixes) != MASK_SUFFIXES
                          else "default")
    named = (named_companions([(stem_key(path), path) for path in images.files])
             if one_folder and source == "default" and not same_folder else [])
    set_apart = files_of(named)
    images = replace(images, files=[path for path in images.files if path not in set_apart])
    if pattern is not None:
        matching = _Matching.of_rule(with_alternatives(
            match_one_folder(images.files, pattern) if one_folder
            else match_pattern(images.files, mask_files, pattern), one_folder))
    else:
        matching = (_match_beside(images, mask_suffixes, same_folder) if one_folder
                    else _match_separate(images, masks, mask_suffixes))
        if not same_folder:
            set_alternatives_apart(matching, [(pair.image, pair.mask, pair.stem)
                                              for pair in matching.pairs],
                                   MaskPattern("", ""), one_folder)
    inference = None
    if not same_folder and (not matching.pairs or (source == "default" and matching.missing)):
        inference = infer_rule(images.files, mask_files)
        if source == "default" and inference.chosen is not None:
            matching = _Matching.of_rule(inference.chosen)
            source = "inferred"
    matching.companions = named + matching.companions

    listings = [images] + ([masks] if masks is not None else [])
    findings = words.matching_findings(
        matching, [path for listing in listings for path in listing.ignored],
        [path for listing in listings for path in listing.subfolders], masks_path,
        mask_suffixes, same_folder, allow_same_file)
    pairs = list(matching.pairs)
    if allow_same_file:
        pairs = sorted(pairs + matching.same_file, key=lambda pair: pair.stem)
    if not pairs:
        raise UserError(_no_pairs_message(
            matching, images_dir, masks_path, mask_suffixes, same_folder, inference,
            images.files, [path for listing in listings for path in listing.ignored],
            mask_files))
    paged = pair_pages([(pair.stem, pair.image, pair.mask) for pair in pairs])
    rule = _rule(source, matching, inference, mask_suffixes, one_folder, len(paged.paged))
    findings += _rule_findings(matching, inference, rule, paged, masks_path)
    found = [Pair(*pair) for pair in paged.pairs]
    sources = tile_sources([pair.stem for pair in found])
    if sources is not None:  # tiles of one image are split as one (diag/data/tiles.py)
        found = [replace(pair, group=sources[pair.stem]) for pair in found]
        rule = replace(rule, groups=len(set(sources.values())))
        findings.append(words.tiles(found, rule.groups))
    if masks_path is not None and not same_folder:
        from unetdiag.diag.data.pairing_trees import folders_sharing_names, sibling_masks

        siblings = folders_sharing_names(
            masks_path.parent, {_file_of(pair.mask).stem for pair in found},
            (masks_path, images_dir), lambda path: (path.stem,))
        if siblings:
            findings.append(sibling_masks(masks_path, siblings, len(found)))
    return PairingResult(found, findings, images_dir, masks_path, rule)


def _file_of(reference: Path) -> Path:
    """The file of a page or object-set reference (``stack.tif#page=3``)."""
    return Path(str(reference).split("#", 1)[0])


def _list_masks(masks_dir: Path, images: Listing, suffixes: Sequence[str]) -> Listing:
    """The mask folder's listing; when it holds no file but its folders hold masks named as
    the images, the error says so (Montgomery's ManualMask/leftMask/ and rightMask/)."""
    masks = list_folder(masks_dir, "mask", require_files=False)
    if not masks.files:
        from unetdiag.diag.data.pairing_trees import parts_hint

        hint = parts_hint(masks, {stem_key(path) for path in images.files}, suffixes)
        raise UserError(no_images_message(masks, "mask", hint=hint or None))
    return masks


def _rule(source: RuleSource, matching: _Matching, inference: Inference | None,
          suffixes: Sequence[str], one_folder: bool, stacks: int) -> PairingRule:
    layout = "one folder" if one_folder else "separate folders"
    alternatives = [words.pattern_flag(other, matching.whole_stem_keys)
                    for other, _ in matching.alternatives]
    example = ((matching.pairs[0].image.name, matching.pairs[0].mask.name)
               if matching.pairs else ())
    if matching.pattern is None:
        flag = "" if source == "default" else " ".join(
            f"--mask-suffix {shlex.quote(suffix)}" for suffix in suffixes)
        return PairingRule(source, layout, tuple(suffixes), None, flag, example,
                           tuple(alternatives), stacks)
    if source == "inferred":
        assert inference is not None and inference.chosen is not None
        flag = words.rule_flag(inference.chosen)
        alternatives = [words.rule_flag(other) for other in inference.others] + alternatives
    else:
        flag = words.pattern_flag(matching.pattern, whole_stem_keys=False)
    alternatives = list(dict.fromkeys(alternatives))
    suffix_rule = flag.startswith("--mask-suffix")
    return PairingRule(source, layout, (matching.pattern.tail,) if suffix_rule else (),
                       matching.pattern.text, flag, example, tuple(alternatives), stacks)


def _rule_findings(matching: _Matching, inference: Inference | None, rule: PairingRule,
                   paged: PagedPairs, masks_dir: Path | None = None) -> list[Finding]:
    findings = []
    if rule.source == "inferred":
        assert inference is not None and inference.chosen is not None
        findings.append(words.rule_inferred(inference.chosen, MASK_SUFFIXES, inference.others))
    if matching.alternatives:
        findings.append(words.alternative_masks(matching.alternatives, matching.whole_stem_keys,
                                                len(matching.pairs)))
    if matching.companions:
        findings.append(words.companion_files(matching.companions, len(matching.pairs),
                                              masks_dir))
    if paged.paged:
        findings.append(page_words.stack_pages(paged.paged, len(paged.pairs),
                                          whole_cases=rule.layout == "case folders"))
    if paged.mismatched:
        findings.append(page_words.stack_mismatch(paged.mismatched))
    if paged.skipped:
        findings.append(page_words.overview_pages(paged.skipped))
    return findings


def _instance_folders(images: Listing) -> PairingResult:
    """Pairs of the instance layout: each sample folder's image with its ``masks/`` folder."""
    layout = find_instance_layout(images.subfolders, images.files + images.ignored)
    matching = _Matching(
        pairs=[Pair(stem, image, mask) for stem, image, mask in layout.pairs],
        missing=layout.missing, duplicates=layout.duplicates,
        image_count=len(layout.pairs) + len(layout.missing), mask_count=len(layout.pairs))
    if not matching.pairs:
        found = (f"{plural(len(layout.missing), 'image folder')} without a {MASKS_FOLDER}/ "
                 f"folder of object masks ({words.names(layout.missing)})" if layout.missing
                 else "no sample folder with one image")
        raise UserError(f"no image/mask pairs in {images.folder}: the instance layout "
                        f"(<id>/{IMAGES_FOLDER}/<id>.<ext> with one file per object in "
                        f"<id>/{MASKS_FOLDER}/), but {found}")
    findings = words.matching_findings(
        matching, [path for path in layout.ignored if path not in images.subfolders],
        [path for path in layout.ignored if path in images.subfolders], None, (), False,
        False, instance_layout=True)
    findings.append(words.instance_folders(images.folder, layout.object_files))
    rule = PairingRule("instance folders", "instance folders",
                       example=(f"{matching.pairs[0].stem}/{IMAGES_FOLDER}/"
                                f"{matching.pairs[0].image.name}",
                                f"{matching.pairs[0].stem}/{MASKS_FOLDER}/"))
    return PairingResult(matching.pairs, findings, images.folder, None, rule)


def _no_pairs_message(matching: _Matching, images_dir: Path, masks_dir: Path | None,
                      suffixes: Sequence[str], same_folder: bool, inference: Inference | None,
                      files: Sequence[Path], ignored: Sequence[Path],
                      mask_files: Sequence[Path] | None = None) -> str:
    hint = words.inference_hint(inference) or padding_hint(files, mask_files)
    if hint and masks_dir is None:  # by the default names every file was an image
        counts = plural(len(files), "file")
    else:
        counts = f"{matching.image_count} images, {matching.mask_count} masks"
    message = f"no image/mask pairs in {images_dir}: {counts}"
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
    return (f"{message}; {words.where_masks_are_looked_for(masks_dir, suffixes, matching.pattern)}"
            f"{hint}{words.unreadable_masks_hint(ignored, files, suffixes)}"
            f"{page_words.stacks_hint(stacks_among(files))}"
            f"{words.companions_hint(matching.companions)}"
            f"{rle_hint([*ignored, *csv_files(images_dir.parent)])}")

