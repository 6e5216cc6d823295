"""Streaming tf.data pipeline: image/mask file pairs in, augmented float32 batches out.

The dataset is built from file *paths*; pixels are read only while it is iterated, so memory
does not grow with the number of pairs. Per element, in this order::

    (image path, mask path)          global shuffle of paths (fixed order when cached)
      -> decode, in parallel         Pillow through tf.numpy_function (palette, 16-bit, float
                                     and GIF masks need Pillow); masks through MaskPolicy
      -> resize                      image: bilinear with antialiasing; mask: nearest only,
                                     so a mask keeps exactly its decoded values ({0, 1})
      -> cache(file)                 optional: decoded, resized tensors in a file cache, so
                                     later epochs and later variants skip decoding
      -> shuffle(bounded buffer)     only when cached (the cached order is fixed)
      -> batch
      -> augment                     geometric on image and mask together, photometric on the
                                     image only; whole-batch stateless ops, drawn per pair
      -> prefetch

Ignored pixels (a policy with ``ignore_values``): the mask travels with a second channel, the
pixel weight (0 on ignored pixels, 1 elsewhere), through resizing, caching and augmentation,
so both receive exactly the same nearest-neighbour resampling, flips, turns and crops. The
batches given to ``fit`` are then ``(images, masks, weights)``, and Keras hands the weights to
every loss and metric as ``sample_weight`` (:mod:`unetdiag.training.losses` keeps weighted
pixels only). Without ignore values nothing changes: batches are ``(images, masks)``. The
decoded datasets (``train_decoded``, ``val_decoded``) carry the weights as well, so the
counts taken from them leave ignored pixels out as the metrics do; the probe is
``(image, mask)`` either way, ignored pixels reading as background there.

Each pair is read by :func:`~unetdiag.training.decoder.decode_pair`, the decoder ``evaluate``
uses too. A file that cannot be decoded makes iteration fail; the
:class:`~unetdiag.training.decoder.DecodeLog` remembers which file and why, and
:meth:`StreamingDatasets.preflight` turns that into a :class:`UserError` naming the file. With
a cache, ``preflight()`` is the pass that fills the cache, so checking every file before
training costs nothing extra; the trainer calls it before the first variant.

Example (``pairs`` from :func:`unetdiag.diag.data.pairing.discover_pairs`)::

    train_ds, val_ds = build_datasets(train_pairs, val_pairs, img_size=64, channels=3,
                                      batch_size=16, policy=MaskPolicy(), augment=True, seed=42)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import tensorflow as tf

from unetdiag.diag.data.intensity import (
    DEFAULT_BRIGHTNESS_MAX,
    DEFAULT_NOISE_STD,
    photometric_scale,
)
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import Pair
from unetdiag.exitcodes import UserError
from unetdiag.training.decoder import DecodeLog, decode_pair

#: Elements held by the post-cache shuffle buffer: bounds memory whatever the dataset size.
SHUFFLE_BUFFER_ELEMENTS = 256


@dataclass(frozen=True)
class AugmentConfig:
    """Random augmentation applied to training pairs.

    Geometric transforms (``horizontal_flip``, ``rotate90``, ``zoom_max``) move image and mask
    together; photometric ones (brightness, contrast, noise) change the image only.

    Attributes:
        horizontal_flip: flip left-right with probability 1/2. With ``rotate90`` this covers all
            eight symmetries of the square.
        rotate90: rotate by a uniformly drawn multiple of 90 degrees.
        zoom_max: crop a random square of side ``1 - u`` (``u`` uniform in ``[0, zoom_max]``,
            relative to the image) and resize it back: bilinear for the image, nearest for the
            mask. 0 turns zoom off (then geometric transforms are exact permutations of pixels).
        brightness_max: add a uniform delta in ``[-brightness_max, brightness_max]``.
        contrast_range: scale deviations from the image mean by a uniform factor in this range.
        noise_std: standard deviation of added zero-mean noise, drawn uniformly per pixel.
        intensity_scale: the unit of ``brightness_max`` and ``noise_std``: 1 (the nominal
            range) unless the images use a small part of it
            (:func:`~unetdiag.diag.data.intensity.photometric_scale`).
    """

    horizontal_flip: bool = True
    rotate90: bool = True
    zoom_max: float = 0.0
    brightness_max: float = DEFAULT_BRIGHTNESS_MAX
    contrast_range: tuple[float, float] = (0.9, 1.1)
    noise_std: float = DEFAULT_NOISE_STD
    intensity_scale: float = 1.0


DEFAULT_AUGMENT = AugmentConfig()
#: Independent stateless seeds drawn per element (one per random decision).
_SEEDS_PER_ELEMENT = 7


@dataclass
class StreamingDatasets:
    """The train and validation datasets of one run, built once and shared by all variants.

    Unpacks as ``train_ds, val_ds = build_datasets(...)``.

    Attributes:
        train: shuffled, augmented batches of ``(image NxHxWxC, mask NxHxWx1)``, float32, and
            a third element, the pixel weights ``NxHxWx1`` (0 on ignored pixels), when the
            mask policy ignores values.
            Its shuffle and augmentation streams go on from one iteration to the next; use
            :meth:`fresh_train` to start them again.
        val: batches in file order, not augmented (with weights as ``train``).
        train_decoded, val_decoded: the decode (+ cache) stage alone, one element per pair
            (with its weights as ``train``).
        probe: the first validation batch, decoded without the cache (so taking it never
            leaves a cache half written), for callbacks that watch a fixed batch.
        decode_log: files that failed to decode so far, and pairs whose sizes differ.
        train_size, val_size: number of pairs on each side.
        passes_per_epoch: passes over the training pairs that make one epoch of ``train``.
    """

    train: tf.data.Dataset
    val: tf.data.Dataset
    train_decoded: tf.data.Dataset
    val_decoded: tf.data.Dataset
    probe: tf.data.Dataset
    decode_log: DecodeLog
    train_size: int
    val_size: int
    passes_per_epoch: int
    augment: AugmentConfig | None
    _build_train: Callable[[AugmentConfig | None], tf.data.Dataset] = field(repr=False)
    #: every pair's files, training pairs then validation pairs, image then mask, each side
    #: in the order it was given: the order a decode error names the first bad file in
    pair_files: tuple[str, ...] = ()
    #: a pass over every pair that records each file that fails to decode (uncached)
    _every_failure: Callable[[], DecodeLog] | None = field(default=None, repr=False)

    def scale_photometric(self, image_max: float) -> float:
        """Put brightness and noise on the scale of training images whose largest value is
        ``image_max`` (:func:`~unetdiag.diag.data.intensity.photometric_scale`); return the
        scale."""
        if self.augment is None:
            return 1.0
        scale = photometric_scale(image_max)
        if scale != self.augment.intensity_scale:
            self.augment = replace(self.augment, intensity_scale=scale)
            self.train = self.fresh_train()
        return scale

    def fresh_train(self) -> tf.data.Dataset:
        """The training batches again, their shuffle and augmentation drawn from the start.

        Built on the same decoded (and cached) elements, so nothing is read again. Each
        variant of a run trains on one of these: every variant sees the same batches in the
        same order, whichever variants train before it, so variants are compared on the same
        data and ``--variants X`` alone trains X exactly as the full run does.
        """
        return self._build_train(self.augment)

    def __iter__(self) -> Iterator[tf.data.Dataset]:
        return iter((self.train, self.val))

    def preflight(self) -> None:
        """Decode every file once (filling the cache, if any); raise UserError naming a bad file.

        Runs in the tf.data runtime (``Dataset.reduce``), in parallel, holding one element at a
        time beyond the map's own buffer. The pass stops at the first element that fails, when
        the files decoded beside it may or may not have finished: only then is every pair
        decoded again, uncached, past each failure, so that the error names the first bad
        file in :attr:`pair_files` whatever the threads' timing (a healthy run decodes once).
        """
        for dataset in (self.train_decoded, self.val_decoded):
            try:
                _count(dataset)
            except tf.errors.OpError:
                if self.decode_log.failures:
                    every = self._every_failure() if self._every_failure else self.decode_log
                    raise (every if every.failures else self.decode_log).as_user_error(
                        self.pair_files) from None
                raise
        refusal = self.decode_log.unreadable_masks()
        if refusal is not None:
            raise refusal


def _count(dataset: tf.data.Dataset) -> None:
    """Iterate ``dataset`` once in the tf.data runtime."""
    dataset.reduce(np.int64(0), lambda count, _element: count + 1)


def _decode_file_pair(image_path: bytes, mask_path: bytes, *, channels: int,
                      policy: MaskPolicy, decode_log: DecodeLog
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Read one pair (called by tf.numpy_function, hence the bytes paths): the image and the
    mask, with the pixel weight as a second channel when the policy ignores values."""
    image, mask, ignored = decode_pair(os.fsdecode(image_path), os.fsdecode(mask_path),
                                       channels=channels, policy=policy, decode_log=decode_log)
    planes = [mask.astype(np.float32)]
    if policy.ignore_values:
        # the pixel weight rides along as a second channel (see the module docstring)
        planes.append((~ignored).astype(np.float32) if ignored is not None
                      else np.ones(mask.shape, np.float32))
    return image.astype(np.float32, copy=False), np.stack(planes, axis=-1)


def _decode_and_resize(image_path, mask_path, *, img_size: int, channels: int,
                       policy: MaskPolicy, decode_log: DecodeLog):
    def decode(image_bytes, mask_bytes):
        return _decode_file_pair(image_bytes, mask_bytes, channels=channels, policy=policy,
                                 decode_log=decode_log)

    image, mask = tf.numpy_function(decode, [image_path, mask_path], [tf.float32, tf.float32],
                                    stateful=False)
    image.set_shape([None, None, channels])
    mask.set_shape([None, None, _mask_channels(policy)])
    image = tf.image.resize(image, [img_size, img_size], method="bilinear", antialias=True)
    mask = tf.image.resize(mask, [img_size, img_size], method="nearest")
    return image, mask


def _mask_channels(policy: MaskPolicy) -> int:
    """1 (the mask), or 2 when the pixel weight rides along."""
    return 2 if policy.ignore_values else 1


def _mask_only(image: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """``(image, mask)`` without the weight channel."""
    return image, mask[..., :1]


def _with_weights(images: tf.Tensor, masks: tf.Tensor
                  ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """``(images, masks, weights)`` from masks that carry the weight as a second channel."""
    return images, masks[..., :1], masks[..., 1:]


def augment_pair(image: tf.Tensor, mask: tf.Tensor, seed: tf.Tensor,
                 config: AugmentConfig = DEFAULT_AUGMENT) -> tuple[tf.Tensor, tf.Tensor]:
    """Augment one square ``image`` (HxWxC) and its ``mask`` (HxWx1) with a shape-[2] ``seed``.

    The single-pair case of :func:`augment_batch` (a batch of one).
    """
    images, masks = augment_batch(image[None], mask[None], seed, config)
    return images[0], masks[0]


def augment_batch(images: tf.Tensor, masks: tf.Tensor, seed: tf.Tensor,
                  config: AugmentConfig = DEFAULT_AUGMENT) -> tuple[tf.Tensor, tf.Tensor]:
    """Augment a batch of square ``images`` (NxHxWxC) and ``masks`` (NxHxWx1), each pair drawn
    independently, with one shape-[2] ``seed`` for the whole batch.

    The same seed gives the same result. Every random decision is drawn per pair as a vector,
    so the batch is transformed by a few whole-batch ops instead of one small graph per pair;
    input-pipeline CPU is CPU a 2-core machine takes from training (docs/benchmarks.md).
    Geometric transforms reorder the pixels of image and mask by the same drawn order, so both
    receive exactly the same flip and rotation.

    Example::

        images, masks = augment_batch(tf.random.uniform([4, 32, 32, 3]),
                                      tf.zeros([4, 32, 32, 1]), tf.constant([1, 2], tf.int64))
    """
    images, masks = tf.convert_to_tensor(images), tf.convert_to_tensor(masks)
    seeds = tf.random.experimental.stateless_split(seed, num=_SEEDS_PER_ELEMENT)
    per_pair = tf.stack([tf.shape(images)[0], 1, 1, 1])
    # Photometric changes stay inside [0, 1] but never hide values already outside it.
    lowest = tf.minimum(tf.reduce_min(images, axis=[1, 2, 3], keepdims=True), 0.0)
    highest = tf.maximum(tf.reduce_max(images, axis=[1, 2, 3], keepdims=True), 1.0)
    if config.horizontal_flip or config.rotate90:
        images, masks = _dihedral(images, masks, seeds[0], seeds[1], config)
    if config.zoom_max > 0:
        images, masks = _zoom(images, masks, seeds[2], seeds[3], config.zoom_max)
    # Brightness delta then contrast factor about the mean, folded into one affine map:
    # (x + delta - mean(x + delta)) * factor + mean(x + delta) = x * factor + offset.
    factor, offset = tf.ones(per_pair), tf.zeros(per_pair)
    contrast_low, contrast_high = config.contrast_range
    if (contrast_low, contrast_high) != (1.0, 1.0):
        factor = tf.random.stateless_uniform(per_pair, seeds[5], minval=contrast_low,
                                             maxval=contrast_high)
        offset = tf.reduce_mean(images, axis=[1, 2], keepdims=True) * (1.0 - factor)
    if config.brightness_max > 0:
        brightness = config.brightness_max * config.intensity_scale
        offset = offset + tf.random.stateless_uniform(
            per_pair, seeds[4], minval=-brightness, maxval=brightness)
    if config.noise_std > 0:
        # Uniform on [-a, a] has standard deviation a / sqrt(3). Uniform rather than Gaussian
        # noise: a third of the CPU (0.15 against 0.45 ms per 96 px image), and at a standard
        # deviation of 0.01 the shape of the noise does not matter to training.
        half_width = config.noise_std * config.intensity_scale * 3.0**0.5
        offset = offset + tf.random.stateless_uniform(tf.shape(images), seeds[6],
                                                      minval=-half_width, maxval=half_width)
    return tf.clip_by_value(images * factor + offset, lowest, highest), masks


def _dihedral(images: tf.Tensor, masks: tf.Tensor, flip_seed: tf.Tensor, turn_seed: tf.Tensor,
              config: AugmentConfig) -> tuple[tf.Tensor, tf.Tensor]:
    """Flip each pair left-right with probability 1/2 and/or turn it by a random multiple of
    90 degrees: one gather per tensor, of each pair's pixels in its drawn order."""
    count, height, width = tf.unstack(tf.shape(images)[:3])
    pixel_index = tf.reshape(tf.range(height * width), [height, width])
    # The 8 symmetries of the square as pixel orders: k quarter turns, then optionally a flip.
    turns = [tf.image.rot90(pixel_index[..., None], k)[..., 0] for k in range(4)]
    orders = tf.reshape(tf.stack(turns + [tf.reverse(turn, axis=[1]) for turn in turns]),
                        [8, -1])
    quarter_turns = flips = tf.zeros([count], tf.int32)
    if config.rotate90:
        quarter_turns = tf.random.stateless_uniform([count], turn_seed, minval=0, maxval=4,
                                                    dtype=tf.int32)
    if config.horizontal_flip:
        flips = tf.cast(tf.random.stateless_uniform([count], flip_seed) < 0.5, tf.int32)
    order = tf.gather(orders, quarter_turns + 4 * flips)

    def reorder(batch: tf.Tensor) -> tf.Tensor:
        flat = tf.reshape(batch, tf.stack([count, height * width, tf.shape(batch)[3]]))
        return tf.reshape(tf.gather(flat, order, axis=1, batch_dims=1), tf.shape(batch))

    return reorder(images), reorder(masks)


def _zoom(images, masks, scale_seed, offset_seed, zoom_max: float):
    """Crop one random square box per pair, resize back (bilinear image, nearest mask)."""
    count = tf.shape(images)[0]
    size = tf.shape(images)[1:3]
    side = 1.0 - tf.random.stateless_uniform([count], scale_seed, minval=0.0, maxval=zoom_max)
    offsets = tf.random.stateless_uniform([count, 2], offset_seed) * (1.0 - side)[:, None]
    top, left = offsets[:, 0], offsets[:, 1]
    boxes = tf.stack([top, left, top + side, left + side], axis=1)
    box_indices = tf.range(count, dtype=tf.int32)
    images = tf.image.crop_and_resize(images, boxes, box_indices, size, method="bilinear")
    masks = tf.image.crop_and_resize(masks, boxes, box_indices, size, method="nearest")
    return images, masks


def _path_dataset(pairs: Sequence[Pair]) -> tf.data.Dataset:
    # as the file system's bytes: a name that is not UTF-8 (a Windows zip unpacked on Linux)
    # is no valid tf.string text
    images = tf.constant([os.fsencode(pair.image) for pair in pairs], dtype=tf.string)
    masks = tf.constant([os.fsencode(pair.mask) for pair in pairs], dtype=tf.string)
    return tf.data.Dataset.from_tensor_slices((images, masks))


def augment_batches(batches: tf.data.Dataset, seed: int,
                    config: AugmentConfig = DEFAULT_AUGMENT) -> tf.data.Dataset:
    """Map :func:`augment_batch` over ``(images, masks)`` batches: one stateless seed per
    batch, drawn anew each epoch from ``seed``, so runs repeat and epochs differ."""
    batch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    return tf.data.Dataset.zip((batches, batch_seeds)).map(
        lambda batch, random: augment_batch(
            batch[0], batch[1], tf.stack([random, tf.constant(seed, tf.int64)]), config),
        num_parallel_calls=tf.data.AUTOTUNE)


def endless_epochs(batches: tf.data.Dataset) -> tuple[tf.data.Dataset, int | None]:
    """``batches`` repeated without end, and the steps of one pass (an epoch), for
    ``fit(..., steps_per_epoch=steps)``: Keras then keeps one iterator for the whole run
    instead of making one per epoch, each of which costs about a quarter of a second of
    tf.data setup before the epoch's first step (docs/benchmarks.md). Every pass is a new
    iteration of ``batches``, so each epoch is shuffled and augmented anew as before.
    ``(batches, None)`` when the number of batches is not known.

    >>> batches = tf.data.Dataset.range(5).batch(2)
    >>> endless, steps = endless_epochs(batches)
    >>> steps, [int(b[0]) for b in endless.take(6)]
    (3, [0, 2, 4, 0, 2, 4])
    """
    steps = int(batches.cardinality())
    if steps <= 0:  # unknown (-2), infinite (-1) or empty
        return batches, None
    return batches.repeat(), steps


def build_datasets(train_pairs: Sequence[Pair], val_pairs: Sequence[Pair], *, img_size: int,
                   channels: int, batch_size: int, policy: MaskPolicy,
                   augment: bool | AugmentConfig, seed: int,
                   cache_dir: Path | None = None,
                   min_steps_per_epoch: int = 1) -> StreamingDatasets:
    """Build the streaming train and validation datasets of one run.

    Args:
        train_pairs, val_pairs: image/mask file pairs (the split is the caller's:
            :func:`unetdiag.diag.data.split.split_pairs`).
        img_size: output height and width.
        channels: image channels (1 gray, 3 RGB; :func:`~unetdiag.diag.data.masks.read_image`
            converts).
        batch_size: elements per batch (the last batch may be smaller).
        policy: how stored mask values become {0, 1}.
        augment: True for :data:`DEFAULT_AUGMENT`, False for none, or an :class:`AugmentConfig`.
        seed: seeds the path shuffle, the shuffle buffer and the augmentation.
        cache_dir: folder for the decoded-tensor file cache (created if missing); None decodes
            every epoch. Each run must use its own folder: a finished cache is reused as is.
        min_steps_per_epoch: an epoch of ``train`` holds at least this many batches: a smaller
            training set is passed over whole several times (each pass shuffled anew), as
            nnU-Net fixes an epoch's iterations instead of following the dataset's size.

    Returns:
        :class:`StreamingDatasets`, which unpacks as ``(train_ds, val_ds)``.
    """
    if not train_pairs or not val_pairs:
        raise UserError(f"need pairs on both sides of the split, got {len(train_pairs)} train "
                        f"and {len(val_pairs)} validation")
    augment_config = DEFAULT_AUGMENT if augment is True else (augment or None)
    decode_log = DecodeLog()
    cached = cache_dir is not None
    if cached:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)

    def decoded(pairs: Sequence[Pair], shuffle: bool, cache_name: str | None,
                log: DecodeLog = decode_log) -> tf.data.Dataset:
        paths = _path_dataset(pairs)
        if shuffle:
            # Cached: one fixed random order (the cache replays it); else a new order per epoch.
            paths = paths.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=not cached)
        dataset = paths.map(
            lambda image_path, mask_path: _decode_and_resize(
                image_path, mask_path, img_size=img_size, channels=channels, policy=policy,
                decode_log=log),
            num_parallel_calls=tf.data.AUTOTUNE)
        if cached and cache_name is not None:
            return dataset.cache(str(Path(cache_dir) / cache_name))
        return dataset

    train_stage = decoded(train_pairs, shuffle=True, cache_name="train")
    val_stage = decoded(val_pairs, shuffle=False, cache_name="val")
    weighted = bool(policy.ignore_values)
    # the fewest passes p whose ceil(p * pairs / batch_size) batches reach the minimum
    passes = (max(min_steps_per_epoch, 1) - 1) * batch_size // len(train_pairs) + 1

    def every_failure() -> DecodeLog:
        # its own log (the run's keeps what the stopped pass saw) and no cache (a cache
        # written past failures would be one missing their pairs, reused as complete)
        log = DecodeLog()
        _count(decoded([*train_pairs, *val_pairs], shuffle=False, cache_name=None,
                       log=log).ignore_errors())
        return log

    def split(batches: tf.data.Dataset) -> tf.data.Dataset:
        return batches.map(_with_weights) if weighted else batches

    def training_batches(augment_config: AugmentConfig | None) -> tf.data.Dataset:
        train = train_stage
        if cached:
            train = train.shuffle(min(len(train_pairs), SHUFFLE_BUFFER_ELEMENTS), seed=seed,
                                  reshuffle_each_iteration=True)
        if passes > 1:  # each repetition iterates the shuffle again: a new order per pass
            train = train.repeat(passes)
        train = train.batch(batch_size)
        if augment_config is not None:
            train = augment_batches(train, seed, augment_config)
        return split(train).prefetch(tf.data.AUTOTUNE)

    val = split(val_stage.batch(batch_size)).prefetch(tf.data.AUTOTUNE)
    probe = decoded(val_pairs[:batch_size], shuffle=False, cache_name=None).batch(batch_size)
    train_decoded, val_decoded = split(train_stage), split(val_stage)
    if weighted:
        probe = probe.map(_mask_only)
    return StreamingDatasets(train=training_batches(augment_config), val=val,
                             train_decoded=train_decoded, val_decoded=val_decoded, probe=probe,
                             decode_log=decode_log, train_size=len(train_pairs),
                             val_size=len(val_pairs), passes_per_epoch=passes,
                             augment=augment_config, _build_train=training_batches,
                             pair_files=tuple(str(path) for pair in [*train_pairs, *val_pairs]
                                              for path in (pair.image, pair.mask)),
                             _every_failure=every_failure)
