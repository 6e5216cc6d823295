"""Layouts of public datasets, for the failure catalogue: the same synthetic pairs, stored the
way real datasets are distributed.

Each function rearranges a case built by :func:`~unetdiag.diag.synth.corruptions.build_case`
(it is one of its ``CORRUPTIONS``) and leaves the layout a user of that dataset would point
unetdiag at, with no ``--mask-suffix``: finding the pairs is unetdiag's job.

* :func:`annotator_tags`: CHASE_DB1, one folder, ``Image_01L.jpg`` with two annotators'
  masks ``Image_01L_1stHO.png`` and ``Image_01L_2ndHO.png``;
* :func:`shared_key_names`: DRIVE, ``images/21_training.png`` with
  ``1st_manual/21_manual1.png`` (and the field of view in ``mask/21_training_mask.png``);
* :func:`instance_folders`: Kaggle DSB 2018, ``stage1_train/<id>/images/<id>.png`` with one
  PNG per object in ``stage1_train/<id>/masks/``;
* :func:`tiff_stacks`: ISBI 2012, every image in one multi-page TIFF and every mask in
  another;
* :func:`cog_overviews`: cloud-optimised GeoTIFFs, each tile with its reduced-resolution
  overviews in the same file;
* :func:`case_folders`: the Kaggle LGG MRI set, ``kaggle_3m/<patient>/<patient>_<n>.tif``
  beside ``<patient>_<n>_mask.tif``;
* tiles and views of one subject (:mod:`.tile_layouts`): :func:`~.tile_layouts.tile_names`,
  :func:`~.tile_layouts.overlapping_tiles`;
* :func:`class_folders`: BUSI, ``Dataset_BUSI_with_GT/<class>/<class> (<n>).png`` beside
  ``<class> (<n>)_mask.png`` and, for a second lesion, ``<class> (<n>)_mask_1.png``;
* :func:`split_parts`: a split made in advance, ``dataset/train/images/<n>.png`` with
  ``dataset/train/masks/<n>.png``, and the same under ``val/``;
* :func:`isic_superpixels`: ISIC 2017, ``ISIC-2017_Training_Data/ISIC_<n>.jpg`` beside its
  superpixel map ``ISIC_<n>_superpixels.png``, the masks in
  ``ISIC-2017_Training_Part1_GroundTruth/ISIC_<n>_segmentation.png``.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin
from scipy import ndimage

from unetdiag.diag.data.reading import page_reference
from unetdiag.diag.synth.case import CaseFiles, as_255, read_grey, read_mask
from unetdiag.diag.synth.generator import png_bytes
from unetdiag.diag.synth.tile_layouts import overlapping_tiles, tile_names
from unetdiag.fsutil import atomic_save, atomic_write_bytes

#: DRIVE numbers its training images from 21.
FIRST_DRIVE_NUMBER = 21


def _jpeg_bytes(grey: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(grey, mode="L").convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def annotator_tags(case: CaseFiles, rng: np.random.Generator, first: str = "_1stHO",
                   second: str = "_2ndHO", quality: int = 95) -> list[Path]:
    """Images as RGB JPEG beside two annotators' PNG masks, tagged ``first`` and ``second``
    (the second annotator draws every object one pixel wider).

    Simulates: CHASE_DB1 as distributed. Shows: no mask carries a default suffix; counted
    as images, the annotation files would double the dataset and leave every real image
    without a mask.
    """
    changed = []
    folder = case.layout.images_dir
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = image.stem
        foreground = read_mask(mask)
        jpeg = folder / f"{stem}.jpg"
        atomic_write_bytes(jpeg, _jpeg_bytes(read_grey(image), quality))
        image.unlink()
        mask.unlink()
        first_mask, second_mask = folder / f"{stem}{first}.png", folder / f"{stem}{second}.png"
        atomic_write_bytes(first_mask, png_bytes(Image.fromarray(as_255(foreground))))
        wider = ndimage.binary_dilation(foreground) if foreground.any() else foreground
        atomic_write_bytes(second_mask, png_bytes(Image.fromarray(as_255(wider))))
        case.images[index], case.masks[index] = jpeg, first_mask
        changed += [jpeg, first_mask, second_mask]
    case.layout.mask_suffixes = ()
    return changed


def shared_key_names(case: CaseFiles, rng: np.random.Generator, image_tail: str = "_training",
                     mask_tail: str = "_manual1", missing_masks: int = 0,
                     fov_masks: bool = False) -> list[Path]:
    """Images renamed ``<n>_training.png`` and masks moved to ``1st_manual/<n>_manual1.png``
    (``n`` from 21); ``missing_masks`` masks are deleted (their images stay); with
    ``fov_masks``, a field-of-view disc per image in ``mask/<n>_training_mask.png`` beside
    ``1st_manual/`` (0/255, its radius 0.45 of the side, give or take a pixel).

    Simulates: DRIVE as distributed. Shows: image and mask share only a number, so matching
    by name or suffix pairs nothing; the field of view ships beside the annotations.
    """
    masks_dir = case.root / "1st_manual"
    masks_dir.mkdir(exist_ok=True)
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        key = FIRST_DRIVE_NUMBER + index
        case.images[index] = image.replace(image.with_name(f"{key}{image_tail}{image.suffix}"))
        case.masks[index] = mask.replace(masks_dir / f"{key}{mask_tail}{mask.suffix}")
        changed += [case.images[index], case.masks[index]]
        if fov_masks:
            changed.append(_fov_disc(case.root / "mask" / f"{key}{image_tail}_mask.png",
                                     read_grey(case.images[index]).shape, rng))
    for index in sorted(case.pair_indices(rng, None, missing_masks), reverse=True):
        case.masks.pop(index).unlink()
        case.images.pop(index)
    case.layout.masks_dir = masks_dir
    case.layout.mask_suffixes = ()
    return [path for path in changed if path.exists()]


def _fov_disc(path: Path, shape: tuple[int, ...], rng: np.random.Generator) -> Path:
    """A 0/255 disc centred in an image of ``shape``, written to ``path``."""
    rows, columns = np.mgrid[:shape[0], :shape[1]]
    radius = 0.45 * min(shape[:2]) + rng.uniform(-1, 1)
    disc = (rows - shape[0] / 2) ** 2 + (columns - shape[1] / 2) ** 2 <= radius ** 2
    path.parent.mkdir(exist_ok=True)
    atomic_write_bytes(path, png_bytes(Image.fromarray(as_255(disc))))
    return path


def instance_folders(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Each pair moved to ``stage1_train/<id>/``: the image as an opaque RGBA PNG in
    ``images/``, each connected object of its mask as its own 0/255 PNG in ``masks/`` (an
    image without objects gets no ``masks/`` folder). Ids are 64 hexadecimal digits.

    Simulates: the Kaggle Data Science Bowl 2018 training set. Shows: no mask file sits
    anywhere a flat reader looks; the mask of an image is the union of many files.
    """
    root = case.root / "stage1_train"
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        sample_id = rng.bytes(32).hex()
        sample = root / sample_id
        (sample / "images").mkdir(parents=True)
        grey = read_grey(image)
        rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
        new_image = sample / "images" / f"{sample_id}.png"
        atomic_write_bytes(new_image, png_bytes(Image.fromarray(rgba, mode="RGBA")))
        labels, count = ndimage.label(read_mask(mask))
        if count:
            (sample / "masks").mkdir()
        for number in range(1, count + 1):
            object_path = sample / "masks" / f"{rng.bytes(32).hex()}.png"
            atomic_write_bytes(object_path, png_bytes(Image.fromarray(as_255(labels == number))))
        image.unlink()
        mask.unlink()
        case.images[index], case.masks[index] = new_image, sample / "masks"
        changed += [new_image, sample / "masks"]
    shutil.rmtree(case.layout.images_dir)
    case.layout.images_dir = root
    case.layout.masks_dir = None
    case.layout.mask_suffixes = ()
    return changed


def _write_stack(path: Path, pages: list[Image.Image]) -> None:
    atomic_save(lambda target: pages[0].save(target, format="TIFF", save_all=True,
                                             append_images=pages[1:]), path)


def tiff_stacks(case: CaseFiles, rng: np.random.Generator,
                mask_pages: int | None = None) -> list[Path]:
    """Every image as a page of ``stack/images/train.tif`` and every mask as a page of
    ``stack/masks/train.tif`` (8-bit grey, 0/255 masks); with ``mask_pages`` the mask stack
    keeps only its first pages.

    Simulates: the ISBI 2012 EM stacks (``train-volume.tif``, ``train-labels.tif``). Shows:
    read as ordinary files, only the first page of each counts.
    """
    images_dir, masks_dir = case.root / "stack" / "images", case.root / "stack" / "masks"
    images_dir.mkdir(parents=True)
    masks_dir.mkdir(parents=True)
    image_pages = [Image.fromarray(read_grey(image), mode="L") for image in case.images]
    mask_pages_kept: list[Image.Image] = [Image.fromarray(as_255(read_mask(mask)))
                                          for mask in case.masks]
    if mask_pages is not None:
        mask_pages_kept = mask_pages_kept[:mask_pages]
    image_stack, mask_stack = images_dir / "train.tif", masks_dir / "train.tif"
    _write_stack(image_stack, image_pages)
    _write_stack(mask_stack, mask_pages_kept)
    shutil.rmtree(case.layout.images_dir)
    pages = len(image_pages)
    case.images = [page_reference(image_stack, page, pages) for page in range(1, pages + 1)]
    # pair i keeps mask page i, or the last page when the mask stack was cut short
    case.masks = [page_reference(mask_stack, min(page, len(mask_pages_kept)), pages)
                  for page in range(1, pages + 1)]
    case.layout.images_dir, case.layout.masks_dir = images_dir, masks_dir
    case.layout.mask_suffixes = ()
    return [image_stack, mask_stack]


#: NewSubfileType of a TIFF page that is a reduced-resolution copy of another (TIFF 6.0).
REDUCED_RESOLUTION_PAGE = 1


def tiff_with_overviews(values: np.ndarray, overviews: int = 2,
                        subfile_type: int = REDUCED_RESOLUTION_PAGE) -> bytes:
    """A TIFF of ``values`` followed by ``overviews`` pages at half, quarter... resolution,
    each tagged NewSubfileType ``subfile_type``, as ``gdal_translate -of COG`` writes them."""
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer) as writer:
        for level in range(overviews + 1):
            step = 2 ** level
            Image.fromarray(np.ascontiguousarray(values[::step, ::step])).save(
                writer, format="TIFF", tiffinfo={254: subfile_type if level else 0})
            writer.newFrame()
    return buffer.getvalue()


def cog_overviews(case: CaseFiles, rng: np.random.Generator, overviews: int = 2,
                  masks_too: bool = True) -> list[Path]:
    """Every image as ``cog/images/<stem>.tif`` with ``overviews`` reduced-resolution
    pages after its own; every mask as ``cog/masks/<stem>.tif`` with as many (0/255), or,
    without ``masks_too``, as ``cog/masks/<stem>.png``.

    Simulates: remote-sensing tiles exported with ``gdal_translate -of COG`` (internal
    overviews, NewSubfileType 1). Shows: counted as pages, each overview would be one more
    pair, a near-copy of its scene at a smaller size, on either side of the split.
    """
    images_dir, masks_dir = case.root / "cog" / "images", case.root / "cog" / "masks"
    images_dir.mkdir(parents=True)
    masks_dir.mkdir(parents=True)
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        mask_values = as_255(read_mask(mask))
        new_mask = masks_dir / f"{image.stem}{'.tif' if masks_too else '.png'}"
        changed += _rewrite_pair(
            case, index, images_dir / f"{image.stem}.tif", new_mask,
            tiff_with_overviews(read_grey(image), overviews),
            tiff_with_overviews(mask_values, overviews) if masks_too
            else png_bytes(Image.fromarray(mask_values)))
    shutil.rmtree(case.layout.images_dir)
    case.layout.images_dir, case.layout.masks_dir = images_dir, masks_dir
    case.layout.mask_suffixes = ()
    return changed


def _tiff_bytes(values: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format="TIFF")
    return buffer.getvalue()


def _rewrite_pair(case: CaseFiles, index: int, new_image: Path, new_mask: Path,
                  image_bytes: bytes, mask_bytes: bytes) -> list[Path]:
    """Write pair ``index`` anew as ``new_image`` and ``new_mask``, remove the old files."""
    atomic_write_bytes(new_image, image_bytes)
    atomic_write_bytes(new_mask, mask_bytes)
    case.images[index].unlink()
    case.masks[index].unlink()
    case.images[index], case.masks[index] = new_image, new_mask
    return [new_image, new_mask]


def _root_at(case: CaseFiles, root: Path) -> None:
    """The case's folder is now ``root`` (the generated ``images/`` is gone), no suffixes."""
    shutil.rmtree(case.layout.images_dir)
    case.layout.images_dir = root
    case.layout.masks_dir = None
    case.layout.mask_suffixes = ()


def case_folders(case: CaseFiles, rng: np.random.Generator, cases: int = 3) -> list[Path]:
    """The pairs dealt in turn into ``cases`` patient folders under ``kaggle_3m/``, each
    slice a grey TIFF ``<patient>_<n>.tif`` beside its 0/255 ``<patient>_<n>_mask.tif``.

    Simulates: the Kaggle LGG MRI segmentation set (one folder per patient, 110 of them).
    Shows: no image sits in the folder a user points at, and slices of one patient on both
    sides of a split by file would let validation score what training has seen.
    """
    root = case.root / "kaggle_3m"
    patients = [f"TCGA_{rng.bytes(1).hex().upper()}_{5000 + number}" for number in range(cases)]
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        patient = patients[index % cases]
        stem = f"{patient}_{index // cases + 1}"
        folder = root / patient
        folder.mkdir(parents=True, exist_ok=True)
        changed += _rewrite_pair(case, index, folder / f"{stem}.tif", folder / f"{stem}_mask.tif",
                                 _tiff_bytes(read_grey(image)),
                                 _tiff_bytes(as_255(read_mask(mask))))
    _root_at(case, root)
    return changed


def mirrored_folders(case: CaseFiles, rng: np.random.Generator, cases: int = 5) -> list[Path]:
    """The pairs dealt in turn into ``cases`` folders under ``images/`` and the same folders
    under ``masks/``, image and mask of one name (``images/case_0/000.png`` with
    ``masks/case_0/000.png``).

    Simulates: trees that mirror each other (Cityscapes' ``leftImg8bit/<city>/`` with
    ``gtFine/<city>/``, one folder per patient on each side). Shows: neither folder holds a
    file, and the folders are the groups a split must keep whole.
    """
    root = case.root / "tree"
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        name = f"case_{index % cases}/{index // cases:03d}.png"
        for folder in ("images", "masks"):
            (root / folder / name).parent.mkdir(parents=True, exist_ok=True)
        changed += _rewrite_pair(case, index, root / "images" / name, root / "masks" / name,
                                 png_bytes(Image.fromarray(read_grey(image))),
                                 png_bytes(Image.fromarray(as_255(read_mask(mask)))))
    shutil.rmtree(case.layout.images_dir)
    case.layout.images_dir, case.layout.masks_dir = root / "images", root / "masks"
    case.layout.mask_suffixes = ()
    return changed


def labelme_folders(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Each pair as labelme_json_to_dataset writes it: ``<name>_json/img.png``, ``label.png``
    (palette, 0 background, 1 the object), ``label_viz.png`` (the image tinted over the
    object) and ``label_names.txt``.

    Simulates: labelme's conversion of each annotation (wkentaro/labelme#420: four files per
    folder under fixed names). Shows: no folder holds a ``_mask`` file, and the picture of
    the labels is no mask.
    """
    root = case.root / "labelme"
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        folder = root / f"IMG_{2100 + index}_json"
        folder.mkdir(parents=True)
        grey, foreground = read_grey(image), read_mask(mask)
        label = Image.fromarray(foreground.astype(np.uint8), mode="P")
        label.putpalette([0, 0, 0, 128, 0, 0] + [0] * 762)
        tinted = np.stack([grey] * 3, axis=-1)
        tinted[foreground] = (tinted[foreground] // 2 + np.uint8([64, 0, 0]))
        atomic_write_bytes(folder / "label_viz.png", png_bytes(Image.fromarray(tinted)))
        atomic_write_bytes(folder / "label_names.txt", b"_background_\nobject\n")
        changed += _rewrite_pair(case, index, folder / "img.png", folder / "label.png",
                                 png_bytes(Image.fromarray(grey)), png_bytes(label))
        changed += [folder / "label_viz.png", folder / "label_names.txt"]
    _root_at(case, root)
    return changed


def mask_parts(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Each mask cut into its left and right halves, kept under one name in
    ``ManualMask/leftMask/`` and ``ManualMask/rightMask/``, the images in ``CXR_png/``; the
    mask folder given is ``leftMask/``.

    Simulates: the Montgomery chest X-ray set (one lung per folder, the same names). Shows:
    trained on one folder, the other part of every object is background.
    """
    root = case.root / "MontgomerySet"
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        name = f"MCUCXR_{index + 1:04d}_{index % 2}.png"
        foreground = read_mask(mask)
        left, right = foreground.copy(), foreground.copy()
        left[:, foreground.shape[1] // 2:] = False
        right[:, :foreground.shape[1] // 2] = False
        for folder in ("CXR_png", "ManualMask/leftMask", "ManualMask/rightMask"):
            (root / folder).mkdir(parents=True, exist_ok=True)
        other = root / "ManualMask" / "rightMask" / name
        atomic_write_bytes(other, png_bytes(Image.fromarray(as_255(right))))
        changed += _rewrite_pair(case, index, root / "CXR_png" / name,
                                 root / "ManualMask" / "leftMask" / name,
                                 png_bytes(Image.fromarray(read_grey(image))),
                                 png_bytes(Image.fromarray(as_255(left)))) + [other]
    shutil.rmtree(case.layout.images_dir)
    case.layout.images_dir = root / "CXR_png"
    case.layout.masks_dir = root / "ManualMask" / "leftMask"
    case.layout.mask_suffixes = ()
    return changed


def class_folders(case: CaseFiles, rng: np.random.Generator,
                  classes: tuple[str, ...] = ("benign", "malignant", "normal"),
                  split_lesions: int = 0) -> list[Path]:
    """The pairs dealt in turn into one folder per class under ``Dataset_BUSI_with_GT/``, as
    ``<class> (<n>).png`` beside ``<class> (<n>)_mask.png``; in ``split_lesions`` masks with
    two or more objects, the largest object moves to ``<class> (<n>)_mask_1.png``.

    Simulates: the BUSI breast ultrasound set (benign/, malignant/, normal/; a second lesion
    in its own numbered mask). Shows: the folders are classes, not cases, and a reader that
    takes ``_mask_1`` files for images, or keeps only ``_mask``, loses those lesions.
    """
    root = case.root / "Dataset_BUSI_with_GT"
    changed = []
    numbers: dict[str, int] = {}
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        label = classes[index % len(classes)]
        numbers[label] = numbers.get(label, 0) + 1
        stem = f"{label} ({numbers[label]})"
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        foreground = read_mask(mask)
        objects, count = ndimage.label(foreground)
        if split_lesions > 0 and count >= 2:
            split_lesions -= 1
            largest = 1 + int(np.argmax(np.bincount(objects.ravel())[1:]))
            second = folder / f"{stem}_mask_1.png"
            atomic_write_bytes(second, png_bytes(Image.fromarray(as_255(objects == largest))))
            foreground = foreground & (objects != largest)
            changed.append(second)
        changed += _rewrite_pair(case, index, folder / f"{stem}.png", folder / f"{stem}_mask.png",
                                 png_bytes(Image.fromarray(read_grey(image))),
                                 png_bytes(Image.fromarray(as_255(foreground))))
    _root_at(case, root)
    return changed


def split_parts(case: CaseFiles, rng: np.random.Generator,
                parts: tuple[str, ...] = ("train", "val"), val_every: int = 4) -> list[Path]:
    """Every ``val_every``-th pair moved to ``dataset/<parts[1]>/{images,masks}/``, the
    others to ``dataset/<parts[0]>/{images,masks}/``, each mask under its image's name.

    Simulates: a dataset released with its split made (Kvasir-SEG and many Kaggle sets:
    train/images, train/masks, val/images, val/masks). Shows: each part's images/ folder
    holds many images, unlike a Data Science Bowl sample folder, which holds one.
    """
    root = case.root / "dataset"
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        part = root / parts[1 if index % val_every == val_every - 1 else 0]
        (part / "images").mkdir(parents=True, exist_ok=True)
        (part / "masks").mkdir(parents=True, exist_ok=True)
        new_image, new_mask = part / "images" / image.name, part / "masks" / image.name
        image.replace(new_image)
        mask.replace(new_mask)
        case.images[index], case.masks[index] = new_image, new_mask
        changed += [new_image, new_mask]
    _root_at(case, root)
    return changed


def _superpixel_map(height: int, width: int, side: int = 6) -> np.ndarray:
    """Square superpixels of ``side`` pixels, numbered as ISIC encodes them in RGB (index =
    R + 256 G + 65536 B)."""
    rows, columns = np.mgrid[0:height, 0:width]
    index = (rows // side) * (-(-width // side)) + columns // side
    return np.dstack([index & 255, (index >> 8) & 255, (index >> 16) & 255]).astype(np.uint8)


def isic_superpixels(case: CaseFiles, rng: np.random.Generator, quality: int = 92) -> list[Path]:
    """Images as ``ISIC-2017_Training_Data/ISIC_<n>.jpg`` (RGB JPEG), each beside its
    superpixel map ``ISIC_<n>_superpixels.png``; masks moved to
    ``ISIC-2017_Training_Part1_GroundTruth/ISIC_<n>_segmentation.png``. The case's folder
    is the image folder, with no mask folder: where a user first points.

    Simulates: the ISIC 2017 lesion segmentation challenge as downloaded. Shows: beside the
    images, files named after them that are neither images nor masks.
    """
    images_dir = case.root / "ISIC-2017_Training_Data"
    masks_dir = case.root / "ISIC-2017_Training_Part1_GroundTruth"
    images_dir.mkdir()
    masks_dir.mkdir()
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = f"ISIC_{index * 37:07d}"
        grey = read_grey(image)
        superpixels = images_dir / f"{stem}_superpixels.png"
        atomic_write_bytes(superpixels, png_bytes(Image.fromarray(_superpixel_map(*grey.shape))))
        changed.append(superpixels)
        changed += _rewrite_pair(case, index, images_dir / f"{stem}.jpg",
                                 masks_dir / f"{stem}_segmentation.png",
                                 _jpeg_bytes(grey, quality),
                                 png_bytes(Image.fromarray(as_255(read_mask(mask)))))
    _root_at(case, images_dir)
    return changed


def voc_layout(case: CaseFiles, rng: np.random.Generator, unsegmented: int = 2,
               given: str = "folders") -> list[Path]:
    """PASCAL VOC's layout under ``VOC2012/``: every image a JPEG in ``JPEGImages/``, beside
    ``unsegmented`` images per pair that have no mask (detection-only images), the masks as
    palette PNGs (VOC's colour map, index 1 the object) in ``SegmentationClass/``, and the
    segmented names in ``ImageSets/Segmentation/{train,val,trainval}.txt`` (every fourth in
    val), all names in ``ImageSets/Main/trainval.txt``. ``given``: ``"folders"`` (the
    case's folders are JPEGImages/ and SegmentationClass/) or ``"root"`` (VOC2012/ alone).

    Simulates: VOC2012 as downloaded (17,125 images, 2,913 of them segmented). Shows: most
    images have no mask by design, and the lists hold a split unetdiag does not read.
    """
    from unetdiag.diag.synth.label_corruptions import voc_palette

    root = case.root / "VOC2012"
    images, masks, lists = root / "JPEGImages", root / "SegmentationClass", root / "ImageSets"
    for folder in (images, masks, lists / "Segmentation", lists / "Main"):
        folder.mkdir(parents=True)
    changed, names, every = [], [], []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = f"2007_{index * (unsegmented + 1):06d}"
        grey = read_grey(image)
        palette = Image.fromarray(read_mask(mask).astype(np.uint8), "P")
        palette.putpalette(voc_palette())
        changed += _rewrite_pair(case, index, images / f"{stem}.jpg", masks / f"{stem}.png",
                                 _jpeg_bytes(grey, 90), png_bytes(palette))
        names.append(stem)
        every.append(stem)
        for extra in range(1, unsegmented + 1):  # detection-only images: no mask
            other = images / f"2007_{index * (unsegmented + 1) + extra:06d}.jpg"
            atomic_write_bytes(other, _jpeg_bytes(np.roll(grey, 7 * extra, axis=1), 90))
            changed.append(other)
            every.append(other.stem)
    val = names[3::4]
    for name, listed in (("train", [n for n in names if n not in val]), ("val", val),
                         ("trainval", names)):
        atomic_write_bytes(lists / "Segmentation" / f"{name}.txt",
                           "".join(f"{n}\n" for n in listed).encode())
    atomic_write_bytes(lists / "Main" / "trainval.txt", "".join(f"{n}\n" for n in every).encode())
    _root_at(case, root)
    if given == "folders":
        case.layout.images_dir, case.layout.masks_dir = images, masks
    return changed


#: The layout builders, by the ``kind`` a catalogue entry names.
LAYOUTS: tuple[Callable[..., list[Path]], ...] = (
    annotator_tags, shared_key_names, instance_folders, tiff_stacks, case_folders,
    class_folders, tile_names, overlapping_tiles, split_parts, isic_superpixels, cog_overviews,
    mirrored_folders, labelme_folders, mask_parts, voc_layout)
