"""run_training end to end on tiny synthetic data, plus precision resolution and run folders."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf
from helpers import add_callback, run_all
from PIL import Image
from rich.console import Console

from unetdiag.config import VARIANTS, TrainConfig
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training import trainer
from unetdiag.training.losses import FocalBinaryCrossentropy, WeightedBinaryCrossentropy
from unetdiag.training.pipeline import StreamingDatasets
from unetdiag.training.precision import precision_scope, resolve_precision
from unetdiag.training.run.folder import create_run_dir, variant_finished
from unetdiag.training.trainer import run_training
from unetdiag.training.variant import make_optimizer, variant_loss

TWO_VARIANTS = ("MP_Tr_BCE", "StrConv_Ups_Dice")

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _tiny_config(images: Path, out_dir: Path, **overrides) -> TrainConfig:
    options = dict(images=images, out_dir=out_dir, variants=TWO_VARIANTS, img_size=32,
                   channels=1, base_filters=2, depth=2, batch_size=4, epochs=2,
                   min_steps_per_epoch=1, precision="float32", run_name="tiny")
    options.update(overrides)
    return TrainConfig(**options)


def _quiet_console() -> Console:
    return Console(file=io.StringIO(), width=100)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "cells"
    write_dataset(folder, SynthSpec(n_pairs=12, size=32, seed=5))
    return folder


@pytest.fixture(scope="module")
def first_run(dataset, tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("runs")
    config = _tiny_config(dataset, out_dir)
    console = _quiet_console()
    return config, run_training(config, console=console), console.file.getvalue()


# --- a complete run -------------------------------------------------------------------------


def test_each_variant_gets_its_own_model_that_reloads_and_predicts(first_run):
    config, result, _output = first_run
    # the exit status follows the report (--fail-on error): two tiny variants may well score
    # the same val_seed_dice, an error the report names
    errors = [f for f in result.report.findings if f.severity == Severity.ERROR]
    assert result.exit_code == (ExitCode.FINDINGS_ERROR if errors else ExitCode.OK)
    paths = [result.run_dir / name / "model.keras" for name in TWO_VARIANTS]
    assert all(path.is_file() for path in paths) and paths[0] != paths[1]
    batch = np.random.default_rng(0).random((2, 32, 32, 1)).astype(np.float32)
    models = [keras.saving.load_model(path) for path in paths]
    for model, name in zip(models, TWO_VARIANTS, strict=True):
        assert model.name == name
        prediction = np.asarray(model.predict(batch, verbose=0))
        assert prediction.shape == (2, 32, 32, 1)
        assert np.isfinite(prediction).all() and 0 <= prediction.min() <= prediction.max() <= 1
    # different architectures, so not one model saved twice
    assert models[0].count_params() != models[1].count_params()
    assert all(variant_finished(result.run_dir / name) for name in TWO_VARIANTS)
    assert not list(result.run_dir.rglob(".model.*"))  # no temporary left behind


def test_a_fresh_process_reloads_a_model_by_the_readme_recipe(first_run):
    """Nothing of unetdiag imported but what the README says to import."""
    _config, result, _output = first_run
    path = result.run_dir / TWO_VARIANTS[0] / "model.keras"
    script = ("import sys, numpy as np, keras\n"
              "import unetdiag.training.losses\n"
              "model = keras.saving.load_model(sys.argv[1], safe_mode=True)\n"
              "print(model.predict(np.zeros((1, 32, 32, 1), 'float32'), verbose=0).shape)\n")
    [done] = run_all([([sys.executable, "-c", script, str(path)],
                       dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))])
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "(1, 32, 32, 1)"


def test_run_directory_holds_config_data_histories_summary_and_report(first_run):
    config, result, _output = first_run
    run_dir = result.run_dir
    assert run_dir == config.out_dir / "tiny"
    assert TrainConfig.from_dict(json.loads((run_dir / "config.json").read_text())) == config
    for name in TWO_VARIANTS:
        history = json.loads((run_dir / name / "history.json").read_text())
        for key in ("loss", "accuracy", "dice", "iou", "seed_dice", "val_loss", "val_dice",
                    "val_iou", "val_accuracy", "val_seed_dice"):
            assert len(history[key]) == config.epochs, key
        csv_lines = (run_dir / name / "history.csv").read_text().splitlines()
        assert csv_lines[0].startswith("epoch,") and len(csv_lines) == config.epochs + 1
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = {row["variant"]: row for row in summary["variants"]}
    assert set(rows) == set(TWO_VARIANTS)
    for row in rows.values():
        assert row["status"] == "finished" and row["epochs_completed"] == config.epochs
        assert 0 <= row["best_val_dice"] <= 1 and 1 <= row["best_val_dice_epoch"] <= 2
        assert row["images_per_second"] > 0 and row["time_per_step_ms"] > 0
        assert row["parameters"] > 0
    assert (run_dir / "summary.csv").read_text().startswith("variant,status,")
    assert summary["meta"]["precision"] == "float32"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["command"] == "train"
    assert {"pairing.ignored_files"} <= {f["id"] for f in report["findings"]}  # README.md
    assert (run_dir / "report.html").is_file() and (run_dir / "report.txt").is_file()
    assert not (run_dir / trainer.CACHE_DIRNAME).exists()


def test_data_json_records_a_split_by_file_and_the_mask_policy(first_run, dataset):
    _config, result, _output = first_run
    data = json.loads((result.run_dir / "data.json").read_text())
    stems = {path.stem for path in dataset.glob("cells_*.png") if "_mask" not in path.name}
    assert set(data["train"]).isdisjoint(data["val"])
    assert set(data["train"]) | set(data["val"]) == stems
    assert data["val"] and data["train"]
    assert data["mask_policy"] == {"threshold": None, "polarity": "bright", "normalise": True,
                                   "foreground_values": [], "ignore_values": []}
    assert data["mask_encodings_sample"] and "stem" in data["mask_encodings_sample"][0]


def test_without_a_terminal_each_epoch_of_each_variant_is_one_plain_line(first_run):
    _config, result, output = first_run
    assert "unetdiag train" in output and "MP_Tr_BCE" in output
    lines = [line for line in output.splitlines() if line.startswith(TWO_VARIANTS)]
    assert [line.split("  ")[0] for line in lines] == [
        f"{name} epoch {epoch}/2" for name in TWO_VARIANTS for epoch in (1, 2)]
    assert all("val_dice" in line and line.endswith(" s)") for line in lines)
    assert "\x1b[" not in output  # no live bar, no cursor movement


# --- what each variant leaves besides its model -------------------------------------------------


def test_val_scores_csv_is_the_saved_models_val_dice_image_by_image(first_run):
    config, result, _output = first_run
    val_files = [f"{stem}.png" for stem in
                 json.loads((result.run_dir / "data.json").read_text())["val"]]
    for name in TWO_VARIANTS:
        with open(result.run_dir / name / "val_scores.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == ["file", "foreground_fraction", "dice", "iou",
                                 "predicted_fraction"]
        assert [row["file"] for row in rows] == val_files
        history = json.loads((result.run_dir / name / "history.json").read_text())
        saved = result.variants[name].model_epoch  # model.keras: the best val_dice epoch
        assert saved == result.variants[name].best_val_dice_epoch
        for column in ("dice", "iou"):
            defined = [float(row[column]) for row in rows if row[column] != ""]
            logged = history[f"val_{column}"][saved - 1]
            if defined:  # the metric's mean over the images that have a Dice
                assert sum(defined) / len(defined) == pytest.approx(logged, abs=1e-5)
            else:
                assert math.isnan(float(logged))
        assert all(0 <= float(row["predicted_fraction"]) <= 1 for row in rows)


def test_overlays_show_the_probe_images_and_the_worst_with_an_index(first_run):
    _config, result, _output = first_run
    val_count = result.report.meta["val_pairs"]
    for name in TWO_VARIANTS:
        folder = result.run_dir / name / "overlays"
        index = json.loads((folder / "index.json").read_text())
        kinds = [entry["kind"] for entry in index]
        assert kinds.count("probe") == min(4, val_count)
        assert 1 <= kinds.count("worst") <= min(4, val_count)
        with open(result.run_dir / name / "val_scores.csv", newline="") as handle:
            scores = {row["file"]: row["dice"] for row in csv.DictReader(handle)}
        for entry in index:
            assert set(entry) == {"file", "png", "dice", "kind"}
            assert (folder / entry["png"]).stat().st_size > 0
            assert entry["png"].startswith(entry["kind"] + "_")
            csv_dice = scores[entry["file"]]
            assert entry["dice"] is None if csv_dice in ("", "nan") else \
                entry["dice"] == pytest.approx(float(csv_dice), rel=1e-5)
        worst = [entry["dice"] for entry in index if entry["kind"] == "worst"]
        defined = sorted(float(value) for value in scores.values() if value not in ("", "nan"))
        assert worst == pytest.approx(defined[:len(worst)], rel=1e-5)


def test_tensorboard_shows_each_variant_as_a_run_with_scalars_and_images(first_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    config, result, _output = first_run
    for name in TWO_VARIANTS:
        events = EventAccumulator(str(result.run_dir / name / "tensorboard"),
                                  size_guidance={"tensors": 0})
        events.Reload()
        tags = set(events.Tags()["tensors"])
        assert {"loss/train", "loss/validation", "dice/train", "dice/validation",
                "accuracy/validation", "overlays"} <= tags
        history = json.loads((result.run_dir / name / "history.json").read_text())
        loss = events.Tensors("loss/validation")
        assert [event.step for event in loss] == [1, 2]
        assert [float(tf.make_ndarray(event.tensor_proto)) for event in loss] == \
            pytest.approx(history["val_loss"], rel=1e-6)
        assert events.SummaryMetadata("loss/train").plugin_data.plugin_name == "scalars"
        assert events.SummaryMetadata("overlays").plugin_data.plugin_name == "images"
        overlays = events.Tensors("overlays")
        assert [event.step for event in overlays] == [config.epochs]  # the last epoch
        width, height, *pngs = tf.make_ndarray(overlays[0].tensor_proto)
        assert len(pngs) == min(4, result.report.meta["val_pairs"])
        with Image.open(io.BytesIO(pngs[0])) as panel:
            assert panel.size == (int(width), int(height))


def test_a_training_set_of_too_few_batches_is_passed_over_several_times_an_epoch(dataset,
                                                                                 tmp_path):
    """The 12-pair set splits into 10 training pairs, 3 batches of 4: at least 4 steps an
    epoch takes 2 passes, and the headline and the report's meta say so."""
    config = _tiny_config(dataset, tmp_path, variants=("MP_Tr_BCE",), epochs=1,
                          min_steps_per_epoch=4)
    result = run_training(config, console=_quiet_console())
    report = json.loads((result.run_dir / "report.json").read_text())
    assert report["meta"]["train_pairs"] == 10 and report["meta"]["passes_per_epoch"] == 2
    assert "on 10 training / 2 validation pairs (2 passes over the training pairs an epoch)." \
        in result.report.headline


def test_the_reports_fixes_are_options_of_the_run(dataset, tmp_path):
    """--loss-bce weighted (automatic weight), --clipnorm, --metric-threshold and
    --empty-rule reach the saved model and the run's record."""
    config = _tiny_config(dataset, tmp_path, variants=("MP_Tr_BCE",), epochs=1,
                          bce_loss="weighted", clipnorm=0.5, metric_threshold=0.3,
                          empty_rule="one")
    result = run_training(config, console=_quiet_console())
    meta = result.report.meta
    assert meta["metric_empty_rule"] == "one" and meta["clipnorm"] == 0.5
    fraction = meta["train_foreground_fraction"]
    assert meta["foreground_weight"] == pytest.approx((1 - fraction) / fraction)
    model = keras.saving.load_model(result.run_dir / "MP_Tr_BCE" / "model.keras")
    assert isinstance(model.loss, WeightedBinaryCrossentropy)
    assert model.loss.foreground_weight == pytest.approx(meta["foreground_weight"])
    assert model.optimizer.clipnorm == 0.5
    metrics = {m["config"]["name"]: m["config"]
               for m in model.get_compile_config()["weighted_metrics"]}
    assert metrics["dice"] == {"threshold": 0.3, "empty": "one", "name": "dice"}
    with open(result.run_dir / "MP_Tr_BCE" / "val_scores.csv", newline="") as handle:
        assert all(row["dice"] != "" for row in csv.DictReader(handle))  # "one": always a Dice


def test_focal_loss_applies_to_the_bce_variants_only():
    config = TrainConfig(bce_loss="focal", focal_gamma=3.0, clipnorm=2.0)
    focal = variant_loss(VARIANTS["StrConv_Tr_BCE"], config)
    assert isinstance(focal, FocalBinaryCrossentropy) and focal.gamma == 3.0
    assert type(variant_loss(VARIANTS["MP_Tr_Dice"], config)).__name__ == "DiceLoss"
    assert make_optimizer(config).clipnorm == 2.0
    assert make_optimizer(TrainConfig()).clipnorm is None


def test_the_run_says_where_it_writes_and_which_precision_it_picked_and_why(first_run):
    _config, result, output = first_run
    first_line = " ".join(output.split("\n\n")[0].split())
    assert first_line.startswith(f"run folder {result.run_dir}:")
    assert "precision float32 (requested)" in first_line
    meta = result.report.meta
    assert f"{meta['train_pairs']} training / {meta['val_pairs']} validation pairs" in first_line


def test_a_second_run_never_touches_the_first_and_splits_the_same_way(first_run, dataset):
    config, first, _output = first_run
    model = first.run_dir / "MP_Tr_BCE" / "model.keras"
    before = model.read_bytes()
    second = run_training(_tiny_config(dataset, config.out_dir, variants=("MP_Tr_BCE",),
                                       epochs=1), console=_quiet_console())
    assert second.run_dir == config.out_dir / "tiny-2"
    assert model.read_bytes() == before
    assert "train.run_dir_renamed" in {f.id for f in second.report.findings}
    first_split = json.loads((first.run_dir / "data.json").read_text())
    second_split = json.loads((second.run_dir / "data.json").read_text())
    assert (first_split["train"], first_split["val"]) == (second_split["train"],
                                                            second_split["val"])


def test_mirrored_strategy_trains_and_saves(dataset, tmp_path):
    result = run_training(_tiny_config(dataset, tmp_path, variants=("MP_Tr_Dice",), epochs=1,
                                       strategy="mirrored"), console=_quiet_console())
    errors = [f for f in result.report.findings if f.severity == Severity.ERROR]
    assert result.exit_code == (ExitCode.FINDINGS_ERROR if errors else ExitCode.OK)
    assert variant_finished(result.run_dir / "MP_Tr_Dice")
    assert result.report.meta["strategy"] == "mirrored"


# --- interruptions and stops ------------------------------------------------------------------


class _InterruptAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt


class _GuardStopsAfterFirstEpoch(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.findings: list[Finding] = []

    def on_epoch_end(self, epoch, logs=None):
        self.findings.append(Finding(id="test.guard", severity=Severity.ERROR, title="tripped",
                                     explanation="a test guard", fix="none"))
        self.model.stop_training = True


def test_ctrl_c_keeps_finished_variants_and_exits_interrupted(dataset, tmp_path, monkeypatch):
    add_callback(monkeypatch, TWO_VARIANTS[1], _InterruptAfterFirstEpoch)
    result = run_training(_tiny_config(dataset, tmp_path, epochs=1), console=_quiet_console())
    assert result.exit_code == ExitCode.INTERRUPTED
    finished, interrupted = (result.run_dir / name for name in TWO_VARIANTS)
    assert variant_finished(finished) and not variant_finished(interrupted)
    assert len(json.loads((interrupted / "history.json").read_text())["loss"]) == 1
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert [row["status"] for row in summary["variants"]] == ["finished", "interrupted"]
    assert "train.interrupted" in {f.id for f in result.report.findings}
    assert (result.run_dir / "report.json").is_file()


def test_a_guard_stop_ends_the_run_with_its_findings(dataset, tmp_path, monkeypatch):
    add_callback(monkeypatch, TWO_VARIANTS[0], _GuardStopsAfterFirstEpoch)
    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    result = run_training(_tiny_config(dataset, tmp_path, stop_all_on_guard=True),
                          console=console)
    assert result.exit_code == ExitCode.TRAINING_STOPPED
    assert [v.status for v in result.variants.values()] == ["stopped", "not run"]
    by_id = {f.id: f for f in result.report.findings}
    assert by_id["test.guard"].source == f"train:{TWO_VARIANTS[0]}"
    assert by_id["train.stopped_early"].evidence["epochs_completed"] == 1
    assert variant_finished(result.run_dir / TWO_VARIANTS[0])
    assert not (result.run_dir / TWO_VARIANTS[1]).exists()
    assert "epoch 1/2" in console.file.getvalue()  # a terminal shows the live progress


def test_ctrl_c_while_preparing_data_trains_nothing(dataset, tmp_path, monkeypatch):
    def interrupt(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(StreamingDatasets, "preflight", interrupt)
    result = run_training(_tiny_config(dataset, tmp_path), console=_quiet_console())
    assert result.exit_code == ExitCode.INTERRUPTED
    assert [v.status for v in result.variants.values()] == ["not run", "not run"]
    finding, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert "preparing the data" in finding.title
    assert not any((result.run_dir / name).exists() for name in TWO_VARIANTS)
    assert (result.run_dir / "summary.json").is_file()


# --- bad input --------------------------------------------------------------------------------


def test_an_undecodable_file_is_named_before_any_variant_trains(tmp_path):
    folder = tmp_path / "cells"
    pairs = write_dataset(folder, SynthSpec(n_pairs=12, size=32, seed=2))
    broken_image = pairs[-1][0]
    broken_image.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    with pytest.raises(UserError) as caught:
        run_training(_tiny_config(folder, tmp_path / "runs"), console=_quiet_console())
    assert str(broken_image) in str(caught.value)
    assert caught.value.code == ExitCode.INPUT_ERROR
    run_dir = tmp_path / "runs" / "tiny"
    assert not any((run_dir / name).exists() for name in TWO_VARIANTS)
    assert not (run_dir / trainer.CACHE_DIRNAME).exists()


def test_missing_folder_unknown_variant_resume_and_same_file_masks_are_refused(dataset, tmp_path):
    with pytest.raises(UserError) as missing:
        run_training(_tiny_config(tmp_path / "nowhere", tmp_path / "runs"))
    assert missing.value.code == ExitCode.INPUT_ERROR
    with pytest.raises(UserError) as unknown:
        run_training(_tiny_config(dataset, tmp_path / "runs", variants=("MP_Tr_Focal",)))
    assert unknown.value.code == ExitCode.USAGE
    with pytest.raises(UserError, match="cannot resume") as resume:
        run_training(_tiny_config(dataset, tmp_path / "runs", resume=tmp_path / "old"))
    assert resume.value.code == ExitCode.INPUT_ERROR
    only_images = tmp_path / "only_images"
    only_images.mkdir()
    for image in sorted(dataset.glob("cells_*.png")):
        if "_mask" not in image.name:
            (only_images / image.name).write_bytes(image.read_bytes())
    with pytest.raises(UserError, match="own mask"):
        run_training(_tiny_config(only_images, tmp_path / "runs", masks=only_images))
    assert not (tmp_path / "runs").exists()  # refused before a run directory was made


# --- run directories --------------------------------------------------------------------------


def test_create_run_dir_adds_a_number_instead_of_reusing_a_folder(tmp_path):
    first = create_run_dir(tmp_path, "exp")
    (first / "keep.txt").write_text("earlier run")
    second = create_run_dir(tmp_path, "exp")
    third = create_run_dir(tmp_path, "exp")
    assert (first.name, second.name, third.name) == ("exp", "exp-2", "exp-3")
    assert (first / "keep.txt").read_text() == "earlier run"
    assert not any(second.iterdir())
    with pytest.raises(UserError) as caught:
        create_run_dir(tmp_path, "../escape")
    assert caught.value.code == ExitCode.USAGE


def test_variant_finished_needs_both_model_and_history(tmp_path):
    (tmp_path / "history.json").write_text("{}")
    assert not variant_finished(tmp_path)
    (tmp_path / "model.keras").write_bytes(b"zip")
    assert variant_finished(tmp_path)


# --- precision --------------------------------------------------------------------------------


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n\nprocessor\t: 1\n")
    return path


def test_auto_precision_follows_the_cpu_bf16_flags(tmp_path):
    with_bf16 = resolve_precision("auto", _cpuinfo(tmp_path, "avx512f avx512_bf16"))
    assert with_bf16[0] == "mixed_bfloat16" and "avx512_bf16" in with_bf16[1]
    without = resolve_precision("auto", _cpuinfo(tmp_path, "avx2 avx512f"))
    assert without[0] == "float32" and "no native bfloat16" in without[1]
    emulated = resolve_precision("mixed_bfloat16", _cpuinfo(tmp_path, "avx2"))
    assert emulated[0] == "mixed_bfloat16" and "emulated" in emulated[1]
    assert resolve_precision("float32")[0] == "float32"
    with pytest.raises(ValueError, match="unknown precision"):
        resolve_precision("float8")


def test_precision_scope_restores_the_global_policy_even_on_error():
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError), precision_scope("mixed_bfloat16"):
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        layer = keras.layers.Dense(2)
        layer.build((None, 3))
        assert layer.compute_dtype == "bfloat16" and layer.variable_dtype == "float32"
        raise RuntimeError("boom")
    assert keras.config.dtype_policy().name == before
