"""EXIF orientation and pair sizes (unetdiag.diag.data.orientation, diag.checks.geometry)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageOps

from unetdiag.diag.checks.geometry import PairSizes, geometry_findings
from unetdiag.diag.core.findings import Severity
from unetdiag.diag.data.orientation import (
    EXIF_ORIENTATION_TAG,
    UPRIGHT,
    displayed_size,
    mask_fit,
    orientation_of,
    read_orientation,
)


def _tagged(width: int, height: int, orientation: int, image_format: str = "JPEG") -> Image.Image:
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = orientation
    buffer = io.BytesIO()
    Image.new("L", (width, height)).save(buffer, format=image_format, exif=exif)
    buffer.seek(0)
    return Image.open(buffer)


@given(width=st.integers(1, 40), height=st.integers(1, 40), orientation=st.integers(1, 8),
       image_format=st.sampled_from(["JPEG", "PNG"]))
def test_displayed_size_is_what_pillow_shows(width, height, orientation, image_format):
    image = _tagged(width, height, orientation, image_format)
    assert orientation_of(image) == orientation
    assert displayed_size(width, height, orientation) == ImageOps.exif_transpose(image).size


def test_untagged_and_malformed_tags_read_as_upright(tmp_path):
    plain = tmp_path / "plain.png"
    Image.new("L", (4, 3)).save(plain)
    assert read_orientation(plain) == UPRIGHT
    assert orientation_of(_tagged(4, 3, 9)) == UPRIGHT  # not an orientation
    broken = Image.new("L", (4, 3))
    broken.info["exif"] = b"Exif\x00\x00not a tiff header"
    assert orientation_of(broken) == UPRIGHT
    assert read_orientation(tmp_path / "missing.jpg") == UPRIGHT


@pytest.mark.parametrize(("image_size", "mask_size", "orientation", "fit"), [
    ((40, 30), (30, 40), 6, "displayed"),
    ((40, 30), (40, 30), 6, "stored"),
    ((40, 40), (40, 40), 8, "either"),
    ((40, 30), (40, 30), 3, "either"),
    ((40, 30), (30, 40), 1, "neither"),
    ((40, 30), (20, 15), 6, "neither"),
])
def test_mask_fit(image_size, mask_size, orientation, fit):
    assert mask_fit(image_size, mask_size, orientation) == fit


def _ids(findings):
    return {finding.id: finding for finding in findings}


def test_mask_of_the_displayed_size_is_an_error_not_a_size_mismatch():
    findings = _ids(geometry_findings([
        PairSizes("a.jpg", "a.png", (4032, 3024), (3024, 4032), 6),
        PairSizes("b.jpg", "b.png", (64, 64), (32, 32), 1),
    ], source="audit"))
    displayed = findings["geometry.exif_displayed_size"]
    assert displayed.severity is Severity.ERROR
    assert displayed.files == ("a.jpg", "a.png")
    assert "stores 4032x3024 pixels tagged EXIF Orientation 6" in displayed.explanation
    assert "turn them 90 degrees clockwise and show 3024x4032" in displayed.explanation
    assert "consistent with" in displayed.explanation
    assert findings["geometry.size_mismatch"].evidence["pairs"] == 1
    assert "image.exif_orientation" not in findings


def test_tags_the_sizes_cannot_check_are_a_warning_saying_why():
    findings = _ids(geometry_findings([
        PairSizes("square.jpg", "square.png", (50, 50), (50, 50), 6),
        PairSizes("turned.jpg", "turned.png", (40, 30), (40, 30), 3),
        PairSizes("stored.jpg", "stored.png", (40, 30), (40, 30), 8),
        PairSizes("plain.png", "plain_mask.png", (40, 30), (40, 30), 1),
    ], source="audit"))
    assert set(findings) == {"image.exif_orientation"}
    tagged = findings["image.exif_orientation"]
    assert tagged.severity is Severity.WARNING
    assert tagged.evidence["images"] == 3
    assert tagged.evidence["sizes_cannot_tell"] == 2
    assert tagged.evidence["orientations"] == {"6": 1, "3": 1, "8": 1}
    assert "square.jpg: the image is square" in tagged.explanation
    rotated_180 = _ids(geometry_findings(
        [PairSizes("turned.jpg", "turned.png", (40, 30), (40, 30), 3)], source="audit"))
    assert "the turn keeps width and height" in rotated_180["image.exif_orientation"].explanation


def test_masks_of_the_stored_size_only_are_info():
    findings = _ids(geometry_findings(
        [PairSizes("stored.jpg", "stored.png", (40, 30), (40, 30), 6)], source="audit"))
    tagged = findings["image.exif_orientation"]
    assert tagged.severity is Severity.INFO
    assert "the stored size, not the displayed 30x40" in tagged.explanation


def test_the_trainer_words_what_its_decoder_saw(tmp_path):
    from unetdiag.diag.data.policy import MaskPolicy
    from unetdiag.training.data_stats import decoded_findings
    from unetdiag.training.decoder import DecodeLog

    image_path = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = 8
    Image.new("L", (40, 30)).save(image_path, exif=exif)
    log = DecodeLog()
    log.record_sizes(str(image_path), "photo_mask.png", np.zeros((30, 40, 1)),
                     np.zeros((40, 30)))
    log.record_sizes("same.png", "same_mask.png", np.zeros((8, 8, 1)), np.zeros((8, 8)))
    log.record_sizes("small.png", "small_mask.png", np.zeros((8, 8, 1)), np.zeros((4, 4)))
    findings = _ids(decoded_findings(log, MaskPolicy()))
    assert findings["geometry.exif_displayed_size"].files == (str(image_path), "photo_mask.png")
    assert "turn them 90 degrees anticlockwise" in (
        findings["geometry.exif_displayed_size"].explanation)
    assert findings["geometry.size_mismatch"].files == ("small.png", "small_mask.png")
    assert {finding.source for finding in findings.values()} == {"data"}


# --- what the sizes say about how the masks were made (s25 A6, D) -----------------------------


def _mismatch(pairs):
    return _ids(geometry_findings(pairs, source="audit"))["geometry.size_mismatch"]


def test_masks_at_one_whole_fraction_of_their_images_are_an_export_or_a_crop():
    finding = _mismatch([PairSizes(f"{n}.png", f"{n}_mask.png", (128 + n, 96), ((128 + n) // 2, 48))
                         for n in range(3)] + [PairSizes("odd.png", "odd_mask.png", (101, 99),
                                                         (51, 49))])
    assert finding.title == "4 masks differ in size from their image (each 1/2 of it)"
    assert "1/2 of its image's width and height" in finding.explanation
    assert "a downsampled export" in finding.explanation
    assert "(a crop, such as the central tile" in finding.explanation  # both readings
    assert "the sizes do not tell which" in finding.explanation
    assert "Lay one mask over its image twice" in finding.fix
    assert finding.evidence["size_fraction"] == "1/2"


@pytest.mark.parametrize(("image_size", "mask_size"), [
    ((101, 101), (100, 100)),  # off by one: a crop is possible
    ((128, 128), (64, 32)),    # halved in one dimension only
])
def test_other_mismatches_keep_the_open_causes(image_size, mask_size):
    finding = _mismatch([PairSizes("a.png", "a_mask.png", image_size, mask_size)])
    assert "(a crop, a downsampled copy, another image)" in finding.explanation
    assert "size_fraction" not in finding.evidence


def test_masks_larger_than_their_images_are_no_crop():
    finding = _mismatch([PairSizes("a.png", "a_mask.png", (96, 96), (200, 150))])
    assert "a crop" not in finding.explanation and "a downsampled copy" not in finding.explanation
    assert "(an upsampled copy, a picture of the labels, another image)" in finding.explanation


def test_one_mask_size_for_images_of_several_sizes_is_said(tmp_path):
    finding = _mismatch([PairSizes(f"{n}.png", f"{n}_mask.png", (300 + n, 200), (256, 256))
                         for n in range(4)])
    assert "All 4 mismatched masks are 256x256 while their images have 4 sizes" in (
        finding.explanation)


def _figure(path, white_margins=True):
    pixels = np.full((480, 640, 4), 255, np.uint8)
    pixels[58:422, 140:500, :3] = (68, 1, 84)  # viridis' dark end, the axes' inside
    if not white_margins:
        pixels[:, :, :3] = 40
    Image.fromarray(pixels, "RGBA").save(path)


def test_matplotlib_figures_saved_as_masks_are_named(tmp_path):
    pairs = []
    for n in range(4):
        _figure(tmp_path / f"{n}_mask.png")
        pairs.append(PairSizes(str(tmp_path / f"{n}.png"), str(tmp_path / f"{n}_mask.png"),
                               (96, 96), (640, 480)))
    finding = _mismatch(pairs)
    assert finding.title == ("4 masks differ in size from their image: all 640x480 with white "
                             "margins, as matplotlib figures are")
    assert "consistent with figures saved by plt.savefig" in finding.explanation
    assert "a crop" not in finding.explanation
    assert "plt.imsave" in finding.fix
    assert finding.evidence["figure_dpi"] == 100


def test_masks_of_a_figure_size_without_white_margins_are_no_figures(tmp_path):
    _figure(tmp_path / "a_mask.png", white_margins=False)
    finding = _mismatch([PairSizes("a.png", str(tmp_path / "a_mask.png"), (96, 96), (640, 480))])
    assert "matplotlib" not in finding.title + finding.explanation
    # unreadable (the trainer's record of a file since removed): the sizes alone
    finding = _mismatch([PairSizes("a.png", str(tmp_path / "gone.png"), (96, 96), (640, 480))])
    assert "matplotlib" not in finding.explanation


def test_an_inverted_binary_mask_at_a_figure_size_is_no_figure(tmp_path):
    mask = np.full((480, 640), 255, np.uint8)  # white background, dark objects inside
    mask[100:200, 200:300] = 0
    mask[300:380, 400:500] = 0
    Image.fromarray(mask).save(tmp_path / "a_mask.png")
    finding = _mismatch([PairSizes("a.png", str(tmp_path / "a_mask.png"), (96, 96), (640, 480))])
    assert "matplotlib" not in finding.title + finding.explanation
    assert "not label values" not in finding.explanation


# --- masks carrying their own EXIF orientation (s26 A7) ----------------------------------------


def test_a_mask_its_own_tag_turns_to_its_image_size_is_stored_turned_not_another_geometry():
    findings = _ids(geometry_findings([
        PairSizes("a.jpg", "a.png", (128, 96), (96, 128), UPRIGHT, 6),
        PairSizes("b.jpg", "b.png", (64, 64), (32, 32)),
    ], source="audit"))
    turned = findings["geometry.mask_exif_orientation"]
    assert turned.severity is Severity.ERROR
    assert turned.files == ("a.jpg", "a.png")
    assert "a.png stores 96x128 pixels tagged EXIF Orientation 6" in turned.explanation
    assert "show 128x96, the size of its image a.jpg" in turned.explanation
    assert "exif_transpose(mask)" in turned.fix
    assert turned.evidence["mask_orientations"] == {"6": 1}
    assert turned.evidence["sizes"][0]["mask_exif_orientation"] == 6
    # the other pair keeps its own finding; the tagged one is no longer "another geometry"
    assert findings["geometry.size_mismatch"].evidence["pairs"] == 1
    assert findings["geometry.size_mismatch"].files == ("b.jpg", "b.png")


def test_a_tagged_mask_of_its_image_size_either_way_is_a_warning_that_sizes_cannot_tell():
    findings = _ids(geometry_findings(
        [PairSizes("a.jpg", "a.png", (40, 30), (40, 30), UPRIGHT, 3)], source="audit"))
    assert set(findings) == {"mask.exif_orientation"}
    assert findings["mask.exif_orientation"].severity is Severity.WARNING
    assert "sizes cannot tell" in findings["mask.exif_orientation"].explanation


def test_a_mask_tag_copied_from_a_tagged_image_is_left_to_the_image_checks():
    # images tagged 6 and stored sideways, masks upright with the tag copied (s26 exif_mask/b)
    findings = _ids(geometry_findings(
        [PairSizes("a.jpg", "a.png", (96, 128), (128, 96), 6, 6)], source="audit"))
    assert set(findings) == {"geometry.exif_displayed_size"}
    # a tagged mask stored at its untagged image's size says nothing either
    assert geometry_findings([PairSizes("a.jpg", "a.png", (40, 30), (40, 30), UPRIGHT, 6)],
                             source="audit") == []


def test_audit_reads_the_mask_tag(tmp_path):
    from unetdiag.diag.audit.read import read_chunk

    image, mask = tmp_path / "a.png", tmp_path / "a_mask.png"
    Image.new("L", (40, 30)).save(image)
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = 8
    Image.new("L", (30, 40)).save(mask, exif=exif)
    record = read_chunk([(0, str(image), str(mask))])
    assert record.columns["mask_orientation"].tolist() == [8]
    assert record.columns["image_orientation"].tolist() == [UPRIGHT]


def test_masks_of_transposed_size_are_named_and_no_crop():
    finding = _mismatch([PairSizes(f"{n}.png", f"{n}_mask.png", (80, 60), (60, 80))
                         for n in range(2)])
    assert finding.title == "2 masks differ in size from their image (width and height swapped)"
    assert "width and height swapped" in finding.explanation
    assert "a transposed array" in finding.explanation
    assert "(a crop, a downsampled copy" not in finding.explanation
    assert "mask.T" in finding.fix


def test_masks_taller_but_narrower_than_their_images_are_no_crop():
    finding = _mismatch([PairSizes("a.png", "a_mask.png", (100, 60), (90, 70))])
    assert "a crop" not in finding.explanation
    assert "(a copy resized to another shape" in finding.explanation
