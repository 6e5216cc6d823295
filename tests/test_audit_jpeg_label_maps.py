"""Object numbers saved as JPEG (ids 1..140 in a mode-L JPEG): compression moves every region
off its number, so most values between the two ends lie inside regions, and mask.non_binary
said "the rest are spread through whole regions: soft labels, probability maps, or
photographs used as masks", none of which they are. It now says what the numbers are
consistent with, a label map among them for JPEG files."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, numbered_discs
from PIL import Image


def test_jpeg_object_numbers_are_named_among_the_causes(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for number in range(3):
        Image.fromarray(np.full((252, 252), 90, np.uint8)).save(images / f"{number}.png")
        Image.fromarray(numbered_discs(range(1, 141), radius=8)).save(
            masks / f"{number}.jpg", quality=90)
    non_binary = finding(audit_pairs(images, masks), "mask.non_binary")
    assert non_binary.evidence["share_on_edges"] < 0.5
    assert ("consistent with soft labels, probability maps, or photographs used as masks, or, "
            "in the 3 JPEG masks, with label maps (class or object numbers) whose regions "
            "JPEG compression moved off their numbers") in non_binary.explanation
