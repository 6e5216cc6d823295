"""The report of ``unetdiag train``: the run's own findings (interrupted, stopped early, run
folder renamed), the metric-series checks over the histories, the fingerprints checked against
the measured masks, and the headline, built with the shared pipeline
(:func:`~unetdiag.diag.wording.headline.compose_headline`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unetdiag.config import TrainConfig
from unetdiag.diag.audit.empty_causes import (
    empty_batches_of_alike_colours,
    empty_batches_of_label_maps,
)
from unetdiag.diag.checks.saturation import (
    ALL_ONES_PREDICTOR,
    ALL_ZEROS_PREDICTOR,
    METRIC_AT_BASELINE,
    SATURATION_TOLERANCE,
    check_across_runs,
    check_series,
)
from unetdiag.diag.checks.saturation.reconcile import reconcile_fingerprints
from unetdiag.diag.core.dice import all_ones_dice
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.logs.explain import headline as explain_headline
from unetdiag.diag.logs.headline import NOTHING_FOUND, headline_parts
from unetdiag.diag.logs.parse import RunLog
from unetdiag.diag.wording.headline import HeadlineRule, compose_headline, listed_titles
from unetdiag.diag.wording.text import verb
from unetdiag.training.data_stats import metric_baselines
from unetdiag.training.measured_causes import MEASURED_CAUSE, measured_causes
from unetdiag.training.resize_kept_wording import FINDING_ID as RESIZE_LOSES_FOREGROUND
from unetdiag.training.run.summary import STOPPED_STATUSES, VariantResult, run_outcome


def train_report(config: TrainConfig, run_dir: Path, results: dict[str, VariantResult],
                 meta: dict[str, Any], data_findings: Sequence[Finding],
                 interrupted_during: str | None, *, resume_options: str = "") -> Report:
    """The run's :class:`Report`: ``data_findings`` (pairing, masks), each variant's findings,
    the history checks, the run's own findings; its ``outcome`` says how the run ended
    (``interrupted_during``: the variant or stage a Ctrl-C landed in, None when none did;
    ``resume_options``: what the resume command it proposes must ask again, config.json not
    holding it)."""
    baselines = metric_baselines(meta["val_baselines"]) if "val_baselines" in meta else None
    findings = list(data_findings)
    findings += [f for r in results.values() for f in r.findings]
    findings += history_findings(results, baselines, config.diagnostics)
    findings += run_findings(results, config, run_dir, interrupted_during, resume_options)
    findings += below_baseline_findings(results, meta.get("val_baselines"),
                                        meta.get("val_foreground_fraction"),
                                        empty_rule=config.empty_rule,
                                        empty_masks=meta.get("val_empty_masks"),
                                        masks=meta.get("val_masks_scored"),
                                        scored_only=bool(config.mask_policy.ignore_values))
    findings = reconcile_fingerprints(
        findings, meta.get("val_foreground_fraction"),
        train_foreground_fraction=meta.get("train_foreground_fraction"))
    findings = measured_causes(findings, results, meta)
    findings = _batches_mostly_foreground_measured(findings)
    findings = _all_ones_at_measured_baseline(findings)
    if meta.get("every_train_mask_alike_colours"):  # the batches' empty masks are those
        findings = empty_batches_of_alike_colours(
            findings, [f"train:{name}" for name in results])
    if meta.get("train_label_map_values"):  # every training mask is a label map
        findings = empty_batches_of_label_maps(
            findings, [f"train:{name}" for name in results], meta["train_label_map_values"],
            config.mask_policy.describe())
    context = HeadlineContext(results, meta["train_pairs"], meta["val_pairs"], baselines or {},
                              meta.get("val_foreground_fraction"),
                              meta.get("passes_per_epoch", 1))
    return Report(
        title=f"unetdiag train {config.images}", command="train", findings=findings,
        headline=train_headline(findings, context),
        summary={"variants": [r.display_row() for r in results.values()]}, meta=meta,
        outcome=run_outcome(results, interrupted_during))


#: the finding the batch audit repeats of the training masks
_MOSTLY_FOREGROUND = "imbalance.mostly_foreground"


def _batches_mostly_foreground_measured(findings: Sequence[Finding]) -> list[Finding]:
    """Without the batch audit's ``imbalance.mostly_foreground`` when the training split's
    own is there: the batches hold the same training masks, augmented, and only the split's
    finding says where their background lies (large objects or inverted polarity); the
    batches' would say "often means inverted polarity" of large polyps."""
    if not any(f.id == _MOSTLY_FOREGROUND and f.source == "data:train" for f in findings):
        return list(findings)
    return [f for f in findings
            if not (f.id == _MOSTLY_FOREGROUND and f.source.startswith("train:"))]


def _all_ones_at_measured_baseline(findings: Sequence[Finding]) -> list[Finding]:
    """Without a run's ``saturation.all_ones_predictor`` where its val_dice sits at the
    all-ones baseline measured on the validation masks (``saturation.metric_at_baseline``,
    same source). The fingerprint's algebra assumes a pooled Dice; the trainer's val_dice is a
    mean over images, below the pooled 2f/(1+f) when their fills differ, so it read that gap
    as background predicted right (0.139 % of the pixels on DRIVE stored as background, whose
    probe was 100 % foreground). The measured baseline says the same thing under the run's own
    convention."""
    at_baseline = {f.source for f in findings if f.id == METRIC_AT_BASELINE
                   and "val_dice" in f.evidence.get("metrics", {})}
    return [f for f in findings
            if not (f.id == ALL_ONES_PREDICTOR and f.source in at_baseline)]


def run_findings(results: dict[str, VariantResult], config: TrainConfig, run_dir: Path,
                 interrupted_during: str | None, resume_options: str = "") -> list[Finding]:
    """``train.interrupted``, ``train.stopped_early`` (per variant) and
    ``train.run_dir_renamed``, as they apply."""
    findings = []
    if interrupted_during is not None:
        findings.append(_interrupted(results, config, run_dir, interrupted_during,
                                     resume_options))
    for result in results.values():
        if result.status in STOPPED_STATUSES:
            by = (f"The diagnostic guard ({result.stop_reason}) ended this variant"
                  if result.stop_reason else "A callback ended this variant")
            findings.append(Finding(
                id="train.stopped_early", severity=Severity.WARNING,
                title=f"{result.name} stopped after {result.epochs_completed} of "
                      f"{config.epochs} epochs"
                      + (f" by {result.stop_reason}" if result.stop_reason else ""),
                explanation=f"{by} before its last epoch; the findings from the same source "
                            f"say why. {_saved_sentence(result)}",
                fix="Read the variant's other findings and fix their cause before retraining.",
                evidence={"epochs_completed": result.epochs_completed,
                          "epochs_requested": config.epochs, "stop_reason": result.stop_reason},
                source=f"train:{result.name}"))
    requested_name = config.run_name
    # (a resumed run is written where it is, whatever it was named when it started: a copy
    # of a run folder resumed under its new name renamed nothing)
    if requested_name and run_dir.name != requested_name and config.resume is None:
        findings.append(Finding(
            id="train.run_dir_renamed", severity=Severity.INFO,
            title=f"Run directory {requested_name!r} existed; wrote to {run_dir.name!r}",
            explanation="unetdiag never overwrites an earlier run, so it added a number.",
            fix="Pass a new --run-name to choose the name yourself.",
            evidence={"requested": requested_name, "used": run_dir.name}, source="train"))
    return findings


#: A constant predictor, in words (the keys of ``meta["val_baselines"]``).
_PREDICTORS = {"all_ones": "all-foreground", "all_zeros": "all-background"}
BELOW_BASELINE = "train.below_baseline"


def _constant_on_empty(predictor: str, empty_rule: str) -> str:
    """What a constant predictor's hard Dice is on an empty mask under ``empty_rule``
    (:func:`~unetdiag.diag.core.dice.hard_dice_from_sums`): predicting nothing there is 0/0,
    predicting everything 0 over the mask's pixels."""
    if empty_rule == "exclude_empty_reference" or (
            predictor == "all_zeros" and empty_rule == "exclude"):
        return "left out of the mean"
    if predictor == "all_zeros" and empty_rule == "one":
        return "1 on each"
    return "0 on each"


def below_baseline_findings(results: dict[str, VariantResult],
                            val_baselines: dict[str, dict[str, float]] | None,
                            fraction: float | None, *, empty_rule: str | None = None,
                            empty_masks: int | None = None,
                            masks: int | None = None,
                            scored_only: bool = False) -> list[Finding]:
    """``train.below_baseline`` (warning) per variant whose best validation Dice is below
    what the best constant predictor scores on the validation masks under the same
    convention (hard Dice per image, the run's empty rule ``empty_rule``, applied to
    ``empty_masks`` of the ``masks`` scored), by more than
    :data:`~unetdiag.diag.checks.saturation.SATURATION_TOLERANCE`. A best Dice of 0 is left
    to the metric-series findings, which say why it is 0. ``scored_only``: ``fraction`` is of
    the pixels scored (``--ignore-values``)."""
    if not val_baselines:
        return []
    scores = {name: scores["hard_dice"] for name, scores in val_baselines.items()
              if name in _PREDICTORS and math.isfinite(scores.get("hard_dice", math.nan))}
    if not scores or any(constant_scores.get("accuracy", 0.0) == 1.0
                         for constant_scores in val_baselines.values()):
        return []  # one class only: no constant to beat (data_stats.metric_baselines)
    predictor = max(scores, key=scores.__getitem__)
    constant = scores[predictor]
    findings = []
    for result in results.values():
        best = result.best_val_dice
        if best is None or not math.isfinite(best) or best == 0.0 or (
                best >= constant - SATURATION_TOLERANCE):
            continue
        words = _PREDICTORS[predictor]
        share = (f" (foreground {fraction:.2%} of their pixels"
                 f"{' scored' if scored_only else ''})"
                 if fraction is not None and math.isfinite(fraction) else "")
        rule = "the dice metric's threshold and empty rule" if empty_rule is None else (
            f"the dice metric's threshold and --empty-rule {empty_rule}")
        if empty_rule is not None and empty_masks is not None and masks:
            rule += (f"; {empty_masks} of the {masks} validation masks "
                     f"{verb(empty_masks, 'is', 'are')} empty")
            if empty_masks:
                rule += (f", on which the constant scores "
                         f"{_constant_on_empty(predictor, empty_rule)}")
        findings.append(Finding(
            id=BELOW_BASELINE, severity=Severity.WARNING,
            title=(f"{result.name}: best validation Dice {best:.4f} (epoch "
                   f"{result.best_val_dice_epoch}) is below the {words} predictor's "
                   f"{constant:.4f} on the same validation masks"),
            explanation=(
                f"Predicting every pixel {words.removeprefix('all-')}, without looking at the "
                f"images, scores hard Dice {constant:.4f} per image on the validation "
                f"masks{share}, under the run's own convention ({rule}). At no epoch of "
                f"its {result.epochs_completed} did "
                f"{result.name} score as much: its Dice says it segments worse than that "
                "constant. Consistent with too few epochs or updates, a learning rate that "
                "does not suit the data, or inputs the model cannot use (see the other "
                "findings); not evidence of learning."),
            fix=("Train for more epochs (or with --min-steps-per-epoch for more updates an "
                 "epoch), then compare again with baseline.trivial_scores; if it stays "
                 "below, read the other findings for why."),
            evidence={"best_val_dice": best, "best_val_dice_epoch": result.best_val_dice_epoch,
                      "epochs_completed": result.epochs_completed, "predictor": predictor,
                      "predictor_val_dice": constant, "tolerance": SATURATION_TOLERANCE,
                      "val_foreground_fraction": fraction, "empty_rule": empty_rule,
                      "val_empty_masks": empty_masks, "val_masks": masks},
            source=f"train:{result.name}"))
    return findings


def _saved_sentence(result: VariantResult) -> str:
    """What the variant's model.keras holds (run/models.py), in one sentence."""
    if result.model_holds == "best epoch":
        return (f"Its model.keras holds its best epoch, {result.model_epoch} (by validation "
                "Dice); last.keras the weights it ended with.")
    if result.model_holds == "guard stop":
        return ("Its model.keras holds the weights the guard kept when it stopped it, after "
                f"{result.model_epoch} completed epoch(s).")
    if result.model_holds == "last epoch":
        return f"Its model.keras holds its last epoch, {result.model_epoch}."
    return "No model was saved."


def _interrupted(results: dict[str, VariantResult], config: TrainConfig, run_dir: Path,
                 interrupted_during: str, resume_options: str) -> Finding:
    resume_command = f"unetdiag train --resume {run_dir}{resume_options}"
    evidence: dict[str, Any] = {
        "finished": [r.name for r in results.values() if r.ended],
        "interrupted": [r.name for r in results.values() if r.status == "interrupted"],
        "not_run": [r.name for r in results.values() if r.status == "not run"],
        "resume_command": resume_command}
    if interrupted_during in results:
        completed = results[interrupted_during].epochs_completed
        where = (f"during {interrupted_during}, epoch {completed + 1} of {config.epochs} "
                 f"({completed} completed and checkpointed)")
        evidence.update(variant=interrupted_during, epochs_completed=completed,
                        epochs_requested=config.epochs)
    else:
        where = interrupted_during
    return Finding(
        id="train.interrupted", severity=Severity.WARNING,
        title=f"Training was interrupted {where}",
        explanation="The run was stopped by Ctrl-C or SIGTERM. Variants that ended before "
                    "it are saved; the interrupted one kept its per-epoch history and a "
                    "checkpoint of its last completed epoch (weights, optimizer state) but "
                    "no model; later variants did not run.",
        fix=f"Continue where it stopped: {resume_command} (finished variants are skipped, "
            f"the interrupted one goes on from its checkpoint{_extended_clause(results, config)}).",
        evidence=evidence, source="train")


def _extended_clause(results: dict[str, VariantResult], config: TrainConfig) -> str:
    """What the resume does to the variants that finished with fewer epochs than the run's
    config now asks (a resume's --epochs): it trains them on; "" when none did."""
    return "".join(f"; {r.name}, which ended at epoch {r.epochs_completed}, goes on from its "
                   f"checkpoint to epoch {config.epochs}" for r in results.values()
                   if r.status == "finished" and r.epochs_completed < config.epochs)


def history_findings(results: dict[str, VariantResult], baselines: dict[str, float] | None,
                     monitored: bool) -> list[Finding]:
    """The metric-series checks over the finished histories: each variant against the
    validation baselines (unless ``monitored``: the diagnostic callbacks'
    :class:`~unetdiag.training.callbacks.SaturationMonitor` already judged it, epoch by epoch)
    and the variants against each other."""
    # runs are named by their source, as the SaturationMonitor names them
    histories = {f"train:{name}": r.history for name, r in results.items() if r.history}
    findings = []
    for run, history in histories.items():
        if not monitored:
            findings += [f.with_source(run) for f in
                         check_series(run, history, baselines, SATURATION_TOLERANCE)]
    if len(histories) > 1:
        findings += [f.with_source("train") for f in
                     check_across_runs(histories, SATURATION_TOLERANCE)]
    return findings


# --- headline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineContext:
    """What the train headline's rules read besides the findings."""

    results: dict[str, VariantResult]
    train_size: int
    val_size: int
    #: the best constant predictor's score per validation metric (empty: not measured)
    baselines: dict[str, float]
    val_foreground_fraction: float | None
    #: passes over the training pairs in one epoch (more than 1 on small training sets)
    passes_per_epoch: int = 1


def train_headline(findings: Sequence[Finding], context: HeadlineContext) -> str:
    """Why the metrics look the way they do: guard stops first, then errors found before
    training, then the validation numbers that sit on the measured trivial baselines, then
    what the metric series show (:func:`unetdiag.diag.logs.explain.headline`), then what was
    trained."""
    # the last rule always speaks, so ``quiet`` is never said
    return compose_headline(TRAIN_HEADLINE_RULES, findings, context, quiet="")


def _guard_stops(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    return " ".join(_stop_sentence(r, findings) for r in context.results.values()
                    if r.status == "stopped by guard") or None


def _stop_sentence(result: VariantResult, findings: Sequence[Finding]) -> str:
    source = f"train:{result.name}"
    cause = next((f for f in findings if f.id == result.stop_reason and f.source == source),
                 None)
    where = f"after {result.epochs_completed} of its epochs"
    if cause is not None and "batch" in cause.evidence:
        where = (f"at epoch {cause.evidence.get('epoch', 0) + 1}, batch "
                 f"{cause.evidence['batch'] + 1}")
    because = f": {cause.title}" if cause is not None else ""
    return f"The guard stopped {result.name} {where} ({result.stop_reason}){because}."


def _at_baseline(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """ "MP_Tr_BCE and MP_Tr_Dice: val_accuracy 0.9950 equals the majority-class fraction of
    the validation masks, and val_dice 0.9975 equals an all-ones predictor's 2f/(1+f) for
    f = 0.995: ..." when the final validation numbers sit on the measured baselines."""
    baselines, fraction = context.baselines, context.val_foreground_fraction
    at: dict[tuple[tuple[str, float], ...], list[str]] = {}
    for result in context.results.values():
        parts = []
        for metric in ("val_accuracy", "val_dice"):
            values = [v for v in result.history.get(metric, []) if math.isfinite(v)]
            if metric in baselines and values and abs(
                    values[-1] - baselines[metric]) <= SATURATION_TOLERANCE:
                parts.append((metric, values[-1]))
        if parts:
            at.setdefault(tuple(parts), []).append(result.name)
    sentences = []
    for parts, names in at.items():
        said, exact = [], True
        for metric, value in parts:
            if metric == "val_accuracy":
                reference = baselines[metric]
                what = f"the majority-class fraction {reference:.4f} of the validation masks"
            elif fraction is not None and abs(baselines[metric] - all_ones_dice(fraction)) \
                    <= SATURATION_TOLERANCE:
                reference = all_ones_dice(fraction)
                what = (f"an all-ones predictor's 2f/(1+f) = {reference:.4f} for "
                        f"f = {fraction:.4f}")
            else:
                reference = baselines[metric]
                what = f"the best constant predictor's {reference:.4f}"
            # within the tolerance but apart at the digits shown: "equals" would be false
            equal = f"{value:.4f}" == f"{reference:.4f}"
            exact = exact and equal
            relation = ("equals" if equal
                        else f"is {abs(value - reference):.4f} from")  # the distance itself
            said.append(f"{metric} {value:.4f} {relation} {what}")
        sentences.append(f"{' and '.join(names)}: {', and '.join(said)}: the "
                         f"{'models score' if len(names) > 1 else 'model scores'} "
                         f"{'' if exact else 'about '}what predicting one class everywhere "
                         "scores, so these numbers say nothing about segmentation.")
    return " ".join(sentences) or None


def _series(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """What the metric series show; said when a series finding is left to say, or when
    neither a guard stop nor a baseline sentence spoke."""
    runs = [RunLog(name=f"train:{r.name}", epochs=[dict(zip(r.history, values, strict=True))
                                        for values in zip(*r.history.values(), strict=True)],
                   step_seconds=[], source=f"train:{r.name}")
            for r in context.results.values() if r.history]
    at_baseline = _at_baseline(findings, context)
    # fingerprints are said by the baseline sentence already, or contradicted by the masks;
    # an earlier attempt's series (--on-guard restart) is not the saved model's; a cause the
    # run measured is said by its own rule
    series_findings = [f for f in findings if f.id.startswith("saturation.")
                       and "attempt" not in f.evidence and MEASURED_CAUSE not in f.evidence
                       and not (f.id in (ALL_ONES_PREDICTOR, ALL_ZEROS_PREDICTOR) and (
                           at_baseline or _MEASURED_FRACTIONS & set(f.evidence)))]
    spoke = at_baseline or _guard_stops(findings, context) or _measured(findings, context)
    if not runs:
        return None
    if any(f.severity is not Severity.INFO for f in series_findings) or not (
            spoke or series_findings):
        return explain_headline(runs, series_findings)
    if spoke:  # explain-log's "nothing looks saturated" would contradict that rule's sentence
        return None
    # info findings alone: explain-log's sentences after its quiet one (a score still rising:
    # train longer), without the quiet one, which they may contradict (predictions
    # all-background at epoch 1, resolved by epoch 2)
    said = "".join(part.text for part in headline_parts(runs, series_findings)
                   if part.kind != NOTHING_FOUND)
    return said.strip() or None


#: evidence keys of a fingerprint the measured masks contradict (saturation/reconcile.py)
_MEASURED_FRACTIONS = {"measured_val_foreground_fraction", "measured_train_foreground_fraction"}


def _below_baseline(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """The variants whose best validation Dice stays below a constant predictor's."""
    return " ".join(f"{f.title}." for f in findings if f.id == BELOW_BASELINE) or None


def _measured(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """The series findings whose cause the run measured (:mod:`.measured_causes`), by
    title: the masks' fraction and the predicted fraction leave them one cause."""
    titles = [f.title for f in findings if MEASURED_CAUSE in f.evidence]
    return " ".join(f"{title}." for title in titles) or None


def _trained(findings: Sequence[Finding], context: HeadlineContext) -> str:
    results = context.results
    text = (f"Trained {sum(r.ended for r in results.values())} of {len(results)} variant(s) "
            f"on {context.train_size} training / {context.val_size} validation pairs")
    if context.passes_per_epoch > 1:
        text += f" ({context.passes_per_epoch} passes over the training pairs an epoch)"
    text += "."
    scored = [r for r in results.values() if r.best_val_dice is not None]
    if scored:
        best = max(scored, key=lambda r: r.best_val_dice)
        saved = (", saved as its model.keras" if best.model_holds == "best epoch"
                 and best.model_epoch == best.best_val_dice_epoch else "")
        text += (f" Best validation Dice {best.best_val_dice:.4f} ({best.name}, epoch "
                 f"{best.best_val_dice_epoch}{saved}).")
    return text


#: Warnings about the data that the metrics then measure, said with the errors before
#: training: masks that are one region in every image (DRIVE's field-of-view discs paired by
#: the default suffix) make any Dice near 1 a score of that region, not of the task; a resize
#: that drops most of the foreground (thin structures) makes every score one of what is left.
_LEADING_DATA_WARNINGS = frozenset({"mask.nearly_identical", RESIZE_LOSES_FOREGROUND})


def _data_errors(findings: Sequence[Finding], context: HeadlineContext) -> str | None:
    """The errors found before training, in the data and the run's settings (all masks
    empty, pairs of different sizes, a Dice smoothing that explodes on empty batches...),
    and the warnings in :data:`_LEADING_DATA_WARNINGS`: what the metrics then show follows
    from them."""
    return listed_titles("Before training:", [
        f"{_leading_title(finding)} ({finding.source})" for finding in findings
        if finding.source.startswith("data") and (
            finding.severity is Severity.ERROR or finding.id in _LEADING_DATA_WARNINGS
            or _background_inside(finding))])


def _background_inside(finding: Finding) -> bool:
    """``imbalance.mostly_foreground`` of masks whose background lies inside the image, as
    objects stored as background do (the evidence ``audit-data`` puts polarity in its
    headline on): the metrics then score the other class."""
    placement = finding.evidence.get("background_placement") or {}
    return (finding.id == _MOSTLY_FOREGROUND and finding.severity is not Severity.INFO
            and placement.get("verdict") == "objects as background")


def _leading_title(finding: Finding) -> str:
    if not _background_inside(finding):
        return finding.title
    placement = finding.evidence["background_placement"]
    return (f"{finding.title}, what reads as background lying inside the image in "
            f"{placement['inside']} of them: possible inverted polarity")


TRAIN_HEADLINE_RULES = (
    HeadlineRule("guard stops", _guard_stops),
    HeadlineRule("errors before training", _data_errors),
    HeadlineRule("validation metrics at a trivial baseline", _at_baseline),
    HeadlineRule("best validation Dice below a constant predictor's", _below_baseline),
    HeadlineRule("causes the run measured", _measured),
    HeadlineRule("metric series", _series),
    HeadlineRule("what was trained", _trained),
)
