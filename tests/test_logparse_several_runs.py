"""Logs holding several runs: appended fits, resumed runs, folds and tuner trials, and runs
compared with each other (repeated trainings)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unetdiag.diag.checks.saturation.checks import check_across_runs
from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.run_names import header_name
from unetdiag.diag.logs.tabular import parse_csv

# CSVLogger(append=True) over three fit() calls: the header once, the epoch column back to 0
APPENDED = ("epoch,accuracy,loss,val_accuracy,val_loss\n"
            "0,0.80,0.50,0.75,0.60\n1,0.85,0.40,0.75,0.55\n2,0.88,0.35,0.75,0.52\n"
            "0,0.89,0.33,0.75,0.50\n1,0.90,0.31,0.75,0.49\n2,0.91,0.30,0.75,0.48\n"
            "0,0.92,0.29,0.75,0.47\n1,0.93,0.28,0.75,0.46\n")


def _notes(report) -> str:
    return " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")


# keras-team/keras#4426: CSVLogger(append=True) of 2016 wrote the header again when a fit
# resumed at epoch 3 (initial_epoch): one run, not two
RESUMED = """epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss
0,0.130208333333,2.32610692581,0.154399999142,2.26858918381
1,0.173394097222,2.17767716779,0.196799999881,2.10534226418
2,0.186197916667,2.07855245802,0.177600000429,2.06805825005
epoch,categorical_accuracy,loss,val_categorical_accuracy,val_loss
3,0.201605902778,2.03062710166,0.199999999762,2.03451372261
4,0.204427083333,1.96939406792,0.229799997854,1.94915147133
"""


def _bar(loss: float, accuracy: float, val_loss: float, val_accuracy: float) -> str:
    return (f"20/20 [==============================] - 3s 150ms/step - loss: {loss:.4f} - "
            f"accuracy: {accuracy:.4f} - val_loss: {val_loss:.4f} - "
            f"val_accuracy: {val_accuracy:.4f}\n")


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


_IDENTICAL = "saturation.identical_across_runs"


def _closing_bar(**values: float) -> str:
    shown = " - ".join(f"{name}: {value:.4f}" for name, value in values.items())
    return f"20/20 [==============================] - 3s 150ms/step - {shown}\n"


def _epochs(total: int, rows: dict[int, dict[str, float]]) -> str:
    return "".join(f"Epoch {epoch}/{total}\n" + _closing_bar(**values)
                   for epoch, values in rows.items())


_FOUR = {1: {"loss": 0.9, "val_loss": 0.8}, 2: {"loss": 0.7, "val_loss": 0.6},
         3: {"loss": 0.5, "val_loss": 0.5}, 4: {"loss": 0.4, "val_loss": 0.45}}


_SEEDED = [(0.82, 0.87, 1.03, 0.84), (0.61, 0.92, 0.70, 0.89), (0.58, 0.92, 0.64, 0.90),
           (0.57, 0.93, 0.62, 0.91)]


def _attempts(tmp_path: Path, second: list[tuple[float, ...]],
              first: list[tuple[float, ...]] = _SEEDED) -> Path:
    names = ("loss", "accuracy", "val_loss", "val_accuracy")
    runs = ["".join(f"Epoch {i}/{len(rows)}\n" + _closing_bar(**dict(zip(names, row, strict=True)))
                    for i, row in enumerate(rows, 1)) for rows in (first, second)]
    log = tmp_path / "attempts.log"
    log.write_text(f"Run attempt 1:\n{runs[0]}\nRun attempt 2:\n{runs[1]}")
    return log


# K-fold cross-validation in one CSV: a fold column, the epoch column back to 0 in each fold
FOLDS = "fold,epoch,loss,dice_coef,val_loss,val_dice_coef\n" + "".join(
    f"{fold},{epoch},{0.5 - 0.07 * epoch - 0.01 * fold:.4f},{0.5 + 0.07 * epoch:.4f},"
    f"{0.55 - 0.07 * epoch:.4f},{0.45 + 0.07 * epoch + 0.01 * fold:.4f}\n"
    for fold in range(3) for epoch in range(5))


def _runs(tmp_path, name: str, text: str) -> list[dict]:
    path = tmp_path / name
    path.write_text(text)
    return explain_log(path).summary["runs"]


def test_fits_appended_to_one_csvlogger_file_are_said_and_not_compared(tmp_path: Path):
    log = tmp_path / "training.csv"
    log.write_text(APPENDED)
    report = explain_log(log)
    assert "3 fit() calls appended to one CSVLogger file" in report.headline
    assert "starts again at lines 5 and 8 of the file" in report.headline
    notes = [f for f in report.findings if f.id == "log.parse_notes"]
    assert notes and "fit() calls appended" in notes[0].explanation
    # one model trained further is no set of independent variants
    assert not [f for f in report.findings if f.id == "saturation.identical_across_runs"]
    gaps = {f.evidence["run"]: f.explanation for f in report.findings
            if f.id == "saturation.train_val_gap"}
    # a later fit's first epoch need not be its model's: no "after only 3 epochs"
    assert "After only" in gaps["run 1"]
    assert "After only" not in gaps["run 2"] and "After only" not in gaps["run 3"]
    assert "at every epoch from the first" not in gaps["run 2"]


def test_a_repeated_header_is_no_appended_fit(tmp_path: Path):
    # two files concatenated (each with its header): separate runs, compared as before
    log = tmp_path / "two.csv"
    rows = APPENDED.splitlines(keepends=True)
    log.write_text("".join(rows[:4]) + rows[0] + "".join(rows[1:4]))
    report = explain_log(log)
    assert "appended" not in report.headline
    assert [f for f in report.findings if f.id == "saturation.identical_across_runs"]


def test_a_repeated_header_whose_epochs_go_on_is_one_resumed_run(tmp_path: Path):
    log = tmp_path / "training.csv"
    log.write_text(RESUMED)
    report = explain_log(log)
    assert [row["epochs"] for row in report.summary["runs"]] == [5]
    assert "line 5 repeats the header" in _notes(report)


def test_keras_tuner_trials_are_named_by_their_number(tmp_path: Path):
    # keras-team/keras-tuner#559's layout: verbose=2 epochs after "Search: Running Trial #N"
    trial = ("Search: Running Trial #{n}\n\n"
             "Hyperparameter    |Value             |Best Value So Far \n"
             "lstm_units        |384               |416               \n\n"
             "Epoch 1/200\n58/58 - 8s - loss: {a} - val_loss: 2.1253\n"
             "Epoch 2/200\n58/58 - 5s - loss: {b} - val_loss: 0.8352\n"
             "Trial {n} Complete [00h 02m 37s]\nval_loss: 0.5230200886726379\n\n"
             "Best val_loss So Far: 0.396116703748703\nTotal elapsed time: 04h 32m 29s\n\n")
    log = tmp_path / "tuner.log"
    log.write_text(trial.format(n=62, a="5.8378", b="0.4074")
                   + trial.format(n=63, a="0.8142", b="0.5000"))
    report = explain_log(log)
    assert [row["run"] for row in report.summary["runs"]] == ["trial 62", "trial 63"]
    assert [row["epochs"] for row in report.summary["runs"]] == [2, 2]


def test_runs_cut_inside_are_compared_at_their_common_epoch_numbers():
    # a blog's second run pasted as epochs 1, 2, 11, 12: position 3 is epoch 11, not epoch 3
    loss = [0.82, 0.61, 0.58, 0.57, 0.56, 0.55, 0.54, 0.53, 0.53, 0.53, 0.51, 0.51]
    val = [1.03, 0.70, 0.64, 0.62, 0.58, 0.57, 0.58, 0.55, 0.59, 0.55, 0.56, 0.57]
    keep = [0, 1, 10, 11]
    runs = {"attempt 1": {"loss": loss, "val_loss": val},
            "attempt 2": {"loss": [loss[i] for i in keep], "val_loss": [val[i] for i in keep],
                          "epoch": [i + 1 for i in keep]}}
    [same] = [f for f in check_across_runs(runs) if f.id == "saturation.identical_across_runs"]
    assert same.evidence["common_epochs"] == 4


def test_runs_whose_training_loss_agrees_too_are_one_training_repeated(tmp_path: Path):
    # suneeta-mall's reproducibility post: two seeded runs, every number alike
    epochs = [(0.82, 0.87, 1.03, 0.84), (0.61, 0.92, 0.70, 0.89), (0.58, 0.92, 0.64, 0.90),
              (0.57, 0.92, 0.62, 0.91)]
    run = "".join(f"Epoch {i}/4\n" + _bar(*values) for i, values in enumerate(epochs, 1))
    log = tmp_path / "repeat.log"
    log.write_text("Run attempt 1:\n" + run + "\nRun attempt 2:\n" + run)
    report = explain_log(log)
    assert [row["run"] for row in report.summary["runs"]] == ["attempt 1", "attempt 2"]
    same = [f for f in report.findings if f.id == "saturation.identical_across_runs"]
    # a warning whatever the runs' names: consistent with a change that never reached the
    # training as well
    assert same and all(f.severity.value == "warning" for f in same)
    assert "consistent with one training repeated" in report.headline
    assert all("Different models" not in f.explanation for f in same)
    # variants whose training differs keep the warning: the validation numbers ignore them
    other = "".join(f"Epoch {i}/4\n" + _bar(values[0] * 1.3, *values[1:])
                    for i, values in enumerate(epochs, 1))
    log.write_text("Run attempt 1:\n" + run + "\nRun attempt 2:\n" + other)
    same = [f for f in explain_log(log).findings if f.id == "saturation.identical_across_runs"]
    assert same and all(f.severity.value == "warning" for f in same)


def test_a_k_fold_loops_fold_lines_name_its_runs(tmp_path: Path):
    lines = []
    for fold in (1, 2, 3):
        lines.append(f"Fold {fold}/3\n" if fold != 2 else "Training fold 2/3 ...\n")
        for epoch in (1, 2, 3):
            lines.append(f"Epoch {epoch}/3\n" + _bar(0.7 - 0.1 * epoch - 0.01 * fold,
                                                     0.6 + 0.1 * epoch, 0.75 - 0.1 * epoch,
                                                     0.55 + 0.1 * epoch - 0.01 * fold))
        lines.append(f"Score for fold {fold}: loss of 0.45; accuracy of 84.00%\n")
    log = tmp_path / "kfold.log"
    log.write_text("".join(lines))
    report = explain_log(log)
    assert [row["run"] for row in report.summary["runs"]] == ["fold 1", "fold 2", "fold 3"]


def test_a_skipped_line_before_the_first_run_is_said_in_that_run(tmp_path: Path):
    # keras#13872: the paste's first line (before 'Epoch 5/10') belongs before run 1
    bar = "12096/12096 [==============================] - 0s 15us/sample - loss: {:.4f}\n"
    log = tmp_path / "two.log"
    log.write_text(bar.format(1.9248) + "".join(f"Epoch {i}/10\n" + bar.format(1.93 - i / 1e3)
                                                for i in range(5, 11))
                   + "Train on 12096 samples\n"
                   + "".join(f"Epoch {i}/10\n" + bar.format(1.91 - i / 1e3) for i in (1, 2)))
    notes = {f.evidence["run"]: f.explanation for f in explain_log(log).findings
             if f.id == "log.parse_notes"}
    assert "outside any epoch were skipped" in notes.get("run 1", "")
    assert "run 2" not in notes


def test_a_fit_that_starts_where_the_one_before_ended_is_said(tmp_path):
    # keras-team/keras#13872: the second fit's first loss, 1.9116, is below every loss of the
    # first (1.9248 -> 1.9138, about 0.0019 an epoch): the model kept its weights
    line = "12096/12096 [==============================] - 0s 14us/sample - loss: {:.4f}\n"
    first = "".join(f"Epoch {n}/6\n" + line.format(1.9248 - 0.0019 * (n - 1))
                    for n in range(1, 7))
    again = "".join(f"Epoch {n}/3\n" + line.format(1.9155 - 0.0021 * n) for n in range(1, 4))
    headline = _explain(tmp_path, first + again).headline
    assert "Run 2 starts where run 1 ended" in headline and "same model" in headline
    # a model built anew starts above what the first fit reached: nothing said
    anew = "".join(f"Epoch {n}/3\n" + line.format(1.9300 - 0.0021 * n) for n in range(1, 4))
    assert "starts where" not in _explain(tmp_path, first + anew).headline


def test_a_fresh_model_is_not_said_to_start_where_the_last_ended():
    # Keras Tuner's trial 2 (its next fall 50 times trial 1's last), two
    # fresh models stuck at ln 2, and a pretrained model at another per-step time (245 against
    # 186 ms/step) were each 'run 2 starts where run 1 ended'
    for name in ("c14_kerastuner_two_trials.log", "c1_two_stuck_runs.log",
                 "c2_scratch_then_pretrained.log"):
        report = explain_log(REVIEW / name)
        assert "starts where" not in report.headline, name
        assert "built anew" not in report.headline, name


def test_runs_that_agree_two_by_two_with_no_common_epoch_are_no_group(tmp_path: Path):
    # unet_a logs epochs 1-4, unet_c resumes at 3, unet_b crashes after 2:
    # a agrees with c (3, 4) and with b (1, 2), the three share no epoch (was an IndexError)
    log = tmp_path / "disjoint.log"
    log.write_text("=== Run: unet_a ===\n" + _epochs(4, _FOUR)
                   + "=== Run: unet_c ===\n" + _epochs(4, {k: _FOUR[k] for k in (3, 4)})
                   + "=== Run: unet_b ===\n" + _epochs(4, {k: _FOUR[k] for k in (1, 2)}))
    same = [f for f in explain_log(log).findings if f.id == _IDENTICAL]
    assert same and all(len(f.evidence["runs"]) == 2 for f in same)
    assert all(f.evidence["common_epochs"] == 2 for f in same)


def test_runs_compared_when_the_first_logs_no_training_loss(tmp_path: Path):
    # the first run logs val_loss and val_dice only (was a KeyError 'loss')
    history = {"val_loss": [0.5, 0.4, 0.3], "val_dice": [0.2, 0.3, 0.4]}
    log = tmp_path / "histories.json"
    log.write_text(json.dumps({"a": history, "b": {"loss": [0.6, 0.5, 0.4], **history}}))
    report = explain_log(log)
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and not any(f.evidence["replicas"] for f in same)
    assert "one training repeated" not in report.headline


@pytest.mark.parametrize("second", [
    # the same loss, accuracy and val_accuracy, val_loss 1.5x
    [(loss, acc, val_loss * 1.5, val_acc) for loss, acc, val_loss, val_acc in _SEEDED],
    # the same loss and validation numbers, training accuracy 0.83 against 0.93
    [(loss, acc - 0.1, val_loss, val_acc) for loss, acc, val_loss, val_acc in _SEEDED],
])
def test_runs_that_differ_in_any_shared_metric_are_no_training_repeated(
        tmp_path: Path, second: list[tuple[float, ...]]):
    report = explain_log(_attempts(tmp_path, second))
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and not any(f.evidence["replicas"] for f in same)
    assert "training repeated" not in report.headline


def test_runs_that_agree_in_every_metric_stay_a_warning_said_as_consistent_with(
        tmp_path: Path):
    # two runs named as variants agree over 2 epochs at a loss of ln 2: one
    # training repeated is one answer, a change that never reached the training another
    log = tmp_path / "variants.log"
    rows = {1: {"loss": 0.6931, "accuracy": 0.5, "val_loss": 0.6931, "val_accuracy": 0.5012},
            2: {"loss": 0.6930, "accuracy": 0.5, "val_loss": 0.6931, "val_accuracy": 0.4988}}
    later = {3: {"loss": 0.40, "accuracy": 0.80, "val_loss": 0.45, "val_accuracy": 0.80},
             4: {"loss": 0.30, "accuracy": 0.85, "val_loss": 0.40, "val_accuracy": 0.83}}
    log.write_text("Training unet_bce\n" + _epochs(10, rows)
                   + "\nTraining resnet_dice\n" + _epochs(10, rows | later))
    report = explain_log(log)
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and all(f.evidence["replicas"] for f in same)
    assert all(f.severity.value == "warning" for f in same)
    assert "consistent with one training repeated" in report.headline
    assert "never reached the training" in report.headline
    assert " are one training repeated" not in report.headline


def test_runs_that_agree_in_every_metric_get_no_error_for_a_constant_one(tmp_path: Path):
    # two identical runs whose val_accuracy stays 0.9012 while the loss
    # falls were said to be "one training repeated" and "Different models ... not learning"
    rows = [(0.82 - 0.05 * i, 0.87 + 0.01 * i, 1.03 - 0.08 * i, 0.9012) for i in range(5)]
    report = explain_log(_attempts(tmp_path, rows, first=rows))
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and all(f.evidence["replicas"] for f in same)
    assert all(f.severity.value == "warning" for f in same)
    assert all("Different models" not in f.explanation for f in same)


def test_a_fold_line_printed_after_its_fit_names_no_run(tmp_path: Path):
    # 'Fold 1' then its result after the fit named the next fit 'fold 1'
    log = tmp_path / "folds.log"
    def fold(number: int) -> str:
        rows = {i: {"loss": 0.69 - 0.1 * i - 0.01 * number, "accuracy": 0.6 + 0.1 * i,
                    "val_loss": 0.7 - 0.1 * i, "val_accuracy": 0.6 + 0.08 * i}
                for i in range(1, 4)}
        return _epochs(3, rows) + f"Fold {number}\n  val_accuracy: 0.{84 - number}00\n"

    log.write_text("".join(fold(number) for number in range(1, 4)))
    runs = [row["run"] for row in explain_log(log).summary["runs"]]
    assert len(runs) == 3 and not any(name.startswith("fold") for name in runs)


@pytest.mark.parametrize(("line", "name"), [
    # names read from prose
    ("Training unet 2 times", "unet"), ("Training step 1", None), ("Training batch 3", None),
    ("Training on fold 3", "fold 3"), ("Training unet 512 px", "unet 512"),
])
def test_a_run_name_is_no_prose(line: str, name: str | None):
    assert header_name(line) == name


def test_two_runs_are_both_runs(tmp_path: Path):
    # "val_accuracy is 0.9012 in all 2 runs"
    first = [(0.82 - 0.05 * i, 0.87 + 0.01 * i, 1.03 - 0.08 * i, 0.9012) for i in range(5)]
    second = [(loss * 1.3, acc, val_loss * 1.2, val_acc) for loss, acc, val_loss, val_acc in first]
    report = explain_log(_attempts(tmp_path, second, first=first))
    titles = " ".join([report.headline, *(f.title for f in report.findings)])
    assert "both runs" in titles and "all 2 runs" not in titles


def test_a_fold_column_names_separate_runs_not_appended_fits(tmp_path: Path):
    log = tmp_path / "folds.csv"
    log.write_text(FOLDS)
    runs = parse_csv(FOLDS)
    assert [run.name for run in runs] == ["fold 0", "fold 1", "fold 2"]
    assert all(len(run.epochs) == 5 and "fold" not in run.epochs[0] for run in runs)
    assert not any(run.appended_fit for run in runs)
    report = explain_log(log)
    assert "appended" not in report.headline
    assert "the file does not say" not in report.headline
    # an identifier column is no metric: nothing says "Fold never moved"
    assert not [f for f in report.findings if "fold" in f.title.lower()
                and f.id.startswith("saturation.flat")]
    notes = [f for f in report.findings if f.id == "log.parse_notes"]
    assert notes and "'fold' names the run of each row" in notes[0].explanation


def test_a_trial_column_in_the_middle_and_a_split_column_of_words():
    text = ("epoch,trial_id,loss\n0,7,0.5\n1,7,0.4\n0,8,0.6\n1,8,0.5\n2,8,0.45\n")
    assert [run.name for run in parse_csv(text)] == ["trial_id 7", "trial_id 8"]
    # a split column of words (train/val rows) names no run: read as before, no run per word
    words = "split,epoch,loss\ntrain,0,0.5\ntrain,1,0.4\n"
    assert [run.name for run in parse_csv(words)] == ["run 1"]


def test_appended_fits_are_placed_at_lines_of_the_file(tmp_path: Path):
    # the header is line 1 and a blank line counts: the restarts are lines 5 and 9 (data rows
    # 4 and 7 would be another count, and "rows 5 and 8" neither)
    log = tmp_path / "appended.csv"
    log.write_text("epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.55\n2,0.35,0.52\n"
                   "0,0.33,0.5\n1,0.31,0.49\n2,0.30,0.48\n\n0,0.29,0.47\n1,0.28,0.46\n")
    report = explain_log(log)
    assert "starts again at lines 5 and 9 of the file" in report.headline
    notes = [f for f in report.findings if f.id == "log.parse_notes"]
    assert "starts again at lines 5 and 9 of the file" in notes[0].explanation


def test_a_column_that_changes_only_where_the_epochs_start_again_labels_runs(tmp_path):
    # a long-format CSV logged every 5 epochs: 'model' changes where the epochs start again,
    # never while they rise (refused as a table of results before)
    runs = _runs(tmp_path, "long.csv", "model,epoch,loss,val_dice\nunet,5,0.41,0.62\n"
                 "unet,10,0.32,0.70\nunet,15,0.27,0.74\nattunet,5,0.40,0.63\n"
                 "attunet,10,0.31,0.71\nattunet,15,0.26,0.75\n")
    assert [row["epochs"] for row in runs] == [3, 3]
    runs = _runs(tmp_path, "one.csv", "model,epoch,loss,val_dice\nunet,5,0.41,0.62\n"
                 "unet,10,0.32,0.70\nunet,15,0.27,0.74\nunet,20,0.24,0.76\n")
    assert [row["epochs"] for row in runs] == [4]
