"""DiceStabilityMonitor: the model's Dice on a fixed validation batch, judged each epoch."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from unetdiag.diag.checks.dice_stability import check_dice_stability
from unetdiag.diag.checks.saturation import check_prediction_collapse
from unetdiag.diag.checks.saturation.ids import PREDICTIONS_COLLAPSED
from unetdiag.diag.core.dice import DEFAULT_DICE, DiceConfig
from unetdiag.diag.core.findings import Finding
from unetdiag.training.callbacks.base import DiagnosticCallback, EpochFindings
from unetdiag.training.callbacks.dice_stability_wording import (
    never_left_finding,
    one_class_finding,
)


def traced_inference(model: keras.Model) -> Callable[[np.ndarray], tf.Tensor]:
    """``model(x, training=False)`` as a function traced on its first call (again only for a
    new input shape): for a callback that predicts a fixed batch at epoch ends, made once per
    fit (the model's weights are read at each call, not frozen at the tracing).

    Traced, not eager: an eager forward pass of the 16-image probe took twice the CPU of the
    traced one (96 px, mixed_bfloat16, 2-core Xeon: 12 epoch ends 2.0 s eager against 1.0 s
    traced, the tracing included). The predictions are bitwise the eager ones under float32,
    and under mixed_bfloat16 for the max-pooling variants; the strided-convolution variants'
    traced graph fuses bfloat16 operations that round differently (96 px: up to 4e-3, no
    pixel across 0.5 on a 4-image probe). A direct call, not
    ``predict_on_batch``: under >= 2 replicas Keras 3.15's ``predict_on_batch`` returns every
    row once per replica.
    """
    return tf.function(lambda x: model(x, training=False), autograph=False)


class DiceStabilityMonitor(DiagnosticCallback):
    """At each epoch end, judge the model's Dice on a fixed validation batch.

    Runs :func:`~unetdiag.diag.checks.dice_stability.check_dice_stability` on the probe's
    predictions under the run's :class:`~unetdiag.diag.core.dice.DiceConfig`, and
    :func:`~unetdiag.diag.checks.saturation.check_prediction_collapse` on the fraction of
    pixels predicted positive against the probe's foreground fraction. Each finding id is
    reported once, with the epoch it started (``first_epoch``, counted from 1) and the latest
    evidence; one no longer present at the last check (e.g. a collapse in epoch 1 the model
    grew out of) becomes INFO, titled "Resolved by epoch N", N the first epoch it was gone.
    The probe is also predicted before the first step of the fit: a probe predicted all one
    class then and at every epoch end since is said to have never left it, not to have
    collapsed (:mod:`.dice_stability_wording`).

    Args:
        probe: ``(x, y)``: a fixed validation batch (NumPy arrays).
        dice_config: the run's Dice loss convention (:meth:`get_config` gives it as a
            dict, which :meth:`from_config` turns back into a ``DiceConfig``).
        threshold: a pixel with ``p > threshold`` is predicted positive (``unetdiag train``
            passes its ``--metric-threshold``, the threshold of the hard metrics).
        every_n_epochs: check every this many epochs (and always at the last one).
        source: written into the findings (and the run name given to the checks).
        dice_loss: whether the model trains with ``dice_config`` as its loss (False: a
            cross-entropy variant, told that it has no Dice loss).

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
                 every_n_epochs: int = 1, source: str = "",
                 probe_weights: np.ndarray | None = None, dice_loss: bool = True) -> None:
        super().__init__(source)
        x, y = probe
        self.probe_x = np.asarray(x)
        self.probe_y = np.asarray(y)
        #: the probe's pixels scored (weight > 0; the policy's ignored values are not), as
        #: the metrics count them; None: every pixel
        self.probe_weights = None if probe_weights is None else np.asarray(probe_weights)
        if self.probe_x.shape[0] != self.probe_y.shape[0] or self.probe_x.shape[0] == 0:
            raise ValueError("probe needs the same, non-zero number of images and masks")
        if every_n_epochs < 1:
            raise ValueError("every_n_epochs must be >= 1")
        self.dice_config = dice_config
        self.dice_loss = dice_loss
        self.threshold = threshold
        self.every_n_epochs = every_n_epochs
        self._log = EpochFindings(keep_resolved=True)
        self._predict = None
        #: Predicted-positive fraction of the probe at each checked epoch (counted from 1).
        self.predicted_positive_fraction: dict[int, float] = {}
        #: The same before the first step of the fit.
        self.start_positive_fraction: float | None = None
        #: The constant (``all_zeros``/``all_ones``) the probe was predicted at the start and
        #: at every check since; None once it left it (or when it started at none).
        self._held_constant: str | None = None
        #: The probe left the constant it started at: a collapse found next is its own,
        #: starting at its epoch, not the start's "never left" reworded.
        self._collapse_restarts = False
        #: The epoch (0-based) this fit began at: the epochs a resumed run trained before.
        self._fit_first_epoch: int | None = None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "probe": (self.probe_x, self.probe_y),
                "dice_config": self.dice_config.to_dict(), "threshold": self.threshold,
                "every_n_epochs": self.every_n_epochs, "probe_weights": self.probe_weights,
                "dice_loss": self.dice_loss}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DiceStabilityMonitor:
        config = dict(config)
        if isinstance(config.get("dice_config"), Mapping):
            config["dice_config"] = DiceConfig(**config["dice_config"])
        return cls(**config)

    @property
    def findings(self) -> list[Finding]:
        return self._log.findings()

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._log = EpochFindings(keep_resolved=True)
        self.predicted_positive_fraction = {}
        self._predict = traced_inference(self.model)
        positive, foreground = self._probe_fractions()
        self.start_positive_fraction = positive
        self._collapse_restarts = False
        self._fit_first_epoch = None
        self._held_constant = _constant(check_prediction_collapse(self.source, positive,
                                                                  foreground))

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        if self._fit_first_epoch is None:  # > 0: a fit resumed from a checkpoint
            self._fit_first_epoch = epoch

    def on_train_end(self, logs: Mapping | None = None) -> None:
        self._predict = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        last_epoch = epoch + 1 >= (self.params or {}).get("epochs", epoch + 1)
        if (epoch + 1) % self.every_n_epochs and not last_epoch and not self.model.stop_training:
            return
        labels, predictions = self._probe_predictions()
        positive, foreground = self._fractions(labels, predictions)
        self.predicted_positive_fraction[epoch + 1] = positive
        findings = list(check_dice_stability(labels, predictions, self.dice_config,
                                             source=self.source, dice_loss=self.dice_loss))
        collapse = check_prediction_collapse(self.source, positive, foreground)
        if self._held_constant is not None and _constant(collapse) != self._held_constant:
            self._held_constant = None  # left it: a later return to it is a collapse
            self._collapse_restarts = True
        if collapse and self._collapse_restarts:  # not the constant held since the start
            self._log.restart(PREDICTIONS_COLLAPSED)
            self._collapse_restarts = False
        if self._held_constant is not None and self.start_positive_fraction is not None:
            collapse = [never_left_finding(finding, self.source, self.start_positive_fraction,
                                           epoch + 1, len(self.predicted_positive_fraction),
                                           resumed_after=self._fit_first_epoch or 0,
                                           of_scored=self.probe_weights is not None)
                        if "constant_accuracy" in finding.evidence else finding
                        for finding in collapse]
        collapse = [finding if "constant_accuracy" in finding.evidence
                    else one_class_finding(finding, self.source)  # masks of one class
                    for finding in collapse]
        findings += collapse
        self._log.record(epoch + 1, [f if f.source else f.with_source(self.source)
                                     for f in findings])

    def _probe_predictions(self) -> tuple[np.ndarray, np.ndarray]:
        """The probe's labels and the model's predictions on it, as float64 of one shape."""
        predict = self._predict or (lambda x: self.model(x, training=False))
        predictions = np.asarray(keras.ops.convert_to_numpy(predict(self.probe_x)),
                                 dtype=np.float64)
        return (np.asarray(self.probe_y, dtype=np.float64).reshape(predictions.shape),
                predictions)

    def _probe_fractions(self) -> tuple[float, float]:
        """Of the probe's pixels: the share predicted positive, the share of foreground."""
        return self._fractions(*self._probe_predictions())

    def _fractions(self, labels: np.ndarray, predictions: np.ndarray) -> tuple[float, float]:
        """Of the probe's pixels scored (all without weights): the share predicted
        positive, the share of foreground; ignored pixels, read as background in the probe's
        masks, would otherwise count as background in both."""
        scored = (np.ones(labels.shape, bool) if self.probe_weights is None
                  else self.probe_weights.reshape(labels.shape) > 0)
        if not scored.any():
            scored = np.ones(labels.shape, bool)  # nothing scored: the pixels as they are
        return (float(np.mean(predictions[scored] > self.threshold)),
                float(np.mean(labels[scored] > 0.5)))


def _constant(collapse: list[Finding]) -> str | None:
    """The constant a ``saturation.predictions_collapsed`` finding names, None without one."""
    return next((str(finding.evidence["collapsed_to"]) for finding in collapse
                 if finding.id == PREDICTIONS_COLLAPSED), None)
