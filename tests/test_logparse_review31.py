"""Counter-examples of session 31's red team on explain-log (tests/data/logs/review/c60-...).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_the_all_ones_fingerprint_bounds_the_foreground_fraction_from_below():
    # red team s31 (5): accuracy 0.8000 and Dice 0.8889 give TP = 0.8 and TN = 0, but any f
    # in [0.8, 1] fits (f = 0.9, FN = FP = 0.1 logs the same numbers): "80 % foreground" and
    # "val_accuracy is f itself" stated a fact the numbers only bound
    report = explain_log(REVIEW / "c62_all_ones_fingerprint_f_at_least_0p8.log")
    [claim] = [f for f in report.findings if f.id == "saturation.all_ones_predictor"]
    assert "(at least 80 % foreground in the validation data)" in claim.title
    assert "is f itself" not in claim.explanation
    assert "val_accuracy 0.8000 equals f if the model predicts every pixel" in claim.explanation
    assert "thresholded predictions and a pooled Dice), so at least 80 %" in claim.explanation
    assert "f >= 0.8" in claim.explanation and "f = 0.8" not in claim.explanation
    assert "at least 80 % foreground is rarely what was meant" in claim.fix
    assert "on validation data that is 80 % foreground" not in report.headline
    assert "the validation data is at least 80 % foreground" in report.headline
