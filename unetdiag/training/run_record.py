"""What the ``unetdiag train`` run that saved a model recorded, read beside the model.

A model saved by train sits at ``RUN/VARIANT/model.keras`` (or ``last.keras``), with the
run's ``data.json`` (the mask policy its masks were decoded with), ``summary.json`` (each
variant's best validation Dice) and ``report.json`` (its ``meta["train_images"]``: what kind
of images it trained on, :mod:`unetdiag.diag.data.image_kinds`) in ``RUN``. ``evaluate``
and ``predict`` read them to say what the model learnt as foreground, what the run scored
and on what images; a model from anywhere else has no record (None).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unetdiag.diag.data.image_kinds import valid_record
from unetdiag.diag.data.policy import MaskPolicy

__all__ = ["RunRecord", "policy_differences", "run_record"]

DATA_FILENAME = "data.json"
SUMMARY_FILENAME = "summary.json"
REPORT_FILENAME = "report.json"
HISTORY_FILENAME = "history.json"
MODEL_FILENAMES = ("model.keras", "last.keras")
#: :attr:`RunRecord.model_holds` of a summary.json written before train recorded it
UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class RunRecord:
    """The records of the run that saved a model."""

    run_dir: Path
    variant: str
    #: the mask policy the run decoded its masks with (None: not recorded)
    policy: MaskPolicy | None
    #: the variant's best validation Dice and its epoch, from summary.json (None: not there)
    best_val_dice: float | None = None
    best_val_dice_epoch: int | None = None
    #: the training images' kinds (``summarise_kinds``), from report.json (None: not there,
    #: as in runs before it was recorded or a run that never wrote its report)
    train_images: Mapping[str, Any] | None = None
    #: the absolute images folder the run read and its training and validation stems, from
    #: data.json (None and () in runs that did not record the absolute folder)
    images_resolved: Path | None = None
    train_stems: tuple[str, ...] = ()
    val_stems: tuple[str, ...] = ()
    #: each training stem's image file size and modification time (ns) when the run
    #: started (None: not recorded, as in runs before it was)
    train_image_stats: Mapping[str, tuple[int, int]] | None = None
    #: the model file is last.keras (the last epoch's weights), and that epoch's validation
    #: Dice and number from the variant's history.json (None: not recorded)
    holds_last: bool = False
    last_val_dice: float | None = None
    last_epoch: int | None = None
    #: what summary.json says the variant's last invocation saved as model.keras
    #: (run/models.py: "best epoch", "last epoch", "guard stop"); None when it saved no
    #: model (interrupted, or not run: the files on disk are then older than its history and
    #: its best); :data:`UNRECORDED` in summaries from before it was recorded
    model_holds: str | None = UNRECORDED

    def trained_dice(self) -> tuple[tuple[float, int | None] | None, str]:
        """The validation Dice (and epoch) of the weights the model file holds, and which
        they are: ``"best"`` (model.keras) or ``"last"`` (last.keras); no Dice where the
        records do not say which epoch's weights the file holds: model.keras kept at a guard
        stop, or files the variant's last invocation did not save (a resume interrupted
        after epochs the history and the best already count)."""
        if self.model_holds is None:
            return None, "last" if self.holds_last else "best"
        if self.holds_last:
            return ((self.last_val_dice, self.last_epoch)
                    if self.last_val_dice is not None else None), "last"
        return ((self.best_val_dice, self.best_val_dice_epoch)
                if self.best_val_dice is not None
                and self.model_holds in ("best epoch", UNRECORDED) else None), "best"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _policy(recorded: Any) -> MaskPolicy | None:
    if not isinstance(recorded, dict):
        return None
    try:
        return MaskPolicy(threshold=recorded.get("threshold"),
                          polarity=recorded.get("polarity", "bright"),
                          foreground_values=tuple(recorded.get("foreground_values") or ()),
                          ignore_values=tuple(recorded.get("ignore_values") or ()))
    except (TypeError, ValueError):
        return None


def run_record(model_path: Path | str) -> RunRecord | None:
    """The record of the train run whose variant folder holds ``model_path`` (None when the
    folder above it has no data.json)."""
    path = Path(model_path)
    run_dir = path.parent.parent
    data = _read_json(run_dir / DATA_FILENAME)
    if data is None:
        return None
    variant = path.parent.name
    summary = _read_json(run_dir / SUMMARY_FILENAME) or {}
    row = next((row for row in summary.get("variants", [])
                if isinstance(row, dict) and row.get("variant") == variant), {})
    dice = row.get("best_val_dice")
    meta = (_read_json(run_dir / REPORT_FILENAME) or {}).get("meta")
    holds_last = path.name == MODEL_FILENAMES[1]
    last = _last_val_dice(path.parent) if holds_last else None
    return RunRecord(run_dir, variant, _policy(data.get("mask_policy")),
                     float(dice) if isinstance(dice, (int, float)) else None,
                     row.get("best_val_dice_epoch"),
                     valid_record(meta.get("train_images")) if isinstance(meta, dict)
                     else None, *_split(data), holds_last,
                     *(last if last is not None else (None, None)),
                     row.get("model_holds") if "model_holds" in row else UNRECORDED)


def _last_val_dice(variant_dir: Path) -> tuple[float, int] | None:
    """The last epoch's val_dice in the variant's history.json, and that epoch (1-based)."""
    values = (_read_json(variant_dir / HISTORY_FILENAME) or {}).get("val_dice")
    if not isinstance(values, list) or not values:
        return None
    last = values[-1]
    return (float(last), len(values)) if isinstance(last, (int, float)) else None


def _split(data: Mapping[str, Any]) -> tuple[Path | None, tuple[str, ...], tuple[str, ...],
                                             dict[str, tuple[int, int]] | None]:
    """data.json's absolute images folder, its split stems and the training images' sizes
    and times (none without the folder; no stats unless one is recorded per training stem)."""
    folder = data.get("images_resolved")
    if not isinstance(folder, str):
        return None, (), (), None
    stems = [tuple(str(stem) for stem in data.get(side) or () if isinstance(stem, str))
             for side in ("train", "val")]
    recorded = data.get("train_image_stats")
    stats = None
    if isinstance(recorded, list) and len(recorded) == len(stems[0]):
        stats = {stem: (int(stat[0]), int(stat[1])) for stem, stat in zip(
            stems[0], recorded, strict=True) if isinstance(stat, list) and len(stat) == 2
            and all(isinstance(value, int) for value in stat)}
    return Path(folder), stems[0], stems[1], stats


def policy_differences(recorded: MaskPolicy, used: MaskPolicy) -> list[str]:
    """The mask-policy options on which ``used`` differs from ``recorded`` (their flags as
    train takes them); [] when they decode alike."""
    fields = ("threshold", "polarity", "foreground_values", "ignore_values")
    return [name for name in fields
            if getattr(recorded, name) != getattr(used, name)]


def run_models(folder: Path) -> list[Path]:
    """The model files in a train run folder's variant folders (``folder/*/model.keras``)."""
    return sorted(path for path in folder.glob(f"*/{MODEL_FILENAMES[0]}") if path.is_file())


def foreground_meaning(record: RunRecord | None) -> str:
    """Which class a predicted mask's 255 is, in the words of the masks the model was
    trained on (what ``predict`` says beside the masks it writes)."""
    if record is None or record.policy is None:
        return ("255 = the class the model predicts as foreground (no train run record beside "
                "the model says how its training masks stored it)")
    policy = record.policy
    if policy.by_values:
        return (f"255 = the class the model learnt as foreground: values "
                f"{', '.join(f'{v:g}' for v in policy.foreground_values)} of the masks it was "
                f"trained on ({policy.flags()})")
    if policy.dark_is_foreground:
        return ("255 = the class the model learnt as foreground, which the masks it was "
                f"trained on store dark ({policy.flags()}): these masks are the inverse of "
                "that encoding; read them back without --mask-polarity dark")
    return ("255 = the class the model learnt as foreground, the bright class (the higher "
            "value) of the masks it was trained on")
