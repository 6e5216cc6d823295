"""``geometry.mask_offset``, ``geometry.mask_flipped``, ``geometry.mask_rotated`` and
``geometry.mask_offset_per_file`` and ``geometry.mask_turned_per_file``: masks of the right
size that sit elsewhere on their images (a crop or padding applied to one side only, an
annotation tool's canvas offset, an export that flips rows, a y-up/y-down clash, an
orientation honoured on one side only, x and y swapped), for most pairs alike or for some
pairs each by its own offset or turn.

The per-pair scores are :mod:`unetdiag.diag.audit.alignment`'s, and so are the decisions
(:func:`~unetdiag.diag.audit.alignment.judge_alignment`: most measured pairs agree on one
offset or one turn, each by a clear margin; :func:`~unetdiag.diag.audit.alignment.offset_pairs`:
single pairs offset by a wide margin; :func:`~unetdiag.diag.audit.alignment.turned_pairs`:
single pairs turned). This module only words them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from unetdiag.diag.audit.alignment import (
    MAX_OWN_STORED_SHARE,
    MIN_AGREEING_PAIRS,
    MIN_AGREEING_SHARE,
    MIN_OWN_SCORE,
    OWN_MARGIN,
    SCORE_MARGIN,
    Misalignment,
    alignment_records,
    judge_alignment,
    offset_pairs,
    pair_offsets,
    turned_pairs,
)
from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, AuditTally
from unetdiag.diag.core.findings import Finding, Severity

#: For each way of turning: the finding's id, the words, the repair and what does it.
_TURNS = {
    "flipped_vertical": ("geometry.mask_flipped", "flipped top to bottom",
                         "np.flipud(mask), or Pillow's Image.Transpose.FLIP_TOP_BOTTOM",
                         "a y-up/y-down clash (polygon coordinates with the origin at the "
                         "bottom rasterised with it at the top), a flip applied to one side "
                         "only, or an export that writes rows bottom first"),
    "flipped_horizontal": ("geometry.mask_flipped", "flipped left to right",
                           "np.fliplr(mask), or Pillow's Image.Transpose.FLIP_LEFT_RIGHT",
                           "a flip applied to one side only (an augmentation saved to disk, "
                           "a mirrored export) or an x-axis convention clash"),
    "rotated_180": ("geometry.mask_rotated", "rotated 180 degrees (flipped both ways)",
                    "np.rot90(mask, 2)",
                    "an orientation (a camera's or scanner's, EXIF) honoured for one side "
                    "only, or a flip of each axis applied to one side"),
    "rotated_90_ccw": ("geometry.mask_rotated", "rotated 90 degrees counter-clockwise",
                       "np.rot90(mask, -1), which turns it clockwise",
                       "an orientation (EXIF, a viewer's or scanner's rotation) honoured for "
                       "one side only"),
    "rotated_90_cw": ("geometry.mask_rotated", "rotated 90 degrees clockwise",
                      "np.rot90(mask, 1), which turns it counter-clockwise",
                      "an orientation (EXIF, a viewer's or scanner's rotation) honoured for "
                      "one side only"),
    "transposed": ("geometry.mask_flipped",
                   "transposed (rows and columns swapped: flipped about the diagonal from "
                   "the top-left corner)", "mask.T",
                   "x and y swapped (points given as (x, y) drawn as (row, column)), or an "
                   "array transposed on one side only"),
    "antitransposed": ("geometry.mask_flipped",
                       "flipped about the diagonal from the top-right corner",
                       "np.rot90(mask, 2).T",
                       "x and y swapped together with a 180-degree turn"),
}


def _consequence(copy: str) -> str:
    """What a mask off its image does to training and scores; ``copy``: "moved" for a
    shifted mask, "turned" for a flipped or rotated one."""
    return ("Training teaches the model to paint objects where the images do not show "
            "them, and Dice on these masks is capped by how much each object overlaps "
            f"its {copy} copy; a model that follows the images is scored as wrong.")


def describe_offset(shift_y: int, shift_x: int) -> str:
    """``"12 px down and 4 px left"`` for a shift of ``(12, -4)`` (down, right) pixels.

    >>> describe_offset(12, -4), describe_offset(0, 6)
    ('12 px down and 4 px left', '6 px right')
    """
    parts = []
    if shift_y:
        parts.append(f"{abs(shift_y)} px {'down' if shift_y > 0 else 'up'}")
    if shift_x:
        parts.append(f"{abs(shift_x)} px {'right' if shift_x > 0 else 'left'}")
    return " and ".join(parts) or "0 px"


def alignment_findings(tally: AuditTally) -> list[Finding]:
    """The dataset's offset or turn (:func:`~.alignment.judge_alignment`), or else the pairs
    offset each on their own (:func:`~.alignment.offset_pairs`) and those turned each on
    their own (:func:`~.alignment.turned_pairs`); warnings, or nothing."""
    verdict = judge_alignment(tally.columns)
    if verdict is not None:
        return [_finding(verdict, tally)]
    own = offset_pairs(tally.columns)
    turned = turned_pairs(tally.columns)
    return ([] if own is None else [_own_finding(own, tally)]) + (
        [] if turned is None else [_turned_finding(turned, tally)])


def alignment_finding(tally: AuditTally) -> Finding | None:
    """The first of :func:`alignment_findings`, or None."""
    return next(iter(alignment_findings(tally)), None)


def _blocks(verdict: Misalignment) -> str:
    def words(size: int) -> str:
        return f"{size}x{size} pixel blocks" if size > 1 else "full resolution"
    if verdict.finest == verdict.scale:
        return words(verdict.scale)
    return f"{words(verdict.finest)} to {words(verdict.scale)}"


def _how(verdict: Misalignment) -> str:
    return (f"The score is the normalised correlation of the image's edge strength (grey-level "
            f"gradient) with the mask's outline, at {_blocks(verdict)}; 1 is a perfect match, "
            f"0 none.")


def _per_file(verdict: Misalignment, tally: AuditTally, listed: np.ndarray) -> list[dict]:
    table = alignment_records(tally.columns["alignment"])
    offsets = pair_offsets(table)
    rows = []
    for index in listed.tolist():
        row: dict[str, Any] = {"mask": tally.mask_paths[index]}
        if verdict.kind == "own_turn":
            turn = verdict.turns[int(np.flatnonzero(verdict.agreeing == index)[0])]
            row |= {"turn": turn, "turned_back_score": float(table[turn][index]),
                    "score_as_stored": float(table["aligned"][index]),
                    "best_shifted_score": float(table["best"][index])}
        elif verdict.kind in ("shift", "own_shift"):
            row |= {"shift_px": [round(float(offsets.down[index]), 1),
                                 round(float(offsets.right[index]), 1)],
                    "block_size": int(offsets.unit[index]),
                    "best_shifted_score": float(offsets.score[index]),
                    "score_as_stored": float(offsets.stored[index])}
        else:
            row |= {"score_as_stored": float(table["aligned"][index]),
                    "best_shifted_score": float(table["best"][index]),
                    f"{verdict.kind}_score": float(table[verdict.kind][index])}
        rows.append(row)
    return rows


def _evidence(verdict: Misalignment) -> dict[str, Any]:
    agreeing = int(verdict.agreeing.size)
    return {"pairs_scored": verdict.measured, "pairs_agreeing": agreeing,
            "agreeing_share": agreeing / verdict.measured,
            "median_score": verdict.score, "median_score_as_stored": verdict.aligned,
            "block_size": verdict.scale,
            "rule": {"min_pairs": MIN_AGREEING_PAIRS, "min_share": MIN_AGREEING_SHARE,
                     "score_margin": SCORE_MARGIN}}


def _finding(verdict: Misalignment, tally: AuditTally) -> Finding:
    agreeing, measured = int(verdict.agreeing.size), verdict.measured
    listed = verdict.agreeing[:LISTED_PER_QUESTION]
    share = f"{agreeing} of the {measured} pairs scored"
    evidence = _evidence(verdict) | {"per_file": _per_file(verdict, tally, listed)}
    names = listed_names(tally.mask_paths, listed)
    if verdict.kind == "shift":
        shift_y, shift_x = verdict.shift
        offsets = pair_offsets(alignment_records(tally.columns["alignment"]))
        spans = [offsets.down[verdict.agreeing], offsets.right[verdict.agreeing]]
        low, high = ([round(float(getattr(span, end)()), 1) for span in spans]
                     for end in ("min", "max"))
        spread = "; ".join(f"{lo:g} to {hi:g} px {word}" if lo != hi else f"{lo:g} px {word}"
                           for lo, hi, word in zip(low, high, ("down", "right"), strict=True))
        where = describe_offset(shift_y, shift_x)
        back = describe_offset(-shift_y, -shift_x)
        return audit_finding(
            "geometry.mask_offset", Severity.WARNING,
            f"Masks consistent with being shifted by about ({shift_y}, {shift_x}) px "
            f"(down, right) from their images: {agreeing} of {measured} pairs agree",
            f"In {share}, the mask's outline follows the image's edges best when the mask is "
            f"moved about {back} (it lies about {where} of them), each by at least "
            f"{SCORE_MARGIN} more than as stored (median score {verdict.score:.2f} moved, "
            f"{verdict.aligned:.2f} as stored; ({shift_y}, {shift_x}) px is the median of "
            f"the pairs counted, whose shifts span {spread}). "
            f"{_how(verdict)} A crop or padding applied to the images only, or an annotation "
            f"tool's canvas offset, does this. {_consequence('moved')}",
            "Overlay a few of the listed masks on their images to confirm, then find the step "
            "that moved one side only and apply it to both (or re-export the masks in the "
            f"images' frame); if every mask is off by the same amount, shifting them {back} "
            "(padding the uncovered edge with background) repairs them.",
            evidence | {"shift_px": list(verdict.shift),
                        "shift_range_px": {"down": [low[0], high[0]],
                                           "right": [low[1], high[1]]}},
            names)
    finding_id, direction, repair, causes = _TURNS[verdict.kind]
    return audit_finding(
        finding_id, Severity.WARNING,
        f"Masks consistent with being {direction} against their images: "
        f"{agreeing} of {measured} pairs agree",
        f"In {share}, the mask's outline follows the image's edges better when the mask is "
        f"turned back (as if it had been {direction}) than as stored, shifted by any offset "
        f"tried or turned any other way, each by at least {SCORE_MARGIN} (median score "
        f"{verdict.score:.2f} turned back, "
        f"{verdict.aligned:.2f} as stored). {_how(verdict)} "
        f"{causes[0].upper()}{causes[1:]} does this. {_consequence('turned')}",
        "Overlay a few of the listed masks on their images to confirm, then fix the step that "
        f"turns one side, or turn the masks back ({repair}).",
        evidence | {"turn": verdict.kind, "turned": direction}
        | ({"flip": direction.removeprefix("flipped ")} if verdict.kind.startswith("flipped")
           else {}), names)


def _own_finding(verdict: Misalignment, tally: AuditTally) -> Finding:
    count, measured = int(verdict.agreeing.size), verdict.measured
    listed = verdict.agreeing[:LISTED_PER_QUESTION]
    offsets = pair_offsets(alignment_records(tally.columns["alignment"]))
    shifts = [(round(float(offsets.down[index])), round(float(offsets.right[index])))
              for index in verdict.agreeing.tolist()]
    first = Path(tally.mask_paths[int(verdict.agreeing[0])]).name
    named = [f"{Path(tally.mask_paths[index]).name} ({dy}, {dx})"
             for index, (dy, dx) in zip(listed.tolist(), shifts, strict=False)]
    more = f" and {count - len(named)} more" if count > len(named) else ""
    if len(set(shifts)) == 1:
        whose = "its image" if count == 1 else "their images"
        amount = f"from {whose} by about {shifts[0]} px (down, right): {first}"
    else:
        amount = (f"from their images, each by its own offset (down, right): {first} by about "
                  f"{shifts[0]} px")
    others = f" and {count - 1} more" if count > 1 else ""
    evidence = {"pairs_scored": measured, "pairs_offset": count,
                "median_score": verdict.score, "median_score_as_stored": verdict.aligned,
                "rule": _own_rule(),
                "per_file": _per_file(verdict, tally, listed)}
    return audit_finding(
        "geometry.mask_offset_per_file", Severity.WARNING,
        f"{count} of {measured} masks consistent with being offset {amount}{others}",
        f"In each listed pair, the mask's outline follows its image's edges best when the "
        f"mask is moved back by its offset, given as where it lies from them (down, right, "
        f"px): {', '.join(named)}{more}. Each "
        f"scores at least {MIN_OWN_SCORE} moved, at most {MAX_OWN_STORED_SHARE:.0%} of that "
        f"as stored, and {OWN_MARGIN} more moved than as stored or turned any way (median "
        f"score {verdict.score:.2f} moved, {verdict.aligned:.2f} as stored). Not enough pairs "
        f"share one offset for a dataset-wide verdict ({MIN_AGREEING_PAIRS} pairs and "
        f"{MIN_AGREEING_SHARE:.0%} of those scored). {_how(verdict)} Masks from another "
        f"export or annotation round, a crop or padding applied to some images only, or a "
        f"mask of another image whose outline happens to fit there, would do this. "
        f"{_consequence('moved')}",
        "Overlay each listed mask on its image to confirm, then re-export or re-align those "
        "masks (or shift each back by its offset, padding the uncovered edge with "
        "background), or leave them out.",
        evidence, listed_names(tally.mask_paths, listed))


def _own_rule() -> dict[str, float]:
    """The per-file rule's thresholds, as the per-file findings' evidence gives them."""
    return {"min_margin": OWN_MARGIN, "min_score": MIN_OWN_SCORE,
            "max_stored_share": MAX_OWN_STORED_SHARE}


#: Each turn in a few words, for lists of files.
_SHORT = {"flipped_vertical": "flipped top to bottom",
          "flipped_horizontal": "flipped left to right",
          "rotated_180": "rotated 180 degrees",
          "rotated_90_ccw": "rotated 90 degrees counter-clockwise",
          "rotated_90_cw": "rotated 90 degrees clockwise", "transposed": "transposed",
          "antitransposed": "flipped about the diagonal from the top-right corner"}


def _turned_finding(verdict: Misalignment, tally: AuditTally) -> Finding:
    count, measured = int(verdict.agreeing.size), verdict.measured
    listed = verdict.agreeing[:LISTED_PER_QUESTION]
    names = [Path(tally.mask_paths[index]).name for index in listed.tolist()]
    named = [f"{name} {_SHORT[turn]} (turn back: {_TURNS[turn][2]})"
             for name, turn in zip(names, verdict.turns, strict=False)]
    more = f" and {count - len(named)} more" if count > len(named) else ""
    if len(set(verdict.turns)) == 1:
        whose = "its image" if count == 1 else "their images"
        how = f"stored {_SHORT[verdict.turns[0]]} against {whose}: {names[0]}"
    else:
        how = (f"stored turned against their images, each its own way: {names[0]} "
               f"{_SHORT[verdict.turns[0]]}")
    others = f" and {count - 1} more" if count > 1 else ""
    evidence = {"pairs_scored": measured, "pairs_turned": count,
                "turns": sorted(set(verdict.turns)),
                "median_score": verdict.score, "median_score_as_stored": verdict.aligned,
                "rule": _own_rule(),
                "per_file": _per_file(verdict, tally, listed)}
    return audit_finding(
        "geometry.mask_turned_per_file", Severity.WARNING,
        f"{count} of {measured} masks consistent with being {how}{others}",
        f"In each listed pair, the mask's outline follows its image's edges far better turned "
        f"back than as stored, shifted by any offset tried or turned any other way: "
        f"{', '.join(named)}{more}. Each scores at least {MIN_OWN_SCORE} turned back, at most "
        f"{MAX_OWN_STORED_SHARE:.0%} of that as stored, and {OWN_MARGIN} more than as stored, "
        f"shifted or turned any other way (median score {verdict.score:.2f} turned back, "
        f"{verdict.aligned:.2f} as stored). Not enough pairs share one turn for a "
        f"dataset-wide verdict ({MIN_AGREEING_PAIRS} pairs and {MIN_AGREEING_SHARE:.0%} of "
        f"those scored). {_how(verdict)} An orientation (a camera's EXIF tag, a viewer's or "
        f"scanner's rotation) honoured for some files only, masks from another export, or a "
        f"mask of another image whose outline happens to fit turned, would do this. "
        f"{_consequence('turned')}",
        "Overlay each listed mask on its image to confirm, then turn those masks back as "
        "listed (or re-export them from the images as stored), or leave them out.",
        evidence, listed_names(tally.mask_paths, listed))
