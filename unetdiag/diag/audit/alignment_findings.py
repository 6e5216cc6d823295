"""``geometry.mask_offset`` and ``geometry.mask_flipped``: masks of the right size that sit
elsewhere on their images (a crop or padding applied to one side only, an annotation tool's
canvas offset, an export that flips rows, a y-up/y-down clash).

The per-pair scores are :mod:`unetdiag.diag.audit.alignment`'s, and so is the decision over
the dataset (:func:`~unetdiag.diag.audit.alignment.judge_alignment`): most measured pairs
must agree on one offset or one flip, each by a clear margin. This module only words it.
"""

from __future__ import annotations

from unetdiag.diag.audit.alignment import (
    MIN_AGREEING_PAIRS,
    MIN_AGREEING_SHARE,
    SCORE_MARGIN,
    Misalignment,
    judge_alignment,
)
from unetdiag.diag.audit.findings import audit_finding, listed_names
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, AuditTally
from unetdiag.diag.core.findings import Finding, Severity

_FLIPS = {"flipped_vertical": ("top to bottom", "np.flipud(mask), or Pillow's "
                               "Image.Transpose.FLIP_TOP_BOTTOM",
                               "a y-up/y-down clash (polygon coordinates with the origin at "
                               "the bottom rasterised with it at the top), a flip applied to "
                               "one side only, or an export that writes rows bottom first"),
          "flipped_horizontal": ("left to right", "np.fliplr(mask), or Pillow's "
                                 "Image.Transpose.FLIP_LEFT_RIGHT",
                                 "a flip applied to one side only (an augmentation saved to "
                                 "disk, a mirrored export) or an x-axis convention clash")}


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


def alignment_finding(tally: AuditTally) -> Finding | None:
    """``geometry.mask_offset`` or ``geometry.mask_flipped`` (warning) when most measured
    pairs agree on one offset or flip (:func:`~.alignment.judge_alignment`), else None."""
    verdict = judge_alignment(tally.columns)
    return None if verdict is None else _finding(verdict, tally)


def _finding(verdict: Misalignment, tally: AuditTally) -> Finding:
    columns = tally.columns
    agreeing, measured = int(verdict.agreeing.size), verdict.measured
    listed = verdict.agreeing[:LISTED_PER_QUESTION]
    paths = tally.mask_paths
    scale = (f"{verdict.scale}x{verdict.scale} pixel blocks" if verdict.scale > 1
             else "full resolution")
    how = (f"The score is the normalised correlation of the image's edge strength (grey-level "
           f"gradient) with the mask's outline, at {scale}; 1 is a perfect match, 0 none.")
    consequence = ("Training teaches the model to paint objects where the images do not show "
                   "them, and Dice on these masks is capped by how much each object overlaps "
                   "its moved copy; a model that follows the images is scored as wrong.")
    evidence = {
        "pairs_scored": measured, "pairs_agreeing": agreeing,
        "agreeing_share": agreeing / measured,
        "median_score": verdict.score, "median_score_as_stored": verdict.aligned,
        "block_size": verdict.scale,
        "rule": {"min_pairs": MIN_AGREEING_PAIRS, "min_share": MIN_AGREEING_SHARE,
                 "score_margin": SCORE_MARGIN},
    }
    per_file = [{"mask": paths[index],
                 "shift_px": [round(float(columns[f"align_shift_{axis}"][index]
                                          * columns["align_scale"][index]), 1)
                              for axis in "yx"],
                 "best_shifted_score": float(columns["align_best"][index]),
                 "score_as_stored": float(columns["align_aligned"][index]),
                 "flipped_top_to_bottom_score": float(columns["align_flipped_vertical"][index]),
                 "flipped_left_to_right_score": float(
                     columns["align_flipped_horizontal"][index])}
                for index in listed.tolist()]
    share = f"{agreeing} of the {measured} pairs scored"
    if verdict.kind == "shift":
        shift_y, shift_x = verdict.shift
        spans = [columns[f"align_shift_{axis}"][verdict.agreeing]
                 * columns["align_scale"][verdict.agreeing] for axis in "yx"]
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
            f"{how} A crop or padding applied to the images only, or an annotation tool's "
            f"canvas offset, does this. {consequence}",
            "Overlay a few of the listed masks on their images to confirm, then find the step "
            "that moved one side only and apply it to both (or re-export the masks in the "
            f"images' frame); if every mask is off by the same amount, shifting them {back} "
            "(padding the uncovered edge with background) repairs them.",
            {**evidence, "shift_px": list(verdict.shift),
             "shift_range_px": {"down": [low[0], high[0]], "right": [low[1], high[1]]},
             "per_file": per_file},
            listed_names(paths, listed))
    direction, repair, causes = _FLIPS[verdict.kind]
    return audit_finding(
        "geometry.mask_flipped", Severity.WARNING,
        f"Masks consistent with being flipped {direction} against their images: "
        f"{agreeing} of {measured} pairs agree",
        f"In {share}, the mask's outline follows the image's edges better flipped {direction} "
        f"than as stored or shifted by any offset tried, each by at least {SCORE_MARGIN} "
        f"(median score {verdict.score:.2f} flipped, {verdict.aligned:.2f} as stored). {how} "
        f"{causes[0].upper()}{causes[1:]} does this. {consequence}",
        "Overlay a few of the listed masks on their images to confirm, then fix the step that "
        f"flips one side, or flip the masks back ({repair}).",
        {**evidence, "flip": direction, "per_file": per_file},
        listed_names(paths, listed))
