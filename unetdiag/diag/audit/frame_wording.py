"""What the images hold under an untagged no-data frame, in words (the evidence is
:func:`~unetdiag.diag.audit.borders.frame_image_evidence`, measured on a strided sample of
each image, so its shares are said as shares of the pixels sampled).

Each sentence says only what the numbers hold: the images side with no-data when each holds
one value under the frame, the same in each, rarely elsewhere, and that value is not the
brightest an image holds (a saturated object, clipped glare, is one value in every band
too); otherwise the condition that failed is named.
"""

from __future__ import annotations

import math
from typing import Any

from unetdiag.diag.wording.text import plural


def image_value(value: float) -> str:
    """An image value as the report quotes it (``0``, ``255``, ``0.5``)."""
    return f"{value:g}"


def _at_least(share: float) -> str:
    """A lowest share said so that it stays true: ``"all"`` at 1, else rounded down (never
    "at least 100 %")."""
    if share >= 1:
        return "all"
    return f"at least {math.floor(share * 1000) / 10:g} %"


def _at_most(share: float) -> str:
    """A highest share with three significant digits, rounded up so that "at most" and "up
    to" stay true.

    >>> _at_most(0.0021749), _at_most(0.6048), _at_most(1.0), _at_most(0.0)
    ('0.218 %', '60.5 %', '100 %', '0 %')
    """
    if share <= 0:
        return "0 %"
    value = 100 * share
    step = 10.0 ** (math.floor(math.log10(value)) - 2)
    return f"{round(math.ceil(value / step - 1e-9) * step, 12):g} %"


def _sampled(seen: dict[str, Any]) -> str:
    """How many frame pixels were sampled per image."""
    count = plural(seen["min_sampled"], "pixel")
    return count if seen["masks"] == 1 else f"at least {count} in each image"


def _held(seen: dict[str, Any]) -> str:
    """``holds V in every band (all of the N pixels sampled there ...)``."""
    return (f"holds {image_value(seen['values'][0])} in every band ({_at_least(seen['min_share'])} "
            f"of the pixels sampled there, {_sampled(seen)}")


def frame_image_sentence(seen: dict[str, Any] | None) -> str:
    """The sentence on what the images hold under the frame ("" when not measured)."""
    if seen is None:
        return ""
    one = seen["masks"] == 1
    each = "the image" if one else f"each of the {seen['masks']} images"
    elsewhere = ("none of those sampled elsewhere" if seen["max_outside"] <= 0
                 else f"at most {_at_most(seen['max_outside'])} of those sampled elsewhere")
    if seen["sides"]:
        return (f" The images side with no-data: under it {each} {_held(seen)}; "
                f"{elsewhere}), as an image's own fill where a scene has no data does, and "
                f"{image_value(seen['values'][0])} is below the brightest value "
                f"{'the image holds' if one else 'each image holds'}, where a saturated "
                "object would lie; an object would show a picture there unless it is one value "
                "throughout.")
    if seen["agrees"]:
        return (f" Under it {each} {_held(seen)}; {elsewhere}): consistent with an "
                "image's own fill where a scene has no data, or with an object clipped to one "
                f"value, as {image_value(seen['values'][0])} is the brightest value "
                f"{'the image holds' if one else 'some image holds'} "
                "(saturated); a textured object would show a picture there. The images cannot "
                "tell these apart.")
    if not seen["one_fill"]:
        reason = (f"under it {'the' if one else 'some'} image holds its commonest value in "
                  f"every band on only {_at_most(seen['min_share'])} of the pixels sampled "
                  "there: it varies there, which fits an object or an area left unlabelled as "
                  "well as no-data of the labels only")
    elif not seen["same"]:
        reason = (f"under it {each} holds one value in every band, but not the same value in "
                  f"each ({len(seen['values'])} values), as one fill would be")
        if not seen["rare"]:
            reason += (f"; and up to {_at_most(seen['max_outside'])} of the pixels sampled "
                       "elsewhere in an image hold that image's value too")
    else:
        reason = (f"under it {each} {_held(seen)}), but so do up to "
                  f"{_at_most(seen['max_outside'])} of the pixels sampled elsewhere in an image "
                  "(a picture largely of that value), so holding it under the frame says "
                  "nothing")
    return f" The images do not decide it: {reason}."


#: How a frame lies, as every sentence on one says it: one region touching the border, or
#: bars filling two opposite sides (:func:`~unetdiag.diag.audit.borders.frame_regions`).
FRAME_LIES = "lies along the border, in one region or in bars on two opposite sides,"


def frame_headline(frame: int, share: str, seen: dict[str, Any] | None, nodata: str,
                   kept: str) -> str:
    """The headline's words on a frame: its readings, with the images' side when they take
    one."""
    lies = f"{frame} ({share} of pixels) {FRAME_LIES} in every mask holding it"
    if seen is not None and seen["sides"]:
        return (f"{lies}, where the images hold {image_value(seen['values'][0])} in every "
                f"band, as no-data outside a footprint does; pass {nodata} if it is no-data, as "
                f"the images suggest, or {kept} if it is an object")
    return (f"{lies}, as no-data outside a footprint does; pass {nodata} if it is no-data "
            f"or {kept} if it is an object")
