"""The audit's faster ways of reading pixels give the answers of the definitions they
replaced (session 28's cuts; docs/benchmarks-audit.md)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from unetdiag.diag.audit import readers as audit_readers
from unetdiag.diag.audit.alignment import _block_mean
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.reading import pixel_array
from unetdiag.diag.data.value_counts import value_counts
from unetdiag.diag.synth.generator import SynthSpec, write_dataset

#: Modes the audit and the trainer turn into arrays, with their stored bytes per pixel.
_MODE_BYTES = {"L": 1, "P": 1, "LA": 2, "RGB": 3, "RGBA": 4, "CMYK": 4, "I;16": 2, "I": 4,
               "F": 4}


@st.composite
def _images(draw) -> Image.Image:
    mode = draw(st.sampled_from([*_MODE_BYTES, "1"]))
    # up to 600 px a side: past the 64 kB pieces Pillow packs by default
    height, width = draw(st.integers(1, 600)), draw(st.integers(1, 600))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    stored = "L" if mode == "1" else mode  # any bytes: NaN and infinities too for "F"
    raw = rng.integers(0, 256, height * width * _MODE_BYTES[stored], dtype=np.uint8)
    image = Image.frombytes(stored, (width, height), raw.tobytes())
    return image.convert("1") if mode == "1" else image


def _same_as_numpys(image: Image.Image) -> None:
    piece = ImageFile.MAXBLOCK
    expected = np.asarray(image)
    got = pixel_array(image)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=got.dtype.kind == "f")
    assert not got.flags.writeable  # as numpy's: nothing downstream may write into it
    assert piece == ImageFile.MAXBLOCK


@settings(max_examples=60, deadline=None)
@given(_images())
def test_pixel_array_is_numpys_array_of_the_image(image: Image.Image) -> None:
    _same_as_numpys(image)


@pytest.mark.parametrize("mode", [*_MODE_BYTES, "1"])
def test_pixel_array_of_large_images(mode: str) -> None:
    # hypothesis draws mostly small images: each mode once well past one 64 kB piece
    rng = np.random.default_rng(len(mode))
    stored = "L" if mode == "1" else mode
    raw = rng.integers(0, 256, 700 * 500 * _MODE_BYTES[stored], dtype=np.uint8)
    image = Image.frombytes(stored, (700, 500), raw.tobytes())
    _same_as_numpys(image.convert("1") if mode == "1" else image)


def test_pixel_array_restores_the_piece_size_on_error() -> None:
    piece = ImageFile.MAXBLOCK

    class Broken(Image.Image):
        @property
        def __array_interface__(self):  # numpy asks Pillow here: a failing decode
            raise OSError("decoder failed")

    broken = Broken()
    broken._size = (4, 4)
    with pytest.raises(OSError, match="decoder failed"):
        pixel_array(broken)
    assert piece == ImageFile.MAXBLOCK


def _counts_of_every_pixel(plane: np.ndarray) -> dict[int, int]:
    """The definition ``value_counts`` is held to: a histogram of every pixel."""
    histogram = Image.fromarray(np.ascontiguousarray(plane)).histogram()
    return {value: count for value, count in enumerate(histogram) if count}


@st.composite
def _lossy_planes(draw) -> np.ndarray:
    """8-bit planes at two levels with some pixels between (as JPEG leaves them) or none,
    contiguous or a channel of a colour array."""
    height, width = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    low = draw(st.integers(0, 254))
    high = draw(st.integers(low, 255))
    plane = np.where(rng.random((height, width)) < draw(st.floats(0, 1)), high, low)
    between = rng.random((height, width)) < draw(st.sampled_from([0.0, 0.01, 0.1, 0.125,
                                                                  0.2, 0.5, 1.0]))
    plane = np.where(between, rng.integers(low, high + 1, (height, width)), plane)
    plane = plane.astype(np.uint8)
    if draw(st.booleans()):  # a strided view, as an alpha channel is
        return np.dstack([plane, plane // 2])[:, :, 0]
    return plane


@settings(max_examples=300, deadline=None)
@given(_lossy_planes())
def test_value_counts_are_every_pixels(plane: np.ndarray) -> None:
    expected = _counts_of_every_pixel(plane)
    got = value_counts(plane)
    assert list(got.items()) == list(expected.items())  # the same values, in value order
    assert all(type(value) is int and type(count) is int for value, count in got.items())


def _first_reads(folder, monkeypatch, worth: float) -> tuple[list[list[int]], list[int]]:
    """The pair indices of the first four records ``read_all`` yields with two readers
    allowed, and the readers it used, with the pool worth ``worth`` seconds."""
    monkeypatch.setattr(audit_readers, "POOL_WORTH_SECONDS", worth)
    pairs = discover_pairs(folder).pairs
    used: list[int] = []
    records = audit_readers.read_all(pairs, MaskPolicy(), 2, used)
    first = [next(records).columns["index"].tolist() for _ in range(4)]
    records.close()
    return first, used


class _Clock:
    """A CPU clock for ``readers.time`` that reads the given times in turn."""

    def __init__(self, times: list[float]) -> None:
        self.times = iter(times)

    def process_time(self) -> float:
        return next(self.times)


def test_a_pool_clearly_worth_it_starts_after_the_first_pair(tmp_path, monkeypatch):
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=24, size=32, seed=2))
    # any work is worth a pool: the first pair decides alone, no pair is read alone after it
    first, used = _first_reads(folder, monkeypatch, 1e-12)
    assert first[0] == [0] and [1] not in first and used == [2]
    # no work is: the first pair and the probe's are read, then this process goes on alone
    first, used = _first_reads(folder, monkeypatch, 1e9)
    assert first[:3] == [[0], [1], [2, 3, 4]] and used == [1]


def test_a_first_pair_short_of_the_bar_leaves_the_first_timed_pair_to_decide(
        tmp_path, monkeypatch):
    folder = tmp_path / "cells"
    # 40 pairs: the pool's first chunk after pair 1 is pairs 2-6, so a chunk of pairs 2-4
    # can only be the probe's (with 24 the pool's first chunk was 2-4 too, and a worker
    # that finished it first made the test fail)
    write_dataset(folder, SynthSpec(n_pairs=40, size=32, seed=2))
    # the first pair takes 1 ms (39 ms projected: short of 2 s), the next one 99 s
    monkeypatch.setattr(audit_readers, "time", _Clock([0.0, 0.001, 1.0, 100.0]))
    first, used = _first_reads(folder, monkeypatch, 1.0)
    assert first[:2] == [[0], [1]] and [2, 3, 4] not in first and used == [2]


def test_costly_pairs_end_in_single_pair_chunks(tmp_path, monkeypatch):
    """Pairs the probe finds costly are handed out in chunks that shrink to one pair, so
    that no reader waits long for the other's last chunk; cheap ones as before (8 at
    least)."""
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=40, size=32, seed=4))
    pairs = discover_pairs(folder).pairs
    monkeypatch.setattr(audit_readers, "POOL_WORTH_SECONDS", 1e-12)

    def sizes() -> list[int]:
        return sorted(record.columns["index"].size
                      for record in audit_readers.read_all(pairs, MaskPolicy(), 2))

    # pairs cheap to read: chunks of 8 pairs at least, as before (after the first pair,
    # which decides alone here)
    monkeypatch.setattr(audit_readers, "MIN_CHUNK_SECONDS", 1e9)
    assert sizes() == [1, 7, 8, 8, 8, 8]
    # costly ones: chunks of (pairs left) / 8, down to single pairs
    monkeypatch.setattr(audit_readers, "MIN_CHUNK_SECONDS", 1e-12)
    assert sizes() == sorted([1, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1])


def _block_means_by_definition(values: np.ndarray, factor: int) -> np.ndarray:
    """Exact block sums (int64 over a reshaped view), then float32 means: the definition
    ``alignment._block_mean`` is held to whatever its accumulators."""
    height, width = values.shape[0] // factor, values.shape[1] // factor
    cropped = values[:height * factor, :width * factor].astype(np.int64)
    blocks = cropped.reshape(height, factor, width, factor, *values.shape[2:])
    return blocks.sum(axis=(1, 3)).astype(np.float32) / np.float32(factor * factor)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 20), st.integers(1, 4), st.integers(1, 4), st.sampled_from([0, 1, 3]),
       st.booleans(), st.integers(0, 2**32 - 1), st.integers(0, 19))
def test_block_means_are_exact_whatever_the_accumulator(factor, blocks_down, blocks_across,
                                                        channels, boolean, seed, extra):
    # up to 20 px blocks: 8-bit sums past 16 bits from 17 px on; saturated values at most
    rng = np.random.default_rng(seed)
    shape = (blocks_down * factor + extra % factor, blocks_across * factor + extra // 2 % factor,
             *((channels,) if channels else ()))
    values = (rng.random(shape) < 0.5 if boolean
              else np.where(rng.random(shape) < 0.8, np.uint8(255),
                            rng.integers(0, 256, shape)).astype(np.uint8))
    got = _block_mean(values, factor)
    expected = _block_means_by_definition(values, factor)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
