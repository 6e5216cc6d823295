"""Image reading and mask decoding under one explicit, recorded policy (never a silent ``> 0``).

Reading never modifies a file, always decodes it completely (a truncated file fails here, not
halfway through training) and turns every way a file can be unreadable into one
:class:`ImageReadError` that names the file.

How stored mask values become {0, 1} (:func:`decode_mask`):

1. The stored values are read as they are (:func:`load_mask_values`): 8-bit, 16-bit, float,
   palette indices or colour.
2. Colour masks collapse to one plane with the channel maximum (a coloured object on black is
   foreground). Alpha is composited over black (a transparent pixel is background) unless the
   colour is uniform and only the alpha varies, in which case the alpha *is* the mask.
3. The plane's *scale* is recognised from its values (:func:`mask_encoding`), and the threshold
   is the midpoint of that scale unless the policy fixes one (:func:`resolve_threshold`).
4. ``value > threshold`` is bright; ``MaskPolicy.polarity`` says whether bright or dark is the
   foreground. Non-finite values are background under either polarity.

Palette images: when every palette entry in use is a gray (r == g == b), the file is a
grayscale image stored with a palette (GIF can store gray no other way): its indices are mapped
to their gray levels and judged as 8-bit intensities, exactly as Pillow itself already does for
GIFs whose palette is the identity ramp (DRIVE's vessel masks open as mode ``L``, values
{0, 255}). Only a palette with colours keeps its indices, and they are treated as *labels*:
index 0 is background and every other index foreground. That rule exists only because indices
are labels; it is never applied to intensity data.

>>> import numpy as np
>>> encoding = mask_encoding(np.array([[0, 255], [255, 0]], np.uint8), "PNG", "L", MaskPolicy())
>>> encoding.scale, encoding.threshold, encoding.foreground_fraction
('uint8', 127.5, 0.5)
"""

from __future__ import annotations

import math
import os
import threading
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from unetdiag.diag.core.findings import jsonable

Polarity = Literal["bright", "dark"]
Scale = Literal["binary", "uint8", "uint16", "float_unit", "float", "palette"]

#: File extensions (lower case) that pairing accepts as images or masks.
SUPPORTED_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif")
#: Extensions of lossy formats: a mask stored this way gains values near every edge.
LOSSY_EXTENSIONS = (".jpg", ".jpeg")
#: Pillow format names that are lossy whatever the file is called (MPO is JPEG from cameras).
LOSSY_FORMATS = ("JPEG", "MPO")

UINT8_MAX = 255
UINT16_MAX = 65535
#: Threshold applied to palette labels: on integer indices ``index > 0.5`` means "index != 0".
LABEL_THRESHOLD = 0.5
#: How many of the smallest distinct values a :class:`MaskEncoding` lists.
MAX_LISTED_VALUES = 16
#: ITU-R BT.601 luma weights, the ones Pillow uses to convert RGB to L.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)

# Modes whose pixels numpy reads directly as one plane of stored values.
_SINGLE_PLANE_MODES = ("L", "I", "F", "I;16", "I;16L", "I;16B", "I;16N")
# Modes read as they are, several channels each (alpha last where present).
_MULTI_CHANNEL_MODES = ("LA", "RGB", "RGBA")
_PALETTE_MODE = "P"
_WARNING_FILTER_LOCK = threading.Lock()
# Pillow's names for JPEG compression inside a TIFF (new- and old-style).
_JPEG_TIFF_COMPRESSIONS = ("jpeg", "tiff_jpeg")


@dataclass(frozen=True)
class MaskPolicy:
    """How stored mask values become {0, 1}.

    Attributes:
        threshold: a stored value ``v`` is "bright" when ``v > threshold``. ``None`` (auto)
            takes the midpoint of the mask's nominal scale: 0.5 for 0/1 data, 127.5 for
            8-bit 0/255 data, 32767.5 for 16-bit data (robust to JPEG noise). ``0`` reproduces
            the original project's ``mask > 0``.
        polarity: ``"bright"``: foreground is the bright class (values above threshold);
            ``"dark"``: foreground is the dark class (e.g. membranes in the ISBI 2012 EM set).
        normalise: when False, masks are passed on with their raw values (only for reproducing
            the 0/255 failure; the batch audit then stops the run).
    """

    threshold: float | None = None
    polarity: Polarity = "bright"
    normalise: bool = True

    def __post_init__(self) -> None:
        if self.polarity not in ("bright", "dark"):
            raise ValueError(f"polarity must be 'bright' or 'dark', got {self.polarity!r}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number or None, got {self.threshold}")

    def to_dict(self) -> dict:
        return asdict(self)


#: The auto policy: midpoint threshold, bright foreground, values normalised to {0, 1}.
DEFAULT_POLICY = MaskPolicy()


class ImageReadError(ValueError):
    """A file that cannot be used as an image or mask; ``str()`` is ``"<path>: <reason>"``.

    Attributes:
        path: the file, as it was given.
        reason: what is wrong, in plain words, e.g. ``"truncated file (image file is
            truncated)"``.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes send these back to the parent; the default pickling would call
        # __init__ with the formatted message alone.
        return (type(self), (self.path, self.reason))


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
        is_colour: the colour channels differ somewhere (a colour, not a gray, mask).
        alpha: ``"none"`` (no alpha channel), ``"opaque"`` (alpha everywhere full),
            ``"composited"`` (colour composited over black) or ``"mask"`` (uniform colour:
            the alpha channel was read as the mask).
        palette: ``"none"``, ``"labels"`` (colour palette, indices kept as labels) or
            ``"gray"`` (grayscale palette, indices mapped to gray levels).
        lossy: stored in a lossy format (JPEG, or JPEG compression inside a TIFF).
        frames: frames or pages in the file; only the first is used.
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become ``"nan"``, ``"inf"``, ``"-inf"``)."""
        return {key: jsonable(value) for key, value in asdict(self).items()}


# --- reading files ------------------------------------------------------------------------------


class _UnsupportedModeError(Exception):
    """Raised inside :func:`_read_pil` for a Pillow mode we cannot turn into pixels."""

    def __init__(self, mode: str) -> None:
        super().__init__(f"unsupported image mode {mode}")
        self.mode = mode


@dataclass(frozen=True)
class _StoredMask:
    values: np.ndarray
    file_format: str
    mode: str
    frames: int
    gray_palette: bool
    lossy: bool


def _open_error_reason(error: BaseException) -> str:
    """Plain words for an exception raised while Pillow opened or decoded a file."""
    message = str(error) or type(error).__name__
    if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return f"decompression bomb, refused ({message})"
    if isinstance(error, UnidentifiedImageError):
        return "not an image Pillow can read (unrecognised content)"
    if "truncated" in message.lower():
        return f"truncated file ({message})"
    return f"corrupt image data ({type(error).__name__}: {message})"


def _read_pil(path: Path, extract: Any) -> tuple[Any, str, int]:
    """Open ``path``, decode its first frame completely and return ``extract(image)``.

    Returns ``(extract(image), format, frames)``. Everything Pillow can raise becomes an
    :class:`ImageReadError`; ``extract`` runs while the file is open so lazy decoders cannot
    escape the net.
    """
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise ImageReadError(path, f"cannot open ({error.strerror or error})") from None
    if size == 0:
        raise ImageReadError(path, "empty file (0 bytes)")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed in the finally below
    except OSError as error:
        raise ImageReadError(path, f"cannot open ({error.strerror or error})") from None
    try:
        # Pillow only warns between 1x and 2x its pixel limit; we refuse at 1x. Warning
        # filters are process-global, so the (header-only) open is serialised across the
        # decoding threads of tf.data; the size check after it is the authoritative one.
        with _WARNING_FILTER_LOCK, warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(handle)
        limit = Image.MAX_IMAGE_PIXELS
        if limit is not None and image.width * image.height > limit:
            raise Image.DecompressionBombWarning(
                f"{image.width}x{image.height} = {image.width * image.height} pixels "
                f"exceeds Pillow's limit of {limit}")
        frames = int(getattr(image, "n_frames", 1))
        if frames > 1:
            image.seek(0)
        image.load()
        return extract(image), str(image.format or ""), frames
    except ImageReadError:
        raise
    except _UnsupportedModeError as error:
        raise ImageReadError(path, str(error)) from None
    except (MemoryError, RecursionError) as error:
        raise ImageReadError(path, f"too large to decode ({type(error).__name__})") from None
    except Exception as error:  # noqa: BLE001 - Pillow's plugins raise many types on bad input
        raise ImageReadError(path, _open_error_reason(error)) from None
    finally:
        handle.close()


def _native(array: np.ndarray) -> np.ndarray:
    """The same values in the machine's byte order (16-bit TIFF/PNG data can be big-endian)."""
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _is_gray_palette(indices: np.ndarray, palette: list[int] | None) -> bool:
    """True when every palette entry the image uses is a gray (r == g == b)."""
    if not palette:
        return False
    entries = np.asarray(palette, dtype=np.int64).reshape(-1, 3)
    used = np.unique(indices)
    if used.max() >= len(entries):
        return False
    used_entries = entries[used]
    return bool(np.all(used_entries == used_entries[:, :1]))


def _extract_mask(image: Image.Image) -> tuple[np.ndarray, str, bool, bool]:
    """``(values, mode, gray_palette, jpeg_compressed)`` of a loaded Pillow image."""
    mode = image.mode
    jpeg_compressed = str(image.info.get("compression", "")).lower() in _JPEG_TIFF_COMPRESSIONS
    if mode == "1":
        return np.asarray(image, dtype=np.uint8), mode, False, jpeg_compressed
    if mode in _SINGLE_PLANE_MODES or mode in _MULTI_CHANNEL_MODES:
        return _native(np.asarray(image)), mode, False, jpeg_compressed
    if mode == _PALETTE_MODE:
        indices = np.asarray(image)
        palette = image.getpalette("RGB")
        if _is_gray_palette(indices, palette):
            gray_levels = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[:, 0]
            return gray_levels[indices], mode, True, jpeg_compressed
        return indices, mode, False, jpeg_compressed
    # CMYK, YCbCr, PA and other rare modes: Pillow's own conversion, alpha kept if present.
    # (PA's indices are not kept as labels: it is too rare to earn its own path.)
    target = "RGBA" if "A" in image.getbands() else "RGB"
    try:
        converted = image.convert(target)
    except (ValueError, OSError):
        raise _UnsupportedModeError(mode) from None
    return np.asarray(converted), mode, False, jpeg_compressed


def _load_stored_mask(path: Path | str) -> _StoredMask:
    (values, mode, gray_palette, jpeg_compressed), file_format, frames = _read_pil(
        Path(path), _extract_mask)
    lossy = file_format in LOSSY_FORMATS or jpeg_compressed
    return _StoredMask(values, file_format, mode, frames, gray_palette, lossy)


def load_mask_values(path: Path | str) -> np.ndarray:
    """The values a mask file stores, in their own dtype: 2-D for one channel, HxWxC otherwise.

    Bilevel (mode ``"1"``) files give 0/1 ``uint8``; 16-bit files ``uint16``; float TIFFs
    ``float32`` (NaN kept). Colour-palette images give their palette *indices* (labels);
    grayscale-palette images give their gray levels (see the module docstring). RGB, RGBA and
    LA images give all their channels, alpha last.

    Raises:
        ImageReadError: the file is missing, empty, truncated, corrupt, not an image, too large
            (Pillow's decompression-bomb limit) or in a mode that cannot be read.
    """
    return _load_stored_mask(path).values


def read_image(path: Path | str, channels: int | None = None) -> np.ndarray:
    """Read an image completely as float32 HxWxC, scaled by its stored dtype's nominal range.

    8-bit data is divided by 255, 16-bit data (and Pillow's 32-bit integer mode, which holds
    widened 16-bit data) by 65535, bilevel data is 0/1, float data is kept as it is: NaN, Inf
    and values outside [0, 1] are preserved so the audit can see them. Palette images become
    RGB; alpha channels are dropped.

    Args:
        path: the image file (never modified).
        channels: ``None`` keeps the file's own (1 for gray, 3 for colour); ``1`` converts
            colour to luminance (ITU-R BT.601 weights, as Pillow); ``3`` replicates gray.

    Raises:
        ImageReadError: as :func:`load_mask_values`.

    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "gray.png"
    >>> Image.fromarray(np.full((2, 3), 255, np.uint8)).save(path)
    >>> image = read_image(path, channels=3)
    >>> image.shape, image.dtype.name, float(image.max())
    ((2, 3, 3), 'float32', 1.0)
    """
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels}")
    pixels, _, _ = _read_pil(Path(path), _extract_image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if channels == 1 and pixels.shape[2] == 3:
        pixels = np.tensordot(pixels, np.asarray(LUMA_WEIGHTS, np.float32), axes=([2], [0]))
        pixels = pixels[:, :, np.newaxis]
    elif channels == 3 and pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return np.ascontiguousarray(pixels, dtype=np.float32)


def _extract_image(image: Image.Image) -> np.ndarray:
    """Float32 pixels in [0, 1] by nominal range (float data as stored), alpha dropped."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.float32)
    if mode in ("L", "LA", "RGB", "RGBA"):
        pixels = np.asarray(image, dtype=np.float32) / UINT8_MAX
        return pixels[:, :, :-1] if mode in ("LA", "RGBA") else pixels
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(image).astype(np.float32) / UINT16_MAX
    if mode == "F":
        return np.asarray(image, dtype=np.float32)
    try:
        converted = image.convert("RGB")
    except (ValueError, OSError):
        raise _UnsupportedModeError(mode) from None
    return np.asarray(converted, dtype=np.float32) / UINT8_MAX


# --- judging the values -------------------------------------------------------------------------


def _nominal_max(dtype: np.dtype) -> float:
    """Full-scale value of a channel of this dtype (used for alpha)."""
    if np.issubdtype(dtype, np.floating):
        return 1.0
    if dtype == np.uint16:
        return float(UINT16_MAX)
    return float(UINT8_MAX)


def _mask_plane(values: np.ndarray) -> tuple[np.ndarray, bool, str]:
    """Collapse stored values to the one plane that is thresholded.

    Returns ``(plane, is_colour, alpha)``; ``alpha`` as in :class:`MaskEncoding`.
    """
    if values.ndim == 2:
        return values, False, "none"
    channel_count = values.shape[2]
    has_alpha = channel_count in (2, 4)
    colour = values[:, :, :-1] if has_alpha else values
    is_colour = colour.shape[2] > 1 and bool(np.any(colour != colour[:, :, :1]))
    plane = colour.max(axis=2)
    if not has_alpha:
        return plane, is_colour, "none"
    alpha_channel = values[:, :, -1]
    full_alpha = _nominal_max(values.dtype)
    if bool(np.all(alpha_channel >= full_alpha)):
        return plane, is_colour, "opaque"
    if bool(np.all(colour == colour[:1, :1])):
        # One colour everywhere, shape only in the alpha: an alpha mask.
        return alpha_channel, is_colour, "mask"
    composited = plane.astype(np.float64) * (alpha_channel / full_alpha)
    if np.issubdtype(plane.dtype, np.integer):
        composited = np.rint(composited).astype(plane.dtype)
    return composited, is_colour, "composited"


def _finite_range(plane: np.ndarray) -> tuple[float, float]:
    """(min, max) of the finite values; NaN, NaN when there are none."""
    finite = plane[np.isfinite(plane)] if np.issubdtype(plane.dtype, np.floating) else plane
    if finite.size == 0:
        return math.nan, math.nan
    return finite.min().item(), finite.max().item()


def _scale(plane: np.ndarray, is_labels: bool) -> Scale:
    if is_labels:
        return "palette"
    low, high = _finite_range(plane)
    if math.isnan(low):
        return "float"
    if low >= 0 and high <= 1:
        integral = np.issubdtype(plane.dtype, np.integer)
        finite = plane if integral else plane[np.isfinite(plane)]
        return "binary" if integral or _all_in(finite, (0.0, 1.0)) else "float_unit"
    if np.issubdtype(plane.dtype, np.integer) and low >= 0:
        if high <= UINT8_MAX:
            return "uint8"
        if high <= UINT16_MAX:
            return "uint16"
    return "float"


def _all_in(plane: np.ndarray, ends: tuple[float, float]) -> bool:
    return bool(np.all((plane == ends[0]) | (plane == ends[1])))


def _scale_ends(scale: Scale, low: float, high: float) -> tuple[float, float]:
    """The two values a perfectly binary mask on this scale holds."""
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
    bottom, top = _scale_ends(scale, low, high)  # type: ignore[arg-type]
    return (bottom + top) / 2


def _binarise(plane: np.ndarray, threshold: float, polarity: Polarity) -> np.ndarray:
    """uint8 {0, 1}: bright is ``> threshold``; non-finite values are background either way."""
    bright = plane > threshold
    foreground = ~bright if polarity == "dark" else bright
    if np.issubdtype(plane.dtype, np.floating):
        foreground &= np.isfinite(plane)
    return foreground.astype(np.uint8)


def _inspect(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy, *,
             gray_palette: bool, lossy: bool, frames: int) -> tuple[np.ndarray, MaskEncoding]:
    """``(plane, encoding)``: the plane to threshold and everything known about it."""
    if values.ndim not in (2, 3) or 0 in values.shape:
        raise ValueError(f"mask values must be a non-empty HxW or HxWxC array, got shape "
                         f"{values.shape}")
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    plane, is_colour, alpha = _mask_plane(values)
    palette = "none" if mode != _PALETTE_MODE else "gray" if gray_palette else "labels"
    scale = _scale(plane, palette == "labels")
    threshold = resolve_threshold(plane, scale, policy)
    low, high = _finite_range(plane)
    bottom, top = _scale_ends(scale, low, high)
    pixel_count = plane.size
    distinct = np.unique(plane)
    is_float = np.issubdtype(plane.dtype, np.floating)
    finite_distinct = distinct[np.isfinite(distinct)] if is_float else distinct
    at_ends = (plane == bottom) | (plane == top)
    foreground = _binarise(plane, threshold, policy.polarity)
    encoding = MaskEncoding(
        file_format=file_format,
        mode=mode,
        dtype=str(values.dtype),
        height=int(plane.shape[0]),
        width=int(plane.shape[1]),
        channels=int(values.shape[2]) if values.ndim == 3 else 1,
        distinct_values=int(distinct.size),
        values=[value.item() for value in finite_distinct[:MAX_LISTED_VALUES]],
        min_value=low,
        max_value=high,
        scale=scale,
        threshold=threshold,
        polarity=policy.polarity,
        nonbinary_fraction=float(np.count_nonzero(~at_ends)) / pixel_count,
        foreground_fraction=float(np.count_nonzero(foreground)) / pixel_count,
        nonfinite_count=int(np.count_nonzero(~np.isfinite(plane))) if is_float else 0,
        is_colour=is_colour,
        alpha=alpha,
        palette=palette,
        lossy=lossy,
        frames=frames,
    )
    return plane, encoding


def mask_encoding(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy,
                  *, gray_palette: bool = False, lossy: bool | None = None,
                  frames: int = 1) -> MaskEncoding:
    """Inspect stored mask values (no file needed): scale, threshold, value statistics.

    Args:
        values: stored values as :func:`load_mask_values` returns them (HxW or HxWxC).
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
    if lossy is None:
        lossy = file_format in LOSSY_FORMATS
    _, encoding = _inspect(np.asarray(values), file_format, mode, policy,
                           gray_palette=gray_palette, lossy=lossy, frames=frames)
    return encoding


def decode_mask(path: Path | str,
                policy: MaskPolicy = DEFAULT_POLICY) -> tuple[np.ndarray, MaskEncoding]:
    """Decode a mask file to uint8 HxW in {0, 1} under ``policy``, with how it was stored.

    Colour masks collapse with the channel maximum and report ``is_colour``; the threshold is
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
        ImageReadError: as :func:`load_mask_values`.
    """
    stored = _load_stored_mask(path)
    plane, encoding = _inspect(stored.values, stored.file_format, stored.mode, policy,
                               gray_palette=stored.gray_palette, lossy=stored.lossy,
                               frames=stored.frames)
    if not policy.normalise:
        return plane.astype(np.float32), encoding
    return _binarise(plane, encoding.threshold, policy.polarity), encoding
