"""The words of ``log.weights_restored`` (:func:`~.restored.restored_evidence`): its finding,
and the headline's sentence drawn from it.

>>> from unetdiag.diag.logs.model import RunLog
>>> run = RunLog("run 1", [{"loss": 3.0}, {"loss": 2.0}, {"loss": 2.5}], [None] * 3, "",
...              restored_epoch=2)
>>> restored_sentences([restored_finding(run, ())], 1)[:78]
" EarlyStopping restored epoch 2's weights (loss 2.0000), not those of the last"
"""

from __future__ import annotations

from collections.abc import Sequence

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
