"""Mask-naming rules: how a mask's name follows from its image's, and the search for the one
rule a dataset follows when its masks do not carry their images' names.

A rule is a pattern for the mask's stem with one ``{key}``:

* ``{key}_L``: CamVid, ``0001TP_006690.png`` and ``0001TP_006690_L.png``;
* ``{key}_1stHO``: CHASE_DB1, ``Image_01L.jpg`` and ``Image_01L_1stHO.png``;
* ``{key}_manual1``: DRIVE, ``21_training.tif`` and ``21_manual1.gif``;
* ``mask_{key}``: a prefix instead of a suffix.

A mask's key is what ``{key}`` stands for in its stem. An image's key is its whole stem or,
when no mask has that key, the longest leading part (then the longest trailing part) of its
stem cut at a separator, any character that is not a letter or a digit: ``21`` in
``21_training`` (:func:`image_keys`). Pairing by a rule (:func:`match_pattern`) is one to one
or it reports who is left over; nothing here opens a file.

When no rule is given, :func:`infer_rule` looks for the patterns the file names suggest,
pairs by each, and keeps those that pair every file one to one. Files that follow a second
pattern for the same images under the same keys (a second annotator: ``_2ndHO`` beside
``_1stHO``) are an *alternative* set of masks (:func:`alternative_sets`), never images.

>>> pattern = MaskPattern.parse("{key}_manual1")
>>> pattern.key_of("21_manual1"), image_keys("21_training")
('21', ['21_training', '21', 'training'])
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unetdiag.diag.data.companions import companion_sets, files_of

KEY = "{key}"
#: Images whose names suggest candidate patterns (spread over the sorted names).
SAMPLE_IMAGES = 5
#: At most this many masks sharing a key with one sample image are looked at.
MAX_MASKS_PER_KEY = 10_000
#: Candidate patterns evaluated on every file, most promising first.
MAX_CANDIDATES = 12
#: In one folder, a suffix is a candidate only when it ends at least this share of the names
#: (a mask set is a sizeable part of the folder; numbered names such as 1 and 10 are not).
MIN_SUFFIX_SHARE = 0.2
#: Words that mark a file as a mask when images and masks share one folder and differ by more
#: than a suffix (``train-volume.tif`` and ``train-labels.tif``).
MASK_WORDS = re.compile(r"mask|label|annot|manual|seg|truth|(?<![a-z])gt(?![a-z])")


@dataclass(frozen=True, order=True)
class MaskPattern:
    """A mask stem pattern: ``head + key + tail``; ``head`` or ``tail`` may be empty."""

    head: str
    tail: str

    @classmethod
    def parse(cls, text: str) -> MaskPattern:
        """Read ``"{key}_manual1"``; ValueError unless ``{key}`` occurs exactly once and the
        pattern names a file stem (no folder, no extension needed).

        >>> MaskPattern.parse("mask_{key}").text, MaskPattern.parse("{key}_L").is_suffix
        ('mask_{key}', True)
        """
        if text.count(KEY) != 1:
            raise ValueError(f"a mask pattern holds {KEY} exactly once, e.g. '{KEY}_manual1' "
                             f"for 21_manual1.gif beside 21_training.tif; got {text!r}")
        if "/" in text or "\\" in text:
            raise ValueError(f"a mask pattern names a file, not a folder; got {text!r}")
        head, tail = text.split(KEY)
        return cls(head, tail)

    @property
    def text(self) -> str:
        return f"{self.head}{KEY}{self.tail}"

    @property
    def is_suffix(self) -> bool:
        """The key starts the mask's stem (``{key}_L``, and the bare ``{key}``)."""
        return not self.head

    @property
    def names_masks(self) -> bool:
        """The pattern tells masks from images in one folder (it is more than ``{key}``)."""
        return bool(self.head or self.tail)

    def key_of(self, stem: str) -> str | None:
        """The key a mask stem holds under this pattern, or None when it does not match."""
        if (len(stem) > len(self.head) + len(self.tail) and stem.startswith(self.head)
                and stem.endswith(self.tail)):
            return stem[len(self.head):len(stem) - len(self.tail)]
        return None

    def mask_stem(self, key: str) -> str:
        return f"{self.head}{key}{self.tail}"


def _is_separator(character: str) -> bool:
    return not character.isalnum()


def image_keys(stem: str) -> list[str]:
    """The keys an image stem offers, in the order they are tried: the whole stem, then its
    leading parts cut before a separator (longest first), then its trailing parts cut after
    one (longest first).

    >>> image_keys("a_b-c")
    ['a_b-c', 'a_b', 'a', 'b-c', 'c']
    """
    cuts = [index for index, character in enumerate(stem) if _is_separator(character)]
    leading = [stem[:index] for index in reversed(cuts) if index > 0]
    trailing = [stem[index + 1:] for index in cuts if index + 1 < len(stem)]
    keys = [stem]
    for key in leading + trailing:
        if key not in keys:
            keys.append(key)
    return keys


@dataclass
class RuleMatch:
    """The outcome of pairing by one pattern.

    Attributes:
        pattern: the pattern.
        pairs: ``(image, mask, key)`` triples, sorted by image stem.
        missing: images no mask names.
        orphans: masks that name no image (or do not match the pattern at all).
        duplicates: image stem -> its files and its candidate masks, for every stem where
            the pairing is not one to one (several images share a stem or a key, or a key
            names several masks); none of them is paired.
        image_count, mask_count: files on each side.
        alternatives: other sets of masks for the same images (:func:`alternative_sets`).
        companions: files of the image folder named after a paired image that no mask
            names (:mod:`~unetdiag.diag.data.companions`), as ``(tail, files)``.
    """

    pattern: MaskPattern
    pairs: list[tuple[Path, Path, str]] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    duplicates: dict[str, list[Path]] = field(default_factory=dict)
    image_count: int = 0
    mask_count: int = 0
    alternatives: list[tuple[MaskPattern, list[Path]]] = field(default_factory=list)
    companions: list[tuple[str, list[Path]]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every file is paired one to one (alternative masks apart)."""
        return bool(self.pairs) and not (self.missing or self.orphans or self.duplicates)

    @property
    def whole_stem_keys(self) -> bool:
        """Every pair uses the image's whole stem as its key (a plain suffix rule)."""
        return all(key == stem_key(image) for image, _, key in self.pairs)

    @property
    def key_position(self) -> str:
        """Where the images' keys come from: ``"whole"`` (the stem), ``"start"``, ``"end"``,
        or ``"mixed"``."""
        positions = {_key_position(stem_key(image), key) for image, _, key in self.pairs}
        return positions.pop() if len(positions) == 1 else "mixed"

    @property
    def consistent(self) -> bool:
        """Every pair takes its key from the same place of the image's name: the whole
        stem, its start, or its end (a rule, not a coincidence of names)."""
        return self.key_position != "mixed"

    def example(self) -> tuple[str, str] | None:
        if not self.pairs:
            return None
        image, mask, _ = self.pairs[0]
        return image.name, mask.name


def _key_position(stem: str, key: str) -> str:
    return "whole" if key == stem else "start" if stem.startswith(key) else "end"


def stem_key(path: Path) -> str:
    """The file's stem as names are compared: in Unicode NFC, since macOS (HFS+) and the
    zips and copies made there store accented letters decomposed (NFD), so ``Chloé`` in one
    folder need not be the same string as ``Chloé`` in the other.

    >>> stem_key(Path("Chloe\u0301_003.png")) == stem_key(Path("Chlo\u00e9_003.png"))
    True
    """
    return unicodedata.normalize("NFC", path.stem)


def _group(paths: Iterable[Path]) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in paths:
        groups.setdefault(stem_key(path), []).append(path)
    return groups


def match_pattern(images: Sequence[Path], masks: Sequence[Path],
                  pattern: MaskPattern) -> RuleMatch:
    """Pair ``images`` with ``masks`` by ``pattern`` (see the module docstring for keys).

    >>> images = [Path("21_training.tif"), Path("22_training.tif")]
    >>> masks = [Path("21_manual1.gif"), Path("23_manual1.gif")]
    >>> match = match_pattern(images, masks, MaskPattern.parse("{key}_manual1"))
    >>> [(image.name, mask.name, key) for image, mask, key in match.pairs]
    [('21_training.tif', '21_manual1.gif', '21')]
    >>> [path.name for path in match.missing], [path.name for path in match.orphans]
    (['22_training.tif'], ['23_manual1.gif'])
    """
    masks_by_key: dict[str, list[Path]] = {}
    orphans: list[Path] = []
    for mask in masks:
        key = pattern.key_of(stem_key(mask))
        if key is None:
            orphans.append(mask)
        else:
            masks_by_key.setdefault(key, []).append(mask)
    images_by_stem = _group(images)
    match = RuleMatch(pattern, image_count=len(images), mask_count=len(masks))
    claims: dict[str, list[str]] = {}
    for stem in sorted(images_by_stem):
        key = stem if stem in masks_by_key else next(
            (key for key in image_keys(stem)[1:] if key in masks_by_key), None)
        if key is None:
            if len(images_by_stem[stem]) > 1:
                match.duplicates[stem] = list(images_by_stem[stem])
            else:
                match.missing.extend(images_by_stem[stem])
        else:
            claims.setdefault(key, []).append(stem)
    for key, stems in claims.items():
        owner = _owner(key, stems)
        if owner is not None:
            # the image whose whole stem is the key comes first (Image_01L, not
            # Image_01L_2ndHO, owns Image_01L_1stHO), else the one whose stem every other
            # extends (21_training, not its 21_training_mask, owns 21_manual1); the others
            # have no mask here
            match.missing.extend(path for stem in stems if stem != owner
                                 for path in images_by_stem[stem])
            stems = [owner]
        candidates = sorted(masks_by_key[key])
        if len(stems) > 1 or len(candidates) > 1 or len(images_by_stem[stems[0]]) > 1:
            for stem in stems:
                match.duplicates[stem] = images_by_stem[stem] + candidates
        else:
            match.pairs.append((images_by_stem[stems[0]][0], candidates[0], key))
    orphans += [mask for key, found in masks_by_key.items() if key not in claims
                for mask in found]
    match.pairs.sort(key=lambda pair: (pair[0].stem, pair[0].name))
    match.missing.sort(key=lambda path: (path.stem, path.name))
    match.orphans = sorted(orphans, key=lambda path: (path.stem, path.name))
    match.duplicates = dict(sorted(match.duplicates.items()))
    return match


def _owner(key: str, stems: Sequence[str]) -> str | None:
    """Of several image stems claiming ``key``, the one that owns it: the key itself, or
    the stem every other claimant extends past a separator (``21_training`` before
    ``21_training_mask``: a file named after the image, not a second image); None when
    one claims it, or none owns it."""
    if len(stems) < 2:
        return None
    if key in stems:
        return key
    shortest = min(stems, key=len)
    if all(stem == shortest or (stem.startswith(shortest) and _is_separator(stem[len(shortest)]))
           for stem in stems):
        return shortest
    return None


def match_one_folder(files: Sequence[Path], pattern: MaskPattern) -> RuleMatch:
    """Pair files of one folder: those the pattern matches are masks, the others images."""
    masks = [path for path in files if pattern.key_of(stem_key(path)) is not None]
    claimed = set(masks)
    return match_pattern([path for path in files if path not in claimed], masks, pattern)


# --------------------------------------------------------------------------- alternatives


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


# --------------------------------------------------------------------------- candidates


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
            if whole or not rest or _is_separator(rest[0]):
                found.setdefault(MaskPattern("", rest), mask_stem)
        for reversed_stem in _starting_with(reversed_stems, key[::-1]):
            mask_stem = reversed_stem[::-1]
            rest = mask_stem[:len(mask_stem) - len(key)]
            if rest and (whole or _is_separator(rest[-1])):
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
        if not MASK_WORDS.search(stem.lower()):
            continue
        for key in image_keys(stem)[1:]:
            pattern = (MaskPattern("", stem[len(key):]) if stem.startswith(key)
                       else MaskPattern(stem[:len(stem) - len(key)], ""))
            if MASK_WORDS.search((pattern.head + pattern.tail).lower()):
                worded[pattern] += 1
    ranked = sorted(tails, key=lambda pattern: (-counts[pattern], pattern.text))
    ranked += sorted((pattern for pattern, count in worded.items()
                      if pattern not in counts and count >= needed / 2),
                     key=lambda pattern: (-worded[pattern], pattern.text))
    return ranked[:MAX_CANDIDATES]


# --------------------------------------------------------------------------- inference


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


def _set_preference(match: RuleMatch) -> tuple:
    """Which of several complete mask sets is chosen: names that say labels (``_labelIds``)
    first, visualisations (``_color``) last, else by name."""
    text = match.pattern.text.lower()
    return (bool(_VISUALISATION_NAME.search(text)), "label" not in text, match.pattern.text)


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
