"""The data package's public names for the rest of unetdiag, in one import.

Three modules do the work, one job each:

- :mod:`unetdiag.diag.data.policy`: :class:`MaskPolicy`, the recorded choice of how stored
  values become {0, 1};
- :mod:`unetdiag.diag.data.reading`: opening files with Pillow (:func:`read_image`,
  :func:`load_mask_values`, :class:`ImageReadError`): the values as stored;
- :mod:`unetdiag.diag.data.decoding`: the one decoder (:func:`decode_mask`,
  :func:`decode_mask_with_ignore`, :func:`mask_encoding`, :func:`resolve_threshold`): the only
  way stored values become {0, 1}.

>>> from unetdiag.diag.data import decoding
>>> decode_mask is decoding.decode_mask
True
"""

from __future__ import annotations

from unetdiag.diag.data.decoding import (
    MAX_LISTED_VALUES,
    MaskEncoding,
    decode_mask,
    decode_mask_with_ignore,
    mask_encoding,
    resolve_threshold,
)
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.data.reading import (
    LOSSY_EXTENSIONS,
    LUMA_WEIGHTS,
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    load_mask_values,
    read_image,
)

__all__ = [
    "DEFAULT_POLICY",
    "LOSSY_EXTENSIONS",
    "LUMA_WEIGHTS",
    "MAX_LISTED_VALUES",
    "SUPPORTED_EXTENSIONS",
    "ImageReadError",
    "MaskEncoding",
    "MaskPolicy",
    "decode_mask",
    "decode_mask_with_ignore",
    "load_mask_values",
    "mask_encoding",
    "read_image",
    "resolve_threshold",
]
