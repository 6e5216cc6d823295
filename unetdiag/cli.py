"""The ``unetdiag`` command line: argument parsing and dispatch, nothing else.

TensorFlow is imported only inside the ``train`` handler, so ``unetdiag --help``,
``audit-data`` and ``explain-log`` start in well under a second.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from unetdiag import __version__
from unetdiag.config import DEFAULT_MASK_SUFFIXES, VARIANTS, TrainConfig
from unetdiag.diag.core.dice import NAMED_DICE, DiceConfig
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.exitcodes import DESCRIPTIONS, ExitCode, UserError, exit_status

if TYPE_CHECKING:
    from rich.console import Console

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


def _variant_list(text: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown variant {', '.join(unknown) or '(none)'}; choose from {', '.join(VARIANTS)}")
    return names


# --- shared option groups ---------------------------------------------------------------------


def _add_dataset_options(parser: argparse.ArgumentParser, images_default: Path | None) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument("--images", type=Path, default=images_default, metavar="DIR",
                       help="folder of images (default: %(default)s)")
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
                            "21_training.tif with 21_manual1.gif (instead of --mask-suffix)")
    group.add_argument("--mask-threshold", type=_finite_float, metavar="T",
                       help="a stored mask value v is bright when v > T (default: the midpoint of "
                            "the mask's scale: 0.5 for 0/1, 127.5 for 0/255, 32767.5 for 16-bit)")
    group.add_argument("--mask-polarity", choices=("bright", "dark"), default="bright",
                       help="which class is foreground (default: %(default)s; 'dark' for e.g. "
                            "membranes drawn black)")
    group.add_argument("--foreground-values", type=_value_list, default=(), metavar="V,V",
                       help="label maps: foreground is exactly these stored values (comma "
                            "list, ranges as 1-20), e.g. 1 for the Oxford-IIIT Pet trimaps; "
                            "replaces --mask-threshold and --mask-polarity")
    group.add_argument("--ignore-values", type=_value_list, default=(), metavar="V,V",
                       help="stored values whose pixels weigh 0 in every loss, metric and "
                            "count, e.g. 255 for the PASCAL VOC void border")
    group.add_argument("--val-fraction", type=_fraction, default=0.2, metavar="F",
                       help="share of files held out for validation (default: %(default)s)")
    group.add_argument("--seed", type=int, default=42,
                       help="seed for the split and augmentation (default: %(default)s)")


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


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print the findings as JSON (schema: docs/report-schema.md)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="show info-level findings in full")


# --- commands ---------------------------------------------------------------------------------


def _train(args: argparse.Namespace, console: Console) -> int:
    config = _train_config(args)
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:  # the user chose TensorFlow's verbosity
        return _run_training(config, console)
    with _tensorflow_log_to_file() as log_path:
        status = _run_training(config, console)
    if status not in (ExitCode.OK, ExitCode.INTERRUPTED) and log_path.stat().st_size:
        print(f"unetdiag: TensorFlow's own log of this run: {log_path}", file=sys.stderr)
    else:
        log_path.unlink(missing_ok=True)
    return status


def _run_training(config: TrainConfig, console: Console) -> int:
    from unetdiag.training.trainer import run_training  # TensorFlow starts here, not before

    return int(run_training(config, console=console).exit_code)


@contextlib.contextmanager
def _tensorflow_log_to_file():
    """Send TensorFlow's C++ log (CUDA probes, oneDNN notices: written to file descriptor 2
    before any log level applies) to a file, while Python's own stderr stays on the terminal."""
    with tempfile.NamedTemporaryFile(prefix="unetdiag-tensorflow-", suffix=".log",
                                     delete=False) as handle:
        terminal = os.dup(2)
        previous_stderr = sys.stderr
        sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1)
        os.dup2(handle.fileno(), 2)
        try:
            yield Path(handle.name)
        finally:
            os.dup2(terminal, 2)
            os.close(terminal)
            sys.stderr.close()
            sys.stderr = previous_stderr


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


def _finish(report: Report, args: argparse.Namespace, console: Console) -> int:
    """Render a report (rich or JSON) and turn its worst severity into the exit status."""
    from unetdiag.report import render_report, report_to_json

    if args.json:
        sys.stdout.write(report_to_json(report) + "\n")
    else:
        render_report(report, console, verbose=args.verbose)
    return exit_status(report, fail_on=Severity.WARNING)


# --- parser -----------------------------------------------------------------------------------


def _exit_status_epilog() -> str:
    return "exit status:\n" + "\n".join(f"  {int(code):>3}  {DESCRIPTIONS[code]}"
                                         for code in ExitCode)


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="unetdiag", formatter_class=formatter, epilog=_exit_status_epilog(),
        description="Train binary-segmentation U-Nets and find out, with evidence, why the "
                    "numbers lie.")
    parser.add_argument("--version", action="version", version=f"unetdiag {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = commands.add_parser(
        "train", formatter_class=formatter, epilog=_exit_status_epilog(),
        help="train the U-Net variants with diagnostics and report why metrics look as they do",
        description="Train the four U-Net variants (or --variants) with diagnostic callbacks; "
                    "every run gets its own directory under --out.")
    _add_dataset_options(train, Path("images"))
    group = train.add_argument_group("dataset (reproducing the original project's bugs)")
    group.add_argument("--allow-same-file-masks", action="store_true",
                       help="accept pairs whose mask is the image file itself (refused otherwise)")
    group.add_argument("--no-mask-normalise", action="store_true",
                       help="feed raw mask values (e.g. 0/255) to the model; the batch audit "
                            "then stops the run")
    group = train.add_argument_group("model and training")
    group.add_argument("--variants", type=_variant_list, default=tuple(VARIANTS),
                       metavar="A,B", help=f"comma-separated subset of {', '.join(VARIANTS)}")
    defaults = TrainConfig()
    group.add_argument("--img-size", type=_positive_int, default=defaults.img_size, metavar="PX")
    group.add_argument("--channels", type=int, choices=(1, 3), default=defaults.channels)
    group.add_argument("--base-filters", type=_positive_int, default=defaults.base_filters,
                       metavar="N", help="filters of the first block (the original used 64)")
    group.add_argument("--depth", type=_positive_int, default=defaults.depth, metavar="N",
                       help="down-sampling steps (the original used 4)")
    group.add_argument("--batch-size", type=_positive_int, default=defaults.batch_size,
                       metavar="N")
    group.add_argument("--epochs", type=_positive_int, default=defaults.epochs, metavar="N")
    group.add_argument("--lr", type=_positive_float, default=defaults.learning_rate,
                       metavar="RATE", help="Adam learning rate (default: %(default)s)")
    group.add_argument("--no-augment", action="store_true", help="switch augmentation off")
    group.add_argument("--precision", default=defaults.precision,
                       choices=("auto", "float32", "mixed_bfloat16", "mixed_float16"),
                       help="auto: bfloat16 where the hardware supports it (default)")
    group.add_argument("--strategy", default=defaults.strategy,
                       choices=("default", "mirrored", "multiworker"),
                       help="tf.distribute strategy; multiworker reads TF_CONFIG")
    group = train.add_argument_group("Dice loss (the *_Dice variants)")
    group.add_argument("--dice-preset", choices=tuple(NAMED_DICE), default="default",
                       help="default: batch Dice, smoothing 1/1; seed: the original project's "
                            "batch Dice with 1e-6; keras; monai")
    group.add_argument("--dice-smoothing", type=_non_negative_float, metavar="S",
                       help="smoothing added to numerator and denominator")
    group.add_argument("--dice-smoothing-numerator", type=_non_negative_float, metavar="S")
    group.add_argument("--dice-smoothing-denominator", type=_positive_float, metavar="S")
    group.add_argument("--dice-reduction", choices=("batch", "per_image"))
    group = train.add_argument_group("diagnostics and output")
    group.add_argument("--no-diagnostics", action="store_true",
                       help="train without the diagnostic callbacks")
    group.add_argument("--no-stop-on-label-error", action="store_true",
                       help="record labels outside [0,1] instead of stopping the run")
    group.add_argument("--stop-all-on-guard", action="store_true",
                       help="when a guard stops one variant, do not train the others")
    group.add_argument("--out", type=Path, default=defaults.out_dir, metavar="DIR",
                       help="parent of run directories (default: %(default)s)")
    group.add_argument("--run-name", metavar="NAME", help="run directory name (default: time)")
    group.add_argument("--resume", type=Path, metavar="RUN_DIR",
                       help="continue an interrupted run in RUN_DIR")
    group.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    train.set_defaults(handler=_train)

    audit = commands.add_parser(
        "audit-data", formatter_class=formatter, epilog=_exit_status_epilog(),
        help="audit an image/mask dataset before training (no TensorFlow)",
        description="Read every image and mask (never modifying them) and report pairing, "
                    "readability, geometry, mask encoding, imbalance, trivial baselines and "
                    "duplicates.")
    audit.add_argument("path", nargs="?", type=Path,
                       help="dataset folder (same as --images)")
    _add_dataset_options(audit, None)
    audit.add_argument("--workers", type=_positive_int, metavar="N",
                       help="processes reading files, this one included (default: all cores)")
    audit.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    _add_output_options(audit)
    audit.set_defaults(handler=_audit)

    explain = commands.add_parser(
        "explain-log", formatter_class=formatter, epilog=_exit_status_epilog(),
        help="diagnose an existing training log (Keras console, CSVLogger CSV, history JSON)",
        description="Read a finished run's log and say what its numbers mean.")
    explain.add_argument("log", type=Path, help="the log file")
    _add_output_options(explain)
    explain.set_defaults(handler=_explain_log)
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
