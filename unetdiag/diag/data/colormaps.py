"""Two-colour masks that are a colormap's two ends: a 0/1 mask saved with matplotlib's
``plt.imsave(path, mask)``, which colour-maps a single channel (matplotlib#24320: "single
channel images will be colormapped") and writes opaque RGBA.

The colours are each colormap's first and last entries as matplotlib writes them
(``Colormap(x, bytes=True)``: the float colour times 255, truncated); a channel may differ by
one between versions.

>>> colormap_of([(0, 0, 127), (127, 0, 0)])
('jet', 0)
>>> colormap_of([(253, 231, 37), (68, 1, 84)]), colormap_of([(0, 0, 0), (255, 255, 255)])
(('viridis', 1), None)
"""

from __future__ import annotations

from collections.abc import Sequence

#: matplotlib colormaps (the default viridis, jet before matplotlib 2.0, and the other
#: perceptual ones) and their colours at 0 and at 1.
COLORMAP_ENDS: dict[str, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    "viridis": ((68, 1, 84), (253, 231, 36)),
    "jet": ((0, 0, 127), (127, 0, 0)),
    "plasma": ((12, 7, 134), (239, 248, 33)),
    "inferno": ((0, 0, 3), (252, 254, 164)),
    "magma": ((0, 0, 3), (251, 252, 191)),
    "cividis": ((0, 34, 77), (253, 231, 55)),
}
#: Largest difference per channel still taken for the same colour.
CHANNEL_TOLERANCE = 1


def _same(first: Sequence[int], second: Sequence[int]) -> bool:
    return all(abs(int(a) - int(b)) <= CHANNEL_TOLERANCE for a, b in zip(first, second,
                                                                          strict=True))


def colormap_of(colours: Sequence[Sequence[int]]) -> tuple[str, int] | None:
    """The colormap whose two ends are exactly these two colours (in either order), and the
    position in ``colours`` of its colour at 0 (a 0/1 mask's background); None if none."""
    if len(colours) != 2:
        return None
    for name, (low, high) in COLORMAP_ENDS.items():
        for zero, one in ((0, 1), (1, 0)):
            if _same(colours[zero], low) and _same(colours[one], high):
                return name, zero
    return None
