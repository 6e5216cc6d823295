"""Logs that end inside an epoch and epochs the input ran out in: what the headline says of
the last epoch (still validating, still running, cut short) and what it may not claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.parse import parse_console


def _notes(report) -> str:
    return " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")


# abhi8893/tensorflow-deep-learning-mrdbourke#70: the training data runs out at step 7 of
# epoch 11, whose closing line then reads 562/562 with the step-7 values
TRAINING_RAN_OUT = """Epoch 10/50
562/562 [==============================] - 5s 8ms/step - loss: 0.7888 - accuracy: 0.6960 - val_loss: 0.7480 - val_accuracy: 0.7151
Epoch 11/50
  7/562 [..............................] - ETA: 4s - loss: 0.8328 - accuracy: 0.6700WARNING:tensorflow:Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate at least `steps_per_epoch * epochs` batches (in this case, 28100 batches).
562/562 [==============================] - 1s 891us/step - loss: 0.8328 - accuracy: 0.6700 - val_loss: 0.7647 - val_accuracy: 0.6975
"""  # noqa: E501


REAL = Path(__file__).parent / "data" / "logs" / "real"


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


def _words(report) -> str:
    return " ".join([report.headline] + [f"{f.title} {f.explanation}" for f in report.findings])


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_an_epoch_the_training_data_ran_out_in_is_said_to_be_short(tmp_path: Path):
    log = tmp_path / "fit.log"
    log.write_text(TRAINING_RAN_OUT)
    notes = _notes(explain_log(log))
    assert "after step 7 of 562 was drawn: consistent with training stopping there" in notes
    assert "means over 7 steps, not over 562" in notes
    # closing values other than the drawing's: no claim that they are the drawing's
    log.write_text(TRAINING_RAN_OUT.replace("1s 891us/step - loss: 0.8328",
                                            "1s 891us/step - loss: 0.8000"))
    notes = _notes(explain_log(log))
    assert "training stopping there" in notes and "means over 7 steps" not in notes


def test_an_epoch_the_input_ran_out_in_is_said_in_the_headline(tmp_path: Path):
    # abhi8893/tensorflow-deep-learning-mrdbourke#70: the closing line repeats step 7's values
    log = tmp_path / "ran_out.log"
    log.write_text(
        "Epoch 1/2\n562/562 [==============================] - 9s 16ms/step - loss: 0.9000 "
        "- accuracy: 0.7000\nEpoch 2/2\n  7/562 [..............................] - ETA: 9s - "
        "loss: 0.8328 - accuracy: 0.7143WARNING:tensorflow:Your input ran out of data; "
        "interrupting training.\n562/562 [==============================] - 1s 1ms/step - "
        "loss: 0.8328 - accuracy: 0.7143\n")
    headline = explain_log(log).headline
    assert "the input ran out in epoch 2 after step 7 of 562" in headline.lower()
    assert "means over 7 steps" in headline


def test_input_running_out_before_an_epoch_drew_a_value_is_said(tmp_path):
    # nikhilroxtomar/Unet-for-Person-Segmentation#1: 'Epoch 2/10', then TensorFlow's 'Your
    # input ran out of data; interrupting training' before any drawing of epoch 2: the
    # headline was "Nothing in this run looks saturated", the warning unmentioned
    report = explain_log(REAL / "person_seg_1_tf21_mean_io_u_1_input_ran_out.log")
    assert "input ran out of data in epoch 2/10" in report.headline
    assert "epoch 1 is the last the log has figures for" in report.headline
    notes = " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")
    assert "379 steps x 10 epochs" in notes
    # a warning after a drawing keeps its own note, not this one
    text = ("Epoch 1/2\n100/100 [==============================] - 5s 50ms/step - loss: 0.9000"
            "\nEpoch 2/2\n 40/100 [===========>..................] - ETA: 3s - loss: 0.8000"
            "WARNING:tensorflow:Your input ran out of data; interrupting training.\n")
    assert "before any of its steps drew" not in _explain(tmp_path, text).headline


@pytest.mark.parametrize("after", ["", "Epoch 00001: val_loss improved from inf to 0.60000, "
                                       "saving model to best.h5\n"])
def test_an_epoch_drawn_to_its_last_step_is_no_cut_short_epoch(tmp_path: Path, after: str):
    # 'Epoch 1/1' drawn to 1000/1000 (ETA: 0s), no closing line: its training
    # figures are means over every step, the epoch's own; only the closing line is missing
    log = tmp_path / "last_step.log"
    log.write_text("Epoch 1/1\n" + "".join(
        f"{step:4d}/1000 [============================>.] - ETA: 0s - loss: "
        f"{0.5012 - (step - 998) / 10000:.4f} - accuracy: 0.7501\n" for step in (998, 999, 1000))
        + after)
    report = explain_log(log)
    assert "not the epoch's results" not in report.headline
    notes = " ".join(f.explanation for f in report.findings)
    assert "every step of the epoch" in notes and "closing line" in notes


def test_a_run_out_that_asks_for_other_batches_than_the_training_is_no_short_epoch(
        tmp_path: Path):
    # epoch 2 drawn to step 990 of 1000 (Keras throttles its redraws), then
    # "in this case, 20 batches": not the 2000 of 1000 steps x 2 epochs the training asks
    log = tmp_path / "ran_out.log"
    log.write_text(
        "Epoch 1/2\n1000/1000 [==============================] - 9s 9ms/step - loss: 0.0123 - "
        "accuracy: 0.9951 - val_loss: 0.0200 - val_accuracy: 0.9900\nEpoch 2/2\n"
        " 990/1000 [============================>.] - ETA: 0s - loss: 0.0101 - accuracy: "
        "0.9960WARNING:tensorflow:Your input ran out of data; interrupting training. Make sure "
        "that your dataset or generator can generate at least `steps_per_epoch * epochs` "
        "batches (in this case, 20 batches). You may need to use the repeat() function when "
        "building your dataset.\n1000/1000 [==============================] - 9s 9ms/step - "
        "loss: 0.0101 - accuracy: 0.9960 - val_loss: 0.0190 - val_accuracy: 0.9910\n")
    report = explain_log(log)
    assert "means over 990 steps" not in report.headline
    notes = " ".join(f.explanation for f in report.findings)
    assert "consistent with the validation data running out" in notes


def test_input_running_out_in_a_verbose_2_epoch_is_not_said_to_come_before_any_step():
    # 'Epoch 2/10', then TensorFlow's ran-out warning, in a verbose=2 log
    # (one summary line per epoch, no drawing ever): "before any of its steps drew a value",
    # though a verbose=2 epoch shows nothing until it ends, so steps of it may have run
    report = explain_log(REVIEW / "c28_verbose2_input_ran_out_after_header.log")
    words = report.headline + " ".join(f.explanation for f in report.findings)
    assert "drew a value" not in words
    assert "input ran out of data in epoch 2/10 before the log shows any value of it" in (
        report.headline)


def test_input_running_out_after_several_epochs_is_not_after_one_epoch_s_batches():
    # epochs 1-4 of 10 at 2124 steps, then the warning in epoch 5 asking
    # for 21240 = 2124 x 10 batches: "the training input that ran out after about one
    # epoch's batches", though it yielded 4 epochs' (8496)
    report = explain_log(REVIEW / "c29_input_ran_out_before_values_in_5_of_10.log")
    notes = " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")
    assert "one epoch's batches" not in notes
    assert "ran out after about 4 epochs of batches (8496)" in notes


def test_a_log_ending_at_the_step_before_the_last_may_still_be_validating(tmp_path):
    # Keras 2's ProgbarLogger leaves an epoch's last step to the closing line, printed after
    # the validation: a log ending at step 499 of 500 also fits a run still validating
    # (fchollet/deep-learning-with-python-notebooks#128, val_steps 99,000)
    text = "Epoch 1/20\n499/500 [============================>.] - ETA: 0s - loss: 53.5993\n"
    report = _explain(tmp_path, text)
    assert "step 499 of 500" in report.headline
    assert "still validating" in report.headline
    assert "still validating" in " ".join(parse_console(text)[0].notes)
    # elsewhere inside an epoch, no such reading
    earlier = "Epoch 1/20\n400/500 [========================>.....] - ETA: 9s - loss: 53.5993\n"
    assert "validating" not in _explain(tmp_path, earlier).headline


def test_the_still_validating_reading_needs_a_validating_run_and_counts_samples():
    # a run that logs no val_ metric was 'or still validating'; Keras 2's
    # sample counter (59968/60000 after 'Train on 60000 samples', a batch of 32 short) was
    # 'step 59968 of 60000' with no still-validating reading
    [run] = parse_console((REVIEW / "c12_no_validation_ends_99_of_100.log").read_text())
    assert "validating" not in " ".join(run.notes)
    report = explain_log(REVIEW / "c13_keras2_samples_ends_last_batch.log")
    assert "sample 59968 of 60000" in report.headline
    assert "step 59968" not in report.headline
    assert "still validating" in report.headline
    # the sentence no longer says later versions draw the last step, as if they could not
    # be validating
    assert "later tf.keras draws it" not in report.headline


def test_a_log_ending_before_the_last_step_may_be_a_run_still_running():
    # Keras 3 ending at step 498 of 500 was 'interrupted, or the paste
    # stops there', as if it could not be validating: Keras 3 skips drawings within 0.05 s
    headline = explain_log(REVIEW / "c7d_keras3_ends_498_of_500.log").headline
    assert "still running" in headline


def test_a_log_that_ends_inside_its_only_epoch_says_so_in_the_headline(tmp_path: Path):
    # Mask_RCNN#296: redraws of steps 803-808 of 1000, no header, no closing line
    log = tmp_path / "eta.log"
    log.write_text("".join(
        f" {step}/1000 [=======================>......] - ETA: 3:57 - loss: "
        f"{1.03 - step / 100000:.4f} - mrcnn_mask_loss: 0.2847\n" for step in range(803, 809)))
    headline = explain_log(log).headline
    assert "ends inside its only epoch" in headline
    assert "step 808 of 1000" in headline and "not the epoch's results" in headline


def test_a_run_ended_by_its_callback_or_its_input_is_not_a_log_that_ends_early():
    # epochs 1-4 of 10, then 'Epoch 00004: early stopping', TensorFlow's
    # 'Your input ran out of data; interrupting training' in epoch 5, a ^C's KeyboardInterrupt
    # or an OOM traceback: "the log ends before the run did", though the log says what ended
    # the run
    # (session 34) a traceback or an interrupt is said as what the log holds: a fit a silent
    # EarlyStopping ended, then a crash in later code, prints the same
    for name, ender in (("c23_early_stopping_at_4_of_10_score_rising.log",
                         "before EarlyStopping ended the run"),
                        ("c24_input_ran_out_in_5_of_10_score_rising.log",
                         "before TensorFlow's 'input ran out of data' ended the run"),
                        ("c30_keyboard_interrupt_in_5_of_10_score_rising.log",
                         "with a KeyboardInterrupt after it, consistent with an interrupt that "
                         "stopped training there"),
                        ("c31_oom_traceback_in_5_of_10_score_rising.log",
                         "with a traceback after it, consistent with an exception that stopped "
                         "training there")):
        headline = explain_log(REVIEW / name).headline
        assert "the log ends before the run did" not in headline, name
        assert "train longer" not in headline, name
        assert (f"was still rising at epoch 4 (0.5408, up 0.0921 over the last 3 epochs), the "
                f"last epoch read, {ender}, short of the 10 epochs its header announces"
                ) in headline, name
        assert "The log holds" not in headline, name  # said once


def test_one_step_is_said_in_the_singular(tmp_path):
    # "means over 1 steps"
    ran_out = ("Epoch 1/2\n100/100 [==============================] - 5s 50ms/step - loss: "
               "0.9000 - val_loss: 0.9500\nEpoch 2/2\n  1/100 [..............................] "
               "- ETA: 9s - loss: 0.8000WARNING:tensorflow:Your input ran out of data; "
               "interrupting training. Make sure that your dataset or generator can generate "
               "at least `steps_per_epoch * epochs` batches (in this case, 200 batches).\n"
               "100/100 [==============================] - 1s 10ms/step - loss: 0.8000\n")
    validating = "Epoch 1/20\n1/2 [==============>...............] - ETA: 2s - loss: 0.8000\n"
    for text in (ran_out, validating):
        report = _explain(tmp_path, text)
        words = _words(report) + " ".join(
            note for f in report.findings for note in f.evidence.get("notes", []))
        assert "over 1 step" in words, words
        assert "1 steps" not in words
