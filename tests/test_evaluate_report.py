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
