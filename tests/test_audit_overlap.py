"""Images that hold the same whole rows or columns: the sketch maths of
:mod:`unetdiag.diag.audit.linesketch` and the links of :mod:`unetdiag.diag.audit.overlap`."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.audit.linesketch import (
    EMPTY,
    SKETCH_LINES,
    SKETCH_SIZE,
    LineSketcher,
    line_sketch,
)
from unetdiag.diag.audit.overlap import shared_lines


def noisy(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """A photo-like 8-bit image: a gradient under sensor-like noise."""
    rng = np.random.default_rng(seed)
    gradient = np.linspace(0, 40, shape[1])[None, :]
    if len(shape) == 3:
        gradient = gradient[..., None]
    return np.clip(rng.normal(90, 25, shape) + gradient, 0, 255).astype(np.uint8)


def as_png(array: np.ndarray) -> np.ndarray:
    """``array`` written as PNG and read back, as the audit reads files."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())))


def links(*images: np.ndarray, sides: list[str] | None = None):
    sketches = np.stack([line_sketch(image) for image in images])
    return shared_lines(sketches, np.ones(len(images), bool), sides)


def grid_tiles(scene: np.ndarray, tile: int, stride: int) -> list[tuple[int, int, np.ndarray]]:
    return [(y, x, scene[y:y + tile, x:x + tile])
            for y in range(0, scene.shape[0] - tile + 1, stride)
            for x in range(0, scene.shape[1] - tile + 1, stride)]


def test_tiles_cut_at_half_their_size_are_linked_within_their_scene_only():
    tiles = []
    for scene_number in range(3):  # the imitation: 160-px scenes, 64-px tiles, stride 32
        scene = noisy((160, 160, 3), scene_number)
        tiles += [(scene_number, y, x, as_png(tile))
                  for y, x, tile in grid_tiles(scene, 64, 32)]
    found = links(*[tile for *_, tile in tiles])
    shifted = found["shifted"]
    assert shifted.linked.all()
    assert [len(group) for group in shifted.groups] == [16, 16, 16]
    for group in shifted.groups:
        assert len({tiles[member][0] for member in group}) == 1
    # 3 scenes x (12 horizontal + 12 vertical neighbours sharing half their lines); a sketch
    # of 8 lines finds a pair sharing half of 64 nearly always, not always
    assert 68 <= shifted.pairs <= 72
    assert found["mirrored"].pairs == 0
    for example in shifted.examples:
        first, second = (tiles[index] for index in example.images)
        shift = (second[2] - first[2]) if example.orientation == "column" else (
            second[1] - first[1])
        assert example.positions[0] - example.positions[1] == shift  # the same scene line


def test_tiles_that_only_touch_are_not_linked():
    scene = noisy((128, 192), 1)
    assert not links(*[tile for _, _, tile in grid_tiles(scene, 64, 64)])["shifted"].groups


def test_unrelated_images_with_the_same_constant_border_are_not_linked():
    framed = []
    for seed in range(6):
        image = noisy((64, 64), seed)
        image[:8], image[-8:], image[:, :8], image[:, -8:] = 0, 0, 255, 255
        framed.append(image)
    found = links(*framed)
    assert not found["shifted"].groups and not found["mirrored"].groups


def test_a_border_is_never_sketched():
    image = noisy((64, 64), 0)
    image[:10] = 0  # black padding rows
    image[:, :10] = 7  # a constant margin in every row: the rows keep their texture
    rows = line_sketch(image)[:SKETCH_LINES]
    assert all((int(entry) & 0xFFFF) >= 10 for entry in rows)


def test_lines_of_few_values_or_long_runs_are_not_sketched():
    dither = np.random.default_rng(0).integers(0, 2, (64, 64), dtype=np.uint8) * 255
    steps = np.repeat(np.arange(8, dtype=np.uint8) * 30, 8)[None, :].repeat(64, axis=0)
    steps = steps + np.arange(64, dtype=np.uint8)[:, None]  # each row distinct, long runs
    for image in (dither, steps, np.zeros((64, 64), np.uint8)):
        assert (line_sketch(image)[:SKETCH_LINES] == EMPTY).all()


def test_unrelated_images_drawn_on_one_template_are_not_linked():
    # the same rows at the same places (a rendered background), different objects
    template = noisy((64, 64), 0)
    drawn = []
    for seed in range(1, 5):
        image = template.copy()
        image[20:40, 10:50] = noisy((20, 40), seed)
        drawn.append(image)
    found = links(*drawn)
    assert not found["shifted"].groups and not found["mirrored"].groups


@pytest.mark.parametrize(("shift", "expected"), [
    ("columns", True),      # shifted right by a pixel, a new first column: 63 columns shared
    ("rows", True),         # shifted down by a pixel: 63 rows shared
    ("diagonal", False),    # a pixel right and down: no whole row or column in common
    ("resampled", False),   # half a pixel right (interpolated): no column survives
])
def test_a_copy_shifted_by_one_pixel_is_linked_only_when_it_shares_whole_lines(shift,
                                                                             expected):
    image = noisy((64, 64), 3)
    fresh = noisy((64, 64), 4)
    if shift == "columns":
        copy = np.concatenate((fresh[:, :1], image[:, :-1]), axis=1)
    elif shift == "rows":
        copy = np.concatenate((fresh[:1], image[:-1]), axis=0)
    elif shift == "diagonal":
        copy = np.concatenate((fresh[:1, :], np.concatenate(
            (fresh[1:, :1], image[:-1, :-1]), axis=1)), axis=0)
    else:
        copy = ((image[:, :-1].astype(np.uint16) + image[:, 1:]) // 2).astype(np.uint8)
        copy = np.concatenate((copy, fresh[:, :1]), axis=1)
    found = links(as_png(image), as_png(copy))["shifted"]
    assert bool(found.groups) is expected
    if expected:
        example = found.examples[0]
        assert example.orientation == ("column" if shift == "columns" else "row")
        assert example.positions[1] - example.positions[0] == 1


def test_a_flipped_copy_is_mirrored_not_shifted():
    image = noisy((64, 80), 5)
    found = links(image, image[::-1], noisy((64, 80), 6))
    assert found["shifted"].pairs == 0
    assert found["mirrored"].groups == [(0, 1)]
    example = found["mirrored"].examples[0]
    assert example.mirrored and sum(example.positions) == 63


def test_the_split_sides_are_told():
    scene = noisy((64, 160), 7)
    tiles = [tile for _, _, tile in grid_tiles(scene, 64, 32)]  # 4 tiles in a row
    found = links(*tiles, sides=["train", "validation", "train", ""])["shifted"]
    assert found.opposite.tolist() == [True, True, True, False]
    assert found.examples[0].images in ((0, 1), (1, 2))


def test_sketches_made_together_are_those_made_one_by_one():
    rng = np.random.default_rng(9)
    images = [noisy((48, 70), 0), noisy((64, 64, 3), 1), noisy((90, 33), 2),
              rng.integers(0, 4096, (40, 50)).astype(np.uint16),
              rng.normal(size=(30, 200)).astype(np.float32), noisy((64, 64, 3), 5),
              np.zeros((20, 20), np.uint8), noisy((48, 70), 7)]
    out = np.full((len(images), SKETCH_SIZE), EMPTY, dtype=np.uint64)
    sketcher = LineSketcher(out)
    for row, image in enumerate(images):
        sketcher.add(row, image)
    sketcher.forget(6)
    sketcher.flush()
    for row, image in enumerate(images):
        assert out[row].tolist() == line_sketch(image).tolist(), row
    assert (out[6] == EMPTY).all()
    assert (out[:6] != EMPTY).all()  # every other image fills its sketch


# --------------------------------------------------------------------------- the audit


def write_tiles(root, scenes: int, named_by_position: bool) -> tuple:
    """``scenes`` noisy 96-px scenes cut into 48-px tiles at stride 24 (9 each), numbered
    ``tile_0001.png`` ... or named ``scene<k>_<y>_<x>.png``, masks of drawn boxes."""
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    number = 0
    for scene_number in range(scenes):
        scene = noisy((96, 96, 3), 100 + scene_number)
        drawn = np.zeros((96, 96), np.uint8)
        rng = np.random.default_rng(scene_number)
        for _ in range(6):
            y, x = rng.integers(0, 80, 2)
            drawn[y:y + 14, x:x + 14] = 255
        for y, x, tile in grid_tiles(scene, 48, 24):
            number += 1
            stem = (f"scene{scene_number}_{y}_{x}" if named_by_position
                    else f"tile_{number:04d}")
            Image.fromarray(tile).save(images / f"{stem}.png")
            Image.fromarray(drawn[y:y + 48, x:x + 48]).save(masks / f"{stem}.png")
    return images, masks


def overlap_finding(report):
    return next((finding for finding in report.findings
                 if finding.id == "duplicates.overlapping_tiles"), None)


def test_overlapping_tiles_numbered_without_positions_are_told_across_the_split(tmp_path):
    from unetdiag.diag.audit.run import audit_dataset
    from unetdiag.diag.core.findings import Severity

    report = audit_dataset(*write_tiles(tmp_path, 6, named_by_position=False), workers=1)
    found = overlap_finding(report)
    assert found is not None and found.severity is Severity.WARNING
    evidence = found.evidence
    assert evidence["images"] == 54 and evidence["groups"] == 6
    assert evidence["validation_images"] == 11
    assert 0 < evidence["validation_sharing_with_training"] <= 11
    assert found.title.startswith(f"{evidence['validation_sharing_with_training']} of 11 "
                                  "validation images share whole pixel rows or columns")
    first = evidence["examples"][0]
    assert sorted(first["sides"]) == ["train", "validation"]
    assert abs(first["shift_px"]) == 24 and evidence["first_example_share_if_windows"] == 0.5
    assert "`<source>_<row>_<col>`, as `austin1_0_512.png`" in found.fix
    assert report.headline.startswith("Validation overlaps training: "
                                      f"{evidence['validation_sharing_with_training']} of 11")
    assert "duplicates.mirrored_copies" not in {finding.id for finding in report.findings}


def test_tiles_of_too_few_scenes_are_told_to_keep_a_scene_out(tmp_path):
    from unetdiag.diag.audit.run import audit_dataset

    report = audit_dataset(*write_tiles(tmp_path, 4, named_by_position=False), workers=1)
    found = overlap_finding(report)
    assert found.evidence["groups"] == 4
    assert found.fix.startswith("Validate on tiles of images no training tile comes from.")
    assert "only 4 groups, fewer than the 5 source images" in found.fix


def test_tiles_named_by_position_are_split_by_scene_and_told_as_info(tmp_path):
    from unetdiag.diag.audit.run import audit_dataset
    from unetdiag.diag.core.findings import Severity

    report = audit_dataset(*write_tiles(tmp_path, 6, named_by_position=True), workers=1)
    assert "pairing.tiles" in {finding.id for finding in report.findings}
    found = overlap_finding(report)
    assert found.severity is Severity.INFO
    assert found.evidence["validation_sharing_with_training"] == 0
    assert found.evidence["groups_across_split"] == 0
    assert not report.headline.startswith("Validation overlaps training")


def test_flipped_copies_saved_beside_their_originals_are_told(tmp_path):
    from unetdiag.diag.audit.run import audit_dataset

    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    for number in range(12):
        image = noisy((48, 48), 200 + number)
        drawn = np.zeros((48, 48), np.uint8)
        drawn[10 + number:24 + number, 12:30] = 255
        for suffix, flipped, flipped_mask in (("", image, drawn),
                                              ("_flip", image[::-1], drawn[::-1])):
            Image.fromarray(flipped).save(images / f"cell{number:02d}{suffix}.png")
            Image.fromarray(flipped_mask).save(masks / f"cell{number:02d}{suffix}.png")
    report = audit_dataset(images, masks, workers=1)
    found = next(finding for finding in report.findings
                 if finding.id == "duplicates.mirrored_copies")
    assert found.evidence["images"] == 24 and found.evidence["pairs"] == 12
    assert overlap_finding(report) is None
    example = found.evidence["examples"][0]
    assert sum(example["positions"]) == 47 and "shift_px" not in example


def test_an_audit_without_links_does_not_import_scipy_sparse():
    # 0.1 s at every start otherwise (csgraph), for the few datasets whose images link
    import subprocess
    import sys

    code = ("import sys, numpy as np\n"
            "from unetdiag.diag.audit.run import audit_dataset\n"
            "from unetdiag.diag.audit.overlap import shared_lines\n"
            "shared_lines(np.zeros((3, 16), np.uint64) - np.uint64(1), np.ones(3, bool))\n"
            "print('scipy.sparse' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
