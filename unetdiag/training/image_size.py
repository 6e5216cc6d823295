"""The side ``train`` resizes images and masks to when ``--img-size`` is not given.

Measured on the training masks, as nnU-Net reads its patch size from a dataset fingerprint: the
smallest of :data:`CANDIDATE_SIZES` at which the masks survive the trainer's resize. How much
of a mask survives is the *kept Dice*: the mask resized to ``S`` x ``S`` by nearest neighbour
(exactly as the pipeline resizes it, the target every variant trains and is scored against)
and resized back to its own size the same way, compared with itself (mean Dice over the
sampled masks that hold foreground). A model that reproduced the resized target perfectly
would score that Dice against the masks at their own size. Blobs keep about 1 at 96 px;
DRIVE's vessels, one to a few pixels wide at 565 px, keep 0.61 at 96 px and 0.78 at 192 px
(docs/training-defaults.md).

Images no larger than :data:`BASE_IMG_SIZE` train at it, as before (the embedded ``images/``
set is 96 px: nothing is measured or changed there). The largest candidate bounds the cost:
192 px is four times the pixels, and about four times the CPU, of 96 px.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import tensorflow as tf

from unetdiag.config import BASE_IMG_SIZE
from unetdiag.diag.data.decoding import decoded_planes, inspect_stored
from unetdiag.diag.data.instances import load_mask
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import Pair

#: The sides tried, smallest first: each divisible by 2**5, so by 2**depth up to depth 5.
CANDIDATE_SIZES = (96, 128, 160, 192)
#: The kept Dice a side must reach to be chosen; the largest side is taken when none does.
KEPT_DICE_TARGET = 0.75
#: Training masks measured at most (evenly spaced over the training pairs).
SAMPLED_MASKS = 32


@dataclass(frozen=True)
class ImageSizeChoice:
    """The side chosen and the measurements behind it (``meta.img_size_choice``).

    Attributes:
        img_size: the side chosen.
        reason: ``"small_images"`` (the images are no larger than :data:`BASE_IMG_SIZE`, or
            no sampled mask holds foreground: nothing measured), ``"kept"`` (the smallest side
            whose kept Dice reaches :data:`KEPT_DICE_TARGET`) or ``"largest"`` (no candidate
            reaches it: the largest).
        mask_side: the median of the sampled masks' smaller sides, in pixels.
        kept_dice: the kept Dice of each side measured, as ``{side: dice}``.
        masks_measured: sampled masks that hold foreground (the mean's terms).
        target: :data:`KEPT_DICE_TARGET`.
    """

    img_size: int
    reason: str
    mask_side: int
    kept_dice: dict[int, float]
    masks_measured: int
    target: float = KEPT_DICE_TARGET

    def to_dict(self) -> dict:
        data = asdict(self)
        data["kept_dice"] = {str(side): round(dice, 4) for side, dice in self.kept_dice.items()}
        return data


def kept_dice(mask: np.ndarray, side: int) -> float:
    """Dice of ``mask`` (H x W, foreground > 0.5) against itself resized to ``side`` x
    ``side`` and back by nearest neighbour, as the pipeline resizes masks; NaN when the mask
    holds no foreground.

    >>> mask = np.zeros((40, 40)); mask[:, 20] = 1  # a line one pixel wide
    >>> round(kept_dice(mask, 10), 2), kept_dice(np.ones((40, 40)), 10)
    (0.0, 1.0)
    """
    truth = np.asarray(mask, np.float32) > 0.5
    if not truth.any():
        return float("nan")
    down = tf.image.resize(truth.astype(np.float32)[..., None], [side, side], method="nearest")
    back = tf.image.resize(down, truth.shape, method="nearest").numpy()[..., 0] > 0.5
    return float(2 * np.count_nonzero(truth & back) / (np.count_nonzero(truth)
                                                       + np.count_nonzero(back)))


def choose_img_size(train_pairs: Sequence[Pair], policy: MaskPolicy) -> ImageSizeChoice:
    """The side to train at (see the module docstring), measured on at most
    :data:`SAMPLED_MASKS` of ``train_pairs``' masks decoded under ``policy``. A mask that
    cannot be read is left out here: the pipeline's first pass reports it with its name."""
    decoded = (_decoded_mask(pair, policy) for pair in _sample(train_pairs))
    masks = [mask for mask in decoded if mask is not None]
    side = int(np.median([min(mask.shape) for mask in masks])) if masks else 0
    holding = [mask for mask in masks if np.any(mask > 0.5)]
    if side <= BASE_IMG_SIZE or not holding:
        return ImageSizeChoice(BASE_IMG_SIZE, "small_images", side, {}, len(holding))
    measured: dict[int, float] = {}
    for candidate in CANDIDATE_SIZES:
        if candidate > side:
            break
        measured[candidate] = float(np.mean([kept_dice(mask, candidate) for mask in holding]))
        if measured[candidate] >= KEPT_DICE_TARGET:
            return ImageSizeChoice(candidate, "kept", side, measured, len(holding))
    return ImageSizeChoice(max(measured), "largest", side, measured, len(holding))


def _sample(pairs: Sequence[Pair]) -> list[Pair]:
    """At most :data:`SAMPLED_MASKS` pairs, evenly spaced (the same ones every run)."""
    if len(pairs) <= SAMPLED_MASKS:
        return list(pairs)
    return [pairs[int(index)] for index in np.linspace(0, len(pairs) - 1, SAMPLED_MASKS)]


def _decoded_mask(pair: Pair, policy: MaskPolicy) -> np.ndarray | None:
    """The pair's mask as the decoder makes it, or None when it cannot be read."""
    try:
        mask, _ignored = decoded_planes(inspect_stored(load_mask(pair.mask), policy), policy)
    except Exception:  # reported, with the file's name, by the pipeline's first pass
        return None
    return mask if mask.ndim == 2 else None
