"""The corruptions of the failure catalogue: a fresh synthetic dataset, broken on purpose.

:func:`build_case` writes a dataset (:func:`~unetdiag.diag.synth.generator.write_pairs`) and
then applies corruptions from :data:`CORRUPTIONS` in order (masks stored 0/1, JPEG masks, the
mask that is the image...), for the failure catalogue (``checks/*.toml``) and the tests. Each
corruption's docstring says what it simulates and how it shows in the metrics. Masks are read
back through the trainer's own decoder, so a corruption changes what the files store, never
what a mask means. Public datasets' layouts (:mod:`.layouts`) are corruptions of names and folders.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.data.orientation import EXIF_ORIENTATION_TAG
from unetdiag.diag.synth import layouts
from unetdiag.diag.synth.case import (
    CaseFiles,
    DatasetLayout,
    as_255,
    read_grey,
    read_mask,
    replace_file,
)
from unetdiag.diag.synth.colour_label_corruptions import COLOUR_LABEL_CORRUPTIONS
from unetdiag.diag.synth.encoding_layouts import ENCODING_LAYOUTS
from unetdiag.diag.synth.file_corruptions import FILE_CORRUPTIONS
from unetdiag.diag.synth.flat_drive import flat_drive_folder, flat_drive_test_folder
from unetdiag.diag.synth.frame_corruptions import FRAME_CORRUPTIONS
from unetdiag.diag.synth.generator import (
    CORRUPTION_STREAM,
    SynthSpec,
    make_photo_like,
    png_bytes,
    write_pairs,
)
from unetdiag.diag.synth.geometry_corruptions import GEOMETRY_CORRUPTIONS
from unetdiag.diag.synth.image_corruptions import IMAGE_CORRUPTIONS
from unetdiag.diag.synth.label_corruptions import LABEL_CORRUPTIONS
from unetdiag.diag.synth.mask_file_corruptions import MASK_FILE_CORRUPTIONS
from unetdiag.diag.synth.region_corruptions import REGION_CORRUPTIONS
from unetdiag.diag.synth.shape_corruptions import SHAPE_CORRUPTIONS
from unetdiag.exitcodes import ExitCode, UserError
from unetdiag.fsutil import atomic_write_bytes, atomic_write_text


def _rewrite_masks(case: CaseFiles, indices: list[int], encode: Callable[[np.ndarray], bytes],
                   extension: str = ".png") -> list[Path]:
    """Replace each chosen mask by ``encode(foreground)``, saved with ``extension``."""
    changed = []
    for index in indices:
        old = case.masks[index]
        case.masks[index] = replace_file(old, old.with_suffix(extension),
                                          encode(read_mask(old)))
        changed.append(case.masks[index])
    return changed


def _encode(array: np.ndarray, mode: str | None = None, image_format: str = "PNG",
            palette: list[int] | None = None, **options) -> bytes:
    image = Image.fromarray(array) if mode is None else Image.fromarray(array, mode=mode)
    if palette is not None:
        image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def masks_0_1(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
              count: int | None = None) -> list[Path]:
    """Masks stored as 0/1 in 8-bit PNGs (they look black).

    Simulates: the other common label convention. Shows: a loader that divides by 255
    gets empty masks (Dice 0, accuracy = background share); mixed with 0/255 masks
    (``fraction < 1``) a fixed threshold silently loses part of the labels.
    """
    return _rewrite_masks(case, case.pair_indices(rng, fraction, count),
                          lambda foreground: _encode(foreground.astype(np.uint8), "L"))


def jpeg_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
               count: int | None = None, quality: int = 75) -> list[Path]:
    """Masks saved as JPEG (``.jpg``): compression rings give grey values near every edge.

    Simulates: masks exported or downloaded as JPEG. Shows: non-binary values; ``> 0``
    inflates the foreground (ringing around edges), which raises the all-ones baseline.
    """
    return _rewrite_masks(
        case, case.pair_indices(rng, fraction, count),
        lambda foreground: _encode(as_255(foreground), "L", "JPEG", quality=quality), ".jpg")


_RESAMPLING = {"bilinear": Image.Resampling.BILINEAR, "bicubic": Image.Resampling.BICUBIC}


def resized_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, method: str = "bilinear",
                  scale: float = 0.5) -> list[Path]:
    """Masks resized down by ``scale`` and back up with interpolation: grey edges.

    Simulates: a preprocessing script that resizes masks without nearest-neighbour
    (the original project's Pillow default). Shows: values strictly between 0 and 255 on
    outlines; the foreground share depends on the threshold; edges are soft in the labels.
    """
    if method not in _RESAMPLING:
        raise ValueError(f"method must be one of {sorted(_RESAMPLING)}, not {method!r}")
    if not 0.0 < scale < 1.0:
        raise ValueError(f"scale must be in (0, 1), not {scale}")

    def encode(foreground: np.ndarray) -> bytes:
        stored = Image.fromarray(as_255(foreground), mode="L")
        small = (max(1, round(stored.width * scale)), max(1, round(stored.height * scale)))
        resized = stored.resize(small, _RESAMPLING[method]).resize(stored.size,
                                                                   _RESAMPLING[method])
        return png_bytes(resized)

    return _rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def antialiased_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None, supersampling: int = 4) -> list[Path]:
    """Masks drawn with anti-aliasing at their image's size, saved as lossless PNG.

    Each mask is drawn ``supersampling`` times larger with smooth (bicubic) outlines and
    averaged back to its size, as a drawing tool's smooth brush or polygon fill does: edge
    pixels hold their share of coverage. Simulates: comma10k#69, echonet/dynamic#65 (PNG
    masks with 192, 230, 240, 247 on the outlines). Shows: grey values on every edge of a
    mask that was never resized nor JPEG-compressed.
    """
    if supersampling < 2:
        raise ValueError(f"supersampling must be at least 2, not {supersampling}")

    def encode(foreground: np.ndarray) -> bytes:
        stored = Image.fromarray(as_255(foreground), mode="L")
        large = stored.resize((stored.width * supersampling, stored.height * supersampling),
                              Image.Resampling.BICUBIC)
        return png_bytes(large.reduce(supersampling))

    return _rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def rgb_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
              count: int | None = None, colour: tuple[int, int, int] = (255, 0, 0)
              ) -> list[Path]:
    """Masks stored as RGB: ``colour`` objects on black.

    Simulates: annotation tools that export coloured labels. Shows: a grey conversion
    maps pure red to 76, below a 127.5 threshold: masks come out empty (Dice 0); channel
    handling decides whether labels survive.
    """
    def encode(foreground: np.ndarray) -> bytes:
        pixels = np.zeros((*foreground.shape, 3), dtype=np.uint8)
        pixels[foreground] = colour
        return _encode(pixels, "RGB")

    return _rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def palette_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                  count: int | None = None, colour: tuple[int, int, int] = (128, 0, 0),
                  index: int = 1) -> list[Path]:
    """Masks as palette images (mode ``P``): index 0 black, the object index ``index`` colour.

    Simulates: Pascal-VOC-style labels (class 1 is dark red (128, 0, 0)). Shows: the raw
    indices are 0/1 (fine), but ``convert("L")`` gives 38 for the foreground: empty masks
    under a 127.5 threshold. ``index=255``, ``colour=(224, 224, 192)``: 0/255 masks in VOC's map.
    """
    palette = [0, 0, 0] * index + list(colour)
    return _rewrite_masks(
        case, case.pair_indices(rng, fraction, count),
        lambda foreground: _encode(foreground.astype(np.uint8) * np.uint8(index), "P",
                                   palette=palette))


def uint16_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None) -> list[Path]:
    """Masks as 16-bit PNGs holding 0/65535.

    Simulates: masks from microscopy software or ``skimage.io.imsave`` of a uint16 array.
    Shows: dividing by 255 gives 257 (Dice above 1, negative losses); an 8-bit conversion
    may clip or wrap.
    """
    return _rewrite_masks(case, case.pair_indices(rng, fraction, count),
                          lambda foreground: _encode(foreground.astype(np.uint16) * 65535))


def float_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                count: int | None = None, top: float = 1.0) -> list[Path]:
    """Masks as float32 TIFFs holding 0.0/``top`` (``.tif``; 1.0, or 255.0 for an 8-bit
    mask converted to float without rescaling).

    Simulates: masks saved straight from a NumPy float array. Shows: readers that expect
    8-bit data fail or rescale; a ``/ 255`` makes 0/1 masks empty, and 0/255 floats fed as
    they are give labels up to 255.
    """
    return _rewrite_masks(case, case.pair_indices(rng, fraction, count),
                          lambda foreground: _encode(foreground.astype(np.float32) * top, "F",
                                                     "TIFF"),
                          ".tif")


def inverted_polarity(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                      count: int | None = None) -> list[Path]:
    """Masks with background and foreground swapped (stored ``255 - mask``).

    Simulates: a tool that labels background white, or a flipped convention. Shows:
    foreground share around 90 %, so the all-ones predictor already scores Dice ~0.95 and
    accuracy ~0.9: a model "learns" the background.
    """
    return _rewrite_masks(case, case.pair_indices(rng, fraction, count),
                          lambda foreground: png_bytes(Image.fromarray(as_255(~foreground))))


def mostly_empty(case: CaseFiles, rng: np.random.Generator, fraction: float = 0.9,
                 count: int | None = None) -> list[Path]:
    """Masks emptied although their images still show cells.

    Simulates: unfinished annotation, or a label export that lost objects. Shows: the
    all-zeros predictor reaches accuracy ~0.99 and the best loss; Dice collapses towards
    0 or, with smoothing and empty images scored 1, looks saturated.
    """
    return _rewrite_masks(case, case.pair_indices(rng, fraction, count),
                          lambda foreground: png_bytes(Image.fromarray(as_255(
                              np.zeros_like(foreground)))))


def _depth(foreground: np.ndarray) -> np.ndarray:
    """How many 3x3 erosions each foreground pixel survives (0 outside)."""
    depth = np.zeros(foreground.shape, dtype=np.int32)
    current = foreground.copy()
    while current.any():
        depth += current
        padded = np.pad(current, 1, constant_values=False)
        eroded = np.ones_like(current)
        for dy in range(3):
            for dx in range(3):
                eroded &= padded[dy:dy + current.shape[0], dx:dx + current.shape[1]]
        current = eroded
    return depth


def tiny_objects(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None, pixels_per_mask: int = 4) -> list[Path]:
    """Masks reduced to their ``pixels_per_mask`` most interior pixels.

    Simulates: point or centre annotations, or labels drawn at a far smaller scale.
    Shows: foreground share far below 1 %: accuracy ~0.999 for the all-zeros predictor,
    Dice dominated by smoothing constants and by a handful of pixels.
    """
    if pixels_per_mask < 1:
        raise ValueError(f"pixels_per_mask must be >= 1, not {pixels_per_mask}")

    def encode(foreground: np.ndarray) -> bytes:
        depth = _depth(foreground).ravel()
        kept = np.zeros(depth.size, dtype=bool)
        deepest = np.argsort(-depth, kind="stable")[:pixels_per_mask]
        kept[deepest[depth[deepest] > 0]] = True
        return png_bytes(Image.fromarray(as_255(kept.reshape(foreground.shape))))

    return _rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


def _copy_pairs(case: CaseFiles, indices: list[int],
                change: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
                ) -> list[Path]:
    created = []
    for index in indices:
        image, mask = change(read_grey(case.images[index]), read_mask(case.masks[index]))
        image_path, mask_path = case.new_pair_names()
        atomic_write_bytes(image_path, png_bytes(Image.fromarray(image, mode="L")))
        atomic_write_bytes(mask_path, png_bytes(Image.fromarray(as_255(mask))))
        case.images.append(image_path)
        case.masks.append(mask_path)
        created += [image_path, mask_path]
    return created


def exact_duplicates(case: CaseFiles, rng: np.random.Generator, fraction: float = 0.1,
                     count: int | None = None) -> list[Path]:
    """Copies of some pairs under new, ordinary-looking names (numbering continues).

    Simulates: the same frame exported twice, or datasets merged. Shows: a random split
    puts copies on both sides: validation Dice is inflated by memorised images.
    """
    return _copy_pairs(case, case.pair_indices(rng, fraction, count),
                       lambda image, mask: (image, mask))


def near_duplicates(case: CaseFiles, rng: np.random.Generator, fraction: float = 0.1,
                    count: int | None = None, shift_pixels: int = 1,
                    noise_sigma: float = 2.0) -> list[Path]:
    """Copies shifted by ``shift_pixels`` with a little Gaussian noise (masks shifted too).

    Simulates: consecutive video frames or overlapping tiles. Shows: the same leakage as
    exact duplicates, invisible to a byte or hash comparison.
    """
    def change(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shifted = np.roll(image, shift_pixels, axis=1).astype(np.float64)
        noisy = shifted + rng.normal(0.0, noise_sigma, size=image.shape)
        return (np.clip(np.rint(noisy), 0, 255).astype(np.uint8),
                np.roll(mask, shift_pixels, axis=1))

    return _copy_pairs(case, case.pair_indices(rng, fraction, count), change)


def size_mismatch(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
                  count: int | None = 3, scale: float = 0.5) -> list[Path]:
    """Some masks stored at ``scale`` times their image's size (nearest-neighbour, binary).

    Simulates: labels drawn on a downsampled copy. Shows: a loader that resizes every mask
    to the model's size hides it (here the content still lines up; in real data it often
    does not); one that stacks arrays crashes; only a per-pair shape check names the files.
    """
    if scale <= 0 or scale == 1.0:
        raise ValueError(f"scale must be > 0 and not 1, not {scale}")

    def encode(foreground: np.ndarray) -> bytes:
        stored = Image.fromarray(as_255(foreground), mode="L")
        new_size = (max(1, round(stored.width * scale)), max(1, round(stored.height * scale)))
        return png_bytes(stored.resize(new_size, Image.Resampling.NEAREST))

    return _rewrite_masks(case, case.pair_indices(rng, fraction, count), encode)


#: How a camera stores a picture a viewer shows upright under each EXIF orientation (the
#: inverse of the viewer's turn; NumPy's ``rot90`` counts quarter turns anticlockwise).
_STORE_TURNS: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    3: lambda pixels: np.rot90(pixels, 2),
    6: lambda pixels: np.rot90(pixels, 1),
    8: lambda pixels: np.rot90(pixels, -1),
}


def exif_rotated_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                        count: int | None = None, orientation: int = 6,
                        masks_drawn_on: str = "displayed", aspect: float = 0.75) -> list[Path]:
    """Camera images stored sideways with an EXIF ``Orientation`` tag (JPEG, quality 95).

    Each chosen pair is cropped to ``aspect`` (width / height; 1 keeps it square), the image
    is stored turned back by its orientation (3: 180 degrees, 6 and 8: 90) and tagged, as a
    phone stores a photo; the mask is the picture a viewer shows (``masks_drawn_on=
    "displayed"``: drawn in an annotation tool that applies the tag) or the stored pixels
    (``"stored"``). Simulates: phone photos labelled in labelme or CVAT. Shows: a
    pipeline that ignores the tag (Pillow, TensorFlow, Keras) pairs turned images with their
    masks; with a 90-degree tag the sizes differ width for height, else nothing shows.
    """
    if orientation not in _STORE_TURNS:
        raise ValueError(f"orientation must be one of {sorted(_STORE_TURNS)}, not {orientation}")
    if masks_drawn_on not in ("displayed", "stored"):
        raise ValueError(f"masks_drawn_on must be 'displayed' or 'stored', not "
                         f"{masks_drawn_on!r}")
    exif = Image.Exif()
    exif[EXIF_ORIENTATION_TAG] = orientation
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        image, mask = read_grey(case.images[index]), read_mask(case.masks[index])
        width = max(1, round(image.shape[0] * aspect))
        image, mask = image[:, :width], mask[:, :width]
        stored_image = np.ascontiguousarray(_STORE_TURNS[orientation](image))
        if masks_drawn_on == "stored":
            mask = _STORE_TURNS[orientation](mask)
        old_image = case.images[index]
        case.images[index] = replace_file(
            old_image, old_image.with_suffix(".jpg"),
            _encode(stored_image, "L", "JPEG", quality=95, exif=exif))
        atomic_write_bytes(case.masks[index], png_bytes(Image.fromarray(as_255(
            np.ascontiguousarray(mask)))))
        changed += [case.images[index], case.masks[index]]
    return changed


def narrow_range_images(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                        count: int | None = None, bits: int = 12) -> list[Path]:
    """Images stored as 16-bit PNG holding ``bits``-bit data (each grey level times
    2 ** (bits - 8)), as a 12-bit microscope or X-ray camera writes them.

    Simulates: fluorescence microscopy and radiography exports. Shows: scaled by 65535 the
    images span [0, 2 ** (bits - 16)]; a fixed brightness augmentation of 0.1 exceeds the
    whole signal and a negative shift clipped at 0 turns images black.
    """
    if not 8 <= bits < 16:
        raise ValueError(f"bits must be in [8, 16), not {bits}")
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        path = case.images[index]
        wide = read_grey(path).astype(np.uint16) << (bits - 8)
        atomic_write_bytes(path, png_bytes(Image.fromarray(wide)))
        changed.append(path)
    return changed


def nan_pixel(case: CaseFiles, rng: np.random.Generator, fraction: float | None = None,
              count: int | None = 1, nan_pixels: int = 1) -> list[Path]:
    """Images turned into float32 TIFFs (``.tif``, values 0-255) with ``nan_pixels`` NaN.

    Simulates: float images from a processing step that divided by zero. Shows: one NaN
    input pixel can make the weights NaN while the loss stays finite (oneDNN and max-pool
    hide it), then every later metric is NaN or frozen.
    """
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        old = case.images[index]
        pixels = read_grey(old).astype(np.float32)
        flat = pixels.reshape(-1)
        flat[rng.choice(flat.size, size=nan_pixels, replace=False)] = np.nan
        case.images[index] = replace_file(old, old.with_suffix(".tif"),
                                           _encode(pixels, "F", "TIFF"))
        changed.append(case.images[index])
    return changed


def mask_is_image(case: CaseFiles, rng: np.random.Generator,
                  zero_pixel_fraction: float = 0.005) -> list[Path]:
    """The original project's bug: the masks folder is the images folder, same file names.

    The mask files are removed and the images made photo-like (exactly
    ``zero_pixel_fraction`` of their pixels are 0, see :func:`make_photo_like`); the layout
    becomes ``masks_dir == images_dir`` with suffix ``""``: each image's "mask" is itself.
    Shows: ``mask > 0`` is ~99.5 % foreground; the all-ones predictor scores Dice ~0.9975
    and accuracy ~0.995, exactly the "perfect" numbers of the original run.
    """
    changed = []
    for index, (image_path, mask_path) in enumerate(zip(case.images, case.masks, strict=True)):
        photo = make_photo_like(read_grey(image_path), zero_pixel_fraction)
        atomic_write_bytes(image_path, png_bytes(Image.fromarray(photo, mode="L")))
        if mask_path != image_path:
            mask_path.unlink()
        case.masks[index] = image_path
        changed.append(image_path)
    case.layout.masks_dir = case.layout.images_dir
    case.layout.mask_suffixes = ("",)
    return changed


def separate_masks_folder(case: CaseFiles, rng: np.random.Generator) -> list[Path]:
    """Move the masks to ``<case>/masks/`` under their image's stem (no suffix).

    Not a defect: the other common layout (``images/a.png`` + ``masks/a.png``), so the
    catalogue can combine it with the defects above.
    """
    masks_dir = case.root / "masks"
    masks_dir.mkdir(exist_ok=True)
    changed = []
    for index, (image_path, mask_path) in enumerate(zip(case.images, case.masks, strict=True)):
        if mask_path == image_path:
            raise ValueError("separate_masks_folder cannot follow mask_is_image")
        moved = masks_dir / f"{image_path.stem}{mask_path.suffix}"
        mask_path.replace(moved)
        case.masks[index] = moved
        changed.append(moved)
    case.layout.masks_dir = masks_dir
    case.layout.mask_suffixes = ("",)
    return changed


#: Every corruption :func:`build_case` knows, by the ``kind`` a catalogue entry names.
CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {function.__name__: function for function in (
    masks_0_1, jpeg_masks, resized_masks, antialiased_masks, rgb_masks, palette_masks,
    uint16_masks, float_masks, inverted_polarity, mostly_empty, tiny_objects, exact_duplicates,
    near_duplicates, size_mismatch, exif_rotated_images, narrow_range_images, nan_pixel,
    mask_is_image,
    separate_masks_folder, *layouts.LAYOUTS, flat_drive_folder, flat_drive_test_folder,
)} | LABEL_CORRUPTIONS | MASK_FILE_CORRUPTIONS | REGION_CORRUPTIONS | IMAGE_CORRUPTIONS | (
    GEOMETRY_CORRUPTIONS | SHAPE_CORRUPTIONS | FRAME_CORRUPTIONS | FILE_CORRUPTIONS
    | COLOUR_LABEL_CORRUPTIONS | ENCODING_LAYOUTS)

CASE_MANIFEST = "case.json"


def build_case(out_dir: Path | str, spec: SynthSpec, corruptions: list[dict],
               mask_suffix: str = "_mask") -> DatasetLayout:
    """Write a fresh dataset into ``<out_dir>/images`` and apply ``corruptions`` in order.

    Each corruption is ``{"kind": name, **params}`` with ``name`` in :data:`CORRUPTIONS`;
    an optional ``"seed"`` varies which files it picks (default 0). ``out_dir`` must be new
    or empty. ``<out_dir>/case.json`` records the spec, the corruptions, the files each one
    changed (relative to ``out_dir``) and the layout. Returns the layout a user would point
    unetdiag at.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     layout = build_case(folder, SynthSpec(n_pairs=4, size=32), [{"kind": "mask_is_image"}])
    ...     layout.images_dir == layout.masks_dir, layout.mask_suffixes
    (True, ('',))
    """
    out_dir = Path(out_dir)
    for position, corruption in enumerate(corruptions):
        kind = corruption.get("kind") if isinstance(corruption, dict) else None
        if kind not in CORRUPTIONS:
            raise ValueError(f"corruption {position}: unknown kind {kind!r}; known kinds: "
                             f"{', '.join(sorted(CORRUPTIONS))}")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise UserError(f"{out_dir}: build_case needs a new or empty folder",
                        ExitCode.OUTPUT_ERROR)
    images_dir = out_dir / "images"
    images_dir.mkdir(parents=True)
    pairs, _ = write_pairs(images_dir, spec, mask_suffix)
    case = CaseFiles(root=out_dir, spec=spec,
                     layout=DatasetLayout(images_dir, None, (mask_suffix,)),
                     images=[image for image, _ in pairs], masks=[mask for _, mask in pairs],
                     mask_suffix=mask_suffix, next_index=spec.n_pairs)
    for position, corruption in enumerate(corruptions):
        params = {key: value for key, value in corruption.items() if key not in ("kind", "seed")}
        rng = np.random.default_rng([spec.seed, CORRUPTION_STREAM, position,
                                     int(corruption.get("seed", 0))])
        function = CORRUPTIONS[corruption["kind"]]
        try:
            changed = function(case, rng, **params)
        except TypeError as error:
            raise ValueError(f"corruption {position} ({corruption['kind']}): bad parameters "
                             f"{sorted(params)}: {error}") from error
        case.changed.append({"kind": corruption["kind"], "params": params,
                             "files": [str(path.relative_to(out_dir)) for path in changed]})
    atomic_write_text(out_dir / CASE_MANIFEST, json.dumps(
        {"spec": spec.to_dict(), "corruptions": case.changed, "layout": case.layout.to_dict()},
        indent=2) + "\n")
    return case.layout
