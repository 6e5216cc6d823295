"""unetdiag evaluate and predict on models saved by plain Keras scripts (not unetdiag)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from helpers import SUBPROCESS_TIMEOUT
from PIL import Image

from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.predict import MANIFEST_FILENAME, predict_folder
from unetdiag.training.saved_model import load_saved_model

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

#: The original project's training script, reduced: its own dice_coef (batch formula,
#: smooth=1e-6) as loss and metric, masks that are the images thresholded at > 0, a tiny
#: model trained a few steps. It never imports unetdiag.
PLAIN_KERAS_SCRIPT = textwrap.dedent('''
    import sys
    from pathlib import Path

    import keras
    import numpy as np
    from keras import ops
    from PIL import Image

    def dice_coef(y_true, y_pred, smooth=1e-6):
        y_true_f = ops.reshape(y_true, (-1,))
        y_pred_f = ops.reshape(y_pred, (-1,))
        intersection = ops.sum(y_true_f * y_pred_f)
        return (2.0 * intersection + smooth) / (ops.sum(y_true_f) + ops.sum(y_pred_f) + smooth)

    def dice_coef_loss(y_true, y_pred):
        return 1.0 - dice_coef(y_true, y_pred)

    keras.utils.set_random_seed(0)
    files = sorted(Path(sys.argv[1]).glob("*.png"))
    x = np.stack([np.asarray(Image.open(f).convert("L"), np.float32) / 255 for f in files])
    x = x[..., None]
    y = (x > 0).astype("float32")  # the mask is the image itself
    inputs = keras.Input((32, 32, 1))
    hidden = keras.layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(hidden))
    model.compile(keras.optimizers.Adam(1e-2), loss=dice_coef_loss,
                  metrics=["accuracy", dice_coef])
    model.fit(x, y, batch_size=4, epochs=3, verbose=0)
    model.save(sys.argv[2])
    model.save(sys.argv[3])
    assert "unetdiag" not in sys.modules
''')

#: A model with a layer class only this script knows.
CUSTOM_LAYER_SCRIPT = textwrap.dedent('''
    import sys
    import keras

    @keras.saving.register_keras_serializable(package="mine")
    class Doubling(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    inputs = keras.Input((32, 32, 1))
    outputs = keras.layers.Conv2D(1, 1, activation="sigmoid")(Doubling()(inputs))
    keras.Model(inputs, outputs).save(sys.argv[1])
''')


def _python(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=SUBPROCESS_TIMEOUT)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A folder of images only: with --masks on the same folder, each image is its mask."""
    data = tmp_path_factory.mktemp("data")
    pairs = write_dataset(data / "cells", SynthSpec(n_pairs=12, size=32, seed=3))
    folder = data / "photos"
    folder.mkdir()
    for image, _mask in pairs:
        (folder / image.name).write_bytes(image.read_bytes())
    return folder


@pytest.fixture(scope="module")
def plain_models(photos, tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    paths = folder / "plain.keras", folder / "plain.h5"
    done = _python("-c", PLAIN_KERAS_SCRIPT, str(photos), *map(str, paths))
    assert done.returncode == 0, done.stderr[-3000:]
    return paths


def test_evaluate_names_the_all_ones_fingerprint_of_a_plain_keras_model(plain_models, photos,
                                                                        tmp_path):
    keras_model, _h5 = plain_models
    done = _python("-m", "unetdiag", "evaluate", str(keras_model), "--images", str(photos),
                   "--masks", str(photos), "--allow-same-file-masks", "--mask-threshold", "0",
                   "--out", str(tmp_path), "--json")
    assert done.returncode == ExitCode.FINDINGS_ERROR, done.stderr[-3000:]
    report = json.loads(done.stdout)
    ids = {finding["id"] for finding in report["findings"]}
    assert {"saturation.all_ones_predictor", "pairing.same_file", "evaluate.scores",
            "baseline.dice_uninformative"} <= ids
    assert report["headline"].startswith("plain.keras predicts every pixel as foreground")
    assert report["command"] == "evaluate"
    conventions = report["summary"]["conventions"]
    assert {(row["metric"], row["reduction"]) for row in conventions} == {
        ("accuracy", "pooled"), ("soft Dice", "pooled"), ("soft Dice", "per image"),
        ("hard Dice", "pooled"), ("hard Dice", "per image"), ("hard IoU", "pooled"),
        ("hard IoU", "per image")}
    seed = next(row for row in conventions if row["convention"].startswith("seed")
                and row["reduction"] == "pooled")
    pooled = next(row for row in conventions if row["metric"] == "hard Dice"
                  and row["reduction"] == "pooled")
    assert pooled["model"] == pytest.approx(pooled["all_ones"], abs=1e-9)  # all foreground
    assert seed["model"] < pooled["model"]  # soft Dice of probabilities near 0.5: lower
    # the first lines are unetdiag's: no TensorFlow start-up log on the terminal
    assert done.stderr.startswith(f"evaluating {keras_model}")
    for noise in ("absl::InitializeLog", "oneDNN", "cuda", "cpu_feature_guard"):
        assert noise not in done.stderr
    out_dir = tmp_path / "plain"
    rows = (out_dir / "scores.csv").read_text().splitlines()
    assert rows[0] == "file,foreground_fraction,dice,iou,predicted_fraction"
    assert len(rows) == 13
    index = json.loads((out_dir / "overlays" / "index.json").read_text())
    assert [entry["kind"] for entry in index] == ["worst"] * 4
    assert (out_dir / "report.json").is_file() and (out_dir / "report.html").is_file()


def test_an_h5_model_loads_and_a_custom_layer_is_a_one_line_error(plain_models, photos,
                                                                   tmp_path):
    _keras_model, h5_model = plain_models
    saved = load_saved_model(h5_model)
    assert (saved.height, saved.width, saved.channels) == (32, 32, 1)
    custom = tmp_path / "custom.keras"
    assert _python("-c", CUSTOM_LAYER_SCRIPT, str(custom)).returncode == 0
    done = _python("-m", "unetdiag", "evaluate", str(custom), "--images", str(photos),
                   "--masks", str(photos), "--allow-same-file-masks")
    assert done.returncode == ExitCode.INPUT_ERROR
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"unetdiag: error: cannot load {custom}")
    assert not (tmp_path / "evaluations").exists()


def _images_of_two_sizes(folder):
    folder.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((24, 40)) * 255).astype(np.uint8)).save(folder / "wide.png")
    Image.fromarray((rng.random((32, 32, 3)) * 255).astype(np.uint8)).save(folder / "b.jpg")
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(folder / "b_mask.png")  # left out
    return folder


def test_predict_writes_0_255_masks_at_each_images_size_and_overlays(plain_models, tmp_path):
    images = _images_of_two_sizes(tmp_path / "in")
    out = tmp_path / "out"
    result = predict_folder(plain_models[0], images, out)
    assert [record["image"] for record in result.records] == ["b.jpg", "wide.png"]
    assert [path.name for path in result.skipped_masks] == ["b_mask.png"]
    for name, size in (("b.png", (32, 32)), ("wide.png", (40, 24))):
        with Image.open(out / name) as mask:
            assert mask.size == size and mask.mode == "L"
            assert set(np.unique(np.asarray(mask))) <= {0, 255}
        assert (out / "overlays" / name).stat().st_size > 0
    manifest = json.loads((out / MANIFEST_FILENAME).read_text())
    assert manifest["command"] == "predict" and len(manifest["files"]) == 2
    assert sorted(p.name for p in images.iterdir()) == ["b.jpg", "b_mask.png", "wide.png"]


def test_predict_never_writes_into_its_input_or_over_foreign_files(plain_models, tmp_path):
    images = _images_of_two_sizes(tmp_path / "in")
    for inside in (images, images / "predictions"):
        with pytest.raises(UserError, match="inside the input folder") as caught:
            predict_folder(plain_models[0], images, inside)
        assert caught.value.code == ExitCode.USAGE
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty") as caught:
        predict_folder(plain_models[0], images, foreign)
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]


def test_predict_replaces_its_own_earlier_output(plain_models, tmp_path):
    images = _images_of_two_sizes(tmp_path / "in")
    out = tmp_path / "out"
    predict_folder(plain_models[0], images, out)
    (images / "wide.png").unlink()
    (out / "keep.txt").write_text("not listed by predict")
    result = predict_folder(plain_models[0], images, out)
    assert [record["image"] for record in result.records] == ["b.jpg"]
    assert not (out / "wide.png").exists() and not (out / "overlays" / "wide.png").exists()
    assert (out / "b.png").is_file() and (out / "keep.txt").is_file()


def test_a_model_that_outputs_logits_is_refused(tmp_path):
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(
        1, 1, bias_initializer=keras.initializers.Constant(5.0))(inputs))
    path = tmp_path / "logits.keras"
    model.save(path)
    images = tmp_path / "in"
    images.mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(images / "a.png")
    with pytest.raises(UserError, match="not probabilities") as caught:
        predict_folder(path, images, tmp_path / "out")
    assert caught.value.code == ExitCode.USAGE


def _constant_model(path, side: int = 16):
    """A model that predicts foreground (probability ~1) everywhere."""
    inputs = keras.Input((side, side, 1))
    layer = keras.layers.Conv2D(1, 1, activation="sigmoid", kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant(10.0))
    keras.Model(inputs, layer(inputs)).save(path)
    return path


def _trimaps(folder, count: int = 4, side: int = 16):
    """Pet-style trimaps: 2 background, 1 a 4x4 object, 3 a ring around it."""
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for index in range(count):
        labels = np.full((side, side), 2, np.uint8)
        labels[4:10, 4:10] = 3
        labels[5:9, 5:9] = 1
        Image.fromarray(labels).save(folder / "masks" / f"pet_{index}.png")
        Image.fromarray(np.full((side, side), 40 + index, np.uint8)).save(
            folder / "images" / f"pet_{index}.png")


def test_evaluate_leaves_ignored_pixels_out_of_every_score(tmp_path):
    from unetdiag.diag.data.policy import MaskPolicy
    from unetdiag.training.evaluate import evaluate_model

    _trimaps(tmp_path / "pets")
    model = _constant_model(tmp_path / "ones.keras")
    scores = {}
    for name, policy in (("ignored", MaskPolicy(foreground_values=(1,), ignore_values=(3,))),
                         ("counted", MaskPolicy(foreground_values=(1,)))):
        result = evaluate_model(model, tmp_path / "pets" / "images", tmp_path / "pets" / "masks",
                                policy=policy, out_parent=tmp_path / name)
        row = next(r for r in result.report.summary["conventions"]
                   if r["metric"] == "hard Dice" and r["reduction"] == "per image")
        scores[name] = row["model"]
    ring = 36 - 16  # the 6x6 band minus the 4x4 object
    assert scores["ignored"] == pytest.approx(2 * 16 / (16 + 256 - ring))
    assert scores["counted"] == pytest.approx(2 * 16 / (16 + 256))


def test_evaluate_says_what_is_wrong_with_the_data_before_the_scores(tmp_path):
    from unetdiag.training.evaluate import evaluate_model

    _trimaps(tmp_path / "pets")  # read under the automatic threshold: every mask is empty
    Image.fromarray(np.zeros((12, 16), np.uint8)).save(tmp_path / "pets" / "masks" / "pet_0.png")
    result = evaluate_model(_constant_model(tmp_path / "ones.keras"),
                            tmp_path / "pets" / "images", tmp_path / "pets" / "masks",
                            out_parent=tmp_path / "out")
    found = {f.id: f for f in result.report.findings}
    assert found["imbalance.empty_masks"].source == "data"
    assert found["geometry.size_mismatch"].files[0].endswith("pet_0.png")
    assert found["mask.label_map"].source == "data"
    # 3 trimaps decode empty, the fourth holds one value: "decode empty" is true of all 4
    assert result.report.headline.startswith("In the data scored: 1 mask differs in size "
                                             "from its image; All 4 masks decode empty.")
    assert "3 of the masks decoded are label maps holding 1, 2 and 3" in (
        found["imbalance.empty_masks"].explanation)
    assert "--foreground-values" in found["imbalance.empty_masks"].fix
    assert "the same options to evaluate" in found["imbalance.empty_masks"].fix
    assert "saturation.metric_at_baseline" not in found  # one class: no baseline to sit on


def test_outputs_never_land_in_the_data_nor_stay_behind_a_refusal(tmp_path):
    from unetdiag.training.evaluate import evaluate_model

    _trimaps(tmp_path / "pets")
    model = _constant_model(tmp_path / "ones.keras")
    with pytest.raises(UserError) as caught:  # evaluate: the dataset is only read
        evaluate_model(model, tmp_path / "pets" / "images", tmp_path / "pets" / "masks",
                       out_parent=tmp_path / "pets" / "images" / "runs")
    assert caught.value.code == ExitCode.USAGE
    assert not (tmp_path / "pets" / "images" / "runs").exists()
    (tmp_path / "taken").write_text("a user's file")
    with pytest.raises(UserError) as caught:  # predict: --out names a file
        predict_folder(model, tmp_path / "pets" / "images", tmp_path / "taken")
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    assert (tmp_path / "taken").read_text() == "a user's file"
    # a damaged .keras file is named as such (Keras says "File not found")
    broken = tmp_path / "broken.keras"
    broken.write_bytes(model.read_bytes()[:200])
    with pytest.raises(UserError, match="not a .keras archive"):
        load_saved_model(broken)
    # a model refused at its first batch leaves no folder made for the run
    inputs = keras.Input((16, 16, 1))
    two = keras.Model(inputs, keras.layers.Conv2D(2, 1, activation="softmax")(inputs))
    two.save(tmp_path / "two.keras")
    with pytest.raises(UserError):
        predict_folder(tmp_path / "two.keras", tmp_path / "pets" / "images", tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
    (tmp_path / "mine").mkdir()  # an empty folder the user made stays, empty
    with pytest.raises(UserError):
        predict_folder(tmp_path / "two.keras", tmp_path / "pets" / "images", tmp_path / "mine")
    assert (tmp_path / "mine").is_dir() and not any((tmp_path / "mine").iterdir())
