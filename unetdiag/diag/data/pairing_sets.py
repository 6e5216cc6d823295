"""Wording of the findings on sets of files beside the paired ones: the other sets of masks
that name the paired images (``pairing.alternative_masks``), a given suffix read as a key
pattern (``pairing.suffix_as_pattern``), and files named after the images that are neither
(``pairing.companion_files``). Numbers come in; only an ADE20K part-mask set is opened, to
check its colours (:func:`~unetdiag.diag.data.companions.holds_ade20k_colours`)."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.pairing_findings import (
    checked_kind,
    describe_rule,
    pairing_finding,
    rule_flag,
    set_flag,
)
from unetdiag.diag.data.pairing_inference import set_preference
from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch, stem_key
from unetdiag.diag.wording.text import join_names, plural, verb


def _set_name(pattern: MaskPattern) -> str:
    return (f"ending {pattern.tail}" if pattern.is_suffix else f"starting {pattern.head}")


def alternative_masks(sets: Sequence[tuple[MaskPattern, list[Path]]], stems: Sequence[str],
                      pairs: Sequence[tuple[Path, Path]], default_tail: str | None = None,
                      chosen: RuleMatch | None = None) -> Finding:
    """``pairing.alternative_masks``: files that are other masks of the paired images
    (``stems``: the images' names; ``pairs``: the images and masks in use).

    ``default_tail``: the pairs came from the default suffixes (each mask is its image's
    name plus this tail), not from an option or a rule the names alone allow: a set that names
    every paired image is then a second candidate nothing chose between, a warning naming
    both (DRIVE copied into one folder: the ``_mask`` field-of-view discs taken by the
    default suffix, the ``_manual1`` vessels left).

    ``chosen``: the rule the names alone gave (:func:`~unetdiag.diag.data.pairing_inference.
    infer_rule`); a set it would have preferred that lacks masks for some paired images is a
    warning (:func:`passed_over_set`).
    """
    files = [path for _, found in sets for path in found]
    flags = [set_flag(pattern, found, stems) for pattern, found in sets]
    pair_count = len(pairs)
    coverage = ("; ".join(_set_coverage(pattern, found, pair_count, len(sets) == 1)
                          for pattern, found in sets) + f"; e.g. {files[0].name}")
    evidence = {"alternative_masks": len(files),
                "patterns": [pattern.text for pattern, _ in sets], "flags": flags}
    if default_tail and any(len(found) >= pair_count for _, found in sets):
        used, keep = f"ending {default_tail}", f"--mask-suffix {default_tail}"
        counts = join_names([f"{len(found)} {_set_name(pattern)}" for pattern, found in sets])
        named = (f"the same {plural(pair_count, 'image')}"
                 if all(len(found) >= pair_count for _, found in sets)
                 else f"these {plural(pair_count, 'image')}, not every set all of them")
        return pairing_finding(
            "pairing.alternative_masks", Severity.WARNING,
            f"{plural(len(sets) + 1, 'set')} of masks name {named}: {pair_count} {used} "
            f"(used) and {counts} (not used)",
            f"The default names paired {plural(pair_count, 'image')} with the masks {used} "
            f"(e.g. {pairs[0][0].name} with {pairs[0][1].name}); "
            f"{plural(len(files), 'other file')} name the same images under "
            f"{verb(len(sets), 'another pattern', 'other patterns')} ({coverage}). Names alone "
            "do not say which set holds the targets: DRIVE copied into one folder holds its "
            "vessel annotations as 21_manual1.gif and its field-of-view discs as "
            "21_training_mask.gif, and the default suffix _mask takes the discs. The other "
            "files are counted neither as images nor as masks.",
            f"Pass the option of the set that holds the targets: {' or '.join(flags)} for "
            f"the other {verb(len(sets), 'set', 'sets')}, or {keep} to keep this one (either "
            "way this warning is not given again).",
            {**evidence, "used_masks": pair_count, "used_flag": keep}, files)
    passed_over = None if chosen is None else passed_over_set(sets, chosen)
    if passed_over is not None:
        return _passed_over_finding(*passed_over, chosen, stems, evidence, files)
    return pairing_finding(
        "pairing.alternative_masks", Severity.INFO,
        f"{plural(len(files), 'file')} {verb(len(files), 'is', 'are')} "
        f"{verb(len(sets), 'another set', 'other sets')} of masks "
        f"({join_names(['names ' + _set_name(pattern) for pattern, _ in sets])}), not used",
        f"{verb(len(sets), 'They name', 'Each set names')} images under the same "
        f"keys as the masks in use ({coverage}): a second annotator, another version, or "
        "another encoding of the same labels (Cityscapes ships _color, _labelIds and "
        "_instanceIds for each frame), or other labels altogether, which may be the targets "
        "(DRIVE's _manual1 vessels beside its _mask field-of-view discs). They are counted "
        "neither as images nor as masks.",
        f"Pass {' or '.join(flags)} to train and score on them instead.",
        evidence, files)


def passed_over_set(sets: Sequence[tuple[MaskPattern, list[Path]]], chosen: RuleMatch,
                    ) -> tuple[MaskPattern, list[Path], list[Path]] | None:
    """The first of ``sets`` that the rule search would have chosen over ``chosen`` had it
    named every paired image (:func:`~unetdiag.diag.data.pairing_inference.set_preference`:
    ``{key}_manual1`` before ``{key}_manual2``), with its files and the paired images it has
    no mask for; None when there is none. Such a set was passed over for its gaps alone:
    DRIVE's test set in one folder, one ``_manual1`` file missing, pairs by ``_manual2``."""
    for pattern, files in sorted(sets, key=lambda item: set_preference(item[0])):
        if set_preference(pattern) >= set_preference(chosen.pattern):
            break
        named = {stem_key(path) for path in files}
        lacking = [image for image, _, key in chosen.pairs
                   if pattern.mask_stem(key) not in named]
        if lacking:
            return pattern, files, lacking
    return None


def _passed_over_finding(pattern: MaskPattern, files: list[Path], lacking: list[Path],
                         chosen: RuleMatch, stems: Sequence[str], evidence: dict,
                         all_files: list[Path]) -> Finding:
    """``pairing.alternative_masks`` as a warning: the set in use was chosen because a set
    that comes first in the search's order lacks masks for some images (:func:`passed_over_set`)."""
    count = len(chosen.pairs)
    missing = join_names([path.name for path in lacking[:3]]
                         + ([f"{len(lacking) - 3} more"] if len(lacking) > 3 else []))
    other_flag = set_flag(pattern, files, stems)
    return pairing_finding(
        "pairing.alternative_masks", Severity.WARNING,
        f"Masks paired by {chosen.pattern.text}, a set naming all {count} images: "
        f"{pattern.text} names {count - len(lacking)} of them (none for {missing})",
        f"Several sets of masks are named after the same images. Pairing by names alone "
        f"takes a set naming every image, so {chosen.pattern.text} is used; {pattern.text} "
        f"comes first in the order the search prefers (label maps before colour renderings, "
        f"a first annotator before a second) but has no mask for "
        f"{plural(len(lacking), 'image')} ({missing}). If {pattern.text} holds the targets "
        "(DRIVE and CHASE_DB1 results are usually reported against the first annotator, "
        f"_manual1 and _1stHO), the training and the scores here follow {chosen.pattern.text} "
        "instead.",
        f"Pass {other_flag} to pair by {pattern.text} (the images without such a mask are "
        f"then named), or {rule_flag(chosen)} to keep {chosen.pattern.text} (either way this "
        "warning is not given again).",
        {**evidence, "used_masks": count, "used_flag": rule_flag(chosen),
         "passed_over": pattern.text, "images_lacking": len(lacking)}, all_files)


def _set_coverage(pattern: MaskPattern, files: Sequence[Path], pair_count: int,
                  only_set: bool) -> str:
    """How many of a set's files name the paired images, and how many name images without
    a mask in use (the set covers them:
    :func:`~unetdiag.diag.data.pairing_alternatives.alternative_sets`)."""
    beyond = max(0, len(files) - pair_count)
    count = (f"{len(files) - beyond} for the {plural(pair_count, 'paired image')}"
             if only_set else f"{pattern.text}: {plural(len(files), 'file')}")
    return count + (f" and {beyond} for images without a mask in use" if beyond else "")


def suffix_as_pattern(suffix: str, match: RuleMatch, flag: str) -> Finding:
    """``pairing.suffix_as_pattern``: no file carried an image's whole name plus the given
    suffix, but the suffix after a key of each image's name pairs every file (``21_manual1``
    beside ``21_training``)."""
    image, mask, _ = match.pairs[0]
    return pairing_finding(
        "pairing.suffix_as_pattern", Severity.INFO,
        f"--mask-suffix {suffix} read as {flag} ({plural(len(match.pairs), 'pair')})",
        f"No mask is named <image name>{suffix}, but one per image is named after the start "
        f"or end of its image's name and {suffix} ({describe_rule(match)}; e.g. "
        f"{image.name} ↔ {mask.name}), pairing every file one to one; the pairs follow "
        "that rule.",
        f"Nothing to do if this is the pairing you mean; pass {flag} to say so.",
        {"suffix": suffix, "rule": match.pattern.text, "flag": flag,
         "pairs": len(match.pairs)}, [])


#: Files named as ADE20K's part masks that do not hold its colours (``checked_kind``).
_UNCHECKED_PARTS = ("Their names are those of ADE20K's part masks (<image>_parts_1.png), but "
                    "they hold no RGB label maps in its encoding: they may also be images whose "
                    "masks are missing.")


def companion_files(sets: Sequence[tuple[str, list[Path]]], pair_count: int,
                    masks_dir: Path | None) -> Finding:
    """``pairing.companion_files``: files beside the images named after one of them, set
    apart (:mod:`~unetdiag.diag.data.companions`): with a mask folder, because no mask
    names them (info when their names say what they are, a superpixel map; a warning
    otherwise: they may be images whose masks are missing); without one, because their names
    say they are not masks."""
    files = [path for _, found in sets for path in found]
    tails = join_names([tail for tail, _ in sets])
    count = len(files)
    kinds = {checked_kind(tail, paths) for tail, paths in sets}
    named = "files" not in kinds
    neither = (f"part masks of the objects, not {verb(count, 'an image', 'images')}"
               if kinds == {"part masks"} else
               f"neither {verb(count, 'an image', 'images')} nor "
               f"{verb(count, 'a mask', 'masks')}" if named else "named as part masks are")
    if masks_dir is not None:
        why = (f"{masks_dir} holds no mask for any of them. Datasets ship such files beside "
               "their images (ISIC 2017 a superpixel map beside each image, ADE20K a part mask "
               "beside each image with parts)"
               + ("." if named else "; they may also be images whose masks are missing "
                  "(augmented copies, a second version)."))
        fix = ("Nothing, if they are not images. If they are images to train on, add their "
               "masks to the mask folder, named as the others, and they are paired.")
        what = neither if named else "without a mask"
    else:
        why = " ".join(sentence for kind, sentence in (
            ("superpixel maps", "Superpixel maps (ISIC 2017 ships one beside each image) "
             "number hundreds of regions per image: they are not segmentation masks."),
            ("part masks", "ADE20K ships part masks (<image>_parts_1.png, _parts_2 one level "
             "further down) beside the object masks (_seg.png) of the images with parts: they "
             "label the parts of the objects (a door's handle, a person's head), not the "
             "objects."),
            ("files", _UNCHECKED_PARTS)) if kind in kinds)
        fix = ("Nothing, if the masks paired are the ones you mean. To pair these files as "
               f"masks instead, pass --mask-suffix {shlex.quote(sets[0][0])}.")
        what = neither
    return pairing_finding(
        "pairing.companion_files", Severity.INFO if named else Severity.WARNING,
        f"{plural(count, 'file')} beside the images {verb(count, 'is', 'are')} named after "
        f"one of them ({tails}), {what}; not used",
        f"Each is named <image name><tail> ({tails}; e.g. {files[0].name}) for an image in the "
        f"same folder: {plural(len(files), 'file')} for the {plural(pair_count, 'paired image')}"
        f". {why} They are counted neither as images without masks nor as masks.",
        fix, {"companion_files": count, "tails": [tail for tail, _ in sets]}, files)
