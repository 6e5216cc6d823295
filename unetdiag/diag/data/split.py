"""The train/validation split of the pairs: deterministic, stable as files come and go, and
by case folder where folders are cases (:data:`~unetdiag.diag.data.folders.MIN_CASE_FOLDERS`),
and by subject or video sequence when asked (:func:`group_by_subject`,
:func:`group_by_sequence`, ``train --split-by-subject``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from unetdiag.diag.data.folders import MIN_CASE_FOLDERS
from unetdiag.diag.data.name_groups import NameGroups, name_groups
from unetdiag.diag.data.pairing import Pair


def validation_count(pair_count: int, val_fraction: float) -> int:
    """How many of ``pair_count`` pairs :func:`split_pairs` puts in validation.

    ``round(pair_count * val_fraction)`` (Python's round, halves to even), at least 1 when
    there are two or more pairs and ``val_fraction > 0``, and never all of them.

    >>> validation_count(7390, 0.2), validation_count(3, 0.2), validation_count(1, 0.2)
    (1478, 1, 0)
    """
    if not 0 <= val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    count = round(pair_count * val_fraction)
    if val_fraction > 0 and pair_count >= 2:
        count = max(count, 1)
    return min(count, max(pair_count - 1, 0))


def _seeded_digest(seed: int, key: str) -> bytes:
    # surrogateescape: a name that is not UTF-8 (a Windows zip unpacked on Linux) hashes
    # by its own bytes; a UTF-8 name as before
    return hashlib.sha256(f"{seed}\0{key}".encode("utf-8", "surrogateescape")).digest()


def _rank_key(pair: Pair, seed: int) -> tuple[bytes, str]:
    return _seeded_digest(seed, pair.stem), str(pair.image)


def split_pairs(pairs: Sequence[Pair], val_fraction: float = 0.2,
                seed: int = 42) -> tuple[list[Pair], list[Pair]]:
    """Split pairs into ``(train, validation)`` by file (by case folder when pairs have a
    ``group``), deterministically.

    Pairs are ranked by SHA-256 of ``(seed, stem)`` and the first
    :func:`validation_count` go to validation. A pair's side depends only on its own hash
    and the number of pairs, never on listing order or on other names: adding one file
    moves at most one other file across the split (the one at the boundary), where
    re-shuffling (``train_test_split``) would move about a third of them. Pairs of
    :data:`MIN_CASE_FOLDERS` or more groups are split by group (:func:`_validation_groups`):
    validation takes whole groups up to that many pairs (at least one group), so its share
    follows their sizes. Fewer groups are too few to split whole (one would be the whole
    validation set): each is split by file, the validation count shared out over them in
    proportion to their sizes, so each keeps its share on both sides.
    Both lists come back sorted by stem.

    >>> from pathlib import Path
    >>> pairs = [Pair(f"p{i}", Path(f"p{i}.png"), Path(f"p{i}_mask.png")) for i in range(10)]
    >>> train, validation = split_pairs(pairs)
    >>> len(train), len(validation), split_pairs(pairs[::-1]) == (train, validation)
    (8, 2, True)
    """
    groups = sorted({pair.group for pair in pairs})
    if kept_whole(pairs):
        chosen = _validation_groups(pairs, validation_count(len(pairs), val_fraction), seed)
        validation = [pair for pair in pairs if pair.group in chosen]
    else:
        members = {group: sorted((pair for pair in pairs if pair.group == group),
                                 key=lambda pair: _rank_key(pair, seed)) for group in groups}
        shares = _shares({group: len(ranked) for group, ranked in members.items()},
                         validation_count(len(pairs), val_fraction))
        validation = [pair for group, ranked in members.items()
                      for pair in ranked[:shares[group]]]
    held_out = {id(pair) for pair in validation}
    train = [pair for pair in pairs if id(pair) not in held_out]
    return (sorted(train, key=lambda pair: (pair.stem, str(pair.image))),
            sorted(validation, key=lambda pair: (pair.stem, str(pair.image))))


def _shares(sizes: dict[str, int], count: int) -> dict[str, int]:
    """``count`` split over groups in proportion to their sizes (largest remainders first,
    ties by name): the total is exactly ``count``, and no group gives more than it has.

    >>> _shares({"benign": 437, "malignant": 210, "normal": 133}, 156)
    {'benign': 87, 'malignant': 42, 'normal': 27}
    """
    total = sum(sizes.values())
    exact = {group: size * count / total for group, size in sizes.items()} if total else {}
    shares = {group: int(value) for group, value in exact.items()}
    by_remainder = sorted(exact, key=lambda group: (-(exact[group] - shares[group]), group))
    for group in by_remainder[:count - sum(shares.values())]:
        shares[group] += 1
    return shares


def _validation_groups(pairs: Sequence[Pair], count: int, seed: int) -> set[str]:
    """Whole groups for validation: in the order of SHA-256 of ``(seed, group)``, each group
    that still fits in ``count`` pairs; when none fits, the smallest (the first so ranked of
    the smallest), so that validation is not empty. Never every group."""
    sizes = Counter(pair.group for pair in pairs)
    if count == 0:
        return set()
    ranked = sorted(sizes, key=lambda group: _seeded_digest(seed, group))
    chosen: set[str] = set()
    held = 0
    for group in ranked:
        if held + sizes[group] <= count:
            chosen.add(group)
            held += sizes[group]
    return chosen or {min(ranked, key=lambda group: sizes[group])}


def group_by_subject(pairs: Sequence[Pair]) -> tuple[list[Pair], NameGroups | None]:
    """The pairs with each one's ``group`` its subject when their names group into subjects
    (:func:`~unetdiag.diag.data.name_groups.name_groups`: ``<subject>_<n>``), so that
    :func:`split_pairs` keeps each subject's views on one side; the pairs as they are, and
    None, when the names do not group so or the pairs already form groups enough to be split
    whole (case folders, tiles: :func:`kept_whole`)."""
    if kept_whole(pairs):
        return list(pairs), None
    groups = name_groups([pair.stem for pair in pairs])
    if groups is None:
        return list(pairs), None
    # a subject within a case folder is that folder's (fewer folders than split whole)
    return [replace(pair, group="/".join(filter(None, (pair.group,
                                                       groups.subject_of[pair.stem]))))
            for pair in pairs], groups


def group_by_sequence(pairs: Sequence[Pair], sequence_of: dict[str, str]) -> list[Pair]:
    """The pairs with each one's ``group`` its video sequence (``sequence_of``: stem ->
    sequence, as :func:`~unetdiag.diag.audit.sequence_frames.frame_sequences` reads
    ``0001TP_006690``), within its case folder as :func:`group_by_subject` does, so that
    :func:`split_pairs` keeps each sequence on one side when there are
    :data:`MIN_CASE_FOLDERS` or more."""
    return [replace(pair, group="/".join(filter(None, (pair.group,
                                                       sequence_of[pair.stem]))))
            for pair in pairs]


def kept_whole(pairs: Sequence[Pair]) -> bool:
    """Whether :func:`split_pairs` splits these pairs by group, keeping each one whole."""
    return len({pair.group for pair in pairs}) >= MIN_CASE_FOLDERS
