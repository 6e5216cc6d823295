"""Per image, a bottom-k sketch of its rows and columns: 128 bytes that let
:mod:`unetdiag.diag.audit.overlap` find images holding the same whole row or column.

Each row and each column of an image's first channel is hashed, and the sketch keeps the
:data:`SKETCH_LINES` smallest row hashes and the :data:`SKETCH_LINES` smallest column hashes,
each with the line's position: an entry is the hash (47 bits) above the position (16 bits).
Two images that share a set of columns share the smallest hash of that set, and it is among
the smallest of each image when the set is a fair share of their columns. Measured on tiles
of random scenes (64 to 512 px) sharing half, a quarter and an eighth of their columns, the
two sketches hold a common entry for 100 %, 85-88 % and 57-61 % of pairs.

What is hashed, and which lines are left out:

* A line is hashed at every ``s``-th point along it, ``s = length // LINE_SAMPLES`` (64 to
  127 points; all of them in a line shorter than :data:`LINE_SAMPLES`), the same points in
  every image of its size: two images sharing a whole column share its samples too, at a
  fraction of the cost of hashing every pixel. "The same line" means the same values at
  those points.
* Only *informative* lines enter the sketch: at least :data:`MIN_LINE_VALUES` distinct
  values and at least :data:`MIN_CHANGE_SHARE` of neighbouring samples different (black
  padding, a saturated sky, a blank margin, a mask's edge, a dithered flat area or a
  stripe of a few long runs recur in unrelated images; texture and sensor noise do not),
  and held once in its own image (a repeated line tells no position).

Images are sketched many at a time (:class:`LineSketcher`), those of one size together:
NumPy's cost per call, which would exceed the work itself for small tiles, is paid once per
batch, and each image's lines are tested from the smallest hash up until its sketch is full.

>>> rng = np.random.default_rng(0)
>>> image = rng.integers(0, 256, (48, 80), dtype=np.uint8)
>>> image[:5] = 0  # black padding: never sketched
>>> sketch = line_sketch(image)
>>> sketch.shape, sorted(int(entry) & 0xFFFF for entry in sketch[:SKETCH_LINES])[0] >= 5
((16,), True)
"""

from __future__ import annotations

import numpy as np

#: Row hashes, and column hashes, kept per image (the sketch is twice as many uint64).
SKETCH_LINES = 8
SKETCH_SIZE = 2 * SKETCH_LINES
#: A line is hashed at this many evenly spaced points (all of them when it is shorter).
LINE_SAMPLES = 64
#: Least distinct values of an informative line. Fixed: :func:`_informative` counts the
#: values beside a line's lowest and highest (at least two of them).
MIN_LINE_VALUES = 4
#: Least share of neighbouring samples that differ in an informative line.
MIN_CHANGE_SHARE = 0.5
#: A sketch slot holding no line.
EMPTY = np.uint64(np.iinfo(np.uint64).max)
#: An entry is the line's hash (top 48 bits) and its position (low 16 bits, modulo 65536).
POSITION_BITS = np.uint64(16)
POSITION_MASK = np.uint64((1 << 16) - 1)
#: Samples buffered before a batch is sketched (bytes): it bounds a worker's extra memory.
BATCH_BYTES = 4_000_000

_HIGH_HALF = np.uint64(0xFFFF_FFFF_0000_0000)
_HALF = np.uint64(32)
_LENGTH_SALT = np.uint64(0x9E37_79B9_7F4A_7C15)
#: Two multilinear hashes of 32-bit words (random odd 64-bit multipliers, fixed seed); the
#: top 32 bits of each make the hash. A line has at most 127 samples of 8 bytes: 254 words.
_MAX_WORDS = 256
_MULTIPLIERS = (np.random.default_rng(20240917).integers(
    0, np.iinfo(np.int64).max, size=(_MAX_WORDS, 2), dtype=np.int64).astype(np.uint64)
    | np.uint64(1))


def _line_samples(plane: np.ndarray) -> np.ndarray:
    """``(H, n)`` contiguous: each row of ``plane`` at every ``s``-th point, ``s`` the
    largest step leaving :data:`LINE_SAMPLES` points or more (all of them in a short row)."""
    return np.ascontiguousarray(plane[:, ::max(1, plane.shape[1] // LINE_SAMPLES)])


def _informative(lines: np.ndarray) -> np.ndarray:
    """Per line (row of ``lines``): at least :data:`MIN_LINE_VALUES` distinct values and
    :data:`MIN_CHANGE_SHARE` of neighbouring samples different. Four values or more means
    two or more between the line's lowest and highest, told by two reductions (no sort)."""
    changes = np.count_nonzero(lines[:, 1:] != lines[:, :-1], axis=1)
    low, high = lines.min(axis=1, keepdims=True), lines.max(axis=1, keepdims=True)
    inside = (lines != low) & (lines != high)
    inner_low = np.where(inside, lines, high).min(axis=1)
    inner_high = np.where(inside, lines, low).max(axis=1)
    return (changes >= MIN_CHANGE_SHARE * (lines.shape[1] - 1)) & (inner_low < inner_high)


def _hash_sums(sums: np.ndarray, lengths: np.ndarray, itemsize: int) -> np.ndarray:
    """63-bit hashes from the two multilinear sums of each line (``(L, 2)``), each line's
    full length and its sample size mixed in."""
    hashes = (sums[:, 0] & _HIGH_HALF) | (sums[:, 1] >> _HALF)
    salt = (lengths * np.uint64(16) + np.uint64(itemsize)) * _LENGTH_SALT
    return (hashes ^ salt) >> np.uint64(1)


def _hashes(lines: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One 63-bit hash per line, a line a row of the contiguous ``(L, n)`` ``lines``: two
    multilinear sums of its 32-bit little-endian words (zero-padded)."""
    count, size = lines.shape[0], lines.shape[1] * lines.dtype.itemsize
    data = np.ascontiguousarray(lines).view(np.uint8).reshape(count, size)
    if size % 4:
        padded = np.zeros((count, size + (-size) % 4), np.uint8)
        padded[:, :size] = data
        data = padded
    words = data.view(np.uint32)[:, :_MAX_WORDS].astype(np.uint64)
    return _hash_sums(words @ _MULTIPLIERS[:words.shape[1]], lengths, lines.dtype.itemsize)


def _smallest_once(hashes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``hashes`` (``(images, lines)``), the indices of its ``count`` smallest
    values, ascending, and which of them occur once in the row (a line repeated in its image
    tells no position): a partial sort, a full one only for rows too short for it."""
    lines = hashes.shape[1]
    if lines > count + 1:
        nearest = np.argpartition(hashes, count, axis=1)[:, :count + 1]
    else:
        nearest = np.broadcast_to(np.arange(lines), hashes.shape)
    values = np.take_along_axis(hashes, nearest, axis=1)
    order = np.argsort(values, axis=1)
    nearest, values = np.take_along_axis(nearest, order, axis=1), np.take_along_axis(
        values, order, axis=1)
    same = values[:, 1:] == values[:, :-1]
    once = np.ones(values.shape, dtype=bool)
    once[:, 1:] &= ~same
    once[:, :-1] &= ~same
    return nearest[:, :count], once[:, :count]


def _select(hashes: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """``(images, SKETCH_LINES)`` line indices (-1: none) of each image's smallest
    ``hashes`` (``(images, lines)``) held once in it and informative (tested on ``lines``,
    ``(images, lines, samples)``), ascending. The few smallest are tested first; an image
    short of informative lines among them is then sorted whole."""
    count = 2 * SKETCH_LINES
    nearest, once = _smallest_once(hashes, count)
    images = np.arange(hashes.shape[0])[:, None]
    usable = once & _informative(lines[images, nearest].reshape(-1, lines.shape[2])).reshape(
        once.shape)
    chosen = np.full((hashes.shape[0], SKETCH_LINES), -1, dtype=np.int64)
    place = np.cumsum(usable, axis=1) - 1
    which, column = np.nonzero(usable & (place < SKETCH_LINES))
    chosen[which, place[which, column]] = nearest[which, column]
    short = (usable.sum(axis=1) < SKETCH_LINES) & (hashes.shape[1] > nearest.shape[1])
    for image in np.flatnonzero(short).tolist():  # few: flat or repetitive images
        everything, alone = _smallest_once(hashes[image:image + 1], hashes.shape[1])
        keep = alone[0] & _informative(lines[image, everything[0]])
        picked = everything[0][keep][:SKETCH_LINES]
        chosen[image] = -1
        chosen[image, :picked.size] = picked
    return chosen


class LineSketcher:
    """Images of a chunk sketched together: :meth:`add` each image's values, :meth:`flush`
    at the end (it also flushes when :data:`BATCH_BYTES` of samples are waiting)."""

    def __init__(self, out: np.ndarray) -> None:
        self.out = out
        # by sample type, (lines, samples) and orientation: (row of out, samples, length)
        self._waiting: dict[tuple[np.dtype, tuple[int, ...], bool],
                            list[tuple[int, np.ndarray, int]]] = {}
        self._bytes = 0

    def add(self, row: int, values: np.ndarray) -> None:
        """Queue the image ``values`` (``(H, W)``, or ``(H, W, C)`` of which the first
        channel is used) for row ``row`` of ``out``."""
        plane = values if values.ndim == 2 else values[:, :, 0]
        height, width = plane.shape
        if height == 0 or width == 0:
            return
        # both line-major; a small transpose per image is fast, a whole batch's is not
        for lines, length, column in ((_line_samples(plane), width, False),
                                      (_line_samples(plane.T), height, True)):
            self._waiting.setdefault((lines.dtype, lines.shape, column), []).append(
                (row, lines, length))
            self._bytes += lines.nbytes
        if self._bytes >= BATCH_BYTES:
            self.flush()

    def forget(self, row: int) -> None:
        """Drop what is queued for ``row`` and empty its sketch (its audit failed)."""
        for key, queued in self._waiting.items():
            self._waiting[key] = [item for item in queued if item[0] != row]
        self.out[row] = EMPTY

    def flush(self) -> None:
        """Sketch every queued image: those of one size and sample type together."""
        for (_, (count, samples), column), queued in self._waiting.items():
            if not queued:
                continue
            rows = np.array([row for row, _, _ in queued], dtype=np.int64)
            lines = np.stack([lines for _, lines, _ in queued])
            lengths = np.repeat(np.array([length for _, _, length in queued], np.uint64), count)
            hashes = _hashes(lines.reshape(-1, samples), lengths).reshape(len(queued), count)
            chosen = _select(hashes, lines)
            found = chosen >= 0
            which, slot = np.nonzero(found)
            positions = chosen[found].astype(np.uint64)
            self.out[rows[which], int(column) * SKETCH_LINES + slot] = (
                ((hashes[which, chosen[found]] >> POSITION_BITS) << POSITION_BITS)
                | (positions & POSITION_MASK))
        self._waiting, self._bytes = {}, 0


def line_sketch(values: np.ndarray) -> np.ndarray:
    """The ``(SKETCH_SIZE,)`` uint64 sketch of one image's stored values: the
    :data:`SKETCH_LINES` row entries, then the column entries, each ascending, :data:`EMPTY`
    where the image has fewer informative lines."""
    out = np.full((1, SKETCH_SIZE), EMPTY, dtype=np.uint64)
    sketcher = LineSketcher(out)
    sketcher.add(0, values)
    sketcher.flush()
    return out[0]
