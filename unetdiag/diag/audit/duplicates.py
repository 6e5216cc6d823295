"""Exact and near-duplicate images, and which of them straddle the train/validation split.

*Exact* duplicates share a content hash of their decoded pixels (so a PNG and a TIFF of the
same pixels match; a re-encoded JPEG does not). *Near* duplicates are found on 16x16 grey
thumbnails: each is normalised (zero mean, unit norm), the dataset's mean thumbnail is
subtracted, and two images whose remainders correlate at :data:`NEAR_DUPLICATE_CORRELATION`
or more are near-duplicates.

Why not a 64-bit dHash with a Hamming threshold: on DRIVE every fundus photograph shares the
same bright disc on black, and different patients' images differ by only 1 to 6 bits of 64,
as little as a 1-pixel-shifted noisy copy does. What two images share *beyond the dataset's
common look* separates them: measured at 16x16, the closest different images correlate at
0.91 (DRIVE), 0.73 (ISBI 2012 neighbouring slices) and 0.79 (the embedded set), and 1-pixel
shifted noisy copies at 0.986 or more. The search is an all-pairs product in blocks: about
20 ms for 2000 images, 0.3 s for 7400. It needs three or more images, and a dataset made only
of frames of one scene has no common look to remove (its exact copies are still found).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> thumbs = rng.integers(0, 256, (6, 256)).astype(np.uint8)
>>> thumbs[5] = np.clip(thumbs[0].astype(int) + rng.integers(-3, 4, 256), 0, 255)
>>> near_duplicate_pairs(thumbs, np.ones(6, bool))[0].tolist()
[[0, 5]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from unetdiag.diag.data.reading import ImageReadError, load_mask_values

#: Remainders (after removing the dataset's mean thumbnail) correlating at least this much.
NEAR_DUPLICATE_CORRELATION = 0.95
#: Rows and columns of the all-pairs product computed at a time: they bound the memory of the
#: search (512 x 4096 float32 scores = 8 MB) whatever the number of images.
COMPARISON_BLOCK = 512
COMPARISON_COLUMNS = 4096
#: The mean thumbnail is only removed with at least this many images.
MIN_IMAGES_FOR_NEAR_SEARCH = 3
#: Candidates are searched on thumbnails averaged over this many cells a side (16x16 -> 8x8),
#: at this correlation: coarser thumbnails of a near copy correlate at least as well (1-pixel
#: shifted noisy copies: 0.99 at 8x8 against 0.986 at 16x16), so the margin loses none.
COARSE_FACTOR = 2
COARSE_CANDIDATE_CORRELATION = 0.85


def exact_duplicate_groups(keys: np.ndarray, thumbnails: np.ndarray,
                           valid: np.ndarray) -> list[list[int]]:
    """Groups (two or more indices, ascending) of rows with equal ``keys`` *and* equal
    thumbnails: a key collision alone cannot make two images "equal".

    Rows are sorted by key (8 bytes a row); thumbnails are compared only within runs of equal
    keys, so memory stays a few bytes per image.

    >>> keys = np.array([7, 9, 7, 3, 9, 7], dtype=np.uint64)
    >>> thumbs = np.array([[1], [2], [1], [3], [2], [5]], dtype=np.uint8)
    >>> exact_duplicate_groups(keys, thumbs, np.ones(6, bool))
    [[0, 2], [1, 4]]
    """
    indices = np.flatnonzero(valid)
    if indices.size < 2:
        return []
    order = indices[np.argsort(keys[indices], kind="stable")]
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    ends = np.concatenate((starts[1:], [order.size]))
    groups = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start < 2:
            continue
        by_thumbnail: dict[bytes, list[int]] = {}
        for index in sorted(order[start:end].tolist()):
            by_thumbnail.setdefault(thumbnails[index].tobytes(), []).append(index)
        groups += [group for group in by_thumbnail.values() if len(group) > 1]
    return sorted(groups)


#: Masks of identical images that overlap less than this (Dice of their non-zero pixels) are
#: different labels, not one label copied.
DIFFERENT_LABELS_DICE = 0.5


def masks_all_differ(paths: Sequence[Path | str]) -> bool:
    """True when no two of these masks (of one group of identical images) overlap at
    :data:`DIFFERENT_LABELS_DICE` or more: one input with several labels, which no model
    fits at once (two blank tiles with discs apart); False when two agree or one cannot be
    read (the reading findings name it)."""
    try:
        marked = [load_mask_values(path) != 0 for path in paths]
    except ImageReadError:
        return False
    for number, first in enumerate(marked):
        for second in marked[number + 1:]:
            if first.shape != second.shape:
                continue
            total = int(first.sum()) + int(second.sum())
            dice = 1.0 if total == 0 else 2 * int((first & second).sum()) / total
            if dice >= DIFFERENT_LABELS_DICE:
                return False
    return True


def _unit_rows(values: np.ndarray) -> np.ndarray:
    """Rows as float32 with zero mean and unit norm (constant rows stay zero)."""
    rows = values.astype(np.float32)
    rows -= rows.mean(axis=1, keepdims=True)
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), np.float32(1e-12))
    return rows


def _coarse(thumbnails: np.ndarray) -> np.ndarray:
    """Thumbnails averaged over 2x2 cells (16x16 -> 8x8), for the candidate search."""
    count, pixels = thumbnails.shape
    side = int(round(pixels ** 0.5))
    half = side // COARSE_FACTOR
    return (thumbnails.reshape(count, half, COARSE_FACTOR, half, COARSE_FACTOR)
            .mean(axis=(2, 4), dtype=np.float32).reshape(count, -1))


class _Remainders:
    """Unit rows with the dataset's common look removed, renormalised, made block by block
    from the uint8 thumbnails (never all at once)."""

    def __init__(self, thumbnails: np.ndarray, blocks: list[np.ndarray],
                 prepare=lambda values: values) -> None:
        self.thumbnails, self.prepare = thumbnails, prepare
        total = sum(block.size for block in blocks)
        self.common = sum(_unit_rows(prepare(thumbnails[block])).sum(axis=0)
                          for block in blocks) / total

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        values = _unit_rows(self.prepare(self.thumbnails[rows])) - self.common
        values /= np.maximum(np.linalg.norm(values, axis=1, keepdims=True), np.float32(1e-12))
        return values


def near_duplicate_pairs(thumbnails: np.ndarray, valid: np.ndarray,
                         threshold: float = NEAR_DUPLICATE_CORRELATION
                         ) -> tuple[np.ndarray, np.ndarray]:
    """``(pairs, correlations)``: index pairs ``[i, j]`` (i < j) of near-duplicate thumbnails.

    Candidates come from 8x8 versions of the thumbnails (a quarter of the work), at
    :data:`COARSE_CANDIDATE_CORRELATION`; each candidate is then scored at full 16x16.
    Besides 256 bytes an image, the search holds one block of scores at a time (at most
    :data:`COMPARISON_BLOCK` x :data:`COMPARISON_COLUMNS`: 8 MB).

    Args:
        thumbnails: ``(N, 256)`` uint8 thumbnails.
        valid: which rows to compare (readable, non-constant images).
        threshold: least correlation of the 16x16 remainders.
    """
    usable = valid & (thumbnails.max(axis=1) > thumbnails.min(axis=1))
    indices = np.flatnonzero(usable)
    if indices.size < MIN_IMAGES_FOR_NEAR_SEARCH:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0)
    blocks = [indices[start:start + COMPARISON_BLOCK]
              for start in range(0, indices.size, COMPARISON_BLOCK)]
    # 8x8 remainders of every image at once: 256 bytes an image, like the thumbnails
    coarse_of = _Remainders(thumbnails, blocks, _coarse)
    coarse = np.concatenate([coarse_of(block) for block in blocks])
    candidates = []
    for row_start in range(0, indices.size, COMPARISON_BLOCK):
        rows = coarse[row_start:row_start + COMPARISON_BLOCK]
        for column_start in range(row_start, indices.size, COMPARISON_COLUMNS):
            scores = rows @ coarse[column_start:column_start + COMPARISON_COLUMNS].T
            first, second = np.nonzero(scores >= COARSE_CANDIDATE_CORRELATION)
            first, second = first + row_start, second + column_start
            keep = second > first  # each pair once, no self-pairs
            candidates.append(np.stack((indices[first[keep]], indices[second[keep]]), axis=1))
    pairs = np.concatenate(candidates)
    fine = _Remainders(thumbnails, blocks)
    scores = np.zeros(len(pairs))
    for start in range(0, len(pairs), COMPARISON_BLOCK):
        chunk = pairs[start:start + COMPARISON_BLOCK]
        scores[start:start + len(chunk)] = np.einsum("ij,ij->i", fine(chunk[:, 0]),
                                                     fine(chunk[:, 1]))
    near = scores >= threshold
    return pairs[near], scores[near]


@dataclass(frozen=True)
class DuplicateGroup:
    """Pairs whose images are copies or near-copies of each other.

    Attributes:
        members: pair indices, ascending.
        exact: every member has the same pixels.
        sides: the split side of each member (``"train"``, ``"validation"`` or ``""`` for a
            pair the trainer would not use).
        best_correlation: strongest link in the group (1.0 when it holds exact copies).
        exact_crosses_split: exact copies of one image sit on both sides of the split.
    """

    members: tuple[int, ...]
    exact: bool
    sides: tuple[str, ...]
    best_correlation: float
    exact_crosses_split: bool

    @property
    def crosses_split(self) -> bool:
        return "train" in self.sides and "validation" in self.sides


def duplicate_groups(exact_groups: list[list[int]], near_pairs: np.ndarray,
                     near_scores: np.ndarray, sides: list[str]) -> list[DuplicateGroup]:
    """Merge exact groups and near pairs into connected groups (union-find over pairs)."""
    parent: dict[int, int] = {}

    def root(item: int) -> int:
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(first: int, second: int) -> None:
        first_root, second_root = root(first), root(second)
        if first_root != second_root:
            parent[max(first_root, second_root)] = min(first_root, second_root)

    exact_of: dict[int, int] = {}
    best: dict[int, float] = {}
    for number, group in enumerate(exact_groups):
        for member in group:
            exact_of[member] = number
            best[member] = 1.0
            join(group[0], member)
    for (first, second), score in zip(near_pairs.tolist(), near_scores.tolist(), strict=True):
        join(first, second)
        best[first] = max(best.get(first, 0.0), score)
    members: dict[int, list[int]] = {}
    for item in list(parent):
        members.setdefault(root(item), []).append(item)
    groups = []
    for group in members.values():
        group.sort()
        exact = len({exact_of.get(member, -1 - member) for member in group}) == 1
        correlation = max((best.get(member, 0.0) for member in group), default=0.0)
        exact_sides: dict[int, set[str]] = {}
        for member in group:
            if member in exact_of:
                exact_sides.setdefault(exact_of[member], set()).add(sides[member])
        exact_crosses = any({"train", "validation"} <= found for found in exact_sides.values())
        groups.append(DuplicateGroup(tuple(group), exact, tuple(sides[m] for m in group),
                                     correlation, exact_crosses))
    return sorted(groups, key=lambda group: group.members)
