"""Catalogue corruptions that store class numbers as colours, as public releases do.

* :func:`ade20k_masks`: the ADE20K full release's ``_seg.png`` encoding, the class in red and
  green (class = R / 10 * 256 + G) and each object instance numbered in blue.
* :func:`voc_grey_masks`: PASCAL VOC's palette masks read as grey and saved again, each class
  its colour's luminance, the void border 220.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from unetdiag.diag.synth.case import CaseFiles, read_mask, replace_file

#: ADE20K full-index class numbers used by :func:`ade20k_masks` (above 255, so red carries
#: part of them): a wall as the background, a person as the object.
ADE20K_WALL = 2978
ADE20K_PERSON = 1831
#: A part class of :func:`ade20k_masks`' part masks (a person's head).
ADE20K_HEAD = 1208


def ade20k_colour(classes: np.ndarray, instances: np.ndarray) -> np.ndarray:
    """The RGB pixels ADE20K stores for ``classes`` and ``instances`` (R = class // 256 * 10,
    G = class % 256, B = instance).

    >>> ade20k_colour(np.array([1831]), np.array([4])).tolist()
    [[70, 39, 4]]
    """
    pixels = np.zeros((*classes.shape, 3), dtype=np.uint8)
    pixels[..., 0] = classes // 256 * 10
    pixels[..., 1] = classes % 256
    pixels[..., 2] = instances
    return pixels


def ade20k_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                 count: int | None = None, background: int = ADE20K_WALL,
                 obj: int = ADE20K_PERSON, parts: bool = False) -> list[Path]:
    """Masks stored as ADE20K's full release stores them: RGB PNG, the class number in red
    and green (class = R / 10 * 256 + G), blue numbering each object instance; here the
    background is class ``background`` (instance 1) and each object (8-connected) class
    ``obj``, instances numbered from 2. With ``parts``, each mask holding an object also gets
    a part mask beside its image, ``<image>_parts_1.png`` (the object's top half as
    :data:`ADE20K_HEAD`, one instance per object, the rest 0), as ADE20K ships for images
    with parts.

    Simulates: the ADE20K full release's ``ADE_train_*_seg.png`` (CSAILVision/ADE20K#14:
    ``ObjectClassMasks = (R/10).astype(np.int32)*256+(G.astype(np.int32))``). Shows: one
    class as several colours (one per instance) sharing a brightest channel: no threshold
    or value policy selects it; the masks must be converted to class numbers first.
    """
    changed = []
    for index in case.pair_indices(rng, fraction, count):
        old = case.masks[index]
        foreground = read_mask(old)
        objects, found = ndimage.label(foreground, structure=np.ones((3, 3), dtype=bool))
        classes = np.where(foreground, obj, background).astype(np.int64)
        instances = np.where(foreground, objects + 1, 1).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(ade20k_colour(classes, instances), mode="RGB").save(buffer, "PNG")
        case.masks[index] = replace_file(old, old.with_suffix(".png"), buffer.getvalue())
        changed.append(case.masks[index])
        if parts and found:
            changed.append(_part_mask(case.images[index], objects))
    if parts:  # the folder given alone, as an ADE20K user does: finding the pairs is ours
        case.layout.mask_suffixes = ()
    return changed


def _part_mask(image: Path, objects: np.ndarray) -> Path:
    """``<image>_parts_1.png`` beside ``image``: the top half of each object as a head."""
    rows = np.arange(objects.shape[0])[:, None]
    heads = np.zeros_like(objects)
    for number, found in enumerate(ndimage.find_objects(objects), start=1):
        middle = (found[0].start + found[0].stop) // 2
        heads[(objects == number) & (rows < middle)] = number
    path = image.with_name(f"{image.stem}_parts_1.png")
    Image.fromarray(ade20k_colour(np.where(heads > 0, ADE20K_HEAD, 0), heads.astype(np.uint8)),
                    mode="RGB").save(path)
    return path


def voc_grey_masks(case: CaseFiles, rng: np.random.Generator, fraction: float = 1.0,
                   count: int | None = None, classes: tuple[int, ...] = (1, 8, 15),
                   band: int = 3) -> list[Path]:
    """Masks as PASCAL VOC's palette PNGs become when read as grey and saved again: each
    object (8-connected) one of VOC's ``classes``, stored as its colour's luminance
    (aeroplane 38, cat 19, person 147), with the void border (224, 224, 192), grey 220,
    ``band`` pixels wide round it, on 0.

    Simulates: ``cv2.imread(mask, cv2.IMREAD_GRAYSCALE)`` on VOC's SegmentationClass
    (yu-changqian/TorchSeg#65). Shows: a few values far from class numbers, a band round
    every object; read as instance numbers or with every value an object, the void is
    trained as object.
    """
    from unetdiag.diag.audit.voc_grey import VOC_VOID, luminance, voc_colour

    changed = []
    for index in case.pair_indices(rng, fraction, count):
        old = case.masks[index]
        foreground = read_mask(old)
        objects, found = ndimage.label(foreground, structure=np.ones((3, 3), dtype=bool))
        greys = np.array([0] + [luminance(voc_colour(int(rng.choice(classes))))
                                for _ in range(found)], dtype=np.uint8)
        labels = greys[objects]
        outline = ndimage.binary_dilation(foreground, iterations=band) & ~foreground
        labels[outline] = luminance(voc_colour(VOC_VOID))
        buffer = io.BytesIO()
        Image.fromarray(labels, mode="L").save(buffer, "PNG")
        case.masks[index] = replace_file(old, old.with_suffix(".png"), buffer.getvalue())
        changed.append(case.masks[index])
    return changed


#: The colour-coded class corruptions, by the ``kind`` a catalogue entry names.
COLOUR_LABEL_CORRUPTIONS: dict[str, Callable[..., list[Path]]] = {
    function.__name__: function for function in (ade20k_masks, voc_grey_masks)}
