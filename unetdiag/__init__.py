"""unetdiag: train binary-segmentation U-Nets and find out, with evidence, why the numbers lie.

Importing this package does not import TensorFlow; only :mod:`unetdiag.training` does. The
two functions here are the Python side of ``unetdiag audit-data`` and ``unetdiag
explain-log`` (TensorFlow-free too); the Keras callbacks for your own ``model.fit`` are in
:mod:`unetdiag.training.callbacks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unetdiag.api import AuditResult
    from unetdiag.diag.core.findings import Report

__version__ = "0.1.0"
__all__ = ["audit", "explain_log"]


def audit(images: Path | str, masks: Path | str | None = None, **options: Any) -> AuditResult:
    """Audit an image/mask folder before training, as ``unetdiag audit-data`` does.

    Args:
        images: the image folder (masks beside the images, named ``<stem>_mask.<ext>``...).
        masks: a separate mask folder, matched by file stem.
        **options: ``mask_suffixes``, ``policy`` (a
            :class:`~unetdiag.diag.data.masks.MaskPolicy`), ``val_fraction``, ``seed``,
            ``workers``: as the command's options.

    Returns:
        :class:`~unetdiag.api.AuditResult`: ``.report`` (the findings, headline and tables)
        and ``.records``, one :class:`~unetdiag.api.FileRecord` per pair (its split side, how
        its mask is stored, the findings naming it).

    Raises:
        unetdiag.exitcodes.UserError: a folder is missing or empty, or no pair is found.

    >>> import tempfile, unetdiag
    >>> from unetdiag.diag.synth.generator import SynthSpec, write_dataset
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_dataset(folder, SynthSpec(n_pairs=6, size=32))
    >>> result = unetdiag.audit(folder, workers=1)
    >>> result.report.command, len(result.records)
    ('audit-data', 6)
    >>> record = result.records[0]
    >>> record.image.name, record.encoding.scale, 0 < record.encoding.foreground_fraction < 1
    ('cells_000.png', 'uint8', True)
    """
    from unetdiag.api import audit as run_audit

    return run_audit(images, masks, **options)


def explain_log(path: Path | str) -> Report:
    """Explain a finished run's log, as ``unetdiag explain-log`` does: Keras 2/3 console
    output, a CSVLogger CSV or a history JSON.

    Returns the :class:`~unetdiag.diag.core.findings.Report`; raises
    :class:`~unetdiag.exitcodes.UserError` when the file is missing or not a training log.

    >>> import tempfile, pathlib, unetdiag
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> _ = log.write_text("epoch,accuracy,dice_coef,val_accuracy,val_dice_coef\\n"
    ...                    + "".join(f"{e},0.995,0.9975,0.995,0.9975\\n" for e in range(3)))
    >>> report = unetdiag.explain_log(log)
    >>> "saturation.all_ones_predictor" in {f.id for f in report.findings}
    True
    """
    from unetdiag.api import explain_log as explain

    return explain(path)
