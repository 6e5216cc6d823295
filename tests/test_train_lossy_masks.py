"""train warns of 0/1 masks stored as JPEG (s27: DRIVE's vessels as 0/1 JPEG q75 lost 48 % of
their pixels to 0 and the run said 'Nothing in this run looks saturated' and nothing else)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair


def _findings(tmp_path, *scales: int) -> list:
    log = DecodeLog()
    for name, scale in zip("abcd", scales or (1, 1), strict=False):
        mask = np.zeros((64, 64), np.uint8)
        # 6-pixel bars: at q75 the 0/1 copy keeps 1s but loses 268 of 588 (1-pixel lines
        # come back all 0, no longer told from an empty mask)
        mask[8:56, 30:36] = mask[30:36, 4:60] = scale
        Image.fromarray(mask).save(tmp_path / f"{name}_mask.jpg", quality=75)
        Image.fromarray(np.full((64, 64), 90, np.uint8)).save(tmp_path / f"{name}.png")
        decode_pair(str(tmp_path / f"{name}.png"), str(tmp_path / f"{name}_mask.jpg"),
                    channels=1, policy=MaskPolicy(), decode_log=log)
    return [f for f in decoded_findings(log, MaskPolicy()) if f.id == "mask.lossy"]


def test_jpeg_masks_of_0_and_1_are_a_warning_in_train(tmp_path):
    [finding] = _findings(tmp_path, 1, 1)
    assert finding.severity is Severity.WARNING and finding.source == "data"
    assert finding.title.startswith("2 of 2 masks are 0/1 masks stored as JPEG")
    assert "no threshold recovers the objects" in finding.explanation


def test_jpeg_masks_of_0_and_255_are_left_to_audit_data(tmp_path):
    # 0/255 JPEG q75 masks: the midpoint threshold reads them back (s26: 0 pixels flipped)
    assert _findings(tmp_path, 255, 255) == []


def test_empty_jpeg_masks_of_a_0_255_set_are_not_called_0_1_masks(tmp_path):
    # review 6 (A1): the empty JPEGs of a 0/255 set decode to exactly 0, which fits the 0/1
    # scale too; train named exactly those as "0/1 masks ... foreground lost"
    assert _findings(tmp_path, 255, 0, 0) == []
    # while the 0/1 masks beside empty ones are still counted, and only they
    [finding] = _findings(tmp_path, 1, 0, 1)
    assert finding.title.startswith("2 of 3 masks are 0/1 masks stored as JPEG")
