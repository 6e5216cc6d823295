"""evaluate.training_images_scored claims only files that are still the ones the run trained
on: a training name whose file was written since (another image saved under it) is not
called 'a file the model was trained on' (session 31 review)."""

from __future__ import annotations

import json
import os

import numpy as np
from PIL import Image

from unetdiag.config import TrainConfig
from unetdiag.diag.data.pairing import discover_pairs
from unetdiag.training.evaluate_seen_wording import training_images_scored
from unetdiag.training.run.split import data_record, discover_and_split
from unetdiag.training.run_record import run_record


def _write_pairs(folder, count=6):
    folder.mkdir(parents=True)
    for index in range(count):
        image = np.full((16, 16), 20 + 10 * index, np.uint8)
        Image.fromarray(image).save(folder / f"s{index}.png")
        Image.fromarray(np.where(image > 40, 255, 0).astype(np.uint8)).save(
            folder / f"s{index}_mask.png")


def _recorded_run(tmp_path, images):
    config = TrainConfig(images=images)
    _findings, train, val, rule = discover_and_split(config)
    run_dir = tmp_path / "run"
    (run_dir / "MP_Tr_BCE").mkdir(parents=True)
    (run_dir / "data.json").write_text(json.dumps(data_record(config, train, val, rule)))
    return run_record(run_dir / "MP_Tr_BCE" / "model.keras"), train


def test_a_training_name_written_since_is_not_claimed_as_a_training_file(tmp_path):
    images = tmp_path / "data"
    _write_pairs(images)
    record, train = _recorded_run(tmp_path, images)
    pairs = discover_pairs(images).pairs
    finding = training_images_scored("model.keras", record, images, pairs)
    assert finding.evidence["training_files"] == len(train)
    assert finding.evidence["training_names_changed_since"] == 0
    assert finding.title == (f"{len(train)} of the {len(pairs)} images scored are files "
                             "model.keras was trained on")

    replaced = train[0].image  # another picture saved under a training name
    Image.fromarray(np.full((20, 20), 200, np.uint8)).save(replaced)
    os.utime(replaced, ns=(1, 1))
    finding = training_images_scored("model.keras", record, images, pairs)
    assert finding.evidence["training_files"] == len(train) - 1
    assert finding.evidence["training_names_changed_since"] == 1
    assert (f"1 more of training names, {train[0].stem}, differs from the record: written "
            "since, it is not counted") in finding.explanation
    assert finding.title.startswith(f"{len(train) - 1} of the {len(pairs)} images scored")

    for pair in train:  # every training name rewritten: nothing is claimed
        Image.fromarray(np.full((20, 20), 201, np.uint8)).save(pair.image)
        os.utime(pair.image, ns=(2, 2))
    assert training_images_scored("model.keras", record, images, pairs) is None


def test_a_record_without_file_stats_claims_the_names_only(tmp_path):
    images = tmp_path / "data"
    _write_pairs(images)
    record, train = _recorded_run(tmp_path, images)
    data = json.loads((tmp_path / "run" / "data.json").read_text())
    del data["train_image_stats"]  # a run recorded before the stats were
    (tmp_path / "run" / "data.json").write_text(json.dumps(data))
    record = run_record(tmp_path / "run" / "MP_Tr_BCE" / "model.keras")
    finding = training_images_scored("model.keras", record, images,
                                     discover_pairs(images).pairs)
    assert "carry the names of files model.keras was trained on" in finding.title
    assert "no file sizes or times" in finding.explanation
    assert finding.evidence["training_names_changed_since"] is None


def test_scores_including_training_images_are_quoted_apart_in_either_direction(tmp_path):
    """Training images can score lower than validation ones (the new-user run: 0.8305
    against 0.8981, more empty masks among them): the finding quoted neither and said such
    scores 'may overstate'; its fix named a 'validation split' scoring no option gives."""
    images = tmp_path / "data"
    _write_pairs(images)
    record, train = _recorded_run(tmp_path, images)
    pairs = discover_pairs(images).pairs
    train_stems = {pair.stem for pair in train}

    def dice_of(stems):  # the training images score lower here
        return 0.5 if set(stems) <= train_stems else 0.9

    finding = training_images_scored("model.keras", record, images, pairs, dice_of,
                                     "images with an empty mask predicted empty left out")
    validation = len(pairs) - len(train)
    assert (f"Here the {len(train)} training images score 0.5000 and the {validation} "
            f"validation image{'s' if validation > 1 else ''} score") in finding.explanation
    assert "overstate" not in finding.explanation
    assert "higher" in finding.explanation and "lower" in finding.explanation
    assert finding.evidence["training_dice"] == 0.5
    assert finding.evidence["validation_dice"] == 0.9
    # the fix gives what exists: the run's val_scores.csv, or a folder of the validation names
    assert "val_scores.csv" in finding.fix and "--images" in finding.fix
    assert f'{len(record.val_stems)} image' in finding.fix and '"val"' in finding.fix
    # NaN predictions (or every image left out) give a group no score, not "score nan"
    finding = training_images_scored("model.keras", record, images, pairs,
                                     lambda stems: float("nan"), "x")
    assert f"the {len(train)} training images get no score" in finding.explanation
    assert finding.evidence["training_dice"] is None
