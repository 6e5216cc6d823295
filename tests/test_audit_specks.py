"""JPEG specks near larger objects (``ObjectStats.speck_pixels``) counted in bands of rows
around a few small objects give the whole-mask definition's answer (session 31's cut;
docs/benchmarks-audit.md)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from unetdiag.diag.audit import components
from unetdiag.diag.audit.components import ObjectCanvas


def _specks_by_definition(mask: np.ndarray) -> int:
    """Pixels of the mask's small objects within SPECK_RADIUS of a larger one, the mask
    labelled alone and read whole."""
    labels, objects = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if not objects:
        return 0
    sizes = np.bincount(labels.ravel(), minlength=objects + 1)[1:].astype(np.int64)
    if not (sizes < components.SMALL_OBJECT_PIXELS).any():
        return 0
    return components._specks_in_plane(labels, sizes)


@st.composite
def _masks_with_specks(draw) -> np.ndarray:
    """Tall or short masks holding a few blocks (larger objects) and a few specks of 1-15
    pixels anywhere: at the mask's top and bottom rows, just within and just beyond the
    radius of a block, as tall as a small object can be."""
    height, width = draw(st.integers(1, 160)), draw(st.integers(1, 40))
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(draw(st.integers(0, 3))):
        top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        mask[top:top + draw(st.integers(4, 20)), left:left + draw(st.integers(4, 12))] = True
    for _ in range(draw(st.integers(0, 6))):
        top, left = draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))
        shape = draw(st.sampled_from([(1, 1), (15, 1), (1, 15), (3, 2), (2, 7)]))
        mask[top:top + shape[0], left:left + shape[1]] = True
    return mask


@settings(max_examples=500, deadline=None)
@given(masks=st.lists(_masks_with_specks(), min_size=1, max_size=4))
def test_specks_in_bands_are_the_whole_masks(masks: list[np.ndarray]) -> None:
    canvas = ObjectCanvas(capacity_pixels=200_000, min_width=max(m.shape[1] for m in masks))
    for mask in masks:
        canvas.slot(*mask.shape, lossy=True)[:] = mask
    stats = canvas.label()
    assert stats.speck_pixels.tolist() == [_specks_by_definition(mask) for mask in masks]
