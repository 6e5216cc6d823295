"""The words of pairing: findings about how images were paired with masks, and the hints a
failed pairing gives. The matching itself is :mod:`unetdiag.diag.data.pairing` and
:mod:`unetdiag.diag.data.pairing_inference`; nothing here decides a pair.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.companions import companion_kind, holds_ade20k_colours
from unetdiag.diag.data.misnamed_entries import misnamed_entries
from unetdiag.diag.data.name_case import case_hint
from unetdiag.diag.data.pairing_inference import Inference, padding_hint
from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch, stem_key
from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS
from unetdiag.diag.wording.text import join_names, plural, verb

#: At most this many files are named in a finding (its evidence gives the full count).
MAX_LISTED_FILES = 20
#: At most this many names are quoted in a one-line error message.
MAX_NAMES_IN_MESSAGE = 3
SOURCE = "pairing"


def capped(files: Iterable[Path | str]) -> tuple[str, ...]:
    return tuple(str(f) for f in list(files)[:MAX_LISTED_FILES])


def pairing_finding(finding_id: str, severity: Severity, title: str, explanation: str,
                    fix: str, evidence: dict, files: Sequence[Path | str]) -> Finding:
    evidence = {**evidence, "files_listed": min(len(files), MAX_LISTED_FILES)}
    return Finding(finding_id, severity, title, explanation, fix, evidence, capped(files),
                   SOURCE)


def pattern_flag(pattern: MaskPattern, whole_stem_keys: bool) -> str:
    """The command-line option that pairs by ``pattern``: ``--mask-suffix`` where it is a
    plain suffix of whole image names, ``--mask-pattern`` otherwise.

    >>> pattern_flag(MaskPattern.parse("{key}_L"), True)
    '--mask-suffix _L'
    >>> pattern_flag(MaskPattern.parse("{key}_manual1"), False)
    "--mask-pattern '{key}_manual1'"
    """
    if pattern.is_suffix and pattern.tail and whole_stem_keys:
        return f"--mask-suffix {shlex.quote(pattern.tail)}"
    return f"--mask-pattern {shlex.quote(pattern.text)}"


def set_flag(pattern: MaskPattern, files: Sequence[Path], stems: Iterable[str]) -> str:
    """The option that pairs the images with the set ``files`` named by ``pattern``:
    ``--mask-suffix`` when each file's name is one of the images' whole ``stems`` plus the
    tail.

    >>> set_flag(MaskPattern.parse("{key}_mask"), [Path("21_training_mask.gif")],
    ...          ["21_training"])
    '--mask-suffix _mask'
    """
    known = set(stems)
    whole = pattern.is_suffix and all(
        stem_key(path)[:len(stem_key(path)) - len(pattern.tail)] in known for path in files)
    return pattern_flag(pattern, whole)


def image_stems(matching: Any) -> list[str]:
    """The image names of ``matching`` (a :class:`RuleMatch` or a ``Matching``): of its
    pairs, ``(image, mask, key)`` triples or ``Pair`` objects (whose image may be a page
    reference, ``stack.tif#page=3``), and of its images without a mask."""
    return [stem_key(Path(str(pair[0] if isinstance(pair, tuple) else pair.image
                              ).split("#", 1)[0])) for pair in matching.pairs] + [
        stem_key(path) for path in matching.missing]


def rule_flag(match: RuleMatch) -> str:
    return pattern_flag(match.pattern, match.whole_stem_keys)


def describe_rule(match: RuleMatch) -> str:
    """``mask name = image name + _1stHO`` or ``mask name = {key}_manual1, {key} being the
    start of the image name up to a separator``."""
    pattern, position = match.pattern, match.key_position
    if position == "whole":
        if not pattern.names_masks:
            return "mask name = image name"
        return (f"mask name = image name + {pattern.tail}" if pattern.is_suffix
                else f"mask name = {pattern.head} + image name")
    return (f"mask name = {pattern.text}, {{key}} being the {position} of the image name up "
            "to a separator")


def _example(match: RuleMatch) -> str:
    example = match.example()
    return f"{example[0]} ↔ {example[1]}" if example else ""


def rule_inferred(match: RuleMatch, default_suffixes: Sequence[str], others: Sequence[RuleMatch],
                  tree: tuple[str, int, int] | None = None) -> Finding:
    """``pairing.rule_inferred``: the names gave one rule that pairs every file (of one
    folder of mirrored trees, ``tree``: that folder's name, and the pairs and images the rule
    gave in the whole tree)."""
    flag = rule_flag(match)
    pairs = len(match.pairs) if tree is None else tree[1]
    alternatives = [rule_flag(other) for other in others]
    stems = image_stems(match)
    alternatives += [flag for flag in (set_flag(pattern, files, stems)
                                       for pattern, files in match.alternatives)
                     if flag not in alternatives]
    also = (f" {join_names(alternatives)} would pair the same images with other masks "
            "(another annotator, version or encoding of the labels); this set was chosen as "
            "named for labels rather than drawn in colour, or as first by name."
            if alternatives else "")
    return pairing_finding(
        "pairing.rule_inferred", Severity.INFO,
        f"Masks paired by their names: {describe_rule(match)}"
        f" ({plural(pairs, 'pair')})",
        (f"No mask has its image's name or a default suffix ({', '.join(default_suffixes)}), "
         f"but one rule pairs all {plural(pairs, 'image')} one to one, e.g. {_example(match)}."
         if tree is None else
         f"In {tree[0]}/, the first folder whose images the default names "
         f"({', '.join(default_suffixes)} or the image's name) leave without a mask, one rule "
         f"pairs all {plural(len(match.pairs), 'image')} one to one, e.g. {_example(match)}; "
         f"applied to every folder, it pairs {pairs} of {plural(tree[2], 'image')}.")
        + also,
        f"Nothing to do if this is the pairing you mean; pass {flag} to make it explicit"
        + (f", or {' or '.join(alternatives)} for the other masks." if alternatives
           else "."),
        {"rule": match.pattern.text, "flag": flag, "pairs": pairs,
         "example": list(match.example() or ()), "alternatives": alternatives},
        [])


def _covered_elsewhere(matching: Any) -> str:
    """The sentence naming the images without a mask that another set of masks covers
    (``matching.alternatives``), with the flag that pairs every image; empty when none."""
    missing = {stem_key(path) for path in matching.missing}
    for pattern, files in getattr(matching, "alternatives", ()):
        covered = missing & {pattern.key_of(stem_key(path)) for path in files}
        if not covered:
            continue
        every = covered == missing and len(files) == len(matching.pairs) + len(covered)
        return (f" {plural(len(covered), 'of them has', 'of them have')} a mask under "
                f"another name, {pattern.mask_stem('<stem>')}.<ext>: "
                f"{set_flag(pattern, files, image_stems(matching))} pairs "
                + (f"all {plural(matching.image_count, 'image')}." if every
                   else f"{plural(len(files), 'image')}."))
    return ""


def instance_folders(images_dir: Path, object_files: dict[str, int]) -> Finding:
    """``pairing.instance_folders``: masks that are folders of object files."""
    counts = sorted(object_files.values())
    pairs = len(counts)
    return pairing_finding(
        "pairing.instance_folders", Severity.INFO,
        f"{plural(pairs, 'mask')} {verb(pairs, 'is a folder', 'are folders')} of object "
        f"masks ({counts[0]}-{counts[-1]} objects per image); each is read as their union",
        f"{images_dir} holds one folder per image: <id>/images/<id>.<ext> and, in "
        "<id>/masks/, one file per object (the Kaggle Data Science Bowl 2018 layout). Each "
        "image's mask is the maximum of its object files decoded under the mask policy: for "
        "objects drawn bright on a dark background, the union of the objects. Objects that "
        "touch merge into one region.",
        "Nothing to do for binary segmentation. To keep touching objects apart, train on "
        "their boundaries or on instance labels with another tool.",
        {"pairs": pairs, "object_files": sum(counts), "fewest_objects": counts[0],
         "most_objects": counts[-1]},
        [])


def tiles(pairs: Sequence[Any], sources: int) -> Finding:
    """``pairing.tiles``: the names are tiles of larger images; the split keeps each image's
    tiles together (:mod:`unetdiag.diag.data.tiles`)."""
    first = pairs[0]
    return pairing_finding(
        "pairing.tiles", Severity.INFO,
        f"{plural(len(pairs), 'pair')} named as tiles of {sources} images; the split keeps "
        "each image's tiles together",
        f"Nearly every name ends in a tile's position, two coordinates or QuPath's region "
        f"([x=..,y=..]) ({first.stem}: image {first.group}), and "
        "several images have tiles in both directions: consistent with tiles cut from larger "
        "images. Tiles of one image touch, and overlap when cut with a stride below their "
        "size, so a split by tile would let validation score the neighbours of what training "
        "saw. The split takes whole images' tiles up to the validation share.",
        "Nothing to do. If the numbers are not tile positions, the split is only coarser "
        "than it needs to be.",
        {"pairs": len(pairs), "source_images": sources, "example": first.stem}, [])


def numbered_masks(numbered: dict[str, list[Path]], counts: dict[str, int]) -> Finding:
    """``pairing.numbered_masks``: files named ``<mask stem>_<n>`` merged into that mask."""
    stem, files = next(iter(sorted(numbered.items())))
    extra = sum(len(paths) for paths in numbered.values())
    return pairing_finding(
        "pairing.numbered_masks", Severity.INFO,
        f"{plural(len(numbered), 'image')} {verb(len(numbered), 'has', 'have')} numbered "
        f"further masks ({plural(extra, 'file')}); each image's mask is the union of its files",
        f"Beside a paired mask, {join_names([path.name for path in files])} "
        f"{verb(len(files), 'is', 'are')} named like it with a number (image {stem}). "
        "They are read as one file per object, as the BUSI breast ultrasound set stores a "
        "second lesion, and merged (the maximum of the files, as for a folder of object "
        "masks): read alone, the first file would leave those objects as background, and "
        "counted as images, the numbered files would have no mask. How much the files "
        "overlap is in mask.instance_objects: objects that mostly overlap are more likely "
        "a second annotation of the same object than a further object.",
        "Nothing to do if each file holds other objects. If they are alternative "
        "annotations, move them out of the folder.",
        {**counts, "images_with_numbered_masks": len(numbered), "numbered_files": extra},
        [path for paths in numbered.values() for path in paths])


def case_folders(images_dir: Path, folder_names: Sequence[str], pair_count: int,
                 min_case_folders: int) -> Finding:
    """``pairing.case_folders``: pairs found one level down, paired within each folder; the
    split keeps ``min_case_folders`` or more folders whole (:func:`~unetdiag.diag.data.
    split.split_pairs`), and splits fewer by file (a warning: if they are cases, their
    slices are on both sides)."""
    count = len(folder_names)
    opening = (f"{images_dir} holds no image itself but {plural(count, 'folder')} of images "
               "with their masks beside them, paired within each folder and named "
               "<folder>/<name>. ")
    if count >= min_case_folders:
        return pairing_finding(
            "pairing.case_folders", Severity.INFO,
            f"{plural(pair_count, 'pair')} found in {count} case folders; the split keeps "
            "each folder whole",
            opening + "They are read as cases (one patient, scan or video each, as in the "
            "Kaggle LGG MRI set): slices of one case look alike, so a split by file would let "
            "validation score images almost identical to training ones. The split puts each "
            "folder's pairs all in training or all in validation, taking whole folders up to "
            "the validation share, so the share follows the folders' sizes.",
            "Nothing to do. To split by file instead, put the images and masks in one folder.",
            {"pairs": pair_count, "case_folders": count, "split": "whole folders"}, [])
    return pairing_finding(
        "pairing.case_folders", Severity.WARNING,
        f"{plural(pair_count, 'pair')} found in {plural(count, 'folder')} ("
        f"{join_names(folder_names)}); too few to split whole, so each is split by file",
        opening + f"Kept whole, {'the folder' if count == 1 else 'one folder'} would be the "
        "whole validation set (or nothing would be left to validate on), so the split takes "
        "the validation share from each folder by file and each folder keeps its share on "
        "both sides: right for folders of classes or sources (BUSI's benign/, malignant/ and "
        "normal/). If each folder is one patient, scan or video, its slices look alike and "
        "validation scores images almost identical to training ones.",
        f"Nothing to do for folders of classes or sources. For cases, give a folder holding "
        f"at least {min_case_folders} case folders, which are split whole.",
        {"pairs": pair_count, "case_folders": count, "split": "by file within each folder"},
        [])


def instance_objects(mask_paths: Sequence[str], object_files: Sequence[int],
                     overlap_pixels: Sequence[int], source: str) -> Finding:
    """``mask.instance_objects``: objects per image of masks that are sets of object files
    (a folder of them, or numbered masks), and the pixels objects share (the audit's, read
    from every file)."""
    counts = sorted(object_files)
    overlapping = [(path, pixels) for path, pixels in zip(mask_paths, overlap_pixels,
                                                          strict=True) if pixels > 0]
    masks = len(counts)
    shared = ("pixels inside two or more objects count once in the union; in the DSB 2018 "
              "layout, and for BUSI's lesions, objects are not meant to overlap" if overlapping
              else "no pixel lies inside two of them")
    overlap_text = (f"objects overlap in {plural(len(overlapping), 'mask')} "
                    f"({plural(sum(pixels for _, pixels in overlapping), 'pixel')})"
                    if overlapping else "no two objects overlap")
    return Finding(
        "mask.instance_objects", Severity.INFO,
        f"{counts[0]}-{counts[-1]} objects per image (median {counts[masks // 2]}) in "
        f"{plural(masks, 'set')} of object masks; {overlap_text}",
        f"Each file counts as one object (a numbered mask may hold several); each image's "
        f"mask is their union, so objects that touch merge into one region (the summary's "
        f"connected regions can be fewer than the files). An object is the pixels of its file "
        f"above the midpoint of that file's own range; {shared}.",
        "Nothing to do for binary segmentation" + (
            "; check the listed masks for objects drawn twice." if overlapping else "."),
        {"masks": masks, "object_files": sum(counts), "fewest_objects": counts[0],
         "most_objects": counts[-1], "median_objects": counts[masks // 2],
         "overlapping_masks": len(overlapping),
         "overlap_pixels": sum(pixels for _, pixels in overlapping),
         "objects_per_mask": dict(list(zip(mask_paths, (int(c) for c in object_files),
                                           strict=True))[:MAX_LISTED_FILES])},
        capped(path for path, _ in overlapping), source)


# --------------------------------------------------------------------------- leftovers


def where_masks_are_looked_for(masks_dir: Path | None, suffixes: Sequence[str],
                               pattern: MaskPattern | None = None) -> str:
    """Where and under which names masks were looked for (for errors and findings)."""
    where = "beside each image" if masks_dir is None else f"in {masks_dir}"
    if pattern is not None:
        return f"masks are looked for as {pattern.text}.<ext> {where}"
    first, others = (suffixes[0], suffixes[1:]) if suffixes else ("_mask", ())
    alternatives = f" (or {', '.join(others)})" if others else ""
    if masks_dir is None:
        return (f"masks are looked for as <stem>{first}.<ext>{alternatives} beside each image; "
                "give the mask folder if masks live elsewhere")
    return (f"masks are looked for as <stem>.<ext> or <stem>{first}.<ext>{alternatives} "
            f"in {masks_dir}")


def _competing_suffixes(duplicates: dict[str, list[Path]],
                       suffixes: Sequence[str]) -> list[str] | None:
    """The mask suffixes whose files compete for the same images, when every duplicate stem
    is one image with masks under distinct ``suffixes`` (``a_mask.png`` and ``a_seg.png``);
    None otherwise."""
    used: set[str] = set()
    for stem, paths in duplicates.items():
        extras = [stem_key(path)[len(stem):] for path in paths
                  if stem_key(path).startswith(stem)]
        masks = [extra for extra in extras if extra]
        if (len(extras) != len(paths) or len(extras) - len(masks) > 1 or len(masks) < 2
                or len(set(masks)) < len(masks) or not set(masks) <= set(suffixes)):
            return None
        used.update(masks)
    return sorted(used, key=list(suffixes).index)


def key_clashes(duplicates: dict[str, list[Path]], pattern: MaskPattern | None,
                ) -> list[tuple[str, list[Path], list[Path]]] | None:
    """The duplicates of a pairing by ``pattern`` as ``(key, images, masks)``, one per key,
    when each left-out stem is one image (images of different names giving one key, or a key
    naming several masks, not several files of one stem); None otherwise."""
    if pattern is None or not pattern.names_masks:
        return None
    clashes: dict[tuple[Path, ...], list[Path]] = {}
    for stem, paths in duplicates.items():
        images = [path for path in paths if stem_key(path) == stem]
        masks = tuple(path for path in paths if pattern.key_of(stem_key(path)) is not None
                      and stem_key(path) != stem)
        if len(images) != 1 or not masks or len(images) + len(masks) != len(paths):
            return None
        clashes.setdefault(masks, []).append(images[0])
    return [(str(pattern.key_of(stem_key(masks[0]))), images, list(masks))
            for masks, images in clashes.items()]


def _key_clash(clashes: list[tuple[str, list[Path], list[Path]]], pattern: MaskPattern,
               counts: dict[str, int]) -> Finding:
    """``pairing.duplicate_stem`` of a pairing by pattern: images whose names give one key,
    or keys naming several masks; none used."""
    images = [path for _, found, _ in clashes for path in found]
    files = images + [path for _, _, masks in clashes for path in masks]
    key, first, masks = clashes[0]
    example = (f"{join_names([path.name for path in first])} "
               f"{'both' if len(first) == 2 else 'all'} give the key {key}"
               if len(first) > 1 else f"{first[0].name} gives the key {key}")
    causes = " or ".join(cause for cause, found in (
        ("images whose names give the same key claim the same mask",
         any(len(images) > 1 for _, images, _ in clashes)),
        ("a key names several masks", any(len(masks) > 1 for _, _, masks in clashes)))
        if found)
    return pairing_finding(
        "pairing.duplicate_stem", Severity.ERROR,
        f"{plural(len(images), 'image')} {verb(len(images), 'is', 'are')} not paired one to "
        f"one by {pattern.text}; none of them is used",
        f"Under {pattern.text}, {causes} ({example}, naming {join_names([m.name for m in masks])}; "
        f"{plural(len(clashes), 'key')} in all). Picking one would be a guess, so these "
        "images are left out of training and validation.",
        "Keep one image per key and one mask per image (move the others out of the folder), "
        "or give a pattern whose key tells them apart.",
        {**counts, "duplicate_stems": len(images), "duplicate_files": len(files),
         "keys": [key for key, _, _ in clashes][:MAX_LISTED_FILES]}, files)


def _duplicate_stems(duplicates: dict[str, list[Path]], suffixes: Sequence[str],
                     counts: dict[str, int]) -> Finding:
    """``pairing.duplicate_stem``: several images or masks for one stem, none used; when
    masks under two suffixes compete, the option that chooses between them."""
    files = [path for paths in duplicates.values() for path in paths]
    evidence = {**counts, "duplicate_stems": len(duplicates), "duplicate_files": len(files),
                "stems": list(duplicates)[:MAX_LISTED_FILES]}
    competing = _competing_suffixes(duplicates, suffixes)
    if competing is not None:
        others = " or ".join(f"--mask-suffix {suffix}" for suffix in competing[1:])
        how_many = "two" if len(competing) == 2 else str(len(competing))
        return pairing_finding(
            "pairing.duplicate_stem", Severity.ERROR,
            f"{plural(len(duplicates), 'image')} {verb(len(duplicates), 'has', 'have')} a "
            f"mask under {how_many} suffixes, {join_names(competing)}; none of them is used",
            f"Each of these images has a mask named <stem>{competing[0]} and another named "
            f"{join_names(['<stem>' + suffix for suffix in competing[1:]])} (sets of masks "
            "side by side: labels and, e.g., a model's predictions or another annotator's). "
            "Picking one would be a guess, so these images are left out of training and "
            "validation.",
            f"Choose one set of masks with --mask-suffix {competing[0]} (or {others}), for "
            "audit-data and train alike.",
            {**evidence, "suffixes": competing}, files)
    return pairing_finding(
        "pairing.duplicate_stem", Severity.ERROR,
        f"{plural(len(duplicates), 'stem')} {verb(len(duplicates), 'matches', 'match')} "
        "several files; none of them is used",
        "More than one image, or more than one mask, has the same stem (e.g. a.png and "
        "a.jpg). Picking one would be a guess (one may be a lossy re-save of the other), "
        "so every file of such a stem is left out of training and validation.",
        "Keep exactly one image and one mask per stem; delete or rename the others.",
        evidence, files)


def matching_findings(matching: Any, ignored: Sequence[Path], subfolders: Sequence[Path],
                      masks_dir: Path | None, suffixes: Sequence[str], same_folder: bool,
                      allow_same_file: bool, instance_layout: bool = False,
                      looked_for: str | None = None) -> list[Finding]:
    """The findings of a pairing's leftovers: ``pairing.same_file``, ``numbered_masks``,
    ``duplicate_stem``, ``missing_mask``, ``orphan_mask`` and ``ignored_files``.
    ``matching`` is the pairing's work in progress (pairs, same_file, numbered, duplicates,
    missing, orphans, counts, pattern); ``looked_for`` says where masks were looked for when
    no suffix or pattern did (pairing by extension)."""
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
        findings.append(pairing_finding(
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
    if matching.numbered:
        findings.append(numbered_masks(matching.numbered, counts))
    clashes = key_clashes(matching.duplicates, matching.pattern)
    if clashes:
        findings.append(_key_clash(clashes, matching.pattern, counts))
    elif matching.duplicates:
        findings.append(_duplicate_stems(matching.duplicates, suffixes, counts))
    padding = padding_hint(matching.missing, matching.orphans)
    padding = padding or case_hint(matching.missing, matching.orphans, suffixes)
    padding = f" {padding[2].upper()}{padding[3:]}." if padding else ""
    if matching.missing:
        findings.append(pairing_finding(
            "pairing.missing_mask", Severity.WARNING,
            f"{len(matching.missing)} of {matching.image_count} images have no mask",
            f"These images are left out of training and validation; "
            f"{looked_for or where_masks_are_looked_for(masks_dir, suffixes, matching.pattern)}."
            + _covered_elsewhere(matching) + padding,
            # masks that exist under another case or padding are renamed, not added
            ("Rename one side of the pairs named above to the other's name; add the masks "
             "still missing, or move those images out of the folder." if padding else
             "Add the missing masks, or move the images out of the folder."),
            {**counts, "missing_masks": len(matching.missing)},
            matching.missing))
    if matching.orphans:
        findings.append(pairing_finding(
            "pairing.orphan_mask", Severity.WARNING,
            f"{len(matching.orphans)} of {matching.mask_count} masks have no image",
            "No image has the stem these masks point to; they are not used."
            + (padding or " A renamed image or a typo in a stem often explains a handful of "
               "these."),
            ("Rename one side of the pairs named above to the other's name; check the other "
             "names, or remove those masks." if padding else
             "Check the names, or remove the masks."),
            {**counts, "orphan_masks": len(matching.orphans)},
            matching.orphans))
    misnamed, ignored, subfolders = misnamed_entries(ignored, subfolders)
    findings += misnamed
    if ignored or subfolders:
        searched = ("folders without an images/ folder are not sample folders"
                    if instance_layout else "sub-folders are not searched")
        findings.append(pairing_finding(
            "pairing.ignored_files", Severity.INFO,
            " and ".join(([plural(len(ignored), "file")] if ignored else [])
                         + ([plural(len(subfolders), "folder")] if subfolders else []))
            + f" {verb(len(ignored) + len(subfolders), 'was', 'were')} ignored",
            "Only files with a supported extension "
            f"({' '.join(SUPPORTED_EXTENSIONS)}) are paired; {searched}.",
            "Nothing to do unless one of these is an image or mask in an unsupported format.",
            {"ignored_files": len(ignored), "ignored_folders": len(subfolders)},
            [*ignored, *(f"{path}/" for path in subfolders)]))
    return findings


# --------------------------------------------------------------------------- error hints


def names(paths: Sequence[Path], ending: str = "") -> str:
    listed = [path.name + ending for path in paths[:MAX_NAMES_IN_MESSAGE]]
    return ", ".join(listed) + (", ..." if len(paths) > MAX_NAMES_IN_MESSAGE else "")


def inference_hint(inference: Inference | None) -> str:
    """What the names suggest, for the one-line "no pairs" error ("" when nothing)."""
    if inference is None:
        return ""
    if inference.tied:
        rules = ", ".join(f"{rule_flag(match)} ({_example(match)})"
                          for match in inference.others[:MAX_NAMES_IN_MESSAGE])
        return (f"; several rules pair every file one to one but pair different images: "
                f"{rules}; pass the one you mean")
    best = [match for match in inference.partial
            if len(match.pairs) * 2 >= match.image_count][:2]
    if not best:
        return ""
    hints = []
    for match in best:
        left = match.missing + [path for paths in match.duplicates.values() for path in paths]
        left_text = (f" and leaves {names(left)} without a mask" if match.missing else
                     f" and leaves {names(left)} undecided" if left else "")
        orphans = f", {plural(len(match.orphans), 'mask')} unused" if match.orphans else ""
        hints.append(f"{rule_flag(match)} ({_example(match)}) pairs {len(match.pairs)} of "
                     f"{plural(match.image_count, 'image')}{left_text}{orphans}")
    return f"; closest rule: {'; or '.join(hints)}: pass it to pair by it"


def checked_kind(tail: str, paths: Sequence[Path]) -> str:
    """:func:`~unetdiag.diag.data.companions.companion_kind`, "files" for a ``_parts_N`` set
    whose content is no ADE20K part mask (crops named so are images)."""
    kind = companion_kind(tail)
    return "files" if kind == "part masks" and not holds_ade20k_colours(paths) else kind


def companions_hint(sets: Sequence[tuple[str, list[Path]]]) -> str:
    """Files set apart by their names as not masks, for the one-line "no pairs" error."""
    if not sets:
        return ""
    files = [path for _, found in sets for path in found]
    tails = join_names([tail for tail, _ in sets])
    count = len(files)
    kinds = {checked_kind(tail, paths) for tail, paths in sets}
    return (f"; {plural(count, 'file')} named after an image beside {verb(count, 'it', 'them')}"
            f" ({tails}: {names(files)}) "
            + (f"{verb(count, 'is a part mask', 'are part masks')}, not images: pass "
               f"--mask-suffix {shlex.quote(sets[0][0])} to pair them, or give the folder of "
               "masks with --masks DIR" if kinds == {"part masks"} else
               f"{verb(count, 'is named', 'are named')} as ADE20K's part masks are but hold "
               "no RGB label maps in its encoding: if they are images, give the folder of "
               "masks with --masks DIR" if kinds == {"files"} else
               f"{verb(count, 'is a superpixel map', 'are superpixel maps')}, neither images "
               "nor masks: give the folder of masks with --masks DIR"))


#: Annotations that are no mask image (labelme JSON, YOLO or CSV boxes, VOC XML): a mask has
#: to be drawn from them, which "save the masks as PNG" would not say.
_ANNOTATION_EXTENSIONS = frozenset({".json", ".txt", ".xml", ".csv", ".yaml", ".yml"})


def unreadable_masks_hint(ignored: Sequence[Path], images: Sequence[Path],
                          suffixes: Sequence[str]) -> str:
    """The files named as an image's mask (``<stem>_mask.npy`` beside ``<stem>.png``) whose
    extension unetdiag does not read: they are the masks, in a format it cannot pair."""
    stems = {stem_key(path) for path in images}
    named = [path for path in ignored
             if path.suffix.lower() not in _ANNOTATION_EXTENSIONS and path.is_file()
             and any(key.endswith(suffix) and key[:len(key) - len(suffix)] in stems
                     for key in (stem_key(path),) for suffix in ("", *suffixes))]
    if not named:
        return ""
    extensions = sorted({path.suffix.lower() or "(none)" for path in named})
    return (f"; {plural(len(named), 'file')} named as an image's mask "
            f"{verb(len(named), 'has', 'have')} an extension unetdiag does not read "
            f"({' '.join(extensions)}: {names(named)}); save the masks as PNG (supported: "
            f"{' '.join(SUPPORTED_EXTENSIONS)})")
