"""Markdown tables with an epoch column: an ablation's uneven 'Epochs' (10, 20, 50: one model
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
    # 0-7 (the card's own 'Epoch: 7' is the last row's); main refused it ("its epoch is
    # column 3, not the first")
    report = explain_log(REAL / "hf_modelcard_bart_keras_callback_epoch_last_column_from_0.log")
    [rising] = [f for f in report.findings if f.id == "saturation.validation_loss_rising"]
    assert rising.evidence["metrics"]["val_loss"]["last_epoch"] == 8
    assert rising.evidence["metrics"]["val_loss"]["best_epoch"] == 1
