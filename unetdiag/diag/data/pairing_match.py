"""The matching pieces shared by :mod:`unetdiag.diag.data.pairing` (flat folders) and
:mod:`unetdiag.diag.data.pairing_trees` (folders within folders): the pair, rule and result
types, matching by suffix in one or two folders, and the rule's record and findings."""

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
from unetdiag.diag.data import pairing_sets as set_words
from unetdiag.diag.data.folders import Listing
from unetdiag.diag.data.instances import (
    OBJECT_FILES_MARK,
    OBJECT_FILES_SEPARATOR,
    object_files_reference,
)
from unetdiag.diag.data.pairing_inference import Inference
from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch, stem_key, strip_suffix
from unetdiag.diag.data.stacks import PagedPairs

#: Suffixes that mark a mask file's stem (``cell_001_mask.png``); matched case-insensitively.
MASK_SUFFIXES = ("_mask", "_seg", "_label")
#: A further mask of a paired one: ``<its stem>_<n>`` (BUSI's ``benign (4)_mask_1.png``).
_NUMBERED_MASK = re.compile(r"^(?P<mask_stem>.+)_(?P<number>[0-9]+)$")

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


RuleSource = Literal["default", "given", "inferred", "instance folders", "by extension"]


@dataclass(frozen=True)
class PairingRule:
    """How images were paired with masks, as the audit report and ``data.json`` record it.

    Attributes:
        source: ``"default"`` (same stem, or a default suffix), ``"given"`` (the caller's
            suffixes or pattern), ``"inferred"`` (found from the names),
            ``"instance folders"`` or ``"by extension"`` (a JPEG image and a mask of the same
            name, :mod:`unetdiag.diag.data.pairing_extensions`).
        layout: ``"separate folders"``, ``"one folder"``, ``"case folders"``,
            ``"mirrored folders"`` or ``"instance folders"``.
        mask_suffixes: the suffixes matched (when pairing by suffix).
        mask_pattern: the pattern paired by (``"{key}_manual1"``), else None.
        flag: the command-line option that gives this rule explicitly ("" for the default).
        example: one pair's file names.
        alternatives: options that would pair the same images with their other masks.
        stacks: image stacks paired page by page.
        groups: case folders (the case-folder layout), each kept whole by the split.
        mask_extension: the masks' extension when paired by extension (``".png"``), else None.
        root_folders: the folders read, images' then masks', when a root holding the two
            alone was given (:mod:`unetdiag.diag.data.root_folders`), else empty.
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
    mask_extension: str | None = None
    root_folders: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "layout": self.layout,
                "mask_suffixes": list(self.mask_suffixes), "mask_pattern": self.mask_pattern,
                "flag": self.flag, "example": list(self.example),
                "alternatives": list(self.alternatives), "stacks": self.stacks,
                "groups": self.groups, "mask_extension": self.mask_extension,
                "root_folders": list(self.root_folders)}


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


def same_file_paths(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


@dataclass
class Matching:
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
    def of_rule(cls, match: RuleMatch) -> Matching:
        """A pairing by pattern, with its same-file pairs (links) set apart."""
        matching = cls(missing=list(match.missing), orphans=list(match.orphans),
                       duplicates=dict(match.duplicates), image_count=match.image_count,
                       mask_count=match.mask_count, alternatives=list(match.alternatives),
                       pattern=match.pattern, companions=list(match.companions))
        for image, mask, _ in match.pairs:
            pair = Pair(image.stem, image, mask)
            (matching.same_file if same_file_paths(image, mask) else matching.pairs).append(pair)
        return matching


def group_by_key(files: Iterable[tuple[str, Path]]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for key, path in files:
        groups.setdefault(key, []).append(path)
    return groups


def match_beside(listing: Listing, suffixes: Sequence[str], same_folder: bool) -> Matching:
    """One folder: ``<stem>.<ext>`` images with ``<stem><suffix>.<ext>`` masks beside them.

    With ``same_folder`` (the mask folder was given and is the image folder), an image with
    no suffixed mask is paired with itself, as the original project did.
    """
    images: list[tuple[str, Path]] = []
    masks: list[tuple[str, Path]] = []
    for path in listing.files:
        base = strip_suffix(stem_key(path), suffixes)
        (masks if base is not None else images).append((base or stem_key(path), path))
    image_groups, mask_groups = group_by_key(images), group_by_key(masks)
    matching = Matching(image_count=len(images), mask_count=len(masks))
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


def match_separate(images: Listing, masks: Listing, suffixes: Sequence[str]) -> Matching:
    """Two folders: a mask's stem is the image's stem, with or without a mask suffix."""
    image_groups = group_by_key((stem_key(path), path) for path in images.files)
    masks_by_key: dict[str, list[Path]] = {}
    for path in masks.files:
        keys = {stem_key(path), strip_suffix(stem_key(path), suffixes) or stem_key(path)}
        for key in keys:
            masks_by_key.setdefault(key, []).append(path)
    matching = Matching(image_count=len(images.files), mask_count=len(masks.files))
    claimed: set[Path] = set()
    for stem in sorted(image_groups):
        candidates = sorted(masks_by_key.get(stem, []))
        claimed.update(candidates)
        if len(image_groups[stem]) > 1 or len(candidates) > 1:
            matching.duplicates[stem] = image_groups[stem] + candidates
        elif candidates:
            pair = Pair(stem, image_groups[stem][0], candidates[0])
            same = same_file_paths(pair.image, pair.mask)
            (matching.same_file if same else matching.pairs).append(pair)
        else:
            matching.missing.append(image_groups[stem][0])
    matching.orphans = matching.attach_numbered_masks(sorted(
        (path for path in masks.files if path not in claimed),
        key=lambda path: (path.stem, path.name)))
    return matching


def file_of(reference: Path) -> Path:
    """The file of a page or object-set reference (``stack.tif#page=3``)."""
    return Path(str(reference).split("#", 1)[0])


def build_rule(source: RuleSource, matching: Matching, inference: Inference | None,
          suffixes: Sequence[str], one_folder: bool, stacks: int) -> PairingRule:
    layout = "one folder" if one_folder else "separate folders"
    stems = words.image_stems(matching)
    alternatives = [words.set_flag(other, files, stems) for other, files in matching.alternatives]
    example = ((matching.pairs[0].image.name, matching.pairs[0].mask.name)
               if matching.pairs else ())
    if matching.pattern is None:
        flag = "" if source in ("default", "by extension") else " ".join(
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


def _default_tail(pairs: Sequence[Pair]) -> str | None:
    """The one tail every pair's mask adds to its image's name (``_mask``), else None."""
    tails = {stem_key(pair.mask)[len(stem_key(pair.image)):] for pair in pairs
             if stem_key(pair.mask).startswith(stem_key(pair.image))}
    covered = all(stem_key(pair.mask).startswith(stem_key(pair.image)) for pair in pairs)
    return tails.pop() if covered and len(tails) == 1 else None


def rule_findings(matching: Matching, inference: Inference | None, rule: PairingRule,
                  paged: PagedPairs, masks_dir: Path | None = None,
                  scope: tuple[str, int] | None = None) -> list[Finding]:
    """The findings on how the pairs were formed. ``scope`` (mirrored folders): the folder
    the rule was inferred in, and the images of the whole tree."""
    findings = []
    if rule.source == "inferred":
        assert inference is not None and inference.chosen is not None
        findings.append(words.rule_inferred(
            inference.chosen, MASK_SUFFIXES, inference.others,
            None if scope is None else (scope[0], len(matching.pairs), scope[1])))
    if matching.alternatives:
        findings.append(set_words.alternative_masks(
            matching.alternatives, words.image_stems(matching),
            [(pair.image, pair.mask) for pair in matching.pairs],
            _default_tail(matching.pairs) if rule.source == "default" else None,
            inference.chosen if rule.source == "inferred" and inference is not None else None))
    if matching.companions:
        findings.append(set_words.companion_files(matching.companions, len(matching.pairs),
                                              masks_dir))
    if paged.paged:
        findings.append(page_words.stack_pages(paged.paged, len(paged.pairs),
                                          whole_cases=rule.layout == "case folders"))
    if paged.mismatched:
        findings.append(page_words.stack_mismatch(paged.mismatched))
    if paged.skipped:
        findings.append(page_words.overview_pages(paged.skipped))
    return findings
