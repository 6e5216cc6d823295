"""``train.resize_loses_foreground``: the sentences of :mod:`.resize_kept`'s measure."""

from __future__ import annotations

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.text import plural
from unetdiag.training.resize_kept import KEEP_TARGET, WARN_BELOW, ResizeKept

FINDING_ID = "train.resize_loses_foreground"


def resize_kept_findings(measured: ResizeKept | None) -> list[Finding]:
    """The warning when the resize keeps less than :data:`~.resize_kept.WARN_BELOW` of the
    training masks' foreground pixels; nothing otherwise (a small loss is not told)."""
    if measured is None or measured.share >= WARN_BELOW:
        return []
    size, side = measured.img_size, measured.stored_side
    step = side / size
    title = (f"Resized to --img-size {size}, the training masks keep {measured.share:.0%} of "
             f"their foreground pixels (measured on {plural(measured.masks, 'mask')} of "
             f"{side} px)")
    explanation = (
        f"The masks are resized to {size} x {size} px by nearest neighbour, which keeps one "
        f"stored pixel in about every {step:.1f} along each side: a structure narrower than "
        "that (a 1-2 px vessel or membrane) keeps only the pixels that fall on a kept row "
        f"and column. Of the {measured.foreground:,} foreground pixels at the stored size, "
        f"{measured.kept:,} ({measured.share:.1%}) lie in a pixel that is foreground once "
        f"resized (each stored pixel compared with the resized pixel whose area covers it). "
        f"The foreground's share of the pixels is {measured.stored_fraction:.2%} at the "
        f"stored size and {measured.resized_fraction:.2%} as resized: the share does not show "
        "the loss, which is in where the foreground is. The model learns and is validated "
        "on the masks as resized, so thin structures lost there are neither learnt nor "
        "scored.")
    measured_sizes = ", ".join(f"{candidate} px {share:.0%}"
                               for candidate, share in measured.kept_at.items())
    fix = (f"Pass --img-size {measured.proposed}, the smallest of the sizes measured that keeps "
           f"at least {KEEP_TARGET:.0%} of the foreground pixels (kept: {measured_sizes}); "
           "memory and time per step grow with its square.")
    return [Finding(
        id=FINDING_ID, severity=Severity.WARNING, title=title, explanation=explanation,
        fix=fix,
        evidence={"img_size": size, "masks_measured": measured.masks,
                  "stored_side_median": side, "stored_foreground_pixels": measured.foreground,
                  "kept_pixels": measured.kept, "kept_share": measured.share,
                  "stored_foreground_fraction": measured.stored_fraction,
                  "resized_foreground_fraction": measured.resized_fraction,
                  "kept_share_at": {str(k): v for k, v in measured.kept_at.items()},
                  "proposed_img_size": measured.proposed, "warn_below": WARN_BELOW,
                  "keep_target": KEEP_TARGET,
                  "assumption": ("each stored foreground pixel compared with the resized "
                                 "pixel covering its centre; nearest-neighbour resize with "
                                 "half-pixel centres, as the pipeline's")},
        source="data:train")]
