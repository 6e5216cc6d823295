"""audit-data on the mask classes of public datasets: label maps, palette void, field-of-view
discs, a few large objects, thin JPEG structures, float 0/255. Every sentence checked against
the numbers of the files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from scipy import ndimage

from unetdiag.diag.audit.components import (
    SMALL_OBJECT_PIXELS,
    SPECK_RADIUS,
    ObjectCanvas,
    _speck_pixels,
    _specks_in_plane,
)
from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.core.morphology import near_square
from unetdiag.diag.data.policy import DEFAULT_POLICY, MaskPolicy
from unetdiag.diag.synth.corruptions import build_case
from unetdiag.diag.synth.generator import SynthSpec

#: Large cells, as pets, polyps and horses are: the small-object checks stay quiet.
LARGE = SynthSpec(n_pairs=20, size=64, seed=5, max_objects=4, object_radius_limits=(0.1, 0.25),
                  foreground_fraction_limits=(0.05, 0.35))
SOFT_WORDS = ("soft labels", "probability maps", "photographs used as masks")


def audit(tmp_path: Path, corruptions: list[dict], spec: SynthSpec = LARGE,
          policy: MaskPolicy = DEFAULT_POLICY) -> tuple[Report, Path]:
    root = tmp_path / "case"
    layout = build_case(root, spec, corruptions)
    report = audit_dataset(layout.images_dir, layout.masks_dir,
                           mask_suffixes=layout.mask_suffixes, policy=policy, workers=1)
    return report, root


def found(report: Report, finding_id: str):
    matches = [f for f in report.findings if f.id == finding_id]
    assert matches, f"{finding_id} missing; got {[f.id for f in report.findings]}"
    return matches[0]


def ids(report: Report) -> set[str]:
    return {f.id for f in report.findings}


def text(report: Report) -> str:
    return "\n".join([report.headline] + [f"{f.title} {f.explanation} {f.fix}"
                                          for f in report.findings])


def stored(root: Path, pattern: str) -> list[np.ndarray]:
    return [np.asarray(Image.open(path)) for path in sorted(root.rglob(pattern))]


# --------------------------------------------------------------------------- label maps


def save_pair(root: Path, name: str, mask: Image.Image, rng: np.random.Generator) -> None:
    """``root/masks/<name>`` as given, and a random grey image of its size as its image."""
    (root / "masks").mkdir(parents=True, exist_ok=True)
    (root / "images").mkdir(exist_ok=True)
    mask.save(root / "masks" / name)
    Image.fromarray(rng.integers(0, 256, mask.size[::-1], dtype=np.uint8)).save(
        root / "images" / f"{Path(name).stem}.png")


def audit_folders(root: Path, **options) -> Report:
    return audit_dataset(root / "images", masks_dir=root / "masks", workers=1, **options)


def test_trimaps_say_the_policy_empties_every_mask_and_what_to_pass(tmp_path):
    report, root = audit(tmp_path, [{"kind": "trimap_masks"}])
    assert report.headline.startswith(
        "Every mask decodes empty under the mask policy in force: they are label maps holding "
        "the values 1, 2 and 3; pass --foreground-values 1 --ignore-values 3.")
    assert found(report, "mask.decodes_empty").severity is Severity.ERROR
    label = found(report, "mask.label_map")
    assert label.severity is Severity.WARNING
    assert label.evidence["void"] == 3 and label.evidence["void_is_band"]
    assert label.evidence["background"] == 2 and label.evidence["objects"] == [1]
    masks = stored(root, "*_mask.png")
    shares = {value: sum(int((m == value).sum()) for m in masks) / sum(m.size for m in masks)
              for value in (1, 2, 3)}
    assert {entry["value"]: entry["share"] for entry in label.evidence["values"]} == \
        pytest.approx(shares)
    # no statement about empty masks, grey levels or photographs
    assert "imbalance.empty_masks" not in ids(report) or \
        found(report, "imbalance.empty_masks").evidence["policy_is_proposed"]
    assert not any(word in text(report) for word in SOFT_WORDS)
    assert {"mask.non_binary", "mask.threshold_sensitive", "imbalance.extreme"}.isdisjoint(
        ids(report))
    # the imbalance numbers are those of the proposed policy, and say so
    summary = found(report, "imbalance.summary")
    assert summary.title.endswith("(under the proposed policy)")
    ones = sum(int((m == 1).sum()) for m in masks)
    counted = sum(int((m != 3).sum()) for m in masks)
    assert summary.evidence["foreground_fraction"] == pytest.approx(ones / counted)


def test_trimaps_under_the_proposed_policy_are_counted_without_their_border(tmp_path):
    policy = MaskPolicy(foreground_values=(1,), ignore_values=(3,))
    report, root = audit(tmp_path, [{"kind": "trimap_masks"}], policy=policy)
    assert found(report, "mask.label_map").severity is Severity.INFO
    assert "mask.decodes_empty" not in ids(report)
    masks = stored(root, "*_mask.png")
    summary = found(report, "imbalance.summary").evidence
    assert summary["foreground_pixels"] == sum(int((m == 1).sum()) for m in masks)
    assert summary["pixels"] == sum(int((m != 3).sum()) for m in masks)
    assert report.headline.startswith("No problems that would make metrics lie")


def test_trimaps_with_their_border_counted_as_the_pet_are_a_reading_not_a_warning(tmp_path):
    """--foreground-values 1,3 on Pet trimaps (the border with the pet) is a reading of its
    own: it was warned about, with --ignore-values 3 proposed as the fix."""
    policy = MaskPolicy(foreground_values=(1, 3))
    report, _ = audit(tmp_path, [{"kind": "trimap_masks"}], policy=policy)
    label = found(report, "mask.label_map")
    assert label.severity is Severity.INFO
    assert label.evidence["proposed_flags"] is None
    assert label.evidence["band_alternative_flags"] == "--foreground-values 1 --ignore-values 3"
    assert label.fix.startswith("Nothing to fix: the policy in force counts the band 3")
    assert "--ignore-values 3" not in report.headline


def test_class_index_maps_name_their_range_and_leave_the_choice_to_the_user(tmp_path):
    report, _ = audit(tmp_path, [{"kind": "class_index_masks"}])
    label = found(report, "mask.label_map")
    assert label.title.endswith("holding 12 values, 0..11")
    # 0 and eleven more numbers held by nearly every mask, road and sky far above sign and
    # pole: classes repeated across the files, not one number per object (--mask-threshold 0
    # was offered, as for an instance label image)
    assert label.evidence["proposed_flags"] is None
    assert label.evidence["numbered_objects_choice"] is None
    assert "one number per object" not in label.explanation
    assert "--mask-threshold 0" not in report.headline
    assert "choose the foreground with --foreground-values" in report.headline
    # no imbalance numbers rest on a policy that leaves every mask empty
    assert not any(f.id.startswith(("imbalance.", "baseline.")) for f in report.findings)
    assert not any(word in text(report) for word in SOFT_WORDS)


def test_instance_label_images_are_label_maps_and_threshold_zero_reads_them(tmp_path):
    # Cellpose / Cell Tracking Challenge: 0 background, one number per object, 16-bit
    rng = np.random.default_rng(1)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    rows, columns = np.mgrid[:96, :96]
    truth = []
    for index in range(6):
        labels = np.zeros((96, 96), np.uint16)
        for number in range(1, 41):
            y, x = rng.integers(3, 93, size=2)
            labels[(rows - y) ** 2 + (columns - x) ** 2 <= 25] = number
        truth.append(labels > 0)
        Image.fromarray(labels).save(tmp_path / "masks" / f"cells_{index}.tif")
        Image.fromarray(rng.integers(0, 256, (96, 96), dtype=np.uint8)).save(
            tmp_path / "images" / f"cells_{index}.png")
    report = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1)
    label = found(report, "mask.label_map")
    assert label.severity is Severity.WARNING
    assert label.evidence["numbered_objects_choice"].startswith(
        "if every value but 0 is an object, pass --mask-threshold 0;")
    assert "pass --mask-threshold 0" in report.headline
    # under --mask-polarity dark a threshold of 0 makes only 0 foreground: the flag goes too
    dark = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1,
                         policy=MaskPolicy(polarity="dark", threshold=0))
    assert "pass --mask-threshold 0 without --mask-polarity dark" in dark.headline
    assert not any(word in text(report) for word in SOFT_WORDS)
    every = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1,
                          policy=MaskPolicy(threshold=0))
    assert found(every, "mask.label_map").severity is Severity.INFO
    assert found(every, "imbalance.summary").evidence["foreground_fraction"] == \
        pytest.approx(np.mean(truth))


def test_an_instance_image_of_a_thousand_objects_is_named_in_a_few_lines(tmp_path):
    import io

    from rich.console import Console

    from unetdiag.report import render_report

    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    numbered = np.zeros((256, 256), np.uint16)
    for number, (row, column) in enumerate(np.ndindex(32, 32), start=1):
        numbered[row * 8:row * 8 + 6, column * 8:column * 8 + 6] = number
    Image.fromarray(numbered).save(tmp_path / "masks" / "crowd.png")
    Image.fromarray(np.zeros((256, 256), np.uint8)).save(tmp_path / "images" / "crowd.png")
    report = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1)
    label = found(report, "mask.label_map")
    assert label.evidence["value_count"] == 1025 and len(label.evidence["values"]) == 64
    assert "0..1024 are background." in label.explanation
    assert len(json.dumps(report.to_dict())) < 100_000
    for verbose, lines in ((False, 300), (True, 600)):
        console = Console(file=io.StringIO(), width=100)
        render_report(report, console, verbose=verbose)
        assert len(console.file.getvalue().splitlines()) < lines, verbose


def test_soft_halos_of_many_values_are_not_label_maps(tmp_path):
    # distance-weighted soft labels: 255 * exp(-d / 20) around blobs, wide rings of low values
    from scipy import ndimage

    rng = np.random.default_rng(3)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    rows, columns = np.mgrid[:512, :512]
    for index in range(3):
        blobs = np.zeros((512, 512), bool)
        for _ in range(3):
            y, x = rng.integers(60, 452, size=2)
            blobs |= (rows - y) ** 2 + (columns - x) ** 2 <= 25 ** 2
        soft = np.rint(255 * np.exp(-ndimage.distance_transform_edt(~blobs) / 20))
        Image.fromarray(soft.astype(np.uint8)).save(tmp_path / "masks" / f"halo_{index}.png")
        Image.fromarray(rng.integers(0, 256, (512, 512), dtype=np.uint8)).save(
            tmp_path / "images" / f"halo_{index}.png")
    report = audit_dataset(tmp_path / "images", masks_dir=tmp_path / "masks", workers=1)
    assert "mask.label_map" not in {finding.id for finding in report.findings}
    assert "soft labels" in found(report, "mask.non_binary").explanation
    assert "--mask-threshold 0" not in report.headline


def test_a_negative_label_is_proposed_as_unlabelled_not_as_foreground(tmp_path):
    # weak labels (WSL4MIS#3): 0 background, 1 object, -1 where nothing was annotated
    rng = np.random.default_rng(2)
    for index in range(6):
        labels = np.zeros((48, 48), np.int32)
        labels[10:30, 12:34] = 1
        labels[:, :8] = -1
        save_pair(tmp_path, f"scan_{index}.tif", Image.fromarray(labels, "I"), rng)
    report = audit_folders(tmp_path)
    label = found(report, "mask.label_map")
    assert label.evidence["proposed_flags"] == "--foreground-values 1 --ignore-values -1"
    assert label.evidence["unlabelled"] == [-1]
    assert "signed or 32-bit integers" in found(report, "mask.unusual_encoding").title


@pytest.mark.parametrize(("values", "proposed"), [
    ((7, 1, 23, 26), None),  # Cityscapes labelIds: road, ego vehicle, sky, car
    ((0, 1, 2), "--foreground-values 1,2"),  # KiTS: kidney and tumour, one organ on 0
])
def test_scene_classes_on_a_commonest_value_are_not_merged_into_one_object(tmp_path, values,
                                                                          proposed):
    rng = np.random.default_rng(3)
    for index in range(6):
        labels = np.full((48, 48), values[0], np.uint8)  # the commonest value
        for offset, value in enumerate(values[1:]):
            labels[4 + 14 * offset:14 + 14 * offset, 6:20 + index] = value
        save_pair(tmp_path, f"frame_{index}.png", Image.fromarray(labels), rng)
    label = found(audit_folders(tmp_path), "mask.label_map")
    assert label.evidence["proposed_flags"] == proposed
    if proposed is None:
        assert "multi-class map" in label.explanation
        assert f"--foreground-values {values[-1]} for value {values[-1]} alone" in label.fix


def disc_and_cup_masks(root: Path, count: int = 6,
                       values: tuple[int, int, int] = (255, 128, 0)) -> None:
    """REFUGE's disc/cup masks (bob.ip.binseg: "optic disc is drawn with gray == 128 and
    includes the cup, drawn with black == 0. The rest is white == 255"): a wide rim of 128
    round a cup of 0, on 255 covering most of every mask (``values``: background, rim,
    cup)."""
    rng = np.random.default_rng(21)
    rows, columns = np.mgrid[0:96, 0:96]
    for index in range(count):
        centre = 30 + 6 * index
        distance = np.hypot(rows - 48, columns - centre)
        labels = np.full((96, 96), values[0], np.uint8)
        labels[distance <= 14] = values[1]
        labels[distance <= 6 + index % 3] = values[2]
        save_pair(root, f"g{index:04d}.bmp", Image.fromarray(labels), rng)


def test_the_background_is_the_value_on_most_pixels_when_0_is_a_small_class(tmp_path):
    disc_and_cup_masks(tmp_path)
    label = found(audit_folders(tmp_path), "mask.label_map")
    assert label.evidence["background"] == 255
    # the evidence named: the border (the rim and cup lie inside), and the pixel shares agree
    assert ("Value 255 is taken for the background (it fills 100 % of the masks' outer border"
            in label.explanation)
    assert "it is also the commonest value" in label.explanation
    assert "255 is foreground" not in label.explanation.split("Proposed:")[-1]


def test_a_wide_value_between_the_others_is_a_region_with_two_readings_not_a_void(tmp_path):
    disc_and_cup_masks(tmp_path)
    report = audit_folders(tmp_path)
    label = found(report, "mask.label_map")
    evidence = label.evidence
    # 128 separates 0 from 255 everywhere, but holds more pixels than the 0 inside it
    assert evidence["void"] is None and evidence["ring"] == 128
    assert evidence["proposed_flags"] is None
    assert evidence["reading_flags"] == ["--foreground-values 0,128", "--foreground-values 0"]
    assert "void or border" not in label.explanation
    assert "0 lies inside 128" in label.explanation
    assert report.headline.startswith(
        "Masks are label maps holding the values 0, 128 and 255: 0 lies inside 128 on a "
        "background of 255; pass --foreground-values 0,128 for the outer structure, "
        "--foreground-values 0 for the inner one, or --foreground-values 0 --ignore-values 128 "
        "if 128 is a band nobody classified, as a trimap's unknown band is (see mask.label_map).")
    # either reading passed is no longer a warning nor repeated in the headline
    for flags in ((0, 128), (0,)):
        read = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=flags))
        assert found(read, "mask.label_map").severity is Severity.INFO
        assert "mask.label_map" not in read.headline


def test_nested_class_numbers_that_decode_empty_are_given_both_readings(tmp_path):
    disc_and_cup_masks(tmp_path, values=(1, 2, 3))
    report = audit_folders(tmp_path)
    assert report.headline.startswith(
        "Every mask decodes empty under the mask policy in force: they are label maps holding "
        "the values 1, 2 and 3; 3 lies inside 2 on a background of 1; pass "
        "--foreground-values 2,3 for the outer structure, --foreground-values 3 for the "
        "inner one, or --foreground-values 3 --ignore-values 2 if 2 is a band nobody "
        "classified, as a trimap's unknown band is.")
    assert found(report, "mask.decodes_empty").fix.startswith("3 lies inside 2")


def test_0_held_by_most_masks_stays_the_background_beside_large_objects(tmp_path):
    # close-ups: the objects (1, 2) cover more pixels than the background 0 around them
    rng = np.random.default_rng(4)
    for index in range(6):
        labels = np.zeros((48, 48), np.uint8)
        labels[4:44, 4:30 + index] = 1
        labels[10:30, 32 + index // 2:46] = 2
        save_pair(tmp_path, f"close_{index}.png", Image.fromarray(labels), rng)
    label = found(audit_folders(tmp_path), "mask.label_map")
    assert label.evidence["background"] == 0
    assert label.evidence["proposed_flags"] == "--foreground-values 1,2"


def test_palette_void_band_is_not_foreground_and_ignoring_it_is_proposed(tmp_path):
    report, root = audit(tmp_path, [{"kind": "palette_void_masks"}])
    masks = stored(root, "*_mask.png")
    objects = sum(int(((m == 1) | (m == 2)).sum()) for m in masks)
    pixels = sum(m.size for m in masks)
    assert found(report, "imbalance.summary").evidence["foreground_fraction"] == \
        pytest.approx(objects / pixels)
    label = found(report, "mask.label_map")
    assert label.evidence["void"] == 255 and label.evidence["void_is_band"]
    assert label.evidence["proposed_flags"] == "--ignore-values 255"
    assert "holding the values 0, 1, 2 and 255" in label.title
    assert "1 and 2 (2 classes) are all foreground" in label.explanation
    # 2 of the 20 masks hold 0 alone: the headline counts the label maps
    assert report.headline.startswith("18 of 20 masks are label maps holding the values 0, 1, "
                                      "2 and 255; pass --ignore-values 255")
    ignored = audit(tmp_path / "ignored", [{"kind": "palette_void_masks"}],
                    policy=MaskPolicy(ignore_values=(255,)))[0]
    assert found(ignored, "mask.label_map").severity is Severity.INFO
    assert found(ignored, "imbalance.summary").evidence["pixels"] == \
        sum(int((m != 255).sum()) for m in masks)


def pairs_folder(folder: Path, masks: list[np.ndarray], extension: str = ".png") -> Path:
    """Random images beside the given masks (``a0.png`` + ``a0_mask<extension>``)."""
    folder.mkdir()
    rng = np.random.default_rng(len(masks))
    for index, mask in enumerate(masks):
        Image.fromarray(rng.integers(0, 255, mask.shape[:2], dtype=np.uint8)).save(
            folder / f"a{index}.png")
        Image.fromarray(mask).save(folder / f"a{index}_mask{extension}")
    return folder


def test_files_of_one_label_value_are_counted_with_the_maps_under_the_proposal(tmp_path):
    # 9 {0, 2} maps and 3 all-0 files: the proposal reads the files as empty masks, as
    # --foreground-values 2 itself does (they were left out of the count)
    masks = [np.zeros((32, 32), np.uint8) for _ in range(12)]
    for index, mask in enumerate(masks[3:]):
        mask[4 + index:12 + index, 8:16] = 2
    report = audit_dataset(pairs_folder(tmp_path / "zeros", masks), workers=1)
    empty = found(report, "imbalance.empty_masks")
    assert empty.title == "3 of 12 masks (25.0%) are empty (under the proposed policy)"
    assert "over the 12 masks (9 label maps and 3 holding one of their values alone)" in \
        empty.explanation
    summary = found(report, "imbalance.summary")
    given = audit_dataset(tmp_path / "zeros", workers=1,
                          policy=MaskPolicy(foreground_values=(2,)))
    assert summary.evidence["foreground_fraction"] == pytest.approx(
        found(given, "imbalance.summary").evidence["foreground_fraction"])


def test_single_valued_masks_alone_are_called_empty(tmp_path):
    folder = pairs_folder(tmp_path / "blank", [np.zeros((8, 8), np.uint8)] * 4)
    report = audit_dataset(folder, workers=1)
    assert report.headline.startswith("All 4 masks are empty")
    assert "mask.decodes_empty" not in ids(report)


def test_masks_that_hold_values_but_decode_empty_are_not_called_empty(tmp_path):
    masks = [np.zeros((8, 8), np.uint8)] * 2 + [np.full((8, 8), 255, np.uint8)] * 4
    masks[1] = masks[1].copy()
    masks[1][2:5, 2:5] = 40  # faint values, all below the midpoint
    report = audit_dataset(pairs_folder(tmp_path / "faint", masks), workers=1)
    empty = found(report, "imbalance.empty_masks")
    assert empty.title == "2 of 6 masks decode empty under the mask policy"
    assert ("1 of them holds a single value (it is empty), the other 1 holds more than one value"
            in empty.explanation)


def test_soft_float_masks_below_the_midpoint_decode_empty_with_their_range(tmp_path):
    rng = np.random.default_rng(1)
    masks = [(rng.random((8, 8)) * 0.3).astype(np.float32) for _ in range(5)]
    report = audit_dataset(pairs_folder(tmp_path / "soft", masks, ".tif"), workers=1)
    empty = found(report, "mask.decodes_empty")
    assert "label maps" not in empty.explanation and "run from 0" in empty.explanation
    assert report.headline.startswith("Every mask decodes empty under the mask policy in force, "
                                      "though 5 of them hold more than one value.")
    assert "imbalance.empty_masks" not in ids(report)


# --------------------------------------------------------------------------- polarity, regions


def test_a_few_large_objects_are_information_and_stay_out_of_the_headline(tmp_path):
    report, _ = audit(tmp_path, [{"kind": "large_objects", "count": 1}])
    mostly = found(report, "imbalance.mostly_foreground")
    assert mostly.severity is Severity.INFO and "consistent with a few large objects" in \
        mostly.explanation
    assert "inverted polarity" not in report.headline.lower()


def test_polarity_reaches_the_headline_only_when_most_masks_are_mostly_foreground(tmp_path):
    every = audit(tmp_path / "all", [{"kind": "inverted_polarity"}])[0]
    assert every.headline.startswith("Possible inverted polarity: ")
    # what is read, not what is stored: ImageJ's WhiteIsZero TIFFs store the objects bright
    assert "the objects read dark" in found(every, "imbalance.mostly_foreground").explanation
    some = audit(tmp_path / "some", [{"kind": "inverted_polarity", "fraction": 0.3}])[0]
    assert found(some, "imbalance.mostly_foreground").severity is Severity.WARNING
    assert "inverted polarity" not in some.headline.lower()


def test_field_of_view_discs_are_one_region_not_inverted_polarity(tmp_path):
    report, _ = audit(tmp_path, [{"kind": "fov_masks"}])
    same = found(report, "mask.nearly_identical")
    assert same.severity is Severity.WARNING and same.evidence["lowest_iou"] >= 0.9
    assert report.headline.startswith("Masks are nearly the same region in every image")
    assert "inverted polarity" not in report.headline.lower()


def test_dense_structures_that_change_from_image_to_image_are_no_single_region(tmp_path):
    """Inverted cells fill most of every mask, but not the same region: no region finding."""
    report, _ = audit(tmp_path, [{"kind": "inverted_polarity"}])
    assert "mask.nearly_identical" not in ids(report)


def test_a_void_band_of_255_round_small_objects_is_still_void(tmp_path):
    """VOC's convention: 255 drawn along every outline; round small objects the band holds
    more pixels than they do, which made it a "ring" and both proposals trained on it."""
    rng = np.random.default_rng(1)
    rows, columns = np.mgrid[0:64, 0:64]
    for index in range(20):
        mask = np.zeros((64, 64), np.uint8)
        inside = np.zeros((64, 64), bool)
        for _ in range(rng.integers(1, 4)):
            row, column = rng.integers(12, 52, size=2)
            radius = rng.integers(3, 8)
            distance = np.hypot(rows - row, columns - column)
            mask[(distance <= radius + 5) & (mask == 0)] = 255
            inside |= distance <= radius
        mask[inside] = 1
        (tmp_path / "masks").mkdir(parents=True, exist_ok=True)
        (tmp_path / "images").mkdir(exist_ok=True)
        Image.fromarray(mask).save(tmp_path / "masks" / f"v{index:03d}.png")
        photo = np.clip(90 + 80 * inside + rng.normal(0, 8, mask.shape), 0, 255)
        Image.fromarray(photo.astype(np.uint8)).save(tmp_path / "images" / f"v{index:03d}.png")
    report = audit_folders(tmp_path)
    assert "pass --foreground-values 1 --ignore-values 255" in report.headline


def test_a_close_up_whose_object_fills_the_frame_keeps_0_as_its_background(tmp_path):
    """0/100 masks whose object covers about 93 % of the frame (leaf or organ close-ups): 0
    is the margin, not the object ('pass --foreground-values 0' trained on the margin)."""
    rng = np.random.default_rng(3)
    rows, columns = np.mgrid[0:64, 0:64]
    for index in range(20):
        centre_row, centre_column = 32 + rng.integers(-2, 3, size=2)
        inside = ((rows - centre_row) / 32) ** 8 + ((columns - centre_column) / 32) ** 8 <= 1
        (tmp_path / "masks").mkdir(parents=True, exist_ok=True)
        (tmp_path / "images").mkdir(exist_ok=True)
        Image.fromarray(np.where(inside, 100, 0).astype(np.uint8)).save(
            tmp_path / "masks" / f"c{index:03d}.png")
        photo = np.clip(60 + 120 * inside + rng.normal(0, 8, inside.shape), 0, 255)
        Image.fromarray(photo.astype(np.uint8)).save(tmp_path / "images" / f"c{index:03d}.png")
    assert "pass --foreground-values 100" in audit_folders(tmp_path).headline


def test_a_colormap_mask_proposes_the_colour_at_1_even_when_objects_fill_most_of_it(
        tmp_path):
    """plt.imsave(mask, cmap="plasma") of 0/1 masks whose objects cover about 70 %: the
    proposal named the colour at 0 (the background), by pixel share."""
    rng = np.random.default_rng(4)
    low, high = (12, 7, 134), (239, 248, 33)  # plasma at 0 and at 1
    for index in range(12):
        inside = np.zeros((48, 48), bool)
        inside[4:44, 6:42] = True
        colours = np.where(inside[..., None], high, low).astype(np.uint8)
        rgba = np.concatenate([colours, np.full((48, 48, 1), 255, np.uint8)], axis=-1)
        save_pair(tmp_path, f"p{index:03d}.png", Image.fromarray(rgba, "RGBA"), rng)
    headline = audit_folders(tmp_path).headline
    assert "pass --foreground-values 248" in headline  # plasma's 1, by its brightest channel


def test_a_colour_label_map_s_example_flag_names_an_object_colour_not_the_background(
        tmp_path):
    """White background, a red and a blue class: the fix's example was
    '--foreground-values 255 for (255, 255, 255)', the background."""
    rng = np.random.default_rng(8)
    rows, columns = np.mgrid[0:64, 0:64]
    for index in range(20):
        mask = np.full((64, 64, 3), 255, np.uint8)
        inside = np.zeros((64, 64), bool)
        for number, (row, column) in enumerate(rng.integers(14, 50, size=(2, 2))):
            disc = np.hypot(rows - row, columns - column) <= rng.integers(6, 10)
            mask[disc] = (200, 30, 30) if number == 0 else (30, 30, 150)
            inside |= disc
        (tmp_path / "masks").mkdir(parents=True, exist_ok=True)
        (tmp_path / "images").mkdir(exist_ok=True)
        Image.fromarray(mask, "RGB").save(tmp_path / "masks" / f"w{index:03d}.png")
        photo = np.clip(60 + 120 * inside + rng.normal(0, 8, inside.shape), 0, 255)
        Image.fromarray(photo.astype(np.uint8)).save(tmp_path / "images" / f"w{index:03d}.png")
    label = found(audit_folders(tmp_path), "mask.label_map")
    assert "--foreground-values 255 for" not in label.fix
    assert "--foreground-values 200 for (200, 30, 30)" in label.fix


def test_the_flip_advice_under_foreground_values_leaves_the_trimap_border_out(tmp_path):
    """Pet trimaps (1 pet, 2 background, 3 border) whose pets fill most of the frame, read with
    --foreground-values 1: the advice was '--foreground-values 2,3', the border included,
    while the label-map finding proposes to ignore it."""
    rng = np.random.default_rng(2)
    for index in range(12):
        mask = np.full((48, 48), 2, np.uint8)
        mask[3:45, 3:45] = 3
        mask[5:43, 5:43] = 1
        save_pair(tmp_path, f"t{index:03d}.png", Image.fromarray(mask), rng)
    report = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(1,)))
    fix = found(report, "imbalance.mostly_foreground").fix
    assert "--foreground-values 2" in fix and "2,3" not in fix


# --------------------------------------------------------------------------- small objects


def test_specks_next_to_thin_jpeg_structures_are_not_tiny_objects(tmp_path):
    spec = SynthSpec(n_pairs=24, size=96, seed=5)  # as checks/jpeg_thin_structures.toml
    report, _ = audit(tmp_path, [{"kind": "thin_jpeg_masks", "quality": 30, "branches": 30}],
                      spec)
    tiny = found(report, "imbalance.tiny_objects")
    assert tiny.severity is Severity.INFO
    # a speck just past the threshold (128 of 255) is left out; a piece of a vessel holding
    # 235-255, cut off by compression, is counted as the object it is once thresholded
    assert tiny.evidence["speck_pixels"] > 0 and tiny.evidence["masks_where_they_matter"] <= 1


def test_real_small_objects_are_still_a_warning(tmp_path):
    report, _ = audit(tmp_path, [{"kind": "tiny_objects"}], SynthSpec(n_pairs=12, size=64))
    tiny = found(report, "imbalance.tiny_objects")
    assert tiny.severity is Severity.WARNING
    assert tiny.evidence["masks_where_they_matter"] == tiny.evidence["masks"]


def test_the_canvas_counts_specks_only_in_lossy_masks():
    mask = np.zeros((24, 24), bool)
    mask[4:20, 4:8] = True        # a vessel of 64 pixels
    mask[10, 11] = True           # a speck 3 pixels from it
    mask[22, 22] = True           # a speck far from it
    canvas = ObjectCanvas(capacity_pixels=10_000)
    canvas.slot(24, 24, solid=np.zeros_like(mask))[:] = mask
    canvas.slot(24, 24)[:] = mask
    stats = canvas.label()
    assert stats.small_objects.tolist() == [2, 2] and stats.small_pixels.tolist() == [2, 2]
    assert stats.speck_pixels.tolist() == [1, 0]


def _near_by_binary_dilation(mask: np.ndarray, radius: int) -> np.ndarray:
    """The speck test's neighbourhood as it was defined before near_square (the reference)."""
    side = 2 * radius + 1
    near = ndimage.binary_dilation(mask, structure=np.ones((1, side), dtype=bool))
    return ndimage.binary_dilation(near, structure=np.ones((side, 1), dtype=bool))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 45), st.integers(1, 45), st.integers(0, 12), st.floats(0.0, 0.3),
       st.integers(0, 2**32 - 1))
def test_near_square_is_the_dilation_it_replaced(height, width, radius, density, seed):
    """Answer for answer the two binary dilations (row, then column) it replaced: scattered
    pixels, radii from 0 to beyond the array, pixels on every side."""
    rng = np.random.default_rng(seed)
    mask = rng.random((height, width)) < density
    mask[rng.integers(0, height), rng.integers(0, width)] = bool(seed % 2)
    expected = _near_by_binary_dilation(mask, radius)
    np.testing.assert_array_equal(near_square(mask, radius), expected)
    # a view with strides (a slot of the labelling canvas) is read alike
    wide = np.zeros((height, width + 3), dtype=bool)
    wide[:, :width] = mask
    np.testing.assert_array_equal(near_square(wide[:, :width], radius), expected)


def _speck_pixels_before(labels: np.ndarray, sizes: np.ndarray) -> int:
    """The speck count as it was defined before session 27 (the reference)."""
    object_size = np.concatenate(([0], sizes))[labels]
    larger = object_size >= SMALL_OBJECT_PIXELS
    if not larger.any():
        return 0
    near = _near_by_binary_dilation(larger, SPECK_RADIUS)
    specks = np.unique(labels[near & (object_size > 0) & ~larger])
    return int(sizes[specks - 1].sum())


@settings(max_examples=150, deadline=None)
@given(st.integers(4, 60), st.integers(4, 60), st.integers(0, 6), st.integers(0, 40),
       st.integers(0, 2**32 - 1))
def test_speck_pixels_are_those_of_the_definition_before(height, width, blobs, dots, seed):
    """Blobs of 16 pixels or more and specks of 1-4 pixels placed anywhere: the same count as
    the definition before (gathered sizes, binary dilations)."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(blobs):
        top, left = rng.integers(0, height), rng.integers(0, width)
        mask[top:top + rng.integers(1, 9), left:left + rng.integers(4, 12)] = True
    for _ in range(dots):
        top, left = rng.integers(0, height), rng.integers(0, width)
        mask[top:top + rng.integers(1, 3), left:left + rng.integers(1, 3)] = True
    labels, objects = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    sizes = np.bincount(labels.ravel(), minlength=objects + 1)[1:].astype(np.int64)
    expected = _speck_pixels_before(labels, sizes)
    no_solid = np.zeros_like(mask)
    assert _specks_in_plane(labels, sizes, no_solid) == expected
    # and from the small objects' first rows (in bands of rows when they are few)
    small = np.flatnonzero(sizes < SMALL_OBJECT_PIXELS) + 1
    first_rows = np.array([ndimage.find_objects(labels)[label - 1][0].start
                           for label in small], dtype=np.int64)
    assert _speck_pixels(labels, sizes, small, first_rows, no_solid) == expected


def test_the_canvas_counts_small_objects_on_the_masks_own_border():
    mask = np.zeros((24, 24), bool)
    mask[4:20, 4:8] = True        # a large object inside
    mask[0, 10:13] = True         # a piece cut by the top edge (3 pixels)
    mask[23, 20] = True           # a piece at the bottom edge (1 pixel)
    mask[12, 15] = True           # a small object inside
    canvas = ObjectCanvas(capacity_pixels=10_000)
    canvas.slot(24, 24, edges=(True, True, True, True))[:] = mask
    canvas.slot(24, 24, edges=(True, False, False, False))[:] = mask  # only the top is a side
    canvas.slot(24, 24)[:] = mask  # a crop whose sides are not the mask's
    stats = canvas.label()
    assert stats.small_pixels.tolist() == [5, 5, 5]
    assert stats.border_pixels.tolist() == [4, 3, 0]


def test_small_objects_cut_by_the_edge_of_lossless_tiles_are_not_blamed_on_jpeg(tmp_path):
    images, masks = tmp_path / "images", tmp_path / "masks"
    images.mkdir()
    masks.mkdir()
    rng = np.random.default_rng(0)
    for number in range(12):
        mask = np.zeros((48, 48), np.uint8)
        mask[10:30, 10:30] = 255
        mask[0:2, 40:43] = 255    # a 6-pixel piece of an object cut by the tile's edge
        Image.fromarray(mask).save(masks / f"t{number}.png")
        Image.fromarray(rng.integers(0, 255, (48, 48), dtype=np.uint8)).save(
            images / f"t{number}.png")
    report = audit_dataset(images, masks, workers=1)
    tiny = found(report, "imbalance.tiny_objects")
    assert tiny.evidence["border_masks"] == 12 and tiny.evidence["border_share"] == 1.0
    assert tiny.evidence["lossy_masks"] == 0
    assert "cut by the image's edge" in tiny.explanation
    assert "JPEG" not in tiny.explanation and "compression" not in tiny.fix


# --------------------------------------------------------------------------- values named


def test_float_masks_name_their_values(tmp_path):
    report, _ = audit(tmp_path, [{"kind": "float_masks", "top": 255.0}])
    unusual = found(report, "mask.unusual_encoding")
    assert unusual.title == "20 masks are stored as floating point holding 0.0 and 255.0"
    assert unusual.evidence["values_held"] == {"floating point": "0.0 and 255.0"}


def test_the_cli_report_of_a_label_map_dataset_is_json_and_exits_on_the_error(tmp_path):
    import subprocess
    import sys

    layout = build_case(tmp_path / "case", LARGE, [{"kind": "trimap_masks"}])
    command = [sys.executable, "-m", "unetdiag", "audit-data", str(layout.images_dir),
               "--json", "--quiet", "--workers", "1"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    assert report["meta"]["policy"]["foreground_values"] == []
    again = subprocess.run(command + ["--foreground-values", "1", "--ignore-values", "3"],
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stdout[-500:]
    assert json.loads(again.stdout)["meta"]["policy"]["ignore_values"] == [3]


def test_colour_coded_label_maps_are_named_by_their_colours_not_as_photographs(tmp_path):
    scene = np.zeros((8, 8, 3), np.uint8)
    scene[:3] = (128, 128, 128)      # sky
    scene[3:] = (128, 64, 128)       # road
    scene[6:, :4] = (64, 0, 128)     # car
    scene = scene.repeat(4, axis=0).repeat(4, axis=1)  # 32x32: whole regions
    masks = [np.roll(scene, shift, axis=1) for shift in range(5)]
    report = audit_dataset(pairs_folder(tmp_path / "camvid", masks), workers=1)
    label = found(report, "mask.label_map")
    assert label.evidence["colour"] and label.title == \
        "5 masks are colour-coded label maps holding 3 colours"
    assert "(64, 0, 128): " in label.explanation
    assert report.headline.startswith("Masks are colour-coded label maps holding 3 colours")
    assert not any(word in text(report) for word in SOFT_WORDS)
    # the three colours read alike (brightest channel 128): no share or baseline is measured
    # on that reading, nor polarity advice given (DeepGlobe's seven colours: "unknown" dark)
    assert not ids(report) & {"imbalance.mostly_foreground", "imbalance.summary",
                              "baseline.trivial_scores", "baseline.dice_uninformative"}
    assert "--mask-polarity dark" not in text(report)
    # one colour on black is an ordinary mask, decoded by its brightest channel
    red = np.zeros((8, 8, 3), np.uint8)
    red[2:6, 2:6] = (255, 0, 0)
    plain = audit_dataset(pairs_folder(tmp_path / "red", [red] * 5), workers=1)
    assert "mask.label_map" not in ids(plain)


def test_a_palette_object_at_index_0_is_not_called_the_dark_class(tmp_path):
    # a red object at palette index 0 on black index 1 (an editor's arbitrary palette order)
    rng = np.random.default_rng(5)
    for index in range(6):
        indices = np.ones((40, 40), np.uint8)
        top, left = rng.integers(0, 24, 2)
        indices[top:top + 10 + index, left:left + 12] = 0
        mask = Image.fromarray(indices, "P")
        mask.putpalette([255, 0, 0, 0, 0, 0])
        save_pair(tmp_path, f"m{index}.png", mask, rng)
    report = audit_folders(tmp_path)
    assert "palette index 0" in report.headline and "--foreground-values 0" in report.headline
    assert "dark class" not in report.headline
    read = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(0,)))
    assert "imbalance.mostly_foreground" not in ids(read)


def colormapped_masks(root: Path, ends: tuple[tuple[int, int, int], tuple[int, int, int]],
                      count: int = 6) -> list[np.ndarray]:
    """0/1 masks saved as ``plt.imsave(path, mask, cmap=...)`` writes them (matplotlib#24320:
    "single channel images will be colormapped"): opaque RGBA, the colormap's colour at 0
    for the background and at 1 for the object. Returns the 0/1 masks."""
    rng = np.random.default_rng(14)
    truths = []
    for index in range(count):
        truth = np.zeros((40, 48), np.uint8)
        truth[8:24 + index, 10:30] = 1
        rgba = np.full((40, 48, 4), 255, np.uint8)
        rgba[..., :3] = np.asarray(ends, np.uint8)[truth]
        save_pair(root, f"{index:03d}.png", Image.fromarray(rgba, "RGBA"), rng)
        truths.append(truth)
    return truths


def test_colours_with_one_brightest_channel_are_not_called_empty_masks(tmp_path):
    # matplotlib's jet at 0 and 1: both colours' brightest channel is 127
    colormapped_masks(tmp_path, ((0, 0, 127), (127, 0, 0)))
    report = audit_folders(tmp_path)
    assert "imbalance.empty_masks" not in ids(report)
    assert report.headline.startswith(
        "Every mask decodes empty under the mask policy in force: they are colour-coded label "
        "maps holding 2 colours, (0, 0, 127) and (127, 0, 0), whose brightest channels are "
        "equal, so no threshold tells them apart")
    empty = found(report, "mask.decodes_empty")
    assert "matplotlib's jet at its two ends" in empty.explanation
    assert "cmap='gray'" in empty.fix and "--foreground-values" not in empty.fix
    label = found(report, "mask.label_map")
    assert "the same brightest channel (127)" in label.explanation
    encodings = found(report, "mask.encodings")
    assert "RGBA brightest channel one value (127)" in encodings.title


def test_alike_colours_that_no_colormap_made_are_not_told_to_resave_without_one(tmp_path):
    # an editor's instance colours (CVAT's SegmentationObject) sharing a brightest channel
    colormapped_masks(tmp_path, ((0, 0, 200), (200, 0, 0)))
    label = found(audit_folders(tmp_path), "mask.label_map")
    assert "matplotlib" not in label.explanation and "cmap='gray'" not in label.fix
    assert "Convert the masks to one class number per pixel" in label.fix


def test_two_colour_masks_read_apart_by_the_threshold_hold_no_intermediate_values(tmp_path):
    # matplotlib's default viridis at 0 and 1: brightest channels 84 and 253
    truths = colormapped_masks(tmp_path, ((68, 1, 84), (253, 231, 36)))
    report = audit_folders(tmp_path)
    assert found(report, "imbalance.summary").evidence["foreground_fraction"] == \
        pytest.approx(sum(int(t.sum()) for t in truths) / sum(t.size for t in truths))
    sensitive = found(report, "mask.threshold_sensitive")
    assert "intermediate values" not in sensitive.explanation
    assert "two values only (84 and 253" in sensitive.explanation
    assert "the lower value is not 0" in sensitive.explanation


def test_polarity_advice_under_a_value_policy_names_values_the_cli_accepts(tmp_path):
    # REFUGE's disc alone: the disc 0 on a background of 255, read with --foreground-values 255
    rng = np.random.default_rng(8)
    rows, columns = np.mgrid[0:48, 0:48]
    for index in range(6):
        disc = np.hypot(rows - 24, columns - 12 - 4 * index) <= 8
        save_pair(tmp_path, f"d{index}.png", Image.fromarray(np.where(disc, 0, 255)
                                                               .astype(np.uint8)), rng)
    report = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(255,)))
    assert report.headline.startswith("Possible inverted polarity: 6 of 6 masks")
    assert "--mask-polarity" not in text(report)
    assert "decode with --foreground-values 0." in report.headline
    assert "--foreground-values 0" in found(report, "imbalance.mostly_foreground").fix


def test_a_dark_class_colour_is_selected_by_its_brightest_channel(tmp_path):
    # CVAT's SegmentationClass with a dark class colour from labelmap.txt (cvat-ai/cvat#2032)
    truths = colormapped_masks(tmp_path, ((0, 0, 0), (48, 112, 32)))
    report = audit_folders(tmp_path)
    assert report.headline.startswith(
        "Every mask decodes empty under the mask policy in force: they are label maps holding "
        "2 colours; pass --foreground-values 112.")
    label = found(report, "mask.label_map")
    assert "no value policy selects a colour" not in label.explanation
    assert "(48, 112, 32) as 112" in label.explanation
    assert "Convert" not in label.fix
    # passed, the value splits them into two classes: ordinary masks, read right
    read = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(112,)))
    assert "mask.label_map" not in ids(read)
    assert found(read, "imbalance.summary").evidence["foreground_fraction"] == \
        pytest.approx(sum(int(t.sum()) for t in truths) / sum(t.size for t in truths))
    sensitive = found(read, "mask.threshold_sensitive")
    assert "value policy in force chose" in sensitive.explanation
    assert sensitive.severity is Severity.INFO  # read right here; only other tools differ


def test_two_values_a_threshold_in_force_reads_apart_are_no_warning(tmp_path):
    """Supervisely masks_machine: 0 and 100 (the class's index), read with
    --mask-threshold 50: the fix told to pass the threshold already passed, and the warning
    could never clear."""
    rng = np.random.default_rng(6)
    for index in range(10):
        mask = np.zeros((32, 32), np.uint8)
        mask[8:20, 6:22] = 100
        save_pair(tmp_path, f"s{index:03d}.png", Image.fromarray(mask), rng)
    report = audit_folders(tmp_path, policy=MaskPolicy(threshold=50))
    sensitive = found(report, "mask.threshold_sensitive")
    assert sensitive.severity is Severity.INFO
    assert "the threshold in force (50) reads them apart" in sensitive.explanation
    assert "pass a --mask-threshold" not in sensitive.fix


def liver_slices(root: Path) -> None:
    """LiTS-style slices: 0 background, 1 liver, 2 tumour; the tumour only in some volumes,
    so some masks hold 0/1 (the binary scale) and others 0/1/2 (8-bit, midpoint 127.5)."""
    rng = np.random.default_rng(5)
    rows, columns = np.mgrid[:64, :64]
    for index in range(12):
        labels = np.zeros((64, 64), np.uint8)
        labels[np.hypot(rows - 32, columns - 30) <= 14] = 1
        if index % 2:
            labels[np.hypot(rows - 30, columns - 28) <= 4] = 2
        save_pair(root, f"slice_{index:02d}.png", Image.fromarray(labels), rng)


def test_a_label_read_as_foreground_on_one_scale_and_background_on_another_is_named(tmp_path):
    liver_slices(tmp_path)
    mixed = found(audit_folders(tmp_path), "mask.mixed_scales")
    assert mixed.severity is Severity.WARNING
    assert ("stored value 1 is read as foreground in the binary masks (6) and as background "
            "in the uint8 masks (6)") in mixed.explanation
    assert mixed.evidence["read_two_ways"] == [
        {"value": 1, "foreground_on": ["binary"], "background_on": ["uint8"]}]
    # the dark class as foreground turns both readings, and the words follow the data
    dark = found(audit_folders(tmp_path, policy=MaskPolicy(polarity="dark")), "mask.mixed_scales")
    assert ("stored value 1 is read as foreground in the uint8 masks (6) and as background in "
            "the binary masks (6): it lies on the other side of each scale's midpoint"
            ) in dark.explanation


def test_a_value_policy_that_reads_every_scale_makes_mixed_scales_info(tmp_path):
    liver_slices(tmp_path)
    report = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(1, 2)))
    assert found(report, "mask.mixed_scales").severity is Severity.INFO
    assert "value scales" not in report.headline
    # a value set that decodes the 0/1 slices empty: consistent with slices without the
    # tumour, or with binary masks from another source whose 1 is the tumour, which it
    # empties: a warning (session 29's review; it had been information), but no re-saving
    # of every mask on one scale (that was the first wording)
    report = audit_folders(tmp_path, policy=MaskPolicy(foreground_values=(2,)))
    mixed = found(report, "mask.mixed_scales")
    assert mixed.severity is Severity.WARNING and mixed.evidence["read_as_one_class"] == [
        "binary"]
    assert mixed.evidence["decoded_empty_scales"] == ["binary"]
    assert mixed.evidence["label_map_values_only"] == [0, 1]
    assert "Re-save" not in mixed.fix


def test_a_multi_class_map_s_255_is_never_the_example_of_a_class_to_segment(tmp_path):
    """Cityscapes' labelTrainIds (0 road .. 18 bicycle, 255 ignored: sacmehta/ESPNetv2#33,
    "[ 0 1 2 4 5 6 7 8 10 11 13 255]"): the fix's example was --foreground-values 255, the
    ignore label."""
    rng = np.random.default_rng(3)
    masks = []
    for _ in range(8):
        mask = np.full((32, 64), 2, np.uint8)  # building
        mask[:8], mask[20:], mask[18:20] = 10, 0, 1  # sky, road, sidewalk
        column = int(rng.integers(4, 40))
        mask[16:24, column:column + 12] = 13  # car
        mask[10:22, column + 14:column + 17] = 11  # person
        mask[28:] = 255  # ego vehicle
        masks.append(mask)
    label = found(audit_dataset(pairs_folder(tmp_path / "trainids", masks), workers=1),
                  "mask.label_map")
    assert "--foreground-values 255" not in label.fix
    assert "e.g. --foreground-values 13 for value 13 alone" in label.fix
    assert "--ignore-values 255 if 255 marks unlabelled pixels" in label.fix


def test_a_threshold_splitting_undecided_classes_measures_no_object(tmp_path):
    """COCO-stuff's maps (0 .. 181, 255 unlabelled) under the midpoint: the classes numbered
    above 127 were "the object" of imbalance.mostly_foreground ("masks stored with the other
    convention ... invert those"), and Cityscapes' ego band of 255 "a field-of-view mask"."""
    rng = np.random.default_rng(5)
    masks = []
    for _ in range(12):
        classes = rng.choice(182, size=6, replace=False).astype(np.uint8)
        mask = np.full((30, 40), classes[0], np.uint8)
        mask[:10] = classes[1]
        for number, value in enumerate(classes[2:]):
            mask[12 + 4 * number:16 + 4 * number, 5 * number:5 * number + 18] = value
        mask[26:] = 255
        masks.append(mask)
    report = audit_dataset(pairs_folder(tmp_path / "stuff", masks), workers=1)
    assert {"imbalance.mostly_foreground", "imbalance.summary", "mask.nearly_identical",
            "baseline.trivial_scores"}.isdisjoint(ids(report))
    assert report.headline.startswith("Masks are label maps holding")
    # named, the classes are measured as usual
    named = audit_dataset(tmp_path / "stuff", workers=1,
                          policy=MaskPolicy(foreground_values=(int(masks[0][0, 0]),),
                                            ignore_values=(255,)))
    assert "imbalance.summary" in ids(named)


def test_a_matting_trimap_band_counted_as_foreground_is_no_silent_reading(tmp_path):
    # redteam 1: 0 background, a 12-pixel 128 "unknown" band round discs of radius 6 to 18,
    # 255 the object (the alpha-matting trimap); the midpoint counts the band as foreground
    # (71 % of it) and the audit said "No problems"; a band of width w outweighs a disc of
    # radius R < 2.4 w, so its share cannot rule it out as a band
    rng = np.random.default_rng(3)
    rows, columns = np.mgrid[0:96, 0:96]
    for index in range(6):
        distance = np.hypot(rows - 48, columns - 40 - 2 * index)
        labels = np.zeros((96, 96), np.uint8)
        labels[distance <= 6 + 2 * index + 12] = 128
        labels[distance <= 6 + 2 * index] = 255
        save_pair(tmp_path, f"t{index}.png", Image.fromarray(labels), rng)
    report = audit_folders(tmp_path)
    label = found(report, "mask.label_map")
    assert label.severity is Severity.WARNING
    assert not report.headline.startswith("No problems")
    assert "--foreground-values 255 --ignore-values 128" in report.headline
    assert "of the foreground in force" in report.headline
    assert "a band drawn along outlines is thinner" not in label.explanation
    assert "the shares cannot tell which" in label.explanation
    # the user's explicit choice of a reading is no warning
    chosen = MaskPolicy(foreground_values=(255,), ignore_values=(128,))
    assert found(audit_folders(tmp_path, policy=chosen), "mask.label_map").severity is not (
        Severity.WARNING)
