"""Where the background lies in masks that are mostly foreground: the evidence that decides
whether ``imbalance.mostly_foreground`` may speak of inverted polarity (issue 14: polarity in
the headline only on dataset-wide evidence).

Objects stored as background (inverted polarity) lie inside the image, surrounded by what then
reads as foreground, or spread through it (a thin network such as ISBI 2012's membranes); the
background round a large object (a lesion close-up, a car filling the frame, a large polyp)
gathers along the image's border. Measured on the 16x16 thumbnails the audit keeps of every
decoded mask (:mod:`unetdiag.diag.audit.thumbnails`): the share of what reads as background
lying in the outer ring of cells, a band of 60 of the 256 cells (23.4 % of the image).

Measured in session 32 on imitations (docs/real-data.md), the median of that share
per set: lesion close-ups 55-95 % foreground 0.65 (tenth percentile 0.51), 80-95 % 0.74 (0.67),
cars filling the frame 0.57 (0.55), large polyps touching the border 0.69 (0.58); DRIVE's
vessels inverted 0.02 (90th percentile 0.03), the catalogue's inverted cells 0.16 (0.32), 20
inverted cells cut by the edges 0.21 (0.27), 3 inverted cells 0.13 (0.38), ISBI 2012's masks
as published (membranes dark) 0.22 (0.25).
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

Verdict = Literal["large objects", "objects as background", "undecided"]


def background_in_band(thumbnails: np.ndarray) -> np.ndarray:
    """Per ``(masks, 256)`` thumbnail, the share of its background lying in the outer band
    (NaN for a thumbnail with no background)."""
    background = UINT8_MAX - thumbnails.reshape(len(thumbnails), _BAND.size).astype(np.float64)
    total = background.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = background[:, _BAND.ravel()].sum(axis=1) / total
    share[total == 0] = np.nan
    return share


def background_placement(tally: AuditTally, read: np.ndarray) -> dict | None:
    """Over the mostly-foreground masks among ``read`` (a boolean mask of pairs), where their
    background lies: counts gathered along the border and inside, the median share in the
    band, and the verdict (a majority of the masks measured). None when no such mask can be
    measured (no background in its thumbnail, or ignored pixels, which the thumbnails count
    as background)."""
    share = tally.foreground_share()
    with np.errstate(invalid="ignore"):
        mostly = read & (share > MOSTLY_FOREGROUND_FRACTION) & (tally["ignored"] == 0)
    if not mostly.any():
        return None
    in_band = background_in_band(tally.mask_thumbnails[mostly])
    in_band = in_band[np.isfinite(in_band)]
    if not in_band.size:
        return None
    gathered = int(np.count_nonzero(in_band >= GATHERED_SHARE))
    inside = int(np.count_nonzero(in_band <= INSIDE_SHARE))
    measured = int(in_band.size)
    verdict: Verdict = ("large objects" if 2 * gathered > measured else
                        "objects as background" if 2 * inside > measured else "undecided")
    return {"measured": measured, "gathered_at_border": gathered, "inside": inside,
            "median_share_in_band": float(np.median(in_band)), "band_share": BAND_SHARE,
            "gathered_share": GATHERED_SHARE, "inside_share": INSIDE_SHARE,
            "verdict": verdict}
