"""What ``unetdiag predict`` did: :class:`PredictResult`, one record per image as
predict.json lists it, and what was left out (read by :mod:`.predict_notes` and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unetdiag.training.predict_geometry import GeometryPlan
from unetdiag.training.predict_listing import FolderImages, MaskSet


@dataclass
class PredictResult:
    """What :func:`predict_folder` wrote: one record per image (as in the manifest) and the
    files left out as masks."""

    out_dir: Path
    #: what was listed: the images, the mask sets and the sub-folders left out, the files
    #: of an extension predict does not read (:func:`~.predict_listing.list_images`)
    listing: FolderImages
    records: list[dict[str, Any]] = field(default_factory=list)
    #: images that could not be read (their label as in predict.json -> why): no mask
    unreadable: dict[str, str] = field(default_factory=dict)
    #: which class 255 is (:func:`~unetdiag.training.run_record.foreground_meaning`)
    foreground: str = ""
    #: how each image was sized for the model (:class:`~.predict_geometry.GeometryPlan`)
    geometry: GeometryPlan | None = None
    #: the run that saved the model and its training images' kinds (``bands``: grey, grey
    #: as colour, colour), None without a record
    training_run: str | None = None
    training_bands: dict[str, int] | None = None
    #: the channels the model takes
    channels: int = 0

    def fed(self, how: str) -> list[dict[str, Any]]:
        """The records of images whose aspect ratio differs from the training images' (or
        the model input's) and that were ``"stretched"`` to the model's input or fed with
        their aspect ratio ``"kept"``."""
        return [record for record in self.records if record["fed_as"][how]]

    def not_predicted(self, images_dir: Path) -> list[dict[str, str]]:
        """predict.json's ``not_predicted``: each file of the folder that got no mask, with
        why (an extension not read, or what reading it met)."""
        return [*({"image": path.relative_to(images_dir).as_posix()
                   if path.is_relative_to(images_dir) else path.name,
                   "why": "an extension predict does not read"} for path in self.other_files),
                *({"image": label, "why": why} for label, why in self.unreadable.items())]

    @property
    def mask_sets(self) -> list[MaskSet]:
        return self.listing.mask_sets

    @property
    def skipped_masks(self) -> list[Path]:
        """Every file left out as a mask."""
        return self.listing.masks

    @property
    def left_out(self) -> dict[Path, str]:
        """Sub-folders holding images that were not read, with why."""
        return self.listing.left_out

    @property
    def other_files(self) -> list[Path]:
        return self.listing.other_files

    @property
    def non_finite_images(self) -> int:
        return sum(1 for record in self.records if record["non_finite_pixels"])

    @property
    def incomplete(self) -> bool:
        """Some image of the folder got no mask (``not_predicted``: unreadable, or of an
        extension predict does not read; a README is no image), or got NaN or Inf
        predictions written as background: predict's exit status 1."""
        return bool(self.non_finite_images or self.unreadable or self.other_files)
