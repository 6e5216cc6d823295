"""A resumed variant that did not finish and whose epoch checkpoint is damaged (a weights file
cut short by a full disk or an interrupted copy, bytes changed since it was written, a
checkpoint.json not whole).

The policy follows the order in which nnU-Net continues a training (checkpoint_latest, else
checkpoint_best): when only the last epoch's weights file is damaged and the best epoch's,
an earlier one, is intact (it holds that epoch's optimizer state too), the variant goes on
from its best epoch, its history cut back to that epoch, and the epochs after it are trained
again; when only the best epoch's is damaged, it goes on from its last epoch without a best
one (``model.keras`` then holds the last epoch unless a later one scores higher); otherwise
it trains again from its first epoch, as a variant without a checkpoint does. Nothing is
deleted: the damaged file, with the records of the part that wrote it where their epochs are
trained again (checkpoint.json, history.json, history.csv and the TensorBoard events, which
hold epochs the new training numbers again), is moved to ``VARIANT/checkpoint-damaged/``
(``-2``, ``-3``... when taken), a warning says so on standard error before training, and the
report holds the finding ``train.damaged_checkpoint`` naming the file, what is wrong with it
and the epoch the variant goes on from. A finished variant's damaged checkpoint is not this
module's: extending it is refused (:func:`~unetdiag.training.run.resume.check_extendable`),
keeping it reads no checkpoint.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_json
from unetdiag.training.run.checkpoint import (
    CHECKPOINT_DIRNAME,
    CHECKPOINT_STATE_FILENAME,
    DamagedCheckpoint,
    read_checkpoint,
)
from unetdiag.training.run.folder import variant_finished
from unetdiag.training.run.history import HISTORY_CSV_FILENAME, HISTORY_FILENAME, write_history
from unetdiag.training.run.tensorboard import TENSORBOARD_DIRNAME

#: Where a damaged checkpoint is moved, inside its variant's folder.
DAMAGED_DIRNAME = "checkpoint-damaged"
FINDING_ID = "train.damaged_checkpoint"
#: The records of the part of the run that wrote the checkpoint, moved with it.
_PART_RECORDS = (HISTORY_FILENAME, HISTORY_CSV_FILENAME, TENSORBOARD_DIRNAME)


def set_aside_damaged_checkpoints(run_dir: Path, variants: Sequence[str]) -> list[Finding]:
    """For each of ``variants`` in ``run_dir`` that did not finish and has a damaged epoch
    checkpoint: move it aside (module docstring), leaving the newest intact checkpoint it
    has, say so on standard error, and return its finding.

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
            kept = _set_aside(variant_dir, damaged)
            fallback = damaged.fallback
            that_file = "a copy of checkpoint.json" if damaged.missing else "that file"
            moved = f"{that_file} and that part's history"
            if fallback is None:
                goes_on = f"{name} starts again from its first epoch"
                moved = "the checkpoint and that part's history"
            elif lost := _epochs_lost(damaged):
                goes_on = (f"{name} goes on from its best epoch, {fallback.epochs_completed}, "
                           f"whose checkpoint is intact ({lost} {_are(lost)} trained again)")
            else:
                goes_on = (f"{name} goes on from epoch {fallback.epochs_completed}, whose "
                           "checkpoint is intact; its best epoch's weights are lost")
                moved = that_file
            print(f"unetdiag: warning: {name}'s epoch checkpoint {damaged.condition()}: "
                  f"{damaged.path.name} ({damaged.why}); {goes_on} ({moved} moved to {kept})",
                  file=sys.stderr)
            findings.append(_damaged_finding(name, damaged, kept))
    return findings


def _epochs_lost(damaged: DamagedCheckpoint) -> str:
    """The epochs the damaged checkpoint held after its fallback's, as words ("epochs 2-3";
    "" when the fallback is its last epoch, or it has none)."""
    if damaged.fallback is None or damaged.fallback.epochs_completed == damaged.epochs:
        return ""
    return _span(damaged.fallback.epochs_completed + 1, damaged.epochs)


def _files_set_aside(damaged: DamagedCheckpoint, *more: str) -> str:
    """What a fallback set aside, as the subject of "were moved to": the damaged file (none
    when it is missing), a copy of checkpoint.json, and ``more``."""
    items = [*([] if damaged.missing else ["that file"]),
             "a copy of the checkpoint.json that named it", *more]
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return listed[0].upper() + listed[1:]


def _span(first: int, last: int) -> str:
    """Epochs ``first`` to ``last`` in words: "epoch 1", "epochs 1-3"."""
    return f"epoch {first}" if first == last else f"epochs {first}-{last}"


def _are(span: str) -> str:
    return "is" if span.startswith("epoch ") else "are"


def _set_aside(variant_dir: Path, damaged: DamagedCheckpoint) -> Path:
    """Move the damaged checkpoint, and the history written beside it by the same part of the
    run (its files and TensorBoard folder), into a new ``checkpoint-damaged`` folder of
    ``variant_dir``; return it. With a fallback, only the damaged weights file and a copy of
    checkpoint.json go, checkpoint.json is rewritten as the fallback (replaced whole, so an
    interruption leaves either), and the history goes only with epochs lost (it is then
    rewritten cut back to the fallback's epoch)."""
    names = (DAMAGED_DIRNAME if n == 1 else f"{DAMAGED_DIRNAME}-{n}" for n in itertools.count(1))
    kept = next(variant_dir / name for name in names if not os.path.lexists(variant_dir / name))
    folder = variant_dir / CHECKPOINT_DIRNAME
    fallback = damaged.fallback
    try:
        if fallback is None:
            folder.rename(kept)
        else:
            kept.mkdir()
            shutil.copy2(folder / CHECKPOINT_STATE_FILENAME, kept / CHECKPOINT_STATE_FILENAME)
            if damaged.path.parent == folder and damaged.path.name != CHECKPOINT_STATE_FILENAME:
                damaged.path.rename(kept / damaged.path.name)
        if fallback is None or _epochs_lost(damaged):
            for name in _PART_RECORDS:
                if os.path.lexists(variant_dir / name):
                    (variant_dir / name).rename(kept / name)
        if fallback is not None:
            atomic_write_json(folder / CHECKPOINT_STATE_FILENAME, fallback.state())
        if fallback is not None and _epochs_lost(damaged):
            write_history(variant_dir, fallback.history)
    except OSError as error:
        raise UserError(f"cannot set aside the damaged checkpoint {folder} as {kept}: "
                        f"{error.strerror or error}", ExitCode.OUTPUT_ERROR) from None
    return kept


def _damaged_finding(name: str, damaged: DamagedCheckpoint, kept: Path) -> Finding:
    fallback = damaged.fallback
    moved = (f"{damaged.path.name} {damaged.condition()} ({damaged.why}; now "
             f"{kept / damaged.path.name})")
    if damaged.missing:  # checkpoint.json is whole: a file it names is not there
        moved = (f"weights file {damaged.missing}, which {damaged.path.name} names, is missing "
                 f"(the {damaged.path.name} that names it is now at "
                 f"{kept / damaged.path.name})")
    if fallback is None:
        resumed_from = 0
        title = (f"{name}'s epoch checkpoint {damaged.condition()}: {name} starts again "
                 "from epoch 1")
        goes_on = (f"so the resume cannot go on from the epoch the earlier part of the run "
                   f"reached. {name} starts again from epoch 1, as a variant without a "
                   "checkpoint does: its history, model and scores are of that training only. "
                   "The checkpoint and the history of the earlier part (its history "
                   "files and TensorBoard events)")
    elif lost := _epochs_lost(damaged):
        resumed_from = fallback.epochs_completed
        title = (f"{name}'s checkpoint of epoch {damaged.epochs} {damaged.condition()}: "
                 f"{name} goes on from its best epoch, {resumed_from}")
        goes_on = (f"so the resume cannot go on from epoch {damaged.epochs}, the last the earlier "
                   f"part of the run completed. Its checkpoint of epoch {resumed_from}, the best "
                   "epoch by validation Dice, is intact (weights and optimizer state), so "
                   f"{name} goes on from it: its history keeps {_span(1, resumed_from)}, and "
                   f"{lost}, whose weights are lost, {_are(lost)} trained again. "
                   + _files_set_aside(damaged, "the records of those epochs (the history "
                                      "files and TensorBoard events of the earlier part)"))
    else:
        resumed_from = fallback.epochs_completed
        title = (f"{name}'s best epoch's weights {damaged.condition(plural=True)}: {name} "
                 f"goes on from epoch {resumed_from}, its last, without them")
        goes_on = (f"so the weights of its best epoch so far by validation Dice are lost. Its "
                   f"checkpoint of epoch {resumed_from}, the last the earlier part of the run "
                   f"completed, is intact, so {name} goes on from it with its whole history; "
                   "unless a later epoch scores higher, model.keras will hold the last epoch, "
                   "not the best one the history names (summary.json's model_holds says which)."
                   " " + _files_set_aside(damaged))
    return Finding(
        id=FINDING_ID, severity=Severity.WARNING, title=title,
        explanation=f"Its {moved}, {goes_on} were moved to {kept}, not deleted.",
        fix=f"Nothing for this run's numbers. Delete {kept} once you no longer need it.",
        evidence={"variant": name, "file": str(kept / damaged.path.name), "why": damaged.why,
                  "moved_to": str(kept), "resumed_from_epoch": resumed_from,
                  "damaged_checkpoint_epochs": damaged.epochs},
        files=(str(kept / damaged.path.name),), source=f"train:{name}")
