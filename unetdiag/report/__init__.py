"""Renderings of a :class:`~unetdiag.diag.core.findings.Report`: console, JSON, text, HTML.

No TensorFlow, ever: rich for the console and text views; the HTML report
(:mod:`unetdiag.report.html`) adds matplotlib (imported only when a page is drawn) and Pillow.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unetdiag.report.console import render_report, renderables, severity_badge
    from unetdiag.report.files import (
        REPORT_SCHEMA,
        load_report,
        report_from_json,
        report_to_json,
        write_html,
        write_json,
        write_report_files,
    )
    from unetdiag.report.values import (
        COMPACT_LIMITS,
        VERBOSE_LIMITS,
        DisplayLimits,
        NumberStyle,
        format_number,
        format_value,
    )

#: Where each public name lives. They are imported on first use (PEP 562): ``audit-data
#: --json`` needs only the JSON writer, and the console view would import rich for nothing
#: (about 45 ms of a start-up).
_HOMES = {
    **dict.fromkeys(("render_report", "renderables", "severity_badge"), "console"),
    **dict.fromkeys(("REPORT_SCHEMA", "load_report", "report_from_json", "report_to_json",
                     "write_html", "write_json", "write_report_files"), "files"),
    **dict.fromkeys(("COMPACT_LIMITS", "VERBOSE_LIMITS", "DisplayLimits", "NumberStyle",
                     "format_number", "format_value"), "values"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "COMPACT_LIMITS",
    "REPORT_SCHEMA",
    "VERBOSE_LIMITS",
    "DisplayLimits",
    "NumberStyle",
    "format_number",
    "format_value",
    "load_report",
    "render_report",
    "renderables",
    "report_from_json",
    "report_to_json",
    "severity_badge",
    "write_html",
    "write_json",
    "write_report_files",
]
