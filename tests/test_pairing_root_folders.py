"""A dataset root holding images/ and masks/ alone (ISBI 2012 and Kvasir-SEG as Kaggle
copies ship them) given as the dataset: read as the two folders when nothing else could be
meant, said in ``pairing.root_folders`` and recorded in the pairing rule (``data.json``,
report meta); refused, naming the folders to pass, wherever a choice remains."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError


def _dataset(root: Path, count: int = 6, masks: str = "masks") -> None:
    rng = np.random.default_rng(3)
    for folder in ("images", masks):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for n in range(count):
        Image.fromarray(rng.integers(0, 255, (24, 24), dtype=np.uint8)).save(
            root / "images" / f"{n}.png")
        mask = np.zeros((24, 24), np.uint8)
        mask[2 + n:8 + n, 3:12 + n] = 255
        Image.fromarray(mask).save(root / masks / f"{n}.png")


def test_a_root_of_images_and_masks_alone_is_read_as_the_two_folders(tmp_path):
    _dataset(tmp_path)
    (tmp_path / "SOURCE.md").write_text("ISBI 2012\n")
    result = discover_pairs(tmp_path)
    assert len(result.pairs) == 6
    assert (result.images_dir, result.masks_dir) == (tmp_path / "images", tmp_path / "masks")
    assert result.rule.to_dict()["root_folders"] == ["images", "masks"]
    finding = result.findings[0]
    assert finding.id == "pairing.root_folders"
    assert (f"{tmp_path} holds no image file and two folders, images/ and masks/, whose 6 "
            "images and 6 masks pair one to one by name: they were read as if given as "
            f"--images {tmp_path / 'images'} --masks {tmp_path / 'masks'}") in finding.explanation


def test_the_python_api_and_audit_data_read_the_root_alike(tmp_path):
    from unetdiag import audit

    _dataset(tmp_path)
    report = audit(tmp_path).report
    assert "pairing.root_folders" in {finding.id for finding in report.findings}
    assert report.meta["pairing"]["root_folders"] == ["images", "masks"]


@pytest.mark.parametrize("change", ["third folder", "orphan mask", "missing mask",
                                    "images named otherwise", "folder in the masks"])
def test_any_choice_left_keeps_the_refusal(tmp_path, change):
    """DRIVE's extra_fov_masks/ beside masks/ (which set holds the targets is the user's to
    say), a mask without its image or an image without its mask, a folder not named as
    images, folders inside masks/: the refusal stands, naming the folders to pass."""
    _dataset(tmp_path)
    assert discover_pairs(tmp_path).rule.root_folders == ("images", "masks")
    if change == "third folder":
        _dataset(tmp_path, masks="extra_fov_masks")
    elif change == "orphan mask":
        (tmp_path / "masks" / "0.png").rename(tmp_path / "masks" / "99.png")
    elif change == "missing mask":
        (tmp_path / "masks" / "0.png").unlink()
    elif change == "images named otherwise":
        (tmp_path / "images").rename(tmp_path / "photos")
    else:  # a second set inside masks/ (class folders, a copy of the images)
        _dataset(tmp_path / "masks", masks="benign")
    with pytest.raises(UserError, match="no images in"):
        discover_pairs(tmp_path)


def test_one_pair_is_counted_in_the_singular(tmp_path):
    """A root of one image stack and one mask stack (ISBI 2012's train-volume.tif and
    train-labels.tif put in images/ and masks/) holds one file each."""
    _dataset(tmp_path, count=1)
    (finding,) = [finding for finding in discover_pairs(tmp_path).findings
                  if finding.id == "pairing.root_folders"]
    assert "whose 1 image and 1 mask pair one to one" in finding.explanation
    assert finding.evidence["files_each"] == 1
