"""The finding ids of the metric-series checks: a public contract, never renamed."""

from __future__ import annotations

__all__ = [
    "ACCURACY_IS_MAJORITY_CLASS", "ALL_ONES_PREDICTOR", "ALL_ZEROS_PREDICTOR", "DICE_ABOVE_ONE",
    "DICE_EXCEEDS_ACCURACY_BOUND", "FLAT_METRIC", "IDENTICAL_ACROSS_RUNS", "LABEL_SCALE_IDS",
    "METRIC_AT_BASELINE", "METRIC_OUT_OF_RANGE", "NEGATIVE_LOSS", "NON_FINITE",
    "PREDICTIONS_COLLAPSED", "STEP_TIME_OUTLIER", "TRAIN_VAL_GAP",
]

ALL_ONES_PREDICTOR = "saturation.all_ones_predictor"
ALL_ZEROS_PREDICTOR = "saturation.all_zeros_predictor"
METRIC_AT_BASELINE = "saturation.metric_at_baseline"
ACCURACY_IS_MAJORITY_CLASS = "saturation.accuracy_is_majority_class"
FLAT_METRIC = "saturation.flat_metric"
IDENTICAL_ACROSS_RUNS = "saturation.identical_across_runs"
DICE_ABOVE_ONE = "saturation.dice_above_one"
DICE_EXCEEDS_ACCURACY_BOUND = "saturation.dice_exceeds_accuracy_bound"
NEGATIVE_LOSS = "saturation.negative_loss"
METRIC_OUT_OF_RANGE = "saturation.metric_out_of_range"
NON_FINITE = "saturation.non_finite"
PREDICTIONS_COLLAPSED = "saturation.predictions_collapsed"
TRAIN_VAL_GAP = "saturation.train_val_gap"
STEP_TIME_OUTLIER = "saturation.step_time_outlier"

#: Finding ids that mean the labels are not in [0, 1].
LABEL_SCALE_IDS = frozenset({DICE_ABOVE_ONE, DICE_EXCEEDS_ACCURACY_BOUND, NEGATIVE_LOSS,
                             METRIC_OUT_OF_RANGE})
