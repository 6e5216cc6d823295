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
