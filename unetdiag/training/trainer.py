"""``unetdiag train``: train the chosen U-Net variants on one shared streaming pipeline.

One run, one new directory ``config.out_dir / (config.run_name or timestamp)``::

    config.json          the TrainConfig (reloads with TrainConfig.from_dict)
    data.json            the split (stems per side), the mask policy, encodings of a sample
    VARIANT/model.keras  saved atomically when the variant ends
    VARIANT/history.json, VARIANT/history.csv   rewritten after every epoch
    VARIANT/checkpoint/  weights + optimizer state + history of the last completed epoch
                         (while the variant trains; removed once model.keras is saved)
    summary.json, summary.csv                    one row per variant
    report.json, report.html, report.txt         the Report (command "train")

Variants train one after another under the resolved precision (:mod:`.precision`), each with
its own seed-reset model, Adam optimiser and callbacks. Ctrl-C (or SIGTERM) stops the current
variant; finished variants stay on disk, the current one keeps its last epoch checkpoint
(:class:`EpochCheckpoint`), the report names where the run stopped and the exit code is
``INTERRUPTED``. A variant counts as finished when its ``model.keras`` and ``history.json``
exist (:func:`variant_finished`). ``config.resume`` (``unetdiag train --resume RUN_DIR``)
reloads ``RUN_DIR/config.json``, skips the finished variants and continues the interrupted
one from its checkpoint (weights, optimizer state, epoch count, history), in the same folder.

Diagnostic callbacks plug in at :func:`gather_callbacks`; whatever findings they expose
(``callback.findings``) are collected by :func:`collect_findings` into the report.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np
import tensorflow as tf
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from unetdiag import __version__
from unetdiag.config import VARIANTS, TrainConfig, Variant
from unetdiag.diag.checks.baselines import baseline_findings
from unetdiag.diag.checks.dice_stability import check_dice_config
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.checks.saturation import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    check_across_runs,
    check_series,
)
from unetdiag.diag.core.dice import all_ones_dice, trivial_baselines
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.data.masks import ImageReadError, decode_mask
from unetdiag.diag.data.pairing import Pair, discover_pairs, split_pairs
from unetdiag.diag.logs.explain import headline as explain_headline
from unetdiag.diag.logs.parse import RunLog
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_json, atomic_write_text
from unetdiag.report import render_report, write_report_files
from unetdiag.training.callbacks import diagnostic_callbacks
from unetdiag.training.distributed import (
    fit_with_strategy,
    global_batch_size,
    is_chief,
    local_predictions,
    make_strategy,
    worker_output_dir,
)
from unetdiag.training.losses import DEFAULT_EMPTY_RULE, build_loss, build_metrics
from unetdiag.training.model import build_variant, count_parameters
from unetdiag.training.pipeline import StreamingDatasets, build_datasets
from unetdiag.training.precision import precision_scope, resolve_precision

#: XLA compilation measured slower than plain graph mode for these models on the 2-core CPU.
JIT_COMPILE = False
#: Masks decoded up front to record their encodings in data.json (a sample, not the dataset).
ENCODING_SAMPLE_SIZE = 8
#: Epochs left out of the timing figures: the first one traces the graphs.
TIMING_WARMUP_EPOCHS = 1
#: Run directory name when config.run_name is not given.
RUN_NAME_TIME_FORMAT = "%Y%m%d-%H%M%S"
#: Numbered suffixes tried (name-2, name-3, ...) before giving up on a free run directory name.
MAX_RUN_DIR_ATTEMPTS = 100
#: Subfolder of the run directory holding the decoded-tensor cache (deleted when the run ends).
CACHE_DIRNAME = "cache"
#: The model file and history of a variant; both present means the variant finished.
MODEL_FILENAME = "model.keras"
HISTORY_FILENAME = "history.json"
HISTORY_CSV_FILENAME = "history.csv"
#: Per-variant checkpoint folder, its state file (the commit point: it names the weights file
#: of the last completed epoch) and the weights file name per epoch.
CHECKPOINT_DIRNAME = "checkpoint"
CHECKPOINT_STATE_FILENAME = "checkpoint.json"
CHECKPOINT_WEIGHTS_FORMAT = "epoch-{epochs:04d}.weights.h5"
#: Written into checkpoint.json so a resume knows the file is ours.
CHECKPOINT_FORMAT = "unetdiag-epoch-checkpoint-1"
#: Stages of a run other than a variant's training, as named in ``train.interrupted``.
PREPARING_DATA = "while preparing the data"
BETWEEN_VARIANTS = "between variants"

#: How close a metric must be to a trivial baseline, or to another variant's value, to match.
SATURATION_TOLERANCE = 1e-3
#: Validation metrics compared with the trivial predictors' scores, and the field of
#: :class:`~unetdiag.diag.core.dice.TrivialScores` under the trainer's metric conventions.
BASELINE_METRICS = {"val_accuracy": "accuracy", "val_dice": "hard_dice", "val_iou": "hard_iou"}

VariantStatus = Literal["finished", "stopped", "stopped by guard", "interrupted", "not run"]
STOPPED_STATUSES = ("stopped", "stopped by guard")


# --- results ------------------------------------------------------------------------------


@dataclass
class VariantResult:
    """How one variant's training went (one row of summary.json).

    ``status``: ``"finished"`` (all epochs), ``"stopped by guard"`` (a diagnostic callback
    stopped it: ``stop_reason`` is the id of the finding), ``"stopped"`` (another callback
    ended it early), ``"interrupted"`` (Ctrl-C during it; no model saved) or ``"not run"``.
    ``time_per_step_ms`` and ``images_per_second`` are medians over the epochs after the
    first (:class:`ThroughputMeter`); ``epoch_train_seconds`` has every epoch's training time.
    """

    name: str
    status: VariantStatus
    stop_reason: str | None = None
    epochs_completed: int = 0
    best_val_dice: float | None = None
    best_val_dice_epoch: int | None = None
    best_val_iou: float | None = None
    best_val_iou_epoch: int | None = None
    final_val_accuracy: float | None = None
    time_per_step_ms: float | None = None
    images_per_second: float | None = None
    parameters: int | None = None
    seconds: float | None = None
    epoch_train_seconds: list[float] = field(default_factory=list)
    model_path: Path | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def summary_row(self) -> dict[str, Any]:
        """The machine-readable row (summary.json / summary.csv)."""
        return {
            "variant": self.name, "status": self.status, "stop_reason": self.stop_reason,
            "epochs_completed": self.epochs_completed,
            "best_val_dice": self.best_val_dice, "best_val_dice_epoch": self.best_val_dice_epoch,
            "best_val_iou": self.best_val_iou, "best_val_iou_epoch": self.best_val_iou_epoch,
            "final_val_accuracy": self.final_val_accuracy,
            "time_per_step_ms": self.time_per_step_ms,
            "images_per_second": self.images_per_second,
            "parameters": self.parameters, "seconds": self.seconds,
            "model": str(self.model_path) if self.model_path else None,
        }

    def display_row(self) -> dict[str, Any]:
        """The row of the comparison table in the report and on the console."""
        return {
            "variant": self.name, "status": self.status,
            "best val Dice": _with_epoch(self.best_val_dice, self.best_val_dice_epoch),
            "best val IoU": _with_epoch(self.best_val_iou, self.best_val_iou_epoch),
            "val acc": _rounded(self.final_val_accuracy, 4),
            "ms/step": _rounded(self.time_per_step_ms, 1),
            "img/s": _rounded(self.images_per_second, 0),
            "params": self.parameters,
        }


@dataclass
class TrainResult:
    """What :func:`run_training` produced."""

    run_dir: Path
    exit_code: ExitCode
    report: Report
    variants: dict[str, VariantResult]


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _with_epoch(value: float | None, epoch: int | None) -> str:
    return "-" if value is None else f"{value:.4f} @{epoch}"  # @epoch: compact at 80 columns


# --- callbacks ----------------------------------------------------------------------------


class ThroughputMeter(keras.callbacks.Callback):
    """Wall time of the training phase of each epoch (first batch start to last batch end,
    input pipeline included, validation excluded).

    The figures are medians over epochs, so one epoch slowed by another process on a shared
    machine does not move them.

    Args:
        images_per_epoch: training images seen per epoch (the train split's size).
        warmup_epochs: leading epochs left out of the figures (graph tracing), unless no
            other epoch exists.
    """

    def __init__(self, images_per_epoch: int, warmup_epochs: int = TIMING_WARMUP_EPOCHS):
        super().__init__()
        self.images_per_epoch = images_per_epoch
        self.warmup_epochs = warmup_epochs
        self.epoch_seconds: list[float] = []
        self.epoch_steps: list[int] = []
        self._epoch_start = 0.0
        self._last_batch_end = 0.0
        self._steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._last_batch_end = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch_end = time.perf_counter()
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(self._last_batch_end - self._epoch_start)
        self.epoch_steps.append(self._steps)

    def _timed(self) -> list[tuple[float, int]]:
        """(seconds, steps) of the epochs that count."""
        timed = list(zip(self.epoch_seconds, self.epoch_steps, strict=True))
        return timed[self.warmup_epochs:] if len(timed) > self.warmup_epochs else timed

    @property
    def time_per_step_ms(self) -> float | None:
        per_step = [seconds / steps for seconds, steps in self._timed() if steps]
        return 1000.0 * float(np.median(per_step)) if per_step else None

    @property
    def images_per_second(self) -> float | None:
        seconds = [seconds for seconds, _steps in self._timed() if seconds > 0]
        return self.images_per_epoch / float(np.median(seconds)) if seconds else None


class HistoryWriter(keras.callbacks.Callback):
    """Keeps the epoch logs and rewrites ``history.json`` and ``history.csv`` after each epoch,
    so an interrupted variant leaves the epochs it finished. The CSV has CSVLogger's layout
    (``epoch`` then the metric names, sorted) so ``unetdiag explain-log`` reads it.

    ``history``: the epochs completed before a resume; new epochs are appended to it, so the
    files stay one continuous history."""

    def __init__(self, folder: Path, history: dict[str, list[float]] | None = None):
        super().__init__()
        self.folder = folder
        self.history: dict[str, list[float]] = {
            key: list(values) for key, values in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        write_history(self.folder, self.history)


class EpochCheckpoint(keras.callbacks.Callback):
    """After each epoch, keep what a resume needs in ``folder``: the model's weights with the
    optimizer state (``model.save_weights`` stores both) and ``checkpoint.json`` (completed
    epoch count, the weights file name, the history so far).

    Each epoch's weights go to a new file (written to a temporary name, then renamed);
    ``checkpoint.json``, written atomically after it, is the commit point, and the previous
    epoch's weights are deleted only then. An interruption at any instant leaves a consistent
    checkpoint: the new one or the previous one. :func:`load_checkpoint` reads it back.

    Args:
        folder: the checkpoint folder (created when the first epoch ends).
        history: the :class:`HistoryWriter` of the same fit; it must come earlier in the
            callback list so the epoch's logs are in it.
    """

    def __init__(self, folder: Path, history: HistoryWriter):
        super().__init__()
        self.folder = folder
        self.history = history

    def on_epoch_end(self, epoch, logs=None):
        epochs = epoch + 1
        self.folder.mkdir(parents=True, exist_ok=True)
        weights_name = CHECKPOINT_WEIGHTS_FORMAT.format(epochs=epochs)
        save_atomically(self.model.save_weights, self.folder / weights_name)
        atomic_write_json(self.folder / CHECKPOINT_STATE_FILENAME, {
            "format": CHECKPOINT_FORMAT, "epochs_completed": epochs, "weights": weights_name,
            "history": _json_safe(self.history.history)})
        for stale in self.folder.glob(CHECKPOINT_WEIGHTS_FORMAT.replace("{epochs:04d}", "*")):
            if stale.name != weights_name:
                stale.unlink(missing_ok=True)


@dataclass
class Checkpoint:
    """A variant's last completed epoch, as :class:`EpochCheckpoint` left it."""

    epochs_completed: int
    weights_path: Path
    history: dict[str, list[float]]


def load_checkpoint(variant_dir: Path) -> Checkpoint | None:
    """The variant's checkpoint, or None when it has none (or an unreadable one: the variant
    then starts again from its first epoch)."""
    folder = variant_dir / CHECKPOINT_DIRNAME
    try:
        state = json.loads((folder / CHECKPOINT_STATE_FILENAME).read_text())
        if state.get("format") != CHECKPOINT_FORMAT:
            return None
        weights_path = folder / Path(state["weights"]).name
        history = {key: [float(value) for value in values]
                   for key, values in state["history"].items()}
        epochs = int(state["epochs_completed"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not weights_path.is_file() or any(len(values) != epochs for values in history.values()):
        return None
    return Checkpoint(epochs, weights_path, history)


def write_history(folder: Path, history: dict[str, list[float]]) -> None:
    """Write ``history.json`` (Keras ``History.history`` layout) and ``history.csv``."""
    atomic_write_json(folder / HISTORY_FILENAME, _json_safe(history))
    keys = sorted(history)
    epochs = max((len(values) for values in history.values()), default=0)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for epoch in range(epochs):
        writer.writerow([epoch, *(history[key][epoch] if epoch < len(history[key]) else ""
                                  for key in keys)])
    atomic_write_text(folder / HISTORY_CSV_FILENAME, text.getvalue())


def _json_safe(history: dict[str, list[float]]) -> dict[str, list[float | str]]:
    """Non-finite values as the strings "nan"/"inf"/"-inf" (strict JSON has no NaN)."""
    return {key: [value if math.isfinite(value) else str(value) for value in values]
            for key, values in history.items()}


class ProgressCallback(keras.callbacks.Callback):
    """Advances one rich progress task per batch and shows the live metrics."""

    #: Metrics shown while a variant trains (training side live, validation after each epoch).
    SHOWN = ("loss", "dice", "iou", "val_loss", "val_dice", "val_iou")

    def __init__(self, progress: Progress, task: TaskID, epochs: int):
        super().__init__()
        self.progress, self.task, self.epochs = progress, task, epochs
        self._epoch = 0
        self._validation: dict[str, float] = {}

    def on_train_begin(self, logs=None):
        steps = self.params.get("steps")
        self.progress.update(self.task, total=steps * self.epochs if steps else None)
        self.progress.start_task(self.task)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self.progress.update(self.task, advance=1, metrics=self._describe(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self._validation = {k: v for k, v in (logs or {}).items() if k.startswith("val_")}
        self.progress.update(self.task, metrics=self._describe(logs or {}))

    def _describe(self, logs: dict[str, float]) -> str:
        values = {**logs, **self._validation}
        shown = "  ".join(f"{key} {values[key]:.4f}" for key in self.SHOWN if key in values)
        return f"epoch {self._epoch}/{self.epochs}  {shown}"


def gather_callbacks(config: TrainConfig, variant: Variant, variant_dir: Path,
                     datasets: StreamingDatasets, val_baselines: dict[str, dict[str, float]]
                     ) -> list[keras.callbacks.Callback]:
    """The callbacks one variant trains with, apart from the progress display.

    With ``config.diagnostics`` the diagnostic callbacks come first
    (:func:`~unetdiag.training.callbacks.diagnostic_callbacks`: NaN/Inf guard writing into
    ``variant_dir``, batch audit, Dice stability on the fixed probe batch ``datasets.probe``,
    saturation against :func:`metric_baselines` of ``val_baselines``, what the all-zeros and
    all-ones predictors score on the validation split:
    ``{"all_zeros": TrivialScores.to_dict(), "all_ones": ...}``). A callback may expose
    ``findings: list[Finding]``; after the variant ends (finished, stopped or interrupted)
    :func:`collect_findings` puts them in the report. A callback with a ``stop_reason`` ends
    the variant as ``"stopped by guard"``, any other that sets ``model.stop_training`` as
    ``"stopped"`` (exit code ``TRAINING_STOPPED``; with ``config.stop_all_on_guard`` no further
    variant runs).
    """
    callbacks: list[keras.callbacks.Callback] = []
    if config.diagnostics:
        probe_x, probe_y = next(datasets.probe.as_numpy_iterator())
        callbacks += diagnostic_callbacks(
            variant_dir, probe=(probe_x, probe_y), dice_config=config.dice,
            baselines=metric_baselines(val_baselines),
            stop_on_label_error=config.stop_on_label_error, source=f"train:{variant.name}")
    history = HistoryWriter(variant_dir)
    return callbacks + [history, EpochCheckpoint(variant_dir / CHECKPOINT_DIRNAME, history),
                        ThroughputMeter(datasets.train_size)]


def metric_baselines(val_baselines: dict[str, dict[str, float]]) -> dict[str, float]:
    """The best score a constant predictor gets on each validation metric of the trainer.

    ``val_baselines`` is ``{"all_zeros": scores, "all_ones": scores}`` under the trainer's
    metric conventions (hard Dice/IoU per image, empty masks excluded); an undefined score
    (NaN: e.g. the hard Dice when every mask is empty) is left out.

    >>> metric_baselines({"all_zeros": {"accuracy": 0.005, "hard_dice": 0.0, "hard_iou": 0.0},
    ...                   "all_ones": {"accuracy": 0.995, "hard_dice": 0.9975,
    ...                                "hard_iou": 0.995}})
    {'val_accuracy': 0.995, 'val_dice': 0.9975, 'val_iou': 0.995}
    """
    baselines = {}
    for metric, field_name in BASELINE_METRICS.items():
        scores = [predictor[field_name] for predictor in val_baselines.values()
                  if math.isfinite(predictor[field_name])]
        if scores:
            baselines[metric] = max(scores)
    return baselines


def stop_reasons(callbacks: Sequence[keras.callbacks.Callback]) -> list[str]:
    """The ids of the findings that made callbacks stop training (empty: none did)."""
    return [reason for callback in callbacks
            if (reason := getattr(callback, "stop_reason", None)) is not None]


def collect_findings(callbacks: Sequence[keras.callbacks.Callback], source: str
                     ) -> list[Finding]:
    """Every finding the callbacks expose, labelled with ``source`` when they have none."""
    findings = []
    for callback in callbacks:
        for finding in getattr(callback, "findings", ()):
            findings.append(finding if finding.source else finding.with_source(source))
    return findings


# --- run directory ------------------------------------------------------------------------


def create_run_dir(out_dir: Path, run_name: str | None, now: datetime | None = None) -> Path:
    """Create and return a new, empty run directory; never reuse an existing one.

    ``out_dir / run_name`` (default: a timestamp); if that exists, ``name-2``, ``name-3``...
    """
    base = run_name or (now or datetime.now()).strftime(RUN_NAME_TIME_FORMAT)
    if Path(base).name != base or base in (".", ".."):
        raise UserError(f"run name {base!r} must be a plain folder name (no path separators)",
                        ExitCode.USAGE)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, MAX_RUN_DIR_ATTEMPTS + 1):
            candidate = out_dir / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    except OSError as error:
        raise UserError(f"cannot create a run directory in {out_dir}: {error.strerror or error}",
                        ExitCode.OUTPUT_ERROR) from None
    raise UserError(f"no free run directory name {base!r} .. {base}-{MAX_RUN_DIR_ATTEMPTS} in "
                    f"{out_dir}; pass another --run-name", ExitCode.OUTPUT_ERROR)


def variant_finished(variant_dir: Path) -> bool:
    """True when the variant's model and history were both written (what a resume skips)."""
    return (variant_dir / MODEL_FILENAME).is_file() and (variant_dir / HISTORY_FILENAME).is_file()


def save_model_atomically(model: keras.Model, path: Path) -> Path:
    """Save to a temporary ``.keras`` file in the same folder, then rename over ``path``."""
    return save_atomically(model.save, path)


def save_atomically(save: Any, path: Path) -> Path:
    """Call ``save(temporary)`` for a temporary file beside ``path`` with the same suffixes
    (Keras checks them: ``.keras``, ``.weights.h5``), then rename it over ``path``."""
    suffixes = "".join(path.suffixes)
    stem = path.name[:-len(suffixes)] if suffixes else path.name
    # A fresh name Keras creates itself (so the file gets the usual permissions, not 0600).
    temporary = path.parent / f".{stem}.{os.getpid()}.{secrets.token_hex(4)}{suffixes}"
    try:
        save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


# --- resume -------------------------------------------------------------------------------


def resumed_config(run_dir: Path, quiet: bool = False) -> TrainConfig:
    """The :class:`TrainConfig` saved in ``run_dir/config.json``, set to resume ``run_dir``.

    Raises:
        UserError: (``INPUT_ERROR``) ``run_dir`` is missing or holds no config.json written by
            ``unetdiag train``.
    """
    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not run_dir.is_dir():
        raise UserError(f"cannot resume {run_dir}: no such folder")
    if not config_path.is_file():
        raise UserError(f"cannot resume {run_dir}: it has no config.json, so it is not a "
                        "unetdiag train run directory")
    try:
        config = TrainConfig.from_dict(json.loads(config_path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UserError(f"cannot resume {run_dir}: {config_path} is not a unetdiag train "
                        f"config ({type(error).__name__}: {error})") from None
    config.resume, config.quiet = run_dir, quiet
    return config


def _check_same_split(run_dir: Path, data_record: dict[str, Any]) -> None:
    """A resume must train on the split the run started with."""
    try:
        started = json.loads((run_dir / "data.json").read_text())
    except (OSError, ValueError):
        return  # nothing to compare with; the split is reproduced from the config's seed
    for side in ("train", "val"):
        if started.get(side) != data_record[side]:
            raise UserError(f"cannot resume {run_dir}: the {side} split of {data_record['images']}"
                            " differs from the one the run started with (files added, removed "
                            "or renamed); start a new run")


@dataclass
class PreviousRun:
    """What the earlier part of a resumed run left: its summary rows and report findings."""

    rows: dict[str, dict[str, Any]]
    findings: list[Finding]

    def result(self, run_dir: Path, name: str) -> VariantResult:
        """The finished variant ``name`` as the earlier part of the run recorded it."""
        row = self.rows.get(name, {})
        history = {key: [float(value) for value in values] for key, values in
                   json.loads((run_dir / name / HISTORY_FILENAME).read_text()).items()}
        status = row.get("status") if row.get("status") in ("finished", *STOPPED_STATUSES) \
            else "finished"
        result = VariantResult(
            name=name, status=status, stop_reason=row.get("stop_reason"),
            epochs_completed=len(history.get("loss", [])),
            final_val_accuracy=_finite_or_none((history.get("val_accuracy") or [None])[-1]),
            time_per_step_ms=row.get("time_per_step_ms"),
            images_per_second=row.get("images_per_second"), parameters=row.get("parameters"),
            seconds=row.get("seconds"), model_path=run_dir / name / MODEL_FILENAME,
            history=history,
            findings=[f for f in self.findings if f.source == f"train:{name}"])
        result.best_val_dice, result.best_val_dice_epoch = _best(history, "val_dice")
        result.best_val_iou, result.best_val_iou_epoch = _best(history, "val_iou")
        return result


def _previous_run(run_dir: Path) -> PreviousRun:
    rows: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        summary = json.loads((run_dir / "summary.json").read_text())
        rows = {row["variant"]: row for row in summary["variants"]}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        findings = Report.from_dict(json.loads((run_dir / "report.json").read_text())).findings
    return PreviousRun(rows, findings)


# --- data ---------------------------------------------------------------------------------


def _discover_and_split(config: TrainConfig) -> tuple[list[Finding], list[Pair], list[Pair]]:
    pairing = discover_pairs(config.images, config.masks, mask_suffixes=config.mask_suffixes,
                             allow_same_file=config.allow_same_file_masks)
    train_pairs, val_pairs = split_pairs(pairing.pairs, config.val_fraction, config.seed)
    if not train_pairs or not val_pairs:
        raise UserError(f"{len(pairing.pairs)} pair(s) give {len(train_pairs)} for training and "
                        f"{len(val_pairs)} for validation at val_fraction "
                        f"{config.val_fraction}; both sides need at least one")
    return [f if f.source else f.with_source("pairing") for f in pairing.findings], \
        list(train_pairs), list(val_pairs)


def _encoding_sample(pairs: Sequence[Pair], config: TrainConfig) -> list[dict[str, Any]]:
    """Decode the first few masks under the run's policy and record how they were stored."""
    sample = []
    for pair in pairs[:ENCODING_SAMPLE_SIZE]:
        try:
            _mask, encoding = decode_mask(pair.mask, config.mask_policy)
        except ImageReadError as error:
            raise UserError(f"cannot decode {error.path}: {error.reason}") from None
        sample.append({"stem": pair.stem, "mask": str(pair.mask), **encoding.to_dict()})
    return sample


def _data_record(config: TrainConfig, train_pairs: Sequence[Pair], val_pairs: Sequence[Pair]
                 ) -> dict[str, Any]:
    return {
        "images": str(config.images), "masks": str(config.masks) if config.masks else None,
        "val_fraction": config.val_fraction, "seed": config.seed,
        "train": [pair.stem for pair in train_pairs], "val": [pair.stem for pair in val_pairs],
        "mask_policy": config.mask_policy.to_dict(),
        "mask_encodings_sample": _encoding_sample([*train_pairs, *val_pairs], config),
    }


@dataclass
class MaskCounts:
    """Foreground and pixel counts of each mask of one split, at the training resolution."""

    foreground: list[float]
    pixels: list[float]

    @property
    def foreground_fraction(self) -> float:
        return sum(self.foreground) / sum(self.pixels)


def stream_mask_counts(dataset: tf.data.Dataset) -> MaskCounts:
    """Count each decoded mask's foreground (``> 0.5``) one element at a time (the masks are
    never all held in memory)."""
    foreground, pixels = [], []
    for _image, mask in dataset.as_numpy_iterator():
        foreground.append(float((mask > 0.5).sum()))
        pixels.append(float(mask.size))
    return MaskCounts(foreground, pixels)


def _validation_baselines(val_counts: MaskCounts) -> dict[str, Any]:
    """What all-background and all-foreground predictions score on the validation split,
    under the trainer's metric conventions (hard Dice/IoU per image, empty masks excluded)."""
    baselines = trivial_baselines(val_counts.foreground, val_counts.pixels,
                                  empty=DEFAULT_EMPTY_RULE)
    return {name: scores.to_dict() for name, scores in baselines.items()}


def data_findings(config: TrainConfig, train_counts: MaskCounts, val_counts: MaskCounts
                  ) -> list[Finding]:
    """Before training: how the decoded masks are balanced, what constant predictors score
    on the validation split, and (when a Dice variant trains) how the Dice loss's convention
    fits the training masks."""
    findings = check_imbalance(train_counts.foreground, train_counts.pixels,
                               source="data:train")
    findings += baseline_findings(val_counts.foreground, val_counts.pixels, config.dice,
                                  empty=DEFAULT_EMPTY_RULE, source="data:val")
    if any(VARIANTS[name].loss == "dice" for name in config.variants):
        findings += check_dice_config(config.dice, train_counts.foreground,
                                      train_counts.pixels, config.batch_size,
                                      source="data:train")
    return findings


# --- training -----------------------------------------------------------------------------


def compile_variant(variant: Variant, config: TrainConfig, policy_name: str) -> keras.Model:
    """Build and compile one variant under ``policy_name`` (in the current strategy scope)."""
    with precision_scope(policy_name):
        model = build_variant(variant, config.img_size, config.channels, config.base_filters,
                              config.depth)
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                      loss=build_loss(variant.loss, config.dice),
                      metrics=build_metrics(config.metric_threshold, DEFAULT_EMPTY_RULE),
                      jit_compile=JIT_COMPILE)
    return model


def _best(history: dict[str, list[float]], key: str) -> tuple[float | None, int | None]:
    values = np.asarray(history.get(key, []), dtype=np.float64)
    if not values.size or not np.isfinite(values).any():
        return None, None
    index = int(np.nanargmax(np.where(np.isfinite(values), values, np.nan)))
    return float(values[index]), index + 1


def _train_variant(variant: Variant, config: TrainConfig, datasets: StreamingDatasets,
                   val_baselines: dict[str, dict[str, float]], policy_name: str,
                   strategy: tf.distribute.Strategy, run_dir: Path, progress: Progress,
                   task: TaskID, resuming: bool = False, strategy_name: str = "default"
                   ) -> VariantResult:
    """Train and save one variant. Ctrl-C during ``fit`` ends it as ``"interrupted"`` (its
    per-epoch history and last epoch checkpoint stay, no model is saved); the caller then
    stops the run. With ``resuming`` the variant's folder may exist already: training goes on
    from its checkpoint (:func:`load_checkpoint`), if it has one."""
    variant_dir = run_dir / variant.name
    variant_dir.mkdir(exist_ok=resuming)
    checkpoint = load_checkpoint(variant_dir) if resuming else None
    keras.utils.set_random_seed(config.seed)  # every variant starts from the same seed
    built: list[keras.Model] = []  # the model, once built (the loop builds its own)
    if strategy_name != "multiworker":  # resume under multiworker is refused earlier
        with strategy.scope():
            built.append(compile_variant(variant, config, policy_name))
            if checkpoint is not None:
                # the optimizer's variables must exist before its saved state can be loaded
                built[0].optimizer.build(built[0].trainable_variables)
                built[0].load_weights(checkpoint.weights_path)
    callbacks = gather_callbacks(config, variant, variant_dir, datasets, val_baselines)
    history = next(c for c in callbacks if isinstance(c, HistoryWriter))
    meter = next(c for c in callbacks if isinstance(c, ThroughputMeter))
    fit_callbacks = [*callbacks, ProgressCallback(progress, task, config.epochs)]
    initial_epoch = 0
    if checkpoint is not None:
        initial_epoch = checkpoint.epochs_completed
        history.history = {key: list(values) for key, values in checkpoint.history.items()}
    started = time.perf_counter()
    status: VariantStatus = "finished"
    train_batches = datasets.fresh_train()  # the same batches for every variant
    try:
        if strategy_name == "multiworker":
            def build_model() -> keras.Model:
                built.append(build_variant(variant, config.img_size, config.channels,
                                           config.base_filters, config.depth))
                return built[0]

            with precision_scope(policy_name):  # the loop builds the model in its scope
                fit_with_strategy(
                    strategy, build_model, build_loss(variant.loss, config.dice),
                    lambda: build_metrics(config.metric_threshold, DEFAULT_EMPTY_RULE),
                    lambda: keras.optimizers.Adam(config.learning_rate),
                    train_batches, datasets.val, config.epochs, fit_callbacks)
        elif initial_epoch < config.epochs:
            # several replicas: Keras's predict_on_batch would repeat the probe per replica
            with (local_predictions(built[0]) if strategy_name == "mirrored"
                  else contextlib.nullcontext()):
                built[0].fit(train_batches, validation_data=datasets.val,
                             epochs=config.epochs, initial_epoch=initial_epoch, shuffle=False,
                             verbose=0,  # the pipeline shuffles
                             callbacks=fit_callbacks)
    except KeyboardInterrupt:
        status = "interrupted"
    except tf.errors.OpError as error:
        if datasets.failures:
            raise datasets.failures.as_user_error() from None
        if "KeyboardInterrupt" not in str(error):
            raise
        status = "interrupted"  # the signal arrived inside a Python op TensorFlow was running
    epochs_completed = len(history.history.get("loss", []))
    reasons = stop_reasons(callbacks)
    if status == "finished" and reasons:
        status = "stopped by guard"
    elif status == "finished" and epochs_completed < config.epochs:
        status = "stopped"
    model = built[0] if built else None
    model_path = None
    if status != "interrupted" and model is not None:
        model_path = save_model_atomically(model, variant_dir / MODEL_FILENAME)
        write_history(variant_dir, history.history)
        # finished (model.keras and history.json): the checkpoint is not needed any more
        shutil.rmtree(variant_dir / CHECKPOINT_DIRNAME, ignore_errors=True)
    result = VariantResult(
        name=variant.name, status=status, stop_reason=reasons[0] if reasons else None,
        epochs_completed=epochs_completed,
        final_val_accuracy=_finite_or_none((history.history.get("val_accuracy") or [None])[-1]),
        time_per_step_ms=meter.time_per_step_ms, images_per_second=meter.images_per_second,
        parameters=count_parameters(model) if model is not None else None,
        seconds=time.perf_counter() - started,
        epoch_train_seconds=list(meter.epoch_seconds), model_path=model_path,
        history=history.history, findings=collect_findings(callbacks, f"train:{variant.name}"))
    result.best_val_dice, result.best_val_dice_epoch = _best(history.history, "val_dice")
    result.best_val_iou, result.best_val_iou_epoch = _best(history.history, "val_iou")
    return result


@contextlib.contextmanager
def _sigterm_as_keyboard_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while training (only possible from the main thread).

    SIGINT gets the same handler too: a process started with SIGINT ignored (a background job
    of a non-interactive shell) would otherwise not stop on it. Both previous handlers are
    restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _progress(console: Console, config: TrainConfig) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(),
                    console=console, disable=config.quiet or not console.is_terminal)


# --- report -------------------------------------------------------------------------------


def _run_findings(results: dict[str, VariantResult], config: TrainConfig, run_dir: Path,
                  interrupted_during: str | None) -> list[Finding]:
    findings = []
    if interrupted_during is not None:
        finished = [r.name for r in results.values()
                    if r.status == "finished" or r.status in STOPPED_STATUSES]
        interrupted = [r.name for r in results.values() if r.status == "interrupted"]
        resume_command = f"unetdiag train --resume {run_dir}"
        evidence: dict[str, Any] = {
            "finished": finished, "interrupted": interrupted,
            "not_run": [r.name for r in results.values() if r.status == "not run"],
            "resume_command": resume_command}
        if interrupted_during in results:
            completed = results[interrupted_during].epochs_completed
            where = (f"during {interrupted_during}, epoch {completed + 1} of {config.epochs} "
                     f"({completed} completed and checkpointed)")
            evidence.update(variant=interrupted_during, epochs_completed=completed,
                            epochs_requested=config.epochs)
        else:
            where = interrupted_during
        findings.append(Finding(
            id="train.interrupted", severity=Severity.WARNING,
            title=f"Training was interrupted {where}",
            explanation="The run was stopped by Ctrl-C or SIGTERM. Variants that ended before "
                        "it are saved; the interrupted one kept its per-epoch history and a "
                        "checkpoint of its last completed epoch (weights, optimizer state) but "
                        "no model; later variants did not run.",
            fix=f"Continue where it stopped: {resume_command} (finished variants are skipped, "
                "the interrupted one goes on from its checkpoint).",
            evidence=evidence, source="train"))
    for result in results.values():
        if result.status in STOPPED_STATUSES:
            by = (f"The diagnostic guard ({result.stop_reason}) ended this variant"
                  if result.stop_reason else "A callback ended this variant")
            findings.append(Finding(
                id="train.stopped_early", severity=Severity.WARNING,
                title=f"{result.name} stopped after {result.epochs_completed} of "
                      f"{config.epochs} epochs"
                      + (f" by {result.stop_reason}" if result.stop_reason else ""),
                explanation=f"{by} before its last epoch; the findings from the same source "
                            "say why. Its model was saved with the last finite weights.",
                fix="Read the variant's other findings and fix their cause before retraining.",
                evidence={"epochs_completed": result.epochs_completed,
                          "epochs_requested": config.epochs, "stop_reason": result.stop_reason},
                source=f"train:{result.name}"))
    requested_name = config.run_name
    if requested_name and run_dir.name != requested_name:
        findings.append(Finding(
            id="train.run_dir_renamed", severity=Severity.INFO,
            title=f"Run directory {requested_name!r} existed; wrote to {run_dir.name!r}",
            explanation="unetdiag never overwrites an earlier run, so it added a number.",
            fix="Pass a new --run-name to choose the name yourself.",
            evidence={"requested": requested_name, "used": run_dir.name}, source="train"))
    return findings


def history_findings(results: dict[str, VariantResult], baselines: dict[str, float] | None,
                     monitored: bool) -> list[Finding]:
    """The metric-series checks over the finished histories: each variant against the
    validation baselines (unless ``monitored``: the diagnostic callbacks'
    :class:`~unetdiag.training.callbacks.SaturationMonitor` already judged it, epoch by epoch)
    and the variants against each other."""
    # runs are named by their source, as the SaturationMonitor names them
    histories = {f"train:{name}": r.history for name, r in results.items() if r.history}
    findings = []
    for run, history in histories.items():
        if not monitored:
            findings += [f.with_source(run) for f in
                         check_series(run, history, baselines, SATURATION_TOLERANCE)]
    if len(histories) > 1:
        findings += [f.with_source("train") for f in
                     check_across_runs(histories, SATURATION_TOLERANCE)]
    return findings


def reconcile_fingerprints(findings: Sequence[Finding], val_foreground_fraction: float | None
                           ) -> list[Finding]:
    """A constant-predictor fingerprint infers the validation foreground fraction from the
    metrics alone; on masks this one-sided a model that only misses foreground fits the same
    formulas. The trainer measured the fraction: a fingerprint whose fraction disagrees with it
    is kept as a warning saying so, never as an error."""
    if val_foreground_fraction is None:
        return list(findings)
    reconciled = []
    for finding in findings:
        phase = finding.evidence.get("phases", {}).get("validation") if finding.id in (
            ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR) else None
        inferred = phase.get("foreground_fraction") if phase else None
        if inferred is None or abs(inferred - val_foreground_fraction) <= SATURATION_TOLERANCE:
            reconciled.append(finding)
            continue
        reconciled.append(Finding(
            finding.id, Severity.WARNING,
            f"{finding.title}; but the validation masks are "
            f"{val_foreground_fraction:.2%} foreground, so it is not a constant predictor",
            finding.explanation + (
                f" The trainer measured the validation masks' foreground fraction: "
                f"{val_foreground_fraction:.4f}, not the {inferred:.4f} these metrics imply, so "
                "the model does not predict one class everywhere; it misses pixels of the "
                "majority class in a way that fits the same formulas."),
            finding.fix, {**finding.evidence,
                          "measured_val_foreground_fraction": val_foreground_fraction},
            finding.files, finding.source))
    return reconciled


def _baseline_sentence(results: dict[str, VariantResult], baselines: dict[str, float],
                       val_foreground_fraction: float | None) -> str:
    """ "MP_Tr_BCE and MP_Tr_Dice: val_accuracy 0.9950 equals the majority-class fraction of
    the validation masks, and val_dice 0.9975 equals an all-ones predictor's 2f/(1+f) for
    f = 0.995: ..." when the final validation numbers sit on the measured baselines."""
    at: dict[tuple[str, ...], list[str]] = {}
    for result in results.values():
        parts = []
        for metric in ("val_accuracy", "val_dice"):
            values = [v for v in result.history.get(metric, []) if math.isfinite(v)]
            if metric in baselines and values and abs(
                    values[-1] - baselines[metric]) <= SATURATION_TOLERANCE:
                parts.append(f"{metric} {values[-1]:.4f}")
        if parts:
            at.setdefault(tuple(parts), []).append(result.name)
    sentences = []
    for parts, names in at.items():
        fraction = val_foreground_fraction
        said = []
        for part in parts:
            metric = part.split()[0]
            if metric == "val_accuracy":
                said.append(f"{part} equals the majority-class fraction "
                            f"{baselines[metric]:.4f} of the validation masks")
            elif fraction is not None and abs(baselines[metric] - all_ones_dice(fraction)) \
                    <= SATURATION_TOLERANCE:
                said.append(f"{part} equals an all-ones predictor's 2f/(1+f) = "
                            f"{all_ones_dice(fraction):.4f} for f = {fraction:.4f}")
            else:
                said.append(f"{part} equals the best constant predictor's "
                            f"{baselines[metric]:.4f}")
        sentences.append(f"{' and '.join(names)}: {', and '.join(said)}: the "
                         f"{'models score' if len(names) > 1 else 'model scores'} what "
                         "predicting one class everywhere scores, so these numbers say nothing "
                         "about segmentation.")
    return " ".join(sentences)


def _stop_sentence(result: VariantResult, findings: Sequence[Finding]) -> str:
    source = f"train:{result.name}"
    cause = next((f for f in findings if f.id == result.stop_reason and f.source == source),
                 None)
    where = f"after {result.epochs_completed} of its epochs"
    if cause is not None and "batch" in cause.evidence:
        where = f"at epoch {cause.evidence.get('epoch', 0) + 1}, batch {cause.evidence['batch']}"
    because = f": {cause.title}" if cause is not None else ""
    return f"The guard stopped {result.name} {where} ({result.stop_reason}){because}."


def _headline(results: dict[str, VariantResult], findings: Sequence[Finding],
              train_size: int, val_size: int, baselines: dict[str, float] | None = None,
              val_foreground_fraction: float | None = None) -> str:
    """Why the metrics look the way they do: guard stops first, then the validation numbers
    that sit on the measured trivial baselines, then what the metric series show
    (:func:`unetdiag.diag.logs.explain.headline`), then what was trained."""
    sentences = [_stop_sentence(r, findings) for r in results.values()
                 if r.status == "stopped by guard"]
    at_baseline = _baseline_sentence(results, baselines or {}, val_foreground_fraction)
    if at_baseline:
        sentences.append(at_baseline)
    runs = [RunLog(name=f"train:{r.name}", epochs=[dict(zip(r.history, values, strict=True))
                                        for values in zip(*r.history.values(), strict=True)],
                   step_seconds=[], source=f"train:{r.name}")
            for r in results.values() if r.history]
    # fingerprints are said by the baseline sentence already, or contradicted by the masks
    series_findings = [f for f in findings if f.id.startswith("saturation.") and not (
        f.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)
        and (at_baseline or "measured_val_foreground_fraction" in f.evidence))]
    if runs and (series_findings or not sentences):
        sentences.append(explain_headline(runs, series_findings))
    ended = [r for r in results.values() if r.best_val_dice is not None]
    done = sum(r.status == "finished" or r.status in STOPPED_STATUSES
               for r in results.values())
    text = (f"Trained {done} of {len(results)} variant(s) on {train_size} training / "
            f"{val_size} validation pairs.")
    if ended:
        best = max(ended, key=lambda r: r.best_val_dice)
        text += (f" Best validation Dice {best.best_val_dice:.4f} ({best.name}, epoch "
                 f"{best.best_val_dice_epoch}).")
    return " ".join([*sentences, text])


def _exit_code(results: dict[str, VariantResult], interrupted_during: str | None) -> ExitCode:
    if interrupted_during is not None:
        return ExitCode.INTERRUPTED
    stopped = any(r.status in STOPPED_STATUSES for r in results.values())
    return ExitCode.TRAINING_STOPPED if stopped else ExitCode.OK


def _write_summary(run_dir: Path, results: dict[str, VariantResult], meta: dict[str, Any],
                   exit_code: ExitCode) -> None:
    """``summary.json`` (rows, run context, exit code) and ``summary.csv`` (the rows)."""
    rows = [result.summary_row() for result in results.values()]
    atomic_write_json(run_dir / "summary.json",
                      {"variants": rows, "meta": meta, "exit_code": int(exit_code)})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(run_dir / "summary.csv", text.getvalue())


# --- entry point --------------------------------------------------------------------------


def run_training(config: TrainConfig, console: Console | None = None) -> TrainResult:
    """Train ``config.variants`` and write a new run directory; see the module docstring.

    With ``config.resume`` the run continues in that folder under its saved ``config.json``
    (:func:`resumed_config`; of ``config`` only ``quiet`` is kept).

    ``config.strategy`` (``docs/distributed.md``): the strategy is created before any other
    TensorFlow op. Under ``"multiworker"`` (the cluster in ``TF_CONFIG``) the datasets are
    batched by the global batch size (``config.batch_size`` per worker), each variant trains
    with :func:`~unetdiag.training.distributed.fit_with_strategy`, and only the chief writes
    the run directory and the report; every other worker works in a temporary folder, removed
    at the end (its :attr:`TrainResult.run_dir` no longer exists then).

    Raises:
        UserError: bad input (missing folder, no pairs, same-file masks, an undecodable file,
            a resume folder that is not a unetdiag run or whose data changed:
            ``INPUT_ERROR``), an unusable output folder (``OUTPUT_ERROR``), an unknown
            variant, a missing or invalid ``TF_CONFIG``, or ``--resume`` under
            ``multiworker`` (``USAGE``).
    """
    console = console or Console()
    resume_note = None
    if config.resume is not None:
        config = resumed_config(config.resume, quiet=config.quiet)
        resume_note = (f"resuming {config.resume} with its config.json; training options given "
                       "on the command line (other than --quiet) are ignored")
        console.print(resume_note)
    unknown = [name for name in config.variants if name not in VARIANTS]
    if unknown or not config.variants:
        raise UserError(f"unknown variant(s) {', '.join(unknown) or '(none given)'}; choose from "
                        f"{', '.join(VARIANTS)}", ExitCode.USAGE)
    if config.resume is not None and config.strategy == "multiworker":
        raise UserError(f"cannot resume {config.resume} under --strategy multiworker: the "
                        "multi-worker training loop does not restore an epoch checkpoint; "
                        "resume it with --strategy default or mirrored, or start a new run",
                        ExitCode.USAGE)
    strategy, info = make_strategy(config.strategy)  # before any other TensorFlow op
    policy_name, precision_reason = resolve_precision(config.precision)
    pairing_findings, train_pairs, val_pairs = _discover_and_split(config)
    data_record = _data_record(config, train_pairs, val_pairs)

    previous = None
    if not is_chief(info):
        run_dir = Path(config.out_dir)  # never written: this worker gets a temporary folder
    elif config.resume is not None:
        run_dir = config.resume
        _check_same_split(run_dir, data_record)
        previous = _previous_run(run_dir)
    else:
        run_dir = create_run_dir(Path(config.out_dir), config.run_name)
    with worker_output_dir(run_dir, info) as output_dir:
        if config.resume is None:
            atomic_write_json(output_dir / "config.json", config.to_dict())
            atomic_write_json(output_dir / "data.json", data_record)
        meta: dict[str, Any] = {
            "run_dir": str(output_dir), "precision": policy_name,
            "precision_reason": precision_reason, "strategy": config.strategy,
            "workers": info["workers"], "replicas": info["replicas"],
            "train_pairs": len(train_pairs), "val_pairs": len(val_pairs),
            "dice_loss": config.dice.describe(), "metric_threshold": config.metric_threshold,
            "metric_empty_rule": DEFAULT_EMPTY_RULE, "unetdiag": __version__,
            "tensorflow": tf.__version__, "keras": keras.__version__}
        if resume_note is not None:
            meta["resumed"] = resume_note
        if is_chief(info):
            console.print(f"run folder {output_dir}: {len(train_pairs)} training / "
                          f"{len(val_pairs)} validation pairs, precision {policy_name} "
                          f"({precision_reason})", highlight=False)
        return _train_all(config, console, strategy, info, policy_name, output_dir, previous,
                          meta, pairing_findings, train_pairs, val_pairs)


def _train_all(config: TrainConfig, console: Console, strategy: tf.distribute.Strategy,
               info: dict[str, Any], policy_name: str, run_dir: Path,
               previous: PreviousRun | None, meta: dict[str, Any],
               pairing_findings: list[Finding], train_pairs: Sequence[Pair],
               val_pairs: Sequence[Pair]) -> TrainResult:
    """The body of :func:`run_training` once this worker's output folder is known: prepare
    the data, train the variants, and (on the chief) write the summary and the report."""
    cache_dir = run_dir / CACHE_DIRNAME
    results = {name: VariantResult(name=name, status="not run") for name in config.variants}
    stage = PREPARING_DATA  # where a Ctrl-C lands: this, a variant's name, or BETWEEN_VARIANTS
    pre_training: list[Finding] = []
    interrupted_during: str | None = None
    try:
        with _sigterm_as_keyboard_interrupt():
            datasets = build_datasets(
                train_pairs, val_pairs, img_size=config.img_size, channels=config.channels,
                batch_size=global_batch_size(config.batch_size, info),
                policy=config.mask_policy, augment=config.augment, seed=config.seed,
                cache_dir=cache_dir)
            datasets.preflight()  # decodes every file once, filling the cache
            val_counts = stream_mask_counts(datasets.val_decoded)
            meta["val_baselines"] = _validation_baselines(val_counts)
            meta["val_foreground_fraction"] = val_counts.foreground_fraction
            if config.diagnostics:
                train_counts = stream_mask_counts(datasets.train_decoded)
                meta["train_foreground_fraction"] = train_counts.foreground_fraction
                pre_training = data_findings(config, train_counts, val_counts)
            with _progress(console, config) as progress:
                tasks = {name: progress.add_task(name, start=False, metrics="waiting")
                         for name in config.variants}
                for name in config.variants:
                    if previous is not None and variant_finished(run_dir / name):
                        results[name] = previous.result(run_dir, name)
                        progress.update(tasks[name], metrics=f"{results[name].status} before")
                        continue
                    stage = name
                    result = _train_variant(VARIANTS[name], config, datasets,
                                            meta["val_baselines"], policy_name, strategy,
                                            run_dir, progress, tasks[name],
                                            resuming=previous is not None,
                                            strategy_name=info["strategy"])
                    results[name] = result
                    stage = BETWEEN_VARIANTS
                    if result.status == "interrupted":
                        interrupted_during = name
                        break
                    if result.status in STOPPED_STATUSES and config.stop_all_on_guard:
                        break
    except KeyboardInterrupt:  # outside model.fit: data preparation, compile, save, ...
        interrupted_during = stage
        if stage in results:
            results[stage].status = "interrupted"
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    exit_code = _exit_code(results, interrupted_during)
    findings = pairing_findings + pre_training
    findings += [f for r in results.values() for f in r.findings]
    findings += history_findings(results, metric_baselines(meta["val_baselines"])
                                 if "val_baselines" in meta else None, config.diagnostics)
    findings += _run_findings(results, config, run_dir, interrupted_during)
    findings = reconcile_fingerprints(findings, meta.get("val_foreground_fraction"))
    report = Report(
        title=f"unetdiag train {config.images}", command="train", findings=findings,
        headline=_headline(results, findings, len(train_pairs), len(val_pairs),
                           metric_baselines(meta["val_baselines"])
                           if "val_baselines" in meta else None,
                           meta.get("val_foreground_fraction")),
        summary={"variants": [r.display_row() for r in results.values()]}, meta=meta)
    if is_chief(info):
        _write_summary(run_dir, results, meta, exit_code)
        write_report_files(report, run_dir)
    render_report(report, console)
    return TrainResult(run_dir=run_dir, exit_code=exit_code, report=report, variants=results)
