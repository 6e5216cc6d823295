"""train on label maps under the default threshold (session 28's scorecard: the Oxford-IIIT
Pet trimaps, 1 pet, 2 background, 3 border, trained without a value policy): the run's
headline said "All 19 masks are empty" and blamed "the wrong threshold or polarity"; its
mask.label_map fix offered --mask-threshold 0, which makes every pixel of a map without 0
foreground."""

from __future__ import annotations

from unetdiag.diag.audit.empty_causes import (
    empty_batches_of_label_maps,
    empty_masks_of_label_maps,
)
from unetdiag.diag.checks.label_maps import threshold_on_label_maps
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.data.policy import MaskPolicy

POLICY = MaskPolicy().describe()


def _empty(findings):
    return next(f for f in findings if f.id == "imbalance.empty_masks")


def test_every_mask_a_label_map_decoding_empty_is_not_called_empty():
    findings = check_imbalance([0.0] * 19, [4096.0] * 19, source="data:train")
    reworded = _empty(empty_masks_of_label_maps(findings, 19, [1, 2, 3], POLICY))
    assert reworded.title == "All 19 masks decode empty"
    assert "are empty" not in reworded.title + reworded.explanation
    assert "label maps holding 1, 2 and 3" in reworded.explanation
    assert "threshold or polarity" not in reworded.explanation
    assert "--foreground-values" in reworded.fix
    assert reworded.evidence["label_maps"] == 19
    assert reworded.evidence["label_values"] == [1, 2, 3]


def test_some_label_maps_keep_the_general_wording_and_name_them():
    findings = check_imbalance([0.0, 0.0, 5.0, 9.0], [100.0] * 4, source="data:train")
    before = _empty(findings)
    reworded = _empty(empty_masks_of_label_maps(findings, 2, [0, 200], POLICY))
    assert before.title == "2 of 4 masks (50.0%) are empty"
    assert reworded.title == "2 of 4 masks (50.0%) decode empty"
    assert reworded.explanation.startswith(before.explanation)
    assert "2 of the masks decoded are label maps holding 0 and 200" in reworded.explanation
    assert _empty(empty_masks_of_label_maps(findings, 0, [], POLICY)) == before


def test_the_batch_audit_copies_are_reworded_only_for_the_runs_named():
    batch = check_imbalance([0.0] * 64, [4096.0] * 64, source="train:MP_Tr_BCE")
    other = check_imbalance([0.0] * 8, [4096.0] * 8, source="train:other")
    reworded = empty_batches_of_label_maps(batch + other, ["train:MP_Tr_BCE"], [1, 2, 3],
                                           POLICY)
    first, second = (f for f in reworded if f.id == "imbalance.empty_masks")
    assert first.title == "All 64 masks decode empty"
    assert "copies of the training masks, which are label maps holding 1, 2 and 3" in (
        first.explanation)
    assert second == _empty(other)


def test_label_maps_without_0_are_not_offered_a_threshold_of_0():
    trimaps = threshold_on_label_maps({"t.png": [1, 2, 3]}, 4, MaskPolicy(), "data")
    assert "--mask-threshold 0" not in trimaps.fix
    assert "--foreground-values" in trimaps.fix
    assert "none of 1, 2 and 3 is 0" in trimaps.fix
    numbered = threshold_on_label_maps({"n.tif": [0, 1, 2, 3]}, 4, MaskPolicy(), "data")
    assert "--mask-threshold 0" in numbered.fix


def test_evaluate_says_what_empty_label_maps_do_to_scores_not_to_training():
    """evaluate scores a model against the masks; it trains nothing (review of s28)."""
    findings = check_imbalance([0.0] * 4, [4096.0] * 4, source="data")
    scored = _empty(empty_masks_of_label_maps(findings, 4, [1, 2, 3], POLICY,
                                              command="evaluate"))
    assert "Trained on them" not in scored.explanation
    assert "no prediction has a true positive" in scored.explanation
    assert "pass the same options to evaluate" in scored.fix
    trained = _empty(empty_masks_of_label_maps(findings, 4, [1, 2, 3], POLICY))
    assert "Trained on them, a model learns to predict nothing" in trained.explanation
