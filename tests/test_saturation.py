"""Metric-series judgements: fingerprints, ranges, flat and identical series, baselines."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.checks import saturation
from unetdiag.diag.checks.saturation import (
    SaturationThresholds,
    algebra,
    check_across_runs,
    check_prediction_collapse,
    check_series,
    constant,
    fingerprint_all_ones,
    fingerprint_all_zeros,
    max_soft_dice,
    metric_kind,
    metrics,
    scale,
)
from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DiceConfig
from unetdiag.diag.core.findings import Report, Severity

# The original project's logged numbers (shared/seed/README.md).
MP_TR_DICE = {"accuracy": [0.9887, 0.9962, 0.9960, 0.9962, 0.9961],
              "dice_coef": [0.9498, 0.9981, 0.9980, 0.9981, 0.9981],
              "loss": [0.0502, 0.0019, 0.0020, 0.0019, 0.0019],
              "val_accuracy": [0.9950] * 5, "val_dice_coef": [0.9975] * 5, "val_loss": [0.0025] * 5}
MP_TR_BCE = {"accuracy": [0.9961, 0.9963, 0.9961, 0.9961, 0.9959],
             "dice_coef": [0.9511, 0.9953, 0.9956, 0.9960, 0.9963],
             "loss": [0.1115, 0.0209, 0.0193, 0.0172, 0.0156],
             "val_accuracy": [0.9950] * 5,
             "val_dice_coef": [0.9955, 0.9955, 0.9956, 0.9965, 0.9954],
             "val_loss": [0.0240, 0.0199, 0.0176, 0.0160, 0.0150]}
HEALTHY = {"loss": [0.69, 0.45, 0.31, 0.24, 0.20], "accuracy": [0.71, 0.84, 0.90, 0.93, 0.94],
           "dice_coef": [0.42, 0.61, 0.74, 0.80, 0.83], "val_loss": [0.66, 0.47, 0.35, 0.29, 0.27],
           "val_accuracy": [0.73, 0.83, 0.89, 0.91, 0.92],
           "val_dice_coef": [0.45, 0.60, 0.71, 0.77, 0.79]}


def ids(findings):
    return [f.id for f in findings]


def only(findings, finding_id):
    [finding] = [f for f in findings if f.id == finding_id]
    return finding


# --------------------------------------------------------------------------- fingerprints


def test_seed_numbers_are_the_all_ones_fingerprint():
    found = fingerprint_all_ones(0.9950, dice=0.9975)
    assert found["foreground_fraction"] == 0.995
    assert found["expected_dice"] == pytest.approx(2 * 0.995 / 1.995)
    assert found["dice_residual"] == pytest.approx(0.9975 - 2 * 0.995 / 1.995)
    assert abs(found["true_negative_share"]) < 0.01
    by_iou = fingerprint_all_ones(0.9950, iou=0.9950)
    assert by_iou["expected_iou"] == 0.995 and by_iou["iou_residual"] == 0.0


def test_fingerprint_needs_dice_or_iou_and_finite_values():
    assert fingerprint_all_ones(0.995) is None  # accuracy alone fits any foreground fraction
    assert fingerprint_all_ones(math.nan, dice=0.9975) is None
    assert fingerprint_all_ones(0.995, dice=math.nan) is None
    assert fingerprint_all_ones(1.0, dice=1.0) is None  # a perfect model is not a fingerprint
    assert fingerprint_all_zeros(0.93) is None


def test_a_soft_dice_a_little_below_all_ones_is_not_the_fingerprint():
    assert fingerprint_all_ones(0.9950, dice=0.9954) is None  # the seed's BCE runs


def test_a_good_model_on_balanced_data_is_not_mistaken_for_all_ones():
    # f = 0.5, 0.1 % of pixels wrong: TN = 0.5, so d = 2(a - TN)/(1 + a - 2 TN)
    accuracy, true_negative = 0.999, 0.5
    good_dice = 2 * (accuracy - true_negative) / (1 + accuracy - 2 * true_negative)
    # within the 1e-3 tolerance of 2a/(1+a), but half the pixels are correctly background
    assert abs(good_dice - dice.all_ones_dice(accuracy)) <= 1e-3
    assert fingerprint_all_ones(accuracy, dice=good_dice) is None


@pytest.mark.parametrize("config", [dice.SEED_DICE, dice.DEFAULT_DICE, dice.KERAS_DICE,
                                    DiceConfig(1.0, 1.0, "per_image")])
def test_fingerprints_recognise_trivial_baselines_with_and_without_smoothing(config):
    # 32x32 masks, 70 % foreground each (equal fill, so per-image = pooled)
    foreground, pixels = np.full(6, 717.0), np.full(6, 1024.0)
    scores = dice.trivial_baselines(foreground, pixels, config)
    ones, zeros = scores["all_ones"], scores["all_zeros"]
    found = fingerprint_all_ones(ones.accuracy, dice=ones.soft_dice, iou=ones.hard_iou)
    assert found["foreground_fraction"] == pytest.approx(717 / 1024)
    empty = fingerprint_all_zeros(zeros.accuracy, dice=zeros.soft_dice, iou=zeros.hard_iou)
    assert empty["foreground_fraction"] == pytest.approx(717 / 1024)
    assert fingerprint_all_zeros(ones.accuracy, dice=ones.soft_dice) is None
    assert fingerprint_all_ones(zeros.accuracy, dice=zeros.soft_dice) is None


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.02, 0.98))
def test_constant_predictions_on_random_masks_are_always_recognised(seed, fill):
    masks = (np.random.default_rng(seed).random((4, 16, 16)) < fill).astype(float)
    fraction = masks.mean()
    pooled = DiceConfig(0.0, 1e-12, "batch")
    ones = np.ones_like(masks)
    found = fingerprint_all_ones(dice.pixel_accuracy(masks, ones),
                                 dice=dice.soft_dice(masks, ones, pooled))
    if 0 < fraction < 1:
        assert found is not None and found["foreground_fraction"] == pytest.approx(fraction)
        empty = fingerprint_all_zeros(dice.pixel_accuracy(masks, 0 * ones),
                                      dice=dice.soft_dice(masks, 0 * ones, pooled))
        assert empty["foreground_fraction"] == pytest.approx(fraction)


@settings(max_examples=300, deadline=None)
@given(st.floats(0.06, 0.9), st.floats(0.0, 0.9), st.floats(0.0, 1.0))
def test_a_model_that_finds_background_is_never_called_all_ones(tn, tp, fp_share):
    """Any confusion matrix with >= 6 % of pixels correctly background fails the test."""
    tp = min(tp, 1 - tn)
    errors = 1 - tn - tp
    fp, fn = errors * fp_share, errors * (1 - fp_share)
    accuracy = tp + tn
    if not 0 < accuracy < 1 or tp == 0:
        return
    hard_dice = 2 * tp / (2 * tp + fp + fn)
    iou = tp / (tp + fp + fn)
    assert fingerprint_all_ones(accuracy, dice=hard_dice) is None
    assert fingerprint_all_ones(accuracy, iou=iou) is None


def test_constant_fits_record_the_assumptions_their_claims_rest_on():
    ones = algebra.constant_fit("all_ones", 0.9950, dice=0.9975)
    assert algebra.Assumption.TRUE_NEGATIVES_ZERO in ones.assumptions
    assert abs(ones.true_negative_share) < 0.01  # the assumption, as the numbers imply it
    assert ones.as_dict() == fingerprint_all_ones(0.9950, dice=0.9975)
    zeros = algebra.constant_fit("all_zeros", 0.9300, dice=0.0)
    assert algebra.Assumption.TRUE_POSITIVES_ZERO in zeros.assumptions
    assert algebra.Assumption.TRUE_NEGATIVES_ZERO not in zeros.assumptions
    assert "true_negative_share" not in zeros.as_dict()


def test_claims_carry_the_numbers_their_findings_report():
    history = {"accuracy": [0.0022, 0.0021], "dice_coef": [1.9455, 1.9801],
               "val_accuracy": [0.995] * 3, "val_dice_coef": [0.9975] * 3}
    by_name = metrics.metric_series(history)
    [above] = scale.label_scale("r", by_name, 1e-3, saturation.DEFAULT_THRESHOLDS)
    # accuracy 0.0021, below any constant predictor's, is what pins the labels
    assert above.labels_only and above.assumptions == (
        algebra.Assumption.ACCURACY_THRESHOLD_HALF, algebra.Assumption.SAME_DATA)
    assert above.extreme("max") == ("dice_coef", 1.9801)
    [fingerprint] = constant.constant_predictor_runs("r", by_name, 1e-3,
                                                     saturation.DEFAULT_THRESHOLDS)
    assert fingerprint.main_phase == "validation" and fingerprint.severity is Severity.ERROR
    findings = {f.id: f for f in check_series("r", history)}
    assert findings["saturation.dice_above_one"].evidence == above.as_evidence()
    assert findings["saturation.all_ones_predictor"].evidence == fingerprint.as_evidence()


# --------------------------------------------------------------------------- per run


def test_check_series_on_the_seed_dice_run_names_the_all_ones_predictor():
    findings = check_series("MP_Tr_Dice", MP_TR_DICE)
    found = only(findings, "saturation.all_ones_predictor")
    assert found.severity is Severity.ERROR
    assert found.evidence["foreground_fraction"] == 0.995
    validation = found.evidence["phases"]["validation"]
    assert validation["epochs_matched"] == [1, 2, 3, 4, 5]
    assert validation["dice_metric"] == "val_dice_coef"
    assert "2*0.995/1.995 = 0.99749" in found.explanation
    assert "99.5 %" in found.explanation
    assert found.evidence["phases"]["training"]["foreground_fraction"] == 0.9961
    flat = only(findings, "saturation.flat_metric")
    assert set(flat.evidence["metrics"]) >= {"val_accuracy", "val_dice_coef", "val_loss"}
    assert flat.evidence["metrics"]["dice_coef"]["from_epoch"] == 2
    assert "loss" not in flat.evidence["metrics"]  # 0.0019 vs 0.0020 is a 5 % change


def test_check_series_on_the_seed_bce_run_sees_a_flat_val_accuracy_only():
    findings = check_series("MP_Tr_BCE", MP_TR_BCE)
    assert ids(findings) == ["saturation.flat_metric"]
    assert list(findings[0].evidence["metrics"]) == ["val_accuracy"]
    assert findings[0].severity is Severity.WARNING


def test_all_zeros_predictor():
    history = {"val_accuracy": [0.9300] * 4, "val_dice": [0.0] * 4, "loss": [0.3, 0.25, 0.24, 0.24]}
    found = only(check_series("sparse", history), "saturation.all_zeros_predictor")
    assert found.evidence["foreground_fraction"] == pytest.approx(0.07)
    assert "7 %" in found.title


def test_healthy_run_has_no_findings_once_its_curve_flattens():
    rising = check_series("ok", HEALTHY)
    assert ids(rising) == ["saturation.still_improving"]
    assert rising[0].severity is Severity.INFO
    assert rising[0].evidence["metrics"]["val_dice_coef"] == pytest.approx(
        {"last": 0.79, "earlier": 0.60, "gain": 0.19, "over_epochs": 3, "last_epoch": 5,
         "epochs": 5, "earlier_epoch": 2, "swing": 0.085, "above": 0.02, "fall": 0.0})
    assert "0.7900" in rising[0].title and "--epochs" in rising[0].fix
    flattened = dict(HEALTHY, val_dice_coef=[0.45, 0.785, 0.787, 0.788, 0.79])
    assert check_series("ok", flattened) == []
    peaked_earlier = dict(HEALTHY, val_dice_coef=[0.45, 0.60, 0.81, 0.77, 0.79])
    assert check_series("ok", peaked_earlier) == []


def test_dice_above_one_names_labels_outside_zero_one():
    history = {"accuracy": [0.0022, 0.0021, 0.0021], "dice_coef": [1.9455, 1.9798, 1.9801],
               "loss": [-0.9455, -0.9798, -0.9801]}
    findings = check_series("MP_Tr_Dice", history)
    above = only(findings, "saturation.dice_above_one")
    assert above.severity is Severity.ERROR
    assert above.evidence["metrics"]["dice_coef"]["max"] == 1.9801
    assert above.evidence["metrics"]["dice_coef"]["first_epoch_above_one"] == 1
    assert 50 < above.evidence["mean_label_if_all_ones"] < 255
    assert "0/255" in above.title and "255 never equals 1" in above.explanation
    negative = only(findings, "saturation.negative_loss")
    assert negative.evidence["metrics"]["loss"]["min"] == -0.9801


def test_a_loss_defined_as_minus_dice_is_not_a_label_error():
    history = {"dice": [0.5, 0.7, 0.8], "loss": [-0.5, -0.7, -0.8]}
    assert "saturation.negative_loss" not in ids(check_series("neg", history))


def test_dice_too_high_for_its_accuracy_means_labels_above_one():
    # real Keras 3 run with 0/255 masks (tests/data/logs/keras3_verbose1_labels255.log)
    history = {"accuracy": [0.2597, 0.2515, 0.2410], "dice_coef": [0.8429, 0.8645, 0.8869],
               "val_accuracy": [0.2589, 0.2503, 0.2380],
               "val_dice_coef": [0.8581, 0.8802, 0.9030]}
    found = only(check_series("255", history), "saturation.dice_exceeds_accuracy_bound")
    assert found.evidence["max_dice"] == pytest.approx(max_soft_dice(0.2380))
    assert found.evidence["dice"] == 0.9030 and found.evidence["epoch"] == 3
    assert set(found.evidence["phases"]) == {"validation", "training"}
    assert max_soft_dice(0.995) > 0.9975  # the seed's numbers respect the bound


def test_out_of_range_accuracy_and_iou():
    found = only(check_series("odd", {"val_iou": [0.3, 1.4], "accuracy": [-0.1, 0.5]}),
                 "saturation.metric_out_of_range")
    assert set(found.evidence["metrics"]) == {"val_iou", "accuracy"}


def test_non_finite_onset_metrics_and_recovery():
    history = {"loss": [0.5, 0.4, math.nan, math.nan], "val_loss": [0.6, 0.5, 0.5, math.inf],
               "dice": [0.3, 0.4, math.nan, 0.5], "val_dice": [0.3, None, 0.4, 0.5]}
    found = only(check_series("r", history), "saturation.non_finite")
    assert found.evidence["onset_epoch"] == 3
    assert found.evidence["metrics_at_onset"] == ["loss", "dice"]
    assert found.evidence["first_non_finite_epoch"] == {"loss": 3, "val_loss": 4, "dice": 3}
    assert found.evidence["recovered"] == ["dice"]
    assert found.evidence["last_finite_before_onset"]["loss"] == 0.4
    assert "epoch 3" in found.title
    # None is "not logged", never NaN
    assert "saturation.non_finite" not in ids(check_series("r", {"val_dice": [0.3, None, 0.4]}))


def test_non_finite_validation_alone_is_not_blamed_on_the_weights():
    # ZeroCostDL4Mic#146: val_loss NaN from epoch 1 while the training loss is finite
    found = only(check_series("r", {"loss": [1.0597, 0.9], "val_loss": [math.nan, math.nan]}),
                 "saturation.non_finite")
    assert "the training loss stayed finite" in found.title
    assert "the weights are finite" in found.explanation  # a later finite epoch proves it
    assert "too small" in found.explanation and "once the weights are NaN" not in found.explanation
    # one epoch only: the epoch's last update may have broken the weights
    alone = only(check_series("r", {"loss": [1.0597], "val_loss": [math.nan]}),
                 "saturation.non_finite")
    assert "the weights are finite" not in alone.explanation
    assert "or that last update broke the weights" in alone.explanation
    # validation finite before: not an empty validation set
    later = only(check_series("r", {"loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, math.nan]}),
                 "saturation.non_finite")
    assert "too small" not in later.explanation and "last update" in later.explanation
    # an accuracy is no proof (it stays finite when predictions are NaN), nor a loss not
    # logged at the onset
    for history in ({"accuracy": [0.5, 0.6], "val_loss": [math.nan, math.nan]},
                    {"loss": [0.5, None, None], "val_loss": [0.4, math.nan, math.nan]},
                    {"loss": [0.5, math.nan], "val_loss": [math.nan, math.nan]}):
        finding_ = only(check_series("r", history), "saturation.non_finite")
        assert "once the weights are NaN" in finding_.explanation


def test_a_dice_at_zero_at_every_epoch_is_no_true_positive_ever():
    # 3d-mri-brain-tumor-segmentation#38: dice_coefficient 0.0000e+00 at all 5 epochs
    history = {"loss": [0.2007, 0.1996, 0.1960, 0.2002, 0.1948], "dice_coefficient": [0.0] * 5}
    found = only(check_series("r", history), "saturation.score_zero_throughout")
    assert found.severity is Severity.WARNING
    assert found.evidence["metrics"] == {"dice_coefficient": {"value": 0.0, "epochs": 5,
                                                              "from_epoch": 1}}
    assert "not one true positive" in found.explanation
    validation = only(check_series("r", {**history, "val_dice_coefficient": [0.0] * 5}),
                      "saturation.score_zero_throughout")
    assert validation.severity is Severity.ERROR
    # one epoch above 0, small but not 0.0000, too few epochs, not a Dice/IoU, a distance,
    # or a class IoU of a multi-class run (0 whenever the class is absent): nothing
    for other in ({"dice_coefficient": [0.0, 0.0, 0.02, 0.0]},
                  {"val_dice_coef": [0.0009, 0.0008, 0.0007, 0.0009]},
                  {"dice_coefficient": [0.0, 0.0]}, {"accuracy": [0.0, 0.0, 0.0]},
                  {"val_jaccard_distance": [0.0, 0.0, 0.0]},
                  {"sparse_categorical_accuracy": [0.5, 0.6, 0.7],
                   "val_iou_class_7": [0.0, 0.0, 0.0]}):
        assert "saturation.score_zero_throughout" not in ids(check_series("r", other))


def test_a_schedule_known_only_from_its_cuts_names_a_lower_bound_of_the_highest_rate():
    values = [0.5, 0.4, 0.35, 0.3, 0.3, 0.3]
    cuts_only = {"val_loss": values, "lr": [None, None, 1e-4, 1e-6, 1e-6, 1e-6]}
    found = only(check_series("r", cuts_only), "saturation.flat_metric")
    assert found.evidence["first_learning_rate_known"] is False
    assert "cut from at least 0.0001 (the log does not show the rate of its first epochs)" \
        in found.explanation
    column = only(check_series("r", {**cuts_only, "lr": [1e-3, 1e-3, 1e-4, 1e-6, 1e-6, 1e-6]}),
                  "saturation.flat_metric")
    assert column.evidence["first_learning_rate_known"] is True
    assert "cut from 0.001 to" in column.explanation


def test_a_metric_non_finite_for_one_epoch_is_not_said_to_stay_so():
    history = {"loss": [0.55, 2.57, math.nan, 4.47, 4.47], "val_loss": [0.6, 0.7, 0.8, 0.9, 1.0]}
    found = only(check_series("r", history), "saturation.non_finite")
    assert found.evidence["non_finite_epochs"] == [3] and found.evidence["recovered"] == ["loss"]
    assert found.evidence["values_at_onset"] == ["NaN"]
    assert "loss is NaN at epoch 3, finite from epoch 4 on." in found.explanation
    # NaN again later and to the end: neither "from" the onset nor recovered
    again = only(check_series("r", {"loss": [0.5, 0.4, 0.3, math.nan, 0.3, 0.3, math.nan,
                                             math.nan]}), "saturation.non_finite")
    assert again.evidence["non_finite_epochs"] == [4, 7, 8] and not again.evidence["recovered"]
    assert "NaN at epochs 4 and 7-8." in again.explanation and "came back" not in \
        again.explanation
    infinite = only(check_series("r", {"loss": [0.5, math.inf, math.inf]}),
                    "saturation.non_finite")
    assert infinite.evidence["values_at_onset"] == ["inf"] and "from epoch 2" in \
        infinite.explanation and " infinite " in infinite.explanation
    # inf, then NaN (inf - inf): both named
    for history in ({"loss": [0.5, math.inf, math.nan, math.nan]},
                    {"loss": [0.5, math.inf], "val_loss": [0.5, math.nan]}):
        both = only(check_series("r", history), "saturation.non_finite")
        assert both.evidence["values_at_onset"] == ["NaN", "inf"]
        assert "NaN or infinite" in both.explanation


def test_gap_and_rise_are_measured_at_epochs_where_both_phases_are_logged():
    # validation every 5 epochs (CSVLogger's empty cells): best at 10, 0.70 at 20
    loss = [1.0 - 0.04 * epoch for epoch in range(20)]
    val = [None] * 20
    val[4], val[9], val[14], val[19] = 0.60, 0.55, 0.62, 0.70
    rising = only(check_series("r", {"loss": loss, "val_loss": val}),
                  "saturation.validation_loss_rising")
    assert rising.evidence["metrics"]["val_loss"]["epochs_after_best"] == 10
    assert "10 epochs later" in rising.explanation and "kept falling" not in rising.title
    # validation NaN from epoch 8: the gap is judged at epoch 7, where both are finite
    history = {"loss": [0.5 - 0.02 * e for e in range(12)],
               "val_loss": [0.55 - 0.015 * e if e < 7 else math.nan for e in range(12)]}
    assert "saturation.train_val_gap" not in ids(check_series("r", history))
    wide = {"loss": [0.5, 0.3, 0.2, 0.1], "val_loss": [0.5, 0.4, 0.45, math.nan]}
    gap = only(check_series("r", wide), "saturation.train_val_gap")
    assert gap.evidence["metrics"]["loss"]["epoch"] == 3
    assert "at epoch 3, the last at which both are finite" in gap.title


def test_flat_needs_enough_epochs_and_ignores_bookkeeping():
    assert check_series("r", {"val_accuracy": [0.9, 0.9]}) == []
    found = only(check_series("r", {"val_accuracy": [0.8, 0.9, 0.9, 0.9], "lr": [1e-3] * 4}),
                 "saturation.flat_metric")
    assert found.evidence["metrics"] == {"val_accuracy": {
        "value": 0.9, "flat_epochs": 3, "from_epoch": 2, "epochs": 4,
        "learning_rate": 1e-3, "schedule": False}}  # lr is read, never judged
    assert "flat since epoch 2" in found.title
    # a training loss that does not move at all is a stuck optimiser; a training score alone
    # on a plateau is not
    stuck = only(check_series("r", {"loss": [0.2] * 3}), "saturation.flat_metric")
    assert stuck.severity is Severity.WARNING and stuck.evidence["stuck"]
    plateau = only(check_series("r", {"loss": [0.5, 0.4, 0.3], "dice": [0.8] * 3}),
                   "saturation.flat_metric")
    assert plateau.severity is Severity.INFO and not plateau.evidence["stuck"]
    loose = SaturationThresholds(flat_spread=0.05, flat_relative_spread=0.2)
    assert check_series("r", {"val_loss": [0.30, 0.29, 0.28]}, thresholds=loose)
    # tiny but falling losses, and a perfect score, are not "flat"
    assert check_series("r", {"val_loss": [3.2e-5, 2.9e-5, 2.5e-5]}) == []
    perfect = check_series("r", {"val_accuracy": [1.0] * 4, "val_dice": [0.99995] * 4})
    assert ids(perfect) == ["saturation.perfect_accuracy"]  # suspicious, but not "flat"


def test_train_val_gap():
    overfit = {"dice": [0.7, 0.9, 0.97], "val_dice": [0.6, 0.62, 0.61],
               "loss": [0.3, 0.1, 0.03], "val_loss": [0.4, 0.5, 0.6]}
    found = only(check_series("over", overfit), "saturation.train_val_gap")
    assert found.severity is Severity.WARNING
    assert found.evidence["metrics"]["dice"]["gap"] == pytest.approx(0.36)
    assert found.evidence["metrics"]["loss"]["ratio"] == pytest.approx(20)
    easy = {"accuracy": [0.6, 0.65, 0.7], "val_accuracy": [0.85, 0.9, 0.95]}
    assert only(check_series("easy", easy), "saturation.train_val_gap").severity is Severity.INFO


def test_measured_baselines_and_the_majority_class():
    history = {"val_accuracy": [0.69, 0.69, 0.69], "val_dice": [0.40, 0.45, 0.474],
               "accuracy": [0.955, 0.958, 0.96]}
    baselines = {"val_foreground_fraction": 0.31, "accuracy": 0.95}
    findings = check_series("r", history, baselines)
    at = only(findings, "saturation.metric_at_baseline")
    assert at.severity is Severity.ERROR
    assert set(at.evidence["metrics"]) == {"val_accuracy", "val_dice"}
    assert at.evidence["metrics"]["val_accuracy"]["predictor"] == "all_zeros"
    assert at.evidence["metrics"]["val_dice"]["baseline"] == pytest.approx(2 * 0.31 / 1.31)
    assert at.evidence["metrics"]["val_accuracy"]["epochs_at_baseline"] == [1, 2, 3]
    majority = only(findings, "saturation.accuracy_is_majority_class")
    assert majority.evidence["share_of_headroom_closed"] == pytest.approx(0.2)
    learnt = check_series("r", {"accuracy": [0.99]}, {"accuracy": 0.95})
    assert "saturation.accuracy_is_majority_class" not in ids(learnt)


def test_each_id_at_most_once_per_call():
    """The trainer's monitor keeps one finding per id; check_series must not repeat one."""
    noisy = {"accuracy": [0.24, 0.23, 0.22], "dice": [0.88, 0.89, 0.9], "acc2_accuracy": [0.96] * 3,
             "val_accuracy": [0.23, 0.22, 0.21], "val_dice": [0.9, 0.9, 0.9],
             "val_acc2_accuracy": [0.96] * 3, "loss": [math.nan] * 3}
    found = ids(check_series("r", noisy, {"accuracy": 0.2, "acc2_accuracy": 0.95,
                                          "val_acc2_accuracy": 0.95}))
    assert len(found) == len(set(found))


def test_metric_kinds():
    assert [metric_kind(m) for m in ("val_dice_coef", "dice_loss", "binary_io_u", "mean_iou",
                                     "val_acc", "binary_accuracy", "lr", "precision")] == [
        "dice", "loss", "iou", "iou", "accuracy", "accuracy", "bookkeeping", "other"]


# --------------------------------------------------------------------------- across runs

SEED_RUNS = {
    "MP_Tr_BCE": {**MP_TR_BCE, "step_seconds": [2.0] * 5, "steps_per_epoch": [370] * 5},
    "MP_Tr_Dice": {**MP_TR_DICE, "step_seconds": [1, 1, 2, 1, 1], "steps_per_epoch": [370] * 5},
    "StrConv_Ups_Dice": {**{k: v[:3] for k, v in MP_TR_DICE.items()},
                         "step_seconds": [23.0] * 3, "steps_per_epoch": [739] * 3},
}


def test_identical_validation_metrics_across_runs():
    findings = check_across_runs(SEED_RUNS)
    identical = {f.evidence["metric"]: f for f in findings
                 if f.id == "saturation.identical_across_runs"}
    assert identical["val_accuracy"].evidence["runs"] == list(SEED_RUNS)
    assert identical["val_accuracy"].severity is Severity.ERROR  # constant across epochs too
    assert identical["val_dice_coef"].evidence["runs"] == ["MP_Tr_Dice", "StrConv_Ups_Dice"]
    assert identical["val_dice_coef"].evidence["common_epochs"] == 3
    assert "val_loss" not in identical or set(identical["val_loss"].evidence["runs"]) == {
        "MP_Tr_Dice", "StrConv_Ups_Dice"}
    moving = check_across_runs({"a": {"val_dice": [0.5, 0.6, 0.7]},
                                "b": {"val_dice": [0.5, 0.6, 0.7]}})
    assert only(moving, "saturation.identical_across_runs").severity is Severity.WARNING
    perfect = {"val_accuracy": [1.0] * 3}
    assert check_across_runs({"a": perfect, "b": perfect}) == []
    assert check_across_runs({"a": HEALTHY, "b": {k: [v + 0.01 for v in values]
                                                  for k, values in HEALTHY.items()}}) == []


def test_a_run_at_the_accuracy_another_run_pins_sits_at_baseline():
    at = only(check_across_runs(SEED_RUNS), "saturation.metric_at_baseline")
    assert at.evidence["run"] == "MP_Tr_BCE" and at.evidence["inferred_from"] == "MP_Tr_Dice"
    assert at.evidence["foreground_fraction"] == 0.995 and at.evidence["value"] == 0.995
    assert at.evidence["epochs_at_baseline"] == [1, 2, 3, 4, 5]
    assert at.severity is Severity.ERROR
    assert "0.9954" in at.explanation and "0.9975" in at.explanation


def test_step_time_outlier():
    outlier = only(check_across_runs(SEED_RUNS), "saturation.step_time_outlier")
    assert outlier.evidence["run"] == "StrConv_Ups_Dice"
    assert outlier.evidence["ratio"] == pytest.approx(23 / 1.5)
    assert outlier.evidence["steps_per_epoch"] == 739
    assert outlier.severity is Severity.WARNING
    assert "739 steps per epoch instead of 370" in outlier.explanation
    similar = {"a": {"loss": [1.0], "step_seconds": [2.0]}, "b": {"loss": [1.0],
                                                                "step_seconds": [2.5]}}
    assert check_across_runs(similar) == []
    info = {"a": {"step_seconds": [1.0]}, "b": {"step_seconds": [1.0]},
            "c": {"step_seconds": [4.0, None]}}
    assert only(check_across_runs(info), "saturation.step_time_outlier").severity is Severity.INFO


# --------------------------------------------------------------------------- predictions


def test_prediction_collapse():
    [error] = check_prediction_collapse("MP_Tr_BCE", 1.0, 0.995)
    assert error.severity is Severity.ERROR and error.evidence["collapsed_to"] == "all_ones"
    assert error.evidence["constant_dice"] == pytest.approx(dice.all_ones_dice(0.995))
    [zeros] = check_prediction_collapse("r", 0.0, 0.2)
    assert zeros.evidence["collapsed_to"] == "all_zeros" and zeros.severity is Severity.ERROR
    [data] = check_prediction_collapse("r", 1.0, 1.0)
    assert data.severity is Severity.WARNING and "data, not the model" in data.explanation
    [unknown] = check_prediction_collapse("r", 0.0005, None)
    assert unknown.severity is Severity.WARNING
    assert check_prediction_collapse("r", 0.4, 0.4) == []
    assert check_prediction_collapse("r", math.nan, 0.4) == []


# --------------------------------------------------------------------------- contract


def test_finding_ids_are_stable_and_findings_serialise():
    assert {saturation.ALL_ONES_PREDICTOR, saturation.ALL_ZEROS_PREDICTOR,
            saturation.METRIC_AT_BASELINE, saturation.FLAT_METRIC,
            saturation.IDENTICAL_ACROSS_RUNS, saturation.DICE_ABOVE_ONE,
            saturation.NEGATIVE_LOSS, saturation.NON_FINITE,
            saturation.ACCURACY_IS_MAJORITY_CLASS, saturation.PREDICTIONS_COLLAPSED,
            saturation.TRAIN_VAL_GAP, saturation.STEP_TIME_OUTLIER,
            saturation.PERFECT_ACCURACY, saturation.CLASS_PRIOR_LOSS,
            saturation.UNIFORM_PREDICTION_LOSS, saturation.SCORE_COLLAPSED,
            saturation.NEGATIVE_LOSS_SCORES_IN_RANGE,
            saturation.IOU_EXCEEDS_ACCURACY_BOUND, saturation.STILL_IMPROVING} == {
        "saturation.all_ones_predictor", "saturation.all_zeros_predictor",
        "saturation.metric_at_baseline", "saturation.flat_metric",
        "saturation.identical_across_runs", "saturation.dice_above_one",
        "saturation.negative_loss", "saturation.non_finite",
        "saturation.accuracy_is_majority_class", "saturation.predictions_collapsed",
        "saturation.train_val_gap", "saturation.step_time_outlier",
        "saturation.perfect_accuracy", "saturation.class_prior_loss",
        "saturation.uniform_prediction_loss", "saturation.score_collapsed",
        "saturation.negative_loss_scores_in_range", "saturation.iou_exceeds_accuracy_bound",
        "saturation.still_improving"}
    # every id is re-exported by the package
    assert set(saturation.ids.__all__) == {name for name in vars(saturation.ids)
                                           if name.isupper()}
    findings = check_series("r", {"loss": [0.5, math.nan], "val_dice": [1.5, math.inf]})
    findings += check_across_runs(SEED_RUNS) + check_series("MP_Tr_Dice", MP_TR_DICE)
    text = json.dumps(Report("t", "explain-log", findings).to_dict(), allow_nan=False)
    assert "saturation.dice_above_one" in text


def test_accuracy_near_the_majority_class_warns_only_when_nothing_else_measures_the_phase():
    """ISBI 2012 membranes (21 % foreground) trained 60 epochs: val_accuracy 0.8673 closes 38 %
    of the way from 0.7854 to 1 while val_dice is 0.756. With a Dice logged the advice is
    already followed: info, not a warning (and not the headline of a healthy run)."""
    baselines = {"val_foreground_fraction": 0.2146}
    logged = {"val_accuracy": [0.80, 0.85, 0.8673], "val_dice": [0.60, 0.72, 0.756]}
    [majority] = [f for f in check_series("MP_Tr_Dice", logged, baselines)
                  if f.id == "saturation.accuracy_is_majority_class"]
    assert majority.severity is Severity.INFO
    assert majority.evidence["foreground_scores"] == ["val_dice"]
    assert majority.fix == "Judge the model by val_dice, not by accuracy."
    alone = only(check_series("MP_Tr_Dice", {"val_accuracy": logged["val_accuracy"]},
                              baselines), "saturation.accuracy_is_majority_class")
    assert alone.severity is Severity.WARNING and alone.evidence["foreground_scores"] == []


# A Kaggle pneumothorax notebook's runs (a 1-channel sigmoid U-Net with
# MeanIoU(num_classes=2); code index file id 5833062792): the mean IoU pinned below 0.5.
PNEUMOTHORAX = {"dice_coef": [0.2126, 0.1134, 0.1073, 0.2727, 0.6561],
                "mean_io_u_2": [0.4959, 0.4958, 0.4957, 0.4960, 0.5046],
                "val_dice_coef": [0.0971, 0.1118, 0.1034, 0.1973, 0.2282],
                "val_mean_io_u_2": [0.4963, 0.4964, 0.4966, 0.4966, 0.4972]}


def test_a_keras_mean_iou_pinned_below_half_while_dice_moves_counts_one_class():
    found = only(check_series("run", PNEUMOTHORAX), "saturation.mean_iou_one_class")
    assert found.severity is Severity.WARNING
    validation = found.evidence["metrics"]["val_mean_io_u_2"]
    assert validation["moving"] == "val_dice_coef"
    assert validation["background_share"] == pytest.approx(2 * 0.4966)
    assert "val_mean_io_u_2 stays at 0.4963-0.4972" in found.title
    assert "consistent with" in found.title and "BinaryIoU" in found.fix


@pytest.mark.parametrize("change", [
    {"val_dice_coef": [0.0, 0.0, 0.01, 0.0, 0.0], "dice_coef": [0.01] * 5},  # nothing moves
    {"val_mean_io_u_2": [0.40, 0.45, 0.50, 0.55, 0.60],                      # it learns
     "mean_io_u_2": [0.40, 0.45, 0.50, 0.55, 0.60]},
    {"val_mean_io_u_2": [0.71, 0.712, 0.713, 0.713, 0.714],                  # above 0.5
     "mean_io_u_2": [0.71, 0.712, 0.713, 0.713, 0.714]},
])
def test_a_mean_iou_that_moves_exceeds_half_or_stands_alone_is_not_called_one_class(change):
    history = dict(PNEUMOTHORAX, **change)
    assert not [f for f in check_series("run", history) if f.id == "saturation.mean_iou_one_class"]


def test_only_keras_default_mean_iou_names_are_read_as_keras_mean_iou():
    renamed = {("val_my_iou" if k == "val_mean_io_u_2" else k): v
               for k, v in PNEUMOTHORAX.items() if k != "mean_io_u_2"}
    assert not [f for f in check_series("run", renamed) if f.id == "saturation.mean_iou_one_class"]


def test_a_multiclass_run_or_a_mean_iou_at_half_is_not_called_one_class():
    multiclass = {"loss": [1.3, 1.1, 0.9, 0.8], "sparse_categorical_accuracy": [.55, .6, .63, .65],
                  "dice_coef": [.30, .36, .41, .44], "mean_io_u": [.312, .315, .318, .320]}
    at_half = dict(PNEUMOTHORAX, val_mean_io_u_2=[0.5001, 0.5, 0.5002, 0.5, 0.5001],
                   mean_io_u_2=[0.5001, 0.5, 0.5002, 0.5, 0.5001])
    negative = dict(PNEUMOTHORAX, val_mean_io_u_2=[-0.2] * 5, mean_io_u_2=[-0.2] * 5)
    for history in (multiclass, at_half, negative):
        assert not [f for f in check_series("run", history)
                    if f.id == "saturation.mean_iou_one_class"]


def test_a_validation_loss_that_overflowed_or_a_flat_training_loss_is_no_overfitting():
    rising = {"loss": [1.0, 0.8, 0.7, 0.6, 0.5, 0.4], "val_loss": [0.9, 0.7, 0.8, 0.9, 1.0, 1.1]}
    assert "saturation.validation_loss_rising" in ids(check_series("r", rising))
    # infinite on the way up (a float16 overflow when evaluating): not a matter of fit
    overflowed = {**rising, "val_loss": [0.9, 0.7, 0.8, math.inf, 1.0, 1.1]}
    found = check_series("r", overflowed)
    assert "saturation.validation_loss_rising" not in ids(found)
    # a training loss that moved 1 % is flat, not "fitting the training set better"
    flat = {**rising, "loss": [1.0, 0.6, 0.598, 0.597, 0.596, 0.594]}
    assert "saturation.validation_loss_rising" not in ids(check_series("r", flat))
    # the gap beside the overflow is worded as numerics, not overfitting
    gap = only(check_series("r", {"loss": [4.6, 4.59, 4.58, 4.56],
                                  "val_loss": [4.9, 4.6, math.inf, 10.65]}),
               "saturation.train_val_gap")
    assert gap.evidence["metrics"]["loss"]["validation_non_finite_epochs"] == [3]
    assert "NaN or infinite at epoch 3" in gap.explanation
    assert "overfitting" not in gap.explanation


def test_an_early_overflow_the_run_recovered_from_does_not_excuse_a_later_gap():
    loss = [1.0 - 0.045 * epoch for epoch in range(20)]
    val = [0.9 - 0.05 * epoch if epoch < 9 else 0.5 + 0.03 * (epoch - 8) for epoch in range(20)]
    val[1] = math.inf  # epoch 2, long before the best (epoch 9)
    found = {f.id: f for f in check_series("r", {"loss": loss, "val_loss": val})}
    gap = found["saturation.train_val_gap"]
    assert "validation_non_finite_epochs" not in gap.evidence["metrics"]["loss"]
    assert "overfitting" in gap.explanation
    assert "saturation.validation_loss_rising" in found
    # beside the gap (after the best), the overflow is what the gap is worded by
    val[15] = math.inf
    gap = only(check_series("r", {"loss": loss, "val_loss": val}), "saturation.train_val_gap")
    assert gap.evidence["metrics"]["loss"]["validation_non_finite_epochs"] == [16]
    assert "float32" in gap.fix


def test_a_gap_after_one_epoch_is_not_called_overfitting():
    gap = only(check_series("r", {"loss": [17.4], "val_loss": [238.6]}),
               "saturation.train_val_gap")
    assert "After one epoch" in gap.explanation and "overfitting" not in gap.explanation
    assert "model.evaluate" in gap.fix
    later = only(check_series("r", {"loss": [20.0, 17.4], "val_loss": [30.0, 38.6]}),
                 "saturation.train_val_gap")
    assert "overfitting" in later.explanation


def test_a_training_loss_that_jumps_a_hundredfold_is_named_with_its_epochs():
    jump = only(check_series("r", {"loss": [4.0, 3.53, 2519.99, 24.87, 20.0]}),
                "saturation.loss_jump")
    data = jump.evidence["metrics"]["loss"]
    assert (data["previous_epoch"], data["epoch"], data["next"]) == (2, 3, 24.87)
    assert data["ratio"] == pytest.approx(2519.99 / 3.53)
    assert "jumped 714x at epoch 3" in jump.title and jump.severity is Severity.WARNING
    # 99x is no jump; a validation loss is the gap's to judge; a gap in the log hides it
    assert "saturation.loss_jump" not in ids(check_series("r", {"loss": [1.0, 99.0, 50.0]}))
    assert "saturation.loss_jump" not in ids(check_series(
        "r", {"loss": [1.0, 0.9, 0.8], "val_loss": [1.0, 500.0, 0.8]}))
    assert "saturation.loss_jump" not in ids(check_series(
        "r", {"loss": [1.0, None, 500.0]}))


def test_a_training_loss_out_of_reach_of_bounded_losses_from_its_first_epoch():
    large = only(check_series("r", {"loss": [4.854e10, 5.46e9], "val_loss": [1.03e10, 6.9e4]}),
                 "saturation.loss_magnitude")
    assert large.evidence["metrics"]["loss"] == {"largest": 4.854e10, "epoch": 1,
                                                 "limit": 1e5}
    assert "16.1 a pixel" in large.explanation and "consistent with" in large.explanation
    # a loss that got there by blowing up is the jump's (and the NaN's) to name
    found = ids(check_series("r", {"loss": [2.5, 2.6e7, math.nan]}))
    assert "saturation.loss_magnitude" not in found and "saturation.loss_jump" in found
    assert "saturation.loss_magnitude" not in ids(check_series("r", {"loss": [9e4, 8e4]}))


def test_a_frozen_accuracy_beside_a_moving_dice_names_it_and_stays_hedged():
    frozen = {"val_accuracy": [0.9866] * 8, "val_dice_coef": [0.17, 0.2, 0.22, 0.25, 0.26,
                                                             0.27, 0.28, 0.28]}
    flat = only(check_series("r", frozen), "saturation.flat_metric")
    assert flat.evidence["moving_scores"] == {"val_accuracy": ["val_dice_coef"]}
    # a soft Dice moves with the probabilities while no pixel crosses the threshold: the
    # constant reading stays possible, and the log's own Dice is named, not asked for
    assert "val_dice_coef moved meanwhile" in flat.explanation
    assert "a hard one that moves means the predictions changed" in flat.explanation
    assert "consistent with a constant predictor" in flat.explanation
    assert "would tell" not in flat.explanation
    alone = only(check_series("r", {"val_accuracy": [0.9866] * 8}), "saturation.flat_metric")
    assert "a Dice or IoU of the thresholded predictions would tell" in alone.explanation


def test_an_iou_above_its_dice_measures_something_else():
    # Keras's BinaryIoU averages the background in by default: 0.53 beside an F1 of 0.17
    found = only(check_series("r", {"val_binary_io_u": [0.4817, 0.5332],
                                    "val_f1": [0.10, 0.1693]}), "saturation.iou_above_dice")
    assert found.severity is Severity.WARNING
    assert found.evidence["metrics"]["val_binary_io_u"]["epochs_above"] == 2
    assert "IoU = D / (2 - D)" in found.explanation
    assert "Consistent with" in found.explanation
    # IoU = D/(2-D) below its Dice: nothing; nor in a multi-class run
    assert "saturation.iou_above_dice" not in ids(check_series(
        "r", {"val_iou": [0.5, 0.6], "val_dice": [0.6667, 0.75]}))
    assert "saturation.iou_above_dice" not in ids(check_series(
        "r", {"val_iou": [0.5, 0.6], "val_dice": [0.3, 0.4],
              "val_sparse_categorical_accuracy": [0.9, 0.9]}))


def test_prediction_collapse_is_said_only_where_the_masks_say_it():
    # all-background predictions on all-background masks are right, not "collapsed"; on
    # masks whose share is unknown (None) they may be
    [both_empty] = check_prediction_collapse("r", 0.0, 0.0)
    assert "collapsed" not in both_empty.title
    assert "predictions all-background on masks (almost) all background too" in both_empty.title
    [unknown] = check_prediction_collapse("r", 0.0, None)
    assert "collapsed" not in unknown.title
    assert "a collapse unless the masks are all background too (their share unknown)" in (
        unknown.title)
    assert "unless the masks are (almost) all background too" in unknown.explanation
    [collapsed] = check_prediction_collapse("r", 0.0, 0.2)
    assert "predictions collapsed to all-background" in collapsed.title
