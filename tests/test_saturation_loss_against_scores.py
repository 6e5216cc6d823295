"""A validation loss that rose while the scores held or fell, and a score still rising where
the log stops: the epochs compared, the causes named (a resume, a schedule, a penalty)."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log

DATA = Path(__file__).parent / "data" / "logs"


REVIEW = DATA / "review"


STILL_IMPROVING = "saturation.still_improving"


AGAINST_SCORES = "saturation.validation_loss_against_scores"


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


# IRCAD liver, fold 1: epochs 1-6 and 46-50 of 50
IRCAD = {
    "epoch": [1, 2, 3, 4, 5, 6, 46, 47, 48, 49, 50],
    "loss": [0.3608, 0.0958, 0.082, 0.0707, 0.0655, 0.0542, 0.0138, 0.0126, 0.013, 0.0125,
             0.0123],
    "dice_coef": [0.6402, 0.9044, 0.9178, 0.9295, 0.9346, 0.9457, 0.9862, 0.9874, 0.9869,
                  0.9875, 0.9877],
    "val_loss": [0.3293, 0.4429, 0.5201, 0.3744, 0.2618, 0.2883, 0.1896, 0.1927, 0.1917,
                 0.2072, 0.1597],
    "val_dice_coef": [0.6491, 0.5385, 0.4639, 0.6053, 0.7139, 0.6894, 0.7895, 0.7871, 0.7887,
                      0.7752, 0.8198]}


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


def _words(report) -> str:
    return " ".join([report.headline] + [f"{f.title} {f.explanation}" for f in report.findings])


def test_a_validation_loss_that_rose_while_the_scores_held_is_said_as_such():
    # keras-cv#1221: val_loss 0.5102 -> 1.6957 while val_mean_io_u and the
    # validation accuracy did not fall was unsaid; it is no sign of overfitting by the scores
    report = explain_log(
        DATA / "real" / "kerascv_1221_deeplabv3plus_val_loss_spikes_headerless_first.log")
    [found] = [f for f in report.findings if f.id == "saturation.validation_loss_against_scores"]
    assert "while the validation scores are no lower at epoch 3 than there" in found.title
    assert "val_mean_io_u (0.4642 -> 0.4757)" in found.explanation
    assert "no sign of overfitting" in found.explanation
    assert "consistent with overfitting" not in found.explanation


def test_the_scores_held_are_said_only_when_none_fell():
    # val_loss rising while val_dice rose but val_accuracy fell is no
    # "validation scores did not fall"; nor is a per-output loss beside other outputs' scores
    from unetdiag.diag.checks.saturation import check_series

    history = {"loss": [0.76, 0.58, 0.51], "val_loss": [0.51, 0.88, 1.70],
               "dice": [0.40, 0.50, 0.55], "val_dice": [0.46, 0.44, 0.48],
               "accuracy": [0.80, 0.83, 0.85], "val_accuracy": [0.83, 0.82, 0.83]}
    ids = {f.id for f in check_series("run", history)}
    assert "saturation.validation_loss_against_scores" in ids
    fell = dict(history, val_accuracy=[0.83, 0.82, 0.80])
    ids = {f.id for f in check_series("run", fell)}
    assert "saturation.validation_loss_against_scores" not in ids
    per_output = {("val_seg_loss" if k == "val_loss" else "seg_loss" if k == "loss" else k): v
                  for k, v in history.items()}
    ids = {f.id for f in check_series("run", per_output)}
    assert "saturation.validation_loss_against_scores" not in ids


def test_scores_that_held_are_said_at_the_two_epochs_compared():
    # val_accuracy 0.95 at val_loss's lowest (epoch 3) and at epoch 7, 0.90
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
    # with kernel_regularizer=l2 throughout, val_loss holds a penalty that
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
    # a cosine schedule with a warm restart (CSVLogger's lr column: 3.42e-05
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


def test_a_score_that_fell_back_names_the_epochs_of_the_loss_it_quotes():
    # dice_coef fell back over epochs 11-13, then epoch 14 is NaN
    # throughout (c46): "loss 0.8700 at the last epoch" was epoch 13's, the last epoch's NaN
    report = explain_log(REVIEW / "c46_score_fell_back_then_nan_last_epoch.log")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert "at the last epoch" not in fell.explanation
    assert "loss 0.8700 at epoch 13, against 0.9500 at epoch 1" in fell.explanation
    assert "(86.7 % of the gain lost by epoch 13)" in fell.explanation


def test_a_score_that_fell_after_a_resume_names_the_resume():
    # a crash in epoch 11 (OOM traceback), then the script run again with
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


def test_a_score_that_fell_in_a_second_fit_after_early_stopping_names_the_second_fit():
    # EarlyStopping ended the first fit at epoch 10, a model summary, then
    # a second fit (initial_epoch=10, the same total: fine-tuning) from epoch 11, dice_coef
    # 0.69 -> 0.13-0.15: read as the training losing ground, with no word of the new call
    report = explain_log(REVIEW / "c50_fine_tune_fit_after_early_stopping.log")
    [fell] = [f for f in report.findings if f.id == "saturation.score_fell_back"]
    assert fell.evidence["metrics"]["dice_coef"]["resumed_at"] == {
        "epoch": 11, "after": "EarlyStopping"}
    assert ("the log shows training ended before epoch 11 (EarlyStopping) and went on in "
            "another fit() call: a fall from there is consistent with what changed between "
            "the calls (layers unfrozen for fine-tuning") in fell.explanation


def test_no_score_is_still_rising_across_a_cut():
    # the finding counted the line after '...' on as epoch 4 ("at the last
    # epoch ..., over its last 3 epochs") where it may be any epoch from 4 to 100; the rise is
    # measured across epochs the log does not show, so it is not said at all
    report = explain_log(REVIEW / "c32_first_epochs_cut_then_last_line.log")
    assert STILL_IMPROVING not in {f.id for f in report.findings}
    assert "still rising" not in report.headline


def test_a_rise_over_an_excerpt_with_a_gap_is_not_still_rising(tmp_path):
    # epochs 1-3 then 'Epoch 50/100': "over its last 3 epochs" for values 49 epochs apart,
    # with 46 epochs unseen between them
    bar = "10/10 [==============================] - 2s 200ms/step"
    lines = []
    for epoch, (dice, val) in zip((1, 2, 3, 50), ((0.40, 0.42), (0.50, 0.52), (0.60, 0.62),
                                                 (0.84, 0.84)), strict=True):
        lines += [f"Epoch {epoch}/100", f"{bar} - loss: {1 - dice:.4f} - dice_coef: "
                  f"{dice:.4f} - val_loss: {1 - val:.4f} - val_dice_coef: {val:.4f}"]
        if epoch == 3:
            lines.append("...")
    path = tmp_path / "gap.log"
    path.write_text("\n".join(lines) + "\n")
    assert STILL_IMPROVING not in {f.id for f in explain_log(path).findings}
    # the same values at epochs 1-4 are still rising
    path.write_text("\n".join(lines).replace("Epoch 50/100", "Epoch 4/100") + "\n")
    assert STILL_IMPROVING in {f.id for f in explain_log(path).findings}


def test_a_score_is_still_rising_only_if_its_last_value_is_the_last_epoch_s():
    # val_dice_coef rose to 0.7300 at epoch 9 of 10; at epoch 10 every
    # figure is NaN (c44: the run diverged) or the line lacks the validation values (c45):
    # "still rising at the last epoch ... Train for more epochs" was said of both
    for name in ("c44_still_rising_then_nan_last_epoch.log",
                 "c45_still_rising_last_epoch_no_validation.log"):
        report = explain_log(REVIEW / name)
        assert "saturation.still_improving" not in {f.id for f in report.findings}, name
        assert "still rising" not in report.headline, name


def test_a_last_epoch_jump_inside_the_noise_is_not_still_improving():
    assert _found(check_series("fold 1", IRCAD), "saturation.still_improving") == []
    steady = dict(IRCAD, val_dice_coef=[0.60, 0.62, 0.64, 0.66, 0.68, 0.70, 0.72, 0.74, 0.76,
                                        0.78, 0.80])
    assert _found(check_series("fold 1", steady), "saturation.still_improving")


def test_a_score_still_rising_where_the_log_stops_before_the_run_is_not_told_to_train_longer(
        tmp_path):
    # keras-cv#1128: epochs 1-4 of 10 pasted; "still rising when training stopped ...: train
    # longer", though the header announces 6 more epochs the paste leaves out
    line = ("2124/2124 [==============================] - 321s 151ms/step - loss: {} - "
            "val_loss: {} - val_mean_io_u: {}\n")
    scores = (("0.8223", "0.5980", "0.4487"), ("0.5819", "0.5216", "0.5137"),
              ("0.4985", "0.5067", "0.5275"), ("0.4547", "0.4540", "0.5408"))
    text = "".join(f"Epoch {n}/10\n" + line.format(*s) for n, s in enumerate(scores, 1))
    report = _explain(tmp_path, text)
    words = _words(report)
    assert "train longer" not in words and "when training stopped" not in words
    assert "the last in the log of the 10 its header announces" in report.headline
    # a log that reaches its header's last epoch still says it
    finished = text.replace("/10", "/4")
    assert "train longer" in _explain(tmp_path, finished).headline


def test_no_rise_is_measured_from_a_score_beside_a_non_finite_loss():
    # val_loss NaN and val_dice_coef 0 at epoch 3 of 6 (0.38, 0.46, 0,
    # 0.62, 0.70, 0.78): "up 0.7800 over its last 3 epochs" was measured from that 0; the
    # healthy epochs 4 -> 6 rise 0.16, over too few epochs for the claim
    report = explain_log(REVIEW / "c70_val_loss_nan_at_epoch_3_dice_0_then_rises.log")
    assert "saturation.still_improving" not in {f.id for f in report.findings}
    assert "saturation.non_finite" in {f.id for f in report.findings}
