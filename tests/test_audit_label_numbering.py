"""Instance label images read the same way whatever their numbering: objects numbered past
65,535 (Cellpose's uint32, StarDist's int32 labels, MouseLand/cellpose#1268) were read on the
float scale, every object foreground, while the same objects numbered below 32,768 in 16 bits
decode empty (session 33's DRIVE imitation); both now decode empty under the midpoint of
their integer scale, as label maps, and both get the same proposal."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, finding
from PIL import Image


def _numbered_cells(root, first: int, dtype: type) -> tuple:
    rng = np.random.default_rng(4)
    images, masks = root / "images", root / "masks"
    images.mkdir()
    masks.mkdir()
    rows, columns = np.mgrid[0:64, 0:64]
    for index in range(6):
        labels = np.zeros((64, 64), dtype)
        for number in range(5):
            cy, cx = rng.uniform(10, 54, 2)
            labels[np.hypot(rows - cy, columns - cx) <= 6] = first + 5 * index + number
        Image.fromarray(labels).save(masks / f"{index}.tif")
        Image.fromarray(rng.integers(0, 255, (64, 64), dtype=np.uint8)).save(
            images / f"{index}.png")
    return images, masks


@pytest.mark.parametrize(("first", "dtype"), [(1000, np.uint16), (70001, np.int32)])
def test_numbered_objects_decode_alike_in_either_range(tmp_path, first, dtype):
    report = audit_pairs(*_numbered_cells(tmp_path, first, dtype))
    assert finding(report, "mask.decodes_empty").severity.value == "error"
    label_map = finding(report, "mask.label_map")
    assert "are background" in label_map.explanation
    assert "are foreground" not in label_map.explanation
    assert "if every value but 0 is an object, pass --mask-threshold 0" in label_map.fix.lower()
