"""What the HTML report reads from a train run directory, one variant folder at a time.

The contract with the trainer (every file optional: an older run, or a variant that never
finished, lacks some, and the report says which):

``<variant>/history.json``
    Keras ``History.history``: metric -> one value per epoch (``"nan"`` for NaN).
``<variant>/val_scores.csv``
    One row per validation image of the saved model: ``file``, ``foreground_fraction``,
    ``dice``, ``iou``, ``predicted_fraction`` (an empty cell or ``nan``: undefined).
``<variant>/overlays/probe_NN.png``, ``<variant>/overlays/worst_NN.png``
    Composed panels (image | mask | prediction | error map) of the probe batch and of the
    worst validation images.
``<variant>/overlays/index.json`` (optional)
    ``[{"file": ..., "png": ..., "dice": ..., "kind": "probe" | "worst"}, ...]``: which
    image each panel shows and its Dice; without it the panels are listed by name and each
    one's Dice is looked up in ``val_scores.csv`` when the index names its file.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> files = read_variant(folder, "MP_Tr_BCE")
>>> files.history is None, [name for name, _ in files.missing]
(True, ['history.json', 'val_scores.csv', 'overlays/'])
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

HISTORY_FILENAME = "history.json"
SCORES_FILENAME = "val_scores.csv"
OVERLAYS_DIRNAME = "overlays"
OVERLAY_INDEX_FILENAME = "index.json"
#: The columns ``val_scores.csv`` must have.
SCORE_COLUMNS = ("file", "foreground_fraction", "dice", "iou", "predicted_fraction")
#: Panel kinds, by the start of their file name, in the order the report shows them.
OVERLAY_KINDS = ("probe", "worst")
#: What each missing file would have shown.
MISSING_MEANING = {
    HISTORY_FILENAME: "the training curves",
    SCORES_FILENAME: "the per-image validation scores",
    OVERLAYS_DIRNAME + "/": "the prediction overlays",
}


@dataclass(frozen=True)
class ImageScore:
    """One row of ``val_scores.csv`` (NaN where the file leaves a value undefined)."""

    file: str
    foreground_fraction: float
    dice: float
    iou: float
    predicted_fraction: float


@dataclass(frozen=True)
class Overlay:
    """One composed prediction panel of a variant."""

    kind: str
    path: Path
    file: str = ""
    dice: float = math.nan


@dataclass
class VariantFiles:
    """What one variant folder holds for the report.

    Attributes:
        name: the variant.
        history: metric -> values per epoch, or None.
        scores: the rows of ``val_scores.csv``, or None.
        overlays: the prediction panels, probes first.
        missing: ``(file, what it would have shown)`` for every file the folder lacks.
        problems: files present but unreadable, each with the reason.
    """

    name: str
    history: dict[str, list[float | None]] | None = None
    scores: list[ImageScore] | None = None
    overlays: list[Overlay] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _read_history(path: Path, files: VariantFiles) -> None:
    try:
        runs = parse_log(path)
    except UserError as error:
        files.problems.append(str(error))
        return
    files.history = runs[0].history() if runs else None


def _read_scores(path: Path, files: VariantFiles) -> None:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            absent = [c for c in SCORE_COLUMNS if c not in (reader.fieldnames or [])]
            if absent:
                files.problems.append(f"{path}: lacks the column(s) {', '.join(absent)}")
                return
            files.scores = [ImageScore(row["file"] or "", *(_number(row[c])
                                                           for c in SCORE_COLUMNS[1:]))
                            for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        files.problems.append(f"{path}: cannot be read ({error})")


def _kind_of(name: str) -> str | None:
    return next((kind for kind in OVERLAY_KINDS if name.startswith(f"{kind}_")), None)


def _indexed_overlays(folder: Path, files: VariantFiles) -> list[Overlay] | None:
    """The panels ``index.json`` lists, or None without a usable index."""
    path = folder / OVERLAY_INDEX_FILENAME
    if not path.is_file():
        return None
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        files.problems.append(f"{path}: cannot be read ({error})")
        return None
    if not isinstance(entries, list):
        files.problems.append(f"{path}: not a list of panels")
        return None
    overlays = []
    root = folder.resolve()
    for entry in entries:
        png = entry.get("png") if isinstance(entry, dict) else None
        target = (folder / png).resolve() if isinstance(png, str) else None
        if target is None or root not in target.parents:
            files.problems.append(f"{path}: an entry names no panel inside {folder}")
            continue
        kind = str(entry.get("kind") or _kind_of(target.name) or "panel")
        overlays.append(Overlay(kind, target, str(entry.get("file") or ""),
                                _number(entry.get("dice"))))
    return overlays


def _listed_overlays(folder: Path) -> list[Overlay]:
    """Every ``probe_*.png`` and ``worst_*.png``, by kind and then name."""
    panels = [(kind, path) for path in sorted(folder.glob("*.png"))
              if (kind := _kind_of(path.name)) is not None]
    return [Overlay(kind, path) for kind, path in
            sorted(panels, key=lambda item: OVERLAY_KINDS.index(item[0]))]


def _with_scores(overlays: list[Overlay], scores: list[ImageScore] | None) -> list[Overlay]:
    """Each panel's Dice from ``val_scores.csv`` when the index gave its file but no Dice."""
    by_file = {score.file: score.dice for score in scores or ()}
    return [Overlay(o.kind, o.path, o.file, by_file[o.file])
            if math.isnan(o.dice) and o.file in by_file else o for o in overlays]


def read_variant(run_dir: Path, name: str) -> VariantFiles:
    """Read what ``run_dir/name`` holds for the report; never raises for a missing or
    unreadable file (it is listed in ``missing`` or ``problems``)."""
    folder = Path(run_dir) / name
    files = VariantFiles(name)
    readers = ((HISTORY_FILENAME, _read_history), (SCORES_FILENAME, _read_scores))
    for filename, reader in readers:
        if (folder / filename).is_file():
            reader(folder / filename, files)
        else:
            files.missing.append((filename, MISSING_MEANING[filename]))
    overlay_folder = folder / OVERLAYS_DIRNAME
    if overlay_folder.is_dir():
        indexed = _indexed_overlays(overlay_folder, files)
        overlays = indexed if indexed is not None else _listed_overlays(overlay_folder)
        files.overlays = _with_scores(overlays, files.scores)
    if not files.overlays:
        files.missing.append((OVERLAYS_DIRNAME + "/", MISSING_MEANING[OVERLAYS_DIRNAME + "/"]))
    return files
