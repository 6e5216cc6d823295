"""evaluate and predict given a damaged .h5, an epoch checkpoint's weights file or an
unfinished variant's folder: one line naming the file and what it is, never Keras's "No model
config found in the file" nor h5py's words alone."""

import json

import h5py
import pytest

from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.saved_model import load_saved_model


def _weights_file(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as file:
        file.create_dataset("kernel", data=list(range(4096)))
    return path


def _refusal(path) -> str:
    with pytest.raises(UserError) as caught:
        load_saved_model(path)
    assert caught.value.code == ExitCode.INPUT_ERROR
    return str(caught.value)


def test_a_cut_short_h5_is_called_damaged(tmp_path):
    path = _weights_file(tmp_path / "model.h5")
    path.write_bytes(path.read_bytes()[:2000])
    assert _refusal(path).startswith(f"cannot load {path}: it is damaged or cut short, or not "
                                     "an HDF5 file (h5py: Unable to synchronously open file")


def test_a_weights_file_is_not_called_a_model(tmp_path):
    path = _weights_file(tmp_path / "solo.weights.h5")
    assert _refusal(path) == (f"cannot load {path}: it holds a model's weights only (what "
                              "model.save_weights writes), not the model; pass the file "
                              "model.save() wrote")


@pytest.mark.parametrize("finished", [True, False])
def test_an_epoch_checkpoint_names_the_model_or_the_resume(tmp_path, finished):
    run_dir = tmp_path / "run"
    variant_dir = run_dir / "MP_Tr_BCE"
    path = _weights_file(variant_dir / "checkpoint" / "epoch-0001.weights.h5")
    (run_dir / "config.json").write_text(json.dumps({}))
    if finished:
        (variant_dir / "model.keras").write_bytes(b"a model")
    checkpoint = (f"cannot load {path}: it is a train run's epoch checkpoint, weights only "
                  "(what model.save_weights writes), not the model")
    assert _refusal(path) == (f"{checkpoint}; pass {variant_dir / 'model.keras'}" if finished
                              else f"{checkpoint}, and MP_Tr_BCE has no model.keras: it did "
                              f"not finish; unetdiag train --resume {run_dir} finishes it")
    if not finished:
        assert _refusal(variant_dir) == (
            f"{variant_dir} is the folder of a train run's variant that did not finish (it "
            f"has no model.keras); unetdiag train --resume {run_dir} finishes it")


def test_a_run_folder_without_a_finished_variant_names_the_resume(tmp_path):
    # a run interrupted in its first variant, or refused before it (train.refused): it said
    # "is a folder, not a model file: pass a .keras or .h5 file" of a run folder
    run_dir = tmp_path / "run"
    _weights_file(run_dir / "MP_Tr_BCE" / "checkpoint" / "epoch-0001.weights.h5")
    (run_dir / "config.json").write_text(json.dumps({}))
    assert _refusal(run_dir) == (
        f"{run_dir} is a train run folder none of whose variants finished (no "
        "VARIANT/model.keras; its report.txt, where there is one, says why); unetdiag train "
        f"--resume {run_dir} trains them")


@pytest.mark.parametrize("name", ["model.h5", "model.keras"])
def test_a_model_file_that_cannot_be_read_is_not_called_damaged(tmp_path, monkeypatch, name):
    # as root a mode-000 file reads all the same: the refusal of the read stands in for it;
    # it was "damaged or cut short, or not an HDF5 file" / "not a .keras archive"
    from unetdiag.training import saved_model

    path = _weights_file(tmp_path / name)

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(saved_model, "open", refused, raising=False)
    assert _refusal(path) == f"cannot read {path}: Permission denied"
