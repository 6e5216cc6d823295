"""The sentences of ``mask.soft_values_thresholded``
(:mod:`unetdiag.diag.checks.soft_masks`): masks with values between their two ends that
``train`` or ``evaluate`` thresholded."""

from __future__ import annotations

from collections.abc import Mapping

from unetdiag.diag.checks.edges import RIM_RADIUS
from unetdiag.diag.checks.masks_wording import (
    ON_OBJECT_EDGES,
    SOFT_VALUES_FIX,
    fading_values,
    regions_cause,
)
from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.wording.text import percent, plural, verb

#: What the thresholded masks are used for, by command.
USES = {
    "train": ("The model trains on the masks as thresholded: its loss, its Dice and the "
              "baselines are measured against that reading, not against the stored values."),
    "evaluate": ("The scores compare the predictions with the masks as thresholded, not with "
                 "the stored values: a model that reproduces the values between is scored "
                 "against the threshold's reading of them."),
}


def _ends(row: Mapping, joined: str = "and") -> str:
    return f"{row['bottom']:g} {joined} {row['top']:g}"


def _threshold(row: Mapping, polarity: str) -> str:
    """``"127.5 (the midpoint of the 0-255 scale; a value above it is foreground)"``."""
    midpoint = (row["bottom"] + row["top"]) / 2
    why = (f"the midpoint of the {row['bottom']:g}-{row['top']:g} scale"
           if row["threshold"] == midpoint else "the --mask-threshold given")
    side = ("a value at or below it is foreground, under --mask-polarity dark"
            if polarity == "dark" else "a value above it is foreground")
    return f"{row['threshold']:g} ({why}; {side})"


def _reading(evidence: Mapping, ends: str) -> str:
    """Where the values between sit; ``ends``: "a pixel at ..." of them ("0 or 255")."""
    edge, rim, reading = evidence["share_on_edges"], evidence["share_in_rims"], \
        evidence["reading"]
    if reading == "soft":
        return f"{edge:.0%} of them lie " + fading_values(rim, ends)
    if reading == "regions":
        return (f"Only {edge:.0%} of them sit {ON_OBJECT_EDGES}; the rest are spread through "
                f"whole regions: {regions_cause(evidence['jpeg_masks'])}.")
    if reading == "resampling":
        return (f"{edge:.0%} of them sit {ON_OBJECT_EDGES} and {rim:.0%} within {RIM_RADIUS} "
                f"pixels of a pixel at {ends}: the thin rim that JPEG, anti-aliased drawing "
                "or a small interpolated resize leaves along the edges, where the threshold "
                "only decides on which side of the edge each such pixel falls.")
    return "Where they sit (on object edges or inside regions) could not be measured."


def soft_values_sentences(evidence: Mapping, use: str) -> Sentences:
    """The title, explanation and fix from :func:`~.soft_masks.soft_values_evidence`'s
    numbers; ``use``: a key of :data:`USES`."""
    count, decoded = evidence["masks"], evidence["masks_decoded"]
    thresholds = evidence["thresholds"]
    polarity = evidence["polarity"]
    if len(thresholds) == 1:
        scale, ends = f"their scale ({_ends(thresholds[0])})", _ends(thresholds[0], "or")
        at = f"at {thresholds[0]['threshold']:g}"
        rule = f"The decoder thresholded them at {_threshold(thresholds[0], polarity)}"
    else:
        scale, ends = "their scales", "either end of its scale"
        at = "at each scale's threshold"
        rule = "The decoder thresholded them " + "; ".join(
            f"at {_threshold(row, polarity)} in {plural(row['masks'], 'mask')}"
            for row in thresholds)
    between, share = evidence["pixels_between"], evidence["between_fraction"]
    turned = evidence["between_decoded_foreground"]
    low, high = (percent(evidence["foreground_if_between_background"]),
                 percent(evidence["foreground_if_between_foreground"]))
    shift = evidence["foreground_shift"]
    # a rim moves the foreground much only where edges are most of the objects' pixels; a
    # fade as wide as the objects moves it whatever their width
    why = (", consistent with objects a pixel or two wide (vessels, membranes), whose edges "
           "are most of their pixels" if evidence["reading"] == "resampling" else
           ", consistent with objects not much wider than the values' fade")
    moved = (f" Here the threshold changes the foreground by {shift:+.0%} of the values' "
             f"own{why}." if abs(shift) > evidence["foreground_shift_limit"] else "")
    explanation = " ".join((
        f"{between} of the {evidence['pixels']} pixels of these masks ({percent(share)}), in "
        f"{count} of {plural(decoded, 'mask')} decoded, lie strictly between the two ends of "
        f"{scale}.",
        f"{rule}: {turned} of them ({percent(turned / between)}) became foreground, the rest "
        "background.",
        f"As decoded, these masks are {percent(evidence['foreground_fraction'])} foreground; "
        "the values' own mean share of the scale, the foreground a soft label or probability "
        f"map stands for, is {percent(evidence['soft_foreground_fraction'])}; every value "
        f"between read as background would give {low}, read as foreground {high}.",
        _reading(evidence, ends) + moved, USES[use]))
    if evidence["reading"] in ("soft", "regions"):
        fix = SOFT_VALUES_FIX + "`unetdiag audit-data` lists each mask's values."
    elif moved:
        fix = ("Make the masks again from their source at the size wanted, resizing with "
               "nearest-neighbour only, and store them losslessly (PNG); or choose the "
               "threshold on purpose (--mask-threshold).")
    else:
        fix = ("Nothing to do if the threshold is the reading you mean. To keep two values, "
               "store masks losslessly (PNG) and resize them with nearest-neighbour only; "
               "--mask-threshold moves the threshold.")
    their = verb(count, "its", "their")
    return Sentences(
        title=(f"{count} of {plural(decoded, 'mask')} {verb(count, 'holds', 'hold')} values "
               f"between background and foreground ({percent(share)} of {their} pixels), "
               f"thresholded {at}"),
        explanation=explanation, fix=fix)
