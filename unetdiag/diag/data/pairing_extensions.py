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
its ``pairing.duplicate_stem`` error, which then says that pairing by extension was tried
and the first test it failed (:class:`ExtensionRefusal`).
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
from unetdiag.diag.data.pairing_siblings import MAX_MASK_VALUES
from unetdiag.diag.data.reading import LOSSY_EXTENSIONS, ImageReadError, load_mask_values
from unetdiag.diag.wording.text import join_names, plural

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


@dataclass(frozen=True)
class ExtensionRefusal:
    """A folder of JPEG/lossless twins not paired by extension, and why (a clause for the
    "no image/mask pairs" error)."""

    twins: int
    mask_extension: str
    reason: str

    def clause(self) -> str:
        """The error's words: what was tried, why it did not apply, how to pair anyway."""
        return (f"; pairing by extension was tried ({plural(self.twins, 'name')} held by one "
                f"JPEG and one {self.mask_extension} file) and did not apply: {self.reason}; "
                f"if the {self.mask_extension} files are the masks, move them to a folder of "
                "their own and give it with --masks (names are then matched by stem)")


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


def _not_a_mask(image: Path, mask: Path) -> str | None:
    """Why ``mask`` does not read as ``image``'s mask (the first test it fails), or None when
    it holds a few values in one channel, is the size of ``image`` and is no reduced copy of
    it."""
    try:
        values = load_mask_values(mask)
    except (ImageReadError, OSError):
        return f"{mask.name} could not be read"
    if values.ndim == 3:
        if values.shape[2] in (2, 4):  # alpha apart
            values = values[..., :-1]
        if values.shape[2] > 1 and not (values == values[..., :1]).all():
            return (f"{mask.name} is in colour (its channels differ), as pictures and "
                    "colour-coded masks are")
        values = values[..., 0]
    count = len(np.unique(values))
    if count > MAX_MASK_VALUES:
        return (f"{mask.name} holds {count} values, more than the {MAX_MASK_VALUES} a mask "
                "is taken to hold here (label maps of many classes or of one number per "
                "object hold more, and so do pictures)")
    size, image_size = _size(mask), _size(image)
    if size != image_size or size is None:
        shown = "unreadable" if image_size is None else "x".join(map(str, image_size))
        return (f"{mask.name} is {'x'.join(map(str, values.shape[1::-1]))} and {image.name} "
                f"{shown}, where a mask has its image's size")
    if _copies_picture(image, mask):
        return (f"{mask.name}'s grey levels follow {image.name}'s within "
                f"{COPY_DIFFERENCE:g} levels on average, as a reduced copy of the picture does")
    return None


def split_by_extension(files: Sequence[Path]) -> ExtensionSplit | ExtensionRefusal | None:
    """The pairing of ``files`` (one folder) by extension when it splits cleanly (see the
    module docstring); why not when some name is held by one JPEG and one lossless file;
    None when none is. Names held by one JPEG alone are images without a mask, by one
    lossless file alone masks without an image."""
    groups = group_by_key((stem_key(path), path) for path in files)
    twins: dict[str, tuple[Path, Path]] = {}
    others_held: list[str] = []
    for stem, paths in groups.items():
        if len(paths) == 1:
            continue
        jpegs = [path for path in paths if path.suffix.lower() in LOSSY_EXTENSIONS]
        others = [path for path in paths if path.suffix.lower() not in LOSSY_EXTENSIONS]
        if len(jpegs) == 1 and len(others) == 1:
            twins[stem] = (jpegs[0], others[0])
        else:
            others_held.append(stem)
    if not twins:
        return None
    extensions = sorted({mask.suffix.lower() for _, mask in twins.values()})
    mask_extension = extensions[0] if len(extensions) == 1 else join_names(extensions)

    def refused(reason: str) -> ExtensionRefusal:
        return ExtensionRefusal(len(twins), mask_extension, reason)

    if others_held:
        return refused(f"{plural(len(others_held), 'other name')} ({', '.join(others_held[:3])}"
                       f"{', ...' if len(others_held) > 3 else ''}) "
                       f"{'is' if len(others_held) == 1 else 'are'} held by other files than "
                       "one JPEG and one lossless file")
    if len(extensions) != 1:
        return refused(f"the lossless files have {len(extensions)} extensions "
                       f"({mask_extension}), where masks have one")
    if len(twins) * 2 <= len(groups):
        return refused(f"the folder holds {len(groups)} names, and such twins must be more "
                       "than half of them")
    stems = sorted(twins)
    step = max(1, len(stems) // OPENED_TWINS)
    opened = stems[::step][:OPENED_TWINS]
    for stem in opened:
        reason = _not_a_mask(*twins[stem])
        if reason is not None:
            return refused(reason)
    lone = [paths[0] for stem, paths in sorted(groups.items()) if len(paths) == 1]
    leftovers = [path for path in lone if path.suffix.lower() not in LOSSY_EXTENSIONS
                 and path.suffix.lower() != mask_extension]
    if leftovers:  # a third kind of file: the folder does not split cleanly
        return refused(f"the folder also holds {plural(len(leftovers), 'file')} neither JPEG "
                       f"nor {mask_extension} ({', '.join(p.name for p in leftovers[:3])}"
                       f"{', ...' if len(leftovers) > 3 else ''})")
    matching = Matching(
        pairs=[Pair(stem, *twins[stem]) for stem in stems],
        missing=[path for path in lone if path.suffix.lower() in LOSSY_EXTENSIONS],
        orphans=[path for path in lone if path.suffix.lower() == mask_extension],
        image_count=len(twins), mask_count=len(twins))
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
