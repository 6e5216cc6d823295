"""The runs of an explain-log report in the HTML report: each run's parsed curves with the
fingerprint lines its findings name (an all-ones predictor's accuracy = f and Dice 2f/(1+f),
a metric's constant-predictor baseline) and the epochs its findings speak of.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from unetdiag.diag.checks.saturation import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    METRIC_AT_BASELINE,
    metric_kind,
)
from unetdiag.diag.core.findings import Finding, Report
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError
from unetdiag.report.html.curves import ReferenceLine, curves_block, findings_about
from unetdiag.report.html.page import note, section

#: The predictor fingerprints and what each one's accuracy is, given the fraction f.
PREDICTOR_ACCURACY = {ALL_ONES_PREDICTOR: ("all-ones", "f", lambda f: f),
                      ALL_ZEROS_PREDICTOR: ("all-zeros", "1 - f", lambda f: 1.0 - f)}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _predictor_lines(finding: Finding) -> list[ReferenceLine]:
    """An all-ones/all-zeros fingerprint: per phase, the accuracy and Dice (and IoU) such a
    predictor scores at that phase's foreground fraction f."""
    name, accuracy_words, accuracy_of = PREDICTOR_ACCURACY[finding.id]
    phases = finding.evidence.get("phases")
    lines = []
    for phase, numbers in (phases.items() if isinstance(phases, Mapping) else ()):
        fraction = _number(numbers.get("foreground_fraction")) if isinstance(
            numbers, Mapping) else None
        if fraction is None:
            continue
        where = "val" if phase == "validation" else phase
        lines.append(ReferenceLine("accuracy", accuracy_of(fraction),
                                   f"{name} ({where}): accuracy = {accuracy_words} = "
                                   f"{accuracy_of(fraction):.4g}"))
        for kind, key, formula_key in (("dice", "expected_dice", "dice_formula"),
                                       ("iou", "expected_iou", "iou_formula")):
            value = _number(numbers.get(key))
            if value is not None:
                formula = numbers.get(formula_key)
                words = f"{formula} = " if isinstance(formula, str) else ""
                lines.append(ReferenceLine(kind, value,
                                           f"{name} ({where}): {kind} {words}{value:.4g}"))
    return lines


def _baseline_lines(finding: Finding) -> list[ReferenceLine]:
    """A metric at a constant predictor's score: that score, on the metric's panel."""
    metrics = finding.evidence.get("metrics")
    lines = []
    for metric, numbers in (metrics.items() if isinstance(metrics, Mapping) else ()):
        value = _number(numbers.get("baseline")) if isinstance(numbers, Mapping) else None
        if value is not None:
            predictor = str(numbers.get("predictor") or "constant predictor")
            predictor = predictor.replace("_", "-")
            lines.append(ReferenceLine(metric_kind(metric), value,
                                       f"{predictor} score of {metric}: {value:.4g}"))
    return lines


def fingerprint_lines(findings: Iterable[Finding]) -> list[ReferenceLine]:
    """The reference lines the findings of one run name, each once."""
    lines: dict[tuple[str, str], ReferenceLine] = {}
    for finding in findings:
        if finding.id in PREDICTOR_ACCURACY:
            found = _predictor_lines(finding)
        elif finding.id == METRIC_AT_BASELINE:
            found = _baseline_lines(finding)
        else:
            continue
        for line in found:
            lines.setdefault((line.kind, f"{line.value:.4g}"), line)
    return list(lines.values())


def _run_section(report: Report, run: RunLog) -> str:
    findings = findings_about(report.findings, {run.name, f"log:{run.name}"})
    parts = [note(run.source)] if run.source else []
    parts.append(curves_block(run.history(), fingerprint_lines(findings), findings,
                              f"curves of {run.name}"))
    return section(f"Run {run.name}", parts, f"run-{run.name}")


def explain_sections(report: Report, runs: Sequence[RunLog] | None) -> list[str]:
    """A section per run: ``runs`` as parsed, else the log named in the report read again."""
    if runs is None:
        log_file = report.meta.get("file")
        if not isinstance(log_file, str):
            return [note("The report names no log file, so its curves are not shown.")]
        try:
            runs = parse_log(Path(log_file))
        except UserError as error:
            return [note(f"The curves are not shown: {error}")]
    return [_run_section(report, run) for run in runs]
