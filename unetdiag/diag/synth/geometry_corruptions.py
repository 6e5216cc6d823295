"""Corruptions that move masks against their images while keeping their size and values:

* :func:`shifted_masks`: every chosen mask moved by ``(down, right)`` pixels, the uncovered
  edge background (a crop or padding applied to the images only, an annotation tool's canvas
  offset);
* :func:`flipped_masks`: masks flipped top to bottom or left to right (a y-up/y-down clash, a
  flip applied to one side only);
* :func:`exif_tagged_masks`: masks stored turned with an EXIF orientation tag that undoes the
  turn, their images upright and untagged;
* :func:`turned_masks`: a few masks stored turned (a quarter or half turn, or transposed),
  each in its image's size (square images), the others upright.

They are registered in :data:`unetdiag.diag.synth.corruptions.CORRUPTIONS`.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.data.orientation import EXIF_ORIENTATION_TAG
from unetdiag.diag.synth.case import CaseFiles, as_255, read_grey, read_mask, rewrite_masks
from unetdiag.diag.synth.generator import png_bytes
from unetdiag.fsutil import atomic_write_bytes


def shift_plane(plane: np.ndarray, down: int, right: int) -> np.ndarray:
    """``plane`` moved ``down`` rows and ``right`` columns (negative: up, left); what moves
    out is lost and what is uncovered is zero.

    >>> shift_plane(np.arange(1, 5).reshape(2, 2), 1, -1).tolist()
    [[0, 0], [2, 0]]
    """
    height, width = plane.shape[:2]
    moved = np.zeros_like(plane)
    if abs(down) >= height or abs(right) >= width:
        return moved
    moved[max(down, 0):height + min(down, 0), max(right, 0):width + min(right, 0)] = plane[
        max(-down, 0):height - max(down, 0), max(-right, 0):width - max(right, 0)]
    return moved


def shifted_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, down: int = 6, right: int = 6) -> list[Path]:
    """Masks moved ``down`` and ``right`` pixels against their images (8-bit PNG, 0/255).

    Simulates: a crop or padding applied to the images only, or an annotation tool whose
    canvas is offset. Shows: nothing in the values or sizes; the model learns objects where
    the images do not show them, and Dice is capped by each object's overlap with its shifted
    self.
    """
    return rewrite_masks(case, case.pair_indices(rng, fraction, count),
                    lambda foreground: shift_plane(foreground, down, right))


def flipped_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, axis: str = "vertical") -> list[Path]:
    """Masks flipped top to bottom (``axis="vertical"``) or left to right
    (``"horizontal"``) against their images (8-bit PNG, 0/255).

    Simulates: polygon coordinates with a y-up origin rasterised y-down, or a flip applied to
    one side only. Shows: as :func:`shifted_masks`, with objects mirrored.
    """
    if axis not in ("vertical", "horizontal"):
        raise ValueError(f"axis must be 'vertical' or 'horizontal', not {axis!r}")
    return rewrite_masks(case, case.pair_indices(rng, fraction, count),
                    lambda foreground: np.flip(foreground, 0 if axis == "vertical" else 1))


def _crop_pair_to_aspect(case: CaseFiles, index: int, aspect: float) -> np.ndarray:
    """Pair ``index``'s image cropped to ``aspect`` (width / height) and written back; its
    mask cropped alike and returned, for the caller to store."""
    image, mask = read_grey(case.images[index]), read_mask(case.masks[index])
    width = max(1, round(image.shape[0] * aspect))
    atomic_write_bytes(case.images[index], png_bytes(Image.fromarray(
        np.ascontiguousarray(image[:, :width]), mode="L")))
    return mask[:, :width]


def exif_tagged_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None, aspect: float = 0.75) -> list[Path]:
    """Masks stored turned 90 degrees anticlockwise and tagged EXIF Orientation 6 (a viewer
    turns them back), their images upright and untagged; each chosen pair is cropped to
    ``aspect`` (width / height) so the turn shows in the sizes.

    Simulates: photos written upright (``exif_transpose``) after their masks were exported
    by a tool that copied the photo's EXIF block (s26 A7). Shows: the masks are turned
    against their images for every reader that ignores the tag.
    """
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = 6
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        mask = _crop_pair_to_aspect(case, index, aspect)
        stored = Image.fromarray(as_255(np.ascontiguousarray(np.rot90(mask, 1))))
        buffer = io.BytesIO()
        stored.save(buffer, format="PNG", exif=exif)
        atomic_write_bytes(case.masks[index], buffer.getvalue())
        changed += [case.images[index], case.masks[index]]
    return changed


def transposed_size_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                          count: int | None = None, aspect: float = 0.75) -> list[Path]:
    """Each chosen pair cropped to ``aspect`` (width / height), its mask saved transposed
    (untagged): a mask whose width and height are its image's swapped.

    Simulates: a mask written from an array of shape (width, height) (s31 redteam 10).
    Shows: the sizes differ, exactly swapped; a loader that resizes both hides it.
    """
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        mask = _crop_pair_to_aspect(case, index, aspect)
        atomic_write_bytes(case.masks[index], png_bytes(Image.fromarray(
            as_255(np.ascontiguousarray(mask.T)))))
        changed += [case.images[index], case.masks[index]]
    return changed


#: The corruptions of this module, by name.
#: How :func:`turned_masks` turns a mask (NumPy's ``rot90`` turns anticlockwise).
TURNS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rotated_90_ccw": lambda plane: np.rot90(plane, 1),
    "rotated_90_cw": lambda plane: np.rot90(plane, -1),
    "rotated_180": lambda plane: np.rot90(plane, 2),
    "transposed": lambda plane: plane.T,
}


def turned_masks(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                 count: int | None = 1, turn: str = "rotated_90_ccw") -> list[Path]:
    """``count`` masks (one by default) stored turned against their images: ``turn`` of
    :data:`TURNS` (quarter turns and transposes keep the size of square masks only).

    Simulates: an orientation (a camera's EXIF tag) honoured for some files only, or masks
    from another export. Shows: nothing in the values or sizes; the listed masks teach
    objects where their images show none.
    """
    if turn not in TURNS:
        raise ValueError(f"turn must be one of {sorted(TURNS)}, not {turn!r}")
    return rewrite_masks(case, case.pair_indices(rng, fraction, count), TURNS[turn])


GEOMETRY_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (shifted_masks, flipped_masks,
                                                  exif_tagged_masks, turned_masks,
                                                  transposed_size_masks)}
