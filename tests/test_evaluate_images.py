"""evaluate says what it converted and how the images it scores differ from the training
images the run recorded (s28, issue 14/15: a model trained on 1-channel grey 8-bit cells,
scored on colour copies, was converted to grey by luminance without a word; on 12-bit data
in 16-bit files it scored hard Dice 0.006 and was only "below the all-foreground
predictor", the images' median brightest value 0.046 against the training images' 0.737)."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from helpers import tiny_train_config, train_quietly
from PIL import Image

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.image_kinds import ImageKind, summarise_kinds
from unetdiag.diag.evaluation.images import image_findings

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

GREY_8_BIT = {"images": 10, "bands": {"grey": 10}, "depth": {"8-bit": 10}, "low": 0.0,
              "high": 1.0, "high_median": 0.737}


def _dataset(folder, kind: str, count: int = 3, side: int = 16):
    folder.mkdir(parents=True)
    for index in range(count):
        image = np.full((side, side), 40, np.uint8)
        image[4:9, 4:9] = 200
        mask = np.where(image > 100, 255, 0).astype(np.uint8)
        Image.fromarray(mask).save(folder / f"s{index}_mask.png")
        if kind == "colour":
            stored = np.stack([image, image // 2, 255 - image], axis=-1)
        elif kind == "deep":  # 12-bit data in a 16-bit file
            stored = image.astype(np.uint16) * 16
        else:
            stored = image
        Image.fromarray(stored).save(folder / f"s{index}.png")
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A train run folder holding a 1-channel model and the records train writes, its
    report's meta saying it trained on grey 8-bit images."""
    run_dir = tmp_path_factory.mktemp("tr") / "runs" / "grey"
    (run_dir / "MP_Tr_BCE").mkdir(parents=True)
    inputs = keras.Input((16, 16, 1))
    keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs)).save(
        run_dir / "MP_Tr_BCE" / "model.keras")
    (run_dir / "data.json").write_text(json.dumps({"mask_policy": None}))
    (run_dir / "report.json").write_text(json.dumps({"meta": {"train_images": GREY_8_BIT}}))
    return run_dir


def _findings(run_dir, images, tmp_path):
    from unetdiag.training.evaluate import evaluate_model

    result = evaluate_model(run_dir / "MP_Tr_BCE" / "model.keras", images,
                            out_parent=tmp_path / "out")
    return result, {f.id: f for f in result.report.findings}


def test_colour_images_for_a_grey_model_are_converted_and_said_unlike_training(run, tmp_path):
    result, found = _findings(run, _dataset(tmp_path / "colour", "colour"), tmp_path)
    finding = found["evaluate.images_converted"]
    assert finding.severity is Severity.WARNING and finding.source == "data"
    assert finding.evidence["converted_to_grey"] == 3
    assert finding.evidence["training_colour_images"] == 0
    assert "converted to grey by luminance (0.299 R + 0.587 G + 0.114 B" in finding.explanation
    assert "trained it on 10 images: every one grey" in finding.explanation
    assert "may not be comparable" in finding.explanation
    assert result.report.headline.startswith("The 3 images scored are colour, unlike the "
                                             "images the model was trained on")
    assert result.report.meta["images_scored"]["bands"] == {"colour": 3}


def test_twelve_bit_data_in_16_bit_files_is_another_intensity_range(run, tmp_path):
    _, found = _findings(run, _dataset(tmp_path / "deep", "deep"), tmp_path)
    finding = found["evaluate.intensity_differs"]
    assert finding.severity is Severity.WARNING
    assert finding.evidence["depth"] == {"16-bit": 3}
    assert finding.evidence["high_median"] == pytest.approx(200 * 16 / 65535, abs=1e-3)
    assert finding.evidence["training_high_median"] == 0.737
    assert "(all 16-bit) hold 0.00977 to 0.0488" in finding.explanation
    assert "10 images: all 8-bit, 0 to 1" in finding.explanation
    assert "evaluate.images_converted" not in found  # grey for a grey model: as trained


def test_images_like_the_training_images_say_nothing(run, tmp_path):
    _, found = _findings(run, _dataset(tmp_path / "grey", "grey"), tmp_path)
    assert not {"evaluate.images_converted", "evaluate.intensity_differs"} & set(found)


def test_without_a_run_record_a_conversion_is_information_and_no_range_is_compared():
    scored = summarise_kinds([ImageKind("colour", "8-bit", 0.0, 0.9, 16, 16)] * 2)
    [finding] = image_findings(scored, 1, None, None)
    assert finding.id == "evaluate.images_converted" and finding.severity is Severity.INFO
    assert "No train run record beside the model" in finding.explanation
    # a grey model's colour training images converted alike: nothing to say (s29)
    trained = {**GREY_8_BIT, "bands": {"colour": 10}}
    assert image_findings(scored, 1, trained, "runs/c") == []
    # a 3-channel model trained on colour, given grey: repeated, and unlike its training
    grey = summarise_kinds([ImageKind("grey", "8-bit", 0.0, 0.9, 16, 16)] * 2)
    [finding] = image_findings(grey, 3, trained, "runs/c")
    assert finding.severity is Severity.WARNING
    assert "repeated into three equal channels" in finding.explanation


def test_train_records_the_kind_of_its_training_images(tmp_path):
    images = _dataset(tmp_path / "grey", "grey", count=5)
    result = train_quietly(tiny_train_config(images, tmp_path / "runs", epochs=1,
                                             variants=("MP_Tr_BCE",)))
    record = result.report.meta["train_images"]
    assert record["images"] == 4 and record["bands"] == {"grey": 4}
    assert record["depth"] == {"8-bit": 4} and record["high"] == pytest.approx(200 / 255,
                                                                               abs=1e-3)
    assert record["aspect_min"] == record["aspect_max"] == 1.0
    assert record["height_min"] == record["height_max"] == record["height_median"]


def test_a_run_that_recorded_no_training_images_is_said_so_not_quoted_as_none():
    """A run folder from before train recorded its images (review of s28): the run is known,
    its images are not; nothing may read 'trained it on None images'."""
    grey = summarise_kinds([ImageKind("grey", "8-bit", 0.0, 0.9, 16, 16)] * 2)
    [finding] = image_findings(grey, 3, None, "runs/old")
    text = " ".join((finding.title, finding.explanation, finding.fix))
    assert "None" not in text
    assert "(runs/old) records nothing of the images it learnt from" in finding.explanation
    assert "The same conversion as in training" not in finding.explanation


def test_some_colour_images_among_grey_are_counted_not_said_of_all():
    """3 colour images among 10 scored, on a 3-channel model trained on grey: the title
    counts the 3, the explanation says they were given as they are."""
    kinds = ([ImageKind("grey", "8-bit", 0.0, 0.9, 16, 16)] * 7
             + [ImageKind("colour", "8-bit", 0.0, 0.9, 16, 16)] * 3)
    [finding] = image_findings(summarise_kinds(kinds), 3, GREY_8_BIT, "runs/a")
    assert finding.severity is Severity.WARNING
    assert finding.title == ("3 of the 10 images scored are colour, unlike the images the "
                             "model was trained on")
    assert "3 of the 10 images scored are colour, given to it as they are" in finding.explanation
    assert "never learnt from images like the 3 colour ones" in finding.explanation
    assert "--channels 3" not in finding.fix  # the model takes three channels already


def test_grey_images_for_a_colour_model_trained_on_grey_say_nothing():
    """Session 29: a grey set (ISBI 2012) scored with the 3-channel model train makes by
    default, trained on those grey images repeated into three channels the same way, got
    evaluate.images_converted (info) on every evaluation."""
    grey = summarise_kinds([ImageKind("grey", "8-bit", 0.0, 0.9, 16, 16)] * 2)
    assert image_findings(grey, 3, GREY_8_BIT, "runs/g") == []
    # training images of both kinds: the grey ones were repeated as these are
    mixed = {**GREY_8_BIT, "bands": {"colour": 4, "grey": 6}}
    assert image_findings(grey, 3, mixed, "runs/m") == []
    # trained on grey stored as colour: three equal channels, as the repeated grey
    stored_as_colour = {**GREY_8_BIT, "bands": {"grey as colour": 10}}
    assert image_findings(grey, 3, stored_as_colour, "runs/s") == []
    # trained on colour only: grey repeated is unlike its training (a warning)
    [finding] = image_findings(grey, 3, {**GREY_8_BIT, "bands": {"colour": 10}}, "runs/c")
    assert finding.severity is Severity.WARNING
    assert "repeated into three equal channels" in finding.explanation
    # no record: whether the model learnt from such images is unknown, so it is said
    [finding] = image_findings(grey, 3, None, None)
    assert finding.severity is Severity.INFO


def test_one_training_image_converted_alike_among_many_does_not_silence_the_conversion():
    """A grey model trained on 9 grey images and 1 colour one, scoring colour images: the
    conversion to grey was silenced by that single colour training image ("> 0")."""
    colour = {**GREY_8_BIT, "bands": {"colour": 10}}
    trained = {**GREY_8_BIT, "bands": {"grey": 9, "colour": 1}}
    [finding] = image_findings(colour, 1, trained, "runs/one")
    assert finding.id == "evaluate.images_converted"
    assert finding.evidence["converted_to_grey"] == 10
    mostly = {**GREY_8_BIT, "bands": {"grey": 3, "colour": 7}}
    assert image_findings(colour, 1, mostly, "runs/most") == []
