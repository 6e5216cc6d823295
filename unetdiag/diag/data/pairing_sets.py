"""Wording of the findings on sets of masks: the other sets that name the paired images
(``pairing.alternative_masks``), and a given suffix read as a key pattern
(``pairing.suffix_as_pattern``). Numbers come in; nothing here opens a file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.pairing_findings import describe_rule, pairing_finding, set_flag
from unetdiag.diag.data.pairing_rules import MaskPattern, RuleMatch
from unetdiag.diag.wording.text import join_names, plural, verb


def _set_name(pattern: MaskPattern) -> str:
    return (f"ending {pattern.tail}" if pattern.is_suffix else f"starting {pattern.head}")


def alternative_masks(sets: Sequence[tuple[MaskPattern, list[Path]]], stems: Sequence[str],
                      pairs: Sequence[tuple[Path, Path]], default_tail: str | None = None,
                      ) -> Finding:
    """``pairing.alternative_masks``: files that are other masks of the paired images
    (``stems``: the images' names; ``pairs``: the images and masks in use).

    ``default_tail``: the pairs came from the default suffixes (each mask is its image's
    name plus this tail), not from an option or a rule the names alone allow: a set that names
    every paired image is then a second candidate nothing chose between, a warning naming
    both (DRIVE copied into one folder: the ``_mask`` field-of-view discs taken by the
    default suffix, the ``_manual1`` vessels left)."""
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
        return pairing_finding(
            "pairing.alternative_masks", Severity.WARNING,
            f"{plural(len(sets) + 1, 'set')} of masks name the same "
            f"{plural(pair_count, 'image')}: {pair_count} {used} (used) and {counts} (not "
            "used)",
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


def _set_coverage(pattern: MaskPattern, files: Sequence[Path], pair_count: int,
                  only_set: bool) -> str:
    """How many of a set's files name the paired images, and how many name images without
    a mask in use (the set covers them:
    :func:`~unetdiag.diag.data.pairing_rules.alternative_sets`)."""
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
