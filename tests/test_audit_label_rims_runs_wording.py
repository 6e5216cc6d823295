"""Since runs of two count as rims (maps enlarged 3x-5x bilinearly), a rim pixel need not
hold both a lower and a higher value in its 3 x 3 neighbourhood, yet
mask.interpolated_labels said every counted pixel had "in their 3 x 3 neighbourhood both a
value below and one above it". It now names both ways a pixel is counted, and writes its
counts with thousands separators as the rest of the audit does."""

from __future__ import annotations

from helpers import audit_pairs, finding, write_mask_pairs
from test_audit_label_rims_enlarged import _enlarged_trimaps


def test_rim_pixels_are_said_as_they_are_counted(tmp_path):
    rims = finding(audit_pairs(*write_mask_pairs(tmp_path, _enlarged_trimaps(5))),
                   "mask.interpolated_labels")
    entry = rims.evidence["rims"][0]
    assert entry["rim_pixels"] >= 1000
    assert "have in their 3 x 3 neighbourhood both" not in rims.explanation
    assert (f"{entry['rim_pixels']:,} pixels of 2 (") in rims.explanation
    assert ("lie between a value below and one above it (both in their 3 x 3 neighbourhood, "
            "or at the two ends of a run of two along a row or column)") in rims.explanation
