"""ModelCheckpoint's (and EarlyStopping's) verdicts in a console log: ``Epoch 00030:
val_loss did not improve from 3.22992`` after an epoch's closing line. Several in a row at
the end of a run say, in the callback's own words, that the monitored value has not beaten
its best for those epochs, a best the log may not show (ssd_keras#344: 26-30 of 120, best
3.22992 reached before the excerpt). And what the log says ended a run before its header's
last epoch (:func:`training_ender`): a callback's message, TensorFlow's warning, an
interrupt or a traceback.

>>> lines = [f"Epoch {n:05d}: val_loss did not improve from 3.22992" for n in (28, 29, 30)]
>>> checkpoint_stall(lines, [28, 29, 30])
{'metric': 'val_loss', 'best': 3.22992, 'printed': '3.22992', 'epochs': [28, 29, 30]}
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from unetdiag.diag.checks.saturation.metrics import metric_kind
from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.notes import RAN_OUT_OF_DATA, TERMINATE_ON_NAN

#: The best as ``%0.5f`` prints it: ``3.22992``; ``inf`` and ``-inf``, the starting value of a
#: callback that minimises or maximises, until an epoch gives it a number to compare.
_VERDICT_RE = re.compile(r"^\s*Epoch (\d+): (\w+) (did not improve|improved) from "
                         r"([-+]?(?:inf|nan|\d+(?:\.\d*)?(?:e[-+]?\d+)?))", re.IGNORECASE)
#: EarlyStopping's message as training ends, naming the last epoch run (Keras 2 and 3).
EARLY_STOP_RE = re.compile(r"^Epoch (\d+): early stopping", re.IGNORECASE)
#: What can end training before its last epoch, in the order said when several show.
_ENDERS = ("EarlyStopping", "TerminateOnNaN", "TensorFlow's 'input ran out of data'",
           "a KeyboardInterrupt", "an exception (a traceback follows in the log)")
#: Verdicts in a row, at the end of a run, before a sentence says so.
MIN_STALLED_EPOCHS = 3
#: How far a printed value may lie from the best the callback prints and be that best: the
#: callback prints it to 5 decimals, the progress bar to 4, so one value prints 0.22995 and
#: 0.2300, 5e-5 apart (a little more, for the float error of the difference).
SAME_VALUE = 5.01e-5
#: Scores higher is better for; a callback that counts a lower one as better minimises them.
_SCORE_KINDS = ("dice", "iou", "accuracy")


def checkpoint_stall(lines: Sequence[str], epochs: Sequence[int]) -> dict | None:
    """The monitored metric, its best and the epochs of the run (``epochs``: its numbers)
    whose verdicts, the last ones of the run, all say it did not improve on that best."""
    verdicts: dict[int, tuple[str, bool, str]] = {}
    for line in lines:
        found = _VERDICT_RE.match(line)
        if found:
            verdicts[int(found[1])] = (found[2], found[3].lower() == "improved", found[4])
    stalled: list[int] = []
    for epoch in reversed(epochs):
        verdict = verdicts.get(epoch)
        if verdict is None or verdict[1] or (stalled and verdict[::2] != verdicts[stalled[0]][::2]):
            break
        stalled.insert(0, epoch)
    if len(stalled) < MIN_STALLED_EPOCHS:
        return None
    metric, _, best = verdicts[stalled[0]]
    return {"metric": metric, "best": float(best), "printed": best, "epochs": stalled}


def training_ender(lines: Sequence[str]) -> str:
    """What ended training in ``lines``, those after a run's last closing line: its
    EarlyStopping or TerminateOnNaN message, TensorFlow's "input ran out of data" warning (in
    training: a validation input that runs out warns before its epoch's closing line), a
    KeyboardInterrupt or another exception's traceback, else ""."""
    found = set()
    for line in lines:
        if EARLY_STOP_RE.match(line.strip()):
            found.add("EarlyStopping")
        elif TERMINATE_ON_NAN in line:
            found.add("TerminateOnNaN")
        elif RAN_OUT_OF_DATA in line:
            found.add("TensorFlow's 'input ran out of data'")
        elif "KeyboardInterrupt" in line:
            found.add("a KeyboardInterrupt")
        elif "Traceback (most recent call last)" in line:
            found.add("an exception (a traceback follows in the log)")
    # a callback's message first; an interrupt's traceback is no other exception
    return next((ender for ender in _ENDERS if ender in found), "")


def _direction(metric: str, best: float, values: Sequence[float]) -> str:
    """ "; the log prints val_dice above that best at each of those epochs, ..." when the
    values at the stalled epochs (``values``), all on the better side of the best, show the
    callback counting a score's fall (or a loss's rise) as an improvement, else ""."""
    if not values:
        return ""
    kind = metric_kind(metric)
    if kind in _SCORE_KINDS and all(value > best + SAME_VALUE for value in values):
        auto = "" if "acc" in metric else ", which Keras 2's 'auto' picks for a name without 'acc'"
        return (f"; the log prints {metric} above that best at each of those epochs, so the "
                f"callback counts a lower {metric} as better (mode 'min'{auto})")
    if kind == "loss" and all(value < best - SAME_VALUE for value in values):
        return (f"; the log prints {metric} below that best at each of those epochs, so the "
                f"callback counts a higher {metric} as better (mode 'max')")
    return ""


def checkpoint_sentences(runs: Sequence[RunLog]) -> str:
    """ " ModelCheckpoint says val_loss did not improve on 3.22992 at epochs 26-30 ..." for
    each run whose last epochs its checkpoint callback calls no improvement."""
    sentences = []
    for run in runs:
        stall = run.checkpoint_stall
        if stall is None:
            continue
        where = f"In {run.name}, " if len(runs) > 1 else ""
        series = run.series(stall["metric"]).tolist()
        values = [value for value in series if value == value]
        numbers = run.epoch_numbers or list(range(1, len(series) + 1))
        stalled = [value for number, value in zip(numbers, series, strict=False)
                   if number in stall["epochs"] and value == value]
        if math.isinf(stall["best"]):
            sentences.append(
                f" {where}ModelCheckpoint says {stall['metric']} did not improve from "
                f"{stall['printed']}, its starting value, at epoch"
                f"{'s' if len(stall['epochs']) > 1 else ''} {epoch_span(stall['epochs'])}, "
                f"the last {len(stall['epochs'])} logged: it got no {stall['metric']} it "
                f"could compare (NaN or {stall['printed']}) at any epoch up to epoch "
                f"{stall['epochs'][-1]}.")
            continue
        if stall["metric"] not in run.metrics():
            source = f" (the log prints no {stall['metric']} to compare)"
        elif any(abs(value - stall["best"]) <= SAME_VALUE for value in values):
            source = ""
        else:
            source = " (that best comes from an epoch the log does not show)"
        sentences.append(
            f" {where}ModelCheckpoint says {stall['metric']} did not improve on its best, "
            f"{stall['printed']}, at epoch{'s' if len(stall['epochs']) > 1 else ''} "
            f"{epoch_span(stall['epochs'])}, the last {len(stall['epochs'])} logged"
            + source + _direction(stall["metric"], stall["best"], stalled) + ".")
    return "".join(sentences)
