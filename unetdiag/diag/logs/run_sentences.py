"""Headline sentences about how a run's numbers came to be, rather than what they show: an
epoch whose figures cover part of its steps, runs that agree in every metric they share, and
a fit that starts where the one before it ended.

>>> from unetdiag.diag.logs.model import CutShort, RunLog
>>> run = RunLog("run 1", [{"loss": 1.02}], [None], "",
...              cut_short=CutShort(0, None, 808, 1000, "log ends"))
>>> cut_short_sentences([run])[:62]
' The log ends inside its only epoch, which has no header, at s'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from unetdiag.diag.checks.saturation.ids import IDENTICAL_ACROSS_RUNS
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.notes import STILL_VALIDATING, before_last_step
from unetdiag.diag.wording.text import join_names


def _epoch_words(run: RunLog) -> str:
    cut = run.cut_short
    if cut.epoch is not None:
        return f"epoch {cut.epoch}"
    if len(run.epochs) == 1:
        return "its only epoch, which has no header,"
    return "its last epoch, which has no header,"


def cut_short_sentences(runs: Sequence[RunLog]) -> str:
    """ " The log ends inside epoch 3 at step 12 of 100: ..." for each run whose last epoch's
    figures are running means over part of its steps (the run was interrupted, or the paste
    or the input stopped there): what the runs table shows for it is not an epoch's result."""
    sentences = []
    for run in runs:
        cut = run.cut_short
        if cut is None or cut.position != len(run.epochs) - 1:
            continue
        where = f"In {run.name}, " if len(runs) > 1 else ""
        step = f"step {cut.step}" + (f" of {cut.steps}" if cut.steps else "")
        epoch = _epoch_words(run)
        if cut.cause == "input ran out":
            closing = f"{cut.steps}/{cut.steps}" if cut.steps else "as a whole epoch's"
            # Keras draws the bar only every so often: the last drawing need not be the last
            # step trained, though a closing line repeating its values says little else
            said = (f"{where}the input ran out in {epoch} after {step} was drawn: that "
                    "epoch's figures repeat the values drawn there, consistent with means over "
                    f"{cut.step} steps, though its closing line reads {closing}")
        elif cut.cause == "no closing line":
            said = (f"{where}{epoch} ended without its closing line: its figures are the "
                    f"running means up to {step}, the last drawn, not the epoch's results")
        elif cut.cause == "terminated":
            # named by its message: the callback's name holds 'NaN', which an infinite loss
            # is not
            said = (f"{where}the run was stopped inside {epoch} at {step} by the callback "
                    "that ends training on a non-finite loss ('Invalid loss, terminating "
                    "training'): its figures are running means over the steps so far, not the "
                    "epoch's results")
        elif before_last_step(cut.step, cut.steps):
            said = (f"{where}the log ends inside {epoch} at {step}: its figures are running "
                    f"means over {cut.step} steps, not the epoch's results. "
                    f"{STILL_VALIDATING[0].upper()}{STILL_VALIDATING[1:]}"
                    ", as well as a run interrupted or a paste that stops there")
        else:
            said = (f"{where}the log ends inside {epoch} at {step}: its figures are running "
                    "means over the steps so far, not the epoch's results (the run was "
                    "interrupted, or the paste stops there)")
        sentences.append(" " + said[0].upper() + said[1:] + ".")
    return "".join(sentences)


def replica_sentence(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str:
    """ " Both runs agree in every metric they share ..." when the identical-runs finding says
    every metric they share agrees: consistent with one training repeated (a fixed seed with
    deterministic operations), or with a change that never reached the training."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for item in findings:
        if item.id == IDENTICAL_ACROSS_RUNS and item.evidence.get("replicas"):
            groups.setdefault(tuple(item.evidence["runs"]), []).append(
                item.evidence["common_epochs"])
    sentences = []
    for group, epochs in groups.items():
        who = (("Both runs" if len(group) == 2 else f"The {len(group)} runs")
                if len(group) == len(runs) else join_names(list(group)))
        sentences.append(f" {who} agree in every metric they share at their {min(epochs)} "
                         "common epochs: consistent with one training repeated (a fixed seed "
                         "with deterministic operations), or with a change meant to tell them "
                         "apart that never reached the training.")
    return "".join(sentences)


def continued_fit_sentences(runs: Sequence[RunLog]) -> str:
    """ " Run 2 starts where run 1 ended ..." for a run whose counter starts again at epoch 1
    with a training loss below every loss of the run before it, and within about one epoch's
    fall of its last: consistent with fit() called again on the same model, which keeps its
    weights (keras#13872: 1.9116 after 1.9138, falling 0.002 an epoch). A model built anew
    would start at its own first losses, above what the first fit reached."""
    sentences = []
    for before, after in pairwise(runs):
        previous = [value for value in (epoch.get("loss") for epoch in before.epochs)
                    if value is not None and math.isfinite(value)]
        first = after.epochs[0].get("loss") if after.epochs else None
        if (after.appended_fit or len(previous) < 3 or first is None
                or not math.isfinite(first) or after.epoch_numbers[:1] != [1]
                or not previous[-1] < previous[0]):
            continue
        fall = float(np.median(np.abs(np.diff(previous[-6:]))))
        if not (fall > 0 and first < min(previous) and previous[-1] - first <= 2 * fall):
            continue
        sentences.append(
            f" {after.name[0].upper()}{after.name[1:]} starts where {before.name} ended: its "
            f"first loss, {first:.4f}, is below every loss {before.name} logged and about one "
            f"epoch's fall ({fall:.4f}) under its last, {previous[-1]:.4f}; consistent with "
            "fit() called again on the same model, which keeps its weights, not a model "
            "built anew, whose first epochs would sit above what the first fit reached.")
    return "".join(sentences)
