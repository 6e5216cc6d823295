"""Training curves for the HTML report: one panel per kind of metric (loss, Dice, accuracy,
IoU, the rest), reference lines where a trivial predictor or a fingerprint sits, and a
vertical line at every epoch a finding's evidence speaks of, listed under the figure.

>>> history = {"loss": [0.7, 0.5], "val_loss": [0.8, 0.6], "dice": [0.1, 0.3], "lr": [1, 1]}
>>> [(p.title, list(p.series)) for p in history_panels(history, [])]
[('Loss', ['loss', 'val_loss']), ('Dice', ['dice'])]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from unetdiag.diag.checks.saturation import metric_kind
from unetdiag.diag.core.findings import Finding, sort_findings
from unetdiag.report.epochs import finding_epochs
from unetdiag.report.figures import EpochMarker, Panel, curves_png
from unetdiag.report.html.page import bullet_list, escape, figure, note

#: Panels in the order they are drawn, with their titles.
KIND_TITLES = {"loss": "Loss", "dice": "Dice", "accuracy": "Accuracy", "iou": "IoU",
               "other": "Other metrics"}


@dataclass(frozen=True)
class ReferenceLine:
    """A horizontal line on the panel of metrics of ``kind`` (``"dice"``, ``"accuracy"``...)."""

    kind: str
    value: float
    label: str


def history_panels(history: Mapping[str, Sequence[float | None]],
                   lines: Sequence[ReferenceLine]) -> list[Panel]:
    """One panel per kind of metric the history holds (bookkeeping such as ``lr`` left out);
    a lone metric of no known kind names its own panel."""
    by_kind: dict[str, dict[str, Sequence[float | None]]] = {}
    for metric, values in history.items():
        kind = metric_kind(metric)
        if kind != "bookkeeping":
            by_kind.setdefault(kind, {})[metric] = values
    panels = []
    for kind, title in KIND_TITLES.items():
        if kind not in by_kind:
            continue
        series = by_kind[kind]
        bases = {name.removeprefix("val_") for name in series}
        if kind == "other" and len(bases) == 1:
            title = bases.pop().replace("_", " ")
        panels.append(Panel(title, series, [(line.value, line.label) for line in lines
                                             if line.kind == kind]))
    return panels


def findings_about(findings: Iterable[Finding], names: Collection[str]) -> list[Finding]:
    """The findings whose source, ``run`` or ``runs`` evidence is one of ``names``."""
    about = []
    for finding in findings:
        runs = finding.evidence.get("runs")
        named = [finding.source, finding.evidence.get("run"),
                 *(runs if isinstance(runs, list) else ())]
        if any(isinstance(name, str) and name in names for name in named):
            about.append(finding)
    return about


def fired_at(findings: Iterable[Finding], epochs: int) -> list[tuple[int, Finding]]:
    """``(epoch, finding)`` for every epoch within 1..``epochs`` that a finding's evidence
    speaks of, most severe first, then by epoch."""
    fired = [(epoch, finding) for finding in sort_findings(findings)
             for epoch in finding_epochs(finding) if 1 <= epoch <= epochs]
    return sorted(fired, key=lambda item: (-item[1].severity.rank, item[0]))


def _markers(fired: Sequence[tuple[int, Finding]]) -> list[EpochMarker]:
    """One marker per epoch, in the colour of the worst finding fired there."""
    worst: dict[int, Finding] = {}
    for epoch, finding in fired:
        if epoch not in worst or finding.severity.rank > worst[epoch].severity.rank:
            worst[epoch] = finding
    return [EpochMarker(epoch, finding.severity.value) for epoch, finding in worst.items()]


def _marker_items(fired: Sequence[tuple[int, Finding]]) -> list[str]:
    by_epoch: dict[int, list[Finding]] = {}
    for epoch, finding in fired:
        by_epoch.setdefault(epoch, []).append(finding)
    return [f"epoch {epoch}: " + ", ".join(
                f"<span class=\"count {f.severity.value}\"><code>{escape(f.id)}</code></span>"
                for f in findings)
            for epoch, findings in sorted(by_epoch.items())]


def curves_block(history: Mapping[str, Sequence[float | None]], lines: Sequence[ReferenceLine],
                 findings: Iterable[Finding], alt: str) -> str:
    """The curves figure, its caption, and the list of epochs where findings fired."""
    panels = history_panels(history, lines)
    if not panels:
        return note("The history holds no metric to draw.")
    epochs = max((len(values) for values in history.values()), default=0)
    fired = fired_at(findings, epochs)
    caption = ("Solid: training; dashed: validation; dotted: "
               + ("the reference lines named in each legend" if lines else "no reference line")
               + ("; vertical lines: the epochs findings speak of (listed below)." if fired
                  else "."))
    parts = [figure(curves_png(panels, _markers(fired)), alt, caption)]
    if fired:
        parts.append(bullet_list(_marker_items(fired), "markers"))
    return "\n".join(parts)
