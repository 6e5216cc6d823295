"""Imitations of masks offset from their images by 2 px, from DRIVE and ISBI 2012 pixels.
Output under /tmp/s27align/offset2/<case>/{images,masks} (masks named as their images, PNG).
drive_22: every DRIVE mask moved 2 px down and right (a crop of 2 px applied to the images'
  top-left only, re-padded); drive_22_jpeg: the same with the images saved as JPEG q50;
isbi_0m2: every ISBI mask moved 2 px left; isbi_22: 2 px down and right;
drive_own: 4 of 40 masks moved 2 px (another export round)."""
import io, os, shutil
import numpy as np
from PIL import Image

D = "/work/shared/data"
OUT = "/tmp/s27align/offset2"
SETS = {"drive": f"{D}/drive_retina_vessels", "isbi": f"{D}/isbi2012_em_membrane"}


def move(a, dy, dx):
    out = np.zeros_like(a)
    h, w = a.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        a[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def build(case, source, offset_of, jpeg=False):
    root = f"{OUT}/{case}"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    for k, name in enumerate(sorted(os.listdir(f"{SETS[source]}/images"))):
        stem = os.path.splitext(name)[0]
        image = Image.open(f"{SETS[source]}/images/{name}").convert("RGB")
        mask = np.asarray(Image.open(f"{SETS[source]}/masks/{stem}{'.gif' if source == 'drive' else '.png'}").convert("L"))
        if jpeg:
            image.save(f"{root}/images/{stem}.jpg", quality=50)
        else:
            image.save(f"{root}/images/{stem}.png")
        Image.fromarray(move(mask, *offset_of(k))).save(f"{root}/masks/{stem}.png")


build("drive_22", "drive", lambda k: (2, 2))
build("drive_22_jpeg", "drive", lambda k: (2, 2), jpeg=True)
build("drive_0", "drive", lambda k: (0, 0))
build("isbi_0m2", "isbi", lambda k: (0, -2))
build("isbi_22", "isbi", lambda k: (2, 2))
build("drive_own", "drive", lambda k: (2, 2) if k in (3, 11, 19, 27) else (0, 0))
