"""The sentences of the findings about one run: NaN, plateaus and constant predictors
(gaps and rising curves: :mod:`.wording_fit`; the other fingerprints of a degenerate run:
:mod:`.wording_degenerate`).
"Proves" only where the numbers admit one answer; "consistent with" otherwise."""

from __future__ import annotations

from collections.abc import Mapping

from unetdiag.diag.checks.saturation import evidence, ids
from unetdiag.diag.checks.saturation.metrics import (
    is_validation,
    metric_kind,
)
from unetdiag.diag.checks.saturation.printed import printed_ends
from unetdiag.diag.checks.saturation.wording_zeros import all_zeros_sentences
from unetdiag.diag.checks.saturation.words import (
    TRAINING_RUN,
    SeriesSubject,
    all_ones_formula,
    all_ones_reading,
    describe_fingerprint,
    epoch_list,
    epoch_of,
    finding,
    fraction_relation,
    non_finite_when,
    non_finite_word,
)
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent, percent_at_least, verb

#: A fingerprint's closing verdict, as proven and as hedged; a measured foreground fraction that
#: refutes the fingerprint takes it out again (reconcile.py).
VERDICT_PROVEN = "The scores measure the masks, not the model."
VERDICT_IF_THAT_PREDICTOR = ("If the model is that predictor, the scores measure the masks, "
                             "not the model.")


def non_finite_finding(claim: evidence.NonFiniteOnset) -> Finding:
    run, at_onset = claim.run, claim.metrics_at_onset
    word = non_finite_word(claim.values_at_onset)
    first = claim.onset_epoch == claim.last_epoch - claim.epochs + 1
    when = non_finite_when(claim.reported()) or (
        "from the very first epoch" if first and claim.onset_epoch == 1
        else f"from the first epoch in the log (epoch {claim.onset_epoch})" if first
        else f"from {epoch_of(claim.onset_epoch, claim.epochs, claim.last_epoch)}")
    if claim.validation_only:
        return _validation_non_finite_finding(claim, word, when)
    if claim.metric_only:
        return _metric_non_finite_finding(claim, word, when)
    explanation = (
        f"{join_names(at_onset)} {verb(len(at_onset), 'is', 'are')} {word} {when}"
        + (f" (later also {join_names(claim.later)})" if claim.later else "")
        + (". If this custom loop prints a mean over the epoch's batches (as Keras's fit() "
           "shows its running mean), a single bad batch turns it NaN; if it prints one "
           "batch's figure (often the last), that batch was NaN. Once the weights are NaN, "
           "every later number is too" if claim.custom_loop else
           ". Keras shows the running mean of each epoch, so a single bad batch turns the "
           "whole epoch's number into NaN; once the weights are NaN, every later number is "
           "too")
        + (f" ({join_names(claim.recovered)} came back, so the weights survived)"
           if claim.recovered else "")
        + (f"; {join_names(claim.finite_throughout)} stayed finite" if claim.finite_throughout
           else "")
        + (". Usual causes: labels outside [0, 1] (0/255 masks) driving the loss to diverge, a "
           "log(0) or 0/0 in a hand-written loss or a Dice without a smoothing term, float16 "
           "overflow, or corrupt input images." if claim.scores_logged else
           # no accuracy, Dice or IoU: perhaps a regressor, whose targets any scale suits
           ". The log names no score, so the model may be a regressor as well as a "
           "classifier or a segmenter; usual causes: NaN or huge values in the inputs or "
           "targets, a learning rate too high for their scale, a log(0) or 0/0 in a "
           "hand-written loss, labels outside [0, 1] fed to a cross-entropy, or float16 "
           "overflow.")
        + _accuracy_reading(at_onset))
    return finding(
        ids.NON_FINITE, claim,
        title=f"{run}: {join_names(at_onset)} became {word} at epoch {claim.onset_epoch}",
        explanation=explanation,
        fix=("Check the masks' values first (`unetdiag audit-data`); then give every Dice a "
             "smoothing term, compute losses in float32 and lower the learning rate. "
             "`unetdiag train` stops at the first non-finite gradient and names the batch."
             if claim.scores_logged else
             "Check the inputs and targets for NaN and for their scale (standardise them); "
             "then lower the learning rate and compute the loss in float32."))


def _accuracy_reading(names: list[str]) -> str:
    """An accuracy among non-finite numbers: a share of counts, which NaN outputs alone do
    not make NaN (an argmax of NaN still names a class)."""
    accuracies = [name for name in names if metric_kind(name) == "accuracy"]
    if not accuracies:
        return ""
    return (f" {join_names(accuracies)} {verb(len(accuracies), 'is', 'are')} a share of counts, "
            "which NaN outputs alone do not turn NaN: consistent with a NaN from the "
            "computation itself (the device or runtime, or the metric's reduction) or from NaN "
            "sample weights (a weight map passed as sample_weight weights the accuracy too), "
            "not from the predictions alone.")


def _metric_non_finite_finding(claim: evidence.NonFiniteOnset, word: str,
                               when: str) -> Finding:
    """Only training metrics that are no loss are non-finite while the loss is finite."""
    at_onset = claim.metrics_at_onset
    losses = join_names(claim.training_loss_finite_at_onset)
    explanation = (
        f"{join_names(at_onset)} {verb(len(at_onset), 'is', 'are')} {word} {when}, while "
        f"{losses} stayed finite at that epoch: weights that had turned NaN would make the "
        f"loss NaN too, so the {'metric' if len(at_onset) == 1 else 'metrics'} computed "
        f"{word} on finite predictions. Consistent with a 0/0 in the metric (a Dice or IoU "
        "without a smoothing term on a batch with no foreground, one NaN batch making the "
        "epoch's running mean NaN) or with the metric's implementation (a library version)."
        + _accuracy_reading(at_onset))
    return finding(
        ids.NON_FINITE, claim,
        title=f"{claim.run}: {join_names(at_onset)} became {word} at epoch "
              f"{claim.onset_epoch}; the loss stayed finite",
        explanation=explanation,
        fix=("Give the metric a smoothing term (or compute it over the whole set, not per "
             "batch), or try another version of the library that provides it; the model's "
             "training is not shown to be at fault."))


def _validation_non_finite_finding(claim: evidence.NonFiniteOnset, word: str,
                                   when: str) -> Finding:
    """Only validation numbers are non-finite while a training loss is finite."""
    at_onset = claim.metrics_at_onset
    losses = join_names(claim.training_loss_finite_at_onset)
    if claim.weights_finite:
        weights = (f", while {losses} stayed finite, then and in later epochs: the weights "
                   "are finite, so the cause is on the validation side")
    else:
        mean = ("If this custom loop's training loss is the mean over the epoch's steps, "
                "each taken before its update (as Keras's fit() computes it), the weights "
                "were" if claim.custom_loop else
                "Keras's training loss is the mean over the epoch's steps, each taken before "
                "its update, so the weights were")
        weights = (f", while {losses} stayed finite at that epoch. {mean} finite until the "
                   "epoch's last update at least: the cause is on the validation side, or "
                   "that last update broke the weights (no later epoch shows which)")
    finite_before = any(name in claim.last_finite_before_onset for name in at_onset)
    causes = (
        "a loss or metric that breaks on the validation data once the model predicts "
        "certain values (a log(0), or a Dice without a smoothing term on empty masks once the "
        "model predicts no foreground), or validation inputs that overflow the model"
        if finite_before else
        "a validation set too small to give a usable batch or empty (a tiny validation "
        "split, or validation_steps larger than the data), validation images or masks "
        "holding NaN or infinite values, or a loss or metric that divides by zero on the "
        "validation masks only (a Dice without a smoothing term on empty masks)")
    explanation = (
        f"{join_names(at_onset)} {verb(len(at_onset), 'is', 'are')} {word} {when}"
        + (f" (later also {join_names(claim.later)})" if claim.later else "")
        + weights + f". Consistent with {causes}.")
    return finding(
        ids.NON_FINITE, claim,
        title=f"{claim.run}: {join_names(at_onset)} became {word} at epoch "
              f"{claim.onset_epoch}; the training loss stayed finite",
        explanation=explanation,
        fix=("Check that validation holds at least one full batch of pairs (raise the "
             "validation share if it is tiny), then its files (`unetdiag audit-data`) and "
             "any Dice's smoothing term."
             if not finite_before else
             "Give every Dice a smoothing term and compute losses on clipped probabilities; "
             "check the validation files (`unetdiag audit-data`)."))


def constant_predictor_finding(claim: evidence.ConstantPredictorRun,
                               subject: SeriesSubject = TRAINING_RUN) -> Finding:
    main_phase, main = claim.main_phase, claim.main
    fit = main.fit
    fraction = fit.foreground_fraction
    data = subject.data_of(main_phase)
    if claim.predictor == "all_ones":
        what = "predicting every pixel as foreground"
        near = fit.true_negatives_seen  # TN > 0 beyond the tolerance: near its scores only
        exactly = "close to" if near else "exactly"
        title = (f"{claim.run} predicts every pixel as foreground ({percent(fraction)} "
                 f"foreground in {data})" if fit.proven else
                 f"{claim.run} scores {exactly} what predicting every pixel as foreground "
                 f"scores (at least {percent_at_least(fit.fraction_at_least)} foreground in "
                 f"{data})")
        sentences = []
        if main.dice_metric:
            is_what = (f"is within {abs(fit.dice - fit.expected_dice):.4f} of what" if near
                       else "is exactly what")
            sentences.append(subject.opening(
                f"{subject.metric(main.dice_metric)} {fit.dice:.4f} {is_what} {what} "
                f"scores when {percent(fraction)} of pixels are foreground: Dice = 2f/(1+f) = "
                f"{all_ones_formula(fraction)}."))
        if main.iou_metric:
            is_what = f"is within {abs(fit.iou - fraction):.4f} of" if near else "is"
            sentences.append(subject.opening(f"{subject.metric(main.iou_metric)} {fit.iou:.4f} "
                                             f"{is_what} that predictor's IoU, which equals f."))
        # unproven, f is bounded below by the accuracy (TP = accuracy, FN unknown): red team
        # s31, f = 0.9 with FN = FP = 0.1 logs the same 0.8000 and 0.8889
        sentences.append(subject.opening(
            f"{subject.metric(main.accuracy_metric)} {fit.accuracy:.4f} is f itself: every "
            "foreground pixel right, every background pixel wrong." if fit.proven else
            f"{subject.metric(main.accuracy_metric)} {fit.accuracy:.4f} equals f if the model "
            "predicts every pixel as foreground (every foreground pixel right, every "
            "background pixel wrong)."))
        sentences.append(
            "The measured foreground fraction is f, so these numbers admit only that predictor."
            if fit.proven else all_ones_reading(fit, data, what))
        if fraction >= 0.5:  # foreground is the majority: suspect the masks first
            fix = ("Look at the masks before the model: a data set that is "
                   f"{'' if fit.proven else 'at least '}"
                   f"{percent(fraction if fit.proven else fit.fraction_at_least)} foreground is "
                   "rarely what was meant (a mask "
                   "that is the image itself, binarised with > 0, looks like this); `unetdiag "
                   "audit-data` shows every mask's foreground fraction. If the masks are right, "
                   "judge the model by the Dice of the background class, not by accuracy.")
        else:
            fix = ("The model collapsed to all-foreground: check that images and masks are "
                   "paired correctly, that the mask polarity is right (foreground bright), and "
                   "lower the learning rate if the output saturated in the first epoch.")
    else:
        what = "predicting no foreground at all"
        title, sentences = all_zeros_sentences(claim, subject, data)
        fraction = fit.fraction_at_most
        checks = ("check that the masks are not inverted (foreground dark) and that images and "
                  "masks are paired correctly")
        # "rare" only where the numbers say so: an upper bound of 84.5 % says nothing of it
        fix = (f"Predicting nothing is the cheapest answer when foreground is rare: train with a "
               f"Dice or focal loss (or weight the foreground in BCE), {checks}."
               if fraction < 0.5 else
               f"A model that predicts {'no' if fit.scores_exactly_zero else 'almost no'} "
               f"foreground has learnt nothing from the images: {checks}"
               ", and that the loss gets labels in {0, 1}.")
    if subject.per_epoch:
        sentences.append(f"The numbers fit at {epoch_list(main.epochs_matched, main.epochs)}.")
    training = claim.phases.get("training")
    if main_phase == "validation" and training is not None:
        sentences.append(
            f"The training numbers fit too ({describe_fingerprint(training.as_dict(), subject)}: "
            f"{fraction_relation(training.fit)}).")
    sentences.append(VERDICT_PROVEN if fit.proven else VERDICT_IF_THAT_PREDICTOR)
    finding_id = (ids.ALL_ONES_PREDICTOR if claim.predictor == "all_ones"
                  else ids.ALL_ZEROS_PREDICTOR)
    return finding(finding_id, claim, title=title, explanation=" ".join(sentences), fix=fix)


_AT_BASELINE_MEANING = (
    "The baseline is what predicting one class everywhere scores on the same data, measured "
    "from its masks; a model at the baseline has learnt nothing the metric can see.")
_AT_BASELINE_FIX = (
    "Check the masks' foreground fraction (`unetdiag audit-data`); if it is extreme, train "
    "with a Dice loss or class weights and judge by foreground Dice.")


def at_baseline_finding(claim: evidence.AtBaseline,
                        subject: SeriesSubject = TRAINING_RUN) -> Finding:
    details = "; ".join(
        f"{subject.metric(n)} {d['value']:.4f} vs {d['baseline']:.4f}"
        + subject.at_epochs(d['epochs_at_baseline'], d['epochs'])
        for n, d in claim.metrics.items())
    names = [subject.metric(name) for name in claim.metrics]
    sitting = f"{join_names(names)} {verb(len(names), 'sits', 'sit')}"
    title = f"{claim.run}: {sitting} at the score of a constant predictor"
    return finding(ids.METRIC_AT_BASELINE, claim, title=title,
                   explanation=f"{subject.opening(details)}. {_AT_BASELINE_MEANING}",
                   fix=_AT_BASELINE_FIX)


def near_majority_finding(claim: evidence.NearMajority,
                          subject: SeriesSubject = TRAINING_RUN) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    others = [f"{subject.metric(n)} {d['value']:.4f} vs {d['majority_share']:.4f}"
              for n, d in claim.metrics.items() if n != name]
    scores = join_names([subject.metric(score) for score in data["foreground_scores"]])
    return finding(
        ids.ACCURACY_IS_MAJORITY_CLASS, claim,
        title=f"{claim.run}: {subject.metric(name)} {data['value']:.4f} is barely above the "
              f"{data['majority_share']:.4f} of predicting the majority class",
        explanation=(
            f"{percent(data['majority_share'])} of pixels belong to one class, so "
            f"predicting that class everywhere scores {data['majority_share']:.4f}. "
            f"{data['value']:.4f} closes only {data['share_of_headroom_closed']:.0%} of the "
            "gap from there to 1: pixel accuracy says little about this model."
            + (f" Likewise: {'; '.join(others)}." if others else "")
            + (f" Also reported: {scores}, which measure the foreground itself."
               if scores else "")),
        fix=(f"Judge the model by {scores}, not by accuracy."
             if data["foreground_scores"] else
             "Judge the model by the Dice or IoU of the foreground class, not by accuracy."))


def _flat_details(claim: evidence.FlatTail) -> str:
    # a value that moved within the spread is given as the range it printed, not as its last
    # value held at every epoch (AUCMEDI's auc: 0.9999, then 1.0000 twice)
    return "; ".join((f"{n} {d['value']:.4g}" if "moved_between" not in d else
                      f"{n} {' to '.join(printed_ends(d))}")
                     + f" at {_flat_stretch(d)}" for n, d in claim.metrics.items())


def _flat_stretch(flat: Mapping) -> str:
    """The flat stretch of one metric, in words."""
    if flat["flat_epochs"] == flat["epochs"]:
        return f"every one of the {flat['epochs']} epochs"
    # "logged": a paste may skip epochs inside the stretch (4, 5, then 12-15)
    return (f"every epoch logged from epoch {flat['from_epoch']} on ({flat['flat_epochs']} "
            "epochs)")


def _flat_reading(claim: evidence.FlatTail) -> list[str]:
    """What the plateau means: the schedule's doing, a meaningless accuracy, a stuck optimiser,
    or validation predictions that do not change."""
    flat = claim.metrics
    sentences = []
    scheduled = [n for n in flat if claim.explained_by_schedule(n)]
    if scheduled:
        first = min(scheduled, key=lambda n: flat[n]["from_epoch"])
        rate = flat[first]["learning_rate"]
        if claim.first_learning_rate_known:
            cut = f"cut from {claim.highest_learning_rate:g}"
        elif rate < claim.highest_learning_rate:
            cut = (f"cut from at least {claim.highest_learning_rate:g} (the log does not show "
                   "the rate of its first epochs)")
        else:
            cut = "cut (the log prints the cut, not the rate before it)"
        sentences.append(
            f"The learning rate had been {cut}"
            + f" to {rate:g} by epoch {flat[first]['from_epoch']} (and to "
            f"{claim.final_learning_rate:g} by the end: a schedule or ReduceLROnPlateau): the "
            f"schedule flattened {join_names(scheduled)}; that is convergence at a small step, "
            "not saturation.")
    if claim.uninformative:
        sentences.append(
            f"{join_names(claim.uninformative)} {verb(len(claim.uninformative), 'stays', 'stay')}"
            " near 0 while the loss moves: an accuracy that counts almost no exact match is what "
            "continuous targets (a regression) score, so it says nothing about learning here.")
    if claim.stuck and claim.repeated:
        sentences.append("Every value repeats its printed digits over the last two epochs: "
                         "consistent with an optimiser that makes no progress, though two "
                         "epochs are few to tell it from a pause.")
    elif claim.stuck:
        sentences.append("The training loss and every training metric are frozen: the optimiser "
                         "makes no progress (a learning rate far too small or too large, dead "
                         "activations, or a saturated output).")
    sentences += _training_only_reading(flat, claim.custom_loop)
    for name in flat:
        moving = flat[name].get("scores_moving")
        if moving and name not in scheduled and not flat[name].get("training_only"):
            ranges = join_names([f"{score} between {low:.4g} and {high:.4g}"
                                 for score, (low, high) in moving.items()])
            sentences.append(
                f"{name} stopped moving at the decimals printed while {ranges} moved over the "
                "same epochs: the predictions still change, as a converging run's do, which "
                "a constant prediction's would not.")
    telling = [n for n in flat if is_validation(n) and n not in scheduled
               and n not in claim.uninformative and not flat[n].get("scores_moving")
               and not flat[n].get("training_only")]
    if telling:
        sentences.append(
            "A validation metric that does not change from epoch to epoch means the model's "
            "predictions on the validation set do not change in any way the metric can see: "
            "typically a model that predicts the same class everywhere, or one that stopped "
            "learning.")
        sentences += _accuracy_as_constant(claim, telling)
    elif not (scheduled or claim.uninformative or claim.stuck) and any(
            not is_validation(n) for n in flat):
        sentences.append("The training metrics reached a plateau.")
    return sentences


def _training_only_reading(flat: Mapping, custom_loop: bool = False) -> list[str]:
    """Validation terms 0 by construction: what they are, and what the scores did (for a
    custom loop's prints, without saying what Keras prints: the loop printed them)."""
    names = [n for n in flat if flat[n].get("training_only")]
    if not names:
        return []
    twins = join_names([f"{n[len('val_'):]} {flat[n]['training_only'][0]:.4g} -> "
                        f"{flat[n]['training_only'][1]:.4g}" for n in names])
    moving: dict[str, list[float]] = {}
    for name in names:
        moving.update(flat[name].get("scores_moving", {}))
    changed = join_names([f"{score} between {low:.4g} and {high:.4g}"
                          for score, (low, high) in moving.items()])
    # a val_ name is the validation phase's value: a term computed only in training prints
    # 0 there (Keras's tracker of a metric never updated), but so does a validation
    # measurement that counted nothing; the log cannot tell the two apart
    one = len(names) == 1
    return [f"{join_names(names)} {verb(len(names), 'is', 'are')} the validation phase's "
            f"{verb(len(names), 'value', 'values')} and {verb(len(names), 'is', 'are')} "
            f"exactly 0 at every epoch while training logs {twins}: consistent with "
            f"{'a term' if one else 'terms'} the model computes only in training (a "
            "regulariser or an auxiliary loss added under `training=True`; "
            + (f"a loop that never computes {'it' if one else 'them'} in validation may "
               f"print {'it' if one else 'them'} as 0"
               if custom_loop else "Keras prints a metric it never updated in validation as 0")
            + "), which would say nothing about the "
            f"validation predictions. Should {'it' if one else 'they'} instead measure the "
            "validation predictions, 0 at every epoch is a real value that the log does not "
            "explain further"
            + (f". The validation predictions changed meanwhile ({changed} over the same "
               "epochs)." if changed else ".")]


def _accuracy_as_constant(claim: evidence.FlatTail, telling: list[str]) -> list[str]:
    """A frozen binary accuracy, read as the constant predictor it could be."""
    if claim.multiclass:
        return []
    for name in telling:
        value = claim.metrics[name]["value"]
        moving = claim.moving_scores.get(name)
        if metric_kind(name) == "accuracy" and 0.5 < value < 1:
            tell = (f"{join_names(moving)} moved meanwhile: a soft score follows the "
                    "probabilities even when no pixel crosses the threshold, while a hard one "
                    "that moves means the predictions changed" if moving
                    else "a Dice or IoU of the thresholded predictions would tell")
            # one class, not background: a classifier the log does not show as multi-class
            # may have many (autokeras#928)
            return [f"{name} {value:.4f} is what predicting one class everywhere scores if "
                    f"{percent(value)} of the validation pixels (or samples, for a "
                    "classifier) belong to it (for binary masks: background everywhere if "
                    f"{percent(1 - value)} are foreground, or foreground everywhere if "
                    f"{percent(value)} are): consistent with a constant predictor, which "
                    f"accuracy alone cannot prove ({tell})."]
    return ["Compare the value with what a constant prediction scores on the same data."]


def flat_finding(claim: evidence.FlatTail) -> Finding:
    flat = claim.metrics
    # 'never moved' only of values printed alike (0.9999, 1.0000, 1.0000 moved)
    never = [n for n, d in flat.items()
             if d["flat_epochs"] == d["epochs"] and not d.get("moved_between")]
    parts = []
    if never:
        parts.append(f"{join_names(never)} never moved over {flat[never[0]]['epochs']} epochs")
    by_start: dict[int, list[str]] = {}
    for name in flat:
        if name not in never:
            by_start.setdefault(flat[name]["from_epoch"], []).append(name)
    # a score stuck at 0 is said with its printed value (at most 5e-05, no true positive left)
    parts += [f"{join_names(names)} "
              + ("at 0.0000" if all(flat[n]["value"] == 0 for n in names) else "flat")
              + f" since epoch {epoch}" for epoch, names in by_start.items()]
    explained = not claim.stuck and all(
        claim.explained_by_schedule(n) or n in claim.uninformative
        or flat[n].get("scores_moving") or flat[n].get("training_only") for n in flat)
    if explained and any(claim.explained_by_schedule(n) for n in flat):
        fix = ("Nothing to fix: the run converged as far as its schedule allowed; stopping "
               "earlier (EarlyStopping) saves the time.")
    elif explained and all(n in claim.uninformative for n in flat):
        fix = ("Judge the run by its loss (or a metric made for continuous targets): an "
               "accuracy that counts exact matches says nothing about it.")
    elif explained:
        fix = ("Nothing to fix while the scores still move; stopping when they level off "
               "(EarlyStopping on a validation score) saves the time.")
    else:
        fix = ("Compare against the trivial baselines (`unetdiag audit-data`); if the model is "
               "at one, fix the data or the loss, not the number of epochs.")
    return finding(
        ids.FLAT_METRIC, claim, title=f"{claim.run}: " + "; ".join(parts),
        explanation=(f"{_flat_details(claim)} (constant to within {claim.spread:g}). "
                     + " ".join(_flat_reading(claim))),
        fix=fix)
