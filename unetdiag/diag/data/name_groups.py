"""Several images of one subject, told by their names: ``<subject>_<n>`` or ``<subject>-<n>``
(Carvana's ``00087a6bd4dc_01`` .. ``_16``, sixteen views of one car; frames of one video;
lesions of one patient).

Views of one subject are near-copies of each other: a split by file puts some in training and
others in validation, and validation then scores subjects the model trained on. Names are the
only evidence, so the rule is strict (as :mod:`unetdiag.diag.data.tiles`' is): nearly every
stem must end in a number after ``_`` or ``-``, at least :data:`MIN_SUBJECTS` subjects must
repeat, most of them the same number of times (a fixed set of views, not a date or a
running count), and no more than :data:`MAX_VIEWS` times (Oxford-IIIT Pet's
``Abyssinian_1`` .. ``_200`` are breeds, classes, not subjects). Plain numbers (``001`` ..
``300``), one running count (``img_001`` ..), a count running across prefixes (``cat_1``,
``dog_2`` .., each number used once) and DRIVE's ``21_training`` never group.

Prefixes that are words, holding no digit, name kinds, not subjects: Oxford-IIIT Pet's breeds
(``Abyssinian_1`` .., ``american_bulldog_1`` ..), classes renamed ``benign_1`` .. ``normal_1``
..; a subset of them numbered with no gap, or the same number of images of each breed, is
numbered exactly as slices of patients or views of cars are, so the names alone cannot tell
them apart and the rule keeps silent: names group only when at least half of the repeated
prefixes (their folder included) hold a digit, as patient ids, car ids and sequence names
(``TCGA_CS_4941_19960909``, ``00087a6bd4dc``, ``seq05``) do. People named in words (LFW's
``Aaron_Peirsol_0001``) are subjects this rule misses: a missing finding, not a false one.
Parts of a split or batches numbered so (``fold0_1`` .. ``fold4_60``, ``batch_2_001``) hold a
digit but name no subject either: they count as words.

Subjects of differing sizes (the slices of each patient's volume, Kaggle LGG's
``TCGA_CS_4941_19960909_1`` .. ``_23`` beside another patient's ``_1`` .. ``_88``) group
only when the numbering restarts at every prefix: each repeated subject's numbers are the
whole run ``1 .. n`` (or ``0 .. n-1``) with no gap, for every repeated subject, at most
:data:`MAX_RUN` long (a volume's slices; BraTS's 155). A count running across prefixes
(``cat_001``, ``dog_002`` ..), frame numbers (CamVid's ``0001TP_006690``), dates and ids
that leave gaps do not.

>>> runs = [f"TCGA_{p}_{s}" for p in range(6) for s in range(1, 20 + 7 * p)]
>>> groups = name_groups(runs)
>>> groups.subject_of["TCGA_2_5"], groups.subjects, groups.runs, groups.smallest, groups.size
('TCGA_2', 6, True, 19, 54)

>>> stems = [f"car{c}_{v:02d}" for c in range(6) for v in range(1, 17)]
>>> groups = name_groups(stems)
>>> groups.subject_of["car3_07"], groups.subjects, groups.size
('car3', 6, 16)
>>> name_groups([f"{n:03d}" for n in range(300)]) is None
True
>>> name_groups([f"img_{n:03d}" for n in range(300)]) is None
True
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from unetdiag.diag.data.folders import MIN_CASE_FOLDERS

#: ``<subject>`` then a number after the last ``_`` or ``-``.
_VIEW_NAME = re.compile(r"^(?P<subject>.+)[_-](?P<view>[0-9]+)$")
#: Share of stems that must be ``<subject>_<n>`` names for the names to be read as groups.
MIN_VIEW_NAME_SHARE = 0.9
#: Subjects that repeat, needed (as case folders: fewer cannot be split whole).
MIN_SUBJECTS = MIN_CASE_FOLDERS
#: Share of the repeated subjects that must hold the most common number of views.
MIN_SAME_SIZE_SHARE = 0.5
#: Most views of one subject read as views; more are read as a class's running count.
MAX_VIEWS = 64
#: Views of subjects number each subject's images alike (Carvana's 01 .. 16 for every car):
#: the distinct numbers must be at most this share of the repeated subjects' names. A count
#: running across prefixes (``cat_1``, ``dog_2`` ..) uses each number once.
REUSED_NUMBER_SHARE = 0.5
#: Share of the repeated prefixes that must hold a digit (ids, not words naming a kind).
MIN_ID_PREFIX_SHARE = 0.5
#: A prefix naming a part of a split or a batch (``fold3``, ``batch_2``, ``part-1``): no id.
_SPLIT_PART = re.compile(r"(?:^|[_\-/])(?:fold|split|part|batch|chunk|shard|subset|train|"
                         r"training|val|valid|validation|test|testing)[_\-]?[0-9]+$",
                         re.IGNORECASE)
#: Longest run ``1 .. n`` of one subject read as its slices or frames (BraTS's volumes hold
#: 155 slices; Kaggle LGG's 20 to 88).
MAX_RUN = 160


@dataclass(frozen=True)
class NameGroups:
    """Stems grouped into subjects by their names.

    Attributes:
        subject_of: ``{stem: subject}`` for every stem given (a stem that is not a
            ``<subject>_<n>`` name is its own subject).
        named: how many stems are ``<subject>_<n>`` names.
        subjects: how many subjects hold two or more stems.
        size: the most common number of stems of a repeated subject; of runs
            (``runs``), the largest.
        of_size: how many subjects hold exactly ``size`` stems.
        example: the stems of the first subject (by name) holding ``size`` stems.
        runs: the subjects differ in size and are grouped because each one's numbers run
            from 0 or 1 with no gap (the numbering restarts at every prefix).
        smallest: the fewest stems of a repeated subject.
        starts: of runs, the numbers they start at (``(1,)``, ``(0,)`` or ``(0, 1)``).
    """

    subject_of: dict[str, str]
    named: int
    subjects: int
    size: int
    of_size: int
    example: tuple[str, ...]
    runs: bool = False
    smallest: int = 0
    starts: tuple[int, ...] = ()


def name_groups(stems: Sequence[str]) -> NameGroups | None:
    """The stems' subjects when the names group so (module doc), else None."""
    members: dict[str, list[str]] = defaultdict(list)
    numbers: dict[str, list[int]] = defaultdict(list)
    subject_of: dict[str, str] = {}
    for stem in stems:
        folder, _, name = stem.rpartition("/")
        match = _VIEW_NAME.match(name)
        if match is not None:
            subject = f"{folder}/{match['subject']}" if folder else match["subject"]
            subject_of[stem] = subject
            members[subject].append(stem)
            numbers[subject].append(int(match["view"]))
    if not stems or len(subject_of) < MIN_VIEW_NAME_SHARE * len(stems):
        return None
    sizes = Counter(len(held) for held in members.values() if len(held) > 1)
    repeated = sum(sizes.values())
    if repeated < MIN_SUBJECTS:
        return None
    # words (Abyssinian, benign) name kinds of image, each counted from 1, not subjects
    ids = sum(1 for subject, held in members.items() if len(held) > 1 and is_id(subject))
    if ids < MIN_ID_PREFIX_SHARE * repeated:
        return None
    held_numbers = [held for held in numbers.values() if len(held) > 1]
    size, of_size = max(sizes.items(), key=lambda item: (item[1], item[0]))
    used = [number for held in held_numbers for number in held]
    # a count running across prefixes numbers files, not views: its numbers are not reused
    runs = (of_size < MIN_SAME_SIZE_SHARE * repeated or size > MAX_VIEWS
            or len(set(used)) > REUSED_NUMBER_SHARE * len(used))
    starts: tuple[int, ...] = ()
    if runs:
        if not _restarting_runs(held_numbers):
            return None
        size = max(sizes)
        of_size = sizes[size]
        starts = tuple(sorted({min(held) for held in held_numbers}))
    example = min(subject for subject, held in members.items() if len(held) == size)
    return NameGroups({stem: subject_of.get(stem, stem) for stem in stems}, len(subject_of),
                      repeated, size, of_size, tuple(sorted(members[example], key=_number)),
                      runs, min(sizes), starts)


def _restarting_runs(numbers: list[list[int]]) -> bool:
    """Every repeated subject's numbers are the whole run from 0 or 1 (each number once, no
    gap), at most :data:`MAX_RUN` long: an index that restarts at each prefix."""
    return all(len(held) <= MAX_RUN and min(held) in (0, 1) and len(set(held)) == len(held)
               and max(held) - min(held) == len(held) - 1 for held in numbers)


def is_id(subject: str) -> bool:
    """A prefix that can name one subject: it holds a digit, and is no split part's name."""
    return any(character.isdigit() for character in subject) and not _SPLIT_PART.search(subject)


def _number(stem: str) -> tuple[int, str]:
    match = _VIEW_NAME.match(stem.rpartition("/")[2])
    return (int(match["view"]) if match else -1, stem)
