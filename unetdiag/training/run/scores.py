"""What a variant's saved model does on the validation split, image by image: written once
the variant has ended and saved its model.

``VARIANT/val_scores.csv``
    one row per validation image in file order, the columns of
    :data:`~unetdiag.diag.evaluation.scores.SCORES_CSV_COLUMNS` (``file,foreground_fraction,
    dice,iou,predicted_fraction``): hard Dice and IoU at the run's metric threshold under its
    empty rule, as the ``val_dice`` / ``val_iou`` metrics count them (an empty cell: no Dice,
    0/0 left out under ``"exclude"``; ``nan``: a non-finite prediction).
``VARIANT/overlays/probe_NN.png``
    panels (:mod:`unetdiag.diag.visual.overlay`) of the first
    :data:`~unetdiag.training.scoring.FIRST_PANELS` images of the probe batch the diagnostic
    callbacks watch (the first validation batch);
``VARIANT/overlays/worst_NN.png``
    the :data:`~unetdiag.training.scoring.WORST_PANELS` validation images with the lowest Dice;
``VARIANT/overlays/index.json``
    one entry per panel (:mod:`unetdiag.diag.visual.gallery`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import keras
import tensorflow as tf

from unetdiag.diag.core.dice import EmptyRule
from unetdiag.diag.evaluation.scores import ImageScore, scores_csv
from unetdiag.diag.visual.gallery import write_gallery
from unetdiag.fsutil import atomic_write_text
from unetdiag.training.scoring import Batch, predict_probabilities, score_batches

VAL_SCORES_FILENAME = "val_scores.csv"
OVERLAYS_DIRNAME = "overlays"


def _named_batches(batches: tf.data.Dataset, files: Sequence[str]) -> Iterator[Batch]:
    """``(files, images, masks[, weights])`` of each batch of a dataset in file order (the
    weights when the mask policy ignores values)."""
    start = 0
    for images, masks, *weights in batches.as_numpy_iterator():
        yield (files[start:start + len(images)], images, masks, *weights)
        start += len(images)
    if start != len(files):
        raise ValueError(f"the validation batches held {start} images for {len(files)} files")


def write_validation_scores(model: keras.Model, val_batches: tf.data.Dataset,
                            val_files: Sequence[str], variant_dir: Path, threshold: float,
                            empty: EmptyRule) -> list[ImageScore]:
    """Score ``model`` on ``val_batches`` (in the order of ``val_files``) and write the files of
    the module docstring into ``variant_dir``; returns the per-image scores."""
    scored = score_batches(lambda images: predict_probabilities(model, images),
                           _named_batches(val_batches, val_files), threshold=threshold,
                           empty=empty)
    scores = scored.image_scores()
    atomic_write_text(variant_dir / VAL_SCORES_FILENAME, scores_csv(scores))
    write_gallery(variant_dir / OVERLAYS_DIRNAME, {"probe": scored.first, "worst": scored.worst},
                  threshold)
    return scores
