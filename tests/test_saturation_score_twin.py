"""An IoU or Dice equal to the accuracy beside it at every epoch, while both move: a Stack
Overflow question's U-Net logged ``IOU`` identical to ``accuracy`` (0.5100, 0.3135, 0.1728)
and a finding names the readings the numbers allow (TN = 0, or one quantity logged twice)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, example, given
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log

REAL = Path(__file__).parent / "data" / "logs" / "real"
ID = "saturation.score_equals_accuracy"


def _ids(history: dict) -> set[str]:
    return {finding.id for finding in check_series("r", history)}


def test_the_real_log_s_iou_equal_to_its_accuracy_is_said_with_both_readings():
    report = explain_log(REAL / "whosebug_5901045_dice_metric_frozen_iou_equals_accuracy.log")
    [finding] = [f for f in report.findings if f.id == ID]
    assert finding.evidence["metrics"]["val_IOU"]["values"] == [0.5178, 0.1632, 0.2565]
    assert "TN = 0" in finding.explanation and "one quantity" in finding.explanation
    assert "consistent with" in finding.explanation


def test_no_claim_where_the_scores_differ_stay_constant_or_are_too_few():
    moving = [0.51, 0.3135, 0.1728]
    assert ID not in _ids({"loss": [0.7, 0.6, 0.5], "accuracy": moving,
                           "iou": [0.51, 0.3136, 0.1728]})
    assert ID not in _ids({"loss": [0.7, 0.6, 0.5], "accuracy": [1.0] * 3, "iou": [1.0] * 3})
    assert ID not in _ids({"loss": [0.7, 0.6], "accuracy": moving[:2], "iou": moving[:2]})
    # a multi-class run's accuracy and mean IoU are no binary pair
    assert ID not in _ids({"loss": [0.7, 0.6, 0.5], "categorical_accuracy": moving,
                           "iou": moving})
    assert ID in _ids({"loss": [0.7, 0.6, 0.5], "accuracy": moving, "iou": moving})


def test_series_of_different_lengths_are_compared_at_the_epochs_both_hold():
    # a monitor's accuracy can hold fewer epochs than its Dice (a fit resumed with
    # initial_epoch): compared at the epochs both logged, never by broadcasting
    moving = [0.51, 0.3135, 0.1728]
    assert ID not in _ids({"loss": [0.7, 0.6, 0.5], "accuracy": [0.3768],
                           "dice": [0.3877, 0.4505, 0.4962]})
    assert ID in _ids({"loss": [0.7, 0.6, 0.5, 0.4], "accuracy": [*moving, None],
                       "iou": [*moving, 0.25]})


_matrix = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6),
                    st.integers(0, 10**6))


@given(st.lists(_matrix, min_size=3, max_size=6))
@example([(5, 0, 3, 2), (7, 0, 1, 2), (2, 0, 4, 4)])  # no true negative: IoU = accuracy
def test_the_claim_follows_the_printed_values_of_any_confusion_matrices(matrices):
    # pooled IoU = TP/(TP+FP+FN) and accuracy = (TP+TN)/N, printed to four decimals: the
    # claim is made exactly when every pair prints alike and the accuracy moves
    assume(all(tp + fp + fn > 0 for tp, _, fp, fn in matrices))
    iou = [round(tp / (tp + fp + fn), 4) for tp, _, fp, fn in matrices]
    accuracy = [round((tp + tn) / (tp + tn + fp + fn), 4) for tp, tn, fp, fn in matrices]
    found = ID in _ids({"loss": [0.5] * len(iou), "accuracy": accuracy, "iou": iou})
    assert found == (iou == accuracy and len(set(accuracy)) > 1)
    if found:
        # equal prints: TN = 0, no error, or too few true negatives to show in 4 decimals
        for tp, tn, fp, fn in matrices:
            n = tp + tn + fp + fn
            assert tn * (fp + fn) / (n * (tp + fp + fn)) < 1e-4


@given(st.integers(1, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_a_pooled_dice_equals_the_accuracy_where_tp_equals_tn(tp, fp, fn):
    # 2TP/(2TP+E) and (TP+TN)/(TP+TN+E) are x/(x+E): equal at TN = TP, whatever the errors
    tn = tp
    dice = 2 * tp / (2 * tp + fp + fn)
    accuracy = (tp + tn) / (tp + tn + fp + fn)
    assert abs(dice - accuracy) < 1e-12


def test_a_dice_equal_to_the_accuracy_is_said_consistent_with_tp_equal_to_tn():
    # half the pixels foreground and errors split evenly keep a true Dice equal to the
    # accuracy: 'either way the score measures no overlap' was stronger than the algebra
    [finding] = [f for f in check_series("r", {
        "loss": [0.5, 0.4, 0.3], "accuracy": [0.8, 0.85, 0.88], "dice_coef": [0.8, 0.85, 0.88]})
        if f.id == ID]
    assert "TP = TN" in finding.explanation and "true Dice" in finding.explanation
    assert "Either way" not in finding.explanation
    assert "both channels of one-hot labels and predictions" in finding.explanation
