"""Layouts and claims of the fourteenth pass over public Keras logs (docs/real-logs.md, pass 14)."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.checks.saturation.checks import check_series
from unetdiag.diag.logs.explain import explain_log

# a custom loop's own lines: a regulariser computed in training only prints 0 in validation
LOOP_TERM = "".join(
    f"Epoch {i}, Loss: {0.9 - 0.03 * i:.4f}, Dice: {0.50 + 0.02 * i:.4f}, "
    f"Reg: {0.60 - 0.02 * i:.4f}, Val Loss: {0.95 - 0.02 * i:.4f}, "
    f"Val Dice: {0.45 + 0.02 * i:.4f}, Val Reg: 0.0000\n" for i in range(1, 13))


def _flat_text(report) -> str:
    [flat] = [f for f in report.findings if f.id == "saturation.flat_metric"]
    return flat.explanation


def test_a_custom_loops_training_only_term_is_not_said_to_be_printed_by_keras(tmp_path: Path):
    log = tmp_path / "loop.log"
    log.write_text(LOOP_TERM)
    text = _flat_text(explain_log(log))
    assert "only in training" in text
    assert "Keras prints" not in text
    assert "a loop that never computes it in validation may print it as 0" in text
    # the same numbers from fit() (a history) keep the sentence about Keras's printing
    history = {"loss": [0.9 - 0.03 * i for i in range(1, 13)],
               "dice": [0.5 + 0.02 * i for i in range(1, 13)],
               "reg": [0.6 - 0.02 * i for i in range(1, 13)],
               "val_loss": [0.95 - 0.02 * i for i in range(1, 13)],
               "val_dice": [0.45 + 0.02 * i for i in range(1, 13)], "val_reg": [0.0] * 12}
    [flat] = [f for f in check_series("run 1", history) if f.id == "saturation.flat_metric"]
    assert "Keras prints a metric it never updated in validation as 0" in flat.explanation
