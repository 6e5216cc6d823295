"""What every diagnostic callback shares: findings, a stop reason, a config that round-trips."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any

import keras

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.training.instrument import InstrumentationHub, StepInstrumentation


def is_finite_number(value: Any) -> bool:
    """False only for a number that is NaN or infinite (a string in the logs is no number).

    >>> is_finite_number(1.5), is_finite_number(float("nan")), is_finite_number("n/a")
    (True, False, True)
    """
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def with_evidence(finding: Finding, **extra: Any) -> Finding:
    """The finding with ``extra`` added to its evidence."""
    return dataclasses.replace(finding, evidence={**finding.evidence, **extra})


class DiagnosticCallback(keras.callbacks.Callback):
    """Base of the diagnostic callbacks: ``findings``, ``stop_reason`` and ``source``.

    :meth:`get_config` returns exactly the constructor's arguments, so
    ``type(c).from_config(c.get_config())`` builds an equal callback.

    Args:
        source: written into every finding (e.g. ``"train:MP_Tr_BCE"``).
    """

    def __init__(self, source: str = "") -> None:
        super().__init__()
        self.source = source
        #: Id of the finding that made this callback stop training, or None.
        self.stop_reason: str | None = None
        self._epoch = 0

    @property
    def findings(self) -> list[Finding]:
        """What this callback found so far (each id once)."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"source": self.source}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DiagnosticCallback:
        return cls(**config)

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        self._epoch = epoch

    def _stop(self, finding_id: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = finding_id
        self.model.stop_training = True


class InstrumentedCallback(DiagnosticCallback):
    """A diagnostic callback that reads the train step's values through the model's hub
    (:mod:`unetdiag.training.instrument`) between ``on_train_begin`` and ``on_train_end``."""

    def __init__(self, source: str = "") -> None:
        super().__init__(source)
        self._hub: InstrumentationHub | None = None

    def _register_for(self, feature: str, finding_id: str, consequence: str
                      ) -> Finding | None:
        """Ask the model's hub for ``feature``; when the model has its own ``train_step``
        there is no hub, and the warning ``finding_id`` (saying ``consequence``) is returned."""
        self._hub = StepInstrumentation.attach(self.model)
        if self._hub.register(self, {feature}):
            return None
        self._hub = None
        return not_instrumented_finding(finding_id, self.source, consequence)

    def _release_hub(self) -> None:
        if self._hub is not None:
            self._hub.unregister(self)
            self._hub = None


class EpochFindings:
    """Findings reported every epoch, kept once per id with the epoch each one started.

    Epochs are numbered from 1, as logs and the report count them (a Keras callback passes
    ``epoch + 1``). The latest evidence wins; ``first_epoch``, ``latest_epoch``,
    ``epochs_seen`` and ``still_present`` (reported at the last epoch checked) are added to it.
    An id absent at the last check is dropped when ``keep_resolved`` is False (for checks that
    re-judge the whole history each time, so absence means superseded) or else kept as INFO,
    titled "Resolved by epoch N" (for per-epoch snapshots, where it is history worth telling),
    N being the first epoch checked after its last report (``resolved_epoch``): the epoch the
    condition had ended by, not the last epoch looked at.

    >>> log = EpochFindings(keep_resolved=True)
    >>> f = Finding(id="x.y", severity="error", title="Collapsed", explanation="", fix="")
    >>> log.record(1, [f]); log.record(2, [f]); log.record(3, []); log.record(4, [])
    >>> [(g.severity.value, g.title, g.evidence["first_epoch"]) for g in log.findings()]
    [('info', 'Resolved by epoch 3: Collapsed', 1)]
    """

    def __init__(self, keep_resolved: bool) -> None:
        self.keep_resolved = keep_resolved
        self._latest: dict[str, Finding] = {}
        self._first_epoch: dict[str, int] = {}
        self._latest_epoch: dict[str, int] = {}
        self._epochs_seen: dict[str, int] = {}
        self._checked: list[int] = []

    def record(self, epoch: int, findings: Sequence[Finding]) -> None:
        """The findings of the check at ``epoch`` (1-based), in increasing epoch order."""
        self._checked.append(epoch)
        for finding in findings:
            self._first_epoch.setdefault(finding.id, epoch)
            self._latest[finding.id] = finding
            self._latest_epoch[finding.id] = epoch
            self._epochs_seen[finding.id] = self._epochs_seen.get(finding.id, 0) + 1

    def restart(self, finding_id: str) -> None:
        """Forget what was recorded of ``finding_id``: its next report starts it anew (a
        condition the checker knows to be another than the one recorded before)."""
        for recorded in (self._latest, self._first_epoch, self._latest_epoch,
                         self._epochs_seen):
            recorded.pop(finding_id, None)

    def findings(self) -> list[Finding]:
        kept = []
        last_checked = self._checked[-1] if self._checked else None
        for key, finding in self._latest.items():
            present = self._latest_epoch[key] == last_checked
            if not present and not self.keep_resolved:
                continue
            # a check of the whole history may first report a condition epochs after it
            # began (a Dice at 0 "at every one of the 3 epochs" is said once 3 are seen):
            # the epoch its own evidence starts the condition at is the first
            first = min([self._first_epoch[key], *_condition_start(finding)])
            if first != self._first_epoch[key]:
                finding = with_evidence(finding, first_reported_epoch=self._first_epoch[key])
            finding = with_evidence(finding, first_epoch=first,
                                    latest_epoch=self._latest_epoch[key],
                                    epochs_seen=self._epochs_seen[key], still_present=present)
            if not present:
                resolved = min(e for e in self._checked if e > self._latest_epoch[key])
                finding = dataclasses.replace(
                    with_evidence(finding, resolved_epoch=resolved), severity=Severity.INFO,
                    title=f"Resolved by epoch {resolved}: {finding.title}")
            kept.append(finding)
        return kept


def _condition_start(finding: Finding) -> list[int]:
    """The 1-based epochs a series finding's own evidence starts its condition at (per
    metric ``from_epoch``), none when it names none."""
    metrics = finding.evidence.get("metrics")
    if not isinstance(metrics, dict):
        return []
    return [int(item["from_epoch"]) for item in metrics.values()
            if isinstance(item, dict) and isinstance(item.get("from_epoch"), int)]


def stopped_title(epoch: int, batch: int, what: str) -> str:
    """The title of a finding that stopped training; ``epoch`` and ``batch`` are Keras's
    0-based indices (as the evidence keeps them), the title counts both from 1.

    >>> stopped_title(0, 3, "labels.out_of_range")
    'Training stopped at epoch 1, batch 4: labels.out_of_range'
    """
    return f"Training stopped at epoch {epoch + 1}, batch {batch + 1}: {what}"


def not_instrumented_finding(finding_id: str, source: str, consequence: str) -> Finding:
    """The warning of a callback that cannot read the train step (the model has its own)."""
    return Finding(
        id=finding_id, severity=Severity.WARNING,
        title="The model has its own train_step: diagnostics are limited",
        explanation=("The model's class overrides train_step, which is the user's training "
                     "logic, so unetdiag does not replace it with its instrumented step. "
                     + consequence),
        fix=("Train a plain functional or Sequential model (or subclass without overriding "
             "train_step) to get the full checks."),
        evidence={}, source=source)
