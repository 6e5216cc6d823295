"""Tables of numbers per epoch -> runs: Keras ``CSVLogger`` files and ``history`` JSON.

- **CSVLogger** output: an ``epoch`` column and one column per metric; an epoch number that
  does not increase (``append=True`` across runs) starts a new run; a column of whole
  numbers named fold, split, trial or run (``fold_id``, ``cv_fold``...) names each row's run
  (one run per value, "fold 0", ...: separate runs, and no metric).
- **history JSON**: ``{"loss": [...], ...}`` (``model.fit(...).history``), a list of such
  dicts, ``{run name: {metric: [...]}}``, or a list of per-epoch ``{metric: value}`` dicts;
  also as Python prints it (``print(history.history)``: single or typographic quotes, ``nan``,
  ``np.float32(0.5)``), followed by anything.

>>> [run.epochs for run in parse_csv("epoch,loss,val_loss\\n0,0.5,nan\\n1,0.4,0.3\\n")]
[[{'loss': 0.5, 'val_loss': nan}, {'loss': 0.4, 'val_loss': 0.3}]]
>>> [(run.name, run.epochs) for run in parse_history_json('{"a": {"loss": [0.5, null]}}')]
[('a', [{'loss': 0.5}, {}])]
>>> parse_history_json("{'loss': [0.5, nan]}\\n[0, 1]")[0].epochs
[{'loss': 0.5}, {'loss': nan}]
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from unetdiag.diag.logs.appended import mark_appended_fits
from unetdiag.diag.logs.model import (
    FULL_PRECISION_DECIMALS,
    LogFormatError,
    RunLog,
    print_half_units,
    to_float,
    unique_names,
)
from unetdiag.diag.logs.results_table import epoch_count_column, results_table_reason

_CSV_DELIMITERS = ",;\t"
# Python's repr of a history, made JSON: quotes (typographic ones from a blog paste too),
# nan/inf/None/True/False, and NumPy scalars.
_REPR_QUOTES = str.maketrans({"'": '"', "\u2018": '"', "\u2019": '"', "\u201c": '"',
                              "\u201d": '"'})
_REPR_WORDS = {"nan": "NaN", "inf": "Infinity", "None": "null", "True": "true",
               "False": "false"}
_REPR_WORD_RE = re.compile(r"\b(?:nan|inf|None|True|False)\b")
_NUMPY_SCALAR_RE = re.compile(r"np\.(?:float|int)\d*\(([^()]*)\)")
_BRACKETS = {"{": "}", "[": "]"}
_METRIC_WORDS = ("loss", "acc", "dice", "iou", "io_u", "jaccard", "f1", "precision", "recall",
                 "auc", "mse", "mae", "crossentropy")


#: A column naming the run of each row (K-fold cross-validation, a search's trials): its
#: rows are separate runs, one per value, and the column is no metric.
_RUN_ID_RE = re.compile(r"(?:cv_?)?(?:fold|split|trial|run)(?:_?(?:id|idx|index|no|number))?",
                        re.IGNORECASE)


def _id_text(cell: str) -> str:
    number = to_float(cell)
    return str(int(number)) if number is not None and number == int(number) else cell


def _whole_numbers(rows: Sequence[Sequence[str]], column: int, width: int) -> bool:
    """Whether every full row holds a whole number in ``column`` (repeated headers aside)."""
    cells = [row[column].strip() for row in rows if len(row) == width]
    numbers = [to_float(cell) for cell in cells if not _RUN_ID_RE.fullmatch(cell)]
    return bool(numbers) and all(n is not None and math.isfinite(n) and n == int(n)
                                 for n in numbers)


def _line(number: int) -> str:
    """``line 8`` (of the file, the header line 1), or ``a row`` when lines are not known."""
    return f"line {number}" if number else "a row"


def _looks_like_metric(column: str) -> bool:
    lowered = column.lower()
    return any(word in lowered for word in _METRIC_WORDS)


#: Characters no column name of a history table holds, but a tqdm line does (``loss=0.693``,
#: ``100%|####|``); ``<lambda>``, ``acc%`` or ``dice[0]`` are names a history may hold.
_NOT_IN_COLUMN_NAMES_RE = re.compile(r"[=|]")


def _sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in _CSV_DELIMITERS}
    return max(counts, key=lambda d: counts[d])



#: A number written with a decimal comma (``0,9012``, ``1,5e-04``), as a spreadsheet in a
#: German or French locale re-saves a CSVLogger file.
_DECIMAL_COMMA_RE = re.compile(r"[+-]?\d+,\d+(?:[eE][+-]?\d+)?")
_DECIMAL_POINT_RE = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")


def _decimal_commas(rows: Sequence[Sequence[str]]) -> tuple[str, bool]:
    """The first cell written with a decimal comma ("" when none) and whether another cell
    holds a decimal point (then ``1.234,5`` could be a thousands mark: not read)."""
    cells = [cell.strip() for row in rows for cell in row]
    comma = next((cell for cell in cells if _DECIMAL_COMMA_RE.fullmatch(cell)), "")
    return comma, any(_DECIMAL_POINT_RE.fullmatch(cell) for cell in cells)


def _no_rows_cause(delimiter: str, rows: Sequence[Sequence[str]], width: int) -> str:
    """Why no row of numbers was read, where the rows show it: decimal commas."""
    comma, point = _decimal_commas(rows)
    if delimiter == ",":
        # "0,9012" split into two fields: find a run of digits on both sides of a comma
        wider = [row for row in rows if len(row) > width]
        if wider and all(len(row) > width for row in rows if any(c.strip() for c in row)):
            return (f": every row has more fields than the header's {width} (the first: "
                    f"{len(rows[0])}), consistent with numbers written with decimal commas in "
                    "a comma-separated file, where a comma then also separates fields; "
                    "re-save the file with decimal points")
        return ""
    if comma:
        return (f": {len(rows)} rows follow, with decimal commas ({comma}) beside decimal "
                "points, which leave a comma's meaning open (a decimal or a thousands mark); "
                "re-save the file with decimal points" if point else "")
    return ""


def csv_rows(lines: Sequence[str]) -> list[list[str]]:
    """Non-blank lines of a table -> rows of cells, split at the delimiter the first line uses
    most (comma, semicolon or tab)."""
    delimiter = _sniff_delimiter(lines[0])
    return list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))


def parse_csv(text: str) -> list[RunLog]:
    """Runs in a Keras ``CSVLogger`` file (``epoch`` column plus one column per metric).

    An epoch number that does not increase starts a new run (``CSVLogger(append=True)``
    appends the next run's rows without a new header). Raises :class:`LogFormatError` for a
    table that is not a training log.
    """
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    lines = [line for _, line in numbered]
    if not lines:
        raise LogFormatError("the CSV file has no rows")
    rows = csv_rows(lines)
    delimiter = _sniff_delimiter(lines[0])
    comma, point = _decimal_commas(rows[1:])
    # fields split at ';' or a tab leave a comma one meaning, a decimal mark, when no number
    # uses a point (red team s31: a CSVLogger file re-saved by a spreadsheet, 0;0,9012;...)
    decimal_comma = delimiter != "," and bool(comma) and not point
    if decimal_comma:
        rows = [rows[0], *([cell.replace(",", ".") if _DECIMAL_COMMA_RE.fullmatch(cell.strip())
                            else cell for cell in row] for row in rows[1:])]
    # each row's line in the file (header line 1, blank lines counted), 0 when a quoted cell
    # spans lines and rows no longer match lines
    line_of = ([n for n, _ in numbered] if len(rows) == len(lines) else [0] * len(rows))
    header = [cell.strip() for cell in rows[0]]
    has_epoch = any(column.lower() == "epoch" for column in header)
    not_names = [column for column in header if _NOT_IN_COLUMN_NAMES_RE.search(column)]
    if not_names:
        raise LogFormatError(f"the first line is not a row of column names (it holds "
                             f"{not_names[0]!r})")
    if not has_epoch and not any(_looks_like_metric(column) for column in header):
        shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
        raise LogFormatError(
            f"this CSV is not a Keras training log: its columns ({shown}) include neither "
            "'epoch' nor a metric such as loss, accuracy, dice or iou")
    written_header = [column.lower() for column in header]
    # pandas' DataFrame(history.history).to_csv(): an unnamed index (0 to n-1), the epoch
    # unless an epoch column is there too; pandas writes NaN as an empty cell
    pandas = header[0] in ("", "Unnamed: 0")
    epoch_column = next((i for i, c in enumerate(header) if c.lower() == "epoch"), None)
    if pandas:
        if epoch_column is None:
            epoch_column = 0
        header[0] = "epoch"
    # PyTorch Lightning's metrics.csv: epoch and step columns, one epoch over several rows
    # with blank cells
    stepped = "step" in written_header
    # a fold/trial/run column of whole numbers (not a split column of "train"/"val" rows)
    id_column = next((i for i, column in enumerate(header) if _RUN_ID_RE.fullmatch(column)
                      and i != epoch_column and _whole_numbers(rows[1:], i, len(header))),
                     None)
    # a results table (one model a row, trained for the row's number of epochs): no run
    count_column = epoch_column if epoch_column is not None else next(
        (i for i, column in enumerate(header) if epoch_count_column(column)), None)
    if count_column is not None and not pandas:
        reason = results_table_reason(header, [[cell.strip() for cell in row]
                                               for row in rows[1:]], count_column)
        if reason is not None:
            raise LogFormatError(f"this CSV is not a training log: {reason}")
    # CSVLogger counts epochs from 0; a logger naming its training columns train_ is not
    # Keras's, and one whose epoch column starts at 1 counts from 1 (a cardiac run's
    # training_log.csv: epochs 1-10, read as 2-11)
    first_epoch = next((to_float(row[epoch_column].strip()) for row in rows[1:]
                        if epoch_column is not None and len(row) == len(header)), None)
    epoch_offset = 0 if first_epoch == 1 and any(
        column.startswith("train_") for column in header) else 1
    run_id: str | None = None
    runs: list[RunLog] = []
    notes: list[str] = []
    skipped_columns: set[str] = set()
    not_logged_columns: set[str] = set()  # CSVLogger writes "NA" for a key an epoch lacks
    prints: dict[int, dict[str, list[str]]] = {}  # id(run) -> column -> its numbers as written
    current: RunLog | None = None
    previous_epoch: float | None = None
    previous_sparse = False
    merged_rows = 0
    appended: dict[int, int] = {}  # a run started by an epoch number going back -> its row
    repeated_header: int | None = None  # the line of a header repeated since the last numbers
    for row_number, row in zip(line_of[1:], rows[1:], strict=True):
        cells = [cell.strip() for cell in row]
        if [c.lower() for c in cells] == written_header:
            repeated_header = row_number  # the next run, unless the epochs go on
            continue
        if len(cells) != len(header):
            notes.append(f"{_line(row_number)} has {len(cells)} fields, the header "
                         f"{len(header)}: skipped")
            continue
        epoch_number = to_float(cells[epoch_column]) if epoch_column is not None else None
        if epoch_column is not None and epoch_number is None:
            notes.append(f"{_line(row_number)}: epoch {cells[epoch_column]!r} is not a number: "
                         "skipped")
            continue
        values: dict[str, float] = {}
        written: dict[str, str] = {}
        for position, (column, cell) in enumerate(zip(header, cells, strict=True)):
            if column.lower() == "epoch" or position in (epoch_column, id_column) or (
                    cell == "" and not pandas):
                continue
            value = math.nan if cell == "" else to_float(cell)
            if cell == "NA":
                not_logged_columns.add(column)
            elif value is None:
                skipped_columns.add(column)
            else:
                values[column] = value
                written[column] = cell
        sparse = "" in cells or previous_sparse
        previous_sparse = "" in cells
        new_id = (id_column is not None and current is not None
                  and cells[id_column] != run_id)
        if (not new_id and stepped and current is not None and current.epochs
                and epoch_number is not None and epoch_number == previous_epoch and sparse):
            # one epoch over several rows with blank cells (PyTorch Lightning's metrics.csv:
            # step rows, then validation, then epoch means): merged, the later value kept
            current.epochs[-1].update(values)
            _add_prints(prints.setdefault(id(current), {}), written)
            merged_rows += 1
            continue
        if repeated_header is not None:
            if (epoch_number is not None and previous_epoch is not None
                    and epoch_number > previous_epoch):
                # Keras wrote the header again at each fit appended to the file until
                # keras#4426 (2016): a resumed fit whose epochs go on is the same run
                notes.append(f"{_line(repeated_header)} repeats the header, and the epoch column "
                             f"goes on from {cells[epoch_column]} after it: read as one run "
                             "resumed (CSVLogger(append=True) wrote the header again at each "
                             "fit until keras#4426, 2016)")
            else:
                current, previous_epoch = None, None
            repeated_header = None
        restarted = (current is not None and epoch_number is not None
                     and previous_epoch is not None and epoch_number <= previous_epoch)
        if current is None or restarted or new_id:
            name = (f"{header[id_column]} {_id_text(cells[id_column])}"
                    if id_column is not None else f"run {len(runs) + 1}")
            current = RunLog(name=name, epochs=[], step_seconds=[], source="")
            runs.append(current)
            if restarted and not new_id and not pandas and not stepped:
                appended[id(current)] = row_number
            run_id = cells[id_column] if id_column is not None else None
        previous_epoch = epoch_number
        _add_prints(prints.setdefault(id(current), {}), written)
        current.epochs.append(values)
        current.step_seconds.append(None)
        current.steps_per_epoch.append(None)
        if epoch_number is not None and epoch_number == int(epoch_number) >= 0:
            current.epoch_numbers.append(int(epoch_number) + epoch_offset)
    kept = [run for run in runs if any(run.epochs)]
    if not kept:
        raise LogFormatError("no rows of numbers follow its first line, read as a CSV header"
                             + _no_rows_cause(delimiter, rows[1:], len(header)))
    mark_appended_fits(runs, kept, appended)
    if id_column is not None:
        notes.append(f"column {header[id_column]!r} names the run of each row: one run per "
                     f"value ({', '.join(run.name for run in kept)}), read as separate runs, "
                     "and not as a metric")
    runs = kept
    whole = _whole_columns(prints.values())
    for run in runs:
        if len(run.epoch_numbers) != len(run.epochs):
            run.epoch_numbers = []
        run.printed_half_units = print_half_units(
            {column: texts for column, texts in prints.get(id(run), {}).items()
             if column not in whole})
    if decimal_comma:
        between = "a tab" if delimiter == "\t" else repr(delimiter)
        notes.append(f"numbers written with decimal commas ({comma}) read as decimals: the "
                     f"fields are separated by {between}, so a comma can only be a decimal mark")
    if not_logged_columns:
        notes.append(f"'NA' in column(s) {', '.join(sorted(not_logged_columns))}, read as not "
                     "logged at those epochs (CSVLogger writes NA for a metric an epoch did "
                     "not log, e.g. validation run only every few epochs)")
    if skipped_columns:
        columns = ", ".join(sorted(skipped_columns))
        notes.append(f"non-numeric values skipped in column(s) {columns}" + (
            f" (among them numbers with decimal commas, {comma}, beside others with decimal "
            "points: a comma may then be a decimal or a thousands mark; re-save the file with "
            "decimal points)" if comma and not decimal_comma else ""))
    if merged_rows:
        notes.append(f"{merged_rows} rows with blank cells shared their epoch number with the "
                     "row before (a log with a step column, as PyTorch Lightning writes) and "
                     "were merged into it (a column's later value kept)")
    for run in runs:
        run.source = "CSVLogger file" + (f", run {runs.index(run) + 1} of {len(runs)}"
                                          if len(runs) > 1 else "") + (
            " (its epoch column counts from 0: epochs here count from 1, as Keras prints them)"
            if run.epoch_numbers and run.epoch_numbers[0] == 1 else
            " (its epoch column is read as CSVLogger's, counting from 0: epochs here are one "
            "more)" if run.epoch_numbers else "")
        run.notes.extend(notes)
    return unique_names(runs)


def _add_prints(prints: dict[str, list[str]], written: dict[str, str]) -> None:
    for column, cell in written.items():
        prints.setdefault(column, []).append(cell)


def _whole_columns(runs: Iterable[dict[str, list[str]]]) -> set[str]:
    """The columns written whole, whose cells are the values themselves: any cell shows a
    float's every digit (CSVLogger writes ``repr``), or, in a file holding such a column,
    every cell is a float32 that ``repr`` writes short (a float32 metric's ``1.0``, ``0.75``:
    exact). The others were rounded (``float_format='%.3f'`` or by hand: ``0.996`` stands
    for 0.9955-0.9965); a lr written whole beside an accuracy rounded to 0.996 leaves the
    accuracy rounded."""
    columns: dict[str, list[str]] = {}
    for run in runs:
        for column, texts in run.items():
            columns.setdefault(column, []).extend(texts)
    whole = {column for column, texts in columns.items() if any(
        len(text.strip().lower().partition("e")[0].partition(".")[2]) > FULL_PRECISION_DECIMALS
        for text in texts)}
    if whole:
        whole |= {column for column, texts in columns.items()
                  if all(_float32_exact(text) for text in texts)}
    return whole


def _float32_exact(text: str) -> bool:
    """Whether a cell's number is a float32's value exactly (``0.75``, ``1.0``; not ``0.996``)."""
    value = to_float(text)
    if value is None or not math.isfinite(value):
        return True
    return struct.unpack("f", struct.pack("f", value))[0] == value


def _series_value(value: Any) -> float | None | str:
    """One epoch's value in a history list: float, None (not logged) or "bad"."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "bad"
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        number = to_float(value)
        return "bad" if number is None else number
    if isinstance(value, list) and len(value) == 1:
        return _series_value(value[0])
    return "bad"


def _names_metric(key: Any) -> bool:
    """A key a Keras history holds: a loss, a ``val_`` twin or a metric's name (red team
    s31: ``{"mean": [0.485, ...], "std": [...]}``, ImageNet's normalisation, passed as a
    3-epoch run)."""
    return isinstance(key, str) and (key.startswith("val_") or _looks_like_metric(key))


def _is_history(obj: Any) -> bool:
    """A dict of metric -> list of numbers (at least one list with at least one number, under
    a key that names a loss or a metric)."""
    if not isinstance(obj, Mapping) or not obj:
        return False
    lists = [v for k, v in obj.items() if isinstance(v, list) and _names_metric(k)]
    return bool(lists) and any(isinstance(_series_value(item), float)
                               for values in lists for item in values)


def _is_epoch_records(obj: Any) -> bool:
    """A list of per-epoch dicts of scalars: ``[{"loss": 0.1, "val_loss": 0.2}, ...]``."""
    return (isinstance(obj, list) and bool(obj) and all(isinstance(e, Mapping) for e in obj)
            and all(isinstance(_series_value(v), float) or v is None
                    for record in obj for k, v in record.items() if k != "epoch")
            and any(isinstance(_series_value(v), float) and _names_metric(k)
                    for record in obj for k, v in record.items()))


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


def _first_block(text: str) -> str | None:
    """The first balanced ``{...}`` or ``[...]`` of ``text`` (quoted brackets skipped)."""
    start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
    if start < 0:
        return None
    stack: list[str] = []
    quote = ""
    for position in range(start, len(text)):
        character = text[position]
        if quote:
            quote = "" if character == quote else quote
        elif character == '"':
            quote = character
        elif character in _BRACKETS:
            stack.append(_BRACKETS[character])
        elif stack and character == stack[-1]:
            stack.pop()
            if not stack:
                return text[start:position + 1]
    return None


def _from_python_repr(text: str) -> Any:
    """A history as Python prints it, or ``None``."""
    block = _first_block(text.translate(_REPR_QUOTES))
    if block is None:
        return None
    block = _NUMPY_SCALAR_RE.sub(r"\1", block)
    block = _REPR_WORD_RE.sub(lambda match: _REPR_WORDS[match[0]], block)
    try:
        return json.loads(block)
    except ValueError:
        return None


def history_data(text: str) -> Any:
    """The object a history file holds: JSON, or Python's print of a history; ``None`` when
    the text is neither."""
    try:
        return json.loads(text)
    except ValueError:
        return _from_python_repr(text)


def parse_history_json(text: str) -> list[RunLog]:
    """Runs in a ``history`` JSON (see the module docstring for the accepted shapes).

    ``NaN``/``Infinity`` (as Python's ``json`` writes them) and the strings ``"nan"``,
    ``"inf"`` are read as floats; ``null`` means "not logged". Raises :class:`LogFormatError`.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        data = _from_python_repr(text)
        if data is None:
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
        keys = list(data)[:6] if isinstance(data, Mapping) else []
        held = ("; no key with a list of numbers names a loss or a metric (top-level keys: "
                f"{', '.join(map(str, keys))}{', ...' if len(data) > 6 else ''})"
                if keys else "")
        raise LogFormatError(
            f"this JSON holds no training history{held}: expected {{\"loss\": [per-epoch "
            "values], ...}, a list of such dicts, or {run name: {metric: [values]}}")
    return unique_names(runs)

