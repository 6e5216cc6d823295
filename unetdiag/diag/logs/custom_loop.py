"""A custom training loop's one line per epoch -> runs: ``Epoch 5, Loss: 0.1, ValLoss: 0.2``.

A loop written around ``tf.GradientTape`` prints its own line per epoch instead of Keras's
progress bar; TensorFlow's "advanced quickstart" prints ``Epoch 1, Loss: 0.13, Accuracy:
96.0, Test Loss: 0.06, Test Accuracy: 98.1``. Each line is the epoch number, a comma, then
``Name: value`` pairs separated by commas. Names are read as Keras names: ``Loss`` is ``loss``,
``Val Loss``, ``ValLoss`` and ``Validation Loss`` are ``val_loss``; ``Test Loss`` stays
``test_loss`` (the log does not say which set it is). An accuracy printed in percent (a value
above 1, none above 100), or a Dice/F1 (2 or more), is kept as ``<name>_percent``, said in a
note, and not read as a fraction. Lines of one epoch number are one epoch (an iteration
counter's latest line, or a validation line after the training one); lines naming no loss
are no run. A loop that prints ``Epoch 3/100`` on a line of its own and then one ``Name:
value`` per line (``  Train Loss: 0.3273``, ``  Val Dice:   0.0007``) is read as if those
pairs followed the epoch on its line; the first other line ends the epoch.

>>> runs = custom_loop_epochs("Epoch 1, Loss: 0.5, Accuracy: 80.5, Test Loss: 0.4\\n"
...                           "Epoch 2, Loss: 0.3, Accuracy: 90.0, Test Loss: 0.35\\n")
>>> runs[0].history(), runs[0].epoch_numbers
({'loss': [0.5, 0.3], 'accuracy_percent': [80.5, 90.0], 'test_loss': [0.4, 0.35]}, [1, 2])
>>> custom_loop_epochs("Epoch 1/9\\n  Train Loss: 0.49\\n  Val Dice:   0.0\\n  -> saved\\n\\n"
...                    "Epoch 2/9\\n  Train Loss: 0.36\\n  Val Dice:   0.1\\n")[0].history()
{'loss': [0.49, 0.36], 'val_dice': [0.0, 0.1]}
"""

from __future__ import annotations

import re

from unetdiag.diag.checks.saturation.metrics import metric_kind
from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.logs.model import RunLog, print_half_units, to_float

#: What may precede a line kept in a script or a Markdown quote: ``# ``, ``// ``, ``> ``.
_LINE_RE = re.compile(r"^\s*(?:#+|//|>)?\s*Epoch\s+(\d+)\s*,\s*(.+?)\s*$")
_PAIR_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 _-]*?)\s*:\s*(\S+)\s*$")
_PHASE_RE = re.compile(r"^(?:(?P<train>train(?:ing)?)|(?P<val>val(?:idation|id)?))[\s_]*"
                       r"(?P<rest>[A-Za-z].*)$", re.IGNORECASE)
#: Step counters printed on a loop's lines within an epoch (``Epoch 1, Iter: 100, Loss: ...``).
_COUNTERS = frozenset({"iter", "iteration", "iterations", "step", "steps", "batch", "it"})
#: Fewer lines than this are no run (a sentence that happens to start "Epoch 3, ...").
MIN_LINES = 2
#: An epoch's line of its own, its values on the lines below it (``Epoch 3/100``).
_BLOCK_HEADER_RE = re.compile(r"^\s*(?:#+|//|>)?\s*Epoch\s+(\d+)(?:\s*/\s*\d+)?\s*:?\s*$")


def _name(printed: str) -> str:
    """``Loss`` -> ``loss``, ``ValLoss`` -> ``val_loss``, ``Test Accuracy`` -> ``test_accuracy``."""
    phase = _PHASE_RE.match(printed)
    prefix = ""
    if phase is not None:
        prefix = "val_" if phase["val"] else ""
        printed = phase["rest"]
    return prefix + re.sub(r"[\s-]+", "_", printed.strip()).lower()


def _epoch(line: str) -> tuple[int, dict[str, float], dict[str, str]] | None:
    """An ``Epoch N, Name: value, ...`` line's number, values, and each value as printed."""
    match = _LINE_RE.match(line)
    if match is None:
        return None
    values, prints = {}, {}
    for pair in match[2].split(","):
        found = _PAIR_RE.match(pair)
        value = to_float(found[2]) if found else None
        if value is None:
            return None
        values[_name(found[1])] = value
        prints[_name(found[1])] = found[2]
    return (int(match[1]), values, prints) if values else None


#: A block's running best (``Best Dice: 0.6100``) is no epoch's value: the best so far.
_RUNNING_BEST_RE = re.compile(r"^(?:best|min|max|lowest|highest|top)[\s_-]", re.IGNORECASE)


#: A block's count or time (``Patience: 0``, ``Samples: 5000``, ``GPU: 0``, ``Elapsed:
#: 31.5``): a loop prints its metrics as decimals, its counters and clocks otherwise.
_COUNT_RE = re.compile(r"^[-+]?\d+$")
_CLOCK_RE = re.compile(r"elapsed|time|seconds|duration|(?:^|_)(?:eta|secs?)(?:$|_)")
_SKIPPED = {"best": "a best so far, not the epoch's value: not read",
            "count": "a whole number or a time (a count, a setting or a clock), not a metric: "
                     "not read",
            "again": ("printed a second time in its epoch (another phase's, the log does not "
                      "say which): only the first is read")}


def _joined_blocks(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The lines of ``text`` (numbered from 1), each ``Epoch N/M`` line alone joined with the
    ``Name: value`` lines right below it into one ``Epoch N, Name: value, ...`` line; and
    notes on the pairs left out: a running best, and a name the block printed already (two
    phases printed alike: which is which, the log does not say)."""
    joined: list[tuple[int, str]] = []
    skipped: dict[tuple[str, str], list[int]] = {}
    open_block = False
    names: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _BLOCK_HEADER_RE.match(line)
        # read inside a block only: the lazy name walks a long line to its end
        pair = _PAIR_RE.match(line) if open_block and header is None else None
        if header is not None:
            joined.append((number, f"Epoch {header[1]}"))
            open_block, names = True, set()
        elif open_block and pair is not None and to_float(pair[2]) is not None:
            name = _name(pair[1])
            why = ("best" if _RUNNING_BEST_RE.match(name) else "again" if name in names
                   else "count" if _COUNT_RE.match(pair[2]) or _CLOCK_RE.search(name)
                   else None)
            if why is not None:
                skipped.setdefault((pair[1], why), []).append(number)
                continue
            names.add(name)
            start, so_far = joined[-1]
            joined[-1] = (start, f"{so_far}, {line.strip()}")
        else:
            open_block = False
            joined.append((number, line))
    return joined, [f"'{printed}' (line(s) {epoch_span(lines)}) is {_SKIPPED[why]}"
                    for (printed, why), lines in skipped.items()]


def custom_loop_epochs(text: str) -> list[RunLog]:
    """The runs of a log whose every epoch is one ``Epoch N, Name: value, ...`` line (another
    line between them is skipped), or ``[]``; an epoch number that does not grow starts a new
    run."""
    runs: list[RunLog] = []
    prints: list[dict[str, list[str]]] = []  # per run, metric -> its values as printed
    last = 0
    lines = 0
    losses = False
    joined, skipped = _joined_blocks(text)
    for number, line in joined:
        read = _epoch(line)
        if read is None:
            continue
        index, values, printed = read
        lines += 1
        losses = losses or any(metric_kind(name) == "loss" for name in values)
        counted = any(name in _COUNTERS for name in values)
        values = {name: value for name, value in values.items() if name not in _COUNTERS}
        if runs and index == last and (counted or not set(values) & set(runs[-1].epochs[-1])):
            # the same epoch again: its next step (an iteration counter: the latest values
            # stand) or its other half (``Epoch 1, Val Loss: ...`` after ``Epoch 1, Loss``)
            runs[-1].epochs[-1] = {**runs[-1].epochs[-1], **values}
            _add_prints(prints[-1], printed)
            continue
        if not runs or index <= last:
            runs.append(RunLog(f"run {len(runs) + 1}", [], [], "", custom_loop=True))
            runs[-1].source = f"custom training loop lines, from line {number}"
            prints.append({})
        _add_prints(prints[-1], printed)
        run, last = runs[-1], index
        run.epochs.append(values)
        run.step_seconds.append(None)
        run.steps_per_epoch.append(None)
        run.epoch_numbers.append(index)
    # a loop's lines name a loss; "Epoch 10, lr: 0.001" lines are a schedule, not a run
    if lines < MIN_LINES or not losses:
        return []
    for run, printed in zip(runs, prints, strict=True):
        _percent_scores(run)
        run.printed_half_units = _half_units(run, printed)
    runs[0].notes.extend(skipped)
    return runs


def _add_prints(prints: dict[str, list[str]], printed: dict[str, str]) -> None:
    for name, text in printed.items():
        if name not in _COUNTERS:
            prints.setdefault(name, []).append(text)


def _half_units(run: RunLog, prints: dict[str, list[str]]) -> dict[str, float]:
    """How far the value behind each metric's last print may lie from the one read: a loop
    prints with its own format (``{:.3f}``: 0.990 is read back as 0.99 and stands for
    0.9895-0.9905), which the values alone do not tell from Keras's four decimals; a score
    read as a percentage keeps its half unit under its ``_percent`` name."""
    names = set(run.metrics())
    return {(name if name in names else f"{name}_percent"): half_unit
            for name, half_unit in print_half_units(prints).items()}


def _percent_scores(run: RunLog) -> None:
    """Accuracies above 1 (at most 100), and Dice/F1 values of 2 or more (a Dice is below 2
    whatever the labels' scale), are percentages: kept as ``<name>_percent``."""
    for name in run.metrics():
        values = [epoch[name] for epoch in run.epochs if name in epoch]
        kind = metric_kind(name)
        above = 1 if kind == "accuracy" else 2 if kind == "dice" else None
        if above is not None and max(values) > above and min(values) >= 0 \
                and max(values) <= 100:
            for position, epoch in enumerate(run.epochs):
                run.epochs[position] = {(f"{key}_percent" if key == name else key): value
                                        for key, value in epoch.items()}
            run.notes.append(f"{name} is above {above} and at most 100 (up to "
                             f"{max(values):g}), as a percentage is: read as {name}_percent, "
                             "not as a fraction")
