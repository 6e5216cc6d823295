"""The second review of session 25's explain-log work: per-class scores are no thresholds of
one score, a validation recall of 0 is a measurement, a gap that keeps its sign is a gap, a
loss is -Dice only when the logged Dice agrees, Markdown tables counting from 0, and the
wording of the parse notes and of a NaN accuracy."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


def test_a_nan_accuracy_is_hedged_and_names_nan_sample_weights():
    history = {"loss": [0.5, 0.4, 0.3, 0.2], "accuracy": [0.7, 0.8, float("nan"), float("nan")]}
    text = _text(_found(check_series("run 1", history), "saturation.non_finite"))
    assert "consistent with a NaN from the computation itself" in text
    assert "sample weights" in text and "returned NaN" not in text
