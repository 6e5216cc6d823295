"""BatchAudit: the labels and inputs of the batches ``fit()`` actually receives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from unetdiag.diag.checks.masks import check_imbalance, check_label_values, foreground_counts
from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.training.callbacks.base import (
    InstrumentedCallback,
    is_finite_number,
    with_evidence,
)
from unetdiag.training.callbacks.batch_audit_wording import (
    COUNTED_LABEL_PROBLEMS,
    audit_stopped_finding,
    counted_label_finding,
    non_finite_inputs_finding,
    of_checked_batches,
)
from unetdiag.training.callbacks.nonfinite_causes import non_finite_images
from unetdiag.training.guarded_update import ANOMALY_COUNTS, AUDIT_SUMS
from unetdiag.training.instrument import AUDIT, CapturedBatch


class BatchAudit(InstrumentedCallback):
    """Audit the batches ``fit()`` actually receives (after decoding, resizing, augmentation).

    Every batch: in-graph summaries (label min/max, counts of out-of-range, non-binary and
    non-finite label pixels, foreground pixels, empty masks, non-finite input values).
    The first ``first_batches`` batches of the run and then every ``sample_every``-th are
    copied to the host and checked in full with
    :func:`~unetdiag.diag.checks.masks.check_label_values`; so are the first
    ``max_anomaly_copies`` batches whose summaries show a label or input anomaly. The
    foreground of the copied batches feeds
    :func:`~unetdiag.diag.checks.masks.check_imbalance` (``imbalance.*`` findings) and
    :attr:`summary` totals every batch.

    With masks left at 0..255 (normalisation off) it flags ``labels.out_of_range`` on the
    first batch and, with ``stop_on_label_error`` (default), stops the run: in Keras 3 this
    does not even produce NaN (the cross-entropy just goes hugely negative), so nothing else
    catches it. Any error-level ``labels.*`` finding stops the run the same way.

    Args:
        stop_on_label_error: stop training on an error-level label finding.
        first_batches: batches always copied and checked in full at the start of the run.
        sample_every: then one batch in this many.
        max_anomaly_copies: at most this many batches are copied because of an anomaly.
        source: written into the findings.
        dark_is_foreground, by_values: how the masks were decoded (``--mask-polarity dark``,
            ``--foreground-values``), so that the imbalance findings advise an option that
            changes it.
        ignores_values: the masks have ignored pixels (``--ignore-values``, weighed 0 by the
            sample weights): the copied labels count them as background, so the imbalance of
            the checked batches is not reported (the data's, which leaves them out, is).

    >>> import numpy as np, keras
    >>> inputs = keras.Input((8, 8, 1))
    >>> model = keras.Model(inputs, keras.layers.Conv2D(1, 1, activation="sigmoid")(inputs))
    >>> model.compile("adam", "binary_crossentropy")
    >>> x = np.ones((4, 8, 8, 1), "float32"); y = np.full_like(x, 255.0)
    >>> audit = BatchAudit()
    >>> _ = model.fit(x, y, batch_size=2, epochs=2, verbose=0, callbacks=[audit])
    >>> audit.stop_reason, audit.summary["batches"]
    ('labels.out_of_range', 1)
    """

    def __init__(self, *, stop_on_label_error: bool = True, first_batches: int = 4,
                 sample_every: int = 50, max_anomaly_copies: int = 3, source: str = "",
                 dark_is_foreground: bool = False, by_values: bool = False,
                 ignores_values: bool = False) -> None:
        super().__init__(source)
        if first_batches < 0 or sample_every < 1 or max_anomaly_copies < 0:
            raise ValueError("first_batches and max_anomaly_copies must be >= 0, "
                             "sample_every >= 1")
        self.stop_on_label_error = stop_on_label_error
        self.first_batches = first_batches
        self.sample_every = sample_every
        self.max_anomaly_copies = max_anomaly_copies
        self.dark_is_foreground, self.by_values = dark_is_foreground, by_values
        self.ignores_values = ignores_values
        self._received: dict[str, list[str]] = {}
        self._reset()

    def _reset(self) -> None:
        self.stop_reason = None
        self._label_findings: dict[str, Finding] = {}
        self._label_first: dict[str, dict[str, int]] = {}
        self._input_finding: Finding | None = None
        self._not_instrumented: Finding | None = None
        self._stop_finding: Finding | None = None
        self._totals: dict[str, float] = {}
        self._extremes: dict[str, float] = {}
        self._batches_with: dict[str, int] = {}
        self._foreground: list[np.ndarray] = []
        self._pixels: list[np.ndarray] = []
        self._batches = 0
        self._audited_batches = 0
        self._anomaly_copies = 0
        self._requested = False
        self._batch = 0

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stop_on_label_error": self.stop_on_label_error,
                "first_batches": self.first_batches, "sample_every": self.sample_every,
                "max_anomaly_copies": self.max_anomaly_copies,
                "dark_is_foreground": self.dark_is_foreground, "by_values": self.by_values,
                "ignores_values": self.ignores_values}

    # --- callback hooks -----------------------------------------------------------------
    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._reset()
        self._not_instrumented = self._register_for(
            AUDIT, "batch.not_instrumented",
            "The batch audit needs the tensors inside the train step, so no batch was audited.")
        if self._hub is not None:
            self._hub.enable_anomaly_capture(self.max_anomaly_copies > 0)

    def on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        if self._hub is None:
            return
        self._batch = batch
        self._hub.begin_batch(self._epoch, batch)
        self._requested = (self._batches < self.first_batches
                           or self._batches % self.sample_every == 0)
        self._hub.request_capture(self._requested)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self._hub is None:
            return
        values = self._hub.read_step_values()
        if "label_pixels" not in values:
            return
        self._batches += 1
        self._accumulate(values)
        anomaly = any(values[key] > 0 for key in ANOMALY_COUNTS)
        capture = self._hub.capture
        if capture is not None and capture.y:
            if anomaly and not self._requested:
                self._anomaly_copies += 1
                if self._anomaly_copies >= self.max_anomaly_copies:
                    self._hub.enable_anomaly_capture(False)
            self._check_copy(capture.x, capture.y[0])
        self._label_findings_from_counts(values)
        if values["input_non_finite"] > 0 and self._input_finding is None:
            self._input_finding = self._non_finite_inputs_finding(values, capture)
        self._maybe_stop()

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._hub is not None:
            self._hub.request_capture(False)
            self._received = dict(self._hub.received)
        self._release_hub()

    # --- bookkeeping --------------------------------------------------------------------
    def _label_findings_from_counts(self, values: Mapping[str, float]) -> None:
        """A label problem seen only in the in-graph counts (the batch was not copied: not
        sampled, anomaly copies used up) still gets its finding, with the counts."""
        for finding_id, key, severity, what in COUNTED_LABEL_PROBLEMS:
            if values[key] <= 0 or finding_id in self._label_findings:
                continue
            self._label_findings[finding_id] = counted_label_finding(
                finding_id, severity, what, int(values[key]), values, self._epoch, self._batch,
                self.source)
            self._label_first[finding_id] = {"epoch": self._epoch, "batch": self._batch}

    def _accumulate(self, values: Mapping[str, float]) -> None:
        for key in AUDIT_SUMS:
            self._totals[key] = self._totals.get(key, 0.0) + values[key]
            if values[key] > 0:
                self._batches_with[key] = self._batches_with.get(key, 0) + 1
        for key, pick in (("label_min", min), ("label_max", max)):
            if is_finite_number(values[key]):
                self._extremes[key] = (values[key] if key not in self._extremes
                                       else pick(self._extremes[key], values[key]))

    def _check_copy(self, x: Sequence[np.ndarray], labels: np.ndarray) -> None:
        self._audited_batches += 1
        for array in x[:1]:  # the input range, from the audited batches
            finite = array[np.isfinite(array)] if array.dtype.kind == "f" else array
            if finite.size:
                for key, value, pick in (("input_min", float(finite.min()), min),
                                         ("input_max", float(finite.max()), max)):
                    self._extremes[key] = (value if key not in self._extremes
                                           else pick(self._extremes[key], value))
        where = {"epoch": self._epoch, "batch": self._batch}
        for finding in check_label_values(labels, source=self.source):
            if finding.id not in self._label_findings:
                self._label_findings[finding.id] = finding
                self._label_first[finding.id] = where
        try:
            foreground, pixels = foreground_counts(labels)
        except ValueError:
            return  # wrong shape: labels.wrong_dtype_or_shape already says so
        self._foreground.append(foreground)
        self._pixels.append(pixels)

    def _non_finite_inputs_finding(self, values: Mapping[str, float],
                                   capture: CapturedBatch | None) -> Finding:
        images: list[int] = []
        if capture is not None:
            inputs = [a for a in capture.x if a.dtype.kind == "f"]
            if inputs:
                images = np.flatnonzero(non_finite_images(inputs)).tolist()
        return non_finite_inputs_finding(int(values["input_non_finite"]), images,
                                         self._epoch, self._batch, self.source)

    def _maybe_stop(self) -> None:
        if not self.stop_on_label_error or self.stop_reason is not None:
            return
        errors = [f for f in self._label_findings.values() if f.severity == Severity.ERROR]
        if not errors:
            return
        cause = errors[0]
        self._stop_finding = audit_stopped_finding(cause, self._label_first[cause.id],
                                                   self.source)
        self._stop(cause.id)

    # --- results ------------------------------------------------------------------------
    @property
    def findings(self) -> list[Finding]:
        findings: list[Finding] = []
        if self._not_instrumented is not None:
            findings.append(self._not_instrumented)
        if self._stop_finding is not None:
            findings.append(self._stop_finding)
        count_keys = {finding_id: key for finding_id, key, _, _ in COUNTED_LABEL_PROBLEMS}
        for finding_id, finding in self._label_findings.items():
            extra = {"first_epoch": self._label_first[finding_id]["epoch"],
                     "first_batch": self._label_first[finding_id]["batch"],
                     "batches_seen": self._batches}
            if finding_id in count_keys:
                extra["batches_affected"] = self._batches_with.get(count_keys[finding_id], 0)
            findings.append(with_evidence(finding, **extra))
        if self._input_finding is not None:
            findings.append(with_evidence(
                self._input_finding,
                batches_affected=self._batches_with.get("input_non_finite", 0),
                total_non_finite_values=int(self._totals.get("input_non_finite", 0))))
        if self._foreground and not self.ignores_values:
            imbalance = check_imbalance(np.concatenate(self._foreground),
                                        np.concatenate(self._pixels), source=self.source,
                                        dark_is_foreground=self.dark_is_foreground,
                                        by_values=self.by_values)
            findings.extend(of_checked_batches(with_evidence(
                f, audited_batches=self._audited_batches), self._audited_batches)
                for f in imbalance)
        return findings

    @property
    def summary(self) -> dict[str, Any]:
        """Totals over every batch seen (in-graph summaries) and what was checked in full."""
        totals = self._totals
        label_pixels = totals.get("label_pixels", 0.0)
        images = totals.get("images", 0.0)
        received = self._hub.received if self._hub is not None else self._received
        return {
            "batches": self._batches, "audited_batches": self._audited_batches,
            "images": int(images), "label_pixels": int(label_pixels),
            "foreground_fraction": (totals.get("foreground_pixels", 0.0) / label_pixels
                                    if label_pixels else None),
            "empty_masks": int(totals.get("empty_masks", 0.0)),
            "empty_mask_fraction": totals.get("empty_masks", 0.0) / images if images else None,
            "label_out_of_range_pixels": int(totals.get("label_out_of_range", 0.0)),
            "label_non_binary_pixels": int(totals.get("label_non_binary", 0.0)),
            "label_non_finite_pixels": int(totals.get("label_non_finite", 0.0)),
            "input_non_finite_values": int(totals.get("input_non_finite", 0.0)),
            **{key: self._extremes.get(key) for key in ("label_min", "label_max", "input_min",
                                                         "input_max")},
            "received": received,
        }
