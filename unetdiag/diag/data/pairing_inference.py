"""The search for the one rule a dataset follows when its masks do not carry their images'
names (:func:`infer_rule`): patterns the file names suggest, each paired by, and those kept
that pair every file one to one (rules: :mod:`~unetdiag.diag.data.pairing_rules`).
Complete rules for the same images with different masks are alternative annotation sets
(:mod:`~unetdiag.diag.data.pairing_alternatives`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unetdiag.diag.data.pairing_alternatives import with_alternatives
from unetdiag.diag.data.pairing_rules import (
    MASK_NAMES,
    MaskPattern,
    RuleMatch,
    image_keys,
    is_separator,
    match_one_folder,
    match_pattern,
    stem_key,
)

#: Images whose names suggest candidate patterns (spread over the sorted names).
SAMPLE_IMAGES = 5
#: At most this many masks sharing a key with one sample image are looked at.
MAX_MASKS_PER_KEY = 10_000
#: Candidate patterns evaluated on every file, most promising first.
MAX_CANDIDATES = 12
#: In one folder, a suffix is a candidate only when it ends at least this share of the names
#: (a mask set is a sizeable part of the folder; numbered names such as 1 and 10 are not).
MIN_SUFFIX_SHARE = 0.2


def _spread(items: Sequence[str], count: int) -> list[str]:
    if len(items) <= count:
        return list(items)
    step = (len(items) - 1) / (count - 1)
    return [items[round(index * step)] for index in range(count)]


def _starting_with(sorted_items: Sequence[str], prefix: str,
                   start: int | None = None) -> Iterable[str]:
    """The items that start with ``prefix`` (at most :data:`MAX_MASKS_PER_KEY`), found from
    ``start`` or by bisection."""
    if start is None:
        start = bisect.bisect_left(sorted_items, prefix)
    for index in range(start, min(len(sorted_items), start + MAX_MASKS_PER_KEY)):
        item = sorted_items[index]
        if not item.startswith(prefix):
            return
        yield item


def _patterns_from_names(image_stem: str, mask_stems: Sequence[str],
                         reversed_stems: Sequence[str]) -> dict[MaskPattern, str]:
    """Every pattern that would give one of the masks from one of this image's keys, with
    the mask it gives. A partial key must meet a separator in the mask too."""
    found: dict[MaskPattern, str] = {}
    for key in image_keys(image_stem):
        whole = key == image_stem
        for mask_stem in _starting_with(mask_stems, key):
            rest = mask_stem[len(key):]
            if whole or not rest or is_separator(rest[0]):
                found.setdefault(MaskPattern("", rest), mask_stem)
        for reversed_stem in _starting_with(reversed_stems, key[::-1]):
            mask_stem = reversed_stem[::-1]
            rest = mask_stem[:len(mask_stem) - len(key)]
            if rest and (whole or is_separator(rest[-1])):
                found.setdefault(MaskPattern(rest, ""), mask_stem)
    return found


def candidate_patterns(images: Sequence[Path], masks: Sequence[Path]) -> list[MaskPattern]:
    """Patterns suggested by a few images spread over the sorted names: each must give
    different masks for at least half of them (two samples may give one mask: an image and a
    companion file named after it, ISIC's ``ISIC_0000001_superpixels.png``, share its key;
    :func:`match_pattern` then decides which is the image).

    >>> candidate_patterns([Path(f"{n}_training.tif") for n in (21, 22, 23)],
    ...                    [Path(f"{n}_manual1.gif") for n in (21, 22, 23)])
    [MaskPattern(head='', tail='_manual1')]
    """
    mask_stems = sorted({stem_key(mask) for mask in masks})
    reversed_stems = sorted(stem[::-1] for stem in mask_stems)
    samples = _spread(sorted({stem_key(image) for image in images}), SAMPLE_IMAGES)
    seen: dict[MaskPattern, list[str]] = {}
    for stem in samples:
        for pattern, mask_stem in _patterns_from_names(stem, mask_stems, reversed_stems).items():
            seen.setdefault(pattern, []).append(mask_stem)
    needed = math.ceil(len(samples) / 2)
    kept = [pattern for pattern, given in seen.items() if len(set(given)) >= needed]
    return sorted(kept, key=lambda pattern: (-len(set(seen[pattern])), len(pattern.text),
                                             pattern))[:MAX_CANDIDATES]


def one_folder_patterns(files: Sequence[Path]) -> list[MaskPattern]:
    """Patterns suggested by the names of one folder: a tail that turns one file's stem into
    another's (``Image_01L`` -> ``Image_01L_1stHO``) for a fifth of the names (and two), and
    a name with a mask word, its key cut at a separator (``train-labels`` ->
    ``{key}-labels``), for a tenth of the names (and one)."""
    stems = sorted({stem_key(path) for path in files})
    counts: Counter[MaskPattern] = Counter()
    for index, stem in enumerate(stems):
        for other in _starting_with(stems, stem, index + 1):
            counts[MaskPattern("", other[len(stem):])] += 1
    needed = max(2, math.ceil(MIN_SUFFIX_SHARE * len(stems)))
    tails = [pattern for pattern, count in counts.items() if count >= needed]
    worded: Counter[MaskPattern] = Counter()
    for stem in stems:
        if not MASK_NAMES.search(stem.lower()):
            continue
        for key in image_keys(stem)[1:]:
            pattern = (MaskPattern("", stem[len(key):]) if stem.startswith(key)
                       else MaskPattern(stem[:len(stem) - len(key)], ""))
            if MASK_NAMES.search((pattern.head + pattern.tail).lower()):
                worded[pattern] += 1
    ranked = sorted(tails, key=lambda pattern: (-counts[pattern], pattern.text))
    ranked += sorted((pattern for pattern, count in worded.items()
                      if pattern not in counts and count >= needed / 2),
                     key=lambda pattern: (-worded[pattern], pattern.text))
    return ranked[:MAX_CANDIDATES]


@dataclass
class Inference:
    """What :func:`infer_rule` found.

    Attributes:
        chosen: the match to pair by, when exactly one pairing pairs every file one to one
            (its alternative annotation sets apart).
        others: the other complete matches: alternative sets of masks for the same images
            when ``chosen`` is set, the tied rules when it is not.
        partial: the best incomplete candidates, most pairs first (for the error message).
    """

    chosen: RuleMatch | None = None
    others: list[RuleMatch] = field(default_factory=list)
    partial: list[RuleMatch] = field(default_factory=list)

    @property
    def tied(self) -> bool:
        return self.chosen is None and len(self.others) > 1


def _preference(match: RuleMatch) -> tuple:
    """Simplest first: whole-stem keys (a plain suffix), then the shortest pattern."""
    return (not match.whole_stem_keys, len(match.pattern.text), match.pattern.text)


#: Mask names that say the file shows the labels rather than holds them (Cityscapes'
#: ``_gtFine_color``, labelme's ``_viz``): chosen last among alternative sets.
_VISUALISATION_NAME = re.compile(
    r"(?:^|[^a-z])(?:colou?r|vis|visual|visuali[sz]ation|viz|overlay|preview)(?:$|[^a-z])")


def set_preference(pattern: MaskPattern) -> tuple:
    """Which of several complete mask sets is chosen: names that say labels (``_labelIds``)
    first, visualisations (``_color``) last, else by name (``_manual1`` before ``_manual2``,
    ``_1stHO`` before ``_2ndHO``)."""
    text = pattern.text.lower()
    return (bool(_VISUALISATION_NAME.search(text)), "label" not in text, pattern.text)


def _set_preference(match: RuleMatch) -> tuple:
    return set_preference(match.pattern)


def infer_rule(images: Sequence[Path], masks: Sequence[Path] | None) -> Inference:
    """Find the pattern that pairs every image with exactly one mask.

    Args:
        images: the image folder's files (all files of the folder when ``masks`` is None).
        masks: the mask folder's files; None when masks sit beside the images.

    A candidate counts when it pairs every file one to one, each image giving its key from
    the same place of its name (:attr:`RuleMatch.consistent`). Complete candidates that give
    the same pairs are one rule (the simplest is kept).
    Complete rules that pair the same images with different masks are alternative
    annotation sets: one is chosen (:func:`_set_preference`: a set named for labels, never a
    colour visualisation when another set exists, else the first by name), the others are
    named. Complete rules
    that pair different images tie, and nothing is chosen.
    """
    one_folder = masks is None
    patterns = (one_folder_patterns(images) if one_folder
                else candidate_patterns(images, masks))
    matches = []
    for pattern in patterns:
        if one_folder and not pattern.names_masks:
            continue
        match = (match_one_folder(images, pattern) if one_folder
                 else match_pattern(images, masks, pattern))
        if match.pairs:
            matches.append(with_alternatives(match, one_folder))
    complete: dict[frozenset, RuleMatch] = {}
    for match in sorted((m for m in matches if m.complete and m.consistent), key=_preference):
        complete.setdefault(frozenset((image, mask) for image, mask, _ in match.pairs), match)
    partial = sorted((m for m in matches if not (m.complete and m.consistent)),
                     key=lambda m: (-len(m.pairs), _preference(m)))
    rules = sorted(complete.values(), key=_set_preference)
    if not rules:
        return Inference(partial=partial)
    image_sets = {frozenset(image for image, _, _ in match.pairs) for match in rules}
    if len(image_sets) > 1:
        return Inference(others=rules, partial=partial)
    return Inference(chosen=rules[0], others=rules[1:], partial=partial)


_DIGITS = re.compile(r"[0-9]+")


def unpadded(stem: str) -> str:
    """``stem`` with every number's leading zeros dropped: ``frame0001`` -> ``frame1``."""
    return _DIGITS.sub(lambda match: str(int(match.group())), stem)


def padding_hint(images: Sequence[Path], masks: Sequence[Path] | None) -> str:
    """``; the numbers in the names match once zero padding is ignored ...`` when the image
    and mask stems differ but pair one to one with leading zeros dropped; "" otherwise."""
    if not images or not masks:
        return ""
    image_keys = [unpadded(stem_key(path)) for path in images]
    mask_keys = [unpadded(stem_key(path)) for path in masks]
    if (len(set(image_keys)) != len(images) or len(set(mask_keys)) != len(masks)
            or set(image_keys) != set(mask_keys)
            or {stem_key(path) for path in images} == {stem_key(path) for path in masks}):
        return ""
    image = next(path for path in images if stem_key(path) != unpadded(stem_key(path))
                 or unpadded(stem_key(path)) not in {stem_key(mask) for mask in masks})
    mask = next(path for path in masks if unpadded(stem_key(path)) == unpadded(stem_key(image)))
    return (f"; the numbers in the names match once zero padding is ignored ({image.name} and "
            f"{mask.name}, {len(images)} of {len(images)}): rename one side with the other's "
            "padding (unetdiag pairs names exactly)")
