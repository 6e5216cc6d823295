"""The checks/ runner: every case file parses, the docs are current, and a missing
diagnosis fails the run (the catalogue itself runs in `tox -e checks`)."""

import textwrap
from pathlib import Path

import pytest

from unetdiag import catalogue
from unetdiag.catalogue import ExpectedFinding, Run

REPOSITORY = Path(__file__).resolve().parent.parent


def test_every_case_file_parses_and_names_known_corruptions():
    from unetdiag.diag.synth.corruptions import CORRUPTIONS

    paths = catalogue.discover(REPOSITORY / "checks")
    assert len(paths) >= 18
    for path in paths:
        case = catalogue.load_case(path)
        assert case.runs and all(run.expect or run.stderr for run in case.runs), path
        assert all(c["kind"] in CORRUPTIONS for c in case.corruptions), path


def test_generated_docs_are_up_to_date():
    cases = [catalogue.load_case(p) for p in catalogue.discover(REPOSITORY / "checks")]
    current = (REPOSITORY / "docs" / "failure-modes.md").read_text()
    assert current == catalogue.render_docs(cases), \
        "regenerate: python -m unetdiag.catalogue --write-docs docs/failure-modes.md"


def _report(*findings):
    return {"findings": [{"id": i, "severity": s} for i, s in findings]}


def test_judge_fails_when_an_expected_finding_disappears():
    run = Run("audit-data", (), (ExpectedFinding("mask.lossy", "warning"),), ("pairing.same_file",),
              1)
    assert judge_ok(run, 1, _report(("mask.lossy", "warning")))
    assert not judge_ok(run, 1, _report(("mask.encodings", "info")))      # check disabled
    assert not judge_ok(run, 1, _report(("mask.lossy", "info")))          # severity drifted
    assert not judge_ok(run, 1, _report(("mask.lossy", "warning"), ("pairing.same_file", "error")))
    assert not judge_ok(run, 3, _report(("mask.lossy", "warning")))       # exit status
    assert not judge_ok(run, 1, {})                                       # no report at all
    outcome = catalogue.judge(run, 1, _report(("mask.lossy", "warning")), "Traceback (most", "c")
    assert outcome.problems == ["a traceback reached the user"]


def test_judge_accepts_a_refusal_only_with_the_promised_message():
    run = Run("train", (), (), (), 4, stderr="its own mask")
    assert catalogue.judge(run, 4, {}, "unetdiag: error: ... as its own mask", "c").passed
    assert not catalogue.judge(run, 4, {}, "unetdiag: error: something else", "c").passed
    assert not catalogue.judge(run, 0, {}, "unetdiag: error: ... as its own mask", "c").passed


def test_judge_fails_when_the_headline_holds_a_fragment_it_must_not():
    """A claim only the headline makes (inverted polarity) is judged by its words."""
    run = Run("audit-data", (), (), (), None, headline_absent=("inverted polarity",))
    assert judge_ok(run, 0, {**_report(), "headline": "24 of 24 masks are more than 50%"})
    assert not judge_ok(run, 0, {**_report(), "headline": "Possible Inverted Polarity: 24 of 24"})


def judge_ok(run, status, report):
    return catalogue.judge(run, status, report, "", "case").passed


def test_malformed_case_names_the_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 'x'\n[[run]]\ncommand = 'audit-data'\n")
    with pytest.raises(ValueError, match="bad.toml"):
        catalogue.load_case(bad)


#: The story fields every case file needs; the tests below add data and runs.
CASE_HEADER = 'title = "t"\nstory = "s"\nsymptom = "y"\nfix = "f"\n'


def _case(path, body: str):
    """A case file: :data:`CASE_HEADER` then ``body`` (dedented), loaded."""
    path.write_text(CASE_HEADER + textwrap.dedent(body))
    return catalogue.load_case(path)


def test_a_case_runs_end_to_end_through_the_real_cli(tmp_path):
    case = _case(tmp_path / "zero.toml", """
        [data]
        n_pairs = 6
        size = 32
        corruptions = [{ kind = "zero_byte_file" }]
        [[run]]
        command = "audit-data"
        expect = [{ id = "file.empty", severity = "error" }]
        [[run]]
        command = "audit-data"
        expect = [{ id = "duplicates.exact" }]
    """)
    outcomes = catalogue.run_case(case)
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[1].problems == ["missing duplicates.exact"]
    assert catalogue.main(["--checks-dir", str(tmp_path)]) != 0


def test_an_explain_log_case_explains_its_own_log_text(tmp_path):
    case = _case(tmp_path / "log.toml", '''
        [data]
        n_pairs = 4
        size = 32
        [[run]]
        command = "explain-log"
        log = """
        Epoch 1/2
        8/8 [====] - 1s - loss: -0.9455 - dice_coef: 1.9455 - accuracy: 0.0022
        Epoch 2/2
        8/8 [====] - 1s - loss: -0.9798 - dice_coef: 1.9798 - accuracy: 0.0021
        """
        expect = [{ id = "saturation.dice_above_one", severity = "error" }]
        [[run]]
        command = "explain-log"
        log = "not a log"
        expect = [{ id = "saturation.dice_above_one" }]
    ''')
    outcomes = catalogue.run_case(case)
    assert [o.passed for o in outcomes] == [True, False]
    assert outcomes[1].problems[0].startswith("no report")
