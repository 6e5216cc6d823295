"""Multi-frame masks whose first frame, the one read, holds a single value while a later frame
holds several: the audit says so, and blames neither the threshold nor the polarity for the
empty masks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from helpers import finding, ids
from PIL import Image, TiffImagePlugin

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.frames import MAX_FRAMES_EXAMINED

SIDE = 32
PAIRS = 4


def _object(index: int) -> np.ndarray:
    values = np.zeros((SIDE, SIDE), np.uint8)
    values[4:12 + index, 6:20] = 255
    return values


def _dataset(root: Path, mask_frames) -> tuple[Path, Path]:
    """``PAIRS`` PNG images; mask ``i`` written by ``mask_frames(path, i)``."""
    images, masks = root / "images", root / "masks"
    images.mkdir(parents=True)
    masks.mkdir(parents=True)
    for index in range(PAIRS):
        Image.fromarray(np.full((SIDE, SIDE), 60 + index, np.uint8)).save(
            images / f"{index:03d}.png")
        mask_frames(masks, index)
    return images, masks


def _blank_then_object_gif(masks: Path, index: int) -> None:
    blank = Image.fromarray(np.zeros((SIDE, SIDE), np.uint8))
    blank.save(masks / f"{index:03d}.gif", save_all=True,
               append_images=[Image.fromarray(_object(index))], duration=100, loop=0)


def _tiff_pages(path: Path, pages: list[np.ndarray]) -> None:
    buffer = io.BytesIO()
    with TiffImagePlugin.AppendingTiffWriter(buffer) as writer:
        for values in pages:
            Image.fromarray(values).save(writer, format="TIFF")
            writer.newFrame()
    path.write_bytes(buffer.getvalue())


def test_gif_masks_blank_on_their_first_frame_are_a_warning_not_a_threshold(tmp_path):
    images, masks = _dataset(tmp_path, _blank_then_object_gif)
    report = audit_dataset(images, masks, workers=1)
    blank = finding(report, "file.blank_first_frame")
    assert blank.severity is Severity.WARNING
    assert blank.evidence["masks"] == PAIRS
    assert blank.evidence["frames"][str(masks / "000.gif")] == {
        "frames": 2, "first_with_several_values": 2, "frames_examined": 2}
    assert "4 masks hold a single value on their first frame" in blank.title
    empty = finding(report, "imbalance.empty_masks")
    assert "threshold or polarity" not in empty.explanation
    assert "later frame" in empty.explanation and empty.evidence["blank_first_frames"] == PAIRS
    assert "first frame" in report.headline and "threshold" not in report.headline


def test_a_mask_whose_first_frame_holds_the_object_is_no_warning(tmp_path):
    def object_first(masks: Path, index: int) -> None:
        Image.fromarray(_object(index)).save(
            masks / f"{index:03d}.gif", save_all=True,
            append_images=[Image.fromarray(np.zeros((SIDE, SIDE), np.uint8))])
    report = audit_dataset(*_dataset(tmp_path, object_first), workers=1)
    assert "file.multi_frame" in ids(report)
    assert "file.blank_first_frame" not in ids(report)


def test_only_the_first_frames_are_looked_at_and_the_evidence_says_how_many(tmp_path):
    frames = MAX_FRAMES_EXAMINED + 4

    def late_object(masks: Path, index: int) -> None:
        # pair 0: the object on frame 10; pair 1: only beyond the frames looked at
        at = {0: 10, 1: MAX_FRAMES_EXAMINED + 2}.get(index)
        _tiff_pages(masks / f"{index:03d}.tif",
                    [_object(index) if page == at else np.zeros((SIDE, SIDE), np.uint8)
                     for page in range(1, frames + 1)])
    images, masks = _dataset(tmp_path, late_object)
    blank = finding(audit_dataset(images, masks, workers=1), "file.blank_first_frame")
    assert blank.evidence["masks"] == 1
    # frames 1-10 were looked at (the search stops at the first with values); pair 1's
    # object lies beyond the bound
    assert blank.evidence["frames"] == {str(masks / "000.tif"): {
        "frames": frames, "first_with_several_values": 10, "frames_examined": 10}}
    assert f"(at most {MAX_FRAMES_EXAMINED})" in blank.explanation


def test_a_uniform_coloured_later_frame_is_one_value(tmp_path):
    # Pillow gives a GIF's later frames as RGB: a uniform red frame is no annotation
    from unetdiag.diag.data.frames import later_frame_with_values

    blank = Image.new("RGB", (8, 8))
    red = Image.new("RGB", (8, 8), (200, 30, 30))
    drawn = red.copy()
    drawn.putpixel((2, 2), (0, 0, 0))
    blank.save(tmp_path / "red.gif", save_all=True, append_images=[red])
    blank.save(tmp_path / "drawn.gif", save_all=True, append_images=[red, drawn])
    assert later_frame_with_values(tmp_path / "red.gif") == (0, 2)
    assert later_frame_with_values(tmp_path / "drawn.gif") == (3, 3)
