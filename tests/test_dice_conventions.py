"""The empty-mask rules are the conventions they are named after.

nnU-Net scores an image NaN when TP + FP + FN = 0 (reference and prediction both empty) and
averages the rest; MONAI's ``DiceMetric`` scores NaN for every image whose reference is empty
(``ignore_empty=True``, its default: false positives on empty images never count), or 1 when
both are empty (``ignore_empty=False``). The references below transcribe those rules per
image; unetdiag's rules must agree with them on any batch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.core import dice

ROWS = st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))  # TP, FP, FN


def _nanmean(scores: list[float]) -> float:
    kept = [s for s in scores if not math.isnan(s)]
    return float(np.mean(kept)) if kept else math.nan


def nnunet_dice(tp: int, fp: int, fn: int) -> float:
    """nnU-Net's evaluation: NaN when there is nothing to count."""
    return math.nan if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def monai_dice(tp: int, fp: int, fn: int, ignore_empty: bool) -> float:
    """MONAI's ``DiceHelper.compute_channel``."""
    reference = tp + fn
    if reference > 0:
        return 2 * tp / (reference + tp + fp)
    if ignore_empty:
        return math.nan
    return 1.0 if tp + fp == 0 else 0.0


def _sums(rows):
    tp, fp, fn = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    return tp, tp + fn, tp + fp  # intersection, sum_true, sum_pred


@settings(max_examples=200, deadline=None)
@given(st.lists(ROWS, min_size=1, max_size=8), st.data())
def test_each_rule_is_the_convention_it_is_named_after(rows, data):
    # empty references and empty predictions are what the rules are about: make them common
    rows = [(0, fp, 0) if data.draw(st.booleans()) else (tp, fp, fn) for tp, fp, fn in rows]
    intersection, sum_true, sum_pred = _sums(rows)
    expected = {
        "exclude": _nanmean([nnunet_dice(*row) for row in rows]),
        "exclude_empty_reference": _nanmean([monai_dice(*row, True) for row in rows]),
        "one": _nanmean([monai_dice(*row, False) for row in rows]),
    }
    for rule, value in expected.items():
        got = dice.hard_dice_from_sums(intersection, sum_true, sum_pred, rule)
        assert got == pytest.approx(value, nan_ok=True), rule


def test_a_false_positive_on_an_empty_mask_counts_for_nnunet_not_for_monai():
    # image 0: empty reference, 5 pixels predicted; image 1: 3 of 4 right, none extra
    intersection, sum_true, sum_pred = _sums([(0, 5, 0), (3, 0, 1)])
    assert dice.hard_dice_from_sums(intersection, sum_true, sum_pred, "exclude") == \
        pytest.approx((0 + 6 / 7) / 2)
    assert dice.hard_dice_from_sums(intersection, sum_true, sum_pred,
                                    "exclude_empty_reference") == pytest.approx(6 / 7)
    assert dice.hard_iou_from_sums(intersection, sum_true, sum_pred,
                                   "exclude_empty_reference") == pytest.approx(3 / 4)
    assert set(dice.EMPTY_RULES) == {"exclude", "one", "zero", "exclude_empty_reference"}
    with pytest.raises(ValueError, match="empty must be one of"):
        dice.hard_dice_from_sums(intersection, sum_true, sum_pred, "monai")


def test_trivial_baselines_under_monai_rule_ignore_the_empty_masks():
    """Predicting nothing scores 0 on every mask with foreground; the empty masks, which the
    0/0 rule would leave out only when predicted empty too, MONAI's rule always leaves out."""
    scores = dice.trivial_baselines([0, 0, 40], [100, 100, 100],
                                    empty="exclude_empty_reference")
    assert scores["all_zeros"].hard_dice == 0.0
    assert scores["all_ones"].hard_dice == pytest.approx(2 * 40 / 140)
    assert dice.trivial_baselines([0, 0, 40], [100, 100, 100],
                                  empty="exclude")["all_ones"].hard_dice == pytest.approx(
        (0 + 0 + 2 * 40 / 140) / 3)
