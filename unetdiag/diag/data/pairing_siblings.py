"""Folders beside a mask folder holding files of its masks' names
(:func:`sibling_masks`, ``pairing.sibling_masks``): named when one file of each reads as a
mask; a folder whose files hold every mask read inside a larger region (DRIVE's
field-of-view discs) is said to be that, and no merge is proposed."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data import pairing_findings as words
from unetdiag.diag.data.decoding import decode_mask
from unetdiag.diag.data.folders import list_folder
from unetdiag.diag.data.reading import ImageReadError, load_mask_values
from unetdiag.diag.wording.text import join_names, plural
from unetdiag.exitcodes import UserError

#: Folder names of a model's outputs: files named as the masks, but not masks to train on.
PREDICTION_FOLDER = re.compile(r"pred|output|result|infer", re.IGNORECASE)
#: A file holding at most this many distinct values in one channel reads as a mask (a label
#: map of up to this many classes); photos and probability maps hold more.
MAX_MASK_VALUES = 32


def mask_values_held(folder: Path, names: Collection[str]) -> tuple[str, int] | None:
    """``(file name, distinct values)`` of the first file of ``folder`` named as one of
    ``names`` when it reads as a mask: one channel (or equal ones) of at most
    :data:`MAX_MASK_VALUES` values; None for a picture, a probability map, an unreadable
    file or a folder named for a model's outputs (:data:`PREDICTION_FOLDER`)."""
    if PREDICTION_FOLDER.search(folder.name):
        return None
    try:
        path = next(path for path in list_folder(folder, "mask", require_files=False).files
                    if path.stem in names)
    except (StopIteration, UserError, OSError):
        return None
    count = mask_value_count(path)
    return None if count is None else (path.name, count)


def mask_value_count(path: Path) -> int | None:
    """The distinct values of ``path`` when it reads as a mask: one channel (or equal ones,
    alpha apart) of at most :data:`MAX_MASK_VALUES` values; None for a picture, a
    probability map or an unreadable file."""
    try:
        values = load_mask_values(path)
    except (ImageReadError, OSError):
        return None
    if values.ndim == 3:
        if values.shape[2] in (2, 4):  # alpha apart
            values = values[..., :-1]
        if values.shape[2] > 1 and not (values == values[..., :1]).all():
            return None
        values = values[..., 0]
    count = len(np.unique(values))
    return count if count <= MAX_MASK_VALUES else None


#: Same-name files of a sibling folder and of the mask folder read to judge containment
#: (masks with foreground; empty ones are passed over, at most :data:`CONTAINMENT_SCAN`).
CONTAINMENT_READ = 4
#: Masks looked at, empty ones included, to find :data:`CONTAINMENT_READ` with foreground.
CONTAINMENT_SCAN = 16
#: Share of a mask's foreground that must lie inside the sibling file: DRIVE's vessel
#: annotations reach past the field-of-view disc by up to 0.3 % of their pixels.
MIN_SHARE_INSIDE = 0.99


def region_holding_the_masks(sibling: Path, masks: Sequence[Path]
                              ) -> tuple[float, float, int] | None:
    """``(region share, least share inside, pairs read)``: the mean foreground share of
    ``sibling``'s files when at least :data:`MIN_SHARE_INSIDE` of the foreground of each of
    the first :data:`CONTAINMENT_READ` of ``masks`` with foreground and a same-name file
    there lies inside it and the sibling covers at least twice the mask's share: the region
    the objects lie in (DRIVE's field-of-view discs), whose union with a mask is nearly the
    sibling file itself; None otherwise (parts of an object lie apart, another annotator's
    masks overlap without holding them) or when no mask read holds foreground."""
    shares, inside = [], []
    for mask_path in masks[:CONTAINMENT_SCAN]:
        if len(shares) == CONTAINMENT_READ:
            break
        candidates = [path for path in sibling.iterdir()
                      if path.stem == mask_path.stem and path.is_file()]
        if not candidates:
            continue
        try:
            mask, _ = decode_mask(mask_path)
            if not mask.any():  # an empty mask lies inside anything: it tells nothing
                continue
            region, _ = decode_mask(candidates[0])
        except (ImageReadError, OSError, ValueError):
            return None
        if mask.shape != region.shape:
            return None
        share_inside = float((mask & region).sum() / mask.sum())
        if share_inside < MIN_SHARE_INSIDE or region.mean() < 2 * mask.mean():
            return None
        shares.append(float(region.mean()))
        inside.append(share_inside)
    return (float(np.mean(shares)), min(inside), len(shares)) if shares else None


def sibling_masks(masks_dir: Path, siblings: Sequence[tuple[Path, int, tuple[str, int]]],
                  pair_count: int, masks: Sequence[Path] = ()) -> Finding:
    """``pairing.sibling_masks`` (info): folders beside the mask folder hold files of the
    same names that read as masks (:func:`mask_values_held`): other parts of the object,
    other annotations, or masks of something else; when each folder holds each of the
    ``masks`` read inside a larger region (:func:`region_holding_the_masks`), that is said
    and no merge is proposed."""
    names = join_names([f"{path.name}/" for path, _, _ in siblings])
    first, held, (opened, values) = siblings[0]
    holdings = [region_holding_the_masks(folder, masks) for folder, _, _ in siblings]
    if all(holding is not None for holding in holdings):
        # the title speaks of every folder; the explanation's figures are the first's
        return _region_siblings(masks_dir, siblings, pair_count, holdings[0])
    return words.pairing_finding(
        "pairing.sibling_masks", Severity.INFO,
        f"{names} beside {masks_dir.name}/ {'holds' if len(siblings) == 1 else 'hold'} files "
        f"of the same {held} names",
        f"{first} holds files named as {held} of the {plural(pair_count, 'mask')} paired from "
        f"{masks_dir}; the one opened ({opened}) holds {plural(values, 'value')} in one "
        "channel, as a mask does. The names and one file do not tell what they are. Datasets "
        "that label an object in parts keep one folder per part under the same names "
        "(Montgomery's ManualMask/leftMask/ and rightMask/, one lung each): trained on one "
        "folder, the other part is taught as background. They may also be another "
        "annotator's masks of the same objects, another encoding of the same labels (VOC's "
        "SegmentationObject/ beside SegmentationClass/: one id per object), the masks for "
        "training where the folder given holds pictures of them, or masks of something else "
        "in the same images (DRIVE's field-of-view masks beside its vessel masks).",
        f"Look at one file of {first.name}/ beside its mask. If each set is one part of the "
        "object, merge them into one mask per image (their union: numpy.maximum of the two) "
        f"into a new folder and pass it as --masks; if {first.name}/ holds the masks meant "
        f"for training, pass --masks {first}. Otherwise nothing to do.",
        {"folders": [str(path) for path, _, _ in siblings],
         "shared_names": [held for _, held, _ in siblings], "pairs": pair_count,
         "values_in_file_opened": [found[1] for _, _, found in siblings]}, [])


def _region_siblings(masks_dir: Path, siblings: Sequence[tuple[Path, int, tuple[str, int]]],
                     pair_count: int, holding: tuple[float, float, int]) -> Finding:
    region_share, least_inside, read = holding
    names = join_names([f"{path.name}/" for path, _, _ in siblings])
    first, held, _ = siblings[0]
    return words.pairing_finding(
        "pairing.sibling_masks", Severity.INFO,
        f"{names} beside {masks_dir.name}/ {'holds' if len(siblings) == 1 else 'hold'} files "
        f"of the same {held} names, each a region the masks lie inside",
        f"{first} holds files named as {held} of the {plural(pair_count, 'mask')} paired from "
        f"{masks_dir}. In the {plural(read, 'pair')} read (masks with foreground), at least "
        f"{least_inside:.1%} of each mask's foreground lies inside the same-name file of "
        f"{first.name}/, which covers {region_share:.0%} of the image on average: consistent "
        "with field-of-view masks (where the camera saw, as DRIVE ships them) or regions of "
        "interest, not with parts of the objects (those lie apart). A mask's union with such "
        f"a file is nearly the file itself: merged, the masks would be about "
        f"{region_share:.0%} foreground. Nothing pairs or trains on them: the masks used are "
        f"those in {masks_dir.name}/.",
        f"Nothing to change for training; do not merge {first.name}/ into the masks. If you "
        "want to score inside that region only, write the masks with a value of their own "
        "outside it and pass it as --ignore-values (with --foreground-values naming the "
        "objects' value) to audit-data and train.",
        {"folders": [str(path) for path, _, _ in siblings],
         "shared_names": [held for _, held, _ in siblings], "pairs": pair_count,
         "pairs_read": read, "least_share_inside": round(least_inside, 4),
         "region_share": round(region_share, 4)}, [])
