"""What a short log, or one without validation, still shows (docs/real-logs.md, pass 11): a
Dice at 0.0000 at each of the one or two epochs logged, a training accuracy of 1.0000 with no
validation accuracy, and a log that ends on a bare ``Epoch i/N`` header."""


from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_runs
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
