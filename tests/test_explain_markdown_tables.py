"""Markdown tables (and CSV files) with an epoch column: an ablation's 'Epochs' (10, 20, 50, or
10, 20, 30, 40 under a count's name or beside a column naming each row's model: one model
each) is no run; a Hugging Face Keras model card's 'Training results' table with the epoch
last, counted from 0 (transformers' Keras callback), is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log
from unetdiag.diag.logs.markdown_table import counts_up, markdown_epoch_table
from unetdiag.exitcodes import UserError

REAL = Path(__file__).parent / "data" / "logs" / "real"
ABLATION = ("| Epochs | Train Loss | Validation Dice |\n|---|---|---|\n"
            "| 10 | 0.31 | 0.71 |\n| 20 | 0.24 | 0.78 |\n| 50 | 0.18 | 0.82 |\n")


def test_an_ablation_over_epochs_is_not_read_as_a_run(tmp_path):
    # each row a model trained that many epochs: "still rising at epoch 50" would be false
    assert markdown_epoch_table(ABLATION) == []
    path = tmp_path / "results.md"
    path.write_text(ABLATION)
    with pytest.raises(UserError) as refused:
        explain_log(path)
    assert ("whose values (10, 20, 50) do not go up by one step a row, as a row per epoch does: "
            "a table of results or settings") in str(refused.value)


@pytest.mark.parametrize(("values", "expected"), [
    (["1", "2", "3"], True), (["1", "2", "1", "2", "3"], True), (["1", "...", "9", "10"], True),
    (["5", "10", "5", "10", "15"], True), (["10", "20", "50"], False), (["50", "50", "80"], False),
    (["1", "2", "4"], False)])
def test_an_epoch_column_goes_up_by_one_step_a_row(values, expected):
    assert counts_up(values) is expected


def test_a_keras_callback_model_card_with_the_epoch_last_is_read():
    # SiriRRR/bart-base-finetuned-test's card: | Train Loss | Validation Loss | Epoch |, epochs
    # 0-7 (the card's own 'Epoch: 7' is the last row's): read, not refused as "its epoch is
    # column 3, not the first"
    report = explain_log(REAL / "hf_modelcard_bart_keras_callback_epoch_last_column_from_0.log")
    [rising] = [f for f in report.findings if f.id == "saturation.validation_loss_rising"]
    assert rising.evidence["metrics"]["val_loss"]["last_epoch"] == 8
    assert rising.evidence["metrics"]["val_loss"]["best_epoch"] == 1


def _refusal(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(UserError) as refused:
        explain_log(path)
    assert "\n" not in str(refused.value) and str(path) in str(refused.value)
    return str(refused.value)


EVEN = ("| Epochs | Train Loss | Validation Dice |\n|---|---|---|\n"
        "| 10 | 0.31 | 0.71 |\n| 20 | 0.24 | 0.78 |\n| 30 | 0.20 | 0.80 |\n| 40 | 0.18 | 0.82 |\n")


def test_an_ablation_over_epochs_in_even_steps_is_not_read_as_a_run(tmp_path):
    # 'Epochs' 10, 20, 30, 40: each row's count of training, not one run logged every 10
    # epochs (main read it as one run "still rising at epoch 40")
    assert markdown_epoch_table(EVEN) == []
    message = _refusal(tmp_path, "ablation.md", EVEN)
    assert "its column 'Epochs' (10, 20, 30, 40) goes up 10 a row" in message
    assert "read as a table of results (each row's length of training)" in message
    # the same numbers under 'epoch' and no setting column: a run logged every 10 epochs
    # (ugent-korea/pytorch-unet-segmentation#9 logs every 5), still read
    [run] = markdown_epoch_table(EVEN.replace("| Epochs |", "| epoch |"))
    assert run.epoch_numbers == [10, 20, 30, 40]


def test_a_column_naming_each_row_s_model_makes_the_rows_separate_runs(tmp_path):
    table = ("| Epoch | Model | Train Loss | Validation Dice |\n|---|---|---|---|\n"
             "| 10 | U-Net | 0.31 | 0.71 |\n| 20 | U-Net | 0.24 | 0.78 |\n"
             "| 30 | Attention U-Net | 0.20 | 0.80 |\n| 40 | Attention U-Net | 0.18 | 0.82 |\n")
    message = _refusal(tmp_path, "models.md", table)
    assert "'Model' (U-Net, Attention U-Net) name each row's configuration" in message


def test_a_csv_of_results_is_refused_both_ways(tmp_path):
    uneven = _refusal(tmp_path, "uneven.csv",
                      "epochs,loss,val_dice\n10,0.31,0.71\n20,0.24,0.78\n50,0.20,0.80\n")
    assert ("its column 'epochs' (10, 20, 50), named for a count of epochs, does not go up by "
            "one step a row") in uneven
    batches = _refusal(tmp_path, "batches.csv", "epoch,batch_size,loss,val_dice\n10,8,0.31,0.71\n"
                       "20,16,0.24,0.78\n30,8,0.20,0.80\n40,16,0.18,0.82\n")
    assert "'batch_size' (8, 16) name each row's configuration" in batches
    # still read: one row per epoch, two models one after the other; an lr column changing
    # every 10 epochs (a schedule is no configuration), and a column of times
    long = tmp_path / "long.csv"
    long.write_text("model,epoch,loss,val_dice\nunet,0,0.5,0.6\nunet,1,0.4,0.7\n"
                    "attunet,0,0.5,0.6\nattunet,1,0.4,0.72\n")
    assert [row["epochs"] for row in explain_log(long).summary["runs"]] == [2, 2]
    scheduled = tmp_path / "scheduled.csv"
    scheduled.write_text("epoch,lr,time,loss,val_dice\n10,0.001,0:01:02,0.31,0.71\n"
                         "20,0.0005,0:02:03,0.24,0.78\n30,0.0005,0:03:01,0.20,0.80\n"
                         "40,0.0001,0:04:02,0.18,0.82\n")
    assert [row["epochs"] for row in explain_log(scheduled).summary["runs"]] == [4]
