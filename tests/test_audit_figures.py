"""audit-data on masks saved as matplotlib figures (``plt.imshow(mask); plt.savefig(path)``):
the figure is named by its size and margins, and no value finding is computed on its pixels
(a colour map, axes and ticks are no labels). ``savefig(transparent=True)`` figures, whose
margins are alpha 0, are figures too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers import finding, ids
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.figures import looks_like_figure

#: Findings about mask values: true of labels, not of a figure's pixels.
VALUE_FINDINGS = {"mask.non_binary", "mask.threshold_sensitive", "imbalance.mostly_foreground",
                  "mask.nearly_identical", "imbalance.tiny_objects", "imbalance.summary",
                  "baseline.trivial_scores", "mask.unusual_encoding"}


def _figure(path: Path, seed: int, transparent: bool = False) -> None:
    """A 640x480 figure: white (or transparent black) margins, a viridis picture of a disc
    with anti-aliased edges inside the axes."""
    rng = np.random.default_rng(seed)
    pixels = np.zeros((480, 640, 4), np.uint8) if transparent else np.full(
        (480, 640, 4), 255, np.uint8)
    yy, xx = np.mgrid[0:364, 0:360]
    radius = rng.integers(60, 150)
    inside = np.hypot(yy - 182, xx - 180) <= radius
    axes = np.where(inside[..., None], (253, 231, 36), (68, 1, 84)).astype(np.uint8)
    edge = np.abs(np.hypot(yy - 182, xx - 180) - radius) < 1.5
    axes[edge] = (33, 145, 140)
    pixels[58:422, 140:500, :3] = axes
    pixels[58:422, 140:500, 3] = 255
    Image.fromarray(pixels, "RGBA").save(path)


def _dataset(root: Path, transparent: bool = False) -> tuple[Path, Path]:
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir()
    rng = np.random.default_rng(1)
    for n in range(6):
        Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(
            images / f"{n}.png")
        _figure(masks / f"{n}.png", n, transparent)
    return images, masks


def test_transparent_figure_margins_count_as_white(tmp_path):
    _figure(tmp_path / "t.png", 0, transparent=True)  # alpha 0 over black margins
    assert looks_like_figure(tmp_path / "t.png") is True


def test_a_transparent_cut_out_at_another_size_is_still_judged_by_its_inside(tmp_path):
    pixels = np.zeros((480, 640, 4), np.uint8)  # transparent everywhere: no picture inside
    Image.fromarray(pixels, "RGBA").save(tmp_path / "empty.png")
    assert looks_like_figure(tmp_path / "empty.png") is False


def test_figure_masks_get_no_value_findings(tmp_path):
    for transparent in (False, True):
        images, masks = _dataset(tmp_path / str(transparent), transparent)
        report = audit_dataset(images, masks, workers=1)
        size = finding(report, "geometry.size_mismatch")
        assert "as matplotlib figures are" in size.title
        assert not ids(report) & VALUE_FINDINGS, (transparent, ids(report) & VALUE_FINDINGS)
        assert "foreground (most first)" not in report.summary


def test_figures_beside_real_masks_leave_the_real_masks_judged(tmp_path):
    images, masks = _dataset(tmp_path)
    for n in range(6, 12):  # real 0/255 masks at their image's size
        Image.fromarray(np.zeros((48, 48, 3), np.uint8)).save(images / f"{n}.png")
        mask = np.zeros((48, 48), np.uint8)
        mask[10:30, 10:30] = 255
        Image.fromarray(mask).save(masks / f"{n}.png")
    report = audit_dataset(images, masks, workers=1)
    summary = finding(report, "imbalance.summary")
    assert summary.evidence["masks"] == 6
    assert "mask.non_binary" not in ids(report)
