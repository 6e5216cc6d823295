"""Frames of video sequences (CamVid's ``0001TP_006690`` .., every 30th frame) in train's
split. ``audit-data`` names a split by file that puts frames of one sequence on both sides
when the names and the pictures say they are a video's; ``train`` did not look (it read
thumbnails only for <subject>_<n> names) and ``--split-by-subject`` refused such names. Now
``train`` reports what the audit says, ``--split-by-subject`` keeps each sequence whole when
there are five or more, and data.json records the rule (``split_rule``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_subject_views import ordered_view, subject_views

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import UserError
from unetdiag.training.run.split import FRAMES_READ, data_record, discover_and_split


def write_sequences(root: Path, sequences: int, frames: int, *, in_order: bool = True
                    ) -> tuple[Path, Path]:
    """``sequences`` CamVid-like sequences of ``frames``, ``frames + 1`` .. frames (every
    30th frame; lengths differ, as CamVid's do), frames next to each other alike when
    ``in_order`` (independent pictures otherwise)."""
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(5)
    for number in range(sequences):
        for frame in range(frames + number):
            view = frame if in_order else int(rng.integers(0, 18))
            image = ordered_view(number, view, 24, rng)
            stem = f"{number + 1:04d}TP_{690 + 30 * frame:06d}"
            Image.fromarray(image).save(images / f"{stem}.png")
            Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                masks / f"{stem}_mask.png")
    return images, masks


def sequence(stem: str) -> str:
    return stem.split("_")[0]


def test_train_names_frames_of_sequences_split_by_file_as_the_audit_does(tmp_path):
    images, masks = write_sequences(tmp_path, 4, 12)
    config = TrainConfig(images=images, masks=masks)
    findings, train, val, rule = discover_and_split(config)
    (finding,) = subject_views(findings)
    assert finding.severity.value == "warning"
    assert "frames of sequences with frames in training" in finding.title
    assert "4 are too few" in finding.fix
    assert {sequence(p.stem) for p in train} & {sequence(p.stem) for p in val}
    assert data_record(config, train, val, rule)["split_rule"] == "file"


def test_independent_pictures_under_frame_names_are_not_named(tmp_path):
    images, masks = write_sequences(tmp_path, 4, 12, in_order=False)
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    assert not subject_views(findings)


def test_split_by_subject_keeps_each_sequence_whole_and_records_it(tmp_path):
    images, masks = write_sequences(tmp_path, 6, 10)
    config = TrainConfig(images=images, masks=masks, split_by_subject=True)
    findings, train, val, rule = discover_and_split(config)
    assert not {sequence(p.stem) for p in train} & {sequence(p.stem) for p in val}
    (finding,) = subject_views(findings)
    assert finding.severity.value == "info"
    assert "frames of 6 video sequences" in finding.title
    record = data_record(config, train, val, rule)
    assert (record["split_rule"], record["split_groups"]) == ("sequences", 6)


def test_split_by_subject_refuses_sequences_too_few_to_hold_out_whole(tmp_path):
    images, masks = write_sequences(tmp_path, 4, 12)
    with pytest.raises(UserError, match=r"frames of 4 video sequences .* too few to hold "
                       r"whole ones out \(the split needs 5\)"):
        discover_and_split(TrainConfig(images=images, masks=masks, split_by_subject=True))


def test_train_reads_a_few_frames_in_a_row_of_each_sequence(tmp_path):
    """A video's sequences run to thousands of frames: FRAMES_READ of each, in a row."""
    images, masks = write_sequences(tmp_path, 3, FRAMES_READ + 8)
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    (finding,) = subject_views(findings)
    assert finding.evidence["views_judged"] == 3 * FRAMES_READ < 3 * (FRAMES_READ + 9)


def test_the_fix_for_five_sequences_or_more_names_split_by_subject(tmp_path):
    """The audit's fix said only "put each sequence's frames in a folder of its own": the
    trainer's option now does it."""
    images, masks = write_sequences(tmp_path, 6, 10)
    findings, *_ = discover_and_split(TrainConfig(images=images, masks=masks))
    (finding,) = subject_views(findings)
    assert finding.severity.value == "warning"
    assert "`unetdiag train --split-by-subject` keeps each sequence on one side" in finding.fix


def test_the_finding_gives_validation_s_share_when_whole_sequences_set_it(tmp_path):
    """Five sequences of very different lengths: whole sequences set validation's share
    (7 of 112 images, 6 %, at a validation fraction of 0.2), and the finding gave the count and
    the fraction asked only, leaving the reader to find that they disagree."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(5)
    for number, frames in enumerate((40, 35, 30, 4, 3)):
        for frame in range(frames):
            image = ordered_view(number, frame, 24, rng)
            stem = f"{number + 1:04d}TP_{690 + 30 * frame:06d}"
            Image.fromarray(image).save(images / f"{stem}.png")
            Image.fromarray(np.where(image > 128, 255, 0).astype(np.uint8)).save(
                masks / f"{stem}_mask.png")
    config = TrainConfig(images=images, masks=masks, split_by_subject=True)
    findings, train, val, _ = discover_and_split(config)
    (finding,) = subject_views(findings)
    assert len(val) == 7
    assert ("validation holds 7 of 112 images (6%, against a validation fraction of 0.2"
            in finding.explanation)
    assert finding.evidence["validation_share"] == round(7 / 112, 4)
