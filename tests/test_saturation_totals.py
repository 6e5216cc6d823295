"""A logged total loss against its parts (multi-output models, loss weights, regularisers):
below its parts, or counted twice, and from which epoch on."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


# keras#13601: Keras 2.3.1, three outputs, one epoch (20 of 100)
MULTI_OUTPUT_WRONG_VAL_LOSS = {
    "epoch": [20], "loss": [219.5982], "l_out_loss": [49.2567], "r_out_loss": [42.5549],
    "s_out_loss": [110.9972], "val_loss": [1.7971], "val_l_out_loss": [13944.2723],
    "val_r_out_loss": [20445.2947], "val_s_out_loss": [9993.8637]}


# Mask_RCNN#1775: two fits; the second counts every loss twice
MASK_RCNN_DOUBLED = {
    "loss": [0.9896, 0.5371], "rpn_class_loss": [0.0176, 0.0101],
    "rpn_bbox_loss": [0.2188, 0.0573], "mrcnn_class_loss": [0.1912, 0.0538],
    "mrcnn_bbox_loss": [0.1784, 0.0371], "mrcnn_mask_loss": [0.3836, 0.1103],
    "val_loss": [1.3969, 2.1908], "val_rpn_class_loss": [0.0135, 0.0118],
    "val_rpn_bbox_loss": [0.5537, 0.5671], "val_mrcnn_class_loss": [0.3055, 0.1555],
    "val_mrcnn_bbox_loss": [0.2564, None], "val_mrcnn_mask_loss": [0.2679, None]}


# loss_weights=[1, 0.5] and an L2 term of about 0.15: every total is the true one, yet
# val_loss is below val_out2_loss (0.2 + 0.5 x 1.0 + 0.15 = 0.85 < 1.0)
WEIGHTS_BELOW_ONE = {
    "loss": [0.6, 0.45, 0.4], "out1_loss": [0.3, 0.2, 0.15], "out2_loss": [0.3, 0.2, 0.18],
    "val_loss": [0.7, 0.85, 0.91], "val_out1_loss": [0.3, 0.2, 0.2],
    "val_out2_loss": [0.4, 1.0, 1.12]}


# Mask R-CNN's three-stage schedule with Mask_RCNN#1775: totals 1x, 1x, 2x, 2x, 3x, 3x
THREE_STAGES = {"loss": [0.5, 0.43, 0.76, 0.7, 0.96, 0.9],
                "rpn_class_loss": [0.3, 0.25, 0.22, 0.2, 0.18, 0.17],
                "mrcnn_mask_loss": [0.2, 0.18, 0.16, 0.15, 0.14, 0.13]}


def test_a_validation_total_below_its_own_parts_is_not_the_validation_total():
    findings = check_series("run 1", MULTI_OUTPUT_WRONG_VAL_LOSS)
    [wrong] = _found(findings, "saturation.total_below_parts")
    data = wrong.evidence["metrics"]["val_loss"]
    assert data["largest_part"] == "val_r_out_loss"
    assert round(data["parts_sum"], 1) == 44383.4
    assert round(data["training_extra"], 2) == 16.79
    assert wrong.evidence["assumes"] == ["same_loss_weights"]
    assert "not the validation" in wrong.title and "keras#13601" in wrong.explanation
    # no gap is read from the logged total: the per-output losses may still be compared
    for gap in _found(findings, "saturation.train_val_gap"):
        assert "loss" not in gap.evidence["metrics"]


def test_a_total_below_one_part_needs_no_weights_of_one_and_two_parts():
    # training's total below the sum of its parts (loss weights below 1): every validation
    # part is still above its training one, so val_loss below loss is still wrong
    history = dict(MULTI_OUTPUT_WRONG_VAL_LOSS, loss=[150.0])
    assert len(_found(check_series("run 1", history), "saturation.total_below_parts")) == 1
    # one part only (a `dice_loss` metric beside the loss) is never judged
    single = {"loss": [0.9], "dice_loss": [0.7], "val_loss": [0.3], "val_dice_loss": [0.6]}
    assert _found(check_series("run 1", single), "saturation.total_below_parts") == []


def test_a_total_that_turns_into_twice_its_parts_is_said_with_the_printed_tolerance():
    findings = check_series("run 1", MASK_RCNN_DOUBLED)
    [doubled] = _found(findings, "saturation.total_multiple_of_parts")
    data = doubled.evidence["metrics"]["loss"]
    assert (data["multiple"], data["equal_epochs"], data["multiple_epochs"]) == (2, [1], [2])
    assert round(data["parts_sum"], 4) == 0.2686
    assert data["tolerance"] == 5e-5 * 11  # 2 x 5 printed parts and the printed total
    assert "twice the sum of its parts from epoch 2" in doubled.title
    # the validation half of epoch 2 is cut: nothing is said of val_loss
    assert list(doubled.evidence["metrics"]) == ["loss"]


def test_a_total_at_twice_its_parts_throughout_says_nothing():
    # loss weights of 2 from the first epoch are a choice, not a change between fits
    history = {name: values for name, values in MASK_RCNN_DOUBLED.items()
               if not name.startswith("val_")}
    history["loss"] = [2 * 0.9896, 0.5371]
    assert _found(check_series("run 1", history), "saturation.total_multiple_of_parts") == []
    # a total near, but not within the printed precision of, 2x is not "exactly" 2x
    history["loss"] = [0.9896, 0.5390]
    assert _found(check_series("run 1", history), "saturation.total_multiple_of_parts") == []


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


def test_a_total_counted_twice_then_three_times_names_each_multiple_with_its_epochs():
    [multiple] = _found(check_series("run 1", THREE_STAGES),
                        "saturation.total_multiple_of_parts")
    assert "from epoch 3 on" not in multiple.title
    assert "2x at epochs 3-4, 3x at epochs 5-6" in multiple.title
    assert "equal to it at epochs 1-2" in multiple.title
    assert "twice from then on" not in multiple.explanation
    assert multiple.evidence["metrics"]["loss"]["stages"] == {2: [3, 4], 3: [5, 6]}


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
