"""The wording of the notes a console log's reader leaves on a run: what an ``evaluate()``
summary after an epoch's closing line holds (line spans are
:func:`unetdiag.diag.checks.saturation.words.epoch_span`'s)."""

from __future__ import annotations

from typing import Any

from unetdiag.diag.checks.saturation.words import epoch_span
from unetdiag.diag.logs.progress import ProgressLine


def evaluate_note(number: int, evaluated: ProgressLine, closing: ProgressLine,
                  label: str) -> str:
    """A note on an evaluate() summary printed after an epoch's closing line: its values,
    and how far its loss is from the epoch's validation loss (a test set prepared unlike
    the validation data shows here)."""
    values = ", ".join(f"{name} {value:.6g}" for name, value in evaluated.metrics.items())
    note = (f"line {number}: a summary after {label}'s closing line, read as no epoch "
            f"(evaluate() output?): {values}")
    loss, val_loss = evaluated.metrics.get("loss"), closing.metrics.get("val_loss")
    if loss is not None and val_loss and val_loss > 0 and loss / val_loss >= 10:
        note += f", {loss / val_loss:,.0f}x the epoch's val_loss {val_loss:.4g}"
    return note


def named_first_note(number: int, index: int, callback_line: int) -> str:
    """A note on a run's first epoch read without its header and numbered by the callback
    message before it (kept only where no header after it gives the number)."""
    return (f"line {number}, a summary with no 'Epoch i/N' header, was read as epoch {index}, "
            f"which the callback message at line {callback_line} names (TensorFlow 2 prints "
            "such a message before the epoch's closing line; Keras 2.2 and older print it "
            f"after, which would make this epoch {index + 1})")


def bare_header_note(line: int, index: int, total: int | None, another: bool,
                     at_end: bool) -> str:
    """A note on the log's last ``Epoch i/N`` header when no step of that epoch follows it
    (``another``: its counter started again, so it is not the read run's next epoch;
    ``at_end``: the header is the log's last line)."""
    header = f"'Epoch {index}" + (f"/{total}'" if total else "'")
    note = (f"the log ends at the start of an epoch: its last line, {header} (line {line}), "
            "is a header with no step of that epoch after it" if at_end else
            f"no step of the epoch that the log's last header, {header} at line {line}, "
            "begins is printed before the log ends")
    return note + (" (its counter starts again: another run, or a restarted fit, that this "
                   "report does not read)" if another else "; it is not read as an epoch")


def finish_notes(run: Any) -> None:
    """The notes a run gets once the whole log is read (``run``: console's run builder); a
    first epoch numbered by a callback message loses its note, and that number, when the
    header after it numbers it (in either order of message and closing line)."""
    if run.leading_line is not None:  # epoch 2 never closed to confirm it
        run.notes.append(f"line {run.leading_line}, before the first header 'Epoch 2/"
                         f"{run.epoch_total}', was read as epoch 1 (its own header is "
                         "not in the log, and no closed epoch 2 confirms it)")
    if run.named_note and len(run.labels) > 1 and run.labels[1] is not None:
        run.notes.remove(run.named_note)  # the next header numbers it, either order
        run.labels[0] = None
    if run.bare_lines:
        run.notes.append(
            f"line(s) {epoch_span(run.bare_lines)} hold nothing but 'name: value' pairs "
            "(no 'Epoch i/N' header, step counter or time): read as consecutive epochs "
            "in file order, counted from 1")
    if run.repeated_headers:
        run.notes.append(
            f"every epoch printed 'Epoch 1/1' (fit(epochs=1) called in a loop): read "
            f"as {len(run.epochs)} consecutive epochs of one run")
