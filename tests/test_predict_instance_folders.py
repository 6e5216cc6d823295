"""predict on the Data Science Bowl 2018 layout that train and evaluate read
(``stage1_train/<id>/images/<id>.png``; ``stage1_test`` has no ``masks/``). Session 28's
scorecard: ``predict model --images stage1_train`` said "no images ... other than 0 mask
file(s)"."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from unetdiag.exitcodes import UserError
from unetdiag.training.predict_listing import list_images


def _sample(root, sample_id, objects=0):
    (root / sample_id / "images").mkdir(parents=True)
    rgba = np.full((8, 8, 4), 255, np.uint8)
    Image.fromarray(rgba, "RGBA").save(root / sample_id / "images" / f"{sample_id}.png")
    if objects:
        (root / sample_id / "masks").mkdir()
        for index in range(objects):
            mask = np.zeros((8, 8), np.uint8)
            mask[index, index] = 255
            Image.fromarray(mask).save(root / sample_id / "masks" / f"m{index}.png")


def test_sample_folders_with_or_without_masks_are_predicted_image_by_image(tmp_path):
    root = tmp_path / "stage1_test"
    _sample(root, "b2c4", objects=2)
    _sample(root, "a1f3")  # the test set: no masks/ folder
    _sample(root, "c9d0", objects=1)
    listing = list_images(root)
    assert [path.name for path in listing.images] == ["a1f3.png", "b2c4.png", "c9d0.png"]
    assert [path.parent.parent.name for path in listing.images] == ["a1f3", "b2c4", "c9d0"]
    assert listing.masks == [] and listing.left_out == {}


def test_a_folder_of_folders_that_is_no_instance_layout_is_still_refused(tmp_path):
    for part in ("train", "val"):  # a split made in advance: images/ holds many images
        folder = tmp_path / "data" / part / "images"
        folder.mkdir(parents=True)
        for index in range(3):
            Image.fromarray(np.zeros((8, 8), np.uint8)).save(folder / f"{index}.png")
    with pytest.raises(UserError, match="no images"):
        list_images(tmp_path / "data")


def _grey(path, side=8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((side, side), 128, np.uint8)).save(path)


def test_images_beside_sample_folders_are_all_predicted(tmp_path):
    """Session 29: a folder holding top-level images and DSB sample folders predicted only the
    top-level images, and said nothing of the others."""
    root = tmp_path / "mixed"
    _grey(root / "loose_1.png")
    _grey(root / "loose_2.png")
    _sample(root, "b2c4", objects=1)
    _sample(root, "a1f3")
    listing = list_images(root)
    assert [path.name for path in listing.images] == [
        "loose_1.png", "loose_2.png", "a1f3.png", "b2c4.png"]
    assert listing.left_out == {}


def test_sub_folders_not_read_are_named_with_why(tmp_path):
    root = tmp_path / "data"
    _grey(root / "a.png")
    _grey(root / "more" / "b.png")  # a plain folder of images: not read
    (root / "empty").mkdir()  # nothing in it: nothing to say
    listing = list_images(root)
    assert [path.name for path in listing.images] == ["a.png"]
    assert list(listing.left_out) == [root / "more"]
    assert "no sample folder" in listing.left_out[root / "more"]
    samples = tmp_path / "samples"
    _sample(samples, "s1", objects=1)
    _sample(samples, "s2", objects=1)
    for name in ("x.png", "y.png"):  # a sample folder whose images/ holds two images
        _grey(samples / "s3" / "images" / name)
    listing = list_images(samples)
    assert [path.name for path in listing.images] == ["s1.png", "s2.png"]
    assert listing.left_out == {samples / "s3": "its images/ holds 2 images, a sample "
                                                "folder's one"}


def test_a_top_level_image_and_a_sample_of_one_stem_are_refused(tmp_path):
    root = tmp_path / "clash"
    _grey(root / "a1f3.png")
    _sample(root, "a1f3")
    with pytest.raises(UserError, match="share the name 'a1f3'"):
        list_images(root)


def test_predict_writes_a_mask_for_every_image_and_lists_what_it_left_out(tmp_path):
    import json

    import keras

    from unetdiag.training.predict import predict_folder

    inputs = keras.Input((8, 8, 1))
    output = keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)
    keras.Model(inputs, output).save(tmp_path / "m.keras")
    root = tmp_path / "mixed"
    _grey(root / "loose.png")
    _sample(root, "b2c4", objects=1)
    _sample(root, "a1f3")
    _grey(root / "plain" / "sub" / "c.png")
    result = predict_folder(tmp_path / "m.keras", root, tmp_path / "out")
    assert sorted(record["mask"] for record in result.records) == [
        "a1f3.png", "b2c4.png", "loose.png"]
    manifest = json.loads((tmp_path / "out" / "predict.json").read_text())
    assert [entry["folder"] for entry in manifest["left_out"]] == [str(root / "plain")]


def test_a_folder_of_sub_folders_is_refused_naming_them_once_with_why(tmp_path):
    """DRIVE as distributed, given as --images training/: images/, 1st_manual/, mask/."""
    from unetdiag.training.predict_listing import left_out_lines

    root = tmp_path / "training"
    for sub in ("images", "1st_manual", "mask"):
        _grey(root / sub / "21.png")
    with pytest.raises(UserError, match=r"left out: 1st_manual/, images/ and mask/: no sample "
                                        r"folder \(<id>/images/<id>.png\)"):
        list_images(root)
    assert left_out_lines({root / "a": "x", root / "b": "y", root / "c": "x"}) == [
        "a/ and c/: x", "b/: y"]


def test_two_samples_whose_images_share_a_file_name_do_not_collide(tmp_path):
    """Two sample folders holding image.png each (object masks beside them): predict refused
    them ("share the stem 'image'") and predict.json named each image without its sample
    folder, so the two could not be told apart there nor kept apart on disk."""
    import json

    import keras

    from unetdiag.training.predict import predict_folder

    inputs = keras.Input((8, 8, 1))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(
        tmp_path / "m.keras")
    root = tmp_path / "samples"
    for sample, value in (("s1", 40), ("s2", 200)):
        (root / sample / "masks").mkdir(parents=True)
        (root / sample / "images").mkdir()
        Image.fromarray(np.full((8, 8), value, np.uint8)).save(
            root / sample / "images" / "image.png")
        for index in range(2):
            mask = np.zeros((8, 8), np.uint8)
            mask[index, index] = 255
            Image.fromarray(mask).save(root / sample / "masks" / f"m{index}.png")
    result = predict_folder(tmp_path / "m.keras", root, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "predict.json").read_text())
    assert [(f["image"], f["mask"], f["overlay"]) for f in manifest["files"]] == [
        ("s1/images/image.png", "s1.png", "overlays/s1.png"),
        ("s2/images/image.png", "s2.png", "overlays/s2.png")]
    assert len(result.records) == 2
    written = sorted(path.name for path in (tmp_path / "out").glob("*.png"))
    assert written == ["s1.png", "s2.png"]
