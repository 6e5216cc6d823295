"""What the mask corruptions share: encoding an array as a file's bytes, rewriting chosen
masks from their decoded foreground, the band across an outline, a stroke through a region,
and an image zeroed where a mask holds no-data."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.synth.case import replace_file
from unetdiag.fsutil import atomic_write_bytes


def encode_image(array: np.ndarray, mode: str | None, palette: list[int] | None = None,
                 image_format: str = "PNG", **options: Any) -> bytes:
    """``array`` as the bytes of an image file (``image_format``, Pillow's save options)."""
    image = Image.fromarray(array, mode=mode)
    if palette is not None:
        image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def rewrite_masks(case: Any, indices: list[int], encode: Callable[[np.ndarray], bytes],
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


def outline_band(foreground: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``(inside, band)``: the object shrunk by ``width`` pixels, and the band of about
    ``2 * width + 1`` pixels across its outline (so inside and outside never touch)."""
    square = np.ones((3, 3), dtype=bool)
    inside = ndimage.binary_erosion(foreground, square, iterations=width, border_value=1)
    grown = ndimage.binary_dilation(foreground, square, iterations=width)
    return inside, grown & ~inside


def draw_stroke(region: np.ndarray, rng: np.random.Generator, width: int) -> np.ndarray:
    """A polyline of ``width`` pixels through four random points of ``region``, kept inside
    it (empty when the region is)."""
    rows, columns = np.nonzero(region)
    canvas = Image.new("L", region.shape[::-1], 0)
    if rows.size >= 4:
        picks = rng.choice(rows.size, 4, replace=False)
        points = sorted((int(columns[k]), int(rows[k])) for k in picks)
        ImageDraw.Draw(canvas).line(points, fill=255, width=width)
    return (np.asarray(canvas) > 0) & region


def zero_image(path: Path, outside: np.ndarray) -> None:
    """Set every band of the image at ``path`` to 0 where ``outside`` (same file, format)."""
    with Image.open(path) as stored:
        file_format = stored.format
        values = np.array(stored)
    values[outside] = 0
    buffer = io.BytesIO()
    Image.fromarray(values).save(buffer, format=file_format)
    atomic_write_bytes(path, buffer.getvalue())
