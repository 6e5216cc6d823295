"""The run's own findings (train_report.run_findings): what they say of the run folder."""

from __future__ import annotations

from unetdiag.config import TrainConfig
from unetdiag.training.train_report import run_findings


def test_a_resumed_copy_of_a_run_folder_was_not_renamed(tmp_path):
    # cp -r runs/drive_inst runs/drive_inst_resumed; train --resume runs/drive_inst_resumed
    # said "Run directory 'drive_inst' existed; wrote to 'drive_inst_resumed'": it resumed the
    # folder given, as asked, and renamed nothing
    folder = tmp_path / "drive_inst_resumed"
    resumed = TrainConfig(run_name="drive_inst", resume=folder)
    assert "train.run_dir_renamed" not in [f.id for f in run_findings({}, resumed, folder, None)]


def test_a_new_run_whose_name_was_taken_says_where_it_wrote(tmp_path):
    new = TrainConfig(run_name="drive_inst")
    found = {f.id: f for f in run_findings({}, new, tmp_path / "drive_inst-2", None)}
    assert found["train.run_dir_renamed"].evidence == {"requested": "drive_inst",
                                                        "used": "drive_inst-2"}
