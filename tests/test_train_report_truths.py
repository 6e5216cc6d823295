"""Sentences of train's report that were false of real runs (DRIVE, ISBI 2012, two epochs):
"Nothing in this run looks saturated" beside a finding that the predictions were
all-foreground at epoch 1; the batch audit's "often means inverted polarity" beside the
training split's finding that says where the background lies."""

from __future__ import annotations

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.training.run.summary import VariantResult
from unetdiag.training.train_report import HeadlineContext, train_headline

HISTORY = {"loss": [0.45, 0.33], "val_loss": [0.57, 0.39], "dice": [0.88, 0.91],
           "val_dice": [0.8797, 0.8909]}


def _context() -> HeadlineContext:
    result = VariantResult(name="MP_Tr_BCE", status="finished", epochs_completed=2,
                           best_val_dice=0.8909, best_val_dice_epoch=2, history=HISTORY)
    return HeadlineContext({"MP_Tr_BCE": result}, 24, 6, {"val_dice": 0.8797}, 0.785)


def test_info_series_findings_are_not_contradicted_by_nothing_looks_saturated():
    # ISBI 2012 membranes, two epochs: all-foreground at epoch 1, left by epoch 2
    resolved = Finding("saturation.predictions_collapsed", Severity.INFO,
                       "Resolved by epoch 2: train:MP_Tr_BCE: predictions never left "
                       "all-foreground in 1 epoch", "", "", {"resolved_epoch": 2},
                       source="train:MP_Tr_BCE")
    headline = train_headline([resolved], _context())
    assert "looks saturated" not in headline
    assert "Best validation Dice 0.8909 (MP_Tr_BCE, epoch 2" in headline
    assert "Nothing in this run looks saturated" in train_headline([], _context())


def test_the_batches_mostly_foreground_gives_way_to_the_training_splits():
    from unetdiag.training.train_report import _batches_mostly_foreground_measured

    def mostly(source):
        return Finding("imbalance.mostly_foreground", Severity.INFO, "", "", "", {},
                       source=source)

    split, batches = mostly("data:train"), mostly("train:MP_Tr_BCE")
    assert _batches_mostly_foreground_measured([split, batches]) == [split]
    assert _batches_mostly_foreground_measured([batches]) == [batches]


def test_a_probe_all_foreground_from_the_start_names_the_prior_above_one_half():
    # DRIVE stored as background (91 % foreground): the output starts above 0.5, all
    # foreground; the finding said "below 0.5 where foreground is under half the pixels"
    from unetdiag.training.callbacks.dice_stability_wording import never_left_finding

    finding = Finding("saturation.predictions_collapsed", Severity.ERROR, "", "", "", {
        "collapsed_to": "all_ones", "predicted_positive_fraction": 1.0,
        "foreground_fraction": 0.9085, "constant_accuracy": 0.9085, "constant_dice": 0.9521})
    worded = never_left_finding(finding, "train:MP_Tr_BCE", 1.0, 2, 2)
    assert "above 0.5 where foreground is over half the pixels" in worded.explanation
    assert "below 0.5" not in worded.explanation
