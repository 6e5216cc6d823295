"""``unetdiag predict``'s output folder: made ready (never the input folder; an earlier
predict output replaced only by a set written whole), the 0/255 mask PNGs, and
predict.json."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from unetdiag.diag.visual.overlay import panel_png
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_json
from unetdiag.training import saved_model
from unetdiag.training.predict_geometry import GeometryPlan
from unetdiag.training.predict_result import PredictResult
from unetdiag.training.run_record import foreground_meaning, run_record
from unetdiag.training.saved_model import SavedModel

COMMAND = "predict"
MANIFEST_FILENAME = "predict.json"
OVERLAYS_DIRNAME = "overlays"
FOREGROUND_VALUE = 255


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def prepare_out_dir(out_dir: Path, images_dir: Path) -> Path:
    """Make ``out_dir`` ready and return the folder to write into: refuse the input folder (or
    a folder below it) and a non-empty folder that is not an earlier predict output. Over an
    earlier output, the new set goes to a new sibling folder that :func:`replace_earlier_output`
    swaps in once it is written whole: until then the earlier masks stay as they were.

    Raises:
        UserError: (``USAGE``) ``out_dir`` is or lies in ``images_dir``; (``OUTPUT_ERROR``) it
            holds other files, or cannot be created.
    """
    if _inside(out_dir.resolve(), images_dir.resolve()):
        raise UserError(f"--out {out_dir} is inside the input folder {images_dir}; predict never "
                        "writes into its input: choose another folder", ExitCode.USAGE)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir} is a file, not a folder; choose a folder",
                        ExitCode.OUTPUT_ERROR)
    write_dir = out_dir
    if out_dir.exists() and any(out_dir.iterdir()):
        _listed_files(out_dir)  # refuses a folder that is no earlier predict output
        real = out_dir.resolve()
        write_dir = real.parent / f".{real.name}.new-{secrets.token_hex(4)}"
    try:
        (write_dir / OVERLAYS_DIRNAME).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {write_dir}: {error.strerror or error}",
                        ExitCode.OUTPUT_ERROR) from None
    return write_dir


def _listed_files(out_dir: Path) -> set[str]:
    """The mask and overlay paths an earlier predict output's predict.json lists."""
    try:
        manifest = json.loads((out_dir / MANIFEST_FILENAME).read_text())
        return {name for record in manifest["files"]
                for name in (record["mask"], record["overlay"])}
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"--out {out_dir} is not empty and not an earlier unetdiag predict "
                        f"output (no readable {MANIFEST_FILENAME}); choose a new folder",
                        ExitCode.OUTPUT_ERROR) from None


def replace_earlier_output(out_dir: Path, write_dir: Path) -> None:
    """Put the set written whole in ``write_dir`` (:func:`prepare_out_dir`) in place of the
    earlier output ``out_dir``: the files predict.json did not list (a user's notes) move
    over, then two renames swap the folders and the earlier one is removed. Only between
    the two renames is ``out_dir`` absent, both sets then kept beside it."""
    if write_dir == out_dir:
        return
    real = out_dir.resolve()
    kept = _listed_files(real) | {MANIFEST_FILENAME, OVERLAYS_DIRNAME}
    for folder in (real, real / OVERLAYS_DIRNAME):
        for entry in list(folder.iterdir()) if folder.is_dir() else ():
            relative = entry.relative_to(real).as_posix()
            if relative not in kept and not os.path.lexists(write_dir / relative):
                os.replace(entry, write_dir / relative)
    earlier = real.parent / f".{real.name}.old-{secrets.token_hex(4)}"
    os.replace(real, earlier)
    os.replace(write_dir, real)
    shutil.rmtree(earlier, ignore_errors=True)


def mask_png(probability: np.ndarray, threshold: float, size: tuple[int, int]) -> bytes:
    """The thresholded prediction as a 0/255 8-bit PNG of ``size`` (height, width), resized
    by nearest neighbour.

    >>> import io
    >>> from PIL import Image
    >>> png = mask_png(np.array([[0.9, 0.1], [0.1, 0.1]]), 0.5, (4, 4))
    >>> np.asarray(Image.open(io.BytesIO(png))).tolist()[0]
    [255, 255, 0, 0]
    """
    mask = np.where(probability > threshold, FOREGROUND_VALUE, 0).astype(np.uint8)
    return panel_png(Image.fromarray(mask, "L").resize((size[1], size[0]),
                                                       Image.Resampling.NEAREST))


def output_names(name: str) -> tuple[str, str]:
    """The mask's and the overlay's paths in the output folder (``name``:
    :func:`~.predict_listing.output_name`)."""
    return f"{name}.png", f"{OVERLAYS_DIRNAME}/{name}.png"


def write_manifest(out_dir: Path, saved: SavedModel, images_dir: Path, threshold: float,
                   records: list[dict[str, Any]], plan: GeometryPlan,
                   result: PredictResult) -> None:
    """predict.json: the model, the geometry, what 255 means, the sub-folders and the mask
    sets left out, the files not predicted with why (``result.not_predicted``), the files
    that are no images (``not_images``: a README), and one record per image."""
    record = run_record(saved.path)
    atomic_write_json(out_dir / MANIFEST_FILENAME, {
        "command": COMMAND, "model": str(saved.path), "images": str(images_dir),
        "input": saved_model.describe_input(saved), "threshold": threshold,
        "geometry": plan.to_dict(),
        "foreground": {"value": FOREGROUND_VALUE, "means": foreground_meaning(record),
                       "training_policy": None if record is None or record.policy is None
                       else record.policy.to_dict()},
        "left_out": [{"folder": str(path), "why": why,
                      "files": result.listing.unread_files[path][0],
                      "example": result.listing.unread_files[path][1].relative_to(
                          images_dir).as_posix()}
                     for path, why in result.left_out.items()],
        "masks_left_out": [mask_set.to_dict() for mask_set in result.mask_sets],
        "not_images": [path.name for path in result.listing.not_images],
        "not_predicted": result.not_predicted(images_dir),
        "files": records})
