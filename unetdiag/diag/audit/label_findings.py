"""``mask.label_map`` and ``mask.decodes_empty``: label maps named by their values, and a
policy that leaves every mask empty said as exactly that, with the options to pass.

The numbers come from :mod:`unetdiag.diag.audit.labels` (:class:`LabelVerdict`) and from the
tally; this module only words them.
"""

from __future__ import annotations

import numpy as np

from unetdiag.diag.audit.contours import contour_choice
from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.frame_wording import FRAME_LIES, frame_headline, frame_image_sentence
from unetdiag.diag.audit.label_context import BORDER_BACKGROUND_SHARE, border_share
from unetdiag.diag.audit.label_values_wording import (
    ade20k_classes,
    ade20k_sentence,
    alike_colours,
    colormap_clause,
    colour_fix,
    colours_alike_choice,
    colours_per_image,
    held_values,
    per_image_sentence,
    value_name,
    value_names,
    value_table,
)
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.labels import ZERO_BACKGROUND_SHARE
from unetdiag.diag.audit.stroke_wording import stroke_choice, strokes_sentence
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.two_levels import two_levels_clause, two_levels_finding
from unetdiag.diag.audit.value_sides import object_on_border
from unetdiag.diag.audit.voc_grey import VOC_GREY_FIX, verdict_voc_grey, voc_grey_sentence
from unetdiag.diag.checks.label_maps import (
    NUMBERED_OBJECTS,
    PALETTE_VOID,
    numbered_objects_choice,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.labelmaps import MAX_LABEL_VALUES, SEPARATOR_LEAK, colour_rgb
from unetdiag.diag.data.policy import MaskPolicy, format_values
from unetdiag.diag.wording.text import (
    QUOTED_VALUES,
    capitalised,
    join_names,
    percent,
    plural,
    verb,
)

#: The conventional ignore label of grey multi-class maps (Cityscapes' trainIds, COCO-stuff,
#: mmsegmentation's reduce_zero_label).
IGNORE_LABEL = 255


def _classes_sentence(verdict: LabelVerdict, field: str, what: str) -> str:
    """Which values ``what`` (the policy in force, the proposal) makes foreground, background
    and ignored."""
    groups: dict[str, list[int]] = {"foreground": [], "background": [], "ignored": []}
    for entry in verdict.values:
        groups[getattr(entry, field)].append(entry.value)
    parts = [f"{value_names(verdict, values)} {verb(len(values), 'is', 'are')} {kind}"
             for kind, values in groups.items() if values]
    return f"Under {what}, " + "; ".join(parts) + "."


def _void_sentence(verdict: LabelVerdict) -> str:
    void = verdict.void
    if void is None:
        return ""
    entry = verdict.value(void)
    if verdict.void_is_band:
        where = (f"a band that separates the other values from each other (at most "
                 f"{SEPARATOR_LEAK:.0%} of their contacts bypass it) in "
                 f"{entry.separating_masks} of the {entry.masks} masks holding it: a void or "
                 "border ('not classified') label drawn along the outlines, as PASCAL VOC's "
                 "255 and the Oxford-IIIT Pet trimaps' 3")
    else:
        where = PALETTE_VOID
    return f" Value {void} ({percent(entry.share)} of pixels) is {where}."


def nodata_clause(verdict: LabelVerdict) -> str:
    """``"255 declared no-data by the files' GDAL_NODATA tag"`` ("" without no-data)."""
    if not verdict.nodata:
        return ""
    names = join_names([str(value) for value in verdict.nodata])
    return f"{names} declared no-data by the files' GDAL_NODATA tag"


def _nodata_sentence(verdict: LabelVerdict) -> str:
    """Which values the files declare no-data, how many pixels and masks hold them, and
    what the images hold there."""
    parts = []
    for value in verdict.nodata:
        entry = verdict.value(value)
        parts.append(f" Value {value} ({percent(entry.share)} of pixels, in "
                     f"{plural(entry.masks, 'mask')}) is no-data, not a class: in "
                     f"{'the mask' if entry.masks == 1 else f'each of the {entry.masks} masks'}"
                     f" holding it, the file's GDAL_NODATA tag declares {value} no-data (GDAL "
                     "and rasterio mark the pixels outside a raster's valid footprint so).")
    share = verdict.nodata_image_share
    if share is not None and verdict.image_nodata:
        images = join_names([f"{value:g}" for value in verdict.image_nodata])
        where = ("at every one of those pixels" if share >= 1 else
                 f"at {percent(share)} or more of those pixels in each mask")
        parts.append(f" The images declare no-data too ({images}), and hold it in every band "
                     f"{where}.")
    return "".join(parts)


def kept_clause(verdict: LabelVerdict) -> str:
    """``"10 other masks hold 0 and 255, 255 their object"`` ("" when there are none)."""
    if not verdict.kept:
        return ""
    names = join_names([str(value) for value in verdict.kept])
    return (f"{plural(verdict.kept_masks, 'other mask')} "
            f"{verb(verdict.kept_masks, 'holds', 'hold')} two values with {names} as "
            f"{verb(verdict.kept_masks, 'its', 'their')} object")


def _kept_sentence(verdict: LabelVerdict) -> str:
    """Why the proposal names values no label map holds."""
    if not verdict.kept:
        return ""
    names = join_names([str(value) for value in verdict.kept])
    return (f" {capitalised(kept_clause(verdict))} under the policy in force (it reads "
            "them as two classes, so they are no label maps): consistent with one object "
            f"stored with {plural(len(verdict.kept) + len(verdict.objects), 'value')} "
            "(a set partly rescaled, as VisA's masks before and after its prepare "
            "script: class ids or 0/255). A policy naming only the label maps' values "
            f"would empty those masks; the proposal names {names} too.")


def _ring_band_policy(verdict: LabelVerdict) -> MaskPolicy:
    """The inner reading with the ring ignored: the ring read as a band nobody classified."""
    inner = verdict.readings[1]
    return MaskPolicy(foreground_values=inner.foreground_values,
                      ignore_values=tuple(sorted({*inner.ignore_values, verdict.ring})))


def _ring_foreground_share(verdict: LabelVerdict) -> float | None:
    """The ring's share of the foreground when the policy in force counts it as foreground."""
    ring = verdict.value(verdict.ring)
    if ring.in_force != "foreground" or (verdict.background is not None and verdict.value(
            verdict.background).in_force == "foreground"):
        return None  # a share of a foreground that holds the background says nothing
    foreground = sum(entry.share for entry in verdict.values if entry.in_force == "foreground")
    return ring.share / foreground if foreground else None


def _ring_sentence(verdict: LabelVerdict) -> str:
    """Why the value between the objects and the background may be a region or a band: a band
    of width w round a disc of radius R outweighs it whenever R < (1 + sqrt 2) w, so the shares
    cannot tell (redteam 1: a matting trimap's 12-pixel unknown band round discs of radius 6
    to 18 outweighed them)."""
    ring = verdict.ring
    if ring is None:
        return ""
    entry = verdict.value(ring)
    inner = join_names([str(value) for value in verdict.objects])
    inner_share = sum(verdict.value(value).share for value in verdict.objects)
    share = _ring_foreground_share(verdict)
    return (f" Value {ring} ({percent(entry.share)} of pixels) separates {inner} from the "
            f"background in {entry.separating_masks} of the {entry.masks} masks holding it: "
            f"{inner} {verb(len(verdict.objects), 'lies', 'lie')} inside {ring}. It holds "
            f"more pixels than the {inner} it encloses ({percent(inner_share)}), as a region "
            "round them does (an optic disc's rim round its cup), and as a band nobody "
            "classified does round objects whose radius is under about 2.4 times its width "
            "(the unknown band of an alpha-matting trimap: 0 background, 128 unknown, 255 "
            "foreground); the shares cannot tell which."
            + (f" The policy in force counts {ring} as foreground: {percent(share)} of the "
               "foreground." if share is not None else ""))


def _contour_sentence(verdict: LabelVerdict) -> str:
    """Why 1 and 2 are proposed together: 2 rims every 1-region thinly
    (:mod:`unetdiag.diag.audit.contours`)."""
    contour = verdict.contour
    if contour is None:
        return ""
    measured = contour["masks_measured"]
    return (f" Value 2 encloses value 1: {percent(contour['enclosed_share'])} of the "
            "contacts between a 1-pixel and another value are with 2, and "
            f"{percent(contour['thin_share'])} of the 2-pixels lie within {contour['radius']} "
            f"pixels of a 1 ({plural(measured, 'mask')} measured), a thin ring round each "
            "1-region: consistent with contour-aware labels (0 background, 1 each object's "
            "interior, 2 its boundary, as DCAN and nuclei pipelines store them to part "
            "touching objects), whose objects are 1 and 2 together. The values cannot tell "
            "that from a band nobody classified (as the border of the Oxford-IIIT Pet "
            "trimaps: pass --foreground-values 1 --ignore-values 2) or from a thin class of "
            "its own nested round 1 (an optic disc's rim round its cup, cytoplasm round a "
            "nucleus: choose the class with --foreground-values).")


def _frame_sentence(verdict: LabelVerdict) -> str:
    """Why a value far above the class numbers may be no-data outside a footprint."""
    frame = verdict.frame
    if frame is None:
        return ""
    entry = verdict.value(frame)
    others = join_names([str(value) for value in (verdict.background, *verdict.objects)
                         if value is not None])
    each = "the mask" if entry.masks == 1 else f"each of the {entry.masks} masks"
    return (f" Value {frame} ({percent(entry.share)} of pixels, in "
            f"{plural(entry.masks, 'mask')}) lies far above the class numbers beside it "
            f"({others}) and {FRAME_LIES} in {each} holding it: consistent with no-data "
            "outside a raster's footprint (GDAL and rasterio "
            "burn such a value where a scene has no data; a PNG keeps no tag saying so), or "
            "with an object cut by the image's edge. The values alone cannot tell which."
            + frame_image_sentence(verdict.frame_image))


def _readings_choice(verdict: LabelVerdict) -> str | None:
    """The readings of nested values, a frame or two strokes, as the headline says them
    (None: no readings)."""
    if not verdict.readings:
        return None
    if verdict.strokes:
        names = join_names([str(value) for value in verdict.strokes])
        return (f"{names} are drawn as strokes on {verdict.background} "
                f"({percent(verdict.value(verdict.background).share)} of pixels), consistent "
                "with scribble annotations or with thin structures of two classes; "
                f"{stroke_choice(verdict)}")
    if verdict.frame is not None:
        nodata, kept = verdict.readings
        share = percent(verdict.value(verdict.frame).share)
        return frame_headline(verdict.frame, share, verdict.frame_image, nodata.flags(),
                              kept.flags())
    outer, inner = verdict.readings
    share = _ring_foreground_share(verdict)
    return (f"{join_names([str(value) for value in verdict.objects])} "
            f"{verb(len(verdict.objects), 'lies', 'lie')} inside {verdict.ring} on a background "
            f"of {verdict.background}"
            + (f" ({verdict.ring} is {percent(share)} of the foreground in force)"
               if share is not None else "")
            + f"; pass {outer.flags()} for the outer structure, {inner.flags()} for the inner "
            f"one, or {_ring_band_policy(verdict).flags()} if {verdict.ring} is a band nobody "
            "classified, as a trimap's unknown band is")


def _background_why(verdict: LabelVerdict) -> str:
    """The evidence the background was taken on: the masks' outer border when it decides,
    else 0 held by most masks, else the commonest value."""
    background = verdict.background
    left_out = {value for value in (verdict.void, verdict.frame, *verdict.nodata)
                if value is not None}
    edge = border_share(verdict.border, background, left_out)
    # values the policy in force ignores took no part in the choice (an unlabelled 0 passed
    # with --ignore-values 0 is no background, however many pixels it holds)
    ignored = {entry.value for entry in verdict.values if entry.in_force == "ignored"}
    shares = sorted((entry for entry in verdict.values if entry.value not in ignored),
                    key=lambda entry: -entry.share) or sorted(
        verdict.values, key=lambda entry: -entry.share)
    commonest = shares[0].value
    zero_held = background == 0 and (verdict.value(0).masks
                                     >= ZERO_BACKGROUND_SHARE * verdict.masks)
    if edge >= BORDER_BACKGROUND_SHARE:
        beside = (f" ({join_names([str(v) for v in sorted(left_out)])} left out)"
                  if left_out & set(verdict.border) else "")
        where = (f"it fills {percent(edge)} of the masks' outer border{beside}, where the "
                 "background surrounds the objects")
        if background == commonest:
            return f"{where}; it is also the commonest value, {percent(shares[0].share)} of pixels"
        return (f"{where}, though {commonest} holds more pixels "
                f"({percent(shares[0].share)} against "
                f"{percent(verdict.value(background).share)}): objects can outweigh it")
    if zero_held:
        return "0, held by most masks"
    if ignored and background not in ignored:
        return (f"the commonest value the policy in force does not ignore, "
                f"{percent(verdict.value(background).share)} of pixels")
    return (f"the commonest value, {percent(verdict.value(background).share)} of pixels"
            + _small_zero_clause(verdict))


def _small_zero_clause(verdict: LabelVerdict) -> str:
    """Why 0, which most masks hold, is not the background: it is a small class."""
    zero = next((entry for entry in verdict.values if entry.value == 0), None)
    if zero is None or zero.masks < ZERO_BACKGROUND_SHARE * verdict.masks:
        return ""
    return f"; 0, though held by most masks, covers only {percent(zero.share)}"


def _voc_grey_sentence(verdict: LabelVerdict) -> str:
    """Values that read as VOC's palette colours in grey, named (:mod:`.voc_grey`)."""
    voc_grey = verdict_voc_grey(verdict)
    return "" if voc_grey is None else f" {capitalised(voc_grey_sentence(voc_grey))}."


def _reading_sentence(verdict: LabelVerdict) -> str:
    """Why the proposal reads the values as it does, or why none can be proposed."""
    if colours_per_image(verdict) is not None:
        return per_image_sentence(verdict)
    if verdict.colour and verdict.shared_brightest:
        ade20k = ade20k_classes(verdict)
        return ((ade20k_sentence(ade20k) + " The decoder" if ade20k is not None else
                 f" Each colour is a class{colormap_clause(verdict)}; the decoder")
                + f" reads a colour mask by its brightest channel, and {alike_colours(verdict)}"
                ": no threshold, polarity or value policy tells them apart.")
    if verdict.colour:
        read_as = join_names([
            f"{value_name(verdict, entry.value)} as {max(colour_rgb(entry.value))}"
            for entry in verdict.values[:QUOTED_VALUES]])
        return (f" Each colour is a class{colormap_clause(verdict)}; the decoder reads a "
                f"colour mask by its brightest channel, and each of these colours has its own: "
                f"it reads {read_as}, so "
                "--foreground-values selects colours by those values.")
    if verdict.numbered_objects_possible:
        return (f" With {plural(len(verdict.objects), 'value')} besides 0 these are many "
                f"classes, or one number per object ({NUMBERED_OBJECTS}); the values alone "
                "cannot tell which.")
    if verdict.multi_class:
        return (f" With {plural(len(verdict.objects), 'value')} besides the background "
                "candidate this is a multi-class map: which classes are the objects cannot be "
                "told from the data.")
    if verdict.palette and verdict.background == 0 and len(verdict.objects) > 1:
        indices = join_names([str(v) for v in verdict.objects])
        if verdict.numbered_per_mask:
            # SegmentationObject: 1, 2, 3 .. are the objects of each image, not classes
            return (f" The palette's object indices {indices} are all foreground. Each mask "
                    "numbers its regions 1 .. k with no gap, k differing from mask to mask, "
                    "as instance maps number objects (PASCAL VOC's and CVAT's "
                    "SegmentationObject): read so, every object is foreground; if they are "
                    "classes, a binary model merges them into one.")
        return (f" The palette's object indices {indices}"
                f" ({len(verdict.objects)} classes) are all foreground: a binary model merges "
                "them into one class.")
    unlabelled = ""
    if verdict.unlabelled:
        unlabelled = (f" {join_names([str(v) for v in verdict.unlabelled])}, negative, "
                      f"{verb(len(verdict.unlabelled), 'is', 'are')} taken for unlabelled "
                      "pixels (a negative label is no class: -1 marks what was not annotated "
                      "in weakly labelled sets) and proposed as ignored.")
    if verdict.background is not None and verdict.objects:
        why = _background_why(verdict)
        if verdict.frame is not None:
            nodata, kept = verdict.readings
            return (f" Value {verdict.background} is taken for the background ({why}) and "
                    f"{join_names([str(v) for v in verdict.objects])} for the object. If "
                    f"{verdict.frame} is no-data, pass {nodata.flags()} (its pixels then weigh "
                    f"nothing in the loss and the metrics); if it is an object, pass "
                    f"{kept.flags()}." + unlabelled)
        if verdict.strokes:
            return (f" Value {verdict.background} is taken for the background ({why})."
                    + strokes_sentence(verdict) + unlabelled)
        if verdict.readings:
            outer, inner = verdict.readings
            return (f" Value {verdict.background} is taken for the background ({why}). The "
                    "data admit three readings, and only the user knows which is true: "
                    f"the outer structure ({outer.flags()}), the inner one "
                    f"({inner.flags()}), or the inner one with {verdict.ring} an unknown band "
                    f"({_ring_band_policy(verdict).flags()})." + unlabelled)
        return (f" Value {verdict.background} is taken for the background ({why}) and "
                f"{join_names([str(v) for v in verdict.objects])} for the object."
                + unlabelled)
    return unlabelled


def label_map_finding(verdict: LabelVerdict, tally: AuditTally, policy: MaskPolicy) -> Finding:
    """``mask.label_map``: the values, their shares, what the policy in force makes of them
    and the proposed policy. A warning when the proposal reads them differently from the
    policy in force, or when none can be proposed and the policy in force is a threshold on
    class numbers; info otherwise. Binary masks read as one class get
    ``mask.two_levels_one_class`` instead (:mod:`unetdiag.diag.audit.two_levels`)."""
    if verdict.two_level is not None:
        return two_levels_finding(verdict, tally, policy, kept_clause(verdict))
    held = held_values(verdict)
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
            else "each covering whole regions")
    explanation = (f"{masks_phrase} holding {held}: {what}, {laid}, "
                   "stored losslessly, so they are labels (class or object numbers), not "
                   f"grey levels or probabilities. Share of pixels and masks per value: "
                   f"{value_table(verdict)}.{_void_sentence(verdict)}{_nodata_sentence(verdict)}"
                   f"{_ring_sentence(verdict)}{_contour_sentence(verdict)}"
                   f"{_frame_sentence(verdict)}"
                   f"{_voc_grey_sentence(verdict)}{_reading_sentence(verdict)} "
                   + _classes_sentence(verdict, "in_force", f"the policy in force "
                                       f"({policy.describe()})"
                                       + (f", in {verb(verdict.masks, 'this', 'these')} "
                                          f"{plural(verdict.masks, 'mask')}"
                                          if verdict.masks < int(tally.columns["mask_read"].sum())
                                          else "")))
    explanation += _kept_sentence(verdict)
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
                        + _classes_sentence(verdict, "proposed", "it"))
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
               f"the inner one, or {_ring_band_policy(verdict).flags()} if {verdict.ring} "
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
         "nodata_text": nodata_clause(verdict) or None,
         "numbered_objects_choice": numbered_objects_choice(policy)
         if verdict.numbered_objects_possible and undecided else None,
         "readings_choice": _readings_choice(verdict) if undecided else None,
         "kept_text": kept_clause(verdict) or None,
         "object_on_border": object_on_border(tally, verdict),
         "ade20k_classes": ade20k_classes(verdict),
         "voc_grey_text": (voc_grey_sentence(voc_grey) if voc_grey is not None and undecided
                           else None)},
        listed_names(tally.mask_paths, verdict.indices))


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
        cause = (f" They are label maps holding {held_values(verdict)} "
                 "(see mask.label_map); a threshold on class numbers means nothing.")
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
        fix = f"{capitalised(str(_readings_choice(verdict)))}; pass the same options to train."
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
         "readings_choice": None if verdict is None else _readings_choice(verdict),
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

