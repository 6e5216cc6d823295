"""The NumPy Dice maths on hand-computed values (property tests live in test_properties_*)."""

import math

import numpy as np
import pytest

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DiceConfig


def test_soft_dice_hand_computed_batch_and_per_image():
    # image 0: t = 1 1 0 0, p = 1 0 0 0 -> I=1, T=2, P=1
    # image 1: t = 0 0 0 0, p = 0 0 0 0 -> I=0, T=0, P=0
    y_true = np.array([[[1, 1], [0, 0]], [[0, 0], [0, 0]]], dtype=float)
    y_pred = np.array([[[1, 0], [0, 0]], [[0, 0], [0, 0]]], dtype=float)
    batch = DiceConfig(1.0, 1.0, "batch")
    assert dice.soft_dice(y_true, y_pred, batch) == pytest.approx((2 * 1 + 1) / (2 + 1 + 1))
    per_image = DiceConfig(1.0, 1.0, "per_image")
    # image 0: 3/4; image 1 (empty, predicted empty): 1/1
    assert dice.soft_dice(y_true, y_pred, per_image) == pytest.approx((0.75 + 1.0) / 2)
    # without numerator smoothing an empty image predicted empty scores 0 (Keras's convention)
    keras_like = DiceConfig(0.0, 1e-7, "per_image")
    assert dice.soft_dice(y_true, y_pred, keras_like) == pytest.approx((2 / 3 + 0.0) / 2, 1e-6)


def test_invalid_configs_are_refused():
    with pytest.raises(ValueError, match="0/0"):
        DiceConfig(1.0, 0.0)
    with pytest.raises(ValueError):
        DiceConfig(-1.0, 1.0)
    with pytest.raises(ValueError):
        DiceConfig(1.0, 1.0, "pixel")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shape mismatch"):
        dice.soft_dice(np.zeros((1, 4, 4)), np.zeros((1, 4, 5)))


def test_hard_metrics_empty_rules():
    y_true = np.array([[[1, 1], [0, 0]], [[0, 0], [0, 0]]])
    y_pred = np.array([[[0.9, 0.2], [0.1, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    # image 0: hard p = 1 0 0 0 -> Dice 2/3, IoU 1/2; image 1 is 0/0
    assert dice.hard_dice(y_true, y_pred, empty="exclude") == pytest.approx(2 / 3)
    assert dice.hard_dice(y_true, y_pred, empty="one") == pytest.approx((2 / 3 + 1) / 2)
    assert dice.hard_dice(y_true, y_pred, empty="zero") == pytest.approx(1 / 3)
    assert dice.hard_iou(y_true, y_pred, empty="exclude") == pytest.approx(0.5)
    assert math.isnan(dice.hard_dice(y_true[1:], y_pred[1:], empty="exclude"))
    assert dice.pixel_accuracy(y_true, y_pred) == pytest.approx(7 / 8)


def test_all_ones_identity_reproduces_the_seed_log():
    # The original project's val_accuracy 0.9950 and val_dice 0.9975
    assert dice.all_ones_dice(0.995) == pytest.approx(0.9975, abs=5e-5)
    masks = np.ones((4, 20, 20))
    masks[:, 0, :2] = 0  # 2 of 400 pixels background: f = 0.995
    counts = masks.reshape(4, -1).sum(1)
    scores = dice.trivial_baselines(counts, np.full(4, 400.0), dice.SEED_DICE)["all_ones"]
    assert scores.accuracy == pytest.approx(0.995)
    assert scores.hard_dice == pytest.approx(dice.all_ones_dice(0.995))
    assert scores.soft_dice == pytest.approx(dice.all_ones_dice(0.995), abs=1e-9)
    assert scores.hard_iou == pytest.approx(0.995)


def test_trivial_baselines_match_scoring_constant_predictions():
    rng = np.random.default_rng(0)
    masks = (rng.random((6, 8, 8)) < rng.random((6, 1, 1)) * 0.3).astype(float)
    masks[2] = 0  # one empty mask
    counts = masks.reshape(6, -1).sum(1)
    for config in (dice.DEFAULT_DICE, dice.SEED_DICE, dice.MONAI_DICE):
        scores = dice.trivial_baselines(counts, np.full(6, 64.0), config)
        for name, constant in (("all_zeros", 0.0), ("all_ones", 1.0)):
            prediction = np.full_like(masks, constant)
            expected = dice.soft_dice(masks, prediction, config)
            assert scores[name].soft_dice == pytest.approx(expected)
            assert scores[name].accuracy == pytest.approx(dice.pixel_accuracy(masks, prediction))
    zeros = dice.trivial_baselines(counts, np.full(6, 64.0))["all_zeros"]
    assert zeros.hard_dice == 0.0 and zeros.hard_iou == 0.0


def test_smoothing_share_and_gradient_bound_follow_the_notes_table():
    # Empty 64x64 mask, prediction summing to P: per-pixel gradient s / (P + s)^2.
    for smoothing, total, expected in ((1e-6, 1e-6, 2.5e5), (1e-6, 1e-4, 98.0), (1.0, 1.0, 0.25)):
        config = DiceConfig(smoothing, smoothing, "batch")
        gradient = dice.dice_loss_gradient_max([0.0], [0.0], [total], config)
        assert gradient == pytest.approx(expected, rel=0.02)
    # the smoothing is the whole value of an empty image predicted empty
    assert dice.smoothing_share([0.0], [0.0], [0.0], DiceConfig(1.0, 1.0)) == pytest.approx(1.0)
    # and negligible on a large object
    assert dice.smoothing_share([500.0], [1000.0], [1000.0], DiceConfig(1.0, 1.0)) < 1e-3
