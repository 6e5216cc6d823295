"""The sentences of :mod:`.resize_kept`'s one measure: ``resize.img_size_chosen`` (info, the
side chosen without ``--img-size``) and ``train.resize_loses_foreground`` (warning, the side
trained keeps less than the target)."""

from __future__ import annotations

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import plural
from unetdiag.training.resize_kept import (
    BASE_IMG_SIZE,
    CANDIDATE_SIZES,
    KEPT_DICE_TARGET,
    PROPOSAL_TARGET,
    SAMPLED_MASKS,
    ImageSizeChoice,
    ResizeKept,
)

FINDING_ID = "train.resize_loses_foreground"
CHOSEN_FINDING_ID = "resize.img_size_chosen"

_KEPT_DICE = ("each mask resized to the side by nearest neighbour, as the trainer resizes it, "
              "and back to its own size the same way, scored against itself (Dice)")


def img_size_finding(choice: ImageSizeChoice, source: str = "data:train") -> Finding | None:
    """An info finding saying which side was chosen and what was measured; None when no side
    above the base one was tried (masks whose median smaller side is at most the base side:
    they train at it, and ``train.resize_loses_foreground`` says when that loses them)."""
    if choice.reason == "small_images":
        return None
    if choice.reason == "no_foreground":
        return _unmeasured_finding(choice, source)
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
        f"Without --img-size, train measured how much of {measured} (those holding "
        f"foreground) survives its resize, the kept Dice: {_KEPT_DICE} at its own size "
        f"({choice.mask_side} px, the median smaller side). Kept Dice: {sides}; the smallest "
        f"side at or above {choice.target:.2f} is taken, {largest} px at most. Every variant "
        "trains and is scored against the masks at the chosen side, so its validation Dice is "
        "measured there, not at the masks' own size; a model that reproduced the resized "
        "masks exactly, resized back by nearest neighbour, would score the kept Dice against "
        "the masks at their own size.")
    fix = (f"Pass --img-size to choose the side: a larger one keeps more of thin structures "
           f"at about (side / {BASE_IMG_SIZE})^2 times the CPU a step; --img-size "
           f"{BASE_IMG_SIZE} trains at the smallest side this choice tries (any multiple of "
           "2^depth is taken), at the cost of what the kept Dice above says is lost.")
    return Sentences(title, explanation, fix).finding(CHOSEN_FINDING_ID, Severity.INFO,
                                                      choice.to_dict(), source=source)


def _unmeasured_finding(choice: ImageSizeChoice, source: str) -> Finding | None:
    """No sampled training mask held foreground: the base side, nothing measured (said only
    of masks larger than it, which the resize shrinks)."""
    if choice.mask_side <= BASE_IMG_SIZE:
        return None
    title = (f"Images and masks resized to {BASE_IMG_SIZE} px without a measure: none of the "
             f"training masks sampled (at most {SAMPLED_MASKS}) holds foreground")
    explanation = (
        "Without --img-size, train measures how much of the training masks that hold "
        f"foreground survives its resize ({_KEPT_DICE}) and takes the smallest side that keeps "
        f"enough; none of those it sampled holds any (median smaller side {choice.mask_side} "
        f"px), so nothing was measured and the smallest side, {BASE_IMG_SIZE} px, is taken. "
        "Masks of other pairs that hold thin structures may lose them there, unmeasured.")
    fix = ("Pass --img-size to choose the side; `unetdiag audit-data` says how many masks "
           "hold foreground under the mask policy.")
    return Sentences(title, explanation, fix).finding(CHOSEN_FINDING_ID, Severity.INFO,
                                                      choice.to_dict(), source=source)


def resize_kept_findings(measured: ResizeKept | None) -> list[Finding]:
    """The warning when the kept Dice at the side trained is below
    :data:`~.resize_kept.KEPT_DICE_TARGET`; nothing otherwise (a small loss is not told)."""
    if measured is None or not measured.loses_foreground:
        return []
    size, side, choice = measured.img_size, measured.stored_side, measured.choice
    capped = ""
    if choice is not None:
        if choice.reason == "small_images":
            capped = (f", the side taken without --img-size when the masks' median smaller side "
                      f"({choice.mask_side} px) is at most {BASE_IMG_SIZE} px")
        else:
            cause = (f"for CPU cost: {(size / BASE_IMG_SIZE) ** 2:.0f} times the pixels of "
                     f"{BASE_IMG_SIZE} px" if size == max(CANDIDATE_SIZES)
                     else f"the largest side tried not above the masks' {choice.mask_side} px")
            capped = f", where the side chosen without --img-size is capped ({cause})"
    title = (f"Resized to {size} px{capped}, the training masks keep only Dice "
             f"{measured.kept_dice:.2f} of themselves (measured on "
             f"{plural(measured.masks, 'mask')} of {side} px)")
    explanation = (
        f"The masks are resized to {size} x {size} px by nearest neighbour, which keeps one "
        f"stored pixel in about every {side / size:.1f} along each side: a structure narrower "
        "than that (a 1-2 px vessel or membrane) keeps only the pixels that fall on a kept row "
        f"and column. Kept Dice, {_KEPT_DICE.replace(' (Dice)', '')}, the mean over the "
        f"masks: {measured.kept_dice:.3f}, below {KEPT_DICE_TARGET:.2f}. The foreground's share of "
        f"the pixels is {measured.stored_fraction:.2%} at the stored size and "
        f"{measured.resized_fraction:.2%} as resized: the share does not show the loss, which "
        "is in where the foreground is. The model learns and is validated on the masks as "
        "resized, so thin structures lost there are neither learnt nor scored.")
    measured_sizes = ", ".join(f"{candidate} px {kept:.2f}"
                               for candidate, kept in measured.kept_at.items())
    if measured.proposed is not None:
        fix = (f"Pass --img-size {measured.proposed}, the smallest of the sides measured whose "
               f"kept Dice reaches {PROPOSAL_TARGET:.2f} (kept Dice: {measured_sizes}); "
               "memory and time per step grow with its square.")
    else:
        fix = (f"Pass a larger --img-size (kept Dice: {measured_sizes or 'none measured'}); "
               "memory and time per step grow with its square.")
    return [Finding(
        id=FINDING_ID, severity=Severity.WARNING, title=title, explanation=explanation,
        fix=fix,
        evidence={"img_size": size, "masks_measured": measured.masks,
                  "stored_side_median": side, "kept_dice": measured.kept_dice,
                  "stored_foreground_fraction": measured.stored_fraction,
                  "resized_foreground_fraction": measured.resized_fraction,
                  "kept_dice_at": {str(k): v for k, v in measured.kept_at.items()},
                  "proposed_img_size": measured.proposed,
                  "chosen_without_img_size": choice is not None,
                  "warn_below": KEPT_DICE_TARGET, "proposal_target": PROPOSAL_TARGET,
                  "assumption": ("nearest-neighbour resize with half-pixel centres, as the "
                                 "pipeline's, down to the side and back; pixels the mask "
                                 "policy ignores not scored")},
        source="data:train")]
