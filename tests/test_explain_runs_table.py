"""The runs table of explain-log: the values it pairs per epoch and how it prints them."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_the_runs_table_pairs_values_of_one_epoch(tmp_path):
    # kk7nc/RMDL#14: epoch 35's line is cut after its loss; the row showed epoch 35's loss
    # beside epoch 34's val_loss
    text = ("Epoch 33/100\n - 633s - loss: 0.0239 - acc: 0.9927 - val_loss: 1.9673 - "
            "val_acc: 0.7690\nEpoch 34/100\n - 612s - loss: 0.0322 - acc: 0.9916 - val_loss: "
            "1.9237 - val_acc: 0.7774\nEpoch 35/100\n - 603s - loss: 0.0380 - ac\n")
    row = _explain(tmp_path, text).summary["runs"][0]
    assert row["loss (train / val)"] == "0.0322 / 1.9237"
    assert row["values at"].startswith("epoch 34 (the last logging every metric; epoch 35")


def test_a_metric_dropped_mid_run_does_not_drag_the_runs_table_back():
    # iou logged at epochs 1-2 only put the whole row at epoch 2
    row = explain_log(REVIEW / "c9b_dropped_metric.log").summary["runs"][0]
    assert row["loss (train / val)"] == "0.2551 / 0.2652"
    assert row["values at"].startswith("epoch 6")
    assert "iou (train / val)" not in row


def test_a_tiny_value_is_not_shown_as_0_in_the_runs_table(tmp_path: Path):
    # fabiodimarco/tf-levenberg-marquardt#18: Keras prints val_loss 1.6919e-06
    log = tmp_path / "lm.log"
    log.write_text("".join(
        f"Epoch {i}/760\n8/8 [==============================] - 1s 112ms/step - loss: {loss} - "
        f"val_loss: {val}\n" for i, (loss, val) in enumerate(
            (("2.8319e-06", "2.5453e-06"), ("0.0000e+00", "2.0733e-06"),
             ("0.0000e+00", "1.6919e-06")), start=1)))
    [row] = explain_log(log).summary["runs"]
    assert row["loss (train / val)"] == "0.0000 / 1.692e-06"


def test_a_best_so_far_and_a_name_printed_twice_are_not_the_epochs_values(tmp_path: Path):
    # 'Best Dice' (the best val Dice so far) was read as the training Dice,
    # and a block printing 'Loss' twice kept the second silently
    dice = [0.30, 0.45, 0.61, 0.58]
    log = tmp_path / "blocks.log"
    log.write_text("".join(
        f"Epoch {i}/100\n  Train Loss: {0.48 - 0.02 * i:.4f}\n  Val Loss:   0.4000\n"
        f"  Val Dice:   {value:.4f}\n  Best Dice:  {max(dice[:i]):.4f}\n\n"
        for i, value in enumerate(dice, 1)))
    [run] = explain_log(log).summary["runs"]
    assert not any("dice" in column and "0.6100 /" in str(value)
                   for column, value in run.items())
    log.write_text("".join(f"Epoch {i}/50\n  Loss: {0.5 - 0.02 * i:.4f}\n  Dice: 0.5500\n"
                           f"  Loss: {0.9 - 0.01 * i:.4f}\n  Dice: 0.3100\n"
                           for i in range(1, 4)))
    report = explain_log(log)
    notes = " ".join(f.explanation for f in report.findings)
    assert "'Loss' (line(s) 4, 9 and 14) is printed a second time" in notes


def test_an_unprefixed_column_beside_train_loss_is_in_neither_phase_column(tmp_path):
    # G30rg3ab/Computer-Vision-Project's training_log.csv: a loop's logger names its losses
    # train_loss and val_loss; its mean_iou, accuracy and dice may be the validation's, and
    # were shown as training values ("dice (train / val)": "0.4142 / -")
    text = ("epoch,train_loss,val_loss,mean_iou,accuracy,dice\n"
            "1,0.7424252786603914,0.7291348680205967,0.28179,0.52538,0.4142\n")
    row = _explain(tmp_path, text, "training_log.csv").summary["runs"][0]
    assert row["loss (train / val)"] == "0.7424 / 0.7291"
    assert not {"dice (train / val)", "iou (train / val)", "accuracy (train / val)"} & set(row)
    # Keras's naming (training bare, validation val_) keeps its columns
    text = "epoch,loss,dice,val_loss,val_dice\n0,0.5,0.6,0.55,0.58\n"
    row = _explain(tmp_path, text, "keras.csv").summary["runs"][0]
    assert row["dice (train / val)"] == "0.6000 / 0.5800"


def test_an_unprefixed_column_with_its_val_twin_beside_train_loss_is_training(tmp_path):
    # beside val_dice, dice is the training's, whatever the loss is named: the table had
    # "dice (train / val)": "- / 0.3800" beside a gap finding that read dice 0.9400 as
    # training's ("dice 0.9400 vs val_dice 0.3800")
    text = "epoch,train_loss,val_loss,dice,val_dice\n" + "".join(
        f"{i},{0.7 - 0.08 * i:.4f},{0.72 + 0.02 * i:.4f},{0.3 + 0.08 * i:.3f},"
        f"{0.3 + 0.01 * i:.3f}\n" for i in range(1, 9))
    row = _explain(tmp_path, text, "training_log.csv").summary["runs"][0]
    assert row["dice (train / val)"] == "0.9400 / 0.3800"


def test_the_checks_reading_of_an_unprefixed_column_beside_train_loss_is_said(tmp_path):
    # the checks read phases by the val_ prefix alone: beside train_loss, a flat 'dice' was
    # "The training metrics reached a plateau" while the table places it in neither column
    text = "epoch,train_loss,val_loss,dice,lr\n" + "".join(
        f"{epoch},{0.7 - 0.05 * epoch:.4f},{0.72 - 0.01 * epoch:.4f},0.7,0.001\n"
        for epoch in range(1, 9))
    path = tmp_path / "training_log.csv"
    path.write_text(text)
    [notes] = [f for f in explain_log(path).findings if f.id == "log.parse_notes"]
    assert notes.explanation.startswith(
        "dice has no phase in its name beside train_loss: the runs table places it in neither "
        "phase's column, while the checks read it as training values")
    assert "lr" not in notes.explanation.split(":")[0]
