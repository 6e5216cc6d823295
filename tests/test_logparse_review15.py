"""Mends of the review of explain-log's pass 15 (docs/real-logs.md, "Review of pass 15"):
each test is built from the reviewer's counter-example and failed before its mend."""


from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log


def _bar(**values: float) -> str:
    shown = " - ".join(f"{name}: {value:.4f}" for name, value in values.items())
    return f"20/20 [==============================] - 3s 150ms/step - {shown}\n"


def _epochs(total: int, rows: dict[int, dict[str, float]]) -> str:
    return "".join(f"Epoch {epoch}/{total}\n" + _bar(**values)
                   for epoch, values in rows.items())


def test_a_top_k_accuracy_at_one_is_no_flat_metric(tmp_path: Path):
    # review item 7: Keras's top5 at 1.0000 every epoch while the loss falls
    log = tmp_path / "top5.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, "top5": 1.0,
                                   "val_loss": 0.85 - 0.1 * i, "val_top5": 1.0}
                               for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.flat_metric" not in {f.id for f in report.findings}
    assert "never moved" not in report.headline


@pytest.mark.parametrize(("names", "said"), [
    # review item 12: a top-k accuracy, and a Dice loss, are a classifier's or a segmenter's
    (("loss", "top_k_categorical_accuracy", "val_loss"), "top_k_categorical_accuracy"),
    (("dice_loss", "loss", "val_loss"), "smoothing term"),
])
def test_a_top_k_accuracy_or_a_dice_loss_is_a_named_score(
        tmp_path: Path, names: tuple[str, ...], said: str):
    log = tmp_path / "nan.log"
    log.write_text("".join(
        f"Epoch {i}/5\n413/413 [==============================] - 1s 2ms/step - "
        + " - ".join(f"{name}: {'0.5000' if 'top_k' in name else 'nan'}" for name in names)
        + "\n" for i in range(1, 4)))
    report = explain_log(log)
    [nan] = [f for f in report.findings if f.id == "saturation.non_finite"]
    assert "names no score" not in nan.explanation
    assert said in nan.explanation + nan.fix


@pytest.mark.parametrize("name", ["TopKCategoricalAccuracy", "top-5-accuracy", "Top5Accuracy"])
def test_a_top_k_accuracy_is_known_by_its_other_spellings(tmp_path: Path, name: str):
    # review nit 6: Keras 3's class name (and a hyphenated one) at 1.0000 was 'every
    # validation prediction right'
    log = tmp_path / "top_k.log"
    log.write_text(_epochs(5, {i: {"loss": 0.8 - 0.1 * i, name: 1.0, "val_loss": 0.85 - 0.1 * i,
                                   f"val_{name}": 1.0} for i in range(1, 6)}))
    report = explain_log(log)
    assert "saturation.perfect_accuracy" not in {f.id for f in report.findings}
