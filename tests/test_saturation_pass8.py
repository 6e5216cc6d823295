"""The metric-series checks on the shapes of the eighth pass over public Keras logs
(docs/real-logs.md, pass 8): totals against their parts, a multi-epoch training blow-up, a
single lucky validation epoch, the gap a headline leads with, an unstable validation start."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _ids(findings):
    return [f.id for f in findings]


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
