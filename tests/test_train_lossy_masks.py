"""train warns of 0/1 masks stored as JPEG (s27: DRIVE's vessels as 0/1 JPEG q75 lost 48 % of
their pixels to 0 and the run said 'Nothing in this run looks saturated' and nothing else)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair


def _findings(tmp_path, scale: int) -> list:
    log = DecodeLog()
    for name in ("a", "b"):
        mask = np.zeros((32, 32), np.uint8)
        mask[8:24, 15] = mask[15, 4:28] = scale  # one-pixel lines
        Image.fromarray(mask).save(tmp_path / f"{name}_mask.jpg", quality=75)
        Image.fromarray(np.full((32, 32), 90, np.uint8)).save(tmp_path / f"{name}.png")
        decode_pair(str(tmp_path / f"{name}.png"), str(tmp_path / f"{name}_mask.jpg"),
                    channels=1, policy=MaskPolicy(), decode_log=log)
    return [f for f in decoded_findings(log, MaskPolicy()) if f.id == "mask.lossy"]


def test_jpeg_masks_of_0_and_1_are_a_warning_in_train(tmp_path):
    [finding] = _findings(tmp_path, 1)
    assert finding.severity is Severity.WARNING and finding.source == "data"
    assert finding.title.startswith("2 of 2 masks are 0/1 masks stored as JPEG")
    assert "no threshold recovers the objects" in finding.explanation


def test_jpeg_masks_of_0_and_255_are_left_to_audit_data(tmp_path):
    # 0/255 JPEG q75 masks: the midpoint threshold reads them back (s26: 0 pixels flipped)
    assert _findings(tmp_path, 255) == []
