"""The command line: TensorFlow stays out of --help, bad arguments get one clear line."""

import argparse
import json
import subprocess
import sys

import pytest
from helpers import SUBPROCESS_TIMEOUT

from unetdiag import cli
from unetdiag.cli.commands import train_config
from unetdiag.diag.core.dice import SEED_DICE, DiceConfig
from unetdiag.exitcodes import DESCRIPTIONS, ExitCode


def _run(*args: str) -> subprocess.CompletedProcess:
    # SUBPROCESS_TIMEOUT: a guard against hangs; train trains a model in some of these
    return subprocess.run([sys.executable, "-m", "unetdiag", *args], capture_output=True,
                          text=True, timeout=SUBPROCESS_TIMEOUT)


def test_help_does_not_import_tensorflow():
    code = ("import sys\nfrom unetdiag import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "try:\n    cli.main(['train', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('TF', 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert "TF False False" in result.stdout, result.stdout + result.stderr
    assert "--variants" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["train", "--variants", "UNet9000"], "unknown variant UNet9000"),
    (["train", "--epochs", "0"], "expected a whole number >= 1"),
    (["train", "--lr", "nan"], "finite"),
    (["train", "--val-fraction", "1.5"], "between 0 and 1"),
    (["train", "--dice-smoothing-denominator", "0"], "> 0"),
    (["train", "--metric-threshold", "1"], "strictly between 0 and 1"),
    (["train", "--loss-bce", "hinge"], "invalid choice"),
    (["train", "--foreground-weight", "3"], "applies to --loss-bce weighted only"),
    (["train", "--loss-bce", "weighted", "--focal-gamma", "1"], "applies to --loss-bce focal"),
    (["audit-data", ".", "--fail-on", "info"], "invalid choice"),
    (["predict", "m.keras", "--images", "x"], "required: --out"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_usage_status(args, fragment):
    result = _run(*args)
    assert result.returncode == ExitCode.USAGE
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_help_and_usage_status():
    result = _run()
    assert result.returncode == ExitCode.USAGE
    assert "train" in result.stdout and "audit-data" in result.stdout


def test_every_exit_status_is_documented_in_help():
    help_text = cli.build_parser().format_help()
    for code in ExitCode:
        assert DESCRIPTIONS[code] in help_text


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    subparsers = next(action for action in parser._actions
                      if isinstance(action, argparse._SubParsersAction))
    return dict(subparsers.choices)


def test_every_option_of_every_command_shows_its_default_in_help():
    commands = _commands()
    assert set(commands) == {"train", "audit-data", "explain-log", "evaluate", "predict"}
    for name, command in commands.items():
        formatter = command.formatter_class(prog=name)
        for action in command._actions:
            if not action.option_strings or action.default is argparse.SUPPRESS:
                continue  # positionals, --help
            text = formatter._get_help_string(action) or ""
            assert "default" in text or "(required)" in text, (name, action.option_strings)
        help_text = command.format_help()
        assert "(default: off)" in help_text  # the flags: --json, --quiet...
    train_help = " ".join(commands["train"].format_help().split())
    for fragment in ("--epochs N epochs per variant (default: 12)",
                     "--loss-bce {plain,focal,weighted}", "(default: plain)",
                     "--clipnorm NORM clip each step's gradient to this norm (default: no",
                     "(default: exclude)", "--metric-threshold T"):
        assert fragment in train_help


def test_audit_data_fail_on_error_lets_harmless_warnings_through(tmp_path):
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=6, size=32))
    (tmp_path / "data" / "notes.txt").write_text("not an image")
    statuses = {}
    for fail_on in ("warning", "error"):
        result = _run("audit-data", str(tmp_path / "data"), "-q", "--json", "--fail-on",
                      fail_on)
        report = json.loads(result.stdout)
        statuses[fail_on] = result.returncode
    assert {f["severity"] for f in report["findings"]} >= {"warning"}
    assert "error" not in {f["severity"] for f in report["findings"]}
    assert statuses == {"warning": ExitCode.WARNINGS, "error": ExitCode.OK}


def test_train_json_prints_the_report_and_unetdiag_speaks_first(tmp_path):
    """One plain line per epoch off a terminal, the report as JSON on stdout, and no
    TensorFlow C++ start-up line anywhere on the terminal."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=10, size=32))
    result = subprocess.run(
        [sys.executable, "-m", "unetdiag", "train", "--images", str(tmp_path / "data"),
         "--variants", "MP_Tr_BCE", "--epochs", "2", "--img-size", "32", "--channels", "1",
         "--base-filters", "2", "--depth", "2", "--batch-size", "4", "--precision", "float32",
         "--min-steps-per-epoch", "1", "--out", str(tmp_path / "runs"), "--run-name", "r",
         "--json"],
        capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT)
    report = json.loads(result.stdout)
    # two epochs of a 2-filter model learn little (a BCE variant starts at the masks' prior):
    # the status is the one the printed report's findings give, errors or not
    has_error = "error" in {finding["severity"] for finding in report["findings"]}
    assert result.returncode == (ExitCode.FINDINGS_ERROR if has_error else ExitCode.OK), (
        result.stderr[-3000:])
    assert report["command"] == "train" and report["meta"]["val_pairs"] == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"run folder {tmp_path / 'runs' / 'r'}:")
    assert [line.split("  ")[0] for line in lines if line.startswith("MP_Tr_BCE")] == [
        "MP_Tr_BCE epoch 1/2", "MP_Tr_BCE epoch 2/2"]
    for noise in ("absl::InitializeLog", "oneDNN", "cuda", "cpu_feature_guard", "I0000"):
        assert noise not in result.stderr
    assert "In plain words" not in result.stderr  # the report is the JSON, not drawn again


def test_the_python_api_audits_and_explains_without_tensorflow(tmp_path):
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=4, size=32))
    log = tmp_path / "history.csv"
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.9,0.3,0.9,0.3\n")
    code = ("import sys, unetdiag\n"
            f"result = unetdiag.audit(r'{tmp_path / 'data'}', workers=1)\n"
            f"report = unetdiag.explain_log(r'{log}')\n"
            "print(len(result.records), result.records[0].split in ('train', 'validation'),\n"
            "      report.command, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["4", "True", "explain-log", "False", "False"], done.stderr


def test_train_options_map_onto_the_config():
    args = cli.build_parser().parse_args([
        "train", "--images", "data/x", "--variants", "MP_Tr_Dice,StrConv_Ups_Dice",
        "--dice-preset", "seed", "--mask-threshold", "0", "--allow-same-file-masks",
        "--no-mask-normalise", "--epochs", "3"])
    config = train_config(args)
    assert config.variants == ("MP_Tr_Dice", "StrConv_Ups_Dice")
    assert config.dice == SEED_DICE
    assert config.mask_policy.threshold == 0 and not config.mask_policy.normalise
    assert config.allow_same_file_masks and config.epochs == 3
    assert (config.bce_loss, config.clipnorm, config.metric_threshold, config.empty_rule) == (
        "plain", None, 0.5, "exclude")
    fixes = train_config(cli.build_parser().parse_args([
        "train", "--loss-bce", "weighted", "--foreground-weight", "8", "--clipnorm", "1",
        "--metric-threshold", "0.3", "--empty-rule", "one"]))
    assert (fixes.bce_loss, fixes.foreground_weight, fixes.clipnorm) == ("weighted", 8.0, 1.0)
    assert (fixes.metric_threshold, fixes.empty_rule) == (0.3, "one")
    focal = train_config(cli.build_parser().parse_args(
        ["train", "--loss-bce", "focal", "--focal-gamma", "0.5"]))
    assert (focal.bce_loss, focal.focal_gamma, focal.foreground_weight) == ("focal", 0.5, None)
    overridden = train_config(cli.build_parser().parse_args(
        ["train", "--dice-preset", "seed", "--dice-smoothing", "1", "--dice-reduction",
         "per_image"]))
    assert overridden.dice == DiceConfig(1.0, 1.0, "per_image")


def test_audit_data_and_explain_log_do_not_import_tensorflow(tmp_path):
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=4, size=32))
    log = tmp_path / "history.csv"
    log.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.9,0.3,0.9,0.3\n"
                   "1,0.95,0.2,0.93,0.25\n")
    code = ("import sys, io, contextlib\nfrom unetdiag import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    audit = cli.main(['audit-data', r'{tmp_path / 'data'}', '--json', '-q'])\n"
            f"    explain = cli.main(['explain-log', r'{log}', '--json'])\n"
            "print('STATUS', audit, explain, 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert "False False" in result.stdout, result.stdout + result.stderr
    assert "STATUS" in result.stdout


def test_audit_json_quiet_imports_no_console_view(tmp_path):
    """``audit-data --json -q`` writes JSON and draws no bar: the console view, the
    progress bar (rich.progress) and rich's console are not imported, while the JSON is
    complete."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(tmp_path / "data", SynthSpec(n_pairs=4, size=48))
    code = ("import sys, io, json, contextlib\nfrom unetdiag import cli\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    cli.main(['audit-data', r'{tmp_path / 'data'}', '--json', '-q',\n"
            "              '--workers', '1'])\n"
            "print('COMMAND', json.loads(out.getvalue())['command'],\n"
            "      'rich.progress' in sys.modules, 'unetdiag.report.console' in sys.modules,\n"
            "      'rich.console' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert "COMMAND audit-data False False False" in result.stdout, result.stdout + result.stderr
    from unetdiag import report  # the names still resolve, on first use

    assert callable(report.render_report) and report.REPORT_SCHEMA.startswith("unetdiag")
    with pytest.raises(AttributeError):
        report.no_such_name  # noqa: B018


def test_missing_folder_is_one_line_with_input_error_status(tmp_path):
    result = _run("audit-data", str(tmp_path / "nowhere"))
    assert result.returncode == ExitCode.INPUT_ERROR
    assert "nowhere" in result.stderr and "Traceback" not in result.stderr
    result = _run("explain-log", str(tmp_path / "missing.log"))
    assert result.returncode == ExitCode.INPUT_ERROR
    assert "missing.log" in result.stderr and "Traceback" not in result.stderr


def test_readme_lists_every_exit_status():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for code in ExitCode:
        assert f"| {int(code)} | `{code.name}` | {DESCRIPTIONS[code]} |" in readme


def _same_file_dataset(folder):
    """Images only, given as their own masks: the original project's situation."""
    from unetdiag.diag.synth.generator import SynthSpec, write_dataset

    write_dataset(folder / "all", SynthSpec(n_pairs=10, size=32))
    images = folder / "images"
    images.mkdir()
    for path in sorted((folder / "all").glob("*.png")):
        if "_mask" not in path.name:
            (images / path.name).write_bytes(path.read_bytes())
    return images


TINY_TRAIN = ("--variants", "MP_Tr_BCE", "--epochs", "1", "--img-size", "32", "--channels", "1",
              "--base-filters", "2", "--depth", "2", "--batch-size", "4", "--precision",
              "float32", "--min-steps-per-epoch", "1", "--json", "--quiet")


def test_train_exits_from_its_report_like_audit_data(tmp_path):
    """Error findings make train exit FINDINGS_ERROR (it exited 0); --fail-on is train's too."""
    images = _same_file_dataset(tmp_path)
    result = _run("train", "--images", str(images), "--masks", str(images),
                  "--allow-same-file-masks", "--mask-threshold", "0", *TINY_TRAIN,
                  "--out", str(tmp_path / "runs"), "--run-name", "seed")
    report = json.loads(result.stdout)
    assert "pairing.same_file" in {f["id"] for f in report["findings"]
                                   if f["severity"] == "error"}
    assert result.returncode == ExitCode.FINDINGS_ERROR, result.stderr[-2000:]
    summary = json.loads((tmp_path / "runs" / "seed" / "summary.json").read_text())
    assert summary["exit_code"] == ExitCode.FINDINGS_ERROR


def test_train_fail_on_and_on_guard_map_onto_the_config():
    defaults = train_config(cli.build_parser().parse_args(["train"]))
    assert (defaults.fail_on, defaults.on_guard) == ("error", "restart")
    given = train_config(cli.build_parser().parse_args(
        ["train", "--fail-on", "warning", "--on-guard", "restore-best"]))
    assert (given.fail_on, given.on_guard) == ("warning", "restore-best")


def test_resume_refuses_options_that_change_what_the_run_trains(tmp_path):
    result = _run("train", "--resume", str(tmp_path), "--epochs", "5", "--lr", "0.1",
                  "--variants", "MP_Tr_BCE")
    assert result.returncode == ExitCode.USAGE
    assert "--variants, --lr cannot change a resumed run" in result.stderr
    assert "Traceback" not in result.stderr
    # --epochs given with its default value still counts as asked for
    from unetdiag.cli.parser import given_options

    given = given_options(["train", "--resume", "r", "--epochs", "12", "-q"])
    assert set(given) == {"resume", "epochs", "quiet"}


def test_train_takes_the_dataset_folder_as_an_argument_like_audit_data(tmp_path):
    parser = cli.build_parser()
    assert train_config(parser.parse_args(["train", str(tmp_path)])).images == tmp_path
    assert train_config(parser.parse_args(["train"])).images.name == "images"
    # the same folder twice is no conflict; two different ones are
    same = parser.parse_args(["train", str(tmp_path), "--images", str(tmp_path / "a" / "..")])
    assert train_config(same).images == tmp_path
    # --images typed with its default value is a second folder too
    result = _run("train", str(tmp_path), "--images", "images")
    assert result.returncode == ExitCode.USAGE and "given twice" in result.stderr
    result = _run("train", str(tmp_path), "--images", str(tmp_path / "other"))
    assert result.returncode == ExitCode.USAGE and "given twice" in result.stderr
    result = _run("audit-data", str(tmp_path), "--images", str(tmp_path / "other"))
    assert result.returncode == ExitCode.USAGE and "given twice" in result.stderr
    # a resumed run keeps its dataset: the argument is refused as --images is
    result = _run("train", "--resume", str(tmp_path), str(tmp_path))
    assert result.returncode == ExitCode.USAGE and "PATH cannot change" in result.stderr


@pytest.mark.parametrize("command, statuses", [
    ("train", {0, 1, 2, 3, 4, 5, 6, 130}),
    ("audit-data", {0, 1, 2, 3, 4, 130}),  # writes no file, has no guard
    ("explain-log", {0, 1, 2, 3, 4, 130}),
    ("evaluate", {0, 1, 2, 3, 4, 5, 130}),  # no guard stops an evaluation
    ("predict", {0, 1, 2, 4, 5, 130}),  # no findings, no --fail-on
])
def test_each_command_help_lists_only_the_statuses_it_can_return(command, statuses):
    epilog = _commands()[command].epilog
    listed = {int(line.split()[0]) for line in epilog.splitlines()[1:]}
    assert listed == statuses
    if command != "train":
        assert "checkpoint" not in epilog and "guard" not in epilog
    if command == "predict":
        assert "--fail-on" not in epilog and "finding" not in epilog
    # each status is described for this command: no other command's case in brackets, and
    # no input it does not read (explain-log reads a log, not image/mask pairs)
    meanings = {int(line.split()[0]): line.split(None, 1)[1] for line in epilog.splitlines()[1:]}
    assert "(train)" not in epilog
    if command == "explain-log":
        assert "pairs" not in epilog and "empty folder" not in meanings[4] and "log" in meanings[3]
    if command in ("audit-data", "explain-log", "evaluate", "predict"):
        assert "variant" not in meanings[2]
    if command == "predict":  # an image that got no mask is status 1 too (README)
        assert "unreadable" in meanings[1] and "no mask" in meanings[1]
    if command in ("explain-log", "evaluate"):  # --fail-on speaks of no other command
        fail_on = next(action for action in _commands()[command]._actions
                       if action.dest == "fail_on")
        assert "audit-data" not in fail_on.help and "train" not in fail_on.help


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_the_empty_rule_help_says_which_empty_masks_each_rule_decides(command):
    """The help said 'an image with an empty mask and nothing predicted ... left out, 1 or
    0': exclude_empty_reference leaves out every empty mask, and under the other rules an
    empty mask with a false positive scores 0."""
    action = next(action for action in _commands()[command]._actions
                  if action.dest == "empty_rule")
    assert "predicted empty" in action.help and "false positive scores 0" in action.help
    assert "exclude_empty_reference leaves out every empty mask" in action.help
