"""Tiles cut from larger images, told by their names: ``<source>_<a>_<b>`` (``austin1_0_512``,
``slide7_r3_c5``, ``scene_x1024_y2048``), or QuPath's TileExporter names, the source image and
the tile's region in brackets (``CMU-1.svs [x=0,y=512,w=512,h=512]``, with ``d=4,`` first when
exported downsampled).

Tiles of one source image touch, and often overlap when cut with a stride below the tile
size: a split by tile puts neighbours of a validation tile into training, and validation
then scores what training saw. When the names say tiles, :func:`tile_sources` gives each
pair its source image, and the split keeps each source's tiles on one side, as it keeps a
case folder whole. Names are the only evidence, so the rule is strict: nearly every stem
must end in two coordinates, several sources must repeat, and some source must vary in
both coordinates (a grid, not a date or a slice number).

>>> stems = [f"scene{s}_{r}_{c}" for s in range(5) for r in (0, 256) for c in (0, 256)]
>>> sources = tile_sources(stems)
>>> sources["scene3_256_0"], len(set(sources.values()))
('scene3', 5)
>>> qupath = [f"CMU-{s}.svs [x={x},y={y},w=64,h=64]" for s in range(5) for y in (0, 64)
...           for x in (0, 64)]
>>> tile_sources(qupath)["CMU-2.svs [x=64,y=0,w=64,h=64]"]
'CMU-2.svs'
>>> tile_sources([f"cells_{n:03d}" for n in range(40)]) is None
True
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from unetdiag.diag.data.folders import MIN_CASE_FOLDERS

#: ``<source>`` then two coordinates, each optionally tagged (x/y, r/c, row/col).
_TILE_NAME = re.compile(
    r"^(?P<source>.+?)[_-](?:x|r|row)?(?P<first>[0-9]+)[_-](?:y|c|col)?(?P<second>[0-9]+)$",
    re.IGNORECASE)
#: QuPath's TileExporter: ``<image name> [x=X,y=Y,w=W,h=H]`` (a RegionRequest's label), with
#: the downsample first (``d=4,``) and the plane after (``z=0,t=0``) when they are set.
_QUPATH_TILE_NAME = re.compile(
    r"^(?P<source>.+?)\s*\[(?:d=[0-9.]+,\s*)?x=(?P<first>[0-9]+),\s*y=(?P<second>[0-9]+)"
    r"(?:,\s*[a-z]=[0-9.]+)*\]$")
#: Share of stems that must be tile names for the pairs to be read as tiles.
MIN_TILE_NAME_SHARE = 0.9
#: Source images needed (as for case folders: fewer cannot be split whole).
MIN_TILE_SOURCES = MIN_CASE_FOLDERS


def tile_sources(stems: Sequence[str]) -> dict[str, str] | None:
    """``{stem: source}`` for every stem when the names are tiles (module doc), else None.
    Stems that are not tile names are their own source."""
    coordinates: dict[str, set[tuple[str, str]]] = defaultdict(set)
    sources: dict[str, str] = {}
    for stem in stems:
        name = stem.rsplit("/", 1)[-1]
        match = _QUPATH_TILE_NAME.match(name) or _TILE_NAME.match(name)
        if match is not None:
            sources[stem] = match["source"]
            coordinates[match["source"]].add((match["first"], match["second"]))
    if not stems or len(sources) < MIN_TILE_NAME_SHARE * len(stems):
        return None
    repeated = [source for source, points in coordinates.items() if len(points) > 1]
    grid = any(len({first for first, _ in coordinates[source]}) > 1
               and len({second for _, second in coordinates[source]}) > 1
               for source in repeated)
    if len(repeated) < MIN_TILE_SOURCES or not grid:
        return None
    return {stem: sources.get(stem, stem) for stem in stems}
