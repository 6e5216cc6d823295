"""Counter-examples of the review of pass 18's rules (tests/data/logs/review/c38-...).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_score_that_fell_after_a_resume_names_the_resume():
    # review of pass 18: a crash in epoch 11 (OOM traceback), then the script run again with
    # --initial-epoch 10 and no weights loaded: dice_coef 0.65 -> 0.08-0.12 was "the training
    # lost ground ... consistent with a step size too large ...", of a model built afresh
    report = explain_log(REVIEW / "c40_crash_resume_initial_epoch_score_fell_back.log")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert fell.evidence["metrics"]["dice_coef"]["resumed_at"] == {
        "epoch": 11, "after": "an exception (a traceback follows in the log)"}
    assert ("the log shows a traceback or a KeyboardInterrupt before epoch 11, after which "
            "training went on: a fall from there is consistent with a resume from weights "
            "other than those the run had reached") in fell.explanation
    assert "the training lost ground" not in fell.explanation
    assert fell.fix.startswith("If training was resumed, load the weights it had reached")


AGAINST_SCORES = "saturation.validation_loss_against_scores"


def test_scores_that_held_are_said_at_the_two_epochs_compared():
    # review of pass 18: val_accuracy 0.95 at val_loss's lowest (epoch 3) and at epoch 7, 0.90
    # at epoch 5 between: "did not fall over the same epochs" (and "the validation scores did
    # not fall" in the title) was false of epoch 5
    report = explain_log(REVIEW / "c41_val_loss_rises_val_accuracy_dips_between.log")
    [claim] = [f for f in report.findings if f.id == AGAINST_SCORES]
    assert "did not fall" not in claim.title + claim.explanation
    assert claim.title.endswith("while the validation scores are no lower at epoch 7 than there")
    assert ("val_dice_coef (0.7000 -> 0.7300) and val_accuracy (0.9500 -> 0.9500) are no lower "
            "at epoch 7 than at epoch 3 (between them val_accuracy fell to 0.9000 at epoch 5, "
            "and came back)") in claim.explanation


def test_a_loss_rise_beside_rising_scores_names_regularisation_penalties():
    # review of pass 18: with kernel_regularizer=l2 throughout, val_loss holds a penalty that
    # grows with the weights (c42: the predictions' own loss fell 0.30 -> 0.245 while
    # val_loss rose 0.35 -> 0.425); the only reading given was predictions that grew surer
    # where wrong or less sure where right
    report = explain_log(REVIEW / "c42_l2_penalty_grows_val_loss_rises_scores_rise.log")
    [claim] = [f for f in report.findings if f.id == AGAINST_SCORES]
    assert ("in a model with regularisation penalties (kernel_regularizer), which Keras adds "
            "to val_loss as it does to loss, it is also consistent with a penalty that grew "
            "with the weights while the predictions did not change") in claim.explanation
    assert "val_dice_coef (0.6400 -> 0.7300) is no lower at epoch 7 than at epoch 2" in (
        claim.explanation)


def test_a_score_that_fell_after_the_schedule_raised_the_rate_names_the_rate():
    # review of pass 18: a cosine schedule with a warm restart (CSVLogger's lr column: 3.42e-05
    # at epoch 10, 0.01 at epoch 11) and dice_coef 0.65 -> 0.12-0.14 right after it; the
    # finding read the fall without the rate the log shows, and advised "lower the learning
    # rate" as if it had stayed where it was
    report = explain_log(REVIEW / "c43_warm_restart_lr_up_score_fell_back.csv")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert fell.evidence["metrics"]["dice_coef"]["learning_rate"] == {
        "at_best": 3.4227e-05, "raised": 0.01, "raised_epoch": 11}
    assert ("the learning rate the log shows rose from 3.42e-05 at the best epoch to 0.01 at "
            "epoch 11 (a schedule's warm restart or warm-up does this), before the fall") in (
        fell.explanation)
    assert fell.fix.startswith("A schedule that raises the rate (warm restarts, a warm-up)")
    assert "the validation scores did the same: val_dice_coef 0.6200 at epoch 10, 0.1000 at " \
        "epoch 13" in fell.explanation


def test_a_score_is_still_rising_only_if_its_last_value_is_the_last_epoch_s():
    # review of pass 18: val_dice_coef rose to 0.7300 at epoch 9 of 10; at epoch 10 every
    # figure is NaN (c44: the run diverged) or the line lacks the validation values (c45):
    # "still rising at the last epoch ... Train for more epochs" was said of both
    for name in ("c44_still_rising_then_nan_last_epoch.log",
                 "c45_still_rising_last_epoch_no_validation.log"):
        report = explain_log(REVIEW / name)
        assert "saturation.still_improving" not in {f.id for f in report.findings}, name
        assert "still rising" not in report.headline, name


def test_a_score_that_fell_back_names_the_epochs_of_the_loss_it_quotes():
    # review of pass 18: dice_coef fell back over epochs 11-13, then epoch 14 is NaN
    # throughout (c46): "loss 0.8700 at the last epoch" was epoch 13's, the last epoch's NaN
    report = explain_log(REVIEW / "c46_score_fell_back_then_nan_last_epoch.log")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert "at the last epoch" not in fell.explanation
    assert "loss 0.8700 at epoch 13, against 0.9500 at epoch 1" in fell.explanation
    assert "(86.7 % of the gain lost by epoch 13)" in fell.explanation


def test_a_bce_plus_dice_loss_logged_as_a_metric_is_a_loss():
    # review of pass 18: metrics=[dice_coef, bce_dice] (bce_dice = BCE + 1 - Dice, as Keras
    # snippets define it) logs 'bce_dice: 1.1000', which was a Dice above 1, an error:
    # "labels or predictions outside [0, 1]"
    report = explain_log(REVIEW / "c49_bce_dice_loss_as_metric.log")
    assert "saturation.dice_above_one" not in {f.id for f in report.findings}
    assert "outside [0, 1]" not in report.headline


def test_a_score_that_fell_in_a_second_fit_after_early_stopping_names_the_second_fit():
    # review of pass 18: EarlyStopping ended the first fit at epoch 10, a model summary, then
    # a second fit (initial_epoch=10, the same total: fine-tuning) from epoch 11, dice_coef
    # 0.69 -> 0.13-0.15: read as the training losing ground, with no word of the new call
    report = explain_log(REVIEW / "c50_fine_tune_fit_after_early_stopping.log")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert fell.evidence["metrics"]["dice_coef"]["resumed_at"] == {
        "epoch": 11, "after": "EarlyStopping"}
    assert ("the log shows training ended before epoch 11 (EarlyStopping) and went on in "
            "another fit() call: a fall from there is consistent with what changed between "
            "the calls (layers unfrozen for fine-tuning") in fell.explanation
