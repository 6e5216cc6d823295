"""``unetdiag train --resume RUN_DIR [--epochs N]``: the run's saved config (with the few
options a resume may change), the check that its data did not change, and what the earlier
part of the run left (:class:`PreviousRun`)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from unetdiag.config import TrainConfig
from unetdiag.diag.core.findings import Finding, Report
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.checkpoint import (
    CHECKPOINT_DIRNAME,
    CHECKPOINT_STATE_FILENAME,
    DamagedCheckpoint,
    read_checkpoint,
)
from unetdiag.training.run.folder import (
    CONFIG_FILENAME,
    DATA_FILENAME,
    MODEL_FILENAME,
    variant_finished,
)
from unetdiag.training.run.history import HISTORY_FILENAME
from unetdiag.training.run.summary import (
    STOPPED_STATUSES,
    SUMMARY_FILENAME,
    VariantResult,
    history_fields,
)

#: The report file of the earlier part of the run, whose findings a finished variant keeps.
REPORT_FILENAME = "report.json"


#: The fields a resume may change: how the run goes on, not what it trains.
RESUME_CHANGES = ("epochs", "on_guard", "fail_on")


def resumed_config(run_dir: Path, quiet: bool = False,
                   changes: Mapping[str, Any] | None = None) -> TrainConfig:
    """The :class:`TrainConfig` saved in ``run_dir/config.json``, set to resume ``run_dir``,
    with ``changes`` (fields of :data:`RESUME_CHANGES`) applied.

    Raises:
        UserError: (``INPUT_ERROR``) ``run_dir`` is missing or holds no config.json written by
            ``unetdiag train``, a finished variant's history.json cannot be read, or a
            finished variant that ``config.epochs`` extends has no usable epoch checkpoint
            (:func:`check_extendable`): all before anything is written; (``USAGE``)
            ``changes`` names another field, or asks for fewer epochs than a variant of the
            run has already completed.
    """
    run_dir = Path(run_dir)
    config_path = run_dir / CONFIG_FILENAME
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"cannot resume {run_dir}: it is a file, not a run folder; give the "
                        "folder unetdiag train made (it holds config.json)")
    if not run_dir.is_dir():
        raise UserError(f"cannot resume {run_dir}: no such folder")
    if not config_path.is_file() and (run_dir.parent / CONFIG_FILENAME).is_file():
        raise UserError(f"cannot resume {run_dir}: it is a folder inside the run "
                        f"{run_dir.parent}; give --resume {run_dir.parent}")
    if not config_path.is_file():
        raise UserError(f"cannot resume {run_dir}: it has no config.json, so it is not a "
                        "unetdiag train run directory")
    try:
        config = TrainConfig.from_dict(json.loads(config_path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UserError(f"cannot resume {run_dir}: {config_path} is not a unetdiag train "
                        f"config ({type(error).__name__}: {error})") from None
    config.resume, config.quiet = run_dir, quiet
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(RESUME_CHANGES))
    if unknown:
        raise UserError(f"a resume cannot change {', '.join(unknown)}: {config_path} fixes what "
                        f"the run trains; only {', '.join(RESUME_CHANGES)} can change",
                        ExitCode.USAGE)
    config = replace(config, **changes)
    completed = {name: _epochs_completed(run_dir / name) for name in config.variants}
    longest = max(completed.values(), default=0)
    if config.epochs < longest:
        name = max(completed, key=completed.__getitem__)
        raise UserError(f"cannot resume {run_dir} with --epochs {config.epochs}: {name} has "
                        f"already completed {longest} epochs; give --epochs {longest} or more",
                        ExitCode.USAGE)
    rows = previous_run(run_dir).rows
    for name, epochs in completed.items():  # checked before config.json takes the new epochs
        if (epochs < config.epochs and variant_finished(run_dir / name)
                and rows.get(name, {}).get("status") not in STOPPED_STATUSES):
            check_extendable(run_dir / name)
    return config


def _epochs_completed(variant_dir: Path) -> int:
    if variant_finished(variant_dir):  # its history is what the resumed report keeps
        return len(finished_history(variant_dir).get("loss", []))
    try:  # an unfinished variant goes on from its checkpoint's history, not this file's
        history = json.loads((variant_dir / HISTORY_FILENAME).read_text())
        return len(history.get("loss", []))
    except (OSError, ValueError, AttributeError):
        return 0


def finished_history(variant_dir: Path) -> dict[str, list[float]]:
    """The history a finished variant left in its history.json.

    Raises:
        UserError: (``INPUT_ERROR``) the file is not a history (not JSON, not a mapping from
            metric names to lists of numbers), naming it.
    """
    path = variant_dir / HISTORY_FILENAME
    try:
        return {str(key): [float(value) for value in values]
                for key, values in json.loads(path.read_text()).items()}
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise UserError(f"cannot resume {variant_dir.parent}: {variant_dir.name} finished, but "
                        f"its history {path} cannot be read ({type(error).__name__}: {error}); "
                        "restore the file from a copy, or start a new run") from None


def check_extendable(variant_dir: Path) -> None:
    """A finished variant trains on from its epoch checkpoint; one without (a run from before
    unetdiag kept it) or with a damaged one cannot.

    Raises:
        UserError: (``INPUT_ERROR``) the variant has no epoch checkpoint, or a damaged one
            (naming the file and what is wrong with it).
    """
    where = f"cannot extend {variant_dir.name} in {variant_dir.parent}"
    try:
        checkpoint = read_checkpoint(variant_dir)
    except DamagedCheckpoint as damaged:
        raise UserError(f"{where}: its epoch checkpoint {damaged.condition()}: {damaged.path} "
                        f"({damaged.why}); start a new run with more --epochs") from None
    if checkpoint is None:
        raise UserError(f"{where}: it has no epoch checkpoint "
                        f"({variant_dir / CHECKPOINT_DIRNAME / CHECKPOINT_STATE_FILENAME}) to go "
                        "on from; start a new run with more --epochs")


def check_same_split(run_dir: Path, data_record: dict[str, Any]) -> None:
    """A resume must train on the split the run started with. Without a readable
    ``data.json`` to compare with, a warning says the split is not checked, and the resume
    goes on: the split is made again from config.json's seed, the same split while the files
    are the same (as nnU-Net makes a new split when its splits_final.json is missing).

    Raises:
        UserError: (``INPUT_ERROR``) the training or validation stems differ from
            ``data.json``'s.
    """
    path = run_dir / DATA_FILENAME
    try:
        started = json.loads(path.read_text())
    except FileNotFoundError:
        started, why = None, "is missing"
    except (OSError, ValueError) as error:
        started, why = None, f"cannot be read ({type(error).__name__}: {error})"
    else:
        why = "holds no train and val file lists"
    if not (isinstance(started, dict) and all(
            isinstance(started.get(side), list) for side in ("train", "val"))):
        print(f"unetdiag: warning: {path} {why}, so the split cannot be checked against the "
              "one the run started with; it is made again from config.json's seed, the same "
              "split when the image and mask files are unchanged", file=sys.stderr)
        return
    for side in ("train", "val"):
        if started[side] != data_record[side]:
            raise UserError(f"cannot resume {run_dir}: the {side} split of {data_record['images']}"
                            " differs from the one the run started with (files added, removed "
                            "or renamed); start a new run")


def recorded_size_choice(run_dir: Path, img_size: int) -> dict[str, Any] | None:
    """The side choice ``data.json`` recorded when the run started without ``--img-size``
    and chose ``img_size`` (None: the side was given, or the record is missing). A run whose
    ``data.json`` predates the record (no ``img_size_choice`` key, not a null one) has the
    choice in its first part's ``report.json`` (``meta.img_size_choice``, recorded since the
    side was first chosen): without it the resume took the side as given, and its report
    lost the choice the first part's stated."""
    data: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        data = json.loads((run_dir / DATA_FILENAME).read_text())
    if not isinstance(data, dict):
        return None
    choice = data.get("img_size_choice")
    if "img_size_choice" not in data:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            choice = json.loads((run_dir / REPORT_FILENAME).read_text())["meta"].get(
                "img_size_choice")
    if isinstance(choice, dict) and choice.get("img_size") == img_size:
        return choice
    return None


@dataclass
class PreviousRun:
    """What the earlier part of a resumed run left: its summary rows and report findings."""

    rows: dict[str, dict[str, Any]]
    findings: list[Finding]
    attempts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def result(self, run_dir: Path, name: str) -> VariantResult:
        """The finished variant ``name`` as the earlier part of the run recorded it."""
        row = self.rows.get(name, {})
        history = finished_history(run_dir / name)
        status = row.get("status") if row.get("status") in ("finished", *STOPPED_STATUSES) \
            else "finished"
        return VariantResult(
            name=name, status=status, stop_reason=row.get("stop_reason"),
            time_per_step_ms=row.get("time_per_step_ms"),
            images_per_second=row.get("images_per_second"), parameters=row.get("parameters"),
            seconds=row.get("seconds"), model_path=run_dir / name / MODEL_FILENAME,
            model_holds=row.get("model_holds"), model_epoch=row.get("model_epoch"),
            last_model_path=Path(row["last_model"]) if row.get("last_model") else None,
            learning_rate=row.get("learning_rate"), attempts=self.attempts.get(name, []),
            initial_output_bias=row.get("initial_output_bias"),
            findings=[f for f in self.findings if f.source == f"train:{name}"],
            **history_fields(history))

    def as_left(self, run_dir: Path, name: str) -> VariantResult:
        """Variant ``name`` as the earlier part left it, for the summary of a resume stopped
        before it trains that variant: a finished one as :meth:`result`; an interrupted one
        whose epoch checkpoint is whole as ``interrupted`` with the checkpoint's epochs (what
        the next resume goes on from), or with the epochs of the intact one where one of
        its two weights files is damaged (:class:`~.checkpoint.DamagedCheckpoint`'s
        ``fallback``, which the next resume goes on from); any other as ``not run`` (a
        damaged checkpoint is set aside and the variant trains from its first epoch)."""
        variant_dir = run_dir / name
        if variant_finished(variant_dir):
            return self.result(run_dir, name)
        try:
            checkpoint = read_checkpoint(variant_dir)
        except DamagedCheckpoint as damaged:
            checkpoint = damaged.fallback
        if checkpoint is None:
            return VariantResult(name=name, status="not run")
        row = self.rows.get(name, {})
        return VariantResult(
            name=name, status="interrupted", learning_rate=row.get("learning_rate"),
            initial_output_bias=row.get("initial_output_bias"),
            attempts=self.attempts.get(name, []),
            findings=[f for f in self.findings if f.source == f"train:{name}"],
            **history_fields(checkpoint.history))


def previous_run(run_dir: Path) -> PreviousRun:
    """The summary rows and report findings in ``run_dir`` (none, where unreadable)."""
    rows: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    attempts: dict[str, list[dict[str, Any]]] = {}
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        summary = json.loads((run_dir / SUMMARY_FILENAME).read_text())
        rows = {row["variant"]: row for row in summary["variants"]}
        attempts = dict(summary.get("attempts", {}))
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        findings = Report.from_dict(json.loads((run_dir / REPORT_FILENAME).read_text())).findings
    return PreviousRun(rows, findings, attempts)


def resume_description(run_dir: Path, changes: Mapping[str, Any], recorded: bool = True) -> str:
    """What a resume says it does, on the console and in the report's ``meta.resumed``;
    ``recorded``: whether config.json holds ``changes`` (False: the resume ended before the
    data's checks passed, and the next resume reads the options config.json holds)."""
    asked = ", ".join(f"{key} {value}" for key, value in changes.items())
    if not asked:
        return f"resuming {run_dir} with its config.json"
    if recorded:
        return f"resuming {run_dir} with its config.json, changed: {asked}"
    return (f"resuming {run_dir} with its config.json, which does not hold the changes asked "
            f"({asked}): the resume ended before the data's checks passed")


def options_as_recorded(meta: dict[str, Any], run_dir: Path, changes: Mapping[str, Any]
                        ) -> None:
    """Set ``meta``'s options that ``changes`` would have changed to the values
    ``run_dir/config.json`` holds, for the report and summary of a resume that ended before
    config.json took them: the run folder records one set of options, the one the next
    resume reads. ``meta.resumed`` names the changes asked (:func:`resume_description`)."""
    recorded = TrainConfig.from_dict(json.loads((run_dir / CONFIG_FILENAME).read_text()))
    for key in changes:
        if key in meta:
            meta[key] = getattr(recorded, key)
    meta["resumed"] = resume_description(run_dir, changes, recorded=False)
