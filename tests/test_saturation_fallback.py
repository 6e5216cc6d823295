"""A training Dice or IoU that gave most of its gain back (saturation.score_fell_back)."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.checks.saturation.fallback import score_fell_back
from unetdiag.diag.checks.saturation.metrics import metric_series
from unetdiag.diag.checks.saturation.thresholds import DEFAULT_THRESHOLDS

#: The pneumothorax notebook's second fit, its training Dice (epochs 1-40), rounded.
_PNEUMOTHORAX_DICE = [0.0335, 0.08, 0.091, 0.11, 0.1301, 0.1391, 0.1518, 0.1527, 0.154, 0.1738,
                      0.1756, 0.1742, 0.1677, 0.1687, 0.1195, 0.1372, 0.1485, 0.1309, 0.1727,
                      0.1848, 0.186, 0.1895, 0.1958, 0.1866, 0.2035, 0.2036, 0.2057, 0.1723,
                      0.0705, 0.0638, 0.131, 0.1345, 0.1354, 0.1505, 0.0336, 0.0396, 0.044,
                      0.0452, 0.0466, 0.047]


def _ids(history):
    return {finding.id: finding for finding in check_series("run 1", history)}


def test_a_training_dice_that_gave_its_gain_back_is_said_with_its_numbers():
    loss = [1.0 - 0.8 * d for d in _PNEUMOTHORAX_DICE]
    found = _ids({"loss": loss, "dice_coefficient": _PNEUMOTHORAX_DICE})
    finding = found["saturation.score_fell_back"]
    assert finding.severity.value == "warning"
    assert finding.title == "run 1: dice_coefficient fell back to 0.0470 (best 0.2057 at epoch 27)"
    assert "rose from 0.0335 at epoch 1 to 0.2057 at epoch 27" in finding.explanation
    assert "0.0452-0.0470 over epochs 38-40" in finding.explanation
    assert "which overfitting does not do" in finding.explanation


def test_a_one_epoch_spike_a_fall_to_zero_and_a_validation_fall_are_not_a_fall_back():
    stuck = [0.4054, 0.4435, *[0.3755] * 19, 0.5632, *[0.3755] * 13]  # BraTS MeanIoU, one spike
    assert "saturation.score_fell_back" not in _ids({"loss": [0.5] * len(stuck),
                                                     "iou": stuck})
    to_zero = [*_PNEUMOTHORAX_DICE[:34], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    found = _ids({"loss": [0.5] * 40, "dice_coefficient": to_zero})
    assert "saturation.score_fell_back" not in found
    assert "saturation.score_collapsed" in found
    assert "saturation.score_fell_back" not in _ids({
        "loss": [0.5] * 40, "dice_coefficient": [0.3] * 40,
        "val_loss": [0.5] * 40, "val_dice_coefficient": _PNEUMOTHORAX_DICE})


def test_a_score_still_near_its_best_or_that_never_gained_is_not_a_fall_back():
    held = [*_PNEUMOTHORAX_DICE[:34], 0.15, 0.16, 0.155, 0.16, 0.158, 0.16]
    assert "saturation.score_fell_back" not in _ids({"loss": [0.5] * 40,
                                                     "dice_coefficient": held})
    small = [0.30 + 0.09 * (i in range(10, 20)) for i in range(40)]  # a gain of 0.09
    assert "saturation.score_fell_back" not in _ids({"loss": [0.5] * 40,
                                                     "dice_coefficient": small})


def test_a_tail_of_one_printed_value_is_named_once():
    dice = [*_PNEUMOTHORAX_DICE[:37], 0.047, 0.047, 0.047]
    finding = _ids({"loss": [0.5] * 40, "dice_coefficient": dice})["saturation.score_fell_back"]
    assert "fell back to 0.0470 over epochs 38-40" in finding.explanation


def test_no_fall_back_is_named_at_a_line_whose_epoch_the_log_leaves_open():
    series = metric_series({"loss": [0.5] * 40, "dice_coefficient": _PNEUMOTHORAX_DICE})
    assert score_fell_back("run 1", series, DEFAULT_THRESHOLDS) is not None
    assert score_fell_back("run 1", series, DEFAULT_THRESHOLDS, open_epochs={39}) is None
