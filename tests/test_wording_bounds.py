"""Bounds worded as percentages stay true: "at least" rounds down, "at most" up."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.wording.text import percent, percent_at_least, percent_at_most


def _value(words: str) -> float:
    return float(words.removesuffix(" %")) / 100


@settings(max_examples=500, deadline=None)
@given(st.floats(1e-6, 1.0))
def test_a_lower_bound_is_never_said_above_itself_nor_an_upper_one_below(fraction):
    assert _value(percent_at_least(fraction)) <= fraction * (1 + 1e-12)
    assert _value(percent_at_most(fraction)) >= fraction * (1 - 1e-12)
    # and neither moves further than the three digits percent() shows
    assert abs(_value(percent_at_least(fraction)) - fraction) <= 0.01 * fraction
    assert abs(_value(percent_at_most(fraction)) - fraction) <= 0.01 * fraction


def test_values_percent_shows_exactly_are_said_as_percent_says_them():
    for fraction in (0.995, 0.968, 0.5, 0.027, 1.0):
        assert percent_at_least(fraction) == percent(fraction) == percent_at_most(fraction)
