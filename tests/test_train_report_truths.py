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


def test_fractions_of_masks_with_ignored_pixels_are_said_of_the_pixels_scored():
    # DRIVE as trimaps (--ignore-values 3,255): vessels are 8.7 % of all pixels, 15.5 % of
    # those scored; "foreground 15.53% of their pixels" was false of all of them
    from unetdiag.diag.checks.baselines import baseline_findings
    from unetdiag.diag.core.dice import DEFAULT_DICE
    from unetdiag.training.train_report import below_baseline_findings

    (trivial, *_) = baseline_findings([155.0], [1000.0], DEFAULT_DICE, scored_only=True)
    assert "(foreground 15.50% of the pixels scored)" in trivial.explanation
    result = VariantResult(name="MP_Tr_BCE", status="finished", epochs_completed=2,
                           best_val_dice=0.0998, best_val_dice_epoch=2)
    baselines = {"all_zeros": {"accuracy": 0.845, "hard_dice": 0.0, "hard_iou": 0.0},
                 "all_ones": {"accuracy": 0.155, "hard_dice": 0.2684, "hard_iou": 0.155}}
    (below,) = below_baseline_findings({"MP_Tr_BCE": result}, baselines, 0.1553,
                                       scored_only=True)
    assert "(foreground 15.53% of their pixels scored)" in below.explanation


def test_guard_and_batch_audit_sentences_count_epochs_and_batches_from_one():
    # the guard's title said "Training stopped at epoch 1, batch 4" and its explanation
    # "At epoch 0, batch 3" of the same step (issue 15: epochs 0-based in some sentences)
    from unetdiag.training.callbacks.batch_audit_wording import non_finite_inputs_finding
    from unetdiag.training.callbacks.nonfinite_wording import (
        metric_non_finite_finding,
        non_finite_finding,
    )

    evidence = {"epoch": 0, "batch": 3, "first_nonfinite_gradient": None,
                "first_nonfinite_weight": None, "batch_loss": float("nan"),
                "nonfinite_gradient_count": 2, "nonfinite_weight_count": 0,
                "weights_state": "current", "instrumented": True, "applied_steps_in_epoch": 0}
    guard = non_finite_finding(evidence, ["unknown"], "train:A")
    assert guard.title.startswith("Training stopped at epoch 1, batch 4")
    assert "At epoch 1, batch 4," in guard.explanation
    assert "No step of epoch 1 was applied" in guard.explanation
    assert guard.evidence["epoch"] == 0  # the evidence keeps Keras's index
    metric = metric_non_finite_finding("dice", 2, 0, 0.4, "train:A")
    assert metric.title == "Metric 'dice' turned non-finite at epoch 3, batch 1"
    inputs = non_finite_inputs_finding(5, [0], 0, 0, "train:A")
    assert inputs.explanation.startswith("Batch 1 of epoch 1, as fit() received it")


def test_a_per_image_dice_at_the_measured_all_ones_baseline_is_no_pooled_fingerprint():
    # DRIVE stored as background, 2 epochs, probe 100 % foreground: the fingerprint read the
    # per-image mean's gap below the pooled 2f/(1+f) as "the pixels correctly predicted
    # background at 0.139 %"; the measured per-image baseline (metric_at_baseline) says it
    from pathlib import Path

    from unetdiag.config import TrainConfig
    from unetdiag.training.train_report import train_report

    history = {"loss": [0.2655, 0.2436], "accuracy": [0.9158, 0.9158],
               "dice": [0.9555, 0.9559], "iou": [0.9148, 0.9156],
               "val_loss": [0.2786, 0.2567], "val_accuracy": [0.908529, 0.908529],
               "val_dice": [0.952002, 0.952002], "val_iou": [0.908529, 0.908529]}
    results = {"MP_Tr_BCE": VariantResult(name="MP_Tr_BCE", status="finished",
                                          epochs_completed=2, best_val_dice=0.952002,
                                          best_val_dice_epoch=1, history=history)}
    baselines = {"all_zeros": {"accuracy": 0.091471, "hard_dice": 0.0, "hard_iou": 0.0},
                 "all_ones": {"accuracy": 0.908529, "hard_dice": 0.952002,
                              "hard_iou": 0.908529}}
    meta = {"val_baselines": baselines, "val_foreground_fraction": 0.908529,
            "train_foreground_fraction": 0.915, "metric_empty_rule": "exclude",
            "train_pairs": 16, "val_pairs": 4}
    config = TrainConfig(images=Path("images"), masks=Path("masks"), diagnostics=False)
    ids = [f.id for f in train_report(config, Path("run"), results, meta, [], None).findings]
    assert "saturation.metric_at_baseline" in ids
    assert "saturation.all_ones_predictor" not in ids


def test_info_series_findings_keep_explain_logs_sentences_after_its_quiet_one():
    """A val_dice still rising (saturation.still_improving, info) was the only series
    finding: the headline dropped explain-log's whole paragraph, its "still rising ...
    train longer" with the "nothing looks saturated" it meant to leave out."""
    from unetdiag.diag.checks.saturation import check_series

    history = {"loss": [0.6, 0.5, 0.4, 0.3, 0.25, 0.2],
               "val_loss": [0.6, 0.5, 0.45, 0.4, 0.35, 0.3],
               "dice": [0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
               "val_dice": [0.30, 0.40, 0.50, 0.60, 0.68, 0.75]}
    findings = [f.with_source("train:MP_Tr_BCE")
                for f in check_series("train:MP_Tr_BCE", history)]
    assert [(f.id, f.severity) for f in findings] == [
        ("saturation.still_improving", Severity.INFO)]
    result = VariantResult(name="MP_Tr_BCE", status="finished", epochs_completed=6,
                           best_val_dice=0.75, best_val_dice_epoch=6, history=history)
    headline = train_headline(findings, HeadlineContext({"MP_Tr_BCE": result}, 24, 6,
                                                        {"val_dice": 0.2}, 0.1))
    assert "still rising" in headline
    assert "looks saturated" not in headline
