"""Scribble labels (sessions 26-27): two values drawn as strokes on a majority get readings,
never one proposal that trains the background strokes as object; WSL4MIS's 0/1 strokes on
255 unlabelled reach the label-map path instead of 'inverted polarity' and 'anti-aliasing'.
Thin regions that are no scribbles (anti-aliased rims) and class maps of whole regions keep
their verdicts. Every number checked against the masks written here."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs as audit
from helpers import findings_by_id as by_id
from helpers import write_mask_pairs as write
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from unetdiag.diag.audit.strokes import piece_shapes, scribble_like, stroke_pixels
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.policy import MaskPolicy

SIDE = 64


def scribbles(unlabelled: int, obj: int, background: int, count: int = 8
              ) -> tuple[list[np.ndarray], float]:
    """A 3-px object stroke inside a disc, a 3-px background stroke outside it, the rest
    ``unlabelled``; the object strokes' share of the stroke pixels."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks, strokes, labelled = [], 0, 0
    for _ in range(count):
        cy, cx = rng.integers(24, 40, 2)
        shape = (yy - cy) ** 2 + (xx - cx) ** 2 <= 14 ** 2
        mask = np.full((SIDE, SIDE), unlabelled, np.uint8)
        mask[cy - 1:cy + 2, cx - 10:cx + 10] = obj
        row = int(rng.integers(3, 6))
        mask[row:row + 3, 6:SIDE - 6] = background
        mask[(mask == background) & shape] = unlabelled
        masks.append(mask)
        strokes += int((mask == obj).sum())
        labelled += int((mask != unlabelled).sum())
    return masks, strokes / labelled


def test_stroke_measure_tells_strokes_from_regions_and_rims():
    plane = np.zeros((32, 32), np.uint8)
    plane[4:7, 2:30] = 1  # a 3-px stroke
    plane[14:28, 10:24] = 2  # a region
    counts = {value: int((plane == value).sum()) for value in (0, 1, 2)}
    strokes = stroke_pixels(plane, counts)
    assert strokes[1] == 3 * 28 and strokes[2] == 0
    assert not scribble_like(plane, counts, strokes)  # 2 is no stroke
    rim = np.zeros((32, 32), np.uint8)
    rim[10:13, 2:30] = 255  # a thin line, anti-aliased: 128 along both of its edges
    rim[9, 2:30] = rim[13, 2:30] = 128
    counts = {value: int((rim == value).sum()) for value in (0, 128, 255)}
    assert not scribble_like(rim, counts, stroke_pixels(rim, counts))


def test_cod_scribbles_get_readings_not_both_strokes_as_the_object(tmp_path):
    masks, _ = scribbles(0, 1, 2)
    report = audit(*write(tmp_path, masks))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["proposed_flags"] is None
    assert label_map.evidence["stroke_values"] == [1, 2]
    choice = label_map.evidence["readings_choice"]
    assert "--foreground-values 1 --ignore-values 0" in choice
    assert "--foreground-values 2 --ignore-values 0" in choice
    assert "--foreground-values 1,2 " not in report.headline.split("if both")[0]
    assert "pass --foreground-values 1 --ignore-values 0" in report.headline


def test_wsl4mis_scribbles_on_255_are_labels_not_inverted_polarity(tmp_path):
    masks, share = scribbles(255, 1, 0)
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir)
    found = by_id(report)
    assert "inverted polarity" not in report.headline.lower()
    assert "pass --foreground-values 1 --ignore-values 255" in report.headline
    assert "mask.non_binary" not in found
    said = " ".join(finding.explanation for finding in report.findings)
    assert "anti-aliased" not in said
    followed = audit(images, mask_dir, MaskPolicy(foreground_values=(1,), ignore_values=(255,)))
    found = by_id(followed)
    assert found["mask.label_map"].severity.value == "info"
    assert abs(found["imbalance.summary"].evidence["foreground_fraction"] - share) < 1e-9


def test_class_maps_of_whole_regions_keep_their_single_proposal(tmp_path):
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for _ in range(6):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for value in (1, 2):
            cy, cx = rng.integers(12, 52, 2)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= 8 ** 2] = value
        masks.append(mask)
    label_map = by_id(audit(*write(tmp_path, masks)))["mask.label_map"]
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"
    assert label_map.evidence["stroke_values"] == []


def test_scribbles_a_threshold_reads_as_both_objects_are_not_nothing_to_fix(tmp_path):
    """0 unlabelled, 255 object strokes, 128 background strokes: the midpoint reads both
    strokes as object, which matches the 'both are object classes' reading only by accident
    (review 4: 'No problems that would make metrics lie')."""
    masks, _ = scribbles(unlabelled=0, obj=255, background=128)
    report = audit(*write(tmp_path, masks))
    found = by_id(report)["mask.label_map"]
    assert found.severity is Severity.WARNING
    assert not found.evidence["in_force_as_proposed"]
    assert "No problems" not in report.headline
    chosen = audit(*write(tmp_path / "chosen", masks),
                   MaskPolicy(foreground_values=(255,), ignore_values=(0,)))
    assert by_id(chosen)["mask.label_map"].severity is Severity.INFO


def discs(radius: int, count: int = 8) -> list[np.ndarray]:
    """Cells stamped as discs of ``radius`` round their centroids, six a mask, classes 1, 2."""
    rng = np.random.default_rng(4)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for _ in range(count):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for value in (1, 2, 1, 2, 1, 2):
            cy, cx = rng.integers(5, SIDE - 5, 2)
            mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius * radius] = value
        masks.append(mask)
    return masks


def test_small_discs_of_two_classes_are_no_strokes(tmp_path):
    """Review 4 / s27: discs of radius 2 and 3 were 'thin strokes or small shapes ...
    consistent with scribble annotations'. A stroke piece holds at least STROKE_ELONGATION
    (4) times the pixels of the widest square inside it; a disc of radius 2 (13 px) holds
    1.4 times its 3x3 square, one of radius 3 (29 px) 1.2 times its 5x5: round, no strokes,
    so the two-class proposal stands."""
    for radius in (2, 3):
        report = audit(*write(tmp_path / str(radius), discs(radius)))
        label_map = by_id(report)["mask.label_map"]
        assert label_map.evidence["stroke_values"] == []
        assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"
        assert "stroke" not in report.headline and "scribble" not in report.headline


def test_stroke_pieces_against_discs_and_wide_brushes():
    plane = np.zeros((64, 64), np.uint8)
    yy, xx = np.mgrid[:64, :64]
    plane[(yy - 10) ** 2 + (xx - 10) ** 2 <= 9] = 1  # a disc of radius 3: 29 px
    plane[30:39, 4:60] = 2  # a 9-px brush stroke 56 px long
    counts = {value: int((plane == value).sum()) for value in (0, 1, 2)}
    assert counts[1] == 29
    assert stroke_pixels(plane, counts) == {1: 0, 2: 9 * 56}
    plane[30:43, 4:60] = 2  # 13 px wide: a band, no stroke
    counts = {value: int((plane == value).sum()) for value in (0, 1, 2)}
    assert stroke_pixels(plane, counts)[2] == 0


def test_wide_brush_scribbles_get_readings(tmp_path):
    """Scribbles drawn with a 9-px brush: 'pass --foreground-values 1,2' before (the
    interior test took them for regions)."""
    rng = np.random.default_rng(6)
    wide = []
    for _ in range(8):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        row = int(rng.integers(28, 34))
        mask[row:row + 7, 8:SIDE - 8] = 1  # the object's stroke, 48 px long
        mask[2:11, 4:SIDE - 4] = 2  # the background's, 9 px wide
        wide.append(mask)
    label_map = by_id(audit(*write(tmp_path, wide)))["mask.label_map"]
    assert label_map.evidence["stroke_values"] == [1, 2]
    assert label_map.evidence["proposed_flags"] is None


def test_wsl4mis_scribbles_mostly_foreground_names_no_polarity(tmp_path):
    masks, _ = scribbles(255, 1, 0)
    found = by_id(audit(*write(tmp_path, masks)))
    mostly = found["imbalance.mostly_foreground"]
    assert "--mask-polarity dark" not in mostly.fix
    assert "inverted polarity" not in mostly.explanation
    assert "--foreground-values 1 --ignore-values 255" in mostly.fix


def test_one_dataset_one_scribble_reading(tmp_path):
    """Review 4: 0/128/255 scribbles, a minority of whose masks fail the per-mask test (one
    stroke here touches the other all along), were split between mask.non_binary and
    mask.label_map; now the majority reads them all, with the count named."""
    masks, _ = scribbles(0, 255, 128)
    masks[0] = masks[0].copy()
    rows, cols = np.nonzero(masks[0] == 255)
    masks[0][rows + 2, cols] = 128  # the background stroke runs along the object's
    masks[0][rows - 2, cols] = 128
    report = audit(*write(tmp_path, masks))
    found = by_id(report)
    assert "mask.non_binary" not in found
    label_map = found["mask.label_map"]
    assert label_map.evidence["label_map_masks"] == len(masks)
    assert (label_map.evidence["scribble_masks"], label_map.evidence["scribble_candidates"]) \
        == (len(masks) - 1, len(masks))
    assert f"{len(masks) - 1} of the {len(masks)} masks" in label_map.explanation


def test_scribbles_with_a_void_border_get_readings_ignoring_it(tmp_path):
    """0 unlabelled, 1 and 2 strokes, 255 on a 3-px band along the border (PASCAL's void):
    the band decoded as foreground was called 'outlines drawn instead of filled regions'
    and the values got no reading."""
    masks, _ = scribbles(0, 1, 2)
    framed = []
    for mask in masks:
        mask = mask.copy()
        mask[:3], mask[-3:], mask[:, :3], mask[:, -3:] = 255, 255, 255, 255
        framed.append(mask)
    images, mask_dir = write(tmp_path, framed)
    report = audit(images, mask_dir)
    found = by_id(report)
    assert "mask.outlines" not in found
    label_map = found["mask.label_map"]
    assert label_map.evidence["stroke_values"] == [1, 2]
    assert label_map.evidence["stroke_void"] == 255
    assert "pass --foreground-values 1 --ignore-values 0,255" in report.headline
    object_pixels = sum(int((mask == 1).sum()) for mask in framed)
    labelled = sum(int(((mask == 1) | (mask == 2)).sum()) for mask in framed)
    followed = by_id(audit(images, mask_dir,
                           MaskPolicy(foreground_values=(1,), ignore_values=(0, 255))))
    assert abs(followed["imbalance.summary"].evidence["foreground_fraction"]
               - object_pixels / labelled) < 1e-9


def test_wsl4mis_strokes_on_255_keep_255_as_the_background_not_a_frame(tmp_path):
    """255 unlabelled forms one region touching the border, as a frame does, and fills the
    border; but the strokes on it touch it all along (a frame surrounds a background that
    holds the objects away from it: 0/1 vessels inside a field of view), so it stays the
    background and the stroke readings stay."""
    masks, _ = scribbles(255, 1, 0)
    label = by_id(audit(*write(tmp_path, masks)))["mask.label_map"]
    assert label.evidence["background"] == 255 and label.evidence["frame"] is None
    assert label.evidence["stroke_values"] == [0, 1]
    assert "--foreground-values 0 --ignore-values 255" in label.evidence["reading_flags"]
def antialiased_discs(count: int) -> list[np.ndarray]:
    """Binary 0/255 discs with a 1-px 128 rim (anti-aliasing): three values, no label map."""
    from scipy import ndimage

    rng = np.random.default_rng(9)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    masks = []
    for _ in range(count):
        cy, cx = rng.integers(24, 40, 2)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= int(rng.integers(9, 14)) ** 2
        mask = np.where(disc, 255, 0).astype(np.uint8)
        mask[ndimage.binary_dilation(disc) & ~disc] = 128
        masks.append(mask)
    return masks


def test_scribbles_vote_only_with_masks_of_their_values(tmp_path):
    """Review 5 A5: 6 WSL4MIS scribble masks (0/1 on 255) and 4 anti-aliased masks (0/255,
    128 rim) were voted on together: 6 of 10 made all 10 'label maps holding the values 0,
    1, 128 and 255 ... each covering whole regions' and the scribble reading was lost. Each
    set of values now votes apart: the scribbles get their readings, the rims stay
    non-binary."""
    masks, _ = scribbles(255, 1, 0, count=6)
    rims = antialiased_discs(4)
    report = audit(*write(tmp_path, masks + rims))
    found = by_id(report)
    label_map = found["mask.label_map"]
    assert label_map.evidence["label_map_masks"] == len(masks)
    assert [entry["value"] for entry in label_map.evidence["values"]] == [0, 1, 255]
    assert label_map.evidence["stroke_values"] == [0, 1]
    assert (label_map.evidence["scribble_masks"], label_map.evidence["scribble_candidates"]) \
        == (len(masks), len(masks))
    assert "128" not in label_map.title and "multi-class" not in label_map.explanation
    assert "--foreground-values 1 --ignore-values 255" in label_map.fix
    assert found["mask.non_binary"].evidence["masks"] == len(rims)


def test_findings_on_a_foreground_no_reading_holds_are_left_out(tmp_path):
    """Review 5 B3: beside stroke readings, the foreground decoded by default (255 outside a
    field of view, a 255 band along the border) is no reading's, yet it was called 'nearly
    the same region' in every mask (a field-of-view mask rather than a segmentation) and an
    all-background model's accuracy on it 'uninformative'. Outline and point findings were
    already left out; these now are too."""
    masks, _ = scribbles(0, 1, 2)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    outside = (yy - SIDE / 2) ** 2 + (xx - SIDE / 2) ** 2 > (SIDE / 2 - 4) ** 2
    fov = [np.where(outside, 255, mask).astype(np.uint8) for mask in masks]
    band = []
    for mask in masks:
        mask = mask.copy()
        mask[:3], mask[-3:], mask[:, :3], mask[:, -3:] = 255, 255, 255, 255
        band.append(mask)
    for name, stored in (("fov", fov), ("band", band)):
        images, mask_dir = write(tmp_path / name, stored)
        found = by_id(audit(images, mask_dir))
        assert found["mask.label_map"].evidence["stroke_values"] == [1, 2], name
        assert not {"mask.nearly_identical", "baseline.accuracy_uninformative",
                    "mask.outlines"} & set(found), (name, sorted(found))
    # the default threshold decodes exactly the 255 band (18 % of each mask): still stated
    share = sum(int((mask == 255).sum()) for mask in band) / (len(band) * SIDE * SIDE)
    assert abs(found["imbalance.summary"].evidence["foreground_fraction"] - share) < 1e-9


def brush_scribbles(width: int, side: int, count: int = 6) -> list[np.ndarray]:
    """COD layout (1 object, 2 background, 0 unlabelled) drawn with a round brush ``width``
    px wide on ``side``-px masks: a bent object stroke in the middle, a background stroke
    along the top."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(8)
    masks = []
    for _ in range(count):
        canvas = Image.new("L", (side, side), 0)
        draw = ImageDraw.Draw(canvas)
        low, high = side // 3, 2 * side // 3
        bend = (side // 2, int(rng.integers(low, high)))
        draw.line([(low, int(rng.integers(low, high))), bend, (high, int(rng.integers(low, high)))],
                  fill=1, width=width, joint="curve")
        draw.line([(side // 8, side // 10), (7 * side // 8, side // 8)], fill=2, width=width)
        masks.append(np.asarray(canvas))
    return masks


def test_thick_brush_scribbles_on_large_masks_get_readings(tmp_path):
    """Issue 14 (s28): a 15-px brush on 512-px masks was read as regions ("pass
    --foreground-values 1,2": the background strokes trained as object); the width a stroke
    may have grows with the mask, a 32nd of its shorter side (16 px on 512)."""
    report = audit(*write(tmp_path, brush_scribbles(15, 512)))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["stroke_values"] == [1, 2]
    assert label_map.evidence["proposed_flags"] is None
    assert "a 32nd of the mask's shorter side" in label_map.explanation


def test_thick_bands_on_small_masks_and_real_structures_stay_regions():
    """The width allowed grows with the mask only: 13 px on 64-px masks is still a region,
    and so is a 21-px band on 512-px ones; a network of membranes whose junctions hold
    squares wider than the limit (ISBI 2012: 17 to 47 px) holds no stroke piece."""
    small = np.zeros((64, 64), bool)
    small[30:43, 4:60] = True
    assert _stroke_piece_pixels_of(small) == 0
    large = np.zeros((512, 512), bool)
    large[100:121, 40:470] = True
    assert _stroke_piece_pixels_of(large) == 0
    large[100:121] = False
    large[100:115, 40:470] = True  # 15 px
    assert _stroke_piece_pixels_of(large) == 15 * 430
    net = np.zeros((512, 512), bool)
    net[::40] = net[:, ::40] = True  # a grid of 1-px walls ...
    net = ndimage_dilation(net, 3)  # ... 7 px thick, 9x9-ish junctions: strokes
    assert _stroke_piece_pixels_of(net) == int(net.sum())
    net[200:230, 200:230] = True  # a junction blob 30 px across: the whole network is no stroke
    assert _stroke_piece_pixels_of(net) == 0


def _stroke_piece_pixels_of(flags: np.ndarray) -> int:
    plane = flags.astype(np.uint8)
    plane[np.unravel_index(np.flatnonzero(~flags)[0], flags.shape)] = 2  # a third value
    counts = {value: int((plane == value).sum()) for value in (0, 1, 2)}
    return stroke_pixels(plane, counts)[1]


def ndimage_dilation(flags: np.ndarray, radius: int) -> np.ndarray:
    from scipy import ndimage

    return ndimage.binary_dilation(flags, np.ones((2 * radius + 1,) * 2, bool))


def test_plus_marks_and_small_crosses_are_no_strokes(tmp_path):
    """Issue 14 (s28): 5-pixel plus signs of classes 1 and 2 (point marks) were read as
    stroke pieces (they hold 5 times their 1x1 widest square), so the masks got the scribble
    readings; a stroke piece now spans at least 8 px, more than a 7x7 mark's box."""
    rng = np.random.default_rng(1)
    masks = []
    for _ in range(8):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for value in (1, 2) * 6:
            row, column = rng.integers(3, SIDE - 3, 2)
            mask[row, column - 1:column + 2] = value
            mask[row - 1:row + 2, column] = value
        masks.append(mask)
    crosses = np.zeros((16, 16), np.uint8)
    crosses[[3, 4, 5, 6, 7], [3, 4, 5, 6, 7]] = 1  # an x within a 5x5 box
    crosses[[3, 4, 6, 7], [7, 6, 4, 3]] = 1
    crosses[10, 2:14] = 2  # a 12-px line is a stroke
    counts = {value: int((crosses == value).sum()) for value in (0, 1, 2)}
    assert stroke_pixels(crosses, counts) == {1: 0, 2: 12}
    report = audit(*write(tmp_path, masks))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["stroke_values"] == []
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1,2"


@settings(max_examples=60, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(3, 24), st.integers(3, 24))))
def test_widest_squares_are_those_of_counted_erosions(flags):
    """piece_shapes's widest squares (one chessboard distance transform) equal the count of
    3x3 erosions, the image's outside counting as unset, some pixel of each piece survives
    (the per-level loop it replaced)."""
    from scipy import ndimage

    labels, count = ndimage.label(flags, structure=np.ones((3, 3), bool))
    depth = np.zeros(count + 1, dtype=np.int64)
    eroded, level = flags, 0
    while eroded.any():
        level += 1
        eroded = ndimage.binary_erosion(eroded, np.ones((3, 3), bool), border_value=0)
        depth[np.unique(labels[eroded])] = level
    pieces = piece_shapes(flags)
    sizes, sides, spans = pieces.sizes, pieces.sides, pieces.spans
    assert sides.tolist() == (2 * depth[1:] + 1).tolist()
    assert sizes.tolist() == np.bincount(labels.ravel(), minlength=count + 1)[1:].tolist()
    boxes = ndimage.find_objects(labels)
    assert spans.tolist() == [max(b[0].stop - b[0].start, b[1].stop - b[1].start) for b in boxes]


def test_a_thick_stroke_turning_back_is_a_stroke_and_a_network_is_not():
    """A 15-px brush that turns back sharply holds a 23-px square at the turn, over the 16 px
    allowed on 512-px masks; 95 % of its pixels lie within 13-px squares and it encloses no
    hole: a stroke (a network of walls with a wide junction, enclosing a hole per cell, is
    none: test_thick_bands_on_small_masks_and_real_structures_stay_regions)."""
    from PIL import Image, ImageDraw

    canvas = Image.new("L", (512, 512), 0)
    ImageDraw.Draw(canvas).line([(100, 200), (400, 210), (110, 260)], fill=1, width=15,
                                joint="curve")
    hairpin = np.asarray(canvas) == 1
    pieces = piece_shapes(hairpin)
    assert pieces.sides[0] > 16 >= pieces.widths[0]
    assert _stroke_piece_pixels_of(hairpin) == int(hairpin.sum())


def test_masks_holding_one_of_the_two_strokes_keep_the_scribble_readings(tmp_path):
    """Issue 14 (s28): an image in which only the background (or only the object) was
    scribbled holds two values; its stroke was not measured, so the whole set lost its
    reading and got "pass --foreground-values 1,2" (the background strokes trained as
    object). Such masks' one stroke is measured too."""
    masks, _ = scribbles(0, 1, 2)
    masks[0] = np.where(masks[0] == 1, 0, masks[0]).astype(np.uint8)  # background stroke only
    masks[1] = np.where(masks[1] == 2, 0, masks[1]).astype(np.uint8)  # object stroke only
    counts = {value: int((masks[0] == value).sum()) for value in (0, 2)}
    assert stroke_pixels(masks[0], counts) == {2: counts[2]}
    report = audit(*write(tmp_path, masks))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["stroke_values"] == [1, 2]
    assert label_map.evidence["proposed_flags"] is None
    assert "pass --foreground-values 1 --ignore-values 0" in report.headline


def test_scribbles_with_a_128_band_along_the_border_get_stroke_readings(tmp_path):
    """A frame of another value than 255 (128 on a 3-px band round 0/1/2 scribbles) got the
    frame readings (--foreground-values 1,2 --ignore-values 128), which train the background
    strokes as object; the stroke check took a frame aside only when it was 255."""
    masks, _ = scribbles(0, 1, 2)
    framed = []
    for mask in masks:
        mask = mask.copy()
        mask[:3], mask[-3:], mask[:, :3], mask[:, -3:] = 128, 128, 128, 128
        framed.append(mask)
    images, mask_dir = write(tmp_path, framed)
    report = audit(images, mask_dir)
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["stroke_values"] == [1, 2]
    assert label_map.evidence["stroke_void"] == 128 and label_map.evidence["masks_read"] == 8
    assert label_map.evidence["label_map_masks"] == 8
    # read as the 255 band is: each stroke the object in turn, both only as object classes
    assert label_map.evidence["reading_flags"] == [
        "--foreground-values 1 --ignore-values 0,128",
        "--foreground-values 2 --ignore-values 0,128",
        "--foreground-values 1,2 --ignore-values 128"]
    assert "pass --foreground-values 1 --ignore-values 0,128" in report.headline


def test_strokes_on_an_unlabelled_2_beside_a_255_band_get_stroke_readings(tmp_path):
    """Issue 14 (s29, left by s28): 0/1 strokes on an unlabelled 2 with PASCAL's 255 on a 3-px
    band along the border. The band filled the border, so 0 (a stroke) was taken for the
    background by its number, 2 became an object beside it, and the headline offered the
    frame readings --foreground-values 1,2 (the unlabelled majority as object). The strokes'
    own majority is the background; the band is set aside as on 0."""
    masks, _ = scribbles(2, 1, 0)
    framed = []
    for mask in masks:
        mask = mask.copy()
        mask[:3], mask[-3:], mask[:, :3], mask[:, -3:] = 255, 255, 255, 255
        framed.append(mask)
    report = audit(*write(tmp_path, framed))
    label_map = by_id(report)["mask.label_map"]
    assert label_map.evidence["background"] == 2
    assert label_map.evidence["stroke_values"] == [0, 1]
    assert label_map.evidence["stroke_void"] == 255
    assert label_map.evidence["reading_flags"] == [
        "--foreground-values 1 --ignore-values 2,255",
        "--foreground-values 0 --ignore-values 2,255",
        "--foreground-values 0,1 --ignore-values 255"]
    assert "pass --foreground-values 1 --ignore-values 2,255" in report.headline
    assert "--foreground-values 1,2" not in report.headline


def test_a_0_1_scribble_mask_among_0_1_2_maps_is_no_other_scale(tmp_path):
    """Issue 14 (s29, left by s28): one scribble mask holding the object stroke only (0/1)
    among 0/1/2 masks was "stored on a different scale" with the fix "Re-save all masks on
    one scale (0/255 ...)", which would turn its class 1 into 255; under the stroke reading
    in force it stayed a warning, and the background was "the commonest value, 3.33 % of
    pixels; 0, though held by most masks, covers only 95.4 %". Its values are the maps'
    class numbers: the auto threshold reads 1 apart (a warning naming a value policy);
    a value policy reads it alike (information)."""
    masks, _ = scribbles(0, 1, 2)
    masks[1] = np.where(masks[1] == 2, 0, masks[1]).astype(np.uint8)  # object stroke only
    images, mask_dir = write(tmp_path, masks)
    mixed = by_id(audit(images, mask_dir))["mask.mixed_scales"]
    assert mixed.severity is Severity.WARNING
    assert mixed.evidence["label_map_values_only"] == [0, 1]
    assert ("1 mask off the label maps' uint8 scale holds only 0 and 1, values the label "
            "maps hold") in mixed.explanation
    assert "Re-save" not in mixed.fix and "--foreground-values" in mixed.fix
    report = audit(images, mask_dir, MaskPolicy(foreground_values=(1,), ignore_values=(0,)))
    followed = by_id(report)
    assert followed["mask.mixed_scales"].severity is Severity.INFO
    # the stroke reading in force: still scribbles (0 was "the background, 3.33 % ..."), and
    # the mask holding the object stroke alone is wholly foreground as drawn
    assert followed["mask.label_map"].evidence["stroke_values"] == [1, 2]
    assert "0, though held by most masks" not in followed["mask.label_map"].explanation
    mostly = followed["imbalance.mostly_foreground"]
    assert mostly.severity is Severity.INFO and "no polarity is why" in mostly.explanation
    assert "foreground" not in report.headline.split(":")[0]


def test_the_background_reason_leaves_the_values_ignored_out(tmp_path):
    """A region map (0 around, 2 a square, 1 a disc inside) under --ignore-values 0: the
    background was "the commonest value, 30 % of pixels; 0, though held by most masks,
    covers only 60 %"."""
    rows, columns = np.mgrid[:SIDE, :SIDE]
    masks = []
    for shift in range(8):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        mask[12 + shift:44 + shift, 10:50] = 2
        mask[np.hypot(rows - 28 - shift, columns - 30) <= 8] = 1
        masks.append(mask)
    found = by_id(audit(*write(tmp_path, masks), MaskPolicy(foreground_values=(1,),
                                                              ignore_values=(0,))))
    explanation = found["mask.label_map"].explanation
    assert "0, though held by most masks" not in explanation
    assert "Value 2 is taken for the background (the commonest value the policy in force " \
        "does not ignore" in explanation


def test_the_stroke_sentence_states_the_width_rule_as_measured(tmp_path):
    """Review nit (s28): the sentence said strokes are "at most 12 px wide (or a 32nd of the
    mask's shorter side ...)", mixing a band's width (12) with the square the rule bounds
    (11, or the 32nd: 16 on 512 px, where a 16-px band holds a 15-px square)."""
    from unetdiag.diag.audit.strokes import stroke_max_side

    masks, _ = scribbles(0, 1, 2)
    explanation = by_id(audit(*write(tmp_path, masks)))["mask.label_map"].explanation
    assert stroke_max_side((SIDE, SIDE)) == 11
    assert "with no centred square wider than 11 px inside them, or than a 32nd of the " \
        "mask's shorter side" in explanation
    assert "at most 12 px wide" not in explanation


def test_the_stroke_sentence_says_what_the_centred_squares_admit(tmp_path):
    """Review of session 29: the sentence said "(a 12-px band holds an 11-px square at
    most)", false: a 12-px band holds a 12-px square; the measure counts squares centred on
    a pixel (2 d - 1, odd), so bands 11 and 12 px wide both measure 11."""
    from unetdiag.diag.audit.strokes import piece_shapes

    for width in (11, 12):
        band = np.zeros((40, 80), bool)
        band[5:5 + width, 5:75] = True
        assert piece_shapes(band).sides.tolist() == [11]
    masks, _ = scribbles(0, 1, 2)
    explanation = by_id(audit(*write(tmp_path, masks)))["mask.label_map"].explanation
    assert "holds an 11-px square at most" not in explanation
    assert "bands 11 and 12 px wide both measure 11" in explanation


def test_binary_masks_beside_label_maps_emptied_by_the_policy_stay_a_warning(tmp_path):
    """Review of session 29: 10 liver/tumour maps (0, 1 liver, 2 tumour) beside 6 binary
    tumour masks (0/1 from another source): under --foreground-values 2 the binary masks
    decode empty, and mask.mixed_scales had said, as information, they were 'class numbers
    like theirs with fewer classes, not another scale'."""
    rows, columns = np.mgrid[:64, :64]
    masks = []
    for number in range(16):
        distance = np.hypot(rows - 30 - number % 4, columns - 32)
        mask = np.zeros((64, 64), np.uint8)
        if number < 10:
            mask[distance <= 20] = 1
            mask[distance <= 6] = 2
        else:
            mask[distance <= 6] = 1
        masks.append(mask)
    images, mask_dir = write(tmp_path, masks)
    mixed = by_id(audit(images, mask_dir, MaskPolicy(foreground_values=(2,))))[
        "mask.mixed_scales"]
    assert mixed.severity is Severity.WARNING
    assert "or with binary masks from another source whose 1 means something else" in (
        mixed.explanation)
    assert "not another scale" not in mixed.explanation
    assert "decode empty under it" in mixed.explanation
