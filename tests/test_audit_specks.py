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


def _specks_by_definition(mask: np.ndarray, solid: np.ndarray) -> int:
    """Pixels of the mask's small objects within SPECK_RADIUS of a larger one and without a
    solid pixel, the mask labelled alone and read whole."""
    labels, objects = ndimage.label(mask, structure=np.ones((3, 3), bool))
    if not objects:
        return 0
    sizes = np.bincount(labels.ravel(), minlength=objects + 1)[1:].astype(np.int64)
    if not (sizes < components.SMALL_OBJECT_PIXELS).any():
        return 0
    return components._specks_in_plane(labels, sizes, solid)


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
@given(masks=st.lists(_masks_with_specks(), min_size=1, max_size=4),
       seed=st.integers(0, 2**16), solid_share=st.sampled_from([0.0, 0.1, 1.0]))
def test_specks_in_bands_are_the_whole_masks(masks: list[np.ndarray], seed: int,
                                              solid_share: float) -> None:
    """Some pixels solid foreground (none, a few, all): specks holding one are not counted,
    in bands as over the whole mask."""
    rng = np.random.default_rng(seed)
    solids = [mask & (rng.random(mask.shape) < solid_share) for mask in masks]
    canvas = ObjectCanvas(capacity_pixels=200_000, min_width=max(m.shape[1] for m in masks))
    for mask, solid in zip(masks, solids, strict=True):
        canvas.slot(*mask.shape, solid=solid)[:] = mask
    stats = canvas.label()
    assert stats.speck_pixels.tolist() == [_specks_by_definition(mask, solid)
                                           for mask, solid in zip(masks, solids, strict=True)]


def test_a_small_piece_holding_solid_foreground_is_an_object_not_a_speck():
    """A JPEG mask's piece of 3 pixels at 255 next to a larger object is a drawn piece (DRIVE's
    vessel pieces keep 253-255 at quality 75); one at 131-135 is consistent with ringing."""
    plane = np.zeros((24, 24), np.uint8)
    plane[4:20, 4:8] = 255            # a vessel of 64 pixels
    plane[10, 11:14] = 255            # a piece 3 pixels from it, solid
    plane[16, 11:14] = [131, 135, 133]  # a speck just past the threshold
    mask = plane > 127.5
    canvas = ObjectCanvas(capacity_pixels=10_000)
    solid = components.solid_foreground(plane, 127.5, "bright", 0, 255)
    canvas.slot(24, 24, solid=solid)[:] = mask
    stats = canvas.label()
    assert stats.small_pixels.tolist() == [6] and stats.speck_pixels.tolist() == [3]


def test_small_drawn_pieces_of_a_jpeg_mask_are_objects_as_in_its_png(tmp_path):
    """Vessel pieces of a few pixels beside a vessel, saved as JPEG at quality 75, threshold
    back to the PNG's pixels exactly (as DRIVE's masks do): the audit counts them as the PNG's
    audit does, not as ringing specks."""
    from PIL import Image

    from unetdiag.api import audit

    plane = np.zeros((64, 64), np.uint8)
    plane[8:56, 20:24] = 255                       # a vessel
    for row in (12, 26, 40):
        plane[row:row + 2, 28:31] = 255            # pieces of 6 pixels, 4 pixels from it
    results = {}
    for extension in ("png", "jpg"):
        folder = tmp_path / extension
        (folder / "images").mkdir(parents=True)
        (folder / "masks").mkdir()
        for index in range(3):
            Image.fromarray(np.full((64, 64), 90 + index, np.uint8)).save(
                folder / "images" / f"{index}.png")
            Image.fromarray(plane).save(folder / "masks" / f"{index}.{extension}", quality=75)
        decoded = np.asarray(Image.open(folder / "masks" / f"0.{extension}")) > 127.5
        assert np.array_equal(decoded, plane > 0)
        tiny = [finding for finding in audit(folder / "images", folder / "masks").report.findings
                if finding.id == "imbalance.tiny_objects"]
        results[extension] = tiny[0].evidence
    assert results["jpg"]["speck_pixels"] == 0
    assert (results["jpg"]["largest_foreground_share"]
            == results["png"]["largest_foreground_share"] > 0)


def test_a_value_policy_calls_no_piece_of_a_jpeg_mask_a_speck(tmp_path):
    """Vessels drawn black, saved as JPEG at quality 75 and read with --foreground-values 0-60:
    the drawn pieces beside a vessel keep 0-2, yet the bright end of the scale was asked for
    solid foreground, so every piece was called ringing (DRIVE drawn dark: 58 pixels in 5
    masks, none under --mask-polarity dark)."""
    from PIL import Image

    from unetdiag.api import audit
    from unetdiag.diag.data.policy import MaskPolicy

    plane = np.full((64, 64), 255, np.uint8)
    plane[8:56, 20:24] = 0                         # a vessel
    for row in (12, 26, 40):
        plane[row:row + 2, 28:31] = 0              # pieces of 6 pixels, 4 pixels from it
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for index in range(3):
        Image.fromarray(np.full((64, 64), 90 + index, np.uint8)).save(
            tmp_path / "images" / f"{index}.png")
        Image.fromarray(plane).save(tmp_path / "masks" / f"{index}.jpg", quality=75)
    policy = MaskPolicy(foreground_values=tuple(range(61)))
    tiny = [finding for finding in audit(tmp_path / "images", tmp_path / "masks",
                                         policy=policy).report.findings
            if finding.id == "imbalance.tiny_objects"]
    assert tiny[0].evidence["speck_pixels"] == 0
