"""The output layer's initial bias: the *_BCE variants start at the log-odds of the constant
prediction their cross-entropy is lowest at (docs/training-defaults.md), the *_Dice variants
at 0."""

from __future__ import annotations

import dataclasses
import json
import math

import keras
import numpy as np
import pytest
from helpers import tiny_train_config, train_quietly, write_mask_pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.config import VARIANTS, TrainConfig
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.training import trainer, variant
from unetdiag.training.data_stats import stream_mask_counts
from unetdiag.training.losses import build_loss
from unetdiag.training.model import build_unet
from unetdiag.training.pipeline import build_datasets
from unetdiag.training.variant import (
    PRIOR_PROBABILITY_BOUND,
    compile_variant,
    prior_output_bias,
)

BCE, DICE = VARIANTS["MP_Tr_BCE"], VARIANTS["StrConv_Ups_Dice"]
fractions = st.floats(0.01, 0.99)


def _sigmoid(logit: float) -> float:
    return 1.0 / (1.0 + math.exp(-logit))


def test_the_output_layer_starts_at_the_bias_given():
    model = build_unet(img_size=16, base_filters=2, depth=1, output_bias=-2.0)
    bias = model.get_layer("foreground_probability").bias.numpy()
    assert np.allclose(bias, -2.0)
    assert build_unet(img_size=16, base_filters=2, depth=1).get_layer(
        "foreground_probability").bias.numpy() == pytest.approx(0.0)


@settings(max_examples=40, deadline=None)
@given(fractions)
def test_plain_and_focal_cross_entropy_start_at_the_foreground_fraction(fraction):
    assert _sigmoid(prior_output_bias(BCE, TrainConfig(), fraction)) == pytest.approx(fraction)
    focal = TrainConfig(bce_loss="focal")
    assert _sigmoid(prior_output_bias(BCE, focal, fraction)) == pytest.approx(fraction)


@settings(max_examples=20, deadline=None)
@given(fractions, st.floats(0.1, 50.0))
def test_the_prior_is_where_the_variants_cross_entropy_of_a_constant_is_lowest(fraction, weight):
    """For plain and weighted cross-entropy the start is the constant prediction with the
    lowest loss on masks of that foreground fraction."""
    masks = np.zeros((1, 1, 1000, 1), np.float32)
    masks[..., : round(fraction * 1000), :] = 1.0
    fraction = float(masks.mean())
    for config in (TrainConfig(), TrainConfig(bce_loss="weighted", foreground_weight=weight)):
        loss = build_loss("bce", bce=config.bce_loss,
                          foreground_weight=config.foreground_weight or 1.0)
        start = prior_output_bias(BCE, config, fraction)

        def at(logit, loss=loss):
            return float(loss(masks, np.full(masks.shape, _sigmoid(logit), np.float32)))

        assert at(start) <= min(at(start - 0.05), at(start + 0.05)) + 1e-6


def test_the_balanced_weight_starts_at_zero_as_before():
    fraction = 0.2
    balanced = TrainConfig(bce_loss="weighted", foreground_weight=(1 - fraction) / fraction)
    assert prior_output_bias(BCE, balanced, fraction) == pytest.approx(0.0, abs=1e-12)


def test_dice_variants_and_unknown_fractions_start_at_zero():
    assert prior_output_bias(DICE, TrainConfig(), 0.087) == 0.0
    assert prior_output_bias(BCE, TrainConfig(), math.nan) == 0.0


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_a_split_of_one_class_starts_at_a_bounded_logit(fraction):
    bias = prior_output_bias(BCE, TrainConfig(), fraction)
    bound = math.log((1 - PRIOR_PROBABILITY_BOUND) / PRIOR_PROBABILITY_BOUND)
    assert abs(bias) == pytest.approx(bound)


def test_the_bias_comes_from_the_training_masks_not_the_validation_ones(tmp_path):
    """A quarter of every training mask is foreground, the validation mask is all foreground:
    the BCE variant's compiled model starts at a probability of 0.25 on a blank image."""
    side = 16
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for index in range(3):
        mask = np.zeros((side, side), np.uint8)
        mask[: side // 4 if index < 2 else side, :] = 255
        Image.fromarray(np.zeros((side, side), np.uint8)).save(tmp_path / "images" / f"{index}.png")
        Image.fromarray(mask).save(tmp_path / "masks" / f"{index}.png")
    pairs = discover_pairs(tmp_path / "images", tmp_path / "masks").pairs
    datasets = build_datasets(pairs[:2], pairs[2:], img_size=side, channels=1, batch_size=2,
                              policy=MaskPolicy(), augment=False, seed=0)
    config = dataclasses.replace(TrainConfig(), img_size=side, channels=1, base_filters=2,
                                 depth=1)
    bias = prior_output_bias(BCE, config,
                             stream_mask_counts(datasets.train_decoded).foreground_fraction)
    assert _sigmoid(bias) == pytest.approx(0.25)
    model = compile_variant(BCE, config, "float32", bias)
    weights = model.get_layer("foreground_probability").get_weights()
    model.get_layer("foreground_probability").set_weights([np.zeros_like(weights[0]),
                                                           weights[1]])
    blank = np.zeros((1, side, side, 1), np.float32)
    assert np.allclose(keras.ops.convert_to_numpy(model(blank)), 0.25, atol=1e-6)



@pytest.fixture(scope="module")
def three_variant_run(tmp_path_factory):
    """Two BCE variants and a Dice one, trained one epoch on masks whose foreground fraction
    depends on the split (2..11 of 32 rows), every decoded-mask count recorded: the run, the
    masks and the datasets counted."""
    side = 32
    masks = []
    for index in range(10):
        mask = np.zeros((side, side), np.uint8)
        mask[: 2 + index, :] = 255
        masks.append(mask)
    root = tmp_path_factory.mktemp("prior")
    images, mask_dir = write_mask_pairs(root / "data", masks)
    counted = []

    def counting(dataset):
        counted.append(dataset)
        return stream_mask_counts(dataset)

    config = tiny_train_config(images, root / "runs", masks=mask_dir, epochs=1,
                               variants=("MP_Tr_BCE", "StrConv_Tr_BCE", "MP_Tr_Dice"),
                               base_filters=2, diagnostics=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(trainer, "stream_mask_counts", counting)
        # the BCE variants counted the training masks themselves before (raising=False:
        # the name may be gone from the module)
        patch.setattr(variant, "stream_mask_counts", counting, raising=False)
        result = train_quietly(config)
    return result, masks, counted


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_a_run_counts_each_splits_masks_once_whatever_its_bce_variants(three_variant_run):
    _result, _masks, counted = three_variant_run
    assert len(counted) == 2  # the validation split, the training split; none per variant


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_the_summary_records_each_variants_starting_bias(three_variant_run):
    """The log-odds of the training masks' foreground fraction (measured here from the masks
    written) for a BCE variant, 0 for the Dice one."""
    result, masks, _counted = three_variant_run
    stems = json.loads((result.run_dir / "data.json").read_text())["train"]
    foreground = sum(int((masks[int(stem)] > 0).sum()) for stem in stems)
    fraction = foreground / sum(masks[int(stem)].size for stem in stems)
    assert result.report.meta["train_foreground_fraction"] == fraction
    rows = {row["variant"]: row for row in
            json.loads((result.run_dir / "summary.json").read_text())["variants"]}
    for name in ("MP_Tr_BCE", "StrConv_Tr_BCE"):
        assert rows[name]["initial_output_bias"] == pytest.approx(
            math.log(fraction / (1 - fraction)), rel=1e-12)
        assert result.variants[name].initial_output_bias == rows[name]["initial_output_bias"]
    assert rows["MP_Tr_Dice"]["initial_output_bias"] == 0.0


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_a_resumed_variant_records_the_bias_it_started_with(tmp_path):
    """--resume RUN --epochs 2 extended a 1-epoch MP_Tr_BCE from its checkpoint and its
    summary row said initial_output_bias null."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=10, size=32))
    first = train_quietly(tiny_train_config(tmp_path / "data", tmp_path / "runs", epochs=1,
                                            variants=("MP_Tr_BCE",), diagnostics=False))
    started = first.variants["MP_Tr_BCE"].initial_output_bias
    assert started is not None and started < 0
    resumed = train_quietly(TrainConfig(resume=first.run_dir, quiet=True),
                            resume_changes={"epochs": 2})
    assert resumed.variants["MP_Tr_BCE"].epochs_completed == 2
    [row] = json.loads((first.run_dir / "summary.json").read_text())["variants"]
    assert row["initial_output_bias"] == pytest.approx(started, rel=1e-12)


@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_a_resumed_variant_keeps_the_bias_recorded_though_the_masks_changed(tmp_path):
    """The masks were edited between the parts (same file names: the resume's split check
    passes): the resumed row recorded the prior of the edited masks, a bias the model never
    started at."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=10, size=32))
    first = train_quietly(tiny_train_config(tmp_path / "data", tmp_path / "runs", epochs=1,
                                            variants=("MP_Tr_BCE",), diagnostics=False))
    started = first.variants["MP_Tr_BCE"].initial_output_bias
    for mask in (tmp_path / "data").glob("*_mask.png"):
        stored = np.array(Image.open(mask))
        stored[:16] = stored.max()  # the top half foreground: a prior above 0.5
        Image.fromarray(stored).save(mask)
    train_quietly(TrainConfig(resume=first.run_dir, quiet=True), resume_changes={"epochs": 2})
    [row] = json.loads((first.run_dir / "summary.json").read_text())["variants"]
    assert row["epochs_completed"] == 2
    assert row["initial_output_bias"] == pytest.approx(started, rel=1e-12)
