"""CHASE_DB1's human-observer tags on DRIVE-like names in one folder: ``01_test.png`` beside
``01_1stHO.png`` (and ``01_2ndHO.png``). The tag names an annotator, not a mask, so before
session 34 no rule was looked for ("20 images, 0 masks"); the tail is now read as a mask's,
the rule that pairs every file one to one is chosen and recorded, and the second observer's
set is named, never taken for images."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import findings_by_id, touch_files

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.pairing_rules import MASK_WORDS

KEYS = [f"{k:02d}" for k in range(1, 11)]


@pytest.mark.parametrize("observers", [("1stHO",), ("1stHO", "2ndHO")])
def test_observer_tails_pair_by_key_in_one_folder(tmp_path: Path, observers):
    touch_files(tmp_path, *(f"{k}_{tail}.png" for k in KEYS
                            for tail in ("test", *observers)))
    result = discover_pairs(tmp_path)
    assert [(p.image.name, p.mask.name) for p in result.pairs] == [
        (f"{k}_test.png", f"{k}_1stHO.png") for k in KEYS]
    found = findings_by_id(result)
    assert found["pairing.rule_inferred"].evidence["rule"] == "{key}_1stHO"
    if len(observers) == 2:
        assert "pairing.alternative_masks" in found


def test_observer_tags_are_whole_tags_only():
    from unetdiag.diag.data.pairing_rules import MASK_NAMES

    assert MASK_NAMES.search("image_01l_2ndho")
    assert not MASK_NAMES.search("photo_shoot") and not MASK_NAMES.search("1sthouse")


def test_predict_leaves_out_observer_tagged_files_only_when_they_look_like_labels(tmp_path):
    """An observer's tag names an annotator, not a mask: predict's listing reads MASK_WORDS
    alone, so colour photographs 01.png and 01_1stHO.png are all predicted (they were left
    out as a mask set '{key}_1stHO', unlooked at, when the tags were mask words), while
    CHASE_DB1-like 0/255 masks beside their images are still left out."""
    import numpy as np
    from PIL import Image

    from unetdiag.training.predict_listing import list_images

    rng = np.random.default_rng(0)
    photos, chase = tmp_path / "photos", tmp_path / "chase"
    photos.mkdir()
    chase.mkdir()
    for key in KEYS[:4]:
        for name in (f"{key}.png", f"{key}_1stHO.png"):
            Image.fromarray((rng.random((32, 32, 3)) * 255).astype(np.uint8)).save(photos / name)
        Image.fromarray((rng.random((32, 32, 3)) * 255).astype(np.uint8)).save(
            chase / f"Image_{key}L.png")
        Image.fromarray(((rng.random((32, 32)) > 0.5) * 255).astype(np.uint8)).save(
            chase / f"Image_{key}L_1stHO.png")
    assert not MASK_WORDS.search("01_1stho")
    assert len(list_images(photos).images) == 8
    assert sorted(path.name for path in list_images(chase).images) == [
        f"Image_{key}L.png" for key in KEYS[:4]]
