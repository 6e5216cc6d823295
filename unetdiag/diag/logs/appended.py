"""A CSVLogger file appended over several fit() calls (``CSVLogger(append=True)`` writes its
header once, so each later fit's rows follow with the epoch column starting again): one run
per fit, marked as such. Whether a later fit trained the same model further (a resumed or
second-stage training) or a new one (another fold, another setting), the file does not say:
the runs are not compared as variants, and a later run's first epoch is not taken for its
model's first (``RunLog.appended_fit``).

>>> from unetdiag.diag.logs.model import RunLog
>>> runs = [RunLog(f"run {i}", [{"loss": 0.5}] * 2, [None] * 2, "") for i in (1, 2, 3)]
>>> mark_appended_fits(runs, runs, {id(runs[1]): 4, id(runs[2]): 6})
>>> [run.appended_fit for run in runs], appended_sentence(runs)[:62]
([1, 2, 3], ' This file holds 3 fit() calls appended to one CSVLogger file ')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.wording.text import join_names


def lines_of_the_file(lines: Sequence[int]) -> str:
    """`` at lines 8 and 14 of the file`` (the header line 1), "" for none."""
    if not lines:
        return ""
    return (f" at line{'s' if len(lines) > 1 else ''} {join_names(map(str, lines))} of the "
            "file")


def mark_appended_fits(runs: Sequence[RunLog], kept: Sequence[RunLog],
                       restarts: Mapping[int, int]) -> None:
    """Number the runs of each group of appended fits and note it in each.

    ``runs``: every run the CSV reader started, in order; ``kept``: those with values;
    ``restarts``: ``id(run)`` -> the line of the file (the header line 1; 0 when not known) at
    which the epoch column started again to begin it (a run not in it starts the file or
    follows a repeated header)."""
    groups: list[list[RunLog]] = []
    for run in runs:
        if id(run) in restarts and groups:
            groups[-1].append(run)
        else:
            groups.append([run])
    kept_ids = {id(run) for run in kept}
    for group in groups:
        rows = [restarts[id(run)] for run in group[1:] if restarts[id(run)]]
        group = [run for run in group if id(run) in kept_ids]
        if len(group) < 2:
            continue
        names = join_names([run.name for run in group])
        note = (f"this CSVLogger file holds {len(group)} fit() calls appended one after another "
                f"(CSVLogger(append=True) writes its header once): the epoch column starts "
                f"again{lines_of_the_file(rows)}, and each fit is read as a run ({names}). "
                "Whether a later fit trained the same "
                "model further or a new one (another fold or setting), the file does not say: "
                "the runs are not compared with one another as variants, and a later run's "
                "first epoch is not taken for its model's first")
        for position, run in enumerate(group, start=1):
            run.appended_fit = position
            run.appended_row = restarts.get(id(run), 0)
            run.notes.append(note)


def appended_sentence(runs: Sequence[RunLog]) -> str:
    """The headline's sentence on appended fits ("" when the file holds none)."""
    group = [run for run in runs if run.appended_fit]
    if not group:
        return ""
    rows = [run.appended_row for run in group if run.appended_row]
    return (f" This file holds {len(group)} fit() calls appended to one CSVLogger file (its "
            f"epoch column starts again{lines_of_the_file(rows)}), read as "
            f"{join_names([r.name for r in group])}"
            ": one model trained further or separate models, the file does not say, so they "
            "are not compared as variants.")
