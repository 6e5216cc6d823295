"""The synthetic dataset generator, its corruptions, and the committed images/ folder."""

from __future__ import annotations

import doctest
import hashlib
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, UnidentifiedImageError

from unetdiag.diag.synth import generator as synth
from unetdiag.diag.synth.corruptions import CORRUPTIONS, DatasetLayout, build_case
from unetdiag.diag.synth.generator import (
    SynthSpec,
    dataset_statistics,
    generate_pair,
    write_dataset,
)
from unetdiag.exitcodes import ExitCode, UserError

REPO = Path(__file__).resolve().parents[1]
SMALL = SynthSpec(n_pairs=8, size=32, seed=3)
#: Enough pairs for the foreground statistics to mean something, still fast.
MEDIUM = SynthSpec(n_pairs=60, size=48, seed=5)


def digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.iterdir())}


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image)


def mask_paths(layout: DatasetLayout) -> list[Path]:
    folder = layout.masks_dir or layout.images_dir
    return sorted(path for path in folder.iterdir() if synth.IMAGE_STEM in path.name
                  and any(path.stem.endswith(suffix) for suffix in layout.mask_suffixes))


@pytest.fixture(scope="module")
def medium_pairs():
    return list(synth.iter_pairs(MEDIUM))


# ---------------------------------------------------------------- generator


def test_docstring_examples_run():
    assert doctest.testmod(synth).failed == 0


def test_generate_pair_types_and_binary_mask():
    image, mask = generate_pair(np.random.default_rng(0), SynthSpec(size=40))
    assert image.dtype == np.uint8 and mask.dtype == np.uint8
    assert image.shape == mask.shape == (40, 40)
    assert set(np.unique(mask).tolist()) <= {0, 1}


def test_forced_empty_and_nonempty():
    spec = SynthSpec(size=40)
    image, mask = generate_pair(np.random.default_rng(1), spec, empty=True)
    assert mask.sum() == 0 and image.std() > 0  # empty images still have texture and noise
    _, mask = generate_pair(np.random.default_rng(1), spec, empty=False)
    assert mask.sum() > 0


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    write_dataset(tmp_path / "a", SMALL)
    first = digest(tmp_path / "a")
    write_dataset(tmp_path / "a", SMALL)  # regenerating in place is byte-identical
    assert digest(tmp_path / "a") == first
    write_dataset(tmp_path / "b", SMALL)  # the README names its folder; nothing else differs
    assert {name: value for name, value in digest(tmp_path / "b").items()
            if name != "README.md"} == {name: value for name, value in first.items()
                                        if name != "README.md"}
    write_dataset(tmp_path / "c", replace(SMALL, seed=SMALL.seed + 1))
    other = digest(tmp_path / "c")
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first if name.endswith(".png")
               and "mask" not in name)


def test_pair_depends_only_on_seed_and_index():
    fewer = list(synth.iter_pairs(replace(SMALL, n_pairs=4, empty_fraction=0.0)))
    more = list(synth.iter_pairs(replace(SMALL, n_pairs=8, empty_fraction=0.0)))
    for (image_a, mask_a), (image_b, mask_b) in zip(fewer, more[:4], strict=True):
        assert np.array_equal(image_a, image_b) and np.array_equal(mask_a, mask_b)


def test_foreground_statistics_in_documented_ranges(medium_pairs):
    stats = dataset_statistics(mask for _, mask in medium_pairs)
    assert 0.06 <= stats.foreground_mean <= 0.14
    assert stats.foreground_max <= 0.30
    assert stats.nonempty_foreground_p05 >= 0.015
    assert stats.empty_masks == round(MEDIUM.empty_fraction * MEDIUM.n_pairs)
    object_counts = [len(np.unique(image)) for image, _ in medium_pairs]
    assert min(object_counts) > 10  # real grey levels, not flat cartoons


def test_cells_brighter_than_background_but_not_separable_by_threshold(medium_pairs):
    images = np.stack([image for image, _ in medium_pairs]).astype(float)
    masks = np.stack([mask for _, mask in medium_pairs]).astype(bool)
    assert images[masks].mean() > images[~masks].mean() + 15
    best = 0.0
    for threshold in range(10, 250, 4):
        predicted = images > threshold
        best = max(best, 2 * (predicted & masks).sum() / (predicted.sum() + masks.sum()))
    assert 0.4 < best < 0.92  # learnable, but a global threshold is far from perfect


def test_masks_on_disk_strictly_0_255_mode_l(tmp_path):
    pairs = write_dataset(tmp_path / "data", SMALL)
    assert len(pairs) == SMALL.n_pairs
    for image_path, mask_path in pairs:
        assert mask_path.name == image_path.stem + "_mask.png"
        with Image.open(mask_path) as mask, Image.open(image_path) as image:
            assert mask.mode == "L" and image.mode == "L"
            assert set(np.unique(np.asarray(mask)).tolist()) <= {0, 255}
    readme = (tmp_path / "data" / "README.md").read_text()
    assert readme.startswith(synth.README_MARKER)
    assert "--n-pairs 8 --size 32 --seed 3" in readme


def test_photo_like_spec_makes_greater_than_zero_almost_all_foreground():
    spec = SynthSpec(size=64, photo_like_zero_fraction=0.005)
    image, _ = generate_pair(np.random.default_rng(0), spec)
    assert (image == 0).sum() == round(0.005 * image.size)
    assert 0.99 <= (image > 0).mean() < 1.0


def test_refuses_foreign_non_empty_folder(tmp_path):
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "precious.png").write_bytes(b"user data")
    with pytest.raises(UserError) as caught:
        write_dataset(folder, SMALL)
    assert caught.value.code == ExitCode.OUTPUT_ERROR and "user" in str(caught.value)
    assert (folder / "precious.png").read_bytes() == b"user data"
    assert sorted(path.name for path in folder.iterdir()) == ["precious.png"]


def test_refuses_earlier_output_with_a_foreign_file_added(tmp_path):
    write_dataset(tmp_path / "data", SMALL)
    (tmp_path / "data" / "notes.txt").write_text("mine")
    with pytest.raises(UserError):
        write_dataset(tmp_path / "data", SMALL)
    assert (tmp_path / "data" / "notes.txt").read_text() == "mine"


def test_rewrites_its_own_output_without_stale_files(tmp_path):
    write_dataset(tmp_path / "data", SMALL)
    write_dataset(tmp_path / "data", replace(SMALL, n_pairs=3))
    names = sorted(path.name for path in (tmp_path / "data").iterdir())
    assert len(names) == 3 * 2 + 1 and "cells_007.png" not in names


def test_command_line_writes_and_refuses(tmp_path):
    out = tmp_path / "cli"
    command = [sys.executable, "-m", "unetdiag.diag.synth", str(out), "--n-pairs", "3",
               "--size", "24", "--seed", "1"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert len(list(out.glob("cells_*_mask.png"))) == 3
    (out / "mine.txt").write_text("x")
    refused = subprocess.run(command, capture_output=True, text=True, check=False)
    assert refused.returncode == ExitCode.OUTPUT_ERROR
    assert "refusing" in refused.stderr and "Traceback" not in refused.stderr


# ---------------------------------------------------------------- committed dataset


def test_committed_images_match_generator_and_readme():
    folder = REPO / "images"
    readme = (folder / "README.md").read_text()
    spec = SynthSpec()
    assert f"--n-pairs {spec.n_pairs} --size {spec.size} --seed {spec.seed}" in readme
    masks = []
    for index, (image, mask) in enumerate(synth.iter_pairs(spec)):
        image_name, mask_name = synth.pair_names(index)
        # pixels, not bytes: zlib builds may compress differently
        assert np.array_equal(pixels(folder / image_name), image), image_name
        assert np.array_equal(pixels(folder / mask_name), mask * 255), mask_name
        masks.append(mask)
    stats = dataset_statistics(masks)
    assert f"| foreground mean | {stats.foreground_mean * 100:.2f} % |" in readme
    assert f"| empty masks | {stats.empty_masks} " in readme
    assert sum(path.stat().st_size for path in folder.iterdir()) < 4_000_000


# ---------------------------------------------------------------- corruptions


def case(tmp_path: Path, *corruptions: dict, spec: SynthSpec = SMALL) -> DatasetLayout:
    return build_case(tmp_path / "case", spec, list(corruptions))


def test_clean_case_layout_and_manifest(tmp_path):
    layout = case(tmp_path)
    assert layout.images_dir == tmp_path / "case" / "images" and layout.masks_dir is None
    assert layout.mask_suffixes == ("_mask",)
    manifest = json.loads((tmp_path / "case" / "case.json").read_text())
    assert manifest["spec"]["n_pairs"] == SMALL.n_pairs and manifest["corruptions"] == []


def test_build_case_refuses_non_empty_folder(tmp_path):
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "x.txt").write_text("keep")
    with pytest.raises(UserError):
        build_case(tmp_path / "case", SMALL, [])
    assert (tmp_path / "case" / "x.txt").read_text() == "keep"


def test_unknown_corruption_lists_known_ones(tmp_path):
    with pytest.raises(ValueError) as caught:
        case(tmp_path, {"kind": "no_such_thing"})
    assert "no_such_thing" in str(caught.value) and "jpeg_masks" in str(caught.value)
    assert not (tmp_path / "case").exists()  # nothing written before the check


def test_bad_corruption_parameter_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="jpeg_masks"):
        case(tmp_path, {"kind": "jpeg_masks", "qualty": 50})


def test_masks_0_1(tmp_path):
    masks = mask_paths(case(tmp_path, {"kind": "masks_0_1"}))
    assert len(masks) == SMALL.n_pairs
    assert all(set(np.unique(pixels(path)).tolist()) <= {0, 1} for path in masks)
    assert any(pixels(path).max() == 1 for path in masks)


def test_jpeg_masks_are_jpg_and_not_binary(tmp_path):
    masks = mask_paths(case(tmp_path, {"kind": "jpeg_masks", "quality": 90}))
    assert masks and all(path.suffix == ".jpg" for path in masks)
    values = np.concatenate([pixels(path).ravel() for path in masks])
    assert ((values > 0) & (values < 255)).any()


@pytest.mark.parametrize("method", ["bilinear", "bicubic"])
def test_resized_masks_have_grey_edges(tmp_path, method):
    masks = mask_paths(case(tmp_path, {"kind": "resized_masks", "method": method}))
    grey = sum(int(((pixels(p) > 0) & (pixels(p) < 255)).sum()) for p in masks)
    assert grey > 0


def test_rgb_and_palette_masks(tmp_path):
    rgb = mask_paths(case(tmp_path / "rgb", {"kind": "rgb_masks", "colour": (255, 0, 0)}))
    with Image.open(rgb[0]) as image:
        assert image.mode == "RGB"
    stacked = np.concatenate([pixels(path).reshape(-1, 3) for path in rgb])
    assert {tuple(row) for row in np.unique(stacked, axis=0)} <= {(0, 0, 0), (255, 0, 0)}
    palette = mask_paths(case(tmp_path / "palette", {"kind": "palette_masks"}))
    for path in palette:
        with Image.open(path) as image:
            assert image.mode == "P"
            assert set(np.unique(np.asarray(image)).tolist()) <= {0, 1}


def test_uint16_and_float_masks(tmp_path):
    for path in mask_paths(case(tmp_path / "u16", {"kind": "uint16_masks"})):
        values = pixels(path)
        assert values.dtype == np.uint16 and set(np.unique(values).tolist()) <= {0, 65535}
    floats = mask_paths(case(tmp_path / "f", {"kind": "float_masks"}))
    assert floats and all(path.suffix == ".tif" for path in floats)
    values = pixels(floats[0])
    assert values.dtype == np.float32 and set(np.unique(values).tolist()) <= {0.0, 1.0}


def test_inverted_polarity_makes_foreground_the_majority(tmp_path):
    masks = mask_paths(case(tmp_path, {"kind": "inverted_polarity"}))
    assert np.mean([(pixels(path) > 127).mean() for path in masks]) > 0.7


def test_mostly_empty_and_tiny_objects(tmp_path):
    emptied = mask_paths(case(tmp_path / "e", {"kind": "mostly_empty", "fraction": 0.75}))
    assert sum(pixels(path).max() == 0 for path in emptied) >= 6
    tiny = mask_paths(case(tmp_path / "t", {"kind": "tiny_objects", "pixels_per_mask": 3}))
    counts = [int((pixels(path) == 255).sum()) for path in tiny]
    assert max(counts) <= 3 and sum(counts) > 0


def test_duplicates_add_pairs_under_new_names(tmp_path):
    layout = case(tmp_path, {"kind": "exact_duplicates", "count": 2},
                  {"kind": "near_duplicates", "count": 2})
    images = sorted(layout.images_dir.glob("cells_???.png"))
    assert len(images) == SMALL.n_pairs + 4
    hashes = [hashlib.sha256(pixels(path).tobytes()).hexdigest() for path in images]
    assert len(set(hashes)) == len(hashes) - 2  # exact copies repeat, near copies do not
    for near in images[-2:]:  # each is an original shifted by one pixel, plus faint noise
        differences = [np.abs(pixels(near).astype(int)
                              - np.roll(pixels(original), 1, axis=1).astype(int)).mean()
                       for original in images[:SMALL.n_pairs]]
        assert 0 < min(differences) < 3


def test_size_mismatch(tmp_path):
    masks = mask_paths(case(tmp_path, {"kind": "size_mismatch", "count": 2, "scale": 0.5}))
    sizes = [pixels(path).shape for path in masks]
    assert sizes.count((16, 16)) == 2 and sizes.count((32, 32)) == SMALL.n_pairs - 2


@pytest.mark.parametrize("kind", ["corrupt_file", "truncated_file", "zero_byte_file",
                                  "non_image_file"])
def test_broken_files_fail_to_decode(tmp_path, kind):
    layout = case(tmp_path, {"kind": kind, "count": 1})
    manifest = json.loads((tmp_path / "case" / "case.json").read_text())
    (broken,) = manifest["corruptions"][0]["files"]
    path = tmp_path / "case" / broken
    assert path.suffix == ".png" and path.parent == layout.images_dir
    if kind == "zero_byte_file":
        assert path.stat().st_size == 0
    with pytest.raises((OSError, SyntaxError, UnidentifiedImageError)), \
            Image.open(path) as image:
        image.load()


def test_broken_mask_target(tmp_path):
    case(tmp_path, {"kind": "zero_byte_file", "target": "mask", "count": 2})
    manifest = json.loads((tmp_path / "case" / "case.json").read_text())
    files = manifest["corruptions"][0]["files"]
    assert len(files) == 2 and all("_mask" in name for name in files)


def test_nan_pixel(tmp_path):
    layout = case(tmp_path, {"kind": "nan_pixel", "count": 2})
    tiffs = sorted(layout.images_dir.glob("*.tif"))
    assert len(tiffs) == 2
    for path in tiffs:
        values = pixels(path)
        assert values.dtype == np.float32 and int(np.isnan(values).sum()) == 1
        assert not path.with_suffix(".png").exists()


def test_mask_is_image(tmp_path):
    layout = case(tmp_path, {"kind": "mask_is_image"}, spec=replace(SMALL, size=64))
    assert layout.images_dir == layout.masks_dir and layout.mask_suffixes == ("",)
    files = sorted(layout.images_dir.glob("cells_*"))
    assert len(files) == SMALL.n_pairs and not any("_mask" in path.name for path in files)
    foreground = np.mean([(pixels(path) > 0).mean() for path in files])
    assert 0.99 <= foreground < 1.0


def test_separate_masks_folder(tmp_path):
    layout = case(tmp_path, {"kind": "separate_masks_folder"})
    assert layout.masks_dir == tmp_path / "case" / "masks" and layout.mask_suffixes == ("",)
    images = sorted(path.name for path in layout.images_dir.glob("cells_*"))
    assert sorted(path.name for path in layout.masks_dir.iterdir()) == images


def test_corruptions_only_touch_files_inside_the_case(tmp_path):
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"untouched")
    for kind in CORRUPTIONS:
        build_case(tmp_path / kind, SMALL, [{"kind": kind}])
    assert outside.read_bytes() == b"untouched"
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [*CORRUPTIONS, "outside.png"])


def test_corruption_choice_is_seeded(tmp_path):
    def chosen(folder: str, seed: int) -> list[str]:
        build_case(tmp_path / folder, replace(SMALL, n_pairs=20), [
            {"kind": "zero_byte_file", "count": 3, "seed": seed}])
        return json.loads((tmp_path / folder / "case.json").read_text())["corruptions"][0]["files"]

    assert chosen("a", 0) == chosen("b", 0)
    assert chosen("a2", 0) != chosen("c", 7)
