"""The HTML report: what each command's page shows, what it says when files are missing, and
the findings grouped by source (in the HTML and the console view)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from report_fixtures import VARIANTS, images_expected, make_train_run
from rich.console import Console

from unetdiag.diag.core.dice import all_ones_dice
from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.diag.logs.explain import explain_log
from unetdiag.report import render_report, write_html, write_report_files
from unetdiag.report.grouping import group_findings
from unetdiag.report.html.explain import fingerprint_lines
from unetdiag.report.html.page import CONTENT_SECURITY_POLICY
from unetdiag.report.runfiles import read_variant

IMG_RE = re.compile(r"<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"([^\"]*)\"")


def _images(page: str) -> list[tuple[bytes, str]]:
    import base64

    return [(base64.b64decode(data), alt) for data, alt in IMG_RE.findall(page)]


def _decodes(png: bytes) -> bool:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return image.width > 0 and image.height > 0


# --- train --------------------------------------------------------------------------------

def test_train_page_shows_every_variant_with_curves_overlays_and_histogram(tmp_path):
    run_dir = tmp_path / "run"
    report = make_train_run(run_dir)
    paths = write_report_files(report, run_dir)
    page = paths["html"].read_text(encoding="utf-8")
    images = _images(page)
    assert len(images) == images_expected() == page.count("<img ")
    assert all(_decodes(png) for png, _ in images)
    for name in VARIANTS:
        assert f"id=\"variant-{name}\"" in page
        assert f"training curves of {name}" in [alt for _, alt in images]
        assert f"histogram of {name}&#x27;s validation Dice per image" in page
    # the indexed variant's panels name their image and its Dice; the other's their file
    assert "images/cells_001.png, Dice 0.0500" in page
    assert "probe_00.png" in page
    assert "1 image with no Dice value (undefined) left out." in page
    # the epochs findings speak of, 1-based: from_epoch 3 and the guard's 0-based epoch 3 are
    # epochs 3 and 4
    assert re.search(r"epoch 3: <span class=\"count warning\"><code>saturation.flat_metric", page)
    assert re.search(r"epoch 4: <span class=\"count error\"><code>guard.non_finite_loss", page)


def test_curves_mark_a_finding_at_the_epochs_its_evidence_names(tmp_path):
    """A series check is re-judged every epoch: the monitor's first report (first_epoch) is
    not the epochs its latest evidence speaks of (new-user walk, s35: a rise over epochs
    2-4 was drawn at epoch 1)."""
    run_dir = tmp_path / "run"
    report = make_train_run(run_dir)
    monitor = {"first_epoch": 1, "latest_epoch": 4, "epochs_seen": 4, "still_present": True}
    source = "train:MP_Tr_BCE"
    extra = [
        Finding("saturation.still_improving", Severity.INFO, "Still rising", "Rising.", "Longer.",
                {"run": source, "metrics": {"val_dice": {"last_epoch": 4, "over_epochs": 2}},
                 **monitor}, source=source),
        Finding("saturation.train_val_gap", Severity.INFO, "Apart", "Gap.", "Look.",
                {"run": source, "last_epoch": 4,
                 "metrics": {"dice": {"epoch": 4, "from_first_epoch": False}}, **monitor},
                source=source),
        Finding("saturation.near_majority", Severity.INFO, "Near", "Near.", "Look.",
                {"run": source, **monitor}, source=source),
        Finding("dice.per_image_vs_batch_gap", Severity.INFO, "Probe", "Probe.", "Look.",
                {**monitor, "first_epoch": 2}, source=source),
    ]
    report = dataclasses.replace(report, findings=report.findings + extra)
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    section = page.split("id=\"variant-MP_Tr_BCE\"")[1].split("id=\"variant-")[0]
    markers = dict(re.findall(r"<li>epoch (\d+): (.*?)</li>", section))
    ids = {epoch: re.findall(r"<code>([^<]+)</code>", line) for epoch, line in markers.items()}
    assert "saturation.still_improving" in ids["2"] and "saturation.still_improving" in ids["4"]
    assert "saturation.train_val_gap" in ids["4"]
    assert not any("saturation.train_val_gap" in found for epoch, found in ids.items()
                   if epoch != "4")
    # a series finding naming no epoch of its own is not drawn; a probe check's first epoch is
    assert not any("saturation.near_majority" in found for found in ids.values())
    assert ids["2"].count("dice.per_image_vs_batch_gap") == 1


def test_train_page_is_self_contained(tmp_path):
    report = make_train_run(tmp_path)
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert CONTENT_SECURITY_POLICY in page
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)=\"(?!data:image/png;base64,)", page)  # nothing fetched


def test_older_run_without_training_outputs_still_renders_and_says_what_is_missing(tmp_path):
    report = make_train_run(tmp_path, training_outputs=False)
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<img ") == images_expected(training_outputs=False)
    for name in VARIANTS:
        assert (f"Not in {name}&#x27;s folder: val_scores.csv (the per-image validation scores) "
                "and overlays/ (the prediction overlays).") in page


def test_broken_files_become_notes_never_broken_images(tmp_path):
    report = make_train_run(tmp_path)
    first, second = (tmp_path / name for name in VARIANTS)
    (first / "overlays" / "probe_01.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    (second / "history.json").write_text("{not json")
    (second / "val_scores.csv").write_text("file,dice\nx.png,0.5\n")
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert all(_decodes(png) for png, _ in _images(page))
    assert "probe_01.png cannot be read" in page
    assert "lacks the column(s) foreground_fraction, iou, predicted_fraction" in page
    assert f"training curves of {VARIANTS[1]}" not in page
    assert str(second / "history.json") in page


def test_run_dir_without_variant_folders_says_so(tmp_path):
    report = Report(title="t", command="train")
    page = write_html(report, tmp_path / "report.html", run_dir=tmp_path).read_text()
    assert "holds no variant folder with a history.json" in page


def test_overlay_index_cannot_point_outside_its_folder(tmp_path):
    make_train_run(tmp_path)
    overlays = tmp_path / VARIANTS[0] / "overlays"
    (overlays / "index.json").write_text(json.dumps([{"png": "../history.json", "dice": 1}]))
    files = read_variant(tmp_path, VARIANTS[0])
    assert files.overlays == [] and "names no panel inside" in files.problems[0]


# --- grouping -----------------------------------------------------------------------------

def _collapsed(variant: str, epoch: int = 0) -> Finding:
    return Finding("saturation.predictions_collapsed", Severity.ERROR,
                   f"train:{variant}: predictions collapsed to all-background", "Collapsed.",
                   "Fix.", {"run": f"train:{variant}", "first_epoch": epoch},
                   source=f"train:{variant}")


def test_same_finding_for_four_variants_is_one_row_naming_the_four():
    names = ("A", "B", "C", "D")
    info = [Finding("imbalance.summary", Severity.INFO, "Foreground is 9% of all pixels", "x",
                    "y", {"masks": 64}, source=f"train:{name}") for name in names]
    report = Report("t", "train", info + [_collapsed("A"), _collapsed("B", epoch=3)])
    groups = group_findings(report.findings)
    assert [(g.id, len(g.findings), len(g.details)) for g in groups] == [
        ("saturation.predictions_collapsed", 2, 2), ("imbalance.summary", 4, 1)]
    assert groups[0].title == "Predictions collapsed to all-background"
    console = Console(file=io.StringIO(), width=100, force_terminal=False)
    render_report(report, console, verbose=True)
    text = console.file.getvalue()
    assert text.count("Foreground is 9% of all pixels") == 2  # one table row, one panel
    assert "train: A, B, C and D" in text
    assert text.count("predictions collapsed to all-background") == 2  # one panel per epoch


def test_html_groups_findings_like_the_console(tmp_path):
    names = ("A", "B", "C", "D")
    info = [Finding("imbalance.summary", Severity.INFO, "Foreground is 9% of all pixels", "x",
                    "y", {"masks": 64}, source=f"train:{name}") for name in names]
    page = write_html(Report("t", "audit-data", info), tmp_path / "r.html").read_text()
    assert page.count("<details class=\"finding info\"") == 1
    assert "(train: A, B, C and D)" in page
    assert "4 findings in 1 entry" in page


def test_console_and_report_txt_count_the_rows_merged_findings_fill(tmp_path):
    """"Findings: ... 3 info" above 4 table rows read as findings missing (new-user walk,
    s35): the console and report.txt say how many rows the findings fill, as the HTML does."""
    run_dir = tmp_path / "run"
    report = make_train_run(run_dir)  # 5 findings: the batch audit's one for 2 variants
    buffer = io.StringIO()
    render_report(report, Console(file=buffer, width=120, color_system=None))
    text = (write_report_files(report, run_dir)["txt"]).read_text(encoding="utf-8")
    for view in (buffer.getvalue(), text):
        assert "Findings: 1 error, 1 warning, 3 info" in view
        assert "5 findings in 4 rows: the same finding for several sources is one row" in view
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "5 findings in 4 entries" in page


def test_file_list_heading_counts_the_files_listed_not_those_affected(tmp_path):
    """"40 masks are JPEG-compressed ... Files (20)" read as 20 affected (new-user walk,
    s35): a check lists at most 20 of the files it speaks of."""
    files = [f"masks/{number:02d}.jpg" for number in range(20)]
    lossy = Finding("mask.lossy", Severity.WARNING, "40 masks are JPEG-compressed", "x", "y",
                    {"masks": 40, "files_listed": 20}, files=tuple(files), source="data:masks")
    report = Report("t", "audit-data", [lossy])
    buffer = io.StringIO()
    render_report(report, Console(file=buffer, width=120, color_system=None))
    page = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    for view in (buffer.getvalue(), page):
        assert "Files listed (20)" in view
        assert "Files (20)" not in view


def test_different_titles_stay_apart_and_a_lone_finding_keeps_its_title():
    first = Finding("a.b", Severity.INFO, "Foreground is 9%", "", "", source="train:A")
    second = Finding("a.b", Severity.INFO, "Foreground is 12%", "", "", source="train:B")
    groups = group_findings([first, second, _collapsed("C")])
    assert [g.title for g in groups] == ["train:C: predictions collapsed to all-background",
                                         "Foreground is 9%", "Foreground is 12%"]


def test_the_name_is_left_out_wherever_a_clause_opens_with_it():
    def both(title: str) -> str:
        findings = [Finding("a.b", Severity.INFO, title.format(name=f"train:{name}"), "", "",
                            {"run": f"train:{name}"}, source=f"train:{name}")
                    for name in ("A", "B")]
        [group] = group_findings(findings)
        return group.title

    assert both("Resolved by epoch 11: {name}: collapsed") == "Resolved by epoch 11: collapsed"
    assert both("{name} predicts no foreground") == "Each predicts no foreground"
    assert both("{name}: val_dice is flat") == "val_dice is flat"  # a metric keeps its name


# --- console pointer ----------------------------------------------------------------------

def test_console_view_ends_pointing_to_the_html_file():
    console = Console(file=io.StringIO(), width=60, force_terminal=False)
    render_report(Report("t", "train"), console, html_path="runs/a very long name/report.html")
    last = console.file.getvalue().rstrip("\n").splitlines()[-1]
    assert last.endswith("runs/a very long name/report.html")
    plain = Console(file=io.StringIO(), width=60, force_terminal=False)
    render_report(Report("t", "train"), plain)
    assert "report.html" not in plain.file.getvalue()


# --- audit-data ---------------------------------------------------------------------------

def _dataset(folder: Path) -> None:
    """Ten pairs; one mask saved as JPEG (flagged), one empty (named by the info finding)."""
    folder.mkdir()
    generator = np.random.default_rng(0)
    for index in range(10):
        image = generator.integers(0, 256, (32, 32), dtype=np.uint8)
        mask = np.zeros((32, 32), np.uint8)
        if index:
            mask[4:12 + index, 4:14] = 255
        Image.fromarray(image).save(folder / f"c_{index}.png")
        suffix = ".jpg" if index == 3 else ".png"
        Image.fromarray(mask).save(folder / f"c_{index}_mask{suffix}")


def test_audit_page_shows_value_charts_and_flagged_thumbnails(tmp_path, monkeypatch):
    from unetdiag.diag.audit.run import audit_dataset

    monkeypatch.chdir(tmp_path)
    _dataset(tmp_path / "data")
    report = audit_dataset("data", workers=1)
    flagged = [f for f in report.findings if f.severity is not Severity.INFO and f.files]
    assert flagged, "the JPEG mask should be flagged"
    page = write_html(report, tmp_path / "audit.html").read_text(encoding="utf-8")
    alts = [alt for _, alt in _images(page)]
    assert any(alt.startswith("bar chart: background") for alt in alts)
    assert "bar chart of masks per stored encoding" in alts
    assert "box plot of the foreground share per mask" in alts
    assert "data/c_3_mask.jpg with its mask in red" in alts
    assert all(_decodes(png) for png, _ in _images(page))
    thumbnail = next(png for png, alt in _images(page) if alt.startswith("data/c_3_mask.jpg"))
    with Image.open(io.BytesIO(thumbnail)) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=int)
    painted = (pixels[:, :, 0] - pixels[:, :, 1] > 60) & (pixels[:, :, 0] - pixels[:, :, 2] > 60)
    assert 0.05 < painted.mean() < 0.5  # the mask's rectangle, painted red


def test_audit_page_when_the_dataset_has_gone(tmp_path, monkeypatch):
    from unetdiag.diag.audit.run import audit_dataset

    monkeypatch.chdir(tmp_path)
    _dataset(tmp_path / "data")
    report = audit_dataset("data", workers=1)
    (tmp_path / "data").rename(tmp_path / "moved")
    page = write_html(report, tmp_path / "audit.html").read_text(encoding="utf-8")
    assert "The files cannot be shown:" in page


# --- explain-log --------------------------------------------------------------------------

SEED_LINE = ("370/370 - 2s - 5ms/step - accuracy: 0.9961 - dice_coef: 0.9981 - loss: 0.0019 - "
             "val_accuracy: 0.9950 - val_dice_coef: 0.9975 - val_loss: 0.0025")


def test_explain_page_draws_each_run_with_the_all_ones_fingerprint(tmp_path):
    log = tmp_path / "fit.log"
    log.write_text("".join(f"Epoch {i}/3\n{SEED_LINE}\n" for i in (1, 2, 3)))
    report = explain_log(log)
    page = write_html(report, tmp_path / "explain.html").read_text(encoding="utf-8")
    assert "curves of run 1" in [alt for _, alt in _images(page)]
    lines = fingerprint_lines(report.findings)
    by_kind = {(line.kind, round(line.value, 4)) for line in lines}
    assert ("accuracy", 0.995) in by_kind  # accuracy = f
    assert ("dice", round(all_ones_dice(0.995), 4)) in by_kind  # Dice = 2f/(1+f)
    assert any("2f/(1+f)" in line.label for line in lines)


def test_explain_page_when_the_log_has_gone(tmp_path):
    log = tmp_path / "fit.log"
    log.write_text("".join(f"Epoch {i}/3\n{SEED_LINE}\n" for i in (1, 2, 3)))
    report = explain_log(log)
    log.unlink()
    page = write_html(report, tmp_path / "explain.html").read_text(encoding="utf-8")
    assert "The curves are not shown:" in page and "<img" not in page


# --- imports ------------------------------------------------------------------------------

def test_matplotlib_is_imported_only_to_draw():
    code = ("import sys, io; import unetdiag.report, unetdiag.report.html; "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("command", ["audit-data", "explain-log", "train"])
def test_an_empty_report_of_each_command_renders(tmp_path, command):
    page = write_html(Report(title="<b>", command=command), tmp_path / "r.html").read_text()
    assert "Nothing found" in page and "&lt;b&gt;" in page


def test_series_findings_naming_their_epochs_in_lists_or_beside_are_marked_there():
    """Evidence naming its epochs as a list under ``epochs`` (a score at 0, validation not
    scored, a loss not measured), as a total's multiple epochs, or the epoch before a jump or
    a collapse: marked there, not left unmarked (a series finding's first report is no mark)."""
    from unetdiag.diag.core.findings import Finding
    from unetdiag.report.epochs import finding_epochs

    def marked(evidence):
        return finding_epochs(Finding("x", "warning", "", "", "", {"run": "r",
                                                                    "first_epoch": 1,
                                                                    **evidence}))

    assert marked({"metrics": {"val_dice": {"epochs": [3, 4]}}}) == [3, 4]
    assert marked({"epochs": [2], "every_epoch": False}) == [2]
    assert marked({"metrics": {"loss": {"equal_epochs": [1], "multiple_epochs": [5]}}}) == [1, 5]
    assert marked({"metrics": {"loss": {"epoch": 7, "previous_epoch": 6}}}) == [6, 7]
    assert marked({"metrics": {"val_dice": {"epoch": 9, "before_epoch": 8}}}) == [8, 9]
    # a count of epochs is no epoch
    assert marked({"metrics": {"dice": {"epochs": 12, "from_epoch": 4}}}) == [4]
