"""Masks in compressed TIFF (LZW, Deflate, PackBits 1-bit) and RLE-less BMP 1-bit: the forms
ImageJ/Fiji, QuPath and GIS tools write (python-pillow/Pillow#8602 for BMP; TIFF LZW is the
default in many exporters). DRIVE pixels, 0/255 vessels."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
pairs = drive_pairs(20)
root = case_dir("compressed/a")
os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
for i, (im, m) in enumerate(pairs):
    Image.fromarray(im).save(f"{root}/images/{i:03d}.tif", compression="tiff_lzw")
    mk = Image.fromarray(m.astype(np.uint8) * 255)
    k = i % 4
    if k == 0: mk.save(f"{root}/masks/{i:03d}.tif", compression="tiff_lzw")
    elif k == 1: mk.save(f"{root}/masks/{i:03d}.tif", compression="tiff_adobe_deflate")
    elif k == 2: mk.convert("1").save(f"{root}/masks/{i:03d}.tif", compression="packbits")
    else: mk.convert("1").save(f"{root}/masks/{i:03d}.bmp")
print("vessels %.2f %%" % (100 * np.mean([m.mean() for _, m in pairs])))
