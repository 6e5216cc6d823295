"""What a guarded step promises, checked from outside through model.fit and the callbacks.

- A step is judged after the weights are checked: a finite step whose update makes a weight
  non-finite (a learning-rate spike) is put back to the state before *that* step.
- A step put back is not counted: the loss tracker and the compiled metrics skip it, and the
  guard counts applied and skipped steps per epoch.
- The in-graph "labels are binary" screen is exact (near-binary float32 labels on a large batch).
- The guard leaves the model as it found it: ``jit_compile`` restored, and an interrupted fit
  (Ctrl-C) leaves no instrumentation for the next plain ``fit``.

(Under MirroredStrategy and the multi-worker loop: tests/test_distributed.py.)
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from test_callbacks import BATCH, IMAGES, BatchCounter, compiled, disc_dataset, tiny_unet

from unetdiag.training.callbacks import BatchAudit, NonFiniteGuard

#: The step at which SpikedSchedule's learning rate overflows float32 (epoch 0, batch 2).
SPIKE_STEP = 2


class SpikedSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """1e-3, except one step whose learning rate is 1e39 (beyond float32: every update with
    a non-zero gradient overflows), as a broken warm-up or schedule would produce."""

    def __call__(self, step):
        return keras.ops.where(keras.ops.equal(step, SPIKE_STEP), 1e39, 1e-3)


class StateBefore(keras.callbacks.Callback):
    """Copies of every weight, optimizer variable and the logs, taken before batch ``at``."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def on_train_batch_begin(self, batch, logs=None):
        if batch == self.at:
            self.weights = {w.path: w.numpy().copy() for w in self.model.weights}
            self.optimizer_state = {v.path: v.numpy().copy()
                                    for v in self.model.optimizer.variables}


class InterruptAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of a batch, as Ctrl-C in a notebook does."""

    def __init__(self, batch: int) -> None:
        super().__init__()
        self.batch = batch

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.batch:
            raise KeyboardInterrupt


def assert_state_equals(before: StateBefore, model: keras.Model) -> None:
    assert before.weights.keys() == {w.path for w in model.weights}
    for weight in model.weights:
        np.testing.assert_array_equal(before.weights[weight.path], weight.numpy(),
                                      err_msg=weight.path)
    for variable in model.optimizer.variables:
        np.testing.assert_array_equal(before.optimizer_state[variable.path], variable.numpy(),
                                      err_msg=variable.path)


@pytest.fixture(autouse=True)
def _seed():
    keras.utils.set_random_seed(0)


# --- one guarded update, judged after the weights ---------------------------------------


def test_a_learning_rate_spike_is_put_back_to_the_state_before_that_step(tmp_path):
    x, y = disc_dataset()
    model = tiny_unet(batch_norm=True)
    model.compile(optimizer=keras.optimizers.Adam(SpikedSchedule()),
                  loss="binary_crossentropy", metrics=["accuracy"])
    before, guard, counter = StateBefore(SPIKE_STEP), NonFiniteGuard(tmp_path), BatchCounter()
    model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
              callbacks=[before, guard, counter])

    assert counter.batches == [(0, 0), (0, 1), (0, 2)]
    [finding] = [f for f in guard.findings if f.id == "guard.non_finite"]
    evidence = finding.evidence
    # Finite loss and gradients; the update made the weights non-finite; it was put back.
    assert np.isfinite(evidence["batch_loss"]) and evidence["nonfinite_gradient_count"] == 0
    assert evidence["nonfinite_weight_count"] > 0
    assert evidence["update_applied"] is False
    assert evidence["weights_finite"] is True
    # Weights, BatchNorm statistics, Adam's moments and iterations: as before the spike,
    # not as at the start of the epoch.
    assert model.get_layer("enc_norm").moving_variance.path in before.weights
    assert_state_equals(before, model)
    assert int(model.optimizer.iterations.numpy()) == SPIKE_STEP
    # The logged running mean did not take the put-back step in.
    assert counter.logs[2] == pytest.approx(counter.logs[1])


def test_a_spike_under_mixed_float16_is_put_back_too(tmp_path):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        x, y = disc_dataset()
        model = tiny_unet(output_dtype="float32", batch_norm=True)
        model.compile(optimizer=keras.optimizers.Adam(SpikedSchedule()),
                      loss="binary_crossentropy")
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
        before, guard = StateBefore(SPIKE_STEP), NonFiniteGuard(tmp_path)
        model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                  callbacks=[before, guard])
    finally:
        keras.config.set_dtype_policy(previous)
    assert guard.stop_reason == "guard.non_finite"
    assert_state_equals(before, model)


# --- a skipped step is not counted ------------------------------------------------------


def test_a_nan_in_the_first_batch_records_no_nan_and_no_applied_step(tmp_path):
    x, y = disc_dataset()
    y[3, 0, 0, 0] = np.nan  # batch 0: the loss is NaN on every CPU
    model = compiled(tiny_unet())
    guard = NonFiniteGuard(tmp_path)
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                        callbacks=[guard], validation_data=(x[BATCH:], y[BATCH:]))
    assert guard.stop_reason == "guard.non_finite"
    for key, values in history.history.items():
        assert np.isfinite(values).all(), (key, values)
    assert guard.epoch_steps == [{"epoch": 0, "applied": 0, "skipped": 1}]
    assert guard.epochs_without_update == [0]
    finding = next(f for f in guard.findings if f.id == "guard.non_finite")
    assert finding.evidence["applied_steps_in_epoch"] == 0
    assert "No step of epoch 1 was applied" in finding.explanation  # Keras's epoch 0


def test_the_guard_counts_applied_steps_of_a_healthy_run(tmp_path):
    x, y = disc_dataset()
    model = compiled(tiny_unet())
    guard = NonFiniteGuard(tmp_path)
    model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[guard])
    steps = IMAGES // BATCH
    assert guard.epoch_steps == [{"epoch": 0, "applied": steps, "skipped": 0},
                                 {"epoch": 1, "applied": steps, "skipped": 0}]
    assert guard.epochs_without_update == []


def test_a_failed_step_after_applied_ones_does_not_call_the_epoch_untrained(tmp_path):
    x, y = disc_dataset()
    y[BATCH + 3, 0, 0, 0] = np.nan  # batch 1
    model = compiled(tiny_unet())
    guard = NonFiniteGuard(tmp_path)
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[guard])
    assert guard.epoch_steps == [{"epoch": 0, "applied": 1, "skipped": 1}]
    finding = next(f for f in guard.findings if f.id == "guard.non_finite")
    assert "was applied" not in finding.explanation
    assert "Weights kept: before this step (the step was put back)." in finding.explanation


def test_a_skipped_step_leaves_the_logged_loss_and_metrics_as_they_were(tmp_path):
    x, y = disc_dataset()
    y[BATCH + 3, 0, 0, 0] = np.nan  # batch 1
    model = compiled(tiny_unet())
    counter = BatchCounter()
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                        callbacks=[NonFiniteGuard(tmp_path), counter])
    assert counter.batches == [(0, 0), (0, 1)]
    assert counter.logs[1] == pytest.approx(counter.logs[0])
    assert history.history["loss"] == pytest.approx([counter.logs[0]["loss"]])


# --- the exact binary screen --------------------------------------------------------------


def test_near_binary_float32_labels_on_a_large_batch_are_counted():
    """sum(y**2) == sum(y) cannot see a few 0.999 among 10**6 float32 labels."""
    images, size = 64, 128
    rng = np.random.default_rng(5)
    y = (rng.random((images, size, size, 1)) < 0.5).astype(np.float32)
    near = [(3, 10, 10), (17, 64, 3), (40, 100, 127), (63, 0, 0), (20, 5, 5)]
    for index, (image, row, col) in enumerate(near):
        y[image, row, col, 0] = 0.999 if index % 2 == 0 else 0.996
    x = rng.random((images, size, size, 1)).astype(np.float32)
    inputs = keras.Input((size, size, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    model.compile(keras.optimizers.SGD(1e-3), "binary_crossentropy")
    # Nothing copied to the host: only the in-graph counts can see it.
    audit = BatchAudit(first_batches=0, sample_every=10 ** 6, max_anomaly_copies=0,
                       stop_on_label_error=False)
    model.fit(x, y, batch_size=images, epochs=1, verbose=0, callbacks=[audit])
    assert audit.summary["label_non_binary_pixels"] == len(near)
    found = {f.id: f for f in audit.findings}
    assert found["labels.non_binary"].evidence["batches_affected"] == 1


# --- the model as the guard found it --------------------------------------------------------


def test_jit_compile_is_restored_at_train_end(tmp_path):
    x, y = disc_dataset(images=2 * BATCH)
    model = tiny_unet()
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", jit_compile=True)
    assert model.jit_compile is True
    guard = NonFiniteGuard(tmp_path)
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, callbacks=[guard])
    assert "guard.xla_disabled" in {f.id for f in guard.findings}
    assert model.jit_compile is True
    assert "train_step" not in vars(model)


def _interrupted_fit(model: keras.Model, tmp_path) -> None:
    x, y = disc_dataset()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                  callbacks=[NonFiniteGuard(tmp_path), BatchAudit(), InterruptAt(1)])


def test_ctrl_c_inside_fit_leaves_the_next_plain_fit_uninstrumented(tmp_path):
    model = compiled(tiny_unet())
    _interrupted_fit(model, tmp_path)
    # The next plain fit is the model's own: a NaN pixel poisons the weights (the guard's
    # step would have put the update back), and nothing of the guard is left on the model.
    x, y = disc_dataset()
    x[BATCH + 2, 4, 4, 0] = np.nan
    counter = BatchCounter()
    history = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0,
                        callbacks=[counter])
    assert len(counter.batches) == IMAGES // BATCH
    assert not np.isfinite(model.get_layer("enc_conv").kernel.numpy()).all()
    assert set(history.history) == {"loss", "accuracy"}
    assert "train_step" not in vars(model) and "make_train_function" not in vars(model)


def test_ctrl_c_inside_fit_then_a_guarded_fit_works_and_jit_comes_back(tmp_path):
    model = tiny_unet()
    model.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy", jit_compile=True)
    _interrupted_fit(model, tmp_path)
    x, y = disc_dataset()
    x[BATCH + 2, 4, 4, 0] = np.nan
    guard = NonFiniteGuard(tmp_path / "again")
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0, callbacks=[guard])
    assert guard.stop_reason == "guard.non_finite"
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert model.jit_compile is True
    assert "train_step" not in vars(model)
