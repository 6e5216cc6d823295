"""What happens when a guard stops a variant (``--on-guard``), and how the report tells it.

- ``stop``: the variant ends; ``model.keras`` holds the weights the guard kept;
- ``restore-best``: the variant ends; ``model.keras`` holds its best epoch;
- ``restart`` (the default): when a lower learning rate can help, the variant is rebuilt and
  trained again from its first epoch with the learning rate multiplied by
  :data:`~unetdiag.config.RESTART_LEARNING_RATE_FACTOR`, at most
  :data:`~unetdiag.config.MAX_RESTARTS` times; otherwise (a fault in the data, or no restart
  left) it ends as under ``restore-best``.

Each attempt's files move to ``VARIANT/attempt-N/`` before the next starts; its findings stay
in the report, marked with the attempt and lowered to warnings when a later attempt trained
through (the failure is history, the run recovered). Why restart is the default:
docs/run-semantics.md.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unetdiag.config import MAX_RESTARTS, RESTART_LEARNING_RATE_FACTOR
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.fsutil import atomic_write_json
from unetdiag.training.callbacks.nonfinite_causes import DATA_CAUSES

#: The record of a variant's attempts (kept through a resume).
ATTEMPTS_FILENAME = "attempts.json"
ATTEMPT_DIR_FORMAT = "attempt-{attempt}"
#: The guards whose stop a lower learning rate can prevent (the batch audit's label stops
#: are data faults).
RESTARTABLE_STOPS = ("guard.non_finite", "guard.loss_scale_collapsed")


def restartable(stop_reason: str | None, findings: Sequence[Finding]) -> bool:
    """Whether training again with a lower learning rate can avoid the stop: a non-finite
    step whose likely causes lie in the optimisation, not in the batch's data.

    >>> f = Finding("guard.non_finite", "error", "", "", "",
    ...             {"likely_causes": ["exploding_gradients"]})
    >>> restartable("guard.non_finite", [f]), restartable("labels.out_of_range", [f])
    (True, False)
    >>> restartable("guard.non_finite", [dataclasses.replace(
    ...     f, evidence={"likely_causes": ["non_finite_inputs"]})])
    False
    """
    if stop_reason not in RESTARTABLE_STOPS:
        return False
    cause = next((f for f in findings if f.id == stop_reason), None)
    causes = set(cause.evidence.get("likely_causes", ())) if cause is not None else set()
    return not causes & DATA_CAUSES


def next_learning_rate(learning_rate: float) -> float:
    return learning_rate * RESTART_LEARNING_RATE_FACTOR


def read_attempts(variant_dir: Path) -> list[dict[str, Any]]:
    """The attempts recorded so far (empty: none, or an unreadable record)."""
    try:
        attempts = json.loads((variant_dir / ATTEMPTS_FILENAME).read_text())
    except (OSError, ValueError):
        return []
    return attempts if isinstance(attempts, list) else []


def write_attempts(variant_dir: Path, attempts: list[dict[str, Any]]) -> None:
    atomic_write_json(variant_dir / ATTEMPTS_FILENAME, attempts)


def archive_attempt(variant_dir: Path, attempt: int) -> Path:
    """Move every file of the attempt (all but the attempts record and earlier attempts'
    folders) into ``VARIANT/attempt-N/``, so the next attempt starts in a clean folder."""
    archive = variant_dir / ATTEMPT_DIR_FORMAT.format(attempt=attempt)
    archive.mkdir()
    earlier = ATTEMPT_DIR_FORMAT.format(attempt="")
    for path in list(variant_dir.iterdir()):
        if path.name != ATTEMPTS_FILENAME and not path.name.startswith(earlier):
            shutil.move(str(path), archive / path.name)
    return archive


def attempt_findings(findings: Sequence[Finding], attempt: int, recovered: bool
                     ) -> list[Finding]:
    """An earlier attempt's findings, marked with it; errors become warnings when a later
    attempt ``recovered`` (trained to its end)."""
    marked = []
    for finding in findings:
        severity = (Severity.WARNING if recovered and finding.severity is Severity.ERROR
                    else finding.severity)
        marked.append(dataclasses.replace(
            finding, severity=severity, title=f"Attempt {attempt}: {finding.title}",
            evidence={**finding.evidence, "attempt": attempt}))
    return marked


def restarted_finding(name: str, attempts: Sequence[dict[str, Any]], source: str) -> Finding:
    """``train.restarted``: what each attempt did, and what the last one changed."""
    steps = "; ".join(
        f"attempt {a['attempt']} at learning rate {a['learning_rate']:g}: {a['status']}"
        + (f" ({a['stop_reason']} after {a['epochs_completed']} epochs)"
           if a.get("stop_reason") else f" after {a['epochs_completed']} epochs")
        for a in attempts)
    last = attempts[-1]
    recovered = last["status"] == "finished"
    return Finding(
        id="train.restarted", severity=Severity.WARNING,
        title=(f"{name} was restarted {len(attempts) - 1} time(s) after a guard stop, "
               + (f"and trained through at learning rate {last['learning_rate']:g}"
                  if recovered else "and was stopped every time")),
        explanation=(f"--on-guard restart rebuilt {name} after its guard stopped it and "
                     f"trained it again from its first epoch with the learning rate "
                     f"multiplied by {RESTART_LEARNING_RATE_FACTOR:g} (at most {MAX_RESTARTS} "
                     f"times): {steps}. The earlier attempts' findings are kept, marked "
                     "'Attempt N'; their files are in the attempt-N folders."),
        fix=(f"Train with --lr {last['learning_rate']:g} (or --clipnorm 1.0) from the start; "
             "--on-guard stop keeps the first failure as it is."),
        evidence={"attempts": list(attempts), "recovered": recovered}, source=source)
