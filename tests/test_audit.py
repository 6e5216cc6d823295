"""audit-data: every failure of the catalogue found and named, files untouched, no TensorFlow."""

from __future__ import annotations

import hashlib
import json
import pickle
import subprocess
import sys
from collections import deque
from pathlib import Path

import numpy as np
import pytest
from helpers import finding, ids
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unetdiag.diag.audit import read as audit_read
from unetdiag.diag.audit import readers as audit_readers
from unetdiag.diag.audit.components import (
    ObjectCanvas,
    foreground_box,
    object_sizes,
    smallest_objects,
)
from unetdiag.diag.audit.duplicates import near_duplicate_pairs
from unetdiag.diag.audit.read import read_chunk
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.audit.similarity import grey_in_colour, threshold_gap
from unetdiag.diag.checks.masks import EDGE_SHARE_FOR_RESAMPLING
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.data.masks import MaskPolicy, decode_mask
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import UserError

SPEC = SynthSpec(n_pairs=20, size=48, seed=3)


# --------------------------------------------------------------------------- helpers


def digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (the audit must leave them all as they were)."""
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def run_case(tmp_path: Path, corruptions: list[dict], spec: SynthSpec = SPEC,
             **options) -> tuple[Report, dict]:
    """Build a broken dataset, audit it, check no byte changed; return (report, manifest)."""
    root = tmp_path / "case"
    layout = build_case(root, spec, corruptions)
    before = digests(root)
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, **{"workers": 1, **options})
    assert digests(root) == before
    manifest = json.loads((root / "case.json").read_text())
    changed = [str(root / name) for entry in manifest["corruptions"] for name in entry["files"]]
    return report, {"changed": changed, **manifest}


def errors(report: Report) -> list[str]:
    return [f.id for f in report.findings if f.severity is Severity.ERROR]


def save_png(path: Path, array: np.ndarray, mode: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (Image.fromarray(array) if mode is None else Image.fromarray(array, mode)).save(path)
    return path


# --------------------------------------------------------------------------- clean data


def test_clean_dataset_has_no_error_and_says_so(tmp_path):
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=24, size=96, seed=1))
    report = audit_dataset(folder, workers=1)
    assert report.command == "audit-data"
    assert report.title == f"unetdiag audit-data {folder}"
    assert errors(report) == []
    assert report.headline.startswith("No problems that would make metrics lie")
    # the README is not an image: reported, not fatal
    assert str(folder / "README.md") in finding(report, "pairing.ignored_files").files
    assert {"pairing.ignored_files", "mask.encodings", "imbalance.summary",
            "baseline.trivial_scores"} <= ids(report)
    baselines = {(row["masks"], row["predictor"]): row for row in report.summary["baselines"]}
    assert baselines[("all pairs", "all background")]["IoU"] == 0
    assert report.summary["pairs"][0]["validation"] == 5  # round(24 * 0.2), the trainer's split
    json.dumps(Report.to_dict(report))  # the report is serialisable as it stands


def test_embedded_images_folder_audits_without_error():
    """The repository's own images/: 0/255 masks, some empty, a README beside them."""
    folder = Path(__file__).resolve().parent.parent / "images"
    report = audit_dataset(folder, workers=1)
    assert errors(report) == []
    assert finding(report, "imbalance.empty_masks").severity is not Severity.ERROR
    encodings = finding(report, "mask.encodings").evidence["encodings"]
    assert {row["scale"] for row in encodings} == {"uint8", "one value (0)"}


# --------------------------------------------------------------------------- the catalogue


@pytest.mark.parametrize(("corruption", "finding_id", "severity", "names"), [
    ({"kind": "masks_0_1", "fraction": 0.3}, "mask.mixed_scales", Severity.WARNING, True),
    ({"kind": "jpeg_masks", "fraction": 0.3}, "mask.lossy", Severity.WARNING, True),
    ({"kind": "rgb_masks", "fraction": 0.3}, "mask.unusual_encoding", Severity.WARNING, True),
    ({"kind": "palette_masks", "fraction": 0.3}, "mask.unusual_encoding", Severity.WARNING,
     True),
    ({"kind": "uint16_masks", "fraction": 0.3}, "mask.unusual_encoding", Severity.WARNING,
     True),
    ({"kind": "float_masks", "fraction": 0.3}, "mask.unusual_encoding", Severity.WARNING,
     True),
    ({"kind": "inverted_polarity", "fraction": 0.3}, "imbalance.mostly_foreground",
     Severity.WARNING, True),
    ({"kind": "tiny_objects", "fraction": 0.5}, "imbalance.tiny_objects", Severity.WARNING,
     True),
    ({"kind": "mostly_empty", "fraction": 0.9}, "baseline.accuracy_uninformative",
     Severity.WARNING, False),
    ({"kind": "size_mismatch", "count": 3}, "geometry.size_mismatch", Severity.ERROR, True),
    ({"kind": "corrupt_file", "count": 1}, "file.corrupt", Severity.ERROR, True),
    ({"kind": "truncated_file", "count": 2, "target": "mask"}, "file.truncated",
     Severity.ERROR, True),
    ({"kind": "zero_byte_file", "count": 1}, "file.empty", Severity.ERROR, True),
    ({"kind": "non_image_file", "count": 1}, "file.not_an_image", Severity.ERROR, True),
    ({"kind": "nan_pixel", "count": 1}, "image.non_finite", Severity.ERROR, True),
    ({"kind": "exact_duplicates", "fraction": 0.2}, "duplicates.exact", Severity.WARNING,
     True),
    ({"kind": "near_duplicates", "fraction": 0.2}, "duplicates.near", Severity.WARNING, True),
])
def test_each_catalogue_failure_is_found_and_its_files_named(tmp_path, corruption, finding_id,
                                                             severity, names):
    # A 1-pixel shift moves a third of a thumbnail cell at 48 pixels: near copies need room.
    spec = SPEC if corruption["kind"] != "near_duplicates" else SynthSpec(20, 96, seed=3)
    report, manifest = run_case(tmp_path, [corruption], spec)
    found = finding(report, finding_id)
    assert found.severity is severity
    assert found.source == "audit"
    if names:
        expected = set(expected_files(manifest["changed"], corruption["kind"]))
        assert expected and expected <= set(found.files)


def expected_files(changed: list[str], kind: str) -> list[str]:
    """The changed files a finding must name: images for duplicates and NaN pixels; masks
    holding more than one value otherwise (an empty mask stored 0/1, in RGB or in a palette
    cannot be told from an empty 0/255 one, and holds no tiny object)."""
    if kind in ("exact_duplicates", "near_duplicates", "nan_pixel"):
        return [path for path in changed if "_mask" not in Path(path).name]
    kept = []
    for path in changed:
        try:
            with Image.open(path) as stored:
                if len(np.unique(np.asarray(stored))) < 2:
                    continue
        except OSError:  # an unreadable file is named by its file.* finding
            pass
        kept.append(path)
    return kept


def test_unreadable_files_are_named_with_their_reason_and_the_rest_is_audited(tmp_path):
    report, manifest = run_case(tmp_path, [
        {"kind": "corrupt_file", "count": 1, "seed": 1},
        {"kind": "truncated_file", "count": 1, "seed": 2},
        {"kind": "zero_byte_file", "count": 1, "target": "mask", "seed": 3},
        {"kind": "non_image_file", "count": 1, "seed": 4}])
    reasons = {}
    for finding_id in ("file.corrupt", "file.truncated", "file.empty", "file.not_an_image"):
        reasons.update(finding(report, finding_id).evidence["reasons"])
    assert set(reasons) == set(manifest["changed"])
    assert all(reason for reason in reasons.values())
    summary = report.summary["pairs"][0]
    assert summary["masks read"] == SPEC.n_pairs - 1  # one mask is empty; its image is read
    assert "cannot be read" in report.headline


def test_git_lfs_pointers_are_named_as_such_with_the_way_to_fetch_the_files(tmp_path):
    """A repository cloned without Git LFS leaves pointer texts in place of the files
    (rainy-image-dataset#2, git-lfs#5502): not "an HTML error page"; the fix is git lfs pull."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(5)
    mask = np.zeros((32, 32), np.uint8)
    mask[4:20, 6:22] = 255
    for index in range(6):
        save_png(images / f"{index}.png", rng.integers(0, 256, (32, 32), dtype=np.uint8))
        save_png(masks / f"{index}.png", mask)
    pointer = ("version https://git-lfs.github.com/spec/v1\n"
               f"oid sha256:{'ab' * 32}\nsize 24130\n")
    for index in (1, 4):
        (masks / f"{index}.png").write_text(pointer)
    report = audit_dataset(images, masks, workers=1)
    lfs = finding(report, "file.lfs_pointer")
    assert lfs.severity is Severity.ERROR
    assert set(lfs.files) == {str(masks / "1.png"), str(masks / "4.png")}
    assert lfs.title.startswith("2 files are Git LFS pointers, not the files")
    assert "git lfs pull" in lfs.fix
    assert "24130 bytes" in lfs.evidence["reasons"][str(masks / "1.png")]
    assert "file.not_an_image" not in ids(report)
    assert "HTML" not in lfs.explanation


def test_jpeg_and_resized_masks_show_edges_and_threshold_sensitivity(tmp_path):
    report, manifest = run_case(tmp_path, [{"kind": "resized_masks", "fraction": 0.5}])
    non_binary = finding(report, "mask.non_binary")
    assert non_binary.evidence["share_on_edges"] >= EDGE_SHARE_FOR_RESAMPLING
    assert "edges" in non_binary.explanation
    sensitive = finding(report, "mask.threshold_sensitive")
    worst = sensitive.evidence["foreground"][0]
    assert worst["foreground > 0"] > worst["foreground under policy"]
    assert set(sensitive.files) <= set(manifest["changed"])


@pytest.mark.parametrize(("corruptions", "cause", "not_said"), [
    ([{"kind": "jpeg_masks"}], "the mark of JPEG compression.", "anti-aliased"),
    ([{"kind": "antialiased_masks"}], "consistent with anti-aliased drawing", "JPEG compression"),
    ([{"kind": "antialiased_masks", "fraction": 0.5}, {"kind": "jpeg_masks", "fraction": 0.25}],
     "JPEG masks and, in the", None),
])
def test_grey_edges_are_blamed_on_what_the_format_allows(tmp_path, corruptions, cause,
                                                          not_said):
    report, _ = run_case(tmp_path, corruptions)
    explanation = finding(report, "mask.non_binary").explanation
    assert cause in explanation
    if not_said is not None:
        assert not_said not in explanation


def test_sixteen_bit_images_of_twelve_bit_data_are_named_with_their_range(tmp_path):
    report, _ = run_case(tmp_path, [{"kind": "narrow_range_images", "bits": 12}])
    narrow = finding(report, "image.narrow_range")
    assert narrow.severity is Severity.WARNING
    assert narrow.evidence["nominal_range"] == 65535
    assert 2048 <= narrow.evidence["largest_value"] <= 4095
    assert "fits in 12 bits" in narrow.explanation
    assert narrow.evidence["every_image_narrow"] and "Nothing for unetdiag train" in narrow.fix
    plain, _ = run_case(tmp_path / "plain", [])
    assert "image.narrow_range" not in {f.id for f in plain.findings}
    mixed, _ = run_case(tmp_path / "mixed", [{"kind": "narrow_range_images", "count": 3}])
    some = finding(mixed, "image.narrow_range")
    assert some.evidence["images"] == 3 and not some.evidence["every_image_narrow"]
    assert "keeps the fixed amounts" in some.explanation


def test_black_images_are_not_a_narrow_range(tmp_path):
    for index in range(3):
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / f"black{index}.png")
        mask = np.zeros((8, 8), np.uint8)
        mask[2:5, 2:5] = 255
        Image.fromarray(mask).save(tmp_path / f"black{index}_mask.png")
    report = audit_dataset(tmp_path, workers=1)
    ids = {f.id for f in report.findings}
    assert "image.constant" in ids and "image.narrow_range" not in ids


def test_the_original_layout_masks_are_the_images(tmp_path):
    report, _ = run_case(tmp_path, [{"kind": "mask_is_image"}])
    same_file = finding(report, "pairing.same_file")
    assert same_file.severity is Severity.ERROR
    assert same_file.evidence["same_file_pairs"] == SPEC.n_pairs
    assert report.headline.startswith("Masks are the images themselves")
    assert "99.5% foreground" in report.headline and "Dice 0.99" in report.headline
    assert report.summary["pairs"][0]["not used by the trainer"] == SPEC.n_pairs


def test_masks_that_are_copies_of_the_images_are_an_error(tmp_path):
    rng = np.random.default_rng(0)
    for index in range(6):
        photo = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        save_png(tmp_path / "images" / f"p{index}.png", photo)
        save_png(tmp_path / "masks" / f"p{index}.png", photo)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    copies = finding(report, "pairing.mask_is_image")
    assert copies.severity is Severity.ERROR
    assert len(copies.files) == 6 and all("/masks/" in name for name in copies.files)
    assert report.headline.startswith("Masks are the images themselves")


def test_masks_made_by_thresholding_the_images_are_reported(tmp_path):
    rng = np.random.default_rng(1)
    for index in range(8):
        image = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        save_png(tmp_path / "images" / f"t{index}.png", image)
        save_png(tmp_path / "masks" / f"t{index}.png", np.where(image > 100, 255, 0)
                 .astype(np.uint8))
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    thresholds = finding(report, "pairing.mask_thresholds_image")
    assert thresholds.severity is Severity.WARNING
    # every pair is asked (one in four was, and the count was the sample's)
    assert thresholds.evidence["masks"] == 8
    assert {str(tmp_path / "masks" / f"t{i}.png") for i in range(8)} == set(thresholds.files)
    assert all(gap > 0 for gap in thresholds.evidence["grey_level_gap"].values())


def test_the_headline_says_masks_are_thresholds_only_when_most_are(tmp_path):
    # one mask of eight is a threshold of its image: no dataset-wide claim ("1 masks are")
    rng = np.random.default_rng(2)
    rows, columns = np.mgrid[:40, :40]
    for index in range(8):
        image = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        disc = (rows - 10 - 2 * index) ** 2 + (columns - 20) ** 2 < 64
        mask = image > 100 if index == 0 else disc
        save_png(tmp_path / "images" / f"t{index}.png", image)
        save_png(tmp_path / "masks" / f"t{index}.png", np.uint8(mask) * 255)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert finding(report, "pairing.mask_thresholds_image").evidence["masks"] == 1
    assert "Masks are thresholds of their own images" not in report.headline
    assert "1 masks" not in report.headline


def test_the_threshold_headline_counts_the_masks_read(tmp_path):
    rng = np.random.default_rng(3)
    for index in range(6):
        image = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        save_png(tmp_path / "images" / f"t{index}.png", image)
        save_png(tmp_path / "masks" / f"t{index}.png", np.uint8(image > 100) * 255)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    assert report.headline.startswith("Masks are thresholds of their own images: 6 of 6 "
                                      "masks read are reproduced exactly")


def test_overlay_pictures_used_as_masks_are_named_and_soft_maps_are_not(tmp_path):
    # labelme's SegmentationClassVisualization: the photograph with the object tinted red
    rng = np.random.default_rng(4)
    rows, columns = np.mgrid[:48, :48]
    for index in range(6):
        photo = rng.integers(30, 220, (48, 48, 3), dtype=np.uint8)
        inside = (rows - 20 - index) ** 2 + (columns - 24) ** 2 < 100
        overlay = photo.copy()
        overlay[inside] = (photo[inside] // 2 + np.array([127, 0, 0], np.uint8))
        save_png(tmp_path / "images" / f"o{index}.png", photo)
        save_png(tmp_path / "masks" / f"o{index}.png", overlay)
        soft = (photo.mean(axis=2) // 2 + 40).astype(np.uint8)  # a soft map, never equal
        save_png(tmp_path / "soft_images" / f"o{index}.png", photo)
        save_png(tmp_path / "soft_masks" / f"o{index}.png", soft)
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    overlays = finding(report, "pairing.mask_is_overlay")
    assert overlays.severity is Severity.ERROR and overlays.evidence["masks"] == 6
    assert "drawn over parts of them" in overlays.title
    assert "6 of 6 masks are their images with something drawn over" in report.headline
    soft = audit_dataset(tmp_path / "soft_images", tmp_path / "soft_masks", workers=1)
    assert "pairing.mask_is_overlay" not in ids(soft)


def test_split_leak_is_an_error_when_exact_copies_straddle_the_split(tmp_path):
    report, _ = run_case(tmp_path, [{"kind": "exact_duplicates", "fraction": 1.0}])
    leak = finding(report, "duplicates.split_leak")
    assert leak.severity is Severity.ERROR
    assert leak.evidence["exact_groups"] >= 1 and leak.evidence["val_fraction"] == 0.2
    for example in leak.evidence["examples"]:
        assert {"train", "validation"} <= set(example["sides"])


def test_identical_blank_images_with_different_masks_are_no_split_leak(tmp_path):
    # redteam 4b: two all-black tiles whose discs do not overlap straddled the split: "The
    # model is validated on images it trained on, so validation Dice overstates ..."; an
    # answer memorised from one scores Dice 0 on the other
    rng = np.random.default_rng(5)
    rows, columns = np.mgrid[:64, :64]
    images, masks = tmp_path / "images", tmp_path / "masks"
    centres = [15, 49, 20, 23, 26, 29, 32, 35]
    for index, centre in enumerate(centres):
        image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
        if index < 2:
            image[:] = 0
        save_png(images / f"{index}.png", image)
        save_png(masks / f"{index}.png",
                 (((rows - 32) ** 2 + (columns - centre) ** 2 <= 100) * 255).astype(np.uint8))
    report = audit_dataset(images, masks, mask_suffixes=("",), workers=1)
    assert "duplicates.split_leak" not in ids(report)
    exact = finding(report, "duplicates.exact")
    assert exact.evidence["groups_with_masks_differing"] == 1
    assert "weigh double" not in exact.explanation
    assert "contradictory labels" in exact.explanation


# --------------------------------------------------------------------------- geometry, images


def test_sizes_channels_bit_depths_constant_and_float_images(tmp_path):
    rng = np.random.default_rng(2)
    images, masks = tmp_path / "images", tmp_path / "masks"
    mask = np.zeros((32, 32), np.uint8)
    mask[8:20, 8:20] = 255
    for index in range(4):
        save_png(images / f"g{index}.png", rng.integers(0, 256, (32, 32), dtype=np.uint8))
        save_png(masks / f"g{index}.png", mask)
    save_png(images / "wide.png", rng.integers(0, 256, (32, 64), dtype=np.uint8))
    save_png(masks / "wide.png", np.zeros((32, 64), np.uint8))
    save_png(images / "colour.png", rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    save_png(masks / "colour.png", mask)
    save_png(images / "deep.png", (rng.integers(0, 4096, (32, 32))).astype(np.uint16))
    save_png(masks / "deep.png", mask)
    save_png(images / "blank.png", np.full((32, 32), 7, np.uint8))
    save_png(masks / "blank.png", mask)
    Image.fromarray(rng.random((32, 32)).astype(np.float32) * 300, "F").save(
        images / "float.tif")
    save_png(masks / "float.png", mask)
    report = audit_dataset(images, masks, workers=1)
    sizes = finding(report, "geometry.mixed_sizes")
    assert sizes.severity is Severity.WARNING  # 2:1 aspect
    assert sizes.explanation.startswith("The commonest size is 32x32 (8 images); 1 image has "
                                        "another size.")
    assert str(images / "colour.png") in finding(report, "geometry.mixed_channels").files
    depths = finding(report, "image.mixed_bit_depths")
    assert {str(images / "deep.png"), str(images / "float.tif")} <= set(depths.files)
    assert finding(report, "image.constant").files == (str(images / "blank.png"),)
    assert finding(report, "image.out_of_range").files == (str(images / "float.tif"),)
    assert errors(report) == []


def test_multi_frame_and_decompression_bomb(tmp_path, monkeypatch):
    images, masks = tmp_path / "images", tmp_path / "masks"
    mask = np.zeros((32, 32), np.uint8)
    mask[4:12, 4:12] = 255
    frames = [Image.fromarray(np.full((32, 32), value, np.uint8)) for value in (10, 200)]
    frames[0].save(images.mkdir() or images / "stack.tif", save_all=True,
                   append_images=frames[1:])
    save_png(masks / "stack.png", mask)
    save_png(images / "huge.png", np.zeros((64, 64), np.uint8))
    save_png(masks / "huge.png", np.zeros((64, 64), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)  # 64x64 is "too many"; 32x32 is not
    report = audit_dataset(images, masks, workers=1)
    assert finding(report, "file.multi_frame").evidence["frames"] == {
        str(images / "stack.tif"): 2}
    bomb = finding(report, "file.decompression_bomb")
    assert set(bomb.files) == {str(images / "huge.png"), str(masks / "huge.png")}
    assert "decompression bomb" in bomb.evidence["reasons"][str(images / "huge.png")]


def test_a_bug_in_the_audit_names_the_file_and_spares_the_others(tmp_path, monkeypatch):
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=6, size=32))
    real = audit_read.image_thumbnail
    victim = "cells_002.png"  # pairs are read in order: the third image read
    calls = []

    def failing(image):
        calls.append(image)
        if len(calls) == 3:
            raise RuntimeError("boom")
        return real(image)

    monkeypatch.setattr(audit_read, "image_thumbnail", failing)
    report = audit_dataset(folder, workers=1)
    failed = finding(report, "file.audit_failed")
    assert failed.files == (str(folder / victim),)
    assert "RuntimeError: boom" in failed.evidence["reasons"][str(folder / victim)]
    assert report.summary["pairs"][0]["masks read"] == 5


# --------------------------------------------------------------------------- policy


def test_dark_polarity_turns_inverted_masks_back(tmp_path):
    report, _ = run_case(tmp_path, [{"kind": "inverted_polarity", "fraction": 1.0}])
    assert "imbalance.mostly_foreground" in ids(report)
    assert report.headline.startswith("Possible inverted polarity")
    dark = audit_dataset(tmp_path / "case" / "images", workers=1,
                         policy=MaskPolicy(polarity="dark"))
    assert "imbalance.mostly_foreground" not in ids(dark)


def test_masks_whose_object_is_in_the_alpha_channel_say_so(tmp_path):
    # a cut-out: the object keeps a photograph's colours, the background is transparent
    write_dataset(tmp_path / "cells", SynthSpec(n_pairs=6, size=48, seed=3))
    rng = np.random.default_rng(0)
    truth = []
    for mask_path in sorted((tmp_path / "cells").glob("*_mask.png")):
        inside = np.asarray(Image.open(mask_path)) > 127
        truth.append(inside)
        rgba = np.zeros(inside.shape + (4,), np.uint8)
        rgba[..., :3] = rng.integers(0, 256, inside.shape + (3,), dtype=np.uint8)
        rgba[..., 3] = inside * 255
        Image.fromarray(rgba, "RGBA").save(mask_path)
    report = audit_dataset(tmp_path / "cells", workers=1)
    assert finding(report, "mask.encodings").title == (
        "Masks are stored in 1 way: PNG RGBA uint8 read from the alpha channel (6)")
    assert "mask.non_binary" not in ids(report)
    # decoded right, but other loaders drop the alpha: said as an unusual encoding
    assert "RGBA with the object in the alpha channel" in finding(
        report, "mask.unusual_encoding").title
    assert finding(report, "imbalance.summary").evidence["foreground_fraction"] == \
        pytest.approx(np.mean(truth))


def test_grey_masks_with_alpha_and_colour_masks_are_named_by_their_mode(tmp_path):
    # LA: a grey constant with the object in the alpha channel (a cut-out saved as grey)
    folder = tmp_path / "la"
    write_dataset(folder, SynthSpec(n_pairs=6, size=48, seed=3))
    for mask_path in sorted(folder.glob("*_mask.png")):
        inside = np.asarray(Image.open(mask_path)) > 127
        grey_alpha = np.stack([np.full(inside.shape, 128, np.uint8),
                               (inside * 255).astype(np.uint8)], axis=-1)
        Image.fromarray(grey_alpha, "LA").save(mask_path)
    unusual = finding(audit_dataset(folder, workers=1), "mask.unusual_encoding").title
    assert "LA with the object in the alpha channel" in unusual and "RGBA" not in unusual
    # opaque RGBA colour masks are RGBA, not RGB
    folder = tmp_path / "rgba"
    write_dataset(folder, SynthSpec(n_pairs=6, size=48, seed=3))
    for mask_path in sorted(folder.glob("*_mask.png")):
        inside = np.asarray(Image.open(mask_path)) > 127
        rgba = np.full(inside.shape + (4,), 255, np.uint8)
        rgba[..., :3] = np.where(inside[..., None], (253, 231, 36), (68, 1, 84))
        Image.fromarray(rgba, "RGBA").save(mask_path)
    assert finding(audit_dataset(folder, workers=1), "mask.unusual_encoding").title.endswith(
        "stored as colour (RGBA)")


def test_two_levels_the_policy_splits_are_binary_whatever_the_levels(tmp_path):
    write_dataset(tmp_path / "cells", SynthSpec(n_pairs=6, size=48, seed=3))
    for mask_path in sorted((tmp_path / "cells").glob("*_mask.png")):
        stored = np.asarray(Image.open(mask_path))
        Image.fromarray(np.where(stored > 127, 128, 0).astype(np.uint8)).save(mask_path)
    report = audit_dataset(tmp_path / "cells", workers=1)
    assert "mask.non_binary" not in ids(report)
    assert finding(report, "imbalance.summary").evidence["foreground_fraction"] > 0
    # a third level between them is still named
    first = sorted((tmp_path / "cells").glob("*_mask.png"))[0]
    stored = np.asarray(Image.open(first)).copy()
    stored[np.flatnonzero(stored.reshape(-1) == 128)[:5] // stored.shape[1],
           np.flatnonzero(stored.reshape(-1) == 128)[:5] % stored.shape[1]] = 60
    Image.fromarray(stored).save(first)
    assert "mask.non_binary" in ids(audit_dataset(tmp_path / "cells", workers=1))


def test_polarity_advice_follows_the_polarity_in_force(tmp_path):
    # healthy masks decoded dark are mostly foreground: the advice is to drop the flag
    run_case(tmp_path, [])
    dark = audit_dataset(tmp_path / "case" / "images", workers=1,
                         policy=MaskPolicy(polarity="dark"))
    mostly = finding(dark, "imbalance.mostly_foreground")
    assert mostly.evidence["dark_is_foreground"] is True
    assert "decode without --mask-polarity dark" in mostly.fix
    assert "drop that flag" in dark.headline and "decode with --mask" not in dark.headline


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 255), min_size=1, max_size=4, unique=True),
       seed=st.integers(0, 2**16),
       policy=st.sampled_from([MaskPolicy(), MaskPolicy(threshold=0),
                               MaskPolicy(threshold=200.5), MaskPolicy(polarity="dark"),
                               MaskPolicy(threshold=-3), MaskPolicy(threshold=300)]))
def test_fast_path_numbers_equal_the_trainers_mask_decoding(tmp_path_factory, values, seed,
                                                          policy):
    """8-bit grey masks are judged from their value counts; the trainer's decode_mask sorts
    the pixels. Both must give the same numbers."""
    rng = np.random.default_rng(seed)
    folder = tmp_path_factory.mktemp("fast")
    mask = rng.choice(np.array(values, np.uint8), size=(12, 9))
    image_path = save_png(folder / "a.png", rng.integers(0, 256, (12, 9), dtype=np.uint8))
    mask_path = save_png(folder / "a_mask.png", mask)
    record = read_chunk([(0, str(image_path), str(mask_path))], policy)
    decoded, encoding = decode_mask(mask_path, policy)
    columns = {name: values[0] for name, values in record.columns.items()}
    assert columns["foreground"] == int(decoded.sum())
    assert columns["nonbinary"] == pytest.approx(encoding.nonbinary_fraction)
    assert columns["distinct_values"] == encoding.distinct_values
    assert record.encoding_values[record.encodings[0]].values == encoding.values
    at_zero = decode_mask(mask_path, MaskPolicy(threshold=0, polarity=policy.polarity))[0]
    assert columns["foreground_at_zero"] == pytest.approx(at_zero.mean())
    if encoding.distinct_values > 1:
        assert record.encodings[0].scale == encoding.scale


def test_chunk_records_carry_numbers_not_pixels(tmp_path):
    """A worker's record grows by about a kilobyte of numbers per pair (plus a fixed cost for
    each column's header), never by the pair's pixels (128 KiB for 256x256 image and mask)."""
    def record_bytes(pairs: int) -> int:
        folder = tmp_path / f"big{pairs}"
        write_dataset(folder, SynthSpec(n_pairs=pairs, size=256, seed=4))
        tasks = [(index, str(folder / f"cells_{index:03d}.png"),
                  str(folder / f"cells_{index:03d}_mask.png")) for index in range(pairs)]
        record = read_chunk(tasks)
        assert record.columns["mask_read"].all() and record.columns["image_read"].all()
        return len(pickle.dumps(record))

    eight, sixteen = record_bytes(8), record_bytes(16)
    assert (sixteen - eight) / 8 < 1500
    assert sixteen < 16 * 256 * 256 * 2 / 50


# --------------------------------------------------------------------------- algorithms


def _brute_objects(mask: np.ndarray, connectivity: int) -> list[int]:
    height, width = mask.shape
    seen = np.zeros_like(mask, dtype=bool)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    sizes = []
    for y, x in zip(*np.nonzero(mask), strict=True):
        if seen[y, x]:
            continue
        seen[y, x] = True
        queue, size = deque([(y, x)]), 0
        while queue:
            row, column = queue.popleft()
            size += 1
            for dy, dx in steps:
                r, c = row + dy, column + dx
                if 0 <= r < height and 0 <= c < width and mask[r, c] and not seen[r, c]:
                    seen[r, c] = True
                    queue.append((r, c))
        sizes.append(size)
    return sorted(sizes, reverse=True)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), height=st.integers(1, 24), width=st.integers(1, 24),
       density=st.floats(0.0, 1.0), connectivity=st.sampled_from([4, 8]))
def test_object_sizes_match_a_flood_fill(seed, height, width, density, connectivity):
    mask = np.random.default_rng(seed).random((height, width)) < density
    assert object_sizes(mask, connectivity).tolist() == _brute_objects(mask, connectivity)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), count=st.integers(1, 6))
def test_masks_labelled_together_match_one_by_one(seed, count):
    rng = np.random.default_rng(seed)
    masks = [rng.random(tuple(rng.integers(1, 16, 2))) < rng.random() for _ in range(count)]
    smallest, counts = smallest_objects(masks)
    for mask, small, number in zip(masks, smallest, counts, strict=True):
        sizes = _brute_objects(mask, 8)
        assert number == len(sizes) and small == (min(sizes) if sizes else 0)


_SHARED_CANVAS = ObjectCanvas(capacity_pixels=600)  # small: masks often need a flush


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), count=st.integers(1, 8))
def test_a_reused_canvas_labels_like_a_flood_fill(seed, count):
    """One canvas across examples, as a worker keeps it across chunks: stale pixels of
    earlier masks must never join an object."""
    rng = np.random.default_rng(seed)
    masks = [rng.random(tuple(rng.integers(1, 20, 2))) < rng.random() for _ in range(count)]
    labelled: list[tuple[int, int]] = []
    for mask in masks:
        slot = _SHARED_CANVAS.slot(*mask.shape)
        if slot is None:
            labelled += zip(*(values.tolist() for values in _SHARED_CANVAS.label()[:2]),
                            strict=True)
            slot = _SHARED_CANVAS.slot(*mask.shape)
        slot[...] = mask
    labelled += zip(*(values.tolist() for values in _SHARED_CANVAS.label()[:2]), strict=True)
    for mask, (smallest, number) in zip(masks, labelled, strict=True):
        sizes = _brute_objects(mask, 8)
        assert number == len(sizes) and smallest == (min(sizes) if sizes else 0)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**16), side=st.integers(1, 60), density=st.floats(0.0, 0.2))
def test_the_foreground_box_labels_exactly_as_the_whole_mask(seed, side, density):
    """Every object statistic (specks of lossy masks included) of the crop the audit labels
    equals that of the whole mask: a few blobs and specks placed anywhere, edges included."""
    rng = np.random.default_rng(seed)
    mask = rng.random((side, side + 7)) < density
    for _ in range(int(rng.integers(0, 3))):
        row, column = rng.integers(0, side, 2)
        mask[row:row + int(rng.integers(4, 9)), column:column + int(rng.integers(4, 9))] = True
    solid = mask & (rng.random(mask.shape) < 0.05)  # a few pixels of solid foreground
    rows, columns = foreground_box(mask)
    assert mask[rows, columns].sum() == mask.sum()
    results = []
    for plane, solid_plane in ((mask, solid), (mask[rows, columns], solid[rows, columns])):
        canvas = ObjectCanvas(capacity_pixels=4 * mask.size + 64)
        slot = canvas.slot(*plane.shape, solid=solid_plane)
        if plane.size:
            slot[...] = plane
        results.append([values.tolist() for values in canvas.label()])
    assert results[0] == results[1]


def test_canvas_refuses_a_wider_mask_until_labelled_and_reuses_its_memory():
    canvas = ObjectCanvas(capacity_pixels=200)
    canvas.slot(2, 4)[:] = True
    assert canvas.slot(2, 9) is None  # wider than the rows: label first
    assert [values.tolist() for values in canvas.label()[:2]] == [[8], [1]]
    # The memory comes back with the old pixels in it: what a mask does not cover (the
    # columns to its right, the rows between masks) must not leak into the next labels.
    canvas.slot(3, 2)[:] = False
    canvas.slot(1, 2)[:] = [[True, False]]
    assert [values.tolist() for values in canvas.label()[:2]] == [[0, 1], [0, 1]]
    canvas.slot(2, 9)[:] = [[True] * 9, [False] * 9]  # wider: the memory is laid out anew
    canvas.slot(1, 3)[:] = [[False, False, True]]
    assert [values.tolist() for values in canvas.label()[:2]] == [[9, 1], [1, 1]]


def test_an_empty_canvas_takes_a_mask_taller_than_its_rows():
    """Foreground boxes differ in shape: after a wide, short mask the canvas's rows are long
    and few; a narrow mask taller than that must still get a slot (seen on DRIVE at 4x)."""
    canvas = ObjectCanvas(capacity_pixels=100)
    canvas.slot(1, 40)[:] = True
    assert [values.tolist() for values in canvas.label()[:2]] == [[40], [1]]
    tall = canvas.slot(30, 2)
    assert tall is not None
    tall[:] = True
    assert [values.tolist() for values in canvas.label()[:2]] == [[60], [1]]


def test_threshold_gap_is_positive_exactly_for_thresholds():
    grey = np.arange(20, dtype=np.uint8).reshape(4, 5)
    assert threshold_gap(grey, grey > 9) == 1.0
    assert threshold_gap(grey, grey <= 3) == 1.0
    mixed = grey > 9
    mixed[0, 0] = True
    assert threshold_gap(grey, mixed) < 0
    assert np.isnan(threshold_gap(grey, np.zeros_like(mixed)))


def test_near_duplicates_beyond_the_common_look():
    """All images share a strong common pattern (like DRIVE's bright disc on black); only the
    noisy copy is a near-duplicate."""
    rng = np.random.default_rng(5)
    common = np.zeros((16, 16))
    common[4:12, 4:12] = 200.0
    thumbnails = np.clip(common + rng.normal(0, 12, (12, 16, 16)), 0, 255)
    thumbnails[11] = np.clip(thumbnails[3] + rng.normal(0, 2, (16, 16)), 0, 255)
    pairs, scores = near_duplicate_pairs(thumbnails.reshape(12, -1).astype(np.uint8),
                                         np.ones(12, bool))
    assert pairs.tolist() == [[3, 11]] and scores[0] > 0.95


# --------------------------------------------------------------------------- process, CLI


def test_worker_processes_give_the_same_report_and_progress_reaches_the_end(tmp_path,
                                                                            monkeypatch):
    report_serial, _ = run_case(tmp_path, [{"kind": "jpeg_masks", "fraction": 0.3},
                                           {"kind": "exact_duplicates", "fraction": 0.2}],
                                spec=SynthSpec(n_pairs=40, size=40, seed=6))
    calls = []
    monkeypatch.setattr(audit_readers, "POOL_WORTH_SECONDS", 0.0)  # a pool however little work
    report_pool = audit_dataset(tmp_path / "case" / "images", workers=2,
                                progress=lambda done, total: calls.append((done, total)))
    assert report_pool.meta["workers"] == 2 and report_pool.meta["readers"] == 2
    assert report_serial.meta["readers"] == 1
    serial, pool = report_serial.to_dict(), report_pool.to_dict()
    assert serial["findings"] == pool["findings"] and serial["summary"] == pool["summary"]
    assert serial["headline"] == pool["headline"]
    done, pairs = [step for step, _ in calls], report_pool.meta["pairs"]
    assert done == sorted(done) and calls[0] == (0, pairs) and calls[-1] == (pairs, pairs)


class _MillisecondClock:
    """A CPU clock for ``readers.time`` that advances 1 ms per reading: every timed read
    takes 1 ms, however loaded the machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def process_time(self) -> float:
        self.now += 0.001
        return self.now


def test_workers_start_only_for_work_worth_them(tmp_path, monkeypatch):
    """40 pairs of 40 px take a process milliseconds: read alone, whatever --workers allows;
    the same pairs projected to take longer than the bar get the pool."""
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=40, size=40, seed=3))
    # 1 ms a pair (3-10 ms measured for the first, 1-2 ms for the next, idle): 39 ms projected
    monkeypatch.setattr(audit_readers, "time", _MillisecondClock())
    alone = audit_dataset(folder, workers=2)
    assert alone.meta["workers"] == 2 and alone.meta["readers"] == 1
    monkeypatch.setattr(audit_readers, "POOL_WORTH_SECONDS", 0.0)
    pooled = audit_dataset(folder, workers=2)
    assert pooled.meta["readers"] == 2
    assert pooled.to_dict()["findings"] == alone.to_dict()["findings"]
    monkeypatch.setattr(audit_readers, "POOL_WORTH_SECONDS", 1e9)
    monkeypatch.setattr(audit_readers, "PROBE_PAIRS", 64)  # more than the pairs: no projection
    few = audit_dataset(folder, workers=2)
    assert few.meta["readers"] == 2


def test_missing_or_empty_folders_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        audit_dataset(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="empty"):
        audit_dataset(tmp_path / "empty")


_NO_TENSORFLOW = """
import sys
from unetdiag.diag.audit.run import audit_dataset
report = audit_dataset(sys.argv[1], workers=2)
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("tensorflow", "keras"))
print(report.command, len(report.findings), loaded)
"""


def test_audit_never_imports_tensorflow(tmp_path):
    folder = tmp_path / "cells"
    write_dataset(folder, SynthSpec(n_pairs=20, size=32))
    result = subprocess.run([sys.executable, "-c", _NO_TENSORFLOW, str(folder)],
                            capture_output=True, text=True, check=True, timeout=120)
    command, count, loaded = result.stdout.split(maxsplit=2)
    assert command == "audit-data" and int(count) > 0
    assert loaded.strip() == "[]"


def test_cli_json_output_and_exit_status(tmp_path):
    layout = build_case(tmp_path / "case", SPEC, [{"kind": "size_mismatch", "count": 2}])
    result = subprocess.run(
        [sys.executable, "-m", "unetdiag", "audit-data", str(layout.images_dir), "--json",
         "--workers", "1"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3, result.stderr  # error-level findings
    data = json.loads(result.stdout)
    assert data["command"] == "audit-data"
    assert "geometry.size_mismatch" in {f["id"] for f in data["findings"]}
    assert "Traceback" not in result.stderr


def test_a_tie_between_sizes_names_no_commonest_size(tmp_path):
    for index, (height, width) in enumerate(((24, 24), (24, 24), (20, 30), (20, 30))):
        save_png(tmp_path / "images" / f"s{index}.png", np.full((height, width), 60, np.uint8))
        mask = np.zeros((height, width), np.uint8)
        mask[4:12, 4:12] = 255
        save_png(tmp_path / "masks" / f"s{index}.png", mask)
    sizes = finding(audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1),
                    "geometry.mixed_sizes")
    assert sizes.explanation.startswith("No size is the commonest: 2 sizes have 2 images each.")


def test_grey_images_stored_as_rgb_are_not_called_colour(tmp_path):
    """A grey set where some images were re-saved as RGB with R = G = B (as mjsynth's
    "grayscale-cum-RGB" data): no colour is used for some images and not others; a true
    colour image among them keeps the warning, with the grey-as-RGB ones counted."""
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(3)
    mask = np.zeros((32, 32), np.uint8)
    mask[8:20, 8:20] = 255
    for index in range(8):
        grey = rng.integers(0, 256, (32, 32), dtype=np.uint8)
        stored = np.stack([grey] * 3, axis=-1) if index % 4 == 0 else grey
        save_png(images / f"g{index}.png", stored)
        save_png(masks / f"g{index}.png", mask)
    report = audit_dataset(images, masks, workers=1)
    assert "geometry.mixed_channels" not in ids(report)
    grey = finding(report, "geometry.grey_stored_as_colour")
    assert grey.severity is Severity.INFO
    assert set(grey.files) == {str(images / "g0.png"), str(images / "g4.png")}
    assert grey.evidence["colour_images_with_equal_channels"] == 2

    colour = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    save_png(images / "g1.png", colour)
    report = audit_dataset(images, masks, workers=1)
    mixed = finding(report, "geometry.mixed_channels")
    assert mixed.severity is Severity.WARNING
    assert "(2 of them hold the same value in every channel" in mixed.explanation
    assert "geometry.grey_stored_as_colour" not in ids(report)


def test_grey_in_colour_compares_every_pixel():
    grey = np.repeat(np.arange(64, dtype=np.uint8).reshape(8, 8, 1), 3, axis=2)
    assert grey_in_colour(np.tile(grey, (4, 4, 1)))
    almost = np.tile(grey, (4, 4, 1))
    almost[5, 3, 2] += 1  # off the 8-pixel sample grid
    assert not grey_in_colour(almost)
    assert not grey_in_colour(grey[:, :, 0])


def test_masks_that_follow_their_images_grey_levels_are_not_said_to_equal_them(tmp_path):
    # a posterised copy (4 grey levels) equals its image nowhere and follows it closely
    rng = np.random.default_rng(3)
    for index in range(6):
        photo = rng.integers(0, 256, (40, 40), dtype=np.uint8)
        save_png(tmp_path / "images" / f"p{index}.png", photo)
        save_png(tmp_path / "masks" / f"p{index}.png", (photo // 64 * 64 + 31).astype(np.uint8))
    report = audit_dataset(tmp_path / "images", tmp_path / "masks", workers=1)
    copies = finding(report, "pairing.mask_is_image")
    assert max(row["identical_fraction"] for row in copies.evidence["per_file"]) < 0.99
    assert copies.title == "6 masks follow their images' grey levels"
    assert "they equal their own image (" not in copies.explanation
    assert "correlation of at least 0.95 (0 of 6 equal it)" in copies.explanation
    assert report.headline.startswith("Masks are pictures of the images: 6 of 6 masks follow")
