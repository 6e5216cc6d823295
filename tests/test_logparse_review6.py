"""Claims review 6 found false in explain-log (docs/real-logs.md, pass 14 review)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

# a hinge or margin loss is 0 for inexact predictions: loss 0 beside an R² of 0.27 is no
# contradiction for it, so the headline carries the condition the body states
HINGE = "epoch,loss,r_square,val_loss,val_r_square\n0,0.012345,0.200000,0.031200,0.180000\n" + (
    "".join(f"{i},0.0,{0.20 + 0.01 * i:.6f},{0.0312 - 0.001 * i:.6f},{0.18 + 0.01 * i:.6f}\n"
            for i in range(1, 8)))


def test_the_zero_loss_headline_names_the_losses_it_holds_for(tmp_path: Path):
    log = tmp_path / "hinge.csv"
    log.write_text(HINGE)
    report = explain_log(log)
    [claim] = [f for f in report.findings if f.id == "saturation.training_loss_not_measured"]
    for text in (claim.title, report.headline):
        assert "if the loss is 0 only for exact predictions" in text
        assert "(every prediction exact) would make 1" not in text
    assert "if the loss is 0 only for exact predictions" in report.summary["runs"][0]["verdict"]
