"""Number agreement in the imbalance sentences (s28 scorecard, the Pet palette imitation under
--ignore-values 255: "1 of 24 masks are more than 50% foreground ... They are a minority",
and the summary's "1 masks are empty and 1 are more than 50% foreground")."""

from __future__ import annotations

from unetdiag.diag.checks.masks import check_imbalance


def _by_id(findings):
    return {finding.id: finding for finding in findings}


def test_one_mostly_foreground_mask_is_said_in_the_singular():
    foreground = [60.0] + [10.0] * 22 + [0.0]
    found = _by_id(check_imbalance(foreground, [100.0] * 24, source="audit"))
    mostly = found["imbalance.mostly_foreground"]
    assert mostly.title == "1 of 24 masks is more than 50% foreground"
    assert "It is a minority" in mostly.explanation
    summary = found["imbalance.summary"].explanation
    assert "1 mask is empty and 1 is more than 50% foreground" in summary


def test_several_stay_plural():
    foreground = [60.0, 70.0] + [10.0] * 20 + [0.0, 0.0]
    found = _by_id(check_imbalance(foreground, [100.0] * 24, source="audit"))
    assert found["imbalance.mostly_foreground"].title == (
        "2 of 24 masks are more than 50% foreground")
    assert "They are a minority" in found["imbalance.mostly_foreground"].explanation
    assert "2 masks are empty and 2 are more than 50% foreground" in (
        found["imbalance.summary"].explanation)
