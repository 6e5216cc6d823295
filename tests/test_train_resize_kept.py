"""train says when the resize to --img-size loses most of the masks' foreground (thin
structures: 1-2 px vessels in large images, DRIVE-like), with the --img-size that keeps it,
and says nothing when the loss is small; by the one measure (kept Dice) the side chosen
without --img-size is judged by, so the two agree. Before, a 2048 px vessel set trained at
the default --img-size without a word: the foreground's share of the pixels, the only figure
reported, is about the same after a nearest-neighbour resize."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import tiny_train_config, train_quietly
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.training.resize_kept import (
    MaskSample,
    kept_dice,
    measure_resize_kept,
    nearest_sources,
    read_mask_sample,
)
from unetdiag.training.resize_kept_wording import FINDING_ID, resize_kept_findings


@settings(max_examples=60, deadline=None)
@given(stored=st.integers(1, 300), size=st.integers(1, 300))
def test_the_rows_read_are_those_tensorflows_nearest_resize_reads(stored, size):
    import tensorflow as tf

    ramp = np.arange(stored, dtype=np.float32).reshape(stored, 1, 1)
    resized = tf.image.resize(ramp, [size, 1], method="nearest").numpy()[:, 0, 0]
    assert resized.astype(np.int64).tolist() == nearest_sources(stored, size).tolist()


def test_a_wide_object_is_kept_and_a_thin_line_mostly_lost():
    block = np.zeros((256, 256), bool)
    block[64:192, 64:192] = True
    assert kept_dice(block, 32) > 0.95
    lines = np.zeros((256, 256), bool)
    lines[:, 3::16] = True  # 1-px columns, step 8: one in eight kept at most
    assert kept_dice(lines, 32) <= 1 / 8
    lines = np.zeros((256, 256), bool)
    lines[:, ::5] = True  # every 5 px, the step 8: one in five resized columns falls on one
    measured = measure_resize_kept(MaskSample(((lines, None),), 1, 256), 32)
    assert measured.kept_dice <= 0.4
    # the share of foreground barely moves: it is no measure of the loss
    assert measured.resized_fraction == pytest.approx(lines.mean(), abs=0.07)


def _vessels(root, n_pairs=8, side=256, width=1, seed=0):
    """``n_pairs`` pairs of ``side`` px whose masks hold random 1-px polylines."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for index in range(n_pairs):
        mask = Image.new("L", (side, side), 0)
        draw = ImageDraw.Draw(mask)
        for _ in range(6):
            x, y = rng.uniform(side / 8, 7 * side / 8, 2)
            angle = rng.uniform(0, 2 * np.pi)
            points = [(x, y)]
            for _ in range(20):
                angle += rng.normal(0, 0.3)
                x, y = x + side / 40 * np.cos(angle), y + side / 40 * np.sin(angle)
                points.append((x, y))
            draw.line(points, fill=255, width=width)
        image = rng.integers(0, 60, (side, side)) + (np.asarray(mask) > 0) * 150
        Image.fromarray(image.astype(np.uint8)).save(root / "images" / f"v{index}.png")
        mask.save(root / "masks" / f"v{index}.png")


def _measured(root, img_size):
    pairs = discover_pairs(root / "images", masks_dir=root / "masks").pairs
    return measure_resize_kept(read_mask_sample(pairs, MaskPolicy()), img_size, multiple=4)


def test_thin_lines_shrunk_eight_times_are_told_with_the_size_that_keeps_them(tmp_path):
    _vessels(tmp_path)
    measured = _measured(tmp_path, 32)
    assert measured.kept_dice < 0.3 and measured.masks == 8
    assert measured.proposed == 256 and measured.kept_at[256] == 1.0
    [finding] = resize_kept_findings(measured)
    assert finding.id == FINDING_ID and finding.severity.value == "warning"
    assert finding.title.startswith(
        f"Resized to 32 px, the training masks keep only Dice {measured.kept_dice:.2f} of "
        "themselves")
    assert "--img-size 256" in finding.fix
    assert finding.evidence["kept_dice"] == measured.kept_dice


def test_wide_objects_and_sizes_that_keep_the_lines_say_nothing(tmp_path):
    _vessels(tmp_path / "thin")
    assert resize_kept_findings(_measured(tmp_path / "thin", 256)) == []  # not shrunk
    _vessels(tmp_path / "wide", width=24)
    wide = _measured(tmp_path / "wide", 64)
    assert wide.kept_dice > 0.9 and resize_kept_findings(wide) == []


def test_train_reports_the_loss_before_training(tmp_path):
    _vessels(tmp_path / "data")
    config = tiny_train_config(tmp_path / "data" / "images", tmp_path / "runs",
                               masks=tmp_path / "data" / "masks", epochs=1,
                               variants=("MP_Tr_BCE",))
    result = train_quietly(config)
    [finding] = [f for f in result.report.findings if f.id == FINDING_ID]
    assert finding.source == "data:train" and finding.evidence["img_size"] == 32
    assert finding.evidence["proposed_img_size"] == 256
    assert f"Before training: {finding.title} (data:train)" in result.report.headline


def _lines_set(root, width, spacing, side=384):
    """Three masks of vertical lines ``width`` px wide every ``spacing`` px (with images)."""
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir()
    for offset in range(3):
        mask = np.zeros((side, side), np.uint8)
        for start in range(offset, side, spacing):
            mask[:, start:start + width] = 255
        Image.fromarray(mask // 2 + 20).save(root / "images" / f"l{offset}.png")
        Image.fromarray(mask).save(root / "masks" / f"l{offset}.png")


@pytest.mark.parametrize(("width", "spacing"), [(1, 7), (2, 12), (3, 8)])
def test_the_chosen_side_and_the_warning_judge_the_resize_by_one_figure(tmp_path, width,
                                                                        spacing):
    """Without --img-size, a side the rule chose (kept Dice reached) is never warned of; a side
    taken as the largest candidate is, with the same kept figure and the cap said."""
    _lines_set(tmp_path / "data", width, spacing)
    config = tiny_train_config(tmp_path / "data" / "images", tmp_path / "runs",
                               masks=tmp_path / "data" / "masks", img_size=None, epochs=1,
                               variants=("MP_Tr_BCE",))
    result = train_quietly(config)
    choice = result.report.meta["img_size_choice"]
    chosen_kept = choice["kept_dice"][str(choice["img_size"])]
    warnings = [f for f in result.report.findings if f.id == FINDING_ID]
    if choice["reason"] == "kept":
        assert warnings == []
    else:
        [warning] = warnings
        assert warning.evidence["img_size"] == choice["img_size"]
        assert round(warning.evidence["kept_dice"], 4) == chosen_kept
        assert "without --img-size is capped" in warning.title


def test_a_resumed_run_keeps_the_cap_said_of_the_side_chosen_without_img_size(tmp_path):
    """config.json records the side chosen (192, the largest tried): a resume trains at it
    as an --img-size, and was told 'Resized to 192 px, the training masks keep only ...'
    without the cap a fresh run states; the resumed run reads the choice its first part
    recorded and words the warning as that part did."""
    from unetdiag.config import TrainConfig

    _lines_set(tmp_path / "data", 1, 7)
    first = train_quietly(tiny_train_config(
        tmp_path / "data" / "images", tmp_path / "runs", masks=tmp_path / "data" / "masks",
        img_size=None, epochs=1, variants=("MP_Tr_BCE",)))
    assert first.report.meta["img_size_choice"]["reason"] == "largest"
    [fresh] = [f for f in first.report.findings if f.id == FINDING_ID]
    resumed = train_quietly(TrainConfig(resume=first.run_dir, quiet=True),
                            resume_changes={"epochs": 2})
    [warning] = [f for f in resumed.report.findings if f.id == FINDING_ID]
    assert warning.title == fresh.title and "without --img-size is capped" in warning.title
    assert warning.evidence["chosen_without_img_size"] is True
    assert resumed.report.meta["img_size_choice"] == first.report.meta["img_size_choice"]


def test_a_run_recorded_before_data_json_held_the_choice_resumes_with_its_report_s(tmp_path):
    """A run whose data.json has no img_size_choice key (made before it was recorded) chose
    its side without --img-size all the same, and its report.json's meta says so: its resume
    read nothing, took the side as given (no resize.img_size_chosen, meta.img_size_choice
    null, chosen_without_img_size false). A null key is a side given, whatever else says."""
    import json

    from unetdiag.training.run.resume import recorded_size_choice

    choice = {"img_size": 192, "reason": "largest", "mask_side": 256,
              "kept_dice": {"96": 0.3, "192": 0.5}, "masks_measured": 5, "target": 0.75}
    (tmp_path / "report.json").write_text(json.dumps({"meta": {"img_size_choice": choice}}))
    (tmp_path / "data.json").write_text(json.dumps({"train": ["a"], "val": ["b"]}))
    assert recorded_size_choice(tmp_path, 192) == choice
    assert recorded_size_choice(tmp_path, 96) is None  # another side: not that choice
    (tmp_path / "data.json").write_text(json.dumps({"train": ["a"], "img_size_choice": None}))
    assert recorded_size_choice(tmp_path, 192) is None
