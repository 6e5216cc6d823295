"""Masks of two levels, neither 0 (two colours, none black; grey 127 and 255): which one is
the object is no polarity.

A two-colour ADE20K mask (a person (70, 39, 2) on a wall (110, 162, 1); CSAILVision/ADE20K#14)
is read by its brightest channel, 70 and 162: the wall decodes as foreground because its green
is brighter, not because anyone stored the masks "inverted". When such masks are mostly
foreground as read, ``imbalance.mostly_foreground``'s reasons (objects stored dark, a
photograph binarised with ``> 0``) are not what the files show, and the headline must not call
it inverted polarity: only the user knows which colour is the object. Grey levels alike:
ilastik's Simple Segmentation renormalised from 0-2 to 0-255 stores labels 1 and 2 as 127 and
255 (ilastik/ilastik#1127). The finding says what the decoder did and the flag that reads the
other level.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import plural, verb


@dataclasses.dataclass(frozen=True)
class TwoLevels:
    """The two values the read masks hold (of the brightest channel for colour masks).

    Attributes:
        low, high: the two values, ``low`` above 0.
        colour: the masks are colour masks (else grey).
        one_level: masks holding one of the two only (an image with no object, or nothing
            else, in it).
    """

    low: float
    high: float
    colour: bool
    one_level: int


def two_colour_levels(tally: AuditTally, policy: MaskPolicy) -> TwoLevels | None:
    """The two values the read masks hold, when every read mask is stored losslessly with
    those two or one of them, at least half with both, all colour or all grey, and the lower
    is not 0 (black is a background by convention; two colours, or grey 127 and 255, are
    not), under a threshold policy; else None."""
    if policy.by_values:
        return None
    read = tally["mask_read"]
    used = {int(index) for index in tally.encoding_ids[read].tolist() if index >= 0}
    colours = {tally.encodings[index].is_colour for index in used}
    if len(colours) != 1 or np.any(tally["lossy"][read]):
        return None
    held = tally["distinct_values"][read]
    # an image without the object (or without anything else) holds one level only
    if np.any((held < 1) | (held > 2)) or 2 * np.count_nonzero(held == 2) < held.size:
        return None
    stored = tally.stored_values()
    if stored is None or len(stored) != 2 or stored[0] <= 0:
        return None
    return TwoLevels(float(stored[0]), float(stored[1]), colours.pop(),
                     int(np.count_nonzero(held == 1)))


def colour_pair_mostly_foreground(finding: Finding, levels: TwoLevels | None,
                                  policy: MaskPolicy) -> Finding:
    """``imbalance.mostly_foreground`` of two-level masks, neither level 0, told as what the
    decoder did."""
    if finding.id != "imbalance.mostly_foreground" or levels is None:
        return finding
    low, high, colour = levels.low, levels.high, levels.colour
    some = (f" ({plural(levels.one_level, 'mask')} "
            f"{verb(levels.one_level, 'holds', 'hold')} one of them only)"
            if levels.one_level else "")
    read, other = (low, high) if policy.dark_is_foreground else (high, low)
    flag = ("drop --mask-polarity dark" if policy.dark_is_foreground
            else "decode with --mask-polarity dark")
    held = (f"colours at two levels of their brightest channel, {low:g} and {high:g}{some}, "
            f"none black; the decoder takes the colours at {read:g} for the object because "
            "of that channel" if colour else
            f"two grey levels, {low:g} and {high:g}{some}, neither 0; the decoder takes "
            f"{read:g} for the object as the "
            f"{'darker' if policy.dark_is_foreground else 'brighter'}")
    explanation = finding.explanation.split(". ")[0].replace(
        "the object covers", "what the decoder reads as foreground covers") + (
        f". {'The masks hold' if levels.one_level else 'Every mask holds'} {held}, not "
        "because of how anyone meant the masks: with no level at 0, nothing in the files "
        "says which is the object (an export that renormalised labels 1 and 2 to 127 and 255 "
        "stores them so); only the annotation's key can say.")
    return dataclasses.replace(
        finding, explanation=explanation,
        fix=(f"Look at a listed mask next to its image. If the object is at {other:g}, "
             f"{flag}; if the masks hold classes, re-save the class wanted as 255 on 0."),
        evidence={**finding.evidence, "two_levels": [low, high], "colour": colour,
                  "read_as_object": read, "one_level_masks": levels.one_level})
