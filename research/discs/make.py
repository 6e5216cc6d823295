"""Cell-centroid disc annotations (nuclei point labels drawn as small discs).

Motivation: point-labelled cell sets store one centroid per cell and per class, and users
stamp a small disc round each to train a segmentation net (BCData's Ki-67 positive/negative
centroids; Lizard/CoNSeP centroids; see docs/real-data.md for the threads quoted).
Variant a: two classes, 1 and 2, discs of radius 3 (29 px) on 0: 20 masks 128x128, 12 cells a
class. Variant b: one class (0/255), discs of radius 3. Variant c: two classes, radius 2 (13 px).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import case_dirs, save_pair, texture  # noqa: E402

SIZE = 128
yy, xx = np.mgrid[:SIZE, :SIZE]


def disc_mask(r, radius, classes, per_class=12):
    m = np.zeros((SIZE, SIZE), np.uint8)
    for value in classes:
        for _ in range(per_class):
            cy, cx = r.integers(6, SIZE - 6, 2)
            m[(yy - cy) ** 2 + (xx - cx) ** 2 <= radius * radius] = value
    return m


for variant, radius, classes in (("a", 3, (1, 2)), ("b", 3, (255,)), ("c", 2, (1, 2))):
    r = np.random.default_rng(7)
    root = case_dirs("discs", variant)
    total = {}
    for k in range(20):
        m = disc_mask(r, radius, classes)
        for value, count in zip(*np.unique(m, return_counts=True)):
            total[int(value)] = total.get(int(value), 0) + int(count)
        save_pair(root, f"{k:03d}", texture(SIZE, SIZE, r), m)
    pixels = sum(total.values())
    print(variant, "radius", radius, {v: round(c / pixels, 4) for v, c in total.items()},
          "disc px", int(((yy - 60) ** 2 + (xx - 60) ** 2 <= radius * radius).sum()))
