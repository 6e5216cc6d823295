"""The diagnostic callbacks ``unetdiag train`` uses, built in the order they should run."""

from __future__ import annotations

import os
from collections.abc import Mapping

import keras
import numpy as np

from unetdiag.diag.core.dice import DEFAULT_DICE, DiceConfig
from unetdiag.diag.data.masks import DEFAULT_POLICY, MaskPolicy
from unetdiag.training.callbacks.batch_audit import BatchAudit
from unetdiag.training.callbacks.dice_stability_monitor import DiceStabilityMonitor
from unetdiag.training.callbacks.nonfinite_guard import NonFiniteGuard
from unetdiag.training.callbacks.saturation_monitor import SaturationMonitor


def diagnostic_callbacks(output_dir: str | os.PathLike,
                         probe: tuple[np.ndarray, np.ndarray] | None,
                         dice_config: DiceConfig = DEFAULT_DICE,
                         baselines: Mapping[str, float] | None = None,
                         stop_on_label_error: bool = True,
                         source: str = "", *,
                         threshold: float = 0.5,
                         mask_policy: MaskPolicy = DEFAULT_POLICY,
                         augmented_inputs: bool | None = None,
                         probe_weights: np.ndarray | None = None,
                         split_masks: Mapping[str, Mapping[str, float]] | None = None,
                         dice_loss: bool = True) -> list[keras.callbacks.Callback]:
    """The diagnostic callbacks ``unetdiag train`` uses, in the order they should run.

    Put them first in the callback list (before loggers). ``probe`` None leaves out the Dice
    monitor; ``threshold`` is where it counts a pixel as predicted foreground (the hard
    metrics' threshold), on the probe's pixels whose ``probe_weights`` are above 0 when given
    (the pixels the metrics score); ``mask_policy`` is how the masks were decoded (the batch audit
    words its advice and leaves out ignored pixels by it); ``augmented_inputs`` whether the
    input pipeline augments the training images (the saturation monitor then knows the
    training figures are training-mode ones); ``split_masks`` each split's masks, empty masks
    and foreground fraction (stated beside a train/validation gap); ``dice_loss`` whether the
    model trains with ``dice_config`` as its loss (the Dice monitor's words). Gather the
    findings afterwards with ``[f for c in callbacks for f in c.findings]`` and check
    ``c.stop_reason`` to learn whether (and why) one stopped the run.

    >>> import tempfile
    >>> [type(c).__name__ for c in diagnostic_callbacks(tempfile.mkdtemp(), probe=None)]
    ['NonFiniteGuard', 'BatchAudit', 'SaturationMonitor']
    """
    callbacks: list[keras.callbacks.Callback] = [
        NonFiniteGuard(output_dir, source=source),
        BatchAudit(stop_on_label_error=stop_on_label_error, source=source,
                   dark_is_foreground=mask_policy.dark_is_foreground,
                   by_values=mask_policy.by_values,
                   ignores_values=bool(mask_policy.ignore_values)),
    ]
    if probe is not None:
        callbacks.append(DiceStabilityMonitor(probe, dice_config, threshold=threshold,
                                              source=source, probe_weights=probe_weights,
                                              dice_loss=dice_loss))
    callbacks.append(SaturationMonitor(baselines, source=source,
                                       augmented_inputs=augmented_inputs,
                                       split_masks=split_masks))
    return callbacks
