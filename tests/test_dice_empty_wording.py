"""dice.empty_mask_convention names the Dice it speaks of: the Dice loss and its reduction,
and, on a cross-entropy variant's probe, that the variant has no Dice loss (the new-user run
of session 35: MP_Tr_BCE was told "the Dice loss's soft Dice scores them 0.014", and the
before-training title said "under this Dice" of a loss pooled over the batch)."""

import numpy as np

from unetdiag.diag.checks.dice_stability import check_dice_config, check_dice_stability
from unetdiag.diag.core.dice import DiceConfig

BATCH = DiceConfig(1.0, 1.0, "batch")
PER_IMAGE = DiceConfig(1.0, 1.0, "per_image")


def _probe_convention(config: DiceConfig, **kwargs):
    y_true = np.zeros((16, 8, 8))
    y_true[1:, :3] = 1
    y_pred = 0.9 * y_true
    y_pred[0] = 69.84 / 64  # the run's one empty probe mask: predictions summing to 69.8
    [found] = [f for f in check_dice_stability(y_true, y_pred, config, **kwargs)
               if f.id == "dice.empty_mask_convention"]
    return found


def test_a_cross_entropy_variant_is_not_told_of_its_dice_loss():
    found = _probe_convention(BATCH, dice_loss=False)
    assert found.evidence["dice_loss"] is False
    assert found.title == ("1 of 16 probe masks are empty; this variant trains with "
                           "cross-entropy, not the Dice loss")
    assert "this variant's loss holds no Dice" in found.explanation
    assert "--empty-rule" in found.explanation


def test_a_batch_dice_loss_score_of_one_mask_is_said_to_be_scored_alone():
    found = _probe_convention(BATCH)
    assert found.title == ("1 of 16 probe masks are empty; scored alone, the Dice loss's soft "
                           "Dice gives them 0.014 on average")
    assert "The loss pools the whole batch" in found.explanation
    per_image = _probe_convention(PER_IMAGE)
    assert "the Dice loss's per-image soft Dice scores them 0.014" in per_image.title


def test_the_before_training_title_names_the_dice_loss_and_its_reduction():
    counts, pixels = [0] * 18 + [900] * 174, [9216] * 192
    [pooled] = [f for f in check_dice_config(BATCH, counts, pixels, 16)
                if f.id == "dice.empty_mask_convention"]
    assert pooled.title == ("18 empty masks; the Dice loss (batch Dice) counts them only "
                            "through the foreground predicted on them, unless a whole batch "
                            "is empty (then 1 when predicted empty)")
    [alone] = [f for f in check_dice_config(PER_IMAGE, counts, pixels, 16)
               if f.id == "dice.empty_mask_convention"]
    assert alone.title == ("18 empty masks; the Dice loss (per-image Dice) scores an empty "
                           "mask predicted empty 1")


def test_a_cross_entropy_variant_gets_no_finding_about_a_dice_loss_it_does_not_compute():
    # test_dice_stability's probe, case b: per-image Dice, 4 empty masks predicted 0.25 each
    y_true = np.zeros((8, 16, 16))
    y_true[4:, 4:12, 4:12] = 1
    y_pred = np.zeros_like(y_true)
    y_pred[4:, 4:8, 4:8] = 1
    y_pred[:4] = 1 / 1024
    dice_ids = {f.id for f in check_dice_stability(y_true, y_pred, PER_IMAGE)}
    assert {"dice.empty_images_dominate_gradient", "dice.per_image_vs_batch_gap"} <= dice_ids
    bce_ids = {f.id for f in check_dice_stability(y_true, y_pred, PER_IMAGE, dice_loss=False)}
    assert bce_ids == {"dice.empty_mask_convention"}


def test_the_reduction_is_said_of_the_dice_loss_not_of_the_reported_dice():
    counts, pixels = [0] * 50 + [900] * 50, [9216] * 100
    [gap] = [f for f in check_dice_config(BATCH, counts, pixels, 16)
             if f.id == "dice.per_image_vs_batch_gap"]
    assert "The Dice loss pools the batch" in gap.explanation
    assert "This run" not in gap.explanation


def test_a_pooled_dice_without_numerator_smoothing_still_teaches_through_batches_with_objects():
    # pooled, an empty mask's predicted foreground is in the batch's denominator: it is
    # pushed down whenever the batch holds an object; only alone does it score 0, no gradient
    pooled = _probe_convention(DiceConfig(0.0, 1e-6, "batch"))
    assert "empty images teach the model nothing through Dice" not in pooled.explanation
    assert "a batch of empty masks teaches nothing" in pooled.explanation
    per_image = _probe_convention(DiceConfig(0.0, 1e-6, "per_image"))
    assert "empty images teach the model nothing through Dice" in per_image.explanation


def test_the_pooled_and_per_image_gap_is_not_read_as_a_negative_dice():
    # main: "a per-image Dice of the same predictions would read -0.383" (a Dice is >= 0)
    y_true = np.zeros((4, 32, 32))
    y_true[0, :8, :8] = 1
    y_true[1, 4:20, 4:20] = 1
    y_pred = 0.9 * y_true + 0.025  # every empty mask predicted a little foreground
    [gap] = [f for f in check_dice_stability(y_true, y_pred, BATCH)
             if f.id == "dice.per_image_vs_batch_gap"]
    pooled, per_image = gap.evidence["batch_dice"], gap.evidence["per_image_dice"]
    assert pooled > per_image
    assert "would read -" not in gap.explanation
    assert (f"pools the batch (the {pooled:.3f}), {pooled - per_image:.3f} above the per-image mean"
            in gap.explanation)
