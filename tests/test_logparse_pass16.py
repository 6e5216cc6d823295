"""Layouts and claims of the sixteenth pass over public Keras logs (docs/real-logs.md, pass 16).

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


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
    # moved' of two epochs (review of this pass's repeat rule)
    from unetdiag.diag.checks.saturation.checks import check_series
    perfect = {"loss": [0.0, 0.0], "accuracy": [1.0, 1.0], "val_loss": [0.0, 0.0],
               "val_accuracy": [1.0, 1.0]}
    assert not any(f.id == "saturation.flat_metric" for f in check_series("run 1", perfect))


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_converged_run_repeating_its_last_two_epochs_is_not_stuck():
    # review of pass 16: loss 0.2431 -> 0.0091, the last two epochs alike at four decimals,
    # was 'training is stuck' and 'the optimiser makes no progress'
    report = explain_log(REVIEW / "c3b_converged_last_two_repeat.log")
    assert "stuck" not in report.headline
    assert not any(finding.evidence.get("stuck") for finding in report.findings)


def test_two_repeated_epochs_are_said_once_as_repeated_values():
    # review of pass 16: two epochs alike in every value were 'training is stuck' beside a
    # second sentence saying the validation values 'never moved'
    headline = explain_log(REVIEW / "k_repeat_two_epochs_only.log").headline
    assert "repeat their printed values at epochs 1 and 2" in headline
    assert "stuck" not in headline and "never moved" not in headline
