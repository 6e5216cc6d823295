"""The frames of a multi-frame file: which pages of a TIFF are pages of their own, and whether
a later frame holds what the first frame lacks.

A TIFF's pages (its chain of image file directories) are not all images of their own. TIFF 6.0
marks a page that is a *reduced-resolution version of another page* with bit 0 of its
NewSubfileType tag (254), and a *transparency mask of another page* with bit 2; the older
SubfileType tag (255) marks a reduced-resolution page with the value 2. A cloud-optimised
GeoTIFF (``gdal_translate -of COG``) stores its overviews, and GDAL its internal masks, this
way, in the same chain as the full-resolution page, so Pillow counts them among its frames.
They show the same scene again; they are not slices of a stack (:mod:`.stacks`) nor frames
that hold other data. Reduced-resolution pages kept in a SubIFDs tree (tag 330) are outside
the chain: Pillow does not count them, and neither does this module.

Page numbers stay those of the file (from 1, as in a page reference ``scene.tif#page=4``): a
stack whose every page carries one overview has its own pages at 1, 3, 5...
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

NEW_SUBFILE_TYPE_TAG = 254
SUBFILE_TYPE_TAG = 255
#: NewSubfileType bits (TIFF 6.0, section 8).
REDUCED_RESOLUTION_BIT = 1
TRANSPARENCY_MASK_BIT = 4
#: SubfileType's value for a reduced-resolution image (the tag TIFF 6.0 keeps for old files).
OLD_REDUCED_RESOLUTION = 2
#: Frames of a multi-frame mask looked at for one that holds several values (the first one
#: included): it bounds the cost of a long animation or stack to a few decodes.
MAX_FRAMES_EXAMINED = 16


@dataclass(frozen=True)
class FilePages:
    """The frames of one file, told apart.

    Attributes:
        own: the numbers (from 1) of the frames that are images of their own; the first
            frame always counts, as every reader reads it.
        reduced_resolution: frames that are reduced-resolution copies of another (overviews).
        transparency_masks: frames that are transparency masks of another.
    """

    own: tuple[int, ...]
    reduced_resolution: int = 0
    transparency_masks: int = 0

    @property
    def frames(self) -> int:
        """Every frame of the file, copies and masks included."""
        return len(self.own) + self.reduced_resolution + self.transparency_masks

    @property
    def skipped(self) -> int:
        return self.reduced_resolution + self.transparency_masks


def _describes_another(image: Image.Image) -> str | None:
    """``"reduced"`` or ``"mask"`` when the current TIFF page says it is a reduced-resolution
    copy or a transparency mask of another page; None for a page of its own."""
    tags = image.tag_v2  # type: ignore[attr-defined] - TIFF images only
    new_type = tags.get(NEW_SUBFILE_TYPE_TAG)
    if isinstance(new_type, int):
        if new_type & REDUCED_RESOLUTION_BIT:
            return "reduced"
        if new_type & TRANSPARENCY_MASK_BIT:
            return "mask"
    if tags.get(SUBFILE_TYPE_TAG) == OLD_REDUCED_RESOLUTION:
        return "reduced"
    return None


def file_pages(image: Image.Image) -> FilePages:
    """Tell the frames of an open image apart (see the module docstring); the image is left
    at its first frame. Only TIFF pages can describe another page: every frame of any other
    format is a frame of its own. A page whose tags cannot be read counts as its own."""
    frames = int(getattr(image, "n_frames", 1))
    if frames == 1 or image.format != "TIFF":
        return FilePages(tuple(range(1, frames + 1)))
    own, reduced, masks = [1], 0, 0
    try:
        for index in range(1, frames):
            image.seek(index)
            kind = _describes_another(image)
            if kind == "reduced":
                reduced += 1
            elif kind == "mask":
                masks += 1
            else:
                own.append(index + 1)
    except Exception:  # noqa: BLE001 - the pages not told apart stay pages of their own
        own += range(len(own) + reduced + masks + 1, frames + 1)
    finally:
        image.seek(0)
    return FilePages(tuple(own), reduced, masks)


def later_frame_with_values(path: Path | str,
                            limit: int = MAX_FRAMES_EXAMINED) -> tuple[int, int]:
    """``(frame, examined)``: the number (from 1) of the first frame of ``path`` after the
    first that holds several values (0: none), among its first ``limit`` frames of their own
    (``examined`` of them, the first included). For masks whose first frame, the one read,
    holds a single value: an annotation on a later frame of an animated GIF or a stack is
    never read.

    A file or frame that cannot be opened or decoded ends the search (the reader reports
    what is wrong with the file itself).
    """
    found, examined = 0, 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                frames = file_pages(image).own[:limit]
                examined = 1  # the first frame, read by the caller
                for number in frames[1:]:
                    image.seek(number - 1)
                    examined += 1
                    if _several_pixel_values(np.asarray(image)):
                        found = number
                        break
    except Exception:  # noqa: BLE001 - a damaged file is the reader's to report
        found = 0
    return found, examined


def _several_pixel_values(values: np.ndarray) -> bool:
    """Whether the pixels differ (a colour pixel is its channels together: a uniform red
    frame, which Pillow gives a GIF's later frames as RGB, is one value)."""
    if not values.size:
        return False
    pixels = values.reshape(values.shape[0] * values.shape[1], -1) if values.ndim == 3 \
        else values.reshape(-1, 1)
    return bool(np.any(pixels != pixels[0]))
