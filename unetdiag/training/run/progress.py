"""How ``unetdiag train`` shows its progress: on a terminal one live rich bar per variant
(:func:`progress_display`); elsewhere (a pipe, a CI log) one plain line per epoch per
variant (:func:`epoch_lines_wanted`); both driven by :class:`ProgressCallback`."""

from __future__ import annotations

import time

import keras
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def progress_display(console: Console, quiet: bool) -> Progress:
    """The bars (off when ``quiet`` or when the console is not a terminal)."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.fields[metrics]}"), TimeElapsedColumn(),
                    console=console, disable=quiet or not console.is_terminal)


def epoch_lines_wanted(console: Console, quiet: bool) -> bool:
    """One plain line per epoch instead of the bars: not ``quiet`` and not a terminal (a
    batch log shows nothing else until the run ends)."""
    return not quiet and not console.is_terminal


class ProgressCallback(keras.callbacks.Callback):
    """Advances one rich progress task per batch and shows the live metrics; with
    ``epoch_lines``, prints ``<name> epoch E/N  metrics  (seconds)`` at each epoch's end on
    the progress display's console instead."""

    #: Metrics shown while a variant trains (training side live, validation after each epoch).
    SHOWN = ("loss", "dice", "iou", "val_loss", "val_dice", "val_iou")

    def __init__(self, progress: Progress, task: TaskID, epochs: int, *, name: str = "",
                 epoch_lines: bool = False):
        super().__init__()
        self.progress, self.task, self.epochs = progress, task, epochs
        self.name, self.epoch_lines = name, epoch_lines
        self._epoch = 0
        self._epoch_started = 0.0
        self._validation: dict[str, float] = {}

    def on_train_begin(self, logs=None):
        steps = self.params.get("steps")
        self.progress.update(self.task, total=steps * self.epochs if steps else None)
        self.progress.start_task(self.task)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.progress.update(self.task, advance=1, metrics=self._describe(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self._validation = {k: v for k, v in (logs or {}).items() if k.startswith("val_")}
        self.progress.update(self.task, metrics=self._describe(logs or {}))
        if self.epoch_lines:
            seconds = time.perf_counter() - self._epoch_started
            self.progress.console.print(f"{self.name} {self._describe(logs or {})}  "
                                        f"({seconds:.1f} s)", markup=False, highlight=False,
                                        soft_wrap=True)

    def _describe(self, logs: dict[str, float]) -> str:
        values = {**logs, **self._validation}
        shown = "  ".join(f"{key} {values[key]:.4f}" for key in self.SHOWN if key in values)
        return f"epoch {self._epoch}/{self.epochs}  {shown}"
