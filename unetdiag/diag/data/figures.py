"""Masks that are figures: ``plt.imshow(mask); plt.savefig(path)`` writes the whole figure,
axes, ticks and white margins around a colour-mapped picture of the mask, at the figure's size
(matplotlib's default figure is 6.4x4.8 inches: 640x480 pixels at its default 100 dpi), not
the mask's.

Sizes point at a figure (:func:`figure_dpi`); the margins and what they frame confirm it
(:func:`looks_like_figure`, which reads one file): white margins alone are what an inverted
binary mask (white background, dark objects inside) resized to 640x480 has too, so the
picture inside must also hold what a mask of a few grey values does not: colour (a colour
map) or many grey levels (anti-aliased ticks and labels). ``savefig(transparent=True)`` leaves
the margins transparent (alpha 0) over whatever colour the writer put under them: transparent
pixels count as white margin.

``plt.savefig(path, bbox_inches="tight")`` (with ``plt.axis("off")``) crops the figure to the
picture plus ``pad_inches`` (0.1 inch: 10 px at 100 dpi) of white on every side, at a size of
its own: :func:`padded_picture` finds such a padding, of one width on all four sides, round a
picture whose own edge is not white and whose shape is its image's, in a file of the kind
matplotlib writes (RGBA, or RGB JPEG and WebP): a grey mask with a white frame is not one.

>>> figure_dpi((640, 480)), figure_dpi((1920, 1440)), figure_dpi((614, 460)), figure_dpi((96, 96))
(100, 300, 96, None)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image

from unetdiag.diag.data.reading import ImageReadError, read_image

#: matplotlib's default figure size in inches (``rcParams["figure.figsize"]``).
FIGURE_INCHES = (6.4, 4.8)
#: Resolutions figures are commonly saved at (``savefig(dpi=...)``; 100 is the default).
COMMON_DPI = (72, 80, 96, 100, 120, 150, 200, 300)
#: The margin looked at, as a share of each side (matplotlib's axes leave 12.5 % left and
#: 10 % right of the default figure, more beside a square picture).
MARGIN_SHARE = 0.05
#: Channels at or above this (of 1.0) are white; matplotlib's facecolor is exactly white.
WHITE = 0.96
#: Share of the margin's pixels that must be white (tick labels and the axes' frame may
#: reach into it).
WHITE_MARGIN_SHARE = 0.95
#: A pixel is coloured when its channels differ by more than this (of 1.0); a figure is
#: coloured when this share of its inside is.
COLOURED, COLOURED_SHARE = 0.1, 0.01
#: More distinct grey levels than this is no mask of a few values.
FEW_LEVELS = 8


def figure_dpi(size: tuple[int, int]) -> int | None:
    """The common dpi at which matplotlib's default figure has ``size`` (width, height) in
    pixels (it truncates: 6.4 x 96 = 614.4 gives 614), else None."""
    for dpi in COMMON_DPI:
        if size == (math.floor(FIGURE_INCHES[0] * dpi + 1e-9),
                    math.floor(FIGURE_INCHES[1] * dpi + 1e-9)):
            return dpi
    return None


def looks_like_figure(path: Path | str) -> bool | None:
    """Whether the file's outer frame (:data:`MARGIN_SHARE` of each side) is white while
    its inside is not, and the inside is coloured or holds more than :data:`FEW_LEVELS`
    grey levels (module doc); None when it cannot be read."""
    try:
        pixels = read_image(path, channels=3)
    except (ImageReadError, OSError, ValueError):  # a folder of object masks, a missing file
        return None
    height, width = pixels.shape[:2]
    rows, columns = max(1, round(height * MARGIN_SHARE)), max(1, round(width * MARGIN_SHARE))
    if height <= 2 * rows or width <= 2 * columns:
        return False
    white = np.all(pixels >= WHITE, axis=2)
    clear = _transparent(path)
    if clear is not None and clear.shape == white.shape:
        white |= clear  # savefig(transparent=True): the margins are alpha 0
    frame = np.ones_like(white)
    frame[rows:-rows, columns:-columns] = False
    inside_white = white[~frame].mean()
    if not (white[frame].mean() >= WHITE_MARGIN_SHARE and inside_white < WHITE_MARGIN_SHARE):
        return False
    inside = pixels[rows:-rows, columns:-columns]
    coloured = (inside.max(axis=2) - inside.min(axis=2) > COLOURED).mean() >= COLOURED_SHARE
    levels = len(np.unique(np.round(inside[..., 0] * 255).astype(np.uint8)))
    return bool(coloured or levels > FEW_LEVELS)


#: The padding of a tight figure: at least this many pixels, at most this share of the shorter
#: side (``pad_inches=0.1`` at 100 dpi is 10 px; at 300 dpi 30 px).
PADDING_PIXELS, PADDING_SHARE = 2, 0.15
#: The picture inside the padding has its image's aspect ratio within this share.
ASPECT_TOLERANCE = 0.02


def _white_rows(white: np.ndarray) -> int:
    """How many rows from the top are white in every pixel."""
    whole = white.all(axis=1)
    return int(np.argmin(whole)) if not whole.all() else len(whole)


def padded_picture(path: Path | str, image_size: tuple[int, int]) -> int | None:
    """The padding's width in pixels when the file is a picture inside a white (or
    transparent) padding of one width on every side, as ``savefig(bbox_inches="tight")``
    writes: each side's band is that width to a pixel, at least :data:`PADDING_PIXELS` and at
    most :data:`PADDING_SHARE` of the shorter side; the row or column just inside each band is
    mostly not white (the picture's own edge, where a mask with a white background would
    carry on white); and the picture has the shape of its image (``image_size``, width and
    height) within :data:`ASPECT_TOLERANCE` at another size; and the file is of a kind
    matplotlib writes (:func:`_written_as_figures_are`). None otherwise, or when the file
    cannot be read."""
    white = _figure_white_or_clear(path)
    if white is None:
        return None
    bands = [_white_rows(view) for view in (white, white[::-1], white.T, white.T[::-1])]
    height, width = white.shape
    pad = min(bands)
    if max(bands) - pad > 1 or pad < PADDING_PIXELS or pad > PADDING_SHARE * min(height, width):
        return None
    top, bottom, left, right = bands
    inside = white[top:height - bottom, left:width - right]
    edges = (inside[0], inside[-1], inside[:, 0], inside[:, -1])
    if any(edge.mean() > 0.5 for edge in edges):
        return None
    fits = padded_shape_fits((width, height), image_size, (left + right, top + bottom))
    return pad if fits else None


def padded_shape_fits(mask_size: tuple[int, int], image_size: tuple[int, int],
                      padding: tuple[int, int]) -> bool:
    """Whether a mask of ``mask_size`` (width, height) less ``padding`` (pixels across and
    down, both sides together) holds a picture of its image's shape (``image_size``) within
    :data:`ASPECT_TOLERANCE`, at another size: the sizes alone, no pixel read."""
    picture_width, picture_height = mask_size[0] - padding[0], mask_size[1] - padding[1]
    image_width, image_height = image_size
    if picture_width <= 0 or picture_height <= 0 or (
            (picture_width, picture_height) == (image_width, image_height)):
        return False
    aspect, image_aspect = picture_width / picture_height, image_width / image_height
    return abs(aspect / image_aspect - 1) <= ASPECT_TOLERANCE


def _written_as_figures_are(path: Path | str) -> bool:
    """Whether the file is of a kind ``savefig`` writes: with an alpha channel (Agg's PNG and
    TIFF are RGBA) or a JPEG or WebP (RGB). Grey, 1-bit and palette files are not: a mask
    drawn with a white frame (an ignored border, a frame added by padding) is stored so."""
    try:
        with Image.open(path) as image:
            return "A" in image.getbands() or image.format in ("JPEG", "WEBP")
    except (OSError, ValueError):
        return False


def _figure_white_or_clear(path: Path | str) -> np.ndarray | None:
    """Where a file of a kind ``savefig`` writes is white or fully transparent
    (``savefig(transparent=True)`` leaves its margins at alpha 0); None for another kind of
    file or one that cannot be read."""
    if not _written_as_figures_are(path):
        return None
    try:
        pixels = read_image(path, channels=3)
    except (ImageReadError, OSError, ValueError):
        return None
    white = np.all(pixels >= WHITE, axis=2)
    clear = _transparent(path)
    if clear is not None and clear.shape == white.shape:
        white |= clear
    return white


def _transparent(path: Path | str) -> np.ndarray | None:
    """Where the file is fully transparent (alpha 0), or None without an alpha channel."""
    try:
        with Image.open(path) as image:
            if "A" not in image.getbands():
                return None
            return np.asarray(image.getchannel("A")) == 0
    except (OSError, ValueError):
        return None


#: A spine of the axes' frame: a row (column) whose longest run of non-white pixels covers at
#: least this share of the file's width (height).
SPINE_SHARE = 0.5
#: The spines meet: each run's ends lie within this many pixels of the crossing spines, plus
#: this share of the file's side (a tick mark at a corner prolongs a spine by its length,
#: 3.5 points: 5 px at 100 dpi, 15 at 300).
SPINE_SLACK, SPINE_SLACK_SHARE = 3, 0.02
#: Beside the frame, tick marks and tick labels: at most this share of the pixels left of and
#: below it is not white, at most :data:`OVERHANG_SHARE` above it and right of it (a tick
#: label centred on the last tick reaches past the frame).
TICK_LABEL_SHARE, OVERHANG_SHARE = 0.35, 0.1
#: The picture inside the frame has its image's aspect ratio within this share (the spines,
#: a pixel or two wide, are counted in).
FRAMED_ASPECT_TOLERANCE = 0.03


def _longest_runs(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each row of the boolean ``lines``: the length, first and last index of its longest
    run of True."""
    padded = np.pad(lines.astype(np.int8), ((0, 0), (1, 1)))
    steps = np.diff(padded, axis=1)
    lengths = np.zeros(lines.shape[0], np.int64)
    firsts = np.zeros(lines.shape[0], np.int64)
    for row in np.flatnonzero(lines.any(axis=1)).tolist():
        starts, ends = np.flatnonzero(steps[row] == 1), np.flatnonzero(steps[row] == -1)
        longest = int(np.argmax(ends - starts))
        lengths[row], firsts[row] = ends[longest] - starts[longest], starts[longest]
    return lengths, firsts, firsts + lengths - 1


def framed_picture(path: Path | str, image_size: tuple[int, int]
                   ) -> tuple[int, int, int, int] | None:
    """The frame ``(left, top, right, bottom)`` of a matplotlib axes drawn with its spines,
    as ``plt.imshow(mask); plt.savefig(path)`` writes with the axes on (with
    ``bbox_inches="tight"`` or not): four lines of non-white pixels meeting in a rectangle
    (the spines), white everywhere outside it but for tick marks and labels (at most
    :data:`TICK_LABEL_SHARE` of the pixels left of and below it, :data:`OVERHANG_SHARE`
    above and right of it), round a picture of its image's shape (``image_size``) at another
    size, in a file of a kind matplotlib writes. None otherwise, or when the file cannot be
    read."""
    white = _figure_white_or_clear(path)
    if white is None:
        return None
    marked = ~white
    height, width = marked.shape
    row_runs, column_runs = _longest_runs(marked), _longest_runs(marked.T)
    rows = np.flatnonzero(row_runs[0] >= SPINE_SHARE * width)
    columns = np.flatnonzero(column_runs[0] >= SPINE_SHARE * height)
    if rows.size < 2 or columns.size < 2:
        return None
    top, bottom, left, right = int(rows[0]), int(rows[-1]), int(columns[0]), int(columns[-1])
    across, down = SPINE_SLACK + SPINE_SLACK_SHARE * width, SPINE_SLACK + SPINE_SLACK_SHARE * height
    for first, last, ends, slack in (
            (row_runs[1][top], row_runs[2][top], (left, right), across),
            (row_runs[1][bottom], row_runs[2][bottom], (left, right), across),
            (column_runs[1][left], column_runs[2][left], (top, bottom), down),
            (column_runs[1][right], column_runs[2][right], (top, bottom), down)):
        if abs(int(first) - ends[0]) > slack or abs(int(last) - ends[1]) > slack:
            return None
    outside = [(marked[:top], OVERHANG_SHARE), (marked[:, right + 1:], OVERHANG_SHARE),
               (marked[:, :left], TICK_LABEL_SHARE), (marked[bottom + 1:], TICK_LABEL_SHARE)]
    if any(band.size and band.mean() > share for band, share in outside):
        return None
    if width - (right - left + 1) < 2 or height - (bottom - top + 1) < 2:
        return None  # a frame at the file's edge: a mask's own border, no axes round it
    picture = (right - left + 1, bottom - top + 1)
    image_aspect = image_size[0] / image_size[1]
    if picture == tuple(image_size) or abs(picture[0] / picture[1] / image_aspect - 1) > (
            FRAMED_ASPECT_TOLERANCE):
        return None
    return left, top, right, bottom
