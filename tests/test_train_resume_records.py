"""What a run folder records of a resume's changed options: one set, the one config.json holds
and the next resume reads. Measured on main (4857405): a ``--resume RUN --on-guard stop
--fail-on warning`` interrupted while it prepared the data left config.json at ``restart`` and
``error`` (the data's checks had not passed) while report.json's and summary.json's meta said
``stop`` and ``warning``, and meta.resumed said "changed: on_guard stop, fail_on warning"."""

from __future__ import annotations

import json

import pytest
from helpers import tiny_train_config, train_quietly

from unetdiag.config import TrainConfig
from unetdiag.diag.synth.generator import SynthSpec, write_dataset
from unetdiag.exitcodes import ExitCode

# Keras 3.15's model.save converts TF variables with np.array(copy=False) (its own NumPy 2 issue).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

CHANGES = {"on_guard": "stop", "fail_on": "warning"}


def _recorded(run_dir):
    """The options as config.json, report.json and summary.json hold them."""
    config = json.loads((run_dir / "config.json").read_text())
    report = json.loads((run_dir / "report.json").read_text())["meta"]
    summary = json.loads((run_dir / "summary.json").read_text())["meta"]
    return [{key: record[key] for key in CHANGES} for record in (config, report, summary)]


def test_a_resume_interrupted_before_its_changes_are_recorded_records_one_set(
        tmp_path, monkeypatch):
    from unetdiag.training import trainer

    write_dataset(tmp_path / "cells", SynthSpec(n_pairs=16, size=32, seed=3))
    first = train_quietly(tiny_train_config(tmp_path / "cells", tmp_path / "runs", epochs=1,
                                            variants=("MP_Tr_BCE",)))
    run_dir = first.run_dir
    assert _recorded(run_dir)[0] == {"on_guard": "restart", "fail_on": "error"}
    build_datasets = trainer.build_datasets

    def interrupted(*args, **options):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "build_datasets", interrupted)
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True), resume_changes=CHANGES)
    assert result.exit_code == ExitCode.INTERRUPTED
    config, report, summary = _recorded(run_dir)
    assert config == {"on_guard": "restart", "fail_on": "error"}  # the checks had not passed
    assert report == summary == config
    resumed = result.report.meta["resumed"]
    assert resumed == (f"resuming {run_dir} with its config.json, which does not hold the "
                       "changes asked (on_guard stop, fail_on warning): the resume ended "
                       "before the data's checks passed")
    assert json.loads((run_dir / "summary.json").read_text())["meta"]["resumed"] == resumed
    finding, = [f for f in result.report.findings if f.id == "train.interrupted"]
    assert finding.evidence["resume_command"] == (f"unetdiag train --resume {run_dir} "
                                                  "--on-guard stop --fail-on warning")

    # the same resume, not interrupted: config.json takes the changes, and so do the records
    monkeypatch.setattr(trainer, "build_datasets", build_datasets)
    result = train_quietly(TrainConfig(resume=run_dir, quiet=True), resume_changes=CHANGES)
    config, report, summary = _recorded(run_dir)
    assert config == report == summary == CHANGES
    assert result.report.meta["resumed"] == (f"resuming {run_dir} with its config.json, "
                                             "changed: on_guard stop, fail_on warning")
