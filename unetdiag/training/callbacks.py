"""Diagnostic Keras callbacks: each watches one thing and keeps what it found as findings.

They work in anyone's ``model.fit`` (and in ``unetdiag train``). Every callback has a
``findings`` attribute (a list of :class:`~unetdiag.diag.core.findings.Finding`, de-duplicated,
each id once) and a ``stop_reason`` (the id of the finding that stopped training, or None).

- :class:`NonFiniteGuard`: NaN/Inf in the batch loss, the gradients or the weights; stops at
  the first one with the weights kept finite and the offending batch saved, and names the
  likely cause from the batch itself.
- :class:`BatchAudit`: the tensors ``fit()`` actually receives (after decoding, resizing,
  augmentation): label range, binarity, foreground, empty masks, non-finite inputs; stops on
  labels outside [0, 1] by default.
- :class:`DiceStabilityMonitor` and :class:`SaturationMonitor`: at each epoch end, how the
  model's Dice behaves on a fixed validation batch, and whether the metric history so far
  has flattened at a trivial baseline or left its valid range.

The guard and the audit read values from an instrumented ``train_step`` installed for the
duration of ``fit`` (:mod:`unetdiag.training.instrument`; cost measured in
``docs/benchmarks-callbacks.md``). Their per-batch values never reach the logs: the progress
bar, ``History`` and loggers see the usual keys, whatever the order of the callbacks.

Under ``tf.distribute`` the values a ``train_step`` returns are MEAN-reduced across replicas;
the instrumented step combines every value across replicas itself first (totals, "any
replica" flags, min/max), so the numbers here are those of the global batch. Callbacks run on
every worker; only the chief should write files (``output_dir`` per worker otherwise).

Finding ids (stable):

========================== ======== ==============================================================
id                         severity when
========================== ======== ==============================================================
guard.non_finite           error    first non-finite batch loss, gradient or weight (training stops)
guard.loss_scale_collapsed error    mixed_float16: loss scale < ``min_loss_scale`` or
                                    ``max_consecutive_skips`` skipped steps in a row (stops)
guard.loss_scale_skips     info     mixed_float16: steps the LossScaleOptimizer skipped (recovered)
guard.metric_non_finite    warning  a compiled metric turned NaN/Inf while loss and weights stayed
                                    finite (training continues)
guard.xla_disabled         info     the model had ``jit_compile=True``; the guard turned XLA off
guard.coarse_steps         warning  ``steps_per_execution > 1``: checks see one step in N
guard.not_instrumented     warning  the model overrides ``train_step``: loss/metrics and epoch-end
                                    weights checked on the host only
batch.non_finite_inputs    error    a received batch held NaN/Inf input values
batch.stopped              error    the audit stopped training on a label error
batch.not_instrumented     warning  the model overrides ``train_step``: no batch audited
labels.*                   (masks)  from :func:`~unetdiag.diag.checks.masks.check_label_values` on
                                    received batches (``labels.out_of_range`` on the first one)
imbalance.*                (masks)  from :func:`~unetdiag.diag.checks.masks.check_imbalance` over
                                    the audited batches (always ``imbalance.summary``)
dice.* / saturation.*      (checks) from ``check_dice_stability``, ``check_prediction_collapse``
                                    and ``check_series``, once per id with ``first_epoch``
========================== ======== ==============================================================

>>> import numpy as np, keras
>>> from unetdiag.diag.core.dice import DEFAULT_DICE
>>> inputs = keras.Input((16, 16, 1))
>>> outputs = keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")(inputs)
>>> model = keras.Model(inputs, outputs)
>>> model.compile("adam", "binary_crossentropy")
>>> x = np.random.default_rng(0).random((8, 16, 16, 1), dtype="float32")
>>> y = (x > 0.5).astype("float32")
>>> import tempfile; run_dir = tempfile.mkdtemp()
>>> callbacks = diagnostic_callbacks(run_dir, probe=(x[:4], y[:4]), dice_config=DEFAULT_DICE)
>>> _ = model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=callbacks)
>>> [f.id for c in callbacks for f in c.findings if f.severity == "error"]
[]
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from unetdiag.diag.checks.dice_stability import check_dice_stability
from unetdiag.diag.checks.masks import check_imbalance, check_label_values, foreground_counts
from unetdiag.diag.checks.saturation import check_prediction_collapse, check_series
from unetdiag.diag.core.dice import DEFAULT_DICE, DiceConfig
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.fsutil import atomic_write_bytes
from unetdiag.training.guarded_update import weight_paths
from unetdiag.training.instrument import AUDIT, GUARD, InstrumentationHub, StepInstrumentation

#: File names the guard writes into its output directory.
LAST_FINITE_WEIGHTS = "last_finite.weights.h5"
NONFINITE_BATCH = "nonfinite_batch.npz"


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True  # not a number (a string in the logs): nothing to check


def _with_evidence(finding: Finding, **extra: Any) -> Finding:
    return Finding(finding.id, finding.severity, finding.title, finding.explanation, finding.fix,
                   {**finding.evidence, **extra}, finding.files, finding.source)


class DiagnosticCallback(keras.callbacks.Callback):
    """Base of the diagnostic callbacks: ``findings``, ``stop_reason`` and ``source``.

    Args:
        source: written into every finding (e.g. ``"train:MP_Tr_BCE"``).
    """

    def __init__(self, source: str = "") -> None:
        super().__init__()
        self.source = source
        #: Id of the finding that made this callback stop training, or None.
        self.stop_reason: str | None = None
        self._epoch = 0

    @property
    def findings(self) -> list[Finding]:
        """What this callback found so far (each id once)."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"source": self.source}

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        self._epoch = epoch

    def _stop(self, finding_id: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = finding_id
        self.model.stop_training = True


class EpochFindings:
    """Findings reported every epoch, kept once per id with the epoch each one started.

    The latest evidence wins; ``first_epoch``, ``latest_epoch``, ``epochs_seen`` and
    ``still_present`` (reported at the last epoch checked) are added to it. An id absent at
    the last check is dropped when ``keep_resolved`` is False (for checks that re-judge the
    whole history each time, so absence means superseded) or else kept as INFO, titled
    "Resolved by epoch N" (for per-epoch snapshots, where it is history worth telling).

    >>> log = EpochFindings(keep_resolved=True)
    >>> f = Finding(id="x.y", severity="error", title="Collapsed", explanation="", fix="")
    >>> log.record(0, [f]); log.record(1, [])
    >>> [(g.severity.value, g.title, g.evidence["first_epoch"]) for g in log.findings()]
    [('info', 'Resolved by epoch 1: Collapsed', 0)]
    """

    def __init__(self, keep_resolved: bool) -> None:
        self.keep_resolved = keep_resolved
        self._latest: dict[str, Finding] = {}
        self._first_epoch: dict[str, int] = {}
        self._latest_epoch: dict[str, int] = {}
        self._epochs_seen: dict[str, int] = {}
        self._last_checked: int | None = None

    def record(self, epoch: int, findings: Sequence[Finding]) -> None:
        self._last_checked = epoch
        for finding in findings:
            self._first_epoch.setdefault(finding.id, epoch)
            self._latest[finding.id] = finding
            self._latest_epoch[finding.id] = epoch
            self._epochs_seen[finding.id] = self._epochs_seen.get(finding.id, 0) + 1

    def findings(self) -> list[Finding]:
        kept = []
        for key, finding in self._latest.items():
            present = self._latest_epoch[key] == self._last_checked
            if not present and not self.keep_resolved:
                continue
            finding = _with_evidence(finding, first_epoch=self._first_epoch[key],
                                     latest_epoch=self._latest_epoch[key],
                                     epochs_seen=self._epochs_seen[key], still_present=present)
            if not present:
                finding = Finding(finding.id, Severity.INFO,
                                  f"Resolved by epoch {self._last_checked}: {finding.title}",
                                  finding.explanation, finding.fix, finding.evidence,
                                  finding.files, finding.source)
            kept.append(finding)
        return kept


# ----------------------------------------------------------------------------------- guard


#: Why a batch can go non-finite, in the order the guard names them, with the fix for each.
CAUSE_FIXES = {
    "non_finite_inputs": ("Find the corrupt image (it is in the saved batch) and repair or drop "
                          "it; check decoding and normalisation (a division by a zero standard "
                          "deviation gives NaN)."),
    "non_finite_labels": ("Repair the mask; normalising a mask by its own maximum turns an "
                          "empty mask into 0/0 = NaN. Divide by a fixed scale or threshold it."),
    "labels_out_of_range": ("Bring masks to {0, 1} (divide 0/255 masks by 255 or threshold "
                            "them; unetdiag's MaskPolicy does this)."),
    "non_finite_predictions": ("Inputs and labels are finite but the model output is not: an "
                               "overflow inside the network. Lower the learning rate, clip "
                               "gradients, and keep the last layer in float32."),
    "dice_denominator_near_zero": ("sum(y) + sum(p) is almost 0 (empty mask, empty "
                                   "prediction): use Dice smoothing >= 1 in the denominator "
                                   "(DiceConfig) and compute the Dice sums in float32."),
    "exploding_gradients": ("The gradient norm grew fast before the failure: lower the "
                            "learning rate or clip gradients (clipnorm)."),
    "unknown": ("Nothing in the batch explains it. Re-run with "
                "tf.debugging.enable_check_numerics() (opt-in, 33-45 % slower, no XLA) to "
                "name the first op that produced the NaN/Inf."),
}


def diagnose_non_finite_batch(x: Sequence[np.ndarray], y: Sequence[np.ndarray],
                              y_pred: Sequence[np.ndarray], recent_gradient_norms: Sequence[float],
                              learning_rate: float | None, *,
                              tiny_dice_denominator: float = 1e-3,
                              explosion_ratio: float = 10.0) -> tuple[list[str], dict[str, Any]]:
    """Likely causes of a non-finite step, from the batch that produced it.

    Args:
        x, y, y_pred: the batch's inputs, labels and predictions (lists of arrays; any may be
            empty when the batch was not copied).
        recent_gradient_norms: finite global gradient norms of the steps before, oldest first.
        learning_rate: the optimizer's learning rate at the failure.
        tiny_dice_denominator: a batch (or image) whose ``sum(y) + sum(p)`` is below this
            makes an unsmoothed Dice 0/0.
        explosion_ratio: the last norm this many times the median of the earlier ones is an
            explosion.

    Returns:
        ``(causes, evidence)``: cause ids from :data:`CAUSE_FIXES`, most likely first
        (``["unknown"]`` when nothing fits), and the numbers behind them.

    >>> x = [np.zeros((2, 4, 4, 1), np.float32)]; x[0][1, 0, 0, 0] = np.nan
    >>> causes, evidence = diagnose_non_finite_batch(x, [np.zeros((2, 4, 4, 1))], [], [], 1e-3)
    >>> causes, evidence["input_non_finite_images"]
    (['non_finite_inputs', 'dice_denominator_near_zero'], [1])
    """
    causes: list[str] = []
    evidence: dict[str, Any] = {}
    inputs = [np.asarray(a) for a in x if np.asarray(a).dtype.kind == "f"]
    if inputs:
        bad_per_image = sum(np.count_nonzero(~np.isfinite(a.reshape(a.shape[0], -1)), axis=1)
                            for a in inputs)
        evidence["input_non_finite_values"] = int(np.sum(bad_per_image))
        evidence["input_non_finite_images"] = np.flatnonzero(bad_per_image).tolist()
        if evidence["input_non_finite_values"]:
            causes.append("non_finite_inputs")
    labels = np.asarray(y[0], dtype=np.float64) if y else None
    if labels is not None:
        finite = np.isfinite(labels)
        evidence["label_non_finite_values"] = int(np.count_nonzero(~finite))
        if evidence["label_non_finite_values"]:
            causes.append("non_finite_labels")
        if finite.any():
            evidence["label_min"] = float(labels[finite].min())
            evidence["label_max"] = float(labels[finite].max())
            outside = int(np.count_nonzero(finite & ((labels < 0) | (labels > 1))))
            evidence["labels_out_of_range"] = outside
            if outside:
                causes.append("labels_out_of_range")
    predictions = np.asarray(y_pred[0], dtype=np.float64) if y_pred else None
    if predictions is not None:
        evidence["prediction_non_finite_values"] = int(np.count_nonzero(~np.isfinite(predictions)))
        if evidence["prediction_non_finite_values"] and not causes:
            causes.append("non_finite_predictions")
    if labels is not None:
        per_image = np.nan_to_num(labels, nan=0.0).reshape(labels.shape[0], -1).sum(axis=1)
        if predictions is not None and predictions.shape[0] == labels.shape[0]:
            per_image = per_image + np.nan_to_num(predictions, nan=0.0).reshape(
                predictions.shape[0], -1).sum(axis=1)
            evidence["dice_denominator_includes_predictions"] = True
        evidence["dice_denominator_batch"] = float(per_image.sum())
        evidence["dice_denominator_smallest_image"] = float(per_image.min())
        if per_image.sum() < tiny_dice_denominator or (
                not causes and per_image.min() < tiny_dice_denominator):
            causes.append("dice_denominator_near_zero")
    norms = [float(n) for n in recent_gradient_norms]
    evidence["recent_gradient_norms"] = norms
    evidence["learning_rate"] = learning_rate
    if len(norms) >= 2:
        earlier = float(np.median(norms[:-1]))
        growth = norms[-1] / earlier if earlier > 0 else math.inf
        evidence["gradient_norm_growth"] = growth
        if growth >= explosion_ratio:
            causes.append("exploding_gradients")
    return causes or ["unknown"], evidence


def _atomic_save_weights(model: keras.Model, path: Path) -> None:
    """``model.save_weights`` through a temporary file in the same folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".weights.h5")
    os.close(descriptor)
    try:
        model.save_weights(temporary, overwrite=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _save_batch(path: Path, x: Sequence[np.ndarray], y: Sequence[np.ndarray],
                y_pred: Sequence[np.ndarray]) -> None:
    arrays: dict[str, np.ndarray] = {}
    for name, group in (("x", x), ("y", y), ("y_pred", y_pred)):
        for index, array in enumerate(group):
            arrays[name if len(group) == 1 else f"{name}_{index}"] = array
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


class NonFiniteGuard(DiagnosticCallback):
    """Stop at the first non-finite batch loss, gradient or weight, and say why.

    Unlike ``keras.callbacks.TerminateOnNaN`` (which reads ``logs["loss"]``, an epoch running
    mean) it checks the loss of *this* batch, every gradient and every weight, every batch:
    with oneDNN on a CPU one NaN input pixel can make ``conv2d/kernel`` NaN while the loss
    stays finite. A step whose gradients or loss are non-finite is **not applied**, so the
    weights stay finite; on the first one the guard

    - stops training (``model.stop_training``),
    - saves the finite weights as ``output_dir/last_finite.weights.h5`` (if a finite
      gradient still produced non-finite weights, those of the start of the epoch),
    - saves the batch as ``output_dir/nonfinite_batch.npz`` (``x``, ``y``, ``y_pred``),
    - records ``guard.non_finite`` naming the first non-finite gradient and weight (variable
      paths such as ``"conv2d/kernel"``), the epoch and batch, and the likely cause found in
      the batch (:func:`diagnose_non_finite_batch`).

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

    Args:
        output_dir: where the weights and the batch are written (created if needed).
        source: written into the findings.
        gradient_history: how many recent gradient norms the explosion check looks at.
        explosion_ratio: see :func:`diagnose_non_finite_batch`.
        tiny_dice_denominator: see :func:`diagnose_non_finite_batch`.
        min_loss_scale: mixed_float16: a loss scale below this has collapsed.
        max_consecutive_skips: mixed_float16: this many skipped steps in a row have collapsed
            (the optimizer's ``iterations`` stopped advancing).
        snapshot_each_epoch: keep a host copy of the weights at each epoch start, the fallback
            when an applied (finite) update still made a weight non-finite.

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
        self._hub: InstrumentationHub | None = None
        self._reset()

    def _reset(self) -> None:
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

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "output_dir": str(self.output_dir),
                "gradient_history": self.gradient_history,
                "explosion_ratio": self.explosion_ratio,
                "tiny_dice_denominator": self.tiny_dice_denominator,
                "min_loss_scale": self.min_loss_scale,
                "max_consecutive_skips": self.max_consecutive_skips,
                "snapshot_each_epoch": self.snapshot_each_epoch}

    @property
    def findings(self) -> list[Finding]:
        findings = list(self._recorded) + list(self._metric_findings.values())
        if self._skipped:
            findings.append(self._skips_finding())
        return findings

    # --- callback hooks -----------------------------------------------------------------
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._reset()
        self.stop_reason = None
        self._hub = StepInstrumentation.attach(self.model)
        if not self._hub.register(self, {GUARD}):
            self._hub = None
            self._recorded.append(_not_instrumented_finding(
                "guard.not_instrumented", self.source,
                "The guard checks only the logged loss and metrics at each batch and the "
                "weights at each epoch end: it cannot see gradients, skip a non-finite update, "
                "or save the offending batch."))
            return
        if self._hub.jit_disabled:
            self._recorded.append(Finding(
                id="guard.xla_disabled", severity=Severity.INFO,
                title="XLA was turned off for this run by the NaN/Inf guard",
                explanation=("The model was compiled with jit_compile=True. The guard copies an "
                             "offending batch to the host with tf.numpy_function, which XLA "
                             "cannot compile, so the run trains without XLA."),
                fix="Nothing to do; leave the guard out to train with XLA.",
                evidence={}, source=self.source))
        steps_per_execution = getattr(self.model, "steps_per_execution", 1) or 1
        if steps_per_execution > 1:
            self._recorded.append(Finding(
                id="guard.coarse_steps", severity=Severity.WARNING,
                title=f"The guard sees one step in {steps_per_execution}",
                explanation=(f"steps_per_execution={steps_per_execution}: Keras reports the "
                             "logs of the last step of each execution only. Non-finite updates "
                             "are still skipped, but one in an earlier step of an execution is "
                             "not reported or attributed to its batch."),
                fix="Compile with steps_per_execution=1 while diagnosing.",
                evidence={"steps_per_execution": steps_per_execution}, source=self.source))

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        super().on_epoch_begin(epoch, logs)
        self._nonfinite_keys = set()
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
            self._check_on_host(logs, batch_end=True)
            return
        values = self._hub.read_step_values()
        if "nonfinite_gradient_count" not in values:
            return
        gradients_bad = values["nonfinite_gradient_count"] > 0
        weights_bad = values["nonfinite_weight_count"] > 0
        loss_bad = values["loss_nonfinite"] > 0
        skipped = values["update_skipped"] > 0
        # "loss" is the epoch's running mean of the batch losses checked above.
        new_bad_keys = [key for key, value in (logs or {}).items()
                        if key != "loss" and not _finite(value)
                        and key not in self._nonfinite_keys]
        self._nonfinite_keys.update(new_bad_keys)

        if self._hub.loss_scaled:
            scale = values.get("loss_scale", math.nan)
            self._lowest_scale = scale if self._lowest_scale is None else min(
                self._lowest_scale, scale)
            if skipped:
                self._consecutive_skips += 1
                self._skipped.append({"epoch": self._epoch, "batch": batch})
            else:
                self._consecutive_skips = 0
            if weights_bad:
                self._trip("guard.non_finite", values)
            elif (scale < self.min_loss_scale
                  or self._consecutive_skips >= self.max_consecutive_skips):
                self._trip("guard.loss_scale_collapsed", values)
            elif not skipped and loss_bad:
                self._trip("guard.non_finite", values)
            elif not skipped and new_bad_keys:
                self._record_metric(new_bad_keys, values)
        elif gradients_bad or weights_bad or loss_bad:
            self._trip("guard.non_finite", values)
        elif new_bad_keys:
            self._record_metric(new_bad_keys, values)
        if _finite(values["gradient_norm"]) and not skipped:
            self._norms.append(values["gradient_norm"])

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self._hub is None and self.stop_reason is None:
            self._check_on_host(None, batch_end=False)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._hub is not None:
            self._hub.unregister(self)
            self._hub = None
        self._snapshot = None

    def _check_on_host(self, logs: Mapping | None, batch_end: bool) -> None:
        """Without instrumentation: the logged loss (a running mean, so its first non-finite
        value is this batch's) each batch, and every weight at epoch end or after a bad loss."""
        new_bad_keys = [key for key, value in (logs or {}).items()
                        if not _finite(value) and key not in self._nonfinite_keys]
        self._nonfinite_keys.update(new_bad_keys)
        if batch_end and not new_bad_keys:
            return
        flags = [not np.isfinite(w.numpy()).all() for w in self.model.weights
                 if np.dtype(w.dtype).kind == "f"]
        loss = float((logs or {}).get("loss", math.nan)) if batch_end else math.nan
        if "loss" in new_bad_keys or any(flags):
            self._trip("guard.non_finite", {
                "batch_loss": loss, "nonfinite_weight_count": float(sum(flags)),
                "first_nonfinite_weight": float(flags.index(True)) if any(flags) else -1.0})
        elif new_bad_keys:
            self._record_metric(new_bad_keys, {"batch_loss": loss})

    # --- findings -----------------------------------------------------------------------
    def _record_metric(self, keys: list[str], values: Mapping[str, float]) -> None:
        for key in keys:
            if key in self._metric_findings:
                continue
            self._metric_findings[key] = Finding(
                id="guard.metric_non_finite", severity=Severity.WARNING,
                title=f"Metric {key!r} turned non-finite at epoch {self._epoch}, batch "
                      f"{self._batch}",
                explanation=(f"The running value of {key!r} became NaN/Inf while the batch "
                             f"loss ({values['batch_loss']:.4g}), every gradient and every "
                             "weight stayed finite, so training went on. It reads non-finite "
                             "for the rest of the epoch. A metric that divides by a count which "
                             "can be 0 (e.g. a per-image Dice that leaves empty masks out) "
                             "does this on batches without foreground."),
                fix="Check how the metric treats empty masks and empty predictions.",
                evidence={"metric": key, "epoch": self._epoch, "batch": self._batch,
                          "batch_loss": values["batch_loss"]},
                source=self.source)

    def _skips_finding(self) -> Finding:
        count = len(self._skipped)
        return Finding(
            id="guard.loss_scale_skips", severity=Severity.INFO,
            title=f"The loss-scale optimizer skipped {count} step(s) (mixed_float16)",
            explanation=(f"{count} step(s) had non-finite float16 gradients; the "
                         "LossScaleOptimizer skipped each one and halved its loss scale, as "
                         "designed. The weights were not touched by those steps. This is "
                         "recovery, not failure, unless it keeps happening."),
            fix=("Nothing, unless the count grows through training: then look for inputs "
                 "large enough to overflow float16 (max 65504) or use mixed_bfloat16."),
            evidence={"skipped_steps": count, "first_skips": self._skipped[:20],
                      "lowest_loss_scale": self._lowest_scale},
            source=self.source)

    def _trip(self, finding_id: str, values: Mapping[str, float]) -> None:
        """Stop, keep finite weights and the batch on disk, and record the finding.

        ``values`` are the instrumented step's; without instrumentation (a custom
        ``train_step``) the gradient values are missing and reported as unknown (None).
        """
        hub = self._hub
        self._stop(finding_id)
        self.output_dir.mkdir(parents=True, exist_ok=True)
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
            "optimizer_iterations": int(self.model.optimizer.iterations.numpy()),
            "instrumented": hub is not None,
        }
        if hub is not None and hub.loss_scaled:
            evidence.update(loss_scale=values.get("loss_scale"),
                            consecutive_skipped_steps=self._consecutive_skips,
                            skipped_steps=len(self._skipped))

        weights_file = self.output_dir / LAST_FINITE_WEIGHTS
        weights_state = ("current (the non-finite update was not applied)" if hub is not None
                         else "current")
        if values["nonfinite_weight_count"] > 0:
            if self._snapshot is not None:
                self.model.set_weights(self._snapshot)
                weights_state = f"start of epoch {self._snapshot_epoch}"
            else:
                weights_state = "none finite (no snapshot kept)"
        weights_finite = all(bool(np.all(np.isfinite(w))) for w in self.model.get_weights()
                             if np.asarray(w).dtype.kind == "f")
        if weights_finite:
            _atomic_save_weights(self.model, weights_file)
            evidence["weights_file"] = str(weights_file)
        evidence["weights_state"] = weights_state
        evidence["weights_finite"] = weights_finite

        capture = hub.capture if hub is not None else None
        x = capture.x if capture else []
        y = capture.y if capture else []
        y_pred = capture.y_pred if capture else []
        if capture is not None:
            batch_file = self.output_dir / NONFINITE_BATCH
            _save_batch(batch_file, x, y, y_pred)
            evidence["batch_file"] = str(batch_file)
        causes, cause_evidence = diagnose_non_finite_batch(
            x, y, y_pred, list(self._norms), self._learning_rate(),
            tiny_dice_denominator=self.tiny_dice_denominator,
            explosion_ratio=self.explosion_ratio)
        evidence.update(cause_evidence)
        evidence["likely_causes"] = causes
        if finding_id == "guard.loss_scale_collapsed":
            self._recorded.append(self._collapse_finding(evidence, causes))
        else:
            self._recorded.append(self._non_finite_finding(evidence, causes))

    def _learning_rate(self) -> float | None:
        try:
            return float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        except (AttributeError, TypeError, ValueError):
            return None

    def _non_finite_finding(self, evidence: dict[str, Any], causes: list[str]) -> Finding:
        if evidence["first_nonfinite_gradient"] is not None:
            what = f"non-finite gradient in {evidence['first_nonfinite_gradient']}"
        elif evidence["first_nonfinite_weight"] is not None:
            what = f"non-finite weight {evidence['first_nonfinite_weight']}"
        else:
            what = "non-finite loss"
        loss = evidence["batch_loss"]
        loss_note = (f"The batch loss was {loss:.4g}, finite: a loss-only check such as "
                     "TerminateOnNaN would have trained on." if _finite(loss)
                     else f"The batch loss was {loss}.")
        return Finding(
            id="guard.non_finite", severity=Severity.ERROR,
            title=(f"Training stopped at epoch {evidence['epoch']}, batch {evidence['batch']}: "
                   f"{what}"),
            explanation=" ".join((
                f"At epoch {evidence['epoch']}, batch {evidence['batch']}, "
                + (f"{evidence['nonfinite_gradient_count']} gradient(s) and "
                   if evidence["nonfinite_gradient_count"] is not None
                   else "(gradients not visible: the model has its own train_step) ")
                + f"{evidence['nonfinite_weight_count']} weight(s) were non-finite.", loss_note,
                _cause_sentence(causes, evidence),
                f"Weights kept: {evidence['weights_state']}.")),
            fix=" ".join(CAUSE_FIXES[cause] for cause in causes),
            evidence=evidence, source=self.source)

    def _collapse_finding(self, evidence: dict[str, Any], causes: list[str]) -> Finding:
        return Finding(
            id="guard.loss_scale_collapsed", severity=Severity.ERROR,
            title=(f"Training stopped at epoch {evidence['epoch']}, batch {evidence['batch']}: "
                   "the float16 loss scale collapsed"),
            explanation=" ".join((
                f"The LossScaleOptimizer's scale fell to {evidence.get('loss_scale')} after "
                f"{evidence.get('consecutive_skipped_steps')} skipped step(s) in a row: the "
                "gradients are non-finite whatever the scale, so no step is being applied "
                "(iterations stopped advancing).", _cause_sentence(causes, evidence))),
            fix=" ".join([CAUSE_FIXES[cause] for cause in causes]
                         + ["Or train under mixed_bfloat16 or float32."]),
            evidence=evidence, source=self.source)


def _not_instrumented_finding(finding_id: str, source: str, consequence: str) -> Finding:
    return Finding(
        id=finding_id, severity=Severity.WARNING,
        title="The model has its own train_step: diagnostics are limited",
        explanation=("The model's class overrides train_step, which is the user's training "
                     "logic, so unetdiag does not replace it with its instrumented step. "
                     + consequence),
        fix=("Train a plain functional or Sequential model (or subclass without overriding "
             "train_step) to get the full checks."),
        evidence={}, source=source)


def _cause_sentence(causes: list[str], evidence: Mapping[str, Any]) -> str:
    parts = []
    for cause in causes:
        if cause == "non_finite_inputs":
            parts.append(f"the batch holds {evidence['input_non_finite_values']} non-finite "
                         f"input value(s), in image(s) {evidence['input_non_finite_images']} of "
                         "the batch")
        elif cause == "non_finite_labels":
            parts.append(f"{evidence['label_non_finite_values']} label value(s) are NaN/Inf")
        elif cause == "labels_out_of_range":
            parts.append(f"labels run from {evidence['label_min']:g} to "
                         f"{evidence['label_max']:g}, outside [0, 1]")
        elif cause == "non_finite_predictions":
            parts.append(f"the model output {evidence['prediction_non_finite_values']} "
                         "non-finite value(s) from finite inputs")
        elif cause == "dice_denominator_near_zero":
            parts.append(f"sum(y) + sum(p) is {evidence['dice_denominator_batch']:.3g} over the "
                         f"batch ({evidence['dice_denominator_smallest_image']:.3g} for the "
                         "smallest image)")
        elif cause == "exploding_gradients":
            parts.append(f"the gradient norm grew {evidence['gradient_norm_growth']:.3g}x over "
                         f"the last {len(evidence['recent_gradient_norms'])} steps at learning "
                         f"rate {evidence['learning_rate']}")
        else:
            parts.append("nothing in the batch explains it")
    return "Likely cause: " + "; ".join(parts) + "."


# ----------------------------------------------------------------------------------- audit


#: Label problems the step counts in every batch: (finding id, count key, severity, wording).
_COUNTED_LABEL_PROBLEMS = (
    ("labels.non_finite", "label_non_finite", Severity.ERROR, "NaN or infinite"),
    ("labels.out_of_range", "label_out_of_range", Severity.ERROR, "outside [0, 1]"),
    ("labels.non_binary", "label_non_binary", Severity.WARNING, "strictly between 0 and 1"),
)
_LABEL_FIXES = {
    "labels.non_finite": "Find the mask and re-export it; never normalise a mask by its own "
                         "maximum (an empty mask gives 0/0).",
    "labels.out_of_range": "Bring masks to {0, 1}: threshold 0/255 masks (mask > 127) or "
                           "divide by 255 (unetdiag's MaskPolicy does this).",
    "labels.non_binary": "Resize masks with nearest-neighbour and store them losslessly (PNG).",
}


class BatchAudit(DiagnosticCallback):
    """Audit the batches ``fit()`` actually receives (after decoding, resizing, augmentation).

    Every batch: in-graph summaries (label min/max, counts of out-of-range, non-binary and
    non-finite label pixels, foreground pixels, empty masks, non-finite input values).
    The first ``first_batches`` batches of the run and then every ``sample_every``-th are
    copied to the host and checked in full with
    :func:`~unetdiag.diag.checks.masks.check_label_values`; so are the first
    ``max_anomaly_copies`` batches whose summaries show a label or input anomaly. The
    foreground of the copied batches feeds
    :func:`~unetdiag.diag.checks.masks.check_imbalance` (``imbalance.*`` findings) and
    :attr:`summary` totals every batch.

    With masks left at 0..255 (normalisation off) it flags ``labels.out_of_range`` on the
    first batch and, with ``stop_on_label_error`` (default), stops the run: in Keras 3 this
    does not even produce NaN (the cross-entropy just goes hugely negative), so nothing else
    catches it. Any error-level ``labels.*`` finding stops the run the same way.

    Args:
        stop_on_label_error: stop training on an error-level label finding.
        first_batches: batches always copied and checked in full at the start of the run.
        sample_every: then one batch in this many.
        max_anomaly_copies: at most this many batches are copied because of an anomaly.
        source: written into the findings.

    >>> import numpy as np, keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    >>> model.compile("adam", "binary_crossentropy")
    >>> x = np.ones((4, 8, 8, 1), "float32"); y = np.full_like(x, 255.0)
    >>> audit = BatchAudit()
    >>> _ = model.fit(x, y, batch_size=2, epochs=2, verbose=0, callbacks=[audit])
    >>> audit.stop_reason, audit.summary["batches"]
    ('labels.out_of_range', 1)
    """

    def __init__(self, *, stop_on_label_error: bool = True, first_batches: int = 4,
                 sample_every: int = 50, max_anomaly_copies: int = 3, source: str = "") -> None:
        super().__init__(source)
        if first_batches < 0 or sample_every < 1 or max_anomaly_copies < 0:
            raise ValueError("first_batches and max_anomaly_copies must be >= 0, "
                             "sample_every >= 1")
        self.stop_on_label_error = stop_on_label_error
        self.first_batches = first_batches
        self.sample_every = sample_every
        self.max_anomaly_copies = max_anomaly_copies
        self._hub: InstrumentationHub | None = None
        self._reset()

    def _reset(self) -> None:
        self._label_findings: dict[str, Finding] = {}
        self._label_first: dict[str, dict[str, int]] = {}
        self._input_finding: Finding | None = None
        self._not_instrumented: Finding | None = None
        self._stop_finding: Finding | None = None
        self._totals: dict[str, float] = {}
        self._extremes: dict[str, float] = {}
        self._batches_with: dict[str, int] = {}
        self._foreground: list[np.ndarray] = []
        self._pixels: list[np.ndarray] = []
        self._batches = 0
        self._audited_batches = 0
        self._anomaly_copies = 0
        self._requested = False
        self._batch = 0

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stop_on_label_error": self.stop_on_label_error,
                "first_batches": self.first_batches, "sample_every": self.sample_every,
                "max_anomaly_copies": self.max_anomaly_copies}

    # --- callback hooks -----------------------------------------------------------------
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._reset()
        self.stop_reason = None
        self._hub = StepInstrumentation.attach(self.model)
        if not self._hub.register(self, {AUDIT}):
            self._hub = None
            self._not_instrumented = _not_instrumented_finding(
                "batch.not_instrumented", self.source,
                "The batch audit needs the tensors inside the train step, so no batch was "
                "audited.")
            return
        self._hub.enable_anomaly_capture(self.max_anomaly_copies > 0)

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        if self._hub is None:
            return
        self._batch = batch
        self._hub.begin_batch(self._epoch, batch)
        self._requested = (self._batches < self.first_batches
                           or self._batches % self.sample_every == 0)
        self._hub.request_capture(self._requested)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._hub is None:
            return
        values = self._hub.read_step_values()
        if "label_pixels" not in values:
            return
        self._batches += 1
        self._accumulate(values)
        anomaly = any(values[key] > 0 for key in ("label_out_of_range", "label_non_finite",
                                                  "label_non_binary", "input_non_finite"))
        capture = self._hub.capture
        if capture is not None and capture.y:
            if anomaly and not self._requested:
                self._anomaly_copies += 1
                if self._anomaly_copies >= self.max_anomaly_copies:
                    self._hub.enable_anomaly_capture(False)
            self._check_copy(capture.x, capture.y[0])
        self._label_findings_from_counts(values)
        if values["input_non_finite"] > 0 and self._input_finding is None:
            self._input_finding = self._non_finite_inputs_finding(values, capture)
        self._maybe_stop()

    def _label_findings_from_counts(self, values: Mapping[str, float]) -> None:
        """A label problem seen only in the in-graph counts (the batch was not copied: not
        sampled, anomaly copies used up) still gets its finding, with the counts."""
        for finding_id, key, severity, what in _COUNTED_LABEL_PROBLEMS:
            if values[key] <= 0 or finding_id in self._label_findings:
                continue
            count = int(values[key])
            self._label_findings[finding_id] = Finding(
                id=finding_id, severity=severity,
                title=f"{count} label pixels in a training batch are {what}",
                explanation=(f"Batch {self._batch} of epoch {self._epoch}, as fit() received "
                             f"it, held {count} label pixels that are {what} (labels range "
                             f"from {values['label_min']:g} to {values['label_max']:g}). The "
                             "batch was not copied for a full check; the counts come from the "
                             "train step itself."),
                fix=_LABEL_FIXES[finding_id],
                evidence={"pixels": count, "label_min": values["label_min"],
                          "label_max": values["label_max"], "from_step_counts": True},
                source=self.source)
            self._label_first[finding_id] = {"epoch": self._epoch, "batch": self._batch}

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._hub is not None:
            self._hub.request_capture(False)
            self._hub.unregister(self)
            self._received = dict(self._hub.received)
            self._hub = None

    # --- bookkeeping --------------------------------------------------------------------
    def _accumulate(self, values: Mapping[str, float]) -> None:
        for key in ("label_pixels", "label_out_of_range", "label_non_binary", "label_non_finite",
                    "foreground_pixels", "images", "empty_masks", "input_non_finite"):
            self._totals[key] = self._totals.get(key, 0.0) + values[key]
            if values[key] > 0:
                self._batches_with[key] = self._batches_with.get(key, 0) + 1
        for key, pick in (("label_min", min), ("label_max", max)):
            if _finite(values[key]):
                self._extremes[key] = (values[key] if key not in self._extremes
                                       else pick(self._extremes[key], values[key]))

    def _check_copy(self, x: Sequence[np.ndarray], labels: np.ndarray) -> None:
        self._audited_batches += 1
        for array in x[:1]:  # the input range, from the audited batches
            finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
            if finite.size:
                for key, value, pick in (("input_min", float(finite.min()), min),
                                         ("input_max", float(finite.max()), max)):
                    self._extremes[key] = (value if key not in self._extremes
                                           else pick(self._extremes[key], value))
        where = {"epoch": self._epoch, "batch": self._batch}
        for finding in check_label_values(labels, source=self.source):
            if finding.id not in self._label_findings:
                self._label_findings[finding.id] = finding
                self._label_first[finding.id] = where
        try:
            foreground, pixels = foreground_counts(labels)
        except ValueError:
            return  # wrong shape: labels.wrong_dtype_or_shape already says so
        self._foreground.append(foreground)
        self._pixels.append(pixels)

    def _non_finite_inputs_finding(self, values: Mapping[str, float], capture) -> Finding:
        images: list[int] = []
        if capture is not None:
            inputs = [a for a in capture.x if a.dtype.kind == "f"]
            if inputs:
                bad = sum(np.count_nonzero(~np.isfinite(a.reshape(a.shape[0], -1)), axis=1)
                          for a in inputs)
                images = np.flatnonzero(bad).tolist()
        count = int(values["input_non_finite"])
        return Finding(
            id="batch.non_finite_inputs", severity=Severity.ERROR,
            title=f"A training batch held {count} NaN/Inf input value(s)",
            explanation=(f"Batch {self._batch} of epoch {self._epoch}, as fit() received it, "
                         f"held {count} non-finite input value(s)"
                         + (f" in image(s) {images} of the batch" if images else "")
                         + ". On a CPU with oneDNN a fused convolution can turn such a NaN into "
                           "0 in the loss while the first kernel's gradient turns NaN."),
            fix=("Find the corrupt image or the normalisation that divides by zero; "
                 "unetdiag audit-data checks every file."),
            evidence={"epoch": self._epoch, "batch": self._batch, "non_finite_values": count,
                      "images_in_batch": images}, source=self.source)

    def _maybe_stop(self) -> None:
        if not self.stop_on_label_error or self.stop_reason is not None:
            return
        errors = [f for f in self._label_findings.values() if f.severity == Severity.ERROR]
        if not errors:
            return
        cause = errors[0]
        where = self._label_first[cause.id]
        self._stop_finding = Finding(
            id="batch.stopped", severity=Severity.ERROR,
            title=(f"Training stopped at epoch {where['epoch']}, batch {where['batch']}: "
                   f"{cause.id}"),
            explanation=(f"The batch audit stopped the run because the labels fit() received "
                         f"are wrong: {cause.title}. Training on them cannot give meaningful "
                         "numbers."),
            fix=cause.fix, evidence={"cause": cause.id, **where}, source=self.source)
        self._stop(cause.id)

    # --- results ------------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        findings: list[Finding] = []
        if self._not_instrumented is not None:
            findings.append(self._not_instrumented)
        if self._stop_finding is not None:
            findings.append(self._stop_finding)
        batches_key = {"labels.out_of_range": "label_out_of_range",
                       "labels.non_binary": "label_non_binary",
                       "labels.non_finite": "label_non_finite"}
        for key, finding in self._label_findings.items():
            extra = {"first_epoch": self._label_first[key]["epoch"],
                     "first_batch": self._label_first[key]["batch"],
                     "batches_seen": self._batches}
            if key in batches_key:
                extra["batches_affected"] = self._batches_with.get(batches_key[key], 0)
            findings.append(_with_evidence(finding, **extra))
        if self._input_finding is not None:
            findings.append(_with_evidence(
                self._input_finding,
                batches_affected=self._batches_with.get("input_non_finite", 0),
                total_non_finite_values=int(self._totals.get("input_non_finite", 0))))
        if self._foreground:
            findings.extend(_with_evidence(f, audited_batches=self._audited_batches)
                            for f in check_imbalance(np.concatenate(self._foreground),
                                                     np.concatenate(self._pixels),
                                                     source=self.source))
        return findings

    @property
    def summary(self) -> dict[str, Any]:
        """Totals over every batch seen (in-graph summaries) and what was checked in full."""
        totals = self._totals
        label_pixels = totals.get("label_pixels", 0.0)
        images = totals.get("images", 0.0)
        received = self._hub.received if self._hub is not None else getattr(
            self, "_received", {})
        return {
            "batches": self._batches, "audited_batches": self._audited_batches,
            "images": int(images), "label_pixels": int(label_pixels),
            "foreground_fraction": (totals.get("foreground_pixels", 0.0) / label_pixels
                                    if label_pixels else None),
            "empty_masks": int(totals.get("empty_masks", 0.0)),
            "empty_mask_fraction": totals.get("empty_masks", 0.0) / images if images else None,
            "label_out_of_range_pixels": int(totals.get("label_out_of_range", 0.0)),
            "label_non_binary_pixels": int(totals.get("label_non_binary", 0.0)),
            "label_non_finite_pixels": int(totals.get("label_non_finite", 0.0)),
            "input_non_finite_values": int(totals.get("input_non_finite", 0.0)),
            **{key: self._extremes.get(key) for key in ("label_min", "label_max", "input_min",
                                                         "input_max")},
            "received": received,
        }


# -------------------------------------------------------------------------------- monitors


class DiceStabilityMonitor(DiagnosticCallback):
    """At each epoch end, judge the model's Dice on a fixed validation batch.

    Runs :func:`~unetdiag.diag.checks.dice_stability.check_dice_stability` on the probe's
    predictions under the run's :class:`~unetdiag.diag.core.dice.DiceConfig`, and
    :func:`~unetdiag.diag.checks.saturation.check_prediction_collapse` on the fraction of
    pixels predicted positive against the probe's foreground fraction. Each finding id is
    reported once, with the epoch it started (``first_epoch``) and the latest evidence; one
    no longer present at the last check (e.g. a collapse in epoch 0 the model grew out of)
    becomes INFO, titled "Resolved by epoch N".

    Args:
        probe: ``(x, y)``: a fixed validation batch (NumPy arrays).
        dice_config: the Dice convention the run reports.
        threshold: a pixel with ``p > threshold`` is predicted positive.
        every_n_epochs: check every this many epochs (and always at the last one).
        source: written into the findings (and the run name given to the checks).

    >>> import numpy as np, keras
    >>> from unetdiag.diag.core.dice import DEFAULT_DICE
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(
    ...     1, 1, activation="sigmoid", bias_initializer=keras.initializers.Constant(50.0))(inputs))
    >>> model.compile("sgd", "binary_crossentropy")
    >>> x = np.zeros((4, 8, 8, 1), "float32"); y = np.zeros_like(x); y[:, :2, :2] = 1
    >>> monitor = DiceStabilityMonitor((x, y), DEFAULT_DICE)
    >>> _ = model.fit(x, y, epochs=1, verbose=0, callbacks=[monitor])
    >>> any(f.id.endswith("collapsed") for f in monitor.findings)
    True
    """

    def __init__(self, probe: tuple[np.ndarray, np.ndarray],
                 dice_config: DiceConfig = DEFAULT_DICE, *, threshold: float = 0.5,
                 every_n_epochs: int = 1, source: str = "") -> None:
        super().__init__(source)
        x, y = probe
        self.probe_x = np.asarray(x)
        self.probe_y = np.asarray(y)
        if self.probe_x.shape[0] != self.probe_y.shape[0] or self.probe_x.shape[0] == 0:
            raise ValueError("probe needs the same, non-zero number of images and masks")
        if every_n_epochs < 1:
            raise ValueError("every_n_epochs must be >= 1")
        self.dice_config = dice_config
        self.threshold = threshold
        self.every_n_epochs = every_n_epochs
        self._log = EpochFindings(keep_resolved=True)
        #: Predicted-positive fraction of the probe at each checked epoch: ``{epoch: value}``.
        self.predicted_positive_fraction: dict[int, float] = {}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dice_config": self.dice_config.to_dict(),
                "threshold": self.threshold, "every_n_epochs": self.every_n_epochs,
                "probe_images": int(self.probe_x.shape[0])}

    @property
    def findings(self) -> list[Finding]:
        return self._log.findings()

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._log = EpochFindings(keep_resolved=True)
        self.predicted_positive_fraction = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        last_epoch = epoch + 1 >= (self.params or {}).get("epochs", epoch + 1)
        if (epoch + 1) % self.every_n_epochs and not last_epoch and not self.model.stop_training:
            return
        # A direct call, not predict_on_batch: under >= 2 replicas Keras 3.15's predict_on_batch
        # returns every row once per replica.
        predictions = np.asarray(keras.ops.convert_to_numpy(
            self.model(self.probe_x, training=False)), dtype=np.float64)
        labels = np.asarray(self.probe_y, dtype=np.float64).reshape(predictions.shape)
        positive = float(np.mean(predictions > self.threshold))
        foreground = float(np.mean(labels > 0.5))
        self.predicted_positive_fraction[epoch] = positive
        findings = list(check_dice_stability(labels, predictions, self.dice_config,
                                             source=self.source))
        findings += check_prediction_collapse(self.source, positive, foreground)
        self._log.record(epoch, [f if f.source else f.with_source(self.source)
                                 for f in findings])


class SaturationMonitor(DiagnosticCallback):
    """At each epoch end, look at the metric history so far for signs the numbers lie.

    Runs :func:`~unetdiag.diag.checks.saturation.check_series` on every epoch-level value
    logged so far (training and ``val_`` metrics): metrics flat from the start, sitting at a
    trivial-predictor baseline, Dice above 1, negative losses... Each finding id is reported
    once, with the epoch it started (``first_epoch``) and the latest evidence. The check
    re-judges the whole history every epoch, so an id it no longer reports was superseded
    and is dropped.

    Args:
        baselines: what trivial predictors score, by metric name (e.g.
            ``{"val_dice": 0.9975}``), or None.
        tolerance: how close to a baseline counts as "at" it.
        source: written into the findings (and the run name given to the check).

    >>> monitor = SaturationMonitor({"val_accuracy": 0.995}, source="demo")
    >>> monitor.history
    {}
    """

    def __init__(self, baselines: Mapping[str, float] | None = None, *, tolerance: float = 1e-3,
                 source: str = "") -> None:
        super().__init__(source)
        self.baselines = dict(baselines) if baselines is not None else None
        self.tolerance = tolerance
        #: The epoch-level values seen so far: ``{metric: [value per epoch]}``.
        self.history: dict[str, list[float]] = {}
        self._log = EpochFindings(keep_resolved=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "baselines": self.baselines,
                "tolerance": self.tolerance}

    @property
    def findings(self) -> list[Finding]:
        return self._log.findings()

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self.history = {}
        self._log = EpochFindings(keep_resolved=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            self.history.setdefault(key, []).append(number)
        findings = check_series(self.source, self.history, self.baselines,
                                tolerance=self.tolerance)
        self._log.record(epoch, [f if f.source else f.with_source(self.source)
                                 for f in findings])


def diagnostic_callbacks(output_dir: str | os.PathLike,
                         probe: tuple[np.ndarray, np.ndarray] | None,
                         dice_config: DiceConfig = DEFAULT_DICE,
                         baselines: Mapping[str, float] | None = None,
                         stop_on_label_error: bool = True,
                         source: str = "") -> list[keras.callbacks.Callback]:
    """The diagnostic callbacks ``unetdiag train`` uses, in the order they should run.

    Put them first in the callback list (before loggers). ``probe`` None leaves out the Dice
    monitor. Gather the findings afterwards with ``[f for c in callbacks for f in c.findings]``
    and check ``c.stop_reason`` to learn whether (and why) one stopped the run.

    >>> import tempfile
    >>> [type(c).__name__ for c in diagnostic_callbacks(tempfile.mkdtemp(), probe=None)]
    ['NonFiniteGuard', 'BatchAudit', 'SaturationMonitor']
    """
    callbacks: list[keras.callbacks.Callback] = [
        NonFiniteGuard(output_dir, source=source),
        BatchAudit(stop_on_label_error=stop_on_label_error, source=source),
    ]
    if probe is not None:
        callbacks.append(DiceStabilityMonitor(probe, dice_config, source=source))
    callbacks.append(SaturationMonitor(baselines, source=source))
    return callbacks
