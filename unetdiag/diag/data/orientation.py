"""EXIF orientation: how a camera's stored pixels differ from the picture a viewer shows.

Phones and many cameras store the sensor's pixels as they came and add an EXIF
``Orientation`` tag (1-8) telling viewers how to turn them upright. Browsers, annotation
tools (labelme, CVAT) and photo viewers apply it; Pillow's ``Image.open``,
``tf.io.decode_image``, Keras's ``load_img`` and unetdiag read the pixels as stored and do
not. A mask drawn on the displayed picture therefore meets a rotated or mirrored image when
a training pipeline reads both; with a 90-degree turn (tags 5-8) the two also differ in size,
width for height.

This module knows the tag and its geometry only; :mod:`unetdiag.diag.checks.geometry` words
the findings.

>>> displayed_size(4032, 3024, 6), displayed_size(4032, 3024, 3)
((3024, 4032), (4032, 3024))
>>> mask_fit((4032, 3024), (3024, 4032), 6), mask_fit((640, 640), (640, 640), 6)
('displayed', 'either')
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PIL import Image

#: The EXIF tag number of ``Orientation``.
EXIF_ORIENTATION_TAG = 0x0112
#: The tag value of pixels stored upright (also assumed when there is no valid tag).
UPRIGHT = 1
#: What viewers that honour each tag do to the stored pixels to show them (the turn Pillow's
#: ``ImageOps.exif_transpose`` applies), worded to follow "viewers ...".
DISPLAY_TRANSFORMS = {
    2: "mirror them left to right",
    3: "turn them 180 degrees",
    4: "mirror them top to bottom",
    5: "mirror them across the main diagonal",
    6: "turn them 90 degrees clockwise",
    7: "mirror them across the other diagonal",
    8: "turn them 90 degrees anticlockwise",
}
#: Tags whose display swaps width and height.
AXIS_SWAPPING = frozenset({5, 6, 7, 8})

#: How a mask's size relates to its image's: equal to the stored size only, to the displayed
#: size only, to both (square images, or a tag that keeps the axes), or to neither.
MaskFit = Literal["stored", "displayed", "either", "neither"]


def orientation_of(image: Image.Image) -> int:
    """The image's EXIF orientation (1-8); :data:`UPRIGHT` when it has no valid tag.

    A malformed EXIF block is read as no tag: the check then says nothing rather than
    something false.
    """
    try:
        value = image.getexif().get(EXIF_ORIENTATION_TAG, UPRIGHT)
    except Exception:  # noqa: BLE001 - Pillow raises many types on a malformed block
        return UPRIGHT
    return value if isinstance(value, int) and UPRIGHT <= value <= 8 else UPRIGHT


def read_orientation(path: Path | str) -> int:
    """:func:`orientation_of` the file's header (no pixel is decoded); :data:`UPRIGHT`
    when the file cannot be opened (its reader reports that)."""
    try:
        with Image.open(path) as image:
            return orientation_of(image)
    except Exception:  # noqa: BLE001 - an unreadable file is reported where it is read
        return UPRIGHT


def displayed_size(width: int, height: int, orientation: int) -> tuple[int, int]:
    """``(width, height)`` of the picture a viewer shows for stored pixels of this size."""
    return (height, width) if orientation in AXIS_SWAPPING else (width, height)


def mask_fit(image_size: tuple[int, int], mask_size: tuple[int, int],
             orientation: int) -> MaskFit:
    """Which of the image's sizes, stored or displayed, the mask has (sizes as
    ``(width, height)``)."""
    stored = tuple(mask_size) == tuple(image_size)
    displayed = tuple(mask_size) == displayed_size(*image_size, orientation)
    if stored and displayed:
        return "either"
    if stored:
        return "stored"
    return "displayed" if displayed else "neither"
