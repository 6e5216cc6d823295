"""Other mask sets for the images a rule pairs: files that follow a second pattern for the
same images under the same keys (a second annotator: ``_2ndHO`` beside ``_1stHO``;
DRIVE's field-of-view discs ``21_training_mask`` beside the vessels ``21_manual1``) are an
*alternative* set of masks (:func:`alternative_sets`), never images.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unetdiag.diag.data.companions import companion_sets, files_of
from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch, image_keys, stem_key


def alternative_sets(pairs: Sequence[tuple[Path, Path, str]], pattern: MaskPattern,
                     leftovers: Sequence[Path], unpaired: Sequence[Path] = (),
                     ) -> list[tuple[MaskPattern, list[Path]]]:
    """Sets of ``leftovers`` that are other masks of the paired images: files named by one
    other pattern of the same orientation (``{key}<tail>`` beside ``{key}_1stHO``) from the
    keys of ``pairs`` (``(image, mask, key)``), or from another key of one paired image's
    name that no other paired image offers (``21_manual1`` from ``21_training`` paired
    with ``21_training_mask``; ``21_training_mask`` from ``21_training`` paired with
    ``21_manual1``), one per image, for at least half of the pairs (and two); the longest
    such key is taken. When images and masks differ in extension, so must these from images.
    A set so found also takes the leftovers its pattern names after the stem of an image in
    ``unpaired`` (images without a mask in use, which the other set covers).

    >>> pairs = [(Path(f"{key}.jpg"), Path(f"{key}_1stHO.png"), key) for key in "ab"]
    >>> sets = alternative_sets(pairs, MaskPattern.parse("{key}_1stHO"),
    ...                         [Path("a_2ndHO.png"), Path("b_2ndHO.png"), Path("c.png")])
    >>> [(other.text, [path.name for path in files]) for other, files in sets]
    [('{key}_2ndHO', ['a_2ndHO.png', 'b_2ndHO.png'])]
    """
    keys = _pair_keys(pairs, pattern.is_suffix)
    image_extensions = {image.suffix.lower() for image, _, _ in pairs}
    mask_extensions = {mask.suffix.lower() for _, mask, _ in pairs}
    if not image_extensions.isdisjoint(mask_extensions):
        mask_extensions = set()  # the extension tells nothing
    needed = max(2, math.ceil(len(pairs) / 2))
    found: dict[MaskPattern, dict[str, Path]] = {}
    for path in leftovers:
        if mask_extensions and path.suffix.lower() not in mask_extensions:
            continue
        stem = stem_key(path)
        for cut in range(len(stem) - 1, 0, -1):  # the longest key first
            key = stem[:cut] if pattern.is_suffix else stem[len(stem) - cut:]
            if key in keys:
                other = (MaskPattern("", stem[cut:]) if pattern.is_suffix
                         else MaskPattern(stem[:len(stem) - cut], ""))
                found.setdefault(other, {}).setdefault(key, path)
                break
    sets = []
    taken: set[Path] = set()
    unpaired_keys = {stem_key(path) for path in unpaired}
    for other, by_key in sorted(found.items(), key=lambda item: (-len(item[1]), item[0].text)):
        files = [path for path in by_key.values() if path not in taken]
        if other != pattern and len(files) >= needed:
            files += [path for path in leftovers if path not in taken and path not in files
                      and (not mask_extensions or path.suffix.lower() in mask_extensions)
                      and other.key_of(stem_key(path)) in unpaired_keys]
            sets.append((other, sorted(files)))
            taken.update(files)
    return sets


def set_alternatives_apart(matching: Any, pairs: Sequence[tuple[Path, Path, str]],
                           pattern: MaskPattern, one_folder: bool) -> None:
    """Move the leftovers of ``matching`` (a :class:`RuleMatch`, or any object with its
    ``missing``, ``orphans``, ``image_count``, ``mask_count``, ``alternatives`` and
    ``companions``) that are alternative masks (:func:`alternative_sets`) out of ``missing``
    (one folder: they were taken for images) or ``orphans`` (a mask folder), into
    ``alternatives``; with a mask folder, the images without a mask that are companion files
    of the paired images (:func:`~unetdiag.diag.data.companions.companion_sets`) out of
    ``missing``, into ``companions``."""
    leftovers = matching.missing if one_folder else matching.orphans
    matching.alternatives = alternative_sets(pairs, pattern, leftovers, matching.missing)
    moved = {path for _, files in matching.alternatives for path in files}
    if one_folder:
        matching.missing = [path for path in matching.missing if path not in moved]
        matching.image_count -= len(moved)
        return
    matching.orphans = [path for path in matching.orphans if path not in moved]
    matching.mask_count -= len(moved)
    matching.companions = companion_sets({stem_key(image) for image, _, _ in pairs},
                                         [(stem_key(path), path) for path in matching.missing],
                                         len(pairs))
    companions = files_of(matching.companions)
    matching.missing = [path for path in matching.missing if path not in companions]
    matching.image_count -= len(companions)


def with_alternatives(match: RuleMatch, one_folder: bool) -> RuleMatch:
    """``match`` with its alternative masks set apart (:func:`set_alternatives_apart`)."""
    set_alternatives_apart(match, match.pairs, match.pattern, one_folder)
    return match


def _pair_keys(pairs: Sequence[tuple[Path, Path, str]], suffix: bool) -> set[str]:
    """The keys of ``pairs``, and the keys of their images' names (leading parts for a
    suffix pattern, trailing parts for a prefix) that name one paired image only."""
    offered: Counter[str] = Counter()
    for image, _, _ in pairs:
        stem = stem_key(image)
        offered.update(key for key in image_keys(stem)
                       if key == stem or (stem.startswith(key) if suffix
                                          else stem.endswith(key)))
    return ({key for _, _, key in pairs}
            | {key for key, count in offered.items() if count == 1})
