"""Label maps told from intensity masks, one mask at a time.

An intensity mask holds two levels (0/255, 0/1, 0/65535), with at most a minority of values
in between along object edges (JPEG ringing, interpolation). A *label map* stores class
numbers: a few distinct whole numbers, each covering whole regions, stored losslessly: the
Oxford-IIIT Pet trimaps (1 = pet, 2 = background, 3 = border), CamVid's 0..11 (11 = void),
PASCAL VOC's palette indices (255 = void border). A threshold on such numbers means nothing,
so the audit describes their values and proposes a value policy
(:class:`~unetdiag.diag.data.policy.MaskPolicy` ``foreground_values`` / ``ignore_values``).

:func:`label_layout` judges one mask from the plane the decoder thresholds:

* palette labels with three or more indices, or with the void index 255, are label maps;
* gray integer masks with 3 to :data:`MAX_LABEL_VALUES` values are label maps when most of
  their pixels away from the two ends of the scale lie inside whole regions (a pixel whose
  eight neighbours all hold its value): compression and interpolation leave 1-2 pixel bands
  of in-between values, classes leave regions;
* so are masks with more values, 0 among them, whose values other than 0 and the largest
  lie inside whole regions (:func:`~unetdiag.diag.data.region_insides.regions_have_insides`):
  one number per object (instance label images) or many classes; when none of the values is
  large enough to have an inside, values that touch the background rather than one another
  (numbered specks, :data:`SPECK_CONTACT_SHARE`);
* any integer mask with 2 to :data:`MAX_LABEL_VALUES` values that the policy in force decodes
  to one class only ({1, 2}, {0, 38}, palette {0, 255}) is a label map too: its values are
  not the two levels of an intensity mask; so is a mask holding one value that is neither end
  of its scale (a trimap of background alone, all 2).

A mask whose file declares a no-data value (GeoTIFF's ``GDAL_NODATA`` tag) and holds it beside
a few whole numbers is a label raster with pixels outside its footprint
(:func:`nodata_layout`), whatever the number type (rasterio writes float32 labels 0.0/1.0
with -9999 outside the scene): the declared value is the file's own word that it is no class.

Colour masks are judged from their colours (:func:`colour_layout`): an RGB mask stored
losslessly with 2 to :data:`MAX_LABEL_VALUES` colours covering whole regions is a
colour-coded label map (CamVid's original release: 32 classes, one colour each), unless it
holds two colours the policy already splits into object and background (a red object on
black). Its brightest channel, which the decoder thresholds, is no class.

It also finds a *separator*: a minority value through which every boundary between the other
values passes (the trimap border 3, VOC's void band 255), the mark of a border or "don't care"
band drawn around every object.

>>> import numpy as np
>>> from unetdiag.diag.data.decoding import inspect_mask_values
>>> from unetdiag.diag.data.policy import MaskPolicy
>>> trimap = np.full((16, 16), 2, np.uint8); trimap[4:12, 4:12] = 3; trimap[6:10, 6:10] = 1
>>> layout = label_layout(inspect_mask_values(trimap, "PNG", "L", MaskPolicy()))
>>> layout.is_label_map, layout.counts, layout.separator
(True, {1: 16, 2: 192, 3: 48}, 3)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from unetdiag.diag.data.decoding import InspectedMask, scale_ends
from unetdiag.diag.data.policy import MaskPolicy
from unetdiag.diag.data.region_insides import (
    MIN_DISC_INSIDE,
    disc_inside,
    interior,
    regions_have_insides,
    value_insides,
)

#: Masks with more distinct values than this are not taken for label maps (a resized or
#: blurred 0/255 mask holds dozens of levels; few datasets label more classes per image).
MAX_LABEL_VALUES = 32
#: A gray mask is a label map when at least this share of its pixels away from the two ends
#: of its scale lies inside whole regions.
WHOLE_REGION_SHARE = 0.5
#: Fewest object numbers (values besides 0, below the scale's top) a mask of at most
#: :data:`MAX_LABEL_VALUES` values needs to be read as one number per object when its regions
#: are too small for the whole-region share (nuclei of radius 3-6 numbered 1 .. 11).
MIN_NUMBERED_OBJECTS = 3
#: Numbered specks, every object too small to have an inside (nuclei of 3x3 pixels): at most
#: this share of the contacts between different values may join two values other than 0.
#: Each speck touches the background only, where a soft mask's or a picture's values touch
#: one another (:func:`_numbered_specks`).
SPECK_CONTACT_SHARE = 0.1
#: Fewest values (ends included) a soft mask saved with a few grey levels is told by, the
#: share of its contacts that must join values next to each other, and the most its steps may
#: hold inside whole regions (median; :func:`soft_staircase`).
MIN_STAIRCASE_VALUES = 7
STAIRCASE_CONTACT_SHARE = 0.6
STAIRCASE_INSIDE_SHARE = 0.15
#: A value separates the others when at most this share of the contacts between different
#: values does not involve it (a few stray contacts are tolerated).
SEPARATOR_LEAK = 0.01
#: A separator is a band: it holds less than this share of the mask's pixels.
SEPARATOR_MAX_SHARE = 0.2
# Offsets of the four neighbour directions a contact is counted in (right, down, diagonals).
_CONTACT_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


@dataclass(frozen=True)
class LabelLayout:
    """The values of one integer mask and how they are laid out.

    Attributes:
        counts: pixels per stored value.
        whole_region_share: share of the pixels away from the scale's two ends that lie inside
            whole regions (NaN when every pixel is at an end, or not measured).
        separator: the value every boundary between the other values passes through, or None.
        is_label_map: the mask is a label map (see the module docstring).
    """

    counts: dict[int, int]
    whole_region_share: float
    separator: int | None
    is_label_map: bool


def _value_counts(inspected: InspectedMask) -> dict[int, int]:
    if inspected.value_counts is not None:
        return dict(inspected.value_counts)
    values, counts = np.unique(inspected.plane, return_counts=True)
    return {int(value): int(count) for value, count in zip(values, counts, strict=True)}


def whole_region_share(plane: np.ndarray, ends: tuple[float, float]) -> float:
    """Share of the pixels not at ``ends`` that lie inside whole regions (NaN: none, or the
    plane is too small to have an inside).

    >>> import numpy as np
    >>> labels = np.zeros((8, 8), np.uint8); labels[2:7, 2:7] = 5
    >>> whole_region_share(labels, (0, 255))
    0.36
    """
    if min(plane.shape) < 3:
        return math.nan
    core = plane[1:-1, 1:-1]
    between = (core != ends[0]) & (core != ends[1])
    count = int(np.count_nonzero(between))
    if count == 0:
        return math.nan
    return int(np.count_nonzero(between & interior(plane))) / count


def separator_value(plane: np.ndarray, counts: dict[int, int]) -> int | None:
    """The minority value through which all boundaries between the other values pass.

    >>> import numpy as np
    >>> voc = np.zeros((11, 11), np.uint8); voc[3:8, 3:8] = 255; voc[4:7, 4:7] = 1
    >>> separator_value(voc, {0: 96, 1: 9, 255: 16})
    255
    """
    if len(counts) < 3:
        return None
    low_values, high_values, contacts = _contacts(plane)
    total = int(contacts.sum())
    if total == 0:
        return None
    pixels = sum(counts.values())
    commonest = max(counts, key=counts.__getitem__)
    for value in sorted(counts):
        if value == commonest or counts[value] >= SEPARATOR_MAX_SHARE * pixels:
            continue
        involved = (low_values == value) | (high_values == value)
        if not involved.any():
            continue
        neighbours = set(low_values[involved].tolist()) | set(high_values[involved].tolist())
        if len(neighbours - {value}) < 2:
            continue  # a value touching one other value separates nothing
        if int(contacts[~involved].sum()) <= SEPARATOR_LEAK * total:
            return int(value)
    return None


def _contacts(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(low, high, count)``: each pair of different values that touch (in the four
    :data:`_CONTACT_SHIFTS` directions), lower value first, and how often."""
    codes = []
    height, width = plane.shape
    wide = plane.astype(np.int64)
    for dy, dx in _CONTACT_SHIFTS:
        first = wide[:height - dy, max(0, -dx):width - max(0, dx)]
        second = wide[dy:, max(0, dx):width - max(0, -dx)]
        differ = first != second
        low = np.minimum(first[differ], second[differ])
        high = np.maximum(first[differ], second[differ])
        codes.append(low * (1 << 32) + high)
    pairs, contacts = np.unique(np.concatenate(codes), return_counts=True)
    return pairs >> 32, pairs & ((1 << 32) - 1), contacts


def soft_staircase(plane: np.ndarray, counts: dict[int, int]) -> bool:
    """A soft mask saved with a few grey levels: :data:`MIN_STAIRCASE_VALUES` or more values
    equally spaced (0, 36, 72 .. 252: a blurred or anti-aliased mask quantised to 8 levels),
    most contacts (:data:`STAIRCASE_CONTACT_SHARE`) between values next to each other in
    that order, as the steps of a gradient are, and the values between the lowest and the
    highest rings with next to no inside (median share inside whole regions below
    :data:`STAIRCASE_INSIDE_SHARE`). Classes touch whichever classes lie beside them (8
    classes as blobs: 14-24 % of contacts between neighbouring values; a Gaussian blur of
    sigma 1.5 quantised to 8 levels: 72 %, sigma 1: 47 %, whose rings are too thin for the
    whole-region share anyway); a retina's layers 0 .. 8, stacked, touch only the next but
    are bands 4 pixels thick or more (median inside share 0.45 and up; the blurs' rings: 0
    to 0.07).

    >>> import numpy as np
    >>> ramp = np.arange(0, 252, 36, dtype=np.uint8)[None].repeat(8, axis=0)
    >>> soft_staircase(ramp, {int(v): 8 for v in range(0, 252, 36)})
    True
    >>> side_by_side = ramp[:, [0, 3, 1, 4, 2, 5, 6]]  # the same values in no order
    >>> soft_staircase(side_by_side, {int(v): 8 for v in range(0, 252, 36)})
    False
    """
    values = np.array(sorted(counts))
    if values.size < MIN_STAIRCASE_VALUES:
        return False
    steps = np.diff(values)
    if int(steps.max() - steps.min()) > 1:  # rounding of 255 / levels leaves steps of 1 apart
        return False
    low, high, contacts = _contacts(plane)
    total = int(contacts.sum())
    if total == 0:
        return False
    ranks = np.searchsorted(values, high) - np.searchsorted(values, low)
    if int(contacts[ranks == 1].sum()) < STAIRCASE_CONTACT_SHARE * total:
        return False
    # steps of a gradient are rings with next to no inside; layers stacked in order (a
    # retina's, 0 .. 8, each touching the next) are bands with one
    core = plane[1:-1, 1:-1]
    inside = core[interior(plane)]
    steps_inside = [np.count_nonzero(inside == value) / max(1, np.count_nonzero(core == value))
                    for value in values[1:-1].tolist()]
    return float(np.median(steps_inside)) < STAIRCASE_INSIDE_SHARE


def label_layout(inspected: InspectedMask) -> LabelLayout | None:
    """The :class:`LabelLayout` of a mask that may be a label map; None for masks that
    cannot be one (lossy, colour, float other than :func:`whole_number_floats`, one value at
    an end of the scale, more than :data:`MAX_LABEL_VALUES` values not in whole regions) and
    for plain two-level masks the policy splits into two classes."""
    encoding = inspected.encoding
    plane = inspected.plane
    if (encoding.lossy or encoding.is_colour or encoding.distinct_values < 1
            or (plane.dtype.kind not in "ui" and not whole_number_floats(inspected))):
        return None
    if encoding.distinct_values > MAX_LABEL_VALUES:
        return _numbered_objects_layout(inspected)
    if encoding.distinct_values == 1:
        value = int(encoding.min_value)
        ends = scale_ends(encoding.scale, encoding.min_value, encoding.max_value)
        if value in ends or encoding.palette == "labels":
            return None
        return LabelLayout({value: plane.size}, math.nan, None, True)
    usable = plane.size - inspected.ignored_count
    foreground = inspected.foreground_count()
    one_class = foreground in (0, usable)
    palette = encoding.palette == "labels"
    if encoding.distinct_values == 2 and not one_class and not (
            palette and int(encoding.max_value) == 255):
        return None
    counts = _value_counts(inspected)
    if palette:
        share = math.nan
        is_label_map = True
    else:
        share = whole_region_share(plane, scale_ends(encoding.scale, encoding.min_value,
                                                     encoding.max_value))
        # a blurred mask quantised to a few levels: wide steps have an inside, yet are no class
        staircase = not one_class and soft_staircase(plane, counts)
        is_label_map = one_class or (len(counts) >= 3 and share >= WHOLE_REGION_SHARE
                                     and not staircase)
        if not is_label_map and not staircase and len(counts) >= MIN_NUMBERED_OBJECTS + 1:
            # small objects numbered 1 .. n (nuclei of radius 3-6) have little inside: judged
            # against a disc of their area, as masks of more values are
            numbered = _numbered_objects_layout(inspected, skip_ends=True)
            if numbered is not None:
                return numbered
    return LabelLayout(counts=counts, whole_region_share=share,
                       separator=separator_value(plane, counts) if is_label_map else None,
                       is_label_map=is_label_map)


def whole_number_floats(inspected: InspectedMask) -> bool:
    """True for a float plane that is the integer map it equals: 1 to :data:`MAX_LABEL_VALUES`
    distinct values, all finite whole numbers an int32 holds (class maps exported as float32
    TIFF or NIfTI). It keeps its own float scale
    (:func:`~unetdiag.diag.data.mask_scales.scale_ends`): within 0..255 the ends and midpoint
    of an 8-bit copy, so the policy decodes it as it decodes that copy.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import inspect_mask_values
    >>> classes = np.zeros((8, 8), np.float32); classes[2:6, 2:6] = 2; classes[3:5, 3:5] = 3
    >>> whole_number_floats(inspect_mask_values(classes, "TIFF", "F", MaskPolicy()))
    True
    >>> whole_number_floats(inspect_mask_values(classes / 4, "TIFF", "F", MaskPolicy()))
    False
    """
    encoding = inspected.encoding
    plane = inspected.plane
    if (plane.dtype.kind != "f" or encoding.nonfinite_count
            or not 1 <= encoding.distinct_values <= MAX_LABEL_VALUES):
        return False
    # the encoding lists up to 16 values: a float 0/1 mask costs no pass over its pixels
    listed = len(encoding.values) >= encoding.distinct_values
    values = np.asarray(encoding.values, dtype=np.float64) if listed else np.unique(plane)
    return bool(np.all(values == np.round(values)) and np.all(np.abs(values) < 2 ** 31))


def nodata_layout(inspected: InspectedMask, nodata: float) -> LabelLayout | None:
    """The :class:`LabelLayout` of a mask that holds ``nodata``, the finite no-data value its
    file declares, beside other values, all of them at most :data:`MAX_LABEL_VALUES` whole
    numbers (integer or float storage), stored losslessly in one plane, most of those away
    from the scale's ends inside whole regions; None otherwise
    (:func:`label_layout` judges it then). Two values suffice ({0, 255} on a tile without
    objects): the declared value is no level of an intensity mask.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import inspect_mask_values
    >>> labels = np.zeros((16, 16), np.float32); labels[:, :5] = -9999; labels[10:, 10:] = 1
    >>> nodata_layout(inspect_mask_values(labels, "TIFF", "F", MaskPolicy()), -9999).counts
    {-9999: 80, 0: 140, 1: 36}
    """
    encoding = inspected.encoding
    plane = inspected.plane
    if (not math.isfinite(nodata) or nodata != round(nodata) or encoding.lossy
            or encoding.is_colour or plane.dtype.kind not in "uif"
            or encoding.nonfinite_count or not 2 <= encoding.distinct_values <= MAX_LABEL_VALUES):
        return None
    if plane.dtype.kind == "f":
        values, pixels = np.unique(plane, return_counts=True)
        if not (np.all(values == np.round(values)) and np.all(np.abs(values) < 2 ** 31)):
            return None
        counts = {int(value): int(count) for value, count in zip(values, pixels, strict=True)}
    else:
        counts = _value_counts(inspected)
    if int(nodata) not in counts:
        return None
    share = whole_region_share(plane, scale_ends(encoding.scale, encoding.min_value,
                                                 encoding.max_value))
    if share < WHOLE_REGION_SHARE:  # NaN (every pixel at an end) passes
        return None
    return LabelLayout(counts=counts, whole_region_share=share,
                       separator=separator_value(plane, counts), is_label_map=True)


def _numbered_objects_layout(inspected: InspectedMask,
                             skip_ends: bool = False) -> LabelLayout | None:
    """A mask with more than :data:`MAX_LABEL_VALUES` whole numbers, 0 among them, each
    covering whole regions: one number per object (an instance label image: Cellpose,
    StarDist, the Cell Tracking Challenge) or many classes. None when its values do not
    (resampled, anti-aliased or soft masks). ``skip_ends``: the scale's top is not judged
    (a mask of few values: 0/128/255 with 255 a filled object and 128 its anti-aliased rim
    would pass on the object alone), and at least :data:`MIN_NUMBERED_OBJECTS` values must be.

    Judged value by value: in a soft mask (a distance-decay halo, a heat map) the steep values
    are rings one pixel wide, while every object of an instance image is a blob with an
    inside. A small blob has little inside (a disc of radius 3 under a third of its pixels),
    so each value's share of pixels inside whole regions is taken relative to that of a disc
    of its area, and the median over the values large enough to have an inside must reach
    :data:`~unetdiag.diag.data.region_insides.NUMBERED_OBJECTS_REGION_SHARE` (instance maps
    of discs of radius 2-5: 0.49-0.77;
    blurred masks, halos and probability maps: 0). When no value is large enough to be judged,
    :func:`_numbered_specks` decides.
    """
    encoding = inspected.encoding
    plane = inspected.plane
    if encoding.palette == "labels" or encoding.min_value != 0 or min(plane.shape) < 3:
        return None
    sizes, inside, judged = value_insides(plane)
    if skip_ends:
        top = scale_ends(encoding.scale, encoding.min_value, encoding.max_value)[1]
        judged[int(top):] = False
        if np.count_nonzero(judged) < MIN_NUMBERED_OBJECTS:
            return None
    if not judged.any():
        return None if skip_ends else _numbered_specks(inspected, sizes, inside)
    if not regions_have_insides(sizes, inside, judged):
        return None
    present = sizes > 0
    return LabelLayout(counts=_value_counts(inspected),
                       whole_region_share=float(np.median(inside[present] / sizes[present])),
                       separator=None, is_label_map=True)


def too_small_for_an_inside(pixels: np.ndarray) -> np.ndarray:
    """Whether a value held by so many pixels in a mask is too small to be judged by its
    inside (:data:`MIN_DISC_INSIDE`): a speck of at most 13 pixels."""
    return disc_inside(pixels) < MIN_DISC_INSIDE


def _numbered_specks(inspected: InspectedMask, sizes: np.ndarray,
                     inside: np.ndarray) -> LabelLayout | None:
    """A mask of many values none of which is large enough to have an inside: one number
    per speck (dense nuclei a few pixels across) when at least :data:`MIN_NUMBERED_OBJECTS`
    values besides 0 are held and at most :data:`SPECK_CONTACT_SHARE` of the contacts
    between different values join two values other than 0; None otherwise.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import inspect_mask_values
    >>> specks = np.zeros((40, 40), np.uint16)
    >>> for number in range(64):
    ...     row, column = divmod(number, 8)
    ...     specks[row * 5 + 1:row * 5 + 4, column * 5 + 1:column * 5 + 4] = number + 1
    >>> label_layout(inspect_mask_values(specks, "TIFF", "I;16", MaskPolicy())).is_label_map
    True
    """
    if np.count_nonzero(sizes) < MIN_NUMBERED_OBJECTS:
        return None
    low, _high, contacts = _contacts(inspected.plane)
    total = int(contacts.sum())
    if total == 0 or int(contacts[low != 0].sum()) > SPECK_CONTACT_SHARE * total:
        return None
    present = sizes > 0
    return LabelLayout(counts=_value_counts(inspected),
                       whole_region_share=float(np.median(inside[present] / sizes[present])),
                       separator=None, is_label_map=True)


def read_by_numbering(inspected: InspectedMask, policy: MaskPolicy) -> LabelLayout | None:
    """The layout of a gray label map read under a threshold that leaves some of its labelled
    values (not 0, not ignored) background: which of them train as foreground then depends
    on their numbers. None for palette labels (read by the index rule), for a policy by
    values, for masks that are not label maps, and when every labelled value is foreground.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import inspect_mask_values
    >>> numbered = np.zeros((12, 12), np.uint8); numbered[2:6, 2:6] = 1; numbered[7:11, 7:11] = 2
    >>> numbered[2:6, 7:11] = 3
    >>> read_by_numbering(inspect_mask_values(numbered, "PNG", "L", MaskPolicy()),
    ...                   MaskPolicy()).counts
    {0: 96, 1: 16, 2: 16, 3: 16}
    >>> every = MaskPolicy(threshold=0)
    >>> read_by_numbering(inspect_mask_values(numbered, "PNG", "L", every), every) is None
    True
    """
    if policy.by_values or inspected.encoding.palette == "labels":
        return None
    layout = label_layout(inspected)
    if layout is None or not layout.is_label_map:
        return None
    labelled = sum(count for value, count in layout.counts.items()
                   if value != 0 and value not in policy.ignore_values)
    return layout if inspected.foreground_count() < labelled else None


def colour_code(red: int, green: int, blue: int) -> int:
    """One integer per colour: ``red << 16 | green << 8 | blue``.

    >>> colour_code(128, 64, 0), colour_rgb(8404992)
    (8404992, (128, 64, 0))
    """
    return (red << 16) | (green << 8) | blue


def colour_rgb(code: int) -> tuple[int, int, int]:
    """The ``(red, green, blue)`` of a :func:`colour_code`."""
    return (code >> 16) & 0xFF, (code >> 8) & 0xFF, code & 0xFF


def colour_layout(values: np.ndarray, inspected: InspectedMask) -> LabelLayout | None:
    """The :class:`LabelLayout` of a colour mask (``values`` as stored, HxWx3 or HxWx4,
    8-bit) whose colours are classes; counts are keyed by :func:`colour_code`. None for
    lossy masks, masks with more than :data:`MAX_LABEL_VALUES` colours or without whole
    regions, and two-colour masks the policy splits into two classes.

    >>> import numpy as np
    >>> from unetdiag.diag.data.decoding import inspect_mask_values
    >>> from unetdiag.diag.data.policy import MaskPolicy
    >>> scene = np.zeros((8, 8, 3), np.uint8); scene[:4] = (128, 128, 128)
    >>> scene[4:, :4] = (128, 64, 128); scene[4:, 4:] = (64, 0, 128)
    >>> layout = colour_layout(scene, inspect_mask_values(scene, "PNG", "RGB", MaskPolicy()))
    >>> layout.is_label_map, sorted(colour_rgb(code) for code in layout.counts)
    (True, [(64, 0, 128), (128, 64, 128), (128, 128, 128)])
    """
    encoding = inspected.encoding
    if (encoding.lossy or values.ndim != 3 or values.shape[2] < 3 or values.dtype != np.uint8
            or not encoding.is_colour):
        return None
    rgb = values[:, :, :3].astype(np.int64)
    codes = (rgb[:, :, 0] << 16) | (rgb[:, :, 1] << 8) | rgb[:, :, 2]
    found, pixels = np.unique(codes, return_counts=True)
    if not 2 <= found.size <= MAX_LABEL_VALUES:
        return None
    if found.size == 2 and inspected.foreground_count() not in (
            0, values.shape[0] * values.shape[1] - inspected.ignored_count):
        return None
    share = whole_region_share(codes, (-1, -1))  # every pixel is "between": all are judged
    if not share >= WHOLE_REGION_SHARE:
        return None
    counts = {int(code): int(count) for code, count in zip(found, pixels, strict=True)}
    return LabelLayout(counts=counts, whole_region_share=share, separator=None,
                       is_label_map=True)
