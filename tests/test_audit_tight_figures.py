"""audit-data on masks saved as tight matplotlib figures: ``plt.imshow(mask, cmap="gray");
plt.axis("off"); plt.savefig(path, bbox_inches="tight")`` writes the picture of the mask at
the figure's size, in a white padding of ``pad_inches`` (0.1 inch) on every side. Named by
their padding (not "a crop, a downsampled copy"), and no value finding on their pixels."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest
from helpers import finding, ids
from PIL import Image

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.data.figures import padded_picture

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

#: Findings about mask values: true of labels, not of a figure's pixels.
VALUE_FINDINGS = {"mask.non_binary", "mask.threshold_sensitive", "imbalance.tiny_objects",
                  "imbalance.summary", "baseline.trivial_scores"}


def _mask(seed: int, shape=(90, 120)) -> np.ndarray:
    """0/255 discs on 0, not touching the border."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[:shape[0], :shape[1]]
    mask = np.zeros(shape, bool)
    for _ in range(3):
        y, x = rng.integers(20, shape[0] - 20), rng.integers(20, shape[1] - 20)
        mask |= np.hypot(rows - y, columns - x) <= rng.integers(5, 15)
    return np.where(mask, 255, 0).astype(np.uint8)


def _tight_figure(path: Path, mask: np.ndarray) -> None:
    figure = plt.figure()
    plt.imshow(mask, cmap="gray")
    plt.axis("off")
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)


def test_tight_figures_are_named_by_their_padding(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(6):
        mask = _mask(index)
        Image.fromarray(np.stack([mask // 2 + 60] * 3, axis=-1)).save(images / f"{index}.png")
        _tight_figure(masks / f"{index}.png", mask)
    report = audit_dataset(images, masks, workers=1)
    mismatch = finding(report, "geometry.size_mismatch")
    assert "white padding, as plt.savefig(bbox_inches='tight') writes" in mismatch.title
    assert "a crop, a downsampled copy" not in mismatch.explanation
    assert mismatch.evidence["padded_pictures"] == "3 of 3 looked at"
    assert not VALUE_FINDINGS & ids(report)


@pytest.mark.parametrize("inverted", [False, True])
@pytest.mark.parametrize("scale", [0.5, 0.64, 1.3])
def test_resized_masks_are_no_padded_pictures(tmp_path, inverted, scale):
    """A mask resized with interpolation (black, or white, around its objects) has no white
    band of one width round an edge that is not white."""
    mask = _mask(3)
    if inverted:
        mask = 255 - mask
    resized = Image.fromarray(mask).resize((round(120 * scale), round(90 * scale)),
                                           Image.Resampling.BILINEAR)
    resized.save(tmp_path / "m.png")
    assert padded_picture(tmp_path / "m.png", (120, 90)) is None


def test_a_padded_picture_of_another_shape_is_not_one(tmp_path):
    """The picture inside the padding must have its image's shape."""
    mask = _mask(4)
    _tight_figure(tmp_path / "m.png", mask)
    assert padded_picture(tmp_path / "m.png", (120, 90)) is not None
    assert padded_picture(tmp_path / "m.png", (90, 120)) is None


@pytest.mark.parametrize("mode", ["L", "1", "P"])
def test_a_grey_mask_in_a_white_frame_is_no_figure(tmp_path, mode):
    """A mask drawn with a white frame of one width (an ignored border), at twice the size of
    its downsampled image, is stored grey, 1-bit or palette, which savefig never writes
    (RGBA, or RGB JPEG): read as a mask, not a tight figure."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(4):
        mask = np.pad(_mask(index, shape=(180, 240)), 6, constant_values=255)
        Image.fromarray(mask).convert(mode).save(masks / f"{index}.png")
        Image.fromarray(np.full((96, 126, 3), 90, np.uint8)).save(images / f"{index}.png")
        assert padded_picture(masks / f"{index}.png", (126, 96)) is None
    report = audit_dataset(images, masks, workers=1)
    mismatch = finding(report, "geometry.size_mismatch")
    assert "plt.savefig" not in mismatch.title + mismatch.explanation
    # savefig's RGBA kinds stay figures (its JPEG and WebP blur the padding's edge by more
    # than a pixel: not found before this rule either)
    for suffix in ("png", "tif"):
        _tight_figure(tmp_path / f"figure.{suffix}", _mask(0))
        assert padded_picture(tmp_path / f"figure.{suffix}", (120, 90)) is not None, suffix


def test_masks_of_another_shape_beside_tight_figures_keep_their_value_findings(tmp_path):
    """The first masks looked at are tight figures; three more are crops of their images'
    masks (another shape, soft edges from resizing): they are no figures, and their values
    are still told."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir(), masks.mkdir()
    for index in range(4):
        mask = _mask(index)
        Image.fromarray(np.stack([mask // 2 + 60] * 3, axis=-1)).save(images / f"a{index}.png")
        _tight_figure(masks / f"a{index}.png", mask)
    for index in range(3):
        mask = _mask(10 + index)
        Image.fromarray(np.stack([mask // 2 + 60] * 3, axis=-1)).save(images / f"b{index}.png")
        Image.fromarray(mask[:, :60]).resize((90, 135), Image.Resampling.BILINEAR).save(
            masks / f"b{index}.png")
    report = audit_dataset(images, masks, workers=1)
    assert "differ in size from their image: 4 of them pictures in a white padding" in (
        finding(report, "geometry.size_mismatch").title)
    non_binary = finding(report, "mask.non_binary")
    assert "b0.png" in non_binary.explanation + str(non_binary.evidence)
