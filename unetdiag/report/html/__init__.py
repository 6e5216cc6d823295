"""The HTML report: one self-contained page (pictures embedded, no network, no script) built
from the same :class:`~unetdiag.diag.core.findings.Report` as the console and JSON views.

:func:`build_html` adds to the shared parts (headline, grouped findings, summary tables,
context) what the command's own files show:

- ``train``: per variant, the curves against the trivial baselines with the epochs its
  findings speak of, the prediction overlays and the per-image validation Dice, read from the
  run directory (:mod:`unetdiag.report.runfiles` states what it reads);
- ``audit-data``: the mask values' shares and thumbnails of the flagged files;
- ``explain-log``: each run's parsed curves with the fingerprint lines.

>>> from unetdiag.diag.core.findings import Report
>>> page = build_html(Report(title="demo", command="audit-data"))
>>> page.startswith("<!DOCTYPE html>"), "<script" in page
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Report
from unetdiag.diag.logs.model import RunLog
from unetdiag.report.html.audit import thumbnail_section, value_section
from unetdiag.report.html.explain import explain_sections
from unetdiag.report.html.findings import (
    context_section,
    findings_section,
    heading,
    summary_section,
)
from unetdiag.report.html.page import document
from unetdiag.report.html.train import train_sections

#: Summary tables each command's own sections already show.
SHOWN_ELSEWHERE = {"train": ("variants",)}


def build_html(report: Report, *, run_dir: Path | str | None = None,
               runs: Sequence[RunLog] | None = None) -> str:
    """The report as one HTML page.

    Args:
        report: what to show.
        run_dir: for a ``train`` report, the run directory holding the variant folders
            (default: the report's ``meta["run_dir"]``).
        runs: for an ``explain-log`` report, the runs as parsed (default: the log named in
            ``meta["file"]`` is parsed again).
    """
    parts = [heading(report)]
    if report.command == "train":
        if run_dir is None and isinstance(report.meta.get("run_dir"), str):
            run_dir = report.meta["run_dir"]
        parts += train_sections(report, Path(run_dir) if run_dir is not None else None)
    elif report.command == "audit-data":
        parts += [value_section(report), thumbnail_section(report)]
    elif report.command == "explain-log":
        parts += explain_sections(report, runs)
    parts.append(findings_section(report))
    parts.append(summary_section(report, skip=SHOWN_ELSEWHERE.get(report.command, ())))
    parts.append(context_section(report))
    return document(report.title or report.command, [part for part in parts if part])
