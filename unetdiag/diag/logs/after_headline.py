"""The sentences said after the explain-log headline's rules (:mod:`unetdiag.diag.logs.headline`):
runs slower per step, a validation score still rising, a Dice below 0.5 in both phases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from unetdiag.diag.checks.saturation.ids import DICE_BELOW_HALF, STEP_TIME_OUTLIER, STILL_IMPROVING
from unetdiag.diag.checks.saturation.metrics import is_validation, metric_kind
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.model import RunLog, epoch_number
from unetdiag.diag.logs.run_sentences import STOPPERS
from unetdiag.diag.wording.text import join_names

#: Overlap scores that follow the probabilities where an accuracy counts thresholded pixels.
_OVERLAP_KINDS = ("dice", "iou")


def with_id(findings: Iterable[Finding], finding_id: str) -> list[Finding]:
    """The findings of one id, in order."""
    return [finding for finding in findings if finding.id == finding_id]


def slower_runs(findings: Sequence[Finding], said: str) -> list[str]:
    """ "X also ran 11.5x slower per step (23 s vs 2 s)." for each slow run not yet named by
    its own title."""
    sentences = []
    for outlier in with_id(findings, STEP_TIME_OUTLIER):
        evidence = outlier.evidence
        if outlier.title.rstrip(".") + "." != said:
            others = float(np.median(list(evidence["other_runs_step_seconds"].values())))
            sentences.append(f"{evidence['run']} also ran {evidence['ratio']:.1f}x slower per "
                             f"step ({evidence['step_seconds']:g} s vs {others:g} s).")
    return sentences


#: Validation Dice names a still-rising sentence names first (a run also logs IoU, a seed Dice).
PRIMARY_DICE_NAMES = ("val_dice", "val_dice_coef")


def still_rising(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str:
    """ " Its val_dice was still rising at the last epoch (...): train longer." or ""."""
    rising = []
    for item in with_id(findings, STILL_IMPROVING):
        metrics = item.evidence["metrics"]
        # the Dice the run reports first when it is among the rising ones
        name = next((n for n in metrics if n in PRIMARY_DICE_NAMES), next(iter(metrics)))
        data = metrics[name]
        rising.append((item.evidence["run"], name,
                       f"{data['last']:.4f}, up {data['gain']:.4f} over the last "
                       f"{data['over_epochs']} epochs"))
    if not rising:
        return ""
    if len(runs) == 1:
        _run, name, numbers = rising[0]
        [run] = runs
        last = epoch_number(run, len(run.epochs) - 1) if run.epochs else 0
        if run.epochs_announced and last < run.epochs_announced and run.ended_by:
            # a traceback may follow a fit a silent EarlyStopping ended: the log cannot say
            held = STOPPERS.get(run.ended_by)
            ended = (f"with {held[0]} after it, consistent with {held[1]} that stopped "
                     "training there" if held else f"before {run.ended_by} ended the run")
            return (f" Its {name} was still rising at epoch {last} ({numbers}), the last epoch "
                    f"read, {ended}, short of the {run.epochs_announced} epochs its header "
                    "announces.")
        if run.epochs_announced and last < run.epochs_announced and run.ignored_after:
            # a deleter's, often printed at exit: the run may have ended before the log did
            return (f" Its {name} was still rising at epoch {last} ({numbers}), the last in "
                    f"the log of the {run.epochs_announced} its header announces; after it "
                    "the log holds an exception Python reports as ignored ('Exception ignored "
                    "in', which ends no run), and does not say whether training stopped there.")
        if run.epochs_announced and last < run.epochs_announced:
            # the log stops before fit() was done: the rest of the run may level off
            return (f" Its {name} was still rising at epoch {last} ({numbers}), the last in "
                    f"the log of the {run.epochs_announced} its header announces: the log "
                    "ends before the run did.")
        return f" Its {name} was still rising at the last epoch ({numbers}): train longer."
    # a run its log holds short of the epochs its header announces was not trained too
    # briefly: it stopped (or its log does) before its last epoch
    by_name = {run.name: run for run in runs}
    short = [(by_name[run], name, numbers) for run, name, numbers in rising
             if run in by_name and _short_of_header(by_name[run])]
    rising = [item for item in rising if item[0] not in {run.name for run, *_ in short}]
    said = "".join(
        f" {name} was still rising in {run.name} at epoch {_last_epoch(run)} ({numbers}), the "
        f"last epoch read, short of the {run.epochs_announced} epochs its header announces."
        for run, name, numbers in short)
    if not rising:
        return said
    names = {name for _run, name, _numbers in rising}
    if len(names) == 1:
        where = join_names([f"{run} ({numbers})" for run, _name, numbers in rising])
        return (f" {names.pop()} was still rising at the last epoch in {where}: train longer."
                + said)
    # each run names its own metric: a score rising in one run may have peaked in another
    where = join_names([f"{run} ({name} {numbers})" for run, name, numbers in rising])
    return (f" Validation scores were still rising at the last epoch in {where}: train longer."
            + said)


def _last_epoch(run: RunLog) -> int:
    """The number of the run's last epoch read (0 when it has none)."""
    return epoch_number(run, len(run.epochs) - 1) if run.epochs else 0


def _short_of_header(run: RunLog) -> bool:
    """Whether the run's last epoch read comes before the last its header announces."""
    return bool(run.epochs_announced) and _last_epoch(run) < run.epochs_announced


def dice_below_half(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str:
    """ " The Dice never reached 0.5 (dice_coef at most ..., val_dice_coef at most ...): ..."
    or "": said after a headline that found nothing else."""
    sentences = []
    for item in with_id(findings, DICE_BELOW_HALF):
        metrics = item.evidence["metrics"]
        names = sorted(metrics, key=is_validation)
        where = f" in {item.evidence['run']}" if len(runs) > 1 else ""
        best = join_names([f"{name} at most {metrics[name]['best']:.4f}" for name in names])
        sentences.append(f" The Dice never reached {item.evidence['ceiling']:g}{where}, in "
                         f"training or validation ({best}): the training batches score low "
                         "too, so overfitting alone does not explain it; consistent with a "
                         "model that has "
                         "not learnt to find the foreground, or with a Dice averaged so "
                         "that it stays low.")
    return "".join(sentences)


def score_moved(run: RunLog, spread: float) -> str:
    """ "val_dice_coef rose from 0.8100 to 0.8500": the first validation Dice or IoU of the
    run whose finite values span more than ``spread``, or ""."""
    for name in run.metrics():
        if not (is_validation(name) and metric_kind(name) in _OVERLAP_KINDS):
            continue
        values = [v for v in run.series(name).tolist() if np.isfinite(v)]
        if len(values) < 2 or max(values) - min(values) <= spread:
            continue
        low, high = min(values), max(values)
        if (values[0], values[-1]) in ((low, high), (high, low)):
            way = "rose" if values[-1] == high else "fell"
            return f"{name} {way} from {values[0]:.4f} to {values[-1]:.4f}"
        return f"{name} moved between {low:.4f} and {high:.4f}"
    return ""
