"""Masks inverted per file: most store the object 255 on 0, a few store it 0 on 255.
Source: BioHit/TongeImageDataset#1 ("in a few of the masks within the dataset, the foreground
and background have been swapped"). DRIVE pixels (vessels 0/255), 96 px, masks 004, 011, 017
inverted (a/); b/ the same with 10 of 20 inverted (a set assembled from two exports); c/ 12 of 20."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
pairs = drive_pairs(20)
for tag, flip in (("a", {4, 11, 17}), ("b", set(range(0, 20, 2))), ("c", set(range(12)))):
    root = case_dir(f"inverted_some/{tag}")
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    fg = []
    for i, (im, m) in enumerate(pairs):
        Image.fromarray(im).save(f"{root}/images/{i:03d}.png")
        stored = (~m if i in flip else m).astype(np.uint8) * 255
        Image.fromarray(stored).save(f"{root}/masks/{i:03d}.png")
        fg.append(m.mean())
    print(tag, "true vessel share %.2f %%" % (100 * np.mean(fg)), "inverted files:", sorted(flip))
