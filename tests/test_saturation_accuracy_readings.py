"""Accuracies that say little of the masks: a perfect accuracy (of pixels or of samples), a
frozen accuracy, and a loss at the class prior."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.checks.saturation.ids import CLASS_PRIOR_LOSS
from unetdiag.diag.logs.explain import explain_log, explain_runs
from unetdiag.diag.logs.model import RunLog


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _report(history, numbers=()):
    names = list(history)
    epochs = [{n: history[n][i] for n in names} for i in range(len(history[names[0]]))]
    return explain_runs([RunLog("run 1", epochs, [None] * len(epochs), "test",
                                epoch_numbers=list(numbers))])


# keras-team/keras#2396: two outputs; labelsA are all zeros, so predA_acc reaches 1.0000
PR2396 = {"loss": [0.2797, 0.2546], "predA_acc": [0.9780, 1.0], "predA_loss": [0.0237, 0.0013],
          "predB_acc": [0.4760, 0.5170]}


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# a sign-language README (Keras 3, Dense(5) softmax over sequences): val_accuracy 1.0000 from
# epoch 7 on; the author measured 60 % on real data (epochs 5-12 of 50)
SIGNS = {"accuracy": [0.9243, 0.9349, 0.9665, 0.9991, 1.0, 1.0, 1.0, 1.0],
         "loss": [0.2195, 0.2003, 0.1006, 0.0181, 0.0021, 0.0013, 0.0010, 0.0009],
         "val_accuracy": [0.8310, 0.9401, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
         "val_loss": [0.3268, 0.1420, 0.0177, 0.0033, 0.0008, 0.0004, 0.0002, 0.0001]}


# keras-team/keras#12513: a VAE whose loss fell 2 % in epoch 2 and then froze
VAE = "".join(f"Epoch {i}/15\n265199/265199 [==============================] - 11s 43us/step - "
              f"loss: {loss} - acc: {acc} - val_loss: {val} - val_acc: 0.3275\n"
              for i, (loss, acc, val) in enumerate(
                  [("4.6721", "0.3227", "4.6551"), ("4.5683", "0.3287", "4.6553"),
                   ("4.5684", "0.3287", "4.6560"), ("4.5682", "0.3287", "4.6550"),
                   ("4.5683", "0.3287", "4.6564")], start=1))


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


def _words(report) -> str:
    return " ".join([report.headline] + [f"{f.title} {f.explanation}" for f in report.findings])


def test_a_training_accuracy_of_one_without_validation_is_named_with_its_readings():
    report = _report(PR2396)
    [perfect] = _found(report.findings, "saturation.perfect_training_accuracy")
    assert perfect.severity.value == "info"
    assert perfect.evidence["metrics"]["predA_acc"]["epoch"] == 2
    assert perfect.evidence["metrics"]["predA_acc"]["others"] == {"predB_acc": 0.517}
    assert "one class" in perfect.explanation and "cannot tell" in perfect.explanation
    assert "leak" not in perfect.explanation
    assert not _found(report.findings, "saturation.perfect_accuracy")
    assert "predA_acc is 1.0000 at epoch 2" in report.headline


def test_no_training_only_perfect_accuracy_when_validation_accuracy_is_logged_or_below_one():
    with_val = dict(PR2396, val_predA_acc=[0.97, 0.98])
    assert not _found(check_series("r", with_val), "saturation.perfect_training_accuracy")
    below = dict(PR2396, predA_acc=[0.978, 0.9994])
    assert not _found(check_series("r", below), "saturation.perfect_training_accuracy")


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


def test_a_frozen_validation_accuracy_with_a_barely_moving_loss_is_consistent_with_no_learning(
        tmp_path: Path):
    log = tmp_path / "vae.log"
    log.write_text(VAE)
    headline = explain_log(log).headline
    assert "val_acc never moved" in headline
    assert "consistent with a model that learned nothing" in headline
    assert "from the images" not in headline


def test_a_frozen_accuracy_read_as_a_constant_predictor_names_samples_too():
    # autokeras#928 is a structured-data classifier: its labels are samples, not pixels
    from unetdiag.diag.checks.saturation.checks import check_series
    frozen = {"loss": [2.5186] * 3, "accuracy": [0.8347] * 3, "val_loss": [2.2202] * 3,
              "val_accuracy": [0.8560] * 3}
    flat = next(f for f in check_series("run 1", frozen) if f.id == "saturation.flat_metric")
    assert "validation pixels (or samples, for a classifier)" in flat.explanation
    # 'foreground' means nothing to a classifier of many classes
    assert "predicting one class everywhere scores if 85.6" in flat.explanation


def test_a_frozen_accuracy_beside_a_rising_dice_is_not_learning_nothing():
    # val_accuracy 0.50 flat, val_dice_coef 0.81 -> 0.85 (less than the
    # 0.05 the flat finding's own "moved meanwhile" needs), val_loss 0.69 -> 0.67 (3 %)
    report = explain_log(REVIEW / "c61_val_accuracy_frozen_val_dice_rises.log")
    assert "learned nothing" not in report.headline
    assert ("val_accuracy never moved across epochs, while val_dice_coef rose from 0.8100 to "
            "0.8500 over the same epochs: the predictions changed in a way accuracy does not "
            "count") in report.headline


def test_a_moving_validation_dice_refutes_the_class_prior():
    # val_loss 0.3251 = H(0.1) and val_accuracy 0.9000 at every epoch, but
    # val_dice_coef 0.21 -> 0.46: a model that outputs the prior at every pixel scores one
    # soft Dice on fixed validation data, so neither "outputs the class prior" nor "learned
    # nothing" is true
    report = explain_log(REVIEW / "c60_class_prior_loss_while_val_dice_rises.log")
    assert CLASS_PRIOR_LOSS not in {f.id for f in report.findings}
    assert "class prior" not in report.headline
    assert "learned nothing" not in report.headline
    assert "val_dice_coef rose from 0.2100 to 0.4600" in report.headline


def test_a_loss_at_the_class_prior_is_said_as_the_range_it_prints(tmp_path):
    # rezazad68/BCDU-Net#1: val_loss 0.3562, 0.3562, 0.3561, 0.3562, 0.3563 beside a frozen
    # val_acc 0.8855 was "val_loss is 0.3563 at every one of the 5 epochs"
    line = ("160000/160000 [==============================] - 10087s 63ms/step - loss: {} - "
            "acc: 0.8929 - val_loss: {} - val_acc: 0.8855\n")
    pairs = [("0.3565", "0.3562"), ("0.3405", "0.3562"), ("0.3405", "0.3561"),
             ("0.3405", "0.3562"), ("0.3405", "0.3563")]
    text = "".join(f"Epoch {n}/50\n" + line.format(*pair) for n, pair in enumerate(pairs, 1))
    report = _explain(tmp_path, text)
    words = _words(report)
    assert "saturation.class_prior_loss" in {f.id for f in report.findings}
    assert "0.3561-0.3563" in report.headline
    assert "val_loss is 0.3563 at every one" not in words
    assert "val_loss 0.3563 equals" not in words
