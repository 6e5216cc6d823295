"""A value printed with fewer decimals than the rest of its line (``acc: 99.5%``, read as
0.995: any accuracy in 0.9945-0.9955) bounds the all-ones fingerprint's foreground fraction
with its own rounding, not with the four-decimal Dice's beside it (review s32, finding 1)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation.thresholds import SATURATION_TOLERANCE
from unetdiag.diag.logs.explain import explain_runs
from unetdiag.diag.logs.read import parse_log_text

BAR = "100/100 [==============================] - 12s 120ms/step"
ALL_ONES = "saturation.all_ones_predictor"


def _log(accuracy: str, dice: str, epochs: int = 3, loss_decimals: int = 4) -> str:
    lines = []
    for epoch in range(1, epochs + 1):
        loss = f"{0.03 - 0.005 * epoch:.{loss_decimals}f}"
        lines += [f"Epoch {epoch}/{epochs}",
                  f"{BAR} - loss: {loss} - acc: {accuracy} - dice_coef: {dice} - "
                  f"val_loss: {loss} - val_acc: {accuracy} - val_dice_coef: {dice}"]
    return "\n".join(lines) + "\n"


def _all_ones(text: str):
    report = explain_runs(parse_log_text(text, Path("percent.log")))
    return [finding for finding in report.findings if finding.id == ALL_ONES]


def test_a_one_decimal_percentage_beside_four_decimal_dice_bounds_f_by_its_own_rounding():
    # the review's input: 99.5% stands for a in [0.9945, 0.9955], 0.9975 for d >= 0.99745:
    # TP = d(1-a)/(2(1-d)) >= 0.99745 * 0.0045 / 0.0051 = 0.880, not the 96.8 % of a 0.9950
    [finding] = _all_ones(_log("99.5%", "0.9975"))
    assert "(at least 88 % foreground in the validation data)" in finding.title
    assert "96.8" not in finding.title + finding.explanation
    assert "four-decimal" not in finding.explanation
    phase = finding.evidence["phases"]["validation"]
    least = 0.99745 * (1 - 0.9955) / (2 * (1 - 0.99745))
    assert abs(phase["foreground_fraction_at_least"] - least) < 1e-9
    assert abs(phase["true_negative_share_at_most"] - (0.9955 - least)) < 1e-9
    assert phase["printed_half_units"] == {"accuracy": 0.0005}


def test_a_two_decimal_percentage_keeps_the_four_decimal_allowance():
    # 99.50% is as precise as 0.9950: the bound the four-decimal prints give, 96.8 %
    [finding] = _all_ones(_log("99.50%", "0.9975"))
    assert "(at least 96.8 % foreground in the validation data)" in finding.title


def test_a_percentage_says_nothing_of_the_decimals_of_the_values_beside_it():
    # 99.61% is read as 0.9961, four decimals, but the Dice and losses print three: 0.998
    # stands for d >= 0.9975, so TP >= 0.9975 * 0.00385 / 0.005 = 0.768, not the 0.937 of
    # a Dice printed to four decimals (d >= 0.99795)
    text = "".join(f"Epoch {epoch}/3\n{BAR} - loss: {loss} - acc: 99.61% - dice_coef: 0.998 - "
                   f"val_loss: {loss} - val_acc: 99.61% - val_dice_coef: 0.998\n"
                   for epoch, loss in ((1, "0.030"), (2, "0.025"), (3, "0.020")))
    [finding] = _all_ones(text)
    assert "(at least 76.8 % foreground in the validation data)" in finding.title


def test_each_print_is_measured_by_its_own_decimals():
    from unetdiag.diag.logs.progress import printed_half_units
    assert printed_half_units([f"{BAR} - loss: 0.0150 - acc: 99.5% - val_acc: 99.50%",
                               " - 11s - loss: 2.8319e-06 - acc: 88 %"]) == {
        "loss": 5e-05, "acc": 0.005, "val_acc": 5e-05}
    assert printed_half_units(["ETA: 0s - dice: 0.998 - iou: 0.99, saving"]) == {
        "dice": 0.0005}


def _true_positives(accuracy: float, dice: float) -> float:
    """The TP share a pooled Dice beside a binary accuracy gives, TN = a - TP (all-ones)."""
    return dice * (1 - accuracy) / (2 * (1 - dice))


@given(accuracy=st.floats(0.95, 0.9995), percent_decimals=st.integers(0, 2),
       dice_decimals=st.integers(3, 4), loss_decimals=st.integers(3, 4),
       dice_offset=st.integers(-3, 3), true_a=st.floats(-1, 1), true_d=st.floats(-1, 1))
def test_the_stated_bound_holds_for_every_pair_of_true_values_behind_the_prints(
        accuracy, percent_decimals, dice_decimals, loss_decimals, dice_offset, true_a, true_d):
    accuracy_print = f"{100 * accuracy:.{percent_decimals}f}%"
    printed_a = float(accuracy_print[:-1]) / 100
    assume(printed_a < 1)
    dice_print = f"{2 * printed_a / (1 + printed_a) + dice_offset * 1e-4:.{dice_decimals}f}"
    printed_d = float(dice_print)
    assume(printed_d + 0.5 * 10.0 ** -dice_decimals < 1)
    found = _all_ones(_log(accuracy_print, dice_print, loss_decimals=loss_decimals))
    assume(found)
    phase = found[0].evidence["phases"]["validation"]
    bound = phase.get("foreground_fraction_at_least", phase["foreground_fraction"])
    # a pair of true values that print as these strings
    a = printed_a + true_a * 0.5 * 10.0 ** -(percent_decimals + 2)
    d = printed_d + true_d * 0.5 * 10.0 ** -dice_decimals
    true_positives = _true_positives(a, d)
    assume(true_positives <= a)  # a confusion matrix has them: TN = a - TP >= 0
    # TP <= f: the bound must not exceed it (a TN within the tolerance counts as 0 by design)
    assert true_positives >= bound - SATURATION_TOLERANCE - 1e-12
    if "true_negative_share_at_most" in phase:
        assert a - true_positives <= phase["true_negative_share_at_most"] + 1e-12
    if "true_negative_share_between" in phase:
        low, high = phase["true_negative_share_between"]
        assert low - 1e-12 <= a - true_positives <= high + 1e-12


@given(accuracy=st.floats(0.9, 0.9995), dice_offset=st.floats(-5e-4, 5e-4),
       accuracy_decimals=st.integers(2, 5), dice_decimals=st.integers(3, 5),
       true_a=st.floats(-1, 1), true_d=st.floats(-1, 1))
def test_the_fit_uses_each_value_s_own_allowance(accuracy, dice_offset, accuracy_decimals,
                                                dice_decimals, true_a, true_d):
    import dataclasses

    from unetdiag.diag.checks.saturation.algebra import constant_fit
    half_a, half_d = 0.5 * 10.0 ** -accuracy_decimals, 0.5 * 10.0 ** -dice_decimals
    printed_a = round(accuracy, accuracy_decimals)
    printed_d = round(2 * printed_a / (1 + printed_a) + dice_offset, dice_decimals)
    assume(0 < printed_a < 1 and printed_d + half_d < 1)
    fit = constant_fit("all_ones", printed_a, printed_d)
    assume(fit is not None and fit.predictor == "all_ones")
    fit = dataclasses.replace(fit, printed_half_units=(("accuracy", half_a), ("dice", half_d)))
    a, d = printed_a + true_a * half_a, printed_d + true_d * half_d
    true_positives = _true_positives(a, d)
    assume(0 <= true_positives <= a <= 1)
    assert true_positives >= fit.true_positive_share_at_least - 1e-12
    low, high = fit.true_negative_share_range
    assert low - 1e-12 <= a - true_positives <= high + 1e-12
    assert a - true_positives <= fit.accuracy + half_a - fit.true_positive_share_at_least + 1e-12


def test_a_markdown_table_column_of_fewer_decimals_is_bounded_by_its_own_rounding():
    # val_dice 0.998 stands for 0.9975-0.9985 beside the four-decimal accuracy 0.9961: TP >=
    # 0.9975 * 0.00385 / 0.005 = 0.768, not the 93.7 % of a Dice taken to four decimals
    table = ("| Epoch | loss | val_loss | val_accuracy | val_dice |\n|---|---|---|---|---|\n"
             + "".join(f"| {epoch} | {loss} | {loss} | 0.9961 | 0.998 |\n"
                       for epoch, loss in ((1, "0.0300"), (2, "0.0250"), (3, "0.0200"))))
    from unetdiag.diag.logs.markdown_table import markdown_epoch_table
    report = explain_runs(markdown_epoch_table(table))
    [finding] = [f for f in report.findings if f.id == ALL_ONES]
    assert "(at least 76.8 % foreground in the validation data)" in finding.title
