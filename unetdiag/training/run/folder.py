"""The run folder: a new directory per run, the records written into it when it starts
(``config.json``, ``data.json``), and when a variant in it counts as finished."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_json, refuse_unusable_out
from unetdiag.training.run.history import HISTORY_FILENAME

#: Run directory name when config.run_name is not given.
RUN_NAME_TIME_FORMAT = "%Y%m%d-%H%M%S"
#: Numbered suffixes tried (name-2, name-3, ...) before giving up on a free run directory name.
MAX_RUN_DIR_ATTEMPTS = 100
#: The TrainConfig of the run (reloads with TrainConfig.from_dict) and its data record.
CONFIG_FILENAME = "config.json"
DATA_FILENAME = "data.json"
#: A variant's saved model (its best epoch); with its history file it means the variant ended.
MODEL_FILENAME = "model.keras"
#: A variant's last epoch (run/models.py).
LAST_MODEL_FILENAME = "last.keras"


def create_run_dir(out_dir: Path, run_name: str | None, now: datetime | None = None) -> Path:
    """Create and return a new, empty run directory; never reuse an existing one.

    ``out_dir / run_name`` (default: a timestamp); if that exists, ``name-2``, ``name-3``...
    """
    base = run_name or (now or datetime.now()).strftime(RUN_NAME_TIME_FORMAT)
    if Path(base).name != base or base in (".", ".."):
        raise UserError(f"run name {base!r} must be a plain folder name (no path separators)",
                        ExitCode.USAGE)
    refuse_unusable_out(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, MAX_RUN_DIR_ATTEMPTS + 1):
            candidate = out_dir / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                candidate.mkdir()
            except FileExistsError:
                continue
            return candidate
    except OSError as error:
        raise UserError(f"cannot create a run directory in {out_dir}: {error.strerror or error}",
                        ExitCode.OUTPUT_ERROR) from None
    raise UserError(f"no free run directory name {base!r} .. {base}-{MAX_RUN_DIR_ATTEMPTS} in "
                    f"{out_dir}; pass another --run-name", ExitCode.OUTPUT_ERROR)


def write_run_records(run_dir: Path, config: TrainConfig, data_record: dict[str, Any]) -> None:
    """``config.json`` and ``data.json`` (:func:`~unetdiag.training.run.split.data_record`)."""
    write_run_config(run_dir, config)
    atomic_write_json(run_dir / DATA_FILENAME, data_record)


def write_run_config(run_dir: Path, config: TrainConfig) -> None:
    """``config.json``: the run's config as a later resume reloads it (``resume`` unset)."""
    atomic_write_json(run_dir / CONFIG_FILENAME, replace(config, resume=None).to_dict())


def variant_finished(variant_dir: Path) -> bool:
    """True when the variant's model and history were both written (what a resume skips)."""
    return (variant_dir / MODEL_FILENAME).is_file() and (variant_dir / HISTORY_FILENAME).is_file()
