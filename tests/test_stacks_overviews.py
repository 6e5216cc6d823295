"""TIFF pages that are reduced-resolution copies or transparency masks of another page (a
cloud-optimised GeoTIFF's overviews) are no pages of a stack: not counted, not paired, and
page references still name the file's own pages."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, TiffImagePlugin

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.reading import load_stored_mask, read_image
from unetdiag.diag.synth.layouts import tiff_with_overviews

SIDE = 32
SCENES = 6


def _mask(scene: int) -> np.ndarray:
    """Scene ``scene`` has a bright band of ``scene + 1`` rows, 0/255."""
    values = np.zeros((SIDE, SIDE), np.uint8)
    values[:scene + 1, :] = 255
    return values


def _image(scene: int) -> np.ndarray:
    rng = np.random.default_rng(scene)
    return rng.integers(0, 256, (SIDE, SIDE), dtype=np.uint8)


def _pages(path: Path, pages: list[tuple[np.ndarray, dict]]) -> Path:
    """A TIFF of ``(values, tags)`` pages, in order."""
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer) as writer:
        for values, tags in pages:
            Image.fromarray(values).save(writer, format="TIFF", tiffinfo=tags)
            writer.newFrame()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def _cogs(root: Path, masks_as_cog: bool = True) -> tuple[Path, Path]:
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    for scene in range(SCENES):
        (images / f"scene_{scene}.tif").write_bytes(tiff_with_overviews(_image(scene)))
        if masks_as_cog:
            (masks / f"scene_{scene}.tif").write_bytes(tiff_with_overviews(_mask(scene)))
        else:
            Image.fromarray(_mask(scene)).save(masks / f"scene_{scene}.png")
    return images, masks


def test_cog_images_and_masks_are_one_pair_per_file(tmp_path):
    images, masks = _cogs(tmp_path)
    result = discover_pairs(images, masks)
    assert [pair.stem for pair in result.pairs] == [f"scene_{k}" for k in range(SCENES)]
    ids = {finding.id: finding for finding in result.findings}
    assert "pairing.stack_pages" not in ids and "pairing.stack_mismatch" not in ids
    skipped = ids["pairing.overview_pages"]
    assert skipped.severity is Severity.INFO
    assert skipped.evidence["files"] == 2 * SCENES
    assert skipped.evidence["reduced_resolution_pages"] == 2 * 2 * SCENES
    assert skipped.evidence["transparency_mask_pages"] == 0
    assert "12 TIFF files hold reduced-resolution overviews" in skipped.title
    assert result.rule.stacks == 0


def test_cog_images_with_png_masks_are_no_stack_mismatch_and_no_multi_frame(tmp_path):
    images, masks = _cogs(tmp_path, masks_as_cog=False)
    report = audit_dataset(images, masks, workers=1)
    ids = {finding.id for finding in report.findings}
    assert {"pairing.stack_mismatch", "file.multi_frame", "duplicates.near",
            "geometry.mixed_sizes"}.isdisjoint(ids)
    assert "pairing.overview_pages" in ids
    assert "stack" not in report.headline
    assert load_stored_mask(images / "scene_0.tif").frames == 1


def test_stack_pages_with_overviews_are_paired_by_their_own_page_numbers(tmp_path):
    # an image stack of 3 scenes, each page followed by its overview (own pages 1, 3, 5),
    # and a plain mask stack of 3 pages
    image_pages = []
    for scene in range(3):
        image_pages += [(_image(scene), {254: 0}), (_image(scene)[::2, ::2], {254: 1})]
    volume = _pages(tmp_path / "images" / "train.tif", image_pages)
    _pages(tmp_path / "masks" / "train.tif", [(_mask(scene), {}) for scene in range(3)])
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [(pair.image.name, pair.mask.name) for pair in result.pairs] == [
        ("train.tif#page=1", "train.tif#page=1"), ("train.tif#page=3", "train.tif#page=2"),
        ("train.tif#page=5", "train.tif#page=3")]
    assert {f.id for f in result.findings} >= {"pairing.stack_pages", "pairing.overview_pages"}
    second = result.pairs[1]
    assert read_image(second.image).shape[:2] == (SIDE, SIDE)
    np.testing.assert_array_equal(read_image(second.image)[..., 0],
                                  _image(1).astype(np.float32) / 255)
    mask, _ = decode_mask(second.mask)
    assert int(mask.sum()) == 2 * SIDE
    assert result.pairs[0].image.parent == volume.parent


@pytest.mark.parametrize("tags, kind", [({254: 4}, "transparency_mask_pages"),
                                        ({254: 5}, "reduced_resolution_pages"),
                                        ({255: 2}, "reduced_resolution_pages")])
def test_transparency_masks_and_old_style_reduced_pages_are_not_pages(tmp_path, tags, kind):
    image = _pages(tmp_path / "images" / "a.tif", [(_image(0), {}), (_image(0) > 0, tags)])
    Image.fromarray(_mask(0)).save((tmp_path / "masks").mkdir() or tmp_path / "masks" / "a.png")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.image for pair in result.pairs] == [image]
    skipped = {f.id: f for f in result.findings}["pairing.overview_pages"]
    assert skipped.evidence[kind] == 1
