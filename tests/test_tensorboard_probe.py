"""The TensorBoard writer predicts its probe images through a function traced once per fit
(as the Dice-stability monitor does), with the numbers an eager call gives."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from unetdiag.config import VARIANTS, TrainConfig
from unetdiag.training.run.tensorboard import TensorBoardWriter
from unetdiag.training.scoring import predict_probabilities
from unetdiag.training.variant import compile_variant

PROBE_IMAGES = 3  # fewer than a training batch (4): the probe's calls are told apart by size


class _CountingModel(keras.Model):
    """A one-convolution model that counts the Python calls of ``call`` on a probe-sized
    batch (a traced function runs ``call`` once, when it is traced)."""

    def __init__(self):
        super().__init__(name="counting")
        self.convolution = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")
        self.probe_calls = 0

    def call(self, inputs, training=False):
        if inputs.shape[0] == PROBE_IMAGES:
            self.probe_calls += 1
        return self.convolution(inputs)


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.random((8, 16, 16, 1)).astype(np.float32)
    return images, (images > 0.6).astype(np.float32)


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
@pytest.mark.parametrize("name", list(VARIANTS))
def test_the_probe_predictions_are_those_of_an_eager_call(tmp_path, policy, name):
    """A tiny variant trained a step, as the trainer builds it. Bitwise the eager numbers,
    except under mixed_bfloat16 for the strided-convolution variants: the traced graph
    fuses their bfloat16 operations, which round differently (at 96 px: up to 4e-3, no
    pixel across the 0.5 threshold on a 4-image probe)."""
    images, masks = _data()
    config = TrainConfig(img_size=16, channels=1, base_filters=2, depth=1)
    model = compile_variant(VARIANTS[name], config, policy, output_bias=-1.0)
    model.fit(images, masks, batch_size=4, epochs=1, verbose=0)
    writer = TensorBoardWriter(tmp_path, (images[:PROBE_IMAGES], masks[:PROBE_IMAGES]))
    writer.set_model(model)
    writer.on_train_begin()
    try:
        traced = writer.probe_probabilities()
    finally:
        writer.close()
    eager = predict_probabilities(model, images[:PROBE_IMAGES])
    assert traced.dtype == eager.dtype and traced.shape == eager.shape
    if policy == "mixed_bfloat16" and name.startswith("StrConv"):
        assert np.allclose(traced, eager, rtol=0, atol=1e-2)
    else:
        assert np.array_equal(traced, eager)


def test_the_probe_is_predicted_through_one_trace_per_fit(tmp_path):
    images, masks = _data(1)
    model = _CountingModel()
    model.compile("adam", "binary_crossentropy")
    writer = TensorBoardWriter(tmp_path, (images[:PROBE_IMAGES], masks[:PROBE_IMAGES]),
                               every_n_epochs=1)
    model.fit(images, masks, batch_size=4, epochs=4, verbose=0, shuffle=False,
              callbacks=[writer])
    assert model.probe_calls == 1  # the tracing; eager: one per epoch end (4)
    assert list(tmp_path.glob("events.out.tfevents.*"))
