"""What a file stores that Pillow's reading leaves out, told cheaply per file.

* :func:`stored_bits`: the bits per sample the file's header states (TIFF tag 258
  BitsPerSample; PNG IHDR's bit depth, bytes 24 of the file), 0 when not known. Pillow opens
  16-bit-per-channel colour files (48-bit RGB, 64-bit RGBA, 32-bit grey+alpha) as 8-bit
  ``RGB``/``RGBA``/``LA`` and keeps the top byte of each sample (Pillow#1828): the values it
  gives are the stored ones divided by 256, rounded down. :func:`reads_top_byte` says so.
  :func:`header_facts` tells it from a path, reading the header only.
* :func:`dropped_samples`: samples per pixel a TIFF stores beyond Pillow's bands (an RGB
  TIFF with a near-infrared extra sample opens as ``RGB``).
* :func:`signed_samples`: TIFF SampleFormat 2 (two's-complement integers), which Pillow opens
  as mode ``I``.
* :func:`gdal_nodata`: the no-data value a GeoTIFF declares in GDAL's ``GDAL_NODATA`` tag
  (42113, an ASCII number such as ``"255"``, ``"-9999"`` or ``"nan"``), as GDAL and rasterio
  write it for pixels outside a raster's valid footprint.
* :func:`transparent_share`: the share of pixels whose alpha (as Pillow reads it) is below
  255, decided from the alpha band's extrema and counted from its histogram only when some
  pixel is transparent; a BMP's alpha of 0 everywhere is an unused byte, not a transparent
  image.

Nothing here decodes pixels again: the header is read from tags Pillow already parsed, or from
the file's first 26 bytes for PNG.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.data.decoding import UNUSED_ALPHA_FORMATS
from unetdiag.diag.data.reading import (
    SIXTEEN_BIT_MODES,
    UINT8_MAX,
    UINT16_MAX,
    split_page_reference,
)

#: Stored sample types (the audit's ``image_bit_depth`` indexes them); the last two: 16-bit
#: colour that Pillow reads as 8-bit, and signed 16-bit TIFFs, which it widens to its 32-bit
#: mode ``I``.
BIT_DEPTHS = ("1-bit", "8-bit", "16-bit", "32-bit integer", "float32", "float64", "other",
              "16-bit per channel, read as 8-bit", "16-bit signed")
TOP_BYTE_DEPTH, SIGNED_16_DEPTH = BIT_DEPTHS[-2:]
#: What the trainer divides each type's samples by (``reading.read_image``: 8-bit by 255, 16-bit
#: and Pillow's 32-bit integer mode by 65535, bilevel and float data not at all; the top bytes
#: Pillow gives of 16-bit colour are divided by 255 like any 8-bit data).
NOMINAL_RANGES = (1.0, float(UINT8_MAX), float(UINT16_MAX), float(UINT16_MAX), 1.0, 1.0, 1.0,
                  float(UINT8_MAX), float(UINT16_MAX))

#: Largest alpha as Pillow gives it (8 bits): fully opaque.
OPAQUE = 255
#: Pillow modes of several 8-bit samples per pixel, which it also uses for 16-bit files.
EIGHT_BIT_MULTI_CHANNEL_MODES = ("LA", "RGB", "RGBA")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG IHDR colour types of several samples per pixel: grey+alpha, RGB, RGBA.
_PNG_MULTI_CHANNEL_TYPES = (4, 2, 6)
_PNG_HEADER_BYTES = 26  # signature 8, chunk length 4, "IHDR" 4, width 4, height 4, depth, type
_TIFF_BITS_PER_SAMPLE = 258
_TIFF_SAMPLES_PER_PIXEL = 277
_TIFF_SAMPLE_FORMAT = 339
_TIFF_SIGNED = 2
#: GDAL's private TIFF tag holding a band's no-data value as ASCII text (GDAL's GTiff driver).
GDAL_NODATA_TAG = 42113


def _tag(image: Image.Image, tag: int) -> tuple[int, ...]:
    tags = getattr(image, "tag_v2", None)
    value = tags.get(tag) if tags is not None else None
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def stored_bits(image: Image.Image, path: Path | str) -> int:
    """Bits per sample of ``image`` as its file's header states them (the largest over its
    samples); 0 when the header does not tell (formats other than TIFF, multi-channel PNG and
    16-bit Netpbm).
    """
    if image.format == "TIFF":
        bits = _tag(image, _TIFF_BITS_PER_SAMPLE)
        return int(max(bits)) if bits else 0
    if image.format == "PPM" and image.mode == "I":
        return 16  # Netpbm's maxval is below 65536: Pillow widens 16-bit PGM to mode I
    if image.format == "PNG" and image.mode in EIGHT_BIT_MULTI_CHANNEL_MODES:
        file, _ = split_page_reference(path)
        try:
            with open(file, "rb") as handle:
                header = handle.read(_PNG_HEADER_BYTES)
        except OSError:
            return 0
        if (len(header) == _PNG_HEADER_BYTES and header.startswith(_PNG_SIGNATURE)
                and header[12:16] == b"IHDR" and header[25] in _PNG_MULTI_CHANNEL_TYPES):
            return header[24]
    return 0


def reads_top_byte(image: Image.Image, bits: int) -> bool:
    """``image`` (of a file of ``bits`` per sample) has several channels stored with more
    than 8 bits each, of which Pillow gave only the top 8."""
    return image.mode in EIGHT_BIT_MULTI_CHANNEL_MODES and bits > 8


def stored_samples(image: Image.Image) -> int:
    """Samples per pixel a TIFF's header states (SamplesPerPixel), 0 when not told."""
    if image.format != "TIFF":
        return 0
    samples = _tag(image, _TIFF_SAMPLES_PER_PIXEL)
    return int(samples[0]) if samples else 0


def dropped_samples(image: Image.Image) -> int:
    """Samples per pixel the file stores beyond the bands of Pillow's mode: an RGB TIFF
    with a fourth, unspecified extra sample (a near-infrared band, as GDAL writes one) opens
    as ``RGB`` and the fourth is gone."""
    samples = stored_samples(image)
    return max(0, samples - len(image.getbands())) if samples else 0


def header_facts(path: Path | str) -> tuple[int, int, int, float | None]:
    """``(top-byte bits, stored samples, dropped samples, no-data)`` of a file (or page),
    from its header: bits per sample when Pillow reads only the top 8 of each channel (else
    0), the samples per pixel a TIFF stores and how many of them Pillow's mode leaves out, and
    the no-data value its GDAL_NODATA tag declares (:func:`gdal_nodata`). All 0 (None) for a
    file Pillow cannot open (its reader says what is wrong). For the trainer's decoder, which
    never sees the :class:`~PIL.Image.Image`."""
    file, page = split_page_reference(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(file) as image:
                if page is not None:
                    image.seek(page - 1)
                bits = stored_bits(image, file)
                return (bits if reads_top_byte(image, bits) else 0, stored_samples(image),
                        dropped_samples(image), gdal_nodata(image))
    except Exception:  # noqa: BLE001 - any failure here is the reader's to report
        return 0, 0, 0, None


def signed_samples(image: Image.Image) -> bool:
    """The file is a TIFF of signed integer samples (SampleFormat 2)."""
    return image.format == "TIFF" and _TIFF_SIGNED in _tag(image, _TIFF_SAMPLE_FORMAT)


def gdal_nodata(image: Image.Image) -> float | None:
    """The no-data value a TIFF declares in its ``GDAL_NODATA`` tag (NaN for ``"nan"``);
    None without the tag, for other formats, or when the text is no number. Read from the
    tags Pillow parsed when it opened the file: no pixel is touched.

    >>> import io
    >>> from PIL import TiffImagePlugin
    >>> tags = TiffImagePlugin.ImageFileDirectory_v2(); tags[GDAL_NODATA_TAG] = "-9999"
    >>> buffer = io.BytesIO(); Image.new("F", (2, 2)).save(buffer, "TIFF", tiffinfo=tags)
    >>> gdal_nodata(Image.open(buffer))
    -9999.0
    """
    if image.format != "TIFF":
        return None
    tags = getattr(image, "tag_v2", None)
    text = tags.get(GDAL_NODATA_TAG) if tags is not None else None
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return None
    try:
        return float(text.strip("\x00 \t\r\n"))
    except ValueError:
        return None


def transparent_share(image: Image.Image) -> float:
    """Share of the pixels whose alpha is below :data:`OPAQUE` (0.0 without alpha)."""
    if "A" not in image.getbands():
        return 0.0
    alpha = image.getchannel("A")
    lowest, highest = alpha.getextrema()
    if lowest >= OPAQUE or (highest == 0 and image.format in UNUSED_ALPHA_FORMATS):
        return 0.0  # opaque, or a BMP's unused alpha byte (0 everywhere)
    counts = alpha.histogram()
    return 1.0 - counts[OPAQUE] / max(1, sum(counts))


def bit_depth_index(mode: str, dtype: np.dtype, bits: int = 0, signed: bool = False,
                    top_byte: bool = False) -> int:
    """The :data:`BIT_DEPTHS` index of values of ``dtype`` read from a ``mode`` image whose
    file states ``bits`` per sample (``signed``, ``top_byte``: as measured here)."""
    if mode == "1":
        name = "1-bit"
    elif top_byte:
        name = TOP_BYTE_DEPTH
    elif dtype == np.uint8:
        name = "8-bit"
    elif mode == "I" and signed and bits == 16:
        name = SIGNED_16_DEPTH
    elif mode == "I" and bits == 16:
        name = "16-bit"  # a 16-bit PGM, widened by Pillow
    elif mode in SIXTEEN_BIT_MODES:
        name = "16-bit" if mode != "I" or dtype != np.int32 else "32-bit integer"
    elif dtype in (np.float32, np.float64):
        name = str(dtype)
    else:
        name = "other"
    return BIT_DEPTHS.index(name)
