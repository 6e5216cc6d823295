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
    # no common number of views, and the numbers do not restart at each prefix
    [f"p{p}_{10 * p + v}" for p in range(10) for v in range(1 + p % 5)],
    # CamVid's frame numbers (every 30th frame of a few sequences of differing lengths)
    [f"{seq}_{f:06d}" for seq, n in (("0001TP", 124), ("0016E5", 305), ("0006R0", 101),
                                     ("0005VD", 171), ("0009XY", 40)) for f in range(
        690, 690 + 30 * n, 30)],
    # runs with a gap, or counts running over several prefixes of differing sizes
    [f"s{p}_{v}" for p in range(8) for v in range(1, 6 + p) if v != 3],
    [f"{kind}_{n}" for kind, n in zip(["cat", "dog", "fox", "owl", "elk", "cow"] * 20,
                                      range(1, 121), strict=True)],
    # a class's running count longer than a volume's slices (Pet breeds of differing sizes)
    [f"breed{b}_{n}" for b in range(8) for n in range(1, 171 + b)],
    [f"ISIC_{n:07d}" for n in range(300)],  # global ids: one prefix
])
def test_names_that_are_not_views_of_subjects_do_not_group(stems):
    assert name_groups(stems) is None


PET_BREEDS = ["Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau",
              "Maine_Coon", "Persian", "Ragdoll", "american_bulldog", "beagle", "pug"]


@pytest.mark.parametrize("stems", [
    # Oxford-IIIT Pet breeds of differing sizes, each counted from 1 with no gap (a subset)
    [f"{breed}_{n}" for b, breed in enumerate(PET_BREEDS) for n in range(1, 40 + 5 * b)],
    # the same number of each breed: Carvana's pattern, but breeds are not subjects
    [f"{breed}_{n}" for breed in PET_BREEDS for n in range(1, 31)],
    [f"{breed}/{breed}_{n}" for breed in PET_BREEDS for n in range(1, 31)],
    # classes renamed with a count restarting at each (BUSI's benign, malignant, normal)
    [f"{kind}_{n}" for kind, count in (("benign", 150), ("malignant", 110), ("normal", 90),
                                       ("cyst", 40), ("other", 25)) for n in range(1, count + 1)],
    # a random split's parts or batches, numbered from 1 in each
    [f"fold{k}_{n}" for k in range(5) for n in range(1, 61)],
    [f"batch_{k}_{n:03d}" for k in range(1, 7) for n in range(1, 41 + k)],
])
def test_prefixes_that_are_words_name_kinds_not_subjects(stems):
    assert name_groups(stems) is None


@given(sizes=st.lists(st.integers(2, 160), min_size=5, max_size=12),
       words=st.lists(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12),
                      min_size=12, max_size=12, unique=True))
@settings(max_examples=40, deadline=None)
def test_word_prefixes_never_group_however_they_are_numbered(sizes, words):
    stems = [f"{word}_{n}" for word, size in zip(words[:len(sizes)], sizes, strict=True)
             for n in range(1, size + 1)]
    assert name_groups(stems) is None


def test_carvana_names_group_by_car():
    groups = name_groups(carvana_stems(318, 16))
    assert groups is not None
    assert (groups.subjects, groups.size, groups.of_size, groups.named) == (318, 16, 318, 5088)
    assert groups.subject_of["0cdf5b5d0ce1_07"] == "0cdf5b5d0ce1"
    assert groups.example[0] == "0cdf5b5d0ce1_01" and len(groups.example) == 16


def lgg_stems(patients: int) -> list[str]:
    """Kaggle LGG's slices, ``<patient>_1`` .. ``_n``, n from 20 to 88 by patient."""
    return [f"TCGA_CS_{4941 + patient}_19960909_{n}" for patient in range(patients)
            for n in range(1, 21 + (patient * 17) % 69)]


def test_slices_numbered_from_1_in_each_patient_group_though_their_counts_differ():
    groups = name_groups(lgg_stems(12))
    assert groups is not None and groups.runs
    assert (groups.subjects, groups.smallest, groups.size, groups.starts) == (12, 20, 88, (1,))
    assert groups.subject_of["TCGA_CS_4943_19960909_7"] == "TCGA_CS_4943_19960909"
    assert groups.example[:2] == ("TCGA_CS_4945_19960909_1", "TCGA_CS_4945_19960909_2")


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(2, 160), min_size=5, max_size=12), start=st.sampled_from([0, 1]),
       seed=st.integers(0, 1000))
def test_runs_restarting_at_every_prefix_are_split_whole(sizes, start, seed):
    stems = [f"vol{v}_{n}" for v, size in enumerate(sizes) for n in range(start, start + size)]
    pairs = [Pair(stem, Path(f"{stem}.png"), Path(f"{stem}_mask.png")) for stem in stems]
    grouped, groups = group_by_subject(pairs)
    assert groups is not None and groups.subjects == len(sizes)
    train, validation = split_pairs(grouped, 0.2, seed)
    assert not {subject(p.stem) for p in train} & {subject(p.stem) for p in validation}


def test_the_audit_names_slices_of_one_patient_on_both_sides(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    for stem in lgg_stems(6):
        patient, number = stem.rsplit("_", 1)
        image = ordered_view(int(patient[8:12]) - 4941, int(number), 48, rng)
        Image.fromarray(np.repeat(image[..., None], 3, axis=2)).save(images / f"{stem}.tif")
        Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
            masks / f"{stem}_mask.tif")
    (finding,) = subject_views(audit_dataset(images, masks, workers=1).findings)
    assert finding.severity.value == "warning"
    assert ("6 subjects repeat, 20 to 88 times, each numbered from 1 with no gap, the "
            "numbering restarting at every prefix" in finding.explanation)
    assert "6 prefixes, 20 to 88 images each" in finding.title
    assert finding.evidence["numbered_runs"] is True


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
        car, view = stem.rsplit("_", 1)
        image = ordered_view(int(car, 16) - 0x0cdf5b5d0ce1, int(view), 24, rng)
        Image.fromarray(np.repeat(image[..., None], 3, axis=2)).save(images / f"{stem}.png")
        Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
            masks / f"{stem}_mask.png")
    return images, masks


def ordered_view(subject: int, number: int, size: int, rng) -> np.ndarray:
    """View ``number`` of ``subject``: a bright bar on the subject's own shade, turned 20
    degrees further at each number (a car photographed round, a volume sliced), with noise:
    views numbered next to each other are the most alike, as real ones are."""
    rows, columns = np.mgrid[:size, :size] - (size - 1) / 2
    angle = np.radians(20 * number + 37 * subject)
    along = rows * np.cos(angle) + columns * np.sin(angle)
    across = -rows * np.sin(angle) + columns * np.cos(angle)
    bar = (np.abs(along) < size * 0.4) & (np.abs(across) < size * 0.12) & (along > -size * 0.1)
    shade = 30 + (subject * 23) % 70
    return np.clip(shade + 150 * bar + rng.normal(0, 4, bar.shape), 0, 255).astype(np.uint8)


def write_class_digit_names(tmp_path):
    """``class00_001`` .. ``class05_030``: six classes of 30 independent images each."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(3)
    for kind in range(6):
        for number in range(1, 31):
            image = ordered_view(kind, int(rng.integers(0, 18)), 24, rng)
            stem = f"class{kind:02d}_{number:03d}"
            Image.fromarray(image).save(images / f"{stem}.png")
            Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                masks / f"{stem}_mask.png")
    return images, masks


def test_independent_images_numbered_within_their_class_are_no_subject_views(tmp_path):
    """``class03_001`` .. (classes numbered with digits, as many Kaggle sets are): named as
    a patient's slices are, but consecutive numbers are no more alike than others; the audit
    had warned "36 of 36 validation images share their name's prefix with training images"
    as if the classes were subjects (session 31)."""
    images, masks = write_class_digit_names(tmp_path)
    assert name_groups([path.stem for path in images.iterdir()]) is not None
    assert not subject_views(audit_dataset(images, masks, workers=1).findings)


def test_train_asks_the_pictures_as_the_audit_does(tmp_path):
    """train read the names alone and warned "36 of 36 validation images share their name's
    prefix with training images" on a set of classes numbered with digits, where audit-data
    (asking the thumbnails) keeps silent; it now reads the same thumbnails, and on views
    taken in order says the pictures agree, as the audit does."""
    images, masks = write_class_digit_names(tmp_path / "a")
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    assert not subject_views(findings)
    images, masks = write_views(tmp_path / "b", 8, 5)
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    (finding,) = subject_views(findings)
    assert finding.severity.value == "warning"
    assert "the pictures agree: in " in finding.explanation


def subject_views(findings):
    return [finding for finding in findings if finding.id == "duplicates.subject_views"]


def test_the_audit_warns_that_the_split_by_file_puts_a_car_on_both_sides(tmp_path):
    report = audit_dataset(*write_views(tmp_path, 8, 5), workers=1)
    (finding,) = subject_views(report.findings)
    assert finding.severity.value == "warning"
    assert "consistent with several views" in finding.explanation
    assert "the pictures agree: in " in finding.explanation
    assert finding.evidence["adjacent_pairs_more_alike"] >= 0.75
    assert "--split-by-subject" in finding.fix
    evidence = finding.evidence
    assert (evidence["subjects"], evidence["views_per_subject"]) == (8, 5)
    assert evidence["subjects_across_split"] > 0
    assert evidence["validation_images_with_subject_in_training"] == len(finding.files) > 0


def write_plainly_numbered_views(tmp_path):
    """Five views of eight subjects renamed 000 .. 039: names that carry no subject."""
    images, masks = write_views(tmp_path, 8, 5)
    for number, path in enumerate(sorted(images.iterdir())):
        path.rename(images / f"{number:03d}.png")
    for number, path in enumerate(sorted(masks.iterdir())):
        path.rename(masks / f"{number:03d}_mask.png")
    return images, masks


def test_the_audit_is_silent_on_plainly_numbered_files(tmp_path):
    images, masks = write_plainly_numbered_views(tmp_path)
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
    images, masks = write_plainly_numbered_views(tmp_path)
    with pytest.raises(UserError, match="do not group into subjects"):
        discover_and_split(TrainConfig(images=images, masks=masks, split_by_subject=True))


def test_camvid_frames_split_by_file_are_named_when_the_pictures_are_in_order(tmp_path):
    """CamVid's frames (``0001TP_006690`` .. every 30th, ``Seq05VD_f00000`` ..): four
    sequences, numbers that neither restart at 1 nor repeat, so the names never grouped and
    a split by file putting neighbouring frames on both sides was not named (session 31).
    Frames in order are named; the same names on independent pictures are not."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(4)
    sequences = (("0001TP", 6690, "{:06d}"), ("0006R0", 930, "f{:05d}"),
                 ("0016E5", 390, "{:05d}"), ("Seq05VD", 0, "f{:05d}"))
    for number, (sequence, start, form) in enumerate(sequences):
        for frame in range(12):
            image = ordered_view(number, frame, 24, rng)
            stem = f"{sequence}_{form.format(start + 30 * frame)}"
            Image.fromarray(image).save(images / f"{stem}.png")
            Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                masks / f"{stem}_mask.png")
    (finding,) = subject_views(audit_dataset(images, masks, workers=1).findings)
    assert finding.severity.value == "warning"
    assert finding.evidence["frame_sequences"] is True
    assert finding.evidence["sequences"] == 4
    assert "frames of sequences with frames in training" in finding.title
    assert "--split-by-subject" not in finding.fix
    assert "folders of their own would not do: 4 are too few" in finding.fix
    assert finding.evidence["pairs_two_apart_more_alike"] >= 0.75
    for index, path in enumerate(sorted(images.iterdir())):  # the order lost
        shuffled = ordered_view(index % 4, int(rng.integers(0, 18)), 24, rng)
        Image.fromarray(shuffled).save(path)
    assert not subject_views(audit_dataset(images, masks, workers=1).findings)


def test_train_reads_the_images_of_a_few_subjects_only(tmp_path):
    """The thumbnails cost a decode each (29 ms a 1918x1280 JPEG: Carvana's 5088 images
    would take 2.5 min of CPU); the images of 24 subjects, evenly spaced, give the verdict."""
    from unetdiag.training.run.split import SUBJECTS_READ

    images, masks = write_views(tmp_path, 40, 5)
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    (finding,) = subject_views(findings)
    assert "the pictures agree: in " in finding.explanation
    assert finding.evidence["views_judged"] == SUBJECTS_READ * 5 < 40 * 5


def write_scans_in_rows(tmp_path, groups, stem: str) -> tuple[Path, Path]:
    """``count`` images under each ``prefix`` of ``groups``, named by ``stem`` (a format of
    ``prefix`` and ``number``), three scans of one patient in a row: neighbours alike,
    a new patient every third image."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    patient = 0
    for prefix, count in groups:
        number = 1
        while number <= count:
            patient += 1
            start = int(rng.integers(0, 18))
            for _ in range(min(3, count - number + 1)):
                image = ordered_view(patient, start, 24, rng)
                name = stem.format(prefix=prefix, number=number)
                Image.fromarray(image).save(images / f"{name}.png")
                Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                    masks / f"{name}_mask.png")
                number += 1
    return images, masks


def test_classes_named_in_words_whose_neighbours_are_alike_are_no_frame_sequences(tmp_path):
    """BUSI-like classes (``benign_1`` .., ``malignant_1`` .., ``normal_1`` ..) whose images
    come three of one patient in a row: neighbours are alike, so the thumbnails back an
    order, but the prefixes are classes, not sequences; the audit had said "19 of 19
    validation images are frames of sequences with frames in training (<sequence>_<frame>: 3
    sequences ...)" and "as frames of a video are" (84 % of comparisons won; session 31's
    review)."""
    images, masks = write_scans_in_rows(
        tmp_path, (("benign", 40), ("malignant", 30), ("normal", 25)), "{prefix}_{number}")
    assert not subject_views(audit_dataset(images, masks, workers=1).findings)


def test_camvid_sequences_in_folders_of_their_own_are_not_told_to_be_put_in_folders(tmp_path):
    """Four sequences, each in a folder of its own: too few for the trainer to hold whole
    folders out, so it splits by file; the fix had said "put each sequence's frames in a
    folder of its own (the trainer splits case folders whole when there are 5 or more)", done
    already and not enough (session 31's review)."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    rng = np.random.default_rng(4)
    for number, sequence in enumerate(("0001TP", "0006R0", "0016E5", "Seq05VD")):
        (images / sequence).mkdir(parents=True)
        (masks / sequence).mkdir(parents=True)
        for frame in range(12):
            image = ordered_view(number, frame, 24, rng)
            stem = f"{sequence}_{30 * frame:06d}"
            Image.fromarray(image).save(images / sequence / f"{stem}.png")
            Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                masks / sequence / f"{stem}_mask.png")
    (finding,) = subject_views(audit_dataset(images, masks, workers=1).findings)
    assert "put each sequence's frames in a folder" not in finding.fix
    assert "each sequence has a folder of its own already, but 4 are too few" in finding.fix
    assert "4 sequences, 12 frames each" in finding.title  # not "12 to 12"
    assert "`unetdiag evaluate`" in finding.fix


def test_sites_numbering_a_patients_scans_in_a_row_are_no_frame_sequences(tmp_path):
    """Two sites' ids (``H01_0001`` .., ``H02_0001`` ..) numbered by acquisition, three scans
    of one patient in a row: neighbours are alike (84 % of comparisons won), frames two apart
    are not (a new patient every third); the audit had said "21 of 21 validation images are
    frames of sequences with frames in training" and "as frames of a video are" (session
    31's review). A video's frames two apart still win."""
    images, masks = write_scans_in_rows(tmp_path, (("H01", 60), ("H02", 45)),
                                        "{prefix}_{number:04d}")
    assert not subject_views(audit_dataset(images, masks, workers=1).findings)
