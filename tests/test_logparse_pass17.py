"""Layouts and claims of the seventeenth pass over public Keras logs (docs/real-logs.md, pass
17), and of the leftovers of pass 16.

Each test fails on the code before its mend."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _explain(tmp_path: Path, text: str, name: str = "run.log"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return explain_log(path)


def test_a_mean_iou_above_the_bound_its_recall_puts_on_it_is_named(tmp_path):
    # Unet-for-Person-Segmentation#1: mean_io_u 1.0000 beside recall 0.0071 passed; the
    # foreground's IoU is at most the recall, so a two-class mean is at most 0.5036
    line = ("379/379 [==============================] - 273s 719ms/step - loss: 0.0251 - "
            "mean_io_u: {} - recall: {} - precision: {} - val_loss: 0.0086 - "
            "val_mean_io_u: 1.0000 - val_recall: 0.0000e+00 - val_precision: 0.0000e+00\n")
    report = _explain(tmp_path, "Epoch 1/10\n" + line.format("1.0000", "0.0071", "0.2735"))
    [claim] = [f for f in report.findings if f.id == "saturation.iou_exceeds_recall_bound"]
    assert claim.severity.value == "warning"
    assert claim.evidence["metrics"]["mean_io_u"]["bound"] == (1 + 0.0071) / 2
    assert "val_mean_io_u" not in claim.evidence["metrics"]  # a recall of 0 bounds nothing
    assert "proves" in claim.explanation and "not one true positive" in claim.explanation
    # a mean IoU within the bound, or a recall and a precision of 0, says nothing
    for scores in (("0.5000", "0.0071", "0.2735"), ("1.0000", "0.0000e+00", "0.0000e+00")):
        report = _explain(tmp_path, "Epoch 1/10\n" + line.format(*scores))
        assert "saturation.iou_exceeds_recall_bound" not in {f.id for f in report.findings}
