"""Split lists kept beside a dataset: PASCAL VOC's ``ImageSets/Segmentation/`` text files
(``train.txt``, ``val.txt``, ``trainval.txt``), one image name per line.

VOC keeps every image of the challenge in ``JPEGImages/`` (17,125 in VOC2012) and a mask in
``SegmentationClass/`` only for the images its segmentation lists name (2,913: 1,464 in
``train.txt``, 1,449 in ``val.txt``, ``trainval.txt`` both). So most images have no mask by
design: they belong to the detection and classification tasks (``ImageSets/Main/``). unetdiag
pairs images with masks by name and holds out its own validation share (``--val-fraction``,
seeded, by file); it takes no split from the lists. This module finds them so that what is
said about the unpaired images and the split is true of them (:func:`split_list_finding`), and
so that a refused root or VOC folder given alone names them (:func:`split_lists_hint`,
:func:`voc_folders_hint`).

A list is only trusted to excuse an image without a mask when its names are those of the
files: names are compared as the pairing compares stems (folder and extension stripped, NFC,
a UTF-8 byte-order mark dropped), and lists naming fewer than half the paired images
(:data:`MIN_NAMED_SHARE`) are taken to describe other files, so every image without a mask
stays a missing mask.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.pairing_findings import MAX_LISTED_FILES, capped
from unetdiag.diag.data.pairing_rules import stem_key
from unetdiag.diag.wording.text import join_names, plural

#: Where VOC keeps its segmentation lists, below the dataset's root.
SEGMENTATION_LISTS = ("ImageSets", "Segmentation")
#: A list larger than this is no list of image names (read no further).
MAX_LIST_BYTES = 8 * 1024 * 1024
#: The files the finding names one by one (the rest are counted).
MAX_NAMED_LISTS = 4
#: The lists describe the mask folder only when they name at least this share of the paired
#: images (VOC's name all of them); below it their names are not the files' names.
MIN_NAMED_SHARE = 0.5
#: What the lists say about the unpaired images (and the split) is said by the pairing.
SOURCE = "pairing"


@dataclass(frozen=True)
class SplitLists:
    """The split lists of one folder.

    Attributes:
        folder: the folder holding them (``<root>/ImageSets/Segmentation``).
        root: the dataset root they sit below.
        lists: each list's file name and the image names it holds, in file-name order.
    """

    folder: Path
    root: Path
    lists: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def listed(self) -> set[str]:
        """Every name some list holds."""
        return {name for _, names in self.lists for name in names}

    @cached_property
    def keys(self) -> set[str]:
        """The listed names as image stems are compared: each name without its folder, and
        without its extension too (``2007_000000.jpg`` names ``2007_000000``; both are kept
        since a stem may hold a dot)."""
        keys = set()
        for name in self.listed:
            base = Path(name.replace("\\", "/")).name
            keys |= {unicodedata.normalize("NFC", base), stem_key(Path(base))}
        return keys

    def names(self, path: Path) -> bool:
        """Whether some list names the image ``path``."""
        return stem_key(path) in self.keys

    def where(self) -> str:
        """``"ImageSets/Segmentation"``: the folder, relative to the root."""
        return self.folder.relative_to(self.root).as_posix()

    def describe(self) -> str:
        """``"train.txt (14 names), val.txt (6 names) and trainval.txt (20 names, the others
        together)"``."""
        sets = {file: set(names) for file, names in self.lists}
        parts = []
        for file, names in self.lists[:MAX_NAMED_LISTS]:
            others = [sets[other] for other in sets if other != file]
            together = (", the others together"
                        if len(others) > 1 and sets[file] == set().union(*others) else "")
            parts.append(f"{file} ({plural(len(names), 'name')}{together})")
        more = len(self.lists) - MAX_NAMED_LISTS
        return join_names(parts) + (f" and {plural(more, 'other list')}" if more > 0 else "")


def _read_names(path: Path) -> tuple[str, ...] | None:
    """The first word of each non-empty line (VOC's class lists add a flag after the name);
    None when the file is too large or unreadable as text."""
    try:
        if path.stat().st_size > MAX_LIST_BYTES:
            return None
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    return tuple(line.split()[0] for line in text.splitlines() if line.strip())


def find_split_lists(folders: Sequence[Path]) -> SplitLists | None:
    """The segmentation lists below one of ``folders`` or their parents (the root given, or
    the root above ``JPEGImages/`` and ``SegmentationClass/``); None when there are none."""
    seen: set[Path] = set()
    for folder in folders:
        for root in (folder, folder.parent):
            lists_folder = root.joinpath(*SEGMENTATION_LISTS)
            if root in seen or not lists_folder.is_dir():
                continue
            seen.add(root)
            try:
                files = sorted(path for path in lists_folder.iterdir()
                               if path.suffix.lower() == ".txt" and path.is_file())
            except OSError:
                continue
            lists = tuple((path.name, names) for path in files
                          if (names := _read_names(path)))
            if lists:
                return SplitLists(lists_folder, root, lists)
    return None


def split_lists_hint(folder: Path) -> str:
    """``"; ImageSets/Segmentation holds train.txt (14 names) ..."`` for a refused root that
    holds the lists; "" otherwise."""
    found = find_split_lists([folder])
    if found is None:
        return ""
    return (f"; {found.where()} holds {found.describe()}: unetdiag pairs every image that has "
            "a mask and holds out its own validation share (--val-fraction, seeded, by file); "
            "it reads the lists only to judge which images without a mask are missing masks and "
            "takes no split from them")


def with_split_lists(findings: list[Finding], lists: SplitLists, paired: Sequence[Path],
                     missing: Sequence[Path]) -> list[Finding]:
    """The pairing's findings told against the lists: when the lists name the paired images,
    ``pairing.missing_mask`` only for the images a list names (the others are consistent with
    images unsegmented by design); when they do not, ``pairing.missing_mask`` as it was. And
    ``pairing.split_lists``."""
    finding, listed_missing = split_list_finding(lists, paired, missing)
    if not finding.evidence["lists_match_files"]:
        return [*findings, finding]
    kept = []
    for earlier in findings:
        if earlier.id == "pairing.missing_mask":
            if not listed_missing:
                continue
            count = len(listed_missing)
            earlier = replace(
                earlier, title=f"{count} of the {len(lists.listed)} images named in "
                f"{lists.where()} {'has' if count == 1 else 'have'} no mask",
                evidence={**earlier.evidence, "missing_masks": count,
                          "files_listed": min(count, MAX_LISTED_FILES)},
                files=capped(listed_missing))
        kept.append(earlier)
    return [*kept, finding]


#: VOC's folders of every image and of the class masks, below its root.
VOC_IMAGES, VOC_MASKS = "JPEGImages", "SegmentationClass"


def voc_folders_hint(folder: Path) -> str:
    """``"; PASCAL VOC's layout: pass --images R/JPEGImages --masks R/SegmentationClass
    (...)"`` when ``folder`` (given alone, pairing nothing) is one of VOC's folders below a
    root holding the lists; "" otherwise."""
    found = find_split_lists([folder])
    if found is None or found.root == folder:
        return ""
    images, masks = found.root / VOC_IMAGES, found.root / VOC_MASKS
    if not (images.is_dir() and masks.is_dir()):
        return ""
    return (f"; PASCAL VOC's layout: pass --images {images} --masks {masks} ({found.where()} "
            f"holds {found.describe()}; unetdiag reads them to judge missing masks and takes no "
            "split from them)")


def split_list_finding(lists: SplitLists, paired: Sequence[Path],
                       missing: Sequence[Path]) -> tuple[Finding, list[Path]]:
    """``pairing.split_lists`` (info): the lists, how the pairs and the images without a mask
    stand to them, and whose split the audit makes; with the images without a mask that a
    list names (those are missing masks, to report as such). Evidence ``lists_match_files``
    is False when the lists name fewer than :data:`MIN_NAMED_SHARE` of the paired images:
    then they say nothing of the images without a mask."""
    listed = lists.listed
    unlisted_pairs = [path for path in paired if not lists.names(path)]
    listed_missing = [path for path in missing if lists.names(path)]
    unlisted_missing = len(missing) - len(listed_missing)
    pairs = len(paired)
    named = pairs - len(unlisted_pairs)
    match = pairs > 0 and named >= MIN_NAMED_SHARE * pairs
    stands = (f"all {pairs} paired images are named in them" if not unlisted_pairs else
              f"{named} of the {pairs} paired images are named in them and "
              f"{len(unlisted_pairs)} in none (paired all the same, by name)")
    explanation = (f"{lists.where()} (below {lists.root}) holds {lists.describe()}; {stands}.")
    if not match:
        file, names = lists.lists[0]
        seen = f", a paired image is '{paired[0].name}'" if paired else ""
        explanation += (
            f" Too few for the lists to describe these files (names compared without folder "
            f"and extension; {file} names '{names[0]}'{seen}): "
            f"{'their names do not match' if not named else 'most of them are not'} the "
            "files' names, so the lists say nothing of the images without a mask"
            + (f", and all {len(missing)} stay missing masks (pairing.missing_mask)."
               if missing else "."))
    else:
        if unlisted_missing:
            explanation += (
                f" The {plural(unlisted_missing, 'other image')} without a mask "
                f"{'is' if unlisted_missing == 1 else 'are'} in no segmentation list: "
                "consistent with PASCAL VOC's detection and classification images, kept in "
                "JPEGImages/ too and unsegmented by design (a list only shows that an image "
                "is not in it, not why it has no mask), so they are not counted as missing "
                "masks.")
        if listed_missing:
            explanation += (f" {plural(len(listed_missing), 'image')} named in a list "
                            f"{'has' if len(listed_missing) == 1 else 'have'} no mask "
                            "(pairing.missing_mask).")
    explanation += (" The split the audit reports (and train makes) is its own: a seeded "
                    "share of the pairs held out by file (--val-fraction, --seed), not the "
                    "lists' train and val.")
    fix = ("Nothing to fix for the images in no list if they are unsegmented by design. "
           if match else
           "Check that these lists belong to these images; if they do, write their names as "
           "the image files' names. ")
    finding = Finding(
        "pairing.split_lists", Severity.INFO,
        f"{lists.where()} lists {plural(len(listed), 'image')} for segmentation",
        explanation,
        fix + "unetdiag takes no split list: the validation share it holds out is its own.",
        {"lists_folder": str(lists.folder),
         "lists": {file: len(names) for file, names in lists.lists},
         "listed": len(listed), "paired": pairs, "paired_unlisted": len(unlisted_pairs),
         "unpaired_unlisted": unlisted_missing, "unpaired_listed": len(listed_missing),
         "lists_match_files": match, "split": "own"},
        (), SOURCE)
    return finding, listed_missing
