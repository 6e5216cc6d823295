"""'Still rising at the last epoch' only where the score rose into the last epoch, not where
its best is tied with the epoch before (what rising.py measures is the words' claim)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log

ID = "saturation.still_improving"
WITHIN = "saturation.rise_within_swing"
LOSS = [0.9, 0.7, 0.6, 0.5, 0.45]


def test_a_best_tied_with_the_epoch_before_is_not_still_rising():
    # up 0.14 over the last 3 epochs and best at the last, but flat over the last step
    series = {"loss": LOSS, "val_loss": LOSS, "val_dice": [0.3, 0.45, 0.55, 0.59, 0.59]}
    assert ID not in {f.id for f in check_series("run", series)}


def test_a_score_that_rose_into_the_last_epoch_is_named_with_that_epoch():
    series = {"loss": LOSS, "val_loss": LOSS, "val_dice": [0.3, 0.4, 0.5, 0.55, 0.59]}
    [rising] = [f for f in check_series("run", series) if f.id == ID]
    assert rising.title == ("run: val_dice was still rising at epoch 5, the last logged "
                            "(val_dice 0.5900, up 0.1900 over its last 3 epochs)")


def test_a_rebound_to_the_level_held_before_a_dip_is_not_still_rising():
    # Ishana-Dewmini/Retinal_Vessel_Segmentation's CSVLogger file (DRIVE vessels): val IoU
    # 0.6102 at epoch 4, 0.5903 at 8, 0.6115 at 11, "still rising ... up 0.0212 over its
    # last 3 epochs: train longer", where it had held about 0.61 since epoch 4
    val_iou = [0.5967, 0.5819, 0.5839, 0.6102, 0.6086, 0.6073, 0.6096, 0.5903, 0.6087, 0.6085,
               0.6115]
    loss = [0.50 - 0.003 * i for i in range(11)]
    series = {"loss": loss, "val_loss": loss, "val_iou_score": val_iou}
    assert ID not in {f.id for f in check_series("run", series)}
    # the same rebound carried on to a new level is a rise
    series["val_iou_score"] = val_iou[:-1] + [0.6302]
    assert ID in {f.id for f in check_series("run", series)}


def test_a_climb_past_a_one_epoch_spike_is_still_rising():
    # a single epoch's spike (0.80 at epoch 5) is no level the curve held: a score climbing
    # 0.02 an epoch from 0.70 to 0.805 over the last five epochs is still rising, and had
    # been left unsaid because it ends 0.005 above the spike
    val_dice = [0.50, 0.60, 0.66, 0.68, 0.80, 0.70, 0.72, 0.74, 0.76, 0.78, 0.805]
    loss = [0.50 - 0.003 * i for i in range(11)]
    series = {"loss": loss, "val_loss": loss, "val_dice": val_dice}
    assert ID in {f.id for f in check_series("run", series)}
    # the same climb ending at the level held at epochs 4-5 (0.68, 0.80: held 0.68) and
    # below the spike is no new best, so not "still rising"
    series["val_dice"] = val_dice[:-1] + [0.79]
    assert ID not in {f.id for f in check_series("run", series)}


# a new user's default `unetdiag train` (12 epochs, MP_Tr_BCE): "val_dice was still rising
# at the last epoch (0.8981, up 0.0192 over the last 3 epochs) ... train longer", a rise
# smaller than the 0.0314 fall from epoch 9 to 10 inside those 3 epochs
NEW_USER = {
    "loss": [0.1825, 0.1165, 0.1054, 0.0962, 0.0944, 0.0849, 0.0743, 0.0728, 0.0680, 0.0671,
             0.0690, 0.0627],
    "dice": [0.5926, 0.7146, 0.7373, 0.7416, 0.7397, 0.7655, 0.7784, 0.7846, 0.7903, 0.8015,
             0.7899, 0.8030],
    "val_loss": [0.1979, 0.1461, 0.1045, 0.0836, 0.0722, 0.0686, 0.0617, 0.0621, 0.0611, 0.0906,
                 0.0558, 0.0462],
    "val_dice": [0.4504, 0.6362, 0.7798, 0.8499, 0.8693, 0.8588, 0.8604, 0.8757, 0.8789, 0.8475,
                 0.8797, 0.8981]}


def test_a_rise_no_larger_than_a_fall_inside_it_asks_for_no_longer_run(tmp_path):
    path = tmp_path / "history.csv"
    columns = list(NEW_USER)
    path.write_text(",".join(["epoch", *columns]) + "\n" + "".join(
        ",".join([str(epoch), *(f"{NEW_USER[name][epoch]:.4f}" for name in columns)]) + "\n"
        for epoch in range(12)))
    report = explain_log(path)
    assert "train longer" not in report.headline
    assert ID not in {finding.id for finding in report.findings}
    [within] = [finding for finding in report.findings if finding.id == WITHIN]
    data = within.evidence["metrics"]["val_dice"]
    assert data["gain"] == pytest.approx(0.0192) and data["above"] == pytest.approx(0.0184)
    assert data["fall"] == pytest.approx(0.0314) and data["fall_epochs"] == [9, 10]
    assert "consistent with noise as well as with further gains" in within.explanation
    assert "train longer" not in within.fix.lower() and "--epochs" not in within.fix


def test_a_last_epoch_barely_above_the_epoch_before_a_fall_is_not_still_rising():
    # the same user's StrConv_Ups_Dice: 0.8871, 0.8623, 0.8887 ends 0.0016 above epoch 10
    # across a 0.0248 fall, though up 0.0319 over 3 epochs (more than its median change)
    val_dice = [0.6164, 0.7052, 0.7866, 0.7894, 0.8182, 0.8390, 0.8628, 0.8653, 0.8568, 0.8871,
                0.8623, 0.8887]
    findings = check_series("run", dict(NEW_USER, val_dice=val_dice))
    assert ID not in {finding.id for finding in findings}
    [within] = [finding for finding in findings if finding.id == WITHIN]
    assert within.evidence["metrics"]["val_dice"]["above"] == pytest.approx(0.0016)


@settings(max_examples=200, deadline=None)
@given(centre=st.floats(0.3, 0.7), amplitude=st.floats(0.005, 0.1),
       scales=st.lists(st.floats(1.0, 2.0), min_size=5, max_size=30),
       high_first=st.booleans())
def test_alternating_noise_never_asks_for_a_longer_run(centre, amplitude, scales, high_first):
    # a score going up and down by turns around one level, each swing within a factor 2 of
    # the others: whatever epoch it ends on, its last rise is no larger than a fall beside it
    sign = 1 if high_first else -1
    val_dice = [centre + sign * (-1) ** epoch * amplitude * scale
                for epoch, scale in enumerate(scales)]
    loss = [0.5 - 0.01 * epoch for epoch in range(len(scales))]
    findings = check_series("run", {"loss": loss, "val_loss": loss, "val_dice": val_dice})
    assert ID not in {finding.id for finding in findings}


def _titles(path) -> str:
    return " ".join(finding.title for finding in explain_log(path).findings)


def test_a_non_keras_csv_counting_from_1_names_its_own_epochs(tmp_path):
    # a loop's training_log.csv (epoch,train_loss,val_dice, epochs 1-10, like the cardiac run
    # in the corpus) was read as CSVLogger's 0-based count: "still rising at epoch 11" of a
    # file whose last row says 10
    rows = "".join(f"{epoch},{0.8 - 0.05 * epoch:.4f},{0.40 + 0.04 * epoch:.4f}\n"
                   for epoch in range(1, 11))
    path = tmp_path / "training_log.csv"
    path.write_text("epoch,train_loss,val_dice\n" + rows)
    assert "val_dice was still rising at epoch 10, the last logged" in _titles(path)
    # Keras's CSVLogger (training columns bare) counts from 0: a row 10 is its epoch 11 (a
    # fit resumed at initial_epoch=1)
    path.write_text("epoch,loss,val_dice\n" + rows)
    assert "val_dice was still rising at epoch 11, the last logged" in _titles(path)


def test_a_rise_past_its_swing_ending_within_a_fall_is_not_called_a_rise_within_the_swing():
    # up 0.05 over 3 epochs against a median change of 0.045 and a fall of 0.01: the rise is
    # within neither; the last value's 0.005 over epoch 4's 0.745 is within the fall
    loss = [0.5 - 0.03 * i for i in range(6)]
    series = {"loss": loss, "val_loss": loss, "val_dice": [0.60, 0.65, 0.70, 0.745, 0.735, 0.75]}
    [within] = [f for f in check_series("run", series) if f.id == WITHIN]
    assert "by a rise" not in within.title and "by a rise" not in within.explanation
    assert within.title.endswith("0.0050 above the highest of epochs 3-5, within a fall of "
                                 "0.0100 among them")
    assert "that margin of 0.0050 is no larger than the fall" in within.explanation
    # the user's rise of 0.0192 is within its fall of 0.0314 but not its median change 0.0188
    new_user = [f for f in check_series("run", NEW_USER) if f.id == WITHIN][0]
    assert "0.0184 above the highest of epochs 9-11" in new_user.title
