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
            "classes, several as more than one colour (1831 in 3 colours)"
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
