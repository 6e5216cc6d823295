"""SaturationMonitor: the metric history so far, judged for numbers that lie."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.core.findings import Finding
from unetdiag.training.callbacks.base import DiagnosticCallback, EpochFindings


class SaturationMonitor(DiagnosticCallback):
    """At each epoch end, look at the metric history so far for signs the numbers lie.

    Runs :func:`~unetdiag.diag.checks.saturation.check_series` on every epoch-level value
    logged so far (training and ``val_`` metrics): metrics flat from the start, sitting at a
    trivial-predictor baseline, Dice above 1, negative losses... Each finding id is reported
    once, with the epoch it started (``first_epoch``) and the latest evidence. The check
    re-judges the whole history every epoch, so an id it no longer reports was superseded
    and is dropped.

    Args:
        baselines: what trivial predictors score, by metric name (e.g.
            ``{"val_dice": 0.9975}``), or None.
        tolerance: how close to a baseline counts as "at" it.
        source: written into the findings (and the run name given to the check).

    >>> monitor = SaturationMonitor({"val_accuracy": 0.995}, source="demo")
    >>> monitor.history
    {}
    """

    def __init__(self, baselines: Mapping[str, float] | None = None, *, tolerance: float = 1e-3,
                 source: str = "") -> None:
        super().__init__(source)
        self.baselines = dict(baselines) if baselines is not None else None
        self.tolerance = tolerance
        #: The epoch-level values seen so far: ``{metric: [value per epoch]}``.
        self.history: dict[str, list[float]] = {}
        self._log = EpochFindings(keep_resolved=False)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "baselines": self.baselines,
                "tolerance": self.tolerance}

    @property
    def findings(self) -> list[Finding]:
        return self._log.findings()

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self.history = {}
        self._log = EpochFindings(keep_resolved=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            self.history.setdefault(key, []).append(number)
        findings = check_series(self.source, self.history, self.baselines,
                                tolerance=self.tolerance)
        self._log.record(epoch, [f if f.source else f.with_source(self.source)
                                 for f in findings])
