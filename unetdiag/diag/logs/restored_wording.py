"""The words of ``log.weights_restored`` (:func:`~.restored.restored_evidence`): its finding,
and the headline's sentence drawn from it; the headline's sentence drawn from
``saturation.best_epoch_above_last`` (which weights a run ends with, either way).

>>> from unetdiag.diag.logs.model import RunLog
>>> run = RunLog("run 1", [{"loss": 3.0}, {"loss": 2.0}, {"loss": 2.5}], [None] * 3, "",
...              restored_epoch=2)
>>> restored_sentences([restored_finding(run, ())], 1)[:78]
" EarlyStopping restored epoch 2's weights (loss 2.0000), not those of the last"
"""

from __future__ import annotations

from collections.abc import Sequence

from unetdiag.diag.checks.saturation.ids import BEST_EPOCH_ABOVE_LAST
from unetdiag.diag.checks.saturation.wording_best_epoch import best_epoch_numbers, checkpoint_fix
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.logs.after_headline import with_id
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.restored import WEIGHTS_RESTORED, restored_evidence

#: What a user does with a run whose weights were restored: nothing wrong, only which.
_FIX = ("Nothing to fix: evaluate or save the model knowing which epoch's weights it holds "
        "(the runs table's \"values at\" cell).")


def _losses(losses: dict[str, float]) -> str:
    """ "loss 33.2164, val_loss 0.4100" """
    return ", ".join(f"{name} {value:.4f}" for name, value in losses.items())


def _sentence(evidence: dict, where: str) -> str:
    """The sentence (without its leading space) saying one run's restore."""
    restored, last = evidence["restored_epoch"], evidence["last_epoch"]
    kind = evidence["kind"]
    if kind == "went_on":
        which = f"epoch {restored}'s" if restored else "its best epoch's"
        return (f"EarlyStopping restored {which} weights{where} after epoch "
                f"{evidence['restored_after']}; training went on to epoch {last}, whose values "
                "the runs table shows.")
    if kind == "unnamed":
        # older Keras: "Restoring model weights from the end of the best epoch."
        return (f"EarlyStopping restored its best epoch's weights{where} without naming the "
                f"epoch: the runs table shows the last epoch logged, {last}, which the model "
                "the run ends with may not be.")
    if kind == "not_in_log":
        # an excerpt ("...") without the epoch it restored
        return (f"EarlyStopping restored epoch {restored}'s weights{where}, an epoch the log "
                f"does not show: the model the run ends with is not that of the last epoch "
                f"logged, {last}, whose values the runs table shows.")
    best, final = _losses(evidence["losses_at_restored"]), _losses(evidence["losses_at_last"])
    return (f"EarlyStopping restored epoch {restored}'s weights{where}"
            + (f" ({best})" if best else "")
            + f", not those of the last epoch logged, {last}"
            + (f" ({final})" if final else "")
            + f": the model the run ends with is epoch {restored}'s, and the runs table shows "
            "its values.")


def restored_finding(run: RunLog, files: Sequence[str]) -> Finding | None:
    """The info finding on the weights EarlyStopping restored in ``run``, or None."""
    evidence = restored_evidence(run)
    if evidence is None:
        return None
    restored = evidence["restored_epoch"]
    which = f"epoch {restored}'s" if restored else "its best epoch's"
    return Finding(
        id=WEIGHTS_RESTORED, severity=Severity.INFO,
        title=f"{run.name}: EarlyStopping restored {which} weights (last epoch logged: "
              f"{evidence['last_epoch']})",
        explanation=_sentence(evidence, ""), fix=_FIX, evidence=evidence,
        files=tuple(files), source=f"log:{run.name}")


def restored_sentences(findings: Sequence[Finding], runs: int) -> str:
    """The headline's sentence for each ``log.weights_restored`` finding, naming its run
    among ``runs`` (their number) when there are several."""
    return "".join(
        " " + _sentence(item.evidence, f" in {item.evidence['run']}" if runs > 1 else "")
        for item in with_id(findings, WEIGHTS_RESTORED))


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
