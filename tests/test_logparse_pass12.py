"""Layouts and claims of the twelfth pass over public Keras logs (docs/real-logs.md, pass 12)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

# keras-team/keras#12513: a VAE whose loss fell 2 % in epoch 2 and then froze
VAE = "".join(f"Epoch {i}/15\n265199/265199 [==============================] - 11s 43us/step - "
              f"loss: {loss} - acc: {acc} - val_loss: {val} - val_acc: 0.3275\n"
              for i, (loss, acc, val) in enumerate(
                  [("4.6721", "0.3227", "4.6551"), ("4.5683", "0.3287", "4.6553"),
                   ("4.5684", "0.3287", "4.6560"), ("4.5682", "0.3287", "4.6550"),
                   ("4.5683", "0.3287", "4.6564")], start=1))


def test_a_frozen_validation_accuracy_with_a_barely_moving_loss_is_consistent_with_no_learning(
        tmp_path: Path):
    log = tmp_path / "vae.log"
    log.write_text(VAE)
    headline = explain_log(log).headline
    assert "val_acc never moved" in headline
    assert "consistent with a model that learned nothing" in headline
    assert "from the images" not in headline
