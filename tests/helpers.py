"""Helpers shared by several test files (imported as ``helpers``, like ``strategies``)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

#: Seconds a TensorFlow worker process may take before it counts as hung. A guard against hangs,
#: not a speed bar: two tiny multi-worker processes took 130-155 s at load average 5-10 on 2
#: cores and passed 240 s at load 16 (CI beside other jobs).
SUBPROCESS_TIMEOUT = 600


def run_all(commands: list[tuple[list[str], dict[str, str]]],
            timeout: float = SUBPROCESS_TIMEOUT) -> list[subprocess.CompletedProcess]:
    """Start every process, wait for all; kill every one still running on any failure."""
    processes = [subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for command, env in commands]
    results = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=timeout)
            results.append(subprocess.CompletedProcess(process.args, process.returncode,
                                                       stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


#: Lets TensorFlow's gRPC server bind a port :func:`reserved_ports` holds (TensorFlow turns
#: SO_REUSEPORT off unless told; it then fails with "Could not start gRPC server").
REUSE_PORT_ENVIRONMENT = {"TF_GRPC_REUSE_PORT": "true"}


@contextlib.contextmanager
def reserved_ports(count: int, host: str = "127.0.0.1") -> Iterator[list[int]]:
    """Free ports for TensorFlow workers, held bound (SO_REUSEPORT, never listening) until the
    block ends: a port found free and released could be taken by another process's bind or
    connection before the worker, seconds later, binds it. The workers need
    :data:`REUSE_PORT_ENVIRONMENT`."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, 0))
        yield [sock.getsockname()[1] for sock in sockets]


def add_callback(monkeypatch, variant_name: str, factory) -> None:
    """Make the trainer give ``variant_name`` one more callback, built by ``factory()``."""
    from unetdiag.training import variant

    original = variant.gather_callbacks

    def gather(config, variant, variant_dir, datasets, val_baselines, **options):
        callbacks = original(config, variant, variant_dir, datasets, val_baselines, **options)
        return callbacks + [factory()] if variant.name == variant_name else callbacks

    monkeypatch.setattr(variant, "gather_callbacks", gather)


def tiny_train_config(images, out_dir, **overrides):
    """A :class:`~unetdiag.config.TrainConfig` small enough for a test (32 px, depth 2,
    float32, batch 4, 3 epochs of one pass each, run "r", quiet); ``overrides`` replace any
    field."""
    from unetdiag.config import TrainConfig

    options = dict(images=images, out_dir=out_dir, img_size=32, channels=1, base_filters=4,
                   depth=2, batch_size=4, epochs=3, min_steps_per_epoch=1,
                   precision="float32", run_name="r", quiet=True)
    options.update(overrides)
    return TrainConfig(**options)


def train_quietly(config, **options):
    """``run_training`` with its console captured (nothing reaches the test's output)."""
    import io

    from rich.console import Console

    from unetdiag.training.trainer import run_training

    return run_training(config, console=Console(file=io.StringIO(), width=120), **options)


def finished_run_status(report):
    """The status a finished run must have under train's ``--fail-on error``, stated
    independently of :func:`unetdiag.exitcodes.exit_status`: 3 exactly when the report holds
    an error (tiny variants trained a few steps may score alike or predict one class, errors
    the report names), else 0."""
    from unetdiag.exitcodes import ExitCode

    errors = [f for f in report.findings if f.severity.value == "error"]
    return ExitCode.FINDINGS_ERROR if errors else ExitCode.OK


def touch_files(folder: Path, *names: str) -> None:
    """Empty files (pairing only lists files, so empty files are enough); names may hold
    folders (``case_1/a.png``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")


def findings_by_id(result) -> dict:
    """A pairing result's (or report's) findings by id."""
    return {finding.id: finding for finding in result.findings}


def finding(report, finding_id: str):
    """The report's first finding with this id (the test fails naming the ids there are)."""
    found = [f for f in report.findings if f.id == finding_id]
    assert found, f"{finding_id} missing; got {[f.id for f in report.findings]}"
    return found[0]


def ids(report) -> set[str]:
    """The ids of a report's findings."""
    return {f.id for f in report.findings}


def text(report) -> str:
    """A report's headline and every finding's title, explanation and fix, as one text."""
    return "\n".join([report.headline] + [f"{f.title} {f.explanation} {f.fix}"
                                          for f in report.findings])


def write_mask_pairs(root: Path, masks: list, seed: int = 0) -> tuple[Path, Path]:
    """``root/images`` (random grey) and ``root/masks`` (the arrays as PNG), paired by name."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    images, mask_dir = root / "images", root / "masks"
    images.mkdir(parents=True)
    mask_dir.mkdir()
    for number, mask in enumerate(masks):
        name = f"{number:03d}.png"
        Image.fromarray(rng.integers(0, 256, mask.shape, dtype=np.uint8)).save(images / name)
        Image.fromarray(mask).save(mask_dir / name)
    return images, mask_dir


def audit_pairs(images: Path, masks: Path, policy=None):
    """audit-data's report of ``write_mask_pairs``'s folders (one worker), under ``policy``."""
    from unetdiag.diag.audit.run import audit_dataset
    from unetdiag.diag.data.policy import DEFAULT_POLICY

    return audit_dataset(images, masks, mask_suffixes=("",), policy=policy or DEFAULT_POLICY,
                         workers=1)


def one_epoch_checkpoint(variant_dir: Path) -> tuple[Path, Path]:
    """A one-epoch checkpoint as EpochCheckpoint writes it (an HDF5 weights file and the state
    file naming it) in ``variant_dir``; returns both paths."""
    import json

    import h5py

    folder = variant_dir / "checkpoint"
    folder.mkdir(parents=True)
    weights = folder / "epoch-0001.weights.h5"
    with h5py.File(weights, "w") as file:
        file.create_dataset("kernel", data=list(range(4096)))
    state = folder / "checkpoint.json"
    state.write_text(json.dumps({
        "format": "unetdiag-epoch-checkpoint-1", "epochs_completed": 1,
        "weights": weights.name, "best_epoch": 1, "best_weights": weights.name,
        "history": {"loss": [0.5], "val_loss": [0.4]}}))
    return state, weights


def one_convolution_model(path: Path) -> Path:
    """A saved 16x16 one-channel model of one sigmoid convolution, for predict's tests."""
    import keras

    inputs = keras.Input((16, 16, 1))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(path)
    return path


def numbered_discs(numbers, radius: int = 6):
    """A 252 x 252 uint8 label map of 140 discs of ``radius`` in 21-px slots, in reading order,
    the k-th holding ``numbers[k % len(numbers)]`` (``range(1, 141)``: objects numbered 1..140)."""
    import numpy as np

    labels = np.zeros((252, 252), np.uint8)
    rows, columns = np.mgrid[0:21, 0:21]
    disc = np.hypot(rows - 10, columns - 10) <= radius
    for offset in range(140):
        row, column = divmod(offset, 12)
        labels[row * 21:(row + 1) * 21, column * 21:(column + 1) * 21][disc] = (
            numbers[offset % len(numbers)])
    return labels
