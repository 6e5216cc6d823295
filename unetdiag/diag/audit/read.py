"""The reading work of ``audit-data``: each file opened once, a few numbers kept per pair.

:func:`read_chunk` runs in a worker process on a list of pairs. It opens every file exactly
once, through the trainer's own reader (:mod:`unetdiag.diag.data.reading`: same error reasons,
same decompression-bomb limit) and decoder (:mod:`unetdiag.diag.data.decoding`: same mask
decoding under :class:`~unetdiag.diag.data.policy.MaskPolicy`), measures what the audit needs
while the pixels are in memory, and returns a :class:`~unetdiag.diag.audit.record.ChunkRecord`:
one row of numbers per pair in NumPy columns (:data:`~unetdiag.diag.audit.record.COLUMNS`), a
16x16 thumbnail per image and a 128-byte sketch of its rows and columns
(:mod:`~unetdiag.diag.audit.linesketch`), and words only for what went wrong. No pixels leave
the worker.

Speed matters (the audit should cost little more than decoding the files), so:

* 8-bit grey or RGB images, by far the commonest, are measured as stored; the decoder judges
  8-bit masks from the counts of their few distinct values rather than from a sort, and
  compares them as integers.
* Masks are decoded straight onto a shared canvas and their connected objects labelled many
  at a time (:class:`~unetdiag.diag.audit.components.ObjectCanvas`).
* Only masks that may be label maps (integer, lossless, at most
  :data:`~unetdiag.diag.data.labelmaps.MAX_LABEL_VALUES` values) are examined as such
  (:func:`~unetdiag.diag.data.labelmaps.label_layout`); their value counts are the only
  per-pair detail kept beyond the columns.
* Image/mask comparisons (:mod:`unetdiag.diag.audit.similarity`) use a regular sample of at
  most :data:`~unetdiag.diag.audit.similarity.SIMILARITY_SAMPLE_PIXELS` pixels, and go to every
  pixel only when the sample cannot settle the question.
"""

from __future__ import annotations

import math
import signal
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from unetdiag.diag.audit import nodata
from unetdiag.diag.audit.alignment import measure_alignment
from unetdiag.diag.audit.borders import (
    border_counts,
    frame_facts,
    frame_image,
    framed_layout,
)
from unetdiag.diag.audit.components import (
    SMALL_OBJECT_PIXELS,
    ObjectCanvas,
    foreground_box,
    solid_foreground,
)
from unetdiag.diag.audit.encodings import EncodingKey, StoredValues, merge_values
from unetdiag.diag.audit.linesketch import LineSketcher
from unetdiag.diag.audit.record import COLUMNS, ChunkRecord
from unetdiag.diag.audit.similarity import colour_channels, compare_with_image, grey_in_colour
from unetdiag.diag.audit.storage import (
    bit_depth_index,
    dropped_samples,
    reads_top_byte,
    signed_samples,
    stored_bits,
    stored_samples,
    transparent_share,
)
from unetdiag.diag.audit.strokes import UNLABELLED_MIN_SHARE, scribble_like, stroke_pixels
from unetdiag.diag.audit.thumbnails import image_thumbnail, mask_thumbnail
from unetdiag.diag.checks.edges import edge_and_rim_shares_of_levels, edge_share, rim_share
from unetdiag.diag.data.decoding import (
    InspectedMask,
    inspect_stored,
    scale_ends,
)
from unetdiag.diag.data.frames import later_frame_with_values
from unetdiag.diag.data.instances import is_object_masks, read_instance_masks
from unetdiag.diag.data.labelmaps import colour_layout, label_layout
from unetdiag.diag.data.lossy import is_lossy_unit_mask
from unetdiag.diag.data.orientation import orientation_of
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.data.reading import (
    PALETTE_MODE,
    SIXTEEN_BIT_MODES,
    UINT8_MAX,
    ImageReadError,
    StoredMask,
    native_byte_order,
    pixel_array,
    read_first_frame,
    stored_mask,
)

#: Masks are labelled together on a canvas of about this many pixels (bytes): it bounds the
#: memory a worker holds, and most chunks fit on one.
COMPONENT_BATCH_PIXELS = 4_000_000

_EIGHT_BIT_MODES = ("L", "LA", "RGB", "RGBA")
_FAST_IMAGE_MODES = ("L", "RGB")

class _Unreadable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _LabellingBatch:
    """Masks of a chunk waiting to be labelled together (and its images' lines, to be
    sketched together)."""

    lines: LineSketcher
    canvas: ObjectCanvas = field(default_factory=lambda: _process_canvas)
    mask_rows: list[int] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)

    def slot(self, row: int, height: int, width: int, record: ChunkRecord,
             solid: np.ndarray | None = None,
             edges: tuple[bool, bool, bool, bool] = (False,) * 4) -> np.ndarray:
        """Where to write pair ``row``'s decoded mask (labelling the canvas first if full);
        ``solid``: a lossy mask's solid foreground (:meth:`ObjectCanvas.slot`)."""
        slot = self.canvas.slot(height, width, solid, edges)
        if slot is None:
            _label_batch(self, record)
            slot = self.canvas.slot(height, width, solid, edges)
            assert slot is not None
        self.mask_rows.append(row)
        return slot


# --------------------------------------------------------------------------- reading


def _open(path: str) -> tuple[Image.Image, str, int]:
    """The loaded image, its format and frame count; :class:`_Unreadable` with the reason."""
    try:
        return read_first_frame(path, _loaded)
    except ImageReadError as error:
        raise _Unreadable(error.reason) from None


def _loaded(image: Image.Image) -> Image.Image:
    return image


def _image_values(image: Image.Image) -> tuple[np.ndarray, str]:
    """Stored samples as the trainer reads them, and their mode (palette and rare modes are
    converted to RGB, as :func:`unetdiag.diag.data.reading.read_image` does)."""
    mode = image.mode
    if mode == "1":
        return np.asarray(image, dtype=np.uint8), mode
    if mode in _EIGHT_BIT_MODES or mode in SIXTEEN_BIT_MODES or mode == "F":
        return native_byte_order(pixel_array(image)), mode
    return pixel_array(image.convert("RGB")), "RGB"


def _measure_image(image: Image.Image, frames: int, record: ChunkRecord, row: int,
                   path: str) -> tuple[np.ndarray, str]:
    """Fill the image columns of ``row``; return the stored values and their mode."""
    if image.mode in _FAST_IMAGE_MODES:
        values, mode = pixel_array(image), image.mode
    else:
        values, mode = _image_values(image)
    colour = colour_channels(values, mode)
    columns = record.columns
    if colour.dtype.kind == "f":
        finite_mask = np.isfinite(colour)
        nonfinite = int(colour.size - np.count_nonzero(finite_mask))
        finite = colour[finite_mask] if nonfinite else colour
        columns["image_nonfinite"][row] = nonfinite
    else:
        finite = colour
    if finite.size:
        columns["image_min"][row], columns["image_max"][row] = finite.min(), finite.max()
    columns["image_read"][row] = True
    columns["image_width"][row], columns["image_height"][row] = values.shape[1], values.shape[0]
    columns["image_channels"][row] = 1 if colour.ndim == 2 else colour.shape[2]
    columns["image_grey_in_colour"][row] = grey_in_colour(colour)
    columns["image_frames"][row] = frames
    columns["image_orientation"][row] = orientation_of(image)
    bits = stored_bits(image, path)
    top_byte = reads_top_byte(image, bits)
    columns["image_stored_bits"][row] = min(bits, np.iinfo(np.int8).max)
    columns["image_top_byte"][row] = top_byte
    columns["image_transparent"][row] = transparent_share(image)
    columns["image_samples"][row] = stored_samples(image)
    columns["image_dropped_samples"][row] = dropped_samples(image)
    nodata.declare_nodata(image, record.nodata, int(columns["index"][row]), "image")
    columns["image_bit_depth"][row] = bit_depth_index(mode, values.dtype, bits,
                                                      signed_samples(image), top_byte)
    # mode, size and channels are compared beside the hash (see run._duplicates)
    columns["image_hash"][row] = zlib.crc32(np.ascontiguousarray(values))
    record.thumbnails[row] = image_thumbnail(image)
    return values, mode


# --------------------------------------------------------------------------- masks


def _measure_mask(stored: StoredMask, policy: MaskPolicy, record: ChunkRecord, row: int,
                  batch: _LabellingBatch) -> tuple[np.ndarray, np.ndarray | None]:
    """Fill the mask columns of ``row`` through the trainer's decoder; return the plane it
    thresholds and the decoded mask (None for a mask that is all background or all
    foreground: nothing to label or fit)."""
    inspected = inspect_stored(stored, policy)
    encoding = inspected.encoding
    frames = stored.frames
    plane = inspected.plane
    height, width = plane.shape
    pixels = plane.size
    foreground = inspected.foreground_count()
    ignored = inspected.ignored_count
    columns = record.columns
    columns["mask_read"][row] = True
    columns["mask_width"][row], columns["mask_height"][row] = width, height
    columns["mask_frames"][row] = frames
    columns["pixels"][row] = pixels
    columns["ignored"][row] = ignored
    columns["void"][row] = round(encoding.void_fraction * pixels)
    layout = label_layout(inspected)
    if layout is None and encoding.is_colour:
        layout = colour_layout(stored.values, inspected)
    layout = nodata.nodata_label_layout(inspected, layout, policy,
                                        record.nodata.get(int(columns["index"][row])))
    strokes = {} if layout is None or encoding.is_colour else stroke_pixels(
        plane, layout.counts)
    # WSL4MIS's 0/1 strokes on 255 unlabelled: read as labels if most such masks are scribbles
    candidate = (layout is not None and not layout.is_label_map and len(strokes) == 2
                 and max(layout.counts.values()) >= UNLABELLED_MIN_SHARE * pixels)
    scribble = candidate and scribble_like(plane, layout.counts, strokes)
    # DRIVE's 0/1 vessels with 255 outside the field of view: a label map by its frame
    layout, framed = ((layout, False) if scribble
                      else framed_layout(plane, layout, encoding.is_colour))
    if candidate and not framed:  # a label map by its frame casts no scribble vote
        columns["scribble"][row] = 1 + scribble
    label_map = False
    if layout is not None and (layout.is_label_map or candidate):
        label_map = layout.is_label_map
        columns["label_map"][row] = label_map
        columns["separator"][row] = (-1 if layout.separator is None or not label_map
                                     else layout.separator)
        record.label_counts[int(columns["index"][row])] = layout.counts
        if strokes:
            record.label_strokes[int(columns["index"][row])] = strokes
        if not encoding.is_colour:  # a colour mask's plane is no colour code
            record.label_border[int(columns["index"][row])] = border_counts(plane)
        for name, value in frame_facts(plane, layout.counts, framed).items():
            columns[name][row] = value
    elif encoding.distinct_values == 1 and plane.dtype.kind in "ui":
        # one value: what any value policy makes of it is known from that value alone
        record.label_counts[int(columns["index"][row])] = {int(encoding.min_value): pixels}
    elif (encoding.distinct_values == 2 and plane.dtype.kind in "ui" and not encoding.lossy
          and not encoding.is_colour):
        # two levels the policy splits: kept so that a value policy proposed for the label
        # maps beside them is known to read them too (VisA's 0/3 beside 0/255)
        counts = inspected.value_counts
        if counts is None:
            values, count = np.unique(plane, return_counts=True)
            counts = dict(zip(values.tolist(), count.tolist(), strict=True))
        record.label_counts[int(columns["index"][row])] = {int(value): int(count)
                                                            for value, count in counts.items()}
    columns["lossy"][row] = encoding.lossy
    columns["lossy_unit"][row] = is_lossy_unit_mask(encoding)
    columns["foreground"][row] = foreground
    columns["foreground_at_zero"][row] = inspected.foreground_count(0.0) / pixels
    columns["foreground_at_midpoint"][row] = (inspected.foreground_count(inspected.midpoint)
                                              / pixels)
    columns["nonbinary"][row] = encoding.nonbinary_fraction
    columns["mask_nonfinite"][row] = encoding.nonfinite_count
    columns["distinct_values"][row] = encoding.distinct_values
    if encoding.nonbinary_fraction > 0 and encoding.scale != "palette" and not label_map:
        columns["edge_share"][row], columns["rim_share"][row] = _edge_shares(inspected)
    key = EncodingKey.of(encoding)
    record.encodings[row] = key
    merge_values(record.encoding_values, key, StoredValues.of(encoding))
    if foreground in (0, pixels):  # one object covering everything, or none
        columns["smallest_object"][row] = foreground
        columns["object_count"][row] = columns["smallest_object_count"][row] = int(foreground > 0)
        if 0 < foreground < SMALL_OBJECT_PIXELS:
            columns["small_objects"][row] = 1
            columns["small_object_pixels"][row] = columns["small_border_pixels"][row] = foreground
        record.mask_thumbnails[row] = UINT8_MAX if foreground else 0
        return plane, None
    decoded = inspected.foreground()
    box_rows, box_columns = foreground_box(decoded)  # labelled alike, at the box's cost
    solid = None
    # under a value policy the foreground is the listed values wherever they sit on the scale
    # (dark ones too): no end of the scale tells a drawn piece from ringing, so none is a speck
    if encoding.lossy and not policy.foreground_values:
        solid = solid_foreground(plane[box_rows, box_columns], encoding.threshold,
                                 encoding.polarity, *scale_ends(encoding.scale,
                                                                encoding.min_value,
                                                                encoding.max_value))
    batch.slot(row, box_rows.stop - box_rows.start, box_columns.stop - box_columns.start,
               record, solid, (box_rows.start == 0, box_rows.stop == height,
                               box_columns.start == 0, box_columns.stop == width)
               )[:] = decoded[box_rows, box_columns]
    record.mask_thumbnails[row] = mask_thumbnail(decoded)
    return plane, decoded


def _edge_shares(inspected: InspectedMask) -> tuple[float, float]:
    """Shares of the non-binary values that sit on object edges, and that lie within two
    pixels of a pixel at either end of the scale (:func:`rim_share`: anti-aliasing, resizing
    and JPEG leave them there, soft labels do not); NaN where it cannot be told."""
    encoding = inspected.encoding
    bottom, top = scale_ends(encoding.scale, encoding.min_value, encoding.max_value)
    plane = inspected.plane
    if not top > bottom:
        return math.nan, math.nan
    if plane.ndim == 2 and plane.dtype.kind in "ui" and plane.dtype.itemsize <= 2:
        return edge_and_rim_shares_of_levels(plane, bottom, top)
    rim = rim_share(plane, bottom, top) if plane.ndim == 2 else math.nan
    unit = (inspected.plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
    return edge_share(np.where(np.isfinite(unit), unit, 0.0)), rim


#: The columns :meth:`ObjectCanvas.label` fills, in the order of its ``ObjectStats``.
_OBJECT_COLUMNS = ("smallest_object", "object_count", "small_objects", "small_object_pixels",
                   "speck_pixels", "small_border_pixels", "smallest_object_count", "dot_height",
                   "dot_width", "ring_objects", "hole_pixels")


def _label_batch(batch: _LabellingBatch, record: ChunkRecord) -> None:
    """Label the masks collected so far and write their results; empty the batch."""
    columns = record.columns
    if batch.mask_rows:
        stats = batch.canvas.label()
        for name, values in zip(_OBJECT_COLUMNS, stats, strict=True):
            columns[name][batch.mask_rows] = values
    for row in batch.forgotten:  # pairs whose audit failed half-way
        for name in _OBJECT_COLUMNS:
            columns[name][row] = COLUMNS[name][1]
    batch.mask_rows, batch.forgotten = [], []


# --------------------------------------------------------------------------- chunks


def _open_mask(path: str, record: ChunkRecord, row: int) -> StoredMask:
    """A mask file as stored, or object masks merged (with their object columns)."""
    if not is_object_masks(path):
        mask, mask_format, mask_frames = _open(path)
        bits = stored_bits(mask, path)
        record.columns["mask_orientation"][row] = orientation_of(mask)
        record.columns["mask_top_byte"][row] = bits if reads_top_byte(mask, bits) else 0
        nodata.declare_nodata(mask, record.nodata, int(record.columns["index"][row]), "mask")
        stored = stored_mask(mask, mask_format, mask_frames)
        values = stored.values
        if mask_frames > 1 and values.size and not np.any(values != values.flat[0]):
            # a blank first frame: is the annotation on a later one, which is never read?
            record.columns["mask_later_frame"][row], record.columns["mask_frames_examined"][
                row] = later_frame_with_values(path)
        return stored
    try:
        objects = read_instance_masks(path)
    except ImageReadError as error:
        raise _Unreadable(f"{error.reason} ({error.path.name})" if str(error.path) != path
                          else error.reason) from None
    record.columns["object_files"][row] = objects.files
    record.columns["object_overlap"][row] = objects.overlap_pixels
    return objects.stored


def _read_pair(row: int, image_path: str, mask_path: str, policy: MaskPolicy,
               record: ChunkRecord, batch: _LabellingBatch) -> None:
    same_file = image_path == mask_path
    try:
        image, image_format, image_frames = _open(image_path)
    except _Unreadable as error:
        record.unreadable.append((int(record.columns["index"][row]),
                                  "image and mask" if same_file else "image", error.reason))
        image = None
    if image is not None:
        image_values, image_mode = _measure_image(image, image_frames, record, row,
                                                  image_path)
        batch.lines.add(row, colour_channels(image_values, image_mode))
    if same_file:
        if image is None:
            return
        columns = record.columns
        columns["mask_top_byte"][row] = columns["image_stored_bits"][row] * columns[
            "image_top_byte"][row]
        stored = stored_mask(image, image_format, image_frames)
    else:
        try:
            stored = _open_mask(mask_path, record, row)
        except _Unreadable as error:
            record.unreadable.append((int(record.columns["index"][row]), "mask", error.reason))
            return
    plane, decoded = _measure_mask(stored, policy, record, row, batch)
    if image is not None:
        columns = record.columns
        # a label map's values are classes, not grey levels: never compared as a photograph
        nonbinary = (0.0 if columns["label_map"][row] or columns["scribble"][row] == 2
                     else columns["nonbinary"][row])
        similarity = compare_with_image(
            image_values, image_mode, plane, decoded,
            foreground=int(columns["foreground"][row]), nonbinary=nonbinary,
            mask_colour=None if stored.mode == PALETTE_MODE and not stored.gray_palette
            else colour_channels(stored.values, stored.mode))
        for name, value in similarity._asdict().items():
            columns[name][row] = value
        columns["alignment"][row] = tuple(measure_alignment(image_values, image_mode, decoded))
        if columns["frame_value"][row] >= 0 and columns["frame_regions"][row] == 1:
            seen = frame_image(image_values, image_mode, plane, int(columns["frame_value"][row]))
            for name, value in seen._asdict().items():
                columns[f"frame_image_{name}"][row] = value
        nodata.note_image_nodata(image_values, image_mode, plane,
                                 record.nodata.get(int(columns["index"][row])))


def read_chunk(tasks: Sequence[tuple[int, str, str]],
               policy: MaskPolicy = DEFAULT_POLICY) -> ChunkRecord:
    """Read the ``(index, image path, mask path)`` pairs of ``tasks``; never raises for a bad
    file (it is listed in ``unreadable`` with the reader's reason). When the mask path is the
    image path, the file is read once and serves as both.

    A failure of the audit itself (a bug, not a bad file) is recorded as an ``"audit failed"``
    reason for that pair, so one file cannot stop the audit of the others.
    """
    record = ChunkRecord.empty(len(tasks))
    batch = _LabellingBatch(LineSketcher(record.line_sketches))
    for row, (index, image_path, mask_path) in enumerate(tasks):
        record.columns["index"][row] = index
        try:
            _read_pair(row, image_path, mask_path, policy, record, batch)
        except Exception as error:  # noqa: BLE001 - reported as a finding naming the files
            _reset_row(record, batch, row)
            role = "image and mask" if image_path == mask_path else "image"
            record.unreadable.append((index, role,
                                      f"audit failed ({type(error).__name__}: {error})"))
    _label_batch(batch, record)
    batch.lines.flush()
    return record


def _reset_row(record: ChunkRecord, batch: _LabellingBatch, row: int) -> None:
    """Reset a row to "not measured" (after a failure half-way through it)."""
    index = record.columns["index"][row]
    for name, (_, default) in COLUMNS.items():
        record.columns[name][row] = default
    record.columns["index"][row] = index
    record.thumbnails[row] = 0
    record.mask_thumbnails[row] = 0
    record.encodings[row] = None
    record.label_counts.pop(int(index), None)
    record.label_border.pop(int(index), None)
    record.label_strokes.pop(int(index), None)
    record.nodata.pop(int(index), None)
    record.unreadable = [entry for entry in record.unreadable if entry[0] != index]
    batch.forgotten.append(row)
    batch.lines.forget(row)


_worker_policy = DEFAULT_POLICY
# One canvas per process, reused chunk after chunk: a fresh one would cost a page fault for
# every 4 kB written to it.
_process_canvas = ObjectCanvas(COMPONENT_BATCH_PIXELS)


def init_worker(policy: MaskPolicy) -> None:
    """A pool's initializer: set the mask policy :func:`read_task` uses in this process, and
    leave Ctrl-C to the parent, which stops the pool and reports the interruption once."""
    global _worker_policy
    _worker_policy = policy
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def read_task(tasks: Sequence[tuple[int, str, str]]) -> ChunkRecord:
    """:func:`read_chunk` under :func:`init_worker`'s policy (what the pool maps)."""
    return read_chunk(tasks, _worker_policy)
