"""What the resize to the training side costs the training masks: the one measure behind
``train``'s choice of side (without ``--img-size``) and its warning that the resize loses
the masks' thin structures, so that the two cannot disagree.

The pipeline resizes each mask to ``S`` x ``S`` by nearest neighbour (``tf.image.resize``,
half-pixel centres): along each side it keeps one stored pixel in every ``stored / S``. An
object narrower than that step, a 1-2 px vessel in a 565 px fundus photograph, keeps only
the pixels that happen to fall on a kept row and column. The foreground's *share* of the
pixels does not show it (a 1-px line kept in one of 8 columns is 8 px wide when kept).

The measure, the *kept Dice* at ``S``: each mask resized to ``S`` x ``S`` by nearest
neighbour and back to its own size the same way, scored against itself (Dice; pixels the
mask policy ignores are not scored), the mean over the sampled masks that hold foreground.
A model that reproduced its resized target exactly would score that against the masks at
their own size. Blobs keep about 1 at 96 px; DRIVE's vessels keep 0.61 at 96 px and 0.78 at
192 px (docs/training-defaults.md).

- The choice (:func:`choose_img_size`): the smallest of :data:`CANDIDATE_SIZES`, none larger
  than the masks' median smaller side, whose kept Dice reaches :data:`KEPT_DICE_TARGET`;
  else the largest tried, the cap being CPU cost (192 px is four times the pixels of 96).
  Masks whose median smaller side is no larger than :data:`BASE_IMG_SIZE` (``images/``)
  train at it, measured there alone: a mask of at most that side in both directions is
  resized up or kept, every stored pixel read (kept Dice 1, checked for every side from 1 to
  96), but a long side (64 x 400 px) is shrunk and can lose thin structures.
- The warning (:func:`measure_resize_kept`): when the kept Dice at the side trained is below
  that same :data:`KEPT_DICE_TARGET`, with the side, doubled from it, that keeps
  :data:`PROPOSAL_TARGET`. A side chosen by the rule is warned of only when even the largest
  candidate tried is below the target (for masks whose median smaller side is at most
  :data:`BASE_IMG_SIZE`, the base side, the only one tried).

NumPy only (:func:`nearest_sources` reads the rows TensorFlow's kernel reads); the sample
(:data:`SAMPLED_MASKS`, evenly spaced over the training pairs, never the validation split)
is read once with the one decoder, before the pipeline. The sentences:
:mod:`.resize_kept_wording`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from unetdiag.config import BASE_IMG_SIZE
from unetdiag.diag.data.decoding import decode_mask_with_ignore
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.policy import MaskPolicy

__all__ = ["BASE_IMG_SIZE", "CANDIDATE_SIZES", "KEPT_DICE_TARGET", "PROPOSAL_TARGET",
           "SAMPLED_MASKS", "ImageSizeChoice", "MaskSample", "ResizeKept", "choose_img_size",
           "kept_dice", "measure_resize_kept", "nearest_sources", "read_mask_sample"]

#: The sides tried, smallest first: each divisible by 2**5, so by 2**depth up to depth 5.
CANDIDATE_SIZES = (96, 128, 160, 192)
#: The kept Dice a side must reach to be chosen; below it at the side trained, a warning.
KEPT_DICE_TARGET = 0.75
#: The warning proposes the smallest side measured (doubling) whose kept Dice reaches this.
PROPOSAL_TARGET = 0.9
#: Training masks read at most (evenly spaced over the training pairs).
SAMPLED_MASKS = 32


def nearest_sources(stored: int, size: int) -> np.ndarray:
    """The stored rows (or columns) a nearest-neighbour resize from ``stored`` to ``size``
    reads, as ``tf.image.resize(method="nearest")`` does (half-pixel centres, in float32
    as its kernel computes them: ``(5 + 0.5) * 126 / 11`` is 63 in exact arithmetic and
    reads row 62).

    >>> nearest_sources(8, 2).tolist(), nearest_sources(3, 6).tolist()
    ([2, 6], [0, 0, 1, 1, 2, 2])
    """
    scale = np.float32(stored) / np.float32(size)
    centres = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.minimum(np.floor(centres).astype(np.int64), stored - 1)


def _resized(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    return plane[np.ix_(nearest_sources(plane.shape[0], height),
                        nearest_sources(plane.shape[1], width))]


def kept_dice(mask: np.ndarray, side: int, scored: np.ndarray | None = None) -> float:
    """Dice of ``mask`` (H x W, foreground > 0.5) against itself resized to ``side`` x
    ``side`` and back by nearest neighbour, over the ``scored`` pixels (all when None); NaN
    when the mask holds no foreground there.

    >>> mask = np.zeros((40, 40)); mask[:, 20] = 1  # a line one pixel wide
    >>> round(kept_dice(mask, 10), 2), kept_dice(np.ones((40, 40)), 10)
    (0.0, 1.0)
    """
    truth = np.asarray(mask) > 0.5
    back = _resized(_resized(truth, side, side), *truth.shape)
    if scored is not None:
        truth, back = truth & scored, back & scored
    if not truth.any():
        return float("nan")
    total = np.count_nonzero(truth) + np.count_nonzero(back)
    return float(2 * np.count_nonzero(truth & back) / total)


@dataclass(frozen=True)
class MaskSample:
    """The training masks measured, read once.

    Attributes:
        planes: the foreground (bool H x W, at the stored size) of the sampled masks that
            hold foreground, with the pixels each scores (None: all).
        masks_read: sampled masks that could be read.
        mask_side: the median smaller side of those, in pixels (0 when none).
    """

    planes: tuple[tuple[np.ndarray, np.ndarray | None], ...]
    masks_read: int
    mask_side: int

    def kept_dice(self, side: int) -> float:
        """The mean kept Dice at ``side`` over :attr:`planes`."""
        return float(np.mean([kept_dice(plane, side, scored) for plane, scored in self.planes]))

    @property
    def stored_side(self) -> int:
        """The median larger side of the masks holding foreground."""
        return int(np.median([max(plane.shape) for plane, _ in self.planes]))


def read_mask_sample(train_pairs: Sequence[Pair], policy: MaskPolicy) -> MaskSample:
    """At most :data:`SAMPLED_MASKS` of ``train_pairs``' masks, decoded under ``policy``. A
    mask that cannot be read is left out here: the pipeline's first pass reports it with its
    name."""
    if len(train_pairs) <= SAMPLED_MASKS:
        sampled = list(train_pairs)
    else:
        sampled = [train_pairs[int(index)]
                   for index in np.linspace(0, len(train_pairs) - 1, SAMPLED_MASKS)]
    read, planes = [], []
    for pair in sampled:
        try:
            mask, ignored, _ = decode_mask_with_ignore(pair.mask, policy)
        except Exception:  # reported, with the file's name, by the pipeline's first pass
            continue
        if mask.ndim != 2:
            continue
        read.append(mask.shape)
        foreground = mask > 0.5
        scored = None if ignored is None else ~ignored
        if np.any(foreground if scored is None else foreground & scored):
            planes.append((foreground, scored))
    side = int(np.median([min(shape) for shape in read])) if read else 0
    return MaskSample(tuple(planes), len(read), side)


@dataclass(frozen=True)
class ImageSizeChoice:
    """The side chosen and the measurements behind it (``meta.img_size_choice``).

    Attributes:
        img_size: the side chosen.
        reason: ``"small_images"`` (the masks' median smaller side is no larger than
            :data:`BASE_IMG_SIZE`, measured there alone), ``"no_foreground"`` (no sampled
            mask holds foreground: nothing measured, the base side), ``"kept"`` (the smallest side
            whose kept Dice reaches :data:`KEPT_DICE_TARGET`) or ``"largest"`` (no candidate
            reaches it: the largest tried).
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

    @classmethod
    def from_dict(cls, data: dict) -> ImageSizeChoice:
        """The choice :meth:`to_dict` recorded (a resume's: its kept Dice to 4 places)."""
        return cls(int(data["img_size"]), str(data["reason"]), int(data["mask_side"]),
                   {int(side): float(dice) for side, dice in data["kept_dice"].items()},
                   int(data["masks_measured"]), float(data["target"]))


def choose_img_size(sample: MaskSample) -> ImageSizeChoice:
    """The side to train at (see the module docstring)."""
    side, measured_masks = sample.mask_side, len(sample.planes)
    if not sample.planes:
        return ImageSizeChoice(BASE_IMG_SIZE, "no_foreground", side, {}, measured_masks)
    if side <= BASE_IMG_SIZE:  # no larger side is tried, but a longer side may be shrunk
        return ImageSizeChoice(BASE_IMG_SIZE, "small_images", side,
                               {BASE_IMG_SIZE: sample.kept_dice(BASE_IMG_SIZE)}, measured_masks)
    measured: dict[int, float] = {}
    for candidate in CANDIDATE_SIZES:
        if candidate > side:
            break
        measured[candidate] = sample.kept_dice(candidate)
        if measured[candidate] >= KEPT_DICE_TARGET:
            return ImageSizeChoice(candidate, "kept", side, measured, measured_masks)
    return ImageSizeChoice(max(measured), "largest", side, measured, measured_masks)


@dataclass(frozen=True)
class ResizeKept:
    """What the resize to ``img_size`` keeps of the sampled masks.

    Attributes:
        img_size: the side trained.
        masks: masks measured (those holding foreground).
        stored_side: the median of their larger sides.
        kept_dice: their mean kept Dice at ``img_size``.
        stored_fraction, resized_fraction: the foreground's share of their pixels at the
            stored size and resized to ``img_size``.
        choice: the choice that gave ``img_size`` (None: ``--img-size`` was given).
        kept_at: ``side -> kept Dice`` for the larger sides measured (doubling), when
            ``kept_dice`` is below :data:`KEPT_DICE_TARGET`.
        proposed: the smallest of them reaching :data:`PROPOSAL_TARGET` (None: none did).
    """

    img_size: int
    masks: int
    stored_side: int
    kept_dice: float
    stored_fraction: float
    resized_fraction: float
    choice: ImageSizeChoice | None = None
    kept_at: dict[int, float] = field(default_factory=dict)
    proposed: int | None = None

    @property
    def loses_foreground(self) -> bool:
        return self.kept_dice < KEPT_DICE_TARGET


def measure_resize_kept(sample: MaskSample, img_size: int, multiple: int = 1,
                        choice: ImageSizeChoice | None = None) -> ResizeKept | None:
    """The kept Dice of ``sample`` at ``img_size`` (the choice's own figure when ``choice``
    measured it); None when nothing holds foreground. Below :data:`KEPT_DICE_TARGET` the
    larger sides are measured too: ``img_size`` doubled while below the largest stored side,
    then that side rounded up to ``multiple`` (``2 ** depth``), at which nothing is lost."""
    if not sample.planes:
        return None
    recorded = None if choice is None else choice.kept_dice.get(img_size)
    dice = sample.kept_dice(img_size) if recorded is None else recorded
    planes = [plane for plane, _ in sample.planes]
    pixels = sum(plane.size for plane in planes)
    resized = sum(np.count_nonzero(_resized(plane, img_size, img_size)) for plane in planes)
    measured = ResizeKept(img_size, len(planes), sample.stored_side, dice,
                          stored_fraction=sum(np.count_nonzero(plane) for plane in planes) / pixels,
                          resized_fraction=resized / (len(planes) * img_size ** 2),
                          choice=choice)
    if not measured.loses_foreground:
        return measured
    kept_at: dict[int, float] = {}
    size, largest = img_size, max(max(plane.shape) for plane in planes)
    whole = -(-largest // multiple) * multiple  # the first side that shrinks no mask
    while size < whole:
        size = min(size * 2, whole)
        kept_at[size] = sample.kept_dice(size)
        if kept_at[size] >= PROPOSAL_TARGET:
            break
    proposed = next((side for side, kept in kept_at.items() if kept >= PROPOSAL_TARGET), None)
    return ResizeKept(img_size, len(planes), sample.stored_side, dice, measured.stored_fraction,
                      measured.resized_fraction, choice, kept_at, proposed)
