"""train's data findings on decoded masks that are one region drawn again and again: DRIVE's
field-of-view discs (21_training_mask.gif) paired by the default suffix beside the vessel
masks (21_training_manual1.gif) trained silently (the headline blamed a train/val gap)."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from unetdiag.config import TrainConfig
from unetdiag.training.data_stats import data_findings, stream_mask_counts

SIDE = 32


def split(masks: list[np.ndarray]) -> tf.data.Dataset:
    images = np.zeros((len(masks), SIDE, SIDE, 3), np.float32)
    return tf.data.Dataset.from_tensor_slices(
        (images, np.stack(masks)[..., None].astype(np.float32)))


def fov_disc(rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[:SIDE, :SIDE]
    centre = SIDE / 2 + rng.uniform(-0.5, 0.5, 2)
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= (0.45 * SIDE) ** 2


def vessels(rng: np.random.Generator) -> np.ndarray:
    mask = np.zeros((SIDE, SIDE), bool)
    for _ in range(4):
        mask[rng.integers(SIDE), :] = True
        mask[:, rng.integers(SIDE)] = True
    return mask


def findings_of(make) -> dict:
    rng = np.random.default_rng(0)
    train = stream_mask_counts(split([make(rng) for _ in range(8)]))
    val = stream_mask_counts(split([make(rng) for _ in range(2)]))
    return {f.id: f for f in data_findings(TrainConfig(variants=("MP_Tr_BCE",)), train, val)}


def test_field_of_view_discs_as_training_masks_are_named():
    found = findings_of(fov_disc)
    region = found["mask.nearly_identical"]
    assert region.source == "data:train"
    assert region.evidence["masks"] == 8 and region.evidence["masks_read"] == 8
    assert "--mask-suffix _manual1" in region.fix


def test_masks_that_differ_from_image_to_image_are_no_region():
    assert "mask.nearly_identical" not in findings_of(vessels)


def test_the_train_headline_says_the_masks_are_one_region_before_any_series():
    from unetdiag.training.train_report import HeadlineContext, train_headline

    found = findings_of(fov_disc)
    headline = train_headline(list(found.values()), HeadlineContext(
        results={}, train_size=8, val_size=2, baselines={}, val_foreground_fraction=None))
    assert headline.startswith("Before training: 8 of 8 masks cover nearly the same region")
