"""Several views of one subject named ``<subject>_<n>`` (Carvana's ``<car id>_01`` .. ``_16``):
told by the names (unetdiag.diag.data.name_groups), warned of by the audit when the split by
file puts a subject on both sides, and kept on one side by ``train --split-by-subject``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.config import TrainConfig
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.name_groups import name_groups
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.split import group_by_subject, split_pairs
from unetdiag.exitcodes import UserError
from unetdiag.training.run.split import data_record, discover_and_split


def carvana_stems(cars: int, views: int) -> list[str]:
    return [f"{0x0cdf5b5d0ce1 + car:012x}_{view:02d}" for car in range(cars)
            for view in range(1, views + 1)]


def subject(stem: str) -> str:
    return stem.rsplit("_", 1)[0]


@pytest.mark.parametrize("stems", [
    [f"{n:03d}" for n in range(300)],  # plain numbers
    [f"img_{n:03d}" for n in range(300)],  # one running count
    [f"{n:02d}_training" for n in range(21, 41)] + [f"{n:02d}_test" for n in range(1, 21)],
    [f"breed{b}_{n}" for b in range(10) for n in range(1, 201)],  # classes, not subjects
    [f"car{c}_{v}" for c in range(4) for v in range(16)],  # too few subjects to split whole
    [f"p{p}_{v}" for p in range(10) for v in range(1 + p % 5)],  # no common number of views
])
def test_names_that_are_not_views_of_subjects_do_not_group(stems):
    assert name_groups(stems) is None


def test_carvana_names_group_by_car():
    groups = name_groups(carvana_stems(318, 16))
    assert groups is not None
    assert (groups.subjects, groups.size, groups.of_size, groups.named) == (318, 16, 318, 5088)
    assert groups.subject_of["0cdf5b5d0ce1_07"] == "0cdf5b5d0ce1"
    assert groups.example[0] == "0cdf5b5d0ce1_01" and len(groups.example) == 16


@settings(max_examples=40, deadline=None)
@given(cars=st.integers(5, 30), views=st.integers(2, 16), seed=st.integers(0, 1000),
       val_fraction=st.sampled_from([0.1, 0.2, 0.3]))
def test_a_split_by_subject_never_puts_one_subject_on_both_sides(cars, views, seed,
                                                                 val_fraction):
    pairs = [Pair(stem, Path(f"{stem}.jpg"), Path(f"{stem}_mask.gif"))
             for stem in carvana_stems(cars, views)]
    grouped, groups = group_by_subject(pairs)
    assert groups is not None and groups.subjects == cars
    train, validation = split_pairs(grouped, val_fraction, seed)
    assert train and validation
    assert not {subject(p.stem) for p in train} & {subject(p.stem) for p in validation}


def write_views(root: Path, cars: int, views: int) -> tuple[Path, Path]:
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(0)
    for stem in carvana_stems(cars, views):
        Image.fromarray(rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(
            images / f"{stem}.png")
        mask = np.zeros((24, 24), np.uint8)
        mask[4:4 + rng.integers(4, 16), 6:18] = 255
        Image.fromarray(mask).save(masks / f"{stem}_mask.png")
    return images, masks


def subject_views(findings):
    return [finding for finding in findings if finding.id == "duplicates.subject_views"]


def test_the_audit_warns_that_the_split_by_file_puts_a_car_on_both_sides(tmp_path):
    report = audit_dataset(*write_views(tmp_path, 8, 5), workers=1)
    (finding,) = subject_views(report.findings)
    assert finding.severity.value == "warning"
    assert "consistent with several views" in finding.explanation
    assert "--split-by-subject" in finding.fix
    evidence = finding.evidence
    assert (evidence["subjects"], evidence["views_per_subject"]) == (8, 5)
    assert evidence["subjects_across_split"] > 0
    assert evidence["validation_images_with_subject_in_training"] == len(finding.files) > 0


def test_the_audit_is_silent_on_plainly_numbered_files(tmp_path):
    images, masks = write_views(tmp_path, 8, 5)
    for number, path in enumerate(sorted(images.iterdir())):
        path.rename(images / f"{number:03d}.png")
    for number, path in enumerate(sorted(masks.iterdir())):
        path.rename(masks / f"{number:03d}_mask.png")
    assert not subject_views(audit_dataset(images, masks, workers=1).findings)


def test_train_splits_by_subject_when_asked_and_records_it(tmp_path):
    images, masks = write_views(tmp_path, 8, 5)
    by_file = TrainConfig(images=images, masks=masks)
    findings, train, val, rule = discover_and_split(by_file)
    assert [f.severity.value for f in subject_views(findings)] == ["warning"]
    assert {subject(p.stem) for p in train} & {subject(p.stem) for p in val}
    record = data_record(by_file, train, val, rule)
    assert (record["split_by_subject"], record["split_groups"]) == (False, 0)

    by_subject = TrainConfig(images=images, masks=masks, split_by_subject=True)
    assert TrainConfig.from_dict(by_subject.to_dict()) == by_subject
    findings, train, val, rule = discover_and_split(by_subject)
    assert [f.severity.value for f in subject_views(findings)] == ["info"]
    assert not {subject(p.stem) for p in train} & {subject(p.stem) for p in val}
    record = data_record(by_subject, train, val, rule)
    assert (record["split_by_subject"], record["split_groups"]) == (True, 8)


def test_train_refuses_to_split_by_subject_names_that_do_not_group(tmp_path):
    images, masks = write_views(tmp_path, 8, 5)
    for number, path in enumerate(sorted(images.iterdir())):
        path.rename(images / f"{number:03d}.png")
    for number, path in enumerate(sorted(masks.iterdir())):
        path.rename(masks / f"{number:03d}_mask.png")
    with pytest.raises(UserError, match="do not group into subjects"):
        discover_and_split(TrainConfig(images=images, masks=masks, split_by_subject=True))
