"""The one place stored mask values become {0, 1}: under a :class:`MaskPolicy`, never ``> 0``.

How stored values become {0, 1} (:func:`decode_mask`):

1. The stored values are read as they are (:func:`~unetdiag.diag.data.reading.load_stored_mask`):
   8-bit, 16-bit, float, palette indices or colour.
2. Colour masks collapse to one plane with the channel maximum (a coloured object on black is
   foreground). Where alpha varies, the alpha *is* the mask (transparent is background), unless
   the opaque pixels' colours draw both classes (mostly two levels, dark and bright): then the
   colour is composited over black (a transparent pixel is background), as it is under an
   alpha that is the same everywhere (a layer saved at 50 % opacity), unless that alpha is a
   BMP's unused fourth byte, 0 everywhere (ignored). A black object on a
   transparent white background and a cut-out photograph are alpha masks; a red object on a
   transparent background reads the same either way.
3. The plane's *scale* is recognised from its values (:func:`mask_encoding`), and the threshold
   is the midpoint of that scale unless the policy fixes one (:func:`resolve_threshold`). A
   JPEG mask whose values stay within 0..3 is 0/1 data with compression noise (0.5), not
   0/255 data (127.5, which would make every object background).
4. ``value > threshold`` is bright; ``MaskPolicy.polarity`` says whether bright or dark is the
   foreground (:func:`~unetdiag.diag.data.rules.binarise`). Non-finite values are background
   under either polarity.

Palette indices (a palette with colours, see :mod:`unetdiag.diag.data.reading`) are *labels*:
index 0 is background, index 255 is void (PASCAL VOC's border and "difficult" label: decoded as
background, never foreground) and every other index foreground. That rule exists only because
indices are labels; it is never applied to intensity data.

A policy with ``foreground_values`` replaces steps 3 and 4 by a value rule: foreground is
exactly the listed values of the plane (label maps). Values in ``ignore_values`` are never
foreground under either rule; :func:`decode_mask_with_ignore` says which pixels they are.

Every reader goes through :func:`inspect_mask_values`: the trainer (:func:`decode_mask`), the
audit (:func:`inspect_stored` on a file it has already opened) and the synthetic dataset's
corruptions. An 8-bit plane, by far the commonest, is judged from the counts of its few
distinct values (two, for a clean mask) rather than from a sort of its pixels.

>>> import numpy as np
>>> encoding = mask_encoding(np.array([[0, 255], [255, 0]], np.uint8), "PNG", "L", MaskPolicy())
>>> encoding.scale, encoding.threshold, encoding.foreground_fraction
('uint8', 127.5, 0.5)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import jsonable
from unetdiag.diag.data.instances import load_mask
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy, Polarity
from unetdiag.diag.data.reading import (
    LOSSY_FORMATS,
    PALETTE_MODE,
    UINT8_MAX,
    UINT16_MAX,
    StoredMask,
)
from unetdiag.diag.data.rules import VOID_INDEX, ValueRule

Scale = Literal["binary", "uint8", "uint16", "float_unit", "float", "palette"]
#: The largest value of a lossy (JPEG) 8-bit mask read on the 0/1 scale: a 0/1 mask saved as
#: JPEG comes back as 0..2 (ringing at the edges, measured at quality 75 and 90), and a 0/255
#: one never stays this low unless it is black everywhere (then exactly 0).
LOSSY_BINARY_TOP = 3

#: Threshold applied to palette labels: on integer indices ``index > 0.5`` means "index != 0".
LABEL_THRESHOLD = 0.5
#: How many of the smallest distinct values a :class:`MaskEncoding` lists.
MAX_LISTED_VALUES = 16
#: An 8-bit plane's values between its ends are counted alone up to 1 pixel in this many.
_FEW_BETWEEN = 8


@dataclass(frozen=True)
class MaskEncoding:
    """How one mask is stored, and what the policy in force makes of it.

    Value statistics (``distinct_values`` to ``nonbinary_fraction``) describe the single plane
    that is thresholded: after colour channels are collapsed and alpha is applied.

    Attributes:
        file_format: Pillow's format name (``"PNG"``, ``"JPEG"``, ``"GIF"``, ``"TIFF"``...), or
            ``""`` for an array that never was a file.
        mode: Pillow mode as stored (``"L"``, ``"P"``, ``"RGB"``, ``"I;16"``, ``"F"``...).
        dtype: NumPy dtype of the stored values.
        height, width: size in pixels.
        channels: stored channels (1 for gray and palette, 3 for RGB, 4 for RGBA).
        distinct_values: how many distinct values the plane holds (NaN counts as one).
        values: the smallest distinct finite values, at most :data:`MAX_LISTED_VALUES`.
        min_value, max_value: over the finite values (NaN when there are none).
        scale: ``"binary"`` (values within {0, 1}), ``"uint8"`` (0..255), ``"uint16"``
            (0..65535), ``"float_unit"`` (floats within [0, 1]), ``"float"`` (any other range)
            or ``"palette"`` (colour-palette indices, kept as labels). Integer data is judged
            by the narrowest range that holds it: a 16-bit file holding 0/255 is ``"uint8"``.
        threshold: the threshold that was applied (``policy.threshold`` or the auto midpoint).
        polarity: the policy's polarity (``"bright"`` or ``"dark"``).
        nonbinary_fraction: share of pixels at neither end of the scale (e.g. neither 0 nor
            255 for ``"uint8"``); non-finite pixels count as non-binary.
        foreground_fraction: share of pixels that decode to 1 under the policy.
        nonfinite_count: NaN and infinite pixels.
        is_colour: the plane is the colour channels' and they differ somewhere (a colour,
            not a gray, mask; False when the alpha channel is the mask).
        alpha: ``"none"`` (no alpha channel), ``"opaque"`` (alpha everywhere full),
            ``"unused"`` (a BMP's alpha byte 0 everywhere: ignored, the colour is the mask),
            ``"composited"`` (the opaque colours draw both classes: colour composited over
            black) or ``"mask"`` (the alpha channel was read as the mask).
        palette: ``"none"``, ``"labels"`` (colour palette, indices kept as labels) or
            ``"gray"`` (grayscale palette, indices mapped to gray levels).
        lossy: stored in a lossy format (JPEG, or JPEG compression inside a TIFF).
        frames: frames or pages in the file; only the first is used.
        ignored_fraction: share of pixels holding one of the policy's ``ignore_values``.
        void_fraction: share of pixels at the palette's void index (:data:`VOID_INDEX`), 0
            for masks that are not palette labels.
    """

    file_format: str
    mode: str
    dtype: str
    height: int
    width: int
    channels: int
    distinct_values: int
    values: list[float | int]
    min_value: float | int
    max_value: float | int
    scale: Scale
    threshold: float
    polarity: Polarity
    nonbinary_fraction: float
    foreground_fraction: float
    nonfinite_count: int
    is_colour: bool
    alpha: str
    palette: str
    lossy: bool
    frames: int = 1
    ignored_fraction: float = 0.0
    void_fraction: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become ``"nan"``, ``"inf"``, ``"-inf"``)."""
        return {key: jsonable(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class InspectedMask:
    """The one plane of a mask that is thresholded, and everything known about it.

    Attributes:
        plane: HxW values (colour collapsed, alpha applied), in the stored dtype.
        encoding: the :class:`MaskEncoding` under the policy in force.
        value_counts: pixels per distinct value for an 8-bit plane, else ``None``: any
            threshold is then judged from these few counts instead of from every pixel.
        policy: the policy in force.
    """

    plane: np.ndarray
    encoding: MaskEncoding
    value_counts: dict[int, int] | None
    policy: MaskPolicy = DEFAULT_POLICY

    @property
    def _rule(self) -> ValueRule:
        return ValueRule(self.policy, self.encoding.palette == "labels")

    def foreground_count(self, threshold: float | None = None) -> int:
        """Pixels that decode to foreground at ``threshold`` (default: the policy's rule)
        under the policy's polarity; ignored pixels are never foreground."""
        rule = self._rule if threshold is None else self._rule.with_threshold_rule()
        if threshold is None:
            threshold = self.encoding.threshold
        return rule.foreground_count(self.plane, self.value_counts, threshold,
                                     self.encoding.polarity)

    @property
    def ignored_count(self) -> int:
        """Pixels holding one of the policy's ignore values."""
        return self._rule.ignored_count(self.plane, self.value_counts)

    @property
    def midpoint(self) -> float:
        """The auto threshold of this plane's scale, whatever the policy fixed."""
        encoding = self.encoding
        low, high = _kept_range(self.plane, self.value_counts, self.policy.ignore_values,
                                encoding.min_value, encoding.max_value)
        return _auto_threshold(encoding.scale, low, high)

    def foreground(self, out: np.ndarray | None = None) -> np.ndarray:
        """The decoded mask (bool HxW) under the policy, written into ``out`` when given."""
        return self._rule.foreground(self.plane, self.encoding.threshold,
                                     self.encoding.polarity, out)

    def ignored(self) -> np.ndarray | None:
        """Bool HxW of the ignored pixels; None when the policy ignores no value."""
        if not self.policy.ignore_values:
            return None
        return np.isin(self.plane, self.policy.ignore_values)


# --- judging the values -------------------------------------------------------------------------


def _nominal_max(dtype: np.dtype) -> float:
    """Full-scale value of a channel of this dtype (used for alpha)."""
    if np.issubdtype(dtype, np.floating):
        return 1.0
    if dtype == np.uint16:
        return float(UINT16_MAX)
    return float(UINT8_MAX)


#: Formats whose alpha byte of 0 everywhere is unused, not transparency: BMP's fourth byte
#: (Windows and image editors show such files opaque; image-rs/image#539, Pillow#8602). A PNG
#: transparent everywhere is an empty cut-out.
UNUSED_ALPHA_FORMATS = ("BMP", "DIB")


def channels_differ(colour: np.ndarray) -> bool:
    """Whether an ``HxWxC`` array's channels differ anywhere: a colour picture, not grey
    stored as colour. A strided sample is compared first, so true colour costs next to
    nothing; the whole array only when the sample is grey.

    >>> grey = np.repeat(np.arange(16, dtype=np.uint8).reshape(4, 4, 1), 3, axis=2)
    >>> channels_differ(grey), channels_differ(grey[:, :, ::-1] + np.arange(3, dtype=np.uint8))
    (False, True)
    """
    for plane in (colour[::8, ::8], colour):
        first = plane[:, :, 0]
        if any(not np.array_equal(first, plane[:, :, channel])
               for channel in range(1, plane.shape[2])):
            return True
    return False


def _mask_plane(values: np.ndarray, file_format: str = "") -> tuple[np.ndarray, bool, str]:
    """Collapse stored values to the one plane that is thresholded.

    Returns ``(plane, is_colour, alpha)``; ``alpha`` as in :class:`MaskEncoding`.
    """
    if values.ndim == 2:
        return values, False, "none"
    channel_count = values.shape[2]
    has_alpha = channel_count in (2, 4)
    colour = values[:, :, :-1] if has_alpha else values
    first = colour[:, :, 0]
    is_colour = channels_differ(colour)
    # channel by channel: a max over the last axis of interleaved samples is ~40x slower
    plane = first.copy() if colour.shape[2] == 1 else np.maximum(first, colour[:, :, 1])
    for channel in range(2, colour.shape[2]):
        np.maximum(plane, colour[:, :, channel], out=plane)
    if not has_alpha:
        return plane, is_colour, "none"
    alpha_channel = values[:, :, -1]
    full_alpha = _nominal_max(values.dtype)
    if bool(np.all(alpha_channel >= full_alpha)):
        return plane, is_colour, "opaque"
    if file_format in UNUSED_ALPHA_FORMATS and not alpha_channel.any():
        return plane, is_colour, "unused"
    if (alpha_channel.min() != alpha_channel.max()
            and not _colour_draws_classes(plane, alpha_channel >= full_alpha)):
        # The shape is in the alpha: one colour everywhere, one class under the opaque
        # pixels (a black object on transparent white), or a cut-out photograph; the
        # plane is then no colour's
        return alpha_channel, False, "mask"
    composited = plane.astype(np.float64) * (alpha_channel / full_alpha)
    if np.issubdtype(plane.dtype, np.integer):
        composited = np.rint(composited).astype(plane.dtype)
    return composited, is_colour, "composited"


#: The opaque pixels' colours draw a label when they sit at two levels, dark and bright, in
#: at least this share (anti-aliased edges add a few in-between values; a cut-out
#: photograph spreads over hundreds).
_TWO_LEVEL_SHARE = 0.9


def _colour_draws_classes(plane: np.ndarray, opaque: np.ndarray) -> bool:
    """Whether the opaque pixels' colours hold both classes of a drawn label (mostly two
    levels, one dark and one bright): then the colour is the mask and alpha only hides what
    is transparent (composited over black); otherwise the alpha is the mask."""
    values = plane[opaque]
    if values.size == 0:
        return False
    low, high = values.min(), values.max()
    middle = (_nominal_max(plane.dtype) if np.issubdtype(plane.dtype, np.integer)
              else 1.0) / 2
    if not low <= middle < high:
        return False
    at_ends = np.count_nonzero(values == low) + np.count_nonzero(values == high)
    return at_ends >= _TWO_LEVEL_SHARE * values.size


def _finite_range(plane: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values; NaN, NaN when there are none."""
    finite = plane[np.isfinite(plane)] if np.issubdtype(plane.dtype, np.floating) else plane
    if finite.size == 0:
        return math.nan, math.nan
    return finite.min().item(), finite.max().item()


def _kept_range(plane: np.ndarray, counts: dict[int, int] | None,
                ignore: tuple[float | int, ...], low: float, high: float
                ) -> tuple[float, float]:
    """(min, max) of the finite values the policy does not ignore; ``(low, high)`` when it
    ignores none of them or every one."""
    if not ignore:
        return low, high
    if counts is not None:
        kept = [value for value in counts if value not in ignore]
        return (min(kept), max(kept)) if kept else (low, high)
    kept_plane = plane[~np.isin(plane, ignore)]
    if kept_plane.size == 0:
        return low, high
    kept_low, kept_high = _finite_range(kept_plane)
    return (low, high) if math.isnan(kept_low) else (kept_low, kept_high)


def _value_counts(plane: np.ndarray) -> dict[int, int]:
    """Pixels per distinct value of an 8-bit plane (in value order): a few passes for two values
    (no comparison array when the lower is 0), the values between the ends when few."""
    low, high = int(plane.min()), int(plane.max())
    pixels = plane.size
    if low == high:
        return {low: pixels}
    at_high = int(np.count_nonzero(plane == high))
    if low == 0:
        at_low = pixels - int(np.count_nonzero(plane))
    else:
        at_low = int(np.count_nonzero(plane == low))
    if at_low + at_high == pixels:
        return {low: at_low, high: at_high}
    if (pixels - at_low - at_high) * _FEW_BETWEEN <= pixels:  # lossy: 3.4x faster on the polyps
        between = plane[(plane > low) & (plane < high)]
        counts = np.bincount(between, minlength=high + 1)
        counts[low], counts[high] = at_low, at_high
        return {value: int(counts[value]) for value in np.flatnonzero(counts).tolist()}
    # Pillow's histogram: 1.7x faster than np.bincount on a JPEG mask
    histogram = Image.fromarray(np.ascontiguousarray(plane)).histogram()
    return {value: count for value, count in enumerate(histogram) if count}


def _recognised_scale(plane: np.ndarray, is_labels: bool, low: float, high: float,
                      lossy: bool = False) -> Scale:
    """The plane's scale, given its finite range ``low``..``high``; a lossy 8-bit plane
    within 0..:data:`LOSSY_BINARY_TOP` is 0/1 data with compression noise."""
    if is_labels:
        return "palette"
    if math.isnan(low):
        return "float"
    if lossy and plane.dtype == np.uint8 and high <= LOSSY_BINARY_TOP:
        return "binary"
    if low >= 0 and high <= 1:
        integral = plane.dtype.kind in "ui"
        finite = plane if integral else plane[np.isfinite(plane)]
        return "binary" if integral or _all_in(finite, (0.0, 1.0)) else "float_unit"
    if plane.dtype.kind in "ui" and low >= 0:
        if high <= UINT8_MAX:
            return "uint8"
        if high <= UINT16_MAX:
            return "uint16"
    return "float"


def _all_in(plane: np.ndarray, ends: tuple[float, float]) -> bool:
    return bool(np.all((plane == ends[0]) | (plane == ends[1])))


def scale_ends(scale: Scale | str, low: float, high: float) -> tuple[float, float]:
    """The two values a perfectly binary mask on this scale holds, for values spanning
    ``low``..``high``.

    >>> scale_ends("uint8", 0, 3), scale_ends("palette", 0, 4)
    ((0.0, 255.0), (0.0, 4))
    """
    if scale in ("binary", "float_unit"):
        return 0.0, 1.0
    if scale == "uint8":
        return 0.0, float(UINT8_MAX)
    if scale == "uint16":
        return 0.0, float(UINT16_MAX)
    if scale == "palette":
        return 0.0, high
    # "float": an unrecognised range; anchored at 0 (or below, for signed data) and at 1, 255
    # or the largest value, whichever is the smallest that holds the data.
    if math.isnan(low):
        return 0.0, float(UINT8_MAX)
    top = 1.0 if high <= 1 else float(UINT8_MAX) if high <= UINT8_MAX else high
    return min(0.0, low), top


def _auto_threshold(scale: Scale | str, low: float, high: float) -> float:
    """The midpoint of the scale (the label rule for palette indices)."""
    if scale == "palette":
        return LABEL_THRESHOLD
    bottom, top = scale_ends(scale, low, high)
    return (bottom + top) / 2


def resolve_threshold(values: np.ndarray, scale: str, policy: MaskPolicy) -> float:
    """The threshold ``t`` (a value is bright when ``v > t``) for these values under ``policy``.

    ``policy.threshold`` when it is set (``0`` reproduces the original project's ``> 0``).
    Otherwise the midpoint of the nominal scale: 0.5 for ``"binary"`` and ``"float_unit"``,
    127.5 for ``"uint8"``, 32767.5 for ``"uint16"``; for ``"float"`` data the midpoint of
    [0, 255] when the values stay within 255, else of [0, max] (and of [min, 1] or [min, top]
    for signed data). ``"palette"`` indices are labels: 0.5 makes index 0 background and every
    other index foreground, a rule that is never applied to intensities.

    >>> import numpy as np
    >>> resolve_threshold(np.array([0.0, 255.0]), "float", MaskPolicy())
    127.5
    >>> resolve_threshold(np.array([0, 255]), "uint8", MaskPolicy(threshold=0))
    0.0
    """
    if policy.threshold is not None:
        return float(policy.threshold)
    if scale == "palette":
        return LABEL_THRESHOLD
    low, high = _finite_range(np.asarray(values))
    return _auto_threshold(scale, low, high)


# --- the decoder --------------------------------------------------------------------------------


def inspect_mask_values(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy,
                        *, gray_palette: bool = False, lossy: bool | None = None,
                        frames: int = 1) -> InspectedMask:
    """The plane to threshold and everything known about it (see :func:`mask_encoding`)."""
    values = np.asarray(values)
    if values.ndim not in (2, 3) or 0 in values.shape:
        raise ValueError(f"mask values must be a non-empty HxW or HxWxC array, got shape "
                         f"{values.shape}")
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    if lossy is None:
        lossy = file_format in LOSSY_FORMATS
    plane, is_colour, alpha = _mask_plane(values, file_format)
    palette = "none" if mode != PALETTE_MODE else "gray" if gray_palette else "labels"
    counts = _value_counts(plane) if plane.dtype == np.uint8 else None
    low, high = (min(counts), max(counts)) if counts is not None else _finite_range(plane)
    # the scale is that of the values the policy reads: an ignored value (255 of 0/1 labels,
    # -9999 no-data) is no level of it and must not move the midpoint
    kept_low, kept_high = _kept_range(plane, counts, policy.ignore_values, low, high)
    scale = _recognised_scale(plane, palette == "labels", kept_low, kept_high, lossy)
    threshold = (float(policy.threshold) if policy.threshold is not None
                 else _auto_threshold(scale, kept_low, kept_high))
    bottom, top = scale_ends(scale, kept_low, kept_high)
    nonfinite = 0
    if counts is not None:
        distinct = sorted(counts)
        listed = distinct[:MAX_LISTED_VALUES]
        at_ends = sum(counts.get(int(end), 0) for end in {bottom, top})
        at_ends += sum(count for value, count in counts.items()
                       if value in policy.ignore_values and value not in (bottom, top))
    else:
        distinct = np.unique(plane)
        finite_distinct = distinct
        if np.issubdtype(plane.dtype, np.floating):
            nonfinite = int(np.count_nonzero(~np.isfinite(plane)))
            finite_distinct = distinct[np.isfinite(distinct)]
        listed = [value.item() for value in finite_distinct[:MAX_LISTED_VALUES]]
        ends = (plane == bottom) | (plane == top)
        if policy.ignore_values:
            ends |= np.isin(plane, policy.ignore_values)
        at_ends = int(np.count_nonzero(ends))
    pixel_count = plane.size
    rule = ValueRule(policy, palette == "labels")
    foreground = rule.foreground_count(plane, counts, threshold, policy.polarity)
    void = 0
    if palette == "labels":
        void = (counts.get(VOID_INDEX, 0) if counts is not None
                else int(np.count_nonzero(plane == VOID_INDEX)))
    encoding = MaskEncoding(
        file_format=file_format,
        mode=mode,
        dtype=str(values.dtype),
        height=int(plane.shape[0]),
        width=int(plane.shape[1]),
        channels=int(values.shape[2]) if values.ndim == 3 else 1,
        distinct_values=len(distinct),
        values=listed,
        min_value=low,
        max_value=high,
        scale=scale,
        threshold=threshold,
        polarity=policy.polarity,
        nonbinary_fraction=(pixel_count - at_ends) / pixel_count,
        foreground_fraction=foreground / pixel_count,
        nonfinite_count=nonfinite,
        is_colour=is_colour,
        alpha=alpha,
        palette=palette,
        lossy=lossy,
        frames=frames,
        ignored_fraction=rule.ignored_count(plane, counts) / pixel_count,
        void_fraction=void / pixel_count,
    )
    return InspectedMask(plane, encoding, counts, policy)


def inspect_stored(stored: StoredMask, policy: MaskPolicy) -> InspectedMask:
    """:func:`inspect_mask_values` of a mask as a file stores it."""
    return inspect_mask_values(stored.values, stored.file_format, stored.mode, policy,
                               gray_palette=stored.gray_palette, lossy=stored.lossy,
                               frames=stored.frames)


def mask_encoding(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy,
                  *, gray_palette: bool = False, lossy: bool | None = None,
                  frames: int = 1) -> MaskEncoding:
    """Inspect stored mask values (no file needed): scale, threshold, value statistics.

    Args:
        values: stored values as :func:`~unetdiag.diag.data.reading.load_mask_values` returns
            them (HxW or HxWxC).
        file_format: Pillow format name, or ``""``.
        mode: Pillow mode; ``"P"`` means the values are palette indices (labels) unless
            ``gray_palette`` says they were already mapped to gray levels. 2 or 4 channels
            are read as gray/colour plus alpha, whatever the mode.
        policy: the :class:`MaskPolicy` in force.
        gray_palette: the values came from a grayscale palette and are gray levels.
        lossy: stored lossily; default: ``file_format`` is JPEG.
        frames: frames or pages in the file.

    >>> import numpy as np
    >>> jpeg_like = np.array([[0, 3, 250, 255]], np.uint8)
    >>> encoding = mask_encoding(jpeg_like, "JPEG", "L", MaskPolicy())
    >>> encoding.lossy, encoding.nonbinary_fraction, encoding.foreground_fraction
    (True, 0.5, 0.5)
    """
    return inspect_mask_values(values, file_format, mode, policy, gray_palette=gray_palette,
                               lossy=lossy, frames=frames).encoding


def decode_mask(path: Path | str,
                policy: MaskPolicy = DEFAULT_POLICY) -> tuple[np.ndarray, MaskEncoding]:
    """Decode a mask file to uint8 HxW in {0, 1} under ``policy``, with how it was stored.

    ``path`` may also name one page of a multi-page file (``stack.tif#page=3``) or a folder
    of object masks or a set of numbered masks, merged first
    (:func:`~unetdiag.diag.data.instances.load_mask`). Colour
    masks collapse with the channel maximum and report ``is_colour``; the threshold is
    :func:`resolve_threshold`'s; ``polarity="dark"`` makes the dark class the foreground.
    With ``policy.normalise=False`` the raw single-channel values come back as float32
    instead (only to reproduce the 0/255 failure); the encoding is computed all the same.

    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "mask.png"
    >>> Image.fromarray(np.array([[0, 255], [255, 255]], np.uint8)).save(path)
    >>> mask, encoding = decode_mask(path)
    >>> mask.tolist(), encoding.scale, encoding.foreground_fraction
    ([[0, 1], [1, 1]], 'uint8', 0.75)

    Raises:
        ImageReadError: as :func:`~unetdiag.diag.data.reading.load_mask_values`, and
            :func:`~unetdiag.diag.data.instances.read_instance_masks` for a folder.
    """
    mask, _ignored, encoding = decode_mask_with_ignore(path, policy)
    return mask, encoding


def decode_mask_with_ignore(path: Path | str, policy: MaskPolicy = DEFAULT_POLICY
                            ) -> tuple[np.ndarray, np.ndarray | None, MaskEncoding]:
    """:func:`decode_mask`, and which pixels the policy ignores: ``(mask, ignored,
    encoding)`` with ``ignored`` a bool HxW array (None when ``policy.ignore_values`` is
    empty). Ignored pixels are 0 in ``mask``.

    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "trimap.png"
    >>> Image.fromarray(np.array([[1, 3, 2, 2]], np.uint8)).save(path)
    >>> policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    >>> mask, ignored, encoding = decode_mask_with_ignore(path, policy)
    >>> mask.tolist(), ignored.tolist(), encoding.ignored_fraction
    ([[1, 0, 0, 0]], [[False, True, False, False]], 0.25)

    Raises:
        ImageReadError: as :func:`~unetdiag.diag.data.reading.load_mask_values`, and
            :func:`~unetdiag.diag.data.instances.read_instance_masks` for a folder.
    """
    inspected = inspect_stored(load_mask(path), policy)
    mask, ignored = decoded_planes(inspected, policy)
    return mask, ignored, inspected.encoding


def decoded_planes(inspected: InspectedMask, policy: MaskPolicy
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """``(mask, ignored)`` of an inspected mask, as :func:`decode_mask_with_ignore` returns
    them (the raw plane as float32 when ``policy.normalise`` is False)."""
    if not policy.normalise:
        return inspected.plane.astype(np.float32), inspected.ignored()
    return inspected.foreground().astype(np.uint8), inspected.ignored()
