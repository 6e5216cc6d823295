"""How label-map values are named in sentences: numbers, or (r, g, b) colours for
colour-coded label maps, their shares, and the colours the decoder cannot tell apart (a
shared brightest channel, a colormap's two ends) with the conversion that fixes them. Moved
out of :mod:`unetdiag.diag.audit.label_findings`, unchanged.
"""

from __future__ import annotations

from unetdiag.diag.audit.label_verdict import LabelVerdict
from unetdiag.diag.data.labelmaps import colour_rgb
from unetdiag.diag.wording.text import QUOTED_VALUES, join_names, percent, plural, values_text


def held_values(verdict: LabelVerdict) -> str:
    if verdict.colour:
        return plural(len(verdict.values), "colour")
    text = values_text([entry.value for entry in verdict.values])
    if len(verdict.values) == 1:
        return f"the value {text}"
    return text if "values" in text else f"the values {text}"


def value_name(verdict: LabelVerdict, value: int) -> str:
    """A value as the masks store it: a number, or an (r, g, b) colour."""
    return str(colour_rgb(value)) if verdict.colour else str(value)


def value_names(verdict: LabelVerdict, values: list[int]) -> str:
    """Values as a sentence names them: runs of whole numbers as ranges, at most
    :data:`~unetdiag.diag.wording.text.QUOTED_VALUES` quoted (an instance label image can hold
    thousands)."""
    if not verdict.colour:
        return values_text(values, counted=False)
    names = [value_name(verdict, value) for value in values[:QUOTED_VALUES]]
    more = len(values) - QUOTED_VALUES
    return join_names(names) if more <= 0 else f"{', '.join(names)} and {more} more"


def value_table(verdict: LabelVerdict) -> str:
    parts = [f"{value_name(verdict, entry.value)}: {percent(entry.share)} in "
             f"{plural(entry.masks, 'mask')}" for entry in verdict.values[:QUOTED_VALUES]]
    more = len(verdict.values) - QUOTED_VALUES
    return "; ".join(parts) + (f"; {more} more in the evidence" if more > 0 else "")


def alike_colours(verdict: LabelVerdict) -> str:
    """``"(0, 0, 127) and (127, 0, 0) have the same brightest channel (127)"``: the colours
    the decoder cannot tell apart, grouped by their brightest channel."""
    groups: dict[int, list[str]] = {}
    for entry in verdict.values:
        rgb = colour_rgb(entry.value)
        groups.setdefault(max(rgb), []).append(str(rgb))
    parts = [f"{join_names(names)} have the same brightest channel ({level})"
             for level, names in groups.items() if len(names) > 1]
    return "; ".join(parts)


def colormap_clause(verdict: LabelVerdict) -> str:
    """Where two colours come from, when they are a colormap's two ends."""
    if verdict.colormap is None:
        return ""
    return (f"; the two are matplotlib's {verdict.colormap} at its two ends (plt.imsave of a "
            "0/1 mask colour-maps it)")


def colours_alike_choice(verdict: LabelVerdict) -> str | None:
    """The headline's words for colour label maps whose colours decode alike (None when
    every colour has a brightest channel of its own)."""
    if not (verdict.colour and verdict.shared_brightest):
        return None
    names = value_names(verdict, [entry.value for entry in verdict.values])
    which = ("whose brightest channels are equal" if len(verdict.values) == 2 else
             "some of whose brightest channels are equal")
    return (f"they are colour-coded label maps holding {held_values(verdict)}, {names}, "
            f"{which}, so no threshold tells them apart; convert them to class numbers")


def ade20k_classes(verdict: LabelVerdict) -> dict[int, int] | None:
    """Colour label maps consistent with the ADE20K full release's encoding (class =
    R / 10 * 256 + G, B numbering each object instance: CSAILVision/ADE20K's
    ``utils_ade20k.py``): every red a multiple of 10, at least two classes other than 0 and
    one of them held by colours that differ in blue only; and some red above 0 (a class above
    255, as most of ADE20K's are) or, with red 0 everywhere (classes below 256 only), blues
    that number instances in each mask (``verdict.instance_blues``: no blue shared by two
    classes in one mask). The classes and how many colours (instances) each has; None
    otherwise. Class 0 (unlabelled) sharing colours is no evidence: any palette on black with
    a pure-blue class (Cityscapes' car (0, 0, 142)) reads so. (Only consistent with it:
    another palette may meet all the conditions.)"""
    if not verdict.colour:
        return None
    classes: dict[int, int] = {}
    reds = set()
    for entry in verdict.values:
        red, green, _ = colour_rgb(entry.value)
        if red % 10:
            return None
        reds.add(red)
        number = red // 10 * 256 + green
        classes[number] = classes.get(number, 0) + 1
    labelled = {number: colours for number, colours in classes.items() if number}
    if ((max(reds) == 0 and not verdict.instance_blues) or len(labelled) < 2
            or max(labelled.values()) < 2):
        return None
    return classes


def ade20k_sentence(classes: dict[int, int]) -> str:
    """The colours read as ADE20K's classes and instances (class 0 left out of the shared
    ones: its colours are no evidence, see :func:`ade20k_classes`)."""
    shared = sorted((number for number, colours in classes.items() if number and colours > 1),
                    key=lambda number: -classes[number])
    named = join_names([f"{number} in {classes[number]}" for number in shared[:QUOTED_VALUES]]
                       + ([f"{len(shared) - QUOTED_VALUES} more"]
                          if len(shared) > QUOTED_VALUES else []))
    return (f" The colours are consistent with the encoding of ADE20K's full release (class = "
            "R / 10 * 256 + G, the blue channel numbering each object instance): read so, "
            f"they hold {plural(len([n for n in classes if n]), 'class', 'classes')}"
            + (" beside 0 (ADE20K's unlabelled pixels)" if 0 in classes else "")
            + (", several" if len(shared) > 1 else ", one")
            + f" as more than one colour ({named} colours)"
            + (_BLUES_ALONE if _red_0_everywhere(classes)
               else ", so a colour is an instance, not a class."))


#: With red 0 in every colour the ADE20K reading rests on the blues alone.
_BLUES_ALONE = (". With red 0 in every colour (classes below 256 only) this rests on the blue "
                "channel alone: a palette of greens and blues whose colours differ in blue "
                "only (green (0, 255, 0) beside cyan (0, 255, 255)) reads the same, each colour "
                "a class; the values alone cannot tell which.")


def _red_0_everywhere(classes: dict[int, int]) -> bool:
    """Every colour read as an ADE20K class below 256 (class = R / 10 * 256 + G): red 0."""
    return max(classes) < 256


#: Share of a colour map's colours (black aside) held by one mask only, for the colours to be
#: read as each image's own segment numbers; and the fewest masks that can show it.
PER_IMAGE_COLOUR_SHARE = 0.9
MIN_PER_IMAGE_MASKS = 2


def colours_per_image(verdict: LabelVerdict) -> tuple[int, int] | None:
    """``(held by one mask, colours)`` of colour maps whose colours (black aside) nearly all
    appear in one mask only, at least one a mask: numbers of each image's segments (COCO
    panoptic's id = R + 256 G + 256^2 B), which never recur, or classes too many for these
    masks to repeat (a 150-class palette over six scenes: 36 colours, none in two masks)."""
    if (not verdict.colour or verdict.masks < MIN_PER_IMAGE_MASKS
            or ade20k_classes(verdict) is not None):
        return None
    coloured = [entry for entry in verdict.values if entry.value != 0]
    single = sum(1 for entry in coloured if entry.masks == 1)
    if len(coloured) < verdict.masks or single < PER_IMAGE_COLOUR_SHARE * len(coloured):
        return None
    return single, len(coloured)


def per_image_sentence(verdict: LabelVerdict) -> str:
    """What colours that do not recur are consistent with (:func:`colours_per_image`)."""
    single, colours = colours_per_image(verdict) or (0, 0)
    return (f" {single} of the {colours} colours besides black are held by one mask only "
            f"(of {verdict.masks}): consistent with colours that number the segments of each "
            "image (as COCO panoptic's PNGs do, id = R + 256 G + 256^2 B), or with classes too "
            f"many for {verdict.masks} masks to repeat; which are the objects is in the "
            "annotation that came with them. The decoder reads a colour mask by its brightest "
            "channel, which is neither a segment's number nor a class's.")


#: The fix for masks of colours that do not recur.
PER_IMAGE_FIX = ("If the colours number each image's segments (COCO panoptic's PNGs), draw "
                 "binary masks from the segments' categories in the annotation that came with "
                 "them (COCO panoptic's JSON lists each segment's id and category_id): 255 "
                 "where a segment of the wanted category lies, 0 elsewhere, saved as grey PNG. "
                 "If each colour is a class, convert the masks to one class number per pixel "
                 "(a lookup from colour to index), then save the class wanted as 0/255 grey PNG "
                 "(mask = class == N).")


def colour_fix(verdict: LabelVerdict) -> str:
    if colours_per_image(verdict) is not None:
        return PER_IMAGE_FIX
    ade20k = ade20k_classes(verdict)
    if ade20k is not None and _red_0_everywhere(ade20k):
        return ("If they are ADE20K's masks, convert them to class numbers as its own loader "
                "does (class = R // 10 * 256 + G, the blue channel left out); if each colour is "
                "a class, convert them to one class number per pixel (a lookup from colour to "
                "index). Then save the class you want as the object as 0/255 grey PNG "
                "(mask = class == N).")
    if ade20k is not None:
        return ("Convert the masks to class numbers as ADE20K's own loader does (class = R // "
                "10 * 256 + G, the blue channel left out), then save the class you want as the "
                "object as 0/255 grey PNG (mask = class == N; class numbers above 255 need "
                "16-bit PNG to be kept whole).")
    colormap = ""
    if verdict.colormap_zero is not None:
        one = next(entry.value for entry in verdict.values
                   if entry.value != verdict.colormap_zero)
        colormap = (f": {value_name(verdict, verdict.colormap_zero)}, {verdict.colormap}'s colour "
                    f"at 0, to 0 and {value_name(verdict, one)} to 1")
    # the re-save advice only where a colormap made the colours (not an editor's palette)
    resave = (", or save them again without a colormap (plt.imsave(path, mask, cmap='gray') "
              "or Image.fromarray(mask * 255))" if verdict.colormap_zero is not None else "")
    return ("Convert the masks to one class number per pixel (a lookup from colour to "
            f"index{colormap}, saved as 8-bit grey PNG){resave}"
            + ("; then choose the foreground with --foreground-values."
               if len(verdict.values) > 2 else "."))
