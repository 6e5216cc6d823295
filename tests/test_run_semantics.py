"""What a run's files and numbers mean: model.keras is the best epoch and last.keras the last,
``--resume RUN --epochs N`` extends a run and the monitors judge its whole history, epochs
count from 1, and ``--on-guard`` decides what a guard stop leads to."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import keras
import numpy as np
import pytest
from helpers import add_callback, finished_run_status, tiny_train_config, train_quietly
from PIL import Image

from unetdiag.config import RESTART_LEARNING_RATE_FACTOR, TrainConfig
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training import trainer as trainer_module
from unetdiag.training import variant as variant_module
from unetdiag.training.callbacks import DiceStabilityMonitor, SaturationMonitor

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

VARIANT = "MP_Tr_BCE"
SMALL = {"variants": (VARIANT,), "base_filters": 2}  # with helpers.tiny_train_config


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "cells"
    write_dataset(folder, SynthSpec(n_pairs=12, size=32, seed=5))
    return folder






def _weights(path: Path) -> list[np.ndarray]:
    return keras.saving.load_model(path, compile=False).get_weights()


def _capture_callbacks(monkeypatch) -> list:
    """Every callback the trainer gives its variants, in the order it builds them."""
    seen: list = []
    original = variant_module.gather_callbacks

    def gather(*args, **options):
        callbacks = original(*args, **options)
        seen.extend(callbacks)
        return callbacks

    monkeypatch.setattr(variant_module, "gather_callbacks", gather)
    return seen


class _SilenceOutputFrom(keras.callbacks.Callback):
    """From a chosen (0-based) epoch on, the last layer predicts background everywhere: the
    validation Dice of that epoch is 0, so an earlier epoch is the best one."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            kernel, bias = self.model.layers[-1].weights[:2]
            kernel.assign(np.zeros(kernel.shape, "float32"))
            bias.assign(np.full(bias.shape, -50.0, "float32"))


# --- model.keras is the best epoch, last.keras the last -------------------------------------


def test_model_keras_holds_the_best_epoch_and_last_keras_the_last(dataset, tmp_path,
                                                                  monkeypatch):
    add_callback(monkeypatch, VARIANT, lambda: _SilenceOutputFrom(epoch=2))
    result = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL))
    variant_dir = result.run_dir / VARIANT
    history = json.loads((variant_dir / "history.json").read_text())
    outcome = result.variants[VARIANT]
    best = outcome.best_val_dice_epoch
    assert history["val_dice"][2] == 0.0 and best in (1, 2)
    assert (outcome.model_holds, outcome.model_epoch) == ("best epoch", best)
    row, = json.loads((result.run_dir / "summary.json").read_text())["variants"]
    assert (row["model_holds"], row["model_epoch"], row["best_val_dice_epoch"]) == (
        "best epoch", best, best)
    assert row["last_model"] == str(variant_dir / "last.keras")
    # last.keras is the silenced last epoch; model.keras is not
    last_bias = _weights(variant_dir / "last.keras")[-1]
    assert np.all(last_bias < -40)
    assert not np.all(_weights(variant_dir / "model.keras")[-1] < -40)
    # val_scores.csv is of the saved (best) model: its mean Dice is the best epoch's val_dice
    with open(variant_dir / "val_scores.csv", newline="") as handle:
        dice = [float(r["dice"]) for r in csv.DictReader(handle) if r["dice"] not in ("", "nan")]
    assert sum(dice) / len(dice) == pytest.approx(history["val_dice"][best - 1], abs=1e-5)
    assert result.report.summary["variants"][0]["saved"] == f"best @{best}"


# --- --resume RUN --epochs N ----------------------------------------------------------------


class _InterruptAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_resume_with_epochs_extends_a_finished_run_from_its_last_epoch(dataset, tmp_path,
                                                                       monkeypatch):
    first = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL, epochs=2,
                                            metric_threshold=0.3))
    assert first.exit_code == finished_run_status(first.report)
    assert first.variants[VARIANT].epochs_completed == 2
    before = json.loads((first.run_dir / VARIANT / "history.json").read_text())
    steps_per_epoch = -(-first.report.meta["train_pairs"] // 4)

    callbacks = _capture_callbacks(monkeypatch)
    resumed = train_quietly(TrainConfig(resume=first.run_dir, quiet=True),
                            resume_changes={"epochs": 4})
    assert resumed.exit_code == finished_run_status(resumed.report)
    assert resumed.run_dir == first.run_dir
    outcome = resumed.variants[VARIANT]
    assert (outcome.status, outcome.epochs_completed) == ("finished", 4)
    history = json.loads((first.run_dir / VARIANT / "history.json").read_text())
    assert {len(values) for values in history.values()} == {4}
    assert all(history[key][:2] == values for key, values in before.items())
    # the optimizer went on from the 2 epochs before, not from zero
    model = keras.saving.load_model(first.run_dir / VARIANT / "last.keras")
    assert int(model.optimizer.iterations.numpy()) == 4 * steps_per_epoch
    # the saturation checks judged all 4 epochs, numbered from 1
    monitor = next(c for c in callbacks if isinstance(c, SaturationMonitor))
    assert monitor.history["loss"] == pytest.approx(history["loss"])
    # the Dice monitor uses the run's metric threshold
    assert next(c for c in callbacks if isinstance(c, DiceStabilityMonitor)).threshold == 0.3
    saved = TrainConfig.from_dict(json.loads((first.run_dir / "config.json").read_text()))
    assert saved.epochs == 4 and saved.resume is None
    assert "epochs 4" in resumed.report.meta["resumed"]


def test_a_resume_decodes_again_what_a_killed_part_left_in_its_cache(tmp_path, monkeypatch):
    images = tmp_path / "cells"
    write_dataset(images, SynthSpec(n_pairs=12, size=32, seed=5))
    # a hard kill leaves the decoded-tensor cache behind: the clean-up never runs
    remove = trainer_module.shutil.rmtree
    monkeypatch.setattr(trainer_module.shutil, "rmtree", lambda path, **options: None if Path(
        path).name == trainer_module.CACHE_DIRNAME else remove(path, **options))
    first = train_quietly(tiny_train_config(images, tmp_path, **SMALL, epochs=1))
    assert (first.run_dir / trainer_module.CACHE_DIRNAME).exists()
    monkeypatch.undo()
    mask = sorted(images.glob("*_mask.png"))[0]
    Image.open(mask).resize((16, 16), Image.NEAREST).save(mask)  # the file changed since
    resumed = train_quietly(TrainConfig(resume=first.run_dir, quiet=True),
                            resume_changes={"epochs": 2})
    mismatch = next(f for f in resumed.report.findings if f.id == "geometry.size_mismatch")
    assert str(mask) in mismatch.files


def test_a_run_whose_masks_all_decode_empty_writes_its_summary(tmp_path):
    # an undefined validation Dice (every mask empty) is NaN in the run's context; such a
    # run is refused unless the user opts in (tests/test_train_empty_refusal.py)
    images = tmp_path / "cells"
    write_dataset(images, SynthSpec(n_pairs=12, size=32, seed=5))
    for mask in images.glob("*_mask.png"):
        Image.new("L", (32, 32)).save(mask)
    result = train_quietly(tiny_train_config(images, tmp_path, **SMALL, epochs=1,
                                             allow_empty_masks=True))
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["meta"]["val_baselines"]["all_zeros"]["hard_dice"] == "nan"
    assert "imbalance.empty_masks" in {finding.id for finding in result.report.findings}


def test_resume_of_an_interrupted_run_judges_the_whole_history(dataset, tmp_path, monkeypatch):
    add_callback(monkeypatch, VARIANT, lambda: _InterruptAtEpochEnd(1))
    first = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL))
    assert first.exit_code == ExitCode.INTERRUPTED
    monkeypatch.undo()
    callbacks = _capture_callbacks(monkeypatch)
    resumed = train_quietly(TrainConfig(resume=first.run_dir, quiet=True))
    assert resumed.variants[VARIANT].epochs_completed == 3
    monitor = next(c for c in callbacks if isinstance(c, SaturationMonitor))
    assert len(monitor.history["loss"]) == 3 and len(monitor.history["val_dice"]) == 3
    assert all(f.evidence["first_epoch"] >= 1 for f in monitor.findings)


def test_a_resume_cannot_shorten_a_run_or_change_what_it_trains(dataset, tmp_path):
    first = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL, epochs=2))
    with pytest.raises(UserError, match="already completed 2 epochs") as shorter:
        train_quietly(TrainConfig(resume=first.run_dir), resume_changes={"epochs": 1})
    assert shorter.value.code == ExitCode.USAGE
    with pytest.raises(UserError, match="cannot change learning_rate") as other:
        train_quietly(TrainConfig(resume=first.run_dir), resume_changes={"learning_rate": 1.0})
    assert other.value.code == ExitCode.USAGE


# --- --on-guard -----------------------------------------------------------------------------


class _PoisonFirstAttempt(keras.callbacks.Callback):
    """Sets one kernel value to NaN before a chosen batch (as a bad update would), in the
    first model it is given only: a restarted variant trains through."""

    poisoned = 0

    def __init__(self, epoch: int, batch: int = 1):
        super().__init__()
        self.at, self._epoch = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if (self._epoch, batch) == self.at and _PoisonFirstAttempt.poisoned == 0:
            _PoisonFirstAttempt.poisoned += 1
            kernel = next(v for v in self.model.trainable_variables if "kernel" in v.path)
            values = np.array(kernel.numpy())
            values.flat[0] = np.nan
            kernel.assign(values)


def _poison_first_attempt(monkeypatch, epoch: int) -> None:
    _PoisonFirstAttempt.poisoned = 0
    add_callback(monkeypatch, VARIANT, lambda: _PoisonFirstAttempt(epoch))


def test_on_guard_restart_trains_again_with_half_the_learning_rate(dataset, tmp_path,
                                                                   monkeypatch):
    _poison_first_attempt(monkeypatch, epoch=1)
    config = tiny_train_config(dataset, tmp_path, **SMALL, learning_rate=2e-3)
    assert config.on_guard == "restart"  # the default
    result = train_quietly(config)
    outcome = result.variants[VARIANT]
    assert outcome.status == "finished" and outcome.epochs_completed == 3
    assert [a["learning_rate"] for a in outcome.attempts] == pytest.approx(
        [2e-3, 2e-3 * RESTART_LEARNING_RATE_FACTOR])
    assert [a["status"] for a in outcome.attempts] == ["stopped by guard", "finished"]
    model = keras.saving.load_model(result.run_dir / VARIANT / "model.keras")
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(1e-3)
    by_id = {f.id: f for f in result.report.findings if f.source == f"train:{VARIANT}"}
    restarted = by_id["train.restarted"]
    assert restarted.severity == Severity.WARNING and restarted.evidence["recovered"]
    # the first attempt's guard finding stays, marked, as a warning: the run recovered
    guard = by_id["guard.non_finite"]
    assert guard.title.startswith("Attempt 1: ") and guard.evidence["attempt"] == 1
    assert guard.severity == Severity.WARNING
    assert not [f for f in result.report.findings
                if "attempt" in f.evidence and f.severity == Severity.ERROR]
    assert result.exit_code == finished_run_status(result.report)
    # the headline speaks of the attempt that trained through, not of the first one's NaN
    assert "NaN" not in result.report.headline
    archived = result.run_dir / VARIANT / "attempt-1"
    assert len(json.loads((archived / "history.json").read_text())["loss"]) == \
        outcome.attempts[0]["epochs_completed"] >= 1
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["variants"][0]["attempts"] == 2
    assert [a["status"] for a in summary["attempts"][VARIANT]] == [
        "stopped by guard", "finished"]


@pytest.mark.parametrize("on_guard, holds", [("stop", "guard stop"),
                                             ("restore-best", "best epoch")])
def test_on_guard_stop_and_restore_best_decide_what_model_keras_holds(
        dataset, tmp_path, monkeypatch, on_guard, holds):
    _poison_first_attempt(monkeypatch, epoch=2)
    result = train_quietly(tiny_train_config(dataset, tmp_path, **SMALL, on_guard=on_guard))
    outcome = result.variants[VARIANT]
    assert outcome.status == "stopped by guard" and not outcome.attempts
    assert result.exit_code == ExitCode.TRAINING_STOPPED
    assert outcome.model_holds == holds
    # a guard stop: the epochs the history counts as completed (history_fields, the one count)
    expected_epoch = (outcome.best_val_dice_epoch if holds == "best epoch"
                      else outcome.epochs_completed)
    assert outcome.model_epoch == expected_epoch
    stopped = next(f for f in result.report.findings if f.id == "train.stopped_early")
    assert f"model.keras holds {'its best epoch' if holds == 'best epoch' else 'the weights'}" \
        in stopped.explanation


def test_a_config_recorded_before_the_minimum_steps_option_resumes_one_pass_an_epoch():
    from unetdiag.config import TrainConfig

    recorded = TrainConfig().to_dict()
    assert recorded["min_steps_per_epoch"] == 12  # today's default is written out
    del recorded["min_steps_per_epoch"]  # as config.json files of earlier versions
    assert TrainConfig.from_dict(recorded).min_steps_per_epoch == 1
