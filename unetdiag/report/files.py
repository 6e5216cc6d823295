"""Report files: strict JSON (schema in ``docs/report-schema.md``), plain text and HTML.

The text file is a recording of the console view (:mod:`unetdiag.report.console`); the HTML
file (:mod:`unetdiag.report.html`) shows the same report with its curves and pictures. Every
file is written atomically through :mod:`unetdiag.fsutil`: a reader never sees half a report.

>>> import tempfile
>>> from unetdiag.diag.core.findings import Report
>>> run_dir = tempfile.mkdtemp()
>>> paths = write_report_files(Report(title="demo", command="audit-data"), run_dir)
>>> sorted(paths), load_report(paths["json"]).title
(['html', 'json', 'txt'], 'demo')
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from unetdiag.diag.core.findings import Report, Severity
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_bytes

if TYPE_CHECKING:  # the log model (and the saturation checks under it) only for explain-log
    from rich.console import Console

    from unetdiag.diag.logs.model import RunLog

#: The schema :meth:`Report.to_dict` writes and :func:`load_report` reads.
REPORT_SCHEMA = "unetdiag.report/1"
#: Console width of the text file (wider than a terminal: nobody resizes a file).
FILE_WIDTH = 100
#: Indentation of the JSON file.
JSON_INDENT = 2
#: Keys every finding in a report file must have.
REQUIRED_FINDING_KEYS = ("id", "severity", "title", "explanation", "fix")

def report_to_json(report: Report) -> str:
    """The report as strict JSON (no ``NaN``/``Infinity`` tokens; ASCII with ``\\u`` escapes).

    Non-finite numbers are the strings ``"nan"``, ``"inf"``, ``"-inf"`` (from
    :meth:`Report.to_dict`); values of types JSON lacks (paths, sets...) are their ``str()``.
    """
    return json.dumps(report.to_dict(), indent=JSON_INDENT, allow_nan=False, ensure_ascii=True,
                      default=_as_string)


def _as_string(value: Any) -> str:
    try:
        return str(value)
    except Exception:  # a broken __str__ must not lose the whole report
        return f"<{type(value).__name__}>"


def report_from_json(text: str, origin: str = "report") -> Report:
    """Parse :func:`report_to_json` output; :class:`UserError` naming ``origin`` if it is not
    a unetdiag report of a schema this version reads."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        _not_a_report(origin, f"invalid JSON ({error})")
    if not isinstance(data, Mapping):
        _not_a_report(origin, "the top level is not a JSON object")
    if data.get("schema") != REPORT_SCHEMA:
        _not_a_report(origin, f"schema is {data.get('schema')!r}, expected {REPORT_SCHEMA!r}")
    findings = data.get("findings", [])
    if not isinstance(findings, list):
        _not_a_report(origin, "'findings' is not a list")
    for position, finding in enumerate(findings):
        missing = [key for key in REQUIRED_FINDING_KEYS
                   if not isinstance(finding, Mapping) or key not in finding]
        if missing:
            _not_a_report(origin, f"finding {position} lacks {', '.join(missing)}")
        if finding["severity"] not in {s.value for s in Severity}:
            _not_a_report(origin, f"finding {position} has unknown severity "
                                  f"{finding['severity']!r}")
    try:
        return Report.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:
        _not_a_report(origin, f"{type(error).__name__}: {error}")


def _reject_constant(token: str) -> NoReturn:
    raise ValueError(f"{token} is not allowed (non-finite numbers are written as strings)")


def _not_a_report(origin: str, reason: str) -> NoReturn:
    raise UserError(f"{origin}: not a unetdiag report: {reason}", ExitCode.INPUT_ERROR)


def load_report(path: Path | str) -> Report:
    """Read a report written by :func:`write_json`. Raises :class:`UserError` naming the file
    when it is missing, unreadable or not a report."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read report: {error}", ExitCode.INPUT_ERROR) from error
    return report_from_json(text, origin=str(path))


def _record_console(report: Report, verbose: bool, width: int) -> Console:
    """A recording console holding the console view, for the text file."""
    from rich.console import Console  # the JSON writer alone needs no rich

    from unetdiag.report.console import renderables

    console = Console(record=True, file=io.StringIO(), width=width, force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    for piece in renderables(report, verbose):
        console.print(piece)
    return console


def _write_text(path: Path, text: str) -> Path:
    # backslashreplace: an undecodable file name (a lone surrogate) must not stop the report.
    try:
        return atomic_write_bytes(path, text.encode("utf-8", "backslashreplace"))
    except OSError as error:
        raise UserError(f"{path}: cannot write report: {error.strerror or error}",
                        ExitCode.OUTPUT_ERROR) from error


def write_json(report: Report, path: Path | str) -> Path:
    """Write :func:`report_to_json` to ``path`` atomically; returns the path."""
    return _write_text(Path(path), report_to_json(report) + "\n")


def write_html(report: Report, path: Path | str, *, run_dir: Path | str | None = None,
               runs: Sequence[RunLog] | None = None) -> Path:
    """Write the HTML report (:func:`unetdiag.report.html.build_html`: one self-contained
    page with the curves and pictures of the command) to ``path`` atomically; returns the path.

    ``run_dir``: a train report's run directory (default: its ``meta["run_dir"]``);
    ``runs``: an explain-log report's parsed runs (default: its log is parsed again).
    """
    from unetdiag.report.html import build_html

    return _write_text(Path(path), build_html(report, run_dir=run_dir, runs=runs))


def write_report_files(report: Report, run_dir: Path | str, stem: str = "report", *,
                       verbose: bool = True, width: int = FILE_WIDTH) -> dict[str, Path]:
    """Write ``<stem>.json``, ``<stem>.txt`` and ``<stem>.html`` into ``run_dir``, atomically.

    Returns ``{"json": path, "html": path, "txt": path}``. The text file is the console view
    without colour; the HTML file is :func:`write_html`'s page, reading a train report's
    variant folders from ``run_dir``. Raises :class:`UserError` (``OUTPUT_ERROR``) naming the
    file that could not be written.
    """
    run_dir = Path(run_dir)
    console = _record_console(report, verbose, width)
    # rich pads every line to the console width; a text file is better without the padding.
    plain_text = "".join(line.rstrip() + "\n" for line in
                         console.export_text(clear=False, styles=False).splitlines())
    return {
        "json": write_json(report, run_dir / f"{stem}.json"),
        "txt": _write_text(run_dir / f"{stem}.txt", plain_text),
        # last: the page reads the run's files, and the plain files must exist whatever it finds
        "html": write_html(report, run_dir / f"{stem}.html", run_dir=run_dir),
    }
