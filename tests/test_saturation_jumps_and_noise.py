"""Jumps, blow-ups, unstable starts and series noise: a loss that blows up, one lucky epoch, an
epoch-to-epoch swing as large as the gap or rise read from it, and the evidence each names."""

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


# musket_core docs: a two-row CSVLogger table
NO_OVERLAP = {"binary_accuracy": [0.8145, 0.8633], "dice": [0.5553, 0.6899],
              "loss": [0.4154, 0.3316], "val_binary_accuracy": [0.7323, 0.7443],
              "val_dice": [0.0265, 0.0126], "val_loss": [0.7330, 0.5846]}


# the same Korean notebook, its plain U-Net (loss = BCE + Dice loss, metric dice_loss)
UNSTABLE_START = {
    "loss": [1.0000, 0.8933, 0.8833, 0.8124, 0.7727, 0.7580, 0.6781, 0.6213, 0.5843, 0.5555],
    "dice_loss": [0.7118, 0.6829, 0.6812, 0.6261, 0.5977, 0.5868, 0.5209, 0.4792, 0.4459,
                  0.4246],
    "val_loss": [11.5328, 1.0362, 11.3236, 7.5319, 8.4274, 3.5772, 0.7679, 0.7471, 0.6907,
                 0.5978],
    "val_dice_loss": [0.9984, 0.8080, 1.0000, 0.8629, 0.8763, 0.8347, 0.5594, 0.5556, 0.5379,
                      0.4637]}


# a VAE: the KL term grows from about 0 while the total falls at every epoch
VAE = {"loss": [0.6504, 0.423, 0.38, 0.36, 0.35, 0.34, 0.335, 0.33],
       "reconstruction_loss": [0.65, 0.42, 0.37, 0.315, 0.29, 0.27, 0.26, 0.25],
       "kl_loss": [0.0004, 0.003, 0.01, 0.045, 0.06, 0.07, 0.075, 0.08],
       "val_loss": [0.501, 0.396, 0.36, 0.35, 0.37, 0.39, 0.41, 0.43],
       "val_reconstruction_loss": [0.5, 0.39, 0.34, 0.3, 0.31, 0.32, 0.34, 0.35],
       "val_kl_loss": [0.001, 0.006, 0.02, 0.05, 0.06, 0.07, 0.07, 0.08]}


# a residual U-Net's console output: epochs 186-200 of 200, 7 steps an epoch
NOISY = {
    "epoch": list(range(186, 201)),
    "loss": [0.0983, 0.0704, 0.0631, 0.0422, 0.0292, 0.0457, 0.0593, 0.0295, 0.0443, 0.0887,
             0.0582, 0.0413, 0.0612, 0.0205, 0.0468],
    "dice_coef": [0.465, 0.267, 0.045, 0.201, 0.158, 0.265, 0.481, 0.078, 0.234, 0.143, 0.168,
                  0.047, 0.114, 0.020, 0.1901],
    "val_loss": [0.054, 0.026, 0.090, 0.052, 0.049, 0.024, 0.047, 0.038, 0.043, 0.038, 0.0169,
                 0.063, 0.028, 0.057, 0.0727],
    "val_dice_coef": [0.298, 0.199, 0.206, 0.210, 0.083, 0.161, 0.076, 0.087, 0.052, 0.074,
                      0.081, 0.062, 0.019, 0.123, 0.0587]}


# a Colab notebook: val_loss spikes at epochs 7 and 10, with val IoU at its highest
COLAB = {
    "loss": [0.843, 0.8428, 0.8422, 0.8404, 0.8374, 0.8342, 0.833, 0.8268, 0.8204, 0.8194],
    "iou_score": [0.6974, 0.6973, 0.6976, 0.6978, 0.6988, 0.6993, 0.6996, 0.7008, 0.7028,
                  0.7026],
    "val_loss": [0.8502, 0.8465, 0.8665, 0.8641, 0.8497, 0.8516, 1.683, 0.8561, 0.8618, 1.0717],
    "val_iou_score": [0.697, 0.7022, 0.7029, 0.7046, 0.7059, 0.7057, 0.7454, 0.7033, 0.6988,
                      0.7181]}


# validation alternates 0.35 / 0.70 under a training Dice of 0.85-0.91: below it every epoch
STEADY_GAP = {
    "loss": [0.30 - 0.005 * i for i in range(20)],
    "dice_coef": [0.850 + 0.003 * i for i in range(20)],
    "val_loss": [0.36 - 0.006 * i for i in range(20)],
    "val_dice_coef": [0.35 if i % 2 == 0 else 0.70 for i in range(20)]}


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


def test_a_two_epoch_run_is_never_told_to_stop_earlier():
    history = {"dice": [0.55, 0.69], "val_dice": [0.50, 0.40]}
    [gap] = _found(check_series("run 1", history), "saturation.train_val_gap")
    assert "no_overlap" not in gap.evidence
    assert "stop earlier" not in gap.fix and "after 2 epochs" in gap.fix
    # from the third epoch on the advice stands
    longer = {"dice": [0.5, 0.55, 0.69], "val_dice": [0.45, 0.50, 0.40]}
    [gap] = _found(check_series("run 1", longer), "saturation.train_val_gap")
    assert gap.fix.endswith("or stop earlier.")


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


def test_the_gap_said_first_is_the_overlap_score_with_the_largest_relative_gap():
    [gap] = _found(check_series("run 1", NO_OVERLAP), "saturation.train_val_gap")
    assert "(dice 0.6899 vs val_dice 0.0126)" in gap.title
    assert gap.explanation.startswith("dice 0.6899 vs val_dice 0.0126;")
    # a validation Dice that never left 0.03 while training's reached 0.69 is no overfitting
    assert gap.evidence["no_overlap"] == ["dice"]
    assert "hardly overlap the validation masks" in gap.explanation
    assert "stop earlier" not in gap.fix


def test_a_gap_and_a_rise_within_the_series_swing_are_not_read_as_overfitting():
    findings = check_series("run 1", NOISY)
    assert _found(findings, "saturation.validation_loss_rising") == []
    assert not [g for g in _found(findings, "saturation.train_val_gap")
                if g.severity.value != "info"]
    # the same last-epoch gap in a smooth series is one
    smooth = dict(NOISY, dice_coef=[0.10 + 0.006 * i for i in range(15)],
                  val_dice_coef=[0.05 + 0.001 * i for i in range(15)])
    [gap] = _found(check_series("run 1", smooth), "saturation.train_val_gap")
    assert gap.severity.value == "warning"


def test_no_overfitting_is_read_while_the_validation_score_rose_with_the_loss():
    assert _found(check_series("run 1", COLAB), "saturation.validation_loss_rising") == []
    # the same losses without the score: the rise is read
    without = {k: v for k, v in COLAB.items() if k != "val_iou_score"}
    assert _found(check_series("run 1", without), "saturation.validation_loss_rising")


def test_a_gap_that_keeps_its_sign_is_not_noise_however_much_it_swings():
    [gap] = _found(check_series("run 1", STEADY_GAP), "saturation.train_val_gap")
    assert gap.severity.value == "warning" and "dice_coef" in gap.evidence["metrics"]
    assert "within_swing" not in gap.evidence


def test_empty_evidence_fields_are_left_out():
    history = {"dice": [0.5, 0.55, 0.6, 0.65, 0.69], "val_dice": [0.45, 0.5, 0.5, 0.45, 0.4],
               "loss": [0.5, 0.4, 0.3, 0.25, 0.2], "val_loss": [0.5, 0.4, 0.42, 0.45, 0.5]}
    findings = check_series("run 1", history)
    [gap] = _found(findings, "saturation.train_val_gap")
    assert not {"no_overlap", "mixed", "within_swing"} & set(gap.evidence)
    [rising] = _found(findings, "saturation.validation_loss_rising")
    assert "restored_epoch" not in rising.evidence
