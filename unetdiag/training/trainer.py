"""``unetdiag train``: train the chosen U-Net variants on one shared streaming pipeline.

One run, one new directory ``config.out_dir / (config.run_name or timestamp)``::

    config.json          the TrainConfig (reloads with TrainConfig.from_dict)
    data.json            the split (stems per side), the mask policy, encodings of a sample
    VARIANT/model.keras  its best epoch by validation Dice, saved when the variant ends
    VARIANT/last.keras   its last epoch (run/models.py says when model.keras is not the best)
    VARIANT/history.json, VARIANT/history.csv   rewritten after every epoch
    VARIANT/checkpoint/  weights + optimizer state + history of the last completed epoch, and
                         the best epoch's weights (kept: --resume RUN --epochs N goes on
                         from it)
    VARIANT/attempts.json, VARIANT/attempt-N/   --on-guard restart: each earlier attempt
    VARIANT/tensorboard/ TensorBoard events: metrics every epoch, probe overlays every few
    VARIANT/val_scores.csv, VARIANT/overlays/   the saved model on each validation image
    summary.json, summary.csv                    one row per variant
    report.json, report.html, report.txt         the Report (command "train")

This module runs the variants in order and handles the signals; the run folder is
:mod:`unetdiag.training.run` (:mod:`~.run.folder`, :mod:`~.run.checkpoint`, :mod:`~.run.resume`,
:mod:`~.run.summary`), one variant's training :mod:`unetdiag.training.variant`, the mask
statistics :mod:`unetdiag.training.data_stats`, the per-image validation scores and overlays
:mod:`unetdiag.training.run.scores`, the TensorBoard events :mod:`unetdiag.training.run.tensorboard`
and the report :mod:`unetdiag.training.train_report`.

Variants train one after another under the resolved precision (:mod:`.precision`), each with
its own seed-reset model, Adam optimiser and callbacks. Ctrl-C (or SIGTERM) stops the current
variant; finished variants stay on disk, the current one keeps its last epoch checkpoint
(:class:`~unetdiag.training.run.checkpoint.EpochCheckpoint`), the report names where the run
stopped and the exit code is ``INTERRUPTED``. A variant counts as finished when its
``model.keras`` and ``history.json`` exist
(:func:`~unetdiag.training.run.folder.variant_finished`). ``config.resume`` (``unetdiag train
--resume RUN_DIR``) reloads ``RUN_DIR/config.json``, skips the finished variants (unless a
larger ``--epochs`` extends them) and continues the interrupted one from its checkpoint
(weights, optimizer state, epoch count, history, best epoch), in the same folder. A guard stop
leads to what ``config.on_guard`` says (:mod:`unetdiag.training.attempts`). The exit status
comes from the report (:func:`unetdiag.exitcodes.exit_status`, ``config.fail_on``).

Diagnostic callbacks plug in at :func:`~unetdiag.training.variant.gather_callbacks`; whatever
findings they expose (``callback.findings``) are collected by
:func:`~unetdiag.training.variant.collect_findings` into the report.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import signal
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf
from rich.console import Console

from unetdiag import __version__
from unetdiag.config import VARIANTS, TrainConfig
from unetdiag.diag.audit.empty_causes import (
    empty_masks_of_alike_colours,
    empty_masks_of_label_maps,
    empty_masks_on_blank_frames,
    empty_masks_under_ignored_values,
)
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.data.pairing import Pair
from unetdiag.exitcodes import ExitCode, UserError, exit_status
from unetdiag.report import render_report, write_report_files
from unetdiag.training.attempts import train_with_policy
from unetdiag.training.data_stats import (
    MaskCounts,
    balanced_foreground_weight,
    data_findings,
    decoded_findings,
    images_record,
    split_masks,
    stream_mask_counts,
    validation_baselines,
)
from unetdiag.training.distributed import (
    global_batch_size,
    is_chief,
    make_strategy,
    worker_output_dir,
)
from unetdiag.training.empty_masks import (
    StoredForeground,
    empty_masks_refusal,
    stored_foreground,
)
from unetdiag.training.pipeline import build_datasets
from unetdiag.training.precision import resolve_precision
from unetdiag.training.resize_kept import (
    BASE_IMG_SIZE,
    ImageSizeChoice,
    ResizeKept,
    choose_img_size,
    measure_resize_kept,
    read_mask_sample,
)
from unetdiag.training.resize_kept_wording import img_size_finding, resize_kept_findings
from unetdiag.training.run.damaged_checkpoint import set_aside_damaged_checkpoints
from unetdiag.training.run.folder import (
    create_run_dir,
    variant_finished,
    write_run_config,
    write_run_records,
)
from unetdiag.training.run.lock import run_folder_lock
from unetdiag.training.run.progress import epoch_lines_wanted, progress_display
from unetdiag.training.run.refusal import reported_refusal
from unetdiag.training.run.resume import (
    REPORT_FILENAME,
    PreviousRun,
    check_extendable,
    check_same_split,
    options_as_recorded,
    previous_run,
    recorded_size_choice,
    resume_description,
    resumed_config,
)
from unetdiag.training.run.split import data_record, discover_and_split, split_basis
from unetdiag.training.run.summary import (
    STOPPED_STATUSES,
    TrainResult,
    VariantResult,
    write_summary,
)
from unetdiag.training.train_report import train_report

#: Subfolder of the run directory holding the decoded-tensor cache (deleted when the run ends).
CACHE_DIRNAME = "cache"
#: Stages of a run other than a variant's training, as named in ``train.interrupted``.
PREPARING_DATA = "while preparing the data"
BETWEEN_VARIANTS = "between variants"


def run_training(config: TrainConfig, console: Console | None = None, *,
                 show_report: bool = True,
                 resume_changes: Mapping[str, Any] | None = None) -> TrainResult:
    """Train ``config.variants`` and write a new run directory; see the module docstring.

    The report is rendered on ``console`` at the end unless ``show_report`` is False (the
    CLI's ``--json`` prints it as JSON instead). Without a terminal the progress is one line
    per epoch per variant (unless ``config.quiet``).

    With ``config.resume`` the run continues in that folder under its saved ``config.json``
    (:func:`~unetdiag.training.run.resume.resumed_config`): of ``config`` only ``quiet`` is
    kept, and ``resume_changes`` (``epochs``, ``on_guard``, ``fail_on``) are applied and
    saved; a larger ``epochs`` extends the variants that finished.

    ``config.strategy`` (``docs/distributed.md``): the strategy is created before any other
    TensorFlow op. Under ``"multiworker"`` (the cluster in ``TF_CONFIG``) the datasets are
    batched by the global batch size (``config.batch_size`` per worker), each variant trains
    with :func:`~unetdiag.training.distributed.fit_with_strategy`, and only the chief writes
    the run directory and the report; every other worker works in a temporary folder, removed
    at the end (its :attr:`TrainResult.run_dir` no longer exists then).

    Raises:
        UserError: bad input (missing folder, no pairs, same-file masks, an undecodable file,
            a resume folder that is not a unetdiag run or whose data changed:
            ``INPUT_ERROR``), an unusable output folder (``OUTPUT_ERROR``), an unknown
            variant, a missing or invalid ``TF_CONFIG``, or ``--resume`` under
            ``multiworker`` (``USAGE``); a run folder another train holds
            (:mod:`~unetdiag.training.run.lock`, ``OUTPUT_ERROR``).
    """
    with contextlib.ExitStack() as held:
        return _run_training(config, console or Console(), held, show_report, resume_changes)


def _run_training(config: TrainConfig, console: Console, held: contextlib.ExitStack,
                  show_report: bool, resume_changes: Mapping[str, Any] | None) -> TrainResult:
    """:func:`run_training`'s body; ``held`` keeps the run folder's lock until it returns."""
    resume_note = None
    if config.resume is not None:
        config = resumed_config(config.resume, quiet=config.quiet, changes=resume_changes)
        held.enter_context(run_folder_lock(config.resume))
        resume_note = resume_description(config.resume, resume_changes or {})
        console.print(resume_note, highlight=False)
    unknown = [name for name in config.variants if name not in VARIANTS]
    if unknown or not config.variants:
        raise UserError(f"unknown variant(s) {', '.join(unknown) or '(none given)'}; choose from "
                        f"{', '.join(VARIANTS)}", ExitCode.USAGE)
    if config.resume is not None and config.strategy == "multiworker":
        raise UserError(f"cannot resume {config.resume} under --strategy multiworker: the "
                        "multi-worker training loop does not restore an epoch checkpoint; "
                        "resume it with --strategy default or mirrored, or start a new run",
                        ExitCode.USAGE)
    strategy, info = make_strategy(config.strategy)  # before any other TensorFlow op
    policy_name, precision_reason = resolve_precision(config.precision)
    pairing_findings, train_pairs, val_pairs, pairing_rule = discover_and_split(config)
    # one sample of the training masks, one measure: the side chosen and the warning agree
    mask_sample = read_mask_sample(train_pairs, config.mask_policy)
    size_choice = None
    if config.img_size is None:
        size_choice = choose_img_size(mask_sample)
        config = dataclasses.replace(config, img_size=size_choice.img_size)
    elif config.resume is not None:  # config.json holds the side chosen, data.json the choice
        recorded = recorded_size_choice(config.resume, config.img_size)
        size_choice = None if recorded is None else ImageSizeChoice.from_dict(recorded)
    if size_choice is not None:
        size_finding = img_size_finding(size_choice)
        pairing_findings += [] if size_finding is None else [size_finding]
    resize_kept = measure_resize_kept(mask_sample, config.img_size,
                                      multiple=2 ** config.depth, choice=size_choice)
    record = data_record(config, train_pairs, val_pairs, pairing_rule,
                         None if size_choice is None else size_choice.to_dict(),
                         split_basis(pairing_findings))

    previous = None
    if not is_chief(info):
        run_dir = Path(config.out_dir)  # never written: this worker gets a temporary folder
    elif config.resume is not None:
        run_dir = config.resume
        check_same_split(run_dir, record)
        previous = previous_run(run_dir)
    else:
        run_dir = create_run_dir(Path(config.out_dir), config.run_name)
        held.enter_context(run_folder_lock(run_dir))
    with worker_output_dir(run_dir, info) as output_dir:
        if config.resume is None:
            write_run_records(output_dir, config, record)
        meta: dict[str, Any] = {
            "run_dir": str(output_dir), "precision": policy_name,
            "precision_reason": precision_reason, "strategy": config.strategy,
            "workers": info["workers"], "replicas": info["replicas"],
            "img_size": config.img_size,
            "img_size_choice": None if size_choice is None else size_choice.to_dict(),
            "train_pairs": len(train_pairs), "val_pairs": len(val_pairs),
            "dice_loss": config.dice.describe(), "bce_loss": config.bce_loss,
            "clipnorm": config.clipnorm, "on_guard": config.on_guard,
            "fail_on": config.fail_on, "metric_threshold": config.metric_threshold,
            "metric_empty_rule": config.empty_rule, "unetdiag": __version__,
            "tensorflow": tf.__version__, "keras": keras.__version__}
        if resume_note is not None:
            meta["resumed"] = resume_note
        if is_chief(info):
            console.print(f"run folder {output_dir}: {len(train_pairs)} training / "
                          f"{len(val_pairs)} validation pairs, precision {policy_name} "
                          f"({precision_reason})", highlight=False, soft_wrap=True)
            if size_choice is not None and size_choice.img_size != BASE_IMG_SIZE:
                console.print(f"images and masks resized to {config.img_size} px, chosen from "
                              "the training masks (resize.img_size_chosen; --img-size to "
                              "choose)", highlight=False, soft_wrap=True)
        try:
            result = _train_all(config, console, strategy, info, policy_name, output_dir,
                                previous, meta, pairing_findings, train_pairs, val_pairs,
                                resize_kept, resume_changes=resume_changes or {})
        except UserError as error:  # a new run's folder says why (run/refusal.py)
            if (config.resume is not None or error.report is not None or not is_chief(info)
                    or any((output_dir / name).exists() for name in config.variants)):
                raise
            raise reported_refusal(config, output_dir, meta, pairing_findings, error) from None
    if show_report:
        render_report(result.report, console)
    return result


def _train_all(config: TrainConfig, console: Console, strategy: tf.distribute.Strategy,
               info: dict[str, Any], policy_name: str, run_dir: Path,
               previous: PreviousRun | None, meta: dict[str, Any],
               pairing_findings: list[Finding], train_pairs: Sequence[Pair],
               val_pairs: Sequence[Pair], resize_kept: ResizeKept | None, *,
               resume_changes: Mapping[str, Any]) -> TrainResult:
    """The body of :func:`run_training` once this worker's output folder is known: prepare
    the data, train the variants, and (on the chief) write the summary and the report;
    ``resize_kept`` (what the resize costs the training masks) is said before training.
    A resume that changes the run's options (``resume_changes``) writes them to
    ``config.json`` only once the data's checks have passed: a refused resume leaves the
    file as it was, and the next resume reads that; one interrupted before proposes a
    resume command that asks for them again."""
    cache_dir = run_dir / CACHE_DIRNAME
    # as the earlier part left them, should a Ctrl-C come before the variants train
    results = {name: VariantResult(name=name, status="not run") if previous is None
               else previous.as_left(run_dir, name) for name in config.variants}
    # what config.json does not hold yet, as the options of the command line
    unrecorded = "".join(f" --{key.replace('_', '-')} {value}"
                         for key, value in resume_changes.items())
    stage = PREPARING_DATA  # where a Ctrl-C lands: this, a variant's name, or BETWEEN_VARIANTS
    pre_training: list[Finding] = []
    interrupted_during: str | None = None
    # A cache left by a part of the run that was killed would replay files as they were then
    # (fixed since, perhaps) and keep the decoder from checking them again.
    shutil.rmtree(cache_dir, ignore_errors=True)
    try:
        with _sigterm_as_keyboard_interrupt():
            datasets = build_datasets(
                train_pairs, val_pairs, img_size=config.img_size, channels=config.channels,
                batch_size=global_batch_size(config.batch_size, info),
                policy=config.mask_policy, augment=config.augment, seed=config.seed,
                cache_dir=cache_dir, min_steps_per_epoch=config.min_steps_per_epoch)
            meta["passes_per_epoch"] = datasets.passes_per_epoch
            datasets.preflight()  # decodes every file once, filling the cache
            val_counts = stream_mask_counts(datasets.val_decoded)
            meta["val_baselines"] = validation_baselines(val_counts, config.empty_rule)
            meta["val_foreground_fraction"] = val_counts.foreground_fraction
            meta["val_masks_scored"] = len(val_counts.foreground)
            meta["val_empty_masks"] = sum(value == 0 for value in val_counts.foreground)
            weighted = config.bce_loss == "weighted"
            train_counts = stream_mask_counts(datasets.train_decoded)
            meta["train_foreground_fraction"] = train_counts.foreground_fraction
            meta["train_image_max"] = train_counts.image_max
            meta["train_images"] = images_record(datasets.decode_log, train_pairs)
            meta["photometric_scale"] = datasets.scale_photometric(train_counts.image_max)
            if config.diagnostics:
                pre_training = data_findings(config, train_counts, val_counts,
                                             datasets.passes_per_epoch,
                                             meta["photometric_scale"])
                pre_training += decoded_findings(datasets.decode_log, config.mask_policy)
                pre_training += resize_kept_findings(resize_kept)
                train_masks = {str(pair.mask) for pair in train_pairs}
                pre_training = empty_masks_on_blank_frames(pre_training, sum(
                    path in train_masks for path in datasets.decode_log.blank_first_frames))
                alike = sum(path in train_masks
                            for path in datasets.decode_log.alike_colour_masks)
                pre_training = empty_masks_of_alike_colours(pre_training, alike)
                scored = sum(train_counts.pixels) + train_counts.ignored
                pre_training = empty_masks_under_ignored_values(
                    pre_training, config.mask_policy.ignore_values,
                    train_counts.ignored / scored if scored else 0.0)
                meta["every_train_mask_alike_colours"] = 0 < alike == len(train_masks)
                label_maps = {path: values for path, values
                              in datasets.decode_log.label_maps.items() if path in train_masks}
                label_values = sorted({value for held in label_maps.values() for value in held})
                pre_training = empty_masks_of_label_maps(
                    pre_training, len(label_maps), label_values, config.mask_policy.describe())
                if 0 < len(label_maps) == len(train_masks):  # the batches are copies of them
                    meta["train_label_map_values"] = label_values
            # a resumed run whose variants began trained on these masks before: not refused
            if config.allow_empty_masks or not any(
                    (run_dir / name).is_dir() for name in config.variants):
                pre_training += _refuse_empty_masks(
                    config, run_dir, info, meta, pairing_findings + pre_training, train_counts,
                    val_counts, (stored_foreground(datasets.decode_log, train_pairs),
                                 stored_foreground(datasets.decode_log, val_pairs)))
            if previous is not None:  # after the data's checks: a refused resume moves none
                if resume_changes:
                    write_run_config(run_dir, config)
                    unrecorded = ""
                pre_training += set_aside_damaged_checkpoints(run_dir, config.variants)
            if weighted and config.foreground_weight is None:
                config = dataclasses.replace(
                    config, foreground_weight=balanced_foreground_weight(train_counts))
            if weighted:
                meta["foreground_weight"] = config.foreground_weight
            val_files = [pair.image.name for pair in val_pairs]
            with progress_display(console, config.quiet) as progress:
                tasks = {name: progress.add_task(name, start=False, metrics="waiting")
                         for name in config.variants}
                for name in config.variants:
                    if previous is not None and variant_finished(run_dir / name):
                        earlier = previous.result(run_dir, name)
                        if not (earlier.status == "finished"
                                and earlier.epochs_completed < config.epochs):
                            results[name] = earlier
                            progress.update(tasks[name], metrics=f"{earlier.status} before")
                            continue
                        check_extendable(run_dir / name)
                    stage = name
                    result = train_with_policy(
                        config, run_dir, name, resuming=previous is not None,
                        variant=VARIANTS[name], datasets=datasets,
                        val_baselines=meta["val_baselines"], policy_name=policy_name,
                        strategy=strategy, progress=progress, task=tasks[name],
                        strategy_name=info["strategy"], val_files=val_files,
                        train_foreground_fraction=train_counts.foreground_fraction,
                        split_masks=split_masks(train_counts, val_counts),
                        epoch_lines=epoch_lines_wanted(console, config.quiet))
                    results[name] = result
                    stage = BETWEEN_VARIANTS
                    if result.status == "interrupted":
                        interrupted_during = name
                        break
                    if result.status in STOPPED_STATUSES and config.stop_all_on_guard:
                        break
    except KeyboardInterrupt:  # outside model.fit: data preparation, compile, save, ...
        interrupted_during = stage
        if stage in results:
            results[stage].status = "interrupted"
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    if unrecorded:  # the report and summary say the options config.json holds
        options_as_recorded(meta, run_dir, resume_changes)
    report = train_report(config, run_dir, results, meta, pairing_findings + pre_training,
                          interrupted_during, resume_options=unrecorded)
    exit_code = exit_status(report, fail_on=Severity(config.fail_on))
    if is_chief(info):
        write_summary(run_dir, results, meta, exit_code)
        write_report_files(report, run_dir)
    return TrainResult(run_dir=run_dir, exit_code=exit_code, report=report, variants=results)


def _refuse_empty_masks(config: TrainConfig, run_dir: Path, info: dict[str, Any],
                        meta: dict[str, Any], findings: list[Finding], train_counts: MaskCounts,
                        val_counts: MaskCounts,
                        stored: tuple[StoredForeground, StoredForeground]) -> list[Finding]:
    """Before training: when every training or validation mask decodes empty
    (:mod:`.empty_masks`), write the report (outcome ``refused``; a resume's folder keeps
    its earlier part's) and raise; under ``--allow-empty-masks`` return the finding instead
    (it stays an error in the report).

    Raises:
        UserError: (``INPUT_ERROR``, from :func:`~unetdiag.exitcodes.exit_status`) the
            refusal's title and fix, naming the report.
    """
    def audit() -> Report:  # in this process: forking beside TensorFlow's threads is unsafe
        return audit_dataset(config.images, masks_dir=config.masks,
                             mask_suffixes=config.mask_suffixes, policy=config.mask_policy,
                             val_fraction=config.val_fraction, seed=config.seed, workers=1,
                             mask_pattern=config.mask_pattern)

    refusal = empty_masks_refusal(train_counts, val_counts, config.mask_policy,
                                  config.empty_rule, audit, img_size=config.img_size,
                                  stored=stored, allowed=config.allow_empty_masks,
                                  resumed=config.resume is not None,
                                  multiple=2 ** config.depth)
    if refusal is None or config.allow_empty_masks:
        return [] if refusal is None else [refusal]
    report = Report(title=f"unetdiag train {config.images}", command="train",
                    findings=[*findings, refusal], headline=f"{refusal.title}. {refusal.fix}",
                    meta=meta, outcome="refused")
    if config.resume is not None:  # a resumed run's folder is left as it was (run/refusal.py)
        # an earlier part killed before it reported (SIGKILL, out of memory) left none
        place = (f"no report written: {run_dir} keeps the report of its earlier part"
                 if (run_dir / REPORT_FILENAME).is_file() else
                 f"no report written: a refused resume leaves {run_dir} as it was, and no "
                 "earlier part of the run wrote a report there")
    else:
        if is_chief(info):
            write_report_files(report, run_dir)
        place = refusal_report_place(info, run_dir)
    raise UserError(f"{refusal.title}. {refusal.fix} ({place})",
                    exit_status(report, fail_on=Severity(config.fail_on)), report=report)


def refusal_report_place(info: dict[str, Any], run_dir: Path) -> str:
    """Where a refusal before training is reported, as the error says it. Another worker's
    folder is temporary; each worker judges the data it reads, so the chief's run folder
    holds a report of the refusal only when the chief's data was refused too (workers on
    different hosts may read different copies)."""
    if is_chief(info):
        return f"report: {run_dir / 'report.txt'}"
    return (f"report: none from {info['task_type']} {info['task_index']}, whose folder is "
            "temporary; the chief's run folder holds one when the data the chief reads is "
            "refused too")


@contextlib.contextmanager
def _sigterm_as_keyboard_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while training (only possible from the main thread).

    SIGINT gets the same handler too: a process started with SIGINT ignored (a background job
    of a non-interactive shell) would otherwise not stop on it. Both previous handlers are
    restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {number: signal.signal(number, interrupt)
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
