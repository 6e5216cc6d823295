"""``evaluate.training_images_scored`` (warning): some of the images ``evaluate`` scores are
files the run that saved the model trained on, told by the run's ``data.json`` (the same
absolute images folder and the same names); scores on them do not tell what the model does
on images it has not seen, and may be higher or lower (a training split can hold more of the
hard images), so the finding quotes the training and the validation images' scores apart.
Said only when the run recorded the absolute folder: a relative one
resolved from another working directory could name another folder of the same file names
(ISBI's 0.png .. 29.png in a test folder). A file of a training name whose size or
modification time is not the one recorded when the run started was written since (another
image saved under the name): it is not claimed, and the files so left out are counted."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.pairing import Pair
from unetdiag.diag.wording.text import plural, verb
from unetdiag.training.run.split import image_stat
from unetdiag.training.run_record import RunRecord

FINDING_ID = "evaluate.training_images_scored"


def _same_folder(first: Path, second: Path) -> bool:
    try:
        return first.samefile(second)
    except OSError:
        return False


def _stat(image: Path) -> tuple[int, int] | None:
    stat = image_stat(image)
    return None if stat is None else (stat[0], stat[1])


def _group_scores(convention: str, seen: Sequence[str], training_dice: float | None,
                  validation: Sequence[str], validation_dice: float | None,
                  scored: bool) -> str:
    """"Here the 192 training images score 0.8305 and the 48 validation images 0.8981
    (hard Dice per image, <convention>). ", or nothing without scores (``scored`` False)."""
    if not scored:
        return ""
    groups = [_group(len(seen), "training image", training_dice)]
    if validation:
        groups.append(_group(len(validation), "validation image", validation_dice))
    return f"Here {' and '.join(groups)} (hard Dice per image, {convention}). "


def _group(count: int, noun: str, dice: float | None) -> str:
    """"the 48 validation images score 0.8981"; no score where NaN predictions or the rule
    left every image of the group out."""
    if dice is None:
        return f"the {plural(count, noun)} {verb(count, 'gets', 'get')} no score"
    return f"the {plural(count, noun)} {verb(count, 'scores', 'score')} {dice:.4f}"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def training_images_scored(model: str, record: RunRecord | None, images_dir: Path,
                           pairs: Sequence[Pair],
                           dice_of: Callable[[Sequence[str]], float] | None = None,
                           convention: str = "") -> Finding | None:
    """The warning when ``pairs`` (read from ``images_dir``) include the run's training
    files; None otherwise or without the record. ``dice_of``: the headline's hard Dice per
    image over the pairs of the given stems (under ``convention``), to quote the training
    and the validation images' scores apart."""
    if record is None or record.images_resolved is None or not _same_folder(
            record.images_resolved, Path(images_dir)):
        return None
    trained, held_out = set(record.train_stems), set(record.val_stems)
    named = [pair for pair in pairs if pair.stem in trained]
    stats = record.train_image_stats
    changed = [] if stats is None else [
        pair.stem for pair in named
        if pair.stem in stats and _stat(pair.image) != stats[pair.stem]]
    seen = sorted(pair.stem for pair in named if pair.stem not in changed)
    if not seen:
        return None
    validation_stems = [pair.stem for pair in pairs if pair.stem in held_out]
    validation = len(validation_stems)
    scored = len(pairs)
    if stats is None:
        title = (f"{len(seen)} of the {plural(scored, 'image')} scored "
                 f"{verb(len(seen), 'carries the name', 'carry the names')} of files {model} "
                 "was trained on, in the folder it read")
        unchanged = ("; the run recorded no file sizes or times to tell whether they were "
                     "replaced since")
    else:
        title = (f"{len(seen)} of the {plural(scored, 'image')} scored "
                 f"{verb(len(seen), 'is a file', 'are files')} {model} was trained on")
        unchanged = (", each of the size and modification time data.json recorded when the "
                     "run started")
        if changed:
            unchanged += (f" ({len(changed)} more of training names, {', '.join(changed[:3])}"
                          f"{', ...' if len(changed) > 3 else ''}, "
                          f"{verb(len(changed), 'differs', 'differ')} from the record: "
                          f"written since, {verb(len(changed), 'it is', 'they are')} not "
                          "counted)")
    training_dice = None if dice_of is None else _finite(dice_of(seen))
    validation_dice = (None if dice_of is None or not validation_stems
                       else _finite(dice_of(validation_stems)))
    explanation = (
        f"The run that saved it ({record.run_dir}) recorded in data.json the folder it read "
        f"({record.images_resolved}, the folder scored here) and the names of its "
        f"{len(record.train_stems)} training and {len(record.val_stems)} validation pairs: "
        f"{len(seen)} of the images scored carry training names ({', '.join(seen[:5])}"
        f"{', ...' if len(seen) > 5 else ''}){unchanged}; {validation} carry validation names. "
        + _group_scores(convention, seen, training_dice, validation_stems, validation_dice,
                        dice_of is not None)
        + "Scores that include images a model was fitted to do not tell what it does on "
        "images it has not seen: they may be higher (images it fitted closely) or lower "
        "(a training split holding more of the hard images: an empty mask, for one, scores "
        "0 with a single false-positive pixel unless empty masks are left out).")
    fix = ("Quote a score on images the model was not trained on: its validation images' "
           "(the run scores them when a variant finishes: val_scores.csv in its variant "
           "folder), or a held-out test set's in another folder. To score the validation "
           "images alone, copy "
           f"the {plural(len(record.val_stems), 'image')} whose names data.json lists under "
           "\"val\", with their masks, into a folder of their own and pass it to --images.")
    evidence = {"images_scored": scored, "training_files": len(seen),
                "training_names_changed_since": None if stats is None else len(changed),
                "validation_files": validation,
                "training_dice": training_dice, "validation_dice": validation_dice,
                "training_run": str(record.run_dir),
                "images_folder": str(record.images_resolved)}
    return Sentences(title, explanation, fix).finding(FINDING_ID, Severity.WARNING, evidence,
                                                      source="evaluate")
