"""PASCAL VOC's split lists (issue 14, item 3): images in no segmentation list have no mask
by design, the lists are named, and the audit says its split is its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError


def voc(root: Path, segmented: int = 6, unsegmented: int = 12,
        listed_without_mask: int = 0) -> Path:
    """``root/VOC2012``: JPEGImages/ (every image), SegmentationClass/ (the first
    ``segmented`` less ``listed_without_mask``), ImageSets/Segmentation/{train,val,trainval}.txt
    naming the first ``segmented``."""
    base = root / "VOC2012"
    for folder in ("JPEGImages", "SegmentationClass", "ImageSets/Segmentation"):
        (base / folder).mkdir(parents=True)
    names = [f"2007_{number:06d}" for number in range(segmented + unsegmented)]
    pixels = np.zeros((8, 8), np.uint8)
    for number, name in enumerate(names):
        Image.fromarray(pixels).save(base / "JPEGImages" / f"{name}.jpg")
        if number < segmented - listed_without_mask:
            Image.fromarray(pixels, "P").save(base / "SegmentationClass" / f"{name}.png")
    listed = names[:segmented]
    lists = {"train": listed[: segmented - 2], "val": listed[segmented - 2:],
             "trainval": listed}
    for file, held in lists.items():
        (base / "ImageSets" / "Segmentation" / f"{file}.txt").write_text(
            "".join(f"{name}\n" for name in held))
    return base


def test_images_in_no_segmentation_list_are_no_missing_masks(tmp_path):
    base = voc(tmp_path)
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    assert len(result.pairs) == 6
    assert "pairing.missing_mask" not in found
    lists = found["pairing.split_lists"]
    assert lists.evidence["lists"] == {"train.txt": 4, "trainval.txt": 6, "val.txt": 2}
    assert lists.evidence["unpaired_unlisted"] == 12 and lists.evidence["paired_unlisted"] == 0
    assert ("ImageSets/Segmentation (below" in lists.explanation
            and "train.txt (4 names), trainval.txt (6 names, the others together) and val.txt "
            "(2 names)" in lists.explanation)
    assert "is its own" in lists.explanation


def test_an_image_a_list_names_without_a_mask_is_still_a_missing_mask(tmp_path):
    base = voc(tmp_path, listed_without_mask=1)
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    missing = found["pairing.missing_mask"]
    assert missing.evidence["missing_masks"] == 1
    assert missing.title == "1 of the 6 images named in ImageSets/Segmentation has no mask"
    assert missing.files == (str(base / "JPEGImages" / "2007_000005.jpg"),)
    assert found["pairing.split_lists"].evidence["unpaired_listed"] == 1


def test_the_root_refused_names_the_two_folders_and_the_lists(tmp_path):
    base = voc(tmp_path)
    with pytest.raises(UserError) as error:
        discover_pairs(base)
    message = str(error.value)
    assert f"--images {base / 'JPEGImages'} --masks {base / 'SegmentationClass'}" in message
    assert ("ImageSets/Segmentation holds train.txt (4 names), trainval.txt (6 names, the "
            "others together) and val.txt (2 names)") in message
    assert "it reads no list" in message


@pytest.mark.parametrize("given", ["JPEGImages", "SegmentationClass"])
def test_one_voc_folder_given_alone_names_both_folders_and_the_lists(tmp_path, given):
    base = voc(tmp_path)
    with pytest.raises(UserError) as error:
        discover_pairs(base / given)
    message = str(error.value)
    assert (f"PASCAL VOC's layout: pass --images {base / 'JPEGImages'} --masks "
            f"{base / 'SegmentationClass'} (ImageSets/Segmentation holds train.txt") in message
