"""The finding ids of the metric-series checks: a public contract, never renamed."""

from __future__ import annotations

__all__ = [
    "ACCURACY_IS_MAJORITY_CLASS", "ALL_ONES_PREDICTOR", "ALL_ZEROS_PREDICTOR",
    "BEST_EPOCH_ABOVE_LAST",
    "CLASS_PRIOR_LOSS", "DICE_ABOVE_ONE", "DICE_BELOW_HALF", "DICE_EXCEEDS_ACCURACY_BOUND",
    "FLAT_METRIC",
    "IDENTICAL_ACROSS_RUNS", "IOU_EXCEEDS_ACCURACY_BOUND", "IOU_EXCEEDS_RECALL_BOUND",
    "LABEL_SCALE_IDS", "LOSS_JUMP",
    "LOSS_MAGNITUDE", "IOU_ABOVE_DICE", "IOU_BELOW_DICE_RELATION", "RISE_WITHIN_SWING",
    "MEAN_IOU_ONE_CLASS", "METRIC_AT_BASELINE", "METRIC_OUT_OF_RANGE", "NEGATIVE_LOSS",
    "NEGATIVE_LOSS_SCORES_IN_RANGE", "NON_FINITE", "PERFECT_ACCURACY",
    "PERFECT_TRAINING_ACCURACY", "PREDICTIONS_COLLAPSED", "SCORE_ZERO_FEW_EPOCHS",
    "SCORE_COLLAPSED", "SCORE_EQUALS_ACCURACY", "SCORE_FELL_BACK", "SCORE_ZERO_THROUGHOUT",
    "STEP_TIME_OUTLIER",
    "STILL_IMPROVING",
    "TOTAL_BELOW_PARTS", "TOTAL_MULTIPLE_OF_PARTS", "TRAIN_VAL_GAP",
    "UNIFORM_PREDICTION_LOSS", "UNSTABLE_VALIDATION", "VALIDATION_LOSS_AGAINST_SCORES",
    "VALIDATION_LOSS_RISING",
    "TRAINING_LOSS_NOT_MEASURED", "VALIDATION_NOT_SCORED",
]

ALL_ONES_PREDICTOR = "saturation.all_ones_predictor"
ALL_ZEROS_PREDICTOR = "saturation.all_zeros_predictor"
METRIC_AT_BASELINE = "saturation.metric_at_baseline"
ACCURACY_IS_MAJORITY_CLASS = "saturation.accuracy_is_majority_class"
FLAT_METRIC = "saturation.flat_metric"
IDENTICAL_ACROSS_RUNS = "saturation.identical_across_runs"
DICE_ABOVE_ONE = "saturation.dice_above_one"
DICE_BELOW_HALF = "saturation.dice_below_half"
DICE_EXCEEDS_ACCURACY_BOUND = "saturation.dice_exceeds_accuracy_bound"
IOU_EXCEEDS_ACCURACY_BOUND = "saturation.iou_exceeds_accuracy_bound"
IOU_EXCEEDS_RECALL_BOUND = "saturation.iou_exceeds_recall_bound"
NEGATIVE_LOSS = "saturation.negative_loss"
NEGATIVE_LOSS_SCORES_IN_RANGE = "saturation.negative_loss_scores_in_range"
METRIC_OUT_OF_RANGE = "saturation.metric_out_of_range"
NON_FINITE = "saturation.non_finite"
PREDICTIONS_COLLAPSED = "saturation.predictions_collapsed"
TRAIN_VAL_GAP = "saturation.train_val_gap"
TOTAL_BELOW_PARTS = "saturation.total_below_parts"
TOTAL_MULTIPLE_OF_PARTS = "saturation.total_multiple_of_parts"
STILL_IMPROVING = "saturation.still_improving"
#: A validation Dice/IoU best at the last epoch by a rise no larger than its own swing.
RISE_WITHIN_SWING = "saturation.rise_within_swing"
VALIDATION_LOSS_RISING = "saturation.validation_loss_rising"
#: A validation loss that rose while the validation scores did not fall (no sign of overfitting).
VALIDATION_LOSS_AGAINST_SCORES = "saturation.validation_loss_against_scores"
UNSTABLE_VALIDATION = "saturation.unstable_validation"
STEP_TIME_OUTLIER = "saturation.step_time_outlier"
PERFECT_ACCURACY = "saturation.perfect_accuracy"
CLASS_PRIOR_LOSS = "saturation.class_prior_loss"
UNIFORM_PREDICTION_LOSS = "saturation.uniform_prediction_loss"
SCORE_COLLAPSED = "saturation.score_collapsed"
#: A training score that gave back most of what it gained without reaching 0.
SCORE_FELL_BACK = "saturation.score_fell_back"
#: A validation Dice/IoU whose best level is well above its last epoch's (explain-log only).
BEST_EPOCH_ABOVE_LAST = "saturation.best_epoch_above_last"
SCORE_ZERO_THROUGHOUT = "saturation.score_zero_throughout"
SCORE_ZERO_FEW_EPOCHS = "saturation.score_zero_few_epochs"
PERFECT_TRAINING_ACCURACY = "saturation.perfect_training_accuracy"
MEAN_IOU_ONE_CLASS = "saturation.mean_iou_one_class"
LOSS_JUMP = "saturation.loss_jump"
LOSS_MAGNITUDE = "saturation.loss_magnitude"
IOU_ABOVE_DICE = "saturation.iou_above_dice"
#: An IoU below the D/(2-D) its Dice implies by more than averaging explains.
IOU_BELOW_DICE_RELATION = "saturation.iou_below_dice_relation"
VALIDATION_NOT_SCORED = "saturation.validation_not_scored"
TRAINING_LOSS_NOT_MEASURED = "saturation.training_loss_not_measured"
SCORE_EQUALS_ACCURACY = "saturation.score_equals_accuracy"

#: Finding ids of values labels and predictions in [0, 1] cannot produce (each finding's
#: ``consistent_with`` says whether the labels, the predictions or the metric are to blame).
LABEL_SCALE_IDS = frozenset({DICE_ABOVE_ONE, DICE_EXCEEDS_ACCURACY_BOUND,
                             IOU_EXCEEDS_ACCURACY_BOUND, NEGATIVE_LOSS, METRIC_OUT_OF_RANGE})
