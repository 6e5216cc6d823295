"""What the label-map verdict reads beside the label maps' own value counts: the no-data
values the masks declare (GDAL_NODATA) and what their images hold there, and the object values
of the other masks (two levels the policy in force splits, as VisA's 0/255 beside its raw 0/3)
that a proposal by values must name too, and the values on the masks' outer ring (where the
background is told). Moved out of :mod:`unetdiag.diag.audit.labels`, unchanged.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.data.policy import MaskPolicy

if TYPE_CHECKING:  # label_verdict imports this module
    from unetdiag.diag.audit.label_verdict import LabelVerdict

#: A value holding at least this share of the label maps' outer-border pixels (one pixel wide,
#: void, no-data and frame values left out) is the background, whatever the pixel shares: the
#: background surrounds the objects (an Oxford-IIIT Pet close-up's animal may outweigh it).
BORDER_BACKGROUND_SHARE = 0.6


def declared_nodata(tally: AuditTally, indices: np.ndarray) -> tuple[int, ...]:
    """Values that every label-map mask holding them declares as its no-data value."""
    declared = tally["mask_nodata_declared"]
    stated = tally["mask_nodata"]
    holders: dict[int, bool] = {}
    for index in indices.tolist():
        for value in tally.label_counts.get(index, {}):
            holders[value] = holders.get(value, True) and bool(
                declared[index] and stated[index] == value)
    return tuple(sorted(value for value, every in holders.items() if every))


def nodata_image(tally: AuditTally, indices: np.ndarray
                  ) -> tuple[float | None, tuple[float, ...]]:
    """The smallest share of no-data pixels where the image holds its own no-data value,
    over the masks where it was measured, and the values those images declare."""
    shares = tally["mask_nodata_image_share"][indices]
    measured = np.isfinite(shares)
    if not measured.any():
        return None, ()
    values = tally["image_nodata"][indices[measured]]
    return float(shares[measured].min()), tuple(sorted({float(v) for v in values.tolist()}))


def one_class_maps(tally: AuditTally, labels: np.ndarray) -> np.ndarray:
    """The read masks that are no label maps, hold one value alone that the label maps
    ``labels`` hold too, and decode whole as object: a map of one class (an empty file
    stored all 1 beside {1, 2} maps). Their own scale reads them so whatever that value
    means in the maps; read with the maps, the proposal reads them alike. (Masks that
    decode empty are left as they are: empty under any reading that keeps their value
    background.)"""
    held = {value for index in labels.tolist() for value in tally.label_counts.get(index, {})}
    lone = np.flatnonzero(tally["mask_read"] & ~tally["label_map"] & ~tally.mask_is_picture()
                          & (tally["distinct_values"] == 1) & (tally["foreground"] > 0))
    return np.array([index for index in lone.tolist()
                     if len(tally.label_counts.get(index, {})) == 1
                     and next(iter(tally.label_counts[index])) in held], dtype=np.int64)


def two_level_objects(tally: AuditTally, labels: np.ndarray, policy: MaskPolicy
                       ) -> tuple[set[int], int]:
    """The object values of the read masks that are no label maps but hold two levels the
    policy in force splits (the value of each holding its decoded foreground), and how
    many such masks there are."""
    others = np.flatnonzero(tally["mask_read"] & ~tally.mask_is_picture())
    values: set[int] = set()
    masks = 0
    for index in np.setdiff1d(others, labels).tolist():
        counts = {value: count for value, count in tally.label_counts.get(index, {}).items()
                  if value not in policy.ignore_values}
        foreground = int(tally["foreground"][index])
        held = [value for value, count in counts.items() if count == foreground]
        if len(counts) == 2 and foreground > 0 and len(held) == 1:
            values.add(held[0])
            masks += 1
    return values, masks


def with_kept(reading: MaskPolicy | None, kept: tuple[int, ...]) -> MaskPolicy | None:
    """``reading`` naming the other masks' object values too (it is by values)."""
    if reading is None or not kept or not reading.foreground_values:
        return reading
    return MaskPolicy(foreground_values=tuple(sorted({*reading.foreground_values, *kept})),
                      ignore_values=reading.ignore_values)


def border_value(values: dict[int, list[int]], border: dict[int, int]) -> int | None:
    """The value among ``values`` holding :data:`BORDER_BACKGROUND_SHARE` of their border
    pixels, or None."""
    total = sum(border.get(value, 0) for value in values)
    if total == 0:
        return None
    top = max(values, key=lambda value: border.get(value, 0))
    return top if border.get(top, 0) >= BORDER_BACKGROUND_SHARE * total else None


def border_share(verdict_border: dict[int, int], value: int, left_out: set[int]) -> float:
    """``value``'s share of the border pixels of the values not in ``left_out``."""
    total = sum(count for key, count in verdict_border.items() if key not in left_out)
    return verdict_border.get(value, 0) / total if total else 0.0


def border_totals(tally: AuditTally, indices: np.ndarray) -> dict[int, int]:
    """Pixels per value on the outer ring of these masks, summed."""
    totals: Counter = Counter()
    for index in indices.tolist():
        totals.update(tally.label_border.get(index, {}))
    return dict(totals)



#: Class maps hold most of their values in at least this share of the masks (CamVid's road,
#: sky, building in every frame); instance numbers past the fewest objects a file holds are
#: held by fewer...
CLASS_MASKS_HOLDING = 0.5
#: ...and those classes cover very different shares of their masks (road against sign), where
#: instance numbers, each a different object from file to file, cover about the same.
CLASS_SHARE_RATIO = 10.0


def repeated_classes(verdict: LabelVerdict) -> bool:
    """The label maps' object values repeat across the files as classes do: most of them are
    held by :data:`CLASS_MASKS_HOLDING` of the masks, and those cover shares of the masks
    holding them :data:`CLASS_SHARE_RATIO` times apart or more (CamVid's 0..11), unlike
    numbers of objects, which vary per file."""
    entries = [entry for entry in verdict.values if entry.value in verdict.objects]
    repeated = [entry.share / entry.masks for entry in entries
                if entry.masks and entry.masks >= CLASS_MASKS_HOLDING * verdict.masks]
    return (len(repeated) >= 2 and 2 * len(repeated) > len(entries)
            and max(repeated) >= CLASS_SHARE_RATIO * max(min(repeated), 1e-12))


def band_with_objects(proposal: MaskPolicy | None, band: int | None,
                      in_force: dict[int, str], proposed: dict[int, str]) -> MaskPolicy | None:
    """``proposal`` when the policy in force reads every value as it would but the void
    ``band``, which it counts with the objects (--foreground-values 1,3 on Pet trimaps: the
    border with the pet), where the proposal ignores it; None otherwise."""
    if (proposal is None or band is None or in_force[band] != "foreground"
            or proposed[band] != "ignored"):
        return None
    same = all(in_force[value] == proposed[value] for value in in_force if value != band)
    return proposal if same else None


def blues_number_instances(tally: AuditTally, indices: np.ndarray) -> bool:
    """Colour label maps whose blue numbers object instances as ADE20K's does: within each
    mask, no blue value is held by colours of two classes (class = R / 10 * 256 + G; class 0,
    the unlabelled pixels, left out), and some class is held by two colours (two instances)
    in one mask. A palette reuses its channel levels across classes (cyan (0, 255, 255) and
    azure (0, 128, 255) share a blue of 255); instance numbers are one per object."""
    several = False
    for index in indices.tolist():
        classes_of: dict[int, set[int]] = {}
        for code in tally.label_counts.get(index, {}):
            red, green, blue = (code >> 16) & 0xFF, (code >> 8) & 0xFF, code & 0xFF
            number = red // 10 * 256 + green
            if number:
                classes_of.setdefault(blue, set()).add(number)
        if any(len(numbers) > 1 for numbers in classes_of.values()):
            return False
        held = Counter(number for numbers in classes_of.values() for number in numbers)
        several = several or any(count > 1 for count in held.values())
    return several


#: Fewest object numbers the fullest mask must hold for per-mask numbering to be told.
MIN_NUMBERED_PER_MASK = 3


def numbered_per_mask(tally: AuditTally, indices: np.ndarray, background: int | None,
                      void: int | None, first: int | None = 1) -> bool:
    """Every label-map mask numbers its object values ``first`` .. ``first`` + k - 1 with no
    gap (the background and the void left out), k differing between masks and reaching
    :data:`MIN_NUMBERED_PER_MASK`: the numbering of instance maps (PASCAL VOC's and CVAT's
    SegmentationObject: objects 1, 2, 3 .. in each image; ``first=None``: any first number
    the masks share, as in instance maps numbered from an offset, 70,001 ..). A fixed set of
    classes leaves gaps (a street scene of classes 7, 11 and 26) or holds the same values in
    every mask."""
    counts = set()
    firsts = set()
    for index in indices.tolist():
        held = set(tally.label_counts.get(index, {})) - {background, void}
        start = min(held, default=1) if first is None else first
        if not held or held != set(range(start, start + len(held))):
            return False
        counts.add(len(held))
        firsts.add(start)
    return len(firsts) == 1 and len(counts) > 1 and max(counts) >= MIN_NUMBERED_PER_MASK
