"""unetdiag predict on a folder whose images sit in sub-folders, at any depth: what was read
and what was not is said with counts and an example path. Before, a sub-folder whose images
lay more than two levels below it was passed over unsaid, and a folder left out was named
without how many images it held."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from PIL import Image

from unetdiag.cli import main
from unetdiag.exitcodes import UserError
from unetdiag.training.predict_listing import list_images, read_line

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _grey(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8), 120, np.uint8)).save(path)


def _nested(root):
    _grey(root / "a.png")
    _grey(root / "b.png")
    _grey(root / "plain" / "c.png")
    _grey(root / "plain" / "sub" / "d.png")
    _grey(root / "deep" / "1" / "2" / "3" / "4" / "e.png")  # five levels below the root
    (root / "empty" / "nothing").mkdir(parents=True)
    return root


def test_a_sub_folder_whose_images_lie_deep_is_named_not_skipped(tmp_path):
    root = _nested(tmp_path / "data")
    listing = list_images(root)
    assert [path.name for path in listing.images] == ["a.png", "b.png"]
    assert sorted(listing.left_out) == [root / "deep", root / "plain"]
    assert listing.unread_files == {root / "deep": (1, root / "deep/1/2/3/4/e.png"),
                                     root / "plain": (2, root / "plain/c.png")}


def test_the_lines_count_what_was_read_and_what_was_not_with_an_example(tmp_path):
    root = _nested(tmp_path / "data")
    listing = list_images(root)
    assert read_line(listing) == (
        "taken to predict: 2 image file(s) of the folder itself; not read: 3 file(s) of an "
        "image extension (images or masks) in 2 sub-folder(s) (e.g. deep/1/2/3/4/e.png)")


def test_a_folder_of_sub_folders_only_is_refused_with_the_count_and_an_example(tmp_path):
    """DRIVE's training/ given whole: the refusal said "3 image file(s) (e.g.
    1st_manual/x/y/z/21.png)", a count of images that held a mask and an example that was
    one, beside "no images ... other than 0 mask file(s)"; the count now says files (images
    or masks), the example an image's path, and no mask is spoken of."""
    root = tmp_path / "training"
    _grey(root / "images" / "21.png")
    _grey(root / "images" / "22.png")
    _grey(root / "1st_manual" / "x" / "y" / "z" / "21.png")
    with pytest.raises(UserError) as raised:
        list_images(root)
    message = str(raised.value)
    assert "3 file(s) of an image extension (images or masks) in 2 sub-folder(s)" in message
    assert "image file(s)" not in message
    assert "e.g. images/21.png" in message
    assert "other than 0 mask file(s)" not in message  # no mask file was met


def test_predict_says_what_it_read_and_records_the_left_out_counts(tmp_path, capsys):
    model = tmp_path / "m.keras"
    inputs = keras.Input((8, 8, 1))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(model)
    root = _nested(tmp_path / "data")
    main(["predict", str(model), "--images", str(root), "--out", str(tmp_path / "out"),
          "--quiet"])
    out = " ".join(capsys.readouterr().out.split())
    assert ("taken to predict: 2 image file(s) of the folder itself; not read: 3 file(s) of "
            "an image extension (images or masks) in 2 sub-folder(s) (e.g. deep/1/2/3/4/e.png)"
            ) in out
    manifest = json.loads((tmp_path / "out" / "predict.json").read_text())
    assert [(entry["folder"], entry["files"], entry["example"])
            for entry in manifest["left_out"]] == [
        (str(root / "deep"), 1, "deep/1/2/3/4/e.png"), (str(root / "plain"), 2, "plain/c.png")]
