"""A traceback or a KeyboardInterrupt after a run's last epoch read, short of the epochs its
header announces, is said in the headline (DeepPoseKit#92: a U-Net's epoch 1 of 150, then an
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
    # epoch 1 is read from its last drawing (78/78, 'ETA: 37s'), no closing line: it was
    # "after epoch 1, the last epoch read, 149 epochs short of the 150", as if it had finished
    report = explain_log(REAL / "deepposekit_92_unet_epoch_cut_by_traceback.log")
    assert ("The log holds a traceback during epoch 1 of the 150 its header announces, before "
            "that epoch finished (its closing line is not in the log): consistent with an "
            "exception that stopped training there.") in report.headline
    assert "after epoch 1" not in report.headline


def test_an_interrupt_inside_the_last_announced_epoch_is_said(tmp_path: Path) -> None:
    # epoch 5 of 5, drawn to step 4 of 10, then a KeyboardInterrupt: the run never finished
    log = tmp_path / "last.log"
    log.write_text("Epoch 5/5\n 4/10 [=====>....] - ETA: 1s - loss: 0.4 - dice_coef: 0.5\n"
                   "Traceback (most recent call last):\n  File \"train.py\", line 9\n"
                   "KeyboardInterrupt\n")
    assert ("The log holds a KeyboardInterrupt during epoch 5 of the 5 its header announces, "
            "before that epoch finished") in explain_log(log).headline


def test_a_keyboard_interrupt_after_epoch_2_of_10_is_said(tmp_path: Path) -> None:
    log = tmp_path / "interrupted.log"
    log.write_text(_epochs(2, 10) + "Epoch 3/10\n 4/10 [=====>....] - ETA: 1s - loss: 0.4\n"
                   "Traceback (most recent call last):\n  File \"train.py\", line 9\n"
                   "KeyboardInterrupt\n")
    headline = explain_log(log).headline
    assert ("The log holds a KeyboardInterrupt after epoch 2, the last epoch read, 8 epochs "
            "short of the 10 its header announces: consistent with an interrupt that stopped "
            "training there") in headline


def test_a_traceback_after_a_finished_fit_is_not_said(tmp_path: Path) -> None:
    log = tmp_path / "finished.log"
    log.write_text(_epochs(3, 3) + "Traceback (most recent call last):\n"
                   "  File \"predict.py\", line 4\nValueError: bad shape\n")
    assert "The log holds a traceback" not in explain_log(log).headline


def test_a_still_rising_run_says_its_traceback_once_as_what_the_log_holds(tmp_path: Path) -> None:
    log = tmp_path / "rising.log"
    log.write_text("".join(
        f"Epoch {n}/20\n{_BAR} - loss: 0.{60 - 5 * n} - dice_coef: 0.{30 + 6 * n} - val_loss: "
        f"0.{61 - 5 * n} - val_dice_coef: 0.{29 + 6 * n}\n" for n in range(1, 7))
        + "Traceback (most recent call last):\n  File \"t.py\", line 3\nValueError: x\n")
    headline = explain_log(log).headline
    # said once, and as what the log holds: no longer "before an exception (...) ended the run"
    assert ("still rising at epoch 6 (0.6500, up 0.1800 over the last 3 epochs), the last epoch "
            "read, with a traceback after it, consistent with an exception that stopped "
            "training there, short of the 20 epochs its header announces.") in headline
    assert "The log holds a traceback" not in headline


def test_a_traceback_training_drew_on_after_is_not_said_to_have_stopped_it(tmp_path: Path) -> None:
    # a callback's printed traceback inside epoch 3, then epoch 3's bar drawn on: the log
    # shows that fit() went on after it, so nothing says an exception stopped it there
    traceback = ("Traceback (most recent call last):\n  File \"cb.py\", line 3, in on_batch_end\n"
                 "ValueError: could not write summary\n")
    log = tmp_path / "inside.log"
    log.write_text(_epochs(2, 150) + "Epoch 3/150\n 2/10 [==>.......] - ETA: 1s - loss: 0.57\n"
                   + traceback + " 6/10 [=====>....] - ETA: 0s - loss: 0.56\n")
    headline = explain_log(log).headline
    assert "traceback" not in headline
    assert "stopped training" not in headline
    # an epoch header after it may open another fit() (a resume, a restart): still said
    restarted = tmp_path / "restarted.log"
    restarted.write_text(_epochs(2, 150) + traceback
                         + "Epoch 1/150\n 3/10 [==>.......] - ETA: 1s - loss: 0.6\n")
    assert "The log holds a traceback after epoch 2" in explain_log(restarted).headline


def test_a_traceback_python_says_it_ignored_is_no_exception_that_stopped_training(
        tmp_path: Path) -> None:
    # 'Exception ignored in: <function ...__del__>' then its traceback: printed at interpreter
    # exit by a deleter, after a run a silent callback may have ended
    log = tmp_path / "ignored.log"
    log.write_text(_epochs(6, 20) + "Exception ignored in: <function Pool.__del__ at 0x7f>\n"
                   "Traceback (most recent call last):\n  File \"pool.py\", line 268, in __del__\n"
                   "TypeError: 'NoneType' object is not callable\n")
    headline = explain_log(log).headline
    assert "traceback" not in headline
    assert "stopped training" not in headline
    # nor that the run went on after the log ("the log ends before the run did"): the
    # deleter's exception is printed after the run, often at exit
    assert "the log ends before the run did" not in headline
    assert ("val_dice_coef was still rising at epoch 6 (0.3500, up 0.0300 over the last 3 "
            "epochs), the last in the log of the 20 its header announces; after it the log "
            "holds an exception Python reports as ignored ('Exception ignored in', which ends "
            "no run), and does not say whether training stopped there.") in headline


def test_a_print_naming_keyboard_interrupt_is_no_interrupt(tmp_path: Path) -> None:
    log = tmp_path / "print.log"
    log.write_text(_epochs(6, 20) + "Press Ctrl-C to raise KeyboardInterrupt and save the model\n")
    headline = explain_log(log).headline
    assert "KeyboardInterrupt" not in headline
    assert "interrupt" not in headline


def test_an_interrupt_after_a_caret_c_or_coloured_by_ipython_is_said(tmp_path: Path) -> None:
    for name, tail in (("caret.log", "^CTraceback (most recent call last):\n  File \"t.py\", "
                                     "line 9\n^CKeyboardInterrupt\n"),
                       ("ipython.log", "\x1b[0;31mKeyboardInterrupt\x1b[0m    Traceback (most "
                                       "recent call last)\n----> 1 model.fit(x)\n")):
        log = tmp_path / name
        log.write_text(_epochs(2, 10) + tail)
        assert "The log holds a KeyboardInterrupt after epoch 2" in explain_log(log).headline, name


def test_of_several_runs_one_stopped_short_of_its_header_is_not_told_to_train_longer(
        tmp_path: Path) -> None:
    # run 1 ran its 5 epochs; run 2 ran 6 of its 50, then a traceback: "train longer" is
    # advice for run 1 only
    rising = "".join(
        f"Epoch {n}/50\n{_BAR} - loss: 0.{60 - 5 * n} - dice_coef: 0.{30 + 6 * n} - val_loss: "
        f"0.{61 - 5 * n} - val_dice_coef: 0.{29 + 6 * n}\n" for n in range(1, 7))
    log = tmp_path / "two.log"
    log.write_text(_epochs(5, 5) + rising + "Traceback (most recent call last):\n"
                   "  File \"t.py\", line 3\nValueError: x\n")
    headline = explain_log(log).headline
    assert ("val_dice_coef was still rising at the last epoch in run 1 (0.3400, up 0.0300 over "
            "the last 3 epochs): train longer.") in headline
    assert ("val_dice_coef was still rising in run 2 at epoch 6 (0.6500, up 0.1800 over the last "
            "3 epochs), the last epoch read, short of the 50 epochs its header announces."
            ) in headline
    assert "The log holds a traceback in run 2 after epoch 6" in headline


def test_a_traceback_inside_an_epoch_whose_bar_draws_on_is_no_resume(tmp_path: Path) -> None:
    # c40's log with the restart taken out: a callback's traceback inside epoch 11, then
    # epoch 11's bar drawn on and closed in the same fit(); the fall back was said to follow
    # "a traceback or a KeyboardInterrupt before epoch 11, after which training went on",
    # consistent with "a resume from weights other than those the run had reached"
    lines = (REAL.parent / "review" / "c40_crash_resume_initial_epoch_score_fell_back.log"
             ).read_text().split("\n")
    assert lines[25:27] == ["$ python train.py --initial-epoch 10", "Epoch 11/40"]
    lines[25:27] = [" 40/80 [==============>...............] - ETA: 0:50 - loss: 0.6000 - "
                    "dice_coef: 0.4000"]
    for name, closing in (("verbose1.log", lines),
                          ("verbose2.log", lines[:21] + lines[22:25] + lines[26:])):
        log = tmp_path / name
        log.write_text("\n".join(closing))
        [fell] = [f for f in explain_log(log).findings if f.id == "saturation.score_fell_back"]
        assert "resumed_at" not in fell.evidence["metrics"]["dice_coef"], name
        assert "traceback" not in fell.explanation, name
        assert "consistent with a step size too large" in fell.explanation, name
