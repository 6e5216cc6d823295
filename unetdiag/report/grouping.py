"""Findings grouped for display: the same finding for several sources is one row naming them.

A train run checks each variant alike, so the same finding (one id, one severity, the same
title but for the source's own name) often comes once per variant; the views show it once,
naming the sources. Two findings are the same when their titles match once the name each
one opens with (its source, the run it names, or the variant after ``train:``) is set aside.

Within a group, findings whose explanation, fix, evidence (but for the run's name) and files
are equal too are one *detail*: shown once, with their sources. Findings that differ in
anything else keep a detail each (each is true of its own source only).

>>> from unetdiag.diag.core.findings import Finding
>>> def collapsed(variant):
...     return Finding("saturation.predictions_collapsed", "error",
...                    f"train:{variant}: predictions collapsed", "", "",
...                    {"run": f"train:{variant}"}, source=f"train:{variant}")
>>> [group] = group_findings([collapsed("A"), collapsed("B")])
>>> group.title, group.sources_label, len(group.details)
('Predictions collapsed', 'train: A and B', 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unetdiag.diag.core.findings import Finding, Severity, sort_findings
from unetdiag.diag.wording.text import capitalised, join_names, plural

#: Stands for the finding's own name in a title template (a character no title holds).
_OWN_NAME = "\x00"
#: Evidence keys that only repeat the source's name (left out when details are compared).
NAME_KEYS = ("run",)


@dataclass(frozen=True)
class FindingDetail:
    """Findings of one group that say the same thing but for their source.

    Attributes:
        finding: the first of them (its explanation, fix, evidence and files stand for all).
        sources: every source it came from, in report order.
    """

    finding: Finding
    sources: tuple[str, ...]


@dataclass(frozen=True)
class FindingGroup:
    """One row of a findings table: the same finding for one or more sources.

    Attributes:
        findings: the members, in report order.
        title: the title of the row: the finding's own title when it has one member; for
            several, the shared title with the name it opened with left out.
        details: the members that differ in more than their source, one detail each.
    """

    findings: tuple[Finding, ...]
    title: str
    details: tuple[FindingDetail, ...]

    @property
    def first(self) -> Finding:
        return self.findings[0]

    @property
    def id(self) -> str:
        return self.first.id

    @property
    def severity(self) -> Severity:
        return self.first.severity

    @property
    def sources(self) -> tuple[str, ...]:
        return _unique(f.source for f in self.findings if f.source)

    @property
    def sources_label(self) -> str:
        """The sources in a few words (see :func:`sources_label`)."""
        return sources_label(self.sources)


def sources_label(sources: Sequence[str]) -> str:
    """Sources joined in words; a shared ``kind:`` prefix is written once.

    >>> sources_label(["train:MP_Tr_BCE", "train:MP_Tr_Dice"])
    'train: MP_Tr_BCE and MP_Tr_Dice'
    >>> sources_label(["data:train", "audit"]), sources_label([])
    ('data:train and audit', '')
    """
    sources = list(sources)
    prefixes = {source.partition(":")[0] for source in sources}
    if len(sources) > 1 and len(prefixes) == 1 and all(":" in s for s in sources):
        prefix = prefixes.pop()
        return f"{prefix}: " + join_names([s.partition(":")[2] for s in sources])
    return join_names(sources)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _own_names(finding: Finding) -> list[str]:
    """Names a finding's title may open with, longest first."""
    names = [finding.source, finding.source.partition(":")[2]]
    run = finding.evidence.get("run")
    if isinstance(run, str):
        names.append(run)
    return sorted({name for name in names if name}, key=len, reverse=True)


def title_template(finding: Finding) -> str:
    """The title with the name it opens with, or a clause after ``": "`` opens with, replaced
    by a marker (when followed by ``:`` or a space), so the titles of one finding for two
    sources compare equal.

    >>> title_template(Finding("x", "info", "Resolved by epoch 3: train:A: collapsed", "", "",
    ...                        source="train:A")).replace(_OWN_NAME, "<name>")
    'Resolved by epoch 3: <name>: collapsed'
    """
    title = finding.title
    for name in _own_names(finding):
        for start in [0] + [i + 2 for i in range(len(title)) if title.startswith(": ", i)]:
            rest = title[start + len(name):]
            if title.startswith(name, start) and rest[:1] in (":", " "):
                return title[:start] + _OWN_NAME + rest
    return title


def _shared_title(template: str, first: Finding, count: int) -> str:
    """The row's title: the member's own for one; for several, without the name.

    ``"<name>: predictions collapsed"`` becomes ``"Predictions collapsed"``,
    ``"<name> predicts no foreground"`` becomes ``"Each predicts no foreground"``,
    ``"Resolved: <name>: collapsed"`` becomes ``"Resolved: collapsed"``.
    """
    if count == 1 or _OWN_NAME not in template:
        return first.title
    if _OWN_NAME + ":" in template:
        before, _, after = template.partition(_OWN_NAME + ":")
        return _sentence_start(after.strip()) if not before else before + after.strip()
    if template.startswith(_OWN_NAME):
        return "Each" + template[len(_OWN_NAME):]
    return template.replace(_OWN_NAME, "each")


def _sentence_start(text: str) -> str:
    """``text`` opening a title: an English word gets its capital, a metric name does not."""
    first_word = text.split(" ", 1)[0]
    return capitalised(text) if first_word.isalpha() and first_word.islower() else text


def _detail_key(finding: Finding) -> tuple[Any, ...]:
    evidence = {key: value for key, value in finding.evidence.items() if key not in NAME_KEYS}
    return (finding.explanation, finding.fix, _frozen(evidence), finding.files)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for nested evidence (dicts and lists compared by content)."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(key), _frozen(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(item) for item in value))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _details(findings: Sequence[Finding]) -> tuple[FindingDetail, ...]:
    by_key: dict[Any, list[Finding]] = {}
    for finding in findings:
        by_key.setdefault(_detail_key(finding), []).append(finding)
    return tuple(FindingDetail(members[0], _unique(f.source for f in members if f.source))
                 for members in by_key.values())


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Findings grouped by id, severity and title template, most severe first (each group
    where its first member stands in :func:`~unetdiag.diag.core.findings.sort_findings`)."""
    members: dict[tuple[str, Severity, str], list[Finding]] = {}
    for finding in sort_findings(findings):
        key = (finding.id, finding.severity, title_template(finding))
        members.setdefault(key, []).append(finding)
    return [FindingGroup(tuple(group), _shared_title(key[2], group[0], len(group)),
                         _details(group))
            for key, group in members.items()]


def merged_rows_note(findings: int, rows: int, row: str, rows_word: str) -> str:
    """How many findings fill how many rows (``row``/``rows_word``: what a view calls them),
    said beside the counts by severity, which count findings, not rows.

    >>> merged_rows_note(24, 18, "row", "rows")
    '24 findings in 18 rows: the same finding for several sources is one row naming them.'
    """
    return (f"{plural(findings, 'finding')} in {plural(rows, row, rows_word)}: the same "
            f"finding for several sources is one {row} naming them.")
