"""Counter-examples of the review of pass 18's rules (tests/data/logs/review/c38-...).

Each test fails on the code before its mend."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_checkpoint_best_an_earlier_fit_printed_is_not_an_unseen_epoch():
    # review of pass 18: one ModelCheckpoint passed to two fit() calls keeps its best
    # (0.21000, run 1's epoch 4) into the second, where every epoch "did not improve from
    # 0.21000": said to come "from an epoch the log does not show"
    report = explain_log(REVIEW / "c38_checkpoint_reused_across_fits_keeps_best.log")
    assert "does not show" not in report.headline
    assert ("In run 2, ModelCheckpoint says val_loss did not improve on its best, 0.21000, at "
            "epochs 1-6, the last 6 logged (not a value of this run: run 1 prints val_loss "
            "0.2100 at epoch 4, consistent with one callback passed to both fit() calls, "
            "which keeps its best from one to the next)") in report.headline


def test_two_checkpoints_on_one_monitor_are_not_one_callback():
    # review of pass 18: two callbacks on val_loss in one fit, a fresh one (improved at
    # epochs 1-3, then stalled on 0.33000) and one kept from an earlier fit (0.21000 all
    # along); the second's message replaced the first's in each epoch, so "ModelCheckpoint
    # says val_loss did not improve ... at epochs 1-6" beside the other's 'improved'
    report = explain_log(REVIEW / "c39_two_checkpoints_same_monitor_differ.log")
    one = "one of 2 ModelCheckpoint callbacks on val_loss (their verdicts differ) says"
    assert f"{one} val_loss did not improve on its best, 0.33000, at epochs 4-6" in (
        report.headline)
    assert f"{one} val_loss did not improve on its best, 0.21000, at epochs 1-6" in (
        report.headline)
    assert "ModelCheckpoint says" not in report.headline
