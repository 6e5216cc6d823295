"""The one headline pipeline: every command's plain-words answer is built here.

A command describes its headline as an ordered tuple of :class:`HeadlineRule`: each rule
looks at the findings (and the command's own context: the audit's tallies, the runs of a
log, the results of a training run) and returns a sentence or ``None``. Rules run in order;
a rule marked ``final`` ends the headline when it speaks (the most important problem is
said first and alone), and ``limit`` caps how many sentences are kept. When no rule speaks,
the worst non-info finding's title is said; when there is none, ``quiet`` is.

>>> from unetdiag.diag.core.findings import Finding, Severity
>>> rules = (HeadlineRule("nan", lambda findings, context: "The loss went NaN."
...                       if any(f.id == "nan" for f in findings) else None),)
>>> nan = Finding("nan", Severity.ERROR, "Loss is NaN", "", "")
>>> compose_headline(rules, [nan], None, quiet="Nothing found.")
'The loss went NaN.'
>>> compose_headline(rules, [], None, quiet="Nothing found.")
'Nothing found.'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from unetdiag.diag.core.findings import Finding, Severity, count_by_severity, sort_findings
from unetdiag.diag.wording.text import plural

Sentence = Callable[[Sequence[Finding], Any], "str | None"]


#: Titles a listing sentence (:func:`listed_titles`) names before "and N more".
LISTED_TITLES = 2


def listed_titles(opening: str, titles: Sequence[str], limit: int = LISTED_TITLES) -> str | None:
    """``"<opening> A; B; and 3 more (see the findings)."``: distinct titles, the first
    ``limit`` of them; None when there are none."""
    distinct = list(dict.fromkeys(titles))
    if not distinct:
        return None
    more = len(distinct) - limit
    return (f"{opening} " + "; ".join(distinct[:limit])
            + (f"; and {more} more (see the findings)" if more > 0 else "") + ".")


@dataclass(frozen=True)
class HeadlineRule:
    """One sentence the headline may say.

    Attributes:
        name: what the rule is about (for tests and docs).
        sentence: ``(findings, context) -> str | None``; ``None`` when the rule has nothing
            to say.
        final: when the rule speaks, no later rule is asked.
    """

    name: str
    sentence: Sentence
    final: bool = False


def compose_headline(rules: Sequence[HeadlineRule], findings: Sequence[Finding], context: Any,
                     *, quiet: str, limit: int | None = None, count_tail: bool = False) -> str:
    """Run ``rules`` in order and join the sentences they say.

    Args:
        rules: the command's rules, most important first.
        findings: every finding of the report.
        context: passed to each rule as its second argument.
        quiet: the headline when no rule speaks and no finding is above info.
        limit: keep at most this many sentences.
        count_tail: add "N errors and M warnings in all; details below." when more than one
            finding is above info.
    """
    sentences: list[str] = []
    for rule in rules:
        said = rule.sentence(findings, context)
        if said:
            sentences.append(said)
            if rule.final or (limit is not None and len(sentences) >= limit):
                break
    if not sentences:
        worst = [f for f in sort_findings(findings) if f.severity is not Severity.INFO]
        if not worst:
            return quiet
        sentences.append(worst[0].title.rstrip(".") + ".")
    if count_tail:
        tail = severity_tail(findings)
        if tail:
            sentences.append(tail)
    return " ".join(sentences)


def severity_tail(findings: Sequence[Finding]) -> str:
    """``"2 errors and 3 warnings in all; details below."`` when more than one finding is
    above info, else ``""``."""
    counts = count_by_severity(findings)
    errors, warnings = counts[Severity.ERROR.value], counts[Severity.WARNING.value]
    if errors + warnings <= 1:
        return ""
    return f"{plural(errors, 'error')} and {plural(warnings, 'warning')} in all; details below."
