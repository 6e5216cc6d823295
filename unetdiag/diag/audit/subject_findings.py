"""``duplicates.subject_views``: names that group into subjects (``<subject>_<n>``,
:mod:`unetdiag.diag.data.name_groups`) split by file, worded with the trainer's split.

Carvana holds sixteen views of each car (``<car id>_01.jpg`` .. ``_16.jpg``); a split by file
puts views of one car on both sides, and validation scores cars the model trained on. The
names are evidence, not proof, so the finding says "consistent with"; where the audit's
thumbnails can judge (:mod:`.subject_order`) it says whether the pictures agree, and keeps
silent when they say the numbers are in no order (a class's images numbered within it,
``class03_001`` ..). It is a warning when
subjects have views on both sides, info when each subject sits on one side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from unetdiag.diag.audit.sequence_frames import frame_sequences, sequence_frames_finding
from unetdiag.diag.audit.subject_order import MIN_JUDGED_VIEWS, ViewOrder, ordered_views
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.name_groups import NameGroups, name_groups
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.data.split import kept_whole
from unetdiag.diag.wording.text import plural, verb

SOURCE = "audit"
#: The train option that splits by subject, as the fix names it.
SPLIT_OPTION = "--split-by-subject"


def subject_findings(pairs: Sequence[Pair], sides: Sequence[str], split: dict[str, Any],
                     thumbnails: np.ndarray | None = None,
                     usable: Sequence[bool] | None = None) -> list[Finding]:
    """The finding when the pairs' names group into subjects and the split has not kept
    them whole already (case folders and tiles: :func:`kept_whole`). With the images'
    ``thumbnails`` (one row per pair; ``usable``: the pairs whose image was read), none when
    the pictures say the numbers are in no order (:mod:`.subject_order`: ``class03_001`` ..
    are a class's independent images, not views of one subject)."""
    if kept_whole(pairs):
        return []
    stems = [pair.stem for pair in pairs]
    groups = name_groups(stems)
    if groups is None:
        # CamVid's frames (0001TP_006690 .., every 30th): only on the pictures' word
        sequence_of = None if thumbnails is None else frame_sequences(stems)
        if sequence_of is None:
            return []
        frames = ordered_views(stems, sequence_of, thumbnails, usable)
        # frames two apart still alike: a video, not runs of two or three alike images
        two_apart = ordered_views(stems, sequence_of, thumbnails, usable, step=2)
        if not (frames.backed and two_apart.backed):
            return []
        finding = sequence_frames_finding(pairs, sides, split, sequence_of, frames, two_apart)
        return [] if finding is None else [finding]
    order = None if thumbnails is None else ordered_views(stems, groups.subject_of,
                                                          thumbnails, usable)
    if order is not None and order.decided and not order.backed:
        return []
    return [_subject_views(pairs, sides, split, groups,
                           order if order is not None and order.backed else None)]


def _subject_views(pairs: Sequence[Pair], sides: Sequence[str], split: dict[str, Any],
                   groups: NameGroups, order: ViewOrder | None) -> Finding:
    sides_of: dict[str, set[str]] = defaultdict(set)
    for pair, side in zip(pairs, sides, strict=True):
        if side:
            sides_of[groups.subject_of[pair.stem]].add(side)
    across = {subject for subject, held in sides_of.items() if len(held) == 2}
    leaked = [pair for pair, side in zip(pairs, sides, strict=True)
              if side == "validation" and groups.subject_of[pair.stem] in across]
    validation = sum(1 for side in sides if side == "validation")
    example = ", ".join(groups.example[:3]) + (" ..." if len(groups.example) > 3 else "")
    if groups.runs:
        prefixes = f"{groups.subjects} prefixes, {groups.smallest} to {groups.size} images each"
        starts = " or ".join(str(start) for start in groups.starts)
        repeat = (f"{plural(groups.subjects, 'subject')} repeat, {groups.smallest} to "
                  f"{groups.size} times, each numbered from {starts} with no gap, the "
                  f"numbering restarting at every prefix ({example})")
        kinds = ("the slices of one volume or frames of one video per subject (Kaggle LGG's "
                 "<patient>_1 .. _n slices)")
    else:
        prefixes = (f"{groups.subjects} prefixes, "
                    + (f"{groups.size} images each" if groups.of_size == groups.subjects
                       else f"{groups.of_size} of them {groups.size} images each"))
        repeat = (f"{plural(groups.subjects, 'subject')} repeat, {groups.of_size} of them "
                  f"{groups.size} times each ({example})")
        kinds = ("several views or frames of one subject (Carvana's 16 views of each car, "
                 "frames of one video, lesions of one patient)")
    if order is None:
        backing = "the names are the only evidence."
    else:
        backing = (f"the pictures agree: in {order.adjacent_wins:.0%} of comparisons of two "
                   f"images numbered next to each other with two numbered apart, in prefixes "
                   f"of {MIN_JUDGED_VIEWS} or more, the first pair is the more alike (16x16 "
                   "grey thumbnails; independent images: about 50%), as views or slices taken "
                   "in order are.")
    found = (f"{groups.named} of {plural(len(pairs), 'image')} are named <subject>_<n> "
             f"(a number after the last _ or -): {repeat}. This is consistent with {kinds}; "
             + backing)
    evidence = {"images": len(pairs), "subjects": groups.subjects,
                "views_per_subject": groups.size, "subjects_of_that_size": groups.of_size,
                "numbered_runs": groups.runs, "fewest_views": groups.smallest,
                "example": list(groups.example), "subjects_across_split": len(across),
                "validation_images": validation,
                "validation_images_with_subject_in_training": len(leaked),
                "views_judged": None if order is None else order.judged,
                "adjacent_pairs_more_alike": None if order is None else order.adjacent_wins,
                **split}
    if leaked:
        return listing_finding(
            "duplicates.subject_views", Severity.WARNING,
            f"{len(leaked)} of {validation} validation images share their name's prefix with "
            f"training images (<subject>_<n>: {prefixes})",
            f"{found} The trainer splits by file: with its split (validation fraction "
            f"{split['val_fraction']}, seed {split['seed']}) "
            f"{plural(len(across), 'prefix', 'prefixes')} {verb(len(across), 'has', 'have')} "
            f"images on both sides, and {len(leaked)} validation "
            f"{verb(len(leaked), 'image shares its', 'images share their')} prefix with a "
            "training image. If they are views of one subject, validation scores other views "
            "of subjects the model trained on and overstates how it does on new subjects.",
            f"If the numbers are views of one subject, split by subject: `unetdiag train "
            f"{SPLIT_OPTION}` keeps each subject's images on one side (or put whole subjects "
            "in case folders). If they are independent images, nothing to do.",
            evidence, [str(pair.image) for pair in leaked], SOURCE)
    return listing_finding(
        "duplicates.subject_views", Severity.INFO,
        f"{plural(len(pairs), 'image')} named <subject>_<n> ({prefixes}); none across the "
        "train/validation split",
        f"{found} With the trainer's split each subject's images are on one side.",
        f"Nothing to do: each subject is on one side of this split (`train {SPLIT_OPTION}` "
        "keeps it so at any seed and validation fraction).",
        evidence, [], SOURCE)
