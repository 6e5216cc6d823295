"""predict no longer stretches images of another aspect ratio into the model's square
silently (s28, issue 14/15: a 960x576 mosaic and DRIVE's 565x584 were squeezed to 64x64
and predict.json said nothing): a fully convolutional model is fed each image at the
training geometry, padded and cropped back; a model of one size names what it stretched."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

from unetdiag.training.predict import MANIFEST_FILENAME, predict_folder
from unetdiag.training.predict_geometry import GeometryPlan, any_size_model
from unetdiag.training.predict_notes import colour_lines, geometry_lines

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _pooled_model(path, side: int = 32):
    """Fully convolutional, downsampling by 4: foreground where the image is bright (a
    per-pixel rule, so the prediction must land where the bright pixels are)."""
    inputs = keras.Input((side, side, 1))
    pooled = keras.layers.MaxPooling2D(2)(keras.layers.MaxPooling2D(2)(inputs))
    back = keras.layers.UpSampling2D(4)(pooled)
    merged = keras.layers.Concatenate()([inputs, back])
    output = keras.layers.Conv2D(1, 1, activation="sigmoid",
                                 kernel_initializer=keras.initializers.Constant([[[[40.0],
                                                                                   [0.0]]]]),
                                 bias_initializer=keras.initializers.Constant(-20.0))(merged)
    keras.Model(inputs, output).save(path)
    return path


def _dense_model(path, side: int = 16):
    """One size only: Flatten, Dense, Reshape."""
    inputs = keras.Input((side, side, 1))
    dense = keras.layers.Dense(side * side, activation="sigmoid")(keras.layers.Flatten()(inputs))
    keras.Model(inputs, keras.layers.Reshape((side, side, 1))(dense)).save(path)
    return path


def _run_with_training_record(tmp_path, name: str, median_side: float,
                              save_model=_pooled_model, bands=None, **sizes) -> Path:
    """A run folder as train leaves it, for predict: ``MP_Tr_BCE/model.keras`` (saved by
    ``save_model``), data.json, and report.json's record of 8 8-bit training images (grey
    unless ``bands``) of median side ``median_side``, with ``sizes`` (height_min ..) added.
    Returns the model's path."""
    run_dir = tmp_path / "runs" / name
    (run_dir / "MP_Tr_BCE").mkdir(parents=True)
    model = save_model(run_dir / "MP_Tr_BCE" / "model.keras")
    (run_dir / "data.json").write_text(json.dumps({"mask_policy": None}))
    record = {"images": 8, "bands": bands or {"grey": 8}, "depth": {"8-bit": 8}, "low": 0.0,
              "high": 1.0, "high_median": 1.0, "height_median": median_side,
              "width_median": median_side, **sizes}
    (run_dir / "report.json").write_text(json.dumps({"meta": {"train_images": record}}))
    return model


def _colour_model(path):
    """Three channels in, one 1x1 convolution."""
    inputs = keras.Input((32, 32, 3))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(path)
    return path


def _wide_and_square(folder):
    folder.mkdir()
    wide = np.zeros((30, 70), np.uint8)
    wide[10:20, 25:55] = 255
    Image.fromarray(wide).save(folder / "wide.png")
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(folder / "square.png")
    return folder


def test_a_fully_convolutional_model_gets_the_wide_image_at_its_aspect_ratio(tmp_path):
    model = _pooled_model(tmp_path / "pooled.keras")
    result = predict_folder(model, _wide_and_square(tmp_path / "in"), tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / MANIFEST_FILENAME).read_text())
    fed = {record["image"]: record["fed_as"] for record in manifest["files"]}
    assert manifest["geometry"]["mode"] == "keep_aspect"
    assert manifest["geometry"]["multiple"] == 4
    # 32x32 = 1024 pixels at 70:30: 21 x 49, padded to 24 x 52 (multiples of 4)
    assert fed["wide.png"] == {"height": 21, "width": 49, "padded_to": [24, 52],
                               "stretched": False, "kept": True, "aspect_lost": False,
                               "shrunk": False, "scale_vs_training": None}
    assert fed["square.png"] == {"height": 32, "width": 32, "padded_to": [32, 32],
                                 "stretched": False, "kept": False, "aspect_lost": False,
                                 "shrunk": False, "scale_vs_training": None}
    with Image.open(tmp_path / "out" / "wide.png") as written:
        mask = np.asarray(written) > 0
    expected = np.zeros((30, 70), bool)
    expected[10:20, 25:55] = True
    assert mask.shape == (30, 70) and np.mean(mask != expected) < 0.02  # the crop is aligned
    [line] = geometry_lines(result)
    assert line.startswith("1 image(s) of another aspect ratio than the model input's (1:1): "
                           "wide.png (70x30, 2.333:1); fed at the model input's pixel count, "
                           "their aspect ratio kept, padded to a multiple of 4")


def test_a_model_of_one_size_stretches_and_names_the_images_it_stretched(tmp_path):
    model = _dense_model(tmp_path / "dense.keras")
    result = predict_folder(model, _wide_and_square(tmp_path / "in"), tmp_path / "out")
    fed = {record["image"]: record["fed_as"] for record in result.records}
    assert result.geometry.mode == "stretch"
    assert fed["wide.png"]["stretched"] and not fed["square.png"]["stretched"]
    assert (fed["wide.png"]["height"], fed["wide.png"]["width"]) == (16, 16)
    [line] = geometry_lines(result)
    assert line.startswith("note: 1 image(s) stretched to the model's 16x16 input, their "
                           "aspect ratio unlike the model input's (1:1): wide.png (70x30, "
                           "2.333:1); the model takes only 16x16 images (")
    assert any_size_model(keras.saving.load_model(model))[0] is None


def test_the_training_images_shape_and_scale_are_the_reference():
    # trained on 1000x600 photos stretched to 64x64: a photo of that shape gets the same
    # square, a square image is fed at the photos' scale (narrowed as they were)
    plan = GeometryPlan("keep_aspect", "", 64, 64, 16, training_size=(600.0, 1000.0))
    assert plan.target((600, 1000)) == (64, 64) and not plan.aspect_changed((600, 1000))
    assert plan.aspect_changed((500, 500)) and plan.target((500, 500)) == (53, 32)
    # two training tiles side by side: the training scale, not the square
    tiles = GeometryPlan("keep_aspect", "", 64, 64, 8, training_size=(96.0, 96.0))
    assert tiles.target((96, 192)) == (64, 128) and not tiles.shrunk((96, 192))
    # a panorama whose training scale exceeds MAX_PIXELS is fed smaller, its aspect kept
    height, width = tiles.target((3000, 9000))
    assert tiles.shrunk((3000, 9000)) and height * width <= 1024 * 1024
    assert width / height == pytest.approx(3, abs=0.01)
    # DRIVE's 565x584 is within 5 % of square: the model's square, as in training
    assert GeometryPlan("keep_aspect", "", 64, 64, 16).target((584, 565)) == (64, 64)


def test_train_run_records_give_predict_the_training_size(tmp_path):
    model = _run_with_training_record(tmp_path, "tiles", 48.0)
    result = predict_folder(model, _wide_and_square(tmp_path / "in"), tmp_path / "out")
    fed = {r["image"]: r["fed_as"] for r in result.records}
    assert result.geometry.training_size == (48.0, 48.0)
    assert (fed["wide.png"]["height"], fed["wide.png"]["width"]) == (20, 47)  # 32/48 scale
    [line] = geometry_lines(result)
    assert "fed at the training images' scale, their aspect ratio kept" in line


def test_an_image_of_the_training_shape_at_another_size_is_named_with_its_scale(tmp_path):
    """Trained on 48x48 images at 32 px, given a 240x240 one: fed at 32x32 as they were, so
    at 0.2 times their scale (a DRIVE model given a 9000x9000 photograph: 0.064). predict
    said nothing of it and predict.json's fed_as was all False (not kept, not shrunk)."""
    model = _run_with_training_record(tmp_path, "tiles", 48.0)
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((240, 240), 255, np.uint8)).save(folder / "large.png")
    Image.fromarray(np.full((50, 50), 255, np.uint8)).save(folder / "alike.png")
    result = predict_folder(model, folder, tmp_path / "out")
    fed = {r["image"]: r["fed_as"] for r in result.records}
    assert fed["large.png"]["scale_vs_training"] == 0.2
    assert fed["alike.png"]["scale_vs_training"] == 0.96
    [line] = geometry_lines(result)
    assert line.startswith(
        "note: 1 image(s) of the training images' aspect ratio but not their size (48x48, the "
        "median; the run recorded not their smallest and largest): fed at the model's 32x32 "
        "as they were, so at another scale than theirs: large.png (240x240: 0.2 times)")


def test_an_image_within_the_training_images_sizes_is_at_a_scale_they_had(tmp_path):
    """Trained on square images of 48 to 240 px (median 64) at 32 px, given a 240x240 one:
    predict said 'not their size (64x64, the median) ... so at another scale than theirs',
    though training fed its own 240 px images at that very scale; the record now holds the
    training images' smallest and largest sizes, and only an image more than twice beyond
    them is named."""
    model = _run_with_training_record(tmp_path, "tiles", 64.0, height_min=48.0,
                                      width_min=48.0, height_max=240.0, width_max=240.0)
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((240, 240), 255, np.uint8)).save(folder / "large.png")
    Image.fromarray(np.full((600, 600), 255, np.uint8)).save(folder / "larger.png")
    result = predict_folder(model, folder, tmp_path / "out")
    assert result.geometry.training_range == ((48.0, 48.0), (240.0, 240.0))
    [line] = geometry_lines(result)
    assert line.startswith(
        "note: 1 image(s) of the training images' aspect ratio but more than 2 times larger or "
        "smaller than any of them (48x48 to 240x240, median 64x64, the scale the times below "
        "are of): fed at the model's 32x32 as they were, so at another scale than any of "
        "theirs: larger.png (600x600: 0.107 times)")


def test_a_colour_image_for_a_model_trained_on_grey_images_is_named(tmp_path):
    """A model trained on grey images only, given a colour photograph: predict converted it
    to grey without a word (evaluate says it, as evaluate.images_converted)."""
    model = _run_with_training_record(tmp_path, "grey", 32.0)
    folder = tmp_path / "in"
    folder.mkdir()
    colour = np.zeros((32, 32, 3), np.uint8)
    colour[..., 0] = 200
    Image.fromarray(colour).save(folder / "photo.png")
    Image.fromarray(np.full((32, 32), 90, np.uint8)).save(folder / "grey.png")
    result = predict_folder(model, folder, tmp_path / "out")
    assert {r["image"]: r["bands"] for r in result.records} == {"photo.png": "colour",
                                                                 "grey.png": "grey"}
    [line] = colour_lines(result)
    assert line.startswith(
        f"note: 1 image(s) colour (photo.png), converted to grey by luminance as train reads "
        f"them, though the run that saved the model ({model.parent.parent}) trained it on 8 "
        "grey (or grey stored as colour) image(s) only")


def test_a_sequential_model_is_rebuilt_for_any_size_with_its_weights():
    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(2, 3, padding="same"),
                              keras.layers.MaxPooling2D(2), keras.layers.UpSampling2D(2),
                              keras.layers.Conv2D(1, 1, activation="sigmoid")])
    flexible, multiple, reason = any_size_model(model)
    images = np.random.default_rng(0).random((1, 16, 16, 1)).astype(np.float32)
    assert multiple == 2 and reason == ""
    np.testing.assert_allclose(flexible(images), model(images), atol=1e-6)
    assert tuple(flexible(np.zeros((1, 12, 20, 1), np.float32)).shape) == (1, 12, 20, 1)


def _predict_beside_a_single_page(tmp_path, name: str):
    """predict on a folder of ``name``, a file of 3 pages (or frames), and one single.png."""
    folder = tmp_path / "in"
    folder.mkdir()
    pages = [Image.fromarray(np.full((32, 32), 40 * index, np.uint8)) for index in range(3)]
    pages[0].save(folder / name, save_all=True, append_images=pages[1:])
    Image.fromarray(np.full((32, 32), 90, np.uint8)).save(folder / "single.png")
    return predict_folder(_pooled_model(tmp_path / "pooled.keras"), folder, tmp_path / "out")


def test_a_multi_page_tiff_is_named_as_predicted_on_its_first_page_only(tmp_path):
    """ISBI's train-volume.tif (30 slices) given to predict got one mask, of its first
    slice, without a word; train and evaluate pair such stacks page by page."""
    from unetdiag.training.predict_notes import stack_lines

    result = _predict_beside_a_single_page(tmp_path, "volume.tif")
    assert {r["image"]: r["pages"] for r in result.records} == {"volume.tif": 3,
                                                                 "single.png": 1}
    assert stack_lines(result) == [
        "note: 1 multi-page TIFF(s) got a mask of their first page only: volume.tif (3 pages); "
        "predict reads one page per file (train and evaluate pair stacks page by page): save "
        "each page as a file of its own to predict it (predict.json: pages)"]


def test_an_animated_gif_is_recorded_with_its_frames_and_named(tmp_path):
    """A 3-frame GIF got one mask, of its first frame, and predict.json said 'pages': 1
    (only a TIFF's pages were counted); now its frames, and a note of its own."""
    from unetdiag.training.predict_notes import stack_lines

    result = _predict_beside_a_single_page(tmp_path, "clip.gif")
    assert {r["image"]: r["pages"] for r in result.records} == {"clip.gif": 3,
                                                                 "single.png": 1}
    assert stack_lines(result) == [
        "note: 1 image(s) of several frames (an animation) got a mask of their first frame "
        "only: clip.gif (3 frames); save each frame as a file of its own to predict it "
        "(predict.json: pages)"]


def test_grey_stored_as_colour_is_not_said_to_be_repeated_into_the_channels(tmp_path):
    """A model trained on colour images only, given an RGB file whose three channels are
    equal: predict said 'their grey repeated into the model's 3 channels as train reads
    them', though the file stores the three channels and nothing is repeated."""
    model = _run_with_training_record(tmp_path, "photos", 32.0, save_model=_colour_model,
                                      bands={"colour": 8})
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(folder / "rgb_grey.png")
    result = predict_folder(model, folder, tmp_path / "out")
    [line] = colour_lines(result)
    assert "(rgb_grey.png), stored as colour with three equal channels, though" in line
    assert "repeated" not in line
    Image.fromarray(np.full((32, 32), 90, np.uint8)).save(folder / "grey.png")
    result = predict_folder(model, folder, tmp_path / "out2")
    [line] = colour_lines(result)
    assert ("1 of them one-channel, their grey repeated into the model's 3 channels as train "
            "reads them, the others stored as colour") in line


def test_an_image_too_thin_to_keep_its_aspect_ratio_is_not_recorded_nor_counted_as_kept(
        tmp_path):
    """The 300x1 strip fed at 554x2 (277:1): predict.json said ``fed_as.kept`` of it and the
    console counted it among the images "their aspect ratio kept", then said in a note that
    it was not."""
    model = _pooled_model(tmp_path / "pooled.keras")
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((1, 300), 200, np.uint8)).save(folder / "strip.png")
    Image.fromarray(np.full((3, 200), 200, np.uint8)).save(folder / "band.png")
    result = predict_folder(model, folder, tmp_path / "out")
    fed = {record["image"]: record["fed_as"] for record in result.records}
    assert (fed["strip.png"]["kept"], fed["strip.png"]["aspect_lost"]) == (False, True)
    assert (fed["band.png"]["kept"], fed["band.png"]["aspect_lost"]) == (True, False)
    lines = geometry_lines(result)
    assert lines[0].startswith("1 image(s) of another aspect ratio than the model input's "
                               "(1:1): band.png (200x3, 66.667:1); fed at the model input's "
                               "pixel count, their aspect ratio kept")
    assert lines[1].startswith("note: 1 image(s) of another aspect ratio too thin to keep it "
                               "at that scale: strip.png (300x1 fed at 554x2)")


def test_an_image_too_thin_alone_is_named_without_a_kept_line(tmp_path):
    model = _pooled_model(tmp_path / "pooled.keras")
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(np.full((1, 300), 200, np.uint8)).save(folder / "strip.png")
    result = predict_folder(model, folder, tmp_path / "out")
    (line,) = geometry_lines(result)
    assert line.startswith("note: 1 image(s) of another aspect ratio too thin to keep it at "
                           "that scale: strip.png (300x1 fed at 554x2)")
