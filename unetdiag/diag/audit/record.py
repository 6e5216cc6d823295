"""The per-pair table a reading worker fills: its columns (:data:`COLUMNS`) and what a worker
returns for a list of pairs (:class:`ChunkRecord`), folded into the dataset's
:class:`~unetdiag.diag.audit.tally.AuditTally`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.audit.alignment import ALIGNMENT_COLUMN, ALIGNMENT_DEFAULT
from unetdiag.diag.audit.borders import FRAME_COLUMNS
from unetdiag.diag.audit.encodings import EncodingKey, StoredValues
from unetdiag.diag.audit.linesketch import EMPTY, SKETCH_SIZE
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE

#: The per-pair numbers a worker returns: name -> (dtype, value when not measured).
#:
#: Images: ``image_read``; size, colour channels (alpha dropped, as the trainer does),
#: ``image_grey_in_colour`` (colour channels equal at every pixel) and frames;
#: ``image_bit_depth`` (an index into :data:`~.storage.BIT_DEPTHS`); minimum and maximum
#: over finite stored values; non-finite pixels; ``image_hash``, a CRC-32 of the pixels;
#: ``image_orientation``, its EXIF orientation (1: none); from :mod:`~.storage`: the header's
#: ``image_stored_bits`` (0: not told), ``image_top_byte`` (16-bit colour read at 8 bits per
#: channel), ``image_transparent`` (share of pixels with alpha below 255), ``image_samples``
#: (a TIFF's samples per pixel, 0: not told) and ``image_dropped_samples`` (how many of them
#: Pillow's mode leaves out).
#:
#: Masks: ``mask_read``; ``mask_orientation``, the mask file's own EXIF orientation (1: none);
#: ``mask_top_byte``: bits per sample of a colour mask read at its top
#: byte (0: none); size and frames; for a multi-frame mask whose first frame holds one value,
#: the first later frame that holds several (``mask_later_frame``, 0: none) and the frames
#: looked at (``mask_frames_examined``, :func:`~unetdiag.diag.data.frames.later_frame_with_values`);
#: foreground and pixel counts under the policy, and ``ignored`` pixels (the policy's ignore
#: values; ``pixels`` counts them too); ``void`` pixels (palette index 255); foreground shares
#: under ``value > 0`` and at the midpoint of the scale (with the policy's polarity);
#: ``lossy`` and ``lossy_unit`` (:func:`~unetdiag.diag.data.lossy.is_lossy_unit_mask`);
#: ``nonbinary``, the share of values at neither end of the scale; non-finite values; distinct
#: values; ``edge_share`` and ``rim_share`` of the non-binary values (NaN when none;
#: :mod:`~unetdiag.diag.checks.edges`); smallest object, object
#: count, small objects (under :data:`~unetdiag.diag.audit.components.SMALL_OBJECT_PIXELS`),
#: their pixels, those of them touching the mask's border (``small_border_pixels``: cut by the
#: image's edge) and, for lossy masks, those of them near a larger object (JPEG specks);
#: objects of the smallest size, their common box when they may be dots, objects that are
#: closed rings around one hole and those holes' pixels (:mod:`~unetdiag.diag.audit.shapes`);
#: ``lossy`` (JPEG); ``label_map`` and its ``separator`` value (-1: none; see
#: :mod:`unetdiag.diag.data.labelmaps`); ``scribble``: 1 for a three-value mask that is no
#: label map by its layout but may hold scribbles (a majority value and two others), 2 when
#: it does (:func:`~unetdiag.diag.audit.strokes.scribble_like`; settled over the dataset);
#: for a folder of object masks (:mod:`unetdiag.diag.data.instances`), ``object_files`` and
#: ``object_overlap`` (pixels inside two or more objects), 0 otherwise. (GeoTIFF no-data:
#: :data:`~.nodata.NODATA_COLUMNS`.)
#:
#: Pairs: ``identical`` (mask plane equal to the image) and ``correlation`` (with the image's
#: grey level), measured for photo-like masks only; ``threshold_gap``: how far apart the grey
#: levels of the two classes are, in the direction that separates them best (lowest level of
#: one class minus highest of the other): positive means one threshold of the image gives the
#: mask exactly (``threshold_side``: 1 with the foreground the brighter side, -1 the darker).
#: Measured on a sample first, and on every pixel only when the sample
#: separates; NaN when a class is too small to judge. A mask exactly twice its image's width
#: or height (8-bit both): ``first_half_difference``, ``second_half_difference`` (each half
#: from the image) and ``image_spread`` (the image from a flat grey;
#: :func:`~.similarity.half_differences`; NaN for other pairs). ``alignment``: where the mask's
#: outline matches the image's edges best, as stored and turned (one structured column of
#: :class:`~.alignment.Alignment`'s fields).
COLUMNS: dict[str, tuple[type | np.dtype, float | int | bool | np.ndarray]] = {
    "index": (np.int64, -1),
    "image_read": (np.bool_, False),
    "image_width": (np.int32, 0),
    "image_height": (np.int32, 0),
    "image_channels": (np.int8, 0),
    "image_grey_in_colour": (np.bool_, False),
    "image_frames": (np.int32, 1),
    "image_bit_depth": (np.int8, -1),
    "image_min": (np.float64, math.nan),
    "image_max": (np.float64, math.nan),
    "image_nonfinite": (np.int64, 0),
    "image_hash": (np.uint32, 0),
    "image_orientation": (np.int8, 1),
    "image_stored_bits": (np.int8, 0),
    "image_top_byte": (np.bool_, False),
    "image_transparent": (np.float64, 0.0),
    "image_samples": (np.int16, 0),
    "image_dropped_samples": (np.int16, 0),
    "mask_top_byte": (np.int8, 0),
    "mask_orientation": (np.int8, 1),
    "mask_read": (np.bool_, False),
    "mask_width": (np.int32, 0),
    "mask_height": (np.int32, 0),
    "mask_frames": (np.int32, 1),
    "mask_later_frame": (np.int32, 0),
    "mask_frames_examined": (np.int32, 0),
    "foreground": (np.int64, 0),
    "pixels": (np.int64, 0),
    "ignored": (np.int64, 0),
    "void": (np.int64, 0),
    "foreground_at_zero": (np.float64, math.nan),
    "foreground_at_midpoint": (np.float64, math.nan),
    "nonbinary": (np.float64, 0.0),
    "mask_nonfinite": (np.int64, 0),
    "distinct_values": (np.int64, 0),
    "edge_share": (np.float64, math.nan),
    "rim_share": (np.float64, math.nan),
    "smallest_object": (np.int64, 0),
    "object_count": (np.int64, 0),
    "small_objects": (np.int64, 0),
    "small_object_pixels": (np.int64, 0),
    "speck_pixels": (np.int64, 0),
    "small_border_pixels": (np.int64, 0),
    "smallest_object_count": (np.int32, 0),
    "dot_height": (np.int8, 0),
    "dot_width": (np.int8, 0),
    "ring_objects": (np.int32, 0),
    "hole_pixels": (np.int64, 0),
    "lossy": (np.bool_, False),
    "lossy_unit": (np.bool_, False),
    "object_files": (np.int32, 0),
    "object_overlap": (np.int64, 0),
    "label_map": (np.bool_, False),
    "separator": (np.int64, -1),
    "scribble": (np.int8, 0),
    **FRAME_COLUMNS,
    "identical": (np.float64, math.nan),
    "correlation": (np.float64, math.nan),
    "threshold_gap": (np.float64, math.nan),
    "threshold_side": (np.float64, math.nan),
    "first_half_difference": (np.float64, math.nan),
    "second_half_difference": (np.float64, math.nan),
    "image_spread": (np.float64, math.nan),
    "alignment": (ALIGNMENT_COLUMN, ALIGNMENT_DEFAULT),
}


@dataclass
class ChunkRecord:
    """What a worker returns for a list of pairs.

    Attributes:
        columns: :data:`COLUMNS`, one entry per pair of the chunk.
        thumbnails: ``(pairs, 256)`` uint8 grey thumbnails (zeros when unread or constant).
        mask_thumbnails: ``(pairs, 256)`` uint8: the share of each 16x16 cell of the decoded
            mask that is foreground, times 255 (zeros when unread).
        line_sketches: ``(pairs, 16)`` uint64: each image's rows and columns
            (:mod:`~unetdiag.diag.audit.linesketch`; ``EMPTY`` when unread).
        encodings: each pair's :class:`EncodingKey` (None when its mask was not read).
        encoding_values: the values seen for each key, over the chunk's masks.
        label_counts: pixels per stored value of each label-map mask, by pair index (and of
            each lossless integer mask of one or two values).
        label_border: the same on the mask's outer ring (:mod:`~unetdiag.diag.audit.borders`).
        label_strokes: of three-value masks, the pixels of each minority value lying in stroke
            pieces (:mod:`~unetdiag.diag.audit.strokes`).
        nodata: :data:`~.nodata.NODATA_COLUMNS` of pairs whose files declare no-data, by index.
        unreadable: ``(index, role, reason)`` of every file that could not be used; role is
            ``"image"``, ``"mask"`` or ``"image and mask"``.
    """

    columns: dict[str, np.ndarray]
    thumbnails: np.ndarray
    mask_thumbnails: np.ndarray
    line_sketches: np.ndarray
    encodings: list[EncodingKey | None]
    encoding_values: dict[EncodingKey, StoredValues] = field(default_factory=dict)
    label_counts: dict[int, dict[int, int]] = field(default_factory=dict)
    label_border: dict[int, dict[int, int]] = field(default_factory=dict)
    label_strokes: dict[int, dict[int, int]] = field(default_factory=dict)
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)
    nodata: dict[int, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def empty(cls, size: int) -> ChunkRecord:
        columns = {name: np.full(size, default, dtype=dtype)
                   for name, (dtype, default) in COLUMNS.items()}
        side = THUMBNAIL_SIDE * THUMBNAIL_SIDE
        return cls(columns, np.zeros((size, side), dtype=np.uint8),
                   np.zeros((size, side), dtype=np.uint8),
                   np.full((size, SKETCH_SIZE), EMPTY, dtype=np.uint64), [None] * size)
