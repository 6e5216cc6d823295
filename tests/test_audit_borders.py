"""The label maps' outer border as evidence: the background is what fills it (an Oxford-IIIT
Pet close-up's animal can outweigh its background; after a loader's ``mask - 1`` the
background is 1, not 0), and a value far above the classes that forms one region touching
the border is offered as no-data or as an object, never claimed."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from helpers import finding, ids
from PIL import Image, ImageDraw
from scipy import ndimage

from unetdiag.diag.audit.borders import (
    border_counts,
    frame_candidate,
    frame_regions,
    framed_label_map,
)
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.policy import MaskPolicy


def _pets(root: Path, pet: int, background: int, border: int, count: int = 8) -> float:
    """Trimaps of large animals (``pet`` inside a ``border`` band on ``background``),
    the animal covering more pixels than the background; returns the animal's share."""
    rng = np.random.default_rng(37)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:64, 0:64]
    held = 0
    for index in range(count):
        inside = ((rows - 32) / (26 + index % 3)) ** 2 + ((columns - 32) / 27) ** 2 <= 1
        band = (ndimage.binary_dilation(inside, iterations=1)
                & ~ndimage.binary_erosion(inside, iterations=1))
        labels = np.where(inside, pet, background).astype(np.uint8)
        labels[band] = border
        held += int((labels == pet).sum())
        Image.fromarray(labels).save(root / "masks" / f"p{index}.png")
        Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(
            root / "images" / f"p{index}.png")
    return held / (count * 64 * 64)


def test_the_value_filling_the_border_is_the_background_though_0_is_held_everywhere(tmp_path):
    share = _pets(tmp_path, pet=0, background=1, border=2)  # the loaders' `mask - 1`
    assert share > 0.5  # the animal outweighs the background: pixel shares mislead
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["background"] == 1
    assert label.evidence["proposed_flags"] == "--foreground-values 0 --ignore-values 2"
    assert "fills 100 % of the masks' outer border" in label.explanation
    assert "0 holds more pixels" in label.explanation


def test_released_trimaps_with_large_pets_keep_2_as_the_background(tmp_path):
    _pets(tmp_path, pet=1, background=2, border=3)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["background"] == 2
    assert label.evidence["proposed_flags"] == "--foreground-values 1 --ignore-values 3"


def test_a_border_shared_by_several_values_decides_nothing():
    counts = border_counts(np.array([[7, 7, 1, 1], [3, 0, 0, 3], [3, 3, 2, 2]], np.uint8))
    assert counts == {1: 2, 2: 2, 3: 4, 7: 2}
    from unetdiag.diag.audit.labels import _background
    values = {7: [50, 4], 1: [10, 4], 2: [10, 4], 3: [10, 4]}
    assert _background(values, 4, counts) == 7  # no 60 % on the border: the commonest value


def test_frame_candidates_and_regions():
    assert frame_candidate({0: 5, 1: 5, 255: 5}) == 255
    assert frame_candidate({0: 5, 128: 5, 255: 5}) is None  # REFUGE's levels: no classes
    assert frame_candidate({255: 5}) is None
    tile = np.zeros((8, 8), np.uint8)
    tile[:, :3] = 255
    assert frame_regions(tile, 255) == (1, 0)
    tile[5, 6] = 255  # an object inside as well: no frame
    assert frame_regions(tile, 255) == (1, 1)


def test_255_inside_the_tiles_is_no_frame(tmp_path):
    """A class 255 drawn as objects away from the border is an object value, as before."""
    rng = np.random.default_rng(3)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[10:20, 10:20] = 1
        labels[28:38, 25 + index:35 + index] = 255
        Image.fromarray(labels).save(tmp_path / "masks" / f"t{index}.png")
        Image.fromarray(rng.integers(0, 256, (48, 48), dtype=np.uint8)).save(
            tmp_path / "images" / f"t{index}.png")
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["frame"] is None
    assert label.evidence["proposed_flags"] == "--foreground-values 1,255"
    assert "no-data" not in label.explanation
    assert "mask.decodes_empty" not in ids(report)


def _framed_tiles(root: Path, image_under_frame) -> None:
    """Tiles 0/1 with 255 in a corner cut by a diagonal (an edge tile of a scene), the image
    there as ``image_under_frame(image, corner)`` leaves it."""
    rng = np.random.default_rng(11)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:48, 0:48]
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[20:30, 22 + index:32 + index] = 1
        corner = rows + columns < 20 + 2 * index
        labels[corner] = 255
        image = rng.integers(30, 256, (48, 48, 3), dtype=np.uint8)
        Image.fromarray(labels).save(root / "masks" / f"t{index}.png")
        Image.fromarray(image_under_frame(image, corner)).save(root / "images" / f"t{index}.png")


def _blacked(image: np.ndarray, corner: np.ndarray) -> np.ndarray:
    image[corner] = 0
    return image


def test_images_holding_one_fill_under_the_frame_side_with_no_data(tmp_path):
    _framed_tiles(tmp_path, _blacked)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    seen = label.evidence["frame_image"]
    assert seen["agrees"] and seen["values"] == [0.0] and seen["masks"] == 6
    assert seen["min_share"] == 1.0 and seen["max_outside"] == 0.0
    assert "The images side with no-data: under it each of the 6 images holds 0" in (
        label.explanation)
    # shares of a strided sample, said as such; a lowest share of 1 is "all", never "at least"
    assert seen["sides"] and not seen["brightest"] and seen["min_sampled"] > 0
    assert (f"(all of the pixels sampled there, at least {seen['min_sampled']} pixels in each "
            "image; none of those sampled elsewhere)") in label.explanation
    assert "at least 100 %" not in label.explanation
    assert "where the images hold 0 in every band" in report.headline
    assert "if it is no-data, as the images suggest" in report.headline
    # both readings stay offered: the images are evidence, the user decides
    assert label.evidence["reading_flags"] == ["--foreground-values 1 --ignore-values 255",
                                               "--foreground-values 1,255"]


def test_images_showing_a_picture_under_the_frame_leave_it_undecided(tmp_path):
    _framed_tiles(tmp_path, lambda image, corner: image)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    assert label.evidence["frame_image"]["agrees"] is False
    assert re.search(r"The images do not decide it: under it some image holds its commonest "
                     r"value in every band on only [0-9.]+ % of the pixels sampled there: it "
                     r"varies there", label.explanation)
    assert "as the images suggest" not in report.headline
    assert "--ignore-values 255 if it is no-data or" in report.headline


def test_one_value_under_the_frame_that_fills_the_image_elsewhere_too_is_no_evidence(tmp_path):
    def dark(image: np.ndarray, corner: np.ndarray) -> np.ndarray:
        image[:40] = 0  # a dark photograph: 0 under the frame and over most of the rest
        return image
    _framed_tiles(tmp_path, dark)
    label = finding(audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1),
                    "mask.label_map")
    seen = label.evidence["frame_image"]
    assert seen["max_outside"] > 0.5 and seen["agrees"] is False
    assert seen["one_fill"] and seen["same"] and not seen["rare"]
    # the sentence names the condition that failed: not "as little as 100 %", no "picture
    # there" where each image is one value throughout
    assert ("The images do not decide it: under it each of the 6 images holds 0 in every band "
            "(all of the pixels sampled there") in label.explanation
    assert re.search(r"\), but so do up to [0-9.]+ % of the pixels sampled elsewhere in an "
                     r"image \(a picture largely of that value\)", label.explanation)
    for wrong in ("as little as", "a picture there", "at least 100 %"):
        assert wrong not in label.explanation


def test_one_value_under_the_frame_that_is_the_images_brightest_may_be_a_saturated_object(
        tmp_path):
    """Clipped glare labelled 255 is one value in every band under the frame too: the images
    do not side with no-data when that value is the brightest they hold."""
    def glare(image: np.ndarray, corner: np.ndarray) -> np.ndarray:
        image[corner] = 255
        return image
    _framed_tiles(tmp_path, glare)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    label = finding(report, "mask.label_map")
    seen = label.evidence["frame_image"]
    assert seen["agrees"] and seen["brightest"] and not seen["sides"]
    assert seen["values"] == [255.0]
    assert "side with no-data" not in label.explanation
    assert "an object would show" not in label.explanation
    assert "or with an object clipped to one value, as 255 is the brightest value" in (
        label.explanation)
    assert "as the images suggest" not in report.headline
    assert "--ignore-values 255 if it is no-data or" in report.headline


def _vessels_in_a_field_of_view(root: Path, count: int = 8, fill: bool = True) -> None:
    """DRIVE's encoding as a label map: vessels 1 (polylines 3 pixels wide) on 0 inside a
    field-of-view disc, 255 outside it; the images 0 there (``fill``) and 40..255 inside, or
    noise everywhere."""
    rng = np.random.default_rng(27)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:96, 0:96]
    outside = np.hypot(rows - 47.5, columns - 47.5) > 44
    for index in range(count):
        canvas = Image.new("L", (96, 96), 0)
        draw = ImageDraw.Draw(canvas)
        for _ in range(3):
            points = [tuple(int(v) for v in rng.integers(18, 78, 2)) for _ in range(4)]
            draw.line(points, fill=1, width=3)
        labels = np.asarray(canvas).copy()
        labels[outside] = 255
        image = rng.integers(40, 256, (96, 96, 3), dtype=np.uint8)
        if fill:
            image[outside] = 0
        Image.fromarray(labels).save(root / "masks" / f"v{index}.png")
        Image.fromarray(image).save(root / "images" / f"v{index}.png")


def test_thin_objects_inside_a_field_of_view_frame_are_a_label_map_with_a_frame(tmp_path):
    """0/1 vessels with 255 outside the field of view: once read as a two-level mask with
    values between (mask.non_binary), the exterior as 'the same region in every mask' and, the
    images 0 there, as 'Masks are thresholds of their own images'. Now the frame is offered
    as no-data, with its share, and no headline is built on it."""
    _vessels_in_a_field_of_view(tmp_path)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    found = ids(report)
    for wrong in ("mask.non_binary", "pairing.mask_thresholds_image", "mask.nearly_identical",
                  "mask.threshold_sensitive"):
        assert wrong not in found
    label = finding(report, "mask.label_map")
    evidence = label.evidence
    assert evidence["frame"] == 255 and evidence["background"] == 0
    assert evidence["objects"] == [1]
    assert evidence["reading_flags"] == ["--foreground-values 1 --ignore-values 255",
                                         "--foreground-values 1,255"]
    share = next(entry["share"] for entry in evidence["values"] if entry["value"] == 255)
    assert 0.3 < share < 0.38  # the disc's exterior: 1 - pi 44^2 / 96^2 = 0.34
    assert "thresholds of their own images" not in report.headline
    assert f"255 ({share:.1%}".replace("%", " %") in report.headline
    assert "--foreground-values 1 --ignore-values 255 if it is no-data, as the images " \
           "suggest" in report.headline
    ignored = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1,
                            policy=MaskPolicy(foreground_values=(1,), ignore_values=(255,)))
    assert finding(ignored, "mask.label_map").severity is Severity.INFO
    assert not [item for item in ignored.findings if item.severity is not Severity.INFO]


def test_an_intensity_mask_rimmed_with_a_low_value_stays_no_label_map():
    """The frame reading asks the objects to be structures away from the frame: a rim of 1
    along a 255 region (anti-aliasing clipped low) touches it all along, specks of 1 hold no
    pixel inside; a 0/1 vessel map framed by 255 is one."""
    plane = np.zeros((40, 40), np.uint8)
    plane[:, :12] = 255
    rim = plane.copy()
    rim[:, 12:15] = 1  # three pixels wide, so it has an inside: only the contact rules it out
    assert not framed_label_map(rim, {0: 1000, 1: 120, 255: 480})
    specks = plane.copy()
    specks[5:35:4, 20:38:4] = 1
    assert not framed_label_map(specks, dict(zip(*np.unique(specks, return_counts=True),
                                                 strict=True)))
    vessels = plane.copy()
    vessels[18:21, 16:38] = 1
    assert framed_label_map(vessels, dict(zip(*np.unique(vessels, return_counts=True),
                                              strict=True)))
    split = vessels.copy()
    split[:30, 38:] = 255  # a second region, filling no whole side: an object cut by the edge
    assert not framed_label_map(split, dict(zip(*np.unique(split, return_counts=True),
                                                strict=True)))
    split[:, 38:] = 255  # bars filling the left and the right side: one frame in two parts
    assert framed_label_map(split, dict(zip(*np.unique(split, return_counts=True),
                                            strict=True)))


def test_a_frame_in_bars_on_opposite_sides_or_crossed_by_one_pixel_lines_is_one_frame():
    """Issue 14 (s28): bars along two opposite sides (letterboxing) were two regions, so no
    frame; a line one pixel wide of another value across the frame (a vessel's tip drawn out
    to the edge) cut it in two. Object borders stay no frame: a region filling no whole side,
    a line two pixels wide."""
    tile = np.zeros((20, 24), np.uint8)
    tile[:3], tile[-4:] = 255, 255
    assert frame_regions(tile, 255) == (1, 0)
    assert frame_regions(tile.T.copy(), 255) == (1, 0)
    tile[-4:, 20:] = 0  # the bottom bar fills no whole side: two regions, as an object's
    assert frame_regions(tile, 255) == (2, 0)
    field = np.zeros((20, 20), np.uint8)
    field[:4] = 255  # a bar along the top ...
    field[:10, 10] = 1  # ... crossed by a tip one pixel wide, out to the edge
    field[2, 2] = field[3, 3] = 1  # and by a diagonal one
    field[1, 1] = field[0, 0] = 1
    assert frame_regions(field, 255) == (1, 0)
    field[:10, 9] = 1  # two pixels wide: it parts the frame
    assert frame_regions(field, 255) == (2, 0)
    tips = np.full((5, 6), 255, np.uint8)
    tips[1:4, 1:5] = 0
    tips[0, 2] = tips[2, 0] = 1  # single tips cross the border
    assert border_counts(tips) == {255: 18}


def _vessels_in_bars(root: Path, sides: str, tips: bool = False, count: int = 8) -> None:
    """0/1 vessels (3-px polylines) with 255 on bars along two opposite sides (``"rows"``:
    above and below; ``"columns"``: left and right) or, with ``sides="disc"``, outside a
    field of view whose exterior 1-px tips cross to the image's edge (``tips``); the images
    0 under the 255."""
    rng = np.random.default_rng(29)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    rows, columns = np.mgrid[0:96, 0:96]
    for index in range(count):
        canvas = Image.new("L", (96, 96), 0)
        draw = ImageDraw.Draw(canvas)
        for _ in range(3):
            draw.line([tuple(int(v) for v in rng.integers(20, 76, 2)) for _ in range(4)],
                      fill=1, width=3)
        labels = np.asarray(canvas).copy()
        if sides == "rows":
            outside = (rows < 10 + index % 3) | (rows >= 86)
        elif sides == "columns":
            outside = (columns < 12) | (columns >= 84 - index % 3)
        else:
            outside = np.hypot(rows - 47.5, columns - 47.5) > 44
        labels[outside] = 255
        if tips:
            column = 30 + 4 * index
            labels[:40, column][labels[:40, column] == 255] = 1
            labels[60, :30][labels[60, :30] == 255] = 1
        image = rng.integers(40, 256, (96, 96, 3), dtype=np.uint8)
        image[labels == 255] = 0
        Image.fromarray(labels).save(root / "masks" / f"v{index}.png")
        Image.fromarray(image).save(root / "images" / f"v{index}.png")


def test_bars_and_a_field_of_view_crossed_by_vessel_tips_get_the_frame_readings(tmp_path):
    """Issue 14 (s28): 255 in bars above and below (or left and right) of 0/1 vessels, and a
    field of view's exterior crossed by 1-px vessel tips to the edge, were no frame: "Masks
    are thresholds of their own images" and mask.non_binary (the thin 1s taken for values
    between 0 and 255). Now both readings are offered, the frame said as it lies."""
    for name, sides, tips in (("rows", "rows", False), ("columns", "columns", False),
                              ("tips", "disc", True)):
        _vessels_in_bars(tmp_path / name, sides, tips)
        report = audit_dataset(tmp_path / name / "images", tmp_path / name / "masks",
                               workers=1)
        found = ids(report)
        assert not {"mask.non_binary", "pairing.mask_thresholds_image"} & found, (name, found)
        evidence = finding(report, "mask.label_map").evidence
        assert evidence["frame"] == 255 and evidence["background"] == 0, name
        assert evidence["reading_flags"] == ["--foreground-values 1 --ignore-values 255",
                                             "--foreground-values 1,255"], name
        assert "in one region or in bars on two opposite sides" in report.headline, name
        # the explanation says the frame as the headline does (it said "forms one region")
        explanation = finding(report, "mask.label_map").explanation
        assert "forms one region" not in explanation
        assert "in one region or in bars on two opposite sides" in explanation, name
