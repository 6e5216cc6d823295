"""The sentences of the findings about values labels and predictions in [0, 1] cannot produce
(:mod:`.scale`'s claims), and about training losses too large or too jumpy for them
(:mod:`.loss_size`'s). A cause is named as a fact only when the numbers leave one
(``claim.labels_only``); otherwise every cause the numbers fit is named."""

from __future__ import annotations

from unetdiag.diag.checks.saturation import ids
from unetdiag.diag.checks.saturation.evidence import (
    AccuracyBoundBreach,
    Cause,
    DiceAboveOne,
    NegativeLoss,
    NegativeLossScoresInRange,
    OutOfRange,
)
from unetdiag.diag.checks.saturation.loss_size import LossJump, LossMagnitude
from unetdiag.diag.checks.saturation.overlap import IouAboveDice, IouBelowDiceRelation
from unetdiag.diag.checks.saturation.words import (
    MAP_MASKS,
    consistent_with,
    epoch_span,
    finding,
)
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import join_names, verb

#: The fix when either the labels or the predictions may be outside [0, 1].
CHECK_LABELS_AND_OUTPUT = (
    "Check both: map every mask to {0, 1} (`unetdiag audit-data` lists each mask's values), and "
    "make sure the model ends in a sigmoid and the metrics get its output, not logits.")
#: The bound an accuracy a puts on each score, spelled out.
BOUND_FORMULAS = {"dice": "2(1+a)/(3+a)", "iou": "(1+a)/2"}
SCORE_NAMES = {"dice": "Dice", "iou": "IoU"}
WRONG_METRIC = Cause.METRIC_COMPUTED_WRONGLY.value
#: The causes an accuracy outside [0, 1] fits: no label or prediction scale moves it there.
ACCURACY_CAUSES = (Cause.METRIC_IN_PERCENT.value, WRONG_METRIC)


def dice_above_one_finding(claim: DiceAboveOne) -> Finding:
    worst_name, worst = claim.extreme("max")
    explanation = (f"{worst_name} reaches {worst:.4f}. With labels and predictions in [0, 1] a "
                   "Dice cannot exceed 1 (2*sum(t*p) <= sum(t) + sum(p)). ")
    scale = (f"Predicting 1 everywhere scores 2m/(1+m), where m is the mean label value; "
             f"{worst:.4f} gives m = {claim.mean_label_if_all_ones:.3g}, a 0-255 scale.")
    if claim.labels_only:
        name, value = next(iter(claim.accuracies_below_any_constant.items()))
        explanation += (
            f"{name} {value:.4f} is below what any constant prediction scores: binary accuracy "
            "compares the thresholded prediction (0 or 1) with the raw label, and a label of "
            "255 never equals 1. So the labels are larger than 1: almost always masks stored "
            "as 0/255 (8-bit PNG or JPEG) that were never divided by 255, or grayscale masks "
            f"that were never thresholded. {scale}")
        title = (f"{claim.run}: {worst_name} reaches {worst:.4f}, so the masks are not in "
                 "[0, 1] (labels 0/255?)")
        fix = ("Map every mask to {0, 1} before training, e.g. mask = (mask > 127) for 8-bit "
               "masks; `unetdiag audit-data` lists each mask's values. unetdiag's MaskPolicy "
               "does this and records the threshold it used.")
    else:
        explanation += (
            f"The value is {consistent_with(claim.consistent_with)}. With labels on 0-255: "
            f"{scale[0].lower()}{scale[1:]} Logits instead of probabilities can push a Dice "
            "anywhere. A binary accuracy below 0.5 would point at the labels; none is logged.")
        title = (f"{claim.run}: {worst_name} reaches {worst:.4f}: labels or predictions "
                 "outside [0, 1]")
        fix = CHECK_LABELS_AND_OUTPUT
    return finding(ids.DICE_ABOVE_ONE, claim, title=title, explanation=explanation, fix=fix)


def negative_loss_finding(claim: NegativeLoss) -> Finding:
    worst_name, worst = claim.extreme("min", highest=False)
    explanation = (
        f"{join_names(sorted(claim.metrics))} {verb(len(claim.metrics), 'falls', 'fall')} "
        f"below 0 (lowest {worst:.4g} at epoch {claim.metrics[worst_name]['epoch_of_min']}). "
        "Binary cross-entropy is never negative for labels in [0, 1] (Keras clips the "
        "predictions), and a Dice loss 1 - Dice is negative only when the Dice exceeds 1. ")
    if claim.labels_only:
        explanation += ("The run's accuracy points at labels above 1 (masks on a 0-255 scale): "
                        "the loss can then fall without bound, and the gradients grow with the "
                        "label values.")
        title = f"{claim.run}: {worst_name} goes negative ({worst:.4g}): labels above 1"
        fix = (f"{MAP_MASKS}; if the loss is meant to be negative (e.g. loss = -Dice), log the "
               "Dice too so this check can see it.")
    else:
        explanation += f"It is {consistent_with(claim.consistent_with)}."
        if not claim.scores_logged:
            explanation += " No Dice, IoU or F1 of this phase is logged to tell them apart."
        if worst < -1:
            explanation += (" A loss below -1 is out of reach of 1 - Dice even with labels on "
                            "0-255 (such a Dice stays below 2): cross-entropy with labels above "
                            "1, or a loss on outputs that are not probabilities.")
        title = f"{claim.run}: {worst_name} goes negative ({worst:.4g})"
        fix = (f"{CHECK_LABELS_AND_OUTPUT} If the loss is meant to go below 0 (e.g. loss = "
               "-Dice), log the Dice too so this check can see it.")
    return finding(ids.NEGATIVE_LOSS, claim, title=title, explanation=explanation, fix=fix)


def _negated_score_finding(claim: NegativeLossScoresInRange) -> Finding:
    """Losses named after a score, within [-1, 0] throughout: -score, read as the score."""
    names = sorted(claim.metrics)
    ranges = join_names([f"{name} {-claim.metrics[name]['max']:.4g} to "
                         f"{-claim.metrics[name]['min']:.4g}" for name in names])
    return finding(
        ids.NEGATIVE_LOSS_SCORES_IN_RANGE, claim,
        title=(f"{claim.run}: {join_names(names)} {verb(len(names), 'stays', 'stay')} within "
               "[-1, 0]: consistent with -score, below 0 by construction"),
        explanation=(
            f"{join_names(names)} {verb(len(names), 'is', 'are')} named after a score and "
            "within [-1, 0] at every epoch: the range of a score negated (loss = -Dice), "
            f"negated back: {ranges}. Labels on a 0-255 scale push a Dice "
            "above 1, so -Dice below -1, which no value here is: nothing points at the labels."),
        fix="Nothing to fix: a loss written as -Dice is below 0 by design.")


def negative_loss_in_range_finding(claim: NegativeLossScoresInRange) -> Finding:
    if claim.negated_score:
        return _negated_score_finding(claim)
    worst_name, worst = claim.extreme("min", highest=False)
    # one value logged (or a score that never moved) is no range
    scores = join_names([f"{name} {data['min']:.4f}" + (
        f"-{data['max']:.4f}" if f"{data['max']:.4f}" != f"{data['min']:.4f}" else "")
        for name, data in claim.scores.items()])
    return finding(
        ids.NEGATIVE_LOSS_SCORES_IN_RANGE, claim,
        title=(f"{claim.run}: {worst_name} goes below 0 ({worst:.4g}) while every score stays "
               "in [0, 1]"),
        explanation=(
            f"{worst_name} reaches {worst:.4g} at epoch "
            f"{claim.metrics[worst_name]['epoch_of_min']}, while {scores} "
            f"{verb(len(claim.scores), 'stays', 'stay')} within [0, 1] "
            "over the same epochs. Labels on a 0-255 scale would push 1 - Dice towards -1 and "
            "the Dice, IoU and F1 above 1 at the same time; a small negative loss next to "
            f"scores in range is the loss's own construction: "
            f"{consistent_with(claim.consistent_with)}, or a sum with a negative term."),
        fix=("Nothing to fix if the loss is meant that way; for a class-weighted Dice loss, "
             "normalise the weights so that a perfect prediction scores a loss of 0."))


def _span(values: dict) -> str:
    low, high = values["min"], values["max"]
    return f"{low:.4g}" if low == high else f"{low:.4g} to {high:.4g}"


def out_of_range_finding(claim: OutOfRange) -> Finding:
    names = sorted(claim.metrics)
    ranges = join_names([f"{name} {_span(claim.metrics[name])}" for name in names])
    explanation = f"{ranges}. "
    accuracies = claim.accuracies
    if accuracies:
        explanation += (
            f"An accuracy counts matching pixels (or samples), so it lies in [0, 1] whatever "
            f"the labels and predictions are: {join_names(accuracies)} outside it is "
            f"{consistent_with([c for c in claim.consistent_with if c in ACCURACY_CAUSES])}. ")
    scores = [name for name in names if name not in accuracies]
    if scores:
        found = [cause for cause in claim.consistent_with if cause not in ACCURACY_CAUSES]
        explanation += (f"A Dice or IoU of masks and predictions in [0, 1] lies in [0, 1]: "
                        f"{join_names(scores)} outside it {verb(len(scores), 'is', 'are')} "
                        f"{consistent_with(found)}.")
    fix = ("Test each metric on a hand-computed example: shapes of labels and predictions, "
           "sparse or one-hot labels." if accuracies else "")
    if scores:
        fix = (fix + " " + CHECK_LABELS_AND_OUTPUT).strip()
    return finding(ids.METRIC_OUT_OF_RANGE, claim,
                   title=f"{claim.run}: {join_names(names)} outside [0, 1]",
                   explanation=explanation.strip(), fix=fix)


def accuracy_bound_finding(claim: AccuracyBoundBreach) -> Finding:
    main, kind = claim.main, claim.kind
    score, formula = SCORE_NAMES[kind], BOUND_FORMULAS[kind]
    d, a, b = main.score, main.accuracy, main.max_score
    finding_id = (ids.DICE_EXCEEDS_ACCURACY_BOUND if kind == "dice"
                  else ids.IOU_EXCEEDS_ACCURACY_BOUND)
    return finding(
        finding_id, claim,
        title=(f"{claim.run}: {main.score_metric} {d:.4f} is impossible next to "
               f"{main.accuracy_metric} {a:.4f} for masks of exactly 0 and 1"),
        explanation=(
            f"At epoch {main.epoch}, {main.score_metric} is {d:.4f} while "
            f"{main.accuracy_metric} is {a:.4f} (above the bound at epochs "
            f"{epoch_span(main.epochs_above_bound)}). With labels exactly 0 or 1 and "
            "predictions in [0, 1], a prediction that gets only that share of pixels right "
            f"(thresholded at 0.5) scores a {score} of at most {formula} = {b:.4f}, even if "
            f"every wrong pixel sits at 0.5. So the two numbers cannot both measure {{0, 1}} "
            f"masks: they are {consistent_with(claim.consistent_with)}. Keras's binary accuracy "
            "compares each label exactly: a label of 255, or of 0.98, never counts as right."
            + (" The training numbers break the bound too." if len(claim.phases) == 2 else "")),
        fix=("Threshold every mask to {0, 1} before training (8-bit masks: > 127); "
             "`unetdiag audit-data` lists each mask's values. If the masks are binary, check "
             "which accuracy the run logs."))


def _times(ratio: float) -> str:
    """``"714x"``, ``"10,371,000x"``: a jump's ratio, whole."""
    return f"{ratio:,.0f}x"


def _jump_when(data: dict) -> str:
    """"at epoch 7" for a one-epoch jump, "over epochs 21-22" for a rise over several."""
    if data["epoch"] == data["previous_epoch"] + 1:
        return f"at epoch {data['epoch']}"
    return f"over epochs {data['previous_epoch'] + 1}-{data['epoch']}"


def loss_jump_finding(claim: LossJump) -> Finding:
    name, ratio = claim.extreme("ratio")
    details = "; ".join(
        f"{loss} went from {data['before']:.4g} at epoch {data['previous_epoch']} to "
        f"{data['after']:.4g} at epoch {data['epoch']} ({_times(data['ratio'])})"
        + (f", then {data['next']:.4g}" if "next" in data else "")
        for loss, data in claim.metrics.items())
    jump = claim.metrics[name]
    several = any(data["epoch"] > data["previous_epoch"] + 1 for data in claim.metrics.values())
    return finding(
        ids.LOSS_JUMP, claim,
        title=(f"{claim.run}: {name} jumped {_times(ratio)} {_jump_when(jump)} "
               f"({jump['before']:.4g} to {jump['after']:.4g})"),
        explanation=(
            f"{details}. A training loss that grows {claim.ratio_threshold:g} times or more "
            + ("within a few epochs" if several else "from one epoch to the next")
            + " had steps that threw the weights far off: consistent "
            "with a learning rate too high for the model, gradients that exploded (no "
            "clipping), or batches "
            "with extreme inputs or labels. Whatever the run scores afterwards, it recovered "
            "from (or was left by) a blow-up"
            + (", and validation numbers compared across it measure the recovery, not how "
               "the model fits" if several else "") + "."),
        fix=("Lower the learning rate or warm it up, clip gradients (optimizer "
             "clipnorm=1.0), and look for extreme values in the data (`unetdiag audit-data`)."))


def loss_magnitude_finding(claim: LossMagnitude) -> Finding:
    name, largest = claim.extreme("largest")
    data = claim.metrics[name]
    return finding(
        ids.LOSS_MAGNITUDE, claim,
        title=f"{claim.run}: {name} reaches {largest:.4g} (epoch {data['epoch']})",
        explanation=(
            f"{name} is {largest:.4g} at epoch {data['epoch']}, above {data['limit']:,.0f} "
            "from the first epoch logged. "
            "No loss of the kinds segmentation uses comes near this on labels in [0, 1], nor "
            "on labels left on 0..255: Keras clips probabilities to [1e-7, 1 - 1e-7], so "
            "binary cross-entropy is at most 16.1 a pixel (about 4,110 with a label of 255), "
            "1 - Dice at most 1, and a squared error of outputs in [0, 1] at most 65,025 on "
            "0..255 labels. A loss this large is consistent with outputs that are not "
            "probabilities (no sigmoid, or logits that blew up), a loss summed rather than "
            "averaged, or regression targets on a large scale (which make training slow and "
            "unstable)."),
        fix=("Make the model end in a sigmoid (or use from_logits=True), bring the labels to "
             "{0, 1} (`unetdiag audit-data` lists each mask's values) and any regression "
             "target to a unit scale."))


def iou_above_dice_finding(claim: IouAboveDice) -> Finding:
    details = "; ".join(
        f"{name} {data['value']:.4f} beside {data['dice']} {data['dice_value']:.4f} at epoch "
        f"{data['epoch']} (above it at {data['epochs_above']} of the {data['epochs']} epochs "
        "logging both)" for name, data in claim.metrics.items())
    names = list(claim.metrics)
    first = claim.metrics[names[0]]
    return finding(
        ids.IOU_ABOVE_DICE, claim,
        title=(f"{claim.run}: {join_names(names)} {verb(len(names), 'is', 'are')} above the "
               f"Dice logged beside {verb(len(names), 'it', 'them')} ({names[0]} "
               f"{first['value']:.4f}, {first['dice']} {first['dice_value']:.4f})"),
        explanation=(
            f"{details}. For the same pixels and predictions an IoU is at most its Dice "
            "(IoU = D / (2 - D) on one image), whether both are pooled over the pixels or "
            "averaged over the same images: an IoU above its Dice is not the same overlap "
            "measured the same way. Consistent with an IoU averaged over both classes "
            "(Keras's BinaryIoU averages the background's IoU in by default, "
            "target_class_ids=(0, 1)), an IoU of thresholded predictions beside a soft Dice "
            "of probabilities, a different smoothing constant, or the two averaged "
            "differently (pooled over an epoch's pixels against a mean over batches, where a "
            "batch with nothing to find can score 0)."),
        fix=("Report the object's IoU alone (BinaryIoU(target_class_ids=[1])) and compute "
             "Dice and IoU from the same thresholded predictions."))


def iou_below_dice_relation_finding(claim: IouBelowDiceRelation) -> Finding:
    details = "; ".join(
        f"{name} {data['value']:.4f} beside {data['dice']} {data['dice_value']:.4f}, whose "
        f"D/(2-D) is {data['expected']:.4f}, at epoch {data['epoch']} (below it by more than "
        f"{claim.margin:g} at {data['epochs_below']} of the {data['epochs']} epochs logging "
        "both)" for name, data in claim.metrics.items())
    names = list(claim.metrics)
    first = claim.metrics[names[0]]
    return finding(
        ids.IOU_BELOW_DICE_RELATION, claim,
        title=(f"{claim.run}: {names[0]} {first['value']:.4f} is below the "
               f"{first['expected']:.4f} that {first['dice']} {first['dice_value']:.4f} gives "
               "for the same overlap (IoU = D/(2-D))"),
        explanation=(
            f"{details}. An IoU pooled over the same pixels and predictions as its Dice equals "
            "D/(2-D) exactly; averaged over the same images or batches (Keras shows each "
            "epoch's running mean over its batches) it lies between D/(2-D) and D. An IoU "
            f"more than {claim.margin:g} below D/(2-D) is outside what that averaging "
            "explains: consistent with different thresholds (an IoU of probabilities beside a "
            "Dice of thresholded predictions, or two thresholds) or a metric computed on "
            "different pixels (another class, per image against pooled per batch, or a "
            "smoothing term that weighs in on small batches). The log does not say which, "
            "and neither score is shown to be wrong."),
        fix=("Compute Dice and IoU from the same thresholded predictions over the same pixels "
             "(or report IoU = D/(2-D) of the Dice) before comparing either with other work."))
