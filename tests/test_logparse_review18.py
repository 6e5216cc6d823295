"""Counter-examples of the review of pass 18's rules (tests/data/logs/review/c38-...).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_bce_plus_dice_loss_logged_as_a_metric_is_a_loss():
    # review of pass 18: metrics=[dice_coef, bce_dice] (bce_dice = BCE + 1 - Dice, as Keras
    # snippets define it) logs 'bce_dice: 1.1000', which was a Dice above 1, an error:
    # "labels or predictions outside [0, 1]"
    report = explain_log(REVIEW / "c49_bce_dice_loss_as_metric.log")
    assert "saturation.dice_above_one" not in {f.id for f in report.findings}
    assert "outside [0, 1]" not in report.headline
