"""The batch audit's findings: what it counted in the received batches, put into sentences."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import plural
from unetdiag.training.callbacks.base import stopped_title

#: Label problems the step counts in every batch: (finding id, count key, severity, wording).
COUNTED_LABEL_PROBLEMS = (
    ("labels.non_finite", "label_non_finite", Severity.ERROR, "NaN or infinite"),
    ("labels.out_of_range", "label_out_of_range", Severity.ERROR, "outside [0, 1]"),
    ("labels.non_binary", "label_non_binary", Severity.WARNING, "strictly between 0 and 1"),
)
LABEL_FIXES = {
    "labels.non_finite": "Find the mask and re-export it; never normalise a mask by its own "
                         "maximum (an empty mask gives 0/0).",
    "labels.out_of_range": "Bring masks to {0, 1}: threshold 0/255 masks (mask > 127) or "
                           "divide by 255 (unetdiag's MaskPolicy does this).",
    # seen in the counts only: where the values sit (a resize's rim, or fading) is unknown
    "labels.non_binary": "If the masks were resized or saved as JPEG, resize them with "
                         "nearest-neighbour and store them losslessly (PNG); if they are soft "
                         "labels or probability maps, binarise them at a threshold chosen on "
                         "purpose (--mask-threshold).",
}


def of_checked_batches(finding: Finding, batches: int) -> Finding:
    """A finding about the masks of the checked batches, titled so: augmented copies are
    counted, so their number is not the dataset's number of masks."""
    return dataclasses.replace(finding, title=(
        f"{finding.title}, in the {plural(batches, 'batch', 'batches')} checked while training"))


def counted_label_finding(finding_id: str, severity: Severity, what: str, count: int,
                          values: Mapping[str, float], epoch: int, batch: int,
                          source: str) -> Finding:
    """A label problem seen only in the step's counts (the batch was not copied)."""
    return Finding(
        id=finding_id, severity=severity,
        title=f"{count} label pixels in a training batch are {what}",
        explanation=(f"Batch {batch + 1} of epoch {epoch + 1}, as fit() received "
                     f"it, held {count} label pixels that are {what} (labels range "
                     f"from {values['label_min']:g} to {values['label_max']:g}). The "
                     "batch was not copied for a full check; the counts come from the "
                     "train step itself."),
        fix=LABEL_FIXES[finding_id],
        evidence={"pixels": count, "label_min": values["label_min"],
                  "label_max": values["label_max"], "from_step_counts": True},
        source=source)


def non_finite_inputs_finding(count: int, images: Sequence[int], epoch: int, batch: int,
                              source: str) -> Finding:
    """``batch.non_finite_inputs``: ``count`` NaN/Inf input values, in ``images`` if known."""
    in_images = f" in image(s) {list(images)} of the batch" if images else ""
    return Finding(
        id="batch.non_finite_inputs", severity=Severity.ERROR,
        title=f"A training batch held {count} NaN/Inf input value(s)",
        explanation=(f"Batch {batch + 1} of epoch {epoch + 1}, as fit() received it, held "
                     f"{count} "
                     f"non-finite input value(s){in_images}. On a CPU with oneDNN a fused "
                     "convolution can turn such a NaN into 0 in the loss while the first "
                     "kernel's gradient turns NaN."),
        fix=("Find the corrupt image or the normalisation that divides by zero; "
             "unetdiag audit-data checks every file."),
        evidence={"epoch": epoch, "batch": batch, "non_finite_values": count,
                  "images_in_batch": list(images)}, source=source)


def audit_stopped_finding(cause: Finding, where: Mapping[str, int], source: str) -> Finding:
    """``batch.stopped``: the audit stopped the run on the label finding ``cause``."""
    return Finding(
        id="batch.stopped", severity=Severity.ERROR,
        title=stopped_title(where["epoch"], where["batch"], cause.id),
        explanation=(f"The batch audit stopped the run because the labels fit() received "
                     f"are wrong: {cause.title}. Training on them cannot give meaningful "
                     "numbers."),
        fix=cause.fix, evidence={"cause": cause.id, **where}, source=source)
