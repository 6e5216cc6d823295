"""How much of each value of an integer plane lies inside whole regions, judged against a disc
of its area: the evidence that tells numbered objects (each value a blob with an inside) from
the rings and bands of a resampled, anti-aliased or soft mask.

It reads the plane alone, so the scale of a mask (:mod:`unetdiag.diag.data.mask_scales`) can
be judged by it before the mask is decoded, as the label maps are
(:mod:`unetdiag.diag.data.labelmaps`).
"""

from __future__ import annotations

import math

import numpy as np

#: Values are numbered objects when the median value has at least this share of its pixels
#: inside whole regions, relative to a disc of its area: a nucleus of radius 5 holds about
#: 60 % of its pixels inside (less where objects touch), while the values of a resampled,
#: anti-aliased or soft mask are bands or rings, most of them one or two pixels wide.
NUMBERED_OBJECTS_REGION_SHARE = 0.3
#: A value is judged only when a disc of its area would have at least this share of its
#: pixels inside (radius about 2, 13 pixels): smaller specks have too little inside to show.
MIN_DISC_INSIDE = 0.1
#: Numbered specks (every value too small to be judged: nuclei a few pixels across, each its
#: own number): at most this share of the 4-neighbour contacts between different values may
#: join two values other than 0 (each speck touches the background only)...
SPECK_CONTACT_SHARE = 0.1
#: ...and at least this share of the labelled pixels has a 4-neighbour of its own value (a
#: speck of several pixels; salt noise scatters each value in single pixels).
SPECK_JOINED_SHARE = 0.5


def interior(plane: np.ndarray) -> np.ndarray:
    """Pixels (of the plane without its outer ring) whose eight neighbours hold their value."""
    height, width = plane.shape
    core = plane[1:-1, 1:-1]
    same = np.ones(core.shape, dtype=bool)
    for dy in range(3):
        for dx in range(3):
            if (dy, dx) != (1, 1):
                same &= plane[dy:dy + height - 2, dx:dx + width - 2] == core
    return same


def disc_inside(sizes: np.ndarray) -> np.ndarray:
    """The share of a disc of each area (pixels) whose eight neighbours are in it: the pixels
    within about radius r - √2."""
    radius = np.sqrt(np.asarray(sizes, dtype=float) / np.pi)
    return np.clip(1 - math.sqrt(2) / np.maximum(radius, 1), 0, None) ** 2


def value_insides(plane: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per value of a non-negative integer plane of at least 3x3 pixels (index = value; 0
    left out): its pixels and those inside whole regions, over the plane without its outer
    ring, and whether a disc of its area is large enough to be judged
    (:data:`MIN_DISC_INSIDE`)."""
    core = plane[1:-1, 1:-1].astype(np.int64, copy=False)
    labelled = core != 0
    sizes = np.bincount(core[labelled].ravel())
    inside = np.bincount(core[labelled & interior(plane)].ravel(), minlength=sizes.size)
    return sizes, inside, disc_inside(sizes) >= MIN_DISC_INSIDE


def regions_have_insides(sizes: np.ndarray, inside: np.ndarray, judged: np.ndarray) -> bool:
    """Whether the judged values' median share of pixels inside, relative to a disc of their
    area, reaches :data:`NUMBERED_OBJECTS_REGION_SHARE` (False when none is judged)."""
    if not judged.any():
        return False
    relative = inside[judged] / (sizes[judged] * disc_inside(sizes[judged]))
    return bool(np.median(relative) >= NUMBERED_OBJECTS_REGION_SHARE)


def numbered_regions(plane: np.ndarray, fewest: int) -> bool:
    """Whether a non-negative integer plane holds 0 and at least ``fewest`` other values large
    enough to be judged, each a region with an inside (:func:`regions_have_insides`).

    >>> numbered = np.zeros((40, 40), np.uint16)
    >>> for number in range(1, 5):
    ...     numbered[2:38, number * 9 - 7:number * 9] = number * 40
    >>> numbered_regions(numbered, 3)
    True
    >>> rims = np.zeros((40, 40), np.uint16); rims[10:30, 10:30] = 255
    >>> rims[10:30, 10] = 128; rims[10, 10:30] = 64; rims[29, 10:30] = 32; rims[10:30, 29] = 16
    >>> numbered_regions(rims, 3)
    False
    """
    if min(plane.shape) < 3 or not np.any(plane == 0):
        return False
    sizes, inside, judged = value_insides(plane)
    if np.count_nonzero(judged) < fewest:
        return False
    return regions_have_insides(sizes, inside, judged)


def numbered_specks(plane: np.ndarray, fewest: int) -> bool:
    """Whether a non-negative integer plane holds 0 and at least ``fewest`` other values, none
    large enough to be judged by its inside (:data:`MIN_DISC_INSIDE`), each in specks of
    several pixels that touch the background, not one another (:data:`SPECK_CONTACT_SHARE`,
    :data:`SPECK_JOINED_SHARE`): numbered objects too small for :func:`numbered_regions`.

    >>> specks = np.zeros((40, 40), np.uint8)
    >>> for number in range(64):
    ...     row, column = divmod(number, 8)
    ...     specks[row * 5 + 1:row * 5 + 4, column * 5 + 1:column * 5 + 4] = number + 100
    >>> numbered_specks(specks, 3), numbered_regions(specks, 3)
    (True, False)
    >>> salt = np.zeros((40, 40), np.uint8); salt[::3, ::3] = np.arange(1, 197).reshape(14, 14)
    >>> numbered_specks(salt, 3)
    False
    """
    if min(plane.shape) < 2 or not np.any(plane == 0):
        return False
    sizes = np.bincount(plane.ravel().astype(np.int64, copy=False))[1:]
    present = sizes > 0
    if np.count_nonzero(present) < fewest or (
            disc_inside(sizes[present]) >= MIN_DISC_INSIDE).any():
        return False
    labelled = plane != 0
    joined = np.zeros(plane.shape, dtype=bool)
    between = differing = 0
    for first, second in ((plane[:, :-1], plane[:, 1:]), (plane[:-1], plane[1:])):
        differ = first != second
        differing += int(np.count_nonzero(differ))
        between += int(np.count_nonzero(differ & (first != 0) & (second != 0)))
        same = ~differ & (first != 0)
        if first.shape[1] < plane.shape[1]:
            joined[:, :-1] |= same
            joined[:, 1:] |= same
        else:
            joined[:-1] |= same
            joined[1:] |= same
    return bool(differing and between <= SPECK_CONTACT_SHARE * differing
                and np.count_nonzero(joined) >= SPECK_JOINED_SHARE * np.count_nonzero(labelled))
