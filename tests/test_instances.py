"""Instance masks: the Kaggle DSB 2018 layout paired, each image's object files read as one
mask by every reader (pairing, decoder, audit, trainer's pipeline), objects counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.data.instances import read_instance_masks
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.reading import ImageReadError
from unetdiag.exitcodes import UserError

SIZE = (24, 32)  # height, width


def _box(top: int, left: int, side: int = 6, value: int = 255) -> np.ndarray:
    values = np.zeros(SIZE, np.uint8)
    values[top:top + side, left:left + side] = value
    return values


def _sample(root: Path, sample_id: str, objects: list[np.ndarray] | None,
            images: int = 1) -> None:
    (root / sample_id / "images").mkdir(parents=True)
    rgba = np.zeros((*SIZE, 4), np.uint8)
    rgba[..., 3] = 255  # DSB images carry an opaque alpha channel
    for index in range(images):
        name = sample_id if index == 0 else f"{sample_id}_copy"
        Image.fromarray(rgba).save(root / sample_id / "images" / f"{name}.png")
    if objects is not None:
        (root / sample_id / "masks").mkdir()
        for number, values in enumerate(objects):
            Image.fromarray(values).save(root / sample_id / "masks" / f"{number:064x}.png")


def _dsb(root: Path) -> Path:
    train = root / "stage1_train"
    _sample(train, "aaa", [_box(0, 0), _box(10, 10), _box(16, 20)])
    _sample(train, "bbb", [_box(2, 2), _box(5, 5)])  # these two overlap (3x3 = 9 pixels)
    _sample(train, "ccc", [_box(8, 8)])
    return train


def test_the_dsb_layout_pairs_each_image_with_its_masks_folder(tmp_path):
    train = _dsb(tmp_path)
    _sample(train, "ddd", None)              # no masks/ folder: an image without a mask
    _sample(train, "eee", [_box(0, 0)], images=2)  # two images: undecided
    (train / "notes").mkdir()                # a folder without images/
    (train / "labels.csv").write_text("ImageId,EncodedPixels\n")
    result = discover_pairs(train)
    assert [(pair.stem, pair.image.name, pair.mask.name) for pair in result.pairs] == [
        ("aaa", "aaa.png", "masks"), ("bbb", "bbb.png", "masks"), ("ccc", "ccc.png", "masks")]
    findings = {finding.id: finding for finding in result.findings}
    assert findings["pairing.missing_mask"].files == (str(train / "ddd/images/ddd.png"),)
    assert findings["pairing.duplicate_stem"].evidence["stems"] == ["eee"]
    ignored = findings["pairing.ignored_files"]
    assert set(ignored.files) == {str(train / "labels.csv"), f"{train / 'notes'}/"}
    instance = findings["pairing.instance_folders"]
    assert instance.severity is Severity.INFO and instance.evidence["object_files"] == 6
    assert "1-3 objects per image" in instance.title
    assert result.rule.source == "instance folders" and result.masks_dir is None


def test_a_layout_without_any_masks_folder_stops_naming_it(tmp_path):
    test = tmp_path / "stage1_test"
    _sample(test, "aaa", None)
    with pytest.raises(UserError, match="without a masks/ folder") as caught:
        discover_pairs(test)
    assert "instance layout" in str(caught.value) and "\n" not in str(caught.value)


def test_decode_mask_of_a_folder_is_the_union_of_its_objects(tmp_path):
    train = _dsb(tmp_path)
    mask, encoding = decode_mask(train / "bbb" / "masks")
    expected = (_box(2, 2) > 0) | (_box(5, 5) > 0)
    assert np.array_equal(mask.astype(bool), expected)
    assert encoding.scale == "uint8" and encoding.values == [0, 255]
    assert encoding.foreground_fraction == pytest.approx(expected.mean())


def test_objects_are_counted_with_their_overlap(tmp_path):
    train = _dsb(tmp_path)
    assert read_instance_masks(train / "bbb" / "masks").overlap_pixels == 9
    merged = read_instance_masks(train / "aaa" / "masks")
    assert merged.files == 3 and merged.overlap_pixels == 0
    assert merged.stored.mode == "L" and merged.stored.frames == 1


def test_object_files_of_0_1_merge_with_each_other_and_with_empty_ones(tmp_path):
    folder = tmp_path / "masks"
    folder.mkdir()
    Image.fromarray(_box(0, 0, value=1)).save(folder / "a.png")
    Image.fromarray(_box(10, 10, value=1)).save(folder / "b.png")
    Image.fromarray(np.zeros(SIZE, np.uint8)).save(folder / "c.png")
    mask, encoding = decode_mask(folder)
    assert int(mask.sum()) == 72 and encoding.scale == "binary"


@pytest.mark.parametrize(("second", "reason"), [
    (np.zeros((10, 10), np.uint8), "stored as 10x10 L uint8"),
    (np.zeros(SIZE, np.uint16), "stored as 32x24 I;16 uint16"),
    (np.zeros((*SIZE, 4), np.uint8), "stored as 32x24 RGBA uint8, but a.png in the same "
                                     "folder as 32x24 L uint8"),
    (_box(0, 0, value=1), "0/1 values"),
])
def test_object_files_that_cannot_be_merged_are_named(tmp_path, second, reason):
    folder = tmp_path / "masks"
    folder.mkdir()
    Image.fromarray(_box(4, 4)).save(folder / "a.png")
    Image.fromarray(second).save(folder / "b.png")
    with pytest.raises(ImageReadError, match=reason) as caught:
        decode_mask(folder)
    assert caught.value.path == folder / "b.png"


def test_an_empty_object_folder_cannot_be_opened(tmp_path):
    (tmp_path / "masks").mkdir()
    with pytest.raises(ImageReadError, match="cannot open"):
        decode_mask(tmp_path / "masks")


def test_the_audit_reads_instance_folders_and_reports_objects_per_image(tmp_path):
    train = _dsb(tmp_path)
    report = audit_dataset(train, workers=1)
    findings = {finding.id: finding for finding in report.findings}
    objects = findings["mask.instance_objects"]
    assert objects.severity is Severity.INFO
    assert objects.evidence["fewest_objects"] == 1 and objects.evidence["most_objects"] == 3
    assert objects.evidence["overlapping_masks"] == 1 and objects.evidence["overlap_pixels"] == 9
    assert objects.files == (str(train / "bbb" / "masks"),)
    assert "objects overlap in 1 mask (9 pixels)" in objects.title
    assert report.summary["pairs"][0]["masks read"] == 3
    assert {row["object files"] for row in report.summary["foreground (most first)"]} == {1, 2, 3}
    assert report.meta["pairing"]["source"] == "instance folders"
    assert not any(finding.id.startswith("file.") for finding in report.findings)


def test_an_unmergeable_folder_is_an_unreadable_mask_in_the_audit(tmp_path):
    train = _dsb(tmp_path)
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(train / "ccc" / "masks" / "small.png")
    report = audit_dataset(train, workers=1)
    unreadable = [finding for finding in report.findings if finding.id.startswith("file.")]
    assert len(unreadable) == 1 and unreadable[0].files == (str(train / "ccc" / "masks"),)
    assert "small.png" in unreadable[0].explanation


def test_an_image_beside_the_sample_folders_does_not_hide_the_layout(tmp_path):
    train = _dsb(tmp_path)
    Image.fromarray(np.zeros(SIZE, np.uint8)).save(train / "preview.png")
    result = discover_pairs(train)
    assert len(result.pairs) == 3
    ignored = {f.id: f for f in result.findings}["pairing.ignored_files"]
    assert ignored.files == (str(train / "preview.png"),)


def test_naming_options_do_not_apply_to_instance_folders(tmp_path):
    train = _dsb(tmp_path)
    with pytest.raises(UserError, match="do not apply"):
        discover_pairs(train, mask_pattern="{key}_mask")
    with pytest.raises(UserError, match="do not apply"):
        discover_pairs(train, mask_suffixes=("_L",))


def test_a_broken_link_among_the_object_files_is_named(tmp_path):
    folder = tmp_path / "masks"
    folder.mkdir()
    Image.fromarray(_box(4, 4)).save(folder / "a.png")
    (folder / "b.png").symlink_to(tmp_path / "gone.png")
    with pytest.raises(ImageReadError, match="cannot open") as caught:
        decode_mask(folder)
    assert caught.value.path == folder / "b.png"
