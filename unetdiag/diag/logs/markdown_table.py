"""A Markdown pipe table of one row per epoch -> runs (a Hugging Face Keras model card).

Keras models pushed to the Hugging Face Hub carry a ``## Training Metrics`` table in their
model card::

    | Epochs | Train Loss | Train Accuracy | Validation Loss | Validation Accuracy |
    |--- |--- |--- |--- |--- |
    | 1| 1.206|  0.636|  2.55|  0.555|

It is a CSVLogger file in disguise: "Train X" is Keras's ``x``, "Validation X" its ``val_x``,
and the epochs count from 1. :func:`markdown_epoch_table` finds the first such table (a
header whose first column is "Epoch" or "Epochs", then a ``---`` row) and returns its runs,
or ``[]``.

>>> table = "| Epochs | Train Loss | Validation Loss |\\n|---|---|---|\\n"
>>> [run.history()["val_loss"] for run in markdown_epoch_table(
...     table + "| 1| 0.9| 1.2|\\n| 2| 0.7| 1.1|")]
[[1.2, 1.1]]
"""

from __future__ import annotations

import re

from unetdiag.diag.logs.model import LogFormatError, RunLog
from unetdiag.diag.logs.tabular import parse_csv

_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?\s*$")
_PHASE_RE = re.compile(r"^(?:(?P<train>train(?:ing)?)|(?P<val>val(?:idation)?))[\s_]+(?P<rest>.+)$",
                       re.IGNORECASE)


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
        if (len(header) < 2 or header[0].lower() not in ("epoch", "epochs")
                or not _RULE_RE.match(lines[number + 1])):
            continue
        rows = []
        for row in lines[number + 2:]:
            if "|" not in row:
                break
            cells = _cells(row)
            if len(cells) != len(header):
                break
            rows.append(cells)
        if not rows:
            continue
        columns = ["epoch", *(_column(name) for name in header[1:])]
        # CSVLogger counts epochs from 0; the table from 1
        csv_text = "\n".join([",".join(columns)] + [
            ",".join([str(int(float(cells[0])) - 1) if cells[0].replace(".", "").isdigit()
                      else cells[0], *cells[1:]]) for cells in rows])
        try:
            runs = parse_csv(csv_text + "\n")
        except LogFormatError:
            return []
        for run in runs:
            run.source = f"Markdown table of epochs, lines {number + 1}-{number + 2 + len(rows)}"
            run.notes.append(
                f"read the Markdown table at line {number + 1} ({' | '.join(header)}): 'Train "
                "X' read as Keras's x, 'Validation X' as val_x, one row per epoch")
        return runs
    return []
