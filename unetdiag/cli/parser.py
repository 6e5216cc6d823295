"""The parser of every ``unetdiag`` command: options, help texts, defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import get_args

from unetdiag import __version__
from unetdiag.cli.arguments import (
    BCE_LOSSES,
    EMPTY_RULES,
    FAIL_ON,
    HelpFormatter,
    add_dataset_options,
    add_output_options,
    add_prediction_options,
    add_split_options,
    non_negative_float,
    positive_float,
    positive_int,
    probability_cut,
    variant_list,
)
from unetdiag.cli.commands import (
    run_audit,
    run_evaluate,
    run_explain_log,
    run_predict,
    run_train,
)
from unetdiag.config import DEFAULT_MASK_SUFFIXES, MAX_RESTARTS, VARIANTS, OnGuard, TrainConfig
from unetdiag.diag.core.dice import NAMED_DICE
from unetdiag.exitcodes import COMMAND_STATUSES, DESCRIPTIONS, ExitCode

#: Each command: its handler, its one-line help in ``unetdiag --help`` and the description
#: its own ``--help`` opens with.
COMMANDS: dict[str, tuple[Callable, str, str]] = {
    "train": (
        run_train,
        "train the U-Net variants with diagnostics and report why metrics look as they do",
        "Train the four U-Net variants (or --variants) with diagnostic callbacks; every run "
        "gets its own directory under --out."),
    "audit-data": (
        run_audit,
        "audit an image/mask dataset before training (no TensorFlow)",
        "Read every image and mask (never modifying them) and report pairing, readability, "
        "geometry, mask encoding, imbalance, trivial baselines and duplicates."),
    "explain-log": (
        run_explain_log,
        "diagnose an existing training log (Keras console, CSVLogger CSV, history JSON)",
        "Read a finished run's log and say what its numbers mean."),
    "evaluate": (
        run_evaluate,
        "score a saved model (unetdiag's or your own .keras/.h5) on a dataset, under every "
        "Dice convention",
        "Load a saved model with compile=False and score it on image/mask pairs (paired and "
        "decoded as train does): every Dice convention side by side with the trivial "
        "baselines, a per-image CSV, overlays of the worst images, and the saturation "
        "diagnosis."),
    "predict": (
        run_predict,
        "write a saved model's masks (0/255 PNG) and overlays for a folder of images",
        "Predict a mask for every image of --images with a saved model (.keras, .h5; loaded "
        "with compile=False); write <stem>.png at each image's own size, overlays and "
        "predict.json into --out, never into the input folder."),
}

#: The empty rules (diag/core/dice.py): only exclude_empty_reference leaves out an empty mask
#: whatever was predicted; under the others an empty mask with a false positive scores 0.
EMPTY_RULE_HELP = ("exclude, one and zero leave out, score 1 or score 0 an empty mask "
                   "predicted empty (an empty mask with a false positive scores 0); "
                   "exclude_empty_reference leaves out every empty mask")


def _exit_status_epilog(statuses: dict[ExitCode, str]) -> str:
    return "exit status:\n" + "\n".join(f"  {int(code):>3}  {meaning}"
                                         for code, meaning in sorted(statuses.items()))


def _command(commands, name: str) -> argparse.ArgumentParser:
    handler, help_text, description = COMMANDS[name]
    parser = commands.add_parser(name, formatter_class=HelpFormatter,
                                 epilog=_exit_status_epilog(COMMAND_STATUSES[name]),
                                 help=help_text,
                                 description=description)
    parser.set_defaults(handler=handler)
    return parser


def _saved_model_command(commands, name: str) -> argparse.ArgumentParser:
    """A command whose first argument is a saved model (evaluate, predict)."""
    parser = _command(commands, name)
    parser.add_argument("model", type=Path, help="the saved model (.keras, .h5)")
    return parser


def _add_train_parser(commands) -> None:
    train = _command(commands, "train")
    train.add_argument("path", nargs="?", type=Path,
                       help="dataset folder (same as --images; default: images/)")
    add_dataset_options(train, Path("images"))
    add_split_options(train)
    train.add_argument(
        "--split-by-subject", action="store_true",
        help="keep the images of one subject on one side of the split, subjects read from "
             "names <subject>_<n> (Carvana's <car>_01 .. _16), or the frames of one video "
             "sequence (CamVid's 0001TP_006690 .., five sequences or more, frames in order as "
             "their pictures show); refused when the names group neither way")
    train.add_argument(
        "--allow-empty-masks", action="store_true",
        help="train even when every training mask, or every validation mask, decodes empty "
             "under the mask policy at --img-size (refused otherwise, with the cause: the "
             "policy, the resize or the split); the report keeps it as an error (exit 3)")
    group = train.add_argument_group("dataset (reproducing the original project's bugs)")
    group.add_argument(
        "--no-mask-normalise", action="store_true",
        help="feed raw mask values (e.g. 0/255) to the model; the batch audit then stops the run")
    group = train.add_argument_group("model and training")
    group.add_argument("--variants", type=variant_list, default=tuple(VARIANTS),
                       metavar="A,B", help=f"comma-separated subset of {', '.join(VARIANTS)} "
                                           "(default: all four)")
    defaults = TrainConfig()
    group.add_argument("--img-size", type=positive_int, default=defaults.img_size, metavar="PX",
                       help="side images and masks are resized to (default: chosen from the "
                            "training masks: 96, or up to 192 where thin structures do not "
                            "survive the resize to 96)")
    group.add_argument("--channels", type=int, choices=(1, 3), default=defaults.channels,
                       help="image channels the model takes (1: grey, 3: RGB)")
    group.add_argument("--base-filters", type=positive_int, default=defaults.base_filters,
                       metavar="N", help="filters of the first block (the original used 64)")
    group.add_argument("--depth", type=positive_int, default=defaults.depth, metavar="N",
                       help="down-sampling steps (the original used 4)")
    group.add_argument("--normalization", choices=("batch", "none"),
                       default=defaults.normalization,
                       help="batch normalisation in every block, or none (the original's blocks)")
    group.add_argument("--batch-size", type=positive_int, default=defaults.batch_size,
                       metavar="N", help="images per training step")
    group.add_argument("--epochs", type=positive_int, default=defaults.epochs, metavar="N",
                       help="epochs per variant")
    group.add_argument("--min-steps-per-epoch", type=positive_int,
                       default=defaults.min_steps_per_epoch, metavar="N",
                       help="a training set of fewer batches is passed over several times an "
                            "epoch (1: one pass, as Keras does)")
    group.add_argument("--lr", type=positive_float, default=defaults.learning_rate,
                       metavar="RATE", help="Adam learning rate")
    group.add_argument("--clipnorm", type=positive_float, metavar="NORM",
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
    group.add_argument("--focal-gamma", type=non_negative_float, metavar="G",
                       help="--loss-bce focal: focusing exponent, 0 is plain cross-entropy "
                            f"(default: {defaults.focal_gamma:g})")
    group.add_argument("--foreground-weight", type=positive_float, metavar="W",
                       help="--loss-bce weighted: weight of foreground pixels (default: "
                            "background / foreground pixels of the training masks)")
    group = train.add_argument_group("Dice loss (the *_Dice variants)")
    group.add_argument("--dice-preset", choices=tuple(NAMED_DICE), default="default",
                       help="'default' is batch Dice with smoothing 1/1, 'seed' the original "
                            "project's batch Dice with 1e-6, 'keras' and 'monai' their "
                            "libraries' (default: %(default)s)")
    group.add_argument("--dice-smoothing", type=non_negative_float, metavar="S",
                       help="smoothing added to numerator and denominator (default: the "
                            "preset's)")
    group.add_argument("--dice-smoothing-numerator", type=non_negative_float, metavar="S",
                       help="numerator smoothing alone (default: the preset's)")
    group.add_argument("--dice-smoothing-denominator", type=positive_float, metavar="S",
                       help="denominator smoothing alone (default: the preset's)")
    group.add_argument("--dice-reduction", choices=("batch", "per_image"),
                       help="pool the batch into one Dice or average per image (default: the "
                            "preset's)")
    group = train.add_argument_group("metrics")
    group.add_argument("--metric-threshold", type=probability_cut,
                       default=defaults.metric_threshold, metavar="T",
                       help="accuracy, dice and iou count a pixel with probability > T as "
                            "foreground")
    group.add_argument("--empty-rule", choices=EMPTY_RULES, default=defaults.empty_rule,
                       help="how dice and iou count an image with an empty mask: "
                            + EMPTY_RULE_HELP)
    group = train.add_argument_group("diagnostics and output")
    group.add_argument("--no-diagnostics", action="store_true",
                       help="train without the diagnostic callbacks")
    group.add_argument("--no-stop-on-label-error", action="store_true",
                       help="record labels outside [0,1] instead of stopping the run")
    group.add_argument("--stop-all-on-guard", action="store_true",
                       help="when a guard stops one variant, do not train the others")
    group.add_argument("--on-guard", choices=get_args(OnGuard), default=defaults.on_guard,
                       help="when a guard stops a variant: stop it (keep the weights it "
                            "stopped with), restore-best (keep its best epoch), or restart it "
                            f"with the learning rate halved, at most {MAX_RESTARTS} times, "
                            "when a lower rate can help (docs/run-semantics.md)")
    group.add_argument("--fail-on", choices=tuple(FAIL_ON), default=defaults.fail_on,
                       help="exit non-zero on findings of this severity or worse (warning: "
                            "also on warnings)")
    group.add_argument("--out", type=Path, default=defaults.out_dir, metavar="DIR",
                       help="parent of run directories")
    group.add_argument("--run-name", metavar="NAME",
                       help="run directory name (default: the start time)")
    group.add_argument("--resume", type=Path, metavar="RUN_DIR",
                       help="continue an interrupted run in RUN_DIR, or extend a finished one "
                            "with --epochs N; only --epochs, --on-guard, --fail-on, --json and "
                            "--quiet may be given with it (default: start a new run)")
    group.add_argument("--json", action="store_true",
                       help="print the report as JSON on stdout (progress goes to stderr)")
    group.add_argument("--quiet", "-q", action="store_true",
                       help="no progress display or per-epoch lines")


def _add_audit_parser(commands) -> None:
    audit = _command(commands, "audit-data")
    audit.add_argument("path", nargs="?", type=Path, help="dataset folder (same as --images)")
    add_dataset_options(audit, None, "folder of images (default: the PATH argument)",
                         same_file_masks=False)
    add_split_options(audit)
    audit.add_argument("--workers", type=positive_int, metavar="N",
                       help="processes reading files, this one included (default: all cores)")
    audit.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_output_options(audit)


def _add_explain_parser(commands) -> None:
    explain = _command(commands, "explain-log")
    explain.add_argument("log", type=Path, help="the log file")
    add_output_options(explain)


def _add_evaluate_parser(commands) -> None:
    evaluate = _saved_model_command(commands, "evaluate")
    add_dataset_options(evaluate, None, "folder of images (required)")
    add_prediction_options(evaluate)
    evaluate.add_argument("--empty-rule", choices=EMPTY_RULES, default="exclude",
                          help="how the per-image CSV and the headline count an image with an "
                               "empty mask: " + EMPTY_RULE_HELP)
    evaluate.add_argument("--out", type=Path, default=Path("evaluations"), metavar="DIR",
                          help="parent of evaluation folders (each evaluation gets a new one, "
                               "named after the model file, after its run and variant "
                               "when the model is a train run's: <run>-MP_Tr_BCE-model)")
    evaluate.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    add_output_options(evaluate)


def _add_predict_parser(commands) -> None:
    predict = _saved_model_command(commands, "predict")
    predict.add_argument("--images", type=Path, required=True, metavar="DIR",
                         help="folder of images (required)")
    predict.add_argument("--out", type=Path, required=True, metavar="DIR",
                         help="output folder: new, empty or an earlier predict output "
                              "(required)")
    predict.add_argument("--mask-suffix", dest="mask_suffixes", action="append",
                         metavar="SUFFIX", help="files whose stem ends so are masks, left out; "
                                                f"repeatable (default: "
                                                f"{', '.join(DEFAULT_MASK_SUFFIXES)})")
    add_prediction_options(predict)
    predict.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unetdiag", formatter_class=HelpFormatter,
        epilog=_exit_status_epilog(DESCRIPTIONS),
        description="Train binary-segmentation U-Nets and find out, with evidence, why the "
                    "numbers lie.")
    parser.add_argument("--version", action="version", version=f"unetdiag {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_train_parser, _add_audit_parser, _add_explain_parser,
                _add_evaluate_parser, _add_predict_parser):
        add(commands)
    return parser


def given_options(argv: Sequence[str]) -> dict[str, str]:
    """The options ``argv`` gives explicitly, as ``{dest: option string}`` (an option given
    with its default value counts: ``--resume RUN --epochs 12`` asks for 12 epochs)."""
    parser = build_parser()
    options: dict[str, str] = {}
    for action in _all_actions(parser):
        if action.option_strings:
            options[action.dest] = action.option_strings[0]
        elif action.dest == "path":  # the dataset folder given as an argument
            options[action.dest] = "PATH"
        action.default = argparse.SUPPRESS
    given = vars(parser.parse_args(argv))
    # an optional positional left out still comes back, as its suppressed default (typed)
    return {dest: option for dest, option in options.items()
            if dest in given and str(given[dest]) != argparse.SUPPRESS}


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    actions = list(parser._actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                actions += command._actions
    return actions
