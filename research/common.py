"""Shared helpers for the s27 encoding imitations (numpy + Pillow only; output in /tmp/s27enc)."""
import os
import shutil

import numpy as np
from PIL import Image

OUT = "/tmp/s27enc"


def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path


def case_dirs(case, variant):
    root = os.path.join(OUT, case, variant)
    fresh(root)
    for sub in ("images", "masks"):
        os.makedirs(os.path.join(root, sub))
    return root


def texture(h, w, r):
    """A noisy RGB picture (the images carry no meaning for these mask checks)."""
    return (r.random((h, w, 3)) * 60 + 80).astype(np.uint8)


def save_pair(root, stem, image, mask):
    Image.fromarray(image).save(os.path.join(root, "images", f"{stem}.png"))
    Image.fromarray(mask.astype(np.uint8)).save(os.path.join(root, "masks", f"{stem}.png"))
