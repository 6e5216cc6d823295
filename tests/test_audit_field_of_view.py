"""Field-of-view masks in a folder beside the annotations (DRIVE as distributed:
training/images/21_training.tif, training/1st_manual/21_manual1.gif, training/mask/
21_training_mask.gif). Session 28's scorecard: audited with --masks training/1st_manual, the
report never named mask/."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset

SIDE = 64


def _drive_like(root, fov_same=True, pairs=6):
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:SIDE, :SIDE]
    for sub in ("images", "1st_manual", "mask"):
        (root / sub).mkdir(parents=True)
    for index in range(21, 21 + pairs):
        image = rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)
        Image.fromarray(image).save(root / "images" / f"{index}_training.png")
        vessels = np.zeros((SIDE, SIDE), np.uint8)
        vessels[rng.integers(4, 60, 3), :] = 255  # a few thin lines, no region
        vessels[:, rng.integers(4, 60, 3)] = 255
        Image.fromarray(vessels).save(root / "1st_manual" / f"{index}_manual1.png")
        if fov_same:
            cy, cx, radius = 32, 32, 28
        else:  # objects that move from image to image: no one region
            cy, cx, radius = rng.integers(10, 54), rng.integers(10, 54), 8
        fov = ((yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2).astype(np.uint8) * 255
        Image.fromarray(fov).save(root / "mask" / f"{index}_training_mask.png")


def _by_id(report, finding_id):
    return [finding for finding in report.findings if finding.id == finding_id]


def test_field_of_view_masks_beside_the_annotations_are_named_and_not_used(tmp_path):
    root = tmp_path / "DRIVE" / "training"
    _drive_like(root)
    report = audit_dataset(root / "images", root / "1st_manual", workers=1)
    [finding] = _by_id(report, "pairing.field_of_view_masks")
    assert finding.severity.value == "info"
    assert finding.title.startswith("mask/ holds 6 files named after the images "
                                    "(21_training_mask.png for 21_training.png)")
    assert "consistent with field-of-view masks; not used" in finding.title
    assert "the masks used are those in 1st_manual/" in finding.explanation
    assert finding.evidence["tail"] == "_mask"
    assert finding.evidence["nearly_same"] == 6
    assert len(finding.files) == 6
    assert report.meta["pairs"] == 6  # nothing of mask/ is paired


def test_files_named_after_the_images_that_are_no_one_region_say_nothing(tmp_path):
    root = tmp_path / "DRIVE" / "training"
    _drive_like(root, fov_same=False)
    report = audit_dataset(root / "images", root / "1st_manual", workers=1)
    assert not _by_id(report, "pairing.field_of_view_masks")


def test_masks_beside_the_images_look_at_no_other_folder(tmp_path):
    root = tmp_path / "DRIVE" / "training"
    _drive_like(root)
    for path in (root / "1st_manual").iterdir():
        stem = path.stem.replace("_manual1", "_training_mask")
        path.rename(root / "images" / f"{stem}.png")
    report = audit_dataset(root / "images", workers=1)
    assert not _by_id(report, "pairing.field_of_view_masks")


def test_train_names_them_too(tmp_path):
    from unetdiag.config import TrainConfig
    from unetdiag.training.run.split import discover_and_split

    root = tmp_path / "DRIVE" / "training"
    _drive_like(root)
    findings, train, validation, _rule = discover_and_split(
        TrainConfig(images=root / "images", masks=root / "1st_manual"))
    assert [f.source for f in findings if f.id == "pairing.field_of_view_masks"] == ["pairing"]
    assert len(train) + len(validation) == 6


def test_one_region_beside_masks_of_the_same_region_may_be_a_second_annotation(tmp_path):
    """A second annotator's masks of centred lesions (annotator2/<stem>_annotator2.png) are
    one region in every image, as field-of-view masks are; so are the masks themselves."""
    root = tmp_path / "lesions"
    yy, xx = np.mgrid[:SIDE, :SIDE]
    for sub in ("images", "masks", "annotator2"):
        (root / sub).mkdir(parents=True)
    rng = np.random.default_rng(5)
    for index in range(6):
        stem = f"lesion_{index:03d}"
        Image.fromarray(rng.integers(0, 255, (SIDE, SIDE, 3), dtype=np.uint8)).save(
            root / "images" / f"{stem}.png")
        for sub, name, radius in (("masks", stem, 22), ("annotator2", f"{stem}_annotator2", 21)):
            disc = ((yy - 32) ** 2 + (xx - 32) ** 2 <= radius ** 2).astype(np.uint8) * 255
            Image.fromarray(disc).save(root / sub / f"{name}.png")
    report = audit_dataset(root / "images", root / "masks", workers=1)
    [finding] = _by_id(report, "pairing.field_of_view_masks")
    assert ("consistent with field-of-view masks or a second annotation of the same objects; "
            "not used") in finding.title
    assert "masks/ is itself nearly one region" in finding.explanation
    assert "not annotations" not in finding.explanation
    assert ("If they are field-of-view masks, every pixel is scored, those outside the field "
            "of view included") in finding.explanation
    assert finding.fix.startswith("Nothing to change for training. If they are field-of-view "
                                  "masks and you want to score inside")
    assert finding.evidence["second_annotation_possible"] is True


def test_field_of_view_beside_thin_annotations_names_no_second_annotation(tmp_path):
    root = tmp_path / "DRIVE" / "training"
    _drive_like(root)
    report = audit_dataset(root / "images", root / "1st_manual", workers=1)
    [finding] = _by_id(report, "pairing.field_of_view_masks")
    assert finding.title.endswith("consistent with field-of-view masks; not used")
    assert "second annotation" not in finding.explanation + finding.fix
    assert "mask/), not annotations. Nothing pairs" in finding.explanation
    assert finding.evidence["second_annotation_possible"] is False
    assert finding.evidence["iou_with_masks"] < 0.5
