"""The sentences of the findings about how training and validation relate over one run: a
gap between them, a validation curve still rising, a validation loss rising while the
training loss falls. "Consistent with" where the numbers admit several readings."""

from __future__ import annotations

from collections.abc import Mapping

from unetdiag.diag.checks.saturation import evidence, ids
from unetdiag.diag.checks.saturation.low_dice import DiceBelowHalf
from unetdiag.diag.checks.saturation.metrics import VALIDATION_PREFIX, is_validation
from unetdiag.diag.checks.saturation.stability import UnstableValidation
from unetdiag.diag.checks.saturation.wording_mode import (
    TELL_LOOP_MODE,
    TELL_TRAIN_MODE,
    train_mode_sentence,
)
from unetdiag.diag.checks.saturation.words import epoch_list, epoch_span, finding
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, percent, verb


def _gap_sentence(name: str, gap: Mapping[str, float], last_epoch: int) -> str:
    partner, train, val = VALIDATION_PREFIX + name, gap["train"], gap["validation"]
    if "ratio" in gap:
        sentence = f"{partner} {val:.4g} is {gap['ratio']:.3g}x {name} {train:.4g}"
    elif gap["gap"] > 0:
        sentence = f"{name} {train:.4f} vs {partner} {val:.4f}"
    else:
        sentence = f"{partner} {val:.4f} is above {name} {train:.4f}"
    return sentence + _gap_epochs(gap, last_epoch)


def _gap_epochs(gap: Mapping[str, float], last_epoch: int) -> str:
    """Where a gap's values come from, when not from the last epoch."""
    if gap["epoch"] == last_epoch:
        return ""
    return f" at epoch {gap['epoch']}, the last at which both are finite"


def train_val_gap_finding(claim: evidence.TrainValGap) -> Finding:
    overfit = claim.overfit
    lead = claim.lead or next(iter(claim.metrics))
    order = [lead, *(name for name in claim.metrics if name != lead)]
    gaps = [_gap_sentence(name, claim.metrics[name], claim.last_epoch) for name in order]
    explanation = "; ".join(gaps) + "."
    if claim.diverged:
        explanation += (" A validation loss orders of magnitude above the training loss has "
                        "diverged: the model's outputs blow up on the validation images "
                        "(BatchNormalization statistics far from the training batches', "
                        "validation inputs preprocessed differently, or weights that overflow); "
                        "that is not a matter of fit.")
    fitting = [name for name in claim.metrics if name not in claim.diverged]
    overflowed = sorted({epoch for name in fitting
                         for epoch in claim.metrics[name].get("validation_non_finite_epochs", ())})
    after_one_epoch = bool(fitting) and all(claim.metrics[n]["epoch"] == 1 for n in fitting)
    no_overlap = bool(claim.no_overlap) and overfit and not after_one_epoch and not overflowed
    mixed = claim.mixed and not overfit
    throughout = (_gaps_throughout(claim, fitting) if overfit and fitting
                  and not after_one_epoch and not overflowed and not no_overlap else [])
    if mixed:
        explanation += _mixed_sentence(claim)
    elif fitting:
        explanation += (
            (_AFTER_ONE_EPOCH_LOOP if claim.custom_loop else _AFTER_ONE_EPOCH)
            if overfit and after_one_epoch
            else _after_overflow(overflowed) if overfit and overflowed
            else _no_overlap(claim) if no_overlap
            else train_mode_sentence(claim, fitting, bool(throughout)) if overfit
            else _validation_above(claim, fitting))
    explanation += _within_swing_sentence(claim)
    if throughout:
        explanation += (f" The gap was nearly this wide at every epoch from the first "
                        f"({join_names(throughout)}): consistent with two sets that differ (or "
                        "are scored differently, as training and inference mode score one "
                        "model) more than with overfitting, which widens as training goes on.")
    if claim.diverged:
        first = claim.diverged[0]
        title = (f"{claim.run}: the validation loss diverged "
                 f"({_gap_sentence(first, claim.metrics[first], claim.last_epoch)})")
    else:
        at_last = all(gap["epoch"] == claim.last_epoch for gap in claim.metrics.values())
        title = f"{claim.run}: " + (
            "training and validation differ in both directions across thresholds" if mixed
            else "validation scores above training" if not overfit
            else "training and validation disagree" + (" at the last epoch" if at_last else ""))
        title += f" ({gaps[0]})"
    tell = TELL_LOOP_MODE if claim.custom_loop else TELL_TRAIN_MODE
    return finding(
        ids.TRAIN_VAL_GAP, claim,
        title=title,
        explanation=explanation.strip(),
        fix=("Nothing to conclude about fit from these numbers: judge it by one score (the "
             "plain Dice or IoU) over several epochs." if mixed else
             _AFTER_ONE_EPOCH_FIX if overfit and after_one_epoch else
             _AFTER_OVERFLOW_FIX if overfit and overflowed else
             _SHORT_NO_OVERLAP_FIX if no_overlap and claim.short_no_overlap else
             _NO_OVERLAP_FIX if no_overlap else
             _DIVERGED_FIX if not fitting else
             tell + " Then check that training and validation come from the same "
             "distribution (their foreground fractions and image statistics: `unetdiag "
             "audit-data`)."
             if throughout else
             tell + " If the model scores its training data near the training "
             "figure, check that "
             "training and validation come from the same distribution; use more "
             "data or augmentation" + (
                 " (the validation values are at their best at the last epoch of a run logged "
                 "from its first: stopping earlier would not help)."
                 if all(gap.get("validation_at_its_best") for gap in claim.metrics.values())
                 else ", or stop earlier." if claim.stop_earlier
                 else f"; after {claim.last_epoch} epochs, judge the gap over a longer run.")
             if overfit else _validation_above_fix(claim)))


def _validation_above(claim: evidence.TrainValGap, fitting: list[str]) -> str:
    """Validation above training: when it held (early, or for how long), then the readings
    the numbers allow, with the splits' masks where the caller measured them."""
    epoch_mean = ("a training figure averaged over an epoch in which the weights kept "
                  "improving, as Keras's fit() averages it and a custom loop may, against a "
                  "validation one measured at its end" if claim.custom_loop else
                  "Keras's training figure is the mean over an epoch in which the weights kept "
                  "improving, the validation one is measured at its end")
    lead = claim.lead if claim.lead in fitting else fitting[0]
    since = claim.metrics[lead].get("validation_above_since")
    if claim.early:
        said = (f" Over {claim.last_epoch} epochs, validation above training is consistent "
                f"with early training ({epoch_mean}), ")
    elif since is not None:
        partner = VALIDATION_PREFIX + lead
        until = claim.metrics[lead]["epoch"]  # the last at which both are finite
        held = ("at every epoch of the run" if since == 1 and until == claim.last_epoch
                else f"at every epoch from epoch {since} to the last ({until})"
                if until == claim.last_epoch
                else f"at every epoch from epoch {since} to epoch {until}, the last at "
                     "which both are finite")
        rise = claim.metrics[lead].get("training_rise_last_epoch")
        gap = claim.metrics[lead]["validation"] - claim.metrics[lead]["train"]
        said = (f" {partner} was above {lead} {held}, and {lead} rose {rise:.4f} over its "
                f"last epoch, at least the gap: consistent with the epoch mean lagging "
                f"({epoch_mean}), with "
                if rise is not None and rise >= gap else
                f" {partner} was above {lead} {held}: more than early training, where the "
                f"epoch mean lags ({epoch_mean}); consistent with ")
    else:
        said = (f" Early in a run, validation above training is consistent with the epoch "
                f"mean ({epoch_mean}); at any time, with ")
    return said + _above_causes(claim) + _splits_sentence(claim)


def _above_causes(claim: evidence.TrainValGap) -> str:
    """What puts validation above training, less what the caller knows is absent."""
    causes = []
    if claim.train_mode is None:
        causes.append("training figures measured in training mode (augmentation and dropout "
                      "act in training only, BatchNormalization normalises each training "
                      "batch with its own statistics)")
    elif claim.train_mode:
        causes.append(f"training figures measured in training mode (this run trains with "
                      f"{join_names(claim.train_mode)})")
    training, validation = claim.splits.get("training"), claim.splits.get("validation")
    if not (training and validation) or training["empty_masks"] or validation["empty_masks"]:
        causes.append("different shares of empty masks (unless its rule leaves them out, a "
                      "per-image Dice without smoothing scores an empty mask 0 for a single "
                      "false-positive pixel)")
    # measured, the two fractions are stated beside (9.59 % against 9.63 % is no difference
    # to name as a cause); the images may still differ in what no fraction shows
    causes.append("images harder to segment in the training split than in the validation "
                  "split (object sizes, contrast; the luck of a random split)"
                  if training and validation and training["masks"] and validation["masks"]
                  else "different foreground fractions")
    return (", ".join(causes[:-1]) + ", or " + causes[-1] if len(causes) > 1
            else causes[0]) + "."


def _splits_sentence(claim: evidence.TrainValGap) -> str:
    """Each split's empty masks and foreground fraction, where the caller measured them."""
    training, validation = claim.splits.get("training"), claim.splits.get("validation")
    if not (training and validation and training["masks"] and validation["masks"]):
        return ""

    def said(split: dict[str, float]) -> str:
        return (f"{split['empty_masks']:.0f} of {split['masks']:.0f} masks empty "
                f"({percent(split['empty_masks'] / split['masks'])}), "
                f"{percent(split['foreground_fraction'])} foreground")
    return f" Training holds {said(training)}; validation {said(validation)}."


def _validation_above_fix(claim: evidence.TrainValGap) -> str:
    training, validation = claim.splits.get("training"), claim.splits.get("validation")
    known = bool(training and validation)
    measure = ("" if known else "; each split's share of empty masks and foreground "
               "fraction: `unetdiag audit-data` on each")
    compare = ("" if known and not (training["empty_masks"] or validation["empty_masks"])
               else " (compare the per-image Dice of the empty masks and of the others)")
    return ("No overfitting to act on. To tell the readings apart, score the training images "
            "in inference mode without augmentation, as validation is scored (`unetdiag "
            "evaluate MODEL --images TRAIN_IMAGES --masks TRAIN_MASKS`, or model.evaluate): "
            "near the validation figure, the gap is in how the training figures are measured; "
            f"still below it, the sets differ{compare}{measure}.")


def _mixed_sentence(claim: evidence.TrainValGap) -> str:
    """One score at several thresholds, higher in training at some, in validation at others."""
    parts = [f"{stem}: training is higher at {join_names(family['training_above'])}, "
             f"validation at {join_names(family['validation_above'])}"
             for stem, family in claim.mixed.items()]
    return (f" The thresholds of one score disagree in direction ({'; '.join(parts)}): no "
            "consistent gap between training and validation.")


def _within_swing_sentence(claim: evidence.TrainValGap) -> str:
    """Gaps left out because the series swing as much between consecutive epochs."""
    if not claim.within_swing:
        return ""
    parts = [f"{name} {data['train']:.4g} vs {VALIDATION_PREFIX + name} "
             f"{data['validation']:.4g} (the gap typically changes by {data['swing']:.2g} "
             "from one epoch to the next, and the other set was higher at epoch"
             f"{'s' if len(data['reversed_epochs']) > 1 else ''} "
             f"{epoch_span(data['reversed_epochs'])})"
             for name, data in claim.within_swing.items()]
    return (" Not counted as a gap, being within its epoch-to-epoch swing and changing "
            f"sign: {join_names(parts)}.")


def _no_overlap(claim: evidence.TrainValGap) -> str:
    """The overlap scores whose validation value never left the floor, in words: what the
    scores say, not a fact about the predictions (a score computed differently is one of the
    causes), and, over too few epochs, a model still settling among them."""
    words = [f"{VALIDATION_PREFIX + name} was at most "
             f"{claim.metrics[name]['validation_highest']:.4f} while {name} reached "
             f"{claim.metrics[name]['train']:.4f}" for name in claim.no_overlap]
    said = (f" At every epoch logged, {join_names(words)}: the validation scores say the "
            "predictions hardly overlap the validation masks at any of them.")
    causes = ("validation masks that are empty or misaligned with their images, validation "
              "inputs preprocessed differently, or a validation score computed differently")
    if claim.short_no_overlap:
        return (said + f" Over so few epochs this is consistent with {causes}, or with a "
                "model whose inference-time layers (BatchNormalization's moving statistics) "
                "have not settled yet; judge the gap over a longer run.")
    return (said + f" Consistent with {causes}, more than with overfitting, which lowers a "
            "validation score the model first learned.")


_NO_OVERLAP_FIX = (
    "Look at a few validation images beside their masks and the model's predictions, check "
    "the validation masks' foreground (`unetdiag audit-data`) and that the validation inputs "
    "get the training inputs' preprocessing; if those are right, more data or stopping "
    "earlier will not help.")
_SHORT_NO_OVERLAP_FIX = (
    "Run more epochs before judging the gap; if the validation score stays near 0, look at "
    "a few validation images beside their masks and the model's predictions, and check the "
    "validation masks (`unetdiag audit-data`) and the validation inputs' preprocessing.")


def _gaps_throughout(claim: evidence.TrainValGap, names: list[str]) -> list[str]:
    """Each gap's narrowest value over the run in words, when the run is logged from epoch 1
    and every gap stayed nearly as wide as at the end (empty otherwise): overfitting widens
    a gap as training goes on; two sets that differ show it from the start."""
    words = []
    for name in names:
        gap = claim.metrics[name]
        now = gap.get("ratio", gap.get("gap"))
        narrowest = gap.get("narrowest")
        if narrowest is None or now is None or now <= 0 or narrowest < 0.8 * now:
            return []
        partner = VALIDATION_PREFIX + name
        words.append(f"{partner} at least {narrowest:.3g}x {name}" if "ratio" in gap
                     else f"{name} at least {narrowest:.3g} above {partner}")
    return words


_DIVERGED_FIX = (
    "Check that the validation inputs are preprocessed exactly like the training ones (scale, "
    "channels, normalisation) and that the model's BatchNormalization statistics were "
    "updated (no layer frozen in training mode); more data will not close this gap.")

_AFTER_ONE_EPOCH = (
    " After one epoch a gap like this says little about fit: Keras's training figure is the "
    "mean over an epoch in which the weights changed fast, while the validation one is "
    "measured at its end, and layers that act differently in training and inference "
    "(BatchNormalization, whose moving statistics start far from the data's after few steps; "
    "dropout) can put the validation figure far from the training one.")
_AFTER_ONE_EPOCH_LOOP = (
    " After one epoch a gap like this says little about fit: a training figure averaged over "
    "the epoch (as Keras's fit() averages it; this custom loop chose its own) comes from "
    "weights that changed fast, while the validation one is measured at its end, and layers "
    "that act differently in training and inference (BatchNormalization, whose moving "
    "statistics start far from the data's after few steps; dropout) can put the validation "
    "figure far from the training one.")

_AFTER_ONE_EPOCH_FIX = (
    "Judge the gap after a few epochs; if it stays, evaluate the model on training images "
    "(model.evaluate) to tell a train/inference difference from a difference between the sets.")


_AFTER_OVERFLOW_FIX = (
    "Evaluate in float32 (keep the model's last layers and the loss in float32 under mixed "
    "precision), check the validation inputs are preprocessed as the training ones, and "
    "judge the gap once the validation loss stays finite.")


def _after_overflow(epochs: list[int]) -> str:
    where = f"epoch{'s' if len(epochs) > 1 else ''} {epoch_span(epochs)}"
    return (f" The validation figure was NaN or infinite at {where}: a validation loss that "
            "overflows points to numerical trouble when evaluating (float16 overflow under "
            "mixed precision, BatchNormalization statistics far from the validation batches'), "
            "and a gap beside such epochs is no measure of fit.")


def still_improving_finding(claim: evidence.StillImproving) -> Finding:
    names = list(claim.metrics)
    first = claim.metrics[names[0]]
    details = "; ".join(
        f"{name} {data['last']:.4f} at epoch {data['last_epoch']} (its best), up "
        f"{data['gain']:.4f} from {data['earlier']:.4f} {data['over_epochs']} epochs earlier"
        for name, data in claim.metrics.items())
    return finding(
        ids.STILL_IMPROVING, claim,
        title=(f"{claim.run}: {join_names(names)} {verb(len(names), 'was', 'were')} still "
               f"rising at epoch {first['last_epoch']}, the last logged ({names[0]} "
               f"{first['last']:.4f}, up {first['gain']:.4f} over its last "
               f"{first['over_epochs']} epochs)"),
        explanation=(
            f"{details}. The curve had not flattened by the last epoch, so the best score "
            "says where these figures end, not where the model levels off on this data. "
            "Where an epoch is one pass over the data (Keras's fit), a small dataset makes few "
            "updates an epoch (pairs / batch size) and needs more epochs than a large one."),
        fix="Train for more epochs (unetdiag: `--epochs N`) and look at the curve again.")


def validation_loss_rising_finding(claim: evidence.ValidationLossRising) -> Finding:
    # a loss whose scores held is said apart, and only when no other loss rose plainly
    names = [name for name, data in claim.metrics.items() if "scores_held" not in data]
    if not names:
        return _loss_against_scores(claim)
    first = claim.metrics[names[0]]
    details = "; ".join(
        f"{name} was lowest at epoch {data['best_epoch']} ({data['best']:.4g}) and is "
        f"{percent(data['rise'])} above it at epoch {data['last_epoch']} ({data['last']:.4g}), "
        f"{data['epochs_after_best']} epochs later, while {data['training']} fell from "
        f"{data['training_at_best']:.4g} to {data['training_last']:.4g}"
        for name, data in claim.metrics.items() if "scores_held" not in data)
    return finding(
        ids.VALIDATION_LOSS_RISING, claim,
        title=(f"{claim.run}: {names[0]} rose after epoch {first['best_epoch']} while "
               f"{first['training']} fell"),
        explanation=(
            f"{details}. The model kept fitting the training set better and the "
            "validation set worse: consistent with overfitting from that epoch on (a small "
            "or noisy validation set can move this much too; a longer run tells them apart). "
            "The last epoch's weights are not the best ones by this loss"
            + _restored_clause(claim.restored_epoch) + "."),
        fix=("Add data or augmentation to push overfitting later."
              if claim.restored_epoch is not None else
              "Keep the best epoch's weights (Keras: ModelCheckpoint(save_best_only=True) or "
              "EarlyStopping(restore_best_weights=True); `unetdiag train` saves the best "
              "epoch as model.keras) and add data or augmentation to push overfitting later."))


def _loss_against_scores(claim: evidence.ValidationLossRising) -> Finding:
    """A validation loss that rose while the validation scores did not fall (keras-cv#1221:
    val_loss 0.51 -> 1.70 beside val_mean_io_u 0.46 -> 0.48): the loss and the scores
    disagree, which says how the predictions changed, not that the model overfits."""
    names = list(claim.metrics)
    first = claim.metrics[names[0]]
    best_epoch, last_epoch = first["best_epoch"], first["last_epoch"]
    held = join_names([f"{name} ({values[0]:.4f} -> {values[1]:.4f})"
                       for name, values in first["scores_held"].items()])
    # a score that fell between the two epochs and came back did not hold throughout
    dips = join_names([f"{name} fell to {values[2]:.4f} at epoch {values[3]}"
                       for name, values in first["scores_held"].items() if len(values) > 2])
    return finding(
        ids.VALIDATION_LOSS_AGAINST_SCORES, claim,
        title=(f"{claim.run}: {names[0]} rose {percent(first['rise'])} above its lowest "
               f"(epoch {best_epoch}) while the validation scores are no lower at epoch "
               f"{last_epoch} than there"),
        explanation=(
            f"{names[0]} was lowest at epoch {best_epoch} ({first['best']:.4g}) and "
            f"is {percent(first['rise'])} above it at epoch {last_epoch} "
            f"({first['last']:.4g}), while {first['training']} fell from "
            f"{first['training_at_best']:.4g} to {first['training_last']:.4g} and {held} "
            f"{verb(len(first['scores_held']), 'is', 'are')} no lower at epoch {last_epoch} "
            f"than at epoch {best_epoch}"
            + (f" (between them {dips}, and came back)" if dips else "")
            + ". A loss and a score weigh the predictions "
            "differently: a thresholded score counts those on the right side, a soft one sums "
            "their probabilities, and a cross-entropy charges one confident mistake more than "
            "many unsure ones. A loss that rises while the scores hold is consistent with "
            "predictions that grew surer where they are wrong, or less sure where they are "
            "right, while the overlap the scores measure held; in a model with "
            "regularisation penalties (kernel_regularizer), which Keras adds to val_loss as it "
            "does to loss, it is also consistent with a penalty that grew with the weights "
            "while the predictions did not change. "
            f"By the scores the validation predictions of epoch {last_epoch} are no worse than "
            f"those of epoch {best_epoch}, so this alone is no sign of overfitting."),
        fix=("Judge the epochs by the validation score the model is for (Dice or IoU), not "
             "by the loss; look at the validation predictions with the highest loss to see "
             "where the model is confidently wrong (with regularisation penalties, "
             "sum(model.losses) is their share of val_loss)."))


def _restored_clause(restored_epoch: int | None) -> str:
    """What the run's EarlyStopping message says it restored (empty when it says nothing)."""
    if restored_epoch is None:
        return ""
    which = f"epoch {restored_epoch}'s" if restored_epoch else "its best epoch's"
    return (f"; the run restored {which} weights when it stopped (EarlyStopping's message), "
            "by the metric it monitored")


def unstable_validation_finding(claim: UnstableValidation) -> Finding:
    name, data = next(iter(claim.metrics.items()))
    training = data["training"]
    ratios = join_names([f"{ratio:.3g}x" for ratio in data["ratios"]])
    bounds = [f"{score} {bound['value']:.4f} at epoch {bound['epoch']}"
              + (" (a validation Dice of 0, if it is 1 - Dice)" if bound["kind"] == "loss"
                 else " (not one true positive)" if bound["value"] == 0
                 else " (near the 0 of an empty prediction)")
              for score, bound in claim.at_bound.items()]
    return finding(
        ids.UNSTABLE_VALIDATION, claim,
        title=(f"{claim.run}: validation was unstable until epoch {data['unstable_until']} "
               f"({name} up to {data['highest_ratio']:.3g}x {training}), then agreed with "
               "training"),
        explanation=(
            f"{name} was {data['ratio_threshold']:g} times {training} or more at epochs "
            f"{join_names([str(epoch) for epoch in data['epochs']])} ({ratios}; "
            f"{data['highest']:.4g} against {data['training_at_highest']:.4g} at epoch "
            f"{data['highest_epoch']})"
            + (f", and {join_names(bounds)}" if bounds else "")
            + f". From epoch {data['stable_from']} on it stayed within "
            f"{data['stable_ratio']:g}x {training} "
            f"({data['last']:.4g} against {data['training_last']:.4g} at epoch "
            f"{data['last_epoch']}). The last epochs agree, but for the epochs before "
            "the model's outputs on the validation images were far from what training shows: "
            "more than overfitting or " + ("an epoch-mean training figure" if claim.custom_loop
                                           else "Keras's epoch-mean training figure")
            + " explain. Consistent "
            "with BatchNormalization moving statistics far from the data's early on (small "
            "batches, or a subclassed model whose call() defaults to training=True), or a "
            "learning rate that throws the weights about early. Checkpoints from those epochs "
            "do far worse on the validation images than their training loss suggests."),
        fix=("Judge the model by the epochs after the unstable ones; to find the cause, "
             "compare model.evaluate on some training images (inference mode) with the "
             "training loss: a large difference points to a layer that behaves differently "
             "in inference, such as BatchNormalization."))


def dice_below_half_details(claim: DiceBelowHalf) -> str:
    """``"dice_coef at most 0.4510 (epoch 24) and val_dice_coef at most 0.4435 (epoch 23),
    over every one of the 24 epochs"``: each phase's best, training first."""
    names = sorted(claim.metrics, key=is_validation)
    best = join_names([f"{name} at most {claim.metrics[name]['best']:.4f} (epoch "
                       f"{claim.metrics[name]['best_epoch']})" for name in names])
    first = claim.metrics[names[0]]
    numbers = list(range(first["first_epoch"], first["last_epoch"] + 1))
    span = epoch_list(numbers, first["epochs"]) if first["epochs"] == len(numbers) else (
        f"the {first['epochs']} epochs logged, up to epoch {first['last_epoch']}")
    return f"{best}, over {span}"


def dice_below_half_finding(claim: DiceBelowHalf) -> Finding:
    names = sorted(claim.metrics, key=is_validation)
    ceiling = f"{claim.ceiling:g}"
    return finding(
        ids.DICE_BELOW_HALF, claim,
        title=(f"{claim.run}: {join_names(names)} stayed below {ceiling} at every epoch "
               "logged, in training and validation alike"),
        explanation=(
            f"{dice_below_half_details(claim)}. With as many pixels predicted as labelled, a "
            f"Dice below {ceiling} means fewer than half of the foreground pixels were found. "
            "The training figures stay below it too, so overfitting (a model that fits its "
            "training images and fails on new ones) does not explain the low scores alone: "
            "the model scores low even on the batches it trains on, "
            + ("as this custom loop measured them (in training mode if it calls the model "
               "with training=True: dropout and augmentation can then put those figures "
               "below what it scores on its training images in inference mode)"
               if claim.custom_loop else
               "as Keras measures them in training mode (dropout and augmentation can put "
               "those figures below what it scores on its training images in inference "
               "mode)")
            + ". Consistent with a model that "
            "has not learnt to find the foreground "
            "(too few epochs, a learning rate too small or too large, a loss the background "
            "dominates, as cross-entropy does when the foreground is small, or masks that do "
            "not line up with their images), with a Dice averaged so that it stays low (over "
            "images or classes with no foreground, which score near 0 once a handful of their "
            "pixels are predicted), or with structures small or thin enough that "
            f"{ceiling} is hard to reach."),
        fix=("Look at the predictions on a few training images. If they miss the foreground, "
             "check that each mask lines up with its image (`unetdiag audit-data`) and try a "
             "loss that weighs the foreground (Dice, or BCE + Dice) or another learning rate; "
             "if they look right, check how the Dice is averaged."))
