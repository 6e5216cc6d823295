"""The wording of two values drawn as strokes (scribbles, or thin structures of two classes):
the ``mask.label_map`` sentences on the stroke measure, the votes and a void beside the
strokes, the readings offered, and ``imbalance.mostly_foreground`` reworded where the decoded
foreground is the unlabelled majority.

The numbers come from :mod:`unetdiag.diag.audit.labels` (:class:`LabelVerdict`) and
:mod:`unetdiag.diag.audit.strokes`; this module only words them (moved out of
:mod:`unetdiag.diag.audit.label_findings`, unchanged).
"""

from __future__ import annotations

import dataclasses

from unetdiag.diag.audit.frame_wording import FRAME_LIES
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.strokes import (
    STROKE_ELONGATION,
    STROKE_MAX_HOLES,
    STROKE_MAX_WIDTH,
    STROKE_MIN_SPAN,
    STROKE_WIDTH_DIVISOR,
    STROKE_WIDTH_QUANTILE,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import capitalised, join_names, percent, plural, verb


def stroke_choice(verdict: LabelVerdict) -> str:
    """The readings of two stroke values, as the headline and the fix say them."""
    first, second, both = verdict.readings
    unlabelled = verdict.background
    one, other = first.foreground_values[0], second.foreground_values[0]
    return (f"if {unlabelled} marks unlabelled pixels, pass {first.flags()} (or "
            f"{second.flags()} if {other} is the object's stroke and {one} the "
            f"background's); if both are object classes, pass {both.flags()}")


def strokes_sentence(verdict: LabelVerdict) -> str:
    """Why two values read as strokes admit several readings."""
    names = join_names([str(value) for value in verdict.strokes])
    shares = join_names([percent(verdict.stroke_share[value]) for value in verdict.strokes])
    return (f" {names} are drawn as strokes: {shares} of their pixels lie in pieces (8-connected)"
            f" holding at least {STROKE_ELONGATION} times the pixels of the widest square inside "
            f"them (longer than about {STROKE_ELONGATION} times their width), spanning at "
            f"least {STROKE_MIN_SPAN} px, with no centred square wider than "
            f"{STROKE_MAX_WIDTH} px inside them, or than a {STROKE_WIDTH_DIVISOR}nd of the "
            "mask's shorter side where that is more (the squares measured are centred on a "
            f"pixel, so odd-sided: bands {STROKE_MAX_WIDTH} and {STROKE_MAX_WIDTH + 1} px wide "
            f"both measure {STROKE_MAX_WIDTH}); where a brush turns or crosses itself, "
            f"{percent(STROKE_WIDTH_QUANTILE)} of their pixels so, with at most "
            f"{plural(STROKE_MAX_HOLES, 'hole')} enclosed. A disc "
            "of radius 2 to 30 px holds under twice its widest square and a mark within a 7x7 "
            "box spans less, so small round objects and point marks are no strokes."
            f"{_votes_sentence(verdict)}"
            f"{_stroke_void_sentence(verdict)} "
            "That is consistent with scribble annotations (one value the object's "
            f"strokes, one the background's, {verdict.background} the pixels not annotated: "
            "the COD scribble set stores 1/2/0, WSL4MIS 1/0/255), and with thin "
            "structures of two classes (arteries and veins). Read "
            "as two object classes, scribbles would "
            "train the background's strokes as object and every pixel not annotated as "
            f"background. Only the user knows which holds: {stroke_choice(verdict)}.")


def _stroke_void_sentence(verdict: LabelVerdict) -> str:
    """Why a fourth value beside two strokes is ignored in every reading (a void band has
    its own sentence)."""
    value = verdict.stroke_void
    if value is None or value == verdict.void:
        return ""
    entry = verdict.value(value)
    return (f" Value {value} ({percent(entry.share)} of pixels, in "
            f"{plural(entry.masks, 'mask')}) {FRAME_LIES} in each mask holding it, apart "
            "from the strokes: taken as void (PASCAL VOC's and its "
            "scribbles' 255) and ignored in every reading.")


def _votes_sentence(verdict: LabelVerdict) -> str:
    """How many of the masks read as label maps only for their strokes hold them, when not
    all do (the dataset gets one reading: :meth:`AuditTally.settle_scribbles`)."""
    marked, candidates = verdict.scribble_votes
    if not candidates or marked == candidates:
        return ""
    return (f" {marked} of the {candidates} masks whose layout alone makes no label map (a "
            "value between the scale's ends) hold the two as separate strokes, scarcely "
            f"touching each other; the other {candidates - marked}, holding the same kind of "
            f"values, {verb(candidates - marked, 'is', 'are')} read with them as label maps, "
            "so the dataset gets one reading.")


def strokes_mostly_foreground(finding: Finding, verdict: LabelVerdict | None) -> Finding:
    """``imbalance.mostly_foreground`` on masks whose two minority values are strokes
    (scribbles, readings offered): the foreground in force is the majority value, the pixels
    not annotated if they are scribbles, so the inverted-polarity hint is not why (WSL4MIS's
    0/1 strokes on 255 were told to decode with --mask-polarity dark, which trains both
    strokes as object)."""
    if finding.id != "imbalance.mostly_foreground" or verdict is None or not verdict.strokes:
        return finding
    if verdict.in_force_as_proposed:
        return _scribbled_mostly_foreground(finding, verdict)
    if not verdict.decoded_is_no_reading:
        return finding
    background = verdict.background
    share = percent(verdict.value(background).share)
    names = join_names([str(value) for value in verdict.strokes])
    return dataclasses.replace(
        finding,
        explanation=(finding.explanation.split(". ")[0].replace(
            "the object covers", "the decoded foreground covers") + ". It is "
                     f"mostly value {background} ({share} of pixels), on which {names} are "
                     "drawn as strokes (see mask.label_map): if these are scribbles, "
                     f"{background} marks the pixels not annotated, and neither polarity "
                     "reads them right (the other polarity makes both strokes the object)."),
        fix=f"{capitalised(stroke_choice(verdict))}; to both audit-data and train.",
        evidence={**finding.evidence, "stroke_values": list(verdict.strokes),
                  "majority_value": background})


def _scribbled_mostly_foreground(finding: Finding, verdict: LabelVerdict) -> Finding:
    """``imbalance.mostly_foreground`` under a stroke reading in force: only the two strokes
    are scored, so a mask whose object stroke is long beside its background stroke, or in
    which the background was not scribbled at all, is mostly foreground as drawn; no
    polarity is why (information)."""
    names = join_names([str(value) for value in verdict.strokes])
    return dataclasses.replace(
        finding, severity=Severity.INFO,
        explanation=(finding.explanation.split(". ")[0] + ". The policy in force reads the "
                     f"masks as scribbles: only the strokes ({names}) are scored, "
                     f"{verdict.background} (the pixels not annotated) ignored, so a mask "
                     "whose object stroke outweighs its background stroke, or in which the "
                     "background was not scribbled at all, is mostly foreground as drawn; no "
                     "polarity is why."),
        fix="Nothing to fix: a loss over the strokes alone trains on them as they are drawn.",
        evidence={**finding.evidence, "stroke_values": list(verdict.strokes),
                  "scribble_reading_in_force": True})
