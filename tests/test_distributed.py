"""unetdiag.training.distributed: strategies, TF_CONFIG, the custom loop, two real workers.

Strategies that need a fresh TensorFlow runtime (two logical CPUs, MultiWorkerMirroredStrategy)
run in subprocesses: this file is also their entry point (``python tests/test_distributed.py
worker|mirrored ...``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import REUSE_PORT_ENVIRONMENT, reserved_ports, run_all

#: Seconds a subprocess may take before the test kills it (TF start-up alone takes ~10 s).
#: Tiny U-Net and data, the same in every process.
IMG_SIZE, BASE_FILTERS, DEPTH, CHANNELS = 32, 4, 2, 1
IMAGES, PER_WORKER_BATCH = 16, 4
WEIGHTS_TOLERANCE = 1e-6
LOOPBACK = "127.0.0.1"
#: Two workers vs one process on the same global batch: float32 sums in another order.
REFERENCE_TOLERANCE = 1e-4


def _synthetic_arrays(seed: int = 0, nan_image: int | None = None):
    """Bright discs (foreground) on a dark noisy background; one image with a NaN if asked."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:IMG_SIZE, :IMG_SIZE]
    x = rng.random((IMAGES, IMG_SIZE, IMG_SIZE, CHANNELS), dtype=np.float32) * 0.2
    y = np.zeros((IMAGES, IMG_SIZE, IMG_SIZE, 1), np.float32)
    for index in range(IMAGES):
        centre = rng.integers(8, IMG_SIZE - 8, size=2)
        disc = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2 <= rng.integers(9, 36)
        y[index, disc, 0] = 1.0
        x[index, disc, :] += 0.7
    if nan_image is not None:
        x[nan_image, 3, 3, 0] = np.nan
    return x, y


def _train(strategy_name: str, out_dir: Path, per_worker_batch: int = PER_WORKER_BATCH,
           normalization: str = "batch") -> dict:
    """What each subprocess runs: the strategy first, then a tiny U-Net for one epoch."""
    from unetdiag.training.distributed import make_strategy

    strategy, info = make_strategy(strategy_name)  # before any other TF op

    import keras
    import tensorflow as tf

    from unetdiag.diag.core.dice import DEFAULT_DICE
    from unetdiag.diag.core.findings import Report
    from unetdiag.report import write_json
    from unetdiag.training.callbacks import diagnostic_callbacks
    from unetdiag.training.distributed import (
        fit_with_strategy,
        global_batch_size,
        is_chief,
        worker_output_dir,
    )
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet

    out_dir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(1)
    x, y = _synthetic_arrays()
    batch = global_batch_size(per_worker_batch, info)
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)
    val_ds = tf.data.Dataset.from_tensor_slices((x[:8], y[:8])).batch(batch)
    with worker_output_dir(out_dir / "run", info) as output_dir:
        callbacks = diagnostic_callbacks(output_dir, probe=(x[:4], y[:4]),
                                         dice_config=DEFAULT_DICE, source="tiny")
        result = fit_with_strategy(
            strategy, lambda: build_unet(img_size=IMG_SIZE, channels=CHANNELS,
                                         base_filters=BASE_FILTERS, depth=DEPTH,
                                         normalization=normalization),
            build_loss("bce"), build_metrics, lambda: keras.optimizers.Adam(1e-2),
            train_ds, val_ds, epochs=1, callbacks=callbacks)
        findings = [f for c in callbacks for f in c.findings]
        summary = {"info": info, "history": result["history"],
                   "epochs_completed": result["epochs_completed"],
                   "finding_ids": sorted(f.id for f in findings),
                   "stop_reasons": [c.stop_reason for c in callbacks if c.stop_reason],
                   "output_files": sorted(p.name for p in Path(output_dir).glob("*"))}
        name = f"{info['task_type'] or 'local'}{info['task_index']}"
        weights = result["model"].get_weights()
        np.savez(out_dir / f"weights_{name}.npz", *weights)
        (out_dir / f"summary_{name}.json").write_text(json.dumps(summary, default=str))
        if is_chief(info):
            output_dir.mkdir(parents=True, exist_ok=True)
            write_json(Report(title="two-worker test", command="train", findings=findings,
                              meta={"workers": info["workers"]}), output_dir / "report.json")
    return summary


#: The batch with the NaN image in the non-finite tests (image 5 of batches of 4).
NAN_IMAGE, NAN_BATCH = 5, 1


def _state_recorder(at_batch: int):
    """A callback that copies every weight and optimizer variable before batch ``at_batch``."""
    import keras

    class StateBeforeBatch(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if batch == at_batch:
                self.state = _model_state(self.model)

    return StateBeforeBatch()


def _model_state(model) -> dict[str, np.ndarray]:
    """Every weight (BatchNorm statistics included) and optimizer variable, by path."""
    state = {f"weight:{w.path}": np.array(w.numpy()) for w in model.weights}
    state.update({f"optimizer:{v.path}": np.array(v.numpy())
                  for v in model.optimizer.variables})
    return state


def _differences(before: dict[str, np.ndarray], after: dict[str, np.ndarray]) -> list[str]:
    """The variables whose values differ (NaN counted as different)."""
    assert before.keys() == after.keys()
    return sorted(key for key in before if not np.array_equal(before[key], after[key]))


def _nan_batch_with_strategy(strategy_name: str, out_dir: Path) -> None:
    """A NaN image in batch 1, under ``strategy_name``: the state after the failed step must
    be the state before it (``mirrored``: model.fit on two logical CPUs; ``multiworker``:
    the custom loop, one worker)."""
    import tensorflow as tf

    if strategy_name == "mirrored":
        [cpu] = tf.config.list_physical_devices("CPU")
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from unetdiag.training.distributed import make_strategy

    strategy, info = make_strategy(strategy_name)  # before any other TF op
    import keras

    from unetdiag.training.callbacks import NonFiniteGuard
    from unetdiag.training.distributed import fit_with_strategy, local_predictions
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet

    keras.utils.set_random_seed(5)
    x, y = _synthetic_arrays(nan_image=NAN_IMAGE)
    guard, recorder = NonFiniteGuard(out_dir / "guard"), _state_recorder(NAN_BATCH)

    def build_model():
        return build_unet(img_size=IMG_SIZE, channels=CHANNELS, base_filters=BASE_FILTERS,
                          depth=DEPTH)

    if strategy_name == "mirrored":
        with strategy.scope():
            model = build_model()
            model.compile(keras.optimizers.Adam(1e-3), build_loss("bce"),
                          metrics=build_metrics())
        with local_predictions(model):
            history = model.fit(x, y, batch_size=PER_WORKER_BATCH, epochs=2, verbose=0,
                                shuffle=False, callbacks=[recorder, guard]).history
    else:
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(PER_WORKER_BATCH)
        result = fit_with_strategy(
            strategy, build_model, build_loss("bce"), build_metrics,
            lambda: keras.optimizers.Adam(1e-3), dataset, None, epochs=2,
            callbacks=[recorder, guard])
        model, history = result["model"], result["history"]
    finding = next(f for f in guard.findings if f.id == "guard.non_finite")
    (out_dir / f"nan_{strategy_name}.json").write_text(json.dumps({
        "replicas": info["replicas"], "differences": _differences(recorder.state,
                                                                  _model_state(model)),
        "batch_norm_variables": sum("moving" in key for key in recorder.state),
        "batch": finding.evidence["batch"], "update_applied": finding.evidence["update_applied"],
        "epoch_steps": getattr(guard, "epoch_steps", None), "history": history},
        default=float))


def _environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
           # one thread pool each: two TensorFlow processes share two cores
           "TF_NUM_INTEROP_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
           **REUSE_PORT_ENVIRONMENT, **extra}
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _script(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


# ----------------------------------------------------------------------------- TF_CONFIG


@pytest.mark.parametrize("tf_config, says", [
    (None, "not set"),
    ("{not json", "not valid JSON"),
    ('{"cluster": {}, "task": {"type": "worker", "index": 0}}', "no \"worker\""),
    ('{"cluster": {"worker": ["127.0.0.1"]}, "task": {"type": "worker", "index": 0}}',
     "not host:port"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', "no \"task\""),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "ps", "index": 0}}',
     "task type 'ps'"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 1}}',
     "task index 1"),
])
def test_multiworker_refuses_a_bad_tf_config_in_one_line(monkeypatch, tf_config, says):
    from unetdiag.exitcodes import ExitCode, UserError
    from unetdiag.training.distributed import make_strategy

    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(UserError) as raised:
        make_strategy("multiworker")
    message = str(raised.value)
    assert says in message and "TF_CONFIG" in message and "\n" not in message
    assert raised.value.code == ExitCode.USAGE


def test_unknown_strategy_is_a_usage_error():
    from unetdiag.exitcodes import ExitCode, UserError
    from unetdiag.training.distributed import make_strategy

    with pytest.raises(UserError) as raised:
        make_strategy("parameter_server")
    assert raised.value.code == ExitCode.USAGE


def test_only_the_chief_keeps_its_output_dir(tmp_path):
    from unetdiag.training.distributed import worker_output_dir

    chief = {"is_chief": True, "task_type": "worker", "task_index": 0}
    other = {"is_chief": False, "task_type": "worker", "task_index": 1}
    with worker_output_dir(tmp_path / "run", chief) as path:
        assert path == tmp_path / "run"
    with worker_output_dir(tmp_path / "run", other) as scratch:
        assert scratch != tmp_path / "run" and scratch.is_dir()
        (scratch / "x").write_text("throwaway")
    assert not scratch.exists()


# ------------------------------------------------------------------------- the custom loop


def test_loop_skips_a_nan_batch_and_the_guard_reports_it(tmp_path):
    """Default strategy, in process: the guard gets the loop's values and names the NaN."""
    import keras
    import tensorflow as tf

    from unetdiag.training.callbacks import LAST_FINITE_WEIGHTS, NonFiniteGuard, SaturationMonitor
    from unetdiag.training.distributed import fit_with_strategy, make_strategy
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet

    strategy, _info = make_strategy("default")
    x, y = _synthetic_arrays(nan_image=5)
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(PER_WORKER_BATCH)
    guard = NonFiniteGuard(tmp_path)
    saturation = SaturationMonitor()
    keras.utils.set_random_seed(3)
    result = fit_with_strategy(
        strategy, lambda: build_unet(img_size=IMG_SIZE, channels=CHANNELS,
                                     base_filters=BASE_FILTERS, depth=DEPTH),
        build_loss("bce"), build_metrics, lambda: keras.optimizers.Adam(1e-3),
        train_ds, None, epochs=2, callbacks=[guard, saturation])
    assert guard.stop_reason == "guard.non_finite"
    finding = next(f for f in guard.findings if f.id == "guard.non_finite")
    assert finding.evidence["batch"] == 1 and finding.evidence["epoch"] == 0
    assert finding.evidence["first_nonfinite_gradient"] is not None
    assert finding.evidence["update_applied"] is False
    assert "non_finite_inputs" in finding.evidence["likely_causes"]
    assert (tmp_path / LAST_FINITE_WEIGHTS).is_file()
    assert result["epochs_completed"] == 1 and result["stopped"]
    assert all(np.isfinite(w).all() for w in result["model"].get_weights())
    assert list(saturation.history) and "loss" in saturation.history


def test_the_loop_puts_a_nan_step_back_to_the_state_before_it(tmp_path):
    """Default strategy, in process: weights, BatchNorm statistics, Adam's moments and
    iterations after the failed step are those before it; the step is not counted."""
    import keras
    import tensorflow as tf

    from unetdiag.training.callbacks import NonFiniteGuard
    from unetdiag.training.distributed import fit_with_strategy, make_strategy
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet

    strategy, _info = make_strategy("default")
    x, y = _synthetic_arrays(nan_image=NAN_IMAGE)
    y[NAN_IMAGE, 0, 0, 0] = np.nan  # the loss too, whatever the CPU does with the NaN pixel
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(PER_WORKER_BATCH)
    guard, recorder = NonFiniteGuard(tmp_path), _state_recorder(NAN_BATCH)
    batch_logs = []
    logger = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(dict(logs)))
    keras.utils.set_random_seed(3)
    result = fit_with_strategy(
        strategy, lambda: build_unet(img_size=IMG_SIZE, channels=CHANNELS,
                                     base_filters=BASE_FILTERS, depth=DEPTH),
        build_loss("bce"), build_metrics, lambda: keras.optimizers.Adam(1e-3),
        train_ds, None, epochs=2, callbacks=[recorder, guard, logger])
    assert guard.stop_reason == "guard.non_finite"
    assert any("moving_variance" in key for key in recorder.state)
    assert _differences(recorder.state, _model_state(result["model"])) == []
    assert guard.epoch_steps == [{"epoch": 0, "applied": 1, "skipped": 1}]
    assert batch_logs[1] == pytest.approx(batch_logs[0])  # loss and metrics not counted
    assert all(np.isfinite(v).all() for v in result["history"].values())


def test_mixed_float16_skips_are_recovery_not_failure(tmp_path):
    """Under mixed_float16 a NaN batch is a LossScaleOptimizer skip: counted, training goes on."""
    import keras
    import tensorflow as tf

    from unetdiag.training.callbacks import NonFiniteGuard
    from unetdiag.training.distributed import fit_with_strategy, make_strategy
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet
    from unetdiag.training.precision import precision_scope

    strategy, _info = make_strategy("default")
    x, y = _synthetic_arrays(nan_image=5)
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(PER_WORKER_BATCH)
    guard = NonFiniteGuard(tmp_path)
    keras.utils.set_random_seed(4)
    with precision_scope("mixed_float16"):
        result = fit_with_strategy(
            strategy, lambda: build_unet(img_size=IMG_SIZE, channels=CHANNELS,
                                         base_filters=BASE_FILTERS, depth=DEPTH),
            build_loss("bce"), build_metrics, lambda: keras.optimizers.Adam(1e-3),
            train_ds, None, epochs=2, callbacks=[guard])
    model = result["model"]
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert guard.stop_reason is None and result["epochs_completed"] == 2
    [skips] = [f for f in guard.findings if f.id == "guard.loss_scale_skips"]
    assert skips.severity == "info" and skips.evidence["skipped_steps"] == 2
    assert [s["batch"] for s in skips.evidence["first_skips"]] == [1, 1]
    steps = 2 * IMAGES // PER_WORKER_BATCH
    assert int(model.optimizer.iterations.numpy()) == steps - 2  # skipped steps not applied
    assert all(np.isfinite(w).all() for w in model.get_weights())


# ------------------------------------------------------------------------- subprocess jobs


def test_mirrored_two_logical_cpus_fit_with_callbacks(tmp_path):
    """model.fit under MirroredStrategy with 2 replicas runs the diagnostic callbacks."""
    [done] = run_all([(_script("mirrored", str(tmp_path)), _environment())])
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / "mirrored.json").read_text())
    assert summary["replicas"] == 2
    assert summary["batches_audited"] == IMAGES // (2 * PER_WORKER_BATCH)
    assert summary["audit_images"] == IMAGES
    assert summary["errors"] == []
    assert np.isfinite(summary["loss"])


@pytest.mark.parametrize("strategy_name", ["mirrored", "multiworker"])
def test_a_nan_batch_is_put_back_under_each_strategy(tmp_path, strategy_name):
    """MirroredStrategy (model.fit, 2 replicas) and MultiWorkerMirroredStrategy (the custom
    loop, one worker): after the NaN batch, the state is the state before it."""
    with reserved_ports(1, LOOPBACK) as [port]:
        environment = _environment()
        if strategy_name == "multiworker":
            environment = _environment(TF_CONFIG=json.dumps(
                {"cluster": {"worker": [f"{LOOPBACK}:{port}"]},
                 "task": {"type": "worker", "index": 0}}))
        [done] = run_all([(_script(f"nan-{strategy_name}", str(tmp_path)), environment)])
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((tmp_path / f"nan_{strategy_name}.json").read_text())
    assert summary["replicas"] == (2 if strategy_name == "mirrored" else 1)
    assert summary["batch_norm_variables"] > 0
    assert summary["differences"] == []
    assert summary["batch"] == NAN_BATCH and summary["update_applied"] is False
    assert summary["epoch_steps"] == [{"epoch": 0, "applied": 1, "skipped": 1}]
    assert all(np.isfinite(values).all() for values in summary["history"].values())


@pytest.mark.parametrize("normalization", ["none", "batch"])
def test_two_workers_train_the_same_weights_and_the_chief_writes_one_report(tmp_path,
                                                                            normalization):
    """Both workers end with the same weights (BatchNorm's moving statistics averaged across
    replicas); without BatchNorm, the same as one process on the global batch (with it, each
    replica normalises by its own shard's statistics, so no single process computes that)."""
    with reserved_ports(2, LOOPBACK) as ports:
        cluster = {"worker": [f"{LOOPBACK}:{port}" for port in ports]}
        commands = [(_script("worker", str(tmp_path), normalization),
                     _environment(TF_CONFIG=json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}})))
            for index in range(2)]
        results = run_all(commands)
    for done in results:
        assert done.returncode == 0, done.stderr[-3000:]
    summaries = [json.loads((tmp_path / f"summary_worker{i}.json").read_text()) for i in (0, 1)]
    assert [s["info"]["is_chief"] for s in summaries] == [True, False]
    assert all(s["info"]["replicas"] == 2 and s["info"]["workers"] == 2 for s in summaries)
    assert summaries[0]["history"] == summaries[1]["history"]  # reduced, so identical
    assert summaries[0]["epochs_completed"] == 1 and "val_loss" in summaries[0]["history"]
    assert summaries[0]["stop_reasons"] == []
    assert "imbalance.summary" in summaries[0]["finding_ids"]
    weights = [np.load(tmp_path / f"weights_worker{i}.npz") for i in (0, 1)]
    for key in weights[0].files:
        np.testing.assert_allclose(weights[0][key], weights[1][key], atol=WEIGHTS_TOLERANCE)
    reports = sorted((tmp_path / "run").rglob("report.json"))
    assert reports == [tmp_path / "run" / "report.json"]
    assert json.loads(reports[0].read_text())["meta"]["workers"] == 2
    if normalization != "none":
        return
    # One process on the same global batch: the two workers trained the global-batch mean.
    reference = _train("default", tmp_path / "reference", per_worker_batch=2 * PER_WORKER_BATCH,
                       normalization=normalization)
    np.testing.assert_allclose(summaries[0]["history"]["loss"], reference["history"]["loss"],
                               rtol=REFERENCE_TOLERANCE)
    np.testing.assert_allclose(summaries[0]["history"]["val_loss"],
                               reference["history"]["val_loss"], rtol=REFERENCE_TOLERANCE)
    reference_weights = np.load(tmp_path / "reference" / "weights_local0.npz")
    for key in weights[0].files:
        np.testing.assert_allclose(weights[0][key], reference_weights[key],
                                   atol=REFERENCE_TOLERANCE)


def test_two_workers_refuse_masks_that_all_decode_empty_as_one_process_does(tmp_path):
    """--strategy multiworker on masks that all decode empty (trimaps under the midpoint
    threshold): each worker refuses before training with status 4 and the same words as
    one process, the chief writes the one report (outcome refused), and the other worker,
    whose folder is temporary, names no report file of its own (it named one it removed)."""
    from unetdiag.diag.synth.corruptions import build_case
    from unetdiag.diag.synth.generator import SynthSpec
    from unetdiag.exitcodes import ExitCode

    layout = build_case(tmp_path / "data", SynthSpec(
        n_pairs=24, size=64, seed=5, max_objects=4, object_radius_limits=(0.1, 0.25),
        foreground_fraction_limits=(0.05, 0.35)), [{"kind": "trimap_masks"}])
    outs = [tmp_path / f"out{index}" for index in range(2)]
    with reserved_ports(2, LOOPBACK) as ports:
        cluster = {"worker": [f"{LOOPBACK}:{port}" for port in ports]}
        results = run_all([(
            [sys.executable, "-m", "unetdiag", "train", "--strategy", "multiworker",
             "--images", str(layout.images_dir), "--out", str(outs[index]), "--img-size",
             "32", "--base-filters", "4", "--depth", "2", "--epochs", "1", "--batch-size",
             "4", "--variants", "MP_Tr_BCE", "--precision", "float32", "--quiet"],
            _environment(TF_CONFIG=json.dumps(
                {"cluster": cluster, "task": {"type": "worker", "index": index}})))
            for index in range(2)])
    errors = [[line for line in done.stderr.splitlines()
               if line.startswith("unetdiag: error:")] for done in results]
    assert [done.returncode for done in results] == [ExitCode.INPUT_ERROR] * 2, (
        results[0].stderr[-3000:])
    said = [error[-1].split(" (report:")[0] for error in errors]
    assert said[0] == said[1] and "training masks decodes empty" in said[0]
    assert "--foreground-values 1 --ignore-values 3" in said[0]
    [report] = sorted(tmp_path.rglob("report.json"))
    assert report.is_relative_to(outs[0])
    assert json.loads(report.read_text())["outcome"] == "refused"
    assert f"(report: {report.parent / 'report.txt'})" in errors[0][-1]
    assert ("(report: none from worker 1, whose folder is temporary; the chief's run folder "
            "holds one when the data the chief reads is refused too)") in errors[1][-1]
    assert not outs[1].exists() or not any(outs[1].rglob("*"))


def test_a_worker_refusing_its_data_does_not_promise_the_chiefs_report(tmp_path):
    """Each worker judges the data it reads: a worker whose copy decodes empty said "report:
    in the chief's run folder", though the chief, reading another copy, may have refused
    nothing and written no such report."""
    from unetdiag.training.trainer import refusal_report_place

    worker = {"is_chief": False, "task_type": "worker", "task_index": 1}
    assert refusal_report_place(worker, tmp_path) == (
        "report: none from worker 1, whose folder is temporary; the chief's run folder holds "
        "one when the data the chief reads is refused too")
    assert refusal_report_place({"is_chief": True}, tmp_path) == (
        f"report: {tmp_path / 'report.txt'}")


def _mirrored_fit(out_dir: Path) -> None:
    """model.fit under MirroredStrategy on two logical CPUs with the diagnostic callbacks."""
    import tensorflow as tf

    [cpu] = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from unetdiag.training.distributed import make_strategy

    strategy, info = make_strategy("mirrored")
    import keras

    from unetdiag.diag.core.dice import DEFAULT_DICE
    from unetdiag.training.callbacks import BatchAudit, diagnostic_callbacks
    from unetdiag.training.distributed import local_predictions
    from unetdiag.training.losses import build_loss, build_metrics
    from unetdiag.training.model import build_unet

    keras.utils.set_random_seed(2)
    x, y = _synthetic_arrays()
    with strategy.scope():
        model = build_unet(img_size=IMG_SIZE, channels=CHANNELS, base_filters=BASE_FILTERS,
                           depth=DEPTH)
        model.compile(keras.optimizers.Adam(1e-3), build_loss("bce"), metrics=build_metrics())
    callbacks = diagnostic_callbacks(out_dir / "run", probe=(x[:4], y[:4]),
                                     dice_config=DEFAULT_DICE)
    with local_predictions(model):
        history = model.fit(x, y, batch_size=2 * PER_WORKER_BATCH, epochs=1, verbose=0,
                            callbacks=callbacks)
    audit = next(c for c in callbacks if isinstance(c, BatchAudit))
    errors = [f.id for c in callbacks for f in c.findings if f.severity == "error"]
    (out_dir / "mirrored.json").write_text(json.dumps({
        "replicas": info["replicas"], "batches_audited": audit.summary["batches"],
        "audit_images": audit.summary["images"], "errors": errors,
        "loss": history.history["loss"][-1]}))


if __name__ == "__main__":
    mode, directory = sys.argv[1], Path(sys.argv[2])
    if mode == "worker":
        _train("multiworker", directory, normalization=sys.argv[3])
    elif mode == "mirrored":
        _mirrored_fit(directory)
    elif mode.startswith("nan-"):
        _nan_batch_with_strategy(mode.removeprefix("nan-"), directory)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
