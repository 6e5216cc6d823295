"""Frames of a few video sequences named ``<sequence>_<frame>``, split by file.

CamVid names its frames by sequence and frame number: ``0001TP_006690`` .. every 30th frame,
``Seq05VD_f00000`` ..; a user who pools them and splits by file puts frames a second apart on
both sides. Such names escape :mod:`unetdiag.diag.data.name_groups` (numbers that neither
restart at 1 nor repeat across sequences, fewer than five sequences, a letter before the
number), and names alone would be weak evidence anyway: the pictures decide. Only when the
sequence names are mostly ids (words such as ``benign`` name classes) and the audit's
thumbnails say the frames are in order (:mod:`.subject_order`: frames next to each other in
their sequence are the more alike, and so are frames two apart, as a video changing little by
little has them; a patient's two or three scans in a row do not) is the split named; the
fix says how to keep sequences apart: ``train --split-by-subject`` (which asks the pictures
as this does) or folders where there are enough of them, else a sequence set aside for
``evaluate``.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from unetdiag.diag.audit.subject_order import MIN_JUDGED_VIEWS, ViewOrder
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.folders import MIN_CASE_FOLDERS
from unetdiag.diag.data.name_groups import MIN_ID_PREFIX_SHARE, is_id
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.wording.text import plural, verb

#: ``<sequence>`` then up to two letters and a frame number after the last ``_`` or ``-``.
_FRAME_NAME = re.compile(r"^(?P<sequence>.+)[_-][A-Za-z]{0,2}(?P<frame>[0-9]+)$")
#: Share of stems that must be frame names.
MIN_FRAME_NAME_SHARE = 0.9
#: Sequences of at least :data:`~.subject_order.MIN_JUDGED_VIEWS` frames needed.
MIN_SEQUENCES = 2


def frame_sequences(stems: Sequence[str]) -> dict[str, str] | None:
    """``{stem: sequence}`` when nearly every stem is a frame name and two or more sequences
    hold several frames each, their names mostly ids (a digit, as ``0001TP`` and ``Seq05VD``
    hold); None otherwise (a stem not so named is its own sequence). Words name kinds:
    ``benign_1`` .. ``malignant_1`` .. are classes, and a class's images numbered in the
    order they were taken (a patient's two or three scans in a row) are alike next to each
    other without being frames of a sequence (:mod:`unetdiag.diag.data.name_groups`)."""
    sequence_of: dict[str, str] = {}
    for stem in stems:
        folder, _, name = stem.rpartition("/")
        match = _FRAME_NAME.match(name)
        if match is not None:
            sequence_of[stem] = f"{folder}/{match['sequence']}" if folder else match["sequence"]
    if not stems or len(sequence_of) < MIN_FRAME_NAME_SHARE * len(stems):
        return None
    sizes = Counter(sequence_of.values())
    judged = [sequence for sequence, size in sizes.items() if size >= MIN_JUDGED_VIEWS]
    ids = sum(1 for sequence in judged if is_id(sequence))
    if len(judged) < MIN_SEQUENCES or ids < MIN_ID_PREFIX_SHARE * len(judged):
        return None
    return {stem: sequence_of.get(stem, stem) for stem in stems}


def sequence_frames_finding(pairs: Sequence[Pair], sides: Sequence[str],
                            split: dict[str, Any], sequence_of: dict[str, str],
                            order: ViewOrder, two_apart: ViewOrder) -> Finding | None:
    """``duplicates.subject_views`` (warning) for frames whose sequence has frames on both
    sides of the trainer's split (``order``: frames next to each other against those further
    apart; ``two_apart``: frames two apart against those further); None when each sequence
    sits on one side."""
    sides_of: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[str]] = defaultdict(list)
    for pair, side in zip(pairs, sides, strict=True):
        members[sequence_of[pair.stem]].append(pair.stem)
        if side:
            sides_of[sequence_of[pair.stem]].add(side)
    across = {sequence for sequence, held in sides_of.items() if len(held) == 2}
    leaked = [pair for pair, side in zip(pairs, sides, strict=True)
              if side == "validation" and sequence_of[pair.stem] in across]
    if not leaked:
        return None
    validation = sum(1 for side in sides if side == "validation")
    repeated = {sequence: sorted(held) for sequence, held in members.items() if len(held) > 1}
    smallest = min(len(held) for held in repeated.values())
    largest = max(len(held) for held in repeated.values())
    example = sorted(repeated.values(), key=len)[-1][:3]
    lengths = f"{smallest} to {largest}" if smallest < largest else f"{smallest}"
    evidence = {"images": len(pairs), "sequences": len(repeated), "fewest_frames": smallest,
                "most_frames": largest, "example": example, "frame_sequences": True,
                "subjects_across_split": len(across), "validation_images": validation,
                "validation_images_with_subject_in_training": len(leaked),
                "views_judged": order.judged, "adjacent_pairs_more_alike": order.adjacent_wins,
                "pairs_two_apart_more_alike": two_apart.adjacent_wins,
                **split}
    return listing_finding(
        "duplicates.subject_views", Severity.WARNING,
        f"{len(leaked)} of {validation} validation images are frames of sequences with frames "
        f"in training (<sequence>_<frame>: {len(repeated)} sequences, {lengths} frames "
        "each)",
        f"{sum(len(held) for held in repeated.values())} of {plural(len(pairs), 'image')} are "
        f"named <sequence>_<frame> (a number after the last _ or -, up to two letters before "
        f"it): {len(repeated)} sequences of {lengths} images "
        f"({', '.join(example)} ...). The pictures say the frames are in order: in "
        f"{order.adjacent_wins:.0%} of comparisons of two frames next to each other in their "
        "sequence with two further apart, the first pair is the more alike (16x16 grey "
        f"thumbnails; independent images: about 50%), and in {two_apart.adjacent_wins:.0%} "
        "of those of two frames two apart with two further still, as frames of a video, "
        "changing little by little, are. The trainer "
        f"splits by file: with its split (validation fraction {split['val_fraction']}, seed "
        f"{split['seed']}) {plural(len(across), 'sequence')} "
        f"{verb(len(across), 'has', 'have')} frames on both sides, and {len(leaked)} "
        f"validation {verb(len(leaked), 'frame shares its', 'frames share their')} sequence "
        "with training frames. Validation then scores frames next to ones the model trained "
        "on and overstates how it does on a new sequence.",
        _keep_apart(pairs, sequence_of, len(repeated)),
        evidence, [str(pair.image) for pair in leaked], "audit")


def _keep_apart(pairs: Sequence[Pair], sequence_of: dict[str, str], sequences: int) -> str:
    """The fix: folders of their own only where they would be enough for the trainer."""
    aside = "set one sequence aside and score the model on it with `unetdiag evaluate`."
    groups_of: dict[str, set[str]] = defaultdict(set)
    for pair in pairs:
        groups_of[sequence_of[pair.stem]].add(pair.group)
    own = (all(len(held) == 1 for held in groups_of.values())
           and len(set().union(*groups_of.values())) == len(groups_of))
    if sequences >= MIN_CASE_FOLDERS and not own:
        return ("Keep sequences apart: `unetdiag train --split-by-subject` keeps each "
                "sequence on one side, as does putting each sequence's frames in a folder of "
                f"its own (the trainer splits case folders whole when there are "
                f"{MIN_CASE_FOLDERS} or more); or {aside}")
    held = ("each sequence has a folder of its own already, but" if own else "folders of "
            "their own would not do:")
    return (f"Keep sequences apart: {held} {sequences} are too few for the trainer to hold "
            f"whole ones out (it needs {MIN_CASE_FOLDERS}); {aside}")
