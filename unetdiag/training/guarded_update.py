"""The guarded update: one train step's update and what it measures, for ``fit`` and the loop.

Two steps train unetdiag's models: the ``train_step`` installed for ``model.fit``
(:class:`~unetdiag.training.instrument.StepInstrumentation`) and the multi-worker custom
loop (:func:`~unetdiag.training.distributed.fit_with_strategy`). Each runs its forward pass
and takes its gradients its own way, then hands them to :func:`guarded_update`, which:

- checks the gradients and the loss: one ``l2_loss`` per gradient (non-finite exactly when
  the gradient holds a NaN/Inf, or its squared norm overflows float32), the global gradient
  norm, the batch loss;
- with an audit batch, summarises the labels and inputs: label min/max, counts of
  out-of-range, non-binary, non-finite label pixels, foreground pixels, empty masks,
  non-finite input values (exact counts taken only when a cheap screen finds something; see
  :func:`_audit_statistics`);
- combines every value across replicas (below), so the decision is the same on all of them;
- applies the update, then checks every weight (trainable and not) the same way, and judges
  the step on all three: gradients, loss, weights. A step that fails any of them **changes
  nothing**: weights, optimizer state (moments, ``iterations``), the non-trainable state the
  forward pass updated (BatchNorm moving statistics) and the metric state the step updated
  (the loss tracker and compiled metrics: a step put back is not counted) are put back to
  their values before *this* step (:class:`StepState`, :func:`apply_or_put_back`). So a step
  with finite gradients whose update overflows a weight (a learning-rate spike) is put back
  like a NaN batch. Under a ``LossScaleOptimizer``, which skips non-finite gradients itself
  (and halves its scale, which is kept), the optimizer's update is put back only when finite
  gradients still made a weight non-finite. The update is applied unconditionally and put
  back from a copy when the step fails: gating it on the finiteness flags instead would make
  every variable's update wait for the last gradient, serialising the update behind the
  backward pass (on a 2-core Xeon at the trainer's defaults: 176.6 against 161.6 ms/step;
  docs/benchmarks-callbacks.md).

The values travel as float64 scalars and per-variable flag vectors packed into one vector
(:func:`pack_step_values`), read back by name on the host (:func:`unpack_step_values`).

tf.distribute: Keras MEAN-reduces the values a ``train_step`` returns across replicas (an
integer flag 1 on one of two replicas becomes 0.5 or 0). Every value here is therefore
combined across replicas *inside* the step first (``all_gather``, then a sum, a min or a
max per value), so all replicas return the same number and the mean leaves it unchanged:
counts are totals over the global batch, flags are "on any replica", the gradient norm is
the root-sum-square of the per-replica norms (each replica's gradient is of its share of the
loss). The weight flags are combined the same way (mirrored weights agree anyway; this makes
the decision safe for any variable). The skip decision is therefore the same on every
replica. With one device the combination is skipped entirely.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

#: A label pixel above this value is foreground (as in diag.checks.masks.foreground_counts).
FOREGROUND_THRESHOLD = 0.5
#: The audit's values, by how each is combined across replicas.
AUDIT_SUMS = ("label_pixels", "label_out_of_range", "label_non_binary", "label_non_finite",
              "foreground_pixels", "images", "empty_masks", "input_non_finite")
AUDIT_MINIMA = ("label_min",)
AUDIT_MAXIMA = ("label_max",)
#: Audit counts of which any above 0 makes a batch anomalous (worth a copy checked in full).
ANOMALY_COUNTS = ("label_out_of_range", "label_non_finite", "label_non_binary",
                  "input_non_finite")
#: Per-variable flag vectors; :func:`unpack_step_values` turns each into a count and the
#: index of the first flagged variable (-1 for none).
FLAG_VECTORS = {"gradient_flags": ("nonfinite_gradient_count", "first_nonfinite_gradient"),
                "weight_flags": ("nonfinite_weight_count", "first_nonfinite_weight")}


@dataclass
class StepValues:
    """What one :func:`guarded_update` measured (identical on every replica)."""

    #: float64 scalars by name: the guard's and the audit's.
    scalars: dict[str, tf.Tensor]
    #: float64 per-variable flags (``gradient_flags``, ``weight_flags``); empty without guard.
    vectors: dict[str, tf.Tensor]
    #: True when the step was put back (or skipped by a ``LossScaleOptimizer``).
    failed: tf.Tensor
    #: True when a label or input anomaly was counted; None without an audit batch.
    anomaly: tf.Tensor | None
    #: Variable paths behind the ``first_nonfinite_gradient`` / ``_weight`` indices.
    gradient_paths: list[str]
    weight_paths: list[str]


@dataclass
class StepState:
    """The state a step changes besides the optimizer's update, read before the step.

    ``variables``: the model's floating-point non-trainable weights (updated by the forward
    pass: BatchNorm moving statistics) and the metric variables the step updates (Keras's
    loss tracker and compiled metrics, or the custom loop's metrics); ``before``: their values
    read by :meth:`read` before the forward pass, put back when the step fails.
    """

    variables: list
    before: list

    @classmethod
    def read(cls, model: keras.Model, metric_variables: Sequence = ()) -> StepState:
        """Read the state; call before the forward pass (in the step being traced)."""
        variables = [*(v for v in model.non_trainable_weights if is_float_dtype(v.dtype)),
                     *metric_variables]
        return cls(variables, [tf.identity(v.value) for v in variables])

    @classmethod
    def empty(cls) -> StepState:
        return cls([], [])


def is_float_dtype(dtype: Any) -> bool:
    return tf.as_dtype(dtype).is_floating


def float_weights(model: keras.Model) -> list:
    """The model's floating-point weights, in the order the update checks them."""
    return [w for w in model.weights if is_float_dtype(w.dtype)]


def weight_paths(model: keras.Model) -> list[str]:
    """Paths of the model's floating-point weights, in the order the update checks them."""
    return [w.path for w in float_weights(model)]


def guarded_update(model: keras.Model, optimizer: keras.optimizers.Optimizer,
                   gradients: list, loss: tf.Tensor, *, guard: bool = True,
                   loss_scaled: bool = False,
                   audit_batch: tuple[Sequence[tf.Tensor], tf.Tensor] | None = None,
                   state: StepState | None = None,
                   agree_loss_scale_skip: bool = False) -> StepValues:
    """Apply ``gradients`` (of ``model.trainable_weights``), check every weight, and put the
    step back unless gradients, ``loss`` and weights are all finite; measure the step (see the
    module docstring). Runs in replica context.

    Args:
        loss: the batch loss judged and reported (unscaled).
        guard: False applies the update as Keras does and measures only the audit.
        loss_scaled: the optimizer is a ``LossScaleOptimizer``, which skips non-finite
            gradients itself (and halves its scale); ``loss`` is then not judged.
        audit_batch: ``(inputs, labels)`` to summarise, or None.
        state: what else the step changed (:meth:`StepState.read` before the forward pass),
            put back with the update when the step fails.
        agree_loss_scale_skip: the ``LossScaleOptimizer`` judges each replica's own
            gradients; make all gradients non-finite when any replica's are, so every
            replica skips the same step (none is left waiting in the optimizer's all-reduce).
    """
    trainable = model.trainable_weights
    state = state or StepState.empty()
    sums: dict[str, tf.Tensor] = {}
    minima: dict[str, tf.Tensor] = {}
    maxima: dict[str, tf.Tensor] = {}
    gradient_flags = None
    gradient_paths: list[str] = []
    if guard:
        present = [(v, g) for v, g in zip(trainable, gradients, strict=True) if g is not None]
        gradient_paths = [v.path for v, _ in present]
        # One op per variable: sum(g**2)/2 is non-finite when g holds a NaN/Inf (or when
        # the squared norm overflows float32, i.e. a norm above ~1.8e19).
        half_squares = tf.stack([tf.nn.l2_loss(_float32(g)) for _, g in present])
        gradient_flags = _non_finite_flags(half_squares)
        sums["gradient_square_sum"] = tf.cast(2.0 * tf.reduce_sum(half_squares), tf.float64)
        maxima["loss_nonfinite"] = tf.cast(
            tf.logical_not(tf.math.is_finite(_float32(loss))), tf.float64)
    if audit_batch is not None:
        _audit_statistics(*audit_batch, sums, minima, maxima)

    sums, minima, maxima, gradient_flags = _combine_across_replicas(
        sums, minima, maxima, gradient_flags)

    scalars: dict[str, tf.Tensor] = {}
    anomaly = None
    if audit_batch is not None:
        scalars.update({name: sums[name] for name in AUDIT_SUMS})
        scalars.update({name: minima[name] for name in AUDIT_MINIMA})
        scalars.update({name: maxima[name] for name in AUDIT_MAXIMA})
        anomaly = tf.add_n([sums[name] for name in ANOMALY_COUNTS]) > 0
    if not guard:
        if trainable:
            optimizer.apply_gradients(zip(gradients, trainable, strict=True))
        return StepValues(scalars, {}, tf.constant(False), anomaly, [], [])

    gradients_finite = tf.equal(tf.reduce_sum(gradient_flags), 0.0)
    scale_before = None
    if loss_scaled:
        if agree_loss_scale_skip:
            poison = tf.where(gradients_finite, 0.0, math.nan)
            gradients = [None if g is None else g + tf.cast(poison, g.dtype) for g in gradients]
        scale_before = tf.cast(tf.identity(optimizer.dynamic_scale.value), tf.float64)
        step_finite = gradients_finite
    else:
        step_finite = tf.logical_and(gradients_finite,
                                     tf.equal(maxima["loss_nonfinite"], 0.0))
    checked = float_weights(model)
    weight_flags, update_applied = apply_or_put_back(
        step_finite, optimizer, gradients, trainable, checked, state,
        keep_optimizer_skip=loss_scaled)
    scalars.update(_guard_scalars(sums, maxima, update_applied, optimizer, scale_before))
    scalars["batch_loss"] = tf.cast(loss, tf.float64)
    return StepValues(scalars, {"gradient_flags": gradient_flags, "weight_flags": weight_flags},
                      tf.logical_not(update_applied), anomaly, gradient_paths,
                      [w.path for w in checked])


def apply_or_put_back(step_finite: tf.Tensor, optimizer: keras.optimizers.Optimizer,
                      gradients: list, trainable: list, checked: Sequence,
                      state: StepState, keep_optimizer_skip: bool = False
                      ) -> tuple[tf.Tensor, tf.Tensor]:
    """Apply the update, check ``checked`` (every float weight), and put everything back
    unless ``step_finite`` holds and every checked weight is finite.

    The all-or-nothing skip of a failed step, without making the update wait for the skip
    decision: each variable's update runs as soon as its gradient exists, overlapping the
    rest of the backward pass, as in a plain Keras step. The values put back are read just
    before the update (the trainable weights and every optimizer variable: moments,
    ``iterations``...), plus ``state`` as it was before the forward pass.

    ``keep_optimizer_skip``: the optimizer is a ``LossScaleOptimizer``, which already skipped
    the update when ``step_finite`` is false (and halved its scale, which must stay); its
    update is then put back only when finite gradients made a weight non-finite.

    Returns:
        ``(weight_flags, applied)``: float64 flags of the weights non-finite after the
        update (combined across replicas), and whether the step was kept.

    Cost: one copy of the weights and the optimizer state per step (TensorFlow copies a
    variable's buffer on write while a read of it is still held); for a convolutional network
    this is small next to the step, since every weight is used at every pixel.
    """
    saved = [*trainable, *optimizer.variables]
    saved_before = [tf.identity(v.value) for v in saved]
    optimizer.apply_gradients(zip(gradients, trainable, strict=True))
    weight_flags = _combine_flags(_non_finite_flags(
        tf.stack([tf.nn.l2_loss(_float32(w.value)) for w in checked])))
    weights_finite = tf.equal(tf.reduce_sum(weight_flags), 0.0)
    applied = tf.logical_and(step_finite, weights_finite)
    if keep_optimizer_skip:
        put_back_unless(tf.logical_or(tf.logical_not(step_finite), weights_finite),
                        saved, saved_before)
        put_back_unless(applied, state.variables, state.before)
    else:
        put_back_unless(applied, [*saved, *state.variables], [*saved_before, *state.before])
    return weight_flags, applied


def put_back_unless(applied: tf.Tensor, variables: Sequence, values: Sequence) -> None:
    """Assign ``values`` to ``variables`` when ``applied`` is false (in any replica context).

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
        tf.cond(applied, lambda: None, put_back)
        return

    def cross_replica(distribution, applied) -> None:
        first_applied = distribution.experimental_local_results(applied)[0]
        tf.cond(first_applied, lambda: None,
                lambda: distribution.extended.call_for_each_replica(put_back))

    tf.distribute.get_replica_context().merge_call(cross_replica, args=(applied,))


def pack_step_values(scalars: Mapping[str, tf.Tensor], vectors: Mapping[str, tf.Tensor]
                     ) -> tuple[tf.Tensor, list[tuple[str, int]]]:
    """One float64 vector of the scalars then the vectors, and its layout ``[(name, length)]``
    (recorded while tracing; :func:`unpack_step_values` reads the vector with it)."""
    layout = [(name, 1) for name in scalars] + [
        (name, int(vector.shape[0])) for name, vector in vectors.items()]
    return tf.concat([tf.stack(list(scalars.values())), *vectors.values()], axis=0), layout


def unpack_step_values(packed: np.ndarray, layout: Sequence[tuple[str, int]]
                       ) -> dict[str, float]:
    """The packed values by name; each flag vector as a count and its first flagged index.

    >>> unpack_step_values(np.array([0.5, 0, 1, 1]), [("batch_loss", 1), ("gradient_flags", 3)])
    {'batch_loss': 0.5, 'nonfinite_gradient_count': 2.0, 'first_nonfinite_gradient': 1.0}
    """
    values: dict[str, float] = {}
    offset = 0
    for name, length in layout:
        if name in FLAG_VECTORS:
            flagged = np.flatnonzero(packed[offset:offset + length] > 0)
            count_name, first_name = FLAG_VECTORS[name]
            values[count_name] = float(flagged.size)
            values[first_name] = float(flagged[0]) if flagged.size else -1.0
        else:
            values[name] = float(packed[offset])
        offset += length
    return values


def _float32(tensor: tf.Tensor) -> tf.Tensor:
    return tensor if tensor.dtype == tf.float32 else tf.cast(tensor, tf.float32)


def _non_finite_flags(values: tf.Tensor) -> tf.Tensor:
    return tf.cast(tf.logical_not(tf.math.is_finite(values)), tf.float64)


def _audit_statistics(flat_x: Sequence[tf.Tensor], labels: tf.Tensor, sums: dict,
                      minima: dict, maxima: dict) -> None:
    """Label and input summaries of one (per-replica) batch.

    Every batch pays a screen of four passes over the labels and one over the inputs:
    per-image label sums, "any ``y * (1 - y) != 0``", min and max of the labels; the sum of
    the inputs. A sum is non-finite when a value is NaN/Inf; ``y * (1 - y)`` is exactly 0 for
    a label of exactly 0 or 1 and non-zero (or NaN) for any other, so the screen is exact
    whatever the batch size. (``sum(y**2) == sum(y)``, the screen it replaces, lost a few
    0.999 labels in the rounding of float32 sums over a large batch.) Only when the screen
    finds something are the exact pixel counts taken and foreground counted by threshold;
    for clean 0/1 labels the per-image sums are the foreground counts.
    """
    labels = _float32(labels)
    inputs = [_float32(t) for t in flat_x if is_float_dtype(t.dtype)]
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
        tf.reduce_any(tf.not_equal(labels * (1.0 - labels), 0.0))]))

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
        gradient_flags = _combine_flags(gradient_flags)
    return sums, minima, maxima, gradient_flags


def _combine_flags(flags: tf.Tensor) -> tf.Tensor:
    """Per-variable flags set on any replica (unchanged with one)."""
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return flags
    gathered = context.all_gather(flags[tf.newaxis], axis=0)
    return tf.reshape(tf.reduce_max(gathered, axis=0), flags.shape)


def _guard_scalars(sums: dict, maxima: dict, update_applied: tf.Tensor,
                   optimizer: keras.optimizers.Optimizer,
                   scale_before: tf.Tensor | None) -> dict[str, tf.Tensor]:
    """The guard's per-batch scalars (float64); the per-variable flags travel as vectors."""
    norm = tf.sqrt(sums["gradient_square_sum"])
    static_scale = getattr(optimizer, "loss_scale_factor", None)
    if scale_before is not None:
        norm = norm / scale_before
    elif static_scale is not None:
        norm = norm / static_scale
    scalars = {
        "gradient_norm": norm,
        "loss_nonfinite": maxima["loss_nonfinite"],
        "update_skipped": tf.cast(tf.logical_not(update_applied), tf.float64),
    }
    if scale_before is not None:
        scalars["loss_scale"] = tf.cast(optimizer.dynamic_scale.value, tf.float64)
    return scalars
