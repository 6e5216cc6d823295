"""At which size ``predict`` feeds each image to the model: the training geometry, without
squeezing every image into the model's square.

``train`` resizes every image to ``img_size`` x ``img_size``; an image whose aspect ratio is
the training images' reaches the model through that resize exactly as in training, and
``predict`` does the same. Any other image (a 1000x600 photo for a model trained on square
tiles) would be stretched: its objects would reach the model wider or taller than any it
learnt. A fully convolutional model (every unetdiag variant, and most U-Nets) takes any size
whose sides are a multiple of its total downsampling, so ``predict`` feeds such an image at
the training images' scale instead (its height times ``img_size`` over their median height,
its width likewise: the pixel spacing training gave them, as MONAI infers at the training
spacing), pads it to that multiple with zeros (as MONAI's ``SpatialPad`` and
``sliding_window_inference`` pad) and crops the prediction back. Without a train run record
of the training images' size, such an image keeps its own aspect ratio at the model input's
pixel count. At most :data:`MAX_PIXELS` are fed (a larger image is fed smaller, keeping its
aspect ratio, and named). A model that takes one size only (a Dense or Flatten layer, a fixed
reshape) gets every image stretched to its input, as before, and the images whose aspect
ratio that changes are named.

Measured (s28): a U-Net trained on 96x96 cell tiles at 64 px (val Dice 0.775), given 20
images of two tiles side by side (192x96): mean Dice 0.674 stretched to 64x64, 0.686 at the
input's pixel count (91x45), 0.757 at the training scale (128x64).

>>> plan = GeometryPlan("keep_aspect", "", 64, 64, 4, (96.0, 96.0))
>>> plan.target((96, 192)), plan.target((96, 96)), plan.target((584, 565))
((64, 128), (64, 64), (64, 64))
>>> GeometryPlan("keep_aspect", "", 64, 64, 4).target((600, 1000))
(50, 83)
>>> padded_size((50, 83), 4)
(52, 84)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

#: Aspect ratios (width / height) within this factor of the model input's count as the same
#: shape: a stretch by 5 % or less is named nowhere (DRIVE's 565x584 is 3.3 % from square).
ASPECT_TOLERANCE = 1.05
#: An image fed more than this factor larger or smaller than the training images' scale is
#: named (a factor of 2: one pixel of the model's input covers 4 times, or a quarter of, the
#: stored pixels it covered in training).
SCALE_TOLERANCE = 2.0
#: The most pixels one image is fed at (1024 x 1024): an image whose training scale would
#: exceed it is fed smaller, keeping its aspect ratio, and named, so that a large photograph
#: does not exhaust memory.
MAX_PIXELS = 1024 * 1024
#: Layers whose strides shrink the image (a transposed convolution's strides enlarge it).
_DOWNSAMPLING = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D,
                 keras.layers.Conv2D)


@dataclass(frozen=True)
class GeometryPlan:
    """How ``predict`` sizes each image.

    Attributes:
        mode: ``"keep_aspect"`` (an image of another aspect ratio than the training
            images' is fed at the training scale, padded and cropped back) or ``"stretch"``
            (every image resized to the model's input, as ``train``).
        reason: why (for ``stretch``: why the model cannot take other sizes).
        height, width: the model's input size (``img_size`` for a model of any size).
        multiple: the model's total downsampling (sides are padded to a multiple of it).
        training_size: the training images' median (height, width), from the train run's
            record; None without one (the model input's shape is the reference, and an
            image of another aspect ratio is fed at the input's pixel count).
        training_range: their least and greatest (height, width): an image of their
            aspect ratio is at another scale than every training image only outside it.
    """

    mode: str
    reason: str
    height: int
    width: int
    multiple: int = 1
    training_size: tuple[float, float] | None = None
    #: the training images' smallest and largest (height, width), from the same record
    #: (None: not recorded, as in runs before it was)
    training_range: tuple[tuple[float, float], tuple[float, float]] | None = None

    @property
    def reference_aspect(self) -> float:
        """The aspect ratio (width / height) training resized to the model's input: its
        images', or the input's own when unrecorded."""
        if self.training_size is not None:
            return self.training_size[1] / self.training_size[0]
        return self.width / self.height

    def aspect_changed(self, size: tuple[int, int]) -> bool:
        """Whether an image of ``size`` differs in aspect ratio from the reference by more
        than :data:`ASPECT_TOLERANCE`."""
        ratio = (size[1] / size[0]) / self.reference_aspect
        return not 1 / ASPECT_TOLERANCE <= ratio <= ASPECT_TOLERANCE

    def _scaled(self, size: tuple[int, int]) -> tuple[float, float]:
        """An image of another shape at the training scale (or the input's pixel count)."""
        height, width = size
        if self.training_size is not None:
            return (height * self.height / self.training_size[0],
                    width * self.width / self.training_size[1])
        scale = math.sqrt(self.height * self.width / (height * width))
        return height * scale, width * scale

    def shrunk(self, size: tuple[int, int]) -> bool:
        """Whether an image of ``size`` is fed below that scale (over :data:`MAX_PIXELS`)."""
        if self.mode == "stretch" or not self.aspect_changed(size):
            return False
        height, width = self._scaled(size)
        return height * width > MAX_PIXELS

    def scale_vs_training(self, size: tuple[int, int], fed: tuple[int, int]) -> float | None:
        """How much larger (> 1) or smaller an image of ``size`` fed at ``fed`` reaches the
        model than the training images did, in pixels per stored pixel (geometric mean of the
        two axes); None without the training images' size. An image of their aspect ratio
        but another size is fed at the model's input as they were, so at another scale."""
        if self.training_size is None:
            return None
        return math.sqrt((fed[0] / size[0]) / (self.height / self.training_size[0])
                         * (fed[1] / size[1]) / (self.width / self.training_size[1]))

    def beyond_training_scales(self, size: tuple[int, int]) -> bool:
        """Whether an image of ``size`` fed at the model's input reaches it more than
        :data:`SCALE_TOLERANCE` times larger than the smallest training image did, or
        smaller than the largest (the median's both ways when no range was recorded); an
        image within their sizes is at a scale some training images had."""
        if self.training_size is None:
            return False
        smallest, largest = self.training_range or (self.training_size, self.training_size)
        area = size[0] * size[1]
        return (math.sqrt(smallest[0] * smallest[1] / area) > SCALE_TOLERANCE
                or math.sqrt(largest[0] * largest[1] / area) < 1 / SCALE_TOLERANCE)

    def target(self, size: tuple[int, int]) -> tuple[int, int]:
        """The (height, width) an image of ``size`` is resized to before padding."""
        if self.mode == "stretch" or not self.aspect_changed(size):
            return self.height, self.width
        height, width = self._scaled(size)
        shrink = min(1.0, math.sqrt(MAX_PIXELS / (height * width)))
        return max(1, round(height * shrink)), max(1, round(width * shrink))

    def to_dict(self) -> dict:
        return {"mode": self.mode, "reason": self.reason,
                "model_input": [self.height, self.width], "multiple": self.multiple,
                "training_size": None if self.training_size is None
                else list(self.training_size),
                "training_range": None if self.training_range is None
                else [list(side) for side in self.training_range],
                "aspect_tolerance": ASPECT_TOLERANCE, "max_pixels": MAX_PIXELS}


def aspect_lost(size: tuple[int, int], fed: tuple[int, int]) -> bool:
    """Whether an image of ``size`` fed at ``fed`` (height, width) reached the model at an
    aspect ratio more than :data:`ASPECT_TOLERANCE` times its own: a side of a few pixels at
    the scale fed, rounded to whole pixels (a 300x1 strip fed at 554x2, 277:1)."""
    ratio = (fed[1] / fed[0]) / (size[1] / size[0])
    return not 1 / ASPECT_TOLERANCE <= ratio <= ASPECT_TOLERANCE


def padded_size(size: tuple[int, int], multiple: int) -> tuple[int, int]:
    """``size`` rounded up to a multiple of ``multiple`` on each side."""
    return (-(-size[0] // multiple) * multiple, -(-size[1] // multiple) * multiple)


def downsampling(model: keras.Model) -> int:
    """The product of the strides of the layers that shrink the image (pooling, strided
    convolutions; nested models included): the multiple every input side must be of."""
    factor = 1
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            factor *= downsampling(layer)
        elif isinstance(layer, _DOWNSAMPLING) and not isinstance(
                layer, keras.layers.Conv2DTranspose):
            strides = getattr(layer, "strides", (1, 1)) or (1, 1)
            factor *= int(max(strides))
    return factor


def any_size_model(model: keras.Model) -> tuple[keras.Model | None, int, str]:
    """The model rebuilt to take any height and width (the same weights), its total
    downsampling, and why not when it cannot (None): it is not a functional model, or a
    test at another size fails or changes the output's size."""
    factor = downsampling(model)
    shape = tuple(model.inputs[0].shape)
    try:
        if shape[1] is None and shape[2] is None:
            flexible = model
        else:
            config = model.get_config()
            config["layers"][0]["config"]["batch_shape"] = (None, None, None, shape[-1])
            flexible = type(model).from_config(config)
            flexible.set_weights(model.get_weights())
        probe = (2 * factor, 3 * factor)
        output = flexible(np.zeros((1, *probe, shape[-1]), np.float32), training=False)
        if tuple(output.shape[1:3]) != probe:
            return None, factor, (f"given {probe[0]}x{probe[1]} it returns "
                                  f"{output.shape[1]}x{output.shape[2]}")
    except Exception as error:  # noqa: BLE001 - any failure means: only its own size
        # Keras's first line says only "Exception encountered when calling ..."
        return None, factor, f"rebuilt for another size it raises {type(error).__name__}"
    return flexible, factor, ""


def predict_at(model: keras.Model, image: np.ndarray, target: tuple[int, int],
               multiple: int) -> tuple[np.ndarray, np.ndarray]:
    """One image (float32 HxWxC at its own size) resized to ``target`` as ``train`` resizes
    (bilinear with antialiasing), and the model's probabilities for it (float64, ``target``
    height x width): padded with zeros on every side to a multiple of ``multiple``,
    predicted, cropped back.

    Raises:
        ValueError: the output is not one probability per pixel of the padded input.
    """
    resized = tf.image.resize(image, target, method="bilinear", antialias=True).numpy()
    height, width = padded_size(target, multiple)
    top, left = (height - target[0]) // 2, (width - target[1]) // 2
    padded = np.zeros((1, height, width, image.shape[-1]), np.float32)
    padded[0, top:top + target[0], left:left + target[1]] = resized
    output = np.asarray(keras.ops.convert_to_numpy(model(padded, training=False)), np.float64)
    if output.ndim == 4 and output.shape[-1] == 1:
        output = output[..., 0]
    if output.shape != (1, height, width):
        raise ValueError(f"the model maps images of shape {padded.shape[1:]} to outputs of "
                         f"shape {output.shape[1:]}; expected one foreground probability per "
                         "pixel")
    return resized, output[0, top:top + target[0], left:left + target[1]]
