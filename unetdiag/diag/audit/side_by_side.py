"""Masks that are their image and a second picture side by side: a visualisation, not labels.

Supervisely's export writes ``masks_human/`` beside ``masks_machine/``: "stacked original
images with that images having class colors above" (docs.supervise.ly/export/save_masks), the
image and a tinted copy in one file twice as wide. Given as the masks, each pair fails the
size check, and the mask's values are a photograph's. ``pairing.mask_is_side_by_side`` (error)
names the cause instead of ``geometry.size_mismatch``'s "a crop, a downsampled copy, another
image": a mask exactly twice its image's width or height whose one half is the image
(:meth:`~unetdiag.diag.audit.tally.AuditTally.mask_is_side_by_side`, measured by
:func:`~unetdiag.diag.audit.similarity.half_differences`). Such pairs are left out of the size
check, of the findings about mask storage, label values and objects
(``mask.unusual_encoding`` when only pictures are so stored, ``mask.lossy``,
``mask.non_binary``, ``mask.threshold_sensitive``, ``imbalance.*``, ``baseline.*``) and of the
summary's foreground, threshold and baseline tables, which would describe a photograph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.similarity import HALF_COMPARISON_BLOCKS, HALF_NAMES
from unetdiag.diag.audit.tally import HALF_EQUAL_DIFFERENCE, AuditTally
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import plural, verb

#: Supervisely's folder of class-colour label masks, beside ``masks_human/``.
SUPERVISELY_LABEL_FOLDER = "masks_machine"


def _layout_words(tally: AuditTally, indices: np.ndarray) -> str:
    """``"twice as wide, left half equal to the image"`` for the pairs at ``indices`` (or
    ``"twice as wide or tall, one half ..."`` when they differ)."""
    columns = tally.columns
    axes = (columns["mask_width"][indices] == 2 * columns["image_width"][indices]).astype(int)
    first = (columns["first_half_difference"][indices]
             <= columns["second_half_difference"][indices])
    shape = {(1,): "twice as wide", (0,): "twice as tall"}.get(
        tuple(np.unique(axes).tolist()), "twice as wide or tall")
    halves = {HALF_NAMES[axis][0 if is_first else 1]
              for axis, is_first in zip(axes.tolist(), first.tolist(), strict=True)}
    half = halves.pop() if len(halves) == 1 else "one"
    return f"{shape}, {half} half equal to the image"


def _label_folder(mask_path: str) -> Path | None:
    """Supervisely's ``masks_machine/`` beside the folder holding ``mask_path``, if there."""
    folder = Path(mask_path).parent
    sibling = folder.parent / SUPERVISELY_LABEL_FOLDER
    return sibling if folder.name != SUPERVISELY_LABEL_FOLDER and sibling.is_dir() else None


def _per_file(tally: AuditTally, index: int) -> dict[str, Any]:
    """One pair's sizes and how far each half of its mask is from the image."""
    columns = tally.columns
    wide = bool(columns["mask_width"][index] == 2 * columns["image_width"][index])
    names = HALF_NAMES[1 if wide else 0]
    return {
        "mask": tally.mask_paths[index], "image": tally.image_paths[index],
        "mask_size": f"{columns['mask_width'][index]}x{columns['mask_height'][index]}",
        "image_size": f"{columns['image_width'][index]}x{columns['image_height'][index]}",
        f"{names[0]}_half_difference": float(columns["first_half_difference"][index]),
        f"{names[1]}_half_difference": float(columns["second_half_difference"][index]),
        "image_spread": float(columns["image_spread"][index])}


def side_by_side_findings(tally: AuditTally) -> list[Finding]:
    """``pairing.mask_is_side_by_side``: masks that hold their image in one half."""
    chosen = tally.mask_is_side_by_side()
    if not chosen.any():
        return []
    columns = tally.columns
    paths = tally.mask_paths
    closest = np.fmin(columns["first_half_difference"], columns["second_half_difference"])
    count, listed = tally.select(chosen, closest)  # the least close first
    layout = _layout_words(tally, np.flatnonzero(chosen))
    worst = int(listed[0])
    worst_row = _per_file(tally, worst)
    halves = [key for key in worst_row if key.endswith("_half_difference")]
    matching, other = sorted(halves, key=lambda key: worst_row[key])
    labels = _label_folder(paths[worst])
    fix = ("Point the mask folder at the label masks the export wrote beside these "
           "pictures, not at the visualisations")
    fix += (f": here {labels} (Supervisely's masks_machine/, one grey level per class), "
            f"e.g. --masks {labels}." if labels is not None else
            " (Supervisely: masks_machine/, one grey level per class); if the other half of "
            "each file is its label (image|label pairs in one file, as pix2pix datasets "
            "store them), crop that half into a mask folder.")
    return [audit_finding(
        "pairing.mask_is_side_by_side", Severity.ERROR,
        f"{plural(count, 'mask')} {verb(count, 'is its image', 'are their images')} and a "
        f"second picture side by side ({layout}): pictures, not label masks",
        f"Each of these masks is exactly twice its image's width or height, and one half of it "
        f"is the image: on grey copies reduced to at most {HALF_COMPARISON_BLOCKS} blocks, that "
        f"half is within {HALF_EQUAL_DIFFERENCE} grey levels of the image on average, while the "
        "image varies by more than twice that (measured: JPEG at quality 50 moved reduced "
        "noisy photographs by up to 0.87 grey levels and DRIVE and ISBI images by up to "
        "0.28; the closest two different DRIVE images differ by 4.0). "
        f"Least close of them: {paths[worst]}, {worst_row['mask_size']} for a "
        f"{worst_row['image_size']} image, its {matching.split('_')[0]} half "
        f"{worst_row[matching]:.2f} grey levels from the image and its "
        f"{other.split('_')[0]} half {worst_row[other]:.2f}. Annotation "
        "exports draw such pictures for people to look at: Supervisely's masks_human/ holds "
        "each image beside a copy tinted with the class colours; a pix2pix-style dataset "
        "stores each image beside its label in one file. Half their values are a "
        "photograph's, so the audit leaves them out of the size check, of the findings on "
        "mask storage, values, foreground and objects, and of the foreground and baseline "
        "tables. A pipeline that resizes masks to its input would "
        "squeeze both halves into one frame: the labels would be a threshold of a squashed "
        "photograph.",
        fix,
        {"masks": count, "layout": layout, "half_equal_difference": HALF_EQUAL_DIFFERENCE,
         "comparison_blocks": HALF_COMPARISON_BLOCKS,
         "label_folder": None if labels is None else str(labels),
         "per_file": [_per_file(tally, index) for index in listed.tolist()]},
        listed_names(paths, listed))]
