"""Image and mask names that differ in letter case only (``Case01.png`` beside
``case01.png``, ``IMG_7.png`` beside ``img_7_mask.png``).

Windows and macOS file systems ignore case, so a folder made there opens ``case01.png``
for ``Case01.png`` and a loader written there pairs them; Linux, and unetdiag, compare names
exactly. The "no pairs" refusal, ``pairing.missing_mask`` and ``pairing.orphan_mask`` name
such pairs, so the user renames one side rather than adding masks that exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.data.pairing_rules import stem_key, strip_suffix
from unetdiag.diag.wording.text import plural, verb


def case_only_pairs(images: Sequence[Path], masks: Sequence[Path],
                    suffixes: Sequence[str]) -> list[tuple[Path, Path]]:
    """(image, mask) among unpaired files whose stems are equal once letter case is ignored,
    the mask's stem with or without a mask suffix; only one-to-one matches.

    >>> case_only_pairs([Path("Case01.png"), Path("Case02.png")],
    ...                 [Path("case01.png"), Path("CASE02_MASK.png")], ["_mask"])
    ... # doctest: +NORMALIZE_WHITESPACE
    [(PosixPath('Case01.png'), PosixPath('case01.png')),
     (PosixPath('Case02.png'), PosixPath('CASE02_MASK.png'))]
    """
    masks_by_key: dict[str, list[Path]] = {}
    for mask in masks:
        stem = stem_key(mask)
        base = strip_suffix(stem, suffixes)
        for key in {stem.casefold(), (base or stem).casefold()}:
            masks_by_key.setdefault(key, []).append(mask)
    image_keys = Counter(stem_key(image).casefold() for image in images)
    chosen: dict[Path, Path] = {}
    for image in images:
        key = stem_key(image).casefold()
        candidates = masks_by_key.get(key, [])
        if image_keys[key] == 1 and len(candidates) == 1:
            chosen[image] = candidates[0]
    claims = Counter(chosen.values())
    return [(image, mask) for image, mask in chosen.items() if claims[mask] == 1]


def case_hint(images: Sequence[Path], masks: Sequence[Path], suffixes: Sequence[str]) -> str:
    """``; 12 images have masks whose names differ in letter case only (...)`` when
    :func:`case_only_pairs` finds any; "" otherwise."""
    pairs = case_only_pairs(images, masks, suffixes)
    if not pairs:
        return ""
    image, mask = pairs[0]
    count = len(pairs)
    return (f"; {plural(count, 'image')} "
            f"{verb(count, 'has a mask whose name differs', 'have masks whose names differ')} "
            f"in letter case only ({image.name} and {mask.name}): names are compared "
            "exactly, as Linux compares them (Windows and macOS ignore case, which is how such "
            "names pair there); rename one side to the other's case")
