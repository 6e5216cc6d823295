"""Companion files: files shipped beside the images and named after one of them that are
neither images to pair nor masks (ISIC 2017's ``ISIC_0000000_superpixels.png``, a superpixel
label map, beside ``ISIC_0000000.jpg``).

They are set apart, never counted as images without a mask, in two cases:

* with a mask folder (:func:`companion_sets`): leftovers of the pairing (files of the image
  folder no mask names) named ``<a paired image's stem><tail>``, the tail starting at a
  separator, one tail per set, for at least half of the paired images (and two). A file a
  mask names is an image whatever its name (``a_flip.png`` with a mask ``a_flip.png``), and
  a few tagged files without masks stay images without masks.
* with masks looked for beside the images (:func:`named_companions`): files named
  ``<another file's stem><tail>`` whose tail names a kind of file that is not a mask
  (:data:`COMPANION_WORDS`). A superpixel map numbers hundreds of regions per image; the
  search for a naming rule would otherwise take them for the masks (their tail turns half
  of the names into the other half).

Names only, but for ADE20K's part masks (:func:`holds_ade20k_colours`): a ``_parts_1``
tail is also what a dataset of image crops may carry, so a few of those files are opened
before they are called part masks. Stems are given as the caller compares them
(:func:`~unetdiag.diag.data.pairing_rules.stem_key`).

>>> files = [("a", Path("a.jpg")), ("a_superpixels", Path("a_superpixels.png"))]
>>> [(tail, [path.name for path in paths]) for tail, paths in named_companions(files)]
[('_superpixels', ['a_superpixels.png'])]
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from pathlib import Path

from PIL import Image

#: Tails (lower-cased) of files that are never the masks to pair: superpixel maps, and
#: ADE20K's part masks (``ADE_train_00000001_parts_1.png`` beside the ``_seg.png`` of the
#: objects: the parts of those objects, one level down, numbered by level).
COMPANION_WORDS = re.compile(r"superpixel|^_parts_\d+$")
#: What each kind of tail names, for the sentences.
_PARTS_TAIL = re.compile(r"^_parts_\d+$")


def companion_kind(tail: str) -> str:
    """What a companion set with this tail holds, in words: ``"superpixel maps"``, ``"part
    masks"``, or ``"files"`` for a tail no word names.

    >>> companion_kind("_superpixels"), companion_kind("_parts_1"), companion_kind("_b")
    ('superpixel maps', 'part masks', 'files')
    """
    if "superpixel" in tail.lower():
        return "superpixel maps"
    return "part masks" if _PARTS_TAIL.match(tail.lower()) else "files"
#: Files of a ``_parts_N`` set whose pixels are read to check they hold ADE20K's part masks,
#: spread evenly over the set (the first and the last among them); every file's header is read.
PART_MASKS_OPENED = 32
#: A part mask (a label map) holds at most this many colours; a photo or scan holds more.
MAX_PART_COLOURS = 256
#: A PNG of a few flat colours compresses far below this many bytes a pixel (ADE20K's part
#: masks: about 0.05); a photo crop stays above (1.5 to 2.5 for RGB): files of the set this
#: dense are opened too, wherever they sort, beside the sample.
DENSE_PNG_BYTES_PER_PIXEL = 0.75
#: Bytes of a PNG that are no pixel data (signature, header and end chunks, with room).
PNG_OVERHEAD_BYTES = 128


def _dense(path: Path, pixels: int) -> bool:
    """The file holds more bytes than a PNG of a few flat colours of its size would."""
    return path.stat().st_size > PNG_OVERHEAD_BYTES + DENSE_PNG_BYTES_PER_PIXEL * pixels


def holds_ade20k_colours(paths: Sequence[Path]) -> bool:
    """``paths`` hold what ADE20K's part masks hold: RGB PNG files (every header read: a
    photo crop stored as JPEG among them is found wherever it sorts), and
    label maps in its encoding (class = R / 10 * 256 + G: every red a multiple of 10) of at
    most :data:`MAX_PART_COLOURS` colours in :data:`PART_MASKS_OPENED` of them spread over the
    set (crops named ``<image>_parts_1`` after the part masks sorted first are found too),
    and in every file larger than a PNG of a few flat colours would be (a photo crop saved
    as PNG at an index the sample does not read).
    False for a file that cannot be read (the name alone is then all there is, and images
    named ``<image>_parts_1`` exist)."""
    step = max(1, (len(paths) - 1) / max(1, PART_MASKS_OPENED - 1))
    sampled = {min(len(paths) - 1, round(position * step))
               for position in range(min(len(paths), PART_MASKS_OPENED))}
    for index, path in enumerate(paths):
        try:
            with Image.open(path) as image:
                if image.mode != "RGB" or image.format != "PNG":
                    return False
                if index not in sampled and not _dense(path, image.width * image.height):
                    continue
                colours = image.getcolors(MAX_PART_COLOURS)
        except (OSError, ValueError, Image.DecompressionBombError):
            return False
        if colours is None or any(colour[0] % 10 for _, colour in colours):
            return False
    return bool(paths)


#: A companion set names at least this share of the paired images (and two).
MIN_COMPANION_SHARE = 0.5


def companion_tail(stem: str, stems: Collection[str]) -> str | None:
    """The tail of ``stem`` after the longest of ``stems`` it starts with, when that tail
    starts at a separator (a character that is not a letter or a digit); None otherwise.

    >>> companion_tail("ISIC_0000001_superpixels", {"ISIC_0000001"}), companion_tail("ab", {"a"})
    ('_superpixels', None)
    """
    for cut in range(len(stem) - 1, 0, -1):
        if not stem[cut].isalnum() and stem[:cut] in stems:
            return stem[cut:]
    return None


def companion_sets(image_stems: Collection[str], leftovers: Sequence[tuple[str, Path]],
                   pair_count: int) -> list[tuple[str, list[Path]]]:
    """Sets of ``leftovers`` (``(stem, path)``: files of the image folder no mask names)
    named ``<one of image_stems><tail>``: ``(tail, files)`` for every tail naming at least
    :data:`MIN_COMPANION_SHARE` of the ``pair_count`` paired images (and two)."""
    needed = max(2, math.ceil(MIN_COMPANION_SHARE * pair_count))
    found: dict[str, list[Path]] = {}
    for stem, path in leftovers:
        tail = companion_tail(stem, image_stems)
        if tail is not None:
            found.setdefault(tail, []).append(path)
    return sorted((tail, sorted(paths)) for tail, paths in found.items() if len(paths) >= needed)


def named_companions(files: Sequence[tuple[str, Path]]) -> list[tuple[str, list[Path]]]:
    """The files (``(stem, path)`` of one folder) named ``<another file's stem><tail>`` with
    a tail in :data:`COMPANION_WORDS`, as ``(tail, files)`` sets."""
    stems = {stem for stem, _ in files}
    found: dict[str, list[Path]] = {}
    for stem, path in files:
        tail = companion_tail(stem, stems)
        if tail is not None and COMPANION_WORDS.search(tail.lower()):
            found.setdefault(tail, []).append(path)
    return sorted((tail, sorted(paths)) for tail, paths in found.items())


def files_of(sets: Sequence[tuple[str, list[Path]]]) -> set[Path]:
    """Every file of these companion sets."""
    return {path for _, paths in sets for path in paths}
