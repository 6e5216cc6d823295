"""Training under ``tf.distribute``: the strategy, the chief, and a custom loop for many workers.

Two routes (``docs/distributed.md`` says why):

- ``"default"`` and ``"mirrored"`` (one machine): build and compile the model inside
  ``strategy.scope()`` and call ``model.fit`` inside :func:`local_predictions` (Keras's
  ``predict_on_batch`` duplicates rows under more than one replica); every diagnostic
  callback works unchanged (the instrumented step combines its values across replicas).
- ``"multiworker"``: ``model.fit`` under ``MultiWorkerMirroredStrategy`` fails on Keras 3.15 /
  TF 2.21 (keras-team/keras#20585), so :func:`fit_with_strategy` trains with its own loop: a
  ``tf.function`` step run with ``strategy.run``, losses scaled by the global batch size,
  the update of ``fit``'s instrumented ``train_step``
  (:func:`~unetdiag.training.guarded_update.guarded_update`: a failed step put back), and
  the Keras callback protocol driven by hand. The loop feeds the values that update measures
  to the callbacks' hub (:class:`LoopInstrumentation`), so
  :class:`~unetdiag.training.callbacks.NonFiniteGuard` and
  :class:`~unetdiag.training.callbacks.BatchAudit` run unchanged and produce the same
  findings (``guard.non_finite``, ``guard.loss_scale_skips``, ``labels.*``...).

What the loop covers: the guard's every check (non-finite batch loss, gradients and weights,
the step put back with the optimizer state, BatchNorm statistics and the loop's metrics, first
bad variable named, batch saved, loss-scale skips and collapse), the batch audit (counts over
the global batch; the copies checked in full are this worker's shards), the Dice and
saturation monitors. A step put back is not counted in the logged loss and metrics. Not
covered: ``steps_per_execution`` is 1.

Call order in a program (MultiWorkerMirroredStrategy configures collective ops, which TF allows
only before anything else initialises the runtime)::

    strategy, info = make_strategy(config.strategy)     # FIRST, before any other TF op
    with worker_output_dir(run_dir, info) as output_dir:  # the chief's is run_dir
        ...build datasets batched by global_batch_size(per_worker_batch, info)...
        result = fit_with_strategy(strategy, build_model, loss, build_metrics,
                                   build_optimizer, train_ds, val_ds, epochs, callbacks)
        if is_chief(info):
            ...write the report...

>>> strategy, info = make_strategy("default")
>>> info["workers"], info["is_chief"], is_chief(info)
(1, True, True)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.guarded_update import (
    ANOMALY_COUNTS,
    StepState,
    guarded_update,
    is_float_dtype,
    pack_step_values,
    unpack_step_values,
)
from unetdiag.training.instrument import AUDIT, GUARD, CapturedBatch, InstrumentationHub

STRATEGIES = ("default", "mirrored", "multiworker")
TF_CONFIG_VARIABLE = "TF_CONFIG"
#: Task types a TF_CONFIG cluster may list for MultiWorkerMirroredStrategy.
WORKER_TASK_TYPES = ("chief", "worker")
#: Key of the float64 vector of per-step scalars the loop's step returns.
_VALUES_KEY = "values"


# ------------------------------------------------------------------------------- strategy


def make_strategy(name: str) -> tuple[tf.distribute.Strategy, dict[str, Any]]:
    """Create the ``tf.distribute`` strategy named by ``unetdiag train --strategy``.

    ``"multiworker"`` reads the cluster from ``TF_CONFIG`` (the standard way) and must be
    called at program start, before any other TensorFlow op runs.

    Returns:
        ``(strategy, info)`` with ``info``: ``strategy`` (the name), ``workers``,
        ``task_type``, ``task_index``, ``is_chief``, ``replicas`` (in sync, all workers).

    Raises:
        UserError: an unknown name (``USAGE``), or for ``"multiworker"`` a missing or invalid
            ``TF_CONFIG`` (``USAGE``), in one line.
        RuntimeError: ``"multiworker"`` after TensorFlow already initialised its runtime.

    >>> make_strategy("default")[1]["replicas"]
    1
    """
    if name == "default":
        strategy = tf.distribute.get_strategy()
        return strategy, _info(name, strategy, 1, None, 0, True)
    if name == "mirrored":
        strategy = tf.distribute.MirroredStrategy()
        return strategy, _info(name, strategy, 1, None, 0, True)
    if name != "multiworker":
        raise UserError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}",
                        ExitCode.USAGE)
    cluster, task_type, task_index = parse_tf_config(os.environ.get(TF_CONFIG_VARIABLE))
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    except RuntimeError as error:
        raise RuntimeError(
            "MultiWorkerMirroredStrategy must be created at program start, before any other "
            f"TensorFlow op (call make_strategy first): {error}") from error
    workers = sum(len(cluster.get(kind, [])) for kind in WORKER_TASK_TYPES)
    chief = task_type == "chief" or ("chief" not in cluster and task_index == 0)
    return strategy, _info(name, strategy, workers, task_type, task_index, chief)


def _info(name: str, strategy: tf.distribute.Strategy, workers: int, task_type: str | None,
          task_index: int, chief: bool) -> dict[str, Any]:
    return {"strategy": name, "workers": workers, "task_type": task_type,
            "task_index": task_index, "is_chief": chief,
            "replicas": int(strategy.num_replicas_in_sync)}


def parse_tf_config(text: str | None) -> tuple[dict[str, list[str]], str, int]:
    """Check a ``TF_CONFIG`` value for MultiWorkerMirroredStrategy: ``(cluster, type, index)``.

    Raises:
        UserError (``USAGE``): missing, not JSON, no ``worker``/``chief`` addresses, or a task
            that is not one of them.

    >>> parse_tf_config('{"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, '
    ...                 '"task": {"type": "worker", "index": 1}}')[1:]
    ('worker', 1)
    """
    where = f"--strategy multiworker needs {TF_CONFIG_VARIABLE}"
    if not text or not text.strip():
        raise UserError(f"{where} (JSON with cluster.worker addresses and a task), but it is "
                        "not set", ExitCode.USAGE)
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise UserError(f"{where}; it is not valid JSON ({error.msg} at character "
                        f"{error.pos})", ExitCode.USAGE) from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not any(
            isinstance(cluster.get(kind), list) and cluster[kind] for kind in WORKER_TASK_TYPES):
        raise UserError(f"{where}; its \"cluster\" lists no \"worker\" addresses",
                        ExitCode.USAGE)
    for kind in WORKER_TASK_TYPES:
        for address in cluster.get(kind, []):
            if not isinstance(address, str) or address.rpartition(":")[2] in ("", address):
                raise UserError(f"{where}; cluster.{kind} address {address!r} is not "
                                "host:port", ExitCode.USAGE)
    if not isinstance(task, dict):
        raise UserError(f"{where}; it has no \"task\" (type and index of this process)",
                        ExitCode.USAGE)
    task_type, task_index = task.get("type"), task.get("index")
    if task_type not in WORKER_TASK_TYPES or task_type not in cluster:
        raise UserError(f"{where}; task type {task_type!r} is not one of the cluster's "
                        f"{[k for k in WORKER_TASK_TYPES if k in cluster]}", ExitCode.USAGE)
    if (isinstance(task_index, bool) or not isinstance(task_index, int)
            or not 0 <= task_index < len(cluster[task_type])):
        raise UserError(f"{where}; task index {task_index!r} is outside 0.."
                        f"{len(cluster[task_type]) - 1}", ExitCode.USAGE)
    return cluster, task_type, task_index


def worker_count(strategy: tf.distribute.Strategy) -> int:
    """Number of worker processes training with ``strategy`` (1 unless multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None:
        return 1
    cluster = resolver.cluster_spec().as_dict()
    return max(1, sum(len(cluster.get(kind, [])) for kind in WORKER_TASK_TYPES))


def is_chief(info: Mapping[str, Any]) -> bool:
    """Whether this process writes the run directory and the report (task 0 / the chief)."""
    return bool(info["is_chief"])


def global_batch_size(per_worker_batch: int, info: Mapping[str, Any]) -> int:
    """The batch size to batch the dataset with: ``per_worker_batch * workers``.

    ``experimental_distribute_dataset`` splits every global batch among all replicas, so each
    worker trains on ``per_worker_batch`` images per step.

    >>> global_batch_size(8, {"workers": 2})
    16
    """
    return per_worker_batch * int(info["workers"])


@contextlib.contextmanager
def worker_output_dir(run_dir: str | os.PathLike, info: Mapping[str, Any]) -> Iterator[Path]:
    """The directory this worker writes to: ``run_dir`` on the chief, a throwaway temporary
    directory (removed on exit) on every other worker, as Keras's multi-worker guide does.

    Every worker runs the same callbacks (the NaN guard saves weights and batches); only the
    chief's files are kept.
    """
    if is_chief(info):
        yield Path(run_dir)
        return
    scratch = Path(tempfile.mkdtemp(prefix=f"unetdiag-{info['task_type']}{info['task_index']}-"))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def distribute_dataset(strategy: tf.distribute.Strategy, dataset: tf.data.Dataset) -> Any:
    """Distribute a dataset batched by the global batch size, sharded by data.

    ``AutoShardPolicy.DATA``: every worker reads the whole pipeline and keeps its share of
    each global batch (a file-based split would need at least as many files as workers and
    depends on how the pipeline lists them).
    """
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return strategy.experimental_distribute_dataset(dataset.with_options(options))


# --------------------------------------------------------------------- callback instrumentation


class LoopInstrumentation(InstrumentationHub):
    """The callbacks' instrumentation hub, fed by :func:`fit_with_strategy`'s step.

    ``NonFiniteGuard`` and ``BatchAudit`` look their model's hub up with
    :meth:`~unetdiag.training.instrument.StepInstrumentation.attach`; the loop attaches this
    one to its model first, so they read the loop's values through the same
    :meth:`~unetdiag.training.instrument.InstrumentationHub.read_step_values` and ``capture``
    they use under ``fit``. Nothing is installed on the model: the loop's own step computes
    the values and hands them over with
    :meth:`~unetdiag.training.instrument.InstrumentationHub.publish`.
    """

    def __init__(self, model: keras.Model, loss_scaled: bool) -> None:
        super().__init__(model)
        self.loss_scaled = loss_scaled

    @classmethod
    def install(cls, model: keras.Model, loss_scaled: bool) -> LoopInstrumentation:
        hub = cls(model, loss_scaled)
        hub.attach_to_model()
        return hub

    def remove(self) -> None:
        self.detach_from_model()


# -------------------------------------------------------------------------------- the loop


def _per_example_loss(loss: Callable, y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """One float32 loss per image: the loss's unreduced values averaged over each image."""
    unreduced = getattr(loss, "call", loss)(tf.cast(y_true, tf.float32),
                                             tf.cast(y_pred, tf.float32))
    unreduced = tf.cast(unreduced, tf.float32)
    if unreduced.shape.rank is not None and unreduced.shape.rank > 1:
        unreduced = tf.reduce_mean(tf.reshape(unreduced, [tf.shape(unreduced)[0], -1]), axis=1)
    return unreduced


def _average_forward_state(context: tf.distribute.ReplicaContext, model: keras.Model) -> None:
    """Make the state the forward pass updated (BatchNorm moving statistics) the mean over
    the replicas.

    Keras 3 creates BatchNorm's moving statistics with aggregation ``"none"``: each replica
    updates its own copy from its own shard, so the workers' models drift apart (and each
    saves different statistics). tf.keras averaged them across replicas (aggregation MEAN);
    this does the same, after the forward pass and before the step is judged.
    """
    if context.num_replicas_in_sync == 1:
        return
    state = [v for v in model.non_trainable_weights if is_float_dtype(v.dtype)]
    if not state:
        return
    averaged = context.all_reduce(tf.distribute.ReduceOp.MEAN,
                                  [tf.identity(v.value) for v in state])
    for variable, value in zip(state, averaged, strict=True):
        variable.assign(value)


def _local_results(strategy: tf.distribute.Strategy, value: Any) -> list[np.ndarray]:
    return [np.asarray(t) for t in strategy.experimental_local_results(value)]


class _Loop:
    """Builds the distributed train, test and agreement steps for one model."""

    def __init__(self, strategy: tf.distribute.Strategy, model: keras.Model, loss: Callable,
                 metrics: Sequence[keras.metrics.Metric],
                 optimizer: keras.optimizers.Optimizer, hub: LoopInstrumentation) -> None:
        self.strategy = strategy
        self.model = model
        self.loss = loss
        self.metrics = list(metrics)
        self.optimizer = optimizer
        self.hub = hub
        self.layout: list[tuple[str, int]] = []
        self.workers = worker_count(strategy)
        self.train_step = tf.function(self._train_step, reduce_retracing=True)
        self.test_step = tf.function(self._test_step, reduce_retracing=True)
        self.agree = tf.function(self._agree)

    # --- steps (traced) ------------------------------------------------------------------
    def _train_step(self, batch: Any) -> dict[str, Any]:
        return self.strategy.run(self._replica_train_step, args=batch)

    def _replica_train_step(self, x: tf.Tensor, y: tf.Tensor) -> dict[str, Any]:
        context = tf.distribute.get_replica_context()
        model, optimizer = self.model, self.optimizer
        local_images = tf.cast(tf.shape(y)[0], tf.float32)
        global_images = context.all_reduce(tf.distribute.ReduceOp.SUM, local_images)
        # Before the forward pass (BatchNorm statistics) and the metrics' update.
        state = StepState.read(model, [v for m in self.metrics for v in m.variables])
        with tf.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss_sum = tf.reduce_sum(_per_example_loss(self.loss, y, y_pred))
            # Each replica's share of the global-batch mean; the optimizer sums the gradients.
            loss = loss_sum / tf.maximum(global_images, 1.0)
            if model.losses:
                loss += tf.add_n([tf.cast(t, tf.float32) for t in model.losses]) / tf.cast(
                    context.num_replicas_in_sync, tf.float32)
            scaled_loss = optimizer.scale_loss(loss)
        gradients = tape.gradient(scaled_loss, model.trainable_weights)
        _average_forward_state(context, model)
        batch_loss = context.all_reduce(tf.distribute.ReduceOp.SUM, loss)
        for metric in self.metrics:
            metric.update_state(y, y_pred)  # put back with the update if the step fails
        step = guarded_update(model, optimizer, gradients, batch_loss,
                              loss_scaled=self.hub.loss_scaled, audit_batch=([x], y),
                              state=state, agree_loss_scale_skip=True)
        self.hub.gradient_paths, self.hub.weight_paths = step.gradient_paths, step.weight_paths
        values, self.layout = pack_step_values(
            {**step.scalars, "global_images": tf.cast(global_images, tf.float64)}, step.vectors)
        return {_VALUES_KEY: values, "x": x, "y": y, "y_pred": y_pred}

    def _test_step(self, batch: Any) -> tf.Tensor:
        return self.strategy.run(self._replica_test_step, args=batch)

    def _replica_test_step(self, x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
        context = tf.distribute.get_replica_context()
        y_pred = self.model(x, training=False)
        loss_sum = tf.reduce_sum(_per_example_loss(self.loss, y, y_pred))
        for metric in self.metrics:
            metric.update_state(y, y_pred)
        return context.all_reduce(tf.distribute.ReduceOp.SUM,
                                  tf.stack([loss_sum, tf.cast(tf.shape(y)[0], tf.float32)]))

    def _agree(self, flag: tf.Tensor) -> tf.Tensor:
        def replica(value: tf.Tensor) -> tf.Tensor:
            # A copy on this replica's device: a host constant has no all-reduce destination.
            return tf.distribute.get_replica_context().all_reduce(
                tf.distribute.ReduceOp.SUM, tf.identity(value))
        return self.strategy.experimental_local_results(
            self.strategy.run(replica, args=(flag,)))[0]

    # --- host side -----------------------------------------------------------------------
    def unpack(self, outputs: dict[str, Any]) -> dict[str, float]:
        """The step's values, named as the instrumented ``train_step`` names them."""
        packed = _local_results(self.strategy, outputs[_VALUES_KEY])[0].astype(np.float64)
        return unpack_step_values(packed, self.layout)

    def capture(self, outputs: dict[str, Any], step: int) -> CapturedBatch:
        """This worker's shards of the batch, copied to the host."""
        batch = CapturedBatch(step=step)
        for x, y, y_pred in zip(*(_local_results(self.strategy, outputs[key])
                                  for key in ("x", "y", "y_pred")), strict=True):
            batch.add_shard([x], [y], [y_pred])
        return batch

    def any_worker(self, flag: bool) -> bool:
        """True on every worker when ``flag`` is True on any (a stop must be agreed)."""
        if self.workers <= 1:
            return flag
        return float(self.agree(tf.constant(1.0 if flag else 0.0))) > 0


def _wants_capture(values: Mapping[str, float], hub: LoopInstrumentation) -> bool:
    """The decision the installed ``train_step`` takes in-graph, on the host."""
    anomaly = any(values.get(key, 0.0) > 0 for key in ANOMALY_COUNTS)
    trouble = values["update_skipped"] > 0 or values["nonfinite_weight_count"] > 0
    audit = AUDIT in hub.features
    return ((GUARD in hub.features and trouble)
            or (audit and (hub.capture_requested or (anomaly and hub.anomaly_capture))))


def _metric_logs(metrics: Sequence[keras.metrics.Metric], prefix: str = "") -> dict[str, float]:
    return {prefix + metric.name: float(metric.result()) for metric in metrics}


def fit_with_strategy(strategy: tf.distribute.Strategy, build_model: Callable[[], keras.Model],
                      loss: Callable, build_metrics: Callable[[], Sequence[keras.metrics.Metric]],
                      build_optimizer: Callable[[], keras.optimizers.Optimizer],
                      train_ds: tf.data.Dataset, val_ds: tf.data.Dataset | None, epochs: int,
                      callbacks: Sequence[keras.callbacks.Callback] = (),
                      steps_per_epoch: int | None = None) -> dict[str, Any]:
    """Train with a custom loop under ``strategy`` (any strategy; built for multi-worker).

    The model, metrics and optimizer are built inside ``strategy.scope()`` (pass builders, not
    objects). ``train_ds``/``val_ds`` yield ``(x, y)`` batches of the **global** batch size
    (:func:`global_batch_size`); they are distributed with :func:`distribute_dataset`.
    Each step: forward pass per replica, the loss as one float32 value per image summed and
    divided by the global image count (so the summed gradients are those of the global-batch
    mean), the update applied, then gradients, loss and every weight checked for NaN/Inf
    across all replicas and the step put back unless all are finite (under ``mixed_float16``
    the ``LossScaleOptimizer`` skips non-finite gradients and halves its scale, every replica
    alike).

    Callbacks get ``set_model``, ``set_params``, ``on_train_begin``, ``on_epoch_begin``,
    ``on_train_batch_begin``/``end`` (logs: running ``loss`` and metrics, Python floats),
    ``on_epoch_end`` (with ``val_`` logs) and ``on_train_end``; ``model.stop_training`` is
    honoured (agreed across workers, so all stop at the same step). The guard and the batch
    audit read the step's values through :class:`LoopInstrumentation`.

    Returns:
        ``{"history": {key: [value per epoch]}, "model": model, "epochs_completed": n,
        "stopped": bool}``.
    """
    with strategy.scope():
        model = build_model()
        optimizer = build_optimizer()
        if keras.config.dtype_policy().name == "mixed_float16" and not isinstance(
                optimizer, keras.optimizers.LossScaleOptimizer):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        metrics = list(build_metrics())
        # Callbacks read model.optimizer; compile also builds nothing it would not use.
        model.compile(optimizer=optimizer, loss=loss, jit_compile=False)
        optimizer.build(model.trainable_weights)
    hub = LoopInstrumentation.install(
        model, isinstance(optimizer, keras.optimizers.LossScaleOptimizer))
    loop = _Loop(strategy, model, loss, metrics, optimizer, hub)
    train_dist = distribute_dataset(strategy, train_ds)
    val_dist = distribute_dataset(strategy, val_ds) if val_ds is not None else None
    # Last, as model.fit adds it: the epoch logs, also what SaturationMonitor reads.
    history = keras.callbacks.History()
    callback_list = keras.callbacks.CallbackList([*callbacks, history], model=model)
    callback_list.set_params({"verbose": 0, "epochs": epochs, "steps": steps_per_epoch})
    model.stop_training = False
    try:
        with local_predictions(model):
            _run_epochs(loop, model, metrics, train_dist, val_dist, callback_list, epochs,
                        steps_per_epoch, history.history)
    finally:
        hub.remove()
    return {"history": history.history, "model": model,
            "epochs_completed": len(history.history.get("loss", [])),
            "stopped": bool(model.stop_training)}


def _run_epochs(loop: _Loop, model: keras.Model, metrics: Sequence[keras.metrics.Metric],
                train_dist: Any, val_dist: Any, callback_list: keras.callbacks.CallbackList,
                epochs: int, steps_per_epoch: int | None,
                history: Mapping[str, list[float]]) -> None:
    """Epochs of the loop, driving the Keras callback protocol (``history``: what the
    ``History`` callback in ``callback_list`` records)."""
    hub = loop.hub
    callback_list.on_train_begin()
    for epoch in range(epochs):
        for metric in metrics:
            metric.reset_state()
        callback_list.on_epoch_begin(epoch)
        loss_total = images_total = 0.0
        logs: dict[str, float] = {}
        for step, batch in enumerate(train_dist):
            if steps_per_epoch is not None and step >= steps_per_epoch:
                break
            callback_list.on_train_batch_begin(step)
            outputs = loop.train_step(batch)
            values = loop.unpack(outputs)
            hub.publish(values, loop.capture(outputs, hub.step)
                        if _wants_capture(values, hub) else None)
            if values["update_skipped"] == 0:  # a step put back is not counted
                loss_total += values["batch_loss"] * values["global_images"]
                images_total += values["global_images"]
            # 0.0 before any counted step, as Keras's loss tracker reads.
            logs = {"loss": loss_total / images_total if images_total else 0.0,
                    **_metric_logs(metrics)}
            callback_list.on_train_batch_end(step, logs)
            model.stop_training = loop.any_worker(bool(model.stop_training))
            if model.stop_training:
                break
        epoch_logs = dict(logs)
        if val_dist is not None and not model.stop_training:
            epoch_logs.update(_evaluate(loop, val_dist, metrics))
        callback_list.on_epoch_end(epoch, epoch_logs)
        model.stop_training = loop.any_worker(bool(model.stop_training))
        if model.stop_training:
            break
    callback_list.on_train_end(history and {k: v[-1] for k, v in history.items()})


@contextlib.contextmanager
def local_predictions(model: keras.Model) -> Iterator[keras.Model]:
    """Make ``model.predict_on_batch`` compute on this process alone for the block.

    Under a strategy with more than one replica (MirroredStrategy on two devices too), Keras
    3.15's ``predict_on_batch`` feeds the whole batch to every replica and concatenates the
    copies: 4 probe images in, 8 rows out, and the Dice monitor fails on the shape. Inside
    this block it runs the model in one traced call outside ``strategy.run`` (no collective,
    so every worker may call it on its own). Wrap ``model.fit`` in it under ``"mirrored"``.
    """
    forward = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def predict_on_batch(x: Any) -> np.ndarray:
        return np.asarray(forward(tf.convert_to_tensor(x)))

    model.predict_on_batch = predict_on_batch
    try:
        yield model
    finally:
        del model.predict_on_batch


def _evaluate(loop: _Loop, val_dist: Any, metrics: Sequence[keras.metrics.Metric]
              ) -> dict[str, float]:
    for metric in metrics:
        metric.reset_state()
    loss_total = images_total = 0.0
    for batch in val_dist:
        loss_sum, images = _local_results(loop.strategy, loop.test_step(batch))[0]
        loss_total += float(loss_sum)
        images_total += float(images)
    logs = {"val_loss": loss_total / images_total if images_total else math.nan}
    logs.update(_metric_logs(metrics, "val_"))
    return logs
