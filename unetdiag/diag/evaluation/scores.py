"""Per-image scores of a model's predictions, kept as a few sums per image (no pixels).

:class:`ScoreTally` takes batches of masks and predicted probabilities and keeps, per image,
the soft sums (``sum(t * p)``, ``sum(t)``, ``sum(p)``, the pixel count) and the same sums of
the thresholded prediction ``p > threshold``. Every score is then one of the definitions of
:mod:`unetdiag.diag.core.dice` applied to those sums: :meth:`ScoreTally.image_scores` gives
one :class:`ImageScore` per image (hard Dice and IoU under an empty rule), which
:func:`scores_csv` writes with the columns :data:`SCORES_CSV_COLUMNS`.

What a score cannot be is written as such, never as a number that looks like one:

- an image whose mask and thresholded prediction are both empty has no Dice or IoU (0/0);
  under the empty rule ``"exclude"`` its score is ``None`` (an empty CSV cell, left out of
  every mean); under ``"one"`` or ``"zero"`` it is that number, as the metric counts it;
- an image with a NaN or Inf prediction scores NaN (``nan`` in the CSV): thresholding would
  count such pixels as background and print a plausible number.

>>> import numpy as np
>>> masks = np.zeros((2, 2, 2)); masks[0, 0] = 1               # image 2 has an empty mask
>>> tally = ScoreTally(threshold=0.5)
>>> tally.add(["a.png", "b.png"], masks, np.full((2, 2, 2), 0.2))
>>> [(s.file, s.dice, s.predicted_fraction) for s in tally.image_scores("exclude")]
[('a.png', 0.0, 0.0), ('b.png', None, 0.0)]
>>> print(scores_csv(tally.image_scores("exclude")), end="")
file,foreground_fraction,dice,iou,predicted_fraction
a.png,0.5,0,0,0
b.png,0,,,0
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.core.dice import EmptyRule, hard_dice_from_sums, hard_iou_from_sums, overlap_sums

#: The columns of ``val_scores.csv`` and of ``unetdiag evaluate``'s ``scores.csv``.
SCORES_CSV_COLUMNS = ("file", "foreground_fraction", "dice", "iou", "predicted_fraction")
#: Significant digits written to the CSV.
CSV_DIGITS = 6


@dataclass(frozen=True)
class ImageScore:
    """One image's scores (one row of the CSV).

    Attributes:
        file: the image's file name.
        foreground_fraction: share of the mask's pixels that are foreground.
        dice, iou: hard Dice and IoU of ``p > threshold``; ``None`` when undefined (empty
            mask, nothing predicted) under the empty rule ``"exclude"``; NaN when the
            prediction holds NaN or Inf.
        predicted_fraction: share of pixels predicted foreground (NaN as above).
    """

    file: str
    foreground_fraction: float
    dice: float | None
    iou: float | None
    predicted_fraction: float

    def row(self) -> dict[str, float | str | None]:
        return {"file": self.file, "foreground_fraction": self.foreground_fraction,
                "dice": self.dice, "iou": self.iou,
                "predicted_fraction": self.predicted_fraction}


@dataclass
class ScoreTally:
    """Per-image sums of a model's predictions, gathered batch by batch (see the module
    docstring). ``threshold``: a pixel with ``p > threshold`` is predicted foreground."""

    threshold: float = 0.5
    files: list[str] = field(default_factory=list)
    _sums: list[np.ndarray] = field(default_factory=list, repr=False)

    def add(self, files: Sequence[str], masks: np.ndarray, probabilities: np.ndarray,
            weights: np.ndarray | None = None) -> None:
        """Add a batch: ``masks`` and ``probabilities`` of shape (N, H, W[, 1]), one file
        name per image. ``weights`` (same shape, optional): pixels weighted 0 (the mask
        policy's ignore values) count neither as label nor as prediction, nor as pixels."""
        masks = np.asarray(masks, dtype=np.float64)
        probabilities = np.asarray(probabilities, dtype=np.float64)
        if len(files) != masks.shape[0]:
            raise ValueError(f"{len(files)} file names for {masks.shape[0]} images")
        if weights is not None:
            counted = np.asarray(weights).reshape(masks.shape) > 0
            masks = np.where(counted, masks, 0.0)
            probabilities = np.where(counted.reshape(probabilities.shape), probabilities, 0.0)
        with np.errstate(invalid="ignore"):  # 0 * Inf: NaN on purpose (see the docstring)
            soft = overlap_sums(masks, probabilities)
        if weights is not None:
            soft = (*soft[:3], counted.reshape(len(files), -1).sum(axis=1).astype(np.float64))
        hard_intersection, _, hard_predicted, _ = overlap_sums(masks,
                                                               probabilities > self.threshold)
        finite = np.isfinite(probabilities.reshape(len(files), -1)).all(axis=1)
        self._sums.append(np.stack([*soft, hard_intersection, hard_predicted,
                                    finite.astype(np.float64)], axis=1))
        self.files.extend(str(name) for name in files)

    def extend(self, other: ScoreTally) -> None:
        """Append the images of another tally (same threshold)."""
        if other.threshold != self.threshold:
            raise ValueError(f"threshold {other.threshold} differs from {self.threshold}")
        self.files.extend(other.files)
        self._sums.extend(other._sums)

    def __len__(self) -> int:
        return len(self.files)

    @property
    def sums(self) -> dict[str, np.ndarray]:
        """Per-image float64 arrays: ``soft_intersection``, ``sum_true``, ``soft_sum_pred``,
        ``pixels``, ``hard_intersection``, ``hard_sum_pred`` and ``finite`` (1 or 0)."""
        table = np.concatenate(self._sums) if self._sums else np.zeros((0, 7))
        names = ("soft_intersection", "sum_true", "soft_sum_pred", "pixels",
                 "hard_intersection", "hard_sum_pred", "finite")
        return {name: table[:, index] for index, name in enumerate(names)}

    def image_scores(self, empty: EmptyRule = "exclude") -> list[ImageScore]:
        """One :class:`ImageScore` per image, in the order they were added."""
        sums = self.sums
        scores = []
        for index, file in enumerate(self.files):
            counts = [sums[name][index:index + 1]
                      for name in ("hard_intersection", "sum_true", "hard_sum_pred")]
            finite = bool(sums["finite"][index])
            dice = _defined(hard_dice_from_sums(*counts, empty)) if finite else math.nan
            iou = _defined(hard_iou_from_sums(*counts, empty)) if finite else math.nan
            pixels = sums["pixels"][index]
            scores.append(ImageScore(
                file=file, foreground_fraction=float(sums["sum_true"][index] / pixels),
                dice=dice, iou=iou,
                predicted_fraction=float(sums["hard_sum_pred"][index] / pixels)
                if finite else math.nan))
        return scores


def _defined(score: float) -> float | None:
    """The score, or None where the definitions return NaN for one finite image: 0/0 left
    out under the empty rule ``"exclude"``."""
    return None if math.isnan(score) else score


def _csv_cell(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return "nan" if math.isnan(value) else f"{value:.{CSV_DIGITS}g}"


def scores_csv(scores: Sequence[ImageScore]) -> str:
    """The CSV text: a header of :data:`SCORES_CSV_COLUMNS`, one row per image; an undefined
    score is an empty cell, a score of a non-finite prediction ``nan``."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(SCORES_CSV_COLUMNS)
    for score in scores:
        row = score.row()
        writer.writerow([_csv_cell(row[column]) for column in SCORES_CSV_COLUMNS])
    return text.getvalue()


def worst_images(dice: Sequence[float | None], count: int) -> list[int]:
    """Indices of the ``count`` worst images by their Dice: non-finite predictions (NaN)
    first, then the lowest Dice, ties in the given order; images without a Dice (None) are
    not ranked.

    >>> worst_images([0.9, None, 0.2, float("nan"), 0.2], 3)
    [3, 2, 4]
    """
    ranked = [(not math.isnan(value), 0.0 if math.isnan(value) else value, index)
              for index, value in enumerate(dice) if value is not None]
    return [index for *_, index in sorted(ranked)[:count]]
