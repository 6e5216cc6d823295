"""A run that an exception or a KeyboardInterrupt stopped before the epochs its header
announces is said in the headline (DeepPoseKit#92: a U-Net's epoch 1 of 150, then an
InvalidArgumentError traceback, was "Nothing in this run looks saturated" and nothing else);
a fit that finished all its epochs before a traceback is not."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REAL = Path(__file__).parent / "data" / "logs" / "real"

_BAR = "10/10 [==============================] - 1s 10ms/step"


def _epochs(count: int, total: int) -> str:
    return "".join(f"Epoch {n}/{total}\n{_BAR} - loss: 0.{60 - n} - dice_coef: 0.{30 + n} - "
                   f"val_loss: 0.{61 - n} - val_dice_coef: 0.{29 + n}\n"
                   for n in range(1, count + 1))


def test_a_traceback_inside_the_only_epoch_is_said() -> None:
    report = explain_log(REAL / "deepposekit_92_unet_epoch_cut_by_traceback.log")
    assert ("An exception (a traceback follows in the log) ended the run: epoch 1 is the last "
            "epoch read, 149 epochs short of the 150 its header announces.") in report.headline


def test_a_keyboard_interrupt_after_epoch_2_of_10_is_said(tmp_path: Path) -> None:
    log = tmp_path / "interrupted.log"
    log.write_text(_epochs(2, 10) + "Epoch 3/10\n 4/10 [=====>....] - ETA: 1s - loss: 0.4\n"
                   "Traceback (most recent call last):\n  File \"train.py\", line 9\n"
                   "KeyboardInterrupt\n")
    headline = explain_log(log).headline
    assert ("A KeyboardInterrupt ended the run: epoch 2 is the last epoch read, 8 epochs short "
            "of the 10 its header announces.") in headline


def test_a_traceback_after_a_finished_fit_is_not_said(tmp_path: Path) -> None:
    log = tmp_path / "finished.log"
    log.write_text(_epochs(3, 3) + "Traceback (most recent call last):\n"
                   "  File \"predict.py\", line 4\nValueError: bad shape\n")
    assert "ended the run" not in explain_log(log).headline
