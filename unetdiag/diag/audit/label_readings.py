"""How ``mask.label_map`` says the values are read: the background and the evidence it was
taken on, the readings of nested values, a frame or strokes, and the policy that reads a ring as a
band nobody classified.

Moved out of :mod:`unetdiag.diag.audit.label_findings`, unchanged.
"""

from __future__ import annotations

from unetdiag.diag.audit.frame_wording import frame_headline
from unetdiag.diag.audit.label_context import BORDER_BACKGROUND_SHARE, border_share
from unetdiag.diag.audit.label_values_wording import (
    ade20k_classes,
    ade20k_sentence,
    alike_colours,
    colormap_clause,
    colours_per_image,
    per_image_sentence,
    value_name,
)
from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.audit.labels import ZERO_BACKGROUND_SHARE
from unetdiag.diag.audit.stroke_wording import stroke_choice, strokes_sentence
from unetdiag.diag.checks.label_maps import (
    NUMBERED_OBJECTS,
)
from unetdiag.diag.data.labelmaps import colour_rgb
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.wording.text import (
    QUOTED_VALUES,
    join_names,
    percent,
    plural,
    verb,
)


def ring_band_policy(verdict: LabelVerdict) -> MaskPolicy:
    """The inner reading with the ring ignored: the ring read as a band nobody classified."""
    inner = verdict.readings[1]
    return MaskPolicy(foreground_values=inner.foreground_values,
                      ignore_values=tuple(sorted({*inner.ignore_values, verdict.ring})))


def ring_foreground_share(verdict: LabelVerdict) -> float | None:
    """The ring's share of the foreground when the policy in force counts it as foreground."""
    ring = verdict.value(verdict.ring)
    if ring.in_force != "foreground" or (verdict.background is not None and verdict.value(
            verdict.background).in_force == "foreground"):
        return None  # a share of a foreground that holds the background says nothing
    foreground = sum(entry.share for entry in verdict.values if entry.in_force == "foreground")
    return ring.share / foreground if foreground else None


def readings_choice(verdict: LabelVerdict) -> str | None:
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
    share = ring_foreground_share(verdict)
    return (f"{join_names([str(value) for value in verdict.objects])} "
            f"{verb(len(verdict.objects), 'lies', 'lie')} inside {verdict.ring} on a background "
            f"of {verdict.background}"
            + (f" ({verdict.ring} is {percent(share)} of the foreground in force)"
               if share is not None else "")
            + f"; pass {outer.flags()} for the outer structure, {inner.flags()} for the inner "
            f"one, or {ring_band_policy(verdict).flags()} if {verdict.ring} is a band nobody "
            "classified, as a trimap's unknown band is")


def background_why(verdict: LabelVerdict) -> str:
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


def reading_sentence(verdict: LabelVerdict) -> str:
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
    if verdict.numbered_objects_possible and verdict.numbered_runs:
        return (f" With {plural(len(verdict.objects), 'value')} besides 0 these are many "
                f"classes, or one number per object ({NUMBERED_OBJECTS}). Each mask holds "
                f"them as a run from {min(verdict.objects)} with no gap, of a length that "
                "differs from mask to mask, as instance maps number their objects: consistent "
                "with one number per object; classes numbered so would read the same.")
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
        why = background_why(verdict)
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
                    f"({ring_band_policy(verdict).flags()})." + unlabelled)
        return (f" Value {verdict.background} is taken for the background ({why}) and "
                f"{join_names([str(v) for v in verdict.objects])} for the object."
                + unlabelled)
    return unlabelled
