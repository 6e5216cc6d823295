"""A folder beside the masks whose same-name files are regions the masks lie inside (DRIVE's
field-of-view discs beside its vessel masks) is said to be that, and no merge is proposed:
merged, the masks would be the region itself (about 68 % foreground on DRIVE). Parts of one
object (Montgomery's left and right lungs) lie apart and keep the merge proposal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import findings_by_id
from PIL import Image

from unetdiag.diag.data.pairing import discover_pairs

SIDE = 32


def _save(path: Path, values: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(values).save(path)


def _dataset(root: Path, sibling_box: tuple[slice, slice], empty: int = 0,
             count: int = 5) -> None:
    """``count`` pairs, the first ``empty`` of whose masks are empty."""
    for index in range(count):
        name = f"{index:02d}_test.png"
        _save(root / "images" / name, np.full((SIDE, SIDE, 3), 30 * index, np.uint8))
        vessel = np.zeros((SIDE, SIDE), np.uint8)
        if index >= empty:
            vessel[10:22, 14 + index % 3] = 255  # a thin line inside the disc
        _save(root / "masks" / name, vessel)
        region = np.zeros((SIDE, SIDE), np.uint8)
        region[sibling_box] = 255
        _save(root / "fov" / name, region)


def test_a_region_holding_every_mask_is_named_and_not_offered_for_merging(tmp_path):
    _dataset(tmp_path, np.s_[4:28, 4:28])
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    sibling = findings_by_id(result)["pairing.sibling_masks"]
    assert sibling.title.endswith("each a region the masks lie inside")
    assert "consistent with field-of-view masks" in sibling.explanation
    assert "do not merge fov/" in sibling.fix and "numpy.maximum" not in sibling.fix
    assert sibling.evidence["least_share_inside"] == 1.0
    assert sibling.evidence["region_share"] == round(24 * 24 / SIDE**2, 4)


def test_parts_lying_apart_keep_the_merge_proposal(tmp_path):
    _dataset(tmp_path, np.s_[4:12, 24:30])  # beside the line, not around it
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    sibling = findings_by_id(result)["pairing.sibling_masks"]
    assert "numpy.maximum" in sibling.fix
    assert "least_share_inside" not in sibling.evidence


def test_empty_masks_first_do_not_hide_the_region(tmp_path):
    """The first 4 masks read empty (an empty mask lies inside anything): the next ones are
    read, not the merge proposed."""
    _dataset(tmp_path, np.s_[4:28, 4:28], empty=4, count=8)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    sibling = findings_by_id(result)["pairing.sibling_masks"]
    assert "numpy.maximum" not in sibling.fix, sibling.fix
    assert sibling.evidence["pairs_read"] == 4


def test_a_second_annotators_folder_beside_the_region_is_not_called_a_region(tmp_path):
    """fov/ holds every mask, manual2/ (another annotator: the line one column over, partly
    overlapping) does not: the title may not say both are regions the masks lie inside."""
    _dataset(tmp_path, np.s_[4:28, 4:28])
    for index in range(5):
        other = np.zeros((SIDE, SIDE), np.uint8)
        other[12:24, 15 + index % 3] = 255
        _save(tmp_path / "manual2" / f"{index:02d}_test.png", other)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    sibling = findings_by_id(result)["pairing.sibling_masks"]
    assert "manual2/" in sibling.title
    assert "region the masks lie inside" not in sibling.title, sibling.title
    assert "another annotator's masks" in sibling.explanation
