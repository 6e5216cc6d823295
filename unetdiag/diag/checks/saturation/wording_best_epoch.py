"""The sentences of :class:`~.best_epoch.BestEpochAboveLast`."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.best_epoch import BestEpochAboveLast
from unetdiag.diag.checks.saturation.words import finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import capitalised


def best_epoch_numbers(data: dict) -> str:
    """ "7 (0.7984), 0.0864 above the last epoch logged (50: 0.7120; it moves about 0.0096
    between epochs)": one metric's evidence, as the finding and the headline say it."""
    return (f"{data['best_epoch']} ({data['best']:.4f}), {data['below']:.4f} above the last "
            f"epoch logged ({data['last_epoch']}: {data['last']:.4f}; it moves about "
            f"{data['swing']:.4f} between epochs)")


def checkpoint_fix(name: str) -> str:
    """The Keras callback that keeps a validation score's best epoch's weights."""
    return (f"ModelCheckpoint(monitor='{name}', mode='max', save_best_only=True) keeps the "
            "best epoch's weights")


def best_epoch_finding(claim: BestEpochAboveLast) -> Finding:
    names = list(claim.metrics)
    name, data = names[0], claim.metrics[names[0]]
    return finding(
        ids.BEST_EPOCH_ABOVE_LAST, claim,
        title=(f"{claim.run}: {name} was best at epoch {data['best_epoch']} "
               f"({data['best']:.4f}), {data['below']:.4f} above the last epoch logged"),
        explanation=(
            "; ".join(f"{n} was best at epoch {best_epoch_numbers(d)}"
                      for n, d in claim.metrics.items())
            + ". Unless a callback keeps other weights, a run ends with its last epoch's, "
            "which score below the best logged ones on this validation set (the best and "
            "the last are of the epochs the log shows)."),
        fix=capitalised("; ".join(checkpoint_fix(n) for n in names)) + ".")
