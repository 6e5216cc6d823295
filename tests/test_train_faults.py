"""Training that survives faults: Ctrl-C/SIGTERM leave a checkpoint and a partial report,
``--resume`` finishes the run in the same folder with continuous histories, a non-finite value
stops one variant only, run folders are never reused, models load under Keras's safe mode."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from helpers import (
    SUBPROCESS_TIMEOUT,
    add_callback,
    finished_run_status,
    tiny_train_config,
    train_quietly,
)

import unetdiag.training.losses  # noqa: F401  (registers the classes model.keras holds, as the README says)
from unetdiag.cli import main
from unetdiag.config import TrainConfig
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.callbacks import LAST_FINITE_WEIGHTS
from unetdiag.training.run.checkpoint import (
    CHECKPOINT_DIRNAME,
    CHECKPOINT_STATE_FILENAME,
    load_checkpoint,
)
from unetdiag.training.run.folder import variant_finished

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

TWO_VARIANTS = ("MP_Tr_BCE", "StrConv_Ups_Dice")
SMALL = {"variants": TWO_VARIANTS}  # with helpers.tiny_train_config
#: The child run's epochs: the signal lands while the first variant waits at the end of its
#: first epoch (:data:`_CHILD`), so two epochs leave one to resume.
SUBPROCESS_EPOCHS = 2
#: Longest wait for the child to reach its first epoch's end (TensorFlow start-up included),
#: and for it to exit after a signal: guards against hangs, not timing assertions (a loaded
#: CI machine runs a TensorFlow child 8-10 times slower than an idle one).
CHECKPOINT_WAIT_SECONDS = SUBPROCESS_TIMEOUT
EXIT_WAIT_SECONDS = SUBPROCESS_TIMEOUT
POLL_SECONDS = 0.02
#: ``unetdiag`` as ``python -m unetdiag`` runs it, but the first variant's callbacks end with
#: one that, at the end of its first epoch (its checkpoint written), creates the file
#: ``argv[1]`` and sleeps until a signal arrives (at most ``argv[3]`` seconds): the signal
#: lands while that variant trains however slowly the child or the test runs, with no epochs
#: to spare.
_CHILD = """
import sys, time
from pathlib import Path
marker, variant_name, wait = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
sys.argv = ["unetdiag", *sys.argv[4:]]
from unetdiag.cli import main
import keras
from unetdiag.training import variant

class WaitForSignal(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            marker.touch()
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                time.sleep(0.05)

gather = variant.gather_callbacks

def gather_and_wait(config, variant, variant_dir, datasets, val_baselines, **options):
    callbacks = gather(config, variant, variant_dir, datasets, val_baselines, **options)
    return callbacks + [WaitForSignal()] if variant.name == variant_name else callbacks

variant.gather_callbacks = gather_and_wait
raise SystemExit(main())
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "cells"
    write_dataset(folder, SynthSpec(n_pairs=16, size=32, seed=3))
    return folder






def _history(variant_dir: Path) -> dict[str, list]:
    return json.loads((variant_dir / "history.json").read_text())


def _weights_finite(model: keras.Model) -> bool:
    return all(np.isfinite(w).all() for w in model.get_weights()
               if np.asarray(w).dtype.kind == "f")


# --- a real process, a real signal ---------------------------------------------------------


def _unetdiag_waiting_for_a_signal(marker: Path, *arguments: str) -> subprocess.Popen:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen([sys.executable, "-c", _CHILD, str(marker), TWO_VARIANTS[0],
                             str(CHECKPOINT_WAIT_SECONDS), *arguments],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment)


def _start_and_interrupt(dataset: Path, out_dir: Path, signal_number: int) -> Path:
    """Start a run, wait for the first variant's first checkpoint, send the signal; check the
    interrupted run's report and return its folder."""
    marker = out_dir.parent / "first-epoch-ended"
    child = _unetdiag_waiting_for_a_signal(
        marker, "train", "--images", str(dataset), "--img-size", "32", "--channels", "1",
        "--base-filters", "4", "--depth", "2", "--batch-size", "4",
        "--epochs", str(SUBPROCESS_EPOCHS), "--min-steps-per-epoch", "1", "--precision", "float32",
        "--variants", ",".join(TWO_VARIANTS), "--out", str(out_dir), "--run-name", "r", "--quiet")
    run_dir = out_dir / "r"
    state = run_dir / TWO_VARIANTS[0] / CHECKPOINT_DIRNAME / CHECKPOINT_STATE_FILENAME
    deadline = time.monotonic() + CHECKPOINT_WAIT_SECONDS
    while not marker.is_file() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
    assert marker.is_file() and state.is_file(), child.communicate(timeout=EXIT_WAIT_SECONDS)
    child.send_signal(signal_number)
    _out, errors = child.communicate(timeout=EXIT_WAIT_SECONDS)
    assert child.returncode == ExitCode.INTERRUPTED, errors
    assert "Traceback" not in errors

    report = json.loads((run_dir / "report.json").read_text())
    interrupted, = [f for f in report["findings"] if f["id"] == "train.interrupted"]
    variant = interrupted["evidence"]["variant"]
    completed = interrupted["evidence"]["epochs_completed"]
    assert f"--resume {run_dir}" in interrupted["fix"]
    assert (variant, completed) == (TWO_VARIANTS[0], 1)
    assert f"epoch {completed + 1} of {SUBPROCESS_EPOCHS}" in interrupted["title"]
    # the interrupted variant's checkpoint holds exactly its completed epochs
    checkpoint = load_checkpoint(run_dir / variant)
    assert checkpoint is not None and checkpoint.epochs_completed == completed
    assert len(_history(run_dir / variant)["loss"]) == completed
    assert not variant_finished(run_dir / variant)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == ExitCode.INTERRUPTED
    assert {row["variant"]: row["status"] for row in summary["variants"]}[variant] \
        == "interrupted"
    return run_dir


def _resume_and_check(run_dir: Path, capsys) -> None:
    """``unetdiag train --resume RUN`` in this process (TensorFlow is loaded already)."""
    before = {name: _history(run_dir / name) for name in TWO_VARIANTS
              if (run_dir / name / "history.json").is_file()}
    capsys.readouterr()
    exit_code = main(["train", "--resume", str(run_dir), "--quiet"])
    output, errors = capsys.readouterr()
    assert exit_code in (ExitCode.OK, ExitCode.FINDINGS_ERROR), errors
    # rich wraps (and may fold) a long path at 80 columns; pytest-xdist's folders are long
    assert f"resuming{run_dir}" in "".join(output.split())
    assert not (run_dir.parent / "r-2").exists()  # the same folder, no new one

    summary = json.loads((run_dir / "summary.json").read_text())
    assert [row["status"] for row in summary["variants"]] == ["finished", "finished"]
    assert summary["exit_code"] == exit_code
    report = json.loads((run_dir / "report.json").read_text())
    assert "train.interrupted" not in {f["id"] for f in report["findings"]}
    assert report["meta"]["resumed"].startswith(f"resuming {run_dir}")
    batch = np.random.default_rng(0).random((1, 32, 32, 1)).astype(np.float32)
    for name in TWO_VARIANTS:
        history = _history(run_dir / name)
        assert {len(values) for values in history.values()} == {SUBPROCESS_EPOCHS}
        # the epochs before the interruption are kept as they were, not trained again
        for key, values in before.get(name, {}).items():
            assert history[key][:len(values)] == values
        assert len((run_dir / name / "history.csv").read_text().splitlines()) \
            == SUBPROCESS_EPOCHS + 1
        model = keras.saving.load_model(run_dir / name / "model.keras", safe_mode=True)
        assert np.isfinite(model.predict(batch, verbose=0)).all()
        # the checkpoint stays, for --resume RUN --epochs N
        assert load_checkpoint(run_dir / name).epochs_completed == SUBPROCESS_EPOCHS


def test_sigint_then_resume_gives_the_run_an_uninterrupted_one_would(dataset, tmp_path,
                                                                    capsys):
    run_dir = _start_and_interrupt(dataset, tmp_path / "runs", signal.SIGINT)
    _resume_and_check(run_dir, capsys)


def test_sigterm_is_handled_like_ctrl_c(dataset, tmp_path):
    run_dir = _start_and_interrupt(dataset, tmp_path / "runs", signal.SIGTERM)
    assert (run_dir / "report.html").is_file() and (run_dir / "report.txt").is_file()


# --- resume in process: the optimizer state comes back ---------------------------------------


class _InterruptAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


class _RecordStart(keras.callbacks.Callback):
    """Records Adam's step count as the variant ``name`` starts training, in ``starts``."""

    def __init__(self, starts: dict[str, list[int]], name: str):
        super().__init__()
        self.starts, self.name = starts, name

    def on_train_begin(self, logs=None):
        self.starts.setdefault(self.name, []).append(
            int(self.model.optimizer.iterations.numpy()))


#: A run that ends with one variant of each status a resume meets: finished, interrupted
#: after its first epoch, not run.
THREE_VARIANTS = (*TWO_VARIANTS, "MP_Tr_Dice")


@pytest.fixture(scope="module")
def resumed_run(dataset, tmp_path_factory):
    """THREE_VARIANTS, 2 epochs, Ctrl-C at the end of the second variant's first epoch, then
    ``--resume`` (with ``epochs=1`` in the config given, which a resume takes from the run's
    config.json instead); the tests only read it. Returns (first part, model.keras bytes of the
    finished variant before the resume, Adam's step count as each resumed variant started,
    the resume, steps an epoch)."""
    config = tiny_train_config(dataset, tmp_path_factory.mktemp("runs"),
                               variants=THREE_VARIANTS, epochs=2)
    with pytest.MonkeyPatch.context() as patch:
        add_callback(patch, THREE_VARIANTS[1], lambda: _InterruptAtEpochEnd(0))
        first = train_quietly(config)
    saved = (first.run_dir / THREE_VARIANTS[0] / "model.keras").read_bytes()
    starts: dict[str, list[int]] = {}
    with pytest.MonkeyPatch.context() as patch:
        for name in THREE_VARIANTS:
            add_callback(patch, name, lambda name=name: _RecordStart(starts, name))
        resumed = train_quietly(TrainConfig(resume=first.run_dir, epochs=1, quiet=True))
    steps_per_epoch = -(-first.report.meta["train_pairs"] // config.batch_size)
    return first, saved, starts, resumed, steps_per_epoch


def test_resume_restores_the_optimizer_state_and_epoch(resumed_run):
    first, _saved, starts, resumed, steps_per_epoch = resumed_run
    assert first.exit_code == ExitCode.INTERRUPTED
    assert [v.status for v in first.variants.values()] == ["finished", "interrupted", "not run"]
    assert resumed.exit_code == finished_run_status(resumed.report)
    assert resumed.run_dir == first.run_dir
    # Adam's step count went on from the checkpointed epoch, not from zero; the variant that
    # had not run started at zero; the finished one was not trained again
    assert starts == {THREE_VARIANTS[1]: [steps_per_epoch], THREE_VARIANTS[2]: [0]}
    # the resume took the run's 2 epochs, not the config's 1
    assert [v.epochs_completed for v in resumed.variants.values()] == [2, 2, 2]


def test_resume_skips_finished_variants_and_keeps_their_findings(resumed_run):
    first, saved, _starts, resumed, _steps = resumed_run
    finished = THREE_VARIANTS[0]
    assert first.variants[finished].status == "finished"
    assert resumed.exit_code == finished_run_status(resumed.report)
    # not trained or written again
    assert (first.run_dir / finished / "model.keras").read_bytes() == saved
    assert resumed.variants[finished].history == first.variants[finished].history
    assert resumed.variants[finished].best_val_dice is not None
    earlier = {(f.id, f.source) for f in first.report.findings
               if f.source == f"train:{finished}"}
    assert earlier <= {(f.id, f.source) for f in resumed.report.findings}


# --- a non-finite value mid-run ------------------------------------------------------------


class _PoisonWeight(keras.callbacks.Callback):
    """Sets one kernel value to NaN before a chosen batch, as a bad update would."""

    def __init__(self, epoch: int, batch: int):
        super().__init__()
        self.at, self._epoch = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self._epoch, batch) == self.at:
            kernel = next(v for v in self.model.trainable_variables if "kernel" in v.path)
            values = np.array(kernel.numpy())
            values.flat[0] = np.nan
            kernel.assign(values)


def test_a_non_finite_weight_stops_one_variant_and_the_other_still_trains(
        dataset, tmp_path, monkeypatch):
    earlier_run = tmp_path / "r"
    earlier_run.mkdir()
    (earlier_run / "notes.txt").write_text("an earlier run")
    add_callback(monkeypatch, TWO_VARIANTS[0], lambda: _PoisonWeight(epoch=1, batch=1))
    # stop: the variant ends at the guard (restart: tests/test_run_semantics.py)
    result = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL, epochs=2, on_guard="stop"))

    assert result.exit_code == ExitCode.TRAINING_STOPPED
    # an existing run folder is never written into
    assert result.run_dir.name == "r-2"
    assert [p.name for p in earlier_run.iterdir()] == ["notes.txt"]
    assert (earlier_run / "notes.txt").read_text() == "an earlier run"

    stopped, other = (result.variants[name] for name in TWO_VARIANTS)
    assert stopped.status == "stopped by guard" and stopped.stop_reason == "guard.non_finite"
    assert other.status == "finished" and other.epochs_completed == 2
    by_id = {(f.id, f.source): f for f in result.report.findings}
    guard = by_id[("guard.non_finite", f"train:{TWO_VARIANTS[0]}")]
    assert (guard.evidence["epoch"], guard.evidence["batch"]) == (1, 1)
    assert ("train.stopped_early", f"train:{TWO_VARIANTS[0]}") in by_id
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["exit_code"] == ExitCode.TRAINING_STOPPED
    assert [row["status"] for row in summary["variants"]] == ["stopped by guard", "finished"]

    stopped_dir = result.run_dir / TWO_VARIANTS[0]
    model = keras.saving.load_model(stopped_dir / "model.keras", safe_mode=True)
    assert _weights_finite(model)
    with h5py.File(stopped_dir / LAST_FINITE_WEIGHTS) as handle:
        arrays = []
        handle.visititems(lambda _name, item: arrays.append(item[()])
                          if isinstance(item, h5py.Dataset) else None)
    assert arrays and all(np.isfinite(a).all() for a in arrays
                          if np.asarray(a).dtype.kind == "f")
    assert variant_finished(result.run_dir / TWO_VARIANTS[1])


# --- bad resume folders --------------------------------------------------------------------


@pytest.mark.parametrize("content", [None, "{\"not\": \"a unetdiag config\"}"])
def test_resume_of_a_folder_that_is_not_a_run_is_one_line(tmp_path, content, capsys):
    """The command line in this process (TensorFlow is loaded already)."""
    folder = tmp_path / "somewhere"
    folder.mkdir()
    if content is not None:
        (folder / "config.json").write_text(content)
    capsys.readouterr()
    assert main(["train", "--resume", str(folder)]) == ExitCode.INPUT_ERROR
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    lines = [line for line in errors.splitlines() if line.startswith("unetdiag")]
    assert len(lines) == 1 and str(folder) in lines[0]
    assert sorted(p.name for p in folder.iterdir()) == ([] if content is None
                                                         else ["config.json"])


def test_resume_of_an_unreadable_config_names_the_file(tmp_path):
    (tmp_path / "config.json").write_text("not json")
    with pytest.raises(UserError, match="config.json is not a unetdiag train config") as caught:
        train_quietly(TrainConfig(resume=tmp_path))
    assert caught.value.code == ExitCode.INPUT_ERROR


def test_an_epoch_in_which_no_step_was_applied_is_not_counted(dataset, tmp_path, monkeypatch):
    """A weight poisoned before the very first step: the guard puts that step back and stops
    in epoch 1, which Keras still closes (with a loss of 0.0). No step changed a weight, so
    the variant completed no epoch, has no best epoch and no history line."""
    add_callback(monkeypatch, TWO_VARIANTS[0], lambda: _PoisonWeight(epoch=0, batch=0))
    result = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL, epochs=2, on_guard="stop"))
    stopped = result.variants[TWO_VARIANTS[0]]
    assert stopped.status == "stopped by guard"
    assert stopped.epochs_completed == 0 and stopped.best_val_dice is None
    assert _history(result.run_dir / TWO_VARIANTS[0]).get("loss", []) == []
    guard = next(f for f in result.report.findings if f.id == "guard.non_finite")
    assert guard.evidence["applied_steps_in_epoch"] == 0
    assert f"{TWO_VARIANTS[0]}, epoch 1" not in result.report.headline
