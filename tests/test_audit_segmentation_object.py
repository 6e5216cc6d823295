"""PASCAL VOC's and CVAT's ``SegmentationObject`` masks passed as the masks (session 31): palette
PNGs numbering the objects of each image 1, 2, 3 .. (VOC draws its 255 void band round them;
cvat-ai/cvat#2032: "I get two folders: SegmentationClass and SegmentationObject"). The audit
called the indices "(6 classes)" that "a binary model merges into one class"; they number
objects, differently in each image."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, findings_by_id, write_mask_pairs
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.run import audit_dataset


def voc_palette() -> list[int]:
    palette = []
    for index in range(256):
        red = green = blue = 0
        code = index
        for bit in range(8):
            red |= (code & 1) << (7 - bit)
            green |= ((code >> 1) & 1) << (7 - bit)
            blue |= ((code >> 2) & 1) << (7 - bit)
            code >>= 3
        palette += [red, green, blue]
    return palette


def palette_masks(tmp_path, labels: list[np.ndarray]):
    images, masks = tmp_path / "JPEGImages", tmp_path / "SegmentationObject"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(0)
    for number, label in enumerate(labels):
        stem = f"2007_{number:06d}"
        Image.fromarray(rng.integers(0, 256, label.shape, dtype=np.uint8)).save(
            images / f"{stem}.png")
        mask = Image.fromarray(label, "P")
        mask.putpalette(voc_palette())
        mask.save(masks / f"{stem}.png")
    return findings_by_id(audit_dataset(images, masks, workers=1))["mask.label_map"]


def objects(values_per_mask: list[list[int]], band: bool) -> list[np.ndarray]:
    rows, columns = np.mgrid[:64, :96]
    labels = []
    for values in values_per_mask:
        label = np.zeros((64, 96), np.uint8)
        for place, value in enumerate(values):
            label[(rows - 20 - 24 * (place % 2)) ** 2 + (columns - 12 - 14 * place) ** 2
                  < 36] = value
        if band:
            label[ndimage.morphological_gradient(label, size=3) > 0] = 255
        labels.append(label)
    return labels


def test_objects_numbered_in_each_image_are_not_called_classes(tmp_path):
    counts = [1, 3, 2, 5, 4, 6, 2, 3, 5, 4]
    for band in (False, True):
        label_map = palette_masks(tmp_path / str(band), objects(
            [list(range(1, count + 1)) for count in counts], band))
        assert "classes) are all foreground" not in label_map.explanation
        assert "numbers its regions 1 .. k with no gap" in label_map.explanation


def test_class_indices_with_gaps_are_still_classes(tmp_path):
    """SegmentationClass: cat 8, dog 12, person 15 (a fixed set, numbers with gaps)."""
    label_map = palette_masks(tmp_path, objects([[8, 15], [12], [8, 12, 15], [15, 8]] * 3,
                                                band=True))
    assert "numbers its regions" not in label_map.explanation
    assert "(3 classes) are all foreground" in label_map.explanation


def test_colours_held_by_one_mask_each_are_segment_numbers_not_classes(tmp_path):
    """COCO panoptic's PNGs (cocodataset/panopticapi: id = R + 256 G + 256^2 B, one id per
    segment of each image) passed as the masks: "Each colour is a class" and a colour-to-
    class lookup as the fix (session 31); no colour recurs from image to image."""
    rng = np.random.default_rng(2)
    rows, columns = np.mgrid[:48, :64]
    masks = []
    for _ in range(8):
        segments = np.zeros((48, 64, 3), np.uint8)
        segments[:, 2:] = rng.integers(1, 256, 3)  # stuff behind, black unlabelled strip
        for place in range(int(rng.integers(2, 6))):
            disc = (rows - 14 - 20 * (place % 2)) ** 2 + (columns - 8 - 12 * place) ** 2 < 30
            segments[disc] = rng.integers(1, 256, 3)
        masks.append(segments)
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))["mask.label_map"]
    assert "Each colour is a class" not in label_map.explanation
    assert "colours besides black are held by one mask only" in label_map.explanation
    assert "draw binary masks from the segments' categories" in label_map.fix


def test_colours_of_a_class_palette_too_many_to_recur_are_not_called_segment_numbers(tmp_path):
    """Six scenes coloured from one fixed palette of 150 classes (as ADE20K's or a
    labelling tool's class colours), six classes each: no colour recurs in six masks, and the
    audit had said "colours that do not recur from image to image number the segments of each
    image (as COCO panoptic's PNGs do), not classes" of class colours (session 31's
    review). Both readings are named, and the fix for each."""
    palette = np.random.default_rng(99).integers(1, 256, (151, 3)).astype(np.uint8)
    rng = np.random.default_rng(1)
    rows, columns = np.mgrid[:48, :64]
    masks = []
    for scene in np.arange(1, 151).reshape(6, 25):  # kitchens, beaches, streets ..
        classes = rng.choice(scene, 6, replace=False)
        mask = np.zeros((48, 64, 3), np.uint8)
        mask[:, 2:] = palette[classes[0]]
        for place, kind in enumerate(classes[1:]):
            mask[(rows - 14 - 20 * (place % 2)) ** 2 + (columns - 8 - 10 * place) ** 2
                 < 30] = palette[kind]
        masks.append(mask)
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))["mask.label_map"]
    assert "not classes" not in label_map.explanation
    assert "36 of the 36 colours besides black are held by one mask only (of 6)" in (
        label_map.explanation)
    assert "or with classes too many for 6 masks to repeat" in label_map.explanation
    assert "If each colour is a class, convert the masks" in label_map.fix


def test_three_panoptic_masks_are_not_told_each_colour_is_a_class(tmp_path):
    """Three COCO-panoptic-like masks (a colour per segment, none recurring): below the five
    masks the reading needed, the audit said "Each colour is a class" and a colour-to-class
    lookup as the only fix (session 31's review); both readings are consistent with them."""
    rng = np.random.default_rng(2)
    rows, columns = np.mgrid[:48, :64]
    masks = []
    for _ in range(3):
        segments = np.zeros((48, 64, 3), np.uint8)
        segments[:, 2:] = rng.integers(1, 256, 3)
        for place in range(int(rng.integers(2, 6))):
            disc = (rows - 14 - 20 * (place % 2)) ** 2 + (columns - 8 - 12 * place) ** 2 < 30
            segments[disc] = rng.integers(1, 256, 3)
        masks.append(segments)
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))["mask.label_map"]
    assert "Each colour is a class" not in label_map.explanation
    assert "held by one mask only (of 3): consistent with colours that number the segments" in (
        label_map.explanation)
    assert "draw binary masks from the segments' categories" in label_map.fix
