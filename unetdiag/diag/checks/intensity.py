"""``image.narrow_range``: images that use a small part of their nominal range (a 12-bit
camera in a 16-bit file), worded for ``audit-data`` and for ``unetdiag train``, which scales
its photometric augmentation to them (:mod:`unetdiag.diag.data.intensity`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.intensity import NARROW_RANGE
from unetdiag.diag.wording.text import plural, verb

#: A finding names at most this many files.
LISTED_FILES = 20


def _bits(value: float) -> int:
    return max(1, math.ceil(math.log2(value + 1)))


def blackout_share(image_max: float, brightness_max: float = 0.1) -> float:
    """The share of brightness shifts, uniform in [-brightness_max, brightness_max], below
    -image_max: those clip every pixel of an image to 0.

    >>> round(blackout_share(0.0625), 4)
    0.1875
    """
    return max(0.0, brightness_max - image_max) / (2 * brightness_max)


def narrow_range_audit(images: int, largest: float, nominal: float, depth: str,
                       files: Sequence[str]) -> Finding:
    """The audit's finding: ``images`` integer images of ``depth`` whose largest stored value
    is ``largest`` out of ``nominal``."""
    share = largest / nominal
    listed = list(files)[:LISTED_FILES]
    return Finding(
        id="image.narrow_range", severity=Severity.WARNING,
        title=f"{plural(images, depth + ' image')} {verb(images, 'uses', 'use')} at most "
              f"{share:.1%} of {'its' if images == 1 else 'their'} range (largest value "
              f"{largest:g} of {nominal:g})",
        explanation=(
            f"No pixel of these images exceeds {largest:g}, which fits in {_bits(largest)} "
            f"bits: scaled by {nominal:g}, as unetdiag and most loaders do, they span "
            f"[0, {share:.4g}]. A fixed photometric augmentation (brightness shifts up to "
            f"0.1, noise of 0.01) is then {0.1 / share:.3g} and {0.01 / share:.3g} times the "
            f"whole signal: shifts below -{share:.4g} ({blackout_share(share):.0%} of those "
            "drawn) clip every pixel to 0 and train on a black image with its mask. unetdiag "
            "train scales its brightness and noise to the images' largest value."),
        fix=(f"Nothing for unetdiag train. In another pipeline, scale by the data's range "
             f"(here {largest:g}) or normalise each image (z-score, as nnU-Net does for "
             "images that are not CT)."),
        evidence={"images": images, "largest_value": largest, "nominal_range": nominal,
                  "share_of_range": share, "narrow_below": NARROW_RANGE,
                  "files_listed": len(listed)},
        files=tuple(listed), source="audit")


def narrow_range_training(image_max: float, scale: float, brightness_max: float,
                          noise_std: float, source: str) -> Finding:
    """The trainer's note that it scaled brightness and noise by ``scale``."""
    return Finding(
        id="image.narrow_range", severity=Severity.INFO,
        title=f"Brightness and noise scaled to the images' range (largest value "
              f"{image_max:.4g})",
        explanation=(
            f"The training images reach at most {image_max:.4g} of their nominal range "
            f"(below {NARROW_RANGE:g}: a camera with fewer bits than its files, such as 12 in "
            "16), so the augmentation's brightness shifts and noise are scaled by "
            f"{scale:.4g}: up to {brightness_max * scale:.3g} and {noise_std * scale:.3g} "
            f"instead of {brightness_max:g} and {noise_std:g}, the same share of the signal "
            "as on images that fill their range. Unscaled, "
            f"{blackout_share(image_max, brightness_max):.0%} of the brightness shifts would "
            "have turned an image wholly black."),
        fix="Nothing to do.",
        evidence={"image_max": image_max, "photometric_scale": scale,
                  "brightness_max": brightness_max * scale, "noise_std": noise_std * scale},
        source=source)
