"""What EarlyStopping(restore_best_weights=True) left in a run: the epoch whose weights the
model ends with, when the log's restore message names it (Keras 2.6+ and 3:
"Restoring model weights from the end of the best epoch: 6."). The runs table shows that
epoch's values, with a "values at" cell; a finding (:data:`WEIGHTS_RESTORED`, its words in
:mod:`.restored_wording`) and the headline name it beside the last epoch's.
Without such a message, a validation Dice or IoU whose best logged epoch scored well above
the last is named (``saturation.best_epoch_above_last``, its headline sentence in
:mod:`.restored_wording`): the last epoch's weights are not the best.

>>> from unetdiag.diag.logs.model import RunLog
>>> run = RunLog("run 1", [{"loss": 3.0}, {"loss": 2.0}, {"loss": 2.5}], [None] * 3, "",
...              restored_epoch=2)
>>> restored_cell(run), restored_evidence(run)["losses_at_restored"]
('epoch 2 (weights restored; last 3)', {'loss': 2.0})
"""

from __future__ import annotations

from unetdiag.diag.logs.model import RunLog, epoch_number, restored_position


def restored_cell(run: RunLog) -> str | None:
    """The runs table's "values at" cell: the restored epoch (whose values the row shows), or
    the last epoch when the message names none; None without a restore message."""
    position = restored_position(run)
    last = epoch_number(run, len(run.epochs) - 1)
    if run.restored_after and run.restored_epoch is not None:
        return (f"epoch {last} (last; trained on after restoring epoch "
                f"{run.restored_epoch or 'best'} at epoch {run.restored_after})")
    if position is not None:
        return f"epoch {run.restored_epoch} (weights restored; last {last})"
    if run.restored_epoch == 0:
        return f"epoch {last} (last; the restored best epoch is not named)"
    if run.restored_epoch is not None:
        return f"epoch {last} (last logged; restored epoch {run.restored_epoch} is not in the log)"
    return None


#: Id of the info finding on the weights EarlyStopping restored (the model a run ends with).
WEIGHTS_RESTORED = "log.weights_restored"


def _losses_at(run: RunLog, position: int) -> dict[str, float]:
    """The losses the log holds at one epoch (0-based): ``loss``, ``val_loss``."""
    values = run.epochs[position]
    return {name: values[name] for name in ("loss", "val_loss") if name in values}


def restored_evidence(run: RunLog) -> dict | None:
    """What the log's restore message says of the weights the run ends with, or None (no
    message, or the restored epoch is the last logged). ``kind``: ``"went_on"``
    (fit(initial_epoch=...) trained on from them after ``restored_after``), ``"unnamed"``
    (older Keras names no epoch), ``"not_in_log"`` (an excerpt without that epoch) or
    ``"earlier"`` (an epoch before the last, its losses and the last's beside it)."""
    position = restored_position(run)
    last = len(run.epochs) - 1
    evidence = {"run": run.name, "restored_epoch": run.restored_epoch,
                "last_epoch": epoch_number(run, last)}
    if run.restored_after and run.restored_epoch is not None:
        return {**evidence, "kind": "went_on", "restored_after": run.restored_after}
    if run.restored_epoch == 0:
        return {**evidence, "kind": "unnamed"}
    if position is None and run.restored_epoch:
        return {**evidence, "kind": "not_in_log"}
    if position is None or position == last:
        return None
    return {**evidence, "kind": "earlier", "losses_at_restored": _losses_at(run, position),
            "losses_at_last": _losses_at(run, last)}
