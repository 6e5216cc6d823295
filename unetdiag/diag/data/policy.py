"""The mask policy: how stored mask values become {0, 1}, chosen once and recorded.

>>> MaskPolicy(polarity="dark").to_dict()
{'threshold': None, 'polarity': 'dark', 'normalise': True}
"""

from __future__ import annotations

import math
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

    def __post_init__(self) -> None:
        if self.polarity not in ("bright", "dark"):
            raise ValueError(f"polarity must be 'bright' or 'dark', got {self.polarity!r}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number or None, got {self.threshold}")

    def to_dict(self) -> dict:
        return asdict(self)


#: The auto policy: midpoint threshold, bright foreground, values normalised to {0, 1}.
DEFAULT_POLICY = MaskPolicy()
