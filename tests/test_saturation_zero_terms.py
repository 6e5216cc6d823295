"""Terms at 0 in one phase only: validation terms 0 by construction (computed in training only)
are still the validation phase's values and no constant prediction; a validation recall of 0
is a measurement."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# edwardyehuang/CAR's published log: epochs 1-6 and 27-30 of 30; CAR's class-aware terms are
# computed in training only and print 0.0000e+00 in validation
CAR = {
    "epoch": [1, 2, 3, 4, 5, 6, 27, 28, 29, 30],
    "loss": [1.6655, 1.2855, 1.1142, 0.9693, 0.8921, 0.818, 0.4733, 0.4702, 0.4685, 0.4658],
    "IOU": [0.3119, 0.4477, 0.5215, 0.5906, 0.6356, 0.6836, 0.877, 0.8803, 0.8797, 0.8788],
    "g_1_orl": [0.6554, 0.5738, 0.5141, 0.464, 0.4408, 0.4125, 0.2761, 0.2753, 0.2736, 0.2724],
    "g_1_sal": [0.0152, 0.0128, 0.0143, 0.015, 0.0151, 0.0155, 0.0126, 0.0125, 0.0126, 0.0124],
    "val_loss": [1.4782, 1.2229, 1.0256, 0.8007, 0.7731, 0.7768, 0.6834, 0.685, 0.6866, 0.6831],
    "val_IOU": [0.2176, 0.2529, 0.3231, 0.3954, 0.4109, 0.417, 0.5039, 0.5039, 0.5048, 0.505],
    "val_g_1_orl": [0.0] * 10, "val_g_1_sal": [0.0] * 10}


# a model that predicts no foreground on the validation set
RECALL_ZERO = {
    "loss": [0.5 - 0.03 * i for i in range(12)],
    "recall": [0.2 + 0.05 * i for i in range(12)],
    "precision": [0.3 + 0.04 * i for i in range(12)],
    "val_loss": [0.3 + 0.001 * i for i in range(12)],
    "val_recall": [0.0] * 12, "val_precision": [0.0] * 12}


def test_validation_terms_zero_by_construction_are_no_constant_predictions():
    findings = check_series("run 1", CAR)
    [flat] = _found(findings, "saturation.flat_metric")
    assert flat.severity.value == "info"
    data = flat.evidence["metrics"]["val_g_1_orl"]
    assert data["training_only"] == [0.6554, 0.2724]
    assert data["scores_moving"] == {"val_IOU": [0.2176, 0.505]}
    text = _text([flat])
    assert "same class everywhere" not in text and "reached a plateau" not in text
    assert "only in training" in text and "val_IOU between 0.2176 and 0.505" in text


def test_a_flat_validation_loss_beside_a_moving_score_is_still_no_warning_of_constancy():
    # a term that is not 0 but flat, beside a moving validation IoU: the predictions change
    history = dict(CAR, val_g_1_orl=[0.25] * 10, val_g_1_sal=[0.01] * 10)
    [flat] = _found(check_series("run 1", history), "saturation.flat_metric")
    assert flat.severity.value == "info"
    assert "same class everywhere" not in _text([flat])


def test_a_validation_recall_of_zero_is_no_training_only_term():
    [flat] = _found(check_series("run 1", RECALL_ZERO), "saturation.flat_metric")
    assert flat.severity.value == "warning"
    assert not any(m.get("training_only") for m in flat.evidence["metrics"].values())
    assert "only in training" not in _text([flat])


def test_a_zero_term_is_training_only_only_beside_a_measured_validation_score():
    # an unknown name at 0, but nothing else measures the validation predictions
    unmeasured = {"loss": [0.5 - 0.03 * i for i in range(12)],
                  "aux": [0.6 - 0.02 * i for i in range(12)],
                  "val_loss": [0.3 + 0.001 * i for i in range(12)], "val_aux": [0.0] * 12}
    [flat] = _found(check_series("run 1", unmeasured), "saturation.flat_metric")
    assert flat.severity.value == "warning" and "only in training" not in _text([flat])
    measured = dict(unmeasured, dice=[0.5 + 0.02 * i for i in range(12)],
                    val_dice=[0.4 + 0.02 * i for i in range(12)])
    [flat] = _found(check_series("run 1", measured), "saturation.flat_metric")
    assert flat.evidence["metrics"]["val_aux"]["training_only"] == [0.6, 0.6 - 0.02 * 11]
