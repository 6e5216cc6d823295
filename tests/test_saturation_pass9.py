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
