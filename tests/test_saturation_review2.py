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


# class 1 overfits (0.50 -> 0.92 vs 0.45 -> 0.52) while class 2 validates higher
PER_CLASS = {
    "loss": [0.6 - 0.02 * i for i in range(15)],
    "dice_1": [0.50 + 0.03 * i for i in range(15)],
    "dice_2": [0.40 + 0.008 * i for i in range(15)],
    "val_loss": [0.6 - 0.012 * i for i in range(15)],
    "val_dice_1": [0.45 + 0.005 * i for i in range(15)],
    "val_dice_2": [0.50 + 0.009 * i for i in range(15)]}


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


# bce - dice: -0.20 to -0.65 while the logged Dice is 0.55 to 0.82, so the loss is not -Dice
BCE_MINUS_DICE = {
    "bce_dice_loss": [-0.20 - 0.05 * i for i in range(10)],
    "dice_coef": [0.55 + 0.03 * i for i in range(10)],
    "val_bce_dice_loss": [-0.12 - 0.043 * i for i in range(10)],
    "val_dice_coef": [0.50 + 0.025 * i for i in range(10)]}


def test_a_loss_named_after_dice_is_not_minus_dice_when_the_logged_dice_says_otherwise():
    findings = check_series("run 1", BCE_MINUS_DICE)
    [negative] = _found(findings, "saturation.negative_loss_scores_in_range")
    assert negative.evidence.get("negated_score") is not True
    assert "negated back" not in _text([negative])
    # without a logged Dice, the name rule still reads it as -Dice
    alone = {name: values for name, values in BCE_MINUS_DICE.items() if "loss" in name}
    [negative] = _found(check_series("run 1", alone), "saturation.negative_loss_scores_in_range")
    assert negative.evidence.get("negated_score") is True


def test_a_nan_accuracy_is_hedged_and_names_nan_sample_weights():
    history = {"loss": [0.5, 0.4, 0.3, 0.2], "accuracy": [0.7, 0.8, float("nan"), float("nan")]}
    text = _text(_found(check_series("run 1", history), "saturation.non_finite"))
    assert "consistent with a NaN from the computation itself" in text
    assert "sample weights" in text and "returned NaN" not in text
