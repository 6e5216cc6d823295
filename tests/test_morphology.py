"""near_square, the one square dilation the checks share (JPEG specks, soft-label rims,
contour rings), against SciPy's binary dilation and the per-step loop the rim and contour
measures used before."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from unetdiag.diag.core.morphology import near_square


def _stepwise(mask: np.ndarray, radius: int) -> np.ndarray:
    """The rim and contour measures' former loop: one shifted OR per step and direction."""
    near = mask.copy()
    for axis in (0, 1):
        grown = near.copy()
        for step in range(1, radius + 1):
            ahead, behind = [slice(None)] * 2, [slice(None)] * 2
            ahead[axis], behind[axis] = slice(step, None), slice(None, -step)
            grown[tuple(ahead)] |= near[tuple(behind)]
            grown[tuple(behind)] |= near[tuple(ahead)]
        near = grown
    return near


@given(height=st.integers(1, 40), width=st.integers(1, 40), radius=st.integers(0, 9),
       density=st.floats(0.0, 0.3), seed=st.integers(0, 2**16))
def test_near_square_is_the_square_dilation(height, width, radius, density, seed):
    mask = np.random.default_rng(seed).random((height, width)) < density
    square = np.ones((2 * radius + 1, 2 * radius + 1), dtype=bool)
    expected = ndimage.binary_dilation(mask, structure=square)
    np.testing.assert_array_equal(near_square(mask, radius), expected)
    np.testing.assert_array_equal(near_square(mask, radius), _stepwise(mask, radius))


def _square3(flags: np.ndarray, combine: np.ufunc) -> np.ndarray:
    """borders.py's former 3x3 erosion (and) or dilation (or), the outside left out."""
    rows = flags.copy()
    combine(rows[1:], flags[:-1], out=rows[1:])
    combine(rows[:-1], flags[1:], out=rows[:-1])
    out = rows.copy()
    combine(out[:, 1:], rows[:, :-1], out=out[:, 1:])
    combine(out[:, :-1], rows[:, 1:], out=out[:, :-1])
    return out


@given(height=st.integers(1, 30), width=st.integers(1, 30), density=st.floats(0.0, 1.0),
       seed=st.integers(0, 2**16))
def test_the_frame_measures_3x3_erosion_and_dilation_are_near_squares(height, width, density,
                                                                      seed):
    """borders.framed_label_map's inside (erosion, the outside counted as set) and contact
    (dilation) by near_square, as by the hand-written passes they replaced and by SciPy."""
    flags = np.random.default_rng(seed).random((height, width)) < density
    square = np.ones((3, 3), dtype=bool)
    eroded = ~near_square(~flags, 1)
    np.testing.assert_array_equal(eroded, _square3(flags, np.logical_and))
    np.testing.assert_array_equal(eroded, ndimage.binary_erosion(flags, square, border_value=1))
    np.testing.assert_array_equal(near_square(flags, 1), _square3(flags, np.logical_or))
