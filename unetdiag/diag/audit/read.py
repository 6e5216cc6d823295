"""The reading work of ``audit-data``: each file opened once, a few numbers kept per pair.

:func:`read_chunk` runs in a worker process on a list of pairs. It opens every file exactly
once, through the trainer's own reader (:mod:`unetdiag.diag.data.masks`: same error reasons, same
decompression-bomb limit, same mask decoding under :class:`~unetdiag.diag.data.masks.MaskPolicy`),
measures what the audit needs while the pixels are in memory, and returns a
:class:`ChunkRecord`: one row of numbers per pair in NumPy columns (:data:`COLUMNS`), a 16x16
thumbnail per image, and words only for what went wrong. No pixels leave the worker.

Speed matters (the audit should cost little more than decoding the files), so:

* 8-bit grey or RGB images and 8-bit grey masks, by far the commonest, take a fast path: mask
  statistics come from the few distinct values a mask holds (two, for a clean mask) rather
  than from a sort, and comparisons use integers. Every other kind of file goes through
  :func:`unetdiag.diag.data.masks.mask_encoding`'s own code; tests hold the two paths equal.
* Masks are decoded straight onto a shared canvas and their connected objects labelled many
  at a time (:class:`~unetdiag.diag.audit.components.ObjectCanvas`).
* Image/mask comparisons use a regular sample of at most :data:`SIMILARITY_SAMPLE_PIXELS`
  pixels, and go to every pixel only when the sample cannot settle the question.
"""

from __future__ import annotations

import math
import signal
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from PIL import Image

from unetdiag.diag.audit.components import ObjectCanvas
from unetdiag.diag.checks.masks import edge_share
from unetdiag.diag.data.masks import (
    DEFAULT_POLICY,
    LOSSY_FORMATS,
    LUMA_WEIGHTS,
    MAX_LISTED_VALUES,
    UINT8_MAX,
    UINT16_MAX,
    ImageReadError,
    MaskPolicy,
    resolve_threshold,
)

# The trainer's own reading and decoding steps, used as they are so the audit sees exactly what
# training sees; masks.py keeps them private because they work on an open Pillow image.
from unetdiag.diag.data.masks import _binarise as binarise  # noqa: I001
from unetdiag.diag.data.masks import _extract_mask as extract_mask
from unetdiag.diag.data.masks import _inspect as inspect_mask
from unetdiag.diag.data.masks import _native as native_byte_order
from unetdiag.diag.data.masks import _read_pil as read_pil
from unetdiag.diag.data.masks import _scale_ends as scale_ends

#: Side of the grey thumbnail kept per image for near-duplicate search (16x16 = 256 bytes).
THUMBNAIL_SIDE = 16
#: Image/mask comparisons use at most this many pixels, sampled on a regular grid.
SIMILARITY_SAMPLE_PIXELS = 2048
#: "Is the mask a threshold of its image?" is only asked when each class has at least this
#: many pixels (one bright speck labelled by hand is trivially "a threshold"). The original
#: project's masks were 0.5 % background: 328 pixels at 256x256.
THRESHOLD_FIT_MIN_CLASS_PIXELS = 25
#: ...and of one pair in this many (masks made by thresholding, or a mask folder of binarised
#: images, are so throughout a dataset), plus every mask that is mostly foreground (the
#: original project's signature). It is the costliest per-pair question after decoding.
THRESHOLD_FIT_EVERY = 4
#: A mask with at least this share of non-binary pixels is photo-like: only such a mask is
#: compared with its image pixel by pixel.
PHOTO_LIKE_NONBINARY_FRACTION = 0.5
#: Masks are labelled together on a canvas of about this many pixels (bytes): it bounds the
#: memory a worker holds, and most chunks fit on one.
COMPONENT_BATCH_PIXELS = 4_000_000

_EIGHT_BIT_MODES = ("L", "LA", "RGB", "RGBA")
_SIXTEEN_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N")
_ALPHA_MODES = ("LA", "RGBA")
_FAST_IMAGE_MODES = ("L", "RGB")

#: The per-pair numbers a worker returns: name -> (dtype, value when not measured).
#:
#: Images: ``image_read``; size, colour channels (alpha dropped, as the trainer does) and
#: frames; ``image_bit_depth`` (an index into :data:`BIT_DEPTHS`); minimum and maximum over
#: finite stored values; non-finite pixels; ``image_hash``, a CRC-32 of the pixels.
#:
#: Masks: ``mask_read``; size and frames; foreground and pixel counts under the policy;
#: foreground shares under ``value > 0`` and at the midpoint of the scale (with the policy's
#: polarity); ``nonbinary``, the share of values at neither end of the scale; non-finite
#: values; distinct values; ``edge_share`` of the non-binary values (NaN when none); smallest
#: object and object count; ``lossy`` (JPEG).
#:
#: Pairs: ``identical`` (mask plane equal to the image) and ``correlation`` (with the image's
#: grey level), measured for photo-like masks only; ``threshold_gap``: how far apart the grey
#: levels of the two classes are, in the direction that separates them best (lowest level of
#: one class minus highest of the other): positive means one threshold of the image gives the
#: mask exactly. Measured on a sample first, and on every pixel only when the sample
#: separates; NaN when a class is too small to judge.
COLUMNS: dict[str, tuple[type, float | int | bool]] = {
    "index": (np.int64, -1),
    "image_read": (np.bool_, False),
    "image_width": (np.int32, 0),
    "image_height": (np.int32, 0),
    "image_channels": (np.int8, 0),
    "image_frames": (np.int32, 1),
    "image_bit_depth": (np.int8, -1),
    "image_min": (np.float64, math.nan),
    "image_max": (np.float64, math.nan),
    "image_nonfinite": (np.int64, 0),
    "image_hash": (np.uint32, 0),
    "mask_read": (np.bool_, False),
    "mask_width": (np.int32, 0),
    "mask_height": (np.int32, 0),
    "mask_frames": (np.int32, 1),
    "foreground": (np.int64, 0),
    "pixels": (np.int64, 0),
    "foreground_at_zero": (np.float64, math.nan),
    "foreground_at_midpoint": (np.float64, math.nan),
    "nonbinary": (np.float64, 0.0),
    "mask_nonfinite": (np.int64, 0),
    "distinct_values": (np.int64, 0),
    "edge_share": (np.float64, math.nan),
    "smallest_object": (np.int64, 0),
    "object_count": (np.int64, 0),
    "lossy": (np.bool_, False),
    "identical": (np.float64, math.nan),
    "correlation": (np.float64, math.nan),
    "threshold_gap": (np.float64, math.nan),
}
#: Stored sample types, as ``image_bit_depth`` indexes them.
BIT_DEPTHS = ("1-bit", "8-bit", "16-bit", "32-bit integer", "float32", "float64", "other")
#: What the trainer divides each type's samples by (``masks.read_image``: 8-bit by 255, 16-bit
#: and Pillow's 32-bit integer mode by 65535, bilevel and float data not at all).
NOMINAL_RANGES = (1.0, float(UINT8_MAX), float(UINT16_MAX), float(UINT16_MAX), 1.0, 1.0, 1.0)


class EncodingKey(NamedTuple):
    """How a mask is stored, as the audit groups masks (one row of the encodings table).

    ``scale`` is :class:`~unetdiag.diag.data.masks.MaskEncoding`'s, or ``"one value (v)"`` for a
    mask holding a single value (an empty mask fits several scales).
    """

    file_format: str
    mode: str
    dtype: str
    scale: str
    channels: int
    palette: str
    is_colour: bool
    lossy: bool


@dataclass
class ChunkRecord:
    """What a worker returns for a list of pairs.

    Attributes:
        columns: :data:`COLUMNS`, one entry per pair of the chunk.
        thumbnails: ``(pairs, 256)`` uint8 grey thumbnails (zeros when unread or constant).
        encodings: each pair's :class:`EncodingKey` (None when its mask was not read).
        encoding_values: the first values list seen for each key (for the encodings table).
        unreadable: ``(index, role, reason)`` of every file that could not be used; role is
            ``"image"``, ``"mask"`` or ``"image and mask"``.
    """

    columns: dict[str, np.ndarray]
    thumbnails: np.ndarray
    encodings: list[EncodingKey | None]
    encoding_values: dict[EncodingKey, list[float | int]] = field(default_factory=dict)
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)

    @classmethod
    def empty(cls, size: int) -> ChunkRecord:
        columns = {name: np.full(size, default, dtype=dtype)
                   for name, (dtype, default) in COLUMNS.items()}
        return cls(columns, np.zeros((size, THUMBNAIL_SIDE * THUMBNAIL_SIDE), dtype=np.uint8),
                   [None] * size)


class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Batch:
    """Masks of a chunk waiting to be labelled together."""

    canvas: ObjectCanvas = field(default_factory=lambda: _process_canvas)
    mask_rows: list[int] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)

    def slot(self, row: int, height: int, width: int, record: ChunkRecord) -> np.ndarray:
        """Where to write pair ``row``'s decoded mask (labelling the canvas first if full)."""
        slot = self.canvas.slot(height, width)
        if slot is None:
            _finish(self, record)
            slot = self.canvas.slot(height, width)
            assert slot is not None
        self.mask_rows.append(row)
        return slot


# --------------------------------------------------------------------------- reading


def _open(path: str) -> tuple[Image.Image, str, int]:
    """The loaded image, its format and frame count; :class:`_Unreadable` with the reason."""
    try:
        return read_pil(path, _loaded)  # type: ignore[arg-type]  # a str path is as good
    except ImageReadError as error:
        raise _Unreadable(error.reason) from None


def _loaded(image: Image.Image) -> Image.Image:
    return image


def _image_values(image: Image.Image) -> tuple[np.ndarray, str]:
    """Stored samples as the trainer reads them, and their mode (palette and rare modes are
    converted to RGB, as :func:`unetdiag.diag.data.masks.read_image` does)."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.uint8), mode
    if mode in _EIGHT_BIT_MODES or mode in _SIXTEEN_BIT_MODES or mode == "F":
        return native_byte_order(np.asarray(image)), mode
    return np.asarray(image.convert("RGB")), "RGB"


def _bit_depth(mode: str, dtype: np.dtype) -> int:
    if mode == "1":
        name = "1-bit"
    elif dtype == np.uint8:
        name = "8-bit"
    elif mode in _SIXTEEN_BIT_MODES:
        name = "16-bit" if mode != "I" or dtype != np.int32 else "32-bit integer"
    elif dtype in (np.float32, np.float64):
        name = str(dtype)
    else:
        name = "other"
    return BIT_DEPTHS.index(name)


def _colour_channels(values: np.ndarray, mode: str) -> np.ndarray:
    return values[:, :, :-1] if mode in _ALPHA_MODES else values


def _thumbnail(image: Image.Image) -> np.ndarray:
    """16x16 box-filtered grey levels as uint8. 8-bit images keep their levels; others are
    stretched from their own minimum to maximum (only correlations of thumbnails are used,
    and identical images give identical thumbnails either way)."""
    side = (THUMBNAIL_SIDE, THUMBNAIL_SIDE)
    if image.mode in _FAST_IMAGE_MODES:
        factors = (max(1, image.width // THUMBNAIL_SIDE), max(1, image.height // THUMBNAIL_SIDE))
        small = image.reduce(factors) if factors != (1, 1) else image
        if small.size != side:
            small = small.resize(side, Image.Resampling.BOX)
        return np.asarray(small.convert("L") if small.mode != "L" else small).ravel()
    source = image if image.mode in ("F", "I") else image.convert(
        "I" if image.mode in _SIXTEEN_BIT_MODES else "L")
    thumbnail = np.asarray(source.convert("F").resize(side, Image.Resampling.BOX)).ravel()
    finite = np.isfinite(thumbnail)
    if not finite.any():
        return np.zeros(thumbnail.size, dtype=np.uint8)
    low, high = float(thumbnail[finite].min()), float(thumbnail[finite].max())
    if high <= low:
        return np.zeros(thumbnail.size, dtype=np.uint8)
    stretched = (np.where(finite, thumbnail, low) - low) * (UINT8_MAX / (high - low))
    return np.rint(stretched).astype(np.uint8)


def _read_image(image: Image.Image, frames: int, record: ChunkRecord, row: int
                ) -> tuple[np.ndarray, str]:
    """Fill the image columns of ``row``; return the stored values and their mode."""
    if image.mode in _FAST_IMAGE_MODES:
        values, mode = np.asarray(image), image.mode
    else:
        values, mode = _image_values(image)
    colour = _colour_channels(values, mode)
    columns = record.columns
    if colour.dtype.kind == "f":
        finite_mask = np.isfinite(colour)
        nonfinite = int(colour.size - np.count_nonzero(finite_mask))
        finite = colour[finite_mask] if nonfinite else colour
        columns["image_nonfinite"][row] = nonfinite
    else:
        finite = colour
    if finite.size:
        columns["image_min"][row], columns["image_max"][row] = finite.min(), finite.max()
    columns["image_read"][row] = True
    columns["image_width"][row], columns["image_height"][row] = values.shape[1], values.shape[0]
    columns["image_channels"][row] = 1 if colour.ndim == 2 else colour.shape[2]
    columns["image_frames"][row] = frames
    columns["image_bit_depth"][row] = _bit_depth(mode, values.dtype)
    # mode, size and channels are compared beside the hash (see audit._duplicates)
    columns["image_hash"][row] = zlib.crc32(np.ascontiguousarray(values))
    record.thumbnails[row] = _thumbnail(image)
    return values, mode


# --------------------------------------------------------------------------- masks

_thresholds: dict[tuple[int, int, MaskPolicy], tuple[str, float, float]] = {}


def _eight_bit_scale(low: int, high: int, policy: MaskPolicy) -> tuple[str, float, float]:
    """``(scale, threshold, midpoint)`` of 8-bit values spanning low..high (memoised: a
    dataset has a handful of value ranges)."""
    key = (low, high, policy)
    if key not in _thresholds:
        scale = "binary" if high <= 1 else "uint8"
        extremes = np.array([low, high], dtype=np.uint8)
        midpoint = resolve_threshold(extremes, scale, DEFAULT_POLICY)
        threshold = midpoint if policy.threshold is None else float(policy.threshold)
        _thresholds[key] = (scale, threshold, midpoint)
    return _thresholds[key]


def _decode_into(out: np.ndarray, values: np.ndarray, threshold: float, polarity: str) -> None:
    """``masks._binarise`` of uint8 values, written into ``out`` and compared as integers
    (``v > t`` is ``v > floor(t)`` for whole numbers; no float copy of the mask)."""
    cut = math.floor(threshold)
    if cut < 0:
        out[...] = True
    elif cut >= UINT8_MAX:
        out[...] = False
    else:
        np.greater(values, np.uint8(cut), out=out)
    if polarity == "dark":
        np.logical_not(out, out=out)


def _read_eight_bit_mask(values: np.ndarray, key_base: dict, policy: MaskPolicy,
                         record: ChunkRecord, row: int) -> tuple[float, EncodingKey]:
    """Mask statistics of 8-bit single-plane values, exactly as ``masks.mask_encoding``
    computes them, from the counts of their distinct values (and the edge share of non-binary
    values); returns the threshold in force and the encoding key."""
    low, high = int(values.min()), int(values.max())
    pixels = values.size
    at_high = int(np.count_nonzero(values == high))
    if low == high:
        at_low = pixels - at_high
    elif low == 0:  # the usual case: no comparison array needed for the zeros
        at_low = pixels - int(np.count_nonzero(values))
    else:
        at_low = int(np.count_nonzero(values == low))
    if at_low + at_high == pixels:
        counts = {low: at_low, high: at_high} if low != high else {low: pixels}
    else:
        histogram = np.bincount(values.ravel(), minlength=UINT8_MAX + 1)
        counts = {int(value): int(histogram[value]) for value in np.flatnonzero(histogram)}
    scale, threshold, midpoint = _eight_bit_scale(low, high, policy)
    bottom, top = scale_ends(scale, low, high)  # type: ignore[arg-type]

    def foreground(cut: float) -> int:
        bright = sum(count for value, count in counts.items() if value > cut)
        return bright if policy.polarity == "bright" else pixels - bright

    columns = record.columns
    columns["foreground"][row] = foreground(threshold)
    columns["foreground_at_zero"][row] = foreground(0.0) / pixels
    columns["foreground_at_midpoint"][row] = foreground(midpoint) / pixels
    nonbinary = 1.0 - (counts.get(int(bottom), 0) + counts.get(int(top), 0)) / pixels
    columns["nonbinary"][row] = nonbinary
    columns["distinct_values"][row] = len(counts)
    if nonbinary > 0:
        columns["edge_share"][row] = _edge_share(values, scale, low, high)
    values_listed = sorted(counts)[:MAX_LISTED_VALUES]
    key = EncodingKey(scale=scale if len(counts) > 1 else f"one value ({low})",
                      dtype="uint8", channels=1, is_colour=False, **key_base)
    record.encoding_values.setdefault(key, values_listed)
    return threshold, key


def _read_other_mask(values: np.ndarray, key_base: dict, gray_palette: bool, frames: int,
                     policy: MaskPolicy, record: ChunkRecord, row: int
                     ) -> tuple[np.ndarray, np.ndarray, EncodingKey]:
    """Any other mask, through ``masks``' own inspection; returns (plane, decoded, key)."""
    plane, encoding = inspect_mask(values, key_base["file_format"], key_base["mode"], policy,
                                   gray_palette=gray_palette, lossy=key_base["lossy"],
                                   frames=frames)
    decoded = binarise(plane, encoding.threshold, policy.polarity).astype(bool)
    columns = record.columns
    columns["foreground"][row] = int(np.count_nonzero(decoded))
    columns["foreground_at_zero"][row] = _share(plane, 0.0, policy)
    columns["foreground_at_midpoint"][row] = _share(
        plane, resolve_threshold(plane, encoding.scale, DEFAULT_POLICY), policy)
    columns["nonbinary"][row] = encoding.nonbinary_fraction
    columns["mask_nonfinite"][row] = encoding.nonfinite_count
    columns["distinct_values"][row] = encoding.distinct_values
    single = encoding.values[0] if encoding.values else "non-finite"
    key = EncodingKey(
        scale=encoding.scale if encoding.distinct_values > 1 else f"one value ({single})",
        dtype=encoding.dtype, channels=encoding.channels, is_colour=encoding.is_colour,
        **{**key_base, "palette": encoding.palette})
    record.encoding_values.setdefault(key, encoding.values)
    if encoding.nonbinary_fraction > 0 and encoding.scale != "palette":
        columns["edge_share"][row] = _edge_share(plane, encoding.scale, encoding.min_value,
                                                 encoding.max_value)
    return plane, decoded, key


def _share(plane: np.ndarray, threshold: float, policy: MaskPolicy) -> float:
    decoded = binarise(plane, threshold, policy.polarity)
    return float(np.count_nonzero(decoded)) / plane.size


def _edge_share(plane: np.ndarray, scale: str, low: float, high: float) -> float:
    """Share of the non-binary values that sit on object edges (NaN if it cannot be told)."""
    bottom, top = scale_ends(scale, low, high)  # type: ignore[arg-type]
    if not top > bottom:
        return math.nan
    unit = (plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
    return edge_share(np.where(np.isfinite(unit), unit, 0.0))


def _read_mask(image: Image.Image, file_format: str, frames: int, policy: MaskPolicy,
               record: ChunkRecord, row: int, batch: _Batch
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Fill the mask columns of ``row``; return the stored plane and the decoded mask (None
    for a mask that is all background or all foreground: nothing to label or fit)."""
    values, mode, gray_palette, jpeg = extract_mask(image)
    lossy = file_format in LOSSY_FORMATS or jpeg
    palette = "none" if mode != "P" else "gray" if gray_palette else "labels"
    key_base = {"file_format": file_format, "mode": mode, "lossy": lossy, "palette": palette}
    columns = record.columns
    eight_bit = values.dtype == np.uint8 and values.ndim == 2 and palette != "labels"
    if eight_bit:
        plane, decoded_other = values, None
        threshold, key = _read_eight_bit_mask(values, key_base, policy, record, row)
    else:
        plane, decoded_other, key = _read_other_mask(values, key_base, gray_palette, frames,
                                                     policy, record, row)
    record.encodings[row] = key
    height, width = plane.shape[:2]
    foreground, pixels = int(columns["foreground"][row]), height * width
    columns["mask_read"][row] = True
    columns["mask_width"][row], columns["mask_height"][row] = width, height
    columns["mask_frames"][row] = frames
    columns["pixels"][row] = pixels
    columns["lossy"][row] = lossy
    if foreground in (0, pixels):  # one object covering everything, or none
        columns["smallest_object"][row] = foreground
        columns["object_count"][row] = int(foreground > 0)
        return plane, None
    decoded = batch.slot(row, height, width, record)
    if eight_bit:
        _decode_into(decoded, values, threshold, policy.polarity)
    else:
        decoded[...] = decoded_other
    return plane, decoded


# --------------------------------------------------------------------------- image vs mask


def _grey(values: np.ndarray, mode: str) -> np.ndarray:
    """Grey level (float64) of sampled image values: luma for colour, as ``convert("L")``."""
    colour = _colour_channels(values, mode)
    if colour.ndim == 2:
        return colour.astype(np.float64)
    if colour.shape[2] != len(LUMA_WEIGHTS):
        return colour.mean(axis=2, dtype=np.float64)
    # Weighted sum channel by channel: a matrix product would start BLAS threads per pair.
    grey = colour[:, :, 0] * LUMA_WEIGHTS[0]
    for channel in range(1, len(LUMA_WEIGHTS)):
        grey += colour[:, :, channel] * LUMA_WEIGHTS[channel]
    return grey


def _grey_plane(values: np.ndarray, mode: str) -> np.ndarray:
    """The image's grey level: 8-bit grey as stored, anything else as float64 luma."""
    colour = _colour_channels(values, mode)
    return colour if colour.ndim == 2 and colour.dtype == np.uint8 else _grey(values, mode)


def threshold_gap(grey: np.ndarray, mask: np.ndarray) -> float:
    """How cleanly one threshold of ``grey`` separates ``mask`` (boolean) from the rest.

    The larger of ``min(grey[mask]) - max(grey[~mask])`` and ``min(grey[~mask]) -
    max(grey[mask])``: positive exactly when ``mask`` is ``grey > t`` or ``grey <= t`` for
    some ``t``; NaN when a class is empty or a level is NaN. Four masked reductions, no copy.

    >>> grey = np.array([10, 20, 30, 40])
    >>> threshold_gap(grey, grey > 25), threshold_gap(grey, np.array([1, 0, 1, 0], bool))
    (10.0, -10.0)
    """
    if grey.dtype.kind in "ui":
        info = np.iinfo(grey.dtype)
        low, high = info.min, info.max
    else:
        low, high = -np.inf, np.inf
    rest = ~mask
    if not (mask.any() and rest.any()):
        return math.nan
    inside_low = np.min(grey, where=mask, initial=high)
    inside_high = np.max(grey, where=mask, initial=low)
    outside_low = np.min(grey, where=rest, initial=high)
    outside_high = np.max(grey, where=rest, initial=low)
    return max(float(inside_low) - float(outside_high), float(outside_low) - float(inside_high))


def _correlation(first: np.ndarray, second: np.ndarray) -> float:
    """Pearson correlation of two float64 vectors; NaN when either is constant."""
    finite = np.isfinite(first) & np.isfinite(second)
    if not finite.all():
        first, second = first[finite], second[finite]
    if first.size == 0:
        return math.nan
    first = first - first.mean()
    second = second - second.mean()
    denominator = math.sqrt(float((first * first).sum()) * float((second * second).sum()))
    return float((first * second).sum()) / denominator if denominator > 0 else math.nan


def _compare(image_values: np.ndarray, image_mode: str, plane: np.ndarray,
             decoded: np.ndarray | None, record: ChunkRecord, row: int) -> None:
    """Does one threshold of the image give the mask? Is a photo-like mask the image?"""
    if plane.shape[:2] != image_values.shape[:2]:
        return
    columns = record.columns
    stride = max(1, math.ceil(math.sqrt(plane.size / SIMILARITY_SAMPLE_PIXELS)))
    image_sample = image_values[::stride, ::stride]
    foreground = int(columns["foreground"][row])
    asked = columns["index"][row] % THRESHOLD_FIT_EVERY == 0 or 2 * foreground > plane.size
    if decoded is not None and asked and min(foreground, plane.size - foreground) \
            >= THRESHOLD_FIT_MIN_CLASS_PIXELS:
        # A subset of a separable mask is separable: a cheap sample rules most masks out.
        gap = threshold_gap(_grey_plane(image_sample, image_mode), decoded[::stride, ::stride])
        if not gap < 0:
            gap = threshold_gap(_grey_plane(image_values, image_mode), decoded)
        columns["threshold_gap"][row] = gap
    if columns["nonbinary"][row] < PHOTO_LIKE_NONBINARY_FRACTION:
        return
    plane_sample = plane[::stride, ::stride]
    colour = _colour_channels(image_sample, image_mode)
    # compare like with like: a mask's colour channels collapse with their maximum
    collapsed = colour.max(axis=2) if colour.ndim == 3 else colour
    columns["identical"][row] = (float(np.count_nonzero(collapsed == plane_sample))
                                 / plane_sample.size)
    columns["correlation"][row] = _correlation(
        _grey(image_sample, image_mode).ravel(), plane_sample.ravel().astype(np.float64))


def _finish(batch: _Batch, record: ChunkRecord) -> None:
    """Label the masks collected so far and write their results; empty the batch."""
    columns = record.columns
    if batch.mask_rows:
        smallest, counts = batch.canvas.label()
        columns["smallest_object"][batch.mask_rows] = smallest
        columns["object_count"][batch.mask_rows] = counts
    for row in batch.forgotten:  # pairs whose audit failed half-way
        for name in ("smallest_object", "object_count"):
            columns[name][row] = COLUMNS[name][1]
    batch.mask_rows, batch.forgotten = [], []


# --------------------------------------------------------------------------- chunks


def _read_pair(row: int, image_path: str, mask_path: str, policy: MaskPolicy,
               record: ChunkRecord, batch: _Batch) -> None:
    same_file = image_path == mask_path
    try:
        image, image_format, image_frames = _open(image_path)
    except _Unreadable as error:
        record.unreadable.append((int(record.columns["index"][row]),
                                  "image and mask" if same_file else "image", error.reason))
        image = None
    if image is not None:
        image_values, image_mode = _read_image(image, image_frames, record, row)
    if same_file:
        if image is None:
            return
        mask, mask_format, mask_frames = image, image_format, image_frames
    else:
        try:
            mask, mask_format, mask_frames = _open(mask_path)
        except _Unreadable as error:
            record.unreadable.append((int(record.columns["index"][row]), "mask", error.reason))
            return
    plane, decoded = _read_mask(mask, mask_format, mask_frames, policy, record, row, batch)
    if image is not None:
        _compare(image_values, image_mode, plane, decoded, record, row)


def read_chunk(tasks: Sequence[tuple[int, str, str]],
               policy: MaskPolicy = DEFAULT_POLICY) -> ChunkRecord:
    """Read the ``(index, image path, mask path)`` pairs of ``tasks``; never raises for a bad
    file (it is listed in ``unreadable`` with the reader's reason). When the mask path is the
    image path, the file is read once and serves as both.

    A failure of the audit itself (a bug, not a bad file) is recorded as an ``"audit failed"``
    reason for that pair, so one file cannot stop the audit of the others.
    """
    record = ChunkRecord.empty(len(tasks))
    batch = _Batch()
    for row, (index, image_path, mask_path) in enumerate(tasks):
        record.columns["index"][row] = index
        try:
            _read_pair(row, image_path, mask_path, policy, record, batch)
        except Exception as error:  # noqa: BLE001 - reported as a finding naming the files
            _forget(record, batch, row)
            role = "image and mask" if image_path == mask_path else "image"
            record.unreadable.append((index, role,
                                      f"audit failed ({type(error).__name__}: {error})"))
    _finish(batch, record)
    return record


def _forget(record: ChunkRecord, batch: _Batch, row: int) -> None:
    """Reset a row to "not measured" (after a failure half-way through it)."""
    index = record.columns["index"][row]
    for name, (_, default) in COLUMNS.items():
        record.columns[name][row] = default
    record.columns["index"][row] = index
    record.thumbnails[row] = 0
    record.encodings[row] = None
    record.unreadable = [entry for entry in record.unreadable if entry[0] != index]
    batch.forgotten.append(row)


_policy = DEFAULT_POLICY
# One canvas per process, reused chunk after chunk: a fresh one would cost a page fault for
# every 4 kB written to it.
_process_canvas = ObjectCanvas(COMPONENT_BATCH_PIXELS)


def init_worker(policy: MaskPolicy) -> None:
    """A pool's initializer: set the mask policy :func:`read_task` uses in this process, and
    leave Ctrl-C to the parent, which stops the pool and reports the interruption once."""
    global _policy
    _policy = policy
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_task(tasks: Sequence[tuple[int, str, str]]) -> ChunkRecord:
    """:func:`read_chunk` under :func:`init_worker`'s policy (what the pool maps)."""
    return read_chunk(tasks, _policy)
