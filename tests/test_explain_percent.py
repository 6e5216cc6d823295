"""Console accuracies printed with a percent sign (``acc: 91.40%``, a logger's own format) are
read as the fractions Keras computes (0.914), with a note, not left unread."""

from __future__ import annotations

from unetdiag.diag.logs.read import histories, parse_log_text

BAR = "100/100 [==============================] - 11s 110ms/step"


def _read(lines: list[str]):
    from pathlib import Path
    runs = parse_log_text("\n".join(lines) + "\n", Path("percent.log"))
    return runs, histories(runs)["run 1"]


def test_a_bar_line_with_percent_accuracies_is_read_as_fractions():
    runs, history = _read([
        "Epoch 1/2", f"{BAR} - loss: 0.2800 - acc: 90.50% - val_loss: 0.2900 - val_acc: 89.10%",
        "Epoch 2/2", f"{BAR} - loss: 0.2400 - acc: 91.40% - val_loss: 0.2700 - val_acc: 91.60%"])
    assert history["acc"] == [0.905, 0.914]
    assert history["val_acc"] == [0.891, 0.916]
    notes = runs[0].notes
    assert not any("could not read" in note for note in notes)
    assert sum("printed with a percent sign" in note for note in notes) == 1


def test_a_verbose_2_line_with_a_percent_accuracy_is_read_as_a_fraction():
    _, history = _read(["Epoch 1/2", " - 12s - loss: 0.3500 - acc: 88.20 %",
                        "Epoch 2/2", " - 11s - loss: 0.2800 - acc: 100.00%"])
    assert history["acc"] == [0.882, 1.0]
