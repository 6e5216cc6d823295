"""The ``unetdiag`` command line: argument parsing and dispatch, nothing else.

TensorFlow is imported only inside the ``train``, ``evaluate`` and ``predict`` handlers, so
``unetdiag --help``, ``audit-data`` and ``explain-log`` start in well under a second. Those
three run with TensorFlow's C++ start-up log in a temporary file
(:mod:`unetdiag.tensorflow_log`), so the first lines a user sees are unetdiag's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, get_args

from unetdiag import __version__
from unetdiag.config import DEFAULT_MASK_SUFFIXES, VARIANTS, BceLoss, TrainConfig
from unetdiag.diag.core.dice import NAMED_DICE, DiceConfig, EmptyRule
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.exitcodes import DESCRIPTIONS, ExitCode, UserError, exit_status
from unetdiag.tensorflow_log import with_tensorflow_log_to_file

if TYPE_CHECKING:
    from rich.console import Console

    from unetdiag.training.evaluate import EvaluationResult
    from unetdiag.training.predict import PredictResult
    from unetdiag.training.run.summary import TrainResult

T = TypeVar("T")

# --- argument types: each rejects a bad value with one clear line (argparse exits 2) ---------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = _finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = _finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def _fraction(text: str) -> float:
    value = _finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text}")
    return value


def _finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def _value_list(text: str) -> tuple[float, ...]:
    """Stored mask values: numbers separated by commas, whole-number ranges as ``A-B``."""
    values: list[float] = []
    for part in (piece.strip() for piece in text.split(",")):
        low, dash, high = part.partition("-")
        try:
            if dash and low:
                first, last = int(low), int(high)
                if last < first:
                    raise ValueError
                values.extend(range(first, last + 1))
            else:
                values.append(_finite_float(part))
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(
                f"expected numbers separated by commas (ranges as 1-20), got {text!r}"
            ) from None
    return tuple(values)


def _probability_cut(text: str) -> float:
    value = _finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a threshold strictly between 0 and 1, got "
                                         f"{text}")
    return value


def _variant_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown variant {', '.join(unknown) or '(none)'}; choose from {', '.join(VARIANTS)}")
    return names


#: ``--fail-on``: the least severe finding that makes a command exit non-zero.
FAIL_ON = {"error": Severity.ERROR, "warning": Severity.WARNING}
EMPTY_RULES = get_args(EmptyRule)
BCE_LOSSES = get_args(BceLoss)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default: the value, ``off`` for a flag, or the
    sentence the help already gives (``default: ...``, or ``(required)``)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if ("default" in text or "(required)" in text or not action.option_strings
                or action.default in (None, argparse.SUPPRESS)):
            return text
        if action.nargs == 0 and action.default is False:
            return f"{text} (default: off)"
        return f"{text} (default: %(default)s)"


# --- shared option groups ---------------------------------------------------------------------


def _add_dataset_options(parser: argparse.ArgumentParser, images_default: Path | None,
                         images_help: str = "folder of images (default: %(default)s)",
                         same_file_masks: bool = True) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument("--images", type=Path, default=images_default, metavar="DIR",
                       required=images_help.endswith("(required)"), help=images_help)
    group.add_argument("--masks", type=Path, metavar="DIR",
                       help="folder of masks matched by file stem; default: masks sit beside the "
                            "images, named <stem><suffix>.<ext>")
    group.add_argument("--mask-suffix", dest="mask_suffixes", action="append", metavar="SUFFIX",
                       help="mask file suffix, repeatable (default: "
                            f"{', '.join(DEFAULT_MASK_SUFFIXES)}; when no mask has one, the "
                            "rule the file names follow is looked for)")
    group.add_argument("--mask-pattern", metavar="PATTERN",
                       help="mask file name with {key} for the image's name, or for its start "
                            "or end cut at a _ - . or space: '{key}_manual1' pairs "
                            "21_training.tif with 21_manual1.gif (instead of --mask-suffix; "
                            "default: inferred when the names pair otherwise nothing)")
    group.add_argument("--mask-threshold", type=_finite_float, metavar="T",
                       help="a stored mask value v is bright when v > T (default: the midpoint of "
                            "the mask's scale: 0.5 for 0/1, 127.5 for 0/255, 32767.5 for 16-bit)")
    group.add_argument("--mask-polarity", choices=("bright", "dark"), default="bright",
                       help="which class is foreground ('dark' for e.g. membranes drawn black)")
    group.add_argument("--foreground-values", type=_value_list, default=(), metavar="V,V",
                       help="label maps: foreground is exactly these stored values (comma "
                            "list, ranges as 1-20), e.g. 1 for the Oxford-IIIT Pet trimaps; "
                            "replaces --mask-threshold and --mask-polarity")
    group.add_argument("--ignore-values", type=_value_list, default=(), metavar="V,V",
                       help="stored values whose pixels weigh 0 in every loss, metric and "
                            "count, e.g. 255 for the PASCAL VOC void border")
    if same_file_masks:
        group.add_argument("--allow-same-file-masks", action="store_true",
                           help="accept pairs whose mask is the image file itself (refused "
                                "otherwise; only to reproduce the original project's bug)")


def _add_split_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("split")
    group.add_argument("--val-fraction", type=_fraction, default=0.2, metavar="F",
                       help="share of files held out for validation")
    group.add_argument("--seed", type=int, default=42,
                       help="seed for the split and augmentation")


def _mask_naming(args: argparse.Namespace) -> tuple[tuple[str, ...], str | None]:
    """``(mask suffixes, mask pattern)`` from the dataset options; both at once is refused."""
    if args.mask_pattern is not None and args.mask_suffixes:
        raise UserError("give --mask-suffix or --mask-pattern, not both", ExitCode.USAGE)
    return tuple(args.mask_suffixes or DEFAULT_MASK_SUFFIXES), args.mask_pattern


def _mask_policy(args: argparse.Namespace, normalise: bool = True) -> MaskPolicy:
    try:
        policy = MaskPolicy(threshold=args.mask_threshold, polarity=args.mask_polarity,
                            normalise=normalise, foreground_values=args.foreground_values,
                            ignore_values=args.ignore_values)
    except ValueError as error:
        raise UserError(f"mask policy: {error} (--foreground-values, --ignore-values, "
                        "--mask-threshold, --mask-polarity)", ExitCode.USAGE) from None
    if policy.ignore_values and getattr(args, "strategy", None) == "multiworker":
        raise UserError("--ignore-values needs pixel weights, which the multiworker training "
                        "loop does not take; train with --strategy default or mirrored",
                        ExitCode.USAGE)
    return policy


def _add_output_options(parser: argparse.ArgumentParser, fail_on: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (schema: docs/report-schema.md)")
    group.add_argument("--verbose", "-v", action="store_true",
                       help="show info-level findings in full")
    if fail_on:
        group.add_argument("--fail-on", choices=tuple(FAIL_ON), default="warning",
                           help="exit non-zero on findings of this severity or worse ('error' "
                                "lets `audit-data && train` go on despite harmless warnings)")


def _add_prediction_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("prediction")
    group.add_argument("--img-size", type=_positive_int, metavar="PX",
                       help="side images are resized to (default: the model's input size; "
                            "needed when the model accepts any size)")
    group.add_argument("--batch-size", type=_positive_int, default=8, metavar="N",
                       help="images predicted at once")
    group.add_argument("--threshold", type=_probability_cut, default=0.5, metavar="T",
                       help="a pixel with probability > T is foreground")


# --- commands ---------------------------------------------------------------------------------


def _train(args: argparse.Namespace, console: Console) -> int:
    config = _train_config(args)

    def run() -> TrainResult:
        from unetdiag.training.trainer import run_training  # TensorFlow starts here

        return run_training(config, console=console, show_report=not args.json)

    result = with_tensorflow_log_to_file(
        run, keep=lambda result: result.exit_code == ExitCode.TRAINING_STOPPED)
    if args.json:
        from unetdiag.report import report_to_json

        sys.stdout.write(report_to_json(result.report) + "\n")
    return int(result.exit_code)


def _train_config(args: argparse.Namespace) -> TrainConfig:
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
    mask_suffixes, mask_pattern = _mask_naming(args)
    for option, value, loss in (("--focal-gamma", args.focal_gamma, "focal"),
                                ("--foreground-weight", args.foreground_weight, "weighted")):
        if value is not None and args.loss_bce != loss:
            raise UserError(f"{option} applies to --loss-bce {loss} only, not "
                            f"{args.loss_bce}", ExitCode.USAGE)
    return TrainConfig(
        images=args.images, masks=args.masks, mask_suffixes=mask_suffixes,
        mask_pattern=mask_pattern,
        allow_same_file_masks=args.allow_same_file_masks,
        mask_policy=_mask_policy(args, normalise=not args.no_mask_normalise),
        variants=args.variants, img_size=args.img_size, channels=args.channels,
        base_filters=args.base_filters, depth=args.depth, batch_size=args.batch_size,
        epochs=args.epochs, learning_rate=args.lr, seed=args.seed,
        val_fraction=args.val_fraction, augment=not args.no_augment,
        precision=args.precision, strategy=args.strategy, dice=dice,
        bce_loss=args.loss_bce,
        focal_gamma=TrainConfig.focal_gamma if args.focal_gamma is None else args.focal_gamma,
        foreground_weight=args.foreground_weight, clipnorm=args.clipnorm,
        metric_threshold=args.metric_threshold, empty_rule=args.empty_rule,
        diagnostics=not args.no_diagnostics,
        stop_on_label_error=not args.no_stop_on_label_error,
        stop_all_on_guard=args.stop_all_on_guard, out_dir=args.out, run_name=args.run_name,
        resume=args.resume, quiet=args.quiet)


def _audit(args: argparse.Namespace, console: Console) -> int:
    from unetdiag.diag.audit.run import audit_dataset

    images = args.path if args.path is not None else args.images
    if images is None:
        raise UserError("give a dataset folder: unetdiag audit-data PATH, or --images DIR",
                        ExitCode.USAGE)
    from unetdiag.report.progress import progress_callback

    mask_suffixes, mask_pattern = _mask_naming(args)
    with progress_callback(console, "reading files", enabled=not args.quiet) as progress:
        report = audit_dataset(
            images, masks_dir=args.masks, mask_suffixes=mask_suffixes,
            mask_pattern=mask_pattern, policy=_mask_policy(args),
            val_fraction=args.val_fraction, seed=args.seed, workers=args.workers,
            progress=progress)
    return _finish(report, args, console)


def _explain_log(args: argparse.Namespace, console: Console) -> int:
    from unetdiag.diag.logs.explain import explain_log

    return _finish(explain_log(args.log), args, console)


def _with_progress_bar(console: Console, args: argparse.Namespace, description: str,
                       engine: Callable[[Callable[[int, int], None] | None], T]) -> T:
    """``engine(progress)`` under a progress bar (none with ``--quiet`` or off a terminal),
    with TensorFlow's C++ log in a temporary file (the engine imports TensorFlow)."""
    from unetdiag.report.progress import progress_callback

    def run() -> T:
        with progress_callback(console, description, enabled=not args.quiet) as progress:
            return engine(progress)

    return with_tensorflow_log_to_file(run)


def _evaluate(args: argparse.Namespace, console: Console) -> int:
    def engine(progress: Callable[[int, int], None] | None) -> EvaluationResult:
        from unetdiag.training.evaluate import evaluate_model  # TensorFlow starts here

        mask_suffixes, mask_pattern = _mask_naming(args)
        return evaluate_model(
            args.model, args.images, args.masks, mask_suffixes=mask_suffixes,
            mask_pattern=mask_pattern, policy=_mask_policy(args),
            allow_same_file_masks=args.allow_same_file_masks,
            img_size=args.img_size, batch_size=args.batch_size, threshold=args.threshold,
            empty=args.empty_rule, out_parent=args.out, console=console, progress=progress)

    result = _with_progress_bar(console, args, "scoring images", engine)
    status = _finish(result.report, args, console)
    console.print(f"per-image scores, overlays and the report: {result.out_dir}",
                  highlight=False)
    return status


def _predict(args: argparse.Namespace, console: Console) -> int:
    def engine(progress: Callable[[int, int], None] | None) -> PredictResult:
        from unetdiag.training.predict import predict_folder  # TensorFlow starts here

        return predict_folder(args.model, args.images, args.out,
                              mask_suffixes=tuple(args.mask_suffixes or DEFAULT_MASK_SUFFIXES),
                              img_size=args.img_size, batch_size=args.batch_size,
                              threshold=args.threshold, progress=progress)

    result = _with_progress_bar(console, args, "predicting", engine)
    console.print(f"wrote {len(result.records)} masks (0/255 PNG, each image's own size) to "
                  f"{result.out_dir} and overlays to {result.out_dir / 'overlays'}",
                  highlight=False)
    if result.skipped_masks:
        console.print(f"left out {len(result.skipped_masks)} file(s) named as masks (e.g. "
                      f"{result.skipped_masks[0].name})", highlight=False)
    if not result.non_finite_images:
        return int(ExitCode.OK)
    console.print(f"warning: {result.non_finite_images} image(s) got NaN or Inf predictions, "
                  "written as background (see predict.json)", highlight=False)
    return int(ExitCode.WARNINGS)


def _finish(report: Report, args: argparse.Namespace, console: Console) -> int:
    """Render a report (rich or JSON) and turn its worst severity into the exit status."""
    from unetdiag.report import render_report, report_to_json

    if args.json:
        sys.stdout.write(report_to_json(report) + "\n")
    else:
        render_report(report, console, verbose=args.verbose)
    return exit_status(report, fail_on=FAIL_ON[args.fail_on])


# --- parser -----------------------------------------------------------------------------------


def _exit_status_epilog() -> str:
    return "exit status:\n" + "\n".join(f"  {int(code):>3}  {DESCRIPTIONS[code]}"
                                         for code in ExitCode)


def _command(commands, name: str, handler: Callable, help_text: str, description: str
             ) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, formatter_class=_HelpFormatter,
                                 epilog=_exit_status_epilog(), help=help_text,
                                 description=description)
    parser.set_defaults(handler=handler)
    return parser


def _add_train_parser(commands) -> None:
    train = _command(
        commands, "train", _train,
        "train the U-Net variants with diagnostics and report why metrics look as they do",
        "Train the four U-Net variants (or --variants) with diagnostic callbacks; every run "
        "gets its own directory under --out.")
    _add_dataset_options(train, Path("images"))
    _add_split_options(train)
    train.add_argument_group("dataset (reproducing the original project's bugs)").add_argument(
        "--no-mask-normalise", action="store_true",
        help="feed raw mask values (e.g. 0/255) to the model; the batch audit then stops the run")
    group = train.add_argument_group("model and training")
    group.add_argument("--variants", type=_variant_list, default=tuple(VARIANTS),
                       metavar="A,B", help=f"comma-separated subset of {', '.join(VARIANTS)} "
                                           "(default: all four)")
    defaults = TrainConfig()
    group.add_argument("--img-size", type=_positive_int, default=defaults.img_size, metavar="PX",
                       help="side images and masks are resized to")
    group.add_argument("--channels", type=int, choices=(1, 3), default=defaults.channels,
                       help="image channels the model takes (1: grey, 3: RGB)")
    group.add_argument("--base-filters", type=_positive_int, default=defaults.base_filters,
                       metavar="N", help="filters of the first block (the original used 64)")
    group.add_argument("--depth", type=_positive_int, default=defaults.depth, metavar="N",
                       help="down-sampling steps (the original used 4)")
    group.add_argument("--batch-size", type=_positive_int, default=defaults.batch_size,
                       metavar="N", help="images per training step")
    group.add_argument("--epochs", type=_positive_int, default=defaults.epochs, metavar="N",
                       help="epochs per variant")
    group.add_argument("--lr", type=_positive_float, default=defaults.learning_rate,
                       metavar="RATE", help="Adam learning rate")
    group.add_argument("--clipnorm", type=_positive_float, metavar="NORM",
                       help="clip each step's gradient to this norm (default: no clipping)")
    group.add_argument("--no-augment", action="store_true", help="switch augmentation off")
    group.add_argument("--precision", default=defaults.precision,
                       choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"),
                       help="auto: bfloat16 where the hardware computes it natively")
    group.add_argument("--strategy", default=defaults.strategy,
                       choices=("default", "mirrored", "multiworker"),
                       help="tf.distribute strategy; multiworker reads TF_CONFIG")
    group = train.add_argument_group("cross-entropy (the *_BCE variants)")
    group.add_argument("--loss-bce", choices=BCE_LOSSES, default=defaults.bce_loss,
                       help="plain binary cross-entropy, focal loss, or foreground-weighted")
    group.add_argument("--focal-gamma", type=_non_negative_float, metavar="G",
                       help="--loss-bce focal: focusing exponent, 0 is plain cross-entropy "
                            f"(default: {defaults.focal_gamma:g})")
    group.add_argument("--foreground-weight", type=_positive_float, metavar="W",
                       help="--loss-bce weighted: weight of foreground pixels (default: "
                            "background / foreground pixels of the training masks)")
    group = train.add_argument_group("Dice loss (the *_Dice variants)")
    group.add_argument("--dice-preset", choices=tuple(NAMED_DICE), default="default",
                       help="'default' is batch Dice with smoothing 1/1, 'seed' the original "
                            "project's batch Dice with 1e-6, 'keras' and 'monai' their "
                            "libraries' (default: %(default)s)")
    group.add_argument("--dice-smoothing", type=_non_negative_float, metavar="S",
                       help="smoothing added to numerator and denominator (default: the "
                            "preset's)")
    group.add_argument("--dice-smoothing-numerator", type=_non_negative_float, metavar="S",
                       help="numerator smoothing alone (default: the preset's)")
    group.add_argument("--dice-smoothing-denominator", type=_positive_float, metavar="S",
                       help="denominator smoothing alone (default: the preset's)")
    group.add_argument("--dice-reduction", choices=("batch", "per_image"),
                       help="pool the batch into one Dice or average per image (default: the "
                            "preset's)")
    group = train.add_argument_group("metrics")
    group.add_argument("--metric-threshold", type=_probability_cut,
                       default=defaults.metric_threshold, metavar="T",
                       help="accuracy, dice and iou count a pixel with probability > T as "
                            "foreground")
    group.add_argument("--empty-rule", choices=EMPTY_RULES, default=defaults.empty_rule,
                       help="what an image with an empty mask and nothing predicted scores in "
                            "dice and iou: left out of the mean, 1 or 0")
    group = train.add_argument_group("diagnostics and output")
    group.add_argument("--no-diagnostics", action="store_true",
                       help="train without the diagnostic callbacks")
    group.add_argument("--no-stop-on-label-error", action="store_true",
                       help="record labels outside [0,1] instead of stopping the run")
    group.add_argument("--stop-all-on-guard", action="store_true",
                       help="when a guard stops one variant, do not train the others")
    group.add_argument("--out", type=Path, default=defaults.out_dir, metavar="DIR",
                       help="parent of run directories")
    group.add_argument("--run-name", metavar="NAME",
                       help="run directory name (default: the start time)")
    group.add_argument("--resume", type=Path, metavar="RUN_DIR",
                       help="continue an interrupted run in RUN_DIR (default: start a new run)")
    group.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (progress goes to stderr)")
    group.add_argument("--quiet", "-q", action="store_true",
                       help="no progress display or per-epoch lines")


def _add_audit_parser(commands) -> None:
    audit = _command(
        commands, "audit-data", _audit, "audit an image/mask dataset before training (no "
        "TensorFlow)", "Read every image and mask (never modifying them) and report pairing, "
        "readability, geometry, mask encoding, imbalance, trivial baselines and duplicates.")
    audit.add_argument("path", nargs="?", type=Path, help="dataset folder (same as --images)")
    _add_dataset_options(audit, None, "folder of images (default: the PATH argument)",
                         same_file_masks=False)
    _add_split_options(audit)
    audit.add_argument("--workers", type=_positive_int, metavar="N",
                       help="processes reading files, this one included (default: all cores)")
    audit.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_output_options(audit)


def _add_explain_parser(commands) -> None:
    explain = _command(
        commands, "explain-log", _explain_log, "diagnose an existing training log (Keras "
        "console, CSVLogger CSV, history JSON)",
        "Read a finished run's log and say what its numbers mean.")
    explain.add_argument("log", type=Path, help="the log file")
    _add_output_options(explain)


def _add_evaluate_parser(commands) -> None:
    evaluate = _command(
        commands, "evaluate", _evaluate, "score a saved model (unetdiag's or your own "
        ".keras/.h5) on a dataset, under every Dice convention",
        "Load a saved model with compile=False and score it on image/mask pairs (paired and "
        "decoded as train does): every Dice convention side by side with the trivial "
        "baselines, a per-image CSV, overlays of the worst images, and the saturation "
        "diagnosis.")
    evaluate.add_argument("model", type=Path, help="the saved model (.keras, .h5)")
    _add_dataset_options(evaluate, None, "folder of images (required)")
    _add_prediction_options(evaluate)
    evaluate.add_argument("--empty-rule", choices=EMPTY_RULES, default="exclude",
                          help="how the per-image CSV and the headline score an image with an "
                               "empty mask and nothing predicted")
    evaluate.add_argument("--out", type=Path, default=Path("evaluations"), metavar="DIR",
                          help="parent of evaluation folders (each evaluation gets a new one, "
                               "named after the model)")
    evaluate.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_output_options(evaluate)


def _add_predict_parser(commands) -> None:
    predict = _command(
        commands, "predict", _predict, "write a saved model's masks (0/255 PNG) and overlays "
        "for a folder of images",
        "Predict a mask for every image of --images with a saved model (.keras, .h5; loaded "
        "with compile=False); write <stem>.png at each image's own size, overlays and "
        "predict.json into --out, never into the input folder.")
    predict.add_argument("model", type=Path, help="the saved model (.keras, .h5)")
    predict.add_argument("--images", type=Path, required=True, metavar="DIR",
                         help="folder of images (required)")
    predict.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="output folder: new, empty or an earlier predict output "
                              "(required)")
    predict.add_argument("--mask-suffix", dest="mask_suffixes", action="append",
                         metavar="SUFFIX", help="files whose stem ends so are masks, left out; "
                                                f"repeatable (default: "
                                                f"{', '.join(DEFAULT_MASK_SUFFIXES)})")
    _add_prediction_options(predict)
    predict.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unetdiag", formatter_class=_HelpFormatter, epilog=_exit_status_epilog(),
        description="Train binary-segmentation U-Nets and find out, with evidence, why the "
                    "numbers lie.")
    parser.add_argument("--version", action="version", version=f"unetdiag {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_train_parser, _add_audit_parser, _add_explain_parser,
                _add_evaluate_parser, _add_predict_parser):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from rich.console import Console

    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return ExitCode.USAGE
    console = Console(stderr=bool(getattr(args, "json", False)))
    try:
        return int(handler(args, console))
    except UserError as error:
        print(f"unetdiag: error: {error}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        print("unetdiag: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
