"""unetdiag predict on DRIVE's test set in one folder, as mirrors distribute it (issue 14):
``01_test.tif`` beside two annotators' ``01_manual1.gif`` and ``01_manual2.gif`` (and in some
copies the field-of-view disc ``01_test_mask.gif``). Every mask set recognised is left out
and named with its count: before, with two annotators beside the images no rule was found and
every annotation was predicted as if it were an image."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from unetdiag.cli import main
from unetdiag.training.predict import MANIFEST_FILENAME
from unetdiag.training.predict_listing import MaskSet, list_images, masks_line

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

TEST_KEYS = ("01", "02", "03", "04")


def _flat_test(folder: Path, fov: bool, training: bool = False) -> Path:
    folder.mkdir()
    grey = np.zeros((16, 16), np.uint8)
    grey[4:8] = 255
    files = [(f"{k}_test.tif", f"{k}_manual1.gif", f"{k}_manual2.gif", f"{k}_test_mask.gif")
             for k in TEST_KEYS]
    if training:
        files += [(f"{k}_training.tif", f"{k}_manual1.gif", None, f"{k}_training_mask.gif")
                  for k in ("21", "22", "23", "24")]
    for image, first, second, disc in files:
        Image.fromarray(np.full((16, 16, 3), 90, np.uint8)).save(folder / image)
        for mask in (first, second, disc if fov else None):
            if mask is not None:
                Image.fromarray(grey).save(folder / mask)
    return folder


def _sets(listing) -> list[tuple[str, int]]:
    return [(mask_set.label, len(mask_set.files)) for mask_set in listing.mask_sets]


@pytest.mark.parametrize("fov", [False, True])
def test_every_annotation_set_is_left_out_and_none_is_predicted(tmp_path, fov):
    listing = list_images(_flat_test(tmp_path / "in", fov))
    assert [path.name for path in listing.images] == [f"{k}_test.tif" for k in TEST_KEYS]
    assert _sets(listing) == ([("ending _mask", 4)] if fov else []) + [
        ("named {key}_manual1", 4), ("named {key}_manual2", 4)]
    assert len(listing.masks) == 8 + 4 * fov


def test_both_halves_of_drive_in_one_folder_predict_the_images_only(tmp_path):
    listing = list_images(_flat_test(tmp_path / "in", fov=True, training=True))
    assert all(path.stem.endswith(("_test", "_training")) for path in listing.images)
    assert len(listing.images) == 8
    assert _sets(listing) == [("ending _mask", 8), ("named {key}_manual1", 8),
                              ("named {key}_manual2", 4)]


def test_the_line_names_each_set_with_its_count_and_an_example():
    sets = [MaskSet("_mask", [Path("01_test_mask.gif"), Path("02_test_mask.gif")], True),
            MaskSet("{key}_manual1", [Path("01_manual1.gif"), Path("02_manual1.gif")]),
            MaskSet("{key}_manual2", [Path("01_manual2.gif"), Path("02_manual2.gif")])]
    assert masks_line(sets) == (
        "left out 6 file(s) named as masks, in 3 sets: 2 ending _mask (e.g. 01_test_mask.gif), "
        "2 named {key}_manual1 (e.g. 01_manual1.gif) and 2 named {key}_manual2 (e.g. "
        "01_manual2.gif)")
    assert masks_line(sets[:1]) == (
        "left out 2 file(s) named as masks: 2 ending _mask (e.g. 01_test_mask.gif)")


def test_predict_says_which_sets_it_left_out_on_the_console_and_in_predict_json(tmp_path,
                                                                               capsys):
    model = tmp_path / "m.keras"
    inputs = keras.Input((16, 16, 3))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(model)
    images = _flat_test(tmp_path / "in", fov=True)
    status = main(["predict", str(model), "--images", str(images), "--out",
                   str(tmp_path / "out"), "--quiet"])
    out = " ".join(capsys.readouterr().out.split())
    assert status == 0
    assert "wrote 4 masks" in out
    assert ("left out 12 file(s) named as masks, in 3 sets: 4 ending _mask (e.g. "
            "01_test_mask.gif), 4 named {key}_manual1 (e.g. 01_manual1.gif) and 4 named "
            "{key}_manual2 (e.g. 01_manual2.gif)") in out
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    assert manifest["masks_left_out"] == [
        {"suffix": "_mask", "files": 4, "example": "01_test_mask.gif"},
        {"pattern": "{key}_manual1", "files": 4, "example": "01_manual1.gif"},
        {"pattern": "{key}_manual2", "files": 4, "example": "01_manual2.gif"}]
    assert sorted(record["image"] for record in manifest["files"]) == [
        f"{k}_test.tif" for k in TEST_KEYS]


def test_isic_superpixel_maps_are_left_out_as_what_they_are(tmp_path):
    """ISIC 2017 ships ``ISIC_0000000_superpixels.png`` beside each image and its
    ``_segmentation.png``: predict left both sets out (rightly) but called the superpixel maps
    'named as masks'; they are now named as superpixel maps."""
    rng = np.random.default_rng(0)
    mask = np.zeros((16, 16), np.uint8)
    mask[4:8] = 255
    for n in range(4):
        key = f"ISIC_{n:07d}"
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), np.uint8)).save(
            tmp_path / f"{key}.jpg")
        Image.fromarray(mask).save(tmp_path / f"{key}_segmentation.png")
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), np.uint8)).save(
            tmp_path / f"{key}_superpixels.png")
    listing = list_images(tmp_path)
    assert len(listing.images) == 4
    assert masks_line(listing.mask_sets) == (
        "left out 8 file(s) named as masks or superpixel maps, in 2 sets: 4 named "
        "{key}_segmentation (e.g. ISIC_0000000_segmentation.png) and 4 named "
        "{key}_superpixels, superpixel maps (e.g. ISIC_0000000_superpixels.png)")
    assert [mask_set.to_dict().get("holds") for mask_set in listing.mask_sets] == [
        None, "superpixel maps"]
