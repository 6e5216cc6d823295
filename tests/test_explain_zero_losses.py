"""Losses and scores logged at 0: when a 0 is no measurement (nothing scored), when it may be
rounding or by design (a DSSIM, a hinge), and what the headline may say of it."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _fit_log(rows: list[str]) -> str:
    return "".join(f"Epoch {i}/{len(rows)}\n237/237 [==============================] - 120s "
                   f"506ms/step - {row}\n" for i, row in enumerate(rows, start=1))


# fabiodimarco/tf-levenberg-marquardt#18: a custom train_step printing a training loss of
# 0.0000e+00 from epoch 2 while r_square moves
LM18 = "".join(
    f"Epoch {i}/760\n8/8 [==============================] - 1s 112ms/step - damping_factor: "
    f"1.0000e-10 - attempts: 1.0000 - loss: {loss} - r_square: {r2} - val_loss: {val} - "
    f"val_r_square: {val_r2}\n\n"
    for i, (loss, r2, val, val_r2) in enumerate((
        ("2.8319e-06", "-130.5820", "2.5453e-06", "-106.8921"),
        ("0.0000e+00", "-106.5525", "2.0733e-06", "-86.5898"),
        ("0.0000e+00", "-86.2367", "1.6919e-06", "-71.4224")), start=1))


def _ids(report) -> set[str]:
    return {f.id for f in report.findings}


REAL = Path(__file__).parent / "data" / "logs" / "real"


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


def _reconstruction_log(score: str) -> str:
    return "".join(
        f"Epoch {i}/5\n40/40 [==============================] - 3s 75ms/step - loss: "
        f"{0.02 / i:.4e} - {score}: {0.05 / i:.4e} - val_loss: 0.0000e+00 - val_{score}: "
        "0.0000e+00\n" for i in range(1, 6))


def _unscored_log(zero: str, accuracy: str) -> str:
    return "".join(
        f"Epoch {i}/3\n237/237 [==============================] - 120s 506ms/step - loss: "
        f"0.2{9 - i}00 - acc: {accuracy}{i} - val_loss: {zero} - val_acc: {zero}\n"
        for i in range(1, 4))


# a hinge or margin loss is 0 for inexact predictions: loss 0 beside an R² of 0.27 is no
# contradiction for it, so the headline carries the condition the body states
HINGE = "epoch,loss,r_square,val_loss,val_r_square\n0,0.012345,0.200000,0.031200,0.180000\n" + (
    "".join(f"{i},0.0,{0.20 + 0.01 * i:.6f},{0.0312 - 0.001 * i:.6f},{0.18 + 0.01 * i:.6f}\n"
            for i in range(1, 8)))


def test_a_validation_loss_and_accuracy_both_0_are_said_to_be_no_measurement(tmp_path: Path):
    # keras-vggface#66 / tensorflow#39370: validation_data as a list prints 0 for every value
    log = tmp_path / "fit.log"
    log.write_text(_fit_log([f"loss: {loss} - accuracy: {acc} - val_loss: 0.0000e+00 - "
                             "val_accuracy: 0.0000e+00"
                             for loss, acc in (("3.0981", "0.9739"), ("2.9", "0.9741"),
                                               ("2.8", "0.9745"))]))
    report = explain_log(log)
    [unscored] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    assert unscored.severity.value == "warning"
    assert unscored.evidence["epochs"] == [1, 2, 3] and unscored.evidence["every_epoch"]
    assert "validation_data passed as a list" in report.headline
    # no gap, and no frozen validation metric read as constant predictions, from them
    assert not [f for f in report.findings if f.id == "saturation.train_val_gap"]
    assert "predicts the same class" not in " ".join(f.explanation for f in report.findings)
    assert "validation values 0 (not scored)" in report.summary["runs"][0]["verdict"]


def test_a_first_epoch_at_0_0_then_measured_is_info_and_later_epochs_are_kept(tmp_path: Path):
    # tensorflow#34457 (TF 2.0, a dataset of unknown length): only epoch 1 prints 0
    log = tmp_path / "fit.log"
    log.write_text(_fit_log(["loss: 0.6826 - accuracy: 0.6205 - val_loss: 0.0000e+00 - "
                             "val_accuracy: 0.0000e+00",
                             "loss: 0.6219 - accuracy: 0.7525 - val_loss: 0.5929 - "
                             "val_accuracy: 0.7906",
                             "loss: 0.5420 - accuracy: 0.8060 - val_loss: 0.5277 - "
                             "val_accuracy: 0.8156"]))
    report = explain_log(log)
    [unscored] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    assert unscored.severity.value == "info" and unscored.evidence["first_only"]
    assert "tensorflow/tensorflow#34457" in unscored.explanation
    assert "validation_data passed as a list" not in report.headline


def test_no_such_claim_when_a_value_is_not_0_or_the_loss_may_be_minus_a_score(tmp_path: Path):
    log = tmp_path / "fit.log"
    # a validation accuracy above 0 beside a loss of 0: no contradiction
    log.write_text(_fit_log(["loss: 0.1 - accuracy: 0.97 - val_loss: 0.0000e+00 - "
                             "val_accuracy: 0.9900"] * 3))
    assert not [f for f in explain_log(log).findings
                if f.id == "saturation.validation_not_scored"]
    # loss = -dice: a negative training loss, and 0 is what a Dice of 0 gives
    log.write_text(_fit_log(["loss: -0.2 - dice: 0.2 - val_loss: 0.0000e+00 - "
                             "val_dice: 0.0000e+00"] * 3))
    assert not [f for f in explain_log(log).findings
                if f.id == "saturation.validation_not_scored"]


def test_a_dice_or_a_regressions_accuracy_at_0_beside_a_loss_at_0_is_not_said_unscored(
        tmp_path: Path):
    log = tmp_path / "fit.log"
    # empty validation masks predicted empty: an unsmoothed Dice of 0, a loss that prints 0
    log.write_text(_fit_log(["loss: 0.1 - dice: 0.8 - val_loss: 0.0000 - val_dice: 0.0000"] * 3))
    assert not [f for f in explain_log(log).findings
                if f.id == "saturation.validation_not_scored"]
    # a regression's exact-match accuracy (0 in training too) beside an MSE printed 0.0000
    log.write_text(_fit_log(["loss: 0.0012 - acc: 0.0000 - val_loss: 0.0000 - val_acc: 0.0000"]
                            * 3))
    assert not [f for f in explain_log(log).findings
                if f.id == "saturation.validation_not_scored"]


def test_a_training_loss_of_exactly_0_beside_a_low_r2_is_no_measurement(tmp_path: Path):
    log = tmp_path / "lm.log"
    log.write_text(LM18)
    report = explain_log(log)
    [claim] = [f for f in report.findings if f.id == "saturation.training_loss_not_measured"]
    assert claim.evidence["epochs"] == [2, 3]
    assert claim.evidence["metrics"]["r_square"]["value"] == -86.2367
    assert "exactly 0 at epochs 2-3" in report.headline
    assert "no measurement" in report.summary["runs"][0]["verdict"]


def test_no_zero_loss_claim_where_0_may_be_rounded_or_is_by_design(tmp_path: Path):
    log = tmp_path / "lm.log"
    # Keras 2.2 printed four decimals: a loss of 4e-5 shows 0.0000 beside a negative R²
    rounded = LM18.replace("2.8319e-06", "0.0001").replace("0.0000e+00", "0.0000")
    rounded = rounded.replace("1.0000e-10", "0.0000")
    for name in ("2.5453e-06", "2.0733e-06", "1.6919e-06"):
        rounded = rounded.replace(name, "0.0000")
    log.write_text(rounded)
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    # a loss that goes negative (-R² or -Dice by design) is 0 without a perfect fit
    log.write_text(LM18.replace("2.8319e-06", "-2.8319e-06"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    # an R² near 1 agrees with a loss of 0; an accuracy is no R² (soft targets)
    log.write_text(LM18.replace("-106.5525", "0.9990").replace("-86.2367", "0.9995"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    log.write_text(LM18.replace("r_square", "accuracy"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))


def test_a_loss_of_exactly_0_beside_an_accuracy_far_below_1_is_said_conditionally(tmp_path):
    # keras#4032: float16, 'loss: 0.0000e+00' beside acc 0.0987; a
    # cross-entropy of 0 needs every prediction exact, which scores an accuracy of 1
    report = explain_log(REAL / "keras_4032_keras1_float16_loss_zero_acc_chance.log")
    assert "loss at epochs 2-6 (acc 0.0987)" in report.headline
    # said under its condition
    assert "If the loss is binary cross-entropy, or categorical" in report.headline
    # a 0 printed with four decimals may be up to 5e-05; and a phase whose loss and accuracy
    # are both 0 scored no batch (validation_not_scored's case)
    line = ("10/10 [==============================] - 1s 1s/step - loss: {} - acc: 0.0987 - "
            "val_loss: 0.0000e+00 - val_acc: 0.0000e+00\n")
    text = "".join(f"Epoch {n}/3\n" + line.format("0.0000") for n in (1, 2, 3))
    assert "exactly 0" not in _explain(tmp_path, text).headline


def test_an_ssim_loss_or_dssim_of_0_beside_a_validation_loss_of_0_is_no_contradiction(
        tmp_path: Path):
    # 1 - SSIM and an MSE are both 0 for a perfect reconstruction (a blank validation image
    # predicted exactly): consistent values, not a phase that scored nothing
    for score in ("ssim_loss", "dssim"):
        log = tmp_path / f"{score}.log"
        log.write_text(_reconstruction_log(score))
        report = explain_log(log)
        assert "saturation.validation_not_scored" not in {f.id for f in report.findings}, score
        assert "no measurement" not in report.headline
    # an SSIM of 0 (a score, 1 when perfect) beside a loss of 0 still is one
    log = tmp_path / "ssim.log"
    log.write_text(_reconstruction_log("ssim"))
    assert "saturation.validation_not_scored" in {f.id for f in explain_log(log).findings}


def test_zeros_printed_to_four_decimals_are_not_called_exactly_0_nor_given_tf2_causes(
        tmp_path: Path):
    log = tmp_path / "old.log"
    # Keras before 2.3 prints every value to four decimals: 0.0000 is at most 5e-05
    log.write_text(_unscored_log("0.0000", "0.910"))
    report = explain_log(log)
    [found] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    for text in (found.title, found.explanation, report.headline):
        assert "exactly 0" not in text
        assert "print as 0.0000 (at most 5e-05)" in text
        # tf.keras 2.2+'s list-as-inputs reading prints 0.0000e+00, not this log's 0.0000
        assert "read a list as inputs" not in text
        assert "passed as a list rather than a tuple" not in text
    assert "tuple" not in found.fix
    assert found.evidence["printed"] == "0.0000" and found.evidence["exact"] is False
    # the same values printed in e-notation are exactly 0, and the TF 2.x causes fit them
    log.write_text(_unscored_log("0.0000e+00", "0.910"))
    report = explain_log(log)
    [found] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    assert "val_loss and val_acc are exactly 0 at every epoch logged" in found.title
    assert "tensorflow/tensorflow#39370" in found.explanation
    assert "validation_data passed as a list rather than a tuple" in report.headline


def test_a_dice_of_0_in_a_later_appended_fit_is_not_called_so_early_in_a_run(tmp_path: Path):
    # CSVLogger(append=True) over two fit() calls of two epochs each: the second's epochs
    # 1-2 may continue the model the first one trained
    log = tmp_path / "training.csv"
    log.write_text("epoch,dice,loss\n0,0.40,0.50\n1,0.45,0.45\n0,0.0,0.44\n1,0.0,0.43\n")
    report = explain_log(log)
    found = {f.evidence["run"]: f for f in report.findings
             if f.id == "saturation.score_zero_few_epochs"}
    later = found["run 2"]
    assert "So early in a run" not in later.explanation
    assert "This fit() is a later one appended to the same CSVLogger file" in (
        later.explanation)
    assert later.evidence["later_fit"] is True
    assert "a common start this early" not in report.headline
    # a file holding one fit keeps the reading of a start
    log.write_text("epoch,dice,loss\n0,0.0,0.44\n1,0.0,0.43\n")
    [alone] = [f for f in explain_log(log).findings
               if f.id == "saturation.score_zero_few_epochs"]
    assert "So early in a run this is a common start" in alone.explanation
    assert alone.evidence["later_fit"] is False


def test_the_zero_loss_headline_names_the_losses_it_holds_for(tmp_path: Path):
    log = tmp_path / "hinge.csv"
    log.write_text(HINGE)
    report = explain_log(log)
    [claim] = [f for f in report.findings if f.id == "saturation.training_loss_not_measured"]
    for text in (claim.title, report.headline):
        assert "if the loss is 0 only for exact predictions" in text
        assert "(every prediction exact) would make 1" not in text
    assert "if the loss is 0 only for exact predictions" in report.summary["runs"][0]["verdict"]


def test_a_loss_of_exactly_0_names_a_softmax_over_one_unit(tmp_path: Path):
    # Dense(1) or Conv2D(1, ...) with activation='softmax' outputs 1 everywhere: categorical
    # cross-entropy is then 0 for any labels and the (binary) accuracy is the share labelled
    # 1, the cross-entropy of the very predictions the accuracy counts. The sentence said
    # "that 0 is not the cross-entropy of the predictions the accuracy counts" and named
    # only underflow (a Korean load_wine exercise with Dense(1, activation='softmax'))
    path = tmp_path / "one_unit_softmax.log"
    path.write_text(_fit_log(["loss: 0.0000e+00 - accuracy: 0.0612 - val_loss: 0.0000e+00 - "
                              "val_accuracy: 0.0598"] * 3))
    headline = explain_log(path).headline
    assert "softmax of a single output unit" in headline
    assert "is not the cross-entropy of the predictions the accuracy counts" not in headline


def test_the_one_unit_softmax_is_named_for_categorical_cross_entropy_only(tmp_path: Path):
    # measured with Keras 3.15 on TensorFlow 2.21: Dense(1, activation='softmax') prints
    # loss 0.0000e+00 under categorical_crossentropy only; binary_crossentropy printed 0.8579
    # and MSE 0.7812 (the share labelled 0) beside an accuracy of 0.2188 (the share labelled 1)
    path = tmp_path / "one_unit_softmax.log"
    path.write_text(_fit_log(["loss: 0.0000e+00 - accuracy: 0.2188"] * 3))
    headline = explain_log(path).headline
    assert "or with categorical cross-entropy over a softmax of a single output unit" in headline
    assert "binary cross-entropy and MSE of such a unit are not 0" in headline
    # a categorical_accuracy of one unit is 1 whatever the labels (argmax over one unit is 0
    # for prediction and label alike): beside 0.2188 the one-unit softmax is no cause
    path.write_text(_fit_log(["loss: 0.0000e+00 - categorical_accuracy: 0.2188"] * 3))
    headline = explain_log(path).headline
    assert "underflows" in headline
    assert "single output unit" not in headline


def test_a_loss_and_accuracy_both_0_in_a_scored_phase_name_a_one_unit_softmax(tmp_path: Path):
    # Conv2D(1, 1, activation='softmax') with categorical cross-entropy prints loss 0 whatever
    # the labels, and its binary accuracy (the share labelled 1) is 0 when every label is 0.
    # The zero-loss sentence passed over an accuracy of 0 as a phase that scored no batch,
    # though the log counts 237 steps in each epoch: nothing was said of the zeros.
    path = tmp_path / "one_unit_softmax_labels_0.log"
    path.write_text(_fit_log(["loss: 0.0000e+00 - accuracy: 0.0000e+00 - val_loss: 0.0000e+00 "
                              "- val_accuracy: 0.0000e+00"] * 3))
    report = explain_log(path)
    assert "loss at epochs 1-3 (accuracy 0.0000) and val_loss at epochs 1-3" in report.headline
    assert "or with categorical cross-entropy over a softmax of a single output unit" \
        in report.headline
    assert "an accuracy of 0: no label exactly 1, the rounded prediction, as with labels all " \
        "0, masks that decode empty, or a foreground stored as 255; training batches were " \
        "scored, the log counting 237 steps in each of those epochs" in report.headline
    said = report.headline + " ".join(f.title + f.explanation for f in report.findings)
    assert "scored no batch" not in said


def test_validation_zeros_beside_a_positive_training_loss_stay_unscored(tmp_path: Path):
    # a validation phase that scored no batch (validation_data as a list) prints 0 for its loss
    # and accuracy while training measures: no one-unit softmax, which zeroes both phases' loss
    path = tmp_path / "fit.log"
    path.write_text(_fit_log(["loss: 0.0000e+00 - accuracy: 0.0000e+00 - val_loss: 0.0000e+00 "
                              "- val_accuracy: 0.0000e+00", "loss: 0.3100 - accuracy: 0.9000 - "
                              "val_loss: 0.0000e+00 - val_accuracy: 0.0000e+00"]))
    headline = explain_log(path).headline
    assert "loss at epoch 1 (accuracy 0.0000) and val_loss at epoch 1 (val_accuracy" in headline
    assert "val_loss and val_accuracy are exactly 0 at epoch 2: a validation loss and score " \
        "both 0 are no measurement" in headline
