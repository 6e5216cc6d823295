"""``unetdiag train --resume RUN_DIR``: the run's saved config, the check that its data did not
change, and what the earlier part of the run left (:class:`PreviousRun`)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unetdiag.config import TrainConfig
from unetdiag.diag.core.findings import Finding, Report
from unetdiag.exitcodes import UserError
from unetdiag.training.run.folder import CONFIG_FILENAME, DATA_FILENAME, MODEL_FILENAME
from unetdiag.training.run.history import HISTORY_FILENAME
from unetdiag.training.run.summary import (
    STOPPED_STATUSES,
    SUMMARY_FILENAME,
    VariantResult,
    history_fields,
)

#: The report file of the earlier part of the run, whose findings a finished variant keeps.
REPORT_FILENAME = "report.json"


def resumed_config(run_dir: Path, quiet: bool = False) -> TrainConfig:
    """The :class:`TrainConfig` saved in ``run_dir/config.json``, set to resume ``run_dir``.

    Raises:
        UserError: (``INPUT_ERROR``) ``run_dir`` is missing or holds no config.json written by
            ``unetdiag train``.
    """
    run_dir = Path(run_dir)
    config_path = run_dir / CONFIG_FILENAME
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


def check_same_split(run_dir: Path, data_record: dict[str, Any]) -> None:
    """A resume must train on the split the run started with.

    Raises:
        UserError: (``INPUT_ERROR``) the training or validation stems differ from
            ``data.json``'s.
    """
    try:
        started = json.loads((run_dir / DATA_FILENAME).read_text())
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
        return VariantResult(
            name=name, status=status, stop_reason=row.get("stop_reason"),
            time_per_step_ms=row.get("time_per_step_ms"),
            images_per_second=row.get("images_per_second"), parameters=row.get("parameters"),
            seconds=row.get("seconds"), model_path=run_dir / name / MODEL_FILENAME,
            findings=[f for f in self.findings if f.source == f"train:{name}"],
            **history_fields(history))


def previous_run(run_dir: Path) -> PreviousRun:
    """The summary rows and report findings in ``run_dir`` (none, where unreadable)."""
    rows: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        summary = json.loads((run_dir / SUMMARY_FILENAME).read_text())
        rows = {row["variant"]: row for row in summary["variants"]}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        findings = Report.from_dict(json.loads((run_dir / REPORT_FILENAME).read_text())).findings
    return PreviousRun(rows, findings)
