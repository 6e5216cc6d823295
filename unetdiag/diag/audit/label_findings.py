"""``mask.label_map``: label maps named by their values, their shares, what the policy in force
makes of them and the policy proposed.

The numbers come from :mod:`unetdiag.diag.audit.labels` (:class:`LabelVerdict`) and from the
tally; this module only words them, with the sentences of
:mod:`unetdiag.diag.audit.label_map_sentences` and :mod:`unetdiag.diag.audit.label_readings`
(``mask.decodes_empty`` is :mod:`unetdiag.diag.audit.decodes_empty`).
"""

from __future__ import annotations

import numpy as np

from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.label_map_sentences import (
    classes_sentence,
    contour_sentence,
    frame_sentence,
    kept_clause,
    kept_sentence,
    nodata_clause,
    nodata_sentence,
    ring_sentence,
    scale_classes_sentence,
    voc_grey_note,
    void_sentence,
)
from unetdiag.diag.audit.label_readings import reading_sentence, readings_choice, ring_band_policy
from unetdiag.diag.audit.label_rims_wording import rims_clause
from unetdiag.diag.audit.label_values_wording import (
    ade20k_classes,
    colour_fix,
    colours_per_image,
    held_values,
    value_name,
    value_table,
)
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.labels import ScaleReading, readings_by_scale
from unetdiag.diag.audit.stroke_wording import stroke_choice
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.two_levels import two_levels_finding
from unetdiag.diag.audit.value_sides import object_on_border
from unetdiag.diag.audit.voc_grey import VOC_GREY_FIX, verdict_voc_grey, voc_grey_sentence
from unetdiag.diag.checks.label_maps import (
    numbered_objects_choice,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.labelmaps import MAX_LABEL_VALUES, colour_rgb, too_small_for_an_inside
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import (
    capitalised,
    plural,
    verb,
)

IGNORE_LABEL = 255


def in_force_sentence(tally: AuditTally, verdict: LabelVerdict, policy: MaskPolicy,
                      readings: tuple[ScaleReading, ...]) -> str:
    """Which values the policy in force makes foreground, background and ignored; per scale
    (``readings``, :func:`~unetdiag.diag.audit.labels.readings_by_scale`) where it reads a
    value differently on the label maps of two scales."""
    what = f"the policy in force ({policy.describe()})"
    if readings:
        return scale_classes_sentence(verdict, readings, what)
    if verdict.masks < int(tally.columns["mask_read"].sum()):
        what += f", in {verb(verdict.masks, 'this', 'these')} {plural(verdict.masks, 'mask')}"
    return classes_sentence(verdict, "in_force", what)


def _specks(verdict: LabelVerdict) -> bool:
    """More values than a few, every one but 0 held on average by too few pixels per mask
    to have an inside (:func:`~unetdiag.diag.data.labelmaps.too_small_for_an_inside`): the
    label maps read as numbered specks, of which "whole regions" is not true."""
    held = [entry.pixels / entry.masks for entry in verdict.values
            if entry.value != 0 and entry.masks]
    return (len(verdict.values) > MAX_LABEL_VALUES and bool(held)
            and bool(np.all(too_small_for_an_inside(np.array(held)))))


def label_map_finding(verdict: LabelVerdict, tally: AuditTally, policy: MaskPolicy) -> Finding:
    """``mask.label_map``: the values, their shares, what the policy in force makes of them
    and the proposed policy. A warning when the proposal reads them differently from the
    policy in force, or when none can be proposed and the policy in force is a threshold on
    class numbers; info otherwise. Binary masks read as one class get
    ``mask.two_levels_one_class`` instead (:mod:`unetdiag.diag.audit.two_levels`)."""
    if verdict.two_level is not None:
        return two_levels_finding(verdict, tally, policy, kept_clause(verdict))
    held = held_values(verdict)
    by_scale = readings_by_scale(tally, verdict, policy)
    kind = ("palette label maps" if verdict.palette else
            "colour-coded label maps" if verdict.colour else "label maps")
    masks_phrase = (f"{plural(verdict.masks, 'mask')} {verb(verdict.masks, 'is a', 'are')} "
                    f"{kind[:-1] if verdict.masks == 1 else kind}")
    what = ("a few colours" if verdict.colour else "whole numbers"
            if len(verdict.values) > MAX_LABEL_VALUES else "a few whole numbers")
    laid = ("the commonest a whole region, the others strokes" if verdict.strokes
            else f"{verdict.frame} along the border (in one region round the others, or in bars "
            "on two opposite sides), the others regions or structures, not the one- or "
            "two-pixel bands compression or resampling leaves between two levels"
            if verdict.frame is not None
            else "each held by a few pixels per mask, too few to have an inside (numbered "
            "specks)" if _specks(verdict)
            else rims_clause(verdict.rims) if verdict.rims is not None
            else "each covering whole regions")
    explanation = (f"{masks_phrase} holding {held}: {what}, {laid}, "
                   "stored losslessly, so they are labels (class or object numbers), not "
                   f"grey levels or probabilities. Share of pixels and masks per value: "
                   f"{value_table(verdict)}.{void_sentence(verdict)}{nodata_sentence(verdict)}"
                   f"{ring_sentence(verdict)}{contour_sentence(verdict)}"
                   f"{frame_sentence(verdict)}"
                   f"{voc_grey_note(verdict)}{reading_sentence(verdict)} "
                   + in_force_sentence(tally, verdict, policy, by_scale))
    explanation += kept_sentence(verdict)
    proposal = verdict.proposal
    every_object_in_force = verdict.numbered_objects_possible and all(
        entry.in_force == ("background" if entry.value == 0 else "foreground")
        for entry in verdict.values)
    voc_grey = verdict_voc_grey(verdict)
    # a threshold that happens to match one reading of a ring is no choice the user made
    undecided = (proposal is None and not verdict.in_force_as_proposed
                 and (bool(verdict.readings) or not policy.by_values) and not verdict.palette
                 and not every_object_in_force) or (verdict.colour
                                                    and not verdict.in_force_as_proposed) or (
        bool(verdict.readings) and verdict.ring is not None and not policy.by_values)
    if proposal is not None:
        explanation += (" Proposed: " + proposal.flags() + ". "
                        + classes_sentence(verdict, "proposed", "it"))
        fix = (f"Pass {proposal.flags()} to both audit-data and train (the run records the "
               "policy in data.json); if the object is another value, name it in "
               "--foreground-values." + (" If 2 marks pixels nobody classified rather than "
                                         "each object's boundary, pass --foreground-values 1 "
                                         "--ignore-values 2 instead; if it is a class of its "
                                         "own, choose the class."
                                         if verdict.contour is not None else ""))
    elif undecided and verdict.frame is not None:
        nodata, kept = verdict.readings
        fix = (f"Look at the listed masks beside their images: if {verdict.frame} marks pixels "
               f"without data, pass {nodata.flags()}; if it is an object, pass "
               f"{kept.flags()}; to both audit-data and train.")
    elif undecided and verdict.strokes:
        fix = f"{capitalised(stroke_choice(verdict))}; to both audit-data and train."
    elif undecided and verdict.readings:
        outer, inner = verdict.readings
        fix = (f"Pass {outer.flags()} to segment the outer structure, {inner.flags()} for "
               f"the inner one, or {ring_band_policy(verdict).flags()} if {verdict.ring} "
               "marks pixels nobody classified; to both audit-data and train.")
    elif verdict.colour and (verdict.shared_brightest
                             or colours_per_image(verdict) is not None):
        fix = colour_fix(verdict)
    elif verdict.colour and undecided:
        # an object colour, never the background (white is the highest code)
        example = verdict.objects[-1] if verdict.objects else verdict.values[-1].value
        fix = ("Choose the foreground colours by their brightest channel with "
               f"--foreground-values (e.g. --foreground-values {max(colour_rgb(example))} for "
               f"{value_name(verdict, example)}); pass the same options to train.")
    elif undecided and verdict_voc_grey(verdict) is not None:
        fix = VOC_GREY_FIX
    elif undecided and verdict.numbered_objects_possible:
        fix = (f"{capitalised(numbered_objects_choice(policy))} (class numbers, ranges such as "
               "1-11). Pass the same options to train.")
    elif undecided:
        # 255 beside other classes is the ignore label of Cityscapes' trainIds and COCO-stuff:
        # never the example of a class to segment
        classes = [value for value in verdict.objects if value != IGNORE_LABEL]
        example = classes[-1] if classes else verdict.objects[-1] if verdict.objects else 8
        void = (f" (--ignore-values {IGNORE_LABEL} if {IGNORE_LABEL} marks unlabelled pixels, as "
                "it does in Cityscapes' trainIds and COCO-stuff)"
                if classes and IGNORE_LABEL in verdict.objects else "")
        fix = ("Choose the foreground by value: --foreground-values with the class numbers to "
               f"segment (e.g. --foreground-values {example} for value {example} alone, or a "
               f"range such as 1-11), and --ignore-values for a void class{void}; pass the same "
               "options to train.")
    elif verdict.band_alternative is not None:
        fix = (f"Nothing to fix: the policy in force counts the band {verdict.void} with the "
               "objects, a reading of its own (a trimap's border pixels lie on the object's "
               "outline). To leave the band out of training and scoring instead, pass "
               f"{verdict.band_alternative.flags()} to both audit-data and train.")
    else:
        fix = "Nothing to fix: the policy in force reads these values as described."
    severity = Severity.WARNING if proposal is not None or undecided else Severity.INFO
    return audit_finding(
        "mask.label_map", severity,
        f"{masks_phrase} holding {held}", explanation, fix,
        {**verdict.to_evidence(), "values_text": held, "policy": policy.to_dict(),
         # the values' in_force above is the commonest scale's reading; these, every scale's
         "in_force_by_scale": [{"scale": reading.scale, "masks": reading.masks,
                                "threshold": reading.threshold,
                                "classes": {str(value): kind
                                            for value, kind in reading.classes.items()}}
                               for reading in by_scale] or None,
         "nodata_text": nodata_clause(verdict) or None,
         "numbered_objects_choice": numbered_objects_choice(policy)
         if verdict.numbered_objects_possible and undecided else None,
         "readings_choice": readings_choice(verdict) if undecided else None,
         "kept_text": kept_clause(verdict) or None,
         "object_on_border": object_on_border(tally, verdict),
         "ade20k_classes": ade20k_classes(verdict),
         "voc_grey_text": (voc_grey_sentence(voc_grey) if voc_grey is not None and undecided
                           else None)},
        listed_names(tally.mask_paths, verdict.indices))
