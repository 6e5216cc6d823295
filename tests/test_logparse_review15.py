"""Mends of the review of explain-log's pass 15 (docs/real-logs.md, "Review of pass 15"):
each test is built from the reviewer's counter-example and failed before its mend."""


from __future__ import annotations

import json
from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.run_names import header_name
from unetdiag.exitcodes import UserError

_IDENTICAL = "saturation.identical_across_runs"


def _bar(**values: float) -> str:
    shown = " - ".join(f"{name}: {value:.4f}" for name, value in values.items())
    return f"20/20 [==============================] - 3s 150ms/step - {shown}\n"


def _epochs(total: int, rows: dict[int, dict[str, float]]) -> str:
    return "".join(f"Epoch {epoch}/{total}\n" + _bar(**values)
                   for epoch, values in rows.items())


_FOUR = {1: {"loss": 0.9, "val_loss": 0.8}, 2: {"loss": 0.7, "val_loss": 0.6},
         3: {"loss": 0.5, "val_loss": 0.5}, 4: {"loss": 0.4, "val_loss": 0.45}}


def test_runs_that_agree_two_by_two_with_no_common_epoch_are_no_group(tmp_path: Path):
    # review item 1: unet_a logs epochs 1-4, unet_c resumes at 3, unet_b crashes after 2:
    # a agrees with c (3, 4) and with b (1, 2), the three share no epoch (was an IndexError)
    log = tmp_path / "disjoint.log"
    log.write_text("=== Run: unet_a ===\n" + _epochs(4, _FOUR)
                   + "=== Run: unet_c ===\n" + _epochs(4, {k: _FOUR[k] for k in (3, 4)})
                   + "=== Run: unet_b ===\n" + _epochs(4, {k: _FOUR[k] for k in (1, 2)}))
    same = [f for f in explain_log(log).findings if f.id == _IDENTICAL]
    assert same and all(len(f.evidence["runs"]) == 2 for f in same)
    assert all(f.evidence["common_epochs"] == 2 for f in same)


def test_runs_compared_when_the_first_logs_no_training_loss(tmp_path: Path):
    # review item 2: the first run logs val_loss and val_dice only (was a KeyError 'loss')
    history = {"val_loss": [0.5, 0.4, 0.3], "val_dice": [0.2, 0.3, 0.4]}
    log = tmp_path / "histories.json"
    log.write_text(json.dumps({"a": history, "b": {"loss": [0.6, 0.5, 0.4], **history}}))
    report = explain_log(log)
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and not any(f.evidence["replicas"] for f in same)
    assert "one training repeated" not in report.headline


def test_tqdm_bars_of_a_loading_step_before_a_keras_header_are_no_refusal(tmp_path: Path):
    # review item 4: a Keras run that crashed in epoch 1, after tqdm bars loading its images
    log = tmp_path / "tqdm_then_crash.log"
    log.write_text(
        "Loading images: 100%|██████████| 500/500 [00:02<00:00, 200.00it/s]\n"
        "Loading masks: 100%|██████████| 500/500 [00:01<00:00, 400.00it/s]\n"
        'Model: "unet"\nEpoch 1/50\n'
        "2023-02-13 12:46:20.000001: I tensorflow/stream_executor/cuda/cuda_dnn.cc:384] "
        "Loaded cuDNN version 8200\n"
        "ResourceExhaustedError: OOM when allocating tensor with shape[8,64,512,512]\n")
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "not a Keras log" not in str(refused.value)
    assert "before its first steps ended" in str(refused.value)


_SEEDED = [(0.82, 0.87, 1.03, 0.84), (0.61, 0.92, 0.70, 0.89), (0.58, 0.92, 0.64, 0.90),
           (0.57, 0.93, 0.62, 0.91)]


def _attempts(tmp_path: Path, second: list[tuple[float, ...]],
              first: list[tuple[float, ...]] = _SEEDED) -> Path:
    names = ("loss", "accuracy", "val_loss", "val_accuracy")
    runs = ["".join(f"Epoch {i}/{len(rows)}\n" + _bar(**dict(zip(names, row, strict=True)))
                    for i, row in enumerate(rows, 1)) for rows in (first, second)]
    log = tmp_path / "attempts.log"
    log.write_text(f"Run attempt 1:\n{runs[0]}\nRun attempt 2:\n{runs[1]}")
    return log


@pytest.mark.parametrize("second", [
    # review item 5: the same loss, accuracy and val_accuracy, val_loss 1.5x
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
    # review item 6: two runs named as variants agree over 2 epochs at a loss of ln 2: one
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
    # review item 11: two identical runs whose val_accuracy stays 0.9012 while the loss
    # falls were said to be "one training repeated" and "Different models ... not learning"
    rows = [(0.82 - 0.05 * i, 0.87 + 0.01 * i, 1.03 - 0.08 * i, 0.9012) for i in range(5)]
    report = explain_log(_attempts(tmp_path, rows, first=rows))
    same = [f for f in report.findings if f.id == _IDENTICAL]
    assert same and all(f.evidence["replicas"] for f in same)
    assert all(f.severity.value == "warning" for f in same)
    assert all("Different models" not in f.explanation for f in same)


def test_a_top_k_accuracy_at_one_is_no_flat_metric(tmp_path: Path):
    # review item 7: Keras's top5 at 1.0000 every epoch while the loss falls
    log = tmp_path / "top5.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, "top5": 1.0,
                                   "val_loss": 0.85 - 0.1 * i, "val_top5": 1.0}
                               for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.flat_metric" not in {f.id for f in report.findings}
    assert "never moved" not in report.headline


def test_a_best_so_far_and_a_name_printed_twice_are_not_the_epochs_values(tmp_path: Path):
    # review item 10: 'Best Dice' (the best val Dice so far) was read as the training Dice,
    # and a block printing 'Loss' twice kept the second silently
    dice = [0.30, 0.45, 0.61, 0.58]
    log = tmp_path / "blocks.log"
    log.write_text("".join(
        f"Epoch {i}/100\n  Train Loss: {0.48 - 0.02 * i:.4f}\n  Val Loss:   0.4000\n"
        f"  Val Dice:   {value:.4f}\n  Best Dice:  {max(dice[:i]):.4f}\n\n"
        for i, value in enumerate(dice, 1)))
    [run] = explain_log(log).summary["runs"]
    assert not any("dice" in column and "0.6100 /" in str(value)
                   for column, value in run.items())
    log.write_text("".join(f"Epoch {i}/50\n  Loss: {0.5 - 0.02 * i:.4f}\n  Dice: 0.5500\n"
                           f"  Loss: {0.9 - 0.01 * i:.4f}\n  Dice: 0.3100\n"
                           for i in range(1, 4)))
    report = explain_log(log)
    notes = " ".join(f.explanation for f in report.findings)
    assert "'Loss' (line(s) 4, 9 and 14) is printed a second time" in notes


@pytest.mark.parametrize(("names", "said"), [
    # review item 12: a top-k accuracy, and a Dice loss, are a classifier's or a segmenter's
    (("loss", "top_k_categorical_accuracy", "val_loss"), "top_k_categorical_accuracy"),
    (("dice_loss", "loss", "val_loss"), "smoothing term"),
])
def test_a_top_k_accuracy_or_a_dice_loss_is_a_named_score(
        tmp_path: Path, names: tuple[str, ...], said: str):
    log = tmp_path / "nan.log"
    log.write_text("".join(
        f"Epoch {i}/5\n413/413 [==============================] - 1s 2ms/step - "
        + " - ".join(f"{name}: {'0.5000' if 'top_k' in name else 'nan'}" for name in names)
        + "\n" for i in range(1, 4)))
    report = explain_log(log)
    [nan] = [f for f in report.findings if f.id == "saturation.non_finite"]
    assert "names no score" not in nan.explanation
    assert said in nan.explanation + nan.fix


def test_a_fold_line_printed_after_its_fit_names_no_run(tmp_path: Path):
    # review nit 1: 'Fold 1' then its result after the fit named the next fit 'fold 1'
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
    # review nit 2: names read from prose
    ("Training unet 2 times", "unet"), ("Training step 1", None), ("Training batch 3", None),
    ("Training on fold 3", "fold 3"), ("Training unet 512 px", "unet 512"),
])
def test_a_run_name_is_no_prose(line: str, name: str | None):
    assert header_name(line) == name


def test_a_config_printed_under_each_header_is_refused_for_its_missing_loss(tmp_path: Path):
    # review nit 4: the refusal called a read layout unreadable; what is missing is a loss
    log = tmp_path / "config.log"
    log.write_text("".join(f"Epoch {i}/5\nbatch_size: 8\nlearning_rate: 0.001\n"
                           for i in range(1, 3)))
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "name no loss" in str(refused.value)
    assert "in no layout" not in str(refused.value)


@pytest.mark.parametrize("name", ["TopKCategoricalAccuracy", "top-5-accuracy", "Top5Accuracy"])
def test_a_top_k_accuracy_is_known_by_its_other_spellings(tmp_path: Path, name: str):
    # review nit 6: Keras 3's class name (and a hyphenated one) at 1.0000 was 'every
    # validation prediction right'
    log = tmp_path / "top_k.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, name: 1.0, "val_loss": 0.85 - 0.1 * i,
                                   f"val_{name}": 1.0} for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.perfect_accuracy" not in {f.id for f in report.findings}


def test_two_runs_are_both_runs(tmp_path: Path):
    # review nit 5: "val_accuracy is 0.9012 in all 2 runs"
    first = [(0.82 - 0.05 * i, 0.87 + 0.01 * i, 1.03 - 0.08 * i, 0.9012) for i in range(5)]
    second = [(loss * 1.3, acc, val_loss * 1.2, val_acc) for loss, acc, val_loss, val_acc in first]
    report = explain_log(_attempts(tmp_path, second, first=first))
    titles = " ".join([report.headline, *(f.title for f in report.findings)])
    assert "both runs" in titles and "all 2 runs" not in titles
