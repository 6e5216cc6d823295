"""The report's plots, drawn with matplotlib (Agg backend) and returned as PNG bytes.

matplotlib is imported on first use, never at import time: ``unetdiag --help`` and the
console views do not pay for it.

>>> png = histogram_png([0.5, 0.7, 0.9], title="Dice per image", xlabel="Dice")
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Resolution of every figure (pixels per inch).
DPI = 100
#: Width of a figure of curves, in inches (three panels side by side).
CURVES_WIDTH = 12.0
#: Height of one row of curve panels, in inches.
PANEL_HEIGHT = 3.4
#: Panels per row of a figure of curves.
PANELS_PER_ROW = 3
#: Size of a small chart (histogram, bars), in inches.
SMALL_FIGURE = (3.8, 2.7)
#: Colour of a line or marker, by severity or role.
COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0",
           "reference": "#6a1b9a", "bar": "#455a64", "accent": "#00897b"}
#: Line styles of training and validation curves.
TRAIN_STYLE, VALIDATION_STYLE = "-", "--"


@dataclass(frozen=True)
class Panel:
    """One plot of curves: every series drawn against epochs 1..N.

    Attributes:
        title: the panel's title (e.g. ``"Dice"``).
        series: name -> one value per epoch (None or non-finite: not drawn).
        lines: horizontal reference lines: ``(value, label)``.
    """

    title: str
    series: Mapping[str, Sequence[float | None]]
    lines: Sequence[tuple[float, str]] = ()


@dataclass(frozen=True)
class EpochMarker:
    """A vertical line at the 1-based ``epoch`` where findings of ``severity`` fired."""

    epoch: int
    severity: str


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def _png(figure: Any) -> bytes:
    pyplot = _pyplot()
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=DPI)
    finally:
        pyplot.close(figure)
    return buffer.getvalue()


def _finite_or_nan(values: Sequence[Any]) -> list[float]:
    finite = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        finite.append(number if math.isfinite(number) else math.nan)
    return finite


def _draw_panel(axes: Any, panel: Panel, markers: Sequence[EpochMarker]) -> None:
    # a metric and its val_ twin share a colour; the line style tells them apart
    bases = list(dict.fromkeys(name.removeprefix("val_") for name in panel.series))
    for name, values in panel.series.items():
        numbers = _finite_or_nan(values)
        style = VALIDATION_STYLE if name.startswith("val_") else TRAIN_STYLE
        axes.plot(range(1, len(numbers) + 1), numbers, style, marker="o", markersize=3,
                  color=f"C{bases.index(name.removeprefix('val_')) % 10}", label=name)
    for value, label in panel.lines:
        if math.isfinite(value):
            axes.axhline(value, color=COLOURS["reference"], linestyle=":", linewidth=1.2,
                         label=label)
    for marker in markers:
        axes.axvline(marker.epoch, color=COLOURS.get(marker.severity, COLOURS["info"]),
                     linestyle="-", linewidth=1, alpha=0.5)
    axes.set_title(panel.title, fontsize=11)
    axes.set_xlabel("epoch", fontsize=9)
    axes.tick_params(labelsize=8)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(alpha=0.25)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, loc="best")


def curves_png(panels: Sequence[Panel], markers: Sequence[EpochMarker] = ()) -> bytes:
    """Panels of curves, three to a row, each with its reference lines and every marker."""
    pyplot = _pyplot()
    rows = max(1, math.ceil(len(panels) / PANELS_PER_ROW))
    columns = min(PANELS_PER_ROW, max(1, len(panels)))
    figure, axes = pyplot.subplots(rows, columns, squeeze=False,
                                   figsize=(CURVES_WIDTH, PANEL_HEIGHT * rows))
    flat = [a for row in axes for a in row]
    for panel, panel_axes in zip(panels, flat, strict=False):
        _draw_panel(panel_axes, panel, markers)
    for unused in flat[len(panels):]:
        unused.set_visible(False)
    figure.tight_layout()
    return _png(figure)


def histogram_png(values: Sequence[float], *, title: str, xlabel: str,
                  lines: Sequence[tuple[float, str]] = (), value_range: tuple[float, float]
                  | None = (0.0, 1.0), bins: int = 20) -> bytes:
    """A histogram of the finite ``values`` with vertical reference lines; ``value_range``
    is widened to the values when some fall outside it (none is left out)."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=SMALL_FIGURE)
    finite = [v for v in _finite_or_nan(values) if not math.isnan(v)]
    if value_range is not None and finite:
        value_range = (min(value_range[0], *finite), max(value_range[1], *finite))
    axes.hist(finite, bins=bins, range=value_range, color=COLOURS["bar"], alpha=0.85)
    for value, label in lines:
        if math.isfinite(value):
            axes.axvline(value, color=COLOURS["reference"], linestyle=":", linewidth=1.5,
                         label=label)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(xlabel, fontsize=9)
    axes.set_ylabel("images", fontsize=9)
    axes.tick_params(labelsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    if lines:
        axes.legend(fontsize=7)
    figure.tight_layout()
    return _png(figure)


def bars_png(labels: Sequence[str], values: Sequence[float], *, title: str, ylabel: str,
             percent: bool = False) -> bytes:
    """Vertical bars, each labelled with its value (as a percentage when ``percent``)."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=SMALL_FIGURE)
    bars = axes.bar(range(len(values)), values, color=COLOURS["bar"])
    axes.set_xticks(range(len(labels)), labels, fontsize=8)
    axes.bar_label(bars, labels=[f"{100 * v:.3g} %" if percent else f"{v:g}" for v in values],
                   fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(ylabel, fontsize=9)
    axes.tick_params(axis="y", labelsize=8)
    if percent:
        axes.set_ylim(0, 1.12)
    axes.margins(y=0.12)
    figure.tight_layout()
    return _png(figure)


def spread_png(stats: Mapping[str, float], *, title: str, xlabel: str) -> bytes:
    """A horizontal box drawn from summary numbers alone (no samples): whiskers at ``low``
    and ``high``, the box from ``q1`` to ``q3``, the line at ``median``."""
    pyplot = _pyplot()
    figure, axes = pyplot.subplots(figsize=(SMALL_FIGURE[0], 1.9))
    axes.bxp([{"whislo": stats["low"], "q1": stats["q1"], "med": stats["median"],
               "q3": stats["q3"], "whishi": stats["high"], "fliers": []}],
             orientation="horizontal", widths=0.5, showfliers=False)
    axes.set_yticks([])
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(xlabel, fontsize=9)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    return _png(figure)
