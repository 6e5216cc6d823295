"""audit-data on masks that are their image and a second picture side by side (Supervisely's
masks_human/): named as visualisations, not as a size mismatch; other 2:1 masks keep it."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from helpers import finding, ids
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.audit.similarity import half_differences
from unetdiag.diag.core.findings import Severity

SHARED_DATA = Path("/work/shared/data")
MASK_FINDINGS = ("mask.non_binary", "mask.threshold_sensitive", "imbalance.tiny_objects",
                 "imbalance.summary", "baseline.trivial_scores", "mask.unusual_encoding",
                 "mask.lossy")


def _photo(rng: np.random.Generator, height: int = 72, width: int = 96
           ) -> tuple[np.ndarray, np.ndarray]:
    """A noisy colour photograph with a bright ellipse, and the ellipse (as in s24's
    imitation of a Supervisely export)."""
    rows, columns = np.mgrid[:height, :width]
    centre = rng.integers(20, 50), rng.integers(25, 70)
    inside = ((rows - centre[0]) / 15) ** 2 + ((columns - centre[1]) / 20) ** 2 <= 1
    base = rng.normal(90, 25, (height, width)) + 60 * inside + np.linspace(0, 40, width)
    base = np.clip(base, 0, 255)
    rgb = np.stack([base, np.clip(base * 0.8 + rng.normal(0, 8, base.shape), 0, 255),
                    np.clip(base * 0.6 + 30, 0, 255)], axis=-1).astype(np.uint8)
    return rgb, inside


def _tinted(photo: np.ndarray, inside: np.ndarray) -> np.ndarray:
    tinted = photo.astype(np.float64)
    tinted[inside] = 0.5 * tinted[inside] + 0.5 * np.array([255, 0, 0])
    return tinted.astype(np.uint8)


def _save(path: Path, array: np.ndarray, **options) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **options)


def _supervisely(root: Path, count: int = 6, axis: int = 1, image_first: bool = True,
                 other_image: bool = False) -> Path:
    """ds0/img/*.jpg (quality 92), ds0/masks_human/*.png holding the photograph as it was
    before JPEG and a tinted copy along ``axis`` (or, ``other_image``, the next pair's
    photograph instead of its own), ds0/masks_machine/*.png (grey 100 on 0)."""
    rng = np.random.default_rng(32)
    pictures = [_photo(rng) for _ in range(count)]
    for index, (photo, inside) in enumerate(pictures):
        name = f"lemon_{index:04d}"
        _save(root / "img" / f"{name}.jpg", photo, quality=92)
        shown = pictures[(index + 1) % count][0] if other_image else photo
        halves = [shown, _tinted(photo, inside)]
        _save(root / "masks_human" / f"{name}.png",
              np.concatenate(halves if image_first else halves[::-1], axis=axis))
        _save(root / "masks_machine" / f"{name}.png", (inside * 100).astype(np.uint8))
    return root


def test_supervisely_human_masks_are_named_as_pictures_not_a_size_mismatch(tmp_path):
    root = _supervisely(tmp_path / "ds0")
    report = audit_dataset(root / "img", root / "masks_human", workers=1)
    pictures = finding(report, "pairing.mask_is_side_by_side")
    assert pictures.severity is Severity.ERROR and pictures.evidence["masks"] == 6
    assert pictures.title == ("6 masks are their images and a second picture side by side "
                              "(twice as wide, left half equal to the image): pictures, not "
                              "label masks")
    assert report.headline.startswith(pictures.title + ".")
    assert str(root / "masks_machine") in pictures.fix
    for row in pictures.evidence["per_file"]:
        assert row["left_half_difference"] < 1 < row["right_half_difference"]
    found = ids(report)
    assert "geometry.size_mismatch" not in found
    assert not set(MASK_FINDINGS) & set(found)
    assert "baselines" not in report.summary and "foreground (most first)" not in report.summary
    # the labels beside them audit as a grey label mask, without the picture's finding
    labels = audit_dataset(root / "img", root / "masks_machine", workers=1)
    assert "pairing.mask_is_side_by_side" not in ids(labels)


def test_pictures_among_label_masks_leave_only_the_labels_counted(tmp_path):
    root = _supervisely(tmp_path / "ds0")
    for index in range(3):  # half the pairs get their label mask back
        name = f"lemon_{index:04d}.png"
        (root / "masks_human" / name).write_bytes((root / "masks_machine" / name).read_bytes())
    report = audit_dataset(root / "img", root / "masks_human", workers=1)
    assert finding(report, "pairing.mask_is_side_by_side").evidence["masks"] == 3
    assert finding(report, "imbalance.summary").evidence["masks"] == 3
    assert [row["mask"] for row in report.summary["foreground (most first)"]] == sorted(
        str(root / "masks_human" / f"lemon_{index:04d}.png") for index in range(3))


def test_pictures_stacked_vertically_name_the_half_that_is_the_image(tmp_path):
    root = _supervisely(tmp_path / "ds0", axis=0, image_first=False)
    report = audit_dataset(root / "img", root / "masks_human", workers=1)
    pictures = finding(report, "pairing.mask_is_side_by_side")
    assert "(twice as tall, bottom half equal to the image)" in pictures.title
    assert "geometry.size_mismatch" not in ids(report)


def test_a_mask_twice_as_wide_holding_another_image_keeps_the_size_mismatch(tmp_path):
    root = _supervisely(tmp_path / "ds0", other_image=True)
    report = audit_dataset(root / "img", root / "masks_human", workers=1)
    assert "pairing.mask_is_side_by_side" not in ids(report)
    assert finding(report, "geometry.size_mismatch").severity is Severity.ERROR


def test_a_label_mask_twice_as_wide_keeps_the_size_mismatch(tmp_path):
    rng = np.random.default_rng(5)
    for index in range(4):
        photo, inside = _photo(rng)
        _save(tmp_path / "images" / f"p{index}.png", photo)
        wide = np.repeat(inside, 2, axis=1)  # labels drawn on a copy stretched sideways
        _save(tmp_path / "masks" / f"p{index}.png", (wide * 255).astype(np.uint8))
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert "pairing.mask_is_side_by_side" not in ids(report)
    assert finding(report, "geometry.size_mismatch").evidence["pairs"] == 4


def test_half_differences_only_for_masks_exactly_twice_the_image():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (40, 30), dtype=np.uint8)
    other = rng.integers(0, 256, (40, 30), dtype=np.uint8)
    first, second, spread = half_differences(photo, np.concatenate([other, photo], 1))
    assert second == 0 and first > 5 and spread > 5
    assert half_differences(photo, np.concatenate([photo, other], 0))[0] == 0
    # a grey image against an RGB picture of it: luma of (v, v, v) is v
    assert half_differences(photo, np.stack([np.concatenate([photo, other], 1)] * 3, -1))[0] \
        == pytest.approx(0)
    for shape in ((40, 61), (40, 59), (80, 60), (40, 30)):
        assert all(math.isnan(value) for value in
                   half_differences(photo, np.zeros(shape, np.uint8)))
    # 16-bit images and palette indices (None) are not compared
    assert math.isnan(half_differences(photo.astype(np.uint16),
                                       np.concatenate([photo, photo], 1))[0])
    assert math.isnan(half_differences(photo, None)[0])


def test_the_image_is_found_through_jpeg_smoothing_independent_channel_noise():
    # the brightest channel of three noisy ones drops when JPEG smooths colour: the
    # comparison is on luma, which JPEG keeps
    rng = np.random.default_rng(1)
    photo = (rng.normal(120, 30, (150, 200, 3)) + np.linspace(-60, 60, 200)[None, :, None])
    photo = photo.clip(0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=92)
    stored = np.asarray(Image.open(buffer))
    first, second, spread = half_differences(stored, np.concatenate([photo, photo], 1))
    assert first < 0.5 and spread > 10


def test_a_flat_image_equal_to_half_its_mask_says_nothing(tmp_path):
    # a grey image and a mask whose left half is that grey: equal, but nothing to recognise
    for index in range(3):
        _save(tmp_path / "images" / f"f{index}.png", np.full((32, 32), 90, np.uint8))
        mask = np.full((32, 64), 90, np.uint8)
        mask[8:20, 40:56] = 255
        _save(tmp_path / "masks" / f"f{index}.png", mask)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert "pairing.mask_is_side_by_side" not in ids(report)
    assert "geometry.size_mismatch" in ids(report)


def test_jpeg_saved_pictures_are_still_recognised(tmp_path):
    # the side-by-side picture itself saved as JPEG (quality 75), the image as PNG
    rng = np.random.default_rng(9)
    for index in range(4):
        photo, inside = _photo(rng)
        _save(tmp_path / "images" / f"j{index}.png", photo)
        buffer = io.BytesIO()
        Image.fromarray(np.concatenate([photo, _tinted(photo, inside)], 1)).save(
            buffer, "JPEG", quality=75)
        (tmp_path / "masks").mkdir(exist_ok=True)
        (tmp_path / "masks" / f"j{index}.jpg").write_bytes(buffer.getvalue())
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert finding(report, "pairing.mask_is_side_by_side").evidence["masks"] == 4


@pytest.mark.parametrize("dataset", ["drive_retina_vessels", "isbi2012_em_membrane"])
def test_public_datasets_have_no_side_by_side_masks(dataset):
    folder = SHARED_DATA / dataset
    if not folder.is_dir():
        pytest.skip(f"{folder} is not on this machine")
    report = audit_dataset(folder / "images", folder / "masks", workers=1)
    assert "pairing.mask_is_side_by_side" not in ids(report)
