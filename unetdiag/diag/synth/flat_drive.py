"""DRIVE's three folders copied into one, as users make it (issue 14): per key ``n``
(from 21) the image ``<n>_training.png``, its vessel annotation ``<n>_manual1.png`` and its
field-of-view disc ``<n>_training_mask.png``, side by side in ``images/``.

Simulates: DRIVE flattened. Shows: the default suffix ``_mask`` pairs the discs, so two
sets of masks name the same images; the key pattern ``{key}_manual1`` must pair the
annotations although ``21_training_mask`` also starts with the key ``21``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from unetdiag.diag.synth.case import CaseFiles, read_grey
from unetdiag.diag.synth.layouts import FIRST_DRIVE_NUMBER, _fov_disc


def flat_drive_folder(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Images renamed ``<n>_training.png``, masks ``<n>_manual1.png`` beside them, and a
    field-of-view disc ``<n>_training_mask.png`` for each (0/255, radius 0.45 of the side,
    give or take a pixel); the layout gives no suffix (unetdiag's default names)."""
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        key = FIRST_DRIVE_NUMBER + index
        case.images[index] = image.replace(image.with_name(f"{key}_training{image.suffix}"))
        case.masks[index] = mask.replace(image.with_name(f"{key}_manual1{mask.suffix}"))
        changed += [case.images[index], case.masks[index],
                    _fov_disc(image.with_name(f"{key}_training_mask.png"),
                              read_grey(case.images[index]).shape, rng)]
    case.layout.mask_suffixes = ()
    return changed
