"""Layouts and claims of the fourteenth pass over public Keras logs (docs/real-logs.md, pass 14)."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation.checks import check_series
from unetdiag.diag.logs.explain import explain_log

# a custom loop's own lines: a regulariser computed in training only prints 0 in validation
LOOP_TERM = "".join(
    f"Epoch {i}, Loss: {0.9 - 0.03 * i:.4f}, Dice: {0.50 + 0.02 * i:.4f}, "
    f"Reg: {0.60 - 0.02 * i:.4f}, Val Loss: {0.95 - 0.02 * i:.4f}, "
    f"Val Dice: {0.45 + 0.02 * i:.4f}, Val Reg: 0.0000\n" for i in range(1, 13))


def _flat_text(report) -> str:
    [flat] = [f for f in report.findings if f.id == "saturation.flat_metric"]
    return flat.explanation


def test_a_custom_loops_training_only_term_is_not_said_to_be_printed_by_keras(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text(LOOP_TERM)
    text = _flat_text(explain_log(log))
    assert "only in training" in text
    assert "Keras prints" not in text
    assert "a loop that never computes it in validation may print it as 0" in text
    # the same numbers from fit() (a history) keep the sentence about Keras's printing
    history = {"loss": [0.9 - 0.03 * i for i in range(1, 13)],
               "dice": [0.5 + 0.02 * i for i in range(1, 13)],
               "reg": [0.6 - 0.02 * i for i in range(1, 13)],
               "val_loss": [0.95 - 0.02 * i for i in range(1, 13)],
               "val_dice": [0.45 + 0.02 * i for i in range(1, 13)], "val_reg": [0.0] * 12}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "Keras prints a metric it never updated in validation as 0" in flat.explanation


# CSVLogger(append=True) over three fit() calls: the header once, the epoch column back to 0
APPENDED = ("epoch,accuracy,loss,val_accuracy,val_loss\n"
            "0,0.80,0.50,0.75,0.60\n1,0.85,0.40,0.75,0.55\n2,0.88,0.35,0.75,0.52\n"
            "0,0.89,0.33,0.75,0.50\n1,0.90,0.31,0.75,0.49\n2,0.91,0.30,0.75,0.48\n"
            "0,0.92,0.29,0.75,0.47\n1,0.93,0.28,0.75,0.46\n")


def test_fits_appended_to_one_csvlogger_file_are_said_and_not_compared(tmp_path: Path):
    log = tmp_path / "training.csv"
    log.write_text(APPENDED)
    report = explain_log(log)
    assert "3 fit() calls appended to one CSVLogger file" in report.headline
    assert "starts again at rows 5 and 8" in report.headline
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
