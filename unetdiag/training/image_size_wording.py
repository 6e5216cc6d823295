"""The words of ``resize.img_size_chosen``: the side ``train`` chose without ``--img-size``
(:mod:`unetdiag.training.image_size` measures and chooses)."""

from __future__ import annotations

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import plural
from unetdiag.training.image_size import BASE_IMG_SIZE, CANDIDATE_SIZES, ImageSizeChoice

FINDING_ID = "resize.img_size_chosen"


def img_size_finding(choice: ImageSizeChoice, source: str = "data:train") -> Finding | None:
    """An info finding saying which side was chosen and what was measured; None when nothing
    was measured (images no larger than the base side, which train at it as always)."""
    if not choice.kept_dice:
        return None
    side, chosen = choice.img_size, choice.kept_dice[choice.img_size]
    base = choice.kept_dice.get(BASE_IMG_SIZE)
    if choice.reason == "largest":
        title = (f"Images and masks resized to {side} px, the largest side chosen without "
                 f"--img-size: the training masks keep only Dice {chosen:.2f} of themselves "
                 "there")
    elif side > BASE_IMG_SIZE and base is not None:
        title = (f"Images and masks resized to {side} px, not {BASE_IMG_SIZE}: at "
                 f"{BASE_IMG_SIZE} px the training masks keep only Dice {base:.2f} of "
                 "themselves")
    else:
        title = (f"Images and masks resized to {side} px: the training masks keep Dice "
                 f"{chosen:.2f} of themselves there")
    sides = ", ".join(f"{size} px {dice:.2f}" for size, dice in choice.kept_dice.items())
    largest = max(size for size in CANDIDATE_SIZES if size <= choice.mask_side)
    measured = plural(choice.masks_measured, "training mask")
    explanation = (
        f"Without --img-size, train measured how much of each of {measured} (those holding "
        "foreground) survives its resize: the mask resized to the side by nearest "
        "neighbour, as the trainer resizes it, and back to its own size "
        f"({choice.mask_side} px, the median smaller side), scored against itself. Kept "
        f"Dice: {sides}; the smallest side at or above {choice.target:.2f} is taken, "
        f"{largest} px at most. Every variant trains and is scored against the "
        "masks at the chosen side, so its validation Dice is measured there, not at the "
        "masks' own size; a model that reproduced the resized masks exactly, resized back "
        "by nearest neighbour, would score the kept Dice against the masks at their own "
        "size.")
    fix = (f"Pass --img-size to choose the side: a larger one keeps more of thin structures "
           f"at about (side / {BASE_IMG_SIZE})^2 times the CPU a step; --img-size "
           f"{BASE_IMG_SIZE} trains at the side used before this choice existed.")
    return Sentences(title, explanation, fix).finding(FINDING_ID, Severity.INFO,
                                                      choice.to_dict(), source=source)
