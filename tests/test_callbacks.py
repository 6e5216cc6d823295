"""Diagnostic callbacks, each in a tiny real model.fit on the CPU (32 px, under 1,000 weights)."""

from __future__ import annotations

import inspect
import os

import keras
import numpy as np
import pytest

from unetdiag.diag.core.dice import DEFAULT_DICE, SEED_DICE
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.training.callbacks import (
    LAST_FINITE_WEIGHTS,
    NONFINITE_BATCH,
    BatchAudit,
    DiagnosticCallback,
    DiceStabilityMonitor,
    EpochFindings,
    NonFiniteGuard,
    SaturationMonitor,
    diagnose_non_finite_batch,
    diagnostic_callbacks,
)
from unetdiag.training.callbacks.base import InstrumentedCallback
from unetdiag.training.callbacks.saturation_monitor import training_mode_behaviours

SIZE = 32
BATCH = 8
IMAGES = 32
NAN_IMAGE = 13  # in batch 1 (images 8-15), at position 5 of that batch


#: An input value above this makes NanGradientProbe's weight gradient NaN.
PROBE_TRIGGER = 5.0


class NanGradientProbe(keras.layers.Layer):
    """Finite outputs always; a NaN gradient for ``scale`` where an input exceeds the trigger.

    The ``where``/``sqrt`` trap: ``sqrt(trigger - x)`` is NaN where ``x > trigger``; ``where``
    does not select it, so the output stays finite, but its zero upstream gradient times that
    NaN is NaN. This is a loss that stays finite over a NaN gradient on any CPU.
    """

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(), initializer="zeros", name="scale")

    def call(self, inputs):
        return inputs + keras.ops.where(inputs > PROBE_TRIGGER, 0.0,
                                        self.scale * keras.ops.sqrt(PROBE_TRIGGER - inputs))


def tiny_unet(output_bias: float = 0.0, output_dtype: str | None = None, *,
              probe: bool = False, batch_norm: bool = False) -> keras.Model:
    """A two-level U-Net of 825 weights; explicit layer names so variable paths are stable.

    ``probe`` puts a NanGradientProbe before the first convolution, ``batch_norm`` a
    BatchNormalization after it.
    """
    inputs = keras.Input((SIZE, SIZE, 3))
    first = NanGradientProbe(name="probe")(inputs) if probe else inputs
    encoded = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="enc_conv")(first)
    if batch_norm:
        encoded = keras.layers.BatchNormalization(name="enc_norm")(encoded)
    down = keras.layers.MaxPooling2D(2, name="pool")(encoded)
    middle = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="mid_conv")(down)
    up = keras.layers.UpSampling2D(2, name="up")(middle)
    joined = keras.layers.Concatenate(name="skip")([encoded, up])
    outputs = keras.layers.Conv2D(
        1, 1, activation="sigmoid", name="head", dtype=output_dtype,
        bias_initializer=keras.initializers.Constant(output_bias))(joined)
    return keras.Model(inputs, outputs)


def compiled(model: keras.Model, learning_rate: float = 1e-3) -> keras.Model:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def disc_dataset(images: int = IMAGES, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bright discs on noise; the mask is the disc (15-45 % foreground); every 8th is empty."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:SIZE, :SIZE]
    x = rng.normal(0.3, 0.05, (images, SIZE, SIZE, 3)).astype(np.float32)
    y = np.zeros((images, SIZE, SIZE, 1), np.float32)
    for index in range(images):
        if index % 8 == 7:
            continue  # empty mask
        radius = rng.uniform(7, 12)
        centre = rng.uniform(radius, SIZE - radius, 2)
        disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= radius ** 2
        y[index, disc, 0] = 1.0
        x[index, disc] += 0.5
    return x, y


def errors(findings: list[Finding]) -> list[str]:
    return [f.id for f in findings if f.severity == Severity.ERROR]


class BatchCounter(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[int, int]] = []
        self.logs: list[dict] = []
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append((self.epoch, batch))
        self.logs.append(dict(logs or {}))


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


@pytest.fixture
def nan_dataset():
    x, y = disc_dataset()
    x[NAN_IMAGE, 5, 7, 1] = np.nan
    return x, y


def weights_finite(model: keras.Model) -> bool:
    return all(np.isfinite(w).all() for w in model.get_weights())


# --- NaN/Inf guard --------------------------------------------------------------------------


def test_plain_fit_lets_one_nan_pixel_poison_the_weights(nan_dataset):
    """The premise: without a guard, one NaN input pixel turns the weights NaN.

    Whether the loss shows it depends on the CPU: with oneDNN on an AVX-512 Xeon the fused
    convolution hides the NaN from the loss (it stayed finite, as keras-numerics.md records);
    on an AVX2 EPYC the loss is NaN from that batch on. The weights are NaN on both.
    """
    x, y = nan_dataset
    model = compiled(tiny_unet())
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
    assert not np.isfinite(model.get_layer("enc_conv").kernel.numpy()).all()


@pytest.fixture
def trigger_dataset():
    """disc_dataset with one finite pixel above the probe's trigger, in batch 1."""
    x, y = disc_dataset()
    x[NAN_IMAGE, 5, 7, 1] = 2 * PROBE_TRIGGER
    return x, y


def test_a_nan_gradient_behind_a_finite_loss_poisons_a_plain_fit(trigger_dataset):
    x, y = trigger_dataset
    model = compiled(tiny_unet(probe=True))
    counter = BatchCounter()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[counter])
    # Finite up to and including the trigger batch; its NaN gradient then reached the weight
    # (and through it every later batch's loss).
    assert [np.isfinite(logs["loss"]) for logs in counter.logs[:2]] == [True, True]
    assert not np.isfinite(model.get_layer("probe").scale.numpy())


def test_guard_stops_at_a_nan_gradient_behind_a_finite_loss(trigger_dataset, tmp_path):
    x, y = trigger_dataset
    model = compiled(tiny_unet(probe=True))
    guard, counter = NonFiniteGuard(tmp_path), BatchCounter()
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
              callbacks=[guard, counter])
    assert counter.batches == [(0, 0), (0, 1)]
    [finding] = [f for f in guard.findings if f.id == "guard.non_finite"]
    evidence = finding.evidence
    assert (evidence["epoch"], evidence["batch"]) == (0, 1)
    assert np.isfinite(evidence["batch_loss"])
    assert evidence["first_nonfinite_gradient"] == "probe/scale"
    assert evidence["update_applied"] is False
    assert weights_finite(model)


def test_a_skipped_step_changes_no_weight_optimizer_state_or_batchnorm_statistic(
        trigger_dataset, tmp_path):
    """All or nothing: after the skipped batch 1, everything is as batch 0 left it."""
    x, y = trigger_dataset
    model = compiled(tiny_unet(probe=True, batch_norm=True))

    class StateBeforeBatchOne(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == 1:
                self.weights = [w.numpy().copy() for w in self.model.weights]
                self.optimizer_state = [v.numpy().copy()
                                        for v in self.model.optimizer.variables]

    before = StateBeforeBatchOne()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
              callbacks=[before, NonFiniteGuard(tmp_path)])
    moving_mean = model.get_layer("enc_norm").moving_mean
    assert moving_mean.path in [w.path for w in model.weights]
    for saved, weight in zip(before.weights, model.weights, strict=True):
        np.testing.assert_array_equal(saved, weight.numpy(), err_msg=weight.path)
    for saved, variable in zip(before.optimizer_state, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(saved, variable.numpy(), err_msg=variable.path)
    assert int(model.optimizer.iterations.numpy()) == 1


def test_guard_stops_at_the_nan_batch_and_keeps_finite_weights(nan_dataset, tmp_path):
    x, y = nan_dataset
    model = compiled(tiny_unet())
    guard, counter = NonFiniteGuard(tmp_path), BatchCounter()
    history = model.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0,
                        callbacks=[guard, counter])

    assert counter.batches == [(0, 0), (0, 1)]  # stopped right after the offending batch
    assert guard.stop_reason == "guard.non_finite"
    [finding] = [f for f in guard.findings if f.id == "guard.non_finite"]
    assert finding.severity == Severity.ERROR
    evidence = finding.evidence
    assert (evidence["epoch"], evidence["batch"]) == (0, 1)
    assert evidence["first_nonfinite_gradient"] == "enc_conv/kernel"
    assert "enc_conv/kernel" in finding.title
    assert evidence["likely_causes"][0] == "non_finite_inputs"
    assert evidence["input_non_finite_images"] == [NAN_IMAGE - BATCH]
    assert evidence["update_applied"] is False
    # The non-finite update was never applied: the model and the file on disk are finite.
    assert weights_finite(model)
    assert int(model.optimizer.iterations.numpy()) == 1
    reloaded = tiny_unet()
    reloaded.load_weights(tmp_path / LAST_FINITE_WEIGHTS)
    assert weights_finite(reloaded)
    for saved, current in zip(reloaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, current)
    # The offending batch, exactly as fit() received it.
    with np.load(tmp_path / NONFINITE_BATCH) as batch:
        np.testing.assert_array_equal(batch["x"], x[BATCH:2 * BATCH])
        np.testing.assert_array_equal(batch["y"], y[BATCH:2 * BATCH])
        assert batch["y_pred"].shape == (BATCH, SIZE, SIZE, 1)
    # Its per-batch values never reach the logs, and the model's own train_step is back.
    assert set(history.history) == {"loss", "accuracy"}
    assert all(set(logs) == {"loss", "accuracy"} for logs in counter.logs)
    assert "train_step" not in vars(model)


def test_guard_names_non_finite_labels_and_the_nan_loss(tmp_path):
    x, y = disc_dataset()
    y[3, 0, 0, 0] = np.nan  # batch 0
    model = compiled(tiny_unet())
    guard = NonFiniteGuard(tmp_path)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[guard])
    [finding] = [f for f in guard.findings if f.id == "guard.non_finite"]
    assert finding.evidence["batch"] == 0
    assert not np.isfinite(finding.evidence["batch_loss"])
    assert "non_finite_labels" in finding.evidence["likely_causes"]
    assert weights_finite(model)


def test_instrumented_step_trains_exactly_like_keras(tmp_path):
    """Installing the guard and the audit must not change what training computes."""
    x, y = disc_dataset()
    plain = compiled(tiny_unet())
    instrumented = compiled(tiny_unet())
    instrumented.set_weights(plain.get_weights())
    plain.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    instrumented.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                     callbacks=[NonFiniteGuard(tmp_path), BatchAudit()])
    for a, b in zip(plain.get_weights(), instrumented.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class OwnStepModel(keras.Model):
    """A model whose class brings its own train_step (which must never be replaced)."""

    traced = 0

    def train_step(self, data):
        OwnStepModel.traced += 1  # runs while tracing
        return super().train_step(data)


def test_a_custom_train_step_is_kept_and_the_guard_falls_back_to_the_logs(tmp_path):
    x, y = disc_dataset()
    y[BATCH + 2, 0, 0, 0] = np.nan  # batch 1: the loss turns NaN
    base = tiny_unet()
    model = compiled(OwnStepModel(base.inputs, base.outputs))
    guard, audit, counter = NonFiniteGuard(tmp_path), BatchAudit(), BatchCounter()
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
              callbacks=[guard, audit, counter])
    assert OwnStepModel.traced > 0
    assert counter.batches == [(0, 0), (0, 1)]
    found = {f.id: f for f in guard.findings}
    assert found["guard.not_instrumented"].severity == Severity.WARNING
    assert found["guard.non_finite"].evidence["batch"] == 1
    assert found["guard.non_finite"].evidence["instrumented"] is False
    assert found["guard.non_finite"].evidence["nonfinite_gradient_count"] is None
    assert [f.id for f in audit.findings] == ["batch.not_instrumented"]


@pytest.fixture
def mixed_float16():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _overflowing_fit(guard: NonFiniteGuard) -> tuple[keras.Model, BatchCounter]:
    x, y = disc_dataset()
    x[9] *= 1e5  # finite in float32, Inf once cast to float16 (max 65504)
    model = compiled(tiny_unet(output_dtype="float32"))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    counter = BatchCounter()
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
              callbacks=[guard, BatchAudit(), counter])
    return model, counter


def test_mixed_float16_loss_scale_skip_is_not_a_failure(mixed_float16, tmp_path):
    guard = NonFiniteGuard(tmp_path)
    model, counter = _overflowing_fit(guard)
    assert len(counter.batches) == 2 * IMAGES // BATCH  # never stopped
    assert guard.stop_reason is None
    assert not errors(guard.findings)
    [skips] = [f for f in guard.findings if f.id == "guard.loss_scale_skips"]
    assert skips.severity == Severity.INFO
    assert skips.evidence["skipped_steps"] == 2  # batch 1 of each epoch
    assert float(model.optimizer.dynamic_scale.numpy()) == 2.0 ** 13
    assert weights_finite(model)


def test_mixed_float16_collapsed_loss_scale_stops(mixed_float16, tmp_path):
    # A floor just under the initial 2**15: the first halving counts as a collapse.
    guard = NonFiniteGuard(tmp_path, min_loss_scale=2.0 ** 15)
    model, counter = _overflowing_fit(guard)
    assert counter.batches[-1] == (0, 1)
    assert guard.stop_reason == "guard.loss_scale_collapsed"
    [finding] = [f for f in guard.findings if f.id == "guard.loss_scale_collapsed"]
    assert finding.severity == Severity.ERROR
    assert finding.evidence["loss_scale"] == 2.0 ** 14
    assert weights_finite(model)


def test_mixed_float16_policy_is_restored_after_the_fixture():
    assert keras.config.dtype_policy().name == "float32"


def test_diagnose_names_exploding_gradients_and_a_vanishing_dice_denominator():
    y = np.zeros((2, 4, 4, 1))
    p = np.full((2, 4, 4, 1), 1e-6)
    causes, evidence = diagnose_non_finite_batch([np.ones((2, 4, 4, 1))], [y], [p],
                                                 [0.1, 0.12, 0.11, 5.0], 1e-2)
    assert causes == ["dice_denominator_near_zero", "exploding_gradients"]
    assert evidence["dice_denominator_batch"] == pytest.approx(32e-6)
    assert evidence["gradient_norm_growth"] == pytest.approx(5.0 / 0.11)
    causes, _ = diagnose_non_finite_batch([np.ones((2, 4, 4, 1))], [y + 1], [p],
                                          [0.1, 0.1, 0.1], 1e-2)
    assert causes == ["unknown"]


# --- batch audit --------------------------------------------------------------------------


def test_audit_stops_on_0_255_masks_at_the_first_batch(tmp_path):
    x, y = disc_dataset()
    model = compiled(tiny_unet())
    audit, counter = BatchAudit(), BatchCounter()
    model.fit(x, y * 255, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
              callbacks=[NonFiniteGuard(tmp_path), audit, counter])
    assert counter.batches == [(0, 0)]
    assert audit.stop_reason == "labels.out_of_range"
    found = {f.id: f for f in audit.findings}
    assert found["labels.out_of_range"].severity == Severity.ERROR
    assert found["labels.out_of_range"].evidence["max"] == 255.0
    assert found["labels.out_of_range"].evidence["first_batch"] == 0
    assert found["batch.stopped"].evidence["cause"] == "labels.out_of_range"


def test_audit_words_imbalance_by_the_mask_policy_and_leaves_ignored_pixels_to_the_data(
        tmp_path):
    # masks mostly foreground: under --foreground-values the advice cannot be
    # --mask-polarity dark (the command line refuses the pair); under --ignore-values the
    # copied labels count ignored pixels as background, so the batches' shares are not said
    x, y = disc_dataset()
    mostly = 1.0 - y
    reports = {}
    for name, options in (("values", {"by_values": True}),
                          ("ignored", {"ignores_values": True}), ("plain", {})):
        audit = BatchAudit(**options)
        compiled(tiny_unet()).fit(x, mostly, batch_size=BATCH, epochs=1, shuffle=False,
                                  verbose=0, callbacks=[NonFiniteGuard(tmp_path), audit])
        reports[name] = [f for f in audit.findings if f.id.startswith("imbalance.")]
    plain = {f.id: f for f in reports["plain"]}
    assert "--mask-polarity dark" in plain["imbalance.mostly_foreground"].fix
    [values] = [f for f in reports["values"] if f.id == "imbalance.mostly_foreground"]
    assert "--mask-polarity dark" not in values.fix + values.explanation
    assert reports["ignored"] == []


def test_audit_only_records_0_255_masks_when_told_not_to_stop(tmp_path):
    x, y = disc_dataset()
    model = compiled(tiny_unet())
    audit, counter = BatchAudit(stop_on_label_error=False), BatchCounter()
    history = model.fit(x, y * 255, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                        callbacks=[audit, counter])
    assert len(counter.batches) == 2 * IMAGES // BATCH
    assert audit.stop_reason is None
    found = {f.id: f for f in audit.findings}
    assert "batch.stopped" not in found
    assert found["labels.out_of_range"].evidence["batches_affected"] == 2 * IMAGES // BATCH
    # Keras 3 gives no NaN here, so no NaN guard would notice.
    assert np.isfinite(history.history["loss"]).all()


def test_audit_summary_counts_every_batch_and_samples_full_checks():
    x, y = disc_dataset()
    y[0, 0, :4, 0] = 0.5  # a non-binary label row in batch 0
    y[BATCH + 1, 3, 3, 0] = 2.0  # batch 1, never copied: seen in the step's counts only
    model = compiled(tiny_unet())
    audit = BatchAudit(first_batches=1, sample_every=3, max_anomaly_copies=0,
                       stop_on_label_error=False)
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0, callbacks=[audit])
    summary = audit.summary
    assert summary["batches"] == 8
    assert summary["audited_batches"] == 3  # batches 0, 3 and 6 of the run
    assert summary["images"] == 2 * IMAGES
    expected_foreground = 2 * np.count_nonzero(y > 0.5)
    assert summary["foreground_fraction"] == pytest.approx(expected_foreground / (2 * y.size))
    assert summary["empty_masks"] == 2 * np.sum(y.reshape(IMAGES, -1).max(axis=1) <= 0.5)
    assert summary["label_non_binary_pixels"] == 2 * 4
    assert summary["label_out_of_range_pixels"] == 2
    assert (summary["label_min"], summary["label_max"]) == (0.0, 2.0)
    [received_labels] = summary["received"]["y"]
    assert received_labels.startswith("float32[") and received_labels.endswith(f"{SIZE}, 1]")
    found = {f.id: f for f in audit.findings}
    assert found["labels.non_binary"].severity == Severity.WARNING
    assert found["labels.non_binary"].evidence["batches_affected"] == 2
    assert found["imbalance.summary"].evidence["masks"] == 3 * BATCH
    # augmented copies are counted: the title says they are the checked batches' masks
    assert found["imbalance.summary"].title.endswith(", in the 3 batches checked while training")
    out_of_range = found["labels.out_of_range"]
    assert out_of_range.evidence["from_step_counts"] is True
    assert (out_of_range.evidence["first_epoch"], out_of_range.evidence["first_batch"]) == (0, 1)
    assert out_of_range.evidence["batches_affected"] == 2
    assert audit.stop_reason is None


# --- healthy run, monitors ------------------------------------------------------------------


def test_healthy_run_has_no_error_finding(tmp_path):
    x, y = disc_dataset()
    model = compiled(tiny_unet(), learning_rate=1e-2)
    callbacks = diagnostic_callbacks(tmp_path, probe=(x[:8], y[:8]), dice_config=DEFAULT_DICE,
                                     source="train:tiny")
    history = model.fit(x, y, batch_size=BATCH, epochs=5, verbose=0, callbacks=callbacks,
                        validation_data=(x[:8], y[:8]))
    findings = [f for callback in callbacks for f in callback.findings]
    assert not errors(findings), [(f.id, f.title) for f in findings]
    assert all(callback.stop_reason is None for callback in callbacks)
    assert history.history["val_accuracy"][-1] > 0.9  # it did learn the discs
    assert not os.listdir(tmp_path)  # the guard writes only when it trips
    assert all(f.source == "train:tiny" for f in findings)


def test_monitors_flag_a_model_stuck_at_all_ones():
    x, y = disc_dataset()
    probe = (x[:BATCH], y[:BATCH])
    model = tiny_unet(output_bias=50.0)  # sigmoid(50) is exactly 1.0 in float32
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                  metrics=["accuracy"])
    all_ones_accuracy = float(np.mean(y > 0.5))
    val_all_ones_accuracy = float(np.mean(probe[1] > 0.5))
    dice_monitor = DiceStabilityMonitor(probe, DEFAULT_DICE, source="train:ones")
    saturation = SaturationMonitor({"accuracy": all_ones_accuracy,
                                    "val_accuracy": val_all_ones_accuracy}, source="train:ones")
    model.fit(x, y, batch_size=BATCH, epochs=3, verbose=0, validation_data=probe,
              callbacks=[dice_monitor, saturation])

    assert dice_monitor.predicted_positive_fraction == {1: 1.0, 2: 1.0, 3: 1.0}
    collapsed = [f for f in dice_monitor.findings if f.id == "saturation.predictions_collapsed"]
    assert len(collapsed) == 1  # reported once, not once per epoch
    assert collapsed[0].severity == Severity.ERROR
    assert collapsed[0].evidence["collapsed_to"] == "all_ones"
    assert (collapsed[0].evidence["first_epoch"], collapsed[0].evidence["epochs_seen"]) == (1, 3)

    assert saturation.history["val_accuracy"] == pytest.approx([val_all_ones_accuracy] * 3)
    ids = [f.id for f in saturation.findings]
    assert len(ids) == len(set(ids))
    [at_baseline] = [f for f in saturation.findings if f.id == "saturation.metric_at_baseline"]
    assert at_baseline.severity == Severity.ERROR
    assert at_baseline.evidence["first_epoch"] == 1
    assert "val_accuracy" in at_baseline.evidence["metrics"]



def test_saturation_monitor_reads_the_keras_history_of_the_current_fit_only():
    x, y = disc_dataset(images=BATCH)
    model = compiled(tiny_unet())
    keras_history = keras.callbacks.History()  # listed first, and kept over two fit calls
    monitor = SaturationMonitor()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras_history, monitor])
    model.fit(x, y, epochs=5, initial_epoch=2, verbose=0, callbacks=[keras_history, monitor])
    assert len(keras_history.history["loss"]) == 5
    assert monitor.history == {"loss": keras_history.history["loss"][2:],
                               "accuracy": keras_history.history["accuracy"][2:]}

def test_training_mode_behaviours_are_read_from_the_layers_and_the_input_pipeline():
    plain = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3)])
    assert training_mode_behaviours(plain) is None  # augmentation outside it unknown
    assert training_mode_behaviours(plain, augmented_inputs=False) == []
    assert training_mode_behaviours(plain, augmented_inputs=True) == ["augmentation"]
    inner = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.GaussianDropout(0.1)])
    nested = keras.Sequential([keras.Input((8, 8, 1)), inner, keras.layers.SpatialDropout2D(0.1),
                               keras.layers.BatchNormalization()])
    assert training_mode_behaviours(nested) == ["BatchNormalization", "dropout"]
    frozen = keras.layers.BatchNormalization()
    frozen.trainable = False  # fine-tuning with a frozen encoder: same outputs in both modes
    encoder = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3), frozen])
    assert training_mode_behaviours(encoder, augmented_inputs=False) == []


def test_saturation_monitor_words_a_train_validation_gap_by_the_models_batch_norm():
    """ISBI, 3 epochs: dice 0.50 vs val_dice 0.03 was BatchNormalization's two modes (the
    model scored 0.049 on its training images in inference mode), not overfitting."""
    x, y = disc_dataset(images=BATCH)
    gap = {"dice": [0.3877, 0.4505, 0.4962], "val_dice": [0.0254, 0.0080, 0.0336],
           "val_loss": [0.5975, 0.5485, 0.5319]}
    worded = {}
    for batch_norm in (True, False):
        monitor = SaturationMonitor(source="s", augmented_inputs=False)
        monitor.continue_from(gap)
        model = compiled(tiny_unet(batch_norm=batch_norm))
        model.fit(x, y, epochs=4, initial_epoch=3, verbose=0, callbacks=[monitor])
        worded[batch_norm] = " ".join(f.explanation for f in monitor.findings
                                      if f.id == "saturation.train_val_gap")
    assert "This run's model has BatchNormalization layers" in worded[True]
    assert "BatchNormalization layers" not in worded[False]
    assert "overfitting" in worded[False]


def test_saturation_monitor_states_the_splits_masks_beside_validation_above_training():
    """The new-user run of session 35: val_dice above dice from epoch 3 to 12 with 9.4 %
    of the training masks empty against 2.1 % of the validation ones."""
    x, y = disc_dataset(images=BATCH)
    splits = {"training": {"masks": 192, "empty_masks": 18, "foreground_fraction": 0.0959},
              "validation": {"masks": 48, "empty_masks": 1, "foreground_fraction": 0.0963}}
    monitor = SaturationMonitor(source="s", augmented_inputs=True, split_masks=splits)
    monitor.continue_from({
        "dice": [0.593, 0.715, 0.737, 0.742, 0.74, 0.765, 0.778, 0.785, 0.79, 0.801, 0.79, 0.803],
        "val_dice": [0.45, 0.636, 0.78, 0.85, 0.869, 0.859, 0.86, 0.876, 0.879, 0.848, 0.88,
                     0.898]})
    model = compiled(tiny_unet())
    model.fit(x, y, epochs=13, initial_epoch=12, verbose=0, callbacks=[monitor])
    [gap] = [f for f in monitor.findings if f.id == "saturation.train_val_gap"]
    assert gap.evidence["splits"] == splits
    assert "Training holds 18 of 192 masks empty (9.38 %)" in gap.explanation


def test_a_cross_entropy_variants_dice_monitor_says_it_has_no_dice_loss():
    x, y = disc_dataset(images=BATCH)
    y[0] = 0  # one empty probe mask
    monitor = DiceStabilityMonitor((x[:4], y[:4]), DEFAULT_DICE, dice_loss=False)
    compiled(tiny_unet()).fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    [convention] = [f for f in monitor.findings if f.id == "dice.empty_mask_convention"]
    assert "trains with cross-entropy, not the Dice loss" in convention.title


def test_split_masks_counts_each_splits_empty_masks_and_foreground():
    from unetdiag.training.data_stats import MaskCounts, split_masks
    counts = split_masks(MaskCounts([0.0, 10.0, 0.0], [100.0] * 3), MaskCounts([5.0], [100.0]))
    assert counts == {"training": {"masks": 3, "empty_masks": 2, "foreground_fraction": 10 / 300},
                      "validation": {"masks": 1, "empty_masks": 0, "foreground_fraction": 0.05}}


def _finding(value: float) -> Finding:
    return Finding(id="x.flat", severity=Severity.WARNING, title="t", explanation="e", fix="f",
                   evidence={"value": value})


def test_epoch_findings_keep_each_id_once_with_its_first_epoch():
    log = EpochFindings(keep_resolved=True)
    log.record(1, [])
    log.record(2, [_finding(1)])
    log.record(3, [_finding(2)])
    [kept] = log.findings()
    assert kept.severity == Severity.WARNING
    assert kept.evidence == {"value": 2, "first_epoch": 2, "latest_epoch": 3, "epochs_seen": 2,
                             "still_present": True}
    log.record(4, [])  # the model grew out of it
    log.record(5, [])
    [resolved] = log.findings()
    assert resolved.severity == Severity.INFO
    # the epoch it ended at, not the last epoch looked at
    assert resolved.title == "Resolved by epoch 4: t"
    assert (resolved.evidence["resolved_epoch"], resolved.evidence["still_present"]) == (4, False)


def test_epoch_findings_drop_superseded_ids_when_told():
    log = EpochFindings(keep_resolved=False)
    log.record(1, [_finding(1)])
    log.record(2, [])
    assert log.findings() == []


# --- configs --------------------------------------------------------------------------------


def _all_subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_all_subclasses(direct)}}


def _non_default_callbacks(tmp_path) -> dict[type, DiagnosticCallback]:
    """Each callback of the package with every argument away from its default."""
    x, y = disc_dataset(images=2)
    return {
        NonFiniteGuard: NonFiniteGuard(tmp_path, source="s", gradient_history=7,
                                       explosion_ratio=3.0, tiny_dice_denominator=0.5,
                                       min_loss_scale=4.0, max_consecutive_skips=2,
                                       snapshot_each_epoch=False),
        BatchAudit: BatchAudit(stop_on_label_error=False, first_batches=1, sample_every=9,
                               max_anomaly_copies=0, source="s", dark_is_foreground=True,
                               by_values=True, ignores_values=True),
        DiceStabilityMonitor: DiceStabilityMonitor((x, y), SEED_DICE, threshold=0.25,
                                                   every_n_epochs=3, source="s",
                                                   probe_weights=np.ones_like(y),
                                                   dice_loss=False),
        SaturationMonitor: SaturationMonitor({"val_dice": 0.9}, tolerance=0.01, source="s",
                                             augmented_inputs=True,
                                             split_masks={"training": {"masks": 2}}),
    }


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


def test_every_callback_config_holds_its_constructor_arguments_and_round_trips(tmp_path):
    callbacks = _non_default_callbacks(tmp_path)
    assert set(callbacks) == _all_subclasses(DiagnosticCallback) - {InstrumentedCallback}
    for cls, callback in callbacks.items():
        config = callback.get_config()
        signature = inspect.signature(cls.__init__).parameters
        assert set(config) == set(signature) - {"self"}, cls.__name__
        for name, parameter in signature.items():
            default = parameter.default
            if default is not inspect.Parameter.empty:
                default = default.to_dict() if hasattr(default, "to_dict") else default
                assert not _same(config[name], default), (cls.__name__, name)
        rebuilt = cls.from_config(config)
        assert type(rebuilt) is cls
        assert _same(rebuilt.get_config(), config), cls.__name__


# --- steps_per_execution > 1: the batch copy is of the step the values are of -------------


class CopiesSeen(keras.callbacks.Callback):
    """The batch copy the model's hub shows after each call of the train function (one call
    runs ``steps_per_execution`` steps), read after the callbacks before it read the values."""

    def on_train_begin(self, logs=None):
        from unetdiag.training.instrument import StepInstrumentation

        self.hub = StepInstrumentation.attach(self.model)
        self.copies = []

    def on_train_batch_end(self, batch, logs=None):
        capture = self.hub.capture
        self.copies.append(None if capture is None else capture.x[0])


def fit_two_steps_per_call(x, y, audit):
    model = compiled(tiny_unet())
    model.steps_per_execution = 2
    seen = CopiesSeen()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
              callbacks=[audit, seen])
    return seen.copies


def test_a_copy_under_steps_per_execution_is_the_last_step_s_batch_alone():
    x, y = disc_dataset()
    copies = fit_two_steps_per_call(x, y, BatchAudit(first_batches=IMAGES))
    # Two calls of two steps, every step copied: each call shows its second step's batch,
    # not the two batches concatenated as if they were two replicas' shards.
    assert len(copies) == 2
    for call, copy in enumerate(copies):
        last_step = 2 * call + 1
        np.testing.assert_array_equal(copy, x[last_step * BATCH:(last_step + 1) * BATCH])


def test_a_copy_of_an_earlier_step_of_the_call_is_not_shown_with_the_last_step_s_values():
    x, y = disc_dataset()
    y[2 * BATCH, 0, 0, 0] = 0.5  # batch 2, the first step of the second call: copied (anomaly)
    audit = BatchAudit(first_batches=0, sample_every=IMAGES, stop_on_label_error=False)
    copies = fit_two_steps_per_call(x, y, audit)
    # The second call's values are batch 3's, which copied nothing: no copy is shown for it.
    assert len(copies) == 2 and copies[1] is None
