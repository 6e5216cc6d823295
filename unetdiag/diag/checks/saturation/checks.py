"""The three metric-series checks: measure the claims, then word them as findings."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence

from unetdiag.diag.checks.saturation import wording
from unetdiag.diag.checks.saturation.best_epoch import best_epoch_above_last
from unetdiag.diag.checks.saturation.constant import (
    at_baselines,
    baselines_from_other_runs,
    constant_predictor_runs,
    known_fractions,
    prediction_collapse,
)
from unetdiag.diag.checks.saturation.degenerate import (
    class_prior_loss,
    mean_iou_one_class,
    perfect_accuracy,
    score_collapse,
    score_zero_throughout,
    uniform_prediction_loss,
)
from unetdiag.diag.checks.saturation.evidence import Cause, ScaleClaim
from unetdiag.diag.checks.saturation.fallback import score_fell_back
from unetdiag.diag.checks.saturation.loss_rising import validation_loss_rising
from unetdiag.diag.checks.saturation.loss_size import loss_jump, loss_magnitude
from unetdiag.diag.checks.saturation.loss_sum import total_below_parts, total_multiple_of_parts
from unetdiag.diag.checks.saturation.low_dice import dice_below_half
from unetdiag.diag.checks.saturation.metrics import (
    learning_rates,
    metric_series,
    multiclass_metrics,
    without_broken_epochs,
)
from unetdiag.diag.checks.saturation.overlap import iou_above_dice, iou_below_dice_relation
from unetdiag.diag.checks.saturation.recall_bound import iou_exceeds_recall_bound
from unetdiag.diag.checks.saturation.rising import rise_within_swing, still_improving
from unetdiag.diag.checks.saturation.runs import identical_across_runs, step_time_outliers
from unetdiag.diag.checks.saturation.scale import accuracy_bound_breaches, label_scale
from unetdiag.diag.checks.saturation.score_twin import score_equals_accuracy
from unetdiag.diag.checks.saturation.series import (
    flat_metrics,
    non_finite_onset,
    train_val_gap,
)
from unetdiag.diag.checks.saturation.short_logs import (
    perfect_training_accuracy,
    score_zero_few_epochs,
)
from unetdiag.diag.checks.saturation.stability import unstable_validation
from unetdiag.diag.checks.saturation.thresholds import (
    DEFAULT_THRESHOLDS,
    SATURATION_TOLERANCE,
    SaturationThresholds,
)
from unetdiag.diag.checks.saturation.unscored import validation_not_scored, without_unscored
from unetdiag.diag.checks.saturation.words import TRAINING_RUN, SeriesSubject
from unetdiag.diag.checks.saturation.zero_loss import (
    training_loss_not_measured,
    without_zero_loss,
)
from unetdiag.diag.core.findings import Finding


def check_series(run: str, history: Mapping[str, Sequence[float]],
                 baselines: Mapping[str, float] | None = None,
                 tolerance: float = SATURATION_TOLERANCE, *,
                 thresholds: SaturationThresholds = DEFAULT_THRESHOLDS,
                 subject: SeriesSubject = TRAINING_RUN,
                 restored_epoch: int | None = None,
                 train_mode: Sequence[str] | None = None,
                 split_masks: Mapping[str, Mapping[str, float]] | None = None,
                 custom_loop: bool = False,
                 fit_may_continue: bool = False,
                 zeros_printed: str = "",
                 printed_half_units: Mapping[str, float] | None = None,
                 open_epochs: Collection[int] = (),
                 resumed_at: Mapping[int, str] | None = None) -> list[Finding]:
    """Judge one run's metric series (a Keras ``History.history``-like mapping).

    Args:
        run: the run's name (used in titles, evidence and ``source``).
        history: metric name -> one value per epoch. ``None`` marks an epoch whose value was
            not logged (it is skipped, never taken for NaN). Keys in
            :data:`~unetdiag.diag.checks.saturation.metrics.NON_METRIC_KEYS` (``lr``,
            ``step_seconds``...) are ignored.
        baselines: what a trivial predictor scores on the same data, when the caller knows
            it (see :func:`~unetdiag.diag.checks.saturation.constant.resolve_baselines`);
            without it the constant predictors are inferred from the fingerprints alone.
        tolerance: how close a value must be to a formula or a baseline to match it.
        thresholds: the other numerical choices.
        subject: what the numbers were measured on, as the findings name it; numbers
            measured once (one value per metric, validation keys, no loss) make only the
            constant-predictor, baseline and perfect-accuracy claims, worded for it.
        restored_epoch: the epoch whose weights the run restored at its end (EarlyStopping's
            message; 0 when it names none), so advice to keep the best weights is not given
            to a run that did.
        train_mode: what the caller knows makes Keras's training figures training-mode
            ones, unlike the validation figures (measured in inference mode): any of
            ``"BatchNormalization"`` (layers normalising with each batch's statistics),
            ``"augmentation"`` (augmented training inputs) and ``"dropout"``; ``()`` when it
            knows there is none, ``None`` (a log) when it does not know. A train/validation
            gap is then worded with that reading named first, not as overfitting.
        split_masks: what the caller measured of each split's masks (``"training"``,
            ``"validation"`` -> ``masks``, ``empty_masks``, ``foreground_fraction``): a gap
            is then worded with the two splits' numbers, not sent to compare them.
        custom_loop: the numbers are a custom training loop's own prints (no Keras fit()):
            the wording then says how Keras's fit() measures each phase only as what a loop
            may do, never as what this run did.
        fit_may_continue: the run's fit() may have trained further a model an earlier fit
            trained (a later fit appended to one CSVLogger file): its first epoch is not
            taken for the model's, so no gap is read as "early" or "from the first epoch".
        zeros_printed: how the log prints a 0 (``"0.0000e+00"``: exactly 0; ``"0.0000"``:
            four decimals, at most 5e-05), ``""`` when the caller does not know.
        printed_half_units: metric -> how far the values behind its prints may lie from the
            numbers given, where the numbers alone do not say it (``acc: 99.5%`` read as
            0.995 stands for 0.9945-0.9955); other metrics' from their own decimals.
        open_epochs: positions (0-based) whose epoch number the log leaves open (a line read
            between two cuts, counted on in ``history["epoch"]``): no rise is measured across
            them.
        resumed_at: positions (0-based) of epochs that follow what ended training (a
            crash, an interrupt, EarlyStopping's message: position -> its name) after which it
            went on in another fit() call: a score's fall across one may be that call's.

    Returns findings among ``saturation.non_finite``, ``saturation.dice_above_one``,
    ``saturation.dice_exceeds_accuracy_bound``, ``saturation.iou_exceeds_accuracy_bound``,
    ``saturation.negative_loss``, ``saturation.negative_loss_scores_in_range``,
    ``saturation.metric_out_of_range``, ``saturation.all_ones_predictor``,
    ``saturation.all_zeros_predictor``, ``saturation.class_prior_loss``,
    ``saturation.uniform_prediction_loss``, ``saturation.perfect_accuracy``,
    ``saturation.score_collapsed``, ``saturation.score_zero_throughout``,
    ``saturation.score_zero_few_epochs``, ``saturation.perfect_training_accuracy``,
    ``saturation.metric_at_baseline``,
    ``saturation.accuracy_is_majority_class``, ``saturation.flat_metric``,
    ``saturation.train_val_gap``, ``saturation.still_improving``,
    ``saturation.validation_loss_rising``,
    ``saturation.validation_loss_against_scores``, ``saturation.unstable_validation``,
    ``saturation.mean_iou_one_class``,
    ``saturation.loss_magnitude``, ``saturation.loss_jump``,
    ``saturation.total_below_parts``, ``saturation.total_multiple_of_parts``,
    ``saturation.dice_below_half``, ``saturation.iou_above_dice``,
    ``saturation.iou_exceeds_recall_bound``, ``saturation.score_equals_accuracy``,
    ``saturation.validation_not_scored`` and ``saturation.training_loss_not_measured``. The binary
    fingerprints (constant predictors, class prior, accuracy bounds) are left out for a run
    whose metric names say it is multi-class.
    """
    # validation values no predictions give (a loss and a score both 0) are no measurement:
    # said once, and hidden from every other check
    unscored = (validation_not_scored(run, history, zeros_printed)
                if subject == TRAINING_RUN else None)
    history = without_unscored(history, unscored)
    # a training loss of exactly 0 beside an R² far below 1: no error of those predictions
    zero_loss = training_loss_not_measured(run, history) if subject == TRAINING_RUN else None
    history = without_zero_loss(history, zero_loss)
    series = metric_series(history)
    multiclass = bool(multiclass_metrics(list(history)))
    prior = class_prior_loss(run, series, tolerance, thresholds, multiclass)
    scale = label_scale(run, series, tolerance, thresholds, multiclass)
    # labels or predictions outside [0, 1] make the training and validation scores
    # meaningless, so how far apart they are says nothing about fit; a loss negative by
    # design or a metric computed wrongly does not void the other scores, nor the losses' gap
    scores_meaningless = any(
        isinstance(claim, ScaleClaim)
        and set(claim.consistent_with) - {Cause.METRIC_COMPUTED_WRONGLY.value,
                                          Cause.METRIC_IN_PERCENT.value}
        for claim in scale)
    # a validation total below its own parts is not the validation total: no gap or rise is
    # read from it
    wrong_total = total_below_parts(run, series, thresholds)
    unreliable = set(wrong_total.metrics) if wrong_total is not None else set()
    claims = [unscored, zero_loss,
              non_finite_onset(run, series),
              *scale,
              loss_magnitude(run, series, thresholds),
              loss_jump(run, series, thresholds),
              wrong_total,
              total_multiple_of_parts(run, series, thresholds),
              iou_above_dice(run, series, thresholds, multiclass),
              iou_below_dice_relation(run, series, thresholds, multiclass),
              score_equals_accuracy(run, series, multiclass),
              *accuracy_bound_breaches(run, series, tolerance, thresholds, multiclass),
              *constant_predictor_runs(run, series, tolerance, thresholds, multiclass,
                                       known_fractions(baselines), printed_half_units),
              prior,
              uniform_prediction_loss(run, series, thresholds,
                                      prior.metrics if prior is not None else None),
              perfect_accuracy(run, series, thresholds),
              score_collapse(run, series, tolerance, thresholds),
              score_fell_back(run, series, thresholds, open_epochs, resumed_at or {},
                              learning_rates(history)),
              score_zero_throughout(run, series, thresholds, multiclass),
              # a short log's claims; numbers measured once (evaluate's) are the
              # constant-predictor fingerprints' to explain
              score_zero_few_epochs(run, series, thresholds, multiclass, fit_may_continue)
              if not scores_meaningless and subject == TRAINING_RUN else None,
              perfect_training_accuracy(run, series, thresholds)
              if subject == TRAINING_RUN else None,
              mean_iou_one_class(run, series, thresholds, multiclass),
              iou_exceeds_recall_bound(run, series, multiclass)
              if not scores_meaningless else None,
              *(at_baselines(run, series, baselines, tolerance, thresholds) if baselines
                else ()),
              flat_metrics(run, series, thresholds, learning_rates(history), multiclass,
                           printed_half_units),
              train_val_gap(run, series, thresholds, scores=not scores_meaningless,
                            unreliable=unreliable, train_mode=train_mode,
                            fit_may_continue=fit_may_continue, splits=split_masks),
              still_improving(run, without_broken_epochs(series), thresholds, open_epochs),
              rise_within_swing(run, without_broken_epochs(series), thresholds, open_epochs),
              dice_below_half(run, series, thresholds) if not scores_meaningless else None,
              validation_loss_rising(run, series, thresholds, unreliable=unreliable,
                                     restored_epoch=restored_epoch),
              unstable_validation(run, series, thresholds) if not unreliable else None]
    if custom_loop:
        claims = [dataclasses.replace(claim, custom_loop=True)
                  if claim is not None and hasattr(claim, "custom_loop") else claim
                  for claim in claims]
    return [wording.finding_of(claim, subject) for claim in claims if claim is not None]


def check_best_epoch(run: str, history: Mapping[str, Sequence[float]], *,
                     open_epochs: Collection[int] = (),
                     restored_epoch: int | None = None) -> list[Finding]:
    """``saturation.best_epoch_above_last`` for a finished run's log: a validation Dice/IoU
    whose best level is well above its last epoch's, unless the log says EarlyStopping
    restored weights (``restored_epoch`` not None). Apart from :func:`check_series` because
    only a log's reader asks it: ``unetdiag train`` keeps and reports its own best epoch.
    ``history`` and ``open_epochs`` are as for :func:`check_series`."""
    claim = best_epoch_above_last(run, metric_series(history), open_epochs, restored_epoch)
    return [] if claim is None else [wording.finding_of(claim)]


def check_across_runs(histories: Mapping[str, Mapping[str, Sequence[float]]],
                      tolerance: float = SATURATION_TOLERANCE, *,
                      thresholds: SaturationThresholds = DEFAULT_THRESHOLDS) -> list[Finding]:
    """Judge several runs together (the variants of one experiment, one log).

    Args:
        histories: run name -> history (as for :func:`check_series`). An optional
            ``"step_seconds"`` list (and ``"steps_per_epoch"``) per run enables the
            step-time comparison.
        tolerance: how close two runs' values must be to count as identical.

    Returns ``saturation.identical_across_runs`` (a validation metric equal in several runs
    at every common epoch: error when it is also constant across epochs),
    ``saturation.metric_at_baseline`` (a run whose validation accuracy equals the constant
    predictor another run's fingerprint pinned) and ``saturation.step_time_outlier``.
    """
    by_run = {run: metric_series(history) for run, history in histories.items()}
    claims = [*identical_across_runs(by_run, tolerance, thresholds),
              *baselines_from_other_runs(by_run, tolerance, thresholds),
              *step_time_outliers(histories, thresholds)]
    return [wording.finding_of(claim) for claim in claims]


def check_prediction_collapse(run: str, predicted_positive_fraction: float,
                              foreground_fraction: float | None,
                              tolerance: float = SATURATION_TOLERANCE) -> list[Finding]:
    """Has the model collapsed to a constant on a probe batch?

    Args:
        predicted_positive_fraction: share of probe pixels predicted foreground
            (probability above the threshold).
        foreground_fraction: share of the probe masks' pixels that are foreground, if known.
        tolerance: within this of 0 or 1 the prediction counts as constant.

    Returns ``saturation.predictions_collapsed``: an error when the masks are not themselves
    (almost) all one class, otherwise a warning that the data, not the model, is constant.

    >>> check_prediction_collapse("MP_Tr_BCE", 1.0, 0.995)[0].severity.value
    'error'
    >>> check_prediction_collapse("MP_Tr_BCE", 0.42, 0.4)
    []
    """
    claim = prediction_collapse(run, predicted_positive_fraction, foreground_fraction,
                                tolerance)
    return [] if claim is None else [wording.finding_of(claim)]
