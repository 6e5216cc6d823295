"""A training figure above the validation one is not called overfitting alone: Keras measures
the training figures in training mode (BatchNormalization on batch statistics), the
validation ones in inference mode. unetdiag train on ISBI (s26), 3 epochs of 2 steps:
dice 0.4962 vs val_dice 0.0336 was "overfitting, or the two sets differ; use more data or
augmentation", while the saved model scored 0.049 on its own training images in inference
mode; with --normalization none --no-augment the gap was gone."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series

GAP = "saturation.train_val_gap"

# runs/isbi/MP_Tr_BCE/history.json (BatchNormalization, augmentation), four decimals
ISBI = {"accuracy": [0.4399, 0.5153, 0.5760], "dice": [0.3877, 0.4505, 0.4962],
        "iou": [0.2409, 0.2916, 0.3303], "loss": [0.8679, 0.7696, 0.7009],
        "val_accuracy": [0.7490, 0.7650, 0.7671], "val_dice": [0.0254, 0.0080, 0.0336],
        "val_iou": [0.0129, 0.0040, 0.0171], "val_loss": [0.5975, 0.5485, 0.5319]}


def _gap(history, **kwargs):
    [found] = [f for f in check_series("train:MP_Tr_BCE", history, **kwargs) if f.id == GAP]
    return found


def test_an_early_gap_of_unknown_layers_names_the_training_mode_reading_and_how_to_tell():
    found = _gap(ISBI)
    assert "training mode" in found.explanation and "inference mode" in found.explanation
    assert "BatchNormalization" in found.explanation
    assert "After only 3 epochs, the gap may well be that difference" in found.explanation
    # how to tell, before any advice that assumes overfitting
    assert found.fix.startswith("Score the training data in inference mode")
    assert "unetdiag evaluate" in found.fix and "model.evaluate" in found.fix
    assert found.fix.index("inference mode") < found.fix.index("more data or augmentation")
    assert "If the model scores its training data near the training figure" in found.fix


def test_a_model_known_to_have_batch_normalization_is_not_said_to_overfit():
    found = _gap(ISBI, train_mode=["BatchNormalization", "augmentation"])
    assert found.evidence["train_mode"] == ["BatchNormalization", "augmentation"]
    assert "This run's model has BatchNormalization layers" in found.explanation
    assert "the gap alone does not show overfitting" in found.explanation
    # augmentation lowers training figures: not offered as why training is higher
    assert "augmented training inputs, also training-only, would rather lower" in \
        found.explanation


def test_a_model_known_to_have_no_batch_normalization_keeps_overfitting_first():
    found = _gap(ISBI, train_mode=[])
    assert "BatchNormalization" not in found.explanation
    assert "consistent with a model that fits its training data better" in found.explanation
    assert "train_mode" not in found.evidence
    augmented = _gap(ISBI, train_mode=["augmentation"])
    assert "BatchNormalization" not in augmented.explanation
    assert "would rather lower the training figures" in augmented.explanation


def test_a_long_run_whose_gap_grew_is_not_called_early():
    epochs = 30
    history = {"dice": [0.5 + 0.013 * i for i in range(epochs)],
               "val_dice": [0.5 + 0.004 * i - (0.0 if i < 5 else 0.005 * (i - 5))
                            for i in range(epochs)]}
    found = _gap(history)
    assert "After only" not in found.explanation
    assert "from the first epoch" not in found.explanation
    # the reading is still named, as one of three
    assert "training mode" in found.explanation and "overfitting" in found.explanation


def test_a_gap_there_from_the_first_epoch_says_so():
    epochs = 20
    history = {"dice": [0.5 + 0.02 * i for i in range(epochs)],
               "val_dice": [0.3 + 0.01 * i for i in range(epochs)]}
    found = _gap(history)
    assert found.evidence["metrics"]["dice"]["from_first_epoch"] is True
    assert "The gap was there from the first epoch" in found.explanation
    assert "After only" not in found.explanation
