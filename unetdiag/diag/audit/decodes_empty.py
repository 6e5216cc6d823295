"""``mask.decodes_empty``: a policy that leaves every mask empty said as exactly that, with the
options to pass.

Moved out of :mod:`unetdiag.diag.audit.label_findings`, unchanged.
"""

from __future__ import annotations

import numpy as np

from unetdiag.diag.audit.contours import contour_choice
from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.label_readings import readings_choice
from unetdiag.diag.audit.label_values_wording import (
    alike_colours,
    colormap_clause,
    colour_fix,
    colours_alike_choice,
    held_values,
    value_table,
)
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.two_levels import two_levels_clause
from unetdiag.diag.checks.label_maps import (
    numbered_objects_choice,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.policy import MaskPolicy, format_values
from unetdiag.diag.wording.text import (
    capitalised,
    join_names,
    plural,
    verb,
)


def decodes_empty_finding(tally: AuditTally, policy: MaskPolicy,
                          verdict: LabelVerdict | None) -> Finding | None:
    """``mask.decodes_empty`` (error): every mask decodes empty under the policy in force
    although some hold more than one value. None otherwise (masks that all hold a single
    value are empty, and ``imbalance.empty_masks`` says so)."""
    read = tally["mask_read"].copy()
    # maps of one class beside the label maps (an empty file stored all 1 beside {1, 2}
    # maps) are read whole by their own scale: set aside, and said
    lone = np.zeros_like(read)
    if verdict is not None:
        lone[verdict.indices] = tally["distinct_values"][verdict.indices] == 1
    lone &= tally["foreground"] > 0
    read &= ~lone
    if not read.any() or np.any(tally["foreground"][read] > 0):
        return None
    held = tally["distinct_values"].copy()
    for index, counts in tally.label_counts.items():  # colours that decode to one value
        held[index] = max(held[index], len(counts))
    several = read & (held > 1)
    if not several.any():
        return None
    count, listed = tally.select(several)
    masks_read = int(read.sum())
    what = f"Under the policy in force ({policy.describe()}) not one pixel of the "
    kind = "colours" if verdict is not None and verdict.colour else "values"
    what += f"{masks_read} masks is foreground, although {count} of them hold several {kind}."
    title = "Every mask decodes empty under the mask policy in force"
    if lone.any():
        alone = sorted({value for index in np.flatnonzero(lone).tolist()
                        for value in tally.label_counts.get(index, {})})
        others = int(lone.sum())
        title = f"Every mask holding several {kind} decodes empty under the mask policy in force"
        what += (f" {plural(others, 'other mask')} {verb(others, 'holds', 'hold')} "
                 f"{join_names([str(value) for value in alone])} alone, a value the label maps "
                 f"hold, and {verb(others, 'is', 'are')} read whole as object by "
                 f"{verb(others, 'its', 'their')} own scale, whatever the value means in the "
                 "others.")
    flags = None
    alike = None if verdict is None else colours_alike_choice(verdict)
    ignored_objects = _ignored_objects_choice(verdict, policy)
    if ignored_objects is not None:
        kept = [entry.value for entry in verdict.values if entry.in_force != "ignored"]
        cause = (f" Once --ignore-values {format_values(policy.ignore_values)} is applied, "
                 f"the only value left is {kept[0]}, read as background: every pixel that could be "
                 "foreground is ignored.")
    elif verdict is not None and alike is not None:
        cause = (f" They are colour-coded label maps holding {held_values(verdict)} "
                 f"({value_table(verdict)}){colormap_clause(verdict)}. The decoder reads a "
                 f"colour mask by its brightest channel, and {alike_colours(verdict)}, so "
                 "those pixels decode alike: no threshold, polarity or value policy tells them "
                 "apart (see mask.label_map).")
    elif verdict is not None and verdict.two_level is not None:
        cause = (f" {capitalised(two_levels_clause(verdict))} (see "
                 "mask.two_levels_one_class).")
        flags = None if verdict.proposal is None else verdict.proposal.flags()
    elif verdict is not None and bool(np.all(tally["label_map"][several])):
        numbers = ("class or object numbers" if verdict.numbered_objects_possible
                   else "class numbers")
        cause = (f" They are label maps holding {held_values(verdict)} "
                 f"(see mask.label_map); a threshold between {numbers} means nothing.")
        if verdict.proposal is not None:
            flags = verdict.proposal.flags()
    else:
        low = min(tally.encoding_values[key].low for key in tally.encodings)
        high = max(tally.encoding_values[key].high for key in tally.encodings)
        cause = (f" Their values run from {low:g} to {high:g}, all on the background side of "
                 "the policy.")
    if ignored_objects is not None:
        fix = (f"{capitalised(ignored_objects)} (a void band needs a value of its own to be "
               "ignored apart from them); pass the same options to train.")
    elif flags is not None:
        source = ("mask.two_levels_one_class" if verdict is not None
                  and verdict.two_level is not None else "mask.label_map")
        fix = (f"Pass {flags} (proposed from the values, see {source}) to audit-data "
               "and train.")
    elif verdict is not None and alike is not None:
        fix = colour_fix(verdict)
    elif verdict is not None and verdict.numbered_objects_possible:
        fix = (f"{capitalised(numbered_objects_choice(policy))} (see mask.label_map). Pass "
               "the same options to train.")
    elif verdict is not None and verdict.readings:
        fix = f"{capitalised(str(readings_choice(verdict)))}; pass the same options to train."
    elif verdict is not None:
        fix = ("Choose the foreground by value with --foreground-values (see mask.label_map) "
               "and pass the same options to train.")
    else:
        fix = ("Check the threshold and polarity (--mask-threshold, --mask-polarity): with "
               f"these values, --mask-threshold {low:g} makes every value above {low:g} "
               "foreground.")
    return audit_finding(
        "mask.decodes_empty", Severity.ERROR, title,
        what + cause + " Trained on them, a model learns to predict nothing and every metric "
        "measures that.", fix,
        {"masks": masks_read, "several_values": count, "policy": policy.to_dict(),
         "one_value_masks_read_whole": int(lone.sum()),
         "proposed_flags": flags,
         "contour_choice": None if verdict is None or verdict.contour is None
         else contour_choice(),
         "values_text": None if verdict is None or verdict.two_level is not None
         else held_values(verdict),
         "two_levels_text": None if verdict is None or verdict.two_level is None
         else two_levels_clause(verdict),
         "numbered_objects_choice": numbered_objects_choice(policy)
         if verdict is not None and verdict.numbered_objects_possible else None,
         "readings_choice": None if verdict is None else readings_choice(verdict),
         "colours_alike_choice": alike, "ignored_objects_choice": ignored_objects},
        listed_names(tally.mask_paths, listed))


def _ignored_objects_choice(verdict: LabelVerdict | None, policy: MaskPolicy) -> str | None:
    """When the user's --ignore-values leave a single value, read as background (0/255 masks
    under --ignore-values 255: the objects' value ignored), the choice to offer; else None."""
    if verdict is None or not policy.ignore_values:
        return None
    kept = [entry for entry in verdict.values if entry.in_force != "ignored"]
    if len(kept) != 1 or kept[0].in_force != "background" or len(kept) == len(verdict.values):
        return None
    values = format_values(policy.ignore_values)
    return f"if {values} marks the objects, drop --ignore-values {values}"
