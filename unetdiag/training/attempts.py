"""A variant trained under the run's ``--on-guard`` policy: its attempts, each one a
:func:`~unetdiag.training.variant.train_variant`, restarted with a lower learning rate when
a guard stops it and a restart can help (:mod:`unetdiag.training.run.on_guard`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from unetdiag.config import MAX_RESTARTS, TrainConfig
from unetdiag.training.run.on_guard import (
    archive_attempt,
    attempt_findings,
    next_learning_rate,
    read_attempts,
    restartable,
    restarted_finding,
    write_attempts,
)
from unetdiag.training.run.summary import VariantResult
from unetdiag.training.variant import train_variant


def train_with_policy(config: TrainConfig, run_dir: Path, name: str, resuming: bool,
                      **variant_options: Any) -> VariantResult:
    """Train variant ``name`` (``variant_options``: the rest of
    :func:`~unetdiag.training.variant.train_variant`'s arguments) until an attempt ends
    without a guard stop, the policy is not ``restart``, the stop is not restartable, or
    :data:`~unetdiag.config.MAX_RESTARTS` restarts were made. A resumed variant goes on with
    the attempt (and learning rate) it was interrupted in."""
    variant_dir = run_dir / name
    attempts = read_attempts(variant_dir) if resuming else []
    # a resume goes on with the last attempt (interrupted, or finished and extended)
    learning_rate = attempts.pop()["learning_rate"] if attempts else config.learning_rate
    earlier_findings = []
    while True:
        attempt = len(attempts) + 1
        if attempt > 1:
            write_attempts(variant_dir, [*attempts, _record(attempt, learning_rate, None)])
        result = train_variant(config=dataclasses.replace(config, learning_rate=learning_rate),
                               run_dir=run_dir, resuming=resuming, **variant_options)
        restart = (result.status == "stopped by guard" and config.on_guard == "restart"
                   and attempt <= MAX_RESTARTS
                   and restartable(result.stop_reason, result.findings))
        attempts.append(_record(attempt, learning_rate, result,
                                next_learning_rate(learning_rate) if restart else None))
        if attempt > 1 or restart:
            write_attempts(variant_dir, attempts)
        if not restart:
            break
        archive_attempt(variant_dir, attempt)
        earlier_findings.append((attempt, result.findings))
        learning_rate = next_learning_rate(learning_rate)
        resuming = False
        if not config.quiet:
            variant_options["progress"].console.print(
                f"{name}: {result.stop_reason} stopped attempt {attempt}; restarting it with "
                f"learning rate {learning_rate:g} (--on-guard restart)", highlight=False)
    if len(attempts) > 1:
        recovered = result.status == "finished"
        result.findings = [f for number, found in earlier_findings
                           for f in attempt_findings(found, number, recovered)] + [
            *result.findings, restarted_finding(name, attempts, f"train:{name}")]
        result.attempts = attempts
    return result


def _record(attempt: int, learning_rate: float, result: VariantResult | None,
            next_rate: float | None = None) -> dict[str, Any]:
    """One attempt as summary.json and attempts.json keep it (``result`` None: running)."""
    return {"attempt": attempt, "learning_rate": learning_rate,
            "status": result.status if result else "interrupted",
            "stop_reason": result.stop_reason if result else None,
            "epochs_completed": result.epochs_completed if result else 0,
            "best_val_dice": result.best_val_dice if result else None,
            "next_learning_rate": next_rate}
