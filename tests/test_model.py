"""The U-Net builder: the seed's topology, the four variants, mixed precision, trainability."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from unetdiag.config import VARIANTS
from unetdiag.training.losses import build_loss
from unetdiag.training.model import (
    BATCHNORM_MOMENTUM,
    build_unet,
    build_variant,
    count_parameters,
)

TINY = {"img_size": 32, "channels": 3, "base_filters": 4, "depth": 2}


@pytest.fixture
def mixed_bfloat16():
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def _tiny_batch(images=2, size=32, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((images, size, size, channels), dtype=np.float32)
    y = (x[..., :1] > 0.5).astype(np.float32)  # learnable: foreground where channel 0 is bright
    return x, y


@pytest.mark.parametrize("variant_name", list(VARIANTS))
def test_variant_outputs_one_probability_per_pixel(variant_name):
    model = build_variant(VARIANTS[variant_name], **TINY)
    x, _ = _tiny_batch()
    probabilities = model.predict(x, verbose=0)
    assert model.name == variant_name
    assert probabilities.shape == (2, 32, 32, 1)
    assert np.all((probabilities >= 0) & (probabilities <= 1))


@pytest.mark.parametrize("variant_name", list(VARIANTS))
def test_variant_output_stays_float32_under_mixed_bfloat16(variant_name, mixed_bfloat16):
    model = build_variant(VARIANTS[variant_name], **TINY)
    hidden = model.get_layer("encoder0_conv1")
    assert hidden.compute_dtype == "bfloat16"  # the policy did apply to the body
    assert model.get_layer("foreground_probability").compute_dtype == "float32"
    assert keras.backend.standardize_dtype(model.output.dtype) == "float32"
    x, _ = _tiny_batch()
    assert keras.backend.standardize_dtype(model(x).dtype) == "float32"


@pytest.mark.parametrize("variant_name", list(VARIANTS))
def test_one_fit_step_changes_weights_with_a_finite_loss(variant_name):
    variant = VARIANTS[variant_name]
    keras.utils.set_random_seed(0)
    model = build_variant(variant, **TINY)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=build_loss(variant.loss))
    before = [weight.numpy().copy() for weight in model.trainable_weights]
    x, y = _tiny_batch()
    history = model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [not np.array_equal(old, new.numpy())
               for old, new in zip(before, model.trainable_weights, strict=True)]
    assert all(changed), [w.path for w, c in zip(model.trainable_weights, changed,
                                                  strict=True) if not c]


def _conv_signature(model):
    """(layer type, filters, kernel, strides) of every weighted layer, in graph order."""
    return [(type(layer).__name__, layer.filters, layer.kernel_size, layer.strides)
            for layer in model.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Conv2DTranspose))]


def test_seed_topology_maxpool_transpose_filters_64_to_1024():
    model = build_unet("maxpool", "transpose", img_size=32, base_filters=64, depth=4,
                       normalization="none")
    conv3 = ((3, 3), (1, 1))
    expected = (
        [("Conv2D", f, *conv3) for f in (64, 64, 128, 128, 256, 256, 512, 512, 1024, 1024)]
        + [entry for f in (512, 256, 128, 64)
           for entry in (("Conv2DTranspose", f, (2, 2), (2, 2)),
                         ("Conv2D", f, *conv3), ("Conv2D", f, *conv3))]
        + [("Conv2D", 1, (1, 1), (1, 1))])
    assert _conv_signature(model) == expected
    assert sum(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers) == 4
    assert sum(isinstance(layer, keras.layers.Concatenate) for layer in model.layers) == 4
    assert model.get_layer("encoder0_conv1").activation.__name__ == "relu"
    initializer = model.get_layer("encoder0_conv1").kernel_initializer
    assert type(initializer).__name__ == "HeNormal"


def test_seed_topology_strided_upsample_filters():
    model = build_unet("strided", "upsample", img_size=32, base_filters=64, depth=4,
                       normalization="none")
    conv3 = ((3, 3), (1, 1))
    encoder = [entry for f in (64, 128, 256, 512)
               for entry in (("Conv2D", f, *conv3), ("Conv2D", f, *conv3),
                             ("Conv2D", f, (3, 3), (2, 2)))]
    decoder = [entry for f in (512, 256, 128, 64)
               for entry in (("Conv2D", f, (2, 2), (1, 1)),
                             ("Conv2D", f, *conv3), ("Conv2D", f, *conv3))]
    expected = (encoder + [("Conv2D", 1024, *conv3)] * 2 + decoder
                + [("Conv2D", 1, (1, 1), (1, 1))])
    assert _conv_signature(model) == expected
    assert sum(isinstance(layer, keras.layers.UpSampling2D) for layer in model.layers) == 4
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in model.layers)


def _expected_parameters(channels, base_filters, depth, strided):
    """Hand count: a k x k conv from i to o channels has k*k*i*o weights and o biases."""
    def conv(kernel, inputs, outputs):
        return kernel * kernel * inputs * outputs + outputs

    total, inputs = 0, channels
    for level in range(depth):
        filters = base_filters * 2**level
        total += conv(3, inputs, filters) + conv(3, filters, filters)
        total += conv(3, filters, filters) if strided else 0
        inputs = filters
    bottleneck = base_filters * 2**depth
    total += conv(3, inputs, bottleneck) + conv(3, bottleneck, bottleneck)
    inputs = bottleneck
    for level in reversed(range(depth)):
        filters = base_filters * 2**level
        # the 2x2 transposed conv and the 2x2 conv after UpSampling2D weigh the same
        total += conv(2, inputs, filters) + conv(3, 2 * filters, filters)
        total += conv(3, filters, filters)
        inputs = filters
    return total + conv(1, inputs, 1)


@pytest.mark.parametrize("variant_name", list(VARIANTS))
def test_parameter_count_matches_hand_count(variant_name):
    variant = VARIANTS[variant_name]
    model = build_variant(variant, img_size=32, channels=3, base_filters=64, depth=4,
                          normalization="none")
    expected = _expected_parameters(3, 64, 4, strided=variant.downsampling == "strided")
    assert count_parameters(model) == expected
    if variant.downsampling == "maxpool":
        assert expected == 31_031_745  # the textbook U-Net's count on RGB input


@pytest.mark.parametrize("variant_name", list(VARIANTS))
def test_batch_normalization_follows_every_block_convolution_before_its_relu(variant_name):
    """Default blocks: Conv2D (no bias, linear) -> BatchNormalization -> ReLU. Each block conv
    trades its bias (filters) for the normalisation's scale and offset (2 x filters)."""
    variant = VARIANTS[variant_name]
    model = build_variant(variant, img_size=32, channels=3, base_filters=8, depth=2)
    block_convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
                   and layer.name.split("_")[-1] in ("conv1", "conv2")]
    assert len(block_convs) == 2 * (2 * 2 + 1)
    for conv in block_convs:
        assert not conv.use_bias and conv.activation.__name__ == "linear"
        normalization = model.get_layer(f"{conv.name}_bn")
        assert isinstance(normalization, keras.layers.BatchNormalization)
        assert normalization.momentum == BATCHNORM_MOMENTUM
        assert normalization.input is conv.output
        assert isinstance(model.get_layer(f"{conv.name}_relu"), keras.layers.ReLU)
        assert model.get_layer(f"{conv.name}_relu").input is normalization.output
    expected = (_expected_parameters(3, 8, 2, strided=variant.downsampling == "strided")
                + sum(conv.filters for conv in block_convs))
    assert count_parameters(model) == expected


@pytest.mark.parametrize(("img_size", "depth"), [(30, 2), (48, 5), (100, 3)])
def test_img_size_not_divisible_by_two_to_the_depth_is_a_clear_error(img_size, depth):
    with pytest.raises(ValueError, match=rf"img_size {img_size} is not divisible by 2\*\*depth"):
        build_unet(img_size=img_size, depth=depth)


@pytest.mark.parametrize("bad", [{"downsampling": "avgpool"}, {"upsampling": "bilinear"},
                                 {"base_filters": 0}, {"depth": 0}, {"channels": -1},
                                 {"img_size": 32.0}, {"normalization": "group"}])
def test_invalid_arguments_are_rejected(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        build_unet(**bad)
