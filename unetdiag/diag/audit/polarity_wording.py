"""``imbalance.mostly_foreground`` worded by where the background lies
(:mod:`unetdiag.diag.audit.polarity_evidence`): large objects, whose background gathers along
the border, are told as such, with no claim of inverted polarity; objects read as background
are said with the evidence; a set that does not decide is said not to."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from unetdiag.diag.checks.masks_wording import other_class_option
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import percent, plural, verb

#: Where the background is measured: the outer ring of 16x16 thumbnail cells.
BAND = "the image's outer sixteenth on each side"


def band_clause(placement: Mapping) -> str:
    """``"a band of 23.4 % of the image; median 2 %"``."""
    return (f"a band of {percent(placement['band_share'])} of the image; median "
            f"{percent(placement['median_share_in_band'])}")


def gathered_sentence(placement: Mapping, masks: int) -> str:
    """Why large objects: the background gathers along the border."""
    gathered = placement["gathered_at_border"]
    return (f"In {gathered} of the {plural(masks, 'mask')} measured, at least "
            f"{percent(placement['gathered_share'])} of what reads as background lies in "
            f"{BAND} ({band_clause(placement)}): "
            "it gathers along the border, as the background round a large object does "
            "(a lesion or polyp close-up, a car filling the frame), or as objects stored as "
            "background that lie along the border do. Those inside the image or spread through "
            "it leave the band mostly foreground (DRIVE's vessels inverted put 2 % of the "
            "background there).")


def inside_sentence(placement: Mapping) -> str:
    """Why objects read as background: the background is not gathered at the border."""
    inside = placement["inside"]
    return (f"In {inside} of the {plural(placement['measured'], 'mask')} measured, at most "
            f"{percent(placement['inside_share'])} of what reads as background lies in "
            f"{BAND} ({band_clause(placement)}), and it covers less than "
            f"{percent(placement['lined_side'])} of each side's edge: "
            "it lies inside the image or spreads through it, as objects surrounded by their "
            "background do, not gathered along the border as the background round a large "
            "object is.")


def unmeasured_clause(placement: Mapping) -> str:
    """Why no mostly-foreground mask was measured: ignored pixels, or too small a mask."""
    masks, ignored = placement["masks"], placement["with_ignored_pixels"]
    small = placement["under_16_px"]
    reasons = []
    if ignored:
        reasons.append(f"{ignored} {verb(ignored, 'holds', 'hold')} ignored pixels, which the "
                       "16x16 thumbnails cannot tell from background")
    if small:
        reasons.append(f"{small} {verb(small, 'is', 'are')} under 16 pixels on a side, where "
                       "the thumbnails' outer ring is less than a pixel")
    return f"of the {plural(masks, 'such mask')}, " + "; ".join(reasons)


def undecided_sentence(placement: Mapping) -> str:
    """Why the placement does not decide: how many masks each reading holds, naming only the
    readings some mask has, and those left unmeasured."""
    measured = placement["measured"]
    gathered, inside = placement["gathered_at_border"], placement["inside"]
    lining, left_out = placement["lining_a_side"], placement["not_measured"]
    between = measured - gathered - inside - lining
    gathered_share, inside_share = placement["gathered_share"], placement["inside_share"]
    lined_side = percent(placement["lined_side"])
    readings = [words for count, words in (
        (gathered, f"at least {percent(gathered_share)} in {gathered}, as round large objects"),
        (inside, f"at most {percent(inside_share)} in {inside}, covering less than "
                 f"{lined_side} of each side's edge, as where objects stored as background lie "
                 "inside the image"),
        (lining, f"at most {percent(inside_share)} in {lining}, but covering at least "
                 f"{lined_side} of one side's edge, as the rest of the frame beside a large "
                 "object entering from that side does"),
        (between, f"between {percent(inside_share)} and {percent(gathered_share)} in "
                  f"{between}")) if count]
    unmeasured = ("" if not left_out else
                  f"; {left_out} more {verb(left_out, 'was', 'were')} not measured (ignored "
                  "pixels, which the thumbnails cannot tell from background, or a side under 16 "
                  "pixels)")
    return (f"Of the {plural(measured, 'mask')} measured, the share of what reads as background "
            f"lying in {BAND} ({band_clause(placement)}) is {'; '.join(readings)}{unmeasured}: "
            "the masks do not tell large objects from inverted polarity.")


def placed_mostly_foreground(finding: Finding, placement: Mapping | None) -> Finding:
    """``imbalance.mostly_foreground`` of a majority of masks, with where their background
    lies: the evidence added, and the wording of large objects or of an undecided set. A
    finding of another kind, of a minority, or already worded otherwise (mixed polarities,
    thresholds of the images, full masks) is returned unchanged."""
    evidence = finding.evidence
    if (finding.id != "imbalance.mostly_foreground" or placement is None
            or not evidence.get("majority") or evidence.get("mixed_polarity")
            or evidence.get("object_side")
            or evidence.get("full_masks") == evidence["masks"]):
        return finding
    placed = {**evidence, "background_placement": dict(placement)}
    first = finding.explanation.split(". ")[0] + "."
    verdict = placement["verdict"]
    if verdict == "unmeasured":
        return dataclasses.replace(
            finding, evidence=placed,
            explanation=(f"{finding.explanation} Where their background lies was not "
                         f"measured: {unmeasured_clause(placement)}, so the masks do not tell "
                         "large objects from inverted polarity."))
    if verdict == "objects as background":
        return dataclasses.replace(
            finding, evidence=placed,
            explanation=f"{finding.explanation} {inside_sentence(placement)}")
    if verdict == "large objects":
        return dataclasses.replace(
            finding, severity=Severity.INFO, evidence=placed,
            explanation=(f"{first} {gathered_sentence(placement, placement['measured'])} "
                         "Consistent with large objects, or with objects stored as background "
                         "that lie along the image's border."),
            fix=("Nothing to fix if the objects are that large, but a model that predicts "
                 "foreground everywhere already scores Dice 2f/(1+f), over 0.67, on each of "
                 "them (see baseline.*). If the object is the other class, "
                 f"{other_class_option(evidence)}."))
    return dataclasses.replace(
        finding, evidence=placed,
        explanation=f"{first} {undecided_sentence(placement)}",
        fix=("Look at a few listed masks next to their images. If the background is marked, "
             f"{other_class_option(evidence)}; if the objects are that large, nothing to "
             "fix."))
