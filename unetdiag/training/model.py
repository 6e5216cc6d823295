"""The original project's U-Net, with its two switches: how it downsamples and how it upsamples.

At ``base_filters=64, depth=4`` the topology is the seed's: encoder blocks of 64, 128, 256 and
512 filters, a 1024-filter bottleneck, and a mirrored decoder with skip concatenations. Each
block is two 3x3 ReLU convolutions (``he_normal``, ``padding="same"``), each followed by batch
normalisation before its ReLU (Keras's, trained through TensorFlow's fused kernel:
:class:`~unetdiag.training.layers.FusedBatchNormalization`) unless ``normalization="none"``
(the seed's blocks, exactly). The
switches:

- ``downsampling="maxpool"``: ``MaxPooling2D(2)``; ``"strided"``: ``Conv2D(f, 3, strides=2,
  relu)``.
- ``upsampling="transpose"``: ``Conv2DTranspose(f, 2, strides=2)``; ``"upsample"``:
  ``UpSampling2D(2)`` then ``Conv2D(f, 2, relu)``.

Why batch normalisation by default: without it the seed's blocks leave some variants stuck
predicting one class from the first epoch, depending on the seed and the precision (with the
Dice loss the gradient vanishes once every logit is saturated negative, so such a variant never
recovers). Measured over seeds and variants in docs/training-defaults.md.

The output layer is ``Conv2D(1, 1, activation="sigmoid", dtype="float32")``, its bias starting
at ``output_bias`` (0 unless the caller gives a prior's log-odds:
:func:`unetdiag.training.variant.prior_output_bias`). Under a mixed precision policy it still
computes in float32, and its output keeps the ``_keras_logits`` attribute that lets Keras's
binary cross-entropy use the numerically exact logits path (a cast output would fall back to
clipped probabilities and lose the gradient of saturated pixels).

>>> model = build_unet("strided", "upsample", img_size=32, base_filters=4, depth=2)
>>> model.output_shape
(None, 32, 32, 1)
"""

from __future__ import annotations

import math

import keras
from keras import layers

from unetdiag.config import Variant
from unetdiag.training.layers import FusedBatchNormalization

DOWNSAMPLING_MODES = ("maxpool", "strided")
UPSAMPLING_MODES = ("transpose", "upsample")
#: ``"batch"``: Conv2D (no bias) -> BatchNormalization -> ReLU in every block; ``"none"``:
#: Conv2D with ReLU, as the seed.
NORMALIZATION_MODES = ("batch", "none")
#: Weight of the past in BatchNormalization's moving statistics (PyTorch's default, as 0.1 of
#: the new batch). Keras's 0.99 averages over about 100 steps: longer than the default run's
#: first epochs (12 steps each), so validation, which uses the moving statistics, lags
#: training by several epochs and jumps from one epoch to the next.
BATCHNORM_MOMENTUM = 0.9

#: Initialiser of every ReLU convolution (the seed's choice; suits ReLU's half-zero output).
RELU_KERNEL_INITIALIZER = "he_normal"
#: Kernel size of the two convolutions in every encoder, bottleneck and decoder block.
BLOCK_KERNEL_SIZE = 3
#: Kernel size of the strided downsampling convolution.
STRIDED_DOWN_KERNEL_SIZE = 3
#: Kernel size of the transposed convolution and of the convolution after ``UpSampling2D``.
UP_KERNEL_SIZE = 2
#: Each level halves (encoder) or doubles (decoder) the height and width.
SCALE_FACTOR = 2
#: The output's dtype, whatever the global mixed-precision policy.
OUTPUT_DTYPE = "float32"


def build_unet(downsampling: str = "maxpool", upsampling: str = "transpose", img_size: int = 64,
               channels: int = 3, base_filters: int = 8, depth: int = 3,
               normalization: str = "batch", output_bias: float = 0.0,
               name: str = "unet") -> keras.Model:
    """Build a binary-segmentation U-Net: ``(N, img_size, img_size, channels)`` images in,
    ``(N, img_size, img_size, 1)`` foreground probabilities out (float32, sigmoid).

    Args:
        downsampling: ``"maxpool"`` or ``"strided"`` (see the module docstring).
        upsampling: ``"transpose"`` or ``"upsample"``.
        img_size: input height and width; must be divisible by ``2 ** depth``.
        channels: input channels (3 for RGB).
        base_filters: filters of the first encoder block; level ``i`` has
            ``base_filters * 2 ** i`` and the bottleneck ``base_filters * 2 ** depth``.
        depth: number of encoder (and decoder) levels.
        normalization: ``"batch"`` or ``"none"`` (see :data:`NORMALIZATION_MODES`).
        output_bias: the output convolution's initial bias, a logit (0: every pixel starts
            near probability 0.5, before the features' own contribution).
        name: the model's name.

    Raises:
        ValueError: on an unknown mode, a non-positive size, or an ``img_size`` that the
            ``depth`` halvings do not divide exactly.

    >>> build_unet(img_size=64, depth=3).count_params() > 0
    True
    """
    _validate(downsampling, upsampling, img_size, channels, base_filters, depth)
    if normalization not in NORMALIZATION_MODES:
        raise ValueError(f"normalization must be one of {NORMALIZATION_MODES}, "
                         f"not {normalization!r}")
    inputs = keras.Input(shape=(img_size, img_size, channels), name="image")
    features = inputs
    skips = []
    for level in range(depth):
        filters = base_filters * SCALE_FACTOR**level
        features = _conv_block(features, filters, f"encoder{level}", normalization)
        skips.append(features)
        features = _downsample(features, filters, downsampling, f"encoder{level}_down")
    features = _conv_block(features, base_filters * SCALE_FACTOR**depth, "bottleneck",
                           normalization)
    for level in reversed(range(depth)):
        filters = base_filters * SCALE_FACTOR**level
        features = _upsample(features, filters, upsampling, f"decoder{level}_up")
        features = layers.Concatenate(name=f"decoder{level}_skip")([features, skips[level]])
        features = _conv_block(features, filters, f"decoder{level}", normalization)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype=OUTPUT_DTYPE,
                            bias_initializer=keras.initializers.Constant(float(output_bias)),
                            name="foreground_probability")(features)
    return keras.Model(inputs, outputs, name=name)


def build_variant(variant: Variant, img_size: int, channels: int, base_filters: int,
                  depth: int, normalization: str = "batch", output_bias: float = 0.0
                  ) -> keras.Model:
    """Build the U-Net of one of :data:`unetdiag.config.VARIANTS`; the model takes its name.

    >>> from unetdiag.config import VARIANTS
    >>> build_variant(VARIANTS["MP_Tr_Dice"], 32, 3, 4, 2).name
    'MP_Tr_Dice'
    """
    return build_unet(variant.downsampling, variant.upsampling, img_size=img_size,
                      channels=channels, base_filters=base_filters, depth=depth,
                      normalization=normalization, output_bias=output_bias,
                      name=variant.name)


def count_parameters(model: keras.Model) -> int:
    """Number of trainable weights (scalars) in ``model``: what the optimiser updates."""
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)


def _validate(downsampling: str, upsampling: str, img_size: int, channels: int,
              base_filters: int, depth: int) -> None:
    if downsampling not in DOWNSAMPLING_MODES:
        raise ValueError(f"downsampling must be one of {DOWNSAMPLING_MODES}, "
                         f"not {downsampling!r}")
    if upsampling not in UPSAMPLING_MODES:
        raise ValueError(f"upsampling must be one of {UPSAMPLING_MODES}, not {upsampling!r}")
    for label, value in (("img_size", img_size), ("channels", channels),
                         ("base_filters", base_filters), ("depth", depth)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{label} must be a positive integer, not {value!r}")
    divisor = SCALE_FACTOR**depth
    if img_size % divisor:
        raise ValueError(
            f"img_size {img_size} is not divisible by 2**depth = {divisor}: each of the "
            f"{depth} levels halves the image and the decoder must restore it exactly; "
            f"use a multiple of {divisor} (e.g. {max(divisor, img_size // divisor * divisor)}) "
            f"or a smaller depth")


def _relu_conv(features, filters: int, kernel_size: int, name: str, strides: int = 1):
    return layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                         activation="relu", kernel_initializer=RELU_KERNEL_INITIALIZER,
                         name=name)(features)


def _conv_block(features, filters: int, name: str, normalization: str):
    for index in (1, 2):
        conv_name = f"{name}_conv{index}"
        if normalization == "none":
            features = _relu_conv(features, filters, BLOCK_KERNEL_SIZE, conv_name)
            continue
        # the normalisation's offset replaces the convolution's bias
        features = layers.Conv2D(filters, BLOCK_KERNEL_SIZE, padding="same", use_bias=False,
                                 kernel_initializer=RELU_KERNEL_INITIALIZER,
                                 name=conv_name)(features)
        features = FusedBatchNormalization(momentum=BATCHNORM_MOMENTUM,
                                           name=f"{conv_name}_bn")(features)
        features = layers.ReLU(name=f"{conv_name}_relu")(features)
    return features


def _downsample(features, filters: int, mode: str, name: str):
    if mode == "maxpool":
        return layers.MaxPooling2D(SCALE_FACTOR, name=f"{name}_maxpool")(features)
    return _relu_conv(features, filters, STRIDED_DOWN_KERNEL_SIZE, f"{name}_strided_conv",
                      strides=SCALE_FACTOR)


def _upsample(features, filters: int, mode: str, name: str):
    if mode == "transpose":
        return layers.Conv2DTranspose(filters, UP_KERNEL_SIZE, strides=SCALE_FACTOR,
                                      padding="same", name=f"{name}_transpose")(features)
    features = layers.UpSampling2D(SCALE_FACTOR, name=f"{name}_upsample")(features)
    return _relu_conv(features, filters, UP_KERNEL_SIZE, f"{name}_conv")
