"""Ignored pixels weigh 0 in every loss and metric: a prediction on them changes nothing, and
each weighted value equals the same quantity computed on the other pixels alone."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.core.dice import DEFAULT_DICE, SEED_DICE, DiceConfig
from unetdiag.training.losses import DiceLoss, bce_loss, build_metrics
from unetdiag.training.pixel_weights import is_pixel_weight, pixel_weighted_mean

PER_IMAGE_DICE = DiceConfig(1.0, 1.0, "per_image")


def _batch(seed: int, images: int, height: int, width: int):
    rng = np.random.default_rng(seed)
    shape = (images, height, width, 1)
    y_true = (rng.random(shape) < 0.4).astype(np.float32)
    weights = (rng.random(shape) < 0.7).astype(np.float32)
    weights.reshape(-1)[0] = 1.0  # at least one counted pixel
    y_pred = rng.random(shape).astype(np.float32)
    elsewhere = np.where(weights > 0, y_pred, rng.random(shape)).astype(np.float32)
    return y_true, y_pred, elsewhere, weights


def _losses():
    return [bce_loss(), DiceLoss.from_dice_config(DEFAULT_DICE),
            DiceLoss.from_dice_config(PER_IMAGE_DICE), DiceLoss.from_dice_config(SEED_DICE)]


def _metric_values(y_true, y_pred, weights) -> dict[str, float]:
    values = {}
    for metric in build_metrics():
        metric.update_state(y_true, y_pred, sample_weight=weights)
        values[metric.name] = float(metric.result())
    return values


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), images=st.integers(1, 3), height=st.integers(2, 7),
       width=st.integers(2, 7))
def test_a_prediction_on_ignored_pixels_changes_no_loss_and_no_metric(seed, images, height,
                                                                      width):
    y_true, y_pred, elsewhere, weights = _batch(seed, images, height, width)
    for loss in _losses():
        assert float(loss(y_true, y_pred, sample_weight=weights)) == pytest.approx(
            float(loss(y_true, elsewhere, sample_weight=weights)), abs=1e-6), loss.name
    assert _metric_values(y_true, y_pred, weights) == pytest.approx(
        _metric_values(y_true, elsewhere, weights), abs=1e-6, nan_ok=True)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), images=st.integers(1, 3), height=st.integers(2, 7),
       width=st.integers(2, 7))
def test_weighted_values_are_those_of_the_counted_pixels_alone(seed, images, height, width):
    y_true, y_pred, _, weights = _batch(seed, images, height, width)
    counted = weights[..., 0] > 0
    # cross-entropy: the mean over the counted pixels (nnU-Net's ignore label)
    per_pixel = keras.losses.binary_crossentropy(y_true, y_pred).numpy()
    assert float(bce_loss()(y_true, y_pred, sample_weight=weights)) == pytest.approx(
        float(per_pixel[counted].mean()), rel=1e-5)
    # Dice: the Dice of the masks with the ignored pixels taken out
    true_kept, pred_kept = y_true * weights, y_pred * weights
    for config in (DEFAULT_DICE, PER_IMAGE_DICE):
        loss = DiceLoss.from_dice_config(config)
        assert float(loss(y_true, y_pred, sample_weight=weights)) == pytest.approx(
            float(loss(true_kept, pred_kept)), rel=1e-5)
    # accuracy and the predicted-positive fraction: shares of the counted pixels
    metrics = _metric_values(y_true, y_pred, weights)
    correct = (y_pred > 0.5) == (y_true > 0.5)
    assert metrics["accuracy"] == pytest.approx(float(correct[..., 0][counted].mean()),
                                                rel=1e-5)
    shares = [float((y_pred[i, ..., 0] > 0.5)[counted[i]].mean())
              for i in range(images) if counted[i].any()]
    assert metrics["predicted_positive_fraction"] == pytest.approx(float(np.mean(shares)),
                                                                   rel=1e-5)


def test_hard_dice_of_a_fully_ignored_image_follows_the_empty_rule():
    y_true = np.ones((2, 4, 4, 1), np.float32)
    y_pred = np.ones_like(y_true)
    weights = np.ones_like(y_true)
    weights[1] = 0.0  # every pixel of the second image ignored: a 0/0 image, left out
    metric = build_metrics()[1]
    metric.update_state(y_true, y_pred, sample_weight=weights)
    assert float(metric.result()) == 1.0 and float(metric.count) == 1.0


def test_per_image_weights_keep_their_meaning():
    assert not is_pixel_weight(None) and not is_pixel_weight(np.ones(3))
    assert is_pixel_weight(np.ones((3, 4, 4))) and is_pixel_weight(np.ones((3, 4, 4, 1)))
    y_true, y_pred, _, _ = _batch(0, 3, 4, 4)
    loss = DiceLoss.from_dice_config(PER_IMAGE_DICE, name="dice")
    per_image = float(loss(y_true, y_pred, sample_weight=np.array([1.0, 0.0, 1.0])))
    kept = float(loss(y_true[[0, 2]], y_pred[[0, 2]]))
    assert per_image == pytest.approx(kept * 2 / 3, rel=1e-5)  # Keras: sum / images


def test_pixel_weighted_mean_of_nothing_is_zero_not_nan():
    assert float(pixel_weighted_mean(np.ones((1, 2, 2)), np.zeros((1, 2, 2, 1)))) == 0.0


def test_the_trainers_model_weighs_every_metric_by_the_dataset_weights():
    """Compiled as ``unetdiag train`` compiles a variant: wrong labels on ignored pixels
    change neither the loss nor any metric (Keras hands sample weights only to metrics
    compiled as weighted)."""
    from unetdiag.config import VARIANTS, TrainConfig
    from unetdiag.training.variant import compile_variant

    config = TrainConfig(img_size=16, channels=1, base_filters=2, depth=1)
    model = compile_variant(VARIANTS["MP_Tr_BCE"], config, "float32")
    rng = np.random.default_rng(3)
    x = rng.random((8, 16, 16, 1)).astype(np.float32)
    y = (x > 0.5).astype(np.float32)
    weights = np.ones_like(y)
    weights[:, :4] = 0.0
    y_noisy = y.copy()
    y_noisy[:, :4] = 1.0 - y_noisy[:, :4]  # wrong labels, but only where ignored
    clean = tf.data.Dataset.from_tensor_slices((x, y, weights)).batch(4)
    noisy = tf.data.Dataset.from_tensor_slices((x, y_noisy, weights)).batch(4)
    scores = model.evaluate(clean, verbose=0, return_dict=True)
    assert set(scores) >= {"loss", "accuracy", "dice", "iou", "seed_dice"}
    assert scores == pytest.approx(model.evaluate(noisy, verbose=0, return_dict=True))
