"""A saved segmentation model, unetdiag's or anyone's, and images prepared the way it takes
them: what ``unetdiag evaluate`` and ``unetdiag predict`` share.

:func:`load_saved_model` loads a ``.keras`` or ``.h5`` file with ``compile=False``, so a model
saved with custom losses or metrics (the original project's ``dice_coef``) loads without
them; a custom *layer* cannot be rebuilt without its code, and is a one-line error naming the
file. Images are read as the trainer reads them (:func:`~unetdiag.diag.data.masks.read_image`:
scaled to [0, 1] by their stored range) and resized as its pipeline does (bilinear with
antialiasing; masks nearest neighbour, so they keep their {0, 1} values).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import h5py
import keras
import numpy as np
import tensorflow as tf

import unetdiag.training.losses  # noqa: F401  (registers unetdiag's classes with Keras)
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.training.model import count_parameters
from unetdiag.training.run.checkpoint import CHECKPOINT_DIRNAME
from unetdiag.training.run.folder import CONFIG_FILENAME, MODEL_FILENAME
from unetdiag.training.run_record import SUMMARY_FILENAME
from unetdiag.training.scoring import predict_probabilities

#: File types Keras saves a whole model as.
MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


@dataclass
class SavedModel:
    """A loaded model and the images it takes: ``height`` x ``width`` x ``channels``."""

    model: keras.Model
    path: Path
    height: int
    width: int
    channels: int


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def load_saved_model(path: Path | str, img_size: int | None = None) -> SavedModel:
    """Load ``path`` with ``compile=False`` and read its input size.

    Args:
        path: a ``.keras``, ``.h5`` or ``.hdf5`` file.
        img_size: the side images are resized to when the model accepts any size (its input
            height and width are ``None``); must match a model's fixed size otherwise.

    Raises:
        UserError: (``INPUT_ERROR``) the file is missing or not a model Keras can rebuild (a
            custom layer, a damaged file), or sits in a train run's variant folder but is
            not the model that run saved (another parameter count); (``USAGE``) the model
            is not one image in and one image out, or ``img_size`` contradicts its input
            size.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(_folder_given(path))
    if not path.is_file():
        raise UserError(f"{path}: no such model file")
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise UserError(f"{path}: expected a saved Keras model ({', '.join(MODEL_SUFFIXES)})")
    try:  # a file that cannot be read is not called damaged below (nor by h5py or zipfile)
        with open(path, "rb") as file:
            file.read(1)
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        # Keras says "File not found" of a file that is there but no zip archive
        raise UserError(f"cannot load {path}: not a .keras archive (a .keras file is a zip "
                        "archive; this one is truncated, damaged or another kind of file)")
    if path.suffix.lower() == ".keras":
        _refuse_archive_without_model(path)
    else:
        _refuse_hdf5_without_model(path)
    try:
        model = keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many types; the file is what the user can fix
        raise UserError(f"cannot load {path}: {_first_line(error)}") from None
    _refuse_model_not_the_runs(path, model)
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise UserError(f"{path}: the model has {len(model.inputs)} inputs and "
                        f"{len(model.outputs)} outputs; expected one image in and one mask out",
                        ExitCode.USAGE)
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4 or shape[-1] not in (1, 3):
        raise UserError(f"{path}: the model takes inputs of shape {shape[1:]}; expected "
                        "(height, width, 1 or 3 channels)", ExitCode.USAGE)
    height, width = shape[1], shape[2]
    if height is None or width is None:
        if img_size is None:
            raise UserError(f"{path}: the model accepts any image size; give --img-size",
                            ExitCode.USAGE)
        height = width = img_size
    elif img_size is not None and (height, width) != (img_size, img_size):
        raise UserError(f"{path}: the model takes {height}x{width} images, not --img-size "
                        f"{img_size}", ExitCode.USAGE)
    return SavedModel(model, path, int(height), int(width), int(shape[-1]))


def _refuse_model_not_the_runs(path: Path, model: keras.Model) -> None:
    """A model file in a train run's variant folder whose parameter count is not the one the
    run's summary.json records for that variant: another model copied or saved over the
    run's. The run's records (its mask policy, training files, scores), which evaluate and
    predict read beside the file, would be said of a model they do not describe."""
    run_dir, variant = path.parent.parent, path.parent.name
    try:
        rows = json.loads((run_dir / SUMMARY_FILENAME).read_text(encoding="utf-8"))["variants"]
        recorded = next(row.get("parameters") for row in rows if row.get("variant") == variant)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, StopIteration):
        return  # no record of the run's model to compare with
    if not isinstance(recorded, int) or isinstance(recorded, bool):
        return
    found = count_parameters(model)
    if found != recorded:
        raise UserError(f"{path} is not the model its train run saved: it has {found:,} "
                        f"trainable parameters, and {run_dir / SUMMARY_FILENAME} records "
                        f"{recorded:,} for {variant} (another model copied or saved over the "
                        "run's); the run's records (mask policy, training files, scores) do "
                        f"not describe it. Copy it out of {run_dir} to use it as a model of "
                        "its own")


#: What model.save() puts in every .keras archive: the model's structure (its weights file
#: varies: model.weights.h5, or .npz in some Keras versions).
KERAS_CONFIG_MEMBER = "config.json"


def _refuse_archive_without_model(path: Path) -> None:
    """A zip archive named .keras that is no saved model (Keras says "There is no item named
    'config.json' in the archive")."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile as error:
        raise UserError(f"cannot load {path}: a damaged zip archive ({error})") from None
    except OSError as error:
        raise UserError(f"cannot load {path}: {error.strerror or error}") from None
    if KERAS_CONFIG_MEMBER not in names:
        raise UserError(f"cannot load {path}: a zip archive but no saved Keras model (it holds "
                        f"no {KERAS_CONFIG_MEMBER}, which model.save() writes)")


#: The attribute Keras writes into an HDF5 file holding a whole model (model.save to .h5);
#: a weights file (model.save_weights) has none.
HDF5_MODEL_ATTRIBUTE = "model_config"


def _refuse_hdf5_without_model(path: Path) -> None:
    """An .h5 file that does not open as HDF5 (h5py says "Unable to synchronously open file
    (truncated file: eof = ...)"), or that holds weights only (Keras says "No model config
    found in the file")."""
    try:
        with h5py.File(path, "r") as file:
            holds_model = HDF5_MODEL_ATTRIBUTE in file.attrs
    except OSError as error:
        raise UserError(f"cannot load {path}: it is damaged or cut short, or not an HDF5 file "
                        f"(h5py: {_first_line(error)})") from None
    if holds_model:
        return
    weights_only = "weights only (what model.save_weights writes), not the model"
    if path.parent.name != CHECKPOINT_DIRNAME:
        raise UserError(f"cannot load {path}: it holds a model's {weights_only}; pass the "
                        "file model.save() wrote")
    variant_dir = path.parent.parent
    where = f"cannot load {path}: it is a train run's epoch checkpoint, {weights_only}"
    if (variant_dir / MODEL_FILENAME).is_file():
        raise UserError(f"{where}; pass {variant_dir / MODEL_FILENAME}")
    raise UserError(f"{where}, and {variant_dir.name} has no {MODEL_FILENAME}: it did not "
                    f"finish; unetdiag train --resume {variant_dir.parent} finishes it")


def _folder_given(folder: Path) -> str:
    """What to pass instead of a folder: its model.keras (a variant folder of a train run),
    or one of its variants' (a run folder), or the resume that makes them (an unfinished
    variant's or run's folder)."""
    from unetdiag.training.run_record import MODEL_FILENAMES, run_models

    if (folder / MODEL_FILENAMES[0]).is_file():
        return f"{folder} is a folder, not a model file: pass {folder / MODEL_FILENAMES[0]}"
    if (folder / CHECKPOINT_DIRNAME).is_dir() and (folder.parent / CONFIG_FILENAME).is_file():
        return (f"{folder} is the folder of a train run's variant that did not finish (it has "
                f"no {MODEL_FILENAMES[0]}); unetdiag train --resume {folder.parent} finishes it")
    models = run_models(folder)
    if models:
        listed = ", ".join(str(path) for path in models[:3])
        more = f" and {len(models) - 3} more" if len(models) > 3 else ""
        return (f"{folder} is a train run folder, not a model file: pass one of its "
                f"variants' models ({listed}{more})")
    if (folder / CONFIG_FILENAME).is_file():  # a run interrupted or refused before any ended
        return (f"{folder} is a train run folder none of whose variants finished (no "
                f"VARIANT/{MODEL_FILENAMES[0]}; its report.txt, where there is one, says why); "
                f"unetdiag train --resume {folder} trains them")
    return f"{folder} is a folder, not a model file: pass a .keras or .h5 file"


def model_input(image: np.ndarray, saved: SavedModel) -> np.ndarray:
    """A decoded image resized to the model's input as ``train`` resizes it (bilinear, with
    antialiasing), float32."""
    resized = tf.image.resize(image, (saved.height, saved.width), method="bilinear",
                              antialias=True)
    return resized.numpy().astype(np.float32)


def resize_mask(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """A (H, W) mask resized by nearest neighbour to ``(height, width, 1)`` float32."""
    resized = tf.image.resize(np.asarray(mask, np.float32)[..., None], (height, width),
                              method="nearest")
    return resized.numpy()


def predict_checked(saved: SavedModel, images: np.ndarray) -> np.ndarray:
    """The model's foreground probabilities for a batch, float64 (N, H, W)
    (:func:`~unetdiag.training.scoring.predict_probabilities`), refusing outputs that are not
    probabilities (logits, a 0..255 map) or not one per pixel.

    Raises:
        UserError: (``USAGE``) the output's shape does not match, or a finite value lies
            outside [0, 1].
    """
    try:
        probabilities = predict_probabilities(saved.model, images)
    except ValueError as error:
        raise UserError(f"{saved.path}: {error}", ExitCode.USAGE) from None
    return checked_probabilities(saved, probabilities)


def checked_probabilities(saved: SavedModel, probabilities: np.ndarray) -> np.ndarray:
    """``probabilities`` (the model's outputs), refused when a finite value lies outside
    [0, 1] (logits, a 0..255 map).

    Raises:
        UserError: (``USAGE``) naming the range found.
    """
    finite = probabilities[np.isfinite(probabilities)]
    if finite.size and (finite.min() < 0.0 or finite.max() > 1.0):
        low, high = float(finite.min()), float(finite.max())
        raise UserError(f"{saved.path}: the model's outputs range from {low:g} to {high:g}, "
                        "not probabilities in [0, 1] (logits? end the model with a sigmoid)",
                        ExitCode.USAGE)
    return probabilities


def batches_of(items: list, size: int) -> list[list]:
    """``items`` in consecutive chunks of ``size`` (the last may be shorter).

    >>> batches_of([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    """
    return [items[start:start + size] for start in range(0, len(items), size)]


def describe_scoring(saved: SavedModel) -> str:
    """What ``evaluate``'s scores are measured on: the masks at the model's input size (said
    before any mask is read, so of every size: masks stored at that size are not resized)."""
    return (f"every score at {saved.height}x{saved.width}, the model's input, as train's "
            "validation: a mask of another size is resized to it by nearest neighbour and "
            "scored there, not at its own")


def describe_input(saved: SavedModel) -> str:
    """``"96x96x3 images scaled to [0, 1]"``: what the model is fed."""
    return (f"{saved.height}x{saved.width}x{saved.channels} images scaled to [0, 1] by their "
            "stored range")

