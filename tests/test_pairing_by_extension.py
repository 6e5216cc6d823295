"""MSRA10K's layout (issue 14): ``75.jpg`` and its mask ``75.png`` side by side in one folder
(``MSRA10K_Imgs_GT/Imgs/``; pytracking's ``ltr/dataset/msra10k.py`` lists the JPEGs and opens
``<name>.png`` beside each). Paired by extension when the folder splits cleanly into JPEG
images and masks; a folder of pictures saved twice keeps its error."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import findings_by_id
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

STEMS = ("75", "128", "2345", "4033", "9881", "10000")


def _photo(rng: np.random.Generator, size=(48, 64)) -> np.ndarray:
    return rng.integers(0, 256, (*size, 3)).astype(np.uint8)


def _msra(folder, stems=STEMS, seed=0):
    rng = np.random.default_rng(seed)
    for stem in stems:
        Image.fromarray(_photo(rng)).save(folder / f"{stem}.jpg", quality=90)
        mask = np.zeros((48, 64), np.uint8)
        mask[10:30, 15:45] = 255
        Image.fromarray(mask).save(folder / f"{stem}.png")
    return folder


def test_jpeg_images_pair_with_the_png_masks_of_their_names(tmp_path):
    result = discover_pairs(_msra(tmp_path))
    assert sorted((pair.image.name, pair.mask.name) for pair in result.pairs) == sorted(
        (f"{stem}.jpg", f"{stem}.png") for stem in STEMS)
    assert result.rule.source == "by extension" and result.rule.mask_extension == ".png"
    assert result.rule.to_dict()["mask_extension"] == ".png"
    findings = findings_by_id(result)
    assert set(findings) == {"pairing.by_extension"}
    said = findings["pairing.by_extension"]
    assert said.evidence["pairs"] == len(STEMS) and "MSRA10K" in said.explanation


def test_the_image_folder_given_as_mask_folder_pairs_alike(tmp_path):
    result = discover_pairs(_msra(tmp_path), tmp_path)
    assert len(result.pairs) == len(STEMS) and result.rule.source == "by extension"
    assert "pairing.same_file" not in findings_by_id(result)


def test_a_jpeg_without_its_png_is_a_missing_mask(tmp_path):
    _msra(tmp_path)
    Image.fromarray(_photo(np.random.default_rng(1))).save(tmp_path / "555.jpg")
    result = discover_pairs(tmp_path)
    assert len(result.pairs) == len(STEMS)
    assert set(findings_by_id(result)) == {"pairing.by_extension", "pairing.missing_mask"}


@pytest.mark.parametrize("grey", [False, True])
def test_pictures_saved_as_jpeg_and_png_are_not_paired(tmp_path, grey):
    """Ordinary pictures kept in two formats: the PNGs hold a picture's many values."""
    rng = np.random.default_rng(2)
    for stem in STEMS:
        photo = _photo(rng)
        Image.fromarray(photo).save(tmp_path / f"{stem}.jpg")
        Image.fromarray(photo[..., 0] if grey else photo).save(tmp_path / f"{stem}.png")
    with pytest.raises(UserError, match="no image/mask pairs"):
        discover_pairs(tmp_path)


def test_a_few_twins_in_a_folder_of_pictures_are_not_paired(tmp_path):
    """Two names held by a JPEG and a mask-like PNG among many lone pictures: no clean split."""
    _msra(tmp_path, STEMS[:2])
    rng = np.random.default_rng(3)
    for index in range(6):
        Image.fromarray(_photo(rng)).save(tmp_path / f"holiday_{index}.jpg")
    with pytest.raises(UserError):
        discover_pairs(tmp_path)


def test_masks_of_another_size_than_their_jpeg_are_not_paired(tmp_path):
    _msra(tmp_path)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / f"{STEMS[0]}.png")
    with pytest.raises(UserError):
        discover_pairs(tmp_path)


def test_audit_data_records_the_rule(tmp_path):
    report = audit_dataset(_msra(tmp_path), workers=1)
    assert report.meta["pairing"]["source"] == "by extension"
    assert "pairing.by_extension" in {finding.id for finding in report.findings}


def test_a_missing_mask_says_where_the_extension_rule_looked(tmp_path):
    """Paired by extension, a JPEG's mask is looked for as <stem>.png beside it, not under the
    default suffixes the folder was not paired by."""
    _msra(tmp_path)
    Image.fromarray(_photo(np.random.default_rng(1))).save(tmp_path / "555.jpg")
    missing = findings_by_id(discover_pairs(tmp_path))["pairing.missing_mask"]
    assert "<stem>.png beside each image" in missing.explanation
    assert "_mask" not in missing.explanation


@pytest.mark.parametrize("mode", ["P", "L"])
def test_previews_reduced_to_a_few_colours_are_not_paired(tmp_path, mode):
    """Pictures kept as a JPEG and a PNG reduced to 16 colours (a palette preview) or 16 grey
    levels: a few values in one channel, the size of their JPEG, but a copy of the picture,
    not its mask."""
    rows, columns = np.mgrid[:48, :64]
    for index, stem in enumerate(STEMS):
        level = (np.sin(columns / 7 + index) + np.cos(rows / 5)) * 60 + 128
        photo = np.clip(np.stack([level, level * 0.8, 255 - level], axis=-1), 0, 255)
        picture = Image.fromarray(photo.astype(np.uint8))
        picture.save(tmp_path / f"{stem}.jpg", quality=90)
        reduced = picture.quantize(16) if mode == "P" else picture.convert("L").quantize(
            16).convert("L")
        reduced.save(tmp_path / f"{stem}.png")
    with pytest.raises(UserError, match="no image/mask pairs"):
        discover_pairs(tmp_path)
