"""Three-class contour-aware masks: 0 background, 1 object interior, 2 object boundary (2 px),
as DSB 2018 / nuclei pipelines build them to separate touching objects (a/); and b/ fill 128
with a 1-px outline of 255 (a drawing tool's outline colour around the filled object).
Sources: selimsef/dsb2018_topcoders#4 (labels built from the original masks); unet-style
"weight map / border class" pipelines. Cells from ISBI 2012 (white regions of its labels)."""
import sys, os
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import *
from scipy import ndimage
pairs = isbi_pairs(20, size=128)
for tag in "ab":
    root = case_dir(f"boundary3/{tag}")
    os.makedirs(f"{root}/images"); os.makedirs(f"{root}/masks")
    fg, bd = [], []
    for i, (g, cells) in enumerate(pairs):
        Image.fromarray(g).save(f"{root}/images/{i:03d}.png")
        inner = ndimage.binary_erosion(cells, iterations=2 if tag == "a" else 1)
        ring = cells & ~inner
        lab = np.zeros(cells.shape, np.uint8)
        if tag == "a":
            lab[inner] = 1; lab[ring] = 2
        else:
            lab[inner] = 128; lab[ring] = 255
        Image.fromarray(lab).save(f"{root}/masks/{i:03d}.png")
        fg.append(cells.mean()); bd.append(ring.mean())
    print(tag, "objects (interior+boundary) %.2f %%, boundary %.2f %%" % (100 * np.mean(fg), 100 * np.mean(bd)))
