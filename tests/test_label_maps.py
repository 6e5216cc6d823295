"""Label maps: the value policy (foreground and ignored values), palette void, and label maps
told from intensity masks one mask at a time. No TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.cli import build_parser
from unetdiag.diag.data.decoding import decode_mask, decode_mask_with_ignore, inspect_mask_values
from unetdiag.diag.data.labelmaps import label_layout, separator_value, whole_region_share
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy, format_values
from unetdiag.diag.data.rules import VOID_INDEX, ValueRule
from unetdiag.diag.synth.label_corruptions import voc_palette


def save(path: Path, values: np.ndarray, mode: str | None = None,
         palette: list[int] | None = None, **options) -> Path:
    image = Image.fromarray(values) if mode is None else Image.fromarray(values, mode=mode)
    if palette is not None:
        image.putpalette(palette)
    image.save(path, **options)
    return path


def trimap(size: int = 32, border: int = 2) -> np.ndarray:
    """1 = object, 2 = background, 3 = a band around the object (Oxford-IIIT Pet)."""
    labels = np.full((size, size), 2, np.uint8)
    labels[size // 4 - border:3 * size // 4 + border, size // 4 - border:3 * size // 4 + border] = 3
    labels[size // 4:3 * size // 4, size // 4:3 * size // 4] = 1
    return labels


def layout_of(values: np.ndarray, mode: str = "L", policy: MaskPolicy = DEFAULT_POLICY,
              file_format: str = "PNG"):
    return label_layout(inspect_mask_values(values, file_format, mode, policy))


# --------------------------------------------------------------------------- the policy


def test_policy_keeps_values_sorted_distinct_and_round_trips_through_json_lists():
    policy = MaskPolicy(foreground_values=[2, 1.0, 2], ignore_values=np.array([255]))
    assert policy.foreground_values == (1, 2) and policy.ignore_values == (255,)
    assert MaskPolicy(**policy.to_dict()) == policy
    assert MaskPolicy(**{"threshold": None, "polarity": "bright", "normalise": True}) \
        == MaskPolicy()  # a config.json written before the value fields existed


@pytest.mark.parametrize("options", [
    {"foreground_values": (1,), "threshold": 0.5},
    {"foreground_values": (1,), "polarity": "dark"},
    {"foreground_values": (1,), "ignore_values": (1,)},
    {"ignore_values": (float("nan"),)},
    {"foreground_values": ("a",)},
    {"foreground_values": (True,)},
])
def test_policy_refuses_contradictions_and_non_numbers(options):
    with pytest.raises(ValueError):
        MaskPolicy(**options)


def test_flags_and_format_values_give_back_what_the_command_line_takes():
    parser = build_parser()
    policy = MaskPolicy(foreground_values=(1, 2, 3, 4, 7), ignore_values=(255,))
    assert policy.flags() == "--foreground-values 1-4,7 --ignore-values 255"
    args = parser.parse_args(["audit-data", "x", *policy.flags().split()])
    assert args.foreground_values == (1, 2, 3, 4, 7) and args.ignore_values == (255.0,)
    assert format_values([0.5, 3]) == "0.5,3"


@pytest.mark.parametrize("text", ["1,,2", "a", "5-2", "1-b", "nan"])
def test_a_bad_value_list_is_a_usage_error_not_a_traceback(text):
    done = subprocess.run([sys.executable, "-m", "unetdiag", "audit-data", "x",
                           "--foreground-values", text], capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "expected numbers separated by commas" in done.stderr


def test_contradictory_policy_options_are_one_line_usage_errors(tmp_path):
    done = subprocess.run([sys.executable, "-m", "unetdiag", "audit-data", str(tmp_path),
                           "--foreground-values", "1", "--mask-polarity", "dark"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "foreground values replace the threshold rule" in done.stderr


# --------------------------------------------------------------------------- decoding


def test_value_rule_decodes_exactly_the_foreground_values_and_ignores_the_others(tmp_path):
    path = save(tmp_path / "trimap.png", trimap())
    policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    mask, ignored, encoding = decode_mask_with_ignore(path, policy)
    stored = trimap()
    assert np.array_equal(mask, (stored == 1).astype(np.uint8))
    assert np.array_equal(ignored, stored == 3)
    assert encoding.foreground_fraction == pytest.approx((stored == 1).mean())
    assert encoding.ignored_fraction == pytest.approx((stored == 3).mean())
    # the threshold rule of an 8-bit mask leaves a trimap empty
    assert decode_mask(path)[0].sum() == 0


def test_ignored_values_are_never_foreground_under_the_threshold_rule(tmp_path):
    values = np.array([[0, 255, 255, 128]], np.uint8)
    path = save(tmp_path / "mask.png", values)
    mask, ignored, encoding = decode_mask_with_ignore(path, MaskPolicy(ignore_values=(128,)))
    assert mask.tolist() == [[0, 1, 1, 0]] and ignored.tolist() == [[False, False, False, True]]
    assert decode_mask_with_ignore(path)[1] is None  # nothing ignored: no array


def test_palette_void_index_is_never_foreground_unless_named(tmp_path):
    indices = np.array([[0, 1, 2, VOID_INDEX]], np.uint8)
    path = save(tmp_path / "voc.png", indices, "P", voc_palette())
    assert decode_mask(path)[0].tolist() == [[0, 1, 1, 0]]
    assert decode_mask(path)[1].void_fraction == 0.25
    mask, ignored, _ = decode_mask_with_ignore(path, MaskPolicy(ignore_values=(VOID_INDEX,)))
    assert mask.tolist() == [[0, 1, 1, 0]] and ignored.tolist() == [[False] * 3 + [True]]
    named = MaskPolicy(foreground_values=(VOID_INDEX,))
    assert decode_mask(path, named)[0].tolist() == [[0, 0, 0, 1]]


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(0, 255), min_size=1, max_size=6, unique=True),
       picks=st.lists(st.integers(0, 5), min_size=1, max_size=3),
       ignored=st.lists(st.integers(0, 5), max_size=2),
       seed=st.integers(0, 2**16), palette=st.booleans())
def test_counts_from_value_counts_equal_the_decoded_pixels(values, picks, ignored, seed,
                                                           palette):
    """8-bit planes are counted from their few values, other planes pixel by pixel: the two
    ways and the decoded mask agree, under any value policy."""
    chosen = {values[i % len(values)] for i in picks}
    skipped = {values[i % len(values)] for i in ignored} - chosen
    policy = MaskPolicy(foreground_values=tuple(chosen), ignore_values=tuple(skipped))
    plane = np.random.default_rng(seed).choice(np.array(values, np.uint8), size=(7, 5))
    mode = "P" if palette else "L"
    inspected = inspect_mask_values(plane, "PNG", mode, policy)
    wide = inspect_mask_values(plane.astype(np.uint16), "PNG", "I;16", policy)
    expected = np.isin(plane, list(chosen)) & ~np.isin(plane, list(skipped))
    assert inspected.foreground_count() == wide.foreground_count() == expected.sum()
    assert np.array_equal(inspected.foreground(), expected)
    assert inspected.ignored_count == wide.ignored_count == np.isin(plane, list(skipped)).sum()


def test_value_rule_classes_each_value():
    rule = ValueRule(MaskPolicy(foreground_values=(1,), ignore_values=(3,)), False)
    assert [rule.value_class(v, 127.5, "bright") for v in (1, 2, 3)] == [
        "foreground", "background", "ignored"]


# --------------------------------------------------------------------------- label maps


def test_trimaps_are_label_maps_with_their_border_as_separator():
    layout = layout_of(trimap())
    assert layout.is_label_map and layout.separator == 3
    assert set(layout.counts) == {1, 2, 3} and sum(layout.counts.values()) == 32 * 32


def test_class_index_maps_are_label_maps_without_a_separator():
    scene = np.repeat(np.arange(6, dtype=np.uint8).repeat(6)[:, None], 36, axis=1)
    scene[10:20, 10:20] = 8
    layout = layout_of(scene)
    assert layout.is_label_map and layout.separator is None
    assert layout.whole_region_share > 0.5


def test_instance_maps_of_mostly_tiny_objects_are_label_maps_but_blurred_masks_are_not():
    # an instance map (one number per object, COCO annToMask's mask[m] = k) whose objects are
    # mostly discs of radius 2 (13 pixels, one inside), with some of radius 4
    rows, columns = np.mgrid[:96, :96]
    numbered = np.zeros((96, 96), np.uint16)
    for number, (row, column) in enumerate(np.ndindex(7, 7), start=1):
        radius = 4 if number % 5 == 0 else 2
        numbered[(rows - 7 - 13 * row) ** 2 + (columns - 7 - 13 * column) ** 2
                 <= radius ** 2] = number
    layout = layout_of(numbered, "I;16")
    assert layout is not None and layout.is_label_map
    from scipy import ndimage

    blurred = np.rint(255 * ndimage.gaussian_filter((numbered > 0).astype(float), 3))
    layout = layout_of(blurred.astype(np.uint8))
    assert layout is None or not layout.is_label_map


def test_two_values_on_one_side_of_the_policy_are_labels_but_a_binary_mask_is_not():
    assert layout_of(np.array([[1, 2], [2, 2]], np.uint8)).is_label_map
    assert layout_of(np.array([[0, 38], [38, 0]], np.uint8)).is_label_map
    assert layout_of(np.array([[0, 255], [255, 0]], np.uint8)) is None
    assert layout_of(np.array([[0, 1], [1, 0]], np.uint8), "P") is None  # plain palette 0/1


def test_a_uniform_mask_is_a_label_map_only_away_from_the_ends_of_its_scale():
    assert layout_of(np.full((4, 4), 2, np.uint8)).is_label_map
    assert layout_of(np.full((4, 4), 0, np.uint8)) is None
    assert layout_of(np.full((4, 4), 255, np.uint8)) is None


def test_resized_and_jpeg_masks_are_intensity_masks_not_label_maps(tmp_path):
    binary = np.zeros((64, 64), np.uint8)
    binary[16:48, 20:44] = 255
    small = Image.fromarray(binary).resize((32, 32), Image.Resampling.BILINEAR)
    resized = np.asarray(small.resize((64, 64), Image.Resampling.BILINEAR))
    layout = layout_of(resized)
    assert layout is None or not layout.is_label_map
    assert whole_region_share(resized, (0, 255)) < 0.5
    jpeg = save(tmp_path / "m.jpg", binary, quality=60)
    stored = np.asarray(Image.open(jpeg))
    assert layout_of(stored, file_format="JPEG") is None


def test_a_separator_must_be_a_thin_minority_band():
    # background 0 touches every object, objects never touch each other: 0 is the commonest
    # value, not a border band
    labels = np.zeros((20, 20), np.uint8)
    labels[2:8, 2:8], labels[12:18, 12:18] = 1, 2
    assert separator_value(labels, {0: 328, 1: 36, 2: 36}) is None
