"""evaluate and predict read the train run folder holding the model (s26, ISBI trained with
--mask-polarity dark): evaluate warns when it decodes the masks under another policy than
the run's data.json records and quotes the run's val_dice beside 'below the all-foreground
predictor'; predict says which class its 255 is; a run folder given as the model says
which file to pass."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.exitcodes import UserError

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")


def _dataset(folder, count=3, side=16):
    """Dark images with a bright 4x4 square; masks 255 on the square (the bright class)."""
    (folder / "images").mkdir(parents=True)
    (folder / "masks").mkdir()
    for index in range(count):
        image = np.full((side, side), 20, np.uint8)
        image[4:8, 4:8] = 230
        Image.fromarray(image).save(folder / "images" / f"s{index}.png")
        Image.fromarray(np.where(image > 100, 255, 0).astype(np.uint8)).save(
            folder / "masks" / f"s{index}.png")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A train run folder whose model learnt the dark class (predicts where the image is
    dark), with the records train writes."""
    root = tmp_path_factory.mktemp("tr")
    _dataset(root / "data")
    run_dir = root / "runs" / "isbi"
    (run_dir / "MP_Tr_BCE").mkdir(parents=True)
    inputs = keras.Input((16, 16, 1))
    layer = keras.layers.Conv2D(1, 1, activation="sigmoid",
                                kernel_initializer=keras.initializers.Constant(-20.0),
                                bias_initializer=keras.initializers.Constant(8.0))
    keras.Model(inputs, layer(inputs)).save(run_dir / "MP_Tr_BCE" / "model.keras")
    (run_dir / "data.json").write_text(json.dumps({"mask_policy": MaskPolicy(
        polarity="dark").to_dict()}))
    (run_dir / "summary.json").write_text(json.dumps({"variants": [
        {"variant": "MP_Tr_BCE", "best_val_dice": 0.03365, "best_val_dice_epoch": 3}]}))
    return root, run_dir


def _evaluate(root, run_dir, out, **kwargs):
    from unetdiag.training.evaluate import evaluate_model

    return evaluate_model(run_dir / "MP_Tr_BCE" / "model.keras", root / "data" / "images",
                          root / "data" / "masks", out_parent=out, **kwargs)


def test_evaluate_under_another_policy_than_the_run_recorded_warns_first(run, tmp_path):
    root, run_dir = run
    report = _evaluate(root, run_dir, tmp_path / "a").report
    found = {f.id: f for f in report.findings}
    differs = found["evaluate.policy_differs"]
    assert differs.title == ("model.keras was trained on masks decoded with --mask-polarity "
                             "dark (its run's data.json); this evaluation decodes them with "
                             "the default policy (no mask option)")
    assert report.headline.startswith(differs.title)
    below = found["evaluate.below_baseline"]
    assert "recorded a best val_dice of 0.0336 (epoch 3)" in below.explanation
    assert below.fix.startswith("A model that has not learnt the task")
    assert report.meta["training_policy"]["polarity"] == "dark"


def test_each_evaluation_folder_names_the_variant_whose_model_it_scored(run, tmp_path):
    """Every variant saves model.keras: folders named model, model-2 told none apart."""
    root, run_dir = run
    assert (_evaluate(root, run_dir, tmp_path / "e").out_dir.name
            == f"{run_dir.name}-MP_Tr_BCE-model")
    from unetdiag.training.evaluate import evaluate_model

    alone = tmp_path / "alone"  # a model outside a run folder keeps its own name
    alone.mkdir()
    (alone / "unet.keras").write_bytes((run_dir / "MP_Tr_BCE" / "model.keras").read_bytes())
    result = evaluate_model(alone / "unet.keras", root / "data" / "images",
                            root / "data" / "masks", out_parent=tmp_path / "e")
    assert result.out_dir.name == "unet"


def test_evaluate_under_the_run_policy_says_nothing_of_it(run, tmp_path):
    root, run_dir = run
    report = _evaluate(root, run_dir, tmp_path / "b", policy=MaskPolicy(polarity="dark")).report
    assert "evaluate.policy_differs" not in {f.id for f in report.findings}


def test_a_run_folder_given_as_the_model_names_the_file_to_pass(run):
    from unetdiag.training.saved_model import load_saved_model

    _, run_dir = run
    with pytest.raises(UserError) as raised:
        load_saved_model(run_dir)
    assert str(raised.value) == (f"{run_dir} is a train run folder, not a model file: pass "
                                 f"one of its variants' models "
                                 f"({run_dir / 'MP_Tr_BCE' / 'model.keras'})")
    with pytest.raises(UserError, match="pass .*MP_Tr_BCE/model.keras$"):
        load_saved_model(run_dir / "MP_Tr_BCE")


def test_predict_says_which_class_its_255_is(run, tmp_path):
    from unetdiag.training.predict import MANIFEST_FILENAME, predict_folder

    root, run_dir = run
    result = predict_folder(run_dir / "MP_Tr_BCE" / "model.keras", root / "data" / "images",
                            tmp_path / "pred")
    assert "store dark (--mask-polarity dark)" in result.foreground
    assert "inverse of that encoding" in result.foreground
    manifest = json.loads((tmp_path / "pred" / MANIFEST_FILENAME).read_text())
    assert manifest["foreground"]["means"] == result.foreground
    assert manifest["foreground"]["training_policy"]["polarity"] == "dark"
    with Image.open(tmp_path / "pred" / "s0.png") as mask:  # the dark class is 255
        assert np.asarray(mask)[0, 0] == 255 and np.asarray(mask)[5, 5] == 0


def test_the_predict_line_counts_one_mask_in_the_singular(run, tmp_path, capsys):
    from unetdiag.cli import main

    root, run_dir = run
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "s0.png").write_bytes((root / "data" / "images" / "s0.png").read_bytes())
    assert main(["predict", str(run_dir / "MP_Tr_BCE" / "model.keras"), "--images",
                 str(tmp_path / "one"), "--out", str(tmp_path / "pred1"), "-q"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "wrote 1 mask (0/255 PNG, each image's own size; 255 = the class the model learnt" \
        in said


def test_evaluate_names_the_training_files_among_the_images_it_scores(tmp_path):
    """evaluate on the folder the run trained on (ISBI's 30 pairs, 24 of them training
    pairs) scored the training files without a word; data.json now records the absolute
    folder, and the same folder with the same names is said. A copy elsewhere (same names,
    another folder) is not claimed."""
    import shutil

    from helpers import tiny_train_config, train_quietly

    from unetdiag.diag.synth.generator import SynthSpec, write_dataset
    from unetdiag.training.evaluate import evaluate_model

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=10, size=32))
    first = train_quietly(tiny_train_config(tmp_path / "data", tmp_path / "runs", epochs=1,
                                            variants=("MP_Tr_BCE",), diagnostics=False))
    model = first.run_dir / "MP_Tr_BCE" / "model.keras"
    data = json.loads((first.run_dir / "data.json").read_text())
    report = evaluate_model(model, tmp_path / "data", out_parent=tmp_path / "e1").report
    [seen] = [f for f in report.findings if f.id == "evaluate.training_images_scored"]
    assert seen.severity.value == "warning"
    assert seen.evidence["training_files"] == len(data["train"]) == 8
    assert seen.evidence["validation_files"] == len(data["val"]) == 2
    assert seen.title == "8 of the 10 images scored are files model.keras was trained on"
    shutil.copytree(tmp_path / "data", tmp_path / "copy")
    report = evaluate_model(model, tmp_path / "copy", out_parent=tmp_path / "e2").report
    assert "evaluate.training_images_scored" not in {f.id for f in report.findings}


def test_last_keras_is_compared_with_its_own_epoch_not_the_best(run, tmp_path):
    """last.keras holds the last epoch's weights: evaluate quoted the run's best val_dice
    (model.keras's epoch) beside it, as if the two files held the same model."""
    import shutil

    from unetdiag.training.evaluate import evaluate_model

    root, shared = run
    run_dir = tmp_path / "runs" / "isbi"  # a copy: the module's run folder stays as it is
    shutil.copytree(shared, run_dir)
    variant = run_dir / "MP_Tr_BCE"
    shutil.copy(variant / "model.keras", variant / "last.keras")
    (variant / "history.json").write_text(json.dumps({"val_dice": [0.02, 0.03365, 0.01]}))
    report = evaluate_model(variant / "last.keras", root / "data" / "images",
                            root / "data" / "masks", out_parent=tmp_path / "last").report
    below = {f.id: f for f in report.findings}["evaluate.below_baseline"]
    assert ("recorded a val_dice at its last epoch, the weights this file holds, of 0.0100 "
            "(epoch 3)") in below.explanation
    assert "best val_dice" not in below.explanation


def _recorded_run(tmp_path, row):
    """A run folder whose variant saved model.keras and last.keras, with ``row`` as its
    summary.json row and three epochs in its history.json."""
    variant = tmp_path / "run" / "MP_Tr_BCE"
    variant.mkdir(parents=True)
    (tmp_path / "run" / "data.json").write_text(json.dumps({}))
    (tmp_path / "run" / "summary.json").write_text(json.dumps({"variants": [
        {"variant": "MP_Tr_BCE", "best_val_dice": 0.5, "best_val_dice_epoch": 3, **row}]}))
    (variant / "history.json").write_text(json.dumps({"val_dice": [0.2, 0.3, 0.5]}))
    return variant


@pytest.mark.parametrize("name", ["model.keras", "last.keras"])
def test_no_val_dice_quoted_for_files_a_resume_interrupted_did_not_save(tmp_path, name):
    """A variant finished at 2 epochs, resumed with --epochs 4 and interrupted in epoch 4:
    history.json and summary.json's best count epoch 3, but model.keras and last.keras are
    still the files of epoch 2 (an interrupted variant saves none; summary.json's
    model_holds None). evaluate quoted epoch 3's val_dice beside them."""
    from unetdiag.training.run_record import run_record

    variant = _recorded_run(tmp_path, {"status": "interrupted", "model_holds": None,
                                       "model_epoch": None})
    assert run_record(variant / name).trained_dice()[0] is None


def test_no_best_val_dice_quoted_for_a_model_kept_at_a_guard_stop(tmp_path):
    """Under --on-guard stop, model.keras holds the weights the guard kept, not the best
    epoch's: the best val_dice is not theirs."""
    from unetdiag.training.run_record import run_record

    variant = _recorded_run(tmp_path, {"status": "stopped by guard",
                                       "model_holds": "guard stop", "model_epoch": 3})
    assert run_record(variant / "model.keras").trained_dice() == (None, "best")
    assert run_record(variant / "last.keras").trained_dice() == ((0.5, 3), "last")


def test_best_val_dice_quoted_for_the_best_epoch_and_for_older_summaries(tmp_path):
    from unetdiag.training.run_record import run_record

    variant = _recorded_run(tmp_path, {"model_holds": "best epoch", "model_epoch": 3})
    assert run_record(variant / "model.keras").trained_dice() == ((0.5, 3), "best")
    older = _recorded_run(tmp_path / "older", {})
    assert run_record(older / "model.keras").trained_dice() == ((0.5, 3), "best")


def test_the_same_variant_of_two_runs_gives_two_names(tmp_path):
    """MP_Tr_BCE-model and MP_Tr_BCE-model-2 told two runs' models apart no better than
    model and model-2 told two variants apart."""
    from unetdiag.training.evaluate import evaluation_name
    from unetdiag.training.run_record import RunRecord

    names = {evaluation_name(tmp_path / run / "MP_Tr_BCE" / "model.keras",
                             RunRecord(tmp_path / run, "MP_Tr_BCE", None))
             for run in ("20261205-124704", "20261205-131500")}
    assert names == {"20261205-124704-MP_Tr_BCE-model", "20261205-131500-MP_Tr_BCE-model"}
