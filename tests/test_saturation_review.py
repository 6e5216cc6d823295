"""The metric-series checks on the counter-examples of the session-25 review
(each test fails on the code it reviewed)."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


# loss_weights=[1, 0.5] and an L2 term of about 0.15: every total is the true one, yet
# val_loss is below val_out2_loss (0.2 + 0.5 x 1.0 + 0.15 = 0.85 < 1.0)
WEIGHTS_BELOW_ONE = {
    "loss": [0.6, 0.45, 0.4], "out1_loss": [0.3, 0.2, 0.15], "out2_loss": [0.3, 0.2, 0.18],
    "val_loss": [0.7, 0.85, 0.91], "val_out1_loss": [0.3, 0.2, 0.2],
    "val_out2_loss": [0.4, 1.0, 1.12]}


def test_a_true_validation_total_below_one_part_is_not_called_wrong():
    findings = check_series("run 1", WEIGHTS_BELOW_ONE)
    assert _found(findings, "saturation.total_below_parts") == []
    # the overfitting the total shows is still read
    [gap] = _found(findings, "saturation.train_val_gap")
    assert "loss" in gap.evidence["metrics"]


def test_a_validation_total_below_training_with_every_part_above_is_hedged():
    # keras#13601: parts 13,944/20,445/9,994 against 49/43/111, val_loss 1.80 < loss 219.6
    history = {"loss": [219.5982], "l_out_loss": [49.2567], "r_out_loss": [42.5549],
               "s_out_loss": [110.9972], "val_loss": [1.7971],
               "val_l_out_loss": [13944.2723], "val_r_out_loss": [20445.2947],
               "val_s_out_loss": [9993.8637]}
    [wrong] = _found(check_series("run 1", history), "saturation.total_below_parts")
    assert "consistent with" in wrong.title
    assert "regularisation term fell by at least 217.8" in wrong.explanation
    # one validation part below its training one: the weights could explain it
    history["val_l_out_loss"] = [40.0]
    assert _found(check_series("run 1", history), "saturation.total_below_parts") == []


# Mask R-CNN's three-stage schedule with Mask_RCNN#1775: totals 1x, 1x, 2x, 2x, 3x, 3x
THREE_STAGES = {"loss": [0.5, 0.43, 0.76, 0.7, 0.96, 0.9],
                "rpn_class_loss": [0.3, 0.25, 0.22, 0.2, 0.18, 0.17],
                "mrcnn_mask_loss": [0.2, 0.18, 0.16, 0.15, 0.14, 0.13]}


def test_a_total_counted_twice_then_three_times_names_each_multiple_with_its_epochs():
    [multiple] = _found(check_series("run 1", THREE_STAGES),
                        "saturation.total_multiple_of_parts")
    assert "from epoch 3 on" not in multiple.title
    assert "2x at epochs 3-4, 3x at epochs 5-6" in multiple.title
    assert "equal to it at epochs 1-2" in multiple.title
    assert "twice from then on" not in multiple.explanation
    assert multiple.evidence["metrics"]["loss"]["stages"] == {2: [3, 4], 3: [5, 6]}


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


def test_from_epoch_n_on_is_said_only_when_every_later_epoch_has_the_multiple():
    # 1x, 2x, 2x, then a total that is no multiple of its parts (1.5x)
    history = {"loss": [0.5, 0.86, 0.8, 0.6], "rpn_class_loss": [0.3, 0.25, 0.22, 0.2],
               "mrcnn_mask_loss": [0.2, 0.18, 0.18, 0.2]}
    [multiple] = _found(check_series("run 1", history), "saturation.total_multiple_of_parts")
    assert "from epoch 2 on" not in multiple.title and "2x at epochs 2-3" in multiple.title
    # 1x, then 2x at every later epoch: said as from epoch 2 on, with no stages in evidence
    history["loss"] = [0.5, 0.86, 0.8, 0.8]
    [multiple] = _found(check_series("run 1", history), "saturation.total_multiple_of_parts")
    assert "from epoch 2 on" in multiple.title
    assert "stages" not in multiple.evidence["metrics"]["loss"]
