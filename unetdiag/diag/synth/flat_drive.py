"""DRIVE's three folders copied into one, as users make it (issue 14): per key ``n``
(from 21) the image ``<n>_training.png``, its vessel annotation ``<n>_manual1.png`` and its
field-of-view disc ``<n>_training_mask.png``, side by side in ``images/``; and its test set
in one folder with two annotators' vessels (:func:`flat_drive_test_folder`).

Simulates: DRIVE flattened. Shows: the default suffix ``_mask`` pairs the discs, so two
sets of masks name the same images; the key pattern ``{key}_manual1`` must pair the
annotations although ``21_training_mask`` also starts with the key ``21``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

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


def flat_drive_test_folder(case: CaseFiles, rng: np.random.Generator,
                           discs: bool = False) -> list[Path]:
    """DRIVE's test set in one folder, as mirrors distribute it: per key ``n`` (01, 02 ...)
    the image ``<n>_test.png`` beside two annotators' vessels, ``<n>_manual1.png`` (the mask)
    and ``<n>_manual2.png`` (the mask moved one pixel right: a second observer), and with
    ``discs`` the field-of-view disc ``<n>_test_mask.png``.

    Simulates: DRIVE's test set flattened. Shows: both annotations name the image by its key
    ``01``; neither may be read as an image, and the one not used is named with its option.
    """
    changed = []
    for index, (image, mask) in enumerate(zip(case.images, case.masks, strict=True)):
        key = f"{index + 1:02d}"
        case.images[index] = image.replace(image.with_name(f"{key}_test{image.suffix}"))
        case.masks[index] = mask.replace(image.with_name(f"{key}_manual1{mask.suffix}"))
        second = image.with_name(f"{key}_manual2.png")
        Image.fromarray(np.roll(read_grey(case.masks[index]), 1, axis=1)).save(second)
        changed += [case.images[index], case.masks[index], second]
        if discs:
            changed.append(_fov_disc(image.with_name(f"{key}_test_mask.png"),
                                     read_grey(case.images[index]).shape, rng))
    case.layout.mask_suffixes = ()
    return changed
