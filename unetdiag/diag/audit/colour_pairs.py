"""Colour masks of two colours, neither black: which one is the object is no polarity.

A two-colour ADE20K mask (a person (70, 39, 2) on a wall (110, 162, 1); CSAILVision/ADE20K#14)
is read by its brightest channel, 70 and 162: the wall decodes as foreground because its green
is brighter, not because anyone stored the masks "inverted". When such masks are mostly
foreground as read, ``imbalance.mostly_foreground``'s reasons (objects stored dark, a
photograph binarised with ``> 0``) are not what the files show, and the headline must not call
it inverted polarity: only the user knows which colour is the object. The finding says what
the decoder did and the flag that reads the other colour.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data.policy import MaskPolicy


def two_colour_levels(tally: AuditTally, policy: MaskPolicy) -> tuple[float, float] | None:
    """The two brightest-channel values every read mask holds, when every read mask is a
    colour mask of exactly those two and the lower is not 0 (black is a background by
    convention; two colours are not), under a threshold policy; else None."""
    if policy.by_values:
        return None
    read = tally["mask_read"]
    used = {int(index) for index in tally.encoding_ids[read].tolist() if index >= 0}
    if not used or not all(tally.encodings[index].is_colour for index in used):
        return None
    if not np.all(tally["distinct_values"][read] == 2):
        return None
    stored = tally.stored_values()
    if stored is None or len(stored) != 2 or stored[0] <= 0:
        return None
    return float(stored[0]), float(stored[1])


def colour_pair_mostly_foreground(finding: Finding, levels: tuple[float, float] | None,
                                  policy: MaskPolicy) -> Finding:
    """``imbalance.mostly_foreground`` of two-colour masks told as what the decoder did."""
    if finding.id != "imbalance.mostly_foreground" or levels is None:
        return finding
    low, high = levels
    read, other = (low, high) if policy.dark_is_foreground else (high, low)
    flag = ("drop --mask-polarity dark" if policy.dark_is_foreground
            else "decode with --mask-polarity dark")
    explanation = finding.explanation.split(". ")[0].replace(
        "the object covers", "what the decoder reads as foreground covers") + (
        f". Every mask holds colours at two levels of their brightest channel, {low:g} and "
        f"{high:g}, none black; the decoder takes the colours at {read:g} for the object "
        "because of that channel, not because of how anyone meant the masks: colours carry "
        "no polarity, and which one is the object only the annotation's key can say.")
    return dataclasses.replace(
        finding, explanation=explanation,
        fix=(f"Look at a listed mask next to its image. If the object is the colour at "
             f"{other:g}, {flag}; if the masks hold classes, re-save the "
             "class wanted as 255 on 0."),
        evidence={**finding.evidence, "colour_levels": [low, high], "read_as_object": read})
