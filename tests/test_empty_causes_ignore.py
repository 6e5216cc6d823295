"""imbalance.empty_masks when the user's --ignore-values removed the objects (s27: DRIVE as
0/255 masks with a 255 void border, trained with --ignore-values 255: every vessel pixel was
ignored, and the run blamed 'the wrong threshold or polarity, or the wrong files')."""

from __future__ import annotations

from unetdiag.diag.audit.empty_causes import empty_masks_under_ignored_values
from unetdiag.diag.checks.masks import check_imbalance


def _empty(findings):
    return next(f for f in findings if f.id == "imbalance.empty_masks")


def test_every_mask_empty_under_an_ignore_value_names_it():
    findings = check_imbalance([0.0] * 8, [3600.0] * 8, source="data:train")
    reworded = _empty(empty_masks_under_ignored_values(findings, (255,), 0.1424))
    assert "--ignore-values 255" in reworded.explanation
    assert "14.24% of their pixels are ignored" in reworded.explanation
    assert "drop --ignore-values 255" in reworded.fix
    assert reworded.evidence["ignore_values"] == [255]


def test_some_masks_empty_or_nothing_ignored_keep_the_general_wording():
    some = check_imbalance([0.0, 5.0, 0.0], [100.0] * 3, source="data:train")
    assert _empty(empty_masks_under_ignored_values(some, (255,), 0.1)) == _empty(some)
    every = check_imbalance([0.0] * 3, [100.0] * 3, source="data:train")
    assert _empty(empty_masks_under_ignored_values(every, (), 0.0)) == _empty(every)
    assert _empty(empty_masks_under_ignored_values(every, (255,), 0.0)) == _empty(every)
