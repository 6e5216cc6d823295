"""How much of its nominal range an image set uses, and what photometric augmentation makes
of that.

Images are scaled by their type's range (8-bit /255, 16-bit /65535). A 12-bit camera in a
16-bit file then reaches 4095 / 65535 = 0.0625, a 10-bit one 0.0156: brightness shifts of 0.1
and noise of 0.01, the usual fixed amounts, are 1.6 and 0.16 times that whole signal, and a
negative shift clipped at 0 turns the image black. unetdiag's trainer puts them on the data's
own scale (:func:`photometric_scale`); ``audit-data`` names such images
(``image.narrow_range``).
"""

from __future__ import annotations

#: Image sets whose largest value (after the nominal scaling) is below this get brightness
#: and noise on their own scale; at or above it the scale stays 1.
NARROW_RANGE = 0.5


def photometric_scale(image_max: float) -> float:
    """The unit of brightness shifts and noise for training images whose largest value is
    ``image_max``: 1 unless the images use less than :data:`NARROW_RANGE` of their range.

    >>> photometric_scale(0.93), round(photometric_scale(4095 / 65535), 4)
    (1.0, 0.0625)
    """
    if not 0.0 < image_max < NARROW_RANGE:
        return 1.0
    return image_max
