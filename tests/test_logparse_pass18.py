"""Pass 18 of explain-log on real public Keras logs (docs/real-logs.md): the items pass 17
left and the failures of the new logs, each test failing on the code before its fix."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

DATA = Path(__file__).parent / "data" / "logs"
REVIEW = DATA / "review"
STILL_IMPROVING = "saturation.still_improving"


def _only(report, finding_id):
    [found] = [f for f in report.findings if f.id == finding_id]
    return found


def test_a_score_still_rising_on_a_line_between_two_cuts_gives_its_range():
    # pass 17 left it: the finding's title counted the line after '...' on as epoch 4 ("at the
    # last epoch ..., over its last 3 epochs") where it may be any epoch from 4 to 100
    found = _only(explain_log(REVIEW / "c32_first_epochs_cut_then_last_line.log"),
                  STILL_IMPROVING)
    text = found.title + " " + found.explanation
    assert "any epoch from 4 to 100" in text
    assert "at epoch 4" not in text and "last 3 epochs" not in text
    data = found.evidence["metrics"]["val_dice_coef"]
    assert data["last_epoch"] is None and data["last_epoch_range"] == [4, 100]
    assert data["over_epochs"] is None and data["over_values"] == 3


def test_a_rise_over_an_excerpt_with_a_gap_counts_the_epochs_the_log_numbers(tmp_path):
    # epochs 1-3 then 'Epoch 50/100': the values 3 apart are 49 epochs apart, not 3
    bar = "10/10 [==============================] - 2s 200ms/step"
    lines = []
    for epoch, (dice, val) in zip((1, 2, 3, 50), ((0.40, 0.42), (0.50, 0.52), (0.60, 0.62),
                                                 (0.84, 0.84)), strict=True):
        lines += [f"Epoch {epoch}/100", f"{bar} - loss: {1 - dice:.4f} - dice_coef: "
                  f"{dice:.4f} - val_loss: {1 - val:.4f} - val_dice_coef: {val:.4f}"]
        if epoch == 3:
            lines.append("...")
    path = tmp_path / "gap.log"
    path.write_text("\n".join(lines) + "\n")
    found = _only(explain_log(path), STILL_IMPROVING)
    assert "over its last 49 epochs" in found.title
    assert "from 0.4200 at epoch 1, 49 epochs earlier" in found.explanation
