"""The seeded train/validation split (unetdiag.diag.data.split): by file, stable as files
come and go, and by case folder or source image when pairs have groups."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.data.folders import MIN_CASE_FOLDERS
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.split import split_pairs, validation_count


def _make_pairs(stems) -> list[Pair]:
    return [Pair(stem, Path(f"images/{stem}.png"), Path(f"masks/{stem}.png")) for stem in stems]


def test_split_is_seeded_sorted_disjoint_and_order_independent():
    pairs = _make_pairs(f"s{i:03d}" for i in range(50))
    train, validation = split_pairs(pairs, 0.2, seed=42)
    assert len(validation) == 10 and len(train) == 40
    assert set(train).isdisjoint(validation) and set(train) | set(validation) == set(pairs)
    assert [p.stem for p in train] == sorted(p.stem for p in train)
    assert [p.stem for p in validation] == sorted(p.stem for p in validation)
    assert split_pairs(list(reversed(pairs)), 0.2, seed=42) == (train, validation)
    assert split_pairs(pairs, 0.2, seed=7)[1] != validation


def test_split_follows_the_documented_sha256_ranking():
    # Python's hash() of a str changes with PYTHONHASHSEED; this split must never change.
    stems = ["a", "b", "c", "d", "e"]
    _, validation = split_pairs(_make_pairs(stems), 0.4, seed=42)
    ranked = sorted(stems, key=lambda stem: hashlib.sha256(f"42\0{stem}".encode()).digest())
    assert [p.stem for p in validation] == sorted(ranked[:2]) == ["d", "e"]


@pytest.mark.parametrize(("count", "fraction", "expected"), [
    (7390, 0.2, 1478), (10, 0.2, 2), (2, 0.2, 1), (3, 0.1, 1), (1, 0.2, 0), (0, 0.2, 0),
    (10, 0.0, 0), (2, 0.9, 1), (11, 0.5, 6),
])
def test_validation_count(count, fraction, expected):
    assert validation_count(count, fraction) == expected


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5])
def test_validation_fraction_out_of_range_is_rejected(fraction):
    with pytest.raises(ValueError, match="val_fraction"):
        split_pairs(_make_pairs(["a", "b"]), fraction)


def test_single_pair_trains_and_nothing_validates():
    pairs = _make_pairs(["only"])
    assert split_pairs(pairs) == (pairs, [])


@settings(max_examples=60, deadline=None)
@given(st.sets(st.text(alphabet="abcdefghij0123456789_", min_size=1, max_size=8),
               min_size=2, max_size=40),
       st.text(alphabet="klmnopqrstuvwxyz", min_size=1, max_size=8),
       st.integers(0, 2**32), st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_adding_a_file_moves_at_most_one_other_file(stems, new_stem, seed, fraction):
    pairs = _make_pairs(sorted(stems))
    _, validation_before = split_pairs(pairs, fraction, seed)
    _, validation_after = split_pairs(pairs + _make_pairs([new_stem]), fraction, seed)
    old_after = {p.stem for p in validation_after} - {new_stem}
    moved = old_after ^ {p.stem for p in validation_before}
    assert len(moved) <= 1



@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 16), min_size=1, max_size=12), st.integers(0, 2**32),
       st.sampled_from([0.1, 0.2, 0.25, 0.5]))
def test_the_split_keeps_every_case_whole_and_never_overshoots(sizes, seed, fraction):
    pairs = [Pair(f"c{case}/s{n}", Path(f"c{case}/s{n}.png"), Path(f"c{case}/s{n}_mask.png"),
                  group=f"c{case}")
             for case, size in enumerate(sizes) for n in range(size)]
    train, validation = split_pairs(pairs, fraction, seed)
    assert sorted(train + validation, key=lambda p: p.stem) == sorted(pairs, key=lambda p: p.stem)
    assert train, "never every pair in validation"
    if len(sizes) >= MIN_CASE_FOLDERS:
        assert {p.group for p in train}.isdisjoint({p.group for p in validation})
        target = validation_count(len(pairs), fraction)
        # whole cases up to the share; the smallest case when none fits
        assert validation
        assert len(validation) <= target or len(validation) == min(sizes) > target
    else:  # too few to split whole: the count shared out in proportion to the cases
        held = Counter(p.group for p in validation)
        assert len(validation) == validation_count(len(pairs), fraction)
        assert all(abs(held[f"c{case}"] - size * len(validation) / len(pairs)) < 1
                   for case, size in enumerate(sizes))
    assert split_pairs(pairs[::-1], fraction, seed) == (train, validation)


def test_a_large_case_is_not_taken_past_the_validation_share():
    sizes = {"a": 2, "b": 2, "c": 16, "d": 16, "e": 16}
    pairs = [Pair(f"{case}/s{n}", Path(f"{case}/s{n}.png"), Path(f"{case}/s{n}_m.png"),
                  group=case) for case, size in sizes.items() for n in range(size)]
    for seed in range(8):
        _train, validation = split_pairs(pairs, 0.2, seed)
        assert {p.group for p in validation} in ({"a"}, {"b"}, {"a", "b"})


