"""Training configuration: plain data, no TensorFlow (the CLI builds it before importing TF)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from unetdiag.diag.core.dice import DEFAULT_DICE, DiceConfig, EmptyRule
from unetdiag.diag.data.masks import MaskPolicy
from unetdiag.diag.data.pairing import MASK_SUFFIXES

Downsampling = Literal["maxpool", "strided"]
Upsampling = Literal["transpose", "upsample"]
LossName = Literal["bce", "dice"]
Precision = Literal["auto", "float32", "mixed_bfloat16", "mixed_float16"]
Strategy = Literal["default", "mirrored", "multiworker"]
BceLoss = Literal["plain", "focal", "weighted"]
Normalization = Literal["batch", "none"]
FailOn = Literal["error", "warning"]
OnGuard = Literal["stop", "restore-best", "restart"]


@dataclass(frozen=True)
class Variant:
    name: str
    downsampling: Downsampling
    upsampling: Upsampling
    loss: LossName


#: The original project's four variants, in its order.
VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("MP_Tr_BCE", "maxpool", "transpose", "bce"),
    Variant("MP_Tr_Dice", "maxpool", "transpose", "dice"),
    Variant("StrConv_Tr_BCE", "strided", "transpose", "bce"),
    Variant("StrConv_Ups_Dice", "strided", "upsample", "dice"),
)}

#: --on-guard restart: at most this many restarts per variant, each multiplying the learning
#: rate by RESTART_LEARNING_RATE_FACTOR (docs/run-semantics.md).
MAX_RESTARTS = 2
RESTART_LEARNING_RATE_FACTOR = 0.5

DEFAULT_IMAGES = Path("images")
#: The side train resizes to when the images are no larger (images/'s own size), and the
#: smallest side it chooses without --img-size (unetdiag.training.resize_kept).
BASE_IMG_SIZE = 96
DEFAULT_MASK_SUFFIXES = MASK_SUFFIXES


@dataclass
class TrainConfig:
    """Everything ``unetdiag train`` needs; saved as ``config.json`` in the run directory."""

    images: Path = DEFAULT_IMAGES
    masks: Path | None = None  # None: masks sit beside images, named with a mask suffix
    mask_suffixes: tuple[str, ...] = DEFAULT_MASK_SUFFIXES
    mask_pattern: str | None = None  # "{key}_manual1": pair by this mask name instead
    allow_same_file_masks: bool = False  # only to reproduce the seed's image-as-mask bug
    allow_empty_masks: bool = False  # train when every training/validation mask decodes empty
    mask_policy: MaskPolicy = field(default_factory=MaskPolicy)
    variants: tuple[str, ...] = tuple(VARIANTS)
    # None: chosen from the training masks (96 for images/, its own size; larger where 96 px
    # loses thin structures: unetdiag.training.resize_kept, docs/training-defaults.md)
    img_size: int | None = None
    channels: int = 3
    base_filters: int = 16  # where bfloat16 starts to pay on CPU (docs/benchmarks.md)
    depth: int = 3
    normalization: Normalization = "batch"  # "none": the seed's blocks (docs/training-defaults.md)
    batch_size: int = 16
    epochs: int = 12
    # A training set smaller than this many batches is passed over several times an epoch, so
    # that an epoch is never a step or two (docs/training-defaults.md); images/ makes 12 alone.
    min_steps_per_epoch: int = 12
    learning_rate: float = 2e-3
    seed: int = 42
    val_fraction: float = 0.2
    split_by_subject: bool = False  # keep <subject>_<n> names' subjects on one side
    augment: bool = True
    precision: Precision = "auto"
    strategy: Strategy = "default"
    dice: DiceConfig = DEFAULT_DICE  # the Dice loss of the *_Dice variants
    bce_loss: BceLoss = "plain"  # the cross-entropy of the *_BCE variants
    focal_gamma: float = 2.0  # bce_loss "focal"
    foreground_weight: float | None = None  # bce_loss "weighted"; None: background/foreground
    clipnorm: float | None = None  # Adam's gradient-norm clipping; None: none
    metric_threshold: float = 0.5  # the hard metrics: p > threshold is foreground
    empty_rule: EmptyRule = "exclude"  # the hard metrics: what an empty mask predicted empty is
    diagnostics: bool = True
    stop_on_label_error: bool = True
    stop_all_on_guard: bool = False
    on_guard: OnGuard = "restart"  # what a guard stop leads to (docs/run-semantics.md)
    fail_on: FailOn = "error"  # the exit status: findings of this severity or worse fail
    out_dir: Path = Path("runs")
    run_name: str | None = None  # default: timestamp
    resume: Path | None = None
    quiet: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        data = dict(data)
        # a run recorded before the option existed trained one pass an epoch: resume it so
        data.setdefault("min_steps_per_epoch", 1)
        for key in ("images", "masks", "out_dir", "resume"):
            if data.get(key) is not None:
                data[key] = Path(data[key])
        for key in ("mask_suffixes", "variants"):
            data[key] = tuple(data[key])
        data["mask_policy"] = MaskPolicy(**data["mask_policy"])
        data["dice"] = DiceConfig(**data["dice"])
        return cls(**data)
