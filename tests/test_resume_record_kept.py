"""A refused ``train --resume RUN --epochs N`` leaves every file of RUN as it was. Before,
``config.json`` took the new options before the data's first full read (the decode
preflight) could refuse the resume: a zero-byte mask left the folder claiming ``epochs 3``
for a run that had trained 1 (measured on main: config.json's sha256 changed, epochs 1 -> 3),
and the next resume read that; a resume refused because every mask decodes empty wrote its
report over the earlier part's. The lock file is the exception: it holds the last holder's
process id (run/lock.py)."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import tiny_train_config, train_quietly
from PIL import Image

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.lock import LOCK_FILENAME

REPOSITORY_IMAGES = Path(__file__).resolve().parents[1] / "images"
STEMS = [f"cells_{index:03d}" for index in range(12)]


def _run_folder(tmp_path):
    """A run refused before training (a zero-byte image, cells_000.png): its folder holds
    config.json (epochs 1), data.json and the refusal's report, at no training's cost."""
    data = tmp_path / "data"
    data.mkdir()
    for stem in STEMS:
        for name in (f"{stem}.png", f"{stem}_mask.png"):
            shutil.copyfile(REPOSITORY_IMAGES / name, data / name)
    (data / "cells_000.png").write_bytes(b"")
    config = tiny_train_config(data, tmp_path / "runs", epochs=1, variants=("MP_Tr_BCE",))
    with pytest.raises(UserError, match="cannot decode .*cells_000.png: empty file"):
        train_quietly(config)
    return data, tmp_path / "runs" / "r"


def _files(run_dir):
    """Every file under ``run_dir`` (but the lock file) and its bytes."""
    return {str(path.relative_to(run_dir)): path.read_bytes()
            for path in sorted(run_dir.rglob("*"))
            if path.is_file() and path.name != LOCK_FILENAME}


def _refused_resume(run_dir, changes, match):
    with pytest.raises(UserError, match=match) as raised:
        train_quietly(TrainConfig(resume=run_dir, quiet=True), resume_changes=changes)
    return raised.value


def test_a_resume_refused_by_a_file_that_does_not_decode_keeps_every_file(tmp_path):
    data, run_dir = _run_folder(tmp_path)
    before = _files(run_dir)
    assert json.loads(before["config.json"])["epochs"] == 1
    _refused_resume(run_dir, {"epochs": 3}, "cannot decode .*cells_000.png: empty file")
    assert _files(run_dir) == before
    # the image mended, a validation mask (not among the masks read before the preflight)
    # broken: the preflight refuses it
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    val_stem = json.loads(before["data.json"])["val"][-1]
    (data / f"{val_stem}_mask.png").write_bytes(b"")
    _refused_resume(run_dir, {"epochs": 3, "on_guard": "stop"},
                    f"cannot decode .*{val_stem}_mask.png: empty file")
    assert _files(run_dir) == before


def test_a_resume_refused_for_another_reason_keeps_every_file(tmp_path):
    data, run_dir = _run_folder(tmp_path)
    before = _files(run_dir)
    error = _refused_resume(run_dir, {"learning_rate": 0.1}, "a resume cannot change")
    assert error.code == ExitCode.USAGE
    assert _files(run_dir) == before
    (data / "cells_000.png").unlink()  # a pair gone: the split differs from data.json's
    _refused_resume(run_dir, {"epochs": 3}, "differs from the one the run started with")
    assert _files(run_dir) == before
    data.rename(tmp_path / "moved")
    _refused_resume(run_dir, {"epochs": 3}, re.escape(str(data)))
    assert _files(run_dir) == before


def test_a_resume_refused_because_every_mask_decodes_empty_keeps_every_file(tmp_path):
    # the refusal's report went into the folder, over the earlier part's (here the report
    # of the first refusal, which named the file that did not decode)
    data, run_dir = _run_folder(tmp_path)
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    for stem in STEMS:
        Image.fromarray(np.zeros((96, 96), np.uint8)).save(data / f"{stem}_mask.png")
    before = _files(run_dir)
    error = _refused_resume(run_dir, {"epochs": 3}, "training masks decodes empty")
    assert error.report.outcome == "refused"
    assert _files(run_dir) == before


def test_a_resume_whose_checks_pass_records_its_changes(tmp_path):
    data, run_dir = _run_folder(tmp_path)
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True),
                           resume_changes={"on_guard": "stop"})
    assert result.variants["MP_Tr_BCE"].epochs_completed == 1
    recorded = json.loads((run_dir / "config.json").read_text())
    assert (recorded["on_guard"], recorded["epochs"]) == ("stop", 1)


def test_a_resume_interrupted_before_training_keeps_the_earlier_summary_rows(
        tmp_path, monkeypatch):
    # Ctrl-C while the data is prepared (measured on main: summary.json's row of a variant
    # that had finished became "not run", and a later resume read that row)
    from unetdiag.training import trainer

    data, run_dir = _run_folder(tmp_path)
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    train_quietly(TrainConfig(resume=run_dir, quiet=True))
    before = _files(run_dir)

    def interrupted(*args, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "build_datasets", interrupted)
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True),
                           resume_changes={"epochs": 3})
    assert result.exit_code == ExitCode.INTERRUPTED
    after = _files(run_dir)
    assert (json.loads(after["summary.json"])["variants"]
            == json.loads(before["summary.json"])["variants"])
    assert after["config.json"] == before["config.json"]
    # config.json still says 1 epoch, so the resume the report proposes must ask for 3 again
    # (on 9072660 it proposed a bare --resume RUN, which trains nothing more)
    finding, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert finding.evidence["resume_command"] == f"unetdiag train --resume {run_dir} --epochs 3"
    assert finding.evidence["resume_command"] in finding.fix
    # that command trains MP_Tr_BCE on to epoch 3: the fix said "finished variants are skipped"
    assert ("MP_Tr_BCE, which ended at epoch 1, goes on from its checkpoint to epoch 3"
            in finding.fix)


def test_a_refused_resume_names_no_earlier_report_where_the_folder_holds_none(tmp_path):
    # an earlier part killed before it reported (SIGKILL while it read the data) left no
    # report; the refusal said "RUN keeps the report of its earlier part" all the same
    data, run_dir = _run_folder(tmp_path)
    for name in ("report.json", "report.txt", "report.html"):
        (run_dir / name).unlink()
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    for stem in STEMS:
        Image.fromarray(np.zeros((96, 96), np.uint8)).save(data / f"{stem}_mask.png")
    before = _files(run_dir)
    error = _refused_resume(run_dir, {"epochs": 3}, "training masks decodes empty")
    assert "keeps the report" not in str(error)
    assert "no earlier part of the run wrote a report" in str(error)
    assert _files(run_dir) == before


def test_a_resume_interrupted_before_training_keeps_an_interrupted_variant_as_such(
        tmp_path, monkeypatch):
    # a variant interrupted by the earlier part, its first epoch checkpointed: a Ctrl-C while
    # the resume prepared the data made its row "not run", 0 epochs (the report listed it
    # among the variants that did not run), though its checkpoint holds 1 epoch
    from unetdiag.training import trainer
    from unetdiag.training.run import checkpoint as epoch_checkpoint

    data, run_dir = _run_folder(tmp_path)
    shutil.copyfile(REPOSITORY_IMAGES / "cells_000.png", data / "cells_000.png")
    save = epoch_checkpoint.atomic_save

    def interrupted_second_save(writer, path):  # epoch 1 checkpointed, epoch 2 not
        if path.name == epoch_checkpoint.CHECKPOINT_WEIGHTS_FORMAT.format(epochs=2):
            raise KeyboardInterrupt
        return save(writer, path)

    with monkeypatch.context() as patched:
        patched.setattr(epoch_checkpoint, "atomic_save", interrupted_second_save)
        first = train_quietly(TrainConfig(resume=run_dir, quiet=True),
                              resume_changes={"epochs": 2})
    assert first.variants["MP_Tr_BCE"].status == "interrupted"
    before = json.loads((run_dir / "summary.json").read_text())["variants"]
    assert [(row["status"], row["epochs_completed"]) for row in before] == [("interrupted", 1)]

    def interrupted(*args, **options):
        raise KeyboardInterrupt

    build_datasets = trainer.build_datasets
    monkeypatch.setattr(trainer, "build_datasets", interrupted)
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True))
    assert result.exit_code == ExitCode.INTERRUPTED
    after = json.loads((run_dir / "summary.json").read_text())["variants"]
    assert [(row["status"], row["epochs_completed"]) for row in after] == [("interrupted", 1)]
    finding, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert (finding.evidence["interrupted"], finding.evidence["not_run"]) == (["MP_Tr_BCE"], [])
    # a Ctrl-C once it is that variant's turn, outside model.fit (its compile, say): on
    # 9072660 "during MP_Tr_BCE, epoch 1 of 2 (0 completed and checkpointed)"
    monkeypatch.setattr(trainer, "build_datasets", build_datasets)
    monkeypatch.setattr(trainer, "train_with_policy", interrupted)
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True))
    finding, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert finding.title.endswith("during MP_Tr_BCE, epoch 2 of 2 (1 completed and checkpointed)")
