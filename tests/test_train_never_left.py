"""A probe predicted all one class before the first step and at every epoch end since "never
left" it; "collapsed" (a fall from something) is said only when a fall was measured. A
*_BCE variant starts at the masks' prior (all-background for rare foreground), and a tiny
2-epoch run that never moved from there was said to have "collapsed to all-background"."""

from __future__ import annotations

import keras
import numpy as np

from unetdiag.diag.core.dice import DEFAULT_DICE
from unetdiag.training.callbacks import DiceStabilityMonitor

SIZE, IMAGES = 16, 8


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((IMAGES, SIZE, SIZE, 1)).astype("float32")
    y = np.zeros((IMAGES, SIZE, SIZE, 1), "float32")
    y[:, 4:10, 4:10] = 1.0
    return x, y


def _model(bias: float) -> keras.Model:
    inputs = keras.Input((SIZE, SIZE, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    outputs = keras.layers.Conv2D(1, 1, activation="sigmoid", name="head",
                                  bias_initializer=keras.initializers.Constant(bias))(hidden)
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.SGD(0.0), "binary_crossentropy")
    return model


def _collapse(monitor):
    [finding] = [f for f in monitor.findings if f.id == "saturation.predictions_collapsed"]
    return finding


def test_a_probe_all_background_from_the_start_never_left_it():
    x, y = _data()
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:MP_Tr_BCE")
    keras.utils.set_random_seed(0)
    _model(-50.0).fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    finding = _collapse(monitor)
    assert finding.title == ("train:MP_Tr_BCE: predictions never left all-background in 2 "
                             "epochs (0 % of pixels predicted foreground)")
    assert "collapsed" not in finding.title and "collapsed" not in finding.explanation
    assert "before its first step" in finding.explanation
    assert finding.evidence["start_predicted_positive_fraction"] == 0.0
    assert finding.evidence["left_start_class"] is False
    assert finding.severity.value == "error"


def test_a_fall_to_all_background_after_the_start_is_a_collapse():
    x, y = _data()
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:MP_Tr_BCE")
    keras.utils.set_random_seed(0)
    model = _model(0.0)  # about half the pixels above 0.5 before the first step

    def fall(epoch, logs):
        if epoch == 1:
            head = model.get_layer("head")
            head.set_weights([head.get_weights()[0] * 0, np.array([-50.0], "float32")])

    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LambdaCallback(on_epoch_begin=fall), monitor])
    assert 0.01 < monitor.start_positive_fraction < 0.99
    finding = _collapse(monitor)
    assert "predictions collapsed to all-background" in finding.title
    assert finding.evidence["first_epoch"] == 2
    assert "left_start_class" not in finding.evidence


def test_a_return_to_the_start_class_after_leaving_it_is_a_collapse_from_its_own_epoch():
    """All-background at the start and epoch 1, a segmentation at epoch 2, all-background
    again at epoch 3: the collapse was reported with first_epoch 1 (the "never left" epoch,
    when nothing had fallen) and seen at 2 epochs."""
    x, y = _data()
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:MP_Tr_BCE")
    keras.utils.set_random_seed(0)
    model = _model(-50.0)
    head = model.get_layer("head")
    kernel = head.get_weights()[0]

    def move(epoch, logs):
        if epoch == 1:  # the untrained kernel at bias 0: some pixels above 0.5, not all
            head.set_weights([kernel, np.array([0.0], "float32")])
        if epoch == 2:
            head.set_weights([kernel * 0, np.array([-50.0], "float32")])

    model.fit(x, y, epochs=3, verbose=0, callbacks=[
        keras.callbacks.LambdaCallback(on_epoch_begin=move), monitor])
    fractions = monitor.predicted_positive_fraction
    assert fractions[1] == 0.0 and 0.01 < fractions[2] < 0.99 and fractions[3] == 0.0
    finding = _collapse(monitor)
    assert "predictions collapsed to all-background" in finding.title
    assert finding.evidence["first_epoch"] == 3
    assert finding.evidence["epochs_seen"] == 1


def test_a_probe_whose_masks_are_all_background_predicted_so_is_not_a_collapse():
    """Every probe mask empty and the model predicting background: the title said
    "predictions collapsed to all-background", of a model predicting the masks exactly."""
    x, _ = _data()
    y = np.zeros_like(x)
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:MP_Tr_BCE")
    keras.utils.set_random_seed(0)
    _model(-50.0).fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    finding = _collapse(monitor)
    assert "collapsed" not in finding.title
    assert "not a collapse" in finding.explanation
    assert finding.title.startswith("train:MP_Tr_BCE: predictions all-background on a probe")
    assert finding.severity.value == "warning"


def test_a_resumed_fit_speaks_of_the_epochs_since_the_resume_only():
    """A fit resumed after epoch 3 (its probe first seen then) was said to have "never left
    all-background in 5 epochs", though the earlier part's epochs were not seen here: the
    probe may have segmented at epoch 2."""
    x, y = _data()
    monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE, source="train:MP_Tr_BCE")
    keras.utils.set_random_seed(0)
    _model(-50.0).fit(x, y, epochs=5, initial_epoch=3, verbose=0, callbacks=[monitor])
    finding = _collapse(monitor)
    assert "never left" not in finding.title and "never left" not in finding.explanation
    assert finding.title.startswith("train:MP_Tr_BCE: predictions stayed all-background in "
                                    "the 2 epochs since the resume after epoch 3")
    assert "when training resumed after epoch 3" in finding.explanation
    assert finding.evidence["resumed_after_epoch"] == 3
