"""audit-data on class maps stored as float32 TIFF (classes 0.0, 1.0, 2.0, 3.0, as NIfTI or
SimpleITK exports often are): read as the integer label map they equal, never worded as soft
labels, probability maps or photographs; float 0/1, soft and NaN masks read as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Report
from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.labelmaps import label_layout, whole_number_floats
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy

SOFT_WORDS = ("soft labels", "probability maps", "photographs used as masks")
SIZE = 48


def class_map(seed: int) -> np.ndarray:
    """Background 0 with three rectangles of classes 1, 2 and 3, each a whole region."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((SIZE, SIZE), np.float32)
    for value in (1, 2, 3):
        top, left = rng.integers(2, SIZE - 16, size=2)
        labels[top:top + 12, left:left + 12] = value
    return labels


def write_case(root: Path, masks: list[np.ndarray], as_float: bool = True) -> tuple[Path, Path]:
    images, mask_dir = root / "images", root / "masks"
    images.mkdir(parents=True)
    mask_dir.mkdir()
    rng = np.random.default_rng(0)
    for index, mask in enumerate(masks):
        Image.fromarray(rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8)).save(
            images / f"{index:02d}.png")
        if as_float:
            Image.fromarray(mask.astype(np.float32), mode="F").save(mask_dir / f"{index:02d}.tif")
        else:
            Image.fromarray(mask.astype(np.uint8), mode="L").save(mask_dir / f"{index:02d}.png")
    return images, mask_dir


def audit(root: Path, masks: list[np.ndarray], as_float: bool = True,
          policy: MaskPolicy = DEFAULT_POLICY) -> Report:
    images, mask_dir = write_case(root, masks, as_float)
    return audit_dataset(images, mask_dir, policy=policy, workers=1)


def ids(report: Report) -> set[str]:
    return {finding.id for finding in report.findings}


def text(report: Report) -> str:
    return "\n".join([report.headline] + [f"{f.title} {f.explanation} {f.fix}"
                                          for f in report.findings])


def test_float_class_map_is_a_label_map_not_soft(tmp_path):
    report = audit(tmp_path, [class_map(seed) for seed in range(8)])
    assert "mask.label_map" in ids(report)
    assert "mask.non_binary" not in ids(report)
    assert not any(word in text(report) for word in SOFT_WORDS)
    label_map = next(f for f in report.findings if f.id == "mask.label_map")
    assert label_map.evidence["proposed_flags"] == "--foreground-values 1-3"


def test_float_class_map_reads_as_its_integer_copy(tmp_path):
    masks = [class_map(seed) for seed in range(8)]
    for policy in (DEFAULT_POLICY, MaskPolicy(foreground_values=(1, 2, 3))):
        name = "fg" if policy.by_values else "default"
        floats = audit(tmp_path / f"float-{name}", masks, policy=policy)
        integers = audit(tmp_path / f"uint8-{name}", masks, as_float=False, policy=policy)
        # the float storage itself is a finding of its own; nothing else may differ
        assert ids(floats) - {"mask.unusual_encoding"} == ids(integers)
        assert not any(word in text(floats) for word in SOFT_WORDS)


def test_float_binary_soft_and_nan_masks_read_as_before(tmp_path):
    binary = [(class_map(seed) > 0).astype(np.float32) for seed in range(8)]
    report = audit(tmp_path / "binary", binary)
    assert not {"mask.label_map", "mask.non_binary"} & ids(report)
    soft = [np.clip(ndimage.gaussian_filter(mask, 3), 0, 1) for mask in binary]
    report = audit(tmp_path / "soft", soft)
    assert "mask.label_map" not in ids(report)
    assert "mask.non_binary" in ids(report)
    with_nan = []
    for seed in range(8):
        mask = class_map(seed)
        mask[:3, :3] = np.nan
        with_nan.append(mask)
    assert "mask.non_finite" in ids(audit(tmp_path / "nan", with_nan))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.5, 0.25, 1e-3]))
def test_whole_number_floats_only_for_whole_numbers(seed, fraction):
    labels = class_map(seed)
    whole = inspect_mask_values(labels, "TIFF", "F", DEFAULT_POLICY)
    integer = inspect_mask_values(labels.astype(np.uint8), "TIFF", "L", DEFAULT_POLICY)
    assert whole_number_floats(whole)
    assert label_layout(whole) == label_layout(integer)
    shifted = inspect_mask_values(labels + np.float32(fraction) * (labels > 0), "TIFF", "F",
                                  DEFAULT_POLICY)
    assert not whole_number_floats(shifted)


def test_train_decoder_records_the_float_class_map_as_the_audit_reads_it(tmp_path):
    """train decodes the float map as before (every pixel background under the default
    policy) and records it as a label map, as its uint8 copy, not as soft values."""
    from unetdiag.training.decoder import DecodeLog, decode_pair

    masks = [class_map(seed) for seed in range(2)]
    for as_float in (True, False):
        images, mask_dir = write_case(tmp_path / str(as_float), masks, as_float)
        log = DecodeLog()
        mask_file = next(iter(sorted(mask_dir.iterdir())))
        _, mask, _ = decode_pair(str(images / "00.png"), str(mask_file), channels=1,
                                 policy=DEFAULT_POLICY, decode_log=log)
        assert not mask.any()
        assert list(log.label_maps.values()) == [[0, 1, 2, 3]]
        assert not log.soft_values


def test_speckled_float_classes_under_a_value_policy_are_read_exactly(tmp_path):
    """Classes 1..3 scattered pixel by pixel (no whole regions: no label map by layout) under
    --foreground-values 1-3: read by their values, as the uint8 copy, never called soft."""
    rng = np.random.default_rng(3)
    masks = [np.where(class_map(seed) > 0, rng.integers(1, 4, (SIZE, SIZE)), 0)
             .astype(np.float32) for seed in range(8)]
    policy = MaskPolicy(foreground_values=(1, 2, 3))
    floats = audit(tmp_path / "float", masks, policy=policy)
    integers = audit(tmp_path / "uint8", masks, as_float=False, policy=policy)
    assert "mask.non_binary" not in ids(floats)
    assert ids(floats) - {"mask.unusual_encoding"} == ids(integers)
