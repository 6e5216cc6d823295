"""A 0/1 mask saved as a 2- or 4-bit grey PNG: Pillow opens it as mode L with its samples
scaled to 0..255, so the 1 read as 85 (or 17). The encodings line said "PNG L uint8", the
audit called the masks "label maps holding the values 0 and 85" and proposed
``--foreground-values 0`` (the smaller class: the 8-bit 0/1 copy's background), and train
decoded every mask empty. The reader now notes the stored bit depth; samples that never reach
the top (0/1 at 2 bits) are read as stored, as the same numbers saved at 8 bits are, and the
encodings line says what the file is."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, finding, ids, write_mask_pairs
from PIL import Image

from unetdiag.diag.data.reading import load_stored_mask


def _disc() -> np.ndarray:
    rows, columns = np.mgrid[0:64, 0:64]
    return (np.hypot(rows - 32, columns - 32) < 12).astype(np.uint8)  # 0/1, 11 % ones


def _resave(masks, bits: int, scale: int = 1) -> None:
    for path in sorted(masks.iterdir()):
        Image.fromarray(np.asarray(Image.open(path)) * scale).save(path, bits=bits)


@pytest.mark.parametrize("bits", [2, 4])
def test_a_0_1_mask_at_low_bit_depth_reads_as_its_8_bit_copy(tmp_path, bits):
    eight = audit_pairs(*write_mask_pairs(tmp_path / "eight", [_disc()] * 3))
    images, masks = write_mask_pairs(tmp_path / "low", [_disc()] * 3)
    _resave(masks, bits)
    stored = load_stored_mask(masks / "000.png")
    assert stored.mode == f"L;{bits}"
    assert sorted(np.unique(stored.values).tolist()) == [0, 1]
    low = audit_pairs(images, masks)
    assert "mask.decodes_empty" not in ids(low)
    assert "mask.label_map" not in ids(low)
    assert ids(low) == ids(eight)
    encodings = finding(low, "mask.encodings")
    assert f"PNG L {bits}-bit grey binary (3)" in encodings.title
    scaled = "85" if bits == 2 else "17"
    assert (f"read as the samples stored (0 and 1), as the same numbers saved at 8 bits read, "
            f"not as Pillow scales them to 0..255 (0 and {scaled})") in encodings.explanation


def test_a_2_bit_mask_holding_its_top_sample_keeps_pillows_scale(tmp_path):
    images, masks = write_mask_pairs(tmp_path, [_disc()] * 2)
    _resave(masks, 2, scale=255)  # samples 0 and 3
    assert sorted(np.unique(load_stored_mask(masks / "000.png").values).tolist()) == [0, 255]
    encodings = finding(audit_pairs(images, masks), "mask.encodings")
    assert "PNG L 2-bit grey uint8 (2)" in encodings.title
    assert "read as Pillow scales the samples to 0..255 (3 as 255)" in encodings.explanation


def test_train_decodes_a_2_bit_0_1_mask_as_its_8_bit_copy(tmp_path):
    from unetdiag.diag.data.policy import MaskPolicy
    from unetdiag.training.decoder import DecodeLog, decode_pair

    images, masks = write_mask_pairs(tmp_path, [_disc()])
    _resave(masks, 2)
    _, mask, _ = decode_pair(str(images / "000.png"), str(masks / "000.png"), channels=1,
                             policy=MaskPolicy(), decode_log=DecodeLog())
    assert np.array_equal(np.squeeze(np.asarray(mask)), _disc())


def test_2_bit_masks_read_two_ways_in_one_row_are_said_so(tmp_path):
    classes = _disc() * 2
    classes[:8] = 1  # samples 0, 1 and 2: read as stored
    images, masks = write_mask_pairs(tmp_path, [classes, _disc()])
    Image.fromarray(classes).save(masks / "000.png", bits=2)
    Image.fromarray(_disc() * 3).save(masks / "001.png", bits=2)  # 0/3: Pillow's 0/255
    encodings = finding(audit_pairs(images, masks), "mask.encodings")
    assert "PNG L 2-bit grey uint8 (2)" in encodings.title
    assert ("2 masks are 2-bit grey PNGs: those holding the top sample (3) are read as Pillow "
            "scales the samples to 0..255, the others as the samples stored.") in (
        encodings.explanation)
