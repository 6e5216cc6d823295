"""train warns of palette masks whose index 255 (PASCAL VOC's void) the policy does not
ignore, as audit-data does (s26: DRIVE masks as palette PNGs with an 8-px index-255 border
trained silently as background)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from unetdiag.diag.checks.label_maps import PALETTE_VOID
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair


def _pair(folder, name, border=2):
    indices = np.zeros((16, 16), np.uint8)
    indices[6:10, 6:10] = 1
    indices[:border, :] = indices[-border:, :] = 255
    mask = Image.fromarray(indices, "P")
    palette = [0, 0, 0, 255, 255, 255] + [0, 0, 0] * 253 + [224, 224, 192]
    mask.putpalette(palette)
    mask.save(folder / f"{name}_mask.png")
    Image.fromarray(np.full((16, 16), 90, np.uint8)).save(folder / f"{name}.png")
    return str(folder / f"{name}.png"), str(folder / f"{name}_mask.png")


def _findings(tmp_path, policy):
    log = DecodeLog()
    for name in ("a", "b"):
        image, mask = _pair(tmp_path, name)
        decode_pair(image, mask, channels=1, policy=policy, decode_log=log)
    return decoded_findings(log, policy)


def test_palette_void_the_policy_keeps_is_a_warning_worded_as_the_audit_words_it(tmp_path):
    [finding] = [f for f in _findings(tmp_path, MaskPolicy()) if f.id == "mask.palette_void"]
    assert finding.severity is Severity.WARNING
    assert finding.title == ("2 of 2 masks hold palette index 255 (void) on 25 % of their "
                             "pixels, trained as background")
    assert PALETTE_VOID in finding.explanation
    assert "--ignore-values 255" in finding.fix
    assert finding.evidence["void_pixels"] == 2 * 64


@pytest.mark.parametrize("policy", [MaskPolicy(ignore_values=(255,)),
                                    MaskPolicy(foreground_values=(1,), ignore_values=(255,))])
def test_palette_void_ignored_is_not_warned_of(tmp_path, policy):
    assert not [f for f in _findings(tmp_path, policy) if f.id == "mask.palette_void"]


def test_the_audit_names_the_void_in_the_same_words(tmp_path):
    from unetdiag.diag.audit.run import audit_dataset

    (tmp_path / "images").mkdir()
    for name in ("a", "b", "c"):
        _pair(tmp_path / "images", name)
    report = audit_dataset(tmp_path / "images", val_fraction=0.0, workers=1)
    [label_map] = [f for f in report.findings if f.id == "mask.label_map"]
    assert PALETTE_VOID in label_map.explanation


def _two_level_findings(tmp_path, policy):
    """Palette masks of indices 0 and 255 only (a binary mask saved with a VOC palette)."""
    log = DecodeLog()
    for name in ("a", "b"):
        indices = np.zeros((16, 16), np.uint8)
        indices[4:12, 4:12] = 255
        mask = Image.fromarray(indices, "P")
        mask.putpalette([0, 0, 0] * 255 + [224, 224, 192])
        mask.save(tmp_path / f"{name}_mask.png")
        Image.fromarray(np.full((16, 16), 90, np.uint8)).save(tmp_path / f"{name}.png")
        decode_pair(str(tmp_path / f"{name}.png"), str(tmp_path / f"{name}_mask.png"),
                    channels=1, policy=policy, decode_log=log)
    return decoded_findings(log, policy)


def test_palette_masks_of_0_and_255_only_are_binary_not_void(tmp_path):
    """train called 255 of 0/255 palette masks VOC's void; audit-data reads them as binary
    masks saved with a palette (no class index for a void border to surround)."""
    findings = _two_level_findings(tmp_path, MaskPolicy())
    assert not [f for f in findings if f.id == "mask.palette_void"]
    [finding] = [f for f in findings if f.id == "mask.two_levels_one_class"]
    assert finding.severity is Severity.WARNING
    assert "--foreground-values 255" in finding.fix
    read_apart = _two_level_findings(tmp_path, MaskPolicy(foreground_values=(255,)))
    assert not [f for f in read_apart
                if f.id in ("mask.palette_void", "mask.two_levels_one_class")]
