"""Typed claims (:mod:`.evidence`) in, findings out: the one table from claim type to its
wording. Nothing here measures or decides; every number quoted comes from the claim. The
sentences live by subject: :mod:`.wording_scale` (values outside [0, 1]),
:mod:`.wording_series` and :mod:`.wording_fit` (one run), and below (several runs, a probe
batch); the phrases they share are :mod:`.words`'.

>>> words.all_ones_formula(0.995)
'2*0.995/1.995 = 0.99749'
"""

from __future__ import annotations

from unetdiag.diag.checks.saturation import (
    ids,
    wording_degenerate,
    wording_fit,
    wording_mean_iou,
    wording_scale,
    wording_series,
    wording_sums,
    words,
)
from unetdiag.diag.checks.saturation.best_epoch import BestEpochAboveLast
from unetdiag.diag.checks.saturation.evidence import (
    AccuracyBoundBreach,
    AtBaseline,
    Claim,
    ConstantPredictorRun,
    DiceAboveOne,
    FlatTail,
    NearMajority,
    NegativeLoss,
    NegativeLossScoresInRange,
    NonFiniteOnset,
    OutOfRange,
    StillImproving,
    TrainValGap,
    ValidationLossRising,
)
from unetdiag.diag.checks.saturation.evidence_degenerate import (
    ClassPriorLoss,
    MeanIouOneClass,
    PerfectAccuracy,
    ScoreCollapse,
    ScoreZeroThroughout,
    UniformPredictionLoss,
)
from unetdiag.diag.checks.saturation.evidence_runs import (
    BaselineFromOtherRun,
    IdenticalAcrossRuns,
    PredictionCollapse,
    StepTimeOutlier,
)
from unetdiag.diag.checks.saturation.fallback import ScoreFellBack
from unetdiag.diag.checks.saturation.loss_size import LossJump, LossMagnitude
from unetdiag.diag.checks.saturation.loss_sum import TotalBelowParts, TotalMultipleOfParts
from unetdiag.diag.checks.saturation.low_dice import DiceBelowHalf
from unetdiag.diag.checks.saturation.overlap import IouAboveDice, IouBelowDiceRelation
from unetdiag.diag.checks.saturation.recall_bound import (
    IouExceedsRecallBound,
    iou_exceeds_recall_bound_finding,
)
from unetdiag.diag.checks.saturation.rising import RiseWithinSwing
from unetdiag.diag.checks.saturation.score_twin import (
    ScoreEqualsAccuracy,
    score_equals_accuracy_finding,
)
from unetdiag.diag.checks.saturation.short_logs import (
    PerfectTrainingAccuracy,
    ScoreZeroFewEpochs,
    perfect_training_accuracy_finding,
    score_zero_few_epochs_finding,
)
from unetdiag.diag.checks.saturation.stability import UnstableValidation
from unetdiag.diag.checks.saturation.unscored import ValidationNotScored
from unetdiag.diag.checks.saturation.wording_best_epoch import best_epoch_finding
from unetdiag.diag.checks.saturation.wording_fallback import score_fell_back_finding
from unetdiag.diag.checks.saturation.wording_rising import rise_within_swing_finding
from unetdiag.diag.checks.saturation.wording_unscored import validation_not_scored_finding
from unetdiag.diag.checks.saturation.words import TRAINING_RUN, SeriesSubject, finding
from unetdiag.diag.checks.saturation.zero_loss import (
    TrainingLossNotMeasured,
    training_loss_not_measured_finding,
)
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent

# --------------------------------------------------------------------------- across runs


def identical_finding(claim: IdenticalAcrossRuns) -> Finding:
    group, constant = claim.runs, claim.constant_across_epochs
    who = (("both runs" if len(group) == 2 else f"all {len(group)} runs") if claim.all_runs
           else join_names(group))
    if claim.replicas:
        # a few epochs, an uninformative loss (ln 2) or run names that say they differ fit
        # a change that never reached the training as well as a seed repeated on purpose
        return finding(
            ids.IDENTICAL_ACROSS_RUNS, claim,
            title=(f"{claim.metric} is identical in {who} at every common epoch, as is every "
                   "metric they share: consistent with one training repeated"),
            explanation=(
                f"In {join_names(group)}, {claim.metric} agrees to within "
                f"{percent(claim.tolerance)} of its value at every one of their "
                f"{claim.common_epochs} common epochs, and so does every other metric they "
                "both log, the training loss included, while the numbers move from epoch to "
                "epoch. That is consistent with one training repeated (a fixed seed with "
                "deterministic operations gives it), or with a change meant to tell the runs "
                "apart (another loss, model, data or seed) that never reached the training; "
                "either way the runs are not independent evidence of each other."),
            fix=("If these runs were meant to differ, check that the change reached the "
                 "training (the loss, model, data and seed each run actually used); if they "
                 "repeat one seeded training on purpose, they pass as a reproducibility "
                 "check."))
    return finding(
        ids.IDENTICAL_ACROSS_RUNS, claim,
        title=(f"{claim.metric} is {claim.value:.4f} in {who}"
               + (" at every epoch" if constant else " (identical at every common epoch)")),
        explanation=(
            f"In {join_names(group)}, {claim.metric} agrees to within {percent(claim.tolerance)} "
            f"of its value at "
            f"every one of their {claim.common_epochs} common epochs"
            + (", and it never changes from one epoch to the next" if constant else "")
            + ". Different models that learn from the images do not produce the same "
            "validation numbers epoch after epoch: a number that does not depend on the "
            "model is a property of the data, such as what a constant prediction scores "
            "on this validation set."),
        fix=("Unless these runs are the same model trained with the same seed, compare "
             "the value with the trivial baselines of the validation masks "
             "(`unetdiag audit-data`): the models are not learning from the data."))


def baseline_from_other_run_finding(claim: BaselineFromOtherRun) -> Finding:
    all_ones = claim.predictor == "all_ones"
    fraction = claim.foreground_fraction
    what = ("predicting every pixel as foreground" if all_ones
            else "predicting no foreground at all")
    explanation = (
        f"{claim.metric} is {claim.value:.4f} at "
        f"{words.epoch_list(claim.epochs_at_baseline, claim.epochs)}: exactly "
        f"what {what} scores on this validation data, whose foreground fraction "
        f"{claim.inferred_from}'s numbers pin at f = {fraction:.4g} "
        f"({words.describe_fingerprint(claim.reference.as_dict())}"
        + (f" = {words.all_ones_formula(fraction)}" if all_ones and claim.reference.dice_metric
           else "")
        + ")"
        + ("" if all_ones or claim.reference.fit.scores_exactly_zero else
           f": its Dice is near 0 but not 0, so that f is an approximation (at most "
           f"{claim.reference.fit.fraction_at_most:.4g})")
        + f". Thresholded at 0.5, {claim.run}'s predictions score like that constant "
        "predictor (assuming both runs validate on the same data, as runs in one log "
        "do).")
    if claim.dice_value is not None and all_ones:
        explanation += (
            f" Its {claim.dice_metric} {claim.dice_value:.4f} sits just below the all-ones "
            f"{claim.predictor_dice:.4f} because a soft Dice uses the probabilities, which "
            "stay a little under 1.")
    return finding(
        ids.METRIC_AT_BASELINE, claim,
        title=(f"{claim.run}: {claim.metric} {claim.value:.4f} is exactly the "
               f"{'all-ones' if all_ones else 'all-zeros'} score "
               f"(foreground fraction {fraction:.4g})"),
        explanation=explanation,
        fix=("Check the validation masks' foreground fraction (`unetdiag audit-data`); "
             "a model at a constant predictor's score has learnt nothing."))


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def step_time_finding(claim: StepTimeOutlier) -> Finding:
    run, seconds, reference = claim.run, claim.step_seconds, claim.reference_seconds
    title = (f"{run} ran {claim.ratio:.1f}x slower per step than the other runs "
             f"({seconds:g} s/step vs {reference:g} s/step)")
    explanation = f"{run} took {seconds:g} s per step; the other runs took {reference:g} s."
    run_steps, other_steps = claim.steps_per_epoch, claim.other_runs_steps_per_epoch
    if claim.steps_known and run_steps != other_steps:
        explanation += (
            f" It also ran {run_steps:g} steps per epoch instead of {other_steps:g} "
            f"(smaller batches), so each epoch took "
            f"{seconds * run_steps / (reference * other_steps):.0f}x as long "
            f"({_duration(seconds * run_steps)} instead of "
            f"{_duration(reference * other_steps)}). Smaller batches make steps "
            "cheaper, not dearer.")
    explanation += (" Something outside the model changed between runs: the device (a GPU "
                    "run falling back to the CPU), memory (swapping when every image is "
                    "held in RAM), or the input pipeline (no parallel decoding, caching or "
                    "prefetching).")
    return finding(
        ids.STEP_TIME_OUTLIER, claim, title=title, explanation=explanation,
        fix=("Compare the device and batch size printed at the start of each run, and the "
             "machine's memory use while it trains."))


# --------------------------------------------------------------------------- a probe batch


def prediction_collapse_finding(claim: PredictionCollapse) -> Finding:
    positive, fraction = claim.predicted_positive_fraction, claim.foreground_fraction
    all_ones = claim.collapsed_to == "all_ones"
    what = "foreground" if all_ones else "background"
    explanation = (f"On the probe batch the model predicts {what} for "
                   f"{percent(positive if all_ones else 1 - positive)} of pixels")
    if claim.data_constant is None:
        explanation += (f": a collapse to a constant unless the masks are (almost) all {what} "
                        "too, and their share is unknown here.")
    else:
        share = fraction if all_ones else 1 - fraction
        explanation += f"; the masks have {percent(share)} {what}."
        if claim.data_constant:
            explanation += (" The masks themselves are (almost) all one class: the data, not "
                            "the model, is constant.")
        else:
            explanation += (f" The model has collapsed to a constant; on these masks that "
                            f"constant scores accuracy {claim.constant_accuracy:.4f} and Dice "
                            f"{claim.constant_dice:.4f} without looking at the images.")
    return finding(
        ids.PREDICTIONS_COLLAPSED, claim,
        title=_collapse_title(claim, what, percent(positive)),
        explanation=explanation,
        fix=("Check the masks' foreground fraction and polarity (`unetdiag audit-data`), then "
             "the loss (Dice or weighted BCE for rare foreground) and the learning rate."))


def _collapse_title(claim: PredictionCollapse, what: str, positive: str) -> str:
    """"collapsed" only where the masks say so: predictions all background on masks all
    background are right, and on masks of unknown share they may be."""
    if claim.data_constant is None:
        return (f"{claim.run}: predictions all-{what} ({positive} of pixels predicted "
                f"foreground), a collapse unless the masks are all {what} too (their share "
                "unknown)")
    if claim.data_constant:
        return (f"{claim.run}: predictions all-{what} on masks (almost) all {what} too "
                f"({positive} of pixels predicted foreground)")
    return (f"{claim.run}: predictions collapsed to all-{what} ({positive} of pixels "
            "predicted foreground)")


_WORDING = {
    NonFiniteOnset: wording_series.non_finite_finding,
    NegativeLoss: wording_scale.negative_loss_finding,
    NegativeLossScoresInRange: wording_scale.negative_loss_in_range_finding,
    OutOfRange: wording_scale.out_of_range_finding,
    DiceAboveOne: wording_scale.dice_above_one_finding,
    AccuracyBoundBreach: wording_scale.accuracy_bound_finding,
    LossJump: wording_scale.loss_jump_finding,
    LossMagnitude: wording_scale.loss_magnitude_finding,
    IouAboveDice: wording_scale.iou_above_dice_finding,
    IouBelowDiceRelation: wording_scale.iou_below_dice_relation_finding,
    TotalBelowParts: wording_sums.total_below_parts_finding,
    TotalMultipleOfParts: wording_sums.total_multiple_of_parts_finding,
    FlatTail: wording_series.flat_finding,
    TrainValGap: wording_fit.train_val_gap_finding,
    StillImproving: wording_fit.still_improving_finding,
    RiseWithinSwing: rise_within_swing_finding,
    DiceBelowHalf: wording_fit.dice_below_half_finding,
    ValidationLossRising: wording_fit.validation_loss_rising_finding,
    UnstableValidation: wording_fit.unstable_validation_finding,
    ClassPriorLoss: wording_degenerate.class_prior_finding,
    UniformPredictionLoss: wording_degenerate.uniform_prediction_finding,
    ScoreCollapse: wording_degenerate.score_collapse_finding,
    ScoreFellBack: score_fell_back_finding,
    BestEpochAboveLast: best_epoch_finding,
    ScoreZeroThroughout: wording_degenerate.score_zero_throughout_finding,
    ScoreZeroFewEpochs: score_zero_few_epochs_finding,
    PerfectTrainingAccuracy: perfect_training_accuracy_finding,
    MeanIouOneClass: wording_mean_iou.mean_iou_one_class_finding,
    IouExceedsRecallBound: iou_exceeds_recall_bound_finding,
    IdenticalAcrossRuns: identical_finding,
    BaselineFromOtherRun: baseline_from_other_run_finding,
    StepTimeOutlier: step_time_finding,
    PredictionCollapse: prediction_collapse_finding,
    ValidationNotScored: validation_not_scored_finding,
    TrainingLossNotMeasured: training_loss_not_measured_finding,
    ScoreEqualsAccuracy: score_equals_accuracy_finding,
}


#: The claims numbers measured once can make (no epochs, no loss, no training phase), worded
#: for their subject; every other claim needs a run's series.
_WORDING_BY_SUBJECT = {
    ConstantPredictorRun: wording_series.constant_predictor_finding,
    AtBaseline: wording_series.at_baseline_finding,
    NearMajority: wording_series.near_majority_finding,
    PerfectAccuracy: wording_degenerate.perfect_accuracy_finding,
}


def finding_of(claim: Claim, subject: SeriesSubject = TRAINING_RUN) -> Finding:
    """The finding that says ``claim`` about ``subject``'s numbers."""
    if type(claim) in _WORDING_BY_SUBJECT:
        return _WORDING_BY_SUBJECT[type(claim)](claim, subject)
    if subject != TRAINING_RUN:
        raise ValueError(f"{type(claim).__name__} is worded for a training run only")
    return _WORDING[type(claim)](claim)
