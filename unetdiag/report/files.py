"""Report files: strict JSON (schema in ``docs/report-schema.md``), plain text and HTML.

The text and HTML files are recordings of the console view (:mod:`unetdiag.report.console`),
so all three files say the same thing. Every file is written atomically through
:mod:`unetdiag.fsutil`: a reader never sees half a report.

>>> import tempfile
>>> from unetdiag.diag.core.findings import Report
>>> run_dir = tempfile.mkdtemp()
>>> paths = write_report_files(Report(title="demo", command="audit-data"), run_dir)
>>> sorted(paths), load_report(paths["json"]).title
(['html', 'json', 'txt'], 'demo')
"""

from __future__ import annotations

import html
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.terminal_theme import DEFAULT_TERMINAL_THEME, TerminalTheme

from unetdiag.diag.core.findings import Report, Severity
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_bytes
from unetdiag.report.console import renderables

#: The schema :meth:`Report.to_dict` writes and :func:`load_report` reads.
REPORT_SCHEMA = "unetdiag.report/1"
#: Console width of the text and HTML files (wider than a terminal: nobody resizes a file).
FILE_WIDTH = 100
#: Indentation of the JSON file.
JSON_INDENT = 2
#: Colours of the HTML page.
HTML_THEME: TerminalTheme = DEFAULT_TERMINAL_THEME
#: Keys every finding in a report file must have.
REQUIRED_FINDING_KEYS = ("id", "severity", "title", "explanation", "fix")

_HTML_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="unetdiag">
<title>{title}</title>
<style>
body {{ color: {foreground}; background-color: {background}; }}
pre {{ font-family: Menlo, 'DejaVu Sans Mono', Consolas, 'Courier New', monospace; }}
</style>
</head>
<body>
<pre><code style="font-family: inherit">{code}</code></pre>
</body>
</html>
"""


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
    """A recording console holding the console view, for text and HTML export."""
    console = Console(record=True, file=io.StringIO(), width=width, force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    for piece in renderables(report, verbose):
        console.print(piece)
    return console


def _html_page(report: Report, console: Console) -> str:
    # code_format="{code}" returns only the escaped, styled text; the page around it is ours,
    # so the title is escaped here too.
    code = console.export_html(theme=HTML_THEME, clear=False, code_format="{code}",
                               inline_styles=True)
    return _HTML_PAGE.format(title=html.escape(report.title or report.command), code=code,
                             foreground=HTML_THEME.foreground_color.hex,
                             background=HTML_THEME.background_color.hex)


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


def write_html(report: Report, path: Path | str, *, verbose: bool = True,
               width: int = FILE_WIDTH) -> Path:
    """Write the console view as a standalone HTML page (everything escaped); returns the path.

    ``verbose`` defaults to True: a file has room for every finding in full.
    """
    return _write_text(Path(path), _html_page(report, _record_console(report, verbose, width)))


def write_report_files(report: Report, run_dir: Path | str, stem: str = "report", *,
                       verbose: bool = True, width: int = FILE_WIDTH) -> dict[str, Path]:
    """Write ``<stem>.json``, ``<stem>.html`` and ``<stem>.txt`` into ``run_dir``, atomically.

    Returns ``{"json": path, "html": path, "txt": path}``. The text file is the console view
    without colour. Raises :class:`UserError` (``OUTPUT_ERROR``) naming the file that could
    not be written.
    """
    run_dir = Path(run_dir)
    console = _record_console(report, verbose, width)
    # rich pads every line to the console width; a text file is better without the padding.
    plain_text = "".join(line.rstrip() + "\n" for line in
                         console.export_text(clear=False, styles=False).splitlines())
    return {
        "json": write_json(report, run_dir / f"{stem}.json"),
        "html": _write_text(run_dir / f"{stem}.html", _html_page(report, console)),
        "txt": _write_text(run_dir / f"{stem}.txt", plain_text),
    }
