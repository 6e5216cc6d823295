"""How each variant's training went (:class:`VariantResult`), how the run ended, and the
run folder's ``summary.json`` / ``summary.csv`` (one row per variant)."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from unetdiag.diag.core.findings import Finding, Outcome, Report, jsonable
from unetdiag.exitcodes import ExitCode
from unetdiag.fsutil import atomic_write_json, atomic_write_text

SUMMARY_FILENAME = "summary.json"
SUMMARY_CSV_FILENAME = "summary.csv"

VariantStatus = Literal["finished", "stopped", "stopped by guard", "interrupted", "not run"]
STOPPED_STATUSES = ("stopped", "stopped by guard")


@dataclass
class VariantResult:
    """How one variant's training went (one row of summary.json).

    ``status``: ``"finished"`` (all epochs), ``"stopped by guard"`` (a diagnostic callback
    stopped it: ``stop_reason`` is the id of the finding), ``"stopped"`` (another callback
    ended it early), ``"interrupted"`` (Ctrl-C during it; no model saved) or ``"not run"``.
    ``time_per_step_ms`` and ``images_per_second`` are medians over the epochs after the
    first (:class:`~unetdiag.training.run.throughput.ThroughputMeter`);
    ``epoch_train_seconds`` has every epoch's training time.
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
    #: what model.keras holds (run/models.py: "best epoch", "last epoch", "guard stop") and
    #: the epoch it is (for a guard stop, the epochs completed before it)
    model_holds: str | None = None
    model_epoch: int | None = None
    last_model_path: Path | None = None
    learning_rate: float | None = None
    #: the output layer's bias (a logit) the variant's model started at
    #: (:func:`~unetdiag.training.variant.prior_output_bias`: 0 for a Dice variant; a
    #: variant resumed from its checkpoint, the one its first part started at); None when
    #: not run
    initial_output_bias: float | None = None
    #: every attempt of the variant (--on-guard restart), the last one this result's
    attempts: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, list[float]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        """Trained to its end: all its epochs, or until a callback stopped it."""
        return self.status == "finished" or self.status in STOPPED_STATUSES

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
            "model_holds": self.model_holds, "model_epoch": self.model_epoch,
            "last_model": str(self.last_model_path) if self.last_model_path else None,
            "learning_rate": self.learning_rate, "attempts": len(self.attempts) or None,
            "initial_output_bias": self.initial_output_bias,
        }

    def display_row(self) -> dict[str, Any]:
        """The row of the comparison table in the report and on the console."""
        return {
            "variant": self.name, "status": self.status,
            "best val Dice": _with_epoch(self.best_val_dice, self.best_val_dice_epoch),
            "best val IoU": _with_epoch(self.best_val_iou, self.best_val_iou_epoch),
            # the last epoch's, beside the best epoch's Dice and IoU: said in the header
            "last val acc": _rounded(self.final_val_accuracy, 4),
            "ms/step": _rounded(self.time_per_step_ms, 1),
            "img/s": _rounded(self.images_per_second, 0),
            # what model.keras holds, figure-sized ("best @12"): the table fits 80 columns
            # (the parameter count is in summary.json and summary.csv)
            "saved": None if self.model_holds is None
            else f"{_HOLDS_SHORT.get(self.model_holds, self.model_holds)} @{self.model_epoch}",
        }


#: What model.keras holds (run/models.py), in a word.
_HOLDS_SHORT = {"best epoch": "best", "last epoch": "last", "guard stop": "guard"}


@dataclass
class TrainResult:
    """What :func:`~unetdiag.training.trainer.run_training` produced."""

    run_dir: Path
    exit_code: ExitCode
    report: Report
    variants: dict[str, VariantResult]


def history_fields(history: dict[str, list[float]]) -> dict[str, Any]:
    """The :class:`VariantResult` fields read off a history: the epochs completed, the best
    validation Dice and IoU with their (1-based) epochs, the final validation accuracy.

    This is the one place a variant's completed epochs are counted (the summary, the report,
    the resume and the epoch checkpoint's best epoch all read it): an epoch is one the history
    recorded.

    >>> fields = history_fields({"loss": [0.9, 0.5, 0.4], "val_dice": [0.2, float("nan"), 0.6],
    ...                          "val_accuracy": [0.8, 0.9, float("nan")]})
    >>> fields["epochs_completed"], fields["best_val_dice"], fields["best_val_dice_epoch"]
    (3, 0.6, 3)
    >>> fields["best_val_iou"], fields["final_val_accuracy"]
    (None, None)
    """
    best_dice, best_dice_epoch = _best(history, "val_dice")
    best_iou, best_iou_epoch = _best(history, "val_iou")
    final_accuracy = (history.get("val_accuracy") or [None])[-1]
    return {
        "history": history, "epochs_completed": len(history.get("loss", [])),
        "best_val_dice": best_dice, "best_val_dice_epoch": best_dice_epoch,
        "best_val_iou": best_iou, "best_val_iou_epoch": best_iou_epoch,
        "final_val_accuracy": final_accuracy if final_accuracy is not None
        and math.isfinite(final_accuracy) else None,
    }


def run_outcome(results: dict[str, VariantResult], interrupted_during: str | None) -> Outcome:
    """``"interrupted"`` (Ctrl-C or SIGTERM), ``"stopped"`` (a callback ended a variant
    early) or ``"finished"``: what :func:`~unetdiag.exitcodes.exit_status` reads."""
    if interrupted_during is not None:
        return "interrupted"
    return "stopped" if any(r.status in STOPPED_STATUSES for r in results.values()) \
        else "finished"


def write_summary(run_dir: Path, results: dict[str, VariantResult], meta: dict[str, Any],
                  exit_code: ExitCode) -> None:
    """``summary.json`` (rows, each variant's attempts, run context, exit code) and
    ``summary.csv`` (the rows)."""
    rows = [result.summary_row() for result in results.values()]
    attempts = {result.name: result.attempts for result in results.values() if result.attempts}
    # (a Dice undefined on empty masks is NaN: written "nan", as findings write it)
    atomic_write_json(run_dir / SUMMARY_FILENAME,
                      jsonable({"variants": rows, "attempts": attempts, "meta": meta,
                                "exit_code": int(exit_code)}))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(run_dir / SUMMARY_CSV_FILENAME, text.getvalue())


def _best(history: dict[str, list[float]], key: str) -> tuple[float | None, int | None]:
    values = np.asarray(history.get(key, []), dtype=np.float64)
    if not values.size or not np.isfinite(values).any():
        return None, None
    index = int(np.nanargmax(np.where(np.isfinite(values), values, np.nan)))
    return float(values[index]), index + 1


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _with_epoch(value: float | None, epoch: int | None) -> str:
    return "-" if value is None else f"{value:.4f} @{epoch}"  # @epoch: compact at 80 columns
