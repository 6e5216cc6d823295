"""Do the pictures back a ``<subject>_<n>`` reading? Views, slices and frames taken in order.

Names alone cannot tell a subject from a class: ``class03_001`` .. ``class03_050`` (many Kaggle
sets number their classes) are numbered exactly as a patient's slices or a car's views are,
and a split by file leaks nothing between independent images of one class. The pictures can
tell: slices of one volume, frames of one video and Carvana's views round one car change a
little from one number to the next, so two images next to each other in their prefix's
order (numbers 7 and 8; CamVid's frames 006690 and 006720, every 30th) are more alike than
two of the same prefix apart. Independent images numbered within their class
are not: an adjacent pair is the more alike of an adjacent and a non-adjacent pair half the
time.

Measured on the 16x16 grey thumbnails the audit keeps per pair (correlation, each thumbnail
centred), within the prefixes of at least :data:`MIN_JUDGED_VIEWS` images: the share of
(adjacent pair, non-adjacent pair) comparisons the adjacent pair wins (ties count half; the
area under the ROC curve). Not the nearest image alone: a volume's slices either side of its
middle, or a car's left and right sides, may be each other's nearest without the order being
any less real. The reading is backed at :data:`BACKED_SHARE` or more, not backed below it,
undecided with fewer than :data:`MIN_ADJACENT_PAIRS` adjacent pairs.

>>> import numpy as np
>>> ramp = np.linspace(0, 1, 256)
>>> stems = [f"p{s}_{v}" for s in range(3) for v in range(1, 9)]
>>> thumbs = np.array([np.roll(ramp * 200, 9 * v + 50 * s) for s in range(3) for v in range(8)])
>>> order = ordered_views(stems, {stem: stem.split("_")[0] for stem in stems}, thumbs)
>>> order.adjacent_pairs, round(order.adjacent_wins, 2), order.backed
(21, 1.0, True)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Fewest images of a prefix judged (its adjacent pairs need non-adjacent ones to beat).
MIN_JUDGED_VIEWS = 5
#: Fewest adjacent pairs over all prefixes for a verdict either way.
MIN_ADJACENT_PAIRS = 12
#: Share of comparisons adjacent pairs must win (independent images: 0.5; ordered views and
#: slices: 0.9 and more on the imitations).
BACKED_SHARE = 0.75
_NUMBER = re.compile(r"[_-]([0-9]+)$")


@dataclass(frozen=True)
class ViewOrder:
    """What the thumbnails say of a ``<subject>_<n>`` reading.

    Attributes:
        judged: images in prefixes of at least :data:`MIN_JUDGED_VIEWS` with a thumbnail.
        adjacent_pairs: pairs of them next to each other in one prefix's order (or the
            ``step`` apart :func:`ordered_views` was given).
        adjacent_wins: the share of (adjacent pair, pair of the same prefix further apart)
            comparisons in which the adjacent pair is the more alike (ties half).
    """

    judged: int
    adjacent_pairs: int
    adjacent_wins: float

    @property
    def decided(self) -> bool:
        return self.adjacent_pairs >= MIN_ADJACENT_PAIRS

    @property
    def backed(self) -> bool:
        return self.decided and self.adjacent_wins >= BACKED_SHARE


def ordered_views(stems: Sequence[str], subject_of: Mapping[str, str],
                  thumbnails: np.ndarray, usable: Sequence[bool] | None = None,
                  step: int = 1) -> ViewOrder:
    """The :class:`ViewOrder` of the stems' prefixes (``thumbnails``: one row per stem, in
    order; ``usable``: the stems whose image was read). With ``step`` 2, pairs two apart in
    their prefix's order against pairs further apart: a video's frames change little by
    little, so frames two apart still win; a patient's two or three scans in a row do not."""
    members: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for index, stem in enumerate(stems):
        match = _NUMBER.search(stem)
        if match is not None and (usable is None or usable[index]):
            members[subject_of[stem]].append((int(match[1]), index))
    judged = adjacent_pairs = 0
    wins = comparisons = 0.0
    for held in members.values():
        if len(held) < MIN_JUDGED_VIEWS:
            continue
        held.sort()  # next in each prefix's order: frames every 30th (CamVid) are next too
        rows = thumbnails[[index for _, index in held]].astype(np.float64)
        rows -= rows.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(rows, axis=1)
        rows /= np.where(norms > 0, norms, 1.0)[:, None]
        first, second = np.triu_indices(len(held), 1)
        likeness = np.einsum("ij,ij->i", rows[first], rows[second])
        distance = second - first
        adjacent, further = distance == step, distance > step
        if not adjacent.any() or not further.any():
            continue
        near, apart = np.sort(likeness[adjacent]), np.sort(likeness[further])
        below = np.searchsorted(apart, near, side="left")
        ties = np.searchsorted(apart, near, side="right") - below
        wins += float(below.sum() + 0.5 * ties.sum())
        comparisons += float(near.size * apart.size)
        adjacent_pairs += int(near.size)
        judged += len(held)
    return ViewOrder(judged, adjacent_pairs, wins / comparisons if comparisons else 0.5)
