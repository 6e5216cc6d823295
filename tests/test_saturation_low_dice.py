"""A Dice at or near 0, or below 0.5 in both phases for a whole run: when it is said, how
hedged, and how its value is quoted."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_runs
from unetdiag.diag.logs.model import RunLog


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _report(history, numbers=()):
    names = list(history)
    epochs = [{n: history[n][i] for n in names} for i in range(len(history[names[0]]))]
    return explain_runs([RunLog("run 1", epochs, [None] * len(epochs), "test",
                                epoch_numbers=list(numbers))])


# IAmSuyogJadhav/3d-mri-brain-tumor-segmentation-using-autoencoder-regularization#37: one epoch
# logged, epoch 90 of 90, the segmentation output's Dice at 0.0000e+00
EPOCH_90 = {"loss": [0.0282], "Dec_GT_Output_loss": [0.0],
            "Dec_GT_Output_dice_coefficient": [0.0], "Dec_VAE_Output_dice_coefficient": [0.8795]}


# ...#33: one epoch, epoch 1 of 1, the validation Dice at 0.0000e+00
EPOCH_1 = {"loss": [0.0413], "Dec_GT_Output_dice_coefficient": [0.0065],
           "val_loss": [0.0229], "val_Dec_GT_Output_dice_coefficient": [0.0]}


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# a residual U-Net's console output (epochs 1-16 and 186-200 of 200 logged): the Dice stays
# below 0.5 in both phases while the loss is small (a small foreground)
LOW = {"epoch": list(range(1, 17)) + list(range(186, 201)),
       "loss": [0.2038, 0.0288, 0.0378, 0.0274, 0.0643, 0.0425, 0.1210, 0.0591, 0.0712, 0.0385,
                0.0253, 0.03, 0.04, 0.05, 0.03, 0.04, 0.0983, 0.0704, 0.0631, 0.0422, 0.0292,
                0.0457, 0.0593, 0.0295, 0.0443, 0.0887, 0.0582, 0.0413, 0.0612, 0.0205, 0.0468],
       "dice_coef": [0.0153, 0.0147, 0.0036, 0.0130, 0.0235, 0.0393, 0.1557, 0.0425, 0.0670,
                     0.0146, 0.0166, 0.02, 0.05, 0.1, 0.08, 0.09, 0.45, 0.27, 0.05, 0.20, 0.31,
                     0.4808, 0.12, 0.22, 0.35, 0.15, 0.27, 0.33, 0.02, 0.2, 0.1901],
       "val_dice_coef": [0.0105, 0.0279, 0.0184, 0.0285, 0.0464, 0.0834, 0.0759, 0.0338,
                         0.0219, 0.1745, 0.0492, 0.05, 0.06, 0.07, 0.08, 0.09, 0.2985, 0.1,
                         0.08, 0.12, 0.2, 0.15, 0.1, 0.11, 0.12, 0.2, 0.08, 0.09, 0.12, 0.1,
                         0.0587]}


def test_a_dice_at_zero_at_a_late_only_epoch_is_a_warning_and_the_headline():
    report = _report(EPOCH_90, [90])
    [zero] = _found(report.findings, "saturation.score_zero_few_epochs")
    assert zero.severity.value == "warning"
    assert zero.evidence["metrics"]["Dec_GT_Output_dice_coefficient"]["epochs"] == [90]
    assert "not one true positive pixel" in zero.explanation
    assert "no start" in zero.explanation and "common start" not in zero.explanation
    assert "Dec_GT_Output_dice_coefficient is 0 at epoch 90" in report.headline
    assert "Nothing in" not in report.headline


def test_a_dice_at_zero_at_epoch_one_is_info_and_called_a_common_start():
    report = _report(EPOCH_1, [1])
    [zero] = _found(report.findings, "saturation.score_zero_few_epochs")
    assert zero.severity.value == "info"
    assert list(zero.evidence["metrics"]) == ["val_Dec_GT_Output_dice_coefficient"]
    assert "common start" in zero.explanation
    # the validation figure is not a running mean of an unfinished epoch
    assert "seen so far" not in zero.explanation
    assert "val_Dec_GT_Output_dice_coefficient is 0 at epoch 1" in report.headline


def test_a_dice_near_zero_is_almost_no_true_positive_and_three_epochs_are_another_finding():
    [near] = _found(check_series("r", {"loss": [0.2], "val_dice": [4.8e-11]}),
                    "saturation.score_zero_few_epochs")
    assert "not one" not in near.explanation and "almost 0" in near.explanation
    three = check_series("r", {"loss": [0.3, 0.2, 0.1], "dice": [0.0, 0.0, 0.0]})
    assert not _found(three, "saturation.score_zero_few_epochs")
    assert _found(three, "saturation.score_zero_throughout")


def test_no_zero_dice_finding_for_a_moving_dice_a_multiclass_iou_or_scores_out_of_range():
    assert not _found(check_series("r", {"loss": [0.3, 0.2], "dice": [0.0, 0.12]}),
                      "saturation.score_zero_few_epochs")
    assert not _found(check_series("r", {"loss": [0.3], "categorical_accuracy": [0.5],
                                         "iou_class_3": [0.0]}),
                      "saturation.score_zero_few_epochs")
    # a negative loss far below -1 (labels on 0-255) voids the scores
    assert not _found(check_series("r", {"loss": [-40.0], "dice": [0.0], "accuracy": [0.2]}),
                      "saturation.score_zero_few_epochs")


def test_a_score_keras_printed_in_e_notation_is_quoted_as_logged_not_as_0_0000():
    """Keras prints values under 1e-3 as 4.1000e-05, never 0.0000: the finding quotes the
    value, and a Dice above 0 is no "no true positive"."""
    report = _report({"loss": [0.60, 0.59], "dice": [3.2e-05, 2.5e-05],
                      "val_loss": [0.61, 0.60], "val_dice": [4.1e-05, 3.0e-05]}, [1, 2])
    [near] = _found(report.findings, "saturation.score_zero_few_epochs")
    assert "val_dice is at most 4.1e-05 at epochs 1-2" in near.title
    assert "0.0000" not in near.title + near.explanation + report.headline
    assert "almost no true positive yet" in report.headline
    assert "no true positive yet" not in report.headline.replace("almost no true positive yet", "")


def test_a_soft_dice_above_0_is_not_called_not_one_true_positive():
    # unstable_soft_dice.log: val_dice_coef 0.008 at epoch 1 of a run that settles
    history = {"loss": [0.757, 0.7, 0.6, 0.5, 0.4, 0.37, 0.35],
               "val_loss": [8.0, 8.0, 0.7, 0.6, 0.5, 0.45, 0.41],
               "dice_coef": [0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.58],
               "val_dice_coef": [0.008, 0.05, 0.4, 0.45, 0.5, 0.52, 0.6]}
    [unstable] = _found(check_series("run 1", history), "saturation.unstable_validation")
    assert "0.0080 at epoch 1" in unstable.explanation
    assert "not one true positive" not in unstable.explanation


def test_no_overlap_over_two_epochs_is_hedged_and_said_of_the_scores():
    # musket_core docs: two epochs, val_dice 0.0265 -> 0.0126 while dice reached 0.69
    history = {"dice": [0.5553, 0.6899], "val_dice": [0.0265, 0.0126]}
    [gap] = _found(check_series("run 1", history), "saturation.train_val_gap")
    assert gap.evidence["no_overlap"] == ["dice"]
    assert "the validation scores say the predictions hardly overlap" in gap.explanation
    assert "judge the gap over a longer run" in gap.explanation
    assert "will not help" not in gap.fix and "stop earlier" not in gap.fix
    # three epochs: the causes are the data's or the scoring's
    longer = {"dice": [0.5, 0.5553, 0.6899], "val_dice": [0.03, 0.0265, 0.0126]}
    [gap] = _found(check_series("run 1", longer), "saturation.train_val_gap")
    assert "more than with overfitting" in gap.explanation


def test_a_dice_below_half_in_both_phases_for_a_whole_run_is_said_hedged():
    [low] = _found(check_series("run 1", LOW), "saturation.dice_below_half")
    assert low.severity.value == "info"
    metrics = low.evidence["metrics"]
    assert metrics["dice_coef"]["best"] == 0.4808 and metrics["dice_coef"]["best_epoch"] == 191
    assert metrics["val_dice_coef"]["best"] == 0.2985
    assert metrics["val_dice_coef"]["best_epoch"] == 186
    assert low.evidence["last_epoch"] == 200
    text = _text([low])
    assert "the 31 epochs logged, up to epoch 200" in text
    # both phases low does not rule overfitting out (dice 0.461 vs val 0.266)
    assert "no overfitting" not in text and "Consistent with" in text
    assert "overfitting (a model that fits its training images and fails on new ones) does " \
        "not explain the low scores alone" in text
    headline = _report(LOW).headline
    assert "The Dice never reached 0.5" in headline and "dice_coef at most 0.4808" in headline
    assert "overfitting alone does not explain it" in headline


def test_no_dice_below_half_when_a_phase_reached_it_or_the_run_is_short_or_alone():
    reached = dict(LOW, val_dice_coef=LOW["val_dice_coef"][:-1] + [0.51])
    assert not _found(check_series("run 1", reached), "saturation.dice_below_half")
    short = {"dice_coef": [0.1, 0.2, 0.3], "val_dice_coef": [0.1, 0.15, 0.2]}
    assert not _found(check_series("run 1", short), "saturation.dice_below_half")
    nine = {"dice_coef": [0.1 + 0.03 * i for i in range(9)],
            "val_dice_coef": [0.1 + 0.02 * i for i in range(9)]}
    assert not _found(check_series("run 1", nine), "saturation.dice_below_half")
    ten = {name: values + [values[-1]] for name, values in nine.items()}
    assert _found(check_series("run 1", ten), "saturation.dice_below_half")
    training_only = {"loss": LOW["loss"], "dice_coef": LOW["dice_coef"], "epoch": LOW["epoch"]}
    assert not _found(check_series("run 1", training_only), "saturation.dice_below_half")


def test_no_dice_below_half_of_a_dice_at_zero_or_out_of_range():
    zero = dict(LOW, val_dice_coef=[0.0] * 31)
    findings = check_series("run 1", zero)
    assert not _found(findings, "saturation.dice_below_half")
    assert _found(findings, "saturation.score_zero_throughout")
    negative = dict(LOW, dice_coef=[-0.1] + LOW["dice_coef"][1:])
    assert not _found(check_series("run 1", negative), "saturation.dice_below_half")


def test_an_iou_below_half_is_no_dice_below_half():
    iou = {"epoch": LOW["epoch"], "iou": LOW["dice_coef"], "val_iou": LOW["val_dice_coef"]}
    assert not _found(check_series("run 1", iou), "saturation.dice_below_half")
