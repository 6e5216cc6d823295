"""The two models a variant leaves when it ends: ``last.keras``, the weights of its last
epoch, and ``model.keras``, the weights the run keeps (its best epoch by validation Dice, as
Keras's ``ModelCheckpoint(save_best_only=True)`` and nnU-Net's ``checkpoint_best`` keep them).

What ``model.keras`` holds (:data:`ModelHolds`):

- ``"best epoch"``: the epoch with the highest validation Dice, the one the summary reports
  (a finished variant, or one a guard stopped under ``--on-guard restore-best`` or
  ``restart``);
- ``"last epoch"``: no epoch had a finite validation Dice, so there is no best, or the best
  epoch's weights were lost (a resume set a damaged file aside,
  :mod:`~unetdiag.training.run.damaged_checkpoint`) and no later epoch scored higher;
- ``"guard stop"``: the weights the guard kept when it stopped the variant, under
  ``--on-guard stop`` (what unetdiag saved before it kept a best epoch), or under any policy
  when no epoch before the stop had a finite validation Dice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import keras

from unetdiag.config import OnGuard
from unetdiag.fsutil import atomic_save
from unetdiag.training.run.checkpoint import load_checkpoint
from unetdiag.training.run.folder import LAST_MODEL_FILENAME, MODEL_FILENAME

ModelHolds = Literal["best epoch", "last epoch", "guard stop"]


@dataclass(frozen=True)
class SavedModels:
    """Where the variant's models went, and which epoch ``model.keras`` holds (for a guard
    stop: the epochs completed before it)."""

    model_path: Path
    last_model_path: Path
    holds: ModelHolds
    epoch: int


def save_models(model: keras.Model, variant_dir: Path, *, epochs_completed: int,
                stopped_by_guard: bool, on_guard: OnGuard) -> SavedModels:
    """Save ``model`` as it is to ``last.keras``, then the kept weights (module docstring) to
    ``model.keras``; ``model`` is left holding those (the validation scores are of them)."""
    last_path = atomic_save(model.save, variant_dir / LAST_MODEL_FILENAME)
    holds: ModelHolds = "guard stop" if stopped_by_guard else "last epoch"
    epoch = epochs_completed
    checkpoint = load_checkpoint(variant_dir)
    if (checkpoint is not None and checkpoint.best_weights_path is not None
            and not (stopped_by_guard and on_guard == "stop")):
        model.load_weights(checkpoint.best_weights_path)
        holds, epoch = "best epoch", checkpoint.best_epoch
    model_path = atomic_save(model.save, variant_dir / MODEL_FILENAME)
    return SavedModels(model_path, last_path, holds, epoch)
