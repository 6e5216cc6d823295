"""Log parsers on real-format snippets: Keras 2/3 console output, CSVLogger, history JSON.

The files in tests/data/logs/ are captures of real ``model.fit`` runs (Keras 3.15 and
tf-keras 2.21, verbose 1 and 2, with their progress-bar redraws and TensorFlow noise), the
original project's README log, and one synthetic snippet in the same format (see its header).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.model import LogFormatError, RunLog
from unetdiag.diag.logs.read import detect_kind, parse_log
from unetdiag.diag.logs.tabular import parse_csv, parse_history_json
from unetdiag.exitcodes import UserError

LOGS = Path(__file__).parent / "data" / "logs"
SEED_LINE = ("370/370 ━━━━━━━━━━━━━━━━━━━━ 580s 2s/step - accuracy: 0.9961 - dice_coef: 0.9511 "
             "- loss: 0.1115 - val_accuracy: 0.9950 - val_dice_coef: 0.9955 - val_loss: 0.0240")


def _epoch_lines(count: int, line: str = SEED_LINE, total: int | None = None) -> str:
    total = total or count
    return "".join(f"Epoch {i}/{total}\n{line}\n" for i in range(1, count + 1))


# --------------------------------------------------------------------------- console


def test_seed_readme_log_four_named_runs_with_their_numbers():
    runs = parse_log(LOGS / "seed_readme_log.txt")
    assert [r.name for r in runs] == ["MP_Tr_BCE", "MP_Tr_Dice", "StrConv_Tr_BCE",
                                      "StrConv_Ups_Dice"]
    assert [len(r.epochs) for r in runs] == [5, 5, 5, 3]
    assert runs[0].epochs[0] == {"accuracy": 0.9961, "dice_coef": 0.9511, "loss": 0.1115,
                                 "val_accuracy": 0.9950, "val_dice_coef": 0.9955,
                                 "val_loss": 0.0240}
    assert runs[1].series("val_dice_coef").tolist() == [0.9975] * 5
    assert runs[1].step_seconds == [1.0, 1.0, 2.0, 1.0, 1.0]
    assert runs[3].step_seconds == [23.0] * 3 and runs[3].steps_per_epoch == [739] * 3
    assert runs[0].steps_per_epoch == [370] * 5
    assert "seed_readme_log.txt" in runs[0].source and "lines" in runs[0].source
    assert all(not r.notes for r in runs)


def test_keras3_capture_keeps_only_the_closing_drawing_of_each_epoch():
    text = (LOGS / "keras3_verbose1_redraw.log").read_bytes().decode()
    assert "\r" in text and "\x1b[" in text and "\b" in text  # a real, undoctored capture
    runs = parse_log(LOGS / "keras3_verbose1_redraw.log")
    assert len(runs) == 1 and runs[0].name == "ok_run"
    first = runs[0].epochs[0]
    # the in-progress drawing (1/3, no validation) precedes the closing one on the same line
    assert first == {"accuracy": 0.5423, "dice_coef": 0.5832, "loss": 0.6906,
                     "val_accuracy": 0.5751, "val_dice_coef": 0.5845, "val_loss": 0.6865}
    assert runs[0].step_seconds[0] == pytest.approx(0.089)
    assert len(runs[0].epochs) == 3


def test_keras2_console_matches_its_own_csvlogger_and_history():
    """Same tf-keras 2 run captured three ways: the console rounds to 4 decimals."""
    console = parse_log(LOGS / "keras2_verbose1_redraw.log")[0]
    csv_run = parse_log(LOGS / "csvlogger.csv")[0]
    history = parse_log(LOGS / "history_list.json")[0]
    assert console.metrics() == ["loss", "accuracy", "dice_coef", "val_loss", "val_accuracy",
                                 "val_dice_coef"]
    for metric in console.metrics():
        assert np.allclose(console.series(metric), csv_run.series(metric), atol=5e-5)
        assert np.allclose(csv_run.series(metric), history.series(metric), atol=1e-12)
    assert console.step_seconds == [0.117, 0.023, pytest.approx(0.024)]


def test_keras2_verbose2_reads_negative_e_notation_and_step_not_epoch_time():
    run = parse_log(LOGS / "keras2_verbose2_labels255.log")[0]
    assert run.epochs[0]["loss"] == -7.4794 and run.epochs[0]["val_loss"] == -11.859
    assert run.series("val_dice_coef")[-1] == 1.0675
    # "... - 654ms/epoch - 218ms/step": the step time, not the epoch time
    assert run.step_seconds[0] == pytest.approx(0.218)


def test_keras3_verbose2_keeps_nan_as_float():
    run = parse_log(LOGS / "keras3_verbose2_nan.log")[0]
    assert math.isnan(run.epochs[0]["loss"]) and run.epochs[0]["accuracy"] == 0.4332
    assert run.step_seconds == [0.376, 0.056, 0.053]
    history = run.history()
    assert math.isnan(history["val_loss"][2]) and history["step_seconds"] == [0.376, 0.056, 0.053]


def test_noise_does_not_change_what_is_read():
    clean = _epoch_lines(3)
    noisy = ("2025-02-26 15:27:14.960927: I tensorflow/core/platform/cpu_feature_guard.cc:182]"
             " This TensorFlow binary is optimized\r\n"
             "WARNING:absl:Compiled the loaded model, but the compiled metrics have yet to be "
             "built.\r\n")
    for i in range(1, 4):
        noisy += (f"Epoch {i}/3\r\n"
                  f"\r\x1b[1m 12/370\x1b[0m \x1b[32m━━\x1b[0m 9:40 2s/step - accuracy: 0.5000"
                  f"\b\b\b\b\b\r{SEED_LINE}\r\n"
                  f"Epoch {i}: val_loss improved from inf to 0.02400, saving model to m.keras\r\n"
                  "/usr/lib/python3/site-packages/keras/src/trainers/epoch_iterator.py:107: "
                  "UserWarning: Your input ran out of data\r\n")
    noisy += "Epoch 3: early stopping\r\nRestoring model weights from the end of epoch 2.\r\n"
    assert parse_console(noisy)[0].epochs == parse_console(clean)[0].epochs


def test_timestamped_lines_from_logging_or_ts():
    text = "".join(f"[2025-02-26 15:28:{i:02d}] INFO Epoch {i}/3\n"
                   f"2025-02-26 15:28:{i:02d},123 INFO {SEED_LINE}\n" for i in (1, 2, 3))
    run = parse_console(text)[0]
    assert len(run.epochs) == 3 and run.epochs[2]["val_loss"] == 0.024
    assert run.step_seconds == [2.0, 2.0, 2.0]


def test_a_line_cut_inside_a_number_drops_that_value_and_says_so():
    text = _epoch_lines(2, total=3) + "Epoch 3/3\n" + SEED_LINE[:-3]  # "val_loss: 0.02"
    run = parse_console(text)[0]
    assert len(run.epochs) == 3
    assert "val_loss" not in run.epochs[2] and run.epochs[2]["val_dice_coef"] == 0.9955
    assert run.history()["val_loss"] == [0.024, 0.024, None]
    assert any("cut off" in note for note in run.notes)
    # a complete last line without a final newline is kept whole
    complete = parse_console(_epoch_lines(2).rstrip("\n"))[0]
    assert complete.epochs[1]["val_loss"] == 0.024 and not complete.notes


def test_an_epoch_that_never_finished_is_not_counted():
    text = _epoch_lines(2, total=3) + "Epoch 3/3\n 57/370 ━━━━━━━━━━━━━━━━━━━━ 9:40 2s/step - "
    text += "accuracy: 0.9961 - loss: 0.0200\n"
    run = parse_console(text)[0]
    assert len(run.epochs) == 2
    assert any("never finished" in note for note in run.notes)


def test_runs_split_on_headers_or_on_a_restarting_counter():
    unnamed = parse_console(_epoch_lines(2) + _epoch_lines(3))
    assert [(r.name, len(r.epochs)) for r in unnamed] == [("run 1", 2), ("run 2", 3)]
    twice = parse_console("Training unet on /CPU:0...\n" + _epoch_lines(2)
                          + "Training unet on /CPU:0...\n" + _epoch_lines(2))
    assert [r.name for r in twice] == ["unet", "unet (2)"]
    # a stray "Running ..." print between epochs of one run does not split it
    stray = "Epoch 1/3\n" + SEED_LINE + "\nRunning validation_extra\nEpoch 2/3\n" + SEED_LINE
    assert [len(r.epochs) for r in parse_console(stray + "\n")] == [2]


def test_fit_with_one_epoch_has_no_epoch_line_but_counts():
    runs = parse_console("Training solo on /CPU:0...\n" + SEED_LINE + "\n"
                         "47/47 ━━━━━━━━━━━━━━━━━━━━ 5s 100ms/step - accuracy: 0.99 - loss: 0.02\n")
    assert [(r.name, len(r.epochs)) for r in runs] == [("solo", 1)]
    assert any("outside any epoch" in note for note in runs[0].notes)  # the evaluate() bar


def test_markdown_prose_and_a_progress_like_date_are_not_epochs():
    with pytest.raises(LogFormatError, match="no Keras training epochs"):
        parse_console("# Notes\nTrained 3/5 models on 2025/02/26 - loss: low\n5/5 tests passed\n")


def test_a_log_that_ends_before_its_first_epoch_finished_says_which_epoch_began():
    with pytest.raises(LogFormatError, match=r"no epoch finished: the log starts epoch 1/5 at "
                                             r"line 2 and ends before any progress line"):
        parse_console("Using TensorFlow backend.\nEpoch 1/5\nFound 30 images belonging to 1 "
                      "classes.\n")


def test_two_epoch_summaries_under_one_header_are_two_epochs_numbered_by_the_callback():
    line = "405/405 [==============================] - 0s 724us/sample - loss: {} - val_loss: {}"
    text = "\n".join([
        "Epoch 41/5000", line.format("0.1647", "0.2934"),
        "Epoch 42/5000", line.format("0.1657", "0.3118"),
        "Epoch 00086: val_loss did not improve from 0.26629",  # a paste cut before it
        line.format("0.1033", "0.2777"),
        line.format("0.0888", "0.2726"),  # no callback message: counted on
        "Epoch 88/5000", line.format("0.0919", "0.2895"),
        "10/10 [==============================] - 0s - loss: 0.3000",  # evaluate(): no val_
    ]) + "\n"
    [run] = parse_console(text)
    assert run.epoch_numbers == [41, 42, 86, 87, 88]
    assert [epoch["loss"] for epoch in run.epochs] == [0.1647, 0.1657, 0.1033, 0.0888, 0.0919]
    assert any("read as epoch 86, which a callback message names" in n for n in run.notes)


def test_a_closing_line_pasted_twice_or_followed_by_its_own_epochs_header_is_no_epoch():
    line = "10/10 [==============================] - 1s 100ms/step - loss: {} - val_loss: {}"
    pasted_twice = "\n".join(["Epoch 1/3", line.format("0.5000", "0.6000"),
                               line.format("0.5000", "0.6000"), "Epoch 2/3",
                               line.format("0.4000", "0.5000")]) + "\n"
    [run] = parse_console(pasted_twice)
    assert run.epoch_numbers == [1, 2]
    assert run.notes == ["line 3 repeats a closing line of the same epoch (values, steps and "
                         "time alike): read once"]
    # Keras 1/2 verbose=2 lines carry no step time: pasted twice, still one epoch
    verbose2 = "\n".join(["Epoch 1/2", "299s - loss: 6.4668 - val_loss: 6.1000",
                           "299s - loss: 6.4668 - val_loss: 6.1000", "Epoch 2/2",
                           "280s - loss: 5.0000 - val_loss: 5.5000"]) + "\n"
    assert parse_console(verbose2)[0].epoch_numbers == [1, 2]
    # a stuck run prints the same values epoch after epoch: with another time, not a repeat
    stuck = "\n".join(["Epoch 1/3", line.format("0.5000", "0.6000"),
                        line.format("0.5000", "0.6000").replace("100ms", "101ms")]) + "\n"
    assert parse_console(stuck)[0].epoch_numbers == [1, 2]
    # another closing line under epoch 1, then 'Epoch 2/3': it cannot be epoch 2
    two_lines = "\n".join(["Epoch 1/3", line.format("0.5000", "0.6000"),
                            line.format("0.4500", "0.5500"), "Epoch 2/3",
                            line.format("0.4000", "0.5000")]) + "\n"
    [run] = parse_console(two_lines)
    assert run.epoch_numbers == [1, 2] and [e["loss"] for e in run.epochs] == [0.5, 0.4]
    assert run.notes == ["line 3: a second closing line under epoch 1, before 'Epoch 2/...', "
                         "was not read as an epoch"]


def test_utf16_console_log_from_powershell(tmp_path):
    path = tmp_path / "fit.log"
    path.write_bytes(_epoch_lines(2).encode("utf-16"))  # with BOM, as PowerShell writes
    assert len(parse_log(path)[0].epochs) == 2
    path.write_bytes(_epoch_lines(2).encode("utf-16-le"))  # without BOM
    assert len(parse_log(path)[0].epochs) == 2


# --------------------------------------------------------------------------- CSV


def test_csvlogger_nan_and_appended_runs():
    run = parse_csv((LOGS / "csvlogger_nan.csv").read_text())[0]
    assert math.isnan(run.epochs[0]["loss"]) and run.epochs[0]["val_accuracy"] == 0.30230712890625
    assert "epoch" not in run.metrics()
    appended = parse_csv("epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.5\n0,0.9,0.9\n1,0.8,nan\n")
    assert [len(r.epochs) for r in appended] == [2, 2]
    assert math.isnan(appended[1].epochs[1]["val_loss"])


def test_csv_with_semicolons_blank_cells_and_a_repeated_header():
    runs = parse_csv("epoch;loss;val_dice\n0;0.5;\n1;0.4;0.7\nepoch;loss;val_dice\n0;0.3;0.8\n")
    assert [len(r.epochs) for r in runs] == [2, 1]
    assert runs[0].history()["val_dice"] == [None, 0.7]


def test_unrelated_csv_is_refused_with_its_columns_named(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,age,city\nAda,36,London\nAlan,41,Wilmslow\n")
    with pytest.raises(UserError) as error:
        parse_log(path)
    message = str(error.value)
    assert "people.csv" in message and "name, age, city" in message and "\n" not in message



_LIGHTNING_BARS = (
    "Epoch 0: 100%|##########| 50/50 [00:10<00:00,  4.85it/s, loss=0.693, v_num=0, "
    "val_loss=0.650, val_dice=0.400]\n"
    "Epoch 1: 100%|##########| 50/50 [00:10<00:00,  4.85it/s, loss=0.500, v_num=0, "
    "val_loss=0.450, val_dice=0.600]\n")


def test_tqdm_progress_bars_are_refused_not_read_as_a_csvlogger_file(tmp_path):
    # Their commas made a one-epoch "CSVLogger file" with no metric and "no problem found".
    path = tmp_path / "lightning.log"
    path.write_text(_LIGHTNING_BARS)
    with pytest.raises(UserError, match="tqdm progress bar") as error:
        parse_log(path)
    assert "lightning.log" in str(error.value)


def test_csv_whose_first_line_is_not_column_names_or_has_no_numbers_is_refused(tmp_path):
    progress = tmp_path / "progress.csv"
    progress.write_text("step 1: 10%|#, loss=0.5\nstep 2: 20%|#, loss=0.4\n")
    with pytest.raises(UserError, match="not a row of column names"):
        parse_log(progress)
    words = tmp_path / "words.csv"
    words.write_text("epoch,loss\n0,low\n1,lower\n")  # epochs with no value
    with pytest.raises(UserError):
        parse_log(words)

# --------------------------------------------------------------------------- JSON


def test_history_json_shapes():
    nan_run = parse_history_json((LOGS / "history_nan.json").read_text())[0]
    assert math.isnan(nan_run.epochs[0]["val_loss"]) and len(nan_run.epochs) == 3
    named = parse_history_json((LOGS / "history_runs.json").read_text())
    assert [r.name for r in named] == ["unet_bce", "unet_bce_labels255"]
    listed = parse_history_json((LOGS / "history_list.json").read_text())
    assert [r.name for r in listed] == ["run 1", "run 2"]
    wrapped = parse_history_json(json.dumps({"history": {"loss": [1, 0.5]}, "params": {}}))
    assert wrapped[0].series("loss").tolist() == [1.0, 0.5]
    records = parse_history_json('[{"epoch": 0, "loss": 0.5}, {"epoch": 1, "loss": "nan"}]')
    assert records[0].epochs[0] == {"loss": 0.5} and math.isnan(records[0].epochs[1]["loss"])
    ragged = parse_history_json('{"loss": [0.5, 0.4, null], "val_loss": [0.6]}')[0]
    assert ragged.history() == {"loss": [0.5, 0.4, None], "val_loss": [0.6, None, None]}


@pytest.mark.parametrize("text, expected", [
    ('{"name": "unet", "layers": 12}', "no training history"),
    ('{"loss": [0.5, 0.4], "val_loss": [0.6', "not valid JSON"),
    ("[1, 2, 3]", "no training history"),
])
def test_json_that_is_not_a_history_is_refused(tmp_path, text, expected):
    path = tmp_path / "history.json"
    path.write_text(text)
    with pytest.raises(UserError, match=expected) as error:
        parse_log(path)
    assert "history.json" in str(error.value)


# --------------------------------------------------------------------------- files


def test_kind_comes_from_content_not_extension(tmp_path):
    as_txt = tmp_path / "history.txt"
    as_txt.write_text('{"loss": [0.5, 0.4]}')
    as_csv = tmp_path / "console.csv"
    as_csv.write_text(_epoch_lines(2))
    table = tmp_path / "training.log"
    table.write_text("epoch,loss\n0,0.5\n1,0.4\n")
    assert parse_log(as_txt)[0].source.endswith("history JSON")
    assert "console log" in parse_log(as_csv)[0].source
    assert "CSVLogger" in parse_log(table)[0].source
    assert detect_kind("epoch,loss\n") == "csv"  # CSVLogger before its first epoch ended


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"  \n\n\t\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "not a text file"),
    (bytes(range(1, 9)) * 500, "not a text file"),
    (b"hello, this is not a training log\n", "no Keras training epochs"),
])
def test_unusable_files_give_one_clear_line(tmp_path, content, expected):
    path = tmp_path / "bad.log"
    path.write_bytes(content)
    with pytest.raises(UserError, match=expected) as error:
        parse_log(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        parse_log(tmp_path / "nope.log")
    with pytest.raises(UserError, match="is a folder"):
        parse_log(tmp_path)


def test_parse_log_leaves_the_file_untouched(tmp_path):
    path = tmp_path / "seed.log"
    data = (LOGS / "seed_readme_log.txt").read_bytes()
    path.write_bytes(data)
    parse_log(path)
    assert path.read_bytes() == data


def test_runlog_series_and_history_tell_missing_from_nan():
    run = RunLog("r", [{"loss": 0.5}, {"loss": math.nan, "val_loss": 0.7}], [None, 2.0], "test",
                 [None, 370])
    assert run.metrics() == ["loss", "val_loss"]
    assert np.isnan(run.series("val_loss")[0]) and np.isnan(run.series("loss")[1])
    assert run.history() == {"loss": [0.5, run.epochs[1]["loss"]], "val_loss": [None, 0.7],
                             "step_seconds": [None, 2.0], "steps_per_epoch": [None, 370.0]}


# --------------------------------------------------------------------------- robustness

_LOG_ALPHABET = st.sampled_from(
    list("0123456789/.-: abcdefghijklmnopqrstuvwxyzEpoch[]=>━\r\n\b\x1b,;{}\"") + [
        "Epoch 1/3\n", "Epoch 2/3\n", " - loss: ", " - val_dice: ", "nan", "370/370 ",
        "3/3 - 1s - ", "Training x on /CPU:0\n", "epoch,loss\n", "ms/step"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LOG_ALPHABET, max_size=80).map("".join))
def test_parsers_fail_only_with_a_format_error(text):
    for parse in (parse_console, parse_csv, parse_history_json):
        try:
            runs = parse(text)
        except LogFormatError as error:
            assert "\n" not in str(error)
        else:
            assert runs and all(run.epochs for run in runs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_parse_log_on_any_bytes_returns_runs_or_a_user_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "any.log"
    path.write_bytes(data)
    try:
        parse_log(path)
    except UserError as error:
        assert "\n" not in str(error)


# --------------------------------------------------------------------------- every Keras format

def _render(history: list[dict[str, float]], style: str, total: int) -> str:
    """A history as Keras of some version prints it (``style``), in a fresh log."""
    lines = []
    for number, epoch in enumerate(history, start=1):
        metrics = " - ".join(f"{name}: {value:.4f}" for name, value in epoch.items())
        header = f"Epoch {number}/{total}"
        if style == "keras1_bar":
            lines += [header, f"5250/5250 [==============================] - 284s - {metrics}"]
        elif style == "keras1_verbose2":
            lines += [header, f"299s - {metrics}"]
        elif style == "tf2_verbose2":
            lines += [header, f"1079/1079 - 21s - {metrics} - 21s/epoch - 19ms/step"]
        elif style == "keras3_bar":
            lines += [header, f"74/74 ━━━━━━━━━━━━━━━━━━━━ 60s 534ms/step - {metrics}"]
        elif style == "joined_header":
            lines += [f"> {header} 8/8 [===========] - 6s 300ms/step - {metrics}", ">"]
        elif style == "markdown_backticks":
            lines += [f"`{header}", f"3/3 [==============================] - 1s - {metrics}`"]
    return "\n".join(lines) + "\n"


_STYLES = ("keras1_bar", "keras1_verbose2", "tf2_verbose2", "keras3_bar", "joined_header",
           "markdown_backticks")
_NAMES = st.sampled_from(["loss", "acc", "dice_coef", "f1-score", "iou_score", "val_loss",
                          "val_f1-score", "mean_io_u_5", "Dec_GT_Output_loss"])


@settings(max_examples=120, deadline=None)
@given(style=st.sampled_from(_STYLES),
       names=st.lists(_NAMES, min_size=1, max_size=5, unique=True),
       values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=5, max_size=5),
       epochs=st.integers(1, 5), extra=st.integers(0, 20))
def test_every_console_format_reads_back_what_it_printed(style, names, values, epochs, extra):
    history = [{name: round(values[(i + j) % 5], 4) for j, name in enumerate(names)}
               for i in range(epochs)]
    [run] = parse_console(_render(history, style, epochs + extra))
    assert run.epochs == history
    assert run.epoch_numbers == list(range(1, epochs + 1))


def test_keras1_verbose2_lines_without_a_counter():
    text = ("Epoch 1/1000\n299s - loss: 6.4668 - dice_coef: 0.2710 - val_loss: 5.3623 - "
            "val_dice_coef: 0.5395\nEpoch 2/1000\n228s - loss: 4.7529 - dice_coef: 0.5754 - "
            "val_loss: 4.4627 - val_dice_coef: 0.3444\n")
    [run] = parse_console(text)
    assert run.series("dice_coef").tolist() == [0.271, 0.5754] and run.step_seconds == [None] * 2
    # a lone fragment pasted from such a line is one epoch
    [fragment] = parse_console(" 24s/step - loss: -0.0717 - dice_coefficient: 0.0717 - "
                               "val_loss: -0.1015 - val_dice_coefficient: 0.1015\n")
    assert fragment.epochs == [{"loss": -0.0717, "dice_coefficient": 0.0717,
                                "val_loss": -0.1015, "val_dice_coefficient": 0.1015}]


def test_a_paste_that_lost_its_first_header_is_one_run_numbered_as_the_log():
    text = ("815/1815 [==============================] - 79s 44ms/step - loss: 0.6670 - "
            "acc: 0.7923 - val_loss: 0.6779 - val_acc: 0.8619\n\nEpoch 00001: saving model\n"
            + "".join(f"Epoch {i}/100\n1815/1815 [==============================] - 71s "
                      f"39ms/step - loss: 2.1744 - acc: 0.7923 - val_loss: 1.6138 - "
                      f"val_acc: 0.8619\n" for i in (2, 3)))
    [run] = parse_console(text)
    assert len(run.epochs) == 3 and run.epoch_numbers == [1, 2, 3]
    assert run.steps_per_epoch == [1815, 1815, 1815]
    # pasted from the middle of a run: the numbers the log prints
    middle = parse_console(text.replace("Epoch 2/100", "Epoch 128/250")
                           .replace("Epoch 3/100", "Epoch 129/250"))[0]
    assert middle.epoch_numbers == [127, 128, 129]
    assert middle.history()["epoch"] == [127.0, 128.0, 129.0]


def test_fit_with_one_epoch_called_in_a_loop_is_one_run_and_says_so():
    line = ("512/512 [==============================] - 49s - loss: nan - acc: 0.9032 - "
            "val_loss: nan - val_acc: 0.8787\n")
    [run] = parse_console(line + ("Epoch 1/1\n" + line) * 4 + "Epoch 1/1\n")
    assert len(run.epochs) == 5 and run.epoch_numbers == [1, 2, 3, 4, 5]
    assert any("'Epoch 1/1'" in note and "5 consecutive epochs" in note for note in run.notes)


def test_a_log_that_ends_mid_epoch_is_read_as_a_partial_epoch_with_its_nan_step():
    steps = "".join(
        f"   {step}/1000 [..............................] - ETA: 2:15:48 - loss: "
        f"{'nan' if step >= 5 else '5.3187'} - rpn_class_loss: 0.1749\n" for step in range(1, 7))
    [run] = parse_console("```\n" + steps + "```\n")
    assert len(run.epochs) == 1 and math.isnan(run.epochs[0]["loss"])
    [note] = run.notes
    assert "step 6 of 1000" in note and "loss turned NaN at step 5" in note
    # with a finished epoch before it, an unfinished one is still left out
    finished = _epoch_lines(1, total=2) + "Epoch 2/2\n" + steps
    assert len(parse_console(finished)[0].epochs) == 1


def test_a_summary_wrapped_over_two_lines_and_glued_warnings():
    text = ("    Epoch 1/50\n    715/715 [==============================] - 298s 416ms/step - "
            "loss: 819.5117 - yolo_output_0_loss: 28.9505 - \n    yolo_output_1_loss: 104.6755 "
            "- val_loss: 180.2229 - lr: 1.0000e-04\n")
    [run] = parse_console(text)
    assert run.epochs[0]["yolo_output_1_loss"] == 104.6755 and run.epochs[0]["lr"] == 1e-4
    glued = ("Epoch 1/2\n24/28 [========================>.....] - ETA: 1s - loss: 3.6471 - "
             "acc: 0.0482WARNING:tensorflow:Can save best model only with val_acc available\n"
             "28/28 [==============================] - 12s 419ms/step - loss: 3.6460 - "
             "acc: 0.0470 - val_loss: 382778278225658249216.0000 - val_acc: 0.0317\n")
    assert parse_console(glued)[0].epochs[0]["val_loss"] == pytest.approx(3.8277827822e20)


def test_reduce_lr_on_plateau_lines_become_the_learning_rate_of_later_epochs():
    text = (_epoch_lines(2, total=4)
            + "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.00020000000949949026.\n"
            + "".join(f"Epoch {i}/4\n{SEED_LINE}\n" for i in (3, 4)))
    [run] = parse_console(text)
    assert run.history()["lr"] == [None, None, pytest.approx(2e-4), pytest.approx(2e-4)]


def test_keras_learning_rate_column_wins_over_reduce_lr_on_plateau_lines():
    # Keras 3 prints the rate in every epoch's line; the messages only after each cut
    line = SEED_LINE + " - learning_rate: {rate}"
    text = (f"Epoch 1/3\n{line.format(rate='1.0000e-03')}\n"
            "Epoch 1: ReduceLROnPlateau reducing learning rate to 0.0005000000237487257.\n"
            + "".join(f"Epoch {i}/3\n{line.format(rate='5.0000e-04')}\n" for i in (2, 3)))
    [run] = parse_console(text)
    assert run.history()["learning_rate"] == pytest.approx([1e-3, 5e-4, 5e-4])
    assert "lr" not in run.history()


def test_a_printed_history_dict_is_a_history(tmp_path):
    path = tmp_path / "blog.log"
    path.write_text("{\u2018val_loss\u2019: [0.42, 0.37], \u2018acc\u2019: [0.63, nan]}\n"
                    "[0, 1]\n[0.42, 0.37]\n", encoding="utf-8")
    [run] = parse_log(path)
    assert run.epochs[0] == {"val_loss": 0.42, "acc": 0.63} and math.isnan(run.epochs[1]["acc"])
    numpy_repr = "{'loss': [np.float32(0.5), np.float32(0.25)], 'lr': [0.001, 0.001]}"
    assert parse_history_json(numpy_repr)[0].series("loss").tolist() == [0.5, 0.25]


def test_detect_kind_sees_an_epoch_header_on_any_line():
    # a console log with comma-separated timestamps looks like a table of two columns
    text = "".join(f"2025-02-26 15:28:0{i},123 INFO {line}\n" for i, line in enumerate(
        ["training with dice loss", "Epoch 1/2", "loading", "Epoch 2/2", "done"]))
    assert detect_kind(text) == "console"


def test_csvlogger_epochs_keep_their_numbers():
    [run] = parse_csv("epoch,loss,lr\n17,0.03,1e-06\n18,0.03,1e-06\n")
    assert run.epoch_numbers == [18, 19] and run.history()["epoch"] == [18.0, 19.0]


def test_a_closing_line_before_epoch_2_is_epoch_1_and_before_epoch_3_is_skipped():
    """A paste that starts one line late (epoch 1's header not copied) keeps epoch 1; a line
    before a later header may be anything (an evaluate() bar) and is skipped, said in a note."""
    line = "5635/5635 [==============================] - 41s - loss: -0.{} - dice_coef: 0.{}\n"
    late = (line.format(1, 1) + "Epoch 2/20\n" + line.format(2, 2) + "Epoch 3/20\n"
            + line.format(3, 3))
    [run] = parse_console(late)
    assert [epoch["dice_coef"] for epoch in run.epochs] == [0.1, 0.2, 0.3]
    assert run.epoch_numbers == [1, 2, 3] and "read as epoch 1" in run.notes[0]
    gap = line.format(1, 1) + "Epoch 3/20\n" + line.format(3, 3)
    [run] = parse_console(gap)
    assert [epoch["dice_coef"] for epoch in run.epochs] == [0.3]
    assert "outside any epoch were skipped" in run.notes[0]


def test_a_history_dict_printed_inside_a_script_or_quote_is_read(tmp_path):
    """`print(history.history)` kept in `# ` comments (or a `> ` quote), on one line or
    over several, among other lines: read as the history, with a note; nothing else is."""
    one_line = ("#print(history.history)\n"
                "# {'val_loss': [3.52, 0.73], 'loss': [1.04, 0.72], 'iou_score': [0.28, 0.43]}\n")
    several = ("> history:\n> {'loss': [0.9, 0.5, 0.4],\n>  'val_loss': [1.0, 0.6, 0.5]}\n"
               "> done\n")
    for text, epochs in ((one_line, 2), (several, 3)):
        path = tmp_path / "script.py"
        path.write_text(text)
        [run] = parse_log(path)
        assert len(run.epochs) == epochs and "history dict printed at line" in run.notes[-1]
    path.write_text("# {'not': 'a history'}\nnothing else\n")
    with pytest.raises(UserError, match="no Keras training epochs"):
        parse_log(path)


def test_a_dict_of_settings_or_a_c_file_is_no_history_and_is_refused(tmp_path, monkeypatch):
    """A commented config of number lists names no loss or score: refused, as before. A C
    file opens thousands of lines with '{': only the first few are tried as a history, each
    in one scan (trying every pair of braces took seconds per thousand lines)."""
    from unetdiag.diag.logs import read

    settings = tmp_path / "settings.py"
    for config in ("{'filters': [16, 32, 64, 128], 'dropout': [0.0, 0.1, 0.2, 0.3]}",
                   "{'dice_smooth': [1.0, 1e-5, 1e-6], 'batch_size': [4, 8, 16]}",
                   "{'loss_weights': [1.0, 0.5], 'iou_thresholds': [0.5, 0.75]}"):
        settings.write_text(f"# {config}\n")
        with pytest.raises(UserError, match="no Keras training epochs"):
            parse_log(settings)
    tries = []
    parse = read.parse_history_json
    monkeypatch.setattr(read, "parse_history_json", lambda text: tries.append(1) or parse(text))
    source = tmp_path / "f.c"
    source.write_text("int f(void)\n{\n  return 0;\n}\n" * 2000)
    with pytest.raises(UserError):
        parse_log(source)
    assert len(tries) == read.MAX_EMBEDDED_CANDIDATES


def test_an_evaluate_bar_before_a_resumed_fit_is_not_read_as_epoch_1():
    """evaluate() prints a bar without val_* metrics; a fit resumed at initial_epoch=1 then
    prints 'Epoch 2/N' first: the bar logs other metrics than epoch 2, so it is skipped."""
    text = ("8/8 [==============================] - 1s - loss: 0.0512 - dice_coef: 0.9431\n"
            "Epoch 2/3\n"
            "8/8 [==============================] - 5s - loss: 0.40 - dice_coef: 0.61 - "
            "val_loss: 0.45 - val_dice_coef: 0.58\n"
            "Epoch 3/3\n"
            "8/8 [==============================] - 5s - loss: 0.35 - dice_coef: 0.68 - "
            "val_loss: 0.41 - val_dice_coef: 0.63\n")
    [run] = parse_console(text)
    assert [epoch["dice_coef"] for epoch in run.epochs] == [0.61, 0.68]
    assert run.epoch_numbers == [2, 3]
    assert "outside any epoch were skipped" in run.notes[0]


def test_a_leading_line_that_no_closed_epoch_2_confirms_is_kept_and_said():
    text = ("8/8 [==============================] - 1s - loss: 0.05 - dice_coef: 0.94\n"
            "Epoch 2/3\n"
            "3/8 [=====>.....] - ETA: 5s - loss: 0.40 - dice_coef: 0.61\n")
    [run] = parse_console(text)
    assert [epoch["dice_coef"] for epoch in run.epochs] == [0.94]
    assert any("no closed epoch 2 confirms it" in note for note in run.notes)


def test_a_cut_off_epoch_2_does_not_disown_the_headerless_epoch_1():
    text = ("8/8 [==============================] - 1s - loss: 0.5000 - dice_coef: 0.4000\n"
            "Epoch 2/2\n"
            "8/8 [==============================] - 1s - loss: 0.4000 - dice_coef: 0.4")
    [run] = parse_console(text)
    assert [epoch["loss"] for epoch in run.epochs] == [0.5, 0.4]
    assert any("read as epoch 1" in note for note in run.notes)


def _redrawn_log(separator: str) -> str:
    """Two epochs whose bars were redrawn, the drawings joined by ``separator``."""
    epochs = []
    for epoch, (first, last) in enumerate(((0.6931, 0.6), (0.5, 0.45)), start=1):
        drawings = [f" 32/100 [=====>........] - ETA: 3s - loss: {first:.4f}",
                    f"100/100 [==============================] - 5s - loss: {last:.4f} - "
                    f"val_loss: {last - 0.05:.4f}"]
        epochs.append(f"Epoch {epoch}/2\n" + separator.join(drawings))
    return "\n".join(epochs) + "\n"


@pytest.mark.parametrize("separator", ["\b" * 60, "\b" * 60 + "\r", " "],
                         ids=["backspaces", "backspaces-and-return", "glued"])
def test_redraws_kept_only_as_backspaces_or_glued_count_by_their_last_drawing(separator):
    # Keras 1/2 erase a drawing with backspaces then a carriage return; a capture or a paste
    # may keep only the backspaces, or neither.
    (run,) = parse_console(_redrawn_log(separator))
    assert [epoch["loss"] for epoch in run.epochs] == [0.6, 0.45]
    assert [epoch["val_loss"] for epoch in run.epochs] == [0.55, 0.4]
    assert not any("never finished" in note for note in run.notes)


def test_csvlogger_columns_with_brackets_percent_or_lambda_are_names(tmp_path):
    # tf.keras names a lambda metric "<lambda>"; "acc%" and "dice[0]" are names too
    path = tmp_path / "log.csv"
    path.write_text("epoch,<lambda>,loss,val_<lambda>,acc%,dice[0]\n0,0.5,0.4,0.45,90,0.3\n")
    [run] = parse_log(path)
    assert run.epochs == [{"<lambda>": 0.5, "loss": 0.4, "val_<lambda>": 0.45, "acc%": 90.0,
                           "dice[0]": 0.3}]


def test_a_keras_log_after_tqdm_download_bars_is_still_read(tmp_path):
    downloads = "".join(f"\r{n}%|####| {n}/100 [00:01<00:00, 180.00it/s, n={n}]"
                        for n in range(0, 101, 5))
    keras_log = ("Epoch 1/2\n3/3 [==============================] - 1s - loss: 0.6 - "
                 "val_loss: 0.5\nEpoch 2/2\n3/3 [==============================] - 1s - "
                 "loss: 0.5 - val_loss: 0.4\n")
    # bars without a postfix, a config line, then an epoch's line without its header
    path = tmp_path / "run.log"
    plain_bars = "".join(f"\r{n}%|####| {n}/100 [00:01<00:00, 180.00it/s]"
                         for n in range(0, 101, 5))
    path.write_text(plain_bars + "\nbatch_size=8, lr=0.001\n" + keras_log.split("\n")[1] + "\n")
    assert [len(run.epochs) for run in parse_log(path)] == [1]
    # a log after more than the sniffed 64 kB of bars
    path.write_text(downloads * 300 + "\n" + keras_log)
    assert [len(run.epochs) for run in parse_log(path)] == [2]


def test_a_summary_pasted_one_metric_per_line_is_joined():
    # keras-unet-collection#13: a six-output model's epoch line pasted with each
    # "- name: value" on a line of its own; val_loss was lost without a word
    text = ("Epoch 32/100\n1430/1430 [==============================] - 994s 695ms/step - "
            "loss: 1.6761\n- out0_loss: 0.2554\n- out1_loss: 0.2601\n- val_loss: 1.7999\n")
    [run] = parse_console(text)
    assert run.epochs == [{"loss": 1.6761, "out0_loss": 0.2554, "out1_loss": 0.2601,
                           "val_loss": 1.7999}]
    # a dashed line after a line that does not end with a value is not a continuation
    [other] = parse_console("Epoch 1/2\n3/3 [====] - 1s - loss: 0.5 - val_loss: 0.4\n"
                            "Saved model\n- acc: 0.9\n")
    assert other.epochs == [{"loss": 0.5, "val_loss": 0.4}]


def test_a_bullet_list_after_an_epoch_line_does_not_overwrite_its_numbers():
    text = ("Epoch 3/3\n3/3 [==============================] - 1s - loss: 0.3 - "
            "val_dice_coef: 0.72\n- lr: 0.001\n- loss: 0.9\n- val_dice_coef: 0.05\n")
    [run] = parse_console(text)
    assert run.epochs[-1]["loss"] == 0.3 and run.epochs[-1]["val_dice_coef"] == 0.72


def test_rows_of_one_epoch_with_blank_cells_are_merged_into_it():
    # PyTorch Lightning's CSVLogger: step rows, a validation row and an epoch row per epoch
    rows = ["epoch,step,train_loss_step,val_loss,val_dice,train_loss_epoch"]
    for epoch in range(3):
        rows += [f"{epoch},{epoch * 100 + 49},0.6,,,", f"{epoch},{epoch * 100 + 99},0.5,,,",
                 f"{epoch},{epoch * 100 + 99},,0.{5 - epoch},0.{4 + epoch},",
                 f"{epoch},{epoch * 100 + 99},,,,0.{6 - epoch}"]
    [run] = parse_csv("\n".join(rows) + "\n")
    assert len(run.epochs) == 3 and run.epoch_numbers == [1, 2, 3]
    assert [epoch["val_dice"] for epoch in run.epochs] == [0.4, 0.5, 0.6]
    assert [epoch["train_loss_epoch"] for epoch in run.epochs] == [0.6, 0.5, 0.4]
    assert any("merged" in note for note in run.notes)
    # complete rows that repeat an epoch are still a new run (CSVLogger(append=True))
    appended = parse_csv("epoch,loss\n0,0.5\n1,0.4\n1,0.45\n2,0.3\n")
    assert [len(run.epochs) for run in appended] == [2, 2]


@pytest.mark.parametrize("index_name", ["", "Unnamed: 0"])
def test_a_pandas_index_column_is_the_epoch_not_a_metric(index_name):
    [run] = parse_csv(f"{index_name},loss,val_dice\n0,0.5,0.3\n1,0.4,0.4\n")
    assert run.epochs == [{"loss": 0.5, "val_dice": 0.3}, {"loss": 0.4, "val_dice": 0.4}]
    assert run.epoch_numbers == [1, 2]


def test_a_tensorboard_event_file_is_named_as_such(tmp_path):
    path = tmp_path / "events.out.tfevents.1700000000.host"
    path.write_bytes(b"\x18\x00\x00\x00\x00\x00\x00\x00brain.Event:2")
    with pytest.raises(UserError, match="TensorBoard event file"):
        parse_log(path)


def test_pandas_writes_nan_as_an_empty_cell():
    # DataFrame(history.history).to_csv(): a loss gone NaN is an empty cell
    [run] = parse_csv(",loss,val_loss\n0,0.7,0.8\n1,0.6,0.7\n2,,\n3,,\n")
    assert math.isnan(run.epochs[2]["loss"]) and math.isnan(run.epochs[3]["val_loss"])
    # a repeated pandas header (to_csv(mode="a")) is a new run, not a row to skip
    runs = parse_csv(",loss\n0,0.7\n1,0.6\n,loss\n0,0.9\n1,0.8\n")
    assert [len(run.epochs) for run in runs] == [2, 2] and not runs[0].notes
    # an index beside a real epoch column is dropped
    [indexed] = parse_csv(",epoch,loss\n0,10,0.5\n1,11,0.4\n")
    assert indexed.epochs == [{"loss": 0.5}, {"loss": 0.4}] and indexed.epoch_numbers == [11, 12]


def test_blank_cells_do_not_merge_a_restart_without_a_step_column():
    # a hand-written log whose val_loss is blank on some epochs, restarted at epoch 4
    text = ("epoch,loss,val_loss\n0,0.8,0.9\n1,0.7,\n2,0.6,0.7\n3,0.5,\n4,0.4,0.5\n"
            "4,0.9,\n5,0.8,0.85\n")
    assert [len(run.epochs) for run in parse_csv(text)] == [5, 2]


def test_a_csv_named_like_an_event_file_is_read_as_a_csv(tmp_path):
    path = tmp_path / "tfevents_scalars.csv"
    path.write_text("epoch,loss\n0,0.5\n1,0.4\n")
    assert [len(run.epochs) for run in parse_log(path)] == [2]


def test_a_script_banner_names_its_run_and_a_markdown_heading_of_prose_does_not():
    lines = ("Epoch 1/1\n10/10 [==============================] - 1s 100ms/step - loss: 0.5000"
             " - val_loss: 0.6000\n")
    [banner] = parse_console("### Training unet_bce ###\n" + lines)
    assert banner.name == "unet_bce"
    for heading in ("## Training Summary:\n", "#### Training Same CNN with Gumbel Softmax\n"):
        [prose] = parse_console(heading + lines)
        assert prose.name == "run 1", heading


def test_a_tqdm_keras_callback_epoch_bar_is_read_as_its_last_epoch(tmp_path):
    # model.fit(verbose=0, callbacks=[TqdmCallback()]) keeps one bar with the last epoch's
    # values (plintAn/TensorflowEDA's README), wrapped after a comma in a notebook
    path = tmp_path / "tqdm.log"
    path.write_text("```\n50/50 [00:52<00:00, 1.03epoch/s, loss=0.000977, acc=1, \n"
                    "      val_loss=1.92, val_acc=0.762, lr=0.001]\n```\n")
    [run] = parse_log(path)
    assert run.epochs == [{"loss": 0.000977, "acc": 1.0, "val_loss": 1.92, "val_acc": 0.762,
                           "lr": 0.001}]
    assert run.epoch_numbers == [50] and "TqdmCallback bar, epoch 50 of 50" in run.source
    assert "three significant digits" in run.source and run.notes == []
    # redraws kept in a file (carriage returns) are the epochs they name, of one run
    redrawn = tmp_path / "redrawn.log"
    redrawn.write_text("\r  0%|   | 0/3 [00:00<?, ?epoch/s]"
                       "\r 33%|#  | 1/3 [00:01<00:02,  1.02s/epoch, loss=0.693, val_loss=0.69]"
                       "\r 67%|## | 2/3 [00:02<00:01,  1.02s/epoch, loss=0.5, val_loss=0.61]"
                       "\r100%|###| 3/3 [00:03<00:00,  1.02s/epoch, loss=0.4, val_loss=0.6]\n")
    [run] = parse_log(redrawn)
    assert run.epoch_numbers == [1, 2, 3] and [e["loss"] for e in run.epochs] == [0.693, 0.5, 0.4]
    # a batch bar ("it/s") is no epoch: still refused, naming tqdm
    batches = tmp_path / "batches.log"
    batches.write_text("100%|##########| 370/370 [00:10<00:00, 36.1it/s, loss=0.693]\n")
    with pytest.raises(UserError, match="tqdm progress bar") as error:
        parse_log(batches)
    assert "batches.log" in str(error.value)


def test_a_summary_wrapped_inside_a_metric_name_is_joined(tmp_path):
    # a notebook printed to PDF wraps each summary mid-word: "- accu" / "racy: 0.9354 - ..."
    path = tmp_path / "pdf.log"
    path.write_text(
        "Epoch 1/2\n"
        "15/15 [==============================] - 0s 9ms/step - loss: 0.4818 - accu\n"
        "racy: 0.9354 - val_loss: 0.1724 - val_accuracy: 0.9500\n"
        "Epoch 2/2\n"
        "15/15 [==============================] - 0s 5ms/step - loss: -0.0786 - acc\n"
        "uracy: 0.9417 - val_loss: -0.2707 - val_accuracy: 0.9500\n")
    [run] = parse_log(path)
    assert [epoch["accuracy"] for epoch in run.epochs] == [0.9354, 0.9417]
    assert [epoch["val_loss"] for epoch in run.epochs] == [0.1724, -0.2707]
    assert not run.notes
    # prose after a line of metrics is not glued onto it
    prose = tmp_path / "prose.log"
    prose.write_text("Epoch 1/1\n15/15 [====] - 0s - loss: 0.4818 - see\nnote: 3 more runs\n")
    [run] = parse_log(prose)
    assert set(run.epochs[0]) >= {"loss"} and "seenote" not in run.epochs[0]


def test_an_evaluate_summary_after_the_last_epoch_is_noted_with_its_values(tmp_path):
    # Hands-On ML's regression notebook evaluates unscaled test inputs after the fit: a loss
    # 10^5 times the last val_loss, which "nothing out of range" passed over in silence
    path = tmp_path / "fit_then_evaluate.log"
    path.write_text(
        "Epoch 1/2\n363/363 [====] - 0s 1ms/step - loss: 0.4578 - val_loss: 0.4773\n"
        "Epoch 2/2\n363/363 [====] - 0s 1ms/step - loss: 0.4474 - val_loss: 0.4696\n"
        "162/162 [====] - 0s 673us/step - loss: 50316.0156\n")
    [run] = parse_log(path)
    assert len(run.epochs) == 2 and run.epochs[-1]["loss"] == 0.4474
    [note] = run.notes
    assert note.startswith("line 5: a summary after epoch 2/2's closing line, read as no epoch")
    assert "loss 50316" in note and "107,147x the epoch's val_loss 0.4696" in note


def test_a_csvlogger_file_says_its_epochs_are_renumbered_from_one(tmp_path):
    # spacenet6's logs/training.log: the report's "epoch 6" is the file's row "5,..."
    numbered = tmp_path / "training.log"
    numbered.write_text("epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.5\n")
    [run] = parse_log(numbered)
    assert run.epoch_numbers == [1, 2] and "counts from 0" in run.source
    unnumbered = tmp_path / "history.csv"  # pandas to_csv(index=False): no epoch column
    unnumbered.write_text("loss,val_loss\n0.5,0.6\n0.4,0.5\n")
    [run] = parse_log(unnumbered)
    assert "counts from 0" not in run.source


def test_a_short_csvlogger_file_with_na_cells_and_a_row_cut_short_is_read(tmp_path):
    # Keras CSVLogger writes NA for a key an epoch did not log (validation_freq=2); a run
    # killed while writing leaves its last row short
    log = tmp_path / "training.log"
    log.write_text("epoch,loss,val_loss\n0,0.6,NA\n1,0.5,0.4\n2,0.45,NA\n3,0.4\n")
    [run] = parse_log(log)
    assert [epoch.get("val_loss") for epoch in run.epochs] == [None, 0.4, None]
    assert any("'NA' in column(s) val_loss, read as not logged" in note for note in run.notes)
    assert any("line 5 has 2 fields" in note for note in run.notes)
    # only the file's last row may be short: a ragged row before it is no killed run's
    middle = tmp_path / "middle.log"
    middle.write_text("epoch,loss,val_loss\n0,0.6,0.5\n1,0.5\n2,0.45,0.4\n3,0.4,0.3\n")
    assert detect_kind(middle.read_text()) == "console"


def test_a_keras_3_bar_redrawn_after_a_callback_message_is_the_closing_line(tmp_path):
    # Keras 3, no validation: a checkpoint message breaks the bar, which is drawn again with
    # the epoch's final values; it is no evaluate() output, and its values are the epoch's
    path = tmp_path / "keras3.log"
    path.write_text(
        "Epoch 1/2\n50/50 ━━━━━━━━━━━━━━━━━━━━ 0s 120ms/step - accuracy: 0.8100 - loss: 0.4400\n"
        "Epoch 1: loss improved from inf to 0.43210, saving model to best.keras\n"
        "50/50 ━━━━━━━━━━━━━━━━━━━━ 8s 130ms/step - accuracy: 0.8105 - loss: 0.4321\n"
        "Epoch 2/2\n50/50 ━━━━━━━━━━━━━━━━━━━━ 6s 121ms/step - accuracy: 0.8671 - loss: 0.3250\n")
    [run] = parse_log(path)
    assert [epoch["loss"] for epoch in run.epochs] == [0.4321, 0.3250]
    assert not any("evaluate()" in note for note in run.notes)


def test_a_header_joined_to_metrics_without_a_bar_is_that_epochs_summary():
    # a README's Markdown bullets: Keras 3's alphabetical order, no counter, no time. The
    # 'f1-score:' after '11/50' is no Keras 3 bar glyph: this is epoch 11 of 50, finished
    values = "f1-score: {} - iou_score: 0.8 - loss: {} - val_f1-score: 0.79 - val_loss: 0.29"
    text = ("- **Resnext50 + Unet with 3 training epoch:**\n  - **Results:**\n\n"
            "    - accuracy: 0.8818 - loss: 0.2842 - val_accuracy: 0.9179 - val_loss: 0.2312\n"
            "    - accuracy: 0.9229 - loss: 0.1934 - val_accuracy: 0.9051 - val_loss: 0.2483\n\n"
            "- **EfficientNetB7 + Unet with 1 training epoch:**\n"  # alone: no epoch of theirs
            "    - accuracy: 0.8992 - loss: 0.2431 - val_accuracy: 0.9197 - val_loss: 0.2512\n\n"
            "- **EfficientNetB7 + Unet:**\n"
            + "".join(f"      - Epoch {i}/50 " + values.format(f"0.8{i}", f"0.1{i}") + "\n"
                      for i in (10, 11)))
    bars, headed = parse_console(text)
    assert bars.epoch_numbers == [1, 2] and bars.series("val_accuracy").tolist() == [0.9179, 0.9051]
    assert any("line(s) 4-5 hold nothing but 'name: value' pairs" in n for n in bars.notes)
    assert any("line 8 holds nothing but" in note for note in bars.notes)
    assert headed.epoch_numbers == [10, 11] and headed.series("f1-score").tolist() == [0.81, 0.811]
    assert headed.steps_per_epoch == [None, None]
    assert not any("no epoch's closing line is in the log" in note for note in headed.notes)
    # a bare line without a validation value beside its training one is some other print;
    # one bare line alone is no epoch (which one?), and none goes on with Keras's own lines
    with pytest.raises(LogFormatError):
        parse_console("- lr: 0.001 - batch_size: 8\n- loss: 0.3 - accuracy: 0.9\n")
    with pytest.raises(LogFormatError, match="no Keras training epochs found"):
        parse_console("the same: `loss: 0.3240 - val_loss: 8.6638e-07`\n"
                      "loss: 0.3 - val_loss: 0.1\n")
    runs = parse_console("Epoch 1/1\n3/3 [====] - 1s - loss: 0.5 - val_loss: 0.4\n"
                         "best: loss: 0.3 - val_loss: 0.2\nloss: 0.3 - val_loss: 0.2\n")
    assert [run.epoch_numbers for run in runs] == [[1]]
    assert runs[0].epochs == [{"loss": 0.5, "val_loss": 0.4}]


def test_a_closing_line_left_open_with_one_metric_per_line_and_a_blank_line_is_joined():
    # Mask_RCNN#2106: 'name: value -' per line, the separator at the end, a blank before val_
    text = ("Epoch 5/10\n110/110 [==============================] - 2754s 25s/step - \n"
            "loss: 0.3204 -\nmrcnn_mask_loss: 0.1439 - \n\nval_loss: 1.1282 - \n"
            "val_mrcnn_mask_loss: 0.5034\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [5]
    assert run.epochs == [{"loss": 0.3204, "mrcnn_mask_loss": 0.1439, "val_loss": 1.1282,
                           "val_mrcnn_mask_loss": 0.5034}]
    # a closing line whose values cannot be read: refused, without saying no step finished
    with pytest.raises(LogFormatError, match=r"line 2 closes it \(110/110 steps\)") as refused:
        parse_console("Epoch 5/10\n110/110 [==============================] - 2754s 25s/step"
                      " - \n\nsee the screenshot\n")
    assert "before its first steps ended" not in str(refused.value)


def test_a_first_summary_without_header_is_numbered_by_the_callback_message_before_it():
    # TensorFlow 2 runs ModelCheckpoint before the progress bar's own callback: the message
    # comes before the closing line of the epoch it names
    closing = ("250/250 [==============================] - 138s 551ms/step - loss: 3.1002 - "
               "val_loss: 3.4197")
    [run] = parse_console(f"Epoch 00051: val_map did not improve from 0.79128\n{closing}\n")
    assert run.epoch_numbers == [51]
    assert any("read as epoch 51" in note and "epoch 52" in note for note in run.notes)
    # a message before an earlier epoch names no later one
    [other] = parse_console(f"Epoch 00051: val_map did not improve\n{closing}\n\nnext fit\n"
                            f"Training b on /GPU:0\n{closing}\n")[1:]
    assert other.epoch_numbers == [1]


def test_headerless_summaries_of_another_model_start_another_run():
    # verbose=2 fits of several models in one file: a Markdown heading, or the metric names
    # Keras suffixes with '_1' for a second model built in one session, start another run
    line = "1/1 - 0s - loss: {} - {}: 0.9 - val_loss: 0.9 - val_{}: 0.8 - 79ms/epoch - 79ms/step\n"
    text = (line.format("0.10", "auc", "auc") + "test AUC 0.78\n"
            + line.format("0.41", "auc", "auc") + "'''\n## share_bottom_model\n"
            + line.format("0.20", "auc", "auc"))
    runs = parse_console(text)
    assert [run.epoch_numbers for run in runs] == [[1, 2], [1]]
    assert any("Markdown heading at line 5" in note for note in runs[1].notes)
    renamed = parse_console(line.format("0.10", "auc", "auc") + "test AUC 0.78\n"
                            + line.format("0.20", "auc_1", "auc_1"))
    assert [run.epoch_numbers for run in renamed] == [[1], [1]]
    assert any("renamed (auc_1, val_auc_1" in note for note in renamed[1].notes)


def test_a_run_that_restored_its_best_weights_is_not_told_to_keep_them(tmp_path):
    # Keras 3 EarlyStopping(restore_best_weights=True) names the epoch it restored
    losses = [(1.0, 0.9), (0.8, 0.7), (0.7, 0.8), (0.6, 0.9), (0.5, 1.0), (0.4, 1.1)]
    lines = []
    for epoch, (loss, val_loss) in enumerate(losses, start=1):
        lines += [f"Epoch {epoch}/6",
                  f"5/5 ━━━━━━━━━━━━━━━━━━━━ 1s 10ms/step - loss: {loss} - val_loss: {val_loss}"]
    log = tmp_path / "fit.log"
    log.write_text("\n".join(lines + ["Epoch 6: early stopping",
                                      "Restoring model weights from the end of the best "
                                      "epoch: 2."]) + "\n")
    [run] = parse_log(log)
    assert run.restored_epoch == 2
    from unetdiag.diag.logs.explain import explain_runs

    [rising] = [f for f in explain_runs([run]).findings
                if f.id == "saturation.validation_loss_rising"]
    assert "the run restored epoch 2's weights when it stopped" in rising.explanation
    assert "restore_best_weights" not in rising.fix and rising.evidence["restored_epoch"] == 2


# --- public logs' layouts: evaluate() lines, notebooks, model cards, callback messages ----

def test_an_evaluate_line_with_the_epochs_step_count_does_not_replace_the_epoch():
    # keras-core#555: no validation, so evaluate() prints the same names and the same 32
    # steps right after epoch 3/3's closing line; Keras 2 prints alike
    for bar in ("32/32 ━━━━━━━━━━━━━━━━━━━━", "32/32 [==============================]"):
        text = (f"Epoch 1/2\n{bar} 0s 4ms/step - mean_absolute_error: 0.4075 - loss: 0.1271\n"
                f"Epoch 2/2\n{bar} 0s 4ms/step - mean_absolute_error: 0.3776 - loss: 0.1010\n"
                f"{bar} 0s 2ms/step - mean_absolute_error: 0.8608 - loss: 0.9672\n"
                "Traceback (most recent call last):\n")
        [run] = parse_console(text)
        assert run.series("loss").tolist() == [0.1271, 0.1010]
        assert any("line 5" in note and "evaluate()" in note and "0.9672" in note
                   for note in run.notes)


def test_early_stopping_names_the_epoch_of_the_closing_line_before_it():
    # ruixiao85/LungNeuralNet's README: the lines of epochs 1-4 were elided with '...'
    text = ("Training 1/3 for SevereInflammation_1.0_512x512_unet_loss_bce_dice\nEpoch 1/12\n"
            " 1/38 [..............................] - ETA: 3s - loss: 0.8592 - dice: 0.0688\n"
            "...\n38/38 [==============================] - 4s 116ms/step - loss: 0.3738 - "
            "dice: 0.4963 - val_loss: 0.3450 - val_dice: 0.5381\nEpoch 00005: early stopping\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [5]
    assert run.name == "SevereInflammation_1.0_512x512_unet_loss_bce_dice"
    assert any("EarlyStopping names epoch 5" in note for note in run.notes)


def test_prose_and_counters_after_training_are_no_run_names():
    line = "7/7 [==============================] - 7s 1s/step - loss: 0.05 - val_loss: 0.03\n"
    folds = parse_console("    training for fold 1\n    compiling model...\n    fitting model...\n"
                          f"Epoch 1/1\n{line}training for fold 2\nfitting model...\n"
                          f"Epoch 1/1\n{line}")
    assert [run.name for run in folds] == ["fold 1", "fold 2"]
    [run] = parse_console(f"Train another 2 epoch with jaccard_distance_loss.\nEpoch 1/1\n{line}")
    assert run.name == "run 1"


def test_a_notebooks_json_is_read_by_the_text_its_cells_printed(tmp_path):
    closing = ('100/100 [==============================] - 206s 2s/step - loss: 0.8430 - '
               'iou_score: 0.6974 - val_loss: 0.8502 - val_iou_score: 0.6970')
    cell = {"cell_type": "code", "source": ["history = model.fit(x, y)\n"], "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["Epoch 1/1\n", closing + "\n"]}]}
    whole = tmp_path / "whole.ipynb"
    whole.write_text(json.dumps({"cells": [cell], "nbformat": 4}, indent=1))
    piece = tmp_path / "piece.log"  # one cell pasted, no valid JSON document
    piece.write_text(json.dumps(cell, indent=2)[:-2] + ",\n")
    for path in (whole, piece):
        [run] = parse_log(path)
        assert run.series("val_iou_score").tolist() == [0.697], path.name
        assert any("notebook's cells printed" in note for note in run.notes)


def test_a_nan_at_the_only_step_shown_is_not_said_to_turn_nan_there():
    bar = " 115/6740 ━━━━━━━━━━━━━━━━━━━━ 2:01:30 1s/step - iou: nan - loss: 0.0234\n"
    [run] = parse_console(bar)
    note = next(note for note in run.notes if "no epoch's closing line is in the log" in note)
    assert "iou NaN already at step 115, the first step shown" in note


def test_a_model_cards_markdown_table_of_epochs_is_read(tmp_path):
    # merve/deeplab-v3's Hugging Face model card: its table of epochs is read, not refused
    card = tmp_path / "README.md"
    card.write_text(
        " ## Training Metrics\n\n"
        "| Epochs | Train Loss | Train Accuracy | Validation Loss | Validation Accuracy |\n"
        " |--- |--- |--- |--- |--- |\n| 1| 1.206|  0.636|  2.55|  0.555| \n"
        "| 2| 0.957|  0.696|  2.671|  0.598| \n ## Model Plot\n")
    [run] = parse_log(card)
    assert run.epoch_numbers == [1, 2]
    assert run.series("val_loss").tolist() == [2.55, 2.671]
    assert run.series("accuracy").tolist() == [0.636, 0.696]
    assert any("Markdown table at line 3" in note for note in run.notes)


# the header after a headerless first epoch numbers it
def test_a_callback_message_before_a_headerless_first_epoch_makes_no_note_when_a_header_follows():
    summary = ("869/869 [==============================] - 395s 454ms/step - loss: {} - "
               "val_loss: {}\n")
    text = ("Epoch 00015: val_loss did not improve from 0.06950\n"
            + summary.format("0.0615", "0.0707") + "Epoch 16/50\n"
            + summary.format("0.0609", "0.0700"))
    [run] = parse_console(text)
    assert run.epoch_numbers == [15, 16]
    assert not any("callback message" in note for note in run.notes)
    # no header after it: the callback message is the only evidence, said with its caveat
    [run] = parse_console("Epoch 00051: val_loss did not improve from 0.79\n"
                          + summary.format("3.1", "3.3"))
    assert run.epoch_numbers == [51]
    assert any("would make this epoch 52" in note for note in run.notes)


# a custom print of the learning rate before Keras's header
def test_a_header_line_holding_only_the_learning_rate_is_no_epoch_of_its_own():
    summary = ("100/100 [==============================] - 10s 100ms/step - loss: {0} - "
               "dice: 0.5000 - val_loss: {0} - val_dice: 0.4500\n")
    text = "".join(f"Epoch {i}/4 lr: 0.0010\nEpoch {i}/4\n" + summary.format(f"0.{7 - i}000")
                   for i in range(1, 5))
    [run] = parse_console(text)
    assert run.epoch_numbers == [1, 2, 3, 4]
    assert not any("lacks" in note for note in run.notes)
