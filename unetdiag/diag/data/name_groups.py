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
``300``), one running count (``img_001`` ..) and DRIVE's ``21_training`` never group.

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


@dataclass(frozen=True)
class NameGroups:
    """Stems grouped into subjects by their names.

    Attributes:
        subject_of: ``{stem: subject}`` for every stem given (a stem that is not a
            ``<subject>_<n>`` name is its own subject).
        named: how many stems are ``<subject>_<n>`` names.
        subjects: how many subjects hold two or more stems.
        size: the most common number of stems of a repeated subject.
        of_size: how many subjects hold exactly ``size`` stems.
        example: the stems of the first subject (by name) holding ``size`` stems.
    """

    subject_of: dict[str, str]
    named: int
    subjects: int
    size: int
    of_size: int
    example: tuple[str, ...]


def name_groups(stems: Sequence[str]) -> NameGroups | None:
    """The stems' subjects when the names group so (module doc), else None."""
    members: dict[str, list[str]] = defaultdict(list)
    subject_of: dict[str, str] = {}
    for stem in stems:
        folder, _, name = stem.rpartition("/")
        match = _VIEW_NAME.match(name)
        if match is not None:
            subject = f"{folder}/{match['subject']}" if folder else match["subject"]
            subject_of[stem] = subject
            members[subject].append(stem)
    if not stems or len(subject_of) < MIN_VIEW_NAME_SHARE * len(stems):
        return None
    sizes = Counter(len(held) for held in members.values() if len(held) > 1)
    repeated = sum(sizes.values())
    if repeated < MIN_SUBJECTS:
        return None
    size, of_size = max(sizes.items(), key=lambda item: (item[1], item[0]))
    if of_size < MIN_SAME_SIZE_SHARE * repeated or size > MAX_VIEWS:
        return None
    example = min(subject for subject, held in members.items() if len(held) == size)
    return NameGroups({stem: subject_of.get(stem, stem) for stem in stems}, len(subject_of),
                      repeated, size, of_size, tuple(sorted(members[example])))
