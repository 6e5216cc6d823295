"""The epoch a finding fired at, as the 1-based epoch numbers curves are drawn against.

Findings carry their epoch in two conventions:

- counted from 1, as logs do: the per-epoch monitors' ``first_epoch`` (the epoch a check
  first reported the finding) and the metric-series checks' ``onset_epoch`` (NaN onset),
  ``from_epoch`` (where a metric went flat, per metric), ``epochs_at_baseline`` and
  ``epochs_matched`` (per metric or per phase);
- counted from 0, as Keras's callback arguments do: the guard's ``epoch`` (next to ``batch``)
  and the batch audit's ``first_epoch`` (next to ``first_batch``).

>>> from unetdiag.diag.core.findings import Finding
>>> def fired(**evidence):
...     return finding_epoch(Finding("x", "error", "", "", "", evidence))
>>> fired(first_epoch=1), fired(first_epoch=0, first_batch=3), fired(epoch=2, batch=7)
(1, 1, 3)
>>> fired(onset_epoch=3), fired(metrics={"dice": {"from_epoch": 4}, "loss": {"from_epoch": 2}})
(3, 2)
>>> fired(phases={"validation": {"epochs_matched": [5, 6]}}), fired(value=1.0)
(5, None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from unetdiag.diag.core.findings import Finding

#: (epoch key, the key beside it) of the 0-based epoch indices: the guard's and the batch
#: audit's, which name the batch too.
ZERO_BASED_KEYS = (("epoch", "batch"), ("first_epoch", "first_batch"))
#: Keys holding a 1-based epoch number (the monitors' and the metric-series checks').
ONE_BASED_KEYS = ("first_epoch", "onset_epoch", "from_epoch")
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
    for key, beside in ZERO_BASED_KEYS:
        number = _whole_number(evidence.get(key))
        if number is not None and beside in evidence:
            return number + 1
    epochs = list(_one_based(evidence))
    for key in NESTED_KEYS:
        nested = evidence.get(key)
        if isinstance(nested, Mapping):
            for part in nested.values():
                if isinstance(part, Mapping):
                    epochs += _one_based(part)
    return min(epochs) if epochs else None
