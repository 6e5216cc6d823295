"""Layouts and claims of the twelfth pass over public Keras logs (docs/real-logs.md, pass 12)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.custom_loop import custom_loop_epochs
from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.read import parse_log

# MattRosenLab/AUTOMAP#4: a custom training loop's own line per epoch
AUTOMAP = ("Epoch 81, Loss: 0.00012964176130481064, ValLoss: 0.00010864507203223184\n"
           "Epoch 82, Loss: 0.00012866318866144866, ValLoss: 0.00010831371764652431\n"
           "Epoch 83, Loss: 0.00012718130892608315, ValLoss: 0.00010733326780609787\n")


# TensorFlow's advanced quickstart prints its accuracies times 100
QUICKSTART = ("# Epoch 1, Loss: 0.1315, Accuracy: 95.97, Test Loss: 0.0729, Test Accuracy: 97.52\n"
              "# Epoch 2, Loss: 0.0408, Accuracy: 98.68, Test Loss: 0.0494, Test Accuracy: 98.36\n")


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


# keras-team/keras#12513: a VAE whose loss fell 2 % in epoch 2 and then froze
VAE = "".join(f"Epoch {i}/15\n265199/265199 [==============================] - 11s 43us/step - "
              f"loss: {loss} - acc: {acc} - val_loss: {val} - val_acc: 0.3275\n"
              for i, (loss, acc, val) in enumerate(
                  [("4.6721", "0.3227", "4.6551"), ("4.5683", "0.3287", "4.6553"),
                   ("4.5684", "0.3287", "4.6560"), ("4.5682", "0.3287", "4.6550"),
                   ("4.5683", "0.3287", "4.6564")], start=1))


def test_a_frozen_validation_accuracy_with_a_barely_moving_loss_is_consistent_with_no_learning(
        tmp_path: Path):
    log = tmp_path / "vae.log"
    log.write_text(VAE)
    headline = explain_log(log).headline
    assert "val_acc never moved" in headline
    assert "consistent with a model that learned nothing" in headline
    assert "from the images" not in headline


def test_custom_loop_lines_of_one_epoch_are_one_epoch_and_schedules_are_no_run():
    """Review 4: 'Epoch N, Loss' then 'Epoch N, Val Loss' lines were four runs pairing epoch 2's
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
