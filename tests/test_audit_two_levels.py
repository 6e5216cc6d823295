"""Binary masks are intensity masks, not label maps, unless the data say otherwise (issue 14,
item 1): 0/255 masks saved with a colour palette, 0/1 masks beside 0/255 ones under a
threshold chosen for the latter, and a third value in a few 0/255 masks."""

from __future__ import annotations

import numpy as np
from helpers import audit_pairs as audit
from helpers import findings_by_id as by_id
from helpers import write_mask_pairs as write
from PIL import Image

from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.synth.label_corruptions import voc_palette

SIDE = 48


def vessels(count: int, seed: int = 3) -> list[np.ndarray]:
    """0/255 masks of a few thin lines and a disc, as DRIVE's vessels and ISBI's cells."""
    rng = np.random.default_rng(seed)
    masks = []
    for _ in range(count):
        mask = np.zeros((SIDE, SIDE), np.uint8)
        for _ in range(3):
            row = int(rng.integers(4, SIDE - 4))
            mask[row:row + 2, 3:SIDE - 3] = 255
        centre = rng.integers(12, SIDE - 12, size=2)
        yy, xx = np.mgrid[:SIDE, :SIDE]
        mask[(yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 < 36] = 255
        masks.append(mask)
    return masks


def test_0_255_masks_saved_with_the_voc_palette_are_binary_not_void_label_maps(tmp_path):
    images, mask_dir = write(tmp_path, vessels(12))
    for path in mask_dir.iterdir():  # the same indices, saved with VOC's colour map
        palette = Image.fromarray(np.asarray(Image.open(path)), "P")
        palette.putpalette(voc_palette())
        palette.save(path)
    report = audit(images, mask_dir)
    found = by_id(report)
    assert "mask.label_map" not in found
    two = found["mask.two_levels_one_class"]
    assert two.evidence["levels"] == [0, 255] and two.evidence["palette"]
    assert two.evidence["proposed_flags"] == "--foreground-values 255"
    assert "no mask of the dataset holds any other index" in two.explanation
    assert "label maps holding" not in report.headline
    assert "--ignore-values 255" not in report.headline
    assert "pass --foreground-values 255" in report.headline
    followed = audit(images, mask_dir, MaskPolicy(foreground_values=(255,)))
    assert by_id(followed)["imbalance.summary"].evidence["foreground_fraction"] > 0.05


def test_0_1_masks_beside_0_255_under_a_threshold_for_the_latter_are_no_label_maps(tmp_path):
    masks = vessels(12)
    masks = [mask if index % 2 else (mask > 0).astype(np.uint8)
             for index, mask in enumerate(masks)]
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir, MaskPolicy(threshold=127))
    found = by_id(report)
    assert "mask.label_map" not in found
    two = found["mask.two_levels_one_class"]
    assert two.evidence["levels"] == [0, 1] and two.evidence["masks"] == 6
    assert two.evidence["proposed_flags"] == "--foreground-values 1,255"
    assert "label maps" not in report.headline
    assert report.headline.startswith("6 of 12 masks hold only 0 and 1")


def test_a_third_value_in_a_few_0_255_masks_never_makes_the_object_value_void(tmp_path):
    # many thin 255 lines (vessels): nearly every contact between values is 0-255, so in
    # the masks holding a small 128 blob, 255 passes for a band separating 0 from 128
    masks = []
    for index in range(15):
        mask = np.zeros((160, 160), np.uint8)
        mask[index % 3::6, 4:156] = 255
        if index % 5 == 0:  # a 'difficult' blob of 128 in 3 of 15 masks
            mask[40:48, 40:48] = 128
        masks.append(mask)
    images, mask_dir = write(tmp_path, masks)
    report = audit(images, mask_dir)
    label = by_id(report)["mask.label_map"]
    assert label.evidence["void"] is None and label.evidence["background"] == 0
    assert 255 in label.evidence["objects"]
    flags = label.evidence["proposed_flags"] or ""
    assert "--ignore-values 255" not in flags and "--ignore-values 255" not in report.headline
    assert not report.headline.startswith("Masks are label maps")


def test_two_levels_per_mask_beside_0_255_masks_are_no_intermediate_values(tmp_path):
    """Half the masks 70/162 (read apart by the midpoint), half 0/255: the encoding holds four
    values, so the two-level reading was skipped and the warning said "Such masks hold
    intermediate values (compression, interpolation, soft labels, photographs)" of masks
    holding two values each, stored losslessly."""
    masks = vessels(12)
    for mask in masks[::2]:
        mask[:] = np.where(mask == 255, 162, 70)
    sensitive = by_id(audit(*write(tmp_path, masks)))["mask.threshold_sensitive"]
    assert "intermediate values" not in sensitive.explanation
    assert "two values only (70 and 162 in the worst" in sensitive.explanation
    assert "the midpoint in force (127.5) reads them apart" in sensitive.explanation
    assert sensitive.severity.value == "info"



def test_grey_levels_127_and_255_mostly_255_are_no_inverted_polarity(tmp_path):
    """ilastik's Simple Segmentation renormalised from 0-2 to 0-255 (ilastik/ilastik#1127:
    labels 1 and 2 become 127 and 255), the object label 1 (127) small: the decoder reads
    255 as the object, which no file says; the headline had said "Possible inverted
    polarity" (session 31). Neither level is 0, so no polarity is named."""
    masks = []
    for shift in range(12):
        mask = np.full((48, 64), 255, np.uint8)
        mask[8:30, 4 + 3 * shift:16 + 3 * shift] = 127
        masks.append(mask)
    report = audit(*write(tmp_path, masks))
    mostly = by_id(report)["imbalance.mostly_foreground"]
    assert "inverted polarity" not in report.headline + mostly.explanation
    assert mostly.evidence["two_levels"] == [127, 255]
    assert ("each holds two grey levels, neither 0, and the decoder reads 255 as the object; "
            "if the object is at 127, decode with --mask-polarity dark") in report.headline


def test_labels_stored_as_255_and_254_are_measured_under_the_proposal(tmp_path):
    """ilastik's headless Simple Segmentation numbering labels from the top (255, 254;
    ilastik/ilastik#2165): the midpoint reads every pixel as foreground, and the audit
    measured that: "16 of 16 masks are more than 50% foreground ... inverted polarity ... or
    a photograph binarised", "Only 0.00% of all pixels are background" (session 31). The
    shares are now those of the proposed policy."""
    masks = []
    for shift in range(12):
        mask = np.full((48, 64), 254, np.uint8)
        mask[8:30, 4 + 3 * shift:16 + 3 * shift] = 255
        masks.append(mask)
    report = audit(*write(tmp_path, masks))
    found = by_id(report)
    assert "imbalance.mostly_foreground" not in found
    assert "imbalance.extreme" not in found
    summary = found["imbalance.summary"]
    assert summary.evidence["policy_is_proposed"] is True
    assert "which reads every pixel as foreground" in summary.explanation
    assert summary.evidence["foreground_fraction"] == np.mean([mask == 255 for mask in masks])


def test_two_levels_with_some_masks_of_one_level_only_are_no_inverted_polarity(tmp_path):
    """As above, but 2 of 12 images hold no object (their masks all 255), and a two-colour
    ADE20K-like set (person (70, 39, 2) on wall (110, 162, 1)) with one image without the
    person: the masks were no longer all of two values, and the headline went back to
    "Possible inverted polarity" (session 31's review)."""
    grey, colour = [], []
    for shift in range(12):
        mask = np.full((48, 64), 255, np.uint8)
        if shift % 6:
            mask[8:30, 4 + 3 * shift:16 + 3 * shift] = 127
        grey.append(mask)
        scene = np.zeros((48, 64, 3), np.uint8)
        scene[...] = (110, 162, 1)
        if shift != 3:
            scene[8:30, 4 + 3 * shift:16 + 3 * shift] = (70, 39, 2)
        colour.append(scene)
    for name, masks, low, high, alone in (("grey", grey, 127, 255, "2 masks hold"),
                                          ("colour", colour, 70, 162, "1 mask holds")):
        report = audit(*write(tmp_path / name, masks))
        mostly = by_id(report)["imbalance.mostly_foreground"]
        assert "inverted polarity" not in report.headline + mostly.explanation
        assert mostly.evidence["two_levels"] == [low, high]
        assert f"({alone} one of them only)" in mostly.explanation
        assert "the masks hold" in report.headline
        assert f"if the object is at {low}, decode with --mask-polarity dark" in report.headline


def test_a_mask_of_one_colour_alone_is_no_soft_label(tmp_path):
    """The two-colour ADE20K-like set above, one image all wall (110, 162, 1): its mask holds
    one value, 162 on the brightest channel, over the whole image, and mask.non_binary said
    "the rest are spread through whole regions: soft labels, probability maps, or photographs
    used as masks" (session 31's review)."""
    masks = []
    for shift in range(12):
        scene = np.zeros((48, 64, 3), np.uint8)
        scene[...] = (110, 162, 1)
        if shift != 3:
            scene[8:30, 4 + 3 * shift:16 + 3 * shift] = (70, 39, 2)
        masks.append(scene)
    non_binary = by_id(audit(*write(tmp_path, masks)))["mask.non_binary"]
    assert "soft labels, probability maps" not in non_binary.explanation
    assert "It holds one value over the whole mask" in non_binary.explanation
    assert [name.rsplit("/", 1)[-1] for name in non_binary.files] == ["003.png"]
