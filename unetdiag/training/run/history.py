"""A variant's per-epoch history: kept by :class:`HistoryWriter` while it trains and rewritten
to ``history.json`` and ``history.csv`` after every epoch."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import keras

from unetdiag.fsutil import atomic_write_json, atomic_write_text

#: The history files of a variant (``history.json`` with the model file: the variant finished).
HISTORY_FILENAME = "history.json"
HISTORY_CSV_FILENAME = "history.csv"


class HistoryWriter(keras.callbacks.Callback):
    """Keeps the epoch logs and rewrites ``history.json`` and ``history.csv`` after each epoch,
    so an interrupted variant leaves the epochs it finished. The CSV has CSVLogger's layout
    (``epoch`` then the metric names, sorted) so ``unetdiag explain-log`` reads it.

    ``history``: the epochs completed before a resume; new epochs are appended to it, so the
    files stay one continuous history."""

    def __init__(self, folder: Path, history: dict[str, list[float]] | None = None):
        super().__init__()
        self.folder = folder
        self.history: dict[str, list[float]] = {
            key: list(values) for key, values in (history or {}).items()}

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        write_history(self.folder, self.history)


def write_history(folder: Path, history: dict[str, list[float]]) -> None:
    """Write ``history.json`` (Keras ``History.history`` layout) and ``history.csv``."""
    atomic_write_json(folder / HISTORY_FILENAME, json_safe(history))
    keys = sorted(history)
    epochs = max((len(values) for values in history.values()), default=0)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for epoch in range(epochs):
        writer.writerow([epoch, *(history[key][epoch] if epoch < len(history[key]) else ""
                                  for key in keys)])
    atomic_write_text(folder / HISTORY_CSV_FILENAME, text.getvalue())


def json_safe(history: dict[str, list[float]]) -> dict[str, list[float | str]]:
    """Non-finite values as the strings "nan"/"inf"/"-inf" (strict JSON has no NaN).

    >>> json_safe({"loss": [0.5, float("nan")]})
    {'loss': [0.5, 'nan']}
    """
    return {key: [value if math.isfinite(value) else str(value) for value in values]
            for key, values in history.items()}
