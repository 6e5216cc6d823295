"""train refused before its first variant (a zero-byte image) left a run folder holding only
config.json and data.json, which said nothing of why. Now the folder holds the refusal's
report (outcome refused), and the one-line error names it."""

import json

import numpy as np
import pytest
from PIL import Image

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.trainer import run_training


def test_a_new_run_refused_before_training_says_why_in_its_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for index in range(6):
        Image.fromarray(np.full((16, 16), 30 * index, np.uint8)).save(data / f"c{index}.png")
        mask = np.zeros((16, 16), np.uint8)
        mask[4:9, 4:9] = 255
        Image.fromarray(mask).save(data / f"c{index}_mask.png")
    (data / "c3.png").write_bytes(b"")
    config = TrainConfig(images=data, out_dir=tmp_path / "runs", run_name="r", epochs=1,
                         variants=("MP_Tr_BCE",), img_size=32, quiet=True)
    with pytest.raises(UserError) as caught:
        run_training(config, show_report=False)
    run_dir = tmp_path / "runs" / "r"
    assert str(caught.value) == (f"cannot decode {data / 'c3.png'}: empty file (0 bytes) "
                                 f"(report: {run_dir / 'report.txt'})")
    assert caught.value.code == ExitCode.INPUT_ERROR
    report = json.loads((run_dir / "report.json").read_text())
    assert report["outcome"] == "refused"
    assert report["findings"][-1]["id"] == "train.refused"
    assert report["headline"].startswith("Training refused before it began: cannot decode ")
    assert (run_dir / "report.txt").is_file() and (run_dir / "config.json").is_file()
    assert not (run_dir / "MP_Tr_BCE").exists() and not (run_dir / "cache").exists()
