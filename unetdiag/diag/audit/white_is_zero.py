"""Masks read mostly foreground because their TIFF says white is zero: ImageJ and Fiji save a
binary mask with an inverting LUT as an 8-bit TIFF tagged ``PhotometricInterpretation`` 0
(WhiteIsZero), objects stored 255 and shown black (MouseLand/cellpose#9: "ImageJ/FIJI masks
are black&white 8bit images with inverting LUT (white is 0 and black is 255)"). Pillow, which
unetdiag and ``train`` read with, inverts such a file on reading, so its objects read 0 and the
background 255: inverted polarity with a known cause. Told from the headers of a few of the
listed masks; ``imbalance.mostly_foreground`` and the headline then name it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PIL import Image

from unetdiag.diag.checks.masks_wording import other_class_option
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.wording.text import capitalised, plural

#: TIFF tag 262, PhotometricInterpretation; 0 is WhiteIsZero.
PHOTOMETRIC_TAG = 262
WHITE_IS_ZERO = 0
#: At most this many listed masks have their header opened.
OPENED_MASKS = 5


def white_is_zero_count(paths: Sequence[str]) -> tuple[int, int]:
    """``(tagged, opened)``: of the first :data:`OPENED_MASKS` files of ``paths`` (page
    references taken as their file) that open, how many are TIFFs tagged WhiteIsZero."""
    tagged = opened = 0
    for path in paths[:OPENED_MASKS]:
        try:
            with Image.open(str(path).split("#", 1)[0]) as image:
                opened += 1
                tags = getattr(image, "tag_v2", None)
                tagged += (image.format == "TIFF" and tags is not None
                           and tags.get(PHOTOMETRIC_TAG) == WHITE_IS_ZERO)
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
    return tagged, opened


def white_is_zero_sentence(evidence: dict) -> str:
    """The cause, as the finding says it (evidence ``white_is_zero``)."""
    opened = evidence["opened"]
    files = "file" if opened == 1 else "files"
    return (f"The {opened} listed {files} opened {'is a TIFF' if opened == 1 else 'are TIFFs'} "
            "tagged WhiteIsZero (PhotometricInterpretation 0), "
            "as ImageJ and Fiji save a binary mask with an inverting LUT (white is 0, black "
            "255): Pillow, which unetdiag and train read with, inverts such a file on reading, "
            "so what it stores as 255 reads as 0. Tools that read the stored values (tifffile) "
            "see the other polarity.")


def white_is_zero_mostly_foreground(finding: Finding) -> Finding:
    """``imbalance.mostly_foreground`` whose listed masks (those opened, all of them) are TIFFs
    tagged WhiteIsZero: the cause named, in the evidence and the explanation. Returned
    unchanged otherwise, and when the background gathers along the border (large objects)."""
    if finding.id != "imbalance.mostly_foreground":
        return finding
    placement = finding.evidence.get("background_placement")
    if placement is not None and placement["verdict"] == "large objects":
        return finding
    tagged, opened = white_is_zero_count(finding.files)
    if not opened or tagged != opened:
        return finding
    evidence = {"tagged": tagged, "opened": opened}
    return dataclasses.replace(
        finding, evidence={**finding.evidence, "white_is_zero": evidence},
        explanation=f"{finding.explanation} {white_is_zero_sentence(evidence)}",
        fix=(f"{capitalised(other_class_option(finding.evidence))} (the "
             f"{plural(opened, 'file')} opened read inverted), or re-save the masks without the "
             "inverting LUT so that every reader sees the object at 255."))
