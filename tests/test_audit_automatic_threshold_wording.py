"""The automatic threshold is not a midpoint on every scale: palette indices take 0.5 (every
index but 0 foreground) and 8-bit label numbers 255 (every number background). The policy's
words (``MaskPolicy.describe``, quoted by mask.decodes_empty, mask.label_map and train's
refusal) and the audit's policy sentence called it "the midpoint of each mask's scale", which
the 8-bit ids' refusal then contradicted (every number background, none split at 127.5)."""

from __future__ import annotations

from helpers import audit_pairs, finding, numbered_discs, write_mask_pairs

from unetdiag.diag.data.policy import MaskPolicy


def test_the_default_policy_names_the_thresholds_that_are_no_midpoint():
    words = MaskPolicy().describe()
    assert "midpoint of each mask's scale" not in words
    assert "255 on 8-bit label numbers" in words
    assert "0.5 on palette indices" in words
    assert MaskPolicy(threshold=0).describe() == "foreground = the bright class, threshold 0"


def test_the_8_bit_ids_refusal_names_the_threshold_it_applied(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, [numbered_discs(range(1, 141))] * 2))
    for found in (finding(report, "mask.decodes_empty"), finding(report, "mask.label_map"),
                  finding(report, "mask.encodings")):
        said = found.explanation + found.fix
        assert "midpoint of each mask's scale" not in said
    assert "255 on 8-bit label numbers" in finding(report, "mask.decodes_empty").explanation
