"""The epoch bar of ``tqdm.keras.TqdmCallback``: a Keras run whose log keeps one line.

``model.fit(verbose=0, callbacks=[TqdmCallback()])`` draws an outer bar counting epochs and
redraws it in place; what a file or a notebook keeps is its last drawing, whose postfix holds
the last epoch's values, rounded by tqdm to three significant digits::

    50/50 [00:52<00:00, 1.03epoch/s, loss=0.000977, acc=1, val_loss=1.92, val_acc=0.762]

That is one epoch (the last) of the run, and it is read as such, its source saying so; a
notebook may wrap the postfix after a comma, and the lines are joined.

>>> [run] = epoch_bars("50/50 [00:07<00:00, 23.10epoch/s, loss=0.643, val_loss=1.5]")
>>> run.epoch_numbers, run.epochs
([50], [{'loss': 0.643, 'val_loss': 1.5}])
"""

from __future__ import annotations

import math
import re

from unetdiag.diag.logs.model import RunLog

#: ``50/50 [00:52<00:00, 1.03epoch/s, `` then the postfix up to ``]`` (maybe lines later).
_EPOCH_BAR_RE = re.compile(
    r"(?P<current>\d+)/(?P<total>\d+)\s*\[[^\]\n]*?(?:epoch/s|s/epoch),\s*(?P<postfix>[^\]]*)\]")
_PAIR_RE = re.compile(
    r"^(?P<name>[A-Za-z_][\w./-]*)=(?P<value>[-+]?(?:nan|inf|[\d.]+(?:e[-+]?\d+)?))$",
    re.IGNORECASE)
#: The significant digits of tqdm's ``format_num`` (``{:.3g}``).
SIGNIFICANT_DIGITS = 3
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
    """The runs of the TqdmCallback epoch bars in ``text``: each drawing holds the values of
    the epoch its counter names, so redraws kept in a file (``\\r``) or printed one per line
    give several epochs of one run, and a counter that starts again a new run; empty when
    there is no bar whose postfix holds a number."""
    runs: list[RunLog] = []
    previous: tuple[int, int] | None = None
    for match in _EPOCH_BAR_RE.finditer(_joined(text.replace("\r", "\n"))):
        values, printed = {}, {}
        for item in match["postfix"].split(","):
            pair = _PAIR_RE.match(item.strip())
            if pair is not None:
                values[pair["name"]] = float(pair["value"])
                printed[pair["name"]] = pair["value"]
        if not values:
            continue
        current, total = int(match["current"]), int(match["total"])
        if previous is None or total != previous[1] or current <= previous[0]:
            runs.append(RunLog(name=f"run {len(runs) + 1}", epochs=[], step_seconds=[],
                               source=""))
        run = runs[-1]
        run.epochs.append(values)
        run.step_seconds.append(None)
        run.steps_per_epoch.append(None)
        run.epoch_numbers.append(current)
        for name, text in printed.items():
            run.printed_half_units[name] = max(run.printed_half_units.get(name, 0.0),
                                               three_digit_half_unit(text))
        run.source = (f"tqdm.keras.TqdmCallback bar, {_epochs_text(run.epoch_numbers)} of "
                      f"{total}: only the epochs it drew, their values rounded by tqdm to "
                      "three significant digits")
        previous = (current, total)
    return runs


def three_digit_half_unit(text: str) -> float:
    """How far the value behind a tqdm print may lie from it: tqdm writes ``{:.3g}``, three
    significant digits with trailing zeros dropped, so ``0.5`` stands for 0.4995-0.5005 and
    ``1`` for 0.9995-1.005, whatever digits the print shows; a longer print (tqdm keeps
    ``str(value)`` where it is shorter) by its own last digit; ``0``, ``nan``, ``inf``: 0.

    >>> three_digit_half_unit("0.5"), three_digit_half_unit("1"), three_digit_half_unit("1e-5")
    (0.0005, 0.005, 5e-08)
    """
    value = float(text)
    if value == 0 or not math.isfinite(value):
        return 0.0
    magnitude = math.floor(math.log10(abs(value)))
    shown = len(re.sub(r"^[-+]?0*\.?0*", "", text.lower().partition("e")[0]).replace(".", ""))
    return float(f"5e{magnitude - max(shown, SIGNIFICANT_DIGITS)}")


def _epochs_text(numbers: list[int]) -> str:
    return (f"epoch {numbers[0]}" if len(numbers) == 1
            else f"epochs {numbers[0]}-{numbers[-1]} ({len(numbers)} drawn)")
