"""The report package: console view, strict JSON, HTML and text files, loading."""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console, Group

from unetdiag.diag.core.findings import Finding, Report, Severity
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.report import (
    COMPACT_LIMITS,
    REPORT_SCHEMA,
    VERBOSE_LIMITS,
    format_number,
    format_value,
    load_report,
    render_report,
    renderables,
    report_from_json,
    report_to_json,
    write_html,
    write_json,
    write_report_files,
)

REPO = Path(__file__).resolve().parents[1]
ANSI_ESCAPE = "\x1b["
HEADLINE = "Your validation Dice 0.9975 is what predicting every pixel as foreground scores."


def _finding(finding_id: str, severity: Severity, **overrides) -> Finding:
    fields = dict(id=finding_id, severity=severity, title=f"title of {finding_id}",
                  explanation=f"explanation of {finding_id}", fix=f"fix for {finding_id}",
                  evidence={}, files=(), source="")
    fields.update(overrides)
    return Finding(**fields)


def _sample_report() -> Report:
    """Findings deliberately out of severity order; JSON-native values only."""
    return Report(
        title="unetdiag train images/", command="train", headline=HEADLINE,
        findings=[
            _finding("baseline.trivial_scores", Severity.INFO,
                     evidence={"all_zeros_dice": 0.0}),
            _finding("mask.values_above_one", Severity.ERROR,
                     evidence={"max_value": 255, "all_ones_dice": 0.99749373,
                               "smoothing": 1e-6, "per_epoch": list(range(40))},
                     files=tuple(f"masks/{i:04d}.png" for i in range(9)), source="audit"),
            _finding("saturation.flat_metric", Severity.WARNING,
                     evidence={"epochs_flat": 5}, source="train:MP_Tr_BCE"),
        ],
        summary={"variants": [{"variant": "MP_Tr_BCE", "val_dice": 0.99749373, "epochs": 5},
                              {"variant": "MP_Tr_Dice", "status": "stopped"}]},
        meta={"unetdiag": "0.1.0"})


def _render(report: Report, verbose: bool = False, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False)
    render_report(report, console, verbose=verbose)
    return console.file.getvalue()


def _squash(text: str) -> str:
    """Console text with box drawing and line wrapping removed, for phrase searches."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


# --- console view -------------------------------------------------------------------------

def test_console_shows_headline_ranked_ids_evidence_files_and_fixes():
    text = _render(_sample_report())
    assert ANSI_ESCAPE not in text  # not a terminal: plain text
    assert HEADLINE in _squash(text)
    positions = [text.index(i) for i in
                 ("mask.values_above_one", "saturation.flat_metric", "baseline.trivial_scores")]
    assert positions == sorted(positions)  # error, then warning, then info
    assert "Findings: 1 error, 1 warning, 1 info" in text
    for shown in ("0.9975", "1e-6", "255", "+34 more", "masks/0000.png", "+4 more",
                  "fix for mask.values_above_one", "fix for saturation.flat_metric"):
        assert shown in text, shown
    assert "0.99749373" not in text  # rounded, not dumped
    assert "masks/0005.png" not in text  # only the first few files
    assert all(len(line) <= 80 for line in text.splitlines())


def test_detail_panels_follow_severity_order():
    text = _render(_sample_report(), verbose=True)
    panels = re.findall(r"╭─\s+(ERROR|WARNING|INFO)\s+(\S+)", text)
    assert panels == [("ERROR", "mask.values_above_one"),
                      ("WARNING", "saturation.flat_metric"),
                      ("INFO", "baseline.trivial_scores")]


def test_info_findings_are_one_line_unless_verbose():
    compact, verbose = _render(_sample_report()), _render(_sample_report(), verbose=True)
    assert "baseline.trivial_scores" in compact
    assert "explanation of baseline.trivial_scores" not in compact
    assert "fix for baseline.trivial_scores" not in compact
    assert "explanation of baseline.trivial_scores" in verbose
    assert "fix for baseline.trivial_scores" in verbose
    assert "masks/0008.png" in verbose and "masks/0008.png" not in compact
    assert "unetdiag" in verbose.split("Context")[-1]  # meta shown only when verbose
    assert "Context" not in compact


def test_terminal_console_gets_colour_and_plain_console_does_not():
    console = Console(file=io.StringIO(), width=80, force_terminal=True, color_system="standard")
    render_report(_sample_report(), console)
    assert ANSI_ESCAPE in console.file.getvalue()
    assert ANSI_ESCAPE not in _render(_sample_report())


def test_summary_tables_take_columns_from_row_keys():
    text = _render(_sample_report())
    header = next(line for line in text.splitlines() if "variant" in line and "val_dice" in line)
    assert header.split() == ["variant", "val_dice", "epochs", "status"]
    assert re.search(r"MP_Tr_Dice\s+stopped", text)


def test_four_variants_figures_fit_80_columns_and_prose_wraps_at_spaces():
    from unetdiag.training.run.summary import VariantResult

    # the trainer's own rows, at a slow CPU's figures (four-digit ms/step)
    rows = [VariantResult(name, "finished", best_val_dice=0.87161, best_val_dice_epoch=11,
                          best_val_iou=0.79123, best_val_iou_epoch=11, final_val_accuracy=0.97761,
                          time_per_step_ms=1193.4, images_per_second=13.2, parameters=530529,
                          model_holds="best epoch", model_epoch=11).display_row()
            for name in ("MP_Tr_BCE", "MP_Tr_Dice", "StrConv_Tr_BCE", "StrConv_Ups_Dice")]
    verdict = "at the all-ones score (f = 0.995); validation metrics flat"
    runs = [{"run": "MP_Tr_BCE", "verdict": verdict}]
    text = _render(Report(title="t", command="train", summary={"variants": rows, "runs": runs}),
                   width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    for name in ("MP_Tr_BCE", "MP_Tr_Dice", "StrConv_Tr_BCE", "StrConv_Ups_Dice"):
        row = next(line for line in lines if line.split()[:1] == [name])
        assert row.split()[1:] == ["finished", "0.8716", "@11", "0.7912", "@11", "0.9776",
                                   "1193", "13", "best", "@11"]
    # the accuracy is the last epoch's, the Dice and IoU the best epoch's: the header says
    # so (s27: 'val acc 0.5922' beside 'best val Dice 0.1905 @1' was epoch 3's accuracy)
    assert "last" in " ".join(lines[:lines.index(next(
        line for line in lines if line.split()[:1] == ["MP_Tr_BCE"]))]).split()
    shown = " ".join(lines[lines.index(next(line for line in lines if "verdict" in line)):])
    assert all(word in shown.split() for word in verdict.split())  # wrapped, never cut mid-word


def test_zero_findings_say_nothing_was_found():
    text = _render(Report(title="unetdiag audit-data clean/", command="audit-data"))
    assert "Nothing found" in text
    assert "severity" not in text  # no empty findings table
    assert "unetdiag audit-data clean/" in text


def test_renderables_compose_into_a_group():
    pieces = renderables(_sample_report(), verbose=True)
    console = Console(file=io.StringIO(), width=80, force_terminal=False)
    console.print(Group(*pieces))
    assert "mask.values_above_one" in console.file.getvalue()


ODD_EVIDENCE = {
    "nan": float("nan"), "inf": float("inf"), "minus_inf": -math.inf,
    "numpy_nan": np.float32("nan"), "numpy_int": np.int64(7), "array": np.arange(1000),
    "deep": {"a": {"b": {"c": {"d": [1, [2, [3, [4]]]]}}}}, "wide": {str(i): i for i in range(50)},
    "huge_list": list(range(100_000)), "empty": [], "none": None, "flag": True,
    "set": {3, 1, 2}, "markup": "[bold]not bold[/] [/]", "long": "#" * 10_000,
    "path": Path("a/b.png"), "bytes": b"\x00\xff",
}


class _BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("boom")


def _odd_report() -> Report:
    odd = _finding("odd.evidence", Severity.ERROR, title="[/] <script>alert(1)</script>",
                   evidence={**ODD_EVIDENCE, "broken": _BrokenStr()},
                   files=("图像_ü.png", "bad\udcff.png", "[red]x[/red].png",
                          *(f"f{i}.png" for i in range(20))))
    return Report(title="odd [/]", command="audit-data", headline="odd [/] 图像", findings=[odd],
                  summary={"odd": [{"value": float("nan")}, "not a dict"], "empty": []})


@pytest.mark.parametrize("verbose", [False, True])
def test_odd_evidence_renders_without_crashing(verbose):
    text = _render(_odd_report(), verbose=verbose)
    # deeper nesting and longer lists are shown when verbose, but never everything
    cut_depth, more = ("[…]", "+99900 more") if verbose else ("{…}", "+99994 more")
    for shown in ("nan", "-inf", "[bold]not bold[/] [/]", "[red]x[/red].png", "图像_ü.png",
                  "bad\\udcff.png", "<_BrokenStr>", cut_depth, "[1, 2, 3]", more):
        assert shown in text, shown
    limits = VERBOSE_LIMITS if verbose else COMPACT_LIMITS
    assert text.count("#") < limits.text_chars  # long strings are cut
    assert max(len(line) for line in text.splitlines()) <= 80


def test_ascii_console_escapes_instead_of_raising():
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    render_report(_odd_report(), Console(file=stream, width=80, force_terminal=False))
    stream.flush()
    text = raw.getvalue().decode("ascii")
    assert "\\u56fe\\u50cf_\\xfc.png" in text
    assert "..." in text  # truncation marker without Unicode


@pytest.mark.parametrize(("number", "expected"), [
    (5912, "5912"), (0.99749373, "0.9975"), (1e-6, "1e-6"), (0.000254, "2.54e-4"),
    (3.2e7, "3.2e7"), (12345.67, "12350"), (0.5, "0.5"), (0.0, "0"), (-0.25, "-0.25"),
    (float("nan"), "nan"), (float("inf"), "inf"), (-math.inf, "-inf"), (True, "true"),
    (np.float32(0.5), "0.5"), (10**20, "100000000000000000000"),
])
def test_format_number(number, expected):
    assert format_number(number) == expected


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=8)
    | st.dictionaries(st.text(max_size=8), children, max_size=8),
    max_leaves=40)


@settings(max_examples=60, deadline=None)
@given(evidence=st.dictionaries(st.text(min_size=1, max_size=12), json_values, max_size=6),
       files=st.lists(st.text(max_size=20), max_size=8))
def test_any_json_like_evidence_renders_and_round_trips(evidence, files):
    finding = _finding("any.evidence", Severity.WARNING, evidence=evidence, files=files)
    report = Report(title="any", command="audit-data", findings=[finding])
    assert "any.evidence" in _render(report, verbose=True)
    assert isinstance(format_value(evidence), str)
    loaded = report_from_json(report_to_json(report))
    assert loaded.to_dict() == report.to_dict()


# --- JSON -----------------------------------------------------------------------------------

def _strict_loads(text: str):
    def reject(token):
        raise AssertionError(f"non-strict JSON token {token}")
    return json.loads(text, parse_constant=reject)


def test_json_round_trip_equals_original(tmp_path):
    report = _sample_report()
    report.findings = sorted(report.findings, key=lambda f: -f.severity.rank)  # file order
    loaded = load_report(write_json(report, tmp_path / "report.json"))
    assert loaded == report


def test_json_round_trip_of_unsorted_numpy_report_keeps_its_dict(tmp_path):
    report = Report(title="t", command="train", findings=[
        _finding("a.info", Severity.INFO, evidence={"value": np.float64(0.25),
                                                     "pair": (1, 2)}),
        _finding("b.error", Severity.ERROR, files=[Path("x.png")]),
    ])
    loaded = load_report(write_json(report, tmp_path / "r.json"))
    assert loaded.to_dict() == report.to_dict()
    assert [f.id for f in loaded.findings] == ["b.error", "a.info"]
    assert loaded.findings[1].evidence == {"value": 0.25, "pair": [1, 2]}


def test_json_is_strict_everywhere():
    report = Report(
        title="t", command="train",
        findings=[_finding("n.nan", Severity.ERROR,
                           evidence={"loss": float("nan"), "series": [1.0, float("inf")],
                                     "nested": {"grad": -math.inf}})],
        summary={"epochs": [{"loss": float("nan"), "val": np.float32("inf")}]},
        meta={"timing": {"step": float("nan")}, "where": Path("runs/1"), "ids": {"b", "a"}})
    data = _strict_loads(report_to_json(report))
    assert data["schema"] == REPORT_SCHEMA
    assert data["findings"][0]["evidence"] == {"loss": "nan", "series": [1.0, "inf"],
                                               "nested": {"grad": "-inf"}}
    assert data["summary"] == {"epochs": [{"loss": "nan", "val": "inf"}]}
    assert data["meta"]["timing"] == {"step": "nan"}
    assert data["meta"]["where"] == "runs/1"
    assert data["counts"] == {"info": 0, "warning": 0, "error": 1}


def test_json_keeps_unusual_file_names(tmp_path):
    names = ("图像_ü.png", "bad\udcff.png")
    report = Report(title="t", command="audit-data",
                    findings=[_finding("f.names", Severity.WARNING, files=names)])
    path = write_json(report, tmp_path / "r.json")
    assert path.read_bytes().isascii()
    assert load_report(path).findings[0].files == names


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "invalid JSON"),
    ('{"schema": "unetdiag.report/1", "title": "t", "command": "c", "x": NaN}', "NaN"),
    ('[1, 2]', "not a JSON object"),
    ('{"schema": "unetdiag.report/9", "title": "t", "command": "c"}', "unetdiag.report/9"),
    ('{"schema": "unetdiag.report/1", "title": "t", "command": "c", '
     '"findings": [{"id": "x"}]}', "lacks severity"),
    ('{"schema": "unetdiag.report/1", "title": "t", "command": "c", "findings": [{"id": "x",'
     ' "severity": "fatal", "title": "", "explanation": "", "fix": ""}]}', "fatal"),
    ('{"schema": "unetdiag.report/1", "command": "c"}', "title"),
])
def test_load_report_rejects_non_reports_naming_the_file(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(UserError) as raised:
        load_report(path)
    assert raised.value.code == ExitCode.INPUT_ERROR
    assert str(path) in str(raised.value) and reason in str(raised.value)


def test_load_report_of_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="missing.json"):
        load_report(tmp_path / "missing.json")


def test_schema_doc_example_is_a_valid_report():
    doc = (REPO / "docs" / "report-schema.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)```", doc, re.DOTALL).group(1)
    report = report_from_json(example, origin="docs/report-schema.md")
    assert report_to_json(report) == example.strip()  # the doc shows exactly what we write
    assert REPORT_SCHEMA in doc


# --- HTML and text files -------------------------------------------------------------------

def test_html_escapes_titles_file_names_and_evidence(tmp_path):
    hostile = "<script>alert(1)</script>"
    report = Report(title=hostile, command="audit-data", headline=f"headline {hostile}",
                    findings=[_finding("x.html", Severity.ERROR, title=hostile,
                                       evidence={"note": hostile}, files=(f"{hostile}.png",))])
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page
    assert page.count("&lt;script&gt;") >= 5  # title, headline, finding title, evidence, file


def test_write_report_files_writes_three_files_atomically(tmp_path):
    run_dir = tmp_path / "run"
    paths = write_report_files(_sample_report(), run_dir)
    assert paths == {"json": run_dir / "report.json", "html": run_dir / "report.html",
                     "txt": run_dir / "report.txt"}
    assert sorted(os.listdir(run_dir)) == ["report.html", "report.json", "report.txt"]
    assert load_report(paths["json"]) .title == "unetdiag train images/"
    text = paths["txt"].read_text(encoding="utf-8")
    assert ANSI_ESCAPE not in text
    assert "explanation of baseline.trivial_scores" in text  # files carry the verbose view
    assert all(line == line.rstrip() for line in text.splitlines())
    assert "mask.values_above_one" in paths["html"].read_text(encoding="utf-8")


def test_write_report_files_custom_stem_and_odd_report(tmp_path):
    paths = write_report_files(_odd_report(), tmp_path, stem="audit")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html", "audit.json", "audit.txt"]
    assert "图像_ü.png" in paths["txt"].read_text(encoding="utf-8")
    _strict_loads(paths["json"].read_text(encoding="utf-8"))


def test_failed_write_leaves_no_temporary_file_and_names_the_file(tmp_path, monkeypatch):
    write_report_files(_sample_report(), tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(UserError) as raised:
        write_report_files(Report(title="new", command="train"), tmp_path)
    assert raised.value.code == ExitCode.OUTPUT_ERROR
    assert "report.json" in str(raised.value) and "No space left" in str(raised.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_unwritable_run_dir_is_an_output_error(tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")
    with pytest.raises(UserError) as raised:
        write_report_files(_sample_report(), not_a_dir)
    assert raised.value.code == ExitCode.OUTPUT_ERROR


def test_report_package_never_imports_tensorflow():
    code = ("import io, sys; from rich.console import Console; import unetdiag.report as r; "
            "from unetdiag.diag.core.findings import Report; "
            "r.render_report(Report('t', 'train'), Console(file=io.StringIO())); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
