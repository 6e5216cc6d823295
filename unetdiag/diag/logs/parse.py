"""Training logs -> metric series: Keras console output, CSVLogger CSV and ``history`` JSON.

Three kinds of file reach ``unetdiag explain-log``; :func:`parse_log` tells them apart by
their content (the extension only breaks ties) and returns one :class:`RunLog` per training
run found in the file.

- **Keras console output** (Keras 2 and Keras 3, ``verbose=1`` or ``2``): ``Epoch i/N`` lines
  and the progress line that closes each epoch, e.g.
  ``370/370 ━━━━ 580s 2s/step - accuracy: 0.9961 - loss: 0.1115 - val_loss: 0.0240``.
  Captured output keeps the progress bar's redraws (carriage returns, backspaces, ANSI
  colours); only the last drawing of each line counts. Warnings, timestamps, blank lines,
  Markdown around a pasted log and other noise are skipped. A line such as
  ``Training MP_Tr_BCE on /GPU:0...`` names the run that follows it; an epoch counter that
  starts again (``Epoch 1/5`` after ``Epoch 5/5``) starts a new run.
- **CSVLogger** output: an ``epoch`` column and one column per metric; an epoch number that
  does not increase (``append=True`` across runs) starts a new run.
- **history JSON**: ``{"loss": [...], ...}`` (``model.fit(...).history``), a list of such
  dicts, ``{run name: {metric: [...]}}``, or a list of per-epoch ``{metric: value}`` dicts.

``nan`` and ``inf`` are kept as floats: they are evidence, not noise.

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

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.checks.saturation import STEP_SECONDS_KEY, STEPS_PER_EPOCH_KEY
from unetdiag.exitcodes import UserError

#: How much of a file's first bytes the text/binary sniffing looks at.
SNIFF_BYTES = 65536
#: Above this share of undecodable or control characters a file is taken for binary data.
MAX_BINARY_SHARE = 0.05
#: UTF-16 text without a byte-order mark: at least this share of every other byte is NUL...
UTF16_NUL_SHARE = 0.5
#: ...and, decoded, at least this share of its characters is ASCII (logs are mostly ASCII).
UTF16_ASCII_SHARE = 0.5

_KINDS_HINT = ("expected a Keras console log, a CSVLogger .csv or a model.fit() history .json")


class LogFormatError(ValueError):
    """The text is not a training log of the kind the parser was asked to read (one line)."""


@dataclass
class RunLog:
    """One training run read from a log.

    Attributes:
        name: the run's name (from a header line such as ``Training MP_Tr_BCE on ...``, a
            JSON key, or ``run 1``, ``run 2``... when the log names none).
        epochs: one dict per epoch, metric name -> value (NaN kept as ``float('nan')``). A
            metric missing from an epoch (a cut line) is absent from that epoch's dict.
        step_seconds: seconds per training step of each epoch as Keras printed it (``2s/step``
            -> 2.0), ``None`` when the log does not say.
        source: where the run was read from, e.g. ``"train.log: Keras console log, lines 18-32"``.
        steps_per_epoch: steps of each epoch (the ``370`` of ``370/370``), ``None`` if unknown.
        notes: what the parser skipped or repaired in this run, in plain words.
    """

    name: str
    epochs: list[dict[str, float]]
    step_seconds: list[float | None]
    source: str
    steps_per_epoch: list[int | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def metrics(self) -> list[str]:
        """Metric names in the order the log first shows them."""
        names: dict[str, None] = {}
        for epoch in self.epochs:
            names.update(dict.fromkeys(epoch))
        return list(names)

    def series(self, metric: str) -> np.ndarray:
        """Values of ``metric`` per epoch (float64); NaN where it is NaN *or* not logged.

        Use :meth:`history` to tell a NaN the model produced from a value the log lacks.
        """
        return np.array([epoch.get(metric, math.nan) for epoch in self.epochs], dtype=np.float64)

    def history(self) -> dict[str, list[float | None]]:
        """Keras-``History``-like dict: metric -> values per epoch, ``None`` where not logged.

        Adds ``"step_seconds"`` and ``"steps_per_epoch"`` when the log shows them (the keys
        :func:`unetdiag.diag.checks.saturation.check_across_runs` reads).
        """
        result: dict[str, list[float | None]] = {
            name: [epoch.get(name) for epoch in self.epochs] for name in self.metrics()}
        if any(value is not None for value in self.step_seconds):
            result[STEP_SECONDS_KEY] = list(self.step_seconds)
        if any(value is not None for value in self.steps_per_epoch):
            result[STEPS_PER_EPOCH_KEY] = [None if v is None else float(v)
                                           for v in self.steps_per_epoch]
        return result


# --------------------------------------------------------------------------- numbers

_NUMBER = r"[-+]?(?:nan|inf(?:inity)?|\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)"
_NUMBER_RE = re.compile(rf"^{_NUMBER}$", re.IGNORECASE)


def _to_float(text: str) -> float | None:
    """A number as Keras, CSV or JSON writes it (``nan``, ``-inf``, ``1e-04``), else None."""
    text = text.strip()
    if not _NUMBER_RE.match(text):
        return None
    return float(text)


# --------------------------------------------------------------------------- console

# ANSI escape sequences (colours, cursor moves) and the other C0 controls progress bars emit.
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Controls no text log holds (escape, backspace, tab and line ends are left out).
_BINARY_CONTROL_RE = re.compile(r"[\x00-\x07\x0e-\x1a\x1c-\x1f\x7f]")
_EPOCH_RE = re.compile(r"(?:^|[\s\]>|:])Epoch\s+(\d+)\s*/\s*(\d+)\s*$", re.IGNORECASE)
# "370/370 ━━━━ 580s 2s/step - ...", "370/370 [====] - 580s 2s/step - ...", "3/3 - 1s - ..."
_PROGRESS_RE = re.compile(
    r"(?<![\w/.:-])(?P<current>\d+)/(?P<target>\d+|Unknown)"
    r"(?:\s*\[[=>.]*\]|\s+[^\s\d\-\[][^\s]*)?(?P<rest>\s.*)?$")
_METRIC_TOKEN_RE = re.compile(rf"^(?P<name>[A-Za-z_][\w./]*):\s*(?P<value>{_NUMBER})$",
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
        epoch = _EPOCH_RE.search(text)
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
    return _unique_names(runs)


# --------------------------------------------------------------------------- CSV

_CSV_DELIMITERS = ",;\t"
_METRIC_WORDS = ("loss", "acc", "dice", "iou", "io_u", "jaccard", "f1", "precision", "recall",
                 "auc", "mse", "mae", "crossentropy")


def _looks_like_metric(column: str) -> bool:
    lowered = column.lower()
    return any(word in lowered for word in _METRIC_WORDS)


def _sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in _CSV_DELIMITERS}
    return max(counts, key=lambda d: counts[d])


def parse_csv(text: str) -> list[RunLog]:
    """Runs in a Keras ``CSVLogger`` file (``epoch`` column plus one column per metric).

    An epoch number that does not increase starts a new run (``CSVLogger(append=True)``
    appends the next run's rows without a new header). Raises :class:`LogFormatError` for a
    table that is not a training log.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise LogFormatError("the CSV file has no rows")
    delimiter = _sniff_delimiter(lines[0])
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = [cell.strip() for cell in rows[0]]
    has_epoch = any(column.lower() == "epoch" for column in header)
    if not has_epoch and not any(_looks_like_metric(column) for column in header):
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise LogFormatError(
            f"this CSV is not a Keras training log: its columns ({shown}) include neither "
            "'epoch' nor a metric such as loss, accuracy, dice or iou")
    epoch_column = next((i for i, c in enumerate(header) if c.lower() == "epoch"), None)
    runs: list[RunLog] = []
    notes: list[str] = []
    skipped_columns: set[str] = set()
    current: RunLog | None = None
    previous_epoch: float | None = None
    for row_number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if [c.lower() for c in cells] == [c.lower() for c in header]:
            current, previous_epoch = None, None  # a repeated header: the next run
            continue
        if len(cells) != len(header):
            notes.append(f"row {row_number} has {len(cells)} fields, the header "
                         f"{len(header)}: skipped")
            continue
        epoch_number = _to_float(cells[epoch_column]) if epoch_column is not None else None
        if epoch_column is not None and epoch_number is None:
            notes.append(f"row {row_number}: epoch {cells[epoch_column]!r} is not a number: "
                         "skipped")
            continue
        if current is None or (epoch_number is not None and previous_epoch is not None
                               and epoch_number <= previous_epoch):
            current = RunLog(f"run {len(runs) + 1}", [], [], "", [], [])
            runs.append(current)
        previous_epoch = epoch_number
        values: dict[str, float] = {}
        for column, cell in zip(header, cells, strict=True):
            if column.lower() == "epoch" or cell == "":
                continue
            value = _to_float(cell)
            if value is None:
                skipped_columns.add(column)
            else:
                values[column] = value
        current.epochs.append(values)
        current.step_seconds.append(None)
        current.steps_per_epoch.append(None)
    runs = [run for run in runs if run.epochs]
    if not runs:
        raise LogFormatError("the CSV has a header but no rows of numbers")
    if skipped_columns:
        columns = ", ".join(sorted(skipped_columns))
        notes.append(f"non-numeric values skipped in column(s) {columns}")
    for run in runs:
        run.source = "CSVLogger file" + (f", run {runs.index(run) + 1} of {len(runs)}"
                                          if len(runs) > 1 else "")
        run.notes.extend(notes)
    return _unique_names(runs)


# --------------------------------------------------------------------------- JSON


def _series_value(value: Any) -> float | None | str:
    """One epoch's value in a history list: float, None (not logged) or "bad"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        number = _to_float(value)
        return "bad" if number is None else number
    if isinstance(value, list) and len(value) == 1:
        return _series_value(value[0])
    return "bad"


def _is_history(obj: Any) -> bool:
    """A dict of metric -> list of numbers (at least one list with at least one number)."""
    if not isinstance(obj, Mapping) or not obj:
        return False
    lists = [v for k, v in obj.items() if isinstance(v, list) and k != "epoch"]
    return bool(lists) and any(isinstance(_series_value(item), float)
                               for values in lists for item in values)


def _is_epoch_records(obj: Any) -> bool:
    """A list of per-epoch dicts of scalars: ``[{"loss": 0.1, "val_loss": 0.2}, ...]``."""
    return (isinstance(obj, list) and bool(obj) and all(isinstance(e, Mapping) for e in obj)
            and all(isinstance(_series_value(v), float) or v is None
                    for record in obj for k, v in record.items() if k != "epoch")
            and any(isinstance(_series_value(v), float) for record in obj for v in record.values()))


def _run_from_history(name: str, history: Mapping[str, Any], source: str) -> RunLog:
    notes: list[str] = []
    columns: dict[str, list[float | None]] = {}
    for metric, values in history.items():
        if metric == "epoch":
            continue
        if not isinstance(values, list):
            notes.append(f"{metric!r} is not a list of values per epoch: skipped")
            continue
        converted = [_series_value(v) for v in values]
        if any(isinstance(v, str) for v in converted):
            notes.append(f"{metric!r} holds values that are not numbers: skipped")
            continue
        columns[metric] = converted  # type: ignore[assignment]
    length = max((len(v) for v in columns.values()), default=0)
    if {len(v) for v in columns.values()} - {length}:
        notes.append("metrics have different numbers of epochs; the shorter ones are "
                     "taken as not logged in the last epochs")
    epochs = [{metric: values[i] for metric, values in columns.items()
               if i < len(values) and values[i] is not None} for i in range(length)]
    return RunLog(name, epochs, [None] * length, source, [None] * length, notes)


def _unwrap(obj: Any) -> Any:
    """``{"history": {...}, "params": {...}}`` -> the history dict."""
    if isinstance(obj, Mapping) and isinstance(obj.get("history"), (Mapping, list)):
        return obj["history"]
    return obj


def parse_history_json(text: str) -> list[RunLog]:
    """Runs in a ``history`` JSON (see the module docstring for the accepted shapes).

    ``NaN``/``Infinity`` (as Python's ``json`` writes them) and the strings ``"nan"``,
    ``"inf"`` are read as floats; ``null`` means "not logged". Raises :class:`LogFormatError`.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LogFormatError(f"not valid JSON: {error.msg} at line {error.lineno} column "
                             f"{error.colno}") from None
    data = _unwrap(data)
    runs: list[RunLog] = []
    if _is_history(data):
        runs = [_run_from_history("run 1", data, "history JSON")]
    elif _is_epoch_records(data):
        keys: dict[str, None] = {}
        for record in data:
            keys.update(dict.fromkeys(record))
        runs = [_run_from_history("run 1", {k: [r.get(k) for r in data] for k in keys},
                                  "history JSON (one record per epoch)")]
    elif isinstance(data, list) and data:
        for position, item in enumerate(data, start=1):
            name = f"run {position}"
            if isinstance(item, Mapping) and isinstance(item.get("name"), str):
                name = item["name"]
            item = _unwrap(item)
            if _is_history(item):
                runs.append(_run_from_history(name, item, f"history JSON, item {position}"))
    elif isinstance(data, Mapping):
        for name, item in data.items():
            item = _unwrap(item)
            if _is_history(item):
                runs.append(_run_from_history(str(name), item, f"history JSON, key {name!r}"))
    runs = [run for run in runs if run.epochs]
    if not runs:
        raise LogFormatError(
            "this JSON holds no training history: expected {\"loss\": [per-epoch values], ...}"
            ", a list of such dicts, or {run name: {metric: [values]}}")
    return _unique_names(runs)


# --------------------------------------------------------------------------- files


def _unique_names(runs: list[RunLog]) -> list[RunLog]:
    """Two runs of the same name (a variant trained twice) get ``name (2)``, ``name (3)``."""
    seen: dict[str, int] = {}
    for run in runs:
        seen[run.name] = seen.get(run.name, 0) + 1
        if seen[run.name] > 1:
            run.name = f"{run.name} ({seen[run.name]})"
    return runs


def _decode(data: bytes, path: Path) -> str:
    """Bytes -> text, refusing binary files; handles UTF-8 and UTF-16 (PowerShell's ``>``)."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = _decode_without_bom(data, path)
    head = text[:SNIFF_BYTES]
    odd_characters = head.count("\ufffd") + len(_BINARY_CONTROL_RE.findall(head))
    if head and odd_characters > MAX_BINARY_SHARE * len(head):
        raise UserError(f"{path} is not a text file ({odd_characters} of its first "
                        f"{len(head)} characters are binary); {_KINDS_HINT}")
    return text


def _decode_without_bom(data: bytes, path: Path) -> str:
    sample = data[:SNIFF_BYTES]
    for offset, encoding in ((1, "utf-16-le"), (0, "utf-16-be")):
        high_bytes = sample[offset::2]
        if len(sample) >= 4 and high_bytes.count(0) >= UTF16_NUL_SHARE * len(high_bytes):
            text = data.decode(encoding, errors="replace")
            head = text[:SNIFF_BYTES]
            if sum(character < "\x80" for character in head) >= UTF16_ASCII_SHARE * len(head):
                return text
    if b"\x00" in sample:
        raise UserError(f"{path} is not a text file (it contains NUL bytes); {_KINDS_HINT}")
    return data.decode("utf-8", errors="replace")


def _looks_like_csv(text: str) -> bool:
    """A table: the first rows split into the same number (>= 2) of fields."""
    lines = [line for line in text[:SNIFF_BYTES].splitlines() if line.strip()][:5]
    if not lines:
        return False
    delimiter = _sniff_delimiter(lines[0])
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    widths = {len(row) for row in rows}
    if len(rows) == 1:  # a CSVLogger header before the first epoch ended
        return len(rows[0]) >= 2 and "epoch" in (cell.strip().lower() for cell in rows[0])
    return len(widths) == 1 and widths.pop() >= 2 and _parse_progress(
        _last_drawing(lines[1])) is None


def detect_kind(text: str, suffix: str = "") -> str:
    """``"json"``, ``"csv"`` or ``"console"``, from the content (``suffix`` breaks ties)."""
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") and (suffix == ".json" or _valid_json(stripped)):
        return "json"
    if _looks_like_csv(text) and not _EPOCH_RE.search(text[:SNIFF_BYTES]):
        return "csv"
    return "console"


def _valid_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


_PARSERS = {"json": parse_history_json, "csv": parse_csv, "console": parse_console}
_KIND_NAMES = {"json": "history JSON", "csv": "CSV", "console": "console log"}


def read_log_text(path: Path | str) -> str:
    """The text of a log file, or :class:`UserError` (missing, a folder, empty, binary)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder; give a log file ({_KINDS_HINT})") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read it ({error.strerror or error})") from None
    if not data.strip():
        raise UserError(f"{path} is empty: there is no training log in it")
    text = _decode(data, path)
    if not text.strip():
        raise UserError(f"{path} is empty: there is no training log in it")
    return text


def parse_log(path: Path | str) -> list[RunLog]:
    """Every run in a log file, whatever its kind (console, CSVLogger CSV or history JSON).

    Raises :class:`unetdiag.exitcodes.UserError` (one line naming the file) when the file is
    missing, empty, binary or not a training log; never lets a parsing error through.
    """
    path = Path(path)
    text = read_log_text(path)
    kind = detect_kind(text, path.suffix.lower())
    try:
        runs = _PARSERS[kind](text)
    except LogFormatError as error:
        if kind != "console":
            # a console log that happens to start with "[" or look tabular
            try:
                runs = parse_console(text)
            except LogFormatError:
                raise UserError(f"{path}: {error}") from None
            kind = "console"
        else:
            raise UserError(f"{path}: {error}; {_KINDS_HINT}") from None
    for run in runs:
        run.source = f"{path.name}: {run.source}"
    return runs


def histories(runs: Iterable[RunLog]) -> dict[str, dict[str, list[float | None]]]:
    """``{run name: run.history()}``, the input of ``saturation.check_across_runs``."""
    return {run.name: run.history() for run in runs}
