"""Images and masks told apart by their extension alone: ``75.jpg`` and ``75.png`` side by side
in one folder, as the MSRA10K salient-object release stores them (``MSRA10K_Imgs_GT/Imgs/``:
each photograph a JPEG, its mask a PNG of the same name; loaders list the JPEGs and open
``<name>.png`` beside each, as pytracking's ``ltr/dataset/msra10k.py`` does).

By name, each such stem is two files claiming one image, and nothing pairs. The folder is
paired by extension only when it splits cleanly: every name held by several files is held by
exactly one JPEG and one file of a single lossless extension, those names are most of the
folder, and the lossless files opened read as masks (one channel, a few values, the size of
their JPEG, no copy of its grey levels). A folder of ordinary pictures saved twice (a JPEG and
a PNG of each photograph, or a preview reduced to a few colours) fails the last test and keeps
its ``pairing.duplicate_stem`` error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data.pairing_match import Matching, Pair, group_by_key
from unetdiag.diag.data.pairing_rules import stem_key
from unetdiag.diag.data.pairing_trees import MAX_MASK_VALUES, mask_value_count
from unetdiag.diag.data.reading import LOSSY_EXTENSIONS
from unetdiag.diag.wording.text import plural

#: At most this many twins are opened to see that the lossless file is a mask (spread over
#: the sorted names): listing stays cheap on MSRA10K's 10,000 pairs.
OPENED_TWINS = 5
#: A lossless twin of more than two values whose grey levels follow its JPEG's within this many
#: levels (of 255) on average is a reduced copy of the picture (a palette or posterised
#: preview), not its mask: a 16-colour preview differs by about 5, a mask by its object's
#: contrast with the picture (tens of levels; 113-125 on the imitations of MSRA10K and of
#: label maps 0..4).
COPY_DIFFERENCE = 16.0


@dataclass(frozen=True)
class ExtensionSplit:
    """A folder paired by extension: the matching, the mask extension and the twins opened."""

    matching: Matching
    mask_extension: str
    opened: int


def _size(path: Path) -> tuple[int, int] | None:
    try:
        with Image.open(path) as image:  # the header only: no pixels decoded
            return image.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def _copies_picture(image: Path, mask: Path) -> bool:
    """``mask`` (a few values, the size of ``image``) follows ``image``'s grey levels: a
    reduced copy of the picture (:data:`COPY_DIFFERENCE`)."""
    try:
        with Image.open(image) as picture, Image.open(mask) as twin:
            levels = np.asarray(picture.convert("L"), dtype=np.float64)
            copy = np.asarray(twin.convert("L"), dtype=np.float64)
    except (OSError, ValueError, Image.DecompressionBombError):
        return False
    # Two values, or class numbers (a span within MAX_MASK_VALUES: 0..4 beside a dark
    # fluorescence picture), are left to the mask.
    return (levels.shape == copy.shape and len(np.unique(copy)) > 2
            and float(np.ptp(copy)) > MAX_MASK_VALUES
            and float(np.abs(levels - copy).mean()) <= COPY_DIFFERENCE)


def _reads_as_mask(image: Path, mask: Path) -> bool:
    """``mask`` holds a few values in one channel, is the size of ``image`` and is no reduced
    copy of it."""
    return (mask_value_count(mask) is not None and _size(mask) == _size(image) is not None
            and not _copies_picture(image, mask))


def split_by_extension(files: Sequence[Path]) -> ExtensionSplit | None:
    """The pairing of ``files`` (one folder) by extension, or None unless it splits cleanly
    (see the module docstring). Names held by one JPEG alone are images without a mask, by
    one lossless file alone masks without an image."""
    groups = group_by_key((stem_key(path), path) for path in files)
    twins: dict[str, tuple[Path, Path]] = {}
    mask_extensions = set()
    for stem, paths in groups.items():
        if len(paths) == 1:
            continue
        jpegs = [path for path in paths if path.suffix.lower() in LOSSY_EXTENSIONS]
        others = [path for path in paths if path.suffix.lower() not in LOSSY_EXTENSIONS]
        if len(jpegs) != 1 or len(others) != 1:
            return None
        twins[stem] = (jpegs[0], others[0])
        mask_extensions.add(others[0].suffix.lower())
    if len(mask_extensions) != 1 or len(twins) * 2 <= len(groups):
        return None
    mask_extension = mask_extensions.pop()
    stems = sorted(twins)
    step = max(1, len(stems) // OPENED_TWINS)
    opened = stems[::step][:OPENED_TWINS]
    if not all(_reads_as_mask(*twins[stem]) for stem in opened):
        return None
    lone = [paths[0] for stem, paths in sorted(groups.items()) if len(paths) == 1]
    matching = Matching(
        pairs=[Pair(stem, *twins[stem]) for stem in stems],
        missing=[path for path in lone if path.suffix.lower() in LOSSY_EXTENSIONS],
        orphans=[path for path in lone if path.suffix.lower() == mask_extension],
        image_count=len(twins), mask_count=len(twins))
    leftovers = [path for path in lone if path.suffix.lower() not in LOSSY_EXTENSIONS
                 and path.suffix.lower() != mask_extension]
    if leftovers:
        return None  # a third kind of file: the folder does not split cleanly
    matching.image_count += len(matching.missing)
    matching.mask_count += len(matching.orphans)
    return ExtensionSplit(matching, mask_extension, len(opened))


def looked_for(split: ExtensionSplit) -> str:
    """Where a JPEG's mask was looked for (``pairing.missing_mask``)."""
    return (f"masks are looked for as <stem>{split.mask_extension} beside each image, the "
            "folder being paired by extension")


def by_extension(folder: Path, split: ExtensionSplit) -> Finding:
    """``pairing.by_extension`` (info): what was paired with what, and on which evidence."""
    pairs = split.matching.pairs
    extension = split.mask_extension
    image, mask = pairs[0].image.name, pairs[0].mask.name
    return words.pairing_finding(
        "pairing.by_extension", Severity.INFO,
        f"{plural(len(pairs), 'JPEG image')} paired with the {extension} mask of the same name "
        f"({image} with {mask})",
        f"{folder} holds, for {plural(len(pairs), 'name')}, one JPEG and one {extension} file "
        "and no mask suffix, so no name tells the mask from its image; the extension does. "
        f"The {extension} files opened ({split.opened} of {len(pairs)}, spread over the "
        f"names) each hold at most {MAX_MASK_VALUES} values in one channel and are the size of "
        "their JPEG, as masks are, and do not follow its grey levels as a reduced copy of the "
        "picture would; JPEG, whose "
        "compression blurs edges, is taken for the images. This is how the MSRA10K "
        "salient-object release stores its images and masks "
        "(MSRA10K_Imgs_GT/Imgs/).",
        f"Nothing to fix if the {extension} files are the masks. If they are pictures, move "
        "the masks to a folder of their own and give it with --masks.",
        {"pairs": len(pairs), "image_extension": "jpeg", "mask_extension": extension,
         "masks_opened": split.opened},
        [])
