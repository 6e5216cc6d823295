"""Masks inverted file by file (BioHit/TongeImageDataset#1): the audit names two mirrored
groups and never proposes turning the whole set over (session 27)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import finding
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec

SPEC = SynthSpec(n_pairs=24, size=64, seed=5)


def _audit(root: Path, count: int):
    layout = build_case(root, SPEC, [{"kind": "inverted_polarity", "count": count}])
    return audit_dataset(layout.images_dir, layout.masks_dir,
                         mask_suffixes=layout.mask_suffixes, workers=1)


@pytest.mark.parametrize("count", [6, 14])
def test_masks_inverted_file_by_file_get_no_whole_set_flip(tmp_path, count):
    report = _audit(tmp_path / "case", count)
    mostly = finding(report, "imbalance.mostly_foreground")
    assert mostly.evidence["mixed_polarity"]["mostly_foreground_masks"] == mostly.evidence["masks"]
    assert report.headline.startswith("Masks fall in two groups")
    # both readings (review 6, B1): shares mirroring around 50 % are also two object sizes
    assert "mixed polarities or with objects of two very different sizes" in report.headline
    assert "invert those files only" in report.headline
    assert "decode with --mask-polarity dark" not in report.headline


def test_every_mask_inverted_is_still_inverted_polarity(tmp_path):
    report = _audit(tmp_path / "case", SPEC.n_pairs)
    assert "mixed_polarity" not in finding(report, "imbalance.mostly_foreground").evidence
    assert report.headline.startswith("Possible inverted polarity")


def test_masks_that_threshold_their_images_on_one_side_are_not_said_to_mix(tmp_path):
    # review 6 (B1, mixpol): close-ups 84 % object and wide shots 16 %, each mask the bright
    # side of its own image: the polarity is known, so no "mixed polarities?"
    rng = np.random.default_rng(3)
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for number in range(16):
        mask = np.zeros((64, 64), np.uint8)
        side = 54 if number < 6 else 10  # 84 % or 16 % of the pixels
        top = int(rng.integers(0, 64 - side + 1))
        mask[:, top:top + side] = 255
        image = np.where(mask > 0, 180, 60) + rng.integers(-20, 21, mask.shape)
        Image.fromarray(image.astype(np.uint8)).save(images / f"{number}.png")
        Image.fromarray(mask).save(masks / f"{number}.png")
    report = audit_dataset(images, masks, mask_suffixes=("",), workers=1)
    mostly = finding(report, "imbalance.mostly_foreground")
    assert "mixed_polarity" not in mostly.evidence
    assert mostly.evidence["object_side"] == "brighter"
    assert "polarit" not in mostly.title + report.headline
    assert "one polarity" in mostly.explanation


def test_swapped_1_2_maps_beside_an_empty_file_stored_all_1_keep_their_groups(tmp_path):
    """Issue 14 (s29, left by s28): {1, 2} label maps whose values swap roles in 6 of 24
    files, one of which, empty, is stored all 1 (that tool's background). The all-1 file was
    read on its own scale as a full mask, so not every mask decoded empty: no
    mask.decodes_empty, the imbalance measured under the threshold ("23 of 24 masks decode
    empty", "1 of 24 masks is more than 50% foreground") and the swapped groups unmentioned.
    It is a map of one class beside the others: read with them under the proposal."""
    from helpers import audit_pairs, write_mask_pairs

    rng = np.random.default_rng(6)
    rows, columns = np.mgrid[:64, :64]
    masks = []
    for index in range(24):
        cy, cx = rng.integers(20, 44, 2)
        disc = (rows - cy) ** 2 + (columns - cx) ** 2 <= int(rng.integers(6, 12)) ** 2
        swapped = index < 6
        masks.append(np.where(disc, 2 if swapped else 1, 1 if swapped else 2).astype(np.uint8))
    masks[0] = np.full((64, 64), 1, np.uint8)  # a swapped file with no object
    report = audit_pairs(*write_mask_pairs(tmp_path, masks))
    empty = finding(report, "mask.decodes_empty")
    assert empty.title.startswith("Every mask holding several values decodes empty")
    assert empty.evidence["one_value_masks_read_whole"] == 1
    assert "1 other mask holds 1 alone" in empty.explanation
    assert finding(report, "mask.label_map").evidence["label_map_masks"] == 24
    mostly = finding(report, "imbalance.mostly_foreground")
    assert mostly.evidence["masks"] == 6 and mostly.evidence["policy_is_proposed"]
    assert "the masks fall in two groups, 6 at" in report.headline
    assert "Every mask holding several values decodes empty" in report.headline


def _one_value_masks(root: Path, full_value: int, others) -> object:
    """Four masks of one value ``full_value`` everywhere, then ``others`` (arrays)."""
    rng = np.random.default_rng(4)
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    planes = [np.full((48, 48), full_value, np.uint8)] * 4 + list(others)
    for number, mask in enumerate(planes):
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(
            images / f"{number}.png")
        Image.fromarray(mask).save(masks / f"{number}.png")
    return audit_dataset(images, masks, mask_suffixes=("",), workers=1)


def test_masks_of_one_value_everywhere_get_no_polarity_advice(tmp_path):
    # redteam 2a: four masks all 1, two all 0: "Possible inverted polarity ... decode with
    # --mask-polarity dark", yet turned over the four are empty and the two full
    report = _one_value_masks(tmp_path, 1, [np.zeros((48, 48), np.uint8)] * 2)
    assert report.headline.startswith(
        "Every mask holds one value: 4 of 6 are foreground at every pixel and 2 empty")
    assert "--mask-polarity cannot help" in report.headline
    mostly = finding(report, "imbalance.mostly_foreground")
    assert mostly.title == "4 of 6 masks are foreground at every pixel"
    assert "under either polarity" in mostly.explanation


def test_full_masks_beside_small_objects_are_no_mixed_polarities(tmp_path):
    # redteam 2b: four masks all 255, two a disc of 6-8 %: "mixed polarities", but a disc of
    # 6-8 % stored the other way reads 92-94 %, not 100 %
    rows, columns = np.mgrid[:48, :48]
    discs = [((rows - 24) ** 2 + (columns - 24) ** 2 < radius ** 2).astype(np.uint8) * 255
             for radius in (7, 8)]
    report = _one_value_masks(tmp_path, 255, discs)
    assert "mixed_polarity" not in finding(report, "imbalance.mostly_foreground").evidence
    assert report.headline.startswith(
        "4 of 6 masks hold one value at every pixel, read as foreground")
    assert "mixed polarities" not in report.headline
