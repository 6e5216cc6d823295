"""The one decoder of image/mask file pairs, and its record of what it saw.

``unetdiag train`` (through the tf.data pipeline, :mod:`unetdiag.training.pipeline`) and
``unetdiag evaluate`` read every pair with :func:`decode_pair`, so the same files are read
the same way and leave the same facts in a :class:`DecodeLog`, which
:func:`unetdiag.training.data_stats.decoded_findings` words: pairs of different sizes, label
maps, 16-bit colour files, samples Pillow leaves out, blank first frames.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from unetdiag.diag.audit.storage import header_facts
from unetdiag.diag.audit.storage_findings import unreadable_top_byte_masks
from unetdiag.diag.checks.soft_masks import SoftValues, measure_soft_values
from unetdiag.diag.data.decoding import InspectedMask, decoded_planes, inspect_stored
from unetdiag.diag.data.frames import later_frame_with_values
from unetdiag.diag.data.image_kinds import ImageKind, image_kind
from unetdiag.diag.data.instances import load_mask
from unetdiag.diag.data.labelmaps import read_by_numbering
from unetdiag.diag.data.lossy import is_lossy_unit_mask
from unetdiag.diag.data.masks import MaskPolicy, read_image
from unetdiag.diag.data.reading import convert_channels
from unetdiag.diag.data.rules import VOID_INDEX
from unetdiag.exitcodes import ExitCode, UserError


@dataclass
class DecodeLog:
    """What the decoder saw that the batches cannot show (thread-safe): files that failed to
    decode, pairs whose image and mask differ in size (both are resized to the model's
    input, which hides it; :mod:`unetdiag.diag.checks.geometry` words it), masks that are
    label maps (:mod:`unetdiag.diag.checks.label_maps`), files of 16 bits per colour
    channel, which Pillow reads at their top 8, images whose samples Pillow leaves out and
    masks whose first frame, the one read, is blank
    (:mod:`unetdiag.diag.audit.storage_findings`, :mod:`unetdiag.diag.audit.findings`)."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    #: ``image path -> (mask path, image (width, height), mask (width, height))``.
    size_mismatches: dict[str, tuple[str, tuple[int, int], tuple[int, int]]] = field(
        default_factory=dict)
    #: ``mask path -> the values it holds`` of the masks that are label maps.
    label_maps: dict[str, list[int]] = field(default_factory=dict)
    #: every mask decoded (a set: an uncached dataset decodes each file every pass).
    decoded_masks: set[str] = field(default_factory=set)
    #: ``image path -> (stored bits, lowest, highest value read of 255)`` of 16-bit colour
    #: images.
    top_byte_images: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    #: ``mask path -> (stored bits, distinct values read, lowest value read)`` of 16-bit
    #: colour masks.
    top_byte_masks: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    #: ``image path -> (samples per pixel stored, bands Pillow reads)`` of images whose file
    #: stores samples Pillow leaves out.
    dropped_samples: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: ``mask path -> (frames, the first later frame with several values, frames examined)``
    #: of multi-frame masks whose first frame, the one read, holds a single value.
    blank_first_frames: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    #: ``mask path -> frames`` of masks holding several frames (the first is read).
    multi_frame_masks: dict[str, int] = field(default_factory=dict)
    #: ``mask path -> (declared no-data value, its pixels, pixels of them decoded as
    #: foreground)`` of masks holding the no-data value their GDAL_NODATA tag declares on
    #: pixels the policy does not ignore.
    nodata_masks: dict[str, tuple[float, int, int]] = field(default_factory=dict)
    #: masks that store several colours but whose plane read (the brightest channel) holds
    #: one value: colours the reading cannot tell apart (a colormap's two ends).
    alike_colour_masks: set[str] = field(default_factory=set)
    #: ``mask path -> (palette void pixels, all pixels, void pixels decoded as foreground)``
    #: of palette masks holding index 255 (PASCAL VOC's void) the policy does not ignore.
    void_masks: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    #: 0/1 masks stored in a lossy format (JPEG), whose lost foreground no threshold recovers.
    lossy_unit_masks: set[str] = field(default_factory=set)
    #: ``mask path -> (NaN and infinite pixels, pixels)`` of masks holding non-finite values
    #: (decoded as background) that no GDAL_NODATA tag declares.
    nonfinite_masks: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: ``mask path -> its values between the scale's ends and what the threshold made of
    #: them`` (:mod:`unetdiag.diag.checks.soft_masks`), measured once per mask.
    soft_values: dict[str, SoftValues] = field(default_factory=dict)
    #: ``image path -> its kind as read`` (grey or colour, bit depth, values, size), before
    #: the change of channels to the model's: what ``evaluate`` compares with the training
    #: images' (:mod:`unetdiag.diag.data.image_kinds`).
    image_kinds: dict[str, ImageKind] = field(default_factory=dict)
    #: ``mask path -> (foreground pixels, its larger side)`` at the mask's stored size, before
    #: the resize to the model's input (ignored pixels not counted): whether a mask empty in
    #: the batches lost its objects to the resize (:mod:`unetdiag.training.empty_masks`).
    stored_foreground: dict[str, tuple[int, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_failure(self, path: str, reason: str) -> None:
        with self._lock:
            self.failures.append((path, reason))

    def record_sizes(self, image_path: str, mask_path: str, image: np.ndarray,
                     mask: np.ndarray) -> None:
        """Count the pair, and note it when the decoded image and mask differ in height or
        width."""
        with self._lock:
            self.decoded_masks.add(mask_path)
            if image.shape[:2] != mask.shape[:2]:
                self.size_mismatches[image_path] = (
                    mask_path, (image.shape[1], image.shape[0]), (mask.shape[1], mask.shape[0]))

    def record_label_map(self, mask_path: str, values: list[int]) -> None:
        """Note a mask that holds class or object numbers (a label map) and its values."""
        with self._lock:
            self.label_maps[mask_path] = values

    def record_top_byte(self, path: str, bits: int, values: np.ndarray, is_mask: bool) -> None:
        """Note a file of ``bits`` per colour channel read at its top byte, from the values
        read (0..255): an image's, or the plane a mask is thresholded on (alpha and
        colour collapsed as the decoder does, so a mask reads as one value as the audit
        counts it)."""
        if is_mask:
            distinct = np.unique(values)
            record_masks = (bits, int(distinct.size), float(distinct[0]))
            with self._lock:
                self.top_byte_masks[path] = record_masks
        else:
            record_images = (bits, float(values.min()), float(values.max()))
            with self._lock:
                self.top_byte_images[path] = record_images

    def record_blank_first_frame(self, path: str, frames: int, later: int,
                                 examined: int) -> None:
        with self._lock:
            self.blank_first_frames[path] = (frames, later, examined)

    def record_alike_colours(self, path: str) -> None:
        with self._lock:
            self.alike_colour_masks.add(path)

    def record_nodata(self, path: str, value: float, pixels: int, foreground: int) -> None:
        with self._lock:
            self.nodata_masks[path] = (value, pixels, foreground)

    def record_void(self, path: str, void: int, pixels: int, foreground: int) -> None:
        with self._lock:
            self.void_masks[path] = (void, pixels, foreground)

    def record_lossy_unit(self, path: str) -> None:
        with self._lock:
            self.lossy_unit_masks.add(path)

    def record_multi_frame(self, path: str, frames: int) -> None:
        with self._lock:
            self.multi_frame_masks[path] = frames

    def record_nonfinite(self, path: str, nonfinite: int, pixels: int) -> None:
        with self._lock:
            self.nonfinite_masks[path] = (nonfinite, pixels)

    def record_soft_values(self, path: str, soft: SoftValues) -> None:
        with self._lock:
            self.soft_values[path] = soft

    def record_image_kind(self, path: str, kind: ImageKind) -> None:
        with self._lock:
            self.image_kinds[path] = kind

    def record_stored_foreground(self, path: str, mask: np.ndarray,
                                 ignored: np.ndarray | None) -> None:
        """Count the mask's foreground (``> 0.5``, as the batches are counted) among the
        pixels not ignored, at its stored size."""
        foreground = mask > 0.5
        if ignored is not None:
            foreground &= ~ignored
        with self._lock:
            self.stored_foreground[path] = (int(np.count_nonzero(foreground)),
                                            int(max(mask.shape[:2])))

    def record_dropped_samples(self, path: str, stored: int, read: int) -> None:
        with self._lock:
            self.dropped_samples[path] = (stored, read)

    def as_user_error(self, order: Sequence[str] = ()) -> UserError:
        """A one-line error naming the first file that failed (:func:`first_failure`: in
        ``order``, the pairs' files as paired, else in name order) and how many others did."""
        path, reason = first_failure(self.failures, order)
        others = len({p for p, _ in self.failures}) - 1
        extra = f" ({others} more file(s) failed too)" if others > 0 else ""
        return UserError(f"cannot decode {path}: {reason}{extra}", ExitCode.INPUT_ERROR)

    def unreadable_masks(self) -> UserError | None:
        """The refusal of a dataset whose every mask stores 16 bits per colour channel and
        reads as a single value; None otherwise (one such file among others is a finding)."""
        if len(self.top_byte_masks) != len(self.decoded_masks):
            return None
        reason = unreadable_top_byte_masks(self.top_byte_masks)
        return None if reason is None else UserError(reason, ExitCode.INPUT_ERROR)


def first_failure(failures: Sequence[tuple[str, str]], order: Sequence[str] = ()
                  ) -> tuple[str, str]:
    """Of ``(path, reason)`` failures, the one whose path comes first in ``order`` (paths not
    in it after those that are), then in name order, with the reason recorded first for it:
    decode threads record failures in the order they finish, which varies from run to run;
    the same failures now name the same file. Which failures are recorded before a pipeline
    stops can still vary when several files are bad (elements decoded in parallel beside the
    first failing one may or may not finish): train's preflight records them all
    (:meth:`~unetdiag.training.pipeline.StreamingDatasets.preflight`).

    >>> first_failure([("b.png", "empty"), ("a.png", "truncated"), ("a.png", "empty")])
    ('a.png', 'truncated')
    >>> first_failure([("a.png", "truncated"), ("b.png", "empty")], order=["b.png", "a.png"])
    ('b.png', 'empty')
    """
    rank = {path: index for index, path in reversed(list(enumerate(order)))}
    return min(failures, key=lambda failure: (rank.get(failure[0], len(rank)), failure[0]))


def decode_pair(image_file: str, mask_file: str, *, channels: int, policy: MaskPolicy,
                decode_log: DecodeLog) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Read one pair with Pillow: the image (float32 ``(height, width, channels)``, scaled
    by its stored range), the mask decoded by ``policy`` (``(height, width)``) and its
    ignored pixels (None when the policy ignores no value); what the files hold beyond
    that goes into ``decode_log``.

    Raises:
        Exception: whatever reading raised, after recording it with the file's name
            (:meth:`DecodeLog.as_user_error` words it).
    """
    current = image_file
    try:
        own = read_image(image_file)  # its own channels: their kind is recorded once
        if image_file not in decode_log.image_kinds:
            decode_log.record_image_kind(image_file, image_kind(image_file, own))
        image = convert_channels(own, channels)
        if image.ndim != 3 or image.shape[-1] != channels:
            raise ValueError(f"decoded to shape {image.shape}, expected {channels} channel(s)")
        current = mask_file
        stored = load_mask(mask_file)
        inspected = inspect_stored(stored, policy)
        mask, ignored = decoded_planes(inspected, policy)
        if mask.ndim != 2:
            raise ValueError(f"mask decoded to shape {mask.shape}, expected height x width")
        numbered = read_by_numbering(inspected, policy)
        if numbered is not None:
            decode_log.record_label_map(mask_file, sorted(numbered.counts))
        elif mask_file not in decode_log.soft_values:  # an uncached run decodes every epoch
            soft = measure_soft_values(inspected)
            if soft is not None:
                decode_log.record_soft_values(mask_file, soft)
        _note_storage(decode_log, image_file, mask_file, inspected, mask, policy)
        if _colours_read_alike(stored.values, inspected.plane):
            decode_log.record_alike_colours(mask_file)
    except Exception as error:  # recorded with the file name, then re-raised
        decode_log.record_failure(current, getattr(error, "reason", None)
                                  or f"{type(error).__name__}: {error}")
        raise
    decode_log.record_sizes(image_file, mask_file, image, mask)
    if mask_file not in decode_log.stored_foreground:  # counted once, as the others
        decode_log.record_stored_foreground(mask_file, mask, ignored)
    return image, mask, ignored


def _colours_read_alike(values: np.ndarray, plane: np.ndarray) -> bool:
    """A colour mask storing several colours whose plane read holds a single value (only
    looked at when the plane is constant, so it costs nothing on ordinary masks)."""
    if values.ndim != 3 or np.any(plane != plane.flat[0]):
        return False
    colours = values.reshape(-1, values.shape[-1])
    return bool(np.any(colours != colours[0]))


def _note_storage(decode_log: DecodeLog, image_file: str, mask_file: str,
                  inspected: InspectedMask, mask: np.ndarray, policy: MaskPolicy) -> None:
    """What the files store that Pillow's reading leaves out (their headers: 16-bit colour,
    samples beyond the bands, a declared no-data value the policy reads as a class) and
    empty masks whose annotation is on a later frame."""
    plane = inspected.plane
    image_bits, samples, dropped, _ = header_facts(image_file)
    if image_bits:  # the values as read, before any change of channels
        decode_log.record_top_byte(image_file, image_bits,
                                   np.rint(read_image(image_file) * 255), is_mask=False)
    if dropped:
        decode_log.record_dropped_samples(image_file, samples, samples - dropped)
    mask_bits, _, _, nodata = header_facts(mask_file)
    if mask_bits:
        decode_log.record_top_byte(mask_file, mask_bits, plane, is_mask=True)
    # a declared 0 is the background of most label rasters that declare it: not warned of
    declared_nan = 0
    if nodata not in (None, 0) and plane.ndim == 2 and nodata not in policy.ignore_values:
        held = (np.isnan(plane) if plane.dtype.kind == "f" else np.zeros(plane.shape, bool)
                ) if np.isnan(nodata) else plane == nodata
        pixels = int(np.count_nonzero(held))
        if pixels and held.shape == mask.shape:
            decode_log.record_nodata(mask_file, nodata, pixels,
                                     int(np.count_nonzero(mask[held] > 0)))
            declared_nan = pixels if np.isnan(nodata) else 0
    encoding = inspected.encoding
    # NaN the file declares no-data is worded by the no-data finding; any other non-finite
    # value is decoded as background without a word unless recorded here
    if encoding.nonfinite_count > declared_nan:
        decode_log.record_nonfinite(mask_file, encoding.nonfinite_count, int(plane.size))
    if is_lossy_unit_mask(encoding):
        decode_log.record_lossy_unit(mask_file)
    if encoding.void_fraction > 0 and VOID_INDEX not in policy.ignore_values and \
            plane.shape == mask.shape:
        void = plane == VOID_INDEX
        decode_log.record_void(mask_file, int(np.count_nonzero(void)), int(plane.size),
                               int(np.count_nonzero(mask[void] > 0)))
    frames = inspected.encoding.frames
    if frames > 1:
        decode_log.record_multi_frame(mask_file, frames)
    if frames > 1 and not mask.any() and not np.any(plane != plane.flat[0]):
        later, examined = later_frame_with_values(mask_file)
        if later:
            decode_log.record_blank_first_frame(mask_file, frames, later, examined)
