"""How Dice smoothing and reduction are judged, on cases whose numbers are derived by hand.

The reference numbers come from the measured table in the shared notes (empty 64x64 mask,
per-pixel gradient s / (P + s)^2) and from two hand-built probe batches:

Probe: 8 masks of 16x16 = 256 pixels. Masks 0-3 are empty; masks 4-7 hold an 8x8 square
(T = 64). On masks 4-7 the prediction is 1 on a 4x4 corner of the square (I = P = 16) and 0
elsewhere: per-image Dice (2*16)/(64+16) = 0.4.

* Case A, empty masks predicted exactly 0, s = 1e-6: each empty mask scores s/s = 1, so the
  per-image mean is (4*1 + 4*0.4)/8 = 0.7 while the batch Dice is 128/320 = 0.4.
* Case B, empty masks predicted 1/1024 per pixel (P = 0.25, a false-positive probability of
  ~1e-3), s = 1: each empty mask scores 1/1.25 = 0.8 with gradient 1/1.25^2 = 0.64, against
  |2*81 - 33|/81^2 = 0.0197 on a mask with an object: 32.6 times more.
"""

import math

import numpy as np
import pytest

from unetdiag.diag.checks import dice_stability as stability
from unetdiag.diag.checks.dice_stability import (
    check_dice_config,
    check_dice_stability,
    empty_batch_response,
    empty_mask_score,
)
from unetdiag.diag.core import dice
from unetdiag.diag.core.dice import DiceConfig
from unetdiag.diag.core.findings import Finding, Severity

SEED_PER_IMAGE = DiceConfig(1e-6, 1e-6, "per_image")
SMOOTH_ONE_PER_IMAGE = DiceConfig(1.0, 1.0, "per_image")


def by_id(findings):
    ids = [f.id for f in findings]
    assert len(ids) == len(set(ids)), ids
    return {f.id: f for f in findings}


def probe(empty_prediction: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.zeros((8, 16, 16, 1))
    y_true[4:, 4:12, 4:12] = 1
    y_pred = np.zeros_like(y_true)
    y_pred[4:, 4:8, 4:8] = 1
    y_pred[:4] = empty_prediction
    return y_true, y_pred


# --------------------------------------------------------------------------- the notes' table


@pytest.mark.parametrize(("total", "loss", "gradient"), [
    (1e-6, 0.5, 2.5e5), (1e-4, 0.99, 98.0), (1e-2, 1.0, 0.01), (1.0, 1.0, 1e-6)])
def test_empty_batch_response_matches_the_measured_table_for_s_1e_6(total, loss, gradient):
    row = empty_batch_response(dice.SEED_DICE, batch_size=16, prediction_sums=[total])[0]
    assert row["prediction_sum"] == total
    assert row["loss"] == pytest.approx(loss, abs=0.01)
    assert row["max_gradient"] == pytest.approx(gradient, rel=0.02)


def test_smoothing_1_keeps_the_empty_batch_gradient_at_most_1():
    rows = empty_batch_response(dice.DEFAULT_DICE, batch_size=16)
    assert [r["prediction_sum"] for r in rows] == list(stability.PREDICTION_SUMS_SCANNED)
    assert all(r["max_gradient"] <= 1.0 for r in rows)
    one = next(r for r in rows if r["prediction_sum"] == 1.0)
    assert one["loss"] == pytest.approx(0.5) and one["max_gradient"] == pytest.approx(0.25)
    # Keras: no numerator smoothing, loss 1 and no gradient at all
    keras = empty_batch_response(dice.KERAS_DICE, batch_size=16)
    assert all(r["loss"] == 1.0 and r["max_gradient"] == 0.0 for r in keras)


def test_per_image_reduction_divides_each_images_gradient_by_the_batch():
    row = empty_batch_response(SEED_PER_IMAGE, batch_size=16, prediction_sums=[1e-6])[0]
    assert row["loss"] == pytest.approx(0.5)
    assert row["max_gradient"] == pytest.approx(2.5e5 / 16)


def test_empty_mask_scores_by_convention():
    assert empty_mask_score(dice.DEFAULT_DICE) == 1.0
    assert empty_mask_score(dice.SEED_DICE, 1e-6) == pytest.approx(0.5)
    assert empty_mask_score(dice.SEED_DICE, 1.0) == pytest.approx(1e-6, rel=1e-5)
    assert empty_mask_score(dice.KERAS_DICE) == 0.0
    assert empty_mask_score(SMOOTH_ONE_PER_IMAGE, 0.25) == pytest.approx(0.8)


# --------------------------------------------------------------------------- before training


def test_seed_dice_on_mostly_empty_data_is_an_error():
    found = by_id(check_dice_config(dice.SEED_DICE, [0] * 95 + [500] * 5, [4096] * 100,
                                    batch_size=16, source="train:MP_Tr_Dice"))
    finding = found["dice.gradient_explodes_on_empty"]
    assert finding.severity is Severity.ERROR and finding.source == "train:MP_Tr_Dice"
    evidence = finding.evidence
    assert evidence["empty_batch_loss"] == pytest.approx(0.5)
    assert evidence["empty_batch_max_gradient"] == pytest.approx(2.5e5)
    assert evidence["smoothing_1_max_gradient"] == pytest.approx(1.0, rel=1e-5)
    # a shuffled batch of 16 drawn from 95 empty of 100 masks is all empty with probability
    # C(95, 16) / C(100, 16), over ceil(100 / 16) = 7 batches per epoch
    all_empty = math.comb(95, 16) / math.comb(100, 16)
    assert evidence["probability_batch_all_empty"] == pytest.approx(all_empty)
    assert evidence["batches_per_epoch"] == 7
    assert evidence["all_empty_batches_per_epoch"] == pytest.approx(7 * all_empty)
    assert 7 * all_empty >= stability.EXPLODING_BATCHES_PER_EPOCH_FOR_ERROR
    assert "2.5e+05" in finding.title
    assert "--dice-smoothing 1" in finding.fix


def test_gradient_severity_follows_how_often_empty_batches_happen():
    counts = [0] * 50 + [500] * 50
    rare = by_id(check_dice_config(dice.SEED_DICE, counts, [4096] * 100, batch_size=16))
    finding = rare["dice.gradient_explodes_on_empty"]
    assert finding.evidence["probability_batch_all_empty"] == pytest.approx(
        math.comb(50, 16) / math.comb(100, 16))
    assert finding.severity is Severity.WARNING
    never = by_id(check_dice_config(dice.SEED_DICE, [500] * 10, [4096] * 10, batch_size=4))
    assert never["dice.gradient_explodes_on_empty"].severity is Severity.INFO
    assert never["dice.gradient_explodes_on_empty"].evidence["empty_masks"] == 0
    # under per-image Dice one empty mask per batch is enough
    per_image = by_id(check_dice_config(SEED_PER_IMAGE, counts, [4096] * 100, batch_size=16))
    finding = per_image["dice.gradient_explodes_on_empty"]
    assert finding.evidence["probability_batch_has_empty"] == pytest.approx(
        1 - math.comb(50, 16) / math.comb(100, 16))
    assert finding.severity is Severity.ERROR


def test_default_dice_does_not_explode():
    found = by_id(check_dice_config(dice.DEFAULT_DICE, [0] * 95 + [500] * 5, [4096] * 100,
                                    batch_size=16))
    assert "dice.gradient_explodes_on_empty" not in found
    convention = found["dice.empty_mask_convention"]
    assert convention.severity is Severity.INFO
    assert convention.evidence["empty_masks"] == 95
    assert convention.evidence["empty_mask_score_by_prediction_sum"]["0"] == 1.0
    assert convention.evidence["empty_mask_score_by_prediction_sum"]["1"] == pytest.approx(0.5)


def test_empty_mask_convention_is_always_reported():
    found = by_id(check_dice_config(dice.DEFAULT_DICE, [300, 500], [4096, 4096], batch_size=2))
    assert set(found) == {"dice.empty_mask_convention"}
    assert found["dice.empty_mask_convention"].evidence["empty_masks"] == 0


def test_keras_per_image_dice_caps_the_mean_on_empty_masks():
    keras_per_image = DiceConfig(0.0, 1e-7, "per_image")
    found = by_id(check_dice_config(keras_per_image, [0] * 40 + [300] * 60, [4096] * 100,
                                    batch_size=8))
    convention = found["dice.empty_mask_convention"]
    assert convention.severity is Severity.WARNING
    assert "never exceed 0.600" in convention.explanation
    assert set(convention.evidence["empty_mask_score_by_prediction_sum"].values()) == {0.0}


def test_smoothing_dominates_small_objects_under_per_image_dice():
    # 10 % quantile of the non-empty counts is 8 pixels: predicting nothing scores 1/(8 + 1)
    counts = [8] * 10 + [300] * 90
    found = by_id(check_dice_config(SMOOTH_ONE_PER_IMAGE, counts, [4096] * 100, batch_size=8))
    finding = found["dice.smoothing_dominates"]
    assert finding.evidence["small_object_pixels"] == 8
    assert finding.evidence["smoothing_share_small"] == pytest.approx(1 / 9)
    assert finding.evidence["smoothing_share_typical"] == pytest.approx(1 / 301)
    assert "--dice-reduction batch" in finding.fix
    # pooled over a batch of 8 the same constant is worth 1/(8*8 + 1): below the threshold
    pooled = by_id(check_dice_config(dice.DEFAULT_DICE, counts, [4096] * 100, batch_size=8))
    assert "dice.smoothing_dominates" not in pooled


def test_per_image_vs_batch_gap_before_training():
    counts = [0] * 40 + [300] * 60
    found = by_id(check_dice_config(SMOOTH_ONE_PER_IMAGE, counts, [4096] * 100, batch_size=8))
    gap = found["dice.per_image_vs_batch_gap"]
    # predicting nothing: 40 empty masks score 1, the others 1/(300 + 1); pooled 1/(18000 + 1)
    assert gap.evidence["per_image_dice_all_zeros"] == pytest.approx((40 + 60 / 301) / 100)
    assert gap.evidence["batch_dice_all_zeros"] == pytest.approx(1 / 18001)
    assert gap.severity is Severity.WARNING
    batch = by_id(check_dice_config(dice.DEFAULT_DICE, counts, [4096] * 100, batch_size=8))
    assert batch["dice.per_image_vs_batch_gap"].severity is Severity.INFO


def test_config_check_refuses_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        check_dice_config(dice.DEFAULT_DICE, [1], [4], batch_size=0)
    with pytest.raises(ValueError):
        check_dice_config(dice.DEFAULT_DICE, [1, 2], [4], batch_size=2)


# --------------------------------------------------------------------------- probe batch


def test_probe_case_a_per_image_vs_batch_with_seed_smoothing():
    y_true, y_pred = probe(empty_prediction=0.0)
    found = by_id(check_dice_stability(y_true, y_pred, SEED_PER_IMAGE, source="epoch 3"))
    gap = found["dice.per_image_vs_batch_gap"]
    assert gap.severity is Severity.WARNING and gap.source == "epoch 3"
    assert gap.evidence["per_image_dice"] == pytest.approx(0.7)
    assert gap.evidence["batch_dice"] == pytest.approx(0.4)
    assert gap.evidence["empty_mask_mean_dice"] == pytest.approx(1.0)
    assert gap.evidence["object_mask_mean_dice"] == pytest.approx(0.4)
    share = found["dice.smoothing_dominates"]
    # without smoothing the empty masks score 0: 0.7 - (4*0 + 4*0.4)/8 = 0.5, all from them
    assert share.evidence["smoothing_share"] == pytest.approx(0.5)
    assert share.evidence["dice_without_smoothing"] == pytest.approx(0.2)
    assert share.evidence["share_from_empty_masks"] == pytest.approx(0.5)
    convention = found["dice.empty_mask_convention"]
    assert convention.evidence["empty_masks"] == 4
    assert convention.evidence["empty_mask_scores"] == pytest.approx([1.0] * 4)
    exploding = found["dice.gradient_explodes_on_empty"]
    # prediction exactly 0 on an empty mask: s / s^2 = 1e6, divided by the 8 images
    assert exploding.evidence["near_empty_max_gradient"] == pytest.approx(1e6 / 8)
    assert exploding.evidence["measured"] is True


def test_probe_case_a_under_batch_dice_reports_the_gap_as_info():
    y_true, y_pred = probe(empty_prediction=0.0)
    found = by_id(check_dice_stability(y_true, y_pred, dice.SEED_DICE))
    assert found["dice.per_image_vs_batch_gap"].severity is Severity.INFO
    assert "dice.smoothing_dominates" not in found  # pooled: 128/320 with or without 1e-6
    # a batch of just the 4 empty masks, predicted 0: s / s^2 = 1e6 per pixel
    exploding = found["dice.gradient_explodes_on_empty"]
    assert exploding.evidence["near_empty_max_gradient"] == pytest.approx(1e6)
    # on the probe as a whole: foreground pixel |2*320 - 128| / 320^2
    assert exploding.evidence["probe_max_gradient"] == pytest.approx(512 / 320**2)


def test_probe_case_b_empty_images_dominate_the_gradient_with_smoothing_1():
    y_true, y_pred = probe(empty_prediction=1 / 1024)
    found = by_id(check_dice_stability(y_true, y_pred, SMOOTH_ONE_PER_IMAGE))
    convention = found["dice.empty_mask_convention"]
    assert convention.evidence["empty_mask_scores"] == pytest.approx([0.8] * 4)
    assert convention.evidence["empty_mask_prediction_sums"] == pytest.approx([0.25] * 4)
    gap = found["dice.per_image_vs_batch_gap"]
    # per image: (4*0.8 + 4*33/81)/8; batch: (2*64 + 1)/(256 + 65 + 1)
    assert gap.evidence["per_image_dice"] == pytest.approx((3.2 + 4 * 33 / 81) / 8)
    assert gap.evidence["batch_dice"] == pytest.approx(129 / 322)
    dominate = found["dice.empty_images_dominate_gradient"]
    assert dominate.evidence["empty_max_gradient"] == pytest.approx(0.64 / 8)
    assert dominate.evidence["object_max_gradient"] == pytest.approx(129 / 81**2 / 8)
    assert dominate.evidence["ratio"] == pytest.approx(0.64 / (129 / 81**2))
    assert dominate.evidence["ratio"] > 30
    assert "dice.gradient_explodes_on_empty" not in found  # 0.08 per pixel is fine


def test_probe_without_empty_masks_estimates_the_empty_case_from_background():
    y_true = np.zeros((2, 8, 8))
    y_true[:, :4, :4] = 1
    y_pred = y_true.copy()  # perfect, and exactly 0 on background
    found = by_id(check_dice_stability(y_true, y_pred, dice.SEED_DICE))
    exploding = found["dice.gradient_explodes_on_empty"]
    assert exploding.evidence["measured"] is False
    assert exploding.evidence["near_empty_prediction_sum"] == 0.0
    assert exploding.evidence["near_empty_max_gradient"] == pytest.approx(1e6)
    # background mass 0.1 per image, over 48 of 64 pixels -> an empty image would get 0.1333
    y_pred[:, 4:, 4:] = 0.1 / 16
    found = by_id(check_dice_stability(y_true, y_pred, dice.SEED_DICE))
    exploding = found.get("dice.gradient_explodes_on_empty")
    assert exploding is None  # 1e-6 / (0.267 + 1e-6)^2 is tiny
    assert check_dice_stability(y_true, y_pred, dice.DEFAULT_DICE) == []


def test_healthy_probe_under_the_default_gives_nothing():
    y_true, y_pred = probe()
    y_true, y_pred = y_true[4:], y_pred[4:]  # masks with objects only
    assert check_dice_stability(y_true, y_pred, dice.DEFAULT_DICE) == []


def test_non_finite_probe_is_reported_not_judged():
    y_true, y_pred = probe()
    y_pred[0, 0, 0] = np.nan
    findings = check_dice_stability(y_true, y_pred, dice.DEFAULT_DICE)
    assert [f.id for f in findings] == ["dice.probe_non_finite"]
    assert findings[0].evidence == {"labels": 0, "predictions": 1}
    with pytest.raises(ValueError, match="shape mismatch"):
        check_dice_stability(y_true, y_pred[:4], dice.DEFAULT_DICE)


def test_all_findings_round_trip_through_json():
    y_true, y_pred = probe()
    findings = (check_dice_stability(y_true, y_pred, SEED_PER_IMAGE)
                + check_dice_config(dice.SEED_DICE, [0] * 9 + [5], [64] * 10, batch_size=4))
    assert len(findings) >= 6
    for finding in findings:
        assert Finding.from_dict(finding.to_dict()).to_dict() == finding.to_dict()


def test_an_epoch_of_several_passes_counts_every_pass_batches():
    """24 masks (15 empty) in batches of 4 are 6 batches a pass; an epoch of 2 passes (the
    trainer's minimum steps) holds 12, so the all-empty batches an epoch double, and past one
    an epoch the exploding gradient is an error."""
    config = DiceConfig(1e-6, 1e-6, "batch")
    foreground, pixels = [0] * 15 + [500] * 9, [96 * 96] * 24
    one = by_id(check_dice_config(config, foreground, pixels, 4))["dice.gradient_explodes_on_empty"]
    two = by_id(check_dice_config(config, foreground, pixels, 4, passes_per_epoch=2))[
        "dice.gradient_explodes_on_empty"]
    assert one.evidence["batches_per_epoch"] == 6 and two.evidence["batches_per_epoch"] == 12
    assert two.evidence["all_empty_batches_per_epoch"] == pytest.approx(
        2 * one.evidence["all_empty_batches_per_epoch"])
    assert one.severity.value == "warning" and two.severity.value == "error"
    assert "of the 12 batches" in two.explanation + two.title
