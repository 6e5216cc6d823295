"""Corruptions that store masks in files carrying more than the mask: the object in an
alpha channel, a blank first GIF frame, the image beside a tinted copy, a matplotlib figure,
a GeoTIFF no-data value.

* :func:`alpha_cutout_masks`: cut-outs, the object opaque in a photograph's colours, the
  background transparent white;
* :func:`animated_gif_masks`: two-frame GIFs whose first frame, the one read, is blank;
* :func:`side_by_side_masks`: Supervisely's ``masks_human/``, the image beside a copy tinted
  over the objects, twice as wide;
* :func:`figure_masks`: masks saved with ``plt.savefig``, a 640x480 figure with white margins
  around a colour-mapped picture of the mask;
* :func:`tight_figure_masks`: masks saved with ``plt.savefig(bbox_inches="tight")`` and the
  axes off, a grey picture of the mask in a thin white padding;
* :func:`imsave_masks`: 0/1 masks saved with ``plt.imsave(path, mask)``, RGBA in the default
  colormap's two ends (viridis);
* :func:`bilevel_masks`: boolean arrays saved by Pillow, 1-bit PNG (mode ``"1"``);
* :func:`geotiff_nodata_masks`: label rasters cut from a scene (0 background, 1 object) whose
  edge tiles hold a no-data value outside the footprint, declared in GDAL's ``GDAL_NODATA``
  TIFF tag (42113), with the image 0 there, as rasterio writes them.

They are registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, TiffImagePlugin

from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.synth.case import replace_file
from unetdiag.diag.synth.mask_writing import (
    encode_image,
    outline_band,
    rewrite_masks,
    zero_image,
)


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
        return encode_image(rgba, "RGBA")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


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

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode, ".gif")


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
        replace_file(old, new, encode_image(np.concatenate([image, tinted.astype(np.uint8)], axis),
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
        return encode_image(canvas, "RGBA")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)




def tight_figure_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None, height: int = 371, pad: int = 9,
                       axes: bool = False) -> list[Path]:
    """Masks replaced by what ``plt.imshow(mask, cmap="gray"); plt.axis("off");
    plt.savefig(path, bbox_inches="tight")`` writes: an RGBA picture of the mask ``height``
    pixels tall (the default figure's axes at 100 dpi), its edges interpolated, in a white
    padding of ``pad`` pixels on every side (``pad_inches=0.1``).

    Simulates: masks saved as tight figures instead of arrays (matplotlib's savefig doc on
    ``bbox_inches``). Shows: masks of a size of their own, whatever their image's, whose
    white padding reads as object under the default policy and whose edges hold grey
    levels. ``axes=True``: the axes left on (no ``plt.axis("off")``), as matplotlib 3.11
    draws them at 100 dpi: a black frame of spines round the picture, tick marks 5 px long
    every 100 px and dark tick labels left of and below it, in a wider padding there.
    """
    label_left, label_below = (33, 22) if axes else (0, 0)

    def encode(foreground: np.ndarray) -> bytes:
        rows, columns = foreground.shape
        width = round(height * columns / rows)
        picture = Image.fromarray(np.where(foreground, 255, 0).astype(np.uint8)).resize(
            (width, height), Image.Resampling.BILINEAR)
        top, left = pad, pad + label_left
        canvas = np.full((height + 2 * pad + label_below, width + 2 * pad + label_left, 4),
                         255, np.uint8)
        canvas[top:top + height, left:left + width, :3] = np.asarray(picture)[..., None]
        if axes:
            ink = canvas[..., :3]
            across, down = slice(left - 1, left + width + 1), slice(top - 1, top + height + 1)
            ink[top - 1, across] = ink[top + height, across] = 0
            ink[down, left - 1] = ink[down, left + width] = 0
            for tick in range(0, max(width, height), 100):
                if tick < width:  # a tick below, its label under it
                    ink[top + height:top + height + 5, left + tick] = 0
                    ink[top + height + 8:top + height + 17, left + tick - 3:left + tick + 3] = 40
                if tick < height:  # a tick left, its label beside it
                    ink[top + tick, left - 6:left - 1] = 0
                    ink[top + tick - 4:top + tick + 5, left - 27:left - 10] = 40
        return encode_image(canvas, "RGBA")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


#: viridis's colours as plt.imsave writes a 0/1 mask (its two ends) and a 0/1/2 map (with
#: the middle), read back from matplotlib 3.11's files.
VIRIDIS_LOW, VIRIDIS_MIDDLE, VIRIDIS_HIGH = (68, 1, 84), (32, 144, 140), (253, 231, 36)


def imsave_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None, classes: int = 2) -> list[Path]:
    """Masks replaced by what ``plt.imsave(path, labels)`` writes under the default colormap:
    an opaque RGBA PNG of the mask's size. ``classes=2``: the 0/1 mask, background
    (68, 1, 84) and object (253, 231, 36); ``classes=3``: a 0/1/2 map whose 1 is a 2-px band
    across each outline, in viridis's middle (32, 144, 140).

    Simulates: masks saved with matplotlib's imsave (single-channel arrays are
    colour-mapped, matplotlib/matplotlib#24320). Shows: colour masks none of whose colours
    is black, their brightest channels (84, 144, 253) read apart by the midpoint; a ``> 0``
    rule makes every pixel foreground.
    """
    def encode(foreground: np.ndarray) -> bytes:
        rgba = np.full(foreground.shape + (4,), 255, np.uint8)
        rgba[..., :3] = np.where(foreground[..., None], np.uint8(VIRIDIS_HIGH),
                                 np.uint8(VIRIDIS_LOW))
        if classes == 3:
            rgba[outline_band(foreground, 1)[1], :3] = VIRIDIS_MIDDLE
        return encode_image(rgba, "RGBA")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def bilevel_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None) -> list[Path]:
    """Masks replaced by 1-bit PNGs (Pillow's mode ``"1"``), as ``Image.fromarray(mask)``
    writes a boolean array (python-pillow/Pillow#5723).

    Simulates: boolean masks saved without a cast. Shows: a bit depth of its own, read as
    0/1 on its own scale; nothing to fix.
    """
    return rewrite_masks(case, case.pair_indices(rng, fraction, count),
                         # no mode given: Pillow maps a boolean array to "1" itself, and
                         # fromarray(..., mode="1") misreads one (python-pillow/Pillow#5723)
                         lambda foreground: encode_image(foreground.astype(bool), None))


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


#: The corruptions of this module, by the ``kind`` a catalogue entry names.
MASK_FILE_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (
        alpha_cutout_masks, animated_gif_masks, side_by_side_masks, figure_masks,
        tight_figure_masks, imsave_masks, bilevel_masks, geotiff_nodata_masks)}
