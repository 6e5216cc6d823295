"""train and evaluate name masks holding NaN or infinite values, as audit-data does
(``mask.non_finite``): the decoder reads them as background, and without a word a float mask
normalised by its own maximum (0/0 on an empty mask) trained silently with exit status 0."""

from __future__ import annotations

import numpy as np
from PIL import Image

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair


def _findings(tmp_path, *holes: float) -> list:
    log = DecodeLog()
    for number, hole in enumerate(holes):
        mask = np.zeros((32, 32), np.float32)
        mask[8:24, 8:24] = 1.0
        mask[:2, :3] = hole  # six pixels of NaN, infinity or an ordinary 0
        Image.fromarray(mask, mode="F").save(tmp_path / f"{number}_mask.tif")
        Image.fromarray(np.full((32, 32), 90, np.uint8)).save(tmp_path / f"{number}.png")
        _, decoded, _ = decode_pair(str(tmp_path / f"{number}.png"),
                                    str(tmp_path / f"{number}_mask.tif"),
                                    channels=1, policy=MaskPolicy(), decode_log=log)
        assert not decoded[:2, :3].any()  # read as background, as the finding says
    return [f for f in decoded_findings(log, MaskPolicy()) if f.id == "mask.non_finite"]


def test_nan_and_infinite_mask_values_are_an_error_naming_the_masks(tmp_path):
    [finding] = _findings(tmp_path, np.nan, np.inf, 0.0)
    assert finding.severity is Severity.ERROR and finding.source == "data"
    assert finding.title == "2 of 3 masks hold NaN or infinite values, decoded as background"
    assert finding.evidence["non_finite_pixels"] == {
        str(tmp_path / "0_mask.tif"): 6, str(tmp_path / "1_mask.tif"): 6}
    assert "12 pixels" in finding.explanation


def test_finite_float_masks_get_no_such_finding(tmp_path):
    assert _findings(tmp_path, 0.0, 0.0) == []
