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
    OUT/predict.json            what was predicted with what (:data:`MANIFEST_FILENAME`);
                                each file's ``image`` is its path below the input folder

Nothing is written into the input folder (nor below it). ``OUT`` must be new, empty, or an
earlier ``unetdiag predict`` output, whose listed files are replaced (nothing else in it is
touched).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from unetdiag.diag.data.image_kinds import image_kind
from unetdiag.diag.data.instances import (
    IMAGES_FOLDER,
    find_instance_layout,
    is_instance_layout,
    supported_files,
)
from unetdiag.diag.data.masks import SUPPORTED_EXTENSIONS, ImageReadError, read_image
from unetdiag.diag.data.pairing import MASK_SUFFIXES
from unetdiag.diag.data.reading import convert_channels
from unetdiag.diag.data.stacks import STACK_EXTENSIONS, page_count
from unetdiag.diag.visual.overlay import overlay_panel, panel_png, write_panel
from unetdiag.diag.wording.text import join_names
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_bytes, atomic_write_json
from unetdiag.training import saved_model
from unetdiag.training.predict_geometry import (
    MAX_PIXELS,
    SCALE_TOLERANCE,
    GeometryPlan,
    any_size_model,
    padded_size,
    predict_at,
)
from unetdiag.training.run_record import RunRecord, foreground_meaning, run_record
from unetdiag.training.saved_model import SavedModel

COMMAND = "predict"
MANIFEST_FILENAME = "predict.json"
OVERLAYS_DIRNAME = "overlays"
FOREGROUND_VALUE = 255

Progress = Callable[[int, int], None]


@dataclass
class PredictResult:
    """What :func:`predict_folder` wrote: one record per image (as in the manifest) and the
    files left out as masks."""

    out_dir: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    skipped_masks: list[Path] = field(default_factory=list)
    #: sub-folders holding images that were not read, with why (:func:`list_images`)
    left_out: dict[Path, str] = field(default_factory=dict)
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

    @property
    def non_finite_images(self) -> int:
        return sum(1 for record in self.records if record["non_finite_pixels"])


def geometry_lines(result: PredictResult) -> list[str]:
    """What the console says of how the images were sized for the model: the images whose
    aspect ratio differs from the training images', named with it, and whether they were
    fed at it or stretched (nothing when every image has the training images' shape)."""
    plan = result.geometry
    how = "kept" if plan is not None and plan.mode == "keep_aspect" else "stretched"
    records = result.fed(how) if plan is not None else []
    if not records:
        return _scale_lines(result)
    named = ", ".join(f"{record['image']} ({record['width']}x{record['height']}, "
                      f"{record['aspect_ratio']:g}:1)" for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    against = "the training images'" if plan.training_size else "the model input's"
    if how == "kept":
        scale = ("at the training images' scale" if plan.training_size
                 else "at the model input's pixel count")
        lines = [f"{len(records)} image(s) of another aspect ratio than {against} "
                 f"({plan.reference_aspect:.3g}:1): {named}; fed {scale}, their aspect ratio "
                 f"kept, padded to a multiple of {plan.multiple} and cropped back, not "
                 f"stretched to {plan.height}x{plan.width} (predict.json: geometry, fed_as)"]
        shrunk = result.fed("shrunk")
        if shrunk:
            lines.append(f"note: {len(shrunk)} of them fed smaller than that scale, at most "
                         f"{MAX_PIXELS} pixels (e.g. {shrunk[0]['image']})")
        return lines + _scale_lines(result)
    return [f"note: {len(records)} image(s) stretched to the model's {plan.height}x"
            f"{plan.width} input, their aspect ratio unlike {against} "
            f"({plan.reference_aspect:.3g}:1): {named}; {plan.reason}, so their objects reach "
            "it wider or taller than it learnt them (predict.json: geometry, fed_as)",
            *_scale_lines(result)]


def stack_lines(result: PredictResult) -> list[str]:
    """The multi-page TIFFs of which only the first page was predicted (train and evaluate
    pair stacks page by page; predict reads one page per file), and the files of several
    frames (animated GIF, PNG) of which only the first frame was."""
    paged = [record for record in result.records if record.get("pages", 1) > 1]
    stacks = [record for record in paged
              if Path(record["image"]).suffix.lower() in STACK_EXTENSIONS]
    animated = [record for record in paged if record not in stacks]
    lines = []
    if stacks:
        lines.append(
            f"note: {len(stacks)} multi-page TIFF(s) got a mask of their first page only: "
            f"{_named_pages(stacks, 'pages')}; predict reads one page per file (train and "
            "evaluate pair stacks page by page): save each page as a file of its own to "
            "predict it (predict.json: pages)")
    if animated:
        lines.append(
            f"note: {len(animated)} image(s) of several frames (an animation) got a mask of "
            f"their first frame only: {_named_pages(animated, 'frames')}; save each frame as "
            "a file of its own to predict it (predict.json: pages)")
    return lines


def _named_pages(records: Sequence[dict[str, Any]], unit: str) -> str:
    named = ", ".join(f"{record['image']} ({record['pages']} {unit})" for record in records[:5])
    return named + (f" and {len(records) - 5} more" if len(records) > 5 else "")


def colour_lines(result: PredictResult) -> list[str]:
    """The images of another kind than every training image the run recorded: colour ones
    for a model trained on grey images only, grey ones repeated into the three channels of
    a model trained on colour images only (a one-channel model trained on colour images
    read them as grey, so a grey image is no stranger to it)."""
    bands = result.training_bands
    trained = sum(bands.values()) if bands else 0
    if not trained:
        return []
    colour = bands.get("colour", 0)
    if colour == 0:
        unlike, kind, learnt = "colour", ("colour",), "grey (or grey stored as colour)"
    elif colour == trained and result.channels == 3:
        unlike, kind, learnt = "grey", ("grey", "grey as colour"), "colour"
    else:
        return []
    records = [record for record in result.records if record.get("bands") in kind]
    if not records:
        return []
    named = ", ".join(record["image"] for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    repeated = sum(record.get("bands") == "grey" for record in records)
    how = ("converted to grey by luminance as train reads them" if unlike == "colour"
           and result.channels == 1 else "given as they are" if unlike == "colour"
           else "their grey repeated into the model's 3 channels as train reads them"
           if repeated == len(records) else "stored as colour with three equal channels"
           if not repeated else f"{repeated} of them one-channel, their grey repeated into "
           "the model's 3 channels as train reads them, the others stored as colour with three "
           "equal channels")
    return [f"note: {len(records)} image(s) {unlike} ({named}), {how}, though the run that "
            f"saved the model ({result.training_run}) trained it on {trained} {learnt} "
            f"image(s) only: the model never learnt from {unlike} images, so their masks may "
            "not be what it gives for images like its training ones (predict.json: bands)"]


def _scale_lines(result: PredictResult) -> list[str]:
    """The images of the training images' aspect ratio but not their size, fed at the
    model's input as they were and so at another scale (an image of another aspect ratio is
    named above, and its ``shrunk`` says when it is fed below the training scale)."""
    plan = result.geometry
    if plan is None or plan.training_size is None:
        return []
    records = [record for record in result.records
               if not (record["fed_as"]["kept"] or record["fed_as"]["stretched"])
               and plan.beyond_training_scales((record["height"], record["width"]))]
    if not records:
        return []
    named = ", ".join(f"{record['image']} ({record['width']}x{record['height']}: "
                      f"{record['fed_as']['scale_vs_training']:g} times)"
                      for record in records[:5])
    named += f" and {len(records) - 5} more" if len(records) > 5 else ""
    height, width = plan.training_size
    if plan.training_range is None:
        sizes, theirs = (f"not their size ({width:g}x{height:g}, the median; the run recorded "
                         "not their smallest and largest)"), "theirs"
    elif plan.training_range[0] == plan.training_range[1]:
        sizes, theirs = f"not their size ({width:g}x{height:g})", "theirs"
    else:
        (low_h, low_w), (high_h, high_w) = plan.training_range
        sizes = (f"more than {SCALE_TOLERANCE:g} times larger or smaller than any of them "
                 f"({low_w:g}x{low_h:g} to {high_w:g}x{high_h:g}, median {width:g}x{height:g}"
                 ", the scale the times below are of)")
        theirs = "any of theirs"
    return [f"note: {len(records)} image(s) of the training images' aspect ratio but {sizes}: "
            f"fed at the model's {plan.width}x{plan.height} as they were, so at another scale "
            f"than {theirs}: {named}; an object as many pixels wide as in the training images "
            "reaches the model that many times as wide, which suits it only if the image "
            "covers the same field at another resolution (predict.json: "
            "fed_as.scale_vs_training)"]


@dataclass
class FolderImages:
    """What :func:`list_images` found in a folder: the images to predict, the files left out
    as masks, and the sub-folders left out with why (``path -> reason``); ``names``: the name
    each image's mask and overlay take (:func:`output_name`)."""

    images: list[Path]
    masks: list[Path]
    left_out: dict[Path, str] = field(default_factory=dict)
    names: dict[Path, str] = field(default_factory=dict)


def output_name(image: Path, folder: Path) -> str:
    """The stem of ``image``'s mask and overlay: the sample's id for the image of a sample
    folder of ``folder`` (``<id>/images/<image>``, the stem train and evaluate give the
    pair), else the image's stem."""
    if image.parent.name == IMAGES_FOLDER and image.parent.parent.parent == folder:
        return image.parent.parent.name
    return image.stem


def image_label(image: Path, folder: Path) -> str:
    """``image`` as predict.json names it: its path below ``folder`` (``a1f3/images/x.png``
    for a sample folder's image, the file name for one of ``folder``'s own)."""
    try:
        return image.relative_to(folder).as_posix()
    except ValueError:
        return image.name


#: Why a sub-folder holding images is not predicted when the others are no sample folders.
NOT_A_SAMPLE = ("no sample folder (<id>/images/<id>.png); predict reads the images of the "
                "folder given and of its sample folders only: give a folder of images as "
                "--images")


def list_images(folder: Path, mask_suffixes: Sequence[str] = MASK_SUFFIXES) -> FolderImages:
    """The images of ``folder`` in name order and the files left out because their stem ends
    in a mask suffix; then, when its sub-folders are sample folders (``<id>/images/<id>.png``,
    the Data Science Bowl layout ``train`` and ``evaluate`` read), the image of each, beside
    the folder's own images or alone. Sub-folders holding images that are not read (no sample
    folders, or sample folders whose ``images/`` holds several images) are named in
    ``left_out`` with the reason.

    Raises:
        UserError: the folder is missing, holds no image, or two images share a stem (their
            masks would overwrite each other).
    """
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    files = supported_files(folder)
    suffixes = tuple(suffix.lower() for suffix in mask_suffixes)
    masks = [path for path in files if path.stem.lower().endswith(suffixes)]
    images = [path for path in files if path not in masks]
    samples, left_out = _sample_folder_images(folder)
    images += samples
    if not images:
        skipped = f" (left out: {'; '.join(left_out_lines(left_out))})" if left_out else ""
        raise UserError(f"{folder}: no images ({', '.join(SUPPORTED_EXTENSIONS)}) other than "
                        f"{len(masks)} mask file(s){skipped}")
    names = {path: output_name(path, folder) for path in images}
    named: dict[str, Path] = {}
    for path, name in names.items():
        if name in named:
            raise UserError(f"{named[name]} and {path} share the name {name!r}: both masks "
                            f"would be {name}.png")
        named[name] = path
    return FolderImages(images, masks, left_out, names)


def _sample_folder_images(folder: Path) -> tuple[list[Path], dict[Path, str]]:
    """The images of ``folder``'s sample folders, and its sub-folders holding images that
    are not read, with why."""
    subfolders = sorted(path for path in folder.iterdir()
                        if path.is_dir() and not path.name.startswith("."))
    if subfolders and is_instance_layout(subfolders):
        layout = find_instance_layout(subfolders, [])
        left_out = {folder / name: f"its {IMAGES_FOLDER}/ holds {len(held)} images, a sample "
                    "folder's one" for name, held in layout.duplicates.items()}
        left_out.update({path: NOT_A_SAMPLE for path in layout.ignored
                         if _holds_images(path)})
        return sorted([image for _, image, _ in layout.pairs] + layout.missing), left_out
    return [], {path: NOT_A_SAMPLE for path in subfolders if _holds_images(path)}


def _holds_images(folder: Path, depth: int = 2) -> bool:
    """Whether ``folder`` or a folder up to ``depth`` levels below it holds a file of a
    supported extension."""
    if supported_files(folder):
        return True
    try:
        return depth > 0 and any(_holds_images(path, depth - 1) for path in folder.iterdir()
                                 if path.is_dir() and not path.name.startswith("."))
    except OSError:
        return False


def left_out_lines(left_out: dict[Path, str]) -> list[str]:
    """The sub-folders left out, grouped by why: ``"1st_manual/, images/ and mask/: why"``
    (the first five of a group named, then a count)."""
    groups: dict[str, list[Path]] = {}
    for path, why in left_out.items():
        groups.setdefault(why, []).append(path)
    lines = []
    for why, paths in groups.items():
        named = [f"{path.name}/" for path in paths[:5]]
        if len(paths) > 5:
            named.append(f"{len(paths) - 5} more")
        lines.append(f"{join_names(named)}: {why}")
    return lines


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def prepare_out_dir(out_dir: Path, images_dir: Path) -> None:
    """Make ``out_dir`` ready: refuse the input folder (or a folder below it) and a non-empty
    folder that is not an earlier predict output; remove the files an earlier one listed.

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
    if out_dir.exists() and any(out_dir.iterdir()):
        try:
            manifest = json.loads((out_dir / MANIFEST_FILENAME).read_text())
            listed = [name for record in manifest["files"]
                      for name in (record["mask"], record["overlay"])]
        except (OSError, ValueError, KeyError, TypeError):
            raise UserError(f"--out {out_dir} is not empty and not an earlier unetdiag predict "
                            f"output (no readable {MANIFEST_FILENAME}); choose a new folder",
                            ExitCode.OUTPUT_ERROR) from None
        for name in listed:
            target = (out_dir / name).resolve()
            if _inside(target, out_dir.resolve()):
                target.unlink(missing_ok=True)
    try:
        (out_dir / OVERLAYS_DIRNAME).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create {out_dir}: {error.strerror or error}",
                        ExitCode.OUTPUT_ERROR) from None


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


def _output_names(name: str) -> tuple[str, str]:
    """The mask's and the overlay's paths in the output folder (``name``:
    :func:`output_name`)."""
    return f"{name}.png", f"{OVERLAYS_DIRNAME}/{name}.png"


def _write_manifest(out_dir: Path, saved: SavedModel, images_dir: Path, threshold: float,
                    records: list[dict[str, Any]], plan: GeometryPlan,
                    left_out: dict[Path, str]) -> None:
    record = run_record(saved.path)
    atomic_write_json(out_dir / MANIFEST_FILENAME, {
        "command": COMMAND, "model": str(saved.path), "images": str(images_dir),
        "input": saved_model.describe_input(saved), "threshold": threshold,
        "geometry": plan.to_dict(),
        "foreground": {"value": FOREGROUND_VALUE, "means": foreground_meaning(record),
                       "training_policy": None if record is None or record.policy is None
                       else record.policy.to_dict()},
        "left_out": [{"folder": str(path), "why": why} for path, why in left_out.items()],
        "files": records})


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


def _read(path: Path, saved: SavedModel) -> tuple[np.ndarray, str]:
    """The image in the model's channels, as train reads it, and its kind as stored
    (:attr:`~unetdiag.diag.data.image_kinds.ImageKind.bands`)."""
    try:
        own = read_image(path)
    except ImageReadError as error:
        raise UserError(f"cannot read {error.path}: {error.reason}") from None
    return convert_channels(own, saved.channels), image_kind(path, own).bands


def _predicted(saved: SavedModel, plan: GeometryPlan, paths: Sequence[Path]
               ) -> tuple[list[tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[int, int]]],
                          list[str]]:
    """``(image as fed, probabilities, the file's own size, the size fed)`` per image, and
    each image's kind as stored: the images fed at the model's input in one batch (every
    image when stretching), each image of another shape on its own at its geometry."""
    read = [_read(path, saved) for path in paths]
    images, bands = [image for image, _ in read], [kind for _, kind in read]
    sizes = [image.shape[:2] for image in images]
    targets = [plan.target(size) for size in sizes]
    square = (saved.height, saved.width)
    results: list = [None] * len(paths)
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
    return results, bands


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _predict_one_batch(saved: SavedModel, plan: GeometryPlan, paths: Sequence[Path],
                       listing: FolderImages, images_dir: Path, out_dir: Path,
                       threshold: float) -> list[dict[str, Any]]:
    records = []
    predicted, bands = _predicted(saved, plan, paths)
    for path, (image, probability, size, fed), kind in zip(paths, predicted, bands,
                                                           strict=True):
        mask_name, overlay_name = _output_names(listing.names[path])
        label = image_label(path, images_dir)
        atomic_write_bytes(out_dir / mask_name, mask_png(probability, threshold, size))
        write_panel(overlay_panel(image, None, probability, threshold=threshold,
                                  title=label), out_dir / overlay_name)
        finite = np.isfinite(probability)
        changed = plan.aspect_changed(size)
        records.append({"image": label, "mask": mask_name, "overlay": overlay_name,
                        "height": int(size[0]), "width": int(size[1]), "bands": kind,
                        "pages": _pages(path),
                        "aspect_ratio": round(size[1] / size[0], 3),
                        "fed_as": {"height": int(fed[0]), "width": int(fed[1]),
                                   "padded_to": list(padded_size(fed, plan.multiple)),
                                   "stretched": plan.mode == "stretch" and changed,
                                   "kept": plan.mode == "keep_aspect" and changed,
                                   "shrunk": plan.shrunk(size),
                                   "scale_vs_training": _rounded(plan.scale_vs_training(
                                       size, fed))},
                        "predicted_fraction": float(np.mean(probability[finite] > threshold))
                        if finite.any() else None,
                        "non_finite_pixels": int(np.count_nonzero(~finite))})
    return records


def predict_folder(model_path: Path | str, images_dir: Path | str, out_dir: Path | str, *,
                   mask_suffixes: Sequence[str] = MASK_SUFFIXES, img_size: int | None = None,
                   batch_size: int = 8, threshold: float = 0.5,
                   progress: Progress | None = None) -> PredictResult:
    """Write a mask and an overlay per image of ``images_dir`` into ``out_dir`` (see the
    module docstring). Pixels whose prediction is NaN or Inf are written as background and
    counted in the record's ``non_finite_pixels``. Images fed at the model's input go in
    batches of ``batch_size``; an image of another shape goes on its own.

    Raises:
        UserError: as :func:`~unetdiag.training.saved_model.load_saved_model`,
            :func:`list_images` and :func:`prepare_out_dir`; an image cannot be read; the
            outputs are not probabilities.
    """
    images_dir, out_dir = Path(images_dir), Path(out_dir)
    saved = saved_model.load_saved_model(model_path, img_size)
    record = run_record(saved.path)
    plan, saved = geometry_plan(saved, record)
    listing = list_images(images_dir, mask_suffixes)
    images = listing.images
    made_here = not out_dir.exists()
    prepare_out_dir(out_dir, images_dir)
    # the files about to be written, listed first: an interrupted run's folder is still
    # recognised (and cleaned) as a predict output by the next one
    planned = [dict(zip(("mask", "overlay"), _output_names(listing.names[path]), strict=True),
                    image=image_label(path, images_dir)) for path in images]
    _write_manifest(out_dir, saved, images_dir, threshold, planned, plan, listing.left_out)
    result = PredictResult(out_dir, skipped_masks=listing.masks,
                           left_out=listing.left_out, foreground=foreground_meaning(record),
                           geometry=plan, channels=saved.channels,
                           training_run=None if record is None else str(record.run_dir),
                           training_bands=None if record is None or record.train_images is None
                           else dict(record.train_images.get("bands") or {}))
    try:
        for chunk in saved_model.batches_of(images, batch_size):
            result.records += _predict_one_batch(saved, plan, chunk, listing, images_dir,
                                                 out_dir, threshold)
            if progress is not None:
                progress(len(result.records), len(images))
    except UserError:
        # a refused model or an unreadable image: a folder made for this run goes; in a
        # folder the user gave, what was written stays, listed by the manifest
        if made_here:
            shutil.rmtree(out_dir, ignore_errors=True)
        elif result.records:
            _write_manifest(out_dir, saved, images_dir, threshold, result.records, plan,
                            listing.left_out)
        else:
            (out_dir / MANIFEST_FILENAME).unlink(missing_ok=True)
            shutil.rmtree(out_dir / OVERLAYS_DIRNAME, ignore_errors=True)
        raise
    _write_manifest(out_dir, saved, images_dir, threshold, result.records, plan, listing.left_out)
    return result
