"""``evaluate`` and ``predict`` of a model file in a train run's folder that is not the model
the run saved (another model copied or saved over ``RUN/VARIANT/model.keras``). Measured on
main (4857405): both used it with the run's records, so evaluate said "13 of the 16 images
scored are files model.keras was trained on" and predict that its 255 is "the class the model
learnt as foreground ... of the masks it was trained on", of a one-convolution model that
never trained. Now the file is refused in one line naming it, status 4."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import one_convolution_model, write_mask_pairs

from unetdiag.cli import main
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.saved_model import load_saved_model

VARIANT = "MP_Tr_BCE"


def _run_with_model(tmp_path, parameters):
    """A run folder whose summary.json records ``parameters`` for VARIANT, and whose
    VARIANT/model.keras is a one-convolution model (2 trainable parameters)."""
    run_dir = tmp_path / "run"
    (run_dir / VARIANT).mkdir(parents=True)
    (run_dir / "data.json").write_text(json.dumps({"mask_policy": {"polarity": "bright"}}))
    (run_dir / "summary.json").write_text(json.dumps(
        {"variants": [{"variant": VARIANT, "status": "finished", "parameters": parameters}]}))
    return one_convolution_model(run_dir / VARIANT / "model.keras")


def test_a_model_that_is_not_the_runs_is_refused_naming_it(tmp_path):
    model = _run_with_model(tmp_path, parameters=7477)
    with pytest.raises(UserError) as caught:
        load_saved_model(model)
    assert caught.value.code == ExitCode.INPUT_ERROR
    assert str(caught.value).startswith(
        f"{model} is not the model its train run saved: it has 2 trainable parameters, and "
        f"{tmp_path / 'run' / 'summary.json'} records 7,477 for {VARIANT} (")


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_evaluate_and_predict_of_a_model_not_the_runs_are_one_line(tmp_path, capsys, command):
    model = _run_with_model(tmp_path, parameters=7477)
    images, masks = write_mask_pairs(tmp_path / "data", [np.zeros((16, 16), np.uint8)] * 2)
    arguments = [command, str(model), "--images", str(images), "--out", str(tmp_path / "out")]
    if command == "evaluate":
        arguments += ["--masks", str(masks)]
    capsys.readouterr()
    assert main(arguments) == ExitCode.INPUT_ERROR
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    [line] = [line for line in errors.splitlines() if line.startswith("unetdiag")]
    assert line.startswith(f"unetdiag: error: {model} is not the model its train run saved")


@pytest.mark.parametrize("summary", ["same count", "no count", "no summary"])
def test_the_runs_own_model_or_one_without_a_record_still_loads(tmp_path, summary):
    model = _run_with_model(tmp_path, parameters=2 if summary == "same count" else None)
    if summary == "no summary":
        (tmp_path / "run" / "summary.json").unlink()
    assert load_saved_model(model).path == model
