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
    assert MASK_WORDS.search("image_01l_2ndho")
    assert not MASK_WORDS.search("photo_shoot") and not MASK_WORDS.search("1sthouse")
