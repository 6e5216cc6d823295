"""Which side of each label-map mask the proposed value policy reads as object, told by area
and by position: the foreground share under the proposal, and whether the value filling the
mask's outer border (where the background lies, round the objects) is read as foreground.

A set whose values swap roles from file to file ({1, 2} masks with the object 1 in some files
and 2 in the others) shows both per file: under one proposal the swapped files are mostly
foreground *and* their object value fills their border. That is evidence over the dataset and
per file, and still no proof: a large object that touches the image's border (a close-up)
shows the same. The headline states it as "consistent with" (:mod:`.headline`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unetdiag.diag.audit.label_context import BORDER_BACKGROUND_SHARE
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.labels import counts_under
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.data.policy import MaskPolicy

#: A mask is "mostly foreground" above this share of its counted pixels (as
#: ``imbalance.mostly_foreground`` counts it).
MOSTLY_FOREGROUND = 0.5


def object_on_border(tally: AuditTally, verdict: LabelVerdict) -> dict[str, Any] | None:
    """Under the proposed policy: how many label-map masks are mostly foreground, in how
    many of those the value filling the outer border (at least
    :data:`~unetdiag.diag.audit.label_context.BORDER_BACKGROUND_SHARE` of it) is read as
    foreground, and the same for the other masks. None without a proposal."""
    if verdict.proposal is None:
        return None
    foreground, counted = counts_under(tally, verdict, verdict.proposal)
    classes = {entry.value: entry.proposed for entry in verdict.values}
    tallies = {"mostly_foreground_masks": 0, "object_fills_border": 0, "other_masks": 0,
               "others_object_fills_border": 0}
    for position, index in enumerate(verdict.indices.tolist()):
        if counted[position] == 0:
            continue
        # a map of one class is that value all round (its ring is not kept)
        ring = tally.label_border.get(index) or (
            tally.label_counts.get(index, {}) if tally["distinct_values"][index] == 1 else {})
        border = {value: count for value, count in ring.items()
                  if classes.get(value) != "ignored"}
        total = sum(border.values())
        top = max(border, key=border.__getitem__) if total else None
        filled = (top is not None and border[top] >= BORDER_BACKGROUND_SHARE * total
                  and classes.get(top) == "foreground")
        if foreground[position] > MOSTLY_FOREGROUND * counted[position]:
            tallies["mostly_foreground_masks"] += 1
            tallies["object_fills_border"] += int(filled)
        else:
            tallies["other_masks"] += 1
            tallies["others_object_fills_border"] += int(filled)
    return tallies


def two_classes(tally: AuditTally, indices: np.ndarray, policy: MaskPolicy) -> bool:
    """The masks at ``indices`` hold two stored values between them (their counts are kept
    for label maps and two-level masks; a mask may hold one of them alone), none ignored, and
    a value policy makes one of them foreground: a mask turned over is then its two values
    swapped, so two groups of mirrored foreground shares may mean values that swap roles file
    by file (``check_imbalance(two_classes=...)``). False when some mask's values are unknown
    or the masks hold three values or more."""
    held: set[int] = set()
    for index in indices.tolist():
        counts = tally.label_counts.get(index)
        if not counts:
            return False
        held.update(counts)
        if len(held) > 2:
            return False
    if len(held) != 2 or any(value in policy.ignore_values for value in held):
        return False
    return not policy.by_values or sum(value in policy.foreground_values for value in held) == 1
