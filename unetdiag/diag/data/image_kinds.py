"""What kind of images a set holds, as the model is fed them: grey or colour, the bit depth
stored, the values after the nominal scaling, the sizes and aspect ratios.

``train`` records it for its training images (the report's ``meta["train_images"]``);
``evaluate`` measures the images it scores and compares (a model trained on grey 8-bit
images scored on colour or 12-bit ones); ``predict`` compares the aspect ratios of the images
it stretches to the model's square input with the training images'. One record per image
(:class:`ImageKind`), summarised per set by :func:`summarise_kinds` into plain JSON.

>>> kinds = [ImageKind("grey", "8-bit", 0.0, 0.9, 584, 565),
...          ImageKind("colour", "8-bit", 0.1, 0.7, 600, 1000)]
>>> record = summarise_kinds(kinds)
>>> record["bands"], record["high_median"], record["aspect_min"], record["aspect_max"]
({'colour': 1, 'grey': 1}, 0.8, 0.967, 1.667)
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from unetdiag.diag.data.decoding import channels_differ
from unetdiag.diag.data.reading import SIXTEEN_BIT_MODES, split_page_reference

#: Bit depths by Pillow mode (what the nominal scaling divides by: 1, 255, 65535; float as
#: stored).
_DEPTHS = {"1": "1-bit", "F": "float", "I": "32-bit integer",
           **{mode: "16-bit" for mode in SIXTEEN_BIT_MODES if mode != "I"}}
#: Every other mode Pillow reads (L, LA, P, RGB, RGBA, CMYK, YCbCr...) is 8 bits a channel.
_EIGHT_BIT = "8-bit"


@dataclass(frozen=True)
class ImageKind:
    """One image as read (before any change of channels or size).

    Attributes:
        bands: ``"grey"`` (one band stored), ``"grey as colour"`` (colour channels equal
            everywhere) or ``"colour"``.
        depth: the bit depth stored (``"8-bit"``, ``"16-bit"``, ``"1-bit"``, ``"float"``,
            ``"32-bit integer"``; ``""`` when the header could not be read again).
        low, high: the lowest and highest finite value after the nominal scaling (8-bit /255,
            16-bit /65535); NaN without a finite value.
        height, width: its size in pixels.
    """

    bands: str
    depth: str
    low: float
    high: float
    height: int
    width: int


def stored_depth(path: Path | str) -> str:
    """The bit depth a file (or a page of one) stores, from its header (``""`` when it
    cannot be opened again)."""
    file, page = split_page_reference(path)
    try:
        with warnings.catch_warnings():  # the reader already warned of this file, if at all
            warnings.simplefilter("ignore")
            with Image.open(file) as image:
                if page is not None:
                    image.seek(page - 1)
                if image.format == "PPM" and image.mode == "I":
                    return "16-bit"  # Netpbm's maxval is below 65536: a 16-bit PGM widened
                return _DEPTHS.get(image.mode, _EIGHT_BIT)
    except Exception:  # noqa: BLE001 - the reader already read it; a depth is only context
        return ""


def image_kind(path: Path | str, pixels: np.ndarray) -> ImageKind:
    """The kind of the image at ``path`` from its pixels as read at their own channels
    (:func:`~unetdiag.diag.data.reading.read_image` without ``channels``).

    >>> kind = image_kind("missing.png", np.full((2, 3, 3), 0.5, np.float32))
    >>> kind.bands, kind.high, (kind.height, kind.width)
    ('grey as colour', 0.5, (2, 3))
    """
    bands = ("grey" if pixels.ndim == 2 or pixels.shape[2] == 1
             else "colour" if channels_differ(pixels) else "grey as colour")
    finite = pixels[np.isfinite(pixels)] if pixels.dtype.kind == "f" else pixels
    low, high = ((float(finite.min()), float(finite.max())) if finite.size
                 else (math.nan, math.nan))
    return ImageKind(bands, stored_depth(path), low, high, int(pixels.shape[0]),
                     int(pixels.shape[1]))


def _rounded(value: float, digits: int = 3) -> float:
    """An aspect ratio to three decimals (its record is read by people)."""
    return round(value, digits) if math.isfinite(value) else value


def summarise_kinds(kinds: Iterable[ImageKind]) -> dict[str, Any]:
    """A set's images in a JSON-ready record: how many, by bands and by depth; the lowest
    and highest value and the median of the images' highest values (after the nominal
    scaling); the aspect ratios (width / height: their least, median and greatest) and the
    median height and width (``predict`` feeds images of another shape at that scale)."""
    kinds = list(kinds)
    highs = [kind.high for kind in kinds if math.isfinite(kind.high)]
    lows = [kind.low for kind in kinds if math.isfinite(kind.low)]
    aspects = [kind.width / kind.height for kind in kinds if kind.height]
    return {
        "images": len(kinds),
        "bands": dict(sorted(Counter(kind.bands for kind in kinds).items())),
        "depth": dict(sorted(Counter(kind.depth or "unknown" for kind in kinds).items())),
        "low": min(lows) if lows else math.nan,
        "high": max(highs) if highs else math.nan,
        "high_median": float(np.median(highs)) if highs else math.nan,
        "aspect_min": _rounded(min(aspects)) if aspects else math.nan,
        "aspect_median": _rounded(float(np.median(aspects))) if aspects else math.nan,
        "aspect_max": _rounded(max(aspects)) if aspects else math.nan,
        "height_median": float(np.median([kind.height for kind in kinds])) if kinds
        else math.nan,
        "width_median": float(np.median([kind.width for kind in kinds])) if kinds
        else math.nan,
    }


def valid_record(record: Any) -> Mapping[str, Any] | None:
    """A recorded summary read back from JSON when it has the fields compared; None
    otherwise (an older run, a file edited by hand)."""
    fields = ("images", "bands", "depth", "low", "high", "high_median")
    if not isinstance(record, Mapping) or any(name not in record for name in fields):
        return None
    if not isinstance(record["bands"], Mapping) or not isinstance(record["depth"], Mapping):
        return None
    return record
