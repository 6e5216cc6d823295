"""Console logs whose progress drawings are cut, glued or elided: which epoch a cut line, a
glued closing drawing or a line between two '...' cuts belongs to, and which epochs ended
though their closing line is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.progress import clean_line
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

# IAmSuyogJadhav/3d-mri-brain-tumor-segmentation-using-autoencoder-regularization#37: the
# ETA drawing was cut inside a metric name and the closing drawing glued to it
GLUED = ("Epoch 90/90\n"
         "1/2 [==============>...............] - ETA: 15s - loss: 0.0271 - "
         "Dec_GT_Output_loss: 0.0000e+00 - Dec_VAE_Output_loss: 0.0271 - Dec_GT_Output_d"
         "2/2 [==============================] - 30s 15s/step - loss: 0.0282 - "
         "Dec_GT_Output_loss: 0.0000e+00 - Dec_VAE_Output_loss: 0.0282 - "
         "Dec_GT_Output_dice_coefficient: 0.0000e+00 - Dec_VAE_Output_dice_coefficient: 0.8795\n")


# mchengny/RWF2000-Video-Database-for-Violence-Detection#19: the last drawing is cut before
# its first value
RWF = ("Epoch 1/30\n"
       "200/200 [==============================] - 4883s 24s/step - loss: 0.7078 - "
       "val_loss: 0.6930\n"
       "Epoch 2/30\n"
       " 63/200 [========>.....................] - ETA: 16:03:00 - loss:\n")


# tensorflow/tensorflow#64035: TensorFlow's logger glued to a drawing's last value, and the
# validation data running out after epoch 1 (validation_steps=25, no repeat())
VALIDATION_RAN_OUT = """Epoch 1/10
213/213 [==============================] - ETA: 0s - loss: 2.6573WARNING:tensorflow:Your input ran out of data; interrupting training. Make sure that your dataset or generator can generate at least `steps_per_epoch * epochs` batches (in this case, 25 batches). You may need to use the repeat() function when building your dataset.
213/213 [==============================] - 654s 1s/step - loss: 2.6573 - val_loss: 2.2320
Epoch 2/10
213/213 [==============================] - ETA: 0s - loss: 2.1445WARNING:tensorflow:Can save best model only with val_loss available, skipping.
213/213 [==============================] - 115s 541ms/step - loss: 2.1445
Epoch 3/10
213/213 [==============================] - ETA: 0s - loss: 1.8726WARNING:tensorflow:Can save best model only with val_loss available, skipping.
"""  # noqa: E501


def _notes(report) -> str:
    return " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


REAL = Path(__file__).parent / "data" / "logs" / "real"


# keras-team/keras-tuner#559: trial 62's epochs, then trial 63's table and a bare header
TUNER = ("Epoch 1/200\n58/58 - 8s - loss: 5.8378 - val_loss: 2.1253\n"
         "Epoch 26/200\n58/58 - 5s - loss: 0.4074 - val_loss: 0.8352\n"
         "Trial 62 Complete [00h 02m 37s]\n\nEpoch 1/200\n")


def test_a_closing_drawing_glued_to_a_name_cut_off_is_the_epochs_end():
    [run] = parse_console(GLUED)
    assert run.epoch_numbers == [90]
    assert run.epochs[0]["loss"] == 0.0282
    assert run.epochs[0]["Dec_VAE_Output_dice_coefficient"] == 0.8795
    assert run.steps_per_epoch == [2] and run.step_seconds == [15.0]
    assert not any("never finished" in note or "no epoch's closing line is in the log" in note
                   for note in run.notes)


def test_the_glued_counter_is_the_digits_tail_not_above_the_target():
    # "dice_coef1" cut after its digit, then "12/12": the counter is 12, not 112
    line = "3/12 [==>...] - ETA: 5s - loss: 0.5 - dice_coef112/12 [=====] - 9s - loss: 0.4"
    assert clean_line(line) == "12/12 [=====] - 9s - loss: 0.4"
    # a name ending in digits before its colon is no drawing: nothing is cut
    plain = "12/12 [=====] - 9s - loss: 0.4 - f1: 0.5 - top2/5: 0.3"
    assert clean_line(plain) == plain


def test_a_drawing_cut_before_its_first_value_is_a_step_not_nothing():
    [run] = parse_console(RWF)
    notes = " ".join(run.notes)
    assert "line 4 (step 63 of 200), is cut off before any value" in notes
    assert "no step of the epoch" not in notes
    [bare] = parse_console(RWF.rsplit("\n", 2)[0] + "\n")  # the header alone
    assert "no step of that epoch" in " ".join(bare.notes)


def test_an_elided_drawing_after_the_last_header_is_a_drawing_cut_before_any_value(tmp_path: Path):
    # RoyceMao/2D-Ultrasound-detection-and-segmentation's README: "187/187 [=====]..."
    log = tmp_path / "readme.log"
    log.write_text("Epoch 50/150\n187/187 [==============================] - 146s - loss: "
                   "-0.2555 - main_output_dice_coef: 0.5227 - val_loss: 0.0510\n"
                   "Epoch 51/150\n187/187 [==============================]...\n")
    [run] = parse_log(log)
    assert any("line 4 (step 187 of 187), is cut off before any value" in n for n in run.notes)


def test_a_logger_message_glued_to_a_drawing_leaves_its_value_read(tmp_path: Path):
    log = tmp_path / "fit.log"
    log.write_text(VALIDATION_RAN_OUT)
    notes = _notes(explain_log(log))
    # epoch 3's drawing holds loss 1.8726 before the glued warning: not "cut off"
    assert "cut off before any value" not in notes
    assert "epoch 3/10 (line 7) never finished" in notes
    # the warning after all 213 training steps: the validation data ran out
    assert "line 2: TensorFlow warns that the input ran out of data in epoch 1/10" in notes
    assert "consistent with the validation data running out" in notes


def test_an_unfinished_only_epoch_is_named_by_its_header(tmp_path: Path):
    # keras#20568 (Keras 3): 'Epoch 1/20', then a drawing at step 115 of 6740 and no more
    log = tmp_path / "k3.log"
    log.write_text("Epoch 5/20\n 115/6740 ━━━━━━━━━━━━━━━━━━━━ 2:01:30 1s/step - iou: 0.2 - "
                   "loss: 0.0234\n")
    report = explain_log(log)
    assert "ends inside epoch 5 at step 115 of 6740" in report.headline
    assert "no header" not in report.headline


def test_values_after_a_header_in_a_layout_not_read_are_no_hung_run(tmp_path: Path):
    log = tmp_path / "odd.log"
    log.write_text("Epoch 1/100\nTrain: loss=0.49 dice=0.1\nEpoch 2/100\nTrain: loss=0.39\n")
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "hung" not in str(refused.value) and "line 2: 'Train: loss=0.49" in str(refused.value)
    # a run that stopped before its first steps ended, a logger's lines after its header
    for text in ("Epoch 1/5\n", "Epoch 1/5\n2023-02-13 12:46:15.089657: I tensorflow/core/"
                 "platform/cpu_feature_guard.cc:193] This TensorFlow binary is optimized\n"):
        log.write_text(text)
        with pytest.raises(UserError) as refused:
            explain_log(log)
        assert "hung" in str(refused.value)


def test_a_summary_after_a_cut_is_the_epoch_before_the_next_header():
    # keras#14694: epoch 7's closing line, a cut, then a closing line with no header and
    # 'Epoch 78/400': Keras prints 'Epoch 78/400' right after epoch 77's closing line
    line = ("2827/2827 [==============================] - 244s 86ms/step - loss: {:.4f} - "
            "accuracy: 0.2500 - val_loss: 3.4000 - val_accuracy: 0.2500\n")
    text = ("Epoch 7/400\n" + line.format(5.08) + "[... cut ...]\n" + line.format(3.45)
            + "Epoch 78/400\n" + line.format(3.44))
    run = parse_console(text)[0]
    assert run.epoch_numbers == [7, 77, 78]
    assert any("read as epoch 77" in note for note in run.notes)


def test_an_epoch_without_its_closing_line_before_the_next_header_ended():
    # keras-team/keras#797 (Keras 0.x): each epoch pasted by its first step only; epoch 27 is
    # followed by 'Epoch 28/128', so it ended, and some epoch did finish
    text = ("Epoch 27/128\n\n 1/10 [==>...........................] - ETA: 17s - loss: 0.6063\n"
            "Epoch 28/128\n\n 1/10 [==>...........................] - ETA: 16s - loss: 0.6619\n")
    notes = " ".join(parse_console(text)[0].notes)
    assert "epoch 27/128 (line 1) has no closing progress line, though the next epoch's" in notes
    assert "never finished" in notes.split("epoch 28/128", 1)[1]
    assert "no epoch finished" not in notes


def test_a_drawing_glued_to_a_value_cut_by_the_redraw_is_the_closing_line():
    # keras-team/autokeras#1215: 'accuracy: 0.8116/16 [====] ...' is 0.81 (the redraw erased
    # its last digits), then the closing line 16/16; it was read as a drawing at step 1
    glued = (" 1/16 [>.............................] - ETA: 0s - loss: 0.4685 - accuracy: "
             "0.8716/16 [==============================] - 0s 4ms/step - loss: 0.5135 - "
             "accuracy: 0.7812 - val_loss: 0.5953 - val_accuracy: 0.7391\n")
    [run] = parse_console("Epoch 9/1000\n" + glued + "Epoch 10/1000\n" + glued)
    assert run.epoch_numbers == [9, 10] and run.cut_short is None
    assert run.epochs[0]["accuracy"] == 0.7812 and run.epochs[0]["val_loss"] == 0.5953


def test_a_summary_before_another_runs_header_is_not_renumbered_from_it():
    # 'Epoch 20/100' after epochs of N = 400 starts another run; the second summary
    # before it stays counted on in its own run
    line = ("2827/2827 [==============================] - 244s 86ms/step - loss: {:.4f} - "
            "accuracy: 0.2500 - val_loss: 3.4000 - val_accuracy: 0.2500\n")
    text = ("Epoch 7/400\n" + line.format(5.08) + line.format(3.45) + "Epoch 20/100\n"
            + line.format(3.44))
    assert parse_console(text)[0].epoch_numbers == [7, 8]


def test_an_unfinished_epoch_before_another_runs_header_never_finished():
    # 'Epoch 2/5' after an unfinished 'Epoch 1/10' is another run (a restart), not
    # the next epoch: the first never finished as far as the log shows
    text = ("Epoch 1/10\n 1/10 [==>...........................] - ETA: 17s - loss: 0.6063\n"
            "Epoch 2/5\n 1/10 [==>...........................] - ETA: 16s - loss: 0.6619\n")
    notes = " ".join(note for run in parse_console(text) for note in run.notes)
    assert "epoch 1/10 (line 1) never finished" in notes


def test_an_epoch_that_crashed_before_the_next_header_did_not_end():
    # an OOM traceback and a shell prompt, or a KeyboardInterrupt, between
    # epoch 4's last drawing and 'Epoch 5/50' (a resumed run) was 'the epoch ended'
    for name, label in (("c5_crash_then_resume_initial_epoch.log", "epoch 4/50"),
                        ("c5b_interrupt_continue.log", "epoch 3/20")):
        [run] = parse_console((REVIEW / name).read_text(encoding="utf-8"))
        notes = " ".join(run.notes)
        assert f"{label} (line" in notes and "never finished" in notes, name
        assert "the epoch ended" not in notes, name


def test_a_summary_between_two_cuts_is_not_given_the_epoch_before_the_next_header():
    # '...', a headerless closing line, '...', 'Epoch 100/100': the line
    # was read as epoch 99, though any epoch from 4 to 99 fits
    for name in ("c6_two_cuts_middle_line.log", "c6b_cut_then_blank_header.log"):
        [run] = parse_console((REVIEW / name).read_text(encoding="utf-8"))
        assert 99 not in run.epoch_numbers, name
        assert any("anywhere from 4 to 99" in note for note in run.notes), name


def test_a_glued_drawing_keeps_the_decimals_of_the_line_values():
    # 'accuracy: 0.80999/100 [=>...' after 4-decimal values is 0.8099 then
    # step 9, not 0.809 then step 99 (nor '0.81238/100' 0.812 then step 38)
    for name, step in (("c8_glued_ends_step9.log", 9),
                       ("c8b_glued_ends_step8_after_0p8123.log", 8)):
        [run] = parse_console((REVIEW / name).read_text(encoding="utf-8"))
        assert run.cut_short is not None and run.cut_short.step == step, name


def test_a_line_between_two_cuts_is_not_numbered_in_the_runs_table(tmp_path):
    # '...', a headerless closing line, '...', 'Epoch 100/100' whose
    # line lacks the validation values: the runs table's cell said "epoch 4 (the last logging
    # every metric ...)", a number the log does not give that line
    line = ("2827/2827 [==============================] - 244s 86ms/step - loss: {} - "
            "accuracy: {} - val_loss: {} - val_accuracy: {}\n")
    text = ("Epoch 3/100\n" + line.format("5.4245", "0.0196", "5.3417", "0.0228") + "...\n"
            + line.format("4.1503", "0.1466", "4.2543", "0.1403") + "...\nEpoch 100/100\n"
            "2827/2827 [==============================] - 244s 86ms/step - loss: 3.0432 - "
            "accuracy: 0.3100\n")
    report = _explain(tmp_path, text)
    cell = report.summary["runs"][0]["values at"]
    assert "numbered anywhere from 4 to 99" in cell and "epoch 4 " not in cell


@pytest.mark.parametrize("after", [
    # costar_plan's first lines, then an OOM (TF 1 logger)
    "2018-02-01 02:31:40.831180: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1195] "
    "Creating TensorFlow device (/device:GPU:0) -> (device: 0, name: GeForce GTX 1080, "
    "pci bus id: 0000:03:00.0, compute capability: 6.1)\n"
    "ResourceExhaustedError: OOM when allocating tensor\n",
    # TF 1's device properties below its logger line
    "2018-05-01 10:00:00.000000: I tensorflow/core/common_runtime/gpu/gpu_device.cc:1356] "
    "Found device 0 with properties: \n"
    "name: GeForce GTX 1080 Ti major: 6 minor: 1 memoryClockRate(GHz): 1.582\n"
    "pciBusID: 0000:01:00.0\ntotalMemory: 11.00GiB freeMemory: 9.10GiB\n"
    "Segmentation fault (core dumped)\n",
])
def test_a_tensorflow_device_line_after_the_header_is_no_value(tmp_path: Path, after: str):
    log = tmp_path / "crashed.log"
    log.write_text("Epoch 1/100\n" + after)
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "stopped, crashed or hung before its first steps ended" in str(refused.value)
    assert "values after it" not in str(refused.value)


def test_two_lines_between_cuts_each_keep_the_range_their_numbers_may_take():
    # epoch 3, '...', two headerless closing lines, '...',
    # 'Epoch 50/100': the second was "numbered anywhere from 4 to 49", though the first,
    # before it, is at least epoch 4; the first was epoch 4, though it may be up to 48
    from unetdiag.diag.logs.console import parse_console

    path = REVIEW / "c25_two_lines_between_cuts_then_50.log"
    [run] = parse_console(path.read_text(encoding="utf-8"))
    assert run.unknown_numbers == {1: (4, 48), 2: (5, 49)}
    assert any("anywhere from 5 to 49" in note for note in run.notes)
    cell = explain_log(path).summary["runs"][0]["values at"]
    assert "numbered anywhere from 5 to 49" in cell


def test_a_last_line_after_a_cut_is_no_epoch_4_that_ends_before_the_run():
    # epochs 1-3 of 100, '...', a headerless closing line (a README's last
    # epoch): "still rising at epoch 4 ..., the last in the log of the 100 its header
    # announces: the log ends before the run did", though that line may be epoch 100
    from unetdiag.diag.logs.console import parse_console

    path = REVIEW / "c32_first_epochs_cut_then_last_line.log"
    [run] = parse_console(path.read_text(encoding="utf-8"))
    assert run.unknown_numbers == {3: (4, 100)}
    assert any("leaves its number anywhere from 4 to 100" in note for note in run.notes)
    headline = explain_log(path).headline
    assert "at epoch 4" not in headline and "the log ends before the run did" not in headline
    # no rise is read across the cut at all (the epochs between are unseen)
    assert "still rising" not in headline


def test_a_cut_last_line_never_lends_its_epoch_number_to_the_value_before():
    # the last line (epoch 6 of 100) is cut inside val_dice_coef: 0.6136 is epoch 5's
    # value, not "still rising at epoch 6 (0.6136, ...)"; the same with epoch 8's 0.8172
    # and epoch 48: no rise where the score's last value is not the run's last epoch's
    for name, cut_epoch in (("c63_last_line_cut_in_val_dice_epoch_6_of_100.log", 6),
                            ("c64_epoch_8_cut_then_epoch_48_without_validation.log", 48)):
        report = explain_log(REVIEW / name)
        assert f"at epoch {cut_epoch}" not in report.headline, name
        assert "still rising" not in report.headline, name


def test_metric_names_holding_spaces_are_read_inside_a_drawing():
    # tensorflow/tensorflow#48033: a custom train_step's keys 'AE loss min', 'AE loss max';
    # read, not refused as "no metric values ... could be read as its summary"
    report = explain_log(REAL / "tensorflow_48033_metric_names_with_spaces_checkpoint_messages.log")
    assert report.meta["final_values"]["run 1"] == {"AE loss min": 0.3534, "AE loss max": 0.3534}
    # outside a drawing, prose with a colon is no metric
    from unetdiag.diag.logs.progress import parse_progress
    assert parse_progress("The best model: 0.5 after tuning") is None


def test_a_log_ending_on_a_bare_header_says_so():
    [run] = parse_console(TUNER)
    assert run.epoch_numbers == [1, 26]
    [note] = [n for n in run.notes if "ends at the start of an epoch" in n]
    assert "'Epoch 1/200' (line 7)" in note and "counter starts again" in note
    # the same header followed by a traceback: no step is printed, but the log goes on
    [run] = parse_console(TUNER + "Traceback (most recent call last):\n")
    [note] = [n for n in run.notes if "Epoch 1/200" in n]
    assert "ends at the start" not in note and "no step of the epoch" in note
    # the next epoch of the same run, bare at the end: not read, not another run
    [run] = parse_console("Epoch 1/5\n8/8 - 1s - loss: 0.5\nEpoch 2/5\n")
    [note] = [n for n in run.notes if "Epoch 2/5" in n]
    assert "counter starts again" not in note and run.epoch_numbers == [1]
