"""A damaged run folder given to ``train --resume`` is refused with one line naming the
damaged file (or said to be damaged where it is only read), before anything is written."""

import json

import pytest
from helpers import one_epoch_checkpoint

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.resume import check_extendable, check_same_split, resumed_config

VARIANT = "MP_Tr_BCE"


def _run_folder(tmp_path, history_text: str):
    """A run folder as a finished one-epoch run leaves it, as far as a resume reads it first."""
    run_dir = tmp_path / "run"
    (run_dir / VARIANT).mkdir(parents=True)
    config = TrainConfig(variants=(VARIANT,), epochs=1, out_dir=tmp_path)
    (run_dir / "config.json").write_text(json.dumps(config.to_dict()))
    (run_dir / VARIANT / "model.keras").write_bytes(b"a saved model")
    (run_dir / VARIANT / "history.json").write_text(history_text)
    return run_dir


def _contents(folder):
    return {path: path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("history_text", ['{"loss": [0.5', '[1, 2]', '{"loss": ["x"]}'])
def test_a_finished_variants_damaged_history_is_named_before_anything_is_written(
        tmp_path, history_text):
    run_dir = _run_folder(tmp_path, history_text)
    before = _contents(run_dir)
    with pytest.raises(UserError) as caught:
        resumed_config(run_dir, changes={"epochs": 2})
    message = str(caught.value)
    assert message.startswith(f"cannot resume {run_dir}: {VARIANT} finished, but its history "
                              f"{run_dir / VARIANT / 'history.json'} cannot be read (")
    assert message.endswith("restore the file from a copy, or start a new run")
    assert caught.value.code == ExitCode.INPUT_ERROR
    assert _contents(run_dir) == before


def test_a_readable_history_still_resumes(tmp_path):
    run_dir = _run_folder(tmp_path, '{"loss": [0.5, "nan"], "val_loss": [0.4, 0.3]}')
    assert resumed_config(run_dir, changes={"epochs": 2}).epochs == 2


def _truncate(path, size: int = 100):
    path.write_bytes(path.read_bytes()[:size])


def test_an_intact_checkpoint_extends(tmp_path):
    one_epoch_checkpoint(tmp_path / VARIANT)
    check_extendable(tmp_path / VARIANT)


@pytest.mark.parametrize("damaged", ["state", "weights", "both", "weights_deleted"])
def test_a_damaged_checkpoint_is_called_damaged_naming_the_file(tmp_path, damaged):
    variant_dir = tmp_path / VARIANT
    state, weights = one_epoch_checkpoint(variant_dir)
    if damaged == "weights_deleted":
        weights.unlink()
    else:
        for path in {"state": [state], "weights": [weights], "both": [state, weights]}[damaged]:
            _truncate(path)
    with pytest.raises(UserError) as caught:
        check_extendable(variant_dir)
    named = weights if damaged == "weights" else state
    # a weights file deleted leaves checkpoint.json whole: the checkpoint is incomplete
    said = "is incomplete" if damaged == "weights_deleted" else "is damaged"
    assert str(caught.value).startswith(
        f"cannot extend {VARIANT} in {tmp_path}: its epoch checkpoint {said}: {named} (")
    assert "no epoch checkpoint" not in str(caught.value)
    assert caught.value.code == ExitCode.INPUT_ERROR


def test_no_checkpoint_is_still_called_none(tmp_path):
    (tmp_path / VARIANT).mkdir()
    with pytest.raises(UserError, match="it has no epoch checkpoint"):
        check_extendable(tmp_path / VARIANT)


@pytest.mark.parametrize("status", ["finished", "stopped by guard"])
def test_a_resume_that_extends_a_damaged_checkpoint_is_refused_before_anything_is_written(
        tmp_path, status):
    run_dir = _run_folder(tmp_path, '{"loss": [0.5], "val_loss": [0.4]}')
    (run_dir / "summary.json").write_text(json.dumps(
        {"variants": [{"variant": VARIANT, "status": status}]}))
    state, _ = one_epoch_checkpoint(run_dir / VARIANT)
    _truncate(state)
    before = _contents(run_dir)
    if status != "finished":  # a stopped variant is not extended: its checkpoint is not read
        assert resumed_config(run_dir, changes={"epochs": 2}).epochs == 2
        return
    with pytest.raises(UserError, match=f"its epoch checkpoint is damaged: {state} "):
        resumed_config(run_dir, changes={"epochs": 2})
    assert _contents(run_dir) == before


@pytest.mark.parametrize(("data_text", "why"), [
    (None, "is missing"),
    ('{"train": [', "cannot be read (JSONDecodeError: "),
    ("[1, 2]", "holds no train and val file lists"),
    ('{"images": "x"}', "holds no train and val file lists")])
def test_a_missing_or_unreadable_data_json_is_said_not_skipped_silently(
        tmp_path, capsys, data_text, why):
    if data_text is not None:
        (tmp_path / "data.json").write_text(data_text)
    check_same_split(tmp_path, {"images": "images", "train": ["a"], "val": ["b"]})
    warning = capsys.readouterr().err
    assert warning.startswith(f"unetdiag: warning: {tmp_path / 'data.json'} {why}")
    assert warning.endswith("so the split cannot be checked against the one the run started "
                            "with; it is made again from config.json's seed, the same split "
                            "when the image and mask files are unchanged\n")


def test_a_readable_data_json_still_checks_the_split(tmp_path, capsys):
    (tmp_path / "data.json").write_text('{"train": ["a"], "val": ["b"]}')
    check_same_split(tmp_path, {"images": "images", "train": ["a"], "val": ["b"]})
    assert capsys.readouterr().err == ""
    with pytest.raises(UserError, match="the val split of images differs"):
        check_same_split(tmp_path, {"images": "images", "train": ["a"], "val": ["c"]})


def test_a_file_given_as_the_run_folder_is_called_a_file(tmp_path):
    given = tmp_path / "notes.txt"
    given.write_text("hi")
    with pytest.raises(UserError) as caught:
        resumed_config(given)
    assert str(caught.value) == (f"cannot resume {given}: it is a file, not a run folder; give "
                                 "the folder unetdiag train made (it holds config.json)")
    assert caught.value.code == ExitCode.INPUT_ERROR
    with pytest.raises(UserError, match="no such folder$"):
        resumed_config(tmp_path / "gone")


def test_a_variant_folder_given_as_the_run_folder_names_the_run(tmp_path):
    run_dir = _run_folder(tmp_path, '{"loss": [0.5]}')
    with pytest.raises(UserError) as caught:
        resumed_config(run_dir / VARIANT)
    assert str(caught.value) == (f"cannot resume {run_dir / VARIANT}: it is a folder inside "
                                 f"the run {run_dir}; give --resume {run_dir}")
