"""A variant's epoch checkpoint: what a resume needs to go on from its last completed epoch
(weights with the optimizer state, the epoch count, the history so far)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import keras

from unetdiag.fsutil import atomic_save, atomic_write_json
from unetdiag.training.run.history import HistoryWriter, json_safe

#: Per-variant checkpoint folder, its state file (the commit point: it names the weights file
#: of the last completed epoch) and the weights file name per epoch.
CHECKPOINT_DIRNAME = "checkpoint"
CHECKPOINT_STATE_FILENAME = "checkpoint.json"
CHECKPOINT_WEIGHTS_FORMAT = "epoch-{epochs:04d}.weights.h5"
#: Written into checkpoint.json so a resume knows the file is ours.
CHECKPOINT_FORMAT = "unetdiag-epoch-checkpoint-1"


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch, keep what a resume needs in ``folder``: the model's weights with the
    optimizer state (``model.save_weights`` stores both) and ``checkpoint.json`` (completed
    epoch count, the weights file name, the history so far).

    Each epoch's weights go to a new file (written to a temporary name, then renamed);
    ``checkpoint.json``, written atomically after it, is the commit point, and the previous
    epoch's weights are deleted only then. An interruption at any instant leaves a consistent
    checkpoint: the new one or the previous one. :func:`load_checkpoint` reads it back.

    Args:
        folder: the checkpoint folder (created when the first epoch ends).
        history: the :class:`HistoryWriter` of the same fit; it must come earlier in the
            callback list so the epoch's logs are in it.
    """

    def __init__(self, folder: Path, history: HistoryWriter):
        super().__init__()
        self.folder = folder
        self.history = history

    def on_epoch_end(self, epoch, logs=None):
        epochs = epoch + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        weights_name = CHECKPOINT_WEIGHTS_FORMAT.format(epochs=epochs)
        atomic_save(self.model.save_weights, self.folder / weights_name)
        atomic_write_json(self.folder / CHECKPOINT_STATE_FILENAME, {
            "format": CHECKPOINT_FORMAT, "epochs_completed": epochs, "weights": weights_name,
            "history": json_safe(self.history.history)})
        for stale in self.folder.glob(CHECKPOINT_WEIGHTS_FORMAT.replace("{epochs:04d}", "*")):
            if stale.name != weights_name:
                stale.unlink(missing_ok=True)


@dataclass
class Checkpoint:
    """A variant's last completed epoch, as :class:`EpochCheckpoint` left it."""

    epochs_completed: int
    weights_path: Path
    history: dict[str, list[float]]


def load_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has none (or an unreadable one: the variant
    then starts again from its first epoch)."""
    folder = variant_dir / CHECKPOINT_DIRNAME
    try:
        state = json.loads((folder / CHECKPOINT_STATE_FILENAME).read_text())
        if state.get("format") != CHECKPOINT_FORMAT:
            return None
        weights_path = folder / Path(state["weights"]).name
        history = {key: [float(value) for value in values]
                   for key, values in state["history"].items()}
        epochs = int(state["epochs_completed"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not weights_path.is_file() or any(len(values) != epochs for values in history.values()):
        return None
    return Checkpoint(epochs, weights_path, history)
