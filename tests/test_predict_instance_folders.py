"""predict on the Data Science Bowl 2018 layout that train and evaluate read
(``stage1_train/<id>/images/<id>.png``; ``stage1_test`` has no ``masks/``). Session 28's
scorecard: ``predict model --images stage1_train`` said "no images ... other than 0 mask
file(s)"."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from unetdiag.exitcodes import UserError
from unetdiag.training.predict import list_images


def _sample(root, sample_id, objects=0):
    (root / sample_id / "images").mkdir(parents=True)
    rgba = np.full((8, 8, 4), 255, np.uint8)
    Image.fromarray(rgba, "RGBA").save(root / sample_id / "images" / f"{sample_id}.png")
    if objects:
        (root / sample_id / "masks").mkdir()
        for index in range(objects):
            mask = np.zeros((8, 8), np.uint8)
            mask[index, index] = 255
            Image.fromarray(mask).save(root / sample_id / "masks" / f"m{index}.png")


def test_sample_folders_with_or_without_masks_are_predicted_image_by_image(tmp_path):
    root = tmp_path / "stage1_test"
    _sample(root, "b2c4", objects=2)
    _sample(root, "a1f3")  # the test set: no masks/ folder
    _sample(root, "c9d0", objects=1)
    images, masks = list_images(root)
    assert [path.name for path in images] == ["a1f3.png", "b2c4.png", "c9d0.png"]
    assert [path.parent.parent.name for path in images] == ["a1f3", "b2c4", "c9d0"]
    assert masks == []


def test_a_folder_of_folders_that_is_no_instance_layout_is_still_refused(tmp_path):
    for part in ("train", "val"):  # a split made in advance: images/ holds many images
        folder = tmp_path / "data" / part / "images"
        folder.mkdir(parents=True)
        for index in range(3):
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / f"{index}.png")
    with pytest.raises(UserError, match="no images"):
        list_images(tmp_path / "data")
