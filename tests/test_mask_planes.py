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


def _channel_maximum(values: np.ndarray) -> np.ndarray:
    """The plane ``mask_plane`` is held to (before alpha): the maximum over the colour
    channels, taken channel by channel."""
    colour = values[:, :, :-1] if values.shape[2] in (2, 4) else values
    plane = colour[:, :, 0].copy()
    for channel in range(1, colour.shape[2]):
        plane = np.maximum(plane, colour[:, :, channel])
    return plane


@settings(max_examples=400, deadline=None)
@given(colour=_grey_with_strays(), alpha=st.booleans())
def test_mask_plane_is_the_channel_maximum(colour: np.ndarray, alpha: bool) -> None:
    # grey integer channels are read from the first alone (session 31's cut): the same plane
    if alpha:  # an opaque alpha channel: the plane is the colour channels' maximum
        full = np.float32(1.0) if colour.dtype.kind == "f" else np.iinfo(colour.dtype).max
        colour = np.concatenate([colour, np.full(colour.shape[:2] + (1,), full, colour.dtype)],
                                axis=2)
    if colour.shape[2] in (2, 4) and not alpha:
        colour = colour[:, :, :1]
    plane, is_colour, _ = mask_planes.mask_plane(colour)
    expected = _channel_maximum(colour)
    assert plane.dtype == expected.dtype
    assert np.array_equal(plane, expected, equal_nan=colour.dtype.kind == "f")
    assert is_colour == _differ_channel_by_channel(
        colour[:, :, :-1] if colour.shape[2] in (2, 4) else colour)
