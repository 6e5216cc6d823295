"""Untagged no-data frames (255 outside a footprint, no GDAL_NODATA tag) over ISBI 2012 and
DRIVE pixels; output /tmp/s27align/frame_image/<case>/{images,masks}.
Masks: 0 membrane / background, 1 object (ISBI: cell interiors; DRIVE: vessels), PNG.
isbi_zero: in 12 of 30 tiles a corner cut by a diagonal (the scene's footprint edge) is 255 in
  the mask and 0 in every band of the image (the image's own no-data fill), as GDAL writes
  edge tiles of a scene and a PNG export keeps no tag;
isbi_zero_jpeg: the same with the images saved as JPEG q75 (the fill rings at its edge);
isbi_data: the corner is 255 in the mask but the image keeps its pixels there (an area left
  unlabelled, or an object cut by the edge): the images do not say no-data;
drive_zero: DRIVE vessels (0/1) with the field-of-view exterior (already near-black in the
  photographs, not exactly 0) set to 255 in the mask, images as published (PNG);
drive_zero_fill: the same, the images' exterior set to exactly 0."""
import os, shutil
import numpy as np
from PIL import Image

D = "/work/shared/data"
OUT = "/tmp/s27align/frame_image"


def corner(h, w, k):
    yy, xx = np.mgrid[0:h, 0:w]
    cut = [(yy + xx < 0.6 * w), (yy - xx > 0.4 * h), (xx - yy > 0.5 * w), (yy + xx > 1.5 * w)]
    return cut[k % 4]


def isbi(case, fill_image, jpeg=False):
    root = f"{OUT}/{case}"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    src = f"{D}/isbi2012_em_membrane"
    for k, name in enumerate(sorted(os.listdir(f"{src}/images"))):
        image = np.asarray(Image.open(f"{src}/images/{name}").convert("L")).copy()
        mask = (np.asarray(Image.open(f"{src}/masks/{name}").convert("L")) > 127).astype(np.uint8)
        if k % 5 in (0, 2):  # 12 of 30 edge tiles
            outside = corner(*mask.shape, k)
            mask[outside] = 255
            if fill_image:
                image[outside] = 0
        stem = os.path.splitext(name)[0]
        if jpeg:
            Image.fromarray(image).save(f"{root}/images/{stem}.jpg", quality=75)
        else:
            Image.fromarray(image).save(f"{root}/images/{stem}.png")
        Image.fromarray(mask).save(f"{root}/masks/{stem}.png")


def drive(case, fill_image):
    root = f"{OUT}/{case}"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    src = f"{D}/drive_retina_vessels"
    for name in sorted(os.listdir(f"{src}/images")):
        stem = os.path.splitext(name)[0]
        image = np.asarray(Image.open(f"{src}/images/{name}").convert("RGB")).copy()
        mask = (np.asarray(Image.open(f"{src}/masks/{stem}.gif").convert("L")) > 127).astype(np.uint8)
        fov = np.asarray(Image.open(f"{src}/extra_fov_masks/{stem}.gif").convert("L")) > 127
        mask[~fov] = 255
        if fill_image:
            image[~fov] = 0
        Image.fromarray(image).save(f"{root}/images/{stem}.png")
        Image.fromarray(mask).save(f"{root}/masks/{stem}.png")


isbi("isbi_zero", True)
isbi("isbi_zero_jpeg", True, jpeg=True)
isbi("isbi_data", False)
drive("drive_zero", False)
drive("drive_zero_fill", True)
