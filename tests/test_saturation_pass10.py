"""The metric-series checks on the shapes of the tenth pass over public Keras logs
(docs/real-logs.md, pass 10): a perfect accuracy of a run that logs no Dice or IoU (perhaps a
classifier, whose accuracy counts samples), a Dice below 0.5 in both phases for a whole run,
and validation terms at 0 that are still the validation phase's values."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_runs
from unetdiag.diag.logs.model import RunLog


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


def _report(history):
    names = list(history)
    epochs = [{n: history[n][i] for n in names} for i in range(len(history[names[0]]))]
    return explain_runs([RunLog("run 1", epochs, [None] * len(epochs), "test")])


# a sign-language README (Keras 3, Dense(5) softmax over sequences): val_accuracy 1.0000 from
# epoch 7 on; the author measured 60 % on real data (epochs 5-12 of 50)
SIGNS = {"accuracy": [0.9243, 0.9349, 0.9665, 0.9991, 1.0, 1.0, 1.0, 1.0],
         "loss": [0.2195, 0.2003, 0.1006, 0.0181, 0.0021, 0.0013, 0.0010, 0.0009],
         "val_accuracy": [0.8310, 0.9401, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
         "val_loss": [0.3268, 0.1420, 0.0177, 0.0033, 0.0008, 0.0004, 0.0002, 0.0001]}


def test_a_perfect_accuracy_without_dice_or_iou_is_not_worded_as_pixels():
    [perfect] = _found(check_series("run 1", SIGNS), "saturation.perfect_accuracy")
    assert perfect.evidence["segmentation"] is False
    text = _text([perfect])
    assert "pixel of" not in text and "masks of (almost) one class" not in text
    assert "every prediction on the validation data" in text
    assert "every sample, for a classifier" in text and "leakage" in text
    headline = _report(SIGNS).headline
    assert "every validation pixel" not in headline and "real segmentation" not in headline
    assert "every validation prediction" in headline


def test_a_perfect_accuracy_beside_a_dice_is_still_said_of_pixels():
    history = dict(SIGNS, val_dice=[0.5, 0.7, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])
    [perfect] = _found(check_series("run 1", history), "saturation.perfect_accuracy")
    assert perfect.evidence["segmentation"] is True
    assert "every pixel of the validation data" in perfect.title
    assert "every validation pixel" in _report(history).headline


# a residual U-Net's console output (epochs 1-16 and 186-200 of 200 logged): the Dice stays
# below 0.5 in both phases while the loss is small (a small foreground)
LOW = {"epoch": list(range(1, 17)) + list(range(186, 201)),
       "loss": [0.2038, 0.0288, 0.0378, 0.0274, 0.0643, 0.0425, 0.1210, 0.0591, 0.0712, 0.0385,
                0.0253, 0.03, 0.04, 0.05, 0.03, 0.04, 0.0983, 0.0704, 0.0631, 0.0422, 0.0292,
                0.0457, 0.0593, 0.0295, 0.0443, 0.0887, 0.0582, 0.0413, 0.0612, 0.0205, 0.0468],
       "dice_coef": [0.0153, 0.0147, 0.0036, 0.0130, 0.0235, 0.0393, 0.1557, 0.0425, 0.0670,
                     0.0146, 0.0166, 0.02, 0.05, 0.1, 0.08, 0.09, 0.45, 0.27, 0.05, 0.20, 0.31,
                     0.4808, 0.12, 0.22, 0.35, 0.15, 0.27, 0.33, 0.02, 0.2, 0.1901],
       "val_dice_coef": [0.0105, 0.0279, 0.0184, 0.0285, 0.0464, 0.0834, 0.0759, 0.0338,
                         0.0219, 0.1745, 0.0492, 0.05, 0.06, 0.07, 0.08, 0.09, 0.2985, 0.1,
                         0.08, 0.12, 0.2, 0.15, 0.1, 0.11, 0.12, 0.2, 0.08, 0.09, 0.12, 0.1,
                         0.0587]}


def test_a_dice_below_half_in_both_phases_for_a_whole_run_is_said_hedged():
    [low] = _found(check_series("run 1", LOW), "saturation.dice_below_half")
    assert low.severity.value == "info"
    metrics = low.evidence["metrics"]
    assert metrics["dice_coef"]["best"] == 0.4808 and metrics["dice_coef"]["best_epoch"] == 191
    assert metrics["val_dice_coef"]["best"] == 0.2985
    assert metrics["val_dice_coef"]["best_epoch"] == 186
    assert low.evidence["last_epoch"] == 200
    text = _text([low])
    assert "the 31 epochs logged, up to epoch 200" in text
    # both phases low does not rule overfitting out (review 3: dice 0.461 vs val 0.266)
    assert "no overfitting" not in text and "Consistent with" in text
    assert "overfitting (a model that fits its training images and fails on new ones) does " \
        "not explain the low scores alone" in text
    headline = _report(LOW).headline
    assert "The Dice never reached 0.5" in headline and "dice_coef at most 0.4808" in headline
    assert "overfitting alone does not explain it" in headline


def test_no_dice_below_half_when_a_phase_reached_it_or_the_run_is_short_or_alone():
    reached = dict(LOW, val_dice_coef=LOW["val_dice_coef"][:-1] + [0.51])
    assert not _found(check_series("run 1", reached), "saturation.dice_below_half")
    short = {"dice_coef": [0.1, 0.2, 0.3], "val_dice_coef": [0.1, 0.15, 0.2]}
    assert not _found(check_series("run 1", short), "saturation.dice_below_half")
    nine = {"dice_coef": [0.1 + 0.03 * i for i in range(9)],
            "val_dice_coef": [0.1 + 0.02 * i for i in range(9)]}
    assert not _found(check_series("run 1", nine), "saturation.dice_below_half")
    ten = {name: values + [values[-1]] for name, values in nine.items()}
    assert _found(check_series("run 1", ten), "saturation.dice_below_half")
    training_only = {"loss": LOW["loss"], "dice_coef": LOW["dice_coef"], "epoch": LOW["epoch"]}
    assert not _found(check_series("run 1", training_only), "saturation.dice_below_half")


def test_no_dice_below_half_of_a_dice_at_zero_or_out_of_range():
    zero = dict(LOW, val_dice_coef=[0.0] * 31)
    findings = check_series("run 1", zero)
    assert not _found(findings, "saturation.dice_below_half")
    assert _found(findings, "saturation.score_zero_throughout")
    negative = dict(LOW, dice_coef=[-0.1] + LOW["dice_coef"][1:])
    assert not _found(check_series("run 1", negative), "saturation.dice_below_half")


def test_an_iou_below_half_is_no_dice_below_half():
    iou = {"epoch": LOW["epoch"], "iou": LOW["dice_coef"], "val_iou": LOW["val_dice_coef"]}
    assert not _found(check_series("run 1", iou), "saturation.dice_below_half")


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


def test_a_zero_validation_term_is_still_called_the_validation_phases_value():
    [flat] = _found(check_series("run 1", CAR), "saturation.flat_metric")
    text = _text([flat])
    assert "val_g_1_orl is the validation phase's value" in text
    assert "consistent with a term the model computes only in training" in text
    # the other reading, a real validation value of 0, is kept open
    assert "Should it instead measure the validation predictions" in text
    assert "training-only" not in text
