"""Layouts and claims of the fourteenth pass over public Keras logs (docs/real-logs.md, pass 14)."""


from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log
from unetdiag.exitcodes import UserError

# CSVLogger(append=True) over three fit() calls: the header once, the epoch column back to 0
APPENDED = ("epoch,accuracy,loss,val_accuracy,val_loss\n"
            "0,0.80,0.50,0.75,0.60\n1,0.85,0.40,0.75,0.55\n2,0.88,0.35,0.75,0.52\n"
            "0,0.89,0.33,0.75,0.50\n1,0.90,0.31,0.75,0.49\n2,0.91,0.30,0.75,0.48\n"
            "0,0.92,0.29,0.75,0.47\n1,0.93,0.28,0.75,0.46\n")


def test_fits_appended_to_one_csvlogger_file_are_said_and_not_compared(tmp_path: Path):
    log = tmp_path / "training.csv"
    log.write_text(APPENDED)
    report = explain_log(log)
    assert "3 fit() calls appended to one CSVLogger file" in report.headline
    assert "starts again at lines 5 and 8 of the file" in report.headline
    notes = [f for f in report.findings if f.id == "log.parse_notes"]
    assert notes and "fit() calls appended" in notes[0].explanation
    # one model trained further is no set of independent variants
    assert not [f for f in report.findings if f.id == "saturation.identical_across_runs"]
    gaps = {f.evidence["run"]: f.explanation for f in report.findings
            if f.id == "saturation.train_val_gap"}
    # a later fit's first epoch need not be its model's: no "after only 3 epochs"
    assert "After only" in gaps["run 1"]
    assert "After only" not in gaps["run 2"] and "After only" not in gaps["run 3"]
    assert "at every epoch from the first" not in gaps["run 2"]


def test_a_repeated_header_is_no_appended_fit(tmp_path: Path):
    # two files concatenated (each with its header): separate runs, compared as before
    log = tmp_path / "two.csv"
    rows = APPENDED.splitlines(keepends=True)
    log.write_text("".join(rows[:4]) + rows[0] + "".join(rows[1:4]))
    report = explain_log(log)
    assert "appended" not in report.headline
    assert [f for f in report.findings if f.id == "saturation.identical_across_runs"]


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


def _notes(report) -> str:
    return " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")


# keras-team/keras#4426: CSVLogger(append=True) of 2016 wrote the header again when a fit
# resumed at epoch 3 (initial_epoch): one run, not two
RESUMED = """epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss
0,0.130208333333,2.32610692581,0.154399999142,2.26858918381
1,0.173394097222,2.17767716779,0.196799999881,2.10534226418
2,0.186197916667,2.07855245802,0.177600000429,2.06805825005
epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss
3,0.201605902778,2.03062710166,0.199999999762,2.03451372261
4,0.204427083333,1.96939406792,0.229799997854,1.94915147133
"""


def test_a_repeated_header_whose_epochs_go_on_is_one_resumed_run(tmp_path: Path):
    log = tmp_path / "training.csv"
    log.write_text(RESUMED)
    report = explain_log(log)
    assert [row["epochs"] for row in report.summary["runs"]] == [5]
    assert "line 5 repeats the header" in _notes(report)


def test_keras_tuner_trials_are_named_by_their_number(tmp_path: Path):
    # keras-team/keras-tuner#559's layout: verbose=2 epochs after "Search: Running Trial #N"
    trial = ("Search: Running Trial #{n}\n\n"
             "Hyperparameter    |Value             |Best Value So Far \n"
             "lstm_units        |384               |416               \n\n"
             "Epoch 1/200\n58/58 - 8s - loss: {a} - val_loss: 2.1253\n"
             "Epoch 2/200\n58/58 - 5s - loss: {b} - val_loss: 0.8352\n"
             "Trial {n} Complete [00h 02m 37s]\nval_loss: 0.5230200886726379\n\n"
             "Best val_loss So Far: 0.396116703748703\nTotal elapsed time: 04h 32m 29s\n\n")
    log = tmp_path / "tuner.log"
    log.write_text(trial.format(n=62, a="5.8378", b="0.4074")
                   + trial.format(n=63, a="0.8142", b="0.5000"))
    report = explain_log(log)
    assert [row["run"] for row in report.summary["runs"]] == ["trial 62", "trial 63"]
    assert [row["epochs"] for row in report.summary["runs"]] == [2, 2]


def test_a_logger_line_with_commas_is_no_csv_header(tmp_path: Path):
    # noahchalifour/rnnt-speech-recognition#26: tf.distribute's INFO lines hold commas
    reduce = ("INFO:tensorflow:Reduce to /job:localhost/replica:0/task:0/device:CPU:0 then "
              "broadcast to ('/job:localhost/replica:0/task:0/device:CPU:0',).\n")
    log = tmp_path / "train.log"
    log.write_text(reduce * 6 + "Epoch: 0, Batch: 0, Global Step: 0, Loss: 879.1518\n" + reduce)
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "no Keras training epochs found" in str(refused.value)
    assert "CSV" not in str(refused.value).split(";")[0]
