"""Object numbers within 0..255 stored in 16 or 32 bits (instance ids 1..136 in a uint16 PNG or
TIFF, as skimage.io.imsave and tifffile save Cellpose's, StarDist's and the Data Science
Bowl's instance masks) were read on the 8-bit scale, whose midpoint made objects 128..136
foreground and 1..127 background by their number; they are now read on their container's
scale, decoded empty as the same objects numbered 1,000.. or 70,001.. are, with the same
proposal. Instance maps numbered as a gapless run in every file (1.. or 70,001..), which
repeat their first numbers across the files as classes do, get --mask-threshold 0 first."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, finding
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.policy import MaskPolicy

SIDE = 252
SLOT = 21  # 12 x 12 slots: room for 144 objects


def _objects(count: int, first: int, dtype: type) -> np.ndarray:
    """``count`` discs numbered ``first`` .. in reading order, radii 2..8 by number (cells of
    different sizes: each number covers a very different share of its mask)."""
    labels = np.zeros((SIDE, SIDE), dtype)
    rows, columns = np.mgrid[0:SLOT, 0:SLOT]
    for offset in range(count):
        row, column = divmod(offset, SIDE // SLOT)
        radius = 2 + offset % 7
        disc = np.hypot(rows - SLOT // 2, columns - SLOT // 2) <= radius
        window = labels[row * SLOT:(row + 1) * SLOT, column * SLOT:(column + 1) * SLOT]
        window[disc] = first + offset
    return labels


def _instance_maps(root, first: int, dtype: type, suffix: str) -> tuple:
    rng = np.random.default_rng(7)
    images, masks = root / "images", root / "masks"
    images.mkdir()
    masks.mkdir()
    for index, count in enumerate((136, 131, 140, 128)):
        Image.fromarray(_objects(count, first, dtype)).save(masks / f"{index}{suffix}")
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE), dtype=np.uint8)).save(
            images / f"{index}.png")
    return images, masks


@pytest.mark.parametrize(("first", "dtype", "suffix"), [
    (1, np.uint16, ".png"),  # ids 1..140 in 16 bits: main read 128..140 as foreground
    (70001, np.int32, ".tif"),  # the same run offset: main proposed --foreground-values
])
def test_instance_ids_decode_empty_and_propose_threshold_zero_first(tmp_path, first, dtype,
                                                                    suffix):
    report = audit_pairs(*_instance_maps(tmp_path, first, dtype, suffix))
    assert finding(report, "mask.decodes_empty").severity.value == "error"
    label_map = finding(report, "mask.label_map")
    assert "are foreground" not in label_map.explanation
    assert label_map.fix.startswith("If every value but 0 is an object, pass "
                                    "--mask-threshold 0")
    assert f"as a run from {first} with no gap" in label_map.explanation
    assert "consistent with one number per object" in label_map.explanation
    assert label_map.evidence["numbered_runs"] is True


def test_train_decodes_16_bit_ids_empty_and_records_the_label_map(tmp_path):
    from unetdiag.training.decoder import DecodeLog, decode_pair

    images, masks = _instance_maps(tmp_path, 1, np.uint16, ".png")
    log = DecodeLog()
    _, mask, _ = decode_pair(str(images / "0.png"), str(masks / "0.png"), channels=1,
                             policy=MaskPolicy(), decode_log=log)
    assert not mask.any()
    assert log.label_maps[str(masks / "0.png")][-1] == 136
    _, every, _ = decode_pair(str(images / "0.png"), str(masks / "0.png"), channels=1,
                              policy=MaskPolicy(threshold=0), decode_log=DecodeLog())
    assert np.array_equal(every.astype(bool), _objects(136, 1, np.uint16) > 0)


def _resized_disc(dtype: type, top: int) -> np.ndarray:
    """A 0/top disc resized bilinearly: in-between values in a rim a pixel or two wide."""
    rows, columns = np.mgrid[0:40, 0:40]
    disc = (np.hypot(rows - 20, columns - 20) <= 12).astype(np.float32) * top
    image = Image.fromarray(disc, "F").resize((97, 97), Image.Resampling.BILINEAR)
    return np.rint(np.asarray(image)).astype(dtype)


def _two_levels(dtype: type, top: int) -> np.ndarray:
    mask = np.zeros((40, 40), dtype)
    mask[8:30, 5:25] = top
    mask[30:36, 30:38] = top
    return mask


@pytest.mark.parametrize(("plane", "file_format", "mode", "scale", "foreground"), [
    (_two_levels(np.uint8, 255), "PNG", "L", "uint8", 488),
    (_two_levels(np.uint8, 1), "PNG", "L", "binary", 488),
    (_two_levels(np.uint16, 65535), "PNG", "I;16", "uint16", 488),
    (_two_levels(np.uint16, 255), "PNG", "I;16", "uint8", 488),
    (_resized_disc(np.uint16, 255), "TIFF", "I;16", "uint8", None),
    (_resized_disc(np.uint8, 255), "JPEG", "L", "uint8", None),
])
def test_two_level_masks_keep_their_scale(plane, file_format, mode, scale, foreground):
    inspected = inspect_mask_values(plane, file_format, mode, MaskPolicy())
    assert inspected.encoding.scale == scale
    expected = foreground if foreground is not None else int(np.count_nonzero(plane > 127))
    assert inspected.foreground_count() == expected


@given(count=st.integers(4, 40), first=st.integers(1, 215),
       dtype=st.sampled_from([np.uint16, np.int32, np.uint32]))
def test_any_numbered_objects_within_8_bits_decode_empty_in_a_wide_integer(count, first,
                                                                             dtype):
    """Whatever their first number and how many there are, ids within 0..255 in 16 or 32
    bits are no grey levels: none is foreground by number, all are under a threshold of 0."""
    labels = _objects(count, first, dtype)
    assert inspect_mask_values(labels, "TIFF", "I", MaskPolicy()).foreground_count() == 0
    every = inspect_mask_values(labels, "TIFF", "I", MaskPolicy(threshold=0))
    assert every.foreground_count() == int(np.count_nonzero(labels))


def test_the_encoding_fix_does_not_ask_a_label_map_for_two_values(tmp_path):
    # "re-save them as 8-bit grey PNGs with two values" would merge a label map's objects
    report = audit_pairs(*_instance_maps(tmp_path, 1, np.uint16, ".png"))
    fix = finding(report, "mask.unusual_encoding").fix
    assert "label map with its class or object numbers" in fix
    assert "PNGs with two values" not in fix
