"""The live progress display of ``unetdiag train``: one rich bar per variant
(:func:`progress_display`), advanced by :class:`ProgressCallback`."""

from __future__ import annotations

import keras
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def progress_display(console: Console, quiet: bool) -> Progress:
    """The bars (off when ``quiet`` or when the console is not a terminal)."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(),
                    console=console, disable=quiet or not console.is_terminal)


class ProgressCallback(keras.callbacks.Callback):
    """Advances one rich progress task per batch and shows the live metrics."""

    #: Metrics shown while a variant trains (training side live, validation after each epoch).
    SHOWN = ("loss", "dice", "iou", "val_loss", "val_dice", "val_iou")

    def __init__(self, progress: Progress, task: TaskID, epochs: int):
        super().__init__()
        self.progress, self.task, self.epochs = progress, task, epochs
        self._epoch = 0
        self._validation: dict[str, float] = {}

    def on_train_begin(self, logs=None):
        steps = self.params.get("steps")
        self.progress.update(self.task, total=steps * self.epochs if steps else None)
        self.progress.start_task(self.task)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self.progress.update(self.task, advance=1, metrics=self._describe(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self._validation = {k: v for k, v in (logs or {}).items() if k.startswith("val_")}
        self.progress.update(self.task, metrics=self._describe(logs or {}))

    def _describe(self, logs: dict[str, float]) -> str:
        values = {**logs, **self._validation}
        shown = "  ".join(f"{key} {values[key]:.4f}" for key in self.SHOWN if key in values)
        return f"epoch {self._epoch}/{self.epochs}  {shown}"
