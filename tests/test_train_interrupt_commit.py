"""An interruption between an epoch's history and its checkpoint: the run reports, and keeps
on disk, the epochs its checkpoint holds (what ``--resume`` goes on from), not one more."""

from __future__ import annotations

import json

import pytest
from helpers import tiny_train_config, train_quietly

from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode
from unetdiag.training.run import checkpoint as epoch_checkpoint
from unetdiag.training.run.checkpoint import CHECKPOINT_WEIGHTS_FORMAT, load_checkpoint

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

VARIANT = "MP_Tr_BCE"


def test_a_signal_before_the_epochs_checkpoint_reports_the_checkpointed_epochs(tmp_path,
                                                                              monkeypatch):
    dataset = tmp_path / "cells"
    write_dataset(dataset, SynthSpec(n_pairs=16, size=32, seed=3))
    save = epoch_checkpoint.atomic_save

    def interrupted_second_save(writer, path):
        # epoch 2's history is written (the history callback comes first), its checkpoint not
        if path.name == CHECKPOINT_WEIGHTS_FORMAT.format(epochs=2):
            raise KeyboardInterrupt
        return save(writer, path)

    monkeypatch.setattr(epoch_checkpoint, "atomic_save", interrupted_second_save)
    result = train_quietly(tiny_train_config(dataset, tmp_path / "runs", variants=(VARIANT,),
                                             epochs=3))
    assert result.exit_code == ExitCode.INTERRUPTED
    variant_dir = result.run_dir / VARIANT
    assert load_checkpoint(variant_dir).epochs_completed == 1
    interrupted, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert interrupted.evidence["epochs_completed"] == 1
    assert "epoch 2 of 3" in interrupted.title
    assert result.variants[VARIANT].epochs_completed == 1
    history = json.loads((variant_dir / "history.json").read_text())
    assert history and {len(values) for values in history.values()} == {1}
    assert len((variant_dir / "history.csv").read_text().splitlines()) == 2
