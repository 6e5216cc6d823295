"""A mask's colour test gives the answers of the definition it replaced (session 30's cut;
docs/benchmarks-audit.md): whether any pixel's channels differ."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.data import mask_planes
from unetdiag.diag.data.mask_planes import channels_differ


def _differ_channel_by_channel(colour: np.ndarray) -> bool:
    """The definition ``channels_differ`` is held to: each channel plane compared with the
    first, on a strided sample and then on the whole array."""
    for plane in (colour[::8, ::8], colour):
        first = plane[:, :, 0]
        if any(not np.array_equal(first, plane[:, :, channel])
               for channel in range(1, plane.shape[2])):
            return True
    return False


@st.composite
def _grey_with_strays(draw) -> np.ndarray:
    """Grey values stored in 1-4 channels, with a few samples changed anywhere (also off the
    sample grid, at row ends and pixel ends), in integer or float dtypes (NaN and -0.0
    included), contiguous or a view."""
    height, width = draw(st.integers(1, 30)), draw(st.integers(1, 30))
    channels = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.uint8, np.uint16, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    grey = rng.integers(0, draw(st.sampled_from([1, 2, 256])), (height, width))
    colour = np.repeat(grey[:, :, None], channels, axis=2).astype(dtype)
    for _ in range(draw(st.integers(0, 3))):
        row, column = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        channel = draw(st.integers(0, channels - 1))
        stray = draw(st.sampled_from([1, 255, "nan", "-0"]))
        if dtype == np.float32 and stray == "nan":
            colour[row, column, channel] = np.nan
        elif dtype == np.float32 and stray == "-0":
            colour[row, column, channel] = -0.0 if colour[row, column, channel] == 0 else 0
        elif dtype == np.float32 and stray not in ("nan", "-0"):
            colour[row, column, channel] += stray  # a NaN stays NaN
        elif stray not in ("nan", "-0"):
            colour[row, column, channel] = (int(colour[row, column, channel]) + stray) % 256
    view = draw(st.sampled_from(["contiguous", "flipped", "without last channel"]))
    if view == "flipped":
        return colour[::-1]
    if view == "without last channel" and channels > 1:
        return colour[:, :, :-1]
    return colour


@settings(max_examples=600, deadline=None)
@given(colour=_grey_with_strays(), block=st.sampled_from([1, 5, 64, 1 << 20]))
def test_channels_differ_as_channel_by_channel(colour: np.ndarray, block: int) -> None:
    with pytest.MonkeyPatch.context() as patch:  # blocks of one row up to the whole array
        patch.setattr(mask_planes, "_BLOCK_SAMPLES", block)
        assert channels_differ(colour) == _differ_channel_by_channel(colour)


def test_empty_arrays_have_no_colour() -> None:
    assert not channels_differ(np.zeros((0, 4, 3), np.uint8))
    assert not channels_differ(np.zeros((3, 0, 3), np.uint8))
