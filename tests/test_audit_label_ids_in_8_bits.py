"""Instance ids past 127 in an 8-bit file (objects numbered 1..140 in a PNG of mode L, as
instance-segmentation tools write them when fewer than 256 objects fit) were split at the 8-bit
midpoint: "128..140 are foreground; 0..127 are background", objects chosen by their number.
They are now read as 8-bit label numbers ("uint8_labels"), decoded empty by audit-data and
train alike, as the same ids in 16 bits are, with the same proposal. Two-level masks, JPEG
masks, grey-level classes, class maps below the midpoint, palettes and trimaps keep their
reading."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, finding, ids, write_mask_pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.policy import MaskPolicy

SIDE = 252
SLOT = 21  # 12 x 12 slots: room for 144 objects


def _objects(count: int, first: int = 1) -> np.ndarray:
    """``count`` discs numbered ``first`` .. in reading order, radii 2..8 by number, uint8."""
    labels = np.zeros((SIDE, SIDE), np.uint8)
    rows, columns = np.mgrid[0:SLOT, 0:SLOT]
    for offset in range(count):
        row, column = divmod(offset, SIDE // SLOT)
        disc = np.hypot(rows - SLOT // 2, columns - SLOT // 2) <= 2 + offset % 7
        labels[row * SLOT:(row + 1) * SLOT, column * SLOT:(column + 1) * SLOT][disc] = (
            first + offset)
    return labels


def test_8_bit_ids_past_127_decode_empty_and_propose_threshold_zero_first(tmp_path):
    # 110 objects (all below the midpoint) beside 131..140: one reading, no mixed scales
    report = audit_pairs(*write_mask_pairs(tmp_path, [_objects(count)
                                                      for count in (136, 131, 140, 110)]))
    assert finding(report, "mask.decodes_empty").severity.value == "error"
    label_map = finding(report, "mask.label_map")
    assert "are foreground" not in label_map.explanation
    assert "0..140 are background" in label_map.explanation
    assert label_map.fix.startswith("If every value but 0 is an object, pass "
                                    "--mask-threshold 0")
    assert "mask.mixed_scales" not in ids(report)
    every = audit_pairs(tmp_path / "images", tmp_path / "masks", MaskPolicy(threshold=0))
    assert "mask.decodes_empty" not in ids(every)
    assert "imbalance.empty_masks" not in ids(every)
    assert "mask.mixed_scales" not in ids(every)


def test_train_decodes_8_bit_ids_empty_and_records_the_label_map(tmp_path):
    from unetdiag.training.decoder import DecodeLog, decode_pair

    images, masks = write_mask_pairs(tmp_path, [_objects(136)])
    image, mask_path = str(images / "000.png"), str(masks / "000.png")
    log = DecodeLog()
    _, mask, _ = decode_pair(image, mask_path, channels=1, policy=MaskPolicy(), decode_log=log)
    assert not mask.any()
    assert log.label_maps[mask_path][-1] == 136
    _, every, _ = decode_pair(image, mask_path, channels=1, policy=MaskPolicy(threshold=0),
                              decode_log=DecodeLog())
    assert np.array_equal(every.astype(bool), _objects(136) > 0)


@settings(max_examples=30, deadline=None)
@given(count=st.integers(4, 60), first=st.integers(70, 127))
def test_any_numbered_objects_across_the_8_bit_midpoint_decode_empty(count, first):
    labels = _objects(count, first)
    if int(labels.max()) <= 127:
        return  # all below the midpoint: the 8-bit scale reads them alike
    inspected = inspect_mask_values(labels, "PNG", "L", MaskPolicy())
    assert inspected.encoding.scale == "uint8_labels"
    assert inspected.foreground_count() == 0
    every = inspect_mask_values(labels, "PNG", "L", MaskPolicy(threshold=0))
    assert every.foreground_count() == int(np.count_nonzero(labels))


def _bands(levels: tuple[int, ...], background: int = 0) -> np.ndarray:
    """A background and one wide band per value: classes, each a region with an inside."""
    plane = np.full((96, 96), background, np.uint8)
    width = 96 // (len(levels) + 1)
    for slot, level in enumerate(levels, 1):
        plane[4:-4, slot * width - width // 2:slot * width + width // 2 - 2] = level
    return plane


def _resized_disc() -> np.ndarray:
    rows, columns = np.mgrid[0:40, 0:40]
    disc = (np.hypot(rows - 20, columns - 20) <= 12).astype(np.uint8) * 255
    return np.asarray(Image.fromarray(disc).resize((97, 97), Image.Resampling.BILINEAR))


def _trimap() -> np.ndarray:
    plane = np.full((64, 64), 2, np.uint8)  # Oxford-IIIT Pet: 1 pet, 2 background, 3 border
    plane[10:50, 10:50] = 3
    plane[12:48, 12:48] = 1
    return plane


@pytest.mark.parametrize(("plane", "file_format", "mode", "scale"), [
    (_bands((255, 255)), "PNG", "L", "uint8"),  # 0/255
    (_resized_disc(), "PNG", "L", "uint8"),  # 0/255 resized bilinearly: rims, no regions
    (_resized_disc(), "JPEG", "L", "uint8"),  # JPEG's spread
    (_bands((85, 170, 255)), "PNG", "L", "uint8"),  # grey-level classes
    (_bands((126, 127, 128, 129)), "JPEG", "L", "uint8"),  # lossy: no numbers kept
    (_bands((1, 2, 3)), "PNG", "L", "uint8"),  # a class map 0/1/2/3
    (_bands((1, 2, 255)), "PNG", "L", "uint8"),  # classes with void 255
    (_bands((1, 2, 255)), "PNG", "P", "palette"),  # a palette with void 255
    (_trimap(), "PNG", "L", "uint8"),  # a Pet trimap
])
def test_other_8_bit_masks_keep_the_8_bit_scale(plane, file_format, mode, scale):
    inspected = inspect_mask_values(plane, file_format, mode, MaskPolicy())
    assert inspected.encoding.scale == scale
    if scale == "uint8":
        assert inspected.foreground_count() == int(np.count_nonzero(plane > 127))


def test_a_colour_mask_is_judged_by_its_colours_not_as_numbers():
    ids = _objects(136)
    # the brightest channel holds the ids (1..136 across the midpoint); the others differ
    colour = np.stack([ids, ids // 2, ids // 3], axis=-1)
    inspected = inspect_mask_values(colour, "PNG", "RGB", MaskPolicy())
    assert inspected.encoding.is_colour
    assert inspected.encoding.scale == "uint8"
