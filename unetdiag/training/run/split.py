"""The pairs a run trains and validates on, and ``data.json``'s record of them (the pairing
rule, the split, the mask policy, how a sample of the masks was stored). ``split_rule`` says
how the split was made (:func:`split_rule`) and ``split_groups`` how many groups it kept whole
(case folders, tiles' source images, or subjects or video sequences with
``--split-by-subject``), 0 when it split by file.

Frames of video sequences (CamVid's ``0001TP_006690`` ..) are split by file unless asked, as
subjects are: the names and the pictures are evidence, not proof, that frames are a video's
(:func:`frame_order`), and four sequences (CamVid's) are too few to hold whole ones out; the
report names them as ``audit-data`` does (``duplicates.subject_views``) and
``--split-by-subject`` keeps each sequence on one side when there are five or more."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.config import TrainConfig
from unetdiag.diag.audit.field_of_view import field_of_view_findings
from unetdiag.diag.audit.sequence_frames import frame_sequences
from unetdiag.diag.audit.subject_findings import subject_findings
from unetdiag.diag.audit.subject_order import ViewOrder, ordered_views
from unetdiag.diag.audit.thumbnails import THUMBNAIL_SIDE, image_thumbnail
from unetdiag.diag.core.findings import Finding
from unetdiag.diag.data.folders import MIN_CASE_FOLDERS
from unetdiag.diag.data.masks import ImageReadError, decode_mask
from unetdiag.diag.data.name_groups import MAX_VIEWS, MIN_SUBJECTS, NameGroups, name_groups
from unetdiag.diag.data.pairing import Pair, PairingRule, discover_pairs
from unetdiag.diag.data.reading import read_first_frame, split_page_reference
from unetdiag.diag.data.split import group_by_sequence, group_by_subject, kept_whole, split_pairs
from unetdiag.exitcodes import UserError
from unetdiag.training.run.split_wording import (
    NAME_RULE,
    sequences_kept_whole,
    subjects_kept_whole,
)

#: Masks decoded up front to record their encodings in data.json (a sample, not the dataset).
ENCODING_SAMPLE_SIZE = 8
#: Subjects whose images train reads for the thumbnails that back (or not) a <subject>_<n>
#: reading: a 1918x1280 JPEG costs about 29 ms, so Carvana's 318 cars x 16 views would cost
#: 2.5 min of CPU read whole; 24 subjects of 5 or more images give the verdict's 12
#: adjacent pairs many times over.
SUBJECTS_READ = 24
#: Frames of a sequence read, next to each other from its middle: a video's sequences run to
#: thousands of frames, and 16 in a row give 15 adjacent pairs (the verdict needs 12 in all).
FRAMES_READ = 16
#: A frame name's number (after the sequence and up to two letters: ``Seq05VD_f00030``).
_FRAME_NUMBER = re.compile(r"([0-9]+)$")


def discover_and_split(config: TrainConfig
                       ) -> tuple[list[Finding], list[Pair], list[Pair], PairingRule]:
    """The pairing's findings (labelled ``pairing``), the training pairs, the validation
    pairs, and the rule that paired them. With ``--split-by-subject``, names that do not
    group into subjects but are frames of video sequences, as the pictures say
    (:func:`frame_order`), are split by sequence.

    Raises:
        UserError: either side of the split is empty; ``--split-by-subject`` on names that
            group neither into subjects nor into sequences enough to hold whole ones out.
    """
    pairing = discover_pairs(config.images, config.masks, mask_suffixes=config.mask_suffixes,
                             allow_same_file=config.allow_same_file_masks,
                             mask_pattern=config.mask_pattern)
    pairs = pairing.pairs
    thumbnails, usable = _subject_thumbnails(pairing.pairs)
    frames = frame_order(pairing.pairs, thumbnails, usable)
    subjects = None
    if config.split_by_subject:
        pairs, subjects = group_by_subject(pairs)
        if subjects is None and not kept_whole(pairs) and frames is not None:
            pairs = group_by_sequence(pairs, frames.sequence_of)
            if not kept_whole(pairs):
                raise UserError(
                    f"--split-by-subject: the {len(pairs)} images in {config.images} are "
                    f"frames of {frames.sequences} video sequences (<sequence>_<frame>, frames "
                    "in order as their pictures show), too few to hold whole ones out (the "
                    f"split needs {MIN_CASE_FOLDERS}); set one sequence aside and score the "
                    "model on it with `unetdiag evaluate`, or leave the option out to split "
                    "by file")
        elif subjects is None and not kept_whole(pairs):
            raise UserError(
                f"--split-by-subject: the names of the {len(pairs)} images in {config.images} "
                f"do not group into subjects (<subject>_<n>, as Carvana's <car>_01 .. _16: "
                f"nine names in ten so, {MIN_SUBJECTS} or more subjects repeating, most as "
                f"often, at most {MAX_VIEWS} times, or each numbered from 0 or 1 with no gap; "
                "most prefixes holding a digit, as ids do: words such as Abyssinian or benign "
                "name kinds; nor into frames of video sequences in order); leave the option "
                "out to split by file, or put each subject's images in a folder of its own")
    train_pairs, val_pairs = split_pairs(pairs, config.val_fraction, config.seed)
    if not train_pairs or not val_pairs:
        raise UserError(f"{len(pairing.pairs)} pair(s) give {len(train_pairs)} for training and "
                        f"{len(val_pairs)} for validation at val_fraction "
                        f"{config.val_fraction}; both sides need at least one")
    findings = [f if f.source else f.with_source("pairing") for f in pairing.findings]
    side_of = {(pair.stem, pair.image): "train" for pair in train_pairs}
    side_of.update({(pair.stem, pair.image): "validation" for pair in val_pairs})
    sides = [side_of[pair.stem, pair.image] for pair in pairing.pairs]
    split = {"val_fraction": config.val_fraction, "seed": config.seed}
    if subjects is not None and split_rule(config, [*train_pairs, *val_pairs]) == "subjects":
        order = None if thumbnails is None else ordered_views(
            [pair.stem for pair in pairing.pairs], subjects.subject_of, thumbnails, usable)
        findings.append(subjects_kept_whole(pairing.pairs, sides, split,
                                            subject_basis(subjects, order)))
    else:
        findings += [finding.with_source("pairing") for finding in subject_findings(
            pairing.pairs, sides, split, thumbnails, usable)]
    if frames is not None and split_rule(config, [*train_pairs, *val_pairs]) == "sequences":
        findings.append(sequences_kept_whole(pairing.pairs, sides, split, frames.to_dict()))
    findings += field_of_view_findings(config.images, config.masks,
                                       [pair.image for pair in pairing.pairs], "pairing")
    return findings, list(train_pairs), list(val_pairs), pairing.rule


@dataclass(frozen=True)
class FrameOrder:
    """Names ``<sequence>_<frame>`` whose pictures say the frames are in order
    (:func:`frame_order`): each stem's sequence, and the two verdicts of
    :func:`~unetdiag.diag.audit.subject_order.ordered_views`."""

    sequence_of: dict[str, str]
    next_to: ViewOrder
    two_apart: ViewOrder

    @property
    def sequences(self) -> int:
        return len(set(self.sequence_of.values()))

    def to_dict(self) -> dict[str, Any]:
        return {"sequences": self.sequences, "frames_judged": self.next_to.judged,
                "adjacent_pairs_more_alike": round(self.next_to.adjacent_wins, 4),
                "pairs_two_apart_more_alike": round(self.two_apart.adjacent_wins, 4)}


def frame_order(pairs: Sequence[Pair], thumbnails: np.ndarray | None,
                usable: Sequence[bool] | None) -> FrameOrder | None:
    """The frame sequences of ``pairs`` when their names are CamVid-like frame names
    (:func:`~unetdiag.diag.audit.sequence_frames.frame_sequences`) and the thumbnails say
    frames next to each other, and two apart, are the more alike, as ``audit-data`` asks
    before it names them; None otherwise (names that group into subjects, groups kept whole
    already, no thumbnails)."""
    if thumbnails is None:
        return None
    stems = [pair.stem for pair in pairs]
    sequence_of = None if name_groups(stems) is not None else frame_sequences(stems)
    if sequence_of is None:
        return None
    next_to = ordered_views(stems, sequence_of, thumbnails, usable)
    two_apart = ordered_views(stems, sequence_of, thumbnails, usable, step=2)
    if not (next_to.backed and two_apart.backed):
        return None
    return FrameOrder(sequence_of, next_to, two_apart)


def _subject_thumbnails(pairs: Sequence[Pair]) -> tuple[np.ndarray | None, list[bool] | None]:
    """The images' 16x16 thumbnails (and which were read) when the names group into
    subjects or are frame names (``0001TP_006690``), as ``audit-data`` keeps them: the
    pictures then say whether images numbered next to each other are the more alike (views,
    slices, frames) or not (a class's images numbered within it, ``class03_001`` .., of which
    the names alone said 'subjects'). Only then, and only the images of
    :data:`SUBJECTS_READ` subjects are read, and of a sequence :data:`FRAMES_READ` frames in a
    row (the rest unusable); None otherwise."""
    stems = [pair.stem for pair in pairs]
    groups = None if kept_whole(pairs) else name_groups(stems)
    subject_of = (groups.subject_of if groups is not None
                  else None if kept_whole(pairs) else frame_sequences(stems))
    if subject_of is None:
        return None, None
    subjects = sorted(set(subject_of.values()))
    if len(subjects) > SUBJECTS_READ:  # evenly spaced: a verdict needs a few, not all
        subjects = [subjects[int(index)]
                    for index in np.linspace(0, len(subjects) - 1, SUBJECTS_READ)]
    read = set(subjects)
    rows = [row for row, pair in enumerate(pairs) if subject_of.get(pair.stem) in read]
    if groups is None:  # a sequence's frames in a row, from its middle: neighbours stay so
        rows = _frames_in_a_row(rows, stems, subject_of)
    thumbnails = np.zeros((len(pairs), THUMBNAIL_SIDE * THUMBNAIL_SIDE), np.uint8)
    usable = [False] * len(pairs)
    for row in rows:
        try:
            thumbnails[row] = read_first_frame(pairs[row].image, image_thumbnail)[0]
        except ImageReadError:
            continue  # the decoder names the file when it reads it
        usable[row] = True
    return thumbnails, usable


def _frames_in_a_row(rows: Sequence[int], stems: Sequence[str],
                     sequence_of: dict[str, str]) -> list[int]:
    """Of each sequence's ``rows``, :data:`FRAMES_READ` frames next to each other in frame
    order, from the middle of the sequence."""
    members: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for row in rows:
        number = _FRAME_NUMBER.search(stems[row])
        members[sequence_of[stems[row]]].append(
            (int(number[1]) if number else -1, stems[row], row))
    kept = []
    for held in members.values():
        held.sort()
        start = max(0, (len(held) - FRAMES_READ) // 2)
        kept += [row for _, _, row in held[start:start + FRAMES_READ]]
    return sorted(kept)


def split_rule(config: TrainConfig, pairs: Sequence[Pair]) -> str:
    """How the split was made: ``"file"``; ``"groups"`` (case folders, mirrored folders,
    tiles' sources kept whole); ``"subjects"`` or ``"sequences"`` (``--split-by-subject``:
    <subject>_<n> names, or frames of video sequences), told by each pair's group ending in
    its subject or sequence (:func:`~unetdiag.diag.data.split.group_by_subject`)."""
    if not kept_whole(pairs):
        return "file"
    if config.split_by_subject:
        stems = [pair.stem for pair in pairs]
        groups = name_groups(stems)
        for rule, owner_of in (("subjects", None if groups is None else groups.subject_of),
                               ("sequences", None if groups is not None
                                else frame_sequences(stems))):
            if owner_of is not None and all(
                    pair.group.rpartition("/")[2] == owner_of[pair.stem].rpartition("/")[2]
                    for pair in pairs):
                return rule
    return "groups"


def subject_basis(groups: NameGroups, order: ViewOrder | None) -> dict[str, Any]:
    """How ``--split-by-subject`` read the subjects it kept whole: from the names alone
    (:data:`~unetdiag.training.run.split_wording.NAME_RULE`), how many names follow the rule
    and how the prefixes repeat, and what the images' thumbnails say of the reading
    (``pictures``: ``agree``, ``disagree``, ``too few to judge`` or ``not read``;
    :mod:`~unetdiag.diag.audit.subject_order`)."""
    pictures = ("not read" if order is None else
                "too few to judge" if not order.decided else
                "agree" if order.backed else "disagree")
    return {"derived_from": "names", "name_rule": NAME_RULE,
            "images": len(groups.subject_of), "named": groups.named,
            "subjects": groups.subjects, "views_per_subject": groups.size,
            "subjects_of_that_size": groups.of_size, "numbered_runs": groups.runs,
            "fewest_views": groups.smallest, "example": list(groups.example[:5]),
            "pictures": pictures,
            **({} if order is None else {
                "views_judged": order.judged, "adjacent_pairs": order.adjacent_pairs}),
            **({} if order is None or not order.adjacent_pairs else {
                "adjacent_pairs_more_alike": round(order.adjacent_wins, 4)})}


def split_basis(findings: Sequence[Finding]) -> dict[str, Any] | None:
    """The record of how a split held subjects or sequences whole, as the finding that says
    so carries it (:func:`discover_and_split`); None for a split by file or by folder."""
    return next((finding.evidence["split_basis"] for finding in findings
                 if "split_basis" in finding.evidence), None)


def data_record(config: TrainConfig, train_pairs: Sequence[Pair], val_pairs: Sequence[Pair],
                rule: PairingRule, img_size_choice: dict[str, Any] | None = None,
                basis: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``data.json`` holds; a resume compares its ``train`` and ``val`` stems, and reads
    ``img_size_choice`` (the side chosen without ``--img-size``, None when it was given),
    which its config.json records as a plain ``img_size``. ``pairing`` is how images were
    paired with masks (:class:`PairingRule`); ``split_basis`` how the subjects or sequences
    the split kept whole were read (:func:`split_basis`)."""
    return {
        "images": str(config.images), "masks": str(config.masks) if config.masks else None,
        # absolute: evaluate tells the training files among those it scores by folder and name
        "images_resolved": str(Path(config.images).resolve()),
        "pairing": rule.to_dict(),
        "val_fraction": config.val_fraction, "seed": config.seed,
        "split_by_subject": config.split_by_subject,
        "split_rule": split_rule(config, [*train_pairs, *val_pairs]),
        "split_groups": (len({pair.group for pair in [*train_pairs, *val_pairs]})
                         if kept_whole([*train_pairs, *val_pairs]) else 0),
        "split_basis": basis,
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
