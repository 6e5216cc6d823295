"""The sentences of the findings about what Pillow leaves out of a file
(:mod:`unetdiag.diag.audit.storage_findings`): evidence in,
:class:`~unetdiag.diag.checks.sentences.Sentences` out. Every number quoted comes from the
evidence."""

from __future__ import annotations

from collections.abc import Mapping

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.wording.text import percent, plural, verb

#: Bits Pillow keeps of each sample of a 16-bit colour file.
KEPT_BITS = 8
TOP_BYTE_DIVISOR = 2 ** KEPT_BITS


def _top_byte_opening(count: int, noun: str, bits: int) -> tuple[str, str]:
    title = (f"{plural(count, noun)} {verb(count, 'stores', 'store')} {bits} bits per "
             f"channel, of which Pillow reads only the top {KEPT_BITS}")
    explanation = (
        f"{verb(count, 'This file is', 'These files are')} colour (or grey with alpha) with "
        f"{bits} bits per sample, as {verb(count, 'its', 'their')} header states, but "
        "Pillow, which unetdiag reads files with, opens such files as 8-bit RGB, RGBA or LA "
        f"and keeps only the top {KEPT_BITS} bits of each channel: the values it gives, and "
        f"the trainer uses, are the stored ones divided by {TOP_BYTE_DIVISOR}, rounded down.")
    return title, explanation


def top_byte_images(evidence: Mapping) -> Sentences:
    count, largest = evidence["images"], evidence["largest_read"]
    title, explanation = _top_byte_opening(count, "image", evidence["stored_bits"])
    explanation += (
        f" The largest value read is {largest:g} of 255, so no stored value reaches "
        f"{(largest + 1) * TOP_BYTE_DIVISOR:g}; each image reaches the network with at most "
        f"{plural(int(evidence['levels_per_channel']), 'distinct level')} per channel, "
        "whatever its file holds.")
    constant = evidence["read_as_one_value"]
    if constant:
        explanation += (f" {plural(constant, 'image')} {verb(constant, 'reads', 'read')} as "
                        f"a single value (every stored value within the same {TOP_BYTE_DIVISOR}"
                        " levels, or a blank image: it cannot be told which).")
    return Sentences(
        title=title, explanation=explanation,
        fix=("Convert the files before training: to 8 bits per channel with a scaling of "
             "your choice (e.g. by the data's largest value rather than 65535), or to one "
             "channel of 16 bits (a grey 16-bit PNG or TIFF, which Pillow reads in full)."))


def top_byte_masks(evidence: Mapping) -> Sentences:
    count = evidence["masks"]
    title, explanation = _top_byte_opening(count, "mask", evidence["stored_bits"])
    unknown = evidence["read_as_one_value"]
    explanation += (f" A mask that stores 0 and 1 (or any values below {TOP_BYTE_DIVISOR}) "
                    "reads as all 0.")
    if unknown:
        values = ", ".join(f"{value:g}" for value in evidence["single_values"])
        explanation += (
            f" {plural(unknown, 'mask')} {verb(unknown, 'reads', 'read')} as a single value "
            f"({values}): whether {verb(unknown, 'it is', 'they are')} empty cannot be told "
            "from what Pillow gives, so " + (
                f"the audit leaves {verb(unknown, 'it', 'them')} out of its foreground, "
                "empty-mask and baseline figures, and training would use what was read."
                if evidence.get("left_out", True) else
                "the trainer's foreground, empty-mask and baseline figures count "
                f"{verb(unknown, 'it', 'them')} as read, and so does the training."))
    several = count - unknown
    if several:
        explanation += (
            f" {plural(several, 'mask')} {verb(several, 'reads', 'read')} with several "
            f"values and {verb(several, 'is', 'are')} decoded from "
            f"{verb(several, 'its', 'their')} top bytes; stored values that differ only in "
            f"their low {KEPT_BITS} bits read alike.")
    return Sentences(
        title=title, explanation=explanation,
        fix=("Re-save the masks as one channel of 8 bits (0/255 or 0/1 grey PNG), or of 16 "
             "bits (grey 16-bit PNG or TIFF, which Pillow reads in full)."))


def dropped_samples(evidence: Mapping) -> Sentences:
    count, kept = evidence["images"], evidence["bands_read"]
    stored = evidence["samples_stored"]
    return Sentences(
        title=(f"{plural(count, 'image')} {verb(count, 'stores', 'store')} more samples per "
               "pixel than Pillow reads"),
        explanation=(
            f"{verb(count, 'This TIFF stores', 'These TIFFs store')} "
            f"{' or '.join(map(str, stored))} samples per pixel, as "
            f"{verb(count, 'its', 'their')} header states, but Pillow, which unetdiag reads "
            f"files with, opens {verb(count, 'it', 'them')} with "
            f"{' or '.join(map(str, kept))} bands and leaves the other samples out (an extra "
            "sample such as a near-infrared band, which GDAL and satellite tools write after "
            "the RGB ones): the trainer never sees them, whatever they hold."),
        fix=("If those bands matter, write the bands the model should see to files Pillow "
             "reads (an 8-bit RGB of three chosen bands, or one grey file per band) in a new "
             "folder, or train with a loader that reads every band; if not, nothing to do."))


def unreadable_masks(evidence: Mapping) -> str:
    """Why the trainer refuses masks of 16 bits per colour channel that all read as a single
    value (one sentence naming a file)."""
    count, values = evidence["masks"], ", ".join(f"{v:g}" for v in evidence["single_values"])
    which = (f"the mask {evidence['file']}: it stores" if count == 1 else
             f"the masks: all {count} ({evidence['file']} and {count - 1} more) store")
    return (f"cannot train on {which} {evidence['stored_bits']} bits per colour channel, of "
            f"which Pillow reads only the top {KEPT_BITS}, and "
            f"{verb(count, 'it reads', 'each reads')} as a single value ({values}): what "
            f"{verb(count, 'it holds', 'they hold')} cannot be read, and the network would be "
            "trained on that one value. Re-save the masks as one channel of 8 bits (0/255 or "
            "0/1 grey PNG) or of 16 bits (grey 16-bit PNG or TIFF, which Pillow reads in "
            "full).")


def transparent_images(evidence: Mapping) -> Sentences:
    count = evidence["images"]
    worst, worst_share = evidence["worst_file"], evidence["worst_share"]
    return Sentences(
        title=(f"{plural(count, 'image')} {verb(count, 'has', 'have')} transparent pixels "
               f"(alpha below 255 on up to {percent(worst_share)} of "
               f"{verb(count, 'its', 'their')} pixels)"),
        explanation=(
            "The trainer drops the alpha channel, as most loaders do, and trains on the colour "
            "values stored under transparent pixels: a viewer blends those with the "
            "background or hides them, and under alpha 0 they carry no meaning (editors and "
            "tilers leave black, white, noise or the cut-out background there). "
            f"{worst}: {percent(worst_share)} of its pixels; over the "
            f"{plural(count, 'image')}, {percent(evidence['share'])} of the pixels."),
        fix=("Flatten the images onto one background before training (Pillow: "
             "Image.alpha_composite(Image.new('RGBA', im.size, 'black'), im).convert('RGB')), "
             "or mark the transparent pixels in the masks with a value of their own and pass "
             "it to --ignore-values, so that they weigh nothing in the loss and metrics."))


def _range_text(low: float, high: float) -> str:
    return f"{low:g}..{high:g}"


def out_of_range(evidence: Mapping) -> Sentences:
    """``image.out_of_range``, worded by what the images are: float, or integer types the
    trainer divides by 65535 (signed 16-bit, Pillow's 32-bit integer mode)."""
    count = evidence["images"]
    parts, fixes = [], []
    floats, integers = evidence.get("float"), evidence.get("integer")
    if floats:
        parts.append(
            f"Float images are used as stored: {floats['file']} runs from "
            f"{floats['min']:g} to {floats['max']:g}."
            + (f" Mixed with the {plural(evidence['scaled_images'], 'integer image')}, "
               "which are scaled to [0, 1] by their type's range, the network sees inputs "
               "on different scales." if evidence["scaled_images"] else ""))
        fixes.append("Store float images in [0, 1], or as unsigned 8/16-bit integers.")
    if integers:
        held = [f"{plural(number, 'image')} ({integers['depth']}) "
                f"{verb(number, 'holds', 'hold')} {what}"
                for number, what in ((integers["negative_images"], "negative values"),
                                     (integers["above_range_images"], "values above 65535"))
                if number]
        low, high = integers["min"], integers["max"]
        parts.append(
            " and ".join(held) + f" (worst: {integers['file']}, {_range_text(low, high)}). "
            "The trainer divides these integers by 65535, as it does unsigned 16-bit data, "
            f"so {_range_text(low, high)} become "
            f"{integers['scaled_min']:.3g}..{integers['scaled_max']:.3g}: the network sees "
            f"values spanning {percent(integers['scaled_span'])} of the [0, 1] range it is "
            "built for" + (", negative ones included." if low < 0 else "."))
        fixes.append("Map the integers to [0, 1] yourself before training (for CT, clip to a "
                     "window such as -1000..1000 HU and rescale) and store the result as "
                     "float, or store them as unsigned 16-bit with an offset that makes every "
                     "value non-negative and a scaling that uses the range.")
    return Sentences(
        title=f"{plural(count, 'image')} {verb(count, 'has', 'have')} values outside [0, 1] "
              "after the trainer's scaling",
        explanation=" ".join(parts), fix=" ".join(fixes))
