"""Properties of the NumPy definitions in unetdiag.diag.core.dice (no TensorFlow in this file).

Each property states what every valid input must satisfy; ``tests/strategies.py`` draws the
inputs (empty and full masks, tiny objects, predictions at exactly 0, 1 and the threshold,
any valid smoothing). Tolerances: the NumPy code works in float64, so values that are equal
in exact arithmetic are compared at ``REL`` / ``ABS`` below; see docs/property-tests.md.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import accuracy_score, f1_score, jaccard_score
from strategies import (
    DEFAULT_THRESHOLD,
    FLOAT64_TINY,
    binary_masks,
    dice_configs,
    empty_rules,
    image_shapes,
    in_layout,
    layouts_for,
    predictions_for,
    segmentation_batches,
    thresholds,
)

from unetdiag.diag.checks.masks import check_label_values
from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DiceConfig

#: float64 sums of at most a few hundred values: values equal in exact arithmetic agree to this.
REL = 1e-12
ABS = 1e-12
#: A smoothing so small that it never changes a ratio it does not rescue from 0/0.
NO_SMOOTHING = 1e-300

SCORING_FUNCTIONS = {
    "soft_dice": dice.soft_dice, "dice_loss": dice.dice_loss, "hard_dice": dice.hard_dice,
    "hard_iou": dice.hard_iou, "pixel_accuracy": dice.pixel_accuracy,
}


def _pooled_reference(y_true, y_pred, config: DiceConfig) -> float:
    """The batch formula written out over every pixel of the batch at once."""
    t, p = np.asarray(y_true, np.float64).ravel(), np.asarray(y_pred, np.float64).ravel()
    return ((2 * np.sum(t * p) + config.smooth_numerator)
            / (np.sum(t) + np.sum(p) + config.smooth_denominator))


def _hard(y_pred, threshold=DEFAULT_THRESHOLD) -> np.ndarray:
    return (np.asarray(y_pred) > threshold).astype(np.float64)


def _both_empty(y_true, y_pred, threshold=DEFAULT_THRESHOLD) -> np.ndarray:
    """Per image: reference and thresholded prediction both empty (the 0/0 case)."""
    images = y_true.shape[0]
    return ((y_true.reshape(images, -1).sum(1) == 0)
            & (_hard(y_pred, threshold).reshape(images, -1).sum(1) == 0))


# --- values: finite, in range, loss = 1 - Dice -----------------------------------------------

@given(batch=segmentation_batches(soft_labels=True), config=dice_configs())
def test_soft_dice_is_finite_in_unit_interval_and_loss_is_its_complement(batch, config):
    y_true, y_pred = batch
    value = dice.soft_dice(y_true, y_pred, config)
    assert math.isfinite(value)
    assert 0.0 <= value <= 1.0
    assert dice.dice_loss(y_true, y_pred, config) == 1.0 - value
    share = dice.smoothing_share(*dice.overlap_sums(y_true, y_pred)[:3], config)
    assert math.isfinite(share) and -1.0 <= share <= 1.0


@given(batch=segmentation_batches(), empty=empty_rules(), threshold=thresholds())
def test_hard_metrics_are_in_unit_interval_and_undefined_only_when_every_image_is_empty(
        batch, empty, threshold):
    y_true, y_pred = batch
    all_empty = bool(_both_empty(y_true, y_pred, threshold).all())
    references_empty = bool((y_true.reshape(y_true.shape[0], -1).sum(1) == 0).all())
    # undefined when every image is left out: 0/0 ones (exclude), empty references (MONAI's)
    undefined = (empty == "exclude" and all_empty) or (
        empty == "exclude_empty_reference" and references_empty)
    for metric in (dice.hard_dice, dice.hard_iou):
        value = metric(y_true, y_pred, threshold, empty)
        if undefined:
            assert math.isnan(value)
        else:
            assert 0.0 <= value <= 1.0
    assert 0.0 <= dice.pixel_accuracy(y_true, y_pred, threshold) <= 1.0


# --- perfect, disjoint, symmetric ----------------------------------------------------------

@given(batch=segmentation_batches(prediction_kinds=("independent", "saturated", "tiny",
                                                    "at_threshold", "ones")),
       config=dice_configs())
def test_the_mask_itself_maximises_soft_dice_and_scores_the_stated_convention(batch, config):
    """Soft Dice of the mask against itself: ``(2T + s_n) / (2T + s_d)`` per pool, which is
    exactly 1 when ``s_n == s_d``, and ``s_n / s_d`` for an empty mask (0 under Keras's
    convention, 1 under equal smoothing). No other prediction scores higher."""
    y_true, y_pred = batch
    perfect = dice.soft_dice(y_true, y_true, config)
    sum_true = y_true.reshape(y_true.shape[0], -1).sum(axis=1)
    if config.reduction == "batch":
        sum_true = sum_true.sum(keepdims=True)
    expected = np.mean((2 * sum_true + config.smooth_numerator)
                       / (2 * sum_true + config.smooth_denominator))
    assert perfect == pytest.approx(expected, rel=REL, abs=ABS)
    if config.smooth_numerator == config.smooth_denominator:
        assert perfect == pytest.approx(1.0, rel=REL)
    assert dice.soft_dice(y_true, y_pred, config) <= perfect * (1 + REL) + ABS


@given(shape=image_shapes(), data=st.data(), empty=empty_rules(), threshold=thresholds())
def test_a_prediction_that_thresholds_to_the_mask_scores_one(shape, data, empty, threshold):
    """Hard Dice and IoU 1 on every image with foreground; images empty in both follow the
    empty rule: left out (NaN when all are), 1, or 0. Accuracy is 1."""
    y_true = data.draw(binary_masks(shape))
    y_pred = data.draw(predictions_for(y_true, ("confident",), threshold))
    empty_images = _both_empty(y_true, y_pred, threshold)
    non_empty = int((~empty_images).sum())
    # a prediction that thresholds to the mask is empty exactly where the reference is
    excluded = 1.0 if non_empty else math.nan
    expected = {"exclude": excluded, "exclude_empty_reference": excluded, "one": 1.0,
                "zero": non_empty / shape[0]}[empty]
    for metric in (dice.hard_dice, dice.hard_iou):
        assert metric(y_true, y_pred, threshold, empty) == pytest.approx(expected, nan_ok=True)
    assert dice.pixel_accuracy(y_true, y_pred, threshold) == 1.0


@given(shape=image_shapes(), data=st.data(), empty=empty_rules(), config=dice_configs())
def test_disjoint_prediction_scores_zero_where_the_smoothing_permits(shape, data, empty,
                                                                       config):
    """A prediction with no mass on the mask: hard Dice and IoU 0 on every image with any
    foreground in mask or prediction; soft Dice ``s_n / (T + P + s_d)``, so exactly 0 without
    numerator smoothing (Keras) and at most ``s_n / (1 + s_d)`` once anything is foreground."""
    y_true = data.draw(binary_masks(shape))
    y_pred = data.draw(predictions_for(y_true)) * (1.0 - y_true).astype(np.float32)
    empty_images = _both_empty(y_true, y_pred)
    has_reference = y_true.reshape(y_true.shape[0], -1).sum(axis=1) > 0
    expected = {"exclude": 0.0 if (~empty_images).any() else math.nan, "zero": 0.0,
                "one": float(empty_images.mean()),
                "exclude_empty_reference": 0.0 if has_reference.any() else math.nan}[empty]
    for metric in (dice.hard_dice, dice.hard_iou):
        assert metric(y_true, y_pred, empty=empty) == pytest.approx(expected, nan_ok=True)
    soft = dice.soft_dice(y_true, y_pred, config)
    if config.smooth_numerator == 0:
        assert soft == 0.0
    pools = ([(y_true, y_pred)] if config.reduction == "batch"
             else list(zip(y_true, y_pred, strict=True)))
    if all(t.sum() + p.sum() >= 1 for t, p in pools):
        bound = config.smooth_numerator / (1 + config.smooth_denominator)
        assert soft <= bound * (1 + REL)


@given(shape=image_shapes(), data=st.data(), threshold=thresholds(),
       empty=st.sampled_from(("exclude", "one", "zero")))
def test_hard_metrics_are_symmetric_in_mask_and_prediction(shape, data, empty, threshold):
    """(``"exclude_empty_reference"`` is asymmetric by design: it looks at the reference.)"""
    y_true = data.draw(binary_masks(shape))
    y_pred = data.draw(predictions_for(y_true, threshold=threshold))
    hard_pred = _hard(y_pred, threshold)
    for metric in (dice.hard_dice, dice.hard_iou):
        forward = metric(y_true, y_pred, threshold, empty)
        backward = metric(hard_pred, y_true, threshold, empty)
        assert forward == pytest.approx(backward, rel=REL, abs=ABS, nan_ok=True)
    assert dice.pixel_accuracy(y_true, y_pred, threshold) == dice.pixel_accuracy(
        hard_pred, y_true, threshold)


@given(batch=segmentation_batches(soft_labels=True), config=dice_configs())
def test_soft_dice_is_symmetric_in_mask_and_prediction(batch, config):
    y_true, y_pred = batch
    assert dice.soft_dice(y_true, y_pred, config) == pytest.approx(
        dice.soft_dice(y_pred, y_true, config), rel=REL, abs=ABS)


@given(batch=segmentation_batches(max_images=1), threshold=thresholds())
def test_hard_iou_is_dice_over_two_minus_dice_on_one_image(batch, threshold):
    y_true, y_pred = batch
    hard_dice = dice.hard_dice(y_true, y_pred, threshold, "one")
    assert dice.hard_iou(y_true, y_pred, threshold, "one") == pytest.approx(
        hard_dice / (2 - hard_dice), rel=REL, abs=ABS)


@given(batch=segmentation_batches(), threshold=thresholds())
def test_hard_dice_is_unsmoothed_soft_dice_of_the_thresholded_prediction(batch, threshold):
    """Where the hard Dice is defined, the soft loss and the hard metric agree:
    ``hard_dice = 1 - dice_loss`` of the thresholded prediction with no smoothing."""
    y_true, y_pred = batch
    defined = ~_both_empty(y_true, y_pred, threshold)
    assume(defined.any())
    unsmoothed = DiceConfig(0.0, NO_SMOOTHING, "per_image")
    soft_loss = dice.dice_loss(y_true[defined], _hard(y_pred[defined], threshold), unsmoothed)
    assert dice.hard_dice(y_true, y_pred, threshold, "exclude") == pytest.approx(
        1.0 - soft_loss, rel=REL, abs=ABS)


# --- batch structure -----------------------------------------------------------------------

@given(batch=segmentation_batches(min_images=2), config=dice_configs(), empty=empty_rules(),
       data=st.data())
def test_every_value_is_invariant_to_the_order_of_images(batch, config, empty, data):
    y_true, y_pred = batch
    order = np.array(data.draw(st.permutations(range(y_true.shape[0]))))
    for name, score in (
            ("soft", lambda t, p: dice.soft_dice(t, p, config)),
            ("hard_dice", lambda t, p: dice.hard_dice(t, p, empty=empty)),
            ("hard_iou", lambda t, p: dice.hard_iou(t, p, empty=empty)),
            ("accuracy", dice.pixel_accuracy)):
        assert score(y_true[order], y_pred[order]) == pytest.approx(
            score(y_true, y_pred), rel=REL, abs=ABS, nan_ok=True), name


@given(batch=segmentation_batches(soft_labels=True), config=dice_configs(reductions=("per_image",)))
def test_per_image_soft_dice_is_the_mean_of_single_image_values(batch, config):
    y_true, y_pred = batch
    singles = [dice.soft_dice(t[None], p[None], config)
               for t, p in zip(y_true, y_pred, strict=True)]
    assert dice.soft_dice(y_true, y_pred, config) == pytest.approx(np.mean(singles), rel=REL,
                                                                  abs=ABS)


@given(batch=segmentation_batches(soft_labels=True), config=dice_configs(reductions=("batch",)))
def test_batch_soft_dice_is_the_pooled_formula(batch, config):
    y_true, y_pred = batch
    value = dice.soft_dice(y_true, y_pred, config)
    assert value == pytest.approx(_pooled_reference(y_true, y_pred, config), rel=REL, abs=ABS)
    # pooling is what makes the batch one image: the same pixels as a single image agree
    one_image = (y_true.reshape(1, -1), y_pred.reshape(1, -1))
    assert value == pytest.approx(dice.soft_dice(*one_image, config), rel=REL, abs=ABS)


@given(batch=segmentation_batches(), empty=empty_rules(), threshold=thresholds())
def test_hard_metrics_are_the_mean_of_single_image_values_under_the_empty_rule(
        batch, empty, threshold):
    y_true, y_pred = batch
    for metric in (dice.hard_dice, dice.hard_iou):
        singles = np.array([metric(t[None], p[None], threshold, empty)
                            for t, p in zip(y_true, y_pred, strict=True)])
        counted = singles[~np.isnan(singles)]
        expected = counted.mean() if counted.size else math.nan
        assert metric(y_true, y_pred, threshold, empty) == pytest.approx(
            expected, rel=REL, abs=ABS, nan_ok=True)


@given(batch=segmentation_batches(soft_labels=True), config=dice_configs(), data=st.data())
def test_every_layout_of_the_same_pixels_scores_the_same(batch, config, data):
    y_true, y_pred = batch
    true_layout = data.draw(layouts_for(y_true.shape[0]))
    pred_layout = data.draw(layouts_for(y_true.shape[0]))
    reshaped = in_layout(y_true, true_layout), in_layout(y_pred, pred_layout)
    assert dice.soft_dice(*reshaped, config) == dice.soft_dice(y_true, y_pred, config)
    assert dice.hard_dice(*reshaped, empty="one") == dice.hard_dice(y_true, y_pred, empty="one")
    assert dice.pixel_accuracy(*reshaped) == dice.pixel_accuracy(y_true, y_pred)


# --- independent references ----------------------------------------------------------------

@given(batch=segmentation_batches(), empty=empty_rules(), threshold=thresholds())
def test_hard_metrics_equal_scikit_learn_per_image(batch, empty, threshold):
    """Hard Dice is sklearn's ``f1_score`` and IoU its ``jaccard_score``, per image, with
    ``zero_division`` playing the empty rule ("one": 1, "zero": 0; "exclude": f1's NaN, and
    for jaccard, which has no NaN option, the images sklearn would divide by zero on are
    dropped); accuracy is ``accuracy_score`` over all pixels."""
    y_true, y_pred = batch
    labels = y_true.reshape(y_true.shape[0], -1).astype(int)
    predicted = _hard(y_pred, threshold).reshape(y_true.shape[0], -1).astype(int)
    both_empty = (labels.sum(axis=1) == 0) & (predicted.sum(axis=1) == 0)
    for metric, reference in ((dice.hard_dice, f1_score), (dice.hard_iou, jaccard_score)):
        zero_division = {"one": 1.0, "zero": 0.0}.get(empty, np.nan)
        if reference is jaccard_score and empty in ("exclude", "exclude_empty_reference"):
            zero_division = 0.0
        per_image = np.array([reference(t, p, zero_division=zero_division)
                              for t, p in zip(labels, predicted, strict=True)])
        if empty == "exclude":
            per_image[both_empty] = np.nan
        if empty == "exclude_empty_reference":  # MONAI's ignore_empty: by the reference alone
            per_image[labels.sum(axis=1) == 0] = np.nan
        expected = np.nanmean(per_image) if not np.isnan(per_image).all() else math.nan
        assert metric(y_true, y_pred, threshold, empty) == pytest.approx(
            expected, rel=1e-9, abs=1e-12, nan_ok=True), reference.__name__
    assert dice.pixel_accuracy(y_true, y_pred, threshold) == pytest.approx(
        accuracy_score(labels.ravel(), predicted.ravel()), rel=REL)


@given(shape=image_shapes(), data=st.data(), config=dice_configs(), empty=empty_rules())
def test_trivial_baselines_are_the_scores_of_constant_predictions(shape, data, config, empty):
    y_true = data.draw(binary_masks(shape))
    foreground = y_true.reshape(shape[0], -1).sum(axis=1)
    pixels = np.full(shape[0], float(shape[1] * shape[2]))
    baselines = dice.trivial_baselines(foreground, pixels, config, empty)
    for name, constant in (("all_zeros", 0.0), ("all_ones", 1.0)):
        prediction = np.full(y_true.shape, constant)
        scores = baselines[name]
        assert scores.soft_dice == pytest.approx(dice.soft_dice(y_true, prediction, config),
                                                 rel=REL, abs=ABS)
        assert scores.accuracy == pytest.approx(dice.pixel_accuracy(y_true, prediction),
                                                rel=REL)
        assert scores.hard_dice == pytest.approx(
            dice.hard_dice(y_true, prediction, empty=empty), rel=REL, nan_ok=True)
        assert scores.hard_iou == pytest.approx(
            dice.hard_iou(y_true, prediction, empty=empty), rel=REL, nan_ok=True)


# --- the gradient bound --------------------------------------------------------------------

@given(batch=segmentation_batches(soft_labels=True), config=dice_configs())
@example(batch=(np.zeros((1, 1, 1)), np.zeros((1, 1, 1), np.float32)),  # found by "deep"
         config=DiceConfig(0.0, FLOAT64_TINY, "batch"))
def test_gradient_bound_is_finite_and_within_its_closed_forms(batch, config):
    """``dice_loss_gradient_max`` is finite and at most ``2 / s_d`` (background term
    ``num/den**2 <= 1/s_d`` as ``num <= den``; foreground ``(2den - num)/den**2 <= 2/s_d``),
    divided by N under per-image averaging; on an all-empty batch it is the background term
    ``s_n / (P + s_d)**2 <= s_n / s_d**2``. (Autodiff checks it in test_properties_gradients.)"""
    y_true, y_pred = batch
    intersection, sum_true, sum_pred, _ = dice.overlap_sums(y_true, y_pred)
    bound = dice.dice_loss_gradient_max(intersection, sum_true, sum_pred, config)
    scale = 1.0 / y_true.shape[0] if config.reduction == "per_image" else 1.0
    assert math.isfinite(bound) and bound >= 0
    assert bound <= 2.0 / config.smooth_denominator * scale * (1 + REL)
    if not sum_true.any():
        pooled_pred = sum_pred if config.reduction == "per_image" else sum_pred.sum(keepdims=True)
        expected = np.max(config.smooth_numerator / (pooled_pred + config.smooth_denominator)
                          / (pooled_pred + config.smooth_denominator)) * scale
        assert bound == pytest.approx(expected, rel=REL)


# --- invalid inputs ------------------------------------------------------------------------

def _mismatched_shapes() -> st.SearchStrategy[tuple[tuple, tuple]]:
    """Pairs of shapes that do not describe the same pixels, some with equal pixel counts
    (transposed images, images traded for pixels), which reshaping alone cannot catch."""
    def transposed(shape):
        images, height, width = shape
        return (images, height, width), (images, width, height)

    def traded(shape):
        images, height, width = shape
        return (images * 2, height, width), (images, height * 2, width)

    def other_count(shape):
        images, height, width = shape
        return (images, height, width), (images + 1, height, width)

    def channels(shape):
        images, height, width = shape
        return (images, height, width, 1), (images, height, width, 3)

    shapes = image_shapes(max_images=3, max_side=6)
    return st.one_of(shapes.filter(lambda s: s[1] != s[2]).map(transposed),
                     shapes.map(traded), shapes.map(other_count), shapes.map(channels))


@given(shapes=_mismatched_shapes(), swap=st.booleans())
def test_mismatched_shapes_raise_naming_both(shapes, swap):
    true_shape, pred_shape = shapes[::-1] if swap else shapes
    y_true, y_pred = np.zeros(true_shape), np.zeros(pred_shape)
    for name, function in SCORING_FUNCTIONS.items():
        with pytest.raises(ValueError, match="shape mismatch") as raised:
            function(y_true, y_pred)
        assert str(true_shape) in str(raised.value) and str(pred_shape) in str(raised.value), name
    with pytest.raises(ValueError, match="shape mismatch"):
        dice.overlap_sums(y_true, y_pred)


def _with_bad_values(array: np.ndarray, data, values) -> np.ndarray:
    bad = np.array(array, dtype=np.float64)
    spots = data.draw(hnp.arrays(np.bool_, bad.shape).filter(np.any))
    bad[spots] = data.draw(st.sampled_from(values))
    return bad


@given(batch=segmentation_batches(max_images=3, max_side=5), data=st.data())
def test_non_finite_values_raise_naming_the_argument(batch, data):
    y_true, y_pred = batch
    bad_pred = _with_bad_values(y_pred, data, (np.nan, np.inf, -np.inf))
    bad_true = _with_bad_values(y_true, data, (np.nan, np.inf, -np.inf))
    for function in SCORING_FUNCTIONS.values():
        with pytest.raises(ValueError, match=r"y_pred .*NaN or Inf"):
            function(y_true, bad_pred)
        with pytest.raises(ValueError, match=r"y_true .*NaN or Inf"):
            function(bad_true, y_pred)


@given(batch=segmentation_batches(max_images=3, max_side=5), data=st.data())
def test_predictions_outside_unit_interval_raise(batch, data):
    """A prediction is a probability; logits or 0/255 maps must not score silently."""
    y_true, y_pred = batch
    outside = data.draw(st.one_of(st.floats(1.0, 1e30, exclude_min=True),
                                  st.floats(-1e30, 0.0, exclude_max=True)))
    bad_pred = _with_bad_values(y_pred, data, (outside,))
    for function in SCORING_FUNCTIONS.values():
        with pytest.raises(ValueError, match=r"y_pred .*outside \[0, 1\]"):
            function(y_true, bad_pred)


@given(batch=segmentation_batches(max_images=3, max_side=5), data=st.data())
def test_labels_outside_unit_interval_are_flagged_by_the_label_check(batch, data):
    """Labels outside [0, 1] (0/255 masks, class indices, -1 ignore labels) are the label
    check's to name: ``check_label_values`` reports ``labels.out_of_range``. (The Dice
    functions still compute on them: the label check itself uses ``soft_dice`` to say what a
    perfect prediction would score with such labels.)"""
    y_true, _ = batch
    outside = data.draw(st.one_of(st.sampled_from((255.0, 2.0, -1.0)),
                                  st.floats(1.0, 1e30, exclude_min=True),
                                  st.floats(-1e30, 0.0, exclude_max=True)))
    bad_true = _with_bad_values(y_true, data, (outside,))
    assert "labels.out_of_range" in [finding.id for finding in check_label_values(bad_true)]


def _smoothing_pairs() -> st.SearchStrategy[tuple[float, float]]:
    """(numerator, denominator): any two floats, or a numerator at a drawn ratio of the
    denominator, so that the boundary ``s_n == s_d`` is crossed from both sides."""
    related = st.tuples(st.floats(0.0, 4.0), st.floats(0.0, 1e6)).map(
        lambda pair: (pair[0] * pair[1], pair[1]))
    just_above = st.floats(FLOAT64_TINY, 1e6).map(lambda d: (float(np.nextafter(d, np.inf)), d))
    return st.one_of(st.tuples(st.floats(), st.floats()), related, just_above)


@given(pair=_smoothing_pairs(), reduction=st.sampled_from(("batch", "per_image")))
def test_dice_config_accepts_exactly_the_documented_domain(pair, reduction):
    """Valid: finite ``0 <= s_n <= s_d`` with ``s_d`` at least the smallest normal float64
    (so ``1/s_d``, the gradient scale on an empty image, stays finite). Anything else is a
    ValueError, never a config that later yields NaN or a Dice above 1."""
    numerator, denominator = pair
    valid = (math.isfinite(numerator) and math.isfinite(denominator)
             and 0 <= numerator <= denominator and denominator >= FLOAT64_TINY)
    if valid:
        config = DiceConfig(numerator, denominator, reduction)
        empty = np.zeros((1, 2, 2))
        assert 0.0 <= dice.soft_dice(empty, empty, config) <= 1.0
    else:
        with pytest.raises(ValueError):
            DiceConfig(numerator, denominator, reduction)
