"""FusedAdam against Keras's Adam: the same weights and moments after many steps (to the
float32 rounding of beta_2), one fused op per weight, the same configuration, and the same
update under MirroredStrategy (in a subprocess with two logical CPUs)."""

from __future__ import annotations

import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from unetdiag.config import TrainConfig
from unetdiag.training.optimizers import FusedAdam
from unetdiag.training.variant import make_optimizer

SHAPES = ((3, 3, 2, 4), (4,), (1,))
STEPS = 30


def _gradients(seed: int = 0) -> list[list[np.ndarray]]:
    """Gradients spanning 1e-9 to 10 in size (Adam's epsilon matters at the small end)."""
    rng = np.random.default_rng(seed)
    return [[(rng.normal(size=shape) * 10.0 ** rng.integers(-9, 2)).astype("float32")
             for shape in SHAPES] for _ in range(STEPS)]


def _train(optimizer: keras.optimizers.Optimizer, gradients) -> list[np.ndarray]:
    """Weights, then every optimizer variable, after ``gradients`` applied in a tf.function."""
    rng = np.random.default_rng(1)
    weights = [keras.Variable(rng.normal(size=shape).astype("float32")) for shape in SHAPES]
    optimizer.build(weights)

    @tf.function
    def step(values):
        optimizer.apply_gradients(zip(values, weights, strict=True))

    for values in gradients:
        step([tf.constant(value) for value in values])
    return [w.numpy() for w in weights] + [v.numpy() for v in optimizer.variables]


@pytest.mark.parametrize("options", [{}, {"clipnorm": 1.0},
                                     {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4}])
def test_fused_adam_follows_keras_adam_to_rounding(options):
    gradients = _gradients()
    expected = _train(keras.optimizers.Adam(2e-3, **options), gradients)
    fused = _train(FusedAdam(2e-3, **options), gradients)
    assert len(fused) == len(expected)
    # The kernel forms 1 - beta_2 from float32 beta_2 (0.00099998713 for 0.999), Keras in
    # double (0.001): the second moment differs by 1.3e-5 relative, the weights by less.
    for got, want in zip(fused, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=5e-5, atol=1e-7)


def test_amsgrad_takes_keras_update_exactly():
    gradients = _gradients(2)
    expected = _train(keras.optimizers.Adam(2e-3, amsgrad=True), gradients)
    fused = _train(FusedAdam(2e-3, amsgrad=True), gradients)
    for got, want in zip(fused, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_each_weight_updates_in_one_fused_op():
    weights = [keras.Variable(np.ones(shape, "float32")) for shape in SHAPES]
    optimizer = FusedAdam(1e-3)
    optimizer.build(weights)
    step = tf.function(lambda values: optimizer.apply_gradients(zip(values, weights,
                                                                        strict=True)))
    graph = step.get_concrete_function(
        [tf.TensorSpec(shape, tf.float32) for shape in SHAPES]).graph
    types = [op.type for op in graph.get_operations()]
    assert types.count("ResourceApplyAdam") == len(SHAPES)
    # Keras's Adam writes each moment and weight with AssignAdd/AssignSubVariableOp
    assert not {"AssignAddVariableOp", "AssignSubVariableOp"} & set(types)


def test_configuration_is_adams_and_round_trips():
    optimizer = FusedAdam(3e-3, beta_1=0.8, clipnorm=2.0)
    config = optimizer.get_config()
    assert config == {**keras.optimizers.Adam(3e-3, beta_1=0.8, clipnorm=2.0).get_config(),
                      "name": config["name"]}
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(
        optimizer))
    assert type(restored) is FusedAdam
    assert restored.get_config() == config


def test_trainer_optimizer_is_fused_adam_at_the_configured_rate():
    optimizer = make_optimizer(TrainConfig(learning_rate=5e-4, clipnorm=1.5))
    assert type(optimizer) is FusedAdam
    assert float(optimizer.learning_rate) == pytest.approx(5e-4)
    assert optimizer.clipnorm == 1.5


MIRRORED_SCRIPT = """
import numpy as np, tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras
from unetdiag.training.optimizers import FusedAdam
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
results = []
for cls in (keras.optimizers.Adam, FusedAdam):
    with strategy.scope():
        weight = keras.Variable(np.linspace(-1.0, 1.0, 6).astype("float32"))
        optimizer = cls(1e-2)
        optimizer.build([weight])

    @tf.function
    def step(k):
        def replica_step():
            replica = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group,
                              tf.float32)
            gradient = tf.sin(tf.range(6.0) * (k + 1.0) + replica)
            optimizer.apply_gradients([(gradient, weight)])
        strategy.run(replica_step)

    for k in range(10):
        step(tf.constant(float(k)))
    values = [v.numpy() for v in weight.value.values]
    assert np.array_equal(values[0], values[1]), values
    results.append(values[0])
np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-7)
assert not np.allclose(results[0], np.linspace(-1.0, 1.0, 6))
print("ok")
"""


def test_fused_adam_updates_every_replica_like_keras_adam_under_mirrored_strategy():
    done = subprocess.run([sys.executable, "-c", MIRRORED_SCRIPT], capture_output=True,
                          text=True, timeout=300,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "ok"
