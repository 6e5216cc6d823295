"""Tables (CSV, Markdown, trainer and results tables), printed dicts and JSON: which are epochs
of a run, and which layouts explain-log refuses naming what they are (tqdm, an Estimator log)."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetdiag.diag.logs.explain import explain_log, explain_runs
from unetdiag.diag.logs.markdown_table import markdown_epoch_table
from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import UserError

# jhu-lcsr/costar_plan#442: a callback prints the epoch's logs dict, glued to the last drawing
COSTAR = ("Epoch 1/100\n"
          "320/321 [============================>.] - ETA: 0s - loss: 0.8076 - binary_accuracy: "
          "0.5920('\\nlogs:', {'loss': 0.8070637810267391, 'val_binary_accuracy': "
          "0.640247677003636, 'lr': 0.01, 'val_loss': 0.663860797180849, 'binary_accuracy': "
          "0.5925233652844236})\n\n"
          "Epoch 00001: val_binary_accuracy improved from -inf to 0.64025, saving model to x\n")


REAL = Path(__file__).parent / "data" / "logs" / "real"


DATA = Path(__file__).parent / "data" / "logs"


REVIEW = DATA / "review"


def _runs(tmp_path, name: str, text: str) -> list[dict]:
    path = tmp_path / name
    path.write_text(text)
    return explain_log(path).summary["runs"]


def _found(findings, finding_id):
    return [f for f in findings if f.id == finding_id]


TABLE_FROM_ZERO = """| Epoch | loss | dice_coef | val_loss | val_dice_coef |
|---|---|---|---|---|
| 0 | 0.60 | 0.40 | 0.55 | 0.45 |
| 1 | 0.40 | 0.60 | 0.45 | 0.55 |
| 2 | 0.30 | 0.70 | 0.50 | 0.52 |
| 3 | 0.20 | 0.80 | 0.60 | 0.48 |
| 4 | 0.10 | 0.90 | 0.70 | 0.45 |
"""


def test_pytorch_tqdm_bars_are_refused_naming_tqdm(tmp_path: Path):
    # milesial/Pytorch-UNet#480: tqdm bars and an 'Epoch 14/50:' bar prefix, no Keras line
    log = tmp_path / "train.log"
    log.write_text(
        "Validation round:  43%|████▎     | 13/30 [00:06<00:03,  5.47batch/s]\n"
        "                    INFO: Validation Dice score: 0.5\n"
        "Epoch 14/50:  30%|███       | 84/277 [00:18<00:08, 23.33img/s, loss (batch)=0.00319]\n")
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "tqdm progress bars" in str(refused.value) and "\n" not in str(refused.value)


def test_a_tensorflow_estimator_log_is_refused_as_such(tmp_path: Path):
    # TensorFlow 1's Estimator tutorials: a loss every 100 steps, no epoch
    log = tmp_path / "estimator.log"
    log.write_text("INFO:tensorflow:Create CheckpointSaverHook.\n"
                   "INFO:tensorflow:loss = 6.93147, step = 1\n"
                   "INFO:tensorflow:global_step/sec: 137.825\n"
                   "INFO:tensorflow:loss = 3.15373, step = 101 (0.726 sec)\n")
    with pytest.raises(UserError, match="is a TensorFlow Estimator log .'INFO:tensorflow:loss = "
                                        "6.93147, step = 1'"):
        parse_log(log)


def test_a_printed_epoch_end_logs_dict_gives_the_epochs_final_values(tmp_path: Path):
    log = tmp_path / "costar.log"
    log.write_text(COSTAR)
    [run] = parse_log(log)
    assert run.epochs == [{"loss": 0.8070637810267391, "val_binary_accuracy": 0.640247677003636,
                           "lr": 0.01, "val_loss": 0.663860797180849,
                           "binary_accuracy": 0.5925233652844236}]
    assert "read from the logs dict printed at line 2" in run.notes[0]
    assert "step 320 of 321" in run.notes[0]


def test_a_dict_without_validation_keys_is_no_epochs_logs(tmp_path: Path):
    # a batch's logs (no val_ key) or a config dict: the drawing's running means stay
    log = tmp_path / "batch.log"
    log.write_text(COSTAR.replace("'val_binary_accuracy'", "'binary_accuracy_2'")
                   .replace("'val_loss'", "'loss_2'"))
    [run] = parse_log(log)
    assert run.epochs[0]["loss"] == 0.8076
    assert not any("logs dict" in note for note in run.notes)


def test_a_logger_line_with_commas_is_no_csv_header(tmp_path: Path):
    # noahchalifour/rnnt-speech-recognition#26: tf.distribute's INFO lines hold commas
    reduce = ("INFO:tensorflow:Reduce to /job:localhost/replica:0/task:0/device:CPU:0 then "
              "broadcast to ('/job:localhost/replica:0/task:0/device:CPU:0',).\n")
    log = tmp_path / "train.log"
    log.write_text(reduce * 6 + "Epoch: 0, Batch: 0, Global Step: 0, Loss: 879.1518\n" + reduce)
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "no Keras training epochs found" in str(refused.value)
    assert "CSV" not in str(refused.value).split(";")[0]


def test_a_markdown_table_explain_log_cannot_read_is_named_in_the_error():
    # ugent-korea/pytorch-unet-segmentation#9: a PyTorch script's 'epoch | train loss | ...'
    # table under a '-- | --' rule was refused as "no Keras training epochs found: expected
    # 'Epoch i/N' lines", which names neither what the file holds nor the tables read
    import pytest

    from unetdiag.exitcodes import UserError

    path = REAL / "ugent_pytorch_unet_9_md_table_val_acc_frozen_two_runs.log"
    with pytest.raises(UserError) as refused:
        explain_log(path)
    message = str(refused.value)
    assert "\n" not in message and str(path) in message
    assert "Markdown table of epochs (line 1: 'epoch | train loss" in message
    assert "'-- | -- | -- | -- | --'" in message
    assert "CSVLogger" in message and "'## Training Metrics' table" in message
    assert "no Keras training epochs found" not in message


def test_a_trainer_table_with_its_epoch_column_second_is_named_in_the_error():
    # a Hugging Face Trainer's (PyTorch) table, 'Epoch' its second column,
    # got "no Keras training epochs found: expected 'Epoch i/N' lines"
    with pytest.raises(UserError) as error:
        explain_log(REVIEW / "c37_hf_trainer_results_epoch_second.log")
    message = str(error.value)
    assert "| Training Loss | Epoch | Step |" in message
    assert "Hugging Face Trainer's 'Training results' table" in message
    assert "not a Keras log" in message and "no Keras training epochs found" not in message


def test_an_epoch_column_not_first_is_named_in_the_error(tmp_path):
    path = tmp_path / "table.log"
    path.write_text("| Loss | Epoch | Val Loss |\n|---|---|---|\n| 0.5 | 1 | 0.6 |\n")
    with pytest.raises(UserError, match="its epoch is column 2, not the first"):
        explain_log(path)


def test_tqdm_bars_of_a_loading_step_before_a_keras_header_are_no_refusal(tmp_path: Path):
    # a Keras run that crashed in epoch 1, after tqdm bars loading its images
    log = tmp_path / "tqdm_then_crash.log"
    log.write_text(
        "Loading images: 100%|██████████| 500/500 [00:02<00:00, 200.00it/s]\n"
        "Loading masks: 100%|██████████| 500/500 [00:01<00:00, 400.00it/s]\n"
        'Model: "unet"\nEpoch 1/50\n'
        "2023-02-13 12:46:20.000001: I tensorflow/stream_executor/cuda/cuda_dnn.cc:384] "
        "Loaded cuDNN version 8200\n"
        "ResourceExhaustedError: OOM when allocating tensor with shape[8,64,512,512]\n")
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "not a Keras log" not in str(refused.value)
    assert "before its first steps ended" in str(refused.value)


def test_a_config_printed_under_each_header_is_refused_for_its_missing_loss(tmp_path: Path):
    # the refusal called a read layout unreadable; what is missing is a loss
    log = tmp_path / "config.log"
    log.write_text("".join(f"Epoch {i}/5\nbatch_size: 8\nlearning_rate: 0.001\n"
                           for i in range(1, 3)))
    with pytest.raises(UserError) as refused:
        explain_log(log)
    assert "name no loss" in str(refused.value)
    assert "in no layout" not in str(refused.value)


def test_a_model_card_table_with_no_readable_row_is_not_called_another_layout():
    # a '| Epoch | Notes |' table under a '|---|---|' rule, or a header and
    # rule with no row, was "not a layout explain-log reads", though the error itself then
    # describes that very layout (a first column 'Epoch', a '|---|' rule)
    import pytest

    from unetdiag.exitcodes import UserError

    for name in ("c33_md_epoch_table_notes_column.log", "c34_md_epoch_table_header_only.log"):
        with pytest.raises(UserError) as refused:
            explain_log(REVIEW / name)
        message = str(refused.value)
        assert "not a layout explain-log reads" not in message, name
        assert "in the layout explain-log reads, a model card's, but no row under it" in (
            message), name


@pytest.mark.parametrize(("name", "column"), [
    ("c47_readme_results_table_epochs_column.md", 2),
    ("c48_results_table_first_column_epochs.md", 1)])
def test_a_results_table_with_an_epochs_column_is_not_a_table_of_epochs(name, column):
    # a README's results table (| Model | Epochs | Dice | IoU |, each model
    # trained 50, 50, 80 epochs) was "a Markdown table of epochs ...; its epoch is column 2";
    # with 'Epochs' first it was read as "2 fit() calls appended to one CSVLogger file"
    with pytest.raises(UserError) as error:
        explain_log(REVIEW / name)
    message = str(error.value)
    assert "table of epochs" not in message and "CSVLogger file" not in message
    assert (f"holds a Markdown table with an epoch column (line {1 if column == 1 else 5}: "
            in message)
    assert (f"column {column}) whose values (50, 50, 80) do not go up by one step a row, as a "
            "row per epoch does: a table of results or settings, not of a run's epochs") in message


def test_a_trainer_table_is_named_as_such_even_where_its_epochs_repeat(tmp_path):
    # a Trainer evaluating every few steps prints its epoch rounded to two decimals, so two
    # rows may share one (0.01, 0.01): still a Trainer's table, not a table of results
    path = tmp_path / "README.md"
    path.write_text("## Training results\n\n"
                    "| Training Loss | Epoch | Step | Validation Loss | Accuracy |\n"
                    "|:-------------:|:-----:|:----:|:---------------:|:--------:|\n"
                    "| 0.6931        | 0.01  | 10   | 0.6920          | 0.5100   |\n"
                    "| 0.6904        | 0.01  | 20   | 0.6889          | 0.5400   |\n"
                    "| 0.6850        | 0.02  | 30   | 0.6801          | 0.5900   |\n")
    with pytest.raises(UserError, match="Hugging Face Trainer's 'Training results' table"):
        explain_log(path)


def test_a_cut_in_an_epoch_column_is_not_a_table_of_results(tmp_path):
    # a table of epochs with a cut row ('...') still rises row by row where it has numbers
    path = tmp_path / "README.md"
    path.write_text("epoch | loss | val loss\n-- | -- | --\n1 | 0.60 | 0.62\n2 | 0.50 | 0.55\n"
                    "... | ... | ...\n40 | 0.10 | 0.30\n")
    with pytest.raises(UserError) as error:
        explain_log(path)
    assert "table of results" not in str(error.value)
    assert "holds a Markdown table of epochs (line 1" in str(error.value)


@pytest.mark.parametrize("name, keys", [
    ("c65_imagenet_normalisation_stats.json", "mean, std"),
    ("c66_model_summary_name_layers.json", "name, layers"),
])
def test_a_json_of_number_lists_under_no_metric_name_is_no_history(name, keys):
    # {"mean": [0.485, 0.456, 0.406], "std": [...]} was read as a 3-epoch
    # run with "Nothing in this run looks saturated" (exit 0)
    with pytest.raises(UserError, match="no training history") as error:
        explain_log(REVIEW / name)
    message = str(error.value)
    assert str(REVIEW / name) in message
    assert f"names a loss or a metric (top-level keys: {keys})" in message
    assert 'expected {"loss": [per-epoch values], ...}' in message


def test_decimal_commas_are_read_where_the_separator_leaves_them_one_meaning():
    # a CSVLogger file re-saved by a spreadsheet in a German or French
    # locale (epoch;acc;loss;... then 0;0,9012;0,2871;...) was refused: "no rows of numbers
    # follow its first line", though three rows of numbers follow
    report = explain_log(REVIEW / "c67_csvlogger_semicolon_decimal_commas.csv")
    assert report.meta["final_values"]["run 1"] == {
        "acc": 0.9356, "loss": 0.1902, "val_acc": 0.9301, "val_loss": 0.2011}
    [notes] = [f for f in report.findings if f.id == "log.parse_notes"]
    assert ("numbers written with decimal commas (0,9012) read as decimals: the fields are "
            "separated by ';', so a comma can only be a decimal mark") in notes.explanation


def test_decimal_commas_a_comma_separated_file_splits_are_named_as_the_cause():
    with pytest.raises(UserError, match="no rows of numbers follow") as error:
        explain_log(REVIEW / "c68_csvlogger_comma_separated_decimal_commas.csv")
    assert ("every row has more fields than the header's 5 (the first: 9), consistent with "
            "numbers written with decimal commas in a comma-separated file") in str(error.value)
    # beside decimal points a comma may be a thousands mark: not read, and said so
    report = explain_log(REVIEW / "c69_semicolon_decimal_commas_beside_points.csv")
    [notes] = [f for f in report.findings if f.id == "log.parse_notes"]
    assert "non-numeric values skipped in column(s) acc, val_acc (among them numbers with " \
           "decimal commas, 0,9012, beside others with decimal points" in notes.explanation


def test_a_metric_named_for_a_model_output_is_no_setting(tmp_path):
    # 'decoder_loss' holds the setting word 'decoder' and differs every row, as any metric
    # does: a multi-output run logged every 5 epochs (refused as a table of results before)
    runs = _runs(tmp_path, "outputs.csv", "epoch,loss,decoder_loss,val_loss,val_decoder_loss\n"
                 "5,0.41,0.30,0.45,0.33\n10,0.32,0.25,0.38,0.29\n15,0.27,0.21,0.35,0.27\n"
                 "20,0.24,0.19,0.34,0.26\n")
    assert [row["epochs"] for row in runs] == [4]
    runs = _runs(tmp_path, "outputs.md", "| epoch | loss | depth_loss | depth_mae |\n"
                 "|---|---|---|---|\n| 10 | 0.90 | 0.50 | 0.40 |\n| 20 | 0.70 | 0.40 | 0.30 |\n"
                 "| 30 | 0.60 | 0.35 | 0.25 |\n")
    assert [row["epochs"] for row in runs] == [3]


def test_a_column_of_times_in_any_form_is_no_configuration(tmp_path):
    # a README's 'Time' of '1m 23s' and an ISO timestamp ending in 'Z' are a run's clock,
    # not text naming each row's model (both refused as tables of results before)
    runs = _runs(tmp_path, "times.md", "| Epoch | Time | Train loss | Val Dice |\n"
                 "|---|---|---|---|\n| 10 | 1m 23s | 0.412 | 0.62 |\n"
                 "| 20 | 2m 46s | 0.322 | 0.70 |\n| 30 | 4m 09s | 0.271 | 0.74 |\n")
    assert [row["epochs"] for row in runs] == [3]
    runs = _runs(tmp_path, "stamped.csv", "timestamp,epoch,loss,val_dice\n"
                 "2024-03-01T10:00:00Z,5,0.41,0.62\n2024-03-01T10:05:00Z,10,0.32,0.70\n"
                 "2024-03-01T10:10:00Z,15,0.27,0.74\n")
    assert [row["epochs"] for row in runs] == [3]


def test_a_markdown_table_counting_from_zero_is_renumbered_as_a_csv_file_and_says_so():
    [run] = markdown_epoch_table(TABLE_FROM_ZERO)
    assert run.epoch_numbers == [1, 2, 3, 4, 5]
    [note] = run.notes
    assert "count from 0" in note and "one more than the table's" in note
    assert "Train X" not in note and "'val X'" not in note  # no column is named so
    [from_one] = markdown_epoch_table(TABLE_FROM_ZERO.replace("| 4 |", "| 5 |").replace(
        "| 3 |", "| 4 |").replace("| 2 |", "| 3 |").replace("| 1 |", "| 2 |").replace(
        "| 0 |", "| 1 |"))
    assert from_one.epoch_numbers == [1, 2, 3, 4, 5] and "count from 0" not in from_one.notes[0]
    card = markdown_epoch_table("| Epochs | Train Loss | Validation Loss |\n|---|---|---|\n"
                                "| 1| 0.9| 1.2|\n| 2| 0.7| 1.1|")
    assert "'Train X' read as Keras's x" in card[0].notes[0]


def test_parse_notes_about_a_successful_reading_are_not_called_unreadable():
    [run] = markdown_epoch_table(TABLE_FROM_ZERO)
    report = explain_runs([run], files=["card.md"])
    [notes] = _found(report.findings, "log.parse_notes")
    assert notes.title == "run 1: 1 note on how the log was read"


def test_a_line_in_nnunet_form_is_said_as_consistent_with_nnunet_not_as_nnunet(tmp_path: Path):
    # one line's form is no proof: a loop of the user's own may print "Pseudo dice [" too
    log = tmp_path / "own_loop.log"
    log.write_text("epoch 1 train loss 0.52\nPseudo dice [0.51]\n")
    with pytest.raises(UserError) as refused:
        parse_log(log)
    message = str(refused.value)
    assert "line 2 has the form of nnU-Net's Dice line of an epoch ('Pseudo dice [...]')" in message
    assert "consistent with nnU-Net's training output" in message
    assert "holds nnU-Net's" not in message


def test_a_keras_log_naming_nnunet_s_dice_line_is_read(tmp_path: Path):
    log = tmp_path / "keras.log"
    log.write_text("# baseline, nnU-Net: Average global foreground Dice: [0.8837]\n"
                   "Epoch 1/2\n10/10 [==============================] - 1s 10ms/step - loss: 0.5 "
                   "- val_loss: 0.6\nEpoch 2/2\n10/10 [==============================] - 1s "
                   "10ms/step - loss: 0.4 - val_loss: 0.5\nprint('Pseudo dice [0.1, 0.2]')\n")
    assert [run["loss"] for run in parse_log(log)[0].epochs] == [0.5, 0.4]
