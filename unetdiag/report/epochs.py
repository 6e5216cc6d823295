"""The epoch a finding fired at, as the 1-based epoch numbers curves are drawn against.

Findings carry their epoch in two conventions:

- the training callbacks count as Keras does, from 0: ``first_epoch`` (the epoch a
  per-epoch check first reported the finding) and the guard's ``epoch`` (next to ``batch``);
- the metric-series checks count as logs do, from 1: ``onset_epoch`` (NaN onset),
  ``from_epoch`` (where a metric went flat, per metric), ``epochs_at_baseline`` and
  ``epochs_matched`` (per metric or per phase).

>>> from unetdiag.diag.core.findings import Finding
>>> def fired(**evidence):
...     return finding_epoch(Finding("x", "error", "", "", "", evidence))
>>> fired(first_epoch=0), fired(epoch=2, batch=7), fired(onset_epoch=3)
(1, 3, 3)
>>> fired(metrics={"val_dice": {"from_epoch": 4}, "val_loss": {"from_epoch": 2}})
2
>>> fired(phases={"validation": {"epochs_matched": [5, 6]}}), fired(value=1.0)
(5, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from unetdiag.diag.core.findings import Finding

#: Keys holding a 0-based epoch index (the training callbacks' convention).
ZERO_BASED_KEYS = ("first_epoch",)
#: Keys holding a 1-based epoch number (the metric-series checks' convention).
ONE_BASED_KEYS = ("onset_epoch", "from_epoch")
#: Keys holding a list of 1-based epoch numbers.
ONE_BASED_LIST_KEYS = ("epochs_at_baseline", "epochs_matched")
#: Nested evidence that holds per-metric or per-phase epochs.
NESTED_KEYS = ("metrics", "phases")


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _one_based(evidence: Mapping[str, Any]) -> Iterable[int]:
    """Every 1-based epoch the evidence names at its own level."""
    for key in ONE_BASED_KEYS:
        number = _whole_number(evidence.get(key))
        if number is not None:
            yield number
    for key in ONE_BASED_LIST_KEYS:
        values = evidence.get(key)
        if isinstance(values, list):
            yield from (n for n in map(_whole_number, values) if n is not None)


def finding_epoch(finding: Finding) -> int | None:
    """The 1-based epoch the finding fired at (its first), or None when it names none."""
    evidence = finding.evidence
    for key in ZERO_BASED_KEYS:
        number = _whole_number(evidence.get(key))
        if number is not None:
            return number + 1
    guard_epoch = _whole_number(evidence.get("epoch"))
    if guard_epoch is not None and "batch" in evidence:
        return guard_epoch + 1
    epochs = list(_one_based(evidence))
    for key in NESTED_KEYS:
        nested = evidence.get(key)
        if isinstance(nested, Mapping):
            for part in nested.values():
                if isinstance(part, Mapping):
                    epochs += _one_based(part)
    return min(epochs) if epochs else None
