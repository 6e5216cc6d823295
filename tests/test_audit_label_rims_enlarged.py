"""Label maps enlarged 5x bilinearly hold their interpolated values in rims two pixels wide,
which the 3 x 3 rule did not count (main: no mask.interpolated_labels); runs of two between a
lower and a higher value along a row or a column are now rims too. Drawn contours keep their
reading: one or two pixels wide thin everywhere (info), three pixels wide no rims."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs, finding, ids, write_mask_pairs
from PIL import Image
from test_audit_label_rims import _contour_maps

from unetdiag.diag.core.findings import Severity


def _enlarged_trimaps(factor: int, count: int = 6, size: int = 40) -> list[np.ndarray]:
    """Pet-style trimaps (1 object, 2 background, 3 a band round each disc) drawn at ``size``
    and enlarged ``factor`` times bilinearly."""
    rng = np.random.default_rng(4)
    rows, columns = np.mgrid[0:size, 0:size]
    maps = []
    for _ in range(count):
        labels = np.full((size, size), 2, np.uint8)
        for _ in range(2):
            cy, cx = rng.uniform(10, size - 10, 2)
            radius = rng.uniform(5, 9)
            distance = np.hypot(rows - cy, columns - cx)
            labels[distance <= radius + 1] = 3
            labels[distance <= radius - 1] = 1
        big = (size * factor, size * factor)
        maps.append(np.asarray(Image.fromarray(labels).resize(big, Image.Resampling.BILINEAR)))
    return maps


def test_trimaps_enlarged_5x_bilinearly_name_their_rims(tmp_path):
    report = audit_pairs(*write_mask_pairs(tmp_path, _enlarged_trimaps(5)))
    rims = finding(report, "mask.interpolated_labels")
    assert rims.severity == Severity.WARNING
    assert rims.evidence["rims"][0]["value"] == 2
    assert rims.evidence["rims"][0]["between"] == [1, 3]


def test_drawn_contours_keep_their_reading(tmp_path):
    for width in (1, 2):
        report = audit_pairs(*write_mask_pairs(tmp_path / str(width),
                                               _contour_maps(width=width)))
        rims = finding(report, "mask.interpolated_labels")
        assert rims.severity == Severity.INFO
        assert rims.evidence["rims"][0]["thin_everywhere"] is True
    report = audit_pairs(*write_mask_pairs(tmp_path / "3", _contour_maps(width=3)))
    assert "mask.interpolated_labels" not in ids(report)
