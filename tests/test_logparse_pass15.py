"""Layouts and claims of the fifteenth pass over public Keras logs (docs/real-logs.md, pass 15)."""


from __future__ import annotations

from unetdiag.diag.checks.saturation.checks import check_series


def test_a_score_flat_at_zero_is_titled_with_its_value():
    history = {"loss": [0.49, 0.36, 0.33, 0.30, 0.28, 0.25, 0.24],
               "val_loss": [0.43, 0.35, 0.34, 0.30, 0.28, 0.24, 0.24],
               "val_dice": [0.0, 0.0, 0.0007, 0.0, 0.0, 0.0, 0.0]}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "val_dice at 0.0000 since epoch 4" in flat.title
