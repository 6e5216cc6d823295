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
* **Images and masks by extension** (``masks_dir`` omitted or the image folder): ``75.jpg``
  with ``75.png`` in one folder, as MSRA10K stores them, when the folder splits cleanly into
  JPEG images and masks of one lossless extension
  (:mod:`unetdiag.diag.data.pairing_extensions`, ``pairing.by_extension``).
* **Mirrored folders** (``masks_dir`` given, both holding folders, not files):
  ``images/<case>/<n>.png`` pairs with ``masks/<case>/<n>.png``, folder by folder, each folder
  a group as a case folder is (:mod:`unetdiag.diag.data.pairing_trees`).

When the default names pair nothing or leave images without a mask, the names are searched
for the one rule that pairs every file one to one (:mod:`unetdiag.diag.data.pairing_inference`:
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

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

from unetdiag.diag.data import pairing_extensions as extension_words
from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data import pairing_pages as page_words
from unetdiag.diag.data import pairing_sets as set_words
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
from unetdiag.diag.data.foreign_formats import foreign_hint
from unetdiag.diag.data.instances import (
    IMAGES_FOLDER,
    MASKS_FOLDER,
    find_instance_layout,
    is_instance_layout,
)
from unetdiag.diag.data.name_case import case_hint
from unetdiag.diag.data.pairing_alternatives import set_alternatives_apart, with_alternatives
from unetdiag.diag.data.pairing_extensions import ExtensionSplit, split_by_extension
from unetdiag.diag.data.pairing_findings import (
    MAX_LISTED_FILES,
    MAX_NAMES_IN_MESSAGE,
    SOURCE,
)
from unetdiag.diag.data.pairing_inference import Inference, infer_rule, padding_hint
from unetdiag.diag.data.pairing_match import (
    MASK_SUFFIXES,
    Matching,
    Pair,
    PairingResult,
    PairingRule,
    RuleSource,
    build_rule,
    file_of,
    match_beside,
    match_separate,
    rule_findings,
    same_file_paths,
)
from unetdiag.diag.data.pairing_rules import (
    MaskPattern,
    RuleMatch,
    match_one_folder,
    match_pattern,
    stem_key,
)
from unetdiag.diag.data.pairing_siblings import mask_values_held, sibling_masks
from unetdiag.diag.data.pairing_trees import (
    folders_sharing_names,
    pair_case_folders,
    pair_mirrored,
    parts_hint,
    root_parts_hint,
)
from unetdiag.diag.data.root_folders import (
    pairs_one_to_one,
    root_folders,
    root_folders_finding,
)
from unetdiag.diag.data.split_lists import (
    find_split_lists,
    voc_folders_hint,
    with_split_lists,
)
from unetdiag.diag.data.stacks import pair_pages, stacks_among
from unetdiag.diag.data.tiles import tile_sources
from unetdiag.diag.wording.text import plural
from unetdiag.exitcodes import ExitCode, UserError

__all__ = ["MASK_SUFFIXES", "MAX_LISTED_FILES", "MAX_NAMES_IN_MESSAGE", "SOURCE", "Pair",
           "PairingResult", "PairingRule", "discover_pairs"]


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
    Given suffixes that pair nothing are read as ``{key}<suffix>`` when exactly one of them
    so pairs every file one to one.

    Returns:
        A :class:`PairingResult`; its findings (source ``"pairing"``) are
        ``pairing.missing_mask`` (warning), ``pairing.orphan_mask`` (warning),
        ``pairing.duplicate_stem`` (error: several files claim one stem; none of them is
        used), ``pairing.same_file`` (error), ``pairing.ignored_files`` (info),
        ``pairing.rule_inferred`` (info), ``pairing.suffix_as_pattern`` (info: a given
        suffix paired after a key of the image names, :func:`_suffix_as_pattern`),
        ``pairing.alternative_masks`` (info; a warning when the default suffixes chose
        between two sets),
        ``pairing.instance_folders`` (info), ``pairing.stack_pages`` (info),
        ``pairing.stack_mismatch`` (warning), ``pairing.overview_pages`` (info: TIFF
        overviews left out of the pages), ``pairing.numbered_masks`` (info),
        ``pairing.companion_files`` (info), ``pairing.tiles`` (info) and ``pairing.split_lists``
        (info: PASCAL VOC's segmentation lists, :mod:`~unetdiag.diag.data.split_lists`).

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
    if hint and masks_path is None:
        from_root = _pair_root_folders(images, mask_suffixes, mask_pattern)
        if from_root is not None:
            return from_root
    if not images.files and masks_path is None and not hint:
        cases = case_listings(images)
        result = pair_case_folders(images, cases, mask_suffixes, pattern) if cases else None
        if result is not None:
            return result
        if not split_folders(images):
            searched = "unpaired" if cases else "empty"
        hint = same_names_hint(cases)
        if not hint and cases:
            hint = root_parts_hint(images, cases, mask_suffixes)
    if not images.files and masks_path is not None:
        mirrored = pair_mirrored(images, masks_path, mask_suffixes, pattern)
        if mirrored is not None:
            return mirrored
    if not images.files:
        raise UserError(no_images_message(images, "image", searched, hint))
    same_folder = masks_path is not None and same_file_paths(images_dir, masks_path)
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
        matching = Matching.of_rule(with_alternatives(
            match_one_folder(images.files, pattern) if one_folder
            else match_pattern(images.files, mask_files, pattern), one_folder))
    else:
        matching = (match_beside(images, mask_suffixes, same_folder) if one_folder
                    else match_separate(images, masks, mask_suffixes))
        if not same_folder:
            set_alternatives_apart(matching, [(pair.image, pair.mask, pair.stem)
                                              for pair in matching.pairs],
                                   MaskPattern("", ""), one_folder)
    widened = None
    if pattern is None and source == "given" and not matching.pairs and not same_folder:
        widened = _suffix_as_pattern(images.files, mask_files, mask_suffixes)
        if widened is not None:
            matching = Matching.of_rule(widened)
    by_extension = extension_refusal = None
    if (pattern is None and source == "default" and one_folder and matching.duplicates
            and not matching.pairs):
        split = split_by_extension(images.files)
        if isinstance(split, ExtensionSplit):
            by_extension = split
            matching, source = by_extension.matching, "by extension"
        else:
            extension_refusal = split
    inference = None
    if by_extension is None and not same_folder and (
            not matching.pairs or (source == "default" and matching.missing)):
        inference = infer_rule(images.files, mask_files)
        if source == "default" and inference.chosen is not None:
            matching = Matching.of_rule(inference.chosen)
            source = "inferred"
    matching.companions = named + matching.companions

    listings = [images] + ([masks] if masks is not None else [])
    findings = words.matching_findings(
        matching, [path for listing in listings for path in listing.ignored],
        [path for listing in listings for path in listing.subfolders], masks_path,
        mask_suffixes, same_folder, allow_same_file,
        looked_for=None if by_extension is None else extension_words.looked_for(by_extension))
    pairs = list(matching.pairs)
    if allow_same_file:
        pairs = sorted(pairs + matching.same_file, key=lambda pair: pair.stem)
    if not pairs:
        raise UserError(_no_pairs_message(
            matching, images_dir, masks_path, mask_suffixes, same_folder, inference,
            images.files, [path for listing in listings for path in listing.ignored],
            mask_files) + ("" if extension_refusal is None else extension_refusal.clause()))
    paged = pair_pages([(pair.stem, pair.image, pair.mask) for pair in pairs])
    rule = build_rule(source, matching, inference, mask_suffixes, one_folder, len(paged.paged))
    if by_extension is not None:
        rule = replace(rule, mask_extension=by_extension.mask_extension)
        findings.append(extension_words.by_extension(images_dir, by_extension))
    findings += rule_findings(matching, inference, rule, paged, masks_path)
    if widened is not None:
        findings.append(set_words.suffix_as_pattern(widened.pattern.tail, widened, rule.flag))
    found = [Pair(*pair) for pair in paged.pairs]
    sources = tile_sources([pair.stem for pair in found])
    if sources is not None:  # tiles of one image are split as one (diag/data/tiles.py)
        found = [replace(pair, group=sources[pair.stem]) for pair in found]
        rule = replace(rule, groups=len(set(sources.values())))
        findings.append(words.tiles(found, rule.groups))
    if masks_path is not None and not same_folder:
        stems = {file_of(pair.mask).stem for pair in found}
        siblings = [(folder, held, content) for folder, held in folders_sharing_names(
            masks_path.parent, stems, (masks_path, images_dir), lambda path: (path.stem,))
            if (content := mask_values_held(folder, stems)) is not None]
        if siblings:
            findings.append(sibling_masks(masks_path, siblings, len(found),
                                          [file_of(pair.mask) for pair in found]))
    # PASCAL VOC: images without a mask that no segmentation list names are no missing masks
    lists = find_split_lists([images_dir] + ([masks_path] if masks_path is not None else []))
    if lists is not None:
        findings = with_split_lists(findings, lists, [file_of(pair.image) for pair in found],
                                    matching.missing)
    return PairingResult(found, findings, images_dir, masks_path, rule)


def _pair_root_folders(root: Listing, mask_suffixes: Sequence[str],
                       mask_pattern: str | None) -> PairingResult | None:
    """The pairs of a root's only two folders, images/ and masks/, when they pair one to one
    (:mod:`~unetdiag.diag.data.root_folders`); None keeps the refusal."""
    folders = root_folders(root)
    if folders is None:
        return None
    images_dir, masks_dir = folders
    try:
        result = discover_pairs(images_dir, masks_dir, mask_suffixes, mask_pattern=mask_pattern)
        images = list_folder(images_dir, "image")
        masks = list_folder(masks_dir, "mask")
    except UserError:
        return None
    if not pairs_one_to_one(result, images, masks):
        return None
    rule = replace(result.rule, root_folders=(images_dir.name, masks_dir.name))
    finding = root_folders_finding(root.folder, images_dir, masks_dir, len(images.files))
    return replace(result, findings=[finding, *result.findings], rule=rule)


def _suffix_as_pattern(files: Sequence[Path], mask_files: Sequence[Path] | None,
                       suffixes: Sequence[str]) -> RuleMatch | None:
    """The pairing by ``{key}<suffix>`` when given suffixes name no mask after a whole
    image name but one of them, after a key of each image's name (its start or end cut at a
    separator), pairs every file one to one: ``--mask-suffix _manual1`` for ``21_manual1.gif``
    beside ``21_training.tif``, as ``mask.nearly_identical`` proposes for DRIVE in one
    folder. None unless exactly one suffix does."""
    complete = []
    for suffix in dict.fromkeys(suffixes):
        if not suffix:
            continue
        pattern = MaskPattern("", suffix)
        match = with_alternatives(match_one_folder(files, pattern) if mask_files is None
                                  else match_pattern(files, mask_files, pattern),
                                  mask_files is None)
        if match.complete and match.consistent:
            complete.append(match)
    return complete[0] if len(complete) == 1 else None


def _list_masks(masks_dir: Path, images: Listing, suffixes: Sequence[str]) -> Listing:
    """The mask folder's listing; when it holds no file but its folders hold masks named as
    the images, the error says so (Montgomery's ManualMask/leftMask/ and rightMask/)."""
    masks = list_folder(masks_dir, "mask", require_files=False)
    if not masks.files:
        hint = parts_hint(masks, {stem_key(path) for path in images.files}, suffixes,
                          images.folder)
        raise UserError(no_images_message(masks, "mask", hint=hint or None))
    return masks


def _instance_folders(images: Listing) -> PairingResult:
    """Pairs of the instance layout: each sample folder's image with its ``masks/`` folder."""
    layout = find_instance_layout(images.subfolders, images.files + images.ignored)
    matching = Matching(
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


def _no_pairs_message(matching: Matching, images_dir: Path, masks_dir: Path | None,
                      suffixes: Sequence[str], same_folder: bool, inference: Inference | None,
                      files: Sequence[Path], ignored: Sequence[Path],
                      mask_files: Sequence[Path] | None = None) -> str:
    hint = (words.inference_hint(inference) or padding_hint(files, mask_files)
            or case_hint(matching.missing, matching.orphans, suffixes)
            or _order_hint(matching, masks_dir, suffixes))
    if hint and masks_dir is None:  # by the default names every file was an image
        counts = plural(len(files), "file")
    else:
        counts = (f"{plural(matching.image_count, 'image')}, "
                  f"{plural(matching.mask_count, 'mask')}")
    message = f"no image/mask pairs in {images_dir}: {counts}"
    if matching.same_file:
        where = "the mask folder is the image folder" if same_folder else "links to one file"
        return (f"{message}; all {len(matching.same_file)} candidate pairs use the image file "
                f"as its own mask ({where}); give a separate mask folder or name masks "
                f"<stem>{suffixes[0] if suffixes else '_mask'}.<ext>")
    clashes = words.key_clashes(matching.duplicates, matching.pattern)
    if clashes:
        shown = "; ".join(f"{words.names(images)}: key {key}"
                          for key, images, _ in clashes[:MAX_NAMES_IN_MESSAGE])
        more = "; ..." if len(clashes) > MAX_NAMES_IN_MESSAGE else ""
        why = " or ".join(cause for cause, found in (
            ("share a key with another image", any(len(images) > 1 for _, images, _ in clashes)),
            ("have several masks", any(len(masks) > 1 for _, _, masks in clashes))) if found)
        message += (f"; {plural(sum(len(images) for _, images, _ in clashes), 'image')} "
                    f"{why} under {matching.pattern.text} and were left out ({shown}{more})")
    elif matching.duplicates:
        stems = list(matching.duplicates)
        names = ", ".join(stems[:MAX_NAMES_IN_MESSAGE])
        more = ", ..." if len(stems) > MAX_NAMES_IN_MESSAGE else ""
        message += (f"; {len(stems)} stems have several files and were left out "
                    f"({names}{more})")
    return (f"{message}; {words.where_masks_are_looked_for(masks_dir, suffixes, matching.pattern)}"
            f"{hint}{words.unreadable_masks_hint(ignored, files, suffixes)}"
            f"{page_words.stacks_hint(stacks_among(files), mask_files or ())}"
            f"{page_words.stacks_hint(stacks_among(mask_files or ()), files, 'image')}"
            f"{words.companions_hint(matching.companions)}"
            f"{rle_hint([*ignored, *csv_files(images_dir.parent)])}"
            f"{voc_folders_hint(images_dir) if masks_dir is None else ''}"
            # labelme's JSON or YOLO's text beside the images: annotations to draw first
            f"{foreign_hint([path for path in ignored if path.suffix.lower() in _NOTES])}")


def _order_hint(matching: Matching, masks_dir: Path | None, suffixes: Sequence[str]) -> str:
    """``; the 12 images and 12 masks share no name ...`` for two folders holding as many
    files each with no name in common: pairing by position in two sorted lists (which many
    loaders do) would pair whatever sorts to the same place; "" otherwise. The names to
    give are those the default rule looks for, or, under --mask-pattern or --mask-suffix,
    the ones the message has just said masks are looked for as."""
    if (masks_dir is None or matching.pairs or matching.duplicates or not matching.missing
            or len(matching.missing) != len(matching.orphans)):
        return ""
    count = len(matching.missing)
    if matching.pattern is None and tuple(suffixes) == MASK_SUFFIXES:
        rename = ("name each mask after its image (<stem>.<ext> or <stem>_mask.<ext>), or give "
                  "--mask-pattern when the names follow a rule")
    else:
        rename = "name each mask after its image as masks are looked for"
    return (f"; the {count} images and {count} masks share no name "
            f"({matching.missing[0].name}, {matching.orphans[0].name}): unetdiag pairs files "
            "by name, never by their place in a sorted list (which pairs whatever sorts to "
            f"the same place); {rename}")


#: Extensions of annotations kept beside the images (labelme JSON, YOLO text).
_NOTES = (".json", ".txt")

