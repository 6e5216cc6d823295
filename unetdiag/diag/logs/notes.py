"""The wording of the notes a console log's reader leaves on a run: what an ``evaluate()``
summary after an epoch's closing line holds (line spans are
:func:`unetdiag.diag.checks.saturation.words.epoch_span`'s)."""

from __future__ import annotations

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
