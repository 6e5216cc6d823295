"""A headerless closing line right after (or glued to) a callback message naming its epoch is
that epoch: zhixuhao/unet#158 pasted one epoch whose ModelCheckpoint message is glued between
its last drawings, with no 'Epoch 1/5' header, and main refused the file (issue 14)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.read import parse_log_text

REAL = Path(__file__).parent / "data" / "logs" / "real"


CLOSING = "300/300 [==============================] - 80s 268ms/step - loss: 0.1768 - acc: 0.9239"


def test_a_closing_line_glued_after_its_checkpoint_message_is_epoch_one():
    report = explain_log(REAL / "zhixuhao_unet_158_checkpoint_glued_both_sides_predict_bar.log")
    [row] = report.summary["runs"]
    assert row["epochs"] == 1
    assert report.meta["final_values"]["run 1"] == {"loss": 0.1768, "acc": 0.9239}
    notes = " ".join(f.explanation for f in report.findings if f.id == "log.parse_notes")
    assert "callback message printed before it on the same line" in notes


def test_a_checkpoint_message_on_its_own_line_names_the_closing_line_after_it():
    text = ("299/300 [============================>.] - ETA: 0s - loss: 0.1770 - acc: 0.9238\n"
            "Epoch 00003: loss improved from 0.2 to 0.17682, saving model to unet.hdf5\n"
            f"{CLOSING}\n")
    [run] = parse_log_text(text, Path("headerless.log"))
    assert run.epoch_numbers == [3]
    # a closing line lines away from the message, with no header and no val_*, stays
    # unread: an evaluate() summary reads alike
    text += f"\nsome text\n{CLOSING}\n"
    [run] = parse_log_text(text, Path("headerless.log"))
    assert run.epoch_numbers == [3]
