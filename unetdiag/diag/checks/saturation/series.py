"""What one run's metric series show on their own: NaN, plateaus, gaps (a validation loss
rising after its best is :mod:`.loss_rising`'s).

Each function measures one question and returns its typed claim (:mod:`.evidence`), or
``None`` when the series give no reason to say anything. Values outside [0, 1] are
:mod:`.scale`'s; fingerprints of degenerate runs are :mod:`.degenerate`'s and
:mod:`.constant`'s.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence

import numpy as np

from unetdiag.diag.checks.saturation.evidence import (
    FlatTail,
    NonFiniteOnset,
    TrainValGap,
)
from unetdiag.diag.checks.saturation.metrics import (
    SCORE_KINDS,
    VALIDATION_PREFIX,
    MetricSeries,
    Series,
    base_name,
    is_top_k,
    is_validation,
    metric_kind,
    names_a_score,
    phase_metrics,
)
from unetdiag.diag.checks.saturation.printed import as_printed, printed_decimals
from unetdiag.diag.checks.saturation.repeats import every_value_repeats
from unetdiag.diag.checks.saturation.thresholds import SaturationThresholds
from unetdiag.diag.core.findings import Severity


def non_finite_onset(run: str, series: Series) -> NonFiniteOnset | None:
    """When the first metrics turned NaN or infinite, at which epochs they were, and which
    are finite at their last epoch."""
    first_bad: dict[str, int] = {}
    recovered: list[str] = []
    for name, item in series.items():
        bad = np.flatnonzero(item.logged & ~np.isfinite(item.values))
        if bad.size:
            first_bad[name] = int(bad[0])
            logged = np.flatnonzero(item.logged)
            if item.finite[logged[-1]]:
                recovered.append(name)
    if not first_bad:
        return None
    onset = min(first_bad.values())
    at_onset = [name for name, epoch in first_bad.items() if epoch == onset]
    last_finite = {name: float(series[name].values[onset - 1]) for name in series
                   if onset > 0 and series[name].finite[onset - 1]}
    longest = max(series.values(), key=lambda item: item.values.size)
    training_losses = [item for name, item in series.items()
                       if not is_validation(name) and metric_kind(name) == "loss"]
    bad_after_onset = {index for name in at_onset
                       for index in np.flatnonzero(series[name].logged
                                                   & ~np.isfinite(series[name].values))}
    return NonFiniteOnset(
        run, onset_epoch=longest.epoch(onset), metrics_at_onset=at_onset,
        first_non_finite_epoch={name: series[name].epoch(epoch)
                                for name, epoch in first_bad.items()},
        last_finite_before_onset=last_finite, recovered=recovered,
        non_finite_epochs=[longest.epoch(int(index)) for index in sorted(bad_after_onset)],
        epochs=longest.values.size,
        finite_throughout=[name for name in series if name not in first_bad],
        last_epoch=longest.epoch(longest.values.size - 1),
        values_at_onset=sorted({_printed(series[name].values[index]) for name in at_onset
                                for index in bad_after_onset
                                if index < series[name].values.size
                                and series[name].logged[index]
                                and not np.isfinite(series[name].values[index])}),
        training_loss_finite_at_onset=[item.name for item in training_losses
                                       if onset < item.values.size and item.finite[onset]],
        training_loss_finite_after_onset=[item.name for item in training_losses
                                          if item.finite[onset + 1:].any()],
        scores_logged=any(names_a_score(name) for name in series))


def _printed(value: float) -> str:
    """A non-finite value as Keras prints it."""
    return "NaN" if math.isnan(value) else "inf" if value > 0 else "-inf"


def flat_tail(item: MetricSeries, thresholds: SaturationThresholds) -> int:
    """How many final epochs stay flat (see :class:`~.thresholds.SaturationThresholds`); 0
    for a perfect score, which cannot move, and for a top-k accuracy at 1, which any model
    reaches once k is the number of classes."""
    values = item.values
    last = item.last_finite()
    if (last is None or (metric_kind(item.name) in SCORE_KINDS or is_top_k(item.name))
            and last[1] >= 1 - thresholds.flat_spread):
        return 0
    count, low, high = 0, math.inf, -math.inf
    for index in range(values.size - 1, -1, -1):
        if not item.finite[index]:
            break
        low, high = min(low, values[index]), max(high, values[index])
        allowed = min(thresholds.flat_spread,
                      thresholds.flat_relative_spread * max(abs(low), abs(high)))
        if high - low > allowed + 1e-12:
            break
        count += 1
    return count


def _schedule(rates: Sequence[float | None] | None, start: int,
              thresholds: SaturationThresholds) -> tuple[float | None, bool]:
    """(learning rate at epoch position ``start``, whether the schedule had cut it to at most
    :attr:`~.SaturationThresholds.schedule_cut_ratio` of the run's highest by then)."""
    if not rates or start >= len(rates) or rates[start] is None:
        return None, False
    known = [rate for rate in rates if rate is not None and math.isfinite(rate) and rate > 0]
    rate = float(rates[start])
    return rate, bool(known) and rate <= thresholds.schedule_cut_ratio * max(known)


def _loss_moves(series: Series, validation: bool, thresholds: SaturationThresholds) -> bool:
    """The phase logs a loss, finite over its last epochs, and they are not flat."""
    loss = phase_metrics(series, validation).get("loss")
    return (loss is not None and bool(loss.finite[-thresholds.min_flat_epochs:].all())
            and flat_tail(loss, thresholds) < thresholds.min_flat_epochs)


def _loss_never_finite(series: Series, name: str, start: int) -> bool:
    """The phase of ``name`` logs a loss that is NaN or infinite at every epoch from position
    ``start`` on: its metrics are frozen by the overflow, which the non-finite check names."""
    loss = phase_metrics(series, is_validation(name)).get("loss")
    return loss is not None and loss.name != name and not loss.finite[start:].any()


def flat_metrics(run: str, series: Series, thresholds: SaturationThresholds,
                 rates: Sequence[float | None] | None = None,
                 multiclass: bool = False,
                 printed_half_units: Mapping[str, float] | None = None) -> FlatTail | None:
    """Metrics flat over at least :attr:`~.SaturationThresholds.min_flat_epochs` last epochs.

    A warning when a validation metric is flat, or when training is stuck (the training loss
    and every training metric flat); info when the plateau is the learning-rate schedule's
    (``rates``: the learning rate of each epoch, when the log shows it) or an accuracy frozen
    near 0 while the loss moves (it counts exact matches, which continuous targets never give).
    ``printed_half_units``: metric -> half a unit of the log's prints (see
    :func:`~.printed.printed_decimals`), for a log that printed more decimals than the bar.
    """
    flat: dict[str, dict] = {}
    least = 2 if every_value_repeats(series, thresholds) else thresholds.min_flat_epochs
    for name, item in series.items():
        epochs = item.values.size
        tail = flat_tail(item, thresholds)
        if tail >= least \
                and not _loss_never_finite(series, name, epochs - tail):
            flat[name] = {"value": float(item.values[-1]), "flat_epochs": tail,
                          "from_epoch": item.epoch(epochs - tail), "epochs": epochs}
            # flat within the spread, yet it moved as the log prints it (acc 0.3267, then
            # 0.3268; loss -8.5121e-01, then -8.5124e-01 on Keras's verbose=2 line): no
            # 'never moved' (a CSV's float32 noise below the print is none)
            stretch = [float(value) for value in item.values[epochs - tail:]]
            decimals = printed_decimals(stretch, (printed_half_units or {}).get(name))
            printed = {as_printed(value, decimals) for value in stretch}
            if len(printed) > 1:
                flat[name]["moved_between"] = [min(printed), max(printed)]
                if decimals is not None:
                    flat[name]["printed_decimals"] = decimals
            rate, explained = _schedule(rates, epochs - tail, thresholds)
            if rate is not None:
                flat[name].update(learning_rate=rate, schedule=explained)
    if not flat:
        return None
    for name, data in flat.items():
        if is_validation(name) and metric_kind(name) not in SCORE_KINDS:
            moving = _scores_still_moving(series, data["flat_epochs"], thresholds)
            if moving:  # the predictions change: the loss stopped moving at its decimals
                data["scores_moving"] = moving
            twin_range = _training_only(series, name, flat)
            if twin_range:
                data["training_only"] = twin_range
    uninformative = [
        name for name, data in flat.items()
        if metric_kind(name) == "accuracy" and data["value"] <= thresholds.uninformative_accuracy
        and _loss_moves(series, is_validation(name), thresholds)]
    training = [name for name in series if not is_validation(name)]
    stuck = (any(metric_kind(name) == "loss" for name in training)
             and all(name in flat and not flat[name].get("schedule") for name in training))
    telling = [name for name in flat if name not in uninformative
               and not flat[name].get("schedule") and not flat[name].get("scores_moving")
               and not flat[name].get("training_only") and is_validation(name)]
    known = [rate for rate in rates or () if rate is not None and math.isfinite(rate)]
    return FlatTail(run, flat, thresholds.flat_spread,
                    highest_learning_rate=max(known) if known else None,
                    final_learning_rate=known[-1] if known else None,
                    first_learning_rate_known=bool(rates) and rates[0] is not None,
                    uninformative=uninformative, stuck=stuck, multiclass=multiclass,
                    severity=Severity.WARNING if telling or stuck else Severity.INFO,
                    moving_scores=_moving_scores(series, flat, thresholds),
                    repeated=all(data["flat_epochs"] < thresholds.min_flat_epochs
                                 for data in flat.values()))


#: Names of measurements of the predictions (for which 0 means what it says: no true
#: positive, no error), never read as terms computed in training only.
_MEASUREMENT_RE = re.compile(
    r"precision|recall|sensitivity|specificity|auc|f1|fbeta|f_beta|true_|false_|"
    r"(?:^|_)(?:tp|fp|tn|fn|tpr|fpr|tnr|fnr|ppv|npv|mae|mse|rmse|mape|psnr|ssim|kappa|"
    r"hausdorff|error|err)(?:$|_|\d)", re.IGNORECASE)


def _training_only(series: Series, name: str, flat: dict[str, dict]) -> list[float]:
    """A validation series exactly 0 at every logged epoch whose training twin is not 0 and
    not flat: consistent with a term the model adds only in training (CAR's class-aware
    regularisers, ``g_1_orl``: 0.66 -> 0.27 in training, ``0.0000e+00`` in validation), which
    Keras prints as 0 in validation; the ``val_`` value is still the validation phase's, so
    the wording keeps a measurement that is 0 as the other reading. Only for a name that is
    no known measurement (a validation recall of 0 says no prediction is a true positive)
    and when the validation predictions are measured otherwise: a validation accuracy, Dice
    or IoU logged, not 0 and moving (CAR's ``val_IOU`` 0.22 -> 0.51). The twin's first and
    last finite values, else []."""
    item = series[name]
    twin = series.get(name[len(VALIDATION_PREFIX):])
    values = item.values[item.logged]
    if (twin is None or twin.name in flat or not values.size or (values != 0).any()
            or not (twin.values[twin.finite] != 0).any()
            or _MEASUREMENT_RE.search(base_name(name)) or not _validation_measured(series)):
        return []
    finite = twin.values[twin.finite]
    return [float(finite[0]), float(finite[-1])]


def _validation_measured(series: Series) -> bool:
    """A validation accuracy, Dice or IoU that is logged, not 0 and not constant."""
    for name, item in series.items():
        values = item.values[item.finite]
        if (is_validation(name) and metric_kind(name) in SCORE_KINDS and values.size > 1
                and (values != 0).any() and float(values.max() - values.min()) > 0):
            return True
    return False


def _scores_still_moving(series: Series, window: int, thresholds: SaturationThresholds
                         ) -> dict[str, list[float]]:
    """Validation accuracies, Dice and IoU scores that changed over the last ``window``
    epochs (more than the flat spread): their lowest and highest values there."""
    moving = {}
    for name, item in series.items():
        if is_validation(name) and metric_kind(name) in SCORE_KINDS:
            values = item.values[-window:][item.finite[-window:]]
            if values.size > 1 and float(values.max() - values.min()) > thresholds.flat_spread:
                moving[name] = [float(values.min()), float(values.max())]
    return moving


def _moving_scores(series: Series, flat: dict[str, dict],
                   thresholds: SaturationThresholds) -> dict[str, list[str]]:
    """For each flat validation accuracy, the validation Dice and IoU series that moved by
    more than ``thresholds.moving_score_spread`` over its flat stretch."""
    moving: dict[str, list[str]] = {}
    for name, data in flat.items():
        if not (is_validation(name) and metric_kind(name) == "accuracy"):
            continue
        for other, item in series.items():
            if not (is_validation(other) and metric_kind(other) in ("dice", "iou")):
                continue
            window = item.values[-data["flat_epochs"]:][item.finite[-data["flat_epochs"]:]]
            if window.size and float(window.max() - window.min()) > \
                    thresholds.moving_score_spread:
                moving.setdefault(name, []).append(other)
    return moving


def _whole_run(item: MetricSeries, both: np.ndarray, thresholds: SaturationThresholds
               ) -> bool:
    """The positions ``both`` are every epoch of the run from its first: epoch 1 on, no epoch
    missing, at least ``min_flat_epochs`` of them (an excerpt of a log shows a window only)."""
    return (both.size >= thresholds.min_flat_epochs and item.epoch(int(both[0])) == 1
            and item.epoch(int(both[-1])) == both.size)


def losses_diverged(training: float, validation: float, thresholds: SaturationThresholds) -> bool:
    """A validation loss orders of magnitude above the training loss, and large itself."""
    return (validation >= thresholds.diverged_loss_ratio * training
            and validation >= thresholds.diverged_min_loss)


def _non_finite_since_best(item: MetricSeries, kind: str, until: int) -> list[int]:
    """Epochs (as the log counts them) at which ``item`` was NaN or infinite after its best
    finite value and up to position ``until``: an overflow on the way to the gap, not one
    early in a run that recovered before its best."""
    finite = np.flatnonzero(item.finite[:until + 1])
    if not finite.size:
        return []
    values = item.values[finite]
    best = int(finite[np.argmin(values) if kind == "loss" else np.argmax(values)])
    broken = (item.logged & ~item.finite)[best:until + 1]
    return [item.epoch(best + int(i)) for i in np.flatnonzero(broken)]


def train_val_gap(run: str, series: Series, thresholds: SaturationThresholds,
                  scores: bool = True, unreliable: Collection[str] = (),
                  train_mode: Sequence[str] | None = None,
                  fit_may_continue: bool = False,
                  splits: Mapping[str, Mapping[str, float]] | None = None
                  ) -> TrainValGap | None:
    """Training and validation values of a metric far apart at their last epochs (losses
    only when ``scores`` is False: values out of [0, 1] voided the scores; never a metric
    whose validation series is in ``unreliable``: a logged total that is not one).
    ``train_mode``: what the caller knows makes the training figures training-mode ones
    (``"BatchNormalization"``, ``"augmentation"``, ``"dropout"``); ``()`` known none,
    ``None`` unknown. ``fit_may_continue``: the run's first epoch may not be its model's (a
    later fit appended to one file), so the gap is never "early" or "from the first epoch".
    ``splits``: what the caller measured of each split's masks (see ``TrainValGap``)."""
    gaps: dict[str, dict] = {}
    diverged: list[str] = []
    no_overlap: list[str] = []
    directions: dict[str, float] = {}  # overlap score -> train - validation at the last epoch
    within_swing: dict[str, dict] = {}
    severity = Severity.INFO  # validation above training only
    for name, item in series.items():
        partner = series.get(VALIDATION_PREFIX + name)
        kind = metric_kind(name)
        if (is_validation(name) or partner is None or kind in ("other", "bookkeeping")
                or (kind != "loss" and not scores) or partner.name in unreliable):
            continue
        # the last epoch at which both are finite: a gap between different epochs is the
        # training going on, not a disagreement
        length = min(item.values.size, partner.values.size)
        both = np.flatnonzero(item.finite[:length] & partner.finite[:length])
        if not both.size:
            continue
        train, val = float(item.values[both[-1]]), float(partner.values[both[-1]])
        epochs: dict = {"epoch": item.epoch(int(both[-1]))}
        if not fit_may_continue and _whole_run(partner, both, thresholds):
            # what the run's every epoch shows: stopping earlier cannot help a validation
            # value still at its best, and a gap as wide at epoch 1 as ever did not grow
            so_far = partner.values[both]
            epochs["validation_at_its_best"] = bool(
                val <= so_far.min() if kind == "loss" else val >= so_far.max())
            train_at, val_at = item.values[both], partner.values[both]
            if kind == "loss" and (train_at > 0).all():
                epochs["narrowest"] = float((val_at / train_at).min())
                epochs["from_first_epoch"] = epochs["narrowest"] > thresholds.gap_loss_ratio
            elif kind != "loss":
                epochs["narrowest"] = float((train_at - val_at).min())
                epochs["from_first_epoch"] = epochs["narrowest"] > thresholds.gap_score
                if val > train:
                    # how long validation has been above: a lag of the epoch-mean training
                    # figure would show early on only
                    below = np.flatnonzero(val_at <= train_at)
                    epochs["validation_above_since"] = (
                        item.epoch(int(both[below[-1] + 1])) if below.size
                        else item.epoch(int(both[0])))
                    # an epoch mean lags the end-of-epoch model by up to the epoch's gain
                    epochs["training_rise_last_epoch"] = float(train_at[-1] - train_at[-2])
        overflowed = _non_finite_since_best(partner, kind, int(both[-1]))
        if overflowed:
            epochs["validation_non_finite_epochs"] = overflowed
        if kind != "loss" and not all(-thresholds.range_slack <= v <= 1 + thresholds.range_slack
                                      for v in (train, val)):
            continue  # a score outside [0, 1] is reported as such; its gap means nothing
        if kind == "loss":
            # a ratio to a loss at or below 0 means nothing
            if (train > 0 and val > thresholds.gap_loss_ratio * train
                    and val - train >= thresholds.gap_loss_min):
                gaps[name] = {"train": train, "validation": val, "ratio": val / train,
                              **epochs}
                severity = Severity.WARNING
                if losses_diverged(train, val, thresholds):
                    diverged.append(name)
        elif abs(train - val) > thresholds.gap_score:
            swing = _gap_swing(item, partner, both)
            reversed_at = _gap_reversed(item, partner, both, train - val)
            if abs(train - val) <= swing and reversed_at:
                within_swing[name] = {"train": train, "validation": val, "swing": swing,
                                      "reversed_epochs": reversed_at}
                continue
            gaps[name] = {"train": train, "validation": val, "gap": train - val, **epochs}
            if kind in ("dice", "iou"):
                directions[name] = train - val
            if train > val:
                severity = Severity.WARNING
                highest = float(partner.values[partner.finite].max())
                if (kind in ("dice", "iou") and highest <= thresholds.no_overlap_score
                        and train >= thresholds.learned_overlap_score):
                    gaps[name]["validation_highest"] = highest
                    gaps[name]["validation_epochs"] = int(partner.finite.sum())
                    no_overlap.append(name)
        elif kind in ("dice", "iou"):
            directions[name] = train - val
    if not gaps:
        return None
    mixed = _mixed_directions(directions, thresholds)
    mixed_names = {name for family in mixed.values() for names in family.values()
                   for name in names}
    if mixed_names and not any(
            (gap.get("gap", 0) > 0 or "ratio" in gap) and name not in mixed_names
            for name, gap in gaps.items()):
        severity = Severity.INFO  # the only gaps run both ways within one score
    last_epoch = max(item.epoch(item.values.size - 1) for item in series.values()
                     if item.values.size)
    return TrainValGap(run, gaps, diverged, last_epoch, severity, no_overlap=no_overlap,
                       lead=_lead_gap(gaps, mixed_names),
                       stop_earlier=last_epoch >= thresholds.min_epochs_to_stop_earlier,
                       short_no_overlap=any(
                           gaps[name]["validation_epochs"] < thresholds.min_epochs_to_stop_earlier
                           for name in no_overlap),
                       mixed=mixed, within_swing=within_swing,
                       early=not fit_may_continue and last_epoch <= thresholds.early_gap_epochs,
                       train_mode=None if train_mode is None else list(train_mode),
                       splits={name: dict(values) for name, values in (splits or {}).items()})


#: How many of the last epoch-to-epoch changes measure a series' swing.
SWING_WINDOW = 10


def epoch_swing(item: MetricSeries, values: np.ndarray, positions: np.ndarray) -> float:
    """The median absolute change of ``values`` (at ``positions`` of ``item``) between
    consecutive epochs, over the last :data:`SWING_WINDOW` changes (0 with fewer than three)."""
    changes = [abs(float(values[i + 1] - values[i])) for i in range(len(positions) - 1)
               if item.epoch(int(positions[i + 1])) == item.epoch(int(positions[i])) + 1]
    changes = changes[-SWING_WINDOW:]
    return float(np.median(changes)) if len(changes) >= 3 else 0.0


def _gap_swing(item: MetricSeries, partner: MetricSeries, both: np.ndarray) -> float:
    """How much the gap training - validation typically changes from one epoch to the next
    over the last epochs: a last-epoch gap no larger is one draw of the noise (ResUNet, 200
    epochs: the Dice gap goes 0.09, -0.02, 0.10, -0.10, 0.13 over epochs 196-200)."""
    return epoch_swing(item, item.values[both] - partner.values[both], both)


def _gap_reversed(item: MetricSeries, partner: MetricSeries, both: np.ndarray,
                  last_gap: float) -> list[int]:
    """The epochs, among the last :data:`SWING_WINDOW` + 1 logged by both, at which the gap
    training - validation had the sign opposite to ``last_gap``'s: a gap that kept its sign
    at every one of them is a gap, however much it swings (validation alternating 0.35 and
    0.70 under a training score of 0.85-0.91 is below training at every epoch)."""
    window = both[-(SWING_WINDOW + 1):]
    gaps = item.values[window] - partner.values[window]
    return [item.epoch(int(position)) for position, gap in zip(window, gaps, strict=True)
            if gap * last_gap < 0]


#: A score at a threshold: ``dice@0.5``, ``dice_at_0.5``, ``dice_0.5`` (the name says so), or
#: ``dice_60`` (two digits, a multiple of 5: a threshold only beside the plain ``dice`` and
#: with no other numbered sibling, since ``dice_1``, ``dice_2`` are per-class or per-output
#: scores, or the suffix Keras adds to a metric created twice in one session).
_THRESHOLD_NAMED_RE = re.compile(r"^(?P<stem>.+?)(?:@|_at_|_)(?:0?\.\d+)$")
_NUMBERED_RE = re.compile(r"^(?P<stem>.+?)_(?P<number>\d+)$")


def _threshold_families(names: Collection[str]) -> dict[str, list[str]]:
    """The names of ``names`` that are one score at several thresholds, by their stem
    (a family holds at least two names); names that might be per-class scores are in none."""
    families: dict[str, list[str]] = {}
    numbered: dict[str, list[tuple[str, str]]] = {}
    for name in names:
        match = _THRESHOLD_NAMED_RE.match(name)
        if match:
            families.setdefault(match["stem"], []).append(name)
            continue
        match = _NUMBERED_RE.match(name)
        if match:
            numbered.setdefault(match["stem"], []).append((name, match["number"]))
    for stem, members in numbered.items():
        if stem in names and all(len(number) == 2 and int(number) % 5 == 0
                                 and 0 < int(number) < 100 for _, number in members):
            families.setdefault(stem, []).extend(name for name, _ in members)
    order = list(names)
    return {stem: sorted(members + [stem] * (stem in names), key=order.index)
            for stem, members in families.items() if len(members) + (stem in names) > 1}


def _mixed_directions(directions: dict[str, float], thresholds: SaturationThresholds
                      ) -> dict[str, dict[str, list[str]]]:
    """Families of one overlap score at several thresholds (:func:`_threshold_families`)
    in which training is above validation for some members (by more than ``gap_score``) and
    below it for others (by more than ``flat_spread``): LungNeuralNet, dice_60 0.52 vs 0.42
    beside dice 0.50 vs 0.54."""
    mixed = {}
    for stem, names in _threshold_families(list(directions)).items():
        above = [n for n in names if directions[n] > thresholds.gap_score]
        below = [n for n in names if directions[n] < -thresholds.flat_spread]
        if above and below:
            mixed[stem] = {"training_above": above, "validation_above": below}
    return mixed


def _lead_gap(gaps: dict[str, dict], mixed: Collection[str] = ()) -> str:
    """The gap to say first: of the Dice (else IoU) scores that training scores above
    validation, the one with the largest gap relative to its training value (accuracy is
    mostly background; mlcomp: accuracy 0.86 vs 0.74 beside Dice 0.69 vs 0.013), else the
    first gap found. Dice before IoU: of the same predictions, IoU = D / (2 - D) always has
    the larger relative gap, so comparing across the two would always pick IoU."""
    for kind in ("dice", "iou"):
        overlap = {name: gap["gap"] / gap["train"] for name, gap in gaps.items()
                   if metric_kind(name) == kind and gap.get("gap", 0) > 0 and gap["train"] > 0
                   and name not in mixed}
        if overlap:
            return max(overlap, key=overlap.__getitem__)
    return next(iter(gaps))
