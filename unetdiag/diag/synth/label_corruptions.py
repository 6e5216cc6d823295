"""Corruptions that store masks as the label maps of public datasets: class indices, trimaps,
palettes with a void border, one number per object, scribbles, point marks, contour classes,
probabilities.

Each rewrites the masks of a :class:`~unetdiag.diag.synth.corruptions.CaseFiles` case from
their decoded foreground (the synthetic cells), in the encoding of one public dataset; the
encodings are the ones documented for those datasets:

* :func:`trimap_masks`: Oxford-IIIT Pet trimaps, 8-bit grey PNG holding 1 = object,
  2 = background, 3 = a band across every outline ("not classified");
* :func:`resized_label_maps`: any of these resized bilinearly (tensorflow/docs#2159);
* :func:`class_index_masks`: CamVid as SegNet distributes it, 8-bit grey PNG of class indices
  0..11, 11 = void;
* :func:`palette_void_masks`: PASCAL VOC and the Oxford-IIIT Pet palette release, palette PNG
  with the VOC colour map, objects of two classes (1 and 2), index 255 = void band along every
  outline;
* :func:`instance_label_masks`: Cellpose, StarDist, the Cell Tracking Challenge: 0 and one
  number per object;
* :func:`dense_instance_masks`: the same for thousands of small nuclei per image, 16-bit or
  32-bit TIFF;
* :func:`scribble_masks`: scribble labels (COD 0/1/2, WSL4MIS 0/1/255), thin strokes;
* :func:`disc_marks`: cell centroids of two classes stamped as small discs (1, 2 on 0);
* :func:`raw_id_masks`: VisA half prepared, raw class id 3 beside 0/255;
* :func:`contour_masks`: contour-aware labels (DCAN), 0 background, 1 interior, 2 boundary;
* :func:`probability_masks`: soft labels, float32 TIFF probabilities fading over the edges.

Masks whose files carry more than the mask (alpha, frames, figures, no-data tags) are in
:mod:`~unetdiag.diag.synth.mask_file_corruptions`; masks of particular regions (field of
view, vessel trees, large objects) in :mod:`~unetdiag.diag.synth.region_corruptions`. They are
registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.voc_grey import voc_colour
from unetdiag.diag.synth.case import replace_file
from unetdiag.diag.synth.mask_writing import (
    draw_stroke,
    encode_image,
    outline_band,
    rewrite_masks,
)
from unetdiag.fsutil import atomic_write_bytes

#: Oxford-IIIT Pet trimap values.
TRIMAP_OBJECT, TRIMAP_BACKGROUND, TRIMAP_BORDER = 1, 2, 3
#: CamVid (SegNet) classes used here: sky, building, pole, road, pavement, tree, sign, fence,
#: car, pedestrian, bicyclist, void.
CAMVID_SKY, CAMVID_BUILDING, CAMVID_POLE, CAMVID_ROAD, CAMVID_PAVEMENT = 0, 1, 2, 3, 4
CAMVID_TREE, CAMVID_SIGN, CAMVID_FENCE, CAMVID_CAR, CAMVID_PEDESTRIAN = 5, 6, 7, 8, 9
CAMVID_BICYCLIST, CAMVID_VOID = 10, 11
#: PASCAL VOC's void index.
VOC_VOID = 255


def voc_palette() -> list[int]:
    """PASCAL VOC's 256-colour map (bit-interleaved), as Pillow's flat RGB list.

    >>> voc_palette()[3:9], voc_palette()[-3:]
    ([128, 0, 0, 0, 128, 0], [224, 224, 192])
    """
    return [channel for index in range(256) for channel in voc_colour(index)]


def trimap_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None, border: int = 1,
                 values: tuple[int, int, int] = (TRIMAP_BACKGROUND, TRIMAP_OBJECT, TRIMAP_BORDER)
                 ) -> list[Path]:
    """Oxford-IIIT Pet trimaps: 1 = object, 2 = background, 3 = a band of ``2 * border + 1``
    pixels across every outline (8-bit grey PNG); ``border=0``: no band, 1 and 2 alone.
    ``values`` (background, object, band): (0, 255, 128) is the alpha-matting trimap.

    Simulates: the Pet trimap release. Shows: every value is below 127.5, so a midpoint
    threshold decodes every mask empty; ``> 0`` makes every mask full.
    """
    background, inner, unknown = values

    def encode(foreground: np.ndarray) -> bytes:
        inside, band = (outline_band(foreground, border) if border
                        else (foreground, foreground & False))
        trimap = np.full(foreground.shape, background, dtype=np.uint8)
        trimap[inside] = inner
        trimap[band] = unknown
        return encode_image(trimap, "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def resized_label_maps(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None, scale: float = 0.5,
                       float32: bool = False) -> list[Path]:
    """Label maps already written (8-bit grey) resized down by ``scale`` and back up with
    bilinear interpolation, stored as whole numbers again (PNG; with ``float32``, a float32
    TIFF of the same whole numbers, as a NIfTI or SimpleITK export stores class maps).

    Simulates: tensorflow/docs#2159, the segmentation tutorial's trimaps resized bilinearly.
    Shows: along the boundary between two labels, a value between them that nobody drew
    (a trimap's 2 between its 1 and 3).
    """
    if not 0.0 < scale < 1.0:
        raise ValueError(f"scale must be in (0, 1), not {scale}")
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        path = case.masks[index]
        with Image.open(path) as stored:
            labels = stored.convert("L")
        small = (max(1, round(labels.width * scale)), max(1, round(labels.height * scale)))
        resized = labels.resize(small, Image.Resampling.BILINEAR).resize(
            labels.size, Image.Resampling.BILINEAR)
        if float32:
            new = path.with_suffix(".tif")
            replace_file(path, new, encode_image(np.asarray(resized).astype(np.float32), "F",
                                                 image_format="TIFF"))
            case.masks[index] = path = new
        else:
            atomic_write_bytes(path, encode_image(np.asarray(resized), "L"))
        changed.append(path)
    return changed


def class_index_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None, void: int = CAMVID_VOID) -> list[Path]:
    """CamVid (SegNet): class indices 0..11 in 8-bit grey PNG, 11 = void (with ``void=255``,
    Cityscapes' labelTrainIds: the void patch and the bottom eighth, the ego vehicle, 255).

    Each mask becomes a street scene: bands of sky, building, tree, fence, pavement and road
    from top to bottom, the cells as cars and pedestrians, a pole with a sign, a bicyclist and
    a void patch. Simulates: the SegNet CamVid release. Shows: a multi-class map; a midpoint
    threshold decodes every mask empty.
    """
    def encode(foreground: np.ndarray) -> bytes:
        height, width = foreground.shape
        bands = (CAMVID_SKY, CAMVID_BUILDING, CAMVID_TREE, CAMVID_FENCE, CAMVID_PAVEMENT,
                 CAMVID_ROAD)
        rows = np.minimum(np.arange(height) * len(bands) // height, len(bands) - 1)
        scene = np.repeat(np.asarray(bands, np.uint8)[rows][:, None], width, axis=1)
        objects, found = ndimage.label(foreground)
        for number in range(1, found + 1):
            scene[objects == number] = CAMVID_CAR if number % 2 else CAMVID_PEDESTRIAN
        pole = int(rng.integers(2, width - 4))
        scene[height // 6:, pole:pole + 2] = CAMVID_POLE
        scene[height // 6:height // 6 + 4, pole - 1:pole + 3] = CAMVID_SIGN
        top, left = int(rng.integers(0, height - 4)), int(rng.integers(0, width - 4))
        scene[top:top + 3, left:left + 3] = CAMVID_BICYCLIST
        top, left = int(rng.integers(0, height - 6)), int(rng.integers(0, width - 6))
        scene[top:top + 5, left:left + 5] = void
        if void == 255:
            scene[height - height // 8:] = void
        return encode_image(scene, "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def palette_void_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None, border: int = 1) -> list[Path]:
    """PASCAL VOC style palette masks: each object index 1 or 2 (two classes, as cat and dog),
    a void band (index 255) of ``2 * border + 1`` pixels across every outline, 0 elsewhere.

    Simulates: VOC's SegmentationClass and the Oxford-IIIT Pet palette release. Shows: with
    "every index but 0 is foreground" the void band counts as object (about 2 points of
    foreground); both classes merge into one.
    """
    palette = voc_palette()

    def encode(foreground: np.ndarray) -> bytes:
        inside, band = outline_band(foreground, border)
        objects, found = ndimage.label(inside)
        classes = np.concatenate(([0], rng.integers(1, 3, size=found))).astype(np.uint8)
        indices = classes[objects]
        indices[band] = VOC_VOID
        return encode_image(indices, "P", palette)

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def instance_label_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                         count: int | None = None, palette: bool = False) -> list[Path]:
    """Instance label images: 0 background and one number per object (1, 2, 3... in each
    mask), 16-bit grey PNG. Simulates: Cellpose ``_masks`` files, StarDist and the Cell
    Tracking Challenge's label images. Shows: numbers far below the 16-bit midpoint, so a
    midpoint threshold decodes every mask empty; every value but 0 is an object. With
    ``palette``: VOC-palette PNGs with the 255 void band round each object, as PASCAL VOC's
    ``SegmentationObject`` numbers the objects of each image.
    """
    def encode(foreground: np.ndarray) -> bytes:
        if palette:
            inside, band = outline_band(foreground, 1)
            objects = ndimage.label(inside)[0].astype(np.uint8)
            objects[band] = VOC_VOID
            return encode_image(objects, "P", voc_palette())
        objects, _found = ndimage.label(foreground)
        return encode_image(objects.astype(np.uint16), None)

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def dense_instance_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                         count: int | None = None, spacing: int = 5, side: int = 3,
                         dtype: str = "uint16") -> list[Path]:
    """Masks replaced by dense instance label images: a ``side``-pixel square nucleus every
    ``spacing`` pixels where a coin comes up (4 in 5), numbered 1, 2, 3 .. in each mask (a
    64-px mask holds about 130, a 256-px one about 2,100), as a TIFF of ``dtype`` (``uint16``,
    or ``int32`` as StarDist returns its labels).

    Simulates: whole-slide or dense-culture instance masks (Cellpose ``_masks``, StarDist's
    int32 labels saved with tifffile) holding hundreds to thousands of objects. Shows: far
    more values than classes ever are, all below the 16-bit midpoint: decoded empty by the
    midpoint, every value but 0 an object under ``--mask-threshold 0``.
    """
    def encode(foreground: np.ndarray) -> bytes:
        labels = np.zeros(foreground.shape, np.dtype(dtype))
        number = 0
        for row in range(1, foreground.shape[0] - side, spacing):
            for column in range(1, foreground.shape[1] - side, spacing):
                if rng.random() < 0.8:
                    number += 1
                    labels[row:row + side, column:column + side] = number
        return encode_image(labels, None, image_format="TIFF")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode, ".tif")



def scene_class_maps(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                     count: int | None = None, many: int = 30, shared: int = 140,
                     spacing: int = 8, side: int = 6) -> list[Path]:
    """Masks replaced by class maps of scenes, 8-bit grey: a ``side``-pixel square every
    ``spacing`` pixels, each given a class in turn; every other mask a scene of ``many``
    classes (1 .. ``many`` - 1 and ``shared``), the rest scenes of 3 (1, 3 and ``shared``).

    Simulates: ADE20K-like class indices 0..150 in a PNG of mode L, scenes holding many
    classes or few. Shows: the scenes of many classes read as 8-bit label numbers (numbers
    close together on both sides of 127: threshold 255), those of few as grey levels (127.5),
    so ``shared`` is background in one and foreground in the other.
    """
    chosen = case.pair_indices(rng, fraction, count)
    scenes = iter([[*range(1, many), shared] if order % 2 == 0 else [1, 3, shared]
                   for order in range(len(chosen))])

    def encode(foreground: np.ndarray) -> bytes:
        classes = next(scenes)
        labels = np.zeros(foreground.shape, np.uint8)
        squares = 0
        for row in range(1, foreground.shape[0] - side, spacing):
            for column in range(1, foreground.shape[1] - side, spacing):
                labels[row:row + side, column:column + side] = classes[squares % len(classes)]
                squares += 1
        return encode_image(labels, "L")

    return rewrite_masks(case, chosen, encode)


def raw_id_masks(case: Any, rng: np.random.Generator, fraction: float = 0.5,
                 count: int | None = None, value: int = 3) -> list[Path]:
    """Some masks store the object as a raw class id ``value`` on 0, the others keep 0/255.

    Simulates: VisA half prepared (amazon-science/spot-diff#1: its script rescales the masks
    to 0/255; a set partly run holds both). Shows: a proposal by the label maps' values alone
    (``3``) would empty the 0/255 masks.
    """
    def encode(foreground: np.ndarray) -> bytes:
        return encode_image(np.where(foreground, value, 0).astype(np.uint8), "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def scribble_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                   count: int | None = None, unlabelled: int = 0, object_value: int = 1,
                   background_value: int = 2, width: int = 3, void_border: int = 0
                   ) -> list[Path]:
    """Scribble labels: a stroke of ``width`` pixels inside each mask's object
    (``object_value``), one in its background (``background_value``), ``unlabelled``
    elsewhere (8-bit grey PNG); the strokes keep two pixels off the outline. With
    ``void_border``, 255 on a band that wide along the mask's border (PASCAL's void).

    Simulates: the COD scribble set (1 object, 2 background, 0 unlabelled; dddraxxx/Weakly-
    Supervised-Camouflaged-Object-Detection-with-Scribble-Annotations#9) and, with
    ``unlabelled=255, background_value=0``, WSL4MIS (HiLab-git/WSL4MIS#3). Shows: read as
    "every value but the commonest is the object", the background strokes become object.
    """
    def encode(foreground: np.ndarray) -> bytes:
        inside, band = outline_band(foreground, 2)
        labels = np.full(foreground.shape, unlabelled, dtype=np.uint8)
        labels[draw_stroke(~(inside | band), rng, width)] = background_value
        labels[draw_stroke(inside, rng, width)] = object_value
        if void_border:
            band = void_border
            labels[:band], labels[-band:], labels[:, :band], labels[:, -band:] = 255, 255, 255, 255
        return encode_image(labels, "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def disc_marks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
               count: int | None = None, radius: int = 3, per_class: int = 6) -> list[Path]:
    """Cells marked by a disc of ``radius`` round each centroid, ``per_class`` cells of class
    1 and of class 2 a mask, on 0 (8-bit grey PNG); the objects drawn before are dropped.

    Simulates: point-labelled cell sets (two classes of centroids, as positive and negative
    nuclei) stamped into discs to train a segmentation net (BiaPyX/BiaPy#96: central points
    dilated, 'the default 3*3(*3) square'; NKI-AI/dlup#218: 'buffer_point_radius ... transform
    Point annotations into Polygons with a certain radius'). Shows: discs 7 px across pass a
    thinness test as strokes do; they are round, so they are no scribbles.
    """
    def encode(foreground: np.ndarray) -> bytes:
        height, width = foreground.shape
        rows, columns = np.mgrid[0:height, 0:width]
        labels = np.zeros(foreground.shape, dtype=np.uint8)
        for value in (1, 2) * per_class:
            cy = int(rng.integers(radius + 1, height - radius - 1))
            cx = int(rng.integers(radius + 1, width - radius - 1))
            labels[(rows - cy) ** 2 + (columns - cx) ** 2 <= radius * radius] = value
        return encode_image(labels, "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def contour_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, border: int = 2) -> list[Path]:
    """Contour-aware labels: 0 background, 1 each object's interior, 2 its outer ``border``
    pixels (8-bit grey PNG).

    Simulates: DCAN-style nuclei and gland targets, a boundary class that parts touching
    objects. Shows: every value is below 127.5, so the midpoint threshold decodes every mask
    empty; the boundary separates 1 from 0 as a void band would, yet belongs to the object.
    """
    def encode(foreground: np.ndarray) -> bytes:
        inside = ndimage.binary_erosion(foreground, np.ones((3, 3), dtype=bool),
                                        iterations=border, border_value=1)
        labels = np.zeros(foreground.shape, dtype=np.uint8)
        labels[foreground] = 2
        labels[inside] = 1
        return encode_image(labels, "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def probability_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None, sigma: float = 2.0) -> list[Path]:
    """Soft labels: each mask blurred with a Gaussian of ``sigma`` pixels, scaled by 1.6 and
    clipped to [0, 1], saved as float32 TIFF.

    Simulates: pseudo-labels, class activation maps or predictions saved as masks
    (jiwoon-ahn/psa#23: "probability value is assigned to each of the location(pixel)").
    Shows: values between 0 and 1 near every edge, fading over several pixels rather than in
    the thin rim that anti-aliasing, JPEG or a small resize leaves.
    """
    def encode(foreground: np.ndarray) -> bytes:
        blurred = ndimage.gaussian_filter(foreground.astype(np.float32), sigma) * 1.6
        return encode_image(np.clip(blurred, 0, 1).astype(np.float32), "F", image_format="TIFF")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode,
                            extension=".tif")


#: The corruptions of this module, by the ``kind`` a catalogue entry names.
LABEL_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (
        trimap_masks, resized_label_maps, class_index_masks, palette_void_masks,
        instance_label_masks, dense_instance_masks, scene_class_maps, raw_id_masks,
        scribble_masks, disc_marks, contour_masks, probability_masks)}
