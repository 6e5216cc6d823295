"""Corruptions that store images the way instruments and editors do, in encodings Pillow
reads only in part:

* :func:`sixteen_bit_colour_images`: 16 bits per channel RGB PNG (48-bit) holding 12-bit
  camera data, as microscope and scanner software exports it; Pillow keeps the top byte;
* :func:`signed_ct_images`: signed 16-bit TIFF slices in Hounsfield units (-1024 for air),
  as CT converters write them; Pillow opens them as 32-bit integers (mode ``I``);
* :func:`grey_as_rgb_images`: grey images re-saved as RGB with three equal channels;
* :func:`transparent_images`: RGBA tiles whose left part is transparent (no-data, or cut out)
  with leftover noise in the colour under it; Pillow-based loaders drop the alpha.

The writers (:func:`png16_bytes`, :func:`tiff_bytes`) write what Pillow cannot: 16-bit colour
PNGs and baseline TIFFs of any sample type. They are registered in
:data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.synth.case import CaseFiles, read_grey, replace_file
from unetdiag.diag.synth.generator import png_bytes

#: Hounsfield units of air, the value CT converters give pixels outside the body.
AIR_HU = -1024
_PNG_COLOUR_TYPES = {3: 2, 4: 6}  # channels -> PNG colour type (RGB, RGBA)
_TIFF_SAMPLE_FORMATS = {"u": 1, "i": 2, "f": 3}


def png16_bytes(array: np.ndarray) -> bytes:
    """A PNG of 16 bits per channel from an HxWx3 (RGB) or HxWx4 (RGBA) uint16 array.

    >>> data = png16_bytes(np.full((2, 2, 3), 4095, np.uint16))
    >>> data[24], data[25]  # IHDR: bit depth, colour type
    (16, 2)
    """
    if array.ndim != 3 or array.shape[2] not in _PNG_COLOUR_TYPES:
        raise ValueError(f"expected HxWx3 or HxWx4, got shape {array.shape}")
    height, width, channels = array.shape
    rows = np.ascontiguousarray(array, dtype=">u2").reshape(height, -1)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 16, _PNG_COLOUR_TYPES[channels], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def tiff_bytes(array: np.ndarray, extra_sample: int = 2) -> bytes:
    """An uncompressed little-endian baseline TIFF, one strip: HxW grey or HxWx3/4 colour,
    any integer or float dtype (BitsPerSample and SampleFormat from the dtype). A fourth
    sample is tagged ``extra_sample`` (ExtraSamples: 2 unassociated alpha, 0 unspecified, as
    GDAL writes a near-infrared band).

    >>> import io
    >>> image = Image.open(io.BytesIO(tiff_bytes(np.array([[-1024, 1112]], np.int16))))
    >>> image.mode, image.tag_v2[258], image.tag_v2[339]
    ('I', (16,), (2,))
    """
    array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    height, width = array.shape[:2]
    samples = 1 if array.ndim == 2 else array.shape[2]
    bits = array.dtype.itemsize * 8
    data = array.tobytes()
    short, long_ = 3, 4
    entries = [(256, long_, 1, width), (257, long_, 1, height),
               (258, short, samples, None), (259, short, 1, 1),
               (262, short, 1, 1 if samples == 1 else 2), (273, long_, 1, None),
               (277, short, 1, samples), (278, long_, 1, height), (279, long_, 1, len(data)),
               (339, short, samples, None)]
    if samples == 4:
        entries.append((338, short, 1, extra_sample))
    entries.sort()
    directory = 8
    arrays_at = directory + 2 + 12 * len(entries) + 4
    per_sample = 2 * samples if samples > 2 else 0  # arrays that do not fit in an entry
    data_at = arrays_at + 2 * per_sample
    out = bytearray(b"II*\x00" + struct.pack("<I", directory) + struct.pack("<H", len(entries)))
    for tag, kind, count, value in entries:
        if tag in (258, 339):
            sample_value = bits if tag == 258 else _TIFF_SAMPLE_FORMATS[array.dtype.kind]
            if per_sample:
                offset = arrays_at + (0 if tag == 258 else per_sample)
                out += struct.pack("<HHII", tag, kind, count, offset)
            else:
                out += struct.pack("<HHI" + "H" * 2, tag, kind, count,
                                   *([sample_value] * count + [0] * (2 - count)))
            continue
        value = data_at if tag == 273 else value
        out += (struct.pack("<HHIHH", tag, kind, count, value, 0) if kind == short
                else struct.pack("<HHII", tag, kind, count, value))
    out += struct.pack("<I", 0)
    if per_sample:
        out += struct.pack("<" + "H" * samples, *([bits] * samples))
        out += struct.pack("<" + "H" * samples,
                           *([_TIFF_SAMPLE_FORMATS[array.dtype.kind]] * samples))
    return bytes(out + data)


def _rewrite_images(case: CaseFiles, indices: list[int],
                    encode: Callable[[np.ndarray, np.random.Generator], bytes],
                    rng: np.random.Generator, extension: str | None = None) -> list[Path]:
    changed = []
    for index in indices:
        old = case.images[index]
        new = old if extension is None else old.with_suffix(extension)
        replace_file(old, new, encode(read_grey(old), rng))
        case.images[index] = new
        changed.append(new)
    return changed


def _colour(grey: np.ndarray) -> np.ndarray:
    """Three channels that differ (a tinted copy of the grey photo), uint8."""
    wide = grey.astype(np.int16)
    return np.clip(np.dstack([wide, wide * 7 // 8 + 16, wide * 3 // 4 + 32]), 0, 255
                   ).astype(np.uint8)


def sixteen_bit_colour_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                              count: int | None = None, bits: int = 12) -> list[Path]:
    """Images stored as 16-bit-per-channel RGB PNG (48-bit) holding ``bits``-bit data (each
    8-bit level times 2 ** (bits - 8)).

    Simulates: microscope, slide-scanner and camera RAW exports (jfcabana/omg_dosimetry#18,
    Pillow#1828). Shows: Pillow opens them as 8-bit RGB keeping the top byte of each
    channel: 12-bit data becomes 16 levels per channel, and the file's depth is invisible.
    """
    if not 8 < bits <= 16:
        raise ValueError(f"bits must be in (8, 16], not {bits}")
    return _rewrite_images(
        case, case.pair_indices(rng, fraction, count),
        lambda grey, _: png16_bytes(_colour(grey).astype(np.uint16) << (bits - 8)), rng)


def signed_ct_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                     count: int | None = None) -> list[Path]:
    """Images stored as signed 16-bit TIFFs in Hounsfield units: grey levels mapped to
    -1000..1040 HU, the first rows air (-1024). The files become ``.tif``.

    Simulates: CT slices exported from DICOM without a window (Pillow#2577). Shows: the
    trainer divides them by 65535, so the network sees values within about +-0.016,
    negative ones included.
    """
    def encode(grey: np.ndarray, _: np.random.Generator) -> bytes:
        units = grey.astype(np.int16) * 8 - 1000
        units[:2] = AIR_HU
        return tiff_bytes(units)

    return _rewrite_images(case, case.pair_indices(rng, fraction, count), encode, rng, ".tif")


def transparent_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                       count: int | None = None, share: float = 1 / 3) -> list[Path]:
    """RGBA images whose left ``share`` of columns is fully transparent, with random colour
    values under the transparency.

    Simulates: satellite tiles with a no-data alpha, and cut-out exports (kornelski/pngquant#362:
    colour under alpha 0 has no meaning). Shows: loaders that drop the alpha train on the
    noise under it.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), not {share}")

    def encode(grey: np.ndarray, generator: np.random.Generator) -> bytes:
        colour = _colour(grey)
        columns = max(1, round(grey.shape[1] * share))
        colour[:, :columns] = generator.integers(0, 256, (grey.shape[0], columns, 3),
                                                 dtype=np.uint8)
        alpha = np.full(grey.shape, 255, np.uint8)
        alpha[:, :columns] = 0
        return png_bytes(Image.fromarray(np.dstack([colour, alpha]), "RGBA"))

    return _rewrite_images(case, case.pair_indices(rng, fraction, count), encode, rng)


def grey_as_rgb_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 0.25,
                       count: int | None = None) -> list[Path]:
    """Grey images re-saved as RGB with the same value in each channel.

    Simulates: grey sets partly re-saved as colour by a viewer or converter (the mjsynth
    OCR data, "all three channels are the same in these grayscale-cum-RGB data"). Shows: a
    count of channels alone calls the set mixed grey and colour, though no image holds colour.
    """
    def encode(grey: np.ndarray, _: np.random.Generator) -> bytes:
        return png_bytes(Image.fromarray(np.dstack([grey] * 3), "RGB"))

    return _rewrite_images(case, case.pair_indices(rng, fraction, count), encode, rng)


IMAGE_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function
    for function in (sixteen_bit_colour_images, signed_ct_images, transparent_images,
                     grey_as_rgb_images)}
