"""predict over its own earlier output replaces it only with a set written whole: before,
the earlier masks were deleted first, so an interrupted rerun left neither set."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_convolution_model
from PIL import Image

from unetdiag.training import predict
from unetdiag.training.predict import predict_folder

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _images(folder, names):
    folder.mkdir()
    for index, name in enumerate(names):
        Image.fromarray(np.full((16, 16), 60 * index, np.uint8)).save(folder / f"{name}.png")
    return folder


def _contents(folder):
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_an_interrupted_rerun_leaves_the_earlier_output_as_it_was(tmp_path, monkeypatch):
    model = one_convolution_model(tmp_path / "m.keras")
    out = tmp_path / "out"
    predict_folder(model, _images(tmp_path / "first", ["a", "b"]), out)
    (out / "notes.txt").write_text("the user's own file")
    before = _contents(out)
    second = _images(tmp_path / "second", ["a", "b", "c"])
    batches = []
    one_batch = predict._predict_one_batch

    def interrupted(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            raise KeyboardInterrupt
        return one_batch(*args, **kwargs)

    monkeypatch.setattr(predict, "_predict_one_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        predict_folder(model, second, out, batch_size=1)
    assert _contents(out) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first", "m.keras", "out",
                                                                "second"]


def test_a_finished_rerun_replaces_the_set_and_keeps_unlisted_files(tmp_path):
    model = one_convolution_model(tmp_path / "m.keras")
    out = tmp_path / "out"
    predict_folder(model, _images(tmp_path / "first", ["a", "gone"]), out)
    (out / "notes.txt").write_text("the user's own file")
    predict_folder(model, _images(tmp_path / "second", ["a", "b"]), out)
    assert sorted(_contents(out)) == ["a.png", "b.png", "notes.txt", "overlays/a.png",
                                      "overlays/b.png", "predict.json"]
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["first", "m.keras", "out",
                                                                "second"]
