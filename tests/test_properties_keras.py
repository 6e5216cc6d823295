"""Properties of the Keras losses and metrics (unetdiag.training.losses), float32 inputs.

The NumPy definitions in unetdiag.diag.core.dice are the reference (their own properties are in
test_properties_numpy.py), evaluated in float64 on exactly the float32 values Keras sees;
binary cross-entropy (plain, focal and foreground-weighted) is held to float64 NumPy
formulas. Gradients (Dice and BCE) are in test_properties_gradients.py, float16/bfloat16 in
test_properties_precision.py.

Tolerances: Keras sums at most a few hundred float32 values, so a ratio of sums agrees with
float64 to ``FLOAT32_REL`` and a difference such as ``1 - Dice`` to ``FLOAT32_ABS``.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import (
    FLOAT32_TINY,
    dice_configs,
    empty_rules,
    image_shapes,
    in_layout,
    layouts_for,
    logit_batches,
    segmentation_batches,
    tensorflow_settings,
    thresholds,
)

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import KERAS_DICE
from unetdiag.training.losses import (
    DiceLoss,
    FocalBinaryCrossentropy,
    HardDice,
    HardIoU,
    PredictedPositiveFraction,
    SoftDiceMetric,
    WeightedBinaryCrossentropy,
    bce_loss,
    build_loss,
)
from unetdiag.training.overlap import soft_dice_ratios

FLOAT32_REL = 1e-5
FLOAT32_ABS = 1e-6
#: float32's unit roundoff, and how many roundings of ``z t`` the BCE error may collect.
FLOAT32_UNIT_ROUNDOFF = 2.0**-24
CANCELLATION_FACTOR = 4
#: Keras's fuzz factor (``keras.backend.epsilon()``): BCE clips probabilities to
#: ``[EPSILON, 1 - EPSILON]`` and ``keras.losses.Dice`` adds it to its denominator, as
#: ``KERAS_DICE`` does.
EPSILON = 1e-7
assert KERAS_DICE.smooth_denominator == EPSILON == keras.backend.epsilon()


def _value(tensor) -> float:
    return float(np.asarray(tensor))


def _float32_labels(y_true: np.ndarray) -> np.ndarray:
    """The labels as Keras sees them (soft labels round to float32)."""
    return y_true.astype(np.float32)


# --- Dice loss and soft Dice ---------------------------------------------------------------

@tensorflow_settings(share=2)
@given(batch=segmentation_batches(soft_labels=True), config=dice_configs(float32=True),
       data=st.data())
def test_dice_loss_is_the_numpy_definition_and_one_minus_the_soft_dice_metric(batch, config,
                                                                             data):
    y_true, y_pred = _float32_labels(batch[0]), batch[1]
    true_layout = data.draw(layouts_for(y_true.shape[0]), label="true_layout")
    pred_layout = data.draw(layouts_for(y_true.shape[0]), label="pred_layout")
    keras_true, keras_pred = in_layout(y_true, true_layout), in_layout(y_pred, pred_layout)

    value = _value(DiceLoss.from_dice_config(config)(keras_true, keras_pred))
    assert np.isfinite(value)
    assert -FLOAT32_ABS <= value <= 1 + FLOAT32_ABS
    expected_dice = dice.soft_dice(y_true, y_pred, config)
    assert 1 - value == pytest.approx(expected_dice, rel=FLOAT32_REL, abs=FLOAT32_ABS)

    metric = SoftDiceMetric(config)
    metric.update_state(keras_true, keras_pred)
    assert _value(metric.result()) == pytest.approx(1 - value, abs=FLOAT32_ABS)
    ratios = np.asarray(soft_dice_ratios(keras_true, keras_pred, config))
    assert ratios.shape == ((y_true.shape[0],) if config.reduction == "per_image" else ())
    assert float(np.mean(ratios)) == pytest.approx(expected_dice, rel=FLOAT32_REL,
                                                   abs=FLOAT32_ABS)


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(soft_labels=True))
def test_keras_own_dice_is_the_keras_convention_pooled_or_per_image(batch):
    """``keras.losses.Dice`` (Keras 3: ``1 - 2 sum(yp) / (sum(y) + sum(p) + epsilon)``) is
    ``KERAS_DICE`` exactly: with ``axis=None`` it pools the batch (``reduction="batch"``), with
    ``axis=(1, 2, 3)`` it forms one value per image and Keras averages them ("per_image")."""
    y_true, y_pred = _float32_labels(batch[0])[..., None], batch[1][..., None]
    pooled = _value(keras.losses.Dice()(y_true, y_pred))
    per_image = _value(keras.losses.Dice(axis=(1, 2, 3))(y_true, y_pred))
    for keras_value, reduction in ((pooled, "batch"), (per_image, "per_image")):
        config = dataclasses.replace(KERAS_DICE, reduction=reduction)
        assert keras_value == pytest.approx(dice.dice_loss(y_true, y_pred, config),
                                            rel=FLOAT32_REL, abs=FLOAT32_ABS)
        assert keras_value == pytest.approx(
            _value(DiceLoss.from_dice_config(config)(y_true, y_pred)), abs=FLOAT32_ABS)


# --- hard metrics --------------------------------------------------------------------------

@tensorflow_settings(share=2)
@given(batch=segmentation_batches(), threshold=thresholds(), empty=empty_rules(),
       data=st.data())
def test_hard_metrics_streamed_over_two_batches_are_the_numpy_value_of_both(
        batch, threshold, empty, data):
    y_true, y_pred = _float32_labels(batch[0]), batch[1]
    images = y_true.shape[0]
    split = data.draw(st.integers(0, images), label="split")
    parts = [(y_true[:split], y_pred[:split]), (y_true[split:], y_pred[split:])]
    parts = [(t[..., None], p[..., None]) for t, p in parts if t.shape[0]]
    cases = [
        (HardDice(threshold, empty), dice.hard_dice(y_true, y_pred, threshold, empty)),
        (HardIoU(threshold, empty), dice.hard_iou(y_true, y_pred, threshold, empty)),
        (PredictedPositiveFraction(threshold), float(np.mean(y_pred > threshold))),
        (keras.metrics.BinaryAccuracy(threshold=threshold),
         dice.pixel_accuracy(y_true, y_pred, threshold)),
    ]
    for metric, expected in cases:
        for part in parts:
            metric.update_state(*part)
        assert _value(metric.result()) == pytest.approx(expected, rel=FLOAT32_REL,
                                                        nan_ok=True), metric.name


# --- binary cross-entropy ------------------------------------------------------------------

def _bce_from_logits(y_true: np.ndarray, logits: np.ndarray) -> float:
    """Mean of ``softplus(z) - t z`` in float64, the exact cross-entropy of sigmoid(z)."""
    z, t = logits.astype(np.float64), y_true.astype(np.float64)
    return float(np.mean(np.logaddexp(0.0, z) - t * z))


def _bce_clipped(y_true: np.ndarray, probabilities: np.ndarray) -> float:
    """Keras's cross-entropy of plain probabilities: clipped to [eps, 1 - eps] in float32."""
    clipped = np.clip(probabilities.astype(np.float32), np.float32(EPSILON),
                      np.float32(1.0 - EPSILON)).astype(np.float64)
    t = y_true.astype(np.float64)
    return float(-np.mean(t * np.log(clipped) + (1 - t) * np.log1p(-clipped)))


@tensorflow_settings(share=2)
@given(batch=logit_batches(soft_labels=True), mask_layout=st.sampled_from(("NHWC", "NHW")))
@example(batch=(np.array([[[0.99999]]]), np.array([[[63.0]]], np.float32)),  # found by "deep"
         mask_layout="NHWC")
def test_bce_of_a_sigmoid_output_is_the_exact_float64_cross_entropy(batch, mask_layout):
    """On a sigmoid's output, ``bce_loss`` takes the logits path: finite and exact for any
    logit, saturated ones (|z| from 17 to 1e30) included, with or without the mask's channel
    axis. Exact means to float32 rounding of ``z t``: with a soft label near 1 the per-pixel
    loss ``max(z, 0) - z t + log1p(exp(-|z|))`` cancels (``63 - 0.99999 * 63``), so the
    absolute error is up to ``u |z|`` per pixel (u = 2**-24); binary labels do not cancel."""
    y_true, logits = _float32_labels(batch[0]), batch[1]
    probabilities = keras.activations.sigmoid(tf.constant(logits[..., None]))
    value = _value(bce_loss()(in_layout(y_true, mask_layout), probabilities))
    assert np.isfinite(value)
    cancellation = CANCELLATION_FACTOR * FLOAT32_UNIT_ROUNDOFF * float(np.mean(np.abs(logits)))
    assert value == pytest.approx(_bce_from_logits(y_true, logits), rel=FLOAT32_REL,
                                  abs=FLOAT32_ABS + cancellation)


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(soft_labels=True))
def test_bce_of_plain_probabilities_is_the_clipped_cross_entropy(batch):
    """Without logits (a plain tensor), predictions at exactly 0 and 1 are clipped to
    ``[1e-7, 1 - 1e-7]``: finite, and never above ``-log(1e-7) ~= 16.1`` per pixel."""
    y_true, y_pred = _float32_labels(batch[0]), batch[1]
    value = _value(bce_loss()(y_true[..., None], y_pred[..., None]))
    assert np.isfinite(value) and 0 <= value <= -np.log(EPSILON) * (1 + FLOAT32_REL)
    assert value == pytest.approx(_bce_clipped(y_true, y_pred), rel=FLOAT32_REL,
                                  abs=FLOAT32_ABS)


# --- focal and foreground-weighted cross-entropy -------------------------------------------

FOCAL_GAMMAS = st.one_of(st.sampled_from((0.0, 1.0, 2.0)), st.floats(0.0, 5.0, width=32))
FOREGROUND_WEIGHTS = st.one_of(st.sampled_from((1.0, 10.0)),
                               st.floats(float(np.float32(0.01)), 100.0, width=32))


def _minus_logs_from_logits(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``-log p`` and ``-log(1 - p)`` of ``p = sigmoid(z)``, exact in float64."""
    z = logits.astype(np.float64)
    return np.logaddexp(0.0, -z), np.logaddexp(0.0, z)


def _minus_logs_clipped(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras's ``-log p`` and ``-log(1 - p)`` of plain probabilities (clipped in float32)."""
    clipped = np.clip(probabilities.astype(np.float32), np.float32(EPSILON),
                      np.float32(1.0 - EPSILON)).astype(np.float64)
    return -np.log(clipped), -np.log1p(-clipped)


def _focal_reference(y_true, probabilities, minus_log_p, minus_log_not_p, gamma) -> float:
    """Mean over images of the mean over pixels of ``(1 - p_t)**gamma * BCE``, float64."""
    t, p = y_true.astype(np.float64), probabilities.astype(np.float64)
    right = t * p + (1 - t) * (1 - p)
    pixels = (1 - right) ** gamma * (t * minus_log_p + (1 - t) * minus_log_not_p)
    return float(pixels.reshape(len(t), -1).mean(axis=1).mean())


def _weighted_reference(y_true, minus_log_p, minus_log_not_p, weight) -> float:
    t = y_true.astype(np.float64)
    pixels = weight * t * minus_log_p + (1 - t) * minus_log_not_p
    return float(pixels.reshape(len(t), -1).mean(axis=1).mean())


@tensorflow_settings(share=2)
@given(batch=logit_batches(soft_labels=True), gamma=FOCAL_GAMMAS, weight=FOREGROUND_WEIGHTS,
       mask_layout=st.sampled_from(("NHWC", "NHW")))
def test_focal_and_weighted_bce_of_a_sigmoid_output_are_the_float64_formulas(batch, gamma,
                                                                            weight, mask_layout):
    """On a sigmoid's output both take the exact logits path (finite for any logit, as
    ``bce_loss``), with or without the mask's channel axis; the focal factor is computed from
    the float32 probabilities Keras holds. Error bound as the BCE property's: float32 rounding
    of ``z t`` (up to ``u |z|`` per pixel, scaled by the weight)."""
    y_true, logits = _float32_labels(batch[0]), batch[1]
    probabilities = keras.activations.sigmoid(tf.constant(logits[..., None]))
    masks = in_layout(y_true, mask_layout)
    focal = _value(FocalBinaryCrossentropy(gamma)(masks, probabilities))
    weighted = _value(WeightedBinaryCrossentropy(weight)(masks, probabilities))
    minus_logs = _minus_logs_from_logits(logits)
    cancellation = CANCELLATION_FACTOR * FLOAT32_UNIT_ROUNDOFF * float(np.mean(np.abs(logits)))
    assert np.isfinite(focal) and np.isfinite(weighted)
    assert focal == pytest.approx(
        _focal_reference(y_true, np.asarray(probabilities)[..., 0], *minus_logs, gamma),
        rel=10 * FLOAT32_REL, abs=FLOAT32_ABS + cancellation)
    assert weighted == pytest.approx(_weighted_reference(y_true, *minus_logs, weight),
                                     rel=FLOAT32_REL, abs=max(weight, 1) * (FLOAT32_ABS
                                                                            + cancellation))


@tensorflow_settings(share=2)
@given(batch=segmentation_batches(soft_labels=True), gamma=FOCAL_GAMMAS,
       weight=FOREGROUND_WEIGHTS)
def test_focal_and_weighted_bce_of_plain_probabilities_are_the_clipped_formulas(batch, gamma,
                                                                               weight):
    """Without logits the probabilities are clipped to ``[1e-7, 1 - 1e-7]`` as in
    ``bce_loss``: finite, and per pixel at most ``-log(1e-7)`` (times the weight)."""
    y_true, y_pred = _float32_labels(batch[0]), batch[1]
    focal = _value(FocalBinaryCrossentropy(gamma)(y_true[..., None], y_pred[..., None]))
    weighted = _value(WeightedBinaryCrossentropy(weight)(y_true[..., None], y_pred[..., None]))
    minus_logs = _minus_logs_clipped(y_pred)
    ceiling = -np.log(EPSILON) * (1 + FLOAT32_REL)
    assert 0 <= focal <= ceiling and 0 <= weighted <= max(weight, 1) * ceiling
    assert focal == pytest.approx(_focal_reference(y_true, y_pred, *minus_logs, gamma),
                                  rel=10 * FLOAT32_REL, abs=FLOAT32_ABS)
    assert weighted == pytest.approx(_weighted_reference(y_true, *minus_logs, weight),
                                     rel=FLOAT32_REL, abs=max(weight, 1) * FLOAT32_ABS)


@tensorflow_settings(share=4)
@given(batch=logit_batches(soft_labels=True))
def test_focal_gamma_zero_and_foreground_weight_one_are_plain_bce(batch):
    y_true, logits = _float32_labels(batch[0])[..., None], batch[1][..., None]
    probabilities = keras.activations.sigmoid(tf.constant(logits))
    plain = _value(bce_loss()(y_true, probabilities))
    for loss in (FocalBinaryCrossentropy(0.0), WeightedBinaryCrossentropy(1.0),
                 build_loss("bce", bce="focal", focal_gamma=0.0)):
        assert _value(loss(y_true, probabilities)) == pytest.approx(plain, rel=FLOAT32_REL,
                                                                     abs=FLOAT32_ABS)


@tensorflow_settings(share=4)
@given(gamma=FOCAL_GAMMAS, weight=FOREGROUND_WEIGHTS,
       reduction=st.sampled_from(("sum_over_batch_size", "sum", None)))
def test_focal_and_weighted_bce_round_trip_through_keras_serialization(gamma, weight,
                                                                       reduction):
    """Registered with Keras: ``serialize`` / ``deserialize`` (what ``model.save`` and
    ``load_model`` use) give the same loss back."""
    for loss, field_name in ((FocalBinaryCrossentropy(gamma, reduction=reduction), "gamma"),
                             (WeightedBinaryCrossentropy(weight, reduction=reduction),
                              "foreground_weight")):
        again = keras.losses.deserialize(keras.losses.serialize(loss))
        assert type(again) is type(loss)
        assert again.get_config() == loss.get_config()
        assert getattr(again, field_name) == getattr(loss, field_name)


@pytest.mark.parametrize("make", [lambda: FocalBinaryCrossentropy(-1.0),
                                  lambda: FocalBinaryCrossentropy(float("nan")),
                                  lambda: WeightedBinaryCrossentropy(0.0),
                                  lambda: WeightedBinaryCrossentropy(float("inf")),
                                  lambda: build_loss("bce", bce="squared")])
def test_focal_and_weighted_bce_refuse_meaningless_parameters(make):
    with pytest.raises(ValueError):
        make()


# --- invalid inputs ------------------------------------------------------------------------

@st.composite
def _mismatched_pairs(draw):
    """(y_true, y_pred) of shapes that do not describe the same pixels."""
    images, height, width = draw(image_shapes(max_images=3, max_side=6))
    kind = draw(st.sampled_from(("transposed", "traded", "other_count", "channels")))
    if kind == "transposed":
        if height == width:
            width += 1
        shapes = (images, height, width, 1), (images, width, height, 1)
    elif kind == "traded":
        shapes = (images * 2, height, width, 1), (images, height * 2, width, 1)
    elif kind == "other_count":
        shapes = (images, height, width, 1), (images + 1, height, width, 1)
    else:
        shapes = (images, height, width, 1), (images, height, width, 3)
    if draw(st.booleans()):
        shapes = shapes[::-1]
    return np.zeros(shapes[0], np.float32), np.full(shapes[1], 0.5, np.float32)


def _metric_value(metric, y_true, y_pred) -> float:
    metric.update_state(y_true, y_pred)
    return _value(metric.result())


@tensorflow_settings(share=4)
@given(pair=_mismatched_pairs())
def test_mismatched_shapes_raise(pair):
    y_true, y_pred = pair
    for compute in (lambda: DiceLoss()(y_true, y_pred),
                    lambda: _metric_value(HardDice(), y_true, y_pred),
                    lambda: _metric_value(HardIoU(), y_true, y_pred),
                    lambda: _metric_value(SoftDiceMetric(), y_true, y_pred)):
        with pytest.raises(ValueError, match="shape mismatch"):
            compute()
    for loss in (bce_loss(), FocalBinaryCrossentropy(), WeightedBinaryCrossentropy()):
        with pytest.raises(ValueError, match="shape"):
            loss(y_true, y_pred)


@tensorflow_settings(share=4)
@given(batch=segmentation_batches(max_images=3, max_side=5), data=st.data())
def test_a_nan_prediction_makes_every_loss_and_metric_nan_for_the_guard(batch, data):
    """The guard (``NonFiniteGuard``) trips on a non-finite batch loss and reports metrics
    that turn NaN; no loss or metric may hide a NaN prediction behind a plausible number
    (thresholding alone would count it as background)."""
    y_true, y_pred = _float32_labels(batch[0])[..., None], batch[1][..., None].copy()
    spots = data.draw(st.lists(st.integers(0, y_pred.size - 1), min_size=1, max_size=3),
                      label="nan_pixels")
    y_pred.flat[spots] = data.draw(st.sampled_from((np.nan, np.inf, -np.inf)), label="value")
    has_nan = np.isnan(y_pred).any()
    values = {
        "dice_loss": _value(DiceLoss()(y_true, y_pred)),
        "bce": _value(bce_loss()(y_true, y_pred)),
        "focal": _value(FocalBinaryCrossentropy()(y_true, y_pred)),
        "weighted": _value(WeightedBinaryCrossentropy(5.0)(y_true, y_pred)),
        "soft_dice": _metric_value(SoftDiceMetric(), y_true, y_pred),
        "hard_dice": _metric_value(HardDice(empty="one"), y_true, y_pred),
        "hard_iou": _metric_value(HardIoU(empty="one"), y_true, y_pred),
        "predicted_positive_fraction": _metric_value(PredictedPositiveFraction(), y_true,
                                                     y_pred),
    }
    for name, value in values.items():
        if name in ("dice_loss", "bce", "focal", "weighted", "soft_dice") and not has_nan:
            continue  # +-Inf is a prediction no sigmoid makes; the hard metrics still refuse it
        assert not np.isfinite(value), name


@tensorflow_settings(share=4)
@given(config=dice_configs(float32=True))
def test_dice_loss_accepts_every_float32_safe_config_and_scores_empty_by_its_rule(config):
    """Any config ``DiceLoss`` accepts gives a finite loss on an empty mask predicted empty:
    ``1 - s_n / s_d`` (0 with equal smoothing, 1 under Keras's convention)."""
    empty = np.zeros((2, 3, 3, 1), np.float32)
    value = _value(DiceLoss.from_dice_config(config)(empty, empty))
    expected = 1 - np.float32(config.smooth_numerator) / np.float32(config.smooth_denominator)
    assert value == pytest.approx(expected, abs=FLOAT32_ABS)


@pytest.mark.parametrize(("numerator", "denominator"), [
    (0.0, FLOAT32_TINY / 2), (0.0, 1e-45), (FLOAT32_TINY / 2, FLOAT32_TINY), (1e-45, 1.0),
    (0.0, 1e39), (1e39, 1e39)])
def test_dice_loss_refuses_smoothing_that_is_not_a_normal_float32(numerator, denominator):
    """Valid for ``DiceConfig`` (float64) but not in float32: below float32's smallest normal
    number TensorFlow on CPU flushes the constant to 0 (an empty mask then scores 0/0 = NaN,
    or 0 instead of ``s_n / s_d``), and above its largest it is Inf."""
    dice.DiceConfig(numerator, denominator)
    with pytest.raises(ValueError, match="float32"):
        DiceLoss(numerator, denominator)
