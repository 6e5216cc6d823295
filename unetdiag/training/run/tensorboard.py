"""TensorBoard event files of a variant: :class:`TensorBoardWriter`.

Each variant writes into its own ``VARIANT/tensorboard/`` folder, so ``tensorboard --logdir
runs/<run>`` lists one run per variant and draws them on the same charts:

- every logged metric, every epoch (step = the 1-based epoch): ``<metric>/train`` and
  ``<metric>/validation`` (``loss/train``, ``loss/validation``, ``dice/train``...);
- ``overlays``: panels (:mod:`unetdiag.diag.visual.overlay`) of the first probe images every
  :data:`IMAGE_EVERY_N_EPOCHS` epochs and at the last one.

The summaries are written with ``tf.summary.write`` and the metadata TensorBoard's scalar and
image plugins read (the layout ``tf.summary.scalar`` / ``tf.summary.image`` produce), so the
files are written whether or not the ``tensorboard`` package is installed.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from unetdiag.diag.core.dice import EmptyRule
from unetdiag.diag.evaluation.scores import ScoreTally
from unetdiag.diag.visual.overlay import overlay_panel, panel_png
from unetdiag.training.callbacks.dice_stability_monitor import traced_inference
from unetdiag.training.scoring import FIRST_PANELS, predict_probabilities

TENSORBOARD_DIRNAME = "tensorboard"
#: Overlay images are written every this many epochs (and at the last epoch).
IMAGE_EVERY_N_EPOCHS = 3
OVERLAY_TAG = "overlays"
VALIDATION_PREFIX = "val_"


def _metadata(plugin: str, description: str = "") -> summary_pb2.SummaryMetadata:
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin),
        summary_description=description)


def scalar_tag(metric: str) -> str:
    """The chart a logged metric goes to.

    >>> scalar_tag("val_dice"), scalar_tag("loss")
    ('dice/validation', 'loss/train')
    """
    if metric.startswith(VALIDATION_PREFIX):
        return f"{metric[len(VALIDATION_PREFIX):]}/validation"
    return f"{metric}/train"


class TensorBoardWriter(keras.callbacks.Callback):
    """Writes a variant's metrics and probe overlays as TensorBoard events (module docstring).

    Args:
        log_dir: the variant's ``tensorboard`` folder.
        probe: ``(images, masks)`` whose first :data:`~unetdiag.training.scoring.FIRST_PANELS`
            images are drawn; None writes scalars only.
        files: the probe images' file names (panel titles).
        threshold, empty: the hard Dice shown on each panel (the run's metric conventions).
        every_n_epochs: overlay images every this many epochs, and at the last one.
    """

    def __init__(self, log_dir: Path, probe: tuple[np.ndarray, np.ndarray] | None = None,
                 files: tuple[str, ...] = (), threshold: float = 0.5,
                 empty: EmptyRule = "exclude", every_n_epochs: int = IMAGE_EVERY_N_EPOCHS):
        super().__init__()
        self.log_dir = Path(log_dir)
        self.probe = None if probe is None else (probe[0][:FIRST_PANELS],
                                                 probe[1][:FIRST_PANELS])
        self.files = tuple(files[:FIRST_PANELS])
        self.threshold, self.empty, self.every_n_epochs = threshold, empty, every_n_epochs
        self._writer: tf.summary.SummaryWriter | None = None
        self._predict = None

    def on_train_begin(self, logs=None):
        self._writer = tf.summary.create_file_writer(str(self.log_dir))
        self._predict = traced_inference(self.model)

    def on_epoch_end(self, epoch, logs=None):
        step = epoch + 1
        with self._writer.as_default(step=step):
            for metric, value in (logs or {}).items():
                tf.summary.write(scalar_tag(metric), tf.constant(float(value), tf.float32),
                                 metadata=_metadata("scalars"))
            last = step >= (self.params or {}).get("epochs", step) or self.model.stop_training
            if self.probe is not None and (step % self.every_n_epochs == 0 or last):
                self._write_overlays()
        self._writer.flush()

    def on_train_end(self, logs=None):
        self.close()

    def close(self) -> None:
        """Flush and close the event file (also when ``fit`` ended without
        ``on_train_end``: an interrupted variant calls this itself)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._predict = None

    def probe_probabilities(self) -> np.ndarray:
        """The model's foreground probabilities for the probe images drawn, float64
        (N, H, W): through the function traced at ``on_train_begin`` during ``fit``
        (:func:`~unetdiag.training.callbacks.dice_stability_monitor.traced_inference`; the
        same numbers as an eager call), eagerly outside it."""
        images = self.probe[0]
        if self._predict is None:
            return predict_probabilities(self.model, images)
        return np.asarray(keras.ops.convert_to_numpy(self._predict(images)),
                          dtype=np.float64)[..., 0]

    def _write_overlays(self) -> None:
        images, masks = self.probe
        probabilities = self.probe_probabilities()
        files = self.files or tuple(f"probe image {i}" for i in range(len(images)))
        tally = ScoreTally(self.threshold)
        tally.add(files, masks, probabilities)
        panels = [overlay_panel(image, mask, probability, threshold=self.threshold,
                                dice=score.dice, title=file)
                  for image, mask, probability, score, file in
                  zip(images, masks, probabilities, tally.image_scores(self.empty), files,
                      strict=True)]
        width, height = panels[0].size
        tensor = tf.constant([str(width), str(height), *(panel_png(p) for p in panels)])
        tf.summary.write(OVERLAY_TAG, tensor, metadata=_metadata(
            "images", "image | mask | prediction | errors for the first probe images"))

