"""What Pillow leaves out of a file, as ``audit-data`` tells it: 16-bit-per-channel colour
read at its top byte, signed integer images, and transparent pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import finding, ids
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.synth.image_corruptions import png16_bytes, tiff_bytes

SIDE = 32


def disc(index: int) -> np.ndarray:
    rows, columns = np.mgrid[:SIDE, :SIDE]
    return (rows - 12 - index % 5) ** 2 + (columns - 14) ** 2 < 49


def photo(index: int) -> np.ndarray:
    """An 8-bit RGB photo-like image with its disc brighter."""
    rng = np.random.default_rng(index)
    grey = rng.integers(20, 120, (SIDE, SIDE)) + 100 * disc(index)
    return np.dstack([grey, grey * 3 // 4, grey // 2]).astype(np.uint8)


def write_pairs(root: Path, count: int, image_bytes, mask=None, extension: str = ".png"
                ) -> tuple[Path, Path]:
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    for index in range(count):
        (images / f"p{index}{extension}").write_bytes(image_bytes(index))
        if mask is None:
            Image.fromarray((disc(index) * 255).astype(np.uint8)).save(masks / f"p{index}.png")
        else:
            (masks / f"p{index}.png").write_bytes(mask(index))
    return images, masks


def audit(images: Path, masks: Path) -> Report:
    return audit_dataset(images, masks, workers=1)


# --------------------------------------------------------------------------- P3


@pytest.mark.parametrize("writer,extension", [(tiff_bytes, ".tif"), (png16_bytes, ".png")])
def test_sixteen_bit_colour_images_are_not_called_8_bit_nor_narrow(tmp_path, writer, extension):
    # 12-bit camera data in 48-bit RGB files: Pillow keeps the top byte (0..15)
    images, masks = write_pairs(
        tmp_path, 6, lambda i: writer(photo(i).astype(np.uint16) << 4), extension=extension)
    report = audit(images, masks)
    wide = finding(report, "image.sixteen_bit_colour")
    assert wide.severity is Severity.WARNING
    assert len(wide.files) == 6 and all(name.endswith(extension) for name in wide.files)
    assert "top 8 bits" in wide.explanation and "divided by 256" in wide.explanation
    assert wide.evidence["stored_bits"] == 16 and wide.evidence["largest_read"] == 13
    assert "no stored value reaches 3584" in wide.explanation
    assert "image.narrow_range" not in ids(report)  # "fits in 4 bits ... nothing to do": false
    assert [row["bit depth"] for row in report.summary["images"]] == [
        "16-bit per channel, read as 8-bit"]
    assert report.headline.startswith(
        "6 images store 16 bits per channel, of which Pillow reads only the top 8.")


def test_sixteen_bit_colour_images_of_low_values_are_not_called_constant(tmp_path):
    # every stored value below 256: Pillow reads all 0, the files are not blank
    images, masks = write_pairs(tmp_path, 4, lambda i: tiff_bytes(photo(i).astype(np.uint16)),
                                extension=".tif")
    report = audit(images, masks)
    assert "image.constant" not in ids(report)
    assert finding(report, "image.sixteen_bit_colour").evidence["read_as_one_value"] == 4


def test_eight_bit_colour_is_not_flagged(tmp_path):
    from unetdiag.diag.synth.generator import png_bytes
    images, masks = write_pairs(tmp_path, 4, lambda i: png_bytes(Image.fromarray(photo(i))))
    report = audit(images, masks)
    assert not ids(report) & {"image.sixteen_bit_colour", "image.transparent"}
    assert [row["bit depth"] for row in report.summary["images"]] == ["8-bit"]


def test_sixteen_bit_colour_masks_holding_0_and_1_are_not_called_empty(tmp_path):
    def mask(index: int) -> bytes:
        return png16_bytes(np.repeat(disc(index)[:, :, None], 3, axis=2).astype(np.uint16))

    images, masks = write_pairs(tmp_path, 6, lambda i: png16_bytes(
        photo(i).astype(np.uint16) * 257), mask=mask)
    report = audit(images, masks)
    wide = finding(report, "mask.sixteen_bit_colour")
    assert wide.severity is Severity.ERROR
    assert wide.evidence["read_as_one_value"] == 6 and wide.evidence["single_values"] == [0]
    assert "imbalance.empty_masks" not in ids(report)
    assert "empty" not in report.headline.split("cannot be told")[0]
    assert "mask.sixteen_bit_colour" in report.headline


def test_sixteen_bit_colour_masks_of_0_and_65535_are_a_warning(tmp_path):
    def mask(index: int) -> bytes:
        return png16_bytes(np.repeat(disc(index)[:, :, None], 3, axis=2).astype(np.uint16)
                           * 65535)

    images, masks = write_pairs(tmp_path, 4, lambda i: png16_bytes(
        photo(i).astype(np.uint16) * 257), mask=mask)
    report = audit(images, masks)
    assert finding(report, "mask.sixteen_bit_colour").severity is Severity.WARNING
    assert "imbalance.summary" in ids(report)


# --------------------------------------------------------------------------- P5


def hounsfield(index: int) -> np.ndarray:
    units = photo(index)[:, :, 0].astype(np.int16) * 4 - 200
    units[:2] = -1024
    return units


def test_signed_16_bit_images_are_worded_as_integers_not_floats(tmp_path):
    images, masks = write_pairs(tmp_path, 4, lambda i: tiff_bytes(hounsfield(i)),
                                extension=".tif")
    report = audit(images, masks)
    out = finding(report, "image.out_of_range")
    text = out.explanation + " " + out.fix
    assert "float images are used as stored" not in text.lower()
    assert "Store float images" not in text
    low, high = out.evidence["integer"]["min"], out.evidence["integer"]["max"]
    assert low == -1024
    assert f"-1024..{high:g} become -0.0156..{high / 65535:.3g}" in out.explanation
    assert "16-bit signed" in out.explanation and "negative" in out.explanation
    assert "divides these integers by 65535" in out.explanation
    assert [row["bit depth"] for row in report.summary["images"]] == ["16-bit signed"]


def test_float_images_out_of_range_keep_the_float_wording(tmp_path):
    def image(index: int) -> bytes:
        return tiff_bytes(photo(index)[:, :, 0].astype(np.float32) * 10)

    images, masks = write_pairs(tmp_path, 3, image, extension=".tif")
    out = finding(audit(images, masks), "image.out_of_range")
    assert "Float images are used as stored" in out.explanation
    assert "Mixed with" not in out.explanation  # no scaled image to be mixed with
    assert "integer" not in out.evidence


# --------------------------------------------------------------------------- P8


def rgba(index: int, transparent_columns: int) -> bytes:
    from unetdiag.diag.synth.generator import png_bytes
    alpha = np.full((SIDE, SIDE), 255, np.uint8)
    alpha[:, :transparent_columns] = 0
    return png_bytes(Image.fromarray(np.dstack([photo(index), alpha]), "RGBA"))


def test_transparent_pixels_are_named_with_their_share(tmp_path):
    images, masks = write_pairs(tmp_path, 4, lambda i: rgba(i, 8 if i < 3 else 0))
    report = audit(images, masks)
    clear = finding(report, "image.transparent")
    assert clear.severity is Severity.WARNING
    assert len(clear.files) == 3 and str(images / "p3.png") not in clear.files
    assert clear.evidence["worst_share"] == pytest.approx(0.25)
    assert "drops the alpha" in clear.explanation and "25 %" in clear.title
    assert "--ignore-values" in clear.fix


def test_opaque_rgba_and_la_images_have_no_transparency_finding(tmp_path):
    from unetdiag.diag.synth.generator import png_bytes

    images, masks = write_pairs(tmp_path / "rgba", 3, lambda i: rgba(i, 0))
    assert "image.transparent" not in ids(audit(images, masks))

    def grey_alpha(index: int, transparent_columns: int) -> bytes:
        alpha = np.full((SIDE, SIDE), 255, np.uint8)
        alpha[:, :transparent_columns] = 0
        return png_bytes(Image.fromarray(np.dstack([photo(index)[..., 0], alpha]), "LA"))

    images, masks = write_pairs(tmp_path / "la", 3, lambda i: grey_alpha(i, 0))
    assert "image.transparent" not in ids(audit(images, masks))
    images, masks = write_pairs(tmp_path / "la_clear", 3, lambda i: grey_alpha(i, 8))
    assert "image.transparent" in ids(audit(images, masks))


def test_a_bmp_alpha_of_0_everywhere_is_unused_not_transparent():
    from unetdiag.diag.audit.storage import transparent_share

    image = Image.fromarray(np.zeros((4, 4, 4), np.uint8), "RGBA")  # alpha 0 everywhere
    assert transparent_share(image) == 1.0  # a PNG: transparent everywhere
    image.format = "BMP"  # the fourth byte of a 32-bit BMP, which viewers show opaque
    assert transparent_share(image) == 0.0


def rgb_nir(index: int) -> bytes:
    """An RGB TIFF with a near-infrared fourth sample tagged 'unspecified', as GDAL writes."""
    nir = (disc(index) * 200 + 30).astype(np.uint8)
    return tiff_bytes(np.dstack([photo(index), nir]), extra_sample=0)


def test_samples_pillow_leaves_out_are_named(tmp_path):
    images, masks = write_pairs(tmp_path, 3, rgb_nir, extension=".tif")
    assert Image.open(images / "p0.tif").mode == "RGB"  # the fourth sample is gone
    dropped = finding(audit(images, masks), "image.dropped_samples")
    assert dropped.severity is Severity.WARNING and len(dropped.files) == 3
    assert (dropped.evidence["samples_stored"], dropped.evidence["bands_read"]) == ([4], [3])
    assert "near-infrared" in dropped.explanation
    # an RGBA TIFF's fourth sample is alpha, read as such: nothing left out
    images, masks = write_pairs(tmp_path / "rgba", 3, lambda i: tiff_bytes(
        np.dstack([photo(i), np.full((SIDE, SIDE), 255, np.uint8)])), extension=".tif")
    assert "image.dropped_samples" not in ids(audit(images, masks))


def _thin_lines(rng: np.random.Generator, side: int = 96) -> np.ndarray:
    """0/1 vessel-like lines one to two pixels wide."""
    mask = np.zeros((side, side), np.uint8)
    for _ in range(6):
        row, width = int(rng.integers(4, side - 4)), int(rng.integers(1, 3))
        mask[row:row + width, 8:side - 8] = 1
        column = int(rng.integers(4, side - 4))
        mask[8:side - 8, column:column + width] = 1
    return mask


def test_jpeg_masks_holding_0_and_1_are_not_said_to_be_recovered_by_the_threshold(tmp_path):
    # DRIVE's vessels as 0/1 JPEG q75: 48 % of the vessel pixels came back as 0, yet the
    # audit said "The midpoint threshold recovers the objects to within a pixel or so"
    rng = np.random.default_rng(1)
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    lost = drawn = 0
    for number in range(6):
        mask = _thin_lines(rng)
        Image.fromarray(rng.integers(0, 256, mask.shape, dtype=np.uint8)).save(
            images / f"{number}.png")
        Image.fromarray(mask).save(masks / f"{number}.jpg", quality=75)
        read = np.asarray(Image.open(masks / f"{number}.jpg")) > 0
        lost += int((mask.astype(bool) & ~read).sum())
        drawn += int(mask.sum())
    assert lost / drawn > 0.1  # what the sentence must not deny
    report = audit_dataset(images, masks, mask_suffixes=("",), workers=1)
    lossy = finding(report, "mask.lossy")
    assert "within a pixel" not in lossy.explanation
    assert "no threshold recovers the objects" in lossy.explanation
    # one mask's 1-pixel lines all came back as 0: stored as one value, it holds no "1"
    # (and is no 0..255 mask the threshold could recover)
    assert lossy.title == "6 masks are JPEG-compressed, 5 of them 0/1 masks"
    assert lossy.evidence["masks_holding_0_and_1"] == 5
    assert "0..255" not in lossy.explanation


def test_jpeg_masks_decoded_to_one_value_are_not_said_to_be_recovered(tmp_path):
    # redteam 4c: 0/1 one-pixel lines saved as JPEG q75 all decode to 0; the audit said
    # "The midpoint threshold recovers the objects to within a pixel or so"
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(7)
    for number in range(4):
        mask = np.zeros((64, 64), np.uint8)
        mask[10 + 5 * number, 4:60] = 1
        mask[4:60, 7 + 3 * number] = 1
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
            images / f"{number}.png")
        Image.fromarray(mask).save(masks / f"{number}.jpg", quality=75)
        assert np.unique(np.asarray(Image.open(masks / f"{number}.jpg"))).tolist() == [0]
    report = audit_dataset(images, masks, mask_suffixes=("",), workers=1)
    lossy = finding(report, "mask.lossy")
    assert "recovers the objects" not in lossy.explanation
    assert "They hold a single value" in lossy.explanation
    assert "no threshold recovers those" in lossy.explanation
    assert lossy.evidence["masks_of_one_value"] == 4
    # the empty masks are said to be JPEGs of one value, not blamed on the threshold
    empty = finding(report, "imbalance.empty_masks")
    assert "All 4 are JPEG files holding a single value" in empty.explanation
    assert "wrong threshold" not in empty.explanation
