"""The label maps' outer border as evidence: the background is what fills it (an Oxford-IIIT
Pet close-up's animal can outweigh its background; after a loader's ``mask - 1`` the
background is 1, not 0), and a value far above the classes that forms one region touching
the border is offered as no-data or as an object, never claimed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import finding, ids
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.borders import border_counts, frame_candidate, frame_regions
from unetdiag.diag.audit.run import audit_dataset


def _pets(root: Path, pet: int, background: int, border: int, count: int = 8) -> float:
    """Trimaps of large animals (``pet`` inside a ``border`` band on ``background``),
    the animal covering more pixels than the background; returns the animal's share."""
    rng = np.random.default_rng(37)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:64, 0:64]
    held = 0
    for index in range(count):
        inside = ((rows - 32) / (26 + index % 3)) ** 2 + ((columns - 32) / 27) ** 2 <= 1
        band = (ndimage.binary_dilation(inside, iterations=1)
                & ~ndimage.binary_erosion(inside, iterations=1))
        labels = np.where(inside, pet, background).astype(np.uint8)
        labels[band] = border
        held += int((labels == pet).sum())
        Image.fromarray(labels).save(root / "masks" / f"p{index}.png")
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
            root / "images" / f"p{index}.png")
    return held / (count * 64 * 64)


def test_the_value_filling_the_border_is_the_background_though_0_is_held_everywhere(tmp_path):
    share = _pets(tmp_path, pet=0, background=1, border=2)  # the loaders' `mask - 1`
    assert share > 0.5  # the animal outweighs the background: pixel shares mislead
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["background"] == 1
    assert label.evidence["proposed_flags"] == "--foreground-values 0 --ignore-values 2"
    assert "fills 100 % of the masks' outer border" in label.explanation
    assert "0 holds more pixels" in label.explanation


def test_released_trimaps_with_large_pets_keep_2_as_the_background(tmp_path):
    _pets(tmp_path, pet=1, background=2, border=3)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["background"] == 2
    assert label.evidence["proposed_flags"] == "--foreground-values 1 --ignore-values 3"


def test_a_border_shared_by_several_values_decides_nothing():
    counts = border_counts(np.array([[7, 7, 1, 1], [3, 0, 0, 3], [3, 3, 2, 2]], np.uint8))
    assert counts == {1: 2, 2: 2, 3: 4, 7: 2}
    from unetdiag.diag.audit.labels import _background
    values = {7: [50, 4], 1: [10, 4], 2: [10, 4], 3: [10, 4]}
    assert _background(values, 4, counts) == 7  # no 60 % on the border: the commonest value


def test_frame_candidates_and_regions():
    assert frame_candidate({0: 5, 1: 5, 255: 5}) == 255
    assert frame_candidate({0: 5, 128: 5, 255: 5}) is None  # REFUGE's levels: no classes
    assert frame_candidate({255: 5}) is None
    tile = np.zeros((8, 8), np.uint8)
    tile[:, :3] = 255
    assert frame_regions(tile, 255) == (1, 0)
    tile[5, 6] = 255  # an object inside as well: no frame
    assert frame_regions(tile, 255) == (1, 1)


def test_255_inside_the_tiles_is_no_frame(tmp_path):
    """A class 255 drawn as objects away from the border is an object value, as before."""
    rng = np.random.default_rng(3)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[10:20, 10:20] = 1
        labels[28:38, 25 + index:35 + index] = 255
        Image.fromarray(labels).save(tmp_path / "masks" / f"t{index}.png")
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(
            tmp_path / "images" / f"t{index}.png")
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["frame"] is None
    assert label.evidence["proposed_flags"] == "--foreground-values 1,255"
    assert "no-data" not in label.explanation
    assert "mask.decodes_empty" not in ids(report)


def _framed_tiles(root: Path, image_under_frame) -> None:
    """Tiles 0/1 with 255 in a corner cut by a diagonal (an edge tile of a scene), the image
    there as ``image_under_frame(image, corner)`` leaves it."""
    rng = np.random.default_rng(11)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:48, 0:48]
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[20:30, 22 + index:32 + index] = 1
        corner = rows + columns < 20 + 2 * index
        labels[corner] = 255
        image = rng.integers(30, 256, (48, 48, 3), dtype=np.uint8)
        Image.fromarray(labels).save(root / "masks" / f"t{index}.png")
        Image.fromarray(image_under_frame(image, corner)).save(root / "images" / f"t{index}.png")


def _blacked(image: np.ndarray, corner: np.ndarray) -> np.ndarray:
    image[corner] = 0
    return image


def test_images_holding_one_fill_under_the_frame_side_with_no_data(tmp_path):
    _framed_tiles(tmp_path, _blacked)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    seen = label.evidence["frame_image"]
    assert seen["agrees"] and seen["values"] == [0.0] and seen["masks"] == 6
    assert seen["min_share"] == 1.0 and seen["max_outside"] == 0.0
    assert "The images side with no-data: under it each of the 6 images holds 0" in (
        label.explanation)
    assert "where the images hold 0 in every band" in report.headline
    assert "if it is no-data, as the images suggest" in report.headline
    # both readings stay offered: the images are evidence, the user decides
    assert label.evidence["reading_flags"] == ["--foreground-values 1 --ignore-values 255",
                                               "--foreground-values 1,255"]


def test_images_showing_a_picture_under_the_frame_leave_it_undecided(tmp_path):
    _framed_tiles(tmp_path, lambda image, corner: image)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["frame_image"]["agrees"] is False
    assert "The images do not decide it" in label.explanation
    assert "as the images suggest" not in report.headline
    assert "--ignore-values 255 if it is no-data or" in report.headline


def test_one_value_under_the_frame_that_fills_the_image_elsewhere_too_is_no_evidence(tmp_path):
    def dark(image: np.ndarray, corner: np.ndarray) -> np.ndarray:
        image[:40] = 0  # a dark photograph: 0 under the frame and over most of the rest
        return image
    _framed_tiles(tmp_path, dark)
    label = finding(audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1),
                    "mask.label_map")
    assert label.evidence["frame_image"]["max_outside"] > 0.5
    assert label.evidence["frame_image"]["agrees"] is False
