"""Masks that hold two levels, 0 and the top of their scale, and are nonetheless read as one
class: intensity masks, not label maps, unless the data say otherwise.

A mask is taken for a label map one file at a time
(:func:`~unetdiag.diag.data.labelmaps.label_layout`), and two of its rules take two-value
masks: a palette mask holding index 255 (PASCAL VOC's void), and a mask the policy in force
decodes to one class. On their own, 0 and the top of the scale (1, 255, 65535) say neither:
they are the two levels of a binary mask. Over the dataset they say more:

* palette masks that hold no index but 0 and 255, in any mask, have no class for a void
  border to surround: VOC's 255 is drawn along the outlines of class indices 1..20 (every VOC
  mask holds one). Such masks are a binary mask saved with a colour palette (a VOC palette,
  whose 255 is (224, 224, 192), or any other), and the palette rule, which never makes 255
  foreground, leaves every one of them empty;
* gray masks holding 0 and 1 (or 0 and 255) that a threshold or value policy chosen for the
  dataset's other masks reads as one class are those masks' two levels on another scale.

This module says when a set of label-map masks is such a set (:func:`two_level_top`), and words
the finding (``mask.two_levels_one_class``) that replaces ``mask.label_map`` for it. Evidence
that makes the values classes keeps them label maps: another value in any label-map mask, a
separating band, a declared no-data value, a value the user ignores, colour masks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import percent, plural, verb

if TYPE_CHECKING:
    from unetdiag.diag.audit.label_verdict import LabelVerdict
    from unetdiag.diag.audit.tally import AuditTally

#: The tops of the scales a binary mask is stored on: 0/1, 0/255 (8-bit and palette), 0/65535.
TWO_LEVEL_TOPS = (1, 255, 65535)


def two_level_top(values: set[int] | dict[int, Any], colour: bool) -> int | None:
    """The top level when ``values`` (every value the label-map masks hold) are 0 and one of
    :data:`TWO_LEVEL_TOPS`; None otherwise (colour masks, other values, one value).

    >>> two_level_top({0, 255}, False), two_level_top({0, 1, 255}, False)
    (255, None)
    >>> two_level_top({0, 38}, False), two_level_top({0, 255}, True)
    (None, None)
    """
    held = set(values)
    if colour or len(held) != 2 or 0 not in held:
        return None
    top = max(held)
    return top if top in TWO_LEVEL_TOPS else None


def two_levels_evidence(verdict: LabelVerdict) -> dict[str, Any]:
    """What the verdict rests on, as numbers and names of the rule (no English)."""
    # a mask holding one of the levels alone is no label map (one value at an end of its
    # scale), so each of these holds both
    return {"levels": [0, verdict.two_level], "palette": verdict.palette,
            "masks": verdict.masks, "masks_read": verdict.masks_read,
            "top_share": verdict.value(verdict.two_level).share,
            "rule": "palette_without_classes" if verdict.palette else "read_as_one_class",
            "kept_values": list(verdict.kept), "kept_masks": verdict.kept_masks}


def two_levels_title(verdict: LabelVerdict) -> str:
    """``"20 masks hold only the values 0 and 255, read as one class"`` (the last words only
    when the policy in force reads them so)."""
    top = verdict.two_level
    stored = "palette indices" if verdict.palette else "values"
    read = "" if verdict.in_force_as_proposed else ", read as one class"
    return (f"{plural(verdict.masks, 'mask')} {verb(verdict.masks, 'holds', 'hold')} only the "
            f"{stored} 0 and {top}{read}")


def two_levels_clause(verdict: LabelVerdict) -> str:
    """The headline's words: ``"they hold only the palette indices 0 and 255: binary masks
    stored with a palette, not label maps"``."""
    top = verdict.two_level
    if verdict.palette:
        return (f"they hold only the palette indices 0 and {top}: binary masks stored with a "
                "palette, not label maps (the palette rule reads 255 as PASCAL VOC's void)")
    return (f"they hold only 0 and {top}, the two levels of a binary mask, which the policy in "
            "force reads as one class")


def _why(verdict: LabelVerdict, policy: MaskPolicy) -> str:
    top = verdict.two_level
    share = percent(verdict.value(top).share)
    if verdict.palette:
        return (f"Every one of these palette masks holds index 0 and index {top} ({top} covers "
                f"{share} of their pixels), and no mask of the dataset holds any "
                f"other index. The palette rule reads index {top} as PASCAL VOC's void (the "
                "border drawn round objects of classes 1 to 20, never foreground), but a void "
                "border needs classes to surround and these masks hold none: consistent with "
                f"binary masks (0 background, {top} object) saved with a colour palette rather "
                f"than label maps. Under the palette rule every pixel of {top} is background "
                "and the masks decode empty. Evidence used: the indices held over the whole "
                f"dataset (0 and {top} only) and the absence of any class index; not the palette's "
                "colours.")
    return (f"Each of these masks holds 0 and {top} ({top} covers {share} of their "
            f"pixels): the two ends of their scale, the levels of a binary mask, not class "
            f"numbers. They are taken for label maps only because the policy in force "
            f"({policy.describe()}) reads both levels as one class, as a threshold or value "
            "chosen for masks on another scale does. Evidence used: the values held over "
            f"these masks (0 and {top} only) and what the policy makes of them; no layout "
            "measure.")


def two_levels_finding(verdict: LabelVerdict, tally: AuditTally, policy: MaskPolicy,
                       kept_text: str) -> Finding:
    """``mask.two_levels_one_class``: binary masks the policy in force (or the palette rule)
    reads as one class, with the policy that reads them as two (a warning), or info when the
    policy in force already does."""
    proposal = verdict.proposal
    explanation = _why(verdict, policy)
    if kept_text:
        explanation += (f" Besides them, {kept_text} under the policy in force; the proposal "
                        "names those values too.")
    if proposal is not None:
        explanation += f" Proposed: {proposal.flags()}."
        fix = (f"Pass {proposal.flags()} to both audit-data and train (the run records the "
               "policy in data.json); if the object is the other level, say so with "
               "--foreground-values.")
    else:
        fix = "Nothing to fix: the policy in force reads these levels as two classes."
    severity = Severity.WARNING if proposal is not None else Severity.INFO
    return audit_finding(
        "mask.two_levels_one_class", severity, two_levels_title(verdict), explanation, fix,
        {**two_levels_evidence(verdict), "policy": policy.to_dict(),
         "proposed_policy": None if proposal is None else proposal.to_dict(),
         "proposed_flags": None if proposal is None else proposal.flags(),
         "two_levels_text": two_levels_clause(verdict), "kept_text": kept_text or None},
        listed_names(tally.mask_paths, verdict.indices))
