"""NaN in a log: a NaN only a metric shows, a NaN accuracy, a NaN loss with no score logged."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


def test_a_nan_only_a_metric_shows_is_the_metrics_not_the_weights():
    # keras#20568: iou NaN, loss 0.0234, at the only step shown
    findings = check_series("run 1", {"iou": [float("nan")], "loss": [0.0234]})
    [nan] = _found(findings, "saturation.non_finite")
    text = _text([nan])
    assert "once the weights are NaN" not in text and "Check the masks" not in text
    assert "the loss stayed finite" in nan.title and "0/0" in text
    # with the loss NaN too, the old reading stays, and a NaN accuracy is said to be odd
    both = check_series("run 1", {"loss": [float("nan")] * 2,
                                  "sparse_categorical_accuracy": [float("nan")] * 2})
    text = _text(_found(both, "saturation.non_finite"))
    assert "once the weights are NaN" in text and "share of counts" in text


def test_a_nan_accuracy_is_hedged_and_names_nan_sample_weights():
    history = {"loss": [0.5, 0.4, 0.3, 0.2], "accuracy": [0.7, 0.8, float("nan"), float("nan")]}
    text = _text(_found(check_series("run 1", history), "saturation.non_finite"))
    assert "consistent with a NaN from the computation itself" in text
    assert "sample weights" in text and "returned NaN" not in text


def test_a_nan_loss_with_no_score_logged_is_not_blamed_on_masks(tmp_path: Path):
    # ageron/handson-ml2#398: a regression's loss NaN from epoch 1, no metric
    log = tmp_path / "nan.log"
    log.write_text("".join(f"Epoch {i}/50\n413/413 [==============================] - 1s "
                           "2ms/step - loss: nan\n" for i in range(1, 5)))
    [nan] = [f for f in explain_log(log).findings if f.id == "saturation.non_finite"]
    text = (nan.explanation + nan.fix).lower()
    assert "mask" not in text and "regressor" in text
