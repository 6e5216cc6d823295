"""Layouts and claims of the thirteenth pass over public Keras logs (docs/real-logs.md, pass 13)."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

# keras-team/keras#20323: Keras 3 EarlyStopping(restore_best_weights=True) names the epoch
EARLY_STOPPING = "".join(
    f"Epoch {i}/50\n1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 150ms/step - loss: {loss}\n"
    for i, loss in enumerate(("270.5954", "113.6899", "58.7962", "33.2164", "38.8818",
                              "48.5781"), start=1)
) + "Epoch 6: early stopping\nRestoring model weights from the end of the best epoch: 4.\n"


def test_the_restored_epoch_is_named_and_its_values_shown(tmp_path: Path):
    log = tmp_path / "es.log"
    log.write_text(EARLY_STOPPING)
    report = explain_log(log)
    [row] = report.summary["runs"]
    # the model the run ends with holds epoch 4's weights, not epoch 6's
    assert row["loss (train / val)"] == "33.2164 / -"
    assert row["values at"] == "epoch 4 (weights restored; last 6)"
    assert "restored epoch 4's weights (loss 33.2164)" in report.headline
    assert "last epoch logged, 6 (loss 48.5781)" in report.headline


def test_a_restore_message_naming_no_epoch_keeps_the_last_values(tmp_path: Path):
    log = tmp_path / "es.log"
    log.write_text(EARLY_STOPPING.replace("best epoch: 4.", "best epoch."))
    report = explain_log(log)
    [row] = report.summary["runs"]
    assert row["loss (train / val)"] == "48.5781 / -"
    assert row["values at"] == "epoch 6 (last; the restored best epoch is not named)"
    assert "restored" not in report.headline
    # no restore message: no such cell
    log.write_text(EARLY_STOPPING.split("Restoring")[0])
    assert "values at" not in explain_log(log).summary["runs"][0]
