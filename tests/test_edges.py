"""edge_share on bit-packed rows equals the NumPy definition it replaced (kept here as the
reference), answer for answer: on scattered values, on JPEG-like masks (blobs and lines with
graded, noisy edges) of every width around the 64-pixel word, and on integer levels; and
the rim share, read in a box around the values between the ends (and together with the
edge share, from one pass over the plane), equals its whole-plane definition."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image, ImageDraw
from scipy import ndimage

from unetdiag.diag.checks.edges import (
    edge_and_rim_shares_of_levels,
    edge_share,
    edge_share_of_levels,
    pooled_rim_share,
    rim_share,
)


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
    plane, unit = _two_ends_with_strays(seed, dtype, bottom, top)
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


def _reference_rim_share(plane: np.ndarray, bottom: float, top: float, radius: int) -> float:
    """The rim share as defined before it was read in a box: SciPy's dilation by the square
    over the whole plane."""
    between = (plane > bottom) & (plane < top)
    if not between.any():
        return float("nan")
    square = np.ones((2 * radius + 1, 2 * radius + 1), dtype=bool)
    near = ndimage.binary_dilation((plane == bottom) | (plane == top), structure=square)
    return float(np.count_nonzero(between & near) / np.count_nonzero(between))


def _same(got: float, expected: float) -> bool:
    return (np.isnan(got) and np.isnan(expected)) or got == expected


def _two_ends_with_strays(seed: int, dtype, bottom: float, top: float
                          ) -> tuple[np.ndarray, np.ndarray]:
    """A plane of ``dtype`` at its two ends (clipped to the dtype) with 10 % stray values, and
    the same plane scaled to [0, 1] in float32 as the float path scales it."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    ends = np.clip([bottom, top], info.min, info.max).astype(dtype)
    plane = np.where(rng.random((30, 40)) < 0.5, ends[0], ends[1]).astype(dtype)
    plane[rng.random(plane.shape) < 0.1] = rng.integers(info.min, info.max, dtype=dtype,
                                                        endpoint=True)
    return plane, (plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)


def _patch_in_plane(seed: int, stray: int, dtype, top: int) -> np.ndarray:
    """A JPEG-like patch somewhere in a large plane of 0, plus values between the ends strewn
    anywhere (far from the patch, on the plane's border, or next to each other)."""
    rng = np.random.default_rng(seed)
    patch = _jpeg_like(seed, 40, 40, 75).astype(dtype)
    if top != 255:
        patch = (patch.astype(np.int64) * top // 255).astype(dtype)
    plane = np.zeros((int(rng.integers(40, 120)), int(rng.integers(40, 130))), dtype=dtype)
    row, column = (int(rng.integers(0, side - 39)) for side in plane.shape)
    plane[row:row + 40, column:column + 40] = patch
    rows = rng.integers(0, plane.shape[0], stray)
    columns = rng.integers(0, plane.shape[1], stray)
    plane[rows, columns] = rng.integers(1, top, stray)
    if stray and rng.random() < 0.5:  # a run of values between along the border
        plane[0, : int(rng.integers(1, plane.shape[1]))] = top // 2
    return plane


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), stray=st.integers(0, 40), radius=st.integers(0, 10),
       rim_radius=st.integers(0, 4), tolerance=st.sampled_from([0.0, 0.1, 0.3]),
       scale=st.sampled_from([(np.uint8, 255), (np.uint16, 65535), (np.uint8, 100)]))
def test_both_shares_at_once_equal_each_on_the_whole_plane(seed, stray, radius, rim_radius,
                                                          tolerance, scale):
    dtype, top = scale
    plane = _patch_in_plane(seed, stray, dtype, top)
    unit = (plane.astype(np.float32) / np.float32(top)).astype(np.float64)
    edge, rim = edge_and_rim_shares_of_levels(plane, 0.0, float(top), radius=radius,
                                              rim_radius=rim_radius, tolerance=tolerance)
    assert _same(edge, _reference_edge_share(unit, radius, tolerance))
    assert _same(rim, _reference_rim_share(plane, 0.0, float(top), rim_radius))
    assert _same(edge_share_of_levels(plane, 0.0, float(top), radius=radius,
                                      tolerance=tolerance), edge)
    assert _same(rim_share(plane, 0.0, float(top), radius=rim_radius), rim)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), dtype=st.sampled_from([np.uint8, np.uint16, np.int16]),
       bottom=st.sampled_from([0.0, 3.0, -100.0, 0.5]),
       top=st.sampled_from([1.0, 255.0, 65535.0, 200.5]))
def test_both_shares_at_once_on_any_ends(seed, dtype, bottom, top):
    """Ends that are not levels of the plane (0.5, 200.5) or lie outside its dtype."""
    plane, unit = _two_ends_with_strays(seed, dtype, bottom, top)
    edge, rim = edge_and_rim_shares_of_levels(plane, bottom, top, radius=3)
    assert _same(edge, _reference_edge_share(unit.astype(np.float64), 3, 0.1))
    assert _same(rim, _reference_rim_share(plane, bottom, top, 2))


@settings(max_examples=40, deadline=None)
@given(masks=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 30),
                                              st.integers(1, 30)),
                        elements=st.sampled_from([0.0, 1.0, 0.02, 0.5, 0.97, 0.3, -0.2])),
       radius=st.integers(0, 4))
def test_rims_of_float_planes_equal_the_whole_plane_definition(masks, radius):
    pooled = [_reference_rim_share(plane, 0.0, 1.0, radius) for plane in masks]
    counts = [np.count_nonzero((plane > 0) & (plane < 1)) for plane in masks]
    total = sum(counts)
    expected = (sum(share * count for share, count in zip(pooled, counts, strict=True)
                    if count) / total if total else float("nan"))
    got = pooled_rim_share(masks, 0.0, 1.0, radius)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected, rel=1e-12)
    for plane, share in zip(masks, pooled, strict=True):
        assert _same(rim_share(plane, 0.0, 1.0, radius), share)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 10**6), height=st.integers(3, 14), width=st.integers(3, 14),
       between=st.integers(1, 3), radius=st.integers(0, 3),
       tolerance=st.sampled_from([0.0, 0.1, 0.3]))
def test_few_values_between_on_any_binary_plane(seed, height, width, between, radius,
                                                tolerance):
    """A few values between the ends on a random 0/255 plane: the window the edge test reads
    around them must hold the erosion of every solid pixel they reach (a margin of one pixel
    too few answers otherwise)."""
    rng = np.random.default_rng(seed)
    plane = np.where(rng.random((height, width)) < rng.random(), 255, 0).astype(np.uint8)
    plane[rng.integers(0, height, between), rng.integers(0, width, between)] = rng.choice(
        [20, 60, 150, 200, 240], between)
    unit = (plane.astype(np.float32) / np.float32(255)).astype(np.float64)
    edge, rim = edge_and_rim_shares_of_levels(plane, 0.0, 255.0, radius=radius,
                                              rim_radius=radius, tolerance=tolerance)
    assert _same(edge, _reference_edge_share(unit, radius, tolerance))
    assert _same(rim, _reference_rim_share(plane, 0.0, 255.0, radius))
