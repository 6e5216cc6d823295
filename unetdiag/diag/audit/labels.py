"""Label maps over a dataset: the values the masks hold, which one is a void or border band,
which is the background, and the value policy that reads them.

Each mask is judged where it is read (:func:`~unetdiag.diag.data.labelmaps.label_layout`:
label map or not, pixels per value, the value that separates the others). This module weighs
those judgements over every label-map mask of the dataset and returns a :class:`LabelVerdict`:
numbers and value classes, no sentences (those are in
:mod:`unetdiag.diag.audit.label_findings`).

The proposal is a reading of the data, stated with its reasons and never applied silently:

* the *void* value is the one that separates every other pair of values in at least
  :data:`SEPARATING_MASK_SHARE` of the masks holding it (a border band drawn around every
  object: the trimap's 3, VOC's 255), or, in palette masks, index 255 (PASCAL VOC's void);
* unless that value holds at least as many pixels as the objects it separates from the
  background: such a value is a *ring*, a region round the objects (REFUGE's disc rim 128,
  1.7 % of the pixels, round the cup 0, 0.7 %) or a band wider than about 1/2.4 of the
  objects' radius (a matting trimap's unknown 128 round small objects). The data then admit
  three readings, all stated: the outer structure (objects and ring), the inner one (the
  objects), or the inner one with the ring ignored; 255, the conventional void of VOC and
  Cityscapes, is never a ring;
* the *background* is 0 when most label maps hold it, unless 0 is a small class beside a
  value that covers most pixels (:data:`SMALL_ZERO_SHARE`: REFUGE's disc masks hold the cup
  as 0 on 0.7 % of the pixels and the background as 255 on 97.6 %); else the commonest value;
* a value that every mask holding it declares as its no-data value (GeoTIFF's
  ``GDAL_NODATA`` tag: GDAL and rasterio mark pixels outside a scene's footprint so) is
  *no-data*: proposed as ignored, never as an object, as long as it is not the value taken
  for the background (``nodata=0`` on 0/1 rasters) and some object value remains (a 0/255
  mask declaring 255 no-data would hold no object at all); otherwise the tag is not followed;
* every other value is an *object* value. A palette's default rule already makes every index
  but 0 and the void foreground, so for palettes only the void is proposed (ignored); for gray
  label maps the object values are proposed as ``foreground_values`` when there are at most
  :data:`MAX_PROPOSED_OBJECT_VALUES` of them on a background of 0, or one on another
  background (more is a multi-class map: which classes are the objects cannot be told from
  the data).

Files that hold one value alone that the label maps hold, and that their own scale reads
whole as object (an empty swapped {1, 2} file stored all 1), are maps of one class, weighed
with the others (:func:`~unetdiag.diag.audit.label_context.one_class_maps`). Grey maps that
read as PASCAL VOC's palette converted to grey have its void (220) as the band and no union of
their classes proposed (:mod:`unetdiag.diag.audit.voc_grey`). Two strokes on a majority
(scribbles) get readings, not a proposal; that majority is their background whatever its
number when a 255 band fills the border, and when the policy in force ignores it.

Colour-coded label maps (values are :func:`~unetdiag.diag.data.labelmaps.colour_code`
numbers): the decoder reads a colour mask by its brightest channel, so a value policy selects
a colour by that channel's value. Two colours with brightest channels of their own get the
object's as the proposal (CVAT's dark class (48, 112, 32) on black: ``--foreground-values
112``); colours that share a brightest channel decode alike, whatever the policy, and get
none. Two colours that are a colormap's ends (``plt.imsave`` of a 0/1 mask) are named.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from unetdiag.diag.audit.borders import frame_image_evidence
from unetdiag.diag.audit.contours import contour_reading
from unetdiag.diag.audit.label_context import (
    band_with_objects,
    blues_number_instances,
    border_totals,
    border_value,
    declared_nodata,
    nodata_image,
    numbered_per_mask,
    one_class_maps,
    two_level_objects,
    with_kept,
)
from unetdiag.diag.audit.label_verdict import LabelValue, LabelVerdict, several_classes
from unetdiag.diag.audit.strokes import (
    UNLABELLED_MIN_SHARE,
    all_strokes,
    stroke_share,
    void_beside_strokes,
)
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.two_levels import two_level_top
from unetdiag.diag.audit.voc_grey import VOC_VOID_GREY, voc_grey_classes
from unetdiag.diag.data.colormaps import colormap_of
from unetdiag.diag.data.decoding import resolve_threshold
from unetdiag.diag.data.label_rims import interpolation_rims
from unetdiag.diag.data.labelmaps import colour_rgb
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.rules import VOID_INDEX, ValueClass, ValueRule

#: A value is the dataset's void band when it separates the other values in at least this
#: share of the label-map masks that hold it...
SEPARATING_MASK_SHARE = 0.9
#: ...and at least this share of the label-map masks hold it.
VOID_PRESENCE_SHARE = 0.5
#: Value 0 is the background when at least this share of the label-map masks hold it...
ZERO_BACKGROUND_SHARE = 0.5
#: ...and it holds at least this share of the pixels of the commonest value. Measured: a
#: close-up's 0 margin holds 7.5 % of its object's pixels (leaf, organ crops) and is the
#: background; REFUGE's cup 0 holds 0.7 % of the 255 background's and is an object. Pixel
#: shares cannot tell every case (a value on the image border would): this line keeps
#: close-ups right and lets only a 0 fifty times smaller than the commonest value yield.
SMALL_ZERO_SHARE = 0.02


def _classes(policy: MaskPolicy, values: list[int], scale: str,
             colour: bool = False) -> dict[int, ValueClass]:
    """What ``policy`` makes of each value, on masks of this scale (a colour by its brightest
    channel, as the decoder reads it)."""
    planes = {value: max(colour_rgb(value)) if colour else value for value in values}
    palette = scale == "palette"
    threshold = _threshold(policy, planes, scale)
    rule = ValueRule(policy, palette)
    return {value: rule.value_class(plane, threshold, policy.polarity)
            for value, plane in planes.items()}


def _threshold(policy: MaskPolicy, planes: dict[int, int], scale: str) -> float:
    """The threshold the decoder applies on this scale to masks holding these values
    (value -> the plane's value it is read by)."""
    # the decoder's midpoint leaves the ignored values out of the scale; so does this
    kept = [plane for value, plane in planes.items()
            if value not in policy.ignore_values] or list(planes.values())
    return float(resolve_threshold(np.array([min(kept), max(kept)]), scale, policy))


@dataclass(frozen=True)
class ScaleReading:
    """What a policy makes of the values held by the label maps of one scale.

    Attributes:
        scale: the masks' scale (``"uint8"``, ``"uint8_labels"``...).
        masks: how many label maps are on it.
        threshold: the threshold the decoder applies on it.
        classes: each value those masks hold -> what the policy makes of it there.
    """

    scale: str
    masks: int
    threshold: float
    classes: dict[int, ValueClass]


def readings_by_scale(tally: AuditTally, verdict: LabelVerdict,
                      policy: MaskPolicy) -> tuple[ScaleReading, ...]:
    """Per scale of the grey label maps (commonest first), what ``policy`` makes of the values
    they hold, when it reads a value differently on two of them (ADE20K-like class maps: a
    scene of many classes on ``uint8_labels``, threshold 255, one of few on ``uint8``,
    127.5); () when one reading holds for every mask, as the verdict's ``in_force`` says."""
    if verdict.colour:
        return ()
    by_scale: dict[str, list[int]] = {}
    for index in verdict.indices.tolist():
        scale = tally.encodings[tally.encoding_ids[index]].scale
        by_scale.setdefault(scale, []).append(index)
    if len(by_scale) < 2:
        return ()
    values = [entry.value for entry in verdict.values]
    readings = []
    for scale, indices in sorted(by_scale.items(), key=lambda item: -len(item[1])):
        held = {value for index in indices for value in tally.label_counts.get(index, {})}
        classes = _classes(policy, values, scale)
        threshold = _threshold(policy, {value: value for value in values}, scale)
        readings.append(ScaleReading(scale, len(indices), threshold,
                                     {value: classes[value] for value in sorted(held)}))
    split = any(len({reading.classes[value] for reading in readings
                     if value in reading.classes}) > 1 for value in values)
    return tuple(readings) if split else ()


def _scale_of(tally: AuditTally, indices: np.ndarray) -> tuple[str, bool]:
    """The commonest scale of these masks, and whether they are colour masks."""
    keys = Counter((tally.encodings[tally.encoding_ids[index]].scale,
                    tally.encodings[tally.encoding_ids[index]].is_colour) for index in indices)
    return keys.most_common(1)[0][0]


def _separating_value(per_value: dict[int, list[int]], separating: Counter,
                      masks: int) -> int | None:
    """The value that separates the others dataset-wide (a void band, or a ring)."""
    bands = [value for value, (_, holders) in per_value.items()
             if holders >= VOID_PRESENCE_SHARE * masks
             and separating[value] >= SEPARATING_MASK_SHARE * holders]
    return max(bands, key=lambda value: separating[value]) if bands else None


def _background(values: dict[int, list[int]], masks: int,
                border: dict[int, int] | None = None) -> int | None:
    """The background among ``values`` (value -> [pixels, masks]): the value filling
    :data:`~unetdiag.diag.audit.label_context.BORDER_BACKGROUND_SHARE` of their border
    pixels (``border``: value -> pixels on the masks' outer ring); else 0 when most masks
    hold it and it is no small class beside the commonest value, else the commonest value."""
    if not values:
        return None
    edge = border_value(values, border or {})
    if edge is not None:
        return edge
    commonest = max(values, key=lambda value: values[value][0])
    if (0 in values and values[0][1] >= ZERO_BACKGROUND_SHARE * masks
            and values[0][0] >= SMALL_ZERO_SHARE * values[commonest][0]):
        return 0
    return commonest


def _frame_value(tally: AuditTally, indices: np.ndarray, candidates: set[int]) -> int | None:
    """A value of ``candidates`` that, in every mask holding it, is that mask's frame
    candidate (:func:`~unetdiag.diag.audit.borders.frame_candidate`: far above the class
    numbers beside it) and forms exactly one region, touching the border: no-data outside
    a footprint, or an object cut by the edge (None: no such value)."""
    frames = tally["frame_value"]
    for value in sorted(candidates, reverse=True):
        holders = [index for index in indices.tolist()
                   if value in tally.label_counts.get(index, {})]
        if holders and all(frames[index] == value and tally["frame_regions"][index] == 1
                           and tally["frame_other_regions"][index] == 0 for index in holders):
            return value
    return None


def _proposal(palette: bool, background: int | None, void: int | None,
              objects: tuple[int, ...], unlabelled: tuple[int, ...] = (),
              nodata: tuple[int, ...] = ()) -> MaskPolicy | None:
    # ``nodata`` here holds every value to keep ignored (declared no-data, the user's)
    ignore = tuple(sorted({*unlabelled, *nodata, *(() if void is None else (void,))}))
    if palette and background == 0:
        # the palette rule already makes every index but 0 and the void foreground
        return MaskPolicy(ignore_values=ignore) if ignore else None
    if not objects or (not palette and several_classes(background, objects)):
        return None
    return MaskPolicy(foreground_values=objects, ignore_values=ignore)


def _colour_proposal(colours: list[int], objects: tuple[int, ...]) -> MaskPolicy | None:
    """Two colours whose brightest channels differ: the object colour's brightest channel as
    the foreground value (the decoder reads colour masks by that channel)."""
    brightest = [max(colour_rgb(code)) for code in colours]
    if len(colours) != 2 or len(set(brightest)) < 2 or len(objects) != 1:
        return None
    return MaskPolicy(foreground_values=(max(colour_rgb(objects[0])),))


def judge_label_maps(tally: AuditTally, policy: MaskPolicy) -> LabelVerdict | None:
    """The :class:`LabelVerdict` of the dataset's label-map masks; None when it has none."""
    read = tally["mask_read"]
    indices = np.flatnonzero(tally["label_map"] & read & ~tally.mask_is_picture())
    if indices.size == 0:
        return None
    indices = np.union1d(indices, one_class_maps(tally, indices))
    per_value: dict[int, list[int]] = {}  # value -> [pixels, masks]
    separating: Counter = Counter()
    for index in indices.tolist():
        for value, count in tally.label_counts.get(index, {}).items():
            entry = per_value.setdefault(value, [0, 0])
            entry[0] += count
            entry[1] += 1
        separator = int(tally["separator"][index])
        if separator >= 0:
            separating[separator] += 1
    scale, colour = _scale_of(tally, indices)
    palette = scale == "palette"
    masks = int(indices.size)
    band = _separating_value(per_value, separating, masks)
    # VOC's palette read as grey: its void (220) is the band, parting the values in some masks
    # if not in every one (objects touching each other or the edge)
    voc_grey = None if palette or colour else voc_grey_classes(
        {value: entry[1] for value, entry in per_value.items()}, masks,
        separating[VOC_VOID_GREY])
    if voc_grey is not None:
        band = VOC_VOID_GREY
    palette_void = VOID_INDEX if palette and VOID_INDEX in per_value else None
    nodata = declared_nodata(tally, indices)
    # values the user ignores stay ignored: no background, object or void of the proposal
    ignored = {value for value in per_value if value in policy.ignore_values}
    # a tag declaring the background value (nodata=0 on 0/1 rasters, a careless default) is
    # not followed: ignoring it would leave nothing to learn against
    if band in ignored:
        band = None  # the user named it: ignored, whatever its shape
    # 0 and the scale's top alone, nothing ignored or declared no-data: two levels, no classes
    # (a palette's 255 is VOC's void only round class indices, and no mask holds one)
    two_level = None if ignored or nodata else two_level_top(per_value, colour)
    # the object of the two-level masks beside the label maps is no void band in them
    two_level_set, two_level_masks = two_level_objects(tally, indices, policy)
    if two_level is not None or band in two_level_set:
        band = None
    if two_level is not None:
        palette_void = None
    whole = {value: entry for value, entry in per_value.items()
             if value not in (band, palette_void) and value not in ignored}
    # 255 beside scribbles (PASCAL's void along the border) does not make the background
    aside_void = None if palette or colour else void_beside_strokes(
        tally.label_strokes, tally.label_counts, indices.tolist(), per_value)
    border = {value: count for value, count in border_totals(tally, indices).items()
              if value not in ignored and value != aside_void}
    if nodata and _background(whole, masks, border) in nodata:
        nodata = ()
    if band in nodata:
        band = None  # the file names it: no-data, not a border band
    others = {value: entry for value, entry in per_value.items()
              if value not in (band, palette_void) and value not in nodata
              and value not in ignored}
    background = _background(others, masks, border)
    if aside_void is not None:
        # the band fills the border, so the border tells no background; the strokes lie on
        # the unlabelled majority, which is the background whatever its number (0/1 strokes
        # on 2: 0 is a stroke, not the background its number would make it)
        background = max((value for value in others if value != aside_void),
                         key=lambda value: others[value][0])
    if two_level is not None or (background in two_level_set and 0 in others):
        background = 0  # the object of the two-level masks is none of the label maps' background
    if (not palette and not colour and background is not None
            and background == _frame_value(tally, indices, {background})
            and all(tally["frame_surrounds"][index] for index in indices.tolist()
                    if background in tally.label_counts.get(index, {}))):
        # a frame filling the border round a background that holds the objects away from it
        # (255 outside a field of view, 0/1 vessels inside) is what surrounds the labels, not
        # their background: 0 among the rest is, by the class numbers' convention. Strokes
        # on 255 (WSL4MIS's unlabelled majority) touch it all along: 255 stays the background
        inner = _background({value: entry for value, entry in others.items()
                             if value != background}, masks,
                            {value: count for value, count in border.items()
                             if value != background})
        if inner == 0:
            background = inner
    if nodata and not any(value != background for value in others):
        # no object but the declared no-data: the tag is not followed
        nodata = ()
        others = {value: entry for value, entry in per_value.items()
                  if value not in (band, palette_void) and value not in ignored}
        background = _background(others, masks)
    # a negative label is no class: "unlabelled" by convention (-1 of weak labels,
    # PyTorch's ignore_index); proposed as ignored beside any void
    unlabelled = tuple(sorted(value for value in others if value < 0 and value != background))
    frame = None
    if not palette and not colour and two_level is None:
        frame = _frame_value(tally, indices, {value for value in others
                                              if value not in (background, *unlabelled)})
    objects = tuple(sorted(value for value in others
                           if value not in (background, frame) and value not in unlabelled))
    ring = None
    # 255 between classes 0, 1, 2... is the conventional void (VOC, Cityscapes): a band of
    # it round small objects outweighs them and is still no region of its own
    if (band is not None and band != palette_void and band != VOID_INDEX and objects
            and voc_grey is None
            and per_value[band][0] >= sum(per_value[value][0] for value in objects)):
        ring = band
    void = band if band is not None and ring is None else palette_void
    readings: tuple[MaskPolicy, ...] = ()
    if ring is not None and not colour and not several_classes(background, objects):
        ignore = tuple(sorted({*unlabelled, *nodata, *ignored}))
        readings = tuple(MaskPolicy(foreground_values=values, ignore_values=ignore)
                         for values in (tuple(sorted((*objects, ring))), objects))
    elif ring is not None:
        objects = tuple(sorted((*objects, ring)))  # too many classes to tell structures
        ring = None
    # two strokes on a background other than 0 are no classes to choose among: the stroke
    # readings below take the frame aside
    if frame is not None and (ring is not None or not objects
                              or (several_classes(background, objects) and not (
                                  len(objects) == 2 and all_strokes(
                                      tally.label_strokes, tally.label_counts,
                                      indices.tolist(), objects)))):
        objects = tuple(sorted((*objects, frame)))  # no reading of its own to offer
        frame = None
    if frame is not None:  # no-data (ignored) or an object cut by the edge: the user knows
        base = tuple(sorted({*unlabelled, *nodata, *ignored,
                             *(() if void is None else (void,))}))
        readings = (MaskPolicy(foreground_values=objects,
                               ignore_values=tuple(sorted({*base, frame}))),
                    MaskPolicy(foreground_values=tuple(sorted((*objects, frame))),
                               ignore_values=base))
    # the user ignores the unlabelled majority (a stroke reading in force): the two values
    # left are the strokes, on that majority
    majority = max(ignored, key=lambda value: per_value[value][0]) if ignored else None
    pair = tuple(sorted(value for value in (background, *objects) if value is not None))
    if (majority is not None and not palette and not colour and ring is None and frame is None
            and len(pair) == 2 and per_value[majority][0] >= UNLABELLED_MIN_SHARE * sum(
                entry[0] for entry in per_value.values())
            and all_strokes(tally.label_strokes, tally.label_counts, indices.tolist(), pair)):
        background, objects = majority, pair
    strokes: tuple[int, ...] = ()
    stroke_shares: dict[int, float] = {}
    stroke_void: int | None = None
    # a void band or a frame beside two strokes (PASCAL's 255 around scribbles; a frame of
    # any value, 128 as well) is ignored
    aside = frame if frame is not None else void
    if (not palette and not colour and ring is None and background is not None
            and len(objects) == 2 and (aside in (None, VOID_INDEX) or aside == frame)
            and per_value[background][0] >= UNLABELLED_MIN_SHARE * sum(
                entry[0] for entry in per_value.values())
            and all_strokes(tally.label_strokes, tally.label_counts, indices.tolist(),
                            objects)):
        # scribbles (one stroke the object, one the background, the rest unlabelled) or
        # thin structures of two classes: which stroke is the object only the user knows
        strokes = objects
        stroke_shares = {value: float(stroke_share(
            tally.label_strokes, tally.label_counts, indices.tolist(), value) or 0.0)
            for value in objects}
        # (the unlabelled majority the user ignores is the background of these readings)
        base = tuple(sorted({*unlabelled, *nodata, *ignored,
                             *(() if aside is None else (aside,))} - {background}))
        stroke_void, frame = aside, None
        first = 1 if 1 in objects else objects[0]
        second = next(value for value in objects if value != first)
        readings = tuple(MaskPolicy(foreground_values=(value,),
                                    ignore_values=tuple(sorted({*base, background})))
                         for value in (first, second)) + (
            MaskPolicy(foreground_values=objects, ignore_values=base),)
    # 0, 1 and 2 with 2 a thin ring round 1: consistent with contour-aware labels (.contours)
    skip_contour = strokes or palette or colour or nodata or ignored or two_level
    contour = None if skip_contour else contour_reading(
        [tally.mask_paths[index] for index in indices.tolist()
         if 2 in tally.label_counts.get(index, {})], set(per_value), background)
    if contour is not None:
        objects, void, ring, readings, frame = (1, 2), None, None, (), None
    # a value averaged into rims between two others: consistent with a bilinear resize
    rims = None if palette or colour else interpolation_rims(
        [tally.mask_paths[index] for index in indices.tolist()], sorted(per_value))
    if colour:
        ends = colormap_of([colour_rgb(value) for value in sorted(per_value)])
        if ends is not None:  # plt.imsave of a 0/1 mask: the colour at 0 is the background
            background = sorted(per_value)[ends[1]]
            objects = tuple(value for value in sorted(per_value) if value != background)
        proposal = _colour_proposal(list(per_value), objects)
    else:
        proposal = None if readings else _proposal(palette, background, void, objects,
                                                   unlabelled, (*nodata, *sorted(ignored)))
    if voc_grey is not None and len(objects) > 1:
        proposal = None  # VOC's classes (cat, person...): which is the object, the user says
    if two_level is not None:  # the palette rule would not make the top foreground
        proposal = MaskPolicy(foreground_values=(two_level,))
    values = sorted(per_value)
    # a proposal by values read only from these masks would empty the others (VisA: 0/3 raw
    # beside 0/255 rescaled): their object values join it, unless a label map holds them
    kept: tuple[int, ...] = ()
    kept_masks = 0
    if not colour:
        kept, kept_masks = tuple(sorted(two_level_set - set(per_value))), two_level_masks
        if kept:
            proposal = with_kept(proposal, kept)
            readings = tuple(with_kept(reading, kept) for reading in readings)
        else:
            kept, kept_masks = (), 0
    in_force = _classes(policy, values, scale, colour)
    proposed = (_classes(proposal, values, scale, colour) if proposal is not None
                else in_force)
    # stroke readings are the user's choice: a threshold that happens to read both strokes
    # as object (scribbles 0/128/255) has not made it
    chosen = readings if not strokes or policy.foreground_values else ()
    as_proposed = (proposal is not None and proposed == in_force) or any(
        _classes(reading, values, scale) == in_force for reading in chosen)
    # the band counted with the objects (a trimap's border with the pet): a reading of its own
    band_alternative = None if as_proposed or not policy.by_values or void != band else (
        band_with_objects(proposal, void, in_force, proposed))
    as_proposed = as_proposed or band_alternative is not None
    if as_proposed:
        proposal = None
    total = sum(entry[0] for entry in per_value.values())
    colours = [colour_rgb(value) for value in values] if colour else []
    brightest = [max(rgb) for rgb in colours]
    colormap = colormap_of(colours)
    counted = tally.counted_pixels()[indices]
    foreground = tally["foreground"][indices]
    nodata_share, image_nodata = nodata_image(
        tally, indices[tally["mask_nodata_pixels"][indices] > 0]) if nodata else (None, ())
    return LabelVerdict(
        indices=indices, masks_read=int(read.sum()), palette=palette, colour=colour,
        values=tuple(LabelValue(value, per_value[value][0], per_value[value][0] / total,
                                per_value[value][1], separating[value], in_force[value],
                                proposed[value]) for value in values),
        background=background, void=void, void_is_band=void is not None and void == band,
        ring=ring,
        objects=objects, unlabelled=unlabelled, proposal=proposal, readings=readings,
        one_class_in_force=bool(np.all((foreground == 0) | (foreground == counted))),
        shared_brightest=len(set(brightest)) < len(brightest),
        colormap=None if colormap is None else colormap[0],
        colormap_zero=None if colormap is None else values[colormap[1]],
        in_force_as_proposed=as_proposed, nodata=nodata, nodata_image_share=nodata_share,
        image_nodata=image_nodata, frame=frame, border=border,
        frame_image=None if frame is None else frame_image_evidence(
            tally.columns, [index for index in indices.tolist()
                            if frame in tally.label_counts.get(index, {})]),
        kept=kept if (proposal is not None or readings) else (),
        kept_masks=kept_masks if (proposal is not None or readings) else 0, strokes=strokes,
        stroke_share=stroke_shares, scribble_votes=tally.scribble_votes if strokes else (0, 0),
        stroke_void=stroke_void, contour=contour, rims=rims, two_level=two_level,
        band_alternative=band_alternative,
        instance_blues=colour and blues_number_instances(tally, indices),
        numbered_per_mask=not colour and numbered_per_mask(tally, indices, background, void),
        numbered_runs=not colour and numbered_per_mask(tally, indices, background, void,
                                                       first=None))


def one_value_files(tally: AuditTally, verdict: LabelVerdict) -> np.ndarray:
    """The read grey masks outside the verdict that hold one value alone, a value the label
    maps hold (an all-0 file beside {0, 2} maps): whatever a value policy proposed for the
    maps makes of that value, it makes of the whole file, so such files are counted with the
    maps under the proposal (empty ones are empty masks there). Colour masks are left out:
    their stored plane is no colour code."""
    if verdict.colour:
        return np.zeros(0, dtype=np.int64)
    held = {entry.value for entry in verdict.values}
    lone = np.flatnonzero(tally["mask_read"] & ~tally.mask_is_picture()
                          & (tally["distinct_values"] == 1))
    return np.array([index for index in np.setdiff1d(lone, verdict.indices).tolist()
                     if not tally.encodings[tally.encoding_ids[index]].is_colour
                     and len(tally.label_counts.get(index, {})) == 1
                     and next(iter(tally.label_counts[index])) in held], dtype=np.int64)


def counts_under(tally: AuditTally, verdict: LabelVerdict, policy: MaskPolicy,
                 indices: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(foreground, counted pixels)`` of each label-map mask (or of the masks at
    ``indices``, whose values the maps hold) under ``policy``, from the value counts kept
    while reading (no file is read again)."""
    indices = verdict.indices if indices is None else indices
    scale, colour = _scale_of(tally, verdict.indices)
    classes = _classes(policy, [entry.value for entry in verdict.values], scale, colour)
    foreground = np.zeros(indices.size, dtype=np.int64)
    counted = np.zeros(indices.size, dtype=np.int64)
    for position, index in enumerate(indices.tolist()):
        for value, count in tally.label_counts.get(index, {}).items():
            kind = classes[value]
            foreground[position] += count if kind == "foreground" else 0
            counted[position] += 0 if kind == "ignored" else count
    return foreground, counted
