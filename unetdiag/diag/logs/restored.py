"""What EarlyStopping(restore_best_weights=True) left in a run: the epoch whose weights the
model ends with, when the log's restore message names it (Keras 2.6+ and 3:
"Restoring model weights from the end of the best epoch: 6."). The runs table shows that
epoch's values, with a "values at" cell; the headline names it beside the last epoch's.
Without such a message, a validation Dice or IoU whose best logged epoch scored well above
the last is named (:func:`best_epoch_sentences`, from its finding): the last epoch's weights
are not the best.

>>> from unetdiag.diag.logs.model import RunLog
>>> run = RunLog("run 1", [{"loss": 3.0}, {"loss": 2.0}, {"loss": 2.5}], [None] * 3, "",
...              restored_epoch=2)
>>> restored_cell(run), restored_sentences([run])[:46]
('epoch 2 (weights restored; last 3)', " EarlyStopping restored epoch 2's weights (los")
"""

from __future__ import annotations

from collections.abc import Sequence

from unetdiag.diag.checks.saturation.ids import BEST_EPOCH_ABOVE_LAST
from unetdiag.diag.checks.saturation.wording_best_epoch import best_epoch_numbers, checkpoint_fix
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.after_headline import with_id
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


def _losses_at(run: RunLog, position: int) -> str:
    """ "loss 33.2164, val_loss 0.41" at one epoch (0-based), the losses the log holds there."""
    values = run.epochs[position]
    names = [name for name in ("loss", "val_loss") if name in values]
    return ", ".join(f"{name} {values[name]:.4f}" for name in names)


def restored_sentences(runs: Sequence[RunLog]) -> str:
    """ " EarlyStopping restored epoch 6's weights (loss 33.2164), not the last epoch's (8:
    loss 48.5781): the model the run ends with is epoch 6's." for each run whose log names the
    epoch it restored, when that is not its last."""
    sentences = []
    for run in runs:
        position = restored_position(run)
        last = len(run.epochs) - 1
        if run.restored_after and run.restored_epoch is not None:
            # fit(initial_epoch=...) went on from the restored weights
            which = (f"epoch {run.restored_epoch}'s" if run.restored_epoch
                     else "its best epoch's")
            sentences.append(
                f" EarlyStopping restored {which} weights"
                + (f" in {run.name}" if len(runs) > 1 else "")
                + f" after epoch {run.restored_after}; training went on to epoch "
                f"{epoch_number(run, last)}, whose values the runs table shows.")
            continue
        if run.restored_epoch == 0:
            # older Keras: "Restoring model weights from the end of the best epoch."
            sentences.append(
                " EarlyStopping restored its best epoch's weights"
                + (f" in {run.name}" if len(runs) > 1 else "")
                + " without naming the epoch: the runs table shows the last epoch logged, "
                f"{epoch_number(run, last)}, which the model the run ends with may not be.")
            continue
        if position is None and run.restored_epoch:
            # an excerpt ("...") without the epoch it restored
            sentences.append(
                f" EarlyStopping restored epoch {run.restored_epoch}'s weights"
                + (f" in {run.name}" if len(runs) > 1 else "")
                + f", an epoch the log does not show: the model the run ends with is not "
                f"that of the last epoch logged, {epoch_number(run, last)}, whose values the "
                "runs table shows.")
            continue
        if position is None or position == last:
            continue
        where = f" in {run.name}" if len(runs) > 1 else ""
        best, final = _losses_at(run, position), _losses_at(run, last)
        sentences.append(
            f" EarlyStopping restored epoch {run.restored_epoch}'s weights{where}"
            + (f" ({best})" if best else "")
            + f", not those of the last epoch logged, {epoch_number(run, last)}"
            + (f" ({final})" if final else "")
            + f": the model the run ends with is epoch {run.restored_epoch}'s, and the runs "
            "table shows its values.")
    return "".join(sentences)


def best_epoch_sentences(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str:
    """ " val_dice_coef was best at epoch 7 (0.7984), 0.0864 above the last epoch logged (50:
    0.7120; ...): ..." for each metric of each ``saturation.best_epoch_above_last`` finding
    (:mod:`unetdiag.diag.checks.saturation.best_epoch` says when)."""
    sentences = []
    for item in with_id(findings, BEST_EPOCH_ABOVE_LAST):
        where = f" in {item.evidence['run']}" if len(runs) > 1 else ""
        for name, data in item.evidence["metrics"].items():
            sentences.append(
                f" {name} was best at epoch {best_epoch_numbers(data)}{where}: the last logged "
                "epoch's weights score below the best logged ones on this validation set; "
                f"{checkpoint_fix(name)}.")
    return "".join(sentences)
