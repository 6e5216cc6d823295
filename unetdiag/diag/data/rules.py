"""How a :class:`~unetdiag.diag.data.policy.MaskPolicy` classes stored values: foreground,
background or ignored. Pure NumPy; :mod:`unetdiag.diag.data.decoding` applies it to masks.

Under the threshold rule a value is bright when ``value > threshold`` and the policy's polarity
says which side is the foreground; palette labels never make the void index
(:data:`VOID_INDEX`) foreground. Under the value rule (``foreground_values``) foreground is
exactly the listed values. Ignored values are never foreground under either rule.

>>> from unetdiag.diag.data.policy import MaskPolicy
>>> rule = ValueRule(MaskPolicy(ignore_values=(255,)), palette_labels=True)
>>> [rule.value_class(value, 0.5, "bright") for value in (0, 1, 255)]
['background', 'foreground', 'ignored']
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from unetdiag.diag.data.policy import MaskPolicy, Polarity

#: The palette index that marks void (PASCAL VOC's object borders and "difficult" regions):
#: never foreground under the threshold rule.
VOID_INDEX = 255
_UINT8_MAX = 255

ValueClass = Literal["foreground", "background", "ignored"]


def binarise(plane: np.ndarray, threshold: float, polarity: Polarity | str,
             out: np.ndarray | None = None) -> np.ndarray:
    """Boolean foreground of ``plane``: bright is ``value > threshold``, ``polarity`` says
    which class is the foreground, and non-finite values are background either way.

    Written into ``out`` (a boolean array of the plane's shape) when it is given. 8-bit values
    are compared as integers (``v > t`` is ``v > floor(t)`` for whole numbers): no float copy.

    >>> import numpy as np
    >>> binarise(np.array([0, 100, 200], np.uint8), 127.5, "bright").tolist()
    [False, False, True]
    >>> binarise(np.array([0.0, 1.0, np.nan]), 0.5, "dark").tolist()
    [True, False, False]
    """
    if out is None:
        out = np.empty(plane.shape, dtype=bool)
    if plane.dtype == np.uint8:
        cut = math.floor(threshold)
        if cut < 0:
            out[...] = True
        elif cut >= _UINT8_MAX:
            out[...] = False
        else:
            np.greater(plane, np.uint8(cut), out=out)
    else:
        np.greater(plane, threshold, out=out)
    if polarity == "dark":
        np.logical_not(out, out=out)
    if plane.dtype.kind == "f":
        out &= np.isfinite(plane)
    return out


@dataclass(frozen=True)
class ValueRule:
    """A policy applied to values: the threshold rule or the value rule, less the ignored
    values and (for palette labels under the threshold rule) the void index."""

    policy: MaskPolicy
    palette_labels: bool
    threshold_rule_only: bool = False

    def with_threshold_rule(self) -> ValueRule:
        """The same rule judged by threshold even under a value policy (for the threshold
        sensitivity of a mask)."""
        return ValueRule(self.policy, self.palette_labels, threshold_rule_only=True)

    @property
    def _by_values(self) -> bool:
        return self.policy.by_values and not self.threshold_rule_only

    @property
    def _void(self) -> bool:
        return self.palette_labels and not self._by_values

    @property
    def plain(self) -> bool:
        """No value set to honour: the threshold alone decides."""
        return not (self._by_values or self._void or self.policy.ignore_values)

    def value_class(self, value: float, threshold: float, polarity: str) -> ValueClass:
        """What the rule makes of one stored value (``threshold`` and ``polarity`` serve the
        threshold rule)."""
        if value in self.policy.ignore_values:
            return "ignored"
        return ("foreground" if self.is_foreground(value, threshold, polarity)
                else "background")

    def is_foreground(self, value: float, threshold: float, polarity: str) -> bool:
        if value in self.policy.ignore_values:
            return False
        if self._by_values:
            return value in self.policy.foreground_values
        if self._void and value == VOID_INDEX:
            return False
        return (value > threshold) == (polarity == "bright")

    def foreground(self, plane: np.ndarray, threshold: float, polarity: str,
                   out: np.ndarray | None = None) -> np.ndarray:
        if self._by_values:
            chosen = np.isin(plane, self.policy.foreground_values)
            if out is None:
                out = chosen
            else:
                out[...] = chosen
        else:
            out = binarise(plane, threshold, polarity, out)
            if self._void:
                out &= plane != VOID_INDEX
        if self.policy.ignore_values:
            out &= ~np.isin(plane, self.policy.ignore_values)
        return out

    def foreground_count(self, plane: np.ndarray, value_counts: dict[int, int] | None,
                         threshold: float, polarity: str) -> int:
        if value_counts is not None:
            return sum(count for value, count in value_counts.items()
                       if self.is_foreground(value, threshold, polarity))
        if self.plain:
            return int(np.count_nonzero(binarise(plane, threshold, polarity)))
        return int(np.count_nonzero(self.foreground(plane, threshold, polarity)))

    def ignored_count(self, plane: np.ndarray, value_counts: dict[int, int] | None) -> int:
        ignore = self.policy.ignore_values
        if not ignore:
            return 0
        if value_counts is not None:
            return sum(value_counts.get(value, 0) for value in ignore if value in value_counts)
        return int(np.count_nonzero(np.isin(plane, ignore)))
