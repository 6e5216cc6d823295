"""``mask.interpolated_labels``: a label map's value lying in thin rims between two others,
as a resize by interpolation leaves it (the numbers: :mod:`unetdiag.diag.data.label_rims`)."""

from __future__ import annotations

from typing import Any

from unetdiag.diag.audit.findings import audit_finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names, percent, plural, verb

#: Where the encoding was seen: the TensorFlow segmentation tutorial's trimaps.
SOURCE_THREAD = "tensorflow/docs#2159"


def _inner_share(entry: dict[str, Any]) -> str:
    """"None" or "Only 4.2 %": the share of a value's pixels inside regions of its own."""
    return "None" if not entry["inner_share"] else f"Only {percent(entry['inner_share'])}"


def rims_phrase(entry: dict[str, Any]) -> str:
    """How one value of :func:`~unetdiag.diag.data.label_rims.interpolation_rims` lies: also in
    thin rims (it covers regions too), or thin everywhere, with the share of it in rims.

    >>> rims_phrase({"value": 1, "between": [0, 2], "thin_everywhere": True,
    ...              "rim_pixels": 85, "pixels": 100})
    'is thin everywhere (85 % of its pixels in rims between 0 and 2)'
    """
    ends = f"between {entry['between'][0]} and {entry['between'][1]}"
    if entry["thin_everywhere"]:
        return (f"is thin everywhere ({percent(entry['rim_pixels'] / entry['pixels'])} of its "
                f"pixels in rims {ends})")
    return f"also lies in thin rims {ends}"


def rims_clause(rims: dict[str, Any]) -> str:
    """The exception to "each covering whole regions" for ``mask.label_map``'s layout (a value
    thin everywhere, as a drawn contour class is, covers no region).

    >>> rims_clause({"rims": [{"value": 2, "between": [1, 3], "thin_everywhere": False}]})[:78]
    'covering whole regions, except 2, which also lies in thin rims between 1 and 3'
    """
    parts = [f"{entry['value']}, which {rims_phrase(entry)}" for entry in rims["rims"]]
    return f"covering whole regions, except {join_names(parts)} (see mask.interpolated_labels)"


def interpolated_labels_finding(rims: dict[str, Any]) -> Finding:
    """``mask.interpolated_labels``: values of the label maps that lie in thin rims between a
    lower and a higher value (:func:`~unetdiag.diag.data.label_rims.interpolation_rims`),
    consistent with maps resized by interpolation (then those rim pixels are no objects of
    their value). A warning while some such value also covers regions of its own; info when
    every one is thin everywhere, as a boundary class drawn between two others is (a nuclei
    map's 1-pixel contour numbered between background and cell)."""
    entries = rims["rims"]
    drawn_alike = all(entry["thin_everywhere"] for entry in entries)
    measured = rims["masks_measured"]
    named = join_names([f"{entry['value']} between {entry['between'][0]} and "
                        f"{entry['between'][1]}" for entry in entries])
    held = " ".join(
        f"{entry['rim_pixels']:,} pixels of {entry['value']} "
        f"({percent(entry['rim_pixels'] / entry['pixels'])} of its pixels there) lie between "
        "a value below and one above it (both in their 3 x 3 neighbourhood, or at the two "
        "ends of a run of two along a row or column), mostly "
        f"{entry['between'][0]} and {entry['between'][1]}, while values below and above it "
        + (f"touch directly at {entry['jumps']} pixel contacts" if entry["jumps"]
           else "never touch directly")
        + ": rim pixels are "
        f"{percent(entry['rim_share'])} of the two counts together (read as rims from "
        f"{percent(rims['rim_share_needed'])})."
        + (f" {_inner_share(entry)} of the pixels of {entry['value']} lie inside a region of "
           "its own (3 x 3 neighbourhood all its value): it is thin everywhere, as "
           f"a boundary class drawn between {entry['between'][0]} and {entry['between'][1]} is,"
           f" and as values averaged into maps that never held {entry['value']} are."
           if entry["thin_everywhere"] else "")
        for entry in entries)
    return audit_finding(
        "mask.interpolated_labels", Severity.INFO if drawn_alike else Severity.WARNING,
        f"{plural(rims['masks_with_rims'], 'label map')} of the {measured} read again "
        f"{verb(rims['masks_with_rims'], 'holds', 'hold')} {named}"
        + (", thin everywhere, consistent with a boundary class drawn there or with a resize "
           "by interpolation" if drawn_alike else
           " in thin rims, consistent with a resize by interpolation"),
        f"In the {plural(measured, 'label map')} read again (of {rims['masks']}): {held} "
        "Resizing a label map with bilinear or bicubic interpolation leaves such rims: it "
        "averages two labels into a number between them along their boundary, a label "
        f"nobody drew ({SOURCE_THREAD}: the TensorFlow segmentation tutorial's trimaps held "
        "values between its classes until they were resized with nearest neighbour). "
        + ("A thin boundary class drawn between two classes numbered on either side of it "
           "reads the same, so the numbers are consistent with either; they prove neither."
           if drawn_alike else
           "A class drawn as thin lines between two classes numbered on either side of it, "
           "besides its own regions, would read the same, so the numbers are consistent with "
           "an interpolated resize; they do not prove it.")
        + " If the maps were resized so, those rim pixels are no objects of their value and "
        "train as whatever the policy makes of it.",
        "If the label maps were resized, resize them again from the originals with "
        "nearest-neighbour interpolation (Pillow Image.NEAREST, cv2.INTER_NEAREST, "
        "tf.image.resize(..., method='nearest')); if the rims are a class you drew, nothing "
        "needs doing.",
        {key: value for key, value in rims.items() if key != "files"},
        rims["files"])
