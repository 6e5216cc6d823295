"""Do a mask and its image have one geometry? Sizes, and the EXIF orientation between them.

``audit-data`` (from its tally) and ``unetdiag train`` (from the pairs its decoder saw) give
this module the same records, :class:`PairSizes`, and get the same findings:

====================================  ========  ==============================================
id                                    severity  when
====================================  ========  ==============================================
``geometry.exif_displayed_size``      error     masks have their image's size as displayed
                                                (its EXIF orientation applied), not as stored
``geometry.size_mismatch``            error     image and mask sizes differ otherwise
``image.exif_orientation``            warning   images carry an EXIF orientation their masks'
                                                sizes cannot check (info when every mask has
                                                the stored size)
``geometry.mask_exif_orientation``    error     untagged images; their masks carry an EXIF
                                                orientation that turns them to the image's
                                                size (stored, they are turned)
``mask.exif_orientation``             warning   untagged images; their masks carry an EXIF
                                                orientation whose turn the sizes cannot check
====================================  ========  ==============================================

The sizes are evidence of how a mask was drawn, never proof of what it shows: the wording
says "consistent with", and names only causes the sizes leave open: every mask 1/k of its
image in both dimensions is a downsampled export or a crop of that size; every mask one size
while the images vary is no image's own drawing; a mask larger than its image in both
dimensions is no crop. Masks all of a size matplotlib's default figure has (640x480 at 100
dpi) are looked at (the first three, :mod:`unetdiag.diag.data.figures`): white margins around
a picture in colour or in many grey levels name them figures saved by ``plt.savefig``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from unetdiag.diag.checks.masks_figures import framed_pictures_cause
from unetdiag.diag.core.findings import LISTED_FILES, Finding, Severity, listing_finding
from unetdiag.diag.data.figures import (
    FIGURE_INCHES,
    figure_dpi,
    looks_like_figure,
    padded_picture,
    padded_shape_fits,
)
from unetdiag.diag.data.orientation import (
    AXIS_SWAPPING,
    DISPLAY_TRANSFORMS,
    UPRIGHT,
    MaskFit,
    displayed_size,
    mask_fit,
)
from unetdiag.diag.wording.text import plural, verb

#: Who reads pixels as stored, ignoring the tag (the pipelines a mask is trained through).
READERS_AS_STORED = "Pillow's Image.open, tf.io.decode_image, Keras's load_img and unetdiag"


@dataclass(frozen=True)
class PairSizes:
    """One pair's sizes as ``(width, height)``, as stored, the image's EXIF orientation and
    the mask's own (:data:`~unetdiag.diag.data.orientation.UPRIGHT` when untagged)."""

    image: str
    mask: str
    image_size: tuple[int, int]
    mask_size: tuple[int, int]
    orientation: int = UPRIGHT
    mask_orientation: int = UPRIGHT

    @property
    def fit(self) -> MaskFit:
        return mask_fit(self.image_size, self.mask_size, self.orientation)

    @property
    def mask_tag_fit(self) -> MaskFit | None:
        """For an untagged image whose mask is tagged: which of the mask's sizes, stored or
        displayed (its own tag applied), is the image's; None otherwise."""
        if self.orientation != UPRIGHT or self.mask_orientation == UPRIGHT:
            return None
        return mask_fit(self.mask_size, self.image_size, self.mask_orientation)

    @property
    def size_ratio(self) -> float:
        """How far apart the two areas are (|log| of their ratio): the worst first."""
        image_area = self.image_size[0] * self.image_size[1]
        mask_area = self.mask_size[0] * self.mask_size[1]
        if image_area <= 0 or mask_area <= 0:
            return math.inf
        return abs(math.log(mask_area / image_area))


def _size(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _finding(finding_id: str, severity: Severity, title: str, explanation: str, fix: str,
             evidence: dict, pairs: Sequence[PairSizes], source: str,
             with_masks: bool = True) -> Finding:
    files = [path for pair in pairs[:LISTED_FILES]
             for path in ((pair.image, pair.mask) if with_masks else (pair.image,))]
    return listing_finding(finding_id, severity, title, explanation, fix, evidence, files,
                           source)


def _listed_sizes(pairs: Sequence[PairSizes]) -> list[dict]:
    return [{"image": pair.image, "image_size": _size(pair.image_size),
             "mask_size": _size(pair.mask_size), "exif_orientation": pair.orientation}
            | ({"mask_exif_orientation": pair.mask_orientation}
               if pair.mask_orientation != UPRIGHT else {})
            for pair in pairs[:LISTED_FILES]]


def geometry_findings(pairs: Sequence[PairSizes], source: str) -> list[Finding]:
    """The findings of this module for every pair given (pairs whose sizes match and whose
    image is untagged may be left out: they raise nothing)."""
    by_fit: dict[MaskFit, list[PairSizes]] = {"stored": [], "displayed": [], "either": [],
                                              "neither": []}
    mask_turned: list[PairSizes] = []
    mask_undecided: list[PairSizes] = []
    for pair in pairs:
        if pair.mask_tag_fit == "displayed":
            mask_turned.append(pair)
        elif pair.fit == "neither" or pair.orientation != UPRIGHT:
            by_fit[pair.fit].append(pair)
        if pair.mask_tag_fit == "either":
            mask_undecided.append(pair)
    findings = mask_orientation_findings(mask_turned, mask_undecided, source)
    if by_fit["displayed"]:
        findings.append(_displayed_size_finding(by_fit["displayed"], source))
    if by_fit["neither"]:
        worst_first = sorted(by_fit["neither"], key=lambda pair: -pair.size_ratio)
        findings.append(_size_mismatch_finding(worst_first, source))
    tagged = by_fit["either"] + by_fit["stored"]
    if tagged:
        findings.append(_orientation_finding(by_fit["either"], by_fit["stored"], source))
    return findings


def _displayed_size_finding(pairs: list[PairSizes], source: str) -> Finding:
    first = pairs[0]
    count = len(pairs)
    shown = displayed_size(*first.image_size, first.orientation)
    their = "its" if count == 1 else "their"
    return _finding(
        "geometry.exif_displayed_size", Severity.ERROR,
        f"{plural(count, 'mask')} {verb(count, 'has', 'have')} the size of {their} image as "
        "displayed, not as stored (EXIF orientation)",
        f"{first.image} stores {_size(first.image_size)} pixels tagged EXIF Orientation "
        f"{first.orientation}: viewers and annotation tools that honour the tag "
        f"{DISPLAY_TRANSFORMS[first.orientation]} and show {_size(shown)}, the size of its "
        f"mask. {READERS_AS_STORED} read the stored pixels and ignore the tag, so the image "
        "and its mask meet turned against each other; resized to the model's square input "
        "they no longer line up. The sizes are consistent with masks drawn on the displayed "
        "picture (labelme, CVAT and browsers apply the tag); they do not prove what the "
        "masks show.",
        "Write the listed images upright once, into a new folder "
        "(PIL.ImageOps.exif_transpose(image).save(...)), and use that folder; the masks "
        "need no change.",
        {"pairs": count, "sizes": _listed_sizes(pairs)}, pairs, source)


#: Masks whose margins are looked at when the sizes point at matplotlib figures.
FIGURE_MASKS_LOOKED_AT = 3


def _size_divisor(pair: PairSizes) -> int | None:
    """``k`` when the mask is 1/``k`` of its image (k >= 2) in both dimensions, each
    to the pixel below or above (``round(101 / 2)`` may be 50 or 51), else None."""
    (image_width, image_height), (mask_width, mask_height) = pair.image_size, pair.mask_size
    if mask_width <= 0 or mask_height <= 0:
        return None
    factor = round(image_width / mask_width)
    if factor < 2:
        return None
    fits = all(mask in (image // factor, -(-image // factor))
               for image, mask in ((image_width, mask_width), (image_height, mask_height)))
    return factor if fits else None


def _looked_at(count: int) -> str:
    return "the one looked at has" if count == 1 else f"the {count} looked at have"


def _padded_pictures(pairs: Sequence[PairSizes]) -> tuple[str, str, str, dict] | None:
    """The cause of masks that are pictures in a white padding (a tight matplotlib figure,
    :func:`~unetdiag.diag.data.figures.padded_picture`) when every one looked at is."""
    looked_at = [padded_picture(pair.mask, pair.image_size)
                 for pair in pairs[:FIGURE_MASKS_LOOKED_AT]]
    if not looked_at or None in looked_at:
        return None
    first, pad = pairs[0], looked_at[0]
    inside = (first.mask_size[0] - 2 * pad, first.mask_size[1] - 2 * pad)
    scale = inside[0] / first.image_size[0]
    # the pairs not looked at count only if their sizes less the padding seen fit (as the
    # tally's figures): a crop beside tight figures is none
    fitting = len(looked_at) + sum(
        any(padded_shape_fits(pair.mask_size, pair.image_size, (2 * width, 2 * width))
            for width in set(looked_at)) for pair in pairs[FIGURE_MASKS_LOOKED_AT:])
    share = "" if fitting == len(pairs) else f" {fitting} of them"
    return (f":{share} pictures in a white padding, as plt.savefig(bbox_inches='tight') writes",
            f"{_looked_at(len(looked_at)).capitalize()} a white padding of one width on every "
            f"side ({pad} px in {first.mask}) round a picture whose own edge is not white and "
            f"which has its image's shape at {scale:.2f} times its size ({_size(inside)} for "
            f"{_size(first.image_size)}): consistent with figures saved by "
            "plt.savefig(path, bbox_inches='tight') with the axes off (a padding of pad_inches, "
            "0.1 inch by default, round the picture), not masks: the padding is no label, "
            "and the picture has its image's shape at another size.",
            "Save each mask as an array, not a figure: "
            "plt.imsave(path, mask, cmap='gray') or PIL.Image.fromarray(mask).save(path) "
            "(0 and 255, or 0 and 1, at the image's size).",
            {"white_padding_px": pad, "picture_scale": round(scale, 3),
             "padded_pictures": f"{len(looked_at)} of {len(looked_at)} looked at"})


def _cause(pairs: Sequence[PairSizes]) -> tuple[str, str, str, dict]:
    """What the sizes (and, for figures, the margins) say about how the masks were made:
    ``(title addition, explanation sentence, fix, evidence)``; the causes the numbers
    leave open, never one they rule out."""
    count = len(pairs)
    factors = {_size_divisor(pair) for pair in pairs}
    if len(factors) == 1 and None not in factors:
        factor = factors.pop()
        every = "every" if count > 1 else "the"
        return (f" (each 1/{factor} of it)",
                f"{every.capitalize()} mismatched mask is 1/{factor} of its image's width and "
                f"height (to the pixel): consistent with labels exported at a {factor} times "
                "downsampled resolution (a downsampled export), or with labels of a region "
                f"1/{factor} of the image's size (a crop, such as the central tile an overlap-tile "
                "U-Net predicts from its larger input); the sizes do not tell which. A "
                "pipeline that resizes both to the model's input hides this: enlarged, a "
                f"downsampled export's edges are {factor} times coarser than the image's, and "
                "a crop's labels land on the wrong pixels; one that stacks arrays crashes.",
                f"Lay one mask over its image twice, enlarged {factor} times (nearest-neighbour) "
                "and at its own size at the image's centre, and see which lines up. A "
                "downsampled export: re-export the masks at their image's size, or enlarge "
                f"them {factor} times with nearest-neighbour (their edges stay coarse). A crop: "
                "crop each image to the region its mask covers (the centre, for overlap-tile "
                "labels).",
                {"size_fraction": f"1/{factor}"})
    if all(pair.mask_size == pair.image_size[::-1] for pair in pairs):
        every = "every" if count > 1 else "the"
        return (" (width and height swapped)",
                f"{every.capitalize()} mismatched mask has its image's width and height "
                "swapped: consistent with a transposed array (a mask saved from an array of "
                "shape (width, height)) or a mask turned 90 degrees; not a crop or a resized "
                "copy, whose sides would keep their order. A pipeline that resizes both to "
                "the model's input hides this and trains on labels that do not line up.",
                "Lay one mask over its image transposed (mask.T) and turned 90 degrees each "
                "way, see which lines up, and re-save the masks that way at their image's size.",
                {"sides": "swapped"})
    mask_sizes = {pair.mask_size for pair in pairs}
    image_sizes = {pair.image_size for pair in pairs}
    smaller = all(mask <= image for pair in pairs
                  for mask, image in zip(pair.mask_size, pair.image_size, strict=True))
    larger = all(pair.mask_size[0] >= pair.image_size[0] and pair.mask_size[1] >= pair.image_size[1]
                 for pair in pairs)
    if len(mask_sizes) == 1:
        size = next(iter(mask_sizes))
        dpi = figure_dpi(size)
        looked_at = [looks_like_figure(pair.mask) for pair in pairs[:FIGURE_MASKS_LOOKED_AT]]
        if dpi is not None and looked_at and all(looked_at):
            figures = "all" if count > 1 else "the"
            return (f": {figures} {_size(size)} with white margins, as matplotlib figures are",
                    f"{'All ' + str(count) if count > 1 else 'The'} mismatched "
                    f"{'masks are' if count > 1 else 'mask is'} {_size(size)}, the size of "
                    f"matplotlib's default figure ({FIGURE_INCHES[0]}x{FIGURE_INCHES[1]} inches "
                    f"at {dpi} dpi), and {_looked_at(len(looked_at))} white margins around a "
                    "picture in colour or in many grey levels, where a mask holds a few values: "
                    "consistent with figures saved by plt.savefig (axes, margins and a colour "
                    "map around the mask), not masks.",
                    "Save each mask as an array, not a figure: "
                    "plt.imsave(path, mask, cmap='gray') or PIL.Image.fromarray(mask).save(path) "
                    "(0 and 255, or 0 and 1, at the image's size).",
                    {"mask_size": _size(size), "figure_dpi": dpi,
                     "white_margins": f"{sum(looked_at)} of {len(looked_at)} looked at"})
    padded = _padded_pictures(pairs)
    if padded is not None:
        return padded
    framed = framed_pictures_cause(pairs, FIGURE_MASKS_LOOKED_AT)
    if framed is not None:
        return framed
    if len(mask_sizes) == 1:
        size = next(iter(mask_sizes))
        if count > 1 and len(image_sizes) > 1:
            return ("",
                    f"All {count} mismatched masks are {_size(size)} while their images have "
                    f"{len(image_sizes)} sizes: one fixed size for every mask, consistent with "
                    "masks resized to a fixed size, or pictures of the labels (a figure, a "
                    f"screenshot){', or fixed-size crops' if smaller else ''}; the labels need "
                    "not line up with their images. A pipeline that resizes both to the "
                    "model's input hides this; one that stacks arrays crashes.",
                    "", {"mask_size": _size(size)})
    causes = ("an upsampled copy, a picture of the labels, another image" if larger
              else "a crop, a downsampled copy, another image" if smaller
              else "a copy resized to another shape, a picture of the labels, another image")
    return ("",
            "A pipeline that resizes both to the model's input hides this, but the labels were "
            f"drawn on another geometry ({causes}) and need not line up; one that stacks "
            "arrays crashes.", "", {})


def _size_mismatch_finding(pairs: list[PairSizes], source: str) -> Finding:
    first = pairs[0]
    count = len(pairs)
    title_cause, cause, fix, evidence = _cause(pairs)
    return _finding(
        "geometry.size_mismatch", Severity.ERROR,
        f"{plural(count, 'mask')} {verb(count, 'differs', 'differ')} in size from "
        f"{'its' if count == 1 else 'their'} image{title_cause}",
        f"For {plural(count, 'pair')} the mask's size is not the image's (worst: {first.image} is "
        f"{_size(first.image_size)}, its mask {_size(first.mask_size)}). {cause}",
        fix or "Find out how the listed masks were made; regenerate them at their image's size "
        "(resize masks only with nearest-neighbour).",
        {"pairs": count, **evidence, "sizes": _listed_sizes(pairs)}, pairs, source)


def _orientation_finding(undecided: list[PairSizes], stored: list[PairSizes],
                         source: str) -> Finding:
    count = len(undecided) + len(stored)
    first = (undecided or stored)[0]
    shown = displayed_size(*first.image_size, first.orientation)
    opening = (f"{first.image} is tagged EXIF Orientation {first.orientation}: viewers and "
               f"annotation tools that honour the tag {DISPLAY_TRANSFORMS[first.orientation]}"
               f"; {READERS_AS_STORED} read them as stored. ")
    if undecided:
        why = ("the image is square" if first.orientation in AXIS_SWAPPING
               else "the turn keeps width and height")
        explanation = (
            opening + "A mask drawn on the displayed picture meets its image turned; one "
            f"drawn on the stored pixels lines up. For {len(undecided)} of these pairs the "
            f"sizes cannot tell which ({first.image}: {why}).")
        fix = ("Look at a mask over its image as read without the tag (the overlays in "
               "unetdiag train's report). If the objects are turned, write the images "
               "upright once into a new folder (PIL.ImageOps.exif_transpose) and use it.")
    else:
        explanation = (
            opening + f"Its mask is {_size(first.mask_size)}, the stored size, not the "
            f"displayed {_size(shown)}: consistent with masks drawn on the pixels as "
            "stored, the way training reads them. A viewer shows these images turned "
            "against their masks.")
        fix = ("Nothing to do for training; never apply the tag to the images alone "
               "(their masks would then be turned).")
    orientations: dict[str, int] = {}
    for pair in undecided + stored:
        orientations[str(pair.orientation)] = orientations.get(str(pair.orientation), 0) + 1
    return _finding(
        "image.exif_orientation", Severity.WARNING if undecided else Severity.INFO,
        f"{plural(count, 'image')} {verb(count, 'carries', 'carry')} an EXIF orientation "
        "that viewers apply and training does not",
        explanation, fix,
        {"images": count, "sizes_cannot_tell": len(undecided),
         "masks_of_stored_size": len(stored), "orientations": orientations},
        undecided + stored, source, with_masks=False)


def mask_orientation_findings(turned: list[PairSizes], undecided: list[PairSizes],
                              source: str) -> list[Finding]:
    """Masks tagged with an EXIF orientation their untagged images do not carry: an error
    for those the tag turns to their image's size (``turned``), else a warning for those
    whose sizes cannot tell (``undecided``: square, or a turn that keeps the axes)."""
    if not turned and not undecided:
        return []
    tags: dict[str, int] = {}
    for pair in turned or undecided:
        tags[str(pair.mask_orientation)] = tags.get(str(pair.mask_orientation), 0) + 1
    fix = ("Write the listed masks upright once, into a new folder "
           "(PIL.ImageOps.exif_transpose(mask).save(...)), and use that folder; the images "
           "need no change. Look at one turned mask over its image first.")
    if not turned:
        first, count = undecided[0], len(undecided)
        return [_finding(
            "mask.exif_orientation", Severity.WARNING,
            f"{plural(count, 'mask')} {verb(count, 'carries', 'carry')} an EXIF orientation "
            f"that {'its image does' if count == 1 else 'their images do'} not: training "
            "reads them as stored",
            f"{first.mask} is tagged EXIF Orientation {first.mask_orientation}: viewers that "
            f"honour the tag {DISPLAY_TRANSFORMS[first.mask_orientation]}; its image "
            f"{first.image} is untagged. {READERS_AS_STORED} read both as stored. If the "
            "mask was saved turned "
            "and the tag undoes it, it meets its image turned in training; if the tag was "
            "copied onto upright pixels, nothing is wrong. The sizes cannot tell (the mask "
            "has its image's size either way).",
            fix.replace("Write the listed masks", "If a mask over its image is turned, write "
                        "the listed masks").replace(" Look at one turned mask over its image "
                                                    "first.", ""),
            {"masks": count, "mask_orientations": tags, "sizes": _listed_sizes(undecided)},
            undecided, source)]
    first, count = turned[0], len(turned)
    shown = displayed_size(*first.mask_size, first.mask_orientation)
    return [_finding(
        "geometry.mask_exif_orientation", Severity.ERROR,
        f"{plural(count, 'mask')} {verb(count, 'is', 'are')} stored turned: "
        f"{'its' if count == 1 else 'their'} own EXIF orientation turns "
        f"{'it' if count == 1 else 'them'} to {'its' if count == 1 else 'their'} image's size",
        f"{first.mask} stores {_size(first.mask_size)} pixels tagged EXIF Orientation "
        f"{first.mask_orientation}: viewers that honour the tag "
        f"{DISPLAY_TRANSFORMS[first.mask_orientation]} and show {_size(shown)}, the size of "
        f"its image {first.image}, which is untagged. {READERS_AS_STORED} read the stored pixels "
        "and ignore the tag, so training meets the mask turned against its image: resized to "
        "the model's input they no longer line up. The sizes are consistent with masks saved "
        "turned with a tag that undoes it (images later written upright without their tag, "
        "masks keeping theirs); they do not prove what the masks show.",
        fix,
        {"pairs": count, "mask_orientations": tags,
         "sizes_cannot_tell": len(undecided), "sizes": _listed_sizes(turned)},
        turned, source)]
