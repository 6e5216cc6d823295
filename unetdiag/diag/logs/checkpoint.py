"""ModelCheckpoint's (and EarlyStopping's) verdicts in a console log: ``Epoch 00030:
val_loss did not improve from 3.22992`` after an epoch's closing line. Several in a row at
the end of a run say, in the callback's own words, that the monitored value has not beaten
its best for those epochs, a best the log may not show (ssd_keras#344: 26-30 of 120, best
3.22992 reached before the excerpt). And what the log says ended a run before its header's
last epoch (:func:`training_ender`): a callback's message, TensorFlow's warning, an
interrupt or a traceback.

>>> lines = [f"Epoch {n:05d}: val_loss did not improve from 3.22992" for n in (28, 29, 30)]
>>> checkpoint_stalls(lines, [28, 29, 30])
[{'metric': 'val_loss', 'best': 3.22992, 'printed': '3.22992', 'epochs': [28, 29, 30]}]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from unetdiag.diag.checks.saturation.metrics import metric_kind
from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.logs.notes import RAN_OUT_OF_DATA, TERMINATE_ON_NAN
from unetdiag.diag.logs.progress import clean_line, epoch_header, parse_progress

_NUMBER = r"[-+]?(?:inf|nan|\d+(?:\.\d*)?(?:e[-+]?\d+)?)"
#: ``Epoch 00030: val_loss did not improve from 3.22992`` (Keras 2.2 on), ``... improved from
#: 3.3 to 3.22992, saving model to ...``; Keras 1 and early Keras 2 print no ``from`` after
#: "did not improve". The best as ``%0.5f`` prints it; ``inf`` and ``-inf``, the starting
#: value of a callback that minimises or maximises, until an epoch gives it a number. Found
#: anywhere in a line: a paste quotes it (``> Epoch ...``) or glues it to an ETA drawing.
_VERDICT_RE = re.compile(rf"\bEpoch (\d+): (\w+) (did not improve|improved)"
                         rf"(?: from ({_NUMBER}))?(?: to ({_NUMBER}))?", re.IGNORECASE)
#: EarlyStopping's message as training ends, naming the last epoch run (Keras 2 and 3).
EARLY_STOP_RE = re.compile(r"^Epoch (\d+): early stopping", re.IGNORECASE)
#: :func:`training_ender`'s names of a KeyboardInterrupt and of another exception's traceback.
INTERRUPTED = "a KeyboardInterrupt"
RAISED = "an exception (a traceback follows in the log)"
#: What can end training before its last epoch, in the order said when several show.
_ENDERS = ("EarlyStopping", "TerminateOnNaN", "TensorFlow's 'input ran out of data'",
           INTERRUPTED, RAISED)
#: Verdicts in a row, at the end of a run, before a sentence says so.
MIN_STALLED_EPOCHS = 3
#: How far a printed value may lie from the best the callback prints and be that best: the
#: callback prints it to 5 decimals, the progress bar to 4, so one value prints 0.22995 and
#: 0.2300, 5e-5 apart (a little more, for the float error of the difference).
SAME_VALUE = 5.01e-5
#: Scores higher is better for; a callback that counts a lower one as better minimises them.
_SCORE_KINDS = ("dice", "iou", "accuracy")


def checkpoint_stalls(lines: Sequence[str], epochs: Sequence[int]) -> list[dict]:
    """For each metric a ModelCheckpoint monitors (two callbacks, two monitors), its best and
    the epochs of the run (``epochs``: its numbers) whose verdicts, the last ones of the run,
    all say it did not improve on that best.

    A verdict is matched to its epoch by the ``Epoch i/N`` header it follows: Keras 1 and
    early Keras 2 number their messages from 0 (``Epoch 00004:`` under ``Epoch 5/N``), later
    ones from 1; where the headers do not settle which (none, or both seen), a message with
    no ``from`` is not read. Without ``from`` the best is the last ``improved ... to X``
    message's X (None when there is none); ``improved_at`` is that message's epoch.
    """
    found: list[tuple[int | None, re.Match]] = []
    header = None
    for line in lines:
        opened = epoch_header(clean_line(line).strip())
        if opened is not None:
            header = opened[0]
        verdict = _VERDICT_RE.search(line)
        if verdict is not None:
            found.append((header, verdict))
    offsets = {header - int(verdict[1]) for header, verdict in found if header is not None}
    offset = offsets.pop() if len(offsets) == 1 and offsets <= {0, 1} else None
    # (metric, k) -> epoch -> (improved, best printed after 'from' or None, the new best or
    # None): the k-th of the messages on a metric and epoch in a row is the k-th callback
    # monitoring it (one met again later, a run's before another's, replaces the first)
    verdicts: dict[tuple[str, int], dict[int, tuple[bool, str | None, str | None]]] = {}
    in_row: dict[str, tuple[int, int]] = {}  # metric -> (epoch, k) of its last message
    for _header, verdict in found:
        if offset is None and verdict[4] is None:
            continue
        epoch = int(verdict[1]) + (offset or 0)
        last_epoch, last_order = in_row.get(verdict[2], (None, -1))
        order = last_order + 1 if last_epoch == epoch else 0
        in_row[verdict[2]] = (epoch, order)
        verdicts.setdefault((verdict[2], order), {})[epoch] = (
            verdict[3].lower() == "improved", verdict[4], verdict[5])
    callbacks = _distinct_callbacks(verdicts)
    return [{**stall, "callbacks": len(callbacks[metric])} if len(callbacks[metric]) > 1
            else stall
            for metric, each in callbacks.items() for by_epoch in each
            if (stall := _stall(metric, by_epoch, epochs)) is not None]


def _distinct_callbacks(verdicts: dict[tuple[str, int], dict]) -> dict[str, list[dict]]:
    """Each monitored metric's callbacks whose verdicts differ: two callbacks on one monitor
    print the same messages (best weights and full model, say) unless their bests differ
    (one passed to an earlier fit() too keeps its best)."""
    callbacks: dict[str, list[dict]] = {}
    for (metric, _order), by_epoch in verdicts.items():
        if by_epoch not in callbacks.setdefault(metric, []):
            callbacks[metric].append(by_epoch)
    return callbacks


def _stall(metric: str, by_epoch: dict[int, tuple[bool, str | None, str | None]],
           epochs: Sequence[int]) -> dict | None:
    """One monitor's verdicts on the run's last epochs, if the last
    :data:`MIN_STALLED_EPOCHS` or more all say "did not improve" from one best."""
    stalled: list[int] = []
    for epoch in reversed(epochs):
        verdict = by_epoch.get(epoch)
        if verdict is None or verdict[0] or (stalled and verdict[1] != by_epoch[stalled[0]][1]):
            break
        stalled.insert(0, epoch)
    if len(stalled) < MIN_STALLED_EPOCHS:
        return None
    best = by_epoch[stalled[0]][1]
    if best is not None:
        return {"metric": metric, "best": float(best), "printed": best, "epochs": stalled}
    improved = [(epoch, verdict[2]) for epoch, verdict in sorted(by_epoch.items())
                if epoch < stalled[0] and verdict[0] and verdict[2] is not None]
    if not improved:
        return {"metric": metric, "best": None, "printed": None, "epochs": stalled}
    at, printed = improved[-1]
    return {"metric": metric, "best": float(printed), "printed": printed, "epochs": stalled,
            "improved_at": at}


#: The line an uncaught KeyboardInterrupt's traceback ends with (``KeyboardInterrupt``, after
#: a ``^C``), or opens with in IPython (``KeyboardInterrupt    Traceback (most recent call
#: last)``, maybe coloured): a print or a source line naming it is no interrupt.
_INTERRUPT_RE = re.compile(r"(?:\x1b\[[0-9;]*m)*\s*(?:\^C)?KeyboardInterrupt\b")
#: What Python prints above the traceback of an exception it ignores (raised in a ``__del__``
#: or a thread, often at interpreter exit: TensorFlow's session and iterator deleters).
_IGNORED = "Exception ignored in"


def training_ender(lines: Sequence[str], closed: bool = False) -> str:
    """What ended training in ``lines``, those after an epoch's closing line: its
    EarlyStopping or TerminateOnNaN message, TensorFlow's "input ran out of data" warning (in
    training: a validation input that runs out warns before its epoch's closing line), a
    KeyboardInterrupt or another exception's traceback, else "". A traceback or an interrupt
    the same epoch's progress drawing follows (no epoch header between) is left out: that
    fit() went on after it (a traceback a callback printed, a worker's error retried);
    ``closed``: the next epoch's closing line follows ``lines``, and counts as such a
    drawing. An epoch header after it is a new fit() as likely (a resume, a restart), as
    :func:`resumed_positions` reads it."""
    found: dict[str, int] = {}
    drawn_on: dict[int, bool] = {}  # an exception's line -> whether its epoch drew on after it
    above = ""  # the last line with words before this one
    for at, line in enumerate(lines):
        if EARLY_STOP_RE.match(line.strip()):
            found["EarlyStopping"] = at
        elif TERMINATE_ON_NAN in line:
            found["TerminateOnNaN"] = at
        elif RAN_OUT_OF_DATA in line:
            found["TensorFlow's 'input ran out of data'"] = at
        elif _INTERRUPT_RE.match(line):
            found[INTERRUPTED] = at
        elif "Traceback (most recent call last)" in line and not above.startswith(_IGNORED):
            found[RAISED] = at
        elif (pending := [raised for raised in (found.get(INTERRUPTED), found.get(RAISED))
                          if raised is not None and raised not in drawn_on]) and (
                drawing := _drawing(line)) is not None:
            # the first header or drawing after an exception says which
            drawn_on.update(dict.fromkeys(pending, drawing == "progress"))
        above = line.strip() or above
    found = {ender: at for ender, at in found.items()
             if not drawn_on.get(at, closed and ender in (INTERRUPTED, RAISED))}
    # a callback's message first; an interrupt's traceback is no other exception
    return next((ender for ender in _ENDERS if ender in found), "")


def ignores_exception(lines: Sequence[str]) -> bool:
    """Whether Python reports an exception it ignored in ``lines`` (``Exception ignored in:
    <function Pool.__del__ ...>``): a deleter's, which ends no run."""
    return any(line.strip().startswith(_IGNORED) for line in lines)


def _drawing(line: str) -> str | None:
    """ "header" for a line that opens an epoch, "progress" for one that draws its progress
    bar, else None."""
    cleaned = clean_line(line).strip()
    if epoch_header(cleaned) is not None:
        return "header"
    return "progress" if parse_progress(cleaned) is not None else None


def resumed_positions(lines: Sequence[str], closing_lines: Sequence[int]) -> dict[int, str]:
    """Positions (0-based) of the epochs whose closing line (``closing_lines``: 1-based, one
    an epoch) follows what ended training after the epoch before them (:func:`training_ender`:
    EarlyStopping's message, a traceback...), with it: training went on in another fit()
    call (c5: a crash, then a resume with ``initial_epoch``; a fine-tuning fit after
    EarlyStopping stopped the first)."""
    found = {}
    for position in range(1, len(closing_lines)):
        ender = training_ender(lines[closing_lines[position - 1]:closing_lines[position] - 1],
                               closed=True)
        if ender:
            found[position] = ender
    return found


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
    for at, run in enumerate(runs):
        for stall in run.checkpoint_stalls:
            sentences.append(_stall_sentence(run, stall, len(runs) > 1, runs[:at]))
    return "".join(sentences)


def _earlier_value(runs: Sequence[RunLog], metric: str, best: float) -> str:
    """ "run 1 prints val_loss 0.2100 at epoch 4" for the last of ``runs`` (those before
    the stalled one) that prints a value of ``metric`` that is ``best``, else ""."""
    for run in reversed(runs):
        series = run.series(metric).tolist() if metric in run.metrics() else []
        numbers = run.epoch_numbers or list(range(1, len(series) + 1))
        for number, value in zip(numbers, series, strict=False):
            if value == value and abs(value - best) <= SAME_VALUE:
                return f"{run.name} prints {metric} {value:.4f} at epoch {number}"
    return ""


def _stall_sentence(run: RunLog, stall: dict, several_runs: bool,
                    earlier: Sequence[RunLog] = ()) -> str:
    where = f"In {run.name}, " if several_runs else ""
    who = ("ModelCheckpoint" if "callbacks" not in stall else
           f"one of {stall['callbacks']} ModelCheckpoint callbacks on {stall['metric']} "
           "(their verdicts differ)")
    series = run.series(stall["metric"]).tolist()
    values = [value for value in series if value == value]
    numbers = run.epoch_numbers or list(range(1, len(series) + 1))
    stalled = [value for number, value in zip(numbers, series, strict=False)
               if number in stall["epochs"] and value == value]
    at = (f"at epoch{'s' if len(stall['epochs']) > 1 else ''} {epoch_span(stall['epochs'])}, "
          f"the last {len(stall['epochs'])} logged")
    if stall["best"] is None:
        return (f" {where}{who} says {stall['metric']} did not improve {at} (its "
                "messages name no best value).")
    if math.isinf(stall["best"]):
        return (f" {where}{who} says {stall['metric']} did not improve from "
                f"{stall['printed']}, its starting value, {at}: it got no {stall['metric']} it "
                f"could compare (NaN or {stall['printed']}) at any epoch up to epoch "
                f"{stall['epochs'][-1]}.")
    before = _earlier_value(earlier, stall["metric"], stall["best"])
    if stall["metric"] not in run.metrics():
        source = f" (the log prints no {stall['metric']} to compare)"
    elif any(abs(value - stall["best"]) <= SAME_VALUE for value in values):
        source = ""
    elif before:
        source = (f" (not a value of this run: {before}, consistent with one callback "
                  "passed to both fit() calls, which keeps its best from one to the next)")
    else:
        source = " (that best comes from an epoch the log does not show)"
    # Keras 1's verdict names no best: the last 'improved ... to X' message does
    named = (f", set at epoch {stall['improved_at']} (its last 'improved' message)"
             if "improved_at" in stall else "")
    return (f" {where}{who} says {stall['metric']} did not improve on its best, "
            f"{stall['printed']}{named}, {at}"
            + source + _direction(stall["metric"], stall["best"], stalled) + ".")
