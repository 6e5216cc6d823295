"""Opening image and mask files with Pillow: the stored values, never a silent conversion.

Reading never modifies a file, always decodes it completely (a truncated file fails here, not
halfway through training) and turns every way a file can be unreadable into one
:class:`ImageReadError` that names the file.

Masks are read as they are stored (:func:`load_stored_mask`): 8-bit, 16-bit, float, palette
indices or colour; turning those values into {0, 1} is :mod:`unetdiag.diag.data.decoding`'s
job alone. Palette images: when every palette entry in use is a gray (r == g == b), the file
is a grayscale image stored with a palette (GIF can store gray no other way): its indices are
mapped to their gray levels, exactly as Pillow itself already does for GIFs whose palette is
the identity ramp (DRIVE's vessel masks open as mode ``L``, values {0, 255}). Only a palette
with colours keeps its indices, which the decoder then treats as *labels*.

>>> import tempfile, numpy as np
>>> path = Path(tempfile.mkdtemp()) / "labels.png"
>>> labels = Image.fromarray(np.array([[0, 1], [1, 0]], np.uint8), mode="P")
>>> labels.putpalette([0, 0, 0, 128, 0, 0])
>>> labels.save(path)
>>> stored = load_stored_mask(path)
>>> stored.values.tolist(), stored.mode, stored.gray_palette, stored.lossy
([[0, 1], [1, 0]], 'P', False, False)
"""

from __future__ import annotations

import os
import re
import stat
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from unetdiag.diag.data.frames import file_pages

#: File extensions (lower case) that pairing accepts as images or masks.
SUPPORTED_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".ppm", ".pgm",
                        ".pbm", ".pnm")
#: Extensions of lossy formats: a mask stored this way gains values near every edge.
LOSSY_EXTENSIONS = (".jpg", ".jpeg")
#: Pillow format names that are lossy whatever the file is called (MPO is JPEG from cameras).
LOSSY_FORMATS = ("JPEG", "MPO")

UINT8_MAX = 255
UINT16_MAX = 65535
#: ITU-R BT.601 luma weights, the ones Pillow uses to convert RGB to L.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
#: Pillow's mode for palette images (indices into a colour table).
PALETTE_MODE = "P"
#: Pillow's modes for 16-bit samples (and ``"I"``, its 32-bit integer mode, which holds
#: widened 16-bit data).
SIXTEEN_BIT_MODES = ("I", "I;16", "I;16L", "I;16B", "I;16N")

# Modes whose pixels numpy reads directly as one plane of stored values.
_SINGLE_PLANE_MODES = ("L", "F", *SIXTEEN_BIT_MODES)
#: Bits per sample of grey PNGs that Pillow opens as mode ``L`` scaled to 0..255 (a 2-bit
#: sample 1 reads 85, a 4-bit one 17); 1-bit PNGs open as mode ``1`` (0/1).
LOW_GREY_BITS = (2, 4)
#: The key of a loaded grey PNG's ``info`` under which :func:`read_first_frame` notes its
#: bits per sample.
GREY_BITS_KEY = "unetdiag_grey_bits"
# Modes read as they are, several channels each (alpha last where present).
_MULTI_CHANNEL_MODES = ("LA", "RGB", "RGBA")
_WARNING_FILTER_LOCK = threading.Lock()
_PIECE_SIZE_LOCK = threading.Lock()
#: Bytes per pixel of Pillow's widest modes (RGBA, CMYK, I, F): a piece this many bytes a
#: pixel holds any image whole.
_WIDEST_PIXEL_BYTES = 4
# Pillow's names for JPEG compression inside a TIFF (new- and old-style).
_JPEG_TIFF_COMPRESSIONS = ("jpeg", "tiff_jpeg")

Extracted = TypeVar("Extracted")

#: What separates a file from its page number in a page reference (``stack.tif#page=3``).
PAGE_MARK = "#page="
_PAGE_REFERENCE = re.compile(rf"^(?P<file>.+){re.escape(PAGE_MARK)}(?P<page>[0-9]+)$")


def page_reference(path: Path | str, page: int, pages: int = 0) -> Path:
    """The name of page ``page`` (from 1) of a multi-page file, zero-padded to the width of
    ``pages`` so that references sort in page order.

    >>> page_reference("isbi/train-volume.tif", 3, 30).name
    'train-volume.tif#page=03'
    >>> file, page = split_page_reference(page_reference("isbi/train-volume.tif", 3, 30))
    >>> file.name, page
    ('train-volume.tif', 3)
    """
    if page < 1:
        raise ValueError(f"pages are counted from 1, got {page}")
    return Path(f"{path}{PAGE_MARK}{page:0{len(str(max(pages, page)))}d}")


def split_page_reference(path: Path | str) -> tuple[Path, int | None]:
    """``(file, page)`` of a page reference; ``(path, None)`` for any other path, including a
    file whose own name happens to end in ``#page=N``."""
    match = _PAGE_REFERENCE.match(str(path))
    if match is None or os.path.lexists(path):
        return Path(path), None
    return Path(match["file"]), int(match["page"])


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


class _UnsupportedModeError(Exception):
    """Raised inside :func:`read_first_frame` for a Pillow mode we cannot turn into pixels."""

    def __init__(self, mode: str) -> None:
        super().__init__(f"unsupported image mode {mode}")
        self.mode = mode


@dataclass(frozen=True)
class StoredMask:
    """A mask's values as the file stores them, and how it stores them.

    Attributes:
        values: HxW for one channel, HxWxC otherwise (alpha last), in the stored dtype
            (native byte order); gray levels for a grayscale palette, indices for a colour one.
        file_format: Pillow's format name (``"PNG"``, ``"JPEG"``...).
        mode: Pillow's mode as stored (``"L"``, ``"P"``, ``"I;16"``...).
        frames: frames or pages in the file (1 for a page reference; a TIFF's overviews and
            transparency masks left out); only the first is read.
        gray_palette: a palette image whose indices were mapped to their gray levels.
        lossy: stored in a lossy format (JPEG, or JPEG compression inside a TIFF).
    """

    values: np.ndarray
    file_format: str
    mode: str
    frames: int
    gray_palette: bool
    lossy: bool


#: The first bytes of a TIFF file (little- and big-endian; BigTIFF too).
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
#: The first line of a Git LFS pointer: the text a clone without Git LFS leaves in place of
#: the file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md); a pointer is
#: under 200 bytes and names the real file's size on its ``size`` line.
_LFS_POINTER_START = b"version https://git-lfs.github.com/spec/"
_LFS_POINTER_BYTES = 200
_LFS_SIZE_LINE = re.compile(rb"^size (\d+)$", re.MULTILINE)


def _lfs_pointer_reason(start: bytes) -> str | None:
    """Plain words for a Git LFS pointer (``start``: the file's first bytes), else None."""
    if not start.startswith(_LFS_POINTER_START):
        return None
    size = _LFS_SIZE_LINE.search(start)
    standing_for = f" for a file of {int(size.group(1))} bytes" if size else ""
    return (f"a Git LFS pointer{standing_for} (text Git leaves in place of the file when the "
            "repository is cloned without Git LFS)")


def _open_error_reason(error: BaseException, start: bytes = b"") -> str:
    """Plain words for an exception raised while Pillow opened or decoded a file whose first
    bytes are ``start``."""
    message = str(error) or type(error).__name__
    lfs_pointer = _lfs_pointer_reason(start)
    if isinstance(error, UnidentifiedImageError) and lfs_pointer:
        return lfs_pointer
    if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return f"decompression bomb, refused ({message})"
    if isinstance(error, UnidentifiedImageError) and start[:4] in _TIFF_MAGICS:
        return ("a TIFF Pillow cannot open (bands or a sample type it has no mode for, such "
                "as 5 or more bands, 4 not tagged as RGB or RGBA, or colour in floating point; or "
                "a damaged header)")
    if isinstance(error, UnidentifiedImageError):
        return "not an image Pillow can read (unrecognised content)"
    if "truncated" in message.lower():
        return f"truncated file ({message})"
    return f"corrupt image data ({type(error).__name__}: {message})"


#: Files named like images that are none: each is refused without being opened.
_SPECIAL_FILES = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def read_first_frame(path: Path | str, extract: Callable[[Image.Image], Extracted]
                     ) -> tuple[Extracted, str, int]:
    """Open ``path``, decode its first frame completely and return ``extract(image)``.

    Returns ``(extract(image), format, frames)``; ``frames`` leaves out a TIFF's pages that
    are reduced-resolution copies or transparency masks of another
    (:mod:`~unetdiag.diag.data.frames`). Everything Pillow can raise becomes an
    :class:`ImageReadError`; ``extract`` runs while the file is open so lazy decoders cannot
    escape the net. An ``extract`` that returns the image itself gets it fully loaded. A page
    reference (``stack.tif#page=3``) decodes that page instead, and counts as one frame.
    """
    path = Path(path)
    file, page = split_page_reference(path)
    try:
        status = os.stat(file)
    except OSError as error:
        raise ImageReadError(path, f"cannot open ({error.strerror or error})") from None
    special = next((kind for is_kind, kind in _SPECIAL_FILES if is_kind(status.st_mode)), None)
    if special is not None:  # st_size says nothing of these, and opening a FIFO blocks
        raise ImageReadError(path, f"not a regular file: {special}, never opened (reading one "
                                   "can wait for a writer or never end)")
    if status.st_size == 0:
        raise ImageReadError(path, "empty file (0 bytes)")
    try:
        handle = open(file, "rb")  # noqa: SIM115 - closed in the finally below
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
        if page is not None:
            if page > frames:
                raise ImageReadError(path, f"no page {page}: the file has {frames}")
            image.seek(page - 1)
            frames = 1
        elif frames > 1:
            # a TIFF's overviews and transparency masks are no frames of their own
            frames = len(file_pages(image).own)
        if image.format == "PNG" and image.mode == "L" and image.tile:
            # the tile's raw mode names the stored bit depth (L;2, L;4), lost once loaded
            raw = str(image.tile[0].args)
            image.info[GREY_BITS_KEY] = int(raw[2:]) if raw[2:].isdigit() else 8
        image.load()
        return extract(image), str(image.format or ""), frames
    except ImageReadError:
        raise
    except _UnsupportedModeError as error:
        raise ImageReadError(path, str(error)) from None
    except (MemoryError, RecursionError) as error:
        raise ImageReadError(path, f"too large to decode ({type(error).__name__})") from None
    except Exception as error:  # noqa: BLE001 - Pillow's plugins raise many types on bad input
        handle.seek(0)
        start = handle.read(_LFS_POINTER_BYTES)
        raise ImageReadError(path, _open_error_reason(error, start)) from None
    finally:
        handle.close()


def pixel_array(image: Image.Image) -> np.ndarray:
    """``np.asarray(image)`` of a loaded image (the same array, read-only), copied once.

    Pillow's array interface packs the pixels into pieces of ``ImageFile.MAXBLOCK`` bytes
    (64 kB) and joins them: a second copy of the whole image. With the piece raised to the
    image's size for the call there is one piece, which ``bytes.join`` returns as it is: a
    third less time on a large RGB image (15 to 10 ms for 2260x2336). The lock keeps two
    threads from restoring each other's value; another Pillow call meanwhile only reads or
    writes in larger pieces.
    """
    whole = image.width * image.height * _WIDEST_PIXEL_BYTES
    with _PIECE_SIZE_LOCK:
        piece = ImageFile.MAXBLOCK
        ImageFile.MAXBLOCK = max(piece, whole)
        try:
            return np.asarray(image)
        finally:
            ImageFile.MAXBLOCK = piece


def native_byte_order(array: np.ndarray) -> np.ndarray:
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


def _palette_alpha(transparency: object, entries: int) -> np.ndarray | None:
    """Each palette entry's alpha from a palette image's ``transparency`` (one transparent
    index, or PNG's tRNS table of alphas, entries past its end opaque); None without one."""
    if isinstance(transparency, int):
        alpha = np.full(max(entries, transparency + 1), UINT8_MAX, np.uint8)
        alpha[transparency] = 0
        return alpha
    if isinstance(transparency, bytes):
        alpha = np.full(max(entries, len(transparency)), UINT8_MAX, np.uint8)
        alpha[:len(transparency)] = np.frombuffer(transparency, np.uint8)
        return alpha
    return None


def _png_grey_bits(image: Image.Image) -> int:
    """Bits per sample of a grey PNG (colour type 0) as :func:`read_first_frame` noted them
    before loading (Pillow keeps no bit depth once loaded); 0 for other files."""
    return int(image.info.get(GREY_BITS_KEY, 0))


def _low_bit_grey(values: np.ndarray, bits: int) -> np.ndarray:
    """A 2- or 4-bit grey PNG's values as its writer stored them when it never holds its top
    sample (0/1 at 2 bits, which Pillow scales to 0/85: a 0/1 mask or class numbers saved at
    the fewest bits that hold them), else as Pillow scales them (0/3 -> 0/255: grey levels).

    >>> two_bit = np.array([[0, 85], [85, 0]], np.uint8)
    >>> _low_bit_grey(two_bit, 2).tolist(), _low_bit_grey(two_bit * 3, 2).tolist()
    ([[0, 1], [1, 0]], [[0, 255], [255, 0]])
    """
    top = 2**bits - 1
    samples = values // (UINT8_MAX // top)
    return samples if samples.max(initial=0) < top else values


def _mask_values(image: Image.Image) -> tuple[np.ndarray, str, bool, bool]:
    """``(values, mode, gray_palette, jpeg_compressed)`` of a loaded Pillow image."""
    mode = image.mode
    jpeg_compressed = str(image.info.get("compression", "")).lower() in _JPEG_TIFF_COMPRESSIONS
    if mode == "1":
        return np.asarray(image, dtype=np.uint8), mode, False, jpeg_compressed
    if mode == "L" and (bits := _png_grey_bits(image)) in LOW_GREY_BITS:
        return _low_bit_grey(pixel_array(image), bits), f"L;{bits}", False, False
    if mode in _SINGLE_PLANE_MODES or mode in _MULTI_CHANNEL_MODES:
        return native_byte_order(pixel_array(image)), mode, False, jpeg_compressed
    if mode == PALETTE_MODE:
        indices = pixel_array(image)
        palette = image.getpalette("RGB")
        if _is_gray_palette(indices, palette):
            gray_levels = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)[:, 0]
            alpha = _palette_alpha(image.info.get("transparency"), len(gray_levels))
            if alpha is not None and bool((alpha[indices] < UINT8_MAX).any()):
                # a transparent entry (GIF, PNG tRNS): grey + alpha, read as RGBA masks are
                return (np.dstack([gray_levels[indices], alpha[indices]]), mode, True,
                        jpeg_compressed)
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


def _stored(mask_values: tuple[np.ndarray, str, bool, bool], file_format: str,
            frames: int) -> StoredMask:
    values, mode, gray_palette, jpeg_compressed = mask_values
    lossy = file_format in LOSSY_FORMATS or jpeg_compressed
    return StoredMask(values, file_format, mode, frames, gray_palette, lossy)


def stored_mask(image: Image.Image, file_format: str, frames: int) -> StoredMask:
    """The :class:`StoredMask` of an image :func:`read_first_frame` has already loaded (for
    a reader that opens a file once and uses it as both image and mask)."""
    return _stored(_mask_values(image), file_format, frames)


def load_stored_mask(path: Path | str) -> StoredMask:
    """Read a mask file's first frame as it is stored (see :class:`StoredMask`).

    Raises:
        ImageReadError: as :func:`load_mask_values`.
    """
    mask_values, file_format, frames = read_first_frame(path, _mask_values)
    return _stored(mask_values, file_format, frames)


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
    return load_stored_mask(path).values


def spread_mask_values(paths: Sequence[Path | str], count: int
                       ) -> Iterator[tuple[Path | str, np.ndarray]]:
    """Each of at most ``count`` of ``paths``, evenly spread through them (the first and the
    last included), with the values it stores (:func:`load_mask_values`); a file that cannot
    be read is passed over: the checks that read a few masks again judge what they can."""
    chosen = np.unique(np.linspace(0, len(paths) - 1, min(len(paths), count)).round().astype(int))
    for index in chosen.tolist():
        try:
            yield paths[index], load_mask_values(paths[index])
        except (ImageReadError, OSError, ValueError):
            continue


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
    >>> path = Path(tempfile.mkdtemp()) / "gray.png"
    >>> Image.fromarray(np.full((2, 3), 255, np.uint8)).save(path)
    >>> image = read_image(path, channels=3)
    >>> image.shape, image.dtype.name, float(image.max())
    ((2, 3, 3), 'float32', 1.0)
    """
    if channels not in (None, 1, 3):
        raise ValueError(f"channels must be None, 1 or 3, got {channels}")
    pixels, _, _ = read_first_frame(path, _scaled_pixels)
    return convert_channels(pixels, channels)


def convert_channels(pixels: np.ndarray, channels: int | None) -> np.ndarray:
    """Pixels as :func:`read_image` returns them (float32 HxWxC) converted to ``channels``:
    colour to luminance (ITU-R BT.601 weights, as Pillow) for 1, grey replicated for 3,
    kept for ``None``; an HxW array is one channel.

    >>> convert_channels(np.ones((2, 2, 3), np.float32), 1).shape
    (2, 2, 1)
    """
    if pixels.ndim == 2:
        pixels = pixels[:, :, np.newaxis]
    if channels == 1 and pixels.shape[2] == 3:
        pixels = np.tensordot(pixels, np.asarray(LUMA_WEIGHTS, np.float32), axes=([2], [0]))
        pixels = pixels[:, :, np.newaxis]
    elif channels == 3 and pixels.shape[2] == 1:
        pixels = np.repeat(pixels, 3, axis=2)
    return np.ascontiguousarray(pixels, dtype=np.float32)


def _scaled_pixels(image: Image.Image) -> np.ndarray:
    """Float32 pixels in [0, 1] by nominal range (float data as stored), alpha dropped."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.float32)
    if mode in ("L", "LA", "RGB", "RGBA"):
        pixels = np.asarray(image, dtype=np.float32) / UINT8_MAX
        return pixels[:, :, :-1] if mode in ("LA", "RGBA") else pixels
    if mode in SIXTEEN_BIT_MODES:
        return np.asarray(image).astype(np.float32) / UINT16_MAX
    if mode == "F":
        return np.asarray(image, dtype=np.float32)
    try:
        converted = image.convert("RGB")
    except (ValueError, OSError):
        raise _UnsupportedModeError(mode) from None
    return np.asarray(converted, dtype=np.float32) / UINT8_MAX
