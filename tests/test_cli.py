"""The command line: TensorFlow stays out of --help, bad arguments get one clear line."""

import subprocess
import sys

import pytest

from unetdiag import cli
from unetdiag.diag.core.dice import SEED_DICE, DiceConfig
from unetdiag.exitcodes import DESCRIPTIONS, ExitCode


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unetdiag", *args], capture_output=True,
                          text=True, timeout=120)


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


def test_train_options_map_onto_the_config():
    args = cli.build_parser().parse_args([
        "train", "--images", "data/x", "--variants", "MP_Tr_Dice,StrConv_Ups_Dice",
        "--dice-preset", "seed", "--mask-threshold", "0", "--allow-same-file-masks",
        "--no-mask-normalise", "--epochs", "3"])
    config = cli._train_config(args)
    assert config.variants == ("MP_Tr_Dice", "StrConv_Ups_Dice")
    assert config.dice == SEED_DICE
    assert config.mask_policy.threshold == 0 and not config.mask_policy.normalise
    assert config.allow_same_file_masks and config.epochs == 3
    overridden = cli._train_config(cli.build_parser().parse_args(
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
