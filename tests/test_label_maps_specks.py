"""Instance label images of dense small nuclei (issue 14): thousands of objects numbered 1, 2,
3 .., each a few pixels across, too small for any to have an inside. They are label maps
(one number per object, or classes), not "soft labels, probability maps, or photographs"."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import finding, ids
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.labelmaps import label_layout
from unetdiag.diag.data.policy import MaskPolicy


def _specks(seed: int, shape=(96, 96), side: int = 3, dtype=np.uint16) -> np.ndarray:
    """A ``side``-pixel square every 5 pixels where a coin comes up (4 in 5), numbered."""
    rng = np.random.default_rng(seed)
    labels = np.zeros(shape, dtype)
    number = 0
    for row in range(1, shape[0] - side, 5):
        for column in range(1, shape[1] - side, 5):
            if rng.random() < 0.8:
                number += 1
                labels[row:row + side, column:column + side] = number
    return labels


@pytest.mark.parametrize("dtype", [np.uint16, np.int32])
def test_dense_nuclei_of_a_few_pixels_are_a_label_map(tmp_path, dtype):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(4):
        Image.fromarray(np.full((96, 96), 90 + index, np.uint8)).save(images / f"{index}.png")
        Image.fromarray(_specks(index, dtype=dtype)).save(masks / f"{index}.tif")
    report = audit_dataset(images, masks, workers=1)
    assert "mask.non_binary" not in ids(report)  # "soft labels, probability maps, or photographs"
    assert "one number per object" in finding(report, "mask.label_map").explanation
    under_zero = audit_dataset(images, masks, workers=1, policy=MaskPolicy(threshold=0.0))
    assert not {"mask.decodes_empty", "mask.non_binary"} & ids(under_zero)
    # as many values, each held by a few pixels, that touch one another (a picture, a soft
    # mask) are no specks
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 2000, (96, 96)).astype(dtype)
    noise[rng.random((96, 96)) < 0.3] = 0
    layout = label_layout(inspect_mask_values(noise, "TIFF", "I;16", MaskPolicy()))
    assert layout is None or not layout.is_label_map


def test_specks_are_not_said_to_cover_whole_regions(tmp_path):
    """Each number held by a 3x3 speck has one pixel inside of nine: the explanation names
    them specks, not 'each covering whole regions'; label maps of regions keep those words."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(4):
        Image.fromarray(np.full((96, 96), 90 + index, np.uint8)).save(images / f"{index}.png")
        Image.fromarray(_specks(index)).save(masks / f"{index}.tif")
    said = finding(audit_dataset(images, masks, workers=1), "mask.label_map").explanation
    assert "each covering whole regions" not in said
    assert "too few to have an inside (numbered specks)" in said
    regions = tmp_path / "regions"
    regions.mkdir()
    for index in range(4):  # the same layout at twice the size: 6x6 squares, with an inside
        Image.fromarray(np.kron(_specks(index, shape=(48, 48)), np.ones((2, 2), np.uint16))
                        ).save(regions / f"{index}.tif")
    said = finding(audit_dataset(images, regions, workers=1), "mask.label_map").explanation
    assert "each covering whole regions" in said
