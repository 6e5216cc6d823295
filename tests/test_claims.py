"""Every metric-series claim holds only under its preconditions: the counter-examples.

Each test builds the numbers a real situation produces (masks and predictions in NumPy, scored
as Keras scores them) where a claim's precondition fails, and checks that the finding names
what the numbers are consistent with, records the assumptions it used, and says "proves"
only where the numbers leave one answer.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.diag.checks.saturation.checks import check_series
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.logs.headline import headline
from unetdiag.diag.logs.model import RunLog

LABEL_BLAME = ("0/255", "not normalised", "labels above 1:", "labels 0/255?")


def keras_binary_accuracy(labels: np.ndarray, predictions: np.ndarray) -> float:
    """Keras's BinaryAccuracy: the thresholded prediction compared with the label exactly."""
    return float(np.mean(labels == (predictions > 0.5).astype(labels.dtype)))


def soft_dice(labels: np.ndarray, predictions: np.ndarray) -> float:
    """The usual hand-written ``dice_coef``: pooled, smoothing 1."""
    return float((2 * np.sum(labels * predictions) + 1) / (labels.sum() + predictions.sum() + 1))


def by_id(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


def said(history: dict) -> tuple[list, str]:
    """The findings of one run and the headline explain-log would print for it."""
    findings = check_series("run", history)
    epochs = [dict(zip(history, values, strict=True))
              for values in zip(*history.values(), strict=True)]
    return findings, headline([RunLog("run", epochs, [None] * len(epochs), "")], findings)


def blob_masks(seed: int, count: int = 4, size: int = 64) -> np.ndarray:
    """Binary masks of a few random discs (what segmentation masks look like)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[:size, :size]
    masks = np.zeros((count, size, size), dtype=np.float32)
    for mask in masks:
        for _ in range(rng.integers(2, 6)):
            row, col, radius = rng.integers(0, size, 2).tolist() + [int(rng.integers(4, 14))]
            mask[(rows - row) ** 2 + (cols - col) ** 2 <= radius ** 2] = 1
    return masks


def jpeg_divided_by_255(masks: np.ndarray, quality: int) -> np.ndarray:
    """Masks saved as 8-bit JPEG, read back and divided by 255, never thresholded."""
    soft = []
    for mask in masks:
        buffer = io.BytesIO()
        Image.fromarray((mask * 255).astype(np.uint8)).save(buffer, "JPEG", quality=quality)
        soft.append(np.asarray(Image.open(buffer), dtype=np.float32) / 255)
    return np.stack(soft)


# --------------------------------------------------------------------------- label scale


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), quality=st.integers(5, 60))
def test_jpeg_masks_divided_by_255_never_get_the_0_255_diagnosis(seed, quality):
    """The accuracy bound assumes {0, 1} labels: soft JPEG labels in [0, 1] break it too."""
    labels = jpeg_divided_by_255(blob_masks(seed), quality)
    assert labels.min() >= 0 and labels.max() <= 1  # nothing here is above 1
    predictions = (labels > 0.5).astype(np.float32)  # a model that got every mask right
    accuracy, dice = keras_binary_accuracy(labels, predictions), soft_dice(labels, predictions)
    findings, text = said({"val_accuracy": [accuracy] * 3, "val_dice_coef": [dice] * 3})
    for finding in by_id(findings, "saturation.dice_exceeds_accuracy_bound"):
        assert "labels_not_binary" in finding.evidence["consistent_with"]
        assert "binary_labels" in finding.evidence["assumes"]
        assert not any(words in text for words in LABEL_BLAME)
    assert not by_id(findings, "saturation.dice_above_one")


def test_a_jpeg_mask_that_breaks_the_bound_is_called_soft_as_well_as_0_255():
    labels = jpeg_divided_by_255(blob_masks(3, count=8, size=32), quality=5)
    predictions = (labels > 0.5).astype(np.float32)
    accuracy, dice = keras_binary_accuracy(labels, predictions), soft_dice(labels, predictions)
    assert accuracy < 0.5 < dice  # JPEG noise leaves few labels at exactly 0 or 1
    findings, text = said({"val_accuracy": [accuracy] * 3, "val_dice_coef": [dice] * 3})
    [bound] = by_id(findings, "saturation.dice_exceeds_accuracy_bound")
    assert {"labels_above_one", "labels_not_binary"} <= set(bound.evidence["consistent_with"])
    assert "JPEG masks divided by 255" in text and "not normalised" not in text


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), scale=st.floats(1.5, 20))
def test_predictions_above_one_on_binary_labels_do_not_blame_the_labels(seed, scale):
    """A model without a sigmoid: binary labels, outputs scaled past 1. Its Dice exceeds 1 and
    1 - Dice goes negative, with a perfect accuracy: nothing points at the labels alone."""
    labels = blob_masks(seed)
    predictions = labels * scale  # ReLU-like output: 0 on background, `scale` on foreground
    dice = soft_dice(labels, predictions)
    history = {"accuracy": [keras_binary_accuracy(labels, predictions)] * 3,
               "dice_coef": [dice] * 3, "loss": [1 - dice] * 3}
    findings, text = said(history)
    [above] = by_id(findings, "saturation.dice_above_one")
    [negative] = by_id(findings, "saturation.negative_loss")
    for finding in (above, negative):
        assert "predictions_outside_unit_interval" in finding.evidence["consistent_with"]
        assert "labels above 1" not in finding.title
    assert "0/255?" not in above.title and "sigmoid" in text
    assert not any(words in text for words in ("not normalised", "labels on a 0-255 scale, e.g."))


def test_an_accuracy_below_any_constant_pins_the_labels():
    """0/255 labels with sigmoid outputs: a label of 255 never equals a thresholded 1, so on
    mostly-foreground masks the accuracy falls below any constant predictor's."""
    labels = (1 - blob_masks(1)) * 255
    predictions = np.clip(labels, 0, 1)
    assert keras_binary_accuracy(labels, predictions) < 0.5
    history = {"accuracy": [keras_binary_accuracy(labels, predictions)] * 3,
               "dice_coef": [soft_dice(labels, predictions)] * 3}
    findings, text = said(history)
    [above] = by_id(findings, "saturation.dice_above_one")
    assert above.evidence["consistent_with"] == ["labels_above_one"]
    assert text.startswith("The masks are not normalised to [0, 1]")


@settings(max_examples=60, deadline=None)
@given(weights=st.lists(st.floats(0.5, 3), min_size=2, max_size=4),
       fill=st.floats(0.3, 0.9))
def test_a_small_negative_weighted_dice_loss_with_scores_in_range_is_not_labels(weights, fill):
    """A class-weighted Dice loss 1 - sum(w_c d_c)/C goes below 0 when the weights sum past C;
    every score stays in [0, 1]. Labels on 0-255 would push 1 - Dice to -1 and the Dice past 1."""
    per_class = [fill + (1 - fill) * k / (len(weights) + 1) for k in range(len(weights))]
    loss = 1 - sum(w * d for w, d in zip(weights, per_class, strict=True)) / len(weights)
    if not -1 < loss < -1e-4:
        return
    history = {"loss": [abs(loss), loss / 2, loss], "f1-score": [fill] * 3,
               "iou_score": [fill / (2 - fill)] * 3, "val_loss": [0.16, 0.15, 0.13],
               "val_f1-score": [fill] * 3}
    findings, text = said(history)
    assert not by_id(findings, "saturation.negative_loss")
    [own] = by_id(findings, "saturation.negative_loss_scores_in_range")
    assert own.severity is Severity.INFO and "hundreds of times" not in own.explanation
    assert not any(words in text for words in LABEL_BLAME)


def test_an_accuracy_above_one_is_the_metric_never_the_labels():
    findings, text = said({"loss": [8.7], "sparse_categorical_accuracy": [4.962],
                           "val_loss": [1.0865], "val_sparse_categorical_accuracy": [0.6331]})
    [out] = by_id(findings, "saturation.metric_out_of_range")
    assert out.evidence["consistent_with"] == ["metric_computed_wrongly"]
    assert not any(words in text + out.explanation for words in ("0/255", "0-255"))
    assert not by_id(findings, "saturation.train_val_gap")  # a gap of an impossible value


# --------------------------------------------------------------------------- constant predictors


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**16), missed=st.floats(0.05, 0.9))
def test_no_true_negative_is_not_proof_of_the_all_ones_predictor(seed, missed):
    """Dice = 2a/(1+a) holds for any prediction with TN = 0: foreground on every background
    pixel, and on only part of the foreground (FN > 0). Its foreground fraction is above a."""
    labels = blob_masks(seed)
    rng = np.random.default_rng(seed)
    predictions = np.where(labels == 1, (rng.random(labels.shape) > missed), 1).astype(float)
    accuracy = keras_binary_accuracy(labels, predictions)
    hard_dice = float(2 * np.sum(labels * predictions) / (labels.sum() + predictions.sum()))
    fraction = float(labels.mean())
    assert hard_dice == pytest.approx(2 * accuracy / (1 + accuracy))
    findings = check_series("r", {"val_accuracy": [accuracy] * 3, "val_dice": [hard_dice] * 3})
    for finding in by_id(findings, "saturation.all_ones_predictor"):
        assert not finding.evidence["proven"]
        assert finding.evidence["phases"]["validation"]["foreground_fraction_bound"] == "lower"
        assert finding.evidence["foreground_fraction"] <= fraction + 1e-9
        assert {"true_negatives_zero", "false_negatives_zero"} <= set(finding.evidence["assumes"])
        assert "predicts every pixel" not in finding.title
        assert "consistent with" in finding.explanation


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**16), wrong=st.floats(0.001, 0.05))
def test_a_dice_of_zero_means_no_true_positive_not_no_foreground_predicted(seed, wrong):
    """A model that predicts some foreground, all of it on background pixels: Dice 0, and
    1 - accuracy above the foreground fraction."""
    labels = blob_masks(seed)
    rng = np.random.default_rng(seed)
    predictions = ((labels == 0) & (rng.random(labels.shape) < wrong)).astype(float)
    accuracy = keras_binary_accuracy(labels, predictions)
    findings = check_series("r", {"val_accuracy": [accuracy] * 3,
                                  "val_dice": [soft_dice(labels, predictions) * 0] * 3})
    [zeros] = by_id(findings, "saturation.all_zeros_predictor")
    assert zeros.evidence["foreground_fraction"] >= float(labels.mean()) - 1e-9
    assert zeros.evidence["phases"]["validation"]["foreground_fraction_bound"] == "upper"
    assert "false_positives_zero" in zeros.evidence["assumes"]
    assert "predicts no foreground" not in zeros.title and "at most" in zeros.title


def test_a_near_perfect_model_is_not_the_all_ones_predictor():
    """At accuracy 1 - 1e-16 a perfect model scores the all-ones Dice and IoU too."""
    accuracy = 0.9999999999999999  # TN = 0.1, TP = 0.9, one rounding error from 1
    findings = check_series("r", {"val_accuracy": [accuracy] * 3, "val_iou": [accuracy] * 3})
    assert not by_id(findings, "saturation.all_ones_predictor")


def test_a_measured_foreground_fraction_proves_the_constant_predictor():
    # full-precision numbers (a trainer's own history): four-decimal prints near a = 1 leave
    # TN up to 2.7 % (test_explain_reconcile), which a measured fraction cannot rule out
    accuracy = 0.995012345678
    history = {"val_accuracy": [accuracy] * 3,
               "val_dice_coef": [2 * accuracy / (1 + accuracy)] * 3}
    [guessed] = by_id(check_series("r", history), "saturation.all_ones_predictor")
    [proven] = by_id(check_series("r", history, {"val_foreground_fraction": 0.995}),
                     "saturation.all_ones_predictor")
    assert not guessed.evidence["proven"] and proven.evidence["proven"]
    assert "false_negatives_zero" not in proven.evidence["assumes"]
    assert proven.title.startswith("r predicts every pixel as foreground")
    [elsewhere] = by_id(check_series("r", history, {"val_foreground_fraction": 0.999}),
                        "saturation.all_ones_predictor")
    assert not elsewhere.evidence["proven"]


def test_multi_class_runs_get_no_binary_fingerprint():
    history = {"categorical_accuracy": [0.995] * 3, "val_categorical_accuracy": [0.995] * 3,
               "val_dice_coef": [0.9975] * 3, "loss": [0.3, 0.2, 0.1]}
    assert not {f.id for f in check_series("r", history)} & {
        "saturation.all_ones_predictor", "saturation.dice_exceeds_accuracy_bound"}
    assert by_id(check_series("r", {k.replace("categorical_", ""): v
                                    for k, v in history.items()}),
                 "saturation.all_ones_predictor")


def test_an_accuracy_its_iou_contradicts_gives_no_foreground_fraction():
    """acc 0.09 next to Jaccard 0.86: no binary pixel accuracy of these masks (a soft IoU is
    at most (1+a)/2), so the collapse that follows is not read as an all-zeros predictor."""
    history = {"acc": [0.0868, 0.0901, 0.1084], "jaccard_coef": [0.8612, 0.8625, 0.8036],
               "loss": [0.1388, 0.1375, 0.1964], "val_loss": [0.2957, 0.2968, 1.0],
               "val_acc": [0.0536, 0.0632, 0.5066], "val_jaccard_coef": [0.7043, 0.7032, 1.3e-15],
               "epoch": [10, 11, 12]}
    findings, text = said(history)
    assert not by_id(findings, "saturation.all_zeros_predictor")
    [bound] = by_id(findings, "saturation.iou_exceeds_accuracy_bound")
    assert "accuracy_not_binary_pixel_accuracy" in bound.evidence["consistent_with"]
    [collapse] = by_id(findings, "saturation.score_collapsed")
    assert collapse.evidence["metrics"]["val_jaccard_coef"]["epoch"] == 12
    assert collapse.evidence["losses"] == {"val_loss": 1.0}
    assert text.startswith("In run, val_jaccard_coef collapsed from 0.7032 at epoch 11")


# --------------------------------------------------------------------------- degenerate runs


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_a_model_that_outputs_the_class_prior_is_named(seed):
    """BCE of predicting f at every pixel is H(f), epoch after epoch, and its accuracy is the
    majority share: the fingerprint of a model that learnt the class frequency only."""
    labels = blob_masks(seed)
    fraction = float(labels.mean())
    if not 0.01 < fraction < 0.49:
        return
    prior = np.full_like(labels, fraction)
    bce = float(-np.mean(labels * np.log(prior) + (1 - labels) * np.log(1 - prior)))
    entropy = -(fraction * math.log(fraction) + (1 - fraction) * math.log(1 - fraction))
    assert bce == pytest.approx(entropy)  # H(f)
    accuracy = keras_binary_accuracy(labels, prior)
    history = {"loss": [0.9, round(bce, 4), round(bce, 4), round(bce, 4)],
               "accuracy": [0.6] + [round(accuracy, 4)] * 3,
               "val_loss": [0.8] + [round(bce, 4)] * 3,
               "val_accuracy": [0.7] + [round(accuracy, 4)] * 3}
    findings, text = said(history)
    [prior_finding] = by_id(findings, "saturation.class_prior_loss")
    assert prior_finding.severity is Severity.ERROR
    data = prior_finding.evidence["metrics"]["val_loss"]
    assert data["prior"] == pytest.approx(fraction, abs=1e-4)
    assert data["epochs_matched"] == [2, 3, 4]
    assert "loss_is_binary_crossentropy" in prior_finding.evidence["assumes"]
    assert "consistent with a model that outputs the class prior" in text
    # a model that learnt something has a lower loss than H(f) at the same accuracy
    learnt = {**history, "val_loss": [0.8] + [round(bce / 2, 4)] * 3,
              "loss": [0.9] + [round(bce / 2, 4)] * 3}
    assert not by_id(check_series("run", learnt), "saturation.class_prior_loss")


def test_losses_stuck_at_ln_2_and_a_perfect_validation_accuracy():
    stuck = check_series("r", {"rpn_class_loss": [2674718.4, 0.6931, 0.6931],
                               "val_rpn_class_loss": [0.6931] * 3})
    [uniform] = by_id(stuck, "saturation.uniform_prediction_loss")
    assert uniform.evidence["metrics"]["rpn_class_loss"]["epochs_at_ln2"] == [2, 3]
    perfect = check_series("r", {"binary_accuracy": [0.8856, 1.0, 1.0],
                                 "val_binary_accuracy": [0.9995, 1.0, 1.0],
                                 "val_loss": [0.05, 0.004, 0.0005]})
    [finding] = by_id(perfect, "saturation.perfect_accuracy")
    assert finding.severity is Severity.WARNING
    assert finding.evidence["metrics"]["val_binary_accuracy"]["epochs_at_one"] == [2, 3]
    assert finding.evidence["losses"] == {"val_loss": 0.0005}
    assert not by_id(check_series("r", {"val_accuracy": [0.98, 0.99]}),
                     "saturation.perfect_accuracy")


# --------------------------------------------------------------------------- plateaus


def test_a_plateau_where_the_schedule_cut_the_learning_rate_is_not_a_warning():
    rates = [1e-3] * 4 + [2e-4] * 4 + [4e-5] * 4 + [8e-6] * 4
    flat_tail = [0.9883] * 8
    history = {"val_accuracy": [0.98, 0.981, 0.982, 0.983, 0.984, 0.985, 0.986, 0.987]
               + flat_tail, "lr": rates}
    [flat] = by_id(check_series("r", history), "saturation.flat_metric")
    assert flat.severity is Severity.INFO
    assert flat.evidence["metrics"]["val_accuracy"]["schedule"] is True
    assert "schedule flattened" in flat.explanation
    # the same plateau at a constant learning rate is a warning
    constant = {**history, "lr": [1e-3] * 16}
    [warned] = by_id(check_series("r", constant), "saturation.flat_metric")
    assert warned.severity is Severity.WARNING


def test_an_accuracy_of_zero_on_a_regression_learns_nothing_about_learning():
    history = {"loss": [0.0141, 0.0122, 0.0152, 0.0139], "acc": [0.0056] * 4,
               "val_loss": [0.0118, 0.0120, 0.0115, 0.0106], "val_acc": [0.0] * 4}
    findings, text = said(history)
    [flat] = by_id(findings, "saturation.flat_metric")
    assert flat.severity is Severity.INFO and flat.evidence["uninformative"] == ["acc", "val_acc"]
    assert "learned nothing" not in text and "regression" in text


def test_a_clear_overfit_and_a_diverged_validation_loss():
    findings = check_series("r", {"loss": [0.1747, 0.1732], "acc": [0.9634, 0.9646],
                                  "val_loss": [0.3576, 0.3445], "val_acc": [0.8824, 0.8744]})
    [gap] = by_id(findings, "saturation.train_val_gap")
    assert gap.severity is Severity.WARNING and set(gap.evidence["metrics"]) == {"loss", "acc"}
    [diverged] = by_id(check_series("r", {"loss": [3.646], "val_loss": [3.8278e20]}),
                       "saturation.train_val_gap")
    assert diverged.evidence["diverged"] == ["loss"] and "diverged" in diverged.title
    # a ratio to a training loss below 0 means nothing
    assert not by_id(check_series("r", {"loss": [-0.0052], "val_loss": [0.1294]}),
                     "saturation.train_val_gap")


def test_every_claim_records_its_assumptions_in_the_evidence():
    findings = check_series("r", {"accuracy": [0.0022, 0.0021, 0.0021],
                                  "dice_coef": [1.9455, 1.9798, 1.9801],
                                  "val_accuracy": [0.995] * 3, "val_dice_coef": [0.9975] * 3})
    assumes = {f.id: f.evidence.get("assumes") for f in findings}
    assert assumes["saturation.dice_above_one"] == ["accuracy_threshold_half", "same_data"]
    assert "true_negatives_zero" in assumes["saturation.all_ones_predictor"]
    assert "assumes" not in check_series("r", {"loss": [math.nan]})[0].evidence  # none made
