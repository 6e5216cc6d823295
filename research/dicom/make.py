"""SIIM-ACR style: chest radiographs as DICOM (.dcm) with PNG masks (converted from the RLE CSV).
Source: keras-team/keras#13466 ("My medical dataset image files are in .dcm format"); 
tensorflow/datasets#2391 ("All scans are stored in DICOM format"). A minimal DICOM file (preamble,
DICM, a few data elements, 8-bit pixel data) written by hand; DRIVE green channel."""
import sys, os, struct
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
def elem(g, e, vr, val):
    if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
        return struct.pack("<HH", g, e) + vr + b"\0\0" + struct.pack("<I", len(val)) + val
    return struct.pack("<HH", g, e) + vr + struct.pack("<H", len(val)) + val
def dicom(path, px):
    h, w = px.shape
    meta = elem(2, 0x10, b"UI", b"1.2.840.10008.1.2.1\0")
    body = (meta and struct.pack("<HH", 2, 0) + b"UL" + struct.pack("<HI", 4, len(meta)) + meta)
    body += elem(0x28, 0x02, b"US", struct.pack("<H", 1)) + elem(0x28, 0x04, b"CS", b"MONOCHROME2 ")
    body += elem(0x28, 0x10, b"US", struct.pack("<H", h)) + elem(0x28, 0x11, b"US", struct.pack("<H", w))
    body += elem(0x28, 0x100, b"US", struct.pack("<H", 8)) + elem(0x28, 0x101, b"US", struct.pack("<H", 8))
    body += elem(0x7FE0, 0x10, b"OW", px.astype(np.uint8).tobytes())
    open(path, "wb").write(b"\0" * 128 + b"DICM" + body)
pairs = drive_pairs(20)
root = case_dir("dicom/a")
os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
for i, (im, m) in enumerate(pairs):
    dicom(f"{root}/images/1.2.276.0.{i}.dcm", im[..., 1])
    Image.fromarray(m.astype(np.uint8) * 255).save(f"{root}/masks/1.2.276.0.{i}.png")
# b/: the same DICOM files named .png? no: DICOM files without extension (as PACS exports store them)
root = case_dir("dicom/b")
os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
for i, (im, m) in enumerate(pairs):
    dicom(f"{root}/images/IM{i:04d}", im[..., 1])
    Image.fromarray(m.astype(np.uint8) * 255).save(f"{root}/masks/IM{i:04d}.png")
print("done")
