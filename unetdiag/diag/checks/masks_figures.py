"""Why masks differ in size from their images when they are matplotlib figures drawn with
their axes on (``plt.imshow(mask); plt.savefig(path)``, tight or not): the frame of spines,
tick marks and labels round a picture of the image's shape
(:func:`~unetdiag.diag.data.figures.framed_picture`), worded for ``geometry.size_mismatch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unetdiag.diag.data.figures import framed_picture

#: What to do instead, as the other figure causes say it.
SAVE_AS_ARRAY = ("Save each mask as an array, not a figure: plt.imsave(path, mask, cmap='gray') "
                 "or PIL.Image.fromarray(mask).save(path) (0 and 255, or 0 and 1, at the "
                 "image's size).")


def framed_pictures_cause(pairs: Sequence[Any], looked_at: int
                          ) -> tuple[str, str, str, dict] | None:
    """``(title addition, explanation, fix, evidence)`` when every one of the first
    ``looked_at`` mismatched masks (``PairSizes``: ``mask``, ``mask_size``, ``image_size``)
    is a picture framed by a matplotlib axes; None otherwise."""
    frames = [framed_picture(pair.mask, pair.image_size) for pair in pairs[:looked_at]]
    if not frames or None in frames:
        return None
    first, (left, top, right, bottom) = pairs[0], frames[0]
    picture = (right - left + 1, bottom - top + 1)
    sizes = {pair.mask_size for pair in pairs[:looked_at]}
    # the pairs not looked at count when they share a looked-at mask's size
    fitting = len(frames) + sum(pair.mask_size in sizes for pair in pairs[looked_at:])
    share = "" if fitting == len(pairs) else f" {fitting} of them"
    seen = ("the one looked at has" if len(frames) == 1
            else f"the {len(frames)} looked at have")
    return (f":{share} framed pictures with marks beside them, as plt.savefig writes a plot "
            "with its axes on",
            f"{seen.capitalize()} a rectangle of lines (in {first.mask}: {picture[0]}x"
            f"{picture[1]} px at ({left}, {top})) with white outside it but for marks, most "
            "of them left of and below it, round a picture of its image's shape at another "
            "size: consistent with figures saved by plt.imshow(mask) and plt.savefig(path) "
            "with the axes on "
            "(the frame is the axes' spines, the marks their ticks and tick labels), not "
            "masks: the frame, the ticks and the white round them are no labels.",
            SAVE_AS_ARRAY,
            {"axes_frame": [left, top, right, bottom], "framed_picture_px": list(picture),
             "framed_pictures": f"{len(frames)} of {len(frames)} looked at"})
