"""``unetdiag explain-log``: what is wrong with a finished run, from its log alone.

:func:`explain_log` parses the file (:mod:`unetdiag.diag.logs.parse`), runs the metric-series
checks (:mod:`unetdiag.diag.checks.saturation`) on every run and across runs, and returns a
:class:`~unetdiag.diag.core.findings.Report` whose ``headline``
(:mod:`unetdiag.diag.logs.headline`) answers the question in plain words, with the numbers.
Rendering is :mod:`unetdiag.report`'s job.

>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "fit.log"
>>> line = "5/5 - 1s - 20ms/step - accuracy: 0.9210 - dice: 0.0000 - val_accuracy: 0.9300"
>>> _ = log.write_text("".join(f"Epoch {i}/3\\n{line}\\n" for i in (1, 2, 3)))
>>> report = explain_log(log)
>>> report.headline.split(":")[0]
'run 1 scores what an all-zeros predictor scores'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.checks.saturation.checks import (
    check_across_runs,
    check_best_epoch,
    check_series,
)
from unetdiag.diag.checks.saturation.evidence import AccuracyBoundBreach, Cause
from unetdiag.diag.checks.saturation.ids import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    CLASS_PRIOR_LOSS,
    FLAT_METRIC,
    LABEL_SCALE_IDS,
    METRIC_AT_BASELINE,
    NON_FINITE,
    PERFECT_ACCURACY,
    SCORE_COLLAPSED,
    SCORE_FELL_BACK,
    SCORE_ZERO_THROUGHOUT,
    STEP_TIME_OUTLIER,
    TRAIN_VAL_GAP,
    TRAINING_LOSS_NOT_MEASURED,
    VALIDATION_NOT_SCORED,
)
from unetdiag.diag.checks.saturation.metrics import (
    LEARNING_RATE_KEYS,
    VALIDATION_PREFIX,
    is_validation,
    loss_first,
    metric_kind,
    validation_first,
)
from unetdiag.diag.checks.saturation.words import non_finite_when, non_finite_word
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.logs.headline import headline
from unetdiag.diag.logs.model import RunLog, epoch_words, restored_position
from unetdiag.diag.logs.read import parse_log
from unetdiag.diag.logs.restored import restored_cell
from unetdiag.diag.logs.restored_wording import restored_finding
from unetdiag.diag.wording.text import join_names

COMMAND = "explain-log"
#: Id of the info finding listing what the parser skipped or repaired in a run.
PARSE_NOTES = "log.parse_notes"
#: How close a value must be to a formula, a baseline or another run's value to match.
TOLERANCE = 1e-3
_SUMMARY_KINDS = ("loss", "accuracy", "dice", "iou")


def explain_log(path: Path | str) -> Report:
    """Parse a training log and explain its runs (title ``"unetdiag explain-log <file>"``).

    Raises :class:`unetdiag.exitcodes.UserError` (one line naming the file) when the file is
    missing, empty, binary or not a training log.
    """
    path = Path(path)
    runs = parse_log(path)
    report = explain_runs(runs, title=f"unetdiag {COMMAND} {path}", files=(str(path),))
    report.meta["file"] = str(path)
    return report


def explain_runs(runs: Sequence[RunLog], title: str = f"unetdiag {COMMAND}",
                 files: Sequence[str] = ()) -> Report:
    """The explain-log report for runs already parsed (or built from histories)."""
    findings: list[Finding] = []
    by_run: dict[str, list[Finding]] = {}
    for run in runs:
        own = [_with_origin(f, f"log:{run.name}", files)
               for f in check_series(run.name, run.history(), tolerance=TOLERANCE,
                                     restored_epoch=(None if run.restored_after
                                                     else run.restored_epoch),
                                     custom_loop=run.custom_loop,
                                     zeros_printed=run.zeros_printed,
                                     printed_half_units=run.printed_half_units,
                                     fit_may_continue=run.appended_fit > 1,
                                     open_epochs=set(run.unknown_numbers),
                                     resumed_at=run.resumed_at)]
        # the weights a run ends with: a log's question, not train's (which keeps its best)
        own += [_with_origin(f, f"log:{run.name}", files)
                for f in check_best_epoch(run.name, run.history(),
                                          open_epochs=set(run.unknown_numbers),
                                          restored_epoch=run.restored_epoch)]
        restored = restored_finding(run, files)
        if restored is not None:
            own.append(restored)
        notes = [*run.notes, *_phase_notes(run)]
        if notes:
            own.append(_parse_notes(run, notes, files))
        by_run[run.name] = own
        findings.extend(own)
    # fit() calls appended to one CSVLogger file may be one model trained further: no variants
    across = [_with_origin(f, f"log:{f.source}", files) for f in check_across_runs(
        {run.name: run.history() for run in runs if not run.appended_fit},
        tolerance=TOLERANCE)]
    findings.extend(across)
    for finding in across:
        for name in _runs_of(finding):
            by_run.setdefault(name, []).append(finding)
    return Report(
        title=title, command=COMMAND, findings=findings,
        headline=headline(runs, findings),
        summary={"runs": [_summary_row(run, by_run.get(run.name, [])) for run in runs]},
        meta={"runs": [run.name for run in runs],
              "sources": {run.name: run.source for run in runs},
              "final_values": {run.name: _final_values(run) for run in runs},
              "tolerance": TOLERANCE})


def _with_origin(finding: Finding, source: str, files: Sequence[str]) -> Finding:
    """The finding, saying which run of which log file it is about."""
    return dataclasses.replace(finding, source=source, files=tuple(files))


def _runs_of(finding: Finding) -> list[str]:
    evidence = finding.evidence
    if isinstance(evidence.get("runs"), list):
        return list(evidence["runs"])
    return [evidence["run"]] if isinstance(evidence.get("run"), str) else []


def _parse_notes(run: RunLog, notes: Sequence[str], files: Sequence[str]) -> Finding:
    """The parsers' notes on one run, and how its metrics' phases were read. Some say a part
    was skipped, others how a part was read (a Markdown table, a closing line renumbered by
    EarlyStopping, a notebook's outputs): the title names neither."""
    count = len(notes)
    return Finding(
        id=PARSE_NOTES, severity=Severity.INFO,
        title=f"{run.name}: {count} note{'s' if count > 1 else ''} on how the log was read",
        explanation="; ".join(notes) + ".",
        fix="Nothing to do unless a value you need is missing; the rest of the run was read.",
        evidence={"run": run.name, "notes": list(notes), "source": run.source},
        files=tuple(files), source=f"log:{run.name}")


def _phase_notes(run: RunLog) -> list[str]:
    """Beside metrics named ``train_``, the unprefixed ones without a ``val_`` twin, whose
    phase the log does not say: the runs table places them in neither column (see
    :func:`_last_value`) while the checks, which read phases by the ``val_`` prefix alone (as
    Keras names them), take them as training values; the note says so."""
    names = run.metrics()
    named = [name for name in names if name.startswith(TRAINING_PREFIX)]
    unknown = [name for name in names if not name.startswith(TRAINING_PREFIX)
               and not is_validation(name) and VALIDATION_PREFIX + name not in names
               and name not in LEARNING_RATE_KEYS]
    if not named or not unknown:
        return []
    them = "it" if len(unknown) == 1 else "them"
    return [f"{join_names(unknown)} {'has' if len(unknown) == 1 else 'have'} no phase in "
            f"{'its name' if len(unknown) == 1 else 'their names'} beside "
            f"{join_names(named)}: the runs table places {them} in neither phase's column, "
            f"while the checks read {them} as training values (Keras names training metrics "
            "bare); a statement about training values among them may be the validation's"]


# --------------------------------------------------------------------------- summary


#: How a logger other than Keras names its training metrics (Keras names them bare).
TRAINING_PREFIX = "train_"


def _last_value(run: RunLog, validation: bool, kind: str,
                position: int | None = None) -> float | None:
    """The last logged value of the run's first training (or validation) metric of ``kind``
    (for a loss, the one named ``loss`` first, as the checks take it); with ``position``, its
    value at that epoch (0-based), None when not logged there. Beside metrics a logger names
    ``train_`` (``train_loss``, not Keras's naming), an unprefixed one is of no known phase
    (a loop's ``dice`` beside ``train_loss`` and ``val_loss`` is often the validation's) and
    is in neither column, unless its ``val_`` twin is logged too (``dice`` beside
    ``val_dice`` is the training's)."""
    names = run.metrics()
    phase_named = any(metric.startswith(TRAINING_PREFIX) for metric in names)
    for metric in loss_first(names):
        if (phase_named and not validation and not metric.startswith(TRAINING_PREFIX)
                and not is_validation(metric) and VALIDATION_PREFIX + metric not in names):
            continue
        if is_validation(metric) == validation and metric_kind(metric) == kind:
            if position is not None:
                return run.epochs[position].get(metric)
            values = [epoch[metric] for epoch in run.epochs if metric in epoch]
            return values[-1] if values else None
    return None


#: What the causes of values outside [0, 1] make of a run, in a few words.
_SCALE_VERDICTS = {
    frozenset({"labels_above_one"}): "labels outside [0, 1]",
    frozenset({"metric_computed_wrongly"}): "accuracy outside [0, 1]",
    frozenset({"metric_in_percent", "metric_computed_wrongly"}): "accuracy outside [0, 1]",
    frozenset(AccuracyBoundBreach.consistent_with): "accuracy and Dice/IoU disagree",
}


def _verdict(findings: Iterable[Finding]) -> str:
    """A few words per problem found in one run, for the runs table."""
    ids: dict[str, Finding] = {}
    for finding in findings:
        ids.setdefault(finding.id, finding)
    parts = []
    scale = {cause for f in ids.values() if f.id in LABEL_SCALE_IDS
             for cause in f.evidence.get("consistent_with", ())}
    if scale:
        parts.append(_SCALE_VERDICTS.get(
            frozenset(scale),
            "loss below 0 (labels, outputs or the loss's construction)"
            if Cause.LOSS_BELOW_ZERO_BY_DESIGN.value in scale
            else "labels or predictions outside [0, 1]"))
    if NON_FINITE in ids:
        evidence = ids[NON_FINITE].evidence
        parts.append(f"{non_finite_word(evidence['values_at_onset'])} "
                     + (non_finite_when(evidence) or f"from epoch {evidence['onset_epoch']}"))
    if TRAINING_LOSS_NOT_MEASURED in ids:
        parts.append("training loss 0 beside a low R² (no measurement, if the loss is 0 only "
                     "for exact predictions)")
    if VALIDATION_NOT_SCORED in ids and ids[VALIDATION_NOT_SCORED].severity is Severity.WARNING:
        parts.append("validation values 0 (not scored)")
    if SCORE_COLLAPSED in ids:
        name, data = next(iter(ids[SCORE_COLLAPSED].evidence["metrics"].items()))
        parts.append(f"{name} collapsed to 0 at epoch {data['epoch']}")
    if SCORE_FELL_BACK in ids:
        name, data = next(iter(ids[SCORE_FELL_BACK].evidence["metrics"].items()))
        parts.append(f"{name} fell back to {data['last']:.4f} (best {data['best']:.4f})")
    if SCORE_ZERO_THROUGHOUT in ids:
        parts.append(f"{validation_first(ids[SCORE_ZERO_THROUGHOUT].evidence['metrics'])} "
                     "0 throughout")
    for finding_id, words in ((ALL_ONES_PREDICTOR, "all-ones predictor"),
                              (ALL_ZEROS_PREDICTOR, "all-zeros predictor")):
        if finding_id in ids:
            fraction = ids[finding_id].evidence["foreground_fraction"]
            parts.append(f"{words} (f = {fraction:.4g})")
    if CLASS_PRIOR_LOSS in ids:
        parts.append("loss at the class prior's entropy")
    if PERFECT_ACCURACY in ids:
        parts.append("validation accuracy 1.0000")
    if METRIC_AT_BASELINE in ids and not ids.keys() & {ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR}:
        evidence = ids[METRIC_AT_BASELINE].evidence
        if "foreground_fraction" in evidence:
            predictor = "all-ones" if evidence.get("predictor") == "all_ones" else "all-zeros"
            parts.append(f"at the {predictor} score (f = {evidence['foreground_fraction']:.4g})")
        else:
            parts.append("at a constant predictor's score")
    if FLAT_METRIC in ids and ids[FLAT_METRIC].severity is Severity.WARNING:
        stuck = ids[FLAT_METRIC].evidence["stuck"]
        repeated = ids[FLAT_METRIC].evidence.get("repeated")
        parts.append("values repeated" if stuck and repeated else "training stuck" if stuck
                     else "validation metrics flat")
    if TRAIN_VAL_GAP in ids and ids[TRAIN_VAL_GAP].severity is Severity.WARNING:
        parts.append("train/validation gap")
    if STEP_TIME_OUTLIER in ids:
        parts.append(f"{ids[STEP_TIME_OUTLIER].evidence['ratio']:.0f}x slower per step")
    return "; ".join(parts) if parts else "no problem found"


def _table_number(value: float | None) -> str:
    """Four decimals; a value that would print as 0.0000 but is not 0 (Keras prints
    ``1.6919e-06``), or one of 100 or more, in four significant digits."""
    if value is None:
        return "-"
    if not math.isfinite(value) or (abs(value) < 100 and (value == 0 or abs(value) >= 5e-5)):
        return f"{value:.4f}"
    return f"{value:.4g}"


def _last_complete_epoch(run: RunLog) -> tuple[int | None, str | None]:
    """The epoch before the last, and a "values at" cell, when the last epoch lacks a metric
    the one before it logs (a line cut short, ``validation_freq``): a row of last values
    would pair one epoch's loss with another's val_loss (RMDL#14: epoch 35's loss beside
    34's val_loss). A metric dropped earlier in the run (logged at epochs 1-2 only) leaves
    the row at the last epoch, without that metric, rather than dragging it back.
    (None, None) when the last epoch logs every metric of the run."""
    names = set().union(*run.epochs) - set(LEARNING_RATE_KEYS)
    if not run.epochs or names <= set(run.epochs[-1]):
        return None, None
    last = epoch_words(run, len(run.epochs) - 1)
    if len(run.epochs) >= 2:
        before = set(run.epochs[-2]) - set(LEARNING_RATE_KEYS)
        missing = sorted(before - set(run.epochs[-1]))
        if missing:
            return len(run.epochs) - 2, (
                f"{epoch_words(run, len(run.epochs) - 2)} (the last logging every "
                f"metric; {last} lacks {', '.join(missing)})")
    dropped = sorted(names - set(run.epochs[-1]))
    return len(run.epochs) - 1, (f"{last} ({', '.join(dropped)} not logged there, "
                                 "left out)")


def _summary_row(run: RunLog, findings: Sequence[Finding]) -> dict[str, Any]:
    """One row of the runs table: final values as "train / val" cells, then the verdict.

    A run whose EarlyStopping restored a named epoch's weights shows that epoch's values (the
    model the run ends with), and a "values at" cell saying so."""
    row: dict[str, Any] = {"run": run.name, "epochs": len(run.epochs)}
    position, cell = restored_position(run), restored_cell(run)
    if position is None and cell is None:
        position, cell = _last_complete_epoch(run)
    for kind in _SUMMARY_KINDS:
        train, val = (_last_value(run, False, kind, position),
                      _last_value(run, True, kind, position))
        if train is not None or val is not None:
            row[f"{kind} (train / val)"] = f"{_table_number(train)} / {_table_number(val)}"
    if cell is not None:
        row["values at"] = cell
    steps = [s for s in run.step_seconds if s is not None]
    if steps:
        row["s/step"] = float(np.median(steps))
    row["verdict"] = _verdict(findings)
    return row


def _final_values(run: RunLog) -> dict[str, float]:
    """Each metric's last logged value (for JSON consumers of the report)."""
    finals: dict[str, float] = {}
    for epoch in run.epochs:
        finals.update(epoch)
    return finals
