"""train and evaluate say which masks hold several frames (an animated GIF, a multi-page
TIFF) and that only the first is read, as audit-data's ``file.multi_frame`` does; without
audit-data nothing said it."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair


def _findings(tmp_path, *frame_counts: int) -> list:
    log = DecodeLog()
    for number, frames in enumerate(frame_counts):
        pictures = []
        for frame in range(frames):
            mask = np.zeros((16, 16), np.uint8)
            mask[2 + frame:10 + frame, 4:12] = 255  # every frame holds an object
            pictures.append(Image.fromarray(mask))
        path = tmp_path / f"{number}_mask.gif"
        pictures[0].save(path, save_all=frames > 1, append_images=pictures[1:])
        Image.fromarray(np.full((16, 16), 90, np.uint8)).save(tmp_path / f"{number}.png")
        decode_pair(str(tmp_path / f"{number}.png"), str(path), channels=1,
                    policy=MaskPolicy(), decode_log=log)
    return [f for f in decoded_findings(log, MaskPolicy()) if f.id == "file.multi_frame"]


def test_masks_of_several_frames_are_named_with_their_frame_counts(tmp_path):
    [finding] = _findings(tmp_path, 3, 1, 2)
    assert finding.severity is Severity.INFO and finding.source == "data"
    assert finding.title == "2 files hold several frames; only the first is used"
    assert finding.evidence["frames"] == {str(tmp_path / "0_mask.gif"): 3,
                                          str(tmp_path / "2_mask.gif"): 2}
    assert "up to 3 frames here" in finding.explanation


def test_single_frame_masks_get_no_such_finding(tmp_path):
    assert _findings(tmp_path, 1, 1) == []
