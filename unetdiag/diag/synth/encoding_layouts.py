"""Catalogue corruptions for ways public masks are stored and named (sessions 32 and 35,
issue 14):

* :func:`jpeg_png_twins`: MSRA10K, ``Imgs/75.jpg`` beside its mask ``Imgs/75.png``, image and
  mask told apart by their extension only;
* :func:`white_is_zero_tiffs`: ImageJ/Fiji binary masks, 8-bit TIFFs with an inverting LUT
  (objects stored 255, tagged WhiteIsZero), which Pillow inverts on reading;
* :func:`case_changed_mask_names`: masks whose names differ from their image's in letter
  case only (made on Windows or macOS, whose file systems ignore case);
* :func:`matlab_masks`: labels shipped as MATLAB files (SBD's ``cls/*.mat``);
* :func:`label_stack_beside_slices`: the masks as one multi-page TIFF beside the images as
  one file each (ISBI 2012's ``train-labels.tif`` with PNG slices of ``train-volume.tif``);
* :func:`webp_images`: images saved as lossless WebP; :func:`jfif_images`: as JPEG named
  ``.jfif``;
* :func:`zipped_dataset`: the images and masks still in the downloaded ``dataset.zip``;
* :func:`unrelated_names`: camera names beside numbered masks, as many of each;
* :func:`labelme2voc_root`: labelme2voc.py's output folder, its label visualisations beside;
* :func:`object_page_masks`: each mask a multi-page TIFF holding one object per page;
* :func:`coco_export_folder`: Roboflow's COCO export, the images beside
  ``_annotations.coco.json`` and no mask image;
* :func:`class_mask_folders`: the masks dealt into one folder per class under ``masks/``;
* :func:`object_mask_folders`: one folder per image under ``masks/``, one file per object;
* :func:`images_and_masks_root`: the dataset's root, holding ``images/`` and ``masks/``
  alone, given as the dataset.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import io as scipy_io
from scipy import ndimage

from unetdiag.diag.synth.case import CaseFiles, as_255, read_grey, read_mask
from unetdiag.diag.synth.generator import png_bytes
from unetdiag.fsutil import atomic_write_bytes

#: TIFF tag 262, PhotometricInterpretation: 0 is WhiteIsZero.
_PHOTOMETRIC_TAG = 262


def _stored_anew(files: list[Path], indices: list[int] | range, suffix: str,
                 encode: Callable[[Path], bytes]) -> list[Path]:
    """Each file of ``files`` at ``indices`` (a case's image or mask list, changed in place)
    replaced by ``encode``'s bytes of it, under its stem with ``suffix``."""
    changed = []
    for index in indices:
        old = files[index]
        new = old.with_suffix(suffix)
        data = encode(old)
        old.unlink()
        atomic_write_bytes(new, data)
        files[index] = new
        changed.append(new)
    return changed


def _encoded(image: Image.Image, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **save)
    return buffer.getvalue()


def jpeg_png_twins(case: CaseFiles, rng: np.random.Generator, quality: int = 90) -> list[Path]:
    """Images as RGB JPEG ``<stem>.jpg`` beside their mask ``<stem>.png`` (0/255), no suffix.

    Simulates: MSRA10K_Imgs_GT/Imgs/ as distributed. Shows: every name is held by two files,
    so pairing by name finds nothing; only the extension tells the mask from its image.
    """
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = image.stem
        buffer = io.BytesIO()
        Image.fromarray(read_grey(image), mode="L").convert("RGB").save(
            buffer, format="JPEG", quality=quality)
        foreground = read_mask(mask)
        image.unlink()
        mask.unlink()
        jpeg, png = image.with_name(f"{stem}.jpg"), image.with_name(f"{stem}.png")
        atomic_write_bytes(jpeg, buffer.getvalue())
        atomic_write_bytes(png, png_bytes(Image.fromarray(as_255(foreground))))
        case.images[index], case.masks[index] = jpeg, png
        changed += [jpeg, png]
    case.layout.mask_suffixes = ()
    return changed


def _white_is_zero_tiff(foreground: np.ndarray) -> bytes:
    """An uncompressed 8-bit TIFF storing the object 255, its PhotometricInterpretation 0."""
    buffer = io.BytesIO()
    Image.fromarray(as_255(foreground)).save(buffer, format="TIFF")
    data = bytearray(buffer.getvalue())
    ifd = struct.unpack("<I", data[4:8])[0]
    for entry in range(struct.unpack("<H", data[ifd:ifd + 2])[0]):
        start = ifd + 2 + 12 * entry
        if struct.unpack("<H", data[start:start + 2])[0] == _PHOTOMETRIC_TAG:
            data[start + 8:start + 10] = struct.pack("<H", 0)
    return bytes(data)


def white_is_zero_tiffs(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                        count: int | None = None) -> list[Path]:
    """Masks as ImageJ saves a binary mask with an inverting LUT: object 255 on 0, 8-bit TIFF
    tagged WhiteIsZero.

    Simulates: masks made in ImageJ or Fiji (MouseLand/cellpose#9). Shows: Pillow inverts the
    file on reading, so the objects read 0 and most of every mask reads as foreground.
    """
    return _stored_anew(case.masks, case.pair_indices(rng, fraction, count), ".tif",
                        lambda mask: _white_is_zero_tiff(read_mask(mask)))


def case_changed_mask_names(case: CaseFiles, rng: np.random.Generator,
                            fraction: float = 1.0, count: int | None = None) -> list[Path]:
    """Masks renamed with their stem in upper case (``CELLS_003.png`` for ``cells_003.png``).

    Simulates: a dataset whose masks were named on Windows or macOS, where a loader opens
    ``CELLS_003.png`` for ``cells_003.png``. Shows: on Linux the names pair nothing.
    """
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        mask = case.masks[index]
        renamed = mask.with_name(mask.stem.upper() + mask.suffix)
        mask.replace(renamed)
        case.masks[index] = renamed
        changed.append(renamed)
    return changed


def matlab_masks(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Every mask as a MATLAB file ``<stem>.mat`` holding its 0/1 array under ``GTcls``.

    Simulates: SBD's ``cls/*.mat`` labels ("Labels are distributed as .mat files",
    DrSleep/tensorflow-deeplab-resnet#4). Shows: no file is an image, so no mask is found.
    """
    def matlab(mask: Path) -> bytes:
        buffer = io.BytesIO()
        scipy_io.savemat(buffer, {"GTcls": read_mask(mask).astype(np.uint8)})
        return buffer.getvalue()

    return _stored_anew(case.masks, range(len(case.masks)), ".mat", matlab)


def label_stack_beside_slices(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Every mask as a page of ``<root>/labels/train-labels.tif`` (0/255, in pair order); the
    images stay one file each.

    Simulates: ISBI 2012's ``train-labels.tif`` given with the slices of ``train-volume.tif``
    saved as PNG files (zhixuhao/unet's ``data/membrane/train/image/0.png`` ..). Shows: one
    mask file for many images, so no name pairs.
    """
    labels = case.root / "labels" / "train-labels.tif"
    labels.parent.mkdir()
    pages = [Image.fromarray(as_255(read_mask(mask))) for mask in case.masks]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    atomic_write_bytes(labels, buffer.getvalue())
    for mask in case.masks:
        mask.unlink()
    case.masks = [labels] * len(case.masks)
    case.layout.masks_dir = labels.parent
    case.layout.mask_suffixes = ()
    return [labels]


def webp_images(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Every image as a lossless WebP ``<stem>.webp``.

    Simulates: a dataset regenerated as WebP to save space (ultralytics/yolov5#2166: "it
    failed saying 'no images found'"). Shows: no file has an extension pairing picks.
    """
    return _stored_anew(case.images, range(len(case.images)), ".webp", lambda image: _encoded(
        Image.fromarray(read_grey(image), mode="L"), format="WEBP", lossless=True))


def jfif_images(case: CaseFiles, rng: np.random.Generator, quality: int = 95) -> list[Path]:
    """Every image as an RGB JPEG named ``<stem>.jfif``.

    Simulates: pictures saved from a browser on Windows (supervisely/supervisely#839).
    Shows: JPEG files under an extension pairing does not pick.
    """
    return _stored_anew(case.images, range(len(case.images)), ".jfif", lambda image: _encoded(
        Image.fromarray(read_grey(image), mode="L").convert("RGB"), format="JPEG",
        quality=quality))


def zipped_dataset(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """The images and masks packed into ``<root>/download/dataset.zip`` (``images/``,
    ``masks/``), the folders removed; the layout points at ``download/``.

    Simulates: a downloaded dataset passed before it was unpacked. Shows: a folder holding
    one archive and no image.
    """
    download = case.root / "download"
    download.mkdir()
    archive = download / "dataset.zip"
    folders = {case.layout.images_dir, *(path.parent for path in case.masks)}
    with zipfile.ZipFile(archive, "w") as handle:
        for path in [*case.images, *case.masks]:
            handle.write(path, path.relative_to(case.root).as_posix())
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    case.layout.images_dir, case.layout.masks_dir = download, None
    case.layout.mask_suffixes = ()
    return [archive]


def unrelated_names(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Images renamed ``DSC_<4810 + i>.png`` and masks ``masks/mask_<i + 1>.png``.

    Simulates: a folder of camera pictures and one of masks numbered in the order they were
    drawn, meant to be paired by position in two sorted lists (HasnainRaz/SemSegPipeline#9).
    Shows: no name pairs.
    """
    masks_dir = case.root / "masks"
    masks_dir.mkdir(exist_ok=True)
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        new_image = image.with_name(f"DSC_{4810 + index}{image.suffix}")
        new_mask = masks_dir / f"mask_{index + 1}{mask.suffix}"
        image.replace(new_image)
        mask.replace(new_mask)
        case.images[index], case.masks[index] = new_image, new_mask
        changed += [new_image, new_mask]
    case.layout.masks_dir = masks_dir
    case.layout.mask_suffixes = ()
    return changed


def labelme2voc_root(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """The pairs as labelme2voc.py writes them under ``data_dataset_voc/``: RGB JPEG images in
    ``JPEGImages/``, the labels as NumPy arrays in ``SegmentationClass/`` and as palette PNGs
    in ``SegmentationClassPNG/``, and tinted photographs in
    ``SegmentationClassVisualization/``; the layout points at the root.

    Simulates: labelme's semantic-segmentation export (wkentaro/labelme#178, #504). Shows: a
    root holding no image, whose visualisations are JPEG pictures named as the images.
    """
    root = case.root / "data_dataset_voc"
    folders = {name: root / name for name in ("JPEGImages", "SegmentationClass",
                                              "SegmentationClassPNG",
                                              "SegmentationClassVisualization")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = f"2011_{index:06d}"
        grey = read_grey(image)
        foreground = read_mask(mask)
        rgb = np.stack([grey] * 3, axis=-1)
        tinted = rgb.copy()
        tinted[foreground, 0] = 255
        labels = Image.fromarray(foreground.astype(np.uint8), mode="P")
        labels.putpalette([0, 0, 0, 128, 0, 0])
        files = {"JPEGImages": (f"{stem}.jpg", rgb), "SegmentationClassVisualization":
                 (f"{stem}.jpg", tinted)}
        for folder, (name, values) in files.items():
            buffer = io.BytesIO()
            Image.fromarray(values).save(buffer, format="JPEG", quality=95)
            atomic_write_bytes(folders[folder] / name, buffer.getvalue())
        buffer = io.BytesIO()
        np.save(buffer, foreground.astype(np.int32))
        atomic_write_bytes(folders["SegmentationClass"] / f"{stem}.npy", buffer.getvalue())
        atomic_write_bytes(folders["SegmentationClassPNG"] / f"{stem}.png", png_bytes(labels))
        image.unlink()
        mask.unlink()
        case.images[index] = folders["JPEGImages"] / f"{stem}.jpg"
        case.masks[index] = folders["SegmentationClassPNG"] / f"{stem}.png"
        changed += [case.images[index], case.masks[index]]
    case.layout.images_dir, case.layout.masks_dir = root, None
    case.layout.mask_suffixes = ()
    return changed


def object_page_masks(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Each mask with two objects or more as a TIFF ``<stem>.tif`` of one 0/255 page per
    connected object (8-connected, in label order); masks of fewer objects are left alone.

    Simulates: instance masks saved as an N x H x W array (EmbedSeg's BBBC010 masks,
    juglab/EmbedSeg#24). Shows: read as an ordinary file, only the first object is a mask.
    """
    changed = []
    for index, mask in enumerate(case.masks):
        objects, count = ndimage.label(read_mask(mask), structure=np.ones((3, 3)))
        if count < 2:
            continue
        pages = [Image.fromarray(as_255(objects == number)) for number in range(1, count + 1)]
        buffer = io.BytesIO()
        pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
        tiff = mask.with_suffix(".tif")
        mask.unlink()
        atomic_write_bytes(tiff, buffer.getvalue())
        case.masks[index] = tiff
        changed.append(tiff)
    return changed


def coco_export_folder(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """The images moved to ``<root>/train/`` as Roboflow names them
    (``<stem>_png.rf.<hash>.jpg``) beside ``_annotations.coco.json`` (info, licenses,
    categories, then every image, then one box-shaped polygon per image); the masks removed.

    Simulates: a COCO segmentation export given as the dataset. Shows: a folder of images
    whose labels are polygons in a JSON file whose "annotations" follow a long "images" list.
    """
    train = case.root / "train"
    train.mkdir()
    images, annotations = [], []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        name = f"{image.stem}_png.rf.{index:032x}.jpg"
        buffer = io.BytesIO()
        grey = read_grey(image)
        Image.fromarray(grey, mode="L").convert("RGB").save(buffer, format="JPEG", quality=90)
        atomic_write_bytes(train / name, buffer.getvalue())
        height, width = grey.shape
        images.append({"id": index, "license": 1, "file_name": name, "height": height,
                       "width": width, "date_captured": "2023-05-01T10:00:00+00:00"})
        annotations.append({"id": index, "image_id": index, "category_id": 1,
                            "bbox": [0, 0, 4, 4], "area": 16,
                            "segmentation": [[0, 0, 4, 0, 4, 4, 0, 4]], "iscrowd": 0})
        image.unlink()
        mask.unlink()
        case.images[index] = case.masks[index] = train / name
    coco = {"info": {"description": "Exported from roboflow.com"},
            "licenses": [{"id": 1, "name": "CC BY 4.0"}],
            "categories": [{"id": 0, "name": "objects"}, {"id": 1, "name": "object"}],
            "images": images, "annotations": annotations}
    annotation_file = train / "_annotations.coco.json"
    atomic_write_bytes(annotation_file, json.dumps(coco).encode("utf-8"))
    case.layout.images_dir, case.layout.masks_dir = train, None
    case.layout.mask_suffixes = ()
    return [annotation_file]


def class_mask_folders(case: CaseFiles, rng: np.random.Generator,
                       classes: tuple[str, ...] = ("benign", "malignant")) -> list[Path]:
    """The masks (already in ``masks/`` under their image's stem) dealt in turn into
    ``masks/<class>/``; the images stay in one folder.

    Simulates: masks sorted by class while the images are not. Shows: the mask folder holds
    no file, and its folders name different images.
    """
    changed = []
    for index, mask in enumerate(case.masks):
        folder = mask.parent / classes[index % len(classes)]
        folder.mkdir(exist_ok=True)
        moved = folder / mask.name
        mask.replace(moved)
        case.masks[index] = moved
        changed.append(moved)
    return changed


def object_mask_folders(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Each mask split into one 0/255 PNG per connected object (8-connected) in
    ``masks/<image stem>/object_<k>.png``; the images stay in one folder.

    Simulates: the Data Science Bowl's per-object mask files moved out of their sample
    folders. Shows: the mask folder holds folders named as the images, no mask file.
    """
    masks_dir = case.root / "masks"
    masks_dir.mkdir(exist_ok=True)
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        objects, count = ndimage.label(read_mask(mask), structure=np.ones((3, 3)))
        folder = masks_dir / image.stem
        folder.mkdir()
        for number in range(1, count + 1):
            path = folder / f"object_{number}.png"
            atomic_write_bytes(path, png_bytes(Image.fromarray(as_255(objects == number))))
            changed.append(path)
        mask.unlink()
        case.masks[index] = folder
    case.layout.masks_dir = masks_dir
    case.layout.mask_suffixes = ()
    return changed


def images_and_masks_root(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """The masks in ``<root>/masks/`` under their image's stem (moved there by
    ``separate_masks_folder`` unless already there), and the layout pointing at the root,
    which holds ``images/`` and ``masks/`` (and the catalogue's ``case.json``).

    Simulates: Kvasir-SEG as released (``images/``, ``masks/``), or an ISBI 2012 copy laid
    out so, the root given as the dataset (``unetdiag audit-data isbi``). Shows: the two
    folders read as --images and --masks, and said so.
    """
    # imported here: corruptions merges this module's table at its top
    from unetdiag.diag.synth.corruptions import separate_masks_folder

    changed = []
    if case.layout.masks_dir != case.root / "masks":
        changed = separate_masks_folder(case, rng)
    case.layout.images_dir, case.layout.masks_dir = case.root, None
    case.layout.mask_suffixes = ()
    return changed


ENCODING_LAYOUTS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (
        jpeg_png_twins, white_is_zero_tiffs, case_changed_mask_names, matlab_masks,
        label_stack_beside_slices, webp_images, jfif_images, zipped_dataset, unrelated_names,
        labelme2voc_root, object_page_masks, coco_export_folder, class_mask_folders,
        object_mask_folders, images_and_masks_root)}
