"""The variants of a train run in the HTML report: per variant, its training curves against
the trivial baselines with the epochs its findings speak of, its prediction overlays, and the
distribution of its per-image validation Dice. What the run directory lacks is said.

Files are read through :mod:`unetdiag.report.runfiles` (which states the contract).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from unetdiag.diag.core.findings import Report
from unetdiag.diag.wording.text import join_names, plural
from unetdiag.report.figures import histogram_png
from unetdiag.report.html.curves import ReferenceLine, curves_block, findings_about
from unetdiag.report.html.page import escape, figure, gallery, note, section, table
from unetdiag.report.pictures import PictureError, embeddable_png
from unetdiag.report.runfiles import HISTORY_FILENAME, Overlay, VariantFiles, read_variant
from unetdiag.report.values import summary_rows

#: Prediction panels shown per kind (probe, worst) and variant.
MAX_OVERLAYS_PER_KIND = 8
#: What each kind of panel shows.
OVERLAY_TITLES = {"probe": "Probe batch (the same validation images every epoch)",
                  "worst": "Worst validation images"}
#: The trivial predictors of ``meta["val_baselines"]``, in words.
PREDICTOR_WORDS = {"all_zeros": "all background", "all_ones": "all foreground"}
#: Which baseline score goes on which panel.
BASELINE_SCORES = (("dice", "hard_dice"), ("accuracy", "accuracy"), ("iou", "hard_iou"))


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def variant_names(report: Report, run_dir: Path) -> list[str]:
    """The variants in the report's ``variants`` table, else the folders holding a history."""
    names = [row["variant"] for row in summary_rows(report.summary.get("variants", []))
             if isinstance(row.get("variant"), str)]
    if names or not run_dir.is_dir():
        return names
    return sorted(folder.name for folder in run_dir.iterdir()
                  if (folder / HISTORY_FILENAME).is_file())


def baseline_lines(meta: Mapping[str, Any]) -> list[ReferenceLine]:
    """What constant predictors score on the validation split (``meta["val_baselines"]``),
    and the validation foreground fraction (for the predicted-foreground curve)."""
    lines = []
    baselines = meta.get("val_baselines")
    for predictor, words in PREDICTOR_WORDS.items():
        scores = baselines.get(predictor) if isinstance(baselines, Mapping) else None
        if not isinstance(scores, Mapping):
            continue
        for kind, key in BASELINE_SCORES:
            value = _finite(scores.get(key))
            if value is not None:
                lines.append(ReferenceLine(kind, value, f"{words} (val): {value:.4g}"))
    fraction = _finite(meta.get("val_foreground_fraction"))
    if fraction is not None:
        lines.append(ReferenceLine("other", fraction, f"foreground fraction (val): {fraction:.4g}"))
    return lines


def _overlay_figure(overlay: Overlay) -> str:
    try:
        png = embeddable_png(overlay.path)
    except PictureError as error:
        return note(f"{overlay.path.name} {error}.")
    words = [overlay.file or overlay.path.name]
    if not math.isnan(overlay.dice):
        words.append(f"Dice {overlay.dice:.4f}")
    caption = ", ".join(words)
    return figure(png, f"prediction overlay: {caption}", caption)


def _overlays(files: VariantFiles) -> list[str]:
    parts = []
    kinds = list(dict.fromkeys(overlay.kind for overlay in files.overlays))
    for kind in kinds:
        panels = [overlay for overlay in files.overlays if overlay.kind == kind]
        shown = panels[:MAX_OVERLAYS_PER_KIND]
        parts.append(f"<h4>{escape(OVERLAY_TITLES.get(kind, kind))}</h4>")
        parts.append(gallery([_overlay_figure(overlay) for overlay in shown]))
        if len(panels) > len(shown):
            parts.append(note(f"{len(panels) - len(shown)} more in "
                              f"{shown[0].path.parent}."))
    if parts:
        parts.insert(0, note("Each panel: image | mask | prediction | error map."))
    return parts


def _dice_histogram(files: VariantFiles, lines: Sequence[ReferenceLine]) -> list[str]:
    scores = files.scores or []
    values = [score.dice for score in scores if math.isfinite(score.dice)]
    if not values:
        return [note(f"val_scores.csv of {files.name} holds no defined Dice.")] if scores else []
    mean = statistics.fmean(values)
    marks = [(mean, f"mean: {mean:.4f}")]
    marks += [(line.value, line.label) for line in lines
              if line.kind == "dice" and line.label.startswith(PREDICTOR_WORDS["all_ones"])]
    png = histogram_png(values, title=f"Dice per validation image ({plural(len(values), 'image')})",
                        xlabel="Dice", lines=marks)
    parts = [figure(png, f"histogram of {files.name}'s validation Dice per image")]
    undefined = len(scores) - len(values)
    if undefined:
        parts.append(note(f"{plural(undefined, 'image')} with no Dice value (undefined) "
                          "left out."))
    return parts


def _missing(files: VariantFiles) -> list[str]:
    parts = []
    if files.missing:
        parts.append(note(f"Not in {files.name}'s folder: " + join_names(
            [f"{name} ({meaning})" for name, meaning in files.missing]) + "."))
    parts += [note(problem) for problem in files.problems]
    return parts


def variant_section(report: Report, run_dir: Path, name: str,
                    lines: Sequence[ReferenceLine]) -> str:
    """One variant: its curves, overlays, Dice histogram, and the files it lacks."""
    files = read_variant(run_dir, name)
    parts = _missing(files)
    if files.history:
        findings = findings_about(report.findings, {f"train:{name}"})
        parts.append("<h3>Training curves</h3>\n" + curves_block(
            files.history, lines, findings, f"training curves of {name}"))
    overlays = _overlays(files)
    if overlays:
        parts.append("<h3>Predictions of the saved model</h3>\n" + "\n".join(overlays))
    histogram = _dice_histogram(files, lines)
    if histogram:
        parts.append("<h3>Validation Dice per image</h3>\n" + "\n".join(histogram))
    return section(f"Variant {name}", parts, f"variant-{name}")


def train_sections(report: Report, run_dir: Path | None) -> list[str]:
    """A section per variant of the run in ``run_dir`` (or a note saying none is known)."""
    if run_dir is None:
        return [note("No run directory was given, so the curves and pictures are not shown.")]
    names = variant_names(report, run_dir)
    if not names:
        return [note(f"{run_dir} holds no variant folder with a {HISTORY_FILENAME}.")]
    lines = baseline_lines(report.meta)
    overview = []
    if report.summary.get("variants"):
        overview = [section("Variants", [table(report.summary["variants"])], "variants")]
    return overview + [variant_section(report, run_dir, name, lines) for name in names]
