"""Refusing to train on a split whose every mask decodes empty (``train.masks_decode_empty``).

The pre-flight pass decodes every mask once before the first step, so the trainer knows,
before any training, when the policy in force leaves every training mask without a
foreground pixel (label maps holding 1, 2, 3 under the midpoint threshold, a
``--foreground-values`` no mask holds, the objects' value ignored) or when the split holds
out only empty masks. Trained on, the first learns to predict nothing for as many epochs as
asked; the second gives every epoch the same undefined or constant validation Dice, so the
epoch ``model.keras`` keeps is chosen by nothing. Keras trains on either without a word.
unetdiag refuses both before training (``UserError``, ``INPUT_ERROR``), unless
``--allow-empty-masks`` (the finding then stays in the report as an error), with a report
naming the cause and the option to pass. The batches are counted at ``--img-size``, so the
decoder's count at each mask's stored size (:class:`~.decoder.DecodeLog`) tells masks
emptied by the resize (objects narrower than its step) from masks stored empty; for the
training masks stored empty, the split (every mask with foreground held out for validation)
from the policy, for which the finding quotes what ``audit-data`` proposes on the same files
(its ``mask.decodes_empty`` or ``imbalance.empty_masks``), read in this process. Decision and
measurements: ``docs/inference.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import verb
from unetdiag.training.data_stats import MaskCounts
from unetdiag.training.decoder import DecodeLog

__all__ = ["ALLOW_OPTION", "FINDING_ID", "StoredForeground", "empty_masks_refusal",
           "every_mask_empty", "stored_foreground"]

FINDING_ID = "train.masks_decode_empty"
#: The opt-in that trains on such masks anyway.
ALLOW_OPTION = "--allow-empty-masks"
#: The audit's findings that say what empty-decoding masks hold, most precise first.
AUDIT_CAUSES = ("mask.decodes_empty", "imbalance.empty_masks")

#: What each empty rule makes of validation images whose masks are all empty.
_EMPTY_RULE_SCORES = {
    "exclude": ("each image predicted empty is left out of the mean and each with a "
                "foreground pixel predicted scores 0, so every epoch's val_dice is NaN or 0"),
    "exclude_empty_reference": ("every image is left out of the mean, so every epoch's "
                                "val_dice is NaN"),
    "one": ("each image scores 1 when nothing is predicted and 0 otherwise, so the best "
            "epoch is the one that predicts least"),
    "zero": "every image scores 0, so every epoch's val_dice is 0",
}


@dataclass(frozen=True)
class StoredForeground:
    """Of one split's masks, how many hold foreground at their stored size (before the
    resize to ``--img-size``) and the larger side of the largest of those."""

    masks: int = 0
    largest_side: int = 0


def stored_foreground(decode_log: DecodeLog, pairs: Sequence[Pair]) -> StoredForeground:
    """What the decoder counted at the stored size of the masks of ``pairs``."""
    held = [decode_log.stored_foreground[str(pair.mask)] for pair in pairs
            if decode_log.stored_foreground.get(str(pair.mask), (0, 0))[0] > 0]
    return StoredForeground(len(held), max((side for _, side in held), default=0))


def masks_counted(counts: MaskCounts) -> int:
    """The masks of a split the pre-flight pass read (those wholly ignored included)."""
    return len(counts.foreground) + counts.unscored


def every_mask_empty(counts: MaskCounts) -> bool:
    """Whether the split holds masks and not one of them has a foreground pixel among the
    pixels scored (a mask whose every pixel is ignored has none)."""
    return masks_counted(counts) > 0 and sum(counts.foreground) == 0


@dataclass(frozen=True)
class _Context:
    """What every wording of the finding needs besides the counts."""

    policy: MaskPolicy
    img_size: int
    allowed: bool
    resumed: bool
    #: ``2 ** depth``: the sides the U-Net takes are its multiples.
    multiple: int = 1

    def outcome(self, why: str) -> str:
        """The sentence saying what train did, ``why`` being the reason it refuses."""
        if self.allowed:
            return f"{why}; unetdiag train trained anyway, as {ALLOW_OPTION} asks."
        return f"{why}, so unetdiag train refused to train."

    def allow_clause(self) -> str:
        """How to train on the masks as they decode ("" once that was asked for)."""
        if self.allowed:
            return ""
        if self.resumed:  # --resume takes no training option
            return (f" To train on the masks as they decode, start a new run with "
                    f"{ALLOW_OPTION} (--resume keeps this run's options).")
        return f" To train on the masks as they decode, pass {ALLOW_OPTION}."


def empty_masks_refusal(train_counts: MaskCounts, val_counts: MaskCounts,
                        policy: MaskPolicy, empty_rule: str,
                        audit: Callable[[], Report], *, img_size: int = 0,
                        stored: tuple[StoredForeground, StoredForeground] = (
                            StoredForeground(), StoredForeground()),
                        allowed: bool = False, resumed: bool = False,
                        multiple: int = 1) -> Finding | None:
    """``train.masks_decode_empty`` (error) when every training mask, or else every
    validation mask, decodes empty under ``policy`` at ``img_size``; None otherwise.

    ``stored`` is what the decoder counted at the stored size of the training and the
    validation masks: masks holding foreground there lost it to the resize. ``audit`` runs
    ``audit-data`` on the same files under the same options (called only when the training
    masks are stored empty and the validation masks empty too): its finding on the empty
    masks says what they hold and proposes the options. ``allowed``: ``--allow-empty-masks``
    was given (the finding says the run trained anyway); ``resumed``: the run is resumed
    (the opt-in then needs a new run); ``multiple``: ``2 ** depth``, of which a side proposed
    must be a multiple."""
    context = _Context(policy, img_size, allowed, resumed, multiple)
    if every_mask_empty(train_counts):
        if stored[0].masks:
            return _resized_refusal("train", train_counts, stored[0], context, empty_rule,
                                    other_holds=sum(val_counts.foreground) > 0)
        if sum(val_counts.foreground) > 0 and not train_counts.unscored:
            return _held_out_refusal(train_counts, val_counts, context)
        return _training_refusal(train_counts, val_counts, audit(), context)
    if every_mask_empty(val_counts):
        if stored[1].masks:
            return _resized_refusal("validation", val_counts, stored[1], context, empty_rule,
                                    other_holds=True)  # the training masks hold foreground
        return _validation_refusal(train_counts, val_counts, context, empty_rule)
    return None


def _finding(split: str, counts: MaskCounts, context: _Context, title: str,
             explanation: str, fix: str, **evidence) -> Finding:
    files = evidence.pop("files", ())
    return Finding(
        id=FINDING_ID, severity=Severity.ERROR, title=title, explanation=explanation,
        fix=fix + context.allow_clause(),
        evidence={"split": split, "masks": masks_counted(counts),
                  "wholly_ignored": counts.unscored, "policy": context.policy.to_dict(),
                  "img_size": context.img_size, "allowed": context.allowed,
                  "allow_option": ALLOW_OPTION, **evidence},
        source="data:train" if split == "train" else "data:val",
        files=files)


def _resized_refusal(split: str, counts: MaskCounts, stored: StoredForeground,
                     context: _Context, empty_rule: str, *, other_holds: bool) -> Finding:
    """The masks hold foreground at their stored size and lose it in the resize; those that
    hold none there (when not all of them) are named as empty under the mask policy, which
    is not blamed when the other split's masks hold foreground under it (``other_holds``)
    and no mask is ignored at every pixel: those files are consistent with images without
    objects."""
    masks, size = masks_counted(counts), context.img_size
    stored_empty = masks - stored.masks
    other_holds = other_holds and not counts.unscored  # a mask ignored whole is no image
    which = "training" if split == "train" else split
    other = "validation" if split == "train" else "training"
    title = (f"Every one of the {masks} {which} masks decodes empty at --img-size {size}, "
             f"though {stored.masks} of them {verb(stored.masks, 'holds', 'hold')} "
             "foreground at their stored size")
    if stored_empty:
        title += (f"; the other {stored_empty} {verb(stored_empty, 'holds', 'hold')} none "
                  f"under the mask policy in force ({context.policy.describe()})")
        if other_holds:
            title += f", under which the {other} masks hold foreground"
    holders = "The masks hold" if not stored_empty else (
        f"{stored.masks} of the masks {verb(stored.masks, 'holds', 'hold')}")
    # a resize up (or to the same side) reads every stored pixel; the model takes multiples
    keeping = -(-stored.largest_side // context.multiple) * context.multiple
    rounded = ("" if keeping == stored.largest_side else
               f", rounded up to a multiple of {context.multiple} as the model's depth needs")
    lost = (f"{holders} foreground at their stored size but lose it when resized to "
            f"{size} px (nearest neighbour: an object thinner than the resize's step can fall "
            f"between the pixels it keeps); a larger --img-size keeps it, all of it from "
            f"{keeping} px ({stored.largest_side} px, the larger side of the largest of them"
            f"{rounded})")
    if stored_empty:
        lost += (f". The other {stored_empty} {verb(stored_empty, 'holds', 'hold')} no "
                 "foreground pixel at the stored size under the mask policy in force, which no "
                 "--img-size changes")
    if split == "train":
        why = f"{lost}. A model trained on the masks as resized learns to predict nothing"
    else:
        scores = _EMPTY_RULE_SCORES.get(empty_rule, "no epoch's val_dice measures segmentation")
        why = (f"{lost}. No validation image can have a true positive: under --empty-rule "
               f"{empty_rule} {scores}; model.keras keeps the best epoch by validation Dice, "
               "which these numbers cannot choose")
    keeps = f"--img-size {keeping} keeps every foreground pixel"
    if not stored_empty:
        fix = f"Pass a larger --img-size ({keeps}), or make the objects larger in the masks."
    else:
        fix = (f"Pass a larger --img-size for the {stored.masks} that lose their objects "
               f"({keeps}), or make the objects larger in the masks")
        fix += (f". The other {stored_empty} {verb(stored_empty, 'is', 'are')} consistent with "
                f"images without objects (the {other} masks hold foreground under the same "
                "policy)." if other_holds else
                f"; run `unetdiag audit-data` with the same options for what the other "
                f"{stored_empty} hold under the mask policy.")
    cause = "resize" if not stored_empty else (
        "resize_and_empty" if other_holds else "resize_and_policy")
    return _finding(
        split, counts, context, title, context.outcome(why), fix, cause=cause,
        stored_foreground_masks=stored.masks, stored_empty_masks=stored_empty,
        stored_largest_side=stored.largest_side, img_size_keeping_all=keeping)


def _held_out_refusal(train_counts: MaskCounts, val_counts: MaskCounts,
                      context: _Context) -> Finding:
    """The training masks are empty because the split held out every mask with foreground."""
    masks = masks_counted(train_counts)
    held = sum(value > 0 for value in val_counts.foreground)
    title = (f"Every one of the {masks} training masks decodes empty under the mask policy "
             f"in force ({context.policy.describe()}): the validation split holds the only "
             f"foreground ({held} of its {masks_counted(val_counts)} masks)")
    why = ("The split held out every mask with foreground; a model trained on the rest "
           "learns to predict nothing, however many epochs it is given")
    return _finding(
        "train", train_counts, context, title, context.outcome(why),
        "Put images with objects in training: another --seed ranks the files anew (the "
        "split is seeded and by file; another --val-fraction takes validation from the same "
        "ranking), or add images with objects.",
        cause="split", validation_masks_with_foreground=held)


def _training_refusal(train_counts: MaskCounts, val_counts: MaskCounts, audit: Report,
                      context: _Context) -> Finding:
    masks = masks_counted(train_counts)
    cause = next((finding for finding_id in AUDIT_CAUSES for finding in audit.findings
                  if finding.id == finding_id), None)
    title = (f"Every one of the {masks} training masks decodes empty under the mask policy "
             f"in force ({context.policy.describe()})")
    held = _held(cause)
    if held:
        title += f": {held}"
    if train_counts.unscored:
        title += (f"; {train_counts.unscored} of them {verb(train_counts.unscored, 'is', 'are')}"
                  " ignored at every pixel")
    refused = context.outcome("A model trained on masks without foreground learns to "
                              "predict nothing, however many epochs it is given")
    if cause is not None:
        explanation = f"audit-data on the same files ({cause.id}): {cause.explanation} {refused}"
        fix = cause.fix
    else:  # the audit's split or counts differ from the trainer's
        explanation = (f"The {masks_counted(val_counts)} validation masks hold "
                       f"{val_counts.foreground_fraction:.2%} foreground under the same "
                       f"policy. {refused}")
        fix = ("Run `unetdiag audit-data` with the same options: it says what the masks "
               "hold and proposes the options to pass.")
    return _finding(
        "train", train_counts, context, title, explanation, fix, cause="policy",
        audit_finding=None if cause is None else cause.id,
        proposed_flags=None if cause is None else cause.evidence.get("proposed_flags"),
        files=tuple(cause.files) if cause is not None else ())


def _held(cause: Finding | None) -> str:
    """What the audit says the masks hold, as a clause ("" when it does not say)."""
    if cause is None:
        return ""
    evidence = cause.evidence
    if evidence.get("two_levels_text"):
        return str(evidence["two_levels_text"])
    if evidence.get("values_text"):
        return f"they hold {evidence['values_text']}"
    if cause.id == "imbalance.empty_masks" and evidence.get("several_values") == 0:
        return "each holds a single value"
    return ""


def _validation_refusal(train_counts: MaskCounts, val_counts: MaskCounts, context: _Context,
                        empty_rule: str) -> Finding:
    masks = masks_counted(val_counts)
    train_empty = sum(value == 0 for value in train_counts.foreground)
    scores = _EMPTY_RULE_SCORES.get(empty_rule, "no epoch's val_dice measures segmentation")
    why = (f"The split held out only masks without foreground, at their stored size too "
           f"({train_empty} of the training masks are empty as well). No validation image "
           f"can have a true positive: under --empty-rule {empty_rule} {scores}. model.keras "
           "keeps the best epoch by validation Dice, which these numbers cannot choose")
    return _finding(
        "validation", val_counts, context,
        (f"Every one of the {masks} validation masks decodes empty, while the "
         f"{masks_counted(train_counts)} training masks hold "
         f"{train_counts.foreground_fraction:.2%} foreground"),
        context.outcome(why),
        ("Hold out images with objects: another --seed ranks the files anew (the split is "
         "seeded and by file); a larger --val-fraction adds the next files of the same "
         "ranking."),
        cause="split", train_foreground_fraction=train_counts.foreground_fraction,
        train_empty_masks=train_empty, empty_rule=empty_rule)
