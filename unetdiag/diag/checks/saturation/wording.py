"""The sentences of the metric-series findings: typed claims (:mod:`.evidence`) in, findings
out. Nothing here measures or decides; every number quoted comes from the claim.

>>> all_ones_formula(0.995)
'2*0.995/1.995 = 0.99749'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.evidence import (
    AccuracyBoundBreach,
    AtBaseline,
    BaselineFromOtherRun,
    Claim,
    ConstantPredictorRun,
    DiceAboveOne,
    FlatTail,
    IdenticalAcrossRuns,
    NearMajority,
    NegativeLoss,
    NonFiniteOnset,
    OutOfRange,
    PredictionCollapse,
    StepTimeOutlier,
    TrainValGap,
)
from unetdiag.diag.checks.saturation.metrics import VALIDATION_PREFIX
from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.dice import all_ones_dice
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent, verb

_MAP_MASKS = "Map every mask to {0, 1} before training (threshold 8-bit masks at 127)"


def _finding(finding_id: str, claim: Claim, title: str, explanation: str, fix: str) -> Finding:
    return Sentences(title, explanation, fix).finding(finding_id, claim.severity,
                                                      claim.as_evidence(), claim.source)


def epoch_list(epochs: Sequence[int], total: int) -> str:
    """``"epochs 2, 3 of 5"``, or ``"every one of the 5 epochs"`` when all of them."""
    if len(epochs) == total:
        return f"every one of the {total} epochs" if total > 1 else "the only epoch"
    return f"epoch{'s' if len(epochs) > 1 else ''} {', '.join(map(str, epochs))} of {total}"


def describe_fingerprint(fingerprint: Mapping) -> str:
    """The numbers a fingerprint matched: ``"val_accuracy 0.9950 and val_dice_coef 0.9975"``."""
    parts = [f"{fingerprint['accuracy_metric']} {fingerprint['accuracy']:.4f}"]
    for kind in ("dice", "iou"):
        if fingerprint.get(f"{kind}_metric"):
            parts.append(f"{fingerprint[f'{kind}_metric']} {fingerprint[kind]:.4f}")
    return join_names(parts)


def all_ones_formula(fraction: float) -> str:
    """``"2*0.995/1.995 = 0.99749"``: the all-ones Dice, spelled out."""
    return f"2*{fraction:.4g}/{1 + fraction:.4g} = {all_ones_dice(fraction):.5f}"


# --------------------------------------------------------------------------- one run


def non_finite_finding(claim: NonFiniteOnset) -> Finding:
    run, at_onset = claim.run, claim.metrics_at_onset
    word = "NaN" if claim.only_nan else "non-finite"
    when = ("from the very first epoch" if claim.onset_epoch == 1
            else f"from epoch {claim.onset_epoch} of {claim.epochs}")
    explanation = (
        f"{join_names(at_onset)} {verb(len(at_onset), 'is', 'are')} {word} {when}"
        + (f" (later also {join_names(claim.later)})" if claim.later else "")
        + ". Keras shows the running mean of each epoch, so a single bad batch turns the whole "
        "epoch's number into NaN; once the weights are NaN, every later number is too"
        + (f" ({join_names(claim.recovered)} came back, so the weights survived)"
           if claim.recovered else "")
        + ". Usual causes: labels outside [0, 1] (0/255 masks) driving the loss to diverge, a "
        "log(0) or 0/0 in a hand-written loss or a Dice without a smoothing term, float16 "
        "overflow, or corrupt input images.")
    return _finding(
        ids.NON_FINITE, claim,
        title=f"{run}: {join_names(at_onset)} became {word} at epoch {claim.onset_epoch}",
        explanation=explanation,
        fix=("Check the masks' values first (`unetdiag audit-data`); then give every Dice a "
             "smoothing term, compute losses in float32 and lower the learning rate. "
             "`unetdiag train` stops at the first non-finite gradient and names the batch."))


def negative_loss_finding(claim: NegativeLoss) -> Finding:
    worst_name, worst = claim.extreme("min", highest=False)
    return _finding(
        ids.NEGATIVE_LOSS, claim,
        title=f"{claim.run}: {worst_name} goes negative ({worst:.4g}): labels above 1",
        explanation=(
            f"{join_names(sorted(claim.metrics))} "
            f"{verb(len(claim.metrics), 'falls', 'fall')} below 0 "
            f"(lowest {worst:.4g} at epoch {claim.metrics[worst_name]['epoch_of_min']}). Binary "
            "cross-entropy is never negative for labels in [0, 1], and a Dice loss 1 - Dice "
            "is negative only when the Dice exceeds 1. A negative loss means labels above "
            "1 (masks on a 0-255 scale): the loss can fall without bound and the gradients "
            "are hundreds of times too large."),
        fix=(f"{_MAP_MASKS}; if the loss is meant to be negative (e.g. loss = -Dice), log the "
             "Dice too so this check can see it."))


def out_of_range_finding(claim: OutOfRange) -> Finding:
    return _finding(
        ids.METRIC_OUT_OF_RANGE, claim,
        title=f"{claim.run}: {join_names(sorted(claim.metrics))} outside [0, 1]",
        explanation=(
            "Accuracy, Dice and IoU of binary masks lie in [0, 1]. Values outside mean "
            "the labels or the predictions are not in [0, 1] (masks on a 0-255 scale, or a "
            "metric fed logits instead of probabilities), or a custom metric is wrong."),
        fix=("Map masks to {0, 1}, give metrics the sigmoid output, and test a custom "
             "metric on a hand-computed example."))


def dice_above_one_finding(claim: DiceAboveOne) -> Finding:
    worst_name, worst = claim.extreme("max")
    explanation = (
        f"{worst_name} reaches {worst:.4f}. With labels and predictions in [0, 1] a Dice "
        "cannot exceed 1 (2*sum(t*p) <= sum(t) + sum(p)), so the labels are larger than 1: "
        "almost always masks stored as 0/255 (8-bit PNG or JPEG) that were never divided "
        "by 255, or grayscale masks that were never thresholded. Predicting 1 everywhere "
        "scores 2m/(1+m), where m is the mean label value; "
        f"{worst:.4f} gives m = {claim.mean_label_if_all_ones:.3g}, a 0-255 scale.")
    if claim.accuracies_below_any_constant:
        name, value = next(iter(claim.accuracies_below_any_constant.items()))
        explanation += (
            f" {name} {value:.4f} fits too: binary accuracy compares the thresholded "
            "prediction (0 or 1) with the raw label, and a label of 255 never equals 1.")
    return _finding(
        ids.DICE_ABOVE_ONE, claim,
        title=f"{claim.run}: {worst_name} reaches {worst:.4f}, so the masks are not in [0, 1] "
              "(labels 0/255?)",
        explanation=explanation,
        fix=("Map every mask to {0, 1} before training, e.g. mask = (mask > 127) for 8-bit "
             "masks; `unetdiag audit-data` lists each mask's values. unetdiag's MaskPolicy "
             "does this and records the threshold it used."))


def accuracy_bound_finding(claim: AccuracyBoundBreach) -> Finding:
    main = claim.main
    d, a, b = main.dice, main.accuracy, main.max_dice
    return _finding(
        ids.DICE_EXCEEDS_ACCURACY_BOUND, claim,
        title=f"{claim.run}: {main.dice_metric} {d:.4f} is impossible next to "
              f"{main.accuracy_metric} {a:.4f} with labels in [0, 1]",
        explanation=(
            f"At epoch {main.epoch}, {main.dice_metric} is {d:.4f} while "
            f"{main.accuracy_metric} is {a:.4f}. With labels in [0, 1], a prediction that "
            "gets only that share of pixels right (thresholded at 0.5) scores a Dice of at most "
            f"2(1+a)/(3+a) = {b:.4f}, even if every wrong pixel sits at 0.5. A higher Dice "
            "means the labels are larger than 1 (masks on a 0-255 scale, whose pixels a "
            "thresholded prediction never matches), or the two metrics see different labels."
            + (" The training numbers break the bound too." if len(claim.phases) == 2 else "")),
        fix=f"{_MAP_MASKS}; `unetdiag audit-data` lists each mask's values.")


def constant_predictor_finding(claim: ConstantPredictorRun) -> Finding:
    main_phase, main = claim.main_phase, claim.main
    fit = main.fit
    fraction = fit.foreground_fraction
    if claim.predictor == "all_ones":
        title = (f"{claim.run} predicts every pixel as foreground ({main_phase} data: "
                 f"{percent(fraction)} foreground)")
        sentences = []
        if main.dice_metric:
            sentences.append(
                f"{main.dice_metric} {fit.dice:.4f} is exactly what predicting every pixel "
                f"as foreground scores when {percent(fraction)} of pixels are foreground: "
                f"Dice = 2f/(1+f) = {all_ones_formula(fraction)}.")
        if main.iou_metric:
            sentences.append(f"{main.iou_metric} {fit.iou:.4f} is that predictor's IoU, "
                             f"which equals f.")
        sentences.append(
            f"{main.accuracy_metric} {fit.accuracy:.4f} is f itself: every foreground "
            "pixel right, every background pixel wrong.")
        if fraction >= 0.5:  # foreground is the majority: suspect the masks first
            fix = ("Look at the masks before the model: a data set that is "
                   f"{percent(fraction)} foreground is rarely what was meant (a mask "
                   "that is the image itself, binarised with > 0, looks like this); `unetdiag "
                   "audit-data` shows every mask's foreground fraction. If the masks are right, "
                   "judge the model by the Dice of the background class, not by accuracy.")
        else:
            fix = ("The model collapsed to all-foreground: check that images and masks are "
                   "paired correctly, that the mask polarity is right (foreground bright), and "
                   "lower the learning rate if the output saturated in the first epoch.")
    else:
        title = (f"{claim.run} predicts no foreground at all ({main_phase} data: "
                 f"{percent(fraction)} foreground)")
        sentences = [
            f"{describe_fingerprint(main.as_dict())}: an empty prediction scores Dice 0 and "
            f"IoU 0 and an accuracy equal to the share of background, so these are the numbers "
            f"of a model that predicts background everywhere on data that is "
            f"{percent(fraction)} foreground (f = 1 - {fit.accuracy:.4f})."]
        fix = ("Predicting nothing is the cheapest answer when foreground is rare: train with a "
               "Dice or focal loss (or weight the foreground in BCE), check that the masks are "
               "not inverted (foreground dark) and that images and masks are paired correctly.")
    sentences.append(f"The numbers fit at {epoch_list(main.epochs_matched, main.epochs)}.")
    training = claim.phases.get("training")
    if main_phase == "validation" and training is not None:
        sentences.append(
            f"The training numbers fit too ({describe_fingerprint(training.as_dict())}: "
            f"f = {training.fit.foreground_fraction:.4g}).")
    sentences.append("The scores measure the masks, not the model.")
    finding_id = (ids.ALL_ONES_PREDICTOR if claim.predictor == "all_ones"
                  else ids.ALL_ZEROS_PREDICTOR)
    return _finding(finding_id, claim, title=title, explanation=" ".join(sentences), fix=fix)


def at_baseline_finding(claim: AtBaseline) -> Finding:
    details = "; ".join(
        f"{n} {d['value']:.4f} vs {d['baseline']:.4f} at "
        f"{epoch_list(d['epochs_at_baseline'], d['epochs'])}"
        for n, d in claim.metrics.items())
    return _finding(
        ids.METRIC_AT_BASELINE, claim,
        title=(f"{claim.run}: {join_names(list(claim.metrics))} "
               f"{verb(len(claim.metrics), 'sits', 'sit')} at the score of a constant "
               "predictor"),
        explanation=(
            f"{details}. The baseline is what predicting one class everywhere scores on "
            "the same data, measured from its masks; a model at the baseline has learnt "
            "nothing the metric can see."),
        fix=("Check the masks' foreground fraction (`unetdiag audit-data`); if it is "
             "extreme, train with a Dice loss or class weights and judge by foreground Dice."))


def near_majority_finding(claim: NearMajority) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    others = [f"{n} {d['value']:.4f} vs {d['majority_share']:.4f}"
              for n, d in claim.metrics.items() if n != name]
    return _finding(
        ids.ACCURACY_IS_MAJORITY_CLASS, claim,
        title=f"{claim.run}: {name} {data['value']:.4f} is barely above the "
              f"{data['majority_share']:.4f} of predicting the majority class",
        explanation=(
            f"{percent(data['majority_share'])} of pixels belong to one class, so "
            f"predicting that class everywhere scores {data['majority_share']:.4f}. "
            f"{data['value']:.4f} closes only {data['share_of_headroom_closed']:.0%} of the "
            "gap from there to 1: pixel accuracy says little about this model."
            + (f" Likewise: {'; '.join(others)}." if others else "")),
        fix="Judge the model by the Dice or IoU of the foreground class, not by accuracy.")


def flat_finding(claim: FlatTail) -> Finding:
    flat = claim.metrics
    never = [n for n, d in flat.items() if d["flat_epochs"] == d["epochs"]]
    parts = []
    if never:
        parts.append(f"{join_names(never)} never moved over {flat[never[0]]['epochs']} epochs")
    by_start: dict[int, list[str]] = {}
    for name in flat:
        if name not in never:
            by_start.setdefault(flat[name]["from_epoch"] - 1, []).append(name)
    parts += [f"{join_names(names)} stopped moving after epoch {epoch}"
              for epoch, names in by_start.items()]
    details = "; ".join(
        f"{n} {d['value']:.4f} at "
        + epoch_list(range(d["from_epoch"], d["epochs"] + 1), d["epochs"])
        for n, d in flat.items())
    return _finding(
        ids.FLAT_METRIC, claim, title=f"{claim.run}: " + "; ".join(parts),
        explanation=(
            f"{details} (constant to within {claim.spread:g}). "
            + ("A validation metric that does not change from epoch to epoch means the "
               "model's predictions on the validation set do not change in any way the metric "
               "can see: typically a model that predicts the same class everywhere, or one "
               "that stopped learning. " if claim.validation else
               "The training metrics reached a plateau. ")
            + "Compare the value with what a constant prediction scores on the same data."),
        fix=("Compare against the trivial baselines (`unetdiag audit-data`); if the model is "
             "at one, fix the data or the loss, not the number of epochs."))


def _gap_sentence(name: str, gap: Mapping[str, float]) -> str:
    partner, train, val = VALIDATION_PREFIX + name, gap["train"], gap["validation"]
    if "ratio" in gap:
        return f"{partner} {val:.4g} is {gap['ratio']:.1f}x {name} {train:.4g}"
    if gap["gap"] > 0:
        return f"{name} {train:.4f} vs {partner} {val:.4f}"
    return f"{partner} {val:.4f} is above {name} {train:.4f}"


def train_val_gap_finding(claim: TrainValGap) -> Finding:
    overfit = claim.overfit
    return _finding(
        ids.TRAIN_VAL_GAP, claim,
        title=f"{claim.run}: " + ("training and validation disagree at the last epoch"
                                  if overfit else "validation scores above training"),
        explanation=(
            "; ".join(_gap_sentence(name, gap) for name, gap in claim.metrics.items()) + ". "
            + ("Training numbers well above validation ones mean the model fits the training "
               "images better than unseen ones (overfitting), or the two sets differ." if overfit
               else "Validation above training happens with strong augmentation or dropout at "
               "training time, but also when the validation set is easier or trivial (e.g. "
               "mostly empty or mostly full masks).")),
        fix=("Check that training and validation come from the same distribution; use more "
             "data or augmentation, or stop earlier." if overfit else
             "Compare both sets' foreground fractions (`unetdiag audit-data`)."))


# --------------------------------------------------------------------------- across runs


def identical_finding(claim: IdenticalAcrossRuns) -> Finding:
    group, constant = claim.runs, claim.constant_across_epochs
    who = f"all {len(group)} runs" if claim.all_runs else join_names(group)
    return _finding(
        ids.IDENTICAL_ACROSS_RUNS, claim,
        title=(f"{claim.metric} is {claim.value:.4f} in {who}"
               + (" at every epoch" if constant else " (identical at every common epoch)")),
        explanation=(
            f"In {join_names(group)}, {claim.metric} agrees to within {claim.tolerance:g} at "
            f"every one of their {claim.common_epochs} common epochs"
            + (", and it never changes from one epoch to the next" if constant else "")
            + ". Different models that learn from the images do not produce the same "
            "validation numbers to four decimals: a number that does not depend on the "
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
        f"{epoch_list(claim.epochs_at_baseline, claim.epochs)}: exactly "
        f"what {what} scores on this validation data, whose foreground fraction "
        f"{claim.inferred_from}'s numbers pin at f = {fraction:.4g} "
        f"({describe_fingerprint(claim.reference.as_dict())}"
        + (f" = {all_ones_formula(fraction)}" if all_ones and claim.reference.dice_metric
           else "")
        + f"). Thresholded at 0.5, {claim.run}'s predictions score like that constant "
        "predictor (assuming both runs validate on the same data, as runs in one log "
        "do).")
    if claim.dice_value is not None and all_ones:
        explanation += (
            f" Its {claim.dice_metric} {claim.dice_value:.4f} sits just below the all-ones "
            f"{claim.predictor_dice:.4f} because a soft Dice uses the probabilities, which "
            "stay a little under 1.")
    return _finding(
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
    return _finding(
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
        explanation += ", as if it had collapsed to a constant (the masks' share is unknown)."
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
    return _finding(
        ids.PREDICTIONS_COLLAPSED, claim,
        title=f"{claim.run}: predictions collapsed to all-{what} "
              f"({percent(positive)} of pixels predicted foreground)",
        explanation=explanation,
        fix=("Check the masks' foreground fraction and polarity (`unetdiag audit-data`), then "
             "the loss (Dice or weighted BCE for rare foreground) and the learning rate."))


_WORDING = {NonFiniteOnset: non_finite_finding, NegativeLoss: negative_loss_finding,
            OutOfRange: out_of_range_finding, DiceAboveOne: dice_above_one_finding,
            AccuracyBoundBreach: accuracy_bound_finding,
            ConstantPredictorRun: constant_predictor_finding, AtBaseline: at_baseline_finding,
            NearMajority: near_majority_finding, FlatTail: flat_finding,
            TrainValGap: train_val_gap_finding, IdenticalAcrossRuns: identical_finding,
            BaselineFromOtherRun: baseline_from_other_run_finding,
            StepTimeOutlier: step_time_finding, PredictionCollapse: prediction_collapse_finding}


def finding_of(claim: Claim) -> Finding:
    """The finding that says ``claim``."""
    return _WORDING[type(claim)](claim)
