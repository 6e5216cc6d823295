"""Structured findings: the one data model every check returns and every view renders.

A finding knows nothing of the terminal. The rich console view, the JSON file and the
HTML export in :mod:`unetdiag.report` are renderings of the same list of findings.

>>> f = Finding(id="mask.values_above_one", severity=Severity.ERROR,
...             title="Masks hold values above 1",
...             explanation="Masks store 0/255.", fix="Divide masks by 255.",
...             evidence={"max_value": 255})
>>> Finding.from_dict(f.to_dict()) == f
True
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


class Severity(str, enum.Enum):
    """How bad a finding is. Ordered: ``INFO < WARNING < ERROR``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}

Outcome = Literal["finished", "stopped", "interrupted", "refused"]
EvidenceValue = Any  # JSON-serialisable: numbers, strings, bools, lists and dicts of them


@dataclass(frozen=True)
class Finding:
    """One diagnosis, with the numbers that prove it.

    Attributes:
        id: stable dotted identifier, e.g. ``"baseline.dice_equals_all_ones"``. Ids are a
            public contract (``checks/`` and users' scripts match on them); never rename one.
        severity: :class:`Severity`.
        title: one line in plain words; the headline of the finding.
        explanation: one paragraph: what the numbers mean and why it matters.
        fix: what to do about it.
        evidence: the numbers (and short strings) that prove the finding.
        files: offending files, worst first (may be empty).
        source: where it was produced: ``"audit"``, ``"train:MP_Tr_BCE"``, ``"log:run 2"``...
    """

    id: str
    severity: Severity
    title: str
    explanation: str
    fix: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "files", tuple(str(f) for f in self.files))
        object.__setattr__(self, "evidence", dict(self.evidence))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (schema in ``docs/report-schema.md``)."""
        return {
            "id": self.id,
            "severity": self.severity.value,
            "title": self.title,
            "explanation": self.explanation,
            "fix": self.fix,
            "evidence": {k: jsonable(v) for k, v in self.evidence.items()},
            "files": list(self.files),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            id=data["id"],
            severity=Severity(data["severity"]),
            title=data["title"],
            explanation=data["explanation"],
            fix=data["fix"],
            evidence=dict(data.get("evidence", {})),
            files=tuple(data.get("files", ())),
            source=data.get("source", ""),
        )

    def with_source(self, source: str) -> Finding:
        return Finding(self.id, self.severity, self.title, self.explanation, self.fix,
                       self.evidence, self.files, source)


#: A finding names at most this many files, worst first.
LISTED_FILES = 20


def listing_finding(finding_id: str, severity: Severity, title: str, explanation: str,
                    fix: str, evidence: dict[str, Any], files: Iterable[str],
                    source: str) -> Finding:
    """A finding that names at most :data:`LISTED_FILES` of ``files``, each once and in
    order, and says in its evidence (``files_listed``) how many it names."""
    listed = list(dict.fromkeys(files))[:LISTED_FILES]
    return Finding(id=finding_id, severity=severity, title=title, explanation=explanation,
                   fix=fix, evidence={**evidence, "files_listed": len(listed)},
                   files=tuple(listed), source=source)


def jsonable(value: Any) -> Any:
    """Plain Python for JSON; non-finite floats become the strings "nan", "inf", "-inf"."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # NumPy scalar
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # NumPy array
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; stable within a severity (keeps the order checks produced)."""
    return sorted(findings, key=lambda f: -f.severity.rank)


def worst_severity(findings: Iterable[Finding]) -> Severity | None:
    ranked = [f.severity for f in findings]
    return max(ranked, key=lambda s: s.rank) if ranked else None


def count_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


@dataclass
class Report:
    """What a command concluded: its findings plus the context they were found in.

    Attributes:
        title: e.g. ``"unetdiag audit-data images/"``.
        command: ``"train"``, ``"audit-data"`` or ``"explain-log"``.
        headline: one or two sentences answering the user's question in plain words (for
            ``train``: why the metrics look the way they do); empty when nothing stands out.
        findings: every finding, any order (renderers sort by severity).
        summary: named tables for the views, ``{"table name": [{"column": value, ...}, ...]}``.
        meta: free context (versions, paths, timings, the Dice convention in force).
        outcome: how the command ended: ``"finished"``, ``"stopped"`` (a diagnostic guard
            stopped at least one variant), ``"interrupted"`` (Ctrl-C / SIGTERM) or
            ``"refused"`` (``train`` refused its input before training).
    """

    title: str
    command: str
    findings: list[Finding] = field(default_factory=list)
    headline: str = ""
    summary: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome = "finished"

    def to_dict(self) -> dict[str, Any]:
        ordered = sort_findings(self.findings)
        return {
            "schema": "unetdiag.report/1",
            "title": self.title,
            "command": self.command,
            "headline": self.headline,
            "outcome": self.outcome,
            "counts": count_by_severity(ordered),
            "findings": [f.to_dict() for f in ordered],
            "summary": jsonable(self.summary),
            "meta": jsonable(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        return cls(title=data["title"], command=data["command"],
                   findings=[Finding.from_dict(f) for f in data.get("findings", [])],
                   headline=data.get("headline", ""), summary=dict(data.get("summary", {})),
                   meta=dict(data.get("meta", {})),
                   outcome=data.get("outcome", "finished"))
