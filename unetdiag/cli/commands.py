"""The command handlers: each turns parsed arguments into a run of the engine and an exit
status.

TensorFlow is imported only inside the ``train``, ``evaluate`` and ``predict`` handlers, so
``unetdiag --help``, ``audit-data`` and ``explain-log`` start in well under a second. Those
three run with TensorFlow's C++ start-up log in a temporary file
(:mod:`unetdiag.tensorflow_log`), so the first lines a user sees are unetdiag's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from unetdiag.config import DEFAULT_MASK_SUFFIXES, TrainConfig
from unetdiag.diag.core.dice import NAMED_DICE, DiceConfig
from unetdiag.diag.core.findings import Report
from unetdiag.exitcodes import ExitCode, UserError, exit_status
from unetdiag.tensorflow_log import with_tensorflow_log_to_file

if TYPE_CHECKING:
    from rich.console import Console

    from unetdiag.training.evaluate import EvaluationResult
    from unetdiag.training.predict_result import PredictResult
    from unetdiag.training.run.summary import TrainResult

from unetdiag.cli.arguments import (
    FAIL_ON,
    mask_naming,
    mask_policy,
)

T = TypeVar("T")


#: The options ``--resume`` takes besides itself: they change how the run goes on, not what
#: it trains (the other options are fixed by the run's config.json).
RESUME_OPTIONS = ("resume", "epochs", "on_guard", "fail_on", "json", "quiet")
#: Those of them that are TrainConfig fields the resumed run takes from the command line.
RESUME_CHANGES = ("epochs", "on_guard", "fail_on")


def run_train(args: argparse.Namespace, console: Console) -> int:
    config = train_config(args)
    changes = resume_changes(args, config)
    if config.resume is None:
        _refuse_unusable_out(config.out_dir)

    def run() -> TrainResult:
        from unetdiag.training.trainer import run_training  # TensorFlow starts here

        return run_training(config, console=console, show_report=not args.json,
                            resume_changes=changes)

    try:
        result = with_tensorflow_log_to_file(
            run, keep=lambda result: result.exit_code == ExitCode.TRAINING_STOPPED)
    except UserError as error:  # refused before training: its report is the JSON asked for
        if args.json and error.report is not None:
            _write_json(error.report)
        raise
    if args.json:
        _write_json(result.report)
    return int(result.exit_code)


def _refuse_unusable_out(out_dir: Path) -> None:
    """:func:`unetdiag.fsutil.refuse_unusable_out` before TensorFlow starts (imported here:
    audit-data, which writes nothing, does not pay for fsutil's imports)."""
    from unetdiag.fsutil import refuse_unusable_out

    refuse_unusable_out(Path(out_dir))


def _write_json(report: Report) -> None:
    from unetdiag.report import report_to_json

    sys.stdout.write(report_to_json(report) + "\n")


def resume_changes(args: argparse.Namespace, config: TrainConfig) -> dict[str, Any]:
    """What ``--resume`` changes in the run's saved config: the :data:`RESUME_CHANGES` given
    on the command line (``args.given``, set by :func:`unetdiag.cli.main`).

    Raises:
        UserError: (``USAGE``) another training option was given with ``--resume``.
    """
    given: dict[str, str] = getattr(args, "given", {})
    if args.resume is None:
        return {}
    refused = [option for dest, option in given.items() if dest not in RESUME_OPTIONS]
    if refused:
        raise UserError(f"{', '.join(refused)} cannot change a resumed run: {args.resume}"
                        "/config.json fixes what it trains; with --resume give only --epochs, "
                        "--on-guard, --fail-on, --json or --quiet, or start a new run",
                        ExitCode.USAGE)
    return {field: getattr(config, field) for field in RESUME_CHANGES if field in given}


def _dataset_folder(args: argparse.Namespace, default: Path | None) -> Path | None:
    """The PATH argument or --images (the same option twice over: both must name one folder).
    ``args.given`` (the options typed, set by :func:`unetdiag.cli.main`) tells --images typed
    with its default value from --images left out."""
    given = getattr(args, "given", None)
    images_given = ("images" in given if given is not None
                    else args.images is not None and args.images != default)
    if (args.path is not None and images_given
            and Path(args.path).resolve() != Path(args.images).resolve()):
        raise UserError(f"the dataset folder is given twice: {args.path} and --images "
                        f"{args.images}; give one", ExitCode.USAGE)
    return args.path if args.path is not None else args.images


def train_config(args: argparse.Namespace) -> TrainConfig:
    dice = NAMED_DICE[args.dice_preset]
    numerator = args.dice_smoothing_numerator
    denominator = args.dice_smoothing_denominator
    if args.dice_smoothing is not None:
        numerator = numerator if numerator is not None else args.dice_smoothing
        denominator = denominator if denominator is not None else args.dice_smoothing
    try:
        dice = DiceConfig(
            smooth_numerator=dice.smooth_numerator if numerator is None else numerator,
            smooth_denominator=dice.smooth_denominator if denominator is None else denominator,
            reduction=args.dice_reduction or dice.reduction)
    except ValueError as error:
        raise UserError(str(error), ExitCode.USAGE) from None
    mask_suffixes, mask_pattern = mask_naming(args)
    for option, value, loss in (("--focal-gamma", args.focal_gamma, "focal"),
                                ("--foreground-weight", args.foreground_weight, "weighted")):
        if value is not None and args.loss_bce != loss:
            raise UserError(f"{option} applies to --loss-bce {loss} only, not "
                            f"{args.loss_bce}", ExitCode.USAGE)
    return TrainConfig(
        images=_dataset_folder(args, TrainConfig.images), masks=args.masks,
        mask_suffixes=mask_suffixes, mask_pattern=mask_pattern,
        allow_same_file_masks=args.allow_same_file_masks,
        allow_empty_masks=args.allow_empty_masks,
        mask_policy=mask_policy(args, normalise=not args.no_mask_normalise),
        variants=args.variants, img_size=args.img_size, channels=args.channels,
        base_filters=args.base_filters, depth=args.depth,
        normalization=args.normalization, batch_size=args.batch_size,
        epochs=args.epochs, min_steps_per_epoch=args.min_steps_per_epoch,
        learning_rate=args.lr, seed=args.seed,
        val_fraction=args.val_fraction, split_by_subject=args.split_by_subject,
        augment=not args.no_augment,
        precision=args.precision, strategy=args.strategy, dice=dice,
        bce_loss=args.loss_bce,
        focal_gamma=TrainConfig.focal_gamma if args.focal_gamma is None else args.focal_gamma,
        foreground_weight=args.foreground_weight, clipnorm=args.clipnorm,
        metric_threshold=args.metric_threshold, empty_rule=args.empty_rule,
        diagnostics=not args.no_diagnostics,
        stop_on_label_error=not args.no_stop_on_label_error,
        stop_all_on_guard=args.stop_all_on_guard, on_guard=args.on_guard,
        fail_on=args.fail_on, out_dir=args.out, run_name=args.run_name,
        resume=args.resume, quiet=args.quiet)


def run_audit(args: argparse.Namespace, console: Console | None) -> int:
    from unetdiag.cli import startup
    from unetdiag.diag.audit.run import audit_dataset

    startup.imports_done()
    images = _dataset_folder(args, None)
    if images is None:
        raise UserError("give a dataset folder: unetdiag audit-data PATH, or --images DIR",
                        ExitCode.USAGE)
    from unetdiag.report.progress import progress_callback

    mask_suffixes, mask_pattern = mask_naming(args)
    with progress_callback(console, "reading files", enabled=not args.quiet) as progress:
        report = audit_dataset(
            images, masks_dir=args.masks, mask_suffixes=mask_suffixes,
            mask_pattern=mask_pattern, policy=mask_policy(args),
            val_fraction=args.val_fraction, seed=args.seed, workers=args.workers,
            progress=progress)
    return finish(report, args, console)


def run_explain_log(args: argparse.Namespace, console: Console) -> int:
    from unetdiag.diag.logs.explain import explain_log

    return finish(explain_log(args.log), args, console)


def with_progress_bar(console: Console, args: argparse.Namespace, description: str,
                       engine: Callable[[Callable[[int, int], None] | None], T]) -> T:
    """``engine(progress)`` under a progress bar (none with ``--quiet`` or off a terminal),
    with TensorFlow's C++ log in a temporary file (the engine imports TensorFlow)."""
    from unetdiag.report.progress import progress_callback

    def run() -> T:
        with progress_callback(console, description, enabled=not args.quiet) as progress:
            return engine(progress)

    return with_tensorflow_log_to_file(run)


def run_evaluate(args: argparse.Namespace, console: Console) -> int:
    _refuse_unusable_out(args.out)

    def engine(progress: Callable[[int, int], None] | None) -> EvaluationResult:
        from unetdiag.training.evaluate import evaluate_model  # TensorFlow starts here

        mask_suffixes, mask_pattern = mask_naming(args)
        return evaluate_model(
            args.model, args.images, args.masks, mask_suffixes=mask_suffixes,
            mask_pattern=mask_pattern, policy=mask_policy(args),
            allow_same_file_masks=args.allow_same_file_masks,
            img_size=args.img_size, batch_size=args.batch_size, threshold=args.threshold,
            empty=args.empty_rule, out_parent=args.out, console=console, progress=progress)

    result = with_progress_bar(console, args, "scoring images", engine)
    status = finish(result.report, args, console)
    console.print(f"per-image scores, overlays and the report: {result.out_dir}",
                  highlight=False)
    return status


def run_predict(args: argparse.Namespace, console: Console) -> int:
    _refuse_unusable_out(args.out)

    def engine(progress: Callable[[int, int], None] | None) -> PredictResult:
        from unetdiag.training.predict import predict_folder  # TensorFlow starts here

        return predict_folder(args.model, args.images, args.out,
                              mask_suffixes=tuple(args.mask_suffixes or DEFAULT_MASK_SUFFIXES),
                              img_size=args.img_size, batch_size=args.batch_size,
                              threshold=args.threshold, progress=progress)

    result = with_progress_bar(console, args, "predicting", engine)
    # imported by the engine already
    from unetdiag.training.predict_listing import (
        left_out_lines,
        masks_line,
        other_files_line,
        read_line,
    )
    from unetdiag.training.predict_notes import (
        colour_lines,
        geometry_lines,
        orientation_lines,
        stack_lines,
        unreadable_lines,
    )

    count = len(result.records)
    console.print(f"wrote {count} mask{'' if count == 1 else 's'} (0/255 PNG, each image's own "
                  f"size; {result.foreground}) to {result.out_dir} and overlays to "
                  f"{result.out_dir / 'overlays'}", highlight=False)
    if result.mask_sets:
        console.print(masks_line(result.mask_sets), highlight=False, soft_wrap=True)
    for line in left_out_lines(result.left_out):
        console.print(f"left out {line}", highlight=False, soft_wrap=True)
    if result.left_out:
        console.print(read_line(result.listing), highlight=False, soft_wrap=True)
    if result.other_files:
        console.print(f"left out {other_files_line(result.other_files)}", highlight=False,
                      soft_wrap=True)
    for line in [*geometry_lines(result), *colour_lines(result), *stack_lines(result),
                 *orientation_lines(result), *unreadable_lines(result)]:
        console.print(line, highlight=False, soft_wrap=True)
    if result.non_finite_images:
        console.print(f"warning: {result.non_finite_images} image(s) got NaN or Inf "
                      "predictions, written as background (see predict.json)", highlight=False)
    return int(ExitCode.WARNINGS if result.incomplete else ExitCode.OK)


def finish(report: Report, args: argparse.Namespace, console: Console | None) -> int:
    """Render a report (rich or JSON; no console with ``--json``) and turn its worst
    severity into the exit status."""
    if args.json:  # the console view (rich) is imported only to be drawn
        _write_json(report)
    else:
        from unetdiag.report import render_report

        render_report(report, console, verbose=args.verbose)
    return exit_status(report, fail_on=FAIL_ON[args.fail_on])


