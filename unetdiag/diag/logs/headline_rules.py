"""The explain-log headline's rules: what each finding of the metric-series checks says when
it leads the answer, run in order (:data:`HEADLINE_RULES`) on the one headline pipeline
(:mod:`unetdiag.diag.wording.headline`) by :mod:`unetdiag.diag.logs.headline`.

A score that collapsed to 0 is said first. Values labels and predictions in [0, 1] cannot
produce come next and end the headline (with any NaN and the fix), naming each cause the
numbers fit; otherwise NaN, a constant predictor, a Dice or IoU at 0 throughout, the class
prior, a perfect accuracy, frozen metrics and an extreme foreground fraction are said in that
order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from unetdiag.diag.checks.saturation.evidence import Cause
from unetdiag.diag.checks.saturation.ids import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    CLASS_PRIOR_LOSS,
    DICE_ABOVE_ONE,
    DICE_EXCEEDS_ACCURACY_BOUND,
    FLAT_METRIC,
    IDENTICAL_ACROSS_RUNS,
    IOU_EXCEEDS_ACCURACY_BOUND,
    LABEL_SCALE_IDS,
    METRIC_AT_BASELINE,
    METRIC_OUT_OF_RANGE,
    NEGATIVE_LOSS,
    NON_FINITE,
    PERFECT_ACCURACY,
    SCORE_COLLAPSED,
    SCORE_ZERO_FEW_EPOCHS,
    SCORE_ZERO_THROUGHOUT,
    VALIDATION_NOT_SCORED,
)
from unetdiag.diag.checks.saturation.metrics import is_validation, validation_first
from unetdiag.diag.checks.saturation.printed import printed_ends
from unetdiag.diag.checks.saturation.thresholds import SATURATION_TOLERANCE
from unetdiag.diag.checks.saturation.wording_scale import BOUND_FORMULAS, SCORE_NAMES
from unetdiag.diag.checks.saturation.wording_unscored import (
    both_zero,
    not_scored_causes,
    not_scored_where,
    zeros_phrase,
)
from unetdiag.diag.checks.saturation.words import (
    all_ones_bound,
    all_ones_formula,
    consistent_with,
    describe_fingerprint,
    epoch_list,
    epoch_of,
    epoch_span,
    non_finite_when,
    non_finite_word,
    printed_range,
)
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.logs.after_headline import (
    score_moved,
    with_id,
)
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.wording.headline import HeadlineRule
from unetdiag.diag.wording.text import capitalised, join_names, near_zero, percent, verb

#: Said after the label-scale sentences: the one fix for masks stored as 0/255.
LABEL_SCALE_FIX = ("Map the masks to {0, 1} (divide 0/255 masks by 255 or threshold them) "
                   "before training.")
#: The fix when labels and predictions may both be to blame.
SCALE_FIX = ("Check the masks' values (`unetdiag audit-data`) and that the model ends in a "
             "sigmoid whose output the metrics get.")
#: The fix when the labels are not exactly 0 and 1 (or the accuracy not of these masks).
BINARY_FIX = ("Threshold the masks to {0, 1} before training (8-bit masks: > 127); if they are "
              "binary already, check which accuracy the run logs.")
#: The fix when only a metric's own computation can explain the numbers.
METRIC_FIX = "Check how the metric is computed: count the matches by hand on one batch."
#: The fix when an accuracy in [0, 100] may be a percentage.
PERCENT_FIX = ("Divide a metric reported in percent by 100 before judging it; otherwise check "
               "how it is computed: count the matches by hand on one batch.")
#: A trivial predictor's foreground fraction at or above this (or at or below
#: :data:`LOW_FOREGROUND_FRACTION`) blames the data set, not the models.
HIGH_FOREGROUND_FRACTION = 0.9
LOW_FOREGROUND_FRACTION = 0.01
_TRIVIAL_PREDICTOR_IDS = (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)
_LABELS = [Cause.LABELS_ABOVE_ONE.value]
_WRONG_METRIC = [Cause.METRIC_COMPUTED_WRONGLY.value]
_PERCENT_OR_WRONG = [Cause.METRIC_IN_PERCENT.value, Cause.METRIC_COMPUTED_WRONGLY.value]


def _runs_subject(names: Sequence[str], total: int) -> str:
    """ "Both runs", "All 4 runs" when the names are every run, else the names."""
    if len(names) == total and total > 1:
        return f"All {total} runs" if total > 2 else "Both runs"
    return join_names(list(names))


def _scale_causes(findings: Sequence[Finding]) -> list[str]:
    """Every cause the scale findings' numbers fit, in a fixed order."""
    found = {cause for f in findings if f.id in LABEL_SCALE_IDS
             for cause in f.evidence.get("consistent_with", ())}
    return [cause.value for cause in Cause if cause.value in found]


def _scale_parts(findings: Sequence[Finding]) -> list[str]:
    """The numbers that leave [0, 1], one clause per kind of finding."""
    parts = []
    above = with_id(findings, DICE_ABOVE_ONE)
    if above:
        worst = max(above, key=lambda f: max(m["max"] for m in f.evidence["metrics"].values()))
        metric, data = max(worst.evidence["metrics"].items(), key=lambda item: item[1]["max"])
        parts.append(f"{metric} reaches {data['max']:.4f} in "
                     f"{join_names([f.evidence['run'] for f in above])}, and a Dice cannot "
                     "exceed 1 for labels and predictions in [0, 1]")
    for finding in with_id(findings, METRIC_OUT_OF_RANGE):
        for metric, data in finding.evidence["metrics"].items():
            value = data["max"] if data["max"] > 1 else data["min"]
            parts.append(f"{metric} reaches {value:.4f} in {finding.evidence['run']}")
    negative = with_id(findings, NEGATIVE_LOSS)
    if negative:
        worst = min(negative, key=lambda f: min(m["min"] for m in f.evidence["metrics"].values()))
        metric, data = min(worst.evidence["metrics"].items(), key=lambda item: item[1]["min"])
        parts.append(f"{metric} goes negative ({data['min']:.4g} in {worst.evidence['run']}), "
                     "which BCE and 1 - Dice never do with labels and predictions in [0, 1]")
    for finding_id, kind in ((DICE_EXCEEDS_ACCURACY_BOUND, "dice"),
                             (IOU_EXCEEDS_ACCURACY_BOUND, "iou")):
        bound = with_id(findings, finding_id)
        if bound and not above:
            evidence = bound[0].evidence
            parts.append(
                f"{evidence[f'{kind}_metric']} {evidence[kind]:.4f} cannot go with "
                f"{evidence['accuracy_metric']} {evidence['accuracy']:.4f} in {evidence['run']}: "
                f"for masks of exactly 0 and 1 the {SCORE_NAMES[kind]} would be at most "
                f"{BOUND_FORMULAS[kind]} = {evidence[f'max_{kind}']:.4f}")
    return parts


def _label_scale(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Values outside [0, 1], with the numbers that show it and every cause they fit."""
    if not {f.id for f in findings} & LABEL_SCALE_IDS:
        return None
    found, parts = _scale_causes(findings), "; ".join(_scale_parts(findings))
    if found == _LABELS:
        sentence = ("The masks are not normalised to [0, 1] (labels on a 0-255 scale, e.g. "
                    f"0/255): {parts}.")
        accuracies = [(name, value) for f in with_id(findings, DICE_ABOVE_ONE)
                      for name, value in f.evidence.get("final_accuracy", {}).items()
                      if value < 0.5]
        if accuracies:
            name, value = accuracies[0]
            sentence += (f" The {name} of {value:.4f} is that low because a label of 255 never "
                         "equals a prediction of 1.")
        return sentence
    if found in (_WRONG_METRIC, _PERCENT_OR_WRONG):
        return ("An accuracy is a share of matches and cannot leave [0, 1] whatever the labels "
                f"and predictions are, yet {parts}: {consistent_with(found)}.")
    if Cause.LABELS_NOT_BINARY.value in found:
        return (f"These metrics cannot all be measuring masks of exactly 0 and 1: {parts}. The "
                f"numbers are {consistent_with(found)}.")
    return (f"Out of reach of labels and predictions in [0, 1] under the usual losses and "
            f"metrics: {parts}; {consistent_with(found)}.")


def _label_scale_fix(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    if not {f.id for f in findings} & LABEL_SCALE_IDS:
        return None
    found = _scale_causes(findings)
    if found == _LABELS:
        return LABEL_SCALE_FIX
    if found == _WRONG_METRIC:
        return METRIC_FIX
    if found == _PERCENT_OR_WRONG:
        return PERCENT_FIX
    return BINARY_FIX if Cause.LABELS_NOT_BINARY.value in found else SCALE_FIX


def _non_finite(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Where each run's metrics went NaN (and which stayed finite, when few did)."""
    parts = []
    for finding in with_id(findings, NON_FINITE):
        evidence = finding.evidence
        metrics, finite = evidence["metrics_at_onset"], evidence.get("finite_throughout", [])
        when = non_finite_when(evidence) or "from " + epoch_of(
            evidence["onset_epoch"], evidence["epochs"], evidence["last_epoch"])
        # metrics that turn non-finite later and stay so at the end (a validation loss
        # after the training loss came back)
        later = [name for name, epoch in evidence["first_non_finite_epoch"].items()
                 if name not in metrics and name not in evidence["recovered"]]
        also = (f"; {join_names(later)} also {verb(len(later), 'turns', 'turn')} non-finite "
                f"at epoch {min(evidence['first_non_finite_epoch'][n] for n in later)} and "
                f"still {verb(len(later), 'is', 'are')} at the last epoch" if later else "")
        parts.append(f"in {evidence['run']}, {join_names(metrics)} "
                     f"{verb(len(metrics), 'is', 'are')} "
                     f"{non_finite_word(evidence['values_at_onset'])} {when}{also}"
                     + (f" ({join_names(finite)} {verb(len(finite), 'stays', 'stay')} finite)"
                        if 0 < len(finite) <= 3 else ""))
    return capitalised("; ".join(parts)) + "." if parts else None


def _not_scored(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Validation loss and score both 0 at every epoch (or several): no measurement."""
    parts = []
    exact = True
    for finding in with_id(findings, VALIDATION_NOT_SCORED):
        evidence = finding.evidence
        if finding.severity is Severity.INFO:
            continue
        found = evidence.get("exact", True)
        exact = exact and found
        where = not_scored_where(evidence["epochs"], evidence["every_epoch"], False)
        zeros = zeros_phrase(list(evidence["metrics"]), found, evidence.get("printed", ""))
        parts.append(f"in {evidence['run']}, {zeros} {where}")
    if not parts:
        return None
    return (capitalised("; ".join(parts)) + f": {both_zero(exact)} are no measurement of any "
            f"predictions, {not_scored_causes(exact, short=True)}.")


def _collapse(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """A Dice or IoU that fell to 0: no true positive left (almost none, for a value near 0
    but not 0)."""
    parts = []
    exact = True
    for finding in with_id(findings, SCORE_COLLAPSED):
        evidence = finding.evidence
        name, data = next(iter(evidence["metrics"].items()))
        exact = exact and bool(data.get("exactly_zero"))
        losses = join_names([f"{n} {v:.4f}" for n, v in evidence["losses"].items()])
        parts.append(f"in {evidence['run']}, {name} collapsed from {data['before']:.4f} at epoch "
                     f"{data['before_epoch']} to {data['value']:.4g} at epoch {data['epoch']}"
                     + (f" ({losses})" if losses else ""))
    if not parts:
        return None
    return capitalised("; ".join(parts)) + (
        ": not one true positive pixel is left." if exact else
        ": almost no true positive pixels are left (near 0, not 0).")


def _zero_throughout(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """A Dice or IoU at 0 at every epoch: no true positive ever (unless a constant
    predictor's fingerprint already says more of that run)."""
    fingerprinted = {f.evidence["run"] for f in findings if f.id in _TRIVIAL_PREDICTOR_IDS}
    parts = []
    exact = True
    late_few = [f for f in with_id(findings, SCORE_ZERO_FEW_EPOCHS)
                if f.severity is Severity.WARNING]  # one or two epochs, from epoch 10 on
    for finding in [*with_id(findings, SCORE_ZERO_THROUGHOUT), *late_few]:
        if finding.evidence["run"] in fingerprinted:
            continue
        metrics = finding.evidence["metrics"]
        name = validation_first(metrics)
        exact = exact and metrics[name]["value"] == 0
        epochs = metrics[name]["epochs"]
        parts.append(f"in {finding.evidence['run']}, {name} is "
                     f"{near_zero(metrics[name]['value'])} " + (
            f"at every one of the {epochs} epochs" if isinstance(epochs, int) else
            f"at epoch{'s' if len(epochs) > 1 else ''} {epoch_span(epochs)}, "
            f"the only one{'s' if len(epochs) > 1 else ''} logged"))
    if not parts:
        return None
    return (capitalised("; ".join(parts)) + (
        ": not one true positive pixel in any epoch logged " if exact else
        ": almost no true positive pixels in any epoch logged (near 0, not 0) ")
        + "(consistent with masks empty as the model reads them, or a model that predicts "
            "no foreground).")


def _trivial_predictor(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Which runs score exactly what an all-ones or all-zeros predictor scores, and why."""
    fingerprints = [f for f in findings if f.id in _TRIVIAL_PREDICTOR_IDS
                    and "validation" in f.evidence["phases"]]
    if not fingerprints:
        fingerprints = [f for f in findings if f.id in _TRIVIAL_PREDICTOR_IDS]
    if not fingerprints:
        return None
    reference = fingerprints[0]
    phase_name = "validation" if "validation" in reference.evidence["phases"] else "training"
    phase = reference.evidence["phases"][phase_name]
    predictor, fraction = reference.evidence["predictor"], phase["foreground_fraction"]
    proven = all(f.evidence.get("proven") for f in fingerprints)
    followers = [f for f in with_id(findings, METRIC_AT_BASELINE)
                 if f.evidence.get("predictor") == predictor
                 and f.evidence.get("foreground_fraction") == fraction]
    names = [run.name for run in runs if run.name in {f.evidence["run"] for f in fingerprints}]
    subject = _runs_subject(names, len(runs))
    reported = describe_fingerprint(phase)
    if predictor == "all_ones":
        dice_words = (f" and {phase['dice_metric']} 2f/(1+f) = {all_ones_formula(fraction)}"
                      if phase.get("dice_metric") else "")
        true_negatives = phase.get("true_negative_share", 0.0)
        exactly = "close to" if true_negatives > SATURATION_TOLERANCE else "exactly"
        does = (f"{verb(len(names), 'predicts', 'predict')} every pixel as foreground" if proven
                else f"{verb(len(names), 'scores', 'score')} {exactly} what an all-ones "
                f"predictor scores for foreground fraction {fraction:.4g}")
        # unproven, the numbers give TN = 0 and TP = accuracy: f is bounded below, not known
        # (red team s31: f = 0.9 with FN = FP = 0.1 logs the same 0.8000 and 0.8889)
        sentence = (
            f"{subject} {does}: on {phase_name} data that is {percent(fraction)} foreground, "
            f"predicting every pixel as foreground scores {phase['accuracy_metric']} "
            f"{fraction:.4f}{dice_words}, exactly the {reported} "
            f"{verb(len(names), 'it reports', 'they report')}" if proven else
            f"{subject} {does}: {phase['accuracy_metric']} {fraction:.4f}{dice_words}, "
            f"{exactly} the {reported} {verb(len(names), 'it reports', 'they report')}. "
            + all_ones_bound(phase, phase_name))
    elif not all(f.evidence["phases"][phase_name if phase_name in f.evidence["phases"]
                                       else next(iter(f.evidence["phases"]))].get(
                     "scores_exactly_zero", True) for f in fingerprints):
        # a Dice near 0 but not 0: a few true positives, so no "no foreground at all"
        sentence = (
            f"{subject} {verb(len(names), 'scores', 'score')} nearly what an all-zeros "
            f"predictor scores: {reported}, a Dice or IoU near 0 but not 0 (up to "
            f"{phase['zero_tolerance']:g} counts as the 0 of an empty prediction): few "
            f"{phase_name} pixels are true positives, and at most "
            f"{percent(phase['foreground_fraction_at_most'])} of the {phase_name} pixels are "
            "foreground (f <= 1 - "
            f"{phase['accuracy']:.4f} + TP, for a pooled Dice)")
    else:
        does = (f"{verb(len(names), 'predicts', 'predict')} no foreground at all" if proven
                else f"{verb(len(names), 'scores', 'score')} what an all-zeros predictor scores")
        sentence = (
            f"{subject} {does}: {reported} are what predicting no foreground at all scores on "
            f"{phase_name} data that is {percent(fraction)} foreground (f = 1 - "
            f"{phase['accuracy']:.4f}), as {verb(len(names), 'it reports', 'they report')}"
            + ("" if proven else f"; a score of 0 means no true positive, so at most "
               f"{percent(fraction)} of the {phase_name} pixels are foreground"))
    if followers:
        follower = followers[0].evidence
        sentence += (f"; {join_names([f.evidence['run'] for f in followers])} "
                     f"{verb(len(followers), 'shows', 'show')} the same "
                     f"{follower['metric']} {follower['value']:.4f}")
    return sentence + "."


def _class_prior(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    parts = []
    for finding in with_id(findings, CLASS_PRIOR_LOSS):
        name, data = next(iter(finding.evidence["metrics"].items()))
        parts.append(
            f"in {finding.evidence['run']}, {name} ({printed_range(data)}) matches H(f) = "
            f"{data['entropy']:.4f} for the class fraction f = {data['prior']:.4g} that "
            f"{data['accuracy_metric']} {data['accuracy']:.4f} implies, at "
            f"{epoch_list(data['epochs_matched'], data['epochs'])}")
    if not parts:
        return None
    return (capitalised("; ".join(parts)) + ": consistent with a model that outputs the class "
            "prior at every pixel and ignores the images.")


def _perfect_accuracy(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    parts = []
    pixels = all(f.evidence.get("segmentation", True)
                 for f in with_id(findings, PERFECT_ACCURACY))
    for finding in with_id(findings, PERFECT_ACCURACY):
        metrics = finding.evidence["metrics"]
        validation = [n for n in metrics if is_validation(n)]
        training = [n for n in metrics if not is_validation(n)]
        first = metrics[validation[0]]
        parts.append(f"in {finding.evidence['run']}, {join_names(validation)} "
                     f"{verb(len(validation), 'is', 'are')} 1.0000 at "
                     f"{epoch_list(first['epochs_at_one'], first['epochs'])}"
                     + (f", and {join_names(training)} too" if training else ""))
    if not parts:
        return None
    if not pixels:  # no Dice or IoU logged: perhaps a classifier, whose accuracy counts samples
        return (capitalised("; ".join(parts)) + ": every validation prediction right to four "
                "decimals (every pixel or every sample), which real models rarely give; "
                "consistent with validation labels of (almost) one class, validation data "
                "that is also training data, or a trivial task.")
    return (capitalised("; ".join(parts)) + ": every validation pixel right to four decimals, "
            "which real segmentation rarely gives; consistent with validation masks of "
            "(almost) one class, validation images that are also training images, or trivial "
            "masks.")


def _flat_clauses(findings: Sequence[Finding]) -> tuple[dict[str, list[str]],
                                                       dict[str, list[str]], list[str]]:
    """Per run, the validation metrics that never moved (a schedule's plateau, an accuracy
    that means nothing and a run whose numbers went NaN left out); per run, those flat at
    every epoch that printed two values, as "val_acc stayed within 0.9000 to 0.9001"; and the
    sentences about stuck training and meaningless accuracies."""
    flat: dict[str, list[str]] = {}
    held: dict[str, list[str]] = {}
    other = []
    # once the weights are NaN every number freezes: the NaN sentence says why
    broken = {f.evidence["run"] for f in with_id(findings, NON_FINITE)}
    # a score at 0 throughout has its own sentence
    zero = {f.evidence["run"]: set(f.evidence["metrics"])
            for f in with_id(findings, SCORE_ZERO_THROUGHOUT)}
    for finding in with_id(findings, FLAT_METRIC):
        evidence = finding.evidence
        metrics, run = evidence["metrics"], evidence["run"]
        if run in broken:
            continue
        throughout = [m for m, d in metrics.items()
                      if is_validation(m) and d["flat_epochs"] == d["epochs"]
                      and not d.get("schedule") and m not in evidence["uninformative"]
                      and not d.get("scores_moving") and not d.get("training_only")
                      and m not in zero.get(run, ())]
        never = [m for m in throughout if not metrics[m].get("moved_between")]
        # a plateau of one printed unit (0.9000, 0.9001) is no less a plateau: its range
        moved = [f"{m} stayed within {' to '.join(printed_ends(metrics[m]))}"
                 for m in throughout if metrics[m].get("moved_between")]
        if evidence["stuck"] and evidence.get("repeated"):
            # one sentence for every value: 'never moved' of two epochs says the same
            since = min(d["from_epoch"] for d in metrics.values())
            other.append(f"in {run}, {join_names(list(metrics))} repeat their printed values "
                         f"at epochs {since} and {since + 1}: consistent with training that "
                         "makes no progress")
            continue
        if never:
            flat[run] = never
        if moved:
            held[run] = moved
        if evidence["stuck"]:
            training = [m for m in metrics if not is_validation(m)]
            since = max(metrics[m]["from_epoch"] for m in training)
            # values that printed two values moved, if within the flat spread: their range
            ranges = [f"{m} {' to '.join(printed_ends(metrics[m]))}"
                      for m in training if metrics[m].get("moved_between")]
            other.append(f"in {run}, {join_names(training)} "
                         + (f"{verb(len(training), 'has', 'have')} stayed flat since epoch "
                            f"{since} ({join_names(ranges)})" if ranges else
                            f"{verb(len(training), 'has', 'have')} not moved since epoch "
                            f"{since}")
                         + ": training is stuck")
        if evidence["uninformative"]:
            names = evidence["uninformative"]
            values = join_names([f"{n} {metrics[n]['value']:.4f}" for n in names])
            other.append(f"in {run}, {values} {verb(len(names), 'stays', 'stay')} near 0 while "
                         "the loss moves, as an accuracy on continuous targets (a regression) "
                         "does: it says nothing about learning here")
    return flat, held, other


def _flat_metrics(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """ "In every run, val_accuracy never moved across epochs; in A and B, val_loss did not
    move either" """
    flat, held, other = _flat_clauses(findings)
    said = capitalised("; ".join(other)) + "." if other else ""
    if not flat and not held:
        return said or None
    identical = sorted((f for f in with_id(findings, IDENTICAL_ACROSS_RUNS)
                        if f.evidence["constant_across_epochs"]),
                       key=lambda f: -len(f.evidence["runs"]))
    ordered = [run.name for run in runs if run.name in flat or run.name in held]
    common = [m for m in flat.get(ordered[0], [])
              if all(m in flat.get(r, []) for r in ordered)]
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in ordered:
        groups.setdefault(tuple(m for m in flat.get(name, []) if m not in common),
                          []).append(name)
    clauses = []
    if common:
        where = ("every run" if len(ordered) == len(runs) and len(runs) > 1
                 else join_names(ordered))
        clauses.append(f"In {where}, {join_names(common)} never moved across epochs")
    for extra, names in groups.items():
        if extra:
            moved = "did not move either" if common else "never moved across epochs"
            clauses.append(f"in {join_names(names)}, {join_names(list(extra))} {moved}")
    clauses += [f"in {name}, {join_names(held[name])} across epochs"
                for name in ordered if name in held]
    sentence = "; ".join(clauses)
    if identical:
        widest = identical[0].evidence
        count = len(widest["runs"])
        who = (("both runs" if count == 2 else f"all {count} runs") if count == len(runs)
               else join_names(widest["runs"]))
        sentence += f" ({widest['metric']} is {widest['value']:.4f} in {who})"
    # every metric the flat finding names, training ones included (a stuck loss is among them)
    frozen = {f.evidence["run"]: list(f.evidence["metrics"])
              for f in with_id(findings, FLAT_METRIC)}
    moving = [run.name for run in runs
              if run.name in ordered and _loss_moved(run, frozen.get(run.name, []))]
    if moving:  # a loss that keeps falling says the model learns something
        where = "" if moving == ordered else f" in {join_names(moving)}"
        ending = (f", while the loss kept moving{where}: whatever the model learned "
                  f"{'barely' if held else 'did not'} "
                  f"change{'d' if held else ''} what these metrics count.")
    elif scored := [(run.name, change) for run in runs if run.name in ordered
                    and (change := score_moved(run, _flat_spread(findings, run.name)))]:
        # a validation Dice that moved says the predictions changed: no "learned nothing"
        # (red team s31: val_dice_coef 0.81 -> 0.85 under a val_accuracy frozen at 0.50)
        where = [f"{change}{f' in {name}' if len(ordered) > 1 else ''}"
                 for name, change in scored]
        ending = (f", while {join_names(where)} over the same epochs: the predictions changed "
                  "in a way accuracy does not count (consistent with probabilities that move "
                  "without crossing its threshold).")
    else:
        # the loss moved less than 5 %: consistent with learning nothing, not proof of it (a
        # loss that fell 2 % in epoch 2 and froze, keras#12513)
        ending = (": the loss barely moved either, consistent with "
                  f"{verb(len(runs), 'a model that', 'models that')} learned nothing."
                  if any(_logs_loss(run) for run in runs if run.name in ordered) else
                  ": the log shows no loss to tell whether anything else was learned.")
    return " ".join(filter(None, [capitalised(sentence) + ending, said]))


def _flat_spread(findings: Sequence[Finding], run: str) -> float:
    """The spread within which the run's flat finding called a metric flat."""
    return next(f.evidence["spread"] for f in with_id(findings, FLAT_METRIC)
                if f.evidence["run"] == run)


def _logs_loss(run: RunLog) -> bool:
    """The run logs a training or validation loss at two epochs or more."""
    return any(len([v for v in run.series(name).tolist() if math.isfinite(v)]) >= 2
               for name in ("loss", "val_loss"))


def _loss_moved(run: RunLog, flat: Sequence[str]) -> bool:
    """The run logs a loss that is not flat at its end (not among ``flat``) and spans more
    than 5 % of its size."""
    for name in ("loss", "val_loss"):
        values = [v for v in run.series(name).tolist() if math.isfinite(v)]
        if name not in flat and len(values) >= 2 and (
                max(values) - min(values) > 0.05 * max(abs(v) for v in values)):
            return True
    return False


def _extreme_foreground(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """A trivial predictor on data that is almost all (or almost no) foreground."""
    fraction = _trivial_fraction(findings)
    if fraction is None or LOW_FOREGROUND_FRACTION < fraction < HIGH_FOREGROUND_FRACTION:
        return None
    return (f"If the data set is {percent(fraction)} foreground, it is the problem, not the "
            "models: check the masks with `unetdiag audit-data`.")


def _trivial_fraction(findings: Sequence[Finding]) -> float | None:
    for finding in findings:
        if finding.id in _TRIVIAL_PREDICTOR_IDS:
            fraction = finding.evidence["foreground_fraction"]
            return fraction if math.isfinite(fraction) else None
    return None


#: The explain-log headline, most important first. Values outside [0, 1] end it (the other
#: symptoms follow from them).
HEADLINE_RULES = (
    HeadlineRule("collapsed score", _collapse),
    HeadlineRule("label scale", _label_scale),
    HeadlineRule("non-finite metrics", _non_finite),
    HeadlineRule("validation not scored", _not_scored),
    HeadlineRule("label scale fix", _label_scale_fix, final=True),
    HeadlineRule("trivial predictor", _trivial_predictor),
    HeadlineRule("score zero throughout", _zero_throughout),
    HeadlineRule("class prior", _class_prior),
    HeadlineRule("perfect accuracy", _perfect_accuracy),
    HeadlineRule("flat metrics", _flat_metrics),
    HeadlineRule("extreme foreground fraction", _extreme_foreground),
)
