"""Claims review 5 (session 27) found false in explain-log's wording, each with the log
that showed it (docs/real-logs.md, pass 14's review)."""


from __future__ import annotations

from pathlib import Path

from unetdiag.diag.logs.explain import explain_log


def _reconstruction_log(score: str) -> str:
    return "".join(
        f"Epoch {i}/5\n40/40 [==============================] - 3s 75ms/step - loss: "
        f"{0.02 / i:.4e} - {score}: {0.05 / i:.4e} - val_loss: 0.0000e+00 - val_{score}: "
        "0.0000e+00\n" for i in range(1, 6))


def test_an_ssim_loss_or_dssim_of_0_beside_a_validation_loss_of_0_is_no_contradiction(
        tmp_path: Path):
    # 1 - SSIM and an MSE are both 0 for a perfect reconstruction (a blank validation image
    # predicted exactly): consistent values, not a phase that scored nothing
    for score in ("ssim_loss", "dssim"):
        log = tmp_path / f"{score}.log"
        log.write_text(_reconstruction_log(score))
        report = explain_log(log)
        assert "saturation.validation_not_scored" not in {f.id for f in report.findings}, score
        assert "no measurement" not in report.headline
    # an SSIM of 0 (a score, 1 when perfect) beside a loss of 0 still is one
    log = tmp_path / "ssim.log"
    log.write_text(_reconstruction_log("ssim"))
    assert "saturation.validation_not_scored" in {f.id for f in explain_log(log).findings}


def _unscored_log(zero: str, accuracy: str) -> str:
    return "".join(
        f"Epoch {i}/3\n237/237 [==============================] - 120s 506ms/step - loss: "
        f"0.2{9 - i}00 - acc: {accuracy}{i} - val_loss: {zero} - val_acc: {zero}\n"
        for i in range(1, 4))


def test_zeros_printed_to_four_decimals_are_not_called_exactly_0_nor_given_tf2_causes(
        tmp_path: Path):
    log = tmp_path / "old.log"
    # Keras before 2.3 prints every value to four decimals: 0.0000 is at most 5e-05
    log.write_text(_unscored_log("0.0000", "0.910"))
    report = explain_log(log)
    [found] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    for text in (found.title, found.explanation, report.headline):
        assert "exactly 0" not in text
        assert "print as 0.0000 (at most 5e-05)" in text
        # tf.keras 2.2+'s list-as-inputs reading prints 0.0000e+00, not this log's 0.0000
        assert "read a list as inputs" not in text
        assert "passed as a list rather than a tuple" not in text
    assert "tuple" not in found.fix
    assert found.evidence["printed"] == "0.0000" and found.evidence["exact"] is False
    # the same values printed in e-notation are exactly 0, and the TF 2.x causes fit them
    log.write_text(_unscored_log("0.0000e+00", "0.910"))
    report = explain_log(log)
    [found] = [f for f in report.findings if f.id == "saturation.validation_not_scored"]
    assert "val_loss and val_acc are exactly 0 at every epoch logged" in found.title
    assert "tensorflow/tensorflow#39370" in found.explanation
    assert "validation_data passed as a list rather than a tuple" in report.headline


def test_a_dice_of_0_in_a_later_appended_fit_is_not_called_so_early_in_a_run(tmp_path: Path):
    # CSVLogger(append=True) over two fit() calls of two epochs each: the second's epochs
    # 1-2 may continue the model the first one trained
    log = tmp_path / "training.csv"
    log.write_text("epoch,dice,loss\n0,0.40,0.50\n1,0.45,0.45\n0,0.0,0.44\n1,0.0,0.43\n")
    report = explain_log(log)
    found = {f.evidence["run"]: f for f in report.findings
             if f.id == "saturation.score_zero_few_epochs"}
    later = found["run 2"]
    assert "So early in a run" not in later.explanation
    assert "This fit() is a later one appended to the same CSVLogger file" in (
        later.explanation)
    assert later.evidence["later_fit"] is True
    assert "a common start this early" not in report.headline
    # a file holding one fit keeps the reading of a start
    log.write_text("epoch,dice,loss\n0,0.0,0.44\n1,0.0,0.43\n")
    [alone] = [f for f in explain_log(log).findings
               if f.id == "saturation.score_zero_few_epochs"]
    assert "So early in a run this is a common start" in alone.explanation
    assert alone.evidence["later_fit"] is False
