"""The label-map verdict's data: :class:`LabelVerdict`, what the label-map masks of a dataset
hold and how to read them, and :class:`LabelValue`, one stored value over them. Numbers and
value classes only; :mod:`unetdiag.diag.audit.labels` judges them, and
:mod:`unetdiag.diag.audit.label_findings` words them. Moved out of
:mod:`unetdiag.diag.audit.labels`, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unetdiag.diag.audit.contours import contour_choice
from unetdiag.diag.audit.label_context import repeated_classes
from unetdiag.diag.audit.voc_grey import verdict_voc_grey
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.rules import ValueClass

#: The evidence lists at most this many values (an instance label image holds thousands;
#: ``value_count`` says how many there are).
LISTED_LABEL_VALUES = 64
#: Gray label maps with more object values than this are multi-class maps: no foreground is
#: proposed for them.
MAX_PROPOSED_OBJECT_VALUES = 3


@dataclass(frozen=True)
class LabelValue:
    """One stored value over the dataset's label-map masks.

    Attributes:
        value: the stored value.
        pixels: pixels holding it.
        share: its share of the label-map masks' pixels.
        masks: label-map masks holding it.
        separating_masks: masks in which every boundary between the other values passes
            through it.
        in_force: what the policy in force makes of it.
        proposed: what the proposed policy makes of it (``in_force`` when there is none).
    """

    value: int
    pixels: int
    share: float
    masks: int
    separating_masks: int
    in_force: ValueClass
    proposed: ValueClass

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "pixels": self.pixels, "share": self.share,
                "masks": self.masks, "separating_masks": self.separating_masks,
                "in_force": self.in_force, "proposed": self.proposed}


@dataclass(frozen=True)
class LabelVerdict:
    """What the label-map masks of a dataset hold and how to read them.

    Attributes:
        indices: the pairs whose masks are label maps.
        masks_read: every mask read.
        palette: the label maps are palette images (indices), not gray levels.
        colour: the label maps are colour-coded: values are colour codes.
        values: every value held, in order.
        background: the value taken as background (None when none can be told).
        void: the void or border value (None when there is none).
        void_is_band: the void separates the other values (a band along outlines), rather
            than being palette index 255 alone.
        ring: the value that separates the objects from the background and holds at least
            their pixels: a region round them, not a void (None when there is none).
        objects: the remaining values but the ring and the negative ones.
        unlabelled: negative values (proposed as ignored: "unlabelled" by convention).
        proposal: the proposed policy (None: none can be proposed, the data admit several
            ``readings``, or the policy in force already reads the values so).
        readings: with a ring, the policies of the outer structure (objects and ring) and of
            the inner one (the objects); empty otherwise.
        one_class_in_force: the policy in force decodes every label map to a single class.
        shared_brightest: colour label maps in which two colours have the same brightest
            channel: the decoder cannot tell them apart.
        colormap: the matplotlib colormap whose two ends the two colours are (None: not two
            colours, or no known colormap).
        colormap_zero: the colour (code) that is that colormap's colour at 0.
        in_force_as_proposed: a policy could be proposed (or readings stated) and the policy
            in force reads every value as it (or one of them) would.
        nodata: values every mask holding them declares as its no-data value (GDAL_NODATA).
        nodata_image_share: over the masks holding a no-data value whose image declares one
            too, the smallest share of the no-data pixels at which the image holds its own
            no-data value in every band (None: not measured).
        image_nodata: the no-data values those images declare.
        frame: a value far above the class numbers that forms one region touching the border
            in every mask holding it (no-data outside a footprint, or an object cut by the
            edge); the two ``readings`` are then "ignored" and "object" (None: no such value).
        frame_image: what the images hold under it
            (:func:`~unetdiag.diag.audit.borders.frame_image_evidence`; None: not measured).
        border: pixels per value on the label maps' outer rings, summed.
        kept: the object values of the other masks (two levels the policy in force splits,
            as VisA's 0/255 beside its raw 0/3), added to the proposal so that it reads them
            too; ``kept_masks`` such masks.
        strokes: two object values drawn as strokes (readings, no proposal); ``stroke_share``
            their pixels' share in stroke pieces, ``scribble_votes`` the tally's, and
            ``stroke_void`` a 255 beside them ignored in every reading (:mod:`.strokes`).
        two_level: the masks hold 0 and this top of their scale only, with nothing that makes
            them classes: binary masks read as one class (:mod:`.two_levels`); None otherwise.
        band_alternative: the policy in force reads the void band as object, all else as the
            proposal (Pet trimaps, --foreground-values 1,3): no proposal; this ignores it.
        instance_blues: colour maps whose blue numbers instances as ADE20K's does, one blue
            per object in each mask (:func:`~.label_context.blues_number_instances`).
        numbered_per_mask: every mask numbers its objects 1 .. k with no gap, k differing
            between masks, as instance maps do (:func:`~.label_context.numbered_per_mask`).
        numbered_runs: every mask numbers its objects n .. n + k - 1 with no gap from a first
            number n they share (1, or an offset such as 70,001), k differing between masks.
    """

    indices: np.ndarray
    masks_read: int
    palette: bool
    colour: bool
    values: tuple[LabelValue, ...]
    background: int | None
    void: int | None
    void_is_band: bool
    ring: int | None
    objects: tuple[int, ...]
    unlabelled: tuple[int, ...]
    proposal: MaskPolicy | None
    readings: tuple[MaskPolicy, ...]
    one_class_in_force: bool
    shared_brightest: bool = False
    colormap: str | None = None
    colormap_zero: int | None = None
    in_force_as_proposed: bool = False
    nodata: tuple[int, ...] = ()
    nodata_image_share: float | None = None
    image_nodata: tuple[float, ...] = ()
    frame: int | None = None
    frame_image: dict[str, Any] | None = None
    border: dict[int, int] = field(default_factory=dict)
    kept: tuple[int, ...] = ()
    kept_masks: int = 0
    strokes: tuple[int, ...] = ()
    stroke_share: dict[int, float] = field(default_factory=dict)
    scribble_votes: tuple[int, int] = (0, 0)
    stroke_void: int | None = None
    contour: dict[str, Any] | None = None
    rims: dict[str, Any] | None = None
    two_level: int | None = None
    band_alternative: MaskPolicy | None = None
    instance_blues: bool = False
    numbered_per_mask: bool = False
    numbered_runs: bool = False

    @property
    def masks(self) -> int:
        return int(self.indices.size)

    def value(self, number: int) -> LabelValue:
        return next(entry for entry in self.values if entry.value == number)

    @property
    def decoded_is_no_reading(self) -> bool:
        """Two stroke values got readings and the policy in force reads the masks as none of
        them: the foreground decoded now is no reading's (the unlabelled majority, a void
        band), so what is measured of it (its shapes, its sameness, the scores of a constant
        model) is left out of the report (``run.NO_READING_FINDINGS``)."""
        return bool(self.strokes and self.readings and not self.in_force_as_proposed)

    @property
    def decoded_is_void_band(self) -> bool:
        """The policy in force reads the void band alone as foreground, and the proposal
        ignores it (PASCAL VOC's 255 drawn round each object of class 1, which the midpoint
        reads as background): the foreground decoded now is the band, no object's."""
        return bool(self.void is not None and self.void_is_band and self.proposal is not None
                    and self.void in self.proposal.ignore_values
                    and not self.in_force_as_proposed
                    and all((entry.in_force == "foreground") == (entry.value == self.void)
                            for entry in self.values))

    @property
    def multi_class(self) -> bool:
        """More object values than a foreground can be proposed for."""
        return (not self.palette and not self.colour and not self.strokes
                and (several_classes(self.background, self.objects)
                     or (len(self.objects) > 1 and verdict_voc_grey(self) is not None)))

    @property
    def numbered_objects_possible(self) -> bool:
        """Many values on a background of 0: classes, or one number per object (an instance
        label image), which the values alone cannot tell apart; not values that repeat across
        the files as classes do (:func:`.label_context.repeated_classes`), unless each mask
        numbers them as a gapless run of its own length (:attr:`numbered_runs`): instance
        maps numbered 1 .. k in every file repeat their first numbers as classes would."""
        return (self.multi_class and self.background == 0
                and (self.numbered_runs or not repeated_classes(self))
                and verdict_voc_grey(self) is None)

    def to_evidence(self) -> dict[str, Any]:
        return {"label_map_masks": self.masks, "masks_read": self.masks_read,
                "palette": self.palette, "colour": self.colour,
                "values": [entry.to_dict() for entry in self.values[:LISTED_LABEL_VALUES]],
                "value_count": len(self.values),
                "background": self.background, "void": self.void,
                "void_is_band": self.void_is_band, "ring": self.ring,
                "objects": list(self.objects[:LISTED_LABEL_VALUES]),
                "unlabelled": list(self.unlabelled),
                "proposed_policy": None if self.proposal is None else self.proposal.to_dict(),
                "proposed_flags": None if self.proposal is None else self.proposal.flags(),
                "reading_flags": [reading.flags() for reading in self.readings],
                "one_class_in_force": self.one_class_in_force,
                "shared_brightest": self.shared_brightest, "colormap": self.colormap,
                "colormap_zero": self.colormap_zero,
                "in_force_as_proposed": self.in_force_as_proposed,
                "nodata": list(self.nodata), "nodata_image_share": self.nodata_image_share,
                "frame": self.frame, "frame_image": self.frame_image,
                "border_pixels": {str(key): count for key, count
                                  in sorted(self.border.items())[:LISTED_LABEL_VALUES]},
                "image_nodata": [float(value) for value in self.image_nodata],
                "kept_values": list(self.kept), "kept_masks": self.kept_masks,
                "stroke_values": list(self.strokes),
                "stroke_pixel_shares": {str(key): share for key, share
                                        in self.stroke_share.items()},
                "scribble_masks": self.scribble_votes[0],
                "scribble_candidates": self.scribble_votes[1],
                "stroke_void": self.stroke_void, "contour": self.contour,
                "contour_choice": None if self.contour is None else contour_choice(),
                "interpolation_rims": self.rims,
                "two_level": self.two_level, "numbered_runs": self.numbered_runs,
                "band_alternative_flags": None if self.band_alternative is None
                else self.band_alternative.flags()}


def several_classes(background: int | None, objects: tuple[int, ...]) -> bool:
    """No object can be proposed: more object values than :data:`MAX_PROPOSED_OBJECT_VALUES`,
    or several on a background that is only the commonest value. On 0, a few values are
    parts of one structure by the common convention (BraTS, KiTS, LiTS: their union is the
    whole tumour or organ); on a commonest value such as Cityscapes' road (7), the others
    are scene classes (ego vehicle 1, sky 23, car 26) whose union is no object."""
    return (len(objects) > MAX_PROPOSED_OBJECT_VALUES
            or (background not in (0, None) and len(objects) > 1))
