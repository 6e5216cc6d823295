"""The epoch bar of ``tqdm.keras.TqdmCallback``: a Keras run whose log keeps one line.

``model.fit(verbose=0, callbacks=[TqdmCallback()])`` draws an outer bar counting epochs and
redraws it in place; what a file or a notebook keeps is its last drawing, whose postfix holds
the last epoch's values, rounded by tqdm to three significant digits::

    50/50 [00:52<00:00, 1.03epoch/s, loss=0.000977, acc=1, val_loss=1.92, val_acc=0.762]

That is one epoch (the last) of the run, and it is read as such, with a note saying so; a
notebook may wrap the postfix after a comma, and the lines are joined.

>>> [run] = epoch_bars("50/50 [00:07<00:00, 23.10epoch/s, loss=0.643, val_loss=1.5]")
>>> run.epoch_numbers, run.epochs
([50], [{'loss': 0.643, 'val_loss': 1.5}])
"""

from __future__ import annotations

import re

from unetdiag.diag.logs.model import RunLog

#: ``50/50 [00:52<00:00, 1.03epoch/s, `` then the postfix up to ``]`` (maybe lines later).
_EPOCH_BAR_RE = re.compile(
    r"(?P<current>\d+)/(?P<total>\d+)\s*\[[^\]\n]*?(?:epoch/s|s/epoch),\s*(?P<postfix>[^\]]*)\]")
_PAIR_RE = re.compile(
    r"^(?P<name>[A-Za-z_][\w./-]*)=(?P<value>[-+]?(?:nan|inf|[\d.]+(?:e[-+]?\d+)?))$",
    re.IGNORECASE)
#: Lines a wrapped postfix may span before its closing ``]``.
MAX_WRAPPED_LINES = 5


def _joined(text: str) -> str:
    """The text with a bar's postfix wrapped over a few lines put back on one line."""
    lines, joined = text.split("\n"), []
    index = 0
    while index < len(lines):
        line = lines[index]
        if re.search(r"(?:epoch/s|s/epoch),", line) and "]" not in line:
            end = min(len(lines), index + MAX_WRAPPED_LINES)
            for follow in range(index + 1, end):
                line += " " + lines[follow].strip()
                if "]" in lines[follow]:
                    index = follow
                    break
        joined.append(line)
        index += 1
    return "\n".join(joined)


def epoch_bars(text: str) -> list[RunLog]:
    """One run per TqdmCallback epoch bar in ``text``, each holding its last epoch; empty
    when there is none (or none whose postfix holds a number)."""
    runs = []
    for match in _EPOCH_BAR_RE.finditer(_joined(text)):
        values = {}
        for item in match["postfix"].split(","):
            pair = _PAIR_RE.match(item.strip())
            if pair is not None:
                values[pair["name"]] = float(pair["value"])
        if not values:
            continue
        current, total = int(match["current"]), int(match["total"])
        runs.append(RunLog(
            name=f"run {len(runs) + 1}", epochs=[values], step_seconds=[None],
            source=f"tqdm.keras.TqdmCallback bar, epoch {current} of {total}",
            steps_per_epoch=[None], epoch_numbers=[current],
            notes=[f"a TqdmCallback bar prints only the last epoch's values (epoch {current} "
                   f"of {total}), rounded to three significant digits: read as that one epoch"]))
    return runs
