"""A class map stored as float32 whole numbers (a NIfTI or SimpleITK export) and resized
bilinearly gets mask.interpolated_labels as its uint8 copy does; before, the rim measure read
integer planes only and said nothing of it. Resized with nearest neighbour, or soft, nothing."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, ids
from PIL import Image
from test_audit_label_rims import _trimaps


def _float_pairs(root, maps: list[np.ndarray]):
    rng = np.random.default_rng(0)
    images, masks = root / "images", root / "masks"
    images.mkdir()
    masks.mkdir()
    for number, plane in enumerate(maps):
        Image.fromarray(rng.integers(0, 256, plane.shape, dtype=np.uint8)).save(
            images / f"{number:03d}.png")
        Image.fromarray(plane.astype(np.float32), "F").save(masks / f"{number:03d}.tif")
    return images, masks


def test_a_bilinear_float_class_map_names_its_rims_as_the_uint8_copy_does(tmp_path):
    report = audit_pairs(*_float_pairs(tmp_path, _trimaps(Image.Resampling.BILINEAR)))
    rims = finding(report, "mask.interpolated_labels")
    assert rims.evidence["rims"][0]["value"] == 2
    assert rims.evidence["rims"][0]["between"] == [1, 3]
    assert "consistent with a resize by interpolation" in rims.title


def test_a_nearest_float_class_map_has_no_rims(tmp_path):
    report = audit_pairs(*_float_pairs(tmp_path, _trimaps(Image.Resampling.NEAREST)))
    assert "mask.interpolated_labels" not in ids(report)


def test_train_says_which_value_of_a_float_class_map_lies_in_rims(tmp_path):
    from unetdiag.diag.checks.label_maps import threshold_on_label_maps
    from unetdiag.diag.data.policy import MaskPolicy

    maps = {}
    for index, plane in enumerate(_trimaps(Image.Resampling.BILINEAR, count=3)):
        path = tmp_path / f"{index}.tif"
        Image.fromarray(plane.astype(np.float32), "F").save(path)
        maps[str(path)] = [1, 2, 3]
    explanation = threshold_on_label_maps(maps, 3, MaskPolicy(), "data").explanation
    assert "2 also lies in thin rims between 1 and 3" in explanation


def test_only_finite_whole_floats_are_read_as_integers():
    from unetdiag.diag.data.label_rims import whole_number_plane

    assert whole_number_plane(np.array([[1.0, 3.0]], np.float32)).dtype.kind == "i"
    assert whole_number_plane(np.array([[1.0, np.nan]], np.float32)) is None
    assert whole_number_plane(np.array([[1.0, 2.5]], np.float32)) is None
    assert whole_number_plane(np.zeros((2, 2, 3), np.uint8)) is None
