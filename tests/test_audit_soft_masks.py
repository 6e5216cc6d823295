"""Soft labels and probability maps (values fading over several pixels) are not called
anti-aliased drawing or resizing (session 27: jiwoon-ahn/psa#23, masks where "probability
value is assigned to each of the location(pixel)"); resized masks still are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import audit_pairs, finding, write_mask_pairs
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.checks.edges import rim_share
from unetdiag.diag.checks.masks import RIM_SHARE_FOR_RESAMPLING
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec


def _discs(count: int = 8, size: int = 64, scale: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[0:size * scale, 0:size * scale] / scale
    masks = []
    for _ in range(count):
        mask = np.zeros(yy.shape, bool)
        for _ in range(3):
            cy, cx, radius = rng.uniform(12, size - 12, 2).tolist() + [rng.uniform(4, 9)]
            mask |= (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2
        masks.append(mask)
    return masks


def _soft(mask: np.ndarray) -> np.ndarray:
    # values fading over about 12 pixels (a blurred or predicted mask)
    return np.clip(ndimage.gaussian_filter(mask.astype(np.float32), 3.0) * 1.5, 0, 1)


def _cause(report) -> str:
    return finding(report, "mask.non_binary").explanation


@pytest.mark.parametrize("stored", ["float32 tiff", "uint8 png"])
def test_probability_maps_are_not_called_anti_aliasing(tmp_path, stored):
    # (a map fading over 6 pixels or fewer is what a mask enlarged 4x looks like: the resize
    # reading is kept for it)
    soft = [_soft(mask) for mask in _discs()]
    if stored == "uint8 png":
        images, masks = write_mask_pairs(tmp_path, [np.round(p * 255).astype(np.uint8)
                                                    for p in soft])
    else:
        images, masks = write_mask_pairs(tmp_path, [np.zeros((64, 64), np.uint8)] * len(soft))
        for number, probability in enumerate(soft):
            (masks / f"{number:03d}.png").unlink()
            Image.fromarray(probability, mode="F").save(masks / f"{number:03d}.tif")
    non_binary = finding(audit_pairs(images, masks), "mask.non_binary")
    assert "probability maps" in non_binary.explanation
    assert "consistent with anti-aliased" not in non_binary.explanation
    assert non_binary.evidence["share_in_rims"] < 0.5
    assert "--mask-threshold" in non_binary.fix


@pytest.mark.parametrize("method", ["bilinear", "bicubic"])
def test_masks_resized_with_interpolation_are_still_called_so(tmp_path, method):
    layout = build_case(tmp_path / "case", SynthSpec(n_pairs=12, size=64, seed=3),
                        [{"kind": "resized_masks", "method": method}])
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, workers=1)
    non_binary = finding(report, "mask.non_binary")
    assert "resizing with interpolation" in non_binary.explanation
    assert non_binary.evidence["share_in_rims"] > RIM_SHARE_FOR_RESAMPLING


def test_rim_share_of_a_jpeg_copy_and_of_a_blur(tmp_path: Path):
    mask = _discs(count=1)[0].astype(np.uint8) * 255
    Image.fromarray(mask).save(tmp_path / "m.jpg", quality=75)
    assert rim_share(np.asarray(Image.open(tmp_path / "m.jpg")), 0, 255) > 0.9
    assert rim_share(_soft(mask > 0), 0.0, 1.0) < 0.5


def test_jpeg_masks_threshold_sensitivity_names_jpeg_not_soft_labels(tmp_path):
    # the Weizmann horses and Kvasir-SEG: 0/255 masks saved as JPEG, the in-between values
    # all on the object edges; mask.threshold_sensitive listed "soft labels, photographs"
    rng = np.random.default_rng(5)
    for index, mask in enumerate(_discs()):
        (tmp_path / "images").mkdir(exist_ok=True)
        (tmp_path / "masks").mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 256, mask.shape, dtype=np.uint8)).save(
            tmp_path / "images" / f"{index:03d}.png")
        Image.fromarray(np.uint8(mask) * 255).save(tmp_path / "masks" / f"{index:03d}.jpg",
                                                   quality=75)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert finding(report, "mask.non_binary").evidence["share_on_edges"] > 0.9
    sensitive = finding(report, "mask.threshold_sensitive")
    assert "JPEG compression" in sensitive.explanation
    assert "soft labels" not in sensitive.explanation
    assert "photographs" not in sensitive.explanation


def test_photographs_as_masks_are_named_before_any_polarity(tmp_path):
    # redteam 4: --images and --masks swapped, the "masks" RGB noise standing in for
    # photographs: the headline said "Possible inverted polarity ... decode with
    # --mask-polarity dark" beside mask.non_binary's 100 % of pixels between the ends
    rng = np.random.default_rng(2)
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rows, columns = np.mgrid[:48, :48]
    for number in range(6):
        disc = (rows - 20 - number) ** 2 + (columns - 24) ** 2 < 100
        Image.fromarray((disc * 255).astype(np.uint8)).save(images / f"{number}.png")
        Image.fromarray(rng.integers(30, 256, (48, 48, 3), dtype=np.uint8)).save(
            masks / f"{number}.png")
    report = audit_dataset(images, masks, mask_suffixes=("",), workers=1)
    assert report.headline.startswith("6 of 6 masks look like pictures, not masks")
    assert "--images and --masks swapped" in report.headline
    assert "polarity dark" not in report.headline
