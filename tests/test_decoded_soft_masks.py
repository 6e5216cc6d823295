"""train and evaluate say what their decoder's threshold did to masks holding values between
their two ends (s28, issue 14/15: masks blurred to 0..255 with 30 % of their pixels between
trained and scored with no word; the threshold moved their foreground from the values'
7.55 % to 6.10 %)."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy.ndimage import gaussian_filter

from unetdiag.diag.checks.soft_masks import measure_soft_values, soft_values_thresholded
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.training.data_stats import decoded_findings
from unetdiag.training.decoder import DecodeLog, decode_pair

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

FINDING = "mask.soft_values_thresholded"


def _objects(index: int, side: int = 48) -> np.ndarray:
    mask = np.zeros((side, side), np.uint8)
    mask[8 + index:24 + index, 10:30] = 255
    mask[30:40, 32:44] = 255
    return mask


def _write_pairs(folder, masks, suffix=".png", **save):
    folder.mkdir(parents=True, exist_ok=True)
    for index, mask in enumerate(masks):
        Image.fromarray(np.full(mask.shape[:2], 90, np.uint8)).save(folder / f"c{index}.png")
        Image.fromarray(mask).save(folder / f"c{index}_mask{suffix}", **save)
    return folder


def _decoded(folder, count, policy=None, suffix=".png", use="train"):
    policy = policy or MaskPolicy()
    log = DecodeLog()
    for index in range(count):
        decode_pair(str(folder / f"c{index}.png"), str(folder / f"c{index}_mask{suffix}"),
                    channels=1, policy=policy, decode_log=log)
    return {f.id: f for f in decoded_findings(log, policy, use)}


def _blurred(index: int) -> np.ndarray:
    return np.clip(np.rint(gaussian_filter(_objects(index).astype(float), 3)), 0,
                   255).astype(np.uint8)


def test_blurred_masks_are_a_warning_with_the_pixels_between_and_the_threshold(tmp_path):
    masks = [_blurred(index) for index in range(3)]
    found = _decoded(_write_pairs(tmp_path / "soft", masks), 3)
    finding = found[FINDING]
    evidence = finding.evidence
    stack = np.stack(masks)
    between = int(np.count_nonzero((stack > 0) & (stack < 255)))
    assert finding.severity is Severity.WARNING and finding.source == "data"
    assert evidence["pixels_between"] == between and evidence["reading"] == "soft"
    assert evidence["thresholds"] == [{"scale": "uint8", "bottom": 0.0, "top": 255.0,
                                       "threshold": 127.5, "masks": 3}]
    assert evidence["between_decoded_foreground"] == int(np.count_nonzero(
        (stack > 127.5) & (stack < 255)))
    assert evidence["foreground_fraction"] == pytest.approx((stack > 127.5).mean())
    assert evidence["soft_foreground_fraction"] == pytest.approx((stack / 255).mean(),
                                                                 rel=1e-5)
    assert finding.title.startswith("3 of 3 masks hold values between background and "
                                    "foreground (")
    assert "thresholded at 127.5" in finding.title
    assert f"{between} of the {stack.size} pixels" in finding.explanation
    assert "The model trains on the masks as thresholded" in finding.explanation
    assert finding.files == tuple(str(tmp_path / "soft" / f"c{i}_mask.png")
                                  for i in np.argsort([-np.mean((m > 0) & (m < 255))
                                                       for m in masks], kind="stable"))


def test_jpeg_rims_are_information_and_clean_or_two_level_masks_say_nothing(tmp_path):
    masks = [_objects(index) for index in range(2)]
    found = _decoded(_write_pairs(tmp_path / "jpeg", masks, ".jpg", quality=75), 2,
                     suffix=".jpg")
    assert found[FINDING].severity is Severity.INFO
    assert found[FINDING].evidence["reading"] == "resampling"
    assert "thin rim" in found[FINDING].explanation
    assert FINDING not in _decoded(_write_pairs(tmp_path / "clean", masks), 2)
    assert FINDING not in _decoded(_write_pairs(tmp_path / "levels", [m // 2 for m in masks]), 2)


def test_a_thin_rim_that_moves_the_foreground_by_a_tenth_is_a_warning(tmp_path):
    # thin lines resized 5x down with bilinear: every value between sits in the rim, but the
    # midpoint drops the faint ones (DRIVE's vessels, so resized: 6.36 % against 8.76 %)
    lines = np.zeros((240, 240), np.uint8)
    for index, start in enumerate(range(13, 240, 37)):  # 3-pixel lines, off the 5-px grid
        lines[:, start:start + 3] = 255
        lines[start + index:start + index + 3, :] = 255
    small = np.asarray(Image.fromarray(lines).resize((48, 48), Image.Resampling.BILINEAR))
    finding = _decoded(_write_pairs(tmp_path / "thin", [small]), 1)[FINDING]
    evidence = finding.evidence
    assert evidence["reading"] == "resampling" and finding.severity is Severity.WARNING
    assert evidence["foreground_shift"] < -0.1
    assert f"changes the foreground by {evidence['foreground_shift']:+.0%} of the values' own" \
        in finding.explanation


def test_a_given_threshold_and_the_dark_polarity_are_reported_as_applied(tmp_path):
    folder = _write_pairs(tmp_path / "soft", [_blurred(0)])
    policy = MaskPolicy(threshold=60, polarity="dark")
    finding = _decoded(folder, 1, policy)[FINDING]
    stack = _blurred(0)
    assert finding.evidence["thresholds"][0]["threshold"] == 60
    assert "60 (the --mask-threshold given; a value at or below it is foreground, under " \
           "--mask-polarity dark)" in finding.explanation
    assert finding.evidence["foreground_fraction"] == pytest.approx((stack <= 60).mean())
    assert finding.evidence["soft_foreground_fraction"] == pytest.approx(
        (1 - stack / 255).mean(), rel=1e-5)


def test_value_policies_and_raw_values_threshold_nothing(tmp_path):
    folder = _write_pairs(tmp_path / "soft", [_blurred(0)])
    assert FINDING not in _decoded(folder, 1, MaskPolicy(foreground_values=(255,)))
    assert FINDING not in _decoded(folder, 1, MaskPolicy(normalise=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 255), min_size=16, max_size=16),
       st.sampled_from(["bright", "dark"]), st.integers(0, 254))
def test_the_thresholded_foreground_lies_between_the_two_extreme_readings(values, polarity,
                                                                          threshold):
    plane = np.array(values, np.uint8).reshape(4, 4)
    policy = MaskPolicy(threshold=threshold, polarity=polarity)
    soft = measure_soft_values(inspect_mask_values(plane, "PNG", "L", policy))
    between = int(np.count_nonzero((plane > 0) & (plane < 255)))
    if soft is None:
        assert between == 0 or np.unique(plane).size <= 2
        return
    assert soft.between == between
    evidence = soft_values_thresholded({"m.png": soft}, 1, "data", "train").evidence
    low, high = (evidence["foreground_if_between_background"],
                 evidence["foreground_if_between_foreground"])
    assert low <= evidence["foreground_fraction"] <= high
    assert low <= evidence["soft_foreground_fraction"] + 1e-6
    assert evidence["soft_foreground_fraction"] <= high + 1e-6


def test_evaluate_reports_the_threshold_it_scored_against(tmp_path):
    from unetdiag.training.evaluate import evaluate_model

    folder = _write_pairs(tmp_path / "soft", [_blurred(index) for index in range(2)])
    inputs = keras.Input((48, 48, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    model.save(tmp_path / "model.keras")
    result = evaluate_model(tmp_path / "model.keras", folder, out_parent=tmp_path / "out")
    finding = next(f for f in result.report.findings if f.id == FINDING)
    assert finding.severity is Severity.WARNING and finding.evidence["masks"] == 2
    assert "The scores compare the predictions with the masks as thresholded" in \
        finding.explanation


def test_a_fade_that_moves_the_foreground_is_not_blamed_on_thin_objects():
    """Values fading over several pixels (reading 'soft') that move the foreground by more
    than the limit: the 'objects a pixel or two wide' reason is the rim's (review of s28:
    14-px squares blurred with sigma 3)."""
    from unetdiag.diag.checks.soft_masks import SoftValues, soft_values_evidence
    from unetdiag.diag.checks.soft_masks_wording import soft_values_sentences

    faded = SoftValues(100, 20, 5, 15, 17.5, 20.0, 2.0, "uint8", 0.0, 255.0, 127.5, "bright")
    evidence = soft_values_evidence({"a.png": faded}, 4)
    assert evidence["reading"] == "soft"
    assert abs(evidence["foreground_shift"]) > evidence["foreground_shift_limit"]
    text = soft_values_sentences(evidence, "train").explanation
    assert "changes the foreground by -14%" in text
    assert "a pixel or two wide" not in text


def test_regions_in_jpeg_masks_are_also_consistent_with_label_maps():
    """Values filling whole regions of a JPEG mask: train names the label-map cause that
    audit-data's mask.non_binary names (regions_cause), not only soft labels and photographs;
    a PNG with the same values keeps the soft-label causes alone."""
    from unetdiag.diag.checks.soft_masks import soft_values_evidence
    from unetdiag.diag.checks.soft_masks_wording import soft_values_sentences

    # class numbers in 8x8 blocks, as a label map's regions: nearly every value is between
    plane = np.kron(np.arange(1, 65, dtype=np.uint8).reshape(8, 8) * 3, np.ones((8, 8), np.uint8))
    texts = {}
    for file_format in ("JPEG", "PNG"):
        soft = measure_soft_values(inspect_mask_values(plane, file_format, "L", MaskPolicy()))
        evidence = soft_values_evidence({f"a.{file_format.lower()}": soft}, 1)
        assert evidence["reading"] == "regions"
        texts[file_format] = soft_values_sentences(evidence, "train").explanation
    assert "consistent with soft labels, probability maps, or photographs used as masks, or, " \
        "in the 1 JPEG mask, with label maps (class or object numbers)" in texts["JPEG"]
    assert "consistent with soft labels, probability maps, or photographs used as masks." \
        in texts["PNG"]
    assert "label maps" not in texts["PNG"]
