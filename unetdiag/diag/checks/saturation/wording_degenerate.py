"""The sentences of the fingerprints of a degenerate run (:mod:`.evidence_degenerate`): a
perfect accuracy, a loss at the class prior's entropy or at ln 2, a Dice or IoU that
collapsed to 0 or stayed there. "Proves" only where the numbers admit one answer;
"consistent with" otherwise."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import evidence_degenerate, ids
from unetdiag.diag.checks.saturation.metrics import is_validation, validation_first
from unetdiag.diag.checks.saturation.words import (
    TRAINING_RUN,
    SeriesSubject,
    epoch_list,
    finding,
    printed_range,
)
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, near_zero, verb


def perfect_accuracy_finding(claim: evidence_degenerate.PerfectAccuracy,
                             subject: SeriesSubject = TRAINING_RUN) -> Finding:
    validation = [subject.metric(n) for n in claim.metrics if is_validation(n)]
    details = "; ".join(f"{subject.metric(n)} {d['value']:.4f}"
                        + subject.at_epochs(d['epochs_at_one'], d['epochs'])
                        for n, d in claim.metrics.items())
    losses = join_names([f"{n} {v:.4g}" for n, v in claim.losses.items()])
    data = subject.data_of("validation")
    opening = subject.opening(details) + (f" ({losses} at the last epoch)" if losses else "")
    title = f"{claim.run}: {join_names(validation)} {verb(len(validation), 'is', 'are')} 1.0000"
    if not claim.segmentation:
        # no Dice or IoU logged: the accuracy may count a classifier's samples, not pixels
        return finding(
            ids.PERFECT_ACCURACY, claim,
            title=f"{title}: every prediction on {data} right to four decimals",
            explanation=(
                opening + ". A real model rarely gets every prediction on "
                f"{data} right (every pixel, for a segmentation model; every sample, for a "
                "classifier). This is what labels of (almost) one class give (predicting the "
                "majority class everywhere scores 1.0000 once fewer than 0.005 % of the pixels "
                "or samples belong to another class), and what data the model was also "
                "trained on (leakage, augmented copies included) or a trivial task give."),
            fix=(f"Look at the class balance of the labels of {data} (for masks, `unetdiag "
                 "audit-data`), make sure none of it is also training data, and judge the "
                 "model by a score per class (for segmentation, the Dice of the foreground "
                 "class)."))
    return finding(
        ids.PERFECT_ACCURACY, claim,
        title=f"{title}: every pixel of {data} right to four decimals",
        explanation=(
            opening + ". A real "
            f"segmentation model rarely classifies every pixel of {data} right. This is what "
            "masks of (almost) one class give (an all-background prediction scores 1.0000 once "
            "fewer than 0.005 % of the pixels are foreground), and what images the model was "
            "also trained on (leakage) or trivial masks give."),
        fix=(f"Look at the foreground fraction of the masks of {data} (`unetdiag audit-data`) "
             "and make sure the model was not trained on these images; judge the model by the "
             "Dice of the foreground class."))


def class_prior_finding(claim: evidence_degenerate.ClassPriorLoss) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    prior, accuracy = data["prior"], data["accuracy"]
    majority = "background" if prior < 0.5 else "foreground"
    return finding(
        ids.CLASS_PRIOR_LOSS, claim,
        title=(f"{claim.run}: {name} {data['value']:.4f} matches the entropy of the class prior "
               f"f = {prior:.4g}: consistent with predicting f at every pixel"),
        explanation=(
            f"{name} is {printed_range(data)} at "
            f"{epoch_list(data['epochs_matched'], data['epochs'])}, each within "
            f"{data['largest_gap']:.4f} of the H(f) = -f ln f - (1-f) ln(1-f) of its epoch's "
            f"accuracy; at the last, H(f) = {data['entropy']:.4f} for f = {prior:.4g} = 1 - "
            f"{data['accuracy_metric']} {accuracy:.4f}. Binary cross-entropy "
            "equals H(f) when the model outputs the probability f at every pixel: the class "
            "frequency, learnt without looking at the images; thresholded at 0.5 that model "
            f"predicts {majority} everywhere, which scores exactly that accuracy. Consistent "
            "with a model that learnt only the class prior, if the loss is binary "
            "cross-entropy."),
        fix=("The model ignores the images: check that images and masks are paired, that the "
             "inputs are normalised, and that the learning rate did not saturate the output; "
             "weight the rare class (or add a Dice loss) when foreground is rare."))


def uniform_prediction_finding(claim: evidence_degenerate.UniformPredictionLoss) -> Finding:
    names = list(claim.metrics)
    details = "; ".join(f"{n} {d['value']:.4f} at {epoch_list(d['epochs_at_ln2'], d['epochs'])}"
                        for n, d in claim.metrics.items())
    return finding(
        ids.UNIFORM_PREDICTION_LOSS, claim,
        title=f"{claim.run}: {join_names(names)} stuck at ln 2 = 0.6931",
        explanation=(
            f"{details}. ln 2 is the cross-entropy of predicting probability 0.5 for each of "
            "two classes, whatever the labels: consistent with an output stuck at 0.5 (logits "
            "at 0: dead activations, or weights zeroed or lost to NaN upstream)."),
        fix=("Check the branch that feeds this loss: its inputs, its weights (NaN upstream) and "
             "the learning rate."))


def score_collapse_finding(claim: evidence_degenerate.ScoreCollapse) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    losses = join_names([f"{n} {v:.4f}" for n, v in claim.losses.items()])
    others = [n for n in claim.metrics if n != name]
    return finding(
        ids.SCORE_COLLAPSED, claim,
        title=(f"{claim.run}: {name} collapsed to {data['value']:.4g} at epoch "
               f"{data['epoch']} (from {data['before']:.4f})"),
        explanation=(
            f"{name} fell from {data['before']:.4f} at epoch {data['before_epoch']} to "
            f"{data['value']:.4g} at epoch {data['epoch']} and stayed there"
            + (f" ({losses} at that epoch)" if losses else "")
            + (f"; so did {join_names(others)}" if others else "")
            + (". A Dice or IoU of 0 means not one true positive pixel: the model stopped "
               "finding any foreground on these images, consistent with a model that predicts "
               if all(d.get("exactly_zero") for d in claim.metrics.values()) else
               f". A Dice or IoU up to {claim.zero_tolerance:g} counts here as the 0 of an empty "
               "prediction; above 0, as here, it leaves few true positive pixels (or none, if "
               "a smoothing term makes up the score): the model stopped finding almost any "
               "foreground on these images, consistent with a model that predicts (almost) ")
            + "background everywhere after a destructive update (a step too large, an "
            "exploding gradient)."),
        fix=("Lower the learning rate or clip the gradients, and keep the best checkpoint from "
             "before the collapse."))


def score_zero_throughout_finding(claim: evidence_degenerate.ScoreZeroThroughout) -> Finding:
    name = validation_first(claim.metrics)
    data = claim.metrics[name]
    others = [n for n in claim.metrics if n != name]
    return finding(
        ids.SCORE_ZERO_THROUGHOUT, claim,
        title=(f"{claim.run}: {name} is {near_zero(data['value'])} at every one of the "
               f"{data['epochs']} epochs"),
        explanation=(
            f"{name} was {near_zero(data['value'])} at every one of {data['epochs']} epochs"
            + (f"; so did {join_names(others)}" if others else "")
            + (". A Dice or IoU of 0 means not one true positive pixel: the predicted "
               "foreground never met the masks' foreground. " if data["value"] == 0 else
               " (not 0): few true positive pixels (or none, "
               "if a smoothing term makes up the score), too few to reach 1e-4: "
               "the predicted foreground hardly met the masks' foreground. ")
            + "Consistent with masks that hold no foreground as the model reads them (all "
            "background after decoding, or not the images' masks), a model that predicts "
            "background everywhere from the start, or a metric that casts or thresholds the "
            "predictions so that none counts as foreground. The loss alone cannot tell these "
            "apart."),
        fix=("Check that the masks hold foreground where their images show it (`unetdiag "
             "audit-data` reports every mask's foreground fraction), that the model outputs "
             "foreground probabilities (sigmoid) and that the metric compares them as such."))

