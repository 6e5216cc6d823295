"""The dataset of an audit-data report in the HTML report: how the mask values are shared
(decoded classes, stored encodings, the foreground share per mask) and thumbnails of the
files the findings name, each with its mask painted over it.

The thumbnails are read again from the dataset folder the report names, with the project's
reader (:mod:`unetdiag.diag.data.masks`) under the report's mask policy, and paired as the
audit paired them (:func:`~unetdiag.diag.data.pairing.discover_pairs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from unetdiag.diag.core.findings import Finding, Report
from unetdiag.diag.data.masks import (
    DEFAULT_POLICY,
    SUPPORTED_EXTENSIONS,
    ImageReadError,
    MaskPolicy,
    decode_mask,
    read_image,
)
from unetdiag.diag.data.pairing import MASK_SUFFIXES, Pair, discover_pairs
from unetdiag.diag.wording.text import plural
from unetdiag.exitcodes import UserError
from unetdiag.report.figures import bars_png, spread_png
from unetdiag.report.grouping import group_findings
from unetdiag.report.html.page import escape, figure, gallery, note, section
from unetdiag.report.pictures import overlay_png

#: The finding whose evidence holds the decoded foreground share and its spread over masks.
IMBALANCE_SUMMARY = "imbalance.summary"
#: The summary table listing how masks are stored.
ENCODINGS_TABLE = "mask encodings"
#: Thumbnails shown per finding, and in all.
MAX_THUMBNAILS_PER_FINDING = 6
MAX_THUMBNAILS = 48


def _first(report: Report, finding_id: str) -> Finding | None:
    return next((f for f in report.findings if f.id == finding_id), None)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _class_shares(imbalance: Finding) -> str | None:
    fraction = _number(imbalance.evidence.get("foreground_fraction"))
    if fraction is None:
        return None
    masks = imbalance.evidence.get("masks")
    title = "Decoded mask values: share of all pixels" + (
        f" ({plural(masks, 'mask')})" if isinstance(masks, int) else "")
    png = bars_png(["background (0)", "foreground (1)"], [1.0 - fraction, fraction],
                   title=title, ylabel="share of pixels", percent=True)
    return figure(png, f"bar chart: background {1 - fraction:.2%}, foreground {fraction:.2%}")


def _spread(imbalance: Finding) -> str | None:
    evidence = imbalance.evidence
    quantiles = evidence.get("per_mask_quantiles")
    if not isinstance(quantiles, Mapping):
        return None
    stats = {"low": _number(evidence.get("per_mask_min")), "q1": _number(quantiles.get("q25")),
             "median": _number(quantiles.get("q50")), "q3": _number(quantiles.get("q75")),
             "high": _number(evidence.get("per_mask_max"))}
    if any(value is None for value in stats.values()):
        return None
    png = spread_png(stats, title="Foreground share per mask", xlabel="share of the mask's pixels")
    return figure(png, "box plot of the foreground share per mask",
                  "Box: the middle half of the masks (25th to 75th percentile); line: median; "
                  "whiskers: the smallest and the largest share.")


def _encodings(rows: Any) -> str | None:
    if not isinstance(rows, list):
        return None
    usable = [row for row in rows if isinstance(row, Mapping) and isinstance(row.get("masks"),
                                                                             int)]
    if not usable:
        return None
    labels = [f"{row.get('format', '?')} {row.get('scale', '')}\nvalues {row.get('values', '')}"
              for row in usable]
    png = bars_png(labels, [row["masks"] for row in usable],
                   title="How the masks are stored (masks per encoding)", ylabel="masks")
    return figure(png, "bar chart of masks per stored encoding")


def value_section(report: Report) -> str:
    """Charts of the mask values the audit measured (whatever the report holds of them)."""
    imbalance = _first(report, IMBALANCE_SUMMARY)
    charts = [_class_shares(imbalance), _spread(imbalance)] if imbalance else []
    charts.append(_encodings(report.summary.get(ENCODINGS_TABLE)))
    shown = [chart for chart in charts if chart]
    if not shown:
        return ""
    return section("Mask values", [gallery(shown)], "mask-values")


def _policy(meta: Mapping[str, Any]) -> MaskPolicy:
    """The audit's mask policy (always decoding to {0, 1}, to paint the mask)."""
    stored = meta.get("policy")
    if not isinstance(stored, Mapping):
        return DEFAULT_POLICY
    try:
        return MaskPolicy(threshold=stored.get("threshold"),
                          polarity=stored.get("polarity", "bright"))
    except (TypeError, ValueError):
        return DEFAULT_POLICY


def _pairs_by_file(meta: Mapping[str, Any]) -> dict[str, Pair]:
    """Each paired image and mask (as the audit named them) -> its pair."""
    suffixes = meta.get("mask_suffixes")
    result = discover_pairs(meta["images_dir"], meta.get("masks_dir"),
                            tuple(suffixes) if isinstance(suffixes, list) else MASK_SUFFIXES,
                            allow_same_file=True)
    by_file = {}
    for pair in result.pairs:
        by_file[str(pair.image)] = by_file[str(pair.mask)] = pair
    return by_file


def _thumbnail(name: str, pair: Pair | None, policy: MaskPolicy) -> str:
    image_path = pair.image if pair is not None else Path(name)
    try:
        image = read_image(image_path)
    except ImageReadError as error:
        return note(f"Cannot show {name}: {error.reason}.")
    mask, caption = None, Path(name).name
    if pair is not None:
        try:
            mask, _ = decode_mask(pair.mask, policy)
        except ImageReadError as error:
            caption += f" (mask unreadable: {error.reason})"
    else:
        caption += " (not in any image-mask pair)"
    return figure(overlay_png(image, mask), f"{name} with its mask in red", caption)


def _is_picture(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_EXTENSIONS


def thumbnail_section(report: Report) -> str:
    """Thumbnails of the files the findings name (most severe finding first)."""
    named = [g for g in group_findings(report.findings)
             if any(_is_picture(name) for f in g.findings for name in f.files)]
    if not named or not isinstance(report.meta.get("images_dir"), str):
        return ""
    try:
        pairs = _pairs_by_file(report.meta)
    except UserError as error:
        return section("Flagged files", [note(f"The files cannot be shown: {error}")],
                       "flagged-files")
    policy = _policy(report.meta)
    parts, shown = [note("Each file the findings name, with its mask painted in red.")], 0
    for group in named:
        files = list(dict.fromkeys(name for f in group.findings for name in f.files
                                   if _is_picture(name)))
        picked = files[:min(MAX_THUMBNAILS_PER_FINDING, MAX_THUMBNAILS - shown)]
        if not picked:
            break
        shown += len(picked)
        parts.append(f"<h3><span class=\"badge {group.severity.value}\">"
                     f"{group.severity.value.upper()}</span><code>{escape(group.id)}</code> "
                     f"{escape(group.title)}</h3>")
        parts.append(gallery([_thumbnail(name, pairs.get(name), policy) for name in picked]))
        if len(files) > len(picked):
            parts.append(note(f"{len(files) - len(picked)} more file(s) named by this finding."))
    return section("Flagged files", parts, "flagged-files")
