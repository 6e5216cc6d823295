"""Label-value and imbalance checks on hand-built masks with known answers."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from unetdiag.diag.checks import masks as checks
from unetdiag.diag.checks.masks import (
    check_imbalance,
    check_label_values,
    edge_share,
    foreground_counts,
)
from unetdiag.diag.core.findings import Finding, Severity


def by_id(findings: list[Finding]) -> dict[str, Finding]:
    ids = [f.id for f in findings]
    assert len(ids) == len(set(ids)), ids
    return {f.id: f for f in findings}


def drawn_mask(size: int = 96) -> np.ndarray:
    """A 0/255 uint8 mask: an ellipse and a rectangle."""
    image = Image.new("L", (size, size))
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 25, 75, 85), fill=255)
    draw.rectangle((5, 5, 15, 12), fill=255)
    return np.asarray(image)


# --------------------------------------------------------------------------- foreground_counts


def test_foreground_counts_per_image_in_every_layout():
    masks = np.zeros((3, 4, 5))
    masks[0, :2, :3] = 1  # 6 pixels
    masks[2] = 1  # 20 pixels
    for layout in (masks, masks[..., None], masks.astype(bool), masks.astype(np.uint8)):
        foreground, pixels = foreground_counts(layout)
        assert foreground.tolist() == [6, 0, 20]
        assert pixels.tolist() == [20, 20, 20]
    single, pixels = foreground_counts(masks[0])
    assert single.tolist() == [6] and pixels.tolist() == [20]
    with pytest.raises(ValueError, match="expected masks"):
        foreground_counts(np.zeros((2, 4, 4, 3)))


# --------------------------------------------------------------------------- label values


def test_clean_binary_masks_give_no_finding():
    masks = np.zeros((4, 8, 8, 1), dtype=np.float32)
    masks[:2, 2:5, 2:5] = 1
    assert check_label_values(masks) == []
    assert check_label_values(masks.astype(bool)) == []
    assert check_label_values(masks.astype(np.uint8)[..., 0]) == []


def test_0_255_masks_are_out_of_range_with_the_dice_they_would_report():
    masks = np.zeros((3, 8, 8), dtype=np.uint8)
    masks[0, :4, :4] = 255  # 16 of 64 pixels
    masks[2, :2, :2] = 255  # 4 of 64 pixels
    found = by_id(check_label_values(masks, source="train:MP_Tr_BCE",
                                     files=["a.png", "b.png", "c.png"]))
    assert set(found) == {"labels.out_of_range"}
    finding = found["labels.out_of_range"]
    assert finding.severity is Severity.ERROR and finding.source == "train:MP_Tr_BCE"
    evidence = finding.evidence
    assert evidence["min"] == 0 and evidence["max"] == 255
    assert evidence["pixels_outside"] == 20
    assert evidence["fraction_outside"] == pytest.approx(20 / 192)
    assert evidence["distinct_values"] == [0.0, 255.0]
    assert evidence["masks_affected"] == 2
    # A perfect prediction on 255 labels, batch Dice with smoothing 1, n = 20 labelled pixels:
    # (2 * 255n + 1) / (255n + n + 1)
    assert evidence["perfect_prediction_dice"] == pytest.approx((2 * 255 * 20 + 1)
                                                                / (256 * 20 + 1))
    assert not evidence["looks_like_class_indices"]
    assert finding.files == ("a.png", "c.png")  # worst first, clean mask b not named
    assert "1.99" in finding.explanation and "negative" in finding.explanation
    assert "255" in finding.fix


def test_negative_labels_and_class_indices_are_explained():
    normalised = np.array([[-1.0, 1.0], [-1.0, -1.0]])
    finding = by_id(check_label_values(normalised))["labels.out_of_range"]
    assert finding.evidence["min"] == -1 and finding.evidence["fraction_outside"] == 0.75
    assert "normalisation" in finding.explanation
    classes = np.array([[0, 1, 2], [2, 1, 0]])
    finding = by_id(check_label_values(classes))["labels.out_of_range"]
    assert finding.evidence["looks_like_class_indices"]
    assert "class indices" in finding.explanation


def test_jpeg_0_255_mask_also_reports_intermediate_values():
    buffer = io.BytesIO()
    Image.fromarray(drawn_mask()).save(buffer, "JPEG", quality=90)
    decoded = np.asarray(Image.open(buffer))
    finding = by_id(check_label_values(decoded))["labels.out_of_range"]
    assert finding.evidence["distinct_value_count"] > 2
    assert finding.evidence["intermediate_fraction"] > 0
    assert "interpolated or JPEG" in finding.explanation


def test_bilinear_resized_mask_is_non_binary_on_edges():
    resized = Image.fromarray(drawn_mask()).resize((40, 40), Image.BILINEAR)
    labels = np.asarray(resized, dtype=np.float64) / 255.0
    found = by_id(check_label_values(labels[None, ..., None], files=["m.png"]))
    assert set(found) == {"labels.non_binary"}
    finding = found["labels.non_binary"]
    assert finding.severity is Severity.WARNING
    between = (labels > 0) & (labels < 1)
    assert finding.evidence["pixels_between"] == int(between.sum())
    assert finding.evidence["fraction"] == pytest.approx(between.mean())
    assert finding.evidence["edge_share"] >= checks.EDGE_SHARE_FOR_RESAMPLING
    assert "interpolation" in finding.explanation
    assert "nearest" in finding.fix
    assert finding.files == ("m.png",)


def test_soft_values_spread_through_regions_are_not_blamed_on_resizing():
    rng = np.random.default_rng(0)
    photograph_like = rng.random((2, 32, 32))
    finding = by_id(check_label_values(photograph_like))["labels.non_binary"]
    assert finding.evidence["edge_share"] < checks.EDGE_SHARE_FOR_RESAMPLING
    assert "image used as" in finding.explanation


def test_edge_share_hand_built():
    # one ramp pixel between solid background and solid foreground
    ramp = np.zeros((6, 9))
    ramp[:, 4] = 0.5
    ramp[:, 5:] = 1
    assert edge_share(ramp, radius=1) == 1.0
    # a grey blob in the middle of solid background, far from any foreground: not an edge
    blob = np.zeros((12, 12))
    blob[5:7, 5:7] = 0.3
    assert edge_share(blob, radius=2) == 0.0
    assert np.isnan(edge_share(np.zeros((4, 4))))


def test_nan_labels_are_an_error_naming_the_file():
    masks = np.zeros((2, 4, 4))
    masks[1, 0, 0] = np.nan
    masks[1, 0, 1] = np.inf
    found = by_id(check_label_values(masks, files=["ok.png", "bad.png"]))
    finding = found["labels.non_finite"]
    assert finding.severity is Severity.ERROR
    assert finding.evidence["nan"] == 1 and finding.evidence["positive_inf"] == 1
    assert finding.evidence["non_finite_pixels"] == 2
    assert finding.files == ("bad.png",)
    assert "mask.max()" in finding.fix
    assert "labels.out_of_range" not in found  # Inf is reported once, as non-finite


def test_rgb_masks_are_the_wrong_shape():
    grey_as_rgb = np.repeat(np.eye(4)[None, ..., None], 3, axis=-1)
    finding = by_id(check_label_values(grey_as_rgb))["labels.wrong_dtype_or_shape"]
    assert finding.severity is Severity.ERROR
    assert finding.evidence["channels"] == 3 and finding.evidence["channels_identical"]
    palette = grey_as_rgb.copy()
    palette[..., 1] = 0
    finding = by_id(check_label_values(palette))["labels.wrong_dtype_or_shape"]
    assert not finding.evidence["channels_identical"]
    assert "colour" in finding.explanation


@pytest.mark.parametrize("bad", [np.zeros((0, 4, 4)), np.array(["a", "b"]),
                                 np.zeros((1, 1, 2, 2, 1, 1))])
def test_unusable_label_arrays_give_a_finding_not_a_traceback(bad):
    findings = check_label_values(bad, files=["x.png"])
    assert [f.id for f in findings] == ["labels.wrong_dtype_or_shape"]
    assert findings[0].severity is Severity.ERROR
    assert findings[0].files == ("x.png",)


def test_file_names_must_line_up_with_masks():
    with pytest.raises(ValueError, match="2 file names for 3 masks"):
        check_label_values(np.zeros((3, 2, 2)), files=["a", "b"])


# --------------------------------------------------------------------------- imbalance


def test_imbalance_summary_numbers():
    foreground = [0, 10, 20, 30, 40]
    found = by_id(check_imbalance(foreground, [100] * 5, source="audit"))
    summary = found["imbalance.summary"]
    assert summary.severity is Severity.INFO and summary.source == "audit"
    assert summary.evidence["foreground_fraction"] == pytest.approx(100 / 500)
    assert summary.evidence["per_mask_min"] == 0 and summary.evidence["per_mask_max"] == 0.4
    assert summary.evidence["per_mask_quantiles"]["q50"] == pytest.approx(0.2)
    assert summary.evidence["empty_masks"] == 1
    # one empty mask in five (20 %) is below the warning share
    assert found["imbalance.empty_masks"].severity is Severity.INFO
    assert "imbalance.mostly_foreground" not in found and "imbalance.extreme" not in found


def test_empty_masks_severity_grows_with_their_share():
    files = [f"m{i}.png" for i in range(10)]
    found = by_id(check_imbalance([0] * 4 + [50] * 6, [100] * 10, files=files))
    empty = found["imbalance.empty_masks"]
    assert empty.severity is Severity.WARNING
    assert empty.evidence["empty_masks"] == 4 and empty.evidence["share"] == 0.4
    assert empty.files == tuple(files[:4])
    every = by_id(check_imbalance([0, 0], [100, 100]))["imbalance.empty_masks"]
    assert every.severity is Severity.ERROR
    # how many hold several stored values is said only where it was counted (the trainer
    # counts decoded masks: LiTS slices thresholded empty were shown "several_values: none")
    assert "several_values" not in empty.evidence
    counted = by_id(check_imbalance([0] * 4 + [50] * 6, [100] * 10,
                                    single_valued=[False] * 2 + [True] * 8))
    assert counted["imbalance.empty_masks"].evidence["several_values"] == 2


def test_empty_masks_name_no_finding_the_reports_holding_them_may_lack():
    """audit-data and evaluate write imbalance.empty_masks but never dice.empty_mask_convention
    (train's finding): the sentences name no other finding."""
    for foreground in ([0] * 4 + [50] * 6, [0] * 3 + [50] * 7):
        empty = by_id(check_imbalance(foreground, [100] * 10))["imbalance.empty_masks"]
        words = f"{empty.title} {empty.explanation} {empty.fix}"
        assert "dice." not in words and "see " not in words


def test_seed_like_masks_are_mostly_foreground_and_extreme():
    # the original project: `mask > 0` on photographs -> ~99.5 % foreground
    foreground = [995, 990, 999]
    found = by_id(check_imbalance(foreground, [1000] * 3, files=["a.jpg", "b.jpg", "c.jpg"]))
    mostly = found["imbalance.mostly_foreground"]
    assert mostly.severity is Severity.WARNING and mostly.evidence["masks"] == 3
    assert mostly.files == ("c.jpg", "a.jpg", "b.jpg")  # most foreground first
    extreme = found["imbalance.extreme"]
    assert extreme.evidence["foreground_fraction"] == pytest.approx(2984 / 3000)
    assert extreme.evidence["constant_predictor_accuracy"] == pytest.approx(2984 / 3000)
    assert "inverted" in mostly.explanation


def test_rare_foreground_is_extreme_but_not_mostly_foreground():
    found = by_id(check_imbalance([5, 3, 1], [1000] * 3))
    assert found["imbalance.extreme"].evidence["constant_predictor_accuracy"] == \
        pytest.approx(1 - 9 / 3000)
    assert "imbalance.mostly_foreground" not in found


def test_tiny_objects_from_counts_and_from_object_sizes():
    foreground = [0, 5, 400, 500, 600, 700, 800, 900, 1000, 1100]
    found = by_id(check_imbalance(foreground, [4096] * 10))
    tiny = found["imbalance.tiny_objects"]
    # one of nine non-empty masks (11 %) has a 5-pixel foreground
    assert tiny.evidence["masks"] == 1 and tiny.severity is Severity.WARNING
    assert tiny.evidence["smallest_pixels"] == 5
    assert tiny.evidence["measured_from"] == "foreground_counts"
    # with object sizes, a mask whose total is large can still hold a speck
    smallest = [0, 5, 3, 500, 600, 700, 800, 900, 1000, 1100]
    tiny = by_id(check_imbalance(foreground, [4096] * 10,
                                 smallest_object_pixels=smallest))["imbalance.tiny_objects"]
    assert tiny.evidence["masks"] == 2 and tiny.evidence["smallest_pixels"] == 3
    assert "imbalance.tiny_objects" not in by_id(check_imbalance([0, 400], [4096, 4096]))


def test_tiny_objects_warn_only_where_they_are_a_real_share_of_the_foreground():
    foreground = [4000] * 10
    smallest = [1] * 10
    # vessel fragments: a pixel or two per mask beside 4000 pixels of vessels
    quiet = by_id(check_imbalance(foreground, [10_000] * 10, smallest_object_pixels=smallest,
                                  small_object_pixels=[2] * 10))["imbalance.tiny_objects"]
    assert quiet.severity is Severity.INFO and quiet.evidence["masks_where_they_matter"] == 0
    assert "barely move Dice" in quiet.explanation
    # small cells: a tenth of the foreground in small objects, in every mask
    loud = by_id(check_imbalance(foreground, [10_000] * 10, smallest_object_pixels=smallest,
                                 small_object_pixels=[400] * 10))["imbalance.tiny_objects"]
    assert loud.severity is Severity.WARNING and loud.evidence["masks_where_they_matter"] == 10
    # the same pixels, all specks next to larger objects: consistent with compression noise
    specks = by_id(check_imbalance(foreground, [10_000] * 10, smallest_object_pixels=smallest,
                                   small_object_pixels=[400] * 10, speck_pixels=[400] * 10)
                   )["imbalance.tiny_objects"]
    assert specks.severity is Severity.INFO
    assert specks.title.endswith("all specks next to larger objects, consistent with JPEG ringing")


def test_mostly_foreground_is_a_warning_for_many_masks_and_information_for_a_few():
    few = by_id(check_imbalance([600] + [100] * 23, [1000] * 24))
    assert few["imbalance.mostly_foreground"].severity is Severity.INFO
    assert "consistent with a few large objects" in few["imbalance.mostly_foreground"].explanation
    some = by_id(check_imbalance([900] * 6 + [100] * 14, [1000] * 20))
    assert some["imbalance.mostly_foreground"].severity is Severity.WARNING
    assert not some["imbalance.mostly_foreground"].evidence["majority"]
    # (the others at 30 %, not at 10 %: 90 % and 10 % would be one group turned over)
    most = by_id(check_imbalance([900] * 12 + [300] * 8, [1000] * 20))
    assert most["imbalance.mostly_foreground"].evidence["majority"]
    assert "inverted polarity" in most["imbalance.mostly_foreground"].explanation


def test_inconsistent_counts_are_refused():
    with pytest.raises(ValueError):
        check_imbalance([1, 2], [10])
    with pytest.raises(ValueError):
        check_imbalance([11], [10])
    with pytest.raises(ValueError):
        check_imbalance([], [])
    with pytest.raises(ValueError, match="file names"):
        check_imbalance([1, 2], [10, 10], files=["only-one.png"])


def test_findings_survive_a_json_round_trip():
    masks = np.zeros((2, 8, 8))
    masks[0, :3, :3] = np.nan
    masks[1, :, :] = 255
    findings = check_label_values(masks) + check_imbalance([0, 64], [64, 64])
    for finding in findings:
        assert Finding.from_dict(finding.to_dict()).to_dict() == finding.to_dict()


def test_small_objects_at_the_border_are_named_only_when_they_are_most_of_them():
    foreground, smallest = [4000] * 10, [1] * 10
    at_edges = by_id(check_imbalance(foreground, [10_000] * 10, smallest_object_pixels=smallest,
                                     small_object_pixels=[400] * 10, border_pixels=[300] * 10,
                                     lossy=[False] * 10))["imbalance.tiny_objects"]
    assert at_edges.evidence["border_share"] == 0.75
    assert "cut by the image's edge" in at_edges.explanation
    assert "JPEG" not in at_edges.explanation
    few = by_id(check_imbalance(foreground, [10_000] * 10, smallest_object_pixels=smallest,
                                small_object_pixels=[400] * 10, border_pixels=[20] * 10)
                )["imbalance.tiny_objects"]
    assert few.evidence["border_masks"] == 10
    assert "cut by the image's edge" not in few.explanation
    assert "JPEG noise" in few.explanation  # lossy unknown: any mask may be JPEG


# --- masks stored with both polarities (session 27: BioHit/TongeImageDataset#1) ---------------


@pytest.mark.parametrize("inverted", [3, 10, 12])
def test_masks_inverted_file_by_file_are_two_mirrored_groups(inverted):
    # 20 masks whose object covers 9-15 %, the first `inverted` stored turned over
    shares = np.linspace(9, 15, 20)
    foreground = [100 - share if i < inverted else share for i, share in enumerate(shares)]
    finding = by_id(check_imbalance(foreground, [100] * 20))["imbalance.mostly_foreground"]
    mixed = finding.evidence["mixed_polarity"]
    assert (mixed["mostly_foreground_masks"], mixed["other_masks"]) == (inverted, 20 - inverted)
    assert "mixed polarities or objects of two sizes?" in finding.title
    assert "invert those files only" in finding.fix
    assert "--mask-polarity dark would turn the other group over" in finding.fix
    assert "minority" not in finding.explanation


@pytest.mark.parametrize("foreground", [
    [85, 88, 90, 50, 45, 40, 30, 20, 10, 12],   # shares between the groups: object sizes
    [85, 88, 90] + [40] * 7,                    # the others far from the first turned over
    [85] + [10] * 19,                           # a single large object
])
def test_objects_of_varied_sizes_are_not_called_mixed_polarities(foreground):
    finding = by_id(check_imbalance(foreground, [100] * len(foreground)))
    assert "mixed_polarity" not in finding["imbalance.mostly_foreground"].evidence


def test_half_the_masks_mostly_foreground_are_not_called_a_minority():
    foreground = [60, 70, 80, 90, 95, 30, 35, 40, 45, 48]
    finding = by_id(check_imbalance(foreground, [100] * 10))["imbalance.mostly_foreground"]
    assert "mixed_polarity" not in finding.evidence
    assert "They are half of the masks, not a majority" in finding.explanation


def test_on_object_edges_says_how_near_an_edge_is(tmp_path):
    """'On object edges' means within EDGE_NEIGHBOURHOOD_RADIUS (8) pixels, not next to one:
    the sentences of check_label_values and of audit-data's mask.non_binary and
    mask.threshold_sensitive say the radius."""
    from unetdiag.api import audit
    from unetdiag.diag.checks.edges import EDGE_NEIGHBOURHOOD_RADIUS

    radius = f"within {EDGE_NEIGHBOURHOOD_RADIUS} pixels"
    resized = Image.fromarray(drawn_mask()).resize((40, 40), Image.BILINEAR)
    labels = np.asarray(resized, dtype=np.float64)[None, ..., None] / 255.0
    assert radius in by_id(check_label_values(labels))["labels.non_binary"].explanation
    plane = np.zeros((64, 64), np.uint8)
    plane[:, 6:60:8] = 255                        # thin lines: JPEG moves their edges most
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    for index in range(2):
        Image.fromarray(np.full((64, 64), 90 + index, np.uint8)).save(
            tmp_path / "images" / f"{index}.png")
        Image.fromarray(plane).save(tmp_path / "masks" / f"{index}.jpg", quality=75)
    findings = audit(tmp_path / "images", tmp_path / "masks").report.findings
    on_edges = {f.id for f in findings if "on object edges" in f.explanation}
    assert {"mask.non_binary", "mask.threshold_sensitive"} <= on_edges
    assert all(radius in f.explanation for f in findings if f.id in on_edges)
