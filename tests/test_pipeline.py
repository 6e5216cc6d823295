"""The streaming tf.data pipeline: binary masks, shared geometry, image-only photometrics,
split by file, lazy reading, cache reuse, and bad files named."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import Pair
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.pipeline import AugmentConfig, augment_batch, augment_pair, build_datasets

GEOMETRY_ONLY = AugmentConfig(horizontal_flip=True, rotate90=True, zoom_max=0.0,
                              brightness_max=0.0, contrast_range=(1.0, 1.0), noise_std=0.0)
PHOTOMETRY_ONLY = AugmentConfig(horizontal_flip=False, rotate90=False, zoom_max=0.0,
                                brightness_max=0.2, contrast_range=(0.8, 1.2), noise_std=0.05)
EVERYTHING = AugmentConfig(zoom_max=0.3, brightness_max=0.2, contrast_range=(0.8, 1.2),
                           noise_std=0.05)


def _write_pair(folder: Path, stem: str, image: np.ndarray, mask: np.ndarray) -> Pair:
    folder.mkdir(parents=True, exist_ok=True)
    image_path, mask_path = folder / f"{stem}.png", folder / f"{stem}_mask.png"
    Image.fromarray(image).save(image_path)
    Image.fromarray(mask).save(mask_path)
    return Pair(stem, image_path, mask_path)


def _asymmetric_pairs(folder: Path, count: int, size: int = 16, seed: int = 0) -> list[Pair]:
    """Gray images of two levels (51 and 204) whose mask is exactly ``image > 127``; random
    blobs, so no flip or rotation leaves an image unchanged."""
    rng = np.random.default_rng(seed)
    pairs = []
    for index in range(count):
        foreground = rng.random((size, size)) < 0.3
        foreground[0, :3] = True  # a corner mark: breaks any symmetry
        foreground[-1, -1] = False
        image = np.where(foreground, 204, 51).astype(np.uint8)
        pairs.append(_write_pair(folder, f"case_{index:03d}", image,
                                 (foreground * 255).astype(np.uint8)))
    return pairs


def _constant_pairs(folder: Path, levels: list[int], size=(21, 13)) -> list[Pair]:
    """One pair per level: the image is that gray level everywhere (identifies the file)."""
    rng = np.random.default_rng(1)
    return [_write_pair(folder, f"level_{level:03d}", np.full(size[::-1], level, np.uint8),
                        np.where(rng.random(size[::-1]) < 0.5, 255, 0).astype(np.uint8))
            for level in levels]


def _elements(dataset: tf.data.Dataset) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every (image, mask) of a batched dataset, unbatched."""
    return [(image, mask) for images, masks in dataset.as_numpy_iterator()
            for image, mask in zip(images, masks, strict=True)]


def _build(train, val, **overrides):
    options = dict(img_size=16, channels=1, batch_size=4, policy=MaskPolicy(), augment=False,
                   seed=3)
    options.update(overrides)
    return build_datasets(train, val, **options)


# --- shapes, dtypes and binary masks ------------------------------------------------------


def test_batches_are_float32_images_in_unit_range_and_binary_masks_after_resize(tmp_path):
    rng = np.random.default_rng(0)
    pairs = [_write_pair(tmp_path, f"p{i}", rng.integers(0, 256, (37, 50, 3), dtype=np.uint8),
                         np.where(rng.random((37, 50)) < 0.4, 255, 0).astype(np.uint8))
             for i in range(10)]
    datasets = _build(pairs[:7], pairs[7:], img_size=24, channels=3, augment=EVERYTHING)
    for dataset, expected in ((datasets.train, 7), (datasets.val, 3)):
        elements = _elements(dataset)
        assert len(elements) == expected
        for image, mask in elements:
            assert image.shape == (24, 24, 3) and image.dtype == np.float32
            assert mask.shape == (24, 24, 1) and mask.dtype == np.float32
            assert image.min() >= 0.0 and image.max() <= 1.0
            assert set(np.unique(mask)) <= {0.0, 1.0}


def test_masks_stay_binary_through_resize_and_zoom_over_many_epochs(tmp_path):
    """Bilinear resizing would create in-between values at every edge; nearest must not."""
    pairs = _asymmetric_pairs(tmp_path, 8, size=29)
    datasets = _build(pairs[:6], pairs[6:], img_size=20, augment=EVERYTHING)
    values = set()
    for _epoch in range(4):
        for _image, mask in _elements(datasets.train):
            values |= set(np.unique(mask).tolist())
    assert values == {0.0, 1.0}


def test_raw_mask_values_pass_unchanged_when_normalisation_is_off(tmp_path):
    """The 0/255 reproduction mode: the pipeline must not rescale or blur raw labels."""
    pairs = _asymmetric_pairs(tmp_path, 4, size=16)
    datasets = _build(pairs[:3], pairs[3:], augment=GEOMETRY_ONLY,
                      policy=MaskPolicy(normalise=False))
    values = set()
    for _image, mask in _elements(datasets.train):
        values |= set(np.unique(mask).tolist())
    assert values == {0.0, 255.0}


# --- augmentation --------------------------------------------------------------------------


def test_image_and_mask_receive_the_same_geometric_transform(tmp_path):
    pairs = _asymmetric_pairs(tmp_path, 6, size=16)
    plain = {mask.tobytes() for _image, mask in _elements(_build(pairs[:5], pairs[5:]).train)}
    datasets = _build(pairs[:5], pairs[5:], augment=GEOMETRY_ONLY)
    transformed = 0
    for _epoch in range(3):
        for image, mask in _elements(datasets.train):
            np.testing.assert_array_equal(image[..., 0] > 0.5, mask[..., 0] == 1.0)
            transformed += mask.tobytes() not in plain
    assert transformed > 0  # the augmentation did move pixels


def test_geometry_alone_keeps_every_pixel_value(tmp_path):
    """Flips and quarter turns permute pixels: the same values, in another place."""
    pairs = _asymmetric_pairs(tmp_path, 4, size=16)
    plain = sorted((np.sort(image.ravel()).tobytes(), int(mask.sum()))
                   for image, mask in _elements(_build(pairs[:3], pairs[3:]).train))
    augmented = sorted((np.sort(image.ravel()).tobytes(), int(mask.sum())) for image, mask in
                       _elements(_build(pairs[:3], pairs[3:], augment=GEOMETRY_ONLY).train))
    assert augmented == plain


def test_photometric_augmentation_changes_the_image_and_never_the_mask(tmp_path):
    pairs = _asymmetric_pairs(tmp_path, 3, size=16)
    datasets = _build(pairs[:2], pairs[2:])
    for index, (image, mask) in enumerate(datasets.train_decoded.as_numpy_iterator()):
        new_image, new_mask = augment_pair(image, mask, tf.constant([index, 7], tf.int64),
                                           PHOTOMETRY_ONLY)
        np.testing.assert_array_equal(new_mask.numpy(), mask)
        assert np.abs(new_image.numpy() - image).max() > 0.01
        assert new_image.numpy().min() >= 0.0 and new_image.numpy().max() <= 1.0


def test_photometric_clipping_never_hides_values_already_out_of_range():
    image = tf.constant(np.full((8, 8, 1), 3.0, np.float32))  # e.g. an unscaled float TIFF
    mask = tf.zeros((8, 8, 1))
    new_image, _ = augment_pair(image, mask, tf.constant([1, 2], tf.int64), PHOTOMETRY_ONLY)
    assert new_image.numpy().max() > 1.5


def test_brightness_and_noise_follow_the_images_range():
    """Images at 0.03 (as dark as 12-bit data in 16-bit files): unscaled, the shifts below
    -0.03 (35 % of them) clip a whole image to 0; on the data's scale none does."""
    images = tf.constant(np.full((64, 8, 8, 1), 0.03, np.float32))
    masks = tf.zeros((64, 8, 8, 1))
    brightness = AugmentConfig(horizontal_flip=False, rotate90=False,
                               contrast_range=(1.0, 1.0), noise_std=0.0)
    unscaled, _ = augment_batch(images, masks, tf.constant([3, 4], tf.int64), brightness)
    scaled, _ = augment_batch(images, masks, tf.constant([3, 4], tf.int64),
                              replace(brightness, intensity_scale=0.0625))
    assert (unscaled.numpy().max(axis=(1, 2, 3)) == 0).sum() >= 10  # about 22 of 64
    assert np.abs(scaled.numpy() - 0.03).max() <= 0.1 * 0.0625 + 1e-7
    assert np.abs(scaled.numpy() - 0.03).max() > 0.1 * 0.0625 * 0.5  # still augmented


def test_the_trainer_scales_photometry_to_narrow_images_only(tmp_path):
    pairs = _asymmetric_pairs(tmp_path, 3, size=16)
    brightness = AugmentConfig(horizontal_flip=False, rotate90=False,
                               contrast_range=(1.0, 1.0), noise_std=0.0)
    # one training pair: uncached, each iteration shuffles the files anew
    datasets = _build(pairs[:1], pairs[1:], augment=brightness)
    assert datasets.scale_photometric(0.9) == 1.0 and datasets.augment.intensity_scale == 1.0
    unscaled = [image for image, _mask in _elements(datasets.fresh_train())]
    scale = datasets.scale_photometric(4095 / 65535)
    assert scale == pytest.approx(0.0625, abs=1e-4)
    scaled = [image for image, _mask in _elements(datasets.train)]
    # the same draws d: unscaled x + d, scaled x + d * scale, so where neither is clipped
    # they differ by the constant d * (1 - scale) over each image
    differences = []
    for before, after in zip(unscaled, scaled, strict=True):
        inside = (before > 0) & (before < 1) & (after > 0) & (after < 1)
        difference = (before - after)[inside]
        assert np.ptp(difference) < 1e-5
        differences.append(float(np.abs(difference).max()))
    assert 0 < max(differences) <= 0.1 * (1 - scale) + 1e-5
    unaugmented = _build(pairs[:2], pairs[2:])
    assert unaugmented.scale_photometric(0.01) == 1.0 and unaugmented.augment is None


def test_augmentation_is_a_function_of_the_seed():
    rng = np.random.default_rng(4)
    image = tf.constant(rng.random((12, 12, 3)), tf.float32)
    mask = tf.constant((rng.random((12, 12, 1)) < 0.5).astype(np.float32))
    first = augment_pair(image, mask, tf.constant([5, 1], tf.int64), EVERYTHING)
    again = augment_pair(image, mask, tf.constant([5, 1], tf.int64), EVERYTHING)
    other = augment_pair(image, mask, tf.constant([6, 1], tf.int64), EVERYTHING)
    np.testing.assert_array_equal(first[0].numpy(), again[0].numpy())
    np.testing.assert_array_equal(first[1].numpy(), again[1].numpy())
    assert not np.array_equal(first[0].numpy(), other[0].numpy())


def _dihedral_images(image: np.ndarray) -> list[np.ndarray]:
    """The 8 symmetries of a square HxWxC array, by NumPy."""
    turns = [np.rot90(image, k, axes=(0, 1)) for k in range(4)]
    return turns + [turn[:, ::-1] for turn in turns]


def test_each_pair_of_a_batch_draws_its_own_symmetry_and_all_eight_occur():
    rng = np.random.default_rng(5)
    image = rng.random((9, 9, 2)).astype(np.float32)
    mask = (image[..., :1] > 0.5).astype(np.float32)
    symmetries = _dihedral_images(image)
    batch = 64
    images, masks = augment_batch(np.repeat(image[None], batch, 0),
                                  np.repeat(mask[None], batch, 0),
                                  tf.constant([3, 9], tf.int64), GEOMETRY_ONLY)
    drawn = []
    for new_image, new_mask in zip(images.numpy(), masks.numpy(), strict=True):
        matches = [k for k, symmetry in enumerate(symmetries)
                   if np.array_equal(new_image, symmetry)]
        assert len(matches) == 1  # exactly one symmetry of the square, never a blend
        np.testing.assert_array_equal(new_mask, _dihedral_images(mask)[matches[0]])
        drawn.append(matches[0])
    assert set(drawn) == set(range(8))  # 64 draws of 8 equally likely symmetries


def test_rotation_alone_never_mirrors_and_flip_alone_never_turns():
    rng = np.random.default_rng(6)
    image = rng.random((7, 7, 1)).astype(np.float32)
    symmetries = _dihedral_images(image)
    for config, allowed in ((AugmentConfig(horizontal_flip=False, brightness_max=0.0,
                                           contrast_range=(1.0, 1.0), noise_std=0.0),
                             {0, 1, 2, 3}),
                            (AugmentConfig(rotate90=False, brightness_max=0.0,
                                           contrast_range=(1.0, 1.0), noise_std=0.0),
                             {0, 4})):
        images, _masks = augment_batch(np.repeat(image[None], 48, 0), np.zeros((48, 7, 7, 1)),
                                       tf.constant([1, 1], tf.int64), config)
        drawn = {next(k for k, symmetry in enumerate(symmetries)
                      if np.array_equal(new_image, symmetry)) for new_image in images.numpy()}
        assert drawn == allowed


def test_noise_has_the_configured_standard_deviation_and_zero_mean():
    noise_only = AugmentConfig(horizontal_flip=False, rotate90=False, brightness_max=0.0,
                               contrast_range=(1.0, 1.0), noise_std=0.05)
    images, _masks = augment_batch(np.full((8, 32, 32, 3), 0.5, np.float32),
                                   np.zeros((8, 32, 32, 1), np.float32),
                                   tf.constant([2, 2], tf.int64), noise_only)
    deviation = images.numpy() - 0.5
    assert abs(deviation.std() - 0.05) < 0.002  # 24,576 draws: standard error ~0.0002
    assert abs(deviation.mean()) < 0.002


def test_same_seed_gives_the_same_epochs_and_epochs_differ(tmp_path):
    pairs = _asymmetric_pairs(tmp_path, 8, size=16)

    def two_epochs():
        datasets = _build(pairs[:6], pairs[6:], augment=EVERYTHING)
        return [np.concatenate([image.ravel() for image, _ in _elements(datasets.train)])
                for _epoch in range(2)]

    first, second = two_epochs(), two_epochs()
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])


def test_fresh_train_replays_the_same_epochs_after_the_shared_stream_moved_on(tmp_path):
    pairs = _asymmetric_pairs(tmp_path, 8, size=16)
    datasets = _build(pairs[:6], pairs[6:], augment=EVERYTHING, cache_dir=tmp_path / "cache")
    datasets.preflight()

    def epoch(dataset):
        return np.concatenate([image.ravel() for image, _ in _elements(dataset)])

    first_variant = datasets.fresh_train()
    first = [epoch(first_variant) for _ in range(2)]
    for _ in range(3):
        epoch(datasets.train)  # another consumer moves the shared stream on
    second_variant = datasets.fresh_train()
    second = [epoch(second_variant) for _ in range(2)]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], first[1])  # epochs still differ within a variant


# --- split by file, order, laziness, cache -------------------------------------------------


def test_each_side_yields_exactly_its_own_files(tmp_path):
    levels = [10 * k for k in range(1, 11)]
    pairs = _constant_pairs(tmp_path, levels)
    datasets = _build(pairs[:7], pairs[7:], augment=False)

    def levels_of(dataset):
        return sorted(int(round(float(image.mean()) * 255)) for image, _ in _elements(dataset))

    assert levels_of(datasets.train) == levels[:7]
    val_in_order = [int(round(float(image.mean()) * 255)) for image, _ in
                    _elements(datasets.val)]
    assert val_in_order == levels[7:]  # validation: file order, no shuffle


def test_pixels_are_read_while_iterating_not_when_the_dataset_is_built(tmp_path):
    """Built from paths: a file rewritten after building is seen by the next iteration."""
    pairs = _constant_pairs(tmp_path, [40, 80, 120])
    datasets = _build(pairs[:2], pairs[2:])
    Image.fromarray(np.full((13, 21), 200, np.uint8)).save(pairs[2].image)
    (image, _mask), = _elements(datasets.val)
    assert round(float(image.mean()) * 255) == 200


def test_cache_is_filled_by_preflight_and_reused_instead_of_rereading(tmp_path):
    pairs = _constant_pairs(tmp_path / "data", [40, 80, 120])
    datasets = _build(pairs[:2], pairs[2:], cache_dir=tmp_path / "cache")
    datasets.preflight()
    assert any((tmp_path / "cache").iterdir())
    Image.fromarray(np.full((13, 21), 200, np.uint8)).save(pairs[2].image)
    for _epoch in range(2):
        (image, _mask), = _elements(datasets.val)
        assert round(float(image.mean()) * 255) == 120  # the cached decode, not the new file
    assert len(_elements(datasets.train)) == 2


def test_tuple_unpacking_gives_train_then_validation(tmp_path):
    pairs = _constant_pairs(tmp_path, [40, 80, 120])
    train, val = _build(pairs[:2], pairs[2:])
    assert len(_elements(train)) == 2 and len(_elements(val)) == 1


def test_an_empty_side_is_refused(tmp_path):
    pairs = _constant_pairs(tmp_path, [40, 80])
    with pytest.raises(UserError, match="0 validation"):
        _build(pairs, [])


# --- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize("cached", [True, False])
def test_preflight_names_a_file_that_cannot_be_decoded(tmp_path, cached):
    pairs = _constant_pairs(tmp_path / "data", [40, 80, 120, 160])
    pairs[1].mask.write_bytes(b"<html>not a png</html>")
    datasets = _build(pairs[:3], pairs[3:], cache_dir=tmp_path / "cache" if cached else None)
    with pytest.raises(UserError) as caught:
        datasets.preflight()
    assert str(pairs[1].mask) in str(caught.value)
    assert caught.value.code == ExitCode.INPUT_ERROR


@pytest.mark.parametrize("cached", [True, False])
def test_preflight_names_the_first_bad_file_in_pairing_order_whatever_the_timing(tmp_path,
                                                                                 cached):
    """Seven bad masks, the first pair's among them (pairs given in reverse name order): the
    pass stopped at the first failing element of the shuffled training order, and the
    files decoded beside it may or may not have been recorded, so the error named the first
    of those recorded by name. Every failure is now recorded before the error is worded."""
    pairs = _constant_pairs(tmp_path / "data", list(range(10, 130, 10)))[::-1]
    bad = [pairs[0], *pairs[6:]]
    for pair in bad:
        pair.mask.write_bytes(b"<html>not a png</html>")
    datasets = _build(pairs[:10], pairs[10:],
                      cache_dir=tmp_path / "cache" if cached else None)
    with pytest.raises(UserError) as caught:
        datasets.preflight()
    assert str(caught.value).startswith(f"cannot decode {pairs[0].mask}: ")
    assert str(caught.value).endswith(f"({len(bad) - 1} more file(s) failed too)")


def test_a_bad_file_met_while_training_is_recorded_with_its_name(tmp_path):
    pairs = _constant_pairs(tmp_path, [40, 80, 120])
    pairs[0].image.write_bytes(b"")
    datasets = _build(pairs[:2], pairs[2:])
    with pytest.raises(tf.errors.OpError):
        _elements(datasets.train)
    assert str(pairs[0].image) in str(datasets.decode_log.as_user_error())


# --- ignored values: the pixel weight travels with the mask -------------------------------


def _trimap_pairs(folder: Path, count: int, size: int = 16) -> list[Pair]:
    """Trimap masks (1 object, 2 background, 3 border) whose images show the classes as grey
    levels 200, 40 and 120, so every transform can be checked against the image."""
    rng = np.random.default_rng(5)
    pairs = []
    for index in range(count):
        labels = np.full((size, size), 2, np.uint8)
        top, left = rng.integers(1, size // 2, size=2)
        labels[top:top + 6, left:left + 7] = 3
        labels[top + 1:top + 5, left + 1:left + 6] = 1
        image = np.choose(labels - 1, [200, 40, 120]).astype(np.uint8)
        pairs.append(_write_pair(folder, f"trimap_{index:03d}", image, labels))
    return pairs


def test_ignored_pixels_come_as_weights_aligned_with_mask_and_image(tmp_path):
    pairs = _trimap_pairs(tmp_path, 8)
    policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    datasets = _build(pairs[:4], pairs[4:], policy=policy, augment=GEOMETRY_ONLY)
    for images, masks, weights in datasets.train.take(3).as_numpy_iterator():
        assert weights.shape == masks.shape and set(np.unique(weights)) <= {0.0, 1.0}
        # the image tells each pixel's class after flips and turns: the weights follow it
        grey = np.rint(images[..., :1] * 255)
        assert np.array_equal(weights == 0.0, grey == 120)
        assert np.array_equal(masks == 1.0, grey == 200)
    zoomed = _build(pairs[:4], pairs[4:], policy=policy, augment=EVERYTHING)
    for _, masks, weights in zoomed.train.take(3).as_numpy_iterator():
        assert set(np.unique(weights)) <= {0.0, 1.0} and np.all(masks[weights == 0.0] == 0.0)
    images, masks, weights = next(datasets.val.as_numpy_iterator())
    stored = np.stack([np.asarray(Image.open(pair.mask)) for pair in pairs[4:]])
    assert np.array_equal(weights[..., 0] == 0.0, stored == 3)
    assert np.array_equal(masks[..., 0] == 1.0, stored == 1)
    # the decoded datasets carry the weights as train and val do; the probe stays
    # (image, mask), one mask channel
    image, mask, weight = next(datasets.val_decoded.as_numpy_iterator())
    assert mask.shape == weight.shape and mask.shape[-1] == 1
    assert next(datasets.probe.as_numpy_iterator())[1].shape[-1] == 1


def test_mask_counts_leave_ignored_pixels_out_as_the_metrics_do(tmp_path):
    # train's measured foreground fraction and baselines are those of the pixels scored:
    # counted as background, ignored pixels made an all-foreground model look like another
    from unetdiag.training.data_stats import stream_mask_counts

    pairs = _trimap_pairs(tmp_path, 8)
    policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    datasets = _build(pairs[:4], pairs[4:], policy=policy)
    counts = stream_mask_counts(datasets.val_decoded)
    stored = [np.asarray(Image.open(pair.mask)) for pair in pairs[4:]]
    assert counts.foreground == [float((labels == 1).sum()) for labels in stored]
    assert counts.pixels == [float((labels != 3).sum()) for labels in stored]


def test_a_mask_whose_every_pixel_is_ignored_is_left_out_of_the_counts(tmp_path):
    # remote-sensing tiles that are all nodata (255, ignored): train stopped with a
    # traceback ("counts must satisfy pixels > 0") when such a mask was counted
    from unetdiag.training.data_stats import stream_mask_counts

    pairs = _trimap_pairs(tmp_path, 8)
    Image.fromarray(np.full((16, 16), 3, np.uint8)).save(pairs[5].mask)
    policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    counts = stream_mask_counts(_build(pairs[:4], pairs[4:], policy=policy).val_decoded)
    assert counts.unscored == 1 and len(counts.pixels) == 3 and min(counts.pixels) > 0


def test_without_ignore_values_batches_stay_image_and_mask(tmp_path):
    pairs = _trimap_pairs(tmp_path, 6)
    datasets = _build(pairs[:3], pairs[3:], policy=MaskPolicy(foreground_values=(1,)))
    assert len(next(datasets.train.as_numpy_iterator())) == 2


# --- passes per epoch ---------------------------------------------------------------------


def test_a_small_training_set_is_passed_over_whole_until_an_epoch_holds_the_minimum_steps(
        tmp_path):
    """6 pairs in batches of 4 are 2 steps; at least 5 steps an epoch takes 3 passes (18
    elements, 5 batches), every pair exactly once a pass, each pass in a new order."""
    levels = [10, 50, 90, 130, 170, 210]
    pairs = _constant_pairs(tmp_path, levels + [250])
    datasets = _build(pairs[:6], pairs[6:], min_steps_per_epoch=5)
    assert datasets.passes_per_epoch == 3
    batches = list(datasets.train.as_numpy_iterator())
    assert len(batches) == 5
    seen = [round(float(image.mean()) * 255) for image, _mask in _elements(datasets.train)]
    passes = [seen[start:start + 6] for start in range(0, 18, 6)]
    assert all(sorted(one_pass) == levels for one_pass in passes)
    assert len({tuple(one_pass) for one_pass in passes}) > 1


def test_a_training_set_of_enough_batches_is_passed_over_once(tmp_path):
    pairs = _constant_pairs(tmp_path, [10, 50, 90, 130, 170])
    datasets = _build(pairs[:4], pairs[4:], batch_size=3, min_steps_per_epoch=2)
    assert datasets.passes_per_epoch == 1
    assert len(_elements(datasets.train)) == 4


def test_the_decoder_notes_label_maps_and_the_trainer_words_them(tmp_path):
    from unetdiag.training.data_stats import decoded_findings

    rows, columns = np.mgrid[:40, :40]
    pairs = []
    for index in range(4):
        numbered = np.zeros((40, 40), np.uint8)  # one number per object, all below 128
        for number, (y, x) in enumerate(((8, 8), (8, 30), (30, 8), (30, 30)), start=1):
            numbered[(rows - y) ** 2 + (columns - x) ** 2 <= 25] = number + 4 * index
        pairs.append(_write_pair(tmp_path, f"cells_{index}", numbered, numbered))
    pairs += _asymmetric_pairs(tmp_path / "plain", 2)  # 0/255 masks are no label maps
    datasets = _build(pairs[:4], pairs[4:])
    datasets.preflight()
    log = datasets.decode_log
    assert sorted(log.label_maps) == sorted(str(pair.mask) for pair in pairs[:4])
    assert log.label_maps[str(pairs[0].mask)] == [0, 1, 2, 3, 4]
    assert len(log.decoded_masks) == 6
    [finding] = decoded_findings(log, MaskPolicy())
    assert (finding.id, finding.severity.value) == ("mask.label_map", "warning")
    assert finding.title == ("4 of 6 masks are label maps holding 17 values, 0..16, read under "
                             "a threshold")
    assert "--mask-threshold 0" in finding.fix
    # read so that every labelled value is foreground, or by value: nothing to warn of
    for policy in (MaskPolicy(threshold=0), MaskPolicy(foreground_values=(1, 2, 3))):
        read = _build(pairs[:4], pairs[4:], policy=policy)
        read.preflight()
        assert read.decode_log.label_maps == {}, policy


def test_palette_label_masks_are_not_said_to_be_thresholded(tmp_path):
    from unetdiag.diag.synth.label_corruptions import voc_palette

    rows, columns = np.mgrid[:40, :40]
    pairs = []
    for index in range(3):
        indices = np.zeros((40, 40), np.uint8)
        indices[(rows - 20) ** 2 + (columns - 20) ** 2 <= 100] = 255  # the void band
        indices[(rows - 20) ** 2 + (columns - 20) ** 2 <= 64] = 15
        pair = _write_pair(tmp_path, f"voc_{index}", indices, indices)
        palette_mask = Image.fromarray(indices, "P")
        palette_mask.putpalette(voc_palette())
        palette_mask.save(pair.mask)
        pairs.append(pair)
    datasets = _build(pairs[:2], pairs[2:], policy=MaskPolicy(ignore_values=(255,)))
    datasets.preflight()
    assert datasets.decode_log.label_maps == {}



# --- 16 bits per colour channel ---------------------------------------------------------------


def _sixteen_bit_colour_pairs(folder: Path, mask_level: int) -> list[Pair]:
    """Pairs of 48-bit RGB images holding 12-bit data (0..4095) and 48-bit RGB masks whose
    object is ``mask_level`` (the third mask is empty)."""
    from unetdiag.diag.synth.image_corruptions import png16_bytes

    rows, columns = np.mgrid[:24, :24]
    pairs = []
    for index in range(4):
        pair = _write_pair(folder, f"deep_{index}", np.zeros((24, 24), np.uint8),
                           np.zeros((24, 24), np.uint8))
        image = np.full((24, 24, 3), 1000 * index + 95, np.uint16)
        if index != 1:  # the second image reads as one value (1095 // 256 = 4)
            image[rows < 12] = 4095
        disc = ((rows - 12) ** 2 + (columns - 12) ** 2 <= 25) & (index != 2)
        pair.image.write_bytes(png16_bytes(image))
        pair.mask.write_bytes(png16_bytes(np.repeat(
            (disc * mask_level).astype(np.uint16)[:, :, None], 3, axis=2)))
        pairs.append(pair)
    return pairs


@pytest.mark.parametrize("alpha", [False, True], ids=["rgb", "rgba"])
def test_masks_of_16_bits_per_colour_channel_that_all_read_as_one_value_are_refused(tmp_path,
                                                                                  alpha):
    from unetdiag.diag.synth.image_corruptions import png16_bytes

    pairs = _sixteen_bit_colour_pairs(tmp_path, mask_level=1)  # 0/1: every top byte is 0
    if alpha:  # an opaque alpha channel (read as 255) is no second value of the mask
        for pair in pairs:
            rows, columns = np.mgrid[:24, :24]
            disc = ((rows - 12) ** 2 + (columns - 12) ** 2 <= 25).astype(np.uint16)
            pair.mask.write_bytes(png16_bytes(np.dstack([disc, disc, disc,
                                                         np.full((24, 24), 65535, np.uint16)])))
    datasets = _build(pairs[:3], pairs[3:])
    with pytest.raises(UserError) as caught:
        datasets.preflight()
    message = str(caught.value)
    assert caught.value.code == ExitCode.INPUT_ERROR
    assert f"all 4 ({pairs[0].mask} and 3 more) store 16 bits per colour channel" in message
    assert "each reads as a single value (0)" in message


def test_one_16_bit_colour_mask_among_others_is_a_finding_not_a_refusal(tmp_path):
    from unetdiag.diag.synth.image_corruptions import png16_bytes
    from unetdiag.training.data_stats import decoded_findings

    pairs = _asymmetric_pairs(tmp_path, 4)
    pairs[0].mask.write_bytes(png16_bytes(np.ones((16, 16, 3), np.uint16)))  # reads as 0
    datasets = _build(pairs[:3], pairs[3:])
    datasets.preflight()
    [finding] = [f for f in decoded_findings(datasets.decode_log, MaskPolicy())
                 if f.id == "mask.sixteen_bit_colour"]
    assert finding.severity.value == "error" and finding.evidence["read_as_one_value"] == 1


def test_the_decoder_notes_16_bit_colour_files_and_the_trainer_words_them(tmp_path):
    from unetdiag.training.data_stats import decoded_findings

    pairs = _sixteen_bit_colour_pairs(tmp_path, mask_level=65535)
    datasets = _build(pairs[:3], pairs[3:])
    datasets.preflight()  # masks of 0/65535 read as 0/255: usable, and the empty one is empty
    log = datasets.decode_log
    assert log.top_byte_images[str(pairs[3].image)] == (16, 12.0, 15.0)  # 3095 // 256, 4095 // 256
    assert log.top_byte_masks[str(pairs[2].mask)] == (16, 1, 0.0)
    assert log.top_byte_masks[str(pairs[0].mask)] == (16, 2, 0.0)
    found = {f.id: f for f in decoded_findings(log, MaskPolicy())}
    images, masks = found["image.sixteen_bit_colour"], found["mask.sixteen_bit_colour"]
    assert (images.severity.value, masks.severity.value) == ("warning", "error")
    assert images.evidence["largest_read"] == 15.0 and images.evidence["read_as_one_value"] == 1
    assert masks.evidence["read_as_one_value"] == 1 and masks.evidence["single_values"] == [0.0]
    assert masks.files[0] == str(pairs[2].mask)
    assert "count it as read" in masks.explanation and "the audit" not in masks.explanation
    # 8-bit files are not noted
    plain = _asymmetric_pairs(tmp_path / "plain", 3)
    read = _build(plain[:2], plain[2:])
    read.preflight()
    assert read.decode_log.top_byte_images == {} and read.decode_log.top_byte_masks == {}


def test_file_names_that_are_not_utf8_are_split_decoded_and_written(tmp_path):
    import os

    from unetdiag.diag.data.split import split_pairs
    from unetdiag.fsutil import atomic_write_text

    folder = os.fsencode(tmp_path)
    pairs = []
    for index, level in enumerate((60, 120, 180, 240)):
        # Latin-1 bytes, as a zip made on Windows unpacks on Linux: 'lésion_0.png'
        image = os.fsdecode(os.path.join(folder, b"l\xe9sion_%d.png" % index))
        mask = os.fsdecode(os.path.join(folder, b"l\xe9sion_%d_mask.png" % index))
        Image.fromarray(np.full((8, 8), level, np.uint8)).save(image)
        Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(mask)
        pairs.append(Pair(Path(image).stem, Path(image), Path(mask)))
    train, val = split_pairs(pairs, val_fraction=0.25, seed=1)
    assert len(train) == 3 and len(val) == 1
    datasets = _build(train, val)
    datasets.preflight()
    assert len(_elements(datasets.val)) == 1
    written = atomic_write_text(tmp_path / "report.txt", f"{pairs[0].image}\n")
    assert "l\\udce9sion_0.png" in written.read_text(encoding="utf-8")


def test_the_decoder_notes_samples_pillow_leaves_out(tmp_path):
    from unetdiag.diag.synth.image_corruptions import tiff_bytes
    from unetdiag.training.data_stats import decoded_findings

    pairs = _asymmetric_pairs(tmp_path, 3)
    for pair in pairs[:2]:  # an RGB + near-infrared TIFF (4th sample 'unspecified'), as GDAL
        grey = np.asarray(Image.open(pair.image))
        pair.image.write_bytes(tiff_bytes(np.dstack([grey, grey, grey, grey]), extra_sample=0))
    datasets = _build(pairs[:2], pairs[2:])
    datasets.preflight()
    assert datasets.decode_log.dropped_samples == {str(p.image): (4, 3) for p in pairs[:2]}
    [dropped] = [f for f in decoded_findings(datasets.decode_log, MaskPolicy())
                 if f.id == "image.dropped_samples"]
    assert dropped.source == "data" and dropped.evidence["images"] == 2


def test_the_decoder_notes_empty_masks_whose_annotation_is_on_a_later_frame(tmp_path):
    from unetdiag.training.data_stats import decoded_findings

    pairs = _asymmetric_pairs(tmp_path, 3)
    for index, pair in enumerate(pairs[:2]):  # two frames: a blank first, the object second
        drawn = np.asarray(Image.open(pair.mask))
        frames = [Image.fromarray(np.zeros_like(drawn)), Image.fromarray(drawn)]
        gif = pair.mask.with_suffix(".gif")
        frames[0].save(gif, save_all=True, append_images=frames[1:])
        pairs[index] = Pair(pair.stem, pair.image, gif)
    datasets = _build(pairs[:2], pairs[2:])
    datasets.preflight()
    assert datasets.decode_log.blank_first_frames == {str(p.mask): (2, 2, 2) for p in pairs[:2]}
    [blank] = [f for f in decoded_findings(datasets.decode_log, MaskPolicy())
               if f.id == "file.blank_first_frame"]
    assert blank.severity.value == "warning" and blank.evidence["masks"] == 2
