"""Pictures for the HTML report, made with Pillow: PNGs checked and shrunk, masks drawn over
their images, and ``data:`` URIs to embed them in the page.

>>> import numpy as np
>>> image = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8, 1)
>>> mask = np.zeros((8, 8), np.uint8); mask[2:5, 2:5] = 1
>>> png = overlay_png(image, mask, max_side=4)
>>> data_uri(png).startswith("data:image/png;base64,iVBOR")
True
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

#: Longest side of a thumbnail, in pixels.
THUMBNAIL_SIDE = 160
#: Widest a picture from the run directory is embedded; wider ones are scaled down.
MAX_EMBEDDED_WIDTH = 1200
#: Colour a mask's foreground is painted in, and how opaque the paint is.
MASK_COLOUR = (255, 40, 40)
MASK_OPACITY = 0.45
#: Pillow's limit on pixels: a picture larger than this is refused, not decoded.
MAX_PICTURE_PIXELS = 50_000_000


class PictureError(ValueError):
    """A picture that cannot be embedded; ``str()`` says why in a few words."""


def data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for PNG bytes."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _encode(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def embeddable_png(path: Path, max_width: int = MAX_EMBEDDED_WIDTH) -> bytes:
    """The picture at ``path`` as PNG bytes a browser will show, at most ``max_width`` wide.

    The file is decoded completely first, so a truncated or corrupt file raises
    :class:`PictureError` here rather than showing as a broken image in the page.
    """
    try:
        with Image.open(path) as opened:
            if opened.width * opened.height > MAX_PICTURE_PIXELS:
                raise PictureError(f"too large ({opened.width}x{opened.height})")
            opened.load()
            is_png = opened.format == "PNG"
            picture = opened.copy()
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise PictureError(f"cannot be read ({error})") from error
    if picture.width == 0 or picture.height == 0:
        raise PictureError("holds no pixels")
    if is_png and picture.width <= max_width:
        return path.read_bytes()
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    if picture.width > max_width:
        height = max(1, round(picture.height * max_width / picture.width))
        picture = picture.resize((max_width, height), Image.Resampling.LANCZOS)
    return _encode(picture)


def _display_gray(image: np.ndarray) -> np.ndarray:
    """Float HxWxC pixels (any range, NaN allowed) as 8-bit RGB, stretched to their own
    finite range when they leave [0, 1]."""
    pixels = np.asarray(image, dtype=np.float64)
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    pixels = pixels[:, :, :3] if pixels.shape[2] >= 3 else np.repeat(pixels[:, :, :1], 3, axis=2)
    finite = pixels[np.isfinite(pixels)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0
    span = high - low if high > low else 1.0
    scaled = np.nan_to_num((pixels - low) / span, nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(scaled, 0.0, 1.0) * 255).round().astype(np.uint8)


def overlay_png(image: np.ndarray, mask: np.ndarray | None,
                max_side: int = THUMBNAIL_SIDE) -> bytes:
    """A thumbnail of ``image`` (float pixels, HxW or HxWxC), its longest side ``max_side``,
    with ``mask``'s foreground (non-zero) painted over it; a mask of another size is
    stretched to the image's."""
    picture = Image.fromarray(_display_gray(image), "RGB")
    if mask is not None:
        foreground = Image.fromarray((np.asarray(mask) > 0).astype(np.uint8) * 255, "L")
        if foreground.size != picture.size:
            foreground = foreground.resize(picture.size, Image.Resampling.NEAREST)
        alpha = foreground.point(lambda value: round(value * MASK_OPACITY))
        paint = Image.new("RGB", picture.size, MASK_COLOUR)
        picture = Image.composite(paint, picture, alpha)
    scale = max_side / max(picture.size)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    # small images grow with whole pixels kept sharp; large ones shrink smoothly
    resampling = Image.Resampling.NEAREST if scale > 1 else Image.Resampling.LANCZOS
    return _encode(picture.resize(size, resampling))
