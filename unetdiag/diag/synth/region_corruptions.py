"""Corruptions that replace masks by particular regions: field-of-view discs, vessel trees
(saved as JPEG, or 0/1 with 255 outside a field of view), a few large objects, objects
filling all but a strip along one side.

* :func:`fov_masks`: DRIVE's ``mask/`` folder, one field-of-view disc per image, nearly the
  same everywhere;
* :func:`thin_jpeg_masks`: vessel trees (DRIVE, CHASE_DB1) saved as JPEG, 1 to 4 pixels wide;
* :func:`large_objects`: a few masks whose object covers most of the image (Kvasir-SEG's
  largest polyps), polarity right;
* :func:`fov_ignored_masks`: 0/1 labels with 255 outside a field of view, to be ignored (or
  thin vessels so, the images 0 outside);
* :func:`side_strip_masks`: a large object entering from one side, its background a strip
  lining the opposite side (a road or the sky filling most of the frame).

They are registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from unetdiag.diag.synth.mask_writing import (
    draw_stroke,
    encode_image,
    rewrite_masks,
    zero_image,
)


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
        return encode_image(np.where(disc, 255, 0).astype(np.uint8), "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


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
        return encode_image(np.where(tree, top, 0).astype(np.uint8), "L", image_format="JPEG",
                    quality=quality)

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode, ".jpg")


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
        return encode_image(np.where(inside, 255, 0).astype(np.uint8), "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


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
                foreground |= draw_stroke(inner, rng, width)
        labels = foreground.astype(np.uint8)
        labels[outside] = 255
        return encode_image(labels, "L")

    changed = rewrite_masks(case, chosen, encode)
    if fill_images:
        for index in chosen:
            with Image.open(case.images[index]) as stored:
                size = stored.size
            zero_image(case.images[index], outside_of((size[1], size[0])))
    return changed



def side_strip_masks(case: Any, rng: np.random.Generator, fraction: float = 1.0,
                     count: int | None = None, strip: tuple[float, float] = (0.34, 0.45)
                     ) -> list[Path]:
    """Masks replaced by an object (255) filling all but a background strip (0) along one
    side, the side drawn per mask, the strip's width drawn in ``strip`` (of the side across
    it) and its inner edge a gentle wave.

    Simulates: a large object entering from one side (a road or the sky filling most of the
    frame, a car or a polyp cut by three edges). Shows: masks 55-66 % foreground whose
    background lies along the border yet puts as little of itself in the thumbnails' outer
    band as objects stored as background inside the image do (a strip of a share t of the
    image puts 1/8 + 7/(128 t) of itself there: under 0.3 from t = 0.32); what tells them
    apart is that the strip covers a whole side's edge.
    """
    def encode(foreground: np.ndarray) -> bytes:
        side = int(rng.integers(4))
        turned = np.rot90(np.zeros(foreground.shape, bool), side)  # the strip on the left
        height, width = turned.shape
        edge = rng.uniform(*strip) * width + 0.04 * width * np.sin(
            np.arange(height) / height * 2 * np.pi + rng.uniform(0, 2 * np.pi))
        turned |= np.arange(width)[None, :] >= edge[:, None]
        return encode_image(np.where(np.rot90(turned, -side), 255, 0).astype(np.uint8), "L")

    return rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


#: The corruptions of this module, by the ``kind`` a catalogue entry names.
REGION_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (
        fov_masks, thin_jpeg_masks, large_objects, fov_ignored_masks, side_strip_masks)}
