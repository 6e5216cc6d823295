"""``mask.interpolated_labels``: a label map's value lying in thin rims between two others,
as a resize by interpolation leaves it (the numbers: :mod:`unetdiag.diag.data.label_rims`)."""

from __future__ import annotations

from typing import Any

from unetdiag.diag.audit.findings import audit_finding
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import join_names, percent, plural, verb

#: Where the encoding was seen: the TensorFlow segmentation tutorial's trimaps.
SOURCE_THREAD = "tensorflow/docs#2159"


def rims_clause(rims: dict[str, Any]) -> str:
    """The exception to "each covering whole regions" for ``mask.label_map``'s layout.

    >>> rims_clause({"rims": [{"value": 2, "between": [1, 3]}]})[:71]
    'covering whole regions, except 2, which also lies in rims one pixel wid'
    """
    parts = [f"{entry['value']}, which also lies in rims one pixel wide between "
             f"{entry['between'][0]} and {entry['between'][1]}" for entry in rims["rims"]]
    return f"covering whole regions, except {join_names(parts)} (see mask.interpolated_labels)"


def interpolated_labels_finding(rims: dict[str, Any]) -> Finding:
    """``mask.interpolated_labels`` (warning): values of the label maps that lie in thin rims
    between a lower and a higher value
    (:func:`~unetdiag.diag.data.label_rims.interpolation_rims`), consistent with maps resized
    by interpolation (then those rim pixels are no objects of their value)."""
    entries = rims["rims"]
    measured = rims["masks_measured"]
    named = join_names([f"{entry['value']} between {entry['between'][0]} and "
                        f"{entry['between'][1]}" for entry in entries])
    held = " ".join(
        f"{entry['rim_pixels']} pixels of {entry['value']} "
        f"({percent(entry['rim_pixels'] / entry['pixels'])} of its pixels there) have in "
        "their 3 x 3 neighbourhood both a value below and one above it, mostly "
        f"{entry['between'][0]} and {entry['between'][1]}, while values below "
        f"and above it touch directly at {entry['jumps']} pixel contacts: rim pixels are "
        f"{percent(entry['rim_share'])} of the two counts together (read as rims from "
        f"{percent(rims['rim_share_needed'])})."
        for entry in entries)
    return audit_finding(
        "mask.interpolated_labels", Severity.WARNING,
        f"{plural(rims['masks_with_rims'], 'label map')} of the {measured} read again "
        f"{verb(rims['masks_with_rims'], 'holds', 'hold')} {named} in thin rims, consistent "
        "with a resize by interpolation",
        f"In the {plural(measured, 'label map')} read again (of {rims['masks']}): {held} "
        "Resizing a label map with bilinear or bicubic interpolation leaves such rims: it "
        "averages two labels into a number between them along their boundary, a label "
        f"nobody drew ({SOURCE_THREAD}: the TensorFlow segmentation tutorial's trimaps held "
        "values between its classes until they were resized with nearest neighbour). A "
        "boundary class a pixel wide, drawn between two classes numbered on either side of "
        "it, reads the same, so the numbers are consistent with an interpolated resize; they "
        "do not prove it. If it was one, those rim pixels are no objects of their value and "
        "train as whatever the policy makes of it.",
        "If the label maps were resized, resize them again from the originals with "
        "nearest-neighbour interpolation (Pillow Image.NEAREST, cv2.INTER_NEAREST, "
        "tf.image.resize(..., method='nearest')); if the rims are a class you drew, nothing "
        "needs doing.",
        {key: value for key, value in rims.items() if key != "files"},
        rims["files"])
