"""Keras losses and metrics, held equal to the NumPy definitions in unetdiag.diag.core.dice."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DEFAULT_DICE, KERAS_DICE, MONAI_DICE, SEED_DICE, DiceConfig
from unetdiag.training.losses import (
    DiceLoss,
    HardDice,
    HardIoU,
    PredictedPositiveFraction,
    SigmoidBinaryCrossentropy,
    SoftDiceMetric,
    bce_loss,
    build_loss,
    build_metrics,
)
from unetdiag.training.model import build_unet
from unetdiag.training.overlap import hard_dice_scores, soft_dice_ratios

# Three 2x2 images, (N, H, W, 1). A: 2 foreground pixels, 1 predicted (correctly).
# B: empty mask, one pixel at exactly 0.5 (not > 0.5: hard-empty). C: empty mask, one
# pixel at 0.75 (a hard false positive).
HAND_TRUE = np.array([[[1, 1], [0, 0]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]],
                     dtype=np.float32)[..., None]
HAND_PRED = np.array([[[1, 0], [0, 0]], [[0, 0], [0.5, 0]], [[0, 0], [0, 0.75]]],
                     dtype=np.float32)[..., None]
CONFIGS = [SEED_DICE, KERAS_DICE, DEFAULT_DICE, MONAI_DICE]
ALL_CONFIGS = [dataclasses.replace(config, reduction=reduction)
               for config in CONFIGS for reduction in ("batch", "per_image")]


def _value(tensor) -> float:
    return float(np.asarray(tensor))


def _random_batch(seed, images=4, size=8, empty_images=1):
    """Probabilities and masks of varied foreground share; the first images are empty."""
    rng = np.random.default_rng(seed)
    shares = rng.uniform(0.05, 0.9, size=(images, 1, 1, 1))
    y_true = (rng.random((images, size, size, 1)) < shares).astype(np.float32)
    y_true[:empty_images] = 0
    y_pred = rng.random((images, size, size, 1)).astype(np.float32)
    y_pred[0] = 0.0  # an empty mask predicted empty: the 0/0 case
    return y_true, y_pred


# --- soft Dice and DiceLoss ---------------------------------------------------------------

@pytest.mark.parametrize(("config", "expected_loss"), [
    # per image: A (2*1 + 1) / (2 + 1 + 1) = 0.75, B (0 + 1) / (0.5 + 1) = 2/3
    (DiceConfig(1.0, 1.0, "per_image"), 1 - (0.75 + 2 / 3) / 2),
    # pooled: (2*1 + 1) / (2 + 1.5 + 1) = 2/3
    (DiceConfig(1.0, 1.0, "batch"), 1 / 3),
    # Keras's convention: B has Dice 0, A 2/3
    (DiceConfig(0.0, 1e-7, "per_image"), 1 - (2 / 3) / 2),
])
def test_dice_loss_on_hand_computed_values(config, expected_loss):
    loss = DiceLoss.from_dice_config(config)
    value = _value(loss(HAND_TRUE[:2], HAND_PRED[:2]))
    assert value == pytest.approx(expected_loss, rel=1e-6)
    assert dice.dice_loss(HAND_TRUE[:2], HAND_PRED[:2], config) == pytest.approx(expected_loss)


def test_per_image_loss_returns_one_value_per_image_and_batch_repeats_the_pooled_one():
    per_image = DiceLoss(1.0, 1.0, "per_image").call(HAND_TRUE[:2], HAND_PRED[:2])
    np.testing.assert_allclose(np.asarray(per_image), [0.25, 1 / 3], rtol=1e-6)
    pooled = DiceLoss(1.0, 1.0, "batch").call(HAND_TRUE[:2], HAND_PRED[:2])
    assert np.shape(per_image) == np.shape(pooled) == (2,)  # Keras's mean then gives the pool
    np.testing.assert_allclose(np.asarray(pooled), [1 / 3, 1 / 3], rtol=1e-6)


@pytest.mark.parametrize("config", ALL_CONFIGS, ids=lambda c: c.describe())
@pytest.mark.parametrize("seed", [0, 1])
def test_dice_loss_equals_numpy_definition_on_random_batches(config, seed):
    y_true, y_pred = _random_batch(seed)
    expected = dice.dice_loss(y_true, y_pred, config)
    assert _value(DiceLoss.from_dice_config(config)(y_true, y_pred)) == pytest.approx(
        expected, rel=1e-5, abs=1e-6)
    ratios = np.asarray(soft_dice_ratios(y_true, y_pred, config))
    assert ratios.shape == ((4,) if config.reduction == "per_image" else ())
    assert float(np.mean(ratios)) == pytest.approx(dice.soft_dice(y_true, y_pred, config),
                                                   rel=1e-5, abs=1e-6)


def test_empty_mask_predicted_empty_scores_by_numerator_smoothing():
    empty = np.zeros((1, 4, 4, 1), np.float32)
    assert _value(DiceLoss(0.0, 1e-7)(empty, empty)) == 1.0  # Keras's: Dice 0
    assert _value(DiceLoss(1.0, 1.0)(empty, empty)) == 0.0   # smoothed: Dice 1
    assert _value(DiceLoss(1e-6, 1e-6)(empty, empty)) == pytest.approx(0.0, abs=1e-6)


def test_per_image_sample_weights_select_images():
    loss = DiceLoss(1.0, 1.0, "per_image", reduction="mean_with_sample_weight")
    value = _value(loss(HAND_TRUE[:2], HAND_PRED[:2], sample_weight=np.array([1.0, 0.0])))
    assert value == pytest.approx(0.25, rel=1e-6)  # image A alone


def test_dice_loss_gradient_flows_in_both_modes():
    y_true, y_pred = _random_batch(3)
    prediction = tf.Variable(y_pred)
    for mode in ("batch", "per_image"):
        with tf.GradientTape() as tape:
            value = DiceLoss(1.0, 1.0, mode)(y_true, prediction)
        gradient = tape.gradient(value, prediction).numpy()
        assert np.all(np.isfinite(gradient)) and np.abs(gradient).max() > 0


# --- low-precision inputs ---------------------------------------------------------------

def _large_foreground_batch(dtype):
    """Two 256x256 images, 60 % foreground: the batch's sum(t) is 78642 > float16's 65504."""
    y_true = np.zeros((2, 256 * 256), np.float32)
    y_true[:, : int(0.6 * 256 * 256)] = 1
    y_pred = np.random.default_rng(0).random((2, 256 * 256), dtype=np.float32)
    shape = (2, 256, 256, 1)
    return tf.cast(y_true.reshape(shape), dtype), tf.cast(y_pred.reshape(shape), dtype)


@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16])
def test_low_precision_inputs_are_summed_in_float32(dtype):
    y_true, y_pred = _large_foreground_batch(dtype)
    # what the inputs hold, exactly: the reference is computed on these values
    true_values = tf.cast(y_true, tf.float32).numpy()
    pred_values = tf.cast(y_pred, tf.float32).numpy()
    reference_dice = dice.soft_dice(true_values, pred_values, KERAS_DICE)
    # what the test guards against: the same sums in the input dtype overflow (float16) or
    # round to 8 significant bits (bfloat16)
    naive_dice = float(2 * tf.reduce_sum(y_true * y_pred)
                       / (tf.reduce_sum(y_true) + tf.reduce_sum(y_pred)))
    assert not np.isclose(naive_dice, reference_dice, rtol=1e-3)

    expected = dice.soft_dice(true_values, pred_values, SEED_DICE)
    assert float(np.mean(soft_dice_ratios(y_true, y_pred, KERAS_DICE))) == pytest.approx(
        reference_dice, rel=1e-5)
    assert float(np.mean(soft_dice_ratios(y_true, y_pred, SEED_DICE))) == pytest.approx(
        expected, rel=1e-5)
    assert _value(DiceLoss.from_dice_config(SEED_DICE)(y_true, y_pred)) == pytest.approx(
        1 - expected, rel=1e-4)
    for metric, reference in (
            (HardDice(), dice.hard_dice(true_values, pred_values)),
            (HardIoU(), dice.hard_iou(true_values, pred_values)),
            (SoftDiceMetric(SEED_DICE), expected)):
        metric.update_state(y_true, y_pred)
        assert _value(metric.result()) == pytest.approx(reference, rel=1e-5)


# --- binary cross-entropy ---------------------------------------------------------------

SATURATED_LOGIT = 20.0  # sigmoid(20) rounds to 1.0 in float32


def _bce_at_saturated_logit(loss, label_shape, keep_logits=True, graph=False):
    logits = tf.Variable(tf.fill((1, 2, 2, 1), SATURATED_LOGIT))
    labels = tf.zeros(label_shape)

    def step():
        with tf.GradientTape() as tape:
            probabilities = keras.activations.sigmoid(logits)
            if not keep_logits:
                probabilities = probabilities + 0.0  # a plain tensor: the logits are gone
            value = loss(labels, probabilities)
        return value, tape.gradient(value, logits)

    value, gradient = tf.function(step)() if graph else step()
    return float(value), gradient.numpy()


@pytest.mark.parametrize("graph", [False, True])
def test_bce_keeps_the_logits_path_on_a_sigmoid_output(graph):
    value, gradient = _bce_at_saturated_logit(bce_loss(), (1, 2, 2, 1), graph=graph)
    assert value == pytest.approx(SATURATED_LOGIT, rel=1e-4)  # -log(1 - sigmoid(20)) ~= 20
    np.testing.assert_allclose(gradient, 0.25, rtol=1e-4)     # sigmoid(20) / 4 pixels
    # what the test guards against: the clipped path gives a label-0 pixel no gradient
    _, clipped_gradient = _bce_at_saturated_logit(bce_loss(), (1, 2, 2, 1), keep_logits=False)
    assert np.all(clipped_gradient == 0)


def test_bce_keeps_the_logits_path_when_masks_lack_the_channel_axis():
    _, gradient = _bce_at_saturated_logit(bce_loss(), (1, 2, 2), graph=True)
    np.testing.assert_allclose(gradient, 0.25, rtol=1e-4)
    _, keras_gradient = _bce_at_saturated_logit(keras.losses.BinaryCrossentropy(), (1, 2, 2),
                                                graph=True)
    assert np.all(keras_gradient == 0)  # Keras squeezes the prediction and loses the logits


def test_bce_through_the_unet_output_under_mixed_bfloat16():
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_unet(img_size=16, base_filters=2, depth=1)
        output_layer = model.get_layer("foreground_probability")
        output_layer.kernel.assign(tf.zeros_like(output_layer.kernel))
        output_layer.bias.assign([SATURATED_LOGIT])
        images = np.random.default_rng(0).random((2, 16, 16, 3), dtype=np.float32)
        with tf.GradientTape() as tape:
            value = bce_loss()(np.zeros((2, 16, 16, 1), np.float32), model(images))
        bias_gradient = tape.gradient(value, output_layer.bias).numpy()
    finally:
        keras.mixed_precision.set_global_policy(previous)
    assert float(value) == pytest.approx(SATURATED_LOGIT, rel=1e-4)
    np.testing.assert_allclose(bias_gradient, [1.0], rtol=1e-4)  # mean of sigmoid(20) - 0


# --- hard metrics -----------------------------------------------------------------------

@pytest.mark.parametrize(("empty", "expected_dice", "expected_iou"), [
    ("exclude", (2 / 3 + 0) / 2, (1 / 2 + 0) / 2),  # B left out
    ("one", (2 / 3 + 1 + 0) / 3, (1 / 2 + 1 + 0) / 3),
    ("zero", (2 / 3 + 0 + 0) / 3, (1 / 2 + 0 + 0) / 3),
])
def test_hard_metrics_on_hand_computed_values(empty, expected_dice, expected_iou):
    for metric, expected, reference in (
            (HardDice(empty=empty), expected_dice, dice.hard_dice),
            (HardIoU(empty=empty), expected_iou, dice.hard_iou)):
        metric.update_state(HAND_TRUE, HAND_PRED)
        assert _value(metric.result()) == pytest.approx(expected, rel=1e-6)
        assert reference(HAND_TRUE, HAND_PRED, empty=empty) == pytest.approx(expected)


def test_all_empty_batch_follows_the_empty_rule():
    empty = np.zeros((3, 4, 4, 1), np.float32)
    for metric_class in (HardDice, HardIoU):
        excluded = metric_class(empty="exclude")
        excluded.update_state(empty, empty)
        assert np.isnan(_value(excluded.result()))  # no image counted: undefined, like dice.py
        for rule, score in (("one", 1.0), ("zero", 0.0)):
            metric = metric_class(empty=rule)
            metric.update_state(empty, empty)
            assert _value(metric.result()) == score
    assert np.isnan(dice.hard_dice(empty, empty, empty="exclude"))


def test_predicted_positive_fraction_on_hand_values():
    metric = PredictedPositiveFraction()
    metric.update_state(HAND_TRUE, HAND_PRED)
    assert _value(metric.result()) == pytest.approx((1 / 4 + 0 + 1 / 4) / 3)


@pytest.mark.parametrize("threshold", [0.3, 0.5])
@pytest.mark.parametrize("empty", dice.EMPTY_RULES)
def test_metrics_stream_two_batches_to_the_numpy_value_of_both(threshold, empty):
    first_true, first_pred = _random_batch(10, images=3, empty_images=2)
    second_true, second_pred = _random_batch(11, images=5, empty_images=1)
    all_true = np.concatenate([first_true, second_true])
    all_pred = np.concatenate([first_pred, second_pred])
    per_image_config = DiceConfig(1e-5, 1e-5, "per_image")
    cases = [
        (HardDice(threshold, empty), dice.hard_dice(all_true, all_pred, threshold, empty)),
        (HardIoU(threshold, empty), dice.hard_iou(all_true, all_pred, threshold, empty)),
        (PredictedPositiveFraction(threshold), float(np.mean(all_pred > threshold))),
        (SoftDiceMetric(per_image_config), dice.soft_dice(all_true, all_pred,
                                                          per_image_config)),
    ]
    for metric, expected in cases:
        metric.update_state(first_true, first_pred)
        metric.update_state(second_true, second_pred)
        assert _value(metric.result()) == pytest.approx(expected, rel=1e-5), metric.name
        assert all(variable.dtype == "float32" for variable in metric.variables)
        metric.reset_state()
        assert np.isnan(_value(metric.result()))


def test_seed_dice_metric_averages_per_batch_values_not_the_epoch_pool():
    first_true, first_pred = _random_batch(20, images=2, empty_images=1)
    second_true, second_pred = _random_batch(21, images=6, empty_images=0)
    metric = SoftDiceMetric(SEED_DICE, name="seed_dice")
    metric.update_state(first_true, first_pred)
    metric.update_state(second_true, second_pred)
    per_batch_mean = (dice.soft_dice(first_true, first_pred, SEED_DICE)
                      + dice.soft_dice(second_true, second_pred, SEED_DICE)) / 2
    epoch_pool = dice.soft_dice(np.concatenate([first_true, second_true]),
                                np.concatenate([first_pred, second_pred]), SEED_DICE)
    assert _value(metric.result()) == pytest.approx(per_batch_mean, rel=1e-5)
    assert abs(per_batch_mean - epoch_pool) > 1e-3  # the two readings really differ here


def test_hard_scores_function_matches_numpy_per_image():
    y_true, y_pred = _random_batch(5, images=6, empty_images=2)
    scores, counted = hard_dice_scores(y_true, y_pred, 0.5, "exclude")
    scores, counted = np.asarray(scores), np.asarray(counted).astype(bool)
    for image in range(6):
        expected = dice.hard_dice(y_true[image:image + 1], y_pred[image:image + 1])
        if np.isnan(expected):
            assert not counted[image]
        else:
            assert counted[image] and scores[image] == pytest.approx(expected, rel=1e-6)


def test_metric_sample_weights_are_per_image():
    metric = HardDice()
    metric.update_state(HAND_TRUE, HAND_PRED, sample_weight=np.array([1.0, 1.0, 0.0]))
    assert _value(metric.result()) == pytest.approx(2 / 3)  # C weighted out, B excluded
    with pytest.raises(ValueError, match="one weight per image"):
        HardDice().update_state(HAND_TRUE, HAND_PRED, sample_weight=np.ones(2))
    # a weight per pixel (ignored pixels: 0) is a different thing: all ones changes nothing
    pixel_weighted = HardDice()
    pixel_weighted.update_state(HAND_TRUE, HAND_PRED, sample_weight=np.ones_like(HAND_TRUE))
    unweighted = HardDice()
    unweighted.update_state(HAND_TRUE, HAND_PRED)
    assert _value(pixel_weighted.result()) == _value(unweighted.result())
    with pytest.raises(ValueError, match="per-image sample weights"):
        SoftDiceMetric(SEED_DICE).update_state(HAND_TRUE, HAND_PRED,
                                               sample_weight=np.ones(3))


# --- shapes and arguments ---------------------------------------------------------------

@pytest.mark.parametrize("pred_shape", [(2, 8, 4, 1), (3, 8, 8, 1), (2, 4, 16, 1), (2, 8, 8, 2)])
def test_shape_mismatch_is_a_clear_error(pred_shape):
    y_true = np.ones((2, 8, 8, 1), np.float32)
    y_pred = np.ones(pred_shape, np.float32)
    for compute in (lambda: DiceLoss()(y_true, y_pred),
                    lambda: HardDice().update_state(y_true, y_pred),
                    lambda: HardIoU().update_state(y_true, y_pred),
                    lambda: SoftDiceMetric().update_state(y_true, y_pred)):
        with pytest.raises(ValueError, match="shape mismatch"):
            compute()


def test_shape_mismatch_is_caught_when_tracing_a_graph():
    traced = tf.function(lambda t, p: DiceLoss()(t, p))
    with pytest.raises(ValueError, match="shape mismatch"):
        traced(tf.ones((2, 8, 8, 1)), tf.ones((2, 8, 4, 1)))


def test_masks_without_channel_axis_give_the_same_values():
    flat_true = HAND_TRUE[..., 0]
    for config in (DEFAULT_DICE, MONAI_DICE):
        loss = DiceLoss.from_dice_config(config)
        assert _value(loss(flat_true, HAND_PRED)) == pytest.approx(
            _value(loss(HAND_TRUE, HAND_PRED)))
    metric = HardDice()
    metric.update_state(flat_true, HAND_PRED)
    assert _value(metric.result()) == pytest.approx(1 / 3)


@pytest.mark.parametrize("pred_shape", [(2, 2), (1, 2, 2), (1, 2, 2, 1)])
def test_a_single_image_may_come_without_batch_or_channel_axes(pred_shape):
    image_true, image_pred = HAND_TRUE[0, ..., 0], HAND_PRED[0, ..., 0]  # (2, 2)
    expected = dice.soft_dice(image_true, image_pred, DEFAULT_DICE)  # (2*1 + 1) / (3 + 1)
    value = soft_dice_ratios(image_true, image_pred.reshape(pred_shape), DEFAULT_DICE)
    assert float(np.mean(value)) == pytest.approx(expected) == 0.75


@pytest.mark.parametrize("make", [
    lambda: DiceLoss(reduction_mode="image"),
    lambda: DiceLoss(1.0, 1e-300),          # rounds to 0 in float32: 0/0 possible
    lambda: DiceLoss(smooth_numerator=-1.0),
    lambda: HardDice(threshold=1.5),
    lambda: HardIoU(threshold=0.0),
    lambda: HardDice(empty="nan"),
    lambda: PredictedPositiveFraction(threshold=1.0),
    lambda: build_loss("focal"),
])
def test_invalid_arguments_are_rejected(make):
    with pytest.raises(ValueError):
        make()


# --- construction helpers and serialisation ---------------------------------------------

def test_build_loss_and_build_metrics():
    assert isinstance(build_loss("bce"), keras.losses.BinaryCrossentropy)
    assert build_loss("dice", MONAI_DICE).dice_config == MONAI_DICE
    assert build_loss("dice").dice_config == DEFAULT_DICE
    metrics = build_metrics(0.4, "one")
    assert [metric.name for metric in metrics] == [
        "accuracy", "dice", "iou", "seed_dice", "predicted_positive_fraction"]
    assert metrics[0].threshold == 0.4 and metrics[1].threshold == 0.4
    assert metrics[2].empty == "one" and metrics[3].dice_config == SEED_DICE


SERIALISABLE = [
    DiceLoss(1e-5, 2e-5, "per_image", name="monai_like", reduction="mean_with_sample_weight"),
    bce_loss(),
    HardDice(0.3, "zero", name="dice_at_0_3"),
    HardIoU(0.7, "one"),
    SoftDiceMetric(SEED_DICE, name="seed_dice"),
    PredictedPositiveFraction(0.6),
]


@pytest.mark.parametrize("original", SERIALISABLE, ids=lambda obj: type(obj).__name__)
def test_config_round_trip_without_custom_objects(original):
    serialised = json.loads(json.dumps(keras.saving.serialize_keras_object(original)))
    assert serialised["registered_name"].startswith("unetdiag>")
    restored = keras.saving.deserialize_keras_object(serialised)
    assert type(restored) is type(original)
    assert restored.get_config() == original.get_config()


def test_saved_model_reloads_with_its_loss_and_metrics(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 1))
    hidden = keras.layers.Conv2D(2, 3, padding="same", activation="relu")(inputs)
    outputs = keras.layers.Conv2D(1, 1, activation="sigmoid", dtype="float32")(hidden)
    model = keras.Model(inputs, outputs)
    loss = DiceLoss(1e-5, 1e-5, "per_image")
    model.compile(optimizer="adam", loss=loss, metrics=build_metrics(0.4, "one"))
    x = np.random.default_rng(0).random((4, 16, 16, 1), dtype=np.float32)
    y = (x > 0.6).astype(np.float32)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    before = model.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)

    path = tmp_path / "model.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path)  # safe_mode on, no custom_objects

    assert isinstance(reloaded.loss, DiceLoss)
    assert reloaded.loss.get_config() == loss.get_config()
    after = reloaded.evaluate(x, y, batch_size=2, verbose=0, return_dict=True)
    assert set(after) == set(before) >= {"loss", "accuracy", "dice", "iou", "seed_dice",
                                         "predicted_positive_fraction"}
    for name, value in before.items():
        assert after[name] == pytest.approx(value, rel=1e-6), name


def test_sigmoid_bce_is_the_keras_loss_otherwise():
    y_true, y_pred = _random_batch(7)
    ours = _value(SigmoidBinaryCrossentropy()(y_true, y_pred))
    assert ours == pytest.approx(_value(keras.losses.BinaryCrossentropy()(y_true, y_pred)))


# --- tf.distribute ----------------------------------------------------------------------

_MIRRORED_SCRIPT = textwrap.dedent("""
    import json, os
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras, numpy as np
    from unetdiag.training.losses import DiceLoss

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 8, 8, 1)).astype("float32")
    shares = np.array([0.9, 0.9, 0.05, 0.05])[:, None, None, None]
    y = (rng.random((4, 8, 8, 1)) < shares).astype("float32")

    def make_model():
        keras.utils.set_random_seed(1)
        inputs = keras.Input((8, 8, 1))
        return keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))

    def bias_gradient(model, loss_fn):
        with tf.GradientTape() as tape:
            value = loss_fn()
        return float(tape.gradient(value, model.trainable_weights[1])[0])

    result = {}
    for mode in ("batch", "per_image"):
        loss = DiceLoss(1e-6, 1e-6, mode)
        with tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]).scope():
            model = make_model()
            model.compile(keras.optimizers.SGD(1.0), loss)
        start = float(model.trainable_weights[1][0])
        model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
        reference = make_model()
        result[mode] = {
            "step": start - float(model.trainable_weights[1][0]),
            "global": bias_gradient(reference, lambda: loss(y, reference(x))),
            "replica_mean": bias_gradient(reference, lambda: 0.5 * (
                loss(y[:2], reference(x[:2])) + loss(y[2:], reference(x[2:])))),
        }
    print(json.dumps(result))
""")


def test_reduction_under_mirrored_strategy_is_as_documented():
    completed = subprocess.run([sys.executable, "-c", _MIRRORED_SCRIPT], capture_output=True,
                               text=True, check=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    per_image, batch = result["per_image"], result["batch"]
    # per_image: two replicas train exactly the global per-image mean
    assert per_image["step"] == pytest.approx(per_image["global"], rel=1e-4)
    # batch: each replica pools its own half; the step is the mean of the two pooled losses
    assert batch["step"] == pytest.approx(batch["replica_mean"], rel=1e-4)
    assert batch["step"] != pytest.approx(batch["global"], rel=1e-2)
