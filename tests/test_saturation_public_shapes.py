"""The metric-series checks on numbers shaped like public Keras logs that misled them: each
history is the shape of a real run (a research pass over public logs, docs/real-logs.md),
small enough to read, with what a true diagnosis says about it."""

from __future__ import annotations

import math

from unetdiag.diag.checks.saturation import check_across_runs, check_series
from unetdiag.diag.checks.saturation.metrics import metric_series, phase_metrics
from unetdiag.diag.core.findings import Severity

NAN = math.nan


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def test_two_folds_of_one_model_whose_small_losses_differ_are_not_identical():
    # K-fold speech-commands run: 0.0361 / 0.0369 and 0.0232 / 0.0233 are within an absolute
    # 0.001 of each other, 2 % apart, and both folds learn (accuracy 0.81 -> 0.87)
    folds = {"1": {"val_loss": [0.0361, 0.0232, 0.0121, 0.0104],
                   "val_categorical_accuracy": [0.8088, 0.8749, 0.93, 0.9469]},
             "2": {"val_loss": [0.0369, 0.0233],
                   "val_categorical_accuracy": [0.8011, 0.8719]}}
    assert _found(check_across_runs(folds), "saturation.identical_across_runs") == []
    # the same number in both runs is still the same number, and the value said is one that
    # every run logs (not the longer run's last)
    same = {"1": {"val_loss": [0.0361, 0.0232, 0.0121, 0.0104]},
            "2": {"val_loss": [0.0361, 0.0232]}}
    [identical] = _found(check_across_runs(same), "saturation.identical_across_runs")
    assert identical.evidence["value"] == 0.0232
    assert "0.0232" in identical.title and "0.1 %" in identical.explanation


def test_a_validation_loss_flat_at_its_decimals_beside_a_moving_accuracy_is_no_constant(
        ):
    # speech-commands GRU, 31 classes: val_loss 0.0104 to four decimals from epoch 3 while
    # val_categorical_accuracy still moves (0.9458 to 0.9477): "typically a model that
    # predicts the same class everywhere" was said of it
    history = {"loss": [0.30, 0.10, 0.05, 0.0030, 0.0026, 0.0024, 0.0023],
               "val_loss": [0.20, 0.08, 0.0104, 0.0104, 0.0104, 0.0104, 0.0104],
               "val_categorical_accuracy": [0.80, 0.90, 0.9458, 0.9460, 0.9477, 0.9469, 0.9470],
               "lr": [None, None, 1e-4, 1e-4, 2e-5, 1e-5, 1e-5]}
    [flat] = _found(check_series("1", history), "saturation.flat_metric")
    assert flat.severity is Severity.INFO
    assert flat.evidence["metrics"]["val_loss"]["scores_moving"] == {
        "val_categorical_accuracy": [0.9458, 0.9477]}
    assert "same class everywhere" not in flat.explanation
    assert "the predictions still change" in flat.explanation


def test_one_mild_cut_does_not_explain_a_frozen_validation_accuracy():
    # a single ReduceLROnPlateau halving printed before the plateau: a halved rate is no
    # "small step", and the frozen accuracy is still worth a warning
    history = {"loss": [0.5, 0.4, 0.3, 0.25, 0.2, 0.18, 0.16],
               "val_accuracy": [0.90, 0.95, 0.9612, 0.9612, 0.9612, 0.9612, 0.9612],
               "lr": [None, None, 5e-4, 5e-4, 5e-4, 5e-4, 5e-4]}
    [flat] = _found(check_series("run 1", history), "saturation.flat_metric")
    assert flat.severity is Severity.WARNING and "convergence" not in flat.explanation


def test_an_accuracy_frozen_beside_a_loss_that_is_nan_throughout_is_left_to_the_nan():
    # SemEval sentiment run: loss NaN at every epoch, acc 0.7311 then exactly 0 (NaN outputs
    # never equal a label); "the loss moves ... the run converged" was said of it
    history = {"loss": [NAN] * 4, "acc": [0.7311, 0.0, 0.0, 0.0]}
    findings = check_series("run 1", history)
    assert [f.id for f in findings] == ["saturation.non_finite"]
    text = " ".join(f.explanation + f.fix for f in findings)
    assert "converged" not in text and "loss moves" not in text


def test_an_accuracy_near_zero_beside_a_moving_loss_is_not_called_converged():
    history = {"loss": [9.0, 7.0, 5.0, 4.0, 3.0], "accuracy": [0.0, 0.0, 0.0, 0.0, 0.0]}
    [flat] = _found(check_series("regression", history), "saturation.flat_metric")
    assert "loss moves" in flat.explanation and "converged" not in flat.fix


def test_no_train_validation_gap_is_read_into_scores_a_label_scale_finding_voids():
    # integer class ids into a binary loss: the loss goes to -8, accuracies 0.109 and 0.025
    # measure nothing, so "training does much better than validation" would be false
    history = {"loss": [0.51, -2.0, -5.0, -8.07], "accuracy": [0.42, 0.027, 0.08, 0.1091],
               "val_loss": [0.3, -3.0, -6.0, -8.668], "val_accuracy": [0.3, 0.02, 0.03, 0.025]}
    findings = check_series("run 1", history)
    assert _found(findings, "saturation.negative_loss")
    assert _found(findings, "saturation.train_val_gap") == []
    # a gap between scores in range beside a healthy loss is still reported
    healthy = {"loss": [0.5, 0.3, 0.2, 0.1], "accuracy": [0.80, 0.90, 0.95, 0.99],
               "val_loss": [0.5, 0.4, 0.45, 0.5], "val_accuracy": [0.78, 0.80, 0.80, 0.79]}
    assert _found(check_series("fit", healthy), "saturation.train_val_gap")


def test_the_phase_loss_is_the_metric_named_loss_not_a_psnr_loss_metric():
    # loss='mse' with metrics PSNRLoss (~23.7 dB) and SSIMLoss logged before it
    history = {"PSNRLoss": [23.70, 23.73], "SSIMLoss": [0.33, 0.33], "loss": [0.0065, 0.0064],
               "val_PSNRLoss": [23.9, 23.98], "val_SSIMLoss": [0.32, 0.33],
               "val_loss": [0.0066, 0.0065]}
    series = metric_series(history)
    assert phase_metrics(series, validation=False)["loss"].name == "loss"
    assert phase_metrics(series, validation=True)["loss"].name == "val_loss"


def test_a_validation_loss_that_swings_a_hundredfold_between_epochs_shows_no_overfitting():
    # Kaggle digits, fit_generator: val_loss jumps 0.0021 -> 0.2357 -> 0.0258 with accuracy
    # flat; a 37 % rise from its best is inside its ordinary swing
    history = {"loss": [0.2275, 0.1485, 0.1158, 0.0729, 0.0712, 0.0744, 0.0721, 0.0737,
                        0.0738, 0.0706],
               "val_loss": [0.0531, 0.0119, 0.0091, 0.0021, 0.2357, 0.0258, 0.0068,
                            8.0507e-04, 0.0019, 0.0011]}
    assert _found(check_series("run 1", history), "saturation.validation_loss_rising") == []
    # a steady rise after the best is still a rise
    steady = {"loss": [0.60, 0.40, 0.30, 0.25, 0.21, 0.18, 0.15, 0.13],
              "val_loss": [0.55, 0.42, 0.36, 0.34, 0.35, 0.37, 0.40, 0.43]}
    assert _found(check_series("run 1", steady), "saturation.validation_loss_rising")


def test_a_gap_whose_validation_loss_is_still_at_its_best_is_not_told_to_stop_earlier():
    # Kaggle flowers, InceptionV3 transfer: val_loss 0.4674 at the last epoch is its lowest
    improving = {"loss": [0.9, 0.5, 0.35, 0.2454], "val_loss": [0.9, 0.6, 0.4685, 0.4674]}
    [gap] = _found(check_series("run 1", improving), "saturation.train_val_gap")
    assert "stop earlier" not in gap.fix and "stopping earlier would not help" in gap.fix
    past_best = {"loss": [0.9, 0.5, 0.35, 0.2454], "val_loss": [0.9, 0.6, 0.4485, 0.4674]}
    [gap] = _found(check_series("run 1", past_best), "saturation.train_val_gap")
    assert gap.fix.endswith("or stop earlier.")


def test_a_tiny_training_loss_does_not_make_an_ordinary_validation_loss_diverged():
    # Kaggle hummingbirds: loss 0.000977 against val_loss 1.92 (acc 1 vs val_acc 0.762) is
    # 2,000x, and heavy overfitting; outputs that blow up give validation losses in the
    # thousands
    overfit = {"loss": [0.000977], "val_loss": [1.92], "acc": [1.0], "val_acc": [0.762]}
    [gap] = _found(check_series("run 1", overfit), "saturation.train_val_gap")
    assert gap.evidence["diverged"] == [] and "diverged" not in gap.title
    blown = {"loss": [0.30], "val_loss": [3000.0]}
    [gap] = _found(check_series("run 1", blown), "saturation.train_val_gap")
    assert gap.evidence["diverged"] == ["loss"] and "diverged" in gap.title


def test_a_gap_already_there_at_the_first_epoch_is_not_read_as_overfitting():
    # spacenet6's CSVLogger: IoU 0.646 vs 0.572 at the first epoch, 0.667 vs 0.583 at the
    # sixth; a gap that does not grow points at the two sets, and stopping earlier is no fix
    steady = {"iou_score": [0.646, 0.652, 0.657, 0.661, 0.664, 0.6675],
              "val_iou_score": [0.5716, 0.575, 0.578, 0.580, 0.581, 0.5826]}
    [gap] = _found(check_series("run 1", steady), "saturation.train_val_gap")
    assert "nearly this wide at every epoch from the first" in gap.explanation
    assert "stop earlier" not in gap.fix and "same distribution" in gap.fix
    widening = {"iou_score": [0.60, 0.65, 0.70, 0.75, 0.80, 0.85],
                "val_iou_score": [0.59, 0.62, 0.64, 0.65, 0.655, 0.66]}
    [gap] = _found(check_series("run 1", widening), "saturation.train_val_gap")
    assert "first epoch" not in gap.explanation and "data or augmentation" in gap.fix


def test_the_all_zeros_fix_calls_foreground_rare_only_where_the_bound_says_so():
    # so_57200621: val_acc 0.1551 and val_iou 0 bound the foreground at 84.5 %, not "rare"
    common = {"val_acc": [0.1551], "val_iou": [0.0]}
    [fit] = _found(check_series("run 1", common), "saturation.all_zeros_predictor")
    assert "rare" not in fit.fix and "learnt nothing" in fit.fix
    rare = {"val_acc": [0.9821, 0.9821, 0.9821], "val_iou": [0.0, 0.0, 0.0]}
    [fit] = _found(check_series("run 1", rare), "saturation.all_zeros_predictor")
    assert "foreground is rare" in fit.fix


def test_what_only_a_whole_run_shows_is_not_said_of_an_excerpt():
    # an excerpt of epochs 96-100 (or one TqdmCallback bar) is no run: whether the last
    # validation value is the best, or the gap was always this wide, is not in it
    excerpt = {"loss": [0.20, 0.19, 0.18, 0.17, 0.16],
               "val_loss": [0.50, 0.49, 0.48, 0.47, 0.46],
               "epoch": [96, 97, 98, 99, 100]}
    [gap] = _found(check_series("run 1", excerpt), "saturation.train_val_gap")
    assert "validation_at_its_best" not in gap.evidence["metrics"]["loss"]
    assert "stopping earlier would not help" not in gap.fix
    assert "every epoch from the first" not in gap.explanation


def test_a_gap_that_narrowed_and_widened_again_is_overfitting_not_two_sets():
    # keras.io's Oxford pets: the epoch-1 ratio (3.95) is a warm-up; from epoch 5 it grows
    history = {"loss": [1.0, 0.8, 0.6, 0.5, 0.45, 0.40, 0.35, 0.30],
               "val_loss": [3.95, 1.5, 0.75, 0.6, 0.52, 0.55, 0.62, 0.64]}
    [gap] = _found(check_series("run 1", history), "saturation.train_val_gap")
    assert "every epoch from the first" not in gap.explanation


def test_a_metric_computed_wrongly_leaves_the_loss_gap_standing():
    # a custom accuracy above 1 is the metric's own bug: it voids no other number
    history = {"loss": [0.4, 0.3, 0.2, 0.15, 0.11, 0.08],
               "my_accuracy": [1.2, 1.5, 1.8, 2.1, 2.3, 2.4],
               "val_loss": [0.4, 0.38, 0.39, 0.45, 0.52, 0.60],
               "val_my_accuracy": [1.2, 1.5, 1.8, 2.1, 2.3, 2.4]}
    findings = check_series("run 1", history)
    assert _found(findings, "saturation.metric_out_of_range")
    [gap] = _found(findings, "saturation.train_val_gap")
    assert "loss" in gap.evidence["metrics"]


def test_a_steady_rise_after_a_fast_early_fall_is_still_a_rise():
    history = {"loss": [1.8, 0.9, 0.5, 0.3, 0.2, 0.15, 0.11, 0.08],
               "val_loss": [2.0, 1.0, 0.6, 0.4, 0.3, 0.32, 0.345, 0.36]}
    assert _found(check_series("run 1", history), "saturation.validation_loss_rising")
