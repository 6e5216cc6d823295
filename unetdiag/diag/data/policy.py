"""The mask policy: how stored mask values become {0, 1}, chosen once and recorded.

Two ways to choose the foreground:

* a threshold rule (the default): a stored value ``v`` is bright when ``v > threshold`` and
  ``polarity`` says whether bright or dark is the foreground. Right for intensity masks
  (0/255, 0/1, 16-bit, float, JPEG);
* a value rule (``foreground_values``): foreground is exactly the stored values listed. Right
  for label maps, whose values are class numbers (the Oxford-IIIT Pet trimaps store 1 = pet,
  2 = background, 3 = border; CamVid stores 0..11).

``ignore_values`` work under either rule: a pixel storing one of them is neither foreground
nor background. It weighs 0 in every loss and metric of ``unetdiag train`` and is left out of
every count of ``audit-data`` (as nnU-Net's ignore label).

>>> MaskPolicy(polarity="dark").to_dict()["polarity"], MaskPolicy().flags()
('dark', '')
>>> MaskPolicy(foreground_values=[1], ignore_values=[3]).flags()
'--foreground-values 1 --ignore-values 3'
>>> MaskPolicy(foreground_values=(1,), ignore_values=(3,)).describe()
'foreground = stored value 1; ignored: 3'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Polarity = Literal["bright", "dark"]


def _number_tuple(values: Iterable[Any], name: str) -> tuple[float | int, ...]:
    """Sorted, distinct, finite numbers (whole numbers kept as ``int``)."""
    found: list[float | int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must hold numbers, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must hold finite numbers, got {value}")
        found.append(int(value) if float(value).is_integer() else float(value))
    return tuple(sorted(set(found)))


def format_values(values: Iterable[float | int]) -> str:
    """Values as the command line takes them: ``"1,2,255"``; runs of at least three
    consecutive whole numbers as ranges (``"1-20,255"``).

    >>> format_values([1, 2, 3, 4, 255]), format_values([0.5, 2])
    ('1-4,255', '0.5,2')
    """
    parts: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if len(run) >= 3:
            parts.append(f"{run[0]}-{run[-1]}")
        else:
            parts.extend(str(number) for number in run)
        run.clear()

    for value in sorted(set(values)):
        if float(value).is_integer() and value >= 0:
            number = int(value)
            if run and number != run[-1] + 1:
                flush()
            run.append(number)
        else:
            flush()
            parts.append(f"{value:g}")
    flush()
    return ",".join(parts)


@dataclass(frozen=True)
class MaskPolicy:
    """How stored mask values become {0, 1}.

    Attributes:
        threshold: a stored value ``v`` is "bright" when ``v > threshold``. ``None`` (auto)
            takes the midpoint of the mask's nominal scale: 0.5 for 0/1 data, 127.5 for
            8-bit 0/255 data, 32767.5 for 16-bit data (robust to JPEG noise); 0.5 on palette
            indices and 255 on 8-bit label numbers (:func:`~unetdiag.diag.data.mask_scales.
            auto_threshold`). ``0`` reproduces
            the original project's ``mask > 0``.
        polarity: ``"bright"``: foreground is the bright class (values above threshold);
            ``"dark"``: foreground is the dark class (e.g. membranes in the ISBI 2012 EM set).
        normalise: when False, masks are passed on with their raw values (only for reproducing
            the 0/255 failure; the batch audit then stops the run).
        foreground_values: when given, foreground is exactly these stored values (of the one
            plane a mask is reduced to: gray levels, palette indices, the brightest colour
            channel) and the threshold rule is off; ``threshold`` and ``polarity`` must then
            keep their defaults.
        ignore_values: stored values whose pixels are ignored: never foreground, and weighed 0
            by every loss and metric.
    """

    threshold: float | None = None
    polarity: Polarity = "bright"
    normalise: bool = True
    foreground_values: tuple[float | int, ...] = ()
    ignore_values: tuple[float | int, ...] = ()

    def __post_init__(self) -> None:
        if self.polarity not in ("bright", "dark"):
            raise ValueError(f"polarity must be 'bright' or 'dark', got {self.polarity!r}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ValueError(f"threshold must be a finite number or None, got {self.threshold}")
        # JSON gives lists back (config.json of a resumed run): stored as sorted tuples
        object.__setattr__(self, "foreground_values",
                           _number_tuple(self.foreground_values, "foreground_values"))
        object.__setattr__(self, "ignore_values",
                           _number_tuple(self.ignore_values, "ignore_values"))
        if self.foreground_values and (self.threshold is not None or self.polarity != "bright"):
            raise ValueError("foreground values replace the threshold rule: give either "
                             "foreground values or a threshold/polarity, not both")
        both = set(self.foreground_values) & set(self.ignore_values)
        if both:
            raise ValueError(f"values {format_values(both)} are both foreground and ignored")

    @property
    def dark_is_foreground(self) -> bool:
        """True under ``--mask-polarity dark``: the dark class is the object."""
        return self.polarity == "dark"

    @property
    def by_values(self) -> bool:
        """True when foreground is chosen by stored value (``foreground_values``)."""
        return bool(self.foreground_values)

    def describe(self) -> str:
        """The rule in a few words (for findings and reports)."""
        if self.by_values:
            count = len(self.foreground_values)
            rule = (f"foreground = stored value{'s' if count > 1 else ''} "
                    f"{format_values(self.foreground_values)}")
        else:
            threshold = (AUTOMATIC_THRESHOLD if self.threshold is None
                         else f"{self.threshold:g}")
            rule = f"foreground = the {self.polarity} class, threshold {threshold}"
        if self.ignore_values:
            rule += f"; ignored: {format_values(self.ignore_values)}"
        return rule

    def flags(self) -> str:
        """The command-line options that select this policy (``""`` for the default)."""
        options = []
        if self.threshold is not None:
            options.append(f"--mask-threshold {self.threshold:g}")
        if self.polarity != "bright":
            options.append(f"--mask-polarity {self.polarity}")
        if self.foreground_values:
            options.append(f"--foreground-values {format_values(self.foreground_values)}")
        if self.ignore_values:
            options.append(f"--ignore-values {format_values(self.ignore_values)}")
        return " ".join(options)

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "polarity": self.polarity,
                "normalise": self.normalise, "foreground_values": list(self.foreground_values),
                "ignore_values": list(self.ignore_values)}


#: The automatic threshold in words: a midpoint on the intensity scales, but not on palette
#: indices (0.5: every index but 0 foreground) nor on 8-bit label numbers (255: none).
AUTOMATIC_THRESHOLD = ("automatic for each mask's scale (its midpoint, 0.5 on palette indices, "
                       "255 on 8-bit label numbers)")

#: The auto policy: midpoint threshold, bright foreground, values normalised to {0, 1}.
DEFAULT_POLICY = MaskPolicy()
