"""Layouts and claims of the fifteenth pass over public Keras logs (docs/real-logs.md, pass 15)."""


from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.checks.saturation.checks import check_across_runs, check_series
from unetdiag.diag.logs.explain import explain_log
from unetdiag.exitcodes import UserError


def _bar(loss: float, accuracy: float, val_loss: float, val_accuracy: float) -> str:
    return (f"20/20 [==============================] - 3s 150ms/step - loss: {loss:.4f} - "
            f"accuracy: {accuracy:.4f} - val_loss: {val_loss:.4f} - "
            f"val_accuracy: {val_accuracy:.4f}\n")


def test_a_top_k_accuracy_at_one_is_no_perfect_accuracy():
    # inspirehep/magpie#183: top_k_categorical_accuracy 1.0000 from epoch 1 (k = 5): the true
    # class among the 5 likeliest, which a few-class problem gives from the start
    history = {"loss": [0.63, 0.55, 0.50, 0.47], "top_k_categorical_accuracy": [1.0] * 4,
               "val_loss": [0.55, 0.46, 0.43, 0.42],
               "val_top_k_categorical_accuracy": [1.0] * 4}
    found = {f.id for f in check_series("run 1", history)}
    assert "saturation.perfect_accuracy" not in found
    assert "saturation.perfect_training_accuracy" not in found


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
    # training as well (review of pass 15, item 6)
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


def test_a_nan_loss_with_no_score_logged_is_not_blamed_on_masks(tmp_path: Path):
    # ageron/handson-ml2#398: a regression's loss NaN from epoch 1, no metric
    log = tmp_path / "nan.log"
    log.write_text("".join(f"Epoch {i}/50\n413/413 [==============================] - 1s "
                           "2ms/step - loss: nan\n" for i in range(1, 5)))
    [nan] = [f for f in explain_log(log).findings if f.id == "saturation.non_finite"]
    text = (nan.explanation + nan.fix).lower()
    assert "mask" not in text and "regressor" in text


def test_pytorch_tqdm_bars_are_refused_naming_tqdm(tmp_path: Path):
    # milesial/Pytorch-UNet#480: tqdm bars and an 'Epoch 14/50:' bar prefix, no Keras line
    log = tmp_path / "train.log"
    log.write_text(
        "Validation round:  43%|████▎     | 13/30 [00:06<00:03,  5.47batch/s]\n"
        "                    INFO: Validation Dice score: 0.5\n"
        "Epoch 14/50:  30%|███       | 84/277 [00:18<00:08, 23.33img/s, loss (batch)=0.00319]\n")
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "tqdm progress bars" in str(refused.value) and "\n" not in str(refused.value)


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


def test_a_score_flat_at_zero_is_titled_with_its_value():
    history = {"loss": [0.49, 0.36, 0.33, 0.30, 0.28, 0.25, 0.24],
               "val_loss": [0.43, 0.35, 0.34, 0.30, 0.28, 0.24, 0.24],
               "val_dice": [0.0, 0.0, 0.0007, 0.0, 0.0, 0.0, 0.0]}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "val_dice at 0.0000 since epoch 4" in flat.title
