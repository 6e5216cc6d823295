"""Layouts and claims of the thirteenth pass over public Keras logs (docs/real-logs.md, pass 13)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _fit_log(rows: list[str]) -> str:
    return "".join(f"Epoch {i}/{len(rows)}\n237/237 [==============================] - 120s "
                   f"506ms/step - {row}\n" for i, row in enumerate(rows, start=1))


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
