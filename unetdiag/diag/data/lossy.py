"""Which masks are 0/1 masks stored in a lossy format (JPEG): the one rule train/evaluate's
decoder and audit-data share (review 6, A1: train counted every empty JPEG of a 0/255 set)."""

from __future__ import annotations

from unetdiag.diag.data.decoding import MaskEncoding


def is_lossy_unit_mask(encoding: MaskEncoding) -> bool:
    """A mask stored lossily on the 0/1 scale that holds both 0 and 1.

    An all-0 JPEG (an empty mask of a 0/255 set reads back as exactly 0) fits the 0/1 scale
    too, but has no foreground to lose and says nothing of its set's scale: not counted.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import mask_encoding
    >>> from unetdiag.diag.data.policy import MaskPolicy
    >>> def of(values):
    ...     return is_lossy_unit_mask(mask_encoding(np.array(values, np.uint8), "JPEG", "L",
    ...                                             MaskPolicy()))
    >>> of([[0, 1], [2, 0]]), of([[0, 0], [0, 0]]), of([[0, 255], [250, 3]])
    (True, False, False)
    """
    values = encoding.values
    return bool(encoding.lossy and encoding.scale == "binary" and 0 in values and 1 in values)
