"""``mask.threshold_sensitive`` of ``audit-data``: masks whose foreground changes between
`value > 0`, the midpoint of their scale and the policy in force, and why the rules disagree
(intermediate values, two levels neither of which is 0, values read exactly by a value
policy, a mask of one value saved through a colormap). Info when the policy in force reads
the masks apart, a warning otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.mask_value_findings import (
    compact_percent,
    edge_values_cause,
    read_exactly,
    where_between,
    whole_numbers_beside_nan,
)
from unetdiag.diag.audit.mixed_scales import POLICY_FIX
from unetdiag.diag.audit.tally import THRESHOLD_SPREAD_TOLERANCE, AuditTally
from unetdiag.diag.checks.masks import non_binary_reading
from unetdiag.diag.checks.masks_wording import ON_OBJECT_EDGES
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.decoding import resolve_threshold
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import join_names, plural, verb


def threshold_findings(tally: AuditTally, masks_read: int, policy: MaskPolicy
                       ) -> list[Finding]:
    """``mask.threshold_sensitive`` (none when no mask's foreground depends on the rule)."""
    columns = tally.columns
    paths = tally.mask_paths
    findings: list[Finding] = []
    pictures = tally.mask_is_picture()  # a photograph's values: its own finding
    spread = tally.threshold_spread(not policy.by_values)
    with np.errstate(invalid="ignore"):
        sensitive = (spread > THRESHOLD_SPREAD_TOLERANCE) & columns["mask_read"] & ~pictures
    if sensitive.any():
        blanks = blanks_beside_two_values(tally, sensitive)
        count, listed = tally.select(sensitive, np.where(blanks, spread - 1, spread))
        rows = threshold_rows(tally, listed)
        worst = rows[0]
        cause, fix, read_apart = _threshold_cause(tally, sensitive, int(listed[0]), policy,
                                                  blanks)
        findings.append(audit_finding(
            # the policy in force reads them apart: only other tools' rules differ
            "mask.threshold_sensitive", Severity.INFO if read_apart else Severity.WARNING,
            f"The foreground of {plural(count, 'mask')} depends on the threshold",
            f"In {count} of {masks_read} masks the foreground share changes by more than "
            f"{THRESHOLD_SPREAD_TOLERANCE:.1%} of the pixels between `value > 0` (the original "
            "project's rule), the midpoint of the scale and the policy in force. Worst: "
            f"{worst['mask']}: {compact_percent(worst['foreground > 0'])} under `> 0`, "
            f"{compact_percent(worst['foreground at midpoint'])} at the midpoint, "
            f"{compact_percent(worst['foreground under policy'])} under the policy. {cause}",
            fix + " " + POLICY_FIX,
            {"masks": count, "tolerance": THRESHOLD_SPREAD_TOLERANCE, "foreground": rows},
            listed_names(paths, listed)))
    return findings


def blanks_beside_two_values(tally: AuditTally, sensitive: np.ndarray) -> np.ndarray:
    """The sensitive masks holding one value over the whole mask when every other sensitive
    mask holds two, or there is no other (a mask of one value saved through a colormap, at
    its low end, alone or beside the others); none otherwise."""
    blanks = sensitive & (tally["distinct_values"] == 1)
    others = sensitive & ~blanks
    if others.any() and not np.all(tally["distinct_values"][others] == 2):
        return np.zeros_like(blanks)
    return blanks


def _threshold_cause(tally: AuditTally, sensitive: np.ndarray, worst: int,
                     policy: MaskPolicy, blanks: np.ndarray) -> tuple[str, str, bool]:
    """Why the rules disagree, the fix, and whether the policy in force reads the masks
    apart (:func:`_cause_of_disagreement`, of the masks that are not ``blanks``), and a
    sentence on the ``blanks`` (:func:`blanks_beside_two_values`), listed after the others;
    blanks are read apart when the policy reads each as all background."""
    others = sensitive & ~blanks
    if not blanks.any():
        return _cause_of_disagreement(tally, sensitive, worst, policy)
    shares = tally.foreground_share()[blanks]
    count, first = int(blanks.sum()), int(np.flatnonzero(blanks)[0])
    read = ("all background" if shares[0] == 0 else "all foreground" if shares[0] == 1
            else f"{compact_percent(float(shares[0]))} foreground")
    blank_sentence = (
        f"{verb(count, 'holds', 'hold')} one value over the whole mask, not 0 "
        f"({tally.mask_paths[first]}): consistent with a mask of one value saved through a "
        "colormap, which plt.imsave writes at the colormap's low end whatever the value, so an "
        "empty mask and one whose object covers every pixel are the same file; `> 0` reads such "
        f"a mask as all foreground and the policy in force as {read}.")
    if not others.any():
        return (f"{'Each of them' if count > 1 else 'It'} {blank_sentence}",
                "Nothing to fix for unetdiag if the masks are empty and the policy reads them "
                "as background; otherwise, and for tools that binarise with `> 0`, save the "
                "masks again from their arrays as 0/255 (or 0/1) grey.",
                bool(np.all(shares == 0)))
    cause, fix, read_apart = _cause_of_disagreement(tally, others, worst, policy)
    # the sentence said of every listed mask is true of the others only
    held = int(others.sum())
    cause = cause.replace("Each of them holds ", f"{held} of them {verb(held, 'holds', 'hold')} ",
                          1)
    one_valued = ("Of the mask of one value: nothing to fix if it is empty; if its object "
                  "covers every pixel, save it again from its array as 0/255 grey."
                  if count == 1 else
                  f"Of the {count} masks of one value: nothing to fix for those that are empty; "
                  "save any whose object covers every pixel again from its array as 0/255 grey.")
    return (f"{cause} {plural(count, 'more mask')} {blank_sentence}", f"{fix} {one_valued}",
            read_apart and bool(np.all(shares == 0)))


def _cause_of_disagreement(tally: AuditTally, sensitive: np.ndarray, worst: int,
                           policy: MaskPolicy) -> tuple[str, str, bool]:
    """Why the rules disagree, the fix, and whether the policy in force reads the masks
    apart: intermediate values, or (every such mask holding two values) a lower value that
    is not 0 or two values on one side of the midpoint, which a value policy or a threshold
    between the two values in force already reads apart."""
    key = tally.encodings[tally.encoding_ids[worst]]
    stored = tally.encoding_values.get(key)
    two_values = (np.all(tally["distinct_values"][sensitive] == 2) and stored is not None
                  and len(stored.values) == 2)
    # two values in each mask, not the same two in all (70/162 beside 0/255 masks)
    levels = None if two_values else _levels_per_mask(tally, sensitive)
    two_values = two_values or levels is not None
    if not two_values and bool(np.all(read_exactly(tally, policy)[sensitive])):
        held = sorted(tally.label_counts.get(worst, {})) or (
            stored.values if stored is not None and stored.complete else [])
        listed = f" ({join_names([f'{value:g}' for value in held])} in the worst)" if held else ""
        return (f"Each of them holds a few whole values{listed}, stored losslessly, and the "
                "value policy in force reads them exactly, with no threshold: only other "
                "tools' rules (`> 0`, the midpoint) read them differently.",
                "Nothing to fix for unetdiag, which reads them by the values named; pass the "
                "same options to train. Tools that binarise with `> 0` or at the midpoint "
                "need the masks saved again as 0/255 (or 0/1) grey.", True)
    classes = None if two_values else whole_numbers_beside_nan(tally, sensitive)
    if classes is not None:
        return (f"Each of them holds whole numbers only ("
                f"{join_names([f'{value:g}' for value in classes])}) beside NaN or infinite "
                "pixels (see mask.non_finite): class numbers, which `> 0`, the midpoint and "
                "the policy in force split at different numbers.",
                "Choose the object's class numbers with --foreground-values (a value policy "
                "reads whole numbers exactly).", False)
    if not two_values:
        # where the values lie (mask.non_binary's measure) names the cause they show
        edge, rim = where_between(tally, sensitive & (tally["nonbinary"] > 0))
        if non_binary_reading(edge, rim) == "resampling":
            return (f"Such masks hold intermediate values, {edge:.0%} of them {ON_OBJECT_EDGES}, "
                    f"{edge_values_cause(tally['lossy'][sensitive])}: "
                    "where an edge falls depends on a threshold nobody wrote down.",
                    "Store masks losslessly (PNG) with two values.", False)
        return ("Such masks hold intermediate values (compression, interpolation, soft "
                "labels, photographs), and what the model is asked to learn depends on a "
                "choice nobody wrote down.",
                "Store masks losslessly with two values; if they are soft, choose the threshold "
                "on purpose.", False)
    low, high = levels[worst] if levels is not None else stored.values
    channel = ", of the brightest channel, which the decoder reads" if key.is_colour else ""
    values = f"two values only ({low:g} and {high:g} in the worst{channel}), nothing in between"
    if policy.by_values:
        return (f"Each of them holds {values}: `> 0` and the midpoint read them differently, "
                "and the value policy in force chose between them.",
                "Nothing to fix for unetdiag, which reads them by the values named; for tools "
                "that binarise with `> 0` or at the midpoint, save the masks again as 0/255 "
                "(or 0/1) grey.", True)
    # the midpoint in force splits two levels above 0 (70/162: a two-colour ADE20K mask read
    # by its brightest channel) as a threshold given would: only `> 0` reads them otherwise
    threshold = resolve_threshold(np.array([low, high]), key.scale, policy)
    if low <= threshold < high and (levels is None or all(
            first <= resolve_threshold(np.array([first, second]), _scale(tally, index),
                                       policy) < second
            for index, (first, second) in levels.items())):
        if policy.threshold is None:
            return (f"Each of them holds {values}: `> 0` makes every pixel foreground because "
                    f"the lower value is not 0; the midpoint in force ({threshold:g}) reads "
                    "them apart.",
                    "Nothing to fix for unetdiag; for tools that binarise with `> 0`, save the "
                    "masks again as 0/255 (or 0/1) grey.", True)
        return (f"Each of them holds {values}: `> 0` and the midpoint read them differently, "
                f"and the threshold in force ({threshold:g}) reads them apart.",
                "Nothing to fix for unetdiag; for tools that binarise with `> 0` or at the "
                "midpoint, save the masks again as 0/255 (or 0/1) grey.", True)
    if low > 0:
        return (f"Each of them holds {values}: the rules disagree because the lower value is "
                "not 0, so `> 0` makes every pixel foreground.",
                "Nothing is intermediate: any threshold between the two values reads them "
                "apart, `> 0` does not; for tools that binarise with `> 0`, save the masks "
                "again as 0/255 (or 0/1) grey.", False)
    return (f"Each of them holds {values}: the rules disagree because both values lie on one "
            "side of the midpoint.",
            f"Nothing is intermediate: pass a --mask-threshold between {low:g} and {high:g}.",
            False)


def _levels_per_mask(tally: AuditTally, sensitive: np.ndarray
                     ) -> dict[int, tuple[float, float]] | None:
    """``{mask index: (low, high)}`` when every ``sensitive`` mask is a grey lossless integer
    mask holding two values (their counts kept while reading), else None."""
    levels = {}
    for index in np.flatnonzero(sensitive).tolist():
        counts = tally.label_counts.get(index, {})
        encoding = tally.encodings[tally.encoding_ids[index]]
        if len(counts) != 2 or encoding.is_colour or tally["lossy"][index]:
            return None
        levels[index] = tuple(float(value) for value in sorted(counts))
    return levels or None


def _scale(tally: AuditTally, index: int) -> str:
    return tally.encodings[tally.encoding_ids[index]].scale



def threshold_rows(tally: AuditTally, indices: np.ndarray) -> list[dict[str, Any]]:
    columns = tally.columns
    share = tally.foreground_share()
    return [{"mask": tally.mask_paths[i],
             "foreground > 0": float(columns["foreground_at_zero"][i]),
             "foreground at midpoint": float(columns["foreground_at_midpoint"][i]),
             "foreground under policy": float(share[i])} for i in indices.tolist()]
