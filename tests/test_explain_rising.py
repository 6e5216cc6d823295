"""'Still rising at the last epoch' only where the score rose into the last epoch, not where
its best is tied with the epoch before (what rising.py measures is the words' claim)."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series

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
