"""A damaged run folder given to ``train --resume`` is refused with one line naming the
damaged file (or said to be damaged where it is only read), before anything is written."""

import json

import pytest

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.resume import resumed_config

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
