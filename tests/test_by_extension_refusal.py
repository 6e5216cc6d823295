"""A folder of JPEG images beside same-named lossless files that is not paired by extension
(issue 14): the "no image/mask pairs" error says that pairing by extension was tried, why it
did not apply (the first test failed) and how to pair the files anyway."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

STEMS = ("75", "128", "2345", "4033", "9881", "10000")


def _photos(folder, seed=0):
    rng = np.random.default_rng(seed)
    for stem in STEMS:
        photo = rng.integers(0, 256, (48, 64, 3)).astype(np.uint8)
        Image.fromarray(photo).save(folder / f"{stem}.jpg", quality=90)


def _refusal(folder) -> str:
    with pytest.raises(UserError, match="no image/mask pairs") as raised:
        discover_pairs(folder)
    return str(raised.value)


def _instance_maps(folder, objects: int, dtype=np.uint8):
    """0 and one number per object (1 .. objects), each object a 4x4 square."""
    for stem in STEMS:
        labels = np.zeros((48, 64), dtype)
        for number in range(1, objects + 1):
            row, column = divmod(number - 1, 12)
            labels[row * 5:row * 5 + 4, column * 5:column * 5 + 4] = number
        Image.fromarray(labels).save(folder / f"{stem}.png")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_label_maps_of_many_values_are_named_as_the_reason(tmp_path, dtype):
    """40 objects numbered 1 .. 40 hold 41 values: more than a mask is taken to hold when
    pairing by extension, so the folder is refused, and the error says so and names the way
    that pairs it (the PNGs in a folder of their own, given with --masks), which does."""
    _photos(tmp_path)
    _instance_maps(tmp_path, 40, dtype)
    said = _refusal(tmp_path)
    assert "pairing by extension was tried (6 names held by one JPEG and one .png file)" in said
    assert "holds 41 values, more than the 32" in said
    assert "move them to a folder of their own and give it with --masks" in said
    masks = tmp_path / "masks"  # what the error proposes pairs every file
    masks.mkdir()
    for stem in STEMS:
        (tmp_path / f"{stem}.png").rename(masks / f"{stem}.png")
    assert len(discover_pairs(tmp_path, masks).pairs) == len(STEMS)


def test_masks_of_another_size_are_named_as_the_reason(tmp_path):
    _photos(tmp_path)
    for stem in STEMS:
        Image.fromarray(np.zeros((24, 32), np.uint8)).save(tmp_path / f"{stem}.png")
    said = _refusal(tmp_path)
    assert "is 32x24 and 10000.jpg 64x48, where a mask has its image's size" in said


def test_colour_pictures_are_named_as_the_reason(tmp_path):
    _photos(tmp_path)
    rng = np.random.default_rng(1)
    for stem in STEMS:
        photo = rng.integers(0, 256, (48, 64, 3)).astype(np.uint8)
        Image.fromarray(photo).save(tmp_path / f"{stem}.png")
    assert "is in colour (its channels differ), as pictures and colour-coded masks are" in (
        _refusal(tmp_path))


def test_a_third_kind_of_file_is_named_as_the_reason(tmp_path):
    _photos(tmp_path)
    _instance_maps(tmp_path, 3)
    Image.fromarray(np.zeros((48, 64), np.uint8)).save(tmp_path / "notes.tif")
    said = _refusal(tmp_path)
    assert "the folder also holds 1 file neither JPEG nor .png (notes.tif)" in said
