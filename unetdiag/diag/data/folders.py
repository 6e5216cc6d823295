"""What a folder given as a dataset holds, and what its sub-folders suggest when it holds no
image: the one-level listing every pairing starts from, the case folders one level down, and
the hint an error ends with (``pass --images X --masks Y``; a split already made; two
folders of the same names).

Listing reads names only, never file contents; a hint reads files only where names cannot
tell (a mask folder that holds field-of-view masks, a file given for a folder that is a
TIFF stack).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data.foreign_formats import foreign_hint
from unetdiag.diag.data.instances import IMAGES_FOLDER, is_instance_layout
from unetdiag.diag.data.pairing_rules import MASK_WORDS
from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS
from unetdiag.diag.data.split_lists import split_lists_hint
from unetdiag.diag.data.stacks import stack_pages
from unetdiag.diag.wording.text import plural, verb
from unetdiag.exitcodes import UserError


@dataclass
class Listing:
    """The visible entries of one folder: supported files by name, everything else apart."""

    folder: Path
    files: list[Path] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)
    subfolders: list[Path] = field(default_factory=list)


def list_folder(folder: Path, role: str, require_files: bool = True) -> Listing:
    """``folder``'s visible entries; :class:`UserError` naming it when it is missing, not a
    folder, unreadable, or (``require_files``) holds no supported file."""
    if not folder.exists():
        raise UserError(f"{role} folder not found: {folder}")
    if not folder.is_dir():
        raise UserError(f"{role} path is not a folder: {folder}{stack_file_hint(folder)}"
                        f"{rle_hint([folder])}{foreign_hint([folder])}")
    listing = Listing(folder)
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
        except OSError as error:
            if error.errno == errno.ELOOP:  # a link loop or chain: misnamed_entries
                listing.ignored.append(path)
                continue
            is_dir = False
        if is_dir:
            listing.subfolders.append(path)
        elif path.suffix.lower() in SUPPORTED_EXTENSIONS:
            listing.files.append(path)
        else:
            listing.ignored.append(path)
    if require_files and not listing.files:
        raise UserError(no_images_message(listing, role))
    return listing


def stack_file_hint(path: Path) -> str:
    """``; x.tif is a multi-page TIFF stack ...: pass its folder`` when ``path`` (given
    where a folder is expected) is one (ISBI 2012's train-volume.tif); "" otherwise."""
    pages = len(stack_pages(path).own)
    if pages < 2:
        return ""
    return (f"; {path.name} is a multi-page TIFF stack ({pages} pages): pass the folder that "
            f"holds it, not the file: an image stack and a mask stack of equal length in the "
            "folders given are paired page by page (both stacks in one folder: "
            f"--images {path.parent}, alone or with --masks {path.parent})")


#: Mask folder names that say nothing else (preferred over e.g. ``extra_fov_masks``).
PLAIN_MASK_FOLDERS = frozenset({"masks", "mask", "labels", "label", "gt", "groundtruth",
                                "ground_truth", "annotations", "1st_manual"})
#: Label folders of annotation exports, preferred as plain mask folders are: Supervisely's
#: masks_machine/ (one grey level per class).
EXPORT_LABEL_FOLDERS = frozenset({"masks_machine"})
#: Folders of pictures of the labels for people to look at, never suggested as masks:
#: Supervisely's masks_human/ (each image beside a tinted copy, twice as wide); labelme2voc's
#: SegmentationClassVisualization/ and SegmentationObjectVisualization/ (the photograph with
#: its objects tinted, JPEG).
VISUALISATION_FOLDERS = frozenset({"masks_human", "segmentationclassvisualization",
                                   "segmentationobjectvisualization"})
_PREFERRED_MASK_FOLDERS = PLAIN_MASK_FOLDERS | EXPORT_LABEL_FOLDERS
#: Case folders split whole only when there are at least this many: with fewer, one folder
#: would be the whole validation set (BUSI's benign/ malignant/ normal/ are classes, not
#: cases), so each folder is split by file instead.
MIN_CASE_FOLDERS = 5
#: Folder names of a split already made: such folders are not cases to pair together.
SPLIT_FOLDER_NAMES = frozenset({"train", "training", "val", "valid", "validation", "test",
                                "testing", "dev"})


def split_folders(listing: Listing) -> list[Path]:
    """The sub-folders named as a split already made (train/, val/, test/ ...)."""
    return [path for path in listing.subfolders if path.name.lower() in SPLIT_FOLDER_NAMES]


def case_listings(images: Listing) -> list[Listing]:
    """The sub-folders of ``images`` that hold supported files, listed (the case-folder
    layout); [] when none does, or when the folders are a split already made."""
    if split_folders(images):
        return []
    cases = []
    for folder in images.subfolders:
        try:
            case = list_folder(folder, "image", require_files=False)
        except UserError:
            continue
        if case.files:
            cases.append(case)
    return cases


def no_images_message(listing: Listing, role: str,
                       cases: Literal["not searched", "empty", "unpaired"] = "not searched",
                       hint: str | None = None) -> str:
    noun = "images" if role == "image" else "masks"
    if not (listing.ignored or listing.subfolders):
        return f"{role} folder is empty: {listing.folder}"
    found = []
    if listing.ignored:
        found.append(f"{plural(len(listing.ignored), 'other file')} "
                     f"({words.names(listing.ignored)})")
    if listing.subfolders:
        found.append(f"{plural(len(listing.subfolders), 'folder')} "
                     f"({words.names(listing.subfolders, '/')})")
    subfolders = {
        # they were looked into: for the layouts read below a folder (README, Layouts)
        "not searched": "its folders form none of the layouts read below a folder (case "
                        "folders, a folder of object masks per image, image and mask trees "
                        "that mirror each other)",
        "empty": "nor do its folders (searched one level down, as case folders)",
        "unpaired": "its folders hold files, but no image beside its mask as case folders do "
                    "(<case>/<name>.<ext> with <case>/<name>_mask.<ext>)"}[cases]
    message = (f"no {noun} in {listing.folder}: {' and '.join(found)}, no file with a "
               f"supported extension ({' '.join(SUPPORTED_EXTENSIONS)}); {subfolders}")
    if cases == "empty":
        message += deeper_files_hint(listing)
    return (message + (folders_hint(listing) if hint is None else hint)
            + rle_hint(listing.ignored) + foreign_hint(listing.ignored))


#: At most this many case folders are looked into, two levels down, for a refused root.
DEEPER_CASES = 3


def deeper_files_hint(listing: Listing) -> str:
    """For case folders that hold no file but folders of their own that do (PH2:
    ``IMD002/IMD002_Dermoscopic_Image/IMD002.bmp`` beside ``IMD002/IMD002_lesion/
    IMD002_lesion.bmp``), the files found two levels down and what unetdiag reads instead;
    "" otherwise."""
    for case in listing.subfolders[:DEEPER_CASES]:
        found = []
        for folder in _listed(case).subfolders:
            files = _listed(folder).files
            if files:
                found.append(files[0].relative_to(listing.folder).as_posix())
        if found:
            examples = ", ".join(found[:words.MAX_NAMES_IN_MESSAGE])
            return (f"; its folders hold folders of their own with files two levels down "
                    f"({examples}): unetdiag reads a folder of images and one of masks "
                    "(--images, --masks), or case folders holding each image beside its "
                    "mask; copy or link the images into one folder and the masks into "
                    "another")
    return ""


def _listed(folder: Path) -> Listing:
    """``folder``'s listing, empty when it cannot be read."""
    try:
        return list_folder(folder, "image", require_files=False)
    except UserError:
        return Listing(folder)


#: Column names of masks stored as run-length encodings in a CSV (Kaggle: Airbus ships and
#: SIIM's ``EncodedPixels``, Carvana's and TGS's ``rle_mask``).
RLE_COLUMNS = frozenset({"encodedpixels", "rle_mask", "rle", "rle_encoding"})
#: Bytes of a CSV read to find its header.
CSV_HEADER_BYTES = 4096


def rle_columns(path: Path) -> list[str]:
    """The columns of the CSV file ``path``'s header that name run-length encodings."""
    if path.suffix.lower() != ".csv":
        return []
    try:
        with open(path, "rb") as handle:
            header = handle.read(CSV_HEADER_BYTES).split(b"\n", 1)[0]
    except OSError:
        return []
    columns = [column.strip().strip('"') for column in
               header.decode("utf-8", "replace").lstrip("\ufeff").split(",")]
    return [column for column in columns if column.lower() in RLE_COLUMNS]


def csv_files(folder: Path) -> list[Path]:
    """The CSV files of ``folder`` (where a Kaggle set keeps its run-length encoded masks,
    beside the image folder)."""
    try:
        return sorted(path for path in folder.iterdir() if path.suffix.lower() == ".csv")
    except OSError:
        return []


def rle_hint(paths: Sequence[Path]) -> str:
    """``; x.csv holds masks as run-length encodings ...`` for the first CSV among ``paths``
    whose header names such a column; "" otherwise."""
    # a submission template (Kaggle's sample_submission.csv) holds no training masks
    for path in sorted(paths, key=lambda path: "submission" in path.name.lower()):
        columns = rle_columns(path)
        if columns:
            return (f"; {path.name} has the column {columns[0]}: masks given as run-length "
                    "encodings in a CSV must be decoded to image files first (one mask image "
                    "per image, named as it, in a folder to pass as --masks); unetdiag reads "
                    "masks from image files only")
    return ""


def folders_hint(listing: Listing) -> str:
    """What the sub-folders of a folder without images suggest passing instead."""
    if is_instance_layout(listing.subfolders):
        return (f"; its folders hold {IMAGES_FOLDER}/ sub-folders (one folder per image): "
                "give this folder alone, without --masks, to read them as instance folders")
    flags = _pair_flags(listing)
    if flags:  # PASCAL VOC's root: its split lists named too
        what = "the two folders" if len(listing.subfolders) == 2 else "images with masks"
        return f"; to pair {what}, pass {flags}{split_lists_hint(listing.folder)}"
    splits = split_folders(listing)
    if splits:
        return _split_hint(splits, listing)
    return _contents_hint(listing)


#: Sub-folders looked into for what they hold when none holds an image file.
MAX_DESCRIBED_FOLDERS = 4


def _contents_hint(listing: Listing) -> str:
    """What the sub-folders holding no image file hold instead, when it is labels or images
    in a format unetdiag does not read (YOLO text, COCO JSON, NIfTI volumes ...): each such
    folder, or its first sub-folder holding files, described by :func:`foreign_hint`."""
    hints = []
    for folder in listing.subfolders[:MAX_DESCRIBED_FOLDERS]:
        try:
            inner = list_folder(folder, "mask", require_files=False)
            if inner.files:
                continue
            if not inner.ignored and inner.subfolders:
                inner = list_folder(inner.subfolders[0], "mask", require_files=False)
        except UserError:
            continue
        if inner.files:
            continue
        hint = foreign_hint(inner.ignored)
        if hint:
            where = inner.folder.relative_to(listing.folder).as_posix()
            hints.append(f"; in {where}/{hint[1:]}")
    return "".join(hints)


def _pair_flags(listing: Listing) -> str:
    """``--images I --masks M (or --masks N)`` when the folder's sub-folders are a folder of
    images and one of masks; "" otherwise."""
    names = {path.name.lower(): path.name for path in listing.subfolders}
    if "imagestr" in names and "labelstr" in names:  # an nnU-Net raw dataset
        return _pass_both(listing.folder / names["imagestr"],
                          [listing.folder / names["labelstr"]])
    # PASCAL VOC keeps every image in JPEGImages/, the labelled ones' masks in
    # SegmentationClass/
    image_folder = next((names[name] for name in ("images", "image", "imgs", "img",
                                                  "jpegimages")
                         if name in names), None)
    if image_folder is None:
        for name, original in sorted(names.items()):
            # a folder and its masks named after it: Carvana's train/ and train_masks/
            base = re.sub(r"[_\-\s]*(?:masks?|labels?|gt)$", "", name)
            if base != name and base in names:
                return _pass_both(listing.folder / names[base], [listing.folder / original])
        # two folders, one named for masks: ISIC's ..._Training_Input/ beside
        # ..._Training_GroundTruth/ (whose names carry _segmentation, so no stem is shared)
        # (STARE's stare-images/ beside labels-ah/ and labels-vk/, one per annotator); only
        # mask folders whose names pair with the images' (different sources do not), and
        # none of another split part (train/ beside test_labels/)
        named = [name for name in names if MASK_WORDS.search(name)]
        others = [name for name in names if name not in named]
        if len(others) != 1 or not named:
            return ""
        images = listing.folder / names[others[0]]
        paired = [listing.folder / names[name] for name in named
                  if not _split_parts_differ(others[0], name)
                  and _names_pair(images, listing.folder / names[name])]
        return _pass_both(images, paired) if paired else ""
    # a folder named for masks alone first (DRIVE's extra_fov_masks/ is not its target; an
    # export's label folder counts as one), and folders holding no image file (YOLO labels/,
    # COCO annotations/) last; pictures of the labels (masks_human/) never
    candidates = [listing.folder / original for name, original in
                  sorted(names.items(), key=lambda item: (item[0] not in _PREFERRED_MASK_FOLDERS,
                                                          item[0]))
                  if MASK_WORDS.search(name) and original != image_folder
                  and name not in VISUALISATION_FOLDERS]
    # DRIVE's mask/ (beside 1st_manual/) holds the field of view: never the targets
    candidates = [folder for folder in candidates if not holds_field_of_view(folder)]
    return _pass_both(listing.folder / image_folder, candidates) if candidates else ""


def _names_pair(images: Path, masks: Path) -> bool:
    """Some file of ``images`` pairs with one of ``masks`` by name (stems, or the one rule
    the names follow); a refusal says nothing then."""
    # imported here: pairing imports this module at its top
    from unetdiag.diag.data.pairing import discover_pairs

    try:
        return bool(discover_pairs(images, masks).pairs)
    except (UserError, OSError):
        return False


#: A split part named in a folder's name (ISIC's ..._Training_Input, ..._Validation_GroundTruth).
_SPLIT_PART_WORD = re.compile(r"(?<![a-z])(trainval|train|val|test)(?:ing|id|idation)?(?![a-z])")


def _split_parts_differ(first: str, second: str) -> bool:
    """Both (lower-cased) folder names name a split part, and not the same one."""
    parts = [{match[1] for match in _SPLIT_PART_WORD.finditer(name)} for name in (first, second)]
    return all(parts) and not parts[0] & parts[1]


def holds_field_of_view(folder: Path) -> bool:
    """``folder``'s files cover nearly one region in every image, as audit-data tells
    field-of-view masks (:func:`~unetdiag.diag.audit.field_of_view.cover_one_region`,
    ``pairing.field_of_view_masks``)."""
    # imported here: the audit package imports this one (pairing) at its top
    from unetdiag.diag.audit.field_of_view import cover_one_region

    try:
        files = list_folder(folder, "mask", require_files=False).files
    except UserError:
        return False
    return cover_one_region(files)


#: Split folder names that hold the training part: the example a split hint gives.
TRAINING_SPLIT_NAMES = frozenset({"train", "training"})


#: Names of a split part's own mask folder beside it: CamVid's trainannot/ beside train/,
#: Carvana's train_masks/ beside train/.
_PART_MASKS = r"[_\-\s]*(?:masks?|labels?|gt|annot(?:ations?)?)"


def _split_hint(splits: Sequence[Path], root: Listing) -> str:
    """A split made in advance: its parts, and what to pass for one of them (the training
    part first): its folder, its folders of images and masks, or it and its mask folder
    beside it."""
    example = min(splits, key=lambda path: (path.name.lower() not in TRAINING_SPLIT_NAMES,
                                            path.name.lower()))
    try:
        part = list_folder(example, "image", require_files=False)
    except UserError:
        part = None
    parts = words.names(splits, "/")
    look = (f"{parts} {verb(len(splits), 'looks like part of', 'look like')} a split "
            "already made")
    beside = next((folder for folder in root.subfolders if folder != example and re.fullmatch(
        re.escape(example.name.lower()) + _PART_MASKS, folder.name.lower())), None)
    if beside is not None and part is not None and part.files:
        return (f"; {look}, {example.name}/ beside its masks in {beside.name}/: audit "
                f"one part at a time, e.g. pass --images {example} --masks {beside}"
                f"{_ONE_IMAGE_FOLDER}")
    flags = _pair_flags(part) if part is not None and not part.files else ""
    if not flags:
        return f"; {look}: give one folder at a time (e.g. {example})"
    return (f"; {look}, {example.name}/ holding a folder of images and one of masks: audit "
            f"one part at a time, e.g. pass {flags}{_ONE_IMAGE_FOLDER}")


_ONE_IMAGE_FOLDER = (" (unetdiag reads one image folder and holds out its own validation "
                     "share, --val-fraction; no option takes a validation part made in "
                     "advance)")


#: Mask folders looked into for the hint (each listed, with its sub-folders if it holds no file).
MAX_HINTED_MASK_FOLDERS = 4


def _pass_both(image_folder: Path, mask_folders: Sequence[Path]) -> str:
    """``--images I --masks M (or --masks N)``, each folder taken down to the one
    sub-folder holding its files; "" when the images, or every mask folder, hold no file
    unetdiag reads, there or one level down (YOLO's labels/ of text files, COCO's
    annotations/, an MSD task's imagesTr/ of NIfTI volumes): passing them would only be
    refused again."""
    if not _readable_anywhere(image_folder):
        return ""
    masks = [_holding_files(folder) for folder in mask_folders[:MAX_HINTED_MASK_FOLDERS]
             if _readable_anywhere(folder)]
    if not masks:
        return ""
    ranked = sorted(masks, key=lambda item: (item[1] == 0,
                                             item[0].name.lower() not in _PREFERRED_MASK_FOLDERS
                                             and item[0].parent.name.lower()
                                             not in _PREFERRED_MASK_FOLDERS))
    others = "".join(f" (or --masks {folder})" for folder, _ in ranked[1:3])
    return f"--images {_holding_files(image_folder)[0]} --masks {ranked[0][0]}{others}"


#: Mask folder names MASK_WORDS misses: the Weizmann horses' figure_ground/.
_FIGURE_GROUND = re.compile(r"figure.?ground|foreground")
#: Image folder names preferred when several folders hold the same names: the Weizmann
#: horses' rgb/ beside gray/ (the same images in grey).
_COLOUR_FOLDERS = frozenset({"rgb", "color", "colour", "images", "image", "imgs", "img"})


def _named_for_masks(folder: Path) -> bool:
    name = folder.name.lower()
    return bool(MASK_WORDS.search(name) or _FIGURE_GROUND.search(name))


def same_names_hint(cases: Sequence[Listing]) -> str:
    """``; a/ and b/ hold files of the same names: ... --images a --masks b`` when two folders
    (which did not pair as case folders) share file names; with more such folders, one
    named for masks: that one as the masks and an image folder (rgb/ before gray/), the
    others named; "" otherwise."""
    stems = [{path.stem for path in case.files} for case in cases]
    sharing = [case.folder for case, held in zip(cases, stems, strict=True)
               if any(held & other for other in stems if other is not held)]
    if len(sharing) < 2:
        return ""
    masks = [folder for folder in sharing if _named_for_masks(folder)]
    if len(sharing) > 2 or len(masks) == 1:
        if len(masks) != 1:
            return ""
        images = sorted((folder for folder in sharing if folder != masks[0]),
                        key=lambda folder: (folder.name.lower() not in _COLOUR_FOLDERS,
                                            folder.name.lower()))
        others = images[1:]
        also = (f"; {words.names(others, '/')} {verb(len(others), 'holds', 'hold')} files of "
                "the same names too, not named as masks (give one as --images instead if it "
                "holds the images you mean)"
                if others else "")
        return (f"; {images[0].name}/ and {masks[0].name}/ hold files of the same names: to "
                f"pair them, pass --images {images[0]} --masks {masks[0]}{also}")
    if len(cases) != 2:  # two of several folders (patients' slices) are no image/mask pair
        return ""
    first, second = sorted(sharing, key=_named_for_masks)
    return (f"; {first.name}/ and {second.name}/ hold files of the same names: to pair them, "
            f"pass --images {first} --masks {second} (if {second.name}/ holds the masks)")


def _readable_anywhere(folder: Path) -> bool:
    """``folder`` or one of its sub-folders holds a file of a supported extension."""
    try:
        listing = list_folder(folder, "mask", require_files=False)
        return bool(listing.files) or any(
            list_folder(sub, "mask", require_files=False).files for sub in listing.subfolders)
    except UserError:
        return False


def _holding_files(folder: Path) -> tuple[Path, int]:
    """``folder`` and how many supported files it holds, or its one sub-folder holding such
    files when it holds none itself (the Oxford-IIIT Pet's annotations/trimaps/; a Keras
    flow_from_directory layout's images/img/); a second such sub-folder ends the search."""
    try:
        listing = list_folder(folder, "mask", require_files=False)
        if listing.files:
            return folder, len(listing.files)
        holding: list[tuple[Path, int]] = []
        for sub in listing.subfolders:
            files = len(list_folder(sub, "mask", require_files=False).files)
            if files:
                holding.append((sub, files))
                if len(holding) > 1:
                    break
    except UserError:
        return folder, 0
    return holding[0] if len(holding) == 1 else (folder, 0)
