"""Instance masks: one folder per image holding one file per object, read as one mask.

The Kaggle Data Science Bowl 2018 layout::

    stage1_train/<id>/images/<id>.png
    stage1_train/<id>/masks/<object>.png     (one binary PNG per nucleus)

:func:`find_instance_layout` recognises it and pairs each image with its ``masks/`` folder:
a :class:`~unetdiag.diag.data.pairing.Pair` whose ``mask`` is that folder. Every reader takes
such a folder wherever it takes a mask file: :func:`load_mask` (what the trainer's
:func:`~unetdiag.diag.data.decoding.decode_mask` reads) merges the object files with
``np.maximum``, as the competition's starter kernels did, so for objects brighter than their
background the merged mask decoded under the policy is the union of the objects decoded one
by one. :func:`read_instance_masks` also counts the objects and the pixels two of them claim.

Numbered masks are the same idea without a folder: BUSI stores a second lesion of
``benign (4).png`` as ``benign (4)_mask_1.png`` beside ``benign (4)_mask.png``. Pairing names
such a set with :func:`object_files_reference` (``benign (4)_mask.png#with=benign
(4)_mask_1.png``), which every reader takes where it takes a folder of object masks.

>>> import tempfile, numpy as np
>>> from PIL import Image
>>> folder = Path(tempfile.mkdtemp())
>>> for name, box in (("a.png", (0, 2)), ("b.png", (1, 3))):
...     values = np.zeros((4, 4), np.uint8)
...     values[box[0]:box[1], :] = 255
...     Image.fromarray(values).save(folder / name)
>>> masks = read_instance_masks(folder)
>>> masks.stored.values[:, 0].tolist(), masks.files, masks.overlap_pixels
([255, 255, 255, 0], 2, 4)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from unetdiag.diag.data.reading import (
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    StoredMask,
    load_stored_mask,
)

#: Sub-folders of one sample folder in the instance layout.
IMAGES_FOLDER = "images"
MASKS_FOLDER = "masks"


#: What separates a mask file from the numbered masks merged with it.
OBJECT_FILES_MARK = "#with="
OBJECT_FILES_SEPARATOR = "|"


def object_files_reference(mask: Path, others: Sequence[Path]) -> Path:
    """The name of ``mask`` merged with ``others`` (files of the same folder).

    >>> reference = object_files_reference(Path("b/x_mask.png"), [Path("b/x_mask_1.png")])
    >>> reference.name, [path.name for path in object_files_of(reference)]
    ('x_mask.png#with=x_mask_1.png', ['x_mask.png', 'x_mask_1.png'])
    """
    names = OBJECT_FILES_SEPARATOR.join(other.name for other in others)
    return Path(f"{mask}{OBJECT_FILES_MARK}{names}")


def object_files_of(path: Path | str) -> list[Path] | None:
    """The files an :func:`object_files_reference` names; None for any other path
    (including a file whose own name happens to hold the mark)."""
    text = str(path)
    if OBJECT_FILES_MARK not in text or os.path.lexists(text):
        return None
    first, names = text.rsplit(OBJECT_FILES_MARK, 1)
    first_path = Path(first)
    return [first_path, *(first_path.parent / name for name in names.split(OBJECT_FILES_SEPARATOR))]


def is_object_masks(path: Path | str) -> bool:
    """A folder of object masks or a set of numbered masks: read merged."""
    return os.path.isdir(path) or object_files_of(path) is not None


def _visible_entries(folder: Path) -> list[os.DirEntry]:
    try:
        return sorted((entry for entry in os.scandir(folder) if not entry.name.startswith(".")),
                      key=lambda entry: entry.name)
    except OSError:
        return []


def supported_files(folder: Path) -> list[Path]:
    """The visible entries of ``folder`` with a supported extension that are not folders
    (a broken link or a link loop counts: reading it names it), sorted by name."""
    return [folder / entry.name for entry in _visible_entries(folder)
            if not _is_folder(entry) and Path(entry.name).suffix.lower() in SUPPORTED_EXTENSIONS]


def _is_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop (ELOOP)
        return False


@dataclass
class InstanceLayout:
    """The sample folders of an instance layout and what each holds.

    Attributes:
        pairs: ``(stem, image, masks folder)``; the stem is the sample folder's name.
        missing: images whose ``masks/`` folder is absent or holds no mask file.
        duplicates: sample folder name -> its images, where ``images/`` holds several.
        ignored: sub-folders without an ``images/`` folder (or with an empty one), and files
            beside the sample folders.
        object_files: per paired stem, how many object files its ``masks/`` folder holds.
    """

    pairs: list[tuple[str, Path, Path]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    duplicates: dict[str, list[Path]] = field(default_factory=dict)
    ignored: list[Path] = field(default_factory=list)
    object_files: dict[str, int] = field(default_factory=dict)


def _is_folder(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a folder the user may not read: not one of the layout's
        return False


def _images_held(folder: Path, enough: int = 2) -> list[str]:
    """The names of the supported files ``folder`` holds, up to ``enough`` of them."""
    try:
        entries = os.scandir(folder)
    except OSError:
        return []
    names: list[str] = []
    with entries:
        for entry in entries:
            if (not entry.name.startswith(".")
                    and Path(entry.name).suffix.lower() in SUPPORTED_EXTENSIONS):
                names.append(entry.name)
                if len(names) >= enough:
                    break
    return names


def _sample_folder(folder: Path, image_name: str) -> bool:
    """A folder holding one image is a sample folder when it follows the Data Science Bowl's
    naming (``<id>/images/<id>.png``) or its ``masks/`` holds several object files; the part
    of a split made in advance that holds one image follows neither."""
    return (Path(image_name).stem == folder.name
            or len(_images_held(folder / MASKS_FOLDER)) > 1)


def is_instance_layout(subfolders: list[Path]) -> bool:
    """Sub-folders whose ``images/`` folder holds one image (sample folders) are at least
    as many as those whose ``images/`` holds several, and there is one.

    A folder of images inside a sub-folder is not a sample: the parts of a split made in
    advance (``train/images/`` + ``train/masks/``) and a copy of the images inside the mask
    folder (``masks/images/``) hold many images each, a Data Science Bowl sample folder
    one, named as the folder or beside several object files (:func:`_sample_folder`; a
    split's part of one image is neither). A sample folder whose ``images/`` is empty counts
    for neither.
    """
    single = several = 0
    for folder in subfolders:
        if not _is_folder(folder / IMAGES_FOLDER):
            continue
        held = _images_held(folder / IMAGES_FOLDER)
        single += len(held) == 1 and _sample_folder(folder, held[0])
        several += len(held) > 1
    return single > 0 and single >= several


def find_instance_layout(subfolders: list[Path], other_files: list[Path]) -> InstanceLayout:
    """Pair ``<id>/images/<image>`` with ``<id>/masks/`` for every sample folder."""
    layout = InstanceLayout(ignored=list(other_files))
    for sample in subfolders:
        images = supported_files(sample / IMAGES_FOLDER)
        if not images:
            layout.ignored.append(sample)
            continue
        if len(images) > 1:
            layout.duplicates[sample.name] = images
            continue
        masks_folder = sample / MASKS_FOLDER
        object_files = len(supported_files(masks_folder))
        if object_files == 0:
            layout.missing.append(images[0])
            continue
        layout.pairs.append((sample.name, images[0], masks_folder))
        layout.object_files[sample.name] = object_files
    return layout


def sample_images(folder: Path) -> list[Path] | None:
    """The image of every sample folder (``<id>/images/<id>.png``) when ``folder``'s
    sub-folders are an instance layout (:func:`is_instance_layout`), with or without
    ``masks/`` (the Data Science Bowl's test set has none), in name order; None otherwise.
    Sample folders whose ``images/`` holds several images are left out."""
    subfolders = sorted(Path(entry.path) for entry in _visible_entries(folder)
                        if _is_folder(entry))
    if not is_instance_layout(subfolders):
        return None
    layout = find_instance_layout(subfolders, [])
    return sorted([image for _, image, _ in layout.pairs] + layout.missing)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class InstanceMasks:
    """A folder of object masks read as one.

    Attributes:
        stored: the object files merged with ``np.maximum``, as one
            :class:`~unetdiag.diag.data.reading.StoredMask` (format and mode of the first file).
        files: how many object files were merged.
        overlap_pixels: pixels inside two or more objects (an object: the pixels of its file
            above the midpoint between that file's lowest and highest value).
    """

    stored: StoredMask
    files: int
    overlap_pixels: int


def _objects(values: np.ndarray) -> np.ndarray:
    plane = values if values.ndim == 2 else values.max(axis=2)
    low, high = plane.min(), plane.max()
    if not high > low:
        return np.zeros(plane.shape, dtype=bool)
    return plane > low + (high.astype(np.float64) - low) / 2


def read_instance_masks(folder: Path | str) -> InstanceMasks:
    """Read and merge every mask file of ``folder`` (or of an :func:`object_files_reference`).

    Raises:
        ImageReadError: the folder holds no mask file, a file cannot be read, or the files
            differ in size, sample type or mode, or mix 0/1 files with 0/255 ones (their
            maximum would hide the 0/1 objects); the error names the file.
    """
    folder = Path(folder)
    files = object_files_of(folder) or supported_files(folder)
    if not files:
        raise ImageReadError(folder, "cannot open (a folder, and no file in it with a "
                                     f"supported extension: {' '.join(SUPPORTED_EXTENSIONS)})")
    first = load_stored_mask(files[0])
    merged = first.values.copy()
    covered = _objects(first.values).astype(np.uint16)
    scale, scale_file = _integer_scale(first), files[0]
    lossy = first.lossy
    for path in files[1:]:
        stored = load_stored_mask(path)
        if stored.values.shape != merged.shape or stored.values.dtype != merged.dtype:
            raise ImageReadError(path, f"stored as {_describe(stored)}, but {files[0].name} "
                                       f"in the same folder as {_describe(first)}")
        if stored.mode != first.mode or stored.gray_palette != first.gray_palette:
            raise ImageReadError(path, f"mode {stored.mode}, but {files[0].name} in the same "
                                       f"folder is mode {first.mode}")
        file_scale = _integer_scale(stored)
        if scale is None:
            scale, scale_file = file_scale, path
        elif file_scale is not None and file_scale != scale:
            raise ImageReadError(path, f"holds {file_scale} values, {scale_file.name} in the "
                                       f"same folder {scale} ones: merged, the 0/1 objects "
                                       "would be lost")
        np.maximum(merged, stored.values, out=merged)
        covered += _objects(stored.values)
        lossy = lossy or stored.lossy
    merged_mask = StoredMask(merged, first.file_format, first.mode, 1, first.gray_palette,
                             lossy)
    return InstanceMasks(merged_mask, len(files), int(np.count_nonzero(covered > 1)))


def _describe(stored: StoredMask) -> str:
    shape = stored.values.shape
    return f"{shape[1]}x{shape[0]} {stored.mode} {stored.values.dtype}"


def _integer_scale(stored: StoredMask) -> str | None:
    """``"0/1"`` or ``"wider"`` for integer values with a non-zero maximum, else None."""
    values = stored.values
    if values.dtype.kind not in "ub":
        return None
    top = int(values.max())
    return None if top == 0 else "0/1" if top <= 1 else "wider"


def load_mask(path: Path | str) -> StoredMask:
    """A mask as stored: a file (or a page of one) read by
    :func:`~unetdiag.diag.data.reading.load_stored_mask`, or a folder of object masks or a
    set of numbered masks, merged by :func:`read_instance_masks`."""
    if is_object_masks(path):
        return read_instance_masks(path).stored
    return load_stored_mask(path)
