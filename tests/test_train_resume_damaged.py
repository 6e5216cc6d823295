"""``train --resume`` of a variant whose epoch checkpoint is damaged in part or inside.

Measured on main (4857405): an unfinished variant whose last epoch's weights file was damaged
trained again from epoch 1 though its best epoch's weights file, an earlier epoch's with its
optimizer state, was intact; and a weights file of the right size with bytes changed inside
passed every check: at 27 of 201 places 16 flipped bytes loaded other weights without a word,
at 34 Keras's ``load_weights`` raised (ValueError, RuntimeError, KeyError) as a traceback.
Now the variant goes on from its best epoch, its history cut back to it (nnU-Net's
checkpoint_latest, else checkpoint_best); checkpoint.json records each weights file's SHA-256,
so a changed byte is a damaged checkpoint, set aside and named, like a truncated file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from helpers import add_callback, one_epoch_checkpoint, tiny_train_config, train_quietly

from unetdiag.config import TrainConfig
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run import checkpoint as epoch_checkpoint
from unetdiag.training.run.checkpoint import (
    DamagedCheckpoint,
    EpochCheckpoint,
    check_weights_file,
    load_checkpoint,
    read_checkpoint,
)
from unetdiag.training.run.damaged_checkpoint import set_aside_damaged_checkpoints
from unetdiag.training.run.history import HistoryWriter
from unetdiag.training.run.resume import previous_run

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

VARIANT = "MP_Tr_BCE"


def _checkpointed_epochs(variant_dir, val_dice):
    """An EpochCheckpoint of a one-convolution model after ``len(val_dice)`` epochs with
    those validation Dice scores (so the best epoch is known); returns the model."""
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 3, padding="same")(inputs))
    model.compile(optimizer="adam", loss="mse")
    history = HistoryWriter(variant_dir)
    callback = EpochCheckpoint(variant_dir / "checkpoint", history)
    callback.set_model(model)
    for epoch, dice in enumerate(val_dice):
        model.fit(np.ones((2, 8, 8, 1)), np.ones((2, 8, 8, 1)), verbose=0)
        history.on_epoch_end(epoch, {"loss": 1.0 / (epoch + 1), "val_dice": dice})
        callback.on_epoch_end(epoch)
    return model


def _flip_inside_a_dataset(path):
    """Flip 16 bytes inside the largest dataset's stored values (the file keeps its size and
    still opens and reads as HDF5)."""
    with h5py.File(path, "r") as file:
        datasets = []
        file.visititems(lambda _name, item: datasets.append(item)
                        if isinstance(item, h5py.Dataset) else None)
        largest = max(datasets, key=lambda dataset: dataset.id.get_storage_size())
        offset = largest.id.get_offset() + largest.id.get_storage_size() // 2
    data = bytearray(path.read_bytes())
    data[offset:offset + 16] = bytes(byte ^ 0xFF for byte in data[offset:offset + 16])
    path.write_bytes(bytes(data))


def _contents(folder):
    return {path.relative_to(folder): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_bytes_changed_inside_a_weights_file_make_a_damaged_checkpoint(tmp_path, capsys):
    _checkpointed_epochs(tmp_path / VARIANT, [0.5])
    weights = tmp_path / VARIANT / "checkpoint" / "epoch-0001.weights.h5"
    size = weights.stat().st_size
    _flip_inside_a_dataset(weights)
    assert weights.stat().st_size == size
    with h5py.File(weights, "r"):
        pass  # HDF5 does not notice
    with pytest.raises(DamagedCheckpoint) as caught:
        read_checkpoint(tmp_path / VARIANT)
    assert caught.value.path == weights
    assert "SHA-256 differs from the one checkpoint.json recorded" in caught.value.why
    damaged = weights.read_bytes()

    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    kept = tmp_path / VARIANT / "checkpoint-damaged"
    assert finding.files == (str(kept / weights.name),)
    assert finding.evidence["resumed_from_epoch"] == 0
    assert (kept / weights.name).read_bytes() == damaged  # set aside, not deleted
    assert f"{weights.name} (its bytes are not the ones written" in capsys.readouterr().err


def test_a_changed_sha256_is_said_as_a_change_not_as_damage(tmp_path, capsys):
    # a SHA-256 that differs proves the bytes changed, not that the weights are wrong (a
    # file copied over it differs as well): main said "is damaged" of it everywhere
    _checkpointed_epochs(tmp_path / VARIANT, [0.6, 0.4, 0.3])  # best: epoch 1
    last = tmp_path / VARIANT / "checkpoint" / "epoch-0003.weights.h5"
    _flip_inside_a_dataset(last)
    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    assert finding.title == (f"{VARIANT}'s checkpoint of epoch 3 changed since it was written: "
                             f"{VARIANT} goes on from its best epoch, 1")
    assert finding.explanation.startswith(f"Its {last.name} changed since it was written (its "
                                          "bytes are not the ones written at that epoch")
    warning = capsys.readouterr().err
    assert f"{VARIANT}'s epoch checkpoint changed since it was written: {last.name}" in warning
    assert "damaged" not in finding.title + finding.explanation.replace("checkpoint-damaged", "")
    assert "damaged" not in warning.replace("checkpoint-damaged", "")


def test_a_missing_weights_file_is_said_missing_not_checkpoint_json_damaged(tmp_path, capsys):
    # checkpoint.json is whole when a weights file it names is deleted: main said "Its
    # checkpoint.json is damaged (the weights file it names ... is missing)" and "That file,
    # a copy of the checkpoint.json that named it ..." of a file that is not there
    _checkpointed_epochs(tmp_path / VARIANT, [0.6, 0.4, 0.3])  # best: epoch 1
    (tmp_path / VARIANT / "checkpoint" / "epoch-0003.weights.h5").unlink()
    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    kept = tmp_path / VARIANT / "checkpoint-damaged"
    assert finding.title == (f"{VARIANT}'s checkpoint of epoch 3 is incomplete: {VARIANT} goes "
                             "on from its best epoch, 1")
    assert finding.explanation.startswith(
        "Its weights file epoch-0003.weights.h5, which checkpoint.json names, is missing (the "
        f"checkpoint.json that names it is now at {kept / 'checkpoint.json'}), so the resume")
    assert "A copy of the checkpoint.json that named it and the records of those epochs" \
        in finding.explanation
    assert "damaged" not in finding.title + finding.explanation.replace("checkpoint-damaged", "")
    assert "(a copy of checkpoint.json and that part's history moved to" in \
        capsys.readouterr().err


def test_a_damaged_last_epoch_goes_on_from_the_intact_best_epoch(tmp_path, capsys):
    _checkpointed_epochs(tmp_path / VARIANT, [0.6, 0.4, 0.3])  # best: epoch 1
    folder = tmp_path / VARIANT / "checkpoint"
    last, best = folder / "epoch-0003.weights.h5", folder / "epoch-0001.weights.h5"
    assert sorted(path.name for path in folder.glob("*.h5")) == [best.name, last.name]
    last.write_bytes(last.read_bytes()[:100])
    before = _contents(tmp_path / VARIANT)
    assert previous_run(tmp_path).as_left(tmp_path, VARIANT).epochs_completed == 1

    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])

    assert finding.title == (f"{VARIANT}'s checkpoint of epoch 3 is damaged: {VARIANT} goes on "
                             "from its best epoch, 1")
    assert (finding.evidence["resumed_from_epoch"],
            finding.evidence["damaged_checkpoint_epochs"]) == (1, 3)
    assert "its history keeps epoch 1, and epochs 2-3, whose weights are lost, are trained " \
           "again" in finding.explanation
    assert "goes on from its best epoch, 1, whose checkpoint is intact (epochs 2-3 are " \
           "trained again" in capsys.readouterr().err
    resumed = load_checkpoint(tmp_path / VARIANT)
    assert (resumed.epochs_completed, resumed.weights_path, resumed.best_epoch) == (1, best, 1)
    assert resumed.history == {"loss": [1.0], "val_dice": [0.6]}
    # the history files agree with the checkpoint: no epoch whose weights are lost
    assert json.loads((tmp_path / VARIANT / "history.json").read_text()) == resumed.history
    assert len((tmp_path / VARIANT / "history.csv").read_text().splitlines()) == 2
    # nothing lost: the damaged file, the checkpoint.json that named it, the 3-epoch history
    kept = _contents(tmp_path / VARIANT / "checkpoint-damaged")
    assert kept == {Path(last.name): before[Path("checkpoint", last.name)],
                    Path("checkpoint.json"): before[Path("checkpoint", "checkpoint.json")],
                    Path("history.json"): before[Path("history.json")],
                    Path("history.csv"): before[Path("history.csv")]}


def test_a_damaged_best_epoch_alone_goes_on_from_the_last_without_a_best(tmp_path, capsys):
    _checkpointed_epochs(tmp_path / VARIANT, [0.6, 0.4])  # best: epoch 1, last: epoch 2
    folder = tmp_path / VARIANT / "checkpoint"
    best, last = folder / "epoch-0001.weights.h5", folder / "epoch-0002.weights.h5"
    _flip_inside_a_dataset(best)
    history = (tmp_path / VARIANT / "history.json").read_bytes()

    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])

    assert finding.title == (f"{VARIANT}'s best epoch's weights changed since they were "
                             f"written: {VARIANT} goes on from epoch 2, its last, without them")
    assert (finding.evidence["resumed_from_epoch"],
            finding.evidence["damaged_checkpoint_epochs"]) == (2, 2)
    assert "its best epoch's weights are lost (that file moved to " \
        in capsys.readouterr().err
    resumed = load_checkpoint(tmp_path / VARIANT)
    assert (resumed.epochs_completed, resumed.weights_path) == (2, last)
    assert (resumed.best_epoch, resumed.best_weights_path) == (None, None)
    assert (tmp_path / VARIANT / "history.json").read_bytes() == history  # no epoch lost
    kept = tmp_path / VARIANT / "checkpoint-damaged"
    assert sorted(path.name for path in kept.iterdir()) == ["checkpoint.json", best.name]


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_a_damaged_best_epoch_too_leaves_no_fallback(tmp_path, damage):
    _checkpointed_epochs(tmp_path / VARIANT, [0.6, 0.4])
    folder = tmp_path / VARIANT / "checkpoint"
    (folder / "epoch-0002.weights.h5").unlink()
    best = folder / "epoch-0001.weights.h5"
    if damage == "missing":
        best.unlink()
    else:
        _flip_inside_a_dataset(best)
    with pytest.raises(DamagedCheckpoint) as caught:
        read_checkpoint(tmp_path / VARIANT)
    assert caught.value.fallback is None
    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    assert finding.evidence["resumed_from_epoch"] == 0
    assert load_checkpoint(tmp_path / VARIANT) is None


def test_a_checkpoint_without_recorded_digests_is_read_whole(tmp_path):
    # a checkpoint from before unetdiag recorded SHA-256s: every dataset is read, so each
    # place where 16 flipped bytes make Keras's load_weights raise is a damaged checkpoint
    # before Keras meets it (main only opened the file: 24 of the 26 places here passed)
    model = _checkpointed_epochs(tmp_path / VARIANT, [0.5])
    weights = tmp_path / VARIANT / "checkpoint" / "epoch-0001.weights.h5"
    original = weights.read_bytes()
    flipped = tmp_path / "flipped.weights.h5"
    keras_refused = missed = 0
    for offset in range(0, len(original), max(1, len(original) // 150)):
        data = bytearray(original)
        data[offset:offset + 16] = bytes(byte ^ 0xFF for byte in data[offset:offset + 16])
        flipped.write_bytes(bytes(data))
        try:
            model.load_weights(flipped)
        except (OSError, RuntimeError, KeyError, ValueError):
            keras_refused += 1
            try:
                check_weights_file(flipped)
            except DamagedCheckpoint:
                continue
            missed += 1
        finally:
            model.load_weights(weights)
    assert keras_refused > 0 and missed == 0


# --- end to end: a real run, a real resume -------------------------------------------------


class _InterruptAtEpochEnd(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


class _RecordStart(keras.callbacks.Callback):
    def __init__(self, starts):
        super().__init__()
        self.starts = starts

    def on_train_begin(self, logs=None):
        self.starts.append(int(self.model.optimizer.iterations.numpy()))


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """VARIANT, 3 epochs, interrupted after epoch 2 with epoch 1 its best (the best epoch
    pinned, whatever the tiny model scores): the checkpoint keeps epoch-0001 and
    epoch-0002. Returns the run folder and the steps of an epoch."""
    root = tmp_path_factory.mktemp("damaged")
    write_dataset(root / "cells", SynthSpec(n_pairs=16, size=32, seed=3))
    config = tiny_train_config(root / "cells", root / "runs", variants=(VARIANT,), epochs=3)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(epoch_checkpoint, "history_fields",
                      lambda history: {"best_val_dice_epoch": 1})
        add_callback(patch, VARIANT, _InterruptAtEpochEnd)
        first = train_quietly(config)
    assert first.exit_code == ExitCode.INTERRUPTED
    return first.run_dir, -(-first.report.meta["train_pairs"] // config.batch_size)


def _resumed_copy(interrupted_run, tmp_path):
    run_dir = tmp_path / "r"
    shutil.copytree(interrupted_run[0], run_dir)
    return run_dir


def test_a_resume_goes_on_from_the_best_epoch_when_the_last_is_damaged(
        interrupted_run, tmp_path, monkeypatch):
    run_dir = _resumed_copy(interrupted_run, tmp_path)
    last = run_dir / VARIANT / "checkpoint" / "epoch-0002.weights.h5"
    last.write_bytes(last.read_bytes()[:5000])
    earlier = json.loads((run_dir / VARIANT / "history.json").read_text())
    assert len(earlier["loss"]) == 2
    starts: list[int] = []
    add_callback(monkeypatch, VARIANT, lambda: _RecordStart(starts))

    result = train_quietly(TrainConfig(resume=run_dir, quiet=True))

    # Adam's step count of epoch 1's checkpoint: it went on from epoch 1, not from scratch
    assert starts == [interrupted_run[1]]
    finding, = [f for f in result.report.findings if f.id == "train.damaged_checkpoint"]
    assert finding.evidence["resumed_from_epoch"] == 1
    assert "epoch 2, whose weights are lost, is trained again" in finding.explanation
    history = json.loads((run_dir / VARIANT / "history.json").read_text())
    assert {len(values) for values in history.values()} == {3}
    assert all(history[key][0] == earlier[key][0] for key in earlier)  # epoch 1 kept
    assert result.variants[VARIANT].epochs_completed == 3
    kept = run_dir / VARIANT / "checkpoint-damaged"
    assert json.loads((kept / "history.json").read_text()) == earlier


def test_a_resume_of_a_weights_file_changed_inside_is_named_not_a_traceback(
        interrupted_run, tmp_path, capsys):
    run_dir = _resumed_copy(interrupted_run, tmp_path)
    folder = run_dir / VARIANT / "checkpoint"
    for weights in folder.glob("*.weights.h5"):
        _flip_inside_a_dataset(weights)
    capsys.readouterr()
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True))
    finding, = [f for f in result.report.findings if f.id == "train.damaged_checkpoint"]
    assert finding.evidence["resumed_from_epoch"] == 0
    assert "SHA-256 differs" in finding.evidence["why"]
    assert result.variants[VARIANT].epochs_completed == 3
    assert "epoch-0002.weights.h5 (its bytes are not the ones" in capsys.readouterr().err


def test_an_older_checkpoint_keras_cannot_load_is_one_line_naming_it(interrupted_run,
                                                                      tmp_path):
    # no recorded SHA-256 (written before they were), a file HDF5 reads whole but that is
    # not this model's weights: load_weights raised ValueError as a traceback
    run_dir = _resumed_copy(interrupted_run, tmp_path)
    folder = run_dir / VARIANT / "checkpoint"
    state = json.loads((folder / "checkpoint.json").read_text())
    state.pop("sha256", None)
    (folder / "checkpoint.json").write_text(json.dumps(state))
    other = tmp_path / "other"
    _, foreign = one_epoch_checkpoint(other)
    shutil.copyfile(foreign, folder / "epoch-0002.weights.h5")
    with pytest.raises(UserError) as caught:
        train_quietly(TrainConfig(resume=run_dir, quiet=True))
    message = str(caught.value)
    assert message.startswith(f"cannot resume from the epoch checkpoint "
                              f"{folder / 'epoch-0002.weights.h5'}: it does not load into the "
                              "model config.json describes (")
    assert message.endswith(f"move {folder} out of {run_dir / VARIANT} to train {VARIANT} "
                            "from its first epoch")
    assert caught.value.code == ExitCode.INPUT_ERROR
