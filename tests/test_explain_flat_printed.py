"""A flat metric is said to have "never moved", or to hold one value at every epoch, only when
its printed values are alike: one that moved by a printed unit inside the flat tolerance is
"flat since epoch N", given as the range it printed (session 35: AUCMEDI's auc 0.9999 then
1.0000, AstarLight#22's acc 0.3267 then 0.3268, ultrasound-nerve#24's dice_coef 0.0191 and
0.0192 were each "never moved" or "<last value> at every epoch")."""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log

LINE = ("Epoch {epoch}/20\n10/10 [==============================] - 3s - loss: {loss} - "
        "acc: {acc} - val_loss: {val_loss} - val_acc: {val_acc}\n")


def _flat_words(tmp_path: Path, accs: list[str], val_accs: list[str]) -> str:
    text = "".join(LINE.format(epoch=epoch, loss=f"{0.5 - epoch / 100:.4f}", acc=acc,
                               val_acc=val_acc, val_loss=f"{0.6 - epoch / 50:.4f}")
                   for epoch, (acc, val_acc) in enumerate(zip(accs, val_accs, strict=True), 1))
    path = tmp_path / "run.log"
    path.write_text(text)
    report = explain_log(path)
    [flat] = [f for f in report.findings if f.id == "saturation.flat_metric"]
    return f"{flat.title} {flat.explanation} {report.headline}"


def test_a_value_that_moved_one_printed_unit_never_moved_is_not_said(tmp_path):
    said = _flat_words(tmp_path, ["0.3267", "0.3268", "0.3268", "0.3268"],
                       ["0.3299", "0.3300", "0.3300", "0.3300"])
    assert "never moved" not in said
    assert "acc flat since epoch 1" in said
    # the range printed, not the last value "at every one of the 4 epochs"
    assert "acc 0.3267 to 0.3268 at every one of the 4 epochs" in said
    assert "val_acc 0.3299 to 0.3300 at every one of the 4 epochs" in said


def test_values_printed_alike_still_never_moved(tmp_path):
    said = _flat_words(tmp_path, ["0.3268"] * 4, ["0.3300"] * 4)
    assert "never moved" in said
    assert "acc 0.3268 at every one of the 4 epochs" in said


def test_a_plateau_of_one_printed_unit_keeps_its_headline(tmp_path):
    # val_acc printed 0.9000 and 0.9001 for 20 epochs while the loss fell: as much a plateau
    # as 0.9000 twenty times, whose headline says so; it had been left to "val_acc flat since
    # epoch 1", the loss that kept moving unsaid
    accs = [f"{0.80 + epoch / 100:.4f}" for epoch in range(20)]
    said = _flat_words(tmp_path, accs, ["0.9000", "0.9001"] * 10)
    assert ("In run 1, val_acc stayed within 0.9000 to 0.9001 across epochs, while the loss "
            "kept moving: whatever the model learned barely changed what these metrics "
            "count.") in said
    assert "never moved" not in said


def test_stuck_training_that_printed_two_values_has_not_not_moved(tmp_path):
    # ultrasound-nerve#24: loss -0.0192 and -0.0191, dice_coef 0.0191 and 0.0192, were "loss
    # and dice_coef have not moved since epoch 2: training is stuck"
    text = "".join(
        f"Epoch {epoch}/10\n10/10 [==============================] - 3s - loss: {loss} - "
        f"acc: {acc} - val_loss: {0.70 - 0.01 * epoch:.4f} - val_acc: {0.5 + 0.01 * epoch:.4f}\n"
        for epoch, (loss, acc) in enumerate(zip(["0.6931", "0.6932"] * 5,
                                                ["0.5000", "0.5001"] * 5, strict=True), 1))
    path = tmp_path / "run.log"
    path.write_text(text)
    headline = explain_log(path).headline
    assert ("In run 1, loss and acc have stayed flat since epoch 1 (loss 0.6931 to 0.6932 and "
            "acc 0.5000 to 0.5001): training is stuck.") in headline
    assert "have not moved" not in headline
