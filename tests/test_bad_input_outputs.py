"""An --out that cannot take a new folder is refused before any work, naming what is in the
way; an evaluation that cannot be written whole leaves no folder behind."""

import errno
import os

import keras
import numpy as np
import pytest
from PIL import Image

from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training import evaluate
from unetdiag.training.run.folder import create_run_dir


def test_an_out_that_is_a_file_is_named_as_one_and_left_alone(tmp_path):
    taken = tmp_path / "runs"
    taken.write_text("a user's file")
    with pytest.raises(UserError) as caught:
        create_run_dir(taken, "exp")
    assert str(caught.value) == f"--out {taken} is a file, not a folder; choose a folder"
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    assert taken.read_text() == "a user's file"


def test_an_out_below_a_file_or_a_broken_link_names_what_is_in_the_way(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(UserError) as caught:
        create_run_dir(tmp_path / "notes.txt" / "runs", "exp")
    assert str(caught.value) == (f"{tmp_path / 'notes.txt'} is a file, not a folder, so --out "
                                 f"{tmp_path / 'notes.txt' / 'runs'} cannot be made; choose a "
                                 "folder")
    os.symlink(tmp_path / "gone", tmp_path / "link")
    with pytest.raises(UserError, match=r"link is a broken symbolic link; choose a folder$"):
        create_run_dir(tmp_path / "link", "exp")


def test_evaluate_refuses_an_unusable_out_before_loading_anything(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the model was loaded before --out was checked")

    monkeypatch.setattr(evaluate, "load_saved_model", never)
    (tmp_path / "taken").write_text("x")
    (tmp_path / "images").mkdir()
    with pytest.raises(UserError) as caught:
        evaluate.evaluate_model(tmp_path / "model.keras", tmp_path / "images",
                                out_parent=tmp_path / "taken")
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    assert "is a file, not a folder" in str(caught.value)


def _pairs(folder, count: int = 2, side: int = 16):
    folder.mkdir()
    for index in range(count):
        Image.fromarray(np.full((side, side), 40 * index, np.uint8)).save(
            folder / f"a{index}.png")
        mask = np.zeros((side, side), np.uint8)
        mask[4:9, 4:9] = 255
        Image.fromarray(mask).save(folder / f"a{index}_mask.png")


def test_an_evaluation_that_cannot_be_written_whole_leaves_no_folder(tmp_path, monkeypatch):
    inputs = keras.Input((16, 16, 1))
    model_path = tmp_path / "model.keras"
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(
        model_path)
    _pairs(tmp_path / "data")

    def disk_full(report, out_dir):
        (out_dir / "report.json").write_text("{")  # a part written before the disk filled
        raise OSError(errno.ENOSPC, "No space left on device", str(out_dir / "report.html"))

    monkeypatch.setattr(evaluate, "write_report_files", disk_full)
    with pytest.raises(UserError) as caught:
        evaluate.evaluate_model(model_path, tmp_path / "data", out_parent=tmp_path / "out")
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    assert "report.html: No space left on device); the folder was removed" in str(caught.value)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_zip_archive_named_keras_is_named_as_no_model(tmp_path):
    import zipfile

    from unetdiag.training.saved_model import load_saved_model

    path = tmp_path / "model.keras"  # e.g. a folder of weights zipped by hand
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weights/epoch-1.h5", b"")
    with pytest.raises(UserError) as caught:
        load_saved_model(path)
    assert str(caught.value) == (f"cannot load {path}: a zip archive but no saved Keras model "
                                 "(it holds no config.json, which model.save() writes)")
    assert caught.value.code == ExitCode.INPUT_ERROR
