"""The words of a split that kept video sequences whole (``train --split-by-subject`` on
CamVid-like frame names whose pictures are in order): ``duplicates.subject_views`` as
information, the counterpart of the warning ``audit-data`` and ``train`` give a split by
file (:mod:`unetdiag.diag.audit.sequence_frames`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
         "validation_images_with_subject_in_training": 0, **order, **split},
        [], "pairing")
