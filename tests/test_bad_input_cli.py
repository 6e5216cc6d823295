"""An operating-system error that names a file reaches the user as one line naming it, with
the status of the side it hit (reading: 4, a full disk: 5), never as a traceback."""

import errno

import pytest

from unetdiag import cli
from unetdiag.cli import parser
from unetdiag.exitcodes import ExitCode


def _command_raising(monkeypatch, error):
    def handler(args, console):
        raise error

    _, help_text, description = parser.COMMANDS["explain-log"]
    monkeypatch.setitem(parser.COMMANDS, "explain-log", (handler, help_text, description))


@pytest.mark.parametrize("error, status, line", [
    (OSError(errno.ELOOP, "Too many levels of symbolic links", "data/loop.png"),
     ExitCode.INPUT_ERROR, "unetdiag: error: data/loop.png: Too many levels of symbolic links"),
    (OSError(errno.ENOSPC, "No space left on device", "runs/r/report.html"),
     ExitCode.OUTPUT_ERROR, "unetdiag: error: runs/r/report.html: No space left on device"),
])
def test_an_os_error_naming_a_file_is_one_line(monkeypatch, capsys, error, status, line):
    _command_raising(monkeypatch, error)
    assert cli.main(["explain-log", "x.log"]) == status
    assert capsys.readouterr().err == line + "\n"


def test_an_os_error_naming_no_file_keeps_its_traceback(monkeypatch):
    _command_raising(monkeypatch, OSError("a fault of unetdiag's own"))
    with pytest.raises(OSError, match="a fault of unetdiag's own"):
        cli.main(["explain-log", "x.log"])


def test_an_out_that_is_a_file_is_refused_before_tensorflow_starts(tmp_path):
    import subprocess
    import sys

    from helpers import SUBPROCESS_TIMEOUT

    taken = tmp_path / "notes.txt"
    taken.write_text("a user's file")
    (tmp_path / "data").mkdir()
    code = ("import sys\nfrom unetdiag.cli import main\n"
            f"for command in (['evaluate', 'm.keras', '--images', {str(tmp_path / 'data')!r}],"
            f" ['predict', 'm.keras', '--images', {str(tmp_path / 'data')!r}],"
            f" ['train', {str(tmp_path / 'data')!r}]):\n"
            f"    print(main([*command, '--out', {str(taken)!r}]))\n"
            "print('TF', 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=SUBPROCESS_TIMEOUT)
    assert result.stdout.split() == ["5", "5", "5", "TF", "False"], result.stderr
    assert result.stderr.splitlines() == [
        f"unetdiag: error: --out {taken} is a file, not a folder; choose a folder"] * 3
    assert taken.read_text() == "a user's file"
