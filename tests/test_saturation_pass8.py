"""The metric-series checks on the shapes of the eighth pass over public Keras logs
(docs/real-logs.md, pass 8): totals against their parts, a multi-epoch training blow-up, a
single lucky validation epoch, the gap a headline leads with, an unstable validation start."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _ids(findings):
    return [f.id for f in findings]


# keras#13601: Keras 2.3.1, three outputs, one epoch (20 of 100)
MULTI_OUTPUT_WRONG_VAL_LOSS = {
    "epoch": [20], "loss": [219.5982], "l_out_loss": [49.2567], "r_out_loss": [42.5549],
    "s_out_loss": [110.9972], "val_loss": [1.7971], "val_l_out_loss": [13944.2723],
    "val_r_out_loss": [20445.2947], "val_s_out_loss": [9993.8637]}


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


# Mask_RCNN#1775: two fits; the second counts every loss twice
MASK_RCNN_DOUBLED = {
    "loss": [0.9896, 0.5371], "rpn_class_loss": [0.0176, 0.0101],
    "rpn_bbox_loss": [0.2188, 0.0573], "mrcnn_class_loss": [0.1912, 0.0538],
    "mrcnn_bbox_loss": [0.1784, 0.0371], "mrcnn_mask_loss": [0.3836, 0.1103],
    "val_loss": [1.3969, 2.1908], "val_rpn_class_loss": [0.0135, 0.0118],
    "val_rpn_bbox_loss": [0.5537, 0.5671], "val_mrcnn_class_loss": [0.3055, 0.1555],
    "val_mrcnn_bbox_loss": [0.2564, None], "val_mrcnn_mask_loss": [0.2679, None]}


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


# signlang README (Keras 3, 5-class BiLSTM): epochs 17-25 and 46-50 of a run whose training
# loss blew up at epochs 21-22 (57x, then 9x) and recovered
SPIKE = {
    "epoch": [17, 18, 19, 20, 21, 22, 23, 24, 25, 46, 47, 48, 49, 50],
    "loss": [0.0013, 0.0013, 0.0010, 8.8714e-04, 0.0506, 0.4539, 0.1707, 0.0513, 0.0586,
             9.6843e-04, 0.0010, 0.0011, 0.0012, 8.5435e-04],
    "val_loss": [1.1978e-04, 9.9913e-05, 9.0160e-05, 6.6545e-05, 0.4999, 0.4297, 0.1711,
                 0.0053, 0.0062, 1.2849e-04, 1.2426e-04, 1.2307e-04, 1.1951e-04, 1.1527e-04]}


def test_a_training_loss_that_blows_up_over_two_epochs_is_a_jump():
    [jump] = _found(check_series("run 1", SPIKE), "saturation.loss_jump")
    data = jump.evidence["metrics"]["loss"]
    assert (data["previous_epoch"], data["epoch"]) == (20, 22)
    assert round(data["ratio"]) == 512
    assert "over epochs 21-22" in jump.title


def test_no_overfitting_is_read_across_a_training_blow_up():
    findings = check_series("run 1", SPIKE)
    assert _found(findings, "saturation.validation_loss_rising") == []
    assert "consistent with overfitting" not in " ".join(f.explanation for f in findings)


def test_a_slow_climb_and_a_rise_across_a_gap_in_the_log_are_no_jump():
    # 3x an epoch for three epochs is 27x: no blow-up
    climb = {"loss": [0.01, 0.03, 0.09, 0.27, 0.2]}
    assert _found(check_series("run 1", climb), "saturation.loss_jump") == []
    # epochs 12 and 20 side by side in an excerpt: what happened between is not in the log
    cut = {"epoch": [11, 12, 20, 21], "loss": [0.001, 0.002, 0.05, 0.3]}
    assert _found(check_series("run 1", cut), "saturation.loss_jump") == []


# Korean notebook, VGG16-encoder U-Net: validation Dice (1 - val_dice_loss) 0.00-0.26 at
# every epoch while training Dice climbs 0.28 -> 0.53; epoch 4 is one lucky epoch
LUCKY_EPOCH = {
    "loss": [0.9557, 0.8733, 0.8362, 0.8102, 0.7794, 0.7331, 0.6997, 0.6613, 0.6236, 0.6116],
    "dice_loss": [0.7165, 0.6806, 0.6497, 0.6294, 0.6072, 0.5686, 0.5425, 0.5118, 0.4815,
                  0.4740],
    "val_loss": [4.8412, 1.0912, 1.2142, 0.9599, 1.1253, 1.2034, 1.2018, 1.1900, 1.1423,
                 1.0533],
    "val_dice_loss": [1.0000, 0.8776, 0.9701, 0.7418, 0.9236, 0.9705, 0.9704, 0.9628, 0.9315,
                      0.8630]}


def test_one_lucky_validation_epoch_is_no_turning_point():
    findings = check_series("run 1", LUCKY_EPOCH)
    assert _found(findings, "saturation.validation_loss_rising") == []
    assert "overfitting from that epoch on" not in " ".join(f.explanation for f in findings)
    assert _ids(findings) == ["saturation.train_val_gap"]


def test_a_rise_from_a_minimum_its_neighbours_share_is_still_a_rise():
    # a smooth overfitting curve: the second-best epoch is next to the best one
    smooth = {"loss": [0.9, 0.7, 0.6, 0.5, 0.45, 0.4, 0.36, 0.33, 0.3],
              "val_loss": [0.6, 0.5, 0.45, 0.40, 0.46, 0.5, 0.55, 0.6, 0.65]}
    [rising] = _found(check_series("run 1", smooth), "saturation.validation_loss_rising")
    assert rising.evidence["metrics"]["val_loss"]["best_epoch"] == 4


# musket_core docs: a two-row CSVLogger table
NO_OVERLAP = {"binary_accuracy": [0.8145, 0.8633], "dice": [0.5553, 0.6899],
              "loss": [0.4154, 0.3316], "val_binary_accuracy": [0.7323, 0.7443],
              "val_dice": [0.0265, 0.0126], "val_loss": [0.7330, 0.5846]}


def test_the_gap_said_first_is_the_overlap_score_with_the_largest_relative_gap():
    [gap] = _found(check_series("run 1", NO_OVERLAP), "saturation.train_val_gap")
    assert "(dice 0.6899 vs val_dice 0.0126)" in gap.title
    assert gap.explanation.startswith("dice 0.6899 vs val_dice 0.0126;")
    # a validation Dice that never left 0.03 while training's reached 0.69 is no overfitting
    assert gap.evidence["no_overlap"] == ["dice"]
    assert "hardly overlap the validation masks" in gap.explanation
    assert "stop earlier" not in gap.fix


def test_a_two_epoch_run_is_never_told_to_stop_earlier():
    history = {"dice": [0.55, 0.69], "val_dice": [0.50, 0.40]}
    [gap] = _found(check_series("run 1", history), "saturation.train_val_gap")
    assert "no_overlap" not in gap.evidence
    assert "stop earlier" not in gap.fix and "after 2 epochs" in gap.fix
    # from the third epoch on the advice stands
    longer = {"dice": [0.5, 0.55, 0.69], "val_dice": [0.45, 0.50, 0.40]}
    [gap] = _found(check_series("run 1", longer), "saturation.train_val_gap")
    assert gap.fix.endswith("or stop earlier.")


# the same Korean notebook, its plain U-Net (loss = BCE + Dice loss, metric dice_loss)
UNSTABLE_START = {
    "loss": [1.0000, 0.8933, 0.8833, 0.8124, 0.7727, 0.7580, 0.6781, 0.6213, 0.5843, 0.5555],
    "dice_loss": [0.7118, 0.6829, 0.6812, 0.6261, 0.5977, 0.5868, 0.5209, 0.4792, 0.4459,
                  0.4246],
    "val_loss": [11.5328, 1.0362, 11.3236, 7.5319, 8.4274, 3.5772, 0.7679, 0.7471, 0.6907,
                 0.5978],
    "val_dice_loss": [0.9984, 0.8080, 1.0000, 0.8629, 0.8763, 0.8347, 0.5594, 0.5556, 0.5379,
                      0.4637]}


def test_a_validation_loss_ten_times_training_early_then_converged_is_said():
    findings = check_series("run 1", UNSTABLE_START)
    assert _ids(findings) == ["saturation.unstable_validation"]
    [unstable] = findings
    data = unstable.evidence["metrics"]["val_loss"]
    assert data["epochs"] == [1, 3, 5]
    assert (data["unstable_until"], data["stable_from"]) == (6, 7)
    assert unstable.evidence["at_bound"]["val_dice_loss"]["epoch"] == 3
    assert "unstable until epoch 6" in unstable.title
    assert "val_dice_loss 1.0000 at epoch 3" in unstable.explanation


def test_one_wild_first_epoch_or_a_gap_at_the_end_is_not_an_unstable_start():
    # one epoch 10x (BatchNormalization statistics at epoch 1) is common and left unsaid
    once = dict(UNSTABLE_START, val_loss=[11.5, 1.03, 0.95, 0.85, 0.80, 0.78, 0.7679, 0.7471,
                                          0.6907, 0.5978])
    assert _found(check_series("run 1", once), "saturation.unstable_validation") == []
    # a gap at the last epochs is the train/validation gap's
    ending = dict(UNSTABLE_START, val_loss=UNSTABLE_START["val_loss"][:-1] + [2.0])
    assert _found(check_series("run 1", ending), "saturation.unstable_validation") == []
