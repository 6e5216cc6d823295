"""How ``unetdiag train`` shows its progress: on a terminal one live rich bar per variant
(:func:`progress_display`); elsewhere (a pipe, a CI log) one plain line per epoch per
variant (:func:`epoch_lines_wanted`); both driven by :class:`ProgressCallback`."""

from __future__ import annotations

import time

import keras
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column
from rich.text import Text

#: Width of each bar: kept while the metrics beside it can shrink to it.
BAR_WIDTH = 20


def progress_display(console: Console, quiet: bool) -> Progress:
    """The bars (off when ``quiet`` or when the console is not a terminal). The name, the
    elapsed time and the epoch counter keep their width; the metrics take what is left and
    are cut at their end (the previous epoch's validation first) on a narrow terminal, down
    to the bar's width, below which the bar and they shrink together (rich narrows the
    widest column that may shrink first)."""
    return Progress(TextColumn("[bold]{task.description}", table_column=Column(no_wrap=True)),
                    BarColumn(bar_width=BAR_WIDTH, table_column=Column(no_wrap=False)),
                    TimeElapsedColumn(table_column=Column(no_wrap=True)),
                    EpochColumn(), MetricsColumn(), console=console,
                    disable=quiet or not console.is_terminal)


class EpochColumn(ProgressColumn):
    """A task's ``epoch`` field (``epoch E/N``), whole: cut, ``epoch 12/12`` read as ``epoch
    1…``."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True))

    def render(self, task: Task) -> Text:
        return Text(str(task.fields.get("epoch", "")), no_wrap=True)


class MetricsColumn(ProgressColumn):
    """A task's ``metrics`` field on one line, cut with an ellipsis where it does not fit:
    the first column a narrow terminal shrinks (then the bar with it; the name and the
    elapsed time do not wrap)."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=False))

    def render(self, task: Task) -> Text:
        return Text(str(task.fields.get("metrics", "")), no_wrap=True, overflow="ellipsis")


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
    #: The validation metrics among them: while an epoch trains, they are the last epoch's.
    VALIDATION = tuple(key for key in SHOWN if key.startswith("val_"))

    def __init__(self, progress: Progress, task: TaskID, epochs: int, *, name: str = "",
                 epoch_lines: bool = False):
        super().__init__()
        self.progress, self.task, self.epochs = progress, task, epochs
        self.name, self.epoch_lines = name, epoch_lines
        self._epoch = 0
        self._epoch_started = 0.0
        #: the validation metrics of the last epoch that ended, and its number (1-based)
        self._validation: dict[str, float] = {}
        self._validation_epoch = 0

    def on_train_begin(self, logs=None):
        steps = self.params.get("steps")
        self.progress.update(self.task, total=steps * self.epochs if steps else None)
        self.progress.start_task(self.task)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._epoch_started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.progress.update(self.task, advance=1, epoch=self._counter(),
                             metrics=self._metrics(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        self._validation = {k: v for k, v in (logs or {}).items() if k.startswith("val_")}
        self._validation_epoch = epoch + 1
        self.progress.update(self.task, epoch=self._counter(), metrics=self._metrics(logs or {}))
        if self.epoch_lines:
            seconds = time.perf_counter() - self._epoch_started
            self.progress.console.print(f"{self.name} {self._counter()}  "
                                        f"{self._metrics(logs or {})}  "
                                        f"({seconds:.1f} s)", markup=False, highlight=False,
                                        soft_wrap=True)

    def _counter(self) -> str:
        """``epoch E/N`` of the epoch training or just ended."""
        return f"epoch {self._epoch}/{self.epochs}"

    def _metrics(self, logs: dict[str, float]) -> str:
        """The metrics of ``logs``; while an epoch trains (``logs`` holds no validation yet),
        the validation of the epoch before, labelled with its number."""
        shown = "  ".join(f"{key} {logs[key]:.4f}" for key in self.SHOWN if key in logs)
        earlier = [f"{key} {self._validation[key]:.4f}" for key in self.VALIDATION
                   if key not in logs and key in self._validation]
        if earlier and self._validation_epoch != self._epoch:
            shown += f"  (epoch {self._validation_epoch}: {'  '.join(earlier)})"
        return shown
