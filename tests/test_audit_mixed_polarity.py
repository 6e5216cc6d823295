"""Masks inverted file by file (BioHit/TongeImageDataset#1): the audit names two mirrored
groups and never proposes turning the whole set over (session 27)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import finding

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
    assert report.headline.startswith("Masks may mix polarities")
    assert "invert those files only" in report.headline
    assert "decode with --mask-polarity dark" not in report.headline


def test_every_mask_inverted_is_still_inverted_polarity(tmp_path):
    report = _audit(tmp_path / "case", SPEC.n_pairs)
    assert "mixed_polarity" not in finding(report, "imbalance.mostly_foreground").evidence
    assert report.headline.startswith("Possible inverted polarity")
