"""Tiles and views of one subject, for the failure catalogue (layouts of
:mod:`.layouts`' kind: the same synthetic pairs, renamed or re-cut).

* :func:`tile_names`: tiles cut from larger images and named by position,
  ``austin1_0_512.png`` beside ``austin1_0_512_mask.png``; QuPath's bracketed regions;
  Carvana's views ``<car id>_01`` ..; Kaggle LGG's slices ``<patient>_1`` .. ``_n``;
* :func:`overlapping_tiles`: tiles cut with overlap from larger images and numbered without
  positions, ``tile_0001.png`` beside ``tile_0001_mask.png``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.synth.case import CaseFiles, as_255
from unetdiag.diag.synth.generator import generate_pair, png_bytes
from unetdiag.fsutil import atomic_write_bytes


def tile_names(case: CaseFiles, rng: np.random.Generator, sources: int = 6,
               tile: int = 256, naming: str = "position") -> list[Path]:
    """The pairs renamed as tiles of ``sources`` larger images: ``<city><k>_<row>_<col>``
    (row and column in pixels, ``tile`` apart), each mask ``<tile name>_mask.png``; with
    ``naming="qupath"``, QuPath TileExporter's ``<city><k>.svs [x=X,y=Y,w=W,h=H].png`` and
    ``... [x=..]-labelled.png`` (its ``labeledImageSuffix``); with ``naming="views"``,
    Carvana's ``<car id>_<view>`` (``000000003e8_01``), views of one subject, no positions;
    with ``naming="slices"``, Kaggle LGG's ``TCGA_CS_<n>_19960909_<slice>``, slices numbered
    from 1 in each of ``sources`` patients, the patients holding differing numbers of them;
    with ``naming="classes"``, ``class<k>_<n>`` (``class03_001``), classes numbered with
    digits as many Kaggle sets are: the pairs are independent, as a class's images are.

    Simulates: aerial or slide images cut into tiles before training (Inria aerial,
    pathology). Shows: names that say which tiles share a source image, the only evidence
    a split has that neighbouring tiles must stay on one side.
    """
    changed = []
    folder = case.layout.images_dir
    # slices: patient k holds a share of the pairs growing with k (k + 2 parts)
    weights = np.cumsum(np.arange(sources) + 2)
    ends = np.round(len(case.images) * weights / weights[-1]).astype(int)
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        stem = _tile_stem(naming, index, sources, tile, ends)
        if naming == "qupath":
            new_image, new_mask = folder / f"{stem}.png", folder / f"{stem}-labelled.png"
            case.layout.mask_suffixes = ()  # paired by the rule the names follow
        else:
            new_image, new_mask = folder / f"{stem}.png", folder / f"{stem}_mask.png"
        image.replace(new_image)
        mask.replace(new_mask)
        case.images[index], case.masks[index] = new_image, new_mask
        changed += [new_image, new_mask]
    return changed


def _tile_stem(naming: str, index: int, sources: int, tile: int, ends: np.ndarray) -> str:
    """Pair ``index``'s name under ``naming`` (:func:`tile_names`); ``ends``: the index after
    each patient's last slice."""
    cities = ("austin", "chicago", "kitsap", "tyrol", "vienna", "bellingham", "bloomington")
    source = f"{cities[index % sources % len(cities)]}{index % sources + 1}"
    position = index // sources
    row, col = (position // 2) * tile, (position % 2) * tile
    if naming == "qupath":
        return f"{source}.svs [x={col},y={row},w={tile},h={tile}]"
    if naming == "views":
        return f"{1000 + index % sources:012x}_{position + 1:02d}"
    if naming == "classes":
        return f"class{index % sources:02d}_{position + 1:03d}"
    if naming == "slices":
        patient = int(np.searchsorted(ends, index, side="right"))
        first = int(ends[patient - 1]) if patient else 0
        return f"TCGA_CS_{4941 + patient}_19960909_{index - first + 1}"
    return f"{source}_{row}_{col}"


def overlapping_tiles(case: CaseFiles, rng: np.random.Generator, scenes: int = 6,
                      per_side: int = 3) -> list[Path]:
    """The pairs replaced by tiles cut with overlap from ``scenes`` larger synthetic scenes:
    ``per_side`` x ``per_side`` tiles of the spec's size from each, at a stride of half a
    tile, numbered in cutting order without positions (``tile_0001.png`` beside
    ``tile_0001_mask.png``).

    Simulates: aerial or slide tiles cut with a stride below their size and numbered
    consecutively (NRCan/geo-deep-learning#148, histolab/histolab#111). Shows:
    horizontal neighbours share whole columns and vertical ones whole rows, exactly; no
    name says so, and a split by file puts neighbours on both sides.
    """
    size = case.spec.size
    stride = size // 2
    scene_size = size + (per_side - 1) * stride
    scale = size / scene_size  # cells keep their size in pixels
    spec = replace(case.spec, size=scene_size, max_objects=round(
                       case.spec.max_objects / scale ** 2),
                   object_radius_limits=tuple(limit * scale for limit in
                                              case.spec.object_radius_limits))
    for image, mask in zip(case.images, case.masks, strict=True):
        image.unlink()
        mask.unlink()
    folder = case.layout.images_dir
    case.images, case.masks = [], []
    for _ in range(scenes):
        image, mask = generate_pair(rng, spec, empty=False)
        for top in range(0, per_side * stride, stride):
            for left in range(0, per_side * stride, stride):
                stem = f"tile_{len(case.images) + 1:04d}"
                window = (slice(top, top + size), slice(left, left + size))
                case.images.append(folder / f"{stem}.png")
                case.masks.append(folder / f"{stem}{case.mask_suffix}.png")
                atomic_write_bytes(case.images[-1], png_bytes(Image.fromarray(image[window])))
                atomic_write_bytes(case.masks[-1],
                                   png_bytes(Image.fromarray(as_255(mask[window] > 0))))
    return [path for pair in zip(case.images, case.masks, strict=True) for path in pair]
