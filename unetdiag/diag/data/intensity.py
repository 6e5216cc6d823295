"""How much of its nominal range an image set uses, and what photometric augmentation makes
of that.

Images are scaled by their type's range (8-bit /255, 16-bit /65535). A 12-bit camera in a
16-bit file then reaches 4095 / 65535 = 0.0625, a 10-bit one 0.0156: brightness shifts of 0.1
and noise of 0.01, the usual fixed amounts, are 1.6 and 0.16 times that whole signal, and a
shift below -0.0625 leaves nothing of the image but noise. unetdiag's trainer puts them on
the data's own scale (:func:`photometric_scale`); ``audit-data`` names such images
(``image.narrow_range``).
"""

from __future__ import annotations

#: Image sets whose largest value (after the nominal scaling) is below this get brightness
#: and noise on their own scale; at or above it the scale stays 1.
NARROW_RANGE = 0.5
#: The trainer's photometric augmentation on images that fill their range: brightness shifts
#: uniform in [-0.1, 0.1] and noise of standard deviation 0.01.
DEFAULT_BRIGHTNESS_MAX = 0.1
DEFAULT_NOISE_STD = 0.01


def signal_lost_share(image_max: float,
                      brightness_max: float = DEFAULT_BRIGHTNESS_MAX) -> float:
    """The share of brightness shifts, uniform in [-brightness_max, brightness_max], below
    -image_max: after them every pixel of an image is at or below 0 before the noise, and
    the clip to 0 leaves nothing of the image but noise.

    >>> round(signal_lost_share(0.0625), 4)
    0.1875
    """
    return max(0.0, brightness_max - image_max) / (2 * brightness_max)


def photometric_scale(image_max: float) -> float:
    """The unit of brightness shifts and noise for training images whose largest value is
    ``image_max``: 1 unless the images use less than :data:`NARROW_RANGE` of their range.

    >>> photometric_scale(0.93), round(photometric_scale(4095 / 65535), 4)
    (1.0, 0.0625)
    """
    if not 0.0 < image_max < NARROW_RANGE:
        return 1.0
    return image_max
