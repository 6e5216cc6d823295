"""The one place stored mask values become {0, 1}: under a :class:`MaskPolicy`, never ``> 0``.

How stored values become {0, 1} (:func:`decode_mask`):

1. The stored values are read as they are (:func:`~unetdiag.diag.data.reading.load_stored_mask`):
   8-bit, 16-bit, float, palette indices or colour.
2. Colour masks collapse to one plane with the channel maximum (a coloured object on black is
   foreground). Where alpha varies, the alpha *is* the mask (transparent is background), unless
   the opaque pixels' colours draw both classes (mostly two levels, dark and bright): then the
   colour is composited over black (a transparent pixel is background), as it is under an
   alpha that is the same everywhere (a layer saved at 50 % opacity), unless that alpha is a
   BMP's unused fourth byte, 0 everywhere (ignored). A black object on a
   transparent white background and a cut-out photograph are alpha masks; a red object on a
   transparent background reads the same either way.
3. The plane's *scale* is recognised from its values (:func:`mask_encoding`), and the threshold
   is the midpoint of that scale unless the policy fixes one (:func:`resolve_threshold`). A
   JPEG mask whose values stay within 0..3 is 0/1 data with compression noise (0.5), not
   0/255 data (127.5, which would make every object background).
4. ``value > threshold`` is bright; ``MaskPolicy.polarity`` says whether bright or dark is the
   foreground (:func:`~unetdiag.diag.data.rules.binarise`). Non-finite values are background
   under either polarity.

Palette indices (a palette with colours, see :mod:`unetdiag.diag.data.reading`) are *labels*:
index 0 is background, index 255 is void (PASCAL VOC's border and "difficult" label: decoded as
background, never foreground) and every other index foreground. That rule exists only because
indices are labels; it is never applied to intensity data.

A policy with ``foreground_values`` replaces steps 3 and 4 by a value rule: foreground is
exactly the listed values of the plane (label maps). Values in ``ignore_values`` are never
foreground under either rule; :func:`decode_mask_with_ignore` says which pixels they are.

Every reader goes through :func:`inspect_mask_values`: the trainer (:func:`decode_mask`), the
audit (:func:`inspect_stored` on a file it has already opened) and the synthetic dataset's
corruptions. An 8-bit plane, by far the commonest, is judged from the counts of its few
distinct values (two, for a clean mask) rather than from a sort of its pixels.

>>> import numpy as np
>>> encoding = mask_encoding(np.array([[0, 255], [255, 0]], np.uint8), "PNG", "L", MaskPolicy())
>>> encoding.scale, encoding.threshold, encoding.foreground_fraction
('uint8', 127.5, 0.5)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unetdiag.diag.data.instances import load_mask
from unetdiag.diag.data.mask_planes import UNUSED_ALPHA_FORMATS, channels_differ, mask_plane
from unetdiag.diag.data.mask_records import MAX_LISTED_VALUES, InspectedMask, MaskEncoding
from unetdiag.diag.data.mask_scales import (
    auto_threshold,
    finite_range,
    kept_range,
    recognised_scale,
    resolve_threshold,
    scale_ends,
)
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.data.reading import LOSSY_FORMATS, PALETTE_MODE, StoredMask
from unetdiag.diag.data.rules import VOID_INDEX, ValueRule
from unetdiag.diag.data.value_counts import value_counts

#: The decoder's names, and those of its parts that callers reach through it.
__all__ = [
    "MAX_LISTED_VALUES",
    "UNUSED_ALPHA_FORMATS",
    "InspectedMask",
    "MaskEncoding",
    "channels_differ",
    "decode_mask",
    "decode_mask_with_ignore",
    "decoded_planes",
    "inspect_mask_values",
    "inspect_stored",
    "mask_encoding",
    "resolve_threshold",
    "scale_ends",
]


def inspect_mask_values(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy,
                        *, gray_palette: bool = False, lossy: bool | None = None,
                        frames: int = 1) -> InspectedMask:
    """The plane to threshold and everything known about it (see :func:`mask_encoding`)."""
    values = np.asarray(values)
    if values.ndim not in (2, 3) or 0 in values.shape:
        raise ValueError(f"mask values must be a non-empty HxW or HxWxC array, got shape "
                         f"{values.shape}")
    if values.dtype == np.bool_:
        values = values.astype(np.uint8)
    if lossy is None:
        lossy = file_format in LOSSY_FORMATS
    plane, is_colour, alpha = mask_plane(values, file_format)
    palette = "none" if mode != PALETTE_MODE else "gray" if gray_palette else "labels"
    counts = value_counts(plane) if plane.dtype == np.uint8 else None
    low, high = (min(counts), max(counts)) if counts is not None else finite_range(plane)
    # the scale is that of the values the policy reads: an ignored value (255 of 0/1 labels,
    # -9999 no-data) is no level of it and must not move the midpoint
    kept_low, kept_high = kept_range(plane, counts, policy.ignore_values, low, high)
    scale = recognised_scale(plane, palette == "labels", kept_low, kept_high, lossy,
                             grey=not is_colour and alpha != "mask", counts=counts)
    threshold = (float(policy.threshold) if policy.threshold is not None
                 else auto_threshold(scale, kept_low, kept_high))
    bottom, top = scale_ends(scale, kept_low, kept_high)
    nonfinite = 0
    if counts is not None:
        distinct = sorted(counts)
        listed = distinct[:MAX_LISTED_VALUES]
        at_ends = sum(counts.get(int(end), 0) for end in {bottom, top})
        at_ends += sum(count for value, count in counts.items()
                       if value in policy.ignore_values and value not in (bottom, top))
    else:
        distinct = np.unique(plane)
        finite_distinct = distinct
        if np.issubdtype(plane.dtype, np.floating):
            nonfinite = int(np.count_nonzero(~np.isfinite(plane)))
            finite_distinct = distinct[np.isfinite(distinct)]
        listed = [value.item() for value in finite_distinct[:MAX_LISTED_VALUES]]
        ends = (plane == bottom) | (plane == top)
        if policy.ignore_values:
            ends |= np.isin(plane, policy.ignore_values)
        at_ends = int(np.count_nonzero(ends))
    pixel_count = plane.size
    rule = ValueRule(policy, palette == "labels")
    foreground = rule.foreground_count(plane, counts, threshold, policy.polarity)
    void = 0
    if palette == "labels":
        void = (counts.get(VOID_INDEX, 0) if counts is not None
                else int(np.count_nonzero(plane == VOID_INDEX)))
    encoding = MaskEncoding(
        file_format=file_format,
        mode=mode,
        dtype=str(values.dtype),
        height=int(plane.shape[0]),
        width=int(plane.shape[1]),
        channels=int(values.shape[2]) if values.ndim == 3 else 1,
        distinct_values=len(distinct),
        values=listed,
        min_value=low,
        max_value=high,
        scale=scale,
        threshold=threshold,
        polarity=policy.polarity,
        nonbinary_fraction=(pixel_count - at_ends) / pixel_count,
        foreground_fraction=foreground / pixel_count,
        nonfinite_count=nonfinite,
        is_colour=is_colour,
        alpha=alpha,
        palette=palette,
        lossy=lossy,
        frames=frames,
        ignored_fraction=rule.ignored_count(plane, counts) / pixel_count,
        void_fraction=void / pixel_count,
    )
    return InspectedMask(plane, encoding, counts, policy)


def inspect_stored(stored: StoredMask, policy: MaskPolicy) -> InspectedMask:
    """:func:`inspect_mask_values` of a mask as a file stores it."""
    return inspect_mask_values(stored.values, stored.file_format, stored.mode, policy,
                               gray_palette=stored.gray_palette, lossy=stored.lossy,
                               frames=stored.frames)


def mask_encoding(values: np.ndarray, file_format: str, mode: str, policy: MaskPolicy,
                  *, gray_palette: bool = False, lossy: bool | None = None,
                  frames: int = 1) -> MaskEncoding:
    """Inspect stored mask values (no file needed): scale, threshold, value statistics.

    Args:
        values: stored values as :func:`~unetdiag.diag.data.reading.load_mask_values` returns
            them (HxW or HxWxC).
        file_format: Pillow format name, or ``""``.
        mode: Pillow mode; ``"P"`` means the values are palette indices (labels) unless
            ``gray_palette`` says they were already mapped to gray levels. 2 or 4 channels
            are read as gray/colour plus alpha, whatever the mode.
        policy: the :class:`MaskPolicy` in force.
        gray_palette: the values came from a grayscale palette and are gray levels.
        lossy: stored lossily; default: ``file_format`` is JPEG.
        frames: frames or pages in the file.

    >>> import numpy as np
    >>> jpeg_like = np.array([[0, 3, 250, 255]], np.uint8)
    >>> encoding = mask_encoding(jpeg_like, "JPEG", "L", MaskPolicy())
    >>> encoding.lossy, encoding.nonbinary_fraction, encoding.foreground_fraction
    (True, 0.5, 0.5)
    """
    return inspect_mask_values(values, file_format, mode, policy, gray_palette=gray_palette,
                               lossy=lossy, frames=frames).encoding


def decode_mask(path: Path | str,
                policy: MaskPolicy = DEFAULT_POLICY) -> tuple[np.ndarray, MaskEncoding]:
    """Decode a mask file to uint8 HxW in {0, 1} under ``policy``, with how it was stored.

    ``path`` may also name one page of a multi-page file (``stack.tif#page=3``) or a folder
    of object masks or a set of numbered masks, merged first
    (:func:`~unetdiag.diag.data.instances.load_mask`). Colour
    masks collapse with the channel maximum and report ``is_colour``; the threshold is
    :func:`resolve_threshold`'s; ``polarity="dark"`` makes the dark class the foreground.
    With ``policy.normalise=False`` the raw single-channel values come back as float32
    instead (only to reproduce the 0/255 failure); the encoding is computed all the same.

    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "mask.png"
    >>> Image.fromarray(np.array([[0, 255], [255, 255]], np.uint8)).save(path)
    >>> mask, encoding = decode_mask(path)
    >>> mask.tolist(), encoding.scale, encoding.foreground_fraction
    ([[0, 1], [1, 1]], 'uint8', 0.75)

    Raises:
        ImageReadError: as :func:`~unetdiag.diag.data.reading.load_mask_values`, and
            :func:`~unetdiag.diag.data.instances.read_instance_masks` for a folder.
    """
    mask, _ignored, encoding = decode_mask_with_ignore(path, policy)
    return mask, encoding


def decode_mask_with_ignore(path: Path | str, policy: MaskPolicy = DEFAULT_POLICY
                            ) -> tuple[np.ndarray, np.ndarray | None, MaskEncoding]:
    """:func:`decode_mask`, and which pixels the policy ignores: ``(mask, ignored,
    encoding)`` with ``ignored`` a bool HxW array (None when ``policy.ignore_values`` is
    empty). Ignored pixels are 0 in ``mask``.

    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "trimap.png"
    >>> Image.fromarray(np.array([[1, 3, 2, 2]], np.uint8)).save(path)
    >>> policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    >>> mask, ignored, encoding = decode_mask_with_ignore(path, policy)
    >>> mask.tolist(), ignored.tolist(), encoding.ignored_fraction
    ([[1, 0, 0, 0]], [[False, True, False, False]], 0.25)

    Raises:
        ImageReadError: as :func:`~unetdiag.diag.data.reading.load_mask_values`, and
            :func:`~unetdiag.diag.data.instances.read_instance_masks` for a folder.
    """
    inspected = inspect_stored(load_mask(path), policy)
    mask, ignored = decoded_planes(inspected, policy)
    return mask, ignored, inspected.encoding


def decoded_planes(inspected: InspectedMask, policy: MaskPolicy
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """``(mask, ignored)`` of an inspected mask, as :func:`decode_mask_with_ignore` returns
    them (the raw plane as float32 when ``policy.normalise`` is False)."""
    if not policy.normalise:
        return inspected.plane.astype(np.float32), inspected.ignored()
    return inspected.foreground().astype(np.uint8), inspected.ignored()
