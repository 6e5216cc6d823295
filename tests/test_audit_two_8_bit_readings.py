"""Class maps of many classes (ADE20K's 150 class numbers in a PNG of mode L) fall on two
8-bit scales by how many classes each scene holds: a mask holding many numbers close
together is read as label numbers (threshold 255, every number background), one holding few
as grey levels (threshold 127.5, numbers past 127 foreground). mask.mixed_scales said only
"(e.g. some 0/1, others 0/255) ... `/ 255` or a threshold of 127 empties the 0/1 masks" and
proposed re-saving the masks as 0/255; it now says which values the two readings part and
proposes one policy for every mask."""

from __future__ import annotations

from helpers import audit_pairs, finding, ids, numbered_discs, write_mask_pairs

from unetdiag.diag.data.decoding import inspect_mask_values
from unetdiag.diag.data.policy import MaskPolicy

MANY = [*range(1, 30), 140]  # a scene of 30 classes, 140 among them
FEW = [1, 3, 140]  # a scene of 3


def test_class_maps_on_two_8_bit_readings_are_told_apart_by_threshold(tmp_path):
    scales = {inspect_mask_values(numbered_discs(numbers), "PNG", "L", MaskPolicy()).encoding.scale
              for numbers in (MANY, FEW)}
    assert scales == {"uint8", "uint8_labels"}
    images, masks = write_mask_pairs(tmp_path, [numbered_discs(MANY), numbered_discs(FEW)] * 2)
    report = audit_pairs(images, masks)
    mixed = finding(report, "mask.mixed_scales")
    assert mixed.severity.value == "warning"
    assert "read as label numbers (threshold 255: every number background)" in mixed.explanation
    assert "read as grey levels (threshold 127.5" in mixed.explanation
    assert "some 0/1, others 0/255" not in mixed.explanation
    assert mixed.fix.startswith("Choose one reading for every mask: --mask-threshold 0 if")
    assert "Re-save all masks on one scale" not in mixed.fix
    # a policy reads a stored value alike in every 8-bit mask: one scale, no warning
    given = audit_pairs(images, masks, MaskPolicy(foreground_values=(140,)))
    assert "mask.mixed_scales" not in ids(given)


def test_label_map_says_per_reading_which_values_the_policy_makes_foreground(tmp_path):
    """mask.label_map said one reading for every mask ("31 values ... are background"), true
    of the masks read as label numbers only: 140 is foreground in those read as grey levels."""
    images, masks = write_mask_pairs(tmp_path, [numbered_discs(MANY), numbered_discs(FEW)] * 2)
    label_map = finding(audit_pairs(images, masks), "mask.label_map")
    text = label_map.explanation
    assert [(row["scale"], row["masks"], row["threshold"], row["classes"]["140"])
            for row in label_map.evidence["in_force_by_scale"]] == [
        ("uint8_labels", 2, 255.0, "background"), ("uint8", 2, 127.5, "foreground")]
    assert "a value is not read alike in every mask: in the 2 masks on the uint8_labels " \
        "scale (threshold 255), 31 values (0, 1, 2, 3" in text
    assert "in the 2 masks on the uint8 scale (threshold 127.5), 140 is foreground; 0, 1 and " \
        "3 are background." in text
    # one reading for every mask: one statement, as before
    alike = write_mask_pairs(tmp_path / "alike", [numbered_discs(MANY)] * 2)
    label_map = finding(audit_pairs(*alike), "mask.label_map")
    text = label_map.explanation
    assert label_map.evidence["in_force_by_scale"] is None
    assert "not read alike" not in text and "31 values (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, " \
        "11, ...) are background." in text
