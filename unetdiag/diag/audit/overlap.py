"""Images that hold the same whole rows or columns of pixels: tiles cut with overlap from one
larger image, and flipped copies.

Tiles of one scene cut at a stride below their size share pixels: horizontal neighbours share
whole columns (column ``x + d`` of one is column ``x`` of the next, ``d`` the stride), vertical
neighbours whole rows, exactly so in lossless files. Named ``tile_0001.png`` ... nothing else
says which tiles overlap (:mod:`unetdiag.diag.data.tiles` reads positions from names), and a
split by file puts overlapping tiles on both sides.

:func:`shared_lines` takes each image's sketch (:mod:`unetdiag.diag.audit.linesketch`: the
few smallest hashes of its rows and of its columns, with their positions), sorts the entries
of all images, and pairs images holding the same line. A pair is kept when its common lines
are

* *shifted*: at positions differing by one same non-zero amount (windows of one picture,
  ``d`` pixels apart), or
* *mirrored*: two lines or more at positions adding up to one same number (one image is the
  other flipped: an augmented copy saved to disk).

Lines held at the *same* position are no link: overlapping tiles never hold one (two tiles
sharing column ``x`` at the same ``x`` start at the same point: they are one tile), while
unrelated images drawn on one template (a background, a frame) can. Exact copies are
:mod:`unetdiag.diag.audit.duplicates`' business. Pairs whose common lines fit neither (lines
that recur here and there) are not kept. Linked images are grouped (connected components),
and with the trainer's split, images sharing lines with an image of the other side are told.

JPEG tiles share whole lines only where JPEG compressed the same 8x8 blocks alike: tiles
whose offset is a multiple of the block (8 pixels; 16 for colour stored at half resolution)
and saved at one quality are found (measured on DRIVE and ISBI 2012 cut at strides of 60,
64 and 100 pixels); other JPEG tiles differ at every line and are not. Tiles overlapping only
diagonally share no whole line and are not linked.

>>> from unetdiag.diag.audit.linesketch import line_sketch
>>> rng = np.random.default_rng(0)
>>> scene = rng.integers(0, 256, (64, 96), dtype=np.uint8)
>>> tiles = [scene[:, 0:64], scene[:, 32:96], rng.integers(0, 256, (64, 64), dtype=np.uint8)]
>>> links = shared_lines(np.stack([line_sketch(tile) for tile in tiles]), np.ones(3, bool))
>>> shifted = links["shifted"]
>>> shifted.groups, shifted.pairs, links["mirrored"].pairs
([(0, 1)], 1, 0)
>>> shifted.examples[0].orientation, shifted.examples[0].positions, shifted.examples[0].shift
('column', (48, 16), -32)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.audit.linesketch import (
    EMPTY,
    POSITION_BITS,
    POSITION_MASK,
    SKETCH_LINES,
)

ORIENTATIONS = ("row", "column")


#: Entries of a run (images holding one line) are paired with the next this many entries in
#: hash order: a line held by more images (tiles cut at a stride of a sixteenth of their
#: size, or a line many images share) still links them, through a chain of pairs.
MAX_PAIRED_NEIGHBOURS = 16


@dataclass(frozen=True)
class SharedPair:
    """Two images whose sketches hold the same lines.

    Attributes:
        orientation: ``"row"`` or ``"column"``.
        images: the two image indices, ascending.
        lines: sketch lines the two hold in common (a lower bound on the lines they share).
        positions: one such line's index in each image.
        mirrored: two or more lines whose positions add up to the same number: one image is
            the other flipped (``False`` for a single line: it cannot tell).
    """

    orientation: str
    images: tuple[int, int]
    lines: int
    positions: tuple[int, int]
    mirrored: bool

    @property
    def shift(self) -> int:
        """How far the line moved from the first image to the second (pixels)."""
        return self.positions[1] - self.positions[0]


@dataclass(frozen=True)
class LineLinks:
    """Images linked by one kind of shared lines (:data:`KINDS`).

    Attributes:
        groups: images linked through shared lines (connected, two or more, ascending).
        linked: per image, it shares lines with another.
        pairs: image pairs found sharing lines.
        opposite: per image, it shares lines with an image of the other side of the split.
        examples: a few :class:`SharedPair`, those across the split first.
    """

    groups: list[tuple[int, ...]]
    linked: np.ndarray
    pairs: int
    opposite: np.ndarray
    examples: list[SharedPair] = field(default_factory=list)


#: Shared lines at a constant shift (windows of one picture: overlapping tiles), or whose
#: positions add up to a constant (one image the other flipped).
KINDS = ("shifted", "mirrored")


def _run_pairs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i < j``, of entries of equal ``keys`` (sorted), each entry
    with the next :data:`MAX_PAIRED_NEIGHBOURS` entries of its run."""
    firsts, seconds = [], []
    for step in range(1, MAX_PAIRED_NEIGHBOURS + 1):
        same = np.flatnonzero(keys[step:] == keys[:-step])
        if same.size == 0:
            break
        firsts.append(same)
        seconds.append(same + step)
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


def _orientation_pairs(entries: np.ndarray, images: np.ndarray) -> dict[str, np.ndarray]:
    """Image pairs holding the same lines (entries of one orientation, one per line), with
    how many, one line's positions in each, and whether the positions are consistent with a
    shift (the same difference for every line) or a flip (the same sum, two lines or more).
    Lines at the same position in both images, and pairs neither shifted nor flipped (lines
    that coincide here and there), are left out."""
    keys, positions = entries >> POSITION_BITS, (entries & POSITION_MASK).astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, positions, images = keys[order], positions[order], images[order]
    first, second = _run_pairs(keys)
    swap = images[first] > images[second]
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    moved = positions[first] != positions[second]
    first, second = first[moved], second[moved]
    pair_key = images[first].astype(np.int64) * (int(images.max(initial=0)) + 1) + images[second]
    order = np.argsort(pair_key, kind="stable")
    first, second, pair_key = first[order], second[order], pair_key[order]
    if pair_key.size == 0:
        empty = np.zeros(0, np.int64)
        return {"first": empty, "second": empty, "lines": empty, "first_at": empty,
                "second_at": empty, "mirrored": np.zeros(0, bool)}
    starts = np.flatnonzero(np.concatenate(([True], pair_key[1:] != pair_key[:-1])))
    difference = positions[second] - positions[first]
    total = positions[second] + positions[first]
    lines = np.diff(np.append(starts, pair_key.size))
    same_shift = (np.minimum.reduceat(difference, starts)
                  == np.maximum.reduceat(difference, starts))
    same_sum = np.minimum.reduceat(total, starts) == np.maximum.reduceat(total, starts)
    mirrored = (lines >= 2) & same_sum & ~same_shift
    keep = same_shift | mirrored
    chosen = starts[keep]
    return {"first": images[first[chosen]], "second": images[second[chosen]],
            "lines": lines[keep], "first_at": positions[first[chosen]],
            "second_at": positions[second[chosen]], "mirrored": mirrored[keep]}


def shared_lines(sketches: np.ndarray, valid: np.ndarray, sides: list[str] | None = None,
                 examples: int = 10) -> dict[str, LineLinks]:
    """Link images whose sketches hold the same lines at shifted or mirrored positions: one
    :class:`LineLinks` for each of :data:`KINDS`.

    Args:
        sketches: ``(N, SKETCH_SIZE)`` from :func:`line_sketch`.
        valid: images to consider (read ones).
        sides: each image's side of the split (``"train"``, ``"validation"``, ``""``).
        examples: most :class:`SharedPair` examples kept of each kind.
    """
    count = sketches.shape[0]
    side_of = np.array(sides if sides is not None else [""] * count, dtype=object)
    train, held_out = side_of == "train", side_of == "validation"
    found = []
    for number in range(len(ORIENTATIONS)):
        entries = sketches[valid, number * SKETCH_LINES:(number + 1) * SKETCH_LINES].ravel()
        images = np.repeat(np.flatnonzero(valid), SKETCH_LINES)
        used = entries != EMPTY
        pairs = _orientation_pairs(entries[used], images[used])
        pairs["orientation"] = np.full(pairs["first"].size, number, dtype=np.int8)
        found.append(pairs)
    every = {name: np.concatenate([pairs[name] for pairs in found]) for name in found[0]}
    every["across"] = ((train[every["first"]] & held_out[every["second"]])
                       | (held_out[every["first"]] & train[every["second"]]))
    return {kind: _links({name: values[every["mirrored"] == (kind == "mirrored")]
                          for name, values in every.items()}, count, examples)
            for kind in KINDS}


def _links(pairs: dict[str, np.ndarray], count: int, examples: int) -> LineLinks:
    """Groups, linked and opposite images, and examples, of the pairs of one kind."""
    first, second = pairs["first"], pairs["second"]
    linked = np.zeros(count, dtype=bool)
    linked[first], linked[second] = True, True
    opposite = np.zeros(count, dtype=bool)
    opposite[first[pairs["across"]]], opposite[second[pairs["across"]]] = True, True
    groups: list[tuple[int, ...]] = []
    if first.size:
        # imported when needed: 0.1 s at every audit's start otherwise, for the few datasets
        # with links
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix((np.ones(first.size, dtype=np.int8), (first, second)),
                           shape=(count, count))
        _, labels = connected_components(graph, directed=False)
        members: dict[int, list[int]] = {}
        for image in np.flatnonzero(linked).tolist():
            members.setdefault(int(labels[image]), []).append(image)
        groups = sorted(tuple(group) for group in members.values())
    # across the split first, then by image
    order = np.lexsort((second, first, ~pairs["across"]))[:examples]
    chosen = [SharedPair(ORIENTATIONS[int(pairs["orientation"][index])],
                         (int(first[index]), int(second[index])), int(pairs["lines"][index]),
                         (int(pairs["first_at"][index]), int(pairs["second_at"][index])),
                         bool(pairs["mirrored"][index])) for index in order.tolist()]
    return LineLinks(groups, linked, int(first.size), opposite, chosen)
