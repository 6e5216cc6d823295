"""The metric-series checks on the shapes of the ninth pass over public Keras logs
(docs/real-logs.md, pass 9): validation terms that are 0 by construction, a -Dice metric,
a NaN only a metric shows, thresholds of one score that disagree, and series whose
epoch-to-epoch swing is as large as the gap or rise read from them."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# a nuclei notebook: loss = jaccard_distance_loss, metric dice_coef_loss = -Dice
NEGATED_DICE = {"loss": [0.0498, 0.0544], "binary_crossentropy": [0.5469, 0.6017],
                "dice_coef_loss": [-0.8069, -0.8101], "val_loss": [0.0293, 0.0267],
                "val_binary_crossentropy": [0.2758, 0.2244],
                "val_dice_coef_loss": [-0.8743, -0.8905]}


def test_a_loss_named_after_dice_within_minus_one_and_zero_is_negated_dice():
    findings = check_series("another", NEGATED_DICE)
    assert _found(findings, "saturation.negative_loss") == []
    [negated] = _found(findings, "saturation.negative_loss_scores_in_range")
    assert negated.evidence["negated_score"] is True
    assert negated.severity.value == "info"
    assert "0.8743 to 0.8905" in negated.explanation
    assert "No Dice" not in _text(findings) and "0-255 masks" not in _text(findings)
    # below -1 it is label evidence again
    broken = dict(NEGATED_DICE, dice_coef_loss=[-1.6, -1.9])
    assert _found(check_series("run", broken), "saturation.negative_loss")
    # and so is a Dice above 1 beside it: 1 - Dice with labels above 1 fits as well
    above = dict(NEGATED_DICE, dice_coef=[1.8069, 1.8101])
    assert not _found(check_series("run", above), "saturation.negative_loss_scores_in_range")


def test_a_nan_only_a_metric_shows_is_the_metrics_not_the_weights():
    # keras#20568: iou NaN, loss 0.0234, at the only step shown
    findings = check_series("run 1", {"iou": [float("nan")], "loss": [0.0234]})
    [nan] = _found(findings, "saturation.non_finite")
    text = _text([nan])
    assert "once the weights are NaN" not in text and "Check the masks" not in text
    assert "the loss stayed finite" in nan.title and "0/0" in text
    # with the loss NaN too, the old reading stays, and a NaN accuracy is said to be odd
    both = check_series("run 1", {"loss": [float("nan")] * 2,
                                  "sparse_categorical_accuracy": [float("nan")] * 2})
    text = _text(_found(both, "saturation.non_finite"))
    assert "once the weights are NaN" in text and "share of counts" in text


# ruixiao85/LungNeuralNet: epoch 5 (early stopping), Dice at four thresholds
LUNG = {"epoch": [5], "loss": [0.3738], "jac": [0.3912], "dice": [0.4963],
        "dice_80": [0.5343], "dice_60": [0.5198], "dice_40": [0.5475], "dice_20": [0.6669],
        "val_loss": [0.345], "val_jac": [0.4207], "val_dice": [0.5381], "val_dice_80": [0.4973],
        "val_dice_60": [0.4244], "val_dice_40": [0.5337], "val_dice_20": [0.7958]}


def test_thresholds_of_one_score_that_disagree_in_direction_make_no_warning():
    [gap] = _found(check_series("run", LUNG), "saturation.train_val_gap")
    assert gap.severity.value == "info"
    assert gap.evidence["mixed"] == {"dice": {"training_above": ["dice_60"],
                                              "validation_above": ["dice", "dice_20"]}}
    assert "no consistent gap" in gap.explanation and "disagree at" not in gap.title
    # all thresholds higher in training: a gap, a warning
    agreeing = dict(LUNG, val_dice=[0.40], val_dice_20=[0.55])
    [gap] = _found(check_series("run", agreeing), "saturation.train_val_gap")
    assert gap.severity.value == "warning" and "mixed" not in gap.evidence


# a residual U-Net's console output: epochs 186-200 of 200, 7 steps an epoch
NOISY = {
    "epoch": list(range(186, 201)),
    "loss": [0.0983, 0.0704, 0.0631, 0.0422, 0.0292, 0.0457, 0.0593, 0.0295, 0.0443, 0.0887,
             0.0582, 0.0413, 0.0612, 0.0205, 0.0468],
    "dice_coef": [0.465, 0.267, 0.045, 0.201, 0.158, 0.265, 0.481, 0.078, 0.234, 0.143, 0.168,
                  0.047, 0.114, 0.020, 0.1901],
    "val_loss": [0.054, 0.026, 0.090, 0.052, 0.049, 0.024, 0.047, 0.038, 0.043, 0.038, 0.0169,
                 0.063, 0.028, 0.057, 0.0727],
    "val_dice_coef": [0.298, 0.199, 0.206, 0.210, 0.083, 0.161, 0.076, 0.087, 0.052, 0.074,
                      0.081, 0.062, 0.019, 0.123, 0.0587]}


def test_a_gap_and_a_rise_within_the_series_swing_are_not_read_as_overfitting():
    findings = check_series("run 1", NOISY)
    assert _found(findings, "saturation.validation_loss_rising") == []
    assert not [g for g in _found(findings, "saturation.train_val_gap")
                if g.severity.value != "info"]
    # the same last-epoch gap in a smooth series is one
    smooth = dict(NOISY, dice_coef=[0.10 + 0.006 * i for i in range(15)],
                  val_dice_coef=[0.05 + 0.001 * i for i in range(15)])
    [gap] = _found(check_series("run 1", smooth), "saturation.train_val_gap")
    assert gap.severity.value == "warning"


# IRCAD liver, fold 1: epochs 1-6 and 46-50 of 50
IRCAD = {
    "epoch": [1, 2, 3, 4, 5, 6, 46, 47, 48, 49, 50],
    "loss": [0.3608, 0.0958, 0.082, 0.0707, 0.0655, 0.0542, 0.0138, 0.0126, 0.013, 0.0125,
             0.0123],
    "dice_coef": [0.6402, 0.9044, 0.9178, 0.9295, 0.9346, 0.9457, 0.9862, 0.9874, 0.9869,
                  0.9875, 0.9877],
    "val_loss": [0.3293, 0.4429, 0.5201, 0.3744, 0.2618, 0.2883, 0.1896, 0.1927, 0.1917,
                 0.2072, 0.1597],
    "val_dice_coef": [0.6491, 0.5385, 0.4639, 0.6053, 0.7139, 0.6894, 0.7895, 0.7871, 0.7887,
                      0.7752, 0.8198]}


def test_a_last_epoch_jump_inside_the_noise_is_not_still_improving():
    assert _found(check_series("fold 1", IRCAD), "saturation.still_improving") == []
    steady = dict(IRCAD, val_dice_coef=[0.60, 0.62, 0.64, 0.66, 0.68, 0.70, 0.72, 0.74, 0.76,
                                        0.78, 0.80])
    assert _found(check_series("fold 1", steady), "saturation.still_improving")


# a Colab notebook: val_loss spikes at epochs 7 and 10, with val IoU at its highest
COLAB = {
    "loss": [0.843, 0.8428, 0.8422, 0.8404, 0.8374, 0.8342, 0.833, 0.8268, 0.8204, 0.8194],
    "iou_score": [0.6974, 0.6973, 0.6976, 0.6978, 0.6988, 0.6993, 0.6996, 0.7008, 0.7028,
                  0.7026],
    "val_loss": [0.8502, 0.8465, 0.8665, 0.8641, 0.8497, 0.8516, 1.683, 0.8561, 0.8618, 1.0717],
    "val_iou_score": [0.697, 0.7022, 0.7029, 0.7046, 0.7059, 0.7057, 0.7454, 0.7033, 0.6988,
                      0.7181]}


def test_no_overfitting_is_read_while_the_validation_score_rose_with_the_loss():
    assert _found(check_series("run 1", COLAB), "saturation.validation_loss_rising") == []
    # the same losses without the score: the rise is read
    without = {k: v for k, v in COLAB.items() if k != "val_iou_score"}
    assert _found(check_series("run 1", without), "saturation.validation_loss_rising")
