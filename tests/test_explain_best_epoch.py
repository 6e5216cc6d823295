"""A validation Dice or IoU whose best logged level is well above the last epoch's is named
(a Keras user keeping the last weights keeps worse ones), but not a one-epoch spike nor a last
epoch one ordinary swing below the best (session 35: PatternFlow#224's val_dice_coef 0.7984
at epoch 7, 0.7120 at epoch 50, was left unsaid). It and EarlyStopping's restore are findings
(saturation.best_epoch_above_last, log.weights_restored) the headline's sentences come from."""

from __future__ import annotations

import json
from pathlib import Path

from unetdiag.cli import main
from unetdiag.diag.logs.explain import explain_log

REAL = Path(__file__).parent / "data" / "logs" / "real"


def _headline(tmp_path: Path, val_dice: list[float]) -> str:
    text = "epoch,loss,dice,val_loss,val_dice\n" + "".join(
        f"{epoch},{0.5 - 0.01 * epoch:.4f},{0.5 + 0.01 * epoch:.4f},0.4,{value}\n"
        for epoch, value in enumerate(val_dice))
    path = tmp_path / "log.csv"
    path.write_text(text)
    return explain_log(path).headline


def test_a_best_epoch_well_above_the_last_is_named():
    log = REAL / "patternflow_46449269_isic_unet_dice_falls_at_epoch8.log"
    headline = explain_log(log).headline
    assert ("val_dice_coef was best at epoch 7 (0.7984), 0.0864 above the last epoch logged "
            "(50: 0.7120; it moves about 0.0096 between epochs)") in headline
    assert "ModelCheckpoint(monitor='val_dice_coef', mode='max', save_best_only=True)" in headline


def test_a_level_held_two_epochs_is_named(tmp_path):
    said = _headline(tmp_path, [0.50, 0.60, 0.70, 0.80, 0.81, 0.70, 0.71, 0.70, 0.71, 0.70])
    assert "val_dice was best at epoch 5 (0.8100), 0.1100 above the last epoch logged" in said


def test_a_one_epoch_spike_is_not_a_best_to_keep(tmp_path):
    # BraTS's val_mean_io_u: one epoch at 0.7042 in a series stuck at 0.3755
    said = _headline(tmp_path, [0.3755] * 4 + [0.7042] + [0.3755] * 6)
    assert "was best at epoch" not in said


def test_a_last_epoch_one_ordinary_swing_below_the_best_is_noise(tmp_path):
    # a cardiac run's val_dice swings 0.05 an epoch and ends 0.05 below its best
    said = _headline(tmp_path, [0.66, 0.75, 0.77, 0.83, 0.84, 0.78, 0.88, 0.87, 0.88, 0.83])
    assert "was best at epoch" not in said


def test_an_epoch_whose_number_the_log_leaves_open_is_not_named_best():
    from unetdiag.diag.logs.explain import explain_runs
    from unetdiag.diag.logs.model import RunLog
    values = [0.50, 0.60, 0.70, 0.80, 0.81, 0.70, 0.71, 0.70, 0.71, 0.70]
    epochs = [{"val_dice": value} for value in values]
    run = RunLog("run 1", epochs, [None] * len(values), "")
    assert "val_dice was best at epoch 5 (0.8100)" in explain_runs([run]).headline
    # epochs 4 and 5 read between two cuts: their numbers are counted on, not the log's
    run = RunLog("run 1", epochs, [None] * len(values), "", unknown_numbers={3: (4, 30),
                                                                          4: (4, 30)})
    assert "was best at epoch" not in explain_runs([run]).headline


def test_the_best_epoch_is_a_finding_in_the_json(capsys):
    # the headline's sentence is drawn from a structured finding: id, epochs and values
    # apart from the words (main said it in the headline only)
    log = REAL / "patternflow_46449269_isic_unet_dice_falls_at_epoch8.log"
    main(["explain-log", "--json", str(log)])
    report = json.loads(capsys.readouterr().out)
    [found] = [f for f in report["findings"] if f["id"] == "saturation.best_epoch_above_last"]
    data = found["evidence"]["metrics"]["val_dice_coef"]
    assert (data["best_epoch"], data["best"], data["last_epoch"], data["last"]) == (
        7, 0.7984, 50, 0.712)
    assert found["severity"] == "info"
    assert "save_best_only=True" in found["fix"]
    assert "val_dice_coef was best at epoch 7 (0.7984)" in report["headline"]


def test_a_run_whose_weights_were_restored_has_no_best_epoch_finding():
    from unetdiag.diag.checks.saturation import check_best_epoch
    history = {"val_dice": [0.5, 0.8, 0.81, 0.7, 0.7, 0.7, 0.7, 0.7]}
    assert check_best_epoch("run 1", history, restored_epoch=3) == []
    [found] = check_best_epoch("run 1", history)
    assert found.evidence["metrics"]["val_dice"]["best_epoch"] == 3


def test_the_restored_epoch_is_a_finding_in_the_json(capsys):
    # EarlyStopping's restore, said in the headline only on main, is a finding too
    log = REAL / "keras_20323_keras3_early_stopping_restore_lr_column.log"
    main(["explain-log", "--json", str(log)])
    report = json.loads(capsys.readouterr().out)
    [found] = [f for f in report["findings"] if f["id"] == "log.weights_restored"]
    assert found["evidence"]["restored_epoch"] == 6 and found["evidence"]["last_epoch"] == 8
    assert found["evidence"]["losses_at_restored"] == {"loss": 33.2164}
    assert found["severity"] == "info"
    assert found["explanation"] in report["headline"]
