"""The hint a dataset's root folder (or a file where a folder is expected) gets, on small
imitations of the layouts public datasets ship: DRIVE, CamVid, the Weizmann horses, ISBI
2012's stacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError

SIDE = 48


def _refusal(images: Path, masks: Path | None = None) -> str:
    with pytest.raises(UserError) as caught:
        discover_pairs(images, masks)
    return str(caught.value)


def _drive(root: Path, count: int = 6) -> None:
    """DRIVE as distributed: images/21_training.tif, 1st_manual/21_manual1.gif (vessels),
    mask/21_training_mask.gif (the field-of-view disc, the same in every image)."""
    rows, cols = np.mgrid[:SIDE, :SIDE]
    disc = ((rows - SIDE / 2) ** 2 + (cols - SIDE / 2) ** 2 < (0.45 * SIDE) ** 2)
    for folder in ("images", "1st_manual", "mask"):
        (root / folder).mkdir(parents=True)
    rng = np.random.default_rng(0)
    for index in range(21, 21 + count):
        image = rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)
        Image.fromarray(image).save(root / "images" / f"{index}_training.tif")
        vessels = np.zeros((SIDE, SIDE), np.uint8)
        vessels[:, 5 + 3 * (index - 21)] = 255
        vessels[10 + 2 * (index - 21), :] = 255
        Image.fromarray(vessels * disc).save(root / "1st_manual" / f"{index}_manual1.gif")
        Image.fromarray(np.uint8(disc) * 255).save(root / "mask" / f"{index}_training_mask.gif")


def test_drive_root_never_offers_the_field_of_view_masks_as_targets(tmp_path):
    _drive(tmp_path / "training")
    message = _refusal(tmp_path / "training")
    assert f"--masks {tmp_path / 'training' / '1st_manual'}" in message
    assert f"--masks {tmp_path / 'training' / 'mask'}" not in message


def _files(folder: Path, names: list[str], mode: str = "RGB", values: int = 255) -> None:
    folder.mkdir(parents=True)
    rng = np.random.default_rng(len(names))
    for name in names:
        shape = (SIDE, SIDE, 3) if mode == "RGB" else (SIDE, SIDE)
        Image.fromarray(rng.integers(0, values + 1, shape, dtype=np.uint8)).save(folder / name)


def test_camvid_root_names_a_part_with_its_annotation_folder(tmp_path):
    names = [f"0001TP_00{index}.png" for index in range(4)]
    for part in ("train", "val", "test"):
        _files(tmp_path / part, names)
        _files(tmp_path / f"{part}annot", names, "L", 11)
    message = _refusal(tmp_path)
    assert (f"--images {tmp_path / 'train'} --masks {tmp_path / 'trainannot'}" in message)
    assert "give one folder at a time" not in message


def test_one_split_part_is_said_in_the_singular(tmp_path):
    _files(tmp_path / "train", ["a.png", "b.png"])
    _files(tmp_path / "train" / "nested", ["c.png"])
    (tmp_path / "notes").mkdir()
    message = _refusal(tmp_path)
    assert "train/ looks like part of a split already made" in message


def test_weizmann_horses_root_pairs_rgb_with_figure_ground_never_gray(tmp_path):
    names = [f"horse{index:03d}.jpg" for index in range(1, 5)]
    _files(tmp_path / "rgb", names)
    _files(tmp_path / "gray", names, "L")
    _files(tmp_path / "figure_ground", names, "L", 1)
    message = _refusal(tmp_path)
    assert (f"--images {tmp_path / 'rgb'} --masks {tmp_path / 'figure_ground'}" in message)
    assert f"--masks {tmp_path / 'gray'}" not in message


def test_tiff_stacks_given_as_files_are_told_to_pass_their_folder(tmp_path):
    frames = [Image.fromarray(np.full((SIDE, SIDE), value, np.uint8)) for value in (10, 200, 90)]
    frames[0].save(tmp_path / "train-volume.tif", save_all=True, append_images=frames[1:])
    labels = [Image.fromarray(np.uint8(np.eye(SIDE) * 255)) for _ in range(3)]
    labels[0].save(tmp_path / "train-labels.tif", save_all=True, append_images=labels[1:])
    message = _refusal(tmp_path / "train-volume.tif", tmp_path / "train-labels.tif")
    assert "multi-page TIFF stack (3 pages)" in message
    assert "pass the folder that holds it" in message and f"--images {tmp_path}," in message
    assert len(discover_pairs(tmp_path).pairs) == 3
