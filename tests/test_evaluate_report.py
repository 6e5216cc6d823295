"""What unetdiag evaluate's report says about one evaluation: in its own words, not a
training run's."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from PIL import Image

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

SIDE = 16
#: Words of a training run that one evaluation has no use for.
TRAINING_WORDS = ("val_accuracy", "val_dice", "val_iou", "validation", "at the only epoch",
                  "epochs", "the run's convention", "of the run")


def _model(path, kernel: float, bias: float):
    """A 1x1 sigmoid convolution: probability sigmoid(kernel * pixel + bias) everywhere."""
    inputs = keras.Input((SIDE, SIDE, 1))
    layer = keras.layers.Conv2D(1, 1, activation="sigmoid",
                                kernel_initializer=keras.initializers.Constant(kernel),
                                bias_initializer=keras.initializers.Constant(bias))
    keras.Model(inputs, layer(inputs)).save(path)
    return path


def _squares(folder, count: int = 4):
    """Images that are their masks: a bright square (foreground) on black."""
    folder.mkdir(parents=True)
    for index in range(count):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        mask[2:6 + index, 3:9] = 255
        Image.fromarray(mask).save(folder / f"sq_{index}.png")
        Image.fromarray(mask).save(folder / f"sq_{index}_mask.png")
    return folder


def _said(report) -> str:
    return "\n".join([report.headline, *(text for f in report.findings
                                         for text in (f.title, f.explanation, f.fix))])


@pytest.mark.parametrize("name, kernel, bias, finding_id, words", [
    ("ones", 0.0, 10.0, "saturation.all_ones_predictor",
     ("foreground in the images scored", "pooled hard Dice on the images scored")),
    ("zeros", 0.0, -10.0, "saturation.all_zeros_predictor",
     ("foreground in the images scored", "pixels of the images scored")),
    ("perfect", 40.0, -20.0, "saturation.perfect_accuracy",
     ("every pixel of the images scored right", "pooled accuracy on the images scored")),
])
def test_evaluate_speaks_of_the_images_scored_not_of_a_training_run(tmp_path, name, kernel,
                                                                    bias, finding_id, words):
    from unetdiag.training.evaluate import evaluate_model

    result = evaluate_model(_model(tmp_path / f"{name}.keras", kernel, bias),
                            _squares(tmp_path / "data"), out_parent=tmp_path / "out")
    assert finding_id in {f.id for f in result.report.findings}
    said = _said(result.report)
    for word in TRAINING_WORDS:
        assert word not in said, word
    for word in words:
        assert word in said, word


def test_a_claim_only_a_run_can_make_is_not_worded_for_numbers_measured_once():
    from unetdiag.diag.checks.saturation import check_series
    from unetdiag.training.evaluate import IMAGES_SCORED

    flat = {"val_accuracy": [0.7] * 5, "val_dice": [0.4] * 5}  # a plateau needs epochs
    with pytest.raises(ValueError, match="training run only"):
        check_series("m", flat, subject=IMAGES_SCORED)


def test_the_worst_images_table_has_up_to_worst_rows_rows_and_the_panels_stay_four(tmp_path):
    import json

    from unetdiag.training.evaluate import WORST_ROWS, evaluate_model
    from unetdiag.training.scoring import WORST_PANELS

    result = evaluate_model(_model(tmp_path / "ones.keras", 0.0, 10.0),
                            _squares(tmp_path / "data", count=WORST_ROWS + 2),
                            out_parent=tmp_path / "out")
    rows = result.report.summary["worst images"]
    assert len(rows) == WORST_ROWS > WORST_PANELS
    dice = [row["dice"] for row in rows]
    assert dice == sorted(dice)  # the smallest squares score lowest against all-foreground
    assert [row["file"] for row in rows[:2]] == ["sq_0.png", "sq_1.png"]
    panels = json.loads((result.out_dir / "overlays" / "index.json").read_text())
    assert len(panels) == WORST_PANELS
    assert [panel["file"] for panel in panels] == [row["file"] for row in rows[:WORST_PANELS]]


#: The facts about files, not pixels, that train's decoder records.
FILE_FACTS = {"image.sixteen_bit_colour", "mask.sixteen_bit_colour", "file.blank_first_frame",
              "image.dropped_samples"}


def _files_with_storage_facts(folder):
    """Pairs of 32 px: 48-bit RGB masks (0/65535) and one 48-bit image, two GIF masks whose
    blank first frame hides the object drawn on the second, and a 4-sample TIFF image."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset
    from unetdiag.diag.synth.image_corruptions import png16_bytes, tiff_bytes

    pairs = write_dataset(folder, SynthSpec(n_pairs=10, size=32, seed=5))
    for _image, mask in pairs[:4]:
        drawn = (np.asarray(Image.open(mask)) > 0).astype(np.uint16) * 65535
        mask.write_bytes(png16_bytes(np.dstack([drawn] * 3)))
    grey = np.asarray(Image.open(pairs[0][0]).convert("L")).astype(np.uint16) * 257
    pairs[0][0].write_bytes(png16_bytes(np.dstack([grey] * 3)))
    for _image, mask in pairs[4:6]:
        drawn = np.asarray(Image.open(mask))
        Image.fromarray(np.zeros_like(drawn)).save(mask.with_suffix(".gif"), save_all=True,
                                                   append_images=[Image.fromarray(drawn)])
        mask.unlink()
    image = pairs[6][0]
    grey = np.asarray(Image.open(image).convert("L"))
    image.with_suffix(".tif").write_bytes(tiff_bytes(np.dstack([grey] * 4), extra_sample=0))
    image.unlink()
    return folder


def test_evaluate_reports_the_file_facts_train_reports_for_the_same_files(tmp_path):
    from helpers import tiny_train_config, train_quietly

    from unetdiag.training.evaluate import evaluate_model

    data = _files_with_storage_facts(tmp_path / "data")
    trained = train_quietly(tiny_train_config(data, tmp_path / "runs", variants=("MP_Tr_BCE",),
                                              epochs=1))
    said_by_train = {f.id: f for f in trained.report.findings if f.id in FILE_FACTS}
    assert set(said_by_train) == FILE_FACTS
    evaluated = evaluate_model(tmp_path / "runs" / "r" / "MP_Tr_BCE" / "model.keras", data,
                               out_parent=tmp_path / "out")
    said_by_evaluate = {f.id: f for f in evaluated.report.findings if f.id in FILE_FACTS}
    assert set(said_by_evaluate) == FILE_FACTS
    for finding_id, finding in said_by_train.items():
        same = said_by_evaluate[finding_id]
        assert (same.severity, same.title, same.evidence, same.source) == (
            finding.severity, finding.title, finding.evidence, finding.source), finding_id


def test_evaluate_refuses_masks_train_refuses_and_leaves_no_folder(tmp_path):
    from unetdiag.diag.synth.image_corruptions import png16_bytes
    from unetdiag.exitcodes import ExitCode, UserError
    from unetdiag.training.evaluate import evaluate_model

    data = _squares(tmp_path / "data")
    for mask in data.glob("*_mask.png"):  # 0/1 in 16 bits a channel: every top byte is 0
        drawn = (np.asarray(Image.open(mask)) > 0).astype(np.uint16)
        mask.write_bytes(png16_bytes(np.dstack([drawn] * 3)))
    with pytest.raises(UserError, match="store 16 bits per colour channel") as caught:
        evaluate_model(_model(tmp_path / "ones.keras", 0.0, 10.0), data,
                       out_parent=tmp_path / "out")
    assert caught.value.code == ExitCode.INPUT_ERROR
    assert not (tmp_path / "out").exists()


def test_evaluate_says_its_scores_are_at_the_models_input_size(tmp_path):
    """A 16 px model scored on 24 px masks: every score is measured on the masks resized to
    16x16 (as train's validation), which the console and report.json did not say: a DRIVE
    user read 'model.keras scores hard Dice 0.0634' as a Dice on the 565x584 masks."""
    import io

    from rich.console import Console

    from unetdiag.training.evaluate import evaluate_model

    folder = tmp_path / "data"
    folder.mkdir()
    for index in range(2):
        mask = np.zeros((24, 24), np.uint8)
        mask[4:12 + index, 5:15] = 255
        Image.fromarray(mask).save(folder / f"sq_{index}.png")
        Image.fromarray(mask).save(folder / f"sq_{index}_mask.png")
    written = io.StringIO()
    result = evaluate_model(_model(tmp_path / "m.keras", 40.0, -20.0), folder,
                            out_parent=tmp_path / "out", console=Console(file=written, width=300))
    said = ("every score at 16x16, the model's input, as train's validation: a mask of "
            "another size is resized to it by nearest neighbour and scored there, not at its "
            "own")
    assert said in written.getvalue()
    assert result.report.meta["scored_at"] == said


def test_masks_stored_at_the_model_s_input_are_not_said_to_be_resized(tmp_path):
    """16x16 masks scored by a 16x16 model: evaluate said 'masks resized to 16x16 by nearest
    neighbour ... not at the masks' own', though their own size is 16x16 and none was
    resized (review of s31)."""
    from unetdiag.training.evaluate import evaluate_model

    folder = tmp_path / "data"
    folder.mkdir()
    mask = np.zeros((16, 16), np.uint8)
    mask[4:12, 5:11] = 255
    Image.fromarray(mask).save(folder / "sq.png")
    Image.fromarray(mask).save(folder / "sq_mask.png")
    result = evaluate_model(_model(tmp_path / "m.keras", 40.0, -20.0), folder,
                            out_parent=tmp_path / "out")
    assert "masks resized to" not in result.report.meta["scored_at"]
    assert "a mask of another size is resized" in result.report.meta["scored_at"]
