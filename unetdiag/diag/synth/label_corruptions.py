"""Corruptions that store masks the way public datasets do: label maps, palettes with a void
border, field-of-view discs, thin structures in JPEG, a few large objects.

Each rewrites the masks of a :class:`~unetdiag.diag.synth.corruptions.CaseFiles` case from
their decoded foreground (the synthetic cells), in the encoding of one public dataset; the
encodings are the ones documented for those datasets:

* :func:`trimap_masks`: Oxford-IIIT Pet trimaps, 8-bit grey PNG holding 1 = object,
  2 = background, 3 = a band across every outline ("not classified");
* :func:`class_index_masks`: CamVid as SegNet distributes it, 8-bit grey PNG of class indices
  0..11, 11 = void;
* :func:`palette_void_masks`: PASCAL VOC and the Oxford-IIIT Pet palette release, palette PNG
  with the VOC colour map, objects of two classes (1 and 2), index 255 = void band along every
  outline;
* :func:`fov_masks`: DRIVE's ``mask/`` folder, one field-of-view disc per image, nearly the
  same everywhere;
* :func:`thin_jpeg_masks`: vessel trees (DRIVE, CHASE_DB1) saved as JPEG, 1 to 4 pixels wide;
* :func:`large_objects`: a few masks whose object covers most of the image (Kvasir-SEG's
  largest polyps), polarity right;
* :func:`animated_gif_masks`: two-frame GIFs whose first frame, the one read, is blank;
* :func:`side_by_side_masks`: Supervisely's ``masks_human/``, the image beside a copy tinted
  over the objects, twice as wide;
* :func:`figure_masks`: masks saved with ``plt.savefig``, a 640x480 figure with white margins
  around a colour-mapped picture of the mask;
* :func:`geotiff_nodata_masks`: label rasters cut from a scene (0 background, 1 object) whose
  edge tiles hold a no-data value outside the footprint, declared in GDAL's ``GDAL_NODATA``
  TIFF tag (42113), with the image 0 there, as rasterio writes them;
* :func:`scribble_masks`: scribble labels (COD 0/1/2, WSL4MIS 0/1/255), thin strokes;
* :func:`disc_marks`: cell centroids of two classes stamped as small discs (1, 2 on 0);
* :func:`raw_id_masks`: VisA half prepared, raw class id 3 beside 0/255;
* :func:`fov_ignored_masks`: 0/1 labels with 255 outside a field of view, to be ignored (or
  thin vessels so, the images 0 outside);
* :func:`contour_masks`: contour-aware labels (DCAN), 0 background, 1 interior, 2 boundary;
* :func:`probability_masks`: soft labels, float32 TIFF probabilities fading over the edges.

They are registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, TiffImagePlugin
from scipy import ndimage

from unetdiag.diag.audit.voc_grey import voc_colour
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.synth.case import replace_file
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


def _png(array: np.ndarray, mode: str | None, palette: list[int] | None = None,
         image_format: str = "PNG", **options: Any) -> bytes:
    image = Image.fromarray(array, mode=mode)
    if palette is not None:
        image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def _masks_rewritten(case: Any, indices: list[int], encode: Callable[[np.ndarray], bytes],
                     extension: str = ".png") -> list[Path]:
    """Replace each chosen mask by ``encode(foreground)`` under ``extension``."""
    changed = []
    for index in indices:
        old = case.masks[index]
        foreground = decode_mask(old)[0].astype(bool)
        new = old.with_suffix(extension)
        replace_file(old, new, encode(foreground))
        case.masks[index] = new
        changed.append(new)
    return changed


def _band(foreground: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``(inside, band)``: the object shrunk by ``width`` pixels, and the band of about
    ``2 * width + 1`` pixels across its outline (so inside and outside never touch)."""
    square = np.ones((3, 3), dtype=bool)
    inside = ndimage.binary_erosion(foreground, square, iterations=width, border_value=1)
    grown = ndimage.binary_dilation(foreground, square, iterations=width)
    return inside, grown & ~inside


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
        inside, band = _band(foreground, border) if border else (foreground, foreground & False)
        trimap = np.full(foreground.shape, background, dtype=np.uint8)
        trimap[inside] = inner
        trimap[band] = unknown
        return _png(trimap, "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


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
        return _png(scene, "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


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
        inside, band = _band(foreground, border)
        objects, found = ndimage.label(inside)
        classes = np.concatenate(([0], rng.integers(1, 3, size=found))).astype(np.uint8)
        indices = classes[objects]
        indices[band] = VOC_VOID
        return _png(indices, "P", palette)

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def fov_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
              count: int | None = None, radius: float = 0.46, jitter: float = 0.01
              ) -> list[Path]:
    """Every mask replaced by a field-of-view disc (0/255): radius ``radius`` of the image
    side, centre and radius moved by up to ``jitter`` of the side.

    Simulates: DRIVE's ``mask/`` folder given as the targets. Shows: about 66 % foreground in
    every mask (it looks like inverted polarity) and a constant shape scoring IoU near 1.
    """
    def encode(foreground: np.ndarray) -> bytes:
        height, width = foreground.shape
        side = min(height, width)
        centre_y, centre_x = (np.array([height, width]) - 1) / 2 + rng.uniform(
            -jitter, jitter, size=2) * side
        disc_radius = (radius + rng.uniform(-jitter, jitter)) * side
        rows, columns = np.mgrid[0:height, 0:width]
        disc = np.hypot(rows - centre_y, columns - centre_x) <= disc_radius
        return _png(np.where(disc, 255, 0).astype(np.uint8), "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def _vessel_tree(rng: np.random.Generator, size: int, branches: int) -> np.ndarray:
    """A branching tree of thin lines, 4 pixels wide at the root down to 1 at the tips."""
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    stack = [((rng.uniform(0.3, 0.7) * size, 0.0), np.pi / 2, 4)]
    drawn = 0
    while stack and drawn < branches:
        (x, y), angle, width = stack.pop()
        length = rng.uniform(0.15, 0.35) * size
        end = (x + length * np.cos(angle), y + length * np.sin(angle))
        draw.line([(x, y), end], fill=255, width=width)
        drawn += 1
        if width > 1:
            for turn in (-0.5, 0.5):
                stack.append((end, angle + turn + rng.uniform(-0.2, 0.2), width - 1))
    return np.asarray(canvas) > 127


def thin_jpeg_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                    count: int | None = None, quality: int = 75, branches: int = 12,
                    top: int = 255) -> list[Path]:
    """Masks replaced by vessel trees (lines 4 down to 1 pixel wide) saved as JPEG, the
    vessels stored as ``top`` (255, or 1 for 0/1 masks).

    Simulates: vessel sets (DRIVE, CHASE_DB1) exported as JPEG. Shows: grey values along
    every line; the midpoint threshold breaks the thinnest tips into a few small pieces next to
    the vessels they belong to: compression specks and fragments, not small objects. Stored
    0/1, JPEG's errors of a level turn much of the vessels into 0.
    """
    def encode(foreground: np.ndarray) -> bytes:
        tree = _vessel_tree(rng, foreground.shape[0], branches)[:, :foreground.shape[1]]
        return _png(np.where(tree, top, 0).astype(np.uint8), "L", image_format="JPEG",
                    quality=quality)

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode, ".jpg")


def large_objects(case: Any, rng: np.random.Generator, fraction: float | None = None,
                  count: int | None = 3, coverage: float = 0.65) -> list[Path]:
    """A few masks whose object (an ellipse) covers about ``coverage`` of the image, stored
    0/255 with the object bright.

    Simulates: the largest polyps of Kvasir-SEG (a few of 200 masks above 50 %). Shows:
    masks more than half foreground in a dataset whose polarity is right.
    """
    def encode(foreground: np.ndarray) -> bytes:
        height, width = foreground.shape
        # an ellipse of semi-axes a, b covers pi * a * b of the image
        semi_axes = np.sqrt(coverage * height * width / np.pi) * np.array([1.0, 1.0])
        rows, columns = np.mgrid[0:height, 0:width]
        inside = (((rows - (height - 1) / 2) / semi_axes[0]) ** 2
                  + ((columns - (width - 1) / 2) / semi_axes[1]) ** 2) <= 1
        return _png(np.where(inside, 255, 0).astype(np.uint8), "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


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
            inside, band = _band(foreground, 1)
            objects = ndimage.label(inside)[0].astype(np.uint8)
            objects[band] = VOC_VOID
            return _png(objects, "P", voc_palette())
        objects, _found = ndimage.label(foreground)
        return _png(objects.astype(np.uint16), None)

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def alpha_cutout_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None) -> list[Path]:
    """Cut-outs: RGBA PNG whose object keeps a photograph's colours (dark and bright) at
    alpha 255 and whose background is transparent white. Simulates: background-removal and
    matting exports used as masks. Shows: the alpha channel is the mask; composited over
    black, the object's dark half would read as background.
    """
    def encode(foreground: np.ndarray) -> bytes:
        rgba = np.full(foreground.shape + (4,), 255, np.uint8)
        rgba[..., :3][foreground] = rng.integers(0, 256, (int(foreground.sum()), 3),
                                                 dtype=np.uint8)
        rgba[..., 3] = np.where(foreground, 255, 0)
        return _png(rgba, "RGBA")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def animated_gif_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None) -> list[Path]:
    """Two-frame GIF masks: a blank first frame (all 0), the object on the second (0/255).

    Simulates: masks exported from an annotation or animation tool as a GIF whose first
    frame is the empty canvas. Shows: every reader takes the first frame, so each mask reads
    empty, whatever the threshold or polarity.
    """
    def encode(foreground: np.ndarray) -> bytes:
        blank = Image.fromarray(np.zeros(foreground.shape, np.uint8))
        drawn = Image.fromarray(np.where(foreground, 255, 0).astype(np.uint8))
        buffer = io.BytesIO()
        blank.save(buffer, format="GIF", save_all=True, append_images=[drawn], duration=100,
                   loop=0)
        return buffer.getvalue()

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode, ".gif")


def side_by_side_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None, axis: int = 1) -> list[Path]:
    """Each chosen mask replaced by its image beside a copy of it tinted half-way to red over
    the objects (RGB PNG, twice as wide; ``axis=0``: twice as tall).

    Simulates: Supervisely's ``masks_human/`` ("stacked original images with that images
    having class colors above", docs.supervise.ly/export/save_masks) given as the masks
    instead of ``masks_machine/``. Shows: every pair differs in size, and the "mask" holds a
    photograph's values: thresholded, the bright half of a picture.
    """
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        old = case.masks[index]
        foreground = decode_mask(old)[0].astype(bool)
        with Image.open(case.images[index]) as stored:
            image = np.asarray(stored.convert("RGB"))
        tinted = image.astype(np.float64)
        tinted[foreground] = 0.5 * tinted[foreground] + 0.5 * np.array([255.0, 0.0, 0.0])
        new = old.with_suffix(".png")
        replace_file(old, new, _png(np.concatenate([image, tinted.astype(np.uint8)], axis),
                                    "RGB"))
        case.masks[index] = new
        changed.append(new)
    return changed


def figure_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None) -> list[Path]:
    """Masks replaced by what ``plt.imshow(mask); plt.savefig(path)`` writes: a 640x480 RGBA
    figure (matplotlib's default 6.4x4.8 inches at 100 dpi), white, with the mask in
    viridis's two ends inside a black axes frame in the middle.

    Simulates: masks saved as figures instead of arrays. Shows: every such mask has the
    figure's size, whatever its image's, and white margins; its pixels are a colour map's.
    """
    def encode(foreground: np.ndarray) -> bytes:
        canvas = np.full((480, 640, 4), 255, np.uint8)
        side = 370  # the axes of a square picture in the default figure
        rows = np.arange(side) * foreground.shape[0] // side
        columns = np.arange(side) * foreground.shape[1] // side
        picture = foreground[rows][:, columns] > 0
        top, left = 58, 140
        canvas[top:top + side, left:left + side, :3] = np.where(
            picture[..., None], np.uint8([253, 231, 37]), np.uint8([68, 1, 84]))
        canvas[top - 1, left - 1:left + side + 1, :3] = 0
        canvas[top + side, left - 1:left + side + 1, :3] = 0
        canvas[top - 1:top + side + 1, left - 1, :3] = 0
        canvas[top - 1:top + side + 1, left + side, :3] = 0
        return _png(canvas, "RGBA")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


#: GDAL's private TIFF tag holding a raster's no-data value as ASCII text.
GDAL_NODATA_TAG = 42113


def geotiff_nodata_masks(case: Any, rng: np.random.Generator, fraction: float = 0.5,
                         count: int | None = None, nodata: str = "255",
                         dtype: str = "uint8", tagged: bool = True) -> list[Path]:
    """Every mask rewritten as a TIFF label raster (0 background, 1 object, ``dtype``) whose
    ``GDAL_NODATA`` tag declares ``nodata`` (``"255"``, ``"-9999"``, ``"nan"``); in the chosen
    pairs (edge tiles of a scene) a diagonal footprint boundary cuts off a corner, which holds
    ``nodata`` in the mask and 0 in every band of the image.

    Simulates: rasterio/GDAL label tiles on a scene's edge (nshaud/DeepNetsForEO#35,
    NRCan/geo-deep-learning#480, CosmiQ/solaris#328). Shows: read by a threshold, 255 is the
    object and the object background; -9999 on a float scale makes the whole footprint
    foreground; and the no-data corner equals a threshold of the image (0 there).
    ``tagged=False`` writes the same values without the tag.
    """
    edges = set(case.pair_indices(rng, fraction, count))
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    if tagged:
        tags[GDAL_NODATA_TAG] = nodata
        tags.tagtype[GDAL_NODATA_TAG] = 2  # ASCII, as GDAL writes it
    stored_nodata = np.dtype(dtype).type(float(nodata))
    changed = []
    for index in range(len(case.masks)):
        old = case.masks[index]
        foreground = decode_mask(old)[0].astype(bool)
        labels = foreground.astype(dtype)
        if index in edges:
            height, width = foreground.shape
            rows, columns = np.mgrid[0:height, 0:width]
            cut = int(rng.integers((height + width) // 4, (height + width) // 2))
            outside = rows + columns < cut
            labels[outside] = stored_nodata
            zero_image(case.images[index], outside)
        buffer = io.BytesIO()
        Image.fromarray(labels).save(buffer, format="TIFF", tiffinfo=tags)
        new = old.with_suffix(".tif")
        replace_file(old, new, buffer.getvalue())
        case.masks[index] = new
        changed.append(new)
    return changed


def zero_image(path: Path, outside: np.ndarray) -> None:
    """Set every band of the image at ``path`` to 0 where ``outside`` (same file, format)."""
    with Image.open(path) as stored:
        file_format = stored.format
        values = np.array(stored)
    values[outside] = 0
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format=file_format)
    atomic_write_bytes(path, buffer.getvalue())


def _stroke(region: np.ndarray, rng: np.random.Generator, width: int) -> np.ndarray:
    """A polyline of ``width`` pixels through four random points of ``region``, kept inside
    it (empty when the region is)."""
    rows, columns = np.nonzero(region)
    canvas = Image.new("L", region.shape[::-1], 0)
    if rows.size >= 4:
        picks = rng.choice(rows.size, 4, replace=False)
        points = sorted((int(columns[k]), int(rows[k])) for k in picks)
        ImageDraw.Draw(canvas).line(points, fill=255, width=width)
    return (np.asarray(canvas) > 0) & region


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
        inside, band = _band(foreground, 2)
        labels = np.full(foreground.shape, unlabelled, dtype=np.uint8)
        labels[_stroke(~(inside | band), rng, width)] = background_value
        labels[_stroke(inside, rng, width)] = object_value
        if void_border:
            band = void_border
            labels[:band], labels[-band:], labels[:, :band], labels[:, -band:] = 255, 255, 255, 255
        return _png(labels, "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def raw_id_masks(case: Any, rng: np.random.Generator, fraction: float = 0.5,
                 count: int | None = None, value: int = 3) -> list[Path]:
    """Some masks store the object as a raw class id ``value`` on 0, the others keep 0/255.

    Simulates: VisA half prepared (amazon-science/spot-diff#1: its script rescales the masks
    to 0/255; a set partly run holds both). Shows: a proposal by the label maps' values alone
    (``3``) would empty the 0/255 masks.
    """
    def encode(foreground: np.ndarray) -> bytes:
        return _png(np.where(foreground, value, 0).astype(np.uint8), "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


def fov_ignored_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None, radius: float = 0.46, vessels: int = 0,
                      width: int = 3, fill_images: bool = False) -> list[Path]:
    """0/1 labels with 255 outside a centred field-of-view disc (``radius`` of the side).
    With ``vessels`` > 0 the object is that many polylines ``width`` pixels wide inside the
    disc (thin structures, as DRIVE's vessels) instead of the generated shapes; with
    ``fill_images`` every band of the image is 0 outside the disc.

    Simulates: retinal label sets whose exterior is marked to be ignored (passed with
    ``--ignore-values 255``), DRIVE's vessels stored so. Shows: the ignored band must stay
    out of the scale and of every proposal; unpassed, the exterior is one region along the
    border of every mask (a frame), and the images 0 there make it a threshold of them.
    """
    chosen = case.pair_indices(rng, fraction, count)

    def outside_of(shape: tuple[int, ...]) -> np.ndarray:
        height, side = shape[:2]
        rows, columns = np.mgrid[0:height, 0:side]
        return np.hypot(rows - (height - 1) / 2, columns - (side - 1) / 2) > (
            radius * min(height, side))

    def encode(foreground: np.ndarray) -> bytes:
        outside = outside_of(foreground.shape)
        if vessels:
            inner = ndimage.binary_erosion(~outside, iterations=width + 1)
            foreground = np.zeros(foreground.shape, bool)
            for _ in range(vessels):
                foreground |= _stroke(inner, rng, width)
        labels = foreground.astype(np.uint8)
        labels[outside] = 255
        return _png(labels, "L")

    changed = _masks_rewritten(case, chosen, encode)
    if fill_images:
        for index in chosen:
            with Image.open(case.images[index]) as stored:
                size = stored.size
            zero_image(case.images[index], outside_of((size[1], size[0])))
    return changed


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
        return _png(labels, "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


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
        return _png(labels, "L")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode)


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
        return _png(np.clip(blurred, 0, 1).astype(np.float32), "F", image_format="TIFF")

    return _masks_rewritten(case, case.pair_indices(rng, fraction, count), encode,
                            extension=".tif")


#: The corruptions of this module, by the ``kind`` a catalogue entry names.
LABEL_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (
        trimap_masks, class_index_masks, palette_void_masks, fov_masks, thin_jpeg_masks,
        large_objects, instance_label_masks, alpha_cutout_masks, animated_gif_masks,
        side_by_side_masks, figure_masks, geotiff_nodata_masks, scribble_masks, raw_id_masks,
        fov_ignored_masks, disc_marks, contour_masks, probability_masks)}
