"""The words of one finding, kept apart from the numbers and the verdict they describe.

A check measures, decides the severity and gathers the evidence; its wording module turns
that evidence into :class:`Sentences`; :meth:`Sentences.finding` puts the two together.

>>> words = Sentences("Masks are empty", "All 3 masks are empty.", "Check the threshold.")
>>> words.finding("imbalance.empty_masks", Severity.ERROR, {"empty_masks": 3}).title
'Masks are empty'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from unetdiag.diag.core.findings import Finding, Severity


class Sentences(NamedTuple):
    """The title, explanation and fix of one finding."""

    title: str
    explanation: str
    fix: str

    def finding(self, finding_id: str, severity: Severity, evidence: Mapping[str, Any],
                source: str = "", files: Sequence[str] = ()) -> Finding:
        return Finding(id=finding_id, severity=severity, title=self.title,
                       explanation=self.explanation, fix=self.fix, evidence=evidence,
                       files=tuple(files), source=source)
