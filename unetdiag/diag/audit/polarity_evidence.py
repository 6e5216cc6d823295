"""Where the background lies in masks that are mostly foreground: the evidence that decides
whether ``imbalance.mostly_foreground`` may speak of inverted polarity (issue 14: polarity in
the headline only on dataset-wide evidence).

Objects stored as background (inverted polarity) lie inside the image, surrounded by what then
reads as foreground, or spread through it (a thin network such as ISBI 2012's membranes); the
background round a large object (a lesion close-up, a car filling the frame, a large polyp)
gathers along the image's border. Measured on the 16x16 thumbnails the audit keeps of every
decoded mask (:mod:`unetdiag.diag.audit.thumbnails`): the share of what reads as background
lying in the outer ring of cells, a band of 60 of the 256 cells (23.4 % of the image). The
rest of the frame beside a large object entering from one side (a road, a car or a polyp
filling all but a strip) puts as little in the band as objects inside the image do, but it
covers that side's edge, which objects stored as background do not: such a mask is no
evidence of inverted polarity (:data:`LINED_SIDE`).

The thresholds below were set from imitations of both kinds (docs/real-data.md).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE
from unetdiag.diag.checks.masks import MOSTLY_FOREGROUND_FRACTION
from unetdiag.diag.data.reading import UINT8_MAX

#: The outer ring of thumbnail cells: the image's outer sixteenth on each side.
_BAND = np.zeros((THUMBNAIL_SIDE, THUMBNAIL_SIDE), dtype=bool)
_BAND[0, :] = _BAND[-1, :] = _BAND[:, 0] = _BAND[:, -1] = True
#: The band's share of the image (60 of 256 cells): the share of a background spread evenly.
BAND_SHARE = float(_BAND.mean())
#: At least this share of the background in the band: gathered along the border, as round a
#: large object (about twice an even spread; the large-object sets measured 0.51 and up).
GATHERED_SHARE = 0.45
#: At most this share in the band: inside the image or spread through it, as objects read as
#: background are (the inverted sets measured up to 0.38 at their 90th percentile, most
#: under 0.3).
INSIDE_SHARE = 0.3

#: At least this share of one side's edge cells reading as background: the background lines
#: that side, as the rest of the frame beside a large object entering from it does (a strip of
#: a share t of the image puts only 0.125 + 14/(256 t) of itself in the band: 0.26 at t = 0.4,
#: as little as objects inside the image). Objects stored as background covered at most 5 %
#: of a side (DRIVE inverted), 34 % (ISBI 2012 as published), 38 % (small objects cut by the
#: edges); strips along one side 100 % (docs/real-data.md).
LINED_SIDE = 0.5

Verdict = Literal["large objects", "objects as background", "undecided", "unmeasured"]


def background_in_band(thumbnails: np.ndarray) -> np.ndarray:
    """Per ``(masks, 256)`` thumbnail, the share of its background lying in the outer band
    (NaN for a thumbnail with no background)."""
    background = UINT8_MAX - thumbnails.reshape(len(thumbnails), _BAND.size).astype(np.float64)
    total = background.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = background[:, _BAND.ravel()].sum(axis=1) / total
    share[total == 0] = np.nan
    return share


def background_lining_a_side(thumbnails: np.ndarray) -> np.ndarray:
    """Per ``(masks, 256)`` thumbnail, the largest share of one side's edge cells (a row or
    column of 16) that reads as background."""
    side = THUMBNAIL_SIDE
    background = (UINT8_MAX - thumbnails.reshape(len(thumbnails), side, side).astype(
        np.float64)) / UINT8_MAX
    edges = np.stack([background[:, 0, :], background[:, -1, :], background[:, :, 0],
                      background[:, :, -1]], axis=1)
    return edges.mean(axis=2).max(axis=1)


def background_placement(tally: AuditTally, read: np.ndarray) -> dict | None:
    """:func:`placement_of_masks` over the audit's records (``read``: a boolean mask of
    pairs)."""
    small = np.minimum(tally["mask_width"], tally["mask_height"]) < THUMBNAIL_SIDE
    return placement_of_masks(tally.mask_thumbnails, tally.foreground_share(), read,
                              tally["ignored"] > 0, small)


def placement_of_masks(thumbnails: np.ndarray, share: np.ndarray, read: np.ndarray,
                       ignored: np.ndarray, small: np.ndarray) -> dict | None:
    """Per mask (aligned arrays): its ``(256,)`` thumbnail, its foreground share, whether it
    was ``read``, holds ``ignored`` pixels, is ``small`` (under 16 pixels on a side). Over the
    mostly-foreground masks among those read, where their
    background lies: counts gathered along the border, inside (little in the band, lining no
    side) and lining a side (as little in the band, but half of one side's edge or more), the
    median share in the band, and the verdict (a majority of the masks measured and of those
    left unmeasured together: a few measured masks decide nothing for the set). Verdict
    ``"unmeasured"`` when every such mask holds ignored pixels, which the thumbnails count as
    background, or is under 16 pixels on a side, where the band is less than a pixel and a
    border pixel's background reads as inside (nothing then tells where the background lies);
    None when there is no such mask or none with background in its thumbnail."""
    with np.errstate(invalid="ignore"):
        candidates = read & (share > MOSTLY_FOREGROUND_FRACTION)
    mostly = candidates & ~ignored & ~small
    if not mostly.any():
        return ({"measured": 0, "with_ignored_pixels": int(np.count_nonzero(candidates & ignored)),
                 "under_16_px": int(np.count_nonzero(candidates & small)),
                 "masks": int(np.count_nonzero(candidates)), "verdict": "unmeasured"}
                if candidates.any() else None)
    thumbnails = thumbnails[mostly]
    in_band = background_in_band(thumbnails)
    finite = np.isfinite(in_band)
    in_band, lined = in_band[finite], background_lining_a_side(thumbnails[finite]) >= LINED_SIDE
    if not in_band.size:
        return None
    gathered = int(np.count_nonzero(in_band >= GATHERED_SHARE))
    little_in_band = in_band <= INSIDE_SHARE
    inside = int(np.count_nonzero(little_in_band & ~lined))
    lining = int(np.count_nonzero(little_in_band & lined))
    measured = int(in_band.size)
    not_measured = int(np.count_nonzero(candidates & (ignored | small)))
    total = measured + not_measured
    verdict: Verdict = ("large objects" if 2 * gathered > total else
                        "objects as background" if 2 * inside > total else "undecided")
    return {"measured": measured, "gathered_at_border": gathered, "inside": inside,
            "lining_a_side": lining, "not_measured": not_measured,
            "median_share_in_band": float(np.median(in_band)), "band_share": BAND_SHARE,
            "gathered_share": GATHERED_SHARE, "inside_share": INSIDE_SHARE,
            "lined_side": LINED_SIDE, "verdict": verdict}
