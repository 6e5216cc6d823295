"""What the label-map verdict reads beside the label maps' own value counts: the no-data
values the masks declare (GDAL_NODATA) and what their images hold there, and the object values
of the other masks (two levels the policy in force splits, as VisA's 0/255 beside its raw 0/3)
that a proposal by values must name too, and the values on the masks' outer ring (where the
background is told). Moved out of :mod:`unetdiag.diag.audit.labels`, unchanged.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.data.policy import MaskPolicy

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
