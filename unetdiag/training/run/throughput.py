"""Training speed of a variant: :class:`ThroughputMeter`."""

from __future__ import annotations

import time

import keras
import numpy as np

#: Epochs left out of the timing figures: the first one traces the graphs.
TIMING_WARMUP_EPOCHS = 1


class ThroughputMeter(keras.callbacks.Callback):
    """Wall time of the training phase of each epoch (first batch start to last batch end,
    input pipeline included, validation excluded).

    The figures are medians over epochs, so one epoch slowed by another process on a shared
    machine does not move them.

    Args:
        images_per_epoch: training images seen per epoch (the train split's size).
        warmup_epochs: leading epochs left out of the figures (graph tracing), unless no
            other epoch exists.
    """

    def __init__(self, images_per_epoch: int, warmup_epochs: int = TIMING_WARMUP_EPOCHS):
        super().__init__()
        self.images_per_epoch = images_per_epoch
        self.warmup_epochs = warmup_epochs
        self.epoch_seconds: list[float] = []
        self.epoch_steps: list[int] = []
        self._epoch_start = 0.0
        self._last_batch_end = 0.0
        self._steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self._last_batch_end = time.perf_counter()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch_end = time.perf_counter()
        self._steps += 1

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(self._last_batch_end - self._epoch_start)
        self.epoch_steps.append(self._steps)

    def _timed(self) -> list[tuple[float, int]]:
        """(seconds, steps) of the epochs that count."""
        timed = list(zip(self.epoch_seconds, self.epoch_steps, strict=True))
        return timed[self.warmup_epochs:] if len(timed) > self.warmup_epochs else timed

    @property
    def time_per_step_ms(self) -> float | None:
        per_step = [seconds / steps for seconds, steps in self._timed() if steps]
        return 1000.0 * float(np.median(per_step)) if per_step else None

    @property
    def images_per_second(self) -> float | None:
        seconds = [seconds for seconds, _steps in self._timed() if seconds > 0]
        return self.images_per_epoch / float(np.median(seconds)) if seconds else None
