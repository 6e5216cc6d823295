"""Renderings of a :class:`~unetdiag.diag.core.findings.Report`: console, JSON, text, HTML.

No TensorFlow, ever: rich for the console and text views; the HTML report
(:mod:`unetdiag.report.html`) adds matplotlib (imported only when a page is drawn) and Pillow.
"""

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
