"""Run a model over a dataset and score it image by image, keeping only what is needed:
per-image sums (:class:`~unetdiag.diag.evaluation.scores.ScoreTally`), the first few images
and the worst few (for overlay panels). Used at the end of every variant of ``unetdiag train``
(:mod:`unetdiag.training.run.scores`) and by ``unetdiag evaluate``.

>>> import keras, numpy as np
>>> inputs = keras.Input((4, 4, 1))
>>> model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
>>> masks = np.zeros((3, 4, 4, 1)); masks[:, :2] = 1
>>> batches = [(["a.png", "b.png", "c.png"], np.zeros((3, 4, 4, 1), "float32"), masks)]
>>> scored = score_batches(lambda x: predict_probabilities(model, x), batches, keep_first=1,
...                        keep_worst=2)
>>> len(scored.tally), [e.file for e, _ in scored.first], len(scored.worst)
(3, ['a.png'], 2)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import keras
import numpy as np

from unetdiag.diag.core.dice import EmptyRule
from unetdiag.diag.evaluation.scores import ImageScore, ScoreTally, worst_images
from unetdiag.diag.visual.gallery import OverlayExample

#: Panels kept per kind by default: the first images (the probe batch's first ones) and the
#: worst by Dice.
FIRST_PANELS = 4
WORST_PANELS = 4

#: ``(files, images, masks)`` or ``(files, images, masks, weights)``: pixels weighted 0 (ignore
#: values) are left out of every score.
Batch = tuple[Sequence[str], np.ndarray, np.ndarray] | tuple[Sequence[str], np.ndarray,
                                                             np.ndarray, np.ndarray]
Scored = tuple[OverlayExample, "float | None"]


def predict_probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """The model's foreground probabilities for a batch, float64 (N, H, W).

    A direct call (not ``predict_on_batch``, which repeats rows under several replicas).

    Raises:
        ValueError: the output is not one channel per pixel of the input's size.
    """
    output = np.asarray(keras.ops.convert_to_numpy(model(images, training=False)),
                        dtype=np.float64)
    if output.ndim == 4 and output.shape[-1] == 1:
        output = output[..., 0]
    if output.shape != images.shape[:3]:
        raise ValueError(f"the model maps images of shape {images.shape[1:]} to outputs of "
                         f"shape {output.shape[1:]}; expected one foreground probability per "
                         "pixel (a single sigmoid channel of the input's height and width)")
    return output


@dataclass
class ScoredSet:
    """What :func:`score_batches` kept: the per-image sums, the first images and the worst
    ones, each with its Dice (under the empty rule it was scored with)."""

    tally: ScoreTally
    empty: EmptyRule
    first: list[Scored] = field(default_factory=list)
    worst: list[Scored] = field(default_factory=list)

    def image_scores(self) -> list[ImageScore]:
        return self.tally.image_scores(self.empty)


def score_batches(predict: Callable[[np.ndarray], np.ndarray], batches: Iterable[Batch], *,
                  threshold: float = 0.5, empty: EmptyRule = "exclude",
                  keep_first: int = FIRST_PANELS, keep_worst: int = WORST_PANELS) -> ScoredSet:
    """Predict (``predict(images)``: probabilities, (N, H, W)) and score every
    ``(files, images, masks[, weights])`` batch, holding at most one batch and
    ``keep_first + keep_worst`` images at a time."""
    scored = ScoredSet(ScoreTally(threshold), empty)
    for files, images, masks, *weights in batches:
        probabilities = predict(images)
        batch = ScoreTally(threshold)
        batch.add(files, masks, probabilities, *weights)
        scored.tally.extend(batch)
        examples = [(OverlayExample(file, images[i], masks[i], probabilities[i]), score.dice)
                    for i, (file, score) in enumerate(zip(files, batch.image_scores(empty),
                                                          strict=True))]
        scored.first += examples[:max(0, keep_first - len(scored.first))]
        candidates = scored.worst + examples
        ranking = worst_images([dice for _example, dice in candidates], keep_worst)
        scored.worst = [candidates[index] for index in ranking]
    return scored
