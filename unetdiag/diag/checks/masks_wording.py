"""The sentences of the ``labels.*`` and ``imbalance.*`` findings: evidence in,
:class:`~unetdiag.diag.checks.sentences.Sentences` out.

:mod:`unetdiag.diag.checks.masks` measures and decides; every number quoted here comes from
the evidence it reports (or is passed in by name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from unetdiag.diag.checks.edges import EDGE_NEIGHBOURHOOD_RADIUS, RIM_RADIUS
from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.data.policy import format_values
from unetdiag.diag.wording.text import percent, plural, verb

MASK_POLICY_FIX = ("unetdiag's MaskPolicy does this for you and records the policy it used "
                   "(auto threshold: 127.5 for 8-bit masks, 0.5 for 0/1 masks).")
READ_ONE_CHANNEL_FIX = (
    "Decode masks as one channel of numbers: Pillow `Image.open(p).convert('L')`, or read "
    "palette PNGs with Pillow to keep their indices (tf.io.decode_png expands a palette to "
    "RGB); unetdiag's pipeline decodes masks with channels=1.")


# --------------------------------------------------------------------------- label values


def not_numbers(evidence: Mapping) -> Sentences:
    dtype = evidence["dtype"]
    return Sentences(
        title=f"Labels are not numbers (dtype {dtype})",
        explanation=(f"The masks arrived as dtype {dtype}; a loss needs numeric 0/1 "
                     "labels, so nothing about them can be checked or trained on."),
        fix=READ_ONE_CHANNEL_FIX)


def wrong_shape(evidence: Mapping) -> Sentences:
    shape = tuple(evidence["shape"])
    reason = ("holds no pixels" if math.prod(shape) == 0 else
              f"has {len(shape)} axes; expected (H, W), (N, H, W) or (N, H, W, 1)")
    return Sentences(
        title=f"Label array {reason}",
        explanation=(f"The masks have shape {shape}: the label array {reason}, "
                     "so it cannot line up with a one-channel segmentation output."),
        fix="Check how masks are decoded and batched: one (H, W, 1) mask per image.")


def channels(evidence: Mapping) -> Sentences:
    count = evidence["channels"]
    what = ("every channel is identical: grayscale masks saved or decoded as RGB"
            if evidence["channels_identical"] else "the channels differ: colour-coded masks "
            "(a palette or RGB label image), where each class is a colour, not a 0/1 value")
    return Sentences(
        title=f"Masks have {count} channels; a binary U-Net outputs 1",
        explanation=(f"The masks have shape {tuple(evidence['shape'])}: {what}. Against a "
                     "(N, H, W, 1) prediction Keras broadcasts the channels silently, so "
                     f"each pixel is counted {count} times and colours are read as "
                     "label values."),
        fix=READ_ONE_CHANNEL_FIX)


def non_finite(evidence: Mapping, pixels: int) -> Sentences:
    """``pixels``: every label pixel of the array."""
    total = evidence["non_finite_pixels"]
    return Sentences(
        title=f"{total} label pixels are NaN or infinite",
        explanation=(f"{total} of {pixels} label pixels ({evidence['fraction']:.2%}) in "
                     f"{evidence['masks_affected']} of {evidence['masks']} masks are not finite "
                     f"({evidence['nan']} NaN, {evidence['positive_inf']} +Inf, "
                     f"{evidence['negative_inf']} -Inf). A NaN label "
                     "makes the loss of its whole batch NaN, and Keras's running-mean loss "
                     "then reads NaN for the rest of the epoch even if training recovers."),
        fix=("Find the file and re-export it. A frequent cause is normalising by the mask's own "
             "maximum (mask / mask.max()): an empty mask gives 0/0 = NaN. Divide by a fixed "
             "scale (255) or binarise with a threshold instead. " + MASK_POLICY_FIX))


def out_of_range(evidence: Mapping) -> Sentences:
    low, high = evidence["min"], evidence["max"]
    lines = [f"Labels run from {low:g} to {high:g}: {evidence['pixels_outside']} pixels "
             f"({evidence['fraction_outside']:.1%}) lie outside [0, 1], in "
             f"{evidence['masks_affected']} of {evidence['masks']} masks."]
    if high > 1:
        lines.append(
            f"With labels up to {high:g} a perfect prediction scores Dice "
            f"{evidence['perfect_prediction_dice']:.3f} (Dice "
            "can only reach 1 with 0/1 labels), the Dice loss goes negative, and Keras 3's "
            "binary cross-entropy goes hugely negative instead of NaN (measured with 0/255 "
            "masks: -2.09 at the start, -1.9e6 after 4 epochs, gradients ~500x too large).")
        if evidence["looks_like_class_indices"]:
            lines.append(f"The {evidence['distinct_value_count']} values are small whole "
                         "numbers: these look like class indices of a multi-class mask, not a "
                         "binary one.")
        elif evidence["intermediate_fraction"] > 0:
            reading = evidence.get("intermediate_reading", "no_layout")
            where = (f"{evidence['edge_share']:.0%} of them lie " + fading_values(
                evidence["rim_share"], f"0 or {high:g}", f" stored on a 0-{high:g} scale")
                if reading == "soft" else INTERMEDIATE_READINGS[reading].format(
                    edge=evidence.get("edge_share"), rim=evidence.get("rim_share"),
                    radius=RIM_RADIUS))
            lines.append(f"{evidence['intermediate_fraction']:.1%} of pixels sit between 0 and "
                         f"{high:g}. {where}")
    if low < 0:
        lines.append(f"Negative labels (down to {low:g}) usually mean the image normalisation "
                     "(e.g. to [-1, 1]) was applied to the masks too; cross-entropy and Dice "
                     "then reward predicting the wrong class.")
    return Sentences(
        title=f"Labels outside [0, 1]: values from {low:g} to {high:g}",
        explanation=" ".join(lines),
        fix=("Bring masks to {0, 1} before training: divide 8-bit 0/255 masks by 255 or, "
             "better, threshold them (mask > 127); never apply image normalisation to masks. "
             + (SOFT_VALUES_FIX if evidence.get("intermediate_reading") in ("soft", "regions")
                else "") + MASK_POLICY_FIX))


def fading_values(rim: float, ends: str, scale: str = "") -> str:
    """What values near both classes but rarely in a thin rim read as (soft labels,
    probability maps, a large interpolated resize): the end of a sentence starting "...
    of them lie", for ``labels.*`` and ``audit-data``'s ``mask.non_binary``. ``rim``:
    their :func:`~unetdiag.diag.checks.edges.rim_share`; ``ends``: the end values in words;
    ``scale``: how the values are stored, or nothing."""
    return (f"near both background and foreground, but only {rim:.0%} within {RIM_RADIUS} "
            f"pixels of a pixel holding {ends}, where anti-aliased drawing, JPEG and small "
            "resizes leave theirs: values fading over several pixels, consistent with soft "
            f"labels or probability maps (a blurred or predicted mask){scale}, or with a mask "
            "resized with interpolation by a large factor (3x down and up again, 8x up).")


#: The fix for such values: a threshold chosen on purpose.
SOFT_VALUES_FIX = ("If they are probabilities, choose the threshold that makes them masks on "
                   "purpose (--mask-threshold) or binarise them once; if they should hold two "
                   "values, export them again without smoothing, resizing with "
                   "nearest-neighbour only. ")


#: What "on object edges" means wherever a share of values is said to sit there
#: (:func:`unetdiag.diag.checks.edges.edge_share`): a radius the size of JPEG's block.
ON_OBJECT_EDGES = (f"on object edges (within {EDGE_NEIGHBOURHOOD_RADIUS} pixels of a solid "
                   "region of one class and of a pixel of the other)")


#: What values between the ends spread through whole regions are consistent with in any file.
REGIONS_CAUSES = "soft labels, probability maps, or photographs used as masks"


def regions_cause(jpeg_masks: int) -> str:
    """What values between the ends spread through whole regions are consistent with, no
    closing full stop: in ``jpeg_masks`` JPEG files also a label map (class or object
    numbers), whose every region compression moves off its number (ids 1..137 saved as JPEG:
    9 % of such values on edges)."""
    if not jpeg_masks:
        return f"consistent with {REGIONS_CAUSES}"
    return (f"consistent with {REGIONS_CAUSES}, or, in the {plural(jpeg_masks, 'JPEG mask')}, "
            "with label maps (class or object numbers) whose regions JPEG compression moved "
            "off their numbers")


#: Why a mask holds values strictly between 0 and 1, by where those values sit
#: (:func:`unetdiag.diag.checks.masks.non_binary_reading`).
NON_BINARY_CAUSES = {
    "resampling": ("{share:.0%} of them sit " + ON_OBJECT_EDGES + ", {rim:.0%} of them at "
                   "most {radius} pixels from a pixel "
                   "at 0 or 1: the mark of a mask resized with bilinear or bicubic "
                   "interpolation (measured: 2.5 % non-binary pixels, 59 values), saved as "
                   "JPEG (7.3 %, 27 values) or drawn with anti-aliasing."),
    "no_layout": "The array has no spatial layout, so where they sit cannot be told.",
    "regions": ("Only {share:.0%} of them sit " + ON_OBJECT_EDGES + "; the rest are spread "
                "through whole regions: soft labels, probability maps, or an image used as "
                "its own mask (the original project read each photograph as its mask)."),
}

#: The same readings of the values between 0 and the top of labels above 1.
INTERMEDIATE_READINGS = {
    "resampling": ("{edge:.0%} of them sit " + ON_OBJECT_EDGES + ", {rim:.0%} of them at most "
                   "{radius} pixels from a pixel at either end: the masks were also "
                   "interpolated or JPEG-compressed, or drawn with anti-aliasing."),
    "no_layout": ("Where they sit cannot be told (no spatial layout): interpolation, JPEG or "
                  "soft labels leave such values."),
    "regions": ("Only {edge:.0%} of them sit " + ON_OBJECT_EDGES + "; the rest are spread through "
                "whole regions: soft labels, probability maps or images used as masks."),
}

#: The fix of ``labels.non_binary`` by reading: resampled masks are exported again;
#: probabilities need a threshold chosen on purpose.
_RESAMPLED_FIX = ("Resize masks with nearest-neighbour (tf.image.resize(..., method='nearest'), "
                  "Pillow Image.NEAREST), store them losslessly (PNG, not JPEG), and binarise "
                  "at the midpoint. ")


def non_binary(evidence: Mapping, cause: str) -> Sentences:
    """``cause``: a key of :data:`NON_BINARY_CAUSES`, or ``"soft"``."""
    fraction = evidence["fraction"]
    if cause == "soft":
        reading = f"{evidence['edge_share']:.0%} of them lie " + fading_values(
            evidence["rim_share"], "0 or 1")
    else:
        reading = NON_BINARY_CAUSES[cause].format(share=evidence["edge_share"],
                                                  rim=evidence.get("rim_share", math.nan),
                                                  radius=RIM_RADIUS)
    opening = (f"{evidence['pixels_between']} label pixels ({fraction:.2%}) hold "
               f"{evidence['distinct_value_count']} different values strictly between 0 and 1, "
               f"in {evidence['masks_affected']} of {evidence['masks']} masks.")
    consequence = ("Cross-entropy and Dice treat 0.5 as half foreground, while accuracy "
                   "thresholds the prediction but not the label, so the metrics disagree about "
                   "what the target is.")
    return Sentences(
        title=f"{fraction:.2%} of label pixels are neither 0 nor 1",
        explanation=" ".join((opening, reading, consequence)),
        fix=(_RESAMPLED_FIX if cause in ("resampling", "no_layout") else SOFT_VALUES_FIX)
        + ("If a mask looks like its photograph, check that the masks are not read from the "
           "images' folder. "
           if cause == "regions" else "") + MASK_POLICY_FIX)


# --------------------------------------------------------------------------- imbalance


def empty_masks(evidence: Mapping) -> Sentences:
    empty, images, share = evidence["empty_masks"], evidence["masks"], evidence["share"]
    several = evidence.get("several_values") or 0
    if several:
        # "empty" only of masks that hold one value: the others hold values the policy reads
        # as background
        return _decoded_empty(evidence, several)
    if empty == images:
        headline = f"All {images} masks are empty"
        meaning = ("There is no foreground to learn: every model, including one that predicts "
                   "nothing, is perfect on these masks. Usually the masks were binarised with "
                   "the wrong threshold or polarity, or the wrong files were read as masks.")
    else:
        headline = f"{empty} of {images} masks ({share:.1%}) are empty"
        meaning = (f"A model that predicts nothing is exactly right on these {share:.1%} of the "
                   "images. What they score depends on the Dice convention (1 with numerator "
                   "smoothing, 0 without, or left out), which can move a per-image mean by up "
                   f"to {share:.2f}.")
    return Sentences(
        title=headline,
        explanation=f"{empty} of {images} masks contain no foreground pixel. {meaning}",
        fix=("If empty images are real (no object present), keep them and report which Dice "
             "convention scores them; if not, check the mask threshold and polarity "
             "(MaskPolicy) and that the right files are read as masks."))


def _decoded_empty(evidence: Mapping, several: int) -> Sentences:
    empty, images = evidence["empty_masks"], evidence["masks"]
    single = empty - several
    several_hold = f"{verb(several, 'holds', 'hold')} more than one value, all read as background"
    if single:
        held = (f"{single} of them {verb(single, 'holds', 'hold')} a single value "
                f"({verb(single, 'it is', 'they are')} empty), the other {several} "
                f"{several_hold}")
    else:
        held = f"{verb(several, 'it', 'all of them')} {several_hold}"
    return Sentences(
        title=f"{empty} of {images} masks decode empty under the mask policy",
        explanation=(f"{empty} of {images} masks ({evidence['share']:.1%}) have no foreground "
                     f"pixel under the mask policy: {held}. A model that predicts nothing is "
                     "exactly right on them."),
        fix=("Look at the listed masks: if their values mark objects, change the policy "
             "(--mask-threshold, --mask-polarity, --foreground-values); if they are empty "
             "images, keep them and report which Dice convention scores them."))


def other_class_option(evidence: Mapping) -> str:
    """How to make the other class the foreground under the policy the masks were read with
    (``imbalance.mostly_foreground`` evidence): an option combination the CLI accepts.

    >>> other_class_option({"by_values": True, "background_values": [0]})
    'decode with --foreground-values 0'
    """
    if evidence.get("by_values"):
        values = evidence.get("background_values")
        if values:
            return f"decode with --foreground-values {format_values(values)}"
        return "name the background's stored values in --foreground-values instead"
    if evidence.get("dark_is_foreground"):
        return "decode without --mask-polarity dark"
    return "decode with --mask-polarity dark"


def mixed_polarity_groups(mixed: Mapping) -> str:
    """The two groups of foreground shares and the first turned over, as a sentence."""
    high, low, turned = (mixed["mostly_foreground_range"], mixed["other_range"],
                         mixed["turned_range"])
    return (f"The foreground shares fall in two groups with none between: "
            f"{mixed['mostly_foreground_masks']} masks at {high[0]:.1%} to {high[1]:.1%}, "
            f"{mixed['other_masks']} at {low[0]:.1%} to {low[1]:.1%}; turned over, the first "
            f"group would be {turned[0]:.1%} to {turned[1]:.1%}, near the second.")


def mostly_foreground(evidence: Mapping, images: int) -> Sentences:
    """``images``: every mask of the dataset."""
    count, threshold = evidence["masks"], evidence["threshold"]
    mixed = evidence.get("mixed_polarity")
    if mixed:
        return Sentences(
            title=(f"{count} of {images} masks {verb(count, 'is', 'are')} more than "
                   f"{threshold:.0%} foreground, "
                   f"{mixed['other_masks']} others at most {mixed['other_range'][1]:.0%}: "
                   "mixed polarities or objects of two sizes?"),
            explanation=mixed_polarity_groups(mixed) + (
                " Consistent with masks whose values swap roles from file to file (the "
                "object stored as the values read as foreground in some files, as the others "
                "in the rest), which no single --foreground-values reads right, "
                if evidence.get("by_values") else
                " Consistent with masks stored with both polarities (the object bright in "
                "some files, dark in others), which no single --mask-polarity reads right, ")
            + "or with objects of two very different sizes.",
            fix=("Look at one mask of each group next to its image. If the object is the "
                 "background in one group, recode those files only so that the object holds "
                 "the same value as in the others (two values a and b: a + b - mask); naming "
                 "the other value in --foreground-values would turn the other group over."
                 if evidence.get("by_values") else
                 "Look at one mask of each group next to its image. If the object is the "
                 "background in one group, invert those files only (e.g. 255 - mask) and "
                 "keep the others; --mask-polarity dark would turn the other group over."))
    if evidence.get("full_masks") == count:
        scored = " scored" if evidence.get("of_pixels_scored") else ""
        return Sentences(
            title=(f"{count} of {images} masks {verb(count, 'is', 'are')} foreground at every "
                   f"pixel{scored}"),
            explanation=(f"In {plural(count, 'mask')} ({evidence['share']:.1%}) every pixel"
                         f"{scored} reads as foreground: a mask without background "
                         "outlines nothing under either polarity (turned over, it is empty), "
                         "so it says "
                         "nothing about polarity. Consistent with blank or placeholder masks "
                         "(one value written everywhere), masks of no object stored the "
                         "other way round, or a threshold or value policy that reads the "
                         "background as foreground too."),
            fix=("Look at the listed masks: if each holds one value, find out how they were "
                 "exported and regenerate them from the source labels; if they hold an "
                 "object, choose a threshold or --foreground-values that separates it."))
    if evidence.get("object_side"):
        return Sentences(
            title=(f"{count} of {images} masks {verb(count, 'is', 'are')} more than "
                   f"{threshold:.0%} foreground"),
            explanation=(f"In {plural(count, 'mask')} ({evidence['share']:.1%}) the object "
                         f"covers more than {threshold:.0%} of the image (up to "
                         f"{evidence['largest_fraction']:.1%}). Every mask is a threshold of "
                         f"its own image with the object the {evidence['object_side']} side, "
                         "so all are stored with one polarity: these are large objects."),
            fix="Nothing to fix if the listed objects are that large.")
    if not evidence.get("majority", True):
        few = evidence["share"] < evidence["warning_share"]
        # exactly half is no minority (and no majority)
        side = (f"{verb(count, 'It is', 'They are')} a minority" if 2 * count < images
                else "They are half of the masks, not a majority")
        reading = ("consistent with a few large objects" if few else
                   "these may be large objects, or masks stored with the other convention "
                   "(a dataset that mixes polarities)")

        return Sentences(
            title=(f"{count} of {images} masks {verb(count, 'is', 'are')} more than "
                   f"{threshold:.0%} foreground"),
            explanation=(f"In {plural(count, 'mask')} ({evidence['share']:.1%}) the object "
                         f"covers more than {threshold:.0%} of the image (up to "
                         f"{evidence['largest_fraction']:.1%}). {side}: inverted "
                         f"polarity of the whole dataset would make most masks mostly "
                         f"foreground, so {reading}."),
            fix=("Nothing to fix if the listed objects are that large; otherwise look at them "
                 "next to their images, and invert those stored the other way."))
    return Sentences(
        title=(f"{count} of {images} masks {verb(count, 'is', 'are')} more than "
                   f"{threshold:.0%} foreground"),
        explanation=(f"In {count} masks ({evidence['share']:.1%}) the object "
                     f"covers more than {threshold:.0%} of the image "
                     f"(up to {evidence['largest_fraction']:.1%}). Objects are usually the "
                     "smaller class, so this often means inverted polarity (the objects read "
                     "dark, the background bright: stored so, or stored bright in a TIFF "
                     "tagged WhiteIsZero, as ImageJ saves masks with an inverting LUT, which "
                     "Pillow inverts on reading and tifffile does not) or a "
                     "photograph binarised with `> 0` (the "
                     "original project: 99.5 % foreground). If the objects really are "
                     "that large, ignore this."),
        fix=("Look at two of the listed masks next to their images. If the background is "
             f"marked, {other_class_option(evidence)}; if a mask looks like the photograph, "
             "the mask path points at the images."))


def extreme(evidence: Mapping, pixels: int) -> Sentences:
    """``pixels``: every pixel of the dataset."""
    overall = evidence["foreground_fraction"]
    majority = "background" if overall < 0.5 else "foreground"
    return Sentences(
        title=(f"Only {min(overall, 1 - overall):.2%} of all pixels are "
               f"{'foreground' if majority == 'background' else 'background'}"),
        explanation=(f"Foreground is {overall:.2%} of all {pixels} pixels. A "
                     f"model that paints everything {majority} is "
                     f"{evidence['constant_predictor_accuracy']:.2%} "
                     "accurate, so accuracy says nothing here"
                     + (", and with so little background an all-foreground model also "
                        "scores a near-perfect Dice (2f/(1+f))." if overall > 0.5 else
                        "; tiny objects are also where Dice smoothing and empty-mask "
                        "conventions move the numbers most.")),
        fix=("Judge the run by Dice/IoU against the trivial baselines unetdiag reports, "
             "not by accuracy." if overall < 0.5 else
             "Check the masks are not inverted or binarised photographs (see "
             "imbalance.mostly_foreground) before training on them."))


#: Small objects touching the image's border are named as a cause when they hold at least
#: this share of the small objects' pixels (a few pieces at the edge of whole images are not).
BORDER_SHARE_NAMED = 0.5


def tiny_objects(evidence: Mapping, non_empty: int) -> Sentences:
    """``non_empty``: how many masks hold any foreground."""
    count, threshold = evidence["masks"], evidence["threshold_pixels"]
    measured = ("smallest connected object (8-connected)"
                if evidence["measured_from"] == "smallest_object_pixels" else
                "total foreground (so every object in the mask is at least this small)")
    opening = (f"In {count} of {plural(non_empty, 'non-empty mask')} "
               f"({evidence['share_of_non_empty']:.1%}) the {measured} is under "
               f"{threshold} pixels (smallest: {evidence['smallest_pixels']:g}).")
    specks = ""
    if evidence.get("speck_pixels"):
        pixels = evidence["speck_pixels"]
        specks = (f" {pixels} of their pixels, in {plural(evidence['speck_masks'], 'JPEG mask')}"
                  f", {verb(pixels, 'lies', 'lie')} in specks within 8 pixels of a larger "
                  "object whose values all lie nearer the threshold than the foreground's: "
                  "consistent with JPEG ringing, these specks are not counted as objects "
                  "(small pieces holding foreground values are).")
    border = ""
    if evidence.get("border_share", 0.0) >= BORDER_SHARE_NAMED:
        border = (f" In {plural(evidence['border_masks'], 'mask')} small objects touch the "
                  f"image's border ({percent(evidence['border_share'])} of the small objects' "
                  "pixels): pieces of objects cut by the image's edge look so (tiles cut from "
                  "a larger image hold many).")
    jpeg = evidence.get("lossy_masks", 1) > 0  # unknown: any mask may be JPEG
    holds = f"{plural(count, 'mask')} {'holds' if count == 1 else 'hold'}"
    if "masks_where_they_matter" in evidence:
        matter = evidence["masks_where_they_matter"]
        share = evidence["matter_share"]
        largest = percent(evidence["largest_foreground_share"])
        besides = " Besides those specks, such" if specks else " Such"
        if not evidence["they_matter"]:
            all_specks = evidence["largest_foreground_share"] == 0 and specks
            return Sentences(
                title=(f"{holds} objects under {threshold} pixels, "
                       + ("all specks next to larger objects, consistent with JPEG ringing"
                          if all_specks else f"at most {largest} of their foreground")),
                explanation=(f"{opening}{specks}{border}{besides} objects hold at most "
                             f"{largest} of a mask's foreground ({share:.0%} or more in "
                             f"{plural(matter, 'mask')}): pieces this small barely move Dice, "
                             "and they are no population of small objects to train for."),
                fix="Nothing to fix: listed so the counts can be checked.")
        opening += (f" In {matter} of them they hold {share:.0%} or more of the foreground "
                    f"(up to {largest}).{specks}")
    opening += border
    return Sentences(
        title=f"{holds} objects under {threshold} pixels",
        explanation=(f"{opening} Such an object is less than one cell after two "
                     "down-sampling steps, one missed pixel costs it more than 3 Dice points, "
                     "and Dice smoothing weighs most on it."
                     + (" Specks of a few pixels are also what JPEG noise leaves behind after "
                        "a `> 0` threshold." if jpeg else "")),
        fix=("Look at the listed masks: "
             + ("remove specks that are compression noise (store masks as PNG, threshold at "
                "the midpoint); " if jpeg else "")
             + "if the objects are real, train at a higher resolution or with fewer "
             "down-sampling steps, and keep Dice smoothing small relative to their size."))


def imbalance_summary(evidence: Mapping, median: float, mostly_threshold: float) -> Sentences:
    """``median``: the median per-mask foreground fraction; ``mostly_threshold``: the
    fraction above which a mask counts as mostly foreground."""
    images, overall = evidence["masks"], evidence["foreground_fraction"]
    spread = (f"it ranges from {evidence['per_mask_min']:.2%} to "
              f"{evidence['per_mask_max']:.2%} (median {median:.2%})")
    if "ignored_pixels" in evidence:  # pixels of ignored values are in no count
        ignored = evidence["ignored_pixels"] / (evidence["pixels"] + evidence["ignored_pixels"])
        of = "the pixels scored"
        whole = (f" ({evidence['foreground_of_all_pixels']:.2%} of all pixels; the "
                 f"{ignored:.2%} holding ignored values are left out)")
    else:
        of, whole = "all pixels", ""
    return Sentences(
        title=f"Foreground is {overall:.2%} of {of} over {images} masks",
        explanation=(f"Over {images} masks, foreground is {overall:.2%} of {of}{whole}; per mask "
                     f"{spread}. {plural(evidence['empty_masks'], 'mask')} "
                     f"{verb(evidence['empty_masks'], 'is', 'are')} empty and "
                     f"{evidence['mostly_foreground_masks']} "
                     f"{verb(evidence['mostly_foreground_masks'], 'is', 'are')} more than "
                     f"{mostly_threshold:.0%} foreground."),
        fix="Nothing to fix: these are the numbers the other findings rest on.")
