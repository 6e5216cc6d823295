"""Every reader carries how precisely its log printed each value (``RunLog.printed_half_units``),
not only the Keras console and Markdown readers: a tqdm bar prints three significant digits
and a custom loop its own format, and a bound computed from their values with Keras's four
decimals claims more than the prints admit (issue 14)."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from unetdiag.diag.logs.custom_loop import custom_loop_epochs
from unetdiag.diag.logs.explain import explain_runs
from unetdiag.diag.logs.read import parse_log_text
from unetdiag.diag.logs.tqdm_bar import epoch_bars, three_digit_half_unit

ALL_ONES = "saturation.all_ones_predictor"
LOSSES = ("0.0312", "0.0251", "0.0203")


def _all_ones(text: str):
    report = explain_runs(parse_log_text(text, Path("precision.log")))
    return [finding for finding in report.findings if finding.id == ALL_ONES]


def _tqdm_log(accuracy: str, dice: str) -> str:
    return "".join(f"{epoch}/3 [00:0{epoch}<00:00, 1.03epoch/s, loss={loss}, acc={accuracy}, "
                   f"dice_coef={dice}, val_loss={loss}, val_acc={accuracy}, "
                   f"val_dice_coef={dice}]\n" for epoch, loss in enumerate(LOSSES, start=1))


def _loop_log(accuracy: str, dice: str) -> str:
    return "".join(f"Epoch {epoch}, Loss: {loss}, Accuracy: {accuracy}, Dice: {dice}, "
                   f"Val Loss: {loss}, Val Accuracy: {accuracy}, Val Dice: {dice}\n"
                   for epoch, loss in enumerate(LOSSES, start=1))


def test_a_tqdm_bar_s_three_digits_bound_the_all_ones_fraction_by_their_own_rounding():
    # acc=0.996 stands for 0.9955-0.9965 and dice=0.998 for d >= 0.9975 (tqdm's {:.3g}):
    # TP = d(1-a)/(2(1-d)) >= 0.9975 * 0.0035 / 0.005 = 0.698, not the 96.1 % that
    # four-decimal prints (the loss's 0.0312) would give
    [finding] = _all_ones(_tqdm_log("0.996", "0.998"))
    assert "(at least 69.8 % foreground in the validation data)" in finding.title
    assert "four-decimal" not in finding.explanation
    assert finding.evidence["phases"]["validation"]["printed_half_units"] == {
        "accuracy": 0.0005, "dice": 0.0005}


def test_a_custom_loop_printing_three_decimals_is_told_from_one_printing_four():
    # the same values printed 0.996 and 0.9960: only the print says how far they may lie
    # (a in 0.9955-0.9965, d >= 0.99795: TP >= 0.99795 * 0.0035 / 0.0041 = 0.852)
    three = _all_ones(_loop_log("0.996", "0.9980"))[0].title
    four = _all_ones(_loop_log("0.9960", "0.9980"))[0].title
    assert "(at least 85.1 % foreground in the validation data)" in three
    assert "(at least 96.1 % foreground in the validation data)" in four


def test_a_custom_loop_s_last_print_per_metric_and_its_percent_names():
    # the loss printed whole (print(f"Loss: {loss}"), repr): its 0.5 is exactly 0.5, not
    # 0.45-0.55, and it is left out; each other metric's last print bounds its own rounding
    # (0.71 beside 0.8123 is a format dropping zeros, not a two-decimal 0.8123)
    [run] = custom_loop_epochs("Epoch 1, Loss: 0.6931471805599453, Accuracy: 80.5, Dice: 0.71\n"
                               "Epoch 2, Loss: 0.5, Accuracy: 90.25, Dice: 0.8123\n")
    assert run.printed_half_units == {"accuracy_percent": 0.005, "dice": 5e-05}


def test_tqdm_bar_half_units_are_the_widest_over_the_drawn_epochs():
    [run] = epoch_bars("1/2 [00:01<00:01, 1.03epoch/s, loss=0.000977, acc=1]\n"
                       "2/2 [00:02<00:00, 1.03epoch/s, loss=0.5, acc=0.999]\n")
    assert run.printed_half_units == {"loss": 0.0005, "acc": 0.005}


def _tqdm_format(value: float) -> str:
    """What tqdm's ``format_num`` writes for a float: ``{:.3g}`` with the exponent's leading
    zero dropped, or ``str(value)`` where that is shorter (tqdm/std.py)."""
    short = f"{value:.3g}".replace("+0", "+").replace("-0", "-")
    return short if len(short) < len(str(value)) else str(value)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: v != 0))
def test_the_value_behind_a_tqdm_print_lies_within_its_half_unit(value):
    printed = _tqdm_format(value)
    assert abs(value - float(printed)) <= three_digit_half_unit(printed) * (1 + 1e-9)


def test_nothing_is_lost_for_exact_prints():
    assert three_digit_half_unit("0") == 0.0
    assert math.isclose(three_digit_half_unit("1234.5"), 0.05)


def test_a_csv_written_rounded_bounds_by_each_column_s_decimals_and_csvlogger_s_by_none():
    # a table written by hand (or float_format): acc 0.996 beside a four-decimal loss stands
    # for 0.9955-0.9965, as in the tqdm test above (at least 69.8 %, not 96.1 %)
    from unetdiag.diag.logs.tabular import parse_csv
    header = "epoch,loss,acc,dice_coef,val_loss,val_acc,val_dice_coef\n"
    rows = "".join(f"{epoch},{loss},0.996,0.998,{loss},0.996,0.998\n"
                   for epoch, loss in enumerate(LOSSES))
    report = explain_runs(parse_csv(header + rows))
    [finding] = [f for f in report.findings if f.id == ALL_ONES]
    assert "(at least 69.8 % foreground in the validation data)" in finding.title
    # CSVLogger writes repr: one float written whole says its 1.0 and 0.5 are exact
    [run] = parse_csv("epoch,loss,acc\n0,0.6931471805599453,0.5\n1,0.5,1.0\n")
    assert run.printed_half_units == {}
