"""Which scale a 16- or 32-bit mask holding only values within 0..255 is read on: class maps
saved as 8-bit grey levels (classes 1..3 as 85/170/255) are grey levels, decoded as the same
values in an 8-bit file are; a class map missing a class in some files is one scale; the
sparse object numbers of a tile stay on the container's scale."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, ids
from PIL import Image

from unetdiag.diag.data.mask_scales import recognised_scale

SIDE = 96


def _class_regions(levels: tuple[int, ...], dtype: type) -> np.ndarray:
    """Background 0 and one wide vertical band per class value: classes, each a region with
    an inside."""
    plane = np.zeros((SIDE, SIDE), dtype)
    width = SIDE // (len(levels) + 1)
    for slot, level in enumerate(levels, 1):
        plane[4:-4, slot * width - width // 2:slot * width + width // 2 - 2] = level
    return plane


@pytest.mark.parametrize("levels", [(85, 170, 255), (63, 126, 189, 252)])
def test_grey_level_classes_in_16_bits_read_as_in_8_bits(levels):
    wide = _class_regions(levels, np.uint16)
    high = max(levels)
    assert recognised_scale(wide, False, 0, high) == "uint8"
    assert recognised_scale(wide.astype(np.uint8), False, 0, high) == "uint8"


def test_grey_level_classes_in_16_bits_do_not_decode_empty(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(3)
    for index in range(4):
        Image.fromarray(_class_regions((85, 170, 255), np.uint16)).save(masks / f"{index}.png")
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE), dtype=np.uint8)).save(
            images / f"{index}.png")
    assert "mask.decodes_empty" not in ids(audit_pairs(images, masks))


def test_16_bit_class_maps_with_and_without_a_class_are_one_scale(tmp_path):
    """Classes 0/1/2/3 in 16 bits, class 3 absent from half the files (a slice without the
    tumour): files holding 0/1/2 were read on the 8-bit scale and the others on the 16-bit
    one, and mask.mixed_scales said the masks were stored on two scales."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(5)
    for index in range(6):
        levels = (1, 2, 3) if index % 2 else (1, 2)
        Image.fromarray(_class_regions(levels, np.uint16)).save(masks / f"{index}.png")
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE), dtype=np.uint8)).save(
            images / f"{index}.png")
    assert "mask.mixed_scales" not in ids(audit_pairs(images, masks))


def test_sparse_ids_of_a_tile_stay_on_the_container_scale():
    """A tile of an instance map numbered in reading order holds ids a few apart (its row's
    other tiles hold those between): object numbers, on the 16-bit scale, not grey levels."""
    tile = _class_regions(tuple(range(131, 200, 4))[:5], np.uint16)
    assert recognised_scale(tile, False, 0, int(tile.max())) == "uint16"
