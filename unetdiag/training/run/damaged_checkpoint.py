"""A resumed variant that did not finish and whose epoch checkpoint is damaged (a weights file
cut short by a full disk or an interrupted copy, a checkpoint.json not whole).

The policy is the one for a variant without a checkpoint: it trains again from its first
epoch. Nothing is deleted: the damaged checkpoint folder, with the history of the part that
wrote it (history.json, history.csv and the TensorBoard events, whose epochs the new training
would number again from 1 beside them), is moved to ``VARIANT/checkpoint-damaged/``
(``-2``, ``-3``... when taken), a warning says so on standard error before training, and
the report holds the finding ``train.damaged_checkpoint`` naming the file and what is wrong
with it. A finished variant's damaged checkpoint is not this module's: extending it is
refused (:func:`~unetdiag.training.run.resume.check_extendable`), keeping it reads no
checkpoint.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.checkpoint import CHECKPOINT_DIRNAME, DamagedCheckpoint, read_checkpoint
from unetdiag.training.run.folder import variant_finished
from unetdiag.training.run.history import HISTORY_CSV_FILENAME, HISTORY_FILENAME
from unetdiag.training.run.tensorboard import TENSORBOARD_DIRNAME

#: Where a damaged checkpoint is moved, inside its variant's folder.
DAMAGED_DIRNAME = "checkpoint-damaged"
FINDING_ID = "train.damaged_checkpoint"


def set_aside_damaged_checkpoints(run_dir: Path, variants: Sequence[str]) -> list[Finding]:
    """For each of ``variants`` in ``run_dir`` that did not finish and has a damaged epoch
    checkpoint: move it aside (module docstring), say so on standard error, and return its
    finding; the variant then has no checkpoint and trains from its first epoch.

    Raises:
        UserError: (``OUTPUT_ERROR``) the damaged checkpoint cannot be moved, naming it.
    """
    findings = []
    for name in variants:
        variant_dir = run_dir / name
        if variant_finished(variant_dir):
            continue
        try:
            read_checkpoint(variant_dir)
        except DamagedCheckpoint as damaged:
            kept = _set_aside(variant_dir)
            print(f"unetdiag: warning: {name}'s epoch checkpoint is damaged: "
                  f"{damaged.path.name} ({damaged.why}); {name} starts again from its first "
                  f"epoch (the damaged checkpoint and that part's history moved to {kept})",
                  file=sys.stderr)
            findings.append(_damaged_finding(name, damaged, kept))
    return findings


def _set_aside(variant_dir: Path) -> Path:
    """Move the checkpoint folder, and the history written beside it by the same part of the
    run (its files and TensorBoard folder), into a new ``checkpoint-damaged`` folder of
    ``variant_dir``; return it."""
    names = (DAMAGED_DIRNAME if n == 1 else f"{DAMAGED_DIRNAME}-{n}" for n in itertools.count(1))
    kept = next(variant_dir / name for name in names if not os.path.lexists(variant_dir / name))
    try:
        (variant_dir / CHECKPOINT_DIRNAME).rename(kept)
        for name in (HISTORY_FILENAME, HISTORY_CSV_FILENAME, TENSORBOARD_DIRNAME):
            if os.path.lexists(variant_dir / name):
                (variant_dir / name).rename(kept / name)
    except OSError as error:
        raise UserError(f"cannot set aside the damaged checkpoint "
                        f"{variant_dir / CHECKPOINT_DIRNAME} as {kept}: "
                        f"{error.strerror or error}", ExitCode.OUTPUT_ERROR) from None
    return kept


def _damaged_finding(name: str, damaged: DamagedCheckpoint, kept: Path) -> Finding:
    return Finding(
        id=FINDING_ID, severity=Severity.WARNING,
        title=f"{name}'s epoch checkpoint is damaged: {name} starts again from epoch 1",
        explanation=(f"Its {damaged.path.name} is damaged ({damaged.why}; now "
                     f"{kept / damaged.path.name}), so the resume cannot go on "
                     f"from the epoch the earlier part of the run reached. {name} starts again "
                     "from epoch 1, as a variant without a checkpoint does: its history, model "
                     "and scores are of that training only. The damaged checkpoint and the "
                     "history of the earlier part (its history files and TensorBoard events) "
                     f"were moved to {kept}, not deleted."),
        fix=f"Nothing for this run's numbers. Delete {kept} once you no longer need it.",
        evidence={"variant": name, "file": str(kept / damaged.path.name), "why": damaged.why,
                  "moved_to": str(kept)},
        files=(str(kept / damaged.path.name),), source=f"train:{name}")
