"""Mask-naming rules: how a mask's name follows from its image's, and pairing by one rule.

A rule is a pattern for the mask's stem with one ``{key}``:

* ``{key}_L``: CamVid, ``0001TP_006690.png`` and ``0001TP_006690_L.png``;
* ``{key}_1stHO``: CHASE_DB1, ``Image_01L.jpg`` and ``Image_01L_1stHO.png``;
* ``{key}_manual1``: DRIVE, ``21_training.tif`` and ``21_manual1.gif``;
* ``mask_{key}``: a prefix instead of a suffix.

A mask's key is what ``{key}`` stands for in its stem. An image's key is its whole stem or,
when no mask has that key, the longest leading part (then the longest trailing part) of its
stem cut at a separator, any character that is not a letter or a digit: ``21`` in
``21_training`` (:func:`image_keys`). Pairing by a rule (:func:`match_pattern`) is one to one
or it reports who is left over; nothing here opens a file. The search for the rule a dataset
follows is :mod:`~unetdiag.diag.data.pairing_inference`; other mask sets for the same images
are :mod:`~unetdiag.diag.data.pairing_alternatives`.

>>> pattern = MaskPattern.parse("{key}_manual1")
>>> pattern.key_of("21_manual1"), image_keys("21_training")
('21', ['21_training', '21', 'training'])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

KEY = "{key}"
#: Words that mark a file as a mask when images and masks share one folder and differ by more
#: than a suffix (``train-volume.tif`` and ``train-labels.tif``).
MASK_WORDS = re.compile(r"mask|label|annot|manual|seg|truth|(?<![a-z])gt(?![a-z])")
#: The human observers' tags of CHASE_DB1 (``_1stHO``, ``_2ndHO``): they name an annotator,
#: not a mask, though only masks carry them (``01_1stHO.png`` beside ``01_test.png``).
OBSERVER_TAGS = re.compile(r"(?<![a-z])[0-9]*(?:1st|2nd|3rd|[04-9]th)ho(?![a-z])")
#: What the rule search reads as a mask's name: a mask word or an observer's tag. Predict's
#: listing and the folder search read :data:`MASK_WORDS` alone, so a file tagged by an
#: observer is left out of predict only when it looks like a label image.
MASK_NAMES = re.compile(f"{MASK_WORDS.pattern}|{OBSERVER_TAGS.pattern}")


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


def is_separator(character: str) -> bool:
    return not character.isalnum()


def image_keys(stem: str) -> list[str]:
    """The keys an image stem offers, in the order they are tried: the whole stem, then its
    leading parts cut before a separator (longest first), then its trailing parts cut after
    one (longest first).

    >>> image_keys("a_b-c")
    ['a_b-c', 'a_b', 'a', 'b-c', 'c']
    """
    cuts = [index for index, character in enumerate(stem) if is_separator(character)]
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
        alternatives: other sets of masks for the same images
            (:func:`~unetdiag.diag.data.pairing_alternatives.alternative_sets`).
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


def strip_suffix(stem: str, suffixes: Sequence[str]) -> str | None:
    """The image stem a suffixed mask stem belongs to, or None when it carries no suffix."""
    lowered = stem.lower()
    for suffix in suffixes:
        if suffix and lowered.endswith(suffix.lower()) and len(stem) > len(suffix):
            return stem[: -len(suffix)]
    return None


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
    ``21_training_mask``: a file named after the image, not a second image), or the one
    stem whose rest beside the key holds no mask word or observer tag when every other's
    does (``01_test`` before ``01_manual2`` or ``01_2ndHO``, a second annotator's mask named
    by the same key); None when one
    claims it, or none owns it."""
    if len(stems) < 2:
        return None
    if key in stems:
        return key
    shortest = min(stems, key=len)
    if all(stem == shortest or (stem.startswith(shortest) and is_separator(stem[len(shortest)]))
           for stem in stems):
        return shortest
    unworded = [stem for stem in stems if not MASK_NAMES.search(_rest(stem, key).lower())]
    return unworded[0] if len(unworded) == 1 else None


def _rest(stem: str, key: str) -> str:
    """What ``stem`` holds beside ``key``: after it when the stem starts with it, else
    before it."""
    return stem[len(key):] if stem.startswith(key) else stem[:len(stem) - len(key)]


def match_one_folder(files: Sequence[Path], pattern: MaskPattern) -> RuleMatch:
    """Pair files of one folder: those the pattern matches are masks, the others images."""
    masks = [path for path in files if pattern.key_of(stem_key(path)) is not None]
    claimed = set(masks)
    return match_pattern([path for path in files if path not in claimed], masks, pattern)
