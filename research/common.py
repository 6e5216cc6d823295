"""Shared helpers for the encoding imitations (numpy + Pillow only)."""
import os, shutil, sys
import numpy as np
from PIL import Image

def rng(seed=0):
    return np.random.default_rng(seed)

def ellipse_mask(h, w, r, n_obj=None):
    """bool HxW with 1-3 ellipses."""
    yy, xx = np.mgrid[0:h, 0:w]
    m = np.zeros((h, w), bool)
    n = n_obj or r.integers(1, 4)
    for _ in range(n):
        cy, cx = r.integers(h // 5, 4 * h // 5), r.integers(w // 5, 4 * w // 5)
        ay, ax = r.integers(max(3, h // 12), max(4, h // 4)), r.integers(max(3, w // 12), max(4, w // 4))
        m |= ((yy - cy) / ay) ** 2 + ((xx - cx) / ax) ** 2 <= 1
    return m

def photo(mask, r, colour=True):
    """uint8 image in which the object is brighter/textured; HxWx3 or HxW."""
    h, w = mask.shape
    base = r.normal(90, 25, (h, w)) + 60 * mask + np.linspace(0, 40, w)[None, :]
    base = np.clip(base, 0, 255).astype(np.uint8)
    if not colour:
        return base
    rgb = np.stack([base, np.clip(base * 0.8 + r.normal(0, 8, (h, w)), 0, 255),
                    np.clip(base * 0.6 + 30, 0, 255)], -1).astype(np.uint8)
    return rgb

def fresh(path):
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    return path

HERE = os.path.dirname(os.path.abspath(__file__))

import struct
def write_tiff(path, pages, photometric, extrasamples=None, sampleformat=1, planar=1, subfiletypes=None, extra_tags=None):
    """Minimal little-endian uncompressed TIFF writer. pages: list of arrays HxW or HxWxC
    (uint8/uint16/int16/float32). extrasamples: list of ExtraSamples values (len C - base)."""
    ifd_entries_all = []
    data = bytearray(b"II*\x00\x00\x00\x00\x00")
    offsets = []
    blobs = []
    for arr in pages:
        arr = np.ascontiguousarray(arr)
        blobs.append(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    # layout: header, then each page's pixel data, then its IFD
    next_ifd_pos_ptr = 4
    for k, arr in enumerate(pages):
        h, w = arr.shape[:2]
        c = 1 if arr.ndim == 2 else arr.shape[2]
        bits = arr.dtype.itemsize * 8
        fmt = {"u": 1, "i": 2, "f": 3}[arr.dtype.kind]
        while len(data) % 2: data.append(0)
        strip_off = len(data)
        data += blobs[k]
        tags = {256: (3, [w]), 257: (3, [h]), 258: (3, [bits] * c), 259: (3, [1]), 262: (3, [photometric]),
                273: (4, [strip_off]), 277: (3, [c]), 278: (3, [h]), 279: (4, [len(blobs[k])]), 284: (3, [planar]),
                339: (3, [fmt] * c)}
        if extrasamples is not None:
            tags[338] = (3, list(extrasamples))
        if subfiletypes is not None:
            tags[254] = (4, [subfiletypes[k]])
        for t, v in (extra_tags or {}).items():
            tags[t] = v
        while len(data) % 2: data.append(0)
        ifd_pos = len(data)
        struct.pack_into("<I", data, next_ifd_pos_ptr, ifd_pos)
        n = len(tags)
        ifd = bytearray(struct.pack("<H", n))
        overflow = bytearray()
        over_base = ifd_pos + 2 + 12 * n + 4
        for t in sorted(tags):
            typ, vals = tags[t]
            if typ == 2:
                raw = vals if isinstance(vals, bytes) else bytes(vals)
                cnt = len(raw)
            else:
                size = {3: 2, 4: 4, 12: 8}[typ]
                f = {3: "H", 4: "I", 12: "d"}[typ]
                raw = struct.pack("<" + f * len(vals), *vals); cnt = len(vals)
            if len(raw) <= 4:
                ifd += struct.pack("<HHI", t, typ, cnt) + raw.ljust(4, b"\x00")
            else:
                ifd += struct.pack("<HHII", t, typ, cnt, over_base + len(overflow))
                overflow += raw
                if len(overflow) % 2: overflow.append(0)
        ifd += b"\x00\x00\x00\x00"
        next_ifd_pos_ptr = ifd_pos + 2 + 12 * n
        data += ifd + overflow
    open(path, "wb").write(bytes(data))

# --- s26 additions ---
import glob
OUT = "/tmp/s27newenc"

def drive_images(n, size=96, seed=0):
    """n RGB uint8 arrays cropped/resized from /work/shared/data DRIVE images (read only)."""
    files = sorted(glob.glob("/work/shared/data/drive_retina_vessels/images/*"))
    out = []
    for i in range(n):
        im = Image.open(files[i % len(files)]).convert("RGB")
        w, h = im.size
        k = i // len(files)
        box = (40 + 37 * k, 40 + 23 * k, 40 + 37 * k + 400, 40 + 23 * k + 400)
        out.append(np.asarray(im.crop(box).resize((size, size), Image.BILINEAR)))
    return out

def isbi_images(n, size=96):
    files = sorted(glob.glob("/work/shared/data/isbi2012_em_membrane/images/*"))
    return [np.asarray(Image.open(files[i % len(files)]).convert("L").resize((size, size), Image.BILINEAR)) for i in range(n)]

def case_dir(name):
    return fresh(os.path.join(OUT, name))

# --- s27 additions ---
def drive_pairs(n, size=96):
    """n (RGB image, bool vessel mask) pairs from DRIVE, cropped 400 px and resized (read only)."""
    imgs = sorted(glob.glob("/work/shared/data/drive_retina_vessels/images/*"))
    msks = sorted(glob.glob("/work/shared/data/drive_retina_vessels/masks/*"))
    out = []
    for i in range(n):
        k = i // len(imgs)
        box = (40 + 37 * k, 40 + 23 * k, 40 + 37 * k + 400, 40 + 23 * k + 400)
        im = Image.open(imgs[i % len(imgs)]).convert("RGB").crop(box).resize((size, size), Image.BILINEAR)
        m = Image.open(msks[i % len(msks)]).convert("L").crop(box).resize((size, size), Image.NEAREST)
        out.append((np.asarray(im), np.asarray(m) > 127))
    return out

def isbi_pairs(n, size=96):
    """n (grey image, bool cell mask: membranes dark in ISBI's labels, so cells = label > 127)."""
    files = sorted(glob.glob("/work/shared/data/isbi2012_em_membrane/images/*"))
    out = []
    for f in files[:n]:
        g = np.asarray(Image.open(f).convert("L").resize((size, size), Image.BILINEAR))
        m = np.asarray(Image.open(f.replace("/images/", "/masks/")).convert("L").resize((size, size), Image.NEAREST)) > 127
        out.append((g, m))
    return out
