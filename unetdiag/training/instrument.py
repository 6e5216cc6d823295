"""The instrumentation hub the diagnostic callbacks read each train step's values from.

The callbacks in :mod:`unetdiag.training.callbacks` must see what a plain callback cannot:
the loss of *this* batch (``logs["loss"]`` is the epoch's running mean), the gradients (on a
CPU with oneDNN a NaN input pixel can turn ``conv2d/kernel`` NaN while the loss stays
finite) and the tensors ``fit()`` actually received. Each model has one hub
(:class:`InstrumentationHub`), shared by every callback on it; what feeds it depends on how
the model trains:

- ``model.fit``: :class:`StepInstrumentation` gives the callbacks those values without
  touching the user's code: in ``on_train_begin`` it binds a new ``train_step`` on the model
  instance and rebuilds the train function with ``model.make_train_function(force=True)``;
  in ``on_train_end`` it removes it again, and gives back ``jit_compile`` if it turned it
  off. Keras calls no ``on_train_end`` when ``fit`` raises (Ctrl-C in a notebook), so the
  hub also binds ``make_train_function``, which Keras calls (without ``force``) at the start
  of every ``fit`` and ``train_on_batch``, before any callback runs: found installed there,
  the step belongs to a fit that ended without ``on_train_end``; the hub drops its users,
  removes everything it installed and the model builds its own train function.
- the multi-worker custom loop: :class:`~unetdiag.training.distributed.LoopInstrumentation`,
  attached for the loop's model, which its own step feeds.

Both steps update through :func:`~unetdiag.training.guarded_update.guarded_update` (the
``guard`` feature: every gradient and weight checked, a failed step put back, weights,
optimizer, BatchNorm and metric state alike; the ``audit`` feature: label and input
summaries). The installed ``train_step`` does what Keras
3.15's TensorFlow ``train_step`` does (it follows ``keras/src/backend/tensorflow/trainer.py``
and uses the same private helpers: ``_compute_loss``, ``_loss_tracker``,
``_call_has_training_arg``), plus that update, plus a copy of the batch ``(x, y, y_pred)`` to
the host, taken **only** when a step goes non-finite, when a label or input anomaly is seen
(until the host turns that off) or when the host asked for one (sampled batches); otherwise
it costs one scalar condition.

Every value the step adds travels in one float64 vector under the log key
:data:`PACKED_KEY`. The hub wraps ``model.train_function`` so that this key is taken out of
the step's outputs before Keras sees them: the batch logs, the epoch logs, the progress bar,
``History`` and every logger see exactly the keys they would without the diagnostics, in
whatever order the callbacks are listed. The callbacks read the values with
:meth:`InstrumentationHub.read_step_values` (one host transfer per batch).

Limits: a model whose class overrides ``train_step`` is left alone (:meth:`register`
returns False; the callbacks then fall back to host-side checks). Per-batch attribution
assumes ``steps_per_execution == 1`` (with more, the logs are those of the last step of each
execution, and so is the batch copy shown, if that step took one; every step is still judged
and a failed one put back, but the host stops training only after the execution's last step:
docs/benchmarks.md, session 32). The batch copy uses
``tf.numpy_function``, which XLA cannot compile: installing the step sets
``model.jit_compile = False`` (recorded in :attr:`InstrumentationHub.jit_disabled`) until
the step is removed.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

from unetdiag.training.guarded_update import (
    StepState,
    guarded_update,
    pack_step_values,
    unpack_step_values,
)

#: Log key of the packed diagnostic values (removed before Keras sees the logs).
PACKED_KEY = "unetdiag/values"

GUARD = "guard"
AUDIT = "audit"
FEATURES = (GUARD, AUDIT)


@dataclass
class CapturedBatch:
    """A batch copied out of the train step (host NumPy arrays, one entry per input/output).

    Under a distribution strategy each replica adds its shard; the arrays are concatenated
    along the batch axis in the order the replicas reported. ``replicas``: the ids of the
    replicas whose shard is in (a second shard from one of them is a later step's).
    """

    step: int
    x: list[np.ndarray] = field(default_factory=list)
    y: list[np.ndarray] = field(default_factory=list)
    y_pred: list[np.ndarray] = field(default_factory=list)
    replicas: set[int] = field(default_factory=set)

    def add_shard(self, x: list[np.ndarray], y: list[np.ndarray],
                  y_pred: list[np.ndarray]) -> None:
        for mine, theirs in ((self.x, x), (self.y, y), (self.y_pred, y_pred)):
            if not mine:
                mine.extend(theirs)
            else:
                mine[:] = [np.concatenate([a, b]) for a, b in zip(mine, theirs, strict=True)]


_HUBS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class InstrumentationHub:
    """One model's per-batch step values, shared by the callbacks that registered for them.

    Callbacks get the hub with :meth:`StepInstrumentation.attach` in ``on_train_begin``,
    :meth:`register` the features they need, call :meth:`begin_batch` in
    ``on_train_batch_begin``, :meth:`read_step_values` in ``on_train_batch_end`` and
    :meth:`unregister` in ``on_train_end``. A step feeds it: the installed ``train_step``
    (:class:`StepInstrumentation`) or a custom loop through :meth:`publish`.

    Example (what a callback does)::

        hub = StepInstrumentation.attach(model)
        hub.register(self, {"guard"})          # under fit: rebuilds model.train_function
        ...
        values = hub.read_step_values()        # {"batch_loss": 0.69, ...}
        hub.unregister(self)                   # under fit: the model's own train_step is back
    """

    def __init__(self, model: keras.Model) -> None:
        self._model_ref = weakref.ref(model)
        self._users: dict[int, frozenset[str]] = {}
        self._features: frozenset[str] = frozenset()
        self._step = 0
        self._batch_key: tuple[int, int] | None = None
        self._values: dict[str, float] = {}
        #: The packed values of the last step and their layout, until read.
        self._pending: Any = None
        self._packed_layout: list[tuple[str, int]] = []
        #: The batch copied out during the current step, or None.
        self.capture: CapturedBatch | None = None
        #: Whether the next batch(es) are to be copied (sampling) / batches with anomalies.
        self.capture_requested = False
        self.anomaly_capture = True
        #: dtype and shape of the tensors the step received, recorded when it is traced.
        self.received: dict[str, list[str]] = {}
        #: True while the installed step has XLA turned off (``tf.numpy_function`` cannot
        #: compile); ``jit_compile`` is given back when the step is removed.
        self.jit_disabled = False
        #: Whether the model's optimizer is a ``LossScaleOptimizer`` (``mixed_float16``).
        self.loss_scaled = False
        #: Variable paths behind the ``first_nonfinite_gradient`` / ``_weight`` indices
        #: (recorded when the step is traced).
        self.gradient_paths: list[str] = []
        self.weight_paths: list[str] = []

    # --- life cycle ---------------------------------------------------------------------
    @property
    def model(self) -> keras.Model:
        model = self._model_ref()
        if model is None:
            raise RuntimeError("the instrumented model no longer exists")
        return model

    def attach_to_model(self) -> None:
        """Make this the hub :meth:`StepInstrumentation.attach` returns for the model."""
        _HUBS[self.model] = self

    def detach_from_model(self) -> None:
        _HUBS.pop(self.model, None)

    @property
    def features(self) -> frozenset[str]:
        return self._features

    @property
    def step(self) -> int:
        """Train steps run since the hub was first used (the host's count)."""
        return self._step

    @staticmethod
    def supports(model: keras.Model) -> bool:
        """Whether the hub can serve this model (:class:`StepInstrumentation` says when not)."""
        return True

    def register(self, user: object, features: set[str] | frozenset[str]) -> bool:
        """Ask for ``features`` (``"guard"``, ``"audit"``); False when the hub cannot serve
        the model (nothing is then installed)."""
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown instrumentation features {sorted(unknown)}")
        if not self.supports(self.model):
            return False
        self._users[id(user)] = frozenset(features)
        self._features = frozenset().union(*self._users.values())
        self._users_changed()
        return True

    def unregister(self, user: object) -> None:
        """Drop ``user``'s features."""
        self._users.pop(id(user), None)
        self._features = frozenset().union(*self._users.values())
        self._users_changed()

    def _users_changed(self) -> None:
        """Called after every (un)registration; the fit hub (re)installs its step here."""

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

    def read_step_values(self) -> dict[str, float]:
        """This batch's diagnostic values by name (empty before the first step)."""
        if self._pending is not None:
            packed = np.asarray(self._pending, dtype=np.float64)
            self._pending = None
            self._values = unpack_step_values(packed, self._packed_layout)
            if self._values.get("captured") == 0.0:
                # The step these values are of copied nothing; a copy taken by an earlier
                # step of the same call (steps_per_execution > 1) is not of this batch.
                self.capture = None
        return dict(self._values)

    def publish(self, values: dict[str, float], capture: CapturedBatch | None) -> None:
        """This step's values (what :meth:`read_step_values` returns) and, if copied, its
        batch: how a custom loop feeds the hub."""
        self._values = values
        self._pending = None
        self.capture = capture

    def request_capture(self, wanted: bool) -> None:
        """Copy the next batch(es) to the host (sampling)."""
        self.capture_requested = wanted

    def enable_anomaly_capture(self, wanted: bool) -> None:
        """Copy batches with label or input anomalies (on by default)."""
        self.anomaly_capture = wanted


class StepInstrumentation(InstrumentationHub):
    """The hub under ``model.fit``: installs the instrumented ``train_step`` (module doc)."""

    def __init__(self, model: keras.Model) -> None:
        super().__init__(model)
        # In-graph copies of capture_requested / anomaly_capture (created on first install).
        self._capture_requested_variable: tf.Variable | None = None
        self._anomaly_capture_variable: tf.Variable | None = None
        self._capture_lock = threading.Lock()

    @classmethod
    def attach(cls, model: keras.Model) -> InstrumentationHub:
        """The model's hub: the one attached to it (a custom loop's), else a new one of these."""
        hub = _HUBS.get(model)
        if hub is None:
            hub = cls(model)
            hub.attach_to_model()
        return hub

    @staticmethod
    def supports(model: keras.Model) -> bool:
        """False when the model brings its own ``train_step`` (the step is never replaced): a
        subclass's step is the user's training logic and is never swapped for this one."""
        bound = vars(model).get("train_step")
        if bound is not None and not isinstance(getattr(bound, "__self__", None),
                                                StepInstrumentation):
            return False  # someone else bound a step on this instance
        return type(model).train_step is TensorFlowTrainer.train_step

    def _users_changed(self) -> None:
        # The last one out restores the model's own step.
        if self._users:
            self._install()
        else:
            self._uninstall()

    def _abandon(self) -> None:
        """Drop every user and remove the step: the fit that installed it is over."""
        self._users.clear()
        self._features = frozenset()
        self._uninstall()

    def _install(self) -> None:
        model = self.model
        optimizer = model.optimizer
        self.loss_scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        if optimizer is not None and not optimizer.built and model.trainable_weights:
            optimizer.build(model.trainable_weights)
        if model.jit_compile:
            model.jit_compile = False
            self.jit_disabled = True
        if self._capture_requested_variable is None:
            self._capture_requested_variable = tf.Variable(
                self.capture_requested, trainable=False, name="unetdiag_capture_requested")
            self._anomaly_capture_variable = tf.Variable(
                self.anomaly_capture, trainable=False, name="unetdiag_anomaly_capture")
        self._batch_key = None
        model.train_step = self._train_step
        model.make_train_function = self._make_train_function
        self._make_train_function(force=True)

    def _make_train_function(self, force: bool = False) -> Callable | None:
        """``model.make_train_function`` while the step is installed (module doc)."""
        model = self.model
        if not force:
            # A new fit() or train_on_batch() starts: the fit that installed the step ended
            # without on_train_end (it raised), so nothing here is wanted any more.
            self._abandon()
            return model.make_train_function()
        type(model).make_train_function(model, force=True)
        model.train_function = self._wrap_train_function(model.train_function)
        return model.train_function

    def _uninstall(self) -> None:
        model = self._model_ref()
        if model is None:
            return
        for name in ("train_step", "make_train_function"):
            if name in vars(model):
                delattr(model, name)
        # The next fit() builds the model's own train function again.
        model.train_function = None
        if self.jit_disabled:
            # Functions traced while XLA was off are rebuilt with it by the next call.
            model.jit_compile = True
            model.test_function = model.predict_function = None
            self.jit_disabled = False

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
        """Copy the next batch(es) to the host (sampling); only assigns when it changes, so
        setting it never reads the device."""
        if self._capture_requested_variable is not None and self.capture_requested != wanted:
            self._capture_requested_variable.assign(wanted)
            super().request_capture(wanted)

    def enable_anomaly_capture(self, wanted: bool) -> None:
        """Copy batches with label or input anomalies (on by default)."""
        if self._anomaly_capture_variable is not None and self.anomaly_capture != wanted:
            self._anomaly_capture_variable.assign(wanted)
            super().enable_anomaly_capture(wanted)

    # --- the step -----------------------------------------------------------------------
    def _batch_copier(self, counts: tuple[int, int, int]) -> Callable[..., np.bool_]:
        """The host function ``tf.numpy_function`` calls with the batch to copy."""
        n_x, n_y, _ = counts

        def copy_batch(replica: np.ndarray, *arrays: np.ndarray) -> np.bool_:
            copies = [np.array(a, copy=True) for a in arrays]
            with self._capture_lock:
                # A replica that already gave its shard is copying a later step of the same
                # call (steps_per_execution > 1): that step's batch replaces the earlier one
                # rather than being concatenated to it as another replica's shard.
                if self.capture is None or int(replica) in self.capture.replicas:
                    self.capture = CapturedBatch(step=self._step)
                self.capture.replicas.add(int(replica))
                self.capture.add_shard(copies[:n_x], copies[n_x:n_x + n_y], copies[n_x + n_y:])
            return np.bool_(True)

        return copy_batch

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

        # Read before the forward pass, which updates the BatchNorm moving statistics, and
        # before the loss tracker and the compiled metrics count this step.
        state = StepState.read(model, model.metrics_variables) if guard else None

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
        # Counted now, put back with the update if the step fails; the logs are read after.
        model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)
        step = guarded_update(
            model, optimizer, gradients, unscaled_loss, guard=guard,
            loss_scaled=self.loss_scaled,
            audit_batch=(flat_x, flat_y[0]) if AUDIT in features and flat_y else None,
            state=state)
        if guard:
            self.gradient_paths, self.weight_paths = step.gradient_paths, step.weight_paths

        capture_now = step.failed
        if step.anomaly is not None:
            # Non-binary labels count too: the host turns anomaly copies off after a few.
            capture_now = tf.logical_or(capture_now, tf.logical_or(
                tf.logical_and(step.anomaly, self._anomaly_capture_variable),
                self._capture_requested_variable))
        flat_pred = [t for t in tf.nest.flatten(y_pred) if t is not None]
        copy_batch = self._batch_copier((len(flat_x), len(flat_y), len(flat_pred)))
        replica = tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group,
                          tf.int32)
        captured = tf.cast(tf.cond(
            capture_now,
            lambda: tf.reshape(tf.numpy_function(
                copy_batch, [replica, *flat_x, *flat_y, *flat_pred], Tout=tf.bool,
                stateful=True), []),
            lambda: tf.constant(False)), tf.float64)

        logs = dict(model.get_metrics_result())
        # The layout is recorded while tracing; read_step_values() reads it.
        logs[PACKED_KEY], self._packed_layout = pack_step_values(
            {**step.scalars, "captured": captured}, step.vectors)
        return logs
