"""Callback messages in console logs: ModelCheckpoint verdicts, EarlyStopping's restored epoch,
learning-rate schedules and TerminateOnNaN, and the epoch each message belongs to."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.read import parse_log_text

# jhu-lcsr/costar_plan#442: no closing line, but ModelCheckpoint's end-of-epoch message
COSTAR = ("Epoch 1/100\n"
          "320/321 [============================>.] - ETA: 0s - loss: 0.8076 - acc: 0.5920\n"
          "\n"
          "Epoch 00001: val_acc improved from -inf to 0.64025, saving model to w.h5\n")


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


# keras-team/keras#20323: Keras 3 EarlyStopping(restore_best_weights=True) names the epoch
EARLY_STOPPING = "".join(
    f"Epoch {i}/50\n1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 150ms/step - loss: {loss}\n"
    for i, loss in enumerate(("270.5954", "113.6899", "58.7962", "33.2164", "38.8818",
                              "48.5781"), start=1)
) + "Epoch 6: early stopping\nRestoring model weights from the end of the best epoch: 4.\n"


def _epoch(index: int, loss: float, val_loss: float) -> str:
    return (f"Epoch {index}/12\n10/10 [==============================] - 1s 100ms/step - "
            f"loss: {loss:.4f} - val_loss: {val_loss:.4f}\n")


# fit(epochs=12) stops at epoch 8 and restores epoch 6; fit(initial_epoch=8, epochs=12) goes on
STOPPED = "".join(_epoch(i, 1 / i, v) for i, v in
                  zip(range(1, 9), (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.45, 0.5), strict=True))


RESTORE = "Restoring model weights from the end of the best epoch: 6.\nEpoch 8: early stopping\n"


WENT_ON = "".join(_epoch(i, 0.1 / i, 0.3 - i / 100) for i in range(9, 13))


REAL = Path(__file__).parent / "data" / "logs" / "real"


DATA = Path(__file__).parent / "data" / "logs"


REVIEW = DATA / "review"


CLOSING = "300/300 [==============================] - 80s 268ms/step - loss: 0.1768 - acc: 0.9239"


def test_an_epoch_whose_callback_message_is_printed_ended_though_its_closing_line_is_missing():
    [run] = parse_console(COSTAR)
    notes = " ".join(run.notes)
    assert "end-of-epoch message for it is at line 4" in notes
    assert "step 320 of 321" in notes and "not the epoch's final values" in notes
    assert "never finished" not in notes and "the log ends inside" not in notes
    # a value glued to a print is said, not dropped silently
    [glued] = parse_console(COSTAR.replace("acc: 0.5920", "acc: 0.5920('logs:', {})"))
    assert "line 2: could not read \"acc: 0.5920('logs:', {})\"" in " ".join(glued.notes)
    # without the message, the epoch never finished
    [cut] = parse_console(COSTAR.rsplit("\n\n", 1)[0] + "\n")
    assert "it ends inside the epoch" in " ".join(cut.notes)


def test_a_learning_rate_scheduler_message_is_no_sign_that_an_epoch_ended(tmp_path):
    # pierluigiferrari/ssd_keras#202: LearningRateScheduler prints as its epoch begins; the
    # log ends at a NaN drawing of that epoch, which did not end
    text = ("Epoch 1/120\n\nEpoch 00001: LearningRateScheduler setting learning rate to "
            "0.001.\n 385/1000 [==========>...................] - ETA: 1:54 - loss: nan \n")
    report = _explain(tmp_path, text)
    assert "ended" not in report.headline
    assert "step 385 of 1000" in report.headline
    assert not any("the epoch ended" in note for note in parse_console(text)[0].notes)


def test_the_restored_epoch_is_named_and_its_values_shown(tmp_path: Path):
    log = tmp_path / "es.log"
    log.write_text(EARLY_STOPPING)
    report = explain_log(log)
    [row] = report.summary["runs"]
    # the model the run ends with holds epoch 4's weights, not epoch 6's
    assert row["loss (train / val)"] == "33.2164 / -"
    assert row["values at"] == "epoch 4 (weights restored; last 6)"
    assert "restored epoch 4's weights (loss 33.2164)" in report.headline
    assert "last epoch logged, 6 (loss 48.5781)" in report.headline


def test_a_restore_message_naming_no_epoch_keeps_the_last_values(tmp_path: Path):
    log = tmp_path / "es.log"
    log.write_text(EARLY_STOPPING.replace("best epoch: 4.", "best epoch."))
    report = explain_log(log)
    [row] = report.summary["runs"]
    assert row["loss (train / val)"] == "48.5781 / -"
    assert row["values at"] == "epoch 6 (last; the restored best epoch is not named)"
    assert "restored its best epoch's weights without naming the epoch" in report.headline
    # no restore message: no such cell
    log.write_text(EARLY_STOPPING.split("Restoring")[0])
    assert "values at" not in explain_log(log).summary["runs"][0]


def test_a_restored_epoch_the_excerpt_does_not_hold_is_said_not_shown(tmp_path: Path):
    # a README's "Expected output" with "..." between epochs 2 and 45, restoring epoch 35
    log = tmp_path / "es.log"
    log.write_text(EARLY_STOPPING.replace("best epoch: 4.", "best epoch: 35."))
    report = explain_log(log)
    [row] = report.summary["runs"]
    assert row["loss (train / val)"] == "48.5781 / -"
    assert row["values at"] == "epoch 6 (last logged; restored epoch 35 is not in the log)"
    assert "restored epoch 35's weights, an epoch the log does not show" in report.headline


def test_a_restore_that_more_epochs_of_the_run_follow_is_not_the_model_it_ends_with(
        tmp_path: Path):
    log = tmp_path / "cont.log"
    log.write_text(STOPPED + RESTORE + WENT_ON)
    report = explain_log(log)
    [row] = report.summary["runs"]
    assert row["epochs"] == 12
    # epochs 9-12 trained after the restore: the table shows epoch 12's values
    assert row["loss (train / val)"] == "0.0083 / 0.1800"
    assert row["values at"] == "epoch 12 (last; trained on after restoring epoch 6 at epoch 8)"
    assert "the model the run ends with is epoch 6's" not in report.headline
    assert ("EarlyStopping restored epoch 6's weights after epoch 8; training went on to "
            "epoch 12" in report.headline)
    # the restore message as the run's last word is still the model it ends with
    log.write_text(STOPPED + RESTORE)
    report = explain_log(log)
    assert report.summary["runs"][0]["values at"] == "epoch 6 (weights restored; last 8)"
    assert "the model the run ends with is epoch 6's" in report.headline


def test_checkpoint_verdicts_on_the_last_epochs_are_said(tmp_path):
    # pierluigiferrari/ssd_keras#344: 'val_loss did not improve from
    # 3.22992' after each of epochs 26-30 was "Nothing in this run looks saturated" alone
    report = explain_log(REAL / "ssdkeras_344_lrscheduler_constant_rate_val_loss_plateau.log")
    assert ("ModelCheckpoint says val_loss did not improve on its best, 3.22992, at epochs "
            "26-30, the last 5 logged (that best comes from an epoch the log does not show)"
            in report.headline)
    # an improvement among the last epochs, or fewer than three verdicts, says nothing
    line = "10/10 [==============================] - 1s 1s/step - loss: 1.0 - val_loss: {}\n"
    verdicts = ("did not improve from 0.50000", "improved from 0.50000 to 0.40000",
                "did not improve from 0.40000", "did not improve from 0.40000")
    text = "".join(f"Epoch {n}/9\n" + line.format(0.5) + f"Epoch {n:05d}: val_loss {v}\n"
                   for n, v in enumerate(verdicts, 1))
    assert "ModelCheckpoint" not in _explain(tmp_path, text).headline


def test_keras1_checkpoint_verdicts_numbered_from_0_with_no_best_are_read():
    # Keras 1's 'Epoch 00003: val_loss did not improve' (no 'from', numbered
    # from 0 under 'Epoch 4/6') got no sentence; the best is its last 'improved ... to' message
    report = explain_log(REVIEW / "c35_keras1_checkpoint_from_zero_no_best.log")
    assert ("ModelCheckpoint says val_loss did not improve on its best, 0.44000, set at epoch "
            "3 (its last 'improved' message), at epochs 4-6, the last 3 logged") in report.headline


def test_keras1_checkpoint_verdicts_without_any_best_say_so(tmp_path):
    lines = []
    for epoch in range(1, 5):
        lines += [f"Epoch {epoch}/4", "30/30 [==============================] - 12s - loss: "
                  f"0.{50 - epoch:02d}00 - val_loss: 0.4{epoch}00"]
        if epoch > 1:
            lines.append(f"Epoch {epoch - 1:05d}: val_loss did not improve")
    path = tmp_path / "k1.log"
    path.write_text("\n".join(lines) + "\n")
    headline = explain_log(path).headline
    assert ("ModelCheckpoint says val_loss did not improve at epochs 2-4, the last 3 logged "
            "(its messages name no best value)") in headline


def test_two_checkpoint_monitors_are_each_read():
    # the second callback's message replaced the first's at each epoch
    headline = explain_log(REVIEW / "c36_two_checkpoints_loss_and_dice.log").headline
    assert "val_loss did not improve on its best, 0.44000, at epochs 4-6" in headline
    assert "val_dice_coef did not improve on its best, 0.58000, at epochs 4-6" in headline


def test_a_checkpoint_best_the_bar_prints_rounded_is_shown():
    # the callback prints its best to 5 decimals (0.22995), the bar to 4
    # (0.2300 at epoch 2): 5e-5 apart, read as "that best comes from an epoch the log does
    # not show"
    report = explain_log(REVIEW / "c20_checkpoint_best_prints_0p22995_bar_0p2300.log")
    assert "did not improve on its best, 0.22995, at epochs 3-5" in report.headline
    assert "does not show" not in report.headline


def test_a_checkpoint_that_minimises_a_score_is_said_to():
    # val_dice_coef rose 0.12 -> 0.74 while ModelCheckpoint (mode 'auto',
    # 'min' in Keras 2 for a name without 'acc') said it "did not improve from 0.12000":
    # the sentence read as a stall
    report = explain_log(REVIEW / "c21_checkpoint_mode_auto_min_on_dice.log")
    assert ("the log prints val_dice_coef above that best at each of those epochs, so the "
            "callback counts a lower val_dice_coef as better (mode 'min', which Keras 2's "
            "'auto' picks for a name without 'acc')") in report.headline


def test_a_checkpoint_monitor_the_log_does_not_print_is_not_an_unseen_epoch():
    # a monitor (val_iou) absent from every progress line was "that best
    # comes from an epoch the log does not show", though the log shows every epoch
    report = explain_log(REVIEW / "c22_checkpoint_monitor_not_printed.log")
    assert "(the log prints no val_iou to compare)" in report.headline
    assert "does not show" not in report.headline


def test_a_checkpoint_that_never_left_its_starting_value_has_no_best():
    # NaN losses leave ModelCheckpoint at its starting value: 'did not
    # improve from inf' was "did not improve on its best, inf ... (that best comes from an
    # epoch the log does not show)"; 'from -inf' (mode max, Keras 3) was a ValueError
    report = explain_log(REVIEW / "c26_checkpoint_nan_did_not_improve_from_inf.log")
    assert ("ModelCheckpoint says val_loss did not improve from inf, its starting value, at "
            "epochs 1-4, the last 4 logged: it got no val_loss it could compare (NaN or inf) "
            "at any epoch up to epoch 4.") in report.headline
    assert "its best, inf" not in report.headline
    report = explain_log(REVIEW / "c27_checkpoint_keras3_nan_did_not_improve_from_minus_inf.log")
    assert "did not improve from -inf, its starting value" in report.headline


def test_a_checkpoint_best_an_earlier_fit_printed_is_not_an_unseen_epoch():
    # one ModelCheckpoint passed to two fit() calls keeps its best
    # (0.21000, run 1's epoch 4) into the second, where every epoch "did not improve from
    # 0.21000": said to come "from an epoch the log does not show"
    report = explain_log(REVIEW / "c38_checkpoint_reused_across_fits_keeps_best.log")
    assert "does not show" not in report.headline
    assert ("In run 2, ModelCheckpoint says val_loss did not improve on its best, 0.21000, at "
            "epochs 1-6, the last 6 logged (not a value of this run: run 1 prints val_loss "
            "0.2100 at epoch 4, consistent with one callback passed to both fit() calls, "
            "which keeps its best from one to the next)") in report.headline


def test_two_checkpoints_on_one_monitor_are_not_one_callback():
    # two callbacks on val_loss in one fit, a fresh one (improved at
    # epochs 1-3, then stalled on 0.33000) and one kept from an earlier fit (0.21000 all
    # along); the second's message replaced the first's in each epoch, so "ModelCheckpoint
    # says val_loss did not improve ... at epochs 1-6" beside the other's 'improved'
    report = explain_log(REVIEW / "c39_two_checkpoints_same_monitor_differ.log")
    one = "one of 2 ModelCheckpoint callbacks on val_loss (their verdicts differ) says"
    assert f"{one} val_loss did not improve on its best, 0.33000, at epochs 4-6" in (
        report.headline)
    assert f"{one} val_loss did not improve on its best, 0.21000, at epochs 1-6" in (
        report.headline)
    assert "ModelCheckpoint says" not in report.headline


def test_one_epoch_s_verdicts_met_again_later_are_not_a_second_callback():
    # a headerless run's verdicts are read from the end of the run before it, so that run's
    # last verdicts (epochs 3-5) come before this one's (3-5 again): two callbacks only where
    # a metric's messages on one epoch come in a row
    from unetdiag.diag.logs.checkpoint import checkpoint_stalls

    lines = [f"Epoch {n:05d}: val_loss did not improve from {best}"
             for best in ("0.30000", "0.20000") for n in (3, 4, 5)]
    assert checkpoint_stalls(lines, [3, 4, 5]) == [
        {"metric": "val_loss", "best": 0.2, "printed": "0.20000", "epochs": [3, 4, 5]}]


def test_a_closing_line_glued_after_its_checkpoint_message_is_epoch_one():
    report = explain_log(REAL / "zhixuhao_unet_158_checkpoint_glued_both_sides_predict_bar.log")
    [row] = report.summary["runs"]
    assert row["epochs"] == 1
    assert report.meta["final_values"]["run 1"] == {"loss": 0.1768, "acc": 0.9239}
    notes = " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")
    assert "callback message printed before it on the same line" in notes


def test_a_checkpoint_message_on_its_own_line_names_the_closing_line_after_it():
    text = ("299/300 [============================>.] - ETA: 0s - loss: 0.1770 - acc: 0.9238\n"
            "Epoch 00003: loss improved from 0.2 to 0.17682, saving model to unet.hdf5\n"
            f"{CLOSING}\n")
    [run] = parse_log_text(text, Path("headerless.log"))
    assert run.epoch_numbers == [3]
    # a closing line lines away from the message, with no header and no val_*, stays
    # unread: an evaluate() summary reads alike
    text += f"\nsome text\n{CLOSING}\n"
    [run] = parse_log_text(text, Path("headerless.log"))
    assert run.epoch_numbers == [3]


def test_a_message_right_after_a_finished_bar_names_that_bar_s_epoch(tmp_path):
    # Keras 2.2 prints an epoch's last bar, then its callbacks' messages: the closing line
    # after 'Epoch 00001: ...' is epoch 2 (it was read as epoch 1, each value one epoch early)
    bar = "300/300 [==============================] - 5s 16ms/step - loss: {} - acc: {}\n"
    text = "".join(bar.format(loss, acc) + f"Epoch 0000{epoch}: loss improved, saving model\n"
                   for epoch, loss, acc in ((1, "0.5000", "0.8000"), (2, "0.4000", "0.8500"),
                                            (3, "0.3000", "0.8800")))
    path = tmp_path / "keras22.log"
    path.write_text(text)
    [run] = parse_log_text(text, path)
    assert run.epoch_numbers == [2, 3]
    assert run.epochs[0]["loss"] == 0.4
    assert any("right after a finished progress bar" in note for note in run.notes)


def test_keras_2_2_s_blank_line_before_its_message_keeps_that_order(tmp_path):
    # Keras 2.2 prints '\nEpoch 00025: saving model ...' after the bar (MrGiovanni/UNetPlusPlus#36,
    # orobix/retina-unet#71 show the blank line): still the bar's epoch, not the next one's
    bar = "300/300 [==============================] - 5s 16ms/step - loss: {} - acc: {}\n\n"
    text = "".join(bar.format(loss, acc) + f"Epoch 0000{epoch}: saving model to m.h5\n"
                   for epoch, loss, acc in ((1, "0.5000", "0.8000"), (2, "0.4000", "0.8500"),
                                            (3, "0.3000", "0.8800")))
    path = tmp_path / "keras22_blank.log"
    path.write_text(text)
    [run] = parse_log_text(text, path)
    assert run.epoch_numbers == [2, 3] and run.epochs[0]["loss"] == 0.4


def test_a_run_terminate_on_nan_stopped_is_said_so(tmp_path: Path):
    # Mobilenet-ssd-keras#21, TerminateOnNaN's message glued to step 3
    log = tmp_path / "terminated.log"
    log.write_text(
        "Epoch 1/10\n  3/234 [..............................] - ETA: 33:37:24 - loss: 44.4110"
        "Batch 3: Invalid loss, terminating training\n"
        "  4/234 [..............................] - ETA: 25:09:00 - loss: inf \n")
    headline = explain_log(log).headline
    assert "the callback that ends training on a non-finite loss" in headline
    assert "the paste stops there" not in headline


def test_a_summary_after_early_stopping_s_message_is_no_epoch():
    # a Korean load_wine exercise keeping its output in a docstring (session 35; not in the
    # corpus, its repository unknown): EarlyStopping prints 'early stopping' as fit() ends,
    # so the bar after it is evaluate()'s; it was read as epoch 22, "the epoch (line 4)
    # lacks val_loss"
    text = ("Epoch 00021: ReduceLROnPlateau reducing learning rate to 0.02500000037252903.\n"
            "4/4 [==============================] - 0s 8ms/step - loss: 0.0000e+00 - "
            "val_loss: 0.0000e+00 - lr: 0.0500\n"
            "Epoch 00021: early stopping\n"
            "2/2 [==============================] - 0s 0s/step - loss: 0.0000e+00\n")
    [run] = parse_log_text(text, Path("stopped.log"))
    assert run.epoch_numbers == [21]
    assert any("outside any epoch" in note for note in run.notes)
