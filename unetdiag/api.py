"""The Python API behind :func:`unetdiag.audit` and :func:`unetdiag.explain_log` (no
TensorFlow): the same engines as ``unetdiag audit-data`` and ``unetdiag explain-log``, with
the audit's per-file records."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unetdiag.diag.audit.run import audit_dataset
from unetdiag.diag.core.findings import Report
from unetdiag.diag.data.masks import (
    DEFAULT_POLICY,
    ImageReadError,
    MaskEncoding,
    MaskPolicy,
    decode_mask,
)
from unetdiag.diag.data.pairing import MASK_SUFFIXES, Pair, discover_pairs
from unetdiag.diag.data.split import split_pairs
from unetdiag.diag.logs.explain import explain_log as explain_log_file


@dataclass(frozen=True)
class FileRecord:
    """One image/mask pair as the audit's data describes it.

    Attributes:
        image, mask: the files (the same file when a mask is its own image).
        split: ``"train"`` or ``"validation"`` under the trainer's split (``--val-fraction``,
            ``--seed``), ``""`` for a pair the trainer refuses (a same-file mask).
        encoding: how the mask is stored and what the policy makes of it (its
            ``foreground_fraction``, ``scale``, ``threshold``...); None when it cannot be read.
        read_error: why the mask cannot be read, or None.
        finding_ids: ids of the report's findings whose file lists name the image or the mask
            (a finding about many files lists only its first ones, so this may miss some).
    """

    image: Path
    mask: Path
    split: str
    encoding: MaskEncoding | None
    read_error: str | None = None
    finding_ids: tuple[str, ...] = field(default=())


@dataclass
class AuditResult:
    """What :func:`unetdiag.audit` returns: the report and one record per pair."""

    report: Report
    records: list[FileRecord]


def _is_own_mask(pair: Pair) -> bool:
    try:
        return pair.image == pair.mask or os.path.samefile(pair.image, pair.mask)
    except OSError:
        return False


def audit(images: Path | str, masks: Path | str | None = None, *,
          mask_suffixes: Sequence[str] = MASK_SUFFIXES, mask_pattern: str | None = None,
          policy: MaskPolicy = DEFAULT_POLICY, val_fraction: float = 0.2, seed: int = 42,
          workers: int | None = None) -> AuditResult:
    """Audit a dataset (:func:`~unetdiag.diag.audit.run.audit_dataset`) and describe each pair.

    The audit keeps no pixels; the records decode each mask once more (serially) under
    ``policy``.
    """
    report = audit_dataset(images, masks_dir=masks, mask_suffixes=mask_suffixes, policy=policy,
                           val_fraction=val_fraction, seed=seed, workers=workers,
                           mask_pattern=mask_pattern)
    pairs = discover_pairs(images, masks, mask_suffixes=mask_suffixes, allow_same_file=True,
                           mask_pattern=mask_pattern).pairs
    usable = [pair for pair in pairs if not _is_own_mask(pair)]
    train, validation = split_pairs(usable, val_fraction, seed) if usable else ([], [])
    split = {pair.stem: "train" for pair in train}
    split.update({pair.stem: "validation" for pair in validation})
    named: dict[str, list[str]] = {}
    for finding in report.findings:
        for file in finding.files:
            named.setdefault(file, []).append(finding.id)
    records = []
    for pair in pairs:
        try:
            encoding, error = decode_mask(pair.mask, policy)[1], None
        except ImageReadError as failure:
            encoding, error = None, failure.reason
        ids = dict.fromkeys(named.get(str(pair.image), []) + named.get(str(pair.mask), []))
        records.append(FileRecord(pair.image, pair.mask, split.get(pair.stem, ""), encoding,
                                  error, tuple(ids)))
    return AuditResult(report, records)


def explain_log(path: Path | str) -> Report:
    """The report of ``unetdiag explain-log`` for one log file."""
    return explain_log_file(path)
