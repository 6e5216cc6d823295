"""The explain-log headline: "what is wrong with these runs?" in plain words, with the numbers.

Built on the one headline pipeline (:mod:`unetdiag.diag.wording.headline`): the rules below
run in order on the findings of the metric-series checks, with the runs as context. Labels
on the wrong scale are said first and alone (with any NaN and the fix); otherwise NaN, a
trivial predictor, flat validation metrics and an extreme foreground fraction are said in
that order. A run that was much slower per step is added at the end of any headline that
found something.

>>> from unetdiag.diag.logs.model import RunLog
>>> headline([RunLog("demo", [{"loss": 0.5}], [None], "")], [])
'Nothing in this run looks saturated, non-finite or out of range.'
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from unetdiag.diag.checks.saturation import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    DICE_ABOVE_ONE,
    DICE_EXCEEDS_ACCURACY_BOUND,
    FLAT_METRIC,
    IDENTICAL_ACROSS_RUNS,
    LABEL_SCALE_IDS,
    METRIC_AT_BASELINE,
    METRIC_OUT_OF_RANGE,
    NEGATIVE_LOSS,
    NON_FINITE,
    STEP_TIME_OUTLIER,
    all_ones_formula,
    describe_fingerprint,
    is_validation,
)
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.logs.model import RunLog
from unetdiag.diag.wording.headline import HeadlineRule, compose_headline
from unetdiag.diag.wording.text import capitalised, join_names, percent, verb

#: Said after the label-scale sentences: the one fix for masks stored as 0/255.
LABEL_SCALE_FIX = ("Map the masks to {0, 1} (divide 0/255 masks by 255 or threshold them) "
                   "before training.")
#: A trivial predictor's foreground fraction at or above this (or at or below
#: :data:`LOW_FOREGROUND_FRACTION`) blames the data set, not the models.
HIGH_FOREGROUND_FRACTION = 0.9
LOW_FOREGROUND_FRACTION = 0.01
_TRIVIAL_PREDICTOR_IDS = (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR)


def _with_id(findings: Iterable[Finding], finding_id: str) -> list[Finding]:
    return [f for f in findings if f.id == finding_id]


def _runs_subject(names: Sequence[str], total: int) -> str:
    """ "Both runs", "All 4 runs" when the names are every run, else the names."""
    if len(names) == total and total > 1:
        return f"All {total} runs" if total > 2 else "Both runs"
    return join_names(list(names))


# --------------------------------------------------------------------------- rules


def _label_scale(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Labels outside [0, 1], with the number that shows it."""
    if not {f.id for f in findings} & LABEL_SCALE_IDS:
        return None
    above = _with_id(findings, DICE_ABOVE_ONE)
    negative = _with_id(findings, NEGATIVE_LOSS)
    out_of_range = _with_id(findings, METRIC_OUT_OF_RANGE)
    parts = []
    if above:
        worst = max(above, key=lambda f: max(m["max"] for m in f.evidence["metrics"].values()))
        metric, data = max(worst.evidence["metrics"].items(), key=lambda item: item[1]["max"])
        affected = join_names([f.evidence["run"] for f in above])
        parts.append(f"{metric} reaches {data['max']:.4f} in {affected}, and a Dice cannot "
                     "exceed 1 when labels are in [0, 1]")
    if negative:
        worst = min(negative, key=lambda f: min(m["min"] for m in f.evidence["metrics"].values()))
        metric, data = min(worst.evidence["metrics"].items(), key=lambda item: item[1]["min"])
        parts.append(f"{metric} goes negative ({data['min']:.4g} in {worst.evidence['run']}), "
                     "which BCE and 1 - Dice never do with labels in [0, 1]")
    bound = _with_id(findings, DICE_EXCEEDS_ACCURACY_BOUND)
    if bound and not above:
        evidence = bound[0].evidence
        parts.append(f"{evidence['dice_metric']} {evidence['dice']:.4f} cannot go with "
                     f"{evidence['accuracy_metric']} {evidence['accuracy']:.4f} in "
                     f"{evidence['run']}: with labels in [0, 1] the Dice would be at most "
                     f"2(1+a)/(3+a) = {evidence['max_dice']:.4f}")
    if out_of_range and not parts:
        names = sorted({m for f in out_of_range for m in f.evidence["metrics"]})
        parts.append(f"{join_names(names)} leave [0, 1]")
    sentence = ("The masks are not normalised to [0, 1] (labels on a 0-255 scale, e.g. 0/255): "
                + "; ".join(parts) + ".")
    accuracies = [(name, value) for f in above for name, value in
                  f.evidence.get("final_accuracy", {}).items() if value < 0.5]
    if accuracies:
        name, value = accuracies[0]
        sentence += (f" The {name} of {value:.4f} is that low because a label of 255 never "
                     "equals a prediction of 1.")
    return sentence


def _non_finite(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """Where each run's metrics went NaN."""
    parts = []
    for finding in _with_id(findings, NON_FINITE):
        evidence = finding.evidence
        metrics = evidence["metrics_at_onset"]
        parts.append(f"in {evidence['run']}, {join_names(metrics)} "
                     f"{verb(len(metrics), 'is', 'are')} NaN from epoch "
                     f"{evidence['onset_epoch']} of {evidence['epochs']}")
    return capitalised("; ".join(parts)) + "." if parts else None


def _label_scale_fix(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    return LABEL_SCALE_FIX if {f.id for f in findings} & LABEL_SCALE_IDS else None


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
    predictor = reference.evidence["predictor"]
    fraction = phase["foreground_fraction"]
    followers = [f for f in _with_id(findings, METRIC_AT_BASELINE)
                 if f.evidence.get("predictor") == predictor
                 and f.evidence.get("foreground_fraction") == fraction]
    names = [f.evidence["run"] for f in fingerprints] + [f.evidence["run"] for f in followers]
    names = [run.name for run in runs if run.name in names]
    subject = _runs_subject(names, len(runs))
    sits = verb(len(names), "sits", "sit")
    reported = describe_fingerprint(phase)
    exact = join_names([f.evidence["run"] for f in fingerprints])
    reports = verb(len(fingerprints), "reports", "report")
    if predictor == "all_ones":
        dice_words = (f" and {phase['dice_metric']} 2f/(1+f) = {all_ones_formula(fraction)}"
                      if phase.get("dice_metric") else "")
        sentence = (
            f"{subject} {sits} on an all-ones predictor for foreground fraction {fraction:.4g}: "
            f"on {phase_name} data that is {percent(fraction)} foreground, "
            f"predicting every pixel as foreground scores {phase['accuracy_metric']} "
            f"{fraction:.4f}{dice_words}, exactly the {reported} that {exact} {reports}")
    else:
        sentence = (
            f"{subject} {sits} on an all-zeros predictor: {reported} are what predicting no "
            f"foreground at all scores on {phase_name} data that is "
            f"{percent(fraction)} foreground (f = 1 - {phase['accuracy']:.4f}), "
            f"as {exact} {reports}")
    if followers:
        follower = followers[0].evidence
        sentence += (f"; {join_names([f.evidence['run'] for f in followers])} "
                     f"{verb(len(followers), 'shows', 'show')} the same "
                     f"{follower['metric']} {follower['value']:.4f}")
    return sentence + "."


def _flat_metrics(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """ "In every run, val_accuracy never moved across epochs; in A and B, val_loss did not
    move either" """
    flat: dict[str, list[str]] = {}
    for finding in _with_id(findings, FLAT_METRIC):
        never = [m for m, d in finding.evidence["metrics"].items()
                 if is_validation(m) and d["flat_epochs"] == d["epochs"]]
        if never:
            flat[finding.evidence["run"]] = never
    if not flat:
        return None
    identical = sorted((f for f in _with_id(findings, IDENTICAL_ACROSS_RUNS)
                        if f.evidence["constant_across_epochs"]),
                       key=lambda f: -len(f.evidence["runs"]))
    ordered = [run.name for run in runs if run.name in flat]
    common = [m for m in flat[ordered[0]] if all(m in flat[r] for r in ordered)]
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in ordered:
        groups.setdefault(tuple(m for m in flat[name] if m not in common), []).append(name)
    clauses = []
    if common:
        where = ("every run" if len(ordered) == len(runs) and len(runs) > 1
                 else join_names(ordered))
        clauses.append(f"In {where}, {join_names(common)} never moved across epochs")
    for extra, names in groups.items():
        if extra:
            moved = "did not move either" if common else "never moved across epochs"
            clauses.append(f"in {join_names(names)}, {join_names(list(extra))} {moved}")
    sentence = "; ".join(clauses)
    if identical:
        widest = identical[0].evidence
        who = (f"all {len(widest['runs'])} runs" if len(widest["runs"]) == len(runs)
               else join_names(widest["runs"]))
        sentence += f" ({widest['metric']} is {widest['value']:.4f} in {who})"
    model = verb(len(runs), "the model", "the models")
    return capitalised(sentence) + f": {model} learned nothing from the images."


def _extreme_foreground(findings: Sequence[Finding], runs: Sequence[RunLog]) -> str | None:
    """A trivial predictor on data that is almost all (or almost no) foreground."""
    fraction = _trivial_fraction(findings)
    if fraction is None or LOW_FOREGROUND_FRACTION < fraction < HIGH_FOREGROUND_FRACTION:
        return None
    return (f"A data set that is {percent(fraction)} foreground is the problem, not the "
            "models: check the masks with `unetdiag audit-data`.")


def _trivial_fraction(findings: Sequence[Finding]) -> float | None:
    for finding in findings:
        if finding.id in _TRIVIAL_PREDICTOR_IDS:
            fraction = finding.evidence["foreground_fraction"]
            return fraction if math.isfinite(fraction) else None
    return None


#: The explain-log headline, most important first. Labels on the wrong scale end it (the
#: other symptoms follow from them).
HEADLINE_RULES = (
    HeadlineRule("label scale", _label_scale),
    HeadlineRule("non-finite metrics", _non_finite),
    HeadlineRule("label scale fix", _label_scale_fix, final=True),
    HeadlineRule("trivial predictor", _trivial_predictor),
    HeadlineRule("flat validation metrics", _flat_metrics),
    HeadlineRule("extreme foreground fraction", _extreme_foreground),
)


def _slower_runs(findings: Sequence[Finding], said: str) -> list[str]:
    """ "X also ran 11.5x slower per step (23 s vs 2 s)." for each slow run not yet named by
    its own title."""
    sentences = []
    for outlier in _with_id(findings, STEP_TIME_OUTLIER):
        evidence = outlier.evidence
        if outlier.title.rstrip(".") + "." != said:
            others = float(np.median(list(evidence["other_runs_step_seconds"].values())))
            sentences.append(f"{evidence['run']} also ran {evidence['ratio']:.1f}x slower per "
                             f"step ({evidence['step_seconds']:g} s vs {others:g} s).")
    return sentences


def headline(runs: Sequence[RunLog], findings: Sequence[Finding]) -> str:
    """One short paragraph answering "what is wrong with this run?", with the numbers."""
    count = len(runs)
    quiet = (f"Nothing in {'this run' if count == 1 else f'these {count} runs'} looks "
             "saturated, non-finite or out of range.")
    said = compose_headline(HEADLINE_RULES, findings, runs, quiet=quiet)
    if said == quiet:
        return said
    return " ".join([said, *_slower_runs(findings, said)])
