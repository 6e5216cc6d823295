"""Refusing to train on a split whose every mask decodes empty (``train.masks_decode_empty``).

The pre-flight pass decodes every mask once before the first step, so the trainer knows,
before any training, when the policy in force leaves every training mask without a
foreground pixel (label maps holding 1, 2, 3 under the midpoint threshold, a
``--foreground-values`` no mask holds, the objects' value ignored) or when the split holds
out only empty masks. Trained on, the first learns to predict nothing for as many epochs as
asked; the second gives every epoch the same undefined or constant validation Dice, so the
epoch ``model.keras`` keeps is chosen by nothing. Keras trains on either without a word;
nnU-Net refuses labels its dataset.json does not declare before planning. unetdiag refuses
both before training (``UserError``, ``INPUT_ERROR``), unless ``--allow-empty-masks``, with
a report naming what the masks hold and the option to pass: for the training masks, the one
``audit-data`` proposes on the same files (its ``mask.decodes_empty`` or
``imbalance.empty_masks``), read in this process. Decision and measurements:
``docs/inference.md``.
"""

from __future__ import annotations

from collections.abc import Callable

from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import verb
from unetdiag.training.data_stats import MaskCounts

__all__ = ["ALLOW_OPTION", "FINDING_ID", "empty_masks_refusal", "every_mask_empty"]

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


def masks_counted(counts: MaskCounts) -> int:
    """The masks of a split the pre-flight pass read (those wholly ignored included)."""
    return len(counts.foreground) + counts.unscored


def every_mask_empty(counts: MaskCounts) -> bool:
    """Whether the split holds masks and not one of them has a foreground pixel among the
    pixels scored (a mask whose every pixel is ignored has none)."""
    return masks_counted(counts) > 0 and sum(counts.foreground) == 0


def empty_masks_refusal(train_counts: MaskCounts, val_counts: MaskCounts,
                        policy: MaskPolicy, empty_rule: str,
                        audit: Callable[[], Report]) -> Finding | None:
    """``train.masks_decode_empty`` (error) when every training mask, or else every
    validation mask, decodes empty under ``policy``; None otherwise. ``audit`` runs
    ``audit-data`` on the same files under the same options (called only when the training
    masks are all empty): its finding on the empty masks says what they hold and proposes
    the options."""
    if every_mask_empty(train_counts):
        return _training_refusal(train_counts, val_counts, policy, audit())
    if every_mask_empty(val_counts):
        return _validation_refusal(train_counts, val_counts, policy, empty_rule)
    return None


def _training_refusal(train_counts: MaskCounts, val_counts: MaskCounts, policy: MaskPolicy,
                      audit: Report) -> Finding:
    masks = masks_counted(train_counts)
    cause = next((finding for finding_id in AUDIT_CAUSES for finding in audit.findings
                  if finding.id == finding_id), None)
    policy_text = policy.describe()
    title = (f"Every one of the {masks} training masks decodes empty under the mask policy "
             f"in force ({policy_text})")
    held = _held(cause)
    if held:
        title += f": {held}"
    if train_counts.unscored:
        title += (f"; {train_counts.unscored} of them {verb(train_counts.unscored, 'is', 'are')}"
                  " ignored at every pixel")
    refused = ("unetdiag train refused to train on them: a model trained on masks without "
               "foreground learns to predict nothing, however many epochs it is given.")
    if cause is not None:
        explanation = f"audit-data on the same files ({cause.id}): {cause.explanation} {refused}"
        fix = cause.fix
    else:  # the validation masks hold foreground, so the audit sees none of this
        explanation = (f"The {masks_counted(val_counts)} validation masks hold "
                       f"{val_counts.foreground_fraction:.2%} foreground under the same "
                       f"policy. {refused}")
        fix = ("Run `unetdiag audit-data` with the same options: it says what the masks "
               "hold and proposes the options to pass.")
    proposed = None if cause is None else cause.evidence.get("proposed_flags")
    return Finding(
        id=FINDING_ID, severity=Severity.ERROR, title=title, explanation=explanation,
        fix=(f"{fix} To train on the masks as they decode, pass {ALLOW_OPTION}."),
        evidence={"split": "train", "masks": masks, "wholly_ignored": train_counts.unscored,
                  "policy": policy.to_dict(), "audit_finding": None if cause is None
                  else cause.id, "proposed_flags": proposed, "allow_option": ALLOW_OPTION},
        source="data:train", files=tuple(cause.files) if cause is not None else ())


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


def _validation_refusal(train_counts: MaskCounts, val_counts: MaskCounts, policy: MaskPolicy,
                        empty_rule: str) -> Finding:
    masks = masks_counted(val_counts)
    train_empty = sum(value == 0 for value in train_counts.foreground)
    scores = _EMPTY_RULE_SCORES.get(empty_rule, "no epoch's val_dice measures segmentation")
    return Finding(
        id=FINDING_ID, severity=Severity.ERROR,
        title=(f"Every one of the {masks} validation masks decodes empty, while the "
               f"{masks_counted(train_counts)} training masks hold "
               f"{train_counts.foreground_fraction:.2%} foreground"),
        explanation=(
            f"The split held out only masks without foreground ({train_empty} of the "
            f"training masks are empty too). No validation image can have a true positive: "
            f"under --empty-rule {empty_rule} {scores}. model.keras keeps the best epoch by "
            "validation Dice, which these numbers cannot choose, so unetdiag train refused "
            "to train."),
        fix=("Hold out images with objects: another --seed or a larger --val-fraction (the "
             f"split is seeded and by file). To train with this split, pass {ALLOW_OPTION}."),
        evidence={"split": "validation", "masks": masks, "wholly_ignored": val_counts.unscored,
                  "train_foreground_fraction": train_counts.foreground_fraction,
                  "train_empty_masks": train_empty, "empty_rule": empty_rule,
                  "policy": policy.to_dict(), "allow_option": ALLOW_OPTION},
        source="data:val")
