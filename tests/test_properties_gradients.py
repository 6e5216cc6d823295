"""Gradients of the Keras losses, by autodiff (``tf.GradientTape``), on every valid input.

The Dice loss gradient is held to the documented bound
:func:`unetdiag.diag.core.dice.dice_loss_gradient_max` (computed in float64 from the sums), which
must both hold and be reached: a background pixel's gradient is ``num / den**2``, a
foreground pixel's ``-(2 den - num) / den**2``. BCE through a sigmoid is held to
``(sigmoid(z) - t) / pixels``.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from scipy.special import expit
from strategies import (
    FLOAT32_TINY,
    dice_configs,
    logit_batches,
    segmentation_batches,
    tensorflow_settings,
)

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DEFAULT_DICE, KERAS_DICE, SEED_DICE, DiceConfig
from unetdiag.training.losses import DiceLoss, bce_loss

#: float32 autodiff against the float64 bound: a few roundings of sums and two divisions.
GRADIENT_REL = 1e-4
FLOAT32_REL = 1e-5


def _dice_loss_gradient(config: DiceConfig, y_true: np.ndarray, y_pred: np.ndarray):
    """``d DiceLoss / d y_pred`` for ``(N, H, W)`` arrays, by autodiff, as ``(N, H, W)``."""
    prediction = tf.Variable(y_pred[..., None])
    with tf.GradientTape() as tape:
        value = DiceLoss.from_dice_config(config)(y_true[..., None], prediction)
    gradient = tape.gradient(value, prediction)
    assert gradient is not None, "the loss does not depend on the prediction"
    return gradient.numpy()[..., 0]


def _bound_is_reached(y_true: np.ndarray, config: DiceConfig) -> bool:
    """Whether the bound is attained rather than only an upper bound: with binary labels the
    foreground term is reached wherever a mask has foreground; the background term needs a
    background pixel (in the batch when pooled, in every image per image)."""
    if not np.isin(y_true, (0.0, 1.0)).all():
        return False
    background = (y_true.reshape(y_true.shape[0], -1) == 0).any(axis=1)
    return bool(background.any() if config.reduction == "batch" else background.all())


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(soft_labels=True), config=dice_configs(float32=True))
@example(batch=(np.zeros((4, 8, 8)), np.full((4, 8, 8), 1e-6 / 256, np.float32)),
         config=SEED_DICE)  # the notes' table: empty masks, P = 1e-6 -> 2.5e5
@example(batch=(np.zeros((1, 3, 3)), np.zeros((1, 3, 3), np.float32)),
         config=DiceConfig(FLOAT32_TINY, FLOAT32_TINY, "batch"))  # 1/s_d near float32's max
def test_dice_loss_gradient_is_finite_and_reaches_the_documented_bound(batch, config):
    y_true, y_pred = batch[0].astype(np.float32), batch[1]
    gradient = _dice_loss_gradient(config, y_true, y_pred)
    assert np.isfinite(gradient).all()
    intersection, sum_true, sum_pred, _ = dice.overlap_sums(y_true, y_pred)
    bound = dice.dice_loss_gradient_max(intersection, sum_true, sum_pred, config)
    largest = float(np.abs(gradient).max())
    assert largest <= bound * (1 + GRADIENT_REL)
    if _bound_is_reached(y_true, config):
        assert largest == pytest.approx(bound, rel=GRADIENT_REL)


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(), config=dice_configs(float32=True))
def test_dice_loss_gradient_pushes_foreground_up_and_background_down(batch, config):
    """With binary labels, raising a foreground pixel's probability never raises the loss and
    raising a background pixel's never lowers it (``2 den > num`` as ``s_n <= s_d``)."""
    y_true, y_pred = batch[0].astype(np.float32), batch[1]
    gradient = _dice_loss_gradient(config, y_true, y_pred)
    assert (gradient[y_true == 1] <= 0).all()
    assert (gradient[y_true == 0] >= 0).all()


@pytest.mark.parametrize(("config", "prediction_sum", "expected"), [
    (SEED_DICE, 1e-6, 2.5e5), (SEED_DICE, 1e-4, 98.0), (DEFAULT_DICE, 1.0, 0.25),
    (DEFAULT_DICE, 1e-6, 1.0), (KERAS_DICE, 1e-2, 0.0)])
def test_empty_mask_gradient_follows_the_notes_table(config, prediction_sum, expected):
    """keras-numerics.md: an empty 64x64 mask whose prediction sums to P has per-pixel
    gradient ``s / (P + s)**2``; autodiff and the documented bound agree with the table."""
    y_true = np.zeros((1, 64, 64), np.float32)
    y_pred = np.full((1, 64, 64), prediction_sum / 64**2, np.float32)
    gradient = _dice_loss_gradient(config, y_true, y_pred)
    bound = dice.dice_loss_gradient_max([0.0], [0.0], [prediction_sum], config)
    assert bound == pytest.approx(expected, rel=0.02)
    assert float(np.abs(gradient).max()) == pytest.approx(bound, rel=1e-3, abs=1e-12)


@tensorflow_settings(share=2)
@given(batch=logit_batches(soft_labels=True))
def test_bce_gradient_through_the_sigmoid_is_finite_bounded_and_exact(batch):
    """``d BCE / d z = (sigmoid(z) - t) / pixels``: finite, at most ``1 / pixels``, for any z
    (the logits path; a clipped probability would give 0 past |z| ~ 16)."""
    y_true, logits = batch[0].astype(np.float32), batch[1]
    pixels = y_true.size
    variable = tf.Variable(logits[..., None])
    with tf.GradientTape() as tape:
        value = bce_loss()(y_true[..., None], keras.activations.sigmoid(variable))
    gradient = tape.gradient(value, variable).numpy()[..., 0]
    assert np.isfinite(gradient).all()
    assert np.abs(gradient).max() <= (1 + FLOAT32_REL) / pixels
    expected = (expit(logits.astype(np.float64)) - y_true) / pixels
    np.testing.assert_allclose(gradient, expected, rtol=FLOAT32_REL, atol=1e-6 / pixels)
