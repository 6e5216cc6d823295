"""A table with an epoch column whose rows are separate runs: a table of results.

A paper's or a README's ablation over training length lists one model a row, trained for the
row's number of epochs::

    | Epochs | Model           | Train Loss | Validation Dice |
    | 10     | U-Net           | 0.31       | 0.71            |
    | 20     | Attention U-Net | 0.24       | 0.78            |

Read as one run it would be "still rising at epoch 20", a claim about a training curve no one
drew. Epoch numbers that rise unevenly (10, 20, 50) say so alone
(:func:`~unetdiag.diag.logs.markdown_table.counts_up`); numbers in even steps (10, 20, 30,
40) are also what a run logged every ten epochs prints, and the rest of the table decides:

- a column that names each row's configuration: text in every row (``U-Net``, ``Adam``), or
  a setting by its name (batch size, backbone, filters...) that differs between rows, and
  that changes while the epochs rise (a long-format CSV's model changes only where they start
  again; times, dates and metrics named for an output, ``decoder_loss``, name nothing);
- a column named for a count of epochs (``Epochs``, ``num_epochs``) that does not go up one
  a row: a model card's table of one run (``| Epochs | Train Loss |``) counts 1, 2, 3, and a
  run logged every k epochs names its column ``epoch``.

A table whose epochs go up one a row is a run's (several runs where it starts again), with
a text column or not.

>>> header = ["Epochs", "Train Loss", "Validation Dice"]
>>> rows = [["10", "0.31", "0.71"], ["20", "0.24", "0.78"], ["30", "0.2", "0.8"]]
>>> results_table_reason(header, rows, 0).split(" and is")[0]
"its column 'Epochs' (10, 20, 30) goes up 10 a row"
>>> results_table_reason(["epoch"] + header[1:], rows, 0) is None
True
"""

from __future__ import annotations

import itertools
import re

from unetdiag.diag.checks.saturation.metrics import metric_kind
from unetdiag.diag.logs.model import to_float

#: Column names that count a model's epochs rather than number one epoch.
_EPOCH_COUNT_RE = re.compile(r"(?:num|n|nb|number[ _]of|total)?[ _]?epochs(?:[ _]trained)?",
                             re.IGNORECASE)
#: Columns that name a setting of the training, not a metric (the learning rate is left
#: out: a schedule changes it from epoch to epoch within one run).
_SETTING_RE = re.compile(
    r"(?:^|[\s_])(?:model|architecture|backbone|encoder|decoder|optimi[sz]er|batch(?:[\s_]?size)?"
    r"|filters|depth|dropout|augment\w*|image[\s_]?size|input[\s_]?size|resolution|seed"
    r"|loss[\s_]function|method|config\w*|variant|setting)s?(?:$|[\s_])", re.IGNORECASE)
#: Words of a metric's name beside those :func:`metric_kind` knows: a ``decoder_loss`` or a
#: ``depth_mae`` is a multi-output model's metric, whatever setting word its output's name holds.
_METRIC_WORD_RE = re.compile(r"(?:^|[\s_])(?:mae|mse|rmse|precision|recall|auc|psnr|ssim|error"
                             r"|score)(?:$|[\s_])", re.IGNORECASE)
#: Cells that hold no value: not a setting's text.
_EMPTY_CELLS = frozenset({"", "-", "--", "na", "n/a", "nan", "...", "\u2026", "none"})
#: A time, date or duration (``0:01:23``, ``2021-03-04 12:00``, ``35s``): a log's clock, no
#: configuration.
_CLOCK_RE = re.compile(
    r"^[\d:./\- T]+(?:Z|[+-]\d\d:?\d\d)?$"  # 0:01:23, 2021-03-04T12:00:00Z (+01:00)
    r"|^(?:\d+(?:\.\d+)?\s*(?:ms|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\s*)+$",  # 1m 23s
    re.IGNORECASE)
#: A column named for a time, a date or a duration: the log's clock whatever its cells' form.
_CLOCK_NAME_RE = re.compile(r"(?:^|[\s_])(?:time|timestamp|date|datetime|duration|elapsed"
                            r"|wall[\s_]?time)s?(?:$|[\s_(])", re.IGNORECASE)
#: Cells quoted in the reason.
_SHOWN = 4


def _shown(values: list[str]) -> str:
    return ", ".join(values[:_SHOWN]) + (", ..." if len(values) > _SHOWN else "")


def epoch_count_column(name: str) -> bool:
    """A column named for a count of epochs (``Epochs``, ``num_epochs``), not one epoch."""
    return bool(_EPOCH_COUNT_RE.fullmatch(name.strip()))


def epoch_step(values: list[str]) -> float | None:
    """The one step between consecutive epoch numbers (2 -> 3: 1; 10 -> 20: 10), over the
    pairs that rise; a fit started again (back to the first number) or a cut's ``...`` sets
    none. None when no pair rises, the steps differ, or a number repeats or falls elsewhere
    (50, 50, 80: no run's epochs)."""
    steps = set()
    numbers = [to_float(value) for value in values]
    first = next((number for number in numbers if number is not None), None)
    for before, after in itertools.pairwise(numbers):
        if before is None or after is None:
            continue
        if after > before:
            steps.add(after - before)
        elif after != first:
            return None
    return steps.pop() if len(steps) == 1 else None


def setting_columns(header: list[str], rows: list[list[str]], at: int) -> dict[str, list[str]]:
    """Columns (other than the epoch's, ``at``) that name each row's configuration, with
    their distinct values: text in every row, or a setting by its name whose values differ
    between rows (a metric named for a model's output, ``decoder_loss``, is none), changing
    between two rows whose epoch rises. One run's configuration stays while its epochs rise:
    a column that changes only where they start again labels runs (a long-format CSV,
    ``unet,5 .. unet,20, attunet,5 ..``)."""
    full = [cells for cells in rows if len(cells) == len(header)]
    epochs = [to_float(cells[at]) for cells in full]
    rising = [index for index in range(1, len(full)) if epochs[index] is not None
              and epochs[index - 1] is not None and epochs[index] > epochs[index - 1]]
    found: dict[str, list[str]] = {}
    for position, name in enumerate(header):
        if position == at:
            continue
        cells = [cells[position] for cells in full]
        distinct = list(dict.fromkeys(cells))
        if _CLOCK_NAME_RE.search(name) or all(cells[i] == cells[i - 1] for i in rising):
            continue
        text = bool(cells) and all(to_float(cell) is None and cell.lower() not in _EMPTY_CELLS
                                   and not _CLOCK_RE.match(cell) for cell in cells)
        named = (_SETTING_RE.search(name) and metric_kind(name) in ("other", "bookkeeping")
                 and not _METRIC_WORD_RE.search(name))
        if text or (named and len(distinct) > 1):
            found[name] = distinct
    return found


def results_table_reason(header: list[str], rows: list[list[str]], at: int) -> str | None:
    """Why a table whose epoch column (``at``) rises in even steps (or, named for a count of
    epochs, unevenly) is a table of results, each row a separate run, in words; None when it
    may be one run's epochs (steps of 1, or steps of k under a column named ``epoch`` with no
    setting column)."""
    values = [cells[at] for cells in rows if len(cells) == len(header)]
    step = epoch_step(values)
    counts = epoch_count_column(header[at])
    if step is None and counts and len([v for v in values if to_float(v) is not None]) > 1:
        return (f"its column '{header[at]}' ({_shown(values)}), named for a count of epochs, "
                "does not go up by one step a row as a row per epoch does: read as a table of "
                "results (each row's length of training), not one run's epochs")
    if step is None or step == 1:
        return None
    settings = setting_columns(header, rows, at)
    if not settings and not counts:
        return None
    epochs = f"its column '{header[at]}' ({_shown(values)}) goes up {step:g} a row"
    if settings:
        named = "; ".join(f"'{name}' ({_shown(cells)})" for name, cells in settings.items())
        return (f"{epochs}, and its column(s) {named} name each row's configuration: read as "
                "a table of results, each row a model trained on its own, not one run's epochs")
    return (f"{epochs} and is named for a count of epochs: read as a table of results (each "
            "row's length of training), not one run's epochs; a model card's table of one run "
            f"counts 1, 2, 3, and a run logged every {step:g} epochs is read when the column is "
            "named 'epoch'")
