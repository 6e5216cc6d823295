"""Scribble annotations in the layouts public weakly supervised sets use.

Sources: COD scribbles store 1 object, 2 background, 0 unlabelled
(dddraxxx/Weakly-Supervised-Camouflaged-Object-Detection-with-Scribble-Annotations#9);
WSL4MIS stores 0/1 strokes on 255 unlabelled (HiLab-git/WSL4MIS#3); ScribbleSup's PASCAL
scribbles are drawn with a brush wider than a pixel and PASCAL's 255 void kept beside them
(see docs/real-data.md for the threads quoted).

Each variant: 20 masks 128x128, one ellipse object per image, four-point polylines drawn with
ImageDraw.line, one inside the object (object stroke) and one outside it (background stroke),
each clipped to its side.
  a: COD 0/1/2, 3-px brush           b: WSL4MIS 255/1/0, 3-px brush
  c: COD 0/1/2, 9-px brush           d: WSL4MIS 255/1/0, 9-px brush
  e: COD 0/1/2, 3-px brush, plus 255 on a 4-px band along the image border (void padding)
  f: COD 0/1/2, 15-px brush (wider than the stroke measure reads)
"""
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import case_dirs, save_pair, texture  # noqa: E402

SIZE = 128
yy, xx = np.mgrid[:SIZE, :SIZE]


def strokes(r, width):
    cy, cx = r.integers(44, 84, 2)
    ay, ax = r.integers(20, 32, 2)
    obj = ((yy - cy) / ay) ** 2 + ((xx - cx) / ax) ** 2 <= 1
    m = Image.new("L", (SIZE, SIZE), 0)
    draw = ImageDraw.Draw(m)
    for value, region in ((1, obj), (2, ~obj)):
        ys, xs = np.nonzero(region)
        if value == 2:  # keep the background stroke away from the object
            far = np.hypot(ys - cy, xs - cx) > max(ay, ax) + 12
            ys, xs = ys[far], xs[far]
        picked = r.choice(len(ys), 4, replace=False)
        points = [(int(xs[k]), int(ys[k])) for k in sorted(picked, key=lambda k: xs[k])]
        draw.line(points, fill=value, width=width)
    a = np.asarray(m).copy()
    a[(a == 1) & ~obj] = 0
    a[(a == 2) & obj] = 0
    return obj, a


for variant, width, layout, frame in (("a", 3, "cod", False), ("b", 3, "wsl", False),
                                      ("c", 9, "cod", False), ("d", 9, "wsl", False),
                                      ("e", 3, "cod", True), ("f", 15, "cod", False)):
    r = np.random.default_rng(11)
    root = case_dirs("scribbles", variant)
    tally = {"obj": 0, "fg": 0, "bg": 0, "void": 0, "n": 0}
    for k in range(20):
        obj, a = strokes(r, width)
        if layout == "wsl":
            out = np.full_like(a, 255)
            out[a == 1] = 1
            out[a == 2] = 0
        else:
            out = a.copy()
        if frame:
            out[:4], out[-4:], out[:, :4], out[:, -4:] = 255, 255, 255, 255
        tally["obj"] += int(obj.sum())
        tally["fg"] += int(((a == 1) & (out != 255 if frame else True)).sum())
        tally["bg"] += int(((a == 2) & (out != 255 if frame else True)).sum())
        tally["void"] += int((out == 255).sum()) if frame else 0
        tally["n"] += a.size
        save_pair(root, f"{k:03d}", texture(SIZE, SIZE, r), out)
    n = tally["n"]
    print(f"{variant}: width {width} {layout}{' +255 frame' if frame else ''}: object "
          f"{tally['obj'] / n:.4f}; object stroke {tally['fg'] / n:.4f}, background stroke "
          f"{tally['bg'] / n:.4f}, void {tally['void'] / n:.4f}; object among stroke pixels "
          f"{tally['fg'] / (tally['fg'] + tally['bg']):.4f}")
