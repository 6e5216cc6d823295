"""The metric-series checks on the shapes of the ninth pass over public Keras logs
(docs/real-logs.md, pass 9): validation terms that are 0 by construction, a -Dice metric,
a NaN only a metric shows, thresholds of one score that disagree, and series whose
epoch-to-epoch swing is as large as the gap or rise read from them."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


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
