"""A catalogue case under construction: where its files are, and how a user would point
unetdiag at them (:class:`DatasetLayout`). Shared by the corruptions that change what files
store (:mod:`unetdiag.diag.synth.corruptions`) and those that change how a dataset is laid out
(:mod:`unetdiag.diag.synth.layouts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.synth.generator import (
    MASK_BACKGROUND,
    MASK_FOREGROUND,
    SynthSpec,
    pair_names,
    png_bytes,
)
from unetdiag.fsutil import atomic_write_bytes


@dataclass
class DatasetLayout:
    """Where a user would point unetdiag: images, masks and how masks are named.

    Attributes:
        images_dir: the folder of images.
        masks_dir: the folder of masks; ``None`` means masks sit beside the images.
        mask_suffixes: a mask is named ``<image stem><suffix>.<ext>``; ``("",)`` means the
            same stem as its image (with ``masks_dir == images_dir`` the mask IS the image);
            ``()`` gives no suffix, leaving unetdiag to its default names and to the rule
            the names follow (the layouts of :mod:`unetdiag.diag.synth.layouts`).
    """

    images_dir: Path
    masks_dir: Path | None
    mask_suffixes: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"images_dir": str(self.images_dir),
                "masks_dir": None if self.masks_dir is None else str(self.masks_dir),
                "mask_suffixes": list(self.mask_suffixes)}


@dataclass
class CaseFiles:
    """A case under construction, as the corruptions see and change it.

    ``images[i]`` and ``masks[i]`` are the current paths of pair ``i``; a corruption that
    renames, adds or removes a file updates them, and the layout, so the next one sees it.
    """

    root: Path
    spec: SynthSpec
    layout: DatasetLayout
    images: list[Path]
    masks: list[Path]
    mask_suffix: str = "_mask"
    next_index: int = 0
    changed: list[dict] = field(default_factory=list)

    def pair_indices(self, rng: np.random.Generator, fraction: float | None,
                     count: int | None) -> list[int]:
        """Which pairs a corruption touches: ``count`` of them, or ``fraction`` (at least one
        when ``fraction > 0``), picked by ``rng``, in file order."""
        total = len(self.images)
        if count is None:
            if fraction is None or not 0.0 <= fraction <= 1.0:
                raise ValueError(f"fraction must be in [0, 1], not {fraction}")
            count = 0 if fraction == 0 else max(1, round(fraction * total))
        if not 0 <= count <= total:
            raise ValueError(f"count must be between 0 and {total} (the pairs), not {count}")
        return sorted(rng.choice(total, size=count, replace=False).tolist())

    def new_pair_names(self) -> tuple[Path, Path]:
        image_name, mask_name = pair_names(self.next_index, self.mask_suffix)
        self.next_index += 1
        return self.layout.images_dir / image_name, self.layout.images_dir / mask_name


def read_mask(path: Path) -> np.ndarray:
    """Foreground (bool) of a mask in any encoding this module writes, as the trainer decodes
    it under the default policy (above the midpoint of the mask's scale; a palette index
    other than 0; the brightest colour channel)."""
    mask, _ = decode_mask(path)
    return mask.astype(bool)


def read_grey(path: Path) -> np.ndarray:
    """An image's 8-bit grey levels (Pillow's ``convert("L")``), for corruptions that
    rewrite images."""
    with Image.open(path) as stored:
        return np.asarray(stored.convert("L"))


def as_255(foreground: np.ndarray) -> np.ndarray:
    """A boolean mask as the 8-bit values masks are stored with (0 and 255)."""
    return np.where(foreground, MASK_FOREGROUND, MASK_BACKGROUND).astype(np.uint8)


def rewrite_masks(case: CaseFiles, indices: list[int],
                  change: Callable[[np.ndarray], np.ndarray]) -> list[Path]:
    """Rewrite the masks at ``indices`` as 8-bit PNGs (0/255) of ``change(foreground)``;
    return their paths."""
    for index in indices:
        path = case.masks[index]
        atomic_write_bytes(path, png_bytes(Image.fromarray(as_255(change(read_mask(path))))))
    return [case.masks[index] for index in indices]


def replace_file(old: Path, new: Path, data: bytes) -> Path:
    """Write ``data`` to ``new`` (atomically) and remove ``old`` when the name changed (a
    corruption that re-encodes a file in another format); return ``new``."""
    atomic_write_bytes(new, data)
    if new != old:
        old.unlink()
    return new
