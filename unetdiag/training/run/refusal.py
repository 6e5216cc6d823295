"""A new run refused before its first variant began (a file the trainer cannot decode, masks
of 16 bits read as one value...): its folder already holds config.json and data.json, so it
gets the report of the refusal too (outcome ``refused``, as the refusal of masks that all
decode empty writes it), never a half-folder that does not say why. A resumed run's folder is
left as it was: its report.json is the earlier part's, which a later resume reads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unetdiag.config import TrainConfig
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.exitcodes import UserError
from unetdiag.report import write_report_files

FINDING_ID = "train.refused"


def reported_refusal(config: TrainConfig, run_dir: Path, meta: dict[str, Any],
                     findings: Sequence[Finding], error: UserError) -> UserError:
    """Write the report of ``error`` into ``run_dir`` and return the error to raise: its
    message with the report's place (or why the report was not written), the same status,
    the report attached."""
    message = str(error)
    refusal = Finding(
        FINDING_ID, Severity.ERROR, f"Training refused before it began: {message}",
        "No variant was trained: the run stopped before its first one began (the trainer "
        "reads every file once before training). This folder holds the run's config.json and "
        "data.json (the split it would have trained on) and this report.",
        f"Mend what the title names, then unetdiag train --resume {run_dir} trains in this "
        "folder (while the image and mask files keep their names; start a new run "
        "otherwise). audit-data names every file it cannot read at once.",
        {"error": message}, source="train")
    report = Report(title=f"unetdiag train {config.images}", command="train",
                    findings=[*findings, refusal], headline=refusal.title, meta=meta,
                    outcome="refused")
    try:
        write_report_files(report, run_dir)
    except UserError as unwritten:  # a full disk: the refusal's cause must not be lost to it
        return UserError(f"{message} (its report was not written: {unwritten})", error.code,
                         report=report)
    return UserError(f"{message} (report: {run_dir / 'report.txt'})", error.code, report=report)
