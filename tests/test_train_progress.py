"""The live progress line of ``unetdiag train``: what a terminal shows while a variant
trains (new-user walk, s35: in 120 columns the bar and the elapsed time were squeezed out by
the metrics, and epoch 11's validation stood unlabelled beside epoch 12's training)."""

from __future__ import annotations

import io
import re

from rich.console import Console

from unetdiag.training.run.progress import ProgressCallback, progress_display

TRAINING = {"loss": 0.0552, "dice": 0.8030, "iou": 0.7278}
VALIDATION = {"val_loss": 0.0558, "val_dice": 0.8797, "val_iou": 0.8030}


def _lines_after(batches: int, epoch_ended: bool, width: int = 120) -> dict[str, str]:
    """The task lines of two variants after 11 epochs of the first and ``batches`` of its
    12th (and, with ``epoch_ended``, that epoch's end), drawn ``width`` columns wide."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True, color_system=None)
    progress = progress_display(console, quiet=False)
    tasks = {name: progress.add_task(name, start=False, metrics="waiting")
             for name in ("MP_Tr_BCE", "StrConv_Ups_Dice")}
    callback = ProgressCallback(progress, tasks["MP_Tr_BCE"], 12, name="MP_Tr_BCE")
    callback.params = {"steps": 4}
    callback.on_train_begin()
    for epoch in range(11):
        callback.on_epoch_begin(epoch)
        for batch in range(4):
            callback.on_train_batch_end(batch, TRAINING)
        callback.on_epoch_end(epoch, {**TRAINING, **VALIDATION})
    callback.on_epoch_begin(11)
    for batch in range(batches):
        callback.on_train_batch_end(batch, TRAINING)
    if epoch_ended:
        callback.on_epoch_end(11, {**TRAINING, **VALIDATION, "val_dice": 0.8981})
    drawn = Console(file=io.StringIO(), width=width, color_system=None)
    drawn.print(progress.make_tasks_table(progress.tasks))
    lines = drawn.file.getvalue().splitlines()
    return {name: next(line for line in lines if line.startswith(name)) for name in tasks}


def test_bar_and_elapsed_time_stay_when_the_metrics_do_not_fit():
    for width in (120, 80):
        lines = _lines_after(batches=2, epoch_ended=False, width=width)
        training, waiting = lines["MP_Tr_BCE"], lines["StrConv_Ups_Dice"]
        assert re.search(r" \d+:\d\d:\d\d ", training), training  # the elapsed time, whole
        assert " -:--:-- " in waiting, waiting  # not started yet
        for line in lines.values():
            assert line.count("━") >= 15, line  # the bar
        assert re.search(r"epoch 12/12 +loss 0\.0552", training), training


def test_name_elapsed_time_and_epoch_stay_whole_on_a_narrow_terminal():
    """At 40 and 60 columns the name and the elapsed time were cut ('StrConv_Ups_D…',
    '0:00…'), and the counter could read 'epoch 1…' for epoch 12/12: now the bar and the
    metrics give the columns."""
    for width in (40, 60):
        lines = _lines_after(batches=2, epoch_ended=False, width=width)
        training, waiting = lines["MP_Tr_BCE"], lines["StrConv_Ups_Dice"]
        assert re.search(r" \d+:\d\d:\d\d epoch 12/12( |$)", training), training
        assert " -:--:-- " in waiting, waiting
        assert len(training) <= width, training


def test_the_previous_epochs_validation_is_labelled_with_its_epoch():
    line = _lines_after(batches=2, epoch_ended=False, width=200)["MP_Tr_BCE"]
    assert re.search(r"epoch 12/12 +loss 0\.0552  dice 0\.8030  iou 0\.7278  \(epoch 11: "
                     r"val_loss 0\.0558", line), line
    assert "val_dice 0.8797" in line.split("(epoch 11:")[1]
    # at the epoch's end its own validation is shown, unlabelled
    ended = _lines_after(batches=4, epoch_ended=True, width=200)["MP_Tr_BCE"]
    assert "val_dice 0.8981" in ended and "(epoch 11" not in ended
