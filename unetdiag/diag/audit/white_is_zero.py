"""Masks read mostly foreground because their TIFF says white is zero: ImageJ and Fiji save a
binary mask with an inverting LUT as an 8-bit TIFF tagged ``PhotometricInterpretation`` 0
(WhiteIsZero), objects stored 255 and shown black (MouseLand/cellpose#9: "ImageJ/FIJI masks
are black&white 8bit images with inverting LUT (white is 0 and black is 255)"). Pillow, which
unetdiag and ``train`` read with, inverts such a file on reading, so its objects read 0 and the
background 255: inverted polarity with a known cause. Told from the headers of a few of the
listed masks; ``imbalance.mostly_foreground`` and the headline then name it. Where no such
finding names it (objects that read small once inverted: the background of large objects
gathered at the border reads as the object), ``mask.white_is_zero`` (info) says what the tag
does, from a few TIFF masks' headers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from PIL import Image

from unetdiag.diag.audit.findings import audit_finding
from unetdiag.diag.audit.tally import AuditTally
from unetdiag.diag.checks.masks_wording import other_class_option
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import capitalised, plural

#: TIFF tag 262, PhotometricInterpretation; 0 is WhiteIsZero.
PHOTOMETRIC_TAG = 262
WHITE_IS_ZERO = 0
#: At most this many listed masks have their header opened.
OPENED_MASKS = 5


#: Extensions of the masks whose headers ``mask.white_is_zero`` opens.
TIFF_EXTENSIONS = (".tif", ".tiff")
#: The modes Pillow gives the WhiteIsZero TIFFs it inverts (1 to 8 bits: rawmodes "1;I",
#: "L;2I", "L;4I", "L;I"); a 16-bit or float one it reads as stored ("I;16", "F;32F"), so
#: the tag changes nothing there for unetdiag and train.
INVERTED_MODES = ("1", "L")


def _tagged_files(paths: Sequence[str]) -> tuple[list[str], int]:
    """``(tagged, opened)``: of the first :data:`OPENED_MASKS` files of ``paths`` (page
    references taken as their file) that open, those that are TIFFs tagged WhiteIsZero that
    Pillow inverts (:data:`INVERTED_MODES`), and how many opened."""
    tagged, opened = [], 0
    for path in paths[:OPENED_MASKS]:
        try:
            with Image.open(str(path).split("#", 1)[0]) as image:
                opened += 1
                tags = getattr(image, "tag_v2", None)
                if (image.format == "TIFF" and image.mode in INVERTED_MODES
                        and tags is not None and tags.get(PHOTOMETRIC_TAG) == WHITE_IS_ZERO):
                    tagged.append(str(path))
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
    return tagged, opened


def white_is_zero_count(paths: Sequence[str]) -> tuple[int, int]:
    """``(tagged, opened)``: of the first :data:`OPENED_MASKS` files of ``paths`` that open,
    how many are TIFFs tagged WhiteIsZero that Pillow inverts."""
    tagged, opened = _tagged_files(paths)
    return len(tagged), opened


def white_is_zero_findings(tally: AuditTally, findings: Sequence[Finding]) -> list[Finding]:
    """``mask.white_is_zero`` (info) when some of the TIFF masks read (up to
    :data:`OPENED_MASKS` of them, spread over the set) are tagged WhiteIsZero and no other
    finding names the tag already; [] otherwise."""
    if any("white_is_zero" in finding.evidence for finding in findings):
        return []
    read = [path for path, ok in zip(tally.mask_paths, tally["mask_read"].tolist(), strict=True)
            if ok and str(path).split("#", 1)[0].lower().endswith(TIFF_EXTENSIONS)]
    if not read:
        return []
    spread = np.unique(np.linspace(0, len(read) - 1, min(OPENED_MASKS, len(read))).astype(int))
    tagged, opened = _tagged_files([read[index] for index in spread.tolist()])
    if not tagged:
        return []
    return [audit_finding(
        "mask.white_is_zero", Severity.INFO,
        f"{len(tagged)} of {plural(opened, 'TIFF mask')} opened "
        f"{'is' if len(tagged) == 1 else 'are'} tagged WhiteIsZero",
        f"{len(tagged)} of the {plural(opened, 'TIFF mask')} whose headers were opened (of "
        f"{len(read)} read) {'is' if len(tagged) == 1 else 'are'} tagged WhiteIsZero "
        "(PhotometricInterpretation 0). Pillow, which unetdiag and train read with, inverts "
        "such a file on reading: a stored 255 reads as 0 and a stored 0 as 255, while tools "
        "that read the stored values (tifffile) see the other polarity. ImageJ and Fiji save "
        "a binary mask with an inverting LUT so, its objects stored 255 and shown black; read "
        "by Pillow, those objects are background. Which the files' author meant, the tag "
        "cannot say.",
        "Look at a listed mask beside its image as unetdiag reads it (black is background): "
        "if the objects read as background, decode with --mask-polarity dark, or re-save "
        "the masks without the inverting LUT.",
        {"tagged": len(tagged), "opened": opened, "tiff_masks_read": len(read)}, tagged)]


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
