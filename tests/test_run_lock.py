"""Two ``unetdiag train`` in one run folder at once: the second is refused in one line naming
the folder and the holder's process id (status 5), before it reads the data or writes a file;
on main it went on, and one of the two died on the cache the other removed. The lock is held
by this test process, so the answer does not depend on timing."""

import errno
import fcntl
import json
import os
import subprocess
import sys

import pytest

from unetdiag.config import TrainConfig
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.run.lock import LOCK_FILENAME, run_folder_lock


def test_a_held_run_folder_is_refused_naming_the_holder(tmp_path):
    with run_folder_lock(tmp_path), pytest.raises(UserError) as caught, \
            run_folder_lock(tmp_path):
        pass
    assert str(caught.value) == (f"{tmp_path} is in use by another unetdiag train (process "
                                 f"{os.getpid()}); wait for it to end, then resume")
    assert caught.value.code == ExitCode.OUTPUT_ERROR
    with run_folder_lock(tmp_path):  # released when the block ended
        pass


def test_a_resume_of_a_run_another_process_holds_is_refused_in_one_line(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    config = TrainConfig(images=tmp_path / "images", variants=("MP_Tr_BCE",), epochs=1,
                         out_dir=tmp_path)
    (run_dir / "config.json").write_text(json.dumps(config.to_dict()))
    with open(run_dir / LOCK_FILENAME, "w") as lock:
        lock.write("4242\n")
        lock.flush()
        fcntl.flock(lock, fcntl.LOCK_EX)
        before = {path.name: path.read_bytes() for path in run_dir.iterdir()}
        done = subprocess.run(
            [sys.executable, "-m", "unetdiag", "train", "--resume", str(run_dir), "--epochs",
             "2"], capture_output=True, text=True, cwd=tmp_path, check=False,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == ExitCode.OUTPUT_ERROR, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"unetdiag: error: {run_dir} is in use by another unetdiag train (process 4242); "
        "wait for it to end, then resume")
    assert "Traceback" not in done.stderr
    assert {path.name: path.read_bytes() for path in run_dir.iterdir()} == before


def test_a_full_disk_writing_the_holders_id_is_no_traceback(tmp_path, monkeypatch):
    # the lock holds whether or not its id is written: a refused train then names no process
    def full_disk(descriptor, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    with run_folder_lock(tmp_path), pytest.raises(UserError) as caught, \
            run_folder_lock(tmp_path):
        pass
    monkeypatch.undo()
    assert str(caught.value) == (f"{tmp_path} is in use by another unetdiag train; wait for it "
                                 "to end, then resume")


def test_a_holder_on_another_host_is_named_with_its_host(tmp_path):
    # on a network file system the process id alone names a process of another machine
    with open(tmp_path / LOCK_FILENAME, "w") as lock:
        lock.write("4242 gpu-node-7\n")
        lock.flush()
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(UserError) as caught, run_folder_lock(tmp_path):
            pass
    assert str(caught.value) == (f"{tmp_path} is in use by another unetdiag train (process "
                                 "4242 on gpu-node-7); wait for it to end, then resume")
