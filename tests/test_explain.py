"""explain_log end to end on real-format logs: the headline says what is wrong, with numbers."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unetdiag.diag.core.findings import Severity
from unetdiag.diag.logs.explain import explain_log
from unetdiag.exitcodes import ExitCode, UserError

LOGS = Path(__file__).parent / "data" / "logs"
SEED_RUNS = ["MP_Tr_BCE", "MP_Tr_Dice", "StrConv_Tr_BCE", "StrConv_Ups_Dice"]


@pytest.fixture(scope="module")
def seed_report():
    return explain_log(LOGS / "seed_readme_log.txt")


def by_id(report, finding_id):
    return [f for f in report.findings if f.id == finding_id]


def test_seed_headline_names_the_all_ones_predictor_with_its_numbers(seed_report):
    headline = seed_report.headline
    assert headline.startswith("MP_Tr_Dice and StrConv_Ups_Dice score exactly what an "
                               "all-ones predictor scores for foreground fraction 0.995")
    for number in ("val_accuracy 0.9950", "val_dice_coef 0.9975", "2*0.995/1.995 = 0.99749",
                   "99.5 % foreground", "MP_Tr_BCE and StrConv_Tr_BCE show the same "
                   "val_accuracy 0.9950"):
        assert number in headline
    # consistent with, not proof of: a log does not show the masks' foreground fraction
    assert "no validation pixel is correctly predicted background" in headline
    assert "sit on" not in headline and "predicts every pixel" not in headline
    # the training loss kept falling while the validation numbers stood still
    assert "never moved" in headline and "did not change what these metrics count" in headline
    assert "StrConv_Ups_Dice also ran 11.5x slower per step (23 s vs 2 s)" in headline


def test_seed_every_run_is_tied_to_the_all_ones_predictor(seed_report):
    fingerprinted = {f.evidence["run"] for f in by_id(seed_report, "saturation.all_ones_predictor")}
    at_baseline = {f.evidence["run"] for f in by_id(seed_report, "saturation.metric_at_baseline")}
    assert fingerprinted == {"MP_Tr_Dice", "StrConv_Ups_Dice"}
    assert at_baseline == {"MP_Tr_BCE", "StrConv_Tr_BCE"}
    assert all(f.evidence["foreground_fraction"] == 0.995
               for f in by_id(seed_report, "saturation.metric_at_baseline"))
    rows = seed_report.summary["runs"]
    assert [row["run"] for row in rows] == SEED_RUNS
    assert [row["epochs"] for row in rows] == [5, 5, 5, 3]
    assert all("all-ones" in row["verdict"] and "0.995" in row["verdict"] for row in rows)
    assert rows[1]["dice (train / val)"] == "0.9981 / 0.9975"
    assert rows[0]["accuracy (train / val)"] == "0.9959 / 0.9950"
    assert "iou (train / val)" not in rows[0]  # no run logs an IoU
    assert rows[3]["s/step"] == 23.0 and "slower per step" in rows[3]["verdict"]
    assert seed_report.meta["final_values"]["MP_Tr_Dice"]["val_dice_coef"] == 0.9975


def test_seed_identical_and_flat_findings(seed_report):
    [accuracy] = [f for f in by_id(seed_report, "saturation.identical_across_runs")
                  if f.evidence["metric"] == "val_accuracy"]
    assert accuracy.severity is Severity.ERROR and accuracy.evidence["runs"] == SEED_RUNS
    flat_runs = {f.evidence["run"] for f in by_id(seed_report, "saturation.flat_metric")}
    assert flat_runs == set(SEED_RUNS)
    [outlier] = by_id(seed_report, "saturation.step_time_outlier")
    assert outlier.evidence["run"] == "StrConv_Ups_Dice"


def test_seed_report_shape(seed_report):
    assert seed_report.command == "explain-log"
    assert seed_report.title == f"unetdiag explain-log {LOGS / 'seed_readme_log.txt'}"
    assert seed_report.meta["runs"] == SEED_RUNS
    assert all(f.source.startswith("log:") for f in seed_report.findings)
    assert all(f.files == (str(LOGS / "seed_readme_log.txt"),) for f in seed_report.findings)
    data = json.loads(json.dumps(seed_report.to_dict(), allow_nan=False))
    assert data["counts"]["error"] >= 4


def test_the_full_seed_readme_reads_like_its_log(tmp_path):
    # shared/ sits beside the repository (on a developer's machine and in CI)
    candidates = [Path(__file__).resolve().parents[2] / "shared" / "seed" / "README.md",
                  Path("/work/shared/seed/README.md")]
    readme = next((path for path in candidates if path.exists()), None)
    if readme is None:
        pytest.skip("the shared seed README is not on this machine")
    copy = tmp_path / "README.md"
    shutil.copy(readme, copy)  # prose, Markdown and the log between fences
    report = explain_log(copy)
    assert report.meta["runs"] == SEED_RUNS
    assert report.headline == explain_log(LOGS / "seed_readme_log.txt").headline


def test_labels_on_a_255_scale_are_named():
    report = explain_log(LOGS / "seed_first_version_labels255.txt")
    headline = report.headline
    assert headline.startswith("The masks are not normalised to [0, 1]")
    assert "0/255" in headline and "1.9802" in headline
    assert "goes negative" in headline and "NaN from epoch 2" in headline
    assert "0.0019" in headline  # the accuracy ~0.002
    assert {f.evidence["run"] for f in by_id(report, "saturation.dice_above_one")} == {
        "MP_Tr_BCE", "MP_Tr_Dice"}
    [nan] = by_id(report, "saturation.non_finite")
    assert nan.evidence["run"] == "MP_Tr_BCE" and nan.evidence["onset_epoch"] == 2
    assert "loss" in nan.evidence["metrics_at_onset"]
    assert all("labels outside [0, 1]" in row["verdict"] for row in report.summary["runs"])


def test_a_negative_loss_beside_healthy_accuracy_keeps_its_construction_in_the_verdict(
        tmp_path):
    # keras-team/keras#19638: a "dice and crossentropy" loss falls to -0.12 while accuracy
    # climbs to 0.94; the finding lists a loss below 0 by construction, so must the runs table
    path = tmp_path / "dice_ce.log"
    path.write_text("".join(
        f"Epoch {epoch}/3\n10/10 [====] - 1s - loss: {loss} - accuracy: {accuracy}\n"
        for epoch, (loss, accuracy) in enumerate([(0.05, 0.90), (-0.05, 0.92), (-0.12, 0.944)],
                                                  start=1)))
    [row] = explain_log(path).summary["runs"]
    assert "construction" in row["verdict"]


def test_real_keras_runs_with_255_masks():
    keras2 = explain_log(LOGS / "keras2_verbose2_labels255.log")
    assert {"saturation.dice_above_one", "saturation.negative_loss"} <= {
        f.id for f in keras2.findings}
    keras3 = explain_log(LOGS / "keras3_verbose1_labels255.log")  # Dice 0.90, accuracy 0.24
    assert [f.id for f in keras3.findings] == ["saturation.dice_exceeds_accuracy_bound"]
    # the bound assumes {0, 1} labels: 0/255 masks and soft (JPEG / 255) masks both break it
    assert "masks of exactly 0 and 1" in keras3.headline and "0.7647" in keras3.headline
    assert "0-255 scale" in keras3.headline and "JPEG masks divided by 255" in keras3.headline
    assert "not normalised" not in keras3.headline


@pytest.mark.parametrize("name", ["keras3_verbose1_redraw.log", "keras2_verbose1_redraw.log",
                                  "csvlogger.csv", "history_list.json"])
def test_healthy_logs_have_nothing_to_say(name):
    report = explain_log(LOGS / name)
    assert report.findings == []
    assert report.headline.startswith("Nothing in th")


def test_nan_run():
    for name in ("keras3_verbose2_nan.log", "csvlogger_nan.csv", "history_nan.json"):
        report = explain_log(LOGS / name)
        assert "NaN from epoch 1 of the 3 logged" in report.headline, name
        assert by_id(report, "saturation.non_finite")[0].severity is Severity.ERROR


def test_a_cut_log_is_explained_and_the_cut_reported(tmp_path):
    text = (LOGS / "seed_readme_log.txt").read_text()
    cut = tmp_path / "cut.log"
    cut.write_text(text[: text.rindex("val_loss") + len("val_loss: 0.0")])
    report = explain_log(cut)
    assert report.meta["runs"] == SEED_RUNS
    [notes] = by_id(report, "log.parse_notes")
    assert notes.severity is Severity.INFO and "cut off" in notes.explanation
    assert "score exactly what an all-ones predictor scores" in report.headline


@pytest.mark.parametrize("content, expected", [
    (None, "no such file"),
    (b"", "empty"),
    (bytes(range(256)) * 8, "not a text file"),
    (b"name,age\nAda,36\n", "not a Keras training log"),
    (b'{"layers": 3}', "no training history"),
])
def test_unusable_inputs_raise_one_line_user_errors(tmp_path, content, expected):
    path = tmp_path / "input.log"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UserError, match=expected) as error:
        explain_log(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    assert error.value.code is ExitCode.INPUT_ERROR


def test_explain_never_imports_tensorflow():
    code = ("import sys, unetdiag.diag.logs.explain as e; "
            f"e.explain_log({str(LOGS / 'seed_readme_log.txt')!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def test_a_quiet_run_whose_validation_dice_still_rises_is_told_to_train_longer(tmp_path):
    """Nothing saturated, but the best val_dice is the last one and it rose 0.19 over the
    last three epochs: the headline says so with the numbers (an info finding, exit 0)."""
    log = tmp_path / "history.json"
    log.write_text(json.dumps({"loss": [0.9, 0.7, 0.6, 0.5, 0.45],
                               "dice": [0.3, 0.45, 0.55, 0.6, 0.64],
                               "val_loss": [0.95, 0.75, 0.62, 0.55, 0.5],
                               "val_dice": [0.3, 0.4, 0.5, 0.55, 0.59]}))
    report = explain_log(log)
    assert report.headline.endswith(
        "Its val_dice was still rising at the last epoch (0.5900, up 0.1900 over the last 3 "
        "epochs): train longer.")
    rising = [f for f in report.findings if f.id == "saturation.still_improving"]
    assert len(rising) == 1 and rising[0].severity is Severity.INFO


def test_runs_rising_on_different_metrics_each_name_their_own():
    """One run's val_dice peaked earlier while its val_seed_dice still rises; another's
    val_dice and val_iou rise: the headline names each run's metric (val_dice first where it
    rises), never one name for both."""
    from unetdiag.diag.checks.saturation import check_series
    from unetdiag.diag.logs.explain import headline
    from unetdiag.diag.logs.model import RunLog

    histories = {"A": {"val_dice": [0.3, 0.5, 0.76, 0.74, 0.75],
                       "val_seed_dice": [0.2, 0.4, 0.55, 0.6, 0.64]},
                 "B": {"val_iou": [0.2, 0.3, 0.35, 0.4, 0.45],
                       "val_dice": [0.3, 0.4, 0.5, 0.55, 0.59]}}
    runs, findings = [], []
    for name, history in histories.items():
        findings += check_series(name, history)
        epochs = [dict(zip(history, values, strict=True))
                  for values in zip(*history.values(), strict=True)]
        runs.append(RunLog(name, epochs, [None] * len(epochs), ""))
    assert headline(runs, findings).endswith(
        "Validation scores were still rising at the last epoch in A (val_seed_dice 0.6400, up "
        "0.2400 over the last 3 epochs) and B (val_dice 0.5900, up 0.1900 over the last 3 "
        "epochs): train longer.")


def test_a_metric_that_turns_non_finite_later_and_stays_so_is_in_the_headline(tmp_path):
    log = tmp_path / "history.csv"
    rows = ["epoch,dice_coef,loss,val_dice_coef,val_loss"]
    for epoch in range(12):
        loss = "nan" if epoch == 2 else f"{0.5 - 0.02 * epoch:.3f}"
        val_loss = "nan" if epoch >= 7 else f"{0.55 - 0.015 * epoch:.3f}"
        rows.append(f"{epoch},{0.5 + 0.02 * epoch:.2f},{loss},{0.45 + 0.02 * epoch:.2f},"
                    f"{val_loss}")
    log.write_text("\n".join(rows) + "\n")
    headline = explain_log(log).headline
    assert "loss is NaN at epoch 3, finite from epoch 4 on" in headline
    assert "val_loss also turns non-finite at epoch 8 and still is at the last epoch" in headline

