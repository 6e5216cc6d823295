"""Layouts and claims of the fourteenth pass over public Keras logs (docs/real-logs.md, pass 14)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

# fabiodimarco/tf-levenberg-marquardt#18: a custom train_step printing a training loss of
# 0.0000e+00 from epoch 2 while r_square moves
LM18 = "".join(
    f"Epoch {i}/760\n8/8 [==============================] - 1s 112ms/step - damping_factor: "
    f"1.0000e-10 - attempts: 1.0000 - loss: {loss} - r_square: {r2} - val_loss: {val} - "
    f"val_r_square: {val_r2}\n\n"
    for i, (loss, r2, val, val_r2) in enumerate((
        ("2.8319e-06", "-130.5820", "2.5453e-06", "-106.8921"),
        ("0.0000e+00", "-106.5525", "2.0733e-06", "-86.5898"),
        ("0.0000e+00", "-86.2367", "1.6919e-06", "-71.4224")), start=1))


def _ids(report) -> set[str]:
    return {f.id for f in report.findings}


def test_a_training_loss_of_exactly_0_beside_a_low_r2_is_no_measurement(tmp_path: Path):
    log = tmp_path / "lm.log"
    log.write_text(LM18)
    report = explain_log(log)
    [claim] = [f for f in report.findings if f.id == "saturation.training_loss_not_measured"]
    assert claim.evidence["epochs"] == [2, 3]
    assert claim.evidence["metrics"]["r_square"]["value"] == -86.2367
    assert "exactly 0 at epochs 2-3" in report.headline
    assert "no measurement" in report.summary["runs"][0]["verdict"]


def test_no_zero_loss_claim_where_0_may_be_rounded_or_is_by_design(tmp_path: Path):
    log = tmp_path / "lm.log"
    # Keras 2.2 printed four decimals: a loss of 4e-5 shows 0.0000 beside a negative R²
    rounded = LM18.replace("2.8319e-06", "0.0001").replace("0.0000e+00", "0.0000")
    rounded = rounded.replace("1.0000e-10", "0.0000")
    for name in ("2.5453e-06", "2.0733e-06", "1.6919e-06"):
        rounded = rounded.replace(name, "0.0000")
    log.write_text(rounded)
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    # a loss that goes negative (-R² or -Dice by design) is 0 without a perfect fit
    log.write_text(LM18.replace("2.8319e-06", "-2.8319e-06"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    # an R² near 1 agrees with a loss of 0; an accuracy is no R² (soft targets)
    log.write_text(LM18.replace("-106.5525", "0.9990").replace("-86.2367", "0.9995"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
    log.write_text(LM18.replace("r_square", "accuracy"))
    assert "saturation.training_loss_not_measured" not in _ids(explain_log(log))
