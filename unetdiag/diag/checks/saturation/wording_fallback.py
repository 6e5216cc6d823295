"""The sentences of :class:`~.fallback.ScoreFellBack`."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.fallback import ScoreFellBack
from unetdiag.diag.checks.saturation.words import finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent


def _course(name: str, data: dict) -> str:
    low, high = f"{data['tail_low']:.4f}", f"{data['tail_high']:.4f}"
    return (f"{name} rose from {data['first']:.4f} at epoch {data['first_epoch']} to "
            f"{data['best']:.4f} at epoch {data['best_epoch']}, then fell back to "
            f"{low if low == high else f'{low}-{high}'} over epochs {data['tail_from']}-"
            f"{data['last_epoch']} ({percent(data['given_back'])} of the gain lost by epoch "
            f"{data['last_epoch']})")


def score_fell_back_finding(claim: ScoreFellBack) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    courses = [_course(n, d) for n, d in claim.metrics.items()]
    losses = "".join(f"; {n} {d['last']:.4f} at epoch {d['last_epoch']}, against "
                     f"{d['first']:.4f} at epoch {d['first_epoch']}"
                     for n, d in claim.losses.items())
    also = ("; the validation scores did the same: "
            + join_names([f"{n} {d['best']:.4f} at epoch {d['best_epoch']}, {d['last']:.4f} "
                          f"at epoch {d['last_epoch']}" for n, d in claim.validation.items()])
            if claim.validation else "")
    resumed = [d["resumed_at"] for d in claim.metrics.values() if "resumed_at" in d]
    raised = [d["learning_rate"] for d in claim.metrics.values() if "learning_rate" in d]
    return finding(
        ids.SCORE_FELL_BACK, claim,
        title=(f"{claim.run}: {name} fell back to {data['last']:.4f} "
               f"(best {data['best']:.4f} at epoch {data['best_epoch']})"),
        explanation=(
            "; ".join(courses) + losses + also
            + ". A training score is measured on the batches the model learns from: giving "
            "back what it gained says the model lost ground on them, which overfitting "
            "does not do; "
            + (_resumed(resumed[0]) if resumed else _raised(raised[0]) if raised else "")
            + ("consistent with a step size too large for this stage of training, a "
               "destructive update (an exploding gradient), or batches that changed (a "
               "generator or augmentation that changed what it yields)." if not resumed
               else "")),
        fix=(("If training was resumed, load the weights it had reached (model.load_weights "
              "on the last checkpoint) before fit(initial_epoch=...); if the second fit() "
              "fine-tunes, give it a lower learning rate. " if resumed else "")
             + ("A schedule that raises the rate (warm restarts, a warm-up) gives ground back "
                "after each raise: lower its peak, or judge the run at the end of a cycle. "
                if raised and not resumed else "")
             + "Lower the learning rate or clip the gradients, and keep the best checkpoint "
             "(ModelCheckpoint(save_best_only=True) on a validation score, or "
             "EarlyStopping(restore_best_weights=True))."))


def _resumed(resume: dict) -> str:
    epoch, after = resume["epoch"], resume["after"]
    if after in ("a KeyboardInterrupt", "an exception (a traceback follows in the log)"):
        return (f"the log shows a traceback or a KeyboardInterrupt before epoch {epoch}, after "
                "which training went on: a fall from there is consistent with a resume from "
                "weights other than those the run had reached (fit(initial_epoch=...) numbers "
                "the epochs and loads no weights; a model built afresh starts over), as well "
                "as with the training itself losing ground (a step size too large, a "
                "destructive update, batches that changed).")
    return (f"the log shows training ended before epoch {epoch} ({after}) and went on in "
            "another fit() call: a fall from there is consistent with what changed between "
            "the calls (layers unfrozen for fine-tuning, a recompiled optimiser or learning "
            "rate, other data, weights restored or rebuilt), as well as with the training "
            "itself losing ground (a step size too large, a destructive update, batches that "
            "changed).")


def _raised(rate: dict) -> str:
    return (f"the learning rate the log shows rose from {rate['at_best']:.3g} at the best epoch "
            f"to {rate['raised']:.3g} at epoch {rate['raised_epoch']} (a schedule's warm "
            "restart or warm-up does this), before the fall: ")
