"""Which files of ``unetdiag predict``'s ``--images`` folder are predicted: its images (not
the files named as masks), its sample folders' images, and the sub-folders left out with
why; the name each image's mask takes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, features

from unetdiag.diag.data.companions import companion_kind
from unetdiag.diag.data.foreign_formats import NOT_IMAGE_KINDS, file_kind, foreign_hint
from unetdiag.diag.data.instances import (
    IMAGES_FOLDER,
    find_instance_layout,
    is_instance_layout,
)
from unetdiag.diag.data.masks import SUPPORTED_EXTENSIONS
from unetdiag.diag.data.pairing import MASK_SUFFIXES
from unetdiag.diag.data.pairing_inference import infer_rule
from unetdiag.diag.data.pairing_rules import MASK_WORDS
from unetdiag.diag.wording.text import join_names
from unetdiag.exitcodes import UserError

#: The files of an image extension below a sub-folder left out (images and masks alike: a
#: sub-folder is not paired): how many, and an example (:func:`_example`).
UnreadFiles = tuple[int, Path]


#: Formats Pillow reads when it is built with their codec (the extension and Pillow's name of
#: the codec): predict reads them beside the extensions train reads, as a folder of photos to
#: predict may be saved so (train and audit-data keep to :data:`SUPPORTED_EXTENSIONS`).
CODEC_EXTENSIONS = {".webp": "webp", ".avif": "avif"}

#: Extensions of raster images predict does not read (HEIC photos, JPEG XL and 2000, camera
#: raw, editors' and icons' formats, and the codec formats when this Pillow lacks the codec):
#: a folder's file so named got no mask it was meant to get (``not_predicted``, status 1).
#: Pillow's own register is not used: it names .h5 (a saved Keras model), .pdf and .mpeg.
IMAGE_EXTENSIONS_NOT_READ = frozenset({
    *CODEC_EXTENSIONS, ".avifs", ".heic", ".heif", ".jxl", ".jp2", ".j2k", ".jpx", ".jpf",
    ".jfif", ".jpe", ".apng", ".qoi", ".psd", ".tga", ".ico", ".dds", ".pcx", ".sgi", ".ras",
    ".xbm", ".xpm", ".dib", ".exr", ".hdr", ".svg", ".dng", ".cr2", ".cr3", ".nef", ".arw",
    ".orf", ".rw2", ".raf"})
#: Files Windows writes into a folder of pictures (thumbnail cache, folder settings): passed
#: over as hidden files are (macOS's .DS_Store is one).
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})


def read_extensions() -> tuple[str, ...]:
    """The extensions predict reads in the folder it is given: train's, and those of
    :data:`CODEC_EXTENSIONS` whose codec this Pillow has."""
    return SUPPORTED_EXTENSIONS + tuple(
        extension for extension, codec in CODEC_EXTENSIONS.items()
        if codec in features.modules and features.check_module(codec))


@dataclass(frozen=True)
class MaskSet:
    """Files left out as masks and what names them: a mask suffix (``_mask``) or a pattern
    (``{key}_manual1``)."""

    rule: str
    files: list[Path]
    by_suffix: bool = False

    @property
    def label(self) -> str:
        named = f"ending {self.rule}" if self.by_suffix else f"named {self.rule}"
        return f"{named}, {self.companions}" if self.companions else named

    @property
    def companions(self) -> str | None:
        """What the set holds when its name says it is no mask but a companion of the images
        (ISIC 2017's ``{key}_superpixels``: ``"superpixel maps"``), else None."""
        kind = companion_kind(self.rule.replace("{key}", ""))
        return None if kind == "files" else kind

    def to_dict(self) -> dict[str, str | int]:
        """predict.json's entry: ``{"suffix": "_mask", "files": 20, "example": ...}``."""
        return {"suffix" if self.by_suffix else "pattern": self.rule,
                "files": len(self.files), "example": self.files[0].name,
                **({"holds": self.companions} if self.companions else {})}


@dataclass
class FolderImages:
    """What :func:`list_images` found in ``folder``: the images to predict, the files left
    out as masks, and the sub-folders left out with why (``path -> reason``) and the files
    of an image extension below each, at any depth (``unread_files``: their count and an
    example);
    ``names``: the name each image's mask and overlay take (:func:`output_name`);
    ``other_files``: the folder's images of an extension predict does not read (never
    predicted, so named to the user: :func:`is_image_file`); ``not_images``: its other
    files (a README, a licence, a labels CSV), neither predicted nor counted as missed."""

    folder: Path
    images: list[Path]
    #: the files left out as masks, set by set: one per mask suffix, then the pattern that
    #: names masks after the images as train and evaluate pair them (``{key}_manual1``) and
    #: each alternative set (a second annotator's ``{key}_manual2``): :func:`_masks_by_pattern`
    mask_sets: list[MaskSet]
    left_out: dict[Path, str] = field(default_factory=dict)
    names: dict[Path, str] = field(default_factory=dict)
    other_files: list[Path] = field(default_factory=list)
    unread_files: dict[Path, UnreadFiles] = field(default_factory=dict)
    not_images: list[Path] = field(default_factory=list)

    @property
    def masks(self) -> list[Path]:
        return [path for mask_set in self.mask_sets for path in mask_set.files]


def output_name(image: Path, folder: Path) -> str:
    """The stem of ``image``'s mask and overlay: the sample's id for the image of a sample
    folder of ``folder`` (``<id>/images/<image>``, the stem train and evaluate give the
    pair), else the image's stem."""
    if image.parent.name == IMAGES_FOLDER and image.parent.parent.parent == folder:
        return image.parent.parent.name
    return image.stem


def image_label(image: Path, folder: Path) -> str:
    """``image`` as predict.json names it: its path below ``folder`` (``a1f3/images/x.png``
    for a sample folder's image, the file name for one of ``folder``'s own)."""
    try:
        return image.relative_to(folder).as_posix()
    except ValueError:
        return image.name


#: Why a sub-folder holding images is not predicted when the others are no sample folders.
NOT_A_SAMPLE = ("no sample folder (<id>/images/<id>.png); predict reads the images of the "
                "folder given and of its sample folders only: give a folder of images as "
                "--images")


def list_images(folder: Path, mask_suffixes: Sequence[str] = MASK_SUFFIXES) -> FolderImages:
    """The images of ``folder`` in name order and the files left out because their stem ends
    in a mask suffix; then, when its sub-folders are sample folders (``<id>/images/<id>.png``,
    the Data Science Bowl layout ``train`` and ``evaluate`` read), the image of each, beside
    the folder's own images or alone. Sub-folders holding images that are not read (no sample
    folders, or sample folders whose ``images/`` holds several images) are named in
    ``left_out`` with the reason.

    Raises:
        UserError: the folder is missing, holds no image, or two images share a stem (their
            masks would overwrite each other).
    """
    if not folder.is_dir():
        raise UserError(_not_a_folder(folder))
    extensions = read_extensions()
    entries = _visible_files(folder)
    files = [path for path in entries if path.suffix.lower() in extensions]
    unread = [path for path in entries if path.suffix.lower() not in extensions]
    is_image = {path: is_image_file(path) for path in unread}
    other_files = [path for path in unread if is_image[path]]
    not_images = [path for path in unread if not is_image[path]]
    mask_sets = _masks_by_suffix(files, mask_suffixes)
    suffixed = {path for mask_set in mask_sets for path in mask_set.files}
    images = [path for path in files if path not in suffixed]
    mask_sets += _masks_by_pattern(images)
    masks = {path for mask_set in mask_sets for path in mask_set.files}
    images = [path for path in images if path not in masks]
    samples, reasons = _sample_folder_images(folder)
    below = {path: _images_below(path) for path in reasons}
    left_out = {path: why for path, why in reasons.items() if below[path]}
    unread_below = {path: (len(found), _example(found, folder))
                    for path, found in below.items() if found}
    images += samples
    if not images:
        skipped = (f" (left out: {'; '.join(left_out_lines(left_out))}; "
                   f"{_unread_summary(unread_below, folder)})" if left_out else "")
        others = (f"; {len(unread)} file(s) of other extensions "
                  f"({_extensions(unread)}){foreign_hint(unread)}" if unread else "")
        beside = f" other than {len(masks)} mask file(s)" if masks else ""
        raise UserError(f"{folder}: no images ({', '.join(extensions)}){beside}{skipped}"
                        f"{others}")
    names = {path: output_name(path, folder) for path in images}
    named: dict[str, Path] = {}
    for path, name in names.items():
        if name in named:
            raise UserError(f"{named[name]} and {path} share the name {name!r}: both masks "
                            f"would be {name}.png")
        named[name] = path
    return FolderImages(folder, images, mask_sets, left_out, names, other_files, unread_below,
                        not_images)


def _not_a_folder(path: Path) -> str:
    """What ``--images path`` is when it is no folder: missing, a link to nothing, an image
    (predict takes the folder of its images), or another file."""
    if not os.path.lexists(path):
        return f"{path}: no such folder"
    if not path.exists():
        return f"--images {path} is a symbolic link that leads to no file or folder"
    if not path.is_file():  # a FIFO or a device: never opened (a FIFO would block)
        return f"--images {path} is neither a folder nor a regular file"
    if path.suffix.lower() in read_extensions() or is_image_file(path):
        return (f"--images {path} is an image file, not a folder: predict reads every image "
                f"of the folder given; to predict this image alone, put it in a folder of its "
                f"own and give that folder (--images {path.parent} predicts every image "
                "beside it)")
    return (f"--images {path} is a file, not a folder: give the folder of the images to "
            f"predict{foreign_hint([path])}")


def is_image_file(path: Path) -> bool:
    """Whether ``path``, of an extension predict does not read, is an image all the same:
    by its extension (:data:`IMAGE_EXTENSIONS_NOT_READ`) or by its content or format
    (:func:`~unetdiag.diag.data.foreign_formats.file_kind`: a PNG saved without an
    extension, DICOM, NumPy arrays, volumes, gzip-compressed images). A README, a licence,
    a CSV, annotations, an archive or a MATLAB or HDF5 file is not."""
    if path.suffix.lower() in IMAGE_EXTENSIONS_NOT_READ:
        return True
    kind = file_kind(path)
    return kind is not None and kind not in NOT_IMAGE_KINDS


def _masks_by_suffix(files: Sequence[Path], mask_suffixes: Sequence[str]) -> list[MaskSet]:
    """The files whose stem ends in one of ``mask_suffixes`` (case aside), one set per
    suffix (the first that a stem ends in)."""
    sets: dict[str, list[Path]] = {}
    for path in files:
        suffix = next((suffix for suffix in mask_suffixes
                       if suffix and path.stem.lower().endswith(suffix.lower())), None)
        if suffix is not None:
            sets.setdefault(suffix, []).append(path)
    return [MaskSet(suffix, paths, by_suffix=True) for suffix, paths in sets.items()]


def _masks_by_pattern(files: Sequence[Path]) -> list[MaskSet]:
    """The masks of the pattern by which ``files`` pair one to one as image and mask beside
    each other (DRIVE's ``21_manual1.gif`` beside ``21_training.tif``: :func:`infer_rule`, as
    train and evaluate pair a folder), then each alternative set (a second annotator's
    ``21_manual2.gif``); none when no one pattern pairs them all, or when the pattern holds no
    mask word and its first masks are not label images (:func:`_few_colours`): photos
    numbered 1, 2, 10, 20 pair under ``{key}0``, and a folder given to predict is meant to
    hold images, so a pattern is not enough to leave one out unpredicted."""
    if len(files) < 2:
        return []
    chosen = infer_rule(files, None).chosen
    if chosen is None:
        return []
    masks = [mask for _, mask, _ in chosen.pairs]
    if not MASK_WORDS.search(chosen.pattern.text.lower()) and not all(
            _few_colours(mask) for mask in masks[:LABEL_IMAGES_OPENED]):
        return []
    return [MaskSet(chosen.pattern.text, masks),
            *(MaskSet(pattern.text, list(paths)) for pattern, paths in chosen.alternatives)]


def masks_line(mask_sets: Sequence[MaskSet]) -> str:
    """``"left out 6 file(s) named as masks, in 3 sets: 2 ending _mask (e.g. a_mask.gif),
    2 named {key}_manual1 (e.g. ...) and ..."``: each set left out with its count (a set of
    companions named as what it holds: ``"masks or superpixel maps"``)."""
    total = sum(len(mask_set.files) for mask_set in mask_sets)
    parts = [f"{len(mask_set.files)} {mask_set.label} (e.g. {mask_set.files[0].name})"
             for mask_set in mask_sets]
    sets = f", in {len(mask_sets)} sets" if len(mask_sets) > 1 else ""
    kinds = " or ".join(dict.fromkeys(["masks", *(mask_set.companions for mask_set in mask_sets
                                                    if mask_set.companions)]))
    return f"left out {total} file(s) named as {kinds}{sets}: {join_names(parts)}"


#: Masks opened to tell a label image from a photo when a pattern holds no mask word.
LABEL_IMAGES_OPENED = 3
#: A label image holds at most this many colours (CamVid's 32; a photo holds thousands).
LABEL_COLOURS = 256


def _few_colours(path: Path) -> bool:
    """Whether the file holds :data:`LABEL_COLOURS` colours or fewer, as label images do
    (CamVid's ``_L`` colour labels, CHASE_DB1's binary ``_1stHO``); False when it cannot be
    read (it is then predicted, and named if it fails)."""
    try:
        with Image.open(path) as image:
            return image.getcolors(LABEL_COLOURS) is not None
    except Exception:  # noqa: BLE001 - Pillow raises many types on a bad file
        return False


def _visible_files(folder: Path) -> list[Path]:
    """The visible entries of ``folder`` that are not folders (a broken link counts: reading
    it names it), by name; Windows' :data:`SYSTEM_FILES` are hidden ones."""
    try:
        entries = sorted(path for path in folder.iterdir() if not path.name.startswith(".")
                         and path.name.lower() not in SYSTEM_FILES)
    except OSError:
        return []
    return [path for path in entries if not path.is_dir()]


def _extensions(paths: Sequence[Path]) -> str:
    """``".webp, .txt"``: the extensions of ``paths`` in first-met order (``no extension``
    for a file without one)."""
    return ", ".join(dict.fromkeys(path.suffix.lower() or "no extension" for path in paths))


def other_files_line(other_files: Sequence[Path]) -> str:
    """``"2 file(s) of an extension predict does not read (.webp, .txt): a.webp, notes.txt;
    ..."``: the folder's files that were not predicted because of their extension, the first
    five named, what the recognised ones are (:func:`foreign_hint`), and what is read."""
    named = [path.name for path in other_files[:5]]
    if len(other_files) > 5:
        named.append(f"{len(other_files) - 5} more")
    return (f"{len(other_files)} file(s) of an extension predict does not read "
            f"({_extensions(other_files)}): {join_names(named)}{foreign_hint(other_files)}; "
            f"predict reads {' '.join(read_extensions())}: convert an image saved otherwise "
            "to PNG to predict it (predict.json: not_predicted)")


def _sample_folder_images(folder: Path) -> tuple[list[Path], dict[Path, str]]:
    """The images of ``folder``'s sample folders, and its sub-folders whose images are not
    read, with why (whether they hold images is :func:`_images_below`'s to say)."""
    subfolders = sorted(path for path in folder.iterdir()
                        if path.is_dir() and not path.name.startswith("."))
    if subfolders and is_instance_layout(subfolders):
        layout = find_instance_layout(subfolders, [])
        left_out = {folder / name: f"its {IMAGES_FOLDER}/ holds {len(held)} images, a sample "
                    "folder's one" for name, held in layout.duplicates.items()}
        left_out.update({path: NOT_A_SAMPLE for path in layout.ignored})
        return sorted([image for _, image, _ in layout.pairs] + layout.missing), left_out
    return [], {path: NOT_A_SAMPLE for path in subfolders}


def _images_below(folder: Path) -> list[Path]:
    """The files of an extension predict reads in ``folder`` and in every folder below it, at any
    depth (hidden ones aside), in name order, folder by folder."""
    found = []
    extensions = read_extensions()
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        found += [Path(root) / name for name in sorted(files) if not name.startswith(".")
                  and Path(name).suffix.lower() in extensions]
    return found


def _example(files: Sequence[Path], folder: Path) -> Path:
    """Of ``files`` (in name order), the first whose path below ``folder`` holds no mask word
    (``images/21_training.tif`` before ``1st_manual/21_manual1.gif``), else the first."""
    return next((path for path in files
                 if not MASK_WORDS.search(path.relative_to(folder).as_posix().lower())),
                files[0])


def _unread_summary(unread: dict[Path, UnreadFiles], folder: Path) -> str:
    """``"3 file(s) of an image extension (images or masks) in 2 sub-folder(s) (e.g.
    deep/1/e.png)"``: the count says files, not images, as the masks among them are not told
    apart (DRIVE's ``1st_manual/``); the example is, of the sub-folders' examples in name
    order, the first whose path holds no mask word (:func:`_example`), as a path below
    ``folder``."""
    example = _example([path for _, path in sorted(unread.values(), key=lambda item: item[1])],
                       folder)
    return (f"{sum(count for count, _ in unread.values())} file(s) of an image extension "
            f"(images or masks) in {len(unread)} sub-folder(s) (e.g. "
            f"{example.relative_to(folder).as_posix()})")


def read_line(listing: FolderImages) -> str:
    """``"taken to predict: 2 image file(s) of the folder itself and 3 of its sample folders;
    not read: ..."``: what the listing takes, beside what it leaves in sub-folders
    (:func:`_unread_summary`); a file taken that cannot be read is named on its own line."""
    own = sum(1 for path in listing.images if path.parent == listing.folder)
    samples = len(listing.images) - own
    taken = f"taken to predict: {own} image file(s) of the folder itself" + (
        f" and {samples} of its sample folders" if samples else "")
    if not listing.unread_files:
        return taken
    return f"{taken}; not read: {_unread_summary(listing.unread_files, listing.folder)}"


def left_out_lines(left_out: dict[Path, str]) -> list[str]:
    """The sub-folders left out, grouped by why: ``"1st_manual/, images/ and mask/: why"``
    (the first five of a group named, then a count)."""
    groups: dict[str, list[Path]] = {}
    for path, why in left_out.items():
        groups.setdefault(why, []).append(path)
    lines = []
    for why, paths in groups.items():
        named = [f"{path.name}/" for path in paths[:5]]
        if len(paths) > 5:
            named.append(f"{len(paths) - 5} more")
        lines.append(f"{join_names(named)}: {why}")
    return lines
