"""Per-image scores, the conventions table and overlay panels (NumPy and Pillow only)."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import NAMED_DICE, DiceConfig
from unetdiag.diag.evaluation.conventions import (
    convention_scores,
    empty_image_count,
    left_out_count,
)
from unetdiag.diag.evaluation.findings import (
    BELOW_BASELINE,
    NON_FINITE_PREDICTIONS,
    HeadlineContext,
    evaluation_findings,
    evaluation_headline,
    headline_score,
)
from unetdiag.diag.evaluation.scores import SCORES_CSV_COLUMNS, ScoreTally, scores_csv, worst_images
from unetdiag.diag.visual import overlay
from unetdiag.diag.visual.gallery import INDEX_FILENAME, OverlayExample, write_gallery


def _batch(seed: int = 0, images: int = 5, side: int = 12):
    rng = np.random.default_rng(seed)
    masks = (rng.random((images, side, side)) > 0.7).astype(np.float64)
    masks[0] = 0  # an empty mask
    probabilities = rng.random((images, side, side))
    probabilities[0] = 0.1  # ... predicted empty: hard Dice 0/0
    return masks, probabilities


def test_per_image_scores_are_the_dice_module_definitions_image_by_image():
    masks, probabilities = _batch()
    tally = ScoreTally(threshold=0.4)
    tally.add([f"{i}.png" for i in range(3)], masks[:3], probabilities[:3])
    tally.add([f"{i}.png" for i in range(3, 5)], masks[3:], probabilities[3:])
    for empty in ("exclude", "one", "zero"):
        scores = tally.image_scores(empty)
        assert [s.file for s in scores] == [f"{i}.png" for i in range(5)]
        for index, score in enumerate(scores):
            t, p = masks[index:index + 1], probabilities[index:index + 1]
            expected = dice.hard_dice(t, p, 0.4, empty)
            if math.isnan(expected):
                assert score.dice is None and score.iou is None
            else:
                assert score.dice == pytest.approx(expected)
                assert score.iou == pytest.approx(dice.hard_iou(t, p, 0.4, empty))
            assert score.foreground_fraction == pytest.approx(t.mean())
            assert score.predicted_fraction == pytest.approx((p > 0.4).mean())
    assert tally.image_scores("exclude")[0].dice is None
    assert tally.image_scores("one")[0].dice == 1.0 and tally.image_scores("zero")[0].dice == 0.0


def test_ignored_pixels_count_neither_as_label_nor_prediction_nor_pixel():
    """An ignore value (weight 0, e.g. a VOC void border) is scored as if the pixel were not
    there: the same scores as the counted pixels alone."""
    masks, probabilities = _batch(seed=3, images=4)
    weights = np.ones_like(masks)
    weights[:, :, :3] = 0  # the first three columns are void
    with_ignore, cropped = ScoreTally(threshold=0.5), ScoreTally(threshold=0.5)
    names = [f"{i}.png" for i in range(4)]
    with_ignore.add(names, masks, probabilities, weights)
    cropped.add(names, masks[:, :, 3:], probabilities[:, :, 3:])
    for empty in ("exclude", "one"):
        assert with_ignore.image_scores(empty) == cropped.image_scores(empty)


def test_the_csv_has_the_contract_columns_and_writes_undefined_and_nan_honestly():
    masks, probabilities = _batch()
    probabilities[1, 0, 0] = np.nan
    tally = ScoreTally()
    tally.add([f"img {i}.png" for i in range(5)], masks, probabilities)
    rows = list(csv.reader(io.StringIO(scores_csv(tally.image_scores("exclude")))))
    assert tuple(rows[0]) == SCORES_CSV_COLUMNS == (
        "file", "foreground_fraction", "dice", "iou", "predicted_fraction")
    assert rows[1] == ["img 0.png", "0", "", "", "0"]          # 0/0: no Dice, an empty cell
    assert rows[2][2:] == ["nan", "nan", "nan"]                # a NaN prediction
    assert float(rows[3][2]) == pytest.approx(tally.image_scores("exclude")[2].dice, rel=1e-5)


def test_worst_images_rank_nan_first_then_lowest_dice_and_skip_undefined():
    assert worst_images([0.5, None, 0.1, float("nan"), 0.1, 0.9], 4) == [3, 2, 4, 0]
    assert worst_images([None, None], 3) == []


def test_conventions_table_matches_the_dice_module_and_the_trivial_baselines():
    masks, probabilities = _batch(seed=3)
    tally = ScoreTally()
    tally.add([str(i) for i in range(5)], masks, probabilities)
    rows = {(row.metric, row.reduction, row.convention): row for row in convention_scores(tally)}
    for name, named in NAMED_DICE.items():
        for reduction, words in (("batch", "pooled"), ("per_image", "per image")):
            config = DiceConfig(named.smooth_numerator, named.smooth_denominator, reduction)
            row = rows[("soft Dice", words,
                        f"{name}: smoothing {config.smooth_numerator:g} / "
                        f"{config.smooth_denominator:g}")]
            assert row.model == pytest.approx(dice.soft_dice(masks, probabilities, config))
            assert row.all_ones == pytest.approx(dice.soft_dice(masks, np.ones_like(masks),
                                                                config))
    accuracy = rows[("accuracy", "pooled", "threshold 0.5")]
    assert accuracy.model == pytest.approx(dice.pixel_accuracy(masks, probabilities))
    assert accuracy.all_zeros == pytest.approx(1 - masks.mean())
    pooled = rows[("hard Dice", "pooled", "threshold 0.5")]
    assert pooled.model == pytest.approx(dice.hard_dice(masks.reshape(1, -1),
                                                        probabilities.reshape(1, -1)))
    assert pooled.all_ones == pytest.approx(dice.all_ones_dice(masks.mean()))
    for empty, words in (("exclude", "images with an empty mask predicted empty left out"),
                         ("one", "images with an empty mask predicted empty score 1")):
        assert rows[("hard Dice", "per image", words)].model == pytest.approx(
            dice.hard_dice(masks, probabilities, empty=empty))
    assert empty_image_count(tally) == 1


def test_a_non_finite_prediction_makes_every_model_value_nan_and_is_an_error():
    masks, probabilities = _batch()
    probabilities[2, 1, 1] = np.inf
    tally = ScoreTally()
    tally.add([str(i) for i in range(5)], masks, probabilities)
    rows = convention_scores(tally)
    assert all(math.isnan(row.model) for row in rows)
    assert all(math.isfinite(row.all_ones) for row in rows)
    ids = [f.id for f in evaluation_findings("m.keras", rows, images=5, empty_images=1,
                                             non_finite_images=1, empty_rule="exclude")]
    assert NON_FINITE_PREDICTIONS in ids and BELOW_BASELINE not in ids


def test_a_model_worse_than_a_constant_is_named():
    masks = np.ones((3, 8, 8))
    tally = ScoreTally()
    tally.add(["a", "b", "c"], masks, np.full((3, 8, 8), 0.2))  # predicts nothing
    findings = evaluation_findings("m.keras", convention_scores(tally), images=3,
                                   empty_images=0, non_finite_images=0, empty_rule="exclude")
    below, = [f for f in findings if f.id == BELOW_BASELINE]
    assert below.evidence["dice"] == 0.0 and below.evidence["baseline"] == pytest.approx(1.0)
    assert "all-foreground" in below.title
    rows = convention_scores(tally)
    headline = evaluation_headline(findings, HeadlineContext("m.keras", 3,
                                                             headline_score(rows, "exclude")))
    assert headline.startswith(below.title + ".") and headline.count("hard Dice") == 1


def test_the_headline_of_an_unremarkable_model_gives_its_score_and_the_constants():
    masks, probabilities = _batch(seed=4)
    tally = ScoreTally()
    tally.add([str(i) for i in range(5)], masks, masks * 0.9 + 0.05)  # a good model
    rows = convention_scores(tally)
    findings = evaluation_findings("m.keras", rows, images=5, empty_images=1,
                                   non_finite_images=0, empty_rule="exclude")
    main = headline_score(rows, "exclude")
    assert main.model == 1.0
    headline = evaluation_headline(findings, HeadlineContext("m.keras", 5, main))
    assert headline == (f"m.keras scores hard Dice 1.0000 per image on 5 images (images with "
                        "an empty mask predicted empty left out); predicting all foreground "
                        f"scores {main.all_ones:.4f}, all background 0.0000.")
    scores, = findings
    assert "1 image has an empty mask" in scores.explanation
    # the empty image is left out of the mean: the headline counts what it averages
    counted = evaluation_headline(findings, HeadlineContext("m.keras", 5, main, left_out=1))
    assert counted.startswith("m.keras scores hard Dice 1.0000 per image on 4 of 5 images")


def test_the_words_of_each_empty_rule_say_which_empty_masks_it_leaves_out():
    """An empty mask with a false positive scores 0 under exclude, one and zero: only the
    empty mask predicted empty (0/0) is left out or scored 1 or 0, and the words say so (they
    said "empty images excluded" while empty masks with false positives scored 0)."""
    masks = np.zeros((3, 4, 4))
    masks[0, :2] = 1                                   # foreground, found exactly
    probabilities = masks * 0.9
    probabilities[1, 0, 0] = 0.9                       # an empty mask, one false positive
    tally = ScoreTally()
    tally.add(["found", "false_positive", "empty_empty"], masks, probabilities)
    rows = convention_scores(tally)
    for empty, counted, expected in (("exclude", 2, 0.5), ("one", 3, 2 / 3),
                                     ("zero", 3, 1 / 3), ("exclude_empty_reference", 1, 1.0)):
        main = headline_score(rows, empty)
        assert main.model == pytest.approx(expected)
        assert left_out_count(tally, empty) == 3 - counted
        headline = evaluation_headline([], HeadlineContext("m.keras", 3, main,
                                                           left_out_count(tally, empty)))
        words = headline.split("(", 1)[1].split(")")[0]
        assert "empty mask" in words and "empty images" not in words
        # the rules that tell 0/0 apart name the prediction; the last leaves out every empty
        # mask, whatever was predicted
        assert ("predicted empty" in words) == (empty != "exclude_empty_reference")


# --- pictures ---------------------------------------------------------------------------------

def test_error_map_colours_each_kind_of_pixel():
    mask = np.array([[1, 1], [0, 0]], float)
    probability = np.array([[0.9, 0.1], [0.9, 0.1]])
    colours = overlay.error_colours(mask, probability, image=np.full((2, 2, 1), 1.0))
    assert tuple(colours[0, 0]) == overlay.FOUND
    assert tuple(colours[0, 1]) == overlay.FALSE_NEGATIVE
    assert tuple(colours[1, 0]) == overlay.FALSE_POSITIVE
    assert tuple(colours[1, 1]) == (89, 89, 89)  # the image, dimmed


@pytest.mark.parametrize("side, channels", [(8, 1), (40, 3), (300, 1)])
def test_panels_have_four_tiles_with_a_mask_and_three_without(side, channels):
    image = np.random.default_rng(0).random((side, side, channels))
    mask = np.zeros((side, side))
    with_mask = overlay.overlay_panel(image, mask, np.zeros((side, side)), dice=None, title="x")
    without = overlay.overlay_panel(image, None, np.zeros((side, side)), title="x")
    tile = overlay.TILE_HEIGHT
    assert with_mask.width == 4 * tile + 5 * overlay.GAP
    assert without.width == 3 * tile + 4 * overlay.GAP
    assert with_mask.height > tile and without.height > tile


def test_panels_refuse_a_prediction_of_another_size():
    with pytest.raises(ValueError, match="differ"):
        overlay.overlay_panel(np.zeros((8, 8, 1)), np.zeros((8, 8)), np.zeros((4, 4)))


def test_the_gallery_writes_its_panels_and_the_index_contract(tmp_path):
    example = OverlayExample("a.png", np.zeros((6, 6, 3)), np.ones((6, 6)), np.ones((6, 6)))
    index = write_gallery(tmp_path, {"probe": [(example, 1.0), (example, None)],
                                     "worst": [(example, float("nan"))]})
    assert json.loads((tmp_path / INDEX_FILENAME).read_text()) == index == [
        {"file": "a.png", "png": "probe_00.png", "dice": 1.0, "kind": "probe"},
        {"file": "a.png", "png": "probe_01.png", "dice": None, "kind": "probe"},
        {"file": "a.png", "png": "worst_00.png", "dice": None, "kind": "worst"}]
    for entry in index:
        with Image.open(tmp_path / entry["png"]) as panel:
            assert panel.format == "PNG" and panel.mode == "RGB"
    with pytest.raises(ValueError, match="kind"):
        write_gallery(tmp_path, {"best": []})


def test_the_visual_and_evaluation_packages_never_import_tensorflow():
    code = ("import sys\nimport unetdiag.diag.visual.gallery, unetdiag.diag.evaluation.findings\n"
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.stdout.strip() == "False False", result.stderr


def test_every_empty_rule_the_cli_offers_has_a_headline_row():
    from unetdiag.diag.core.dice import EMPTY_RULES
    from unetdiag.diag.evaluation.conventions import left_out_count

    masks, probabilities = _batch()
    tally = ScoreTally()
    tally.add([str(i) for i in range(5)], masks, probabilities)
    rows = convention_scores(tally)
    for rule in EMPTY_RULES:  # exclude_empty_reference had no row: a KeyError after scoring
        assert headline_score(rows, rule).metric == "hard Dice"
    assert left_out_count(tally, "exclude_empty_reference") == 1  # the one empty mask
    assert left_out_count(tally, "one") == 0
