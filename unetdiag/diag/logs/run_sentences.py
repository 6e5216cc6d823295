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
from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.checkpoint import INTERRUPTED, RAISED
from unetdiag.diag.logs.model import CutShort, RunLog, epoch_number
from unetdiag.diag.logs.notes import STILL_VALIDATING, before_last_step
from unetdiag.diag.wording.text import join_names, plural


def _epoch_words(run: RunLog) -> str:
    cut = run.cut_short
    if cut.epoch is not None:
        return f"epoch {cut.epoch}"
    if len(run.epochs) == 1:
        return "its only epoch, which has no header,"
    return "its last epoch, which has no header,"


def _validates(run: RunLog, cut: CutShort) -> bool:
    """The run logs a val_ metric at an epoch other than the cut one, or has no other."""
    others = [epoch for position, epoch in enumerate(run.epochs) if position != cut.position]
    return not others or any(name.startswith("val_") for epoch in others for name in epoch)


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
        step = (f"{'sample' if cut.batch else 'step'} {cut.step}"
                + (f" of {cut.steps}" if cut.steps else ""))
        epoch = _epoch_words(run)
        if cut.cause == "input ran out":
            closing = f"{cut.steps}/{cut.steps}" if cut.steps else "as a whole epoch's"
            # Keras draws the bar only every so often: the last drawing need not be the last
            # step trained, though a closing line repeating its values says little else
            said = (f"{where}the input ran out in {epoch} after {step} was drawn: that "
                    "epoch's figures repeat the values drawn there, consistent with means over "
                    f"{plural(cut.step, 'step')}, though its closing line reads {closing}")
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
        elif before_last_step(cut.step, cut.steps, cut.batch) and _validates(run, cut):
            said = (f"{where}the log ends inside {epoch} at {step}: its figures are running "
                    f"means over {plural(cut.step, 'sample' if cut.batch else 'step')}, not the "
                    "epoch's results. "
                    f"{STILL_VALIDATING[0].upper()}{STILL_VALIDATING[1:]}"
                    ", as well as a run interrupted or a paste that stops there")
        else:
            said = (f"{where}the log ends inside {epoch} at {step}: its figures are running "
                    "means over the steps so far, not the epoch's results (the run was "
                    # still running too: tf.keras 2.x and Keras 3 skip drawings within
                    # 0.05 s of the last, so a run validating may have drawn an earlier step
                    "interrupted or is still running, or the paste stops there)")
        sentences.append(" " + said[0].upper() + said[1:] + ".")
    return "".join(sentences)


def ran_out_sentences(runs: Sequence[RunLog]) -> str:
    """ " TensorFlow warned that the input ran out of data in epoch 2/10 before ...": the
    warning interrupts training, so the epoch before is the last with figures, though the
    header announced more."""
    sentences = []
    for run in runs:
        if run.ran_out_epoch and run.epochs:
            where = f"In {run.name}, " if len(runs) > 1 else ""
            sentences.append(
                f" {where}TensorFlow warned that the input ran out of data in "
                f"{run.ran_out_epoch} before the log shows any value of it, and it says it "
                "interrupts training there: epoch "
                f"{epoch_number(run, len(run.epochs) - 1)} is the last the log has figures "
                "for.")
    return "".join(sentences)


#: An accuracy at or above this beside a loss of 0 is no contradiction worth a sentence.
_ZERO_LOSS_ACCURACY_CEILING = 0.99


def _scored_batches(run: RunLog, at: int, loss: str) -> bool:
    """Whether a phase's loss and accuracy, both 0 at epoch ``at``, come from batches scored:
    the log counts the epoch's training steps (``30/30``) and the training loss there is 0
    as well. A validation phase beside a positive training loss may have scored no batch
    (validation_not_scored's case, whose values Keras prints as 0); a one-unit softmax makes
    both phases' categorical cross-entropy 0, and its binary accuracy is 0 where no label is 1."""
    steps = run.steps_per_epoch[at] if at < len(run.steps_per_epoch) else None
    return bool(steps) and (loss == "loss" or run.epochs[at].get("loss") == 0.0)


def _steps_shown(run: RunLog, positions: set[int]) -> str:
    """The step counts the log shows at those epochs (0-based), ``30`` or ``30-32``."""
    steps = sorted({run.steps_per_epoch[at] for at in positions})
    return str(steps[0]) if len(steps) == 1 else f"{steps[0]}-{steps[-1]}"


def zero_loss_sentences(runs: Sequence[RunLog]) -> str:
    """ " A loss printed 0.0000e+00 (exactly 0) beside an accuracy below 1: loss at epochs 2-6
    (acc 0.0987). If the loss is binary cross-entropy, ..." for a loss printed ``0.0000e+00``
    (exactly 0: Keras prints values below 1e-3 in e-notation) at epochs whose accuracy of the
    same phase is in (0, 0.99), or 0 in a phase whose batches were scored
    (:func:`_scored_batches`). A binary cross-entropy, or a categorical one over two or more
    units, is 0 only for hard labels and exact predictions, which score an accuracy of 1;
    categorical cross-entropy over a softmax of one unit is 0 for any labels (that softmax is
    1; TensorFlow's Keras computes the loss from the unit's logit, an exact 0), while binary
    cross-entropy and MSE of such a unit are not 0. Keras counts ``accuracy`` of one unit as
    binary, the share labelled 1; a ``categorical_accuracy`` of one unit is 1 whatever the
    labels, so the one-unit cause is named only beside an ``acc`` or ``accuracy``. An MSE of
    soft labels is 0 beside any accuracy, hence the condition."""
    sentences = []
    for run in runs:
        if run.zeros_printed != "0.0000e+00":
            continue
        parts, binary_accuracy, scored = [], False, set()
        for loss in ("loss", "val_loss"):
            prefix = "val_" if loss.startswith("val_") else ""
            accuracy = next((name for name in run.metrics() if name.startswith(prefix) and (
                name[len(prefix):] in ("acc", "accuracy", "categorical_accuracy",
                                       "sparse_categorical_accuracy"))), None)
            if accuracy is None:
                continue
            pairs = [(epoch_number(run, at), epoch[accuracy]) for at, epoch in
                     enumerate(run.epochs) if epoch.get(loss) == 0.0 and math.isfinite(
                         epoch.get(accuracy, math.nan))
                     and (0 < epoch[accuracy] < _ZERO_LOSS_ACCURACY_CEILING
                          or epoch[accuracy] == 0 and _scored_batches(run, at, loss))]
            if pairs:
                binary_accuracy |= accuracy[len(prefix):] in ("acc", "accuracy")
                scored |= {at for at, epoch in enumerate(run.epochs)
                           if epoch.get(loss) == 0.0 and epoch.get(accuracy) == 0
                           and _scored_batches(run, at, loss)}
                epochs = [number for number, _ in pairs]
                parts.append(f"{loss} at epoch{'s' if len(epochs) > 1 else ''} "
                             f"{epoch_span(epochs)} ({accuracy} {pairs[-1][1]:.4f})")
        if parts:
            where = f" in {run.name}" if len(runs) > 1 else ""
            sentences.append(
                f" A loss printed 0.0000e+00 (exactly 0) beside an accuracy below 1{where}: "
                f"{join_names(parts)}. If the loss is binary cross-entropy, or categorical "
                "cross-entropy over two or more output units, a 0 needs hard labels and every "
                "prediction exact, which scores an accuracy of 1; a 0 beside a lower accuracy "
                "is consistent with a loss that underflows (as in float16)"
                + (", or with categorical cross-entropy over a softmax of a single output "
                   "unit (Dense(1) or Conv2D(1, ...) with activation='softmax'): that softmax "
                   "is 1 everywhere, so the loss is 0 whatever the labels (binary "
                   "cross-entropy and MSE of such a unit are not 0), and an accuracy of one "
                   "unit, which Keras counts as binary, is the share of samples (or pixels) "
                   "labelled 1" + (
                       " (an accuracy of 0: no label exactly 1, the rounded prediction, as "
                       "with labels all 0, masks that decode empty, or a foreground stored "
                       "as 255; training batches were scored, the log counting "
                       f"{_steps_shown(run, scored)} steps in each of those epochs)"
                       if scored else "")
                   if binary_accuracy else "")
                + "; an MSE against soft labels can be 0 beside any accuracy.")
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


#: How far apart two fits' per-step times, and run 2's next fall and run 1's last falls, may
#: be and still be read as one model trained on: a factor of 1.5 in time (another model or
#: batch size runs at another speed: 186 against 245 ms/step), 5 in fall (a Keras Tuner
#: trial that falls 50 times faster is a fresh model, not the last one trained on).
_STEP_TIME_FACTOR = 1.5
_FALL_FACTOR = 5.0
#: A loss within this share of ln k (k classes, 2 to 20) is a uniform prediction's: two fresh
#: models stuck there start "where the other ended" by construction.
_CHANCE_SHARE = 0.002


def _losses(run: RunLog) -> list[float]:
    return [value for value in (epoch.get("loss") for epoch in run.epochs)
            if value is not None and math.isfinite(value)]


def _step_time(run: RunLog) -> float | None:
    """The median per-step time after the first epoch (which carries the graph's build)."""
    times = [t for t in run.step_seconds[1:] if t is not None and t > 0]
    return float(np.median(times)) if times else None


def _same_speed(before: RunLog, after: RunLog) -> bool:
    first, second = _step_time(before), _step_time(after)
    if first is None or second is None:
        return True
    return max(first, second) / min(first, second) <= _STEP_TIME_FACTOR


def _at_chance(value: float) -> bool:
    return any(abs(value - math.log(k)) <= _CHANCE_SHARE * math.log(k) for k in range(2, 21))


def _tuner_trials(before: RunLog, after: RunLog) -> bool:
    return before.name.startswith("trial ") and after.name.startswith("trial ")


def continued_fit_sentences(runs: Sequence[RunLog]) -> str:
    """ " Run 2 starts where run 1 ended ..." for a run whose counter starts again at epoch 1
    with a training loss below every loss of the run before it, within about one epoch's fall
    of its last, whose next fall is of the order of run 1's last falls, at the same per-step
    time: consistent with the weights carried over (keras#13872: 1.9116 after 1.9138, falling
    0.002 an epoch before and after). Not said across Keras Tuner trials (a fresh model each,
    c14: trial 2 falls 50 times faster), across runs at another step time (another model,
    c2), nor of two runs at a uniform prediction's ln k (two fresh models stuck at ln 2, c1).
    A reading, never a proof: a fresh model can start low too."""
    sentences = []
    for before, after in pairwise(runs):
        previous, following = _losses(before), _losses(after)
        first = after.epochs[0].get("loss") if after.epochs else None
        if (after.appended_fit or len(previous) < 3 or len(following) < 2 or first is None
                or not math.isfinite(first) or after.epoch_numbers[:1] != [1]
                or not previous[-1] < previous[0] or _tuner_trials(before, after)
                or not _same_speed(before, after)
                or (_at_chance(previous[-1]) and _at_chance(first))):
            continue
        fall = float(np.median(np.abs(np.diff(previous[-6:]))))
        next_fall = following[0] - following[1]
        if not (fall > 0 and first < min(previous) and previous[-1] - first <= 2 * fall
                and fall / _FALL_FACTOR <= next_fall <= fall * _FALL_FACTOR):
            continue
        sentences.append(
            f" {after.name[0].upper()}{after.name[1:]} starts where {before.name} ended: its "
            f"first loss, {first:.4f}, is below every loss {before.name} logged, about one "
            f"epoch's fall ({fall:.4f}) under its last, {previous[-1]:.4f}, and falls on at "
            f"that pace ({next_fall:.4f}); consistent with the weights carried over (fit() "
            "called again on the same model, or a checkpoint loaded).")
    return "".join(sentences)


#: What ends fit() itself, as :func:`~unetdiag.diag.logs.checkpoint.training_ender` names it
#: (EarlyStopping, TerminateOnNaN and an input that ran out have sentences of their own): what
#: the log holds, and what it is consistent with.
STOPPERS = {RAISED: ("a traceback", "an exception"),
            INTERRUPTED: ("a KeyboardInterrupt", "an interrupt")}


def stopped_sentences(runs: Sequence[RunLog], named_already: bool = False) -> str:
    """ " The log holds a traceback after epoch 2, the last epoch read, 148 epochs short of the
    150 its header announces: consistent with an exception that stopped training there ..."
    for each run with a traceback or an interrupt after its last epoch read, short of the
    epochs its header announces (``named_already``: the headline named it); else "". The log
    cannot prove the exception ended fit(): a callback that stops training without a message
    (EarlyStopping's default) may have ended it before. Of a last epoch read from a drawing
    (:attr:`~unetdiag.diag.logs.model.RunLog.last_unfinished`), "during epoch 1 of the 150
    its header announces, before that epoch finished", its header's last epoch or not."""
    if named_already:
        return ""
    sentences = []
    for run in runs:
        if run.ended_by not in STOPPERS or not (run.epochs and run.epochs_announced):
            continue
        last = epoch_number(run, len(run.epochs) - 1)
        held, cause = STOPPERS[run.ended_by]
        where = f" in {run.name}" if len(runs) > 1 else ""
        if run.last_unfinished:
            # no EarlyStopping caveat: it stops training at an epoch's end, closing line printed
            sentences.append(
                f" The log holds {held}{where} during epoch {last} of the "
                f"{run.epochs_announced} its header announces, before that epoch finished "
                f"(its closing line is not in the log): consistent with {cause} that stopped "
                "training there.")
            continue
        if last >= run.epochs_announced:
            continue
        sentences.append(
            f" The log holds {held}{where} after epoch {last}, the last epoch read, "
            f"{plural(run.epochs_announced - last, 'epoch')} short of the "
            f"{run.epochs_announced} its header announces: consistent with {cause} that "
            "stopped training there, though a callback that stops it without a message "
            "(EarlyStopping's default) ends a run early too.")
    return "".join(sentences)
