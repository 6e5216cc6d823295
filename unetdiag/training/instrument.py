"""One instrumented ``train_step`` shared by the diagnostic callbacks.

The callbacks in :mod:`unetdiag.training.callbacks` must see what a plain callback cannot:
the loss of *this* batch (``logs["loss"]`` is the epoch's running mean), the gradients (on a
CPU with oneDNN a NaN input pixel can turn ``conv2d/kernel`` NaN while the loss stays
finite) and the tensors ``fit()`` actually received. :class:`StepInstrumentation` gives them
that without touching the user's code: in ``on_train_begin`` it binds a new ``train_step`` on
the model instance and rebuilds the train function with
``model.make_train_function(force=True)``; in ``on_train_end`` it removes it again.

The step does what Keras 3.15's TensorFlow ``train_step`` does (it follows
``keras/src/backend/tensorflow/trainer.py`` and uses the same private helpers:
``_compute_loss``, ``_loss_tracker``, ``_call_has_training_arg``), plus:

- ``guard`` feature: one ``l2_loss`` per gradient (non-finite exactly when the gradient
  holds a NaN/Inf, or its squared norm overflows float32), the global gradient norm, the
  unscaled batch loss; a step whose gradients or loss are non-finite **changes nothing**:
  weights, optimizer state (moments, ``iterations``) and the non-trainable state updated
  during the forward pass (e.g. BatchNorm moving statistics) are as before it, so the
  weights stay finite (a ``LossScaleOptimizer`` skips such steps itself; only the
  non-trainable state is then put back). The update is applied unconditionally and put back
  from a copy when the step turns out non-finite (:func:`apply_or_put_back`): gating it on
  the finiteness flag instead would make every variable's update wait for the last
  gradient, serialising the update behind the backward pass (on a 2-core Xeon at the
  trainer's defaults: 176.6 against 161.6 ms/step; docs/benchmarks-callbacks.md). After the
  update every weight is checked the same way.
- ``audit`` feature: label min/max, counts of out-of-range, non-binary, non-finite label
  pixels, foreground pixels, empty masks, non-finite input values (exact counts taken only
  when a cheap screen finds something; see :func:`_audit_statistics`).
- a copy of the batch ``(x, y, y_pred)`` to the host, taken **only** when a step goes
  non-finite, when a label or input anomaly is seen (until the host turns that off) or when
  the host asked for one (sampled batches); otherwise it costs one scalar condition.

Every value the step adds travels in one float64 vector under the log key
:data:`PACKED_KEY`. The hub wraps ``model.train_function`` so that this key is taken out of
the step's outputs before Keras sees them: the batch logs, the epoch logs, the progress bar,
``History`` and every logger see exactly the keys they would without the diagnostics, in
whatever order the callbacks are listed. The callbacks read the values with
:meth:`StepInstrumentation.take` (one host transfer per batch).

tf.distribute: Keras MEAN-reduces the values a ``train_step`` returns across replicas (an
integer flag 1 on one of two replicas becomes 0.5 or 0). Every value here is therefore
combined across replicas *inside* the step first (``all_gather``, then a sum, a min or a
max per value), so all replicas return the same number and the mean leaves it unchanged:
counts are totals over the global batch, flags are "on any replica", the gradient norm is
the root-sum-square of the per-replica norms (each replica's gradient is of its share of the
loss), the batch loss is the mean of the per-replica losses. The skip decision is therefore
the same on every replica. With one device the combination is skipped entirely.

Limits: a model whose class overrides ``train_step`` is left alone (:meth:`register`
returns False; the callbacks then fall back to host-side checks). Per-batch attribution
assumes ``steps_per_execution == 1`` (with more, the logs are those of the last step of each
execution; skipping non-finite updates still works). The batch copy uses
``tf.numpy_function``, which XLA cannot compile: installing the step sets
``model.jit_compile = False`` (recorded in :attr:`StepInstrumentation.jit_disabled`).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

#: Log key of the packed diagnostic values (removed before Keras sees the logs).
PACKED_KEY = "unetdiag/values"
#: A label pixel above this value is foreground (as in diag.checks.masks.foreground_counts).
FOREGROUND_THRESHOLD = 0.5

GUARD = "guard"
AUDIT = "audit"
FEATURES = (GUARD, AUDIT)

# The audit's values, by how each is combined across replicas.
_AUDIT_SUM = ("label_pixels", "label_out_of_range", "label_non_binary", "label_non_finite",
              "foreground_pixels", "images", "empty_masks", "input_non_finite")
_AUDIT_MIN = ("label_min",)
_AUDIT_MAX = ("label_max",)
#: Per-variable flag vectors packed after the scalars; ``take()`` turns each into a count
#: and the index of the first flagged variable (-1 for none).
_FLAG_VECTORS = {"gradient_flags": ("nonfinite_gradient_count", "first_nonfinite_gradient"),
                 "weight_flags": ("nonfinite_weight_count", "first_nonfinite_weight")}


@dataclass
class CapturedBatch:
    """A batch copied out of the train step (host NumPy arrays, one entry per input/output).

    Under a distribution strategy each replica adds its shard; the arrays are concatenated
    along the batch axis in the order the replicas reported.
    """

    step: int
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    y_pred: list[np.ndarray] = field(default_factory=list)

    def add_shard(self, x: list[np.ndarray], y: list[np.ndarray],
                  y_pred: list[np.ndarray]) -> None:
        for mine, theirs in ((self.x, x), (self.y, y), (self.y_pred, y_pred)):
            if not mine:
                mine.extend(theirs)
            else:
                mine[:] = [np.concatenate([a, b]) for a, b in zip(mine, theirs, strict=True)]


_INSTRUMENTATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _is_float(dtype: Any) -> bool:
    return tf.as_dtype(dtype).is_floating


class StepInstrumentation:
    """The per-model hub that installs the instrumented ``train_step``.

    Callbacks never build one directly: they call :meth:`attach` in ``on_train_begin``,
    :meth:`register` the features they need, :meth:`begin_batch` in
    ``on_train_batch_begin``, :meth:`take` in ``on_train_batch_end`` and :meth:`unregister`
    in ``on_train_end``. Several callbacks share one hub and one step.

    Example (what a callback does)::

        hub = StepInstrumentation.attach(model)
        hub.register(self, {"guard"})          # rebuilds model.train_function
        ...
        values = hub.take()                    # {"batch_loss": 0.69, ...}
        hub.unregister(self)                   # the model's own train_step is back
    """

    def __init__(self, model: keras.Model) -> None:
        self._model_ref = weakref.ref(model)
        self._users: dict[int, frozenset[str]] = {}
        self._features: frozenset[str] = frozenset()
        self._capture_requested: tf.Variable | None = None
        self._anomaly_capture_enabled: tf.Variable | None = None
        # Host copies of the two variables, so that setting them never reads the device.
        self._flags = {"requested": False, "anomaly": True}
        self._capture_lock = threading.Lock()
        self._step = 0
        self._batch_key: tuple[int, int] | None = None
        self._values: dict[str, float] = {}
        self._pending: Any = None
        self._packed_layout: list[tuple[str, int]] = []
        #: The batch copied out during the current step, or None.
        self.capture: CapturedBatch | None = None
        #: dtype and shape of the tensors the step received, recorded when it is traced.
        self.received: dict[str, list[str]] = {}
        #: True when installing the step turned XLA off (``tf.numpy_function`` cannot compile).
        self.jit_disabled = False
        #: Whether the model's optimizer is a ``LossScaleOptimizer`` (``mixed_float16``).
        self.loss_scaled = False
        #: Variable paths behind the ``first_nonfinite_gradient`` / ``_weight`` indices
        #: (recorded when the step is traced).
        self.gradient_paths: list[str] = []
        self.weight_paths: list[str] = []

    # --- life cycle ---------------------------------------------------------------------
    @classmethod
    def attach(cls, model: keras.Model) -> StepInstrumentation:
        """The model's hub, created on first use."""
        hub = _INSTRUMENTATIONS.get(model)
        if hub is None:
            hub = cls(model)
            _INSTRUMENTATIONS[model] = hub
        return hub

    @property
    def model(self) -> keras.Model:
        model = self._model_ref()
        if model is None:
            raise RuntimeError("the instrumented model no longer exists")
        return model

    @property
    def features(self) -> frozenset[str]:
        return self._features

    @property
    def step(self) -> int:
        """Train steps run since the step was installed (the host's count)."""
        return self._step

    @staticmethod
    def supports(model: keras.Model) -> bool:
        """False when the model brings its own ``train_step`` (the step is never replaced)."""
        bound = vars(model).get("train_step")
        if bound is not None and not isinstance(getattr(bound, "__self__", None),
                                                StepInstrumentation):
            return False  # someone else bound a step on this instance
        return type(model).train_step is TensorFlowTrainer.train_step

    def register(self, user: object, features: set[str] | frozenset[str]) -> bool:
        """Ask for ``features`` (``"guard"``, ``"audit"``) and (re)install the step.

        Returns False, installing nothing, when the model has its own ``train_step``: a
        subclass's step is the user's training logic and is never swapped for this one.
        """
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown instrumentation features {sorted(unknown)}")
        if not self.supports(self.model):
            return False
        self._users[id(user)] = frozenset(features)
        self._install()
        return True

    def unregister(self, user: object) -> None:
        """Drop ``user``'s features; the last one out restores the model's own step."""
        self._users.pop(id(user), None)
        if self._users:
            self._install()
        else:
            self._uninstall()

    def _install(self) -> None:
        model = self.model
        self._features = frozenset().union(*self._users.values())
        optimizer = model.optimizer
        self.loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        if optimizer is not None and not optimizer.built and model.trainable_weights:
            optimizer.build(model.trainable_weights)
        if model.jit_compile:
            model.jit_compile = False
            self.jit_disabled = True
        if self._capture_requested is None:
            self._capture_requested = tf.Variable(False, trainable=False,
                                                  name="unetdiag_capture_requested")
            self._anomaly_capture_enabled = tf.Variable(True, trainable=False,
                                                        name="unetdiag_anomaly_capture")
        self._batch_key = None
        model.train_step = self._train_step
        model.make_train_function(force=True)
        model.train_function = self._wrap_train_function(model.train_function)

    def _uninstall(self) -> None:
        model = self._model_ref()
        if model is None:
            return
        if "train_step" in vars(model):
            del model.train_step
        # The next fit() builds the model's own train function again.
        model.train_function = None
        self._features = frozenset()

    # --- per batch ----------------------------------------------------------------------
    def begin_batch(self, epoch: int, batch: int) -> None:
        """Start a new batch (idempotent: every callback calls it)."""
        key = (epoch, batch)
        if key == self._batch_key:
            return
        self._batch_key = key
        self._values = {}
        self._pending = None
        self.capture = None
        self._step += 1

    def take(self) -> dict[str, float]:
        """This batch's diagnostic values by name (empty before the first step)."""
        if self._pending is not None:
            packed = np.asarray(self._pending, dtype=np.float64)
            self._pending = None
            values: dict[str, float] = {}
            offset = 0
            for name, length in self._packed_layout:
                if name in _FLAG_VECTORS:
                    flagged = np.flatnonzero(packed[offset:offset + length] > 0)
                    count_name, first_name = _FLAG_VECTORS[name]
                    values[count_name] = float(flagged.size)
                    values[first_name] = float(flagged[0]) if flagged.size else -1.0
                else:
                    values[name] = float(packed[offset])
                offset += length
            self._values = values
        return dict(self._values)

    def _wrap_train_function(self, train_function: Callable) -> Callable:
        """Take the packed values out of each step's outputs before Keras sees them."""
        def train_function_without_diagnostics(iterator: Any) -> Any:
            logs = train_function(iterator)
            if isinstance(logs, dict) and PACKED_KEY in logs:
                logs = dict(logs)
                self._pending = logs.pop(PACKED_KEY)
            return logs

        return train_function_without_diagnostics

    def request_capture(self, wanted: bool) -> None:
        """Copy the next batch(es) to the host (sampling); only assigns when it changes."""
        if self._capture_requested is not None and self._flags["requested"] != wanted:
            self._capture_requested.assign(wanted)
            self._flags["requested"] = wanted

    def enable_anomaly_capture(self, wanted: bool) -> None:
        """Copy batches with label or input anomalies (on by default)."""
        if self._anomaly_capture_enabled is not None and self._flags["anomaly"] != wanted:
            self._anomaly_capture_enabled.assign(wanted)
            self._flags["anomaly"] = wanted

    # --- the step -----------------------------------------------------------------------
    def _sink(self, counts: tuple[int, int, int]) -> Callable[..., np.bool_]:
        """The host function ``tf.numpy_function`` calls with the batch to copy."""
        n_x, n_y, _ = counts

        def sink(*arrays: np.ndarray) -> np.bool_:
            copies = [np.array(a, copy=True) for a in arrays]
            with self._capture_lock:
                if self.capture is None:
                    self.capture = CapturedBatch(step=self._step)
                self.capture.add_shard(copies[:n_x], copies[n_x:n_x + n_y], copies[n_x + n_y:])
            return np.bool_(True)

        return sink

    def _train_step(self, data: Any) -> dict[str, Any]:
        model = self.model
        features = self._features
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        flat_x = [t for t in tf.nest.flatten(x) if t is not None]
        flat_y = [t for t in tf.nest.flatten(y) if t is not None]
        # Recorded while tracing: what fit() actually feeds the model.
        self.received = {
            "x": [f"{t.dtype.name}{list(t.shape)}" for t in flat_x],
            "y": [f"{t.dtype.name}{list(t.shape)}" for t in flat_y],
        }
        optimizer = model.optimizer
        guard = GUARD in features and optimizer is not None and bool(model.trainable_weights)

        # Taken before the forward pass, which updates it (BatchNorm moving statistics).
        forward_state = ([v for v in model.non_trainable_weights if _is_float(v.dtype)]
                         if guard else [])
        forward_state_before = [tf.identity(v.value) for v in forward_state]

        with tf.GradientTape() as tape:
            y_pred = model(x, training=True) if model._call_has_training_arg else model(x)
            loss = model._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                       training=True)
            # compute_loss divides by the replica count; this is the replica's batch mean.
            unscaled_loss = loss * tf.cast(
                tf.distribute.get_strategy().num_replicas_in_sync, loss.dtype)
            model._loss_tracker.update_state(unscaled_loss, sample_weight=tf.shape(flat_x[0])[0])
            scaled_loss = optimizer.scale_loss(loss) if optimizer is not None else loss

        trainable = model.trainable_weights
        gradients = tape.gradient(scaled_loss, trainable) if trainable else []

        # float64 scalars, combined across replicas by sum, min or max; plus per-variable flags.
        sums: dict[str, tf.Tensor] = {}
        minima: dict[str, tf.Tensor] = {}
        maxima: dict[str, tf.Tensor] = {}
        gradient_flags = None
        if guard:
            present = [(v, g) for v, g in zip(trainable, gradients, strict=True) if g is not None]
            self.gradient_paths = [v.path for v, _ in present]
            # One op per variable: sum(g**2)/2 is non-finite when g holds a NaN/Inf (or when
            # the squared norm overflows float32, i.e. a norm above ~1.8e19).
            half_squares = tf.stack([tf.nn.l2_loss(_float32(g)) for _, g in present])
            gradient_flags = tf.cast(tf.logical_not(tf.math.is_finite(half_squares)), tf.float64)
            sums["gradient_square_sum"] = tf.cast(2.0 * tf.reduce_sum(half_squares), tf.float64)
            maxima["loss_nonfinite"] = tf.cast(
                tf.logical_not(tf.math.is_finite(_float32(unscaled_loss))), tf.float64)
        if AUDIT in features and flat_y:
            _audit_statistics(flat_x, flat_y[0], sums, minima, maxima)

        sums, minima, maxima, gradient_flags = _combine_across_replicas(
            sums, minima, maxima, gradient_flags)

        outputs: dict[str, tf.Tensor] = {}
        if guard:
            gradients_finite = tf.equal(tf.reduce_sum(gradient_flags), 0.0)
            loss_finite = tf.equal(maxima["loss_nonfinite"], 0.0)
            scale_before = None
            if self.loss_scaled:
                # LossScaleOptimizer skips (and halves its scale) on non-finite gradients.
                update_applied = gradients_finite
                scale_before = tf.cast(tf.identity(optimizer.dynamic_scale.value), tf.float64)
                optimizer.apply_gradients(zip(gradients, trainable, strict=True))
                put_back_unless(update_applied, forward_state, forward_state_before)
            else:
                update_applied = tf.logical_and(gradients_finite, loss_finite)
                apply_or_put_back(update_applied, optimizer, gradients, trainable,
                                  forward_state, forward_state_before)
            checked = [w for w in model.weights if _is_float(w.dtype)]
            self.weight_paths = [w.path for w in checked]
            weight_flags = tf.cast(tf.logical_not(tf.math.is_finite(
                tf.stack([tf.nn.l2_loss(_float32(w.value)) for w in checked]))), tf.float64)
            outputs.update(_guard_outputs(sums, maxima, update_applied, optimizer,
                                          scale_before))
            outputs["batch_loss"] = tf.cast(unscaled_loss, tf.float64)
            vectors = {"gradient_flags": gradient_flags, "weight_flags": weight_flags}
            capture_now = tf.logical_or(tf.logical_not(update_applied),
                                        tf.reduce_any(weight_flags > 0))
        else:
            if trainable:
                optimizer.apply_gradients(zip(gradients, trainable, strict=True))
            vectors = {}
            capture_now = tf.constant(False)

        if AUDIT in features and flat_y:
            for name in _AUDIT_SUM:
                outputs[name] = sums[name]
            for name in _AUDIT_MIN:
                outputs[name] = minima[name]
            for name in _AUDIT_MAX:
                outputs[name] = maxima[name]
            # Non-binary labels count too: the host turns anomaly copies off after a few.
            anomaly = (sums["label_out_of_range"] + sums["label_non_finite"]
                       + sums["label_non_binary"] + sums["input_non_finite"]) > 0
            capture_now = tf.logical_or(capture_now, tf.logical_or(
                tf.logical_and(anomaly, self._anomaly_capture_enabled),
                self._capture_requested))

        flat_pred = [t for t in tf.nest.flatten(y_pred) if t is not None]
        sink = self._sink((len(flat_x), len(flat_y), len(flat_pred)))
        outputs["captured"] = tf.cast(tf.cond(
            capture_now,
            lambda: tf.reshape(tf.numpy_function(sink, flat_x + flat_y + flat_pred, Tout=tf.bool,
                                                 stateful=True), []),
            lambda: tf.constant(False)), tf.float64)

        logs = dict(model.compute_metrics(x, y, y_pred, sample_weight=sample_weight))
        # The layout is recorded while tracing; take() reads it.
        self._packed_layout = [(name, 1) for name in outputs] + [
            (name, int(vector.shape[0])) for name, vector in vectors.items()]
        logs[PACKED_KEY] = tf.concat([tf.stack(list(outputs.values())), *vectors.values()],
                                     axis=0)
        return logs


def _float32(tensor: tf.Tensor) -> tf.Tensor:
    return tensor if tensor.dtype == tf.float32 else tf.cast(tensor, tf.float32)


def _audit_statistics(flat_x: list[tf.Tensor], labels: tf.Tensor, sums: dict, minima: dict,
                      maxima: dict) -> None:
    """Label and input summaries of one (per-replica) batch.

    Every batch pays a screen of four passes over the labels and one over the inputs:
    per-image label sums, ``sum(y**2)``, min and max of the labels; the sum of the inputs.
    A sum is non-finite when a value is NaN/Inf; ``sum(y**2) == sum(y)`` holds exactly (0/1
    sums are exact in float32 below 2**24) only when every label is 0 or 1. Only when the
    screen finds something are the exact pixel counts taken and foreground counted by
    threshold; for clean 0/1 labels the per-image sums are the foreground counts.
    """
    labels = _float32(labels)
    inputs = [_float32(t) for t in flat_x if _is_float(t.dtype)]
    images = tf.shape(labels, out_type=tf.int64)[0]
    per_image_sum = tf.reduce_sum(tf.reshape(labels, [images, -1]), axis=1)
    label_sum = tf.reduce_sum(per_image_sum)
    label_min, label_max = tf.reduce_min(labels), tf.reduce_max(labels)
    input_sums = [tf.reduce_sum(t) for t in inputs]
    inputs_finite = (tf.math.is_finite(tf.add_n(input_sums)) if inputs
                     else tf.constant(True))
    suspicious = tf.reduce_any(tf.stack([
        tf.logical_not(tf.math.is_finite(label_sum)), tf.logical_not(inputs_finite),
        label_min < 0.0, label_max > 1.0,
        tf.not_equal(2.0 * tf.nn.l2_loss(labels), label_sum)]))

    def exact() -> tuple[tf.Tensor, tf.Tensor]:
        finite = tf.math.is_finite(labels)
        outside = tf.logical_and(finite, tf.logical_or(labels < 0.0, labels > 1.0))
        # Strictly between 0 and 1, as labels.non_binary counts them.
        between = tf.logical_and(labels > 0.0, labels < 1.0)
        input_non_finite = tf.add_n([tf.math.count_nonzero(tf.logical_not(tf.math.is_finite(t)))
                                     for t in inputs]) if inputs else tf.constant(0, tf.int64)
        counts = tf.stack([tf.math.count_nonzero(outside), tf.math.count_nonzero(between),
                           tf.math.count_nonzero(tf.logical_not(finite)), input_non_finite])
        foreground = tf.math.count_nonzero(
            tf.reshape(labels > FOREGROUND_THRESHOLD, [images, -1]), axis=1)
        return tf.cast(counts, tf.float64), tf.cast(foreground, tf.float64)

    def clean() -> tuple[tf.Tensor, tf.Tensor]:
        return tf.zeros([4], tf.float64), tf.cast(per_image_sum, tf.float64)

    counts, foreground_per_image = tf.cond(suspicious, exact, clean)
    sums["label_pixels"] = tf.cast(tf.size(labels, out_type=tf.int64), tf.float64)
    sums["label_out_of_range"] = counts[0]
    sums["label_non_binary"] = counts[1]
    sums["label_non_finite"] = counts[2]
    sums["input_non_finite"] = counts[3]
    sums["foreground_pixels"] = tf.reduce_sum(foreground_per_image)
    sums["images"] = tf.cast(images, tf.float64)
    sums["empty_masks"] = tf.reduce_sum(tf.cast(tf.equal(foreground_per_image, 0.0), tf.float64))
    minima["label_min"] = tf.cast(label_min, tf.float64)
    maxima["label_max"] = tf.cast(label_max, tf.float64)


def weight_paths(model: keras.Model) -> list[str]:
    """Paths of the model's floating-point weights, in the order the step checks them."""
    return [w.path for w in model.weights if _is_float(w.dtype)]


def apply_or_put_back(applied: tf.Tensor, optimizer: keras.optimizers.Optimizer,
                      gradients: list, trainable: list, forward_state: Sequence = (),
                      forward_state_before: Sequence = ()) -> None:
    """Apply the update, then put everything back unless ``applied`` holds.

    The all-or-nothing skip of a non-finite step (what ``LossScaleOptimizer`` does), without
    making the update wait for the skip decision: each variable's update runs as soon as its
    gradient exists, overlapping the rest of the backward pass, as in a plain Keras step. The
    values put back on a skip are read just before the update (the trainable weights and every
    optimizer variable: moments, ``iterations``...), plus ``forward_state`` as it was before
    the forward pass (read by the caller into ``forward_state_before``).

    Cost: one copy of the weights and the optimizer state per step (TensorFlow copies a
    variable's buffer on write while a read of it is still held); for a convolutional network
    this is small next to the step, since every weight is used at every pixel.
    """
    saved = [*trainable, *optimizer.variables]
    saved_before = [tf.identity(v.value) for v in saved]
    optimizer.apply_gradients(zip(gradients, trainable, strict=True))
    put_back_unless(applied, [*saved, *forward_state], [*saved_before, *forward_state_before])


def put_back_unless(kept: tf.Tensor, variables: Sequence, values: Sequence) -> None:
    """Assign ``values`` to ``variables`` when ``kept`` is false (in any replica context).

    The assignments go through ``strategy.extended.update``, the route the optimizer itself
    writes variables by, so they are valid under every strategy. Under a strategy that needs
    merge calls, the condition is evaluated in cross-replica context around the per-replica
    assignments, mirroring Keras's own ``LossScaleOptimizer``.
    """
    if not variables:
        return

    def put_back() -> None:
        def assign_all(distribution, pairs) -> None:
            for variable, value in pairs:
                distribution.extended.update(variable, _assign, args=(value,), group=False)

        pairs = [(_tf_variable(v), value) for v, value in zip(variables, values, strict=True)]
        tf.__internal__.distribute.interim.maybe_merge_call(
            assign_all, tf.distribute.get_strategy(), pairs)

    if (not tf.distribute.has_strategy()
            or tf.__internal__.distribute.strategy_supports_no_merge_call()):
        tf.cond(kept, lambda: None, put_back)
        return

    def cross_replica(distribution, kept) -> None:
        first_kept = distribution.experimental_local_results(kept)[0]
        tf.cond(first_kept, lambda: None,
                lambda: distribution.extended.call_for_each_replica(put_back))

    tf.distribute.get_replica_context().merge_call(cross_replica, args=(kept,))


def _assign(variable: tf.Variable, value: tf.Tensor) -> tf.Operation:
    return variable.assign(value)


def _tf_variable(variable: Any) -> Any:
    """The TensorFlow variable behind a Keras variable (as the optimizer's update uses it)."""
    return variable.value if isinstance(variable, keras.Variable) else variable


def _combine_across_replicas(sums: dict, minima: dict, maxima: dict,
                             gradient_flags: tf.Tensor | None):
    """Make every value identical on all replicas (sum / min / max over them); see module doc."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return sums, minima, maxima, gradient_flags

    def combine(values: dict[str, tf.Tensor], reduce) -> dict[str, tf.Tensor]:
        if not values:
            return values
        gathered = context.all_gather(tf.stack(list(values.values()))[tf.newaxis], axis=0)
        combined = tf.reshape(reduce(gathered, axis=0), [len(values)])
        return dict(zip(values, tf.unstack(combined, num=len(values)), strict=True))

    sums = combine(sums, tf.reduce_sum)
    minima = combine(minima, tf.reduce_min)
    maxima = combine(maxima, tf.reduce_max)
    if gradient_flags is not None:
        flags = context.all_gather(gradient_flags[tf.newaxis], axis=0)
        gradient_flags = tf.reshape(tf.reduce_max(flags, axis=0), gradient_flags.shape)
    return sums, minima, maxima, gradient_flags


def _guard_outputs(sums: dict, maxima: dict, update_applied: tf.Tensor,
                   optimizer: keras.optimizers.Optimizer,
                   scale_before: tf.Tensor | None) -> dict[str, tf.Tensor]:
    """The guard's per-batch scalars (float64); the per-variable flags travel as vectors."""
    norm = tf.sqrt(sums["gradient_square_sum"])
    static_scale = getattr(optimizer, "loss_scale_factor", None)
    if scale_before is not None:
        norm = norm / scale_before
    elif static_scale is not None:
        norm = norm / static_scale
    outputs = {
        "gradient_norm": norm,
        "loss_nonfinite": maxima["loss_nonfinite"],
        "update_skipped": tf.cast(tf.logical_not(update_applied), tf.float64),
    }
    if scale_before is not None:
        outputs["loss_scale"] = tf.cast(optimizer.dynamic_scale.value, tf.float64)
    return outputs
