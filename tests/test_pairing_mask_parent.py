"""DRIVE as distributed, with --masks given the parent of its folders (training/ holding
images/, 1st_manual/ and mask/): the error offered the images' own folder as the masks
("to train on one set, pass --masks training/images") and the field-of-view discs of mask/
as the other part of the object (session 29)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError


def _drive_like(root, count=6, side=48):
    yy, xx = np.mgrid[:side, :side]
    disc = (((yy - side / 2) ** 2 + (xx - side / 2) ** 2) < (side * 0.45) ** 2)
    rng = np.random.default_rng(0)
    for sub in ("images", "1st_manual", "mask"):
        (root / sub).mkdir(parents=True)
    for index in range(21, 21 + count):
        image = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
        Image.fromarray(image).save(root / "images" / f"{index}_training.tif")
        vessels = np.zeros((side, side), np.uint8)
        vessels[side // 2, 4 + index % 5:side - 4] = 255
        Image.fromarray(vessels).save(root / "1st_manual" / f"{index}_manual1.gif")
        Image.fromarray(disc.astype(np.uint8) * 255).save(
            root / "mask" / f"{index}_training_mask.gif")


def test_the_images_folder_and_field_of_view_discs_are_never_offered_as_masks(tmp_path):
    root = tmp_path / "training"
    _drive_like(root)
    with pytest.raises(UserError) as raised:
        discover_pairs(root / "images", root)
    message = str(raised.value)
    assert f"--masks {root / 'images'}" not in message
    assert "lung" not in message and "each hold masks" not in message
    assert f"--masks {root / '1st_manual'}" in message
