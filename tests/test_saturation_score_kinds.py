"""Which logged name is which score: a loss named after Dice that is -Dice, thresholds and
per-class scores, top-k accuracies, a BCE+Dice loss logged as a metric, percentages."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def _text(findings):
    return " ".join(f"{f.title} {f.explanation} {f.fix}" for f in findings)


# a nuclei notebook: loss = jaccard_distance_loss, metric dice_coef_loss = -Dice
NEGATED_DICE = {"loss": [0.0498, 0.0544], "binary_crossentropy": [0.5469, 0.6017],
                "dice_coef_loss": [-0.8069, -0.8101], "val_loss": [0.0293, 0.0267],
                "val_binary_crossentropy": [0.2758, 0.2244],
                "val_dice_coef_loss": [-0.8743, -0.8905]}


# ruixiao85/LungNeuralNet: epoch 5 (early stopping), Dice at four thresholds
LUNG = {"epoch": [5], "loss": [0.3738], "jac": [0.3912], "dice": [0.4963],
        "dice_80": [0.5343], "dice_60": [0.5198], "dice_40": [0.5475], "dice_20": [0.6669],
        "val_loss": [0.345], "val_jac": [0.4207], "val_dice": [0.5381], "val_dice_80": [0.4973],
        "val_dice_60": [0.4244], "val_dice_40": [0.5337], "val_dice_20": [0.7958]}


# class 1 overfits (0.50 -> 0.92 vs 0.45 -> 0.52) while class 2 validates higher
PER_CLASS = {
    "loss": [0.6 - 0.02 * i for i in range(15)],
    "dice_1": [0.50 + 0.03 * i for i in range(15)],
    "dice_2": [0.40 + 0.008 * i for i in range(15)],
    "val_loss": [0.6 - 0.012 * i for i in range(15)],
    "val_dice_1": [0.45 + 0.005 * i for i in range(15)],
    "val_dice_2": [0.50 + 0.009 * i for i in range(15)]}


# bce - dice: -0.20 to -0.65 while the logged Dice is 0.55 to 0.82, so the loss is not -Dice
BCE_MINUS_DICE = {
    "bce_dice_loss": [-0.20 - 0.05 * i for i in range(10)],
    "dice_coef": [0.55 + 0.03 * i for i in range(10)],
    "val_bce_dice_loss": [-0.12 - 0.043 * i for i in range(10)],
    "val_dice_coef": [0.50 + 0.025 * i for i in range(10)]}


def _closing_bar(**values: float) -> str:
    shown = " - ".join(f"{name}: {value:.4f}" for name, value in values.items())
    return f"20/20 [==============================] - 3s 150ms/step - {shown}\n"


def _epochs(total: int, rows: dict[int, dict[str, float]]) -> str:
    return "".join(f"Epoch {epoch}/{total}\n" + _closing_bar(**values)
                   for epoch, values in rows.items())


REVIEW = Path(__file__).parent / "data" / "logs" / "review"


def test_a_loss_named_after_dice_within_minus_one_and_zero_is_negated_dice():
    findings = check_series("another", NEGATED_DICE)
    assert _found(findings, "saturation.negative_loss") == []
    [negated] = _found(findings, "saturation.negative_loss_scores_in_range")
    assert negated.evidence["negated_score"] is True
    assert negated.severity.value == "info"
    assert "0.8743 to 0.8905" in negated.explanation
    assert "No Dice" not in _text(findings) and "0-255 masks" not in _text(findings)
    # below -1 it is label evidence again
    broken = dict(NEGATED_DICE, dice_coef_loss=[-1.6, -1.9])
    assert _found(check_series("run", broken), "saturation.negative_loss")
    # and so is a Dice above 1 beside it: 1 - Dice with labels above 1 fits as well
    above = dict(NEGATED_DICE, dice_coef=[1.8069, 1.8101])
    assert not _found(check_series("run", above), "saturation.negative_loss_scores_in_range")


def test_a_loss_named_after_dice_is_not_minus_dice_when_the_logged_dice_says_otherwise():
    findings = check_series("run 1", BCE_MINUS_DICE)
    [negative] = _found(findings, "saturation.negative_loss_scores_in_range")
    assert negative.evidence.get("negated_score") is not True
    assert "negated back" not in _text([negative])
    # without a logged Dice, the name rule still reads it as -Dice
    alone = {name: values for name, values in BCE_MINUS_DICE.items() if "loss" in name}
    [negative] = _found(check_series("run 1", alone), "saturation.negative_loss_scores_in_range")
    assert negative.evidence.get("negated_score") is True


def test_thresholds_of_one_score_that_disagree_in_direction_make_no_warning():
    [gap] = _found(check_series("run", LUNG), "saturation.train_val_gap")
    assert gap.severity.value == "info"
    assert gap.evidence["mixed"] == {"dice": {"training_above": ["dice_60"],
                                              "validation_above": ["dice", "dice_20"]}}
    assert "no consistent gap" in gap.explanation and "disagree at" not in gap.title
    # all thresholds higher in training: a gap, a warning
    agreeing = dict(LUNG, val_dice=[0.40], val_dice_20=[0.55])
    [gap] = _found(check_series("run", agreeing), "saturation.train_val_gap")
    assert gap.severity.value == "warning" and "mixed" not in gap.evidence


def test_per_class_scores_are_not_thresholds_of_one_score():
    [gap] = _found(check_series("run 1", PER_CLASS), "saturation.train_val_gap")
    assert gap.severity.value == "warning" and "mixed" not in gap.evidence
    assert "threshold" not in _text([gap])


def test_numbered_scores_are_thresholds_only_with_the_plain_score_and_multiples_of_five():
    from unetdiag.diag.checks.saturation.series import _threshold_families
    assert _threshold_families(["dice", "dice_20", "dice_60"]) == {
        "dice": ["dice", "dice_20", "dice_60"]}
    assert _threshold_families(["dice", "dice_1", "dice_2"]) == {}
    assert _threshold_families(["dice_20", "dice_60"]) == {}  # no plain dice beside them
    assert _threshold_families(["dice", "dice_20", "dice_3"]) == {}
    assert _threshold_families(["dice@0.5", "dice@0.7"]) == {"dice": ["dice@0.5", "dice@0.7"]}


def test_a_top_k_accuracy_at_one_is_no_flat_metric(tmp_path: Path):
    # Keras's top5 at 1.0000 every epoch while the loss falls
    log = tmp_path / "top5.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, "top5": 1.0,
                                   "val_loss": 0.85 - 0.1 * i, "val_top5": 1.0}
                               for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.flat_metric" not in {f.id for f in report.findings}
    assert "never moved" not in report.headline


@pytest.mark.parametrize(("names", "said"), [
    # a top-k accuracy, and a Dice loss, are a classifier's or a segmenter's
    (("loss", "top_k_categorical_accuracy", "val_loss"), "top_k_categorical_accuracy"),
    (("dice_loss", "loss", "val_loss"), "smoothing term"),
])
def test_a_top_k_accuracy_or_a_dice_loss_is_a_named_score(
        tmp_path: Path, names: tuple[str, ...], said: str):
    log = tmp_path / "nan.log"
    log.write_text("".join(
        f"Epoch {i}/5\n413/413 [==============================] - 1s 2ms/step - "
        + " - ".join(f"{name}: {'0.5000' if 'top_k' in name else 'nan'}" for name in names)
        + "\n" for i in range(1, 4)))
    report = explain_log(log)
    [nan] = [f for f in report.findings if f.id == "saturation.non_finite"]
    assert "names no score" not in nan.explanation
    assert said in nan.explanation + nan.fix


@pytest.mark.parametrize("name", ["TopKCategoricalAccuracy", "top-5-accuracy", "Top5Accuracy"])
def test_a_top_k_accuracy_is_known_by_its_other_spellings(tmp_path: Path, name: str):
    # Keras 3's class name (and a hyphenated one) at 1.0000 was 'every
    # validation prediction right'
    log = tmp_path / "top_k.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, name: 1.0, "val_loss": 0.85 - 0.1 * i,
                                   f"val_{name}": 1.0} for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.perfect_accuracy" not in {f.id for f in report.findings}


def test_a_top_k_accuracy_at_one_is_no_perfect_accuracy():
    # inspirehep/magpie#183: top_k_categorical_accuracy 1.0000 from epoch 1 (k = 5): the true
    # class among the 5 likeliest, which a few-class problem gives from the start
    history = {"loss": [0.63, 0.55, 0.50, 0.47], "top_k_categorical_accuracy": [1.0] * 4,
               "val_loss": [0.55, 0.46, 0.43, 0.42],
               "val_top_k_categorical_accuracy": [1.0] * 4}
    found = {f.id for f in check_series("run 1", history)}
    assert "saturation.perfect_accuracy" not in found
    assert "saturation.perfect_training_accuracy" not in found


def test_a_bce_plus_dice_loss_logged_as_a_metric_is_a_loss():
    # metrics=[dice_coef, bce_dice] (bce_dice = BCE + 1 - Dice, as Keras
    # snippets define it) logs 'bce_dice: 1.1000', which was a Dice above 1, an error:
    # "labels or predictions outside [0, 1]"
    report = explain_log(REVIEW / "c49_bce_dice_loss_as_metric.log")
    assert "saturation.dice_above_one" not in {f.id for f in report.findings}
    assert "outside [0, 1]" not in report.headline


def test_an_accuracy_between_1_and_100_is_offered_as_a_percentage():
    # zhixuhao's log with acc 91.40 ... 96.91 was "consistent with a
    # metric computed wrongly" only; every value lies in [0, 100], 100 times a plausible
    # accuracy: a metric or print in percent, the commonest cause, was not named
    report = explain_log(REVIEW / "c71_accuracy_printed_in_percent_91p40.log")
    [claim] = [f for f in report.findings if f.id == "saturation.metric_out_of_range"]
    assert claim.evidence["consistent_with"] == ["metric_in_percent", "metric_computed_wrongly"]
    assert "consistent with an accuracy in percent (every value lies in [0, 100]" \
        in claim.explanation
    assert "an accuracy in percent" in report.headline
    assert "Divide a metric reported in percent by 100" in report.headline
