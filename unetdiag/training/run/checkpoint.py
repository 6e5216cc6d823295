"""A variant's epoch checkpoint: what a resume needs to go on from its last completed epoch
(weights with the optimizer state, the epoch count, the history so far) and its best epoch's
weights (what ``model.keras`` holds when the variant ends)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py  # a dependency of keras, whose save_weights writes the .weights.h5 files
import keras

from unetdiag.exitcodes import ExitCode, UserError
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
    and ``checkpoint.json`` (completed epoch count, both weights file names with their
    SHA-256, the best epoch, the history so far).

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
        #: the SHA-256 of each weights file written (or recorded by the resumed checkpoint),
        #: by name: checkpoint.json records them, so a resume tells a file whose bytes
        #: changed since from the one written
        self.digests: dict[str, str] = {}

    def on_epoch_end(self, epoch, logs=None):
        epochs = epoch + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        weights_name = CHECKPOINT_WEIGHTS_FORMAT.format(epochs=epochs)
        weights_path = atomic_save(self.model.save_weights, self.folder / weights_name)
        self.digests[weights_name] = file_digest(weights_path)
        best_epoch = history_fields(self.history.history)["best_val_dice_epoch"]
        if best_epoch == epochs:
            self.best = (epochs, weights_name)
        checkpoint = Checkpoint(epochs, weights_path, self.history.history,
                                self.best[0] if self.best else None,
                                self.folder / self.best[1] if self.best else None,
                                self.digests)
        atomic_write_json(self.folder / CHECKPOINT_STATE_FILENAME, checkpoint.state())
        kept = {weights_name, self.best[1] if self.best else weights_name}
        self.digests = {name: self.digests[name] for name in kept if name in self.digests}
        for stale in self.folder.glob(CHECKPOINT_WEIGHTS_FORMAT.replace("{epochs:04d}", "*")):
            if stale.name not in kept:
                stale.unlink(missing_ok=True)


@dataclass
class Checkpoint:
    """A variant's last completed epoch, as :class:`EpochCheckpoint` left it, and its best
    epoch (None: no epoch had a finite validation Dice); ``digests``: the SHA-256 recorded for
    each weights file by name (none in a checkpoint from before unetdiag recorded them)."""

    epochs_completed: int
    weights_path: Path
    history: dict[str, list[float]]
    best_epoch: int | None = None
    best_weights_path: Path | None = None
    digests: dict[str, str] = field(default_factory=dict)

    def state(self) -> dict[str, Any]:
        """The checkpoint.json that describes this checkpoint."""
        kept = {self.weights_path.name} | ({self.best_weights_path.name}
                                           if self.best_weights_path else set())
        return {"format": CHECKPOINT_FORMAT, "epochs_completed": self.epochs_completed,
                "weights": self.weights_path.name, "best_epoch": self.best_epoch,
                "best_weights": self.best_weights_path.name if self.best_weights_path else None,
                "sha256": {name: digest for name, digest in self.digests.items()
                           if name in kept},
                "history": json_safe(self.history)}


class DamagedCheckpoint(Exception):
    """A checkpoint folder whose state file or weights cannot be used: ``path`` is the file,
    ``why`` what is wrong with it. ``fallback``: the newest intact checkpoint left, when
    only one of the two weights files is damaged: the best epoch's (an earlier one; its
    weights with their optimizer state, the history cut to it) when the last epoch's is
    damaged, the last epoch's without a best epoch when the best epoch's is; ``epochs``: the
    epochs the damaged checkpoint held (None: its state file is not readable); ``changed``:
    all that is known is that the file's bytes are not the ones written (its SHA-256 differs
    from the recorded one), which proves a change, not that the file is broken; ``missing``:
    the name of the weights file the state file names that is not there (``path`` is then
    the state file, which is whole)."""

    def __init__(self, path: Path, why: str, fallback: Checkpoint | None = None,
                 epochs: int | None = None, changed: bool = False, missing: str | None = None):
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why
        self.fallback = fallback
        self.epochs = epochs
        self.changed = changed
        self.missing = missing

    def condition(self, plural: bool = False) -> str:
        """What is known of the checkpoint (or, ``plural``, of a file's weights), as a
        predicate: "is damaged"; "is incomplete" ("are missing") where a file it names is
        missing; or, where all that is known is that a file's SHA-256 is not the recorded
        one, "changed since it was written" (a change is proven, not that the weights are
        wrong: another file copied over it reads as well)."""
        if self.changed:
            return f"changed since {'they were' if plural else 'it was'} written"
        if self.missing:
            return "are missing" if plural else "is incomplete"
        return "are damaged" if plural else "is damaged"


def load_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has none or a damaged one (a resume sets a
    damaged one aside first and says so,
    :func:`~unetdiag.training.run.damaged_checkpoint.set_aside_damaged_checkpoints`; the
    variant then goes on from its best epoch, or starts again from its first)."""
    try:
        return read_checkpoint(variant_dir)
    except DamagedCheckpoint:
        return None


def read_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has no state file.

    Raises:
        DamagedCheckpoint: the state file is not one :class:`EpochCheckpoint` wrote whole, or
            a weights file it names is missing, does not open as HDF5, or is not the file
            recorded (:func:`check_weights_file`). When only one of the last and the best
            epoch's files is damaged, its ``fallback`` is the checkpoint the other makes
            (:class:`DamagedCheckpoint`).
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
        best_epoch = int(state["best_epoch"]) if state.get("best_epoch") else None
        best_path = folder / Path(state["best_weights"]).name if best_epoch else None
        digests = {str(name): str(digest) for name, digest in state.get("sha256", {}).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        why = f"no {error} field" if isinstance(error, KeyError) else \
            f"{type(error).__name__}: {error}"
        raise DamagedCheckpoint(state_path, why) from None
    if any(len(values) != epochs for values in history.values()):
        raise DamagedCheckpoint(state_path, f"its history does not hold {epochs} epochs")
    checkpoint = Checkpoint(epochs, weights_path, history, best_epoch, best_path, digests)
    try:
        _check_named_file(state_path, weights_path, digests)
    except DamagedCheckpoint as damaged:
        damaged.epochs = epochs
        damaged.fallback = _best_epoch_checkpoint(checkpoint, state_path)
        raise
    if best_path is not None and best_path != weights_path:
        try:
            _check_named_file(state_path, best_path, digests)
        except DamagedCheckpoint as damaged:  # the last epoch goes on, its best is lost
            damaged.epochs = epochs
            damaged.fallback = Checkpoint(
                epochs, weights_path, history, digests={weights_path.name: digests[
                    weights_path.name]} if weights_path.name in digests else {})
            raise
    return checkpoint


def _best_epoch_checkpoint(checkpoint: Checkpoint, state_path: Path) -> Checkpoint | None:
    """The checkpoint of ``checkpoint``'s best epoch when that is an earlier epoch whose
    weights file is intact (it holds the optimizer state of that epoch too), else None."""
    best, best_path = checkpoint.best_epoch, checkpoint.best_weights_path
    if best is None or best_path is None or best >= checkpoint.epochs_completed:
        return None
    try:
        _check_named_file(state_path, best_path, checkpoint.digests)
    except DamagedCheckpoint:
        return None
    return Checkpoint(best, best_path,
                      {key: values[:best] for key, values in checkpoint.history.items()},
                      best, best_path, {best_path.name: checkpoint.digests[best_path.name]}
                      if best_path.name in checkpoint.digests else {})


def _check_named_file(state_path: Path, path: Path, digests: dict[str, str]) -> None:
    if not path.is_file():
        raise DamagedCheckpoint(state_path, f"the weights file it names, {path.name}, is "
                                            "missing", missing=path.name)
    check_weights_file(path, digests.get(path.name))


def file_digest(path: Path) -> str:
    """The SHA-256 of the file's bytes, in hex."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def check_weights_file(path: Path, digest: str | None = None) -> None:
    """Raise :class:`DamagedCheckpoint` when ``path`` is not the weights file
    ``model.save_weights`` wrote: it does not open as HDF5 (a truncated copy) or a dataset in
    it cannot be read (damaged), or its SHA-256 is not ``digest`` (the one recorded when it
    was written: bytes changed inside a file that still reads whole, which HDF5 does not
    notice in its data; ``changed``)."""
    try:
        with h5py.File(path, "r") as file:
            file.visititems(_read_dataset)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        raise DamagedCheckpoint(path, f"it does not open as an HDF5 weights file: {error}"
                                ) from None
    if digest is not None and file_digest(path) != digest:
        raise DamagedCheckpoint(path, "its bytes are not the ones written at that epoch "
                                      "(its SHA-256 differs from the one checkpoint.json "
                                      "recorded)", changed=True)


def _read_dataset(_name: str, item: h5py.HLObject) -> None:
    if isinstance(item, h5py.Dataset):
        item[()]


def load_checkpoint_weights(model: keras.Model, checkpoint: Checkpoint) -> None:
    """Load the checkpoint's last epoch (weights and optimizer state) into ``model``.

    A checkpoint from before unetdiag recorded its files' SHA-256 may still hold a file that
    opens and reads as HDF5 but that Keras cannot load (bytes changed in its structure).

    Raises:
        UserError: (``INPUT_ERROR``) Keras cannot load the file, naming it and the folder to
            move aside for the variant to train from its first epoch.
    """
    try:
        model.load_weights(checkpoint.weights_path)
    except (OSError, RuntimeError, KeyError, ValueError) as error:
        folder = checkpoint.weights_path.parent
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"cannot resume from the epoch checkpoint {checkpoint.weights_path}: "
                        f"it does not load into the model config.json describes "
                        f"({type(error).__name__}: {reason}); move {folder} out of "
                        f"{folder.parent} to train {folder.parent.name} from its first epoch",
                        ExitCode.INPUT_ERROR) from None
