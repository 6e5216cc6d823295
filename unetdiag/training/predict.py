"""``unetdiag predict MODEL --images DIR --out DIR``: masks of a saved model for a folder.

For every image of ``DIR`` (files whose stem ends in a mask suffix are left out) the model's
prediction is thresholded, resized back to the image's own size by nearest neighbour and
written as a 0/255 PNG. A fully convolutional model is fed each image at the training
images' geometry, its aspect ratio kept (padded to the model's downsampling multiple and
cropped back); a model of one size only gets every image stretched to its input, and the
images whose aspect ratio that changes are named (:mod:`.predict_geometry`, the manifest's
``geometry`` and each file's ``fed_as``)::

    OUT/<name>.png              the mask (255: foreground), the input image's size; <name> is
                                the image's stem, or for the image of a sample folder
                                (<id>/images/<image>) the sample's <id>, as train and
                                evaluate name it, so that two samples' images of one file
                                name do not overwrite each other
                                (``foreground`` in the manifest says which class that is in
                                the training masks' encoding, read from the train run folder
                                holding the model: :func:`~.run_record.foreground_meaning`;
                                the masks are always 0/255, whatever that encoding, as Keras
                                users threshold a sigmoid)
    OUT/overlays/<name>.png     image | prediction | prediction on the image
    OUT/predict.json            what was predicted with what
                                (:data:`~.predict_output.MANIFEST_FILENAME`);
                                each file's ``image`` is its path below the input folder

Nothing is written into the input folder (nor below it). ``OUT`` must be new, empty, or an
earlier ``unetdiag predict`` output, replaced by the new set once it is written whole in
a folder beside it (:func:`~.predict_output.replace_earlier_output`; the files its
predict.json did not list move over).

This module reads, feeds and records the images; which files are predicted is
:mod:`.predict_listing`'s, the output folder and predict.json :mod:`.predict_output`'s, the
console notes :mod:`.predict_notes`'s.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from unetdiag.diag.data.image_kinds import image_kind
from unetdiag.diag.data.masks import ImageReadError, read_image
from unetdiag.diag.data.orientation import UPRIGHT, read_orientation
from unetdiag.diag.data.pairing import MASK_SUFFIXES
from unetdiag.diag.data.reading import convert_channels
from unetdiag.diag.data.stacks import STACK_EXTENSIONS, page_count
from unetdiag.diag.visual.overlay import overlay_panel, write_panel
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_bytes
from unetdiag.training import saved_model
from unetdiag.training.predict_geometry import (
    GeometryPlan,
    any_size_model,
    aspect_lost,
    padded_size,
    predict_at,
)
from unetdiag.training.predict_listing import FolderImages, image_label, list_images
from unetdiag.training.predict_output import (
    MANIFEST_FILENAME,
    OVERLAYS_DIRNAME,
    mask_png,
    output_names,
    prepare_out_dir,
    replace_earlier_output,
    write_manifest,
)
from unetdiag.training.predict_result import PredictResult
from unetdiag.training.run_record import RunRecord, foreground_meaning, run_record
from unetdiag.training.saved_model import SavedModel

Progress = Callable[[int, int], None]


def geometry_plan(saved: SavedModel, record: RunRecord | None
                  ) -> tuple[GeometryPlan, SavedModel]:
    """How images are sized for this model (:mod:`.predict_geometry`), and the model to
    feed them to (rebuilt to take any size when it is fully convolutional)."""
    flexible, multiple, reason = any_size_model(saved.model)
    trained = None if record is None else record.train_images
    sides = (None, None) if trained is None else (trained.get("height_median"),
                                                  trained.get("width_median"))
    training_size = ((float(sides[0]), float(sides[1]))
                     if all(isinstance(side, (int, float)) and side > 0 for side in sides)
                     else None)
    bounds = [None if trained is None else trained.get(f"{side}_{end}")
              for end in ("min", "max") for side in ("height", "width")]
    training_range = (((float(bounds[0]), float(bounds[1])), (float(bounds[2]),
                                                               float(bounds[3])))
                      if training_size is not None and all(
                          isinstance(bound, (int, float)) and bound > 0 for bound in bounds)
                      else None)
    if flexible is None:
        return GeometryPlan("stretch", f"the model takes only {saved.height}x{saved.width} "
                            f"images ({reason})", saved.height, saved.width, multiple,
                            training_size, training_range), saved
    return (GeometryPlan("keep_aspect", "the model is fully convolutional", saved.height,
                         saved.width, multiple, training_size, training_range),
            SavedModel(flexible, saved.path, saved.height, saved.width, saved.channels))


def _pages(path: Path) -> int:
    """A TIFF's own pages (:func:`page_count`), another file's frames (an animated GIF's,
    whose first frame alone is read, as a TIFF's first page is)."""
    if path.suffix.lower() in STACK_EXTENSIONS:
        return page_count(path)
    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except Exception:  # noqa: BLE001 - it was read already; the count is a note's only
        return 1


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _exif_after_pixels(path: Path) -> bool:
    """Whether a PNG's eXIf chunk comes after its first IDAT (pixel data) chunk: browsers
    ignore an orientation placed there and show the stored pixels (w3c/csswg-drafts#4929),
    though Pillow reads it. False for other files (a JPEG's EXIF precedes its pixels)."""
    if path.suffix.lower() != ".png":
        return False
    try:
        with open(path, "rb") as handle:
            if handle.read(8) != _PNG_SIGNATURE:
                return False
            while len(head := handle.read(8)) == 8:
                length, kind = struct.unpack(">I4s", head)
                if kind in (b"eXIf", b"IDAT"):
                    return kind == b"IDAT"
                handle.seek(length + 4, 1)  # the chunk's data and CRC
    except OSError:
        return False
    return False


def _read(path: Path, saved: SavedModel) -> tuple[np.ndarray, str]:
    """The image in the model's channels, as train reads it, and its kind as stored
    (:attr:`~unetdiag.diag.data.image_kinds.ImageKind.bands`).

    Raises:
        ImageReadError: the file cannot be read as an image (the caller names it and goes on).
    """
    own = read_image(path)
    return convert_channels(own, saved.channels), image_kind(path, own).bands


def _predicted(saved: SavedModel, plan: GeometryPlan, images: Sequence[np.ndarray]
               ) -> list[tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[int, int]]]:
    """``(image as fed, probabilities, the image's own size, the size fed)`` per image (as
    :func:`_read` gives it): the images fed at the model's input in one batch (every image
    when stretching), each image of another shape on its own at its geometry."""
    sizes = [image.shape[:2] for image in images]
    targets = [plan.target(size) for size in sizes]
    square = (saved.height, saved.width)
    results: list = [None] * len(images)
    batched = [index for index, target in enumerate(targets) if target == square]
    if batched:
        batch = np.stack([saved_model.model_input(images[index], saved) for index in batched])
        for index, image, probability in zip(batched, batch,
                                             saved_model.predict_checked(saved, batch),
                                             strict=True):
            results[index] = (image, probability, sizes[index], square)
    for index, target in enumerate(targets):
        if target == square:
            continue
        try:
            fed, probability = predict_at(saved.model, images[index], target, plan.multiple)
        except ValueError as error:
            raise UserError(f"{saved.path}: {error}", ExitCode.USAGE) from None
        results[index] = (fed, saved_model.checked_probabilities(saved, probability),
                          sizes[index], target)
    return results


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _predict_one_batch(saved: SavedModel, plan: GeometryPlan, paths: Sequence[Path],
                       listing: FolderImages, images_dir: Path, out_dir: Path,
                       threshold: float) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The records of the images of ``paths`` predicted, and the images that could not be
    read (label -> why): one unreadable file costs its own mask only."""
    records: list[dict[str, Any]] = []
    read, unreadable = [], {}
    for path in paths:
        try:
            read.append((path, *_read(path, saved)))
        except ImageReadError as error:
            unreadable[image_label(path, images_dir)] = error.reason
    if not read:
        return records, unreadable
    predicted = _predicted(saved, plan, [image for _, image, _ in read])
    for (path, _, kind), (image, probability, size, fed) in zip(read, predicted, strict=True):
        mask_name, overlay_name = output_names(listing.names[path])
        label = image_label(path, images_dir)
        atomic_write_bytes(out_dir / mask_name, mask_png(probability, threshold, size))
        write_panel(overlay_panel(image, None, probability, threshold=threshold,
                                  title=label), out_dir / overlay_name)
        finite = np.isfinite(probability)
        changed = plan.aspect_changed(size)
        orientation = read_orientation(path)
        # kept only where the whole-pixel sides fed hold it: a strip a pixel or two high is not
        lost = plan.mode == "keep_aspect" and changed and aspect_lost(size, fed)
        records.append({"image": label, "mask": mask_name, "overlay": overlay_name,
                        "height": int(size[0]), "width": int(size[1]), "bands": kind,
                        "pages": _pages(path), "exif_orientation": orientation,
                        "exif_after_pixels": orientation != UPRIGHT
                        and _exif_after_pixels(path),
                        "aspect_ratio": round(size[1] / size[0], 3),
                        "fed_as": {"height": int(fed[0]), "width": int(fed[1]),
                                   "padded_to": list(padded_size(fed, plan.multiple)),
                                   "stretched": plan.mode == "stretch" and changed,
                                   "kept": plan.mode == "keep_aspect" and changed
                                   and not lost,
                                   "aspect_lost": lost,
                                   "shrunk": plan.shrunk(size),
                                   "scale_vs_training": _rounded(plan.scale_vs_training(
                                       size, fed))},
                        "predicted_fraction": float(np.mean(probability[finite] > threshold))
                        if finite.any() else None,
                        "non_finite_pixels": int(np.count_nonzero(~finite))})
    return records, unreadable


def _refuse_if_none_readable(images: Sequence[Path], images_dir: Path,
                             saved: SavedModel) -> None:
    """Read the images until one can be (usually the first), before ``--out`` is touched:
    a folder none of whose images can be read is refused, as one holding no image is,
    leaving an earlier output as it was.

    Raises:
        UserError: none of ``images`` can be read (one named with why).
    """
    first_failure = None
    for path in images:
        try:
            _read(path, saved)
        except ImageReadError as error:
            first_failure = first_failure or (image_label(path, images_dir), error.reason)
            continue
        return
    label, why = first_failure
    raise UserError(f"{images_dir}: none of its {len(images)} image(s) could be read "
                    f"(e.g. {label}: {why})")


def predict_folder(model_path: Path | str, images_dir: Path | str, out_dir: Path | str, *,
                   mask_suffixes: Sequence[str] = MASK_SUFFIXES, img_size: int | None = None,
                   batch_size: int = 8, threshold: float = 0.5,
                   progress: Progress | None = None) -> PredictResult:
    """Write a mask and an overlay per image of ``images_dir`` into ``out_dir`` (see the
    module docstring). Pixels whose prediction is NaN or Inf are written as background and
    counted in the record's ``non_finite_pixels``. Images fed at the model's input go in
    batches of ``batch_size``; an image of another shape goes on its own. A file that cannot
    be read as an image gets no mask and the others are predicted; it and the files of an
    extension predict does not read are the result's ``not_predicted`` (and predict.json's).

    Raises:
        UserError: as :func:`~unetdiag.training.saved_model.load_saved_model`,
            :func:`list_images` and :func:`prepare_out_dir`; no image could be read (refused
            before ``out_dir`` is touched); the outputs are not probabilities.
    """
    images_dir, out_dir = Path(images_dir), Path(out_dir)
    saved = saved_model.load_saved_model(model_path, img_size)
    record = run_record(saved.path)
    plan, saved = geometry_plan(saved, record)
    listing = list_images(images_dir, mask_suffixes)
    images = listing.images
    _refuse_if_none_readable(images, images_dir, saved)
    made_here = not out_dir.exists()
    write_dir = prepare_out_dir(out_dir, images_dir)  # a new sibling over an earlier output
    # the files about to be written, listed first: an interrupted run's folder is still
    # recognised (and cleaned) as a predict output by the next one
    planned = [dict(zip(("mask", "overlay"), output_names(listing.names[path]), strict=True),
                    image=image_label(path, images_dir)) for path in images]
    result = PredictResult(out_dir, listing, foreground=foreground_meaning(record),
                           geometry=plan, channels=saved.channels,
                           training_run=None if record is None else str(record.run_dir),
                           training_bands=None if record is None or record.train_images is None
                           else dict(record.train_images.get("bands") or {}))
    write_manifest(write_dir, saved, images_dir, threshold, planned, plan, result)
    try:
        done = 0
        for chunk in saved_model.batches_of(images, batch_size):
            records, unreadable = _predict_one_batch(saved, plan, chunk, listing, images_dir,
                                                     write_dir, threshold)
            result.records += records
            result.unreadable.update(unreadable)
            done += len(chunk)
            if progress is not None:
                progress(done, len(images))
        if not result.records:
            label, why = next(iter(result.unreadable.items()))
            raise UserError(f"{images_dir}: none of its {len(images)} image(s) could be read "
                            f"(e.g. {label}: {why})")
    except UserError:
        # a refused model or an unreadable image: a folder made for this run goes (a rerun's
        # too: the earlier output stays); in a folder the user gave, what was written stays,
        # listed by the manifest
        if made_here or write_dir != out_dir:
            shutil.rmtree(write_dir, ignore_errors=True)
        elif result.records:
            write_manifest(out_dir, saved, images_dir, threshold, result.records, plan,
                           result)
        else:
            (out_dir / MANIFEST_FILENAME).unlink(missing_ok=True)
            shutil.rmtree(out_dir / OVERLAYS_DIRNAME, ignore_errors=True)
        raise
    except BaseException:  # Ctrl-C: a rerun's earlier output stays as it was
        if write_dir != out_dir:
            shutil.rmtree(write_dir, ignore_errors=True)
        raise
    write_manifest(write_dir, saved, images_dir, threshold, result.records, plan, result)
    replace_earlier_output(out_dir, write_dir)
    return result
