"""A Markdown pipe table of one row per epoch -> runs (a Hugging Face Keras model card).

Keras models pushed to the Hugging Face Hub carry a ``## Training Metrics`` table in their
model card::

    | Epochs | Train Loss | Train Accuracy | Validation Loss | Validation Accuracy |
    |--- |--- |--- |--- |--- |
    | 1| 1.206|  0.636|  2.55|  0.555|

It is a CSVLogger file in disguise: "Train X" is Keras's ``x``, "Validation X" its ``val_x``,
and the epochs count from 1 (a table whose first row is epoch 0 counts as CSVLogger does, and
its epochs are renumbered from 1, as for a CSVLogger file, with a note saying so). Cards that
transformers' Keras callback writes put the epoch last, counted from 0 (``| Train Loss |
Validation Loss | Epoch |``, then ``| 2.4667 | 2.1935 | 0 |``).
:func:`markdown_epoch_table` finds the first such table (a header whose first or last column
is "Epoch" or "Epochs", then a ``---`` row, and epochs that go up one a row) and returns its
runs, or ``[]``.

>>> table = "| Epochs | Train Loss | Validation Loss |\\n|---|---|---|\\n"
>>> [run.history()["val_loss"] for run in markdown_epoch_table(
...     table + "| 1| 0.9| 1.2|\\n| 2| 0.7| 1.1|")]
[[1.2, 1.1]]
"""

from __future__ import annotations

import re

from unetdiag.diag.logs.model import LogFormatError, RunLog
from unetdiag.diag.logs.results_table import results_table_reason
from unetdiag.diag.logs.tabular import parse_csv

_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
_PHASE_RE = re.compile(r"^(?:(?P<train>train(?:ing)?)|(?P<val>val(?:idation)?))[\s_]+(?P<rest>.+)$",
                       re.IGNORECASE)


#: A cell holding a plain decimal number (no exponent, no percent sign).
_DECIMAL_RE = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)$")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _column(name: str) -> str:
    """``Train Loss`` -> ``loss``, ``Validation Mean IoU`` -> ``val_mean_iou``."""
    phase = _PHASE_RE.match(name.strip())
    rest = phase["rest"] if phase else name
    key = re.sub(r"\W+", "_", rest.strip().lower()).strip("_")
    return f"val_{key}" if phase and phase["val"] else key


def markdown_epoch_table(text: str) -> list[RunLog]:
    """The runs of the first Markdown table with an epoch column, or []."""
    lines = text.splitlines()
    for number, line in enumerate(lines[:-1]):
        header = _cells(line)
        at = _epoch_column(header)
        if at is None or trainer_table(line) or not _RULE_RE.match(lines[number + 1]):
            continue
        rows = []
        for row in lines[number + 2:]:
            if "|" not in row:
                break
            cells = _cells(row)
            if len(cells) != len(header):
                break
            rows.append(cells)
        if not rows or not counts_up([cells[at] for cells in rows]) \
                or results_table_reason(header, rows, at) is not None:
            continue  # none, or a table of results (each row a model's count of epochs)
        columns = ["epoch" if position == at else _column(name)
                   for position, name in enumerate(header)]
        # CSVLogger counts epochs from 0; a model card's table from 1, unless its first row
        # is epoch 0 (then its numbers are CSVLogger's, shifted by one as a CSV file's are)
        from_zero = _number(rows[0][at]) == 0
        shift = 0 if from_zero else 1
        csv_text = "\n".join([",".join(columns)] + [
            ",".join(str(int(float(cell)) - shift)
                     if position == at and _number(cell) is not None else cell
                     for position, cell in enumerate(cells)) for cells in rows])
        try:
            runs = parse_csv(csv_text + "\n")
        except LogFormatError:
            return []
        half_units = _printed_half_units(columns, rows, at)
        for run in runs:
            run.source = f"Markdown table of epochs, lines {number + 1}-{number + 2 + len(rows)}"
            run.notes.append(_note(number, header, at, from_zero))
            run.printed_half_units = half_units
        return runs
    return []


def _epoch_column(header: list[str]) -> int | None:
    """Where (0-based) a model card's table keeps its epoch: first, or (transformers' Keras
    callback) last; None for any other header."""
    names = [cell.lower() for cell in header]
    if len(names) < 2:
        return None
    return next((at for at in (0, len(names) - 1) if names[at] in ("epoch", "epochs")), None)


#: Any Markdown table rule, model card's or not: ``-- | --``, ``|---|---|``, ``:--``.
_ANY_RULE_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?\s*$")


def epoch_table_seen(text: str) -> tuple[int, str, str, int, list[str], str | None] | None:
    """(line, header, rule, epoch column (1-based), the column's values in the rows under the
    rule, why its rows are separate runs or None) of a Markdown table with an epoch column,
    under any rule (``-- | --`` too): what a file explain-log cannot read holds, said in its
    error."""
    lines = text.splitlines()
    for number, line in enumerate(lines[:-1]):
        cells = _cells(line)
        header = [cell.lower() for cell in cells]
        column = next((at for at, cell in enumerate(header, start=1)
                       if cell in ("epoch", "epochs")), None)
        if len(header) >= 2 and column is not None and _ANY_RULE_RE.match(lines[number + 1]):
            rows = []
            for row in lines[number + 2:]:
                row_cells = _cells(row) if "|" in row else []
                if len(row_cells) < column:
                    break
                rows.append(row_cells)
            values = [row_cells[column - 1] for row_cells in rows]
            reason = results_table_reason(cells, rows, column - 1)
            return number + 1, line.strip(), lines[number + 1].strip(), column, values, reason
    return None


def counts_up(values: list[str]) -> bool:
    """Whether an epoch column's values go up by one step a row, as a row per epoch (or per
    k epochs: ugent's 5, 10, 15) does, starting again only at the first row's value (fit()
    calls one after another: 5, 10, 5, 10, 15); a results table's 'Epochs' column does not,
    whether it falls (50, 50, 80: each model's count of epochs) or rises unevenly (10, 20,
    50: an ablation over the number of epochs). Across a cell with no number (a cut's
    ``...``) any rise passes; no numbers decide nothing."""
    numbers = [_number(value) for value in values]
    first = next((number for number in numbers if number is not None), None)
    previous, cut, step = None, False, None
    for number in numbers:
        if number is None:
            cut = previous is not None
            continue
        restart = previous is not None and number == first and number < previous
        if previous is not None and not restart and not (number > previous and cut):
            step = number - previous if step is None else step
            if step <= 0 or number - previous != step:
                return False
        previous, cut = number, False
    return True


def trainer_table(header: str) -> bool:
    """A Hugging Face Trainer's (PyTorch) 'Training results' table: ``| Training Loss |
    Epoch | Step | Validation Loss | ...``, its metrics the evaluation set's, unprefixed, and
    its epochs fractions where it evaluates every few steps."""
    cells = [cell.lower() for cell in _cells(header)]
    return cells[:3] == ["training loss", "epoch", "step"]


def model_card_header(header: str) -> bool:
    """A header in the layout of a model card's table: the epoch first or last, and not a
    Hugging Face Trainer's (PyTorch) table."""
    return _epoch_column(_cells(header)) is not None and not trainer_table(header)


def model_card_rule(rule: str) -> bool:
    """A rule of the model card's table (``|---|---|``: three dashes or more)."""
    return bool(_RULE_RE.match(rule))


def _printed_half_units(columns: list[str], rows: list[list[str]], at: int
                        ) -> dict[str, float]:
    """Each column's widest half unit of its cells' last printed decimal (``0.99``: 0.005),
    over the short prints (at most eight decimals; a longer one is a float written whole): a
    table may print one column to fewer decimals than the others."""
    found: dict[str, float] = {}
    for cells in rows:
        for position, cell in enumerate(cells):
            decimals = len(cell.partition(".")[2])
            if position != at and _DECIMAL_RE.match(cell) and decimals <= 8:
                half_unit = float(f"5e{-decimals - 1}")
                found[columns[position]] = max(found.get(columns[position], 0.0), half_unit)
    return found


def _number(cell: str) -> float | None:
    """A whole epoch number in a cell, else ``None``."""
    return float(cell) if cell.replace(".", "", 1).isdigit() else None


def _note(number: int, header: list[str], at: int, from_zero: bool) -> str:
    """How the table at line ``number`` (0-based) was read: its column names as Keras's, only
    for the columns named so, and its epoch numbers (column ``at``)."""
    phases = [_PHASE_RE.match(name.strip()) for position, name in enumerate(header)
              if position != at and re.match(r"\S+\s", name.strip())]  # not "val_loss"
    read = ([f"'{p['train']} X' read as Keras's x" for p in phases if p and p["train"]][:1]
            + [f"'{p['val']} X' as val_x" for p in phases if p and p["val"]][:1])
    epochs = ("its epochs count from 0, as CSVLogger's do: epochs here count from 1, as Keras "
              "prints them (one more than the table's)" if from_zero else
              "its epochs read as Keras prints them")
    return (f"read the Markdown table at line {number + 1} ({' | '.join(header)}): "
            + ", ".join([*read, "one row per epoch", epochs]))
