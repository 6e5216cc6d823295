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
        listed_without_mask: int = 0, written: str = "{}", bom: bool = False) -> Path:
    """``root/VOC2012``: JPEGImages/ (every image), SegmentationClass/ (the first
    ``segmented`` less ``listed_without_mask``), ImageSets/Segmentation/{train,val,trainval}.txt
    naming the first ``segmented``, each name written as ``written`` formats it (with a UTF-8
    byte-order mark when ``bom``)."""
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
            "\ufeff" * bom + "".join(written.format(name) + "\n" for name in held),
            encoding="utf-8")
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
    # a list shows only that an image is not in it, not that it is unsegmented by design
    assert "consistent with PASCAL VOC's detection and classification images" in (
        lists.explanation)
    assert "not masks gone missing" not in lists.explanation


def test_an_image_a_list_names_without_a_mask_is_still_a_missing_mask(tmp_path):
    base = voc(tmp_path, listed_without_mask=1)
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    missing = found["pairing.missing_mask"]
    assert missing.evidence["missing_masks"] == 1
    assert missing.title == "1 of the 6 images named in ImageSets/Segmentation has no mask"
    assert missing.files == (str(base / "JPEGImages" / "2007_000005.jpg"),)
    assert found["pairing.split_lists"].evidence["unpaired_listed"] == 1


@pytest.mark.parametrize(("written", "bom"), [("{}.jpg", False), ("JPEGImages/{}.jpg", False),
                                              ("{}", True)])
def test_names_written_with_extension_folder_or_a_byte_order_mark_are_the_images(
        tmp_path, written, bom):
    base = voc(tmp_path, listed_without_mask=2, written=written, bom=bom)
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    assert found["pairing.missing_mask"].evidence["missing_masks"] == 2
    assert found["pairing.missing_mask"].files == tuple(
        str(base / "JPEGImages" / f"2007_00000{number}.jpg") for number in (4, 5))
    lists = found["pairing.split_lists"].evidence
    assert lists["paired_unlisted"] == 0 and lists["unpaired_listed"] == 2
    assert lists["lists_match_files"] is True


def test_lists_naming_none_of_the_paired_images_excuse_no_missing_mask(tmp_path):
    base = voc(tmp_path, written="other_{}")
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    assert found["pairing.missing_mask"].evidence["missing_masks"] == 12
    lists = found["pairing.split_lists"]
    assert lists.evidence["lists_match_files"] is False
    assert "0 of the 6 paired images are named in them" in lists.explanation
    assert ("train.txt names 'other_2007_000000', a paired image is '2007_000000.jpg'): their "
            "names do not match the files' names") in lists.explanation
    assert "all 12 stay missing masks (pairing.missing_mask)" in lists.explanation
    assert "consistent with PASCAL VOC" not in lists.explanation


def test_lists_naming_few_of_the_paired_images_excuse_no_missing_mask(tmp_path):
    base = voc(tmp_path, segmented=6)
    for number in range(6, 18):  # masks of the unlisted images, as a folder of other masks
        Image.fromarray(np.zeros((8, 8), np.uint8), "P").save(
            base / "SegmentationClass" / f"2007_{number:06d}.png")
    (base / "JPEGImages" / "extra.jpg").write_bytes(
        (base / "JPEGImages" / "2007_000000.jpg").read_bytes())
    result = discover_pairs(base / "JPEGImages", base / "SegmentationClass")
    found = {finding.id: finding for finding in result.findings}
    assert found["pairing.missing_mask"].evidence["missing_masks"] == 1
    assert found["pairing.split_lists"].evidence["lists_match_files"] is False
    assert "most of them are not the files' names" in found["pairing.split_lists"].explanation


def test_the_root_refused_names_the_two_folders_and_the_lists(tmp_path):
    base = voc(tmp_path)
    with pytest.raises(UserError) as error:
        discover_pairs(base)
    message = str(error.value)
    assert f"--images {base / 'JPEGImages'} --masks {base / 'SegmentationClass'}" in message
    assert ("ImageSets/Segmentation holds train.txt (4 names), trainval.txt (6 names, the "
            "others together) and val.txt (2 names)") in message
    assert ("it reads the lists only to judge which images without a mask are missing masks "
            "and takes no split from them") in message


@pytest.mark.parametrize("given", ["JPEGImages", "SegmentationClass"])
def test_one_voc_folder_given_alone_names_both_folders_and_the_lists(tmp_path, given):
    base = voc(tmp_path)
    with pytest.raises(UserError) as error:
        discover_pairs(base / given)
    message = str(error.value)
    assert (f"PASCAL VOC's layout: pass --images {base / 'JPEGImages'} --masks "
            f"{base / 'SegmentationClass'} (ImageSets/Segmentation holds train.txt") in message
    assert "unetdiag reads them to judge missing masks and takes no split from them)" in message
    assert "reads no list" not in message
