"""A new run's refusal whose report cannot be written (a full disk, a folder made read-only):
the error raised was the report's "cannot write", and the refusal's own cause (the file that
does not decode) was lost. Now the cause is kept and the report's failure said beside it."""

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run import refusal


def test_an_unwritable_report_keeps_the_refusals_cause(tmp_path, monkeypatch):
    def full_disk(report, run_dir):
        raise UserError(f"cannot write {run_dir / 'report.json'}: No space left on device",
                        ExitCode.OUTPUT_ERROR)

    monkeypatch.setattr(refusal, "write_report_files", full_disk)
    config = TrainConfig(images=tmp_path / "data", out_dir=tmp_path, variants=("MP_Tr_BCE",))
    cause = UserError("cannot decode c3.png: empty file (0 bytes)", ExitCode.INPUT_ERROR)
    raised = refusal.reported_refusal(config, tmp_path, {}, [], cause)
    assert str(raised) == ("cannot decode c3.png: empty file (0 bytes) (its report was not "
                           f"written: cannot write {tmp_path / 'report.json'}: No space left "
                           "on device)")
    assert raised.code == ExitCode.INPUT_ERROR
    assert raised.report.outcome == "refused"


def test_the_refusals_fix_names_the_resume_that_trains_in_its_folder(tmp_path):
    # a resume of a refused run, its file mended, trains in the folder (measured: rc 0); the
    # fix said "start a new run" only, which leaves the refused folder behind
    config = TrainConfig(images=tmp_path / "data", out_dir=tmp_path, variants=("MP_Tr_BCE",))
    cause = UserError("cannot decode c3.png: empty file (0 bytes)", ExitCode.INPUT_ERROR)
    refused = refusal.reported_refusal(config, tmp_path, {}, [], cause).report.findings[-1]
    assert refused.id == "train.refused"
    assert refused.fix.startswith(f"Mend what the title names, then unetdiag train --resume "
                                  f"{tmp_path} trains in this folder (while the image and mask "
                                  "files keep their names; start a new run otherwise).")
