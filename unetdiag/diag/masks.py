"""Mask decoding under one explicit, recorded policy (never a silent ``> 0``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Polarity = Literal["bright", "dark"]


@dataclass(frozen=True)
class MaskPolicy:
    """How stored mask values become {0, 1}.

    Attributes:
        threshold: a stored value ``v`` is "bright" when ``v > threshold``. ``None`` (auto)
            takes the midpoint of the mask's nominal scale: 0.5 for 0/1 data, 127.5 for
            8-bit 0/255 data, 32767.5 for 16-bit data (robust to JPEG noise). ``0`` reproduces
            the original project's ``mask > 0``.
        polarity: ``"bright"``: foreground is the bright class (values above threshold);
            ``"dark"``: foreground is the dark class (e.g. membranes in the ISBI 2012 EM set).
        normalise: when False, masks are passed on with their raw values (only for reproducing
            the 0/255 failure; the batch audit then stops the run).
    """

    threshold: float | None = None
    polarity: Polarity = "bright"
    normalise: bool = True

    def to_dict(self) -> dict:
        return asdict(self)
