"""The wording of the notes a console log's reader leaves on a run: where lines were, and
what an ``evaluate()`` summary after an epoch's closing line holds.

>>> line_span([4, 5, 6]), line_span([4, 7])
('4-6', '4, 7')
"""

from __future__ import annotations

from unetdiag.diag.logs.progress import ProgressLine


def line_span(numbers: list[int]) -> str:
    """``4-6`` for consecutive line numbers, else ``4, 7, 9``."""
    if numbers == list(range(numbers[0], numbers[0] + len(numbers))) and len(numbers) > 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(map(str, numbers))


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
