"""The parts of the HTML report every command shares: the heading, the plain-words headline,
the findings (grouped, each in full), the summary tables and the context.

Errors and warnings are open; info findings are one line each until clicked (an HTML
``<details>`` element: no script needed).

>>> from unetdiag.diag.core.findings import Finding, Report
>>> report = Report("t", "audit-data", [Finding("a.b", "warning", "Title", "Why.", "Fix it.")])
>>> "<details class=\\"finding warning\\" open>" in findings_section(report)
True
"""

from __future__ import annotations

from unetdiag.diag.core.findings import Report, Severity, count_by_severity, worst_severity
from unetdiag.diag.wording.text import plural
from unetdiag.report.grouping import (
    FindingDetail,
    FindingGroup,
    group_findings,
    merged_rows_note,
    sources_label,
)
from unetdiag.report.html.page import (
    bullet_list,
    escape,
    key_value_table,
    note,
    paragraph,
    section,
    table,
)
from unetdiag.report.values import VERBOSE_LIMITS, files_heading

#: Shown instead of the findings when a report has none.
NOTHING_FOUND = "Nothing found: no check raised a finding."
#: How a report ended, in words, when it did not simply finish.
OUTCOME_WORDS = {"stopped": "stopped by a diagnostic guard", "interrupted": "interrupted",
                 "refused": "refused before training"}


def heading(report: Report) -> str:
    """The page's title, what produced it, and the headline in plain words."""
    parts = [f"<h1>{escape(report.title or report.command)}</h1>"]
    outcome = OUTCOME_WORDS.get(report.outcome)
    subtitle = f"unetdiag {report.command}" + (f", {outcome}" if outcome else "")
    parts.append(paragraph(subtitle, "subtitle"))
    if report.headline:
        worst = worst_severity(report.findings)
        tone = worst.value if worst else "calm"
        parts.append(f"<div class=\"headline {tone}\"><b>In plain words.</b> "
                     f"{escape(report.headline)}</div>")
    return "\n".join(parts)


def _count_words(count: int, severity: Severity) -> str:
    return f"{count} info" if severity is Severity.INFO else plural(count, severity.value)


def _counts(report: Report) -> str:
    counts = count_by_severity(report.findings)
    pieces = [f"<span class=\"count {s.value}\">{_count_words(counts[s.value], s)}</span>"
              for s in sorted(Severity, key=lambda s: -s.rank)]
    return "<p>Findings: " + ", ".join(pieces) + "</p>"


def _detail(detail: FindingDetail, shared_by: int) -> str:
    finding = detail.finding
    parts = []
    if shared_by > 1 and detail.sources:
        parts.append(paragraph(f"From {sources_label(detail.sources)}:", "sources"))
    if finding.explanation:
        parts.append(paragraph(finding.explanation))
    if finding.evidence:
        parts.append("<b>Evidence</b>" + key_value_table(finding.evidence))
    if finding.files:
        shown = finding.files[:VERBOSE_LIMITS.files]
        items = [f"<code>{escape(name)}</code>" for name in shown]
        if len(finding.files) > len(shown):
            items.append(escape(f"+{len(finding.files) - len(shown)} more"))
        parts.append(f"<b>{files_heading(len(finding.files))}</b>" + bullet_list(items))
    if finding.fix:
        parts.append(f"<p class=\"fix\"><b>Fix:</b> {escape(finding.fix)}</p>")
    return "<div class=\"detail\">" + "\n".join(parts) + "</div>"


def _group(group: FindingGroup) -> str:
    severity = group.severity.value
    opened = " open" if group.severity is not Severity.INFO else ""
    sources = (f" <span class=\"sources\">({escape(group.sources_label)})</span>"
               if group.sources else "")
    summary = (f"<summary><span class=\"badge {severity}\">{severity.upper()}</span>"
               f"<code>{escape(group.id)}</code> {escape(group.title)}{sources}</summary>")
    details = "\n".join(_detail(detail, len(group.details)) for detail in group.details)
    return f"<details class=\"finding {severity}\"{opened}>{summary}\n{details}</details>"


def findings_section(report: Report) -> str:
    """Every finding, grouped: the same finding for several sources is one entry."""
    if not report.findings:
        return section("Findings", [paragraph(NOTHING_FOUND)], "findings")
    groups = group_findings(report.findings)
    parts = [_counts(report)]
    if len(groups) < len(report.findings):
        parts.append(note(merged_rows_note(len(report.findings), len(groups), "entry",
                                           "entries")))
    parts += [_group(group) for group in groups]
    return section("Findings", parts, "findings")


def summary_section(report: Report, skip: tuple[str, ...] = ()) -> str:
    """The report's summary tables (but those in ``skip``, shown elsewhere)."""
    tables = [table(rows, str(name)) for name, rows in report.summary.items()
              if name not in skip]
    return section("Summary tables", tables, "summary") if tables else ""


def context_section(report: Report) -> str:
    """The report's meta (versions, paths, conventions), folded."""
    if not report.meta:
        return ""
    return section("Context", ["<details><summary>Versions, paths and conventions"
                               "</summary>" + key_value_table(report.meta) + "</details>"],
                   "context")
