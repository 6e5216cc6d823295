"""Multi-page TIFF stacks: page references read one page everywhere, equal stacks are paired
page by page, unequal ones are named, and a flat folder of stacks says what it holds."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.reading import (
    ImageReadError,
    load_stored_mask,
    page_reference,
    read_image,
    split_page_reference,
)
from unetdiag.exitcodes import UserError

PAGES = 5
SIDE = 16


def _page_mask(page: int) -> np.ndarray:
    """Page ``page`` (from 1) has a bright band of ``page`` rows."""
    values = np.zeros((SIDE, SIDE), np.uint8)
    values[:page, :] = 255
    return values


def _stack(path: Path, pages: list[np.ndarray]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = [Image.fromarray(values) for values in pages]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def _volume(path: Path, pages: int = PAGES) -> Path:
    return _stack(path, [np.full((SIDE, SIDE), 40 * page, np.uint8)
                         for page in range(1, pages + 1)])


def _labels(path: Path, pages: int = PAGES) -> Path:
    return _stack(path, [_page_mask(page) for page in range(1, pages + 1)])


def test_page_references_round_trip_and_a_real_file_keeps_its_name(tmp_path):
    reference = page_reference(tmp_path / "v.tif", 3, 30)
    assert reference.name == "v.tif#page=03"
    assert split_page_reference(reference) == (tmp_path / "v.tif", 3)
    odd = tmp_path / "odd#page=2"
    odd.write_bytes(b"")
    assert split_page_reference(odd) == (odd, None)
    with pytest.raises(ValueError):
        page_reference(tmp_path / "v.tif", 0)


def test_every_reader_opens_the_page_named(tmp_path):
    volume, labels = _volume(tmp_path / "v.tif"), _labels(tmp_path / "l.tif")
    assert read_image(page_reference(volume, 4)).max() == pytest.approx(160 / 255)
    mask, encoding = decode_mask(page_reference(labels, 3))
    assert int(mask.sum()) == 3 * SIDE and encoding.frames == 1
    assert load_stored_mask(labels).frames == PAGES  # the file itself: first page, 5 frames


def test_a_page_beyond_the_stack_is_an_image_read_error(tmp_path):
    labels = _labels(tmp_path / "l.tif")
    with pytest.raises(ImageReadError, match=f"no page 9: the file has {PAGES}") as caught:
        decode_mask(page_reference(labels, 9))
    assert caught.value.path.name == "l.tif#page=9"


def test_equal_stacks_are_paired_page_by_page(tmp_path):
    _volume(tmp_path / "images" / "train.tif")
    _labels(tmp_path / "masks" / "train.tif")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == [f"train#page={k}" for k in range(1, 6)]
    assert result.pairs[2].mask.name == "train.tif#page=3"
    finding = {f.id: f for f in result.findings}["pairing.stack_pages"]
    assert finding.severity is Severity.INFO and finding.evidence["stacks"] == 1
    assert "TIFF stacks of 5 pages, paired page by page (5 pairs in all)" in finding.title
    assert result.rule.stacks == 1


def test_stacks_of_different_lengths_are_a_warning_and_stay_one_pair(tmp_path):
    _volume(tmp_path / "images" / "train.tif")
    _labels(tmp_path / "masks" / "train.tif", pages=1)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert [pair.stem for pair in result.pairs] == ["train"]
    finding = {f.id: f for f in result.findings}["pairing.stack_mismatch"]
    assert finding.severity is Severity.WARNING
    assert "has 5 pages and its mask" in finding.explanation and "1 page:" in finding.explanation


def test_a_flat_folder_of_stacks_names_them_and_the_pattern_that_pairs_them(tmp_path):
    _volume(tmp_path / "train-volume.tif")
    _labels(tmp_path / "train-labels.tif")
    _volume(tmp_path / "test-volume.tif")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path)
    text = str(caught.value)
    assert "3 files" in text and "3 images" not in text and "\n" not in text
    assert "multi-page TIFF stacks (5 pages each" in text
    assert "--mask-pattern '{key}-labels' (train-volume.tif ↔ train-labels.tif)" in text
    result = discover_pairs(tmp_path, mask_pattern="{key}-labels")
    assert len(result.pairs) == PAGES
    assert {f.id for f in result.findings} == {"pairing.missing_mask", "pairing.stack_pages"}


def test_the_audit_reads_every_page_and_does_not_call_the_files_multi_frame(tmp_path):
    _volume(tmp_path / "images" / "train.tif")
    _labels(tmp_path / "masks" / "train.tif")
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    ids = {finding.id for finding in report.findings}
    assert "file.multi_frame" not in ids and "pairing.stack_pages" in ids
    rows = report.summary["foreground (most first)"]
    assert sorted(round(row["foreground"] * SIDE) for row in rows) == [1, 2, 3, 4, 5]
    assert report.meta["pairing"]["stacks"] == 1


def test_a_stack_through_a_symbolic_link_is_paired_by_its_pages(tmp_path):
    _volume(tmp_path / "data" / "train-volume.tif")
    _labels(tmp_path / "data" / "train-labels.tif")
    for role, target in (("images", "train-volume.tif"), ("masks", "train-labels.tif")):
        (tmp_path / role).mkdir()
        os.symlink(tmp_path / "data" / target, tmp_path / role / "train.tif")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    assert len(result.pairs) == PAGES


def test_a_label_stack_beside_a_folder_of_image_slices_is_named_in_the_refusal(tmp_path):
    """ISBI 2012's train-labels.tif given as the masks of the slices saved one file each
    (zhixuhao/unet's data/membrane/train/image/0.png ..): the refusal said "5 images,
    1 masks" and nothing of the stack."""
    (tmp_path / "images").mkdir()
    for page in range(PAGES):
        Image.fromarray(_page_mask(page + 1)).save(tmp_path / "images" / f"{page}.png")
    _labels(tmp_path / "masks" / "train-labels.tif")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    text = str(caught.value)
    assert "5 images, 1 mask;" in text
    assert "train-labels.tif is a multi-page TIFF stack (5 pages;" in text
    assert "beside 5 image files, as many as its pages: save each page as its own file" in text


def test_a_volume_beside_as_many_mask_slices_is_told_to_be_split(tmp_path):
    _volume(tmp_path / "images" / "volume.tif")
    (tmp_path / "masks").mkdir()
    for page in range(PAGES):
        Image.fromarray(_page_mask(page + 1)).save(tmp_path / "masks" / f"{page}.png")
    with pytest.raises(UserError) as caught:
        discover_pairs(tmp_path / "images", tmp_path / "masks")
    text = str(caught.value)
    assert "1 image, 5 masks;" in text
    assert "volume.tif is a multi-page TIFF stack (5 pages;" in text
    assert "beside 5 mask files, as many as its pages" in text
    assert "give the masks as one stack of 5 pages" in text


def test_one_page_images_with_masks_of_several_pages_are_read_as_objects_or_classes(tmp_path):
    """Instance masks saved one object per page (N x H x W; EmbedSeg's BBBC010 masks are
    multi-page TIFFs, juglab/EmbedSeg#24: "only one instance in each file, while there are a
    few objects"): the finding says the other pages' objects are trained as background."""
    (tmp_path / "images").mkdir()
    for name in ("a", "b"):
        Image.fromarray(np.zeros((SIDE, SIDE), np.uint8)).save(tmp_path / "images" / f"{name}.tif")
        _labels(tmp_path / "masks" / f"{name}.tif", pages=3)
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    finding = {f.id: f for f in result.findings}["pairing.stack_mismatch"]
    assert "consistent with one object or one class per page" in finding.explanation
    assert "what the other pages hold is trained as background" in finding.explanation
    assert finding.fix.startswith("If each page is one object or class of the image, merge")


def test_z_stack_images_with_one_page_masks_are_read_as_one_annotated_plane(tmp_path):
    _volume(tmp_path / "images" / "a.tif")
    (tmp_path / "masks").mkdir()
    Image.fromarray(_page_mask(2)).save(tmp_path / "masks" / "a.tif")
    result = discover_pairs(tmp_path / "images", tmp_path / "masks")
    finding = {f.id: f for f in result.findings}["pairing.stack_mismatch"]
    assert "consistent with z-stacks or time series annotated on one plane" in finding.explanation
    assert finding.fix.startswith("Save the annotated plane of each image")
