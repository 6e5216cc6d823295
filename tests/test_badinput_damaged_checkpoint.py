"""An unfinished variant whose epoch checkpoint is damaged (what an interrupted run leaves when
the disk fills or a copy is cut short): ``train --resume`` named no file and raised h5py's
``OSError`` from ``load_weights`` (a truncated weights file), or trained again from epoch 1
without a word (a truncated checkpoint.json). Now the checkpoint is set aside, not deleted,
and a warning and a finding name the file; the variant starts again from its first epoch."""

import pytest
from helpers import one_epoch_checkpoint

from unetdiag.training.run.checkpoint import DamagedCheckpoint, load_checkpoint, read_checkpoint
from unetdiag.training.run.damaged_checkpoint import set_aside_damaged_checkpoints

VARIANT = "MP_Tr_BCE"


def _interrupted_variant(run_dir):
    """A variant folder as an interrupted one-epoch variant leaves it: history and checkpoint,
    no model.keras. Returns the checkpoint's state and weights files."""
    state, weights = one_epoch_checkpoint(run_dir / VARIANT)
    (run_dir / VARIANT / "history.json").write_text('{"loss": [0.5], "val_loss": [0.4]}')
    return state, weights


def _contents(folder):
    return {path.relative_to(folder): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("size", [0, 100, 8000])
def test_a_truncated_weights_file_is_a_damaged_checkpoint(tmp_path, size):
    _, weights = _interrupted_variant(tmp_path)
    weights.write_bytes(weights.read_bytes()[:size])
    with pytest.raises(DamagedCheckpoint) as caught:
        read_checkpoint(tmp_path / VARIANT)
    assert caught.value.path == weights
    assert caught.value.why.startswith("it does not open as an HDF5 weights file: ")
    assert load_checkpoint(tmp_path / VARIANT) is None


@pytest.mark.parametrize("damaged", ["weights", "state"])
def test_a_damaged_checkpoint_is_set_aside_and_named(tmp_path, capsys, damaged):
    state, weights = _interrupted_variant(tmp_path)
    named = {"weights": weights, "state": state}[damaged]
    named.write_bytes(named.read_bytes()[:100])
    before = _contents(tmp_path / VARIANT)

    findings = set_aside_damaged_checkpoints(tmp_path, [VARIANT, "not_started"])

    kept = tmp_path / VARIANT / "checkpoint-damaged"
    assert [finding.id for finding in findings] == ["train.damaged_checkpoint"]
    finding = findings[0]
    # "it starts again" read as the checkpoint starting again
    assert finding.title == (f"{VARIANT}'s epoch checkpoint is damaged: {VARIANT} starts again "
                             "from epoch 1")
    assert finding.files == (str(kept / named.name),)  # where the damaged file is now
    assert finding.evidence["moved_to"] == str(kept)
    assert finding.source == f"train:{VARIANT}"
    warning = capsys.readouterr().err
    assert warning.startswith(f"unetdiag: warning: {VARIANT}'s epoch checkpoint is damaged: "
                              f"{named.name} (")
    assert f"{VARIANT} starts again from its first epoch" in warning
    # nothing lost: every byte moved under checkpoint-damaged/, history with it
    assert _contents(kept) == {
        path.relative_to("checkpoint") if path.parts[0] == "checkpoint" else path: data
        for path, data in before.items()}
    assert load_checkpoint(tmp_path / VARIANT) is None  # the variant trains from epoch 1


def test_an_intact_or_finished_variants_checkpoint_is_left_alone(tmp_path, capsys):
    _interrupted_variant(tmp_path)
    before = _contents(tmp_path)
    assert set_aside_damaged_checkpoints(tmp_path, [VARIANT]) == []
    state, _ = _interrupted_variant(tmp_path / "finished")
    state.write_text("{")
    (tmp_path / "finished" / VARIANT / "model.keras").write_bytes(b"a model")
    assert set_aside_damaged_checkpoints(tmp_path / "finished", [VARIANT]) == []
    assert state.read_text() == "{"  # extending it is refused elsewhere, keeping it reads none
    assert _contents(tmp_path).items() >= before.items()
    assert capsys.readouterr().err == ""


def test_the_earlier_parts_tensorboard_events_go_with_its_history(tmp_path):
    # left in VARIANT/tensorboard/, they drew the discarded training's epochs 1..N beside the
    # new training's, which numbers its epochs from 1 again
    _, weights = _interrupted_variant(tmp_path)
    weights.write_bytes(b"")
    events = tmp_path / VARIANT / "tensorboard" / "events.out.tfevents.1.vm.1.0.v2"
    events.parent.mkdir()
    events.write_bytes(b"epoch 1 of the earlier part")
    set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    kept = tmp_path / VARIANT / "checkpoint-damaged"
    assert (kept / "tensorboard" / events.name).read_bytes() == b"epoch 1 of the earlier part"
    assert not (tmp_path / VARIANT / "tensorboard").exists()


def test_a_thousandth_damaged_checkpoint_is_set_aside_too(tmp_path):
    # the names tried stopped at checkpoint-damaged-999: StopIteration's traceback after it
    _, weights = _interrupted_variant(tmp_path)
    weights.write_bytes(b"")
    (tmp_path / VARIANT / "checkpoint-damaged").mkdir()
    for number in range(2, 1000):
        (tmp_path / VARIANT / f"checkpoint-damaged-{number}").mkdir()
    [finding] = set_aside_damaged_checkpoints(tmp_path, [VARIANT])
    assert finding.evidence["moved_to"] == str(tmp_path / VARIANT / "checkpoint-damaged-1000")
