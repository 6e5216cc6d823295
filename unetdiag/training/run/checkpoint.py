"""A variant's epoch checkpoint: what a resume needs to go on from its last completed epoch
(weights with the optimizer state, the epoch count, the history so far) and its best epoch's
weights (what ``model.keras`` holds when the variant ends)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import h5py  # a dependency of keras, whose save_weights writes the .weights.h5 files
import keras

from unetdiag.fsutil import atomic_save, atomic_write_json
from unetdiag.training.run.history import HistoryWriter, json_safe
from unetdiag.training.run.summary import history_fields

#: Per-variant checkpoint folder, its state file (the commit point: it names the weights file
#: of the last completed epoch) and the weights file name per epoch.
CHECKPOINT_DIRNAME = "checkpoint"
CHECKPOINT_STATE_FILENAME = "checkpoint.json"
CHECKPOINT_WEIGHTS_FORMAT = "epoch-{epochs:04d}.weights.h5"
#: Written into checkpoint.json so a resume knows the file is ours.
CHECKPOINT_FORMAT = "unetdiag-epoch-checkpoint-1"


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch, keep what a resume needs in ``folder``: the model's weights with the
    optimizer state (``model.save_weights`` stores both), the weights of the best epoch so far
    (by validation Dice, as :func:`~unetdiag.training.run.summary.history_fields` picks it)
    and ``checkpoint.json`` (completed epoch count, both weights file names, the best epoch,
    the history so far).

    Each epoch's weights go to a new file (written to a temporary name, then renamed);
    ``checkpoint.json``, written atomically after it, is the commit point, and weights files
    it no longer names are deleted only then. An interruption at any instant leaves a
    consistent checkpoint: the new one or the previous one. :func:`load_checkpoint` reads it
    back. The folder stays when the variant ends: it is what ``--resume RUN --epochs N``
    goes on from.

    Args:
        folder: the checkpoint folder (created when the first epoch ends).
        history: the :class:`HistoryWriter` of the same fit; it must come earlier in the
            callback list so the epoch's logs are in it.
        best: the best epoch and its weights file name so far (a resumed checkpoint's).
    """

    def __init__(self, folder: Path, history: HistoryWriter,
                 best: tuple[int, str] | None = None):
        super().__init__()
        self.folder = folder
        self.history = history
        self.best = best

    def on_epoch_end(self, epoch, logs=None):
        epochs = epoch + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        weights_name = CHECKPOINT_WEIGHTS_FORMAT.format(epochs=epochs)
        atomic_save(self.model.save_weights, self.folder / weights_name)
        best_epoch = history_fields(self.history.history)["best_val_dice_epoch"]
        if best_epoch == epochs:
            self.best = (epochs, weights_name)
        atomic_write_json(self.folder / CHECKPOINT_STATE_FILENAME, {
            "format": CHECKPOINT_FORMAT, "epochs_completed": epochs, "weights": weights_name,
            "best_epoch": self.best[0] if self.best else None,
            "best_weights": self.best[1] if self.best else None,
            "history": json_safe(self.history.history)})
        kept = {weights_name, self.best[1] if self.best else weights_name}
        for stale in self.folder.glob(CHECKPOINT_WEIGHTS_FORMAT.replace("{epochs:04d}", "*")):
            if stale.name not in kept:
                stale.unlink(missing_ok=True)


@dataclass
class Checkpoint:
    """A variant's last completed epoch, as :class:`EpochCheckpoint` left it, and its best
    epoch (None: no epoch had a finite validation Dice)."""

    epochs_completed: int
    weights_path: Path
    history: dict[str, list[float]]
    best_epoch: int | None = None
    best_weights_path: Path | None = None


class DamagedCheckpoint(Exception):
    """A checkpoint folder whose state file or weights cannot be used: ``path`` is the file,
    ``why`` what is wrong with it."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why


def load_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has none or a damaged one (a resume sets a
    damaged one aside first and says so,
    :func:`~unetdiag.training.run.damaged_checkpoint.set_aside_damaged_checkpoints`; the
    variant then starts again from its first epoch)."""
    try:
        return read_checkpoint(variant_dir)
    except DamagedCheckpoint:
        return None


def read_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has no state file.

    Raises:
        DamagedCheckpoint: the state file is not one :class:`EpochCheckpoint` wrote whole, or
            a weights file it names is missing or does not open as HDF5
            (:func:`check_weights_file`).
    """
    folder = variant_dir / CHECKPOINT_DIRNAME
    state_path = folder / CHECKPOINT_STATE_FILENAME
    if not state_path.is_file():
        return None
    try:
        state = json.loads(state_path.read_text())
        if state.get("format") != CHECKPOINT_FORMAT:
            raise DamagedCheckpoint(state_path, "it is no epoch checkpoint unetdiag wrote "
                                                f"(format {state.get('format')!r})")
        weights_path = folder / Path(state["weights"]).name
        history = {key: [float(value) for value in values]
                   for key, values in state["history"].items()}
        epochs = int(state["epochs_completed"])
        best_epoch = state.get("best_epoch")
        best_path = folder / Path(state["best_weights"]).name if best_epoch else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        why = f"no {error} field" if isinstance(error, KeyError) else \
            f"{type(error).__name__}: {error}"
        raise DamagedCheckpoint(state_path, why) from None
    if any(len(values) != epochs for values in history.values()):
        raise DamagedCheckpoint(state_path, f"its history does not hold {epochs} epochs")
    for path in (weights_path, best_path):
        if path is not None and not path.is_file():
            raise DamagedCheckpoint(state_path, f"the weights file it names, {path.name}, is "
                                                "missing")
    for path in dict.fromkeys((weights_path, best_path)):
        if path is not None:
            check_weights_file(path)
    return Checkpoint(epochs, weights_path, history,
                      int(best_epoch) if best_epoch else None, best_path)


def check_weights_file(path: Path) -> None:
    """Raise :class:`DamagedCheckpoint` when ``path`` does not open as the HDF5 file
    ``model.save_weights`` writes (a truncated copy, another file under its name)."""
    try:
        with h5py.File(path, "r"):
            pass
    except OSError as error:
        raise DamagedCheckpoint(path, f"it does not open as an HDF5 weights file: {error}"
                                ) from None
