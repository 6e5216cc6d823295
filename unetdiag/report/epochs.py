"""The epochs a finding speaks of, as the 1-based epoch numbers curves are drawn against.

A finding is marked where its evidence says its condition is, not where a check happened to
report it first:

- the guard's ``epoch`` (next to ``batch``) and the batch audit's ``first_epoch`` (next to
  ``first_batch``) count from 0, as Keras's callback arguments do;
- the metric-series checks name their epochs themselves, counted from 1 as logs do, at the
  top of their evidence or per metric or phase (``onset_epoch``, ``from_epoch``,
  ``best_epoch``, the first and last of ``epochs_matched``...; per metric, ``epoch`` and
  ``last_epoch``, with the epoch ``over_epochs`` before it where a rise is measured from).
  The run's own ``last_epoch`` at the top is where the run ended, not where its condition is;
- the per-epoch monitors add ``first_epoch`` (the first epoch they reported it) and
  ``latest_epoch``. A series check re-judges the whole history each epoch, so that first report
  is not what its latest evidence speaks of (a rise over epochs 9-12 first said at epoch 4):
  a finding naming its ``run`` (a series check's) is marked at its own epochs only. A probe
  check looks at one epoch each time: its ``first_epoch`` is the epoch the probe first
  showed the condition.

>>> from unetdiag.diag.core.findings import Finding
>>> def marked(**evidence):
...     return finding_epochs(Finding("x", "error", "", "", "", evidence))
>>> marked(first_epoch=1), marked(first_epoch=0, first_batch=3), marked(epoch=2, batch=7)
([1], [1], [3])
>>> marked(onset_epoch=3), marked(metrics={"dice": {"from_epoch": 4}, "loss": {"from_epoch": 2}})
([3], [2, 4])
>>> marked(phases={"validation": {"epochs_matched": [5, 6, 7]}}), marked(value=1.0)
([5, 7], [])
>>> marked(run="r", first_epoch=4, latest_epoch=12, last_epoch=12,
...        metrics={"val_dice": {"last_epoch": 12, "over_epochs": 3}})
[9, 12]
>>> marked(run="r", first_epoch=1, metrics={"dice": {"epoch": 12, "from_first_epoch": False}})
[12]
>>> marked(run="r", first_epoch=1, metrics={"val_dice": {"epochs": [3, 4]}})
[3, 4]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from unetdiag.diag.core.findings import Finding

#: (epoch key, the key beside it) of the 0-based epoch indices: the guard's and the batch
#: audit's, which name the batch too.
ZERO_BASED_KEYS = (("epoch", "batch"), ("first_epoch", "first_batch"))
#: Keys holding a 1-based epoch number the series checks' evidence names, at any level.
ONE_BASED_KEYS = ("onset_epoch", "from_epoch", "best_epoch", "epoch_of_min",
                  "first_epoch_of_max", "first_epoch_above_one", "first_negative_epoch",
                  "restored_epoch", "previous_epoch", "before_epoch", "highest_epoch")
#: Keys holding a 1-based epoch number per metric or phase only (at the top, ``last_epoch``
#: is the run's last epoch and ``epoch`` the guard's).
NESTED_ONLY_KEYS = ("epoch", "last_epoch")
#: Keys holding a list of 1-based epoch numbers (``epochs`` where it is a list: elsewhere it
#: counts them, as ``flat_epochs`` and ``epochs_above`` do).
ONE_BASED_LIST_KEYS = ("epochs_at_baseline", "epochs_matched", "epochs_above_bound",
                       "epochs_at_one", "epochs_at_ln2", "non_finite_epochs", "epochs",
                       "equal_epochs", "multiple_epochs", "validation_non_finite_epochs")
#: Keys holding a mapping of metric name -> 1-based epoch number.
ONE_BASED_MAP_KEYS = ("first_non_finite_epoch",)
#: Nested evidence that holds per-metric or per-phase epochs.
NESTED_KEYS = ("metrics", "phases")


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else None


def _own_epochs(evidence: Mapping[str, Any], nested: bool) -> Iterable[int]:
    """Every 1-based epoch the evidence names at its own level."""
    for key in ONE_BASED_KEYS + (NESTED_ONLY_KEYS if nested else ()):
        number = _whole_number(evidence.get(key))
        if number is not None:
            yield number
    over = _whole_number(evidence.get("over_epochs"))
    last = _whole_number(evidence.get("last_epoch"))
    if nested and over is not None and last is not None:
        yield last - over
    for key in ONE_BASED_LIST_KEYS:
        values = evidence.get(key)
        if isinstance(values, list):
            numbers = [n for n in map(_whole_number, values) if n is not None]
            yield from numbers[:1] + numbers[-1:]  # a stretch's ends: 2 lines, not one per epoch
    for key in ONE_BASED_MAP_KEYS:
        values = evidence.get(key)
        if isinstance(values, Mapping):
            yield from (n for n in map(_whole_number, values.values()) if n is not None)


def finding_epochs(finding: Finding) -> list[int]:
    """The 1-based epochs the finding speaks of, in order; none when it names none."""
    evidence = finding.evidence
    for key, beside in ZERO_BASED_KEYS:
        number = _whole_number(evidence.get(key))
        if number is not None and beside in evidence:
            return [number + 1]
    epochs = set(_own_epochs(evidence, nested=False))
    for key in NESTED_KEYS:
        parts = evidence.get(key)
        if isinstance(parts, Mapping):
            for part in parts.values():
                if isinstance(part, Mapping):
                    epochs.update(_own_epochs(part, nested=True))
    if not epochs and "run" not in evidence:
        first = _whole_number(evidence.get("first_epoch"))
        if first is not None:
            epochs.add(first)
    return sorted(epochs)
