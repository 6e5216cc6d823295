"""``unetdiag train --strategy multiworker``: a real two-worker job on loopback.

Each worker is its own ``python -m unetdiag train`` process with its own ``TF_CONFIG`` and its
own ``--out``; only the chief (worker 0) may write a run directory and a report.
"""

from __future__ import annotations

import json
import os
import sys

import keras
import pytest
from helpers import REUSE_PORT_ENVIRONMENT, reserved_ports, run_all

import unetdiag.training.losses  # noqa: F401  (registers the classes model.keras holds, as the README says)
from unetdiag.config import TrainConfig
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.trainer import run_training

#: Seconds a worker may take before the test kills it (TF start-up alone takes ~10 s).
LOOPBACK = "127.0.0.1"
WORKERS = 2
VARIANT = "MP_Tr_BCE"
#: Tiny settings: a U-Net of a few thousand parameters on 16 pairs of 32 px.
TINY_TRAIN_ARGUMENTS = ("--img-size", "32", "--base-filters", "4", "--depth", "2",
                        "--epochs", "1", "--batch-size", "4", "--variants", VARIANT,
                        "--min-steps-per-epoch", "1", "--precision", "float32", "--quiet")
PAIRS, IMAGE_SIZE = 16, 32


def _environment(tf_config: dict) -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "",
           # one thread pool each: two TensorFlow processes share two cores
           "TF_NUM_INTEROP_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1",
           **REUSE_PORT_ENVIRONMENT}
    env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def test_two_workers_train_and_only_the_chief_writes_the_run(tmp_path):
    data = tmp_path / "data"
    write_dataset(data, SynthSpec(n_pairs=PAIRS, size=IMAGE_SIZE))
    outs = [tmp_path / f"out{index}" for index in range(WORKERS)]
    with reserved_ports(WORKERS, LOOPBACK) as ports:
        cluster = {"worker": [f"{LOOPBACK}:{port}" for port in ports]}
        commands = [([sys.executable, "-m", "unetdiag", "train", "--strategy", "multiworker",
                      "--images", str(data), "--out", str(outs[index]), *TINY_TRAIN_ARGUMENTS],
                     _environment({"cluster": cluster,
                                   "task": {"type": "worker", "index": index}}))
                    for index in range(WORKERS)]
        results = run_all(commands)
    for done in results:  # a tiny model may score one class on the probe: an error finding
        assert done.returncode in (ExitCode.OK, ExitCode.FINDINGS_ERROR), done.stderr[-3000:]
    reports = sorted(tmp_path.rglob("report.json"))
    assert len(reports) == 1 and reports[0].is_relative_to(outs[0]), reports
    assert not outs[1].exists() or not any(outs[1].rglob("*")), "a non-chief wrote files"
    run_dir = reports[0].parent
    report = json.loads(reports[0].read_text())
    assert report["meta"]["strategy"] == "multiworker"
    assert report["meta"]["workers"] == WORKERS and report["meta"]["replicas"] == WORKERS
    summary = json.loads((run_dir / "summary.json").read_text())
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert summary["exit_code"] == (ExitCode.FINDINGS_ERROR if errors else ExitCode.OK)
    assert {done.returncode for done in results} == {summary["exit_code"]}
    [row] = summary["variants"]
    assert row["status"] == "finished" and row["epochs_completed"] == 1
    history = json.loads((run_dir / VARIANT / "history.json").read_text())
    assert {"loss", "val_loss"} <= set(history) and len(history["loss"]) == 1
    model = keras.saving.load_model(run_dir / VARIANT / "model.keras", safe_mode=True)
    assert model.output_shape[1:3] == (IMAGE_SIZE, IMAGE_SIZE)
    assert (row["model_holds"], row["model_epoch"]) == ("best epoch", 1)
    assert (run_dir / VARIANT / "last.keras").is_file()


def test_resume_under_multiworker_is_refused_before_tensorflow_starts(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    saved = TrainConfig(images=tmp_path / "data", strategy="multiworker", out_dir=tmp_path)
    (run_dir / "config.json").write_text(json.dumps(saved.to_dict()))
    with pytest.raises(UserError) as caught:
        run_training(TrainConfig(resume=run_dir, quiet=True))
    assert caught.value.code == ExitCode.USAGE
    assert "multiworker" in str(caught.value) and str(run_dir) in str(caught.value)
