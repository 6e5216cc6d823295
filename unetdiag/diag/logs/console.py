"""Keras console output -> runs: ``Epoch i/N`` lines and the progress line closing each epoch.

Keras 2 and Keras 3, ``verbose=1`` or ``2``, e.g.
``370/370 ━━━━ 580s 2s/step - accuracy: 0.9961 - loss: 0.1115 - val_loss: 0.0240``.
Captured output keeps the progress bar's redraws (carriage returns, backspaces, ANSI
colours); only the last drawing of each line counts. Warnings, timestamps, blank lines,
Markdown around a pasted log and other noise are skipped. A line such as
``Training MP_Tr_BCE on /GPU:0...`` names the run that follows it; an epoch counter that
starts again (``Epoch 1/5`` after ``Epoch 5/5``) starts a new run.

>>> runs = parse_console('''Training demo on /CPU:0...
... Epoch 1/2
... 3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 89ms/step - accuracy: 0.5423 - loss: 0.6906 - val_loss: nan
... Epoch 2/2
... 3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 23ms/step - accuracy: 0.6000 - loss: 0.6800 - val_loss: nan
... ''')
>>> runs[0].name, runs[0].series("accuracy").tolist(), runs[0].step_seconds
('demo', [0.5423, 0.6], [0.089, 0.023])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unetdiag.diag.logs.model import NUMBER_PATTERN, LogFormatError, RunLog, unique_names

# ANSI escape sequences (colours, cursor moves) and the other C0 controls progress bars emit.
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: An ``Epoch i/N`` line (the ``$`` is not multi-line: searched in a whole text, it matches
#: only an epoch line at the end).
EPOCH_RE = re.compile(r"(?:^|[\s\]>|:])Epoch\s+(\d+)\s*/\s*(\d+)\s*$", re.IGNORECASE)
# "370/370 ━━━━ 580s 2s/step - ...", "370/370 [====] - 580s 2s/step - ...", "3/3 - 1s - ..."
_PROGRESS_RE = re.compile(
    r"(?<![\w/.:-])(?P<current>\d+)/(?P<target>\d+|Unknown)"
    r"(?:\s*\[[=>.]*\]|\s+[^\s\d\-\[][^\s]*)?(?P<rest>\s.*)?$")
_METRIC_TOKEN_RE = re.compile(rf"^(?P<name>[A-Za-z_][\w./]*):\s*(?P<value>{NUMBER_PATTERN})$",
                              re.IGNORECASE)
_STEP_TIME_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(s|ms|us|µs|μs)/(step|sample)\b")
_TIME_TOKEN_RE = re.compile(
    r"^(?:ETA:\s*)?(?:\d+(?:\.\d+)?(?:s|ms|us|µs|μs)(?:/(?:step|sample|epoch))?"
    r"|\d+:\d{2}(?::\d{2})?)(?:\s+\d+(?:\.\d+)?(?:s|ms|us|µs|μs)/(?:step|sample))?$")
# How Keras prints a metric value: "%.4f" above 1e-3 in magnitude, "%.4e" below; nan, inf.
_KERAS_VALUE_RE = re.compile(r"^(?:-?\d+\.\d{4}|-?\d\.\d{4}e[-+]\d{2,3}|-?nan|-?inf)$",
                             re.IGNORECASE)
_UNITS_PER_SECOND = {"s": 1.0, "ms": 1e3, "us": 1e6, "µs": 1e6, "μs": 1e6}
# A line that introduces a run: "Training MP_Tr_BCE on /GPU:0...", "=== Run: unet_bce ===".
_HEADER_RE = re.compile(
    r"^[\W_]*(?:training|train|fitting|fit|running|run|variant|experiment|config(?:uration)?)"
    r"\b\s*[:=#-]?\s*[\"'`]?(?P<name>[A-Za-z0-9_][\w.+\-]*)", re.IGNORECASE)
_HEADER_STOPWORDS = frozenset((
    "on", "for", "with", "the", "a", "an", "of", "in", "to", "is", "was", "model", "models",
    "samples", "steps", "data", "dataset", "set", "started", "starting", "start", "finished",
    "done", "complete", "completed", "took", "time", "loop", "script", "logs", "log", "epoch",
    "epochs", "and", "or", "using", "will"))


def _last_drawing(raw_line: str) -> str:
    """What a terminal would show for a captured line: the last carriage-return segment."""
    line = _ANSI_RE.sub("", raw_line).replace("\b", "")
    segments = [segment for segment in line.split("\r") if segment.strip()]
    text = segments[-1] if segments else ""
    return _CONTROL_RE.sub("", text).strip()


@dataclass
class _ProgressLine:
    current: int
    target: int | None
    metrics: dict[str, float]
    step_seconds: float | None
    in_progress: bool  # an ETA is shown, or the step count has not reached the target
    damaged: list[str]  # tokens that are neither a metric nor a time
    last_value_text: str  # the last metric's value as printed (to spot a cut-off number)


def _parse_progress(text: str) -> _ProgressLine | None:
    match = _PROGRESS_RE.search(text)
    if match is None:
        return None
    target = None if match["target"] == "Unknown" else int(match["target"])
    current = int(match["current"])
    rest = match["rest"] or ""
    metrics: dict[str, float] = {}
    damaged: list[str] = []
    last_value_text = ""
    in_progress = "ETA" in rest or (target is not None and current < target)
    for token in re.split(r"\s+-\s+", " " + rest.strip()):
        token = token.strip()
        if not token:
            continue
        metric = _METRIC_TOKEN_RE.match(token)
        if metric:
            metrics[metric["name"]] = float(metric["value"])
            last_value_text = metric["value"]
        elif not _TIME_TOKEN_RE.match(token):
            damaged.append(token)
    if not metrics:
        return None  # "5/5 tests passed", a date, a predict() bar: not an epoch summary
    step_seconds = None
    time_match = _STEP_TIME_RE.search(rest)
    if time_match and time_match[3] == "step":
        step_seconds = float(time_match[1]) / _UNITS_PER_SECOND[time_match[2]]
    return _ProgressLine(current, target, metrics, step_seconds, in_progress, damaged,
                         last_value_text)


def _header_name(text: str) -> str | None:
    match = _HEADER_RE.match(text)
    if match is None or match["name"].lower() in _HEADER_STOPWORDS:
        return None
    return match["name"].rstrip(".:-")


@dataclass
class _RunBuilder:
    name: str | None
    first_line: int
    last_line: int = 0
    epochs: list[dict[str, float]] = field(default_factory=list)
    step_seconds: list[float | None] = field(default_factory=list)
    steps: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    last_epoch_index: int = 0
    epoch_total: int | None = None


@dataclass
class _EpochBlock:
    index: int | None
    total: int | None
    line: int
    finals: list[tuple[int, _ProgressLine]] = field(default_factory=list)
    seen_progress: bool = False


class _ConsoleReader:
    """State machine over the lines of a console log (see :func:`parse_console`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.runs: list[_RunBuilder] = []
        self.run: _RunBuilder | None = None
        self.block: _EpochBlock | None = None
        self.pending_name: str | None = None
        self.loose_lines: list[int] = []

    def read(self) -> list[_RunBuilder]:
        lines = self.text.split("\n")
        ends_with_newline = self.text.endswith("\n")
        for number, raw in enumerate(lines, start=1):
            cut = number == len(lines) and not ends_with_newline
            self._line(number, _last_drawing(raw), cut)
        self._close_block()
        if self.loose_lines and self.runs:
            self.runs[-1].notes.append(
                f"{len(self.loose_lines)} progress line(s) outside any epoch were skipped "
                f"(evaluate() output?), first at line {self.loose_lines[0]}")
        return [run for run in self.runs if run.epochs]

    def _line(self, number: int, text: str, cut: bool) -> None:
        if not text:
            return
        epoch = EPOCH_RE.search(text)
        if epoch:
            self._start_epoch(number, int(epoch[1]), int(epoch[2]))
            return
        progress = _parse_progress(text)
        if progress is None:
            name = _header_name(text)
            if name is not None:
                self.pending_name = name
            return
        if self.block is not None:
            self.block.seen_progress = True
            if not progress.in_progress:
                self.block.finals.append((number, self._repair(number, progress, cut)))
        elif not progress.in_progress and any(k.startswith("val_") for k in progress.metrics):
            # fit(epochs=1) prints no "Epoch 1/1": a closed line with validation is an epoch
            self._start_run(number)
            self.block = _EpochBlock(None, None, number, [(number, progress)], True)
            self._close_block()
        elif not progress.in_progress:
            self.loose_lines.append(number)

    def _repair(self, number: int, progress: _ProgressLine, cut: bool) -> _ProgressLine:
        """A file cut inside the last line may have cut its last number short: drop it.

        Keras prints every value as ``%.4f`` or ``%.4e``; a last value printed otherwise, or a
        line with fewer values than the epoch before, was cut.
        """
        previous = self.run.epochs[-1] if self.run and self.run.epochs else None
        shortened = previous is not None and len(progress.metrics) < len(previous)
        if cut and progress.metrics and (
                shortened or progress.damaged
                or not _KERAS_VALUE_RE.match(progress.last_value_text)):
            last = list(progress.metrics)[-1]
            del progress.metrics[last]
            self._note(f"line {number} is cut off; its last value ({last}) was dropped")
        return progress

    def _note(self, message: str) -> None:
        if self.run is not None:
            self.run.notes.append(message)

    def _start_run(self, number: int) -> None:
        self.run = _RunBuilder(self.pending_name, number)
        self.pending_name = None
        self.runs.append(self.run)

    def _start_epoch(self, number: int, index: int, total: int) -> None:
        self._close_block()
        run = self.run
        # A counter that starts again is a new run; a header line is one too when it comes
        # after a finished run or before an "Epoch 1/N" (not a stray print between epochs).
        restarted = run is not None and bool(run.epochs) and (
            index <= run.last_epoch_index or total != run.epoch_total
            or (self.pending_name is not None
                and (index == 1 or run.last_epoch_index == run.epoch_total)))
        if run is None or restarted:
            self._start_run(number)
        elif self.pending_name is not None and not run.epochs:
            run.name, self.pending_name = self.pending_name, None
        else:
            self.pending_name = None
        self.block = _EpochBlock(index, total, number)

    def _close_block(self) -> None:
        block, run = self.block, self.run
        self.block = None
        if block is None or run is None:
            return
        label = f"epoch {block.index}/{block.total}" if block.index else "the epoch"
        if not block.finals:
            if block.seen_progress:
                run.notes.append(f"{label} (line {block.line}) never finished: no closing "
                                 "progress line (cut off, crashed or interrupted)")
            return
        # The closing line carries the most values (train + validation); an evaluate() bar
        # printed later in the same block carries fewer.
        number, chosen = max(block.finals, key=lambda item: len(item[1].metrics))
        if chosen.damaged:
            unread = ", ".join(map(repr, chosen.damaged))
            run.notes.append(f"line {number}: could not read {unread}")
        if run.epochs and set(run.epochs[-1]) - set(chosen.metrics):
            missing = sorted(set(run.epochs[-1]) - set(chosen.metrics))
            run.notes.append(f"{label} (line {number}) lacks {', '.join(missing)}")
        run.epochs.append(chosen.metrics)
        run.step_seconds.append(chosen.step_seconds)
        run.steps.append(chosen.target)
        run.last_line = number
        if block.index is not None:
            run.last_epoch_index, run.epoch_total = block.index, block.total


def parse_console(text: str) -> list[RunLog]:
    """Runs in Keras console output (Keras 2 or 3, ``verbose=1`` or ``2``), in file order.

    Raises :class:`LogFormatError` when the text holds no finished epoch.
    """
    builders = _ConsoleReader(text).read()
    if not builders:
        raise LogFormatError(
            "no Keras training epochs found: expected 'Epoch i/N' lines followed by progress "
            "lines such as '370/370 ... - loss: 0.1115 - val_loss: 0.0240'")
    runs = []
    for position, builder in enumerate(builders, start=1):
        runs.append(RunLog(
            name=builder.name or f"run {position}", epochs=builder.epochs,
            step_seconds=builder.step_seconds,
            source=f"Keras console log, lines {builder.first_line}-{builder.last_line}",
            steps_per_epoch=builder.steps, notes=builder.notes))
    return unique_names(runs)


def is_progress_line(raw_line: str) -> bool:
    """Whether a captured line is a progress line carrying metrics (an epoch's summary)."""
    return _parse_progress(_last_drawing(raw_line)) is not None
