"""The side train resizes to without --img-size (unetdiag.training.resize_kept): measured on the
training masks, 96 where they survive it, larger where thin structures do not."""

from __future__ import annotations

import json

import numpy as np
from helpers import tiny_train_config, train_quietly
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.cli.parser import build_parser
from unetdiag.config import TrainConfig
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import Pair
from unetdiag.training.resize_kept import (
    BASE_IMG_SIZE,
    CANDIDATE_SIZES,
    KEPT_DICE_TARGET,
    choose_img_size,
    kept_dice,
    measure_resize_kept,
    read_mask_sample,
)
from unetdiag.training.resize_kept_wording import CHOSEN_FINDING_ID as FINDING_ID
from unetdiag.training.resize_kept_wording import img_size_finding, resize_kept_findings


def _pairs(folder, masks) -> list[Pair]:
    """Image/mask files written for ``masks`` (0/1 arrays), grey images of the same size."""
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for index, mask in enumerate(masks):
        image, mask_file = folder / f"{index:02d}.png", folder / f"{index:02d}_mask.png"
        Image.fromarray((mask * 200 + 20).astype(np.uint8)).save(image)
        Image.fromarray((mask * 255).astype(np.uint8)).save(mask_file)
        pairs.append(Pair(f"{index:02d}", image, mask_file))
    return pairs


def _chosen(pairs):
    return choose_img_size(read_mask_sample(pairs, MaskPolicy()))


def _lines(side: int, width: int, spacing: int, offset: int = 0) -> np.ndarray:
    """Vertical lines ``width`` pixels wide every ``spacing`` pixels (vessels, membranes)."""
    mask = np.zeros((side, side), np.uint8)
    for start in range(offset, side, spacing):
        mask[:, start:start + width] = 1
    return mask


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.integers(1, 4), st.data())
def test_a_mask_made_of_blocks_of_the_downscale_factor_is_kept_whole(factor, blocks, data):
    side = blocks * 4
    coarse = np.array(data.draw(st.lists(st.integers(0, 1), min_size=side * side,
                                         max_size=side * side)), np.uint8).reshape(side, side)
    mask = np.kron(coarse, np.ones((factor, factor), np.uint8))
    if coarse.any():
        assert kept_dice(mask, side) == 1.0
    else:
        assert np.isnan(kept_dice(mask, side))


def test_lines_one_pixel_wide_are_mostly_lost_at_a_quarter_of_their_size():
    mask = _lines(384, 1, 8)
    assert kept_dice(mask, 96) < 0.5
    assert kept_dice(mask, 384) == 1.0


def test_images_no_larger_than_96_train_at_96_where_nothing_is_lost(tmp_path):
    choice = _chosen(_pairs(tmp_path, [_lines(96, 1, 8)] * 3))
    assert (choice.img_size, choice.reason, choice.kept_dice) == (BASE_IMG_SIZE,
                                                                  "small_images", {96: 1.0})
    assert img_size_finding(choice) is None


@settings(max_examples=30, deadline=None)
@given(height=st.integers(1, 96), width=st.integers(1, 96), seed=st.integers(0, 2 ** 16))
def test_a_mask_no_larger_than_96_is_kept_whole_at_96(height, width, seed):
    mask = np.random.default_rng(seed).random((height, width)) > 0.5
    assert np.isnan(kept_dice(mask, 96)) if not mask.any() else kept_dice(mask, 96) == 1.0


def test_a_long_side_shrunk_at_96_is_measured_and_warned(tmp_path):
    """64 x 400 px masks (median smaller side 64) train at 96 without --img-size, their long
    side shrunk four times: 1-px lines every 8 px keep Dice 0.24. They were not measured (no
    word); now the warning says it, and why the side is 96."""
    mask = np.zeros((64, 400), np.uint8)
    mask[:, ::8] = 1
    sample = read_mask_sample(_pairs(tmp_path, [mask] * 3), MaskPolicy())
    choice = choose_img_size(sample)
    assert (choice.img_size, choice.reason) == (96, "small_images")
    assert round(choice.kept_dice[96], 2) == 0.24
    [warning] = resize_kept_findings(measure_resize_kept(sample, 96, multiple=8, choice=choice))
    assert warning.title.startswith(
        "Resized to 96 px, the side taken without --img-size when the masks' median smaller "
        "side (64 px) is at most 96 px, the training masks keep only Dice 0.24")


def test_large_masks_of_blobs_stay_at_96(tmp_path):
    mask = np.zeros((384, 384), np.uint8)
    mask[40:200, 100:300] = 1
    choice = _chosen(_pairs(tmp_path, [mask] * 3))
    assert (choice.img_size, choice.reason, choice.mask_side) == (96, "kept", 384)
    assert choice.kept_dice[96] >= KEPT_DICE_TARGET


def test_thin_structures_choose_the_smallest_side_that_keeps_them(tmp_path):
    masks = [_lines(384, 2, 12, offset) for offset in range(3)]
    choice = _chosen(_pairs(tmp_path, masks))
    assert choice.img_size > BASE_IMG_SIZE and choice.reason == "kept"
    assert choice.kept_dice[choice.img_size] >= KEPT_DICE_TARGET
    assert all(dice < KEPT_DICE_TARGET for side, dice in choice.kept_dice.items()
               if side < choice.img_size)
    finding = img_size_finding(choice)
    assert finding.id == FINDING_ID and finding.severity.value == "info"
    assert f"resized to {choice.img_size} px, not 96" in finding.title
    # --img-size takes sides below 96 too (32 in every tiny test): 96 is the smallest tried
    assert "--img-size 96 trains at the smallest side this choice tries" in finding.fix


def test_structures_lost_at_every_side_take_the_largest(tmp_path):
    choice = _chosen(_pairs(tmp_path, [_lines(576, 1, 6, offset) for offset in range(3)]))
    assert (choice.img_size, choice.reason) == (max(CANDIDATE_SIZES), "largest")
    assert "the largest side chosen" in img_size_finding(choice).title


def test_the_side_is_not_chosen_larger_than_the_masks(tmp_path):
    choice = _chosen(_pairs(tmp_path, [_lines(140, 1, 7)] * 2))
    assert set(choice.kept_dice) <= {96, 128} and choice.img_size in (96, 128)


def test_unreadable_masks_are_left_to_the_pipeline(tmp_path):
    pairs = _pairs(tmp_path, [np.ones((200, 200), np.uint8)])
    broken = tmp_path / "broken_mask.png"
    broken.write_bytes(b"not a png")
    choice = _chosen(pairs + [Pair("broken", pairs[0].image, broken)])
    assert choice.img_size == 96 and choice.masks_measured == 1


def test_the_default_is_chosen_and_an_explicit_side_is_kept():
    assert TrainConfig().img_size is None
    parser = build_parser()
    assert parser.parse_args(["train"]).img_size is None
    assert parser.parse_args(["train", "--img-size", "64"]).img_size == 64


def test_train_without_img_size_trains_and_records_the_chosen_side(tmp_path):
    images = tmp_path / "data"
    _pairs(images, [_lines(384, 2, 12, offset % 3) for offset in range(6)])
    config = tiny_train_config(images, tmp_path / "runs", img_size=None, epochs=1,
                               variants=("MP_Tr_BCE",))
    result = train_quietly(config)
    run_dir = tmp_path / "runs" / "r"
    chosen = json.loads((run_dir / "config.json").read_text())["img_size"]
    assert chosen > BASE_IMG_SIZE
    assert result.report.meta["img_size"] == chosen
    assert result.report.meta["img_size_choice"]["img_size"] == chosen
    assert [f.evidence["img_size"] for f in result.report.findings
            if f.id == FINDING_ID] == [chosen]


def test_large_masks_none_of_which_sampled_holds_foreground_are_not_called_small(tmp_path):
    """512 px masks, every sampled one empty (a set of sparse positives): the choice was
    recorded as 'small_images' (masks no larger than 96 px) and train took 96 px without a
    word; now 'no_foreground', and an info finding says nothing was measured."""
    choice = _chosen(_pairs(tmp_path, [np.zeros((512, 512), np.uint8)] * 3))
    assert (choice.img_size, choice.reason, choice.mask_side) == (96, "no_foreground", 512)
    finding = img_size_finding(choice)
    assert finding.title == ("Images and masks resized to 96 px without a measure: none of the "
                             "training masks sampled (at most 32) holds foreground")
    small = _chosen(_pairs(tmp_path / "small", [np.zeros((64, 64), np.uint8)] * 3))
    assert small.reason == "no_foreground" and img_size_finding(small) is None
