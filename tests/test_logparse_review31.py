"""Counter-examples of session 31's red team on explain-log (tests/data/logs/review/c60-...).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation.ids import CLASS_PRIOR_LOSS
from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_moving_validation_dice_refutes_the_class_prior():
    # red team s31 (6): val_loss 0.3251 = H(0.1) and val_accuracy 0.9000 at every epoch, but
    # val_dice_coef 0.21 -> 0.46: a model that outputs the prior at every pixel scores one
    # soft Dice on fixed validation data, so neither "outputs the class prior" nor "learned
    # nothing" is true
    report = explain_log(REVIEW / "c60_class_prior_loss_while_val_dice_rises.log")
    assert CLASS_PRIOR_LOSS not in {f.id for f in report.findings}
    assert "class prior" not in report.headline
    assert "learned nothing" not in report.headline
    assert "val_dice_coef rose from 0.2100 to 0.4600" in report.headline


def test_a_frozen_accuracy_beside_a_rising_dice_is_not_learning_nothing():
    # red team s31 (11): val_accuracy 0.50 flat, val_dice_coef 0.81 -> 0.85 (less than the
    # 0.05 the flat finding's own "moved meanwhile" needs), val_loss 0.69 -> 0.67 (3 %)
    report = explain_log(REVIEW / "c61_val_accuracy_frozen_val_dice_rises.log")
    assert "learned nothing" not in report.headline
    assert ("val_accuracy never moved across epochs, while val_dice_coef rose from 0.8100 to "
            "0.8500 over the same epochs: the predictions changed in a way accuracy does not "
            "count") in report.headline


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
