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

One module per callback (``nonfinite_guard``, ``batch_audit``, ``dice_stability_monitor``,
``saturation_monitor``) on a shared ``base``; the guard's cause diagnosis
(``nonfinite_causes``) is kept apart from its sentences (``nonfinite_wording``), as is the
audit's (``batch_audit_wording``). Every callback's ``get_config()`` holds exactly its
constructor's arguments.

The guard and the audit read values from an instrumented ``train_step`` installed for the
duration of ``fit`` (:mod:`unetdiag.training.instrument`, updating through
:mod:`unetdiag.training.guarded_update`; cost measured in ``docs/benchmarks-callbacks.md``).
Their per-batch values never reach the logs: the progress bar, ``History`` and loggers see
the usual keys, whatever the order of the callbacks.

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
>>> keras.utils.set_random_seed(0)  # an unlucky initialisation can predict one class
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

from unetdiag.training.callbacks.base import DiagnosticCallback, EpochFindings
from unetdiag.training.callbacks.batch_audit import BatchAudit
from unetdiag.training.callbacks.defaults import diagnostic_callbacks
from unetdiag.training.callbacks.dice_stability_monitor import DiceStabilityMonitor
from unetdiag.training.callbacks.nonfinite_causes import (
    NonFiniteDiagnosis,
    diagnose_non_finite_batch,
)
from unetdiag.training.callbacks.nonfinite_guard import (
    LAST_FINITE_WEIGHTS,
    NONFINITE_BATCH,
    NonFiniteGuard,
)
from unetdiag.training.callbacks.nonfinite_wording import CAUSE_FIXES
from unetdiag.training.callbacks.saturation_monitor import SaturationMonitor

__all__ = [
    "CAUSE_FIXES",
    "LAST_FINITE_WEIGHTS",
    "NONFINITE_BATCH",
    "BatchAudit",
    "DiagnosticCallback",
    "DiceStabilityMonitor",
    "EpochFindings",
    "NonFiniteDiagnosis",
    "NonFiniteGuard",
    "SaturationMonitor",
    "diagnose_non_finite_batch",
    "diagnostic_callbacks",
]
