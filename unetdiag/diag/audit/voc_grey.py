"""PASCAL VOC's colour masks read as grey: a label map whose values are the luminances of
VOC's palette colours.

VOC's ``SegmentationClass`` PNGs are palette images: each pixel an index (0 background,
1-20 the classes, 255 the void border), shown in VOC's colours. Read with
``cv2.imread(path, cv2.IMREAD_GRAYSCALE)`` or PIL's ``convert('L')`` and saved again, each
index becomes its colour's luminance (ITU-R 601-2: aeroplane (128, 0, 0) becomes 38, the void
(224, 224, 192) 220): yu-changqian/TorchSeg#65 ("you directly read the gt mask value from
function cv2.grayscale ... dont you need to remap the pixel value to the class index").

The grey levels alone cannot prove it; a label map that holds 0, 220 on the border band of
most masks and nothing but such luminances is *consistent with* it, and its values are then
no instance numbers to threshold at 0 (which would train the void border as object).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unetdiag.diag.wording.text import join_names

if TYPE_CHECKING:  # label_verdict imports this module
    from unetdiag.diag.audit.label_verdict import LabelVerdict

#: VOC's class names by index (0-20).
VOC_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
               "cat", "chair", "cow", "dining table", "dog", "horse", "motorbike", "person",
               "potted plant", "sheep", "sofa", "train", "tv/monitor")
#: VOC's void index.
VOC_VOID = 255
#: The void must be held by at least this share of the label maps (it borders every object).
VOID_MASK_SHARE = 0.5


def voc_colour(index: int) -> tuple[int, int, int]:
    """VOC's palette colour of ``index`` (the bits of the index spread over R, G, B).

    >>> voc_colour(1), voc_colour(15), voc_colour(255)
    ((128, 0, 0), (192, 128, 128), (224, 224, 192))
    """
    red = green = blue = 0
    code = index
    for bit in range(8):
        red |= ((code >> 0) & 1) << (7 - bit)
        green |= ((code >> 1) & 1) << (7 - bit)
        blue |= ((code >> 2) & 1) << (7 - bit)
        code >>= 3
    return red, green, blue


def luminance(colour: tuple[int, int, int]) -> int:
    """The grey level PIL's ``convert('L')`` (and OpenCV's grey read) give a colour.

    >>> luminance((128, 0, 0)), luminance((224, 224, 192))
    (38, 220)
    """
    red, green, blue = colour
    return (red * 19595 + green * 38470 + blue * 7471 + 0x8000) >> 16


def _grey_names() -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for index, name in enumerate(VOC_CLASSES):
        names.setdefault(luminance(voc_colour(index)), []).append(name)
    return names


#: Grey level -> the VOC classes whose colour reads as it (aeroplane and potted plant share 38).
VOC_GREY_NAMES = _grey_names()
VOC_VOID_GREY = luminance(voc_colour(VOC_VOID))


def voc_grey_classes(holders: dict[int, int], masks: int,
                     void_separating: int) -> dict[int, str] | None:
    """The object values of grey label maps (``holders``: value -> label maps holding it, of
    ``masks``) consistent with VOC's palette read as grey, each with its class name(s): 0
    and :data:`VOC_VOID_GREY` held (the void in at least :data:`VOID_MASK_SHARE` of the
    masks), the void a band (every boundary between the other values passing through it) in
    ``void_separating`` > 0 masks, every other value a class colour's luminance; None
    otherwise. The band is what makes 220 VOC's void rather than a class of its own (a
    region of 220 holding a lesion of 128 is grey levels 0, 128, 220 too); objects touching
    each other or the edge keep it from parting every pair in every mask, so some suffice."""
    if (0 not in holders or holders.get(VOC_VOID_GREY, 0) < max(1, VOID_MASK_SHARE * masks)
            or void_separating < 1):
        return None
    objects = [value for value in holders if value not in (0, VOC_VOID_GREY)]
    if not objects or any(value not in VOC_GREY_NAMES for value in objects):
        return None
    return {value: " or ".join(VOC_GREY_NAMES[value]) for value in sorted(objects)}


def verdict_voc_grey(verdict: LabelVerdict) -> dict[int, str] | None:
    """:func:`voc_grey_classes` of a verdict's grey label maps (None for palettes, colours)."""
    if verdict.colour or verdict.palette:
        return None
    return voc_grey_classes({entry.value: entry.masks for entry in verdict.values},
                            verdict.masks, next((entry.separating_masks for entry in
                                                 verdict.values
                                                 if entry.value == VOC_VOID_GREY), 0))


def voc_grey_sentence(classes: dict[int, str]) -> str:
    """Why the values read as VOC's colours in grey."""
    named = join_names([f"{value} {name}" for value, name in classes.items()])
    return (f"the values are consistent with PASCAL VOC's colour masks read as grey "
            "(cv2.IMREAD_GRAYSCALE or PIL convert('L') turn each class colour into its "
            f"luminance): {named}, and {VOC_VOID_GREY} the void border (224, 224, 192); "
            "they are classes, not one number per object")


VOC_GREY_FIX = ("Read the original SegmentationClass PNGs as they are stored (PIL "
                "Image.open(path) without convert: mode P gives the class indices, 255 the "
                "void) and save those indices, or map each grey level back to its class; then "
                f"pass --foreground-values with the class wanted and --ignore-values "
                f"{VOC_VOID} (or --ignore-values {VOC_VOID_GREY} on these grey files), to "
                "audit-data and train.")
