"""How an epoch of Keras console output ends (:mod:`unetdiag.diag.logs.console`): the closing
line among an epoch's drawings, and the notes on the ones it is chosen over; or, for an epoch
with no closing line, what the log shows of it."""

from __future__ import annotations

from collections.abc import Sequence

from unetdiag.diag.logs.console_state import EpochBlock, RunBuilder, printed_epoch
from unetdiag.diag.logs.notes import (
    evaluate_note,
    ran_out_before_values_note,
    ran_out_note,
    unclosed_epoch_note,
)
from unetdiag.diag.logs.progress import ProgressLine, clean_line, parse_progress

#: How the note on values printed with a percent sign names them (once a run).
PERCENT_NOTE = "printed with a percent sign"


def closing_line(block: EpochBlock, run: RunBuilder, label: str) -> tuple[int, ProgressLine]:
    """The drawing that closes ``block`` (its line and values), with notes on the
    drawings it is chosen over (evaluate() output), the input running out and values it
    could not read."""
    # The closing line carries the most values (train + validation); of drawings alike
    # (Keras 3 redraws the bar after a callback's message) the last is the closing one.
    # An evaluate() bar printed later carries fewer values or counts other steps.
    # A later drawing alike replaces the first only when it repeats its values or a
    # message came between them; right after it with other values, it is evaluate()'s
    # (keras-core#555: 32/32 steps, loss 0.9672 after the epoch's 0.1010).
    most = max(len(final.metrics) for _, final in block.finals)
    full = [item for item in block.finals if len(item[1].metrics) == most]
    same_steps = [item for item in full if item[1].target == block.finals[0][1].target]
    number, chosen = (same_steps or full)[0]
    others = []
    for other_number, other in (same_steps or full)[1:]:
        if other.metrics == chosen.metrics or any(
                number < line < other_number for line in block.messages):
            number, chosen = other_number, other
        else:
            others.append(other_number)
    for other_number, other in block.finals:
        if other_number > number and (other.target != chosen.target
                                      or set(other.metrics) != set(chosen.metrics)
                                      or other_number in others):
            run.notes.append(evaluate_note(other_number, other, chosen, label))
    if block.ran_out is not None:
        run.notes.append(ran_out_note(*block.ran_out, chosen, label, block.total))
    if chosen.damaged:
        unread = ", ".join(map(repr, chosen.damaged))
        run.notes.append(f"line {number}: could not read {unread}")
    if chosen.percent_names and not any(PERCENT_NOTE in note for note in run.notes):
        names = ", ".join(chosen.percent_names)
        run.notes.append(f"line {number}: {names} {PERCENT_NOTE}, read as fractions of 1 "
                         "(divided by 100)")
    return number, chosen


def close_unfinished(run: RunBuilder, block: EpochBlock, label: str,
                     next_header: tuple[int, int, int] | None) -> None:
    """An epoch with no closing line: the values a callback printed for it, or notes on how
    it ended (``next_header``: (line, index, total) of the header after it)."""
    if block.ran_out is not None and block.ran_out[1] is None and run.epochs:
        line, _drawn, asked = block.ran_out
        run.ran_out_epoch = label
        run.notes.append(ran_out_before_values_note(line, label, asked, run.steps[-1],
                                                    block.total, block.index))
    if block.printed_logs is not None:
        printed_epoch(run, block, label)
    elif block.partial is not None and block.end_message is not None:
        run.notes.append(f"{label} (line {block.line}) has no closing progress line, "
                         "though a callback's end-of-epoch message for it is at line "
                         f"{block.end_message}: the epoch ended, but the log does not "
                         "show its final values")
    elif block.partial is not None:
        run.notes.append(unclosed_epoch_note(label, block, next_header, run.epochs))


def open_numbers(run: RunBuilder, lines: Sequence[str]) -> dict[int, tuple[int, int]]:
    """``run.unknown_numbers``, with the headerless summaries that end the run after text
    that is no closing line (a cut: ``...``): counted on from the last header, each may be
    any epoch up to the header's total (a README's first epochs, ``...``, its last line),
    as the note on the last one says."""
    numbers = dict(run.unknown_numbers)
    since = next((at for at, label in enumerate(reversed(run.labels)) if label is not None), 0)
    if (not since or not run.epoch_total or not run.last_epoch_index
            or len(run.epochs) - 1 in numbers):
        return numbers
    before = next((text for text in reversed(lines[:run.last_line - 1]) if text.strip()), "")
    if parse_progress(clean_line(before)) is not None:
        return numbers
    for back in range(since):
        numbers[len(run.epochs) - 1 - back] = (run.last_epoch_index + since - back,
                                               run.epoch_total - back)
    low, high = numbers[len(run.epochs) - 1]
    run.notes[:] = [note.replace("read as the next epoch", "read as the next epoch, though "
                                 f"text before it leaves its number anywhere from {low} to "
                                 f"{high}; findings count it as the next epoch")
                    if note.startswith(f"line {run.last_line}: a second epoch summary")
                    and "anywhere from" not in note else note for note in run.notes]
    return numbers
