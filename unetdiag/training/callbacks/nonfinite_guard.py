"""NonFiniteGuard: stop at the first NaN/Inf in the batch loss, a gradient or a weight."""

from __future__ import annotations

import io
import math
import os
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from unetdiag.diag.core.findings import Finding
from unetdiag.fsutil import atomic_save, atomic_write_bytes
from unetdiag.training.callbacks.base import InstrumentedCallback, is_finite_number
from unetdiag.training.callbacks.nonfinite_causes import diagnose_non_finite_batch
from unetdiag.training.callbacks.nonfinite_wording import (
    coarse_steps_finding,
    loss_scale_collapsed_finding,
    loss_scale_skips_finding,
    metric_non_finite_finding,
    non_finite_finding,
    xla_disabled_finding,
)
from unetdiag.training.guarded_update import weight_paths
from unetdiag.training.instrument import GUARD

#: File names the guard writes into its output directory.
LAST_FINITE_WEIGHTS = "last_finite.weights.h5"
NONFINITE_BATCH = "nonfinite_batch.npz"


class NonFiniteGuard(InstrumentedCallback):
    """Stop at the first non-finite batch loss, gradient or weight, and say why.

    Unlike ``keras.callbacks.TerminateOnNaN`` (which reads ``logs["loss"]``, an epoch running
    mean) it checks the loss of *this* batch, every gradient and every weight, every batch:
    with oneDNN on a CPU one NaN input pixel can make ``conv2d/kernel`` NaN while the loss
    stays finite. Each step is judged after its update, on its gradients, its loss and every
    weight: a step that fails is **put back** (weights, optimizer moments and ``iterations``,
    BatchNorm moving statistics, the loss tracker and compiled metrics are as before that
    step; :mod:`unetdiag.training.guarded_update`), so a learning-rate spike that overflows a
    weight from finite gradients is undone like a NaN batch, and the logged loss and metrics
    never count it. On the first failed step the guard

    - stops training (``model.stop_training``),
    - saves the finite weights as ``output_dir/last_finite.weights.h5`` (those before the
      failed step; if the weights were already non-finite before it, e.g. set so by another
      callback, those of the start of the epoch),
    - saves the batch as ``output_dir/nonfinite_batch.npz`` (``x``, ``y``, ``y_pred``),
    - records ``guard.non_finite`` naming the first non-finite gradient and weight (variable
      paths such as ``"conv2d/kernel"``), the epoch and batch, and the likely cause found in
      the batch (:func:`~unetdiag.training.callbacks.diagnose_non_finite_batch`).

    Under ``mixed_float16`` Keras's ``LossScaleOptimizer`` skips a step with non-finite
    gradients and halves its scale: that is recovery, counted in ``guard.loss_scale_skips``
    (info). The guard stops only when the scale falls below ``min_loss_scale`` or
    ``max_consecutive_skips`` steps in a row are skipped (``guard.loss_scale_collapsed``), or
    when a weight goes non-finite. ``mixed_bfloat16`` has no loss scaling and is guarded like
    float32.

    A compiled metric that turns non-finite while the loss, gradients and weights stay finite
    (a per-image Dice over a batch of empty masks can) is recorded as
    ``guard.metric_non_finite`` (warning) and training goes on. A model whose class overrides
    ``train_step`` is not instrumented (``guard.not_instrumented``): the guard then reads the
    logged loss each batch and checks the weights at each epoch end, on the host.

    Public state (read it after ``fit``; the logs are left as Keras makes them):

    - :attr:`epoch_steps`: one ``{"epoch", "applied", "skipped"}`` per epoch begun, the train
      steps kept and put back (``LossScaleOptimizer`` skips included). An epoch with
      ``applied == 0`` trained nothing: Keras still closes it (validation, ``History``; the
      loss tracker of an epoch that counted no step reads 0.0), so a caller should not count
      it as a trained epoch. Without instrumentation every step is applied (nothing can put
      one back).
    - :attr:`epochs_without_update`: the epochs of :attr:`epoch_steps` with no applied step.

    Args:
        output_dir: where the weights and the batch are written (created if needed).
        source: written into the findings.
        gradient_history: how many recent gradient norms the explosion check looks at.
        explosion_ratio: see ``diagnose_non_finite_batch``.
        tiny_dice_denominator: see ``diagnose_non_finite_batch``.
        min_loss_scale: mixed_float16: a loss scale below this has collapsed.
        max_consecutive_skips: mixed_float16: this many skipped steps in a row have collapsed
            (the optimizer's ``iterations`` stopped advancing).
        snapshot_each_epoch: keep a host copy of the weights at each epoch start, the fallback
            when the weights were already non-finite before the failed step (or the model has
            its own ``train_step``, so nothing put the step back).

    >>> import numpy as np, keras, tempfile
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same",
    ...                                                 activation="sigmoid")(inputs))
    >>> model.compile("adam", "binary_crossentropy")
    >>> x = np.ones((4, 8, 8, 1), "float32"); x[2, 3, 3, 0] = np.nan
    >>> guard = NonFiniteGuard(tempfile.mkdtemp())
    >>> _ = model.fit(x, np.zeros_like(x), batch_size=2, verbose=0, shuffle=False,
    ...               callbacks=[guard])
    >>> guard.stop_reason, guard.findings[0].evidence["batch"]
    ('guard.non_finite', 1)
    """

    def __init__(self, output_dir: str | os.PathLike, *, source: str = "",
                 gradient_history: int = 20, explosion_ratio: float = 10.0,
                 tiny_dice_denominator: float = 1e-3, min_loss_scale: float = 1.0,
                 max_consecutive_skips: int = 10, snapshot_each_epoch: bool = True) -> None:
        super().__init__(source)
        self.output_dir = Path(output_dir)
        self.gradient_history = gradient_history
        self.explosion_ratio = explosion_ratio
        self.tiny_dice_denominator = tiny_dice_denominator
        self.min_loss_scale = min_loss_scale
        self.max_consecutive_skips = max_consecutive_skips
        self.snapshot_each_epoch = snapshot_each_epoch
        self._reset()

    def _reset(self) -> None:
        self.stop_reason = None
        self._recorded: list[Finding] = []
        self._norms: deque[float] = deque(maxlen=self.gradient_history)
        self._skipped: list[dict[str, int]] = []
        self._consecutive_skips = 0
        self._lowest_scale: float | None = None
        self._nonfinite_keys: set[str] = set()
        self._metric_findings: dict[str, Finding] = {}
        self._snapshot: list[np.ndarray] | None = None
        self._snapshot_epoch: int | None = None
        self._batch = 0
        #: Train steps kept and put back, per epoch begun (class docstring).
        self.epoch_steps: list[dict[str, int]] = []

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_dir": str(self.output_dir),
                "gradient_history": self.gradient_history,
                "explosion_ratio": self.explosion_ratio,
                "tiny_dice_denominator": self.tiny_dice_denominator,
                "min_loss_scale": self.min_loss_scale,
                "max_consecutive_skips": self.max_consecutive_skips,
                "snapshot_each_epoch": self.snapshot_each_epoch}

    @property
    def epochs_without_update(self) -> list[int]:
        """Epochs begun in which no train step was applied (all were put back)."""
        return [steps["epoch"] for steps in self.epoch_steps if steps["applied"] == 0]

    @property
    def findings(self) -> list[Finding]:
        findings = list(self._recorded) + list(self._metric_findings.values())
        if self._skipped:
            findings.append(loss_scale_skips_finding(self._skipped, self._lowest_scale,
                                                     self.source))
        return findings

    # --- callback hooks -----------------------------------------------------------------
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._reset()
        not_instrumented = self._register_for(
            GUARD, "guard.not_instrumented",
            "The guard checks only the logged loss and metrics at each batch and the "
            "weights at each epoch end: it cannot see gradients, skip a non-finite update, "
            "or save the offending batch.")
        if not_instrumented is not None:
            self._recorded.append(not_instrumented)
            return
        if self._hub.jit_disabled:
            self._recorded.append(xla_disabled_finding(self.source))
        steps_per_execution = getattr(self.model, "steps_per_execution", 1) or 1
        if steps_per_execution > 1:
            self._recorded.append(coarse_steps_finding(steps_per_execution, self.source))

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        super().on_epoch_begin(epoch, logs)
        self._nonfinite_keys = set()
        self.epoch_steps.append({"epoch": epoch, "applied": 0, "skipped": 0})
        if self.snapshot_each_epoch:
            self._snapshot = self.model.get_weights()
            self._snapshot_epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        self._batch = batch
        if self._hub is not None:
            self._hub.begin_batch(self._epoch, batch)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.stop_reason is not None:
            return
        if self._hub is None:
            self._count_step(applied=True)
            self._check_on_host(logs, batch_end=True)
            return
        values = self._hub.read_step_values()
        if "nonfinite_gradient_count" not in values:
            return
        gradients_bad = values["nonfinite_gradient_count"] > 0
        weights_bad = values["nonfinite_weight_count"] > 0
        loss_bad = values["loss_nonfinite"] > 0
        skipped = values["update_skipped"] > 0
        self._count_step(applied=not skipped)
        # "loss" is the epoch's running mean of the batch losses checked above.
        new_bad_keys = self._new_non_finite_keys(logs, ignore="loss")

        if self._hub.loss_scaled:
            scale = values.get("loss_scale", math.nan)
            self._lowest_scale = scale if self._lowest_scale is None else min(
                self._lowest_scale, scale)
            if skipped and gradients_bad:  # the optimizer's own skip
                self._consecutive_skips += 1
                self._skipped.append({"epoch": self._epoch, "batch": batch})
            else:
                self._consecutive_skips = 0
            # The weights are checked before a failed step is put back: with non-finite
            # gradients (the optimizer's own skip) a flagged weight is one the forward pass
            # set (BatchNorm statistics), put back since, unless it was non-finite before.
            if weights_bad and (not gradients_bad or not self._weights_finite()):
                self._stop_on_non_finite("guard.non_finite", values)
            elif (scale < self.min_loss_scale
                  or self._consecutive_skips >= self.max_consecutive_skips):
                self._stop_on_non_finite("guard.loss_scale_collapsed", values)
            elif not skipped and loss_bad:
                self._stop_on_non_finite("guard.non_finite", values)
            elif not skipped and new_bad_keys:
                self._record_metrics(new_bad_keys, values["batch_loss"])
        elif gradients_bad or weights_bad or loss_bad:
            self._stop_on_non_finite("guard.non_finite", values)
        elif new_bad_keys:
            self._record_metrics(new_bad_keys, values["batch_loss"])
        if is_finite_number(values["gradient_norm"]) and not skipped:
            self._norms.append(values["gradient_norm"])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._hub is None and self.stop_reason is None:
            self._check_on_host(None, batch_end=False)

    def _count_step(self, applied: bool) -> None:
        if not self.epoch_steps:  # a loop that calls no on_epoch_begin
            self.epoch_steps.append({"epoch": self._epoch, "applied": 0, "skipped": 0})
        self.epoch_steps[-1]["applied" if applied else "skipped"] += 1

    def on_train_end(self, logs: dict | None = None) -> None:
        self._release_hub()
        self._snapshot = None

    def _new_non_finite_keys(self, logs: Mapping | None, ignore: str = "") -> list[str]:
        """Logged values that turned non-finite this epoch and were not reported yet."""
        keys = [key for key, value in (logs or {}).items()
                if key != ignore and not is_finite_number(value)
                and key not in self._nonfinite_keys]
        self._nonfinite_keys.update(keys)
        return keys

    def _check_on_host(self, logs: Mapping | None, batch_end: bool) -> None:
        """Without instrumentation: the logged loss (a running mean, so its first non-finite
        value is this batch's) each batch, and every weight at epoch end or after a bad loss."""
        new_bad_keys = self._new_non_finite_keys(logs)
        if batch_end and not new_bad_keys:
            return
        flags = [not np.isfinite(w.numpy()).all() for w in self.model.weights
                 if np.dtype(w.dtype).kind == "f"]
        loss = float((logs or {}).get("loss", math.nan)) if batch_end else math.nan
        if "loss" in new_bad_keys or any(flags):
            self._stop_on_non_finite("guard.non_finite", {
                "batch_loss": loss, "nonfinite_weight_count": float(sum(flags)),
                "first_nonfinite_weight": float(flags.index(True)) if any(flags) else -1.0})
        elif new_bad_keys:
            self._record_metrics(new_bad_keys, loss)

    def _record_metrics(self, keys: list[str], batch_loss: float) -> None:
        for key in keys:
            if key not in self._metric_findings:
                self._metric_findings[key] = metric_non_finite_finding(
                    key, self._epoch, self._batch, batch_loss, self.source)

    # --- stopping -----------------------------------------------------------------------
    def _stop_on_non_finite(self, finding_id: str, values: Mapping[str, float]) -> None:
        """Stop, keep finite weights and the batch on disk, and record the finding.

        ``values`` are the instrumented step's; without instrumentation (a custom
        ``train_step``) the gradient values are missing and reported as unknown (None).
        """
        hub = self._hub
        self._stop(finding_id)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        evidence = self._step_evidence(values)
        evidence.update(self._keep_finite_weights(values))
        capture = hub.capture if hub is not None else None
        x = capture.x if capture else []
        y = capture.y if capture else []
        y_pred = capture.y_pred if capture else []
        if capture is not None:
            batch_file = self.output_dir / NONFINITE_BATCH
            save_batch(batch_file, x, y, y_pred)
            evidence["batch_file"] = str(batch_file)
        causes, cause_evidence = diagnose_non_finite_batch(
            x, y, y_pred, list(self._norms), self._learning_rate(),
            tiny_dice_denominator=self.tiny_dice_denominator,
            explosion_ratio=self.explosion_ratio)
        evidence.update(cause_evidence)
        evidence["likely_causes"] = causes
        if finding_id == "guard.loss_scale_collapsed":
            self._recorded.append(loss_scale_collapsed_finding(evidence, causes, self.source))
        else:
            self._recorded.append(non_finite_finding(evidence, causes, self.source))

    def _step_evidence(self, values: Mapping[str, float]) -> dict[str, Any]:
        """Where it happened and what the step measured, variable indices turned into paths."""
        hub = self._hub
        first_gradient = int(values.get("first_nonfinite_gradient", -1))
        first_weight = int(values["first_nonfinite_weight"])
        gradient_count = values.get("nonfinite_gradient_count")
        evidence: dict[str, Any] = {
            "epoch": self._epoch, "batch": self._batch,
            "batch_loss": values["batch_loss"], "gradient_norm": values.get("gradient_norm"),
            "nonfinite_gradient_count": None if gradient_count is None else int(gradient_count),
            "first_nonfinite_gradient": (hub.gradient_paths[first_gradient]
                                         if hub is not None and first_gradient >= 0 else None),
            "nonfinite_weight_count": int(values["nonfinite_weight_count"]),
            "first_nonfinite_weight": ((hub.weight_paths if hub is not None
                                        else weight_paths(self.model))[first_weight]
                                       if first_weight >= 0 else None),
            "update_applied": values.get("update_skipped", 0) == 0,
            "applied_steps_in_epoch": (self.epoch_steps[-1]["applied"] if self.epoch_steps
                                       else 0),
            "optimizer_iterations": int(self.model.optimizer.iterations.numpy()),
            "instrumented": hub is not None,
        }
        if hub is not None and hub.loss_scaled:
            evidence.update(loss_scale=values.get("loss_scale"),
                            consecutive_skipped_steps=self._consecutive_skips,
                            skipped_steps=len(self._skipped))
        return evidence

    def _keep_finite_weights(self, values: Mapping[str, float]) -> dict[str, Any]:
        """Save the weights if finite; else put the epoch-start snapshot back and save it.

        The instrumented step already put a failed step back; the weights are then those
        before it, non-finite only if they were before the step too.
        """
        evidence: dict[str, Any] = {}
        weights_state = ("before this step (the step was put back)"
                         if values.get("update_skipped", 0) > 0 else "current")
        weights_finite = self._weights_finite()
        if not weights_finite:
            if self._snapshot is not None:
                self.model.set_weights(self._snapshot)
                weights_state = f"start of epoch {self._snapshot_epoch + 1}"
                weights_finite = self._weights_finite()
            else:
                weights_state = "none finite (no snapshot kept)"
        if weights_finite:
            weights_file = self.output_dir / LAST_FINITE_WEIGHTS
            atomic_save(lambda path: self.model.save_weights(path, overwrite=True),
                        weights_file)
            evidence["weights_file"] = str(weights_file)
        evidence["weights_state"] = weights_state
        evidence["weights_finite"] = weights_finite
        return evidence

    def _weights_finite(self) -> bool:
        return all(bool(np.all(np.isfinite(w))) for w in self.model.get_weights()
                   if np.asarray(w).dtype.kind == "f")

    def _learning_rate(self) -> float | None:
        try:
            return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        except (AttributeError, TypeError, ValueError):
            return None


def save_batch(path: Path, x: Sequence[np.ndarray], y: Sequence[np.ndarray],
               y_pred: Sequence[np.ndarray]) -> None:
    """The batch as one ``.npz`` (``x``, ``y``, ``y_pred``; ``x_0``, ``x_1``... for several
    inputs), written atomically."""
    arrays: dict[str, np.ndarray] = {}
    for name, group in (("x", x), ("y", y), ("y_pred", y_pred)):
        for index, array in enumerate(group):
            arrays[name if len(group) == 1 else f"{name}_{index}"] = array
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())
