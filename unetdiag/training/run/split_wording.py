"""The words of a split that kept video sequences whole (``train --split-by-subject`` on
CamVid-like frame names whose pictures are in order): ``duplicates.subject_views`` as
information, the counterpart of the warning ``audit-data`` and ``train`` give a split by
file (:mod:`unetdiag.diag.audit.sequence_frames`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unetdiag.diag.audit.subject_order import BACKED_SHARE, MIN_ADJACENT_PAIRS, MIN_JUDGED_VIEWS
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.wording.text import plural


def sequences_kept_whole(pairs: Sequence[Pair], sides: Sequence[str], split: dict[str, Any],
                         order: dict[str, Any]) -> Finding:
    """``order``: the frame order's record (sequences, frames judged, the shares of
    comparisons won by frames next to each other and two apart)."""
    validation = sum(1 for side in sides if side == "validation")
    return listing_finding(
        "duplicates.subject_views", Severity.INFO,
        f"{plural(len(pairs), 'image')} are frames of {order['sequences']} video sequences "
        "(<sequence>_<frame>); each sequence kept on one side of the split",
        f"The names are <sequence>_<frame> and the pictures say the frames are in order: in "
        f"{order['adjacent_pairs_more_alike']:.0%} of comparisons of two frames next to each "
        f"other in their sequence with two further apart, the first pair is the more alike, "
        f"and in {order['pairs_two_apart_more_alike']:.0%} of those of two frames two apart "
        f"({order['frames_judged']} frames judged, 16x16 grey thumbnails; independent images: "
        "about 50%). --split-by-subject kept each sequence whole: validation holds "
        f"{validation} of {len(pairs)} images ({validation / len(pairs):.0%}, against a "
        f"validation fraction of {split['val_fraction']}; seed {split['seed']}), whole "
        "sequences the model never trained on, so its share follows the sequences' lengths.",
        "Nothing to do: validation scores sequences the model never saw.",
        {"images": len(pairs), "validation_images": validation,
         "validation_share": round(validation / len(pairs), 4), "frame_sequences": True,
         "validation_images_with_subject_in_training": 0, **order, **split,
         "split_basis": {"derived_from": "names and pictures",
                         "name_rule": "<sequence>_<frame>, frames in order as the pictures "
                                      "show", **order}},
        [], "pairing")


def subjects_kept_whole(pairs: Sequence[Pair], sides: Sequence[str], split: dict[str, Any],
                        basis: dict[str, Any]) -> Finding:
    """``duplicates.subject_views`` of a split that kept ``<subject>_<n>`` prefixes whole
    (``train --split-by-subject``): how the subjects were read (the names alone, the rule),
    and what the pictures say of it (``basis``: :func:`subject_basis`'s record). A warning
    when the pictures say images numbered next to each other are no more alike than others,
    as a class's independent images are: the prefixes held whole may then be classes."""
    validation = sum(1 for side in sides if side == "validation")
    example = ", ".join(basis["example"][:3]) + (" ..." if len(basis["example"]) > 3 else "")
    if basis["numbered_runs"]:
        repeat = (f"{basis['subjects']} prefixes repeat, {basis['fewest_views']} to "
                  f"{basis['views_per_subject']} times, each numbered from 0 or 1 with no gap "
                  f"({example})")
    else:
        how_many = ("each" if basis["subjects_of_that_size"] == basis["subjects"] else
                    f"{basis['subjects_of_that_size']} of them")
        repeat = (f"{basis['subjects']} prefixes repeat, {how_many} "
                  f"{basis['views_per_subject']} times ({example})")
    alone = basis["images"] - basis["named"]
    names = (f"--split-by-subject read each image's subject from its file name alone: "
             f"{NAME_RULE}. {basis['named']} of {plural(basis['images'], 'name')} are so; "
             f"{repeat}"
             + (f"; {alone} without such a number {'is its' if alone == 1 else 'are each their'}"
                " own subject" if alone else "") + ".")
    pictures, wins = basis["pictures"], basis.get("adjacent_pairs_more_alike")
    if pictures == "agree":
        backing = (f"The pictures agree: in {wins:.0%} of comparisons of two images numbered "
                   "next to each other with two numbered further apart, in the same prefix "
                   f"({basis['views_judged']} images judged), the first pair is the more alike "
                   "(16x16 grey thumbnails; independent images: about 50%), as views or slices "
                   "taken in order are. Names and pictures are evidence, not proof, that a "
                   "prefix is one subject.")
    elif pictures == "disagree":
        backing = (f"The pictures do not back the reading: images numbered next to each other "
                   f"in a prefix are the more alike in {wins:.0%} of comparisons with images "
                   f"numbered further apart ({basis['views_judged']} images judged, 16x16 grey "
                   f"thumbnails; the reading is backed at {BACKED_SHARE:.0%} or more). "
                   "Independent images score about 50%, as when the numbers count independent "
                   "images within a class (class03_001 ..). The prefixes may be classes, not "
                   "subjects: held whole, validation holds whole classes the model never "
                   "trained on.")
    elif pictures == "not read":
        backing = "The names are the only evidence: no image could be read to judge them."
    else:
        backing = ("The names are the only evidence: the pictures judge prefixes of "
                   f"{MIN_JUDGED_VIEWS} images or more, and those read hold "
                   f"{plural(basis.get('adjacent_pairs', 0), 'pair')} of images numbered next "
                   f"to each other, too few ({MIN_ADJACENT_PAIRS} needed) to say whether the "
                   "numbers are views taken in order.")
    return listing_finding(
        "duplicates.subject_views",
        Severity.WARNING if pictures == "disagree" else Severity.INFO,
        f"{plural(len(pairs), 'image')} split by subject as their names read (<subject>_<n>): "
        f"{basis['subjects']} repeated prefixes, each kept on one side"
        + ("; the pictures do not back the reading" if pictures == "disagree" else ""),
        f"{names} {backing} Validation holds {validation} of {len(pairs)} images "
        f"({validation / len(pairs):.0%}, against a validation fraction of "
        f"{split['val_fraction']}; seed {split['seed']}), whole prefixes.",
        ("If the prefixes name classes or kinds of image rather than subjects, leave "
         "--split-by-subject out to split by file; if they are subjects, nothing to do."
         if pictures == "disagree" else
         "Nothing to do if the prefixes are subjects: validation scores subjects the model "
         "never trained on."),
        {"images": len(pairs), "validation_images": validation,
         "validation_share": round(validation / len(pairs), 4),
         "validation_images_with_subject_in_training": 0, "split_basis": basis, **split},
        [], "pairing")


#: How ``--split-by-subject`` reads a subject from a name (data.json's ``split_basis``).
NAME_RULE = "the name up to a number after its last _ or - (<subject>_<n>)"
