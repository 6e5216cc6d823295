"""The metric-series checks on the shapes of the tenth pass over public Keras logs
(docs/real-logs.md, pass 10): a perfect accuracy of a run that logs no Dice or IoU (perhaps a
classifier, whose accuracy counts samples), a Dice below 0.5 in both phases for a whole run,
and validation terms at 0 that are still the validation phase's values."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


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
