"""``image.narrow_range``: images that use a small part of their nominal range (a 12-bit
camera in a 16-bit file), worded for ``audit-data`` and for ``unetdiag train``, which scales
its photometric augmentation to them (:mod:`unetdiag.diag.data.intensity`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.intensity import (
    DEFAULT_BRIGHTNESS_MAX,
    DEFAULT_NOISE_STD,
    NARROW_RANGE,
    signal_lost_share,
)
from unetdiag.diag.wording.text import plural, verb


def _bits(value: float) -> int:
    return max(1, math.ceil(math.log2(value + 1)))


def narrow_range_audit(images: int, largest: float, nominal: float, depth: str,
                       files: Sequence[str], every_image_narrow: bool) -> Finding:
    """The audit's finding: ``images`` integer images of ``depth`` whose largest stored value
    is ``largest`` (> 0) out of ``nominal``; ``every_image_narrow``: no image of the set, of
    any depth, reaches :data:`NARROW_RANGE` (then the trainer scales its augmentation)."""
    share = largest / nominal
    brightness, noise = DEFAULT_BRIGHTNESS_MAX, DEFAULT_NOISE_STD
    trainer = ("unetdiag train scales its brightness and noise to the images' largest value."
               if every_image_narrow else
               "unetdiag train scales its brightness and noise only when every training "
               "image is this narrow; here other images reach their range, so it keeps the "
               "fixed amounts for all.")
    return listing_finding(
        "image.narrow_range", Severity.WARNING,
        f"{plural(images, depth + ' image')} {verb(images, 'uses', 'use')} at most "
        f"{share:.1%} of {'its' if images == 1 else 'their'} range (largest value "
        f"{largest:g} of {nominal:g})",
        (f"No pixel of these images exceeds {largest:g}, which fits in {_bits(largest)} "
         f"bits: scaled by {nominal:g}, as unetdiag and most loaders do, they lie within "
         f"[0, {share:.4g}]. A fixed photometric augmentation (brightness shifts up to "
         f"{brightness:g}, noise of {noise:g}) is then {brightness / share:.3g} and "
         f"{noise / share:.3g} times the whole signal: shifts below -{share:.4g} "
         f"({signal_lost_share(share, brightness):.0%} of those drawn) leave nothing of "
         f"an image but noise, trained against its mask. {trainer}"),
        ("Nothing for unetdiag train. " if every_image_narrow else
         "Store all images on one scale. ")
        + f"In another pipeline, scale by the data's range (here {largest:g}) or "
        "normalise each image (z-score, as nnU-Net does for images that are not CT).",
        {"images": images, "largest_value": largest, "nominal_range": nominal,
         "share_of_range": share, "narrow_below": NARROW_RANGE,
         "every_image_narrow": every_image_narrow},
        files, "audit")


def narrow_range_training(image_max: float, scale: float, source: str) -> Finding:
    """The trainer's note that it scaled its brightness and noise by ``scale``."""
    brightness_max, noise_std = DEFAULT_BRIGHTNESS_MAX, DEFAULT_NOISE_STD
    return Finding(
        id="image.narrow_range", severity=Severity.INFO,
        title=f"Brightness and noise scaled to the images' range (largest value "
              f"{image_max:.4g})",
        explanation=(
            f"The training images reach at most {image_max:.4g} after scaling by their "
            f"type's range (below {NARROW_RANGE:g}: as from a camera with fewer bits than its "
            "files, such as 12 in 16, or from dark or unscaled float images), so the "
            f"augmentation's brightness shifts and noise are scaled by {scale:.4g}: up to "
            f"{brightness_max * scale:.3g} and {noise_std * scale:.3g} instead of "
            f"{brightness_max:g} and {noise_std:g}, the same share of the signal as on "
            "images that fill their range. Unscaled, "
            f"{signal_lost_share(image_max, brightness_max):.0%} of the brightness shifts "
            "would have left nothing of an image but noise."),
        fix="Nothing to do.",
        evidence={"image_max": image_max, "photometric_scale": scale,
                  "brightness_max": brightness_max * scale, "noise_std": noise_std * scale},
        source=source)
