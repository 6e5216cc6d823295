"""Layouts of folders within folders: case folders (:func:`pair_case_folders`, see
:mod:`unetdiag.diag.data.pairing`) and two that pair like them:

* **Mirrored folders** (``--images images --masks masks`` where each holds folders, not
  files: ``images/<case>/<n>.png`` with ``masks/<case>/<n>.png``, as Cityscapes'
  ``leftImg8bit/<city>/`` with ``gtFine/<city>/``): each image folder is paired with the
  mask folder of the same name as two separate folders are, its pairs named
  ``<folder>/<name>`` and grouped by folder, so the split keeps a folder whole (five or more
  folders, :func:`~unetdiag.diag.data.split.split_pairs`) as it keeps case folders. The
  relative path is the pairing: a folder on one side only leaves its files unpaired. One
  naming rule holds for the whole tree: given, the default, or inferred from the first
  folder whose images the default names leave without masks, and kept only when the whole
  tree pairs better by it than by the default names.
* **labelme_json_to_dataset output** (``<name>_json/`` holding ``img.png``, ``label.png``,
  ``label_viz.png`` and ``label_names.txt``, wkentaro/labelme#420): each folder is one pair,
  ``img`` with ``label``; ``label_viz`` is the label drawn over the image for people to look
  at, never a mask or an image. Read as case folders: :func:`labelme_case` is asked for each.

Both are chosen by names only. Folders beside a mask folder holding files of its masks'
names are named in :mod:`unetdiag.diag.data.pairing_siblings`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data.folders import (
    MIN_CASE_FOLDERS,
    VISUALISATION_FOLDERS,
    Listing,
    case_listings,
    holds_field_of_view,
    list_folder,
)
from unetdiag.diag.data.pairing_alternatives import with_alternatives
from unetdiag.diag.data.pairing_inference import infer_rule
from unetdiag.diag.data.pairing_match import (
    MASK_SUFFIXES,
    Matching,
    Pair,
    PairingResult,
    RuleSource,
    build_rule,
    match_beside,
    match_separate,
    rule_findings,
)
from unetdiag.diag.data.pairing_rules import (
    MaskPattern,
    match_one_folder,
    match_pattern,
    stem_key,
    strip_suffix,
)
from unetdiag.diag.data.stacks import pair_pages
from unetdiag.diag.wording.text import join_names, plural, verb
from unetdiag.exitcodes import UserError

#: labelme_json_to_dataset's fixed names (stems): the image, the label map, its picture.
LABELME_IMAGE, LABELME_LABEL, LABELME_PICTURE = "img", "label", "label_viz"


def labelme_case(case: Listing, extras: bool = False
                 ) -> tuple[Path, Path, list[Path], list[Path]] | None:
    """``(img, label, [label_viz], [other files])`` when ``case`` is a folder written by
    labelme_json_to_dataset (exactly one ``img`` and one ``label`` file, nothing else but its
    ``label_viz`` picture, or, with ``extras``, other files too), else None."""
    by_stem: dict[str, list[Path]] = {}
    for path in case.files:
        by_stem.setdefault(stem_key(path), []).append(path)
    known = {LABELME_IMAGE, LABELME_LABEL, LABELME_PICTURE}
    if (set(by_stem) - known and not extras) or any(
            len(by_stem.get(stem, [])) != 1 for stem in (LABELME_IMAGE, LABELME_LABEL)):
        return None
    others = sorted(path for stem, paths in by_stem.items() if stem not in known
                    for path in paths)
    return (by_stem[LABELME_IMAGE][0], by_stem[LABELME_LABEL][0],
            by_stem.get(LABELME_PICTURE, []), others)


def labelme_folders(folder: Path, folders: int, pictures: Sequence[Path],
                    extras: Sequence[Path] = ()) -> Finding:
    """``pairing.labelme_folders`` (info): folders written by labelme_json_to_dataset, each
    paired ``img`` with ``label``; their ``label_viz`` pictures (and ``extras``, other files
    in some of them) are not used."""
    other = (f" {plural(len(extras), 'other file')} in these folders "
             f"({', '.join(path.parent.name + '/' + path.name for path in extras[:3])}"
             f"{', ...' if len(extras) > 3 else ''}) {verb(len(extras), 'is', 'are')} not used "
             "either: neither the image nor the label map by labelme's names."
             if extras else "")
    return words.pairing_finding(
        "pairing.labelme_folders", Severity.INFO,
        f"{plural(folders, 'folder')} written by labelme_json_to_dataset, each paired "
        f"{LABELME_IMAGE} with {LABELME_LABEL}",
        f"{folder} holds folders of labelme_json_to_dataset's fixed names: "
        f"{LABELME_IMAGE}.png (the image), {LABELME_LABEL}.png (the label map, one value per "
        f"class) and {LABELME_PICTURE}.png (the labels drawn over the image, for people to "
        "look at). Each folder is one pair, named <folder>/img; the "
        f"{plural(len(pictures), LABELME_PICTURE + ' picture')} and label_names.txt are not "
        "used." + other,
        "Nothing to do. label_names.txt says which class each value of label.png is: with "
        "several classes, pick the object's values with --foreground-values."
        + (" If another file is the label map you mean, put it in label.png's place."
           if extras else ""),
        {"folders": folders, "pictures": len(pictures),
         **({"other_files": len(extras)} if extras else {})}, [*pictures, *extras])


def mirrored_listings(images: Listing, masks_dir: Path) -> list[tuple[Listing, Listing | None]]:
    """``(image folder, mask folder of the same name or None)`` for every sub-folder of
    ``images`` holding files, when ``masks_dir`` holds no file itself and at least one of its
    sub-folders holding files has the name of one of them; [] otherwise (also when either
    side is a split made in advance: train/, val/)."""
    try:
        masks = list_folder(masks_dir, "mask", require_files=False)
    except Exception:  # noqa: BLE001 - the caller's own listing reports the folder
        return []
    if masks.files:
        return []
    image_cases = case_listings(images)
    mask_cases = {case.folder.name: case for case in case_listings(masks)}
    if not image_cases or not set(mask_cases) & {case.folder.name for case in image_cases}:
        return []
    return [(case, mask_cases.get(case.folder.name)) for case in image_cases]


def mirrored_folders(images_dir: Path, masks_dir: Path, folder_names: Sequence[str],
                     pair_count: int) -> Finding:
    """``pairing.mirrored_folders``: image and mask trees paired folder by folder; the split
    keeps :data:`MIN_CASE_FOLDERS` or more folders whole (info), fewer are split by file
    (a warning, as for case folders)."""
    count = len(folder_names)
    opening = (f"{images_dir} and {masks_dir} hold no file themselves but folders of the same "
               f"names ({join_names([name + '/' for name in folder_names[:4]])}"
               f"{', ...' if count > 4 else ''}): each image folder is paired with the mask "
               "folder of its name, as two folders are, and pairs are named <folder>/<name>. ")
    if count >= MIN_CASE_FOLDERS:
        return words.pairing_finding(
            "pairing.mirrored_folders", Severity.INFO,
            f"{plural(pair_count, 'pair')} found in {count} mirrored folders; the split keeps "
            "each folder whole",
            opening + "Each folder is read as a case (a patient, a scan, a city), as case "
            "folders are: the split puts each folder's pairs all in training or all in "
            "validation, so validation never scores images of a case training saw.",
            "Nothing to do. To split by file instead, put the images and the masks in one "
            "folder each.",
            {"pairs": pair_count, "folders": count, "split": "whole folders"}, [])
    return words.pairing_finding(
        "pairing.mirrored_folders", Severity.WARNING,
        f"{plural(pair_count, 'pair')} found in {plural(count, 'mirrored folder')}; too few "
        "to split whole, so each is split by file",
        opening + "Kept whole, one folder would be the whole validation set, so each keeps "
        "its share on both sides. If each folder is one patient, scan or video, its images "
        "look alike and validation scores images close to training ones.",
        "If the folders are cases, gather at least "
        f"{MIN_CASE_FOLDERS} of them so that whole folders can be held out.",
        {"pairs": pair_count, "folders": count, "split": "by file within each folder"}, [])


def pair_mirrored(images: Listing, masks_dir: Path, suffixes: Sequence[str],
                  pattern: MaskPattern | None) -> PairingResult | None:
    """Pairs of mirrored folders (module doc), or None when ``images`` and ``masks_dir`` are
    not two trees of folders sharing names, or no folder pairs."""
    trees = mirrored_listings(images, masks_dir)
    if not trees:
        return None
    source: RuleSource = ("given" if pattern is not None or tuple(suffixes) != MASK_SUFFIXES
                          else "default")
    merged = Matching(pattern=pattern)
    matched = [_match_folder(image_case, mask_case, suffixes, pattern)
               for image_case, mask_case in trees]
    inference, inferred_in = None, ""
    if source == "default":
        # one rule for the tree: the first folder whose images the default names leave
        # without masks (a folder that pairs by them says nothing about the others)
        for (image_case, mask_case), matching in zip(trees, matched, strict=True):
            if mask_case is not None and matching.missing:
                inference = infer_rule(image_case.files, mask_case.files)
                inferred_in = image_case.folder.name
                break
        if (inference is not None and inference.chosen is not None
                and inference.chosen.pattern.names_masks):
            ruled = [_match_folder(image_case, mask_case, suffixes, inference.chosen.pattern)
                     for image_case, mask_case in trees]
            # kept only when the tree pairs better by it than by the default names
            if sum(map(_pair_count, ruled)) > sum(map(_pair_count, matched)):
                source, pattern, matched = "inferred", inference.chosen.pattern, ruled
                merged = Matching(pattern=pattern)
    ignored: list[Path] = list(images.ignored)
    nested: list[Path] = []
    for (image_case, mask_case), matching in zip(trees, matched, strict=True):
        name = image_case.folder.name
        merged.pairs += [Pair(f"{name}/{pair.stem}", pair.image, pair.mask, group=name)
                         for pair in matching.pairs]
        for attribute in ("missing", "orphans", "same_file"):
            getattr(merged, attribute).extend(getattr(matching, attribute))
        for pattern, files in matching.alternatives:  # one entry per set, not per folder
            known = next((found for other, found in merged.alternatives if other == pattern),
                         None)
            if known is None:
                merged.alternatives.append((pattern, list(files)))
            else:
                known.extend(files)
        merged.duplicates.update({f"{name}/{stem}": paths
                                  for stem, paths in matching.duplicates.items()})
        merged.image_count += matching.image_count
        merged.mask_count += matching.mask_count
        for listing in (image_case, mask_case):
            if listing is not None:
                ignored += listing.ignored
                nested += listing.subfolders
    if not merged.pairs:
        return None
    paged = pair_pages([(pair.stem, pair.image, pair.mask) for pair in merged.pairs])
    pairs = [Pair(stem, image, mask, group=stem.split("/", 1)[0])
             for stem, image, mask in paged.pairs]
    groups = sorted({pair.group for pair in pairs})
    first = merged.pairs[0]
    rule = replace(build_rule(source, merged, inference, suffixes, False, len(paged.paged)),
                   layout="mirrored folders", groups=len(groups),
                   example=(f"{first.group}/{first.image.name}",
                            f"{first.group}/{first.mask.name}"))
    findings = [*words.matching_findings(merged, ignored, nested, masks_dir, suffixes, False,
                                         False),
                mirrored_folders(images.folder, masks_dir, groups, len(pairs)),
                *rule_findings(merged, inference, rule, paged, masks_dir,
                               scope=(inferred_in, merged.image_count))]
    return PairingResult(pairs, findings, images.folder, masks_dir, rule)


def _pair_count(matching: Matching) -> int:
    return len(matching.pairs)


def _match_folder(image_case: Listing, mask_case: Listing | None, suffixes: Sequence[str],
                  pattern: MaskPattern | None) -> Matching:
    """One image folder matched with its mirror (every image missing its mask when there is
    none)."""
    if mask_case is None:
        return Matching(missing=list(image_case.files), image_count=len(image_case.files))
    if pattern is None:
        return match_separate(image_case, mask_case, suffixes)
    matching = Matching.of_rule(with_alternatives(
        match_pattern(image_case.files, mask_case.files, pattern), False))
    return matching


def pair_case_folders(images: Listing, cases: Sequence[Listing], suffixes: Sequence[str],
                  pattern: MaskPattern | None) -> PairingResult | None:
    """Pairs of the case-folder layout: each case folder paired as one folder (by the mask
    suffixes or ``pattern``; no rule is inferred), its pairs' stems and groups the folder's
    name; None when no folder holds a pair."""
    merged = Matching(pattern=pattern)
    ignored = list(images.ignored)
    nested: list[Path] = []
    labelme = [labelme_case(case) if pattern is None else None for case in cases]
    if sum(found is not None for found in labelme) > len(cases) / 2:
        # most folders are labelme's: one holding img and label besides other files is too
        labelme = [found or labelme_case(case, extras=True)
                   for case, found in zip(cases, labelme, strict=True)]
    pictures = [path for found in labelme if found is not None for path in found[2]]
    extras = [path for found in labelme if found is not None for path in found[3]]
    for case, written in zip(cases, labelme, strict=True):
        if written is not None:  # labelme_json_to_dataset: img with label, nothing else used
            matching = Matching(pairs=[Pair(written[0].stem, written[0], written[1])],
                                image_count=1, mask_count=1)
            case = replace(case, ignored=[])
        else:
            matching = (Matching.of_rule(with_alternatives(
                match_one_folder(case.files, pattern), True))
                if pattern is not None else match_beside(case, suffixes, False))
        name = case.folder.name
        merged.pairs += [Pair(f"{name}/{pair.stem}", pair.image, pair.mask, group=name)
                         for pair in matching.pairs]
        merged.missing += matching.missing
        merged.orphans += matching.orphans
        merged.duplicates.update({f"{name}/{stem}": paths
                                  for stem, paths in matching.duplicates.items()})
        merged.numbered.update({f"{name}/{stem}": paths
                                for stem, paths in matching.numbered.items()})
        merged.image_count += matching.image_count
        merged.mask_count += matching.mask_count
        ignored += case.ignored
        nested += case.subfolders
    if not merged.pairs:
        return None
    ignored += [folder for folder in images.subfolders
                if folder not in {case.folder for case in cases}]
    paged = pair_pages([(pair.stem, pair.image, pair.mask) for pair in merged.pairs])
    pairs = [Pair(stem, image, mask, group=stem.split("/", 1)[0])
             for stem, image, mask in paged.pairs]
    groups = sorted({pair.group for pair in pairs})
    first = merged.pairs[0]
    source: RuleSource = ("given" if pattern is not None or tuple(suffixes) != MASK_SUFFIXES
                          else "default")
    rule = replace(build_rule(source, merged, None, suffixes, True, len(paged.paged)),
                   layout="case folders", groups=len(groups),
                   example=(f"{first.group}/{first.image.name}",
                            f"{first.group}/{first.mask.name}"))
    findings = [*words.matching_findings(merged, ignored, nested, None, suffixes, False, False),
                words.case_folders(images.folder, groups, len(pairs), MIN_CASE_FOLDERS),
                *rule_findings(merged, None, rule, paged)]
    written_folders = sum(found is not None for found in labelme)
    if written_folders:
        if written_folders == len(cases):  # one pair per folder: no case to keep whole
            findings = [finding for finding in findings if finding.id != "pairing.case_folders"]
        findings.append(labelme_folders(images.folder, written_folders, pictures, extras))
    return PairingResult(pairs, findings, images.folder, None, rule)


# --- masks of one object in parts: Montgomery's ManualMask/leftMask/ and rightMask/ ------------

#: A folder counts as another set of the masks when it holds files of this share of the
#: names looked for (and two).
MIN_SHARED_NAME_SHARE = 0.5


def folders_sharing_names(folder: Path, names: Collection[str], exclude: Collection[Path],
                          key: Callable[[Path], Iterable[str]]) -> list[tuple[Path, int]]:
    """The sub-folders of ``folder`` (but ``exclude`` and pictures of the labels) holding
    files whose ``key`` is one of ``names``, for :data:`MIN_SHARED_NAME_SHARE` of them (and
    two): ``(sub-folder, names held)``."""
    needed = _names_needed(names)
    return [(sub, len(held)) for sub, held in _names_by_folder(folder, names, exclude, key)
            if len(held) >= needed]


def _names_needed(names: Collection[str]) -> int:
    return max(2, math.ceil(MIN_SHARED_NAME_SHARE * len(names)))


def _names_by_folder(folder: Path, names: Collection[str], exclude: Collection[Path],
                     key: Callable[[Path], Iterable[str]]) -> list[tuple[Path, set[str]]]:
    """Each sub-folder of ``folder`` (but ``exclude`` and pictures of the labels) whose files
    hold one of ``names`` by ``key``, with the names it holds."""
    try:
        listing = list_folder(folder, "mask", require_files=False)
    except UserError:
        return []
    excluded = {path.resolve() for path in exclude}
    found = []
    for sub in listing.subfolders:
        if sub.resolve() in excluded or sub.name.lower() in VISUALISATION_FOLDERS:
            continue
        try:
            files = list_folder(sub, "mask", require_files=False).files
        except UserError:
            continue
        held = {name for path in files for name in key(path)} & set(names)
        if held:
            found.append((sub, held))
    return found


def parts_hint(masks: Listing, image_stems: Collection[str], suffixes: Sequence[str],
               images_folder: Path | None = None) -> str:
    """For a mask folder holding no file: ``; leftMask/ and rightMask/ each hold masks named
    as the images ...`` when its sub-folders do; "" otherwise. The images' own folder
    (``images_folder``, when it lies there) is never offered as masks, nor a single folder
    of field-of-view masks (DRIVE's ``mask/`` beside ``images/`` and ``1st_manual/``; parts
    of one object, two folders or more, may each be one region in every image). Folders
    naming different images (classes: benign/ 6, malignant/ 4, normal/ 2 of 12) are told
    apart from parts, however unevenly the images are shared among them."""
    def keys(path: Path) -> set[str]:
        stem = stem_key(path)
        return {stem, strip_suffix(stem, suffixes) or stem}

    held = _names_by_folder(masks.folder, image_stems,
                            () if images_folder is None else (images_folder,), keys)
    found = [(path, len(names)) for path, names in held
             if len(names) >= _names_needed(image_stems)]
    if len(found) == 1 and holds_field_of_view(found[0][0]):
        return ""
    covered = set().union(*(names for _, names in held))
    if (len(held) > 1 and sum(len(names) for _, names in held) == len(covered)
            and len(covered) >= _names_needed(image_stems)):
        largest = max(held, key=lambda item: len(item[1]))[0]
        return (f"; {join_names([f'{path.name}/' for path, _ in held])} hold masks of "
                f"different images ({join_names([str(len(names)) for _, names in held])} of "
                f"{len(image_stems)}, none in two), consistent with one folder per class or "
                "part of the dataset (classes such as benign/ and malignant/): put their masks "
                f"into one folder and pass it; --masks {largest} alone leaves the other images "
                "without a mask")
    if not found:
        return _object_folders_hint(masks, image_stems)
    if len(found) == 1:
        return (f"; {found[0][0].name}/ holds masks named as {found[0][1]} of the images: pass "
                f"--masks {found[0][0]}")
    names = join_names([f"{path.name}/" for path, _ in found])
    counts = join_names([str(count) for _, count in found])
    return (f"; {names} each hold masks named as the images ({counts} of "
            f"{len(image_stems)}): if each set is one part of the object (a left and a right "
            "lung), merge them into one mask per image (their union) and pass that folder; "
            f"to train on one set, pass --masks {found[0][0]}")


def _object_folders_hint(masks: Listing, image_stems: Collection[str]) -> str:
    """``; 12 folders in masks/ are named as the images ...`` when at least half the mask
    folder's sub-folders are named as images and the first holds image files (one file per
    object, the Data Science Bowl's masks/ folders moved out of their sample folders); ""
    otherwise."""
    named = [folder for folder in masks.subfolders if stem_key(folder) in image_stems
             or folder.name in image_stems]
    if not named or 2 * len(named) < len(masks.subfolders):
        return ""
    try:
        first = list_folder(named[0], "mask", require_files=False)
    except UserError:
        return ""
    if not first.files:
        return ""
    shown = ", ".join([path.name for path in first.files[:2]]
                      + (["..."] if len(first.files) > 2 else []))
    return (f"; {plural(len(named), 'folder')} in {masks.folder.name}/ "
            f"{verb(len(named), 'is', 'are')} named as the images ({named[0].name}/ holding "
            f"{plural(len(first.files), 'file')}: {shown}), consistent with one file per "
            "object or class of that image: unetdiag reads one mask file per image, so merge "
            "each folder into one mask named as its image (their union, or a label map "
            "numbering them) and pass the folder of merged masks; the instance layout "
            "(<id>/images/<id>.<ext> beside <id>/masks/, given as one folder) is read as it is")


def root_parts_hint(root: Listing, cases: Sequence[Listing], suffixes: Sequence[str]) -> str:
    """For a folder holding neither images nor case folders that pair: ``; CXR_png/ holds the
    images and ManualMask/'s folders their masks ...`` when one of its folders holds files
    and another holds none but folders of masks named as those files; "" otherwise."""
    for case in cases:
        stems = {stem_key(path) for path in case.files}
        for folder in root.subfolders:
            if folder == case.folder:
                continue
            try:
                masks = list_folder(folder, "mask", require_files=False)
            except UserError:
                continue
            hint = "" if masks.files else parts_hint(masks, stems, suffixes)
            if hint:
                return (f"; {case.folder.name}/ holds images and {folder.name}/ folders of masks "
                        f"named as them: give --images {case.folder} and the mask folder"
                        f"{hint}")
    return ""

