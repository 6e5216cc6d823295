"""The pairs a run trains and validates on, and ``data.json``'s record of them (the pairing
rule, the split, the mask policy, how a sample of the masks was stored). ``split_groups`` is
how many groups the split kept whole (case folders, tiles' source images, or subjects with
``--split-by-subject``), 0 when it split by file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.config import TrainConfig
from unetdiag.diag.audit.field_of_view import field_of_view_findings
from unetdiag.diag.audit.subject_findings import subject_findings
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE, image_thumbnail
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data.masks import ImageReadError, decode_mask
from unetdiag.diag.data.name_groups import MAX_VIEWS, MIN_SUBJECTS, name_groups
from unetdiag.diag.data.pairing import Pair, PairingRule, discover_pairs
from unetdiag.diag.data.reading import read_first_frame, split_page_reference
from unetdiag.diag.data.split import group_by_subject, kept_whole, split_pairs
from unetdiag.exitcodes import UserError

#: Masks decoded up front to record their encodings in data.json (a sample, not the dataset).
ENCODING_SAMPLE_SIZE = 8
#: Subjects whose images train reads for the thumbnails that back (or not) a <subject>_<n>
#: reading: a 1918x1280 JPEG costs about 29 ms, so Carvana's 318 cars x 16 views would cost
#: 2.5 min of CPU read whole; 24 subjects of 5 or more images give the verdict's 12
#: adjacent pairs many times over.
SUBJECTS_READ = 24


def discover_and_split(config: TrainConfig
                       ) -> tuple[list[Finding], list[Pair], list[Pair], PairingRule]:
    """The pairing's findings (labelled ``pairing``), the training pairs, the validation
    pairs, and the rule that paired them.

    Raises:
        UserError: either side of the split is empty.
    """
    pairing = discover_pairs(config.images, config.masks, mask_suffixes=config.mask_suffixes,
                             allow_same_file=config.allow_same_file_masks,
                             mask_pattern=config.mask_pattern)
    pairs = pairing.pairs
    if config.split_by_subject:
        pairs, subjects = group_by_subject(pairs)
        if subjects is None and not kept_whole(pairs):
            raise UserError(
                f"--split-by-subject: the names of the {len(pairs)} images in {config.images} "
                f"do not group into subjects (<subject>_<n>, as Carvana's <car>_01 .. _16: "
                f"nine names in ten so, {MIN_SUBJECTS} or more subjects repeating, most as "
                f"often, at most {MAX_VIEWS} times, or each numbered from 0 or 1 with no gap; "
                "most prefixes holding a digit, as ids do: words such as Abyssinian or benign "
                "name kinds); leave the option out to split by file, or "
                "put each subject's images in a folder of its own")
    train_pairs, val_pairs = split_pairs(pairs, config.val_fraction, config.seed)
    if not train_pairs or not val_pairs:
        raise UserError(f"{len(pairing.pairs)} pair(s) give {len(train_pairs)} for training and "
                        f"{len(val_pairs)} for validation at val_fraction "
                        f"{config.val_fraction}; both sides need at least one")
    findings = [f if f.source else f.with_source("pairing") for f in pairing.findings]
    side_of = {(pair.stem, pair.image): "train" for pair in train_pairs}
    side_of.update({(pair.stem, pair.image): "validation" for pair in val_pairs})
    thumbnails, usable = _subject_thumbnails(pairing.pairs)
    findings += [finding.with_source("pairing") for finding in subject_findings(
        pairing.pairs, [side_of[pair.stem, pair.image] for pair in pairing.pairs],
        {"val_fraction": config.val_fraction, "seed": config.seed}, thumbnails, usable)]
    findings += field_of_view_findings(config.images, config.masks,
                                       [pair.image for pair in pairing.pairs], "pairing")
    return findings, list(train_pairs), list(val_pairs), pairing.rule


def _subject_thumbnails(pairs: Sequence[Pair]) -> tuple[np.ndarray | None, list[bool] | None]:
    """The images' 16x16 thumbnails (and which were read) when the names group into
    subjects, as ``audit-data`` keeps them: the pictures then say whether images numbered next
    to each other are the more alike (views, slices) or not (a class's images numbered
    within it, ``class03_001`` .., of which the names alone said 'subjects'). Only then, and
    only the images of :data:`SUBJECTS_READ` subjects are read (the rest unusable); None
    otherwise."""
    groups = None if kept_whole(pairs) else name_groups([pair.stem for pair in pairs])
    if groups is None:
        return None, None
    subjects = sorted(set(groups.subject_of.values()))
    if len(subjects) > SUBJECTS_READ:  # evenly spaced: a verdict needs a few, not all
        subjects = [subjects[int(index)]
                    for index in np.linspace(0, len(subjects) - 1, SUBJECTS_READ)]
    read = set(subjects)
    thumbnails = np.zeros((len(pairs), THUMBNAIL_SIDE * THUMBNAIL_SIDE), np.uint8)
    usable = [False] * len(pairs)
    for row, pair in enumerate(pairs):
        if groups.subject_of.get(pair.stem) not in read:
            continue
        try:
            thumbnails[row] = read_first_frame(pair.image, image_thumbnail)[0]
        except ImageReadError:
            continue  # the decoder names the file when it reads it
        usable[row] = True
    return thumbnails, usable


def data_record(config: TrainConfig, train_pairs: Sequence[Pair], val_pairs: Sequence[Pair],
                rule: PairingRule, img_size_choice: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    """What ``data.json`` holds; a resume compares its ``train`` and ``val`` stems, and reads
    ``img_size_choice`` (the side chosen without ``--img-size``, None when it was given),
    which its config.json records as a plain ``img_size``. ``pairing`` is how images were
    paired with masks (:class:`PairingRule`)."""
    return {
        "images": str(config.images), "masks": str(config.masks) if config.masks else None,
        # absolute: evaluate tells the training files among those it scores by folder and name
        "images_resolved": str(Path(config.images).resolve()),
        "pairing": rule.to_dict(),
        "val_fraction": config.val_fraction, "seed": config.seed,
        "split_by_subject": config.split_by_subject,
        "split_groups": (len({pair.group for pair in [*train_pairs, *val_pairs]})
                         if kept_whole([*train_pairs, *val_pairs]) else 0),
        "train": [pair.stem for pair in train_pairs], "val": [pair.stem for pair in val_pairs],
        # evaluate claims a file scored is one trained on only while these still match
        "train_image_stats": [image_stat(pair.image) for pair in train_pairs],
        "mask_policy": config.mask_policy.to_dict(),
        "mask_encodings_sample": _encoding_sample([*train_pairs, *val_pairs], config),
        "img_size_choice": img_size_choice,
    }


def image_stat(image: Path) -> list[int] | None:
    """An image file's size in bytes and modification time in nanoseconds (a stack page's
    file's), None when it cannot be read: what tells a file trained on from one of the same
    name written since."""
    try:
        stat = split_page_reference(image)[0].stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _encoding_sample(pairs: Sequence[Pair], config: TrainConfig) -> list[dict[str, Any]]:
    """Decode the first few masks under the run's policy and record how they were stored."""
    sample = []
    for pair in pairs[:ENCODING_SAMPLE_SIZE]:
        try:
            _mask, encoding = decode_mask(pair.mask, config.mask_policy)
        except ImageReadError as error:
            raise UserError(f"cannot decode {error.path}: {error.reason}") from None
        sample.append({"stem": pair.stem, "mask": str(pair.mask), **encoding.to_dict()})
    return sample
