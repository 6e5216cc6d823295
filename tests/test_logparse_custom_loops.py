"""Logs of custom training loops (their own 'Epoch i, Loss: ...' lines): what is read, and which
claims about how Keras measured or averaged a value they do not support."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.checks.saturation.checks import check_series
from unetdiag.diag.logs.custom_loop import custom_loop_epochs
from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

# MattRosenLab/AUTOMAP#4: a custom training loop's own line per epoch
AUTOMAP = ("Epoch 81, Loss: 0.00012964176130481064, ValLoss: 0.00010864507203223184\n"
           "Epoch 82, Loss: 0.00012866318866144866, ValLoss: 0.00010831371764652431\n"
           "Epoch 83, Loss: 0.00012718130892608315, ValLoss: 0.00010733326780609787\n")


# TensorFlow's advanced quickstart prints its accuracies times 100
QUICKSTART = ("# Epoch 1, Loss: 0.1315, Accuracy: 95.97, Test Loss: 0.0729, Test Accuracy: 97.52\n"
              "# Epoch 2, Loss: 0.0408, Accuracy: 98.68, Test Loss: 0.0494, Test Accuracy: 98.36\n")


# a custom loop (tf.GradientTape) printing its own line per epoch, with a train/val gap
CUSTOM_LOOP = "".join(f"Epoch {i}, Loss: {0.5 / i:.4f}, Dice: {0.60 + 0.05 * i:.4f}, "
                      f"Val Loss: {0.9 + 0.05 * i:.4f}, Val Dice: {0.40 - 0.01 * i:.4f}\n"
                      for i in range(1, 7))


# a custom loop's own lines: a regulariser computed in training only prints 0 in validation
LOOP_TERM = "".join(
    f"Epoch {i}, Loss: {0.9 - 0.03 * i:.4f}, Dice: {0.50 + 0.02 * i:.4f}, "
    f"Reg: {0.60 - 0.02 * i:.4f}, Val Loss: {0.95 - 0.02 * i:.4f}, "
    f"Val Dice: {0.45 + 0.02 * i:.4f}, Val Reg: 0.0000\n" for i in range(1, 13))


def _flat_text(report) -> str:
    [flat] = [f for f in report.findings if f.id == "saturation.flat_metric"]
    return flat.explanation


def test_a_custom_loops_epoch_lines_are_read_not_refused_as_a_csv(tmp_path: Path):
    log = tmp_path / "automap.log"
    log.write_text(AUTOMAP)
    [run] = parse_log(log)
    assert run.epoch_numbers == [81, 82, 83]
    assert run.history()["val_loss"][0] == 0.00010864507203223184
    assert "custom training loop" in run.source


def test_percent_accuracies_are_kept_apart_from_fractions():
    [run] = custom_loop_epochs(QUICKSTART)
    assert run.metrics() == ["loss", "accuracy_percent", "test_loss", "test_accuracy_percent"]
    assert any("percentage" in note for note in run.notes)
    # a fraction stays an accuracy; one line alone is no run (a sentence may start so)
    [fraction] = custom_loop_epochs(QUICKSTART.replace("95.97", "0.9597")
                                    .replace("98.68", "0.9868"))
    assert "accuracy" in fraction.metrics()
    assert custom_loop_epochs(QUICKSTART.splitlines()[0]) == []
    # "Loss (with L2)" is no pair: the line is skipped, not half read
    assert custom_loop_epochs("Epoch 1, Loss (with L2): 0.8\nEpoch 2, Loss (with L2): 0.7") == []


def test_custom_loop_lines_of_one_epoch_are_one_epoch_and_schedules_are_no_run():
    """'Epoch N, Loss' then 'Epoch N, Val Loss' lines were four runs pairing epoch 2's
    loss with epoch 1's val loss; iteration lines were a run each; an lr schedule or any
    'Epoch 1, Attendees: 5' notes were read as a run; a Dice printed in percent was a
    Dice above 1 blamed on 0-255 masks."""
    [halves] = custom_loop_epochs("Epoch 1, Loss: 0.5\nEpoch 1, Val Loss: 0.6\n"
                                  "Epoch 2, Loss: 0.4\nEpoch 2, Val Loss: 0.55\n")
    assert halves.history() == {"loss": [0.5, 0.4], "val_loss": [0.6, 0.55]}
    [steps] = custom_loop_epochs("Epoch 1, Iter: 100, Loss: 0.5\nEpoch 1, Iter: 200, Loss: 0.45\n"
                                 "Epoch 2, Iter: 100, Loss: 0.4\nEpoch 2, Iter: 200, Loss: 0.35\n")
    assert steps.history() == {"loss": [0.45, 0.35]} and steps.epoch_numbers == [1, 2]
    assert custom_loop_epochs("Epoch 10, lr: 0.001\nEpoch 20, lr: 0.0001\n") == []
    assert custom_loop_epochs("Epoch 1, Attendees: 5\nEpoch 2, Attendees: 7\n") == []
    [percent] = custom_loop_epochs("Epoch 1, Loss: 0.5, Dice: 60.1\n"
                                   "Epoch 2, Loss: 0.4, Dice: 70.9\n")
    assert percent.history() == {"loss": [0.5, 0.4], "dice_percent": [60.1, 70.9]}
    # a Dice between 1 and 2 may be 0-255 labels: left for the scale checks
    [odd] = custom_loop_epochs("Epoch 1, Loss: 0.5, Dice: 1.5\nEpoch 2, Loss: 0.4, Dice: 1.7\n")
    assert "dice" in odd.history()


def test_a_custom_loops_gap_does_not_claim_how_keras_measured_it(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text(CUSTOM_LOOP)
    report = explain_log(log)
    [gap] = [f for f in report.findings if f.id == "saturation.train_val_gap"]
    # no fit() ran: how each phase was measured is the loop's choice
    assert "Keras measures" not in gap.explanation
    assert "custom training loop" in gap.explanation
    assert "as your loop scores the validation data" in gap.fix
    # the same numbers printed by fit() keep the Keras wording
    keras = tmp_path / "fit.log"
    keras.write_text("".join(
        f"Epoch {i}/6\n10/10 [==============================] - 1s 100ms/step - loss: "
        f"{0.5 / i:.4f} - dice: {0.60 + 0.05 * i:.4f} - val_loss: {0.9 + 0.05 * i:.4f} - "
        f"val_dice: {0.40 - 0.01 * i:.4f}\n" for i in range(1, 7)))
    [fit_gap] = [f for f in explain_log(keras).findings if f.id == "saturation.train_val_gap"]
    assert "Keras measures the training figures in training mode" in fit_gap.explanation


def test_a_custom_loops_low_dice_does_not_claim_how_keras_measured_it(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text("".join(f"Epoch {i}, Loss: {0.9 - 0.01 * i:.4f}, Dice: {0.30 + 0.001 * i:.4f}, "
                           f"Val Loss: {0.95 - 0.01 * i:.4f}, Val Dice: {0.29 + 0.001 * i:.4f}\n"
                           for i in range(1, 13)))
    [low] = [f for f in explain_log(log).findings if f.id == "saturation.dice_below_half"]
    assert "as Keras measures them" not in low.explanation
    assert "as this custom loop measured them" in low.explanation


def test_a_custom_loops_nan_and_zero_dice_do_not_claim_how_keras_averaged_them(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text("".join(f"Epoch {i}, Loss: {loss}, Dice: {dice}\n" for i, loss, dice in (
        (11, "0.5", "0.0"), (12, "nan", "0.0"))))
    findings = {f.id: f for f in explain_log(log).findings}
    assert "Keras shows the running mean" not in findings["saturation.non_finite"].explanation
    assert "If this custom loop prints a mean" in findings["saturation.non_finite"].explanation
    zero = findings["saturation.score_zero_few_epochs"].explanation
    assert "Keras's training figure is a mean" not in zero
    assert "If this custom loop's training figure is a mean" in zero


def test_a_custom_loops_training_only_term_is_not_said_to_be_printed_by_keras(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text(LOOP_TERM)
    text = _flat_text(explain_log(log))
    assert "only in training" in text
    assert "Keras prints" not in text
    assert "a loop that never computes it in validation may print it as 0" in text
    # the same numbers from fit() (a history) keep the sentence about Keras's printing
    history = {"loss": [0.9 - 0.03 * i for i in range(1, 13)],
               "dice": [0.5 + 0.02 * i for i in range(1, 13)],
               "reg": [0.6 - 0.02 * i for i in range(1, 13)],
               "val_loss": [0.95 - 0.02 * i for i in range(1, 13)],
               "val_dice": [0.45 + 0.02 * i for i in range(1, 13)], "val_reg": [0.0] * 12}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "Keras prints a metric it never updated in validation as 0" in flat.explanation


def test_a_loops_epoch_header_with_one_value_per_line_below_is_read(tmp_path: Path):
    # TrinhThaiSonDHQT/Fetal-Head-Segmentation: 'Epoch 3/100', then '  Val Dice:   0.0007'...
    block = ("Epoch {}/100\n  Train Loss: {:.4f}\n  Val Loss:   {:.4f}\n  Val Dice:   0.0000\n"
             "  Val PA:     0.9923\n  LR:         0.000100\n"
             "  → Saved best model (Dice: 0.0000)\n\n")
    log = tmp_path / "loop.log"
    log.write_text("".join(block.format(i, 0.5 - i / 50, 0.45 - i / 50) for i in range(1, 7)))
    report = explain_log(log)
    assert report.summary["runs"][0]["epochs"] == 6
    assert "val_dice" in report.meta["final_values"]["run 1"]


def test_counts_and_clocks_in_a_loops_block_are_no_metrics(tmp_path: Path):
    # 'Patience: 0', 'Samples: 5000', 'GPU: 0' were metrics that never moved
    log = tmp_path / "block.log"
    log.write_text("".join(
        f"Epoch {i}/100\n  Train Loss: {0.5 - 0.02 * i:.4f}\n  Val Dice:   {0.1 * i:.4f}\n"
        "  Patience: 0\n  Samples: 5000\n  Elapsed: 31.5\n\n" for i in range(1, 7)))
    report = explain_log(log)
    assert "saturation.flat_metric" not in {f.id for f in report.findings}
    assert set(report.meta["final_values"]["run 1"]) == {"loss", "val_dice"}


def test_tqdm_bars_under_a_loops_epoch_lines_are_still_refused_as_tqdm(tmp_path: Path):
    # tqdm bars before a Keras header are no refusal, but a PyTorch loop's 'Epoch 1/5' lines
    # above its bars still are
    log = tmp_path / "pytorch.log"
    log.write_text("".join(f"Epoch {i}/5\n100%|██████████| 30/30 [00:06<00:00,  4.80it/s]\n"
                           for i in range(1, 3)))
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "tqdm progress bars" in str(refused.value)


def test_a_custom_loops_nan_is_not_said_to_be_a_mean_over_batches(tmp_path: Path):
    # many GradientTape loops print the last batch's loss, not the epoch's mean
    log = tmp_path / "loop.log"
    log.write_text("Epoch 11, Loss: 0.5, Dice: 0.0\nEpoch 12, Loss: nan, Dice: 0.0\n")
    report = explain_log(log)
    [found] = [f for f in report.findings if f.id == "saturation.non_finite"]
    assert "this custom loop averages" not in found.explanation
    assert "If this custom loop prints a mean over the epoch's batches" in found.explanation
    assert "if it prints one batch's figure (often the last), that batch was NaN" in (
        found.explanation)


def test_a_dice_a_loop_printed_in_percent_is_no_dice_above_one(tmp_path):
    # 'Dice: 99.8' is kept as dice_percent; read as a Dice it was 'out of reach ... consistent
    # with labels above 1', a claim about masks the percentage says nothing of
    path = tmp_path / "percent.log"
    path.write_text("Epoch 1, Loss: 0.1312, Accuracy: 99.6, Dice: 99.8\n"
                    "Epoch 2, Loss: 0.1100, Accuracy: 99.6, Dice: 99.8\n"
                    "Epoch 3, Loss: 0.0950, Accuracy: 99.6, Dice: 99.8\n")
    report = explain_log(path)
    assert not [f for f in report.findings if f.severity.value == "error"]
