"""Imitations of single masks stored turned against their images (one file of N), from DRIVE
and ISBI 2012 pixels; output /tmp/s27align/turn1/<case>/{images,masks} (PNG).
isbi_one: ISBI mask 7 stored rotated 90 degrees counter-clockwise (an EXIF orientation
  honoured for one file only); isbi_two: mask 7 rotated 180, mask 19 transposed;
drive_one: DRIVE mask 12 (of 40) rotated 180; fov_one: DRIVE images with their
  field-of-view discs as masks, disc 12 rotated 180 (nearly symmetric: nothing to tell);
drive_sparse: DRIVE masks cut to one 24x24 patch of vessels each (near-empty), patch 12
  rotated 180 about the image centre; isbi_aligned / drive_aligned: as published (PNG)."""
import os, shutil
import numpy as np
from PIL import Image

D = "/work/shared/data"
OUT = "/tmp/s27align/turn1"
SETS = {"drive": f"{D}/drive_retina_vessels", "isbi": f"{D}/isbi2012_em_membrane"}


def build(case, source, change, masks="masks"):
    root = f"{OUT}/{case}"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    for k, name in enumerate(sorted(os.listdir(f"{SETS[source]}/images"))):
        stem = os.path.splitext(name)[0]
        Image.open(f"{SETS[source]}/images/{name}").convert("RGB").save(f"{root}/images/{stem}.png")
        ext = ".gif" if source == "drive" else ".png"
        mask = np.asarray(Image.open(f"{SETS[source]}/{masks}/{stem}{ext}").convert("L"))
        Image.fromarray(np.ascontiguousarray(change(k, mask))).save(f"{root}/masks/{stem}.png")


def sparse(k, mask):
    out = np.zeros_like(mask)
    rows, cols = np.nonzero(mask[150:-150, 150:-150] > 127)
    y, x = rows[len(rows) // 3] + 150, cols[len(cols) // 3] + 150
    out[y - 12:y + 12, x - 12:x + 12] = mask[y - 12:y + 12, x - 12:x + 12]
    return out[::-1, ::-1] if k == 12 else out


build("isbi_one", "isbi", lambda k, m: np.rot90(m, 1) if k == 7 else m)
build("isbi_two", "isbi", lambda k, m: m[::-1, ::-1] if k == 7 else m.T if k == 19 else m)
build("isbi_aligned", "isbi", lambda k, m: m)
build("drive_one", "drive", lambda k, m: m[::-1, ::-1] if k == 12 else m)
build("drive_aligned", "drive", lambda k, m: m)
build("fov_one", "drive", lambda k, m: m[::-1, ::-1] if k == 12 else m, masks="extra_fov_masks")
build("drive_sparse", "drive", sparse)
