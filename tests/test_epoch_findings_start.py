"""The per-epoch monitors' first_epoch is when the condition began, not when a check of the
whole history could first say it (s26: saturation.score_zero_throughout, 'val_dice is 0.0000
at every one of the 3 epochs', had first_epoch 3 and epochs_seen 1)."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import check_series
from unetdiag.training.callbacks.base import EpochFindings


def test_a_dice_at_zero_throughout_starts_at_the_first_epoch():
    log = EpochFindings(keep_resolved=False)
    history: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_dice": []}
    for epoch in range(1, 5):
        history["loss"].append(0.7 - 0.05 * epoch)
        history["val_loss"].append(0.7 - 0.01 * epoch)
        history["val_dice"].append(0.0)
        log.record(epoch, check_series("train:m", history))
    [zero] = [f for f in log.findings() if f.id == "saturation.score_zero_throughout"]
    assert zero.evidence["metrics"]["val_dice"]["from_epoch"] == 1
    assert zero.evidence["first_epoch"] == 1
    assert zero.evidence["first_reported_epoch"] > 1  # the check needed a few epochs to say it
