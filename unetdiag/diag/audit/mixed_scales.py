"""``mask.mixed_scales`` of ``audit-data``: masks of one dataset stored on several value
scales (some 0/1, others 0/255 or class numbers), and what the policy in force makes of each
scale's values. Moved out of :mod:`unetdiag.diag.audit.mask_findings`, unchanged.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.decoding import resolve_threshold
from unetdiag.diag.data.policy import AUTOMATIC_THRESHOLD, MaskPolicy
from unetdiag.diag.data.reading import UINT8_MAX
from unetdiag.diag.data.rules import ValueRule
from unetdiag.diag.wording.text import join_names, plural, verb

POLICY_FIX = (f"unetdiag decodes masks under MaskPolicy (threshold {AUTOMATIC_THRESHOLD} "
              "unless --mask-threshold is given) and records the policy in every run.")


#: Scales whose auto threshold is the same for every mask of the scale (a "float" mask's
#: depends on its own range).
_FIXED_SCALES = ("binary", "float_unit", "uint8", "uint16", "uint32", "palette", "uint8_labels")


def _scale_readings(tally: AuditTally, policy: MaskPolicy
                    ) -> dict[str, dict[float | int, set[str]]]:
    """Per scale (of masks holding several values), what the policy makes of each stored
    value: ``{scale: {value: {"foreground", "background" or "ignored"}}}``; only encodings
    whose values are all known, and under the auto threshold only the fixed scales."""
    readings: dict[str, dict[float | int, set[str]]] = {}
    for key, values in tally.encoding_values.items():
        if key.scale.startswith("one value") or not values.complete or not values.values or (
                policy.threshold is None and not policy.by_values
                and key.scale not in _FIXED_SCALES):
            continue
        threshold = resolve_threshold(np.asarray(values.values, dtype=float), key.scale, policy)
        rule = ValueRule(policy, key.palette == "labels")
        scale = readings.setdefault(key.scale, {})
        for value in values.values:
            scale.setdefault(value, set()).add(
                rule.value_class(value, threshold, policy.polarity))
    return readings


def _read_two_ways(readings: dict[str, dict[float | int, set[str]]]
                   ) -> list[tuple[float | int, list[str], list[str]]]:
    """Stored values read as foreground on some scales and as background on others:
    ``(value, foreground scales, background scales)``."""
    by_value: dict[float | int, dict[str, list[str]]] = {}
    for scale, classes in readings.items():
        for value, read in classes.items():
            for reading in read:
                by_value.setdefault(value, {}).setdefault(reading, []).append(scale)
    return [(value, sorted(read["foreground"]), sorted(read["background"]))
            for value, read in sorted(by_value.items())
            if "foreground" in read and "background" in read]


def mixed_scales_finding(tally: AuditTally, policy: MaskPolicy) -> Finding | None:
    """``mask.mixed_scales``: masks of one dataset on several scales. Under the auto
    threshold each mask is read on its own scale, which splits a label read two ways
    (LiTS slices: 1 is foreground in the 0/1 masks, background in the 0/1/2 ones); a value
    policy or a given threshold reads stored values alike, which matters only where a
    scale's masks then hold no foreground value (0/1 masks under --mask-threshold 127).

    Masks on the other scales that hold only values the label maps hold (0/1 masks beside
    0/1/2 maps) are consistent with the same class numbers, fewer of them (a scribble mask
    with one stroke, a slice without the tumour), or with binary masks from another source
    whose 1 is another object (a tumour beside maps whose 1 is the liver): the values cannot
    tell. Under the auto threshold their values are still read apart, and the fix is a
    value policy; under a value policy they are read alike: information when it finds
    foreground in them, a warning when it decodes them empty (the second reading's loss)."""
    scales: dict[str, list[int]] = {}
    auto = policy.threshold is None and not policy.by_values
    for number, key in enumerate(tally.encodings):
        if not key.scale.startswith("one value"):
            scales.setdefault(key.scale, []).append(number)
    if "uint8_labels" in scales and not auto:
        # a given threshold or value policy reads every 8-bit mask alike: one 8-bit scale
        scales.setdefault("uint8", []).extend(scales.pop("uint8_labels"))
    elif "uint8_labels" in scales:
        # 8-bit masks whose values all lie below the midpoint (an instance map of fewer
        # objects) decode alike on either 8-bit scale: one scale here
        alike = [number for number in scales.get("uint8", [])
                 if tally.encodings[number] in tally.encoding_values
                 and tally.encoding_values[tally.encodings[number]].high <= UINT8_MAX // 2]
        scales["uint8_labels"] += alike
        scales["uint8"] = [number for number in scales.get("uint8", []) if number not in alike]
        if not scales["uint8"]:
            del scales["uint8"]
    if len(scales) < 2:
        return None
    per_scale = {scale: int(np.isin(tally.encoding_ids, numbers).sum())
                 for scale, numbers in scales.items()}
    commonest = max(per_scale, key=per_scale.__getitem__)
    minority = np.isin(tally.encoding_ids,
                       [n for scale, numbers in scales.items() if scale != commonest
                        for n in numbers])
    _, listed = tally.select(minority)
    readings = _scale_readings(tally, policy)
    title = (f"Masks use {len(per_scale)} value scales: "
             + ", ".join(f"{count} {scale}" for scale, count in per_scale.items()))
    evidence: dict[str, Any] = {"masks_per_scale": per_scale}
    maps_scale, subset = class_numbers_of_label_maps(tally, scales)
    evidence["label_map_values_only"] = subset
    if auto and set(per_scale) == {"uint8", "uint8_labels"}:
        return audit_finding(
            "mask.mixed_scales", Severity.WARNING, title,
            _two_8_bit_readings(per_scale),
            "Choose one reading for every mask: --mask-threshold 0 if every value but 0 is an "
            "object, or the object's class numbers with --foreground-values (see "
            "mask.label_map); either reads a stored value alike in every 8-bit mask. "
            + POLICY_FIX, evidence, listed_names(tally.mask_paths, listed))
    if auto:
        split = _read_two_ways(readings)
        evidence["read_two_ways"] = [
            {"value": value, "foreground_on": on, "background_on": off}
            for value, on, off in split]
        explanation = (
            "Masks of one dataset are stored on different scales (e.g. some 0/1, others "
            "0/255). Any fixed rule misreads some of them: `/ 255` or a threshold of 127 "
            "empties the 0/1 masks, raw values give Dice above 1 on the 0/255 ones. unetdiag's "
            "auto threshold decodes each mask on its own scale.")
        if split:
            value, on, off = split[0]
            explanation += (
                f" That splits a label here: stored value {value:g} is read as foreground in "
                f"the {join_names(on)} masks ({sum(per_scale[scale] for scale in on)}) and "
                f"as background in the {join_names(off)} masks "
                f"({sum(per_scale[scale] for scale in off)}): it lies on the other side of "
                f"each scale's {_threshold_name(on + off)}"
                + (f"; so are {join_names([f'{other:g}' for other, _, _ in split[1:]])}"
                   if len(split) > 1 else "")
                + (". When the values are class numbers, name them with --foreground-values."
                   if subset is None else "."))
        if subset is not None:
            explanation += " " + _subset_sentence(subset, per_scale, maps_scale)
        fix = ("Re-save all masks on one scale (0/255 8-bit PNG is the safest to look at). "
               if subset is None else
               "Name the object's class numbers with --foreground-values (see mask.label_map): "
               "a value policy reads them alike in every mask, whatever values each holds; "
               "re-saving these masks on another scale would change their class numbers. ")
        return audit_finding(
            "mask.mixed_scales", Severity.WARNING, title, explanation,
            fix + POLICY_FIX, evidence, listed_names(tally.mask_paths, listed))
    one_class = sorted(scale for scale, classes in readings.items()
                       if not any("foreground" in read for read in classes.values())
                       or not any("background" in read for read in classes.values()))
    evidence["read_as_one_class"] = one_class
    # the other scales' masks decoded empty: their 1 may be another source's object
    emptied = sorted(scale for scale, classes in readings.items() if scale != maps_scale
                     and not any("foreground" in read for read in classes.values()))
    evidence["decoded_empty_scales"] = emptied
    if subset is not None and policy.by_values and emptied:
        return audit_finding(
            "mask.mixed_scales", Severity.WARNING, title,
            _subset_sentence(subset, per_scale, maps_scale)
            + f" The policy in force ({policy.describe()}) reads them as it reads the label "
            f"maps, so the {join_names(emptied)} masks decode empty under it: right for "
            "slices without the object, wrong if their 1 is the object drawn by another "
            "source.",
            "Look at one mask of each scale; if the binary masks' 1 is the object, re-save "
            "them with the label maps' number for it (or train on them apart). " + POLICY_FIX,
            evidence, listed_names(tally.mask_paths, listed))
    if subset is not None and policy.by_values:
        others = sum(count for scale, count in per_scale.items() if scale != maps_scale)
        return audit_finding(
            "mask.mixed_scales", Severity.INFO,
            f"{plural(others, 'mask')} {verb(others, 'holds', 'hold')} only the label maps' "
            f"values {join_names([str(value) for value in subset])} "
            f"({', '.join(f'{count} {scale}' for scale, count in per_scale.items())})",
            _subset_sentence(subset, per_scale, maps_scale)
            + f" The policy in force ({policy.describe()}) reads them as it reads the label maps"
            + (f"; under it the {join_names(one_class)} masks hold one class only, as masks "
               "in which one class alone was drawn do (the imbalance findings count them)."
               if one_class else "."),
            "Nothing to do for the scales: the class numbers are one encoding.",
            evidence, listed_names(tally.mask_paths, listed))
    if not one_class and set(readings) == set(per_scale):
        return audit_finding(
            "mask.mixed_scales", Severity.INFO, title,
            f"The policy in force ({policy.describe()}) reads stored values alike on every "
            "scale, and the masks of each scale hold, among them, values of both classes, so the "
            "scales do not change what is foreground here; other tools' per-scale rules may "
            "differ.",
            "Nothing to do for unetdiag; re-save the masks on one scale for other tools.",
            evidence, listed_names(tally.mask_paths, listed))
    return audit_finding(
        "mask.mixed_scales", Severity.WARNING, title,
        f"Masks of one dataset are stored on different scales, and the policy in force "
        f"({policy.describe()}) reads stored values alike on every scale"
        + (f": the {join_names(one_class)} masks hold values of one class only under it."
           if one_class else ", which may misread some of them.")
        + " A threshold or value set that suits one scale empties or fills the masks of "
        "another (0/1 masks under a threshold of 127).",
        "Re-save all masks on one scale, or choose the values of every scale. " + POLICY_FIX,
        evidence, listed_names(tally.mask_paths, listed))


def class_numbers_of_label_maps(tally: AuditTally, scales: dict[str, list[int]]
                                ) -> tuple[str, list[int] | None]:
    """The scale most label-map masks are on, and the values the masks on the other scales
    hold when every one is a whole number those label maps hold too (0/1 masks beside 0/1/2
    maps; None otherwise, or when no mask is a label map or some values are not known)."""
    read = tally["mask_read"]
    label_maps = tally["label_map"] & read & (tally.encoding_ids >= 0)
    if not label_maps.any():
        return "", None
    # a value policy counts 0/1 masks among the label maps, the threshold does not: the
    # maps' scale is the one whose label maps hold the most values, then the most masks
    on_scale = Counter(tally.encodings[number].scale
                       for number in tally.encoding_ids[label_maps].tolist())
    held_on = {scale: _values_of(tally, label_maps & np.isin(tally.encoding_ids,
                                                             scales.get(scale, [])))
               for scale in on_scale}
    maps_scale = max(on_scale, key=lambda scale: (len(held_on[scale] or ()), on_scale[scale]))
    on_maps_scale = np.isin(tally.encoding_ids, scales.get(maps_scale, []))
    others = read & ~on_maps_scale & (tally.encoding_ids >= 0)
    held = held_on[maps_scale]
    values = _values_of(tally, others) if others.any() else None
    if held is None or not values or values - held:
        return maps_scale, None
    return maps_scale, sorted(values)


def _values_of(tally: AuditTally, chosen: np.ndarray) -> set[int] | None:
    """Every whole value the encodings of the ``chosen`` masks hold (None: one's values are
    not all known, or not whole numbers)."""
    found: set[int] = set()
    for number in np.unique(tally.encoding_ids[chosen]).tolist():
        if number < 0:
            continue
        values = tally.encoding_values.get(tally.encodings[number])
        if values is None or not values.complete or any(
                not float(value).is_integer() for value in values.values):
            return None
        found.update(int(value) for value in values.values)
    return found


def _subset_sentence(values: list[int], per_scale: dict[str, int], maps_scale: str) -> str:
    """The masks off the label maps' scale hold only the label maps' class numbers."""
    others = sum(count for scale, count in per_scale.items() if scale != maps_scale)
    return (f"{plural(others, 'mask')} off the label maps' {maps_scale} scale "
            f"{verb(others, 'holds', 'hold')} only {join_names([str(value) for value in values])}"
            ", values the label maps hold too: consistent with class numbers like theirs "
            "with fewer classes (a scribble mask with one stroke, a slice without the "
            "tumour), or with binary masks from another source whose 1 means something else "
            "(the tumour where the maps' 1 is the liver); look at one of each.")


def _two_8_bit_readings(per_scale: dict[str, int]) -> str:
    """8-bit masks read as label numbers beside 8-bit masks holding values past 127 read as
    grey levels: the two automatic thresholds (255 and 127.5) read those values apart."""
    numbers, levels = per_scale["uint8_labels"], per_scale["uint8"]
    return (
        f"{plural(numbers, '8-bit mask')} {verb(numbers, 'holds', 'hold')} numbers on both "
        "sides of 127, close together and each in regions or specks of its own, and "
        f"{verb(numbers, 'is', 'are')} read as label numbers (threshold 255: every number "
        f"background), while {plural(levels, 'other 8-bit mask')} holding values past 127 "
        f"{verb(levels, 'is', 'are')} read as grey levels (threshold 127.5: 128 and above "
        "foreground). A stored value past 127 is then foreground in some masks and background "
        "in others, decided by what else each mask holds, not by what the value is. This is "
        "consistent with class maps whose masks hold different numbers of classes (ADE20K's "
        "150 class numbers, many in some scenes, few in others), or with instance maps beside "
        "masks of another kind; the values cannot tell which.")


def _threshold_name(scales: list[str]) -> str:
    """What the automatic threshold of these scales is: a midpoint but on palette indices
    (0.5) and 8-bit label numbers (255)."""
    return ("automatic threshold" if {"palette", "uint8_labels"} & set(scales)
            else "midpoint")
