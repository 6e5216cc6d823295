"""``unetdiag explain-log``: what is wrong with a finished run, from its log alone.

:func:`explain_log` parses the file (:mod:`unetdiag.diag.logs.parse`), runs the metric-series
checks (:mod:`unetdiag.diag.checks.saturation`) on every run and across runs, and returns a
:class:`~unetdiag.diag.core.findings.Report` whose ``headline`` answers the question in plain words,
with the numbers. Rendering is :mod:`unetdiag.report`'s job.

>>> import tempfile, pathlib
>>> log = pathlib.Path(tempfile.mkdtemp()) / "fit.log"
>>> line = "5/5 - 1s - 20ms/step - accuracy: 0.9210 - dice: 0.0000 - val_accuracy: 0.9300"
>>> _ = log.write_text("".join(f"Epoch {i}/3\\n{line}\\n" for i in (1, 2, 3)))
>>> report = explain_log(log)
>>> report.headline.split(":")[0]
'run 1 sits on an all-zeros predictor'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.checks.saturation import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    DICE_ABOVE_ONE,
    DICE_EXCEEDS_ACCURACY_BOUND,
    FLAT_METRIC,
    IDENTICAL_ACROSS_RUNS,
    LABEL_SCALE_IDS,
    METRIC_AT_BASELINE,
    METRIC_OUT_OF_RANGE,
    NEGATIVE_LOSS,
    NON_FINITE,
    STEP_TIME_OUTLIER,
    TRAIN_VAL_GAP,
    all_ones_formula,
    check_across_runs,
    check_series,
    describe_fingerprint,
    format_percent,
    is_validation,
    join_names,
    metric_kind,
)
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.logs.parse import RunLog, parse_log

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
        own = [_attach(f, f"log:{run.name}", files)
               for f in check_series(run.name, run.history(), tolerance=TOLERANCE)]
        if run.notes:
            own.append(_parse_notes(run, files))
        by_run[run.name] = own
        findings.extend(own)
    across = [_attach(f, f"log:{f.source}", files) for f in check_across_runs(
        {run.name: run.history() for run in runs}, tolerance=TOLERANCE)]
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


def _attach(finding: Finding, source: str, files: Sequence[str]) -> Finding:
    return dataclasses.replace(finding, source=source, files=tuple(files))


def _runs_of(finding: Finding) -> list[str]:
    evidence = finding.evidence
    if isinstance(evidence.get("runs"), list):
        return list(evidence["runs"])
    return [evidence["run"]] if isinstance(evidence.get("run"), str) else []


def _parse_notes(run: RunLog, files: Sequence[str]) -> Finding:
    return Finding(
        id=PARSE_NOTES, severity=Severity.INFO,
        title=f"{run.name}: {len(run.notes)} part(s) of the log could not be read as they are",
        explanation="; ".join(run.notes) + ".",
        fix="Nothing to do unless a value you need is missing; the rest of the run was read.",
        evidence={"run": run.name, "notes": list(run.notes), "source": run.source},
        files=tuple(files), source=f"log:{run.name}")


# --------------------------------------------------------------------------- summary


def _final(run: RunLog, validation: bool, kind: str) -> tuple[str, float] | None:
    for metric in run.metrics():
        if is_validation(metric) == validation and metric_kind(metric) == kind:
            values = [epoch[metric] for epoch in run.epochs if metric in epoch]
            return (metric, values[-1]) if values else None
    return None


def _verdict(findings: Iterable[Finding]) -> str:
    ids: dict[str, Finding] = {}
    for finding in findings:
        ids.setdefault(finding.id, finding)
    parts = []
    if ids.keys() & LABEL_SCALE_IDS:
        parts.append("labels outside [0, 1]")
    if NON_FINITE in ids:
        parts.append(f"NaN from epoch {ids[NON_FINITE].evidence['onset_epoch']}")
    for finding_id, words in ((ALL_ONES_PREDICTOR, "all-ones predictor"),
                              (ALL_ZEROS_PREDICTOR, "all-zeros predictor")):
        if finding_id in ids:
            fraction = ids[finding_id].evidence["foreground_fraction"]
            parts.append(f"{words} (f = {fraction:.4g})")
    if METRIC_AT_BASELINE in ids and not ids.keys() & {ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR}:
        evidence = ids[METRIC_AT_BASELINE].evidence
        if "foreground_fraction" in evidence:
            predictor = "all-ones" if evidence.get("predictor") == "all_ones" else "all-zeros"
            parts.append(f"at the {predictor} score (f = {evidence['foreground_fraction']:.4g})")
        else:
            parts.append("at a constant predictor's score")
    if FLAT_METRIC in ids and any(is_validation(m) for m in ids[FLAT_METRIC].evidence["metrics"]):
        parts.append("validation metrics flat")
    if TRAIN_VAL_GAP in ids and ids[TRAIN_VAL_GAP].severity is Severity.WARNING:
        parts.append("train/validation gap")
    if STEP_TIME_OUTLIER in ids:
        parts.append(f"{ids[STEP_TIME_OUTLIER].evidence['ratio']:.0f}x slower per step")
    return "; ".join(parts) if parts else "no problem found"


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if abs(value) < 100 or not math.isfinite(value) else f"{value:.4g}"


def _summary_row(run: RunLog, findings: Sequence[Finding]) -> dict[str, Any]:
    """One row of the runs table: final values as "train / val" cells, then the verdict."""
    row: dict[str, Any] = {"run": run.name, "epochs": len(run.epochs)}
    for kind in _SUMMARY_KINDS:
        train, val = _final(run, False, kind), _final(run, True, kind)
        if train is not None or val is not None:
            row[f"{kind} (train / val)"] = " / ".join(
                _cell(None if final is None else final[1]) for final in (train, val))
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


# --------------------------------------------------------------------------- headline


def _first(findings: Iterable[Finding], finding_id: str) -> list[Finding]:
    return [f for f in findings if f.id == finding_id]


def _run_list(names: Sequence[str], total: int) -> str:
    if len(names) == total and total > 1:
        return f"All {total} runs" if total > 2 else "Both runs"
    return join_names(list(names))


def _label_sentence(findings: Sequence[Finding]) -> str:
    above = _first(findings, DICE_ABOVE_ONE)
    negative = _first(findings, NEGATIVE_LOSS)
    out_of_range = _first(findings, METRIC_OUT_OF_RANGE)
    parts = []
    if above:
        worst = max(above, key=lambda f: max(m["max"] for m in f.evidence["metrics"].values()))
        metric, data = max(worst.evidence["metrics"].items(), key=lambda item: item[1]["max"])
        runs = join_names([f.evidence["run"] for f in above])
        parts.append(f"{metric} reaches {data['max']:.4f} in {runs}, and a Dice cannot exceed 1 "
                     "when labels are in [0, 1]")
    if negative:
        worst = min(negative, key=lambda f: min(m["min"] for m in f.evidence["metrics"].values()))
        metric, data = min(worst.evidence["metrics"].items(), key=lambda item: item[1]["min"])
        parts.append(f"{metric} goes negative ({data['min']:.4g} in {worst.evidence['run']}), "
                     "which BCE and 1 - Dice never do with labels in [0, 1]")
    bound = _first(findings, DICE_EXCEEDS_ACCURACY_BOUND)
    if bound and not above:
        evidence = bound[0].evidence
        parts.append(f"{evidence['dice_metric']} {evidence['dice']:.4f} cannot go with "
                     f"{evidence['accuracy_metric']} {evidence['accuracy']:.4f} in "
                     f"{evidence['run']}: with labels in [0, 1] the Dice would be at most "
                     f"2(1+a)/(3+a) = {evidence['max_dice']:.4f}")
    if out_of_range and not parts:
        names = sorted({m for f in out_of_range for m in f.evidence["metrics"]})
        parts.append(f"{join_names(names)} leave [0, 1]")
    sentence = ("The masks are not normalised to [0, 1] (labels on a 0-255 scale, e.g. 0/255): "
                + "; ".join(parts) + ".")
    accuracies = [(name, value) for f in above for name, value in
                  f.evidence.get("final_accuracy", {}).items() if value < 0.5]
    if accuracies:
        name, value = accuracies[0]
        sentence += (f" The {name} of {value:.4f} is that low because a label of 255 never "
                     "equals a prediction of 1.")
    return sentence


def _non_finite_sentence(findings: Sequence[Finding]) -> str:
    parts = []
    for finding in findings:
        evidence = finding.evidence
        metrics = evidence["metrics_at_onset"]
        parts.append(f"in {evidence['run']}, {join_names(metrics)} "
                     f"{'is' if len(metrics) == 1 else 'are'} NaN from epoch "
                     f"{evidence['onset_epoch']} of {evidence['epochs']}")
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _trivial_sentence(runs: Sequence[RunLog], findings: Sequence[Finding]) -> str:
    fingerprints = [f for f in findings if f.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)
                    and "validation" in f.evidence["phases"]]
    if not fingerprints:
        fingerprints = [f for f in findings if f.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)]
    reference = fingerprints[0]
    phase_name = "validation" if "validation" in reference.evidence["phases"] else "training"
    phase = reference.evidence["phases"][phase_name]
    predictor = reference.evidence["predictor"]
    fraction = phase["foreground_fraction"]
    followers = [f for f in _first(findings, METRIC_AT_BASELINE)
                 if f.evidence.get("predictor") == predictor
                 and f.evidence.get("foreground_fraction") == fraction]
    names = [f.evidence["run"] for f in fingerprints] + [f.evidence["run"] for f in followers]
    names = [run.name for run in runs if run.name in names]
    subject = _run_list(names, len(runs))
    verb = "sits" if len(names) == 1 and not subject.startswith(("All", "Both")) else "sit"
    reported = describe_fingerprint(phase)
    exact = join_names([f.evidence["run"] for f in fingerprints])
    if predictor == "all_ones":
        dice_words = (f" and {phase['dice_metric']} 2f/(1+f) = {all_ones_formula(fraction)}"
                      if phase.get("dice_metric") else "")
        sentence = (
            f"{subject} {verb} on an all-ones predictor for foreground fraction {fraction:.4g}: "
            f"on {phase_name} data that is {format_percent(fraction)} foreground, "
            f"predicting every pixel as foreground scores {phase['accuracy_metric']} "
            f"{fraction:.4f}{dice_words}, exactly the {reported} that {exact} "
            f"{'reports' if len(fingerprints) == 1 else 'report'}")
    else:
        sentence = (
            f"{subject} {verb} on an all-zeros predictor: {reported} are what predicting no "
            f"foreground at all scores on {phase_name} data that is "
            f"{format_percent(fraction)} foreground (f = 1 - {phase['accuracy']:.4f}), "
            f"as {exact} {'reports' if len(fingerprints) == 1 else 'report'}")
    if followers:
        follower = followers[0].evidence
        sentence += (f"; {join_names([f.evidence['run'] for f in followers])} "
                     f"{'shows' if len(followers) == 1 else 'show'} the same "
                     f"{follower['metric']} {follower['value']:.4f}")
    return sentence + "."


def _flat_sentence(runs: Sequence[RunLog], findings: Sequence[Finding]) -> str:
    """ "In every run, val_accuracy never moved across epochs; in A and B, val_loss did not
    move either" """
    flat: dict[str, list[str]] = {}
    for finding in _first(findings, FLAT_METRIC):
        never = [m for m, d in finding.evidence["metrics"].items()
                 if is_validation(m) and d["flat_epochs"] == d["epochs"]]
        if never:
            flat[finding.evidence["run"]] = never
    identical = sorted((f for f in _first(findings, IDENTICAL_ACROSS_RUNS)
                        if f.evidence["constant_across_epochs"]),
                       key=lambda f: -len(f.evidence["runs"]))
    if not flat:
        return ""
    ordered = [run.name for run in runs if run.name in flat]
    common = [m for m in flat[ordered[0]] if all(m in flat[r] for r in ordered)]
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in ordered:
        groups.setdefault(tuple(m for m in flat[name] if m not in common), []).append(name)
    clauses = []
    if common:
        where = ("every run" if len(ordered) == len(runs) and len(runs) > 1
                 else join_names(ordered))
        clauses.append(f"In {where}, {join_names(common)} never moved across epochs")
    for extra, names in groups.items():
        if extra:
            verb = "did not move either" if common else "never moved across epochs"
            clauses.append(f"in {join_names(names)}, {join_names(list(extra))} {verb}")
    sentence = "; ".join(clauses)
    if identical:
        widest = identical[0].evidence
        who = (f"all {len(widest['runs'])} runs" if len(widest["runs"]) == len(runs)
               else join_names(widest["runs"]))
        sentence += f" ({widest['metric']} is {widest['value']:.4f} in {who})"
    model = "the model" if len(runs) == 1 else "the models"
    return sentence[0].upper() + sentence[1:] + f": {model} learned nothing from the images."


def headline(runs: Sequence[RunLog], findings: Sequence[Finding]) -> str:
    """One short paragraph answering "what is wrong with this run?", with the numbers."""
    ids = {f.id for f in findings}
    sentences = []
    if ids & LABEL_SCALE_IDS:
        sentences.append(_label_sentence(findings))
        if NON_FINITE in ids:
            sentences.append(_non_finite_sentence(_first(findings, NON_FINITE)))
        sentences.append("Map the masks to {0, 1} (divide 0/255 masks by 255 or threshold "
                         "them) before training.")
    else:
        if NON_FINITE in ids:
            sentences.append(_non_finite_sentence(_first(findings, NON_FINITE)))
        if ids & {ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR}:
            sentences.append(_trivial_sentence(runs, findings))
        flat = _flat_sentence(runs, findings)
        if flat:
            sentences.append(flat)
        fraction = _trivial_fraction(findings)
        if fraction is not None and (fraction >= 0.9 or fraction <= 0.01):
            sentences.append(
                f"A data set that is {format_percent(fraction)} foreground is the "
                "problem, not the models: check the masks with `unetdiag audit-data`.")
    if not sentences:
        worst = sorted((f for f in findings if f.severity is not Severity.INFO),
                       key=lambda f: -f.severity.rank)
        if worst:
            sentences.append(worst[0].title + ".")
        else:
            count = len(runs)
            return (f"Nothing in {'this run' if count == 1 else f'these {count} runs'} looks "
                    "saturated, non-finite or out of range.")
    outliers = _first(findings, STEP_TIME_OUTLIER)
    for outlier in outliers:
        evidence = outlier.evidence
        if outlier.title + "." not in sentences:
            sentences.append(f"{evidence['run']} also ran {evidence['ratio']:.1f}x slower per "
                             f"step ({evidence['step_seconds']:g} s vs "
                             f"{_median(evidence['other_runs_step_seconds'].values()):g} s).")
    return " ".join(sentences)


def _median(values: Iterable[float]) -> float:
    return float(np.median(list(values)))


def _trivial_fraction(findings: Sequence[Finding]) -> float | None:
    for finding in findings:
        if finding.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR):
            fraction = finding.evidence["foreground_fraction"]
            return fraction if math.isfinite(fraction) else None
    return None
