"""The metric-series checks on the counter-examples of the session-25 review
(each test fails on the code it reviewed)."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


# a VAE: the KL term grows from about 0 while the total falls at every epoch
VAE = {"loss": [0.6504, 0.423, 0.38, 0.36, 0.35, 0.34, 0.335, 0.33],
       "reconstruction_loss": [0.65, 0.42, 0.37, 0.315, 0.29, 0.27, 0.26, 0.25],
       "kl_loss": [0.0004, 0.003, 0.01, 0.045, 0.06, 0.07, 0.075, 0.08],
       "val_loss": [0.501, 0.396, 0.36, 0.35, 0.37, 0.39, 0.41, 0.43],
       "val_reconstruction_loss": [0.5, 0.39, 0.34, 0.3, 0.31, 0.32, 0.34, 0.35],
       "val_kl_loss": [0.001, 0.006, 0.02, 0.05, 0.06, 0.07, 0.07, 0.08]}


def test_a_part_that_grows_while_the_total_falls_is_no_blow_up():
    findings = check_series("run 1", VAE)
    assert _found(findings, "saturation.loss_jump") == []
    [rising] = _found(findings, "saturation.validation_loss_rising")
    assert "val_loss" in rising.evidence["metrics"]


def test_a_one_epoch_jump_leads_over_the_window_that_holds_it():
    # yolov2tf2_1: 0.5491, 2.571 (4.7x, noise), then 2.666e+07 at epoch 38
    history = {"epoch": [35, 36, 37, 38], "loss": [0.56, 0.5491, 2.571, 2.666e7]}
    [jump] = _found(check_series("run 1", history), "saturation.loss_jump")
    data = jump.evidence["metrics"]["loss"]
    assert (data["previous_epoch"], data["epoch"], data["before"]) == (37, 38, 2.571)


def test_empty_evidence_fields_are_left_out():
    history = {"dice": [0.5, 0.55, 0.6, 0.65, 0.69], "val_dice": [0.45, 0.5, 0.5, 0.45, 0.4],
               "loss": [0.5, 0.4, 0.3, 0.25, 0.2], "val_loss": [0.5, 0.4, 0.42, 0.45, 0.5]}
    findings = check_series("run 1", history)
    [gap] = _found(findings, "saturation.train_val_gap")
    assert not {"no_overlap", "mixed", "within_swing"} & set(gap.evidence)
    [rising] = _found(findings, "saturation.validation_loss_rising")
    assert "restored_epoch" not in rising.evidence


def test_an_unstable_start_that_settled_once_is_info_and_one_that_came_back_a_warning():
    # unstable_soft_dice.log: 10x at epochs 1-2 only, then converged
    history = {"loss": [0.757, 0.7, 0.6, 0.5, 0.4, 0.37, 0.35],
               "val_loss": [8.0, 8.0, 0.7, 0.6, 0.5, 0.45, 0.41]}
    [unstable] = _found(check_series("run 1", history), "saturation.unstable_validation")
    assert unstable.severity.value == "info"
    # the Korean notebook: 10x at epochs 1, 3 and 5, calm at epoch 2
    history = {"loss": [0.757, 0.7, 0.6, 0.5, 0.4, 0.37, 0.35, 0.34, 0.33],
               "val_loss": [8.0, 0.8, 7.0, 0.55, 5.0, 0.45, 0.41, 0.4, 0.39]}
    [unstable] = _found(check_series("run 1", history), "saturation.unstable_validation")
    assert unstable.severity.value == "warning"
