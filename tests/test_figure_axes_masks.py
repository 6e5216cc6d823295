"""Masks saved as matplotlib figures with the axes on (``plt.imshow(mask)``,
``plt.savefig(path)``, tight or not): before session 34 a tight one was read as a mask, its
white padding as foreground ("8 of 8 masks are more than 50% foreground") and its frame and
tick labels as grey edges (mask.non_binary); now the frame of spines round a picture of the
image's shape is found and the masks are named as consistent with figures."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audit_pairs, finding
from PIL import Image

from unetdiag.diag.data.figures import framed_picture

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib import pyplot  # noqa: E402


def _figures(root, tight: bool) -> tuple:
    rng = np.random.default_rng(2)
    images, masks = root / "images", root / "masks"
    images.mkdir()
    masks.mkdir()
    rows, columns = np.mgrid[0:128, 0:128]
    for index in range(4):
        cy, cx = rng.uniform(30, 98, 2)
        mask = (np.hypot(rows - cy, columns - cx) <= 40).astype(np.uint8)
        Image.fromarray(rng.integers(0, 255, (128, 128), dtype=np.uint8)).save(
            images / f"{index}.png")
        pyplot.figure()
        pyplot.imshow(mask, cmap="gray")
        pyplot.savefig(masks / f"{index}.png", **({"bbox_inches": "tight"} if tight else {}))
        pyplot.close()
    return images, masks


def test_a_tight_figure_with_its_axes_is_no_mask(tmp_path):
    report = audit_pairs(*_figures(tmp_path, tight=True))
    size = finding(report, "geometry.size_mismatch")
    assert "framed pictures with marks beside them" in size.title
    assert "consistent with figures saved by plt.imshow(mask)" in size.explanation
    ids = {f.id for f in report.findings}
    assert not ids & {"imbalance.mostly_foreground", "mask.non_binary",
                      "mask.threshold_sensitive", "baseline.dice_uninformative"}


def test_the_default_figure_with_its_axes_has_a_frame(tmp_path):
    _, masks = _figures(tmp_path, tight=False)
    assert framed_picture(masks / "0.png", (128, 128)) is not None


def test_a_mask_with_a_dark_border_is_no_figure(tmp_path):
    plane = np.full((100, 100), 255, np.uint8)
    plane[10:90, 10:90] = 0  # a dark square in a white frame, grey file: not savefig's kind
    Image.fromarray(plane).save(tmp_path / "grey.png")
    assert framed_picture(tmp_path / "grey.png", (50, 50)) is None
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[..., 3] = 255
    Image.fromarray(rgba).save(tmp_path / "black.png")  # dark to the file's edge
    assert framed_picture(tmp_path / "black.png", (50, 50)) is None
