"""Masks holding values between their scale's two ends that a decoder thresholded: how many
pixels lay between, at which threshold, and what the threshold did to the foreground.

``train`` and ``evaluate`` decode each mask to {0, 1} under the policy in force
(:mod:`unetdiag.diag.data.decoding`); a probability map, a blurred or anti-aliased mask and a
JPEG mask hold values between background and foreground that the threshold settles one way
or the other. ``audit-data`` says where such values sit (``mask.non_binary``); this module
measures, per mask the decoder read, the same things with the same measures
(:func:`~unetdiag.diag.checks.edges.edge_share`,
:func:`~unetdiag.diag.checks.edges.pooled_rim_share`, read by
:func:`~unetdiag.diag.checks.masks.non_binary_reading`), and what the threshold made of the
foreground: as decoded, against the values' own mean share of the scale (the foreground a
soft label holds) and the two extremes (every value between read as background, or as
foreground). :mod:`unetdiag.diag.checks.soft_masks_wording` words it.

>>> import numpy as np
>>> from unetdiag.diag.data.decoding import inspect_mask_values
>>> from unetdiag.diag.data.policy import MaskPolicy
>>> plane = np.zeros((8, 8), np.uint8); plane[2:6, 2:6] = 255; plane[2:6, 6] = 100
>>> soft = measure_soft_values(inspect_mask_values(plane, "PNG", "L", MaskPolicy()))
>>> soft.between, soft.between_foreground, soft.foreground, soft.threshold
(4, 0, 16, 127.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from unetdiag.diag.checks.edges import edge_share, edge_share_of_levels, pooled_rim_share
from unetdiag.diag.checks.masks import non_binary_reading
from unetdiag.diag.checks.soft_masks_wording import soft_values_sentences
from unetdiag.diag.core.findings import LISTED_FILES, Finding, Severity
from unetdiag.diag.data.decoding import InspectedMask, scale_ends


@dataclass(frozen=True)
class SoftValues:
    """One mask's values between the ends of its scale, as the decoder thresholded them.

    Attributes:
        pixels: the mask's pixels the policy does not ignore.
        between: of them, finite values strictly between the scale's ends.
        between_foreground: of those, the ones decoded as foreground.
        foreground: pixels decoded as foreground.
        soft_foreground: the sum over the counted pixels of each value's share of the scale
            towards the foreground end (0 at the background end, 1 at the other; NaN and
            Inf count 0, as the decoder reads them as background).
        on_edges: values between that sit on object edges (``edge_share`` times ``between``).
        in_rims: values between within two pixels of an end value (``rim_share`` times
            ``between``).
        scale, bottom, top, threshold: the scale recognised, its two ends and the threshold
            the decoder applied (``v > threshold`` is bright).
        polarity: which end is the foreground (``"bright"``: ``top``).
        lossy: the file is stored lossily (JPEG).
    """

    pixels: int
    between: int
    between_foreground: int
    foreground: int
    soft_foreground: float
    on_edges: float
    in_rims: float
    scale: str
    bottom: float
    top: float
    threshold: float
    polarity: str
    lossy: bool = False


def measure_soft_values(inspected: InspectedMask) -> SoftValues | None:
    """What thresholding did to an inspected mask's values between its scale's ends; None
    when nothing was thresholded (a value policy, palette labels, raw values) or no value
    lies between (two levels, whatever they are, hold no value between two classes)."""
    encoding, policy = inspected.encoding, inspected.policy
    if (not policy.normalise or policy.by_values or encoding.scale == "palette"
            or encoding.distinct_values <= 2):
        return None
    plane = inspected.plane
    if plane.ndim != 2:
        return None
    bottom, top = scale_ends(encoding.scale, encoding.min_value, encoding.max_value)
    if not top > bottom:
        return None
    ignored = inspected.ignored()
    between = (plane > bottom) & (plane < top)  # NaN compares False: not between
    if ignored is not None:
        between &= ~ignored
    count = int(np.count_nonzero(between))
    if count == 0:
        return None
    decoded = inspected.foreground()
    unit = _unit_share(plane, bottom, top, encoding.polarity)
    if ignored is not None:
        unit[ignored] = 0.0
    edge, rim = _where_between(plane, bottom, top)
    return SoftValues(
        pixels=int(plane.size - (0 if ignored is None else np.count_nonzero(ignored))),
        between=count, between_foreground=int(np.count_nonzero(decoded & between)),
        foreground=int(np.count_nonzero(decoded)), soft_foreground=float(unit.sum()),
        on_edges=edge * count, in_rims=rim * count, scale=encoding.scale, bottom=bottom,
        top=top, threshold=encoding.threshold, polarity=encoding.polarity,
        lossy=encoding.lossy)


def _unit_share(plane: np.ndarray, bottom: float, top: float, polarity: str) -> np.ndarray:
    """Each value's share of the scale towards the foreground end, float32 in [0, 1]
    (non-finite values 0)."""
    unit = (plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
    np.clip(unit, 0.0, 1.0, out=unit)
    if polarity == "dark":
        unit = 1.0 - unit
    unit[~np.isfinite(unit)] = 0.0
    return unit


def _where_between(plane: np.ndarray, bottom: float, top: float) -> tuple[float, float]:
    """(edge share, rim share) of the plane's values between ``bottom`` and ``top``, as
    ``audit-data`` measures them; NaN where one cannot be told."""
    rim = pooled_rim_share(plane, bottom, top)
    if plane.dtype.kind in "ui" and plane.dtype.itemsize <= 2:
        return edge_share_of_levels(plane, bottom, top), rim
    unit = (plane.astype(np.float32) - np.float32(bottom)) / np.float32(top - bottom)
    return edge_share(np.where(np.isfinite(unit), unit, 0.0)), rim


def soft_values_evidence(soft: Mapping[str, SoftValues], masks: int) -> dict:
    """The pooled numbers of the masks in ``soft`` (mask path -> :class:`SoftValues`), of
    ``masks`` decoded: what :func:`soft_values_thresholded` reports.

    >>> one = SoftValues(100, 20, 5, 15, 17.5, 20.0, 2.0, "uint8", 0.0, 255.0, 127.5, "bright")
    >>> evidence = soft_values_evidence({"a.png": one}, 4)
    >>> evidence["between_fraction"], evidence["foreground_fraction"], evidence["reading"]
    (0.2, 0.15, 'soft')
    >>> evidence["foreground_if_between_background"], evidence["foreground_if_between_foreground"]
    (0.1, 0.3)
    """
    rows = list(soft.values())
    pixels = sum(row.pixels for row in rows)
    between = sum(row.between for row in rows)
    between_foreground = sum(row.between_foreground for row in rows)
    foreground = sum(row.foreground for row in rows)
    edges = [row for row in rows if math.isfinite(row.on_edges)]
    rims = [row for row in rows if math.isfinite(row.in_rims)]
    edge = (sum(row.on_edges for row in edges) / sum(row.between for row in edges)
            if edges else math.nan)
    rim = (sum(row.in_rims for row in rims) / sum(row.between for row in rims)
           if rims else math.nan)
    soft_fraction = sum(row.soft_foreground for row in rows) / pixels
    thresholds: dict[tuple[str, float, float, float], int] = {}
    for row in rows:
        key = (row.scale, row.bottom, row.top, row.threshold)
        thresholds[key] = thresholds.get(key, 0) + 1
    worst = sorted(soft, key=lambda path: (-soft[path].between / soft[path].pixels, path))
    return {
        "masks": len(rows), "masks_decoded": masks, "pixels": pixels,
        "jpeg_masks": sum(row.lossy for row in rows),
        "pixels_between": between, "between_fraction": between / pixels,
        "between_decoded_foreground": between_foreground,
        "thresholds": [{"scale": scale, "bottom": bottom, "top": top, "threshold": threshold,
                        "masks": count}
                       for (scale, bottom, top, threshold), count in sorted(
                           thresholds.items(), key=lambda item: -item[1])],
        "polarity": rows[0].polarity,
        "foreground_fraction": foreground / pixels,
        "soft_foreground_fraction": soft_fraction,
        "foreground_if_between_background": (foreground - between_foreground) / pixels,
        "foreground_if_between_foreground": (foreground - between_foreground + between)
        / pixels,
        "foreground_shift": (foreground / pixels) / soft_fraction - 1 if soft_fraction
        else math.nan,
        "foreground_shift_limit": FOREGROUND_SHIFT,
        "share_on_edges": edge, "share_in_rims": rim,
        "reading": non_binary_reading(edge, rim),
        "per_file": [{"file": path, "between_fraction": soft[path].between / soft[path].pixels,
                      "foreground_fraction": soft[path].foreground / soft[path].pixels,
                      "soft_foreground_fraction": soft[path].soft_foreground / soft[path].pixels}
                     for path in worst[:LISTED_FILES]],
    }


#: Readings of the values between under which the threshold changes what the labels mean
#: (a warning); values on a thin rim along the edges (JPEG, anti-aliasing, a small resize)
#: only move edges by a pixel (information), unless that moves the foreground by more than
#: :data:`FOREGROUND_SHIFT`.
CHANGES_MEANING = ("soft", "regions")
#: A thresholded foreground that differs from the values' own (their mean share of the scale)
#: by more than this share of it is a warning whatever the reading: the Dice of a model that
#: reproduces the values moves by about as much. Measured on 20 DRIVE vessel masks: JPEG q75
#: 8.76 % against 8.96 % (2 %); resized 5x down with bilinear, 6.36 % against 8.76 % (27 %:
#: vessels a pixel wide keep values under the midpoint).
FOREGROUND_SHIFT = 0.1


def soft_values_thresholded(soft: Mapping[str, SoftValues], masks: int, source: str,
                            use: str) -> Finding | None:
    """``mask.soft_values_thresholded`` when the decoder thresholded masks holding values
    between their scale's ends: a warning when those values fade over several pixels or fill
    regions (soft labels, probability maps) or the threshold moves the foreground by more
    than :data:`FOREGROUND_SHIFT` of the values' own, information when they sit on a thin rim
    along the edges and it does not; None when no mask held such values. ``use``: what the
    thresholded masks are used for (``"train"`` or ``"evaluate"``)."""
    if not soft:
        return None
    evidence = soft_values_evidence(soft, masks)
    shifted = abs(evidence["foreground_shift"]) > FOREGROUND_SHIFT  # NaN compares False
    severity = (Severity.WARNING if evidence["reading"] in CHANGES_MEANING or shifted
                else Severity.INFO)
    files = [row["file"] for row in evidence["per_file"]]
    return soft_values_sentences(evidence, use).finding(
        "mask.soft_values_thresholded", severity, evidence, source, files)
