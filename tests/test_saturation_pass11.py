"""What a short log, or one without validation, still shows (docs/real-logs.md, pass 11): a
Dice at 0.0000 at each of the one or two epochs logged, a training accuracy of 1.0000 with no
validation accuracy, and a log that ends on a bare ``Epoch i/N`` header."""


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


# keras-team/keras#2396: two outputs; labelsA are all zeros, so predA_acc reaches 1.0000
PR2396 = {"loss": [0.2797, 0.2546], "predA_acc": [0.9780, 1.0], "predA_loss": [0.0237, 0.0013],
          "predB_acc": [0.4760, 0.5170]}


def test_a_training_accuracy_of_one_without_validation_is_named_with_its_readings():
    report = _report(PR2396)
    [perfect] = _found(report.findings, "saturation.perfect_training_accuracy")
    assert perfect.severity.value == "info"
    assert perfect.evidence["metrics"]["predA_acc"]["epoch"] == 2
    assert perfect.evidence["metrics"]["predA_acc"]["others"] == {"predB_acc": 0.517}
    assert "one class" in perfect.explanation and "cannot tell" in perfect.explanation
    assert "leak" not in perfect.explanation
    assert not _found(report.findings, "saturation.perfect_accuracy")
    assert "predA_acc is 1.0000 at epoch 2" in report.headline


def test_no_training_only_perfect_accuracy_when_validation_accuracy_is_logged_or_below_one():
    with_val = dict(PR2396, val_predA_acc=[0.97, 0.98])
    assert not _found(check_series("r", with_val), "saturation.perfect_training_accuracy")
    below = dict(PR2396, predA_acc=[0.978, 0.9994])
    assert not _found(check_series("r", below), "saturation.perfect_training_accuracy")


def test_a_score_keras_printed_in_e_notation_is_quoted_as_logged_not_as_0_0000():
    """Keras prints values under 1e-3 as 4.1000e-05, never 0.0000: the finding quotes the
    value, and a Dice above 0 is no "no true positive" (review 3)."""
    report = _report({"loss": [0.60, 0.59], "dice": [3.2e-05, 2.5e-05],
                      "val_loss": [0.61, 0.60], "val_dice": [4.1e-05, 3.0e-05]}, [1, 2])
    [near] = _found(report.findings, "saturation.score_zero_few_epochs")
    assert "val_dice is at most 4.1e-05 at epochs 1-2" in near.title
    assert "0.0000" not in near.title + near.explanation + report.headline
    assert "almost no true positive yet" in report.headline
    assert "no true positive yet" not in report.headline.replace("almost no true positive yet", "")
