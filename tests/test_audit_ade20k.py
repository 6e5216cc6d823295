"""ADE20K's full-release encoding (session 29): the class in red and green (class =
R / 10 * 256 + G), each object instance numbered in blue (CSAILVision/ADE20K#14). A class
drawn as several instances is several colours sharing a red channel; the audit had said
"Each colour is a class"."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, findings_by_id, write_mask_pairs

from unetdiag.diag.synth.colour_label_corruptions import (
    ADE20K_PERSON,
    ADE20K_WALL,
    ade20k_colour,
)


def scenes(count: int = 8) -> list[np.ndarray]:
    """Sky over a wall over a floor, with two or three people (one instance each)."""
    rng = np.random.default_rng(2)
    masks = []
    for _ in range(count):
        classes = np.full((64, 80), ADE20K_WALL, np.int64)
        instances = np.ones((64, 80), np.int64)
        classes[:16], instances[:16] = 2420, 2  # sky
        classes[52:], instances[52:] = 976, 3  # floor
        for number in range(int(rng.integers(2, 4))):
            column = 8 + 24 * number + int(rng.integers(0, 6))
            classes[20:50, column:column + 8] = ADE20K_PERSON
            instances[20:50, column:column + 8] = 4 + number
        masks.append(ade20k_colour(classes, instances.astype(np.uint8)))
    return masks


def test_ade20k_colours_are_read_as_classes_and_instances_not_one_class_each(tmp_path):
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, scenes())))[
        "mask.label_map"]
    assert label_map.evidence["ade20k_classes"] == {976: 1, ADE20K_PERSON: 3, 2420: 1,
                                                    ADE20K_WALL: 1}
    assert "Each colour is a class" not in label_map.explanation
    assert ("consistent with the encoding of ADE20K's full release (class = R / 10 * 256 + "
            "G, the blue channel numbering each object instance): read so, they hold 4 "
            "classes, one as more than one colour (1831 in 3 colours)"
            ) in label_map.explanation
    assert "class = R // 10 * 256 + G" in label_map.fix


def test_colours_whose_red_is_no_multiple_of_10_are_no_ade20k_claim(tmp_path):
    masks = [np.where(mask == 0, mask, mask + 1).astype(np.uint8) for mask in scenes()]
    for mask in masks:
        mask[..., 0] |= 1  # reds 1, 71, 111: odd, no multiple of 10
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))[
        "mask.label_map"]
    assert label_map.evidence["ade20k_classes"] is None
    assert "ADE20K" not in label_map.explanation


def _discs(colours: list[tuple[int, int, int]], count: int = 8) -> list[np.ndarray]:
    """Black masks holding one disc of each colour, the discs apart."""
    rows, columns = np.mgrid[:64, :96]
    masks = []
    for shift in range(count):
        mask = np.zeros((64, 96, 3), np.uint8)
        for number, colour in enumerate(colours):
            centre = (20 + 24 * (number % 2) + shift % 3, 16 + 22 * number)
            mask[(rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 < 81] = colour
        masks.append(mask)
    return masks


def test_a_pure_blue_class_on_black_is_no_ade20k_instance(tmp_path):
    """Review of session 29: black/green/blue (cells and nuclei), black/green/cyan/blue and
    Cityscapes' car (0, 0, 142) and truck (0, 0, 70) beside building and sky on void black
    had been read as ADE20K, class 0 'in 2 colours', the fix merging the blue class into 0.
    Class 0 sharing colours is no evidence; each colour stays a class."""
    palettes = {"bgb": [(0, 255, 0), (0, 0, 255)],
                "gcb": [(0, 255, 0), (0, 255, 255), (0, 0, 255)],
                "cityscapes": [(0, 0, 142), (0, 0, 70), (70, 70, 70), (70, 130, 180)]}
    for name, colours in palettes.items():
        label_map = findings_by_id(audit_pairs(*write_mask_pairs(
            tmp_path / name, _discs(colours))))["mask.label_map"]
        assert label_map.evidence["ade20k_classes"] is None, name
        assert "ADE20K" not in label_map.explanation + label_map.fix, name
        assert "Each colour is a class" in label_map.explanation, name


def test_one_instance_on_its_background_is_read_apart_by_the_midpoint_in_force(tmp_path):
    """A two-colour ADE20K mask (a person on a wall: brightest channels 70 and 162): the
    midpoint in force splits the two, only `> 0` reads every pixel as object, so the
    threshold finding is no warning (it was one, as if the masks depended on a choice)."""
    masks = []
    for shift in range(8):
        classes = np.full((64, 80), ADE20K_WALL, np.int64)
        instances = np.ones((64, 80), np.uint8)
        classes[20:50, 8 + 5 * shift:20 + 5 * shift] = ADE20K_PERSON
        instances[20:50, 8 + 5 * shift:20 + 5 * shift] = 2
        masks.append(ade20k_colour(classes, instances))
    sensitive = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))[
        "mask.threshold_sensitive"]
    assert sensitive.severity.value == "info"
    assert "two values only (70 and 162 in the worst" in sensitive.explanation
    assert "the midpoint in force (127.5) reads them apart" in sensitive.explanation
    assert "binarise with `> 0`, save" in sensitive.fix


def test_classes_below_256_with_red_0_everywhere_are_read_as_ade20k(tmp_path):
    """ADE20K classes below 256 store red 0: the reading needed some red above 0, so three
    people (class 12 in blues 3, 4, 5) were "Each colour is a class"."""
    rng = np.random.default_rng(2)
    masks = []
    for _ in range(8):
        classes = np.full((64, 80), 150, np.int64)
        instances = np.ones((64, 80), np.int64)
        classes[:16], instances[:16] = 200, 2
        for number in range(int(rng.integers(2, 4))):
            column = 8 + 24 * number + int(rng.integers(0, 6))
            classes[20:50, column:column + 8] = 12
            instances[20:50, column:column + 8] = 3 + number
        masks.append(ade20k_colour(classes, instances.astype(np.uint8)))
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))[
        "mask.label_map"]
    assert label_map.evidence["ade20k_classes"] == {12: 3, 150: 1, 200: 1}
    assert "Each colour is a class" not in label_map.explanation
    assert "one as more than one colour (12 in 3 colours)" in label_map.explanation


def test_a_palette_with_red_0_whose_blues_repeat_across_classes_is_no_ade20k_claim(tmp_path):
    # green and cyan share green 255 (one "class" in two colours), azure another class; cyan
    # and azure share the blue 255 in every mask: channel levels of a palette, no instances
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, _discs(
        [(0, 255, 0), (0, 255, 255), (0, 128, 255)]))))["mask.label_map"]
    assert label_map.evidence["ade20k_classes"] is None
    assert "Each colour is a class" in label_map.explanation


def test_red_0_everywhere_names_the_palette_it_cannot_be_told_from(tmp_path):
    """Green, cyan and teal (red 0, no blue shared by two classes in a mask) meet the red-0
    reading: it said "so a colour is an instance, not a class" and its fix merged green and
    cyan, where a palette of three classes reads the same."""
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, _discs(
        [(0, 255, 0), (0, 255, 255), (0, 128, 128)]))))["mask.label_map"]
    assert label_map.evidence["ade20k_classes"] == {0: 1, 128: 1, 255: 2}
    assert "so a colour is an instance" not in label_map.explanation
    assert "the values alone cannot tell which" in label_map.explanation
    assert "if each colour is a class, convert them to one class number" in label_map.fix


def test_classes_above_255_keep_the_ade20k_reading_unhedged(tmp_path):
    label_map = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, scenes())))[
        "mask.label_map"]
    assert "so a colour is an instance, not a class" in label_map.explanation
    assert label_map.fix.startswith("Convert the masks to class numbers as ADE20K's")


def test_two_colour_masks_mostly_one_colour_are_no_inverted_polarity(tmp_path):
    """A person on a wall (brightest channels 70 and 162), the wall most of each mask: the
    decoder reads the wall as foreground by its green, which is no polarity anyone stored
    (session 31); the headline had said "Possible inverted polarity". Black beside a colour
    keeps the polarity reading (black is the background by convention)."""
    masks = []
    for shift in range(12):
        classes = np.full((64, 80), ADE20K_WALL, np.int64)
        instances = np.ones((64, 80), np.uint8)
        classes[10:60, 8 + 2 * shift:20 + 3 * shift] = ADE20K_PERSON
        instances[10:60, 8 + 2 * shift:20 + 3 * shift] = 2
        masks.append(ade20k_colour(classes, instances))
    report = audit_pairs(*write_mask_pairs(tmp_path / "ade", masks))
    mostly = findings_by_id(report)["imbalance.mostly_foreground"]
    assert "inverted polarity" not in report.headline + mostly.explanation
    assert "binarised" not in mostly.explanation
    assert mostly.evidence["two_levels"] == [70, 162]
    assert report.headline.startswith("12 of 12 masks are more than half foreground as read")
    assert "reads those at 162 as the object; if the object is at 70, decode with " \
        "--mask-polarity dark" in report.headline
    red_on_black = [np.where(mask[..., :1] == 110, np.uint8(200), np.uint8(0)) * np.array(
        [1, 0, 0], np.uint8) for mask in masks]
    report = audit_pairs(*write_mask_pairs(tmp_path / "red", red_on_black))
    assert report.headline.startswith("Possible inverted polarity")
