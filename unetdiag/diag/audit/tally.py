"""What ``audit-data`` keeps while worker results stream in: numbers, never pixels.

Each :class:`~unetdiag.diag.audit.record.ChunkRecord` is folded into an :class:`AuditTally` as
soon as it arrives and then dropped. The tally holds, per pair, the numbers of
:data:`~unetdiag.diag.audit.record.COLUMNS` in preallocated NumPy columns and two 256-byte
thumbnails (image and decoded mask): under a kilobyte a pair, whatever the image size, plus the
value counts of label-map masks (a few numbers each). Words are kept only for what went
wrong (unreadable files and their reasons) and for each distinct mask encoding.

The questions of the audit are then answered from the columns (:meth:`AuditTally.select`):
which pairs match, how many, and the worst of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.audit.borders import FRAME_COLUMNS
from unetdiag.diag.audit.encodings import EncodingKey, StoredValues, merge_values
from unetdiag.diag.audit.linesketch import EMPTY, SKETCH_SIZE
from unetdiag.diag.audit.nodata import NODATA_COLUMNS
from unetdiag.diag.audit.record import COLUMNS, ChunkRecord
from unetdiag.diag.audit.similarity import PHOTO_LIKE_NONBINARY_FRACTION
from unetdiag.diag.audit.storage import BIT_DEPTHS, NOMINAL_RANGES
from unetdiag.diag.audit.strokes import scribble_key, scribbles_settled
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE
from unetdiag.diag.core.findings import LISTED_FILES
from unetdiag.diag.data.figures import (
    figure_dpi,
    framed_picture,
    looks_like_figure,
    padded_picture,
    padded_shape_fits,
)

#: Masks of a figure's size looked at for a figure's margins (as ``geometry.size_mismatch``).
FIGURE_MASKS_LOOKED_AT = 3
#: A finding or a summary table names at most this many files per question.
LISTED_PER_QUESTION = LISTED_FILES
#: A mask whose foreground shares under ``> 0``, the midpoint and the policy differ by more
#: than this (a share of the image's pixels) is threshold-sensitive.
THRESHOLD_SPREAD_TOLERANCE = 0.005
#: The trainer's empty-mask rule for hard Dice/IoU (images with nothing to find are left out).
EMPTY_RULE = "exclude"
#: A photo-like mask equal to its image on at least this share of pixels is the image...
IDENTICAL_CONTENT_FRACTION = 0.99
#: ...or one correlated with the image's grey level at least this strongly.
IMAGE_LIKE_CORRELATION = 0.95
#: A photo-like mask equal to its image on at least this share of pixels, but not a copy, is
#: the image with something drawn over part of it (labelme's SegmentationClassVisualization
#: tints the object): no label equals a photograph on half its pixels.
OVERLAY_IDENTICAL_FRACTION = 0.5
#: A mask exactly twice its image's width or height holds the image in one half when that half's
#: reduced copy is within this many grey levels of the image's on average
#: (:data:`~unetdiag.diag.audit.similarity.HALF_COMPARISON_BLOCKS` gives the measurements:
#: JPEG noise 0.87 at most, two different DRIVE images 3.97 at least)...
HALF_EQUAL_DIFFERENCE = 2.0
#: ...and the image varies enough for that to tell: a flat grey at its mean would miss it by
#: more than this many times the tolerance.
HALF_EQUAL_MIN_SPREAD_FACTOR = 2.0

#: Reasons of :class:`~unetdiag.diag.data.reading.ImageReadError`, by the finding id they lead to
#: (matched on the reason's opening words; anything else is ``file.unreadable``).
READ_FAILURE_KINDS = (
    ("empty file", "file.empty"),
    ("not a regular file", "file.not_regular"),
    ("cannot open", "file.cannot_open"),
    ("decompression bomb", "file.decompression_bomb"),
    ("not an image", "file.not_an_image"),
    ("a Git LFS pointer", "file.lfs_pointer"),
    ("a TIFF Pillow cannot open", "file.unsupported_tiff"),
    ("truncated file", "file.truncated"),
    ("corrupt image data", "file.corrupt"),
    ("unsupported image mode", "file.unsupported_mode"),
    ("too large to decode", "file.too_large"),
    ("audit failed", "file.audit_failed"),
)
UNREADABLE_OTHER = "file.unreadable"


def read_failure_kind(reason: str) -> str:
    """The ``file.*`` finding id of an unreadable file's reason.

    >>> read_failure_kind("truncated file (image file is truncated)")
    'file.truncated'
    """
    for opening, finding_id in READ_FAILURE_KINDS:
        if reason.startswith(opening):
            return finding_id
    return UNREADABLE_OTHER


@dataclass(frozen=True)
class UnreadableFile:
    index: int
    path: str
    role: str  # "image", "mask" or "image and mask"
    reason: str


@dataclass
class AuditTally:
    """Everything the audit keeps, pair by pair (index = position in the pairing's list).

    Attributes:
        image_paths, mask_paths: the pairs' files.
        same_file: the pair uses its image file as its mask.
        columns: :data:`~unetdiag.diag.audit.record.COLUMNS` for every pair.
        thumbnails: ``(pairs, 256)`` grey thumbnails.
        mask_thumbnails: ``(pairs, 256)`` thumbnails of the decoded masks (foreground share
            per cell, times 255).
        line_sketches: ``(pairs, 16)`` uint64 sketches of each image's rows and columns
            (128 bytes; :mod:`~unetdiag.diag.audit.linesketch`).
        encoding_ids: per pair, its position in ``encodings`` (-1: mask not read).
        encodings: the distinct mask encodings, in the order of their first mask in pairing
            order (whatever order the chunks arrive in).
        encoding_values: the values the masks of each encoding hold.
        label_counts: pixels per stored value of each label-map mask, by pair index (and of
            each lossless integer mask of one or two values).
        label_border: the same on each label-map mask's outer ring.
        label_strokes: of three-value masks, the pixels of each minority value lying in
            stroke pieces (:mod:`~unetdiag.diag.audit.strokes`).
        scribble_votes: ``(marked, candidates)``: three-value masks that are no label maps by
            their layout but are read as such for their strokes (candidates), and those of
            them that hold scribbles, counted by :meth:`settle_scribbles`.
        unreadable: every file that could not be used.
    """

    image_paths: list[str]
    mask_paths: list[str]
    same_file: np.ndarray
    columns: dict[str, np.ndarray] = field(init=False)
    thumbnails: np.ndarray = field(init=False)
    mask_thumbnails: np.ndarray = field(init=False)
    line_sketches: np.ndarray = field(init=False)
    encoding_ids: np.ndarray = field(init=False)
    encodings: list[EncodingKey] = field(default_factory=list)
    encoding_values: dict[EncodingKey, StoredValues] = field(default_factory=dict)
    label_counts: dict[int, dict[int, int]] = field(default_factory=dict)
    label_border: dict[int, dict[int, int]] = field(default_factory=dict)
    label_strokes: dict[int, dict[int, int]] = field(default_factory=dict)
    scribble_votes: tuple[int, int] = (0, 0)
    unreadable: list[UnreadableFile] = field(default_factory=list)
    received: int = 0

    def __post_init__(self) -> None:
        count = len(self.image_paths)
        self.columns = {name: np.full(count, default, dtype=dtype)
                        for name, (dtype, default) in (COLUMNS | NODATA_COLUMNS).items()}
        self.thumbnails = np.zeros((count, THUMBNAIL_SIDE * THUMBNAIL_SIDE), dtype=np.uint8)
        self.mask_thumbnails = np.zeros_like(self.thumbnails)
        self.line_sketches = np.full((count, SKETCH_SIZE), EMPTY, dtype=np.uint64)
        self.encoding_ids = np.full(count, -1, dtype=np.int32)
        self._encoding_id: dict[EncodingKey, int] = {}
        self._first_pair: dict[EncodingKey, int] = {}
        self._figures: np.ndarray | None = None

    @property
    def pair_count(self) -> int:
        return len(self.image_paths)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def add(self, chunk: ChunkRecord) -> int:
        """Fold one worker result in; returns how many pairs it held."""
        indices = chunk.columns["index"]
        for name, values in chunk.columns.items():
            self.columns[name][indices] = values
        self.thumbnails[indices] = chunk.thumbnails
        self.mask_thumbnails[indices] = chunk.mask_thumbnails
        self.line_sketches[indices] = chunk.line_sketches
        self.label_counts.update(chunk.label_counts)
        self.label_border.update(chunk.label_border)
        self.label_strokes.update(chunk.label_strokes)
        for index, facts in chunk.nodata.items():
            for name, value in facts.items():
                self.columns[name][index] = value
        for index, key in zip(indices.tolist(), chunk.encodings, strict=True):
            if key is not None:
                self.encoding_ids[index] = self._id_of(key)
                self._first_pair[key] = min(index, self._first_pair.get(key, index))
        for key, values in chunk.encoding_values.items():
            merge_values(self.encoding_values, key, values)
        self._order_encodings()
        for index, role, reason in chunk.unreadable:
            path = self.mask_paths[index] if role == "mask" else self.image_paths[index]
            self.unreadable.append(UnreadableFile(index, path, role, reason))
        self.received += int(indices.size)
        return int(indices.size)

    def _id_of(self, key: EncodingKey) -> int:
        if key not in self._encoding_id:
            self._encoding_id[key] = len(self.encodings)
            self.encodings.append(key)
        return self._encoding_id[key]

    def _order_encodings(self) -> None:
        """Number the encodings in the order of their first mask: a worker may finish a later
        chunk first, and the findings list encodings, and break ties between them, in
        ``encodings`` order (the report must not depend on which process was quicker)."""
        order = sorted(range(len(self.encodings)),
                       key=lambda number: self._first_pair[self.encodings[number]])
        if order != list(range(len(order))):
            renumbered = np.empty(len(order), dtype=self.encoding_ids.dtype)
            renumbered[order] = np.arange(len(order))
            read = self.encoding_ids >= 0
            self.encoding_ids[read] = renumbered[self.encoding_ids[read]]
            self.encodings = [self.encodings[number] for number in order]
            self._encoding_id = {key: number for number, key in enumerate(self.encodings)}
        # (a mask whose reading failed half-way leaves its values but no pair: last, by name)
        self.encoding_values = {key: self.encoding_values[key] for key in sorted(
            self.encoding_values,
            key=lambda key: (self._first_pair.get(key, self.pair_count), str(key)))}

    # ------------------------------------------------------------------------ questions

    def settle_scribbles(self) -> tuple[int, int]:
        """Read the three-value masks that may hold scribbles alike, once every mask is read,
        one vote per set of candidate values (:func:`~unetdiag.diag.audit.strokes.scribble_key`:
        the commonest value and the two stroke values): as label maps when most masks holding
        those values hold scribbles (:func:`~unetdiag.diag.audit.strokes.scribbles_settled`),
        else as they are stored (their label counts are forgotten). A set of other values
        (anti-aliased 0/128/255 beside scribbles 0/1/255) neither votes with them nor is read
        with them. Returns and keeps :attr:`scribble_votes`: the votes of the sets read as
        label maps, summed."""
        scribble = self.columns["scribble"]
        groups: dict[tuple[int, ...], list[int]] = {}
        for index in np.flatnonzero(scribble > 0).tolist():
            key = scribble_key(self.label_counts.get(index, {}),
                               self.label_strokes.get(index, {}))
            groups.setdefault(key, []).append(index)
        votes = (0, 0)
        for members in groups.values():
            marked = int(np.count_nonzero(scribble[members] == 2))
            if scribbles_settled(len(members), marked):
                self.columns["label_map"][members] = True
                votes = (votes[0] + marked, votes[1] + len(members))
                continue
            for index in members:
                for kept in (self.label_counts, self.label_border, self.label_strokes):
                    kept.pop(index, None)
            for name, (_, default) in FRAME_COLUMNS.items():
                self.columns[name][members] = default
        self.scribble_votes = votes
        return votes

    def select(self, matches: np.ndarray, score: np.ndarray | None = None,
               limit: int = LISTED_PER_QUESTION) -> tuple[int, np.ndarray]:
        """``(count, worst)``: how many pairs match, and the indices of up to ``limit`` of
        them, highest ``score`` first (ties and ``score=None``: pairing order)."""
        found = np.flatnonzero(matches)
        if score is not None and found.size:
            found = found[np.argsort(-score[found], kind="stable")]
        return int(found.size), found[:limit]

    def scaled_image_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Each image's minimum and maximum after the trainer's scaling (NaN when unread)."""
        ranges = np.array(NOMINAL_RANGES + (math.nan,))[self.columns["image_bit_depth"]]
        return self.columns["image_min"] / ranges, self.columns["image_max"] / ranges

    def bit_depth_names(self) -> np.ndarray:
        """Each pair's image bit depth as text ("" when the image was not read)."""
        names = np.array(BIT_DEPTHS + ("",), dtype=object)
        return names[self.columns["image_bit_depth"]]

    def stored_values(self) -> list[float] | None:
        """Every finite value the read masks hold (the plane the decoder reads), or None when
        some encoding holds too many to list."""
        if not all(values.complete for values in self.encoding_values.values()):
            return None
        return sorted({value for values in self.encoding_values.values()
                       for value in values.values})

    def counted_pixels(self) -> np.ndarray:
        """Per pair, the pixels every count and metric weighs: all but the ignored ones."""
        return self.columns["pixels"] - self.columns["ignored"]

    def threshold_spread(self, policy_is_threshold: bool = True) -> np.ndarray:
        """Per pair, the largest difference between the foreground shares under ``> 0``, at
        the midpoint and (for a threshold policy) under the policy (NaN when the mask was not
        read). Label maps, whose values are classes, are left out (NaN)."""
        columns = self.columns
        pixels = np.maximum(columns["pixels"], 1)
        shares = [columns["foreground_at_zero"], columns["foreground_at_midpoint"]]
        if policy_is_threshold:
            shares.append(columns["foreground"] / pixels)
        stacked = np.stack(shares)
        spread = stacked.max(axis=0) - stacked.min(axis=0)
        spread[columns["label_map"]] = math.nan
        return spread

    def mask_is_image(self) -> np.ndarray:
        """Photo-like masks that equal, or closely follow, their (different-file) image."""
        columns = self.columns
        photo_like = ((columns["nonbinary"] >= PHOTO_LIKE_NONBINARY_FRACTION)
                      & ~columns["label_map"])
        with np.errstate(invalid="ignore"):
            close = ((columns["identical"] >= IDENTICAL_CONTENT_FRACTION)
                     | (columns["correlation"] >= IMAGE_LIKE_CORRELATION))
        return photo_like & close & ~self.same_file & columns["mask_read"]

    def mask_equals_image(self) -> np.ndarray:
        """Of :meth:`mask_is_image`, the masks equal to their image on at least
        :data:`IDENTICAL_CONTENT_FRACTION` of the sampled pixels (the others only follow
        its grey level: a posterised or re-scaled copy)."""
        with np.errstate(invalid="ignore"):
            return self.mask_is_image() & (self.columns["identical"]
                                           >= IDENTICAL_CONTENT_FRACTION)

    def mask_is_overlay(self) -> np.ndarray:
        """Photo-like masks equal to their (different-file) image on much of it, not counted
        by :meth:`mask_is_image`: a picture drawn over the image."""
        columns = self.columns
        with np.errstate(invalid="ignore"):
            overlaid = ((columns["nonbinary"] >= PHOTO_LIKE_NONBINARY_FRACTION)
                        & ~columns["label_map"]
                        & (columns["identical"] >= OVERLAY_IDENTICAL_FRACTION))
        return overlaid & ~self.same_file & columns["mask_read"] & ~self.mask_is_image()

    def mask_is_side_by_side(self) -> np.ndarray:
        """Masks exactly twice their (different-file) image's width or height, one half of
        which is the image (:data:`HALF_EQUAL_DIFFERENCE`): the image and a second picture
        side by side, a visualisation (Supervisely's masks_human)."""
        columns = self.columns
        with np.errstate(invalid="ignore"):
            closest = np.fmin(columns["first_half_difference"], columns["second_half_difference"])
            matches = ((closest <= HALF_EQUAL_DIFFERENCE)
                       & (columns["image_spread"]
                          > HALF_EQUAL_MIN_SPREAD_FACTOR * HALF_EQUAL_DIFFERENCE))
        return matches & ~self.same_file & columns["mask_read"] & columns["image_read"]

    def mask_is_figure(self) -> np.ndarray:
        """Masks of a size matplotlib's default figure has, not their image's, when the first
        :data:`FIGURE_MASKS_LOOKED_AT` of them look like figures (white or transparent
        margins around a coloured picture, :func:`~unetdiag.diag.data.figures.looks_like_figure`):
        ``plt.savefig`` output; and the other masks not of their image's size when the first
        of them are pictures in a white padding (``savefig(bbox_inches="tight")``,
        :func:`~unetdiag.diag.data.figures.padded_picture`), those whose size less that
        padding has their image's shape. Their pixels are a figure's, not labels. Read once."""
        if self._figures is None:
            mismatched = self.size_mismatch() & ~self.mask_is_side_by_side()
            columns = self.columns
            figure = mismatched & np.array(
                [figure_dpi((int(width), int(height))) is not None for width, height
                 in zip(columns["mask_width"], columns["mask_height"], strict=True)], dtype=bool)
            looked = [looks_like_figure(self.mask_paths[index])
                      for index in np.flatnonzero(figure)[:FIGURE_MASKS_LOOKED_AT].tolist()]
            figures = figure if looked and all(looked) else np.zeros_like(figure)
            others = mismatched & ~figures
            padded = [padded_picture(self.mask_paths[index], (int(columns["image_width"][index]),
                                                              int(columns["image_height"][index])))
                      for index in np.flatnonzero(others)[:FIGURE_MASKS_LOOKED_AT].tolist()]
            if padded and None not in padded:
                # the masks not looked at are taken as figures only if their size less the
                # padding seen holds their image's shape, not every mask of another size
                sizes = np.stack([columns["mask_width"], columns["mask_height"],
                                  columns["image_width"], columns["image_height"]], axis=1)
                others &= np.array([any(padded_shape_fits((int(row[0]), int(row[1])),
                                                          (int(row[2]), int(row[3])),
                                                          (2 * pad, 2 * pad))
                                        for pad in set(padded)) for row in sizes], dtype=bool)
                others[np.flatnonzero(mismatched & ~figures)[:FIGURE_MASKS_LOOKED_AT]] = True
                figures = figures | others
            figures = figures | self._framed_figures(mismatched & ~figures)
            self._figures = figures
        return self._figures

    def _framed_figures(self, candidates: np.ndarray) -> np.ndarray:
        """The ``candidates`` that are figures drawn with their axes on, when the first
        :data:`FIGURE_MASKS_LOOKED_AT` of them are
        (:func:`~unetdiag.diag.data.figures.framed_picture`), with those not looked at that
        share a looked-at mask's size; none otherwise."""
        columns = self.columns
        looked = np.flatnonzero(candidates)[:FIGURE_MASKS_LOOKED_AT]
        frames = [framed_picture(self.mask_paths[index], (int(columns["image_width"][index]),
                                                          int(columns["image_height"][index])))
                  for index in looked.tolist()]
        if not frames or None in frames:
            return np.zeros_like(candidates)
        sizes = {(int(columns["mask_width"][index]), int(columns["mask_height"][index]))
                 for index in looked.tolist()}
        return candidates & np.array(
            [(int(width), int(height)) in sizes for width, height
             in zip(columns["mask_width"], columns["mask_height"], strict=True)], dtype=bool)

    def mask_is_picture(self) -> np.ndarray:
        """Masks that are pictures of the labels, not labels: an image and its labels side
        by side (:meth:`mask_is_side_by_side`), or a matplotlib figure
        (:meth:`mask_is_figure`). Their values say nothing about labels: the value findings
        leave them out (their geometry findings name them)."""
        return self.mask_is_side_by_side() | self.mask_is_figure()

    def nodata_read_as_class(self) -> np.ndarray:
        """Masks holding the no-data value their file declares (GDAL_NODATA) on pixels the
        policy in force does not ignore: those pixels are decoded as object or background. A
        declared 0 is left out: it is the background of most label rasters that declare it."""
        columns = self.columns
        return columns["mask_read"] & (columns["mask_nodata"] != 0) & (
            columns["mask_nodata_pixels"] > columns["mask_nodata_ignored"])

    def mask_thresholds_image(self) -> np.ndarray:
        """Masks one threshold of their (different-file) image reproduces, not already
        counted by :meth:`mask_is_image`. Masks whose declared no-data the policy reads as a
        class are left out: where the no-data lies the image holds no data either (0 outside
        a scene's footprint), so a threshold reproduces that region, not the annotation; and
        so are masks whose untagged frame the policy reads as a class
        (:meth:`frame_read_as_class`)."""
        with np.errstate(invalid="ignore"):
            fits = self.columns["threshold_gap"] > 0
        return (fits & ~self.same_file & ~self.mask_is_image() & ~self.nodata_read_as_class()
                & ~self.frame_read_as_class())

    def frame_read_as_class(self) -> np.ndarray:
        """Label maps holding a value far above their class numbers as one region touching
        the border (:mod:`~unetdiag.diag.audit.borders`: no-data outside a footprint, or an
        object cut by the edge) on pixels the policy does not ignore. Where such a frame is
        no-data the image holds none either, so a threshold of the image reproduces the
        frame, not an annotation."""
        columns = self.columns
        frame_pixels = np.array([self.label_counts.get(index, {}).get(int(value), 0)
                                 for index, value in enumerate(columns["frame_value"].tolist())],
                                dtype=np.int64)
        return (columns["mask_read"] & (columns["frame_value"] >= 0)
                & (columns["frame_regions"] == 1) & (columns["frame_other_regions"] == 0)
                & (columns["ignored"] < frame_pixels))

    def size_mismatch(self) -> np.ndarray:
        columns = self.columns
        both = columns["image_read"] & columns["mask_read"]
        return both & ((columns["image_width"] != columns["mask_width"])
                       | (columns["image_height"] != columns["mask_height"]))

    def foreground_share(self) -> np.ndarray:
        """Foreground share of the counted pixels under the policy (NaN when the mask was
        not read, or every pixel is ignored)."""
        columns = self.columns
        with np.errstate(invalid="ignore", divide="ignore"):
            share = columns["foreground"] / self.counted_pixels()
        share[~columns["mask_read"]] = math.nan
        return share
