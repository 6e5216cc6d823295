"""The plain-words answer of ``audit-data``: its sentences, on the one headline pipeline.

Each rule (:data:`HEADLINE_RULES`, most important first) reads the findings and the
:class:`~unetdiag.diag.audit.tally.AuditTally`; the first that speaks is the headline, followed
by how many problems there are in all (:func:`~unetdiag.diag.wording.headline.severity_tail`).
When nothing is above info, the headline says what a trained model must beat.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from unetdiag.diag.audit.findings import copies_phrase
from unetdiag.diag.audit.tally import EMPTY_RULE, AuditTally
from unetdiag.diag.checks.masks_wording import other_class_option
from unetdiag.diag.core.dice import DEFAULT_DICE, all_ones_dice, trivial_baselines
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.wording.headline import HeadlineRule, compose_headline
from unetdiag.diag.wording.text import percent, plural, verb


def _first(findings: Sequence[Finding], finding_id: str,
           severity: Severity | None = None) -> Finding | None:
    return next((finding for finding in findings if finding.id == finding_id
                 and (severity is None or finding.severity is severity)), None)


def _mask_is_image_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    same_file = int(tally.same_file.sum())
    copied = tally.mask_is_image()
    overlaid = tally.mask_is_overlay()
    copies, overlays = int(copied.sum()), int(overlaid.sum())
    if not (same_file or copies or overlays):
        return None
    what = []
    if same_file:
        what.append(f"{same_file} of {tally.pair_count} pairs use the image file as its own "
                    "mask")
    if copies:
        what.append(f"{copies} of {tally.pair_count} masks "
                    f"{copies_phrase(copies, int(tally.mask_equals_image().sum()))}")
    if overlays:
        what.append(f"{overlays} of {tally.pair_count} masks "
                    f"{verb(overlays, 'is its image', 'are their images')} with something "
                    f"drawn over {verb(overlays, 'part of it', 'parts of them')}")
    # a posterised copy follows its image without being it
    themselves = same_file or overlays or tally.mask_equals_image().any()
    sentence = (f"Masks are {'the images themselves' if themselves else 'pictures of the images'}"
                ": " + " and ".join(what) + ".")
    read = (tally.same_file | copied | overlaid) & tally["mask_read"]
    if read.any():
        pixels = tally["pixels"][read]
        at_zero = float((tally["foreground_at_zero"][read] * pixels).sum() / pixels.sum())
        sentence += (f" Binarised with `> 0`, as the original project did, they are "
                     f"{at_zero:.1%} foreground, and a model that paints every pixel "
                     f"foreground scores Dice {all_ones_dice(at_zero):.4f}.")
    return sentence


def _threshold_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "pairing.mask_thresholds_image")
    if finding is None:
        return None
    count, read = finding.evidence["masks"], int(tally["mask_read"].sum())
    # said of the dataset only where most masks show it; a few are left to the finding
    if count <= read / 2:
        return None
    return (f"Masks are thresholds of their own images: {count} of {plural(read, 'mask')} "
            f"read {verb(count, 'is', 'are')} reproduced exactly by one grey-level threshold "
            f"of {verb(count, 'its', 'their')} image, so a model can score well by learning "
            "that threshold.")


def _unreadable_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    if not tally.unreadable:
        return None
    first = min(tally.unreadable, key=lambda entry: entry.index)
    return (f"{plural(len(tally.unreadable), 'file')} cannot be read (first: {first.path}: "
            f"{first.reason}); training would stop at the first of them.")


def _top_byte_masks_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "mask.sixteen_bit_colour", Severity.ERROR)
    if finding is None:
        return None
    evidence = finding.evidence
    count = evidence["masks"]
    return (f"{plural(count, 'mask')} {'stores' if count == 1 else 'store'} "
            f"{evidence['stored_bits']} bits per "
            "colour channel, of which Pillow reads only the top 8: "
            + (f"{evidence['read_as_one_value']} of them read as a single value, so what "
               "they hold" if count > 1 else "it reads as a single value, so what it holds")
            + " cannot be told from what the trainer would decode (see "
            "mask.sixteen_bit_colour).")


def _decodes_empty_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "mask.decodes_empty")
    if finding is None:
        return None
    evidence = finding.evidence
    sentence = finding.title
    if evidence.get("colours_alike_choice"):
        return f"{sentence}: {evidence['colours_alike_choice']} (see mask.label_map)."
    if evidence.get("ignored_objects_choice"):
        values = ",".join(f"{value:g}" for value in evidence["policy"]["ignore_values"])
        return (f"{sentence}: once --ignore-values {values} is applied only background is "
                f"left; {evidence['ignored_objects_choice']}.")
    if evidence.get("two_levels_text"):
        sentence += f": {evidence['two_levels_text']}"
    if evidence.get("values_text"):
        sentence += f": they are label maps holding {evidence['values_text']}"
    if evidence.get("contour_choice"):  # three readings the values cannot tell apart
        return f"{sentence}; {evidence['contour_choice']}."
    if evidence.get("proposed_flags"):
        return f"{sentence}; pass {evidence['proposed_flags']}{_swapped_values(findings)}."
    if evidence.get("numbered_objects_choice"):
        return f"{sentence}; {evidence['numbered_objects_choice']}."
    if evidence.get("readings_choice"):
        return f"{sentence}; {evidence['readings_choice']}."
    if evidence.get("values_text"):
        return f"{sentence}; choose the foreground with --foreground-values."
    return f"{sentence}, though {evidence['several_values']} of them hold more than one value."


def _same_region_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "mask.nearly_identical")
    if finding is None:
        return None
    return (f"Masks are nearly the same region in every image: {finding.title[0].lower()}"
            f"{finding.title[1:]} (median IoU {finding.evidence['median_iou']:.2f} with their "
            "median shape), consistent with field-of-view masks rather than targets.")


def _label_map_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "mask.label_map", Severity.WARNING)
    if finding is None:
        return _two_levels_sentence(findings)
    evidence = finding.evidence
    kind = "colour-coded label maps" if evidence.get("colour") else "label maps"
    sentence = f"Masks are {kind} holding {evidence['values_text']}"
    if evidence["label_map_masks"] < evidence["masks_read"]:
        sentence = (f"{evidence['label_map_masks']} of {evidence['masks_read']} masks are "
                    f"{kind} holding {evidence['values_text']}")
    if evidence.get("kept_text"):
        sentence = (f"{evidence['label_map_masks']} of {evidence['masks_read']} masks are "
                    f"{kind} holding {evidence['values_text']}, and {evidence['kept_text']}")
    if evidence.get("nodata_text"):
        sentence += f", {evidence['nodata_text']}"
    if evidence.get("contour_choice"):  # three readings the values cannot tell apart
        return f"{sentence}; {evidence['contour_choice']} (see mask.label_map)."
    if evidence.get("proposed_flags"):
        return (f"{sentence}; pass {evidence['proposed_flags']}{_swapped_values(findings)} "
                "(see mask.label_map).")
    if evidence.get("colour"):
        return (f"{sentence}: their brightest channel, which the mask policy thresholds, is "
                "no class (see mask.label_map).")
    if evidence.get("readings_choice"):
        return f"{sentence}: {evidence['readings_choice']} (see mask.label_map)."
    if evidence.get("voc_grey_text"):
        return (f"{sentence}: {evidence['voc_grey_text']}; read the original palette PNGs as "
                "class indices, or choose the class with --foreground-values and ignore the "
                "void (see mask.label_map).")
    if evidence.get("numbered_objects_choice"):
        return f"{sentence}; {evidence['numbered_objects_choice']} (see mask.label_map)."
    return f"{sentence}; choose the foreground with --foreground-values (see mask.label_map)."


def _shares(span: Sequence[float]) -> str:
    """``"96% to 100%"``, or ``"4%"`` when both ends round alike (no range of one value).

    >>> _shares((0.96, 1.0)), _shares((0.0433, 0.0433))
    ('96% to 100%', '4%')
    """
    low, high = f"{span[0]:.0%}", f"{span[1]:.0%}"
    return low if low == high else f"{low} to {high}"


def _swapped_values(findings: Sequence[Finding]) -> str:
    """``", though under it the masks fall in two groups ..."`` when, under the proposed
    value policy, the foreground shares mirror each other in two groups (and, where it holds
    in every mask, the value read as object fills the border of each mostly-foreground mask
    and of no other): consistent with values that swap roles file by file, or with objects
    of two sizes; never a claim of inversion. "" otherwise."""
    finding = _first(findings, "imbalance.mostly_foreground")
    if finding is None or not finding.evidence.get("policy_is_proposed"):
        return ""
    mixed = finding.evidence.get("mixed_polarity")
    if not mixed:
        return ""
    high, low = mixed["mostly_foreground_range"], mixed["other_range"]
    clause = (f", though under it the masks fall in two groups, {mixed['mostly_foreground_masks']}"
              f" at {_shares(high)} foreground and {mixed['other_masks']} at {_shares(low)}")
    label = _first(findings, "mask.label_map")
    sides = None if label is None else label.evidence.get("object_on_border")
    large = "with objects of two very different sizes"
    if (sides and sides["mostly_foreground_masks"] == mixed["mostly_foreground_masks"]
            and sides["object_fills_border"] == sides["mostly_foreground_masks"]
            and sides["others_object_fills_border"] == 0):
        clause += (", and the value read as object fills the border of each mask of the first "
                   "group and of none of the second")
        large = "with large objects that touch the border"
    return (f"{clause}: consistent with the object stored as one value in some files and as "
            f"the other in the rest, or {large}; look at one of each (see "
            "imbalance.mostly_foreground)")


def _two_levels_sentence(findings: Sequence[Finding]) -> str | None:
    """Binary masks the policy in force reads as one class (``mask.two_levels_one_class``)."""
    finding = _first(findings, "mask.two_levels_one_class", Severity.WARNING)
    if finding is None:
        return None
    evidence = finding.evidence
    count = f"{evidence['masks']} of {evidence['masks_read']} masks"
    if evidence["masks"] == evidence["masks_read"]:
        count = "Masks"
    sentence = (f"{count} hold only 0 and {evidence['levels'][1]}, the two levels of a binary "
                "mask, read as one class")
    if evidence.get("kept_text"):
        sentence += f", and {evidence['kept_text']}"
    return f"{sentence}; pass {evidence['proposed_flags']} (see mask.two_levels_one_class)."


def _blank_first_frame_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    # only when masks are empty because of it: it explains them better than the threshold
    empty = _first(findings, "imbalance.empty_masks")
    if empty is None or empty.severity is Severity.INFO or not empty.evidence.get(
            "blank_first_frames"):
        return None
    blank = empty.evidence["blank_first_frames"]
    which = "all of them" if blank == empty.evidence["empty_masks"] > 1 else f"{blank} of them"
    return (f"{empty.title} on the frame that is read: {which} "
            f"{'is a multi-frame file' if blank == 1 else 'are multi-frame files'} whose "
            "first frame, the only one read, holds a single value while a later frame holds "
            "several; the annotation is probably there (see file.blank_first_frame).")


def _overlapping_tiles_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = _first(findings, "duplicates.overlapping_tiles", Severity.WARNING)
    if finding is None:
        return None
    evidence = finding.evidence
    return (f"Validation overlaps training: {evidence['validation_sharing_with_training']} of "
            f"{evidence['validation_images']} validation images hold whole pixel rows or "
            "columns of training images, as overlapping tiles of one larger image split by "
            "file do; validation scores pixels the model trained on (see "
            "duplicates.overlapping_tiles).")


#: Errors that open the headline when no earlier rule spoke, in this order.
_HEADLINE_ERRORS = ("pairing.mask_is_side_by_side", "geometry.exif_displayed_size",
                    "geometry.mask_exif_orientation",
                    "geometry.size_mismatch", "imbalance.empty_masks", "mask.non_finite",
                    "image.non_finite", "duplicates.split_leak")


def _error_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    for finding_id in _HEADLINE_ERRORS:
        finding = _first(findings, finding_id, Severity.ERROR)
        if finding is not None:
            return f"{finding.title}."
    return None


def _baseline_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    scores: dict[str, list[str]] = {}
    accuracy = _first(findings, "baseline.accuracy_uninformative")
    if accuracy is not None:
        scores.setdefault(accuracy.evidence["predictor"], []).append(
            f"accuracy {accuracy.evidence['accuracy']:.3f}")
    dice = _first(findings, "baseline.dice_uninformative")
    if dice is not None:
        best = max(value for value in (dice.evidence["soft_dice"], dice.evidence["hard_dice"])
                   if isinstance(value, float) and math.isfinite(value))
        scores.setdefault(dice.evidence["predictor"], []).append(f"Dice {best:.4f}")
    if not scores:
        return None
    names = {"all_zeros": "an all-background", "all_ones": "an all-foreground"}
    parts = [f"{names[predictor]} model already scores {' and '.join(values)}"
             for predictor, values in scores.items()]
    return "Metrics will look good without learning: " + "; ".join(parts) + " on these masks."


def _shape_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    # outlines and dots teach the model a shape other than the object's: they come before
    # what the trainer would score on them
    finding = _first(findings, "mask.outlines") or _first(findings, "mask.point_annotations")
    return None if finding is None else finding.title.rstrip(".") + "."


def _misaligned_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    finding = (_first(findings, "geometry.mask_offset")
               or _first(findings, "geometry.mask_flipped")
               or _first(findings, "geometry.mask_rotated"))
    return None if finding is None else finding.title.rstrip(".") + "."


#: ``mask.non_binary`` is said in the headline as pictures when at least this share of the
#: masks' pixels lies between their ends and at most :data:`PICTURE_EDGE_SHARE` of those
#: on object edges (values through whole regions, not a rim).
PICTURE_BETWEEN_SHARE = 0.5
PICTURE_EDGE_SHARE = 0.2


def _picture_masks_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    """Masks of many values through whole regions: photographs (folders swapped) or
    probability maps, before any polarity reading of them (redteam 4)."""
    finding = _first(findings, "mask.non_binary")
    if finding is None:
        return None
    evidence = finding.evidence
    between, edges = evidence.get("nonbinary_pixel_fraction"), evidence.get("share_on_edges")
    read = int(tally["mask_read"].sum())
    if (between is None or edges is None or between < PICTURE_BETWEEN_SHARE
            or edges > PICTURE_EDGE_SHARE or 2 * evidence["masks"] <= read):
        return None
    values = [row["distinct_values"] for row in evidence.get("per_file", ())
              if "distinct_values" in row]
    held = (f", {min(values)} to {max(values)} values per mask" if values and min(values)
            != max(values) else f", {values[0]} values per mask" if values else "")
    return (f"{evidence['masks']} of {read} masks look like pictures, "
            f"not masks: {percent(between)} of their pixels lie between their two ends, spread "
            f"through whole regions ({percent(edges)} on object edges){held}; consistent "
            "with photographs (--images and --masks swapped, or the mask folder holding "
            "images) or with probability maps; no polarity or threshold turns them into "
            "masks (see mask.non_binary).")


def _full_masks_sentence(finding: Finding, tally: AuditTally) -> str:
    """Masks foreground at every pixel: no polarity gives them an object (redteam 2)."""
    read = tally["mask_read"]
    one_value = read & (tally["distinct_values"] == 1)
    full, total = finding.evidence["masks"], int(read.sum())
    empty = int((read & (tally["foreground"] == 0)).sum())
    if bool(read.any()) and bool(one_value[read].all()):
        what = (f"Every mask holds one value: {full} of {total} are foreground at every pixel"
                + (f" and {empty} empty" if empty else ""))
    elif int((one_value & (tally["foreground"] > 0)).sum()) == full:
        what = f"{full} of {total} masks hold one value at every pixel, read as foreground"
    else:
        what = f"{full} of {total} masks are foreground at every pixel"
    return (f"{what}; a mask without background outlines nothing under either polarity "
            "(turned over, it is empty), so --mask-polarity cannot help: consistent with "
            "blank or placeholder masks, or masks of no object stored the other way round; "
            "look at how they were exported.")


def _polarity_sentence(findings: Sequence[Finding], tally: AuditTally) -> str | None:
    # only on dataset-wide evidence, most masks mostly foreground: a minority of full masks
    # is large objects or a few masks stored the other way, not an inverted dataset
    finding = _first(findings, "imbalance.mostly_foreground")
    if finding is None or finding.evidence.get("policy_is_proposed"):
        return None
    if (finding.evidence.get("full_masks") == finding.evidence["masks"]
            and finding.evidence.get("majority") and not finding.evidence.get("of_pixels_scored")):
        return _full_masks_sentence(finding, tally)
    mixed = finding.evidence.get("mixed_polarity")
    if mixed:
        # two groups of shares mirroring each other: turning the whole set over is wrong
        high, low, turned = (mixed["mostly_foreground_range"], mixed["other_range"],
                             mixed["turned_range"])
        return (f"Masks fall in two groups: {mixed['mostly_foreground_masks']} are "
                f"{_shares(high)} foreground and {mixed['other_masks']} {_shares(low)}, "
                f"the first turned over ({_shares(turned)}) near the second: consistent with "
                "mixed polarities or with objects of two very different sizes; look at one of "
                "each, and if the object is the background in one group, "
                + ("recode those files only so that the object holds the same value as in "
                   "the others (naming the other value in --foreground-values would turn the "
                   "other group over)." if finding.evidence.get("by_values") else
                   "invert those files only (--mask-polarity dark would turn the other group "
                   "over)."))
    if not finding.evidence.get("majority") or finding.evidence.get("object_side"):
        return None  # (object_side: every mask a threshold of its image, one polarity)
    levels = finding.evidence.get("two_levels")
    if levels:
        # two levels, neither 0: the decoder's choice of the brighter, no polarity
        read = finding.evidence["read_as_object"]
        other = levels[0] if read == levels[1] else levels[1]
        held = ("colours at two levels of their brightest channel, none black, and the "
                f"decoder reads those at {read:g}" if finding.evidence["colour"] else
                f"two grey levels, neither 0, and the decoder reads {read:g}")
        return (f"{finding.evidence['masks']} of {int(tally['mask_read'].sum())} masks are "
                f"more than half foreground as read (up to "
                f"{float(finding.evidence['largest_fraction']):.0%}): "
                f"{'the masks hold' if finding.evidence.get('one_level_masks') else 'each holds'}"
                f" {held} as the object; if the object is at {other:g}, "
                + ("drop --mask-polarity dark." if finding.evidence.get("dark_is_foreground")
                   else "decode with --mask-polarity dark."))
    placement = finding.evidence.get("background_placement")
    if placement is not None and placement["verdict"] != "objects as background":
        return None  # the background gathers along the border, or the masks do not tell
    inside = ("" if placement is None else
              f", what reads as background lying inside the image or spread through it, not "
              f"along its border, in {placement['inside']} of them")
    cause = ("; the masks are TIFFs tagged WhiteIsZero (an inverting LUT, as ImageJ saves "
             "masks), which Pillow inverts on reading" if finding.evidence.get("white_is_zero")
             else "")
    dice = _first(findings, "baseline.dice_uninformative")
    consequence = ""
    if dice is not None and dice.evidence["predictor"] == "all_ones":
        consequence = (f", and an all-foreground model already scores Dice "
                       f"{dice.evidence['soft_dice']:.4f}")
    used = {int(index) for index in tally.encoding_ids.tolist() if index >= 0}
    palette_labels = bool(used) and all(tally.encodings[index].palette == "labels"
                                        for index in used)
    return (f"Possible inverted polarity: {finding.evidence['masks']} of "
            f"{int(tally['mask_read'].sum())} "
            f"masks are more than half foreground (up to "
            f"{float(finding.evidence['largest_fraction']):.0%}){inside}{consequence}{cause}; "
            + (f"if the structure of interest is the other class, "
               f"{other_class_option(finding.evidence)}." if finding.evidence.get("by_values")
               else "they were decoded with --mask-polarity dark: if the structure of interest "
               "is the bright class, drop that flag." if finding.evidence.get("dark_is_foreground")
               # palette indices are labels, not levels: index 0 may be any colour
               else "if the object is palette index 0 (which the label rule reads as "
               "background), decode with --foreground-values 0." if palette_labels
               else "if the structure of interest is the dark class, decode with "
               "--mask-polarity dark."))


#: The audit's headline sentences, most important first: the first that speaks is said alone
#: (then the count of problems). When none speaks, the pipeline says the worst finding's title.
HEADLINE_RULES = (
    HeadlineRule("masks are the images", _mask_is_image_sentence, final=True),
    HeadlineRule("masks are thresholds of the images", _threshold_sentence, final=True),
    HeadlineRule("unreadable files", _unreadable_sentence, final=True),
    HeadlineRule("masks read at 8 of their bits", _top_byte_masks_sentence, final=True),
    HeadlineRule("every mask decodes empty", _decodes_empty_sentence, final=True),
    HeadlineRule("empty masks with blank first frames", _blank_first_frame_sentence,
                 final=True),
    HeadlineRule("errors that stop or corrupt training", _error_sentence, final=True),
    HeadlineRule("label maps read by a threshold", _label_map_sentence, final=True),
    HeadlineRule("masks are one region", _same_region_sentence, final=True),
    HeadlineRule("masks drawn as outlines or points", _shape_sentence, final=True),
    HeadlineRule("masks offset or flipped", _misaligned_sentence, final=True),
    HeadlineRule("masks are pictures", _picture_masks_sentence, final=True),
    HeadlineRule("inverted polarity", _polarity_sentence, final=True),
    HeadlineRule("validation overlaps training", _overlapping_tiles_sentence, final=True),
    HeadlineRule("uninformative baselines", _baseline_sentence, final=True),
)


def _clean_headline(tally: AuditTally) -> str:
    read = tally["mask_read"]
    if not read.any():
        return "No problems that would make metrics lie, but no mask could be read."
    foreground, pixels = tally["foreground"][read], tally.counted_pixels()[read]
    read_count = int(read.sum())
    if not pixels.sum():
        return ("No problems that would make metrics lie, but every mask pixel is ignored "
                "under the policy.")
    fraction = float(foreground.sum() / pixels.sum())
    scores = trivial_baselines(foreground, pixels, DEFAULT_DICE, EMPTY_RULE)
    return (f"No problems that would make metrics lie: {read_count} pairs, foreground "
            f"{fraction:.1%} of pixels; an all-background model scores accuracy "
            f"{scores['all_zeros'].accuracy:.3f} and an all-foreground one Dice "
            f"{scores['all_ones'].soft_dice:.3f}: a trained model must beat both.")


def audit_headline(findings: Sequence[Finding], tally: AuditTally) -> str:
    """One or two plain sentences: the problem that matters most, then how many there are."""
    return compose_headline(HEADLINE_RULES, findings, tally, quiet=_clean_headline(tally),
                            count_tail=True)
