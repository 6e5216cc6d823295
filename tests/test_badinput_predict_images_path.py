"""predict --images given a file, not a folder: it said "<file>: no such folder" of a file
that is there. Now an image is called an image (with the folder form predict takes), any
other file a file, a link to nothing a link; a missing path stays "no such folder"."""

import os

import numpy as np
import pytest
from PIL import Image

from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.predict_listing import list_images


def _refusal(path) -> str:
    with pytest.raises(UserError) as caught:
        list_images(path)
    assert caught.value.code == ExitCode.INPUT_ERROR
    return str(caught.value)


def test_an_image_given_for_the_folder_is_called_an_image(tmp_path):
    image = tmp_path / "cells_001.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(image)
    assert _refusal(image) == (
        f"--images {image} is an image file, not a folder: predict reads every image of the "
        "folder given; to predict this image alone, put it in a folder of its own and give "
        f"that folder (--images {tmp_path} predicts every image beside it)")


def test_other_files_links_and_missing_paths(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    assert _refusal(notes) == (f"--images {notes} is a file, not a folder: give the folder of "
                               "the images to predict")
    os.symlink("nowhere", tmp_path / "broken")
    assert _refusal(tmp_path / "broken") == (f"--images {tmp_path / 'broken'} is a symbolic "
                                             "link that leads to no file or folder")
    assert _refusal(tmp_path / "gone") == f"{tmp_path / 'gone'}: no such folder"
    os.mkfifo(tmp_path / "pipe.png")
    assert _refusal(tmp_path / "pipe.png") == (f"--images {tmp_path / 'pipe.png'} is neither a "
                                               "folder nor a regular file")
