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
      -> augment                     geometric on image and mask together, photometric on the
                                     image only; stateless ops seeded per element
      -> batch -> prefetch

A file that cannot be decoded makes iteration fail; :class:`DecodeFailureLog` remembers which
file and why, and :meth:`StreamingDatasets.preflight` turns that into a :class:`UserError` naming
the file. With a cache, ``preflight()`` is the pass that fills the cache, so checking every file
before training costs nothing extra; the trainer calls it before the first variant.

Example (``pairs`` from :func:`unetdiag.diag.pairing.discover_pairs`)::

    train_ds, val_ds = build_datasets(train_pairs, val_pairs, img_size=64, channels=3,
                                      batch_size=16, policy=MaskPolicy(), augment=True, seed=42)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from unetdiag.diag.masks import MaskPolicy, decode_mask, read_image
from unetdiag.diag.pairing import Pair
from unetdiag.exitcodes import ExitCode, UserError

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
        noise_std: standard deviation of added Gaussian noise.
    """

    horizontal_flip: bool = True
    rotate90: bool = True
    zoom_max: float = 0.0
    brightness_max: float = 0.1
    contrast_range: tuple[float, float] = (0.9, 1.1)
    noise_std: float = 0.01


DEFAULT_AUGMENT = AugmentConfig()
#: Independent stateless seeds drawn per element (one per random decision).
_SEEDS_PER_ELEMENT = 7


@dataclass
class DecodeFailureLog:
    """Files that failed to decode while a dataset was iterated (thread-safe)."""

    failures: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, path: str, reason: str) -> None:
        with self._lock:
            self.failures.append((path, reason))

    def __bool__(self) -> bool:
        return bool(self.failures)

    def as_user_error(self) -> UserError:
        """A one-line error naming the first file that failed (and how many others did)."""
        path, reason = self.failures[0]
        others = len({p for p, _ in self.failures}) - 1
        extra = f" ({others} more file(s) failed too)" if others > 0 else ""
        return UserError(f"cannot decode {path}: {reason}{extra}", ExitCode.INPUT_ERROR)


@dataclass
class StreamingDatasets:
    """The train and validation datasets of one run, built once and shared by all variants.

    Unpacks as ``train_ds, val_ds = build_datasets(...)``.

    Attributes:
        train: shuffled, augmented batches of ``(image NxHxWxC, mask NxHxWx1)``, float32.
        val: batches in file order, not augmented.
        train_decoded, val_decoded: the decode (+ cache) stage alone, one element per pair.
        probe: the first validation batch, decoded without the cache (so taking it never
            leaves a cache half written), for callbacks that watch a fixed batch.
        failures: files that failed to decode so far.
        train_size, val_size: number of pairs on each side.
    """

    train: tf.data.Dataset
    val: tf.data.Dataset
    train_decoded: tf.data.Dataset
    val_decoded: tf.data.Dataset
    probe: tf.data.Dataset
    failures: DecodeFailureLog
    train_size: int
    val_size: int

    def __iter__(self) -> Iterator[tf.data.Dataset]:
        return iter((self.train, self.val))

    def preflight(self) -> None:
        """Decode every file once (filling the cache, if any); raise UserError naming a bad file.

        Runs in the tf.data runtime (``Dataset.reduce``), in parallel, holding one element at a
        time beyond the map's own buffer.
        """
        for dataset in (self.train_decoded, self.val_decoded):
            try:
                dataset.reduce(np.int64(0), lambda count, _element: count + 1)
            except tf.errors.OpError:
                if self.failures:
                    raise self.failures.as_user_error() from None
                raise


def _decode_file_pair(image_path: bytes, mask_path: bytes, *, channels: int,
                      policy: MaskPolicy, failures: DecodeFailureLog
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Read one pair with Pillow (called by tf.numpy_function, hence the bytes paths)."""
    image_file, mask_file = image_path.decode(), mask_path.decode()
    current = image_file
    try:
        image = read_image(image_file, channels=channels)
        if image.ndim != 3 or image.shape[-1] != channels:
            raise ValueError(f"decoded to shape {image.shape}, expected {channels} channel(s)")
        current = mask_file
        mask, _encoding = decode_mask(mask_file, policy)
        if mask.ndim != 2:
            raise ValueError(f"mask decoded to shape {mask.shape}, expected height x width")
    except Exception as error:  # recorded with the file name, then re-raised
        failures.record(current, getattr(error, "reason", None) or f"{type(error).__name__}: "
                        f"{error}")
        raise
    return image.astype(np.float32, copy=False), mask.astype(np.float32)[..., None]


def _decode_and_resize(image_path, mask_path, *, img_size: int, channels: int,
                       policy: MaskPolicy, failures: DecodeFailureLog):
    def decode(image_bytes, mask_bytes):
        return _decode_file_pair(image_bytes, mask_bytes, channels=channels, policy=policy,
                                 failures=failures)

    image, mask = tf.numpy_function(decode, [image_path, mask_path], [tf.float32, tf.float32],
                                    stateful=False)
    image.set_shape([None, None, channels])
    mask.set_shape([None, None, 1])
    image = tf.image.resize(image, [img_size, img_size], method="bilinear", antialias=True)
    mask = tf.image.resize(mask, [img_size, img_size], method="nearest")
    return image, mask


def augment_pair(image: tf.Tensor, mask: tf.Tensor, seed: tf.Tensor,
                 config: AugmentConfig = DEFAULT_AUGMENT) -> tuple[tf.Tensor, tf.Tensor]:
    """Augment one square ``image`` (HxWxC) and its ``mask`` (HxWx1) with a shape-[2] ``seed``.

    The same seed gives the same result. Geometric transforms act on the image and mask stacked
    along the channel axis, so both receive exactly the same flip and rotation.
    """
    seeds = tf.random.experimental.stateless_split(seed, num=_SEEDS_PER_ELEMENT)
    channels = image.shape[-1]
    stacked = tf.concat([image, mask], axis=-1)
    if config.horizontal_flip:
        flip = tf.random.stateless_uniform([], seeds[0]) < 0.5
        stacked = tf.cond(flip, lambda: tf.reverse(stacked, axis=[1]), lambda: stacked)
    if config.rotate90:
        quarter_turns = tf.random.stateless_uniform([], seeds[1], minval=0, maxval=4,
                                                    dtype=tf.int32)
        stacked = tf.image.rot90(stacked, quarter_turns)
    image, mask = stacked[..., :channels], stacked[..., channels:]
    # Photometric changes stay inside [0, 1] but never hide values already outside it.
    lowest = tf.minimum(tf.reduce_min(image), 0.0)
    highest = tf.maximum(tf.reduce_max(image), 1.0)
    if config.zoom_max > 0:
        image, mask = _zoom(image, mask, seeds[2], seeds[3], config.zoom_max)
    if config.brightness_max > 0:
        image = image + tf.random.stateless_uniform(
            [], seeds[4], minval=-config.brightness_max, maxval=config.brightness_max)
    contrast_low, contrast_high = config.contrast_range
    if (contrast_low, contrast_high) != (1.0, 1.0):
        mean = tf.reduce_mean(image, axis=[0, 1], keepdims=True)
        factor = tf.random.stateless_uniform([], seeds[5], minval=contrast_low,
                                             maxval=contrast_high)
        image = (image - mean) * factor + mean
    if config.noise_std > 0:
        image = image + config.noise_std * tf.random.stateless_normal(tf.shape(image), seeds[6])
    return tf.clip_by_value(image, lowest, highest), mask


def _zoom(image, mask, scale_seed, offset_seed, zoom_max: float):
    """Crop one random square box from both, resize back (bilinear image, nearest mask)."""
    size = tf.shape(image)[:2]
    side = 1.0 - tf.random.stateless_uniform([], scale_seed, minval=0.0, maxval=zoom_max)
    top, left = tf.unstack(tf.random.stateless_uniform([2], offset_seed) * (1.0 - side))
    boxes = tf.stack([[top, left, top + side, left + side]])
    box_indices = tf.zeros([1], tf.int32)
    image = tf.image.crop_and_resize(image[None], boxes, box_indices, size, method="bilinear")
    mask = tf.image.crop_and_resize(mask[None], boxes, box_indices, size, method="nearest")
    return image[0], mask[0]


def _path_dataset(pairs: Sequence[Pair]) -> tf.data.Dataset:
    images = tf.constant([str(pair.image) for pair in pairs], dtype=tf.string)
    masks = tf.constant([str(pair.mask) for pair in pairs], dtype=tf.string)
    return tf.data.Dataset.from_tensor_slices((images, masks))


def build_datasets(train_pairs: Sequence[Pair], val_pairs: Sequence[Pair], *, img_size: int,
                   channels: int, batch_size: int, policy: MaskPolicy,
                   augment: bool | AugmentConfig, seed: int,
                   cache_dir: Path | None = None) -> StreamingDatasets:
    """Build the streaming train and validation datasets of one run.

    Args:
        train_pairs, val_pairs: image/mask file pairs (the split is the caller's:
            :func:`unetdiag.diag.pairing.split_pairs`).
        img_size: output height and width.
        channels: image channels (1 gray, 3 RGB; :func:`read_image` converts).
        batch_size: elements per batch (the last batch may be smaller).
        policy: how stored mask values become {0, 1}.
        augment: True for :data:`DEFAULT_AUGMENT`, False for none, or an :class:`AugmentConfig`.
        seed: seeds the path shuffle, the shuffle buffer and the augmentation.
        cache_dir: folder for the decoded-tensor file cache (created if missing); None decodes
            every epoch. Each run must use its own folder: a finished cache is reused as is.

    Returns:
        :class:`StreamingDatasets`, which unpacks as ``(train_ds, val_ds)``.
    """
    if not train_pairs or not val_pairs:
        raise UserError(f"need pairs on both sides of the split, got {len(train_pairs)} train "
                        f"and {len(val_pairs)} validation")
    augment_config = DEFAULT_AUGMENT if augment is True else (augment or None)
    failures = DecodeFailureLog()
    cached = cache_dir is not None
    if cached:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)

    def decoded(pairs: Sequence[Pair], shuffle: bool, cache_name: str | None
                ) -> tf.data.Dataset:
        paths = _path_dataset(pairs)
        if shuffle:
            # Cached: one fixed random order (the cache replays it); else a new order per epoch.
            paths = paths.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=not cached)
        dataset = paths.map(
            lambda image_path, mask_path: _decode_and_resize(
                image_path, mask_path, img_size=img_size, channels=channels, policy=policy,
                failures=failures),
            num_parallel_calls=tf.data.AUTOTUNE)
        if cached and cache_name is not None:
            return dataset.cache(str(Path(cache_dir) / cache_name))
        return dataset

    train_decoded = decoded(train_pairs, shuffle=True, cache_name="train")
    val_decoded = decoded(val_pairs, shuffle=False, cache_name="val")

    train = train_decoded
    if cached:
        train = train.shuffle(min(len(train_pairs), SHUFFLE_BUFFER_ELEMENTS), seed=seed,
                              reshuffle_each_iteration=True)
    if augment_config is not None:
        element_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
        train = tf.data.Dataset.zip((train, element_seeds)).map(
            lambda pair, random: augment_pair(
                pair[0], pair[1], tf.stack([random, tf.constant(seed, tf.int64)]),
                augment_config),
            num_parallel_calls=tf.data.AUTOTUNE)
    train = train.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    val = val_decoded.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    probe = decoded(val_pairs[:batch_size], shuffle=False, cache_name=None).batch(batch_size)
    return StreamingDatasets(train=train, val=val, train_decoded=train_decoded,
                             val_decoded=val_decoded, probe=probe, failures=failures,
                             train_size=len(train_pairs), val_size=len(val_pairs))
