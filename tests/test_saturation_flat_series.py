"""Flat series and repeated epochs: a term flat at 0 in validation, a score flat at 0, two
epochs that repeat every value, and the converged or perfect runs that are not stuck."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# edwardyehuang/CAR's published log: the class-aware terms print 0.0000e+00 in validation
CAR = {"epoch": [1, 2, 3, 4, 5, 6, 27, 28, 29, 30],
       "loss": [1.6655, 1.2855, 1.1142, 0.9693, 0.8921, 0.818, 0.4733, 0.4702, 0.4685, 0.4658],
       "IOU": [0.3119, 0.4477, 0.5215, 0.5906, 0.6356, 0.6836, 0.877, 0.8803, 0.8797, 0.8788],
       "g_1_orl": [0.6554, 0.5738, 0.5141, 0.464, 0.4408, 0.4125, 0.2761, 0.2753, 0.2736,
                   0.2724],
       "val_loss": [1.4782, 1.2229, 1.0256, 0.8007, 0.7731, 0.7768, 0.6834, 0.685, 0.6866,
                    0.6831],
       "val_IOU": [0.2176, 0.2529, 0.3231, 0.3954, 0.4109, 0.417, 0.5039, 0.5039, 0.5048, 0.505],
       "val_g_1_orl": [0.0] * 10}


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_zero_validation_term_is_still_called_the_validation_phases_value():
    [flat] = _found(check_series("run 1", CAR), "saturation.flat_metric")
    text = _text([flat])
    assert "val_g_1_orl is the validation phase's value" in text
    assert "consistent with a term the model computes only in training" in text
    # the other reading, a real validation value of 0, is kept open
    assert "Should it instead measure the validation predictions" in text
    assert "training-only" not in text


def test_a_score_flat_at_zero_is_titled_with_its_value():
    history = {"loss": [0.49, 0.36, 0.33, 0.30, 0.28, 0.25, 0.24],
               "val_loss": [0.43, 0.35, 0.34, 0.30, 0.28, 0.24, 0.24],
               "val_dice": [0.0, 0.0, 0.0007, 0.0, 0.0, 0.0, 0.0]}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "val_dice at 0.0000 since epoch 4" in flat.title


def test_two_epochs_that_repeat_every_value_are_flat():
    # keras-team/autokeras#928: loss, accuracy, val_loss and val_accuracy alike at epochs 1
    # and 2 (the first-batch loss too): no learning model repeats them all
    from unetdiag.diag.checks.saturation.checks import check_series
    frozen = {"loss": [2.5186] * 2, "accuracy": [0.8347] * 2, "val_loss": [2.2202] * 2,
              "val_accuracy": [0.8560] * 2}
    flat = [f for f in check_series("run 1", frozen) if f.id == "saturation.flat_metric"]
    assert flat and flat[0].evidence["stuck"]
    # one value repeating is no sign: a loss may settle at its printed digits
    moving = dict(frozen, accuracy=[0.8347, 0.8351])
    assert not any(f.id == "saturation.flat_metric" for f in check_series("run 1", moving))


def test_a_perfect_fit_repeating_its_zeros_for_two_epochs_is_not_flat():
    # a loss at 0 and accuracies at 1 repeat because a perfect fit stays there: no 'never
    # moved' of two epochs
    from unetdiag.diag.checks.saturation.checks import check_series
    perfect = {"loss": [0.0, 0.0], "accuracy": [1.0, 1.0], "val_loss": [0.0, 0.0],
               "val_accuracy": [1.0, 1.0]}
    assert not any(f.id == "saturation.flat_metric" for f in check_series("run 1", perfect))


def test_a_converged_run_repeating_its_last_two_epochs_is_not_stuck():
    # loss 0.2431 -> 0.0091, the last two epochs alike at four decimals,
    # was 'training is stuck' and 'the optimiser makes no progress'
    report = explain_log(REVIEW / "c3b_converged_last_two_repeat.log")
    assert "stuck" not in report.headline
    assert not any(finding.evidence.get("stuck") for finding in report.findings)


def test_two_repeated_epochs_are_said_once_as_repeated_values():
    # two epochs alike in every value were 'training is stuck' beside a
    # second sentence saying the validation values 'never moved'
    headline = explain_log(REVIEW / "k_repeat_two_epochs_only.log").headline
    assert "repeat their printed values at epochs 1 and 2" in headline
    assert "stuck" not in headline and "never moved" not in headline
