"""What the decoder knows about one mask: :class:`MaskEncoding` (how it is stored and what
the policy makes of it) and :class:`InspectedMask` (its plane, with the counts to judge it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from unetdiag.diag.core.findings import jsonable
from unetdiag.diag.data.mask_scales import Scale, auto_threshold, kept_range
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy, Polarity
from unetdiag.diag.data.rules import ValueRule

#: How many of the smallest distinct values a :class:`MaskEncoding` lists.
MAX_LISTED_VALUES = 16


@dataclass(frozen=True)
class MaskEncoding:
    """How one mask is stored, and what the policy in force makes of it.

    Value statistics (``distinct_values`` to ``nonbinary_fraction``) describe the single plane
    that is thresholded: after colour channels are collapsed and alpha is applied.

    Attributes:
        file_format: Pillow's format name (``"PNG"``, ``"JPEG"``, ``"GIF"``, ``"TIFF"``...), or
            ``""`` for an array that never was a file.
        mode: Pillow mode as stored (``"L"``, ``"P"``, ``"RGB"``, ``"I;16"``, ``"F"``...).
        dtype: NumPy dtype of the stored values.
        height, width: size in pixels.
        channels: stored channels (1 for gray and palette, 3 for RGB, 4 for RGBA).
        distinct_values: how many distinct values the plane holds (NaN counts as one).
        values: the smallest distinct finite values, at most :data:`MAX_LISTED_VALUES`.
        min_value, max_value: over the finite values (NaN when there are none).
        scale: ``"binary"`` (values within {0, 1}), ``"uint8"`` (0..255), ``"uint16"``
            (0..65535), ``"uint32"`` (integers past 16 bits), ``"float_unit"`` (floats within
            [0, 1]), ``"float"`` (any other range) or ``"palette"`` (colour-palette indices,
            kept as labels). Integer data is judged by the narrowest range that holds it: a
            16-bit file holding 0/255 is ``"uint8"``; object numbers within 0..255 in a
            16- or 32-bit file (instance ids 1..136) are on that file's scale, ``"uint16"``
            or ``"uint32"``; in an 8-bit file, numbers on both sides of the 8-bit midpoint
            (instance ids 1..137) are ``"uint8_labels"``, whose automatic threshold leaves
            every number background
            (:func:`~unetdiag.diag.data.mask_scales.recognised_scale`).
        threshold: the threshold that was applied (``policy.threshold`` or the auto midpoint).
        polarity: the policy's polarity (``"bright"`` or ``"dark"``).
        nonbinary_fraction: share of pixels at neither end of the scale (e.g. neither 0 nor
            255 for ``"uint8"``); non-finite pixels count as non-binary.
        foreground_fraction: share of pixels that decode to 1 under the policy.
        nonfinite_count: NaN and infinite pixels.
        is_colour: the plane is the colour channels' and they differ somewhere (a colour,
            not a gray, mask; False when the alpha channel is the mask).
        alpha: ``"none"`` (no alpha channel), ``"opaque"`` (alpha everywhere full),
            ``"unused"`` (a BMP's alpha byte 0 everywhere: ignored, the colour is the mask),
            ``"composited"`` (the opaque colours draw both classes: colour composited over
            black) or ``"mask"`` (the alpha channel was read as the mask).
        palette: ``"none"``, ``"labels"`` (colour palette, indices kept as labels) or
            ``"gray"`` (grayscale palette, indices mapped to gray levels).
        lossy: stored in a lossy format (JPEG, or JPEG compression inside a TIFF).
        frames: frames or pages in the file; only the first is used.
        ignored_fraction: share of pixels holding one of the policy's ``ignore_values``.
        void_fraction: share of pixels at the palette's void index (:data:`VOID_INDEX`), 0
            for masks that are not palette labels.
    """

    file_format: str
    mode: str
    dtype: str
    height: int
    width: int
    channels: int
    distinct_values: int
    values: list[float | int]
    min_value: float | int
    max_value: float | int
    scale: Scale
    threshold: float
    polarity: Polarity
    nonbinary_fraction: float
    foreground_fraction: float
    nonfinite_count: int
    is_colour: bool
    alpha: str
    palette: str
    lossy: bool
    frames: int = 1
    ignored_fraction: float = 0.0
    void_fraction: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become ``"nan"``, ``"inf"``, ``"-inf"``)."""
        return {key: jsonable(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class InspectedMask:
    """The one plane of a mask that is thresholded, and everything known about it.

    Attributes:
        plane: HxW values (colour collapsed, alpha applied), in the stored dtype.
        encoding: the :class:`MaskEncoding` under the policy in force.
        value_counts: pixels per distinct value for an 8-bit plane, else ``None``: any
            threshold is then judged from these few counts instead of from every pixel.
        policy: the policy in force.
    """

    plane: np.ndarray
    encoding: MaskEncoding
    value_counts: dict[int, int] | None
    policy: MaskPolicy = DEFAULT_POLICY

    @property
    def _rule(self) -> ValueRule:
        return ValueRule(self.policy, self.encoding.palette == "labels")

    def foreground_count(self, threshold: float | None = None) -> int:
        """Pixels that decode to foreground at ``threshold`` (default: the policy's rule)
        under the policy's polarity; ignored pixels are never foreground."""
        rule = self._rule if threshold is None else self._rule.with_threshold_rule()
        if threshold is None:
            threshold = self.encoding.threshold
        return rule.foreground_count(self.plane, self.value_counts, threshold,
                                     self.encoding.polarity)

    @property
    def ignored_count(self) -> int:
        """Pixels holding one of the policy's ignore values."""
        return self._rule.ignored_count(self.plane, self.value_counts)

    @property
    def midpoint(self) -> float:
        """The auto threshold of this plane's scale, whatever the policy fixed."""
        encoding = self.encoding
        low, high = kept_range(self.plane, self.value_counts, self.policy.ignore_values,
                                encoding.min_value, encoding.max_value)
        return auto_threshold(encoding.scale, low, high)

    def foreground(self, out: np.ndarray | None = None) -> np.ndarray:
        """The decoded mask (bool HxW) under the policy, written into ``out`` when given."""
        return self._rule.foreground(self.plane, self.encoding.threshold,
                                     self.encoding.polarity, out)

    def ignored(self) -> np.ndarray | None:
        """Bool HxW of the ignored pixels; None when the policy ignores no value."""
        if not self.policy.ignore_values:
            return None
        return np.isin(self.plane, self.policy.ignore_values)
