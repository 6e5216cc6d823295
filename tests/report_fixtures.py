"""A small train run directory for the HTML report's tests (imported as ``report_fixtures``).

Its report has what a real train report has: the data findings, the per-variant findings of
the diagnostic callbacks (``first_epoch`` counted from 1, ``train:<variant>`` sources), the
same batch-audit info finding for every variant, the ``variants`` summary and the validation
baselines in ``meta``. Each variant folder holds a ``history.json`` as the trainer writes it
and, unless left out, ``val_scores.csv`` and composed overlay panels.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.report import write_json

VARIANTS = ("MP_Tr_BCE", "StrConv_Ups_Dice")
EPOCHS = 4
VAL_FILES = tuple(f"images/cells_{i:03d}.png" for i in range(10))
PANEL_SIDE = 24
PROBES, WORST = 3, 2
FOREGROUND = 0.0963


def _history(offset: float) -> dict[str, list[float | str]]:
    epochs = np.arange(EPOCHS)
    curve = {
        "loss": 0.7 * np.exp(-epochs / 2) + offset, "dice": 0.2 + 0.15 * epochs,
        "accuracy": 0.85 + 0.02 * epochs, "iou": 0.1 + 0.1 * epochs,
        "seed_dice": 0.2 + 0.15 * epochs, "predicted_positive_fraction": 0.05 + 0.01 * epochs}
    history: dict[str, list[float | str]] = {}
    for name, values in curve.items():
        history[name] = [float(v) for v in values]
        history[f"val_{name}"] = [float(v) * 0.95 for v in values]
    history["val_loss"][-1] = "nan"  # as history.json stores a NaN
    return history


def _panel(seed: int) -> Image.Image:
    """image | mask | prediction | error map, side by side, as the trainer composes them."""
    generator = np.random.default_rng(seed)
    tiles = [generator.integers(0, 256, (PANEL_SIDE, PANEL_SIDE, 3), dtype=np.uint8)
             for _ in range(4)]
    return Image.fromarray(np.concatenate(tiles, axis=1), "RGB")


def _write_variant(run_dir: Path, name: str, seed: int, training_outputs: bool,
                   indexed: bool) -> None:
    folder = run_dir / name
    folder.mkdir(parents=True)
    (folder / "history.json").write_text(json.dumps(_history(0.01 * seed)))
    if not training_outputs:
        return
    dice = [0.05 * i for i in range(len(VAL_FILES))]
    dice[0] = math.nan  # an empty mask predicted empty: undefined
    with (folder / "val_scores.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "foreground_fraction", "dice", "iou", "predicted_fraction"])
        for file, score in zip(VAL_FILES, dice, strict=True):
            writer.writerow([file, 0.1, "" if math.isnan(score) else score,
                             "" if math.isnan(score) else score / (2 - score), 0.08])
    overlays = folder / "overlays"
    overlays.mkdir()
    index = []
    for kind, count in (("probe", PROBES), ("worst", WORST)):
        for number in range(count):
            png = f"{kind}_{number:02d}.png"
            _panel(seed * 100 + len(index)).save(overlays / png)
            file = VAL_FILES[len(index) + 1]
            index.append({"file": file, "png": png, "dice": dice[len(index) + 1], "kind": kind})
    if indexed:
        (overlays / "index.json").write_text(json.dumps(index))


def _report(run_dir: Path) -> Report:
    findings = [
        Finding("baseline.trivial_scores", Severity.INFO, "Constant predictors score ...",
                "What constant predictors score.", "Beat them.",
                {"foreground_fraction": FOREGROUND}, source="data:val"),
        Finding("saturation.flat_metric", Severity.WARNING,
                "train:MP_Tr_BCE: val_accuracy stopped moving at epoch 3", "Flat.", "Look.",
                {"run": "train:MP_Tr_BCE", "metrics": {"val_accuracy": {"from_epoch": 3}},
                 "first_epoch": 4, "latest_epoch": 5}, source="train:MP_Tr_BCE"),
        Finding("guard.non_finite_loss", Severity.ERROR,
                "Training stopped at epoch 3, batch 1: the loss is NaN", "NaN.", "Fix it.",
                {"epoch": 3, "batch": 1}, source="train:StrConv_Ups_Dice"),
    ]
    for name in VARIANTS:  # the batch audit sees the same batches in every variant
        findings.append(Finding("imbalance.summary", Severity.INFO,
                                "Foreground is 9.31% of all pixels over 64 masks",
                                "Foreground is rare.", "Nothing to fix.",
                                {"masks": 64, "foreground_fraction": 0.0931},
                                source=f"train:{name}"))
    return Report(
        title="unetdiag train images", command="train", findings=findings,
        headline="MP_Tr_BCE: validation accuracy stopped moving.",
        summary={"variants": [{"variant": name, "status": "finished"} for name in VARIANTS]},
        meta={"run_dir": str(run_dir),
              "val_baselines": {"all_zeros": {"accuracy": 1 - FOREGROUND, "hard_dice": 0.0,
                                              "hard_iou": 0.0},
                                "all_ones": {"accuracy": FOREGROUND, "hard_dice": 0.1757,
                                             "hard_iou": FOREGROUND}},
              "val_foreground_fraction": FOREGROUND})


def make_train_run(run_dir: Path, training_outputs: bool = True) -> Report:
    """Write the run into ``run_dir`` (report.json and the variant folders); the first
    variant's overlays have an ``index.json``, the second's are found by name."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(VARIANTS, start=1):
        _write_variant(run_dir, name, seed, training_outputs, indexed=seed == 1)
    report = _report(run_dir)
    write_json(report, run_dir / "report.json")
    return report


def images_expected(training_outputs: bool = True) -> int:
    """``<img>`` elements the page of :func:`make_train_run` holds: per variant the curves,
    and with the training outputs its panels and its Dice histogram."""
    per_variant = 1 + (PROBES + WORST + 1 if training_outputs else 0)
    return per_variant * len(VARIANTS)
