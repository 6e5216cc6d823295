"""A Dice near 0 but not 0 (up to ``empty_prediction_dice``) fits the empty prediction only
as "nearly": it leaves true positives, so nothing says "not one true positive" or "proven"
of it (unetdiag train/evaluate on ISBI, s26: evaluate's pooled hard Dice 0.0085 was called
"predicts no foreground at all ... admit only the empty prediction", proven; a training
Dice of 0.0004893 "not one true positive pixel is left")."""

from __future__ import annotations

import pytest

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.checks.saturation.algebra import constant_fit
from unetdiag.diag.logs.explain import explain_runs
from unetdiag.diag.logs.model import RunLog


def _only(findings, finding_id):
    [found] = [f for f in findings if f.id == finding_id]
    return found


def _text(finding):
    return f"{finding.title} {finding.explanation} {finding.fix}"


def _report(history):
    names = list(history)
    epochs = [{n: history[n][i] for n in names} for i in range(len(history[names[0]]))]
    return explain_runs([RunLog("run 1", epochs, [None] * len(epochs), "test")])


# unetdiag evaluate (ISBI, masks read with the wrong polarity): pooled numbers, and the
# masks' foreground fraction counted (1 - the all-background accuracy 0.2336)
EVALUATED = {"val_accuracy": [0.2329], "val_dice": [0.0085], "val_iou": [0.0043]}
MEASURED = {"val_foreground_fraction": 0.7664}
# unetdiag train --normalization none --no-augment on ISBI: the Dice falls to 0.0005
COLLAPSED = {"loss": [0.6934, 0.5595, 0.5511], "dice": [0.1887, 0.0007344, 0.0004893],
             "accuracy": [0.5170, 0.7562, 0.7567]}


def test_a_measured_fraction_does_not_prove_the_empty_prediction_under_a_dice_above_0():
    found = _only(check_series("model.keras", EVALUATED, MEASURED),
                  "saturation.all_zeros_predictor")
    assert found.evidence["proven"] is False
    phase = found.evidence["phases"]["validation"]
    assert phase["scores_exactly_zero"] is False and phase["zero_tolerance"] == 0.01
    assert phase["measured_foreground_fraction"] == 0.7664
    # TP = d(1-a)/(2(1-d)) and j(1-a)/(1-j): 0.0033 of the pixels
    assert phase["true_positive_share"] == pytest.approx(0.00331, abs=2e-5)
    assert "true_positives_zero" not in found.evidence["assumes"]
    text = _text(found)
    for wrong in ("predicts no foreground at all (", "not one true positive", "admit only",
                  "A Dice or IoU of 0 means"):
        assert wrong not in text
    assert "near 0 but not 0" in text and "0.01" in text
    # the implied predicted share (1 - a - f + 2 TP): the model's real 0.71-0.76 %
    assert "about 0.733 % of the pixels" in found.explanation


def test_a_dice_of_exactly_0_with_the_measured_fraction_is_still_proven():
    found = _only(check_series("model.keras", {**EVALUATED, "val_dice": [0.0],
                                               "val_iou": [0.0]}, MEASURED),
                  "saturation.all_zeros_predictor")
    assert found.evidence["proven"] is True
    assert "predicts no foreground at all" in found.title
    assert "not one true positive" in found.explanation


def test_the_fit_bounds_the_foreground_by_the_true_positives_a_dice_leaves():
    fit = constant_fit("all_zeros", 0.7567, dice=0.0004893)
    assert not fit.scores_exactly_zero and fit.zero_tolerance == 0.01
    # f = 1 - a - FP + TP <= 1 - a + TP
    assert fit.fraction_at_most == pytest.approx(0.2433 + 0.0004893 * 0.2433 / (2 * 0.9995106))
    assert "true_positives_zero" not in [a.value for a in fit.assumptions]
    exact = constant_fit("all_zeros", 0.7567, dice=0.0)
    assert exact.scores_exactly_zero and exact.true_positive_share == 0
    assert exact.fraction_at_most == exact.foreground_fraction


def test_a_collapse_to_a_dice_above_0_leaves_almost_no_true_positive():
    findings = check_series("train:MP_Tr_BCE", COLLAPSED)
    collapsed = _only(findings, "saturation.score_collapsed")
    assert collapsed.evidence["metrics"]["dice"]["exactly_zero"] is False
    assert collapsed.evidence["zero_tolerance"] == 0.01
    assert "not one true positive" not in _text(collapsed)
    assert "few true positive pixels" in collapsed.explanation
    zeros = _only(findings, "saturation.all_zeros_predictor")
    assert "not one true positive" not in _text(zeros)
    headline = _report(COLLAPSED).headline
    assert "not one true positive" not in headline
    assert "almost no true positive pixels are left" in headline


def test_a_collapse_to_exactly_0_is_not_one_true_positive():
    history = {**COLLAPSED, "dice": [0.1887, 0.0, 0.0]}
    collapsed = _only(check_series("r", history), "saturation.score_collapsed")
    assert collapsed.evidence["metrics"]["dice"]["exactly_zero"] is True
    assert "not one true positive pixel" in collapsed.explanation
    assert "not one true positive pixel is left" in _report(history).headline


def test_a_score_that_prints_as_0_but_is_not_0_is_no_proof_of_no_true_positive():
    # Keras prints values below 1e-3 in e-notation: 3e-05 is logged as such
    history = {"loss": [0.2007, 0.1996, 0.1960, 0.2002, 0.1948],
               "dice_coefficient": [3e-05, 0.0, 1e-05, 0.0, 2e-05]}
    found = _only(check_series("r", history), "saturation.score_zero_throughout")
    assert "not one true positive" not in found.explanation
    assert "few true positive pixels" in found.explanation
    headline = _report(history).headline
    assert "not one true positive" not in headline
    assert "almost no true positive pixels in any epoch logged" in headline


def test_the_headline_of_a_fit_near_0_says_nearly_not_no_foreground():
    history = {"loss": [0.6, 0.55, 0.54], "accuracy": [0.75, 0.76, 0.76],
               "dice": [0.004, 0.003, 0.003], "val_loss": [0.6, 0.55, 0.54],
               "val_accuracy": [0.77, 0.77, 0.77], "val_dice": [0.004, 0.002, 0.002]}
    headline = _report(history).headline
    assert "scores nearly what an all-zeros predictor scores" in headline
    assert "no true positive" not in headline and "no foreground at all" not in headline
    exact = _report({**history, "dice": [0.0] * 3, "val_dice": [0.0] * 3}).headline
    assert "scores what an all-zeros predictor scores" in exact


def test_a_run_at_another_runs_near_0_fit_says_the_fraction_is_approximate():
    from unetdiag.diag.checks.saturation import check_across_runs
    histories = {"a": {"val_accuracy": [0.77] * 3, "val_dice": [0.004, 0.002, 0.002]},
                 "b": {"val_accuracy": [0.77] * 3, "val_loss": [0.5, 0.4, 0.3]}}
    found = _only(check_across_runs(histories), "saturation.metric_at_baseline")
    assert "near 0 but not 0" in found.explanation and "at most 0.2302" in found.explanation


def test_evaluates_headline_says_nearly_what_the_constant_scores_for_a_dice_near_0():
    from unetdiag.diag.evaluation.findings import evaluation_headline

    near = [f for f in check_series("model.keras", EVALUATED) if f.id.endswith("zeros_predictor")]
    headline = evaluation_headline(near, context=None)
    assert "its scores are nearly what that constant scores" in headline
    assert "more than the model" in headline and "not the model" not in headline
    exact = [f for f in check_series("model.keras", {"val_accuracy": [0.2329], "val_dice": [0.0]})
             if f.id.endswith("zeros_predictor")]
    assert "its scores are what that constant scores on these masks, so they measure the " \
        "masks, not the model." in evaluation_headline(exact, context=None)
