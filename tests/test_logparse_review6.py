"""Claims review 6 found false in explain-log (docs/real-logs.md, pass 14 review)."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.tabular import parse_csv

# K-fold cross-validation in one CSV: a fold column, the epoch column back to 0 in each fold
FOLDS = "fold,epoch,loss,dice_coef,val_loss,val_dice_coef\n" + "".join(
    f"{fold},{epoch},{0.5 - 0.07 * epoch - 0.01 * fold:.4f},{0.5 + 0.07 * epoch:.4f},"
    f"{0.55 - 0.07 * epoch:.4f},{0.45 + 0.07 * epoch + 0.01 * fold:.4f}\n"
    for fold in range(3) for epoch in range(5))


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


# a hinge or margin loss is 0 for inexact predictions: loss 0 beside an R² of 0.27 is no
# contradiction for it, so the headline carries the condition the body states
HINGE = "epoch,loss,r_square,val_loss,val_r_square\n0,0.012345,0.200000,0.031200,0.180000\n" + (
    "".join(f"{i},0.0,{0.20 + 0.01 * i:.6f},{0.0312 - 0.001 * i:.6f},{0.18 + 0.01 * i:.6f}\n"
            for i in range(1, 8)))


def test_the_zero_loss_headline_names_the_losses_it_holds_for(tmp_path: Path):
    log = tmp_path / "hinge.csv"
    log.write_text(HINGE)
    report = explain_log(log)
    [claim] = [f for f in report.findings if f.id == "saturation.training_loss_not_measured"]
    for text in (claim.title, report.headline):
        assert "if the loss is 0 only for exact predictions" in text
        assert "(every prediction exact) would make 1" not in text
    assert "if the loss is 0 only for exact predictions" in report.summary["runs"][0]["verdict"]


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
