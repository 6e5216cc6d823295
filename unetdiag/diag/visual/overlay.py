"""Overlay panels: one picture per image showing what a model predicted and where it erred.

A panel is a row of tiles under a title line (the file and its Dice)::

    image | mask | prediction | errors              with a mask (evaluate, validation)
    image | prediction | prediction on the image    without one (predict)

The prediction tile is the probability map in grey (black 0, white 1). The error map is the
image, dimmed, with the thresholded prediction compared to the mask: found foreground white,
false positives orange, false negatives (missed foreground) blue; orange and blue stay apart
under the common forms of colour blindness. Tiles are scaled to :data:`TILE_HEIGHT` pixels
high: nearest neighbour when enlarging (single pixels of a small image stay visible) and for
the categorical tiles, area averaging when shrinking the image and the probabilities.

The Dice in the title is the caller's (:mod:`unetdiag.diag.evaluation.scores` computes it):
this module draws, it does not score.

>>> import numpy as np
>>> image = np.zeros((8, 8, 1), np.float32); mask = np.zeros((8, 8)); mask[:4] = 1
>>> panel = overlay_panel(image, mask, np.full((8, 8), 0.9), dice=0.6667, title="cell.png")
>>> panel.mode, panel.height > TILE_HEIGHT
('RGB', True)
>>> error_colours(mask, np.full((8, 8), 0.9))[6, 0].tolist()   # background predicted foreground
[230, 159, 0]
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from unetdiag.fsutil import atomic_write_bytes

#: Height of every tile, in pixels (widths follow the image's aspect ratio).
TILE_HEIGHT = 160
#: Space around and between tiles, and the heights of the text lines.
GAP = 4
TEXT_LINE_HEIGHT = 14
#: Colours (RGB): found foreground, false positive, false negative, the predicted-foreground
#: tint of a mask-less panel, the panel's background and its text.
FOUND = (255, 255, 255)
FALSE_POSITIVE = (230, 159, 0)
FALSE_NEGATIVE = (0, 114, 178)
PREDICTED_TINT = (0, 158, 115)
BACKGROUND = (32, 32, 32)
TEXT = (235, 235, 235)
#: How bright the image stays under the error map (the errors must stand out).
DIMMED_IMAGE = 0.35
#: Opacity of the tint over predicted foreground on a mask-less panel.
TINT_OPACITY = 0.5
#: The default probability cut: a pixel with ``p > threshold`` is predicted foreground.
DEFAULT_THRESHOLD = 0.5
WITH_MASK_LABELS = ("image", "mask", "prediction", "errors")
WITHOUT_MASK_LABELS = ("image", "prediction", "prediction on the image")
#: The error map's key, drawn under the tiles as coloured squares with these words.
ERROR_LEGEND = ((FOUND, "found"), (FALSE_POSITIVE, "false positive"),
                (FALSE_NEGATIVE, "missed (false negative)"))


def _plane(values: np.ndarray) -> np.ndarray:
    """A (H, W) float64 plane of a (H, W) or (H, W, 1) array."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 3 and values.shape[-1] == 1:
        values = values[..., 0]
    if values.ndim != 2:
        raise ValueError(f"expected a (H, W) or (H, W, 1) array, got shape {values.shape}")
    return values


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """[0, 1] floats to 0..255 (NaN as 0, values outside clipped)."""
    return np.round(np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0) * 255).astype(np.uint8)


def image_rgb(image: np.ndarray) -> np.ndarray:
    """An image of (H, W), (H, W, 1) or (H, W, 3) floats in [0, 1] as (H, W, 3) uint8."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3 or image.shape[-1] not in (1, 3):
        raise ValueError(f"expected a grey or RGB image, got shape {image.shape}")
    return np.repeat(_to_uint8(image), 3 // image.shape[-1], axis=2)


def error_colours(mask: np.ndarray, probability: np.ndarray,
                  threshold: float = DEFAULT_THRESHOLD,
                  image: np.ndarray | None = None) -> np.ndarray:
    """The error map, (H, W, 3) uint8: found foreground :data:`FOUND`, false positives
    :data:`FALSE_POSITIVE`, false negatives :data:`FALSE_NEGATIVE`, elsewhere the image
    dimmed (black without one)."""
    truth = _plane(mask) > 0.5
    predicted = _plane(probability) > threshold
    if truth.shape != predicted.shape:
        raise ValueError(f"mask {truth.shape} and prediction {predicted.shape} differ in size")
    colours = np.zeros((*truth.shape, 3), dtype=np.uint8)
    if image is not None:
        colours[:] = (image_rgb(image) * DIMMED_IMAGE).astype(np.uint8)
    colours[truth & predicted] = FOUND
    colours[~truth & predicted] = FALSE_POSITIVE
    colours[truth & ~predicted] = FALSE_NEGATIVE
    return colours


def prediction_on_image(image: np.ndarray, probability: np.ndarray,
                        threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """The image with the predicted foreground tinted :data:`PREDICTED_TINT`, (H, W, 3) uint8."""
    rgb = image_rgb(image).astype(np.float64)
    predicted = _plane(probability) > threshold
    rgb[predicted] = (1 - TINT_OPACITY) * rgb[predicted] + TINT_OPACITY * np.array(PREDICTED_TINT)
    return np.round(rgb).astype(np.uint8)


def dice_caption(dice: float | None) -> str:
    """How a panel states its image's Dice.

    >>> dice_caption(0.87349)
    'Dice 0.873'
    >>> dice_caption(None)
    'Dice undefined (empty mask, nothing predicted)'
    >>> dice_caption(float("nan"))
    'Dice NaN (the prediction is not finite)'
    """
    if dice is None:
        return "Dice undefined (empty mask, nothing predicted)"
    if math.isnan(dice):
        return "Dice NaN (the prediction is not finite)"
    return f"Dice {dice:.3f}"


def _tile(rgb: np.ndarray, categorical: bool) -> Image.Image:
    height, width = rgb.shape[:2]
    size = (max(1, round(TILE_HEIGHT * width / height)), TILE_HEIGHT)
    shrinking = height > TILE_HEIGHT
    resample = Image.Resampling.BOX if shrinking and not categorical else Image.Resampling.NEAREST
    return Image.fromarray(rgb, "RGB").resize(size, resample)


def _fitted(text: str, width: float, font: ImageFont.ImageFont | ImageFont.FreeTypeFont) -> str:
    """``text`` cut (with "...") to fit ``width`` pixels."""
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."


def _compose(tiles: Sequence[Image.Image], labels: Sequence[str], title: str,
             legend: Sequence[tuple[tuple[int, int, int], str]]) -> Image.Image:
    font = ImageFont.load_default()
    width = sum(tile.width for tile in tiles) + GAP * (len(tiles) + 1)
    text_lines = 3 if legend else 2
    height = TILE_HEIGHT + 2 * GAP + text_lines * TEXT_LINE_HEIGHT
    panel = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(panel)
    draw.text((GAP, GAP // 2), _fitted(title, width - 2 * GAP, font), fill=TEXT, font=font)
    x, top = GAP, GAP + 2 * TEXT_LINE_HEIGHT
    for tile, label in zip(tiles, labels, strict=True):
        draw.text((x, top - TEXT_LINE_HEIGHT), _fitted(label, tile.width, font), fill=TEXT,
                  font=font)
        panel.paste(tile, (x, top))
        x += tile.width + GAP
    x, top = GAP, top + TILE_HEIGHT + GAP // 2
    swatch = TEXT_LINE_HEIGHT - 2 * GAP
    for colour, words in legend:
        draw.rectangle((x, top + GAP, x + swatch, top + GAP + swatch), fill=colour)
        x += swatch + GAP
        draw.text((x, top), words, fill=TEXT, font=font)
        x += round(font.getlength(words)) + 3 * GAP
    return panel


def overlay_panel(image: np.ndarray, mask: np.ndarray | None, probability: np.ndarray, *,
                  threshold: float = DEFAULT_THRESHOLD, dice: float | None = None,
                  title: str = "") -> Image.Image:
    """One image's panel (see the module docstring), as an RGB Pillow image.

    Args:
        image: (H, W), (H, W, 1) or (H, W, 3) floats in [0, 1] (what the model was given).
        mask: the reference, (H, W) or (H, W, 1) in {0, 1}; None draws the mask-less panel.
        probability: the model's foreground probabilities, same size as the image.
        threshold: a pixel with ``p > threshold`` counts as predicted foreground.
        dice: the image's Dice (:func:`dice_caption`), shown only with a mask.
        title: what the panel shows (usually the file name); the Dice follows it.
    """
    probability = _plane(probability)
    rgb = image_rgb(image)
    if rgb.shape[:2] != probability.shape:
        raise ValueError(f"image {rgb.shape[:2]} and prediction {probability.shape} differ "
                         "in size")
    prediction = _tile(np.repeat(_to_uint8(probability)[..., None], 3, axis=2), False)
    if mask is None:
        tiles = [_tile(rgb, False), prediction,
                 _tile(prediction_on_image(image, probability, threshold), True)]
        return _compose(tiles, WITHOUT_MASK_LABELS, title, legend=())
    mask_rgb = np.repeat(_to_uint8((_plane(mask) > 0.5).astype(np.float64))[..., None], 3, axis=2)
    tiles = [_tile(rgb, False), _tile(mask_rgb, True), prediction,
             _tile(error_colours(mask, probability, threshold, image), True)]
    caption = dice_caption(dice)
    return _compose(tiles, WITH_MASK_LABELS, f"{title}  {caption}" if title else caption,
                    legend=ERROR_LEGEND)


def panel_png(panel: Image.Image) -> bytes:
    """The panel encoded as PNG."""
    buffer = io.BytesIO()
    panel.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_panel(panel: Image.Image, path: Path | str) -> Path:
    """Write the panel as a PNG file, atomically; returns the path."""
    return atomic_write_bytes(path, panel_png(panel))
