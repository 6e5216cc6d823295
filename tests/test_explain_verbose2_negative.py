"""Keras's verbose=2 line tests ``avg > 1e-3`` without ``abs`` (Keras 3.15's progbar.py, as
Keras 2's), so a negative Dice loss prints in e-notation, five decimals: ``loss: -8.5121e-01``.
A flat stretch whose prints differ there moved as the log printed it; re-rounded to the bar's
four decimals (-0.8512 each) it was said "have not moved"."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _verbose2(value: float) -> str:
    # keras/src/utils/progbar.py, verbose == 2: `if avg > 1e-3:` .4f, else .4e
    return f"{value:.4f}" if value > 1e-3 else f"{value:.4e}"


def _log(tmp_path: Path, losses: list[float]) -> Path:
    lines = []
    for epoch, loss in enumerate(losses, start=1):
        lines += [f"Epoch {epoch}/{len(losses)}",
                  f"32/32 - 2s - 61ms/step - dice_coef: {_verbose2(-loss)} - loss: "
                  f"{_verbose2(loss)} - val_dice_coef: {_verbose2(0.02 - loss)} - val_loss: "
                  f"{_verbose2(loss - 0.02)}"]
    path = tmp_path / "verbose2.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_negative_dice_loss_that_printed_other_values_is_no_unmoved_loss(tmp_path):
    losses = [-0.61234, -0.73456, -0.80123, -0.85121, -0.85124, -0.85122, -0.85123,
              -0.85124, -0.85122, -0.85121]
    assert "loss: -8.5121e-01" in _log(tmp_path, losses).read_text()
    headline = explain_log(_log(tmp_path, losses)).headline
    assert "have not moved" not in headline
    assert "have stayed flat since epoch 4 (loss -0.85124 to -0.85121)" in headline


def test_a_negative_dice_loss_that_printed_one_value_has_not_moved(tmp_path):
    losses = [-0.61234, -0.73456, -0.80123] + [-0.85121] * 7
    headline = explain_log(_log(tmp_path, losses)).headline
    assert "dice_coef and loss have not moved since epoch 4" in headline
