"""How the audit groups masks by their storage (:class:`EncodingKey`: one row of the
encodings table) and the values the masks of each group hold (:class:`StoredValues`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from unetdiag.diag.data.decoding import MAX_LISTED_VALUES, MaskEncoding


class EncodingKey(NamedTuple):
    """How a mask is stored, as the audit groups masks (one row of the encodings table).

    ``scale`` is :class:`~unetdiag.diag.data.decoding.MaskEncoding`'s, or ``"one value (v)"``
    for a mask holding a single value (an empty mask fits several scales).
    """

    file_format: str
    mode: str
    dtype: str
    scale: str
    channels: int
    palette: str
    is_colour: bool
    lossy: bool
    alpha: str

    @classmethod
    def of(cls, encoding: MaskEncoding) -> EncodingKey:
        single = encoding.values[0] if encoding.values else "non-finite"
        return cls(file_format=encoding.file_format, mode=encoding.mode, dtype=encoding.dtype,
                   scale=(encoding.scale if encoding.distinct_values > 1
                          else f"one value ({single})"),
                   channels=encoding.channels, palette=encoding.palette,
                   is_colour=encoding.is_colour, lossy=encoding.lossy, alpha=encoding.alpha)


@dataclass
class StoredValues:
    """The values the masks of one encoding hold, over every mask of that encoding.

    Attributes:
        values: the smallest distinct finite values seen, at most
            :data:`~unetdiag.diag.data.decoding.MAX_LISTED_VALUES`.
        complete: ``values`` lists every distinct finite value of every mask.
        low, high: the smallest and largest finite value (NaN when none).
    """

    values: list[float | int]
    complete: bool
    low: float
    high: float

    @classmethod
    def of(cls, encoding: MaskEncoding) -> StoredValues:
        listed = list(encoding.values)
        finite = encoding.distinct_values - (1 if encoding.nonfinite_count else 0)
        return cls(listed, len(listed) >= finite, float(encoding.min_value),
                   float(encoding.max_value))

    def merged(self, other: StoredValues) -> StoredValues:
        union = sorted(set(self.values) | set(other.values))
        return StoredValues(union[:MAX_LISTED_VALUES],
                            self.complete and other.complete and len(union) <= MAX_LISTED_VALUES,
                            float(np.fmin(self.low, other.low)),
                            float(np.fmax(self.high, other.high)))


def merge_values(into: dict[EncodingKey, StoredValues], key: EncodingKey,
                 values: StoredValues) -> None:
    """Fold ``values`` into the summary of ``key``."""
    into[key] = into[key].merged(values) if key in into else values
