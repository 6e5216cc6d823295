"""ImageJ's binary masks (MouseLand/cellpose#9: "ImageJ/FIJI masks are black&white 8bit images
with inverting LUT (white is 0 and black is 255)"): 8-bit TIFFs tagged WhiteIsZero, which
Pillow inverts on reading. The polarity headline names that cause; TIFFs tagged as usual do
not get it."""

from __future__ import annotations

import struct

import numpy as np
from helpers import audit_pairs, finding
from PIL import Image

from unetdiag.diag.audit.white_is_zero import PHOTOMETRIC_TAG, WHITE_IS_ZERO


def _tag_white_is_zero(path) -> None:
    """Rewrite the PhotometricInterpretation entry of a little-endian one-IFD TIFF to 0."""
    data = bytearray(path.read_bytes())
    ifd = struct.unpack("<I", data[4:8])[0]
    for entry in range(struct.unpack("<H", data[ifd:ifd + 2])[0]):
        start = ifd + 2 + 12 * entry
        if struct.unpack("<H", data[start:start + 2])[0] == PHOTOMETRIC_TAG:
            data[start + 8:start + 10] = struct.pack("<H", WHITE_IS_ZERO)
    path.write_bytes(bytes(data))


def _imagej_masks(root, white_is_zero: bool):
    """12 pairs: cells stored 255 on 0 in 8-bit TIFFs, tagged WhiteIsZero or not."""
    rng = np.random.default_rng(9)
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rows, columns = np.mgrid[:64, :64]
    for number in range(12):
        cells = np.zeros((64, 64), bool)
        for _ in range(4):
            y, x, r = rng.uniform(10, 54), rng.uniform(10, 54), rng.uniform(4, 8)
            cells |= (rows - y) ** 2 + (columns - x) ** 2 <= r * r
        picture = np.clip(rng.normal(100, 25, (64, 64)) + cells * 50, 0, 255)
        Image.fromarray(picture.astype(np.uint8)).save(images / f"{number:02d}.tif")
        stored = np.where(cells, 255, 0) if white_is_zero else np.where(cells, 0, 255)
        Image.fromarray(stored.astype(np.uint8)).save(masks / f"{number:02d}.tif")
        if white_is_zero:
            _tag_white_is_zero(masks / f"{number:02d}.tif")
    return images, masks


def test_white_is_zero_tiffs_are_named_as_the_cause_of_the_inversion(tmp_path):
    report = audit_pairs(*_imagej_masks(tmp_path, white_is_zero=True))
    assert report.headline.startswith("Possible inverted polarity: 12 of 12 masks")
    assert "TIFFs tagged WhiteIsZero" in report.headline
    inverted = finding(report, "imbalance.mostly_foreground")
    assert inverted.evidence["white_is_zero"] == {"tagged": 5, "opened": 5}
    assert "Pillow, which unetdiag and train read with, inverts" in inverted.explanation


def test_tiffs_stored_inverted_without_the_tag_get_no_such_cause(tmp_path):
    report = audit_pairs(*_imagej_masks(tmp_path, white_is_zero=False))
    assert report.headline.startswith("Possible inverted polarity: 12 of 12 masks")
    assert "WhiteIsZero" not in report.headline
    assert "white_is_zero" not in finding(report, "imbalance.mostly_foreground").evidence


def test_large_objects_read_small_once_inverted_still_get_the_tag_named(tmp_path):
    """Close-ups (lesions over 80 % of the frame) in WhiteIsZero TIFFs read as their corners:
    no mostly-foreground finding speaks, so mask.white_is_zero says what the tag does."""
    images, masks = _imagej_masks(tmp_path, white_is_zero=True)
    rows, columns = np.mgrid[:64, :64]
    lesion = (rows - 32) ** 2 + (columns - 32) ** 2 <= 34 ** 2
    for path in sorted(masks.iterdir()):
        Image.fromarray(np.where(lesion, 255, 0).astype(np.uint8)).save(path)
        _tag_white_is_zero(path)
    report = audit_pairs(images, masks)
    assert "imbalance.mostly_foreground" not in {f.id for f in report.findings}
    tagged = finding(report, "mask.white_is_zero")
    assert tagged.severity.value == "info"
    assert (tagged.evidence["tagged"], tagged.evidence["opened"],
            tagged.evidence["tiff_masks_read"]) == (5, 5, 12)
    assert "Pillow, which unetdiag and train read with, inverts such a file" in tagged.explanation


def test_ordinary_tiff_masks_get_no_white_is_zero_finding(tmp_path):
    report = audit_pairs(*_imagej_masks(tmp_path, white_is_zero=False))
    assert "mask.white_is_zero" not in {f.id for f in report.findings}


def test_sixteen_bit_white_is_zero_tiffs_are_not_said_to_read_inverted(tmp_path):
    """Pillow inverts WhiteIsZero TIFFs of 1 to 8 bits only (rawmodes "1;I", "L;I"); a 16-bit
    one reads its stored values: small objects stored 65535 read as small objects, and nothing
    may say Pillow turned them into background."""
    images, masks = _imagej_masks(tmp_path, white_is_zero=False)
    rows, columns = np.mgrid[:64, :64]
    cell = (rows - 32) ** 2 + (columns - 32) ** 2 <= 8 ** 2
    for path in sorted(masks.iterdir()):
        Image.fromarray(np.where(cell, 65535, 0).astype(np.uint16)).save(
            path, tiffinfo={PHOTOMETRIC_TAG: WHITE_IS_ZERO})
        with Image.open(path) as reread:
            assert reread.mode == "I;16" and reread.tag_v2[PHOTOMETRIC_TAG] == WHITE_IS_ZERO
            assert int(np.asarray(reread)[32, 32]) == 65535  # read as stored: not inverted
    report = audit_pairs(images, masks)
    assert "imbalance.mostly_foreground" not in {f.id for f in report.findings}
    assert "mask.white_is_zero" not in {f.id for f in report.findings}
