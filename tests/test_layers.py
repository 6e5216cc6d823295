"""FusedBatchNormalization against Keras's BatchNormalization: the same outputs, gradients and
moving statistics in training, the same layer in inference, and a config that round-trips."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

from unetdiag.training.layers import FusedBatchNormalization

SHAPE = (4, 6, 5, 3)

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _pair(dtype_policy: str = "float32", **options):
    """A Keras layer and a fused one with the same (non-trivial) weights, built."""
    layers = [cls(momentum=0.9, dtype=dtype_policy, **options)
              for cls in (keras.layers.BatchNormalization, FusedBatchNormalization)]
    rng = np.random.default_rng(1)
    weights = None
    for layer in layers:
        layer.build(SHAPE)
        if weights is None:
            weights = [rng.normal(1.0, 0.5, w.shape).astype("float32") for w in
                       layer.get_weights()]
            weights[3] = np.abs(weights[3])  # a moving variance is positive
        layer.set_weights(weights)
    return layers


def _inputs(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(3.0, 2.0, SHAPE).astype("float32")


def _train_step(layer, x):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        # not linear in y: a linear loss has zero input and gamma gradients by construction
        loss = tf.reduce_sum(tf.cast(y, tf.float32) ** 2 * tf.range(1.0, 1.0 + y.shape[-1]))
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    return y, grads


@pytest.mark.parametrize(("policy", "tolerance"), [("float32", 1e-5),
                                                    ("mixed_bfloat16", 2e-2)])
def test_training_matches_keras_outputs_gradients_and_moving_statistics(policy, tolerance):
    keras_layer, fused = _pair(policy)
    x = _inputs()
    (y_keras, grads_keras), (y_fused, grads_fused) = (_train_step(layer, x)
                                                      for layer in (keras_layer, fused))
    assert y_fused.dtype == y_keras.dtype
    np.testing.assert_allclose(np.float32(y_fused), np.float32(y_keras), atol=tolerance)
    # The input's gradient is per element; the weights' are sums over the batch and both
    # image axes, whose rounding grows with the square root of the terms summed.
    summed = x.size // x.shape[-1]
    for index, (fused_grad, keras_grad) in enumerate(zip(grads_fused, grads_keras,
                                                         strict=True)):
        scale = 1.0 if index == 0 else summed ** 0.5
        np.testing.assert_allclose(np.float32(fused_grad), np.float32(keras_grad),
                                   rtol=tolerance * scale, atol=tolerance * 10 * scale)
    for name in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(getattr(fused, name).numpy(),
                                   getattr(keras_layer, name).numpy(), rtol=1e-5, atol=1e-6)


def test_inference_is_keras_inference():
    keras_layer, fused = _pair()
    x = _inputs(3)
    np.testing.assert_array_equal(fused(x, training=False).numpy(),
                                  keras_layer(x, training=False).numpy())


def test_frozen_layer_updates_no_statistics():
    _keras_layer, fused = _pair()
    fused.trainable = False
    before = [w.numpy().copy() for w in fused.weights]
    fused(_inputs(), training=True)
    for old, new in zip(before, fused.weights, strict=True):
        np.testing.assert_array_equal(old, new.numpy())


def test_config_round_trips_and_a_saved_model_reloads(tmp_path):
    layer = FusedBatchNormalization(momentum=0.9, epsilon=1e-3, name="bn")
    clone = FusedBatchNormalization.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    inputs = keras.Input(SHAPE[1:])
    model = keras.Model(inputs, FusedBatchNormalization(momentum=0.9)(inputs))
    model(_inputs(), training=True)  # moves the statistics away from their start
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded.layers[-1], FusedBatchNormalization)
    np.testing.assert_array_equal(loaded.predict(_inputs(4), verbose=0),
                                  model.predict(_inputs(4), verbose=0))


def test_an_epsilon_below_cudnns_floor_trains_as_keras_does():
    """Below 1.001e-5 (where cuDNN would raise it) the layer keeps Keras's epsilon."""
    keras_layer, fused = _pair(epsilon=1e-7)
    x = _inputs(5) * 1e-3  # a variance of about 4e-6: an epsilon raised to 1e-5 would show
    assert not fused._fusable(x, None) and _pair()[1]._fusable(x, None)
    np.testing.assert_allclose(fused(x, training=True).numpy(),
                               keras_layer(x, training=True).numpy(), atol=1e-5)
