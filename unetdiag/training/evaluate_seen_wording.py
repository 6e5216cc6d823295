"""``evaluate.training_images_scored`` (warning): some of the images ``evaluate`` scores are
files the run that saved the model trained on, told by the run's ``data.json`` (the same
absolute images folder and the same names); scores on them overstate what the model does on
images it has not seen. Said only when the run recorded the absolute folder: a relative one
resolved from another working directory could name another folder of the same file names
(ISBI's 0.png .. 29.png in a test folder). A file of a training name whose size or
modification time is not the one recorded when the run started was written since (another
image saved under the name): it is not claimed, and the files so left out are counted."""

from __future__ import annotations

from collections.abc import Sequence
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


def training_images_scored(model: str, record: RunRecord | None, images_dir: Path,
                           pairs: Sequence[Pair]) -> Finding | None:
    """The warning when ``pairs`` (read from ``images_dir``) include the run's training
    files; None otherwise or without the record."""
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
    validation = sum(pair.stem in held_out for pair in pairs)
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
    explanation = (
        f"The run that saved it ({record.run_dir}) recorded in data.json the folder it read "
        f"({record.images_resolved}, the folder scored here) and the names of its "
        f"{len(record.train_stems)} training and {len(record.val_stems)} validation pairs: "
        f"{len(seen)} of the images scored carry training names ({', '.join(seen[:5])}"
        f"{', ...' if len(seen) > 5 else ''}){unchanged}; {validation} carry validation names. "
        "A model usually scores higher on images it was fitted to than on images it has not "
        "seen, so scores that include them may overstate what it does on new images.")
    fix = ("Score the model on images it was not trained on: its validation split, or a "
           "held-out test set in another folder.")
    evidence = {"images_scored": scored, "training_files": len(seen),
                "training_names_changed_since": None if stats is None else len(changed),
                "validation_files": validation, "training_run": str(record.run_dir),
                "images_folder": str(record.images_resolved)}
    return Sentences(title, explanation, fix).finding(FINDING_ID, Severity.WARNING, evidence,
                                                      source="evaluate")
