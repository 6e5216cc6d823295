"""explain-log on real public Keras logs: every expectation of data/logs/real/EXPECTATIONS.toml.

Each file there is a short excerpt of a training log someone posted in public (its source URL
beside it in the TOML), with what explain-log must and must not say about it, as predicates on
the report. One test per expectation, so the pass count is the scorecard.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tomllib

from unetdiag.diag.core.findings import Report, Severity
from unetdiag.diag.logs.explain import explain_log
from unetdiag.exitcodes import ExitCode, UserError, exit_status

REAL = Path(__file__).parent / "data" / "logs" / "real"
SPEC = tomllib.loads((REAL / "EXPECTATIONS.toml").read_text(encoding="utf-8"))
KINDS = ("MUST", "MUST NOT", "SHOULD")
_RANK = {"info": 0, "warning": 1, "error": 2}


def _cases() -> list[Any]:
    cases = []
    for entry in SPEC["log"]:
        for number, expectation in enumerate(entry["expect"], start=1):
            predicates = {k: v for k, v in expectation.items() if k not in ("kind", "says")}
            if predicates:  # a SHOULD without predicates is recorded, not checked
                cases.append(pytest.param(entry["file"], expectation,
                                          id=f"{entry['file']}:{number}:{expectation['kind']}"))
    return cases


@cache
def _outcome(name: str) -> tuple[Report | None, int]:
    """The report and exit status of ``explain-log`` on one file (status 4: refused)."""
    try:
        report = explain_log(REAL / name)
    except UserError as error:
        assert "\n" not in str(error) and name in str(error)
        _REFUSALS[name] = str(error)
        return None, int(error.code)
    return report, int(exit_status(report, fail_on=Severity.WARNING))


#: The one-line error of each refused file, for ``error_has``.
_REFUSALS: dict[str, str] = {}


def _group(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        return SPEC["groups"][value[1:]]
    return value


def _lookup(evidence: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(evidence, dict) or key not in evidence:
            return KeyError
        evidence = evidence[key]
    return evidence


def _matches(actual: Any, expected: Any) -> bool:
    if actual is KeyError:
        return False
    if expected is True:
        return True
    if isinstance(expected, list):
        return isinstance(actual, (list, dict)) and all(item in actual for item in expected)
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        # relative: a learning rate of 6.25e-05 must not match 1.25e-04
        return math.isclose(actual, expected, rel_tol=1e-3, abs_tol=0 if expected else 1e-4)
    return actual == expected


def _has_finding(report: Report, spec: dict) -> bool:
    for finding in report.findings:
        if finding.id != spec["id"]:
            continue
        if "severity" in spec and finding.severity.value != spec["severity"]:
            continue
        if all(_matches(_lookup(finding.evidence, key), value)
               for key, value in spec.get("has", {}).items()):
            return True
    return False


def _text(report: Report) -> str:
    parts = [report.headline] + [f"{f.title} {f.explanation}" for f in report.findings]
    return " ".join(parts).lower()


def _check(report: Report | None, status: int, predicates: dict, refusal: str = ""
           ) -> list[str]:
    """The predicates that fail, in words (``error_has``: words of a refused file's error)."""
    failed = []
    if "exit" in predicates and status not in predicates["exit"]:
        failed.append(f"exit {status} not in {predicates['exit']}")
    if "error_has" in predicates and not all(w.lower() in refusal.lower()
                                             for w in predicates["error_has"]):
        failed.append(f"error_has = {predicates['error_has']!r} (error: {refusal!r})")
    if report is None:
        return failed + (["the log was refused"]
                         if set(predicates) - {"exit", "error_has"} else [])
    runs = report.summary["runs"]
    ids = {f.id for f in report.findings}
    headline, text = report.headline.lower(), _text(report)
    read = {m for values in report.meta["final_values"].values() for m in values}
    checks = {
        "runs": lambda n: len(runs) == n,
        "epochs": lambda counts: [row["epochs"] for row in runs] == counts,
        "metrics": lambda names: set(names) <= read,
        "ids": lambda wanted: set(wanted) <= ids,
        "ids_absent": lambda unwanted: not set(unwanted) & ids,
        "max_severity": lambda worst: all(_RANK[f.severity.value] <= _RANK[worst]
                                          for f in report.findings),
        "headline_has": lambda words: all(w.lower() in headline for w in words),
        "headline_lacks": lambda words: not any(w.lower() in headline for w in words),
        "text_has": lambda words: all(w.lower() in text for w in words),
        "text_lacks": lambda words: not any(w.lower() in text for w in words),
        "runs_table": lambda cells: all(row.get(column) == value for row in runs[:1]
                                        for column, value in cells.items()),
        "finding": lambda spec: _has_finding(report, spec),
        "no_finding": lambda spec: not any(
            f.id == spec["id"] and f.severity.value in spec["severity"]
            for f in report.findings),
    }
    for key, value in predicates.items():
        if key not in ("exit", "error_has") and not checks[key](_group(value)):
            failed.append(f"{key} = {_group(value)!r}")
    return failed


@pytest.mark.parametrize("name, expectation", _cases())
def test_expectation(name, expectation):
    report, status = _outcome(name)
    predicates = {k: v for k, v in expectation.items() if k not in ("kind", "says")}
    failed = _check(report, status, predicates, _REFUSALS.get(name, ""))
    headline = report.headline if report is not None else "(refused)"
    assert not failed, (f"{expectation['kind']} {expectation['says']}: failed {failed}; "
                        f"headline: {headline}")


def test_every_file_has_an_entry_and_a_source():
    files = {path.name for path in REAL.iterdir() if path.suffix in (".log", ".csv", ".json")}
    entries = {entry["file"] for entry in SPEC["log"]}
    assert files == entries
    for entry in SPEC["log"]:
        assert entry["source"].startswith("https://") and entry["what"] and entry["account"]
        assert entry["expect"] and all(e["kind"] in KINDS for e in entry["expect"])


def test_every_file_gives_a_report_or_one_line_error():
    """No traceback: anything but a one-line UserError (exit 4) fails here."""
    for entry in SPEC["log"]:
        report, status = _outcome(entry["file"])
        assert (report is None) == (status == ExitCode.INPUT_ERROR)
