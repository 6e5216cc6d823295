"""Mask folders a refusal proposes or describes (session 35): labelme2voc's visualisation
folders are never offered as masks; class folders naming different images are not parts of
one object; one folder per image holding a file per object is named, with the merge to do."""

from __future__ import annotations

import pytest
from helpers import touch_files

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.exitcodes import UserError


def test_a_labelme2voc_root_never_offers_its_visualisations_as_masks(tmp_path):
    """labelme2voc.py writes JPEGImages/, SegmentationClass/ (.npy), SegmentationClassPNG/
    and SegmentationClassVisualization/ (photographs tinted over the labels: "visualization
    images aren't needed for semantic segmentation", wkentaro/labelme#504)."""
    names = [f"2011_00000{index}.jpg" for index in range(3)]
    touch_files(tmp_path / "JPEGImages", *names)
    stems = [name[:-len(".jpg")] for name in names]
    touch_files(tmp_path / "SegmentationClass", *[f"{stem}.npy" for stem in stems])
    touch_files(tmp_path / "SegmentationClassPNG", *[f"{stem}.png" for stem in stems])
    touch_files(tmp_path / "SegmentationClassVisualization", *names)
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    message = str(caught.value)
    assert (f"--images {tmp_path / 'JPEGImages'} --masks {tmp_path / 'SegmentationClassPNG'}"
            in message)
    assert f"--masks {tmp_path / 'SegmentationClassVisualization'}" not in message


def test_mask_folders_of_different_images_are_not_called_parts_of_one_object(tmp_path):
    """Masks sorted into class folders (benign/, malignant/), each naming other images: the
    refusal called them parts of one object to merge (a left and a right lung) and offered
    one folder alone, which leaves half the images without a mask."""
    touch_files(tmp_path / "images", *(f"{n}.png" for n in range(6)))
    touch_files(tmp_path / "masks" / "benign", "0.png", "2.png", "4.png")
    touch_files(tmp_path / "masks" / "malignant", "1.png", "3.png", "5.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    message = str(caught.value)
    assert ("benign/ and malignant/ hold masks of different images (3 and 3 of 6, none in "
            "two)") in message
    assert "left and a right lung" not in message
    assert "alone leaves the other images without a mask" in message


def test_class_folders_of_uneven_sizes_are_all_named(tmp_path):
    """benign/ 6, malignant/ 4, normal/ 2 of 12 images (BUSI's classes are as uneven: 437,
    210 and 133): only benign/ reached half the images, so the refusal said "pass --masks
    .../benign", leaving 6 images without a mask."""
    touch_files(tmp_path / "images", *(f"{n}.png" for n in range(12)))
    touch_files(tmp_path / "masks" / "benign", *(f"{n}.png" for n in range(6)))
    touch_files(tmp_path / "masks" / "malignant", *(f"{n}.png" for n in range(6, 10)))
    touch_files(tmp_path / "masks" / "normal", "10.png", "11.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    message = str(caught.value)
    assert ("benign/, malignant/ and normal/ hold masks of different images (6, 4 and 2 of "
            "12, none in two)") in message
    assert not message.endswith(f"pass --masks {tmp_path / 'masks' / 'benign'}")


def test_one_mask_folder_per_image_holding_object_files_is_named(tmp_path):
    """The Data Science Bowl's per-object mask files moved out of their sample folders:
    masks/<stem>/object_<k>.png beside images/<stem>.png."""
    touch_files(tmp_path / "images", *(f"{n}.png" for n in range(4)))
    for n in range(4):
        touch_files(tmp_path / "masks" / str(n), "object_1.png", "object_2.png", "object_3.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    message = str(caught.value)
    assert ("4 folders in masks/ are named as the images (0/ holding 3 files: object_1.png, "
            "object_2.png, ...), consistent with one file per object or class") in message
    assert "merge each folder into one mask named as its image" in message
