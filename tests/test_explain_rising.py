"""'Still rising at the last epoch' only where the score rose into the last epoch, not where
its best is tied with the epoch before (what rising.py measures is the words' claim)."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.logs.explain import explain_log

ID = "saturation.still_improving"
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
