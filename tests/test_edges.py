"""edge_share on bit-packed rows equals the NumPy definition it replaced (kept here as the
reference), answer for answer: on scattered values, on JPEG-like masks (blobs and lines with
graded, noisy edges) of every width around the 64-pixel word, and on integer levels."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw

from unetdiag.diag.checks.edges import edge_share, edge_share_of_levels


# The NumPy morphology edge_share used before it moved to scipy.ndimage: the reference the
# scipy version must equal, answer for answer.
def _reference_dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    out = mask
    for axis in (1, 2):
        padded = np.pad(out, [(0, 0)] + [(radius, radius) if a == axis else (0, 0)
                                         for a in (1, 2)])
        length = out.shape[axis]
        grown = np.zeros_like(out)
        for offset in range(2 * radius + 1):
            grown |= np.take(padded, np.arange(offset, offset + length), axis=axis)
        out = grown
    return out


def _reference_edge_share(masks: np.ndarray, radius: int, tolerance: float) -> float:
    spatial = np.asarray(masks, dtype=np.float64)
    spatial = spatial[None] if spatial.ndim == 2 else spatial
    between = (spatial > 0) & (spatial < 1)
    if not between.any():
        return float("nan")

    def erode(mask):
        return ~_reference_dilate(~mask, 1)

    near_solid_background = _reference_dilate(erode(spatial <= tolerance), radius + 1)
    near_solid_foreground = _reference_dilate(erode(spatial >= 1 - tolerance), radius + 1)
    near_bright = _reference_dilate(spatial >= 0.5, radius)
    near_dark = _reference_dilate(spatial < 0.5, radius)
    on_edge = between & ((near_solid_background & near_bright)
                         | (near_solid_foreground & near_dark))
    return float(on_edge.sum() / between.sum())


@settings(max_examples=80, deadline=None)
@given(masks=hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=3, min_side=1,
                                                     max_side=14),
                        elements=st.sampled_from([0.0, 1.0, 0.02, 0.5, 0.97, 0.3])),
       radius=st.integers(0, 9), tolerance=st.sampled_from([0.0, 0.1, 0.25]))
def test_edge_share_on_scipy_equals_the_numpy_reference(masks, radius, tolerance):
    expected = _reference_edge_share(masks, radius, tolerance)
    got = edge_share(masks, radius=radius, tolerance=tolerance)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def _jpeg_like(seed: int, height: int, width: int, quality: int) -> np.ndarray:
    """A uint8 mask of blobs and thin lines, blurred by a bilinear resize, saved as JPEG."""
    rng = np.random.default_rng(seed)
    image = Image.new("L", (width, height))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(1, 6))):
        x, y = rng.integers(-5, max(width, 2)), rng.integers(-5, max(height, 2))
        w, h = rng.integers(1, 30, 2)
        if rng.random() < 0.3:
            draw.line((x, y, x + w, y + h), fill=255, width=int(rng.integers(1, 3)))
        else:
            draw.ellipse((x, y, x + w, y + h), fill=255)
    if rng.random() < 0.5:
        image = image.resize((width // 2 + 1, height // 2 + 1)).resize(
            (width, height), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("L"))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), height=st.integers(1, 70), width=st.integers(1, 70),
       quality=st.sampled_from([20, 75, 95]), radius=st.integers(0, 10),
       tolerance=st.sampled_from([0.0, 0.1, 0.3]))
def test_edge_share_of_jpeg_like_masks_equals_the_reference(seed, height, width, quality,
                                                            radius, tolerance):
    levels = _jpeg_like(seed, height, width, quality)
    unit = (levels.astype(np.float32) - np.float32(0)) / np.float32(255)
    expected = _reference_edge_share(unit.astype(np.float64), radius, tolerance)
    for share in (edge_share(unit, radius=radius, tolerance=tolerance),
                  edge_share_of_levels(levels, 0.0, 255.0, radius=radius, tolerance=tolerance)):
        assert (np.isnan(share) and np.isnan(expected)) or share == expected


@settings(max_examples=40, deadline=None)
@given(masks=hnp.arrays(np.float64, st.tuples(st.integers(1, 2), st.integers(1, 40),
                                              st.integers(1, 40)),
                        elements=st.sampled_from([0.0, 1.0, 0.02, 0.5, 0.97, 0.3, -0.2, 1.5])),
       radius=st.integers(0, 9), tolerance=st.sampled_from([0.0, 0.1, 0.25]))
def test_edge_share_of_scattered_values_equals_the_reference(masks, radius, tolerance):
    expected = _reference_edge_share(masks, radius, tolerance)
    got = edge_share(masks, radius=radius, tolerance=tolerance)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), dtype=st.sampled_from([np.uint8, np.uint16, np.int16]),
       bottom=st.sampled_from([0.0, 3.0, -100.0]), top=st.sampled_from([1.0, 255.0, 65535.0]))
def test_levels_equal_the_float_scaling(seed, dtype, bottom, top):
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    ends = np.clip([bottom, top], info.min, info.max).astype(dtype)
    plane = np.where(rng.random((30, 40)) < 0.5, ends[0], ends[1]).astype(dtype)
    plane[rng.random(plane.shape) < 0.1] = rng.integers(info.min, info.max, dtype=dtype,
                                                        endpoint=True)
    unit = (plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
    expected = _reference_edge_share(unit.astype(np.float64), 3, 0.1)
    got = edge_share_of_levels(plane, bottom, top, radius=3)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_levels_need_an_integer_plane():
    with pytest.raises(ValueError, match="integer plane"):
        edge_share_of_levels(np.zeros((4, 4)), 0.0, 1.0)


@pytest.mark.parametrize("radius", [62, 63, 64, 70])
def test_reaches_beyond_one_word(radius):
    levels = _jpeg_like(3, 40, 150, 75)
    unit = levels.astype(np.float64) / 255
    assert edge_share_of_levels(levels, 0.0, 255.0, radius=radius) == _reference_edge_share(
        unit, radius, 0.1)


@pytest.mark.parametrize("width", [56, 63, 64, 65, 128])
@pytest.mark.parametrize("seed", range(4))
def test_rows_a_whole_number_of_words_long(width, seed):
    levels = _jpeg_like(seed, 30, width, 50).copy()
    levels[:, -3:] = np.where(np.arange(30)[:, None] % 7 < 3, 255, 90)  # graded right edge
    unit = levels.astype(np.float64) / 255
    for radius in (1, 8, 9):
        assert edge_share_of_levels(levels, 0.0, 255.0, radius=radius) == \
            _reference_edge_share(unit, radius, 0.1)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), radius=st.integers(0, 10),
       tolerance=st.sampled_from([0.0, 0.1, 0.3]), stray=st.integers(0, 30))
def test_the_test_decided_around_the_bright_pixels_equals_the_whole_plane(seed, radius,
                                                                           tolerance, stray):
    """A JPEG-like patch somewhere in a large dark plane, plus grey pixels strewn far from it
    (between 0 and 1 but never bright): the edge test reads only a box around the bright
    pixels, and must answer as the reference on the whole plane does."""
    rng = np.random.default_rng(seed)
    patch = _jpeg_like(seed, 40, 40, 75)
    plane = np.zeros((160, 150), dtype=np.uint8)
    top, left = (int(value) for value in rng.integers(0, 110, 2))
    plane[top:top + 40, left:left + 40] = patch
    rows, columns = rng.integers(0, 160, stray), rng.integers(0, 150, stray)
    plane[rows, columns] = np.maximum(plane[rows, columns], rng.integers(1, 100, stray))
    unit = plane.astype(np.float32) / np.float32(255)
    expected = _reference_edge_share(unit.astype(np.float64), radius, tolerance)
    for share in (edge_share(unit, radius=radius, tolerance=tolerance),
                  edge_share_of_levels(plane, 0.0, 255.0, radius=radius, tolerance=tolerance)):
        assert (np.isnan(share) and np.isnan(expected)) or share == expected
