"""0/1 masks saved with ``plt.imsave(path, mask)`` (matplotlib/matplotlib#24320: single-channel
arrays are colour-mapped): RGBA in viridis's two ends, (68, 1, 84) and (253, 231, 37). An
empty mask is written all (68, 1, 84): one value, not 0, beside the two-valued masks."""

from __future__ import annotations

import numpy as np
from helpers import finding
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset

LOW, HIGH = (68, 1, 84), (253, 231, 37)


def _imsave_like(mask: np.ndarray) -> Image.Image:
    rgba = np.full(mask.shape + (4,), 255, np.uint8)
    rgba[..., :3] = np.where(mask[..., None], np.uint8(HIGH), np.uint8(LOW))
    return Image.fromarray(rgba, "RGBA")


def test_an_empty_imsave_mask_beside_the_others_is_told_as_a_blank(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(6):
        mask = np.zeros((40, 50), bool)
        if index:  # mask 0 is empty
            mask[5 + index:20 + index, 10:30] = True
        Image.fromarray(np.full((40, 50), 100, np.uint8)).save(images / f"{index}.png")
        _imsave_like(mask).save(masks / f"{index}.png")
    said = finding(audit_dataset(images, masks, workers=1), "mask.threshold_sensitive")
    # it said "Such masks hold intermediate values (compression, interpolation, soft labels,
    # photographs)", none of which they are
    assert "intermediate values" not in said.explanation
    assert "5 of them hold two values only (84 and 253 in the worst" in said.explanation
    assert "1 more mask holds one value over the whole mask, not 0" in said.explanation
    assert "the policy in force as all background" in said.explanation
    assert said.severity.value == "info"  # the midpoint in force reads them apart


def test_an_empty_imsave_mask_beside_label_maps_is_told_as_a_blank(tmp_path):
    """Beside 0/1/2 maps saved with imsave (three colours, read as a colour-coded label map),
    the empty mask is the only one whose foreground depends on the threshold."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    middle = (32, 144, 140)
    for index in range(6):
        rgba = np.full((40, 50, 4), 255, np.uint8)
        rgba[..., :3] = LOW
        if index:  # mask 0 is empty
            rgba[5 + index:20 + index, 10:30, :3] = middle
            rgba[8 + index:17 + index, 13:27, :3] = HIGH
        Image.fromarray(np.full((40, 50), 100, np.uint8)).save(images / f"{index}.png")
        Image.fromarray(rgba, "RGBA").save(masks / f"{index}.png")
    said = finding(audit_dataset(images, masks, workers=1), "mask.threshold_sensitive")
    assert "intermediate values" not in said.explanation
    assert "It holds one value over the whole mask, not 0" in said.explanation
    assert said.severity.value == "info"


def test_a_one_valued_imsave_mask_is_not_said_to_be_empty_alone(tmp_path):
    """plt.imsave normalises a mask of one value to the colormap's low end whatever the value:
    a mask whose object covers every pixel is written as the empty one is, so the blank is
    told as either."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    plt.imsave(tmp_path / "empty.png", np.zeros((40, 50), np.uint8))
    plt.imsave(tmp_path / "full.png", np.ones((40, 50), np.uint8))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "empty.png")),
                          np.asarray(Image.open(tmp_path / "full.png")))
    for index in range(6):
        mask = np.zeros((40, 50), np.uint8)
        mask[5 + index:20 + index, 10:30] = 1
        Image.fromarray(np.full((40, 50), 100, np.uint8)).save(images / f"{index}.png")
        plt.imsave(masks / f"{index}.png", mask if index else np.ones_like(mask))
    said = finding(audit_dataset(images, masks, workers=1), "mask.threshold_sensitive")
    assert "an empty mask and one whose object covers every pixel are the same file" in (
        said.explanation)
    assert "consistent with an empty mask saved" not in said.explanation
    assert "Of the mask of one value: nothing to fix if it is empty" in said.fix
