"""An IoU logged beside a Dice: pooled, IoU = D/(2-D); averaged over the same batches,
D/(2-D) <= IoU <= D. Below D/(2-D) beyond a margin, explain-log says the two are not the same
overlap measured the same way (hedged: consistent with, never proves)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.logs.explain import explain_log

ID = "saturation.iou_below_dice_relation"
REAL = Path(__file__).parent / "data" / "logs" / "real"
LOSS = [0.5, 0.4, 0.35, 0.3, 0.28]


def test_an_iou_far_below_d_over_2_minus_d_is_said_to_measure_something_else():
    # a soft IoU of probabilities beside a Dice of thresholded predictions: 0.68 where a
    # Dice of 0.85 gives 0.7391
    series = {"loss": LOSS, "dice": [0.6, 0.7, 0.8, 0.84, 0.85],
              "iou": [0.40, 0.50, 0.62, 0.67, 0.68]}
    [found] = [f for f in check_series("run", series) if f.id == ID]
    assert found.severity is Severity.INFO
    assert found.title == ("run: iou 0.6800 is below the 0.7391 that dice 0.8500 gives for the "
                           "same overlap (IoU = D/(2-D))")
    assert "consistent with different thresholds" in found.explanation
    assert "proves" not in found.explanation
    assert found.evidence["metrics"]["iou"]["expected"] == 0.85 / 1.15


@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8), min_size=2,
                max_size=6),
       st.integers(1, 16))
def test_dice_and_iou_averaged_over_the_same_batches_never_get_it(epochs, batch):
    # each batch's IoU is d/(2-d) of its Dice; Keras's running mean weighs batches alike
    dice = [sum(batches) / len(batches) for batches in epochs]
    iou = [sum(d / (2 - d) for d in batches) / len(batches) for batches in epochs]
    series = {"loss": [0.5] * len(epochs), "dice": dice, "iou": iou}
    assert ID not in {f.id for f in check_series("run", series)}


def test_no_real_log_with_both_scores_gets_it():
    # 11 corpus files log an IoU beside a Dice; the farthest below D/(2-D) is faceseg's
    # training iou_coef, 0.0068 below (healthy: Keras 3's running means)
    for name in ("faceseg_keras3_plateau_after_lr_cuts.log",
                 "sm_183_weighted_dice_small_negative.log",
                 "lgg_keras3_neg_dice_loss_healthy_acc_0p998.log",
                 "suneeta_blog_two_deterministic_runs_sm_iou_f1.log"):
        assert ID not in {f.id for f in explain_log(REAL / name).findings}, name
