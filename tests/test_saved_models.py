"""A ``.keras`` file saved by an earlier unetdiag still loads, compiled, after code moves.

``tests/data/models/mp_tr_dice_saved_by_0.1.0.keras`` was saved by unetdiag 0.1.0 before
``unetdiag/training/losses.py`` was split into overlap maths, losses and metrics: a tiny
MP_Tr_Dice (16 px, 1 channel, 2 base filters, depth 1) compiled with :class:`DiceLoss` and
:func:`build_metrics`, trained one epoch. The ``.npz`` beside it holds two images and the
probabilities that model predicted for them when it was saved.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pytest

import unetdiag.training.losses  # noqa: F401  (registers the losses and metrics, as the README says)
from unetdiag.training.losses import DiceLoss, HardDice, HardIoU

MODELS = Path(__file__).parent / "data" / "models"


def test_a_model_saved_before_the_move_loads_compiled_and_predicts_the_same():
    model = keras.saving.load_model(MODELS / "mp_tr_dice_saved_by_0.1.0.keras")
    saved = np.load(MODELS / "mp_tr_dice_saved_by_0.1.0.npz")
    assert isinstance(model.loss, DiceLoss)
    np.testing.assert_allclose(model.predict(saved["images"], verbose=0),
                               saved["probabilities"], rtol=1e-5, atol=1e-6)
    masks = (saved["images"] > 0.5).astype("float32")
    scores = model.evaluate(saved["images"], masks, verbose=0, return_dict=True)
    assert {"loss", "dice", "iou"} <= set(scores)
    hard = HardDice()
    hard.update_state(masks, saved["probabilities"])
    assert scores["dice"] == pytest.approx(float(hard.result()), abs=1e-6)
    assert isinstance(HardIoU(), keras.metrics.Metric)
