"""The Dice monitor's probe counted ignored pixels (read as background in its masks) with the
others: DRIVE trimaps with --ignore-values 3 (the field of view's outside ignored) said "the
masks have 91.9 % background; on them that constant scores accuracy 0.9193" beside a
val_accuracy baseline of 0.8826 (11.74 % foreground of the pixels scored). The probe's shares
are now of the pixels the metrics score."""

from __future__ import annotations

import keras
import numpy as np

from unetdiag.diag.core.dice import DEFAULT_DICE
from unetdiag.training.callbacks.dice_stability_monitor import DiceStabilityMonitor


def _all_background_model():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(
        1, 1, activation="sigmoid",
        bias_initializer=keras.initializers.Constant(-50.0))(inputs))
    model.compile("sgd", "binary_crossentropy")
    return model


def test_the_probe_shares_are_of_the_pixels_scored():
    x = np.zeros((2, 8, 8, 1), "float32")
    y = np.zeros_like(x)
    y[:, :2, :2] = 1  # 4 foreground pixels, all scored
    weights = np.ones_like(x)
    weights[:, :, 4:] = 0  # the right half ignored: 32 pixels scored, 12.5 % foreground
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, probe_weights=weights,
                                   source="train:v")
    _all_background_model().fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    [collapsed] = [f for f in monitor.findings if f.id == "saturation.predictions_collapsed"]
    assert collapsed.evidence["foreground_fraction"] == 0.125
    assert collapsed.evidence["constant_accuracy"] == 0.875
    assert "The masks have 87.5 % background of the pixels scored" in collapsed.explanation
    assert "of the pixels scored predicted foreground)" in collapsed.title
    restored = DiceStabilityMonitor.from_config(monitor.get_config())
    assert np.array_equal(restored.probe_weights, weights)


def test_without_weights_every_pixel_counts():
    x = np.zeros((2, 8, 8, 1), "float32")
    y = np.zeros_like(x)
    y[:, :2, :2] = 1
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:v")
    _all_background_model().fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    [collapsed] = [f for f in monitor.findings if f.id == "saturation.predictions_collapsed"]
    assert collapsed.evidence["foreground_fraction"] == 0.0625
    assert "of the pixels scored" not in collapsed.explanation
