"""Runner for ``checks/``: every known failure mode, rebuilt, run and held to its diagnosis.

Each ``checks/*.toml`` file is one case (format in ``checks/README.md``): the story, how to
build the broken dataset with :func:`unetdiag.diag.synth.corruptions.build_case`, which ``unetdiag``
commands to run on it, and which finding ids (with severities) must and must not appear.
The runner calls the real command line in a subprocess, exactly as a user would, and reads
its JSON report. Adding a failure mode takes one new file and no code.

    python -m unetdiag.catalogue              # run every case, print the table
    python -m unetdiag.catalogue jpeg_masks   # cases whose file name contains "jpeg_masks"
    python -m unetdiag.catalogue --write-docs docs/failure-modes.md
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from unetdiag.diag.synth.corruptions import DatasetLayout, build_case
from unetdiag.diag.synth.generator import SynthSpec
from unetdiag.exitcodes import ExitCode

CHECKS_DIR = Path("checks")  # relative to the working directory: run from the repository root
#: Small, fast training settings for ``train`` runs unless a case overrides them.
TRAIN_DEFAULTS = ("--img-size", "32", "--base-filters", "4", "--depth", "2", "--epochs", "2",
                  "--batch-size", "8", "--min-steps-per-epoch", "1", "--precision", "float32",
                  "--quiet")
RUN_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class ExpectedFinding:
    id: str
    severity: str | None = None  # None: any severity

    def describe(self) -> str:
        return f"{self.id} ({self.severity})" if self.severity else self.id


@dataclass(frozen=True)
class Run:
    command: str  # "audit-data", "train" or "explain-log"
    args: tuple[str, ...]
    expect: tuple[ExpectedFinding, ...]
    absent: tuple[str, ...]
    exit_code: int | None
    stderr: str = ""  # a fragment the one-line error must contain (a refused run writes no report)
    log: str = ""  # explain-log: the training log's text, written to a file and explained
    # fragments the report's headline must not hold (a claim only the headline makes)
    headline_absent: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    story: str
    symptom: str
    fix: str
    spec: SynthSpec
    corruptions: tuple[dict[str, Any], ...]
    runs: tuple[Run, ...]


@dataclass
class RunOutcome:
    case: str
    command: str
    expected: list[str]
    found: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def load_case(path: Path) -> Case:
    """Parse one ``checks/*.toml`` file; a malformed file raises ValueError naming it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec_fields = dict(data.get("data", {}))
        corruptions = tuple(spec_fields.pop("corruptions", ()))
        runs = tuple(
            Run(command=run["command"], args=tuple(run.get("args", ())),
                expect=tuple(ExpectedFinding(e["id"], e.get("severity"))
                             for e in run.get("expect", ())),
                absent=tuple(run.get("absent", ())), exit_code=run.get("exit_code"),
                stderr=run.get("stderr", ""), log=run.get("log", ""),
                headline_absent=tuple(run.get("headline_absent", ())))
            for run in data["run"])
        return Case(name=path.stem, title=data["title"], story=data["story"].strip(),
                    symptom=data["symptom"].strip(), fix=data["fix"].strip(),
                    spec=SynthSpec(**spec_fields), corruptions=corruptions, runs=runs)
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: malformed case ({type(error).__name__}: {error})") from None


def _dataset_args(layout: DatasetLayout) -> list[str]:
    args = ["--images", str(layout.images_dir)]
    if layout.masks_dir is not None:
        args += ["--masks", str(layout.masks_dir)]
    for suffix in layout.mask_suffixes:
        args += ["--mask-suffix", suffix]
    return args


def _invoke(run: Run, layout: DatasetLayout, workdir: Path, position: int = 0
            ) -> tuple[int, dict, str]:
    """Run one command (the case's ``position``-th run: each train run gets its own run
    directory, so a later one never reads an earlier one's report); return (exit status,
    report dict or {}, stderr)."""
    run_name = f"case-{position}"
    command = [sys.executable, "-m", "unetdiag", run.command, *_dataset_args(layout)]
    if run.command == "explain-log":
        log = workdir / "train.log"
        log.write_text(run.log, encoding="utf-8")
        command = [sys.executable, "-m", "unetdiag", "explain-log", str(log), "--json",
                   *run.args]
    elif run.command == "audit-data":
        command += ["--json", *run.args]
    elif run.command == "train":
        command += [*TRAIN_DEFAULTS, *run.args, "--out", str(workdir / "runs"),
                    "--run-name", run_name]
    else:
        raise ValueError(f"unknown command {run.command!r}")
    result = subprocess.run(command, capture_output=True, text=True, cwd=workdir,
                            timeout=RUN_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    if run.command in ("audit-data", "explain-log"):
        text = result.stdout
    else:
        report_path = workdir / "runs" / run_name / "report.json"
        text = report_path.read_text() if report_path.exists() else ""
    try:
        report = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        report = {}
    return result.returncode, report, result.stderr


def judge(run: Run, status: int, report: dict, stderr: str, case_name: str) -> RunOutcome:
    """Compare what a command reported with what the case expects."""
    found = {(f["id"], f["severity"]) for f in report.get("findings", [])}
    found_ids = {finding_id for finding_id, _ in found}
    outcome = RunOutcome(case=case_name, command=run.command,
                         expected=[e.describe() for e in run.expect],
                         found=sorted(f"{i} ({s})" for i, s in found))
    if run.stderr and run.stderr not in stderr:
        outcome.problems.append(f"the error does not say {run.stderr!r}")
    if not report and (run.expect or not run.stderr):
        last_line = stderr.strip().splitlines()[-1:] or ["(no output)"]
        outcome.problems.append(f"no report (exit {status}): {last_line[0]}")
    if "Traceback" in stderr:
        outcome.problems.append("a traceback reached the user")
    for expected in run.expect:
        if expected.severity is None:
            ok = expected.id in found_ids
        else:
            ok = (expected.id, expected.severity) in found
        if not ok:
            outcome.problems.append(f"missing {expected.describe()}")
    for unwanted in run.absent:
        if unwanted in found_ids:
            outcome.problems.append(f"unexpected {unwanted}")
    headline = str(report.get("headline") or "")
    for unwanted in run.headline_absent:
        if unwanted.lower() in headline.lower():
            outcome.problems.append(f"the headline says {unwanted!r}")
    if run.exit_code is not None and status != run.exit_code:
        outcome.problems.append(f"exit status {status}, expected {run.exit_code}")
    return outcome


def run_case(case: Case) -> list[RunOutcome]:
    with tempfile.TemporaryDirectory(prefix=f"unetdiag-{case.name}-") as temporary:
        workdir = Path(temporary)
        layout = build_case(workdir / "data", case.spec, [dict(c) for c in case.corruptions])
        outcomes = []
        for position, run in enumerate(case.runs):
            status, report, stderr = _invoke(run, layout, workdir, position)
            outcomes.append(judge(run, status, report, stderr, case.name))
        return outcomes


def discover(checks_dir: Path = CHECKS_DIR, patterns: tuple[str, ...] = ()) -> list[Path]:
    paths = sorted(checks_dir.glob("*.toml"))
    return [p for p in paths if not patterns or any(pattern in p.stem for pattern in patterns)]


def render_docs(cases: list[Case]) -> str:
    """The failure-mode table for the README/docs, generated from the catalogue."""
    lines = ["# Failure modes unetdiag catches", "",
             "Generated from `checks/*.toml` by `python -m unetdiag.catalogue --write-docs "
             "docs/failure-modes.md`; every row is rebuilt and re-diagnosed in CI "
             "(`tox -e checks`).", "",
             "| failure mode | symptom in the metrics | how unetdiag reports it | fix |",
             "|---|---|---|---|"]
    for case in cases:
        reported = sorted({e.describe() for run in case.runs for e in run.expect}
                          | {f'refused: "{run.stderr}"' for run in case.runs if run.stderr})
        reported_text = "<br>".join(f"`{r}`" for r in reported)
        cells = [f"**{case.title}** (`checks/{case.name}.toml`)", case.symptom, reported_text,
                 case.fix]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ")
                                        for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m unetdiag.catalogue",
                                     description="Run the checks/ catalogue of failure modes.")
    parser.add_argument("patterns", nargs="*", help="run only cases whose name contains these")
    parser.add_argument("--checks-dir", type=Path, default=CHECKS_DIR)
    parser.add_argument("--jobs", type=int, default=2, metavar="N",
                        help="cases run at once (default 2)")
    parser.add_argument("--write-docs", type=Path, metavar="FILE",
                        help="write the generated failure-mode table to FILE and exit")
    args = parser.parse_args(argv)
    paths = discover(args.checks_dir, tuple(args.patterns))
    if not paths:
        print(f"no cases in {args.checks_dir} matching {args.patterns or '*'}", file=sys.stderr)
        return ExitCode.INPUT_ERROR
    try:
        cases = [load_case(path) for path in paths]
    except ValueError as error:
        print(f"catalogue: {error}", file=sys.stderr)
        return ExitCode.INPUT_ERROR
    if args.write_docs:
        from unetdiag.fsutil import atomic_write_text

        atomic_write_text(args.write_docs, render_docs(cases))
        print(f"wrote {args.write_docs} ({len(cases)} failure modes)")
        return ExitCode.OK

    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title="checks/: failure modes reproduced and diagnosed")
    for column in ("case", "command", "expected findings", "result"):
        table.add_column(column, overflow="fold")
    outcomes: list[RunOutcome] = []

    def announced(case: Case) -> list[RunOutcome]:
        console.print(f"[dim]running {case.name}...[/dim]")
        return run_case(case)

    # Cases are independent (each in its own temporary folder, each run a subprocess): with
    # two at a time one's start-up overlaps the other's work.
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        case_outcomes = list(pool.map(announced, cases))
    for case, case_runs in zip(cases, case_outcomes, strict=True):
        for outcome in case_runs:
            outcomes.append(outcome)
            verdict = "[green]pass[/green]" if outcome.passed else \
                "[red]FAIL[/red]: " + "; ".join(outcome.problems)
            expected = outcome.expected or ["(refused with a one-line error)"]
            table.add_row(case.name, outcome.command, "\n".join(expected), verdict)
    console.print(table)
    failed = sum(not o.passed for o in outcomes)
    # A plain closing line that CI logs read: "N passed, N failed".
    print(f"catalogue: {len(outcomes) - failed} passed, {failed} failed")
    return ExitCode.OK if failed == 0 else ExitCode.FINDINGS_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
