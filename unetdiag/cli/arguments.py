"""Argument types and the option groups several commands share.

Each type rejects a bad value with one clear line (argparse exits 2); every option's
help ends with its default (:class:`HelpFormatter`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from unetdiag.config import DEFAULT_MASK_SUFFIXES, VARIANTS, BceLoss
from unetdiag.diag.core.dice import EmptyRule
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.exitcodes import ExitCode, UserError

if TYPE_CHECKING:

    pass


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    value = finite_float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    value = finite_float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text}")
    return value


def fraction(text: str) -> float:
    value = finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text}")
    return value


def finite_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text}")
    return value


def value_list(text: str) -> tuple[float, ...]:
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
                values.append(finite_float(part))
        except (ValueError, argparse.ArgumentTypeError):
            raise argparse.ArgumentTypeError(
                f"expected numbers separated by commas (ranges as 1-20), got {text!r}"
            ) from None
    return tuple(values)


def probability_cut(text: str) -> float:
    value = finite_float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a threshold strictly between 0 and 1, got "
                                         f"{text}")
    return value


def variant_list(text: str) -> tuple[str, ...]:
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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
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


def add_dataset_options(parser: argparse.ArgumentParser, images_default: Path | None,
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
    group.add_argument("--mask-threshold", type=finite_float, metavar="T",
                       help="a stored mask value v is bright when v > T (default: the midpoint of "
                            "the mask's scale: 0.5 for 0/1, 127.5 for 0/255, 32767.5 for "
                            "16-bit; 0.5 on palette indices, 255 on 8-bit label numbers)")
    group.add_argument("--mask-polarity", choices=("bright", "dark"), default="bright",
                       help="which class is foreground ('dark' for e.g. membranes drawn black)")
    group.add_argument("--foreground-values", type=value_list, default=(), metavar="V,V",
                       help="label maps: foreground is exactly these stored values (comma "
                            "list, ranges as 1-20), e.g. 1 for the Oxford-IIIT Pet trimaps; "
                            "replaces --mask-threshold and --mask-polarity")
    group.add_argument("--ignore-values", type=value_list, default=(), metavar="V,V",
                       help="stored values whose pixels weigh 0 in every loss, metric and "
                            "count, e.g. 255 for the PASCAL VOC void border")
    if same_file_masks:
        group.add_argument("--allow-same-file-masks", action="store_true",
                           help="accept pairs whose mask is the image file itself (refused "
                                "otherwise; only to reproduce the original project's bug)")


def add_split_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("split")
    group.add_argument("--val-fraction", type=fraction, default=0.2, metavar="F",
                       help="share of files held out for validation")
    group.add_argument("--seed", type=int, default=42,
                       help="seed for the split and augmentation")


def mask_naming(args: argparse.Namespace) -> tuple[tuple[str, ...], str | None]:
    """``(mask suffixes, mask pattern)`` from the dataset options; both at once is refused."""
    if args.mask_pattern is not None and args.mask_suffixes:
        raise UserError("give --mask-suffix or --mask-pattern, not both", ExitCode.USAGE)
    return tuple(args.mask_suffixes or DEFAULT_MASK_SUFFIXES), args.mask_pattern


def mask_policy(args: argparse.Namespace, normalise: bool = True) -> MaskPolicy:
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


def add_output_options(parser: argparse.ArgumentParser, fail_on: bool = True) -> None:
    group = parser.add_argument_group("output")
    group.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (schema: docs/report-schema.md)")
    group.add_argument("--verbose", "-v", action="store_true",
                       help="show info-level findings in full")
    if fail_on:
        group.add_argument("--fail-on", choices=tuple(FAIL_ON), default="warning",
                           help="exit non-zero on findings of this severity or worse ('error': "
                                "warnings alone exit 0, so a script goes on past them)")


def add_prediction_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("prediction")
    group.add_argument("--img-size", type=positive_int, metavar="PX",
                       help="side images are resized to (default: the model's input size; "
                            "needed when the model accepts any size)")
    group.add_argument("--batch-size", type=positive_int, default=8, metavar="N",
                       help="images predicted at once")
    group.add_argument("--threshold", type=probability_cut, default=0.5, metavar="T",
                       help="a pixel with probability > T is foreground")


