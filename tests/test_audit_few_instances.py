"""Instance label images with few objects (session 31, issue 14): 0 background and one number
per object, 1 .. n with n at most 32 (Cellpose's ``_masks``, StarDist; MouseLand/cellpose#710:
"each pixel as background (represented by a 0), or as a cell label"). Small objects (nuclei of
radius 3-6) have little inside, so such masks failed the whole-region share under
``--mask-threshold 0`` and were called "soft labels, probability maps, or photographs"."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, findings_by_id, text, write_mask_pairs

from unetdiag.diag.data.policy import MaskPolicy

SOFT_WORDS = ("soft labels", "probability maps", "photographs used as masks",
              "intermediate values")


def nuclei(count: int, dtype, seed: int = 1) -> list[np.ndarray]:
    """``count`` masks of 10 to 30 discs of radius 3 to 6, numbered from 1 in each mask."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[:128, :128]
    masks = []
    for _ in range(count):
        labels = np.zeros((128, 128), dtype)
        for number in range(1, int(rng.integers(10, 31)) + 1):
            y, x = rng.integers(6, 122, size=2)
            labels[(rows - y) ** 2 + (columns - x) ** 2 < int(rng.integers(9, 37))] = number
        masks.append(labels)
    return masks


@pytest.mark.parametrize("dtype", [np.uint16, np.uint8])
def test_few_small_numbered_objects_under_threshold_0_are_label_maps_not_soft_masks(
        tmp_path, dtype):
    masks = nuclei(12, dtype)
    report = audit_pairs(*write_mask_pairs(tmp_path, masks), policy=MaskPolicy(threshold=0))
    found = findings_by_id(report)
    assert "mask.non_binary" not in found
    assert "mask.threshold_sensitive" not in found
    assert found["mask.label_map"].evidence["label_map_masks"] == 12
    assert not any(word in text(report) for word in SOFT_WORDS)
    assert found["imbalance.summary"].evidence["foreground_fraction"] == pytest.approx(
        np.mean([mask > 0 for mask in masks]))


def test_a_filled_object_with_an_antialiased_rim_is_still_no_label_map(tmp_path):
    """0/128/255 with 255 a filled disc and 128 its one-pixel rim: the disc alone has an
    inside, the rim none; the scale's top is not judged as an object number."""
    rows, columns = np.mgrid[:64, :64]
    masks = []
    for shift in range(8):
        distance = np.hypot(rows - 32, columns - 20 - 3 * shift)
        mask = np.where(distance < 12, 255, np.where(distance < 13, 128, 0)).astype(np.uint8)
        masks.append(mask)
    found = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))
    assert "mask.label_map" not in found


def test_a_blurred_mask_saved_with_8_grey_levels_is_no_label_map(tmp_path):
    """Two to four large blobs blurred (sigma 1.5) and saved with 8 grey levels (0, 36 ..
    252): the wider steps have an inside, so 4 of 12 masks were "label maps holding the
    values 0, 36, 72, 108, 144, 180, 216 and 252: a few whole numbers, each covering whole
    regions ... not grey levels or probabilities" (session 31's review). 72 % of their
    contacts join levels next to each other, as a gradient's steps do."""
    from scipy import ndimage

    rng = np.random.default_rng(1)
    rows, columns = np.mgrid[:128, :128]
    masks = []
    for _ in range(12):
        hard = np.zeros((128, 128))
        for _ in range(int(rng.integers(2, 5))):
            y, x = rng.integers(6, 122, size=2)
            hard[(rows - y) ** 2 + (columns - x) ** 2 < int(rng.integers(100, 300))] = 1
        masks.append((np.round(ndimage.gaussian_filter(hard, 1.5) * 7) * 36).astype(np.uint8))
    for policy in (MaskPolicy(), MaskPolicy(threshold=0)):
        found = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path / str(policy.threshold),
                                                             masks), policy=policy))
        assert "mask.label_map" not in found
        assert "mask.non_binary" in found


def test_layers_stacked_in_order_stay_a_label_map(tmp_path):
    """A retina's layers 0 .. 8 stacked down the image (each touching only the next, as a
    blurred mask's levels do) are bands with an inside, not a gradient's rings."""
    rows, columns = np.mgrid[:96, :128]
    masks = []
    for shift in range(12):
        top = 10 + shift + 3 * np.sin(columns / 15.0)
        layers = np.zeros((96, 128), np.uint8)
        for layer in range(1, 9):
            layers[rows > top + 8 * layer] = layer
        masks.append(layers)
    found = findings_by_id(audit_pairs(*write_mask_pairs(tmp_path, masks)))
    assert found["mask.label_map"].evidence["label_map_masks"] == 12
    assert "mask.non_binary" not in found
