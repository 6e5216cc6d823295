"""``duplicates.overlapping_tiles`` and ``duplicates.mirrored_copies``: images that hold the
same whole rows or columns of pixels as others (:mod:`unetdiag.diag.audit.overlap`), worded
with the trainer's split.

Tiles cut with overlap from one larger image and numbered without positions
(``tile_0001.png`` ...) are split by file, and validation then scores pixels that training
tiles hold too: "The evaluation on validation set is then largely overestimated"
(NRCan/geo-deep-learning#148). The finding is a warning when validation images share lines
with training images, info when every linked group sits on one side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from unetdiag.diag.audit.linesketch import LINE_SAMPLES, SKETCH_LINES
from unetdiag.diag.audit.overlap import LineLinks, SharedPair, shared_lines
from unetdiag.diag.audit.tally import LISTED_PER_QUESTION, AuditTally
from unetdiag.diag.core.findings import Finding, Severity, listing_finding
from unetdiag.diag.data.tiles import MIN_TILE_SOURCES
from unetdiag.diag.wording.text import plural, verb

SOURCE = "audit"
#: How the lines were compared, as the evidence states it.
FOUND_BY = (f"whole rows and columns compared at {LINE_SAMPLES} or more points each, through "
            f"{SKETCH_LINES} row and {SKETCH_LINES} column hashes kept per image: pairs that "
            "share few of their lines can be missed")


def overlap_findings(tally: AuditTally, sides: list[str],
                     split: dict[str, Any]) -> list[Finding]:
    """The two findings (when they have images to name), from the tally's line sketches."""
    links = shared_lines(tally.line_sketches, tally["image_read"], sides)
    findings = []
    if links["shifted"].groups:
        findings.append(_overlapping(links["shifted"], tally, sides, split))
    if links["mirrored"].groups:
        findings.append(_mirrored(links["mirrored"], tally, sides, split))
    return findings


def _example(pair: SharedPair, tally: AuditTally, sides: list[str]) -> dict[str, Any]:
    first, second = pair.images
    example = {"images": [tally.image_paths[first], tally.image_paths[second]],
               "sides": [sides[first] or "unused", sides[second] or "unused"],
               "line": pair.orientation, "positions": list(pair.positions),
               "sketch_lines_in_common": pair.lines}
    if not pair.mirrored:
        example["shift_px"] = pair.shift
    return example


def _sentence(pair: SharedPair, tally: AuditTally) -> str:
    """``column 44 of a.png is column 12 of b.png``."""
    first, second = (tally.image_paths[index] for index in pair.images)
    return (f"{pair.orientation} {pair.positions[0]} of {first} is {pair.orientation} "
            f"{pair.positions[1]} of {second}")


def _share_if_windows(pair: SharedPair, tally: AuditTally) -> float | None:
    """The share of pixels two same-size images ``shift`` apart hold in common if both are
    windows of one picture (None when their sizes differ)."""
    across = "image_width" if pair.orientation == "column" else "image_height"
    sizes = {(int(tally["image_width"][index]), int(tally["image_height"][index]))
             for index in pair.images}
    length = int(tally[across][pair.images[0]])
    if len(sizes) != 1 or length <= 0:
        return None
    return max(0, length - abs(pair.shift)) / length


def _side_counts(links: LineLinks, sides: list[str]) -> dict[str, int]:
    side_of = np.array(sides, dtype=object)
    validation, train = side_of == "validation", side_of == "train"
    groups_across = sum(1 for group in links.groups
                        if train[list(group)].any() and validation[list(group)].any())
    return {"validation_images": int(validation.sum()),
            "validation_sharing_with_training": int((links.opposite & validation).sum()),
            "training_sharing_with_validation": int((links.opposite & train).sum()),
            "groups_across_split": groups_across}


def _overlapping(links: LineLinks, tally: AuditTally, sides: list[str],
                 split: dict[str, Any]) -> Finding:
    linked = int(links.linked.sum())
    counts = _side_counts(links, sides)
    leaked, validation = (counts["validation_sharing_with_training"],
                          counts["validation_images"])
    largest = max(len(group) for group in links.groups)
    pair = links.examples[0]
    share = _share_if_windows(pair, tally)
    window = ("" if share is None else
              f" Two windows of one picture {abs(pair.shift)} px apart hold {share:.0%} of "
              "their pixels in common.")
    found = (f"{linked} images hold the same whole rows or columns of pixels as another "
             f"image at shifted positions ({_sentence(pair, tally)}): "
             f"{plural(links.pairs, 'pair')} found, in {plural(len(links.groups), 'group')} "
             f"of up to {largest} images. Tiles cut with overlap from one larger image share "
             f"their overlap so.{window} Tiles overlapping only at a corner share no whole line "
             "and are not counted.")
    evidence = {"images": linked, "pairs": links.pairs, "groups": len(links.groups),
                "largest_group": largest, **counts, **split,
                "examples": [_example(example, tally, sides)
                             for example in links.examples[:LISTED_PER_QUESTION]],
                "found_by": FOUND_BY}
    if share is not None:
        evidence["first_example_share_if_windows"] = round(share, 4)
    if leaked:
        across = [example for example in links.examples if "validation" in (
            sides[example.images[0]], sides[example.images[1]])]
        files = [tally.image_paths[index] for example in across for index in example.images]
        if len(links.groups) < MIN_TILE_SOURCES:
            fix = (f"Validate on tiles of images no training tile comes from. These tiles form "
                   f"only {plural(len(links.groups), 'group')}, fewer than the "
                   f"{MIN_TILE_SOURCES} source images unetdiag's split needs to keep each "
                   "source whole: keep every tile of one source image out of the training "
                   "folder and evaluate on them, or add source images and name each tile by "
                   "its source and position (`<source>_<row>_<col>`, as `austin1_0_512.png`).")
        else:
            fix = ("Split by source image, not by tile: name each tile by its source and "
                   "position (`<source>_<row>_<col>`, as `austin1_0_512.png`) and unetdiag's "
                   f"split keeps each source image's tiles on one side ({MIN_TILE_SOURCES} or "
                   "more source images), or validate on tiles of images no training tile "
                   "comes from.")
        return listing_finding(
            "duplicates.overlapping_tiles", Severity.WARNING,
            f"{leaked} of {validation} validation images share whole pixel rows or columns "
            "with training images (overlapping tiles)",
            f"{found} With the trainer's split (validation fraction {split['val_fraction']}, "
            f"seed {split['seed']}), {leaked} of the {validation} validation images "
            f"{verb(leaked, 'holds', 'hold')} lines of training images, so validation scores "
            "pixels the model trained on and overstates how it does on new images.",
            fix, evidence, files, SOURCE)
    return listing_finding(
        "duplicates.overlapping_tiles", Severity.INFO,
        f"{linked} images share whole pixel rows or columns with others, shifted "
        f"({plural(len(links.groups), 'group')}); none across the train/validation split",
        f"{found} With the trainer's split no validation image holds lines of a training "
        "image: each group found is on one side.",
        "Nothing to do for the split. Keep tiles of one source image on one side if you "
        "split them yourself.",
        evidence, [tally.image_paths[index] for group in links.groups for index in group],
        SOURCE)


def _mirrored(links: LineLinks, tally: AuditTally, sides: list[str],
              split: dict[str, Any]) -> Finding:
    linked = int(links.linked.sum())
    counts = _side_counts(links, sides)
    leaked = counts["validation_sharing_with_training"]
    pair = links.examples[0]
    evidence = {"images": linked, "pairs": links.pairs, "groups": len(links.groups), **counts,
                **split, "examples": [_example(example, tally, sides)
                                      for example in links.examples[:LISTED_PER_QUESTION]],
                "found_by": FOUND_BY}
    explanation = (f"{linked} images hold the rows or columns of another image in reverse "
                   f"order ({_sentence(pair, tally)}, and more lines alike): one is the other "
                   "flipped, as augmented copies saved beside their originals are. Copies "
                   "weigh double in training")
    files = [tally.image_paths[index] for example in links.examples for index in example.images]
    if leaked:
        return listing_finding(
            "duplicates.mirrored_copies", Severity.WARNING,
            f"{leaked} of {counts['validation_images']} validation images are flipped copies "
            "of training images",
            f"{explanation}, and with the trainer's split (validation fraction "
            f"{split['val_fraction']}, seed {split['seed']}) {leaked} validation "
            + verb(leaked, "image is a flipped training image",
                   "images are flipped training images")
            + ": validation scores what the model trained on.",
            "Remove augmented copies from the folder (augment while training instead), or keep "
            "each image with its copies on one side of the split.",
            evidence, files, SOURCE)
    return listing_finding(
        "duplicates.mirrored_copies", Severity.INFO,
        f"{linked} images are flipped copies of others; none across the train/validation split",
        f"{explanation}; with the trainer's split each original and its copies are on one side.",
        "Augment while training instead of saving flipped copies, if they are augmentation.",
        evidence, files, SOURCE)
