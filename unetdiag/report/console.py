"""Console view of a :class:`~unetdiag.diag.core.findings.Report`, built from small rich pieces.

The view is a list of renderables (:func:`renderables`): a title rule, the headline in a
panel, the counts by severity, a findings table ranked by severity, one panel of evidence
per finding, and the report's summary tables. :func:`render_report` prints them; the trainer
embeds the same list in its live display; :mod:`unetdiag.report.files` records them for the
text and HTML files.

Every string that comes from the report (titles, ids, file names, evidence) goes into a
:class:`rich.text.Text`, never through console markup, so ``[bold]`` or ``[/]`` in a file
name prints as itself. Values are written by :mod:`unetdiag.report.values`.

>>> import io
>>> from rich.console import Console
>>> from unetdiag.diag.core.findings import Finding, Report, Severity
>>> report = Report(title="unetdiag audit-data images/", command="audit-data",
...                 findings=[Finding("mask.values_above_one", Severity.ERROR,
...                                   "Masks hold values above 1", "Masks store 0/255.",
...                                   "Divide masks by 255.", {"max_value": 255})])
>>> console = Console(file=io.StringIO(), width=80, force_terminal=False)
>>> render_report(report, console)
>>> "mask.values_above_one" in console.file.getvalue()
True
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group, NewLine, RenderableType
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from unetdiag.diag.core.findings import Report, Severity, count_by_severity, worst_severity
from unetdiag.report.grouping import (
    FindingDetail,
    FindingGroup,
    group_findings,
    merged_rows_note,
    sources_label,
)
from unetdiag.report.values import (
    COMPACT_LIMITS,
    ELLIPSIS,
    VERBOSE_LIMITS,
    DisplayLimits,
    as_plain_python,
    files_heading,
    format_value,
    summary_columns,
    summary_rows,
)

#: Badge style of each severity (the badge text is the severity in capitals).
SEVERITY_BADGE_STYLES: dict[Severity, str] = {
    Severity.ERROR: "bold white on red",
    Severity.WARNING: "bold black on yellow",
    Severity.INFO: "bold white on blue",
}
#: Border colour of panels whose worst finding has that severity.
SEVERITY_BORDER_STYLES: dict[Severity, str] = {
    Severity.ERROR: "red",
    Severity.WARNING: "yellow",
    Severity.INFO: "blue",
}
#: Border of the headline panel when the report has no findings.
CALM_BORDER_STYLE = "green"
#: The findings table's id column grows to fit ids up to this width, then folds.
ID_COLUMN_MAX_WIDTH = 36
#: Evidence and context keys fold beyond this width.
KEY_COLUMN_MAX_WIDTH = 32
#: A summary column whose cells are all this narrow (figures, a status) never wraps them.
SHORT_CELL_WIDTH = 10
#: Shown instead of the findings when a report has none.
NOTHING_FOUND_MESSAGE = "Nothing found: no check raised a finding."

#: Opens the last line of the console view when an HTML report was written.
HTML_POINTER = "Curves, pictures and every finding in full: "

#: Replacements applied before escaping text for a console that cannot print Unicode.
ASCII_REPLACEMENTS = {ELLIPSIS: "..."}


class _TextMaker:
    """Makes the rich Text of one rendering: every string escaped so the console can print
    it, every value written within the rendering's display limits."""

    def __init__(self, limits: DisplayLimits, ascii_only: bool) -> None:
        self.limits = limits
        self.ascii_only = ascii_only

    def safe(self, text: str) -> str:
        """Text any console can print: lone surrogates (undecodable file names) escaped, and
        everything non-ASCII escaped when the console cannot encode Unicode."""
        if self.ascii_only:
            for unicode_text, ascii_text in ASCII_REPLACEMENTS.items():
                text = text.replace(unicode_text, ascii_text)
            return text.encode("ascii", "backslashreplace").decode("ascii")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    def text(self, text: str, style: str = "") -> Text:
        return Text(self.safe(text), style=style)

    def value(self, value: Any) -> Text:
        return self.text(format_value(value, self.limits))


def severity_badge(severity: Severity) -> Text:
    """``ERROR`` / ``WARNING`` / ``INFO`` in the severity's colours."""
    return Text(f" {severity.value.upper()} ", style=SEVERITY_BADGE_STYLES[severity])


def _title_rule(report: Report, maker: _TextMaker) -> Rule:
    return Rule(maker.text(report.title or report.command, "bold"), style="dim")


def _headline_panel(report: Report, maker: _TextMaker) -> Panel:
    worst = worst_severity(report.findings)
    border = SEVERITY_BORDER_STYLES[worst] if worst else CALM_BORDER_STYLE
    return Panel(maker.text(report.headline), title=Text("In plain words", style="bold"),
                 title_align="left", border_style=border, box=box.ROUNDED)


def _severity_counts(report: Report, rows: int) -> Text:
    """The findings counted by severity and, where the table merges some (the same finding
    for several sources), the rows they fill: the table below shows ``rows`` lines."""
    counts = count_by_severity(report.findings)
    if not report.findings:
        return Text(NOTHING_FOUND_MESSAGE, style="bold green")
    parts: list[Text | str] = ["Findings: "]
    for position, severity in enumerate(sorted(Severity, key=lambda s: -s.rank)):
        count = counts[severity.value]
        noun = severity.value if count == 1 or severity is Severity.INFO else f"{severity.value}s"
        style = SEVERITY_BORDER_STYLES[severity] if count else "dim"
        parts += [", " if position else "", Text(f"{count} {noun}", style=style)]
    if rows < len(report.findings):
        parts.append(Text(f"\n{merged_rows_note(len(report.findings), rows, 'row', 'rows')}",
                          style="dim"))
    return Text.assemble(*parts)


def _id_and_sources(group: FindingGroup, maker: _TextMaker) -> Text:
    cell = maker.text(group.id, "bold")
    if group.sources:
        cell.append("\n")
        cell.append_text(maker.text(group.sources_label, "dim"))
    return cell


def _findings_table(groups: list[FindingGroup], maker: _TextMaker) -> Table:
    """One row per finding group: the same finding for several sources is one row."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True,
                  header_style="bold")
    table.add_column("severity", no_wrap=True)
    table.add_column("id / source", overflow="fold", max_width=ID_COLUMN_MAX_WIDTH)
    table.add_column("title", ratio=1)
    for group in groups:
        table.add_row(severity_badge(group.severity), _id_and_sources(group, maker),
                      maker.text(group.title))
    return table


def _evidence_grid(evidence: Mapping[str, Any], maker: _TextMaker) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="cyan", overflow="fold", max_width=KEY_COLUMN_MAX_WIDTH)
    grid.add_column(overflow="fold")
    for key, value in evidence.items():
        grid.add_row(maker.text(str(key)), maker.value(value))
    return grid


def _file_list(files: tuple[str, ...], maker: _TextMaker) -> Text:
    shown = files[:maker.limits.files]
    listing = Text()
    for name in shown:
        listing.append_text(maker.text(f"  {name}\n"))
    if len(files) > len(shown):
        listing.append_text(maker.text(f"  +{len(files) - len(shown)} more\n", "dim"))
    listing.rstrip()
    return listing


def _finding_panel(detail: FindingDetail, maker: _TextMaker) -> Panel:
    """One finding in full (title, explanation, evidence, files and fix), naming every
    source it came from with the same explanation, evidence and files."""
    finding = detail.finding
    parts: list[RenderableType] = [maker.text(finding.title, "bold")]
    if finding.explanation:
        parts += [NewLine(), maker.text(finding.explanation)]
    if finding.evidence:
        parts += [NewLine(), Text("Evidence", style="bold"),
                  _evidence_grid(finding.evidence, maker)]
    if finding.files:
        parts += [NewLine(), Text(files_heading(len(finding.files)), style="bold"),
                  _file_list(finding.files, maker)]
    if finding.fix:
        parts += [NewLine(), Text.assemble(("Fix: ", "bold green"), maker.text(finding.fix))]
    title = Text.assemble(severity_badge(finding.severity), " ", maker.text(finding.id, "bold"))
    subtitle = maker.text(sources_label(detail.sources), "dim") if detail.sources else None
    return Panel(Group(*parts), title=title, title_align="left", subtitle=subtitle,
                 subtitle_align="right", border_style=SEVERITY_BORDER_STYLES[finding.severity],
                 box=box.ROUNDED)


def _summary_table(name: str, rows: Any, maker: _TextMaker) -> RenderableType:
    """A summary ``[{"column": value}, ...]`` as a table; columns in order of first use."""
    rows = summary_rows(rows)
    if not rows:
        return maker.text(f"{name}: no rows", "dim")
    columns = summary_columns(rows)
    # No padding (the box's blank divider parts the columns), so the variants' eight
    # figures fit 80 columns unwrapped.
    table = Table(title=maker.text(name, "bold"), title_justify="left", box=box.SIMPLE_HEAD,
                  header_style="bold", padding=0)
    cells = [[maker.value(by_name[c]) if c in by_name else Text("") for c in columns]
             for by_name in ({str(key): value for key, value in row.items()} for row in rows)]
    for index, column in enumerate(columns):
        values = [row.get(column) for row in rows if column in row]
        numeric = all(isinstance(as_plain_python(v), (int, float)) for v in values)
        # The row's name and short cells (figures) are read whole, and a longer header wraps
        # at its spaces; longer cells (a verdict) wrap and take the width left over.
        widest_cell = max(cell[index].cell_len for cell in cells)
        short = index == 0 or widest_cell <= SHORT_CELL_WIDTH
        header = textwrap.fill(column, width=max(widest_cell, 1), break_long_words=False) \
            if short else column
        table.add_column(maker.text(header), justify="right" if numeric else "left",
                         overflow="fold", no_wrap=short, ratio=None if short else 1)
    for cell in cells:
        table.add_row(*cell)
    return table


def _context_grid(meta: Mapping[str, Any], maker: _TextMaker) -> Table:
    grid = _evidence_grid(meta, maker)
    grid.title = Text("Context", style="bold")
    grid.title_justify = "left"
    return grid


def _with_blank_lines(pieces: Iterable[RenderableType]) -> list[RenderableType]:
    spaced: list[RenderableType] = []
    for piece in pieces:
        spaced += [NewLine(), piece] if spaced else [piece]
    return spaced


def renderables(report: Report, verbose: bool = False, *, ascii_only: bool = False) -> list:
    """The console view as a list of rich renderables (for :class:`rich.live.Live` or a Group).

    Args:
        report: what to show.
        verbose: show info-level findings in full (by default they are one table line each)
            and the report's meta; show longer lists and more files.
        ascii_only: escape non-ASCII text; pass ``console.options.ascii_only`` for a console
            whose encoding cannot print Unicode (:func:`render_report` does).
    """
    maker = _TextMaker(VERBOSE_LIMITS if verbose else COMPACT_LIMITS, ascii_only)
    groups = group_findings(report.findings)
    pieces: list[RenderableType] = [_title_rule(report, maker)]
    if report.headline:
        pieces.append(_headline_panel(report, maker))
    pieces.append(_severity_counts(report, len(groups)))
    if groups:
        pieces.append(_findings_table(groups, maker))
    detailed = [g for g in groups if verbose or g.severity is not Severity.INFO]
    pieces += [_finding_panel(detail, maker) for group in detailed for detail in group.details]
    compact_count = sum(len(g.findings) for g in groups) - sum(len(g.findings) for g in detailed)
    if compact_count:
        pieces.append(Text(f"Info findings ({compact_count}) are shown only in the table above; "
                           "the verbose view shows their evidence.", style="dim"))
    pieces += [_summary_table(str(name), rows, maker) for name, rows in report.summary.items()]
    if verbose and report.meta:
        pieces.append(_context_grid(report.meta, maker))
    return _with_blank_lines(pieces)


def render_report(report: Report, console: Console, verbose: bool = False, *,
                  html_path: Path | str | None = None) -> None:
    """Print the report's console view, then, when ``html_path`` is given (the HTML report
    was written there), one line pointing to it.

    Colours only where ``console`` is a terminal; plain text otherwise. On a console that
    cannot encode Unicode, non-ASCII text is escaped rather than raising.
    """
    ascii_only = console.options.ascii_only
    for piece in renderables(report, verbose, ascii_only=ascii_only):
        console.print(piece)
    if html_path is not None:
        maker = _TextMaker(COMPACT_LIMITS, ascii_only)
        console.print(Text.assemble(HTML_POINTER, maker.text(str(html_path), "bold")),
                      soft_wrap=True)
