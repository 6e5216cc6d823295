"""Mixed precision: the losses and metrics under ``mixed_float16`` / ``mixed_bfloat16``
policies and on float16 / bfloat16 inputs.

Two properties per value, both stated in docs/property-tests.md:

1. No error of its own: on low-precision inputs every loss and metric equals the float64
   NumPy value of exactly the values it received (cast back to float32), to float32
   tolerance. Summing in float16 instead would miss this by ~1e-3 and overflow past 65504.
2. Input rounding only: with binary masks the soft Dice on rounded predictions stays within
   :func:`_rounding_bound` of the float32 Dice: per pool, with unit roundoff ``u``
   (2**-11 float16, 2**-8 bfloat16) and ``eta`` the absolute error of float16's subnormals
   (2**-25; 0 for bfloat16, whose range is float32's),
   ``|dD| <= (2(u I + eta T) + D (u P + eta M)) / (T + P + s_d - u P - eta M)``.

Every test restores the global dtype policy it changed.
"""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    LOW_PRECISION_DTYPES,
    dice_configs,
    logit_batches,
    segmentation_batches,
    tensorflow_settings,
)

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import SEED_DICE, DiceConfig
from unetdiag.training.losses import (
    DiceLoss,
    HardDice,
    HardIoU,
    SoftDiceMetric,
    bce_loss,
)

FLOAT32_REL = 1e-5
FLOAT32_ABS = 1e-6
#: Relative rounding error of one value (round to nearest) and absolute error of a float16
#: subnormal; bfloat16 has float32's exponent range, so its small values stay relative.
UNIT_ROUNDOFF = {"float16": 2.0**-11, "bfloat16": 2.0**-8}
SUBNORMAL_ERROR = {"float16": 2.0**-25, "bfloat16": 0.0}
FLOAT16_MAX = float(np.finfo(np.float16).max)
#: A policy, or None for float32 computation with low-precision inputs only.
POLICIES = (None, "mixed_float16", "mixed_bfloat16")


@contextlib.contextmanager
def global_policy(name: str | None):
    """Run under a Keras global dtype policy (None: leave it) and always restore it."""
    previous = keras.mixed_precision.global_policy()
    if name is not None:
        keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _value(tensor) -> float:
    return float(np.asarray(tensor))


def _received(array: np.ndarray, dtype: str) -> tuple[tf.Tensor, np.ndarray]:
    """The array cast to ``dtype`` (what a low-precision layer hands on), and those values
    as float32 NumPy (what the loss computes with)."""
    low = tf.cast(tf.constant(array[..., None], tf.float32), dtype)
    return low, tf.cast(low, tf.float32).numpy()[..., 0]


def _rounding_bound(y_true, y_pred, config: DiceConfig, dtype: str) -> float:
    """How far input rounding alone can move the soft Dice of binary masks (module doc)."""
    u, eta = UNIT_ROUNDOFF[dtype], SUBNORMAL_ERROR[dtype]
    intersection, sum_true, sum_pred, pixels = dice.overlap_sums(y_true, y_pred)
    if config.reduction == "batch":
        intersection, sum_true, sum_pred, pixels = (np.sum(a, keepdims=True) for a in (
            intersection, sum_true, sum_pred, pixels))
    denominator = sum_true + sum_pred + config.smooth_denominator
    ratio = (2 * intersection + config.smooth_numerator) / denominator
    numerator_error = 2 * (u * intersection + eta * sum_true)
    denominator_error = u * sum_pred + eta * pixels
    bounds = ((numerator_error + ratio * denominator_error)
              / np.maximum(denominator - denominator_error, config.smooth_denominator))
    return float(np.mean(bounds))


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(), config=dice_configs(float32=True),
       dtype=st.sampled_from(LOW_PRECISION_DTYPES), policy=st.sampled_from(POLICIES))
@example(batch=(np.ones((2, 256, 256)), np.full((2, 256, 256), 0.75, np.float32)),
         config=SEED_DICE, dtype="float16", policy="mixed_float16")  # sums past 65504
def test_low_precision_inputs_lose_only_their_own_rounding(batch, config, dtype, policy):
    y_true, y_pred = batch
    true_low, seen_true = _received(y_true, dtype)
    pred_low, seen_pred = _received(y_pred, dtype)
    with global_policy(policy):
        loss = DiceLoss.from_dice_config(config)
        metrics = {"soft_dice": SoftDiceMetric(config), "hard_dice": HardDice(empty="one"),
                   "hard_iou": HardIoU(empty="one")}
        value = _value(loss(true_low, pred_low))
        for metric in metrics.values():
            metric.update_state(true_low, pred_low)
        results = {name: _value(metric.result()) for name, metric in metrics.items()}
    assert loss.dtype == "float32"
    assert all(variable.dtype == "float32" for metric in metrics.values()
               for variable in metric.variables)
    assert np.isfinite(value) and all(np.isfinite(list(results.values())))

    # 1. no error of its own
    expected = {"soft_dice": dice.soft_dice(seen_true, seen_pred, config),
                "hard_dice": dice.hard_dice(seen_true, seen_pred, empty="one"),
                "hard_iou": dice.hard_iou(seen_true, seen_pred, empty="one")}
    assert 1 - value == pytest.approx(expected["soft_dice"], rel=FLOAT32_REL, abs=FLOAT32_ABS)
    for name, result in results.items():
        assert result == pytest.approx(expected[name], rel=FLOAT32_REL, abs=FLOAT32_ABS), name

    # 2. within the stated rounding tolerance of float32 inputs
    float32_dice = dice.soft_dice(y_true, y_pred, config)
    tolerance = _rounding_bound(y_true, y_pred, config, dtype) + FLOAT32_REL * float32_dice
    assert abs((1 - value) - float32_dice) <= tolerance + FLOAT32_ABS


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(), config=dice_configs(float32=True),
       dtype=st.sampled_from(LOW_PRECISION_DTYPES))
def test_gradient_into_low_precision_predictions_overflows_only_past_float16_range(
        batch, config, dtype):
    """The Dice loss is differentiated in float32; the gradient handed back to a float16
    prediction is finite whenever the float32 bound fits float16 (with margin for the
    prediction's own rounding), i.e. not for SEED_DICE-like smoothing on near-empty batches
    (up to 2.5e5). bfloat16 has float32's range: always finite."""
    y_true, y_pred = batch
    prediction = tf.Variable(tf.cast(y_pred[..., None], dtype))
    with tf.GradientTape() as tape:
        value = DiceLoss.from_dice_config(config)(y_true[..., None], prediction)
    gradient = tape.gradient(value, prediction)
    assert gradient.dtype == dtype
    seen_pred = tf.cast(prediction, tf.float32).numpy()[..., 0]
    bound = dice.dice_loss_gradient_max(*dice.overlap_sums(y_true, seen_pred)[:3], config)
    if dtype == "bfloat16" or bound <= FLOAT16_MAX / 2:
        assert np.isfinite(tf.cast(gradient, tf.float32).numpy()).all()


@tensorflow_settings(share=2)
@given(batch=logit_batches(), policy=st.sampled_from(POLICIES[1:]))
def test_bce_under_mixed_policies_is_finite_on_both_paths(batch, policy):
    """Under a mixed policy with a float32 output (unetdiag's model), BCE keeps the exact
    logits path; with a low-precision output (sigmoid computed in float16/bfloat16) the cast
    to float32 drops the logits and Keras clips the probabilities it received: still finite,
    and exactly Keras's clipped cross-entropy of those values."""
    y_true, logits = batch[0].astype(np.float32)[..., None], batch[1][..., None]
    with global_policy(policy):
        compute_dtype = keras.mixed_precision.global_policy().compute_dtype
        loss = bce_loss()
        float32_output = keras.activations.sigmoid(tf.constant(logits))
        low_output = keras.activations.sigmoid(tf.cast(logits, compute_dtype))
        exact = _value(loss(y_true, float32_output))
        clipped = _value(loss(y_true, low_output))
    z = logits.astype(np.float64)
    assert exact == pytest.approx(float(np.mean(np.logaddexp(0.0, z) - y_true * z)),
                                  rel=FLOAT32_REL, abs=FLOAT32_ABS)
    received = np.clip(tf.cast(low_output, tf.float32).numpy(), np.float32(1e-7),
                       np.float32(1 - 1e-7)).astype(np.float64)
    reference = -np.mean(y_true * np.log(received) + (1 - y_true) * np.log1p(-received))
    assert np.isfinite(clipped)
    assert clipped == pytest.approx(reference, rel=FLOAT32_REL, abs=FLOAT32_ABS)
