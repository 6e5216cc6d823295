"""``unetdiag evaluate MODEL --images DIR [--masks DIR]``: score a saved model on a dataset.

The model is unetdiag's or anyone's ``.keras`` / ``.h5`` (loaded with ``compile=False``:
:mod:`~unetdiag.training.saved_model`); the dataset is paired and its masks decoded exactly as
``unetdiag train`` does (same options). Each evaluation gets a new folder under ``out_parent``
(``<model stem>``, numbered if taken)::

    scores.csv          one row per image (the columns of val_scores.csv)
    overlays/           worst_NN.png panels of the lowest-Dice images, index.json
    report.json, report.html, report.txt

The report holds every Dice convention side by side with the trivial baselines
(:mod:`unetdiag.diag.evaluation.conventions`), the baselines' findings
(:func:`~unetdiag.diag.checks.baselines.baseline_findings`) and the saturation checks on the
model's pooled accuracy, Dice and IoU (:func:`~unetdiag.diag.checks.saturation.check_series`:
the all-ones and all-zeros fingerprints).
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console

from unetdiag.diag.audit.empty_causes import empty_masks_of_label_maps
from unetdiag.diag.audit.thumbnails import mask_thumbnail
from unetdiag.diag.checks.baselines import baseline_findings
from unetdiag.diag.checks.masks import check_imbalance
from unetdiag.diag.checks.saturation import (
    VAL_FOREGROUND_FRACTION_KEY,
    SeriesSubject,
    check_series,
)
from unetdiag.diag.checks.saturation.reconcile import reconcile_fingerprints
from unetdiag.diag.core.dice import DEFAULT_DICE, EmptyRule, hard_dice_from_sums
from unetdiag.diag.core.findings import Finding, Report
from unetdiag.diag.data.masks import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.data.pairing import MASK_SUFFIXES, Pair, discover_pairs
from unetdiag.diag.evaluation.conventions import (
    EMPTY_RULE_WORDS,
    ConventionScore,
    convention_scores,
    empty_image_count,
    left_out_count,
)
from unetdiag.diag.evaluation.findings import (
    SOURCE,
    HeadlineContext,
    evaluation_findings,
    evaluation_headline,
    headline_score,
    policy_differs_finding,
)
from unetdiag.diag.evaluation.images import image_findings
from unetdiag.diag.evaluation.scores import ImageScore, scores_csv, worst_images
from unetdiag.diag.visual.gallery import write_gallery
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_text, refuse_unusable_out
from unetdiag.report import write_report_files
from unetdiag.training.data_stats import (
    MaskCounts,
    decoded_findings,
    images_record,
    placed_imbalance,
)
from unetdiag.training.decoder import DecodeLog, decode_pair
from unetdiag.training.evaluate_seen_wording import training_images_scored
from unetdiag.training.run.folder import create_run_dir
from unetdiag.training.run_record import RunRecord, policy_differences, run_record
from unetdiag.training.saved_model import (
    SavedModel,
    batches_of,
    describe_input,
    describe_scoring,
    load_saved_model,
    model_input,
    predict_checked,
    resize_mask,
)
from unetdiag.training.scoring import WORST_PANELS, Batch, score_batches

COMMAND = "evaluate"
#: The source of the findings about the data the model is scored on.
DATA_SOURCE = "data"
SCORES_FILENAME = "scores.csv"
OVERLAYS_DIRNAME = "overlays"
#: Rows of the "worst images" table in the report (the CSV has every image; the overlays
#: show the first WORST_PANELS of them).
WORST_ROWS = 10
#: The pooled rows the saturation checks read, by the metric name they are given.
POOLED_METRICS = {"val_accuracy": "accuracy", "val_dice": "hard Dice", "val_iou": "hard IoU"}
#: Those checks' findings speak of one scoring of these images, not of a run's epochs.
IMAGES_SCORED = SeriesSubject(
    data="the images scored", per_epoch=False,
    metric_words={name: f"pooled {metric} on the images scored"
                  for name, metric in POOLED_METRICS.items()})

Progress = Callable[[int, int], None]


@dataclass
class EvaluationResult:
    """The report and the folder it was written to."""

    report: Report
    out_dir: Path


def _pair_batches(pairs: Sequence[Pair], saved: SavedModel, policy: MaskPolicy,
                  batch_size: int, progress: Progress | None, decode_log: DecodeLog,
                  counts: MaskCounts) -> Iterator[Batch]:
    """``(files, images, masks[, weights])`` at the model's input size, ``batch_size`` pairs
    at a time, read by ``train``'s decoder (what it sees goes into ``decode_log``); the
    weights (0 on the policy's ignored values) when it ignores any. ``counts`` gets each
    mask's foreground, counted and ignored pixels and 16x16 thumbnail at that size.

    Raises:
        UserError: a file cannot be decoded (one line naming it).
    """
    done = 0
    for chunk in batches_of(list(pairs), batch_size):
        images, masks, weights = [], [], []
        for pair in chunk:
            try:
                image, mask, ignored = decode_pair(str(pair.image), str(pair.mask),
                                                   channels=saved.channels, policy=policy,
                                                   decode_log=decode_log)
            except Exception:  # decode_pair recorded the file and why
                raise decode_log.as_user_error() from None
            images.append(model_input(image, saved))
            resized = resize_mask(mask, saved.height, saved.width)
            counted = (np.ones_like(resized) if ignored is None
                       else resize_mask(~ignored, saved.height, saved.width))
            counts.foreground.append(float((resized * counted).sum()))
            counts.pixels.append(float(counted.sum()))
            counts.mask_ignored.append(float(counted.size - counts.pixels[-1]))
            counts.thumbnails.append(mask_thumbnail((resized * counted)[..., 0] > 0.5))
            counts.smaller_sides.append(min(saved.height, saved.width))
            masks.append(resized)
            weights.append(counted)
        done += len(chunk)
        if progress is not None:
            progress(done, len(pairs))
        files = [pair.image.name for pair in chunk]
        if policy.ignore_values:
            yield files, np.stack(images), np.stack(masks), np.stack(weights)
        else:
            yield files, np.stack(images), np.stack(masks)


def _refuse_out_in_dataset(out_parent: Path, images_dir: Path | str,
                           masks_dir: Path | str | None) -> None:
    """The evaluation's folder never goes inside the dataset (which is only read, and whose
    next reading would meet it as a stray folder)."""
    out = out_parent.resolve()
    for folder in (images_dir, masks_dir):
        if folder is None:
            continue
        inside = Path(folder).resolve()
        if out == inside or inside in out.parents:
            raise UserError(f"the output folder {out_parent} (--out) is inside the dataset "
                            f"folder {folder}; evaluate never writes into its data: choose "
                            "another with --out", ExitCode.USAGE)


def _data_findings(decode_log: DecodeLog, counts: MaskCounts,
                   policy: MaskPolicy) -> list[Finding]:
    """What ``train`` says of the same files (:func:`decoded_findings`: pairs of different
    sizes, label maps read under a threshold, 16-bit colour, dropped samples, blank first
    frames), and empty or one-sided masks: the scores of such data measure the data, not the
    model."""
    findings = decoded_findings(decode_log, policy, use=COMMAND)
    counted = [index for index, pixels in enumerate(counts.pixels) if pixels > 0]
    if counted:
        scored = MaskCounts(
            [counts.foreground[i] for i in counted], [counts.pixels[i] for i in counted],
            thumbnails=[counts.thumbnails[i] for i in counted],
            mask_ignored=[counts.mask_ignored[i] for i in counted],
            smaller_sides=[counts.smaller_sides[i] for i in counted])
        findings += [f for f in placed_imbalance(check_imbalance(
            scored.foreground, scored.pixels, source=DATA_SOURCE,
            dark_is_foreground=policy.dark_is_foreground, by_values=policy.by_values), scored)
            if f.id != "imbalance.summary"]
    label_values = sorted({value for held in decode_log.label_maps.values() for value in held})
    return empty_masks_of_label_maps(findings, len(decode_log.label_maps), label_values,
                                     policy.describe(), command="evaluate")


def _pooled(rows: Sequence[ConventionScore]) -> dict[str, ConventionScore]:
    return {name: next(row for row in rows if row.metric == metric and row.reduction == "pooled")
            for name, metric in POOLED_METRICS.items()}


def _saturation_findings(model: str, rows: Sequence[ConventionScore]) -> list[Finding]:
    """The metric-series checks on the model's pooled accuracy, hard Dice and IoU, against
    the better constant predictor's score under each."""
    pooled = _pooled(rows)
    if not all(math.isfinite(row.model) for row in pooled.values()):
        return []
    if pooled["val_accuracy"].all_zeros in (0.0, 1.0):
        return []  # masks of one class: every score is a constant's (the data findings say)
    history = {name: [row.model] for name, row in pooled.items()}
    baselines = {name: max(value for value in (row.all_zeros, row.all_ones)
                           if math.isfinite(value))
                 for name, row in pooled.items()
                 if math.isfinite(row.all_zeros) or math.isfinite(row.all_ones)}
    # measured on these masks: what lets a fingerprint be proven rather than only consistent
    background = pooled["val_accuracy"].all_zeros
    if math.isfinite(background):
        baselines[VAL_FOREGROUND_FRACTION_KEY] = 1.0 - background
    findings = reconcile_fingerprints(
        check_series(model, history, baselines, subject=IMAGES_SCORED),
        baselines.get(VAL_FOREGROUND_FRACTION_KEY), scores="scores on the images scored",
        measured="The foreground fraction of the masks scored, counted, is")
    return [f if f.source else f.with_source(SOURCE) for f in findings]


def _dice_of_stems(pairs: Sequence[Pair], sums: dict[str, np.ndarray],
                   empty: EmptyRule) -> Callable[[Sequence[str]], float]:
    """The hard Dice per image (the headline's) of the pairs of some stems, from the tally's
    per-image ``sums`` (in the order of ``pairs``)."""
    index = {}
    for position, pair in enumerate(pairs):
        index.setdefault(pair.stem, position)

    def dice_of(stems: Sequence[str]) -> float:
        chosen = [index[stem] for stem in stems]
        if not sums["finite"][chosen].all():  # as the table: no score of a NaN prediction
            return math.nan
        return hard_dice_from_sums(sums["hard_intersection"][chosen], sums["sum_true"][chosen],
                                   sums["hard_sum_pred"][chosen], empty)
    return dice_of


def evaluation_name(model_path: Path, record: RunRecord | None) -> str:
    """The evaluation folder's name: the model file's stem, after its run's and variant's
    folder names when the model is a train run's (``20261205-124704-MP_Tr_BCE-model``,
    ``...-MP_Tr_BCE-last``): every variant of every run saves a ``model.keras``, and folders
    named ``model``, ``model-2`` (or ``MP_Tr_BCE-model``, ``MP_Tr_BCE-model-2`` for two runs)
    could not be told apart."""
    return (model_path.stem if record is None
            else f"{record.run_dir.name}-{record.variant}-{model_path.stem}")


def _policy_differs(model: str, record: RunRecord | None,
                    policy: MaskPolicy) -> Finding | None:
    """``evaluate.policy_differs`` when the model's train run recorded another mask policy
    than ``policy`` (None without a record, or when they decode alike)."""
    if record is None or record.policy is None:
        return None
    differences = policy_differences(record.policy, policy)
    if not differences:
        return None
    return policy_differs_finding(model, str(record.run_dir), _flags(record.policy),
                                  _flags(policy), differences)


def _flags(policy: MaskPolicy) -> str:
    return policy.flags() or "the default policy (no mask option)"


def _worst_rows(scores: Sequence[ImageScore]) -> list[dict]:
    """The table's rows, ranked as the panels are (the panels keep only their images)."""
    return [scores[index].row()
            for index in worst_images([score.dice for score in scores], WORST_ROWS)]


def evaluate_model(model_path: Path | str, images_dir: Path | str,
                   masks_dir: Path | str | None = None, *,
                   mask_suffixes: Sequence[str] = MASK_SUFFIXES, mask_pattern: str | None = None,
                   policy: MaskPolicy = DEFAULT_POLICY, allow_same_file_masks: bool = False,
                   img_size: int | None = None, batch_size: int = 8, threshold: float = 0.5,
                   empty: EmptyRule = "exclude", out_parent: Path | str = Path("evaluations"),
                   console: Console | None = None,
                   progress: Progress | None = None) -> EvaluationResult:
    """Score the model at ``model_path`` on the pairs of ``images_dir`` (see the module
    docstring); ``console`` gets one line saying what is evaluated. The folder is made once
    every image is scored, so a failed evaluation leaves none.

    Raises:
        UserError: the model cannot be loaded or is not an image-to-mask model, its outputs
            are not probabilities, no pair is found, a file cannot be read, or the output
            folder cannot be made or written whole.
    """
    started = time.perf_counter()
    _refuse_out_in_dataset(Path(out_parent), images_dir, masks_dir)
    refuse_unusable_out(Path(out_parent))  # not after minutes of scoring
    saved = load_saved_model(model_path, img_size)
    pairing = discover_pairs(images_dir, masks_dir, mask_suffixes=mask_suffixes,
                             allow_same_file=allow_same_file_masks, mask_pattern=mask_pattern)
    record = run_record(saved.path)
    policy_finding = _policy_differs(saved.path.name, record, policy)
    if console is not None:
        console.print(f"evaluating {saved.path} on {len(pairing.pairs)} pairs "
                      f"({describe_input(saved)}; {describe_scoring(saved)})",
                      highlight=False, soft_wrap=True)
        if policy_finding is not None:
            console.print(f"warning: {policy_finding.title}", highlight=False, soft_wrap=True)
    decode_log, counts = DecodeLog(), MaskCounts([], [])
    scored = score_batches(lambda images: predict_checked(saved, images),
                           _pair_batches(pairing.pairs, saved, policy, batch_size, progress,
                                         decode_log, counts),
                           threshold=threshold, empty=empty, keep_first=0,
                           keep_worst=WORST_PANELS)
    refusal = decode_log.unreadable_masks()
    if refusal is not None:
        raise refusal
    rows = convention_scores(scored.tally)
    image_scores = scored.image_scores()
    sums = scored.tally.sums
    model_name = saved.path.name
    # the folder is made only once there is a result
    out_dir = create_run_dir(Path(out_parent), evaluation_name(saved.path, record))
    findings = [f if f.source else f.with_source("pairing") for f in pairing.findings]
    findings += [] if policy_finding is None else [policy_finding]
    seen = training_images_scored(saved.path.name, record, Path(images_dir), pairing.pairs,
                                  _dice_of_stems(pairing.pairs, sums, empty),
                                  EMPTY_RULE_WORDS[empty])
    findings += [] if seen is None else [seen]
    findings += _data_findings(decode_log, counts, policy)
    scored_images = images_record(decode_log, pairing.pairs)
    findings += image_findings(scored_images, saved.channels,
                               None if record is None else record.train_images,
                               None if record is None else str(record.run_dir))
    trained_dice, trained_holds = (None, "best") if record is None else record.trained_dice()
    findings += evaluation_findings(
        model_name, rows, images=len(scored.tally), empty_images=empty_image_count(scored.tally),
        non_finite_images=int(np.count_nonzero(sums["finite"] == 0)), empty_rule=empty,
        trained_dice=trained_dice, trained_holds=trained_holds)
    findings += baseline_findings(sums["sum_true"], sums["pixels"], DEFAULT_DICE, empty=empty,
                                  source=SOURCE, scored_only=bool(policy.ignore_values))
    findings += _saturation_findings(model_name, rows)
    context = HeadlineContext(model_name, len(scored.tally), headline_score(rows, empty),
                              left_out_count(scored.tally, empty))
    report = Report(
        title=f"unetdiag evaluate {saved.path}", command=COMMAND, findings=findings,
        headline=evaluation_headline(findings, context),
        summary={"conventions": [row.row() for row in rows],
                 "worst images": _worst_rows(image_scores)},
        meta={"model": str(saved.path), "images_dir": str(images_dir),
              "masks_dir": None if masks_dir is None else str(masks_dir),
              "pairs": len(pairing.pairs), "input": describe_input(saved),
              "scored_at": describe_scoring(saved),
              "threshold": threshold, "empty_rule": empty, "policy": policy.to_dict(),
              "out_dir": str(out_dir), "seconds": time.perf_counter() - started,
              "training_run": None if record is None else str(record.run_dir),
              "images_scored": scored_images,
              "training_images": None if record is None else record.train_images,
              "training_policy": None if record is None or record.policy is None
              else record.policy.to_dict()})
    try:
        atomic_write_text(out_dir / SCORES_FILENAME, scores_csv(image_scores))
        write_gallery(out_dir / OVERLAYS_DIRNAME, {"worst": scored.worst}, threshold)
        write_report_files(report, out_dir)
    except OSError as error:  # a disk full: no folder that looks like a whole evaluation
        shutil.rmtree(out_dir, ignore_errors=True)
        left = ("removed" if not out_dir.exists()
                else "left incomplete: it could not be removed either")
        raise UserError(f"cannot write the evaluation into {out_dir} "
                        f"({error.filename or out_dir}: {error.strerror or error}); the folder "
                        f"was {left}", ExitCode.OUTPUT_ERROR) from None
    return EvaluationResult(report, out_dir)
